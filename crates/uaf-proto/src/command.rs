//! Authenticator commands and their responses (digest §5.7–§5.9): GetInfo, Register, Sign,
//! Deregister and OpenSettings, as the ASM sends them to an authenticator.
//!
//! Each type has `parse` (zero-copy, no allocation) and, with `alloc`, `encode`.
//!
//! - **Encoding** writes the members in exactly the order of the spec tables (constrained
//!   authenticators may parse positionally), extensions last, and refuses what the parser would
//!   reject.
//! - **Parsing** accepts any member order and enforces cardinality and lengths:
//!   `TAG_AUTHENTICATOR_INDEX` 1 byte, `TAG_APPID` 1..=512 bytes of UTF-8, `TAG_USERNAME`
//!   1..=128, `TAG_KEYHANDLE_ACCESS_TOKEN` 1..=32, `TAG_FINAL_CHALLENGE_HASH` 1..=64 (the spec
//!   says 32; 64 admits SHA-512 algorithms, digest §12 item 5), `TAG_STATUS_CODE` and
//!   `TAG_ATTESTATION_TYPE` 2, `TAG_API_VERSION` 1, `TAG_AUTHENTICATOR_METADATA` 15. Unknown
//!   tags follow the same rules as assertions ([`crate::tlv::ParseOptions::STRICT`]).
//! - Extensions (`TAG_EXTENSION` / `TAG_EXTENSION_NON_CRITICAL`) may appear in any command or
//!   response (digest §5.6); they are returned as [`Extensions`].
//! - In responses only `TAG_STATUS_CODE` is mandatory when the status is not
//!   [`CmdStatus::Ok`]; with `Ok` the other mandatory members must be present.
//!
//! The assertion inside `TAG_AUTHENTICATOR_ASSERTION` is returned as bytes; parse it with
//! [`crate::assertion::RegAssertion::parse`] or [`crate::assertion::AuthAssertion::parse`].

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use crate::assertion::{ExtensionCounter, Extensions};
#[cfg(feature = "alloc")]
use crate::assertion::{put_checked, put_non_empty, write_extensions};
use crate::id::Aaid;
pub use crate::png::RgbPaletteEntry;
use crate::registry::{
    AlgSign, AttestationType, AuthenticatorType, KeyProtection, MatcherProtection, TcDisplay,
    UserVerify,
};
use crate::status::CmdStatus;
#[cfg(feature = "alloc")]
use crate::tlv::TlvWriter;
use crate::tlv::{
    self, MAX_VALUE_LEN, ParseOptions, TAG_AAID, TAG_API_VERSION, TAG_APPID, TAG_ASSERTION_SCHEME,
    TAG_ATTESTATION_TYPE, TAG_AUTHENTICATOR_ASSERTION, TAG_AUTHENTICATOR_INDEX,
    TAG_AUTHENTICATOR_INFO, TAG_AUTHENTICATOR_METADATA, TAG_FINAL_CHALLENGE_HASH, TAG_KEYHANDLE,
    TAG_KEYHANDLE_ACCESS_TOKEN, TAG_KEYID, TAG_STATUS_CODE, TAG_SUPPORTED_EXTENSION_ID,
    TAG_TC_DISPLAY_CONTENT_TYPE, TAG_TC_DISPLAY_PNG_CHARACTERISTICS, TAG_TRANSACTION_CONTENT,
    TAG_UAFV1_DEREGISTER_CMD, TAG_UAFV1_DEREGISTER_CMD_RESPONSE, TAG_UAFV1_GETINFO_CMD,
    TAG_UAFV1_GETINFO_CMD_RESPONSE, TAG_UAFV1_OPEN_SETTINGS_CMD,
    TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE, TAG_UAFV1_REGISTER_CMD, TAG_UAFV1_REGISTER_CMD_RESPONSE,
    TAG_UAFV1_SIGN_CMD, TAG_UAFV1_SIGN_CMD_RESPONSE, TAG_USERNAME, TAG_USERNAME_AND_KEYHANDLE,
    TAG_USERVERIFY_TOKEN, TagDisplay, Tlv, TlvError, TlvItem, TlvList, check_len, for_each_member,
    non_empty, required, set_once,
};

/// Largest `TAG_APPID` (bytes).
pub const MAX_APP_ID_LEN: usize = 512;
/// Largest `TAG_USERNAME` (bytes).
pub const MAX_USERNAME_LEN: usize = 128;
/// Largest `TAG_KEYHANDLE_ACCESS_TOKEN` (bytes).
pub const MAX_KH_ACCESS_TOKEN_LEN: usize = 32;
/// Largest `TAG_FINAL_CHALLENGE_HASH` in a command (bytes; room for SHA-512).
pub const MAX_FINAL_CHALLENGE_HASH_LEN: usize = 64;
/// The only `TAG_API_VERSION` defined.
pub const API_VERSION: u8 = 0x01;

/// Commands are parsed under the spec's rules.
const OPTS: ParseOptions = ParseOptions::STRICT;

/// Why a command or response was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The TLV structure is wrong (framing, members, lengths, unknown critical tags).
    Tlv(TlvError),
    /// `TAG_AAID` is 9 bytes but not `VVVV#MMMM` with hex digits.
    InvalidAaid {
        /// Offset of the `TAG_AAID` item.
        offset: usize,
    },
    /// The first tag is not a command this crate knows (answer `UAF_CMD_STATUS_CMD_NOT_SUPPORTED`).
    UnknownCommand {
        /// The tag received.
        tag: u16,
    },
    /// A Sign response carries both `TAG_USERNAME_AND_KEYHANDLE` and
    /// `TAG_AUTHENTICATOR_ASSERTION`; the spec allows one kind only.
    SignResponseConflict {
        /// Offset of the response.
        offset: usize,
    },
    /// `TAG_TC_DISPLAY_PNG_CHARACTERISTICS` is not 13 bytes plus whole 6-byte palette entries.
    PngCharacteristicsLength {
        /// Offset of the item.
        offset: usize,
        /// Its value length.
        len: usize,
    },
}

impl CommandError {
    /// The tag concerned, if any.
    #[must_use]
    pub const fn tag(&self) -> Option<u16> {
        match self {
            CommandError::Tlv(e) => e.tag(),
            CommandError::InvalidAaid { .. } => Some(TAG_AAID),
            CommandError::UnknownCommand { tag } => Some(*tag),
            CommandError::SignResponseConflict { .. } => Some(TAG_UAFV1_SIGN_CMD_RESPONSE),
            CommandError::PngCharacteristicsLength { .. } => {
                Some(TAG_TC_DISPLAY_PNG_CHARACTERISTICS)
            }
        }
    }
}

