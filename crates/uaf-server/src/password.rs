//! Password hashing: argon2id (RFC 9106) PHC strings by RustCrypto's `argon2`.
//!
//! A password is stored as `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`: the
//! parameters and a 16-byte random salt travel with the hash, so changing the parameters
//! ([`PasswordHashing`], the server's `--argon2-*` flags) applies to passwords set from then
//! on while the stored ones keep verifying with their own. The defaults are OWASP's first
//! argon2id choice: 19 MiB, 2 passes, 1 lane (about 20–40 ms on a server core).
//!
//! Verification runs on the blocking pool (it is CPU and memory work); an unknown user is
//! "verified" against a dummy hash made with the same parameters ([`PasswordHashing::dummy`]),
//! so a wrong password and an unknown user take the same time. Passwords are never logged
//! and never kept: [`PasswordError`] says nothing about them.

use core::fmt;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// The shortest password accepted when one is set, in characters (NIST SP 800-63B §3.1.1.2:
/// at least 8).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The longest password accepted, in bytes (a bound on the work a request can ask for).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Salt length in bytes (RFC 9106 §3.1 recommends 16).
const SALT_BYTES: usize = 16;

/// The argon2id cost of new password hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordHashing {
    /// Memory, in KiB (`m`; default 19456, 19 MiB).
    pub memory_kib: u32,
    /// Passes over the memory (`t`; default 2).
    pub iterations: u32,
    /// Lanes (`p`; default 1).
    pub parallelism: u32,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
        }
    }
}

/// Why a password could not be hashed, checked or accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordError {
    /// The argon2 parameters are out of range (`m` below `8 × p` KiB, `t` or `p` zero…).
    Parameters(String),
    /// The password is shorter than [`MIN_PASSWORD_CHARS`] characters.
    TooShort,
    /// The password is longer than [`MAX_PASSWORD_BYTES`] bytes.
    TooLong,
    /// The OS has no randomness to give (for the salt).
    Random(String),
    /// A stored hash is not an argon2id PHC string.
    StoredHash(String),
    /// argon2 failed (out of memory).
    Hashing(String),
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordError::Parameters(e) => write!(f, "argon2 parameters: {e}"),
            PasswordError::TooShort => write!(
                f,
                "the password must have at least {MIN_PASSWORD_CHARS} characters"
            ),
            PasswordError::TooLong => write!(
                f,
                "the password must have at most {MAX_PASSWORD_BYTES} bytes"
            ),
            PasswordError::Random(e) => write!(f, "no OS randomness for the salt: {e}"),
            PasswordError::StoredHash(e) => write!(f, "stored password hash: {e}"),
            PasswordError::Hashing(e) => write!(f, "argon2: {e}"),
        }
    }
}

impl core::error::Error for PasswordError {}

impl PasswordHashing {
    /// The argon2id context of these parameters.
    ///
    /// # Errors
    /// [`PasswordError::Parameters`].
    fn argon2(&self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| PasswordError::Parameters(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Checks the parameters (at start-up: a bad flag stops the server).
    ///
    /// # Errors
    /// [`PasswordError::Parameters`].
    pub fn check(&self) -> Result<(), PasswordError> {
        self.argon2().map(drop)
    }

    /// Checks a new password: [`MIN_PASSWORD_CHARS`] characters to [`MAX_PASSWORD_BYTES`]
    /// bytes.
    ///
    /// # Errors
    /// [`PasswordError::TooShort`], [`PasswordError::TooLong`].
    pub fn acceptable(password: &str) -> Result<(), PasswordError> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordError::TooLong);
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        Ok(())
    }

    /// The PHC string of `password` (checked by [`PasswordHashing::acceptable`]) with a
    /// fresh random salt.
    ///
    /// # Errors
    /// [`PasswordError`].
    pub fn hash(&self, password: &str) -> Result<String, PasswordError> {
        Self::acceptable(password)?;
        self.hash_unchecked(password.as_bytes())
    }

