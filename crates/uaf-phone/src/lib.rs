//! # uaf-phone — the phone of "sign in with your phone, not your password"
//!
//! A simulated phone for `uaf-server`'s phone sign-in: the FIDO UAF client of `uaf-client`
//! over the software authenticator of `uaf-authenticator`, unlocked by a PIN. One phone holds
//! any number of accounts, on one or several servers, each with its own key, in one sealed
//! state file; it enrols with a one-time code (or the enrolment link of the account page's QR
//! code), waits for the sign-ins of every account, approves (with the PIN) or declines them,
//! handles the server's deregistration of an account, and removes an account itself.
//!
//! **For**: demos, tests and the reference flow of `uaf-server` (`docs/server.md`, "Phone
//! sign-in" and "The phone CLI"). **Not for**: protecting real accounts. The state file is
//! this phone's "secure element": its secrets are sealed (AES-256-GCM) under a key derived
//! from the PIN with argon2id ([`KdfParams`]), and the phone locks after
//! [`Enrollment::max_pin_attempts`] wrong PINs in a row ([`PhoneError::Locked`]); but whoever
//! copies the file can still guess the PIN offline at argon2id cost per guess (see the README).
//!
//! | item | what |
//! |---|---|
//! | [`Phone::enroll`], [`Phone::add_account`] | code → `POST /phone/enroll/start` → registration with the PIN → `POST /phone/enroll/finish` → device token (and the verification-code secret, if offered) |
//! | [`Enrollment::from_link`] | the enrolment link text (`uafphone://enroll?server=…&user=…&code=…`, [`EnrollLink`]) |
//! | [`Phone::save`], [`Phone::load`], [`Phone::persist`] | the state file (JSON, format 3, written atomically, mode 0600; every account sealed under argon2id(PIN)); `load` needs the PIN and reads format 2 too |
//! | [`Phone::refresh`] | takes in the accounts other processes enrolled in or removed from the file |
//! | [`Phone::accounts`], [`Phone::find`] | the accounts (server, user, AAID, KeyID, added) |
//! | [`Waiter`] | one loop for every account: a [`Transport`] per account ([`poll`], [`push`]), [`WaitEvent`]s, [`Backoff`] after failures, queued deregistrations applied, accounts enrolled or removed by other processes served or dropped |
//! | [`Phone::pending`] | `GET /phone/notifications` of every account, once |
//! | [`Channel::stream`] | `GET /phone/events`: sign-ins and withdrawals pushed as they happen ([`PushStream`]), resumed by its cursor |
//! | [`Channel::wait_notifications`] | the long poll `GET /phone/notifications?since=…&wait=…` |
//! | [`push`] | the push [`Transport`] of [`Waiter`] ([`WaitOptions::pushed`]): the stream, resumed after reconnecting; the long poll, then polling, as fallbacks |
//! | [`Phone::shown_text`] | the sign-in's text to show (the request's `text/plain` transaction: site, account, browser, address, time) |
//! | [`Phone::approve_typed`], [`Phone::approve_typed_for`] | the number typed is checked (a wrong one is refused and reported), the attempt re-checked, then the PIN unlocks the key, the authenticator confirms the text with the number and signs, `POST /phone/respond`; a wrong PIN is reported |
//! | [`Phone::approve`], [`Phone::approve_for`] | the same with the right number (tests, demos) |
//! | [`Phone::decline`], [`Phone::decline_for`] | `POST /phone/decline` |
//! | [`Phone::deny`], [`Phone::deny_for`] | "it's not me": `POST /phone/report` `not-me` |
//! | [`Phone::verification_code`] | the account's current RFC 6238 code (for a password sign-in's second step when the phone is offline) |
//! | [`Phone::remove`] | `POST /phone/deregister`, then a UAF Dereg of the key through the client, then the account is forgotten |
//! | [`Phone::apply_deregistration`] | a UAF Dereg request queued by the server: the key is deleted, the account forgotten |
//! | [`metadata_statement`], [`write_metadata`] | the model's metadata for the server's `--metadata` directory |
//!
//! ## One state file, several processes
//! `uaf-phone wait` runs for hours while `uaf-phone enroll` or `uaf-phone remove` change the
//! same file. Every write is a read-modify-write under an exclusive advisory lock on the
//! sidecar `FILE.lock` (`std::fs::File::lock`): the file is read again inside the lock, opened
//! with the key the phone already holds, only this process's change is applied (an account
//! added or removed, one wrong PIN counted, the count settled), and the result is written to a
//! temporary file, synced and renamed into place before the lock is let go. No process writes
//! back a stale copy over another's change, and the wrong-PIN lockout holds however many
//! processes guess at once. [`Phone::refresh`] (which [`Waiter`] calls every second) takes the
//! other processes' changes in.
//!
//! ## Example
//! The model's metadata, for the server:
//! ```
//! let statement = uaf_phone::metadata_statement()?;
//! assert!(statement.contains(uaf_phone::AAID));
//! # Ok::<(), uaf_phone::PhoneError>(())
//! ```
//! Every account's sign-ins, approved as they come (against a running server):
//! ```no_run
//! use core::time::Duration;
//! use uaf_phone::{Enrollment, Phone, WaitEvent, WaitOptions, Waiter};
//!
//! let link = "uafphone://enroll?server=http%3A%2F%2F127.0.0.1%3A8080&user=alice&code=CODE";
//! let mut phone = Phone::enroll(&Enrollment::from_link(link, "1234")?)?;
//! phone.add_account(&Enrollment::new("http://127.0.0.1:9090", "alice", "CODE2", "1234"))?;
//! phone.save(std::path::Path::new("phone.json"))?;
//! let mut waiter = Waiter::start(&phone, WaitOptions::default())?;
//! while let Some(event) = waiter.next(&mut phone, Duration::from_secs(60)) {
//!     if let WaitEvent::SignIn { account, notification } = event {
//!         println!("{account}: {}", notification.prompt());
//!         phone.approve_for(&account, &notification, "1234")?;
//!     }
//! }
//! # Ok::<(), uaf_phone::PhoneError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A std-only crate: `std::` paths are the natural ones here.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod device;
mod http;
mod push;
mod resolve;
mod seal;
mod state;
mod wait;

use core::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uaf_authenticator::Authenticator;
use uaf_client::{
    AuthenticatorOptions, Client, ClientConfig, ClientError, ClientOutcome, ClientRequest,
};
use uaf_proto::id::AppId;
use uaf_proto::message::{
    AuthenticationRequest, DecodeOptions, DeregisterAuthenticator, DeregistrationRequest,
    Operation, OperationHeader, Transaction, TrustedFacetList, Version,
};
use uaf_proto::status::CmdStatus;

pub use device::{AAID, metadata_statement, model};
pub use push::{PushEvent, PushStream, push};
pub use resolve::LiteralResolver;
pub use seal::{KdfParams, MAX_ITERATIONS, MAX_MEMORY_KIB, MAX_PARALLELISM};
/// Wrong PINs in a row that lock a phone by default ([`Enrollment::max_pin_attempts`]).
pub const DEFAULT_MAX_PIN_ATTEMPTS: u8 = uaf_authenticator::DEFAULT_VERIFICATION_ATTEMPTS;
/// One sign-in waiting for the phone (`GET phone/notifications`), the server's type.
pub use uaf_signin_api::Notification;
/// What a phone reports about a sign-in (`POST phone/report`), the server's type.
pub use uaf_signin_api::ReportKind;
use uaf_signin_api::{
    AttemptAnswer, EnrollFinishAnswer, EnrollFinishRequest, EnrollStartAnswer, EnrollStartRequest,
    PhoneDeclineRequest, PhoneDeregisterAnswer, PhoneReportRequest, PhoneRespondRequest,
    confirmed_text, path,
};
/// The enrolment link text (what the account page's QR code holds), the server's type.
pub use uaf_signin_api::{EnrollLink, EnrollLinkError};
pub use wait::{Backoff, Channel, Outbox, Transport, WaitEvent, WaitOptions, Waiter, poll};

/// The default state file of the command line (`./uaf-phone.json`): one file for every
/// account of the phone.
pub const DEFAULT_STATE_FILE: &str = "uaf-phone.json";

