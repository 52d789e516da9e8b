//! Public keys by `ALG_KEY_*` (digest §6.2): every encoding decodes and encodes back to the
//! same bytes, every malformation is a typed error, COSE_Key maps written by hand decode.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    unused_imports,
    dead_code,
    reason = "test code: a failed fixture must stop the test; tests gated on optional \
              features use a part of the helpers"
)]

#[path = "vectors/openssl.rs"]
mod openssl;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_crypto::{CryptoError, KeyType, PublicKey, SigningKey};
use uaf_proto::registry::{AlgKey, AlgSign};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).unwrap()
}

/// UAuth.pub of the UAF spec's registration Example 8 (digest §9.1).
const SPEC_POINT: &str = "049b2f12d52c54a87bb66607849d85066de41d4f8e09d5a25185628e061af3531f923435cfa5221db28ff7f9d1cc837d6a7a6b1ea0c6711eaaecedb4abfc9cb590";
/// DER SubjectPublicKeyInfo prefix of a P-256 key (RFC 5480): 26 bytes, then the 65-byte point.
const P256_SPKI_PREFIX: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

fn spec_key() -> PublicKey {
    PublicKey::decode(AlgKey::EccX962Raw, &h(SPEC_POINT)).unwrap()
}

fn bad_key(encoding: AlgKey) -> impl Fn(&Result<PublicKey, CryptoError>) -> bool {
    move |r| matches!(r, Err(CryptoError::BadKeyEncoding { encoding: e, .. }) if *e == encoding)
}

#[test]
fn p256_raw_der_and_cose_round_trip() {
    let key = spec_key();
    assert_eq!(key.key_type(), KeyType::P256);
    assert_eq!(key.encode(AlgKey::EccX962Raw).unwrap(), h(SPEC_POINT));
    let der = key.encode(AlgKey::EccX962Der).unwrap();
    assert_eq!(der, h(&format!("{P256_SPKI_PREFIX}{SPEC_POINT}")));
    assert_eq!(PublicKey::decode(AlgKey::EccX962Der, &der).unwrap(), key);
    let cose = key.to_cose_key().unwrap();
    assert_eq!(cose, key.encode(AlgKey::Cose).unwrap());
    assert_eq!(PublicKey::from_cose_key(&cose).unwrap(), key);
    assert_eq!(PublicKey::decode(AlgKey::Cose, &cose).unwrap(), key);
}

#[test]
fn p256_cose_encoding_is_the_canonical_map() {
    // {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}, CTAP2 canonical order.
    let point = h(SPEC_POINT);
    let expected = [
        h("a5 01 02 03 26 20 01 21 58 20"),
        point[1..33].to_vec(),
        h("22 58 20"),
        point[33..].to_vec(),
    ]
    .concat();
    assert_eq!(spec_key().to_cose_key().unwrap(), expected);
}

#[test]
fn encode_to_slice_writes_ec_encodings_and_reports_short_buffers() {
    let key = spec_key();
    let mut buf = [0_u8; 128];
    assert_eq!(
        key.encode_to_slice(AlgKey::EccX962Raw, &mut buf).unwrap(),
        h(SPEC_POINT).as_slice()
    );
    let der = key
        .encode_to_slice(AlgKey::EccX962Der, &mut buf)
        .unwrap()
        .to_vec();
    assert_eq!(der.len(), 91);
    assert_eq!(der, key.encode(AlgKey::EccX962Der).unwrap());
    let cose_len = key.to_cose_key().unwrap().len();
    assert_eq!(
        key.encode_to_slice(AlgKey::Cose, &mut buf).unwrap().len(),
        cose_len
    );
    let mut small = [0_u8; 64];
    assert_eq!(
        key.encode_to_slice(AlgKey::EccX962Raw, &mut small),
        Err(CryptoError::BufferTooSmall { needed: 65 })
    );
    assert_eq!(
        key.encode_to_slice(AlgKey::EccX962Der, &mut small),
        Err(CryptoError::BufferTooSmall { needed: 91 })
    );
}

