//! The generated vectors: made by the simulated authenticator (`uaf-authenticator`) behind the
//! simulated client (`uaf-client`), answering requests issued by `uaf-rp`, with a few
//! hand-built defects a correct simulator cannot make.
//!
//! **Deterministic**: every random value comes from a ChaCha20 RNG seeded from the vector's
//! id, and the time is fixed ([`NOW`]), so running [`write()`] twice gives byte-identical files.
//!
//! **Independent expectations**: each case states its expected status and step from the
//! fault catalogues ([`uaf_authenticator::Fault::expected_status`],
//! [`uaf_client::ClientFault::step_id`]) or from the rule it exercises, never from a run of
//! the relying party. [`vectors`] then runs every vector and refuses to produce a suite the
//! relying party disagrees with; only `expect.error` (the project's own error-kind name) is
//! recorded from that run.

mod cases;
mod handmade;
mod sim;

use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use uaf_rp::Registration;
use uaf_rp::step::StepId;

use crate::run;
use crate::vector::{Expect, FORMAT, Op, RpSettings, StoredRegistration, Vector};

/// The fixed time of every generated vector: 2023-11-14T22:13:20Z.
pub const NOW: u64 = 1_700_000_000;
/// The AppID of the generated relying party.
pub const APP_ID: &str = "https://uaf.example.com/facets.json";
/// The web facet of the generated relying party (the AppID's origin).
pub const FACET: &str = "https://uaf.example.com";
/// The Android facet the generated relying party also trusts (the FIDO conformance tool's).
pub const ANDROID_FACET: &str = "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM";
/// The account of the generated ceremonies.
pub const USER: &str = "alice";

/// The sub-folder of [`write()`]'s folder that holds the `Dereg` extension vectors.
pub const EXTENSIONS_DIR: &str = "extensions";

/// A generation failure: the case (or the file) and what went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub struct GenerateError {
    /// The vector id (or the file, for write errors).
    pub id: String,
    /// What went wrong.
    pub problem: CaseError,
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.problem)
    }
}

impl core::error::Error for GenerateError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.problem)
    }
}

