//! Tests any UAF server over HTTP, through the FIDO conformance server API (digest §2.13,
//! §10.1): `POST {base}/get` issues requests, `POST {base}/respond` judges responses.
//!
//! The simulated phone (`uaf-client` over `uaf-authenticator`) answers the server's requests,
//! correctly or with one deliberate fault, and each answer of the server is compared with
//! what the FIDO server conformance tests expect (digest §10, §3.1). Three groups:
//!
//! | group | cases | passes when |
//! |---|---|---|
//! | [`Group::RequestShape`] | `Server-Reg-Req-1…4`, `Server-Auth-Req-1…4`, `Server-Dereg-Req-1…4` | `/get` answers 1200 and a request that strict decoding and the checks of digest §10.2 accept |
//! | [`Group::Positive`] | every simulated model (algorithm × key encoding × attestation): registration, authentication; a transaction; replays | a correct response gets 1200; the same response sent again is rejected |
//! | [`Group::Negative`] | every [`uaf_authenticator::Fault`] and every [`uaf_client::ClientFault`] (for `Reg` and `Auth`) | the faulty response is rejected with 1498 (or, with [`ServerOptions::specific_status`], the fault's own status) |
//!
//! Each case uses a fresh user name, so no state leaks from one case to the next. A fault
//! that cannot apply to the setup (a channel binding mismatch, when the runner cannot know
//! the TLS channel the server sees) is reported as [`Verdict::Skip`] with the reason, and
//! counted apart.
//!
//! The server must load the metadata statements of the simulated models first:
//! [`metadata`] / [`write_metadata`] (the command `uaf-conformance server-metadata DIR`).
//! They are deterministic, so a server is set up once.
//!
//! **Transport**: plain `http://` only (the workspace has no TLS backend for the HTTP
//! client); every call has a timeout ([`ServerOptions::timeout`]).
//!
//! ## Example
//! The plan, without a server:
//! ```
//! use uaf_conformance::http::{Group, ServerOptions, ServerSuite};
//!
//! let suite = ServerSuite::new(ServerOptions::default());
//! let plan = suite.plan();
//! assert!(plan.iter().any(|c| c.id == "Server-Reg-Req-1"));
//! assert!(plan.iter().any(|c| c.group == Group::Negative && c.id.contains("counter-rollback")));
//!
//! let mut only = ServerOptions::default();
//! only.only = Some(String::from("Server-Dereg-Req"));
//! assert_eq!(ServerSuite::new(only).plan().len(), 4);
//! ```

mod checks;
mod client;
mod profiles;
mod suite;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

pub use suite::ServerSuite;

/// How the suite runs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerOptions {
    /// The facet ID the simulated client reports (`https://host[:port]`,
    /// `android:apk-key-hash:…`, `ios:bundle-id:…`); the server must trust it. Default: the
    /// origin of the base URL, as `https://host[:port]` (UAF web facets are `https` origins
    /// only, even when the conformance API itself is reached over plain http).
    pub facet: Option<String>,
    /// The beginning of every user name; a run tag and the case number follow. Default
    /// `uaf-conformance-`.
    pub username_prefix: String,
    /// Expect each fault's own status code (1491 replay, 1480 unknown AAID, 1496 attestation,
    /// …; digest §3.1, `--specific-status`) instead of 1498 for every rejection, which is what
    /// the FIDO conformance tool expects.
    pub specific_status: bool,
    /// Run only the cases whose id contains this text.
    pub only: Option<String>,
    /// The limit of each HTTP call. Default 10 s.
    pub timeout: Duration,
    /// The seed of the run's keys and user names; `None`: from the clock (so that reruns
    /// against a server that keeps its data use new keys and users).
    pub seed: Option<u64>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            facet: None,
            username_prefix: String::from("uaf-conformance-"),
            specific_status: false,
            only: None,
            timeout: Duration::from_secs(10),
            seed: None,
        }
    }
}

