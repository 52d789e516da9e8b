//! Runs one vector through `uaf-rp` and judges the result against its `expect` block.
//!
//! The relying party is configured from the vector's `rp` block ([`config`]), its metadata
//! index from `metadata` ([`metadata_index`]) and its stored registrations from
//! `registrations`. For `Reg` and `Auth` the pending state is rebuilt from the recorded
//! request ([`uaf_rp::PendingRegistration::from_issued`]); a request that the message schema
//! rejects could not have been issued, so the vector then fails at `REQ-01` (digest §3.4).
//! `expect.replay_status` is checked with [`uaf_rp::Service`], which takes the pending state
//! by `serverData` and so answers a second submission with 1491.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::Value;
use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::assertion::AssertionKind;
use uaf_proto::b64::Base64Policy;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{
    AuthenticationRequest, ChannelBinding, DecodeOptions, DeregisterAuthenticator,
    DeregistrationRequest, RegistrationRequest, Version,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_rp::counter::CounterPolicy;
use uaf_rp::step::StepId;
use uaf_rp::store::{CredentialStore, MemoryCredentialStore, MemoryPendingStore, PendingStore};
use uaf_rp::{
    AttestationRequirement, AuthenticatedKey, Compat, Config, DeregistrationTarget, Error,
    ErrorKind, PendingAuthentication, PendingRegistration, Registration, RelyingParty,
    RelyingPartyBuilder, Service, StatusCodeMode, UserVerificationRequirement,
};

use crate::vector::{
    AttestationMode, Base64Mode, CounterMode, DeletedKey, ExpectedKey, Op, RpSettings, StatusCodes,
    StoredRegistration, UvMode, Vector, VectorError,
};

/// Where a rejected vector failed: the decisive step and the error kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The step that decides the status ([`Error::decisive_step`]).
    pub step: StepId,
    /// The digest §3 label of the first failing step ([`step_label`]), as `expect.step`
    /// names it.
    pub label: String,
    /// The step of the error itself ([`Error::step`]): R6 / A6 when every assertion was
    /// skipped, else the same as [`Failure::step`].
    pub outer_step: StepId,
    /// The error kind code ([`ErrorKind::code`]), as in `expect.error`.
    pub code: &'static str,
    /// The error, readable.
    pub message: String,
}

impl Failure {
    fn of(e: &Error) -> Failure {
        Failure {
            step: e.decisive_step(),
            label: step_label(e),
            outer_step: e.step,
            code: e.kind.code(),
            message: e.to_string(),
        }
    }
}

/// The label `expect.step` uses for a failure at `step`, before looking at the error: the
/// step's digest label, except that the message-level checks of Auth carry the registration
/// labels (`R1.1`–`R4.4`: the digest's A1–A4 are "identical to R1–R4"), and `AUTH-14`, which
/// covers both A5.2 and A5.3, is `A5.2` (see [`step_label`] for when it is `A5.3`).
#[must_use]
pub fn default_label(step: StepId) -> String {
    let label = step.digest_label();
    if step == StepId::AuthTlv {
        return String::from("A5.2");
    }
    let message_level = matches!(
        step,
        StepId::AuthParse
            | StepId::AuthMembers
            | StepId::AuthVersion
            | StepId::AuthOp
            | StepId::AuthHeaderAppId
            | StepId::AuthHeaderExts
            | StepId::AuthServerData
            | StepId::AuthFcParams
            | StepId::AuthFcAppId
            | StepId::AuthChallenge
            | StepId::AuthFacet
            | StepId::AuthChannelBinding
    );
    match label.strip_prefix('A') {
        Some(rest) if message_level => alloc::format!("R{rest}"),
        _ => String::from(label),
    }
}

/// The digest §3 label of the first failing step of a rejection (the format's "Step" rule):
/// the decisive error's step ([`Error::decisive_step`]: with several assertions and none
/// verifying, the first assertion's), labelled as [`default_label`] says, except that a
/// malformed authentication assertion at `AUTH-14` takes the label of `uaf-proto`'s table of
/// that rule ([`AssertionError::digest_step`]: `A5.3` for a SignedData member that is
/// missing, repeated, empty or malformed, `A5.2` for the framing).
#[must_use]
pub fn step_label(e: &Error) -> String {
    let mut decisive = e;
    while let ErrorKind::NoAssertionVerified { first, .. } = &decisive.kind {
        decisive = first;
    }
    match (&decisive.kind, decisive.step) {
        (ErrorKind::Assertion(a), StepId::AuthTlv) => {
            String::from(a.digest_step(AssertionKind::Auth))
        }
        (_, step) => default_label(step),
    }
}