/// Why one case could not become a vector: a simulator or builder refused (a bug in the case
/// or in the simulator), the relying party disagrees with the case's expectation (a bug in
/// the case or in `uaf-rp`), or the file could not be written.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaseError {
    /// A part the case needs is absent (what).
    Missing(&'static str),
    /// Data the case edits does not have the shape the case expects (what).
    Malformed(&'static str),
    /// base64url the case decodes is malformed.
    Base64(uaf_proto::b64::Base64Error),
    /// An identifier of the case is malformed.
    Id(uaf_proto::id::IdError),
    /// A message the case reads or builds is malformed.
    Message(uaf_proto::message::MessageError),
    /// An assertion the case reads or builds is malformed.
    Assertion(uaf_proto::assertion::AssertionError),
    /// A TLV the case builds is malformed.
    Tlv(uaf_proto::tlv::TlvError),
    /// A key could not be made or used.
    Crypto(uaf_crypto::CryptoError),
    /// The simulated authenticator (or its profile) refused.
    Authenticator(uaf_authenticator::Error),
    /// A fault could not be armed on the simulated authenticator.
    Arm {
        /// The fault.
        fault: uaf_authenticator::Fault,
        /// Why.
        source: uaf_authenticator::Error,
    },
    /// The simulated client refused.
    Client(uaf_client::ClientError),
    /// The relying party's configuration (from the case's `rp` settings) is invalid.
    Config(uaf_rp::ConfigError),
    /// The relying party could not issue a request.
    Rp(uaf_rp::Error),
    /// The relying party refused the clean ceremony that sets up the case.
    CleanRefused {
        /// `registration` or `authentication`.
        op: &'static str,
        /// Why.
        source: uaf_rp::Error,
    },
    /// The simulated authenticator's metadata statement is not JSON.
    MetadataStatement(serde_json::Error),
    /// JSON the case edits or records is not JSON.
    Json(serde_json::Error),
    /// The vector made from the case is invalid (the vector format refuses it).
    Vector(crate::vector::VectorError),
    /// `uaf-rp` disagrees with the case's independent expectation: the mismatches.
    Disagrees(Vec<String>),
    /// `uaf-rp` rejects the case at a step the case does not name.
    UnnamedStep {
        /// The step `uaf-rp` decided at.
        step: StepId,
        /// The steps the case names.
        named: Vec<String>,
        /// `uaf-rp`'s message.
        message: String,
    },
    /// Two cases have the same id.
    DuplicateId,
    /// A file or folder could not be written or removed.
    Io(std::io::Error),
}

impl fmt::Display for CaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseError::Missing(what) => write!(f, "missing: {what} (fix the case)"),
            CaseError::Malformed(what) => write!(f, "malformed: {what} (fix the case)"),
            CaseError::Base64(e) => write!(f, "base64url: {e}"),
            CaseError::Id(e) => write!(f, "identifier: {e}"),
            CaseError::Message(e) => write!(f, "message: {e}"),
            CaseError::Assertion(e) => write!(f, "assertion: {e}"),
            CaseError::Tlv(e) => write!(f, "TLV: {e}"),
            CaseError::Crypto(e) => write!(f, "key: {e}"),
            CaseError::Authenticator(e) => write!(f, "authenticator: {e}"),
            CaseError::Arm { fault, source } => write!(f, "arm {}: {source}", fault.id()),
            CaseError::Client(e) => write!(f, "client: {e}"),
            CaseError::Config(e) => write!(f, "relying party configuration: {e}"),
            CaseError::Rp(e) => write!(f, "relying party: {e}"),
            CaseError::CleanRefused { op, source } => {
                write!(f, "the RP refused a clean {op}: {source}")
            }
            CaseError::MetadataStatement(e) => write!(f, "metadata statement: {e}"),
            CaseError::Json(e) => write!(f, "JSON: {e}"),
            CaseError::Vector(e) => write!(f, "invalid vector: {e}"),
            CaseError::Disagrees(mismatches) => {
                write!(f, "uaf-rp disagrees: {}", mismatches.join("; "))
            }
            CaseError::UnnamedStep {
                step,
                named,
                message,
            } => write!(
                f,
                "uaf-rp rejects it at {} ({}), a step the case does not name ({}): {message}",
                step.id(),
                step.digest_label(),
                named.join(", ")
            ),
            CaseError::DuplicateId => f.write_str("duplicate id; give the case a new one"),
            CaseError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for CaseError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            CaseError::Id(e) => Some(e),
            CaseError::Message(e) => Some(e),
            CaseError::Assertion(e) => Some(e),
            CaseError::Tlv(e) => Some(e),
            CaseError::Crypto(e) => Some(e),
            CaseError::Authenticator(e) | CaseError::Arm { source: e, .. } => Some(e),
            CaseError::Client(e) => Some(e),
            CaseError::Config(e) => Some(e),
            CaseError::Rp(e) | CaseError::CleanRefused { source: e, .. } => Some(e),
            CaseError::MetadataStatement(e) | CaseError::Json(e) => Some(e),
            CaseError::Vector(e) => Some(e),
            CaseError::Io(e) => Some(e),
            CaseError::Base64(e) => Some(e),
            CaseError::Missing(_)
            | CaseError::Malformed(_)
            | CaseError::Disagrees(_)
            | CaseError::UnnamedStep { .. }
            | CaseError::DuplicateId => None,
        }
    }
}

macro_rules! case_error_from {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl From<$ty> for CaseError {
            fn from(e: $ty) -> Self {
                CaseError::$variant(e)
            }
        }
    )*};
}

case_error_from! {
    uaf_proto::id::IdError => Id,
    uaf_proto::message::MessageError => Message,
    uaf_proto::assertion::AssertionError => Assertion,
    uaf_proto::tlv::TlvError => Tlv,
    uaf_proto::b64::Base64Error => Base64,
    uaf_crypto::CryptoError => Crypto,
    uaf_authenticator::Error => Authenticator,
    uaf_client::ClientError => Client,
    uaf_rp::ConfigError => Config,
    uaf_rp::Error => Rp,
    serde_json::Error => Json,
    crate::vector::VectorError => Vector,
}

