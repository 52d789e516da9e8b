//! Typed `UAFV1TLV` assertions (digest §5.3–§5.6): [`RegAssertion`] (output of Register) and
//! [`AuthAssertion`] (output of Sign), parsed without allocation, and builders that encode them.
//!
//! Parsing borrows the input. [`Krd::raw`] and [`SignedData::raw`] are the exact received bytes
//! of the signed TLV, header included: verify signatures over them, never over a re-encoding.
//!
//! Rules enforced by the parsers (digest §5.1, §10.3):
//! - exactly one top-level item of the expected tag, no trailing bytes;
//! - every mandatory member exactly once, in any order; repeated members where the spec allows;
//! - fixed lengths: `TAG_AAID` 9 (and `VVVV#MMMM`), `TAG_ASSERTION_INFO` 7 (KRD) / 5
//!   (SignedData), `TAG_COUNTERS` 8 / 4; `TAG_AUTHENTICATOR_NONCE` at least 8 bytes;
//! - mandatory values non-empty, except `TAG_TRANSACTION_CONTENT_HASH` and `TAG_EXTENSION_DATA`;
//! - unknown non-critical tags are skipped without looking inside; unknown critical tags are
//!   rejected, unless [`ParseOptions::allow_unknown_critical_tags`] is set, which skips them
//!   **inside the signed structure only** (the KRD, the SignedData, and what they contain):
//!   in the assertion container, the attestation block and unsigned extensions they are
//!   rejected either way; known tags in the wrong composite are rejected;
//! - a registration assertion has exactly one attestation block; basic full has one signature
//!   and at least one certificate; basic surrogate has one signature and no certificate; an
//!   ECDAA block is framed-checked and returned as is (consumers report it as unsupported).
//!
//! Not checked here (the verifier's job, with the metadata at hand): `AuthenticationMode`
//! values, algorithms, the final challenge hash value and length, KeyID length limits, and
//! critical extensions: the parser reports them ([`Extensions::critical`],
//! [`RegAssertion::unknown_critical_extension`]) because only the consumer knows which
//! extensions it understands.

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use crate::id::Aaid;
use crate::registry::{AlgKey, AlgSign, AttestationType};
#[cfg(feature = "alloc")]
use crate::tlv::TlvWriter;
use crate::tlv::{
    self, MAX_VALUE_LEN, TAG_AAID, TAG_ASSERTION_INFO, TAG_ATTESTATION_BASIC_FULL,
    TAG_ATTESTATION_BASIC_SURROGATE, TAG_ATTESTATION_CERT, TAG_ATTESTATION_ECDAA,
    TAG_AUTHENTICATOR_NONCE, TAG_COUNTERS, TAG_EXTENSION, TAG_EXTENSION_DATA, TAG_EXTENSION_ID,
    TAG_EXTENSION_NON_CRITICAL, TAG_FINAL_CHALLENGE_HASH, TAG_KEYID, TAG_PUB_KEY, TAG_SIGNATURE,
    TAG_TRANSACTION_CONTENT_HASH, TAG_UAFV1_AUTH_ASSERTION, TAG_UAFV1_KRD, TAG_UAFV1_REG_ASSERTION,
    TAG_UAFV1_SIGNED_DATA, TagDisplay, Tlv, TlvError, TlvItem, TlvList, check_len, for_each_member,
    non_empty, required, set_once,
};

pub use crate::tlv::ParseOptions;

/// Why an assertion was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssertionError {
    /// The TLV structure is wrong (framing, members, lengths, unknown critical tags).
    Tlv(TlvError),
    /// `TAG_AAID` is 9 bytes but not `VVVV#MMMM` with hex digits.
    InvalidAaid {
        /// Offset of the `TAG_AAID` item.
        offset: usize,
    },
    /// A registration assertion has no attestation block.
    MissingAttestation {
        /// Offset of the registration assertion.
        offset: usize,
    },
    /// A registration assertion has more than one attestation block.
    MultipleAttestations {
        /// Tag of the first block.
        first: u16,
        /// Tag of the second block.
        second: u16,
        /// Offset of the second block.
        offset: usize,
    },
}

impl AssertionError {
    /// The tag concerned, if any.
    #[must_use]
    pub const fn tag(&self) -> Option<u16> {
        match self {
            AssertionError::Tlv(e) => e.tag(),
            AssertionError::InvalidAaid { .. } => Some(TAG_AAID),
            AssertionError::MissingAttestation { .. } => Some(TAG_UAFV1_REG_ASSERTION),
            AssertionError::MultipleAttestations { second, .. } => Some(*second),
        }
    }

    /// The offset in the input, if any.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        match self {
            AssertionError::Tlv(e) => e.offset(),
            AssertionError::InvalidAaid { offset }
            | AssertionError::MissingAttestation { offset }
            | AssertionError::MultipleAttestations { offset, .. } => Some(*offset),
        }
    }
}

impl From<TlvError> for AssertionError {
    fn from(e: TlvError) -> Self {
        AssertionError::Tlv(e)
    }
}

impl fmt::Display for AssertionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssertionError::Tlv(e) => write!(f, "malformed assertion: {e}"),
            AssertionError::InvalidAaid { offset } => write!(
                f,
                "TAG_AAID at offset {offset} is not an AAID; it must be \"VVVV#MMMM\" with hex digits"
            ),
            AssertionError::MissingAttestation { offset } => write!(
                f,
                "registration assertion at offset {offset} has no attestation block; add TAG_ATTESTATION_BASIC_FULL or TAG_ATTESTATION_BASIC_SURROGATE"
            ),
            AssertionError::MultipleAttestations {
                first,
                second,
                offset,
            } => write!(
                f,
                "registration assertion has a second attestation block {} at offset {offset} after {}; exactly one is allowed",
                TagDisplay(*second),
                TagDisplay(*first)
            ),
        }
    }
}

/// Also `std::error::Error` (the same trait) when `std` is enabled.
impl core::error::Error for AssertionError {}

// ---------------------------------------------------------------------------------------------
// The step a malformed assertion fails
// ---------------------------------------------------------------------------------------------

/// The kind of a `UAFV1TLV` assertion: what a Register command (`TAG_UAFV1_REG_ASSERTION`) or
/// a Sign command (`TAG_UAFV1_AUTH_ASSERTION`) returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssertionKind {
    /// A registration assertion (digest §3.2 R5).
    Reg,
    /// An authentication assertion (digest §3.3 A5).
    Auth,
}

