//! The add/edit/login form: fields for the org's kind, focus, and validation with the same
//! rules as the CLI. Nothing is saved until every field is valid; errors are shown beside their
//! field and go as soon as it is fixed. The form returns what was typed ([`FormOutcome`]);
//! the app decides what to do with it.

mod fields;
#[cfg(test)]
mod tests;
mod validate;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::org::{Org, OrgKind};

use super::input::TextInput;
pub use fields::{Field, KINDS, LoginChoice, Shape, cycle};
pub use validate::OrgDraft;

/// What the form is for.
#[derive(Debug, Clone, PartialEq)]
pub enum FormMode {
    /// A new org, any kind.
    Add,
    /// A new org read from a pasted auth URL: a name already taken asks to update that org.
    Import,
    /// Log in with the browser; the org is saved after.
    Login,
    /// Change a saved org (its kind stays).
    Edit(Box<Org>),
}

/// Whether the form waits for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// Being filled in.
    Editing,
    /// Submitted: waiting for the store (maybe for a refresh's lock).
    Saving,
    /// The store refused (keyring locked, ...): why; the form stays open.
    Failed(String),
}

/// What a key did to the form.
#[derive(Debug)]
pub enum FormOutcome {
    /// Keep the form open.
    Continue,
    /// Close without saving.
    Cancel,
    /// Every field is valid: this is what was typed.
    Submit(OrgDraft),
}

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

/// The add, edit or login form.
#[derive(Debug)]
pub struct OrgForm {
    /// What the form is for.
    pub mode: FormMode,
    /// The org's kind: chosen when adding, fixed otherwise.
    pub kind: OrgKind,
    /// Which field has the cursor.
    pub focus: Field,
    /// Production, sandbox or custom.
    pub login: LoginChoice,
    name: TextInput,
    login_url: TextInput,
    site: TextInput,
    client_id: TextInput,
    username: TextInput,
    client_secret: TextInput,
    private_key: TextInput,
    refresh_token: TextInput,
    access_token: TextInput,
    /// Errors beside fields, from the last attempt to save, while they still apply.
    pub errors: Vec<(Field, String)>,
    /// Waiting for the store, or why it refused.
    pub save: SaveState,
    /// Secrets drawn as typed rather than as dots.
    pub reveal: bool,
    /// Something was typed or chosen: leaving would lose it.
    dirty: bool,
    /// Ctrl-C was pressed once with unsaved input: the next one quits.
    pub quit_asked: bool,
}

impl OrgForm {
    /// An empty form for a new org.
    pub fn add() -> Self {
        Self {
            mode: FormMode::Add,
            kind: OrgKind::RefreshToken,
            focus: Field::Name,
            login: LoginChoice::Production,
            name: TextInput::new(""),
            login_url: TextInput::new(""),
            site: TextInput::new(""),
            client_id: TextInput::new(""),
            username: TextInput::new(""),
            client_secret: TextInput::secret(),
            private_key: TextInput::multiline_secret(),
            refresh_token: TextInput::secret(),
            access_token: TextInput::secret(),
            errors: Vec::new(),
            save: SaveState::Editing,
            reveal: false,
            dirty: false,
            quit_asked: false,
        }
    }

    /// An empty form for logging in with the browser, at `login_url` when given (else production).
    pub fn log_in(login_url: Option<&str>) -> Self {
        let mut form = Self {
            mode: FormMode::Login,
            ..Self::add()
        };
        if let Some(url) = login_url {
            form.login = LoginChoice::Custom;
            form.login_url = TextInput::new(url);
        }
        form
    }

    /// A new-org form filled from a pasted SFDX auth URL; only the name is left to choose.
    pub fn from_auth_url(url: &crate::interop::sfdx_url::AuthUrl) -> Self {
        use secrecy::ExposeSecret;
        let mut form = Self {
            mode: FormMode::Import,
            login: LoginChoice::for_url(&url.login_url),
            // It holds a pasted org not saved yet.
            dirty: true,
            ..Self::add()
        };
        if form.login == LoginChoice::Custom {
            form.login_url = TextInput::new(&url.login_url);
        }
        form.name = TextInput::new(&crate::interop::sfdx_url::default_name(&url.login_url));
        form.client_id = TextInput::new(&url.client_id);
        if let Some(secret) = &url.client_secret {
            form.client_secret.insert(secret.expose_secret());
        }
        form.refresh_token.insert(url.refresh_token.expose_secret());
        form
    }

    /// A form holding `org`'s settings; its secrets stay unless new ones are typed.
    pub fn edit(org: &Org) -> Self {
        let shared = matches!(org.kind, OrgKind::RefreshToken | OrgKind::JwtBearer);
        let login = match shared {
            true => LoginChoice::for_url(&org.login_url),
            false => LoginChoice::Custom,
        };
        let custom = match login {
            LoginChoice::Custom => org.login_url.as_str(),
            _ => "",
        };
        Self {
            mode: FormMode::Edit(Box::new(org.clone())),
            kind: org.kind,
            login,
            name: TextInput::new(&org.name),
            login_url: TextInput::new(custom),
            site: TextInput::new(org.site.as_deref().unwrap_or("")),
            client_id: TextInput::new(&org.client_id),
            username: TextInput::new(org.username.as_deref().unwrap_or("")),
            ..Self::add()
        }
    }

