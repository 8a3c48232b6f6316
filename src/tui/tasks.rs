//! The tasks that do the app's I/O: the keyring, the orgs file, HTTP, the clipboard. Each
//! effect runs on the runtime and answers with a message; the UI thread never waits on them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use secrecy::SecretString;
use tokio::sync::{OnceCell, mpsc};

use crate::clipboard::{Clipboard, Copied};
use crate::interop::{self, Imported};
use crate::org::{Org, OrgId};
use crate::refresh::{
    Cancel, ClientFor, RefreshError, RefreshEvent, RefreshOptions, refresh_org_with,
};
use crate::salesforce::{HttpClient, HttpSettings, TokenError, TransportError};
use crate::store::{SecretKind, Store, StoreError};
use crate::token_calls::{self, CallError};

use super::calls::{Call, CallAnswer};
use super::message::{CopyVia, Effect, ImportCheck, Message, RefreshOutcome};

/// Something for the terminal itself, which only the UI loop may write to.
#[derive(Debug)]
pub enum TerminalWrite {
    /// An OSC 52 sequence carrying a token; then this message goes to the app.
    Osc52 {
        /// The escape sequence (holds the token).
        sequence: SecretString,
        /// Told to the app once written.
        then: Message,
    },
}

/// What the tasks send back: a message for the app, or bytes for the terminal.
#[derive(Debug)]
pub enum Outcome {
    /// For `App::update`.
    Message(Message),
    /// For the terminal.
    Terminal(TerminalWrite),
}

/// Runs effects; cheap to clone into tasks.
#[derive(Clone)]
pub struct Tasks {
    store: Store,
    settings: HttpSettings,
    client: Arc<OnceCell<HttpClient>>,
    clipboard: Arc<Result<Clipboard, String>>,
    cancels: Arc<Mutex<HashMap<OrgId, Cancel>>>,
    /// Live refresh tokens the keyring refused, per org: saved (or used) at the next refresh.
    unsaved: Arc<Mutex<HashMap<OrgId, SecretString>>>,
    tx: mpsc::UnboundedSender<Outcome>,
    /// Ends the login in progress, if any.
    login_cancel: Arc<Mutex<Option<tokio::sync::oneshot::Sender<()>>>>,
    /// The login's question waiting for the user's yes or no, if any.
    login_answer: Arc<Mutex<Option<tokio::sync::oneshot::Sender<bool>>>>,
}

impl Tasks {
    /// Tasks over `store`, answering on `tx`.
    pub fn new(
        store: Store,
        settings: HttpSettings,
        clipboard: Result<Clipboard, String>,
        tx: mpsc::UnboundedSender<Outcome>,
    ) -> Self {
        Self {
            store,
            settings,
            client: Arc::new(OnceCell::new()),
            clipboard: Arc::new(clipboard),
            cancels: Arc::new(Mutex::new(HashMap::new())),
            unsaved: Arc::new(Mutex::new(HashMap::new())),
            tx,
            login_cancel: Arc::new(Mutex::new(None)),
            login_answer: Arc::new(Mutex::new(None)),
        }
    }

    fn send(&self, message: Message) {
        // The loop is gone only when sfkey is exiting.
        let _ = self.tx.send(Outcome::Message(message));
    }