#[test]
fn ec_key_cannot_be_written_as_rsa_and_unknown_encodings_are_unsupported() {
    let key = spec_key();
    for encoding in [AlgKey::Rsa2048Raw, AlgKey::Rsa2048Der] {
        assert_eq!(
            key.encode(encoding),
            Err(CryptoError::KeyEncodingMismatch {
                encoding,
                key: KeyType::P256
            })
        );
    }
    assert_eq!(
        key.encode(AlgKey::Unknown(0x0105)),
        Err(CryptoError::UnsupportedKeyEncoding(AlgKey::Unknown(0x0105)))
    );
    assert_eq!(
        PublicKey::decode(AlgKey::Unknown(0x0105), &h(SPEC_POINT)),
        Err(CryptoError::UnsupportedKeyEncoding(AlgKey::Unknown(0x0105)))
    );
}

#[test]
fn raw_ec_point_rules() {
    let enc = AlgKey::EccX962Raw;
    let is_bad = bad_key(enc);
    let point = h(SPEC_POINT);
    // Compressed form (02/03 ‖ X) is not accepted: UAF keys are uncompressed.
    let mut compressed = point[..33].to_vec();
    compressed[0] = 0x02 | (point[64] & 1);
    // Uncompressed length with a compressed prefix.
    let mut wrong_prefix = point.clone();
    wrong_prefix[0] = 0x06;
    // Not on the curve: Y changed.
    let mut off_curve = point.clone();
    off_curve[64] ^= 1;
    // Coordinates not below p.
    let mut too_big = vec![0x04];
    too_big.extend([0xff; 64]);
    for bad in [
        &compressed[..],
        &wrong_prefix,
        &off_curve,
        &too_big,
        &point[..64],
        &[0x00][..],
        &[][..],
    ] {
        assert!(is_bad(&PublicKey::decode(enc, bad)), "{}", hex::encode(bad));
    }
}

#[test]
fn spki_rules() {
    let enc = AlgKey::EccX962Der;
    let is_bad = bad_key(enc);
    let good = h(&format!("{P256_SPKI_PREFIX}{SPEC_POINT}"));
    let point = h(SPEC_POINT);
    let with_prefix = |prefix: &str| [h(prefix), point.clone()].concat();
    let mut trailing = good.clone();
    trailing.push(0);
    let mut unused_bits = good.clone();
    unused_bits[25] = 0x01;
    let cases = [
        ("trailing byte", trailing),
        ("BIT STRING with unused bits", unused_bits),
        ("truncated", good[..90].to_vec()),
        // secp521r1 (1.3.132.0.35) is not known.
        (
            "P-521 curve",
            with_prefix("3056301006072a8648ce3d020106052b81040023034200"),
        ),
        // id-ecPublicKey without parameters.
        (
            "no namedCurve",
            with_prefix("304f300906072a8648ce3d0201034200"),
        ),
        // An unknown algorithm OID (1.2.3.4).
        (
            "unknown algorithm",
            with_prefix("304e30080603 2a0304 0500 034200".replace(' ', "").as_str()),
        ),
        // The P-256 point labelled secp256k1: not on that curve.
        (
            "wrong curve OID",
            with_prefix("3056301006072a8648ce3d020106052b8104000a034200"),
        ),
        ("raw point", point.clone()),
    ];
    for (name, bytes) in &cases {
        let r = PublicKey::decode(enc, bytes);
        if *name == "wrong curve OID" && !cfg!(feature = "secp256k1") {
            assert_eq!(
                r,
                Err(CryptoError::UnsupportedKeyType(KeyType::Secp256k1)),
                "{name}"
            );
        } else {
            assert!(is_bad(&r), "{name}: {r:?}");
        }
    }
}

