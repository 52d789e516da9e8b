//! `ALG_KEY_COSE` (0x0104): public keys as COSE_Key maps (RFC 8152 §13, RFC 8230 for RSA,
//! RFC 8812 for secp256k1).

use alloc::vec::Vec;

use ciborium::Value;
use coset::{Algorithm, CborSerializable, CoseKey, KeyType as CoseKty, Label, iana, iana::EnumI64};
use uaf_proto::registry::AlgKey;

use crate::{
    CryptoError,
    key::{Inner, KeyType, ec_key, ed25519_key},
};

// Key-type-specific labels (RFC 8152 §13.1.1, §13.2; RFC 8230 §4).
const CRV: i64 = -1;
const X: i64 = -2;
const Y: i64 = -3;
const D: i64 = -4;
const RSA_N: i64 = -1;
const RSA_E: i64 = -2;
/// RSA private parameters `d` (-3) to `t` (-12), and `other` (-7) within that range.
const RSA_PRIVATE: core::ops::RangeInclusive<i64> = -12..=-3;

fn bad(reason: &'static str) -> CryptoError {
    CryptoError::BadKeyEncoding {
        encoding: AlgKey::Cose,
        reason,
    }
}

/// The value of the integer label `label`, if present (duplicates are rejected by coset).
fn param(key: &CoseKey, label: i64) -> Option<&Value> {
    key.params
        .iter()
        .find(|(l, _)| *l == Label::Int(label))
        .map(|(_, v)| v)
}

fn int_param(key: &CoseKey, label: i64, missing: &'static str) -> Result<i128, CryptoError> {
    param(key, label)
        .and_then(Value::as_integer)
        .map(i128::from)
        .ok_or(bad(missing))
}

fn bytes_param<'k>(
    key: &'k CoseKey,
    label: i64,
    missing: &'static str,
) -> Result<&'k [u8], CryptoError> {
    param(key, label)
        .and_then(Value::as_bytes)
        .map(Vec::as_slice)
        .ok_or(bad(missing))
}

/// The COSE algorithm value of the key, if it has one.
fn alg_value(key: &CoseKey) -> Result<Option<i64>, CryptoError> {
    match &key.alg {
        None => Ok(None),
        Some(Algorithm::Assigned(a)) => Ok(Some(a.to_i64())),
        Some(Algorithm::PrivateUse(_) | Algorithm::Text(_)) => {
            Err(bad("the key's alg is not a registered COSE algorithm"))
        }
    }
}

/// Decodes a COSE_Key public key.
pub(crate) fn decode(bytes: &[u8]) -> Result<Inner, CryptoError> {
    let key = CoseKey::from_slice(bytes).map_err(|_| {
        bad("not a well-formed COSE_Key CBOR map (RFC 8152 §13), or it has duplicate labels or trailing bytes")
    })?;
    let alg = alg_value(&key)?;
    match &key.kty {
        CoseKty::Assigned(iana::KeyType::EC2) => {
            if param(&key, D).is_some() {
                return Err(bad(
                    "the key holds a private key (d); only public keys are accepted",
                ));
            }
            let crv = int_param(&key, CRV, "an EC2 key needs an integer crv (-1)")?;
            let (kt, field, want_alg) = if crv == i128::from(iana::EllipticCurve::P_256.to_i64()) {
                (KeyType::P256, 32, iana::Algorithm::ES256)
            } else if crv == i128::from(iana::EllipticCurve::Secp256k1.to_i64()) {
                (KeyType::Secp256k1, 32, iana::Algorithm::ES256K)
            } else if crv == i128::from(iana::EllipticCurve::P_384.to_i64()) {
                (KeyType::P384, 48, iana::Algorithm::ES384)
            } else {
                return Err(bad(
                    "unsupported EC2 curve (P-256, secp256k1 and P-384 are known)",
                ));
            };
            if alg.is_some_and(|a| a != want_alg.to_i64()) {
                return Err(bad("the key's alg does not fit its curve"));
            }
            let x = bytes_param(&key, X, "an EC2 key needs the x coordinate (-2) as bytes")?;
            let y = match param(&key, Y) {
                Some(Value::Bytes(y)) => y.as_slice(),
                Some(Value::Bool(_)) => {
                    return Err(bad(
                        "compressed EC2 points (y as a sign bit) are not accepted",
                    ));
                }
                _ => return Err(bad("an EC2 key needs the y coordinate (-3) as bytes")),
            };
            if x.len() != field || y.len() != field {
                return Err(bad(
                    "the EC2 coordinates do not have the curve's field length",
                ));
            }
            let mut point = [0_u8; 97];
            let len = field.saturating_mul(2).saturating_add(1);
            let dst = point.get_mut(..len).ok_or(bad("EC2 point too long"))?;
            let (prefix, xy) = dst
                .split_at_mut_checked(1)
                .ok_or(bad("EC2 point too long"))?;
            let (dx, dy) = xy
                .split_at_mut_checked(field)
                .ok_or(bad("EC2 point too long"))?;
            prefix.fill(4);
            dx.copy_from_slice(x);
            dy.copy_from_slice(y);
            ec_key(kt, dst, AlgKey::Cose)
        }
        CoseKty::Assigned(iana::KeyType::OKP) => {
            if param(&key, D).is_some() {
                return Err(bad(
                    "the key holds a private key (d); only public keys are accepted",
                ));
            }
            let crv = int_param(&key, CRV, "an OKP key needs an integer crv (-1)")?;
            if crv != i128::from(iana::EllipticCurve::Ed25519.to_i64()) {
                return Err(bad("unsupported OKP curve (Ed25519 is known)"));
            }
            if alg.is_some_and(|a| {
                a != iana::Algorithm::EdDSA.to_i64() && a != iana::Algorithm::Ed25519.to_i64()
            }) {
                return Err(bad("the key's alg does not fit Ed25519"));
            }
            let x = bytes_param(&key, X, "an OKP key needs the public key x (-2) as bytes")?;
            ed25519_key(x, AlgKey::Cose)
        }
        CoseKty::Assigned(iana::KeyType::RSA) => {
            if key
                .params
                .iter()
                .any(|(l, _)| matches!(l, Label::Int(i) if RSA_PRIVATE.contains(i)))
            {
                return Err(bad(
                    "the key holds private RSA parameters; only public keys are accepted",
                ));
            }
            if alg.is_some_and(|a| {
                a != iana::Algorithm::PS256.to_i64() && a != iana::Algorithm::RS256.to_i64()
            }) {
                return Err(bad("the key's alg is not PS256 or RS256"));
            }
            let n = bytes_param(&key, RSA_N, "an RSA key needs the modulus n (-1) as bytes")?;
            let e = bytes_param(&key, RSA_E, "an RSA key needs the exponent e (-2) as bytes")?;
            rsa_key(n, e)
        }
        _ => Err(bad(
            "unsupported COSE key type (EC2, OKP and RSA are known)",
        )),
    }
}