impl From<TlvError> for CommandError {
    fn from(e: TlvError) -> Self {
        CommandError::Tlv(e)
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Tlv(e) => write!(f, "malformed authenticator command: {e}"),
            CommandError::InvalidAaid { offset } => write!(
                f,
                "TAG_AAID at offset {offset} is not an AAID; it must be \"VVVV#MMMM\" with hex digits"
            ),
            CommandError::UnknownCommand { tag } => {
                write!(
                    f,
                    "{} is not an authenticator command this implementation supports",
                    TagDisplay(*tag)
                )
            }
            CommandError::SignResponseConflict { offset } => write!(
                f,
                "Sign response at offset {offset} carries both TAG_USERNAME_AND_KEYHANDLE and TAG_AUTHENTICATOR_ASSERTION; send one kind only"
            ),
            CommandError::PngCharacteristicsLength { offset, len } => write!(
                f,
                "TAG_TC_DISPLAY_PNG_CHARACTERISTICS at offset {offset} is {len} bytes; it must be 13 bytes plus 6 per palette entry"
            ),
        }
    }
}

/// Also `std::error::Error` (the same trait) when `std` is enabled.
impl core::error::Error for CommandError {}

// ---------------------------------------------------------------------------------------------
// Member helpers
// ---------------------------------------------------------------------------------------------

fn bytes_in<'a>(t: &Tlv<'a>, min: usize, max: usize) -> Result<&'a [u8], TlvError> {
    check_len(t, min, max)?;
    Ok(t.value)
}

fn text_in<'a>(t: &Tlv<'a>, max: usize) -> Result<&'a str, TlvError> {
    check_len(t, 1, max)?;
    t.str_value()
}

fn opt<'a, T>(
    slot: Option<Tlv<'a>>,
    f: impl FnOnce(&Tlv<'a>) -> Result<T, TlvError>,
) -> Result<Option<T>, TlvError> {
    slot.as_ref().map(f).transpose()
}

fn parse_aaid(t: &Tlv<'_>) -> Result<Aaid, CommandError> {
    check_len(t, 9, 9)?;
    Aaid::from_bytes(t.value).map_err(|_| CommandError::InvalidAaid { offset: t.offset })
}

fn parse_status(slot: Option<Tlv<'_>>, parent: &Tlv<'_>) -> Result<CmdStatus, TlvError> {
    Ok(CmdStatus::from_value(
        required(slot, TAG_STATUS_CODE, parent)?.u16_value()?,
    ))
}

/// `Some(value)` of a member required when the status is OK.
fn required_if_ok<'a>(
    slot: Option<Tlv<'a>>,
    ok: bool,
    tag: u16,
    parent: &Tlv<'_>,
) -> Result<Option<Tlv<'a>>, TlvError> {
    if ok {
        required(slot, tag, parent).map(Some)
    } else {
        Ok(slot)
    }
}

#[cfg(feature = "alloc")]
fn put_opt(
    w: &mut TlvWriter,
    tag: u16,
    value: Option<&[u8]>,
    min: usize,
    max: usize,
) -> Result<(), TlvError> {
    value.map_or(Ok(()), |v| put_checked(w, tag, v, min, max))
}

#[cfg(feature = "alloc")]
fn encode_with(
    tag: u16,
    members: impl FnOnce(&mut TlvWriter) -> Result<(), TlvError>,
) -> Result<Vec<u8>, TlvError> {
    let mut w = TlvWriter::new();
    w.put_composite(tag, members)?;
    Ok(w.into_bytes())
}

/// Walks the members of the command or response `top`; `member` handles the command's own
/// tags, extensions are collected.
fn walk<'a>(
    top: Tlv<'a>,
    mut member: impl FnMut(Tlv<'a>) -> Result<bool, CommandError>,
) -> Result<Extensions<'a>, CommandError> {
    let mut exts = ExtensionCounter::new();
    for_each_member(&top, OPTS, |m| {
        if member(m)? {
            return Ok(true);
        }
        exts.take(m, OPTS).map_err(CommandError::from)
    })?;
    Ok(exts.finish(top, OPTS))
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/// `TAG_UAFV1_GETINFO_CMD` (wire bytes `01 34 00 00` without extensions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetInfoCommand<'a> {
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> GetInfoCommand<'a> {
    /// Parses the command.
    ///
    /// # Errors
    /// [`CommandError`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let top = tlv::parse_expected(bytes, TAG_UAFV1_GETINFO_CMD)?;
        let extensions = walk(top, |_| Ok(false))?;
        Ok(GetInfoCommand { extensions })
    }

    /// Encodes the command.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        encode_with(TAG_UAFV1_GETINFO_CMD, |w| {
            write_extensions(w, self.extensions)
        })
    }
}

/// `TAG_UAFV1_REGISTER_CMD` (digest §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterCommand<'a> {
    /// `TAG_AUTHENTICATOR_INDEX`.
    pub authenticator_index: u8,
    /// `TAG_APPID` (optional; mandatory for authenticators with `UAF_TYPE_EXPECT_APPID`).
    pub app_id: Option<&'a str>,
    /// `TAG_FINAL_CHALLENGE_HASH` (1..=64 bytes).
    pub final_challenge_hash: &'a [u8],
    /// `TAG_USERNAME` (1..=128 bytes).
    pub username: &'a str,
    /// `TAG_ATTESTATION_TYPE`.
    pub attestation_type: AttestationType,
    /// `TAG_KEYHANDLE_ACCESS_TOKEN` (1..=32 bytes).
    pub kh_access_token: &'a [u8],
    /// `TAG_USERVERIFY_TOKEN` (optional, non-empty).
    pub user_verify_token: Option<&'a [u8]>,
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> RegisterCommand<'a> {
    /// Parses the command.
    ///
    /// # Errors
    /// [`CommandError`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let (mut index, mut app_id, mut fch, mut username, mut att, mut khat, mut uvt) =
            (None, None, None, None, None, None, None);
        let top = tlv::parse_expected(bytes, TAG_UAFV1_REGISTER_CMD)?;
        let extensions = walk(top, |m| {
            match m.tag {
                TAG_AUTHENTICATOR_INDEX => set_once(&mut index, m, &top)?,
                TAG_APPID => set_once(&mut app_id, m, &top)?,
                TAG_FINAL_CHALLENGE_HASH => set_once(&mut fch, m, &top)?,
                TAG_USERNAME => set_once(&mut username, m, &top)?,
                TAG_ATTESTATION_TYPE => set_once(&mut att, m, &top)?,
                TAG_KEYHANDLE_ACCESS_TOKEN => set_once(&mut khat, m, &top)?,
                TAG_USERVERIFY_TOKEN => set_once(&mut uvt, m, &top)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(RegisterCommand {
            authenticator_index: required(index, TAG_AUTHENTICATOR_INDEX, &top)?.u8_value()?,
            app_id: opt(app_id, |t| text_in(t, MAX_APP_ID_LEN))?,
            final_challenge_hash: bytes_in(
                &required(fch, TAG_FINAL_CHALLENGE_HASH, &top)?,
                1,
                MAX_FINAL_CHALLENGE_HASH_LEN,
            )?,
            username: text_in(&required(username, TAG_USERNAME, &top)?, MAX_USERNAME_LEN)?,
            attestation_type: AttestationType::from_value(
                required(att, TAG_ATTESTATION_TYPE, &top)?.u16_value()?,
            ),
            kh_access_token: bytes_in(
                &required(khat, TAG_KEYHANDLE_ACCESS_TOKEN, &top)?,
                1,
                MAX_KH_ACCESS_TOKEN_LEN,
            )?,
            user_verify_token: opt(uvt, |t| bytes_in(t, 1, MAX_VALUE_LEN))?,
            extensions,
        })
    }

    /// Encodes the command, members in spec order.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        encode_with(TAG_UAFV1_REGISTER_CMD, |w| {
            w.put_u8(TAG_AUTHENTICATOR_INDEX, self.authenticator_index);
            put_opt(
                w,
                TAG_APPID,
                self.app_id.map(str::as_bytes),
                1,
                MAX_APP_ID_LEN,
            )?;
            put_checked(
                w,
                TAG_FINAL_CHALLENGE_HASH,
                self.final_challenge_hash,
                1,
                MAX_FINAL_CHALLENGE_HASH_LEN,
            )?;
            put_checked(
                w,
                TAG_USERNAME,
                self.username.as_bytes(),
                1,
                MAX_USERNAME_LEN,
            )?;
            w.put_u16(TAG_ATTESTATION_TYPE, self.attestation_type.value());
            put_checked(
                w,
                TAG_KEYHANDLE_ACCESS_TOKEN,
                self.kh_access_token,
                1,
                MAX_KH_ACCESS_TOKEN_LEN,
            )?;
            put_opt(
                w,
                TAG_USERVERIFY_TOKEN,
                self.user_verify_token,
                1,
                MAX_VALUE_LEN,
            )?;
            write_extensions(w, self.extensions)
        })
    }
}

