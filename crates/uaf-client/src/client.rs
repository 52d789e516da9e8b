//! [`Client`]: the FIDO UAF client and ASM role.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use sha2::Digest as _;
use uaf_proto::assertion::Extensions;
use uaf_proto::b64;
use uaf_proto::command::{
    API_VERSION, DeregisterCommand, DeregisterResponse, GetInfoResponse, RegisterCommand,
    RegisterResponse, SignCommand, SignResponse, SignResponseContent,
};
use uaf_proto::id::{Aaid, AppId, KeyId};
use uaf_proto::message::{
    AnyMessage, AuthenticationRequest, AuthenticationResponse, AuthenticatorCapabilities,
    AuthenticatorRegistrationAssertion, AuthenticatorSignAssertion, ChannelBinding, DecodeOptions,
    DeregisterAuthenticator, DeregistrationRequest, DisplayPngCharacteristicsDescriptor,
    FinalChallengeParams, MatchCriteria, Operation, OperationHeader, Policy, RegistrationRequest,
    RegistrationResponse, ServerChallenge, Transaction, TrustedFacetList, Version, parse_any,
};
use uaf_proto::registry::{
    AttachmentHint, AttestationType, AuthenticatorType, CONTENT_TYPE_IMAGE_PNG, HashAlg, UserVerify,
};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::{
    TAG_AUTHENTICATOR_ASSERTION, TAG_KEYID, TAG_UAFV1_AUTH_ASSERTION, TAG_UAFV1_KRD,
    TAG_UAFV1_REG_ASSERTION, TAG_UAFV1_REGISTER_CMD_RESPONSE, TAG_UAFV1_SIGN_CMD_RESPONSE,
    TAG_UAFV1_SIGNED_DATA, TlvError, TlvList, TlvReader,
};

use crate::error::{ClientError, CommandKind, Excluded, ExclusionReason, NoSuitableAuthenticator};
use crate::facet::{ResolvedAppId, resolve_app_id};
use crate::fault::ClientFault;
use crate::suffix::{BuiltinSuffixRules, PublicSuffixRules};
use crate::transport::AuthenticatorTransport;

/// The GetInfo command: `TAG_UAFV1_GETINFO_CMD` with no members (digest §5.7).
const GET_INFO: [u8; 4] = [0x01, 0x34, 0x00, 0x00];

/// Line length of "Android" base64 (`android.util.Base64.DEFAULT`).
const ANDROID_LINE: usize = 76;

/// How the client behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The protocol versions the client speaks; of the request array it answers the message
    /// with the highest of them (default `1.1`, `1.0`).
    pub versions: Vec<Version>,
    /// The `PersonaID` mixed into the KHAccessToken of bound authenticators (the OS user or
    /// profile; default empty).
    pub persona_id: Vec<u8>,
    /// Header extension IDs the client understands; a header extension with
    /// `fail_if_unknown` not listed here fails the request (default none).
    pub known_extensions: Vec<String>,
    /// How requests are decoded (default strict).
    pub decode: DecodeOptions,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            versions: alloc::vec![Version::V1_1, Version::V1_0],
            persona_id: Vec::new(),
            known_extensions: Vec::new(),
            decode: DecodeOptions::new(),
        }
    }
}

/// What the ASM knows about an authenticator that GetInfo does not say (digest §5.8), used
/// for policy matching. Applies to every authenticator a transport's GetInfo lists.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticatorOptions {
    /// `ATTACHMENT_HINT_*` bits (default `INTERNAL`).
    pub attachment_hint: AttachmentHint,
    /// The authenticator version its assertions carry (default 0: matches no
    /// `authenticatorVersion` criteria above 0).
    pub authenticator_version: u16,
    /// The OR of AND combinations of user verification methods, from its metadata statement
    /// (`userVerificationDetails`); empty: use the GetInfo bits.
    pub user_verification_details: Vec<UserVerify>,
}

impl Default for AuthenticatorOptions {
    fn default() -> Self {
        AuthenticatorOptions {
            attachment_hint: AttachmentHint::INTERNAL,
            authenticator_version: 0,
            user_verification_details: Vec::new(),
        }
    }
}

impl AuthenticatorOptions {
    /// The defaults with `version` as the authenticator version.
    #[must_use]
    pub fn with_version(version: u16) -> Self {
        AuthenticatorOptions {
            authenticator_version: version,
            ..AuthenticatorOptions::default()
        }
    }
}

/// One request for the client to answer, with what the platform knows about the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRequest<'a> {
    message: &'a str,
    facet_id: &'a str,
    trusted_facets: Option<&'a TrustedFacetList>,
    channel_binding: ChannelBinding,
    faults: Vec<ClientFault>,
    account: Option<&'a str>,
}

impl<'a> ClientRequest<'a> {
    /// `message` (a UAF request array, JSON text) from the caller whose facet ID is
    /// `facet_id` (`https://host[:port]`, `android:apk-key-hash:…`, `ios:bundle-id:…`), with
    /// no trusted facet list, empty channel binding and no faults.
    #[must_use]
    pub fn new(message: &'a str, facet_id: &'a str) -> Self {
        ClientRequest {
            message,
            facet_id,
            trusted_facets: None,
            channel_binding: ChannelBinding::default(),
            faults: Vec::new(),
            account: None,
        }
    }

    /// The trusted facet list of the request's AppID, fetched by the caller (digest §7.2).
    /// Without it, only an empty AppID, an AppID equal to the facet ID, or an AppID on the
    /// caller's own host is accepted.
    #[must_use]
    pub fn trusted_facets(mut self, list: &'a TrustedFacetList) -> Self {
        self.trusted_facets = Some(list);
        self
    }