/// What is wrong with an assertion the strict parser rejects, as far as the server processing
/// step that reports it depends on it ([`Malformation::digest_step`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Malformation {
    /// The framing of the assertion: its top-level item and trailing bytes, the presence and
    /// framing of the signed block (KRD / SignedData), of the signature and of the attestation
    /// block, misplaced or unknown critical tags, and any value that is not a member of the
    /// signed block.
    Framing,
    /// A member of the signed block (KRD / SignedData), by tag, is missing, repeated, empty or
    /// invalid.
    Member(u16),
    /// A member of the signed block, by tag, is present and non-empty but of a length outside
    /// what the spec allows.
    Length(u16),
}

/// The tags that are members of a KRD or a SignedData (digest §5.3, §5.4).
const SIGNED_MEMBERS: [u16; 8] = [
    TAG_AAID,
    TAG_ASSERTION_INFO,
    TAG_AUTHENTICATOR_NONCE,
    TAG_FINAL_CHALLENGE_HASH,
    TAG_TRANSACTION_CONTENT_HASH,
    TAG_KEYID,
    TAG_COUNTERS,
    TAG_PUB_KEY,
];

/// The tags `TAG_UAFV1_SIGNED_DATA` holds exactly once (digest §3.3 A5.3).
const SIGNED_DATA_MEMBERS: [u16; 7] = [
    TAG_AAID,
    TAG_ASSERTION_INFO,
    TAG_AUTHENTICATOR_NONCE,
    TAG_FINAL_CHALLENGE_HASH,
    TAG_TRANSACTION_CONTENT_HASH,
    TAG_KEYID,
    TAG_COUNTERS,
];

const fn contains(tags: &[u16], tag: u16) -> bool {
    match tags {
        [] => false,
        [first, rest @ ..] => *first == tag || contains(rest, tag),
    }
}

impl Malformation {
    /// Every digest label [`Malformation::digest_step`] answers, for consumers that map the
    /// labels to their own step identifiers (and test that each one maps).
    pub const DIGEST_STEPS: &'static [&'static str] = &[
        "R5.2", "R5.6", "R5.9", "A5.2", "A5.3", "A5.6", "A5.7", "A5.10",
    ];

    /// What the error says is wrong with the assertion.
    #[must_use]
    pub const fn of(error: &AssertionError) -> Self {
        match *error {
            AssertionError::Tlv(
                TlvError::MissingMember { parent, tag, .. }
                | TlvError::DuplicateMember { parent, tag, .. },
            ) if parent == TAG_UAFV1_KRD || parent == TAG_UAFV1_SIGNED_DATA => {
                Malformation::Member(tag)
            }
            AssertionError::Tlv(TlvError::EmptyValue { tag, .. })
                if contains(&SIGNED_MEMBERS, tag) =>
            {
                Malformation::Member(tag)
            }
            AssertionError::Tlv(TlvError::WrongLength { tag, .. })
                if contains(&SIGNED_MEMBERS, tag) =>
            {
                Malformation::Length(tag)
            }
            AssertionError::InvalidAaid { .. } => Malformation::Member(TAG_AAID),
            _ => Malformation::Framing,
        }
    }

    /// The label in the spec digest §3 of the server processing step that rejects an
    /// assertion of `kind` with this defect: the first failing check in digest order (the
    /// conformance-vector format's "Step" rule, and `expect.step`).
    ///
    /// This is the one table of that rule; the verifier (`uaf-rp`) and the fault injector
    /// (`uaf-authenticator`) both read it.
    ///
    /// | defect | registration | authentication |
    /// |---|---|---|
    /// | framing; a KRD member missing, repeated, empty or invalid | R5.2 | A5.2 (framing) |
    /// | a SignedData member missing, repeated, empty, invalid, or of the wrong length other than below | — | A5.3 |
    /// | `TAG_ASSERTION_INFO` of the wrong length (7 / 5 bytes) | R5.6 | A5.6 |
    /// | `TAG_AUTHENTICATOR_NONCE` shorter than 8 bytes | — | A5.7 |
    /// | `TAG_COUNTERS` of the wrong length (8 / 4 bytes) | R5.9 | A5.10 |
    #[must_use]
    pub const fn digest_step(self, kind: AssertionKind) -> &'static str {
        match (kind, self) {
            (AssertionKind::Reg, Malformation::Length(TAG_ASSERTION_INFO)) => "R5.6",
            (AssertionKind::Reg, Malformation::Length(TAG_COUNTERS)) => "R5.9",
            (AssertionKind::Reg, _) => "R5.2",
            (AssertionKind::Auth, Malformation::Length(TAG_ASSERTION_INFO)) => "A5.6",
            (AssertionKind::Auth, Malformation::Length(TAG_AUTHENTICATOR_NONCE)) => "A5.7",
            (AssertionKind::Auth, Malformation::Length(TAG_COUNTERS)) => "A5.10",
            (AssertionKind::Auth, Malformation::Member(tag) | Malformation::Length(tag))
                if contains(&SIGNED_DATA_MEMBERS, tag) =>
            {
                "A5.3"
            }
            (AssertionKind::Auth, _) => "A5.2",
        }
    }
}

impl AssertionError {
    /// The label in the spec digest §3 of the step that rejects an assertion of `kind` failing
    /// with this error ([`Malformation::of`], then [`Malformation::digest_step`]).
    #[must_use]
    pub const fn digest_step(&self, kind: AssertionKind) -> &'static str {
        Malformation::of(self).digest_step(kind)
    }
}

// ---------------------------------------------------------------------------------------------
// Assertion info
// ---------------------------------------------------------------------------------------------

/// `TAG_ASSERTION_INFO` of a KRD (7 bytes, digest §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegAssertionInfo {
    /// Vendor-assigned authenticator version (UINT16 LE).
    pub authenticator_version: u16,
    /// `AuthenticationMode` (0x01 for registration).
    pub authentication_mode: u8,
    /// `SignatureAlgAndEncoding`: UAuth and attestation signature algorithm.
    pub sign_alg: AlgSign,
    /// `PublicKeyAlgAndEncoding`: format of `TAG_PUB_KEY`.
    pub pub_key_alg: AlgKey,
}

impl RegAssertionInfo {
    /// Encoded length.
    pub const LEN: usize = 7;