/// What the relying party did with a vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The UAF status code answered.
    pub status: u16,
    /// Why it was rejected (`None` on success).
    pub failure: Option<Failure>,
    /// The status of the replayed response, when `expect.replay_status` asked for one.
    pub replay_status: Option<u16>,
    /// Reg/RegAssertion success: the records stored, in response order.
    pub registered: Vec<ExpectedKey>,
    /// Auth/AuthAssertion success: the stored counter of the first verified key afterwards.
    pub sign_counter: Option<u32>,
    /// Dereg: the records deleted.
    pub deleted: Vec<DeletedKey>,
}

impl Outcome {
    fn success() -> Self {
        Outcome {
            status: 1200,
            failure: None,
            replay_status: None,
            registered: Vec::new(),
            sign_counter: None,
            deleted: Vec::new(),
        }
    }

    fn rejected(e: &Error, mode: StatusCodeMode) -> Self {
        Outcome {
            status: e.status(mode).value(),
            failure: Some(Failure::of(e)),
            ..Outcome::success()
        }
    }
}

/// The judgement of one vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judged {
    /// What happened.
    pub outcome: Outcome,
    /// Every way the outcome differs from `expect`; empty means the vector passed.
    pub mismatches: Vec<String>,
}

impl Judged {
    /// Whether the vector passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Runs `vector` and compares the outcome with its `expect` block.
///
/// # Errors
/// [`VectorError`] when the vector cannot be run as written: invalid metadata, an unknown
/// compatibility name, a registration that does not load, a configuration `uaf-rp` refuses.
pub fn run(vector: &Vector) -> Result<Judged, VectorError> {
    let outcome = execute(vector)?;
    let mismatches = compare(vector, &outcome)?;
    Ok(Judged {
        outcome,
        mismatches,
    })
}

/// Builds the relying-party configuration of an `rp` block.
///
/// # Errors
/// [`VectorError`] at `rp.compat[i]` for an unknown relaxation, or at `rp` for a setting
/// `uaf-rp` refuses (e.g. an empty trusted facet; every non-empty one loads).
pub fn config(rp: &RpSettings) -> Result<Config, VectorError> {
    builder(rp)?
        .build()
        .map_err(|e| VectorError::new("rp", alloc::format!("uaf-rp refuses it: {e}")))
}

/// The [`RelyingPartyBuilder`] of an `rp` block (the generator adds a request policy).
///
/// # Errors
/// [`VectorError`] at `rp.compat[i]` for an unknown relaxation.
pub fn builder(rp: &RpSettings) -> Result<RelyingPartyBuilder, VectorError> {
    let mut b = RelyingPartyBuilder::new(rp.app_id.clone());
    if let Some(f) = &rp.trusted_facets {
        b = b.trusted_facets(f.iter().cloned());
    }
    if let Some(upv) = &rp.upv {
        b = b.versions(
            upv.iter()
                .map(|u| Version::new(u.major, u.minor))
                .collect::<Vec<_>>(),
        );
    } else {
        // The format's default: 1.0 and 1.1 (a response must still carry the request's).
        b = b.versions(alloc::vec![Version::V1_1, Version::V1_0]);
    }
    if let Some(ttl) = rp.challenge_ttl_s {
        b = b.challenge_ttl_secs(ttl);
    }
    b = b.status_codes(match rp.status_codes {
        Some(StatusCodes::Conformance) => StatusCodeMode::Conformance,
        Some(StatusCodes::Specific) | None => StatusCodeMode::Specific,
    });
    b = b.danger_lenient_base64(rp.base64 == Some(Base64Mode::Lenient));
    b = b.danger_legacy_certificates(rp.legacy_certificates.unwrap_or(false));
    b = b.counter_policy(match rp.counter {
        Some(CounterMode::FlagOnly) => CounterPolicy::FlagOnly,
        Some(CounterMode::RejectRegression) | None => CounterPolicy::RejectRegression,
    });
    if let Some(algs) = &rp.accept_algorithms {
        b = b.accept_algorithms(
            algs.iter()
                .map(|a| AlgSign::from_value(*a))
                .collect::<Vec<_>>(),
        );
    }
    b = b.attestation(match rp.attestation {
        Some(AttestationMode::BasicFullOnly) => AttestationRequirement::BasicFullOnly,
        Some(AttestationMode::Required) | None => AttestationRequirement::Required,
    });
    b = b.user_verification(match rp.user_verification {
        Some(UvMode::Any) => UserVerificationRequirement::Any,
        Some(UvMode::Required) | None => UserVerificationRequirement::Required,
    });
    if let Some(cb) = &rp.channel_binding {
        b = b.channel_binding(ChannelBinding {
            server_end_point: cb.server_end_point.clone(),
            tls_server_certificate: cb.tls_server_certificate.clone(),
            tls_unique: cb.tls_unique.clone(),
            cid_pubkey: cb.cid_pubkey.clone(),
        });
    }
    let mut compat = Compat::default();
    for (i, name) in rp.compat.iter().enumerate() {
        compat
            .enable(name)
            .map_err(|e| VectorError::new(alloc::format!("rp.compat[{i}]"), e.to_string()))?;
    }
    Ok(b.compat(compat))
}

/// Loads the `metadata` entries into an index.
///
/// # Errors
/// [`VectorError`] at `metadata[i]` for an entry that is not a valid statement or BLOB
/// entry, or that repeats an AAID.
pub fn metadata_index(entries: &[Value]) -> Result<MetadataIndex, VectorError> {
    let mut index = MetadataIndex::new();
    for (i, v) in entries.iter().enumerate() {
        let field = alloc::format!("metadata[{i}]");
        let entry = MetadataEntry::from_json(&v.to_string())
            .map_err(|e| VectorError::new(field.clone(), e.to_string()))?;
        index
            .insert(entry)
            .map_err(|e| VectorError::new(field, e.to_string()))?;
    }
    Ok(index)
}

fn b64_field(text: &str, field: String) -> Result<Vec<u8>, VectorError> {
    Base64Policy::Strict
        .decode(text)
        .map_err(|e| VectorError::new(field, alloc::format!("not base64url: {e}")))
}

/// Loads the `registrations` entries as `uaf-rp` records.
///
/// # Errors
/// [`VectorError`] at `registrations[i].<field>` for a malformed AAID, KeyID (1..=2048
/// bytes of base64url) or public key.
pub fn registrations(list: &[StoredRegistration]) -> Result<Vec<Registration>, VectorError> {
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let field = |name: &str| alloc::format!("registrations[{i}].{name}");
        let aaid =
            Aaid::parse(&r.aaid).map_err(|e| VectorError::new(field("aaid"), e.to_string()))?;
        let key_id = KeyId::from_stored(b64_field(&r.key_id, field("key_id"))?)
            .map_err(|e| VectorError::new(field("key_id"), e.to_string()))?;
        out.push(Registration {
            username: r.username.clone(),
            aaid,
            key_id,
            public_key: b64_field(&r.public_key, field("public_key"))?,
            public_key_encoding: AlgKey::from_value(r.public_key_encoding),
            sign_alg: AlgSign::from_value(r.sign_alg),
            sign_counter: r.sign_counter,
            // Not part of the format; not used when verifying an authentication.
            authenticator_version: 0,
            attestation_type: AttestationType::BasicFull,
            registered_at: 0,
        });
    }
    Ok(out)
}