use device::{PinPad, SharedRng, model_locking_after, os_random};
use http::Http;
use seal::{PinVerifier, SealKey};
use state::{AccountSecrets, CodeSecret, StateFile, Vault};

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum PhoneError {
    /// A wrong argument (a URL that is neither https nor http, a CA file without a PEM
    /// certificate, an empty PIN…).
    Usage(String),
    /// The server cannot be reached or the answer cannot be read.
    Unreachable(String),
    /// The server answered something that is not what the flow expects.
    BadAnswer(String),
    /// The server refused (HTTP status and its message).
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's `error` message.
        message: String,
    },
    /// The PIN was wrong (the state file did not open, or the authenticator refused to
    /// unlock the key); counted. Also what a state file altered by someone else gives: the
    /// seal cannot tell a wrong key from altered bytes.
    WrongPin {
        /// Wrong PINs left before the phone locks.
        attempts_left: u8,
    },
    /// Too many wrong PINs in a row: the phone is locked and refuses every PIN, the right one
    /// included (the authenticator answers `UAF_CMD_STATUS_USER_LOCKOUT`). Re-enrol it.
    Locked {
        /// The limit that was reached.
        attempts: u8,
    },
    /// The FIDO client or the authenticator failed.
    Client(String),
    /// The simulated authenticator cannot be built.
    Device(String),
    /// The state file cannot be read, written or restored.
    State(String),
    /// The operating system gave no randomness.
    Random(String),
    /// The enrolment link text cannot be read.
    Link(EnrollLinkError),
    /// The phone holds no such account.
    NoSuchAccount(String),
    /// A user name enrolled on several servers was named without its server.
    AmbiguousAccount {
        /// The user name.
        username: String,
        /// The servers it is enrolled on.
        servers: Vec<String>,
    },
    /// The phone already holds this account (remove it first).
    AlreadyEnrolled(AccountRef),
    /// The number typed is not the one the sign-in page shows: nothing was signed (and the
    /// server was told, when `reported`).
    WrongNumber {
        /// Whether the server accepted the report.
        reported: bool,
    },
    /// The sign-in is no longer waiting (cancelled on the page, answered on another phone,
    /// expired): nothing was signed.
    NotWaiting,
    /// The server did not set up verification codes for this account (at enrolment).
    NoVerificationCodes(AccountRef),
    /// The account's verification-code setup cannot make a code (an algorithm, digit count
    /// or secret this phone does not support).
    VerificationCode(uaf_totp::Error),
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneError::Usage(m) => write!(f, "{m}"),
            PhoneError::Unreachable(m) => write!(f, "server unreachable: {m}"),
            PhoneError::BadAnswer(m) => write!(f, "unexpected answer from the server: {m}"),
            PhoneError::Refused { status, message } => {
                write!(f, "the server refused (HTTP {status}): {message}")
            }
            PhoneError::WrongPin { attempts_left } => write!(
                f,
                "wrong PIN (or an altered state file); {attempts_left} attempt(s) left before \
                 the phone locks"
            ),
            PhoneError::Locked { attempts } => write!(
                f,
                "the phone is locked after {attempts} wrong PINs in a row and refuses every \
                 PIN; re-enrol it with a new invite code (`uaf-server invite USER`, then \
                 `uaf-phone enroll`)"
            ),
            PhoneError::Client(m) => write!(f, "FIDO client: {m}"),
            PhoneError::Device(m) => write!(f, "authenticator: {m}"),
            PhoneError::State(m) => write!(f, "phone state: {m}"),
            PhoneError::Random(m) => write!(f, "no randomness from the operating system: {m}"),
            PhoneError::Link(e) => write!(f, "{e}"),
            PhoneError::NoSuchAccount(a) => write!(f, "this phone holds no account {a}"),
            PhoneError::AmbiguousAccount { username, servers } => write!(
                f,
                "{username} is enrolled on several servers ({}): name one with --server",
                servers.join(", ")
            ),
            PhoneError::NoVerificationCodes(a) => write!(
                f,
                "the server did not set up verification codes for {a} when it was enrolled"
            ),
            PhoneError::VerificationCode(e) => write!(f, "verification code: {e}"),
            PhoneError::AlreadyEnrolled(a) => write!(
                f,
                "this phone already holds {a}; remove it first (`uaf-phone remove {}`)",
                a.username
            ),
            PhoneError::WrongNumber { .. } => f.write_str(
                "wrong number: type the number shown on the sign-in page (nothing was signed)",
            ),
            PhoneError::NotWaiting => f.write_str(
                "this sign-in is no longer waiting (cancelled, answered on another phone, or \
                 expired): nothing was signed",
            ),
        }
    }
}

impl core::error::Error for PhoneError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            PhoneError::Link(e) => Some(e),
            PhoneError::VerificationCode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<EnrollLinkError> for PhoneError {
    fn from(e: EnrollLinkError) -> Self {
        PhoneError::Link(e)
    }
}

fn client_error(e: &ClientError) -> PhoneError {
    PhoneError::Client(e.to_string())
}

/// How to enrol ([`Phone::enroll`]).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Enrollment {
    /// The server: `https://host[:port][/prefix]` (`http://` for loopback development).
    pub server: String,
    /// The account.
    pub username: String,
    /// The one-time code (from `uaf-server invite`, or the account page).
    pub code: String,
    /// The PIN that will unlock the phone's key.
    pub pin: String,
    /// The facet ID the phone app reports. Default: `https://host[:port]` of `server` (the
    /// server's default trusted facet when it runs behind a TLS proxy on the same address).
    pub facet: Option<String>,
    /// The argon2id cost of the key that seals the state file (default
    /// [`KdfParams::DEFAULT`]: 64 MiB, t = 3, p = 1).
    pub kdf: KdfParams,
    /// Wrong PINs in a row that lock the phone (default [`DEFAULT_MAX_PIN_ATTEMPTS`], 5).
    pub max_pin_attempts: u8,
    /// The CA certificates (PEM) to trust for an `https` server (a self-signed test setup).
    /// Default: Mozilla's root certificates (webpki-roots).
    pub ca_file: Option<PathBuf>,
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrollment")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("code", &"<secret>")
            .field("pin", &"<secret>")
            .field("facet", &self.facet)
            .field("kdf", &self.kdf)
            .field("max_pin_attempts", &self.max_pin_attempts)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl Enrollment {
    /// An enrolment with the default facet, argon2id cost and PIN attempts.
    #[must_use]
    pub fn new(server: &str, username: &str, code: &str, pin: &str) -> Enrollment {
        Enrollment {
            server: String::from(server),
            username: String::from(username),
            code: String::from(code),
            pin: String::from(pin),
            facet: None,
            kdf: KdfParams::DEFAULT,
            max_pin_attempts: DEFAULT_MAX_PIN_ATTEMPTS,
            ca_file: None,
        }
    }

    /// An enrolment from the enrolment link text (`uafphone://enroll?server=…&user=…&code=…`,
    /// what the account page's QR code holds), with the defaults of [`Enrollment::new`].
    ///
    /// # Errors
    /// [`PhoneError::Link`] says what is wrong with the text.
    pub fn from_link(text: &str, pin: &str) -> Result<Enrollment, PhoneError> {
        let link = EnrollLink::parse(text)?;
        Ok(Enrollment::new(
            &link.server,
            &link.username,
            &link.code,
            pin,
        ))
    }
}

/// `https://host[:port]` of an `http://host[:port]/…` URL.
fn default_facet(server: &str) -> String {
    let rest = server.split_once("://").map_or(server, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or(rest);
    format!("https://{host}")
}

/// The simulated authenticator of the phone.
type Device = Authenticator<SharedRng, PinPad>;

/// What unlocks and re-seals the state file, and the count of wrong PINs in a row.
struct Keystore {
    kdf: KdfParams,
    salt: [u8; seal::SALT_LEN],
    /// argon2id(PIN, salt): re-seals the file on [`Phone::save`] without the PIN.
    key: SealKey,
    max_attempts: u8,
    /// Wrong PINs in a row, phone-wide (every account's authenticator starts from it), as
    /// last read from or written to the file.
    failed: u8,
    /// The file this phone was loaded from or saved to: where the count is kept.
    path: Option<PathBuf>,
    /// The nonce of the sealed vault the accounts in memory come from: its generation (a
    /// fresh nonce at every seal). Another process's change gives another one.
    generation: Option<String>,
}

/// What became of one PIN attempt counted by [`Keystore::count_attempt`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tried {
    /// The PIN was right: the wrong PINs counted up to this attempt are forgotten.
    Right,
    /// The PIN was wrong: it stays counted.
    Wrong,
    /// The PIN was not checked (the request failed first): the attempt is given back.
    NotChecked,
}

impl Keystore {
    /// Reads the file at `path`, checking that it is still this phone's (its salt and
    /// argon2id parameters), not a file another phone wrote over it.
    fn read_own(&self, path: &Path) -> Result<StateFile, PhoneError> {
        let file = state::read(path)?;
        if file.salt()? != self.salt || file.kdf_params()? != self.kdf {
            return Err(PhoneError::State(format!(
                "{}: replaced by another phone's state file",
                path.display()
            )));
        }
        Ok(file)
    }

    /// Counts one PIN attempt before it is tried, and returns the count before it. With a
    /// file: under its lock, re-reads the count (other processes count too), refuses at the
    /// limit ([`PhoneError::Locked`]), writes the count + 1. So every attempt of every
    /// process is counted, and at most `max_attempts` wrong PINs in a row are ever tried.
    fn count_attempt(&mut self) -> Result<u8, PhoneError> {
        let Some(path) = self.path.clone() else {
            self.check_not_locked()?;
            let before = self.failed;
            self.failed = before.saturating_add(1);
            return Ok(before);
        };
        let held = state::lock(&path)?;
        let mut file = self.read_own(&path)?;
        self.failed = file.failed_pin_attempts;
        self.check_not_locked()?;
        let before = file.failed_pin_attempts;
        file.failed_pin_attempts = before.saturating_add(1);
        state::write(&held, &path, &file)?;
        self.failed = file.failed_pin_attempts;
        Ok(before)
    }

    /// Records what became of the attempt counted by [`Keystore::count_attempt`] when the
    /// count was `before`: under the lock, from the count in the file now (other processes'
    /// attempts counted meanwhile stay counted).
    fn settle(&mut self, before: u8, tried: Tried) -> Result<(), PhoneError> {
        let change = |now: u8| match tried {
            // This attempt and those before it: `before + 1`.
            Tried::Right => now.saturating_sub(before.saturating_add(1)),
            Tried::Wrong => now,
            Tried::NotChecked => now.saturating_sub(1),
        };
        let Some(path) = self.path.clone() else {
            self.failed = change(self.failed);
            return Ok(());
        };
        if tried == Tried::Wrong {
            return Ok(());
        }
        let held = state::lock(&path)?;
        let mut file = self.read_own(&path)?;
        let now = file.failed_pin_attempts;
        file.failed_pin_attempts = change(now);
        if file.failed_pin_attempts != now {
            state::write(&held, &path, &file)?;
        }
        self.failed = file.failed_pin_attempts;
        Ok(())
    }

    /// `Locked` when the count is at the limit.
    fn check_not_locked(&self) -> Result<(), PhoneError> {
        if self.failed >= self.max_attempts {
            return Err(PhoneError::Locked {
                attempts: self.max_attempts,
            });
        }
        Ok(())
    }

    /// The error of a wrong PIN, `tried` wrong PINs in a row counted.
    fn wrong(&self, tried: u8) -> PhoneError {
        let max = self.max_attempts;
        if tried >= max {
            PhoneError::Locked { attempts: max }
        } else {
            PhoneError::WrongPin {
                attempts_left: max.saturating_sub(tried),
            }
        }
    }
}

