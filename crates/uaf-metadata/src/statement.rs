//! The metadata statement: one typed [`MetadataStatement`] read from both the UAF 1.0/1.1
//! numeric form and the MDS3 (metadata statement v3.0) string form (digest §8.1).
//!
//! Sources: FIDO Metadata Statement v1.1 §3 and v3.0 §4 (URLs in digest §0); registry values
//! digest §6.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use uaf_proto::id::Aaid;
use uaf_proto::message::json::Value;
use uaf_proto::registry::{
    ASSERTION_SCHEME_UAFV1TLV, AlgKey, AlgSign, AttachmentHint, AttestationType,
    CONTENT_TYPE_IMAGE_PNG, KeyProtection, MatcherProtection, TcDisplay, UserVerify,
};

use crate::error::MetadataError;
use crate::json::{self, Obj, Path};
use crate::options::ParseOptions;

/// What a UAF 1.x numeric field must look like (the hint names the form the reader chose).
const V1_U16: &str =
    "an integer 0..=65535 (UAF 1.x form, chosen because the statement has no \"schema\")";
/// What a UAF 1.x 32-bit numeric field must look like.
const V1_U32: &str =
    "an integer 0..=4294967295 (UAF 1.x form, chosen because the statement has no \"schema\")";
/// What a UAF 1.x list of numbers must look like.
const V1_U16_ARRAY: &str =
    "an array of integers (UAF 1.x form, chosen because the statement has no \"schema\")";
/// What an MDS3 list of registry names must look like.
const V3_NAMES: &str = "an array of strings (MDS3 form, chosen because of \"schema\": 3)";
/// What an MDS3 registry name must look like.
const V3_NAME: &str = "a string (MDS3 form, chosen because of \"schema\": 3)";

pub use uaf_proto::Version;
pub use uaf_proto::png::{DisplayPngCharacteristicsDescriptor, RgbPaletteEntry};

/// `protocolFamily`: which FIDO protocol the authenticator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolFamily {
    /// `"uaf"` (the default of the UAF 1.x form).
    Uaf,
    /// `"u2f"`.
    U2f,
    /// `"fido2"`.
    Fido2,
}

impl ProtocolFamily {
    /// The metadata string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ProtocolFamily::Uaf => "uaf",
            ProtocolFamily::U2f => "u2f",
            ProtocolFamily::Fido2 => "fido2",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        match s {
            "uaf" => Some(ProtocolFamily::Uaf),
            "u2f" => Some(ProtocolFamily::U2f),
            "fido2" => Some(ProtocolFamily::Fido2),
            _ => None,
        }
    }
}

impl fmt::Display for ProtocolFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of the two forms a statement was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatementForm {
    /// Metadata statement v1.0/v1.1: registry values as numbers, no `schema` member.
    Uaf1,
    /// Metadata statement v3.0 (MDS3): registry values as lower-case strings, `"schema": 3`.
    Mds3,
}

/// `CodeAccuracyDescriptor`: strength of a passcode method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CodeAccuracyDescriptor {
    /// `base`: radix of the code (10 for decimal digits).
    pub base: u16,
    /// `minLength`: minimum number of digits.
    pub min_length: u16,
    /// `maxRetries`: false attempts before blocking (0 = never blocks).
    pub max_retries: Option<u16>,
    /// `blockSlowdown`: seconds of enforced wait after blocking.
    pub block_slowdown: Option<u16>,
}

/// `BiometricAccuracyDescriptor`: accuracy of a biometric method. The v1 members (`FAR`,
/// `FRR`, `EER`, `FAAR`, `maxReferenceDataSets`) and the v3 members (`selfAttestedFRR`,
/// `selfAttestedFAR`, `maxTemplates`) are all kept; each is optional.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct BiometricAccuracyDescriptor {
    /// `FAR` (v1): false acceptance rate.
    pub far: Option<f64>,
    /// `FRR` (v1): false rejection rate.
    pub frr: Option<f64>,
    /// `EER` (v1): equal error rate.
    pub eer: Option<f64>,
    /// `FAAR` (v1): false artefact acceptance rate.
    pub faar: Option<f64>,
    /// `maxReferenceDataSets` (v1): number of enrolled templates allowed.
    pub max_reference_data_sets: Option<u16>,
    /// `selfAttestedFRR` (v3).
    pub self_attested_frr: Option<f64>,
    /// `selfAttestedFAR` (v3).
    pub self_attested_far: Option<f64>,
    /// `maxTemplates` (v3).
    pub max_templates: Option<u16>,
    /// `maxRetries`: false attempts before blocking.
    pub max_retries: Option<u16>,
    /// `blockSlowdown`: seconds of enforced wait after blocking.
    pub block_slowdown: Option<u16>,
}

