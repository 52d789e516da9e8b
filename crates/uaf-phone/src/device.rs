//! The simulated phone hardware: its authenticator model (with a deterministic attestation
//! CA, so the server loads its metadata once), the PIN pad that unlocks it, and the random
//! generator that lets its key-wrapping secret be restored from the state file.

use std::sync::{Arc, Mutex, MutexGuard};

use rand_chacha::ChaCha20Rng;
use rand_core::{Infallible, Rng as _, SeedableRng, TryCryptoRng, TryRng};
use sha2::{Digest as _, Sha256};
use uaf_authenticator::{
    AttestationConfig, Counters, Operation, Profile, TestCa, TransactionDecision,
    TransactionDisplay, TransactionPrompt, UserVerifier, Verification, VerificationRequest,
};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign, UserVerify};
use zeroize::Zeroizing;

use crate::PhoneError;
use crate::seal::PinVerifier;

/// The AAID of the simulated phone model.
pub const AAID: &str = "FA5E#0001";

/// The seed name of the model's attestation CA and key (fixed: the metadata statement is the
/// same on every machine and every run).
const ATTESTATION_SEED: &str = "uaf-phone simulated phone model FA5E#0001 attestation v1";

/// The simulated phone model: P-256 (raw signatures, raw X9.62 keys), PIN user
/// verification, a `text/plain` transaction confirmation display (`tcDisplay` ANY: the
/// sign-in's text and the number typed are confirmed and signed), wrapped key handles, basic
/// full attestation by a deterministic test CA, and no sign counter (the state file cannot keep a counter in step across runs; see the README).
///
/// # Errors
/// [`PhoneError::Device`] if the model cannot be built (a bug).
pub fn model() -> Result<Profile, PhoneError> {
    model_locking_after(uaf_authenticator::DEFAULT_VERIFICATION_ATTEMPTS)
}

/// The model, locked out after `attempts` wrong PINs in a row.
pub(crate) fn model_locking_after(attempts: u8) -> Result<Profile, PhoneError> {
    let device = |e: uaf_authenticator::Error| PhoneError::Device(e.to_string());
    let aaid = Aaid::parse(AAID).map_err(|e| PhoneError::Device(e.to_string()))?;
    let base = || {
        Profile::builder(aaid)
            .authenticator_version(1)
            .description("uaf-phone: a simulated phone unlocked by its PIN")
            .algorithm(AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::EccX962Raw)
            .user_verification(UserVerify::PASSCODE)
            .counters(Counters::None)
            .transaction_display(TransactionDisplay::Text)
            .verification_attempts(attempts)
    };
    let key_type = base().build().map_err(device)?.key_type();
    let mut rng = ChaCha20Rng::from_seed(Sha256::digest(ATTESTATION_SEED.as_bytes()).into());
    let ca = TestCa::generate(&mut rng).map_err(device)?;
    let creds = ca.issue(&aaid, key_type, &mut rng).map_err(device)?;
    base()
        .attestation(AttestationConfig::BasicFull(creds))
        .build()
        .map_err(device)
}

/// The metadata statement of the simulated phone model (UAF 1.1 JSON with its attestation
/// root), for the server's `--metadata` directory.
///
/// # Errors
/// [`PhoneError::Device`] if the model cannot be built (a bug).
pub fn metadata_statement() -> Result<String, PhoneError> {
    let p = model()?;
    let roots = match p.attestation() {
        AttestationConfig::BasicFull(c) => c.roots().to_vec(),
        _ => Vec::new(),
    };
    Ok(p.metadata_statement(&roots))
}

/// The phone's random generator, shared with its authenticator: seeded from the state file
/// while the authenticator is built and its enrolment replayed (so the key-wrapping secret
/// and the enrolled key come back the same), then reseeded from the operating system.
#[derive(Clone)]
pub(crate) struct SharedRng(Arc<Mutex<ChaCha20Rng>>);

impl SharedRng {
    pub(crate) fn seeded(seed: [u8; 32]) -> SharedRng {
        SharedRng(Arc::new(Mutex::new(ChaCha20Rng::from_seed(seed))))
    }

    fn lock(&self) -> MutexGuard<'_, ChaCha20Rng> {
        match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// From now on, every value is from a fresh OS seed.
    pub(crate) fn go_live(&self) -> Result<(), PhoneError> {
        let seed = os_random::<32>()?;
        *self.lock() = ChaCha20Rng::from_seed(seed);
        Ok(())
    }
}

