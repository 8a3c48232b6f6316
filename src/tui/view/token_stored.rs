//! The token pane before any answer is on screen: a refresh on its way, or what the org holds
//! and which key gets a token.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::humanize;
use crate::org::{Org, OrgKind};

use super::super::app::{App, Panel, Phase};
use super::super::keymap::Action;
use super::style::theme;
use super::text::{elapsed, spinner};
use super::token::{field, prose};

/// The pane before any answer is on screen: the refresh in flight or what to press, then the
/// org's settings and its last refresh.
pub fn lines(org: &Org, panel: Option<&Panel>, app: &App, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match panel.and_then(|p| p.running.as_ref()) {
        Some(running) => out.push(Line::styled(
            format!(
                "{} {} {}",
                spinner(app.now_ms),
                match running.phase {
                    Phase::Starting(_) => "refreshing…",
                    Phase::WaitingForLock(_) =>
                        "waiting for another sfkey that is refreshing this org…",
                    Phase::Cancelling => "cancelling…",
                    // Esc after the request went out cancels nothing.
                    Phase::Sent | Phase::SentCancelRefused =>
                        "request sent: waiting for Salesforce's answer…",
                },
                elapsed(running.started_ms, app.now_ms)
            ),
            theme().key,
        )),
        None if org.kind == OrgKind::AccessToken => stored_only(&mut out, org, app, width),
        None => out.push(Line::from(vec![
            Span::raw("No token on screen yet. Press "),
            Span::styled(
                app.keys().main_key(Action::Refresh),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(" to refresh."),
        ])),
    }
    out.push(Line::default());
    let key_width = 12;
    field(
        &mut out,
        "login URL",
        &org.login_url,
        key_width,
        width,
        Style::new(),
    );
    if let Some(site) = &org.site {
        field(&mut out, "site", site, key_width, width, Style::new());
    }
    field(
        &mut out,
        "client id",
        &org.client_id,
        key_width,
        width,
        Style::new(),
    );
    if let Some(instance) = &org.instance_url {
        field(
            &mut out,
            "instance URL",
            instance,
            key_width,
            width,
            Style::new(),
        );
    }
    if let Some(last) = &org.last_refresh {
        let status = crate::salesforce::error::code_in_words(&last.status);
        let mut text = format!("{status} {}", humanize::ago(last.at_ms, app.now_ms));
        if let Some(status) = last.http_status {
            text.push_str(&format!(" (HTTP {status}, {} ms)", last.latency_ms));
        }
        field(
            &mut out,
            "last refresh",
            &text,
            key_width,
            width,
            Style::new(),
        );
        if last.is_ok() {
            prose(
                &mut out,
                &format!(
                    "Its access token is in {}: {} copies it.",
                    app.env.secrets_place,
                    app.keys().main_key(Action::Copy)
                ),
                width,
                theme().dim,
            );
        }
    }
    out
}

/// An access-token-only org: the token it holds is what there is (no refresh can renew it),
/// so the pane says so and how to replace it, instead of offering a refresh that must fail.
fn stored_only(out: &mut Vec<Line<'static>>, org: &Org, app: &App, width: usize) {
    let key = |action| app.keys().main_key(action);
    let text = match org.dead_access_token() {
        Some(dead) => format!(
            "Its stored access token is {}, and {} cannot renew it: store a new one with {}.",
            dead.reason,
            key(Action::Refresh),
            key(Action::Edit)
        ),
        None => format!(
            "An access token only, stored in {}: usable until it dies ({} copies it). {} cannot renew it; when it dies, store a new one with {}.",
            app.env.secrets_place,
            key(Action::Copy),
            key(Action::Refresh),
            key(Action::Edit)
        ),
    };
    prose(out, &text, width, Style::new());
}