/// `PatternAccuracyDescriptor`: strength of a pattern method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PatternAccuracyDescriptor {
    /// `minComplexity`: number of possible patterns of minimum length.
    pub min_complexity: u32,
    /// `maxRetries`: false attempts before blocking.
    pub max_retries: Option<u16>,
    /// `blockSlowdown`: seconds of enforced wait after blocking.
    pub block_slowdown: Option<u16>,
}

/// `VerificationMethodDescriptor`: one user verification method (exactly one `USER_VERIFY_*`
/// flag; numeric `userVerification` in v1, string `userVerificationMethod` in v3).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct VerificationMethodDescriptor {
    /// The method: a single flag.
    pub user_verification: UserVerify,
    /// `caDesc`, for passcode methods.
    pub ca_desc: Option<CodeAccuracyDescriptor>,
    /// `baDesc`, for biometric methods.
    pub ba_desc: Option<BiometricAccuracyDescriptor>,
    /// `paDesc`, for pattern methods.
    pub pa_desc: Option<PatternAccuracyDescriptor>,
}

/// `EcdaaTrustAnchor`: an ECDAA issuer's public key, kept as the base64url strings of the
/// statement (this crate does not verify ECDAA attestation).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct EcdaaTrustAnchor {
    /// `X`.
    pub x: String,
    /// `Y`.
    pub y: String,
    /// `c`.
    pub c: String,
    /// `sx`.
    pub sx: String,
    /// `sy`.
    pub sy: String,
    /// `G1Curve`, e.g. `"BN_P256"`.
    pub g1_curve: String,
}

/// `ExtensionDescriptor`: an extension the authenticator supports.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ExtensionDescriptor {
    /// `id`.
    pub id: String,
    /// `tag`: the TLV tag, for extensions processed by the authenticator.
    pub tag: Option<u16>,
    /// `data`: extension-specific text.
    pub data: Option<String>,
    /// `fail_if_unknown`.
    pub fail_if_unknown: bool,
}

/// A FIDO metadata statement, read from the UAF 1.0/1.1 numeric form or the MDS3 string form
/// (digest §8.1). Registry values are typed: numbers the registry does not define are kept
/// as `Unknown(n)` (or as unknown bits); strings it does not define are an error.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataStatement {
    form: StatementForm,
    schema: Option<u16>,
    legal_header: Option<String>,
    aaid: Aaid,
    description: String,
    alternative_descriptions: BTreeMap<String, String>,
    authenticator_version: u32,
    protocol_family: ProtocolFamily,
    upv: Vec<Version>,
    assertion_scheme: Option<String>,
    authentication_algorithms: Vec<AlgSign>,
    public_key_alg_and_encodings: Vec<AlgKey>,
    attestation_types: Vec<AttestationType>,
    user_verification_details: Vec<Vec<VerificationMethodDescriptor>>,
    key_protection: KeyProtection,
    is_key_restricted: bool,
    is_fresh_user_verification_required: bool,
    matcher_protection: Vec<MatcherProtection>,
    crypto_strength: Option<u16>,
    operating_env: Option<String>,
    attachment_hint: AttachmentHint,
    is_second_factor_only: bool,
    tc_display: TcDisplay,
    tc_display_content_type: Option<String>,
    tc_display_png_characteristics: Vec<DisplayPngCharacteristicsDescriptor>,
    attestation_root_certificates: Vec<Vec<u8>>,
    ecdaa_trust_anchors: Vec<EcdaaTrustAnchor>,
    icon: Option<String>,
    supported_extensions: Vec<ExtensionDescriptor>,
}

impl MetadataStatement {
    /// Reads a statement from JSON text, strictly.
    ///
    /// # Errors
    /// [`MetadataError`] naming the first field that is missing, of the wrong type, or holds
    /// a value the specification does not allow.
    pub fn from_json(text: &str) -> Result<Self, MetadataError> {
        Self::from_json_with(text, &ParseOptions::default())
    }

    /// Reads a statement from JSON text under `options`.
    ///
    /// # Errors
    /// As [`MetadataStatement::from_json`].
    pub fn from_json_with(text: &str, options: &ParseOptions) -> Result<Self, MetadataError> {
        let value = json::parse(text)?;
        Self::from_value(&value, &Path::ROOT, options)
    }

    /// Reads a statement from a parsed JSON value at path `p`.
    pub(crate) fn from_value(
        v: &Value,
        p: &Path<'_>,
        options: &ParseOptions,
    ) -> Result<Self, MetadataError> {
        let o = json::object(v, p)?;
        let schema = o.opt(p, "schema", json::u16_)?;
        let form = match schema {
            None => StatementForm::Uaf1,
            Some(3) => StatementForm::Mds3,
            Some(_) => {
                return Err(p.field("schema").invalid(
                    "unsupported schema version: this reader knows \"schema\": 3 (MDS3) and statements without \"schema\" (UAF 1.0/1.1)",
                ));
            }
        };
        match form {
            StatementForm::Uaf1 => read_uaf1(o, p, options),
            StatementForm::Mds3 => read_mds3(o, p, options),
        }
    }

