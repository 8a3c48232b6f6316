//! HTTP for every Salesforce call: the client and its settings, and a form POST that keeps the
//! status, every header and the latency, and decodes gzip itself so the headers stay intact.

use std::io::Read;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use super::error::{TokenError, TransportError};
pub use super::exchange::{CONNECT_TIMEOUT, HttpExchange, MAX_BODY, TOTAL_TIMEOUT, USER_AGENT};

/// What users may tune about HTTP. Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`
/// (reqwest reads them), and `SSL_CERT_FILE` replaces the system's CA store (rustls reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Total time for one request, connect to last body byte.
    pub total_timeout: Duration,
    /// CA certificates (PEM) trusted besides the system's: a corporate proxy's CA.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for HttpSettings {
    /// [`TOTAL_TIMEOUT`], the system's CAs only.
    fn default() -> Self {
        Self {
            total_timeout: TOTAL_TIMEOUT,
            extra_roots: Vec::new(),
        }
    }
}

/// An HTTP setting from the environment that cannot be used: which variable, and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

/// Sets the total time limit of a request in seconds.
pub const TIMEOUT_ENV: &str = "SFKEY_HTTP_TIMEOUT";
/// Names a PEM bundle of CAs trusted besides the system's.
pub const CA_FILE_ENV: &str = "SFKEY_CA_FILE";

impl HttpSettings {
    /// The settings from `SFKEY_HTTP_TIMEOUT` and `SFKEY_CA_FILE`, with `SSL_CERT_FILE` checked,
    /// before anything is sent; the error names the variable and what is wrong with it.
    pub fn from_env() -> Result<Self, SettingsError> {
        let mut settings = Self::default();
        if let Some(raw) = std::env::var_os(TIMEOUT_ENV) {
            match raw.to_str().and_then(|s| s.trim().parse::<u64>().ok()) {
                Some(secs) if secs > 0 => settings.total_timeout = Duration::from_secs(secs),
                _ => {
                    return Err(SettingsError(format!(
                        "{TIMEOUT_ENV}={:?} is not a positive whole number of seconds",
                        raw.to_string_lossy()
                    )));
                }
            }
        }
        if let Some(path) = std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty()) {
            settings
                .add_ca_file(std::path::Path::new(&path))
                .map_err(|e| SettingsError(format!("{CA_FILE_ENV}: {e}")))?;
        }
        // rustls reads SSL_CERT_FILE itself, instead of the system store; a wrong path would
        // only surface as every TLS handshake failing, so check it here.
        if let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) {
            Self::check_ca_file(std::path::Path::new(&path)).map_err(|e| {
                SettingsError(format!(
                    "SSL_CERT_FILE: {e}; unset it or point it at a PEM CA bundle"
                ))
            })?;
        }
        Ok(settings)
    }

    /// Checks that `SSL_CERT_FILE`'s file can be read and holds a certificate, without parsing
    /// it: rustls parses it itself, and only for https (a full parse costs ~1 ms per start).
    /// Reads 16 KiB at a time and stops at the first certificate: a system bundle is ~200 KB
    /// and this runs before every command's keyring read.
    pub fn check_ca_file(path: &std::path::Path) -> Result<(), String> {
        use std::io::Read;
        let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
        let mut file = std::fs::File::open(path).map_err(cannot)?;
        let marker = b"-----BEGIN CERTIFICATE-----";
        let mut seen: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        let found = loop {
            let n = file.read(&mut chunk).map_err(cannot)?;
            if n == 0 {
                break false;
            }
            // Keep the tail that could start a marker cut by the chunk's end.
            let keep = seen.len().saturating_sub(marker.len());
            seen.drain(..keep);
            seen.extend_from_slice(&chunk[..n]);
            if seen.windows(marker.len()).any(|w| w == marker) {
                break true;
            }
        };
        if found {
            Ok(())
        } else {
            Err(format!(
                "{} holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)",
                path.display()
            ))
        }
    }

    /// Reads a PEM bundle whose CAs are trusted besides the system's; the error says which file
    /// and what is wrong with it.
    pub fn add_ca_file(&mut self, path: &std::path::Path) -> Result<(), String> {
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("{} is not a PEM certificate bundle: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "{} holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)",
                path.display()
            ));
        }
        self.extra_roots.push(pem);
        Ok(())
    }
}

/// The HTTP client every Salesforce call goes through: rustls with ring and the system's trust
/// store, no redirects, our timeouts, no automatic decompression (so headers stay exactly as
/// sent).
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    settings: HttpSettings,
}

impl HttpClient {
    /// A client for any URL.
    pub fn new(settings: &HttpSettings) -> Result<Self, TransportError> {
        Self::build(Self::with_roots(settings)?, settings)
    }

    /// A client for one URL: a plain `http://` (loopback) URL gets a client that skips loading
    /// the system's TLS roots (~2 ms at every start), as curl does for plain HTTP.
    pub fn for_url(url: &str, settings: &HttpSettings) -> Result<Self, TransportError> {
        if url.starts_with("http://") {
            Self::build(reqwest::Client::builder().tls_certs_only([]), settings)
        } else {
            Self::build(Self::with_roots(settings)?, settings)
        }
    }

