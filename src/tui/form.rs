//! The add/edit form: fields, focus, and validation with the same rules as the CLI. Nothing is
//! saved until every field is valid; errors are shown beside their field.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;

use crate::org::{self, Org};
use crate::store::{NewSecrets, SecretChanges};

use super::input::TextInput;
use super::message::{Effect, LoginRequest, OrgEdit};

/// Salesforce's two login hosts, or any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginChoice {
    /// https://login.salesforce.com
    Production,
    /// https://test.salesforce.com
    Sandbox,
    /// A My Domain or any other URL, typed in.
    Custom,
}

impl LoginChoice {
    /// Every choice, in display order.
    pub const ALL: [Self; 3] = [Self::Production, Self::Sandbox, Self::Custom];

    /// The label in the form.
    pub fn label(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Sandbox => "sandbox",
            Self::Custom => "custom",
        }
    }

    fn url(self) -> Option<&'static str> {
        match self {
            Self::Production => Some("https://login.salesforce.com"),
            Self::Sandbox => Some("https://test.salesforce.com"),
            Self::Custom => None,
        }
    }
}

/// The form's fields, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Org name.
    Name,
    /// Production, sandbox or custom.
    Login,
    /// The custom login URL.
    LoginUrl,
    /// Experience Cloud site path.
    Site,
    /// Consumer key.
    ClientId,
    /// Consumer secret.
    ClientSecret,
    /// Refresh token.
    RefreshToken,
}

impl Field {
    /// Every field, in order.
    pub const ALL: [Self; 7] = [
        Self::Name,
        Self::Login,
        Self::LoginUrl,
        Self::Site,
        Self::ClientId,
        Self::ClientSecret,
        Self::RefreshToken,
    ];

    /// The label in the form.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Login => "Login",
            Self::LoginUrl => "Login URL",
            Self::Site => "Site path",
            Self::ClientId => "Client id",
            Self::ClientSecret => "Client secret",
            Self::RefreshToken => "Refresh token",
        }
    }
}

/// What a key did to the form.
#[derive(Debug)]
pub enum FormEvent {
    /// Keep the form open.
    Stay,
    /// Close without saving.
    Close,
    /// Valid: save this.
    Submit(Box<Effect>),
}

/// The add or edit form.
#[derive(Debug)]
pub struct OrgForm {
    /// The org being edited; `None` when adding.
    pub editing: Option<Org>,
    /// Which field has the cursor.
    pub focus: Field,
    /// Production, sandbox or custom.
    pub login: LoginChoice,
    name: TextInput,
    login_url: TextInput,
    site: TextInput,
    client_id: TextInput,
    client_secret: TextInput,
    refresh_token: TextInput,
    /// Errors beside fields, from the last attempt to save.
    pub errors: Vec<(Field, String)>,
    /// A failure from the store (keyring locked, ...); the form stays open.
    pub save_error: Option<String>,
    /// Waiting for the store.
    pub saving: bool,
    /// A login form: no refresh token field, the client id optional, submits a login.
    pub for_login: bool,
    /// Filled from a pasted auth URL: a name already taken asks to update that org instead.
    pub importing: bool,
}

impl OrgForm {
    /// An empty form for a new org.
    pub fn add() -> Self {
        Self {
            editing: None,
            focus: Field::Name,
            login: LoginChoice::Production,
            name: TextInput::new(""),
            login_url: TextInput::new(""),
            site: TextInput::new(""),
            client_id: TextInput::new(""),
            client_secret: TextInput::secret(),
            refresh_token: TextInput::secret(),
            errors: Vec::new(),
            save_error: None,
            saving: false,
            importing: false,
            for_login: false,
        }
    }

