//! Dictionaries shared by several messages: [`Version`], [`Operation`], [`Extension`],
//! [`ServerChallenge`], [`DisplayPngCharacteristicsDescriptor`] (digest §2.3, §2.5, §2.8).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Serialize, Serializer};

use super::DecodeOptions;
use super::error::{LengthUnit, MessageError, MessageErrorKind, Path};
use super::json::{self, Members, Node};
use super::ser;
use crate::b64;

pub use crate::version::Version;

impl Version {
    pub(crate) fn decode(v: &Node<'_>, path: &Path<'_>) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(Version {
            major: m.required("major", json::int)?,
            minor: m.required("minor", json::int)?,
        })
    }
}

/// The operation of a message (`header.op`): exactly `"Reg"`, `"Auth"` or `"Dereg"`
/// (case-sensitive; digest §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Operation {
    /// Registration.
    Reg,
    /// Authentication (and transaction confirmation).
    Auth,
    /// Deregistration.
    Dereg,
}

impl Operation {
    /// The JSON spellings, in order.
    pub const NAMES: &'static [&'static str] = &["Reg", "Auth", "Dereg"];

    /// The JSON spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::Reg => "Reg",
            Operation::Auth => "Auth",
            Operation::Dereg => "Dereg",
        }
    }

    /// The operation spelled exactly `s` (`"REG"` is not `Reg`).
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "Reg" => Some(Operation::Reg),
            "Auth" => Some(Operation::Auth),
            "Dereg" => Some(Operation::Dereg),
            _ => None,
        }
    }

    pub(crate) fn decode(v: &Node<'_>, path: &Path<'_>) -> Result<Self, MessageError> {
        let s = json::string(v, path)?;
        Operation::from_name(s).ok_or_else(|| {
            MessageError::at(
                path,
                MessageErrorKind::UnknownValue {
                    found: s.into(),
                    allowed: Self::NAMES,
                },
            )
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An extension (digest §2.5), in headers, assertions and match criteria.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Extension {
    /// Identifier, 1..=32 characters (e.g. `fido.uaf.uvm`).
    pub id: String,
    /// The data (base64url in JSON; may be empty).
    #[serde(serialize_with = "ser::base64")]
    pub data: Vec<u8>,
    /// Whether a receiver that does not understand `id` must fail the operation.
    pub fail_if_unknown: bool,
}

impl Extension {
    /// Longest extension ID.
    pub const MAX_ID_LEN: usize = 32;

    pub(crate) fn decode(
        v: &Node<'_>,
        path: &Path<'_>,
        opts: &DecodeOptions,
    ) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(Extension {
            id: m
                .required("id", |v, p| json::string_chars(v, p, 1, Self::MAX_ID_LEN))?
                .into(),
            data: m.required("data", |v, p| json::base64(v, p, opts))?,
            fail_if_unknown: m.required("fail_if_unknown", json::boolean)?,
        })
    }

    pub(crate) fn decode_list(
        v: &Node<'_>,
        path: &Path<'_>,
        opts: &DecodeOptions,
    ) -> Result<Vec<Self>, MessageError> {
        json::list(v, path, |v, p| Extension::decode(v, p, opts))
    }
}

/// A server challenge: 8..=64 random bytes, base64url in JSON (digest §2.2). Servers should use
/// 32 bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerChallenge(Vec<u8>);

impl ServerChallenge {
    /// Shortest challenge.
    pub const MIN_LEN: usize = 8;
    /// Longest challenge.
    pub const MAX_LEN: usize = 64;

    /// A challenge of 8..=64 bytes.
    ///
    /// # Errors
    /// [`MessageErrorKind::Length`] (with an empty path) otherwise.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, MessageError> {
        let bytes = bytes.into();
        json::check_len(
            bytes.len(),
            Self::MIN_LEN,
            Self::MAX_LEN,
            LengthUnit::Bytes,
            &Path::Root,
        )?;
        Ok(ServerChallenge(bytes))
    }

    /// The challenge bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The unpadded base64url text (its JSON form).
    #[must_use]
    pub fn to_base64url(&self) -> String {
        b64::encode(&self.0)
    }

    pub(crate) fn decode(
        v: &Node<'_>,
        path: &Path<'_>,
        opts: &DecodeOptions,
    ) -> Result<Self, MessageError> {
        json::base64_len(v, path, opts, Self::MIN_LEN, Self::MAX_LEN).map(ServerChallenge)
    }
}

impl AsRef<[u8]> for ServerChallenge {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ServerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerChallenge({})", self.to_base64url())
    }
}

impl fmt::Display for ServerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

impl Serialize for ServerChallenge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64url())
    }
}

pub use crate::png::{DisplayPngCharacteristicsDescriptor, RgbPaletteEntry};

impl DisplayPngCharacteristicsDescriptor {
    pub(crate) fn decode(v: &Node<'_>, path: &Path<'_>) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(DisplayPngCharacteristicsDescriptor {
            width: m.required("width", json::int)?,
            height: m.required("height", json::int)?,
            bit_depth: m.required("bitDepth", json::int)?,
            color_type: m.required("colorType", json::int)?,
            compression: m.required("compression", json::int)?,
            filter: m.required("filter", json::int)?,
            interlace: m.required("interlace", json::int)?,
            plte: m
                .optional("plte", |v, p| {
                    let entries = json::list(v, p, decode_palette_entry)?;
                    json::check_len(entries.len(), 1, Self::MAX_PLTE, LengthUnit::Elements, p)?;
                    Ok(entries)
                })?
                .unwrap_or_default(),
        })
    }

    pub(crate) fn decode_list(v: &Node<'_>, path: &Path<'_>) -> Result<Vec<Self>, MessageError> {
        json::list(v, path, Self::decode)
    }
}

/// One palette entry, `{r, g, b}` (`rgbPalletteEntry`, the specification's spelling).
fn decode_palette_entry(v: &Node<'_>, path: &Path<'_>) -> Result<RgbPaletteEntry, MessageError> {
    let m = Members::of(v, path)?;
    Ok(RgbPaletteEntry {
        r: m.required("r", json::int)?,
        g: m.required("g", json::int)?,
        b: m.required("b", json::int)?,
    })
}

/// An AAID string (`VVVV#MMMM`).
pub(crate) fn decode_aaid(v: &Node<'_>, path: &Path<'_>) -> Result<crate::id::Aaid, MessageError> {
    let s = json::string(v, path)?;
    crate::id::Aaid::parse(s).map_err(|_| MessageError::at(path, MessageErrorKind::InvalidAaid))
}

/// A KeyID: base64url of 32..=2048 bytes.
pub(crate) fn decode_key_id(
    v: &Node<'_>,
    path: &Path<'_>,
    opts: &DecodeOptions,
) -> Result<crate::id::KeyId, MessageError> {
    let s = json::string(v, path)?;
    key_id_from_text(s, path, opts)
}

/// A KeyID from its base64url text: 32..=2048 bytes.
pub(crate) fn key_id_from_text(
    s: &str,
    path: &Path<'_>,
    opts: &DecodeOptions,
) -> Result<crate::id::KeyId, MessageError> {
    use crate::id::KeyId;
    let bytes = json::decode_base64(s, path, opts)?;
    let len = bytes.len();
    KeyId::new(bytes).map_err(|_| {
        MessageError::at(
            path,
            MessageErrorKind::Length {
                len,
                min: KeyId::MIN_LEN,
                max: KeyId::MAX_LEN,
                unit: LengthUnit::Bytes,
            },
        )
    })
}
