//! # uaf-totp — one-time verification codes (HOTP, TOTP)
//!
//! The verification codes of a password sign-in's second step, as authenticator apps show
//! them: [RFC 4226] HOTP (an HMAC of a counter, dynamically truncated to 6–8 decimal digits)
//! and [RFC 6238] TOTP (HOTP of the time step `(now - T0) / period`), with HMAC-SHA1 (the
//! default every app understands), HMAC-SHA-256 and HMAC-SHA-512 over RustCrypto's `hmac`,
//! `sha1` and `sha2`. The shared secret's text form is [RFC 4648] base32 without padding
//! ([`base32`], strict), as in `otpauth://` URIs.
//!
//! **For**: the server that checks a typed code ([`Totp::verify`], [`Totp::verify_unused`])
//! and the phone app that shows one ([`Totp::generate`]).
//! **Not for**: choosing or storing the secret (the caller draws at least
//! [`MIN_SECRET_LEN`] random bytes and keeps them), or rate-limiting guesses (a 6-digit code
//! falls to about 10⁶ / 3 guesses per window: the caller throttles).
//!
//! ## Verification
//! [`Totp::verify`] accepts the code of the current time step and of one step either side
//! (RFC 6238 §5.2 allows "at most one time step" of network delay; one step back and one
//! forward also absorb a clock off by up to a period). The three candidates are all computed
//! and compared in constant time ([`subtle`]), so the timing does not say which step matched,
//! nor how many leading digits were right. It returns the **matched time step**: a verifier
//! must not accept a step twice (RFC 6238 §5.2), so the caller stores the last step used and
//! advances it by compare-and-swap; [`Totp::verify_unused`] refuses a step at or before the
//! last used one ([`Error::Reused`]).
//!
//! ## Features
//! - `alloc`: [`base32::encode`] and [`base32::decode`] (owned `String` / `Vec<u8>`).
//! - `std` (default): `alloc`; nothing else today.
//!
//! Without `alloc` everything but the owned base32 functions works (`#![no_std]`, no heap).
//!
//! ## Example
//! ```
//! use uaf_totp::{Totp, Error};
//!
//! // RFC 6238 Appendix B's SHA-1 seed, with 6 digits and 30-second steps (the default).
//! let secret = b"12345678901234567890";
//! let totp = Totp::DEFAULT;
//! let now = 1_111_111_109;
//! let code = totp.generate(secret, now)?;
//! assert_eq!(code.to_string(), "081804");
//!
//! // The server: the step it matched, then refuse it the next time.
//! let step = totp.verify(secret, "081804", now + 20)?;
//! assert_eq!(step, now / 30);
//! assert_eq!(
//!     totp.verify_unused(secret, "081804", now + 20, Some(step)),
//!     Err(Error::Reused { step })
//! );
//! assert_eq!(totp.verify(secret, "081805", now), Err(Error::Mismatch));
//! # Ok::<(), Error>(())
//! ```
//!
//! [RFC 4226]: https://www.rfc-editor.org/rfc/rfc4226
//! [RFC 6238]: https://www.rfc-editor.org/rfc/rfc6238
//! [RFC 4648]: https://www.rfc-editor.org/rfc/rfc4648
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod base32;

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater};

/// The shortest secret accepted, in bytes: RFC 4226 §4 R6, "the length of the shared secret
/// MUST be at least 128 bits" (it recommends 160: what [`RECOMMENDED_SECRET_LEN`] says).
pub const MIN_SECRET_LEN: usize = 16;

/// The secret length RFC 4226 §4 recommends, in bytes (160 bits): what a server should draw
/// for HMAC-SHA1.
pub const RECOMMENDED_SECRET_LEN: usize = 20;

