//! The FIDO conformance server API (digest §2.13, §10.1) over [`uaf_rp::Service`], the trusted
//! facet list (digest §7.2) and the health check, as plain synchronous functions: the HTTP
//! layer ([`crate::Server`]) runs them on the blocking pool.

use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Map, Value};
use uaf_metadata::MetadataIndex;
use uaf_proto::id::Aaid;
use uaf_proto::message::{
    GetUafRequest, Operation, ReturnUafRequest, SendUafResponse, ServerResponse, Transaction,
    TrustedFacetList, TrustedFacets, Version,
};
use uaf_proto::status::UafStatusCode;
use uaf_rp::store::CredentialStore;
use uaf_rp::{
    DeregistrationTarget, Error, PendingAuthentication, PendingRegistration, Service,
    StatusCodeMode,
};

use crate::store::{AnyCredentialStore, AnyPendingStore, Clock, Database};

/// The relying party with the stores of its database (SQLite or PostgreSQL).
pub(crate) type AppService = Service<
    MetadataIndex,
    AnyCredentialStore,
    AnyPendingStore<PendingRegistration>,
    AnyPendingStore<PendingAuthentication>,
>;

/// An answer: HTTP status and JSON body.
pub(crate) struct Answer {
    pub(crate) http: u16,
    pub(crate) body: String,
}

impl Answer {
    fn ok(body: String) -> Answer {
        Answer { http: 200, body }
    }

    /// HTTP 400: the body is not the envelope of the endpoint.
    fn not_envelope(what: &str) -> Answer {
        let mut r = ServerResponse::with_status(UafStatusCode::BadRequest);
        r.description = Some(format!("the body is not {what}"));
        Answer {
            http: 400,
            body: r.to_json(),
        }
    }
}

/// Everything the handlers share.
pub(crate) struct App {
    pub(crate) service: AppService,
    pub(crate) database: Database,
    pub(crate) mode: StatusCodeMode,
    pub(crate) clock: Clock,
    pub(crate) facets_json: String,
}

/// The trusted facet list of `facets`, published as version `{1,0}` (what clients select; the
/// FIDO conformance maintainers' ruling, digest §7.3 step 5) and an identical `{1,1}` entry.
pub(crate) fn facet_list(facets: &[String]) -> TrustedFacetList {
    TrustedFacetList {
        trusted_facets: [Version::new(1, 0), Version::new(1, 1)]
            .into_iter()
            .map(|version| TrustedFacets {
                version,
                ids: facets.to_vec(),
            })
            .collect(),
    }
}

fn status_only(status: u16, description: Option<String>) -> Answer {
    let mut r = ServerResponse::with_status(UafStatusCode::from_value(status));
    r.description = description;
    Answer::ok(r.to_json())
}

/// What `/get` was asked, from the `context` JSON string.
struct Context {
    username: Option<String>,
    transaction: Option<String>,
    deregister_aaid: Option<String>,
    deregister_all: bool,
}

impl Context {
    fn parse(text: Option<&str>) -> Result<Context, String> {
        let map = match text {
            None => Map::new(),
            Some(t) => match serde_json::from_str::<Value>(t) {
                Ok(Value::Object(m)) => m,
                _ => return Err(String::from("context is not a JSON object text")),
            },
        };
        let string = |name: &str| -> Result<Option<String>, String> {
            match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("context.{name} is not a string")),
            }
        };
        Ok(Context {
            username: string("username")?,
            transaction: string("transaction")?,
            deregister_aaid: string("deregisterAAID")?,
            deregister_all: match map.get("deregisterAll") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(String::from("context.deregisterAll is not a boolean")),
            },
        })
    }
}

impl App {
    fn now(&self) -> u64 {
        (self.clock)()
    }

    fn rejected(&self, e: &Error) -> Answer {
        let status = e.status(self.mode).value();
        tracing::debug!(status, error = %e, "rejected");
        // The specific mode says why; the conformance mode answers only the code.
        let description = match self.mode {
            StatusCodeMode::Specific => Some(e.to_string()),
            _ => None,
        };
        status_only(status, description)
    }

    fn bad_request(&self, why: String) -> Answer {
        tracing::debug!(why, "bad /get context");
        status_only(UafStatusCode::BadRequest.value(), Some(why))
    }