    /// Which form the statement was written in.
    #[must_use]
    pub fn form(&self) -> StatementForm {
        self.form
    }

    /// `schema` (3 for MDS3; absent in the UAF 1.x form).
    #[must_use]
    pub fn schema(&self) -> Option<u16> {
        self.schema
    }

    /// `legalHeader`.
    #[must_use]
    pub fn legal_header(&self) -> Option<&str> {
        self.legal_header.as_deref()
    }

    /// `aaid`: the authenticator model. Required by this crate (it reads UAF metadata).
    #[must_use]
    pub fn aaid(&self) -> Aaid {
        self.aaid
    }

    /// `description`: English name of the model.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// `alternativeDescriptions`: language tag → description.
    #[must_use]
    pub fn alternative_descriptions(&self) -> &BTreeMap<String, String> {
        &self.alternative_descriptions
    }

    /// `authenticatorVersion`: the lowest firmware version that meets this statement; compare
    /// with `AuthenticatorVersion` of `TAG_ASSERTION_INFO` (digest R5.6).
    #[must_use]
    pub fn authenticator_version(&self) -> u32 {
        self.authenticator_version
    }

    /// `protocolFamily` (`uaf` when the UAF 1.x form omits it).
    #[must_use]
    pub fn protocol_family(&self) -> ProtocolFamily {
        self.protocol_family
    }

    /// `upv`: the protocol versions the authenticator speaks (never empty).
    #[must_use]
    pub fn upv(&self) -> &[Version] {
        &self.upv
    }

    /// Whether `version` is listed in `upv`.
    #[must_use]
    pub fn supports_upv(&self, version: Version) -> bool {
        self.upv.contains(&version)
    }

    /// `assertionScheme` as written (UAF 1.x form; MDS3 removed the member).
    #[must_use]
    pub fn assertion_scheme(&self) -> Option<&str> {
        self.assertion_scheme.as_deref()
    }

    /// Whether an assertion of `scheme` fits this statement (digest R5.1): equal to
    /// `assertionScheme` when the statement has one; otherwise (MDS3) `"UAFV1TLV"` for the
    /// `uaf` protocol family, the only scheme of UAF 1.x.
    #[must_use]
    pub fn supports_assertion_scheme(&self, scheme: &str) -> bool {
        match &self.assertion_scheme {
            Some(own) => own == scheme,
            None => {
                self.protocol_family == ProtocolFamily::Uaf && scheme == ASSERTION_SCHEME_UAFV1TLV
            }
        }
    }

    /// `authenticationAlgorithms` (UAF 1.x: `authenticationAlgorithm` followed by the other
    /// members of `authenticationAlgorithms`, without repeats). Never empty.
    #[must_use]
    pub fn authentication_algorithms(&self) -> &[AlgSign] {
        &self.authentication_algorithms
    }

    /// Whether the statement lists `alg` (digest R5.6: `SignatureAlgAndEncoding`).
    #[must_use]
    pub fn supports_sign_alg(&self, alg: AlgSign) -> bool {
        self.authentication_algorithms.contains(&alg)
    }

    /// `publicKeyAlgAndEncodings` (UAF 1.x: `publicKeyAlgAndEncoding` followed by the other
    /// members of `publicKeyAlgAndEncodings`, without repeats). Never empty.
    #[must_use]
    pub fn public_key_alg_and_encodings(&self) -> &[AlgKey] {
        &self.public_key_alg_and_encodings
    }

    /// Whether the statement lists `encoding` (digest R5.6: `PublicKeyAlgAndEncoding`).
    #[must_use]
    pub fn supports_key_encoding(&self, encoding: AlgKey) -> bool {
        self.public_key_alg_and_encodings.contains(&encoding)
    }

    /// `attestationTypes`. Never empty.
    #[must_use]
    pub fn attestation_types(&self) -> &[AttestationType] {
        &self.attestation_types
    }

    /// Whether the statement lists `attestation` (digest R5.11).
    #[must_use]
    pub fn supports_attestation(&self, attestation: AttestationType) -> bool {
        self.attestation_types.contains(&attestation)
    }

    /// `userVerificationDetails`: alternatives (OR) of method sets that must all be passed
    /// (AND). Each inner set is non-empty.
    #[must_use]
    pub fn user_verification_details(&self) -> &[Vec<VerificationMethodDescriptor>] {
        &self.user_verification_details
    }

