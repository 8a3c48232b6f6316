//! Token health at a glance: from what an org remembers (its last refreshes, when its refresh
//! token was stored, introspect's expiry), whether it is fine, idle long enough that
//! Salesforce may expire its refresh token (External Client Apps can after 30 idle days), or dead.

use serde::Serialize;

use crate::org::Org;
use crate::org_kind::OrgKind;

/// Days of idleness after which an org is flagged, unless configured otherwise.
pub const DEFAULT_IDLE_DAYS: u64 = 25;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// The refresh errors that mean the refresh token itself no longer works.
const DEAD_CODES: [&str; 1] = ["invalid_grant"];

/// The errors after which a JWT or client credentials org gets no token until someone fixes
/// its app, key or secret: there the client is the whole credential, so a refused client is
/// as dead as a refused refresh token.
const DEAD_APP_CODES: [&str; 5] = [
    "invalid_grant",
    "invalid_client",
    "invalid_client_id",
    "invalid_app_access",
    "unauthorized_client",
];

/// How an org stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The last refresh worked and the refresh token was used recently.
    Ok,
    /// Never refreshed through sfkey: nothing known yet.
    Unknown,
    /// Unused for at least the idle threshold: refresh it before Salesforce expires it.
    Idle,
    /// The last refresh was refused for the refresh token itself: log in again.
    Dead,
}

impl Verdict {
    /// For people.
    pub fn words(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unknown => "unknown",
            Self::Idle => "idle",
            Self::Dead => "dead",
        }
    }
}

/// One org's health.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words.
    pub reason: String,
    /// The stored access token's expiry (epoch ms), when known.
    pub access_expires_ms: Option<u64>,
    /// When the refresh token was stored (epoch ms), when known.
    pub refresh_token_since_ms: Option<u64>,
    /// When the refresh token was last used successfully (epoch ms), when known.
    pub last_used_ms: Option<u64>,
    /// Whole days since then.
    pub idle_days: Option<u64>,
    /// Whether the org rotates refresh tokens, when seen.
    pub rotates: Option<bool>,
    /// Latencies of the successful refreshes remembered, oldest first, in ms.
    pub latencies_ms: Vec<u64>,
    /// Outcomes of the refreshes remembered, oldest first (`ok` or an error code).
    pub outcomes: Vec<String>,
}

impl Health {
    /// The remembered refreshes as marks, oldest first: `✓` worked, `✗` failed.
    pub fn marks(&self) -> String {
        self.outcomes
            .iter()
            .map(|o| if o == "ok" { '✓' } else { '✗' })
            .collect()
    }

    /// The median latency of the successful refreshes remembered, in ms.
    pub fn median_latency_ms(&self) -> Option<u64> {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_unstable();
        sorted.get(sorted.len() / 2).copied()
    }
}

/// The health of `org` at `now_ms`, flagging it idle after `idle_days`.
pub fn health(org: &Org, now_ms: u64, idle_days: u64) -> Health {
    let last_ok = org
        .history
        .iter()
        .chain(org.last_refresh.iter())
        .filter(|r| r.is_ok())
        .map(|r| r.at_ms)
        .max();
    // A refresh token stored after the last refresh (a login, an edit) is as good as used then.
    let last_used_ms = match (last_ok, org.refresh_token_since_ms) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let idle = last_used_ms.map(|at| now_ms.saturating_sub(at) / DAY_MS);
    let last = org.last_refresh.as_ref();
    let dead_codes: &[&str] = match org.kind {
        OrgKind::JwtBearer | OrgKind::ClientCredentials => &DEAD_APP_CODES,
        OrgKind::RefreshToken | OrgKind::AccessToken => &DEAD_CODES,
    };
    let dead = last.filter(|l| dead_codes.contains(&l.status.as_str()));
    // Only a refresh token expires when idle: JWT, client credentials and access-token orgs
    // are never flagged for it, so `status` does not fail CI over an org that cannot go stale.
    let can_idle = org.kind == OrgKind::RefreshToken;
    let (verdict, reason) = match (dead, idle) {
        _ if org.kind == OrgKind::AccessToken => access_token_only(org, now_ms),
        (Some(l), _) => (
            Verdict::Dead,
            format!(
                "the last refresh was refused ({}): {}",
                l.status,
                remedy(org.kind)
            ),
        ),
        (None, Some(days)) if can_idle && days >= idle_days => (
            Verdict::Idle,
            format!("unused for {days} days: refresh it before Salesforce expires it"),
        ),
        (None, _) if last.is_none() => (Verdict::Unknown, "never refreshed through sfkey".into()),
        (None, Some(days)) => (Verdict::Ok, format!("used {days} days ago")),
        (None, None) => (Verdict::Unknown, "no refresh known".into()),
    };
    Health {
        verdict,
        reason,
        access_expires_ms: org.access_expires_ms(),
        refresh_token_since_ms: org.refresh_token_since_ms.filter(|_| can_idle),
        last_used_ms,
        idle_days: idle,
        rotates: org.rotates,
        latencies_ms: org
            .history
            .iter()
            .filter(|r| r.is_ok())
            .map(|r| r.latency_ms)
            .collect(),
        outcomes: org.history.iter().map(|r| r.status.clone()).collect(),
    }
}

/// What to do about a refused refresh, by kind: only a refresh token is fixed by a login.
fn remedy(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::JwtBearer => "check the app, its certificate and that the user is pre-authorized",
        OrgKind::ClientCredentials => "check the app's client id, secret and run-as user",
        OrgKind::RefreshToken | OrgKind::AccessToken => "log in again",
    }
}

