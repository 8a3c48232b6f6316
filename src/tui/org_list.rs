//! The org list and its load state. The first frame is drawn from the first piece of the orgs
//! file while the rest is read behind it, so it does not wait for 10,000 orgs; until the whole
//! file is in (and checked as a whole), the list says it is loading, counts say so, and what
//! needs the whole list waits (End goes to the real end once loaded).

use std::collections::HashSet;
use std::ops::{Deref, DerefMut};

use crate::org::{Org, OrgId};

/// How far the orgs file has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    /// Reading: the orgs so far are the first rows of the file (maybe none yet).
    Loading,
    /// The whole file is in.
    Loaded,
    /// The file could not be read or is damaged: why. No org is shown, none can be acted on.
    Failed(String),
}

/// The saved orgs in the order they were saved (as the store and `sfkey list` give them), the
/// selection, and how far loading got. Derefs to the orgs.
#[derive(Debug)]
pub struct OrgList {
    orgs: Vec<Org>,
    /// Index into the orgs.
    pub selected: usize,
    load: Load,
    /// End was pressed while loading: go to the real end once loaded.
    to_last: bool,
}

impl Default for OrgList {
    fn default() -> Self {
        Self {
            orgs: Vec::new(),
            selected: 0,
            load: Load::Loading,
            to_last: false,
        }
    }
}

impl Deref for OrgList {
    type Target = Vec<Org>;

    fn deref(&self) -> &Vec<Org> {
        &self.orgs
    }
}

impl DerefMut for OrgList {
    fn deref_mut(&mut self) -> &mut Vec<Org> {
        &mut self.orgs
    }
}

impl OrgList {
    /// How far loading got.
    pub fn load(&self) -> &Load {
        &self.load
    }

    /// Whether the whole file is not in yet.
    pub fn loading(&self) -> bool {
        self.load == Load::Loading
    }

    /// Why the file could not be read, if it could not.
    pub fn load_error(&self) -> Option<&str> {
        match &self.load {
            Load::Failed(why) => Some(why),
            _ => None,
        }
    }

    /// The selected org, if there is one.
    pub fn selected_org(&self) -> Option<&Org> {
        self.orgs.get(self.selected)
    }

    /// The org's name, by id.
    pub fn name_of(&self, id: &OrgId) -> Option<String> {
        self.orgs
            .iter()
            .find(|o| o.id == *id)
            .map(|o| o.name.clone())
    }

    /// Selects row `index` (kept inside the list); returns whether the selection moved.
    /// `to_end` asks for the last org, which while loading means the last once loaded.
    pub fn select(&mut self, index: usize, to_end: bool) -> bool {
        self.to_last = to_end && self.loading();
        let index = index.min(self.orgs.len().saturating_sub(1));
        let moved = index != self.selected;
        self.selected = index;
        moved
    }

    /// The first rows of the file, while the rest is read; ignored unless loading (a reload
    /// keeps showing the whole list it has until the new one is in).
    pub fn first_rows(&mut self, orgs: Vec<Org>) {
        if self.loading() && self.orgs.is_empty() {
            self.orgs = orgs;
            self.selected = 0;
        }
    }

    /// The whole file as read (or why not). The selection stays on `keep` (else the org it
    /// was on, else the same row); returns the ids of the orgs now listed, `None` if the file
    /// could not be read.
    pub fn loaded(
        &mut self,
        result: Result<Vec<Org>, String>,
        keep: Option<OrgId>,
    ) -> Option<HashSet<OrgId>> {
        let before = self.selected_org().map(|o| o.id.clone());
        match result {
            Ok(orgs) => {
                self.orgs = orgs;
                self.load = Load::Loaded;
                let keep = keep.or(before);
                let found = keep.and_then(|id| self.orgs.iter().position(|o| o.id == id));
                self.selected = match found {
                    _ if self.to_last => self.orgs.len().saturating_sub(1),
                    Some(i) => i,
                    None => self.selected.min(self.orgs.len().saturating_sub(1)),
                };
            }
            Err(e) => {
                // Acting on orgs nobody can see would be worse than showing none.
                self.orgs.clear();
                self.selected = 0;
                self.load = Load::Failed(e);
            }
        }
        self.to_last = false;
        let ids = self.orgs.iter().map(|o| o.id.clone()).collect();
        self.load_error().is_none().then_some(ids)
    }

    /// The list's title count: `7`, or `60 so far` while loading.
    pub fn count(&self) -> String {
        if self.loading() {
            format!("{} so far", self.orgs.len())
        } else {
            self.orgs.len().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs(n: usize) -> Vec<Org> {
        (0..n)
            .map(|i| Org::new(format!("o{i}"), "https://login.salesforce.com", "3MVG9x"))
            .collect()
    }

    #[test]
    fn end_while_loading_goes_to_the_real_end_once_loaded() {
        let all = orgs(100);
        let mut list = OrgList::default();
        list.first_rows(all[..10].to_vec());
        assert!(list.loading());
        assert_eq!(list.count(), "10 so far");
        list.select(usize::MAX, true);
        assert_eq!(list.selected, 9);
        list.loaded(Ok(all), None);
        assert_eq!((list.selected, list.count().as_str()), (99, "100"));
    }

    #[test]
    fn a_move_after_end_while_loading_stays_where_it_is() {
        let all = orgs(100);
        let mut list = OrgList::default();
        list.first_rows(all[..10].to_vec());
        list.select(usize::MAX, true);
        list.select(3, false);
        list.loaded(Ok(all), None);
        assert_eq!(list.selected, 3);
    }

    #[test]
    fn a_damaged_file_found_after_the_first_rows_shows_no_org() {
        let mut list = OrgList::default();
        list.first_rows(orgs(10));
        list.select(5, false);
        let ids = list.loaded(Err("the org name \"o1\" appears twice".into()), None);
        assert!(ids.is_none() && list.is_empty() && list.selected_org().is_none());
        assert_eq!(list.load_error(), Some("the org name \"o1\" appears twice"));
    }

    fn key(c: char) -> crate::tui::Message {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        crate::tui::Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn the_app_moves_in_the_first_rows_and_waits_for_the_whole_list_to_add() {
        use crate::tui::{App, Message};
        let all = orgs(100);
        let mut app = App::new(0, None, 0);
        app.update(Message::FirstOrgs(all[..10].to_vec()));
        app.update(key('j'));
        assert_eq!(app.selected_org().map(|o| o.name.as_str()), Some("o1"));
        // A new name is checked against every org: not before they are all read.
        assert!(app.update(key('a')).is_empty());
        assert!(app.view.popup.is_none());
        let status = app.view.status.as_ref().map(|s| s.text.as_str());
        assert_eq!(
            status,
            Some("still reading the orgs file; try again in a moment")
        );
        app.update(key('G'));
        app.update(Message::OrgsLoaded(Ok(all)));
        assert_eq!(app.selected_org().map(|o| o.name.as_str()), Some("o99"));
        app.update(key('a'));
        assert!(app.view.popup.is_some());
    }

    #[test]
    fn a_reload_keeps_the_whole_list_until_the_new_one_is_in() {
        let all = orgs(100);
        let mut list = OrgList::default();
        list.loaded(Ok(all.clone()), None);
        list.select(50, false);
        list.first_rows(all[..10].to_vec());
        assert_eq!((list.len(), list.selected), (100, 50));
        list.loaded(Ok(all[40..].to_vec()), None);
        assert_eq!(list.selected_org().map(|o| o.name.as_str()), Some("o50"));
    }
}