#[test]
fn decode_for_checks_the_key_fits_the_algorithm() {
    let raw = h(SPEC_POINT);
    let der = h(&format!("{P256_SPKI_PREFIX}{SPEC_POINT}"));
    for alg in [
        AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp256r1EcdsaSha256Der,
    ] {
        assert_eq!(
            PublicKey::decode_for(alg, AlgKey::EccX962Raw, &raw).unwrap(),
            spec_key()
        );
        assert_eq!(
            PublicKey::decode_for(alg, AlgKey::EccX962Der, &der).unwrap(),
            spec_key()
        );
    }
    assert_eq!(
        PublicKey::decode_for(AlgSign::Secp384r1EcdsaSha384Raw, AlgKey::EccX962Der, &der)
            .map(|_| ()),
        Err(CryptoError::KeyAlgorithmMismatch {
            alg: AlgSign::Secp384r1EcdsaSha384Raw,
            key: KeyType::P256
        })
    );
    assert_eq!(
        PublicKey::decode_for(AlgSign::Sm2Sm3Raw, AlgKey::EccX962Raw, &raw),
        Err(CryptoError::UnsupportedAlgorithm(AlgSign::Sm2Sm3Raw))
    );
    assert_eq!(
        spec_key().check_alg(AlgSign::Secp256r1EcdsaSha256Der),
        Ok(())
    );
    assert_eq!(
        spec_key().check_alg(AlgSign::RsassaPssSha256Raw),
        Err(CryptoError::KeyAlgorithmMismatch {
            alg: AlgSign::RsassaPssSha256Raw,
            key: KeyType::P256
        })
    );
}

#[test]
fn key_type_for_every_algorithm() {
    use AlgSign::*;
    assert_eq!(
        KeyType::for_alg(Secp256r1EcdsaSha256Raw),
        Some(KeyType::P256)
    );
    assert_eq!(
        KeyType::for_alg(Secp256k1EcdsaSha256Der),
        Some(KeyType::Secp256k1)
    );
    assert_eq!(KeyType::for_alg(RsaEmsaPkcs1Sha256Der), Some(KeyType::Rsa));
    assert_eq!(
        KeyType::for_alg(Secp384r1EcdsaSha384Raw),
        Some(KeyType::P384)
    );
    assert_eq!(
        KeyType::for_alg(Ed25519EddsaSha512Raw),
        Some(KeyType::Ed25519)
    );
    assert_eq!(KeyType::for_alg(Sm2Sm3Raw), None);
    assert_eq!(KeyType::for_alg(Unknown(7777)), None);
    assert!(KeyType::P256.is_supported());
    assert_eq!(KeyType::Rsa.is_supported(), cfg!(feature = "rsa"));
    assert_eq!(KeyType::Secp256k1.to_string(), "secp256k1");
}

#[test]
fn generated_keys_round_trip_through_every_ec_encoding() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    for _ in 0..16 {
        let key = SigningKey::generate(KeyType::P256, &mut rng)
            .unwrap()
            .public_key();
        for enc in [AlgKey::EccX962Raw, AlgKey::EccX962Der, AlgKey::Cose] {
            let bytes = key.encode(enc).unwrap();
            assert_eq!(PublicKey::decode(enc, &bytes).unwrap(), key, "{enc}");
        }
    }
}

mod cose {
    use super::*;

    fn p256_map(extra: &str, crv: &str, y: &str) -> Vec<u8> {
        let point = h(SPEC_POINT);
        // Map header a4 + number of extra pairs; kty, crv, x, y.
        [
            h(extra),
            h("01 02 20"),
            h(crv),
            h("21 58 20"),
            point[1..33].to_vec(),
            h("22"),
            h(y),
        ]
        .concat()
    }

    fn y() -> String {
        format!("5820{}", &SPEC_POINT[66..])
    }

    fn bad_cose(bytes: &[u8]) -> bool {
        bad_key(AlgKey::Cose)(&PublicKey::from_cose_key(bytes))
    }

    #[test]
    fn hand_made_p256_maps_decode() {
        // Without alg, and with the labels in another order.
        let no_alg = p256_map("a4", "01", &y());
        assert_eq!(PublicKey::from_cose_key(&no_alg).unwrap(), spec_key());
        let point = h(SPEC_POINT);
        let reordered = [
            h("a4 22 58 20"),
            point[33..].to_vec(),
            h("21 58 20"),
            point[1..33].to_vec(),
            h("20 01 01 02"),
        ]
        .concat();
        assert_eq!(PublicKey::from_cose_key(&reordered).unwrap(), spec_key());
        // With a kid (2) and alg ES256 (-7).
        let with_kid = p256_map("a6 02 43 010203 03 26", "01", &y());
        assert_eq!(PublicKey::from_cose_key(&with_kid).unwrap(), spec_key());
    }

