//! The FIDO Metadata Service BLOB (MDS v3.0 §3.1.6, §3.2): a JWS in compact serialization
//! whose payload is a `MetadataBLOBPayload`, verified to a trust anchor and turned into a
//! [`MetadataIndex`].
//!
//! Checks, in order (the source of each rule in the first column; the error names what
//! failed):
//!
//! | source | check | error |
//! |---|---|---|
//! | RFC 7515 §7.1, §2 | three unpadded base64url parts separated by `.` | [`BlobError::NotCompactJws`], [`BlobError::Base64`] |
//! | RFC 7515 §4.1.1, §4.1.11 | header: JSON object; `alg` one of ES256, RS256, PS256, EdDSA; no `crit` | [`BlobError::Header`], [`BlobError::UnsupportedAlgorithm`], [`BlobError::CriticalHeader`] |
//! | MDS v3.0 §3.2 (x5u, x5c) | `x5u` is refused (no fetching inside the library); `x5c` required, standard base64 DER | [`BlobError::X5uNotSupported`], [`BlobError::Header`], [`BlobError::Base64`] |
//! | MDS v3.0 §3.2 (chain) | the `x5c` chain validates to a trust anchor at `now`, no certificate revoked by the CRLs given | [`BlobError::Chain`] |
//! | MDS v3.0 §3.2 (signature) | the JWS signature verifies with the key of `x5c[0]` over the received `header.payload` bytes | [`BlobError::SignerKeyMismatch`], [`BlobError::Signature`] |
//! | MDS v3.0 §3.1.6 | payload: `legalHeader`, `no`, `nextUpdate`, `entries` well-formed | [`BlobError::Payload`] (field path) |
//! | MDS v3.0 §3.2 (no) | `no` greater than the last accepted BLOB's | [`BlobError::NotNewer`] |
//! | MDS v3.0 §3.1.1 | UAF entries (with `aaid`) into the index; FIDO2/U2F entries counted | [`BlobError::Index`] |
//!
//! The signature is verified before the payload is parsed: untrusted JSON beyond the header is
//! never read.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use uaf_crypto::attestation::{
    AttestationError, ChainOptions, PublicKeyKind, Revocation, verify_signer_chain,
};
use uaf_crypto::{CryptoError, PublicKey};
use uaf_proto::b64::{self, Base64Error, Base64Policy};
use uaf_proto::message::json::Value;
use uaf_proto::registry::{AlgKey, AlgSign};

use crate::entry::MetadataEntry;
use crate::error::MetadataError;
use crate::index::{IndexError, MetadataIndex};
use crate::json::{self, Path};
use crate::options::ParseOptions;
use crate::status::{self, IsoDate};

/// The root certificate of the FIDO Metadata Service (DER): *GlobalSign Root CA - R3*
/// (`OU=GlobalSign Root CA - R3, O=GlobalSign, CN=GlobalSign`, valid 2009-03-18 to
/// 2029-03-18, SHA-256 fingerprint
/// `CB:B5:22:D7:B7:F1:27:AD:6A:01:13:86:5B:DF:1C:D4:10:2E:7D:07:59:AF:63:5A:7C:F4:72:0D:C9:63:C5:3B`),
/// which the FIDO Alliance names as the root of `https://mds3.fidoalliance.org/` and which
/// GlobalSign publishes at `https://secure.globalsign.com/cacert/root-r3.crt`. The default
/// trust anchor of [`BlobVerifier`]; replace it with [`BlobVerifier::trust_anchors`].
pub const FIDO_MDS_ROOT_DER: &[u8] = include_bytes!("data/fido-mds-root.der");

/// The JWS signature algorithms accepted for the BLOB (`alg`, RFC 7518 §3.1, RFC 8037).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// `ES256`: ECDSA P-256 with SHA-256, signature `r ‖ s` (64 bytes).
    Es256,
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256 (needs feature `rsa`; the FIDO MDS uses it).
    Rs256,
    /// `PS256`: RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (needs feature `rsa`).
    Ps256,
    /// `EdDSA` over Ed25519 (needs `uaf-crypto`'s feature `ed25519`).
    EdDsa,
}