    /// Decodes the 7 bytes.
    #[must_use]
    pub fn from_bytes(b: [u8; 7]) -> Self {
        let [v0, v1, mode, s0, s1, k0, k1] = b;
        RegAssertionInfo {
            authenticator_version: u16::from_le_bytes([v0, v1]),
            authentication_mode: mode,
            sign_alg: AlgSign::from_value(u16::from_le_bytes([s0, s1])),
            pub_key_alg: AlgKey::from_value(u16::from_le_bytes([k0, k1])),
        }
    }

    /// Encodes the 7 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 7] {
        let [v0, v1] = self.authenticator_version.to_le_bytes();
        let [s0, s1] = self.sign_alg.value().to_le_bytes();
        let [k0, k1] = self.pub_key_alg.value().to_le_bytes();
        [v0, v1, self.authentication_mode, s0, s1, k0, k1]
    }
}

/// `TAG_ASSERTION_INFO` of a SignedData (5 bytes, digest §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuthAssertionInfo {
    /// Vendor-assigned authenticator version (UINT16 LE).
    pub authenticator_version: u16,
    /// `AuthenticationMode`: 0x01 user verified; 0x02 also transaction confirmed.
    pub authentication_mode: u8,
    /// `SignatureAlgAndEncoding`.
    pub sign_alg: AlgSign,
}

impl AuthAssertionInfo {
    /// Encoded length.
    pub const LEN: usize = 5;

    /// Decodes the 5 bytes.
    #[must_use]
    pub fn from_bytes(b: [u8; 5]) -> Self {
        let [v0, v1, mode, s0, s1] = b;
        AuthAssertionInfo {
            authenticator_version: u16::from_le_bytes([v0, v1]),
            authentication_mode: mode,
            sign_alg: AlgSign::from_value(u16::from_le_bytes([s0, s1])),
        }
    }

    /// Encodes the 5 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 5] {
        let [v0, v1] = self.authenticator_version.to_le_bytes();
        let [s0, s1] = self.sign_alg.value().to_le_bytes();
        [v0, v1, self.authentication_mode, s0, s1]
    }
}

// ---------------------------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------------------------

/// An extension in TLV form (digest §5.6): `TAG_EXTENSION` (critical) or
/// `TAG_EXTENSION_NON_CRITICAL`, holding `TAG_EXTENSION_ID` and `TAG_EXTENSION_DATA`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extension<'a> {
    /// The extension id (non-empty UTF-8).
    pub id: &'a str,
    /// The extension data (may be empty).
    pub data: &'a [u8],
    /// Whether the extension is critical (tag 0x3E11): a receiver that does not know `id` must
    /// reject the message.
    pub critical: bool,
}

impl Extension<'_> {
    /// The tag this extension is written with.
    #[must_use]
    pub const fn tag(&self) -> u16 {
        if self.critical {
            TAG_EXTENSION
        } else {
            TAG_EXTENSION_NON_CRITICAL
        }
    }

    /// Writes the extension.
    ///
    /// # Errors
    /// [`TlvError::EmptyValue`] for an empty id, [`TlvError::ValueTooLong`].
    #[cfg(feature = "alloc")]
    pub fn write(&self, w: &mut TlvWriter) -> Result<(), TlvError> {
        if self.id.is_empty() {
            return Err(TlvError::EmptyValue {
                tag: TAG_EXTENSION_ID,
                offset: w.len(),
            });
        }
        w.put_composite(self.tag(), |w| {
            w.put(TAG_EXTENSION_ID, self.id.as_bytes())?;
            w.put(TAG_EXTENSION_DATA, self.data)
        })
    }
}

/// Parses one extension composite.
pub(crate) fn parse_extension<'a>(
    ext: Tlv<'a>,
    opts: ParseOptions,
) -> Result<Extension<'a>, TlvError> {
    let mut id = None;
    let mut data = None;
    for_each_member(&ext, opts, |m| {
        match m.tag {
            TAG_EXTENSION_ID => set_once(&mut id, m, &ext)?,
            TAG_EXTENSION_DATA => set_once(&mut data, m, &ext)?,
            _ => return Ok::<_, TlvError>(false),
        }
        Ok(true)
    })?;
    let id = required(id, TAG_EXTENSION_ID, &ext)?;
    non_empty(&id)?;
    let data = required(data, TAG_EXTENSION_DATA, &ext)?;
    Ok(Extension {
        id: id.str_value()?,
        data: data.value,
        critical: ext.tag == TAG_EXTENSION,
    })
}

/// Whether `tag` is an extension tag.
pub(crate) const fn is_extension_tag(tag: u16) -> bool {
    tag == TAG_EXTENSION || tag == TAG_EXTENSION_NON_CRITICAL
}

/// The two extension tags, as a [`TlvList`] filter.
pub(crate) const EXTENSION_TAGS: [u16; 2] = [TAG_EXTENSION, TAG_EXTENSION_NON_CRITICAL];

impl<'a> tlv::sealed::Sealed<'a> for Extension<'a> {
    fn decode_item(tlv: Tlv<'a>, opts: ParseOptions) -> Option<Self> {
        parse_extension(tlv, opts).ok()
    }
}
impl<'a> TlvItem<'a> for Extension<'a> {}

/// The extensions of one composite, in order.
pub type Extensions<'a> = TlvList<'a, Extension<'a>>;

/// The DER certificates of a basic full attestation block, leaf first.
pub type Certificates<'a> = TlvList<'a, &'a [u8]>;

impl<'a> TlvList<'a, Extension<'a>> {
    /// The critical extensions.
    pub fn critical(&self) -> impl Iterator<Item = Extension<'a>> + use<'a> {
        self.iter().filter(|e| e.critical)
    }

    /// Whether any extension is critical.
    #[must_use]
    pub fn has_critical(&self) -> bool {
        self.critical().next().is_some()
    }

    /// The first critical extension whose id is not in `known`: if there is one, the message
    /// must be rejected (digest §5.6).
    #[must_use]
    pub fn first_unknown_critical(&self, known: &[&str]) -> Option<Extension<'a>> {
        self.critical().find(|e| !known.contains(&e.id))
    }

    /// The first extension with this id.
    #[must_use]
    pub fn find(&self, id: &str) -> Option<Extension<'a>> {
        self.iter().find(|e| e.id == id)
    }
}

/// Tracks the extension members of one composite while it is walked.
pub(crate) struct ExtensionCounter {
    count: usize,
}

