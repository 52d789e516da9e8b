//! The `UAFV1TLV` encoding (digest §5.1, §5.2): tag constants, a zero-copy reader and a
//! canonical writer.
//!
//! Every item is `tag (UINT16 LE) ‖ length (UINT16 LE) ‖ value (length bytes)`. A tag with bit
//! [`COMPOSITE_BIT`] (0x1000) holds a sequence of TLVs; a tag with bit [`CRITICAL_BIT`] (0x2000)
//! must be understood by the receiver or the whole message is rejected.
//!
//! - [`TlvReader`] walks a byte slice and yields [`Tlv`] items that borrow the input: each keeps
//!   its value, its raw bytes (header included; what UAF signatures cover) and its offset in the
//!   input, so errors can say where the fault is. It needs no allocation.
//! - [`parse_single`] / [`parse_expected`] read exactly one top-level item and reject trailing
//!   bytes; [`check_structure`] checks a whole tree up to [`MAX_DEPTH`] levels.
//! - [`TlvWriter`] (feature `alloc`) writes canonical TLV and refuses values longer than 65535
//!   bytes. It can also write deliberately broken bytes ([`TlvWriter::put_header`],
//!   [`TlvWriter::put_raw`]) for conformance fault injection.
//!
//! Source: UAF authenticator commands 1.1 §3–§4 (URL in digest §0).

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

// ---------------------------------------------------------------------------------------------
// Tag constants (digest §5.2)
// ---------------------------------------------------------------------------------------------

/// Bit that marks a composite tag: its value is a sequence of TLVs.
pub const COMPOSITE_BIT: u16 = 0x1000;
/// Bit that marks a critical tag: a receiver that does not understand it must abort.
pub const CRITICAL_BIT: u16 = 0x2000;

/// Registration assertion: KRD + attestation (composite).
pub const TAG_UAFV1_REG_ASSERTION: u16 = 0x3E01;
/// Authentication assertion: SignedData + signature (composite).
pub const TAG_UAFV1_AUTH_ASSERTION: u16 = 0x3E02;
/// Key Registration Data (composite); the attestation signature covers this whole TLV.
pub const TAG_UAFV1_KRD: u16 = 0x3E03;
/// Data signed with UAuth.priv (composite); the signature covers this whole TLV.
pub const TAG_UAFV1_SIGNED_DATA: u16 = 0x3E04;
/// One DER X.509 attestation certificate (repeatable, leaf first).
pub const TAG_ATTESTATION_CERT: u16 = 0x2E05;
/// Signature bytes.
pub const TAG_SIGNATURE: u16 = 0x2E06;
/// Basic full attestation block (composite).
pub const TAG_ATTESTATION_BASIC_FULL: u16 = 0x3E07;
/// Basic surrogate attestation block (composite).
pub const TAG_ATTESTATION_BASIC_SURROGATE: u16 = 0x3E08;
/// ECDAA attestation block (composite).
pub const TAG_ATTESTATION_ECDAA: u16 = 0x3E09;
/// KeyID bytes. (Not to be confused with [`TAG_ATTESTATION_ECDAA`], 0x3E09.)
pub const TAG_KEYID: u16 = 0x2E09;
/// FinalChallengeHash (called `TAG_FINAL_CHALLENGE` in UAF 1.0).
pub const TAG_FINAL_CHALLENGE_HASH: u16 = 0x2E0A;
/// AAID: 9 ASCII bytes.
pub const TAG_AAID: u16 = 0x2E0B;
/// UAuth.pub, encoded as `PublicKeyAlgAndEncoding` says.
pub const TAG_PUB_KEY: u16 = 0x2E0C;
/// Counters: 8 bytes in KRD, 4 bytes in SignedData.
pub const TAG_COUNTERS: u16 = 0x2E0D;
/// Assertion info: 7 bytes in KRD, 5 bytes in SignedData.
pub const TAG_ASSERTION_INFO: u16 = 0x2E0E;
/// Authenticator nonce: at least 8 random bytes.
pub const TAG_AUTHENTICATOR_NONCE: u16 = 0x2E0F;
/// Hash of the transaction content, or empty.
pub const TAG_TRANSACTION_CONTENT_HASH: u16 = 0x2E10;
/// Critical extension `{ID, DATA}` (composite).
pub const TAG_EXTENSION: u16 = 0x3E11;
/// Non-critical extension `{ID, DATA}` (composite).
pub const TAG_EXTENSION_NON_CRITICAL: u16 = 0x3E12;
/// UTF-8 extension id.
pub const TAG_EXTENSION_ID: u16 = 0x2E13;
/// Extension data bytes.
pub const TAG_EXTENSION_DATA: u16 = 0x2E14;

/// GetInfo command.
pub const TAG_UAFV1_GETINFO_CMD: u16 = 0x3401;
/// GetInfo response.
pub const TAG_UAFV1_GETINFO_CMD_RESPONSE: u16 = 0x3601;
/// Register command.
pub const TAG_UAFV1_REGISTER_CMD: u16 = 0x3402;
/// Register response.
pub const TAG_UAFV1_REGISTER_CMD_RESPONSE: u16 = 0x3602;
/// Sign command.
pub const TAG_UAFV1_SIGN_CMD: u16 = 0x3403;
/// Sign response.
pub const TAG_UAFV1_SIGN_CMD_RESPONSE: u16 = 0x3603;
/// Deregister command.
pub const TAG_UAFV1_DEREGISTER_CMD: u16 = 0x3404;
/// Deregister response.
pub const TAG_UAFV1_DEREGISTER_CMD_RESPONSE: u16 = 0x3604;
/// OpenSettings command.
pub const TAG_UAFV1_OPEN_SETTINGS_CMD: u16 = 0x3406;
/// OpenSettings response.
pub const TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE: u16 = 0x3606;

