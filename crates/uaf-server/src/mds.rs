//! The FIDO Metadata Service BLOB in the server (`--mds-blob FILE [--mds-root CERT.pem]
//! [--mds-crl FILE…]`, docs/server.md "Metadata Service BLOB").
//!
//! - At start the BLOB is read and verified ([`uaf_metadata::BlobVerifier`]) at the server's
//!   clock, to the roots given (default: the FIDO MDS root), with revocation by the CRLs given;
//!   a bad BLOB stops the start ([`crate::ServerError::Metadata`]).
//! - Its UAF entries are merged with the `--metadata DIR` statements: for the same AAID the
//!   local statement wins (logged once per load).
//! - It is reloaded on SIGHUP (Unix) and when the BLOB, a root or a CRL file changes (size or
//!   modification time, checked every [`MdsConfig::poll_interval`]). A reload verifies the new
//!   BLOB with `no` greater than the one in force; a bad or older BLOB is logged and ignored,
//!   and the BLOB in force stays.
//! - The server reaches no network: the operator (or a cron job) downloads the BLOB, the root
//!   and the CRLs.
//!
//! The relying party reads metadata through [`LiveMetadata`], whose look-ups are lock-free:
//! each accepted load appends a generation (an immutable merged index) and look-ups read the
//! newest. Older generations stay in memory until the server stops, so that a look-up in
//! flight never sees its index freed; they are few, because only a correctly signed BLOB with
//! a greater `no` makes one (the FIDO MDS publishes about one a month), and each holds UAF
//! entries only.

use std::fs;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use uaf_metadata::{
    BlobFileError, BlobVerifier, IsoDate, MetadataEntry, MetadataIndex, MetadataSource,
    read_der_or_pem,
};
use uaf_proto::id::Aaid;

use crate::store::Clock;

/// Why a Metadata Service BLOB was not loaded (at start: the server refuses to start; on a
/// reload: the BLOB in force stays, and the reason is in [`MetadataStatus::last_error`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum MdsError {
    /// The server runs without `--mds-blob`: there is nothing to reload.
    NotConfigured,
    /// A trust anchor (`--mds-root`) or CRL (`--mds-crl`) file cannot be read.
    Anchor(BlobFileError),
    /// The BLOB file cannot be read or was refused (signature, chain, CRL, sequence number,
    /// payload: the source says which).
    Blob(BlobFileError),
}

impl core::fmt::Display for MdsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MdsError::NotConfigured => f.write_str("no --mds-blob to reload"),
            MdsError::Anchor(e) => write!(f, "metadata BLOB root or CRL: {e}"),
            MdsError::Blob(e) => write!(f, "metadata BLOB: {e}"),
        }
    }
}

impl std::error::Error for MdsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MdsError::NotConfigured => None,
            MdsError::Anchor(e) | MdsError::Blob(e) => Some(e),
        }
    }
}

/// Where the Metadata Service BLOB and its trust material are ([`crate::ServerConfig::mds`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MdsConfig {
    /// The BLOB file (the compact JWS as downloaded from `https://mds3.fidoalliance.org/`).
    pub blob: PathBuf,
    /// Trust anchor files (PEM or DER certificates). Empty: the FIDO MDS root
    /// ([`uaf_metadata::FIDO_MDS_ROOT_DER`]).
    pub roots: Vec<PathBuf>,
    /// CRL files (PEM or DER): one from each issuer on the BLOB's certificate path (for the
    /// FIDO MDS, the root's and the signing CA's). Required unless
    /// [`MdsConfig::danger_skip_revocation`].
    pub crls: Vec<PathBuf>,
    /// **Dangerous.** Do not check the revocation of the BLOB signer's certificates (a
    /// revoked, possibly leaked signing key is then accepted). Default off; for test setups.
    pub danger_skip_revocation: bool,
    /// How often the files are checked for changes (default 60 s).
    pub poll_interval: Duration,
}

impl MdsConfig {
    /// The BLOB at `blob`, the FIDO MDS root, no CRL files yet, a 60 s poll.
    #[must_use]
    pub fn new(blob: impl Into<PathBuf>) -> Self {
        MdsConfig {
            blob: blob.into(),
            roots: Vec::new(),
            crls: Vec::new(),
            danger_skip_revocation: false,
            poll_interval: Duration::from_secs(60),
        }
    }
}

/// What the server's metadata is now ([`crate::ServerHandle::metadata_status`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetadataStatus {
    /// `no` of the BLOB in force (`None` without `--mds-blob`).
    pub blob_no: Option<u64>,
    /// `nextUpdate` of the BLOB in force.
    pub next_update: Option<IsoDate>,
    /// Entries the relying party knows (local statements and BLOB entries, merged).
    pub entries: usize,
    /// BLOB entries replaced by a local statement for the same AAID.
    pub overridden_by_local: usize,
    /// Reloads refused since start (bad or not newer BLOBs).
    pub reloads_refused: u64,
    /// Why the last reload was refused, if the last attempt failed.
    pub last_error: Option<String>,
}

