//! What `u`, `i` and `x` show: the call's answer in the response pane (answer first, then the
//! status and headers), the revoke popup, and the "expired" notice of a dead stored token.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::humanize;
use crate::org::Org;
use crate::salesforce::TokenKind;

use super::super::app::{App, call_hint};
use super::super::calls::{CallAnswer, CallState};
use super::super::keymap::Action;
use super::style::theme;
use super::text::{elapsed, spinner, wrap, wrap_words};
use crate::saved_org::calls::field_rows;
use crate::saved_org::refresh::NO_REFRESH_TOKEN;
use crate::token_details::introspect_rows;
use crate::tui::remedy::advice_text;

fn prose(out: &mut Vec<Line<'static>>, text: &str, width: usize, style: Style) {
    out.extend(
        wrap_words(text, width)
            .into_iter()
            .map(|l| Line::styled(l, style)),
    );
}

/// `key  value` rows; long values continue under the value column.
fn rows(out: &mut Vec<Line<'static>>, rows: &[(String, String)], width: usize) {
    let key_width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(6, 20);
    let value_width = width.saturating_sub(key_width + 1).max(8);
    for (key, value) in rows {
        for (i, piece) in wrap(value, value_width).into_iter().enumerate() {
            let label = if i == 0 { key.as_str() } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{label:<key_width$} "), theme().key),
                Span::raw(piece),
            ]));
        }
    }
}

/// The response pane's lines for the selected org's last call.
pub fn lines(state: &CallState, org: &Org, app: &App, width: usize) -> Vec<Line<'static>> {
    let title = Span::styled(
        state.call.title().to_string(),
        Style::new().add_modifier(Modifier::BOLD),
    );
    let mut out = Vec::new();
    let Some(outcome) = &state.outcome else {
        out.push(Line::from(vec![
            Span::styled(format!("{} ", spinner(app.now_ms)), theme().key),
            title,
            Span::styled(
                format!("… {}", elapsed(state.started_ms, app.now_ms)),
                theme().key,
            ),
        ]));
        return out;
    };
    let exchange = match outcome {
        Ok(answer) => {
            out.push(Line::from(title));
            answer_lines(&mut out, answer, org, app, width);
            Some(answer.exchange())
        }
        Err(error) => {
            let red = theme().alarm;
            out.push(Line::from(title));
            prose(&mut out, &format!("✗ {error}"), width, red);
            if let Some(hint) = call_hint(error, &org.name, app.keys()) {
                prose(&mut out, &format!("hint: {hint}"), width, theme().warning);
            }
            error.exchange()
        }
    };
    if let Some(exchange) = exchange {
        out.push(Line::default());
        out.extend(super::exchange::lines(exchange, width));
    }
    out
}

fn answer_lines(
    out: &mut Vec<Line<'static>>,
    answer: &CallAnswer,
    org: &Org,
    app: &App,
    width: usize,
) {
    match answer {
        CallAnswer::Userinfo(done) => {
            if done.username_filled {
                prose(out, "Saved as the org's username.", width, theme().dim);
            }
            rows(out, &field_rows(&done.info.fields), width);
        }
        CallAnswer::Introspect(done) => {
            let shown = introspect_rows(&done.info, app.env.utc_offset_s, app.now_ms);
            rows(out, &shown, width);
            if !done.info.active {
                let r = app.keys().main_key(Action::Refresh);
                prose(
                    out,
                    &format!(
                        "Salesforce no longer takes this access token; it is marked expired. Press {r} for a new one."
                    ),
                    width,
                    theme().warning,
                );
            }
        }
        CallAnswer::Revoke(done) => {
            let mut text = format!(
                "Revoked the {} at Salesforce; removed the {} from the keyring.",
                done.kind.words(),
                done.cleared_words()
            );
            let key = |action| app.keys().main_key(action);
            if done.kind == TokenKind::RefreshToken {
                text.push_str(&format!(
                    " No refresh token is stored now: {}.",
                    advice_text(&NO_REFRESH_TOKEN, org, app.keys())
                ));
            } else {
                text.push_str(&format!(
                    " Press {} for a new access token.",
                    key(Action::Refresh)
                ));
            }
            prose(out, &text, width, Style::new());
        }
    }
}

