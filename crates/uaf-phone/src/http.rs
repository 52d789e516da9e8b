//! Blocking JSON to the server over https (ureq with rustls on *ring*) or plain http, with
//! timeouts: the bodies are the typed ones of `uaf_signin_api`, shared with the server.

use core::time::Duration;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use uaf_signin_api::ErrorAnswer;
use ureq::tls::{PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::PhoneError;

/// The largest answer read.
const MAX_BODY: u64 = 1 << 20;

/// Wait at most this long for a byte of a push stream (the server sends a heartbeat every
/// 15 s by default): a silent connection is taken for dead and made again.
pub(crate) const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(45);

/// An agent of `config` that finds an IP-literal server without a lookup thread
/// ([`crate::LiteralResolver`]).
fn agent(config: ureq::config::Config) -> ureq::Agent {
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::default(),
        crate::LiteralResolver::default(),
    )
}

/// A connection to one server.
#[derive(Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
    /// For long-lived answers (the push stream, long polls): no overall timeout, a timeout
    /// per read instead.
    stream_agent: ureq::Agent,
    base: String,
}

impl Http {
    /// `base`: `https://host:port[/prefix]` (or `http://` for loopback development),
    /// trusting Mozilla's root certificates (webpki-roots).
    #[cfg(test)]
    pub(crate) fn new(base: &str) -> Result<Http, PhoneError> {
        Http::trusting(base, None)
    }

    /// As [`Http::new`], trusting only the CA certificates (PEM) of `ca_file` when given (a
    /// self-signed test setup, a private CA).
    pub(crate) fn trusting(base: &str, ca_file: Option<&Path>) -> Result<Http, PhoneError> {
        match ca_file {
            None => Http::trusting_pem(base, None),
            Some(file) => {
                let pem = read_pem(file)?;
                Http::trusting_pem(base, Some((&pem, &file.display().to_string())))
            }
        }
    }

    /// As [`Http::new`], trusting only the CA certificates of the PEM text `pem` (named
    /// `.1` in errors) when given.
    pub(crate) fn trusting_pem(base: &str, pem: Option<(&str, &str)>) -> Result<Http, PhoneError> {
        let lower = base.to_ascii_lowercase();
        if !lower.starts_with("http://") && !lower.starts_with("https://") {
            return Err(PhoneError::Usage(format!(
                "the server URL must start with https:// (or http://): {base:?}"
            )));
        }
        let roots = match pem {
            None => RootCerts::WebPki,
            Some((pem, name)) => {
                let mut certs = Vec::new();
                for item in ureq::tls::parse_pem(pem.as_bytes()) {
                    match item {
                        Ok(PemItem::Certificate(c)) => certs.push(c),
                        Ok(_) => {}
                        Err(e) => {
                            return Err(PhoneError::Usage(format!("{name}: {e}")));
                        }
                    }
                }
                if certs.is_empty() {
                    return Err(PhoneError::Usage(format!("{name}: no PEM certificate")));
                }
                RootCerts::new_with_certs(&certs)
            }
        };
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(roots)
            .build();
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(15)))
            .timeout_connect(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .tls_config(tls.clone())
            .build();
        let stream_config = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_recv_response(Some(STREAM_READ_TIMEOUT))
            .timeout_per_read(Some(STREAM_READ_TIMEOUT))
            .http_status_as_error(false)
            .tls_config(tls)
            .build();
        Ok(Http {
            agent: agent(config),
            stream_agent: agent(stream_config),
            base: String::from(base.trim_end_matches('/')),
        })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `GET {base}/{path}`: the status and the text.
    pub(crate) fn get_text(&self, path: &str) -> Result<(u16, String), PhoneError> {
        let url = format!("{}/{path}", self.base);
        let mut r = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        let status = r.status().as_u16();
        let text = r
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        Ok((status, text))
    }

    /// `GET {base}/{path}` with an optional bearer token; the JSON answer `A` of status 200,
    /// else the server's refusal.
    pub(crate) fn get<A: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
    ) -> Result<A, PhoneError> {
        let url = format!("{}/{path}", self.base);
        let mut req = self.agent.get(&url).header("Accept", "application/json");
        if let Some(t) = bearer {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req
            .call()
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        answer(&url, r)
    }

    /// `GET {base}/{path}` of a long-lived answer (a push stream, a long poll) with the bearer
    /// token and extra headers: the response of status 200 (read it as it comes), else the
    /// server's refusal.
    pub(crate) fn get_long(
        &self,
        path: &str,
        bearer: &str,
        headers: &[(&str, &str)],
    ) -> Result<ureq::http::Response<ureq::Body>, PhoneError> {
        let url = format!("{}/{path}", self.base);
        let mut req = self
            .stream_agent
            .get(&url)
            .header("Authorization", &format!("Bearer {bearer}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req
            .call()
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        if r.status().as_u16() == 200 {
            return Ok(r);
        }
        // Not 200: the refusal (answer() never returns Ok for another status).
        match answer::<serde::de::IgnoredAny>(&url, r) {
            Err(e) => Err(e),
            Ok(_) => Err(PhoneError::BadAnswer(format!("{url}: not a stream"))),
        }
    }

    /// `GET {base}/{path}` of a long poll; as [`Http::get`] without the overall timeout.
    pub(crate) fn get_waiting<A: DeserializeOwned>(
        &self,
        path: &str,
        bearer: &str,
    ) -> Result<A, PhoneError> {
        let url = format!("{}/{path}", self.base);
        let r = self
            .stream_agent
            .get(&url)
            .header("Accept", "application/json")
            .header("Authorization", &format!("Bearer {bearer}"))
            .call()
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        answer(&url, r)
    }

    /// `POST {base}/{path}` of the JSON body `body` with an optional bearer token; as
    /// [`Http::get`].
    pub(crate) fn post<B: Serialize, A: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&str>,
    ) -> Result<A, PhoneError> {
        let url = format!("{}/{path}", self.base);
        let body = serde_json::to_string(body)
            .map_err(|e| PhoneError::Usage(format!("{url}: the body: {e}")))?;
        let mut req = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        if let Some(t) = bearer {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req
            .send(body)
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        answer(&url, r)
    }
}

/// The text of a PEM file.
pub(crate) fn read_pem(path: &Path) -> Result<String, PhoneError> {
    std::fs::read_to_string(path).map_err(|e| PhoneError::Usage(format!("{}: {e}", path.display())))
}

fn answer<A: DeserializeOwned>(
    url: &str,
    mut r: ureq::http::Response<ureq::Body>,
) -> Result<A, PhoneError> {
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
    if status == 200 {
        return serde_json::from_str(&text)
            .map_err(|e| PhoneError::BadAnswer(format!("{url}: {e}")));
    }
    let message = serde_json::from_str::<ErrorAnswer>(&text)
        .map_or_else(|_| format!("HTTP {status}"), |e| e.error);
    Err(PhoneError::Refused { status, message })
}
