//! Keys in the form: one function maps a key to a [`FormAction`] (the place a key table can
//! take over), and the actions change the form. Typing goes to the focused text field.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Field, FormOutcome, KINDS, LoginChoice, OrgForm, cycle};

/// What a key means in the form; typing goes to the focused text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    /// The next field.
    NextField,
    /// The previous field.
    PrevField,
    /// Enter: the next field, or submit on the last one.
    NextOrSubmit,
    /// Submit from any field.
    Submit,
    /// Close without saving.
    Cancel,
    /// The next choice of a choice field.
    NextChoice,
    /// The previous choice of a choice field.
    PrevChoice,
    /// Show or hide the secrets typed.
    Reveal,
    /// An editing key for the focused text field.
    Type,
}

impl OrgForm {
    /// Pastes into the focused field; `existing` are the names already taken.
    pub fn paste(&mut self, text: &str, existing: &[&str]) {
        let focus = self.focus;
        if let Some(input) = self.input_mut(focus) {
            input.insert(text);
            self.changed(existing);
        }
    }

    /// The one place keys become form actions.
    pub fn action_for(&self, key: &KeyEvent) -> FormAction {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let choice = self.focus.is_choice();
        match key.code {
            KeyCode::Esc => FormAction::Cancel,
            KeyCode::Char('s') if ctrl => FormAction::Submit,
            KeyCode::Char('r') if ctrl => FormAction::Reveal,
            KeyCode::Enter => FormAction::NextOrSubmit,
            KeyCode::Tab | KeyCode::Down => FormAction::NextField,
            KeyCode::BackTab | KeyCode::Up => FormAction::PrevField,
            KeyCode::Right | KeyCode::Char(' ') if choice => FormAction::NextChoice,
            KeyCode::Left if choice => FormAction::PrevChoice,
            _ => FormAction::Type,
        }
    }

    /// Handles a key; `existing` are the names already taken.
    pub fn on_key(&mut self, key: &KeyEvent, existing: &[&str]) -> FormOutcome {
        self.quit_asked = false;
        let action = self.action_for(key);
        if self.is_saving() {
            // Waiting for the store (maybe for a refresh's lock): only leaving is allowed.
            return match action {
                FormAction::Cancel => FormOutcome::Cancel,
                _ => FormOutcome::Continue,
            };
        }
        match action {
            FormAction::Cancel => return FormOutcome::Cancel,
            FormAction::Submit => return self.submit(existing),
            FormAction::NextOrSubmit if self.is_last() => return self.submit(existing),
            FormAction::NextOrSubmit | FormAction::NextField => self.move_focus(true),
            FormAction::PrevField => self.move_focus(false),
            FormAction::Reveal => self.reveal = !self.reveal,
            FormAction::NextChoice | FormAction::PrevChoice => {
                self.cycle_choice(action == FormAction::NextChoice);
                self.changed(existing);
            }
            FormAction::Type => {
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