    /// What the caller knows of the TLS channel to the server (`channelBinding`).
    #[must_use]
    pub fn channel_binding(mut self, channel_binding: ChannelBinding) -> Self {
        self.channel_binding = channel_binding;
        self
    }

    /// Adds a deliberate defect to the response (testing servers).
    #[must_use]
    pub fn fault(mut self, fault: ClientFault) -> Self {
        if !self.faults.contains(&fault) {
            self.faults.push(fault);
        }
        self
    }

    /// The account to sign in with when an authenticator holds several for the AppID (the
    /// user's choice); by default the first one it lists.
    #[must_use]
    pub fn account(mut self, username: &'a str) -> Self {
        self.account = Some(username);
        self
    }

    fn has(&self, fault: ClientFault) -> bool {
        self.faults.contains(&fault)
    }
}

/// A key the client (as ASM) registered: its KeyID and, for authenticators that do not keep
/// them, its key handle.
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    app_id: AppId,
    aaid: Aaid,
    key_id: KeyId,
    key_handle: Option<Vec<u8>>,
    username: String,
    transport: usize,
    authenticator_index: u8,
    roaming: bool,
}

impl Registration {
    /// The AppID the key belongs to.
    #[must_use]
    pub fn app_id(&self) -> &AppId {
        &self.app_id
    }

    /// The authenticator's AAID.
    #[must_use]
    pub fn aaid(&self) -> &Aaid {
        &self.aaid
    }

    /// The KeyID.
    #[must_use]
    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// The key handle the ASM keeps (`None` when the authenticator stores it).
    #[must_use]
    pub fn key_handle(&self) -> Option<&[u8]> {
        self.key_handle.as_deref()
    }

    /// The user name registered.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The transport (index from [`Client::add_authenticator`]).
    #[must_use]
    pub const fn transport(&self) -> usize {
        self.transport
    }

    /// The authenticator index within the transport (`TAG_AUTHENTICATOR_INDEX`).
    #[must_use]
    pub const fn authenticator_index(&self) -> u8 {
        self.authenticator_index
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("app_id", &self.app_id)
            .field("aaid", &self.aaid)
            .field("key_id", &self.key_id)
            .field("key_handle", &self.key_handle.as_ref().map(|_| "<wrapped>"))
            .field("username", &self.username)
            .field("transport", &self.transport)
            .field("authenticator_index", &self.authenticator_index)
            .finish()
    }
}

/// One authenticator that took part in a response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsedAuthenticator {
    /// Its AAID.
    pub aaid: Aaid,
    /// The KeyID it registered or signed with, when its assertion names one.
    pub key_id: Option<KeyId>,
    /// Authentication: the index in the request's `transaction` of the rendering it showed.
    pub transaction: Option<usize>,
}

/// A response message for the server.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientResponse {
    /// The protocol version answered.
    pub upv: Version,
    /// The response message (a JSON array holding one message), to send to the server.
    pub message: String,
    /// The `fcParams` text of the response (what the authenticators hashed).
    pub fc_params: String,
    /// The AppID used.
    pub app_id: AppId,
    /// The authenticators that answered, in the order of the response's `assertions`.
    pub authenticators: Vec<UsedAuthenticator>,
}

/// A key a deregistration could not delete.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeregistrationFailure {
    /// The key (still kept by the client).
    pub registration: Registration,
    /// What the authenticator said.
    pub error: ClientError,
}

/// What a deregistration did (it has no response message).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeregistrationReport {
    /// The AppID.
    pub app_id: AppId,
    /// The keys deleted.
    pub removed: Vec<Registration>,
    /// The keys whose authenticator refused.
    pub failed: Vec<DeregistrationFailure>,
    /// Indices of request entries that named no key this client holds (silently ignored, as
    /// the specification says).
    pub unmatched: Vec<usize>,
}

/// What the client did with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientOutcome {
    /// A registration response.
    Registration(ClientResponse),
    /// An authentication (or transaction confirmation) response.
    Authentication(ClientResponse),
    /// A deregistration (no response message).
    Deregistration(DeregistrationReport),
}

impl ClientOutcome {
    /// The response, for registration and authentication.
    #[must_use]
    pub fn response(&self) -> Option<&ClientResponse> {
        match self {
            ClientOutcome::Registration(r) | ClientOutcome::Authentication(r) => Some(r),
            ClientOutcome::Deregistration(_) => None,
        }
    }
}

/// One authenticator found by GetInfo, with what the client needs to drive it.
#[derive(Clone, Debug)]
struct Candidate {
    transport: usize,
    index: u8,
    kind: AuthenticatorType,
    max_key_handles: u8,
    /// The hash of the final challenge: the one of the authenticator's signature algorithm
    /// (digest §2.11), one that [`uaf_crypto::hash`] computes.
    hash: HashAlg,
    content_type: Option<String>,
    pngs: Vec<DisplayPngCharacteristicsDescriptor>,
}

/// The authenticators of one operation: `candidates[i]` is described by `caps[i]`.
#[derive(Default)]
struct Found {
    candidates: Vec<Candidate>,
    caps: Vec<AuthenticatorCapabilities>,
    excluded: Vec<Excluded>,
}

impl Found {
    /// Leaves out the authenticators for which `reason` says so.
    fn exclude(
        &mut self,
        mut reason: impl FnMut(&Candidate, &AuthenticatorCapabilities) -> Option<ExclusionReason>,
    ) {
        let mut kept = Found {
            excluded: core::mem::take(&mut self.excluded),
            ..Found::default()
        };
        for (c, caps) in self.candidates.drain(..).zip(self.caps.drain(..)) {
            match reason(&c, &caps) {
                Some(r) => kept.excluded.push(Excluded {
                    transport: c.transport,
                    aaid: Some(caps.aaid),
                    reason: r,
                }),
                None => {
                    kept.candidates.push(c);
                    kept.caps.push(caps);
                }
            }
        }
        *self = kept;
    }

