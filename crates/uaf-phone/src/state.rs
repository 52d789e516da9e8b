//! The phone's state file: JSON, written atomically (temporary file + fsync + rename), mode
//! 0600, and only under the exclusive advisory lock of its sidecar `STATE.lock` ([`lock`]).
//!
//! **Several processes, one file.** `uaf-phone wait` runs for hours while `enroll`, `remove`
//! or another `wait` may write the same file. Every write is a read-modify-write under the
//! lock: the writer re-reads the file inside the lock, applies only its own change (an account
//! added or removed, one wrong PIN counted, the count reset) and renames the new file into
//! place before it lets go; so no process ever writes back a stale copy over another's change.
//! The lock is on a sidecar file, not on the state file, because the state file is replaced
//! by a rename at every write (a lock on it would be on the old inode). The sidecar is never
//! deleted (deleting a lock file races with its next locker). Readers need no lock: a rename
//! is atomic, a reader sees the old file or the new one. The nonce is fresh at every seal: it
//! is the vault's generation (a running phone compares it to notice another process's change).
//!
//! Format version 3: a clear header (format version, argon2id parameters and salt, the AEAD
//! and its nonce, the PIN attempt limit and the count of wrong PINs in a row) and the sealed
//! [`Vault`] of every account (AES-256-GCM under argon2id(PIN, salt); the header but the count
//! is its associated data).
//!
//! Version 2 has the same header and seals the secrets of one account ([`AccountSecrets`]
//! without the members added by version 3): it is read as a vault of that one account, and
//! written as version 3 from then on ([`StateFile::seal`] always writes version 3). Version 1
//! (secrets in clear, the PIN as salted SHA-256) is refused: re-enrol.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::PhoneError;
use crate::seal::{KdfParams, NONCE_LEN, SALT_LEN, SealKey};

/// The format version written.
pub(crate) const VERSION: u32 = 3;
/// The previous version, read (one account) and upgraded on the next write.
pub(crate) const VERSION_2: u32 = 2;
/// The `format` field: what the file is.
const FORMAT: &str = "uaf-phone state";
/// The KDF.
const KDF: &str = "argon2id";
/// argon2 version 0x13 (RFC 9106).
const KDF_VERSION: u32 = 0x13;
/// The AEAD.
const AEAD: &str = "AES-256-GCM";

/// The argon2id parameters and salt, as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KdfHeader {
    pub(crate) algorithm: String,
    pub(crate) version: u32,
    pub(crate) memory_kib: u32,
    pub(crate) iterations: u32,
    pub(crate) parallelism: u32,
    /// base64url of 16 bytes.
    pub(crate) salt: String,
}

/// The file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StateFile {
    pub(crate) format: String,
    pub(crate) version: u32,
    pub(crate) kdf: KdfHeader,
    pub(crate) aead: String,
    /// base64url of 12 bytes.
    pub(crate) nonce: String,
    /// Wrong PINs in a row that lock the phone.
    pub(crate) max_pin_attempts: u8,
    /// Wrong PINs in a row so far (not authenticated: it changes when the PIN is wrong, when
    /// no key is at hand; see the README on rollback).
    pub(crate) failed_pin_attempts: u8,
    /// base64url of the AES-256-GCM ciphertext and tag of [`Vault`] as JSON.
    pub(crate) sealed: String,
}

/// The authenticated part of the header (AES-GCM associated data), in a fixed field order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Aad<'a> {
    format: &'a str,
    version: u32,
    kdf: &'a KdfHeader,
    aead: &'a str,
    max_pin_attempts: u8,
}

impl StateFile {
    pub(crate) fn aad(&self) -> Result<Vec<u8>, PhoneError> {
        serde_json::to_vec(&Aad {
            format: &self.format,
            version: self.version,
            kdf: &self.kdf,
            aead: &self.aead,
            max_pin_attempts: self.max_pin_attempts,
        })
        .map_err(|e| PhoneError::State(format!("cannot encode the header: {e}")))
    }

