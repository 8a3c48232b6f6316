//! Everything a key can ask for, with the names `[keys]` in config.toml uses.

/// Defines [`Action`] with each variant's config name, so the two cannot drift apart.
macro_rules! actions {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)*) => {
        /// Everything a key can ask for. Popup actions are context-free (`Submit`, `Yes`, ...):
        /// each popup reads them its own way.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name in config.toml's `[keys]` (`refresh`, `next_field`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    /// Select the previous org (or scroll the focused pane up).
    Up => "up",
    /// Select the next org (or scroll the focused pane down).
    Down => "down",
    /// Jump to the first org.
    First => "first",
    /// Jump to the last org.
    Last => "last",
    /// Move focus between the org list, the token pane and the response pane.
    NextPane => "next_pane",
    /// Run the refresh-token grant for the selected org.
    Refresh => "refresh",
    /// Copy the selected org's access token.
    Copy => "copy",
    /// Show or hide secrets in the token pane.
    Reveal => "reveal",
    /// Open the form for a new org.
    Add => "add",
    /// Log in with the browser and save a new org.
    Login => "login",
    /// Log in again into the selected org, replacing its refresh token.
    LoginAgain => "login_again",
    /// Log in with a code typed on another device instead of the browser (the device flow).
    DeviceLogin => "device_login",
    /// Paste an SFDX auth URL into a new org.
    PasteAuthUrl => "paste_auth_url",
    /// Open the form for the selected org.
    Edit => "edit",
    /// Delete the selected org (asks first).
    Delete => "delete",
    /// Ask Salesforce who the stored access token belongs to.
    Userinfo => "userinfo",
    /// Ask Salesforce whether the stored access token is active, until when.
    Introspect => "introspect",
    /// Revoke the access token or the refresh token (asks which first).
    Revoke => "revoke",
    /// Open the selected org in the browser, logged in.
    Open => "open",
    /// Start or stop a local proxy for the selected org.
    Proxy => "proxy",
    /// Copy the token of the selected org's running proxy.
    CopyProxyToken => "copy_proxy_token",
    /// Show or hide the help overlay.
    Help => "help",
    /// Close a popup, or cancel the selected org's refresh.
    Cancel => "cancel",
    /// Leave sfkey.
    Quit => "quit",
    /// Answer a question yes.
    Yes => "yes",
    /// Answer a question no.
    No => "no",
    /// Revoke the access token (in "revoke which token?").
    RevokeAccess => "revoke_access",
    /// Revoke the refresh token (in "revoke which token?").
    RevokeRefresh => "revoke_refresh",
    /// Copy the login URL.
    CopyUrl => "copy_url",
    /// Submit: read the pasted URL; in the form, save on the last field, else next field.
    Submit => "submit",
    /// Save the form from any field.
    Save => "save",
    /// Show or hide the secrets typed into the form.
    RevealSecrets => "reveal_secrets",
    /// The form's next field.
    NextField => "next_field",
    /// The form's previous field.
    PrevField => "prev_field",
    /// The next choice of a choice field (production, sandbox, custom).
    ChooseNext => "choose_next",
    /// The previous choice of a choice field.
    ChoosePrev => "choose_prev",
}

impl Action {
    /// The action named `name` in config.toml.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }
}