/// One merged index, and the next one once a reload accepted a newer BLOB.
struct Generation {
    index: MetadataIndex,
    next: OnceLock<Box<Generation>>,
}

/// (size, modification time) of each watched file; `None` for a file that cannot be read.
type Stamps = Vec<Option<(u64, SystemTime)>>;

/// What only the (serialised) loader touches.
struct LoaderState {
    status: MetadataStatus,
    stamps: Stamps,
}

/// The relying party's metadata: the local statements merged with the verified BLOB, replaced
/// by accepted reloads.
pub(crate) struct LiveMetadata {
    head: Generation,
    local: MetadataIndex,
    config: Option<MdsConfig>,
    clock: Clock,
    loader: Mutex<LoaderState>,
}

/// [`LiveMetadata`], shared by the relying party, the watcher and the server handle.
#[derive(Clone)]
pub(crate) struct SharedMetadata(pub(crate) Arc<LiveMetadata>);

impl std::fmt::Debug for SharedMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMetadata")
            .field("status", &self.0.status())
            .finish_non_exhaustive()
    }
}

impl MetadataSource for SharedMetadata {
    fn lookup(&self, aaid: &Aaid) -> Option<&MetadataEntry> {
        self.0.current().get(aaid)
    }
}

impl SharedMetadata {
    /// Fixed metadata: `index`, never reloaded (no BLOB).
    pub(crate) fn fixed(index: MetadataIndex, clock: Clock) -> Self {
        let status = MetadataStatus {
            entries: index.len(),
            ..MetadataStatus::default()
        };
        SharedMetadata(Arc::new(LiveMetadata {
            head: Generation {
                index,
                next: OnceLock::new(),
            },
            local: MetadataIndex::new(),
            config: None,
            clock,
            loader: Mutex::new(LoaderState {
                status,
                stamps: Vec::new(),
            }),
        }))
    }
}

impl LiveMetadata {
    /// Loads the local statements' index and, with `config`, the BLOB: the first generation.
    ///
    /// # Errors
    /// Why the BLOB (or one of its files) was refused, naming the file.
    pub(crate) fn load(
        local: MetadataIndex,
        config: Option<MdsConfig>,
        clock: Clock,
    ) -> Result<Self, MdsError> {
        let mut status = MetadataStatus::default();
        let (index, stamps) = match &config {
            Some(cfg) => {
                let stamps = stamps(cfg);
                let (index, blob_status) = load_blob(cfg, &local, (clock)(), None)?;
                status = blob_status;
                (index, stamps)
            }
            None => (local.clone(), Vec::new()),
        };
        status.entries = index.len();
        Ok(LiveMetadata {
            head: Generation {
                index,
                next: OnceLock::new(),
            },
            local,
            config,
            clock,
            loader: Mutex::new(LoaderState { status, stamps }),
        })
    }

    /// The newest generation's index.
    fn current(&self) -> &MetadataIndex {
        let mut generation = &self.head;
        while let Some(next) = generation.next.get() {
            generation = next;
        }
        &generation.index
    }

    /// The status now.
    pub(crate) fn status(&self) -> MetadataStatus {
        match self.loader.lock() {
            Ok(state) => state.status.clone(),
            Err(poisoned) => poisoned.into_inner().status.clone(),
        }
    }

    /// Reloads the BLOB (`why` is logged). A refused BLOB is logged and counted; the one in
    /// force stays.
    ///
    /// # Errors
    /// Why the new BLOB was refused (also in [`MetadataStatus::last_error`]).
    pub(crate) fn reload(&self, why: &str) -> Result<MetadataStatus, MdsError> {
        let Some(cfg) = &self.config else {
            return Err(MdsError::NotConfigured);
        };
        let mut state = match self.loader.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        state.stamps = stamps(cfg);
        let now = (self.clock)();
        match load_blob(cfg, &self.local, now, state.status.blob_no) {
            Ok((index, mut status)) => {
                status.entries = index.len();
                status.reloads_refused = state.status.reloads_refused;
                self.append(index);
                tracing::info!(
                    reason = why,
                    no = status.blob_no,
                    entries = status.entries,
                    "metadata BLOB reloaded"
                );
                state.status = status;
                Ok(state.status.clone())
            }
            Err(error) => {
                tracing::warn!(
                    reason = why,
                    error = %error,
                    no_in_force = state.status.blob_no,
                    "metadata BLOB reload refused; the BLOB in force stays"
                );
                state.status.reloads_refused = state.status.reloads_refused.saturating_add(1);
                state.status.last_error = Some(error.to_string());
                Err(error)
            }
        }
    }