impl ExtensionCounter {
    pub(crate) const fn new() -> Self {
        ExtensionCounter { count: 0 }
    }

    /// Validates `m` if it is an extension; returns whether it was one.
    pub(crate) fn take(&mut self, m: Tlv<'_>, opts: ParseOptions) -> Result<bool, TlvError> {
        if !is_extension_tag(m.tag) {
            return Ok(false);
        }
        parse_extension(m, opts)?;
        self.count += 1;
        Ok(true)
    }

    pub(crate) fn finish<'a>(&self, parent: Tlv<'a>, opts: ParseOptions) -> Extensions<'a> {
        TlvList::parsed(parent, EXTENSION_TAGS, self.count, opts)
    }
}

// ---------------------------------------------------------------------------------------------
// Shared member checks
// ---------------------------------------------------------------------------------------------

fn parse_aaid(t: &Tlv<'_>) -> Result<Aaid, AssertionError> {
    check_len(t, 9, 9)?;
    Aaid::from_bytes(t.value).map_err(|_| AssertionError::InvalidAaid { offset: t.offset })
}

fn non_empty_value<'a>(t: &Tlv<'a>) -> Result<&'a [u8], TlvError> {
    non_empty(t)?;
    Ok(t.value)
}

// ---------------------------------------------------------------------------------------------
// Registration assertion
// ---------------------------------------------------------------------------------------------

/// Key Registration Data, `TAG_UAFV1_KRD` (digest §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Krd<'a> {
    /// `TAG_AAID`.
    pub aaid: Aaid,
    /// `TAG_ASSERTION_INFO` (7 bytes).
    pub assertion_info: RegAssertionInfo,
    /// `TAG_FINAL_CHALLENGE_HASH` (non-empty).
    pub final_challenge_hash: &'a [u8],
    /// `TAG_KEYID` (non-empty).
    pub key_id: &'a [u8],
    /// `SignCounter` from `TAG_COUNTERS`.
    pub sign_counter: u32,
    /// `RegCounter` from `TAG_COUNTERS`.
    pub reg_counter: u32,
    /// `TAG_PUB_KEY` (non-empty), in the `pub_key_alg` encoding.
    pub pub_key: &'a [u8],
    /// Signed extensions (inside the KRD).
    pub extensions: Extensions<'a>,
    /// The exact received KRD TLV, 4-byte header included: what the attestation signature
    /// covers.
    pub raw: &'a [u8],
}

impl<'a> Krd<'a> {
    fn parse(krd: Tlv<'a>, opts: ParseOptions) -> Result<Self, AssertionError> {
        let (mut aaid, mut info, mut fch, mut key_id, mut counters, mut pub_key) =
            (None, None, None, None, None, None);
        let mut exts = ExtensionCounter::new();
        for_each_member(&krd, opts, |m| {
            match m.tag {
                TAG_AAID => set_once(&mut aaid, m, &krd)?,
                TAG_ASSERTION_INFO => set_once(&mut info, m, &krd)?,
                TAG_FINAL_CHALLENGE_HASH => set_once(&mut fch, m, &krd)?,
                TAG_KEYID => set_once(&mut key_id, m, &krd)?,
                TAG_COUNTERS => set_once(&mut counters, m, &krd)?,
                TAG_PUB_KEY => set_once(&mut pub_key, m, &krd)?,
                _ => return exts.take(m, opts).map_err(AssertionError::from),
            }
            Ok(true)
        })?;
        let aaid = parse_aaid(&required(aaid, TAG_AAID, &krd)?)?;
        let info = RegAssertionInfo::from_bytes(required(info, TAG_ASSERTION_INFO, &krd)?.exact()?);
        let fch = non_empty_value(&required(fch, TAG_FINAL_CHALLENGE_HASH, &krd)?)?;
        let key_id = non_empty_value(&required(key_id, TAG_KEYID, &krd)?)?;
        let [s0, s1, s2, s3, r0, r1, r2, r3] = required(counters, TAG_COUNTERS, &krd)?.exact()?;
        let pub_key = non_empty_value(&required(pub_key, TAG_PUB_KEY, &krd)?)?;
        Ok(Krd {
            aaid,
            assertion_info: info,
            final_challenge_hash: fch,
            key_id,
            sign_counter: u32::from_le_bytes([s0, s1, s2, s3]),
            reg_counter: u32::from_le_bytes([r0, r1, r2, r3]),
            pub_key,
            extensions: exts.finish(krd, opts),
            raw: krd.raw,
        })
    }

    /// The fields as a builder (re-encoding gives the canonical form, which equals
    /// [`Krd::raw`] when the authenticator wrote members in spec order).
    #[must_use]
    pub const fn to_builder(&self) -> KrdBuilder<'a> {
        KrdBuilder {
            aaid: self.aaid,
            assertion_info: self.assertion_info,
            final_challenge_hash: self.final_challenge_hash,
            key_id: self.key_id,
            sign_counter: self.sign_counter,
            reg_counter: self.reg_counter,
            pub_key: self.pub_key,
            extensions: self.extensions,
        }
    }
}

/// The attestation block of a registration assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attestation<'a> {
    /// `TAG_ATTESTATION_BASIC_FULL`: signature by the attestation key over [`Krd::raw`], and
    /// the certificate chain (leaf first, each next one issued the previous).
    BasicFull {
        /// `TAG_SIGNATURE` (non-empty).
        signature: &'a [u8],
        /// `TAG_ATTESTATION_CERT`s (at least one, each non-empty), in received order.
        certificates: Certificates<'a>,
    },
    /// `TAG_ATTESTATION_BASIC_SURROGATE`: signature by the new UAuth key over [`Krd::raw`].
    BasicSurrogate {
        /// `TAG_SIGNATURE` (non-empty).
        signature: &'a [u8],
    },
    /// `TAG_ATTESTATION_ECDAA`: framing checked, contents not interpreted. Consumers report
    /// it as an unsupported attestation type.
    Ecdaa {
        /// The whole `TAG_ATTESTATION_ECDAA` TLV as received, header included.
        raw: &'a [u8],
    },
}

impl<'a> Attestation<'a> {
    /// The attestation type.
    #[must_use]
    pub const fn attestation_type(&self) -> AttestationType {
        match self {
            Attestation::BasicFull { .. } => AttestationType::BasicFull,
            Attestation::BasicSurrogate { .. } => AttestationType::BasicSurrogate,
            Attestation::Ecdaa { .. } => AttestationType::Ecdaa,
        }
    }