    /// Evaluates `policy`; each criteria of the satisfied `accepted[i]` with its candidate.
    fn select<'p>(
        &self,
        policy: &'p Policy,
    ) -> Result<Vec<(&'p MatchCriteria, usize)>, ClientError> {
        let found = policy.evaluate(&self.caps).map_err(|rejection| {
            ClientError::NoSuitableAuthenticator(NoSuitableAuthenticator {
                excluded: self.excluded.clone(),
                evaluated: self.caps.iter().map(|c| c.aaid).collect(),
                policy: rejection,
            })
        })?;
        let set = policy
            .accepted
            .get(found.accepted_index)
            .map_or(&[][..], Vec::as_slice);
        Ok(set.iter().zip(found.authenticators).collect())
    }
}

/// The previous response of one operation, for [`ClientFault::ReplayPreviousResponse`].
#[derive(Clone, Debug)]
struct Previous<A> {
    fc_params: String,
    assertions: Vec<A>,
    used: Vec<UsedAuthenticator>,
}

/// The FIDO UAF client and ASM: answers UAF request messages with the authenticators it
/// reaches through [`AuthenticatorTransport`]s, and keeps what an ASM keeps (key handles,
/// KeyIDs per AppID, its `ASMToken`). See the [crate documentation](crate).
///
/// Limits, by design of a test client:
/// - it signs only with keys it registered itself (it does not take key handles from a
///   policy's `keyIDs`, as a second-factor roaming authenticator without storage would need
///   with keys registered through another client);
/// - what GetInfo does not say ([`AuthenticatorOptions`]) is set per transport, for every
///   authenticator that transport lists;
/// - extensions are neither sent to authenticators nor put into responses; a request header
///   extension with `fail_if_unknown` must be in [`ClientConfig::known_extensions`];
/// - its state (key handles, KeyIDs) lives in memory; [`Client::with_asm_token`] restores
///   the token, not the keys.
pub struct Client<T> {
    config: ClientConfig,
    asm_token: [u8; 32],
    suffixes: Box<dyn PublicSuffixRules + Send + Sync>,
    slots: Vec<(T, AuthenticatorOptions)>,
    registrations: Vec<Registration>,
    previous_reg: Option<Previous<AuthenticatorRegistrationAssertion>>,
    previous_auth: Option<Previous<AuthenticatorSignAssertion>>,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("authenticators", &self.slots.len())
            .field("registrations", &self.registrations)
            .finish_non_exhaustive()
    }
}

impl<T: AuthenticatorTransport> Client<T> {
    /// A client with no authenticators; its `ASMToken` (digest §5.10) is 32 bytes from `rng`.
    pub fn new<R: CryptoRng + ?Sized>(config: ClientConfig, rng: &mut R) -> Self {
        let mut asm_token = [0u8; 32];
        rng.fill_bytes(&mut asm_token);
        Self::with_asm_token(config, asm_token)
    }

    /// A client with a known `ASMToken` (to restore a client whose key handles were kept).
    #[must_use]
    pub fn with_asm_token(config: ClientConfig, asm_token: [u8; 32]) -> Self {
        Client {
            config,
            asm_token,
            suffixes: Box::new(BuiltinSuffixRules),
            slots: Vec::new(),
            registrations: Vec::new(),
            previous_reg: None,
            previous_auth: None,
        }
    }

    /// Replaces the public suffix rules of the facet check (digest §7.3 step 7; default
    /// [`BuiltinSuffixRules`]).
    #[must_use]
    pub fn with_public_suffix_rules(
        mut self,
        rules: Box<dyn PublicSuffixRules + Send + Sync>,
    ) -> Self {
        self.suffixes = rules;
        self
    }

    /// Adds an authenticator; returns its transport index.
    pub fn add_authenticator(&mut self, transport: T, options: AuthenticatorOptions) -> usize {
        self.slots.push((transport, options));
        self.slots.len().saturating_sub(1)
    }

    /// The transport at `index`.
    #[must_use]
    pub fn authenticator(&self, index: usize) -> Option<&T> {
        self.slots.get(index).map(|(t, _)| t)
    }

    /// The transport at `index`, mutably (e.g. to script the simulated user).
    pub fn authenticator_mut(&mut self, index: usize) -> Option<&mut T> {
        self.slots.get_mut(index).map(|(t, _)| t)
    }

    /// The keys this client registered and has not deregistered.
    #[must_use]
    pub fn registrations(&self) -> &[Registration] {
        &self.registrations
    }

    /// Answers a UAF request message (digest §1.2): a registration or authentication request
    /// gets a response message; a deregistration request deletes keys.
    ///
    /// In order: decode the request array and pick the message with the highest supported
    /// version; refuse unknown critical header extensions; check the AppID and facet
    /// ([`resolve_app_id`]); ask each authenticator for GetInfo; leave out those that cannot
    /// serve (authentication: no key for the AppID, no displayable transaction rendering);
    /// evaluate the policy ([`Policy::evaluate`]); build `FinalChallengeParams` and
    /// `fcParams`; drive Register or Sign on each chosen authenticator; assemble the
    /// response. Keys are stored only when every chosen authenticator succeeded.
    ///
    /// # Errors
    /// [`ClientError`], whose [`code`](ClientError::code) is the client error code.
    pub fn process(&mut self, request: &ClientRequest<'_>) -> Result<ClientOutcome, ClientError> {
        match parse_any(request.message, &self.config.decode).map_err(ClientError::Message)? {
            AnyMessage::RegistrationRequests(list) => {
                let chosen = self.pick_version(list, |r: &RegistrationRequest| &r.header)?;
                self.register(&chosen, request)
                    .map(ClientOutcome::Registration)
            }
            AnyMessage::AuthenticationRequests(list) => {
                let chosen = self.pick_version(list, |r: &AuthenticationRequest| &r.header)?;
                self.authenticate(&chosen, request)
                    .map(ClientOutcome::Authentication)
            }
            AnyMessage::DeregistrationRequests(list) => {
                let chosen = self.pick_version(list, |r: &DeregistrationRequest| &r.header)?;
                self.deregister(&chosen, request)
                    .map(ClientOutcome::Deregistration)
            }
            other => Err(ClientError::NotARequest {
                op: other.operation(),
            }),
        }
    }