/// Key handle bytes.
pub const TAG_KEYHANDLE: u16 = 0x2801;
/// `{TAG_USERNAME, TAG_KEYHANDLE}` (composite).
pub const TAG_USERNAME_AND_KEYHANDLE: u16 = 0x3802;
/// User verification token.
pub const TAG_USERVERIFY_TOKEN: u16 = 0x2803;
/// UTF-8 AppID (at most 512 bytes).
pub const TAG_APPID: u16 = 0x2804;
/// KHAccessToken (at most 32 bytes).
pub const TAG_KEYHANDLE_ACCESS_TOKEN: u16 = 0x2805;
/// UTF-8 username (at most 128 bytes).
pub const TAG_USERNAME: u16 = 0x2806;
/// UINT16 attestation type (an attestation tag value such as 0x3E07).
pub const TAG_ATTESTATION_TYPE: u16 = 0x2807;
/// UINT16 command status (`UAF_CMD_STATUS_*`).
pub const TAG_STATUS_CODE: u16 = 0x2808;
/// The 15-byte authenticator metadata struct.
pub const TAG_AUTHENTICATOR_METADATA: u16 = 0x2809;
/// UTF-8 assertion scheme, e.g. `UAFV1TLV`.
pub const TAG_ASSERTION_SCHEME: u16 = 0x280A;
/// PNG display characteristics struct.
pub const TAG_TC_DISPLAY_PNG_CHARACTERISTICS: u16 = 0x280B;
/// UTF-8 MIME type of the transaction confirmation display.
pub const TAG_TC_DISPLAY_CONTENT_TYPE: u16 = 0x280C;
/// UINT8 authenticator index.
pub const TAG_AUTHENTICATOR_INDEX: u16 = 0x280D;
/// UINT8 API version (0x01).
pub const TAG_API_VERSION: u16 = 0x280E;
/// Wraps a full assertion TLV (0x3E01 or 0x3E02).
pub const TAG_AUTHENTICATOR_ASSERTION: u16 = 0x280F;
/// Raw transaction content bytes.
pub const TAG_TRANSACTION_CONTENT: u16 = 0x2810;
/// One internal authenticator's description (composite).
pub const TAG_AUTHENTICATOR_INFO: u16 = 0x3811;
/// UTF-8 id of a supported extension.
pub const TAG_SUPPORTED_EXTENSION_ID: u16 = 0x2812;
/// Transaction confirmation token (UAF 1.1+; single source, digest §12).
pub const TAG_TRANSACTIONCONFIRMATION_TOKEN: u16 = 0x2813;

/// Internal: raw user verification index (never sent to a server).
pub const TAG_RAW_USER_VERIFICATION_INDEX: u16 = 0x0103;
/// Internal: user verification index.
pub const TAG_USER_VERIFICATION_INDEX: u16 = 0x0104;
/// Internal: raw user verification state.
pub const TAG_RAW_USER_VERIFICATION_STATE: u16 = 0x0105;
/// Internal: user verification state.
pub const TAG_USER_VERIFICATION_STATE: u16 = 0x0106;
/// Internal: user verification caching (single source, digest §12).
pub const TAG_USER_VERIFICATION_CACHING: u16 = 0x0108;
/// Internal: reserved.
pub const TAG_RESERVED_5: u16 = 0x0201;

/// Size of a TLV header (tag and length).
pub const HEADER_LEN: usize = 4;

/// Largest value a TLV can carry (its length is a UINT16).
pub const MAX_VALUE_LEN: usize = 0xFFFF;

/// Most levels of composite nesting the reader follows (a top-level item is level 1). UAF
/// structures need at most 4; anything deeper is rejected with [`TlvError::NestingTooDeep`].
pub const MAX_DEPTH: usize = 8;

/// Whether `tag` is composite (bit 0x1000): its value is a sequence of TLVs.
#[must_use]
pub const fn is_composite(tag: u16) -> bool {
    tag & COMPOSITE_BIT != 0
}

/// Whether `tag` is critical (bit 0x2000): a receiver that does not understand it must abort.
#[must_use]
pub const fn is_critical(tag: u16) -> bool {
    tag & CRITICAL_BIT != 0
}