    /// Whether a watched file changed since the last load.
    fn files_changed(&self) -> bool {
        let Some(cfg) = &self.config else {
            return false;
        };
        let now = stamps(cfg);
        match self.loader.lock() {
            Ok(state) => state.stamps != now,
            Err(poisoned) => poisoned.into_inner().stamps != now,
        }
    }

    /// Makes `index` the newest generation (called with the loader lock held).
    fn append(&self, index: MetadataIndex) {
        let mut generation = &self.head;
        while let Some(next) = generation.next.get() {
            generation = next;
        }
        let _ = generation.next.set(Box::new(Generation {
            index,
            next: OnceLock::new(),
        }));
    }
}

fn stamps(cfg: &MdsConfig) -> Stamps {
    std::iter::once(&cfg.blob)
        .chain(&cfg.roots)
        .chain(&cfg.crls)
        .map(|path| {
            fs::metadata(path)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)))
        })
        .collect()
}

/// Reads the roots and CRLs, verifies the BLOB at `now` (newer than `last_no`) and merges it
/// with `local`.
fn load_blob(
    cfg: &MdsConfig,
    local: &MetadataIndex,
    now: u64,
    last_no: Option<u64>,
) -> Result<(MetadataIndex, MetadataStatus), MdsError> {
    let read_all = |paths: &[PathBuf]| -> Result<Vec<Vec<u8>>, MdsError> {
        let mut out = Vec::new();
        for path in paths {
            out.extend(read_der_or_pem(path).map_err(MdsError::Anchor)?);
        }
        Ok(out)
    };
    let roots = read_all(&cfg.roots)?;
    let crls = read_all(&cfg.crls)?;
    let root_refs: Vec<&[u8]> = roots.iter().map(Vec::as_slice).collect();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let mut verifier =
        BlobVerifier::new(now, &crl_refs).danger_skip_revocation(cfg.danger_skip_revocation);
    if !root_refs.is_empty() {
        verifier = verifier.trust_anchors(&root_refs);
    }
    if let Some(no) = last_no {
        verifier = verifier.last_accepted_no(no);
    }
    let blob = verifier.verify_file(&cfg.blob).map_err(MdsError::Blob)?;
    if blob.is_due_for_update(now) {
        tracing::warn!(
            file = %cfg.blob.display(),
            next_update = %blob.next_update(),
            "the metadata BLOB is past its nextUpdate: download a newer one"
        );
    }
    tracing::info!(
        file = %cfg.blob.display(),
        no = blob.no(),
        next_update = %blob.next_update(),
        uaf_entries = blob.index().len(),
        skipped_non_uaf = blob.skipped_non_uaf(),
        skipped_without_statement = blob.skipped_without_statement(),
        revocation_checked = !cfg.danger_skip_revocation,
        "metadata BLOB verified"
    );
    let mut status = MetadataStatus {
        blob_no: Some(blob.no()),
        next_update: Some(blob.next_update()),
        ..MetadataStatus::default()
    };
    let mut merged = local.clone();
    for entry in blob.index().iter() {
        let aaid = entry.aaid();
        if local.get(&aaid).is_some() {
            status.overridden_by_local = status.overridden_by_local.saturating_add(1);
            tracing::info!(
                aaid = %aaid,
                "a local metadata statement (--metadata) replaces the BLOB entry for this AAID"
            );
        } else if let Err(e) = merged.insert(entry.clone()) {
            tracing::warn!(aaid = %aaid, error = %e, "BLOB entry not used");
        }
    }
    Ok((merged, status))
}

/// Watches for SIGHUP and file changes and reloads; ends when the metadata is dropped (the
/// server stopped) or the runtime that listens for SIGHUP ends.
pub(crate) fn spawn_watcher(metadata: &Arc<LiveMetadata>) -> std::io::Result<()> {
    let Some(cfg) = &metadata.config else {
        return Ok(());
    };
    let poll = cfg.poll_interval;
    let (trigger, triggered) = mpsc::channel::<()>();
    #[cfg(unix)]
    {
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                if trigger.send(()).is_err() {
                    break;
                }
            }
        });
    }
    // Without SIGHUP only the poll runs; the thread keeps the channel open itself.
    #[cfg(not(unix))]
    let keep_open = trigger;
    let weak: Weak<LiveMetadata> = Arc::downgrade(metadata);
    std::thread::Builder::new()
        .name(String::from("uaf-server mds"))
        .spawn(move || {
            #[cfg(not(unix))]
            let _keep_open = &keep_open;
            loop {
                let why = match triggered.recv_timeout(poll) {
                    Ok(()) => "SIGHUP",
                    Err(RecvTimeoutError::Timeout) => "file changed",
                    Err(RecvTimeoutError::Disconnected) => break,
                };
                let Some(metadata) = weak.upgrade() else {
                    break;
                };
                if why == "SIGHUP" || metadata.files_changed() {
                    let _ = metadata.reload(why);
                }
            }
        })?;
    Ok(())
}