/// `TAG_UAFV1_SIGN_CMD` (digest §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignCommand<'a> {
    /// `TAG_AUTHENTICATOR_INDEX`.
    pub authenticator_index: u8,
    /// `TAG_APPID` (optional).
    pub app_id: Option<&'a str>,
    /// `TAG_FINAL_CHALLENGE_HASH` (1..=64 bytes).
    pub final_challenge_hash: &'a [u8],
    /// `TAG_TRANSACTION_CONTENT` (optional, non-empty).
    pub transaction_content: Option<&'a [u8]>,
    /// `TAG_KEYHANDLE_ACCESS_TOKEN` (1..=32 bytes).
    pub kh_access_token: &'a [u8],
    /// `TAG_USERVERIFY_TOKEN` (optional, non-empty).
    pub user_verify_token: Option<&'a [u8]>,
    /// `TAG_KEYHANDLE`s (0..n, each non-empty; first-factor roaming authenticators get KeyIDs).
    pub key_handles: TlvList<'a, &'a [u8]>,
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> SignCommand<'a> {
    /// Parses the command.
    ///
    /// # Errors
    /// [`CommandError`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let (mut index, mut app_id, mut fch, mut content, mut khat, mut uvt) =
            (None, None, None, None, None, None);
        let mut key_handles = 0usize;
        let top = tlv::parse_expected(bytes, TAG_UAFV1_SIGN_CMD)?;
        let extensions = walk(top, |m| {
            match m.tag {
                TAG_AUTHENTICATOR_INDEX => set_once(&mut index, m, &top)?,
                TAG_APPID => set_once(&mut app_id, m, &top)?,
                TAG_FINAL_CHALLENGE_HASH => set_once(&mut fch, m, &top)?,
                TAG_TRANSACTION_CONTENT => set_once(&mut content, m, &top)?,
                TAG_KEYHANDLE_ACCESS_TOKEN => set_once(&mut khat, m, &top)?,
                TAG_USERVERIFY_TOKEN => set_once(&mut uvt, m, &top)?,
                TAG_KEYHANDLE => {
                    non_empty(&m)?;
                    key_handles += 1;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(SignCommand {
            authenticator_index: required(index, TAG_AUTHENTICATOR_INDEX, &top)?.u8_value()?,
            app_id: opt(app_id, |t| text_in(t, MAX_APP_ID_LEN))?,
            final_challenge_hash: bytes_in(
                &required(fch, TAG_FINAL_CHALLENGE_HASH, &top)?,
                1,
                MAX_FINAL_CHALLENGE_HASH_LEN,
            )?,
            transaction_content: opt(content, |t| bytes_in(t, 1, MAX_VALUE_LEN))?,
            kh_access_token: bytes_in(
                &required(khat, TAG_KEYHANDLE_ACCESS_TOKEN, &top)?,
                1,
                MAX_KH_ACCESS_TOKEN_LEN,
            )?,
            user_verify_token: opt(uvt, |t| bytes_in(t, 1, MAX_VALUE_LEN))?,
            key_handles: TlvList::parsed(top, [TAG_KEYHANDLE; 2], key_handles, OPTS),
            extensions,
        })
    }

    /// Encodes the command, members in spec order.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        encode_with(TAG_UAFV1_SIGN_CMD, |w| {
            w.put_u8(TAG_AUTHENTICATOR_INDEX, self.authenticator_index);
            put_opt(
                w,
                TAG_APPID,
                self.app_id.map(str::as_bytes),
                1,
                MAX_APP_ID_LEN,
            )?;
            put_checked(
                w,
                TAG_FINAL_CHALLENGE_HASH,
                self.final_challenge_hash,
                1,
                MAX_FINAL_CHALLENGE_HASH_LEN,
            )?;
            put_opt(
                w,
                TAG_TRANSACTION_CONTENT,
                self.transaction_content,
                1,
                MAX_VALUE_LEN,
            )?;
            put_checked(
                w,
                TAG_KEYHANDLE_ACCESS_TOKEN,
                self.kh_access_token,
                1,
                MAX_KH_ACCESS_TOKEN_LEN,
            )?;
            put_opt(
                w,
                TAG_USERVERIFY_TOKEN,
                self.user_verify_token,
                1,
                MAX_VALUE_LEN,
            )?;
            for kh in self.key_handles {
                put_non_empty(w, TAG_KEYHANDLE, kh)?;
            }
            write_extensions(w, self.extensions)
        })
    }
}

