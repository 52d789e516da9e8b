//! The base64url policy of UAF messages (digest §2.1).
//!
//! - [`Base64Policy::Strict`] (the default) is RFC 4648 §5: the URL-safe alphabet, **no** `=`
//!   padding, no whitespace, no non-zero trailing bits. The FIDO conformance tool appends `==`
//!   to values and expects the server to reject them, so this is what a conformant server uses.
//! - [`Base64Policy::Lenient`] also accepts `=` padding, the standard alphabet (`+` and `/`),
//!   and CR, LF, space and tab anywhere (removed before decoding). Clients derived from an old
//!   open-source Android UAF client send exactly that (`Base64.encodeToString` with `DEFAULT`
//!   flags: standard alphabet, padded, wrapped at 76 characters). It is a compatibility option,
//!   never the default.
//!
//! Encoders always emit unpadded base64url ([`encode`]).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use core::fmt;

/// Strict RFC 4648 §5 base64url: no padding accepted, canonical trailing bits required.
const STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// After normalisation to the URL-safe alphabet: padding optional.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false),
);

/// Standard alphabet with padding: certificates in metadata statements (digest §2.1).
#[cfg(feature = "alloc")]
const STANDARD_PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false),
);

/// How base64url values in UAF messages are decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Base64Policy {
    /// RFC 4648 §5 base64url without padding (the default; what the FIDO conformance tool
    /// demands).
    #[default]
    Strict,
    /// Also `=` padding, the standard alphabet `+/`, and CR/LF/space/tab removed before
    /// decoding, as sent by legacy Android UAF clients. A compatibility relaxation.
    Lenient,
}

/// Why a base64 value did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base64Error {
    /// A byte outside the alphabet the policy allows, at this offset of the input.
    InvalidByte {
        /// Offset in the input text.
        offset: usize,
        /// The offending byte.
        byte: u8,
    },
    /// `=` padding where the policy forbids it (strict), or padding in the wrong place.
    Padding,
    /// The input length is impossible for base64 (one character too many).
    InvalidLength,
    /// The last character carries non-zero bits that no byte uses (non-canonical encoding).
    TrailingBits,
    /// The output buffer is too small (only from [`Base64Policy::decode_to_slice`]).
    OutputTooSmall,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base64Error::InvalidByte { offset, byte } => write!(
                f,
                "invalid base64url character {:?} at offset {offset} (expected A-Z a-z 0-9 - _ without padding)",
                char::from(*byte)
            ),
            Base64Error::Padding => {
                f.write_str("base64url value has '=' padding, which strict decoding rejects")
            }
            Base64Error::InvalidLength => f.write_str("base64url value has an impossible length"),
            Base64Error::TrailingBits => {
                f.write_str("base64url value is not canonical (non-zero trailing bits)")
            }
            Base64Error::OutputTooSmall => {
                f.write_str("output buffer too small for the decoded value")
            }
        }
    }
}

impl core::error::Error for Base64Error {}

fn map_decode_error(e: base64::DecodeError) -> Base64Error {
    match e {
        base64::DecodeError::InvalidByte(offset, b'=') => {
            let _ = offset;
            Base64Error::Padding
        }
        base64::DecodeError::InvalidByte(offset, byte) => Base64Error::InvalidByte { offset, byte },
        base64::DecodeError::InvalidLength(_) => Base64Error::InvalidLength,
        base64::DecodeError::InvalidLastSymbol(_, _) => Base64Error::TrailingBits,
        base64::DecodeError::InvalidPadding => Base64Error::Padding,
    }
}

fn map_slice_error(e: base64::DecodeSliceError) -> Base64Error {
    match e {
        base64::DecodeSliceError::DecodeError(e) => map_decode_error(e),
        base64::DecodeSliceError::OutputSliceTooSmall => Base64Error::OutputTooSmall,
    }
}

/// Whether `b` is one of the whitespace bytes lenient decoding removes.
const fn is_lenient_space(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | b' ' | b'\t')
}

impl Base64Policy {
    /// Decodes `text` under this policy.
    ///
    /// # Errors
    /// [`Base64Error`] saying what is wrong with the text.
    #[cfg(feature = "alloc")]
    pub fn decode(self, text: &str) -> Result<alloc::vec::Vec<u8>, Base64Error> {
        match self {
            Base64Policy::Strict => STRICT.decode(text.as_bytes()).map_err(map_decode_error),
            Base64Policy::Lenient => {
                let normalised: alloc::vec::Vec<u8> = text
                    .bytes()
                    .filter(|b| !is_lenient_space(*b))
                    .map(|b| match b {
                        b'+' => b'-',
                        b'/' => b'_',
                        other => other,
                    })
                    .collect();
                LENIENT.decode(&normalised).map_err(map_decode_error)
            }
        }
    }

