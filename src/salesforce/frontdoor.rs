//! A URL that opens the org in a browser already logged in: the single-use UI Bridge URL from
//! `POST {instance}/services/oauth2/singleaccess` (what `sf org open` uses since 2025), or,
//! where an org has no such endpoint, the classic `/secur/frontdoor.jsp?sid=…`.
//!
//! Either URL carries a session: it is a [`SecretString`], never logged or shown in an error.

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::bearer_calls::{ApiError, json_object};
use super::http::HttpClient;

/// How the URL was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontDoorKind {
    /// A single-use URL from `/services/oauth2/singleaccess`.
    SingleAccess,
    /// `/secur/frontdoor.jsp?sid=ACCESS_TOKEN`: the access token itself, usable until it expires.
    FrontdoorJsp,
}

impl FrontDoorKind {
    /// For people: what the URL is and how long it works.
    pub fn words(self) -> &'static str {
        match self {
            Self::SingleAccess => "a single-use login URL (singleaccess)",
            Self::FrontdoorJsp => {
                "a frontdoor.jsp URL holding the access token (this org has no singleaccess endpoint): it works until the session ends"
            }
        }
    }
}

/// A URL that logs the browser in. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct FrontDoor {
    /// The URL (holds a session).
    pub url: SecretString,
    /// How it was made.
    pub kind: FrontDoorKind,
}

/// Checks a path to open after login: it must stay on the org (`/lightning/...`), so it starts
/// with one `/` and holds no scheme, host or control character.
pub fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(format!(
            "{:?} is not a path in the org: start it with one / (for example /lightning/setup/SetupOneHome/home)",
            crate::escape::escape(path)
        ));
    }
    if path
        .chars()
        .any(|c| crate::escape::is_unsafe(c) || c.is_whitespace())
    {
        return Err("the path has a space or a control character; percent-encode it".into());
    }
    Ok(())
}

/// Asks the org for a single-use login URL that lands on `path` (the home page when `None`);
/// falls back to `frontdoor.jsp` when the org answers 404 (no UI Bridge API there).
pub async fn front_door(
    client: &HttpClient,
    instance_url: &str,
    access_token: &SecretString,
    path: Option<&str>,
) -> Result<FrontDoor, ApiError> {
    let base = instance_url.trim_end_matches('/');
    let url = format!("{base}/services/oauth2/singleaccess");
    let form: Vec<(&str, &str)> = path.map(|p| ("redirect_uri", p)).into_iter().collect();
    let (exchange, body) = client
        .post_form_with_bearer(&url, &form, access_token)
        .await?;
    if exchange.status == 404 {
        return Ok(FrontDoor {
            url: frontdoor_jsp(base, access_token, path),
            kind: FrontDoorKind::FrontdoorJsp,
        });
    }
    let fields = json_object(exchange.clone(), &body)?;
    let Some(uri) = fields.get("frontdoor_uri").and_then(Value::as_str) else {
        return Err(ApiError::Unexpected {
            exchange,
            detail: "an answer without frontdoor_uri".into(),
        });
    };
    // Salesforce answers with a whole URL; a bare path is taken as on the instance.
    let url = if uri.starts_with("https://") || uri.starts_with("http://") {
        uri.to_string()
    } else if uri.starts_with('/') {
        format!("{base}{uri}")
    } else {
        return Err(ApiError::Unexpected {
            exchange,
            detail: "a frontdoor_uri that is not a URL".into(),
        });
    };
    Ok(FrontDoor {
        url: SecretString::from(url),
        kind: FrontDoorKind::SingleAccess,
    })
}

/// `{base}/secur/frontdoor.jsp?sid=TOKEN[&retURL=PATH]`.
fn frontdoor_jsp(base: &str, access_token: &SecretString, path: Option<&str>) -> SecretString {
    let mut query = vec![("sid", access_token.expose_secret())];
    if let Some(path) = path {
        query.push(("retURL", path));
    }
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    SecretString::from(format!("{base}/secur/frontdoor.jsp?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_must_stay_on_the_org() {
        assert!(check_path("/lightning/setup/SetupOneHome/home").is_ok());
        for bad in [
            "lightning",
            "//evil.example/x",
            "https://evil.example",
            "/a b",
            "/a\u{1b}[2J",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn frontdoor_jsp_encodes_the_token_and_the_path() {
        let url = frontdoor_jsp(
            "https://acme.my.salesforce.com",
            &SecretString::from("00D!AQ.x+y"),
            Some("/lightning/page/home?x=1"),
        );
        assert_eq!(
            url.expose_secret(),
            "https://acme.my.salesforce.com/secur/frontdoor.jsp?sid=00D%21AQ.x%2By&retURL=%2Flightning%2Fpage%2Fhome%3Fx%3D1"
        );
    }
}
