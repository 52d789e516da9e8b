//! Attestation certificate chains for Basic Full attestation (UAF-PROTO registration step
//! R5.11, `TAG_ATTESTATION_BASIC_FULL`).
//!
//! [`verify_attestation_chain`] takes the certificates of the `TAG_ATTESTATION_CERT` tags in
//! the order received (attestation certificate first, each next one the issuer of the one
//! before), the metadata statement's `attestationRootCertificates` (DER, after base64
//! decoding), the AAID of the assertion and the validation time, and returns the attestation
//! public key with which the caller verifies the KRD signature (step R5.11 5).
//!
//! # Rules
//!
//! * **Exact-DER pin.** Many metadata statements list the attestation certificate itself (or
//!   an intermediate) as a "root". When a root is byte-identical to a received certificate,
//!   that certificate is the trust anchor and only the certificates below it are validated
//!   against it. Its validity period is still checked, as for every received certificate on
//!   the path; its own signature is not (it is trusted as listed).
//! * **Trust anchors.** A metadata root that is not itself among the received certificates is
//!   used as RFC 5280 §6.1 uses a trust anchor: only its subject name and public key count;
//!   its validity period, signature and constraints are not checked.
//! * **Strict path** (default): RFC 5280 path validation by `rustls-webpki` with the metadata
//!   roots as trust anchors (the chain may include the root or not; both validate): X.509 v3
//!   only, signatures ECDSA P-256/SHA-256 (P-384/SHA-384 with feature `p384`, RSA PKCS#1 v1.5
//!   SHA-256 with feature `rsa`, moduli of 2048..=8192 bits), validity periods, basicConstraints
//!   `cA` and `pathLenConstraint`, nameConstraints, no unknown critical extension, any
//!   extended key usage or none (FIDO attestation leaves rarely carry one).
//! * **Legacy path** ([`ChainOptions::allow_legacy`], off by default): real UAF authenticators
//!   ship X.509 v1 attestation certificates, and the FIDO conformance test root signs with
//!   ECDSA-SHA1. When the strict path fails on a chain that has such a feature (a v1/v2
//!   certificate whose fields matter, or a SHA-1 signature that must be checked), this option
//!   validates it again with a simpler validator that also accepts v1 certificates and
//!   ECDSA-SHA1 / RSA-SHA1 signatures (RSA needs feature `rsa`). It takes the received order
//!   as the path (no path building) and checks, for every received certificate on the path:
//!   DER structure, validity, no critical extension outside basicConstraints, keyUsage,
//!   extKeyUsage, subjectAltName, key identifiers and cRLDistributionPoints; and for each
//!   issuer: subject equals the issued certificate's issuer (byte-for-byte), the signature
//!   verifies, and, for a received issuer, basicConstraints `cA` and keyUsage `keyCertSign`
//!   where present (a v1 CA has neither) and `pathLenConstraint`. SHA-1 is broken for
//!   collision resistance: enable this only for authenticator models that need it. Without
//!   the option such chains fail with [`AttestationError::LegacyCertificateVersion`] or
//!   [`AttestationError::LegacySignatureAlgorithm`]; a chain without such a feature never
//!   takes the legacy path, so the option cannot weaken the checks of a modern chain.
//! * **AAID extension.** If the attestation certificate carries the FIDO extension
//!   `id-fido-gen-ce-aaid` (`1.3.6.1.4.1.45724.1.1.1`, an OCTET STRING holding the 9 ASCII
//!   bytes of the AAID), its AAID must equal the assertion's (hex digits compare
//!   case-insensitively, as AAIDs do).
//! * **Bounded work.** At most [`ChainOptions::max_chain_len`] received certificates.
//! * **Time is an input.** The validation time is always passed in (sans-I/O).
//!   [`ChainOptions::danger_ignore_expiry`] relaxes the validity period for published test chains.
//!
//! Revocation (CRLs) is not checked for attestation chains; the metadata service's status
//! reports cover attestation key compromise.
//!
//! [`verify_signer_chain`] validates the chain of a *document signer* instead (the `x5c` of
//! the FIDO Metadata Service BLOB): to trust anchors the caller gives, by the same strict
//! rules, with revocation checked by CRLs ([`Revocation`]).
//!
//! # Example
//!
//! ```
//! use uaf_crypto::attestation::{AttestationError, ChainOptions, verify_attestation_chain};
//!
//! let chain: &[&[u8]] = &[]; // the TAG_ATTESTATION_CERT values, leaf first
//! let roots: &[&[u8]] = &[b"\x30\x00"]; // metadata attestationRootCertificates (DER)
//! let now = 1_767_225_600; // 2026-01-01T00:00:00Z, from the caller's clock
//! let result = verify_attestation_chain(chain, roots, None, now, &ChainOptions::new());
//! assert_eq!(result.unwrap_err(), AttestationError::NoCertificates);
//! ```

