//! The simulated browsers and conformance clients over real HTTP (ureq, plain http, one
//! keep-alive agent per worker, an IP-literal server found without a lookup), and the
//! phones' calls through `uaf_phone::Phone`.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use uaf_phone::{Phone, PhoneError};
use uaf_signin_api::{
    Notification, Session, SignInStartAnswer, SignInStartRequest, SignInState, SignInStatus, path,
};

use crate::stats::Stats;

/// The HTTP calls of a phone sign-in, as timed.
pub(crate) const SIGNIN_CALLS: [&str; 6] = [
    "signin.start",
    "phone.notifications",
    "phone.respond",
    "signin.status",
    "signin.complete",
    "me",
];

/// The HTTP calls of a conformance authentication, as timed.
pub(crate) const AUTH_CALLS: [&str; 2] = ["conf.get", "conf.respond"];

/// The largest answer read.
const MAX_BODY: u64 = 1 << 20;

/// Why one call failed: its kind for the error table (`call: what`).
pub(crate) struct Failure(pub(crate) String);

fn fail(call: &str, what: impl core::fmt::Display) -> Failure {
    Failure(format!("{call}: {what}"))
}

/// A phone error, shortened to its kind (no per-request text, so that errors group).
fn phone_fail(call: &str, e: &PhoneError) -> Failure {
    let what = match e {
        PhoneError::Refused { status, .. } => format!("HTTP {status}"),
        PhoneError::Unreachable(_) => String::from("unreachable"),
        PhoneError::BadAnswer(_) => String::from("unexpected answer"),
        PhoneError::WrongPin { .. } => String::from("wrong PIN"),
        PhoneError::Client(m) => format!("client: {m}"),
        other => other.to_string(),
    };
    fail(call, what)
}

/// One HTTP client (a browser, or a conformance client) of one server.
pub(crate) struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

/// An answer: status, `Set-Cookie` name=value pairs, body.
struct Answer {
    status: u16,
    cookies: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json<T: DeserializeOwned>(&self, call: &str) -> Result<T, Failure> {
        if self.status != 200 {
            return Err(fail(call, format!("HTTP {}", self.status)));
        }
        serde_json::from_str(&self.body).map_err(|_| fail(call, "unexpected answer"))
    }
}

impl Client {
    pub(crate) fn new(base: &str, token: Option<&str>) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .timeout_connect(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build();
        Client {
            // An IP-literal server (loopback) is found without ureq's lookup thread per
            // request: that thread would be the generator's CPU, not the server's.
            agent: ureq::Agent::with_parts(
                config,
                ureq::unversioned::transport::DefaultConnector::default(),
                uaf_phone::LiteralResolver::default(),
            ),
            base: String::from(base.trim_end_matches('/')),
            token: token.map(String::from),
        }
    }

    fn url(&self, p: &str) -> String {
        format!("{}/{p}", self.base)
    }

