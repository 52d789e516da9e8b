//! The vector file format `uaf-conformance-vector/1` (`shared/spec/conformance-vectors.md`):
//! typed, strictly read ([`Vector::from_json`]) and written with a stable key order
//! ([`Vector::to_pretty_json`]).
//!
//! Reading is strict where the format is: a wrong `format`, a missing required field or a
//! field of the wrong JSON type makes the file invalid ([`VectorError`] names the field).
//! Unknown fields are ignored, as the format says.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// The `format` string of this version of the format.
pub const FORMAT: &str = "uaf-conformance-vector/1";

/// Why a vector file is invalid: the field (a JSON path such as `rp.now` or
/// `registrations[0].key_id`; empty for the whole file) and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorError {
    /// The field concerned.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl VectorError {
    /// An error at `field`.
    #[must_use]
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        VectorError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for VectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "field `{}`: {}", self.field, self.problem)
        }
    }
}

impl core::error::Error for VectorError {}

/// The operation a vector exercises (`op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Op {
    /// A registration response against its request.
    Reg,
    /// An authentication (or transaction confirmation) response against its request.
    Auth,
    /// One registration assertion alone (no request, no `fcParams`).
    RegAssertion,
    /// One authentication assertion alone.
    AuthAssertion,
    /// **uaf-rs extension, not in format version 1**: a deregistration request the server
    /// issued, and the stored registrations it deletes (digest §3.5). Runners of other
    /// implementations report these files as invalid; they live in a folder of their own.
    Dereg,
}

impl Op {
    /// The name used in files.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Reg => "Reg",
            Op::Auth => "Auth",
            Op::RegAssertion => "RegAssertion",
            Op::AuthAssertion => "AuthAssertion",
            Op::Dereg => "Dereg",
        }
    }

    fn parse(s: &str) -> Option<Op> {
        [
            Op::Reg,
            Op::Auth,
            Op::RegAssertion,
            Op::AuthAssertion,
            Op::Dereg,
        ]
        .into_iter()
        .find(|op| op.as_str() == s)
    }
}

/// `rp.status_codes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusCodes {
    /// The code that says what went wrong (the default).
    Specific,
    /// 1498 for every rejected Reg/Auth response.
    Conformance,
}

/// `rp.base64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Base64Mode {
    /// RFC 4648 base64url without padding (the default).
    Strict,
    /// Also padding, the standard alphabet and CR/LF/space.
    Lenient,
}

/// `rp.counter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CounterMode {
    /// Reject a sign counter that did not advance (the default).
    RejectRegression,
    /// Accept it, flag it, never lower the stored counter.
    FlagOnly,
}

/// `rp.attestation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationMode {
    /// Basic full, or surrogate where the metadata allows it (the default).
    Required,
    /// Basic full only.
    BasicFullOnly,
}

/// `rp.user_verification`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UvMode {
    /// The metadata lists a method that verifies the user (the default).
    Required,
    /// Any authenticator.
    Any,
}

/// A protocol version in `rp.upv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Upv {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

/// `rp.channel_binding`: what the RP knows of the TLS channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ChannelBindingValues {
    /// `serverEndPoint`.
    #[serde(rename = "serverEndPoint", skip_serializing_if = "Option::is_none")]
    pub server_end_point: Option<String>,
    /// `tlsServerCertificate`.
    #[serde(
        rename = "tlsServerCertificate",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls_server_certificate: Option<String>,
    /// `tlsUnique`.
    #[serde(rename = "tlsUnique", skip_serializing_if = "Option::is_none")]
    pub tls_unique: Option<String>,
    /// `cid_pubkey`.
    #[serde(rename = "cid_pubkey", skip_serializing_if = "Option::is_none")]
    pub cid_pubkey: Option<String>,
}

