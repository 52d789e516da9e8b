//! RFC 4648 §6 base32 (alphabet `A–Z2–7`) without padding: the text form of a TOTP secret
//! (`otpauth://…?secret=…`, `VerificationCodeSetup::secret`).
//!
//! Strict: upper-case letters and digits `2–7` only — no padding (`=`), no lower case, no
//! spaces or hyphens — a length that some byte string encodes to, and zero unused low bits in
//! the last character (so every byte string has exactly one accepted text). The owned
//! `encode` and `decode` need the `alloc` feature; [`encode_to_slice`] and
//! [`decode_to_slice`] write into the caller's buffer and do not.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};
use core::fmt;

/// The RFC 4648 §6 alphabet, value → character.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a text is not strict unpadded base32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base32Error {
    /// A character outside `A–Z2–7` (padding, lower case and spaces included).
    InvalidCharacter {
        /// Its byte offset in the text.
        position: usize,
    },
    /// A length no byte string encodes to (1, 3 or 6 characters past a multiple of 8).
    InvalidLength {
        /// The text's length.
        len: usize,
    },
    /// The last character carries bits beyond the data that are not zero (a non-canonical
    /// text).
    NonZeroTrailingBits,
    /// The output slice is shorter than the result ([`encoded_len`], [`decoded_len`]).
    BufferTooSmall,
}

impl fmt::Display for Base32Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base32Error::InvalidCharacter { position } => write!(
                f,
                "character {position} is not base32 (A-Z, 2-7, upper case, no padding)"
            ),
            Base32Error::InvalidLength { len } => {
                write!(f, "{len} characters is not the length of any base32 text")
            }
            Base32Error::NonZeroTrailingBits => {
                f.write_str("the last base32 character has bits set beyond the data")
            }
            Base32Error::BufferTooSmall => f.write_str("the output buffer is too small"),
        }
    }
}

impl core::error::Error for Base32Error {}

/// The number of characters `len` bytes encode to: `ceil(8 * len / 5)`, or `None` on
/// overflow.
#[must_use]
pub const fn encoded_len(len: usize) -> Option<usize> {
    match len.checked_mul(8) {
        Some(bits) => Some(bits.div_ceil(5)),
        None => None,
    }
}

/// The number of bytes a text of `len` characters decodes to.
///
/// # Errors
/// [`Base32Error::InvalidLength`] when no byte string encodes to `len` characters.
pub const fn decoded_len(len: usize) -> Result<usize, Base32Error> {
    // Per 8-character group of 5 bytes; a partial group of r characters carries
    // floor(5r / 8) bytes, and r ∈ {1, 3, 6} is never produced.
    match len % 8 {
        1 | 3 | 6 => Err(Base32Error::InvalidLength { len }),
        r => Ok(len / 8 * 5 + r * 5 / 8),
    }
}

/// The value of a base32 character.
const fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Encodes `bytes` into `out` as upper-case base32 without padding; returns the text (the
/// first [`encoded_len`] bytes of `out`).
///
/// # Errors
/// [`Base32Error::BufferTooSmall`].
pub fn encode_to_slice<'o>(bytes: &[u8], out: &'o mut [u8]) -> Result<&'o str, Base32Error> {
    let needed = encoded_len(bytes.len()).ok_or(Base32Error::BufferTooSmall)?;
    let out = out.get_mut(..needed).ok_or(Base32Error::BufferTooSmall)?;
    let mut slots = out.iter_mut();
    let mut put = |v: u16| {
        if let Some(slot) = slots.next() {
            *slot = ALPHABET.get(usize::from(v & 0x1f)).copied().unwrap_or(b'A');
        }
    };
    let mut buffer = 0u16;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u16::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            put(buffer >> bits);
        }
        // Keep only the bits not yet written (fewer than 5).
        buffer &= (1u16 << bits) - 1;
    }
    if bits > 0 {
        put(buffer << (5 - bits));
    }
    // Every byte written is from the ASCII alphabet.
    core::str::from_utf8(out).map_err(|_| Base32Error::BufferTooSmall)
}

/// Decodes strict unpadded base32 (see the module docs) into `out`; returns the number of
/// bytes written ([`decoded_len`]).
///
/// # Errors
/// [`Base32Error`].
pub fn decode_to_slice(text: &str, out: &mut [u8]) -> Result<usize, Base32Error> {
    let needed = decoded_len(text.len())?;
    let out = out.get_mut(..needed).ok_or(Base32Error::BufferTooSmall)?;
    let mut slots = out.iter_mut();
    let mut buffer = 0u16;
    let mut bits = 0u32;
    for (position, c) in text.bytes().enumerate() {
        let v = value(c).ok_or(Base32Error::InvalidCharacter { position })?;
        buffer = (buffer << 5) | u16::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            // The byte is the 8 bits above the `bits` left over.
            if let Some(slot) = slots.next() {
                *slot = u8::try_from((buffer >> bits) & 0xff).unwrap_or(0);
            }
            buffer &= (1u16 << bits) - 1;
        }
    }
    // What is left (fewer than 5 bits) is padding of the last character: it must be zero.
    if buffer != 0 {
        return Err(Base32Error::NonZeroTrailingBits);
    }
    Ok(needed)
}

/// Encodes `bytes` as upper-case base32 without padding.
#[cfg(feature = "alloc")]
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    let mut out = alloc::vec![0u8; encoded_len(bytes.len()).unwrap_or(0)];
    encode_to_slice(bytes, &mut out).map_or_else(|_| String::new(), String::from)
}

/// Decodes strict unpadded base32 (see the module docs).
///
/// # Errors
/// [`Base32Error`].
#[cfg(feature = "alloc")]
pub fn decode(text: &str) -> Result<Vec<u8>, Base32Error> {
    let mut out = alloc::vec![0u8; decoded_len(text.len())?];
    let n = decode_to_slice(text, &mut out)?;
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(encoded_len(0), Some(0));
        assert_eq!(encoded_len(1), Some(2));
        assert_eq!(encoded_len(5), Some(8));
        assert_eq!(encoded_len(20), Some(32));
        assert_eq!(encoded_len(usize::MAX), None);
        assert_eq!(decoded_len(32), Ok(20));
        assert_eq!(decoded_len(7), Ok(4));
        for bad in [1, 3, 6, 9, 11, 14] {
            assert_eq!(
                decoded_len(bad),
                Err(Base32Error::InvalidLength { len: bad })
            );
        }
    }

    #[test]
    fn slices_must_be_long_enough() {
        let mut small = [0u8; 7];
        assert_eq!(
            encode_to_slice(b"fooba", &mut small),
            Err(Base32Error::BufferTooSmall)
        );
        let mut eight = [0u8; 9];
        assert_eq!(encode_to_slice(b"fooba", &mut eight), Ok("MZXW6YTB"));
        let mut four = [0u8; 4];
        assert_eq!(
            decode_to_slice("MZXW6YTB", &mut four),
            Err(Base32Error::BufferTooSmall)
        );
        let mut five = [0u8; 6];
        assert_eq!(decode_to_slice("MZXW6YTB", &mut five), Ok(5));
        assert_eq!(&five[..5], b"fooba");
    }

    #[test]
    fn every_value_has_its_character() {
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(value(c).map(usize::from), Some(i));
        }
        for c in [b'a', b'z', b'0', b'1', b'8', b'9', b'=', b' ', b'-', 0xff] {
            assert_eq!(value(c), None);
        }
    }
}