/// The record `r` as an `expect.registered` entry.
#[must_use]
pub fn expected_key(r: &Registration) -> ExpectedKey {
    ExpectedKey {
        aaid: r.aaid.as_str().to_string(),
        key_id: r.key_id.to_base64url(),
        public_key: uaf_proto::b64::encode(&r.public_key),
        public_key_encoding: r.public_key_encoding.value(),
        sign_alg: r.sign_alg.value(),
        sign_counter: r.sign_counter,
    }
}

fn stored_counter_after(k: &AuthenticatedKey) -> u32 {
    k.counter_update
        .map_or(k.registration.sign_counter, |u| u.new)
}

/// The request as text for the `uaf-proto` decoder.
fn request_text(v: &Vector) -> String {
    v.request.as_ref().map(Value::to_string).unwrap_or_default()
}

/// The `upv` of the response's first message, if the response is JSON of that shape: picks
/// the request message (one per version) that the response answers.
fn response_upv(response: &str) -> Option<Version> {
    let v: Value = serde_json::from_str(response).ok()?;
    let upv = v.get(0)?.get("header")?.get("upv")?;
    let major = u16::try_from(upv.get("major")?.as_u64()?).ok()?;
    let minor = u16::try_from(upv.get("minor")?.as_u64()?).ok()?;
    Some(Version::new(major, minor))
}

