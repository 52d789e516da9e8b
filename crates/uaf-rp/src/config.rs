//! Relying-party configuration: every setting of the conformance vector format's `rp` block,
//! with safe defaults, built by [`RelyingPartyBuilder`].

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use uaf_crypto::attestation::ChainOptions;
use uaf_proto::b64::Base64Policy;
use uaf_proto::id::{AppId, IdError};
use uaf_proto::message::{
    ChannelBinding, MatchCriteria, Policy, RejectedFacetId, TrustedFacets, Version,
};
use uaf_proto::registry::{ASSERTION_SCHEME_UAFV1TLV, AlgSign, UserVerify};

use crate::counter::CounterPolicy;
use crate::error::StatusCodeMode;

/// Which attestation the RP requires at registration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AttestationRequirement {
    /// Basic full, or basic surrogate where the metadata allows it (the default).
    #[default]
    Required,
    /// Basic full only: surrogate (self) attestation is refused.
    BasicFullOnly,
}

/// Whether the RP requires user verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UserVerificationRequirement {
    /// The authenticator's metadata must list a method that verifies the user (anything
    /// beyond presence only or none): phone sign-in is a first factor (the default).
    #[default]
    Required,
    /// Any authenticator, including presence-only and silent ones.
    Any,
}

/// Named compatibility relaxations, each off by default. Each exists because deployed
/// clients need it; each weakens a check, so turn on only what your clients need.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Compat {
    /// `missing-channel-binding`: `fcParams` without a `channelBinding` member is read as `{}`.
    /// Some early UAF 1.0 clients omit the member entirely.
    pub missing_channel_binding: bool,
    /// `unknown-critical-tags`: unknown TLV tags with the critical bit inside KRD / SignedData
    /// are skipped (still covered by the signature) instead of rejecting the assertion. Some
    /// vendor authenticators set the bit on proprietary tags.
    pub unknown_critical_tags: bool,
    /// `signature-encoding-switch`: an authentication may use the other encoding (ECDSA RAW ↔
    /// DER, RSASSA-PSS RAW ↔ DER) of the registered algorithm. Seen with clients that change
    /// their key store between registration and authentication.
    pub signature_encoding_switch: bool,
    /// `ignore-attestation-expiry`: attestation certificates are accepted outside their
    /// validity period (signatures and chaining still checked). Published test chains, the
    /// UAF specification's examples among them, have expired. Risk: see
    /// [`ChainOptions::danger_ignore_expiry`].
    pub ignore_attestation_expiry: bool,
}

/// A compatibility name that [`Compat::enable`] does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCompat(pub String);

impl fmt::Display for UnknownCompat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown compatibility option {:?} (known: {})",
            self.0,
            Compat::NAMES.join(", ")
        )
    }
}

impl core::error::Error for UnknownCompat {}

impl Compat {
    /// The names used in configuration files and conformance vectors.
    pub const NAMES: &'static [&'static str] = &[
        "missing-channel-binding",
        "unknown-critical-tags",
        "signature-encoding-switch",
        "ignore-attestation-expiry",
    ];

    /// Turns on the relaxation called `name`.
    ///
    /// # Errors
    /// [`UnknownCompat`] for a name not in [`Compat::NAMES`].
    pub fn enable(&mut self, name: &str) -> Result<(), UnknownCompat> {
        match name {
            "missing-channel-binding" => self.missing_channel_binding = true,
            "unknown-critical-tags" => self.unknown_critical_tags = true,
            "signature-encoding-switch" => self.signature_encoding_switch = true,
            "ignore-attestation-expiry" => self.ignore_attestation_expiry = true,
            other => return Err(UnknownCompat(other.into())),
        }
        Ok(())
    }
}

