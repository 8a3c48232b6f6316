//! `P` and `C`: a local proxy for the selected org, started and stopped by a task; the app
//! keeps its handle, its URL and token, and the requests it served, newest last.

use super::super::keymap::Action;
use super::{App, Effect};
use crate::org::OrgId;
use crate::proxy::Seen;
use crate::tui::state::{PROXY_REQUESTS_KEPT, ProxyState, RunningProxy};

impl App {
    /// `P`: starts a proxy for the selected org, or stops the running one.
    pub(super) fn toggle_proxy(&mut self) -> Vec<Effect> {
        let Some(org) = self.selected_org().cloned() else {
            self.no_org();
            return Vec::new();
        };
        let panel = self.panels.entry(org.id.clone()).or_default();
        match panel.proxy.take() {
            None => {
                panel.proxy = Some(ProxyState::Starting);
                self.info(format!("starting a proxy for {}...", org.name));
                vec![Effect::StartProxy(org)]
            }
            Some(ProxyState::Running(running)) => {
                panel.proxy = Some(ProxyState::Stopping);
                self.info(format!(
                    "stopping the proxy for {} (requests in flight finish first)",
                    org.name
                ));
                vec![Effect::StopProxy(running.stop)]
            }
            Some(state @ (ProxyState::Starting | ProxyState::Stopping)) => {
                let what = if matches!(state, ProxyState::Starting) {
                    "starting"
                } else {
                    "stopping"
                };
                panel.proxy = Some(state);
                self.info(format!("the proxy for {} is {what}; a moment", org.name));
                Vec::new()
            }
        }
    }

    /// `C`: copies the running proxy's token.
    pub(super) fn copy_proxy_token(&mut self) -> Vec<Effect> {
        match self.selected_panel().and_then(|p| p.proxy.as_ref()) {
            Some(ProxyState::Running(running)) => {
                vec![Effect::CopyProxyToken(running.token.clone())]
            }
            _ => {
                let p = self.key_of(Action::Proxy);
                self.error(format!(
                    "no proxy runs for this org: press {p} to start one"
                ));
                Vec::new()
            }
        }
    }

    pub(super) fn on_proxy_started(
        &mut self,
        id: &OrgId,
        result: Result<Box<RunningProxy>, String>,
    ) -> Vec<Effect> {
        let name = self.name_of(id).unwrap_or_default();
        let quitting = self.quitting();
        let (c, p) = (
            self.key_of(Action::CopyProxyToken),
            self.key_of(Action::Proxy),
        );
        let Some(panel) = self.panels.get_mut(id) else {
            // Deleted meanwhile: dropping the handle stops the proxy.
            return Vec::new();
        };
        match result {
            Ok(running) if quitting => {
                // Started as sfkey was leaving: stopped at once.
                panel.proxy = Some(ProxyState::Stopping);
                vec![Effect::StopProxy(running.stop), Effect::LoadOrgs]
            }
            Ok(running) => {
                let text = format!(
                    "proxy for {name} at {} · send its token as Bearer ({c} copies it) · {p} stops it",
                    running.url
                );
                panel.proxy = Some(ProxyState::Running(running));
                self.info(text);
                // Opening it may have refreshed the org: its saved metadata changed.
                vec![Effect::LoadOrgs]
            }
            Err(why) => {
                panel.proxy = None;
                self.error(format!("no proxy for {name}: {why}"));
                Vec::new()
            }
        }
    }

    pub(super) fn on_proxy_seen(&mut self, id: &OrgId, seen: Seen) -> Vec<Effect> {
        // The proxy renewed the session: the org's saved refresh and history changed.
        let reload = seen.refreshed;
        if let Some(ProxyState::Running(running)) =
            self.panels.get_mut(id).and_then(|p| p.proxy.as_mut())
        {
            running.requests.push_back(seen);
            while running.requests.len() > PROXY_REQUESTS_KEPT {
                running.requests.pop_front();
            }
        }
        if reload {
            vec![Effect::LoadOrgs]
        } else {
            Vec::new()
        }
    }

    pub(super) fn on_proxy_stopped(&mut self, id: &OrgId) {
        if let Some(panel) = self.panels.get_mut(id) {
            panel.proxy = None;
        }
        if let Some(name) = self.name_of(id) {
            self.info(format!("the proxy for {name} stopped"));
        }
    }

    /// Quitting: stops every running proxy (requests in flight finish, a renewal saves its
    /// rotated token); quitting waits for them as for refreshes.
    pub(super) fn stop_proxies(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for panel in self.panels.values_mut() {
            if let Some(ProxyState::Running(running)) = panel.proxy.take() {
                effects.push(Effect::StopProxy(running.stop));
                panel.proxy = Some(ProxyState::Stopping);
            } else if let Some(state) = panel.proxy.take() {
                panel.proxy = Some(state);
            }
        }
        effects
    }

