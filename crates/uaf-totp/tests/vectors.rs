//! The RFCs' test vectors and the verification rules, positive and negative.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use uaf_totp::base32::{self, Base32Error};
use uaf_totp::{Algorithm, Digits, Error, MIN_SECRET_LEN, Totp, hotp};

/// RFC 4226 Appendix D: the secret "12345678901234567890" (ASCII), counters 0–9, 6 digits.
#[test]
fn rfc4226_appendix_d() {
    let secret = b"12345678901234567890";
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, want) in (0u64..).zip(expected) {
        let code = hotp(Algorithm::Sha1, secret, counter, Digits::SIX).unwrap();
        assert_eq!(code.to_string(), want, "counter {counter}");
    }
}

/// RFC 6238 Appendix B: the seeds of the reference implementation (20, 32 and 64 ASCII
/// bytes for SHA-1, SHA-256 and SHA-512), 8 digits, X = 30, T0 = 0.
#[test]
fn rfc6238_appendix_b() {
    let sha1 = b"12345678901234567890".as_slice();
    let sha256 = b"12345678901234567890123456789012".as_slice();
    let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".as_slice();
    let table: [(u64, &str, Algorithm); 18] = [
        (59, "94287082", Algorithm::Sha1),
        (59, "46119246", Algorithm::Sha256),
        (59, "90693936", Algorithm::Sha512),
        (1_111_111_109, "07081804", Algorithm::Sha1),
        (1_111_111_109, "68084774", Algorithm::Sha256),
        (1_111_111_109, "25091201", Algorithm::Sha512),
        (1_111_111_111, "14050471", Algorithm::Sha1),
        (1_111_111_111, "67062674", Algorithm::Sha256),
        (1_111_111_111, "99943326", Algorithm::Sha512),
        (1_234_567_890, "89005924", Algorithm::Sha1),
        (1_234_567_890, "91819424", Algorithm::Sha256),
        (1_234_567_890, "93441116", Algorithm::Sha512),
        (2_000_000_000, "69279037", Algorithm::Sha1),
        (2_000_000_000, "90698825", Algorithm::Sha256),
        (2_000_000_000, "38618901", Algorithm::Sha512),
        (20_000_000_000, "65353130", Algorithm::Sha1),
        (20_000_000_000, "77737706", Algorithm::Sha256),
        (20_000_000_000, "47863826", Algorithm::Sha512),
    ];
    for (time, want, algorithm) in table {
        let secret = match algorithm {
            Algorithm::Sha1 => sha1,
            Algorithm::Sha256 => sha256,
            _ => sha512,
        };
        let totp = Totp::new(algorithm, Digits::EIGHT, 30).unwrap();
        assert_eq!(
            totp.generate(secret, time).unwrap().to_string(),
            want,
            "{time} {algorithm}"
        );
        // And the verifier accepts it, matching step T.
        assert_eq!(totp.verify(secret, want, time), Ok(time / 30));
    }
}

/// RFC 6238 Appendix B's time-step column (hex of T for the times above).
#[test]
fn rfc6238_time_steps() {
    let totp = Totp::DEFAULT;
    for (time, step) in [
        (59u64, 0x1u64),
        (1_111_111_109, 0x23523EC),
        (1_111_111_111, 0x23523ED),
        (1_234_567_890, 0x273EF07),
        (2_000_000_000, 0x3F940AA),
        (20_000_000_000, 0x27BC86AA),
    ] {
        assert_eq!(totp.time_step(time), Ok(step));
    }
    let shifted = Totp::DEFAULT.with_t0(100);
    assert_eq!(shifted.time_step(99), Err(Error::BeforeEpoch));
    assert_eq!(shifted.time_step(100), Ok(0));
    assert_eq!(shifted.time_step(130), Ok(1));
    assert_eq!(
        shifted.generate(b"12345678901234567890", 99),
        Err(Error::BeforeEpoch)
    );
}

const SECRET: &[u8] = b"12345678901234567890";

fn code_at(step: u64) -> String {
    Totp::DEFAULT
        .generate_at_step(SECRET, step)
        .unwrap()
        .to_string()
}

#[test]
fn the_window_is_one_step_either_side() {
    let totp = Totp::DEFAULT;
    let now = 1_111_111_109; // step 37037036 (0x23523EC)
    let t = now / 30;
    assert_eq!(totp.verify(SECRET, &code_at(t), now), Ok(t));
    assert_eq!(totp.verify(SECRET, &code_at(t - 1), now), Ok(t - 1));
    assert_eq!(totp.verify(SECRET, &code_at(t + 1), now), Ok(t + 1));
    // Two steps away: refused (these codes differ from the three accepted ones).
    for far in [t - 2, t + 2, t - 10, t + 10] {
        let code = code_at(far);
        assert!(![t - 1, t, t + 1].iter().any(|&s| code_at(s) == code));
        assert_eq!(
            totp.verify(SECRET, &code, now),
            Err(Error::Mismatch),
            "step {far}"
        );
    }
    // The wrong secret.
    assert_eq!(
        totp.verify(b"12345678901234567891", &code_at(t), now),
        Err(Error::Mismatch)
    );
}

#[test]
fn a_used_step_is_refused() {
    let totp = Totp::DEFAULT;
    let now = 1_234_567_890;
    let t = now / 30;
    let code = code_at(t);
    let step = totp.verify_unused(SECRET, &code, now, None).unwrap();
    assert_eq!(step, t);
    // The same code again: reused.
    assert_eq!(
        totp.verify_unused(SECRET, &code, now, Some(step)),
        Err(Error::Reused { step: t })
    );
    // An older code after a newer one: reused too.
    assert_eq!(
        totp.verify_unused(SECRET, &code_at(t - 1), now, Some(step)),
        Err(Error::Reused { step: t - 1 })
    );
    // The next step's code is fresh.
    assert_eq!(
        totp.verify_unused(SECRET, &code_at(t + 1), now, Some(step)),
        Ok(t + 1)
    );
    // A wrong code stays a mismatch, whatever was used.
    assert_eq!(
        totp.verify_unused(SECRET, &code_at(t + 5), now, Some(step)),
        Err(Error::Mismatch)
    );
}