/// The `rp` block: the relying party's configuration. `None` means "the format's default".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RpSettings {
    /// `app_id` (required).
    pub app_id: String,
    /// `trusted_facets`; absent: the origin of an https `app_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_facets: Option<Vec<String>>,
    /// `now` (required): unix seconds of verification.
    pub now: u64,
    /// `issued_at`: when the request was issued (default `now`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<u64>,
    /// `challenge_ttl_s` (default 300).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_ttl_s: Option<u64>,
    /// `username`: for Auth, the user the request was issued for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `upv`: supported versions (default 1.0 and 1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upv: Option<Vec<Upv>>,
    /// `status_codes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_codes: Option<StatusCodes>,
    /// `base64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base64: Option<Base64Mode>,
    /// `legacy_certificates`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_certificates: Option<bool>,
    /// `counter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter: Option<CounterMode>,
    /// `accept_algorithms`: `ALG_SIGN_*` numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_algorithms: Option<Vec<u16>>,
    /// `attestation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationMode>,
    /// `user_verification`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UvMode>,
    /// `channel_binding`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_binding: Option<ChannelBindingValues>,
    /// `compat`: named relaxations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compat: Vec<String>,
}

impl RpSettings {
    /// Settings with every default: only the required `app_id` and `now`.
    #[must_use]
    pub fn new(app_id: impl Into<String>, now: u64) -> Self {
        RpSettings {
            app_id: app_id.into(),
            trusted_facets: None,
            now,
            issued_at: None,
            challenge_ttl_s: None,
            username: None,
            upv: None,
            status_codes: None,
            base64: None,
            legacy_certificates: None,
            counter: None,
            accept_algorithms: None,
            attestation: None,
            user_verification: None,
            channel_binding: None,
            compat: Vec::new(),
        }
    }
}

/// One entry of `registrations`: a stored registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredRegistration {
    /// The account.
    pub username: String,
    /// The authenticator model.
    pub aaid: String,
    /// base64url of the KeyID bytes.
    pub key_id: String,
    /// base64url of the `TAG_PUB_KEY` bytes.
    pub public_key: String,
    /// `ALG_KEY_*`.
    pub public_key_encoding: u16,
    /// `ALG_SIGN_*` as registered.
    pub sign_alg: u16,
    /// The stored sign counter.
    pub sign_counter: u32,
}

/// One entry of `expect.registered`: a record the registration must store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectedKey {
    /// The authenticator model.
    pub aaid: String,
    /// base64url of the KeyID.
    pub key_id: String,
    /// base64url of the public key.
    pub public_key: String,
    /// `ALG_KEY_*`.
    pub public_key_encoding: u16,
    /// `ALG_SIGN_*`.
    pub sign_alg: u16,
    /// The initial sign counter.
    pub sign_counter: u32,
}

/// One entry of `expect.deleted` (the `Dereg` extension): a record the server deletes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DeletedKey {
    /// The authenticator model.
    pub aaid: String,
    /// base64url of the KeyID.
    pub key_id: String,
}

/// An expected status: one code, or any of several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ExpectedStatus {
    /// Exactly this code.
    One(u16),
    /// Any of these codes.
    AnyOf(Vec<u16>),
}

impl ExpectedStatus {
    /// Whether `status` is acceptable.
    #[must_use]
    pub fn accepts(&self, status: u16) -> bool {
        match self {
            ExpectedStatus::One(c) => *c == status,
            ExpectedStatus::AnyOf(list) => list.contains(&status),
        }
    }

    /// Whether success (1200) is the only acceptable answer.
    #[must_use]
    pub fn is_success(&self) -> bool {
        match self {
            ExpectedStatus::One(c) => *c == 1200,
            ExpectedStatus::AnyOf(list) => !list.is_empty() && list.iter().all(|c| *c == 1200),
        }
    }
}

impl fmt::Display for ExpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedStatus::One(c) => write!(f, "{c}"),
            ExpectedStatus::AnyOf(list) => {
                for (i, c) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    write!(f, "{c}")?;
                }
                Ok(())
            }
        }
    }
}

