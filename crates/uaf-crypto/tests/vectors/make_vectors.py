#!/usr/bin/env python3
"""Makes tests/vectors/openssl.rs: signatures from OpenSSL (through pyca/cryptography), an
implementation independent of every backend of uaf-crypto.

Run from crates/uaf-crypto:  python3 tests/vectors/make_vectors.py > tests/vectors/openssl.rs
(pyca/cryptography 48.0 with OpenSSL 3.0 made the committed file). Keys are fresh each run, so
the output differs between runs; any run is a valid set of vectors.
"""
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

MSG = b"uaf-crypto vector: the exact received KRD or SignedData bytes"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

out = []


def const(name, data, doc):
    out.append(f"/// {doc}")
    out.append(f'pub(crate) const {name}: &str = "{data.hex()}";')


const("MESSAGE", MSG, "The signed message of every vector.")

# RSA 2048: PSS SHA-256 salt 32 (the FIDO registry's parameters), PSS salt 20 (must be
# rejected), PKCS#1 v1.5 SHA-256.
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pub = k.public_key()
const("RSA2048_SPKI", pub.public_bytes(serialization.Encoding.DER,
      serialization.PublicFormat.SubjectPublicKeyInfo), "RSA-2048 key, DER SubjectPublicKeyInfo.")
const("RSA2048_PKCS1", pub.public_bytes(serialization.Encoding.DER,
      serialization.PublicFormat.PKCS1), "The same key, DER PKCS#1 RSAPublicKey.")
nums = pub.public_numbers()
const("RSA2048_RAW", nums.n.to_bytes(256, "big") + nums.e.to_bytes(3, "big"),
      "The same key, ALG_KEY_RSA_2048_RAW: n (256 bytes) || e.")
const("RSA_PSS_SHA256_SALT32", k.sign(MSG, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
      hashes.SHA256()), "RSASSA-PSS SHA-256, MGF1 SHA-256, salt 32.")
const("RSA_PSS_SHA256_SALT20", k.sign(MSG, padding.PSS(padding.MGF1(hashes.SHA256()), 20),
      hashes.SHA256()), "RSASSA-PSS SHA-256 with salt 20: not the registry's salt length.")
const("RSA_PKCS1_SHA256", k.sign(MSG, padding.PKCS1v15(), hashes.SHA256()),
      "RSASSA-PKCS1-v1_5 SHA-256.")

k3 = rsa.generate_private_key(public_exponent=65537, key_size=3072)
const("RSA3072_SPKI", k3.public_key().public_bytes(serialization.Encoding.DER,
      serialization.PublicFormat.SubjectPublicKeyInfo), "RSA-3072 key, DER SubjectPublicKeyInfo.")
const("RSA3072_PKCS1_SHA256", k3.sign(MSG, padding.PKCS1v15(), hashes.SHA256()),
      "RSASSA-PKCS1-v1_5 SHA-256 with the 3072-bit key.")

# P-384 with SHA-384, RAW r || s.
k = ec.generate_private_key(ec.SECP384R1())
const("P384_POINT", k.public_key().public_bytes(serialization.Encoding.X962,
      serialization.PublicFormat.UncompressedPoint), "P-384 key, uncompressed point.")
r, s = decode_dss_signature(k.sign(MSG, ec.ECDSA(hashes.SHA384())))
const("P384_SIG_RAW", r.to_bytes(48, "big") + s.to_bytes(48, "big"), "ECDSA P-384 SHA-384, r || s.")

# secp256k1 with SHA-256: one low-S and one high-S signature (ECDSA accepts both).
k = ec.generate_private_key(ec.SECP256K1())
const("K256_POINT", k.public_key().public_bytes(serialization.Encoding.X962,
      serialization.PublicFormat.UncompressedPoint), "secp256k1 key, uncompressed point.")
const("K256_SPKI", k.public_key().public_bytes(serialization.Encoding.DER,
      serialization.PublicFormat.SubjectPublicKeyInfo), "The same key, DER SubjectPublicKeyInfo.")
r, s = decode_dss_signature(k.sign(MSG, ec.ECDSA(hashes.SHA256())))
low, high = min(s, SECP256K1_N - s), max(s, SECP256K1_N - s)
const("K256_SIG_LOW_S_RAW", r.to_bytes(32, "big") + low.to_bytes(32, "big"),
      "ECDSA secp256k1 SHA-256, r || s with s < n/2.")
const("K256_SIG_HIGH_S_RAW", r.to_bytes(32, "big") + high.to_bytes(32, "big"),
      "The same signature with s > n/2 (valid ECDSA; k256 alone would reject it).")

# Ed25519.
k = ed25519.Ed25519PrivateKey.generate()
const("ED25519_KEY", k.public_key().public_bytes(serialization.Encoding.Raw,
      serialization.PublicFormat.Raw), "Ed25519 public key, 32 bytes.")
const("ED25519_SPKI", k.public_key().public_bytes(serialization.Encoding.DER,
      serialization.PublicFormat.SubjectPublicKeyInfo), "The same key, DER SubjectPublicKeyInfo (RFC 8410).")
const("ED25519_SIG", k.sign(MSG), "Ed25519 signature.")

print("//! Vectors made by OpenSSL 3.0 through pyca/cryptography: `tests/vectors/make_vectors.py`.")
print("//! Generated; do not edit.")
print("#![allow(dead_code, reason = \"each test file uses a part\")]")
print()
print("\n".join(out))
