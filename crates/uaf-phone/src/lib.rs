//! # uaf-phone — the phone of "sign in with your phone, not your password"
//!
//! A simulated phone for `uaf-server`'s phone sign-in: the FIDO UAF client of `uaf-client`
//! over the software authenticator of `uaf-authenticator`, unlocked by a PIN. It enrols for
//! one account with a one-time invite code, keeps its state in a JSON file, lists the
//! sign-ins waiting for it, and approves (with the PIN) or declines them.
//!
//! **For**: demos, tests and the reference flow of `uaf-server` (`docs/server.md`, "Phone
//! sign-in"). **Not for**: protecting real accounts. The state file is this phone's "secure
//! element": its secrets are sealed (AES-256-GCM) under a key derived from the PIN with
//! argon2id ([`KdfParams`]), and the phone locks after [`Enrollment::max_pin_attempts`]
//! wrong PINs in a row ([`PhoneError::Locked`]); but whoever copies the file can still guess
//! the PIN offline at argon2id cost per guess (see the README).
//!
//! | item | what |
//! |---|---|
//! | [`Phone::enroll`] | invite code → `POST /phone/enroll/start` → registration with the PIN → `POST /phone/enroll/finish` → device token |
//! | [`Phone::save`], [`Phone::load`] | the state file (JSON, written atomically, mode 0600; secrets sealed under argon2id(PIN)); `load` needs the PIN |
//! | [`Phone::pending`] | `GET /phone/notifications` with the device token |
//! | [`Phone::shown_text`] | the sign-in's text to show (the request's `text/plain` transaction) |
//! | [`Phone::approve_typed`] | the number typed is checked (a wrong one is refused and reported), the attempt re-checked, then the PIN unlocks the key and the authenticator confirms the text with the number and signs, `POST /phone/respond` |
//! | [`Phone::approve`] | [`Phone::approve_typed`] with the right number (tests, demos) |
//! | [`Phone::decline`] | `POST /phone/decline` |
//! | [`Phone::deny`] | "it's not me": `POST /phone/report` `not-me` |
//! | [`metadata_statement`], [`write_metadata`] | the model's metadata for the server's `--metadata` directory |
//!
//! ## Example
//! The model's metadata, for the server:
//! ```
//! let statement = uaf_phone::metadata_statement()?;
//! assert!(statement.contains(uaf_phone::AAID));
//! # Ok::<(), uaf_phone::PhoneError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A std-only crate: `std::` paths are the natural ones here.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod device;
mod http;
mod seal;
mod state;

use core::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uaf_authenticator::Authenticator;
use uaf_client::{AuthenticatorOptions, Client, ClientConfig, ClientError, ClientRequest};
use uaf_proto::message::{AuthenticationRequest, DecodeOptions, Transaction, TrustedFacetList};
use uaf_proto::status::CmdStatus;

pub use device::{AAID, metadata_statement, model};
pub use seal::{KdfParams, MAX_ITERATIONS, MAX_MEMORY_KIB, MAX_PARALLELISM};
/// Wrong PINs in a row that lock a phone by default ([`Enrollment::max_pin_attempts`]).
pub const DEFAULT_MAX_PIN_ATTEMPTS: u8 = uaf_authenticator::DEFAULT_VERIFICATION_ATTEMPTS;
/// One sign-in waiting for the phone (`GET phone/notifications`), the server's type.
pub use uaf_signin_api::Notification;
pub use uaf_signin_api::ReportKind;
use uaf_signin_api::{
    AttemptAnswer, EnrollFinishAnswer, EnrollFinishRequest, EnrollStartAnswer, EnrollStartRequest,
    Notifications, PhoneDeclineRequest, PhoneReportRequest, PhoneRespondRequest, confirmed_text,
    path,
};

