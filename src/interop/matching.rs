//! Which saved org an imported (or newly logged-in) one is: the rules, strongest first, and
//! the choice among several matches. Every way in decides with these.

use super::Imported;
use crate::org::Org;
use crate::store::{SecretKind, Store};

/// Why an imported org counts as one already saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sameness {
    /// Same Salesforce org id and user id.
    OrgAndUser,
    /// Same login URL, client id and username.
    LoginClientUser,
    /// Same login URL and client id, and the very same refresh token (an auth URL names no user).
    RefreshToken,
    /// The name is taken.
    Name,
}

impl Sameness {
    /// How the match is described in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::OrgAndUser => "same org id and user",
            Self::LoginClientUser => "same login URL, client id and username",
            Self::RefreshToken => "same login URL, client id and refresh token",
            Self::Name => "same name",
        }
    }
}

/// Salesforce ids compare on their 15-character, case-sensitive form (18 adds a checksum).
fn same_sf_id(a: &str, b: &str) -> bool {
    a.get(..15).unwrap_or(a) == b.get(..15).unwrap_or(b)
}

/// Whether `a` and `b` are the same user of the same org: the same org id, and the same user id
/// or, when one side lacks it (`sf org list` gives none), the same username.
fn same_org_and_user(a: &Org, b: &Org) -> bool {
    let (Some(a_org), Some(b_org)) = (&a.salesforce_org_id, &b.salesforce_org_id) else {
        return false;
    };
    if !same_sf_id(a_org, b_org) {
        return false;
    }
    match (&a.salesforce_user_id, &b.salesforce_user_id) {
        (Some(a_user), Some(b_user)) => same_sf_id(a_user, b_user),
        _ => matches!((&a.username, &b.username), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y)),
    }
}

/// The saved org that `new` duplicates, if any: the same org and user first, then the same
/// login URL + client id + username, then the same name.
pub fn find_duplicate<'a>(existing: &'a [Org], new: &Org) -> Option<(&'a Org, Sameness)> {
    if let Some(found) = existing.iter().find(|o| same_org_and_user(o, new)) {
        return Some((found, Sameness::OrgAndUser));
    }
    if let Some(username) = new.username.as_deref()
        && let Some(found) = existing.iter().find(|o| {
            o.login_url == new.login_url
                && o.client_id == new.client_id
                && o.username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(username))
        })
    {
        return Some((found, Sameness::LoginClientUser));
    }
    existing
        .iter()
        .find(|o| o.name == new.name)
        .map(|o| (o, Sameness::Name))
}

/// Every saved org that `item` may stand for, each once, by its strongest rule: the same org
/// and user, the same login URL + client id + username, the same refresh token at the same
/// login URL and client id (`same_token`, asked only about orgs no other rule matched: an auth
/// URL names no user), then the same name.
pub fn candidates<'a>(
    existing: &'a [Org],
    item: &Imported,
    same_token: impl Fn(&Org, &Imported) -> bool,
) -> Vec<(&'a Org, Sameness)> {
    let new = &item.org;
    existing
        .iter()
        .filter_map(|o| {
            let why = if same_org_and_user(o, new) {
                Sameness::OrgAndUser
            } else if o.login_url == new.login_url
                && o.client_id == new.client_id
                && matches!((&o.username, &new.username), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
            {
                Sameness::LoginClientUser
            } else if o.login_url == new.login_url
                && o.client_id == new.client_id
                && same_token(o, item)
            {
                Sameness::RefreshToken
            } else if o.name == new.name {
                Sameness::Name
            } else {
                return None;
            };
            Some((o, why))
        })
        .collect()
}

/// Which saved org an imported one stands for.
#[derive(Debug)]
pub enum Existing<'a> {
    /// None: it is new.
    New,
    /// This one, for this reason.
    One(&'a Org, Sameness),
    /// Several, none of them of the same name: updating any could overwrite the wrong org.
    Ambiguous(Vec<(&'a Org, Sameness)>),
}

/// The saved org that `item` stands for: of the [`candidates`], the one of the same name wins;
/// otherwise there must be only one. The CLI and the TUI both decide with this.
pub fn resolve_existing<'a>(
    existing: &'a [Org],
    item: &Imported,
    same_token: impl Fn(&Org, &Imported) -> bool,
) -> Existing<'a> {
    let mut found = candidates(existing, item, same_token);
    if let Some(&(o, why)) = found.iter().find(|(o, _)| o.name == item.org.name) {
        return Existing::One(o, why);
    }
    // Strongest rule first, as the messages name them.
    found.sort_by_key(|(_, why)| *why as u8);
    match found[..] {
        [] => Existing::New,
        [(o, why)] => Existing::One(o, why),
        _ => Existing::Ambiguous(found),
    }
}

/// The saved org that `item` duplicates ([`resolve_existing`]; the strongest match when it is
/// ambiguous).
pub fn find_existing<'a>(
    existing: &'a [Org],
    item: &Imported,
    same_token: impl Fn(&Org, &Imported) -> bool,
) -> Option<(&'a Org, Sameness)> {
    match resolve_existing(existing, item, same_token) {
        Existing::New => None,
        Existing::One(o, why) => Some((o, why)),
        Existing::Ambiguous(found) => found.first().copied(),
    }
}

/// Whether the keyring holds `new`'s refresh token for `saved` (a keyring read; a failed read
/// counts as no).
pub fn holds_refresh_token(store: &Store, saved: &Org, new: &Imported) -> bool {
    use secrecy::ExposeSecret;
    store
        .secret(&saved.id, SecretKind::RefreshToken)
        .ok()
        .flatten()
        .is_some_and(|t| t.expose_secret() == new.refresh_token.expose_secret())
}