/// The `expect` block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expect {
    /// `status` (required).
    pub status: ExpectedStatus,
    /// `error`: the project's error kind code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `step`: for a rejection, the digest §3 label of the first failing step (`R5.2`,
    /// `A5.10`, …; message-level checks of Auth are labelled `R1.x`–`R4.x`), compared
    /// exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// `registered`: Reg success, what gets stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered: Option<Vec<ExpectedKey>>,
    /// `sign_counter`: Auth success, the stored counter after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_counter: Option<u32>,
    /// `replay_status`: the status of the same response submitted again at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_status: Option<ExpectedStatus>,
    /// `deleted` (`Dereg` extension): the records deleted, in any order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Vec<DeletedKey>>,
}

impl Expect {
    /// Expects `status` and nothing else.
    #[must_use]
    pub fn status(status: u16) -> Self {
        Expect {
            status: ExpectedStatus::One(status),
            error: None,
            step: None,
            registered: None,
            sign_counter: None,
            replay_status: None,
            deleted: None,
        }
    }
}

/// One conformance vector.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vector {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// Unique across the suite.
    pub id: String,
    /// What the vector checks.
    pub description: String,
    /// Step labels of the digest §3 (`R4.2`, `A5.10`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// Where the data comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The operation.
    pub op: Op,
    /// The relying party's configuration.
    pub rp: RpSettings,
    /// Known authenticators: metadata statements or MDS3 BLOB entries.
    pub metadata: Vec<Value>,
    /// Registrations stored before the response arrives.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registrations: Vec<StoredRegistration>,
    /// Reg/Auth (and Dereg): the request array as issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// Reg/Auth: the response exactly as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// RegAssertion/AuthAssertion: the base64url TLV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assertion: Option<String>,
    /// What must happen.
    pub expect: Expect,
}

impl Vector {
    /// The vector as pretty JSON (two-space indent, fields in format order, object members
    /// of embedded JSON sorted), with a final newline: deterministic for equal vectors.
    ///
    /// # Errors
    /// Never in practice (every member serialises); a `serde_json` error otherwise.
    pub fn to_pretty_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// Reads a vector from its file text.
    ///
    /// # Errors
    /// [`VectorError`] for text that is not JSON, a `format` other than [`FORMAT`], a
    /// missing required field, or a field of the wrong type or value.
    pub fn from_json(text: &str) -> Result<Vector, VectorError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| VectorError::new("", alloc::format!("not valid JSON: {e}")))?;
        let root = Obj::root(&value)?;
        let format = root.req_str("format")?;
        if format != FORMAT {
            return Err(VectorError::new(
                "format",
                alloc::format!("unknown format {format:?} (this runner reads {FORMAT:?})"),
            ));
        }
        let id = root.req_str("id")?;
        if id.is_empty() {
            return Err(VectorError::new("id", "must not be empty"));
        }
        let description = root.req_str("description")?;
        let steps = root.opt_str_list("steps")?.unwrap_or_default();
        let source = root.opt_str("source")?;
        let op_name = root.req_str("op")?;
        let op = Op::parse(&op_name).ok_or_else(|| {
            VectorError::new(
                "op",
                alloc::format!(
                    "unknown op {op_name:?} (Reg, Auth, RegAssertion, AuthAssertion; Dereg as the uaf-rs extension)"
                ),
            )
        })?;
        let rp = read_rp(&root.req_obj("rp")?)?;
        let metadata = match root.opt_array("metadata")? {
            None => Vec::new(),
            Some(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, v) in list.iter().enumerate() {
                    if !v.is_object() {
                        return Err(VectorError::new(
                            alloc::format!("metadata[{i}]"),
                            "must be an object (a metadata statement or an MDS3 BLOB entry)",
                        ));
                    }
                    out.push(v.clone());
                }
                out
            }
        };
        let registrations = match root.opt_array("registrations")? {
            None => Vec::new(),
            Some(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, v) in list.iter().enumerate() {
                    let o = Obj::at(v, alloc::format!("registrations[{i}]"))?;
                    out.push(StoredRegistration {
                        username: o.req_str("username")?,
                        aaid: o.req_str("aaid")?,
                        key_id: o.req_str("key_id")?,
                        public_key: o.req_str("public_key")?,
                        public_key_encoding: o.req_u16("public_key_encoding")?,
                        sign_alg: o.req_u16("sign_alg")?,
                        sign_counter: o.req_u32("sign_counter")?,
                    });
                }
                out
            }
        };
        let request = root.get("request").cloned();
        if let Some(r) = &request {
            if !r.is_array() {
                return Err(wrong_type(
                    "request",
                    "an array (the request messages as issued)",
                    r,
                ));
            }
        }
        let response = root.opt_str("response")?;
        let assertion = root.opt_str("assertion")?;
        match op {
            Op::Reg | Op::Auth => {
                if request.is_none() {
                    return Err(VectorError::new("request", "required for op Reg and Auth"));
                }
                if response.is_none() {
                    return Err(VectorError::new("response", "required for op Reg and Auth"));
                }
            }
            Op::RegAssertion | Op::AuthAssertion => {
                if assertion.is_none() {
                    return Err(VectorError::new(
                        "assertion",
                        "required for op RegAssertion and AuthAssertion",
                    ));
                }
            }
            Op::Dereg => {
                if request.is_none() {
                    return Err(VectorError::new("request", "required for op Dereg"));
                }
                if rp.username.is_none() {
                    return Err(VectorError::new(
                        "rp.username",
                        "required for op Dereg (the user whose records are deleted)",
                    ));
                }
            }
        }
        let expect = read_expect(&root.req_obj("expect")?)?;
        if expect.replay_status.is_some() && !matches!(op, Op::Reg | Op::Auth) {
            return Err(VectorError::new(
                "expect.replay_status",
                "only Reg and Auth responses can be replayed",
            ));
        }
        Ok(Vector {
            format: FORMAT,
            id,
            description,
            steps,
            source,
            op,
            rp,
            metadata,
            registrations,
            request,
            response,
            assertion,
            expect,
        })
    }
}