/// The spec name of a tag of digest §5.2 (e.g. `"TAG_AAID"`), or `None` for any other tag.
#[must_use]
pub const fn tag_name(tag: u16) -> Option<&'static str> {
    Some(match tag {
        TAG_UAFV1_REG_ASSERTION => "TAG_UAFV1_REG_ASSERTION",
        TAG_UAFV1_AUTH_ASSERTION => "TAG_UAFV1_AUTH_ASSERTION",
        TAG_UAFV1_KRD => "TAG_UAFV1_KRD",
        TAG_UAFV1_SIGNED_DATA => "TAG_UAFV1_SIGNED_DATA",
        TAG_ATTESTATION_CERT => "TAG_ATTESTATION_CERT",
        TAG_SIGNATURE => "TAG_SIGNATURE",
        TAG_ATTESTATION_BASIC_FULL => "TAG_ATTESTATION_BASIC_FULL",
        TAG_ATTESTATION_BASIC_SURROGATE => "TAG_ATTESTATION_BASIC_SURROGATE",
        TAG_ATTESTATION_ECDAA => "TAG_ATTESTATION_ECDAA",
        TAG_KEYID => "TAG_KEYID",
        TAG_FINAL_CHALLENGE_HASH => "TAG_FINAL_CHALLENGE_HASH",
        TAG_AAID => "TAG_AAID",
        TAG_PUB_KEY => "TAG_PUB_KEY",
        TAG_COUNTERS => "TAG_COUNTERS",
        TAG_ASSERTION_INFO => "TAG_ASSERTION_INFO",
        TAG_AUTHENTICATOR_NONCE => "TAG_AUTHENTICATOR_NONCE",
        TAG_TRANSACTION_CONTENT_HASH => "TAG_TRANSACTION_CONTENT_HASH",
        TAG_EXTENSION => "TAG_EXTENSION",
        TAG_EXTENSION_NON_CRITICAL => "TAG_EXTENSION_NON_CRITICAL",
        TAG_EXTENSION_ID => "TAG_EXTENSION_ID",
        TAG_EXTENSION_DATA => "TAG_EXTENSION_DATA",
        TAG_UAFV1_GETINFO_CMD => "TAG_UAFV1_GETINFO_CMD",
        TAG_UAFV1_GETINFO_CMD_RESPONSE => "TAG_UAFV1_GETINFO_CMD_RESPONSE",
        TAG_UAFV1_REGISTER_CMD => "TAG_UAFV1_REGISTER_CMD",
        TAG_UAFV1_REGISTER_CMD_RESPONSE => "TAG_UAFV1_REGISTER_CMD_RESPONSE",
        TAG_UAFV1_SIGN_CMD => "TAG_UAFV1_SIGN_CMD",
        TAG_UAFV1_SIGN_CMD_RESPONSE => "TAG_UAFV1_SIGN_CMD_RESPONSE",
        TAG_UAFV1_DEREGISTER_CMD => "TAG_UAFV1_DEREGISTER_CMD",
        TAG_UAFV1_DEREGISTER_CMD_RESPONSE => "TAG_UAFV1_DEREGISTER_CMD_RESPONSE",
        TAG_UAFV1_OPEN_SETTINGS_CMD => "TAG_UAFV1_OPEN_SETTINGS_CMD",
        TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE => "TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE",
        TAG_KEYHANDLE => "TAG_KEYHANDLE",
        TAG_USERNAME_AND_KEYHANDLE => "TAG_USERNAME_AND_KEYHANDLE",
        TAG_USERVERIFY_TOKEN => "TAG_USERVERIFY_TOKEN",
        TAG_APPID => "TAG_APPID",
        TAG_KEYHANDLE_ACCESS_TOKEN => "TAG_KEYHANDLE_ACCESS_TOKEN",
        TAG_USERNAME => "TAG_USERNAME",
        TAG_ATTESTATION_TYPE => "TAG_ATTESTATION_TYPE",
        TAG_STATUS_CODE => "TAG_STATUS_CODE",
        TAG_AUTHENTICATOR_METADATA => "TAG_AUTHENTICATOR_METADATA",
        TAG_ASSERTION_SCHEME => "TAG_ASSERTION_SCHEME",
        TAG_TC_DISPLAY_PNG_CHARACTERISTICS => "TAG_TC_DISPLAY_PNG_CHARACTERISTICS",
        TAG_TC_DISPLAY_CONTENT_TYPE => "TAG_TC_DISPLAY_CONTENT_TYPE",
        TAG_AUTHENTICATOR_INDEX => "TAG_AUTHENTICATOR_INDEX",
        TAG_API_VERSION => "TAG_API_VERSION",
        TAG_AUTHENTICATOR_ASSERTION => "TAG_AUTHENTICATOR_ASSERTION",
        TAG_TRANSACTION_CONTENT => "TAG_TRANSACTION_CONTENT",
        TAG_AUTHENTICATOR_INFO => "TAG_AUTHENTICATOR_INFO",
        TAG_SUPPORTED_EXTENSION_ID => "TAG_SUPPORTED_EXTENSION_ID",
        TAG_TRANSACTIONCONFIRMATION_TOKEN => "TAG_TRANSACTIONCONFIRMATION_TOKEN",
        TAG_RAW_USER_VERIFICATION_INDEX => "TAG_RAW_USER_VERIFICATION_INDEX",
        TAG_USER_VERIFICATION_INDEX => "TAG_USER_VERIFICATION_INDEX",
        TAG_RAW_USER_VERIFICATION_STATE => "TAG_RAW_USER_VERIFICATION_STATE",
        TAG_USER_VERIFICATION_STATE => "TAG_USER_VERIFICATION_STATE",
        TAG_USER_VERIFICATION_CACHING => "TAG_USER_VERIFICATION_CACHING",
        TAG_RESERVED_5 => "TAG_RESERVED_5",
        _ => return None,
    })
}

/// Whether `tag` is one of the tags of digest §5.2.
#[must_use]
pub const fn is_known_tag(tag: u16) -> bool {
    tag_name(tag).is_some()
}

/// Displays a tag as `TAG_NAME (0xNNNN)` or `tag 0xNNNN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagDisplay(pub u16);

impl fmt::Display for TagDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match tag_name(self.0) {
            Some(name) => write!(f, "{name} (0x{:04X})", self.0),
            None => write!(f, "tag 0x{:04X}", self.0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why TLV bytes are not acceptable. Offsets count bytes from the start of the input given to
/// the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvError {
    /// Fewer than 4 bytes are left where a TLV header must start (includes empty input).
    TruncatedHeader {
        /// Where the header should start.
        offset: usize,
        /// Bytes left.
        available: usize,
    },
    /// The length field runs past the end of the enclosing data.
    LengthPastEnd {
        /// The item's tag.
        tag: u16,
        /// Offset of the item's header.
        offset: usize,
        /// The declared length.
        length: usize,
        /// Value bytes actually left.
        available: usize,
    },
    /// Bytes follow the single top-level item.
    TrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// Number of extra bytes.
        count: usize,
    },
    /// The top-level item has another tag than the one expected.
    UnexpectedTag {
        /// Tag required here.
        expected: u16,
        /// Tag found.
        found: u16,
        /// Offset of the item.
        offset: usize,
    },
    /// Composites are nested deeper than [`MAX_DEPTH`].
    NestingTooDeep {
        /// The composite whose members would exceed the limit.
        tag: u16,
        /// Its offset.
        offset: usize,
        /// The limit ([`MAX_DEPTH`]).
        limit: usize,
    },
    /// Members were asked of a tag without the composite bit.
    NotComposite {
        /// The tag.
        tag: u16,
        /// Its offset.
        offset: usize,
    },
    /// A value that must not be empty is empty.
    EmptyValue {
        /// The tag.
        tag: u16,
        /// Offset of the item.
        offset: usize,
    },
    /// A value has a length outside what the spec allows.
    WrongLength {
        /// The tag.
        tag: u16,
        /// Offset of the item.
        offset: usize,
        /// The length found.
        len: usize,
        /// Smallest allowed length.
        min: usize,
        /// Largest allowed length.
        max: usize,
    },
    /// A mandatory member is missing from a composite.
    MissingMember {
        /// The composite.
        parent: u16,
        /// The missing member.
        tag: u16,
        /// Offset of the composite.
        offset: usize,
    },
    /// A member that may appear once appears again.
    DuplicateMember {
        /// The composite.
        parent: u16,
        /// The repeated member.
        tag: u16,
        /// Offset of the second occurrence.
        offset: usize,
    },
    /// A known tag appears in a composite where it does not belong.
    UnexpectedMember {
        /// The composite.
        parent: u16,
        /// The misplaced tag.
        tag: u16,
        /// Its offset.
        offset: usize,
    },
    /// An unknown tag with the critical bit (0x2000) set.
    UnknownCriticalTag {
        /// The composite it appears in.
        parent: u16,
        /// The unknown tag.
        tag: u16,
        /// Its offset.
        offset: usize,
    },
    /// A text value is not valid UTF-8.
    InvalidUtf8 {
        /// The tag.
        tag: u16,
        /// Offset of the item.
        offset: usize,
    },
    /// The writer was given a value longer than 65535 bytes (nothing was written).
    ValueTooLong {
        /// The tag.
        tag: u16,
        /// The value's length.
        len: usize,
    },
}