    /// The attestation signature (`None` for ECDAA, which is not interpreted).
    #[must_use]
    pub const fn signature(&self) -> Option<&'a [u8]> {
        match self {
            Attestation::BasicFull { signature, .. }
            | Attestation::BasicSurrogate { signature } => Some(signature),
            Attestation::Ecdaa { .. } => None,
        }
    }

    /// The certificates (empty unless basic full).
    #[must_use]
    pub const fn certificates(&self) -> Certificates<'a> {
        match self {
            Attestation::BasicFull { certificates, .. } => *certificates,
            _ => TlvList::empty(),
        }
    }

    fn parse(block: Tlv<'a>, opts: ParseOptions) -> Result<Self, AssertionError> {
        match block.tag {
            TAG_ATTESTATION_BASIC_FULL => {
                let mut signature = None;
                let mut certs = 0usize;
                for_each_member(&block, opts, |m| {
                    match m.tag {
                        TAG_SIGNATURE => set_once(&mut signature, m, &block)?,
                        TAG_ATTESTATION_CERT => {
                            non_empty(&m)?;
                            certs += 1;
                        }
                        _ => return Ok::<_, TlvError>(false),
                    }
                    Ok(true)
                })?;
                let signature = non_empty_value(&required(signature, TAG_SIGNATURE, &block)?)?;
                if certs == 0 {
                    return Err(TlvError::MissingMember {
                        parent: block.tag,
                        tag: TAG_ATTESTATION_CERT,
                        offset: block.offset,
                    }
                    .into());
                }
                let certificates = TlvList::parsed(block, [TAG_ATTESTATION_CERT; 2], certs, opts);
                Ok(Attestation::BasicFull {
                    signature,
                    certificates,
                })
            }
            TAG_ATTESTATION_BASIC_SURROGATE => {
                let mut signature = None;
                for_each_member(&block, opts, |m| {
                    if m.tag != TAG_SIGNATURE {
                        return Ok::<_, TlvError>(false);
                    }
                    set_once(&mut signature, m, &block)?;
                    Ok(true)
                })?;
                let signature = non_empty_value(&required(signature, TAG_SIGNATURE, &block)?)?;
                Ok(Attestation::BasicSurrogate { signature })
            }
            _ => {
                // TAG_ATTESTATION_ECDAA: the members must be framed correctly; nothing more.
                for item in block.children()? {
                    item?;
                }
                Ok(Attestation::Ecdaa { raw: block.raw })
            }
        }
    }

    /// Writes the attestation block.
    ///
    /// # Errors
    /// [`TlvError::EmptyValue`] for an empty signature or certificate, [`TlvError::MissingMember`]
    /// for basic full without certificate, [`TlvError::UnexpectedTag`] (or another framing
    /// error) if an ECDAA `raw` is not one `TAG_ATTESTATION_ECDAA` TLV,
    /// [`TlvError::ValueTooLong`].
    #[cfg(feature = "alloc")]
    pub fn write(&self, w: &mut TlvWriter) -> Result<(), TlvError> {
        match self {
            Attestation::BasicFull {
                signature,
                certificates,
            } => {
                if certificates.is_empty() {
                    return Err(TlvError::MissingMember {
                        parent: TAG_ATTESTATION_BASIC_FULL,
                        tag: TAG_ATTESTATION_CERT,
                        offset: w.len(),
                    });
                }
                w.put_composite(TAG_ATTESTATION_BASIC_FULL, |w| {
                    put_non_empty(w, TAG_SIGNATURE, signature)?;
                    for cert in certificates {
                        put_non_empty(w, TAG_ATTESTATION_CERT, cert)?;
                    }
                    Ok(())
                })
            }
            Attestation::BasicSurrogate { signature } => w
                .put_composite(TAG_ATTESTATION_BASIC_SURROGATE, |w| {
                    put_non_empty(w, TAG_SIGNATURE, signature)
                }),
            Attestation::Ecdaa { raw } => {
                tlv::parse_expected(raw, TAG_ATTESTATION_ECDAA)?;
                w.put_raw(raw);
                Ok(())
            }
        }
    }
}

/// A registration assertion, `TAG_UAFV1_REG_ASSERTION` (digest §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegAssertion<'a> {
    /// The Key Registration Data.
    pub krd: Krd<'a>,
    /// The attestation block.
    pub attestation: Attestation<'a>,
    /// Unsigned extensions (outside the KRD).
    pub extensions: Extensions<'a>,
    /// The whole assertion as received.
    pub raw: &'a [u8],
}

impl<'a> RegAssertion<'a> {
    /// Parses a registration assertion under the spec's rules ([`ParseOptions::STRICT`]).
    ///
    /// # Errors
    /// [`AssertionError`] naming the first rule broken.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, AssertionError> {
        Self::parse_with(bytes, ParseOptions::STRICT)
    }

    /// Parses a registration assertion with `opts`.
    ///
    /// # Errors
    /// [`AssertionError`] naming the first rule broken.
    pub fn parse_with(bytes: &'a [u8], opts: ParseOptions) -> Result<Self, AssertionError> {
        let top = tlv::parse_expected(bytes, TAG_UAFV1_REG_ASSERTION)?;
        // The relaxation of unknown critical tags covers the signed KRD only: outside it (the
        // assertion container, the attestation block, unsigned extensions) the spec's rules
        // apply.
        let outside = ParseOptions::STRICT;
        let mut krd = None;
        let mut attestation: Option<Tlv<'a>> = None;
        let mut exts = ExtensionCounter::new();
        for_each_member(&top, outside, |m| {
            match m.tag {
                TAG_UAFV1_KRD => set_once(&mut krd, m, &top)?,
                TAG_ATTESTATION_BASIC_FULL
                | TAG_ATTESTATION_BASIC_SURROGATE
                | TAG_ATTESTATION_ECDAA => {
                    if let Some(first) = attestation {
                        return Err(AssertionError::MultipleAttestations {
                            first: first.tag,
                            second: m.tag,
                            offset: m.offset,
                        });
                    }
                    attestation = Some(m);
                }
                _ => return exts.take(m, outside).map_err(AssertionError::from),
            }
            Ok(true)
        })?;
        let krd = Krd::parse(required(krd, TAG_UAFV1_KRD, &top)?, opts)?;
        let block = attestation.ok_or(AssertionError::MissingAttestation { offset: top.offset })?;
        let attestation = Attestation::parse(block, outside)?;
        Ok(RegAssertion {
            krd,
            attestation,
            extensions: exts.finish(top, outside),
            raw: top.raw,
        })
    }

    /// The first critical extension, signed or not, whose id is not in `known`; if there is
    /// one, the assertion must be rejected.
    #[must_use]
    pub fn unknown_critical_extension(&self, known: &[&str]) -> Option<Extension<'a>> {
        self.krd
            .extensions
            .first_unknown_critical(known)
            .or_else(|| self.extensions.first_unknown_critical(known))
    }

    /// Re-encodes the assertion canonically (spec member order). Equal to [`RegAssertion::raw`]
    /// for an assertion written in spec order without unknown tags.
    ///
    /// # Errors
    /// [`TlvError`] as the builders report it.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        let krd = self.krd.to_builder().encode()?;
        encode_reg_assertion(&krd, &self.attestation, self.extensions)
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication assertion
// ---------------------------------------------------------------------------------------------

