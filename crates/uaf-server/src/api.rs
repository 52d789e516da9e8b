//! The FIDO conformance server API (digest §2.13, §10.1) over [`uaf_rp::Service`], the trusted
//! facet list (digest §7.2) and the health check: the routes ([`routes`]) and their work as
//! plain synchronous functions that run on the blocking pool.
//!
//! The envelopes (`GetUAFRequest`, `SendUAFResponse`) are read by `uaf-proto`'s strict
//! parsers, not by `axum::Json`: their shapes are the spec's and a body that is not one is
//! answered HTTP 400 with `{"statusCode":1400,…}` (docs/server.md, "Endpoints").

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use subtle::ConstantTimeEq;
use uaf_proto::id::Aaid;
use uaf_proto::message::{
    GetUafRequest, Operation, ReturnUafRequest, SendUafResponse, ServerResponse, Transaction,
    TrustedFacetList, TrustedFacets, Version,
};
use uaf_proto::status::UafStatusCode;
use uaf_rp::store::CredentialStore;
use uaf_rp::{
    AuthenticationRequirements, DeregistrationTarget, Error, ParsedResponse, StatusCodeMode,
};
use uaf_signin_api::{ConformanceContext, Health, path};

use crate::net::UAF_RESPONSE_BODY_LIMIT;
use crate::reply::{Reply, blocking};
use crate::state::{App, Shared, fresh_rng};

/// A conformance API operation over a request body.
type Op = fn(&App, &[u8]) -> Reply;

/// The shortest conformance API token accepted.
pub(crate) const MIN_TOKEN_LEN: usize = 16;

/// Checks a conformance API token: at least [`MIN_TOKEN_LEN`] characters, all of them
/// unreserved in a URL path (`A-Z a-z 0-9 - _ . ~`), so it can be a path segment as it is.
pub(crate) fn check_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err(String::from(
            "the conformance API needs a secret: --conformance-api-token (or \
             UAF_SERVER_CONFORMANCE_API_TOKEN), e.g. `openssl rand -hex 16`",
        ));
    }
    if token.len() < MIN_TOKEN_LEN
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
    {
        return Err(format!(
            "the conformance API token must be at least {MIN_TOKEN_LEN} characters of \
             A-Z a-z 0-9 - _ . ~"
        ));
    }
    Ok(())
}

/// Whether `given` is the token (constant time in the contents).
fn token_matches(given: &str, token: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(token.as_bytes()))
}

/// The refusal of a conformance API call without the token.
fn no_token() -> Reply {
    tracing::warn!("conformance API call without its token refused");
    Reply::error(
        StatusCode::UNAUTHORIZED,
        "the conformance API token is missing or wrong",
    )
}

/// Whether the request's `Authorization: Bearer` is the token.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| token_matches(given.trim(), token))
}

/// The routes under `prefix`: the facet list and the health check always, the conformance
/// API when `conformance` (its token) is given: `POST get`, `POST respond` with the token as
/// a bearer token, and `POST conformance/<token>/get`, `…/respond` with it in the path.
pub(crate) fn routes(prefix: &str, conformance: Option<Arc<str>>) -> Router<Shared> {
    let mut router = Router::new()
        .route(&format!("{prefix}{}", path::FACETS), get(facets_json))
        .route(&format!("{prefix}{}", path::HEALTH), get(healthz));
    if let Some(token) = conformance {
        tracing::warn!(
            "the FIDO conformance server API is on: whoever holds its token can register a key \
             for any user name (and then sign in as that user) and deregister any user's keys; \
             without the token that would be anyone who can reach the server. Keep the token \
             secret and use the API for test deployments only"
        );
        let ops: [(&str, Op); 2] = [
            (path::CONFORMANCE_GET, App::get),
            (path::CONFORMANCE_RESPOND, App::respond),
        ];
        // A UAF response: sized to the largest legal one (`UAF_RESPONSE_BODY_LIMIT`); a
        // request envelope keeps the server's small default.
        let sized = |m: MethodRouter<Shared>, name: &str| {
            if name == path::CONFORMANCE_RESPOND {
                m.layer(DefaultBodyLimit::max(UAF_RESPONSE_BODY_LIMIT))
            } else {
                m
            }
        };
        for (name, op) in ops {
            let t = Arc::clone(&token);
            let by_bearer = post(
                move |State(app): State<Shared>, headers: HeaderMap, body: Bytes| async move {
                    if !bearer_matches(&headers, &t) {
                        return no_token();
                    }
                    blocking(app, move |a| op(a, &body)).await
                },
            );
            router = router.route(&format!("{prefix}{name}"), sized(by_bearer, name));
            let t = Arc::clone(&token);
            let by_path = post(
                move |State(app): State<Shared>, Path(given): Path<String>, body: Bytes| async move {
                    if !token_matches(&given, &t) {
                        return no_token();
                    }
                    blocking(app, move |a| op(a, &body)).await
                },
            );
            router = router.route(
                &format!("{prefix}conformance/{{token}}/{name}"),
                sized(by_path, name),
            );
        }
    }
    router
}

async fn healthz(State(app): State<Shared>) -> Reply {
    blocking(app, App::health).await
}