    /// The PHC string of `password`, a password that just verified against a hash that
    /// [`PasswordHashing::needs_rehash`], with these parameters and a fresh salt. The length
    /// policy is not applied again: the password was accepted when it was set.
    ///
    /// # Errors
    /// [`PasswordError`].
    pub fn rehash(&self, password: &str) -> Result<String, PasswordError> {
        self.hash_unchecked(password.as_bytes())
    }

    fn hash_unchecked(&self, password: &[u8]) -> Result<String, PasswordError> {
        let mut salt = [0u8; SALT_BYTES];
        getrandom::fill(&mut salt).map_err(|e| PasswordError::Random(e.to_string()))?;
        let hash = self
            .argon2()?
            .hash_password_with_salt(password, &salt)
            .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        Ok(hash.to_string())
    }

    /// Whether `password` matches the PHC string `stored` (with the parameters written in
    /// it; only argon2id is accepted). The comparison of the hash outputs is constant-time
    /// (`password-hash`'s `Output`).
    ///
    /// # Errors
    /// [`PasswordError::StoredHash`] when `stored` is not an argon2id PHC string.
    pub fn verify(password: &str, stored: &str) -> Result<bool, PasswordError> {
        let parsed =
            PasswordHash::new(stored).map_err(|e| PasswordError::StoredHash(e.to_string()))?;
        if parsed.algorithm.as_str() != argon2::ARGON2ID_IDENT.as_str() {
            return Err(PasswordError::StoredHash(String::from("not argon2id")));
        }
        if password.len() > MAX_PASSWORD_BYTES {
            // Still do the work: the time does not depend on the length.
            let _ = Argon2::default().verify_password(b"", &parsed);
            return Ok(false);
        }
        match Argon2::default().verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(e) => Err(PasswordError::StoredHash(e.to_string())),
        }
    }

    /// Whether the PHC string `stored` was made with other parameters than these (memory,
    /// passes, lanes, output length, argon2 version): after a sign-in that verified with it,
    /// the password is hashed again with these (the `--argon2-*` flags changed since it was
    /// stored). An unreadable string is not rehashed (the operator resets it).
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let version = parsed.version.and_then(|v| Version::try_from(v).ok());
        params.m_cost() != self.memory_kib
            || params.t_cost() != self.iterations
            || params.p_cost() != self.parallelism
            || params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)
                != Params::DEFAULT_OUTPUT_LEN
            || version != Some(Version::V0x13)
    }

    /// A hash of a random password with these parameters, made once per parameter set: what
    /// an unknown user's sign-in is verified against, so that it costs what a known user's
    /// does.
    ///
    /// # Errors
    /// [`PasswordError`] (bad parameters, no randomness).
    pub fn dummy(&self) -> Result<Arc<str>, PasswordError> {
        static DUMMIES: OnceLock<std::sync::Mutex<Dummies>> = OnceLock::new();
        let all = DUMMIES.get_or_init(Default::default);
        let mut all = all
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, h)) = all.iter().find(|(p, _)| p == self) {
            return Ok(Arc::clone(h));
        }
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| PasswordError::Random(e.to_string()))?;
        let hash: Arc<str> = Arc::from(self.hash_unchecked(&random)?);
        all.push((*self, Arc::clone(&hash)));
        Ok(hash)
    }
}