fn read_rp(o: &Obj<'_>) -> Result<RpSettings, VectorError> {
    let upv = match o.opt_array("upv")? {
        None => None,
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                let u = Obj::at(v, alloc::format!("{}.upv[{i}]", o.path))?;
                out.push(Upv {
                    major: u.req_u16("major")?,
                    minor: u.req_u16("minor")?,
                });
            }
            Some(out)
        }
    };
    let channel_binding = match o.opt_obj("channel_binding")? {
        None => None,
        Some(cb) => Some(ChannelBindingValues {
            server_end_point: cb.opt_str("serverEndPoint")?,
            tls_server_certificate: cb.opt_str("tlsServerCertificate")?,
            tls_unique: cb.opt_str("tlsUnique")?,
            cid_pubkey: cb.opt_str("cid_pubkey")?,
        }),
    };
    let accept_algorithms = match o.opt_array("accept_algorithms")? {
        None => None,
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                out.push(u16_of(
                    v,
                    &alloc::format!("{}.accept_algorithms[{i}]", o.path),
                )?);
            }
            Some(out)
        }
    };
    Ok(RpSettings {
        app_id: o.req_str("app_id")?,
        trusted_facets: o.opt_str_list("trusted_facets")?,
        now: o.req_u64("now")?,
        issued_at: o.opt_u64("issued_at")?,
        challenge_ttl_s: o.opt_u64("challenge_ttl_s")?,
        username: o.opt_str("username")?,
        upv,
        status_codes: o.opt_enum(
            "status_codes",
            &[
                ("specific", StatusCodes::Specific),
                ("conformance", StatusCodes::Conformance),
            ],
        )?,
        base64: o.opt_enum(
            "base64",
            &[
                ("strict", Base64Mode::Strict),
                ("lenient", Base64Mode::Lenient),
            ],
        )?,
        legacy_certificates: o.opt_bool("legacy_certificates")?,
        counter: o.opt_enum(
            "counter",
            &[
                ("reject-regression", CounterMode::RejectRegression),
                ("flag-only", CounterMode::FlagOnly),
            ],
        )?,
        accept_algorithms,
        attestation: o.opt_enum(
            "attestation",
            &[
                ("required", AttestationMode::Required),
                ("basic-full-only", AttestationMode::BasicFullOnly),
            ],
        )?,
        user_verification: o.opt_enum(
            "user_verification",
            &[("required", UvMode::Required), ("any", UvMode::Any)],
        )?,
        channel_binding,
        compat: o.opt_str_list("compat")?.unwrap_or_default(),
    })
}