/// The signed data of an authentication, `TAG_UAFV1_SIGNED_DATA` (digest §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedData<'a> {
    /// `TAG_AAID`.
    pub aaid: Aaid,
    /// `TAG_ASSERTION_INFO` (5 bytes).
    pub assertion_info: AuthAssertionInfo,
    /// `TAG_AUTHENTICATOR_NONCE` (at least 8 bytes).
    pub authenticator_nonce: &'a [u8],
    /// `TAG_FINAL_CHALLENGE_HASH` (non-empty).
    pub final_challenge_hash: &'a [u8],
    /// `TAG_TRANSACTION_CONTENT_HASH` (always present; empty without a transaction).
    pub transaction_content_hash: &'a [u8],
    /// `TAG_KEYID` (non-empty).
    pub key_id: &'a [u8],
    /// `SignCounter` from `TAG_COUNTERS` (4 bytes).
    pub sign_counter: u32,
    /// Signed extensions (inside the SignedData).
    pub extensions: Extensions<'a>,
    /// The exact received SignedData TLV, 4-byte header included: what the signature covers.
    pub raw: &'a [u8],
}

impl<'a> SignedData<'a> {
    fn parse(sd: Tlv<'a>, opts: ParseOptions) -> Result<Self, AssertionError> {
        let (mut aaid, mut info, mut nonce, mut fch, mut tch, mut key_id, mut counters) =
            (None, None, None, None, None, None, None);
        let mut exts = ExtensionCounter::new();
        for_each_member(&sd, opts, |m| {
            match m.tag {
                TAG_AAID => set_once(&mut aaid, m, &sd)?,
                TAG_ASSERTION_INFO => set_once(&mut info, m, &sd)?,
                TAG_AUTHENTICATOR_NONCE => set_once(&mut nonce, m, &sd)?,
                TAG_FINAL_CHALLENGE_HASH => set_once(&mut fch, m, &sd)?,
                TAG_TRANSACTION_CONTENT_HASH => set_once(&mut tch, m, &sd)?,
                TAG_KEYID => set_once(&mut key_id, m, &sd)?,
                TAG_COUNTERS => set_once(&mut counters, m, &sd)?,
                _ => return exts.take(m, opts).map_err(AssertionError::from),
            }
            Ok(true)
        })?;
        let aaid = parse_aaid(&required(aaid, TAG_AAID, &sd)?)?;
        let info = AuthAssertionInfo::from_bytes(required(info, TAG_ASSERTION_INFO, &sd)?.exact()?);
        let nonce = required(nonce, TAG_AUTHENTICATOR_NONCE, &sd)?;
        check_len(&nonce, SignedDataBuilder::MIN_NONCE_LEN, MAX_VALUE_LEN)?;
        let fch = non_empty_value(&required(fch, TAG_FINAL_CHALLENGE_HASH, &sd)?)?;
        let tch = required(tch, TAG_TRANSACTION_CONTENT_HASH, &sd)?.value;
        let key_id = non_empty_value(&required(key_id, TAG_KEYID, &sd)?)?;
        let counter = required(counters, TAG_COUNTERS, &sd)?.exact()?;
        Ok(SignedData {
            aaid,
            assertion_info: info,
            authenticator_nonce: nonce.value,
            final_challenge_hash: fch,
            transaction_content_hash: tch,
            key_id,
            sign_counter: u32::from_le_bytes(counter),
            extensions: exts.finish(sd, opts),
            raw: sd.raw,
        })
    }

    /// The fields as a builder.
    #[must_use]
    pub const fn to_builder(&self) -> SignedDataBuilder<'a> {
        SignedDataBuilder {
            aaid: self.aaid,
            assertion_info: self.assertion_info,
            authenticator_nonce: self.authenticator_nonce,
            final_challenge_hash: self.final_challenge_hash,
            transaction_content_hash: self.transaction_content_hash,
            key_id: self.key_id,
            sign_counter: self.sign_counter,
            extensions: self.extensions,
        }
    }
}

/// An authentication assertion, `TAG_UAFV1_AUTH_ASSERTION` (digest §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthAssertion<'a> {
    /// The signed data.
    pub signed_data: SignedData<'a>,
    /// `TAG_SIGNATURE` (non-empty): UAuth.priv over [`SignedData::raw`].
    pub signature: &'a [u8],
    /// Unsigned extensions (outside the SignedData).
    pub extensions: Extensions<'a>,
    /// The whole assertion as received.
    pub raw: &'a [u8],
}