impl JwsAlgorithm {
    /// The algorithm named `alg`, if accepted (`none` and HMAC algorithms never are).
    #[must_use]
    pub fn from_name(alg: &str) -> Option<Self> {
        match alg {
            "ES256" => Some(JwsAlgorithm::Es256),
            "RS256" => Some(JwsAlgorithm::Rs256),
            "PS256" => Some(JwsAlgorithm::Ps256),
            "EdDSA" => Some(JwsAlgorithm::EdDsa),
            _ => None,
        }
    }

    /// The `alg` name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            JwsAlgorithm::Es256 => "ES256",
            JwsAlgorithm::Rs256 => "RS256",
            JwsAlgorithm::Ps256 => "PS256",
            JwsAlgorithm::EdDsa => "EdDSA",
        }
    }

    /// The UAF signature algorithm with the same primitive, and the key encoding of an SPKI.
    const fn primitive(self) -> (AlgSign, AlgKey) {
        match self {
            JwsAlgorithm::Es256 => (AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::EccX962Der),
            JwsAlgorithm::Rs256 => (AlgSign::RsassaPkcsv15Sha256Raw, AlgKey::Rsa2048Der),
            JwsAlgorithm::Ps256 => (AlgSign::RsassaPssSha256Raw, AlgKey::Rsa2048Der),
            JwsAlgorithm::EdDsa => (AlgSign::Ed25519EddsaSha512Raw, AlgKey::EccX962Der),
        }
    }

    /// Whether a signer key of `kind` can make this algorithm's signatures.
    const fn fits(self, kind: PublicKeyKind) -> bool {
        matches!(
            (self, kind),
            (JwsAlgorithm::Es256, PublicKeyKind::EcP256)
                | (
                    JwsAlgorithm::Rs256 | JwsAlgorithm::Ps256,
                    PublicKeyKind::Rsa
                )
                | (JwsAlgorithm::EdDsa, PublicKeyKind::Ed25519)
        )
    }
}

impl fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The three parts of a compact JWS, for errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwsPart {
    /// The protected header.
    Header,
    /// The payload.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for JwsPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JwsPart::Header => "header",
            JwsPart::Payload => "payload",
            JwsPart::Signature => "signature",
        })
    }
}