mod algorithms;
mod cert;
mod error;
mod legacy;
mod signer;
mod strict;

use alloc::vec::Vec;

use uaf_proto::id::Aaid;

use self::algorithms::is_sha1_identifier;
use self::cert::ParsedCert;
pub use self::error::{AttestationError, CertPosition};
pub use self::signer::{Revocation, VerifiedSigner, verify_signer_chain};

/// Options of [`verify_attestation_chain`]. [`ChainOptions::new`] (= `Default`) is strict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainOptions {
    allow_legacy: bool,
    ignore_expiry: bool,
    max_chain_len: usize,
}

impl ChainOptions {
    /// Default limit on the number of received certificates: the attestation certificate,
    /// up to three CA certificates and the root (FIDO chains seldom exceed three).
    pub const DEFAULT_MAX_CHAIN_LEN: usize = 5;

    /// Strict options: no legacy path, expiry enforced, at most
    /// [`DEFAULT_MAX_CHAIN_LEN`](Self::DEFAULT_MAX_CHAIN_LEN) certificates.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            allow_legacy: false,
            ignore_expiry: false,
            max_chain_len: Self::DEFAULT_MAX_CHAIN_LEN,
        }
    }

    /// Allows the legacy path: X.509 v1 certificates and ECDSA-SHA1 / RSA-SHA1 signatures
    /// (see the [module docs](self)). A compatibility option for authenticator models that
    /// need it; SHA-1 signatures are forgeable by a well-funded attacker.
    #[must_use]
    pub const fn allow_legacy(mut self, allow: bool) -> Self {
        self.allow_legacy = allow;
        self
    }

    /// **Dangerous.** Accepts certificates outside their validity period — expired, or not yet
    /// valid (the verifier's named compatibility option `ignore-attestation-expiry`: published
    /// test chains, such as the UAF specification's examples, have expired; devices with a
    /// wrong clock issue certificates valid from the future). Signatures and chaining are
    /// still checked.
    ///
    /// Risk: an expired attestation certificate is no longer maintained by its vendor; if its
    /// key leaked after expiry, no revocation will say so, and anyone holding the key can
    /// then attest arbitrary keys as that authenticator model. Use it for tests and
    /// conformance runs, not for production registration.
    ///
    /// How: the chain is validated at the instant nearest to the given time at which every
    /// received certificate on the path is valid (the earliest `notAfter` if the given time
    /// is later, the latest `notBefore` if it is earlier); a chain with no such instant still
    /// fails, and [`VerifiedChain::expiry_ignored`] says whether the option changed the result.
    #[must_use]
    pub const fn danger_ignore_expiry(mut self, ignore: bool) -> Self {
        self.ignore_expiry = ignore;
        self
    }

    /// Sets the largest number of received certificates accepted (the leaf included). A chain
    /// with more certificates fails with [`AttestationError::ChainTooLong`] before any parsing.
    #[must_use]
    pub const fn max_chain_len(mut self, max: usize) -> Self {
        self.max_chain_len = max;
        self
    }

    /// Whether the legacy path is allowed.
    #[must_use]
    pub const fn is_legacy_allowed(&self) -> bool {
        self.allow_legacy
    }

    /// Whether expired certificates are accepted.
    #[must_use]
    pub const fn is_expiry_ignored(&self) -> bool {
        self.ignore_expiry
    }

    /// The largest number of received certificates accepted.
    #[must_use]
    pub const fn chain_len_limit(&self) -> usize {
        self.max_chain_len
    }
}

impl Default for ChainOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// The type of a public key, from its SubjectPublicKeyInfo algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PublicKeyKind {
    /// `id-ecPublicKey` on `secp256r1` (P-256).
    EcP256,
    /// `id-ecPublicKey` on `secp384r1` (P-384).
    EcP384,
    /// `id-ecPublicKey` on `secp256k1`.
    EcSecp256k1,
    /// `rsaEncryption`.
    Rsa,
    /// `id-Ed25519`.
    Ed25519,
    /// Any other algorithm or curve.
    Other,
}