impl<'a> AuthAssertion<'a> {
    /// Parses an authentication assertion under the spec's rules ([`ParseOptions::STRICT`]).
    ///
    /// # Errors
    /// [`AssertionError`] naming the first rule broken.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, AssertionError> {
        Self::parse_with(bytes, ParseOptions::STRICT)
    }

    /// Parses an authentication assertion with `opts`.
    ///
    /// # Errors
    /// [`AssertionError`] naming the first rule broken.
    pub fn parse_with(bytes: &'a [u8], opts: ParseOptions) -> Result<Self, AssertionError> {
        let top = tlv::parse_expected(bytes, TAG_UAFV1_AUTH_ASSERTION)?;
        // The relaxation of unknown critical tags covers the signed SignedData only: outside
        // it (the assertion container and its unsigned extensions) the spec's rules apply.
        let outside = ParseOptions::STRICT;
        let (mut sd, mut signature) = (None, None);
        let mut exts = ExtensionCounter::new();
        for_each_member(&top, outside, |m| {
            match m.tag {
                TAG_UAFV1_SIGNED_DATA => set_once(&mut sd, m, &top)?,
                TAG_SIGNATURE => set_once(&mut signature, m, &top)?,
                _ => return exts.take(m, outside).map_err(AssertionError::from),
            }
            Ok(true)
        })?;
        let signed_data = SignedData::parse(required(sd, TAG_UAFV1_SIGNED_DATA, &top)?, opts)?;
        let signature = non_empty_value(&required(signature, TAG_SIGNATURE, &top)?)?;
        Ok(AuthAssertion {
            signed_data,
            signature,
            extensions: exts.finish(top, outside),
            raw: top.raw,
        })
    }

    /// The first critical extension, signed or not, whose id is not in `known`; if there is
    /// one, the assertion must be rejected.
    #[must_use]
    pub fn unknown_critical_extension(&self, known: &[&str]) -> Option<Extension<'a>> {
        self.signed_data
            .extensions
            .first_unknown_critical(known)
            .or_else(|| self.extensions.first_unknown_critical(known))
    }

    /// Re-encodes the assertion canonically (spec member order).
    ///
    /// # Errors
    /// [`TlvError`] as the builders report it.
    #[cfg(feature = "alloc")]
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        let sd = self.signed_data.to_builder().encode()?;
        encode_auth_assertion(&sd, self.signature, self.extensions)
    }
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/// The fields of a KRD, to encode one (the authenticator signs the encoded bytes).
///
/// [`KrdBuilder::encode`] writes the members in spec order and refuses what the parser would
/// reject (empty values, values over 65535 bytes). To build deliberately faulty structures use
/// [`TlvWriter`] directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KrdBuilder<'a> {
    /// `TAG_AAID`.
    pub aaid: Aaid,
    /// `TAG_ASSERTION_INFO`.
    pub assertion_info: RegAssertionInfo,
    /// `TAG_FINAL_CHALLENGE_HASH` (non-empty).
    pub final_challenge_hash: &'a [u8],
    /// `TAG_KEYID` (non-empty).
    pub key_id: &'a [u8],
    /// `SignCounter`.
    pub sign_counter: u32,
    /// `RegCounter`.
    pub reg_counter: u32,
    /// `TAG_PUB_KEY` (non-empty).
    pub pub_key: &'a [u8],
    /// Signed extensions.
    pub extensions: Extensions<'a>,
}

#[cfg(feature = "alloc")]
impl KrdBuilder<'_> {
    /// Writes the `TAG_UAFV1_KRD` TLV.
    ///
    /// # Errors
    /// [`TlvError::EmptyValue`] for an empty mandatory value, [`TlvError::ValueTooLong`].
    pub fn write(&self, w: &mut TlvWriter) -> Result<(), TlvError> {
        w.put_composite(TAG_UAFV1_KRD, |w| {
            w.put(TAG_AAID, self.aaid.as_bytes())?;
            w.put(TAG_ASSERTION_INFO, &self.assertion_info.to_bytes())?;
            put_non_empty(w, TAG_FINAL_CHALLENGE_HASH, self.final_challenge_hash)?;
            put_non_empty(w, TAG_KEYID, self.key_id)?;
            let mut counters = [0u8; 8];
            let (sign, reg) = counters.split_at_mut(4);
            sign.copy_from_slice(&self.sign_counter.to_le_bytes());
            reg.copy_from_slice(&self.reg_counter.to_le_bytes());
            w.put(TAG_COUNTERS, &counters)?;
            put_non_empty(w, TAG_PUB_KEY, self.pub_key)?;
            write_extensions(w, self.extensions)
        })
    }

    /// The encoded `TAG_UAFV1_KRD` TLV: the bytes to sign.
    ///
    /// # Errors
    /// As [`KrdBuilder::write`].
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        let mut w = TlvWriter::new();
        self.write(&mut w)?;
        Ok(w.into_bytes())
    }
}

/// The fields of a SignedData, to encode one (the authenticator signs the encoded bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedDataBuilder<'a> {
    /// `TAG_AAID`.
    pub aaid: Aaid,
    /// `TAG_ASSERTION_INFO`.
    pub assertion_info: AuthAssertionInfo,
    /// `TAG_AUTHENTICATOR_NONCE` (at least 8 bytes).
    pub authenticator_nonce: &'a [u8],
    /// `TAG_FINAL_CHALLENGE_HASH` (non-empty).
    pub final_challenge_hash: &'a [u8],
    /// `TAG_TRANSACTION_CONTENT_HASH` (empty without a transaction).
    pub transaction_content_hash: &'a [u8],
    /// `TAG_KEYID` (non-empty).
    pub key_id: &'a [u8],
    /// `SignCounter`.
    pub sign_counter: u32,
    /// Signed extensions.
    pub extensions: Extensions<'a>,
}

impl SignedDataBuilder<'_> {
    /// Smallest `TAG_AUTHENTICATOR_NONCE` allowed.
    pub const MIN_NONCE_LEN: usize = 8;
}

#[cfg(feature = "alloc")]
impl SignedDataBuilder<'_> {
    /// Writes the `TAG_UAFV1_SIGNED_DATA` TLV.
    ///
    /// # Errors
    /// [`TlvError::EmptyValue`] / [`TlvError::WrongLength`] for values the parser would reject,
    /// [`TlvError::ValueTooLong`].
    pub fn write(&self, w: &mut TlvWriter) -> Result<(), TlvError> {
        w.put_composite(TAG_UAFV1_SIGNED_DATA, |w| {
            w.put(TAG_AAID, self.aaid.as_bytes())?;
            w.put(TAG_ASSERTION_INFO, &self.assertion_info.to_bytes())?;
            put_checked(
                w,
                TAG_AUTHENTICATOR_NONCE,
                self.authenticator_nonce,
                Self::MIN_NONCE_LEN,
                MAX_VALUE_LEN,
            )?;
            put_non_empty(w, TAG_FINAL_CHALLENGE_HASH, self.final_challenge_hash)?;
            w.put(TAG_TRANSACTION_CONTENT_HASH, self.transaction_content_hash)?;
            put_non_empty(w, TAG_KEYID, self.key_id)?;
            w.put_u32(TAG_COUNTERS, self.sign_counter);
            write_extensions(w, self.extensions)
        })
    }

    /// The encoded `TAG_UAFV1_SIGNED_DATA` TLV: the bytes to sign.
    ///
    /// # Errors
    /// As [`SignedDataBuilder::write`].
    pub fn encode(&self) -> Result<Vec<u8>, TlvError> {
        let mut w = TlvWriter::new();
        self.write(&mut w)?;
        Ok(w.into_bytes())
    }
}