/// The relying party's settings. Made by [`RelyingPartyBuilder`]; read-only afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub(crate) app_id: AppId,
    pub(crate) trusted_facets: Vec<String>,
    pub(crate) versions: Vec<Version>,
    pub(crate) request_version: Version,
    pub(crate) challenge_ttl_secs: u64,
    pub(crate) status_codes: StatusCodeMode,
    pub(crate) base64: Base64Policy,
    pub(crate) legacy_certificates: bool,
    pub(crate) counter: CounterPolicy,
    pub(crate) accept_algorithms: Option<Vec<AlgSign>>,
    pub(crate) attestation: AttestationRequirement,
    pub(crate) user_verification: UserVerificationRequirement,
    pub(crate) channel_binding: ChannelBinding,
    pub(crate) compat: Compat,
    pub(crate) known_extensions: Vec<String>,
    pub(crate) policy: Policy,
    pub(crate) max_chain_len: usize,
    pub(crate) key_cache_capacity: usize,
}

impl Config {
    /// The AppID (the trusted-facets URL, or a facet ID).
    #[must_use]
    pub fn app_id(&self) -> &AppId {
        &self.app_id
    }

    /// The trusted facet IDs as compared (web facets as their origin, every other facet
    /// exactly as given), in order.
    #[must_use]
    pub fn trusted_facets(&self) -> &[String] {
        &self.trusted_facets
    }

    /// The trusted facets of an odd shape, worth a warning in the RP's log (never a reason to
    /// refuse the list: real deployments publish padded `android:apk-key-hash:…=` values and
    /// bare legacy strings such as an Android package name, and their clients send exactly
    /// those). Each says what is unusual; UAF clients that resolve the list themselves drop
    /// such entries (digest §7.3 step 6).
    #[must_use]
    pub fn trusted_facet_warnings(&self) -> Vec<RejectedFacetId> {
        TrustedFacets {
            version: Version::new(1, 0),
            ids: self.trusted_facets.clone(),
        }
        .facet_ids()
        .rejected
    }

    /// The protocol versions accepted.
    #[must_use]
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// How rejections become status codes.
    #[must_use]
    pub const fn status_codes(&self) -> StatusCodeMode {
        self.status_codes
    }

    /// The base64url policy.
    #[must_use]
    pub const fn base64(&self) -> Base64Policy {
        self.base64
    }

    /// The compatibility relaxations in force.
    #[must_use]
    pub const fn compat(&self) -> Compat {
        self.compat
    }

    /// The challenge lifetime in seconds.
    #[must_use]
    pub const fn challenge_ttl_secs(&self) -> u64 {
        self.challenge_ttl_secs
    }

    /// The counter policy.
    #[must_use]
    pub const fn counter_policy(&self) -> CounterPolicy {
        self.counter
    }