    /// Every user verification method named anywhere in `userVerificationDetails`, as one set.
    #[must_use]
    pub fn user_verification_methods(&self) -> UserVerify {
        self.user_verification_details
            .iter()
            .flatten()
            .fold(UserVerify::EMPTY, |acc, d| acc | d.user_verification)
    }

    /// `keyProtection`.
    #[must_use]
    pub fn key_protection(&self) -> KeyProtection {
        self.key_protection
    }

    /// `isKeyRestricted` (default `true`).
    #[must_use]
    pub fn is_key_restricted(&self) -> bool {
        self.is_key_restricted
    }

    /// `isFreshUserVerificationRequired` (default `true`).
    #[must_use]
    pub fn is_fresh_user_verification_required(&self) -> bool {
        self.is_fresh_user_verification_required
    }

    /// `matcherProtection` (one value in the UAF 1.x form; a list in MDS3).
    #[must_use]
    pub fn matcher_protection(&self) -> &[MatcherProtection] {
        &self.matcher_protection
    }

    /// `matcherProtection` as the bit mask `MatchCriteria.matcherProtection` uses.
    #[must_use]
    pub fn matcher_protection_bits(&self) -> u16 {
        self.matcher_protection
            .iter()
            .fold(0, |acc, m| acc | m.value())
    }

    /// `cryptoStrength`.
    #[must_use]
    pub fn crypto_strength(&self) -> Option<u16> {
        self.crypto_strength
    }

    /// `operatingEnv` (UAF 1.x only).
    #[must_use]
    pub fn operating_env(&self) -> Option<&str> {
        self.operating_env.as_deref()
    }

    /// `attachmentHint`.
    #[must_use]
    pub fn attachment_hint(&self) -> AttachmentHint {
        self.attachment_hint
    }

    /// `isSecondFactorOnly` (UAF 1.x, required there; `false` when an MDS3 statement omits
    /// it). Second-factor authenticators need KeyIDs in authentication requests.
    #[must_use]
    pub fn is_second_factor_only(&self) -> bool {
        self.is_second_factor_only
    }

    /// `tcDisplay`; empty when the authenticator has no transaction confirmation display.
    #[must_use]
    pub fn tc_display(&self) -> TcDisplay {
        self.tc_display
    }

    /// `tcDisplayContentType` (present whenever `tcDisplay` is not empty).
    #[must_use]
    pub fn tc_display_content_type(&self) -> Option<&str> {
        self.tc_display_content_type.as_deref()
    }

    /// `tcDisplayPNGCharacteristics` (non-empty whenever the display takes `image/png`).
    #[must_use]
    pub fn tc_display_png_characteristics(&self) -> &[DisplayPngCharacteristicsDescriptor] {
        &self.tc_display_png_characteristics
    }

    /// `attestationRootCertificates`, decoded to DER. Empty for models without Basic Full
    /// attestation (digest R5.11).
    #[must_use]
    pub fn attestation_root_certificates(&self) -> &[Vec<u8>] {
        &self.attestation_root_certificates
    }

    /// `ecdaaTrustAnchors`, as written.
    #[must_use]
    pub fn ecdaa_trust_anchors(&self) -> &[EcdaaTrustAnchor] {
        &self.ecdaa_trust_anchors
    }

    /// `icon`: a `data:` URL, kept as written.
    #[must_use]
    pub fn icon(&self) -> Option<&str> {
        self.icon.as_deref()
    }

    /// `supportedExtensions`.
    #[must_use]
    pub fn supported_extensions(&self) -> &[ExtensionDescriptor] {
        &self.supported_extensions
    }
}

/// Members common to both forms, read after the form-specific ones.
struct Common {
    legal_header: Option<String>,
    aaid: Aaid,
    description: String,
    alternative_descriptions: BTreeMap<String, String>,
    upv: Vec<Version>,
    is_key_restricted: bool,
    is_fresh_user_verification_required: bool,
    crypto_strength: Option<u16>,
    tc_display_content_type: Option<String>,
    png_characteristics: Option<Vec<DisplayPngCharacteristicsDescriptor>>,
    attestation_root_certificates: Vec<Vec<u8>>,
    ecdaa_trust_anchors: Vec<EcdaaTrustAnchor>,
    icon: Option<String>,
    supported_extensions: Vec<ExtensionDescriptor>,
}

