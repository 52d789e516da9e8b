//! The authenticator: command TLV in, response TLV out (digest §5.7–§5.10).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use uaf_crypto::SigningKey;
use uaf_proto::command::{
    API_VERSION, AuthenticatorInfo, AuthenticatorMetadata, Command, CommandError,
    DeregisterCommand, DeregisterResponse, GetInfoResponse, OpenSettingsResponse, Palette,
    PngCharacteristics, RegisterCommand, RegisterResponse, SignCommand, SignResponse,
    SignResponseContent, UsernameAndKeyHandle,
};
use uaf_proto::registry::{ASSERTION_SCHEME_UAFV1TLV, AttestationType};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::{TAG_STATUS_CODE, TlvList, TlvWriter};

use crate::Error;
use crate::assemble::{self, AttestationKind, AuthInput, RegInput};
use crate::cert::{AttestationCredentials, TestCa};
use crate::fault::{Fault, Operation};
use crate::keys::{
    KEY_ID_LEN, KeyWrapper, RawKeyHandle, StoredKey, access_binding, binding_matches,
};
use crate::metadata;
use crate::profile::{AttestationConfig, Counters, KeyStorage, Profile};
use crate::user::{
    TransactionDecision, TransactionPrompt, UserVerifier, Verification, VerificationRequest,
};

/// Most key handles one Sign command may carry (GetInfo `MaxKeyHandles`).
pub const MAX_KEY_HANDLES: u8 = 32;
/// Largest random increment of a [`Counters::Global`] counter per signature.
pub const MAX_GLOBAL_COUNTER_STEP: u32 = 16;

/// The counter state of one key.
#[derive(Clone, Copy, Debug, Default)]
struct KeyCounter {
    /// The per-key SignCounter.
    counter: u32,
    /// The SignCounter this key reported last (registration included).
    last_reported: u32,
}

/// The attestation, resolved.
enum AttestationState {
    BasicFull(AttestationCredentials),
    BasicSurrogate,
}

/// A key found for a Sign command.
struct Candidate {
    key_id: Vec<u8>,
    /// What the ASM sends to pick this key again: the KeyID (internal storage) or the wrapped
    /// key handle.
    handle: Vec<u8>,
    username: Option<String>,
    key: SigningKey,
}

/// A failed command: its status.
type CmdResult<T> = Result<T, CmdStatus>;

/// A simulated FIDO UAF authenticator (see the [crate documentation](crate)).
///
/// It owns its RNG `R` (every random value comes from it, so a seeded RNG gives byte-identical
/// responses) and its user interface `U`. It is driven by
/// [`Authenticator::process`]: real authenticator command TLVs in, real response TLVs out.
pub struct Authenticator<R, U> {
    profile: Profile,
    attestation: AttestationState,
    rng: R,
    user: U,
    wrapper: KeyWrapper,
    stored: Vec<StoredKey>,
    counters: BTreeMap<Vec<u8>, KeyCounter>,
    global_counter: u32,
    reg_counter: u32,
    /// Failed user verifications in a row (digest §5.10 step 2; lockout at the profile's
    /// `verification_attempts`).
    failed_verifications: u8,
    armed: Vec<Fault>,
    applied: Vec<Fault>,
}

impl<R: CryptoRng, U: UserVerifier> Authenticator<R, U> {
    /// An authenticator of `profile` with the RNG `rng` and the user interface `user`.
    ///
    /// From `rng`, in this order: the key wrapping secret, then, for
    /// [`AttestationConfig::GenerateBasicFull`], a [`TestCa`] and the attestation credentials
    /// it issues.
    ///
    /// # Errors
    /// [`Error::Crypto`] if the attestation credentials cannot be generated.
    pub fn new(profile: Profile, mut rng: R, user: U) -> Result<Self, Error> {
        let wrapper = KeyWrapper::generate(&mut rng);
        let attestation = match profile.attestation() {
            AttestationConfig::GenerateBasicFull => AttestationState::BasicFull(
                TestCa::generate(&mut rng)?.issue(&profile.aaid(), profile.key_type(), &mut rng)?,
            ),
            AttestationConfig::BasicFull(creds) => AttestationState::BasicFull(creds.clone()),
            AttestationConfig::BasicSurrogate => AttestationState::BasicSurrogate,
        };
        Ok(Authenticator {
            profile,
            attestation,
            rng,
            user,
            wrapper,
            stored: Vec::new(),
            counters: BTreeMap::new(),
            global_counter: 0,
            reg_counter: 0,
            failed_verifications: 0,
            armed: Vec::new(),
            applied: Vec::new(),
        })
    }