fn pick<T>(mut list: Vec<T>, upv: Option<Version>, of: impl Fn(&T) -> Version) -> Option<T> {
    let pos = upv
        .and_then(|u| list.iter().position(|r| of(r) == u))
        .unwrap_or(0);
    if pos < list.len() {
        Some(list.swap_remove(pos))
    } else {
        None
    }
}

/// REQ-01: a recorded request the schema rejects.
fn request_error(e: uaf_proto::message::MessageError) -> Error {
    Error::new(StepId::RequestGeneration, ErrorKind::Message(e))
}

fn execute(v: &Vector) -> Result<Outcome, VectorError> {
    let cfg = config(&v.rp)?;
    let mode = cfg.status_codes();
    let index = metadata_index(&v.metadata)?;
    let regs = registrations(&v.registrations)?;
    let now = v.rp.now;
    let issued_at = v.rp.issued_at.unwrap_or(now);
    let response = v.response.as_deref().unwrap_or_default();
    let rp = RelyingParty::new(cfg.clone(), index.clone());
    let strict = DecodeOptions::new();
    Ok(match v.op {
        Op::Reg => {
            let pending = match RegistrationRequest::parse_array(&request_text(v), &strict) {
                Err(e) => return Ok(Outcome::rejected(&request_error(e), mode)),
                Ok(list) => pick(list, response_upv(response), |r| r.header.upv)
                    .map(|r| PendingRegistration::from_issued(r, issued_at)),
            };
            let Some(pending) = pending else {
                return Err(VectorError::new("request", "an empty request array"));
            };
            let mut out = match rp.finish_registration(response, pending.clone(), &regs, now) {
                Ok(o) => Outcome {
                    registered: o.registrations().map(expected_key).collect(),
                    ..Outcome::success()
                },
                Err(e) => Outcome::rejected(&e, mode),
            };
            if v.expect.replay_status.is_some() {
                let pr = MemoryPendingStore::new();
                let key = pending
                    .server_data()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec();
                pr.put(&key, pending).map_err(|_| {
                    VectorError::new("request", "the pending store refused the request")
                })?;
                let svc = Service::new(
                    RelyingParty::new(cfg.clone(), index.clone()),
                    credential_store(&regs),
                    pr,
                    MemoryPendingStore::<PendingAuthentication>::new(),
                );
                let _first = svc.finish_registration(response, now);
                out.replay_status = Some(status_of(svc.finish_registration(response, now), mode));
            }
            out
        }
        Op::Auth => {
            let pending = match AuthenticationRequest::parse_array(&request_text(v), &strict) {
                Err(e) => return Ok(Outcome::rejected(&request_error(e), mode)),
                Ok(list) => pick(list, response_upv(response), |r| r.header.upv).map(|r| {
                    PendingAuthentication::from_issued(r, v.rp.username.clone(), issued_at)
                }),
            };
            let Some(pending) = pending else {
                return Err(VectorError::new("request", "an empty request array"));
            };
            let mut out = match rp.finish_authentication(response, pending.clone(), &regs, now) {
                Ok(o) => Outcome {
                    sign_counter: o.keys.first().map(stored_counter_after),
                    ..Outcome::success()
                },
                Err(e) => Outcome::rejected(&e, mode),
            };
            if v.expect.replay_status.is_some() {
                let pa = MemoryPendingStore::new();
                let key = pending
                    .server_data()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec();
                pa.put(&key, pending).map_err(|_| {
                    VectorError::new("request", "the pending store refused the request")
                })?;
                let svc = Service::new(
                    RelyingParty::new(cfg.clone(), index.clone()),
                    credential_store(&regs),
                    MemoryPendingStore::<PendingRegistration>::new(),
                    pa,
                );
                let _first = svc.finish_authentication(response, now);
                out.replay_status = Some(status_of(svc.finish_authentication(response, now), mode));
            }
            out
        }
        Op::RegAssertion => {
            let text = v.assertion.as_deref().unwrap_or_default();
            let username = v.rp.username.as_deref().unwrap_or("conformance");
            let result = cfg
                .base64()
                .decode(text)
                .map_err(|e| Error::new(StepId::RegTlv, ErrorKind::AssertionBase64(e)))
                .and_then(|tlv| {
                    rp.verify_registration_assertion_unbound(&tlv, username, &regs, now)
                });
            match result {
                Ok(k) => Outcome {
                    registered: alloc::vec![expected_key(&k.registration)],
                    ..Outcome::success()
                },
                Err(e) => Outcome::rejected(&e, mode),
            }
        }
        Op::AuthAssertion => {
            let text = v.assertion.as_deref().unwrap_or_default();
            let result = cfg
                .base64()
                .decode(text)
                .map_err(|e| Error::new(StepId::AuthTlv, ErrorKind::AssertionBase64(e)))
                .and_then(|tlv| rp.verify_authentication_assertion_unbound(&tlv, &regs));
            match result {
                Ok(k) => Outcome {
                    sign_counter: Some(stored_counter_after(&k)),
                    ..Outcome::success()
                },
                Err(e) => Outcome::rejected(&e, mode),
            }
        }
        Op::Dereg => deregister(v, &rp, &regs, mode),
    })
}