    fn read(
        call: &str,
        r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, Failure> {
        let mut r = r.map_err(|e| fail(call, transport(&e)))?;
        let cookies = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| {
                let text = v.to_str().ok()?;
                let pair = text.split(';').next()?;
                let (k, v) = pair.split_once('=')?;
                Some((k.trim().to_owned(), v.trim().to_owned()))
            })
            .collect();
        let status = r.status().as_u16();
        let body = r
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|e| fail(call, transport(&e)))?;
        Ok(Answer {
            status,
            cookies,
            body,
        })
    }

    fn post<B: Serialize>(
        &self,
        call: &str,
        p: &str,
        body: &B,
        cookie: Option<&str>,
        bearer: Option<&str>,
    ) -> Result<Answer, Failure> {
        let text = serde_json::to_string(body).map_err(|e| fail(call, e))?;
        let mut req = self
            .agent
            .post(&self.url(p))
            .header("Content-Type", "application/json");
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        if let Some(t) = bearer {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        Self::read(call, req.send(text))
    }

    fn get(&self, call: &str, p: &str, cookie: Option<&str>) -> Result<Answer, Failure> {
        let mut req = self.agent.get(&self.url(p));
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        Self::read(call, req.call())
    }

    /// `GET healthz`: the server is up.
    pub(crate) fn health(&self) -> Result<(), Failure> {
        let a = self.get("healthz", path::HEALTH, None)?;
        if a.status == 200 {
            Ok(())
        } else {
            Err(fail("healthz", format!("HTTP {}", a.status)))
        }
    }

    /// One full phone sign-in: the browser starts it, the phone lists it, signs it with the
    /// PIN and sends it, the browser sees it approved, completes it into a session and reads
    /// the session back. Six HTTP calls ([`SIGNIN_CALLS`]); every one timed under its kind,
    /// the whole as `signin` from `whole` (now, or when it was due in an open loop).
    pub(crate) fn phone_signin(
        &self,
        phone: &mut Phone,
        pin: &str,
        stats: &mut Stats,
        whole: Instant,
    ) -> Result<(), Failure> {
        let user = phone.username().to_owned();

        let t = Instant::now();
        let a = self.post(
            "signin.start",
            path::SIGNIN_START,
            &SignInStartRequest {
                username: user.clone(),
            },
            None,
            None,
        )?;
        let started: SignInStartAnswer = a.json("signin.start")?;
        let secret = a
            .cookie("uaf_signin")
            .ok_or_else(|| fail("signin.start", "no uaf_signin cookie"))?;
        let browser_cookie = format!("uaf_signin={secret}");
        stats.record("signin.start", t.elapsed());

        let t = Instant::now();
        let pending = phone
            .pending()
            .map_err(|e| phone_fail("phone.notifications", &e))?;
        stats.record("phone.notifications", t.elapsed());
        let n: Notification = pending
            .into_iter()
            .find(|n| n.attempt == started.attempt)
            .ok_or_else(|| fail("phone.notifications", "the attempt is not listed"))?;
        if n.match_code != started.match_code {
            return Err(fail("phone.notifications", "another match code"));
        }

        let t = Instant::now();
        let response = phone
            .sign(&n, pin)
            .map_err(|e| phone_fail("phone.sign", &e))?;
        stats.record("phone.sign (local)", t.elapsed());

        let t = Instant::now();
        phone
            .send_response(&n.attempt, &response)
            .map_err(|e| phone_fail("phone.respond", &e))?;
        stats.record("phone.respond", t.elapsed());

        let id_path = path::SIGNIN_STATUS.replace("{id}", &started.attempt);
        let t = Instant::now();
        let status: SignInStatus = self
            .get("signin.status", &id_path, Some(&browser_cookie))?
            .json("signin.status")?;
        if status.state != SignInState::Approved {
            return Err(fail(
                "signin.status",
                format!("{} instead of approved", status.state.as_str()),
            ));
        }
        stats.record("signin.status", t.elapsed());

        let t = Instant::now();
        let complete_path = path::SIGNIN_COMPLETE.replace("{id}", &started.attempt);
        let a = self.post(
            "signin.complete",
            &complete_path,
            &json!({}),
            Some(&browser_cookie),
            None,
        )?;
        let session: Session = a.json("signin.complete")?;
        let session_cookie = a
            .cookie("uaf_session")
            .map(|v| format!("uaf_session={v}"))
            .ok_or_else(|| fail("signin.complete", "no uaf_session cookie"))?;
        if session.username != user {
            return Err(fail("signin.complete", "a session of another account"));
        }
        stats.record("signin.complete", t.elapsed());

        let t = Instant::now();
        let me: Session = self
            .get("me", path::ME, Some(&session_cookie))?
            .json("me")?;
        if me.username != user {
            return Err(fail("me", "a session of another account"));
        }
        stats.record("me", t.elapsed());

        stats.record("signin", whole.elapsed());
        Ok(())
    }

    /// One bare conformance-API authentication: `POST get` (Auth for the phone's account),
    /// the phone signs, `POST respond` must answer 1200 ([`AUTH_CALLS`]). Timed as
    /// `conf.get`, `conf.respond` and the whole as `auth` from `whole` (now, or when it was
    /// due in an open loop).
    pub(crate) fn conformance_auth(
        &self,
        phone: &mut Phone,
        pin: &str,
        stats: &mut Stats,
        whole: Instant,
    ) -> Result<(), Failure> {
        let user = phone.username().to_owned();
        let context = json!({ "username": user }).to_string();
        let token = self.token.as_deref();

        let t = Instant::now();
        let a = self.post(
            "conf.get",
            path::CONFORMANCE_GET,
            &json!({ "op": "Auth", "context": context }),
            None,
            token,
        )?;
        let got: serde_json::Value = a.json("conf.get")?;
        let status = got.get("statusCode").and_then(serde_json::Value::as_u64);
        if status != Some(1200) {
            return Err(fail("conf.get", format!("statusCode {status:?}")));
        }
        let request = got
            .get("uafRequest")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| fail("conf.get", "no uafRequest"))?
            .to_owned();
        stats.record("conf.get", t.elapsed());

        let n = Notification {
            attempt: String::new(),
            uaf_request: request,
            site: String::new(),
            username: user,
            match_code: String::new(),
            created_at: 0,
            expires_at: 0,
            context: None,
        };
        let t = Instant::now();
        let response = phone
            .sign(&n, pin)
            .map_err(|e| phone_fail("phone.sign", &e))?;
        stats.record("phone.sign (local)", t.elapsed());

        let t = Instant::now();
        let a = self.post(
            "conf.respond",
            path::CONFORMANCE_RESPOND,
            &json!({ "uafResponse": response, "context": context }),
            None,
            token,
        )?;
        let answered: serde_json::Value = a.json("conf.respond")?;
        let status = answered
            .get("statusCode")
            .and_then(serde_json::Value::as_u64);
        if status != Some(1200) {
            return Err(fail("conf.respond", format!("statusCode {status:?}")));
        }
        stats.record("conf.respond", t.elapsed());
        stats.record("auth", whole.elapsed());
        Ok(())
    }
}

/// A transport error, shortened to its kind.
fn transport(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => String::from("timeout"),
        ureq::Error::Io(io) => format!("io {:?}", io.kind()),
        ureq::Error::ConnectionFailed => String::from("connection failed"),
        other => format!("transport: {other}"),
    }
}