/// Which trust anchor the validated path ends at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrustAnchorMatch {
    /// The last certificate on the path was issued by `roots[root_index]`.
    IssuedByRoot {
        /// Index into the `roots` argument.
        root_index: usize,
    },
    /// `chain[chain_index]` is byte-identical to `roots[root_index]` and was trusted as
    /// listed (exact-DER pin; `chain_index` 0 means the attestation certificate itself).
    Pinned {
        /// Index into the `chain` argument.
        chain_index: usize,
        /// Index into the `roots` argument.
        root_index: usize,
    },
}

/// A validated attestation chain: the attestation public key and how it was trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedChain {
    leaf_spki: Vec<u8>,
    leaf_public_key: Vec<u8>,
    leaf_key_kind: PublicKeyKind,
    leaf_aaid: Option<Aaid>,
    anchor: TrustAnchorMatch,
    path_len: usize,
    legacy: bool,
    expiry_ignored: bool,
}

impl VerifiedChain {
    /// The attestation certificate's SubjectPublicKeyInfo (DER), for verifying the KRD
    /// signature (R5.11 5) with the key decoder for `ALG_KEY_ECC_X962_DER`-style keys.
    #[must_use]
    pub fn leaf_spki_der(&self) -> &[u8] {
        &self.leaf_spki
    }

    /// The attestation certificate's `subjectPublicKey` bits: for an EC key the SEC1 point
    /// (`04‖x‖y`, as `ALG_KEY_ECC_X962_RAW`), for RSA the PKCS#1 `RSAPublicKey`.
    #[must_use]
    pub fn leaf_public_key(&self) -> &[u8] {
        &self.leaf_public_key
    }

    /// The type of the attestation public key. The caller must check that it fits the
    /// assertion's `SignatureAlgAndEncoding` before verifying the KRD signature.
    #[must_use]
    pub const fn leaf_key_kind(&self) -> PublicKeyKind {
        self.leaf_key_kind
    }

    /// The AAID in the attestation certificate's FIDO extension, if it has one (then it
    /// equals the expected AAID, when one was given).
    #[must_use]
    pub const fn leaf_aaid(&self) -> Option<Aaid> {
        self.leaf_aaid
    }

    /// The trust anchor the path ends at.
    #[must_use]
    pub const fn anchor(&self) -> TrustAnchorMatch {
        self.anchor
    }

    /// Number of received certificates on the validated path, the attestation certificate
    /// included (received certificates that took no part are not counted).
    #[must_use]
    pub const fn path_len(&self) -> usize {
        self.path_len
    }

    /// Whether the legacy path validated the chain (record it for audit).
    #[must_use]
    pub const fn used_legacy_path(&self) -> bool {
        self.legacy
    }

    /// Whether [`ChainOptions::danger_ignore_expiry`] was needed: some certificate on the
    /// path had expired at the given time (record it for audit).
    #[must_use]
    pub const fn expiry_ignored(&self) -> bool {
        self.expiry_ignored
    }
}

/// A received certificate that is byte-identical to a metadata root.
#[derive(Clone, Copy, Debug)]
struct Pinned {
    chain_index: usize,
    root_index: usize,
}

