//! # uaf-crypto — the algorithms of FIDO UAF
//!
//! Signature verification by `ALG_SIGN_*`, public keys by `ALG_KEY_*`, signing for the
//! authenticator, the UAF hashes, and (module [`attestation`]) attestation certificate chains
//! and the chain of a document signer with CRL revocation (the FIDO Metadata Service BLOB's
//! `x5c`, [`attestation::verify_signer_chain`]).
//! The values and encodings are those of the FIDO Registry of Predefined Values (our digest
//! §6.1, §6.2); what is signed is described in digest §5.5.
//!
//! **For**: a relying party checking UAF registration and authentication signatures, and an
//! authenticator (real or simulated) making them. **Not for**: parsing UAF messages or TLVs
//! (that is `uaf-proto`), protocol decisions such as counters or policy (`uaf-rp`), or general
//! purpose cryptography: only the algorithms UAF names are offered, and signing only on the
//! curves authenticators use.
//!
//! ## What is here
//!
//! - [`verify`] and the [`SignatureVerifier`] trait: verify a signature over the message bytes
//!   as received (the primitive hashes them). RAW ECDSA is exactly `r ‖ s`, DER is strict DER;
//!   a wrong encoding, a key that does not fit the algorithm, and an unsupported algorithm are
//!   distinct [`CryptoError`]s; nothing panics on any input.
//! - [`Backend`]: RustCrypto (default, pure Rust, `no_std`), and the fast server backends
//!   *ring* and AWS-LC behind features. They accept and reject the same inputs; no backend type
//!   appears in this crate's API.
//! - [`PublicKey`]: decode from and encode to every `ALG_KEY_*` encoding, COSE_Key included
//!   (the form in which a relying party stores a registered key).
//! - [`SigningKey`]: ECDSA P-256 (and secp256k1) signing in RAW and DER, hedged or
//!   deterministic (RFC 6979), with the scalar zeroized on drop and exportable for key wrapping.
//! - [`hash`]: SHA-256/384/512 for the final challenge hash and the transaction content hash.
//!
//! ## Features
//!
//! All additive. Without `alloc` the crate still verifies and signs P-256 with X9.62 keys.
//!
//! | feature | adds |
//! |---|---|
//! | `alloc` | COSE keys, `PublicKey::encode`, attestation chains, signer chains with CRLs |
//! | `std` (default) | `std::error::Error`, precomputed tables for faster P-256 signing |
//! | `secp256k1` | `ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW/DER`: keys, verification, signing |
//! | `p384` | `ALG_SIGN_SECP384R1_ECDSA_SHA384_RAW` |
//! | `ed25519` | `ALG_SIGN_ED25519_EDDSA_SHA512_RAW` |
//! | `rsa` | RSA keys; RSASSA-PSS-SHA256 and PKCS#1 v1.5 SHA-256 verification (implies `alloc`) |
//! | `ring` | the *ring* backend (implies `alloc`) |
//! | `aws-lc-rs` | the AWS-LC backend, the fastest measured; the recommended server backend (implies `std`) |
//!
//! [`verify`] uses [`Backend::fastest`], so enabling a fast backend speeds up every caller.
//!
//! ## Example
//!
//! Verify the authentication signature of the UAF protocol specification's Example 10 with
//! the `UAuth.pub` registered in its Example 8:
//!
//! ```
//! use uaf_crypto::{PublicKey, verify};
//! use uaf_proto::registry::{AlgKey, AlgSign};
//! # fn unhex(s: &str) -> Vec<u8> { hex::decode(s.replace(' ', "")).expect("hex literal") }
//!
//! let uauth_pub = unhex(
//!     "049b2f12d52c54a87bb66607849d85066de41d4f8e09d5a25185628e061af353\
//!      1f923435cfa5221db28ff7f9d1cc837d6a7a6b1ea0c6711eaaecedb4abfc9cb590",
//! );
//! // TAG_UAFV1_SIGNED_DATA, header included: the exact bytes received.
//! let signed_data = unhex(
//!     "043e8e000b2e0900414243442341424344 0e2e05000001010100 \
//!      0f2e20007c32240117f2dd5bdb03b16da28e0b964bec00aa6cba3f4ed8907cadc3cc3b07 \
//!      0a2e20005c02533f9d3ae69f5ca5c92db914ac8ce3014ea80db3fc07d88b4119827f9f1f \
//!      102e0000 092e200064c08f9fddb21efd48a7e8828816fa8b8003aba64ebf9ebd285402bd84897cd8 \
//!      0d2e040002000000",
//! );
//! let signature = unhex(
//!     "3c0339c06f3ec957d9b44dcb84af1610308440280521948ad80c50d0a181448c\
//!      c6cb372b7ba47a4ab5a5a1bb16fd6fe660660c26553edd8d0939e3531ae34e9e",
//! );
//!
//! let alg = AlgSign::Secp256r1EcdsaSha256Raw;
//! let key = PublicKey::decode_for(alg, AlgKey::EccX962Raw, &uauth_pub)?;
//! verify(alg, &key, &signed_data, &signature)?;
//! # Ok::<(), uaf_crypto::CryptoError>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod backend;
#[cfg(feature = "alloc")]
mod cose;
mod error;
mod hash;
mod key;
mod sig;
mod signing;

#[cfg(feature = "alloc")]
pub mod attestation;

pub use backend::{Backend, SignatureVerifier, is_supported, verify};
pub use error::CryptoError;
pub use hash::{Digest, hash};
pub use key::{KeyType, PublicKey};
pub use signing::{Signature, SigningKey};