#[cfg(feature = "rsa")]
fn rsa_key(n: &[u8], e: &[u8]) -> Result<Inner, CryptoError> {
    crate::key::rsa_key(n, e, AlgKey::Cose)
}

#[cfg(not(feature = "rsa"))]
fn rsa_key(_n: &[u8], _e: &[u8]) -> Result<Inner, CryptoError> {
    Err(CryptoError::UnsupportedKeyType(KeyType::Rsa))
}

/// An EC2 COSE_Key from an uncompressed point.
fn ec2(curve: iana::EllipticCurve, alg: iana::Algorithm, point: &[u8], field: usize) -> CoseKey {
    let xy = point.get(1..).unwrap_or(&[]);
    let (x, y) = xy.split_at_checked(field).unwrap_or((&[], &[]));
    CoseKey {
        kty: CoseKty::Assigned(iana::KeyType::EC2),
        alg: Some(Algorithm::Assigned(alg)),
        params: alloc::vec![
            (Label::Int(CRV), Value::from(curve.to_i64())),
            (Label::Int(X), Value::Bytes(x.to_vec())),
            (Label::Int(Y), Value::Bytes(y.to_vec())),
        ],
        ..CoseKey::default()
    }
}

/// Encodes a key as a COSE_Key in CTAP2 canonical order (kty, alg, then -1, -2, -3).
pub(crate) fn encode(inner: &Inner) -> Result<Vec<u8>, CryptoError> {
    let key = match inner {
        Inner::P256 { point, .. } => ec2(
            iana::EllipticCurve::P_256,
            iana::Algorithm::ES256,
            point,
            32,
        ),
        #[cfg(feature = "secp256k1")]
        Inner::Secp256k1 { point, .. } => ec2(
            iana::EllipticCurve::Secp256k1,
            iana::Algorithm::ES256K,
            point,
            32,
        ),
        #[cfg(feature = "p384")]
        Inner::P384 { point, .. } => ec2(
            iana::EllipticCurve::P_384,
            iana::Algorithm::ES384,
            point,
            48,
        ),
        #[cfg(feature = "ed25519")]
        Inner::Ed25519(key) => CoseKey {
            kty: CoseKty::Assigned(iana::KeyType::OKP),
            alg: Some(Algorithm::Assigned(iana::Algorithm::EdDSA)),
            params: alloc::vec![
                (
                    Label::Int(CRV),
                    Value::from(iana::EllipticCurve::Ed25519.to_i64())
                ),
                (Label::Int(X), Value::Bytes(key.as_bytes().to_vec())),
            ],
            ..CoseKey::default()
        },
        #[cfg(feature = "rsa")]
        Inner::Rsa(rsa) => CoseKey {
            kty: CoseKty::Assigned(iana::KeyType::RSA),
            params: alloc::vec![
                (Label::Int(RSA_N), Value::Bytes(rsa.n.clone())),
                (Label::Int(RSA_E), Value::Bytes(rsa.e.clone())),
            ],
            ..CoseKey::default()
        },
    };
    key.to_vec()
        .map_err(|_| bad("CBOR encoding of the COSE_Key failed"))
}