impl TlvError {
    /// The tag concerned, if the error is about one item.
    #[must_use]
    pub const fn tag(&self) -> Option<u16> {
        match *self {
            TlvError::TruncatedHeader { .. } | TlvError::TrailingBytes { .. } => None,
            TlvError::UnexpectedTag { found: tag, .. }
            | TlvError::LengthPastEnd { tag, .. }
            | TlvError::NestingTooDeep { tag, .. }
            | TlvError::NotComposite { tag, .. }
            | TlvError::EmptyValue { tag, .. }
            | TlvError::WrongLength { tag, .. }
            | TlvError::MissingMember { tag, .. }
            | TlvError::DuplicateMember { tag, .. }
            | TlvError::UnexpectedMember { tag, .. }
            | TlvError::UnknownCriticalTag { tag, .. }
            | TlvError::InvalidUtf8 { tag, .. }
            | TlvError::ValueTooLong { tag, .. } => Some(tag),
        }
    }

    /// The offset in the input the error points at, if any.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        match *self {
            TlvError::ValueTooLong { .. } => None,
            TlvError::TruncatedHeader { offset, .. }
            | TlvError::LengthPastEnd { offset, .. }
            | TlvError::TrailingBytes { offset, .. }
            | TlvError::UnexpectedTag { offset, .. }
            | TlvError::NestingTooDeep { offset, .. }
            | TlvError::NotComposite { offset, .. }
            | TlvError::EmptyValue { offset, .. }
            | TlvError::WrongLength { offset, .. }
            | TlvError::MissingMember { offset, .. }
            | TlvError::DuplicateMember { offset, .. }
            | TlvError::UnexpectedMember { offset, .. }
            | TlvError::UnknownCriticalTag { offset, .. }
            | TlvError::InvalidUtf8 { offset, .. } => Some(offset),
        }
    }
}

impl fmt::Display for TlvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TlvError::TruncatedHeader { offset, available } => write!(
                f,
                "TLV header cut short at offset {offset}: {available} bytes left, 4 needed (tag and length)"
            ),
            TlvError::LengthPastEnd {
                tag,
                offset,
                length,
                available,
            } => write!(
                f,
                "{} at offset {offset} declares {length} value bytes but only {available} are left",
                TagDisplay(tag)
            ),
            TlvError::TrailingBytes { offset, count } => write!(
                f,
                "{count} unexpected bytes after the TLV item, starting at offset {offset}; send exactly one item"
            ),
            TlvError::UnexpectedTag {
                expected,
                found,
                offset,
            } => write!(
                f,
                "expected {} at offset {offset}, found {}",
                TagDisplay(expected),
                TagDisplay(found)
            ),
            TlvError::NestingTooDeep { tag, offset, limit } => write!(
                f,
                "{} at offset {offset} nests TLVs deeper than {limit} levels",
                TagDisplay(tag)
            ),
            TlvError::NotComposite { tag, offset } => write!(
                f,
                "{} at offset {offset} is not a composite tag (bit 0x1000 clear) and has no members",
                TagDisplay(tag)
            ),
            TlvError::EmptyValue { tag, offset } => {
                write!(
                    f,
                    "{} at offset {offset} is empty; it must carry a value",
                    TagDisplay(tag)
                )
            }
            TlvError::WrongLength {
                tag,
                offset,
                len,
                min,
                max,
            } => {
                write!(f, "{} at offset {offset} is {len} bytes; ", TagDisplay(tag))?;
                if min == max {
                    write!(f, "it must be exactly {min} bytes")
                } else if max == MAX_VALUE_LEN {
                    write!(f, "it must be at least {min} bytes")
                } else {
                    write!(f, "it must be {min}..={max} bytes")
                }
            }
            TlvError::MissingMember {
                parent,
                tag,
                offset,
            } => write!(
                f,
                "{} at offset {offset} lacks the mandatory member {}",
                TagDisplay(parent),
                TagDisplay(tag)
            ),
            TlvError::DuplicateMember {
                parent,
                tag,
                offset,
            } => write!(
                f,
                "{} appears again at offset {offset} inside {}; it may appear only once",
                TagDisplay(tag),
                TagDisplay(parent)
            ),
            TlvError::UnexpectedMember {
                parent,
                tag,
                offset,
            } => write!(
                f,
                "{} at offset {offset} does not belong inside {}",
                TagDisplay(tag),
                TagDisplay(parent)
            ),
            TlvError::UnknownCriticalTag {
                parent,
                tag,
                offset,
            } => write!(
                f,
                "unknown critical tag 0x{tag:04X} at offset {offset} inside {}; critical tags (bit 0x2000) must be understood",
                TagDisplay(parent)
            ),
            TlvError::InvalidUtf8 { tag, offset } => {
                write!(
                    f,
                    "{} at offset {offset} is not valid UTF-8",
                    TagDisplay(tag)
                )
            }
            TlvError::ValueTooLong { tag, len } => write!(
                f,
                "value of {} is {len} bytes; a TLV value holds at most 65535 bytes",
                TagDisplay(tag)
            ),
        }
    }
}

/// Also `std::error::Error` (the same trait) when `std` is enabled.
impl core::error::Error for TlvError {}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/// One TLV item, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: u16,
    /// The value bytes (without header).
    pub value: &'a [u8],
    /// The whole item: header (4 bytes) and value. UAF signatures cover exactly these bytes.
    pub raw: &'a [u8],
    /// Offset of the item's header from the start of the parsed input.
    pub offset: usize,
    /// Nesting level: 1 for top-level items.
    depth: usize,
}

impl<'a> Tlv<'a> {
    /// Whether the tag is composite.
    #[must_use]
    pub const fn is_composite(&self) -> bool {
        is_composite(self.tag)
    }

    /// Whether the tag is critical.
    #[must_use]
    pub const fn is_critical(&self) -> bool {
        is_critical(self.tag)
    }

    /// Offset of the first value byte in the parsed input.
    #[must_use]
    pub const fn value_offset(&self) -> usize {
        self.offset + HEADER_LEN
    }

    /// Nesting level of this item (1 for top-level items).
    #[must_use]
    pub const fn depth(&self) -> usize {
        self.depth
    }