/// `TAG_UAFV1_DEREGISTER_CMD` (digest §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeregisterCommand<'a> {
    /// `TAG_AUTHENTICATOR_INDEX`.
    pub authenticator_index: u8,
    /// `TAG_APPID` (optional; required when `key_id` is empty).
    pub app_id: Option<&'a str>,
    /// `TAG_KEYID`; empty means "every key of `app_id`" (UAF 1.2).
    pub key_id: &'a [u8],
    /// `TAG_KEYHANDLE_ACCESS_TOKEN` (1..=32 bytes).
    pub kh_access_token: &'a [u8],
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> DeregisterCommand<'a> {
    /// Parses the command.
    ///
    /// # Errors
    /// [`CommandError`]; an empty `TAG_KEYID` without `TAG_APPID` is
    /// [`TlvError::MissingMember`] for `TAG_APPID`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let (mut index, mut app_id, mut key_id, mut khat) = (None, None, None, None);
        let top = tlv::parse_expected(bytes, TAG_UAFV1_DEREGISTER_CMD)?;
        let extensions = walk(top, |m| {
            match m.tag {
                TAG_AUTHENTICATOR_INDEX => set_once(&mut index, m, &top)?,
                TAG_APPID => set_once(&mut app_id, m, &top)?,
                TAG_KEYID => set_once(&mut key_id, m, &top)?,
                TAG_KEYHANDLE_ACCESS_TOKEN => set_once(&mut khat, m, &top)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let authenticator_index = required(index, TAG_AUTHENTICATOR_INDEX, &top)?.u8_value()?;
        let app_id = opt(app_id, |t| text_in(t, MAX_APP_ID_LEN))?;
        let key_id = required(key_id, TAG_KEYID, &top)?.value;
        if key_id.is_empty() && app_id.is_none() {
            return Err(TlvError::MissingMember {
                parent: top.tag,
                tag: TAG_APPID,
                offset: top.offset,
            }
            .into());
        }
        let kh_access_token = bytes_in(
            &required(khat, TAG_KEYHANDLE_ACCESS_TOKEN, &top)?,
            1,
            MAX_KH_ACCESS_TOKEN_LEN,
        )?;
        Ok(DeregisterCommand {
            authenticator_index,
            app_id,
            key_id,
            kh_access_token,
            extensions,
        })
    }

    /// Encodes the command, members in spec order.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        if self.key_id.is_empty() && self.app_id.is_none() {
            return Err(TlvError::MissingMember {
                parent: TAG_UAFV1_DEREGISTER_CMD,
                tag: TAG_APPID,
                offset: 0,
            });
        }
        encode_with(TAG_UAFV1_DEREGISTER_CMD, |w| {
            w.put_u8(TAG_AUTHENTICATOR_INDEX, self.authenticator_index);
            put_opt(
                w,
                TAG_APPID,
                self.app_id.map(str::as_bytes),
                1,
                MAX_APP_ID_LEN,
            )?;
            w.put(TAG_KEYID, self.key_id)?;
            put_checked(
                w,
                TAG_KEYHANDLE_ACCESS_TOKEN,
                self.kh_access_token,
                1,
                MAX_KH_ACCESS_TOKEN_LEN,
            )?;
            write_extensions(w, self.extensions)
        })
    }
}

/// `TAG_UAFV1_OPEN_SETTINGS_CMD` (digest §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenSettingsCommand<'a> {
    /// `TAG_AUTHENTICATOR_INDEX`.
    pub authenticator_index: u8,
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> OpenSettingsCommand<'a> {
    /// Parses the command.
    ///
    /// # Errors
    /// [`CommandError`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let mut index = None;
        let top = tlv::parse_expected(bytes, TAG_UAFV1_OPEN_SETTINGS_CMD)?;
        let extensions = walk(top, |m| {
            if m.tag != TAG_AUTHENTICATOR_INDEX {
                return Ok(false);
            }
            set_once(&mut index, m, &top)?;
            Ok(true)
        })?;
        let authenticator_index = required(index, TAG_AUTHENTICATOR_INDEX, &top)?.u8_value()?;
        Ok(OpenSettingsCommand {
            authenticator_index,
            extensions,
        })
    }

    /// Encodes the command.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        encode_with(TAG_UAFV1_OPEN_SETTINGS_CMD, |w| {
            w.put_u8(TAG_AUTHENTICATOR_INDEX, self.authenticator_index);
            write_extensions(w, self.extensions)
        })
    }
}

/// Any authenticator command, dispatched on its first tag (what an authenticator does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// GetInfo.
    GetInfo(GetInfoCommand<'a>),
    /// Register.
    Register(RegisterCommand<'a>),
    /// Sign.
    Sign(SignCommand<'a>),
    /// Deregister.
    Deregister(DeregisterCommand<'a>),
    /// OpenSettings.
    OpenSettings(OpenSettingsCommand<'a>),
}

impl<'a> Command<'a> {
    /// Parses any command.
    ///
    /// # Errors
    /// [`CommandError::UnknownCommand`] for another first tag (the authenticator answers
    /// `UAF_CMD_STATUS_CMD_NOT_SUPPORTED`), or the command's own errors.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let Some([t0, t1]) = bytes.first_chunk::<2>().copied() else {
            return Err(TlvError::TruncatedHeader {
                offset: 0,
                available: bytes.len(),
            }
            .into());
        };
        Ok(match u16::from_le_bytes([t0, t1]) {
            TAG_UAFV1_GETINFO_CMD => Command::GetInfo(GetInfoCommand::parse(bytes)?),
            TAG_UAFV1_REGISTER_CMD => Command::Register(RegisterCommand::parse(bytes)?),
            TAG_UAFV1_SIGN_CMD => Command::Sign(SignCommand::parse(bytes)?),
            TAG_UAFV1_DEREGISTER_CMD => Command::Deregister(DeregisterCommand::parse(bytes)?),
            TAG_UAFV1_OPEN_SETTINGS_CMD => {
                Command::OpenSettings(OpenSettingsCommand::parse(bytes)?)
            }
            tag => return Err(CommandError::UnknownCommand { tag }),
        })
    }

    /// The command's tag.
    #[must_use]
    pub const fn tag(&self) -> u16 {
        match self {
            Command::GetInfo(_) => TAG_UAFV1_GETINFO_CMD,
            Command::Register(_) => TAG_UAFV1_REGISTER_CMD,
            Command::Sign(_) => TAG_UAFV1_SIGN_CMD,
            Command::Deregister(_) => TAG_UAFV1_DEREGISTER_CMD,
            Command::OpenSettings(_) => TAG_UAFV1_OPEN_SETTINGS_CMD,
        }
    }

    /// The tag of the matching response.
    #[must_use]
    pub const fn response_tag(&self) -> u16 {
        self.tag() | 0x0200
    }

    /// Encodes the command.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        match self {
            Command::GetInfo(c) => c.encode(),
            Command::Register(c) => c.encode(),
            Command::Sign(c) => c.encode(),
            Command::Deregister(c) => c.encode(),
            Command::OpenSettings(c) => c.encode(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GetInfo response
// ---------------------------------------------------------------------------------------------

/// `TAG_AUTHENTICATOR_METADATA`: the fixed 15-byte struct of digest §5.8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuthenticatorMetadata {
    /// `AuthenticatorType` bits (UINT16).
    pub authenticator_type: AuthenticatorType,
    /// Most key handles one Sign command may carry (UINT8).
    pub max_key_handles: u8,
    /// `USER_VERIFY_*` bits (UINT32).
    pub user_verification: UserVerify,
    /// `KEY_PROTECTION_*` bits (UINT16).
    pub key_protection: KeyProtection,
    /// `MATCHER_PROTECTION_*` (UINT16).
    pub matcher_protection: MatcherProtection,
    /// `TRANSACTION_CONFIRMATION_DISPLAY_*` bits (UINT16; 0 = none).
    pub tc_display: TcDisplay,
    /// `ALG_SIGN_*` (UINT16).
    pub authentication_alg: AlgSign,
}

impl AuthenticatorMetadata {
    /// Encoded length.
    pub const LEN: usize = 15;

    /// Decodes the 15 bytes (all integers little-endian).
    #[must_use]
    pub fn from_bytes(b: [u8; 15]) -> Self {
        let [t0, t1, max, u0, u1, u2, u3, k0, k1, m0, m1, d0, d1, a0, a1] = b;
        AuthenticatorMetadata {
            authenticator_type: AuthenticatorType(u16::from_le_bytes([t0, t1])),
            max_key_handles: max,
            user_verification: UserVerify(u32::from_le_bytes([u0, u1, u2, u3])),
            key_protection: KeyProtection(u16::from_le_bytes([k0, k1])),
            matcher_protection: MatcherProtection::from_value(u16::from_le_bytes([m0, m1])),
            tc_display: TcDisplay(u16::from_le_bytes([d0, d1])),
            authentication_alg: AlgSign::from_value(u16::from_le_bytes([a0, a1])),
        }
    }

    /// Encodes the 15 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 15] {
        let [t0, t1] = self.authenticator_type.bits().to_le_bytes();
        let [u0, u1, u2, u3] = self.user_verification.bits().to_le_bytes();
        let [k0, k1] = self.key_protection.bits().to_le_bytes();
        let [m0, m1] = self.matcher_protection.value().to_le_bytes();
        let [d0, d1] = self.tc_display.bits().to_le_bytes();
        let [a0, a1] = self.authentication_alg.value().to_le_bytes();
        [
            t0,
            t1,
            self.max_key_handles,
            u0,
            u1,
            u2,
            u3,
            k0,
            k1,
            m0,
            m1,
            d0,
            d1,
            a0,
            a1,
        ]
    }
}

/// The palette of a [`PngCharacteristics`]: encoded entries, borrowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Palette<'a>(&'a [u8]);

impl<'a> Palette<'a> {
    /// No palette.
    pub const EMPTY: Palette<'static> = Palette(&[]);

    /// A palette from encoded entries ([`RgbPaletteEntry::to_bytes`] concatenated); `None` if
    /// the length is not a multiple of 6.
    #[must_use]
    pub const fn new(encoded: &'a [u8]) -> Option<Self> {
        if encoded.len() % RgbPaletteEntry::LEN == 0 {
            Some(Palette(encoded))
        } else {
            None
        }
    }

    /// The encoded entries.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// Number of entries.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.0.len() / RgbPaletteEntry::LEN
    }

    /// Whether there is no entry.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries.
    pub fn iter(&self) -> impl Iterator<Item = RgbPaletteEntry> + use<'a> {
        self.0
            .chunks_exact(RgbPaletteEntry::LEN)
            .filter_map(|c| <[u8; 6]>::try_from(c).ok())
            .map(RgbPaletteEntry::from_bytes)
    }
}