    /// An empty form for logging in with the browser, at `login_url` when given (else production).
    pub fn log_in(login_url: Option<&str>) -> Self {
        let mut form = Self {
            for_login: true,
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
        let mut form = Self::add();
        form.login = LoginChoice::ALL
            .into_iter()
            .find(|c| c.url() == Some(url.login_url.as_str()))
            .unwrap_or(LoginChoice::Custom);
        if form.login == LoginChoice::Custom {
            form.login_url = TextInput::new(&url.login_url);
        }
        form.name = TextInput::new(&crate::interop::sfdx_url::default_name(&url.login_url));
        form.client_id = TextInput::new(&url.client_id);
        if let Some(secret) = &url.client_secret {
            form.client_secret.insert(secret.expose_secret());
        }
        form.refresh_token.insert(url.refresh_token.expose_secret());
        form.importing = true;
        form
    }

    /// A form holding `org`'s settings; its secrets stay unless new ones are typed.
    pub fn edit(org: &Org) -> Self {
        let login = LoginChoice::ALL
            .into_iter()
            .find(|c| c.url() == Some(org.login_url.as_str()))
            .unwrap_or(LoginChoice::Custom);
        let custom = if login == LoginChoice::Custom {
            org.login_url.as_str()
        } else {
            ""
        };
        Self {
            editing: Some(org.clone()),
            login,
            name: TextInput::new(&org.name),
            login_url: TextInput::new(custom),
            site: TextInput::new(org.site.as_deref().unwrap_or("")),
            client_id: TextInput::new(&org.client_id),
            ..Self::add()
        }
    }

    /// The title of the popup.
    pub fn title(&self) -> String {
        match &self.editing {
            Some(org) => format!(" Edit {} ", org.name),
            None if self.for_login => " Log in with the browser ".into(),
            None if self.importing => " Add an org from an auth URL ".into(),
            None => " Add an org ".into(),
        }
    }

    /// The fields shown: the login URL only for a custom login.
    pub fn visible_fields(&self) -> impl Iterator<Item = Field> + '_ {
        Field::ALL
            .into_iter()
            .filter(|f| *f != Field::LoginUrl || self.login == LoginChoice::Custom)
            .filter(|f| *f != Field::RefreshToken || !self.for_login)
    }

    /// The text input of a field (`None` for the login choice).
    pub fn input(&self, field: Field) -> Option<&TextInput> {
        Some(match field {
            Field::Name => &self.name,
            Field::Login => return None,
            Field::LoginUrl => &self.login_url,
            Field::Site => &self.site,
            Field::ClientId => &self.client_id,
            Field::ClientSecret => &self.client_secret,
            Field::RefreshToken => &self.refresh_token,
        })
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut TextInput> {
        Some(match field {
            Field::Name => &mut self.name,
            Field::Login => return None,
            Field::LoginUrl => &mut self.login_url,
            Field::Site => &mut self.site,
            Field::ClientId => &mut self.client_id,
            Field::ClientSecret => &mut self.client_secret,
            Field::RefreshToken => &mut self.refresh_token,
        })
    }

    /// The placeholder of an empty field.
    pub fn placeholder(&self, field: Field) -> &'static str {
        let editing = self.editing.is_some();
        match field {
            Field::Name => "prod, acme-uat, …",
            Field::LoginUrl => "https://acme.my.salesforce.com",
            Field::Site => "optional: /partners for an Experience Cloud site",
            Field::ClientId if self.for_login => {
                "optional: your connected app (default PlatformCLI)"
            }
            Field::ClientId => "the connected app's consumer key",
            Field::ClientSecret if editing => "unchanged unless you type a new one",
            Field::ClientSecret => "optional: the consumer secret",
            Field::RefreshToken if self.for_login => "",
            Field::RefreshToken if editing => "unchanged unless you type a new one",
            Field::RefreshToken => "from a login to the org (sf org display, Postman, …)",
            Field::Login => "",
        }
    }