    /// A reader over the members of this composite item.
    ///
    /// # Errors
    /// [`TlvError::NotComposite`] if the tag lacks bit 0x1000; [`TlvError::NestingTooDeep`] if the
    /// members would lie deeper than [`MAX_DEPTH`].
    pub fn children(&self) -> Result<TlvReader<'a>, TlvError> {
        if !self.is_composite() {
            return Err(TlvError::NotComposite {
                tag: self.tag,
                offset: self.offset,
            });
        }
        if self.depth >= MAX_DEPTH {
            return Err(TlvError::NestingTooDeep {
                tag: self.tag,
                offset: self.offset,
                limit: MAX_DEPTH,
            });
        }
        Ok(TlvReader {
            input: self.value,
            pos: 0,
            base: self.value_offset(),
            depth: self.depth + 1,
            failed: false,
        })
    }

    /// The value as an array of exactly `N` bytes.
    pub(crate) fn exact<const N: usize>(&self) -> Result<[u8; N], TlvError> {
        check_len(self, N, N)?;
        self.value.try_into().map_err(|_| self.wrong_length(N, N))
    }

    /// The value as a UINT8 (exactly 1 byte).
    ///
    /// # Errors
    /// [`TlvError::EmptyValue`] or [`TlvError::WrongLength`].
    pub fn u8_value(&self) -> Result<u8, TlvError> {
        self.exact::<1>().map(|[b]| b)
    }

    /// The value as a little-endian UINT16 (exactly 2 bytes).
    ///
    /// # Errors
    /// [`TlvError::EmptyValue`] or [`TlvError::WrongLength`].
    pub fn u16_value(&self) -> Result<u16, TlvError> {
        self.exact::<2>().map(u16::from_le_bytes)
    }

    /// The value as a little-endian UINT32 (exactly 4 bytes).
    ///
    /// # Errors
    /// [`TlvError::EmptyValue`] or [`TlvError::WrongLength`].
    pub fn u32_value(&self) -> Result<u32, TlvError> {
        self.exact::<4>().map(u32::from_le_bytes)
    }

    /// The value as UTF-8 text.
    ///
    /// # Errors
    /// [`TlvError::InvalidUtf8`].
    pub fn str_value(&self) -> Result<&'a str, TlvError> {
        core::str::from_utf8(self.value).map_err(|_| TlvError::InvalidUtf8 {
            tag: self.tag,
            offset: self.offset,
        })
    }

    pub(crate) const fn wrong_length(&self, min: usize, max: usize) -> TlvError {
        TlvError::WrongLength {
            tag: self.tag,
            offset: self.offset,
            len: self.value.len(),
            min,
            max,
        }
    }
}

/// Checks that the value of `tlv` is `min..=max` bytes long: [`TlvError::EmptyValue`] if it is
/// empty and `min > 0`, else [`TlvError::WrongLength`].
pub(crate) fn check_len(tlv: &Tlv<'_>, min: usize, max: usize) -> Result<(), TlvError> {
    length_rule(tlv.tag, tlv.offset, tlv.value.len(), min, max)
}

/// The length rule shared by parsers and encoders: a `len`-byte value of `tag` at `offset`
/// must be `min..=max` bytes; empty where `min > 0` is [`TlvError::EmptyValue`].
pub(crate) const fn length_rule(
    tag: u16,
    offset: usize,
    len: usize,
    min: usize,
    max: usize,
) -> Result<(), TlvError> {
    if len == 0 && min > 0 {
        return Err(TlvError::EmptyValue { tag, offset });
    }
    if len < min || len > max {
        return Err(TlvError::WrongLength {
            tag,
            offset,
            len,
            min,
            max,
        });
    }
    Ok(())
}

/// Checks that the value of `tlv` is not empty.
pub(crate) fn non_empty(tlv: &Tlv<'_>) -> Result<(), TlvError> {
    check_len(tlv, 1, MAX_VALUE_LEN)
}

/// Zero-copy reader of a sequence of TLV items.
///
/// As an [`Iterator`] it yields `Ok(item)` until the input is used up, or one `Err` and then
/// nothing more.
#[derive(Clone, Debug)]
pub struct TlvReader<'a> {
    input: &'a [u8],
    pos: usize,
    base: usize,
    depth: usize,
    failed: bool,
}

impl<'a> TlvReader<'a> {
    /// A reader over a top-level sequence (offsets count from the start of `input`).
    #[must_use]
    pub const fn new(input: &'a [u8]) -> Self {
        TlvReader {
            input,
            pos: 0,
            base: 0,
            depth: 1,
            failed: false,
        }
    }

    /// The next item, `Ok(None)` at the end of the input.
    ///
    /// # Errors
    /// [`TlvError::TruncatedHeader`] or [`TlvError::LengthPastEnd`]; the reader then stays at
    /// the faulty item.
    pub fn read(&mut self) -> Result<Option<Tlv<'a>>, TlvError> {
        let rest = self.remaining();
        if rest.is_empty() {
            return Ok(None);
        }
        let offset = self.base + self.pos;
        let Some((header, after)) = rest.split_first_chunk::<HEADER_LEN>() else {
            return Err(TlvError::TruncatedHeader {
                offset,
                available: rest.len(),
            });
        };
        let [t0, t1, l0, l1] = *header;
        let tag = u16::from_le_bytes([t0, t1]);
        let length = usize::from(u16::from_le_bytes([l0, l1]));
        let Some(value) = after.get(..length) else {
            return Err(TlvError::LengthPastEnd {
                tag,
                offset,
                length,
                available: after.len(),
            });
        };
        let total = HEADER_LEN + length;
        let raw = rest.get(..total).unwrap_or(rest);
        self.pos += total;
        Ok(Some(Tlv {
            tag,
            value,
            raw,
            offset,
            depth: self.depth,
        }))
    }

    /// The bytes not read yet.
    #[must_use]
    pub fn remaining(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or(&[])
    }

    /// Whether all input has been read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.remaining().is_empty()
    }

    /// Offset (in the parsed input) of the next byte to read.
    #[must_use]
    pub const fn offset(&self) -> usize {
        self.base + self.pos
    }
}

impl<'a> Iterator for TlvReader<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.read() {
            Ok(item) => item.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for TlvReader<'_> {}