/// The group of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// The shape of what `/get` issues (digest §10.2).
    RequestShape,
    /// Correct responses are accepted (and a replay is not).
    Positive,
    /// Faulty responses are rejected.
    Negative,
}

impl Group {
    /// `request-shape`, `positive`, `negative`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Group::RequestShape => "request-shape",
            Group::Positive => "positive",
            Group::Negative => "negative",
        }
    }
}

/// One case of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedCase {
    /// A stable id (`Server-Reg-Req-1`, `reg/F1D5#A000`, `fault/counter-rollback`, …).
    pub id: String,
    /// What it does and expects.
    pub title: String,
    /// Its group.
    pub group: Group,
    /// The FIDO server conformance test it belongs to (digest §10).
    pub fido_test: &'static str,
}

/// The verdict of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The server did what the case expects.
    Pass,
    /// It did not: what happened.
    Fail(String),
    /// The case cannot apply to this setup: why.
    Skip(String),
}

/// One case and its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// The case.
    pub case: PlannedCase,
    /// Its verdict.
    pub verdict: Verdict,
}

impl CaseResult {
    /// Whether the case passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }

    /// One report line: `PASS  id  title`, `FAIL  id  title: detail`, `SKIP  id  title: reason`.
    #[must_use]
    pub fn line(&self) -> String {
        let c = &self.case;
        match &self.verdict {
            Verdict::Pass => alloc::format!("PASS  {}  {}", c.id, c.title),
            Verdict::Fail(d) => alloc::format!("FAIL  {}  {}: {d}", c.id, c.title),
            Verdict::Skip(d) => alloc::format!("SKIP  {}  {}: {d}", c.id, c.title),
        }
    }

    /// The result as one JSON object: `id`, `title`, `group`, `fido_test`, `result`
    /// (`pass`/`fail`/`skip`) and `detail` (failures and skips).
    #[must_use]
    pub fn json(&self) -> Value {
        let (result, detail) = match &self.verdict {
            Verdict::Pass => ("pass", None),
            Verdict::Fail(d) => ("fail", Some(d.as_str())),
            Verdict::Skip(d) => ("skip", Some(d.as_str())),
        };
        let mut v = json!({
            "id": self.case.id,
            "title": self.case.title,
            "group": self.case.group.name(),
            "fido_test": self.case.fido_test,
            "result": result,
        });
        if let (Some(d), Some(m)) = (detail, v.as_object_mut()) {
            m.insert("detail".into(), Value::from(d));
        }
        v
    }
}

/// Counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases passed.
    pub passed: usize,
    /// Cases failed.
    pub failed: usize,
    /// Cases skipped.
    pub skipped: usize,
}

impl Summary {
    /// The counts of `results`.
    #[must_use]
    pub fn of(results: &[CaseResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.verdict {
                Verdict::Pass => s.passed += 1,
                Verdict::Fail(_) => s.failed += 1,
                Verdict::Skip(_) => s.skipped += 1,
            }
        }
        s
    }

    /// No case failed (skips do not fail a run).
    #[must_use]
    pub const fn all_passed(&self) -> bool {
        self.failed == 0
    }
}

impl fmt::Display for Summary {
    /// `N passed, N failed, N skipped`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Why a run could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuiteError {
    /// The base URL or the facet is not usable.
    Usage(String),
    /// The server did not answer at all (nothing was judged).
    Unreachable(String),
    /// The simulated models could not be built (a bug of the runner).
    Setup(ModelError),
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuiteError::Usage(m) => write!(f, "{m}"),
            SuiteError::Unreachable(m) => write!(f, "server unreachable: {m}"),
            SuiteError::Setup(m) => write!(f, "setting up the simulated authenticators: {m}"),
        }
    }
}

impl core::error::Error for SuiteError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            SuiteError::Setup(e) => Some(e),
            SuiteError::Usage(_) | SuiteError::Unreachable(_) => None,
        }
    }
}

