//! [`MessageError`]: where a message is wrong ([`MessageError::path`]) and what is wrong with it
//! ([`MessageErrorKind`]).

use alloc::string::String;
use core::fmt;
use core::fmt::Write as _;

use super::common::{Operation, Version};
use crate::b64::Base64Error;

/// Why a JSON message (or one of its members) was rejected, and where.
///
/// `path` names the member in the received JSON text, e.g. `[0].header.upv.minor` or
/// `[0].assertions[1].assertion`; it is empty when the whole input is at fault (not JSON, not an
/// array). Errors from [`RegistrationResponse::fc_params`](super::RegistrationResponse::fc_params)
/// start with `fcParams` (`fcParams.challenge`); errors from the checks of values you build
/// yourself carry the member path inside that value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageError {
    /// Where: the path of the member in the JSON text (`[0].header.op`), empty for the whole input.
    pub path: String,
    /// What is wrong.
    pub kind: MessageErrorKind,
}

impl MessageError {
    /// An error at `path` (already rendered).
    #[must_use]
    pub fn new(path: impl Into<String>, kind: MessageErrorKind) -> Self {
        MessageError {
            path: path.into(),
            kind,
        }
    }

    /// An error at `path`.
    pub(crate) fn at(path: &Path<'_>, kind: MessageErrorKind) -> Self {
        MessageError {
            path: path.render(),
            kind,
        }
    }
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "UAF message: {}", self.kind)
        } else {
            write!(f, "UAF message member `{}`: {}", self.path, self.kind)
        }
    }
}

#[cfg(feature = "std")]
impl core::error::Error for MessageError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match &self.kind {
            MessageErrorKind::Base64(e) => Some(e),
            _ => None,
        }
    }
}

/// The JSON types, as named in error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonType {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonType::Null => "null",
            JsonType::Bool => "a boolean",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "an array",
            JsonType::Object => "an object",
        })
    }
}

/// What a size limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LengthUnit {
    /// Bytes after base64url decoding.
    Bytes,
    /// Unicode characters (scalar values) of a string.
    Characters,
    /// Elements of an array.
    Elements,
}

impl fmt::Display for LengthUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LengthUnit::Bytes => "bytes (decoded)",
            LengthUnit::Characters => "characters",
            LengthUnit::Elements => "elements",
        })
    }
}

/// What is wrong with a message member.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageErrorKind {
    /// The text is not JSON (syntax error, trailing characters, nesting deeper than 128 levels).
    InvalidJson {
        /// 1-based line of the error (0 if unknown).
        line: usize,
        /// 1-based column of the error (0 if unknown).
        column: usize,
    },
    /// The same member name appears twice in one object (the path names it).
    DuplicateMember,
    /// A required member is absent.
    MissingMember,
    /// The member has the wrong JSON type. `null` is always the wrong type: UAF messages have
    /// no nullable members, so an optional member is either absent or has its type.
    WrongType {
        /// The type the specification requires.
        expected: JsonType,
        /// The type received.
        found: JsonType,
    },
    /// A number with a fraction or exponent (or beyond the 64-bit range) where an integer is
    /// required.
    NotAnInteger,
    /// An integer outside the range of its type (`octet`, `unsigned short`, …).
    IntegerOutOfRange {
        /// The value received.
        value: i128,
        /// Smallest allowed value.
        min: i128,
        /// Largest allowed value.
        max: i128,
    },
    /// An empty string or array where the specification requires content.
    Empty,
    /// A value outside its size limit (digest §2.2).
    Length {
        /// The size received.
        len: usize,
        /// Smallest allowed size.
        min: usize,
        /// Largest allowed size.
        max: usize,
        /// What is counted.
        unit: LengthUnit,
    },
    /// A base64url value does not decode under the chosen [`Base64Policy`](crate::b64::Base64Policy).
    Base64(Base64Error),
    /// Decoded bytes that must be UTF-8 text are not.
    InvalidUtf8,
    /// An AAID that is not `VVVV#MMMM` with hex digits.
    InvalidAaid,
    /// A `vendorID` that is not 4 hex digits.
    InvalidVendorId,
    /// A string that must be one of a fixed set of values (exact case) is not.
    UnknownValue {
        /// The value received.
        found: String,
        /// The values allowed.
        allowed: &'static [&'static str],
    },
    /// `header.op` names another operation than the message type.
    WrongOperation {
        /// The operation of the message type.
        expected: Operation,
        /// The operation received.
        found: Operation,
    },
    /// Two messages of a request array carry the same `upv`.
    DuplicateVersion {
        /// The repeated version.
        version: Version,
    },
    /// A `DeregisterAuthenticator` with an empty `aaid` but a non-empty `keyID`.
    KeyIdWithoutAaid,
    /// A `MatchCriteria` member that must not accompany `aaid` (found by
    /// [`MatchCriteria::validate`](super::MatchCriteria::validate)).
    NotAllowedWithAaid,
}