/// Reads exactly one TLV item that spans all of `input`.
///
/// # Errors
/// [`TlvError::TruncatedHeader`] (also for empty input), [`TlvError::LengthPastEnd`], or
/// [`TlvError::TrailingBytes`] if bytes follow the item.
pub fn parse_single(input: &[u8]) -> Result<Tlv<'_>, TlvError> {
    let mut reader = TlvReader::new(input);
    let item = reader.read()?.ok_or(TlvError::TruncatedHeader {
        offset: 0,
        available: 0,
    })?;
    let rest = reader.remaining();
    if !rest.is_empty() {
        return Err(TlvError::TrailingBytes {
            offset: reader.offset(),
            count: rest.len(),
        });
    }
    Ok(item)
}

/// Reads exactly one TLV item with tag `tag` that spans all of `input`.
///
/// # Errors
/// As [`parse_single`], and [`TlvError::UnexpectedTag`] if the item has another tag.
pub fn parse_expected(input: &[u8], tag: u16) -> Result<Tlv<'_>, TlvError> {
    // Check the tag first so that a wrong message gets the clearer error.
    if let Some([t0, t1]) = input.first_chunk::<2>().copied() {
        let found = u16::from_le_bytes([t0, t1]);
        if found != tag {
            return Err(TlvError::UnexpectedTag {
                expected: tag,
                found,
                offset: 0,
            });
        }
    }
    parse_single(input)
}

/// Checks that `input` is a well-formed sequence of TLVs and that the value of every composite
/// item (bit 0x1000) is itself well formed, recursively, to at most [`MAX_DEPTH`] levels.
/// Returns the number of items seen.
///
/// This is a structural check only: it knows nothing about which members a composite needs.
///
/// # Errors
/// The first [`TlvError`] found, including [`TlvError::NestingTooDeep`].
pub fn check_structure(input: &[u8]) -> Result<usize, TlvError> {
    count_tree(TlvReader::new(input))
}

fn count_tree(reader: TlvReader<'_>) -> Result<usize, TlvError> {
    let mut count = 0usize;
    for item in reader {
        let item = item?;
        count += 1;
        if item.is_composite() {
            // Recursion is bounded by MAX_DEPTH through `children`.
            count += count_tree(item.children()?)?;
        }
    }
    Ok(count)
}

// ---------------------------------------------------------------------------------------------
// Parse options and member walking (shared by `assertion` and `command`)
// ---------------------------------------------------------------------------------------------

/// Options of the typed parsers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Skip unknown tags that have the critical bit (0x2000) set instead of rejecting the
    /// message. A compatibility relaxation for authenticators that set the bit on vendor tags
    /// (the verifier's `unknown-critical-tags` option); off by default, as the spec requires.
    /// The assertion parsers apply it inside the signed structure only (KRD, SignedData):
    /// an unknown critical tag elsewhere in an assertion is rejected either way. Known tags
    /// in the wrong place are rejected either way.
    pub allow_unknown_critical_tags: bool,
}

impl ParseOptions {
    /// The spec's rules: unknown critical tags are rejected.
    pub const STRICT: ParseOptions = ParseOptions {
        allow_unknown_critical_tags: false,
    };

    /// The spec's rules (same as [`ParseOptions::STRICT`]).
    #[must_use]
    pub const fn new() -> Self {
        Self::STRICT
    }

    /// These options with [`ParseOptions::allow_unknown_critical_tags`] set to `allow`.
    #[must_use]
    pub const fn with_unknown_critical_tags(mut self, allow: bool) -> Self {
        self.allow_unknown_critical_tags = allow;
        self
    }
}

/// Calls `member` for each member of the composite `parent`. `member` returns `Ok(true)` for a
/// tag it handled; for other tags the UAF rules apply: a known tag is misplaced
/// ([`TlvError::UnexpectedMember`]), an unknown critical tag is rejected unless the options
/// allow it, and an unknown non-critical tag is skipped without looking inside.
pub(crate) fn for_each_member<'a, E: From<TlvError>>(
    parent: &Tlv<'a>,
    opts: ParseOptions,
    mut member: impl FnMut(Tlv<'a>) -> Result<bool, E>,
) -> Result<(), E> {
    for item in parent.children()? {
        let item = item?;
        if member(item)? {
            continue;
        }
        if is_known_tag(item.tag) {
            return Err(TlvError::UnexpectedMember {
                parent: parent.tag,
                tag: item.tag,
                offset: item.offset,
            }
            .into());
        }
        if item.is_critical() && !opts.allow_unknown_critical_tags {
            return Err(TlvError::UnknownCriticalTag {
                parent: parent.tag,
                tag: item.tag,
                offset: item.offset,
            }
            .into());
        }
    }
    Ok(())
}

/// Stores `item` in `slot`, or fails with [`TlvError::DuplicateMember`] if it is taken.
pub(crate) fn set_once<'a>(
    slot: &mut Option<Tlv<'a>>,
    item: Tlv<'a>,
    parent: &Tlv<'_>,
) -> Result<(), TlvError> {
    if slot.is_some() {
        return Err(TlvError::DuplicateMember {
            parent: parent.tag,
            tag: item.tag,
            offset: item.offset,
        });
    }
    *slot = Some(item);
    Ok(())
}

/// The member in `slot`, or [`TlvError::MissingMember`].
pub(crate) fn required<'a>(
    slot: Option<Tlv<'a>>,
    tag: u16,
    parent: &Tlv<'_>,
) -> Result<Tlv<'a>, TlvError> {
    slot.ok_or(TlvError::MissingMember {
        parent: parent.tag,
        tag,
        offset: parent.offset,
    })
}

// ---------------------------------------------------------------------------------------------
// Repeated members without allocation
// ---------------------------------------------------------------------------------------------

pub(crate) mod sealed {
    use super::{ParseOptions, Tlv};

    /// Decoding of one repeated member, for [`super::TlvList`]. Sealed: only this crate's types.
    #[allow(unreachable_pub)] // Sealed-trait pattern: public in a private module.
    pub trait Sealed<'a>: Sized {
        /// Decodes an item that the typed parser has already validated with the same options.
        fn decode_item(tlv: Tlv<'a>, opts: ParseOptions) -> Option<Self>;
    }
}

/// A type that can be a repeated member of a composite ([`TlvList`]). Sealed.
pub trait TlvItem<'a>: Copy + sealed::Sealed<'a> {}