impl TryRng for SharedRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.lock().next_u32())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.lock().next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.lock().fill_bytes(dst);
        Ok(())
    }
}

impl TryCryptoRng for SharedRng {}

/// `N` bytes from the operating system.
pub(crate) fn os_random<const N: usize>() -> Result<[u8; N], PhoneError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| PhoneError::Random(e.to_string()))?;
    Ok(b)
}

/// The phone's lock screen: the authenticator asks it to verify the user before Register and
/// Sign; it checks the PIN typed for this one operation with the in-memory
/// [`PinVerifier`], in constant time. The authenticator counts the failures and locks itself.
pub(crate) struct PinPad {
    /// The phone's PIN check, shared by every account's authenticator.
    verifier: Arc<PinVerifier>,
    typed: Option<Zeroizing<String>>,
    restoring: bool,
    /// The transaction text the person confirmed on the phone's screen (the sign-in's text
    /// and the number they typed) for the next Sign.
    confirmed: Option<Vec<u8>>,
}

impl PinPad {
    pub(crate) fn new(verifier: Arc<PinVerifier>) -> PinPad {
        PinPad {
            verifier,
            typed: None,
            restoring: false,
            confirmed: None,
        }
    }

    /// The transaction text the person confirmed for the next Sign (the authenticator's
    /// display shows it; a different text is refused).
    pub(crate) fn confirm(&mut self, text: Vec<u8>) {
        self.confirmed = Some(text);
    }

    /// The PIN the person types for the next operation.
    pub(crate) fn enter(&mut self, pin: &str) {
        self.typed = Some(Zeroizing::new(String::from(pin)));
    }

    /// Forgets a typed PIN that was not used.
    pub(crate) fn clear(&mut self) {
        self.typed = None;
        self.confirmed = None;
    }

    /// The next Register is the replay of the enrolment (restoring the key made then), not
    /// a new key: it needs no PIN.
    pub(crate) fn restoring(&mut self, on: bool) {
        self.restoring = on;
    }
}

impl PinPad {
    fn check(&mut self, operation: Operation) -> Verification {
        if self.restoring && operation == Operation::Reg {
            self.restoring = false;
            return Verification::Verified(UserVerify::PASSCODE);
        }
        // One typed PIN serves one operation.
        let Some(typed) = self.typed.take() else {
            return Verification::NotResponsive;
        };
        if self.verifier.matches(&typed) {
            Verification::Verified(UserVerify::PASSCODE)
        } else {
            Verification::NotVerified
        }
    }
}

impl UserVerifier for PinPad {
    fn verify(&mut self, request: &VerificationRequest<'_>) -> Verification {
        self.check(request.operation)
    }

    fn confirm_transaction(&mut self, prompt: &TransactionPrompt<'_>) -> TransactionDecision {
        // The display shows the text; the person confirmed exactly this text, once.
        match self.confirmed.take() {
            Some(text) if prompt.content_type == "text/plain" && prompt.content == text => {
                TransactionDecision::Confirmed
            }
            _ => TransactionDecision::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_model_and_its_metadata_are_deterministic() {
        let a = metadata_statement().unwrap();
        assert_eq!(a, metadata_statement().unwrap());
        assert!(a.contains(AAID));
        assert!(a.contains("attestationRootCertificates"));
    }

    #[test]
    fn the_pin_pad_checks_the_pin_once() {
        let mut pad = PinPad::new(Arc::new(PinVerifier::new("1234", [7u8; 32])));
        let req = Operation::Auth;
        assert_eq!(pad.check(req), Verification::NotResponsive);
        pad.enter("1234");
        assert_eq!(pad.check(req), Verification::Verified(UserVerify::PASSCODE));
        // Used up.
        assert_eq!(pad.check(req), Verification::NotResponsive);
        pad.enter("0000");
        assert_eq!(pad.check(req), Verification::NotVerified);
        // Restoring lets one Register through, never a Sign.
        pad.restoring(true);
        assert_eq!(pad.check(req), Verification::NotResponsive);
        assert_eq!(
            pad.check(Operation::Reg),
            Verification::Verified(UserVerify::PASSCODE)
        );
        assert_eq!(pad.check(Operation::Reg), Verification::NotResponsive);
    }

    #[test]
    fn the_rng_replays_its_seed_until_live() {
        let mut a = SharedRng::seeded([1; 32]);
        let mut b = SharedRng::seeded([1; 32]);
        assert_eq!(a.next_u64(), b.next_u64());
        a.go_live().unwrap();
        assert_ne!(a.next_u64(), b.next_u64());
    }
}
