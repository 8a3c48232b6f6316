//! The tasks that do the app's I/O: the keyring, the orgs file, HTTP, the clipboard. Each
//! effect runs on the runtime and answers with a message; the UI thread never waits on them.

use std::sync::Arc;

use secrecy::SecretString;
use tokio::sync::{OnceCell, mpsc};

use crate::clipboard::{Copied, CopySecret};
use crate::interop::{self, Imported};
use crate::org::{Org, OrgId};
use crate::salesforce::{HttpClient, HttpSettings, TokenError, TransportError};
use crate::saved_org::calls::{self, CallError};
use crate::saved_org::refresh::{ClientFor, RefreshError, RefreshOptions, refresh_org_with};
use crate::store::{SecretKind, Store, StoreError};

use super::calls::{Call, CallAnswer};
use super::message::{CopyVia, Effect, ImportCheck, Message, RefreshJob, RefreshOutcome};

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

/// Runs effects; cheap to clone into tasks. It keeps no state of its own: what a task needs
/// (a cancel handle, a refresh token kept in memory, a login's channels) travels in the effect
/// or the message, and the app's state owns it.
#[derive(Clone)]
pub struct Tasks {
    store: Store,
    settings: HttpSettings,
    client: Arc<OnceCell<HttpClient>>,
    clipboard: Arc<Result<Arc<dyn CopySecret>, String>>,
    /// Waits a test may shorten.
    delays: super::event_loop::Delays,
    tx: mpsc::UnboundedSender<Outcome>,
    /// Counts the refresh tasks, for after a panic of the UI loop (nothing else reads it).
    refreshing: InFlight,
}

impl Tasks {
    /// Tasks over `store`, answering on `tx`.
    pub fn new(
        store: Store,
        settings: HttpSettings,
        clipboard: Result<Arc<dyn CopySecret>, String>,
        tx: mpsc::UnboundedSender<Outcome>,
    ) -> Self {
        Self {
            store,
            settings,
            client: Arc::new(OnceCell::new()),
            clipboard: Arc::new(clipboard),
            delays: super::event_loop::Delays::default(),
            tx,
            refreshing: InFlight::default(),
        }
    }

    /// The same tasks, waiting `delays` instead of the library's defaults.
    pub fn with_delays(mut self, delays: super::event_loop::Delays) -> Self {
        self.delays = delays;
        self
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
                    let first = |orgs| tasks.send(Message::FirstOrgs(orgs));
                    let orgs = tasks.store.orgs_first_rows_early(first);
                    tasks.send(Message::OrgsLoaded(orgs.map_err(|e| e.to_string())));
                });
            }
            Effect::Refresh(job) => {
                let running = self.refreshing.start();
                tokio::spawn(async move {
                    let id = job.org.id.clone();
                    let outcome = tasks.refresh(*job).await;
                    tasks.send(Message::RefreshDone {
                        id,
                        outcome: Box::new(outcome),
                    });
                    drop(running);
                });
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
                    if result.is_ok() && typed_refresh {
                        tasks.send(Message::RefreshTokenStored(id));
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
            Effect::Login(request) => self.run(Effect::StartLogin(Box::new(
                super::message::LoginJob::new_org(*request),
            ))),
            Effect::StartLogin(job) => {
                tokio::spawn(async move {
                    let (store, settings) = (tasks.store.clone(), tasks.settings.clone());
                    super::login::run(store, settings, *job, |m| tasks.send(m)).await;
                });
            }
            Effect::CopyLoginUrl(url) => {
                tokio::task::spawn_blocking(move || tasks.copy_login_url(url));
            }
            Effect::AnswerLogin(reply, yes) => {
                // The login may have ended meanwhile: then nobody asks any more.
                let _ = reply.send(yes);
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
                tokio::task::spawn_blocking(move || {
                    let result = tasks.store.remove(&org.name).map_err(|e| e.to_string());
                    tasks.send(Message::Deleted(result));
                });
            }
        }
    }

    /// The running refreshes, for waiting on them when the UI loop is gone.
    pub fn in_flight(&self) -> InFlight {
        self.refreshing.clone()
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

    async fn refresh(&self, job: RefreshJob) -> RefreshOutcome {
        let client = match self.client().await {
            Ok(client) => client,
            Err(e) => {
                return RefreshOutcome::Failure(RefreshError::Token(TokenError::Transport(e)));
            }
        };
        let (tasks, id) = (self.clone(), job.org.id.clone());
        let options = RefreshOptions {
            cancel: job.cancel,
            unsaved_refresh_token: job.unsaved_refresh_token,
            busy_backoff: self.delays.busy_backoff,
            on_event: Some(Arc::new(move |event| {
                tasks.send(Message::Refreshing {
                    id: id.clone(),
                    event,
                });
            })),
        };
        let result =
            refresh_org_with(&self.store, &job.org, ClientFor::Ready(client), &options).await;
        match result {
            Ok(done) => RefreshOutcome::Success(Box::new(done)),
            Err(e) => RefreshOutcome::Failure(e),
        }
    }

    async fn call(&self, org: &Org, call: Call) -> Result<CallAnswer, CallError> {
        let client = self
            .client()
            .await
            .map_err(|e| CallError::Api(TokenError::Transport(e).into()))?;
        Ok(match call {
            Call::Userinfo => {
                CallAnswer::Userinfo(calls::userinfo(&self.store, org, client).await?)
            }
            Call::Introspect => CallAnswer::Introspect(
                calls::introspect_access_token(&self.store, org, client).await?,
            ),
            Call::Revoke(kind) => CallAnswer::Revoke(
                calls::revoke_token(&self.store, org, client, kind, || {}).await?,
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
            Ok(None) => return self.send(Message::NothingToCopy(name.to_string())),
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
