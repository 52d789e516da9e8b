//! The phone's state file: JSON, written atomically (temporary file + rename), mode 0600.

use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::PhoneError;

/// The format version written.
pub(crate) const VERSION: u32 = 1;

/// What the phone keeps. The seed and ASM token let the authenticator and client be rebuilt
/// exactly (the key-wrapping secret comes from the seed; the enrolment is replayed to get the
/// same wrapped key handle back); the PIN is kept only as a salted SHA-256.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PhoneState {
    pub(crate) version: u32,
    pub(crate) server: String,
    pub(crate) username: String,
    pub(crate) facet_id: String,
    pub(crate) trusted_facets: Option<String>,
    pub(crate) aaid: String,
    /// base64url.
    pub(crate) key_id: String,
    pub(crate) device_token: String,
    /// base64url of 32 bytes.
    pub(crate) authenticator_seed: String,
    /// base64url of 32 bytes.
    pub(crate) asm_token: String,
    /// base64url.
    pub(crate) pin_salt: String,
    /// base64url of SHA-256(salt ‖ PIN).
    pub(crate) pin_hash: String,
    /// The registration request answered at enrolment (replayed on load).
    pub(crate) enrollment_request: String,
}

pub(crate) fn read(path: &Path) -> Result<PhoneState, PhoneError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PhoneError::State(format!("{}: {e}", path.display())))?;
    let state: PhoneState = serde_json::from_str(&text)
        .map_err(|e| PhoneError::State(format!("{}: {e}", path.display())))?;
    if state.version != VERSION {
        return Err(PhoneError::State(format!(
            "{}: format version {} (this build reads {VERSION})",
            path.display(),
            state.version
        )));
    }
    Ok(state)
}

pub(crate) fn write(path: &Path, state: &PhoneState) -> Result<(), PhoneError> {
    let err = |e: std::io::Error| PhoneError::State(format!("{}: {e}", path.display()));
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| PhoneError::State(format!("cannot encode the state: {e}")))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| PhoneError::State(format!("{}: not a file name", path.display())))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}