    /// The argon2id parameters (checked: a tampered file cannot make the phone allocate
    /// more than [`crate::seal::MAX_MEMORY_KIB`]).
    pub(crate) fn kdf_params(&self) -> Result<KdfParams, PhoneError> {
        KdfParams::new(
            self.kdf.memory_kib,
            self.kdf.iterations,
            self.kdf.parallelism,
        )
        .map_err(|e| PhoneError::State(e.to_string()))
    }

    pub(crate) fn salt(&self) -> Result<[u8; SALT_LEN], PhoneError> {
        fixed(&self.kdf.salt, "kdf.salt")
    }

    /// Seals `secrets` under `key` with a fresh random `nonce`.
    pub(crate) fn seal(
        kdf: KdfParams,
        salt: &[u8; SALT_LEN],
        nonce: &[u8; NONCE_LEN],
        max_pin_attempts: u8,
        failed_pin_attempts: u8,
        key: &SealKey,
        secrets: &Vault,
    ) -> Result<StateFile, PhoneError> {
        let mut file = StateFile {
            format: String::from(FORMAT),
            version: VERSION,
            kdf: KdfHeader {
                algorithm: String::from(KDF),
                version: KDF_VERSION,
                memory_kib: kdf.memory_kib,
                iterations: kdf.iterations,
                parallelism: kdf.parallelism,
                salt: URL_SAFE_NO_PAD.encode(salt),
            },
            aead: String::from(AEAD),
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            max_pin_attempts,
            failed_pin_attempts,
            sealed: String::new(),
        };
        let plaintext = Zeroizing::new(
            serde_json::to_vec(secrets)
                .map_err(|e| PhoneError::State(format!("cannot encode the state: {e}")))?,
        );
        let ciphertext = key.seal(nonce, &plaintext, &file.aad()?)?;
        file.sealed = URL_SAFE_NO_PAD.encode(ciphertext);
        Ok(file)
    }

    /// Opens the vault with `key`: `None` for a wrong PIN or an altered file. A version 2
    /// file gives a vault of its one account.
    pub(crate) fn open(&self, key: &SealKey) -> Result<Option<Vault>, PhoneError> {
        let nonce: [u8; NONCE_LEN] = fixed(&self.nonce, "nonce")?;
        let ciphertext = URL_SAFE_NO_PAD
            .decode(&self.sealed)
            .map_err(|e| PhoneError::State(format!("sealed: {e}")))?;
        let Some(plaintext) = key.open(&nonce, &ciphertext, &self.aad()?)? else {
            return Ok(None);
        };
        let bad = |e: serde_json::Error| PhoneError::State(format!("sealed state: {e}"));
        if self.version == VERSION_2 {
            let one: AccountSecrets = serde_json::from_slice(&plaintext).map_err(bad)?;
            return Ok(Some(Vault {
                accounts: vec![one],
            }));
        }
        serde_json::from_slice(&plaintext).map(Some).map_err(bad)
    }
}

fn fixed<const N: usize>(text: &str, what: &str) -> Result<[u8; N], PhoneError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| PhoneError::State(format!("{what}: {e}")))?;
    <[u8; N]>::try_from(bytes.as_slice())
        .map_err(|_| PhoneError::State(format!("{what}: not {N} bytes")))
}

/// What the phone seals: its accounts, oldest first.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Vault {
    pub(crate) accounts: Vec<AccountSecrets>,
}

/// One account. The seed and ASM token let its authenticator and client be rebuilt exactly
/// (the key-wrapping secret comes from the seed; the enrolment is replayed to get the same
/// wrapped key handle back). Zeroized when dropped. The members marked "version 3" are absent
/// from a version 2 file.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AccountSecrets {
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
    /// The registration request answered at enrolment (replayed on load).
    pub(crate) enrollment_request: String,
    /// When the account was added (unix seconds; version 3, unknown for an upgraded file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) added_at: Option<u64>,
    /// The CA certificates (PEM) trusted for this server, when not Mozilla's roots (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ca_pem: Option<String>,
    /// The account's verification codes (RFC 6238), when the server set them up (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) verification_code: Option<CodeSecret>,
}

