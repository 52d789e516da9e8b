//! Signature encodings of `ALG_SIGN_*` (digest §6.1): RAW and DER ECDSA, RAW and DER RSA.
//!
//! Every backend receives the signature in one normal form produced here, so the strictness of
//! the encoding rules does not depend on the backend.

#[cfg(feature = "rsa")]
use der::asn1::OctetStringRef;
use der::{Decode, Reader, SliceReader, asn1::UintRef};
use uaf_proto::registry::AlgSign;

use crate::CryptoError;

/// The largest field (scalar) size of the ECDSA curves this crate handles (P-384).
pub(crate) const MAX_FIELD_LEN: usize = 48;

/// The largest DER encoding of an ECDSA signature on a 256-bit curve:
/// `30 46 02 21 00‖r 02 21 00‖s`.
pub(crate) const MAX_DER_256_LEN: usize = 72;

/// An ECDSA signature in fixed-width `r ‖ s` form (IEEE P1363), each half `field_len` bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedRs {
    bytes: [u8; 2 * MAX_FIELD_LEN],
    len: usize,
}

impl FixedRs {
    /// The `r ‖ s` bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

fn bad(alg: AlgSign, reason: &'static str) -> CryptoError {
    CryptoError::BadSignatureEncoding { alg, reason }
}

/// Reads a RAW ECDSA signature: exactly `2 * field_len` bytes, `r ‖ s` (digest §6.1; never
/// strip or add leading zeros).
pub(crate) fn ecdsa_raw(
    alg: AlgSign,
    sig: &[u8],
    field_len: usize,
) -> Result<FixedRs, CryptoError> {
    let want = field_len.saturating_mul(2);
    let reason = match field_len {
        48 => "a RAW ECDSA P-384 signature is exactly 96 bytes r || s",
        _ => "a RAW ECDSA signature on a 256-bit curve is exactly 64 bytes r || s",
    };
    if sig.len() != want {
        return Err(bad(alg, reason));
    }
    let mut out = FixedRs {
        bytes: [0; 2 * MAX_FIELD_LEN],
        len: want,
    };
    let dst = out.bytes.get_mut(..want).ok_or(bad(alg, reason))?;
    dst.copy_from_slice(sig);
    Ok(out)
}

/// Reads a DER ECDSA signature `SEQUENCE { INTEGER r, INTEGER s }` under strict DER: minimal
/// lengths and minimal, non-negative integers, no trailing bytes.
pub(crate) fn ecdsa_der(
    alg: AlgSign,
    sig: &[u8],
    field_len: usize,
) -> Result<FixedRs, CryptoError> {
    const NOT_DER: &str = "not a strict DER SEQUENCE { INTEGER r, INTEGER s } (lengths and \
                           integers must be minimal, integers positive, no trailing bytes)";
    let mut reader = SliceReader::new(sig).map_err(|_| bad(alg, NOT_DER))?;
    let (r, s) = reader
        .sequence(|seq| {
            let r = UintRef::decode(seq)?;
            let s = UintRef::decode(seq)?;
            Ok::<_, der::Error>((r, s))
        })
        .map_err(|_| bad(alg, NOT_DER))?;
    reader.finish().map_err(|_| bad(alg, NOT_DER))?;

    let want = field_len.saturating_mul(2);
    let mut out = FixedRs {
        bytes: [0; 2 * MAX_FIELD_LEN],
        len: want,
    };
    let (r_half, rest) = out
        .bytes
        .split_at_mut_checked(field_len)
        .ok_or(bad(alg, NOT_DER))?;
    let s_half = rest.get_mut(..field_len).ok_or(bad(alg, NOT_DER))?;
    left_pad(r.as_bytes(), r_half)
        .ok_or(bad(alg, "the integer r is longer than the curve order"))?;
    left_pad(s.as_bytes(), s_half)
        .ok_or(bad(alg, "the integer s is longer than the curve order"))?;
    Ok(out)
}

/// Copies `src` right-aligned into `dst`, zero-filling the front; `None` if it does not fit.
fn left_pad(src: &[u8], dst: &mut [u8]) -> Option<()> {
    let pad = dst.len().checked_sub(src.len())?;
    let (zeros, tail) = dst.split_at_mut_checked(pad)?;
    zeros.fill(0);
    tail.copy_from_slice(src);
    Some(())
}

/// Writes a fixed-width `r ‖ s` signature (256-bit curve) as strict DER into `out`; returns the
/// length written. `None` if `rs` is not 64 bytes.
pub(crate) fn ecdsa_fixed_to_der(rs: &[u8], out: &mut [u8; MAX_DER_256_LEN]) -> Option<usize> {
    let (r, s) = rs.split_at_checked(32)?;
    if s.len() != 32 {
        return None;
    }
    let mut w = Writer { out, pos: 0 };
    let r_len = der_uint_len(r);
    let s_len = der_uint_len(s);
    let body = r_len.checked_add(s_len)?.checked_add(4)?;
    w.push(0x30)?;
    w.push(u8::try_from(body).ok()?)?;
    w.uint(r, r_len)?;
    w.uint(s, s_len)?;
    Some(w.pos)
}

/// The content length of the DER INTEGER for the unsigned big-endian `bytes`.
fn der_uint_len(bytes: &[u8]) -> usize {
    let stripped = strip_zeros(bytes);
    match stripped.first() {
        None => 1,
        Some(b) if *b >= 0x80 => stripped.len().saturating_add(1),
        Some(_) => stripped.len(),
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or(&[])
}

struct Writer<'a> {
    out: &'a mut [u8; MAX_DER_256_LEN],
    pos: usize,
}

impl Writer<'_> {
    fn push(&mut self, b: u8) -> Option<()> {
        *self.out.get_mut(self.pos)? = b;
        self.pos = self.pos.checked_add(1)?;
        Some(())
    }

    fn uint(&mut self, bytes: &[u8], len: usize) -> Option<()> {
        self.push(0x02)?;
        self.push(u8::try_from(len).ok()?)?;
        let stripped = strip_zeros(bytes);
        if stripped.is_empty() {
            return self.push(0);
        }
        if len > stripped.len() {
            self.push(0)?;
        }
        for b in stripped {
            self.push(*b)?;
        }
        Some(())
    }
}

/// Reads an RSA signature `S` in the encoding of `alg`: RAW (the bytes as they are) or DER
/// (a DER OCTET STRING wrapping `S`, digest §6.1 — not a BIT STRING).
#[cfg(feature = "rsa")]
pub(crate) fn rsa_signature(alg: AlgSign, sig: &[u8], der: bool) -> Result<&[u8], CryptoError> {
    if !der {
        return Ok(sig);
    }
    <&OctetStringRef>::from_der(sig)
        .map(OctetStringRef::as_bytes)
        .map_err(|_| {
            bad(
                alg,
                "not a strict DER OCTET STRING wrapping the RSA signature S",
            )
        })
}
