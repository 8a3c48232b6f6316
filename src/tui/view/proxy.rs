//! The proxy pane (in place of the response pane while the selected org has a proxy): its URL,
//! how to use it, and the requests it served, newest first.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::escape::escape;
use crate::proxy::Seen;

use super::super::app::{ProxyState, RunningProxy};
use super::style::theme;
use super::text::wrap_words;

/// The pane's title.
pub fn title(state: &ProxyState) -> &'static str {
    match state {
        ProxyState::Starting => " Proxy · starting ",
        ProxyState::Running(_) => " Proxy · requests live ",
        ProxyState::Stopping => " Proxy · stopping ",
    }
}

/// The pane's lines, wrapped to `width`.
pub fn lines(state: &ProxyState, width: usize) -> Vec<Line<'static>> {
    match state {
        ProxyState::Starting => prose(
            "Opening the proxy (a refresh first if no session is stored)...",
            theme().dim,
            width,
        ),
        ProxyState::Stopping => prose(
            "Stopping: requests in flight finish first.",
            theme().dim,
            width,
        ),
        ProxyState::Running(running) => running_lines(running, width),
    }
}

fn prose(text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    wrap_words(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

fn running_lines(running: &RunningProxy, width: usize) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(vec![
        Span::styled("URL ", theme().key),
        Span::styled(
            escape(&running.url),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ])];
    out.extend(prose(
        "Use it as the instance URL with the proxy token as the bearer token (C copies it); the org's own tokens never leave sfkey. P stops it. For example:",
        Style::new(),
        width,
    ));
    let example = format!(
        "curl -H \"Authorization: Bearer $TOKEN\" {}/services/data/",
        running.url
    );
    out.extend(prose(&example, theme().dim, width));
    out.push(Line::from(""));
    if running.requests.is_empty() {
        out.push(Line::styled("No requests yet.", theme().dim));
        return out;
    }
    out.push(Line::styled(
        format!("Requests ({}, newest first)", running.requests.len()),
        Style::new().add_modifier(Modifier::BOLD),
    ));
    out.extend(
        running
            .requests
            .iter()
            .rev()
            .map(|seen| request_line(seen, width)),
    );
    out
}

/// `GET  200    12 ms  /services/data/v62.0/query` (`↻` when the token was renewed for it).
fn request_line(seen: &Seen, width: usize) -> Line<'static> {
    let head = format!("{:<6} ", escape(&seen.method));
    let status = format!("{} ", seen.status);
    let latency = format!("{:>6} ms ", seen.latency_ms);
    let mark = if seen.refreshed { "↻ " } else { "" };
    let used = head.chars().count() + status.len() + latency.len() + mark.chars().count();
    let room = width.saturating_sub(used).max(8);
    let path = escape(&seen.path);
    let path = if path.chars().count() > room {
        let mut cut: String = path.chars().take(room.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        path
    };
    Line::from(vec![
        Span::raw(head),
        Span::styled(status, theme().status_code(seen.status)),
        Span::styled(latency, theme().dim),
        Span::styled(mark.to_string(), theme().key),
        Span::raw(path),
    ])
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use secrecy::SecretString;

    use crate::tui::app::{ProxyState, RunningProxy};
    use crate::tui::fixtures;
    use crate::tui::state::ProxyStop;

    use super::*;

    #[test]
    fn the_pane_shows_the_url_and_the_requests_newest_first_escaped() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        let id = app.orgs[0].id.clone();
        let (stop, _stopped) = tokio::sync::oneshot::channel();
        let mut running = RunningProxy {
            url: "http://127.0.0.1:4000/alpha".into(),
            token: SecretString::from("00Dproxytokensecret"),
            stop: ProxyStop(stop),
            requests: std::collections::VecDeque::new(),
        };
        for (path, status, refreshed) in [
            ("/services/data/v62.0/sobjects", 200, false),
            ("/services/data/v62.0/query", 401, true),
            ("/x\u{1b}[2J", 404, false),
        ] {
            running.requests.push_back(Seen {
                org: "alpha".into(),
                method: "GET".into(),
                path: path.into(),
                status,
                latency_ms: 7,
                refreshed,
                complete: true,
            });
        }
        app.panels.entry(id).or_default().proxy = Some(ProxyState::Running(Box::new(running)));
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal
            .draw(|frame| super::super::draw(frame, &app))
            .unwrap();
        let screen = terminal.backend().to_string();
        assert!(screen.contains(" Proxy · requests live "), "{screen}");
        assert!(
            screen.contains("URL http://127.0.0.1:4000/alpha"),
            "{screen}"
        );
        assert!(screen.contains("Requests (3, newest first)"), "{screen}");
        let newest = screen.find("GET    404").unwrap_or(usize::MAX);
        let middle = screen.find("GET    401      7 ms ↻ /services/data/v62.0/query");
        let oldest = screen.find("GET    200      7 ms /services/data/v62.0/sobjects");
        assert!(middle.is_some() && oldest.is_some(), "{screen}");
        assert!(newest < middle.unwrap_or(0) && middle < oldest, "{screen}");
        assert!(!screen.contains('\u{1b}'), "{screen}");
        assert!(!screen.contains("proxytokensecret"), "{screen}");
    }
}