    /// The error shown beside a field, if any.
    pub fn error(&self, field: Field) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e.as_str())
    }

    fn move_focus(&mut self, forward: bool) {
        let fields: Vec<Field> = self.visible_fields().collect();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = if forward {
            (at + 1) % fields.len()
        } else {
            (at + fields.len() - 1) % fields.len()
        };
        self.focus = fields[next];
    }

    fn is_last(&self) -> bool {
        self.visible_fields().last() == Some(self.focus)
    }

    fn cycle_login(&mut self, forward: bool) {
        let at = LoginChoice::ALL
            .iter()
            .position(|c| *c == self.login)
            .unwrap_or(0);
        let n = LoginChoice::ALL.len();
        self.login = LoginChoice::ALL[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
    }

    /// Pastes into the focused field.
    pub fn paste(&mut self, text: &str) {
        let focus = self.focus;
        if let Some(input) = self.input_mut(focus) {
            input.insert(text);
        }
    }

    /// Handles a key; `existing` are the names already taken.
    pub fn handle_key(&mut self, key: &KeyEvent, existing: &[&str]) -> FormEvent {
        if self.saving {
            // Waiting for the store (maybe for a refresh's lock): only leaving is allowed.
            return if key.code == KeyCode::Esc {
                FormEvent::Close
            } else {
                FormEvent::Stay
            };
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return FormEvent::Close,
            KeyCode::Char('s') if ctrl => return self.submit(existing),
            KeyCode::Enter if self.is_last() => return self.submit(existing),
            KeyCode::Enter | KeyCode::Tab | KeyCode::Down => self.move_focus(true),
            KeyCode::BackTab | KeyCode::Up => self.move_focus(false),
            KeyCode::Left | KeyCode::Right if self.focus == Field::Login => {
                self.cycle_login(key.code == KeyCode::Right);
            }
            KeyCode::Char(' ') if self.focus == Field::Login => self.cycle_login(true),
            _ => {
                let focus = self.focus;
                if let Some(input) = self.input_mut(focus) {
                    input.handle_key(key);
                }
            }
        }
        FormEvent::Stay
    }

    /// Validates every field; on success the effect that saves the org.
    pub fn submit(&mut self, existing: &[&str]) -> FormEvent {
        self.errors.clear();
        self.save_error = None;
        let mut errors = Vec::new();
        let mut check = |field: Field, result: Result<(), String>| {
            if let Err(e) = result {
                errors.push((field, e));
            }
        };
        let name = self.name.value().trim().to_string();
        let renamed = self.editing.as_ref().is_none_or(|o| o.name != name);
        check(
            Field::Name,
            org::validate_name(&name)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    // An import may name a saved org: the app then asks to update it.
                    if renamed && existing.contains(&name.as_str()) && !self.importing {
                        Err(format!("an org named {name:?} already exists"))
                    } else {
                        Ok(())
                    }
                }),
        );
        let login_url = match self.login.url() {
            Some(url) => Ok(url.to_string()),
            // A Lightning address names its My Domain; any other host is the user's call here.
            None => org::parse_login_url(self.login_url.value())
                .and_then(|url| org::check_login_host(&url, true).map(|_| url))
                .map_err(|e| field_text(&e)),
        };
        check(
            Field::LoginUrl,
            login_url.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let site = org::parse_site(self.site.value()).map_err(|e| field_text(&e));
        check(Field::Site, site.as_ref().map(|_| ()).map_err(Clone::clone));
        let client_id = if self.for_login && self.client_id.value().trim().is_empty() {
            Ok(crate::login::DEFAULT_CLIENT_ID.to_string())
        } else {
            org::parse_client_id(self.client_id.value()).map_err(|e| field_text(&e))
        };
        check(
            Field::ClientId,
            client_id.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let refresh_token = self.refresh_token.value().trim();
        if self.editing.is_none() && !self.for_login && refresh_token.is_empty() {
            check(
                Field::RefreshToken,
                Err("the refresh token must not be empty".into()),
            );
        }
        let (Ok(login_url), Ok(site), Ok(client_id), true) =
            (login_url, site, client_id, errors.is_empty())
        else {
            if let Some((field, _)) = errors.first() {
                self.focus = *field;
            }
            self.errors = errors;
            return FormEvent::Stay;
        };
        let secret = |input: &TextInput| {
            let value = input.value().trim();
            (!value.is_empty()).then(|| SecretString::from(value.to_string()))
        };
        let client_secret = secret(&self.client_secret);
        let refresh_token = secret(&self.refresh_token);
        self.saving = true;
        if self.for_login {
            let target = crate::login::LoginTarget {
                login_url,
                site,
                client_id,
                client_secret,
            };
            return FormEvent::Submit(Box::new(Effect::Login(Box::new(LoginRequest {
                name,
                target,
            }))));
        }
        match &self.editing {
            None => {
                let mut org = Org::new(name, login_url, client_id);
                org.site = site;
                FormEvent::Submit(Box::new(Effect::Add(
                    org,
                    NewSecrets {
                        client_secret,
                        refresh_token: refresh_token.unwrap_or_default(),
                    },
                )))
            }
            Some(before) => {
                let mut org = before.clone();
                org.name = name;
                org.login_url = login_url;
                org.site = site;
                org.client_id = client_id;
                FormEvent::Submit(Box::new(Effect::Edit(Box::new(OrgEdit {
                    name: before.name.clone(),
                    org,
                    secrets: SecretChanges {
                        client_secret,
                        remove_client_secret: false,
                        refresh_token,
                    },
                }))))
            }
        }
    }

    /// The store refused the save: show why and let the user fix it.
    pub fn failed(&mut self, message: String) {
        self.saving = false;
        if message.contains("already exists") {
            self.errors.push((Field::Name, message));
            self.focus = Field::Name;
        } else {
            self.save_error = Some(message);
        }
    }
}

