//! The person at the authenticator: user verification and the transaction screen.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use uaf_proto::registry::UserVerify;

use crate::fault::Operation;

/// What the authenticator asks the user to verify for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerificationRequest<'a> {
    /// Register (a new key) or Sign (an authentication).
    pub operation: Operation,
    /// `TAG_APPID` of the command, if the ASM sent it.
    pub app_id: Option<&'a str>,
    /// The account name (Register only).
    pub username: Option<&'a str>,
    /// The methods the authenticator accepts.
    pub methods: UserVerify,
}

/// The outcome of a user verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verification {
    /// The user was verified with this `USER_VERIFY_*` method.
    Verified(UserVerify),
    /// Verification failed (wrong PIN, fingerprint did not match):
    /// `UAF_CMD_STATUS_ACCESS_DENIED`.
    NotVerified,
    /// The user cancelled: `UAF_CMD_STATUS_USER_CANCELLED`.
    Cancelled,
    /// The user did not act in time: `UAF_CMD_STATUS_USER_NOT_RESPONSIVE`.
    NotResponsive,
    /// Too many failures; the user is locked out: `UAF_CMD_STATUS_USER_LOCKOUT`.
    LockedOut,
}

/// A transaction shown to the user before signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransactionPrompt<'a> {
    /// `text/plain` or `image/png` (the authenticator's display type).
    pub content_type: &'a str,
    /// The raw content (`TAG_TRANSACTION_CONTENT`: UTF-8 text or PNG file bytes).
    pub content: &'a [u8],
    /// `TAG_APPID` of the command, if the ASM sent it.
    pub app_id: Option<&'a str>,
}

/// What the user decided about a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionDecision {
    /// Confirmed: the authenticator signs with `AuthenticationMode` 0x02.
    Confirmed,
    /// Refused: `UAF_CMD_STATUS_USER_CANCELLED`.
    Refused,
    /// The content could not be shown: `UAF_CMD_STATUS_CANNOT_RENDER_TRANSACTION_CONTENT`.
    CannotRender,
}

/// The authenticator's user interface: it verifies the user for Register and Sign, and shows
/// transaction content before signing. Biometric data, PINs and their checks stay behind this
/// trait; the authenticator only learns the outcome.
pub trait UserVerifier {
    /// Whether a user is enrolled (GetInfo's `UAF_TYPE_USER_ENROLLED`). Without an enrolled
    /// user, Register and Sign answer `UAF_CMD_STATUS_USER_NOT_ENROLLED` (this authenticator
    /// cannot enrol by itself). Default: `true`.
    fn is_enrolled(&self) -> bool {
        true
    }

    /// Verifies the user.
    fn verify(&mut self, request: &VerificationRequest<'_>) -> Verification;

    /// Shows a transaction and returns the user's decision.
    fn confirm_transaction(&mut self, prompt: &TransactionPrompt<'_>) -> TransactionDecision;
}

/// One scripted user action for a verification.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserAction {
    /// Types this PIN: verified by `USER_VERIFY_PASSCODE` if it is the enrolled PIN, refused
    /// otherwise.
    EnterPin(String),
    /// Presents a finger: verified by `USER_VERIFY_FINGERPRINT` if a fingerprint is enrolled
    /// and `matches`, refused otherwise.
    PresentFingerprint {
        /// Whether the finger matches the enrolled one.
        matches: bool,
    },
    /// Touches the authenticator: verified by `USER_VERIFY_PRESENCE`.
    ConfirmPresence,
    /// Cancels.
    Cancel,
    /// Does nothing until the authenticator gives up.
    Ignore,
    /// Is locked out after too many failures.
    LockedOut,
}

/// A user recorded by [`ScriptedUser`]: a verification request it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedVerification {
    /// The operation.
    pub operation: Operation,
    /// The AppID, if sent.
    pub app_id: Option<String>,
    /// The username (Register).
    pub username: Option<String>,
    /// The outcome.
    pub outcome: Verification,
}

/// A transaction recorded by [`ScriptedUser`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShownTransaction {
    /// The content type.
    pub content_type: String,
    /// The content.
    pub content: Vec<u8>,
    /// The decision.
    pub decision: TransactionDecision,
}

/// A [`UserVerifier`] that follows a script: queues of actions and transaction decisions,
/// each with a fallback once the queue is empty, and a record of everything it was asked.
///
/// ```
/// use uaf_authenticator::{ScriptedUser, TransactionDecision, UserAction};
///
/// // Enrolled with a PIN; first types a wrong PIN, then the right one, then cancels;
/// // refuses the first transaction and confirms every later one.
/// let user = ScriptedUser::with_pin("1234")
///     .then(UserAction::EnterPin("0000".into()))
///     .then(UserAction::EnterPin("1234".into()))
///     .then(UserAction::Cancel)
///     .then_decide(TransactionDecision::Refused)
///     .otherwise_decide(TransactionDecision::Confirmed);
/// assert!(user.verifications().is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct ScriptedUser {
    pin: Option<String>,
    fingerprint: bool,
    actions: VecDeque<UserAction>,
    default_action: UserAction,
    decisions: VecDeque<TransactionDecision>,
    default_decision: TransactionDecision,
    verifications: Vec<RecordedVerification>,
    shown: Vec<ShownTransaction>,
}