/// `TAG_TC_DISPLAY_PNG_CHARACTERISTICS`: what PNG the authenticator's display can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PngCharacteristics<'a> {
    /// Width in pixels (UINT32).
    pub width: u32,
    /// Height in pixels (UINT32).
    pub height: u32,
    /// PNG bit depth.
    pub bit_depth: u8,
    /// PNG colour type.
    pub color_type: u8,
    /// PNG compression method.
    pub compression: u8,
    /// PNG filter method.
    pub filter: u8,
    /// PNG interlace method.
    pub interlace: u8,
    /// Palette (may be empty).
    pub plte: Palette<'a>,
}

impl<'a> PngCharacteristics<'a> {
    /// Length of the fixed part.
    pub const FIXED_LEN: usize = 13;

    /// Decodes the struct; `None` if it is not 13 bytes plus whole palette entries.
    #[must_use]
    pub fn from_bytes(b: &'a [u8]) -> Option<Self> {
        let (fixed, rest) = b.split_first_chunk::<13>()?;
        let [
            w0,
            w1,
            w2,
            w3,
            h0,
            h1,
            h2,
            h3,
            bit_depth,
            color_type,
            compression,
            filter,
            interlace,
        ] = *fixed;
        Some(PngCharacteristics {
            width: u32::from_le_bytes([w0, w1, w2, w3]),
            height: u32::from_le_bytes([h0, h1, h2, h3]),
            bit_depth,
            color_type,
            compression,
            filter,
            interlace,
            plte: Palette::new(rest)?,
        })
    }

    fn parse(t: &Tlv<'a>) -> Result<Self, CommandError> {
        Self::from_bytes(t.value).ok_or(CommandError::PngCharacteristicsLength {
            offset: t.offset,
            len: t.value.len(),
        })
    }

    #[cfg(feature = "alloc")]
    fn write(&self, w: &mut TlvWriter) -> Result<(), TlvError> {
        let mut v = Vec::with_capacity(Self::FIXED_LEN + self.plte.as_bytes().len());
        v.extend_from_slice(&self.width.to_le_bytes());
        v.extend_from_slice(&self.height.to_le_bytes());
        v.extend_from_slice(&[
            self.bit_depth,
            self.color_type,
            self.compression,
            self.filter,
            self.interlace,
        ]);
        v.extend_from_slice(self.plte.as_bytes());
        w.put(TAG_TC_DISPLAY_PNG_CHARACTERISTICS, &v)
    }
}

impl<'a> tlv::sealed::Sealed<'a> for PngCharacteristics<'a> {
    fn decode_item(tlv: Tlv<'a>, _: ParseOptions) -> Option<Self> {
        Self::from_bytes(tlv.value)
    }
}
impl<'a> TlvItem<'a> for PngCharacteristics<'a> {}

impl tlv::sealed::Sealed<'_> for AttestationType {
    fn decode_item(tlv: Tlv<'_>, _: ParseOptions) -> Option<Self> {
        tlv.u16_value().ok().map(AttestationType::from_value)
    }
}
impl TlvItem<'_> for AttestationType {}

/// `TAG_AUTHENTICATOR_INFO`: one internal authenticator in a GetInfo response (digest §5.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthenticatorInfo<'a> {
    /// `TAG_AUTHENTICATOR_INDEX`.
    pub authenticator_index: u8,
    /// `TAG_AAID`.
    pub aaid: Aaid,
    /// `TAG_AUTHENTICATOR_METADATA`.
    pub metadata: AuthenticatorMetadata,
    /// `TAG_TC_DISPLAY_CONTENT_TYPE` (optional, non-empty UTF-8).
    pub tc_display_content_type: Option<&'a str>,
    /// `TAG_TC_DISPLAY_PNG_CHARACTERISTICS` (0..n).
    pub tc_display_png_characteristics: TlvList<'a, PngCharacteristics<'a>>,
    /// `TAG_ASSERTION_SCHEME` (non-empty UTF-8, e.g. `UAFV1TLV`).
    pub assertion_scheme: &'a str,
    /// `TAG_ATTESTATION_TYPE`s (1..n).
    pub attestation_types: TlvList<'a, AttestationType>,
    /// `TAG_SUPPORTED_EXTENSION_ID`s (0..n, non-empty UTF-8).
    pub supported_extension_ids: TlvList<'a, &'a str>,
}