fn read_status(v: &Value, field: &str) -> Result<ExpectedStatus, VectorError> {
    match v {
        Value::Array(list) => {
            if list.is_empty() {
                return Err(VectorError::new(field, "an empty list of codes"));
            }
            let mut out = Vec::with_capacity(list.len());
            for (i, c) in list.iter().enumerate() {
                out.push(u16_of(c, &alloc::format!("{field}[{i}]"))?);
            }
            Ok(ExpectedStatus::AnyOf(out))
        }
        other => Ok(ExpectedStatus::One(u16_of(other, field)?)),
    }
}

fn read_expect(o: &Obj<'_>) -> Result<Expect, VectorError> {
    let status = read_status(
        o.map
            .get("status")
            .ok_or_else(|| VectorError::new("expect.status", "missing (required)"))?,
        "expect.status",
    )?;
    let replay_status = match o.map.get("replay_status") {
        None => None,
        Some(v) => Some(read_status(v, "expect.replay_status")?),
    };
    let registered = match o.opt_array("registered")? {
        None => None,
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                let k = Obj::at(v, alloc::format!("expect.registered[{i}]"))?;
                out.push(ExpectedKey {
                    aaid: k.req_str("aaid")?,
                    key_id: k.req_str("key_id")?,
                    public_key: k.req_str("public_key")?,
                    public_key_encoding: k.req_u16("public_key_encoding")?,
                    sign_alg: k.req_u16("sign_alg")?,
                    sign_counter: k.req_u32("sign_counter")?,
                });
            }
            Some(out)
        }
    };
    let deleted = match o.opt_array("deleted")? {
        None => None,
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                let k = Obj::at(v, alloc::format!("expect.deleted[{i}]"))?;
                out.push(DeletedKey {
                    aaid: k.req_str("aaid")?,
                    key_id: k.req_str("key_id")?,
                });
            }
            Some(out)
        }
    };
    let step = o.opt_str("step")?;
    if let Some(label) = &step {
        if !is_digest_label(label) {
            return Err(VectorError::new(
                "expect.step",
                alloc::format!(
                    "{label:?} is not a digest §3 step label (such as R1.3, R5.2, A5.10, R6)"
                ),
            ));
        }
        if status.is_success() {
            return Err(VectorError::new(
                "expect.step",
                "only a rejection has a failing step (expect.status is 1200)",
            ));
        }
    }
    Ok(Expect {
        status,
        error: o.opt_str("error")?,
        step,
        registered,
        sign_counter: o.opt_u32("sign_counter")?,
        replay_status,
        deleted,
    })
}