    /// Decodes `text` into `out` without allocating; returns the number of bytes written.
    ///
    /// The lenient policy needs no allocation either: it normalises in fixed-size chunks.
    ///
    /// # Errors
    /// [`Base64Error`], including [`Base64Error::OutputTooSmall`].
    pub fn decode_to_slice(self, text: &str, out: &mut [u8]) -> Result<usize, Base64Error> {
        match self {
            Base64Policy::Strict => STRICT
                .decode_slice(text.as_bytes(), out)
                .map_err(map_slice_error),
            Base64Policy::Lenient => {
                // Normalise into 4-character groups, decode each group (the padding mode allows
                // the final group to be short or padded).
                let mut group = [0u8; 4];
                let mut fill = 0usize;
                let mut written = 0usize;
                let mut ended = false;
                for (offset, b) in text.bytes().enumerate() {
                    if is_lenient_space(b) {
                        continue;
                    }
                    if ended {
                        return Err(if b == b'=' {
                            Base64Error::Padding
                        } else {
                            Base64Error::InvalidByte { offset, byte: b }
                        });
                    }
                    let slot = group.get_mut(fill).ok_or(Base64Error::InvalidLength)?;
                    *slot = match b {
                        b'+' => b'-',
                        b'/' => b'_',
                        other => other,
                    };
                    fill += 1;
                    if fill == 4 {
                        let chunk_has_pad = group.contains(&b'=');
                        let dst = out.get_mut(written..).ok_or(Base64Error::OutputTooSmall)?;
                        written += LENIENT.decode_slice(group, dst).map_err(map_slice_error)?;
                        fill = 0;
                        ended = chunk_has_pad;
                    }
                }
                if fill > 0 {
                    let src = group.get(..fill).ok_or(Base64Error::InvalidLength)?;
                    let dst = out.get_mut(written..).ok_or(Base64Error::OutputTooSmall)?;
                    written += LENIENT.decode_slice(src, dst).map_err(map_slice_error)?;
                }
                Ok(written)
            }
        }
    }
}

/// Encodes `bytes` as unpadded base64url (what every UAF encoder emits).
#[cfg(feature = "alloc")]
#[must_use]
pub fn encode(bytes: &[u8]) -> alloc::string::String {
    STRICT.encode(bytes)
}

/// Decodes standard base64 with optional padding (DER certificates in metadata statements).
///
/// # Errors
/// [`Base64Error`] if `text` is not standard base64.
#[cfg(feature = "alloc")]
pub fn decode_standard(text: &str) -> Result<alloc::vec::Vec<u8>, Base64Error> {
    STANDARD_PADDED
        .decode(text.as_bytes())
        .map_err(map_decode_error)
}

/// Encodes `bytes` as padded standard base64 (certificates in metadata statements).
#[cfg(feature = "alloc")]
#[must_use]
pub fn encode_standard(bytes: &[u8]) -> alloc::string::String {
    STANDARD_PADDED.encode(bytes)
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn strict_accepts_canonical_unpadded() {
        assert_eq!(
            Base64Policy::Strict.decode("AQID-_8").unwrap(),
            [1, 2, 3, 0xfb, 0xff]
        );
        assert!(Base64Policy::Strict.decode("").unwrap().is_empty());
        assert_eq!(encode(&[1, 2, 3, 0xfb, 0xff]), "AQID-_8");
    }

    #[test]
    fn strict_rejects_padding_standard_alphabet_whitespace_and_trailing_bits() {
        assert_eq!(
            Base64Policy::Strict.decode("AQI="),
            Err(Base64Error::Padding)
        );
        assert_eq!(
            Base64Policy::Strict.decode("AQ=="),
            Err(Base64Error::Padding)
        );
        assert_eq!(
            Base64Policy::Strict.decode("+/8"),
            Err(Base64Error::InvalidByte {
                offset: 0,
                byte: b'+'
            })
        );
        assert_eq!(
            Base64Policy::Strict.decode("AQ\nID"),
            Err(Base64Error::InvalidByte {
                offset: 2,
                byte: b'\n'
            })
        );
        // "AR" decodes to 0x01 with non-zero trailing bits.
        assert_eq!(
            Base64Policy::Strict.decode("AR"),
            Err(Base64Error::TrailingBits)
        );
        assert_eq!(
            Base64Policy::Strict.decode("A"),
            Err(Base64Error::InvalidLength)
        );
    }

    #[test]
    fn lenient_accepts_android_style() {
        let android = "AQID+/8=\r\n";
        assert_eq!(
            Base64Policy::Lenient.decode(android).unwrap(),
            [1, 2, 3, 0xfb, 0xff]
        );
        assert_eq!(
            Base64Policy::Lenient.decode("AQID-_8").unwrap(),
            [1, 2, 3, 0xfb, 0xff]
        );
        let mut out = [0u8; 8];
        let n = Base64Policy::Lenient
            .decode_to_slice("AQ ID\n+/8=", &mut out)
            .unwrap();
        assert_eq!(&out[..n], &[1, 2, 3, 0xfb, 0xff]);
        assert!(Base64Policy::Lenient.decode("AQ*D").is_err());
        assert_eq!(
            Base64Policy::Lenient.decode_to_slice("AQ==AQ", &mut out),
            Err(Base64Error::InvalidByte {
                offset: 4,
                byte: b'A'
            })
        );
    }

    #[test]
    fn decode_to_slice_strict_and_too_small() {
        let mut out = [0u8; 2];
        assert_eq!(
            Base64Policy::Strict.decode_to_slice("AQID", &mut out),
            Err(Base64Error::OutputTooSmall)
        );
        let mut out = [0u8; 3];
        assert_eq!(
            Base64Policy::Strict.decode_to_slice("AQID", &mut out),
            Ok(3)
        );
    }

    #[test]
    fn standard_for_metadata() {
        assert_eq!(decode_standard("AQID+/8=").unwrap(), [1, 2, 3, 0xfb, 0xff]);
        assert_eq!(encode_standard(&[1, 2, 3, 0xfb, 0xff]), "AQID+/8=");
    }
}