fn read_common(o: Obj<'_>, p: &Path<'_>, options: &ParseOptions) -> Result<Common, MetadataError> {
    Ok(Common {
        legal_header: o.opt(p, "legalHeader", owned_string)?,
        aaid: o.req(p, "aaid", aaid)?,
        description: o.req(p, "description", owned_string)?,
        alternative_descriptions: o
            .opt(p, "alternativeDescriptions", alternative_descriptions)?
            .unwrap_or_default(),
        upv: o.req(p, "upv", |v, p| {
            json::non_empty_array(v, p, "an array of {\"major\", \"minor\"} objects", version)
        })?,
        is_key_restricted: o.opt(p, "isKeyRestricted", json::boolean)?.unwrap_or(true),
        is_fresh_user_verification_required: o
            .opt(p, "isFreshUserVerificationRequired", json::boolean)?
            .unwrap_or(true),
        crypto_strength: o.opt(p, "cryptoStrength", json::u16_)?,
        tc_display_content_type: o.opt(p, "tcDisplayContentType", owned_string)?,
        png_characteristics: o.opt(p, "tcDisplayPNGCharacteristics", |v, p| {
            json::array(
                v,
                p,
                "an array of DisplayPNGCharacteristicsDescriptor objects",
                png,
            )
        })?,
        attestation_root_certificates: o.req(p, "attestationRootCertificates", |v, p| {
            json::array(v, p, "an array of base64 DER certificates", |v, p| {
                options.decode_certificate(json::string(v, p)?, p)
            })
        })?,
        ecdaa_trust_anchors: o
            .opt(p, "ecdaaTrustAnchors", |v, p| {
                json::array(
                    v,
                    p,
                    "an array of EcdaaTrustAnchor objects",
                    ecdaa_trust_anchor,
                )
            })?
            .unwrap_or_default(),
        icon: o.opt(p, "icon", owned_string)?,
        supported_extensions: o
            .opt(p, "supportedExtensions", |v, p| {
                json::array(v, p, "an array of ExtensionDescriptor objects", extension)
            })?
            .unwrap_or_default(),
    })
}

/// Checks the members that `tcDisplay` makes required and builds the statement.
fn finish(
    p: &Path<'_>,
    form: StatementForm,
    schema: Option<u16>,
    common: Common,
    specific: Specific,
) -> Result<MetadataStatement, MetadataError> {
    // Metadata statement v1.1 §3 / v3.0 §4: tcDisplayContentType MUST be present when
    // tcDisplay is not empty; tcDisplayPNGCharacteristics MUST be present when, in addition,
    // the content type is image/png.
    let png = common.png_characteristics;
    if !specific.tc_display.is_empty() {
        match common.tc_display_content_type.as_deref() {
            None => {
                return Err(MetadataError::MissingDependentField {
                    path: p.field("tcDisplayContentType").render(),
                    because: "tcDisplay is not empty (the authenticator can confirm transactions)",
                });
            }
            Some(CONTENT_TYPE_IMAGE_PNG) => match &png {
                None => {
                    return Err(MetadataError::MissingDependentField {
                        path: p.field("tcDisplayPNGCharacteristics").render(),
                        because: "tcDisplayContentType is \"image/png\"",
                    });
                }
                Some(list) if list.is_empty() => {
                    return Err(p.field("tcDisplayPNGCharacteristics").invalid(
                        "must not be an empty array when tcDisplayContentType is \"image/png\"",
                    ));
                }
                Some(_) => {}
            },
            Some(_) => {}
        }
    }
    Ok(MetadataStatement {
        form,
        schema,
        legal_header: common.legal_header,
        aaid: common.aaid,
        description: common.description,
        alternative_descriptions: common.alternative_descriptions,
        authenticator_version: specific.authenticator_version,
        protocol_family: specific.protocol_family,
        upv: common.upv,
        assertion_scheme: specific.assertion_scheme,
        authentication_algorithms: specific.authentication_algorithms,
        public_key_alg_and_encodings: specific.public_key_alg_and_encodings,
        attestation_types: specific.attestation_types,
        user_verification_details: specific.user_verification_details,
        key_protection: specific.key_protection,
        is_key_restricted: common.is_key_restricted,
        is_fresh_user_verification_required: common.is_fresh_user_verification_required,
        matcher_protection: specific.matcher_protection,
        crypto_strength: common.crypto_strength,
        operating_env: specific.operating_env,
        attachment_hint: specific.attachment_hint,
        is_second_factor_only: specific.is_second_factor_only,
        tc_display: specific.tc_display,
        tc_display_content_type: common.tc_display_content_type,
        tc_display_png_characteristics: png.unwrap_or_default(),
        attestation_root_certificates: common.attestation_root_certificates,
        ecdaa_trust_anchors: common.ecdaa_trust_anchors,
        icon: common.icon,
        supported_extensions: common.supported_extensions,
    })
}

/// Members whose JSON shape differs between the two forms.
struct Specific {
    authenticator_version: u32,
    protocol_family: ProtocolFamily,
    assertion_scheme: Option<String>,
    authentication_algorithms: Vec<AlgSign>,
    public_key_alg_and_encodings: Vec<AlgKey>,
    attestation_types: Vec<AttestationType>,
    user_verification_details: Vec<Vec<VerificationMethodDescriptor>>,
    key_protection: KeyProtection,
    matcher_protection: Vec<MatcherProtection>,
    operating_env: Option<String>,
    attachment_hint: AttachmentHint,
    is_second_factor_only: bool,
    tc_display: TcDisplay,
}