/// The HMAC hash of the codes (RFC 6238 §1.2: SHA-1, SHA-256, SHA-512).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1: RFC 4226's and RFC 6238's default, what authenticator apps expect.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in `otpauth://` URIs and in `uaf-signin-api`'s `VerificationCodeSetup`
    /// (`SHA1`, `SHA256`, `SHA512`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// The algorithm of a [`name`](Algorithm::name) (exactly as written there).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Algorithm> {
        [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512]
            .into_iter()
            .find(|a| a.name() == name)
    }

    /// HMAC of `message` under `key`, dynamically truncated (RFC 4226 §5.3): the 31-bit
    /// number the code is taken from.
    fn truncated_hmac(self, key: &[u8], message: &[u8]) -> u32 {
        match self {
            Algorithm::Sha1 => truncate::<Hmac<sha1::Sha1>>(key, message),
            Algorithm::Sha256 => truncate::<Hmac<sha2::Sha256>>(key, message),
            Algorithm::Sha512 => truncate::<Hmac<sha2::Sha512>>(key, message),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// RFC 4226 §5.3 "Generating an HOTP value", steps 1 and 2: HS = HMAC(K, C); the low 4 bits
/// of HS's last byte are an offset, and the 31 bits from there are the number.
fn truncate<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> u32 {
    // HMAC takes a key of any length (longer keys are hashed first): this cannot fail.
    let Ok(mut mac) = <M as KeyInit>::new_from_slice(key) else {
        return 0;
    };
    mac.update(message);
    let hs = mac.finalize().into_bytes();
    let hs: &[u8] = &hs;
    // Every HMAC here has at least 20 bytes: offset + 3 <= 15 + 3 < 20 (RFC 4226 §5.4).
    let offset = usize::from(hs.last().copied().unwrap_or(0) & 0x0f);
    let mut word = [0u8; 4];
    for (i, b) in word.iter_mut().enumerate() {
        *b = hs.get(offset + i).copied().unwrap_or(0);
    }
    u32::from_be_bytes(word) & 0x7fff_ffff
}

/// How many decimal digits a code has: 6, 7 or 8 (RFC 4226 §5.3 R4: "a minimum of 6 digits";
/// RFC 6238's tests use 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Digits(u8);

impl Digits {
    /// Six digits: what authenticator apps show.
    pub const SIX: Digits = Digits(6);
    /// Eight digits (RFC 6238 Appendix B).
    pub const EIGHT: Digits = Digits(8);

    /// `n` digits.
    ///
    /// # Errors
    /// [`Error::Digits`] unless `n` is 6, 7 or 8.
    pub const fn new(n: u8) -> Result<Digits, Error> {
        if n >= 6 && n <= 8 {
            Ok(Digits(n))
        } else {
            Err(Error::Digits(n))
        }
    }

    /// The number of digits.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }

    /// 10 to the number of digits.
    const fn modulus(self) -> u32 {
        match self.0 {
            6 => 1_000_000,
            7 => 10_000_000,
            _ => 100_000_000,
        }
    }
}

/// A one-time code: its value and its length (leading zeros count). `Display` writes it
/// zero-padded (`"081804"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    value: u32,
    digits: Digits,
}

impl Code {
    /// The code as a number (`81804` for `"081804"`).
    #[must_use]
    pub const fn value(self) -> u32 {
        self.value
    }

    /// Its number of digits.
    #[must_use]
    pub const fn digits(self) -> Digits {
        self.digits
    }

    /// Reads a typed code of exactly `digits` ASCII decimal digits (no spaces, no sign).
    ///
    /// # Errors
    /// [`Error::MalformedCode`].
    pub fn parse(text: &str, digits: Digits) -> Result<Code, Error> {
        if text.len() != usize::from(digits.get()) {
            return Err(Error::MalformedCode);
        }
        let mut value = 0u32;
        for b in text.bytes() {
            if !b.is_ascii_digit() {
                return Err(Error::MalformedCode);
            }
            // At most 8 digits: below 10^8, no overflow.
            value = value * 10 + u32::from(b - b'0');
        }
        Ok(Code { value, digits })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:0width$}",
            self.value,
            width = usize::from(self.digits.get())
        )
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A live code is a credential for its window: not written to debug output.
        write!(f, "Code({} digits)", self.digits.get())
    }
}