    /// The org being edited, if any.
    pub fn editing(&self) -> Option<&Org> {
        match &self.mode {
            FormMode::Edit(org) => Some(org),
            _ => None,
        }
    }

    /// Whether the form waits for the store.
    pub fn is_saving(&self) -> bool {
        self.save == SaveState::Saving
    }

    /// Whether leaving now would lose something typed (Ctrl-C asks first then).
    pub fn is_dirty(&self) -> bool {
        self.dirty && !self.is_saving()
    }

    /// Ctrl-C: `true` when the app may quit now; with unsaved input the first press only asks.
    pub fn allow_quit(&mut self) -> bool {
        if !self.is_dirty() || self.quit_asked {
            return true;
        }
        self.quit_asked = true;
        false
    }

    /// The title of the popup.
    pub fn title(&self) -> String {
        match &self.mode {
            FormMode::Edit(org) => format!(" Edit {} ({}) ", org.name, org.kind.label()),
            FormMode::Login => " Log in with the browser ".into(),
            FormMode::Import => " Add an org from an auth URL ".into(),
            FormMode::Add => " Add an org ".into(),
        }
    }

    /// Which fields show, as data.
    pub fn shape(&self) -> Shape {
        Shape {
            kind: self.kind,
            choose_kind: self.mode == FormMode::Add,
            login: self.mode == FormMode::Login,
            login_choice: self.login,
        }
    }

    /// The fields shown, top to bottom: those of the org's kind.
    pub fn visible_fields(&self) -> Vec<Field> {
        self.shape().fields()
    }

    /// The label of a field, for this kind of org.
    pub fn label(&self, field: Field) -> &'static str {
        field.label(self.kind)
    }

    /// The text input of a field (`None` for a choice).
    pub fn input(&self, field: Field) -> Option<&TextInput> {
        Some(match field {
            Field::Name => &self.name,
            Field::Kind | Field::Login => return None,
            Field::LoginUrl => &self.login_url,
            Field::Site => &self.site,
            Field::ClientId => &self.client_id,
            Field::Username => &self.username,
            Field::ClientSecret => &self.client_secret,
            Field::PrivateKey => &self.private_key,
            Field::RefreshToken => &self.refresh_token,
            Field::AccessToken => &self.access_token,
        })
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut TextInput> {
        Some(match field {
            Field::Name => &mut self.name,
            Field::Kind | Field::Login => return None,
            Field::LoginUrl => &mut self.login_url,
            Field::Site => &mut self.site,
            Field::ClientId => &mut self.client_id,
            Field::Username => &mut self.username,
            Field::ClientSecret => &mut self.client_secret,
            Field::PrivateKey => &mut self.private_key,
            Field::RefreshToken => &mut self.refresh_token,
            Field::AccessToken => &mut self.access_token,
        })
    }

    /// The hint an empty field shows (drawn as a hint, never like a value).
    pub fn placeholder(&self, field: Field) -> &'static str {
        let editing = self.editing().is_some();
        let login = self.mode == FormMode::Login;
        match field {
            Field::Name => "e.g. prod, acme-uat",
            Field::LoginUrl => "e.g. https://acme.my.salesforce.com",
            Field::Site => "optional: /partners for an Experience Cloud site",
            Field::ClientId if login => "optional: your connected app (default PlatformCLI)",
            Field::ClientId => "the connected app's consumer key",
            Field::Username => "the user tokens are for, e.g. ci@acme.com",
            Field::ClientSecret | Field::PrivateKey | Field::RefreshToken | Field::AccessToken
                if editing =>
            {
                "unchanged unless you type a new one"
            }
            Field::ClientSecret if self.kind == OrgKind::ClientCredentials => {
                "the connected app's consumer secret"
            }
            Field::ClientSecret => "optional: the consumer secret",
            Field::PrivateKey => "paste the PEM key (BEGIN PRIVATE KEY)",
            Field::RefreshToken => "from a login to the org (sf org display, Postman, …)",
            Field::AccessToken => "a session id, 00D…!…",
            Field::Kind | Field::Login => "",
        }
    }

    /// The error shown beside a field, if any.
    pub fn error(&self, field: Field) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e.as_str())
    }

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
    fn changed(&mut self, existing: &[&str]) {
        self.dirty = true;
        if self.errors.is_empty() {
            return;
        }
        let fresh = self.check(existing).err().unwrap_or_default();
        let shown = self.visible_fields();
        self.errors.retain_mut(|(field, error)| {
            match fresh.iter().find(|(f, _)| f == field) {
                Some((_, now)) if shown.contains(field) => {
                    error.clone_from(now);
                    true
                }
                _ => false,
            }
        });
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

    /// Validates every field; on success what to save, and the form waits for the store.
    pub fn submit(&mut self, existing: &[&str]) -> FormOutcome {
        self.save = SaveState::Editing;
        match self.check(existing) {
            Ok(draft) => {
                self.errors.clear();
                self.save = SaveState::Saving;
                FormOutcome::Submit(draft)
            }
            Err(errors) => {
                if let Some((field, _)) = errors.first() {
                    self.focus = *field;
                }
                self.errors = errors;
                FormOutcome::Continue
            }
        }
    }

    /// The store refused the save: show why and let the user fix it.
    pub fn failed(&mut self, message: String) {
        if message.contains("already exists") {
            self.save = SaveState::Editing;
            self.errors.push((Field::Name, message));
            self.focus = Field::Name;
        } else {
            self.save = SaveState::Failed(message);
        }
    }
}
