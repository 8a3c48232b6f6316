//! Keys in the form: the user's key table says what a key asks for (context Form), and the
//! actions change the form. A key with no action there goes to the focused text field.

use crossterm::event::KeyEvent;

use super::super::keymap::{Action, Context, KeyMap};
use super::{Field, FormOutcome, KINDS, LoginChoice, OrgForm, cycle};

impl OrgForm {
    /// Pastes into the focused field; `existing` are the names already taken.
    pub fn paste(&mut self, text: &str, existing: &[&str]) {
        let focus = self.focus;
        if let Some(input) = self.input_mut(focus) {
            input.insert(text);
            self.changed(existing);
        }
    }

    /// What `key` asks of the form, by the key table; `None` types into the focused field.
    pub fn action_for(&self, key: &KeyEvent, keys: &KeyMap) -> Option<Action> {
        match keys.action(Context::Form, key) {
            // Space and the arrows choose on a choice; on a text field they type and move.
            Some(Action::ChooseNext | Action::ChoosePrev) if !self.focus.is_choice() => None,
            action => action,
        }
    }

    /// Handles a key, looked up in `keys`; `existing` are the names already taken.
    pub fn on_key(&mut self, key: &KeyEvent, keys: &KeyMap, existing: &[&str]) -> FormOutcome {
        let action = self.action_for(key, keys);
        if self.is_saving() {
            // Waiting for the store (maybe for a refresh's lock): only leaving is allowed.
            return match action {
                Some(Action::Cancel) => FormOutcome::Cancel,
                _ => FormOutcome::Continue,
            };
        }
        match action {
            Some(Action::Cancel) => return FormOutcome::Cancel,
            Some(Action::Save) => return self.submit(existing),
            Some(Action::Submit) if self.is_last() => return self.submit(existing),
            Some(Action::Submit | Action::NextField) => self.move_focus(true),
            Some(Action::PrevField) => self.move_focus(false),
            Some(Action::RevealSecrets) => self.reveal = !self.reveal,
            Some(Action::ChooseNext | Action::ChoosePrev) => {
                self.cycle_choice(action == Some(Action::ChooseNext));
                self.changed(existing);
            }
            // Only the actions above are bound in the form; anything else is typing.
            Some(_) | None => {
                let focus = self.focus;
                if let Some(input) = self.input_mut(focus) {
                    let before = input.value().len();
                    let edited = input.handle_key(key);
                    if edited && input.value().len() != before {
                        self.changed(existing);
                    }
                }
            }
        }
        FormOutcome::Continue
    }

    /// Something was typed or chosen: errors that no longer apply go (only those: a field not
    /// tried yet gets no error before the next save).
    pub(super) fn changed(&mut self, existing: &[&str]) {
        self.dirty = true;
        if self.errors.is_empty() {
            return;
        }
        let fresh = self.check(existing).err().unwrap_or_default();
        let shown = self.visible_fields();
        self.errors.retain_mut(
            |(field, error)| match fresh.iter().find(|(f, _)| f == field) {
                Some((_, now)) if shown.contains(field) => {
                    error.clone_from(now);
                    true
                }
                _ => false,
            },
        );
    }

    fn move_focus(&mut self, forward: bool) {
        let fields = self.visible_fields();
        self.focus = fields
            .iter()
            .position(|f| *f == self.focus)
            .map_or(Field::Name, |_| cycle(&fields, self.focus, forward));
    }

    fn is_last(&self) -> bool {
        self.visible_fields().last() == Some(&self.focus)
    }

    fn cycle_choice(&mut self, forward: bool) {
        match self.focus {
            Field::Kind => self.kind = cycle(&KINDS, self.kind, forward),
            Field::Login => self.login = cycle(&LoginChoice::ALL, self.login, forward),
            _ => {}
        }
    }
}
