//! The phone's keystore: secrets sealed with AES-256-GCM under a key derived from the PIN with
//! argon2id (RFC 9106), and the in-memory PIN check of the running phone.

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::Mac as _;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::PhoneError;

/// Length of the argon2id salt.
pub(crate) const SALT_LEN: usize = 16;
/// Length of the AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;

/// Most argon2id memory a state file may ask for (KiB): 4 GiB. A larger value in a file is
/// refused before anything is allocated (a tampered file must not exhaust the machine).
pub const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
/// Most argon2id passes a state file may ask for.
pub const MAX_ITERATIONS: u32 = 64;
/// Most argon2id lanes a state file may ask for.
pub const MAX_PARALLELISM: u32 = 16;

/// The argon2id cost of deriving the key that seals the phone's state file from its PIN
/// (RFC 9106 parameters). Every guess of the PIN, online or offline, costs one derivation.
///
/// The default ([`KdfParams::DEFAULT`]: 64 MiB, 3 passes, 1 lane) is RFC 9106's second
/// recommended option; smaller values are for tests only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KdfParams {
    /// Memory, in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over the memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
}

impl KdfParams {
    /// m = 64 MiB, t = 3, p = 1.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    /// Checked parameters: argon2's minimums (m ≥ 8·p KiB, t ≥ 1, p ≥ 1) and this crate's
    /// maximums ([`MAX_MEMORY_KIB`], [`MAX_ITERATIONS`], [`MAX_PARALLELISM`]).
    ///
    /// # Errors
    /// [`PhoneError::Usage`] naming the parameter out of range.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, PhoneError> {
        let p = KdfParams {
            memory_kib,
            iterations,
            parallelism,
        };
        p.argon2().map(|_| p)
    }

    fn argon2(self) -> Result<Argon2<'static>, PhoneError> {
        if self.memory_kib > MAX_MEMORY_KIB
            || self.iterations > MAX_ITERATIONS
            || self.parallelism > MAX_PARALLELISM
        {
            return Err(PhoneError::Usage(format!(
                "argon2id parameters too large (m={} KiB, t={}, p={}; at most m={MAX_MEMORY_KIB}, \
                 t={MAX_ITERATIONS}, p={MAX_PARALLELISM})",
                self.memory_kib, self.iterations, self.parallelism
            )));
        }
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(KEY_LEN),
        )
        .map_err(|e| {
            PhoneError::Usage(format!(
                "argon2id parameters m={} KiB, t={}, p={}: {e}",
                self.memory_kib, self.iterations, self.parallelism
            ))
        })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEFAULT
    }
}

const KEY_LEN: usize = 32;

/// The key that seals the state file: argon2id(PIN, salt).
pub(crate) struct SealKey(Zeroizing<[u8; KEY_LEN]>);

impl SealKey {
    /// Derives the key (costs one argon2id evaluation).
    pub(crate) fn derive(
        pin: &str,
        salt: &[u8; SALT_LEN],
        params: KdfParams,
    ) -> Result<SealKey, PhoneError> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        params
            .argon2()?
            .hash_password_into(pin.as_bytes(), salt, &mut key[..])
            .map_err(|e| PhoneError::State(format!("argon2id: {e}")))?;
        Ok(SealKey(key))
    }

    fn cipher(&self) -> Result<Aes256Gcm, PhoneError> {
        Aes256Gcm::new_from_slice(&self.0[..])
            .map_err(|_| PhoneError::State(String::from("bad key length")))
    }

    /// AES-256-GCM of `plaintext` with `aad` under a fresh nonce.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, PhoneError> {
        self.cipher()?
            .encrypt(
                &Nonce::from(*nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| PhoneError::State(String::from("cannot seal the state")))
    }

    /// Opens a sealed blob; `None` when the key is wrong (wrong PIN) or the blob, its nonce
    /// or its associated data were altered — AES-GCM cannot tell these apart.
    pub(crate) fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, PhoneError> {
        Ok(self
            .cipher()?
            .decrypt(
                &Nonce::from(*nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new))
    }
}