    /// The profile.
    pub const fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The user interface.
    pub const fn user(&self) -> &U {
        &self.user
    }

    /// The user interface, to script more actions.
    pub fn user_mut(&mut self) -> &mut U {
        &mut self.user
    }

    /// Failed user verifications in a row since the last successful one (wrong PINs,
    /// fingerprints that did not match). At the profile's
    /// [`verification_attempts`](Profile::verification_attempts) the authenticator is locked
    /// out ([`Authenticator::is_locked_out`]).
    pub const fn failed_verifications(&self) -> u8 {
        self.failed_verifications
    }

    /// Whether too many failed user verifications in a row locked the authenticator out:
    /// Register and Sign answer `UAF_CMD_STATUS_USER_LOCKOUT` without asking the user.
    pub const fn is_locked_out(&self) -> bool {
        self.failed_verifications >= self.profile.verification_attempts()
    }

    /// Sets the count of failed verifications in a row, for a device that keeps it across
    /// restarts (the count lives in memory only; a host that rebuilds the authenticator
    /// restores it here, so restarting does not give the user fresh attempts). Setting it to
    /// the profile's `verification_attempts` or more locks the authenticator out; setting 0
    /// is a reset (what a real authenticator does only with its owner's authority).
    pub fn restore_failed_verifications(&mut self, failed: u8) {
        self.failed_verifications = failed;
    }

    /// The basic full attestation credentials (`None` for basic surrogate).
    pub const fn attestation_credentials(&self) -> Option<&AttestationCredentials> {
        match &self.attestation {
            AttestationState::BasicFull(c) => Some(c),
            AttestationState::BasicSurrogate => None,
        }
    }

    /// The root certificates of the metadata statement (DER; empty for basic surrogate).
    pub fn attestation_roots(&self) -> &[Vec<u8>] {
        self.attestation_credentials()
            .map_or(&[], AttestationCredentials::roots)
    }

    /// The metadata statement of this authenticator (UAF 1.1 numeric form, JSON), with its
    /// attestation roots: see [`Profile::metadata_statement`].
    pub fn metadata_statement(&self) -> String {
        metadata::statement(&self.profile, self.attestation_roots())
    }

    /// How many keys are stored inside ([`KeyStorage::Internal`]; always 0 with wrapped key
    /// handles).
    pub fn stored_key_count(&self) -> usize {
        self.stored.len()
    }