/// A credential store holding `regs`.
fn credential_store(regs: &[Registration]) -> MemoryCredentialStore {
    let creds = MemoryCredentialStore::new();
    for r in regs {
        // In-memory stores cannot fail; a duplicate (AAID, KeyID) keeps the first record,
        // as the verifier's own lookup does.
        let _ = creds.insert_unique(r.clone());
    }
    creds
}

fn status_of<T>(r: Result<T, Error>, mode: StatusCodeMode) -> u16 {
    match r {
        Ok(_) => 1200,
        Err(e) => e.status(mode).value(),
    }
}

/// The `Dereg` extension: the deletions the server makes for the recorded request.
fn deregister(
    v: &Vector,
    rp: &RelyingParty<MetadataIndex>,
    regs: &[Registration],
    mode: StatusCodeMode,
) -> Outcome {
    let list = match DeregistrationRequest::parse_array(&request_text(v), &DecodeOptions::new()) {
        Ok(list) => list,
        Err(e) => return Outcome::rejected(&request_error(e), mode),
    };
    let user = v.rp.username.as_deref().unwrap_or_default();
    let mine: Vec<Registration> = regs
        .iter()
        .filter(|r| r.username == user)
        .cloned()
        .collect();
    let mut deleted = Vec::new();
    for request in &list {
        for entry in &request.authenticators {
            let target = match entry {
                DeregisterAuthenticator::Key { aaid, key_id } => DeregistrationTarget::Key {
                    aaid: *aaid,
                    key_id: key_id.clone(),
                },
                DeregisterAuthenticator::AllOfAaid(aaid) => DeregistrationTarget::Aaid(*aaid),
                DeregisterAuthenticator::All => DeregistrationTarget::All,
                #[allow(unreachable_patterns)]
                _ => DeregistrationTarget::All,
            };
            match rp.deregistration_request(&target, &mine) {
                Ok(d) => {
                    for (aaid, key_id) in d.delete {
                        let k = DeletedKey {
                            aaid: aaid.as_str().to_string(),
                            key_id: key_id.to_base64url(),
                        };
                        if !deleted.contains(&k) {
                            deleted.push(k);
                        }
                    }
                }
                Err(e) => return Outcome::rejected(&e, mode),
            }
        }
    }
    deleted.sort();
    Outcome {
        deleted,
        ..Outcome::success()
    }
}