/// Metadata statement v1.0/v1.1 §3: numbers from the registry.
fn read_uaf1(
    o: Obj<'_>,
    p: &Path<'_>,
    options: &ParseOptions,
) -> Result<MetadataStatement, MetadataError> {
    let v1_u16 = |v: &Value, p: &Path<'_>| json::uint::<u16>(v, p, V1_U16);
    let v1_u32 = |v: &Value, p: &Path<'_>| json::uint::<u32>(v, p, V1_U32);

    // Specific members first, in the order of the specification's dictionary.
    let authenticator_version = o.req(p, "authenticatorVersion", v1_u16)?;
    let protocol_family = o
        .opt(p, "protocolFamily", protocol_family)?
        .unwrap_or(ProtocolFamily::Uaf);
    let assertion_scheme = o.req(p, "assertionScheme", owned_string)?;
    // v1.1: the required singular member plus the optional list, without repeats.
    let mut authentication_algorithms = vec![AlgSign::from_value(o.req(
        p,
        "authenticationAlgorithm",
        v1_u16,
    )?)];
    for n in o
        .opt(p, "authenticationAlgorithms", |v, p| {
            json::non_empty_array(v, p, V1_U16_ARRAY, v1_u16)
        })?
        .unwrap_or_default()
    {
        push_unique(&mut authentication_algorithms, AlgSign::from_value(n));
    }
    let mut public_key_alg_and_encodings = vec![AlgKey::from_value(o.req(
        p,
        "publicKeyAlgAndEncoding",
        v1_u16,
    )?)];
    for n in o
        .opt(p, "publicKeyAlgAndEncodings", |v, p| {
            json::non_empty_array(v, p, V1_U16_ARRAY, v1_u16)
        })?
        .unwrap_or_default()
    {
        push_unique(&mut public_key_alg_and_encodings, AlgKey::from_value(n));
    }
    let attestation_types = o.req(p, "attestationTypes", |v, p| {
        json::non_empty_array(v, p, V1_U16_ARRAY, |v, p| {
            v1_u16(v, p).map(AttestationType::from_value)
        })
    })?;
    let user_verification_details = o.req(p, "userVerificationDetails", |v, p| {
        uv_details(v, p, StatementForm::Uaf1)
    })?;
    let key_protection = KeyProtection(o.req(p, "keyProtection", v1_u16)?);
    let matcher_protection = vec![MatcherProtection::from_value(o.req(
        p,
        "matcherProtection",
        v1_u16,
    )?)];
    let operating_env = o.opt(p, "operatingEnv", owned_string)?;
    let attachment_hint = AttachmentHint(o.req(p, "attachmentHint", v1_u32)?);
    let is_second_factor_only = o.req(p, "isSecondFactorOnly", json::boolean)?;
    let tc_display = TcDisplay(o.req(p, "tcDisplay", v1_u16)?);

    let specific = Specific {
        authenticator_version: u32::from(authenticator_version),
        protocol_family,
        assertion_scheme: Some(assertion_scheme),
        authentication_algorithms,
        public_key_alg_and_encodings,
        attestation_types,
        user_verification_details,
        key_protection,
        matcher_protection,
        operating_env,
        attachment_hint,
        is_second_factor_only,
        tc_display,
    };
    let common = read_common(o, p, options)?;
    finish(p, StatementForm::Uaf1, None, common, specific)
}