impl Default for ScriptedUser {
    fn default() -> Self {
        ScriptedUser::new()
    }
}

impl ScriptedUser {
    /// A user with nothing enrolled, who ignores every request and refuses every transaction.
    #[must_use]
    pub const fn new() -> ScriptedUser {
        ScriptedUser {
            pin: None,
            fingerprint: false,
            actions: VecDeque::new(),
            default_action: UserAction::Ignore,
            decisions: VecDeque::new(),
            default_decision: TransactionDecision::Refused,
            verifications: Vec::new(),
            shown: Vec::new(),
        }
    }

    /// A user enrolled with `pin`, who (until scripted otherwise) ignores requests and refuses
    /// transactions.
    #[must_use]
    pub fn with_pin(pin: &str) -> ScriptedUser {
        ScriptedUser::new().enroll_pin(pin)
    }

    /// A user enrolled with `pin` who always types it and confirms every transaction: the
    /// happy path.
    #[must_use]
    pub fn approving(pin: &str) -> ScriptedUser {
        ScriptedUser::with_pin(pin)
            .otherwise(UserAction::EnterPin(String::from(pin)))
            .otherwise_decide(TransactionDecision::Confirmed)
    }

    /// Enrols a PIN.
    #[must_use]
    pub fn enroll_pin(mut self, pin: &str) -> ScriptedUser {
        self.pin = Some(String::from(pin));
        self
    }

    /// Enrols a fingerprint.
    #[must_use]
    pub fn enroll_fingerprint(mut self) -> ScriptedUser {
        self.fingerprint = true;
        self
    }

    /// Queues an action for the next verification.
    #[must_use]
    pub fn then(mut self, action: UserAction) -> ScriptedUser {
        self.push(action);
        self
    }

    /// The action taken once the queue is empty.
    #[must_use]
    pub fn otherwise(mut self, action: UserAction) -> ScriptedUser {
        self.default_action = action;
        self
    }

    /// Queues a decision for the next transaction.
    #[must_use]
    pub fn then_decide(mut self, decision: TransactionDecision) -> ScriptedUser {
        self.push_decision(decision);
        self
    }

    /// The decision taken once the decision queue is empty.
    #[must_use]
    pub fn otherwise_decide(mut self, decision: TransactionDecision) -> ScriptedUser {
        self.default_decision = decision;
        self
    }

    /// Queues an action for a later verification (for a user already inside an authenticator).
    pub fn push(&mut self, action: UserAction) {
        self.actions.push_back(action);
    }

    /// Queues a decision for a later transaction.
    pub fn push_decision(&mut self, decision: TransactionDecision) {
        self.decisions.push_back(decision);
    }

    /// Every verification answered, in order.
    #[must_use]
    pub fn verifications(&self) -> &[RecordedVerification] {
        &self.verifications
    }

    /// Every transaction shown, in order.
    #[must_use]
    pub fn shown_transactions(&self) -> &[ShownTransaction] {
        &self.shown
    }

    fn outcome(&self, action: &UserAction) -> Verification {
        match action {
            UserAction::EnterPin(pin) => match &self.pin {
                Some(enrolled) if enrolled == pin => Verification::Verified(UserVerify::PASSCODE),
                _ => Verification::NotVerified,
            },
            UserAction::PresentFingerprint { matches } => {
                if self.fingerprint && *matches {
                    Verification::Verified(UserVerify::FINGERPRINT)
                } else {
                    Verification::NotVerified
                }
            }
            UserAction::ConfirmPresence => Verification::Verified(UserVerify::PRESENCE),
            UserAction::Cancel => Verification::Cancelled,
            UserAction::Ignore => Verification::NotResponsive,
            UserAction::LockedOut => Verification::LockedOut,
        }
    }
}

impl UserVerifier for ScriptedUser {
    fn is_enrolled(&self) -> bool {
        self.pin.is_some() || self.fingerprint
    }

    fn verify(&mut self, request: &VerificationRequest<'_>) -> Verification {
        let action = self
            .actions
            .pop_front()
            .unwrap_or_else(|| self.default_action.clone());
        let outcome = self.outcome(&action);
        self.verifications.push(RecordedVerification {
            operation: request.operation,
            app_id: request.app_id.map(String::from),
            username: request.username.map(String::from),
            outcome,
        });
        outcome
    }

    fn confirm_transaction(&mut self, prompt: &TransactionPrompt<'_>) -> TransactionDecision {
        let decision = self.decisions.pop_front().unwrap_or(self.default_decision);
        self.shown.push(ShownTransaction {
            content_type: String::from(prompt.content_type),
            content: Vec::from(prompt.content),
            decision,
        });
        decision
    }
}
