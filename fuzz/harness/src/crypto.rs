//! Targets of `uaf-crypto`: every public-key decoder, COSE keys, signature verification on
//! decoded keys, and attestation chain validation (strict and legacy).

use uaf_crypto::attestation::{ChainOptions, verify_attestation_chain};
use uaf_crypto::{PublicKey, verify};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign};

use crate::data;

/// Picks `list[i % len]`, or `fallback` for an empty list.
fn pick<T: Copy>(list: &[T], i: u8, fallback: T) -> T {
    list.get(usize::from(i) % list.len().max(1))
        .copied()
        .unwrap_or(fallback)
}

/// Splits `data` at `at` (or at its end).
fn split(data: &[u8], at: usize) -> (&[u8], &[u8]) {
    data.split_at_checked(at).unwrap_or((data, &[]))
}

/// Public keys: `PublicKey::decode` and `decode_for` under every `ALG_KEY_*` and `ALG_SIGN_*`
/// (chosen by the first two bytes, unknown values included), then `verify` with the rest as
/// message and signature.
///
/// Input: `[encoding selector, algorithm selector, key length (u16 LE), key…, message length,
/// message…, signature…]`. A selector indexes the registry's known values; 0xff takes the other
/// selector byte as a raw (usually unknown) registry number.
///
/// Invariants: a decoded key re-encodes in its own encoding and decodes back to the same key;
/// it round-trips through COSE; `decode_for` never accepts a key `check_alg` rejects.
pub fn public_key(data: &[u8]) {
    let [enc_sel, alg_sel, l0, l1, rest @ ..] = data else {
        return;
    };
    let encoding = if *enc_sel == 0xff {
        AlgKey::from_value(u16::from(*alg_sel))
    } else {
        pick(AlgKey::KNOWN, *enc_sel, AlgKey::EccX962Raw)
    };
    let alg = if *alg_sel == 0xff {
        AlgSign::from_value(u16::from(*enc_sel))
    } else {
        pick(AlgSign::KNOWN, *alg_sel, AlgSign::Secp256r1EcdsaSha256Raw)
    };
    let (key_bytes, tail) = split(rest, usize::from(u16::from_le_bytes([*l0, *l1])));
    let (message, signature) = match tail.split_first() {
        Some((len, t)) => split(t, usize::from(*len)),
        None => (&[][..], &[][..]),
    };

    if let Ok(key) = PublicKey::decode(encoding, key_bytes) {
        check_key(&key, encoding, None);
        for a in AlgSign::KNOWN {
            let _ = key.check_alg(*a);
        }
        let _ = verify(alg, &key, message, signature);
    }
    if let Ok(key) = PublicKey::decode_for(alg, encoding, key_bytes) {
        assert!(
            key.check_alg(alg).is_ok(),
            "decode_for returned a key that does not fit {alg:?}"
        );
        check_key(&key, encoding, Some(alg));
        let _ = verify(alg, &key, message, signature);
        // The same message under every algorithm: only errors, never panics.
        for a in AlgSign::KNOWN {
            let _ = verify(*a, &key, message, signature);
        }
    }
}

/// Round trips of a decoded key.
fn check_key(key: &PublicKey, encoding: AlgKey, alg: Option<AlgSign>) {
    let _ = (key.key_type(), key.x962_point());
    if let Ok(bytes) = key.encode(encoding) {
        let back = match alg {
            Some(a) => PublicKey::decode_for(a, encoding, &bytes),
            None => PublicKey::decode(encoding, &bytes),
        };
        assert_eq!(
            back.as_ref(),
            Ok(key),
            "{encoding:?}: decode -> encode -> decode"
        );
    }
    let cose = key.to_cose_key().expect("a decoded key encodes as COSE");
    assert_eq!(
        PublicKey::from_cose_key(&cose).as_ref(),
        Ok(key),
        "COSE round trip"
    );
    for e in AlgKey::KNOWN {
        let _ = key.encode(*e);
    }
}

/// COSE keys: `PublicKey::from_cose_key` on arbitrary CBOR.
///
/// Invariant: a decoded key re-encodes (`to_cose_key`) to bytes that decode to the same key,
/// and that encoding is a fixed point.
pub fn cose_key(data: &[u8]) {
    let Ok(key) = PublicKey::from_cose_key(data) else {
        return;
    };
    let _ = (key.key_type(), key.x962_point());
    let encoded = key.to_cose_key().expect("a decoded COSE key re-encodes");
    let back = PublicKey::from_cose_key(&encoded).expect("a re-encoded COSE key decodes");
    assert_eq!(back, key, "COSE decode -> encode -> decode");
    assert_eq!(
        back.to_cose_key().ok(),
        Some(encoded),
        "COSE encoding is canonical"
    );
    assert_eq!(
        PublicKey::decode(AlgKey::Cose, data).as_ref(),
        Ok(&key),
        "decode(COSE) agrees"
    );
}