type HmacSha256 = hmac::Hmac<Sha256>;

/// The running phone's PIN check: HMAC-SHA-256 of the PIN under a random key that lives in
/// this process's memory only (never written), so checking a PIN at sign-in does not cost an
/// argon2id evaluation, and nothing on disk can check a guess.
pub(crate) struct PinVerifier {
    key: Zeroizing<[u8; 32]>,
    tag: Zeroizing<[u8; 32]>,
}

impl PinVerifier {
    pub(crate) fn new(pin: &str, key: [u8; 32]) -> PinVerifier {
        let key = Zeroizing::new(key);
        let tag = Zeroizing::new(Self::mac(&key, pin));
        PinVerifier { key, tag }
    }

    fn mac(key: &[u8; 32], pin: &str) -> [u8; 32] {
        // HMAC takes keys of any length: `new_from_slice` cannot fail.
        let mut mac = match <HmacSha256 as hmac::KeyInit>::new_from_slice(key) {
            Ok(m) => m,
            Err(_) => <HmacSha256 as hmac::KeyInit>::new(&Default::default()),
        };
        mac.update(pin.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether `pin` is the PIN (constant time).
    pub(crate) fn matches(&self, pin: &str) -> bool {
        bool::from(Self::mac(&self.key, pin).ct_eq(&self.tag[..]))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn the_key_depends_on_pin_salt_and_parameters_and_opens_only_its_own_blob() {
        let salt = [1u8; SALT_LEN];
        let nonce = [2u8; NONCE_LEN];
        let k = SealKey::derive("1234", &salt, FAST).unwrap();
        let sealed = k.seal(&nonce, b"secret", b"header").unwrap();
        assert_eq!(
            k.open(&nonce, &sealed, b"header")
                .unwrap()
                .unwrap()
                .as_slice(),
            b"secret"
        );
        // Wrong PIN, other salt, other parameters: no key opens it.
        for other in [
            SealKey::derive("1235", &salt, FAST).unwrap(),
            SealKey::derive("1234", &[3u8; SALT_LEN], FAST).unwrap(),
            SealKey::derive("1234", &salt, KdfParams::new(64, 2, 1).unwrap()).unwrap(),
        ] {
            assert!(other.open(&nonce, &sealed, b"header").unwrap().is_none());
        }
        // Altered associated data, nonce or ciphertext.
        assert!(k.open(&nonce, &sealed, b"headeR").unwrap().is_none());
        assert!(
            k.open(&[9u8; NONCE_LEN], &sealed, b"header")
                .unwrap()
                .is_none()
        );
        let mut flipped = sealed.clone();
        flipped[0] ^= 1;
        assert!(k.open(&nonce, &flipped, b"header").unwrap().is_none());
    }

    #[test]
    fn parameters_are_checked() {
        assert_eq!(KdfParams::default(), KdfParams::DEFAULT);
        assert_eq!(
            (KdfParams::DEFAULT.memory_kib, KdfParams::DEFAULT.iterations),
            (65536, 3)
        );
        assert!(KdfParams::new(8, 1, 1).is_ok());
        for (m, t, p) in [
            (7, 1, 1),
            (64, 0, 1),
            (64, 1, 0),
            (MAX_MEMORY_KIB + 1, 1, 1),
            (64, MAX_ITERATIONS + 1, 1),
            (1024, 1, MAX_PARALLELISM + 1),
        ] {
            assert!(
                matches!(KdfParams::new(m, t, p), Err(PhoneError::Usage(_))),
                "{m} {t} {p}"
            );
        }
    }

    #[test]
    fn the_pin_verifier_checks_the_pin() {
        let v = PinVerifier::new("1234", [5u8; 32]);
        assert!(v.matches("1234"));
        assert!(!v.matches("1235"));
        assert!(!v.matches(""));
        assert!(!v.matches("12345"));
    }
}