#[test]
fn the_ends_of_the_time_range() {
    let totp = Totp::DEFAULT;
    // Step 0 has no previous step.
    assert_eq!(totp.verify(SECRET, &code_at(0), 0), Ok(0));
    assert_eq!(totp.verify(SECRET, &code_at(1), 0), Ok(1));
    // The last step has no next step.
    let per_step = Totp::new(Algorithm::Sha1, Digits::SIX, 1).unwrap();
    let last = per_step
        .generate_at_step(SECRET, u64::MAX)
        .unwrap()
        .to_string();
    assert_eq!(per_step.verify(SECRET, &last, u64::MAX), Ok(u64::MAX));
}

#[test]
fn malformed_codes_are_refused_before_any_comparison() {
    let totp = Totp::DEFAULT;
    let now = 59;
    let good = code_at(now / 30);
    for bad in [
        "",
        "12345",
        "1234567",
        "12 456",
        "+12345",
        "-12345",
        "١٢٣٤٥٦",
        "12345a",
    ] {
        assert_eq!(
            totp.verify(SECRET, bad, now),
            Err(Error::MalformedCode),
            "{bad:?}"
        );
    }
    assert_eq!(
        totp.verify(SECRET, &format!(" {good}"), now),
        Err(Error::MalformedCode)
    );
    // 8-digit TOTP refuses 6 digits.
    let eight = Totp::new(Algorithm::Sha1, Digits::EIGHT, 30).unwrap();
    assert_eq!(eight.verify(SECRET, &good, now), Err(Error::MalformedCode));
}

#[test]
fn short_secrets_and_bad_parameters_are_refused() {
    let short = [7u8; MIN_SECRET_LEN - 1];
    assert_eq!(
        hotp(Algorithm::Sha1, &short, 0, Digits::SIX),
        Err(Error::SecretTooShort { len: 15 })
    );
    assert_eq!(
        Totp::DEFAULT.verify(&short, "123456", 0),
        Err(Error::SecretTooShort { len: 15 })
    );
    assert!(hotp(Algorithm::Sha1, &[7u8; MIN_SECRET_LEN], 0, Digits::SIX).is_ok());
    assert_eq!(
        Totp::new(Algorithm::Sha1, Digits::SIX, 0),
        Err(Error::ZeroPeriod)
    );
}

#[test]
fn codes_keep_their_leading_zeros() {
    // RFC 6238 Appendix B: 07081804 at 1111111109 (SHA-1, 8 digits); its 6-digit form.
    let code = Totp::DEFAULT.generate(SECRET, 1_111_111_109).unwrap();
    assert_eq!(code.to_string(), "081804");
    assert_eq!(code.value(), 81_804);
    assert_eq!(code.digits(), Digits::SIX);
    assert_eq!(format!("{code:?}"), "Code(6 digits)");
}

/// RFC 4648 §10's base32 vectors, without their padding.
#[test]
fn rfc4648_base32_vectors() {
    for (plain, encoded) in [
        ("", ""),
        ("f", "MY"),
        ("fo", "MZXQ"),
        ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ] {
        assert_eq!(base32::encode(plain.as_bytes()), encoded);
        assert_eq!(base32::decode(encoded).unwrap(), plain.as_bytes());
    }
    // The RFC 6238 SHA-1 seed as authenticator apps take it.
    assert_eq!(base32::encode(SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

#[test]
fn base32_is_strict() {
    assert_eq!(
        base32::decode("MY======"),
        Err(Base32Error::InvalidCharacter { position: 2 })
    );
    assert_eq!(
        base32::decode("MZXW6YQ="),
        Err(Base32Error::InvalidCharacter { position: 7 })
    );
    assert_eq!(
        base32::decode("my"),
        Err(Base32Error::InvalidCharacter { position: 0 })
    );
    assert_eq!(
        base32::decode("MZ XQ"),
        Err(Base32Error::InvalidCharacter { position: 2 })
    );
    assert_eq!(
        base32::decode("MZ1Q"),
        Err(Base32Error::InvalidCharacter { position: 2 })
    );
    assert_eq!(
        base32::decode("M"),
        Err(Base32Error::InvalidLength { len: 1 })
    );
    assert_eq!(
        base32::decode("MZX"),
        Err(Base32Error::InvalidLength { len: 3 })
    );
    assert_eq!(
        base32::decode("MZXW6Y"),
        Err(Base32Error::InvalidLength { len: 6 })
    );
    // "MZ" is "f"; "M3" has the unused low bits of its last character set.
    assert_eq!(base32::decode("M3"), Err(Base32Error::NonZeroTrailingBits));
    assert_eq!(
        base32::decode("MZXR"),
        Err(Base32Error::NonZeroTrailingBits)
    );
}

mod properties {
    use proptest::prelude::*;
    use uaf_totp::base32;

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let text = base32::encode(&bytes);
            prop_assert_eq!(Some(text.len()), base32::encoded_len(bytes.len()));
            prop_assert_eq!(base32::decode(&text).unwrap(), bytes);
        }

        #[test]
        fn base32_decode_never_panics(text in "\\PC{0,40}") {
            // Accepted texts are canonical: they encode back to themselves.
            if let Ok(bytes) = base32::decode(&text) {
                prop_assert_eq!(base32::encode(&bytes), text);
            }
        }
    }
}