/// Which account: its server (base URL, without a trailing `/`) and its user name. A phone
/// holds at most one account per pair.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountRef {
    /// The server's base URL, as enrolled (`https://host[:port][/prefix]`).
    pub server: String,
    /// The user name on that server.
    pub username: String,
}

impl AccountRef {
    /// The account `username` at `server` (a trailing `/` of `server` is dropped).
    #[must_use]
    pub fn new(server: &str, username: &str) -> AccountRef {
        AccountRef {
            server: String::from(server.trim_end_matches('/')),
            username: String::from(username),
        }
    }
}

impl fmt::Display for AccountRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.username, self.server)
    }
}

/// One account of the phone, as `uaf-phone accounts` lists it (nothing secret).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountInfo {
    /// The server and user name.
    pub account: AccountRef,
    /// The AAID of the key (the phone model's, [`AAID`]).
    pub aaid: String,
    /// The KeyID registered (base64url).
    pub key_id: String,
    /// When the account was added (unix seconds); `None` for an account of a version 2 state
    /// file, which did not record it.
    pub added_at: Option<u64>,
    /// Whether the server set up verification codes for the account at enrolment.
    pub verification_codes: bool,
}

/// What the server said when the phone removed itself ([`Phone::remove`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerRemoval {
    /// The server deleted the phone's registration and device token.
    Removed,
    /// The server had already forgotten the phone (it answered `deregistered: false`, or
    /// refused the device token with 401).
    AlreadyGone,
    /// The server could not be told (forced removal); the error says why. The server still
    /// lists the phone until it is removed there (the account page, or the operator).
    NotTold(String),
}

/// An account the phone removed: its key is deleted in the authenticator (a UAF Dereg
/// through the client) and the account is forgotten.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Removal {
    /// The account.
    pub account: AccountRef,
    /// The KeyID deleted (base64url).
    pub key_id: String,
    /// What the server said: for [`Phone::remove`], the answer of `POST phone/deregister`;
    /// for a queued deregistration delivered by the server, always
    /// [`ServerRemoval::Removed`].
    pub server: ServerRemoval,
}

/// An account's current verification code ([`Phone::verification_code`]).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerificationCode {
    /// The code (6 digits unless the server set up another length), with its leading zeros.
    pub code: String,
    /// Seconds left before the next code (1 to the period).
    pub seconds_left: u64,
    /// The time step (RFC 6238 `T`) the code is for.
    pub step: u64,
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationCode")
            .field("code", &"<secret>")
            .field("seconds_left", &self.seconds_left)
            .field("step", &self.step)
            .finish()
    }
}

/// The code of `setup` at `unix_secs`.
fn code_at(setup: &CodeSecret, unix_secs: u64) -> Result<VerificationCode, PhoneError> {
    let algorithm = uaf_totp::Algorithm::from_name(&setup.algorithm).ok_or_else(|| {
        PhoneError::State(format!(
            "verification codes with {:?}: not supported",
            setup.algorithm
        ))
    })?;
    let digits = uaf_totp::Digits::new(setup.digits).map_err(PhoneError::VerificationCode)?;
    let totp = uaf_totp::Totp::new(algorithm, digits, setup.period_secs)
        .map_err(PhoneError::VerificationCode)?;
    let secret = zeroize::Zeroizing::new(
        uaf_totp::base32::decode(&setup.secret)
            .map_err(|e| PhoneError::State(format!("the verification-code secret: {e}")))?,
    );
    let step = totp
        .time_step(unix_secs)
        .map_err(PhoneError::VerificationCode)?;
    let code = totp
        .generate_at_step(&secret, step)
        .map_err(PhoneError::VerificationCode)?;
    let elapsed = unix_secs.saturating_sub(totp.t0()) % totp.period_secs();
    Ok(VerificationCode {
        code: code.to_string(),
        seconds_left: totp.period_secs().saturating_sub(elapsed),
        step,
    })
}

/// One account: its sealed secrets, its authenticator (inside its client) and its server.
struct Account {
    secrets: AccountSecrets,
    client: Client<Device>,
    http: Http,
    /// Whether the account is in the state file (false: added in memory, to be written).
    written: bool,
}

impl Account {
    fn reference(&self) -> AccountRef {
        AccountRef::new(&self.secrets.server, &self.secrets.username)
    }

    fn is(&self, account: &AccountRef) -> bool {
        self.secrets.username == account.username
            && self.secrets.server.trim_end_matches('/') == account.server
    }

    fn facets(&self) -> Option<TrustedFacetList> {
        self.secrets
            .trusted_facets
            .as_deref()
            .and_then(|t| TrustedFacetList::parse(t).ok())
    }

    /// The AppID the account's key is registered for.
    fn app_id(&self) -> Option<&AppId> {
        self.client.registrations().first().map(|r| r.app_id())
    }

    fn channel(&self) -> Channel {
        Channel::new(
            self.reference(),
            self.http.clone(),
            &self.secrets.device_token,
        )
    }

    /// Hands a UAF deregistration request to the client (which sends Deregister to the
    /// authenticator); `Ok` when this account's key was deleted.
    fn deregister_key(&mut self, uaf_request: &str) -> Result<(), PhoneError> {
        let list = self.facets();
        let mut req = ClientRequest::new(uaf_request, &self.secrets.facet_id);
        if let Some(l) = &list {
            req = req.trusted_facets(l);
        }
        let outcome = self.client.process(&req).map_err(|e| client_error(&e))?;
        let ClientOutcome::Deregistration(report) = outcome else {
            return Err(PhoneError::BadAnswer(String::from(
                "a deregistration was expected, another request came",
            )));
        };
        if let Some(f) = report.failed.first() {
            return Err(client_error(&f.error));
        }
        let ours = report
            .removed
            .iter()
            .any(|r| b64(r.key_id().as_bytes()) == self.secrets.key_id);
        if !ours {
            return Err(PhoneError::BadAnswer(String::from(
                "the deregistration request names no key of this account",
            )));
        }
        Ok(())
    }

    /// The UAF deregistration request of this account's key, made by the phone itself.
    fn own_deregistration(&self) -> Result<String, PhoneError> {
        let r = self
            .client
            .registrations()
            .first()
            .ok_or_else(|| PhoneError::State(String::from("the account holds no key")))?;
        let mut header = OperationHeader::new(Version::V1_1, Operation::Dereg);
        header.app_id = Some(r.app_id().clone());
        Ok(DeregistrationRequest {
            header,
            authenticators: vec![DeregisterAuthenticator::Key {
                aaid: *r.aaid(),
                key_id: r.key_id().clone(),
            }],
        }
        .to_json())
    }
}

/// An enrolled phone (see the [crate documentation](crate)): one PIN, one state file, any
/// number of accounts on one or several servers, each with its own key.
pub struct Phone {
    accounts: Vec<Account>,
    keystore: Keystore,
    /// The PIN check of every account's authenticator.
    pin: Arc<PinVerifier>,
    /// Deregistrations [`Phone::pending`] received (it cannot apply them: `&self`).
    queued: Mutex<Vec<(AccountRef, String)>>,
    /// The CA certificates trusted for every account instead of each one's own
    /// ([`Phone::load_trusting`]): for the accounts taken in from the file later too.
    ca_file: Option<PathBuf>,
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phone")
            .field(
                "accounts",
                &self
                    .accounts
                    .iter()
                    .map(Account::reference)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Whether `secrets` are of `account` (the server compared without a trailing `/`).
fn same_account(secrets: &AccountSecrets, account: &AccountRef) -> bool {
    secrets.username == account.username && secrets.server.trim_end_matches('/') == account.server
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str, what: &str) -> Result<Vec<u8>, PhoneError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| PhoneError::State(format!("{what}: {e}")))
}

fn array32(bytes: &[u8], what: &str) -> Result<[u8; 32], PhoneError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| PhoneError::State(format!("{what}: not 32 bytes")))
}

/// Now, in unix seconds (0 if the clock is before 1970).
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The client and its authenticator, built from the seeds.
fn build_device(
    seed: [u8; 32],
    asm_token: [u8; 32],
    pad: PinPad,
    max_attempts: u8,
) -> Result<(Client<Device>, SharedRng), PhoneError> {
    let rng = SharedRng::seeded(seed);
    let profile = model_locking_after(max_attempts)?;
    let version = profile.authenticator_version();
    let device = Authenticator::new(profile, rng.clone(), pad)
        .map_err(|e| PhoneError::Device(e.to_string()))?;
    let mut client = Client::with_asm_token(ClientConfig::default(), asm_token);
    client.add_authenticator(device, AuthenticatorOptions::with_version(version));
    Ok((client, rng))
}

fn device_of(client: &mut Client<Device>) -> Result<&mut Device, PhoneError> {
    client
        .authenticator_mut(0)
        .ok_or_else(|| PhoneError::Device(String::from("the phone has no authenticator")))
}

fn pad_of(client: &mut Client<Device>) -> Result<&mut PinPad, PhoneError> {
    device_of(client).map(Authenticator::user_mut)
}

/// The PIN check of a phone that knows `pin`.
fn pin_check(pin: &str) -> Result<Arc<PinVerifier>, PhoneError> {
    Ok(Arc::new(PinVerifier::new(pin, os_random::<32>()?)))
}

/// Answers a registration request; returns the response and the KeyID (base64url).
fn register(
    client: &mut Client<Device>,
    request: &str,
    facet: &str,
    facets: Option<&TrustedFacetList>,
) -> Result<(String, String), PhoneError> {
    let mut req = ClientRequest::new(request, facet);
    if let Some(list) = facets {
        req = req.trusted_facets(list);
    }
    let outcome = client.process(&req).map_err(|e| client_error(&e))?;
    let response = outcome
        .response()
        .ok_or_else(|| PhoneError::Client(String::from("the registration gave no response")))?
        .message
        .clone();
    let key_id = client
        .registrations()
        .last()
        .map(|r| b64(r.key_id().as_bytes()))
        .ok_or_else(|| PhoneError::Client(String::from("no key was registered")))?;
    Ok((response, key_id))
}