/// Why a Metadata Service BLOB was not accepted. Each variant names what failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobError {
    /// The text is not a JWS in compact serialization (three parts separated by `.`).
    NotCompactJws {
        /// What is wrong.
        reason: &'static str,
    },
    /// A part is not unpadded base64url (RFC 7515 §2), or the `x5c` certificate at `index` is
    /// not standard base64 (RFC 7515 §4.1.6) — then `part` is the header.
    Base64 {
        /// Which part.
        part: JwsPart,
        /// Which `x5c` certificate, when the error is in one.
        x5c_index: Option<usize>,
        /// What the decoder found.
        error: Base64Error,
    },
    /// The protected header is not a well-formed JOSE header: the error's path names the
    /// member (`alg`, `x5c[1]`), relative to the header.
    Header(MetadataError),
    /// The header names a signature algorithm that is not accepted (`none`, HMAC, unknown).
    UnsupportedAlgorithm {
        /// The `alg` value.
        alg: String,
    },
    /// The header has a `crit` member: no JWS extension is understood (RFC 7515 §4.1.11).
    CriticalHeader,
    /// The header has `x5u` (a URL of the signer's certificate chain): the library does not
    /// fetch anything. Download the chain yourself, or use a BLOB with `x5c`.
    X5uNotSupported,
    /// The `x5c` chain is not trusted: the inner error says why (unknown issuer = wrong trust
    /// anchor, [`AttestationError::CertificateExpired`], [`AttestationError::CertificateRevoked`],
    /// [`AttestationError::RevocationStatusUnknown`], [`AttestationError::CrlExpired`], …).
    Chain(AttestationError),
    /// The signer certificate's key does not fit `alg` (e.g. an EC key with `RS256`).
    SignerKeyMismatch {
        /// The header's algorithm.
        alg: JwsAlgorithm,
        /// The key type of `x5c[0]`.
        key: PublicKeyKind,
    },
    /// The JWS signature does not verify (or is malformed, or its algorithm is not compiled
    /// in): the inner error says which.
    Signature(CryptoError),
    /// The payload is not a well-formed `MetadataBLOBPayload`: the error's path names the
    /// field, relative to the payload (`no`, `entries[3].statusReports[0].status`).
    Payload(MetadataError),
    /// The BLOB's `no` is not greater than the last accepted BLOB's (MDS v3.0 §3.2: a replayed
    /// or rolled-back BLOB).
    NotNewer {
        /// The BLOB's `no`.
        no: u64,
        /// The last accepted `no`.
        last_accepted: u64,
    },
    /// A UAF entry could not be indexed (two entries for one AAID, or a statement whose
    /// `protocolFamily` is not `uaf`).
    Index {
        /// Index into `entries`.
        entry: usize,
        /// Why.
        error: IndexError,
    },
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobError::NotCompactJws { reason } => {
                write!(f, "metadata BLOB: not a compact JWS: {reason}")
            }
            BlobError::Base64 {
                part,
                x5c_index: Some(i),
                error,
            } => write!(
                f,
                "metadata BLOB {part}: x5c[{i}] is not standard base64: {error}"
            ),
            BlobError::Base64 { part, error, .. } => {
                write!(f, "metadata BLOB {part}: not base64url: {error}")
            }
            BlobError::Header(error) => write!(f, "metadata BLOB header: {error}"),
            BlobError::UnsupportedAlgorithm { alg } => write!(
                f,
                "metadata BLOB header: alg {alg:?} is not accepted (ES256, RS256, PS256, EdDSA)"
            ),
            BlobError::CriticalHeader => f.write_str(
                "metadata BLOB header: `crit` names extensions that this verifier does not understand",
            ),
            BlobError::X5uNotSupported => f.write_str(
                "metadata BLOB header: x5u (a URL of the certificate chain) is not fetched; use a BLOB with x5c",
            ),
            BlobError::Chain(error) => {
                write!(f, "metadata BLOB signer certificate chain: {error}")
            }
            BlobError::SignerKeyMismatch { alg, key } => write!(
                f,
                "metadata BLOB: the signer certificate's key ({key:?}) cannot make {alg} signatures"
            ),
            BlobError::Signature(error) => {
                write!(f, "metadata BLOB signature does not verify: {error}")
            }
            BlobError::Payload(error) => write!(f, "metadata BLOB payload: {error}"),
            BlobError::NotNewer { no, last_accepted } => write!(
                f,
                "metadata BLOB number {no} is not greater than the last accepted number {last_accepted} (replayed or rolled back)"
            ),
            BlobError::Index { entry, error } => {
                write!(f, "metadata BLOB entries[{entry}]: {error}")
            }
        }
    }
}

impl core::error::Error for BlobError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            BlobError::Header(e) | BlobError::Payload(e) => Some(e),
            BlobError::Chain(e) => Some(e),
            BlobError::Signature(e) => Some(e),
            BlobError::Index { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// How a BLOB is verified: trust anchors, revocation, the last accepted `no`, the time.
///
/// [`BlobVerifier::new`] trusts [`FIDO_MDS_ROOT_DER`] and checks revocation with the CRLs it
/// is given; both can be changed, revocation only by the named
/// [`BlobVerifier::danger_skip_revocation`].
#[derive(Clone, Debug)]
pub struct BlobVerifier<'a> {
    anchors: &'a [&'a [u8]],
    crls: &'a [&'a [u8]],
    skip_revocation: bool,
    last_accepted_no: Option<u64>,
    now: u64,
    parse_options: ParseOptions,
}

/// The default trust anchors.
static FIDO_MDS_ROOTS: [&[u8]; 1] = [FIDO_MDS_ROOT_DER];