/// Why a simulated model (or the phone holding it) could not be made: a bug of the runner.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// The model's AAID is malformed.
    Aaid(uaf_proto::id::IdError),
    /// The simulated authenticator, its profile or its attestation credentials refused.
    Authenticator(uaf_authenticator::Error),
    /// The phone holds no authenticator.
    NoAuthenticator,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Aaid(e) => write!(f, "the model's AAID: {e}"),
            ModelError::Authenticator(e) => write!(f, "simulated authenticator: {e}"),
            ModelError::NoAuthenticator => f.write_str("the simulated phone has no authenticator"),
        }
    }
}

impl core::error::Error for ModelError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ModelError::Aaid(e) => Some(e),
            ModelError::Authenticator(e) => Some(e),
            ModelError::NoAuthenticator => None,
        }
    }
}

impl From<uaf_proto::id::IdError> for ModelError {
    fn from(e: uaf_proto::id::IdError) -> Self {
        ModelError::Aaid(e)
    }
}

impl From<uaf_authenticator::Error> for ModelError {
    fn from(e: uaf_authenticator::Error) -> Self {
        ModelError::Authenticator(e)
    }
}

/// Why [`write_metadata`] wrote nothing or not everything.
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteMetadataError {
    /// A model could not be built (a bug of the runner).
    Model(ModelError),
    /// A folder or file could not be written.
    Io {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl fmt::Display for WriteMetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteMetadataError::Model(e) => write!(f, "{e}"),
            WriteMetadataError::Io { path, source } => write!(
                f,
                "cannot write {}: {source}; check that the folder is writable",
                path.display()
            ),
        }
    }
}

impl core::error::Error for WriteMetadataError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            WriteMetadataError::Model(e) => Some(e),
            WriteMetadataError::Io { source, .. } => Some(source),
        }
    }
}

/// The metadata statement of one simulated model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedMetadata {
    /// Its AAID (`F1D5#A000`).
    pub aaid: String,
    /// What the model is (algorithm, key encoding, attestation).
    pub description: String,
    /// The metadata statement (UAF 1.1 JSON; basic full models carry their attestation root).
    pub statement: String,
}

impl SimulatedMetadata {
    /// The file name [`write_metadata`] uses: the AAID with `#` as `-`, `.json`.
    #[must_use]
    pub fn file_name(&self) -> String {
        alloc::format!("{}.json", self.aaid.replace('#', "-"))
    }
}

/// The metadata statements of every simulated model the suite uses, in a stable order;
/// the same on every run.
///
/// # Errors
/// [`ModelError`]: a model that cannot be built (a bug of the runner).
pub fn metadata() -> Result<Vec<SimulatedMetadata>, ModelError> {
    profiles::all_specs()
        .iter()
        .map(|spec| {
            let p = spec.build()?;
            let roots = match p.attestation() {
                uaf_authenticator::AttestationConfig::BasicFull(c) => c.roots().to_vec(),
                _ => Vec::new(),
            };
            Ok(SimulatedMetadata {
                aaid: spec.aaid.clone(),
                description: spec.describe(),
                statement: p.metadata_statement(&roots),
            })
        })
        .collect()
}

/// Writes [`metadata`] into `dir` (created if needed), one file per AAID; returns the files.
///
/// # Errors
/// [`WriteMetadataError`]: a model that cannot be built, or a file that cannot be written.
pub fn write_metadata(dir: &Path) -> Result<Vec<PathBuf>, WriteMetadataError> {
    let all = metadata().map_err(WriteMetadataError::Model)?;
    std::fs::create_dir_all(dir).map_err(|source| WriteMetadataError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::with_capacity(all.len());
    for m in &all {
        let path = dir.join(m.file_name());
        let mut text = m.statement.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        if let Err(source) = std::fs::write(&path, text) {
            return Err(WriteMetadataError::Io { path, source });
        }
        out.push(path);
    }
    Ok(out)
}