impl<'a> sealed::Sealed<'a> for &'a [u8] {
    fn decode_item(tlv: Tlv<'a>, _: ParseOptions) -> Option<Self> {
        Some(tlv.value)
    }
}
impl<'a> TlvItem<'a> for &'a [u8] {}

impl<'a> sealed::Sealed<'a> for &'a str {
    fn decode_item(tlv: Tlv<'a>, _: ParseOptions) -> Option<Self> {
        tlv.str_value().ok()
    }
}
impl<'a> TlvItem<'a> for &'a str {}

/// The members of one kind that repeat inside a composite (certificates, extensions, key
/// handles, …), without allocation.
///
/// A parsed list borrows the composite's value and decodes the members as it iterates (the
/// parser validated them before). A list to encode is made from a slice with
/// [`TlvList::from_slice`]. Two lists are equal when they hold equal items in the same order.
pub struct TlvList<'a, T> {
    repr: ListRepr<'a, T>,
}

enum ListRepr<'a, T> {
    Parsed {
        parent: Tlv<'a>,
        tags: [u16; 2],
        count: usize,
        opts: ParseOptions,
    },
    Slice(&'a [T]),
}

impl<T> Clone for ListRepr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ListRepr<'_, T> {}

impl<T> Clone for TlvList<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for TlvList<'_, T> {}

impl<'a, T: TlvItem<'a>> TlvList<'a, T> {
    /// The empty list.
    #[must_use]
    pub const fn empty() -> Self {
        TlvList {
            repr: ListRepr::Slice(&[]),
        }
    }

    /// A list of the given items (for encoding).
    #[must_use]
    pub const fn from_slice(items: &'a [T]) -> Self {
        TlvList {
            repr: ListRepr::Slice(items),
        }
    }

    /// The members of `parent` whose tag is in `tags` (already validated; `count` of them).
    pub(crate) const fn parsed(
        parent: Tlv<'a>,
        tags: [u16; 2],
        count: usize,
        opts: ParseOptions,
    ) -> Self {
        TlvList {
            repr: ListRepr::Parsed {
                parent,
                tags,
                count,
                opts,
            },
        }
    }

    /// Number of items.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.repr {
            ListRepr::Parsed { count, .. } => count,
            ListRepr::Slice(s) => s.len(),
        }
    }

    /// Whether there are no items.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items in order.
    #[must_use]
    pub fn iter(&self) -> TlvListIter<'a, T> {
        let inner = match self.repr {
            ListRepr::Parsed {
                parent, tags, opts, ..
            } => IterRepr::Parsed {
                // The parser called `children` on the same item, so this cannot fail.
                reader: parent.children().ok(),
                tags,
                opts,
            },
            ListRepr::Slice(s) => IterRepr::Slice(s.iter()),
        };
        TlvListIter { inner }
    }

    /// The first item.
    #[must_use]
    pub fn first(&self) -> Option<T> {
        self.iter().next()
    }
}

impl<'a, T: TlvItem<'a>> Default for TlvList<'a, T> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<'a, T: TlvItem<'a> + PartialEq> PartialEq for TlvList<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: TlvItem<'a> + Eq> Eq for TlvList<'a, T> {}

impl<'a, T: TlvItem<'a> + fmt::Debug> fmt::Debug for TlvList<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: TlvItem<'a>> IntoIterator for TlvList<'a, T> {
    type Item = T;
    type IntoIter = TlvListIter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: TlvItem<'a>> IntoIterator for &TlvList<'a, T> {
    type Item = T;
    type IntoIter = TlvListIter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`TlvList`].
pub struct TlvListIter<'a, T> {
    inner: IterRepr<'a, T>,
}

enum IterRepr<'a, T> {
    Parsed {
        reader: Option<TlvReader<'a>>,
        tags: [u16; 2],
        opts: ParseOptions,
    },
    Slice(core::slice::Iter<'a, T>),
}

impl<'a, T: TlvItem<'a>> Iterator for TlvListIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.inner {
            IterRepr::Parsed { reader, tags, opts } => {
                let reader = reader.as_mut()?;
                loop {
                    let item = reader.next()?.ok()?;
                    if tags.contains(&item.tag) {
                        if let Some(v) = <T as sealed::Sealed<'a>>::decode_item(item, *opts) {
                            return Some(v);
                        }
                    }
                }
            }
            IterRepr::Slice(it) => it.next().copied(),
        }
    }
}

impl<'a, T: TlvItem<'a> + fmt::Debug> fmt::Debug for TlvListIter<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlvListIter").finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/// Writes canonical TLV: little-endian headers, members in the order they are put.
///
/// Every `put*` either writes a whole item or nothing: a value longer than 65535 bytes gives
/// [`TlvError::ValueTooLong`] and leaves the buffer as it was.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlvWriter {
    buf: Vec<u8>,
}

#[cfg(feature = "alloc")]
impl TlvWriter {
    /// An empty writer.
    #[must_use]
    pub const fn new() -> Self {
        TlvWriter { buf: Vec::new() }
    }