use device::{PinPad, SharedRng, model_locking_after, os_random};
use http::Http;
use seal::{PinVerifier, SealKey};
use state::{Secrets, StateFile};

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
    /// The number typed is not the one the sign-in page shows: nothing was signed (and the
    /// server was told, when `reported`).
    WrongNumber {
        /// Whether the server accepted the report.
        reported: bool,
    },
    /// The sign-in is no longer waiting (cancelled on the page, answered on another phone,
    /// expired): nothing was signed.
    NotWaiting,
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

impl core::error::Error for PhoneError {}

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
    /// The one-time invite code from `uaf-server invite`.
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
    /// Wrong PINs in a row (the authenticator's count, kept in the file).
    failed: u8,
    /// The file this phone was loaded from or saved to: where the count is kept.
    path: Option<PathBuf>,
    /// The file's header as last written (the count is rewritten in it).
    file: Option<StateFile>,
}

impl Keystore {
    /// Records `failed` wrong PINs in a row, in the state file too when there is one.
    fn set_failed(&mut self, failed: u8) -> Result<(), PhoneError> {
        self.failed = failed;
        if let (Some(path), Some(file)) = (&self.path, &mut self.file) {
            if file.failed_pin_attempts != failed {
                file.failed_pin_attempts = failed;
                state::write(path, file)?;
            }
        }
        Ok(())
    }
}

/// An enrolled phone (see the [crate documentation](crate)).
pub struct Phone {
    state: Secrets,
    keystore: Keystore,
    client: Client<Device>,
    http: Http,
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phone")
            .field("server", &self.state.server)
            .field("username", &self.state.username)
            .field("aaid", &self.state.aaid)
            .finish_non_exhaustive()
    }
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

/// The client and its authenticator, built from the seeds; the enrolment request (if any)
/// answered again. Returns the response message and the KeyID registered.
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