/// Why a code could not be made or was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes (RFC 4226 §4 R6).
    SecretTooShort {
        /// Its length in bytes.
        len: usize,
    },
    /// Not 6, 7 or 8 digits (RFC 4226 §5.3 R4).
    Digits(u8),
    /// A TOTP time step of zero seconds.
    ZeroPeriod,
    /// The time is before the TOTP epoch `T0` (RFC 6238 §4.2).
    BeforeEpoch,
    /// The typed code is not exactly the expected number of ASCII digits.
    MalformedCode,
    /// The code matches none of the accepted time steps.
    Mismatch,
    /// The code matches only time steps at or before the last one used (RFC 6238 §5.2: a
    /// code is accepted once).
    Reused {
        /// The latest step it matched.
        step: u64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SecretTooShort { len } => write!(
                f,
                "the shared secret has {len} bytes; at least {MIN_SECRET_LEN} are required"
            ),
            Error::Digits(n) => write!(f, "codes of {n} digits: 6, 7 or 8 are supported"),
            Error::ZeroPeriod => f.write_str("the time step must be at least one second"),
            Error::BeforeEpoch => f.write_str("the time is before the code's epoch (T0)"),
            Error::MalformedCode => f.write_str("the code is not the expected number of digits"),
            Error::Mismatch => f.write_str("the code is not valid now"),
            Error::Reused { .. } => f.write_str("the code was already used"),
        }
    }
}

impl core::error::Error for Error {}

/// RFC 4226 HOTP: the code of `counter` under `secret`.
///
/// # Errors
/// [`Error::SecretTooShort`].
pub fn hotp(
    algorithm: Algorithm,
    secret: &[u8],
    counter: u64,
    digits: Digits,
) -> Result<Code, Error> {
    check_secret(secret)?;
    Ok(hotp_unchecked(algorithm, secret, counter, digits))
}

fn check_secret(secret: &[u8]) -> Result<(), Error> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(Error::SecretTooShort { len: secret.len() });
    }
    Ok(())
}

/// RFC 4226 §5.3 step 3: `Snum mod 10^Digit` of the truncated HMAC of the 8-byte big-endian
/// counter.
fn hotp_unchecked(algorithm: Algorithm, secret: &[u8], counter: u64, digits: Digits) -> Code {
    let snum = algorithm.truncated_hmac(secret, &counter.to_be_bytes());
    Code {
        value: snum % digits.modulus(),
        digits,
    }
}

/// RFC 6238 TOTP parameters: the hash, the digits, the time step `X` and the epoch `T0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Totp {
    algorithm: Algorithm,
    digits: Digits,
    period_secs: u64,
    t0: u64,
}

impl Totp {
    /// HMAC-SHA1, 6 digits, 30-second steps from the unix epoch: what authenticator apps use
    /// when an `otpauth://` URI says nothing else.
    pub const DEFAULT: Totp = Totp {
        algorithm: Algorithm::Sha1,
        digits: Digits::SIX,
        period_secs: 30,
        t0: 0,
    };

    /// Codes by `algorithm` of `digits` digits, a new one every `period_secs` seconds from
    /// the unix epoch.
    ///
    /// # Errors
    /// [`Error::ZeroPeriod`].
    pub const fn new(
        algorithm: Algorithm,
        digits: Digits,
        period_secs: u64,
    ) -> Result<Totp, Error> {
        if period_secs == 0 {
            return Err(Error::ZeroPeriod);
        }
        Ok(Totp {
            algorithm,
            digits,
            period_secs,
            t0: 0,
        })
    }

    /// The same codes counting steps from `t0` (unix seconds) instead of the unix epoch.
    #[must_use]
    pub const fn with_t0(mut self, t0: u64) -> Totp {
        self.t0 = t0;
        self
    }

    /// The hash.
    #[must_use]
    pub const fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The digits of a code.
    #[must_use]
    pub const fn digits(&self) -> Digits {
        self.digits
    }

    /// The time step `X`, in seconds.
    #[must_use]
    pub const fn period_secs(&self) -> u64 {
        self.period_secs
    }

    /// The epoch `T0`, in unix seconds.
    #[must_use]
    pub const fn t0(&self) -> u64 {
        self.t0
    }

    /// The time step of `unix_secs`: `T = floor((unix_secs - T0) / X)` (RFC 6238 §4.2).
    ///
    /// # Errors
    /// [`Error::BeforeEpoch`].
    pub const fn time_step(&self, unix_secs: u64) -> Result<u64, Error> {
        match unix_secs.checked_sub(self.t0) {
            // `period_secs` is never zero (`new`, `DEFAULT`).
            Some(elapsed) => Ok(elapsed / self.period_secs),
            None => Err(Error::BeforeEpoch),
        }
    }

    /// The code of time step `step`.
    ///
    /// # Errors
    /// [`Error::SecretTooShort`].
    pub fn generate_at_step(&self, secret: &[u8], step: u64) -> Result<Code, Error> {
        hotp(self.algorithm, secret, step, self.digits)
    }