/// The server's trusted facet list, if it serves one.
fn fetch_facets(http: &Http) -> Option<String> {
    match http.get_text(path::FACETS) {
        Ok((200, text)) if TrustedFacetList::parse(&text).is_ok() => Some(text),
        _ => None,
    }
}

/// Rebuilds an account from its sealed secrets: the authenticator from the seed, its
/// enrolment replayed (the same key handle comes back; checked against the KeyID), then
/// fresh OS randomness.
fn restore(
    secrets: AccountSecrets,
    pin: &Arc<PinVerifier>,
    max_attempts: u8,
) -> Result<Account, PhoneError> {
    let http = Http::trusting_pem(
        &secrets.server,
        secrets
            .ca_pem
            .as_deref()
            .map(|p| (p, "the CA certificates of the state file")),
    )?;
    let seed = zeroize::Zeroizing::new(array32(
        &unb64(&secrets.authenticator_seed, "authenticatorSeed")?,
        "authenticatorSeed",
    )?);
    let asm_token = zeroize::Zeroizing::new(array32(
        &unb64(&secrets.asm_token, "asmToken")?,
        "asmToken",
    )?);
    let (mut client, rng) = build_device(
        *seed,
        *asm_token,
        PinPad::new(Arc::clone(pin)),
        max_attempts,
    )?;
    pad_of(&mut client)?.restoring(true);
    let list = secrets
        .trusted_facets
        .as_deref()
        .and_then(|t| TrustedFacetList::parse(t).ok());
    let restored = register(
        &mut client,
        &secrets.enrollment_request,
        &secrets.facet_id,
        list.as_ref(),
    );
    pad_of(&mut client)?.restoring(false);
    let (_, key_id) =
        restored.map_err(|e| PhoneError::State(format!("restore {}: {e}", secrets.username)))?;
    if key_id != secrets.key_id {
        return Err(PhoneError::State(format!(
            "the key of {} at {} cannot be restored (the state file is inconsistent)",
            secrets.username, secrets.server
        )));
    }
    rng.go_live()?;
    Ok(Account {
        secrets,
        client,
        http,
        written: true,
    })
}

impl Phone {
    /// Enrols a new phone for its first account: checks the invite code and gets a
    /// registration request (`POST /phone/enroll/start`), makes a key unlocked by the PIN,
    /// sends the registration (`POST /phone/enroll/finish`, which consumes the code) and
    /// keeps the device token the server returns (and the verification-code secret, if the
    /// server sets one up). Save the phone with [`Phone::save`]; add more accounts with
    /// [`Phone::add_account`].
    ///
    /// # Errors
    /// [`PhoneError`]: the server refused (a wrong, used or expired code: HTTP 403), the
    /// client failed, no randomness.
    pub fn enroll(e: &Enrollment) -> Result<Phone, PhoneError> {
        if e.pin.is_empty() {
            return Err(PhoneError::Usage(String::from("the PIN must not be empty")));
        }
        if e.max_pin_attempts == 0 {
            return Err(PhoneError::Usage(String::from(
                "max_pin_attempts must be at least 1",
            )));
        }
        // The sealing key first: bad argon2id parameters fail before the invite is used.
        let salt = os_random::<{ seal::SALT_LEN }>()?;
        let key = SealKey::derive(&e.pin, &salt, e.kdf)?;
        let mut phone = Phone {
            accounts: Vec::new(),
            keystore: Keystore {
                kdf: e.kdf,
                salt,
                key,
                max_attempts: e.max_pin_attempts,
                failed: 0,
                path: None,
                generation: None,
            },
            pin: pin_check(&e.pin)?,
            queued: Mutex::new(Vec::new()),
            ca_file: None,
        };
        phone.enroll_account(e)?;
        Ok(phone)
    }

    /// Enrols this phone for one more account, on the same server or another one (as
    /// [`Phone::enroll`]). `e.pin` must be the phone's PIN (a wrong one is counted, before the
    /// server is contacted); the phone-wide settings of `e` (`kdf`, `max_pin_attempts`) are
    /// ignored.
    ///
    /// A phone with a state file ([`Phone::load`], [`Phone::save`]) writes the account into
    /// it at once: a read-modify-write under the file's lock, which keeps every account
    /// other processes added or removed meanwhile (and takes them in). A phone without one
    /// keeps it in memory until [`Phone::save`].
    ///
    /// # Errors
    /// [`PhoneError::AlreadyEnrolled`] when the phone (or its file, written meanwhile by
    /// another process) already holds this account, [`PhoneError::WrongPin`],
    /// [`PhoneError::Locked`], [`PhoneError::State`] (the file cannot be written), and as
    /// [`Phone::enroll`].
    pub fn add_account(&mut self, e: &Enrollment) -> Result<AccountRef, PhoneError> {
        self.refresh()?;
        let wanted = AccountRef::new(&e.server, &e.username);
        if self.accounts.iter().any(|a| a.is(&wanted)) {
            return Err(PhoneError::AlreadyEnrolled(wanted));
        }
        let before = self.keystore.count_attempt()?;
        if !self.pin.matches(&e.pin) {
            return Err(self.keystore.wrong(before.saturating_add(1)));
        }
        self.keystore.settle(before, Tried::Right)?;
        self.enroll_account(e)
    }

    /// The enrolment itself (the PIN is known to be the phone's).
    fn enroll_account(&mut self, e: &Enrollment) -> Result<AccountRef, PhoneError> {
        let wanted = AccountRef::new(&e.server, &e.username);
        if self.accounts.iter().any(|a| a.is(&wanted)) {
            return Err(PhoneError::AlreadyEnrolled(wanted));
        }
        let ca_pem = e.ca_file.as_deref().map(http::read_pem).transpose()?;
        let ca_name = e
            .ca_file
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let http = Http::trusting_pem(&e.server, ca_pem.as_deref().map(|p| (p, &*ca_name)))?;
        let facet = e.facet.clone().unwrap_or_else(|| default_facet(&e.server));
        let start: EnrollStartAnswer = http.post(
            path::ENROLL_START,
            &EnrollStartRequest {
                username: e.username.clone(),
                code: e.code.clone(),
            },
            None,
        )?;
        let request = start.uaf_request;
        let facets = fetch_facets(&http);
        let list = facets
            .as_deref()
            .and_then(|t| TrustedFacetList::parse(t).ok());

        let seed = zeroize::Zeroizing::new(os_random::<32>()?);
        let asm_token = zeroize::Zeroizing::new(os_random::<32>()?);
        let (mut client, rng) = build_device(
            *seed,
            *asm_token,
            PinPad::new(Arc::clone(&self.pin)),
            self.keystore.max_attempts,
        )?;
        pad_of(&mut client)?.enter(&e.pin);
        let registered = register(&mut client, &request, &facet, list.as_ref());
        pad_of(&mut client)?.clear();
        let (response, key_id) = registered?;
        rng.go_live()?;

        let finish: EnrollFinishAnswer = http.post(
            path::ENROLL_FINISH,
            &EnrollFinishRequest {
                username: e.username.clone(),
                code: e.code.clone(),
                uaf_response: response,
            },
            None,
        )?;
        if finish.key_id != key_id {
            return Err(PhoneError::BadAnswer(String::from(
                "the server registered another key than this phone's",
            )));
        }
        let verification_code = finish.verification_code.as_ref().map(|v| CodeSecret {
            secret: v.secret.clone(),
            algorithm: v.algorithm.clone(),
            digits: v.digits,
            period_secs: v.period_secs,
        });
        let account = Account {
            secrets: AccountSecrets {
                server: String::from(http.base()),
                username: e.username.clone(),
                facet_id: facet,
                trusted_facets: facets,
                aaid: String::from(AAID),
                key_id,
                device_token: finish.device_token.clone(),
                authenticator_seed: b64(&*seed),
                asm_token: b64(&*asm_token),
                enrollment_request: request,
                added_at: Some(unix_now()),
                ca_pem,
                verification_code,
            },
            client,
            http,
            written: false,
        };
        let reference = account.reference();
        self.accounts.push(account);
        if self.keystore.path.is_some() {
            // Written at once: added to the file as it is now, under its lock.
            self.write_through(None)?;
        }
        Ok(reference)
    }