    /// The message with the highest version this client speaks.
    fn pick_version<M>(
        &self,
        list: Vec<M>,
        header: impl Fn(&M) -> &OperationHeader,
    ) -> Result<M, ClientError> {
        let offered: Vec<Version> = list.iter().map(|m| header(m).upv).collect();
        list.into_iter()
            .filter(|m| self.config.versions.contains(&header(m).upv))
            .max_by_key(|m| header(m).upv)
            .ok_or(ClientError::UnsupportedVersion { offered })
    }

    /// Header extensions, then AppID and facet (digest §7.3).
    fn prepare(
        &self,
        header: &OperationHeader,
        request: &ClientRequest<'_>,
    ) -> Result<ResolvedAppId, ClientError> {
        if let Some(ext) = header
            .exts
            .iter()
            .find(|e| e.fail_if_unknown && !self.config.known_extensions.contains(&e.id))
        {
            return Err(ClientError::UnknownCriticalExtension { id: ext.id.clone() });
        }
        resolve_app_id(
            header.app_id.as_ref(),
            request.facet_id,
            request.trusted_facets,
            header.upv,
            &*self.suffixes,
        )
        .map_err(ClientError::UntrustedFacet)
    }

    /// Asks every transport for GetInfo.
    fn discover(&mut self, app_id: &AppId) -> Found {
        let mut found = Found::default();
        for (transport, (t, options)) in self.slots.iter_mut().enumerate() {
            let bytes = t.send(&GET_INFO);
            let response = match GetInfoResponse::parse(&bytes) {
                Ok(r) if r.status == CmdStatus::Ok && r.api_version == Some(API_VERSION) => r,
                Ok(r) if r.status == CmdStatus::Ok => {
                    found.excluded.push(Excluded {
                        transport,
                        aaid: None,
                        reason: ExclusionReason::UnsupportedApiVersion(r.api_version),
                    });
                    continue;
                }
                Ok(r) => {
                    found.excluded.push(Excluded {
                        transport,
                        aaid: None,
                        reason: ExclusionReason::GetInfoStatus(r.status),
                    });
                    continue;
                }
                Err(_) => {
                    found.excluded.push(Excluded {
                        transport,
                        aaid: None,
                        reason: ExclusionReason::GetInfoMalformed,
                    });
                    continue;
                }
            };
            for info in response.authenticators.iter() {
                let alg = info.metadata.authentication_alg;
                // `uaf_crypto::hash` decides which hashes are supported (SHA-256/384/512).
                let Some(hash) = alg.hash().filter(|&h| uaf_crypto::hash(h, b"").is_ok()) else {
                    found.excluded.push(Excluded {
                        transport,
                        aaid: Some(info.aaid),
                        reason: ExclusionReason::UnsupportedHash(alg),
                    });
                    continue;
                };
                let mut caps = AuthenticatorCapabilities::from_authenticator_info(&info);
                caps.attachment_hint = options.attachment_hint;
                caps.authenticator_version = options.authenticator_version;
                caps.user_verification_details
                    .clone_from(&options.user_verification_details);
                caps.key_ids = self
                    .registrations
                    .iter()
                    .filter(|r| {
                        r.transport == transport
                            && r.authenticator_index == info.authenticator_index
                            && r.aaid == info.aaid
                            && r.app_id == *app_id
                    })
                    .map(|r| r.key_id.clone())
                    .collect();
                found.candidates.push(Candidate {
                    transport,
                    index: info.authenticator_index,
                    kind: info.metadata.authenticator_type,
                    max_key_handles: info.metadata.max_key_handles,
                    hash,
                    content_type: info.tc_display_content_type.map(String::from),
                    pngs: info
                        .tc_display_png_characteristics
                        .iter()
                        .map(|p| DisplayPngCharacteristicsDescriptor::from(&p))
                        .collect(),
                });
                found.caps.push(caps);
            }
        }
        found
    }

    /// KHAccessToken (digest §5.10): SHA-256 of AppID ‖ ASMToken ‖ PersonaID ‖ CallerID for
    /// bound authenticators, of the AppID alone for roaming ones.
    fn kh_access_token(&self, app_id: &AppId, caller_id: &str, roaming: bool) -> Vec<u8> {
        let mut h = sha2::Sha256::new();
        h.update(app_id.as_str().as_bytes());
        if !roaming {
            h.update(self.asm_token);
            h.update(&self.config.persona_id);
            h.update(caller_id.as_bytes());
        }
        h.finalize().to_vec()
    }