    /// Whether the selected org has a running proxy (for the hints).
    pub fn selected_proxy_running(&self) -> bool {
        matches!(
            self.selected_panel().and_then(|p| p.proxy.as_ref()),
            Some(ProxyState::Running(_))
        )
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use secrecy::{ExposeSecret, SecretString};

    use super::super::{Level, Message};
    use super::*;
    use crate::tui::fixtures;
    use crate::tui::state::ProxyStop;

    fn key(c: char) -> Message {
        Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn seen(path: &str, status: u16) -> Seen {
        Seen {
            org: "alpha".into(),
            method: "GET".into(),
            path: path.into(),
            status,
            latency_ms: 12,
            refreshed: false,
            complete: true,
        }
    }

    /// Tells the app its proxy for `id` started; returns the effects and the receiving end of
    /// the proxy's stop handle.
    fn start(
        app: &mut App,
        id: &crate::org::OrgId,
    ) -> (Vec<Effect>, tokio::sync::oneshot::Receiver<()>) {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let running = RunningProxy {
            url: "http://127.0.0.1:4000/alpha".into(),
            token: SecretString::from("00Dproxytoken"),
            stop: ProxyStop(stop),
            requests: std::collections::VecDeque::new(),
        };
        let effects = app.update(Message::ProxyStarted {
            id: id.clone(),
            result: Ok(Box::new(running)),
        });
        (effects, stopped)
    }

    /// The tasks' part: the stop handle in `effects` stops the proxy.
    fn stop_handed_over(effects: Vec<Effect>) {
        match effects.into_iter().next() {
            Some(Effect::StopProxy(stop)) => {
                let _ = stop.0.send(());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn p_starts_then_stops_the_proxy_and_c_copies_its_token() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        let id = app.orgs[0].id.clone();
        // No proxy yet: C says how to start one.
        assert!(app.update(key('C')).is_empty());
        assert!(
            app.view
                .status
                .as_ref()
                .is_some_and(|s| s.level == Level::Error)
        );

        let effects = app.update(key('P'));
        assert!(matches!(effects.as_slice(), [Effect::StartProxy(o)] if o.id == id));
        // A second P while it starts sends nothing.
        assert!(app.update(key('P')).is_empty());

        let (effects, mut stopped) = start(&mut app, &id);
        assert!(matches!(effects.as_slice(), [Effect::LoadOrgs]));
        let status = fixtures::status(&app);
        assert!(
            status.text.contains("http://127.0.0.1:4000/alpha"),
            "{}",
            status.text
        );
        assert!(
            app.hint_actions()
                .contains(&crate::tui::keymap::Action::CopyProxyToken)
        );

        let effects = app.update(key('C'));
        match effects.as_slice() {
            [Effect::CopyProxyToken(token)] => assert_eq!(token.expose_secret(), "00Dproxytoken"),
            other => panic!("{other:?}"),
        }

        for i in 0..(PROXY_REQUESTS_KEPT + 5) {
            app.update(Message::ProxySeen {
                id: id.clone(),
                seen: seen(&format!("/services/data/{i}"), 200),
            });
        }
        let mut renewed = seen("/services/data/renewed", 200);
        renewed.refreshed = true;
        let effects = app.update(Message::ProxySeen {
            id: id.clone(),
            seen: renewed,
        });
        assert!(
            matches!(effects.as_slice(), [Effect::LoadOrgs]),
            "{effects:?}"
        );
        match app.selected_panel().and_then(|p| p.proxy.as_ref()) {
            Some(ProxyState::Running(r)) => {
                assert_eq!(r.requests.len(), PROXY_REQUESTS_KEPT);
                assert_eq!(r.requests[0].path, "/services/data/6");
            }
            other => panic!("{other:?}"),
        }

        // P again hands the stop handle to the tasks.
        let effects = app.update(key('P'));
        stop_handed_over(effects);
        assert!(stopped.try_recv().is_ok());
        app.update(Message::ProxyStopped(id));
        assert!(app.selected_panel().is_some_and(|p| p.proxy.is_none()));
    }

    #[test]
    fn quitting_stops_the_proxy_and_waits_for_it() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        let id = app.orgs[0].id.clone();
        app.update(key('P'));
        let (_, mut stopped) = start(&mut app, &id);
        let effects = app.update(key('q'));
        stop_handed_over(effects);
        assert!(stopped.try_recv().is_ok());
        assert_eq!(app.must_finish(), ["alpha: proxy"]);
        assert!(!app.should_exit());
        app.update(Message::ProxyStopped(id));
        assert!(app.should_exit());
    }

    #[test]
    fn a_proxy_that_cannot_start_says_why() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        let id = app.orgs[0].id.clone();
        app.update(key('P'));
        app.update(Message::ProxyStarted {
            id,
            result: Err("cannot listen".into()),
        });
        let status = fixtures::status(&app);
        assert_eq!(status.text, "no proxy for alpha: cannot listen");
        assert!(app.selected_panel().is_some_and(|p| p.proxy.is_none()));
        // P tries again.
        assert_eq!(app.update(key('P')).len(), 1);
    }
}
