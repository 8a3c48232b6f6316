//! The add/edit/login form: fields for the org's kind, focus, and validation with the same
//! rules as the CLI. Nothing is saved until every field is valid; errors are shown beside their
//! field and go as soon as it is fixed. The form returns what was typed ([`FormOutcome`]);
//! the app decides what to do with it.

mod fields;
pub mod keys;
#[cfg(test)]
mod tests;
mod validate;

use crate::org::{Org, OrgKind};

use super::input::TextInput;
pub use fields::{Field, KINDS, LoginChoice, Shape, cycle, kind_help};
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
    Submit(Box<OrgDraft>),
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

    /// Validates every field; on success what to save, and the form waits for the store.
    pub fn submit(&mut self, existing: &[&str]) -> FormOutcome {
        self.save = SaveState::Editing;
        match self.check(existing) {
            Ok(draft) => {
                self.errors.clear();
                self.save = SaveState::Saving;
                FormOutcome::Submit(Box::new(draft))
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