/// Metadata statement v3.0 §4 (MDS3): lower-case registry strings.
fn read_mds3(
    o: Obj<'_>,
    p: &Path<'_>,
    options: &ParseOptions,
) -> Result<MetadataStatement, MetadataError> {
    let specific = Specific {
        authenticator_version: o.req(p, "authenticatorVersion", json::u32_)?,
        protocol_family: o.req(p, "protocolFamily", protocol_family)?,
        // Removed in v3.0; read when a statement still carries it.
        assertion_scheme: o.opt(p, "assertionScheme", owned_string)?,
        authentication_algorithms: o.req(p, "authenticationAlgorithms", |v, p| {
            json::non_empty_array(v, p, V3_NAMES, |v, p| name(v, p, AlgSign::from_mds3_name))
        })?,
        public_key_alg_and_encodings: o.req(p, "publicKeyAlgAndEncodings", |v, p| {
            json::non_empty_array(v, p, V3_NAMES, |v, p| name(v, p, AlgKey::from_mds3_name))
        })?,
        attestation_types: o.req(p, "attestationTypes", |v, p| {
            json::non_empty_array(v, p, V3_NAMES, |v, p| {
                name(v, p, AttestationType::from_mds3_name)
            })
        })?,
        user_verification_details: o.req(p, "userVerificationDetails", |v, p| {
            uv_details(v, p, StatementForm::Mds3)
        })?,
        key_protection: o.req(p, "keyProtection", |v, p| {
            flag_names(v, p, KeyProtection::EMPTY, KeyProtection::from_mds3_name)
        })?,
        matcher_protection: o.req(p, "matcherProtection", |v, p| {
            json::array(v, p, V3_NAMES, |v, p| {
                name(v, p, MatcherProtection::from_mds3_name)
            })
        })?,
        operating_env: o.opt(p, "operatingEnv", owned_string)?,
        attachment_hint: o.req(p, "attachmentHint", |v, p| {
            flag_names(v, p, AttachmentHint::EMPTY, AttachmentHint::from_mds3_name)
        })?,
        is_second_factor_only: o
            .opt(p, "isSecondFactorOnly", json::boolean)?
            .unwrap_or(false),
        tc_display: o.req(p, "tcDisplay", |v, p| {
            flag_names(v, p, TcDisplay::EMPTY, TcDisplay::from_mds3_name)
        })?,
    };
    let common = read_common(o, p, options)?;
    finish(p, StatementForm::Mds3, Some(3), common, specific)
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn owned_string(v: &Value, p: &Path<'_>) -> Result<String, MetadataError> {
    json::string(v, p).map(String::from)
}

/// An `aaid` member.
pub(crate) fn aaid(v: &Value, p: &Path<'_>) -> Result<Aaid, MetadataError> {
    Aaid::parse(json::string(v, p)?)
        .map_err(|_| p.invalid("must be an AAID \"VVVV#MMMM\" (4 hex digits, '#', 4 hex digits)"))
}

fn protocol_family(v: &Value, p: &Path<'_>) -> Result<ProtocolFamily, MetadataError> {
    let s = json::string(v, p)?;
    ProtocolFamily::from_name(s).ok_or_else(|| p.unknown_name(s))
}

/// One MDS3 registry string, looked up with `lookup`.
fn name<T>(v: &Value, p: &Path<'_>, lookup: fn(&str) -> Option<T>) -> Result<T, MetadataError> {
    match v {
        Value::String(s) => lookup(s).ok_or_else(|| p.unknown_name(s)),
        other => Err(p.wrong_type(V3_NAME, other)),
    }
}

/// An MDS3 list of flag names, OR-ed into one bit set.
fn flag_names<T: core::ops::BitOr<Output = T> + Copy>(
    v: &Value,
    p: &Path<'_>,
    empty: T,
    lookup: fn(&str) -> Option<T>,
) -> Result<T, MetadataError> {
    let flags = json::array(v, p, V3_NAMES, |v, p| name(v, p, lookup))?;
    Ok(flags.into_iter().fold(empty, |acc, f| acc | f))
}

fn alternative_descriptions(
    v: &Value,
    p: &Path<'_>,
) -> Result<BTreeMap<String, String>, MetadataError> {
    let o = json::object(v, p)?;
    let mut out = BTreeMap::new();
    for (lang, text) in o.members() {
        out.insert(lang.clone(), owned_string(text, &p.field(lang))?);
    }
    Ok(out)
}

fn version(v: &Value, p: &Path<'_>) -> Result<Version, MetadataError> {
    let o = json::object(v, p)?;
    Ok(Version {
        major: o.req(p, "major", json::u16_)?,
        minor: o.req(p, "minor", json::u16_)?,
    })
}

/// `userVerificationDetails`: `VerificationMethodANDCombinations[]`.
fn uv_details(
    v: &Value,
    p: &Path<'_>,
    form: StatementForm,
) -> Result<Vec<Vec<VerificationMethodDescriptor>>, MetadataError> {
    json::array(
        v,
        p,
        "an array of arrays of VerificationMethodDescriptor objects",
        |v, p| {
            json::non_empty_array(
                v,
                p,
                "an array of VerificationMethodDescriptor objects",
                |v, p| uv_descriptor(v, p, form),
            )
        },
    )
}

fn uv_descriptor(
    v: &Value,
    p: &Path<'_>,
    form: StatementForm,
) -> Result<VerificationMethodDescriptor, MetadataError> {
    let o = json::object(v, p)?;
    let user_verification = match form {
        StatementForm::Uaf1 => o.req(p, "userVerification", |v, p| {
            let bits: u32 = json::uint(v, p, V1_U32)?;
            // Metadata statement v1.1 §3.1: "a single USER_VERIFY constant, not a bit flag
            // combination. This value MUST be non-zero."
            if bits.count_ones() != 1 {
                return Err(p.invalid(
                    "must be exactly one USER_VERIFY_* flag (list several methods as several descriptors of one AND-set)",
                ));
            }
            Ok(UserVerify(bits))
        })?,
        StatementForm::Mds3 => {
            o.req(p, "userVerificationMethod", |v, p| name(v, p, UserVerify::from_mds3_name))?
        }
    };
    Ok(VerificationMethodDescriptor {
        user_verification,
        ca_desc: o.opt(p, "caDesc", code_accuracy)?,
        ba_desc: o.opt(p, "baDesc", biometric_accuracy)?,
        pa_desc: o.opt(p, "paDesc", pattern_accuracy)?,
    })
}

fn code_accuracy(v: &Value, p: &Path<'_>) -> Result<CodeAccuracyDescriptor, MetadataError> {
    let o = json::object(v, p)?;
    Ok(CodeAccuracyDescriptor {
        base: o.req(p, "base", json::u16_)?,
        min_length: o.req(p, "minLength", json::u16_)?,
        max_retries: o.opt(p, "maxRetries", json::u16_)?,
        block_slowdown: o.opt(p, "blockSlowdown", json::u16_)?,
    })
}

fn biometric_accuracy(
    v: &Value,
    p: &Path<'_>,
) -> Result<BiometricAccuracyDescriptor, MetadataError> {
    let o = json::object(v, p)?;
    Ok(BiometricAccuracyDescriptor {
        far: o.opt(p, "FAR", json::number)?,
        frr: o.opt(p, "FRR", json::number)?,
        eer: o.opt(p, "EER", json::number)?,
        faar: o.opt(p, "FAAR", json::number)?,
        max_reference_data_sets: o.opt(p, "maxReferenceDataSets", json::u16_)?,
        self_attested_frr: o.opt(p, "selfAttestedFRR", json::number)?,
        self_attested_far: o.opt(p, "selfAttestedFAR", json::number)?,
        max_templates: o.opt(p, "maxTemplates", json::u16_)?,
        max_retries: o.opt(p, "maxRetries", json::u16_)?,
        block_slowdown: o.opt(p, "blockSlowdown", json::u16_)?,
    })
}

fn pattern_accuracy(v: &Value, p: &Path<'_>) -> Result<PatternAccuracyDescriptor, MetadataError> {
    let o = json::object(v, p)?;
    Ok(PatternAccuracyDescriptor {
        min_complexity: o.req(p, "minComplexity", json::u32_)?,
        max_retries: o.opt(p, "maxRetries", json::u16_)?,
        block_slowdown: o.opt(p, "blockSlowdown", json::u16_)?,
    })
}

fn png(v: &Value, p: &Path<'_>) -> Result<DisplayPngCharacteristicsDescriptor, MetadataError> {
    let o = json::object(v, p)?;
    let plte = o
        .opt(p, "plte", |v, p| {
            let entries = json::non_empty_array(
                v,
                p,
                "an array of {\"r\", \"g\", \"b\"} objects",
                |v, p| {
                    let e = json::object(v, p)?;
                    Ok(RgbPaletteEntry {
                        r: e.req(p, "r", json::u16_)?,
                        g: e.req(p, "g", json::u16_)?,
                        b: e.req(p, "b", json::u16_)?,
                    })
                },
            )?;
            if entries.len() > 256 {
                return Err(p.invalid("must hold at most 256 palette entries"));
            }
            Ok(entries)
        })?
        .unwrap_or_default();
    Ok(DisplayPngCharacteristicsDescriptor {
        width: o.req(p, "width", json::u32_)?,
        height: o.req(p, "height", json::u32_)?,
        bit_depth: o.req(p, "bitDepth", json::u8_)?,
        color_type: o.req(p, "colorType", json::u8_)?,
        compression: o.req(p, "compression", json::u8_)?,
        filter: o.req(p, "filter", json::u8_)?,
        interlace: o.req(p, "interlace", json::u8_)?,
        plte,
    })
}

fn ecdaa_trust_anchor(v: &Value, p: &Path<'_>) -> Result<EcdaaTrustAnchor, MetadataError> {
    let o = json::object(v, p)?;
    Ok(EcdaaTrustAnchor {
        x: o.req(p, "X", owned_string)?,
        y: o.req(p, "Y", owned_string)?,
        c: o.req(p, "c", owned_string)?,
        sx: o.req(p, "sx", owned_string)?,
        sy: o.req(p, "sy", owned_string)?,
        g1_curve: o.req(p, "G1Curve", owned_string)?,
    })
}

fn extension(v: &Value, p: &Path<'_>) -> Result<ExtensionDescriptor, MetadataError> {
    let o = json::object(v, p)?;
    Ok(ExtensionDescriptor {
        id: o.req(p, "id", owned_string)?,
        tag: o.opt(p, "tag", json::u16_)?,
        data: o.opt(p, "data", owned_string)?,
        fail_if_unknown: o.req(p, "fail_if_unknown", json::boolean)?,
    })
}