    /// `FinalChallengeParams` with the faults of `request`, and its `fcParams` text.
    fn final_challenge(
        challenge: &ServerChallenge,
        resolved: &ResolvedAppId,
        request: &ClientRequest<'_>,
    ) -> Result<String, ClientError> {
        let mut challenge = challenge.clone();
        if request.has(ClientFault::WrongChallenge) {
            let mut bytes = challenge.as_bytes().to_vec();
            if let Some(first) = bytes.first_mut() {
                *first ^= 0x01;
            }
            challenge = ServerChallenge::new(bytes).map_err(ClientError::Message)?;
        }
        let app_id = if request.has(ClientFault::WrongAppId) {
            // A 35-character constant: within the 512-character limit.
            AppId::new(ClientFault::WRONG_APP_ID).unwrap_or_default()
        } else {
            resolved.app_id.clone()
        };
        let facet_id = if request.has(ClientFault::UntrustedFacet) {
            ClientFault::UNTRUSTED_FACET_ID.into()
        } else {
            resolved.facet_id.to_string()
        };
        let mut channel_binding = request.channel_binding.clone();
        if request.has(ClientFault::ChannelBindingMismatch) {
            channel_binding = mismatched(&channel_binding);
        }
        let fcp = FinalChallengeParams {
            app_id,
            challenge,
            facet_id,
            channel_binding,
        };
        Ok(if request.has(ClientFault::AndroidBase64FcParams) {
            android_base64(fcp.to_json().as_bytes())
        } else {
            fcp.to_fc_params()
        })
    }

    fn register(
        &mut self,
        req: &RegistrationRequest,
        request: &ClientRequest<'_>,
    ) -> Result<ClientResponse, ClientError> {
        let resolved = self.prepare(&req.header, request)?;
        let header = echo(&req.header, Operation::Reg);
        if request.has(ClientFault::ReplayPreviousResponse) {
            let previous = self
                .previous_reg
                .clone()
                .ok_or(ClientError::NothingToReplay { op: Operation::Reg })?;
            let message = RegistrationResponse {
                header,
                fc_params: previous.fc_params.clone(),
                assertions: previous.assertions,
            }
            .to_json();
            return Ok(response(
                &req.header,
                message,
                previous.fc_params,
                resolved,
                previous.used,
            ));
        }
        let found = self.discover(&resolved.app_id);
        let chosen = found.select(&req.policy)?;
        let fc_params = Self::final_challenge(&req.challenge, &resolved, request)?;
        let caller_id = resolved.facet_id.to_string();
        let mut assertions = Vec::with_capacity(chosen.len());
        let mut used = Vec::with_capacity(chosen.len());
        let mut new_keys = Vec::new();
        for (criteria, k) in chosen {
            let (Some(c), Some(caps)) = (found.candidates.get(k), found.caps.get(k)) else {
                continue;
            };
            let roaming = c.kind.contains(AuthenticatorType::ROAMING);
            let token = self.kh_access_token(&resolved.app_id, &caller_id, roaming);
            // Supported by construction (GetInfo discovery checked `c.hash`).
            let Ok(fch) = uaf_crypto::hash(c.hash, fc_params.as_bytes()) else {
                continue;
            };
            // The GetInfo parser requires at least one attestation type.
            let attestation_type = criteria
                .attestation_types
                .iter()
                .flatten()
                .find(|t| caps.attestation_types.contains(t))
                .or(caps.attestation_types.first())
                .copied()
                .unwrap_or(AttestationType::BasicFull);
            let command = RegisterCommand {
                authenticator_index: c.index,
                app_id: Some(resolved.app_id.as_str()),
                final_challenge_hash: fch.as_bytes(),
                username: &req.username,
                attestation_type,
                kh_access_token: &token,
                user_verify_token: None,
                extensions: Extensions::empty(),
            }
            .encode()
            .map_err(|error| ClientError::CommandEncoding {
                command: CommandKind::Register,
                error,
            })?;
            let bytes = self.send(c.transport, &command);
            let malformed = |error| ClientError::MalformedResponse {
                aaid: Some(caps.aaid),
                command: CommandKind::Register,
                error,
            };
            let parsed = RegisterResponse::parse(&bytes).map_err(malformed)?;
            if parsed.status != CmdStatus::Ok {
                return Err(ClientError::Authenticator {
                    aaid: caps.aaid,
                    command: CommandKind::Register,
                    status: parsed.status,
                });
            }
            let tlv = parsed.assertion.ok_or_else(|| {
                malformed(
                    TlvError::MissingMember {
                        parent: TAG_UAFV1_REGISTER_CMD_RESPONSE,
                        tag: TAG_AUTHENTICATOR_ASSERTION,
                        offset: 0,
                    }
                    .into(),
                )
            })?;
            let mut assertion =
                AuthenticatorRegistrationAssertion::from_tlv(tlv).map_err(|error| {
                    ClientError::InvalidAssertion {
                        aaid: caps.aaid,
                        error,
                    }
                })?;
            assertion.tc_display_png_characteristics.clone_from(&c.pngs);
            if request.has(ClientFault::AndroidBase64Assertion) {
                assertion.assertion = android_base64(tlv);
            }
            // The assertion goes to the server as the authenticator made it (a faulty one
            // too: the server judges it); the key is kept when its KeyID can be read.
            let key_id = key_id_in(tlv, TAG_UAFV1_REG_ASSERTION, TAG_UAFV1_KRD);
            if let Some(key_id) = &key_id {
                new_keys.push(Registration {
                    app_id: resolved.app_id.clone(),
                    aaid: caps.aaid,
                    key_id: key_id.clone(),
                    key_handle: parsed.key_handle.map(<[u8]>::to_vec),
                    username: req.username.clone(),
                    transport: c.transport,
                    authenticator_index: c.index,
                    roaming,
                });
            }
            assertions.push(assertion);
            used.push(UsedAuthenticator {
                aaid: caps.aaid,
                key_id,
                transaction: None,
            });
        }
        self.registrations.append(&mut new_keys);
        let message = RegistrationResponse {
            header,
            fc_params: fc_params.clone(),
            assertions: assertions.clone(),
        }
        .to_json();
        self.previous_reg = Some(Previous {
            fc_params: fc_params.clone(),
            assertions,
            used: used.clone(),
        });
        Ok(response(&req.header, message, fc_params, resolved, used))
    }