/// Assembles `TAG_UAFV1_REG_ASSERTION` from the encoded KRD (the output of
/// [`KrdBuilder::encode`], which the attestation signature covers), the attestation block and
/// unsigned extensions. Only the framing of `krd` is checked.
///
/// # Errors
/// [`TlvError::UnexpectedTag`] or another framing error if `krd` is not one `TAG_UAFV1_KRD`
/// TLV; errors of [`Attestation::write`]; [`TlvError::ValueTooLong`].
#[cfg(feature = "alloc")]
pub fn encode_reg_assertion(
    krd: &[u8],
    attestation: &Attestation<'_>,
    extensions: Extensions<'_>,
) -> Result<Vec<u8>, TlvError> {
    tlv::parse_expected(krd, TAG_UAFV1_KRD)?;
    let mut w = TlvWriter::with_capacity(krd.len() + 64);
    w.put_composite(TAG_UAFV1_REG_ASSERTION, |w| {
        w.put_raw(krd);
        attestation.write(w)?;
        write_extensions(w, extensions)
    })?;
    Ok(w.into_bytes())
}

/// Assembles `TAG_UAFV1_AUTH_ASSERTION` from the encoded SignedData (the output of
/// [`SignedDataBuilder::encode`]), the signature over it and unsigned extensions. Only the
/// framing of `signed_data` is checked.
///
/// # Errors
/// [`TlvError::UnexpectedTag`] or another framing error if `signed_data` is not one
/// `TAG_UAFV1_SIGNED_DATA` TLV; [`TlvError::EmptyValue`] for an empty signature;
/// [`TlvError::ValueTooLong`].
#[cfg(feature = "alloc")]
pub fn encode_auth_assertion(
    signed_data: &[u8],
    signature: &[u8],
    extensions: Extensions<'_>,
) -> Result<Vec<u8>, TlvError> {
    tlv::parse_expected(signed_data, TAG_UAFV1_SIGNED_DATA)?;
    let mut w = TlvWriter::with_capacity(signed_data.len() + signature.len() + 16);
    w.put_composite(TAG_UAFV1_AUTH_ASSERTION, |w| {
        w.put_raw(signed_data);
        put_non_empty(w, TAG_SIGNATURE, signature)?;
        write_extensions(w, extensions)
    })?;
    Ok(w.into_bytes())
}

/// Writes `value` under `tag`, refusing an empty value.
#[cfg(feature = "alloc")]
pub(crate) fn put_non_empty(w: &mut TlvWriter, tag: u16, value: &[u8]) -> Result<(), TlvError> {
    put_checked(w, tag, value, 1, MAX_VALUE_LEN)
}

/// Writes `value` under `tag` if it is `min..=max` bytes long (the parsers' rule).
#[cfg(feature = "alloc")]
pub(crate) fn put_checked(
    w: &mut TlvWriter,
    tag: u16,
    value: &[u8],
    min: usize,
    max: usize,
) -> Result<(), TlvError> {
    if value.len() <= MAX_VALUE_LEN {
        tlv::length_rule(tag, w.len(), value.len(), min, max)?;
    }
    // Longer values are refused by the writer with `ValueTooLong`.
    w.put(tag, value)
}

/// Writes every extension of `exts`.
#[cfg(feature = "alloc")]
pub(crate) fn write_extensions(w: &mut TlvWriter, exts: Extensions<'_>) -> Result<(), TlvError> {
    exts.iter().try_for_each(|e| e.write(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertion_info_round_trips_little_endian() {
        let info = RegAssertionInfo::from_bytes([0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x01]);
        assert_eq!(info.authenticator_version, 0x0100);
        assert_eq!(info.authentication_mode, 1);
        assert_eq!(info.sign_alg, AlgSign::Secp256r1EcdsaSha256Raw);
        assert_eq!(info.pub_key_alg, AlgKey::EccX962Raw);
        assert_eq!(info.to_bytes(), [0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x01]);
        let auth = AuthAssertionInfo::from_bytes([0x01, 0x00, 0x02, 0x02, 0x00]);
        assert_eq!(auth.authenticator_version, 1);
        assert_eq!(auth.authentication_mode, 2);
        assert_eq!(auth.sign_alg, AlgSign::Secp256r1EcdsaSha256Der);
        assert_eq!(auth.to_bytes(), [0x01, 0x00, 0x02, 0x02, 0x00]);
    }

    #[test]
    fn extension_needs_id_and_data() {
        // 3E12 { 2E13 "a" } without data.
        let bytes = [0x12, 0x3e, 0x05, 0x00, 0x13, 0x2e, 0x01, 0x00, b'a'];
        let t = tlv::parse_single(&bytes).unwrap();
        assert_eq!(
            parse_extension(t, ParseOptions::STRICT),
            Err(TlvError::MissingMember {
                parent: 0x3e12,
                tag: TAG_EXTENSION_DATA,
                offset: 0
            })
        );
        // Empty data is fine; id must be UTF-8.
        let ok = [
            0x11, 0x3e, 0x09, 0x00, 0x13, 0x2e, 0x01, 0x00, b'a', 0x14, 0x2e, 0x00, 0x00,
        ];
        let e = parse_extension(tlv::parse_single(&ok).unwrap(), ParseOptions::STRICT).unwrap();
        assert_eq!(
            e,
            Extension {
                id: "a",
                data: &[],
                critical: true
            }
        );
        let bad = [
            0x11, 0x3e, 0x09, 0x00, 0x13, 0x2e, 0x01, 0x00, 0xff, 0x14, 0x2e, 0x00, 0x00,
        ];
        assert_eq!(
            parse_extension(tlv::parse_single(&bad).unwrap(), ParseOptions::STRICT),
            Err(TlvError::InvalidUtf8 {
                tag: TAG_EXTENSION_ID,
                offset: 4
            })
        );
    }
}