    /// A reqwest builder with sfkey's TLS provider and trust store, for a client that sets its
    /// own timeouts and streams bodies (the proxy's).
    pub fn tls_builder(settings: &HttpSettings) -> Result<reqwest::ClientBuilder, TransportError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self::with_roots(settings)
    }

    /// A builder trusting the system's CAs plus the configured extra ones.
    fn with_roots(settings: &HttpSettings) -> Result<reqwest::ClientBuilder, TransportError> {
        let mut extra = Vec::new();
        for pem in &settings.extra_roots {
            // Read and checked when the settings were made; a failure here is still reported.
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| TransportError::from_reqwest(&e, false, settings.total_timeout))?;
            extra.extend(certs);
        }
        let builder = reqwest::Client::builder();
        Ok(if extra.is_empty() {
            builder
        } else {
            builder.tls_certs_merge(extra)
        })
    }

    fn build(
        builder: reqwest::ClientBuilder,
        settings: &HttpSettings,
    ) -> Result<Self, TransportError> {
        // Installing twice is harmless; it fails only when a provider is already there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = builder
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(settings.total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TransportError::from_reqwest(&e, false, settings.total_timeout))?;
        Ok(Self {
            inner,
            settings: settings.clone(),
        })
    }

    /// Sends a form POST and reads the whole answer (capped, gunzipped by us so headers stay intact).
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(HttpExchange, Vec<u8>), TokenError> {
        self.send(self.inner.post(url).form(form)).await
    }

    /// Sends a form POST with `Authorization: Bearer`, as [`post_form`](Self::post_form).
    pub async fn post_form_with_bearer(
        &self,
        url: &str,
        form: &[(&str, &str)],
        access_token: &SecretString,
    ) -> Result<(HttpExchange, Vec<u8>), TokenError> {
        self.send(
            self.inner
                .post(url)
                .bearer_auth(access_token.expose_secret())
                .form(form),
        )
        .await
    }

    /// Sends a GET with `Authorization: Bearer` and reads the whole answer, as [`post_form`](Self::post_form).
    pub async fn get_with_bearer(
        &self,
        url: &str,
        access_token: &SecretString,
    ) -> Result<(HttpExchange, Vec<u8>), TokenError> {
        self.send(
            self.inner
                .get(url)
                .bearer_auth(access_token.expose_secret()),
        )
        .await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(HttpExchange, Vec<u8>), TokenError> {
        let limit = self.settings.total_timeout;
        let started = Instant::now();
        let mut response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            // Anything but a failure to connect may come after Salesforce got the request.
            .map_err(|e| {
                TokenError::Transport(TransportError::from_reqwest(&e, !e.is_connect(), limit))
            })?;
        let mut exchange = HttpExchange {
            status: response.status().as_u16(),
            // hyper keeps the server's own phrase only when it differs from the standard one.
            reason: response
                .extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
                .or_else(|| response.status().canonical_reason().map(str::to_string))
                .unwrap_or_default(),
            headers: response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            latency: Duration::ZERO,
        };
        let mut raw = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if raw.len() + chunk.len() > MAX_BODY {
                        exchange.latency = started.elapsed();
                        return Err(TokenError::TooLarge { exchange });
                    }
                    raw.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                // The request went out; whether Salesforce acted on it is unknown.
                Err(e) => {
                    return Err(TokenError::Transport(TransportError::from_reqwest(
                        &e, true, limit,
                    )));
                }
            }
        }
        exchange.latency = started.elapsed();
        let gzipped = exchange
            .header("content-encoding")
            .is_some_and(|enc| enc.trim().eq_ignore_ascii_case("gzip"));
        if !gzipped {
            return Ok((exchange, raw));
        }
        let mut decoded = Vec::new();
        let read = flate2::read::GzDecoder::new(raw.as_slice())
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut decoded);
        match read {
            Ok(n) if n > MAX_BODY => Err(TokenError::TooLarge { exchange }),
            Ok(_) => Ok((exchange, decoded)),
            Err(e) => Err(TokenError::BadEncoding {
                exchange,
                detail: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HttpSettings;

    #[test]
    fn a_ca_file_is_checked_for_a_certificate_even_one_cut_by_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let marker = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        // The marker straddles the first 16 KiB read, then sits far into a large file.
        for lead in [16 * 1024 - 10, 100_000] {
            let path = dir.path().join(format!("ca-{lead}.pem"));
            std::fs::write(&path, format!("{}{marker}", "#".repeat(lead))).unwrap();
            assert_eq!(HttpSettings::check_ca_file(&path), Ok(()), "{lead}");
        }
        let none = dir.path().join("none.pem");
        std::fs::write(&none, "#".repeat(40_000)).unwrap();
        let err = HttpSettings::check_ca_file(&none).unwrap_err();
        assert!(err.contains("holds no certificate"), "{err}");
        let err = HttpSettings::check_ca_file(&dir.path().join("missing.pem")).unwrap_err();
        assert!(err.contains("cannot read"), "{err}");
    }
}