impl<'a> BlobVerifier<'a> {
    /// Verifies at `now_unix_secs` (seconds since the Unix epoch, from the caller's clock), to
    /// the FIDO MDS root, with revocation checked by `crls` (DER CRLs: for the FIDO MDS, the
    /// root's CRL and the signing CA's CRL, named by the certificates' CRL distribution points).
    #[must_use]
    pub fn new(now_unix_secs: u64, crls: &'a [&'a [u8]]) -> Self {
        BlobVerifier {
            anchors: &FIDO_MDS_ROOTS,
            crls,
            skip_revocation: false,
            last_accepted_no: None,
            now: now_unix_secs,
            parse_options: ParseOptions::new(),
        }
    }

    /// Replaces the trust anchors (DER certificates), e.g. with a test or private MDS root.
    #[must_use]
    pub fn trust_anchors(mut self, anchors: &'a [&'a [u8]]) -> Self {
        self.anchors = anchors;
        self
    }

    /// Refuses a BLOB whose `no` is not greater than `no` (the last BLOB accepted).
    #[must_use]
    pub fn last_accepted_no(mut self, no: u64) -> Self {
        self.last_accepted_no = Some(no);
        self
    }

    /// **Dangerous.** Does not check the revocation of the `x5c` certificates: a signing key
    /// that leaked and was revoked by its CA is still accepted, so anyone holding it could
    /// serve a forged BLOB (marking revoked authenticators as certified). Off by default; for
    /// tests and for deployments that check revocation by other means.
    #[must_use]
    pub fn danger_skip_revocation(mut self, skip: bool) -> Self {
        self.skip_revocation = skip;
        self
    }

    /// How the entries' statements are read (e.g. whitespace in certificates).
    #[must_use]
    pub fn parse_options(mut self, options: ParseOptions) -> Self {
        self.parse_options = options;
        self
    }

    /// Verifies the BLOB `jws` (the compact JWS text as downloaded; surrounding whitespace is
    /// ignored) and reads its UAF entries. The steps are in the [module docs](self).
    ///
    /// # Errors
    /// A [`BlobError`] naming the first check that failed.
    pub fn verify(&self, jws: &str) -> Result<MetadataBlob, BlobError> {
        let text = jws.trim_ascii();
        // RFC 7515 §7.1: compact serialization.
        let mut parts = text.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(BlobError::NotCompactJws {
                reason: "expected exactly three parts separated by '.'",
            });
        };
        let decode = |part: JwsPart, text: &str| {
            Base64Policy::Strict
                .decode(text)
                .map_err(|error| BlobError::Base64 {
                    part,
                    x5c_index: None,
                    error,
                })
        };
        let header_bytes = decode(JwsPart::Header, header_b64)?;
        let header = Header::parse(&header_bytes)?;
        let signature = decode(JwsPart::Signature, signature_b64)?;

        // MDS v3.0 §3.2 (chain): x5c to a trust anchor, with revocation.
        let chain: Vec<&[u8]> = header.x5c.iter().map(Vec::as_slice).collect();
        let revocation = if self.skip_revocation {
            Revocation::DangerNotChecked
        } else {
            Revocation::Crls(self.crls)
        };
        let signer = verify_signer_chain(
            &chain,
            self.anchors,
            revocation,
            self.now,
            &ChainOptions::new(),
        )
        .map_err(BlobError::Chain)?;

        // MDS v3.0 §3.2 (signature): over the received ASCII(header '.' payload), RFC 7515 §5.2.
        if !header.alg.fits(signer.leaf_key_kind()) {
            return Err(BlobError::SignerKeyMismatch {
                alg: header.alg,
                key: signer.leaf_key_kind(),
            });
        }
        let signing_input_len = header_b64
            .len()
            .saturating_add(1)
            .saturating_add(payload_b64.len());
        let signing_input =
            text.as_bytes()
                .get(..signing_input_len)
                .ok_or(BlobError::NotCompactJws {
                    reason: "the signing input is out of range",
                })?;
        let (sign_alg, key_encoding) = header.alg.primitive();
        let key = PublicKey::decode_for(sign_alg, key_encoding, signer.leaf_spki_der())
            .map_err(BlobError::Signature)?;
        uaf_crypto::verify(sign_alg, &key, signing_input, &signature)
            .map_err(BlobError::Signature)?;

        // MDS v3.0 §3.1.6: the payload, now that it is authentic; §3.2 (no): newer than the last.
        let payload_bytes = decode(JwsPart::Payload, payload_b64)?;
        let blob = MetadataBlob::from_payload(&payload_bytes, header.alg, &self.parse_options)?;
        if let Some(last_accepted) = self.last_accepted_no {
            if blob.no <= last_accepted {
                return Err(BlobError::NotNewer {
                    no: blob.no,
                    last_accepted,
                });
            }
        }
        Ok(blob)
    }
}

/// The members of the protected header that matter.
struct Header {
    alg: JwsAlgorithm,
    x5c: Vec<Vec<u8>>,
}