    #[test]
    fn malformed_maps_are_rejected() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("compressed y (bool)", p256_map("a4", "01", "f5")),
            ("unknown curve (P-521)", p256_map("a4", "03", &y())),
            ("alg ES384 on P-256", p256_map("a5 03 38 22", "01", &y())),
            (
                "private key d",
                [p256_map("a5", "01", &y()), h("23 41 01")].concat(),
            ),
            (
                "short y",
                p256_map("a4", "01", &format!("581f{}", &SPEC_POINT[68..])),
            ),
            (
                "y not on the curve",
                p256_map("a4", "01", &format!("5820{}00", &SPEC_POINT[66..128])),
            ),
            (
                "duplicate label",
                [p256_map("a5", "01", &y()), h("20 01")].concat(),
            ),
            (
                "trailing bytes",
                [p256_map("a4", "01", &y()), h("00")].concat(),
            ),
            (
                "missing kty",
                [
                    h("a3 20 01 21 58 20"),
                    h(SPEC_POINT)[1..33].to_vec(),
                    h("22"),
                    h(&y()),
                ]
                .concat(),
            ),
            ("symmetric kty", h("a2 01 04 20 41 00")),
            ("missing x", h("a3 01 02 20 01 22 41 00")),
            ("not a map", h("80")),
            ("empty", Vec::new()),
            (
                "OKP X25519",
                h(
                    "a3 01 01 20 04 21 5820 0000000000000000000000000000000000000000000000000000000000000000",
                ),
            ),
            ("RSA with d", h("a3 01 03 20 41 01 22 41 01")),
        ];
        for (name, bytes) in cases {
            assert!(
                bad_cose(&bytes),
                "{name}: {:?}",
                PublicKey::from_cose_key(&bytes)
            );
        }
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn hand_made_ed25519_map_decodes_and_round_trips() {
        let x = h(openssl::ED25519_KEY);
        // {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}
        let map = [h("a4 01 01 03 27 20 06 21 58 20"), x.clone()].concat();
        let key = PublicKey::from_cose_key(&map).unwrap();
        assert_eq!(key.key_type(), KeyType::Ed25519);
        assert_eq!(key.to_cose_key().unwrap(), map);
        assert_eq!(
            key,
            PublicKey::decode(AlgKey::EccX962Der, &h(openssl::ED25519_SPKI)).unwrap()
        );
        assert_eq!(
            key.encode(AlgKey::EccX962Der).unwrap(),
            h(openssl::ED25519_SPKI)
        );
        assert_eq!(
            key.encode(AlgKey::EccX962Raw),
            Err(CryptoError::KeyEncodingMismatch {
                encoding: AlgKey::EccX962Raw,
                key: KeyType::Ed25519
            })
        );
        // alg ES256 does not fit Ed25519; a small-order point (the identity) is refused.
        assert!(bad_cose(&[h("a4 01 01 03 26 20 06 21 58 20"), x].concat()));
        let identity = format!("01{}", "00".repeat(31));
        assert!(bad_cose(&h(&format!("a3 01 01 20 06 21 5820 {identity}"))));
    }

    #[cfg(feature = "secp256k1")]
    #[test]
    fn hand_made_secp256k1_map_decodes() {
        let point = h(openssl::K256_POINT);
        // {1: 2, 3: -47 (ES256K), -1: 8 (secp256k1), -2: x, -3: y}
        let map = [
            h("a5 01 02 03 38 2e 20 08 21 58 20"),
            point[1..33].to_vec(),
            h("22 58 20"),
            point[33..].to_vec(),
        ]
        .concat();
        let key = PublicKey::from_cose_key(&map).unwrap();
        assert_eq!(key.key_type(), KeyType::Secp256k1);
        assert_eq!(key.to_cose_key().unwrap(), map);
    }

    #[cfg(feature = "rsa")]
    #[test]
    fn hand_made_rsa_map_decodes_and_round_trips() {
        let raw = h(openssl::RSA2048_RAW);
        let (n, e) = raw.split_at(256);
        // {1: 3 (RSA), -1: n, -2: e}
        let map = [h("a3 01 03 20 59 0100"), n.to_vec(), h("21 43"), e.to_vec()].concat();
        let key = PublicKey::from_cose_key(&map).unwrap();
        assert_eq!(key, PublicKey::decode(AlgKey::Rsa2048Raw, &raw).unwrap());
        assert_eq!(key.to_cose_key().unwrap(), map);
        // A leading zero on n is not minimal (RFC 8230 §4).
        let padded = [
            h("a3 01 03 20 59 0101 00"),
            n.to_vec(),
            h("21 43"),
            e.to_vec(),
        ]
        .concat();
        assert!(bad_cose(&padded));
    }

    #[cfg(not(feature = "rsa"))]
    #[test]
    fn rsa_map_needs_the_rsa_feature() {
        assert_eq!(
            PublicKey::from_cose_key(&h("a3 01 03 20 41 01 21 41 03")),
            Err(CryptoError::UnsupportedKeyType(KeyType::Rsa))
        );
    }
}