    /// An empty writer with room for `capacity` bytes.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        TlvWriter {
            buf: Vec::with_capacity(capacity),
        }
    }

    /// Writes the item `tag ‖ len ‖ value`.
    ///
    /// # Errors
    /// [`TlvError::ValueTooLong`] if `value` exceeds 65535 bytes (nothing is written).
    pub fn put(&mut self, tag: u16, value: &[u8]) -> Result<(), TlvError> {
        let len = u16::try_from(value.len()).map_err(|_| TlvError::ValueTooLong {
            tag,
            len: value.len(),
        })?;
        self.put_header(tag, len);
        self.buf.extend_from_slice(value);
        Ok(())
    }

    /// Writes a UINT8 item.
    pub fn put_u8(&mut self, tag: u16, value: u8) {
        self.put_header(tag, 1);
        self.buf.push(value);
    }

    /// Writes a little-endian UINT16 item.
    pub fn put_u16(&mut self, tag: u16, value: u16) {
        self.put_header(tag, 2);
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// Writes a little-endian UINT32 item.
    pub fn put_u32(&mut self, tag: u16, value: u32) {
        self.put_header(tag, 4);
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// Writes a composite item whose members `members` writes; the length is filled in after.
    ///
    /// # Errors
    /// The error of `members`, or [`TlvError::ValueTooLong`] if the members exceed 65535 bytes.
    /// On error nothing of the composite stays in the buffer.
    pub fn put_composite(
        &mut self,
        tag: u16,
        members: impl FnOnce(&mut TlvWriter) -> Result<(), TlvError>,
    ) -> Result<(), TlvError> {
        let start = self.buf.len();
        self.put_header(tag, 0);
        let result = members(self).and_then(|()| {
            let len = self.buf.len() - start - HEADER_LEN;
            let len16 = u16::try_from(len).map_err(|_| TlvError::ValueTooLong { tag, len })?;
            if let Some(slot) = self.buf.get_mut(start + 2..start + HEADER_LEN) {
                slot.copy_from_slice(&len16.to_le_bytes());
            }
            Ok(())
        });
        if result.is_err() {
            self.buf.truncate(start);
        }
        result
    }

    /// Writes a header with any declared length and no value. With [`TlvWriter::put_raw`] this
    /// builds deliberately malformed TLV (conformance fault injection); ordinary code uses
    /// [`TlvWriter::put`].
    pub fn put_header(&mut self, tag: u16, declared_len: u16) {
        self.buf.extend_from_slice(&tag.to_le_bytes());
        self.buf.extend_from_slice(&declared_len.to_le_bytes());
    }

    /// Appends bytes as they are: an already encoded TLV, or deliberate garbage.
    pub fn put_raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The bytes written so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Number of bytes written.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing has been written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The written bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits() {
        assert!(is_composite(TAG_UAFV1_KRD));
        assert!(!is_composite(TAG_AAID));
        assert!(is_critical(TAG_AAID));
        assert!(!is_critical(TAG_USER_VERIFICATION_STATE));
        assert!(is_composite(TAG_AUTHENTICATOR_INFO) && is_composite(TAG_UAFV1_SIGN_CMD));
        assert!(!is_composite(TAG_AUTHENTICATOR_ASSERTION));
    }

    #[test]
    fn every_protocol_and_command_tag_is_critical() {
        let mut named = 0;
        for tag in 0..=u16::MAX {
            if tag_name(tag).is_some() {
                named += 1;
                // Protocol and command tags live in 0x28xx..0x3Exx and carry the critical bit;
                // the internal 0x01xx/0x02xx tags do not.
                assert_eq!(is_critical(tag), tag >= 0x2800, "0x{tag:04X}");
            }
        }
        assert_eq!(named, 56);
    }

    #[test]
    fn reads_items_with_offsets_and_raw() {
        let bytes = [0x0b, 0x2e, 0x01, 0x00, 0xaa, 0x10, 0x2e, 0x00, 0x00];
        let mut r = TlvReader::new(&bytes);
        let a = r.read().unwrap().unwrap();
        assert_eq!(
            (a.tag, a.value, a.raw, a.offset, a.depth()),
            (0x2e0b, &[0xaa][..], &bytes[..5], 0, 1)
        );
        let b = r.read().unwrap().unwrap();
        assert_eq!((b.tag, b.value.len(), b.offset), (0x2e10, 0, 5));
        assert_eq!(r.read(), Ok(None));
        assert!(r.is_empty());
    }

    #[test]
    fn reader_errors_then_stops() {
        let mut r = TlvReader::new(&[0x0b, 0x2e, 0x05, 0x00, 1, 2]);
        assert_eq!(
            r.next(),
            Some(Err(TlvError::LengthPastEnd {
                tag: 0x2e0b,
                offset: 0,
                length: 5,
                available: 2
            }))
        );
        assert_eq!(r.next(), None);
        assert_eq!(
            TlvReader::new(&[0x0b, 0x2e, 0x00]).next(),
            Some(Err(TlvError::TruncatedHeader {
                offset: 0,
                available: 3
            }))
        );
    }

    #[test]
    fn nested_offsets_are_absolute() {
        let bytes = [0x03, 0x3e, 0x05, 0x00, 0x0b, 0x2e, 0x01, 0x00, 0x7f];
        let top = parse_single(&bytes).unwrap();
        let child = top.children().unwrap().next().unwrap().unwrap();
        assert_eq!(
            (child.offset, child.value_offset(), child.depth()),
            (4, 8, 2)
        );
        assert_eq!(child.u8_value(), Ok(0x7f));
        assert_eq!(
            child.children().err(),
            Some(TlvError::NotComposite {
                tag: 0x2e0b,
                offset: 4
            })
        );
    }

    #[test]
    fn integer_values_check_length() {
        let bytes = [0x08, 0x28, 0x02, 0x00, 0x34, 0x12];
        let t = parse_single(&bytes).unwrap();
        assert_eq!(t.u16_value(), Ok(0x1234));
        assert_eq!(
            t.u32_value(),
            Err(TlvError::WrongLength {
                tag: 0x2808,
                offset: 0,
                len: 2,
                min: 4,
                max: 4
            })
        );
        let empty = [0x08, 0x28, 0x00, 0x00];
        assert_eq!(
            parse_single(&empty).unwrap().u16_value(),
            Err(TlvError::EmptyValue {
                tag: 0x2808,
                offset: 0
            })
        );
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn writer_composite_patches_length_and_rolls_back() {
        let mut w = TlvWriter::new();
        w.put_composite(TAG_UAFV1_KRD, |w| {
            w.put_u16(TAG_STATUS_CODE, 0x0102);
            w.put(TAG_KEYID, b"k")
        })
        .unwrap();
        assert_eq!(
            w.as_bytes(),
            &[
                0x03, 0x3e, 0x0b, 0x00, 0x08, 0x28, 0x02, 0x00, 0x02, 0x01, 0x09, 0x2e, 0x01, 0x00,
                b'k'
            ]
        );
        let before = w.len();
        let big = alloc::vec![0u8; 0x8000];
        let err = w.put_composite(TAG_UAFV1_KRD, |w| {
            w.put(TAG_PUB_KEY, &big)?;
            w.put(TAG_PUB_KEY, &big)
        });
        assert_eq!(
            err,
            Err(TlvError::ValueTooLong {
                tag: TAG_UAFV1_KRD,
                len: 0x10008
            })
        );
        assert_eq!(w.len(), before);
        let err = w.put_composite(TAG_UAFV1_KRD, |w| w.put(TAG_PUB_KEY, &[0u8; 0x10000]));
        assert_eq!(
            err,
            Err(TlvError::ValueTooLong {
                tag: TAG_PUB_KEY,
                len: 0x10000
            })
        );
        assert_eq!(w.len(), before);
    }
}