impl Header {
    fn parse(bytes: &[u8]) -> Result<Self, BlobError> {
        let text = core::str::from_utf8(bytes)
            .map_err(|_| BlobError::Header(MetadataError::Syntax { line: 1, column: 1 }))?;
        let value = json::parse(text).map_err(BlobError::Header)?;
        let root = Path::ROOT;
        let o = json::object(&value, &root).map_err(BlobError::Header)?;
        let alg_name = o
            .req(&root, "alg", json::string)
            .map_err(BlobError::Header)?;
        let alg =
            JwsAlgorithm::from_name(alg_name).ok_or_else(|| BlobError::UnsupportedAlgorithm {
                alg: alg_name.into(),
            })?;
        // RFC 7515 §4.1.11: `crit` lists extensions that must be understood; none is.
        if o.has("crit") {
            return Err(BlobError::CriticalHeader);
        }
        // MDS v3.0 §3.2 (x5u, x5c): the chain comes from `x5c`; nothing is fetched.
        if o.has("x5u") {
            return Err(BlobError::X5uNotSupported);
        }
        let mut base64_error = None;
        let x5c = o
            .req(&root, "x5c", |v, p| {
                json::non_empty_array(v, p, "an array of base64 certificates", |v, p| {
                    let s = json::string(v, p)?;
                    match b64::decode_standard(s) {
                        Ok(der) => Ok(der),
                        Err(error) => {
                            base64_error = Some(error);
                            Err(p.invalid("not standard base64"))
                        }
                    }
                })
            })
            .map_err(|e| match (base64_error, e.path()) {
                (Some(error), Some(path)) => BlobError::Base64 {
                    part: JwsPart::Header,
                    x5c_index: x5c_index(path),
                    error,
                },
                _ => BlobError::Header(e),
            })?;
        Ok(Header { alg, x5c })
    }
}

/// `3` from `x5c[3]`.
fn x5c_index(path: &str) -> Option<usize> {
    path.strip_prefix("x5c[")?.strip_suffix(']')?.parse().ok()
}

/// A verified Metadata Service BLOB: its numbers and the UAF entries, indexed.
#[derive(Clone, Debug)]
pub struct MetadataBlob {
    legal_header: String,
    no: u64,
    next_update: IsoDate,
    alg: JwsAlgorithm,
    index: MetadataIndex,
    entries_total: usize,
    skipped_non_uaf: usize,
    skipped_without_statement: usize,
}

impl MetadataBlob {
    /// Reads a `MetadataBLOBPayload` (MDS v3.0 §3.1.6).
    fn from_payload(
        bytes: &[u8],
        alg: JwsAlgorithm,
        options: &ParseOptions,
    ) -> Result<Self, BlobError> {
        let text = core::str::from_utf8(bytes)
            .map_err(|_| BlobError::Payload(MetadataError::Syntax { line: 1, column: 1 }))?;
        let value = json::parse(text).map_err(BlobError::Payload)?;
        let root = Path::ROOT;
        let o = json::object(&value, &root).map_err(BlobError::Payload)?;
        let legal_header = o
            .req(&root, "legalHeader", json::string)
            .map_err(BlobError::Payload)?
            .into();
        let no = o
            .req(&root, "no", |v, p| {
                json::uint::<u64>(v, p, "a non-negative integer")
            })
            .map_err(BlobError::Payload)?;
        let next_update = o
            .req(&root, "nextUpdate", status::date)
            .map_err(BlobError::Payload)?;
        let mut index = MetadataIndex::new();
        let mut skipped_non_uaf = 0_usize;
        let mut skipped_without_statement = 0_usize;
        let entries_path = root.field("entries");
        let entries = match o
            .req(&root, "entries", |v, _| Ok(v))
            .map_err(BlobError::Payload)?
        {
            Value::Array(items) => items,
            other => {
                return Err(BlobError::Payload(
                    entries_path.wrong_type("an array of MetadataBLOBPayloadEntry objects", other),
                ));
            }
        };
        for (i, entry) in entries.iter().enumerate() {
            let p = entries_path.index(i);
            let eo = json::object(entry, &p).map_err(BlobError::Payload)?;
            // MDS v3.0 §3.1.1: `aaid` for UAF; `aaguid` (FIDO2) and
            // `attestationCertificateKeyIdentifiers` (U2F) entries are not for this verifier.
            if !eo.has("aaid") {
                skipped_non_uaf = skipped_non_uaf.saturating_add(1);
                continue;
            }
            if !eo.has("metadataStatement") {
                // A model known by its status reports only: nothing a UAF verifier can check
                // an assertion against.
                skipped_without_statement = skipped_without_statement.saturating_add(1);
                continue;
            }
            let parsed =
                MetadataEntry::from_value(entry, &p, options).map_err(BlobError::Payload)?;
            index
                .insert(parsed)
                .map_err(|error| BlobError::Index { entry: i, error })?;
        }
        Ok(MetadataBlob {
            legal_header,
            no,
            next_update,
            alg,
            index,
            entries_total: entries.len(),
            skipped_non_uaf,
            skipped_without_statement,
        })
    }