/// The dummy hash of each parameter set made so far.
type Dummies = Vec<(PasswordHashing, Arc<str>)>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Cheap parameters for tests (the defaults are exercised by the HTTP tests).
    fn cheap() -> PasswordHashing {
        PasswordHashing {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn hashes_are_argon2id_phc_strings_that_verify() {
        let h = cheap().hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{h}");
        assert!(PasswordHashing::verify("correct horse", &h).unwrap());
        assert!(!PasswordHashing::verify("correct horsE", &h).unwrap());
        assert!(!PasswordHashing::verify("", &h).unwrap());
        // A fresh salt every time.
        assert_ne!(h, cheap().hash("correct horse").unwrap());
        // The defaults are OWASP's.
        let d = PasswordHashing::default();
        assert_eq!((d.memory_kib, d.iterations, d.parallelism), (19456, 2, 1));
    }

    #[test]
    fn stored_hashes_keep_their_own_parameters() {
        let old = cheap().hash("password one").unwrap();
        let newer = PasswordHashing {
            memory_kib: 128,
            iterations: 2,
            parallelism: 1,
        };
        let new = newer.hash("password two").unwrap();
        assert!(new.contains("m=128,t=2,p=1"));
        assert!(PasswordHashing::verify("password one", &old).unwrap());
        assert!(PasswordHashing::verify("password two", &new).unwrap());
    }

    #[test]
    fn hashes_of_other_parameters_are_rehashed_after_a_sign_in() {
        let now = cheap();
        let current = now.hash("password one").unwrap();
        assert!(!now.needs_rehash(&current));
        for other in [
            PasswordHashing {
                memory_kib: now.memory_kib * 2,
                ..now
            },
            PasswordHashing {
                iterations: now.iterations + 1,
                ..now
            },
            PasswordHashing {
                parallelism: now.parallelism + 1,
                ..now
            },
        ] {
            let old = other.hash("password one").unwrap();
            assert!(now.needs_rehash(&old), "{old}");
            let new = now.rehash("password one").unwrap();
            assert!(!now.needs_rehash(&new));
            assert!(PasswordHashing::verify("password one", &new).unwrap());
            assert_ne!(new, current, "a fresh salt");
        }
        // Another argon2 version or output length: rehashed.
        let v16 = current.replace("$v=19$", "$v=16$");
        assert!(now.needs_rehash(&v16));
        let short = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(now.memory_kib, now.iterations, now.parallelism, Some(16)).unwrap(),
        )
        .hash_password_with_salt(b"password one", &[7u8; 16])
        .unwrap()
        .to_string();
        assert!(now.needs_rehash(&short));
        // Unreadable: left for the operator.
        assert!(!now.needs_rehash("$argon2id$nonsense"));
        assert!(!now.needs_rehash(""));
        // A password shorter than today's policy still gets rehashed (it was accepted then).
        assert!(PasswordHashing::acceptable("short").is_err());
        assert!(PasswordHashing::verify("short", &now.rehash("short").unwrap()).unwrap());
    }

    #[test]
    fn only_argon2id_phc_strings_are_accepted() {
        assert!(matches!(
            PasswordHashing::verify("x", "not a hash"),
            Err(PasswordError::StoredHash(_))
        ));
        let h = cheap().hash("correct horse").unwrap();
        let argon2i = h.replacen("$argon2id$", "$argon2i$", 1);
        assert_eq!(
            PasswordHashing::verify("correct horse", &argon2i),
            Err(PasswordError::StoredHash(String::from("not argon2id")))
        );
    }

    #[test]
    fn new_passwords_have_a_length_policy() {
        assert_eq!(cheap().hash("seven77"), Err(PasswordError::TooShort));
        assert!(cheap().hash("éééééééé").is_ok(), "characters, not bytes");
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(cheap().hash(&long), Err(PasswordError::TooLong));
        let h = cheap().hash("correct horse").unwrap();
        assert!(!PasswordHashing::verify(&long, &h).unwrap());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let bad = PasswordHashing {
            memory_kib: 1,
            iterations: 0,
            parallelism: 1,
        };
        assert!(matches!(bad.check(), Err(PasswordError::Parameters(_))));
        assert!(matches!(
            bad.hash("correct horse"),
            Err(PasswordError::Parameters(_))
        ));
        assert!(cheap().check().is_ok());
    }

    #[test]
    fn the_dummy_is_made_once_per_parameter_set_and_matches_nothing_typed() {
        let a = cheap().dummy().unwrap();
        let b = cheap().dummy().unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(a.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!PasswordHashing::verify("correct horse", &a).unwrap());
    }
}
