//! Blocking JSON over plain HTTP to the server (ureq), with timeouts.

use core::time::Duration;

use serde_json::Value;

use crate::PhoneError;

/// The largest answer read.
const MAX_BODY: u64 = 1 << 20;

/// A connection to one server.
#[derive(Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    /// `base`: `http://host:port[/prefix]`.
    pub(crate) fn new(base: &str) -> Result<Http, PhoneError> {
        let lower = base.to_ascii_lowercase();
        if lower.starts_with("https://") {
            return Err(PhoneError::Usage(String::from(
                "https:// is not supported by this build (plain http only: no TLS backend)",
            )));
        }
        if !lower.starts_with("http://") {
            return Err(PhoneError::Usage(format!(
                "the server URL must start with http://: {base:?}"
            )));
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(15)))
            .timeout_connect(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build();
        Ok(Http {
            agent: ureq::Agent::new_with_config(config),
            base: String::from(base.trim_end_matches('/')),
        })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `GET {base}{path}`: the status and the text.
    pub(crate) fn get_text(&self, path: &str) -> Result<(u16, String), PhoneError> {
        let url = format!("{}{path}", self.base);
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

    /// `GET` with an optional bearer token; a JSON answer of status 200, else the server's
    /// refusal.
    pub(crate) fn get(&self, path: &str, bearer: Option<&str>) -> Result<Value, PhoneError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.get(&url).header("Accept", "application/json");
        if let Some(t) = bearer {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req
            .call()
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        answer(&url, r)
    }

    /// `POST` of a JSON body with an optional bearer token; as [`Http::get`].
    pub(crate) fn post(
        &self,
        path: &str,
        body: &Value,
        bearer: Option<&str>,
    ) -> Result<Value, PhoneError> {
        let url = format!("{}{path}", self.base);
        let mut req = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        if let Some(t) = bearer {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req
            .send(body.to_string())
            .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
        answer(&url, r)
    }
}

fn answer(url: &str, mut r: ureq::http::Response<ureq::Body>) -> Result<Value, PhoneError> {
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|e| PhoneError::Unreachable(format!("{url}: {e}")))?;
    let value = serde_json::from_str::<Value>(&text).ok();
    if status == 200 {
        return value.ok_or_else(|| PhoneError::BadAnswer(format!("{url}: not JSON")));
    }
    let message = value
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("HTTP {status}"), str::to_owned);
    Err(PhoneError::Refused { status, message })
}