fn same_key(
    expected: &ExpectedKey,
    got: &ExpectedKey,
    i: usize,
) -> Result<Vec<String>, VectorError> {
    let field = |n: &str| alloc::format!("expect.registered[{i}].{n}");
    let mut diffs = Vec::new();
    if !expected.aaid.eq_ignore_ascii_case(&got.aaid) {
        diffs.push(alloc::format!(
            "registered[{i}].aaid: expected {}, got {}",
            expected.aaid,
            got.aaid
        ));
    }
    if b64_field(&expected.key_id, field("key_id"))? != b64_field(&got.key_id, field("key_id"))? {
        diffs.push(alloc::format!(
            "registered[{i}].key_id: expected {}, got {}",
            expected.key_id,
            got.key_id
        ));
    }
    if b64_field(&expected.public_key, field("public_key"))?
        != b64_field(&got.public_key, field("public_key"))?
    {
        diffs.push(alloc::format!("registered[{i}].public_key differs"));
    }
    for (name, e, g) in [
        (
            "public_key_encoding",
            u32::from(expected.public_key_encoding),
            u32::from(got.public_key_encoding),
        ),
        (
            "sign_alg",
            u32::from(expected.sign_alg),
            u32::from(got.sign_alg),
        ),
        ("sign_counter", expected.sign_counter, got.sign_counter),
    ] {
        if e != g {
            diffs.push(alloc::format!(
                "registered[{i}].{name}: expected {e}, got {g}"
            ));
        }
    }
    Ok(diffs)
}