/// Where the case's data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// The simulated phone answered a request of `uaf-rp`.
    Simulator,
    /// Hand-built with the `uaf-proto` builders (a defect the simulator cannot make).
    Handmade,
    /// Derived from a simulator response by editing its JSON text (header, members): the
    /// signed assertion is untouched.
    Edited,
}

/// One case before it becomes a vector.
struct Case {
    id: String,
    description: String,
    steps: Vec<StepId>,
    /// For a rejection: the digest label of the first failing step when it is not
    /// [`run::default_label`] of `steps[0]` (the A5.3 half of `AUTH-14`).
    step_label: Option<&'static str>,
    origin: Origin,
    op: Op,
    rp: RpSettings,
    metadata: Vec<Value>,
    registrations: Vec<Registration>,
    request: Option<String>,
    response: Option<String>,
    assertion: Option<String>,
    expect: Expect,
}

impl Case {
    fn new(id: &str, description: &str, op: Op, rp: RpSettings, expect: Expect) -> Case {
        Case {
            id: String::from(id),
            description: String::from(description),
            steps: Vec::new(),
            step_label: None,
            origin: Origin::Simulator,
            op,
            rp,
            metadata: Vec::new(),
            registrations: Vec::new(),
            request: None,
            response: None,
            assertion: None,
            expect,
        }
    }
}

/// The collected vectors and the failures met.
#[derive(Default)]
struct Suite {
    vectors: Vec<Vector>,
    ids: BTreeSet<String>,
    errors: Vec<GenerateError>,
}

impl Suite {
    fn fail(&mut self, id: &str, problem: CaseError) {
        self.errors.push(GenerateError {
            id: String::from(id),
            problem,
        });
    }

    /// Adds `case` after running it: the relying party must agree with its expectation.
    fn push(&mut self, case: Case) {
        let id = case.id.clone();
        match self.finish(case) {
            Ok(v) => {
                if self.ids.insert(v.id.clone()) {
                    self.vectors.push(v);
                } else {
                    self.fail(&id, CaseError::DuplicateId);
                }
            }
            Err(problem) => self.fail(&id, problem),
        }
    }

    /// Adds the case `make` builds, or records why it could not be built.
    fn add(&mut self, id: &str, make: impl FnOnce(&str) -> Result<Case, CaseError>) {
        match make(id) {
            Ok(case) => self.push(case),
            Err(problem) => self.fail(id, problem),
        }
    }

    fn finish(&self, case: Case) -> Result<Vector, CaseError> {
        let request = match &case.request {
            None => None,
            Some(text) => Some(serde_json::from_str::<Value>(text)?),
        };
        let source = match case.origin {
            Origin::Simulator => {
                "generated by `uaf-conformance generate`: uaf-authenticator behind uaf-client answering a uaf-rp request (ChaCha20 seeded from the id)"
            }
            Origin::Handmade => {
                "generated by `uaf-conformance generate`: hand-built with the uaf-proto builders and uaf-crypto signing (ChaCha20 seeded from the id)"
            }
            Origin::Edited => {
                "generated by `uaf-conformance generate`: a simulator response with its JSON text edited as the description says (the signed assertion is untouched)"
            }
        };
        // A rejection names its first failing step (`expect.step`): the first step of the case,
        // labelled as the format says, unless the case names the label itself.
        let mut expect = case.expect;
        if !expect.status.is_success() && expect.step.is_none() {
            let label = match (case.step_label, case.steps.first()) {
                (Some(label), _) => String::from(label),
                (None, Some(step)) => run::default_label(*step),
                (None, None) => {
                    return Err(CaseError::Missing(
                        "first failing step (a rejecting case must name it)",
                    ));
                }
            };
            expect.step = Some(label);
        }
        let mut vector = Vector {
            format: FORMAT,
            id: case.id,
            description: case.description,
            steps: case
                .steps
                .iter()
                .map(|s| String::from(s.digest_label()))
                .collect(),
            source: Some(String::from(source)),
            op: case.op,
            rp: case.rp,
            metadata: case.metadata,
            registrations: case.registrations.iter().map(stored).collect(),
            request,
            response: case.response,
            assertion: case.assertion,
            expect,
        };
        // The relying party must agree with the independent expectation.
        let judged = run::run(&vector)?;
        if !judged.passed() {
            return Err(CaseError::Disagrees(judged.mismatches));
        }
        if let Some(f) = &judged.outcome.failure {
            let label = f.step.digest_label();
            if !vector.steps.iter().any(|s| s == label) {
                return Err(CaseError::UnnamedStep {
                    step: f.step,
                    named: vector.steps.clone(),
                    message: f.message.clone(),
                });
            }
            if vector.expect.error.is_none() {
                vector.expect.error = Some(String::from(f.code));
            }
        }
        Ok(vector)
    }
}