    /// `POST /get`: `{op, context}` → `{statusCode, uafRequest, op, lifetimeMillis}`.
    pub(crate) fn get(&self, body: &[u8]) -> Answer {
        let Some(envelope) = core::str::from_utf8(body)
            .ok()
            .and_then(|t| GetUafRequest::parse(t).ok())
        else {
            return Answer::not_envelope("a GetUAFRequest JSON object");
        };
        let Some(op) = envelope.op else {
            return self.bad_request(String::from("op is missing"));
        };
        let ctx = match Context::parse(envelope.context.as_deref()) {
            Ok(c) => c,
            Err(why) => return self.bad_request(why),
        };
        let mut rng = match fresh_rng() {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "no OS randomness");
                return status_only(UafStatusCode::InternalServerError.value(), None);
            }
        };
        let now = self.now();
        let made = match op {
            Operation::Reg => {
                let Some(user) = ctx.username.as_deref() else {
                    return self.bad_request(String::from("context.username is missing"));
                };
                self.service.start_registration(user, now, &mut rng)
            }
            Operation::Auth => {
                let transaction = match ctx.transaction.as_deref().map(Transaction::text) {
                    None => Vec::new(),
                    Some(Ok(t)) => vec![t],
                    Some(Err(e)) => return self.bad_request(format!("context.transaction: {e}")),
                };
                self.service.start_authentication(
                    ctx.username.as_deref(),
                    transaction,
                    now,
                    &mut rng,
                )
            }
            Operation::Dereg => {
                let Some(user) = ctx.username.as_deref() else {
                    return self.bad_request(String::from("context.username is missing"));
                };
                match self.deregister(user, &ctx) {
                    Ok(r) => r,
                    Err(answer) => return answer,
                }
            }
        };
        match made {
            Ok(request) => {
                tracing::debug!(op = ?op, "issued");
                let lifetime = self
                    .service
                    .relying_party()
                    .config()
                    .challenge_ttl_secs()
                    .saturating_mul(1000);
                let answer = ReturnUafRequest {
                    status_code: u32::from(UafStatusCode::Ok.value()),
                    uaf_request: Some(request),
                    op: Some(op),
                    lifetime_millis: match op {
                        Operation::Dereg => None,
                        _ => i32::try_from(lifetime).ok(),
                    },
                };
                Answer::ok(answer.to_json())
            }
            Err(e) => self.rejected(&e),
        }
    }

    /// Deregistration (digest §3.5, §10.2 Server-Dereg-Req-4): `deregisterAll` → one
    /// `{aaid: "", keyID: ""}` entry, `deregisterAAID` → `{aaid, keyID: ""}`, neither → one
    /// `{aaid, keyID}` entry per key of the user. The user's matching records are deleted now.
    fn deregister(&self, user: &str, ctx: &Context) -> Result<Result<String, Error>, Answer> {
        if ctx.deregister_all {
            return Ok(self.service.deregister(user, &DeregistrationTarget::All));
        }
        if let Some(a) = &ctx.deregister_aaid {
            let aaid = Aaid::parse(a)
                .map_err(|e| self.bad_request(format!("context.deregisterAAID: {e}")))?;
            return Ok(self
                .service
                .deregister(user, &DeregistrationTarget::Aaid(aaid)));
        }
        let regs = match self.service.credentials().list_by_user(user) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "storage");
                return Err(status_only(
                    UafStatusCode::InternalServerError.value(),
                    None,
                ));
            }
        };
        let rp = self.service.relying_party();
        let mut merged: Option<uaf_proto::message::DeregistrationRequest> = None;
        for r in &regs {
            let target = DeregistrationTarget::Key {
                aaid: r.aaid,
                key_id: r.key_id.clone(),
            };
            let d = match rp.deregistration_request(&target, &regs) {
                Ok(d) => d,
                Err(e) => return Ok(Err(e)),
            };
            for (aaid, key_id) in &d.delete {
                if let Err(e) = self.service.credentials().delete(aaid, key_id.as_bytes()) {
                    tracing::error!(error = %e, "storage");
                    return Err(status_only(
                        UafStatusCode::InternalServerError.value(),
                        None,
                    ));
                }
            }
            match &mut merged {
                None => merged = Some(d.request),
                Some(m) => m.authenticators.extend(d.request.authenticators),
            }
        }
        match merged {
            Some(m) => Ok(Ok(m.to_json())),
            // No keys: the relying party's own answer (UnknownKeyId).
            None => Ok(self.service.deregister(user, &DeregistrationTarget::All)),
        }
    }

    /// `POST /respond`: `{uafResponse, context}` → `{statusCode}`. The outcome is applied:
    /// registrations inserted, counters compared-and-swapped.
    pub(crate) fn respond(&self, body: &[u8]) -> Answer {
        let Some(envelope) = core::str::from_utf8(body)
            .ok()
            .and_then(|t| SendUafResponse::parse(t).ok())
        else {
            return Answer::not_envelope("a SendUAFResponse JSON object");
        };
        let response = envelope.uaf_response.as_str();
        // Which verifier: the first message's header.op; anything else is judged (and
        // rejected) as a registration response.
        let op = serde_json::from_str::<Value>(response).ok().and_then(|v| {
            v.get(0)?
                .get("header")?
                .get("op")?
                .as_str()
                .map(str::to_owned)
        });
        let now = self.now();
        let result = if op.as_deref() == Some("Auth") {
            self.service
                .finish_authentication(response, now)
                .map(|o| o.keys.len())
        } else {
            self.service
                .finish_registration(response, now)
                .map(|o| o.registered.len())
        };
        match result {
            Ok(keys) => {
                tracing::debug!(op = op.as_deref().unwrap_or(""), keys, "accepted");
                status_only(UafStatusCode::Ok.value(), None)
            }
            Err(e) => self.rejected(&e),
        }
    }

    /// `GET /healthz`: the database answers.
    pub(crate) fn health(&self) -> Answer {
        match self.database.ping() {
            Ok(()) => Answer::ok(String::from("{\"status\":\"ok\"}")),
            Err(e) => {
                tracing::error!(error = %e, "health check");
                Answer {
                    http: 503,
                    body: String::from("{\"status\":\"database unavailable\"}"),
                }
            }
        }
    }
}

/// A generator seeded from the operating system for one request.
fn fresh_rng() -> Result<ChaCha20Rng, getrandom::Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    Ok(ChaCha20Rng::from_seed(seed))
}

/// Shared by the handlers.
pub(crate) type Shared = Arc<App>;