fn compare(v: &Vector, o: &Outcome) -> Result<Vec<String>, VectorError> {
    let x = &v.expect;
    let mut out = Vec::new();
    if !x.status.accepts(o.status) {
        let why = o.failure.as_ref().map_or_else(
            || String::from("accepted"),
            |f| alloc::format!("{} {} {}: {}", f.step.id(), f.label, f.code, f.message),
        );
        out.push(alloc::format!(
            "expected {}, got {} ({why})",
            x.status,
            o.status
        ));
    }
    if let Some(code) = &x.error {
        match &o.failure {
            Some(f) if f.code == code => {}
            Some(f) => out.push(alloc::format!("expected error {code}, got {}", f.code)),
            None => out.push(alloc::format!("expected error {code}, got success")),
        }
    }
    if let Some(label) = &x.step {
        match &o.failure {
            Some(f) if f.label == *label => {}
            Some(f) => out.push(alloc::format!(
                "expected the first failing step {label}, got {} ({} {}: {})",
                f.label,
                f.step.id(),
                f.code,
                f.message
            )),
            None => out.push(alloc::format!(
                "expected the first failing step {label}, got success"
            )),
        }
    }
    if let Some(keys) = &x.registered {
        if keys.len() != o.registered.len() {
            out.push(alloc::format!(
                "expected {} registered key(s), got {}",
                keys.len(),
                o.registered.len()
            ));
        } else {
            for (i, (e, g)) in keys.iter().zip(&o.registered).enumerate() {
                out.extend(same_key(e, g, i)?);
            }
        }
    }
    if let Some(c) = x.sign_counter {
        match o.sign_counter {
            Some(g) if g == c => {}
            Some(g) => out.push(alloc::format!("expected stored sign counter {c}, got {g}")),
            None => out.push(alloc::format!(
                "expected stored sign counter {c}, got no verified key"
            )),
        }
    }
    if let Some(r) = &x.replay_status {
        match o.replay_status {
            Some(g) if r.accepts(g) => {}
            Some(g) => out.push(alloc::format!("expected replay status {r}, got {g}")),
            None => out.push(String::from("the replay was not run")),
        }
    }
    if let Some(d) = &x.deleted {
        let mut want = d.clone();
        want.sort();
        if want != o.deleted {
            let names = |l: &[DeletedKey]| {
                l.iter()
                    .map(|k| alloc::format!("{}/{}", k.aaid, k.key_id))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(alloc::format!(
                "expected deleted [{}], got [{}]",
                names(&want),
                names(&o.deleted)
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::{Expect, FORMAT, StoredRegistration};
    use uaf_proto::assertion::AssertionError;
    use uaf_proto::tlv::{self, TlvError};

    fn settings() -> RpSettings {
        RpSettings::new("https://uaf.example.com/facets.json", 1_700_000_000)
    }

    #[test]
    fn config_follows_the_rp_block() {
        let mut rp = settings();
        rp.status_codes = Some(StatusCodes::Conformance);
        rp.base64 = Some(Base64Mode::Lenient);
        rp.counter = Some(CounterMode::FlagOnly);
        rp.challenge_ttl_s = Some(60);
        rp.accept_algorithms = Some(alloc::vec![2]);
        rp.compat = alloc::vec![String::from("missing-channel-binding")];
        let c = config(&rp).unwrap();
        assert_eq!(c.status_codes(), StatusCodeMode::Conformance);
        assert_eq!(c.base64(), Base64Policy::Lenient);
        assert_eq!(c.counter_policy(), CounterPolicy::FlagOnly);
        assert_eq!(c.challenge_ttl_secs(), 60);
        assert!(c.accepts_algorithm(AlgSign::Secp256r1EcdsaSha256Der));
        assert!(!c.accepts_algorithm(AlgSign::Secp256r1EcdsaSha256Raw));
        assert!(c.compat().missing_channel_binding);
        assert_eq!(c.trusted_facets(), ["https://uaf.example.com"]);
        assert_eq!(c.versions(), [Version::V1_1, Version::V1_0]);
    }

    #[test]
    fn config_errors_name_the_field() {
        let mut rp = settings();
        rp.compat = alloc::vec![String::from("missing-channel-binding"), String::from("x")];
        assert_eq!(config(&rp).unwrap_err().field, "rp.compat[1]");
        let mut rp = settings();
        rp.trusted_facets = Some(alloc::vec![String::new()]);
        assert_eq!(config(&rp).unwrap_err().field, "rp");
        // Any non-empty facet loads, whatever its shape (real deployments' lists).
        let mut rp = settings();
        rp.trusted_facets = Some(alloc::vec![
            String::from("android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM="),
            String::from("com.noknok.android.sampleapp"),
        ]);
        assert_eq!(
            config(&rp).unwrap().trusted_facets(),
            [
                "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM=",
                "com.noknok.android.sampleapp"
            ]
        );
    }

    #[test]
    fn registrations_and_metadata_errors_name_the_field() {
        let good = StoredRegistration {
            username: String::from("alice"),
            aaid: String::from("F1D0#0001"),
            key_id: String::from("a2V5"),
            public_key: String::from("BA"),
            public_key_encoding: 256,
            sign_alg: 1,
            sign_counter: 0,
        };
        // Short KeyIDs load (records of other servers).
        assert_eq!(
            registrations(core::slice::from_ref(&good)).unwrap().len(),
            1
        );
        let mut bad = good.clone();
        bad.key_id = String::from("a2V5==");
        assert_eq!(
            registrations(&[good.clone(), bad]).unwrap_err().field,
            "registrations[1].key_id"
        );
        let mut bad = good;
        bad.aaid = String::from("F1D0-0001");
        assert_eq!(
            registrations(&[bad]).unwrap_err().field,
            "registrations[0].aaid"
        );
        let e = metadata_index(&[serde_json::json!({"aaid": "F1D0#0001"})]).unwrap_err();
        assert_eq!(e.field, "metadata[0]");
    }

    fn vector(op: Op, request: Value) -> Vector {
        Vector {
            format: FORMAT,
            id: String::from("t"),
            description: String::from("t"),
            steps: Vec::new(),
            source: None,
            op,
            rp: settings(),
            metadata: Vec::new(),
            registrations: Vec::new(),
            request: Some(request),
            response: Some(String::from("[]")),
            assertion: None,
            expect: Expect::status(1498),
        }
    }

    #[test]
    fn a_request_the_schema_refuses_fails_at_req_01() {
        let v = vector(Op::Reg, serde_json::json!([{"header": {}}]));
        let judged = run(&v).unwrap();
        assert!(judged.passed(), "{:?}", judged.mismatches);
        let f = judged.outcome.failure.unwrap();
        assert_eq!(f.step, StepId::RequestGeneration);
        assert_eq!(f.code, "decode.message");
        let v = vector(Op::Reg, serde_json::json!([]));
        assert_eq!(
            run(&v).unwrap().outcome.failure.unwrap().step,
            StepId::RequestGeneration
        );
    }

    #[test]
    fn assertion_ops_decode_under_the_rp_base64_policy() {
        let mut v = vector(Op::RegAssertion, Value::Null);
        v.request = None;
        v.response = None;
        v.assertion = Some(String::from("AQID+A=="));
        let f = run(&v).unwrap().outcome.failure.unwrap();
        assert_eq!(
            (f.step, f.code),
            (StepId::RegTlv, "decode.assertion-base64")
        );
        v.rp.base64 = Some(Base64Mode::Lenient);
        let f = run(&v).unwrap().outcome.failure.unwrap();
        assert_eq!((f.step, f.code), (StepId::RegTlv, "decode.assertion-tlv"));
    }

    #[test]
    fn step_labels_follow_the_format() {
        assert_eq!(default_label(StepId::AuthChallenge), "R4.2");
        assert_eq!(default_label(StepId::AuthParse), "R1.1");
        assert_eq!(default_label(StepId::AuthServerData), "R2");
        assert_eq!(default_label(StepId::AuthCounter), "A5.10");
        assert_eq!(default_label(StepId::AuthTlv), "A5.2");
        assert_eq!(default_label(StepId::RegTlv), "R5.2");
        assert_eq!(default_label(StepId::RegChallenge), "R4.2");
        let tlv = |e: TlvError| {
            let first = Error::new(
                StepId::AuthTlv,
                ErrorKind::Assertion(AssertionError::Tlv(e)),
            )
            .at_assertion(0);
            Error::new(
                StepId::AuthResult,
                ErrorKind::NoAssertionVerified {
                    first: alloc::boxed::Box::new(first),
                    count: 1,
                },
            )
        };
        let member = TlvError::MissingMember {
            parent: tlv::TAG_UAFV1_SIGNED_DATA,
            tag: tlv::TAG_COUNTERS,
            offset: 4,
        };
        assert_eq!(step_label(&tlv(member)), "A5.3");
        let signature = TlvError::MissingMember {
            parent: tlv::TAG_UAFV1_AUTH_ASSERTION,
            tag: tlv::TAG_SIGNATURE,
            offset: 0,
        };
        assert_eq!(step_label(&tlv(signature)), "A5.2");
        let empty_key_id = TlvError::EmptyValue {
            tag: tlv::TAG_KEYID,
            offset: 9,
        };
        assert_eq!(step_label(&tlv(empty_key_id)), "A5.3");
        let empty_signature = TlvError::EmptyValue {
            tag: tlv::TAG_SIGNATURE,
            offset: 9,
        };
        assert_eq!(step_label(&tlv(empty_signature)), "A5.2");
    }

    #[test]
    fn a_different_first_failing_step_fails_the_vector() {
        let mut v = vector(Op::RegAssertion, Value::Null);
        v.request = None;
        v.response = None;
        v.assertion = Some(String::from("AQID+A"));
        v.expect.step = Some(String::from("R5.2"));
        let judged = run(&v).unwrap();
        assert!(judged.passed(), "{:?}", judged.mismatches);
        assert_eq!(judged.outcome.failure.unwrap().label, "R5.2");
        v.expect.step = Some(String::from("R5.3"));
        let judged = run(&v).unwrap();
        assert_eq!(judged.mismatches.len(), 1, "{:?}", judged.mismatches);
        assert!(
            judged.mismatches[0].starts_with("expected the first failing step R5.3, got R5.2"),
            "{:?}",
            judged.mismatches
        );
    }

    #[test]
    fn the_request_answered_is_picked_by_version() {
        let upv = |minor: u16| Version::new(1, minor);
        let list = alloc::vec![upv(1), upv(0)];
        assert_eq!(pick(list.clone(), Some(upv(0)), |v| *v), Some(upv(0)));
        assert_eq!(pick(list.clone(), Some(upv(7)), |v| *v), Some(upv(1)));
        assert_eq!(pick(list, None, |v| *v), Some(upv(1)));
        assert_eq!(pick(Vec::<Version>::new(), None, |v| *v), None);
        assert_eq!(
            response_upv(r#"[{"header":{"upv":{"major":1,"minor":0}}}]"#),
            Some(upv(0))
        );
        assert_eq!(response_upv("not json"), None);
    }
}