impl<'a> AuthenticatorInfo<'a> {
    fn parse(info: Tlv<'a>) -> Result<Self, CommandError> {
        let (mut index, mut aaid, mut metadata, mut content_type, mut scheme) =
            (None, None, None, None, None);
        let (mut pngs, mut att_types, mut ext_ids) = (0usize, 0usize, 0usize);
        for_each_member(&info, OPTS, |m| {
            match m.tag {
                TAG_AUTHENTICATOR_INDEX => set_once(&mut index, m, &info)?,
                TAG_AAID => set_once(&mut aaid, m, &info)?,
                TAG_AUTHENTICATOR_METADATA => set_once(&mut metadata, m, &info)?,
                TAG_TC_DISPLAY_CONTENT_TYPE => set_once(&mut content_type, m, &info)?,
                TAG_ASSERTION_SCHEME => set_once(&mut scheme, m, &info)?,
                TAG_TC_DISPLAY_PNG_CHARACTERISTICS => {
                    PngCharacteristics::parse(&m)?;
                    pngs += 1;
                }
                TAG_ATTESTATION_TYPE => {
                    m.u16_value()?;
                    att_types += 1;
                }
                TAG_SUPPORTED_EXTENSION_ID => {
                    text_in(&m, MAX_VALUE_LEN)?;
                    ext_ids += 1;
                }
                _ => return Ok::<_, CommandError>(false),
            }
            Ok(true)
        })?;
        let authenticator_index = required(index, TAG_AUTHENTICATOR_INDEX, &info)?.u8_value()?;
        let aaid = parse_aaid(&required(aaid, TAG_AAID, &info)?)?;
        let metadata = AuthenticatorMetadata::from_bytes(
            required(metadata, TAG_AUTHENTICATOR_METADATA, &info)?.exact::<15>()?,
        );
        let tc_display_content_type = opt(content_type, |t| text_in(t, MAX_VALUE_LEN))?;
        let assertion_scheme = text_in(
            &required(scheme, TAG_ASSERTION_SCHEME, &info)?,
            MAX_VALUE_LEN,
        )?;
        if att_types == 0 {
            return Err(TlvError::MissingMember {
                parent: info.tag,
                tag: TAG_ATTESTATION_TYPE,
                offset: info.offset,
            }
            .into());
        }
        Ok(AuthenticatorInfo {
            authenticator_index,
            aaid,
            metadata,
            tc_display_content_type,
            tc_display_png_characteristics: TlvList::parsed(
                info,
                [TAG_TC_DISPLAY_PNG_CHARACTERISTICS; 2],
                pngs,
                OPTS,
            ),
            assertion_scheme,
            attestation_types: TlvList::parsed(info, [TAG_ATTESTATION_TYPE; 2], att_types, OPTS),
            supported_extension_ids: TlvList::parsed(
                info,
                [TAG_SUPPORTED_EXTENSION_ID; 2],
                ext_ids,
                OPTS,
            ),
        })
    }

    /// Writes the `TAG_AUTHENTICATOR_INFO` composite, members in spec order.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject.
    #[cfg(feature = "alloc")]
    pub fn write(&self, w: &mut TlvWriter) -> Result<(), TlvError> {
        if self.attestation_types.is_empty() {
            return Err(TlvError::MissingMember {
                parent: TAG_AUTHENTICATOR_INFO,
                tag: TAG_ATTESTATION_TYPE,
                offset: w.len(),
            });
        }
        w.put_composite(TAG_AUTHENTICATOR_INFO, |w| {
            w.put_u8(TAG_AUTHENTICATOR_INDEX, self.authenticator_index);
            w.put(TAG_AAID, self.aaid.as_bytes())?;
            w.put(TAG_AUTHENTICATOR_METADATA, &self.metadata.to_bytes())?;
            put_opt(
                w,
                TAG_TC_DISPLAY_CONTENT_TYPE,
                self.tc_display_content_type.map(str::as_bytes),
                1,
                MAX_VALUE_LEN,
            )?;
            for png in self.tc_display_png_characteristics {
                png.write(w)?;
            }
            put_non_empty(w, TAG_ASSERTION_SCHEME, self.assertion_scheme.as_bytes())?;
            for t in self.attestation_types {
                w.put_u16(TAG_ATTESTATION_TYPE, t.value());
            }
            for id in self.supported_extension_ids {
                put_non_empty(w, TAG_SUPPORTED_EXTENSION_ID, id.as_bytes())?;
            }
            Ok(())
        })
    }
}

impl<'a> tlv::sealed::Sealed<'a> for AuthenticatorInfo<'a> {
    fn decode_item(tlv: Tlv<'a>, _: ParseOptions) -> Option<Self> {
        Self::parse(tlv).ok()
    }
}
impl<'a> TlvItem<'a> for AuthenticatorInfo<'a> {}

