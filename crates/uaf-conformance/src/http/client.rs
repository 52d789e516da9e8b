//! The HTTP side: the FIDO conformance server API (digest §2.13, §10.1) over `ureq`.
//!
//! `POST {base}/get` with `{"op", "context"}` answers `{"statusCode", "uafRequest"}`;
//! `POST {base}/respond` with `{"uafResponse", "context"}` answers `{"statusCode"}`. The
//! `context` is a JSON **string** (JSON inside JSON) with `username` and, optionally,
//! `transaction`, `deregisterAAID` and `deregisterAll`.

use alloc::string::{String, ToString};
use core::fmt;
use core::time::Duration;

use serde_json::{Map, Value};

use super::SuiteError;

/// Largest response body read from the server (a UAF request is at most a few kB).
const MAX_BODY: u64 = 1 << 20;

/// Why an HTTP exchange did not give an answer to judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HttpError {
    /// The server could not be reached (connection refused, name not found, timeout, TLS):
    /// nothing was judged.
    Unreachable(String),
    /// The server answered, but not with the JSON the conformance API defines.
    BadAnswer(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Unreachable(m) => write!(f, "server unreachable: {m}"),
            HttpError::BadAnswer(m) => write!(f, "bad answer: {m}"),
        }
    }
}

/// The `context` of a `/get` or `/respond` call (the conformance API's
/// `GetUAFRequestContext`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Context {
    /// `username`: required.
    pub(crate) username: String,
    /// `transaction`: the text an `Auth` request must carry as a transaction.
    pub(crate) transaction: Option<String>,
    /// `deregisterAAID`: a `Dereg` request for every key of this AAID.
    pub(crate) deregister_aaid: Option<String>,
    /// `deregisterAll`: a `Dereg` request for every key of the user.
    pub(crate) deregister_all: bool,
}

impl Context {
    /// A context with `username` only.
    pub(crate) fn user(username: &str) -> Context {
        Context {
            username: String::from(username),
            ..Context::default()
        }
    }

    /// The context as the JSON text the API carries.
    pub(crate) fn to_json(&self) -> String {
        let mut m = Map::new();
        m.insert("username".into(), Value::from(self.username.as_str()));
        if let Some(t) = &self.transaction {
            m.insert("transaction".into(), Value::from(t.as_str()));
        }
        if let Some(a) = &self.deregister_aaid {
            m.insert("deregisterAAID".into(), Value::from(a.as_str()));
        }
        if self.deregister_all {
            m.insert("deregisterAll".into(), Value::from(true));
        }
        Value::Object(m).to_string()
    }
}

/// What `/get` answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GetAnswer {
    /// `statusCode`.
    pub(crate) status: u16,
    /// `uafRequest`, when present.
    pub(crate) uaf_request: Option<String>,
}

/// A client of one server under test.
pub(crate) struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    /// A client of `base` (`http://host:port/path`, no trailing `/` needed) whose every call
    /// gives up after `timeout`.
    pub(crate) fn new(base: &str, timeout: Duration) -> Result<Http, SuiteError> {
        let lower = base.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(SuiteError::Usage(alloc::format!(
                "the server URL must start with http:// or https://: {base:?}"
            )));
        }
        if lower.starts_with("https://") {
            return Err(SuiteError::Usage(String::from(
                "https:// is not supported by this build (plain http only: no TLS backend); put a TLS-terminating proxy in front or test the server over http",
            )));
        }
        let connect = if timeout < Duration::from_secs(5) {
            timeout
        } else {
            Duration::from_secs(5)
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .timeout_connect(Some(connect))
            .http_status_as_error(false)
            .build();
        Ok(Http {
            agent: ureq::Agent::new_with_config(config),
            base: String::from(base.trim_end_matches('/')),
        })
    }

    /// The base URL, without a trailing `/`.
    #[cfg(test)]
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `POST {base}{path}` with `body`; the JSON object the server answered.
    fn post(&self, path: &str, body: &Value) -> Result<Map<String, Value>, HttpError> {
        let url = alloc::format!("{}{path}", self.base);
        let mut response = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .send(body.to_string())
            .map_err(|e| transport(&url, &e))?;
        let http_status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|e| transport(&url, &e))?;
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(HttpError::BadAnswer(alloc::format!(
                "POST {url}: HTTP {http_status}, not a JSON object: {}",
                excerpt(&text)
            ))),
        }
    }

    /// `POST {base}/get` for `op` (`"Reg"`, `"Auth"`, `"Dereg"`).
    pub(crate) fn get(&self, op: &str, context: &Context) -> Result<GetAnswer, HttpError> {
        let body = serde_json::json!({ "op": op, "context": context.to_json() });
        let m = self.post("/get", &body)?;
        let status = status_code(&m, "/get")?;
        let uaf_request = match m.get("uafRequest") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(HttpError::BadAnswer(alloc::format!(
                    "/get: uafRequest is not a string (the conformance API sends the request array as a JSON string): {}",
                    excerpt(&other.to_string())
                )));
            }
        };
        Ok(GetAnswer {
            status,
            uaf_request,
        })
    }

    /// `POST {base}/respond` with `uaf_response`; the `statusCode` answered.
    pub(crate) fn respond(&self, uaf_response: &str, context: &Context) -> Result<u16, HttpError> {
        let body = serde_json::json!({ "uafResponse": uaf_response, "context": context.to_json() });
        let m = self.post("/respond", &body)?;
        status_code(&m, "/respond")
    }

    /// `GET url` as text (the trusted facet list of an AppID, digest §7.2).
    pub(crate) fn fetch(&self, url: &str) -> Result<String, HttpError> {
        let mut response = self
            .agent
            .get(url)
            .header("Accept", "application/fido.trusted-apps+json")
            .call()
            .map_err(|e| transport(url, &e))?;
        let http_status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|e| transport(url, &e))?;
        if http_status == 200 {
            Ok(text)
        } else {
            Err(HttpError::BadAnswer(alloc::format!(
                "GET {url}: HTTP {http_status}"
            )))
        }
    }
}

/// `statusCode` of an answer: a number 0..=65535.
fn status_code(m: &Map<String, Value>, what: &str) -> Result<u16, HttpError> {
    m.get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| {
            HttpError::BadAnswer(alloc::format!(
                "{what}: no numeric statusCode in {}",
                excerpt(&Value::Object(m.clone()).to_string())
            ))
        })
}

/// A transport error: the server is unreachable, or it broke the HTTP exchange.
fn transport(url: &str, e: &ureq::Error) -> HttpError {
    let m = alloc::format!("{url}: {e}");
    match e {
        ureq::Error::Io(_)
        | ureq::Error::Timeout(_)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_) => HttpError::Unreachable(m),
        _ => HttpError::BadAnswer(m),
    }
}

/// The first 200 characters of `text`, for messages.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_a_json_string_with_the_members_asked_for() {
        let mut c = Context::user("alice");
        assert_eq!(c.to_json(), r#"{"username":"alice"}"#);
        c.transaction = Some("Pay?".into());
        c.deregister_aaid = Some("FFFF#FC01".into());
        c.deregister_all = true;
        let v: Value = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"username": "alice", "transaction": "Pay?",
                "deregisterAAID": "FFFF#FC01", "deregisterAll": true})
        );
    }

    #[test]
    fn only_plain_http_urls_are_accepted() {
        let t = Duration::from_secs(1);
        assert!(Http::new("ftp://x", t).is_err());
        assert!(Http::new("https://x", t).is_err());
        assert_eq!(
            Http::new("http://x:1/uaf/", t).unwrap().base(),
            "http://x:1/uaf"
        );
    }
}