async fn facets_json(State(app): State<Shared>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, TrustedFacetList::CONTENT_TYPE),
            // Clients may cache the list (digest §7.3 step 9); it changes only on restart.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        app.facets_json.clone(),
    )
        .into_response()
}

/// The envelope `T` of an endpoint, read from `body` by its strict parser; anything else is
/// HTTP 400 (with UAF status 1400 all the same).
fn envelope<T, E>(body: &[u8], parse: fn(&str) -> Result<T, E>, what: &str) -> Result<T, Reply> {
    core::str::from_utf8(body)
        .ok()
        .and_then(|t| parse(t).ok())
        .ok_or_else(|| {
            let mut r = ServerResponse::with_status(UafStatusCode::BadRequest);
            r.description = Some(format!("the body is not {what} JSON object"));
            Reply::json(StatusCode::BAD_REQUEST, &r)
        })
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

/// HTTP 200 with a UAF status only (and a description).
fn status_only(status: UafStatusCode, description: Option<String>) -> Reply {
    let mut r = ServerResponse::with_status(status);
    r.description = description;
    Reply::ok(&r)
}

/// The `context` JSON text of `/get` (absent: an empty context).
fn parse_context(text: Option<&str>) -> Result<ConformanceContext, String> {
    match text {
        None => Ok(ConformanceContext::default()),
        Some(t) => serde_json::from_str(t).map_err(|e| format!("context: {e}")),
    }
}

impl App {
    fn rejected(&self, e: &Error) -> Reply {
        let status = e.status(self.mode).value();
        tracing::debug!(status, error = %e, "rejected");
        // The specific mode says why; the conformance mode answers only the code.
        let description = match self.mode {
            StatusCodeMode::Specific => Some(e.to_string()),
            _ => None,
        };
        status_only(UafStatusCode::from_value(status), description)
    }

    fn bad_request(&self, why: String) -> Reply {
        tracing::debug!(why, "bad /get context");
        status_only(UafStatusCode::BadRequest, Some(why))
    }

    /// `POST /get`: `{op, context}` → `{statusCode, uafRequest, op, lifetimeMillis}`.
    pub(crate) fn get(&self, body: &[u8]) -> Reply {
        let envelope = match envelope(body, GetUafRequest::parse, "a GetUAFRequest") {
            Ok(e) => e,
            Err(r) => return r,
        };
        let Some(op) = envelope.op else {
            return self.bad_request(String::from("op is missing"));
        };
        let ctx = match parse_context(envelope.context.as_deref()) {
            Ok(c) => c,
            Err(why) => return self.bad_request(why),
        };
        let mut rng = match fresh_rng() {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "no OS randomness");
                return status_only(UafStatusCode::InternalServerError, None);
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
                Reply::ok(&answer)
            }
            Err(e) => self.rejected(&e),
        }
    }

    /// Deregistration (digest §3.5, §10.2 Server-Dereg-Req-4): `deregisterAll` → one
    /// `{aaid: "", keyID: ""}` entry, `deregisterAAID` → `{aaid, keyID: ""}`, neither → one
    /// `{aaid, keyID}` entry per key of the user. The user's matching records are deleted now.
    fn deregister(
        &self,
        user: &str,
        ctx: &ConformanceContext,
    ) -> Result<Result<String, Error>, Reply> {
        if ctx.deregister_all == Some(true) {
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
                return Err(status_only(UafStatusCode::InternalServerError, None));
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
                    return Err(status_only(UafStatusCode::InternalServerError, None));
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
    pub(crate) fn respond(&self, body: &[u8]) -> Reply {
        let envelope = match envelope(body, SendUafResponse::parse, "a SendUAFResponse") {
            Ok(e) => e,
            Err(r) => return r,
        };
        // One strict parse (uaf-rp's): its operation picks the verifier, and the typed message
        // is what is verified.
        let now = self.now();
        let result = self
            .service
            .parse_response(&envelope.uaf_response)
            .and_then(|parsed| match parsed {
                ParsedResponse::Registration(m) => self
                    .service
                    .finish_registration_message(&m, now)
                    .map(|o| (Operation::Reg, o.registered.len())),
                // The challenge taken and the counters advanced in one transaction.
                ParsedResponse::Authentication(m) => self
                    .service
                    .finish_authentication_message_committing(
                        &m,
                        now,
                        &AuthenticationRequirements::new(),
                        &self.stores.authentication_writes,
                    )
                    .map(|o| (Operation::Auth, o.keys.len())),
            });
        match result {
            Ok((op, keys)) => {
                tracing::debug!(?op, keys, "accepted");
                status_only(UafStatusCode::Ok, None)
            }
            Err(e) => self.rejected(&e),
        }
    }

    /// `GET /healthz`: the database accepts a write (a cheap write transaction,
    /// [`crate::Backend::probe_write`]); 503 when it does not (read-only, disk full, gone).
    pub(crate) fn health(&self) -> Reply {
        match self.stores.backend.probe_write() {
            Ok(()) => Reply::ok(&Health {
                status: String::from("ok"),
            }),
            Err(e) => {
                tracing::error!(error = %e, "health check");
                Reply::json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &Health {
                        status: String::from("database does not accept writes"),
                    },
                )
            }
        }
    }
}