/// `TAG_UAFV1_GETINFO_CMD_RESPONSE` (digest §5.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetInfoResponse<'a> {
    /// `TAG_STATUS_CODE`.
    pub status: CmdStatus,
    /// `TAG_API_VERSION` (required when `status` is OK; [`API_VERSION`] is the only value
    /// defined, and the caller decides what to do with others).
    pub api_version: Option<u8>,
    /// `TAG_AUTHENTICATOR_INFO`s (at least one when `status` is OK).
    pub authenticators: TlvList<'a, AuthenticatorInfo<'a>>,
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> GetInfoResponse<'a> {
    /// Parses the response.
    ///
    /// # Errors
    /// [`CommandError`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let (mut status_slot, mut version) = (None, None);
        let mut infos = 0usize;
        let top = tlv::parse_expected(bytes, TAG_UAFV1_GETINFO_CMD_RESPONSE)?;
        let extensions = walk(top, |m| {
            match m.tag {
                TAG_STATUS_CODE => set_once(&mut status_slot, m, &top)?,
                TAG_API_VERSION => set_once(&mut version, m, &top)?,
                TAG_AUTHENTICATOR_INFO => {
                    AuthenticatorInfo::parse(m)?;
                    infos += 1;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let status = parse_status(status_slot, &top)?;
        let ok = status == CmdStatus::Ok;
        let api_version = opt(required_if_ok(version, ok, TAG_API_VERSION, &top)?, |t| {
            t.u8_value()
        })?;
        if ok && infos == 0 {
            return Err(TlvError::MissingMember {
                parent: top.tag,
                tag: TAG_AUTHENTICATOR_INFO,
                offset: top.offset,
            }
            .into());
        }
        Ok(GetInfoResponse {
            status,
            api_version,
            authenticators: TlvList::parsed(top, [TAG_AUTHENTICATOR_INFO; 2], infos, OPTS),
            extensions,
        })
    }

    /// Encodes the response, members in spec order.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject (including a missing API version or
    /// authenticator with status OK).
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        let ok = self.status == CmdStatus::Ok;
        let missing = |tag| TlvError::MissingMember {
            parent: TAG_UAFV1_GETINFO_CMD_RESPONSE,
            tag,
            offset: 0,
        };
        if ok && self.api_version.is_none() {
            return Err(missing(TAG_API_VERSION));
        }
        if ok && self.authenticators.is_empty() {
            return Err(missing(TAG_AUTHENTICATOR_INFO));
        }
        encode_with(TAG_UAFV1_GETINFO_CMD_RESPONSE, |w| {
            w.put_u16(TAG_STATUS_CODE, self.status.value());
            if let Some(v) = self.api_version {
                w.put_u8(TAG_API_VERSION, v);
            }
            for info in self.authenticators {
                info.write(w)?;
            }
            write_extensions(w, self.extensions)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Other responses
// ---------------------------------------------------------------------------------------------

/// `TAG_UAFV1_REGISTER_CMD_RESPONSE` (digest §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterResponse<'a> {
    /// `TAG_STATUS_CODE`.
    pub status: CmdStatus,
    /// `TAG_AUTHENTICATOR_ASSERTION`: a whole `TAG_UAFV1_REG_ASSERTION` TLV (required when
    /// `status` is OK; non-empty).
    pub assertion: Option<&'a [u8]>,
    /// `TAG_KEYHANDLE` (optional, non-empty): present when the ASM stores the key handle.
    pub key_handle: Option<&'a [u8]>,
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> RegisterResponse<'a> {
    /// Parses the response.
    ///
    /// # Errors
    /// [`CommandError`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let (mut status_slot, mut assertion, mut key_handle) = (None, None, None);
        let top = tlv::parse_expected(bytes, TAG_UAFV1_REGISTER_CMD_RESPONSE)?;
        let extensions = walk(top, |m| {
            match m.tag {
                TAG_STATUS_CODE => set_once(&mut status_slot, m, &top)?,
                TAG_AUTHENTICATOR_ASSERTION => set_once(&mut assertion, m, &top)?,
                TAG_KEYHANDLE => set_once(&mut key_handle, m, &top)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let status = parse_status(status_slot, &top)?;
        let assertion = required_if_ok(
            assertion,
            status == CmdStatus::Ok,
            TAG_AUTHENTICATOR_ASSERTION,
            &top,
        )?;
        Ok(RegisterResponse {
            status,
            assertion: opt(assertion, |t| bytes_in(t, 1, MAX_VALUE_LEN))?,
            key_handle: opt(key_handle, |t| bytes_in(t, 1, MAX_VALUE_LEN))?,
            extensions,
        })
    }

    /// Encodes the response, members in spec order.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject (including no assertion with status OK).
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        if self.status == CmdStatus::Ok && self.assertion.is_none() {
            return Err(TlvError::MissingMember {
                parent: TAG_UAFV1_REGISTER_CMD_RESPONSE,
                tag: TAG_AUTHENTICATOR_ASSERTION,
                offset: 0,
            });
        }
        encode_with(TAG_UAFV1_REGISTER_CMD_RESPONSE, |w| {
            w.put_u16(TAG_STATUS_CODE, self.status.value());
            put_opt(
                w,
                TAG_AUTHENTICATOR_ASSERTION,
                self.assertion,
                1,
                MAX_VALUE_LEN,
            )?;
            put_opt(w, TAG_KEYHANDLE, self.key_handle, 1, MAX_VALUE_LEN)?;
            write_extensions(w, self.extensions)
        })
    }
}

/// `TAG_USERNAME_AND_KEYHANDLE`: one account the user may pick (digest §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UsernameAndKeyHandle<'a> {
    /// `TAG_USERNAME` (1..=128 bytes).
    pub username: &'a str,
    /// `TAG_KEYHANDLE` (non-empty).
    pub key_handle: &'a [u8],
}

impl<'a> UsernameAndKeyHandle<'a> {
    fn parse(t: Tlv<'a>) -> Result<Self, TlvError> {
        let (mut username, mut key_handle) = (None, None);
        for_each_member(&t, OPTS, |m| {
            match m.tag {
                TAG_USERNAME => set_once(&mut username, m, &t)?,
                TAG_KEYHANDLE => set_once(&mut key_handle, m, &t)?,
                _ => return Ok::<_, TlvError>(false),
            }
            Ok(true)
        })?;
        Ok(UsernameAndKeyHandle {
            username: text_in(&required(username, TAG_USERNAME, &t)?, MAX_USERNAME_LEN)?,
            key_handle: bytes_in(&required(key_handle, TAG_KEYHANDLE, &t)?, 1, MAX_VALUE_LEN)?,
        })
    }

    #[cfg(feature = "alloc")]
    fn write(&self, w: &mut TlvWriter) -> Result<(), TlvError> {
        w.put_composite(TAG_USERNAME_AND_KEYHANDLE, |w| {
            put_checked(
                w,
                TAG_USERNAME,
                self.username.as_bytes(),
                1,
                MAX_USERNAME_LEN,
            )?;
            put_non_empty(w, TAG_KEYHANDLE, self.key_handle)
        })
    }
}

impl<'a> tlv::sealed::Sealed<'a> for UsernameAndKeyHandle<'a> {
    fn decode_item(tlv: Tlv<'a>, _: ParseOptions) -> Option<Self> {
        Self::parse(tlv).ok()
    }
}
impl<'a> TlvItem<'a> for UsernameAndKeyHandle<'a> {}

/// What a Sign response carries besides its status: never both kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignResponseContent<'a> {
    /// Nothing (only with a status other than OK).
    None,
    /// Accounts for the user to choose from; the ASM then signs again with one key handle.
    UsernamesAndKeyHandles(TlvList<'a, UsernameAndKeyHandle<'a>>),
    /// `TAG_AUTHENTICATOR_ASSERTION`: a whole `TAG_UAFV1_AUTH_ASSERTION` TLV.
    Assertion(&'a [u8]),
}

/// `TAG_UAFV1_SIGN_CMD_RESPONSE` (digest §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignResponse<'a> {
    /// `TAG_STATUS_CODE`.
    pub status: CmdStatus,
    /// The accounts or the assertion (one of them required when `status` is OK).
    pub content: SignResponseContent<'a>,
    /// Extensions.
    pub extensions: Extensions<'a>,
}

impl<'a> SignResponse<'a> {
    /// Parses the response.
    ///
    /// # Errors
    /// [`CommandError`], including [`CommandError::SignResponseConflict`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let (mut status_slot, mut assertion) = (None, None);
        let mut users = 0usize;
        let top = tlv::parse_expected(bytes, TAG_UAFV1_SIGN_CMD_RESPONSE)?;
        let extensions = walk(top, |m| {
            match m.tag {
                TAG_STATUS_CODE => set_once(&mut status_slot, m, &top)?,
                TAG_AUTHENTICATOR_ASSERTION => set_once(&mut assertion, m, &top)?,
                TAG_USERNAME_AND_KEYHANDLE => {
                    UsernameAndKeyHandle::parse(m)?;
                    users += 1;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let status = parse_status(status_slot, &top)?;
        let content = match (assertion, users) {
            (Some(_), 1..) => {
                return Err(CommandError::SignResponseConflict { offset: top.offset });
            }
            (Some(a), 0) => SignResponseContent::Assertion(bytes_in(&a, 1, MAX_VALUE_LEN)?),
            (None, 1..) => SignResponseContent::UsernamesAndKeyHandles(TlvList::parsed(
                top,
                [TAG_USERNAME_AND_KEYHANDLE; 2],
                users,
                OPTS,
            )),
            (None, 0) if status == CmdStatus::Ok => {
                return Err(TlvError::MissingMember {
                    parent: top.tag,
                    tag: TAG_AUTHENTICATOR_ASSERTION,
                    offset: top.offset,
                }
                .into());
            }
            (None, 0) => SignResponseContent::None,
        };
        Ok(SignResponse {
            status,
            content,
            extensions,
        })
    }

    /// Encodes the response, members in spec order.
    ///
    /// # Errors
    /// [`TlvError`] for a value the parser would reject (including no content with status OK
    /// or an empty account list).
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        let missing = |tag| TlvError::MissingMember {
            parent: TAG_UAFV1_SIGN_CMD_RESPONSE,
            tag,
            offset: 0,
        };
        match self.content {
            SignResponseContent::None if self.status == CmdStatus::Ok => {
                return Err(missing(TAG_AUTHENTICATOR_ASSERTION));
            }
            SignResponseContent::UsernamesAndKeyHandles(list) if list.is_empty() => {
                return Err(missing(TAG_USERNAME_AND_KEYHANDLE));
            }
            _ => {}
        }
        encode_with(TAG_UAFV1_SIGN_CMD_RESPONSE, |w| {
            w.put_u16(TAG_STATUS_CODE, self.status.value());
            match self.content {
                SignResponseContent::None => {}
                SignResponseContent::UsernamesAndKeyHandles(list) => {
                    for u in list {
                        u.write(w)?;
                    }
                }
                SignResponseContent::Assertion(a) => {
                    put_non_empty(w, TAG_AUTHENTICATOR_ASSERTION, a)?
                }
            }
            write_extensions(w, self.extensions)
        })
    }
}

/// Defines a response that carries only a status code (and extensions).
macro_rules! status_response {
    ($(#[$meta:meta])* $name:ident, $tag:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name<'a> {
            /// `TAG_STATUS_CODE`.
            pub status: CmdStatus,
            /// Extensions.
            pub extensions: Extensions<'a>,
        }

        impl<'a> $name<'a> {
            /// Parses the response.
            ///
            /// # Errors
            /// [`CommandError`].
            pub fn parse(bytes: &'a [u8]) -> Result<Self, CommandError> {
                let mut status_slot = None;
                let top = tlv::parse_expected(bytes, $tag)?;
                let extensions = walk(top, |m| {
                    if m.tag != TAG_STATUS_CODE {
                        return Ok(false);
                    }
                    set_once(&mut status_slot, m, &top)?;
                    Ok(true)
                })?;
                Ok($name { status: parse_status(status_slot, &top)?, extensions })
            }

            /// Encodes the response.
            ///
            /// # Errors
            /// [`TlvError`] for a value the parser would reject.
            #[cfg(feature = "alloc")]
            pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
                encode_with($tag, |w| {
                    w.put_u16(TAG_STATUS_CODE, self.status.value());
                    write_extensions(w, self.extensions)
                })
            }
        }
    };
}

status_response! {
    /// `TAG_UAFV1_DEREGISTER_CMD_RESPONSE` (digest §5.7).
    DeregisterResponse, TAG_UAFV1_DEREGISTER_CMD_RESPONSE
}

status_response! {
    /// `TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE` (digest §5.7).
    OpenSettingsResponse, TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_struct_is_fifteen_little_endian_bytes() {
        let bytes = [
            0x48, 0x00, 0x05, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02,
            0x00,
        ];
        let m = AuthenticatorMetadata::from_bytes(bytes);
        assert_eq!(
            m.authenticator_type,
            AuthenticatorType::BUILTIN_UI | AuthenticatorType::USER_ENROLLED
        );
        assert_eq!(m.max_key_handles, 5);
        assert_eq!(m.user_verification, UserVerify::PASSCODE);
        assert_eq!(m.key_protection, KeyProtection::SOFTWARE);
        assert_eq!(m.matcher_protection, MatcherProtection::OnChip);
        assert_eq!(m.tc_display, TcDisplay::ANY);
        assert_eq!(m.authentication_alg, AlgSign::Secp256r1EcdsaSha256Der);
        assert_eq!(m.to_bytes(), bytes);
    }

    #[test]
    fn png_characteristics_layout() {
        let mut b = [0u8; 19];
        b[..4].copy_from_slice(&320u32.to_le_bytes());
        b[4..8].copy_from_slice(&480u32.to_le_bytes());
        b[8..13].copy_from_slice(&[8, 3, 0, 0, 0]);
        b[13..].copy_from_slice(
            &RgbPaletteEntry {
                r: 1,
                g: 0x200,
                b: 3,
            }
            .to_bytes(),
        );
        let p = PngCharacteristics::from_bytes(&b).unwrap();
        assert_eq!(
            (p.width, p.height, p.bit_depth, p.color_type),
            (320, 480, 8, 3)
        );
        assert_eq!(p.plte.len(), 1);
        assert_eq!(
            p.plte.iter().next(),
            Some(RgbPaletteEntry {
                r: 1,
                g: 0x200,
                b: 3
            })
        );
        assert_eq!(PngCharacteristics::from_bytes(&b[..18]), None);
        assert_eq!(PngCharacteristics::from_bytes(&b[..12]), None);
        assert!(
            PngCharacteristics::from_bytes(&b[..13])
                .unwrap()
                .plte
                .is_empty()
        );
    }

    #[test]
    fn response_tags_pair_with_commands() {
        let c = Command::GetInfo(GetInfoCommand::default());
        assert_eq!(c.response_tag(), TAG_UAFV1_GETINFO_CMD_RESPONSE);
        for (cmd, resp) in [
            (TAG_UAFV1_REGISTER_CMD, TAG_UAFV1_REGISTER_CMD_RESPONSE),
            (TAG_UAFV1_SIGN_CMD, TAG_UAFV1_SIGN_CMD_RESPONSE),
            (TAG_UAFV1_DEREGISTER_CMD, TAG_UAFV1_DEREGISTER_CMD_RESPONSE),
            (
                TAG_UAFV1_OPEN_SETTINGS_CMD,
                TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE,
            ),
        ] {
            assert_eq!(cmd | 0x0200, resp);
        }
    }
}