    /// The code at `unix_secs`: what the phone app shows.
    ///
    /// # Errors
    /// [`Error::SecretTooShort`], [`Error::BeforeEpoch`].
    pub fn generate(&self, secret: &[u8], unix_secs: u64) -> Result<Code, Error> {
        self.generate_at_step(secret, self.time_step(unix_secs)?)
    }

    /// Checks a typed `code` at `unix_secs` against the steps `T - 1`, `T` and `T + 1`, and
    /// returns the step it matched (the earliest, should two match). Every candidate is
    /// computed and compared in constant time.
    ///
    /// A step must be accepted once: store the returned step and refuse it (and earlier ones)
    /// next time — [`Totp::verify_unused`] does the refusing.
    ///
    /// # Errors
    /// [`Error::MalformedCode`], [`Error::Mismatch`], and the errors of
    /// [`Totp::generate`].
    pub fn verify(&self, secret: &[u8], code: &str, unix_secs: u64) -> Result<u64, Error> {
        self.verify_unused(secret, code, unix_secs, None)
    }

    /// [`Totp::verify`] that accepts only steps after `last_used_step` (the step of the last
    /// code accepted for this secret, if any): a replayed code, or an older one typed after a
    /// newer one, is [`Error::Reused`]. The caller then stores the returned step, by
    /// compare-and-swap against `last_used_step`, so two concurrent uses of one code cannot
    /// both succeed.
    ///
    /// # Errors
    /// [`Error::MalformedCode`], [`Error::Mismatch`], [`Error::Reused`], and the errors of
    /// [`Totp::generate`].
    pub fn verify_unused(
        &self,
        secret: &[u8],
        code: &str,
        unix_secs: u64,
        last_used_step: Option<u64>,
    ) -> Result<u64, Error> {
        check_secret(secret)?;
        let typed = Code::parse(code, self.digits)?;
        let now = self.time_step(unix_secs)?;

        // RFC 6238 §5.2: one step of delay either way. At the ends of the u64 range a
        // neighbour does not exist: it is computed as `now` and masked out, so the work is
        // the same.
        let candidates = [
            (now.checked_sub(1), 0u8),
            (Some(now), 1),
            (now.checked_add(1), 2),
        ];
        let mut found = Choice::from(0);
        let mut found_step = 0u64;
        let mut matched_any = Choice::from(0);
        let mut matched_step = 0u64;
        for (step, _) in candidates {
            let exists = Choice::from(u8::from(step.is_some()));
            let step = step.unwrap_or(now);
            let expected = hotp_unchecked(self.algorithm, secret, step, self.digits);
            let equal = expected.value.ct_eq(&typed.value) & exists;
            let fresh = match last_used_step {
                Some(last) => step.ct_gt(&last),
                None => Choice::from(1),
            };
            // The earliest fresh match wins.
            let take = equal & fresh & !found;
            found_step.conditional_assign(&step, take);
            found |= take;
            // The latest match of all, for the `Reused` report.
            matched_step.conditional_assign(&step, equal);
            matched_any |= equal;
        }
        if bool::from(found) {
            Ok(found_step)
        } else if bool::from(matched_any) {
            Err(Error::Reused { step: matched_step })
        } else {
            Err(Error::Mismatch)
        }
    }
}

impl Default for Totp {
    fn default() -> Self {
        Totp::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn digits_are_six_to_eight() {
        assert_eq!(Digits::new(5), Err(Error::Digits(5)));
        assert_eq!(Digits::new(9), Err(Error::Digits(9)));
        assert_eq!(Digits::new(0), Err(Error::Digits(0)));
        for n in 6..=8 {
            assert_eq!(Digits::new(n).unwrap().get(), n);
        }
        assert_eq!(Digits::SIX.modulus(), 1_000_000);
        assert_eq!(Digits::EIGHT.modulus(), 100_000_000);
    }

    #[test]
    fn algorithm_names_round_trip() {
        for a in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            assert_eq!(Algorithm::from_name(a.name()), Some(a));
        }
        assert_eq!(Algorithm::from_name("sha1"), None);
        assert_eq!(Algorithm::from_name("MD5"), None);
        assert_eq!(Algorithm::default(), Algorithm::Sha1);
    }
}