    /// Arms `fault`: it is applied to the next command of its [`Fault::operation`] that
    /// produces an assertion and meets its command [`Requirements`](crate::Requirements)
    /// (until then it stays armed). Several armed faults apply together.
    ///
    /// # Errors
    /// [`Error::FaultNotApplicable`] if the profile lacks what the fault needs (attestation
    /// type, counters, a transaction display).
    pub fn arm(&mut self, fault: Fault) -> Result<(), Error> {
        let req = fault.requirements();
        let wrong_attestation = req
            .attestation
            .filter(|t| *t != self.profile.attestation_type());
        let reason = if let Some(needed) = wrong_attestation {
            Some(if needed == AttestationType::BasicFull {
                "it needs basic full attestation"
            } else {
                "it needs basic surrogate attestation"
            })
        } else if req.counters && self.profile.counters() == Counters::None {
            Some("it needs a profile with sign counters")
        } else if req.transaction == Some(true) && self.profile.tc_display().is_empty() {
            Some("it needs a profile with a transaction display")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::FaultNotApplicable { fault, reason });
        }
        self.armed.push(fault);
        Ok(())
    }

    /// The faults armed and not applied yet.
    pub fn armed(&self) -> &[Fault] {
        &self.armed
    }

    /// Disarms every fault.
    pub fn disarm_all(&mut self) {
        self.armed.clear();
    }

    /// The faults applied to the assertion of the last Register or Sign command that produced
    /// one.
    pub fn last_applied(&self) -> &[Fault] {
        &self.applied
    }

    /// Processes one authenticator command and returns the response TLV.
    ///
    /// GetInfo, Register, Sign, Deregister and OpenSettings (`UAF_CMD_STATUS_CMD_NOT_SUPPORTED`:
    /// no settings UI) are answered as digest §5.7–§5.10 describe. Every failure is a status
    /// code in the response, never a panic: a command that does not parse gets
    /// `UAF_CMD_STATUS_PARAMS_INVALID` (an unknown command tag `0x34nn`
    /// `UAF_CMD_STATUS_CMD_NOT_SUPPORTED`) under the response tag `0x36nn`; input that is not
    /// a command at all gets `UAF_CMD_STATUS_CMD_NOT_SUPPORTED` under tag `0x3600`.
    pub fn process(&mut self, command: &[u8]) -> Vec<u8> {
        let parsed = Command::parse(command);
        let response_tag = match &parsed {
            Ok(c) => c.response_tag(),
            Err(_) => command
                .first_chunk::<2>()
                .map(|t| u16::from_le_bytes(*t))
                .filter(|t| t & 0xFF00 == 0x3400)
                .map_or(0x3600, |t| t | 0x0200),
        };
        let result = match parsed {
            Ok(Command::GetInfo(_)) => self.get_info(),
            Ok(Command::Register(c)) => self.register(&c),
            Ok(Command::Sign(c)) => self.sign(&c),
            Ok(Command::Deregister(c)) => self.deregister(&c),
            Ok(Command::OpenSettings(_)) => OpenSettingsResponse {
                status: CmdStatus::CmdNotSupported,
                extensions: TlvList::empty(),
            }
            .encode()
            .map_err(|_| CmdStatus::ErrUnknown),
            Err(CommandError::UnknownCommand { .. }) => Err(CmdStatus::CmdNotSupported),
            Err(_) if response_tag == 0x3600 => Err(CmdStatus::CmdNotSupported),
            Err(_) => Err(CmdStatus::ParamsInvalid),
        };
        result.unwrap_or_else(|status| status_response(response_tag, status))
    }

    // ---------------------------------------------------------------------------------------
    // GetInfo
    // ---------------------------------------------------------------------------------------

    fn get_info(&self) -> CmdResult<Vec<u8>> {
        let p = &self.profile;
        let palettes: Vec<Vec<u8>> = p
            .transaction_display()
            .png_characteristics()
            .iter()
            .map(|d| d.encoded_palette())
            .collect();
        let pngs: Vec<PngCharacteristics<'_>> = p
            .transaction_display()
            .png_characteristics()
            .iter()
            .zip(&palettes)
            .map(|(d, plte)| PngCharacteristics {
                width: d.width,
                height: d.height,
                bit_depth: d.bit_depth,
                color_type: d.color_type,
                compression: d.compression,
                filter: d.filter,
                interlace: d.interlace,
                plte: Palette::new(plte).unwrap_or(Palette::EMPTY),
            })
            .collect();
        let attestation_types = [p.attestation_type()];
        let info = AuthenticatorInfo {
            authenticator_index: p.authenticator_index(),
            aaid: p.aaid(),
            metadata: AuthenticatorMetadata {
                authenticator_type: p.authenticator_type(self.user.is_enrolled()),
                max_key_handles: MAX_KEY_HANDLES,
                user_verification: p.user_verification(),
                key_protection: p.key_protection(),
                matcher_protection: p.matcher_protection(),
                tc_display: p.tc_display(),
                authentication_alg: p.sign_alg(),
            },
            tc_display_content_type: p.transaction_display().content_type(),
            tc_display_png_characteristics: TlvList::from_slice(&pngs),
            assertion_scheme: ASSERTION_SCHEME_UAFV1TLV,
            attestation_types: TlvList::from_slice(&attestation_types),
            supported_extension_ids: TlvList::empty(),
        };
        GetInfoResponse {
            status: CmdStatus::Ok,
            api_version: Some(API_VERSION),
            authenticators: TlvList::from_slice(core::slice::from_ref(&info)),
            extensions: TlvList::empty(),
        }
        .encode()
        .map_err(|_| CmdStatus::ErrUnknown)
    }

    // ---------------------------------------------------------------------------------------
    // Shared steps
    // ---------------------------------------------------------------------------------------

    fn check_index(&self, index: u8) -> CmdResult<()> {
        if index == self.profile.authenticator_index() {
            Ok(())
        } else {
            Err(CmdStatus::ParamsInvalid)
        }
    }

    /// Digest §5.10 Register step 2 / Sign step 2: verify the user.
    fn verify_user(
        &mut self,
        operation: Operation,
        app_id: Option<&str>,
        username: Option<&str>,
    ) -> CmdResult<()> {
        if !self.profile.verifies_user() {
            return Ok(()); // silent authenticator
        }
        if self.profile.needs_enrolment() && !self.user.is_enrolled() {
            return Err(CmdStatus::UserNotEnrolled);
        }
        // Locked out after too many failures: the user is not even asked.
        if self.is_locked_out() {
            return Err(CmdStatus::UserLockout);
        }
        let methods = self.profile.user_verification();
        let request = VerificationRequest {
            operation,
            app_id,
            username,
            methods,
        };
        match self.user.verify(&request) {
            Verification::Verified(m) if !m.is_empty() && methods.contains(m) => {
                self.failed_verifications = 0;
                Ok(())
            }
            Verification::Verified(_) => Err(CmdStatus::AccessDenied),
            Verification::NotVerified => {
                self.failed_verifications = self.failed_verifications.saturating_add(1);
                if self.is_locked_out() {
                    // The attempt that used up the last one says so at once.
                    Err(CmdStatus::UserLockout)
                } else {
                    Err(CmdStatus::AccessDenied)
                }
            }
            Verification::Cancelled => Err(CmdStatus::UserCancelled),
            Verification::NotResponsive => Err(CmdStatus::UserNotResponsive),
            Verification::LockedOut => Err(CmdStatus::UserLockout),
        }
    }

    fn random_key_id(&mut self) -> Vec<u8> {
        let mut id = alloc::vec![0_u8; KEY_ID_LEN];
        self.rng.fill_bytes(&mut id);
        id
    }

    /// Takes the armed faults of `operation` that `fits` accepts.
    fn take_faults(&mut self, operation: Operation, fits: impl Fn(Fault) -> bool) -> Vec<Fault> {
        let (take, keep): (Vec<Fault>, Vec<Fault>) = self
            .armed
            .iter()
            .partition(|f| f.operation() == operation && fits(**f));
        self.armed = keep;
        take
    }

    fn is_armed(&self, fault: Fault) -> bool {
        self.armed.contains(&fault)
    }

    // ---------------------------------------------------------------------------------------
    // Register (digest §5.10)
    // ---------------------------------------------------------------------------------------

    fn register(&mut self, cmd: &RegisterCommand<'_>) -> CmdResult<Vec<u8>> {
        self.check_index(cmd.authenticator_index)?;
        // Step 1: the AppID, when sent, is mixed into the access binding.
        let binding = access_binding(cmd.kh_access_token, cmd.app_id);
        // Step 2: user verification (skipped only by the fault that says so).
        if !self.is_armed(Fault::RegUserVerificationSkipped) {
            self.verify_user(Operation::Reg, cmd.app_id, Some(cmd.username))?;
        }
        // Step 3: the attestation type.
        if cmd.attestation_type != self.profile.attestation_type() {
            return Err(CmdStatus::AttestationNotSupported);
        }
        // Step 4: a fresh key pair.
        let key = SigningKey::generate(self.profile.key_type(), &mut self.rng)
            .map_err(|_| CmdStatus::ErrUnknown)?;
        // Steps 5-6: key handle and KeyID.
        let username = (!self.profile.is_second_factor()).then(|| String::from(cmd.username));
        let (key_id, key_handle) = match self.profile.key_storage() {
            KeyStorage::Internal => (self.random_key_id(), None),
            KeyStorage::Wrapped if self.profile.is_second_factor() => {
                // Second-factor roaming: KeyID = key handle, no username inside.
                let handle = self.wrap(binding, &key, None, None)?;
                (handle, None)
            }
            KeyStorage::Wrapped => {
                let key_id = self.random_key_id();
                let handle = self.wrap(binding, &key, Some(key_id.clone()), username.clone())?;
                (key_id, Some(handle))
            }
        };
        // Step 6: counters.
        let (sign_counter, reg_counter) = match self.profile.counters() {
            Counters::PerKey => (0, self.reg_counter.saturating_add(1)),
            Counters::Global => (self.global_counter, self.reg_counter.saturating_add(1)),
            Counters::None => (0, 0),
        };
        // Step 7: the assertion, with the armed registration faults.
        let faults = self.take_faults(Operation::Reg, |_| true);
        let attestation = match &self.attestation {
            AttestationState::BasicFull(c) => AttestationKind::BasicFull(c),
            AttestationState::BasicSurrogate => AttestationKind::BasicSurrogate,
        };
        let input = RegInput {
            aaid: self.profile.aaid(),
            authenticator_version: self.profile.authenticator_version(),
            sign_alg: self.profile.sign_alg(),
            key_encoding: self.profile.key_encoding(),
            final_challenge_hash: cmd.final_challenge_hash,
            key_id: &key_id,
            sign_counter,
            reg_counter,
            uauth: &key,
            attestation,
        };
        let assertion = assemble::reg_assertion(&input, &faults, &mut self.rng)
            .map_err(|_| CmdStatus::ErrUnknown)?;
        let response = RegisterResponse {
            status: CmdStatus::Ok,
            assertion: Some(&assertion),
            key_handle: key_handle.as_deref(),
            extensions: TlvList::empty(),
        }
        .encode()
        .map_err(|_| CmdStatus::ErrUnknown)?;
        // Step 8: keep the key (inside, or only its counter state for wrapped handles).
        if self.profile.counters() != Counters::None {
            self.reg_counter = reg_counter;
        }
        self.counters.insert(
            key_id.clone(),
            KeyCounter {
                counter: 0,
                last_reported: sign_counter,
            },
        );
        if self.profile.key_storage() == KeyStorage::Internal {
            self.stored.push(StoredKey {
                key_id,
                binding,
                app_id: cmd.app_id.map(String::from),
                username,
                key,
            });
        }
        self.applied = faults;
        Ok(response)
    }

    fn wrap(
        &mut self,
        binding: [u8; 32],
        key: &SigningKey,
        key_id: Option<Vec<u8>>,
        username: Option<String>,
    ) -> CmdResult<Vec<u8>> {
        let raw = RawKeyHandle {
            binding,
            key: SigningKey::from_private_scalar(key.key_type(), &key.private_scalar()[..])
                .map_err(|_| CmdStatus::ErrUnknown)?,
            key_id,
            username,
        };
        self.wrapper
            .wrap(&raw, &self.profile.aaid(), &mut self.rng)
            .map_err(|_| CmdStatus::ErrUnknown)
    }

    // ---------------------------------------------------------------------------------------
    // Sign (digest §5.10)
    // ---------------------------------------------------------------------------------------

    fn sign(&mut self, cmd: &SignCommand<'_>) -> CmdResult<Vec<u8>> {
        self.check_index(cmd.authenticator_index)?;
        if cmd.key_handles.len() > usize::from(MAX_KEY_HANDLES) {
            return Err(CmdStatus::ParamsInvalid);
        }
        // Step 1: the AppID, when sent, is mixed into the access binding.
        let binding = access_binding(cmd.kh_access_token, cmd.app_id);
        // Step 2: user verification, before anything about keys is revealed.
        if !self.is_armed(Fault::AuthUserVerificationSkipped) {
            self.verify_user(Operation::Auth, cmd.app_id, None)?;
        }
        // Steps 3-4: the keys this command may use.
        let mut candidates = self.candidates(cmd, &binding)?;
        // Step 5: more than one key: second-factor uses the first, first-factor lets the user
        // pick an account.
        if candidates.len() > 1 && !self.profile.is_second_factor() {
            return username_list(&candidates);
        }
        if candidates.is_empty() {
            return Err(CmdStatus::AccessDenied);
        }
        let chosen = candidates.swap_remove(0);
        // Step 6: the transaction, shown before signing.
        if let Some(content) = cmd.transaction_content {
            let content_type = self
                .profile
                .transaction_display()
                .content_type()
                .ok_or(CmdStatus::AccessDenied)?;
            let prompt = TransactionPrompt {
                content_type,
                content,
                app_id: cmd.app_id,
            };
            match self.user.confirm_transaction(&prompt) {
                TransactionDecision::Confirmed => {}
                TransactionDecision::Refused => return Err(CmdStatus::UserCancelled),
                TransactionDecision::CannotRender => {
                    return Err(CmdStatus::CannotRenderTransactionContent);
                }
            }
        }
        // Step 7: counter, nonce, signature; the armed faults that fit this command.
        let state = self
            .counters
            .get(&chosen.key_id)
            .copied()
            .unwrap_or_default();
        let has_transaction = cmd.transaction_content.is_some();
        let faults = self.take_faults(Operation::Auth, |f| {
            let req = f.requirements();
            req.transaction.is_none_or(|t| t == has_transaction)
                && (!req.prior_authentication || state.last_reported > 0)
        });
        let sign_counter = if faults.contains(&Fault::CounterRollback) {
            state.last_reported.saturating_sub(1)
        } else if faults.contains(&Fault::CounterFrozen) {
            state.last_reported
        } else {
            self.advance_counter(&chosen.key_id, state)
        };
        let input = AuthInput {
            aaid: self.profile.aaid(),
            authenticator_version: self.profile.authenticator_version(),
            sign_alg: self.profile.sign_alg(),
            final_challenge_hash: cmd.final_challenge_hash,
            transaction: cmd.transaction_content,
            key_id: &chosen.key_id,
            sign_counter,
            uauth: &chosen.key,
        };
        let assertion = assemble::auth_assertion(&input, &faults, &mut self.rng)
            .map_err(|_| CmdStatus::ErrUnknown)?;
        self.applied = faults;
        SignResponse {
            status: CmdStatus::Ok,
            content: SignResponseContent::Assertion(&assertion),
            extensions: TlvList::empty(),
        }
        .encode()
        .map_err(|_| CmdStatus::ErrUnknown)
    }

    /// The keys of the command whose access binding matches, in order.
    fn candidates(&self, cmd: &SignCommand<'_>, binding: &[u8; 32]) -> CmdResult<Vec<Candidate>> {
        let mut out = Vec::new();
        match self.profile.key_storage() {
            KeyStorage::Internal => {
                // TAG_KEYHANDLE values are KeyIDs; without any, a first-factor authenticator
                // uses every key it holds (digest §5.10 Sign step 3).
                if cmd.key_handles.is_empty() && self.profile.is_second_factor() {
                    return Err(CmdStatus::AccessDenied);
                }
                for stored in &self.stored {
                    let named = cmd.key_handles.is_empty()
                        || cmd
                            .key_handles
                            .iter()
                            .any(|kh| kh == stored.key_id.as_slice());
                    if named && binding_matches(&stored.binding, binding) {
                        out.push(Candidate {
                            key_id: stored.key_id.clone(),
                            handle: stored.key_id.clone(),
                            username: stored.username.clone(),
                            key: clone_key(&stored.key)?,
                        });
                    }
                }
            }
            KeyStorage::Wrapped => {
                for handle in cmd.key_handles {
                    let Some(raw) = self.wrapper.unwrap(handle, &self.profile.aaid()) else {
                        continue;
                    };
                    if !binding_matches(&raw.binding, binding) {
                        continue;
                    }
                    out.push(Candidate {
                        key_id: raw.key_id.unwrap_or_else(|| Vec::from(handle)),
                        handle: Vec::from(handle),
                        username: raw.username,
                        key: raw.key,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Advances the counter for one signature and returns the value to report.
    fn advance_counter(&mut self, key_id: &[u8], mut state: KeyCounter) -> u32 {
        let reported = match self.profile.counters() {
            Counters::PerKey => {
                state.counter = state.counter.saturating_add(1);
                state.counter
            }
            Counters::Global => {
                let step = self.rng.next_u32() % MAX_GLOBAL_COUNTER_STEP + 1;
                self.global_counter = self.global_counter.saturating_add(step);
                self.global_counter
            }
            Counters::None => 0,
        };
        state.last_reported = reported;
        self.counters.insert(Vec::from(key_id), state);
        reported
    }

    // ---------------------------------------------------------------------------------------
    // Deregister (digest §5.10)
    // ---------------------------------------------------------------------------------------

    fn deregister(&mut self, cmd: &DeregisterCommand<'_>) -> CmdResult<Vec<u8>> {
        self.check_index(cmd.authenticator_index)?;
        if self.profile.key_storage() == KeyStorage::Wrapped {
            // The ASM holds the key handle and deletes its copy.
            return Err(CmdStatus::CmdNotSupported);
        }
        let binding = access_binding(cmd.kh_access_token, cmd.app_id);
        let status = if cmd.key_id.is_empty() {
            // UAF 1.2: every key of the AppID whose access binding matches; if any did not
            // match, the others are still deleted and the answer is ACCESS_DENIED.
            let mut refused = false;
            let app_id = cmd.app_id;
            let counters = &mut self.counters;
            self.stored.retain(|k| {
                if k.app_id.as_deref() != app_id {
                    return true;
                }
                if binding_matches(&k.binding, &binding) {
                    counters.remove(&k.key_id);
                    false
                } else {
                    refused = true;
                    true
                }
            });
            if refused {
                CmdStatus::AccessDenied
            } else {
                CmdStatus::Ok
            }
        } else {
            // An unknown KeyID and a KeyID of another access binding look the same.
            match self.stored.iter().position(|k| {
                k.key_id.as_slice() == cmd.key_id && binding_matches(&k.binding, &binding)
            }) {
                Some(i) => {
                    let removed = self.stored.remove(i);
                    self.counters.remove(&removed.key_id);
                    CmdStatus::Ok
                }
                None => CmdStatus::AccessDenied,
            }
        };
        DeregisterResponse {
            status,
            extensions: TlvList::empty(),
        }
        .encode()
        .map_err(|_| CmdStatus::ErrUnknown)
    }
}

/// A Sign response listing the accounts (first-factor, several keys).
fn username_list(candidates: &[Candidate]) -> CmdResult<Vec<u8>> {
    let list: Vec<UsernameAndKeyHandle<'_>> = candidates
        .iter()
        .map(|c| UsernameAndKeyHandle {
            username: c.username.as_deref().unwrap_or(""),
            key_handle: &c.handle,
        })
        .collect();
    SignResponse {
        status: CmdStatus::Ok,
        content: SignResponseContent::UsernamesAndKeyHandles(TlvList::from_slice(&list)),
        extensions: TlvList::empty(),
    }
    .encode()
    .map_err(|_| CmdStatus::ErrUnknown)
}

fn clone_key(key: &SigningKey) -> CmdResult<SigningKey> {
    SigningKey::from_private_scalar(key.key_type(), &key.private_scalar()[..])
        .map_err(|_| CmdStatus::ErrUnknown)
}

/// `tag { TAG_STATUS_CODE status }`, written without any failure path.
fn status_response(tag: u16, status: CmdStatus) -> Vec<u8> {
    let mut w = TlvWriter::with_capacity(10);
    w.put_header(tag, 6);
    w.put_u16(TAG_STATUS_CODE, status.value());
    w.into_bytes()
}

impl<R, U> fmt::Debug for Authenticator<R, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("aaid", &self.profile.aaid())
            .field("stored_keys", &self.stored.len())
            .field("armed", &self.armed)
            .finish_non_exhaustive()
    }
}