    fn authenticate(
        &mut self,
        req: &AuthenticationRequest,
        request: &ClientRequest<'_>,
    ) -> Result<ClientResponse, ClientError> {
        let resolved = self.prepare(&req.header, request)?;
        let header = echo(&req.header, Operation::Auth);
        if request.has(ClientFault::ReplayPreviousResponse) {
            let previous = self
                .previous_auth
                .clone()
                .ok_or(ClientError::NothingToReplay {
                    op: Operation::Auth,
                })?;
            let message = AuthenticationResponse {
                header,
                fc_params: previous.fc_params.clone(),
                assertions: previous.assertions,
            }
            .to_json();
            return Ok(response(
                &req.header,
                message,
                previous.fc_params,
                resolved,
                previous.used,
            ));
        }
        let mut found = self.discover(&resolved.app_id);
        found.exclude(|c, caps| {
            if caps.key_ids.is_empty() {
                Some(ExclusionReason::NoRegistration)
            } else if !req.transaction.is_empty()
                && pick_transaction(&req.transaction, c, caps).is_none()
            {
                Some(ExclusionReason::CannotDisplayTransaction)
            } else {
                None
            }
        });
        let chosen = found.select(&req.policy)?;
        let fc_params = Self::final_challenge(&req.challenge, &resolved, request)?;
        let caller_id = resolved.facet_id.to_string();
        let mut assertions = Vec::with_capacity(chosen.len());
        let mut used = Vec::with_capacity(chosen.len());
        for (criteria, k) in chosen {
            let (Some(c), Some(caps)) = (found.candidates.get(k), found.caps.get(k)) else {
                continue;
            };
            let roaming = c.kind.contains(AuthenticatorType::ROAMING);
            let token = self.kh_access_token(&resolved.app_id, &caller_id, roaming);
            // Supported by construction (GetInfo discovery checked `c.hash`).
            let Ok(fch) = uaf_crypto::hash(c.hash, fc_params.as_bytes()) else {
                continue;
            };
            let transaction = pick_transaction(&req.transaction, c, caps);
            let content = transaction
                .and_then(|i| req.transaction.get(i))
                .map(|t| t.content.as_slice());
            // The keys of this authenticator for the AppID that the criteria allows, newest
            // last; at most `max_key_handles` of them (the newest).
            let keys: Vec<&Registration> = self
                .registrations
                .iter()
                .filter(|r| {
                    r.transport == c.transport
                        && r.authenticator_index == c.index
                        && r.aaid == caps.aaid
                        && r.app_id == resolved.app_id
                        && criteria
                            .key_ids
                            .as_ref()
                            .is_none_or(|ids| ids.contains(&r.key_id))
                })
                .collect();
            let limit = usize::from(c.max_key_handles.max(1));
            let handles: Vec<Vec<u8>> = keys
                .iter()
                .skip(keys.len().saturating_sub(limit))
                .map(|r| {
                    // Authenticators that keep their key handles take KeyIDs (digest §5.7).
                    r.key_handle
                        .clone()
                        .unwrap_or_else(|| r.key_id.as_bytes().to_vec())
                })
                .collect();
            let sign = Signer {
                candidate: c,
                aaid: caps.aaid,
                fch: fch.as_bytes(),
                content,
                token: &token,
                app_id: &resolved.app_id,
            };
            let tlv = self.sign(&sign, &handles, request.account)?;
            let mut assertion = AuthenticatorSignAssertion::from_tlv(&tlv).map_err(|error| {
                ClientError::InvalidAssertion {
                    aaid: caps.aaid,
                    error,
                }
            })?;
            if request.has(ClientFault::AndroidBase64Assertion) {
                assertion.assertion = android_base64(&tlv);
            }
            assertions.push(assertion);
            used.push(UsedAuthenticator {
                aaid: caps.aaid,
                key_id: key_id_in(&tlv, TAG_UAFV1_AUTH_ASSERTION, TAG_UAFV1_SIGNED_DATA),
                transaction,
            });
        }
        let message = AuthenticationResponse {
            header,
            fc_params: fc_params.clone(),
            assertions: assertions.clone(),
        }
        .to_json();
        self.previous_auth = Some(Previous {
            fc_params: fc_params.clone(),
            assertions,
            used: used.clone(),
        });
        Ok(response(&req.header, message, fc_params, resolved, used))
    }

    /// Sign, and when the authenticator lists accounts, Sign again with the chosen one.
    fn sign(
        &mut self,
        s: &Signer<'_>,
        handles: &[Vec<u8>],
        account: Option<&str>,
    ) -> Result<Vec<u8>, ClientError> {
        let refs: Vec<&[u8]> = handles.iter().map(Vec::as_slice).collect();
        let first = self.sign_once(s, &refs)?;
        let choice = {
            let parsed = SignResponse::parse(&first).map_err(|e| s.malformed(e))?;
            match parsed.content {
                SignResponseContent::Assertion(a) => return Ok(a.to_vec()),
                SignResponseContent::UsernamesAndKeyHandles(list) => list
                    .iter()
                    .find(|u| account.is_some_and(|a| a == u.username))
                    .or_else(|| list.first())
                    .map(|u| u.key_handle.to_vec()),
                SignResponseContent::None => None,
            }
        };
        let Some(chosen) = choice else {
            return Err(s.malformed(no_assertion()));
        };
        let second = self.sign_once(s, &[chosen.as_slice()])?;
        let parsed = SignResponse::parse(&second).map_err(|e| s.malformed(e))?;
        match parsed.content {
            SignResponseContent::Assertion(a) => Ok(a.to_vec()),
            SignResponseContent::UsernamesAndKeyHandles(_) => {
                Err(ClientError::AccountChoiceRepeated { aaid: s.aaid })
            }
            SignResponseContent::None => Err(s.malformed(no_assertion())),
        }
    }