    /// The policy sent in requests (before per-user additions).
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether the RP accepts `alg` (the configured list, else every algorithm this build of
    /// uaf-crypto verifies).
    #[must_use]
    pub fn accepts_algorithm(&self, alg: AlgSign) -> bool {
        match &self.accept_algorithms {
            Some(list) => list.contains(&alg),
            None => crate::is_supported_algorithm(alg),
        }
    }

    /// The certificate chain options implied by the settings.
    #[must_use]
    pub fn chain_options(&self) -> ChainOptions {
        ChainOptions::new()
            .allow_legacy(self.legacy_certificates)
            .danger_ignore_expiry(self.compat.ignore_attestation_expiry)
            .max_chain_len(self.max_chain_len)
    }

    /// The channel binding values the RP observed and compares.
    #[must_use]
    pub fn channel_binding(&self) -> &ChannelBinding {
        &self.channel_binding
    }

    pub(crate) fn user_verification(&self) -> UserVerificationRequirement {
        self.user_verification
    }

    pub(crate) fn attestation(&self) -> AttestationRequirement {
        self.attestation
    }

    pub(crate) fn known_extensions(&self) -> &[String] {
        &self.known_extensions
    }

    pub(crate) fn request_version(&self) -> Version {
        self.request_version
    }

    /// Whether legacy attestation certificates (X.509 v1, SHA-1) are accepted.
    #[must_use]
    pub const fn legacy_certificates(&self) -> bool {
        self.legacy_certificates
    }
}

/// Why a configuration is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The AppID is too long.
    AppId(IdError),
    /// A trusted facet ID is the empty string (every non-empty string loads).
    Facet {
        /// Its position in the list given.
        index: usize,
        /// The facet ID given.
        facet: String,
    },
    /// No trusted facet: the AppID is not an `https` URL and no facet was given.
    NoTrustedFacets,
    /// No protocol version.
    NoVersions,
    /// The challenge lifetime is zero.
    ZeroChallengeTtl,
    /// The request policy violates the `MatchCriteria` rules.
    Policy(uaf_proto::message::MessageError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::AppId(e) => write!(f, "AppID: {e}"),
            ConfigError::Facet { index, facet } => write!(
                f,
                "trusted facet {index} ({facet:?}) is empty; a facet ID is a non-empty string"
            ),
            ConfigError::NoTrustedFacets => f.write_str(
                "no trusted facet: give the facet list, or use an https AppID (its origin is trusted)",
            ),
            ConfigError::NoVersions => f.write_str("at least one protocol version is required"),
            ConfigError::ZeroChallengeTtl => f.write_str("the challenge lifetime must be positive"),
            ConfigError::Policy(e) => write!(f, "request policy: {e}"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// Builds a [`Config`] with safe defaults: UAF 1.1 (and 1.0 responses), challenges valid for
/// 300 s, specific status codes, strict base64url, no legacy certificates, counter regressions
/// rejected, every supported algorithm, attestation and user verification required, no
/// compatibility relaxation, and a policy that accepts any `UAFV1TLV` authenticator that
/// verifies its user.
#[derive(Clone, Debug)]
pub struct RelyingPartyBuilder {
    app_id: String,
    trusted_facets: Option<Vec<String>>,
    versions: Vec<Version>,
    challenge_ttl_secs: u64,
    status_codes: StatusCodeMode,
    base64: Base64Policy,
    legacy_certificates: bool,
    counter: CounterPolicy,
    accept_algorithms: Option<Vec<AlgSign>>,
    attestation: AttestationRequirement,
    user_verification: UserVerificationRequirement,
    channel_binding: ChannelBinding,
    compat: Compat,
    known_extensions: Vec<String>,
    policy: Option<Policy>,
    max_chain_len: usize,
    key_cache_capacity: usize,
}

impl RelyingPartyBuilder {
    /// The default of [`RelyingPartyBuilder::key_cache_capacity`]: 4096 keys (a few MB at
    /// most).
    pub const DEFAULT_KEY_CACHE_CAPACITY: usize = 4096;

    /// Starts a configuration for `app_id` (normally the `https` URL of the trusted-facets
    /// list).
    #[must_use]
    pub fn new(app_id: impl Into<String>) -> Self {
        RelyingPartyBuilder {
            app_id: app_id.into(),
            trusted_facets: None,
            versions: vec![Version::V1_1, Version::V1_0],
            challenge_ttl_secs: 300,
            status_codes: StatusCodeMode::Specific,
            base64: Base64Policy::Strict,
            legacy_certificates: false,
            counter: CounterPolicy::RejectRegression,
            accept_algorithms: None,
            attestation: AttestationRequirement::Required,
            user_verification: UserVerificationRequirement::Required,
            channel_binding: ChannelBinding::default(),
            compat: Compat::default(),
            known_extensions: Vec::new(),
            policy: None,
            max_chain_len: ChainOptions::DEFAULT_MAX_CHAIN_LEN,
            key_cache_capacity: Self::DEFAULT_KEY_CACHE_CAPACITY,
        }
    }

    /// The trusted facet IDs. Default: the origin of an `https` AppID.
    ///
    /// Every non-empty string loads, whatever its shape (digest §7; the conformance-vector
    /// format's "Facets" rule): `https` facets compare by origin (scheme, host, non-default
    /// port; any path ignored), every other facet exactly. See
    /// [`Config::trusted_facet_warnings`] for the entries worth a warning.
    #[must_use]
    pub fn trusted_facets<I, S>(mut self, facets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.trusted_facets = Some(facets.into_iter().map(Into::into).collect());
        self
    }

    /// The protocol versions accepted; the first is the one requests are issued with.
    /// Default `[1.1, 1.0]`.
    #[must_use]
    pub fn versions(mut self, versions: impl Into<Vec<Version>>) -> Self {
        self.versions = versions.into();
        self
    }

    /// How long a challenge stays valid, in seconds. Default 300.
    #[must_use]
    pub const fn challenge_ttl_secs(mut self, secs: u64) -> Self {
        self.challenge_ttl_secs = secs;
        self
    }

    /// How rejections become status codes. Default [`StatusCodeMode::Specific`].
    #[must_use]
    pub const fn status_codes(mut self, mode: StatusCodeMode) -> Self {
        self.status_codes = mode;
        self
    }

    /// **Dangerous.** Lenient base64 (padding, standard alphabet, line breaks) for
    /// `fcParams` and `assertion`, as sent by clients derived from an old Android UAF client.
    /// The FIDO conformance tool expects strict decoding; lenient decoding lets several texts
    /// stand for one value.
    #[must_use]
    pub const fn danger_lenient_base64(mut self, lenient: bool) -> Self {
        self.base64 = if lenient {
            Base64Policy::Lenient
        } else {
            Base64Policy::Strict
        };
        self
    }

    /// **Dangerous.** Accept X.509 v1 attestation certificates and SHA-1 certificate
    /// signatures (many real UAF authenticators ship them; SHA-1 is forgeable by a
    /// well-funded attacker). Default off.
    #[must_use]
    pub const fn danger_legacy_certificates(mut self, allow: bool) -> Self {
        self.legacy_certificates = allow;
        self
    }

    /// What a counter regression does. Default [`CounterPolicy::RejectRegression`].
    #[must_use]
    pub const fn counter_policy(mut self, policy: CounterPolicy) -> Self {
        self.counter = policy;
        self
    }

    /// The signature algorithms accepted. Default: every algorithm this build verifies.
    #[must_use]
    pub fn accept_algorithms(mut self, algs: impl Into<Vec<AlgSign>>) -> Self {
        self.accept_algorithms = Some(algs.into());
        self
    }

    /// The attestation requirement. Default [`AttestationRequirement::Required`].
    #[must_use]
    pub const fn attestation(mut self, req: AttestationRequirement) -> Self {
        self.attestation = req;
        self
    }

    /// The user verification requirement. Default [`UserVerificationRequirement::Required`].
    #[must_use]
    pub const fn user_verification(mut self, req: UserVerificationRequirement) -> Self {
        self.user_verification = req;
        self
    }

    /// What the RP knows of the TLS channel (compared with `fcParams.channelBinding`).
    #[must_use]
    pub fn channel_binding(mut self, binding: ChannelBinding) -> Self {
        self.channel_binding = binding;
        self
    }

    /// The compatibility relaxations. Default none.
    #[must_use]
    pub const fn compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// Extension IDs the RP understands (a critical extension with another ID rejects).
    #[must_use]
    pub fn known_extensions<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.known_extensions = ids.into_iter().map(Into::into).collect();
        self
    }

    /// The policy sent in requests. Default: any `UAFV1TLV` authenticator with a supported
    /// algorithm whose user verification is not presence-only or none.
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Largest attestation chain accepted. Default
    /// [`ChainOptions::DEFAULT_MAX_CHAIN_LEN`].
    #[must_use]
    pub const fn max_chain_len(mut self, len: usize) -> Self {
        self.max_chain_len = len;
        self
    }

    /// How many decoded stored keys the relying party keeps (feature `std`), so a key that
    /// signs in often is decoded and validated once rather than at every sign-in. Entries are
    /// keyed by the exact stored key bytes, encoding and algorithm, so a changed registration
    /// is never verified with a stale key; the oldest entry goes first when the cache is full.
    /// `0` turns the cache off. Default [`RelyingPartyBuilder::DEFAULT_KEY_CACHE_CAPACITY`].
    /// Without `std` there is no cache and keys are decoded at each verification.
    #[must_use]
    pub const fn key_cache_capacity(mut self, keys: usize) -> Self {
        self.key_cache_capacity = keys;
        self
    }

    /// Checks and freezes the configuration.
    ///
    /// # Errors
    /// [`ConfigError`] naming the setting that is wrong.
    pub fn build(self) -> Result<Config, ConfigError> {
        let app_id = AppId::new(self.app_id).map_err(ConfigError::AppId)?;
        let trusted_facets = match self.trusted_facets {
            Some(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (index, facet) in list.into_iter().enumerate() {
                    out.push(
                        normalise_trusted_facet(&facet)
                            .ok_or(ConfigError::Facet { index, facet })?,
                    );
                }
                out
            }
            // An https AppID trusts its own origin; a facet-ID AppID trusts itself
            // (digest §7.3 rule 2: a non-https AppID must equal the caller's facet).
            None => match app_id.origin() {
                Some(origin) => vec![alloc::string::ToString::to_string(&origin)],
                None if !app_id.is_empty() => vec![String::from(app_id.as_str())],
                None => Vec::new(),
            },
        };
        if trusted_facets.is_empty() {
            return Err(ConfigError::NoTrustedFacets);
        }
        let request_version = *self.versions.first().ok_or(ConfigError::NoVersions)?;
        if self.challenge_ttl_secs == 0 {
            return Err(ConfigError::ZeroChallengeTtl);
        }
        let policy = match self.policy {
            Some(p) => p,
            None => default_policy(self.accept_algorithms.as_deref()),
        };
        policy.validate().map_err(ConfigError::Policy)?;
        Ok(Config {
            app_id,
            trusted_facets,
            versions: self.versions,
            request_version,
            challenge_ttl_secs: self.challenge_ttl_secs,
            status_codes: self.status_codes,
            base64: self.base64,
            legacy_certificates: self.legacy_certificates,
            counter: self.counter,
            accept_algorithms: self.accept_algorithms,
            attestation: self.attestation,
            user_verification: self.user_verification,
            channel_binding: self.channel_binding,
            compat: self.compat,
            known_extensions: self.known_extensions,
            policy,
            max_chain_len: self.max_chain_len,
            key_cache_capacity: self.key_cache_capacity,
        })
    }
}

/// A trusted facet as compared (the same rule as the received facet ID, R4.3): an `https`
/// URL as its origin (any path dropped), every other non-empty string verbatim, whatever its
/// shape (padded Android hashes, bare package names as in the UAF specification's own
/// examples, even `http:` origins, which no client sends). Only the empty string is refused.
fn normalise_trusted_facet(facet: &str) -> Option<String> {
    if facet.is_empty() {
        return None;
    }
    Some(crate::binding::normalise_facet(facet))
}

/// The default request policy: one criterion per user-verifying method family, each with the
/// accepted algorithms and the `UAFV1TLV` scheme (digest §2.12: without `aaid`, both
/// `authenticationAlgorithms` and `assertionSchemes` must be present).
fn default_policy(accept: Option<&[AlgSign]>) -> Policy {
    let algs: Vec<AlgSign> = match accept {
        Some(list) => list.to_vec(),
        None => crate::supported_algorithms(),
    };
    let verifying = [
        UserVerify::FINGERPRINT,
        UserVerify::PASSCODE,
        UserVerify::VOICEPRINT,
        UserVerify::FACEPRINT,
        UserVerify::EYEPRINT,
        UserVerify::PATTERN,
        UserVerify::HANDPRINT,
    ];
    let mut uv = UserVerify::EMPTY;
    for m in verifying {
        uv |= m;
    }
    let criteria = MatchCriteria {
        user_verification: Some(uv),
        authentication_algorithms: Some(algs),
        assertion_schemes: Some(vec![ASSERTION_SCHEME_UAFV1TLV.into()]),
        ..MatchCriteria::default()
    };
    Policy {
        accepted: vec![vec![criteria]],
        disallowed: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uaf_proto::message::FacetIdProblem;

    #[test]
    fn defaults_are_safe() {
        let c = RelyingPartyBuilder::new("https://uaf.example.com/facets.json")
            .build()
            .unwrap();
        assert_eq!(c.trusted_facets(), ["https://uaf.example.com"]);
        assert_eq!(c.versions(), [Version::V1_1, Version::V1_0]);
        assert_eq!(c.base64(), Base64Policy::Strict);
        assert_eq!(c.compat(), Compat::default());
        assert!(!c.legacy_certificates());
        assert_eq!(c.counter_policy(), CounterPolicy::RejectRegression);
        assert_eq!(c.challenge_ttl_secs(), 300);
        assert!(c.policy().validate().is_ok());
        assert!(c.accepts_algorithm(AlgSign::Secp256r1EcdsaSha256Raw));
        assert!(!c.accepts_algorithm(AlgSign::Unknown(0x99)));
    }

    /// Real deployments' lists load whatever the shape of an entry (issue 12): padded
    /// Android hashes, bare package names, even `http:` origins; odd shapes are reported for
    /// a warning, never refused.
    #[test]
    fn trusted_facets_of_any_shape_load() {
        let c = RelyingPartyBuilder::new("https://a.example/f")
            .trusted_facets([
                "https://A.example:443/login",
                "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM=",
                "com.noknok.android.sampleapp",
                "ios:bundle-id:org.example.app",
                "http://legacy.example",
            ])
            .build()
            .unwrap();
        assert_eq!(
            c.trusted_facets(),
            [
                "https://a.example",
                "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM=",
                "com.noknok.android.sampleapp",
                "ios:bundle-id:org.example.app",
                "http://legacy.example",
            ]
        );
        let odd: Vec<(usize, FacetIdProblem)> = c
            .trusted_facet_warnings()
            .iter()
            .map(|w| (w.index, w.problem))
            .collect();
        assert_eq!(
            odd,
            [
                (1, FacetIdProblem::PaddedAndroidHash),
                (2, FacetIdProblem::Malformed),
                (4, FacetIdProblem::NotHttps),
            ]
        );
        // A list of well-formed facets has nothing to warn about.
        let c = RelyingPartyBuilder::new("https://a.example/f")
            .trusted_facets(["https://a.example", "ios:bundle-id:org.example.app"])
            .build()
            .unwrap();
        assert!(c.trusted_facet_warnings().is_empty());
    }

    #[test]
    fn rejects_bad_settings() {
        assert_eq!(
            RelyingPartyBuilder::new("https://a.example/f")
                .trusted_facets(["https://a.example", ""])
                .build(),
            Err(ConfigError::Facet {
                index: 1,
                facet: String::new()
            })
        );
        assert_eq!(
            RelyingPartyBuilder::new("https://a.example/f")
                .versions(Vec::new())
                .build(),
            Err(ConfigError::NoVersions)
        );
        assert_eq!(
            RelyingPartyBuilder::new("https://a.example/f")
                .challenge_ttl_secs(0)
                .build(),
            Err(ConfigError::ZeroChallengeTtl)
        );
    }

    #[test]
    fn compat_names() {
        let mut c = Compat::default();
        for n in Compat::NAMES {
            c.enable(n).unwrap();
        }
        assert!(c.missing_channel_binding && c.unknown_critical_tags);
        assert!(c.signature_encoding_switch && c.ignore_attestation_expiry);
        assert_eq!(c.enable("nope"), Err(UnknownCompat("nope".into())));
    }
}
