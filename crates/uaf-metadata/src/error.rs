//! [`MetadataError`]: why a metadata statement or a BLOB entry was not accepted.

use alloc::string::String;
use core::fmt;

use uaf_proto::b64::Base64Error;
use uaf_proto::id::Aaid;

/// Why a metadata statement or an MDS3 BLOB entry could not be read.
///
/// Every variant that concerns one field carries its `path` in the document, written the way
/// the JSON is nested: `userVerificationDetails[0][1].userVerification`, or
/// `metadataStatement.keyProtection[2]` inside a BLOB entry. The empty path is the document
/// itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataError {
    /// The text is not JSON at all.
    Syntax {
        /// Line of the first error (1-based).
        line: usize,
        /// Column of the first error (1-based).
        column: usize,
    },
    /// A member name appears twice in one object. Readers disagree on which one counts
    /// (`serde_json` keeps the last, others the first), so a statement must not carry both.
    DuplicateMember {
        /// Where the repeated member is.
        path: String,
    },
    /// A field has the wrong JSON type (or a number that does not fit the field's range).
    WrongType {
        /// Where the field is.
        path: String,
        /// What the specification asks for, e.g. `"an integer 0..=65535"`.
        expected: &'static str,
        /// The JSON type found: `null`, `boolean`, `number`, `string`, `array` or `object`.
        found: &'static str,
    },
    /// A required field is absent.
    MissingField {
        /// Where the field should be.
        path: String,
    },
    /// A field that another field's value makes required is absent (e.g.
    /// `tcDisplayContentType` when `tcDisplay` is not empty).
    MissingDependentField {
        /// Where the field should be.
        path: String,
        /// Which value makes it required, in words.
        because: &'static str,
    },
    /// A string is not one of the names the FIDO registry (or the metadata specification)
    /// defines for this field, e.g. `"secp256r1_ecdsa_sha256"` in `authenticationAlgorithms`.
    UnknownName {
        /// Where the string is.
        path: String,
        /// The string found.
        value: String,
    },
    /// A value has the right JSON type but is not allowed.
    InvalidValue {
        /// Where the value is.
        path: String,
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// A certificate is not standard base64 (RFC 4648 §4: `+/` alphabet, `=` padding).
    InvalidBase64 {
        /// Where the certificate is.
        path: String,
        /// What the decoder found.
        error: Base64Error,
    },
    /// A BLOB entry's `aaid` and its statement's `aaid` name different authenticators.
    AaidMismatch {
        /// The entry's `aaid`.
        entry: Aaid,
        /// The statement's `aaid`.
        statement: Aaid,
    },
}

impl MetadataError {
    /// The field path the error is about, if it is about one field.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            MetadataError::WrongType { path, .. }
            | MetadataError::MissingField { path }
            | MetadataError::MissingDependentField { path, .. }
            | MetadataError::UnknownName { path, .. }
            | MetadataError::InvalidValue { path, .. }
            | MetadataError::InvalidBase64 { path, .. }
            | MetadataError::DuplicateMember { path } => Some(path),
            MetadataError::Syntax { .. } | MetadataError::AaidMismatch { .. } => None,
        }
    }
}

/// Writes `field `path`` or `the document` for the empty path.
struct Where<'a>(&'a str);

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("the metadata document")
        } else {
            write!(f, "metadata field `{}`", self.0)
        }
    }
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataError::Syntax { line, column } => {
                write!(
                    f,
                    "not valid JSON (first error at line {line}, column {column})"
                )
            }
            MetadataError::DuplicateMember { path } => write!(
                f,
                "{} appears more than once in its object; remove all but one (readers disagree on which copy counts)",
                Where(path)
            ),
            MetadataError::WrongType {
                path,
                expected,
                found,
            } => {
                write!(f, "{}: expected {expected}, found {found}", Where(path))
            }
            MetadataError::MissingField { path } => {
                write!(
                    f,
                    "{} is required by the metadata specification but absent",
                    Where(path)
                )
            }
            MetadataError::MissingDependentField { path, because } => {
                write!(
                    f,
                    "{} is required because {because}, but absent",
                    Where(path)
                )
            }
            MetadataError::UnknownName { path, value } => write!(
                f,
                "{}: {value:?} is not a name the FIDO registry defines for this field (names are lower case, e.g. \"secp256r1_ecdsa_sha256_raw\")",
                Where(path)
            ),
            MetadataError::InvalidValue { path, reason } => write!(f, "{}: {reason}", Where(path)),
            MetadataError::InvalidBase64 { path, error } => {
                write!(
                    f,
                    "{}: not standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding): ",
                    Where(path)
                )?;
                match error {
                    Base64Error::InvalidByte { offset, byte } => {
                        write!(
                            f,
                            "invalid character {:?} at offset {offset}",
                            char::from(*byte)
                        )
                    }
                    Base64Error::Padding => f.write_str("misplaced or missing '=' padding"),
                    Base64Error::InvalidLength => f.write_str("impossible length"),
                    Base64Error::TrailingBits => {
                        f.write_str("non-zero trailing bits (not canonical)")
                    }
                    _ => write!(f, "{error}"),
                }
            }
            MetadataError::AaidMismatch { entry, statement } => write!(
                f,
                "the BLOB entry's aaid {entry} differs from its metadataStatement's aaid {statement}"
            ),
        }
    }
}

impl core::error::Error for MetadataError {}