/// Whether `label` has the shape of a digest §3 step label: `R` or `A`, a step number, and
/// optionally `.` and a sub-step number (`R2`, `R4.3`, `A5.10`), or a §3 section number for
/// the server's own messages (`3.4` request generation, `3.5` deregistration).
#[must_use]
pub fn is_digest_label(label: &str) -> bool {
    let rest = label
        .strip_prefix('R')
        .or_else(|| label.strip_prefix('A'))
        .unwrap_or(label);
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match rest.split_once('.') {
        Some((step, sub)) => number(step) && number(sub),
        None => number(rest),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(field: &str, want: &str, got: &Value) -> VectorError {
    VectorError::new(
        field,
        alloc::format!("must be {want}, found {}", type_name(got)),
    )
}

fn u64_of(v: &Value, field: &str) -> Result<u64, VectorError> {
    v.as_u64()
        .ok_or_else(|| wrong_type(field, "a non-negative integer", v))
}

fn u16_of(v: &Value, field: &str) -> Result<u16, VectorError> {
    let n = u64_of(v, field)?;
    u16::try_from(n).map_err(|_| VectorError::new(field, alloc::format!("{n} exceeds 65535")))
}

/// A JSON object being read, with its path for error messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn root(v: &'a Value) -> Result<Self, VectorError> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                path: String::new(),
            }),
            other => Err(VectorError::new(
                "",
                alloc::format!(
                    "the file must hold a JSON object, found {}",
                    type_name(other)
                ),
            )),
        }
    }

    fn at(v: &'a Value, path: String) -> Result<Self, VectorError> {
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            other => Err(wrong_type(&path, "an object", other)),
        }
    }

    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            String::from(key)
        } else {
            alloc::format!("{}.{key}", self.path)
        }
    }

    fn missing(&self, key: &str) -> VectorError {
        VectorError::new(self.field(key), "missing (required)")
    }

    /// The member, treating JSON `null` as absent.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn req_str(&self, key: &str) -> Result<String, VectorError> {
        self.opt_str(key)?.ok_or_else(|| self.missing(key))
    }

    fn opt_str(&self, key: &str) -> Result<Option<String>, VectorError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong_type(&self.field(key), "a string", other)),
        }
    }

    fn req_u64(&self, key: &str) -> Result<u64, VectorError> {
        self.opt_u64(key)?.ok_or_else(|| self.missing(key))
    }

    fn opt_u64(&self, key: &str) -> Result<Option<u64>, VectorError> {
        self.get(key)
            .map(|v| u64_of(v, &self.field(key)))
            .transpose()
    }

    fn req_u16(&self, key: &str) -> Result<u16, VectorError> {
        let v = self.get(key).ok_or_else(|| self.missing(key))?;
        u16_of(v, &self.field(key))
    }

    fn req_u32(&self, key: &str) -> Result<u32, VectorError> {
        self.opt_u32(key)?.ok_or_else(|| self.missing(key))
    }

    fn opt_u32(&self, key: &str) -> Result<Option<u32>, VectorError> {
        match self.opt_u64(key)? {
            None => Ok(None),
            Some(n) => u32::try_from(n).map(Some).map_err(|_| {
                VectorError::new(self.field(key), alloc::format!("{n} exceeds 4294967295"))
            }),
        }
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>, VectorError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(&self.field(key), "a boolean", other)),
        }
    }

    fn opt_array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, VectorError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(list)) => Ok(Some(list)),
            Some(other) => Err(wrong_type(&self.field(key), "an array", other)),
        }
    }

    fn opt_str_list(&self, key: &str) -> Result<Option<Vec<String>>, VectorError> {
        let Some(list) = self.opt_array(key)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, v) in list.iter().enumerate() {
            match v {
                Value::String(s) => out.push(s.clone()),
                other => {
                    return Err(wrong_type(
                        &alloc::format!("{}[{i}]", self.field(key)),
                        "a string",
                        other,
                    ));
                }
            }
        }
        Ok(Some(out))
    }

    fn req_obj(&self, key: &str) -> Result<Obj<'a>, VectorError> {
        self.opt_obj(key)?.ok_or_else(|| self.missing(key))
    }

    fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, VectorError> {
        self.get(key)
            .map(|v| Obj::at(v, self.field(key)))
            .transpose()
    }

    fn opt_enum<T: Copy>(&self, key: &str, names: &[(&str, T)]) -> Result<Option<T>, VectorError> {
        let Some(s) = self.opt_str(key)? else {
            return Ok(None);
        };
        names
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, t)| Some(*t))
            .ok_or_else(|| {
                let known: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
                VectorError::new(
                    self.field(key),
                    alloc::format!("unknown value {s:?} (known: {})", known.join(", ")),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Value {
        serde_json::json!({
            "format": FORMAT,
            "id": "x",
            "description": "d",
            "op": "RegAssertion",
            "rp": {"app_id": "https://a.example/f", "now": 1},
            "assertion": "AQ",
            "expect": {"status": 1498}
        })
    }

    fn err(v: &Value) -> VectorError {
        Vector::from_json(&v.to_string()).unwrap_err()
    }

    #[test]
    fn minimal_vector_reads_and_round_trips() {
        let v = Vector::from_json(&minimal().to_string()).unwrap();
        assert_eq!(v.op, Op::RegAssertion);
        assert_eq!(v.expect.status, ExpectedStatus::One(1498));
        let again = Vector::from_json(&v.to_pretty_json().unwrap()).unwrap();
        assert_eq!(again, v);
    }

    #[test]
    fn strict_about_format_fields_and_types() {
        let mut v = minimal();
        v["format"] = "uaf-conformance-vector/2".into();
        assert_eq!(err(&v).field, "format");
        let mut v = minimal();
        v["rp"].as_object_mut().unwrap().remove("now");
        assert_eq!(err(&v), VectorError::new("rp.now", "missing (required)"));
        let mut v = minimal();
        v["rp"]["now"] = "soon".into();
        assert_eq!(
            err(&v),
            VectorError::new("rp.now", "must be a non-negative integer, found a string")
        );
        let mut v = minimal();
        v["expect"]["status"] = serde_json::json!([]);
        assert_eq!(err(&v).field, "expect.status");
        let mut v = minimal();
        v["rp"]["counter"] = "sometimes".into();
        assert_eq!(err(&v).field, "rp.counter");
        let mut v = minimal();
        v["registrations"] = serde_json::json!([{"username": "a"}]);
        assert_eq!(err(&v).field, "registrations[0].aaid");
        let mut v = minimal();
        v["op"] = "Reg".into();
        assert_eq!(err(&v).field, "request");
        let mut v = minimal();
        v["op"] = "Auth".into();
        v["response"] = "[]".into();
        v["request"] = serde_json::json!({"header": {}});
        assert_eq!(
            err(&v),
            VectorError::new(
                "request",
                "must be an array (the request messages as issued), found an object"
            )
        );
        let mut v = minimal();
        v["expect"]["replay_status"] = 1491.into();
        assert_eq!(err(&v).field, "expect.replay_status");
        assert_eq!(err(&serde_json::json!([1])).field, "");
        assert!(Vector::from_json("{").unwrap_err().problem.contains("JSON"));
    }

    #[test]
    fn expect_step_reads_and_is_checked() {
        let mut v = minimal();
        v["expect"]["step"] = "A5.10".into();
        let read = Vector::from_json(&v.to_string()).unwrap();
        assert_eq!(read.expect.step.as_deref(), Some("A5.10"));
        assert_eq!(
            Vector::from_json(&read.to_pretty_json().unwrap()).unwrap(),
            read
        );
        for bad in ["AUTH-22", "A5.", "X5.1", "", "R5.2-R5.3"] {
            v["expect"]["step"] = bad.into();
            assert_eq!(err(&v).field, "expect.step", "{bad}");
        }
        v["expect"]["step"] = 7.into();
        assert_eq!(err(&v).field, "expect.step");
        let mut v = minimal();
        v["expect"]["status"] = 1200.into();
        v["expect"]["step"] = "R5.2".into();
        assert_eq!(
            err(&v),
            VectorError::new(
                "expect.step",
                "only a rejection has a failing step (expect.status is 1200)"
            )
        );
        for good in ["R1.3", "R6", "A5.10", "3.4"] {
            assert!(is_digest_label(good), "{good}");
        }
    }

    #[test]
    fn unknown_fields_are_ignored_and_status_lists_read() {
        let mut v = minimal();
        v["future"] = serde_json::json!({"anything": 1});
        v["expect"]["status"] = serde_json::json!([1498, 1496]);
        let v = Vector::from_json(&v.to_string()).unwrap();
        assert!(v.expect.status.accepts(1496));
        assert!(!v.expect.status.accepts(1200));
        assert_eq!(v.expect.status.to_string(), "1498 or 1496");
    }
}