/// Validation times the chain target picks from.
const TIMES: [u64; 3] = [
    data::SPEC_NOW, // 2016-01-01: inside the specification example certificate's validity
    data::SIM_NOW,  // 2030-01-01: inside the harness test chain's validity
    0,
];

/// Attestation chains: `verify_attestation_chain` with strict options and with
/// `allow_legacy(true)`, with and without `danger_ignore_expiry`.
///
/// Input: `[flags, roots, (len u16 LE, DER)…]`. `flags` bit 0: pass an expected AAID
/// (`ABCD#ABCD`); bits 1–2: the validation time (2016, 2030, 0, or the next 8 bytes,
/// big-endian). `roots`: 0 takes the fixed trust anchors (the UAF specification example's
/// certificate, the uaf-metadata test root and the harness test root); `n > 0` makes the last
/// `n % 4` certificates of the input the anchors.
///
/// Invariants: every relaxation only adds acceptances: strict ⇒ legacy, and without
/// `danger_ignore_expiry` ⇒ with it; the strict path never reports the legacy path used.
pub fn attestation_chain(data: &[u8]) {
    let [flags, roots_sel, rest @ ..] = data else {
        return;
    };
    let (time, mut rest) = match (flags >> 1) & 3 {
        3 => {
            let (t, r) = split(rest, 8);
            let mut b = [0u8; 8];
            b.iter_mut().zip(t).for_each(|(d, s)| *d = *s);
            (u64::from_be_bytes(b), r)
        }
        i => (TIMES.get(usize::from(i)).copied().unwrap_or(0), rest),
    };
    let mut certs: Vec<&[u8]> = Vec::new();
    while certs.len() < 10 {
        let Some(([l0, l1], r)) = rest.split_first_chunk::<2>().map(|(h, r)| (*h, r)) else {
            break;
        };
        let (c, r) = split(r, usize::from(u16::from_le_bytes([l0, l1])));
        certs.push(c);
        rest = r;
    }
    let fixed = data::trust_anchors();
    let n_roots = usize::from(roots_sel % 4);
    let (chain, roots): (Vec<&[u8]>, Vec<&[u8]>) = if *roots_sel == 0 || n_roots == 0 {
        (certs, fixed.iter().map(Vec::as_slice).collect())
    } else {
        let at = certs.len().saturating_sub(n_roots);
        let (c, r) = certs.split_at(at);
        (c.to_vec(), r.to_vec())
    };
    let aaid = Aaid::parse("ABCD#ABCD").expect("a valid AAID");
    let expected = (flags & 1 == 1).then_some(&aaid);

    let strict = ChainOptions::new();
    let legacy = ChainOptions::new().allow_legacy(true);
    let mut results = Vec::new();
    for (opts, name) in [
        (strict, "strict"),
        (legacy, "legacy"),
        (strict.danger_ignore_expiry(true), "strict+ignore-expiry"),
        (legacy.danger_ignore_expiry(true), "legacy+ignore-expiry"),
    ] {
        let r = verify_attestation_chain(&chain, &roots, expected, time, &opts);
        if let Ok(v) = &r {
            let _ = (
                v.leaf_spki_der(),
                v.leaf_public_key(),
                v.leaf_key_kind(),
                v.leaf_aaid(),
            );
            let _ = (v.anchor(), v.path_len(), v.expiry_ignored());
            if !opts.is_legacy_allowed() {
                assert!(
                    !v.used_legacy_path(),
                    "{name}: the strict path used the legacy path"
                );
            }
        }
        results.push((name, r.is_ok()));
    }
    let ok = |n: &str| results.iter().any(|(name, ok)| *name == n && *ok);
    for (narrow, wide) in [
        ("strict", "legacy"),
        ("strict", "strict+ignore-expiry"),
        ("legacy", "legacy+ignore-expiry"),
        ("strict+ignore-expiry", "legacy+ignore-expiry"),
    ] {
        assert!(
            !ok(narrow) || ok(wide),
            "{narrow} accepts a chain that {wide} rejects"
        );
    }
}