    /// `legalHeader`: the terms under which the BLOB may be used.
    #[must_use]
    pub fn legal_header(&self) -> &str {
        &self.legal_header
    }

    /// `no`: the BLOB's serial number; pass it to [`BlobVerifier::last_accepted_no`] next time.
    #[must_use]
    pub const fn no(&self) -> u64 {
        self.no
    }

    /// `nextUpdate`: the date by which a newer BLOB is published.
    #[must_use]
    pub const fn next_update(&self) -> IsoDate {
        self.next_update
    }

    /// Whether `now_unix_secs` is on or after `nextUpdate` (00:00 UTC): time to download a
    /// newer BLOB. The BLOB is not refused for it; the caller decides.
    #[must_use]
    pub fn is_due_for_update(&self, now_unix_secs: u64) -> bool {
        now_unix_secs >= unix_midnight(self.next_update)
    }

    /// The header's signature algorithm.
    #[must_use]
    pub const fn algorithm(&self) -> JwsAlgorithm {
        self.alg
    }

    /// The UAF entries (those with `aaid` and a `metadataStatement`), with their status
    /// reports, indexed by AAID.
    #[must_use]
    pub fn index(&self) -> &MetadataIndex {
        &self.index
    }

    /// The index, taken out of the BLOB.
    #[must_use]
    pub fn into_index(self) -> MetadataIndex {
        self.index
    }

    /// Number of entries in the payload, read or skipped.
    #[must_use]
    pub const fn entries_total(&self) -> usize {
        self.entries_total
    }

    /// Entries skipped because they are not UAF (no `aaid`: FIDO2 entries with `aaguid`, U2F
    /// entries with `attestationCertificateKeyIdentifiers`).
    #[must_use]
    pub const fn skipped_non_uaf(&self) -> usize {
        self.skipped_non_uaf
    }

    /// UAF entries skipped because they have no `metadataStatement` (status reports only).
    #[must_use]
    pub const fn skipped_without_statement(&self) -> usize {
        self.skipped_without_statement
    }
}

/// Seconds since the Unix epoch at 00:00 UTC of `date` (days-from-civil, proleptic
/// Gregorian; `IsoDate` years are 0..=9999, so nothing overflows).
fn unix_midnight(date: IsoDate) -> u64 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days.saturating_mul(86_400)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_of_known_dates() {
        assert_eq!(unix_midnight(IsoDate::new(1970, 1, 1).unwrap()), 0);
        assert_eq!(
            unix_midnight(IsoDate::new(2026, 1, 1).unwrap()),
            1_767_225_600
        );
        assert_eq!(
            unix_midnight(IsoDate::new(2000, 3, 1).unwrap()),
            951_868_800
        );
        assert_eq!(unix_midnight(IsoDate::new(1969, 12, 31).unwrap()), 0);
    }

    #[test]
    fn x5c_index_from_path() {
        assert_eq!(x5c_index("x5c[3]"), Some(3));
        assert_eq!(x5c_index("x5c"), None);
        assert_eq!(x5c_index("alg"), None);
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in [
            JwsAlgorithm::Es256,
            JwsAlgorithm::Rs256,
            JwsAlgorithm::Ps256,
            JwsAlgorithm::EdDsa,
        ] {
            assert_eq!(JwsAlgorithm::from_name(alg.name()), Some(alg));
        }
        for refused in ["none", "HS256", "es256", "ES384", ""] {
            assert_eq!(JwsAlgorithm::from_name(refused), None);
        }
    }
}
