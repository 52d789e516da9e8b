//! The hash functions of the UAF algorithms (final challenge hash, transaction content hash).

use core::fmt;

use sha2::Digest as _;
use uaf_proto::registry::HashAlg;

use crate::CryptoError;

/// A hash value of up to 64 bytes, kept inline (no allocation).
///
/// Compare it with the received `TAG_FINAL_CHALLENGE_HASH` through [`Digest::as_bytes`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    /// The hash value.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// The length of the hash value in bytes (32, 48 or 64).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a digest has at least 32 bytes. Present for API symmetry with `len`.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn from_slice(bytes: &[u8]) -> Self {
        let mut out = Digest {
            bytes: [0; 64],
            len: 0,
        };
        for (dst, src) in out.bytes.iter_mut().zip(bytes) {
            *dst = *src;
            out.len = out.len.saturating_add(1);
        }
        out
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// Hashes `data` with `alg`: SHA-256, SHA-384 or SHA-512 (FIPS 180-4).
///
/// This is the hash of UAF's final challenge (`FCH = H(fcParams)`) and transaction content hash
/// (`TCHash = H(content)`), where `H` is the hash that belongs to the signature algorithm
/// ([`AlgSign::hash`](uaf_proto::registry::AlgSign::hash)).
///
/// # Errors
/// [`CryptoError::UnsupportedHash`] for SHA-1 and SM3: no algorithm this crate verifies uses them.
///
/// # Example
/// ```
/// use uaf_crypto::hash;
/// use uaf_proto::registry::HashAlg;
/// let d = hash(HashAlg::Sha256, b"abc").unwrap();
/// assert_eq!(d.as_bytes()[..4], [0xba, 0x78, 0x16, 0xbf]);
/// ```
pub fn hash(alg: HashAlg, data: &[u8]) -> Result<Digest, CryptoError> {
    match alg {
        HashAlg::Sha256 => Ok(Digest::from_slice(&sha2::Sha256::digest(data))),
        HashAlg::Sha384 => Ok(Digest::from_slice(&sha2::Sha384::digest(data))),
        HashAlg::Sha512 => Ok(Digest::from_slice(&sha2::Sha512::digest(data))),
        other => Err(CryptoError::UnsupportedHash(other)),
    }
}
