//! Token health in the token pane and the org list: the access token's expiry, the refresh
//! token's age and idleness, rotation, the last refreshes as marks with a latency sparkline.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::health::{Health, Verdict, health, sparkline};
use crate::humanize;
use crate::org::Org;
use crate::org_kind::OrgKind;

use super::style::theme;
use super::text::wrap_words;

/// How a verdict looks.
fn verdict_style(verdict: Verdict) -> Style {
    match verdict {
        Verdict::Ok => theme().ok,
        Verdict::Unknown => theme().dim,
        Verdict::Idle => theme().warning,
        Verdict::Dead => theme().alarm,
    }
}

/// The org list's mark for an org that needs attention: dead, or idle past `idle_days`.
pub fn list_mark(org: &Org, now_ms: u64, idle_days: u64) -> Option<(String, Style)> {
    let h = health(org, now_ms, idle_days);
    match h.verdict {
        Verdict::Dead => Some(("✗ dead".into(), verdict_style(Verdict::Dead))),
        Verdict::Idle => Some((
            format!("⚠ idle {}d", h.idle_days.unwrap_or(idle_days)),
            verdict_style(Verdict::Idle),
        )),
        Verdict::Ok | Verdict::Unknown => None,
    }
}

/// The health section of the token pane, wrapped to `width`.
pub fn lines(org: &Org, now_ms: u64, idle_days: u64, width: usize) -> Vec<Line<'static>> {
    let h = health(org, now_ms, idle_days);
    let mut out = Vec::new();
    let mut row = |key: &str, value: String, style: Style| {
        for (i, piece) in wrap_words(&value, width.saturating_sub(9).max(10))
            .into_iter()
            .enumerate()
        {
            let label = if i == 0 { key } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{label:<8} "), theme().key),
                Span::styled(piece, style),
            ]));
        }
    };
    row(
        "health",
        format!("{} · {}", h.verdict.words(), h.reason),
        verdict_style(h.verdict),
    );
    let tokens = format!(
        "access {} · refresh {}",
        access(org, &h, now_ms),
        refresh(org, &h, now_ms)
    );
    row("tokens", tokens, Style::new());
    row("history", history(&h), Style::new());
    out
}

/// The access token's expiry, when known.
fn access(org: &Org, h: &Health, now_ms: u64) -> String {
    match (org.dead_access_token(), h.access_expires_ms) {
        (Some(dead), _) => format!("dead ({})", dead.reason),
        (None, Some(exp)) => humanize::expiry(exp, now_ms),
        // Stored by hand: there is one, but only Salesforce knows for how long (introspect
        // needs the app's client, which such an org does not have).
        (None, None) if org.kind == OrgKind::AccessToken => "stored, expiry unknown".into(),
        // i (introspect) asks Salesforce; `sfkey edit --session-timeout` sets it for good.
        (None, None) if org.last_refresh.is_some() => "expiry unknown (i asks)".into(),
        (None, None) => "none yet".into(),
    }
}

/// The refresh token's age, idleness and rotation; for the kinds without one, that (as
/// `sfkey status` says it): they cannot go idle, nor rotate.
fn refresh(org: &Org, h: &Health, now_ms: u64) -> String {
    if org.kind != OrgKind::RefreshToken {
        return format!("none ({})", org.kind.label());
    }
    let age = h
        .refresh_token_since_ms
        .map(|since| format!("stored {}", humanize::ago(since, now_ms)));
    let idle = h.idle_days.map(|d| format!("idle {d}d"));
    let rotates = match h.rotates {
        Some(true) => "rotates",
        Some(false) => "does not rotate",
        None => "rotation unseen",
    };
    [age, idle, Some(rotates.to_string())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last refreshes as marks, their latency sparkline and median.
fn history(h: &Health) -> String {
    if h.outcomes.is_empty() {
        return "none remembered yet".into();
    }
    let median = h
        .median_latency_ms()
        .map(|m| format!(" · median {m} ms"))
        .unwrap_or_default();
    format!("{} {}{median}", h.marks(), sparkline(&h.latencies_ms))
}

#[cfg(test)]
mod tests {

    use crate::org::LastRefresh;
    use crate::tui::fixtures::{self, NOW_MS};

    const DAY_MS: u64 = 86_400_000;

    fn refresh(at_ms: u64, status: &str, latency_ms: u64) -> LastRefresh {
        LastRefresh {
            at_ms,
            status: status.into(),
            http_status: Some(if status == "ok" { 200 } else { 400 }),
            latency_ms,
            issued_at: (status == "ok").then(|| at_ms.to_string()),
        }
    }

    /// The screen at 100x30.
    fn render(app: &crate::tui::app::App) -> String {
        fixtures::screen(app, 100, 30)
    }

    /// One busy org (rotating, with history and a known expiry), one idle past the threshold,
    /// one whose refresh token was refused.
    #[test]
    fn the_pane_shows_health_and_the_list_flags_idle_and_dead_orgs() {
        let mut busy = fixtures::org("busy", "https://login.salesforce.com");
        for (i, (status, latency)) in [("ok", 80), ("ok", 160), ("timeout", 0), ("ok", 320)]
            .into_iter()
            .enumerate()
        {
            let at = NOW_MS - 3 * DAY_MS + i as u64 * DAY_MS;
            busy.record_refresh(refresh(at, status, latency));
        }
        busy.rotates = Some(true);
        busy.refresh_token_since_ms = Some(NOW_MS - 2 * DAY_MS);
        busy.session_timeout_s = Some(7200);
        let mut idle = fixtures::org("idle", "https://login.salesforce.com");
        idle.record_refresh(refresh(NOW_MS - 30 * DAY_MS, "ok", 90));
        let mut dead = fixtures::org("dead", "https://login.salesforce.com");
        dead.record_refresh(refresh(NOW_MS - DAY_MS, "ok", 90));
        dead.record_refresh(refresh(NOW_MS - 60_000, "invalid_grant", 70));
        let app = fixtures::app_with(vec![busy, idle, dead]);

        let screen = render(&app);
        assert!(
            screen.contains("idle           prod   ⚠ idle 30d"),
            "{screen}"
        );
        assert!(
            screen.contains("dead           prod       ✗ dead"),
            "{screen}"
        );
        assert!(screen.contains("health   ok · used 0 days ago"), "{screen}");
        // Issued now (the last refresh) plus the 2-hour session timeout.
        assert!(
            screen.contains("tokens   access expires in 2h 0m · refresh stored 2d ago, idle"),
            "{screen}"
        );
        assert!(screen.contains("rotates"), "{screen}");
        assert!(
            screen.contains("history  ✓✓✗✓ ▂▄█ · median 160 ms"),
            "{screen}"
        );
    }

    #[test]
    fn the_threshold_is_the_apps() {
        let mut idle = fixtures::org("idle", "https://login.salesforce.com");
        idle.record_refresh(refresh(NOW_MS - 10 * DAY_MS, "ok", 90));
        let mut app = fixtures::app_with(vec![idle]);
        assert!(!render(&app).contains("⚠ idle"));
        app.env.idle_days = 7;
        let screen = render(&app);
        assert!(screen.contains("⚠ idle 10d"), "{screen}");
        assert!(
            screen.contains("health   idle · unused for 10 days: refresh it before"),
            "{screen}"
        );
    }
}