    /// Unlocks and loads a phone saved by [`Phone::save`] with its PIN: derives the key
    /// from `pin` (argon2id, the file's parameters), opens the sealed accounts, rebuilds each
    /// account's authenticator from its saved seed and replays its enrolment
    /// (deterministically: the same key and key handle come back; checked against the saved
    /// KeyID), then switches to fresh OS randomness.
    ///
    /// Every attempt is counted in the file (under its lock, from the count other processes
    /// wrote) before the PIN is tried (so a phone killed while checking has used the attempt
    /// up); the right PIN takes off the attempts counted up to its own. At the file's limit
    /// the phone is locked: every PIN is refused without being tried.
    ///
    /// A version 2 file (one account) is read and rewritten as version 3 at once (the write
    /// that resets the count).
    ///
    /// # Errors
    /// [`PhoneError::WrongPin`] (the count went up), [`PhoneError::Locked`],
    /// [`PhoneError::State`] when the file cannot be read, is of the old format (version 1:
    /// re-enrol), or cannot be restored.
    pub fn load(path: &Path, pin: &str) -> Result<Phone, PhoneError> {
        // Counted under the lock (other processes count too), before the PIN is tried.
        let (file, tried) = {
            let held = state::lock(path)?;
            let mut file = state::read(path)?;
            let max = file.max_pin_attempts;
            if file.failed_pin_attempts >= max {
                return Err(PhoneError::Locked { attempts: max });
            }
            file.failed_pin_attempts = file.failed_pin_attempts.saturating_add(1);
            state::write(&held, path, &file)?;
            let tried = file.failed_pin_attempts;
            (file, tried)
        };
        let max = file.max_pin_attempts;
        let kdf = file.kdf_params()?;
        let salt = file.salt()?;
        let key = SealKey::derive(pin, &salt, kdf)?;
        let mut keystore = Keystore {
            kdf,
            salt,
            key,
            max_attempts: max,
            failed: tried,
            path: Some(path.to_path_buf()),
            generation: None,
        };
        if file.open(&keystore.key)?.is_none() {
            return Err(keystore.wrong(tried));
        }
        // The right PIN: the count reset (what the file holds now, another process may have
        // written it meanwhile), a version 2 file upgraded, under the lock.
        let (vault, generation) = {
            let held = state::lock(path)?;
            let mut now = keystore.read_own(path)?;
            let vault = now.open(&keystore.key)?.ok_or_else(|| {
                PhoneError::State(format!(
                    "{}: replaced while it was being unlocked",
                    path.display()
                ))
            })?;
            // This attempt and the wrong ones before it (`tried`) are forgotten; attempts
            // other processes counted since stay counted.
            let failed = now.failed_pin_attempts.saturating_sub(tried);
            if now.version != state::VERSION {
                // Version 2: upgraded by this write.
                let nonce = os_random::<{ seal::NONCE_LEN }>()?;
                now = StateFile::seal(kdf, &salt, &nonce, max, failed, &keystore.key, &vault)?;
                state::write(&held, path, &now)?;
            } else if now.failed_pin_attempts != failed {
                now.failed_pin_attempts = failed;
                state::write(&held, path, &now)?;
            }
            keystore.failed = now.failed_pin_attempts;
            (vault, now.nonce)
        };
        keystore.generation = Some(generation);

        let check = pin_check(pin)?;
        let Vault { accounts } = vault;
        let accounts = accounts
            .into_iter()
            .map(|secrets| restore(secrets, &check, max))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Phone {
            accounts,
            keystore,
            pin: check,
            queued: Mutex::new(Vec::new()),
            ca_file: None,
        })
    }

    /// As [`Phone::load`], trusting the CA certificates (PEM) of `ca_file` for every
    /// account's `https` server instead of the ones saved at enrolment (or Mozilla's root
    /// certificates). `None`: what each account was enrolled with.
    ///
    /// # Errors
    /// As [`Phone::load`]; [`PhoneError::Usage`] when `ca_file` holds no PEM certificate.
    pub fn load_trusting(
        path: &Path,
        pin: &str,
        ca_file: Option<&Path>,
    ) -> Result<Phone, PhoneError> {
        let mut phone = Phone::load(path, pin)?;
        if let Some(file) = ca_file {
            for a in &mut phone.accounts {
                a.http = Http::trusting(&a.secrets.server, Some(file))?;
            }
            phone.ca_file = Some(file.to_path_buf());
        }
        Ok(phone)
    }

    /// Saves the phone's state at `path`: every account's secrets sealed with AES-256-GCM
    /// (a fresh nonce) under the key derived from its PIN, and the clear header (format
    /// version 3, argon2id parameters and salt, nonce, PIN attempt limit and count); written
    /// to a temporary file in the same directory with mode 0600, synced, then renamed over
    /// `path` (atomic), under the exclusive lock of the sidecar `PATH.lock`. From now on wrong
    /// PINs are counted in this file, and every change is written to it as it is made.
    ///
    /// When `path` is the phone's own file (loaded from it, or saved there before), this is
    /// [`Phone::persist`]: a read-modify-write that keeps what other processes wrote there
    /// meanwhile. Otherwise the file is made with this phone's accounts; a file already there
    /// (another phone's state, or one another command made meanwhile) is never written over.
    ///
    /// # Errors
    /// [`PhoneError::State`]: the file cannot be written, or `path` is not this phone's file
    /// and exists already.
    pub fn save(&mut self, path: &Path) -> Result<(), PhoneError> {
        if self.keystore.path.as_deref() == Some(path) {
            return self.write_through(None);
        }
        let held = state::lock(path)?;
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(PhoneError::State(format!(
                "{}: exists already (another phone's state file, or one another command made \
                 meanwhile); not written over: delete it first, or choose another file",
                path.display()
            )));
        }
        let nonce = os_random::<{ seal::NONCE_LEN }>()?;
        let vault = Vault {
            accounts: self.accounts.iter().map(|a| a.secrets.clone()).collect(),
        };
        let k = &self.keystore;
        let file = StateFile::seal(
            k.kdf,
            &k.salt,
            &nonce,
            k.max_attempts,
            k.failed,
            &k.key,
            &vault,
        )?;
        state::write(&held, path, &file)?;
        drop(held);
        for a in &mut self.accounts {
            a.written = true;
        }
        self.keystore.path = Some(path.to_path_buf());
        self.keystore.generation = Some(file.nonce);
        Ok(())
    }

    /// Takes the accounts of `other`, a phone enrolled in memory and never saved, into this
    /// phone and writes them to its file (a read-modify-write, as [`Phone::persist`]); from
    /// then on they are unlocked by this phone's PIN and counted with its wrong PINs. This is
    /// what `uaf-phone enroll` does when another command made the state file while its own
    /// enrolment ran ([`Phone::save`] never writes over a file it did not make). Returns the
    /// accounts taken in.
    ///
    /// # Errors
    /// [`PhoneError::AlreadyEnrolled`] when this phone holds one of them (nothing is taken);
    /// as [`Phone::persist`].
    pub fn absorb(&mut self, other: Phone) -> Result<Vec<AccountRef>, PhoneError> {
        self.refresh()?;
        if let Some(held) = other
            .accounts
            .iter()
            .map(Account::reference)
            .find(|r| self.accounts.iter().any(|a| a.is(r)))
        {
            return Err(PhoneError::AlreadyEnrolled(held));
        }
        let mut restored = Vec::with_capacity(other.accounts.len());
        for a in other.accounts {
            let mut account = restore(a.secrets, &self.pin, self.keystore.max_attempts)?;
            if let Some(ca) = &self.ca_file {
                account.http = Http::trusting(&account.secrets.server, Some(ca))?;
            }
            account.written = false;
            restored.push(account);
        }
        let added: Vec<AccountRef> = restored.iter().map(Account::reference).collect();
        self.accounts.extend(restored);
        self.persist()?;
        Ok(added)
    }

    /// Writes the accounts added in memory and not yet in the phone's file, and takes in
    /// what other processes changed there (see [`Phone::refresh`]); `false` (nothing written)
    /// for a phone that has no file yet ([`Phone::save`] makes it).
    ///
    /// A read-modify-write under the file's exclusive lock: the file is read again inside
    /// the lock, this phone's additions are added to the accounts it holds now, and the
    /// result is sealed and renamed into place before the lock is let go. Removals
    /// ([`Phone::remove`], [`Phone::apply_deregistration`]) and enrolments
    /// ([`Phone::add_account`]) are written that way when they are made.
    ///
    /// # Errors
    /// As [`Phone::save`]; [`PhoneError::AlreadyEnrolled`] when another process enrolled the
    /// same account meanwhile (this phone's copy is dropped).
    pub fn persist(&mut self) -> Result<bool, PhoneError> {
        if self.keystore.path.is_none() {
            return Ok(false);
        }
        self.write_through(None).map(|()| true)
    }

    /// The read-modify-write of the phone's file (nothing without one): under its lock,
    /// the accounts the file holds now, without `removed` (an account and its KeyID), with
    /// this phone's unwritten accounts; sealed with a fresh nonce, written, then taken in.
    fn write_through(&mut self, removed: Option<(&AccountRef, &str)>) -> Result<(), PhoneError> {
        let Some(path) = self.keystore.path.clone() else {
            return Ok(());
        };
        let held = state::lock(&path)?;
        let file = self.keystore.read_own(&path)?;
        let mut vault = self.open_own(&file, &path)?;
        if let Some((account, key_id)) = removed {
            vault
                .accounts
                .retain(|s| !(same_account(s, account) && s.key_id == key_id));
        }
        let mut conflict = None;
        for a in self.accounts.iter().filter(|a| !a.written) {
            let r = a.reference();
            if vault.accounts.iter().any(|s| same_account(s, &r)) {
                conflict = Some(r);
            } else {
                vault.accounts.push(a.secrets.clone());
            }
        }
        if let Some(r) = &conflict {
            self.accounts.retain(|a| a.written || !a.is(r));
        }
        let nonce = os_random::<{ seal::NONCE_LEN }>()?;
        let k = &self.keystore;
        let new = StateFile::seal(
            k.kdf,
            &k.salt,
            &nonce,
            file.max_pin_attempts,
            file.failed_pin_attempts,
            &k.key,
            &vault,
        )?;
        state::write(&held, &path, &new)?;
        drop(held);
        self.keystore.failed = new.failed_pin_attempts;
        self.adopt(vault, new.nonce)?;
        match conflict {
            Some(r) => Err(PhoneError::AlreadyEnrolled(r)),
            None => Ok(()),
        }
    }

    /// The vault of the phone's own file, opened with the key in memory (no argon2id).
    fn open_own(&self, file: &StateFile, path: &Path) -> Result<Vault, PhoneError> {
        file.open(&self.keystore.key)?.ok_or_else(|| {
            PhoneError::State(format!(
                "{}: no longer opens with this phone's key (altered, or replaced by another \
                 phone's file)",
                path.display()
            ))
        })
    }

    /// Makes the accounts in memory those of `vault` (the file's, of generation
    /// `generation`): an account gone from it is dropped; an account new in it (another
    /// process enrolled it) is restored from its secrets; the others are kept as they are.
    fn adopt(&mut self, vault: Vault, generation: String) -> Result<(), PhoneError> {
        self.accounts.retain(|a| {
            !a.written
                || vault
                    .accounts
                    .iter()
                    .any(|s| same_account(s, &a.reference()) && s.key_id == a.secrets.key_id)
        });
        for secrets in vault.accounts {
            let r = AccountRef::new(&secrets.server, &secrets.username);
            match self.accounts.iter_mut().find(|a| a.is(&r)) {
                Some(a) => a.written = true,
                None => {
                    let mut account = restore(secrets, &self.pin, self.keystore.max_attempts)?;
                    if let Some(ca) = &self.ca_file {
                        account.http = Http::trusting(&account.secrets.server, Some(ca))?;
                    }
                    self.accounts.push(account);
                }
            }
        }
        self.keystore.generation = Some(generation);
        Ok(())
    }

    /// Takes in what other processes changed in the phone's file since this phone last read
    /// or wrote it: accounts enrolled (`uaf-phone enroll`) are restored and served, accounts
    /// removed (`uaf-phone remove`) are dropped, the count of wrong PINs is read. Reads the
    /// file without its lock (it is replaced by an atomic rename) and opens it with the key in
    /// memory (the PIN is not asked again; no argon2id) only when its generation (the nonce of
    /// its seal) changed; `Ok(false)` when the accounts did not change (and for a phone
    /// without a file). [`Waiter`] calls it every second.
    ///
    /// # Errors
    /// [`PhoneError::State`]: the file cannot be read, or no longer opens with this phone's
    /// key (replaced by another phone's, or altered); the accounts in memory are kept.
    pub fn refresh(&mut self) -> Result<bool, PhoneError> {
        let Some(path) = self.keystore.path.clone() else {
            return Ok(false);
        };
        let file = self.keystore.read_own(&path)?;
        self.keystore.failed = file.failed_pin_attempts;
        if self.keystore.generation.as_deref() == Some(file.nonce.as_str()) {
            return Ok(false);
        }
        let vault = self.open_own(&file, &path)?;
        let keys = |p: &Phone| -> Vec<(AccountRef, String)> {
            p.accounts
                .iter()
                .map(|a| (a.reference(), a.secrets.key_id.clone()))
                .collect()
        };
        let before = keys(self);
        self.adopt(vault, file.nonce)?;
        Ok(keys(self) != before)
    }

    /// The file the phone was loaded from or last saved to.
    #[must_use]
    pub fn state_path(&self) -> Option<&Path> {
        self.keystore.path.as_deref()
    }

    /// Wrong PINs left before the phone locks (0: locked).
    #[must_use]
    pub fn pin_attempts_left(&self) -> u8 {
        self.keystore
            .max_attempts
            .saturating_sub(self.keystore.failed)
    }

    /// The accounts, in the order they were added.
    #[must_use]
    pub fn accounts(&self) -> Vec<AccountInfo> {
        self.accounts
            .iter()
            .map(|a| AccountInfo {
                account: a.reference(),
                aaid: a.secrets.aaid.clone(),
                key_id: a.secrets.key_id.clone(),
                added_at: a.secrets.added_at,
                verification_codes: a.secrets.verification_code.is_some(),
            })
            .collect()
    }

    /// The account named `username`, on `server` when given (compared without a trailing
    /// `/`): what `uaf-phone remove ACCOUNT [--server URL]` names.
    ///
    /// # Errors
    /// [`PhoneError::NoSuchAccount`]; [`PhoneError::AmbiguousAccount`] when `server` is
    /// `None` and the name is enrolled on several servers.
    pub fn find(&self, username: &str, server: Option<&str>) -> Result<AccountRef, PhoneError> {
        let server = server.map(|s| s.trim_end_matches('/'));
        let found: Vec<AccountRef> = self
            .accounts
            .iter()
            .map(Account::reference)
            .filter(|r| r.username == username && server.is_none_or(|s| r.server == s))
            .collect();
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(PhoneError::NoSuchAccount(String::from(username))),
            _ => Err(PhoneError::AmbiguousAccount {
                username: String::from(username),
                servers: found.into_iter().map(|r| r.server).collect(),
            }),
        }
    }

    fn index(&self, account: &AccountRef) -> Result<usize, PhoneError> {
        self.accounts
            .iter()
            .position(|a| a.is(account))
            .ok_or_else(|| PhoneError::NoSuchAccount(account.to_string()))
    }

    fn account(&self, account: &AccountRef) -> Result<&Account, PhoneError> {
        let i = self.index(account)?;
        self.accounts
            .get(i)
            .ok_or_else(|| PhoneError::NoSuchAccount(account.to_string()))
    }

    fn account_mut(&mut self, account: &AccountRef) -> Result<&mut Account, PhoneError> {
        let i = self.index(account)?;
        self.accounts
            .get_mut(i)
            .ok_or_else(|| PhoneError::NoSuchAccount(account.to_string()))
    }

    /// The first account (the only one of a phone made by [`Phone::enroll`] alone).
    fn first(&self) -> Result<&Account, PhoneError> {
        self.accounts
            .first()
            .ok_or_else(|| PhoneError::NoSuchAccount(String::from("(the phone has no account)")))
    }

    /// The user name of the first account ("" for a phone without accounts). See
    /// [`Phone::accounts`] for all of them.
    #[must_use]
    pub fn username(&self) -> &str {
        self.accounts
            .first()
            .map_or("", |a| a.secrets.username.as_str())
    }

    /// The server base URL of the first account ("" for a phone without accounts).
    #[must_use]
    pub fn server(&self) -> &str {
        self.accounts
            .first()
            .map_or("", |a| a.secrets.server.as_str())
    }

    /// The KeyID of the first account (base64url; "" for a phone without accounts).
    #[must_use]
    pub fn key_id(&self) -> &str {
        self.accounts
            .first()
            .map_or("", |a| a.secrets.key_id.as_str())
    }

    /// `account`'s verification code now (RFC 6238 TOTP from the secret the server set up
    /// at enrolment): what a password sign-in's second step accepts when the phone cannot
    /// approve (offline). Works without the network.
    ///
    /// # Errors
    /// [`PhoneError::NoSuchAccount`], [`PhoneError::NoVerificationCodes`] (the server did not
    /// set them up), [`PhoneError::VerificationCode`] (an unsupported setup).
    pub fn verification_code(&self, account: &AccountRef) -> Result<VerificationCode, PhoneError> {
        self.verification_code_at(account, unix_now())
    }

    /// As [`Phone::verification_code`], at `unix_secs`.
    ///
    /// # Errors
    /// As [`Phone::verification_code`].
    pub fn verification_code_at(
        &self,
        account: &AccountRef,
        unix_secs: u64,
    ) -> Result<VerificationCode, PhoneError> {
        let setup = self
            .account(account)?
            .secrets
            .verification_code
            .as_ref()
            .ok_or_else(|| PhoneError::NoVerificationCodes(account.clone()))?;
        code_at(setup, unix_secs)
    }

    /// The way to each account's server, for the transports of [`Waiter`] (one per
    /// account).
    #[must_use]
    pub fn channels(&self) -> Vec<Channel> {
        self.accounts.iter().map(Account::channel).collect()
    }

    /// The sign-ins waiting for this phone, every account's (`GET /phone/notifications`
    /// once per account), in account order.
    ///
    /// A queued deregistration in an answer is kept and applied by
    /// [`Phone::apply_queued_deregistrations`] (this method only reads); [`Waiter`] applies
    /// them as they come.
    ///
    /// # Errors
    /// [`PhoneError`] of the first account whose server fails (HTTP 401: the device token is
    /// not known any more).
    pub fn pending(&self) -> Result<Vec<Notification>, PhoneError> {
        let mut all = Vec::new();
        for a in &self.accounts {
            let answer = a.channel().fetch()?;
            if !answer.deregistrations.is_empty() {
                let mut queued = match self.queued.lock() {
                    Ok(q) => q,
                    Err(poisoned) => poisoned.into_inner(),
                };
                queued.extend(
                    answer
                        .deregistrations
                        .into_iter()
                        .map(|d| (a.reference(), d.uaf_request)),
                );
            }
            all.extend(answer.notifications);
        }
        Ok(all)
    }

    /// Applies the deregistrations [`Phone::pending`] received (as
    /// [`Phone::apply_deregistration`]); returns what was removed, and the errors of those
    /// that could not be applied.
    pub fn apply_queued_deregistrations(&mut self) -> Vec<Result<Removal, PhoneError>> {
        let queued = core::mem::take(match self.queued.get_mut() {
            Ok(q) => q,
            Err(poisoned) => poisoned.into_inner(),
        });
        queued
            .into_iter()
            .map(|(account, request)| self.apply_deregistration(&account, &request))
            .collect()
    }

    /// The server removed `account`'s phone and sent a UAF deregistration request
    /// (`Notifications::deregistrations`): hands it to the client, which checks its AppID
    /// and facet and sends Deregister to the authenticator (the key is deleted), then forgets
    /// the account and removes it from the phone's file (a read-modify-write under the file's
    /// lock: what other processes wrote there stays).
    ///
    /// # Errors
    /// [`PhoneError::NoSuchAccount`]; [`PhoneError::Client`] (the client refused the request:
    /// another AppID, an untrusted facet) and [`PhoneError::BadAnswer`] (a request that names
    /// no key of the account): the account is kept; [`PhoneError::State`] when the file
    /// cannot be written.
    pub fn apply_deregistration(
        &mut self,
        account: &AccountRef,
        uaf_request: &str,
    ) -> Result<Removal, PhoneError> {
        let i = self.index(account)?;
        let a = self
            .accounts
            .get_mut(i)
            .ok_or_else(|| PhoneError::NoSuchAccount(account.to_string()))?;
        a.deregister_key(uaf_request)?;
        let key_id = a.secrets.key_id.clone();
        self.accounts.remove(i);
        self.write_through(Some((account, &key_id)))?;
        Ok(Removal {
            account: account.clone(),
            key_id,
            server: ServerRemoval::Removed,
        })
    }

    /// Removes `account` from this phone: tells its server (`POST /phone/deregister` with
    /// the device token: the server deletes the registration and the token), deletes the key
    /// in the authenticator (a UAF deregistration request for the key, through the client),
    /// forgets the account and removes it from the phone's file (a read-modify-write under
    /// the file's lock: what other processes wrote there stays).
    ///
    /// A server that no longer knows the phone (401, or `deregistered: false`) is not an
    /// error ([`ServerRemoval::AlreadyGone`]). A server that cannot be reached is, unless
    /// `force` ([`ServerRemoval::NotTold`]: the phone forgets the account anyway).
    ///
    /// # Errors
    /// [`PhoneError::NoSuchAccount`]; the server's error (the account is kept) unless
    /// `force`; [`PhoneError::Client`] when the authenticator does not delete the key.
    pub fn remove(&mut self, account: &AccountRef, force: bool) -> Result<Removal, PhoneError> {
        let a = self.account_mut(account)?;
        let answer: Result<PhoneDeregisterAnswer, PhoneError> = a.http.post(
            path::PHONE_DEREGISTER,
            &serde_json::Map::new(),
            Some(&a.secrets.device_token),
        );
        let server = match answer {
            Ok(PhoneDeregisterAnswer { deregistered: true }) => ServerRemoval::Removed,
            Ok(PhoneDeregisterAnswer {
                deregistered: false,
            })
            | Err(PhoneError::Refused { status: 401, .. }) => ServerRemoval::AlreadyGone,
            Err(e) if force => ServerRemoval::NotTold(e.to_string()),
            Err(e) => return Err(e),
        };
        let request = a.own_deregistration()?;
        a.deregister_key(&request)?;
        let key_id = a.secrets.key_id.clone();
        let i = self.index(account)?;
        self.accounts.remove(i);
        self.write_through(Some((account, &key_id)))?;
        Ok(Removal {
            account: account.clone(),
            key_id,
            server,
        })
    }

    /// The account a sign-in request is for: the only one of its user name, or among
    /// several the one whose key is registered for the request's AppID.
    fn account_of(&self, n: &Notification) -> Result<AccountRef, PhoneError> {
        let same_name: Vec<&Account> = self
            .accounts
            .iter()
            .filter(|a| a.secrets.username == n.username)
            .collect();
        match same_name.as_slice() {
            [] => Err(PhoneError::Usage(format!(
                "this phone holds no account {:?}",
                n.username
            ))),
            [one] => Ok(one.reference()),
            several => {
                let app_id = request_app_id(&n.uaf_request);
                let matching: Vec<&&Account> = several
                    .iter()
                    .filter(|a| app_id.is_some() && a.app_id() == app_id.as_ref())
                    .collect();
                match matching.as_slice() {
                    [one] => Ok(one.reference()),
                    _ => Err(PhoneError::AmbiguousAccount {
                        username: n.username.clone(),
                        servers: several.iter().map(|a| a.secrets.server.clone()).collect(),
                    }),
                }
            }
        }
    }

    /// Unlocks the key with `pin` and answers the sign-in request of `n`, without sending it:
    /// the UAF authentication response (for tests; [`Phone::approve`] signs and sends). The
    /// account is the one of `n`'s user name (among several of that name, the one whose key
    /// the request's AppID names); [`Phone::sign_for`] names it.
    ///
    /// A wrong PIN is counted by the authenticator (and in the state file, before the PIN is
    /// checked); at the limit the authenticator locks itself and refuses every PIN. The count
    /// is the phone's: every account's authenticator starts from it.
    ///
    /// # Errors
    /// [`PhoneError::WrongPin`], [`PhoneError::Locked`], [`PhoneError::Client`] (a request
    /// this phone has no key for, an AppID it does not trust), [`PhoneError::State`] (the
    /// count cannot be written), [`PhoneError::Usage`] (no account of that name),
    /// [`PhoneError::AmbiguousAccount`].
    pub fn sign(&mut self, n: &Notification, pin: &str) -> Result<String, PhoneError> {
        let account = self.account_of(n)?;
        self.sign_for(&account, n, pin)
    }

    /// As [`Phone::sign`], for `account` (what [`Waiter`] says each sign-in is for).
    ///
    /// # Errors
    /// As [`Phone::sign`]; [`PhoneError::NoSuchAccount`].
    pub fn sign_for(
        &mut self,
        account: &AccountRef,
        n: &Notification,
        pin: &str,
    ) -> Result<String, PhoneError> {
        self.sign_typed_for(account, n, &n.match_code, pin)
    }

    /// The text the sign-in request of `n` asks to confirm (its `text/plain` transaction):
    /// what the phone shows before asking for the number. `None`: the request carries no
    /// text (an older server).
    ///
    /// # Errors
    /// [`PhoneError::BadAnswer`]: the request cannot be read.
    pub fn shown_text(n: &Notification) -> Result<Option<String>, PhoneError> {
        let request = AuthenticationRequest::parse_array(&n.uaf_request, &DecodeOptions::new())
            .map_err(|e| PhoneError::BadAnswer(format!("sign-in request: {e}")))?;
        Ok(request
            .first()
            .and_then(|r| r.transaction.iter().find_map(Transaction::as_text))
            .map(String::from))
    }

    /// As [`Phone::sign`], with the number `typed` by the person: the authenticator
    /// confirms the request's text followed by that number
    /// ([`uaf_signin_api::confirmed_text`]) and signs its hash. The number is not checked
    /// here (the server refuses a signature over another number);
    /// [`Phone::approve_typed`] checks it first.
    ///
    /// # Errors
    /// As [`Phone::sign`].
    pub fn sign_typed(
        &mut self,
        n: &Notification,
        typed: &str,
        pin: &str,
    ) -> Result<String, PhoneError> {
        let account = self.account_of(n)?;
        self.sign_typed_for(&account, n, typed, pin)
    }

    /// As [`Phone::sign_typed`], for `account`.
    ///
    /// # Errors
    /// As [`Phone::sign`]; [`PhoneError::NoSuchAccount`].
    pub fn sign_typed_for(
        &mut self,
        account: &AccountRef,
        n: &Notification,
        typed: &str,
        pin: &str,
    ) -> Result<String, PhoneError> {
        let i = self.index(account)?;
        if n.username != account.username {
            return Err(PhoneError::Usage(format!(
                "the sign-in is for {:?}, not {account}",
                n.username
            )));
        }
        let max = self.keystore.max_attempts;
        // Counted before it is checked (in the file, under its lock, from the count other
        // processes wrote): a phone killed meanwhile has used the attempt up.
        let before = self.keystore.count_attempt()?;
        let a = self
            .accounts
            .get_mut(i)
            .ok_or_else(|| PhoneError::NoSuchAccount(account.to_string()))?;
        let list = a.facets();
        // What the authenticator confirms and signs: the text shown and the number typed.
        let (uaf_request, confirmed) = with_number(&n.uaf_request, typed)?;
        device_of(&mut a.client)?.restore_failed_verifications(before);
        let pad = pad_of(&mut a.client)?;
        pad.enter(pin);
        if let Some(text) = confirmed {
            pad.confirm(text.into_bytes());
        }
        let mut req =
            ClientRequest::new(&uaf_request, &a.secrets.facet_id).account(&a.secrets.username);
        if let Some(l) = &list {
            req = req.trusted_facets(l);
        }
        let outcome = a.client.process(&req);
        // A PIN serves one operation, used or not.
        pad_of(&mut a.client)?.clear();
        let after = device_of(&mut a.client)?.failed_verifications();
        let tried = if after > before {
            Tried::Wrong
        } else if after < before || outcome.is_ok() {
            Tried::Right
        } else {
            Tried::NotChecked
        };
        self.keystore.settle(before, tried)?;
        let outcome = outcome.map_err(|e| match e {
            ClientError::Authenticator {
                status: CmdStatus::UserLockout,
                ..
            } => PhoneError::Locked { attempts: max },
            ClientError::Authenticator {
                status: CmdStatus::AccessDenied,
                ..
            } if after > before => PhoneError::WrongPin {
                attempts_left: max.saturating_sub(after),
            },
            other => client_error(&other),
        })?;
        outcome
            .response()
            .map(|r| r.message.clone())
            .ok_or_else(|| PhoneError::Client(String::from("the sign-in gave no response")))
    }

    /// Sends a signed response for `attempt` (`POST /phone/respond`) with the first
    /// account's device token ([`Phone::send_response_for`] names the account).
    ///
    /// # Errors
    /// [`PhoneError::Refused`]: the response does not verify, the attempt is not this
    /// phone's, is no longer waiting (409) or has expired (410).
    pub fn send_response(&self, attempt: &str, uaf_response: &str) -> Result<(), PhoneError> {
        respond(self.first()?, attempt, uaf_response)
    }

    /// As [`Phone::send_response`], with `account`'s device token.
    ///
    /// # Errors
    /// As [`Phone::send_response`]; [`PhoneError::NoSuchAccount`].
    pub fn send_response_for(
        &self,
        account: &AccountRef,
        attempt: &str,
        uaf_response: &str,
    ) -> Result<(), PhoneError> {
        respond(self.account(account)?, attempt, uaf_response)
    }

    /// Approves `n` as if the person typed the right number ([`Phone::approve_typed`] with
    /// the notification's own number; the account as [`Phone::sign`] finds it): for tests
    /// and demos. A phone's user interface asks the person for the number and calls
    /// [`Phone::approve_typed`].
    ///
    /// # Errors
    /// As [`Phone::approve_typed`].
    pub fn approve(&mut self, n: &Notification, pin: &str) -> Result<(), PhoneError> {
        let account = self.account_of(n)?;
        self.approve_for(&account, n, pin)
    }

    /// As [`Phone::approve`], for `account`.
    ///
    /// # Errors
    /// As [`Phone::approve`]; [`PhoneError::NoSuchAccount`].
    pub fn approve_for(
        &mut self,
        account: &AccountRef,
        n: &Notification,
        pin: &str,
    ) -> Result<(), PhoneError> {
        let number = n.match_code.clone();
        self.approve_typed_for(account, n, &number, pin)
    }

    /// Approves `n` with the number the person `typed` from the sign-in page and their
    /// `pin`, in this order: a wrong number is refused here and reported (`wrong-number`),
    /// before any PIN; the attempt is re-checked with the server just before the PIN is
    /// used, and a sign-in no longer waiting (cancelled, answered on another phone,
    /// expired) is never signed; a wrong PIN is reported (`wrong-pin`; the person may try
    /// again until the authenticator locks); then the authenticator confirms the text with
    /// the number, signs, and the response is sent.
    ///
    /// # Errors
    /// [`PhoneError::WrongNumber`], [`PhoneError::NotWaiting`], and as [`Phone::sign`] and
    /// [`Phone::send_response`].
    pub fn approve_typed(
        &mut self,
        n: &Notification,
        typed: &str,
        pin: &str,
    ) -> Result<(), PhoneError> {
        let account = self.account_of(n)?;
        self.approve_typed_for(&account, n, typed, pin)
    }

    /// As [`Phone::approve_typed`], for `account`.
    ///
    /// # Errors
    /// As [`Phone::approve_typed`]; [`PhoneError::NoSuchAccount`].
    pub fn approve_typed_for(
        &mut self,
        account: &AccountRef,
        n: &Notification,
        typed: &str,
        pin: &str,
    ) -> Result<(), PhoneError> {
        let typed = typed.trim();
        if typed != n.match_code {
            let reported = report(self.account(account)?, &n.attempt, ReportKind::WrongNumber);
            return Err(PhoneError::WrongNumber {
                reported: reported.is_ok(),
            });
        }
        if !self.still_waiting_for(account, &n.attempt)? {
            return Err(PhoneError::NotWaiting);
        }
        let response = match self.sign_typed_for(account, n, typed, pin) {
            Ok(r) => r,
            Err(e @ PhoneError::WrongPin { .. }) => {
                // Best effort: the page tells the person; the refusal stands either way.
                let _ = report(self.account(account)?, &n.attempt, ReportKind::WrongPin);
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        self.send_response_for(account, &n.attempt, &response)
    }

    /// Whether `attempt` is still among the sign-ins waiting for `account` (asked of its
    /// server now).
    ///
    /// # Errors
    /// As [`Phone::pending`]; [`PhoneError::NoSuchAccount`].
    pub fn still_waiting_for(
        &self,
        account: &AccountRef,
        attempt: &str,
    ) -> Result<bool, PhoneError> {
        let answer = self.account(account)?.channel().fetch()?;
        Ok(answer.notifications.iter().any(|n| n.attempt == attempt))
    }

    /// "No, it's not me": ends the sign-in of `n` as denied and reports it (`POST
    /// /phone/report` `not-me`); the server records a security event and pauses new phone
    /// sign-ins of the account for a while.
    ///
    /// # Errors
    /// [`PhoneError::Refused`] as [`Phone::send_response`].
    pub fn deny(&self, n: &Notification) -> Result<(), PhoneError> {
        let account = self.account_of(n)?;
        self.deny_for(&account, n)
    }

    /// As [`Phone::deny`], for `account`.
    ///
    /// # Errors
    /// As [`Phone::deny`]; [`PhoneError::NoSuchAccount`].
    pub fn deny_for(&self, account: &AccountRef, n: &Notification) -> Result<(), PhoneError> {
        report(self.account(account)?, &n.attempt, ReportKind::NotMe)
    }

    /// Tells `n`'s server what happened on the phone (`POST /phone/report`).
    ///
    /// # Errors
    /// [`PhoneError::Refused`] as [`Phone::send_response`].
    pub fn report(&self, n: &Notification, kind: ReportKind) -> Result<(), PhoneError> {
        let account = self.account_of(n)?;
        report(self.account(&account)?, &n.attempt, kind)
    }

    /// Declines `n` (`POST /phone/decline`; the account as [`Phone::sign`] finds it).
    ///
    /// # Errors
    /// [`PhoneError::Refused`] as [`Phone::send_response`].
    pub fn decline(&self, n: &Notification) -> Result<(), PhoneError> {
        let account = self.account_of(n)?;
        self.decline_for(&account, n)
    }

    /// As [`Phone::decline`], for `account`.
    ///
    /// # Errors
    /// As [`Phone::decline`]; [`PhoneError::NoSuchAccount`].
    pub fn decline_for(&self, account: &AccountRef, n: &Notification) -> Result<(), PhoneError> {
        decline(self.account(account)?, &n.attempt)
    }

    /// Declines the attempt `attempt` (`POST /phone/decline`) with the first account's
    /// device token.
    ///
    /// # Errors
    /// As [`Phone::decline`].
    pub fn decline_attempt(&self, attempt: &str) -> Result<(), PhoneError> {
        decline(self.first()?, attempt)
    }
}

/// The AppID in a UAF request's header (`None` if it has none or does not parse).
fn request_app_id(uaf_request: &str) -> Option<AppId> {
    let options = uaf_proto::message::DecodeOptions::default();
    match uaf_proto::message::parse_any(uaf_request, &options).ok()? {
        uaf_proto::message::AnyMessage::AuthenticationRequests(list) => {
            list.into_iter().find_map(|r| r.header.app_id)
        }
        _ => None,
    }
}

fn respond(a: &Account, attempt: &str, uaf_response: &str) -> Result<(), PhoneError> {
    let _: AttemptAnswer = a.http.post(
        path::PHONE_RESPOND,
        &PhoneRespondRequest {
            attempt: String::from(attempt),
            uaf_response: String::from(uaf_response),
        },
        Some(&a.secrets.device_token),
    )?;
    Ok(())
}

fn report(a: &Account, attempt: &str, kind: ReportKind) -> Result<(), PhoneError> {
    let _: AttemptAnswer = a.http.post(
        path::PHONE_REPORT,
        &PhoneReportRequest {
            attempt: String::from(attempt),
            kind,
        },
        Some(&a.secrets.device_token),
    )?;
    Ok(())
}

/// The request `uaf_request` with its `text/plain` transaction followed by the number `typed`
/// ([`confirmed_text`]), and that text: what the authenticator shows, confirms and signs. A
/// request without a text transaction is returned as it is.
fn with_number(uaf_request: &str, typed: &str) -> Result<(String, Option<String>), PhoneError> {
    let bad = |e: &dyn fmt::Display| PhoneError::BadAnswer(format!("sign-in request: {e}"));
    let mut requests = AuthenticationRequest::parse_array(uaf_request, &DecodeOptions::new())
        .map_err(|e| bad(&e))?;
    let mut confirmed = None;
    for r in &mut requests {
        let Some(shown) = r.transaction.iter().find_map(Transaction::as_text) else {
            continue;
        };
        let text = confirmed_text(shown, typed);
        r.transaction = vec![Transaction::text(&text).map_err(|e| bad(&e))?];
        confirmed = Some(text);
    }
    if confirmed.is_none() {
        return Ok((String::from(uaf_request), None));
    }
    Ok((AuthenticationRequest::array_to_json(&requests), confirmed))
}

fn decline(a: &Account, attempt: &str) -> Result<(), PhoneError> {
    let _: AttemptAnswer = a.http.post(
        path::PHONE_DECLINE,
        &PhoneDeclineRequest {
            attempt: String::from(attempt),
        },
        Some(&a.secrets.device_token),
    )?;
    Ok(())
}

/// The mean time of one argon2id derivation with `params` over `rounds` runs: the cost of
/// one PIN guess against a copy of the state file, on this machine (`uaf-phone kdf-cost`).
///
/// # Errors
/// [`PhoneError::Usage`] for parameters out of range.
pub fn kdf_cost(params: KdfParams, rounds: u32) -> Result<std::time::Duration, PhoneError> {
    let salt = [0u8; seal::SALT_LEN];
    let rounds = rounds.max(1);
    let start = std::time::Instant::now();
    for i in 0..rounds {
        let _ = SealKey::derive(&format!("{i:04}"), &salt, params)?;
    }
    Ok(start.elapsed() / rounds)
}

/// Writes the simulated phone model's metadata statement into `dir` (created if needed) as
/// `FA5E-0001.json`; returns the file.
///
/// # Errors
/// [`PhoneError::State`] when the file cannot be written.
pub fn write_metadata(dir: &Path) -> Result<PathBuf, PhoneError> {
    let mut text = metadata_statement()?;
    text.push('\n');
    std::fs::create_dir_all(dir)
        .map_err(|e| PhoneError::State(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{}.json", AAID.replace('#', "-")));
    std::fs::write(&path, text)
        .map_err(|e| PhoneError::State(format!("{}: {e}", path.display())))?;
    Ok(path)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit_tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_default_facet_is_the_https_origin() {
        assert_eq!(
            default_facet("http://127.0.0.1:8080/uaf"),
            "https://127.0.0.1:8080"
        );
        assert_eq!(default_facet("http://example.com"), "https://example.com");
    }

    #[test]
    fn an_enrolment_link_gives_the_enrolment() {
        let text = EnrollLink {
            server: String::from("https://signin.example.com:8443/x"),
            username: String::from("zoë"),
            code: String::from("ABCDEFGHIJ"),
        }
        .to_text();
        let e = Enrollment::from_link(&format!(" {text}\n"), "1234").unwrap();
        assert_eq!(e.server, "https://signin.example.com:8443/x");
        assert_eq!(e.username, "zoë");
        assert_eq!(e.code, "ABCDEFGHIJ");
        assert_eq!(e.pin, "1234");
        assert_eq!(e.kdf, KdfParams::DEFAULT);
        for (bad, why) in [
            (
                "https://x/?server=a&user=b&code=c",
                EnrollLinkError::NotAnEnrollLink,
            ),
            (
                "uafphone://enroll?server=a&user=b",
                EnrollLinkError::Missing("code"),
            ),
            (
                "uafphone://enroll?server=a&user=b&user=c&code=d",
                EnrollLinkError::Repeated("user"),
            ),
        ] {
            match Enrollment::from_link(bad, "1234") {
                Err(PhoneError::Link(e)) => assert_eq!(e, why, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn account_references_ignore_a_trailing_slash() {
        assert_eq!(
            AccountRef::new("http://s:1/x/", "a"),
            AccountRef::new("http://s:1/x", "a")
        );
        assert_eq!(
            AccountRef::new("http://s", "a").to_string(),
            "a at http://s"
        );
    }
}