/// The PIN pad of a phone that knows `pin`.
fn pin_pad(pin: &str) -> Result<PinPad, PhoneError> {
    Ok(PinPad::new(PinVerifier::new(pin, os_random::<32>()?)))
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

impl Phone {
    /// Enrols this phone for an account: checks the invite code and gets a registration
    /// request (`POST /phone/enroll/start`), makes a key unlocked by the PIN, sends the
    /// registration (`POST /phone/enroll/finish`, which consumes the code) and keeps the
    /// device token the server returns. Save the phone with [`Phone::save`].
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
        let http = Http::trusting(&e.server, e.ca_file.as_deref())?;
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

        let seed = os_random::<32>()?;
        let asm_token = os_random::<32>()?;
        let (mut client, rng) =
            build_device(seed, asm_token, pin_pad(&e.pin)?, e.max_pin_attempts)?;
        pad_of(&mut client)?.enter(&e.pin);
        let (response, key_id) = register(&mut client, &request, &facet, list.as_ref())?;
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
        let state = Secrets {
            server: String::from(http.base()),
            username: e.username.clone(),
            facet_id: facet,
            trusted_facets: facets,
            aaid: String::from(AAID),
            key_id,
            device_token: finish.device_token,
            authenticator_seed: b64(&seed),
            asm_token: b64(&asm_token),
            enrollment_request: request,
        };
        Ok(Phone {
            state,
            keystore: Keystore {
                kdf: e.kdf,
                salt,
                key,
                max_attempts: e.max_pin_attempts,
                failed: 0,
                path: None,
                file: None,
            },
            client,
            http,
        })
    }

    /// Unlocks and loads a phone saved by [`Phone::save`] with its PIN: derives the key
    /// from `pin` (argon2id, the file's parameters), opens the sealed secrets, rebuilds the
    /// authenticator from the saved seed and replays its enrolment (deterministically: the same
    /// key and key handle come back; checked against the saved KeyID), then switches to fresh
    /// OS randomness.
    ///
    /// Every attempt is counted in the file before the PIN is tried (so a phone killed while
    /// checking has used the attempt up); the right PIN resets the count. At the file's limit
    /// the phone is locked: every PIN is refused without being tried.
    ///
    /// # Errors
    /// [`PhoneError::WrongPin`] (the count went up), [`PhoneError::Locked`],
    /// [`PhoneError::State`] when the file cannot be read, is of the old format (version 1:
    /// re-enrol), or cannot be restored.
    pub fn load(path: &Path, pin: &str) -> Result<Phone, PhoneError> {
        let mut file = state::read(path)?;
        let max = file.max_pin_attempts;
        if file.failed_pin_attempts >= max {
            return Err(PhoneError::Locked { attempts: max });
        }
        let kdf = file.kdf_params()?;
        let salt = file.salt()?;
        let tried = file.failed_pin_attempts.saturating_add(1);
        file.failed_pin_attempts = tried;
        state::write(path, &file)?;
        let key = SealKey::derive(pin, &salt, kdf)?;
        let Some(secrets) = file.open(&key)? else {
            return Err(if tried >= max {
                PhoneError::Locked { attempts: max }
            } else {
                PhoneError::WrongPin {
                    attempts_left: max.saturating_sub(tried),
                }
            });
        };
        file.failed_pin_attempts = 0;
        state::write(path, &file)?;

        let http = Http::new(&secrets.server)?;
        let seed = zeroize::Zeroizing::new(array32(
            &unb64(&secrets.authenticator_seed, "authenticatorSeed")?,
            "authenticatorSeed",
        )?);
        let asm_token = zeroize::Zeroizing::new(array32(
            &unb64(&secrets.asm_token, "asmToken")?,
            "asmToken",
        )?);
        let (mut client, rng) = build_device(*seed, *asm_token, pin_pad(pin)?, max)?;
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
        let (_, key_id) = restored.map_err(|e| PhoneError::State(format!("restore: {e}")))?;
        if key_id != secrets.key_id {
            return Err(PhoneError::State(String::from(
                "the saved key cannot be restored (the state file is inconsistent)",
            )));
        }
        rng.go_live()?;
        Ok(Phone {
            state: secrets,
            keystore: Keystore {
                kdf,
                salt,
                key,
                max_attempts: max,
                failed: 0,
                path: Some(path.to_path_buf()),
                file: Some(file),
            },
            client,
            http,
        })
    }

    /// Saves the phone's state at `path`: its secrets sealed with AES-256-GCM (a fresh nonce)
    /// under the key derived from its PIN, and the clear header (format version, argon2id
    /// parameters and salt, nonce, PIN attempt limit and count); written to a temporary file
    /// in the same directory with mode 0600, then renamed over `path` (atomic). From now on
    /// wrong PINs are counted in this file.
    ///
    /// # Errors
    /// [`PhoneError::State`].
    pub fn save(&mut self, path: &Path) -> Result<(), PhoneError> {
        let nonce = os_random::<{ seal::NONCE_LEN }>()?;
        let k = &self.keystore;
        let file = StateFile::seal(
            k.kdf,
            &k.salt,
            &nonce,
            k.max_attempts,
            k.failed,
            &k.key,
            &self.state,
        )?;
        state::write(path, &file)?;
        self.keystore.path = Some(path.to_path_buf());
        self.keystore.file = Some(file);
        Ok(())
    }

    /// Wrong PINs left before the phone locks (0: locked).
    #[must_use]
    pub fn pin_attempts_left(&self) -> u8 {
        self.keystore
            .max_attempts
            .saturating_sub(self.keystore.failed)
    }

    /// The default state file of `username`: `./uaf-phone-<username>.json`.
    #[must_use]
    pub fn default_state_path(username: &str) -> PathBuf {
        let safe: String = username
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        PathBuf::from(format!("uaf-phone-{safe}.json"))
    }

    /// The account.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.state.username
    }

    /// As [`Phone::load`], trusting the CA certificates (PEM) of `ca_file` for an `https`
    /// server instead of Mozilla's root certificates.
    ///
    /// # Errors
    /// As [`Phone::load`]; [`PhoneError::Usage`] when `ca_file` holds no PEM certificate.
    pub fn load_trusting(
        path: &Path,
        pin: &str,
        ca_file: Option<&Path>,
    ) -> Result<Phone, PhoneError> {
        let mut phone = Phone::load(path, pin)?;
        phone.http = Http::trusting(&phone.state.server, ca_file)?;
        Ok(phone)
    }

    /// The server base URL.
    #[must_use]
    pub fn server(&self) -> &str {
        &self.state.server
    }

    /// The KeyID registered (base64url).
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.state.key_id
    }

    /// The sign-ins waiting for this phone (`GET /phone/notifications`).
    ///
    /// # Errors
    /// [`PhoneError`] (HTTP 401: the device token is not known any more).
    pub fn pending(&self) -> Result<Vec<Notification>, PhoneError> {
        let answer: Notifications = self
            .http
            .get(path::NOTIFICATIONS, Some(&self.state.device_token))?;
        Ok(answer.notifications)
    }

    /// Unlocks the key with `pin` and answers the sign-in request of `n`, without sending it:
    /// the UAF authentication response (for tests; [`Phone::approve`] signs and sends).
    ///
    /// A wrong PIN is counted by the authenticator (and in the state file, before the PIN is
    /// checked); at the limit the authenticator locks itself and refuses every PIN.
    ///
    /// # Errors
    /// [`PhoneError::WrongPin`], [`PhoneError::Locked`], [`PhoneError::Client`] (a request
    /// this phone has no key for, an AppID it does not trust), [`PhoneError::State`] (the
    /// count cannot be written).
    pub fn sign(&mut self, n: &Notification, pin: &str) -> Result<String, PhoneError> {
        self.sign_typed(n, &n.match_code, pin)
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
    /// ([`uaf_signin_api::confirmed_text`]) and signs its hash. No check of the number is
    /// made here (the server refuses a signature over another number); [`Phone::approve_typed`]
    /// checks it first.
    ///
    /// # Errors
    /// As [`Phone::sign`].
    pub fn sign_typed(
        &mut self,
        n: &Notification,
        typed: &str,
        pin: &str,
    ) -> Result<String, PhoneError> {
        if n.username != self.state.username {
            return Err(PhoneError::Usage(format!(
                "this phone is enrolled for {:?}, not {:?}",
                self.state.username, n.username
            )));
        }
        let list = self
            .state
            .trusted_facets
            .as_deref()
            .and_then(|t| TrustedFacetList::parse(t).ok());
        let max = self.keystore.max_attempts;
        let before = device_of(&mut self.client)?.failed_verifications();
        if before >= max {
            return Err(PhoneError::Locked { attempts: max });
        }
        // What the authenticator confirms and signs: the text shown and the number typed.
        let (uaf_request, confirmed) = with_number(&n.uaf_request, typed)?;
        // Counted before it is checked: a phone killed meanwhile has used the attempt up.
        self.keystore.set_failed(before.saturating_add(1))?;
        let pad = pad_of(&mut self.client)?;
        pad.enter(pin);
        if let Some(text) = confirmed {
            pad.confirm(text.into_bytes());
        }
        let mut req =
            ClientRequest::new(&uaf_request, &self.state.facet_id).account(&self.state.username);
        if let Some(l) = &list {
            req = req.trusted_facets(l);
        }
        let outcome = self.client.process(&req);
        // A PIN serves one operation, used or not.
        pad_of(&mut self.client)?.clear();
        let after = device_of(&mut self.client)?.failed_verifications();
        self.keystore.set_failed(after)?;
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

    /// Sends a signed response for `attempt` (`POST /phone/respond`).
    ///
    /// # Errors
    /// [`PhoneError::Refused`]: the response does not verify, the attempt is not this
    /// phone's, is no longer waiting (409) or has expired (410).
    pub fn send_response(&self, attempt: &str, uaf_response: &str) -> Result<(), PhoneError> {
        let _: AttemptAnswer = self.http.post(
            path::PHONE_RESPOND,
            &PhoneRespondRequest {
                attempt: String::from(attempt),
                uaf_response: String::from(uaf_response),
            },
            Some(&self.state.device_token),
        )?;
        Ok(())
    }

    /// Approves `n` as if the person typed the right number ([`Phone::approve_typed`] with
    /// the notification's own number): for tests and demos. A phone's user interface asks
    /// the person for the number and calls [`Phone::approve_typed`].
    ///
    /// # Errors
    /// As [`Phone::approve_typed`].
    pub fn approve(&mut self, n: &Notification, pin: &str) -> Result<(), PhoneError> {
        let number = n.match_code.clone();
        self.approve_typed(n, &number, pin)
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
        if typed.trim() != n.match_code {
            let reported = self.report(&n.attempt, ReportKind::WrongNumber).is_ok();
            return Err(PhoneError::WrongNumber { reported });
        }
        if !self.still_waiting(&n.attempt)? {
            return Err(PhoneError::NotWaiting);
        }
        let response = match self.sign_typed(n, typed.trim(), pin) {
            Ok(r) => r,
            Err(e @ PhoneError::WrongPin { .. }) => {
                // Best effort: the page tells the person; the refusal stands either way.
                let _ = self.report(&n.attempt, ReportKind::WrongPin);
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        self.send_response(&n.attempt, &response)
    }

    /// Whether `attempt` is still among the sign-ins waiting for this phone (asked of the
    /// server now).
    ///
    /// # Errors
    /// As [`Phone::pending`].
    pub fn still_waiting(&self, attempt: &str) -> Result<bool, PhoneError> {
        Ok(self.pending()?.iter().any(|n| n.attempt == attempt))
    }

    /// "No, it's not me": ends the sign-in of `n` as denied and reports it (`POST
    /// /phone/report` `not-me`); the server records a security event and pauses new phone
    /// sign-ins of the account for a while.
    ///
    /// # Errors
    /// [`PhoneError::Refused`] as [`Phone::send_response`].
    pub fn deny(&self, n: &Notification) -> Result<(), PhoneError> {
        self.report(&n.attempt, ReportKind::NotMe)
    }

    /// Tells the server what happened on the phone about `attempt` (`POST /phone/report`).
    ///
    /// # Errors
    /// [`PhoneError::Refused`] as [`Phone::send_response`].
    pub fn report(&self, attempt: &str, kind: ReportKind) -> Result<(), PhoneError> {
        let _: AttemptAnswer = self.http.post(
            path::PHONE_REPORT,
            &PhoneReportRequest {
                attempt: String::from(attempt),
                kind,
            },
            Some(&self.state.device_token),
        )?;
        Ok(())
    }

    /// Declines `n` (`POST /phone/decline`).
    ///
    /// # Errors
    /// [`PhoneError::Refused`] as [`Phone::send_response`].
    pub fn decline(&self, n: &Notification) -> Result<(), PhoneError> {
        self.decline_attempt(&n.attempt)
    }

    /// Declines the attempt `attempt` (`POST /phone/decline`).
    ///
    /// # Errors
    /// As [`Phone::decline`].
    pub fn decline_attempt(&self, attempt: &str) -> Result<(), PhoneError> {
        let _: AttemptAnswer = self.http.post(
            path::PHONE_DECLINE,
            &PhoneDeclineRequest {
                attempt: String::from(attempt),
            },
            Some(&self.state.device_token),
        )?;
        Ok(())
    }
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
    fn the_default_state_path_is_safe() {
        assert_eq!(
            Phone::default_state_path("alice"),
            PathBuf::from("uaf-phone-alice.json")
        );
        assert_eq!(
            Phone::default_state_path("../x y"),
            PathBuf::from("uaf-phone-.._x_y.json")
        );
    }
}