/// A warning above the token pane when the stored access token is known to be dead.
pub fn dead_notice(org: &Org, app: &App, width: usize) -> Vec<Line<'static>> {
    let Some(dead) = org.dead_access_token() else {
        return Vec::new();
    };
    let why = match dead.reason.as_str() {
        "revoked" => "revoked",
        "inactive" => "not active, says introspect",
        _ => "expired: Salesforce answered 401",
    };
    let ago = humanize::ago(dead.at_ms, app.now_ms);
    let text = if dead.refresh_token_gone() {
        format!(
            "⚠ The refresh token was revoked ({ago}), and the stored access token with it: {}.",
            advice_text(&NO_REFRESH_TOKEN, org, app.keys())
        )
    } else {
        format!("⚠ The stored access token is {why} ({ago}). Press r for a new one.")
    };
    let mut out = Vec::new();
    prose(
        &mut out,
        &text,
        width,
        theme().warning.add_modifier(Modifier::BOLD),
    );
    out.push(Line::default());
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::org::DeadToken;
    use crate::salesforce::Introspection;
    use crate::saved_org::calls::IntrospectDone;
    use crate::tui::app::App;
    use crate::tui::calls::{Call, CallAnswer};
    use crate::tui::fixtures::{self, NOW_MS};
    use crate::tui::message::Message;

    /// The screen at 100x30.
    fn render(app: &crate::tui::app::App) -> String {
        fixtures::screen(app, 100, 30)
    }

    fn press(app: &mut App, c: char) {
        fixtures::key(app, crossterm::event::KeyCode::Char(c));
    }

    #[test]
    fn an_introspect_answer_fills_the_response_pane_answer_first() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("prod", "https://login.salesforce.com")]);
        press(&mut app, 'i');
        assert!(
            render(&app).contains("introspect…"),
            "running shows a spinner"
        );
        let exp_s = (NOW_MS + 6_720_000) / 1000;
        let info = Introspection {
            active: true,
            exp: Some(exp_s),
            iat: Some(exp_s - 7200),
            username: Some("admin@acme.com".into()),
            fields: json!({"active": true, "username": "admin@acme.com", "exp": exp_s})
                .as_object()
                .unwrap()
                .clone(),
        };
        app.update(Message::CallDone {
            id: app.orgs[0].id.clone(),
            call: Call::Introspect,
            outcome: Box::new(Ok(CallAnswer::Introspect(IntrospectDone {
                exchange: fixtures::exchange(200, "OK"),
                info,
            }))),
        });
        let screen = render(&app);
        for text in [
            "Response · introspect",
            "active   yes",
            "expiry   expires in 1h 52m (at 13:52)",
            "username admin@acme.com",
            "HTTP 200 OK",
            "Content-Encoding: gzip",
        ] {
            assert!(screen.contains(text), "{text:?} missing:\n{screen}");
        }
    }

    #[test]
    fn a_dead_token_shows_in_the_list_and_the_token_pane() {
        let mut org = fixtures::org("prod", "https://login.salesforce.com");
        org.access_token_dead = Some(DeadToken {
            at_ms: NOW_MS - 120_000,
            reason: "expired".into(),
            issued_at: None,
        });
        let app = fixtures::app_with(vec![org]);
        let screen = render(&app);
        assert!(screen.contains("⚠ expired"), "{screen}");
        assert!(
            screen.contains("The stored access token is expired: Salesforce answered 401")
                && screen.contains("(2m ago). Press r for a new one."),
            "{screen}"
        );
    }

    #[test]
    fn a_revoked_refresh_token_offers_a_new_login_not_r() {
        let mut org = fixtures::org("prod", "https://login.salesforce.com");
        org.access_token_dead = Some(DeadToken {
            at_ms: NOW_MS - 120_000,
            reason: crate::org::REFRESH_TOKEN_REVOKED.into(),
            issued_at: None,
        });
        let app = fixtures::app_with(vec![org]);
        let screen = render(&app);
        assert!(
            screen.contains("The refresh token was revoked (2m ago)"),
            "{screen}"
        );
        assert!(
            screen.contains("log in again (press L), or store a new refresh"),
            "{screen}"
        );
        assert!(!screen.contains("Press r for a new one"), "{screen}");
    }

    #[test]
    fn x_opens_the_revoke_popup_with_both_choices() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("prod", "https://login.salesforce.com")]);
        press(&mut app, 'x');
        let screen = render(&app);
        for text in [
            "Revoke a token of prod at Salesforce?",
            "a the access token (the refresh token stays)",
            "r the refresh token, and with it every access token",
            "n/q/Esc neither",
        ] {
            assert!(screen.contains(text), "{text:?} missing:\n{screen}");
        }
    }
}