    /// Starts the effect on the runtime.
    pub fn run(&self, effect: Effect) {
        let tasks = self.clone();
        match effect {
            Effect::LoadOrgs => {
                tokio::task::spawn_blocking(move || {
                    let orgs = tasks.store.orgs().map_err(|e| e.to_string());
                    tasks.send(Message::OrgsLoaded(orgs));
                });
            }
            Effect::Refresh(org) => {
                let cancel = Cancel::default();
                self.cancels().insert(org.id.clone(), cancel.clone());
                tokio::spawn(async move {
                    let outcome = tasks.refresh(&org, &cancel).await;
                    tasks.cancels().remove(&org.id);
                    tasks.send(Message::RefreshDone {
                        id: org.id,
                        outcome: Box::new(outcome),
                    });
                });
            }
            Effect::CancelRefresh(id) => {
                let cancel = self.cancels().get(&id).cloned();
                match cancel {
                    Some(cancel) if cancel.request_sent() => self.send(Message::CancelTooLate(id)),
                    Some(cancel) => cancel.cancel(),
                    None => {}
                }
            }
            Effect::Copy(org) => {
                tokio::task::spawn_blocking(move || tasks.copy(&org.id, &org.name));
            }
            Effect::Add(org, secrets) => {
                tokio::task::spawn_blocking(move || {
                    let result = tasks
                        .store
                        .add_with(org, secrets)
                        .map_err(|e| e.to_string());
                    tasks.send(Message::Saved(result));
                });
            }
            Effect::Edit(edit) => {
                tokio::task::spawn_blocking(move || {
                    let edit = *edit;
                    let new = edit.org;
                    let (id, typed_refresh) =
                        (new.id.clone(), edit.secrets.refresh_token.is_some());
                    let result = tasks
                        .store
                        .edit(&edit.name, edit.secrets, |org| {
                            org.name = new.name;
                            org.login_url = new.login_url;
                            org.site = new.site;
                            org.client_id = new.client_id;
                            // Only a JWT bearer org's form has the username; for the others a
                            // login or userinfo may have set it since the form opened.
                            if new.kind == crate::org::OrgKind::JwtBearer {
                                org.username = new.username;
                            }
                        })
                        .and_then(|org| match edit.other_secret {
                            Some((kind, secret)) => tasks.replace_secret(&org, kind, &secret),
                            None => Ok(org),
                        })
                        .map_err(|e| e.to_string());
                    // A refresh token typed by the user replaces one kept in memory.
                    if result.is_ok() && typed_refresh && tasks.unsaved().remove(&id).is_some() {
                        tasks.send(Message::RefreshProgress {
                            id,
                            event: RefreshEvent::RefreshTokenSaved,
                        });
                    }
                    tasks.send(Message::Saved(result));
                });
            }
            Effect::Call(org, call) => {
                tokio::spawn(async move {
                    let outcome = tasks.call(&org, call).await;
                    tasks.send(Message::CallDone {
                        id: org.id,
                        call,
                        outcome: Box::new(outcome),
                    });
                });
            }
            Effect::Login(request) => {
                let (cancel_tx, cancel_rx) = tokio::sync::oneshot::channel();
                self.login_cancel().replace(cancel_tx);
                tokio::spawn(async move {
                    let (store, settings) = (tasks.store.clone(), tasks.settings.clone());
                    let send = |m| tasks.send(m);
                    let ask = |question| {
                        let (tx, rx) = tokio::sync::oneshot::channel();
                        tasks.login_answer().replace(tx);
                        tasks.send(Message::LoginAsk(question));
                        rx
                    };
                    super::login::run(store, settings, *request, cancel_rx, send, ask).await;
                });
            }
            Effect::CopyLoginUrl(url) => {
                tokio::task::spawn_blocking(move || tasks.copy_login_url(url));
            }
            Effect::CancelLogin => {
                if let Some(cancel) = self.login_cancel().take() {
                    let _ = cancel.send(());
                }
            }
            Effect::AnswerLogin(yes) => {
                if let Some(answer) = self.login_answer().take() {
                    let _ = answer.send(yes);
                }
            }
            Effect::CheckImport(imported) => {
                tokio::task::spawn_blocking(move || {
                    let checked = tasks.check_import(*imported).map(Box::new);
                    tasks.send(Message::ImportChecked(checked));
                });
            }
            Effect::Import(step) => {
                tokio::task::spawn_blocking(move || {
                    let result = crate::interop::apply(&tasks.store, vec![*step])
                        .map_err(|e| e.to_string())
                        .and_then(|done| match done.into_iter().next() {
                            Some(
                                crate::interop::Done::Added(org)
                                | crate::interop::Done::Updated(org),
                            ) => Ok(org),
                            None => Err("nothing was saved".into()),
                        });
                    tasks.send(Message::Saved(result));
                });
            }
            Effect::Open(org) => {
                tokio::spawn(async move {
                    let result = match tasks.client().await {
                        Ok(client) => {
                            crate::open_org::open_in_browser(&tasks.store, &org, client, None)
                                .await
                                .map_err(|e| e.to_string())
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    tasks.send(Message::Opened {
                        org: org.name,
                        result,
                    });
                });
            }
            Effect::StartProxy(org) => {
                tokio::spawn(async move { tasks.run_proxy(org).await });
            }
            Effect::StopProxy(stop) => {
                // The task sees it and finishes the requests in flight.
                let _ = stop.0.send(());
            }
            Effect::CopyProxyToken(token) => {
                tokio::task::spawn_blocking(move || {
                    tasks.copy_secret(&token, Message::ProxyTokenCopied);
                });
            }
            Effect::Delete(org) => {
                self.unsaved().remove(&org.id);
                tokio::task::spawn_blocking(move || {
                    let result = tasks.store.remove(&org.name).map_err(|e| e.to_string());
                    tasks.send(Message::Deleted(result));
                });
            }
        }
    }

    fn login_cancel(&self) -> std::sync::MutexGuard<'_, Option<tokio::sync::oneshot::Sender<()>>> {
        self.login_cancel
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn login_answer(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<tokio::sync::oneshot::Sender<bool>>> {
        self.login_answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The running refreshes, for waiting on them when the UI loop is gone.
    pub fn in_flight(&self) -> InFlight {
        InFlight::new(self.cancels.clone())
    }

    fn cancels(&self) -> std::sync::MutexGuard<'_, HashMap<OrgId, Cancel>> {
        self.cancels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn unsaved(&self) -> std::sync::MutexGuard<'_, HashMap<OrgId, SecretString>> {
        self.unsaved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The one HTTP client, built on first use (loading TLS roots takes a few ms).
    async fn client(&self) -> Result<&HttpClient, TransportError> {
        let settings = self.settings.clone();
        self.client
            .get_or_try_init(|| async move {
                let limit = settings.total_timeout;
                tokio::task::spawn_blocking(move || HttpClient::new(&settings))
                    .await
                    .unwrap_or_else(|e| Err(TransportError::client_task_failed(e, limit)))
            })
            .await
    }

    async fn refresh(&self, org: &Org, cancel: &Cancel) -> RefreshOutcome {
        let client = match self.client().await {
            Ok(client) => client,
            Err(e) => {
                return RefreshOutcome::Failure(RefreshError::Token(TokenError::Transport(e)));
            }
        };
        let (tasks, id) = (self.clone(), org.id.clone());
        let options = RefreshOptions {
            cancel: cancel.clone(),
            unsaved_refresh_token: self.unsaved().get(&org.id).cloned(),
            on_event: Some(Arc::new(move |event| {
                if event == RefreshEvent::RefreshTokenSaved {
                    tasks.unsaved().remove(&id);
                }
                tasks.send(match event {
                    RefreshEvent::WaitingForLock => Message::RefreshWaiting(id.clone()),
                    event => Message::RefreshProgress {
                        id: id.clone(),
                        event,
                    },
                });
            })),
        };
        let result = refresh_org_with(&self.store, org, ClientFor::Ready(client), &options).await;
        match result {
            Ok(done) => RefreshOutcome::Success(Box::new(done)),
            Err(e) => {
                if let Some(token) = e.unsaved_refresh_token() {
                    // The only working refresh token: kept for the next refresh, never shown.
                    self.unsaved().insert(org.id.clone(), token.clone());
                }
                RefreshOutcome::Failure(e)
            }
        }
    }

    async fn call(&self, org: &Org, call: Call) -> Result<CallAnswer, CallError> {
        let client = self
            .client()
            .await
            .map_err(|e| CallError::Api(TokenError::Transport(e).into()))?;
        Ok(match call {
            Call::Userinfo => {
                CallAnswer::Userinfo(token_calls::userinfo(&self.store, org, client).await?)
            }
            Call::Introspect => CallAnswer::Introspect(
                token_calls::introspect_access_token(&self.store, org, client).await?,
            ),
            Call::Revoke(kind) => CallAnswer::Revoke(
                token_calls::revoke_token(&self.store, org, client, kind, || {}).await?,
            ),
        })
    }

    /// The saved org `imported` duplicates, by the rules `sfkey import` uses (the same refresh
    /// token included, which reads the keyring).
    /// A new private key or access token from the edit form, after the edit (which drops an
    /// access token whose URL changed); a new access token lives at the org's URL, not dead.
    fn replace_secret(
        &self,
        org: &Org,
        kind: SecretKind,
        secret: &SecretString,
    ) -> Result<Org, StoreError> {
        self.store.set_secret(&org.id, kind, secret)?;
        if kind != SecretKind::AccessToken {
            return Ok(org.clone());
        }
        self.store.update(&org.id, |o| {
            o.instance_url = Some(o.login_url.clone());
            o.access_token_dead = None;
        })
    }

    fn check_import(&self, imported: Imported) -> Result<ImportCheck, String> {
        let orgs = self.store.orgs().map_err(|e| e.to_string())?;
        let same_token =
            |saved: &Org, new: &Imported| interop::holds_refresh_token(&self.store, saved, new);
        let duplicate =
            interop::find_existing(&orgs, &imported, same_token).map(|(o, why)| (o.clone(), why));
        Ok(ImportCheck {
            imported,
            duplicate,
        })
    }

    fn copy_login_url(&self, url: String) {
        self.copy_secret(&SecretString::from(url), Message::LoginUrlCopied);
    }

    /// Copies `text` (the system clipboard, or OSC 52 through the terminal); `done` says how.
    fn copy_secret(&self, text: &SecretString, done: fn(Result<CopyVia, String>) -> Message) {
        let copied = match self.clipboard.as_ref() {
            Ok(clipboard) => clipboard.copy(text),
            Err(e) => return self.send(done(Err(e.clone()))),
        };
        match copied {
            Ok(Copied::Native) => self.send(done(Ok(CopyVia::System))),
            Ok(Copied::Osc52(sequence)) => {
                let _ = self.tx.send(Outcome::Terminal(TerminalWrite::Osc52 {
                    sequence: SecretString::from(sequence),
                    then: done(Ok(CopyVia::Terminal)),
                }));
            }
            Err(e) => self.send(done(Err(format!("copying failed: {e}")))),
        }
    }

    fn copy(&self, id: &OrgId, name: &str) {
        let token = match self.store.secret(id, SecretKind::AccessToken) {
            Ok(Some(token)) => token,
            Ok(None) => {
                return self.send(Message::CopyFailed(format!(
                    "no access token stored for {name} yet: press r to refresh"
                )));
            }
            Err(e) => return self.send(Message::CopyFailed(store_failure(&e))),
        };
        let clipboard = match self.clipboard.as_ref() {
            Ok(clipboard) => clipboard,
            Err(e) => return self.send(Message::CopyFailed(e.clone())),
        };
        match clipboard.copy(&token) {
            Ok(Copied::Native) => self.send(Message::Copied {
                org: name.to_string(),
                via: CopyVia::System,
            }),
            Ok(Copied::Osc52(sequence)) => {
                let _ = self.tx.send(Outcome::Terminal(TerminalWrite::Osc52 {
                    sequence: SecretString::from(sequence),
                    then: Message::Copied {
                        org: name.to_string(),
                        via: CopyVia::Terminal,
                    },
                }));
            }
            Err(e) => self.send(Message::CopyFailed(format!("copying failed: {e}"))),
        }
    }
}

fn store_failure(e: &StoreError) -> String {
    format!("reading the access token failed: {e}")
}

mod in_flight;
mod proxy;
pub use in_flight::InFlight;

#[cfg(test)]
mod tests;