/// Validates a Basic Full attestation chain (UAF-PROTO R5.11 steps 1-4).
///
/// * `chain`: the DER certificates of the `TAG_ATTESTATION_CERT` tags, in the order received
///   (`chain[0]` is the attestation certificate).
/// * `roots`: the metadata statement's `attestationRootCertificates`, base64-decoded DER.
/// * `expected_aaid`: the assertion's AAID (`TAG_AAID`), compared with the certificate's
///   AAID extension when the certificate has one; `None` skips that comparison.
/// * `time_unix_secs`: the validation time, seconds since the Unix epoch.
///
/// The rules are in the [module documentation](self).
///
/// # Errors
///
/// An [`AttestationError`] saying why the chain is not trusted.
pub fn verify_attestation_chain(
    chain: &[&[u8]],
    roots: &[&[u8]],
    expected_aaid: Option<&Aaid>,
    time_unix_secs: u64,
    options: &ChainOptions,
) -> Result<VerifiedChain, AttestationError> {
    // UAF-PROTO R5.11 (Basic Full) 2: at least one TAG_ATTESTATION_CERT.
    if chain.is_empty() {
        return Err(AttestationError::NoCertificates);
    }
    // Bound the work before parsing anything.
    if chain.len() > options.max_chain_len {
        return Err(AttestationError::ChainTooLong {
            len: chain.len(),
            max: options.max_chain_len,
        });
    }
    // UAF-PROTO R5.11 (Basic Full) 1: attestationRootCertificates must not be empty.
    if roots.is_empty() {
        return Err(AttestationError::NoTrustAnchors);
    }
    // UAF-PROTO R5.11 (Basic Full) 2: each certificate must parse as DER X.509.
    let parsed = chain
        .iter()
        .enumerate()
        .map(|(i, der)| ParsedCert::parse(der, CertPosition::Chain(i)))
        .collect::<Result<Vec<_>, _>>()?;

    // Exact-DER pin: the first received certificate that a metadata root repeats.
    let pinned = chain.iter().enumerate().find_map(|(chain_index, cert)| {
        roots
            .iter()
            .position(|root| root == cert)
            .map(|root_index| Pinned {
                chain_index,
                root_index,
            })
    });
    let path_end = pinned.map_or(parsed.len(), |pin| pin.chain_index.saturating_add(1));
    let path = parsed
        .get(..path_end)
        .ok_or(AttestationError::NoCertificates)?;

    let (time, expiry_ignored) = if options.ignore_expiry {
        // The instant inside every received certificate's validity that is nearest to the
        // given time: the earliest `notAfter` if that time is later, the latest `notBefore`
        // if it is earlier. With no common instant, the given time is kept (and fails).
        let earliest_expiry = path
            .iter()
            .map(ParsedCert::not_after)
            .min()
            .unwrap_or(time_unix_secs);
        let latest_start = path
            .iter()
            .map(ParsedCert::not_before)
            .max()
            .unwrap_or(time_unix_secs);
        let time = if latest_start > earliest_expiry {
            time_unix_secs
        } else {
            time_unix_secs.clamp(latest_start, earliest_expiry)
        };
        (time, time != time_unix_secs)
    } else {
        (time_unix_secs, false)
    };

    // UAF-PROTO R5.11 (Basic Full) 3: a path from the leaf to a metadata root.
    let (anchor, path_len, legacy) = match strict::verify(path, roots, pinned, time) {
        Ok(outcome) => (outcome.anchor, outcome.path_len, false),
        Err(strict_error) => match legacy_feature(path, pinned) {
            None => return Err(strict_error),
            Some(legacy_error) if !options.allow_legacy => return Err(legacy_error),
            Some(_) => {
                let outcome = legacy::verify(path, roots, pinned, time)?;
                (outcome.anchor, outcome.path_len, true)
            }
        },
    };

    // UAF-PROTO R5.11 (Basic Full) 4: the AAID extension, if present, names this AAID.
    let leaf = parsed.first().ok_or(AttestationError::NoCertificates)?;
    let leaf_aaid = leaf.aaid()?;
    if let (Some(found), Some(expected)) = (leaf_aaid, expected_aaid) {
        if found != *expected {
            return Err(AttestationError::AaidMismatch {
                expected: *expected,
                found,
            });
        }
    }

    Ok(VerifiedChain {
        leaf_spki: leaf.spki_der()?,
        leaf_public_key: leaf.subject_public_key()?.to_vec(),
        leaf_key_kind: algorithms::public_key_kind(leaf.tbs.subject_public_key_info()),
        leaf_aaid,
        anchor,
        path_len,
        legacy,
        expiry_ignored,
    })
}

/// The first feature of `path` that only the legacy path accepts: a SHA-1 signature that
/// must be verified (on every certificate except a pinned anchor), or a certificate that is
/// not v3 where rustls-webpki must parse it fully (the leaf, and every certificate below a
/// pinned anchor; v1 trust anchors are supported by both paths).
fn legacy_feature(path: &[ParsedCert<'_>], pinned: Option<Pinned>) -> Option<AttestationError> {
    let verified_signatures = pinned.map_or(path.len(), |pin| pin.chain_index);
    path.iter().enumerate().find_map(|(k, cert)| {
        let signature_checked = k < verified_signatures;
        if (signature_checked || k == 0) && !cert.is_v3() {
            Some(AttestationError::LegacyCertificateVersion {
                position: cert.position,
            })
        } else if signature_checked && is_sha1_identifier(&cert.signature_algorithm) {
            Some(AttestationError::LegacySignatureAlgorithm {
                position: cert.position,
            })
        } else {
            None
        }
    })
}
