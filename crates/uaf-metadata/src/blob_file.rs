//! Files and the clock for the Metadata Service BLOB (`std` only): reading the BLOB,
//! certificates and CRLs (DER or PEM) from files, and verifying at the system time.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use uaf_proto::b64::{self, Base64Error};

use crate::blob::{BlobError, BlobVerifier, MetadataBlob};

/// Why a BLOB, certificate or CRL file could not be used. Every variant names the file.
#[derive(Debug)]
#[non_exhaustive]
pub enum BlobFileError {
    /// The file could not be read (or the BLOB is not UTF-8).
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A PEM file has no `-----BEGIN …-----` block, an unterminated one, or a block that is
    /// not base64.
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
        /// The base64 error, when the block's body did not decode.
        base64: Option<Base64Error>,
    },
    /// The BLOB was read but not accepted.
    Blob {
        /// The BLOB file.
        path: PathBuf,
        /// Why.
        error: BlobError,
    },
}

impl BlobFileError {
    /// The file the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            BlobFileError::Io { path, .. }
            | BlobFileError::Pem { path, .. }
            | BlobFileError::Blob { path, .. } => path,
        }
    }

    /// The BLOB error, if the file was read and the BLOB refused.
    #[must_use]
    pub fn blob_error(&self) -> Option<&BlobError> {
        match self {
            BlobFileError::Blob { error, .. } => Some(error),
            BlobFileError::Io { .. } | BlobFileError::Pem { .. } => None,
        }
    }
}

impl fmt::Display for BlobFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobFileError::Io { path, source } => {
                write!(f, "{}: cannot read: {source}", path.display())
            }
            BlobFileError::Pem {
                path,
                reason,
                base64: Some(error),
            } => write!(f, "{}: {reason}: {error}", path.display()),
            BlobFileError::Pem { path, reason, .. } => write!(f, "{}: {reason}", path.display()),
            BlobFileError::Blob { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl core::error::Error for BlobFileError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            BlobFileError::Io { source, .. } => Some(source),
            BlobFileError::Pem {
                base64: Some(error),
                ..
            } => Some(error),
            BlobFileError::Blob { error, .. } => Some(error),
            BlobFileError::Pem { .. } => None,
        }
    }
}

/// Seconds since the Unix epoch by the system clock (0 if the clock is before 1970).
#[must_use]
pub fn system_time_unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads the DER items of a file: the file itself if it is DER (it starts with a SEQUENCE
/// tag, `0x30`), else every `-----BEGIN <label>-----` … `-----END <label>-----` block of a PEM
/// file (RFC 7468; any label, e.g. `CERTIFICATE` or `X509 CRL`), in order.
///
/// # Errors
/// [`BlobFileError::Io`] or [`BlobFileError::Pem`].
pub fn read_der_or_pem(path: impl AsRef<Path>) -> Result<Vec<Vec<u8>>, BlobFileError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|source| BlobFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.first() == Some(&0x30) {
        return Ok(alloc::vec![bytes]);
    }
    let pem_error = |reason, base64| BlobFileError::Pem {
        path: path.to_path_buf(),
        reason,
        base64,
    };
    let text = core::str::from_utf8(&bytes)
        .map_err(|_| pem_error("neither DER nor PEM text (not UTF-8)", None))?;
    let mut items = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        match &mut body {
            None if line.starts_with("-----BEGIN ") && line.ends_with("-----") => {
                body = Some(String::new());
            }
            None => {}
            Some(_) if line.starts_with("-----END ") && line.ends_with("-----") => {
                let b = body.take().unwrap_or_default();
                let der = b64::decode_standard(&b)
                    .map_err(|e| pem_error("a PEM block is not base64", Some(e)))?;
                items.push(der);
            }
            Some(b) => b.push_str(line),
        }
    }
    if body.is_some() {
        return Err(pem_error("a PEM block has no -----END line", None));
    }
    if items.is_empty() {
        return Err(pem_error("no -----BEGIN block (and not DER)", None));
    }
    Ok(items)
}

impl BlobVerifier<'_> {
    /// Reads the BLOB file at `path` and verifies it ([`BlobVerifier::verify`]).
    ///
    /// # Errors
    /// [`BlobFileError::Io`] if the file cannot be read as UTF-8 text,
    /// [`BlobFileError::Blob`] if the BLOB is refused.
    pub fn verify_file(&self, path: impl AsRef<Path>) -> Result<MetadataBlob, BlobFileError> {
        let path = path.as_ref();
        let text = fs::read_to_string(path).map_err(|source| BlobFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.verify(&text).map_err(|error| BlobFileError::Blob {
            path: path.to_path_buf(),
            error,
        })
    }
}