#[cfg(feature = "rsa")]
mod rsa {
    use super::*;

    #[test]
    fn every_rsa_encoding_decodes_to_the_same_key_and_round_trips() {
        let spki = h(openssl::RSA2048_SPKI);
        let pkcs1 = h(openssl::RSA2048_PKCS1);
        let raw = h(openssl::RSA2048_RAW);
        let key = PublicKey::decode(AlgKey::Rsa2048Der, &spki).unwrap();
        assert_eq!(key.key_type(), KeyType::Rsa);
        assert_eq!(PublicKey::decode(AlgKey::Rsa2048Der, &pkcs1).unwrap(), key);
        assert_eq!(PublicKey::decode(AlgKey::Rsa2048Raw, &raw).unwrap(), key);
        assert_eq!(key.encode(AlgKey::Rsa2048Der).unwrap(), spki);
        assert_eq!(key.encode(AlgKey::Rsa2048Raw).unwrap(), raw);
        let cose = key.to_cose_key().unwrap();
        assert_eq!(PublicKey::from_cose_key(&cose).unwrap(), key);
        let mut buf = [0_u8; 512];
        assert_eq!(
            key.encode_to_slice(AlgKey::Rsa2048Der, &mut buf).unwrap(),
            spki.as_slice()
        );
        for encoding in [AlgKey::EccX962Raw, AlgKey::EccX962Der] {
            assert_eq!(
                key.encode(encoding),
                Err(CryptoError::KeyEncodingMismatch {
                    encoding,
                    key: KeyType::Rsa
                })
            );
        }
    }

    #[test]
    fn a_3072_bit_key_has_no_raw_2048_form() {
        let key = PublicKey::decode(AlgKey::Rsa2048Der, &h(openssl::RSA3072_SPKI)).unwrap();
        assert_eq!(
            key.encode(AlgKey::Rsa2048Raw),
            Err(CryptoError::KeyEncodingMismatch {
                encoding: AlgKey::Rsa2048Raw,
                key: KeyType::Rsa
            })
        );
    }