/// An access-token-only org is dead once its token is, since sfkey cannot get another.
fn access_token_only(org: &Org, now_ms: u64) -> (Verdict, String) {
    let expired = org.access_expires_ms().is_some_and(|exp| exp <= now_ms);
    match org.dead_access_token() {
        Some(dead) => (
            Verdict::Dead,
            format!(
                "its access token is {} and sfkey cannot get another: store a new one or log in",
                dead.reason
            ),
        ),
        None if expired => (
            Verdict::Dead,
            "its access token has expired and sfkey cannot get another: store a new one or log in"
                .into(),
        ),
        None => (
            Verdict::Ok,
            "an access token only: usable until it dies".into(),
        ),
    }
}

/// A small bar chart of latencies, one block per refresh (`▁▃▇`), scaled to the largest.
pub fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|v| BARS[((v * 7) / max).min(7) as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::LastRefresh;

    fn refresh(at_ms: u64, status: &str, latency_ms: u64) -> LastRefresh {
        LastRefresh {
            at_ms,
            status: status.into(),
            http_status: Some(200),
            latency_ms,
            issued_at: None,
        }
    }

    const NOW: u64 = 100 * DAY_MS;

    #[test]
    fn an_org_used_recently_is_ok_and_one_idle_past_the_threshold_is_flagged() {
        let mut org = Org::new("p", "https://login.salesforce.com", "id");
        assert_eq!(health(&org, NOW, 25).verdict, Verdict::Unknown);
        org.record_refresh(refresh(NOW - 3 * DAY_MS, "ok", 80));
        let h = health(&org, NOW, 25);
        assert_eq!((h.verdict, h.idle_days), (Verdict::Ok, Some(3)));
        org.record_refresh(refresh(NOW - 26 * DAY_MS, "ok", 80));
        org.history.clear();
        org.last_refresh = Some(refresh(NOW - 26 * DAY_MS, "ok", 80));
        assert_eq!(health(&org, NOW, 25).verdict, Verdict::Idle);
        // A refresh token stored since (a new login) is fresh.
        org.refresh_token_since_ms = Some(NOW - DAY_MS);
        assert_eq!(health(&org, NOW, 25).verdict, Verdict::Ok);
    }

    #[test]
    fn only_a_refresh_token_org_is_flagged_idle_and_a_dead_access_token_only_org_is_dead() {
        let mut org = Org::new("p", "https://login.salesforce.com", "id");
        org.last_refresh = Some(refresh(NOW - 40 * DAY_MS, "ok", 80));
        for kind in [OrgKind::JwtBearer, OrgKind::ClientCredentials] {
            org.kind = kind;
            let h = health(&org, NOW, 25);
            assert_eq!(
                (h.verdict, h.idle_days),
                (Verdict::Ok, Some(40)),
                "{kind:?}"
            );
        }
        org.kind = OrgKind::ClientCredentials;
        org.record_refresh(refresh(NOW, "invalid_client", 90));
        let h = health(&org, NOW, 25);
        assert_eq!(h.verdict, Verdict::Dead, "a wrong secret gets no token");
        assert!(h.reason.contains("client id, secret"), "{}", h.reason);
        org.kind = OrgKind::JwtBearer;
        org.record_refresh(refresh(NOW, "invalid_grant", 90));
        let h = health(&org, NOW, 25);
        assert_eq!(h.verdict, Verdict::Dead);
        assert!(h.reason.contains("pre-authorized"), "{}", h.reason);

        let mut token_only = Org::new("t", "https://login.salesforce.com", "");
        token_only.kind = OrgKind::AccessToken;
        token_only.refresh_token_since_ms = Some(NOW - 40 * DAY_MS);
        let h = health(&token_only, NOW, 25);
        assert_eq!(h.verdict, Verdict::Ok);
        assert_eq!(h.refresh_token_since_ms, None, "it has no refresh token");
        token_only.access_token_dead = Some(crate::org::DeadToken {
            at_ms: NOW,
            reason: "expired".into(),
            issued_at: None,
        });
        let h = health(&token_only, NOW, 25);
        assert_eq!(h.verdict, Verdict::Dead);
        assert!(h.reason.contains("cannot get another"), "{}", h.reason);
    }

    #[test]
    fn a_refused_refresh_token_is_dead_and_other_failures_are_not() {
        let mut org = Org::new("p", "https://login.salesforce.com", "id");
        org.record_refresh(refresh(NOW - DAY_MS, "ok", 80));
        org.record_refresh(refresh(NOW, "timeout", 0));
        assert_eq!(health(&org, NOW, 25).verdict, Verdict::Ok);
        org.record_refresh(refresh(NOW, "invalid_grant", 90));
        let h = health(&org, NOW, 25);
        assert_eq!(h.verdict, Verdict::Dead);
        assert!(h.reason.contains("log in again"));
        assert_eq!(h.outcomes, ["ok", "timeout", "invalid_grant"]);
        assert_eq!(h.marks(), "✓✗✗");
        assert_eq!(h.median_latency_ms(), Some(80));
    }

    #[test]
    fn history_keeps_ten_and_the_sparkline_scales() {
        let mut org = Org::new("p", "https://login.salesforce.com", "id");
        for i in 0..15 {
            org.record_refresh(refresh(i, "ok", i * 10));
        }
        assert_eq!(org.history.len(), crate::org::HISTORY_LEN);
        assert_eq!(org.history[0].at_ms, 5);
        // Half the largest is the half block.
        assert_eq!(sparkline(&[10, 40, 80]), "▁▄█");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
    }
}