/// The record `r` as a `registrations` entry.
fn stored(r: &Registration) -> StoredRegistration {
    StoredRegistration {
        username: r.username.clone(),
        aaid: r.aaid.as_str().to_string(),
        key_id: r.key_id.to_base64url(),
        public_key: uaf_proto::b64::encode(&r.public_key),
        public_key_encoding: r.public_key_encoding.value(),
        sign_alg: r.sign_alg.value(),
        sign_counter: r.sign_counter,
    }
}

/// Every generated vector, in a stable order, each checked against `uaf-rp`.
///
/// # Errors
/// Every case that could not be made or that the relying party disagrees with.
pub fn vectors() -> Result<Vec<Vector>, Vec<GenerateError>> {
    let mut suite = Suite::default();
    cases::all(&mut suite);
    if suite.errors.is_empty() {
        Ok(suite.vectors)
    } else {
        Err(suite.errors)
    }
}

/// The path of `v` inside the generated folder: `<id>.json`, or
/// `extensions/<id>.json` for the `Dereg` extension.
#[must_use]
pub fn relative_path(v: &Vector) -> PathBuf {
    let file = alloc::format!("{}.json", v.id);
    if v.op == Op::Dereg {
        Path::new(EXTENSIONS_DIR).join(file)
    } else {
        PathBuf::from(file)
    }
}

/// The beginning of every generated vector's `source`: what [`write()`] may delete.
const SOURCE_PREFIX: &str = "generated by `uaf-conformance generate`";

/// What [`write()`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Stale generated vectors removed: `*.json` files under the folder whose `source` says
    /// they were generated, and that this generation did not write (a renamed or dropped
    /// case). Other files are never touched.
    pub removed: Vec<PathBuf>,
}

/// Writes every generated vector under `dir` (created if needed), and removes generated
/// vectors of earlier runs that no longer exist.
///
/// # Errors
/// The generation failures (then nothing is written), or the file that could not be written
/// or removed.
pub fn write(dir: &Path) -> Result<Written, Vec<GenerateError>> {
    let vectors = vectors()?;
    let io = |path: &Path, e: std::io::Error| {
        alloc::vec![GenerateError {
            id: path.display().to_string(),
            problem: CaseError::Io(e),
        }]
    };
    let mut out = Written::default();
    for v in &vectors {
        let path = dir.join(relative_path(v));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        let text = v.to_pretty_json().map_err(|e| {
            alloc::vec![GenerateError {
                id: v.id.clone(),
                problem: CaseError::Json(e),
            }]
        })?;
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        out.files.push(path);
    }
    for old in crate::suite::find(&[dir.to_path_buf()]) {
        if out.files.contains(&old) {
            continue;
        }
        let generated = crate::suite::load(&old)
            .ok()
            .and_then(|v| v.source)
            .is_some_and(|s| s.starts_with(SOURCE_PREFIX));
        if generated {
            std::fs::remove_file(&old).map_err(|e| io(&old, e))?;
            out.removed.push(old);
        }
    }
    Ok(out)
}
