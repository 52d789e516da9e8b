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

/// A generation failure: the case and what went wrong (a simulator refusal, or a relying
/// party that disagrees with the case's expectation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateError {
    /// The vector id (or the file, for write errors).
    pub id: String,
    /// What went wrong.
    pub problem: String,
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.problem)
    }
}

impl core::error::Error for GenerateError {}

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
    fn fail(&mut self, id: &str, problem: impl Into<String>) {
        self.errors.push(GenerateError {
            id: String::from(id),
            problem: problem.into(),
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
                    self.fail(&id, "duplicate id");
                }
            }
            Err(problem) => self.fail(&id, problem),
        }
    }

    /// Adds the case `make` builds, or records why it could not be built.
    fn add(&mut self, id: &str, make: impl FnOnce(&str) -> Result<Case, String>) {
        match make(id) {
            Ok(case) => self.push(case),
            Err(problem) => self.fail(id, problem),
        }
    }

    fn finish(&self, case: Case) -> Result<Vector, String> {
        let request = match &case.request {
            None => None,
            Some(text) => Some(
                serde_json::from_str::<Value>(text)
                    .map_err(|e| alloc::format!("request is not JSON: {e}"))?,
            ),
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
                    return Err(String::from(
                        "a rejecting case must name its first failing step",
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
        let judged = run::run(&vector).map_err(|e| alloc::format!("invalid vector: {e}"))?;
        if !judged.passed() {
            return Err(alloc::format!(
                "uaf-rp disagrees: {}",
                judged.mismatches.join("; ")
            ));
        }
        if let Some(f) = &judged.outcome.failure {
            let label = f.step.digest_label();
            if !vector.steps.iter().any(|s| s == label) {
                return Err(alloc::format!(
                    "uaf-rp rejects it at {} ({label}), a step the case does not name ({}): {}",
                    f.step.id(),
                    vector.steps.join(", "),
                    f.message
                ));
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
            problem: e.to_string(),
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
                problem: e.to_string(),
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