    /// One Sign command; the response bytes when its status is OK.
    fn sign_once(&mut self, s: &Signer<'_>, handles: &[&[u8]]) -> Result<Vec<u8>, ClientError> {
        let command = SignCommand {
            authenticator_index: s.candidate.index,
            app_id: Some(s.app_id.as_str()),
            final_challenge_hash: s.fch,
            transaction_content: s.content,
            kh_access_token: s.token,
            user_verify_token: None,
            key_handles: TlvList::from_slice(handles),
            extensions: Extensions::empty(),
        }
        .encode()
        .map_err(|error| ClientError::CommandEncoding {
            command: CommandKind::Sign,
            error,
        })?;
        let bytes = self.send(s.candidate.transport, &command);
        let parsed = SignResponse::parse(&bytes).map_err(|e| s.malformed(e))?;
        if parsed.status != CmdStatus::Ok {
            return Err(ClientError::Authenticator {
                aaid: s.aaid,
                command: CommandKind::Sign,
                status: parsed.status,
            });
        }
        Ok(bytes)
    }

    fn deregister(
        &mut self,
        req: &DeregistrationRequest,
        request: &ClientRequest<'_>,
    ) -> Result<DeregistrationReport, ClientError> {
        if let Some(fault) = request.faults.first() {
            return Err(ClientError::FaultNotApplicable {
                fault: *fault,
                op: Operation::Dereg,
            });
        }
        let resolved = self.prepare(&req.header, request)?;
        let caller_id = resolved.facet_id.to_string();
        let mut marked = alloc::vec![false; self.registrations.len()];
        let mut unmatched = Vec::new();
        for (e, entry) in req.authenticators.iter().enumerate() {
            let mut any = false;
            for (r, mark) in self.registrations.iter().zip(marked.iter_mut()) {
                let hit = r.app_id == resolved.app_id
                    && match entry {
                        DeregisterAuthenticator::Key { aaid, key_id } => {
                            r.aaid == *aaid && r.key_id == *key_id
                        }
                        DeregisterAuthenticator::AllOfAaid(aaid) => r.aaid == *aaid,
                        DeregisterAuthenticator::All => true,
                    };
                if hit {
                    *mark = true;
                    any = true;
                }
            }
            if !any {
                unmatched.push(e);
            }
        }
        let mut removed = Vec::new();
        let mut failed = Vec::new();
        let mut keep = Vec::with_capacity(self.registrations.len());
        let registrations = core::mem::take(&mut self.registrations);
        for (r, mark) in registrations.into_iter().zip(marked) {
            if !mark {
                keep.push(r);
                continue;
            }
            let token = self.kh_access_token(&r.app_id, &caller_id, r.roaming);
            match self.deregister_one(&r, &token) {
                Ok(()) => removed.push(r),
                Err(error) => {
                    failed.push(DeregistrationFailure {
                        registration: r.clone(),
                        error,
                    });
                    keep.push(r);
                }
            }
        }
        self.registrations = keep;
        Ok(DeregistrationReport {
            app_id: resolved.app_id,
            removed,
            failed,
            unmatched,
        })
    }

    /// One Deregister command. `UAF_CMD_STATUS_CMD_NOT_SUPPORTED` means the authenticator
    /// keeps no key handles, so deleting the ASM's copy deletes the key (digest §5.10).
    fn deregister_one(&mut self, r: &Registration, token: &[u8]) -> Result<(), ClientError> {
        let command = DeregisterCommand {
            authenticator_index: r.authenticator_index,
            app_id: Some(r.app_id.as_str()),
            key_id: r.key_id.as_bytes(),
            kh_access_token: token,
            extensions: Extensions::empty(),
        }
        .encode()
        .map_err(|error| ClientError::CommandEncoding {
            command: CommandKind::Deregister,
            error,
        })?;
        let bytes = self.send(r.transport, &command);
        let parsed =
            DeregisterResponse::parse(&bytes).map_err(|error| ClientError::MalformedResponse {
                aaid: Some(r.aaid),
                command: CommandKind::Deregister,
                error,
            })?;
        match parsed.status {
            CmdStatus::Ok | CmdStatus::CmdNotSupported => Ok(()),
            status => Err(ClientError::Authenticator {
                aaid: r.aaid,
                command: CommandKind::Deregister,
                status,
            }),
        }
    }

    /// Sends a command to transport `index` (an empty answer if there is none).
    fn send(&mut self, index: usize, command: &[u8]) -> Vec<u8> {
        self.slots
            .get_mut(index)
            .map(|(t, _)| t.send(command))
            .unwrap_or_default()
    }
}

/// What a Sign command needs.
struct Signer<'a> {
    candidate: &'a Candidate,
    aaid: Aaid,
    fch: &'a [u8],
    content: Option<&'a [u8]>,
    token: &'a [u8],
    app_id: &'a AppId,
}

impl Signer<'_> {
    fn malformed(&self, error: uaf_proto::command::CommandError) -> ClientError {
        ClientError::MalformedResponse {
            aaid: Some(self.aaid),
            command: CommandKind::Sign,
            error,
        }
    }
}

/// The error for an OK Sign response without an assertion (the parser already refuses it).
fn no_assertion() -> uaf_proto::command::CommandError {
    TlvError::MissingMember {
        parent: TAG_UAFV1_SIGN_CMD_RESPONSE,
        tag: TAG_AUTHENTICATOR_ASSERTION,
        offset: 0,
    }
    .into()
}

/// The response header: `upv`, `appID` and `serverData` of the request (digest §2.4).
fn echo(request: &OperationHeader, op: Operation) -> OperationHeader {
    let mut header = OperationHeader::new(request.upv, op);
    header.app_id.clone_from(&request.app_id);
    header.server_data.clone_from(&request.server_data);
    header
}