/// An org-model error worded for the form rather than the command line.
fn field_text(error: &org::OrgError) -> String {
    error
        .to_string()
        .replace("--site", "the site path field")
        .replace("--login-url", "the login URL")
        .replace(" (--client-id)", "")
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn press(form: &mut OrgForm, code: KeyCode) -> FormEvent {
        form.handle_key(&KeyEvent::new(code, KeyModifiers::NONE), &["prod"])
    }

    fn type_text(form: &mut OrgForm, text: &str) {
        form.paste(text);
    }

    #[test]
    fn an_invalid_form_saves_nothing_and_marks_each_bad_field() {
        let mut form = OrgForm::add();
        type_text(&mut form, "prod");
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Right); // sandbox
        press(&mut form, KeyCode::Right); // custom
        press(&mut form, KeyCode::Tab);
        type_text(&mut form, "ftp://example.com");
        let event = form.submit(&["prod"]);
        assert!(matches!(event, FormEvent::Stay));
        assert!(form.error(Field::Name).unwrap().contains("already exists"));
        assert!(form.error(Field::LoginUrl).unwrap().contains("https://"));
        assert!(form.error(Field::ClientId).unwrap().contains("client id"));
        assert!(form.error(Field::RefreshToken).is_some());
        assert_eq!(form.focus, Field::Name);
        assert!(!form.saving);
    }

    #[test]
    fn a_lightning_address_names_its_my_domain() {
        let mut form = OrgForm::add();
        type_text(&mut form, "prod");
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Right); // sandbox
        press(&mut form, KeyCode::Right); // custom
        press(&mut form, KeyCode::Tab);
        type_text(&mut form, "https://acme.lightning.force.com");
        form.submit(&[]);
        let error = form.error(Field::LoginUrl).unwrap_or_default();
        assert!(
            error.contains("the login URL https://acme.my.salesforce.com"),
            "{error}"
        );
    }

    #[test]
    fn a_valid_add_form_yields_the_org_and_its_secrets() {
        let mut form = OrgForm::add();
        type_text(&mut form, "uat");
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Char(' ')); // sandbox
        press(&mut form, KeyCode::Tab); // login URL hidden: straight to site
        assert_eq!(form.focus, Field::Site);
        type_text(&mut form, "/partners/");
        press(&mut form, KeyCode::Tab);
        type_text(&mut form, "3MVG9cid");
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Tab); // no client secret
        type_text(&mut form, "5Aep861token\n");
        let FormEvent::Submit(effect) = press(&mut form, KeyCode::Enter) else {
            panic!("not submitted: {:?}", form.errors);
        };
        let Effect::Add(org, secrets) = *effect else {
            panic!("not submitted: {:?}", form.errors);
        };
        assert_eq!(org.name, "uat");
        assert_eq!(org.login_url, "https://test.salesforce.com");
        assert_eq!(org.site.as_deref(), Some("/partners"));
        assert_eq!(org.client_id, "3MVG9cid");
        assert!(secrets.client_secret.is_none());
        assert_eq!(secrets.refresh_token.expose_secret(), "5Aep861token");
        assert!(form.saving);
    }

    #[test]
    fn editing_keeps_secrets_unless_new_ones_are_typed() {
        let mut org = Org::new("prod", "https://acme.my.salesforce.com", "cid");
        org.site = Some("/p".into());
        let mut form = OrgForm::edit(&org);
        assert_eq!(form.login, LoginChoice::Custom);
        assert_eq!(form.input(Field::LoginUrl).unwrap().value(), org.login_url);
        form.focus = Field::ClientSecret;
        type_text(&mut form, "new-secret");
        let FormEvent::Submit(effect) = form.submit(&["prod"]) else {
            panic!("not submitted: {:?}", form.errors);
        };
        let Effect::Edit(edit) = *effect else {
            panic!("not submitted: {:?}", form.errors);
        };
        assert_eq!(edit.name, "prod");
        assert_eq!(edit.org.id, org.id);
        assert_eq!(
            edit.secrets.client_secret.unwrap().expose_secret(),
            "new-secret"
        );
        assert!(edit.secrets.refresh_token.is_none());
    }

    #[test]
    fn a_store_refusal_keeps_the_form_and_what_was_typed() {
        let mut form = OrgForm::add();
        type_text(&mut form, "x");
        form.saving = true;
        form.failed("the keyring is locked; unlock it and try again".into());
        assert!(!form.saving);
        assert_eq!(form.input(Field::Name).unwrap().value(), "x");
        assert!(form.save_error.as_deref().unwrap().contains("locked"));
    }
}