impl fmt::Display for MessageErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageErrorKind::InvalidJson { line, column } => write!(
                f,
                "not valid JSON (error at line {line}, column {column}); send one JSON value, \
                 nested at most 128 levels"
            ),
            MessageErrorKind::DuplicateMember => f.write_str(
                "member appears more than once in its object; each member name may appear only once",
            ),
            MessageErrorKind::MissingMember => f.write_str("required member is missing"),
            MessageErrorKind::WrongType { expected, found: JsonType::Null } => write!(
                f,
                "expected {expected}, found null (UAF messages have no null values: omit an \
                 optional member instead)"
            ),
            MessageErrorKind::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            MessageErrorKind::NotAnInteger => {
                f.write_str("expected an integer, written without fraction or exponent")
            }
            MessageErrorKind::IntegerOutOfRange { value, min, max } => {
                write!(f, "integer {value} is outside the allowed range {min}..={max}")
            }
            MessageErrorKind::Empty => f.write_str("must not be empty"),
            MessageErrorKind::Length { len, min, max, unit } => {
                write!(f, "is {len} {unit}; it must be {min}..={max} {unit}")
            }
            MessageErrorKind::Base64(e) => write!(f, "not valid base64url: {e}"),
            MessageErrorKind::InvalidUtf8 => f.write_str("decoded bytes are not valid UTF-8 text"),
            MessageErrorKind::InvalidAaid => f.write_str(
                "AAID must be 9 characters \"VVVV#MMMM\" (4 hex digits, '#', 4 hex digits)",
            ),
            MessageErrorKind::InvalidVendorId => f.write_str("vendor ID must be 4 hex digits"),
            MessageErrorKind::UnknownValue { found, allowed } => {
                write!(f, "{found:?} is not one of ")?;
                for (i, a) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a:?}")?;
                }
                f.write_str(" (exact case)")
            }
            MessageErrorKind::WrongOperation { expected, found } => write!(
                f,
                "operation is \"{found}\" but this message must carry \"{expected}\""
            ),
            MessageErrorKind::DuplicateVersion { version } => write!(
                f,
                "version {version} appears twice; a request array holds one message per protocol version"
            ),
            MessageErrorKind::KeyIdWithoutAaid => f.write_str(
                "keyID is set but aaid is empty; to deregister everything send aaid \"\" and keyID \"\"",
            ),
            MessageErrorKind::NotAllowedWithAaid => f.write_str(
                "member may not accompany aaid (only keyIDs, attachmentHint, authenticatorVersion \
                 and exts may)",
            ),
        }
    }
}

/// A member path while decoding: a linked list on the stack, rendered only on error.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Path<'a> {
    /// The whole input.
    Root,
    /// Member `.1` of the object at `.0`.
    Key(&'a Path<'a>, &'a str),
    /// Element `.1` of the array at `.0`.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of member `key` of this object.
    pub(crate) fn key<'b>(&'b self, key: &'b str) -> Path<'b> {
        Path::Key(self, key)
    }

    /// The path of element `index` of this array.
    pub(crate) fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }

    /// `[0].header.upv` form; member names that are not plain identifiers are written as
    /// `["name"]`.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    fn write_to(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.write_to(out);
                let plain =
                    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if plain {
                    if !matches!(parent, Path::Root) {
                        out.push('.');
                    }
                    out.push_str(key);
                } else {
                    out.push('[');
                    push_json_string(out, key);
                    out.push(']');
                }
            }
            Path::Index(parent, index) => {
                parent.write_to(out);
                // Writing to a String cannot fail.
                let _ = write!(out, "[{index}]");
            }
        }
    }
}

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn paths_render() {
        let root = Path::Root;
        let a = root.index(0);
        let b = a.key("header");
        let c = b.key("upv");
        assert_eq!(c.render(), "[0].header.upv");
        let d = root.key("fcParams");
        assert_eq!(d.key("appID").render(), "fcParams.appID");
        assert_eq!(root.render(), "");
        assert_eq!(b.key("a.b\"\n").render(), "[0].header[\"a.b\\\"\\u000a\"]");
    }

    #[test]
    fn display_names_path_and_fix() {
        let e = MessageError::new(
            "[0].header.upv.minor",
            MessageErrorKind::IntegerOutOfRange {
                value: 70000,
                min: 0,
                max: 65535,
            },
        );
        assert_eq!(
            e.to_string(),
            "UAF message member `[0].header.upv.minor`: integer 70000 is outside the allowed range 0..=65535"
        );
        let e = MessageError::new(
            "[0].header.appID",
            MessageErrorKind::WrongType {
                expected: JsonType::String,
                found: JsonType::Null,
            },
        );
        assert!(e.to_string().contains("omit an optional member"));
        let e = MessageError::new(
            "",
            MessageErrorKind::WrongType {
                expected: JsonType::Array,
                found: JsonType::Object,
            },
        );
        assert_eq!(
            e.to_string(),
            "UAF message: expected an array, found an object"
        );
    }
}