fn response(
    request: &OperationHeader,
    message: String,
    fc_params: String,
    resolved: ResolvedAppId,
    used: Vec<UsedAuthenticator>,
) -> ClientResponse {
    ClientResponse {
        upv: request.upv,
        message,
        fc_params,
        app_id: resolved.app_id,
        authenticators: used,
    }
}

/// The rendering of the transaction `candidate` can display: `text/plain` if its display
/// content type is `text/plain`, `image/png` with PNG characteristics it lists.
fn pick_transaction(
    transactions: &[Transaction],
    candidate: &Candidate,
    caps: &AuthenticatorCapabilities,
) -> Option<usize> {
    if caps.tc_display.is_empty() {
        return None;
    }
    let shows = candidate.content_type.as_deref()?;
    transactions.iter().position(|t| {
        t.content_type.eq_ignore_ascii_case(shows)
            && (!shows.eq_ignore_ascii_case(CONTENT_TYPE_IMAGE_PNG)
                || t.tc_display_png_characteristics
                    .as_ref()
                    .is_some_and(|p| candidate.pngs.contains(p)))
    })
}

/// The `TAG_KEYID` of `block` inside the assertion `outer`, read tolerantly (a faulty
/// assertion is passed on to the server all the same).
fn key_id_in(assertion: &[u8], outer: u16, block: u16) -> Option<KeyId> {
    let top = TlvReader::new(assertion).next()?.ok()?;
    if top.tag != outer {
        return None;
    }
    let inner = top
        .children()
        .ok()?
        .map_while(Result::ok)
        .find(|t| t.tag == block)?;
    let key_id = inner
        .children()
        .ok()?
        .map_while(Result::ok)
        .find(|t| t.tag == TAG_KEYID)?;
    KeyId::from_stored(key_id.value).ok()
}

/// Another channel binding: every member present gets another value; none present →
/// `serverEndPoint` is added (the [`ClientFault::ChannelBindingMismatch`] fault).
fn mismatched(cb: &ChannelBinding) -> ChannelBinding {
    let other = |v: &Option<String>| {
        v.as_ref().map(|s| {
            if s == ClientFault::FAULT_SERVER_END_POINT {
                b64::encode(&[0xA5; 32])
            } else {
                ClientFault::FAULT_SERVER_END_POINT.into()
            }
        })
    };
    let mut out = ChannelBinding {
        server_end_point: other(&cb.server_end_point),
        tls_server_certificate: other(&cb.tls_server_certificate),
        tls_unique: other(&cb.tls_unique),
        cid_pubkey: other(&cb.cid_pubkey),
    };
    if cb.is_empty() {
        out.server_end_point = Some(ClientFault::FAULT_SERVER_END_POINT.into());
    }
    out
}

/// "Android" base64: standard alphabet, `=` padding, `\n` after every 76 characters and at
/// the end (`android.util.Base64.DEFAULT`).
fn android_base64(bytes: &[u8]) -> String {
    let plain = b64::encode_standard(bytes);
    let mut out = String::with_capacity(
        plain
            .len()
            .saturating_add(plain.len() / ANDROID_LINE)
            .saturating_add(1),
    );
    for (i, ch) in plain.chars().enumerate() {
        if i > 0 && i % ANDROID_LINE == 0 {
            out.push('\n');
        }
        out.push(ch);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn android_base64_wraps_and_pads() {
        let text = android_base64(&[0xFB; 100]);
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0].len(), 76);
        assert!(lines[1].ends_with('='), "{text}");
        assert_eq!(lines[2], "");
        assert!(text.contains('+') || text.contains('/'));
        let back = uaf_proto::b64::Base64Policy::Lenient.decode(&text).unwrap();
        assert_eq!(back, [0xFB; 100]);
        assert!(uaf_proto::b64::Base64Policy::Strict.decode(&text).is_err());
        assert_eq!(android_base64(b"abc"), "YWJj\n");
    }

    #[test]
    fn channel_binding_mismatch_changes_every_member() {
        let empty = mismatched(&ChannelBinding::default());
        assert_eq!(
            empty.server_end_point.as_deref(),
            Some(ClientFault::FAULT_SERVER_END_POINT)
        );
        let given = ChannelBinding {
            server_end_point: Some(ClientFault::FAULT_SERVER_END_POINT.into()),
            tls_unique: Some("abc".into()),
            cid_pubkey: Some("unused".into()),
            ..ChannelBinding::default()
        };
        let m = mismatched(&given);
        assert_ne!(m.server_end_point, given.server_end_point);
        assert_ne!(m.tls_unique, given.tls_unique);
        assert_ne!(m.cid_pubkey, given.cid_pubkey);
        assert_eq!(m.tls_server_certificate, None);
    }

    #[test]
    fn key_id_is_read_tolerantly() {
        // TAG_UAFV1_REG_ASSERTION { TAG_UAFV1_KRD { TAG_KEYID (32 x 7) }, <garbage> }
        let mut krd = alloc::vec![0x03, 0x3E, 36, 0, 0x09, 0x2E, 32, 0];
        krd.extend([7u8; 32]);
        let mut outer = alloc::vec![0x01, 0x3E];
        let len = u16::try_from(krd.len() + 3).unwrap();
        outer.extend(len.to_le_bytes());
        outer.extend(&krd);
        outer.extend([0xFF, 0xFF, 0x10]);
        let key = key_id_in(&outer, TAG_UAFV1_REG_ASSERTION, TAG_UAFV1_KRD).unwrap();
        assert_eq!(key.as_bytes(), [7u8; 32]);
        assert_eq!(
            key_id_in(&outer, TAG_UAFV1_AUTH_ASSERTION, TAG_UAFV1_SIGNED_DATA),
            None
        );
        assert_eq!(key_id_in(&[], TAG_UAFV1_REG_ASSERTION, TAG_UAFV1_KRD), None);
    }
}