impl Drop for AccountSecrets {
    fn drop(&mut self) {
        self.device_token.zeroize();
        self.authenticator_seed.zeroize();
        self.asm_token.zeroize();
        self.key_id.zeroize();
    }
}

/// The shared secret of an account's verification codes and how they are made (the server's
/// `VerificationCodeSetup`). Zeroized when dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CodeSecret {
    /// RFC 4648 base32, no padding.
    pub(crate) secret: String,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub(crate) algorithm: String,
    pub(crate) digits: u8,
    pub(crate) period_secs: u64,
}

impl Drop for CodeSecret {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// Reads a state file; an old (version 1) file is refused with what to do.
pub(crate) fn read(path: &Path) -> Result<StateFile, PhoneError> {
    let at = |m: String| PhoneError::State(format!("{}: {m}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| at(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| at(format!("not a state file: {e}")))?;
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    if version == Some(1) {
        return Err(at(String::from(
            "an old-format state file (version 1: secrets in clear, the PIN as a salted \
             SHA-256); this build only reads sealed files (versions 2 and 3) and does not migrate \
             (anyone who read the old file has the key): re-enrol the phone with a new invite \
             code (`uaf-server invite USER`, then `uaf-phone enroll`) and delete this file",
        )));
    }
    if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT)
        || !(version == Some(u64::from(VERSION)) || version == Some(u64::from(VERSION_2)))
    {
        return Err(at(format!(
            "not a uaf-phone state file of format version {VERSION_2} or {VERSION}"
        )));
    }
    let file: StateFile = serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
    if file.kdf.algorithm != KDF || file.kdf.version != KDF_VERSION || file.aead != AEAD {
        return Err(at(format!(
            "unsupported sealing ({} v{}, {}); this build uses {KDF} v{KDF_VERSION}, {AEAD}",
            file.kdf.algorithm, file.kdf.version, file.aead
        )));
    }
    if file.max_pin_attempts == 0 {
        return Err(at(String::from("maxPinAttempts is 0")));
    }
    Ok(file)
}

/// The exclusive advisory lock of the state file at `path` (held until dropped): an
/// exclusive `flock`-style lock (`std::fs::File::lock`) on the sidecar `PATH.lock`, created
/// with mode 0600 if needed. Blocks while another process (or another handle in this one)
/// holds it.
pub(crate) struct StateLock {
    _file: std::fs::File,
}

/// The sidecar lock file of `path`: `PATH.lock` in the same directory.
pub(crate) fn lock_path(path: &Path) -> Result<std::path::PathBuf, PhoneError> {
    let name = path
        .file_name()
        .ok_or_else(|| PhoneError::State(format!("{}: not a file name", path.display())))?;
    let mut lock = name.to_os_string();
    lock.push(".lock");
    Ok(path.with_file_name(lock))
}

/// Takes the lock of the state file at `path` (see [`StateLock`]).
pub(crate) fn lock(path: &Path) -> Result<StateLock, PhoneError> {
    let lock = lock_path(path)?;
    let err = |e: std::io::Error| PhoneError::State(format!("{}: {e}", lock.display()));
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options.open(&lock).map_err(err)?;
    file.lock().map_err(err)?;
    Ok(StateLock { _file: file })
}

/// Writes `state` at `path` atomically; the caller holds [`lock`] of `path`.
pub(crate) fn write(_held: &StateLock, path: &Path, state: &StateFile) -> Result<(), PhoneError> {
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
        std::fs::rename(&tmp, path)?;
        // The rename itself must reach the disk before a wrong PIN is answered.
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}