    /// A PKCS#1 RSAPublicKey from INTEGER contents (n may need long-form lengths).
    fn pkcs1(n: &[u8], e: &[u8]) -> Vec<u8> {
        fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            match v.len() {
                l if l < 0x80 => out.push(u8::try_from(l).unwrap()),
                l if l < 0x100 => out.extend([0x81, u8::try_from(l).unwrap()]),
                l => out.extend([
                    0x82,
                    u8::try_from(l >> 8).unwrap(),
                    u8::try_from(l & 0xff).unwrap(),
                ]),
            }
            out.extend(v);
            out
        }
        tlv(0x30, &[tlv(0x02, n), tlv(0x02, e)].concat())
    }

    #[test]
    fn rsa_key_rules() {
        let raw = h(openssl::RSA2048_RAW);
        let n = &raw[..256];
        let n_int = [&[0_u8][..], n].concat();
        let enc = AlgKey::Rsa2048Der;
        assert!(PublicKey::decode(enc, &pkcs1(&n_int, &[1, 0, 1])).is_ok());
        let mut even_n = n_int.clone();
        *even_n.last_mut().unwrap() &= 0xfe;
        let small_n = [&[0_u8][..], &n[..128]].concat();
        let mut small_n_odd = small_n.clone();
        *small_n_odd.last_mut().unwrap() |= 1;
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("even modulus", pkcs1(&even_n, &[1, 0, 1])),
            ("1024-bit modulus", pkcs1(&small_n_odd, &[1, 0, 1])),
            ("e = 1", pkcs1(&n_int, &[1])),
            ("even e", pkcs1(&n_int, &[1, 0, 0])),
            ("e >= 2^33", pkcs1(&n_int, &[2, 0, 0, 0, 1])),
            ("non-minimal e", pkcs1(&n_int, &[0, 1, 0, 1])),
            ("negative n", pkcs1(n, &[1, 0, 1])),
            (
                "trailing byte",
                [pkcs1(&n_int, &[1, 0, 1]), vec![0]].concat(),
            ),
            ("not DER", vec![0x30, 0x00]),
        ];
        for (name, bytes) in cases {
            let r = PublicKey::decode(enc, &bytes);
            assert!(bad_key(enc)(&r), "{name}: {r:?}");
        }
        // rsaEncryption parameters must be NULL.
        let spki = h(openssl::RSA2048_SPKI);
        let no_null = [
            h("3082 0120 300b 0609 2a864886f70d010101"),
            spki[19..].to_vec(),
        ]
        .concat();
        assert!(bad_key(enc)(&PublicKey::decode(enc, &no_null)));
    }

    #[test]
    fn raw_rsa_rules() {
        let enc = AlgKey::Rsa2048Raw;
        let raw = h(openssl::RSA2048_RAW);
        let mut short_n = raw.clone();
        short_n[0] = 0x7f; // 2047 bits
        let mut zero_e = raw[..256].to_vec();
        zero_e.extend([0, 1, 0, 1]);
        for bad in [&raw[..256], &raw[..200], &short_n[..], &zero_e[..]] {
            assert!(bad_key(enc)(&PublicKey::decode(enc, bad)));
        }
    }

    #[test]
    fn key_types_in_the_wrong_der_encoding_are_mismatches() {
        assert_eq!(
            PublicKey::decode(AlgKey::EccX962Der, &h(openssl::RSA2048_SPKI)),
            Err(CryptoError::KeyEncodingMismatch {
                encoding: AlgKey::EccX962Der,
                key: KeyType::Rsa
            })
        );
        let ec = h(&format!("{P256_SPKI_PREFIX}{SPEC_POINT}"));
        assert_eq!(
            PublicKey::decode(AlgKey::Rsa2048Der, &ec),
            Err(CryptoError::KeyEncodingMismatch {
                encoding: AlgKey::Rsa2048Der,
                key: KeyType::P256
            })
        );
    }
}

#[cfg(not(feature = "rsa"))]
#[test]
fn rsa_keys_need_the_rsa_feature() {
    for enc in [AlgKey::Rsa2048Der, AlgKey::Rsa2048Raw] {
        assert_eq!(
            PublicKey::decode(enc, &h(openssl::RSA2048_SPKI)),
            Err(CryptoError::UnsupportedKeyType(KeyType::Rsa))
        );
    }
}

#[cfg(feature = "p384")]
#[test]
fn p384_round_trips() {
    let key = PublicKey::decode(AlgKey::EccX962Raw, &h(openssl::P384_POINT)).unwrap();
    for enc in [AlgKey::EccX962Raw, AlgKey::EccX962Der, AlgKey::Cose] {
        let bytes = key.encode(enc).unwrap();
        assert_eq!(PublicKey::decode(enc, &bytes).unwrap(), key, "{enc}");
    }
}

#[test]
fn debug_output_names_the_type_and_point() {
    let text = format!("{:?}", spec_key());
    assert!(text.contains("P256") && text.contains("049b2f12"), "{text}");
}
