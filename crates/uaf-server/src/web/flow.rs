//! The phone sign-in flow as plain synchronous functions over the database and
//! [`uaf_rp::Service`]; the HTTP layer (`super`) runs them on the blocking pool.
//!
//! Who may do what:
//!
//! | action | authenticated by |
//! |---|---|
//! | enrol a phone (`/phone/enroll/start`, `/phone/enroll/finish`) | a one-time invite code made by the operator (`uaf-server invite`), consumed at finish |
//! | list sign-ins, approve, decline (`/phone/…`) | the device token (`Authorization: Bearer`), bound to one account and key; an approval also by a verified UAF signature of that key |
//! | start a sign-in (`/api/signin/start`) | nobody (it only creates an expiring attempt no one else can collect) |
//! | watch, collect an attempt (`/api/signin/{id}`, `…/complete`) | the browser secret cookie set at start |
//! | `/api/me`, `/api/signout` | the session cookie |

use std::cell::Cell;
use std::sync::Arc;

use axum::http::StatusCode;
use cookie::{Cookie, SameSite};
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{AuthenticationRequest, DecodeOptions, Transaction};
use uaf_rp::policy::AuthenticatorRejection;
use uaf_rp::step::StepId;
use uaf_rp::store::{
    AuthenticationCommit, CasOutcome, CounterAdvance, CredentialStore, PendingStore, StoreLookup,
};
use uaf_rp::{AuthenticationOptions, AuthenticationRequirements, ErrorKind, TransactionProblem};
use uaf_signin_api::{
    AttemptAnswer, AttemptContext, EnrollFinishAnswer, EnrollFinishRequest, EnrollStartAnswer,
    EnrollStartRequest, ErrorAnswer, Notification, Notifications, PhoneDeclineRequest,
    PhoneReportRequest, PhoneRespondRequest, ReportKind, Session, SignInStartAnswer,
    SignInStartRequest, SignInState, SignInStatus, SignedOut, confirmed_text,
};

use super::{Invite, InviteError, issue_invite};
use super::{attempt, secret, user_agent};
use crate::limits::Guard;
use crate::push::Hub;
use crate::reply::Reply;
use crate::signin::{Accounts, SignedIn};
use crate::state::{Shared, fresh_rng};
use crate::store::{
    AttemptChange, AttemptEnd, AttemptMove, AttemptRow, AttemptState, AttemptStore,
    AuthenticationWrites, DeviceRow, EnrollOutcome, Enrolment, KnownBrowser, NewSession,
    SessionRow, SignInStore, StoreError, row_expired,
};

/// The factors one phone approval proves.
pub(crate) const FACTORS: [&str; 2] = ["possession", "user-verification"];
/// The sign-in method of sessions made here.
pub(crate) const METHOD: &str = "uaf-phone";
/// How often the page polls, in milliseconds.
pub(crate) const POLL_MILLIS: u64 = 1000;
/// The browser secret cookie.
pub(crate) const SIGNIN_COOKIE: &str = "uaf_signin";
/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "uaf_session";
/// The cookie of a browser that signed in (its SHA-256 is remembered with the account): it
/// keeps phone sign-in open to this browser while the account's phone sign-ins are paused.
pub(crate) const KNOWN_COOKIE: &str = "uaf_known";
/// How long a browser that signed in stays known, in seconds (90 days).
pub(crate) const KNOWN_BROWSER_SECS: u64 = 90 * 24 * 60 * 60;
/// The refusal of a phone sign-in while the account's phone sign-ins are paused.
pub(crate) const PAUSED: &str = "phone sign-in for this account is paused: a recent sign-in \
                                 was reported as not the owner's. Use your password, or a \
                                 browser you signed in with before.";
/// Wrong numbers reported for one attempt that end it (as failed).
pub(crate) const MAX_WRONG_NUMBERS: u32 = 3;
/// How long a response whose challenge another copy took waits for that copy's outcome.
const DUPLICATE_WAIT_MILLIS: u64 = 3000;
/// How often it looks.
const DUPLICATE_POLL_MILLIS: u64 = 20;
/// The longest user name accepted.
const MAX_USERNAME: usize = 128;

/// What the flow needs besides the relying party.
#[derive(Clone, Debug)]
pub(crate) struct WebConfig {
    /// The normalised path prefix (cookie path).
    pub(crate) prefix: String,
    /// How long a session lives, in seconds.
    pub(crate) session_ttl_secs: u64,
    /// How long a sign-in attempt lives (the challenge lifetime), in seconds.
    pub(crate) attempt_ttl_secs: u64,
    /// Mark cookies `Secure` (behind a TLS-terminating proxy).
    pub(crate) secure_cookies: bool,
    /// The site name the phone shows.
    pub(crate) site: String,
    /// How long new phone sign-ins of an account pause after one of its attempts was denied
    /// as "it's not me", in seconds (0: no pause).
    pub(crate) deny_pause_secs: u64,
    /// The argon2id cost of new password hashes.
    pub(crate) password_hashing: crate::PasswordHashing,
    /// The configured public base URL (ending in `/`), for enrolment links; `None`: from
    /// the request (`web::account`).
    pub(crate) public_url: Option<String>,
}

/// Where a sign-in start comes from (read from the request by the HTTP layer).
#[derive(Clone, Debug, Default)]
pub(crate) struct StartContext {
    /// The browser and OS, from the `User-Agent` ([`user_agent::Browser::short`]).
    pub(crate) browser: String,
    /// The client address (the rate limits' notion of it: behind a trusted proxy, the
    /// forwarded address), or `unknown address`.
    pub(crate) address: String,
    /// The browser's `uaf_known` cookie, if any.
    pub(crate) known: Option<String>,
    /// The `User-Agent` text (empty when absent), kept with the attempt for its activity
    /// row should it expire unanswered.
    pub(crate) user_agent: String,
}

impl StartContext {
    /// The context of a request of `client` with the `uaf_known` cookie `known`.
    pub(crate) fn of(client: &super::password::Client, known: Option<String>) -> StartContext {
        StartContext {
            browser: user_agent::parse(&client.user_agent).short(),
            address: client
                .ip
                .map_or_else(|| String::from("unknown address"), |ip| ip.to_string()),
            known,
            user_agent: client.user_agent.clone(),
        }
    }
}

/// The flow's state: the relying party with its stores, the sign-in rows, and which
/// accounts may sign in.
pub(crate) struct Flow {
    pub(crate) app: Shared,
    pub(crate) store: Arc<dyn SignInStore>,
    /// Reports, endings other than an approval, pauses, known browsers.
    pub(crate) attempts: Arc<dyn AttemptStore>,
    pub(crate) accounts: Arc<dyn Accounts>,
    pub(crate) config: WebConfig,
    /// The abuse limits in force.
    pub(crate) limits: Arc<Guard>,
    /// The notification hub of the streams.
    pub(crate) push: Arc<Hub>,
    /// The expiry sweep's thread, which ends when the flow is dropped (`None`: no sweep).
    pub(crate) _sweeper: Option<crate::expiry::Sweeper>,
}

/// A user name the flow accepts: 1 to 128 characters, no control characters, no spaces at
/// either end.
pub(crate) fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_USERNAME
        && !name.chars().any(char::is_control)
        && name.trim() == name
}

/// `header.serverData` of the authentication request the server just issued (read back by
/// uaf-proto's strict parser).
fn issued_server_data(request: &str) -> Option<String> {
    AuthenticationRequest::parse_array(request, &DecodeOptions::new())
        .ok()?
        .into_iter()
        .next()?
        .header
        .server_data
}

/// What an approval by `device` requires: its own key (AUTH-15), and an authenticator that
/// verifies its user, not presence alone (AUTH-16): the approval is then two factors.
fn this_phone(device: &DeviceRow) -> AuthenticationRequirements {
    let key = Aaid::parse(&device.aaid)
        .ok()
        .zip(KeyId::new(device.key_id.clone()).ok());
    // A device row that does not hold a valid key allows no key at all.
    AuthenticationRequirements::new()
        .allow_keys(key)
        .require_user_verification()
}

/// The writes of a phone's approval for [`uaf_rp::Service`]: the challenge taken, the counter
/// advanced and the attempt moved, in one transaction
/// ([`AuthenticationWrites::take_advance_and_move`]); whether the attempt moved is kept.
struct ApprovalCommit<'a> {
    writes: &'a dyn AuthenticationWrites,
    attempt: AttemptMove<'a>,
    moved: Cell<Option<bool>>,
}

impl AuthenticationCommit for ApprovalCommit<'_> {
    type Error = StoreError;

    fn take_and_advance(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
    ) -> Result<Option<Vec<CasOutcome>>, StoreError> {
        let done = self
            .writes
            .take_advance_and_move(server_data, counters, &self.attempt)?;
        Ok(done.map(|a| {
            self.moved.set(a.moved);
            a.counters
        }))
    }
}

/// What decided a rejection: the first assertion's failure when none verified.
fn decisive_kind(e: &uaf_rp::Error) -> &ErrorKind {
    match &e.kind {
        ErrorKind::NoAssertionVerified { first, .. } => decisive_kind(first),
        kind => kind,
    }
}

/// The refusal of a phone's response that uaf-rp rejected (nothing was committed).
fn refused(e: &uaf_rp::Error) -> Reply {
    tracing::debug!(error = %e, "phone response rejected");
    match decisive_kind(e) {
        ErrorKind::KeyNotAllowed => Reply::error(
            StatusCode::FORBIDDEN,
            "the key that signed is not this phone's",
        ),
        ErrorKind::Policy(AuthenticatorRejection::UserVerificationRequired) => Reply::error(
            StatusCode::FORBIDDEN,
            "the authenticator does not verify its user (one factor only)",
        ),
        // AUTH-20: the signed text is not this attempt's text with this attempt's number.
        ErrorKind::Transaction(TransactionProblem::HashMismatch) => Reply::error(
            StatusCode::FORBIDDEN,
            "the confirmed text or number is not this sign-in's",
        ),
        ErrorKind::Transaction(_) => Reply::error(
            StatusCode::FORBIDDEN,
            "the sign-in was not confirmed with its text and number",
        ),
        _ => Reply::error(
            StatusCode::BAD_REQUEST,
            &format!("authentication rejected: {e}"),
        ),
    }
}

impl Flow {
    pub(super) fn now(&self) -> u64 {
        self.app.now()
    }

    /// A cookie of the flow: `HttpOnly; SameSite=Strict`, the prefix as its path, `Secure`
    /// when configured.
    pub(super) fn cookie(
        &self,
        name: &'static str,
        value: String,
        max_age: u64,
    ) -> Cookie<'static> {
        Cookie::build((name, value))
            .path(self.config.prefix.clone())
            .max_age(cookie::time::Duration::seconds(
                i64::try_from(max_age).unwrap_or(i64::MAX),
            ))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.config.secure_cookies)
            .build()
    }

    pub(super) fn clear_cookie(&self, name: &'static str) -> Cookie<'static> {
        self.cookie(name, String::new(), 0)
    }

    // -----------------------------------------------------------------------------------------
    // Enrolment (authenticated by the invite code)
    // -----------------------------------------------------------------------------------------

    /// Whether the application lets `username` sign in ([`Accounts::may_sign_in`]); an
    /// error of the lookup is HTTP 500.
    pub(super) fn may_sign_in(&self, username: &str) -> Result<bool, Reply> {
        self.accounts
            .may_sign_in(username)
            .map_err(|e| Reply::internal("account lookup", &e))
    }

    /// Makes an invite for `username` if it may sign in.
    pub(crate) fn create_invite(&self, username: &str) -> Result<Invite, InviteError> {
        if !self
            .accounts
            .may_sign_in(username)
            .map_err(InviteError::Accounts)?
        {
            return Err(InviteError::NotAllowed);
        }
        issue_invite(&*self.store, username, self.now())
    }

    /// Checks an invite code for `username` without consuming it (and that the account
    /// may still sign in).
    pub(super) fn check_invite(&self, username: &str, code: &str) -> Result<[u8; 32], Reply> {
        let refused = || {
            // Guessing shows in the log (the name quoted: it is the client's text).
            tracing::warn!(username = ?username, "invite code refused");
            Reply::error(
                StatusCode::FORBIDDEN,
                "invalid, used or expired invite code",
            )
        };
        let code = secret::normalise_invite_code(code);
        if code.len() != secret::INVITE_CODE_LEN || !valid_username(username) {
            return Err(refused());
        }
        if !self.may_sign_in(username)? {
            return Err(Reply::error(
                StatusCode::FORBIDDEN,
                "this account may not sign in",
            ));
        }
        let hash = secret::hash(&code);
        let row = self
            .store
            .find_invite(&hash)
            .map_err(|e| Reply::internal("invite lookup", &e))?
            .ok_or_else(refused)?;
        if row.username != username || row_expired(row.expires_at, self.now()) {
            return Err(refused());
        }
        Ok(hash)
    }

    /// `POST /phone/enroll/start {username, code}` → `{uafRequest}` (the code is checked, not
    /// consumed).
    pub(crate) fn enroll_start(&self, body: &EnrollStartRequest) -> Reply {
        if let Err(r) = self.check_invite(&body.username, &body.code) {
            return r;
        }
        let mut rng = match fresh_rng() {
            Ok(r) => r,
            Err(e) => return Reply::internal("no OS randomness", &e),
        };
        match self
            .app
            .service
            .start_registration(&body.username, self.now(), &mut rng)
        {
            Ok(uaf_request) => Reply::ok(&EnrollStartAnswer { uaf_request }),
            Err(e) => Reply::internal("registration request", &e),
        }
    }

    /// `POST /phone/enroll/finish {username, code, uafResponse}` → `{deviceToken, …}`: the
    /// code is checked, the registration verified (its challenge taken: single use), and
    /// then the invite consumption, the registration and the device record are committed in
    /// one transaction ([`SignInStore::enroll`]), or none of them. A response that fails
    /// leaves the invite usable (its checks are rate-limited per address and account).
    pub(crate) fn enroll_finish(&self, body: &EnrollFinishRequest) -> Reply {
        self.enrol(body).unwrap_or_else(|refusal| refusal)
    }

    fn enrol(&self, body: &EnrollFinishRequest) -> Result<Reply, Reply> {
        let hash = self.check_invite(&body.username, &body.code)?;
        let now = self.now();
        let rejected = |e: &uaf_rp::Error| {
            tracing::debug!(error = %e, "enrolment response rejected");
            Reply::json(
                StatusCode::BAD_REQUEST,
                &ErrorAnswer {
                    status_code: Some(e.status(uaf_rp::StatusCodeMode::Specific).value()),
                    ..ErrorAnswer::new(format!("registration rejected: {e}"))
                },
            )
        };
        let rp = &self.app.service;
        // One strict parse (uaf-rp's); the typed message is what is checked and verified.
        let msg = rp
            .relying_party()
            .parse_registration_response(&body.uaf_response)
            .map_err(|e| rejected(&e))?;
        // The challenge must have been issued for this account: checked before anything is
        // verified or stored (an unknown challenge is the verifier's to report: 1491).
        let server_data = msg.header.server_data.as_deref().unwrap_or_default();
        let unknown = || {
            rejected(&uaf_rp::Error::new(
                StepId::RegServerData,
                ErrorKind::ChallengeUnknown,
            ))
        };
        let pending = rp
            .pending_registrations()
            .peek(server_data.as_bytes())
            .map_err(|e| Reply::internal("pending registration lookup", &e))?
            .ok_or_else(unknown)?;
        if pending.username() != body.username {
            return Err(Reply::error(
                StatusCode::FORBIDDEN,
                "the registration is not for this account",
            ));
        }
        // Verified in full against the peeked state, then the challenge taken (REG-10).
        let outcome = rp
            .relying_party()
            .finish_registration_message(&msg, pending, &StoreLookup(rp.credentials()), now)
            .map_err(|e| rejected(&e))?;
        rp.pending_registrations()
            .take(server_data.as_bytes())
            .map_err(|e| Reply::internal("pending registration take", &e))?
            .ok_or_else(unknown)?;
        let Some(first) = outcome.registered.first().map(|k| &k.registration) else {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "the registration response registered no key",
            ));
        };
        let token = secret::token().map_err(|e| Reply::internal("no OS randomness", &e))?;
        let device = DeviceRow::new(
            body.username.clone(),
            &first.aaid,
            first.key_id.as_bytes().to_vec(),
            now,
        );
        let enrolment = Enrolment::new(
            hash.to_vec(),
            outcome.registrations().cloned().collect(),
            token.hash.to_vec(),
            device,
        );
        match self.store.enroll(&enrolment) {
            Ok(EnrollOutcome::Enrolled) => {}
            Ok(EnrollOutcome::AlreadyRegistered) => {
                return Err(rejected(&uaf_rp::Error::new(
                    StepId::RegKeyId,
                    ErrorKind::AlreadyRegistered,
                )));
            }
            // Used by a concurrent finish meanwhile (or gone): nothing was stored.
            Ok(_) => {
                return Err(Reply::error(
                    StatusCode::FORBIDDEN,
                    "invalid, used or expired invite code",
                ));
            }
            Err(e) => return Err(Reply::internal("enrolment", &e)),
        }
        tracing::info!(username = body.username, aaid = %first.aaid, "phone enrolled");
        // The account's verification codes (made at its first phone, the same for later
        // ones): docs/server.md, "Passwords and two-step verification".
        let verification_code = Some(self.code_setup(&body.username)?);
        Ok(Reply::ok(&EnrollFinishAnswer {
            device_token: token.text,
            username: body.username.clone(),
            aaid: String::from(first.aaid.as_str()),
            key_id: uaf_proto::b64::encode(first.key_id.as_bytes()),
            verification_code,
        }))
    }

    // -----------------------------------------------------------------------------------------
    // The phone (authenticated by the device token)
    // -----------------------------------------------------------------------------------------

    /// The phone of `Authorization: Bearer <device token>`, looked up by the token's SHA-256.
    pub(crate) fn device(&self, authorization: Option<&str>) -> Result<DeviceRow, Reply> {
        let refused = || Reply::error(StatusCode::UNAUTHORIZED, "a valid device token is required");
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| secret::is_token(t))
            .ok_or_else(refused)?;
        // The lookup by the token's SHA-256 is the check: only the holder of the token can
        // name the row (timing tells nothing about the token, only about its hash).
        self.store
            .find_device(&secret::hash(token))
            .map_err(|e| Reply::internal("device lookup", &e))?
            .ok_or_else(refused)
    }

    /// The pending sign-ins of `username`'s phone, **newest first**, at most
    /// [`crate::Limits::pending_per_user`] of them (the store keeps no more pending; the
    /// bound holds for rows of older builds too).
    pub(crate) fn pending_notifications(
        &self,
        username: &str,
    ) -> Result<Vec<Notification>, StoreError> {
        let most = usize::try_from(self.limits.config().pending_per_user.max(1)).unwrap_or(1);
        Ok(self
            .store
            .pending_attempts(username, self.now())?
            .into_iter()
            .rev()
            .take(most)
            .filter_map(|a| {
                Some(Notification {
                    attempt: a.id,
                    uaf_request: a.request?,
                    site: self.config.site.clone(),
                    username: a.username,
                    match_code: a.match_code,
                    created_at: a.created_at,
                    expires_at: a.expires_at,
                    context: a
                        .browser
                        .zip(a.client_ip)
                        .map(|(browser, address)| AttemptContext { browser, address }),
                })
            })
            .collect())
    }

    /// `GET /phone/notifications` → `{notifications: [{attempt, uafRequest, site, username,
    /// matchCode, createdAt, expiresAt}], withdrawn, cursor}`: the pending sign-ins of the
    /// phone's account, newest first ([`Flow::pending_notifications`]), the sign-ins of the
    /// long poll's `since` cursor no longer pending, and the cursor of this list.
    pub(crate) fn notifications_answer(
        &self,
        _device: &DeviceRow,
        snapshot: super::stream::Snapshot,
    ) -> Reply {
        let cursor = snapshot.cursor();
        Reply::ok(&Notifications {
            notifications: snapshot.pending,
            withdrawn: snapshot.withdrawn,
            cursor,
            deregistrations: Vec::new(),
        })
    }

    /// `GET /phone/notifications` without a cursor: the pending list of the phone's account.
    pub(crate) fn notifications(&self, device: &DeviceRow) -> Reply {
        match self.snapshot(device, &[]) {
            Ok(snapshot) => self.notifications_answer(device, snapshot),
            Err(e) => Reply::internal("attempt lookup", &e),
        }
    }

    /// Publishes a change of `attempt` to the streams of its account (and the other nodes).
    fn changed(&self, attempt: &AttemptRow, state: AttemptState) {
        self.changed_id(&attempt.username, &attempt.id, state);
    }

    /// Publishes a change of attempt `id` of `username` (see [`Flow::changed`]).
    pub(crate) fn changed_id(&self, username: &str, id: &str, state: AttemptState) {
        self.push.publish(&AttemptChange::new(username, id, state));
    }

    /// The answer to a response whose challenge is gone: taken by another copy of the same
    /// approval (a phone or proxy retry racing it, on this node or another), or expired. The
    /// attempt is **never** failed here: the copy that took the challenge may still be
    /// verifying, and its pending → approved must not miss. This waits (at most
    /// [`DUPLICATE_WAIT_MILLIS`]) for the attempt to leave pending and answers as the winner
    /// did: an approved attempt is `{state: approved}` for every copy (a retry learns the
    /// outcome of the request it repeats), anything else 409, an expired attempt 410.
    fn challenge_gone(&self, attempt: &AttemptRow) -> Reply {
        let step = core::time::Duration::from_millis(DUPLICATE_POLL_MILLIS);
        let mut waited = 0;
        loop {
            let current = match self.store.attempt(&attempt.id) {
                Ok(a) => a,
                Err(e) => return Reply::internal("attempt lookup", &e),
            };
            let now = self.now();
            match current {
                Some(a) if row_expired(a.expires_at, now) => {
                    return Reply::error(StatusCode::GONE, "this sign-in has expired");
                }
                Some(a) if a.state == AttemptState::Pending => {
                    if waited >= DUPLICATE_WAIT_MILLIS {
                        return Reply::error(
                            StatusCode::CONFLICT,
                            "this sign-in is being answered by another request",
                        );
                    }
                }
                Some(a) if matches!(a.state, AttemptState::Approved | AttemptState::Consumed) => {
                    return Reply::ok(&AttemptAnswer {
                        state: SignInState::Approved,
                    });
                }
                Some(_) => {
                    return Reply::error(StatusCode::CONFLICT, "this sign-in is no longer waiting");
                }
                None => return Reply::error(StatusCode::GONE, "this sign-in has expired"),
            }
            std::thread::sleep(step);
            waited += DUPLICATE_POLL_MILLIS;
        }
    }

    /// The attempt `id` if it is the phone's account's and pending.
    fn owned_pending(&self, device: &DeviceRow, id: &str) -> Result<AttemptRow, Reply> {
        let attempt = self
            .store
            .attempt(id)
            .map_err(|e| Reply::internal("attempt lookup", &e))?;
        // Another account's attempt looks like an unknown one.
        let Some(attempt) = attempt.filter(|a| a.username == device.username) else {
            return Err(Reply::error(
                StatusCode::NOT_FOUND,
                "no such sign-in for this phone",
            ));
        };
        // Expired: whether the expiry sweep has stored it yet or not.
        let expired = attempt.state == AttemptState::Expired;
        if attempt.state != AttemptState::Pending && !expired {
            return Err(Reply::error(
                StatusCode::CONFLICT,
                "this sign-in is no longer waiting",
            ));
        }
        if expired || row_expired(attempt.expires_at, self.now()) {
            return Err(Reply::error(StatusCode::GONE, "this sign-in has expired"));
        }
        Ok(attempt)
    }

    /// `POST /phone/respond {attempt, uafResponse}`: the response (parsed once, strictly, by
    /// uaf-rp) must answer this attempt's challenge and verify with **this phone's** key and
    /// an authenticator that verifies its user. `Service::finish_authentication_message_with`
    /// verifies it once, against the pending authentication narrowed to this phone (AUTH-15,
    /// AUTH-16), before anything is committed — a refusal leaves the challenge pending, the
    /// counter unmoved and the attempt approvable — and then takes the challenge (single use)
    /// and moves the counter (compare-and-swap); the attempt then moves from pending to
    /// approved (compare-and-swap).
    pub(crate) fn respond(&self, device: &DeviceRow, body: PhoneRespondRequest) -> Reply {
        self.approve(device, &body)
            .unwrap_or_else(|refusal| refusal)
    }

    fn approve(&self, device: &DeviceRow, body: &PhoneRespondRequest) -> Result<Reply, Reply> {
        let attempt = self.owned_pending(device, &body.attempt)?;
        let service = &self.app.service;
        let msg = service
            .relying_party()
            .parse_authentication_response(&body.uaf_response)
            .map_err(|e| refused(&e))?;
        let server_data = msg.header.server_data.as_deref();
        if server_data.is_none() || server_data != attempt.server_data.as_deref() {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "the response does not answer this sign-in",
            ));
        }
        let now = self.now();
        // The challenge taken, the counter advanced and the attempt moved to approved: one
        // transaction (one commit).
        let commit = ApprovalCommit {
            writes: &*self.app.stores.authentication_writes,
            attempt: AttemptMove {
                id: &attempt.id,
                step: AttemptState::Pending.to(AttemptState::Approved),
                now,
            },
            moved: Cell::new(None),
        };
        service
            .finish_authentication_message_committing(&msg, now, &this_phone(device), &commit)
            .map_err(|e| match decisive_kind(&e) {
                // Used (by a concurrent copy of this approval) or expired: never fails the
                // attempt (the copy that took it may still be approving it).
                ErrorKind::ChallengeUnknown => self.challenge_gone(&attempt),
                _ => {
                    self.record(
                        &attempt.username,
                        crate::store::SignInMethod::Phone,
                        crate::store::ActivityOutcome::Failed,
                        &super::password::Client::of_attempt(&attempt),
                        "the phone's answer did not verify",
                    );
                    refused(&e)
                }
            })?;
        let approved = match commit.moved.get() {
            Some(moved) => moved,
            // A concurrent sign-in with this key moved its counter as far (judged and let
            // pass): the attempt moves on its own.
            None => {
                let moved = self
                    .store
                    .transition(&attempt.id, commit.attempt.step, now)
                    .map_err(|e| Reply::internal("attempt transition", &e))?;
                // The one-transaction path marks the phone used; this rare one does it apart
                // (best effort: the approval stands either way).
                let pages = &self.app.stores.account_page;
                if let Err(e) = pages
                    .phone_used(&device.aaid, &device.key_id, now)
                    .map(drop)
                {
                    tracing::error!(error = %e, "phone last-use update");
                }
                moved
            }
        };
        if !approved {
            return Err(Reply::error(
                StatusCode::CONFLICT,
                "this sign-in is no longer waiting",
            ));
        }
        self.changed(&attempt, AttemptState::Approved);
        tracing::info!(username = attempt.username, "sign-in approved by phone");
        Ok(Reply::ok(&AttemptAnswer {
            state: SignInState::Approved,
        }))
    }

    /// `POST /phone/decline {attempt}`.
    pub(crate) fn decline(&self, device: &DeviceRow, body: PhoneDeclineRequest) -> Reply {
        let attempt = match self.owned_pending(device, &body.attempt) {
            Ok(a) => a,
            Err(r) => return r,
        };
        // The attempt declined and the activity row: one transaction. The phone's last
        // report stays what it was.
        let declined = self.activity(
            &attempt.username,
            crate::store::SignInMethod::Phone,
            crate::store::ActivityOutcome::Declined,
            &super::password::Client::of_attempt(&attempt),
            "declined on the phone",
        );
        let step = AttemptState::Pending.to(AttemptState::Declined);
        let ending = AttemptEnd::new(&attempt.id, step, self.now())
            .with_report(attempt.report.as_deref())
            .with_activity(declined);
        match self.attempts.end_with(&ending) {
            Ok(true) => {
                self.changed(&attempt, AttemptState::Declined);
                tracing::info!(username = attempt.username, "sign-in declined by phone");
                Reply::ok(&AttemptAnswer {
                    state: SignInState::Declined,
                })
            }
            Ok(false) => Reply::error(StatusCode::CONFLICT, "this sign-in is no longer waiting"),
            Err(e) => Reply::internal("attempt transition", &e),
        }
    }

    /// `POST /phone/report {attempt, kind}`: what happened on the phone. A wrong number or a
    /// wrong PIN is recorded (the page says it) and the attempt stays pending, but the
    /// [`MAX_WRONG_NUMBERS`]th wrong number ends it (failed); "it's not me" ends it (denied),
    /// records a security event and pauses the account's new phone sign-ins for
    /// [`WebConfig::deny_pause_secs`].
    pub(crate) fn report(&self, device: &DeviceRow, body: PhoneReportRequest) -> Reply {
        let attempt = match self.owned_pending(device, &body.attempt) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let now = self.now();
        let kind = body.kind;
        let no_longer = || Reply::error(StatusCode::CONFLICT, "this sign-in is no longer waiting");
        let state = match kind {
            ReportKind::NotMe => {
                // The security event: the account's owner says someone else tried (in the
                // account's activity, with where the attempt came from). The attempt denied,
                // this activity row and the pause of the account's phone sign-ins: one
                // transaction.
                let from = super::password::Client::of_attempt(&attempt);
                let denied = self.activity(
                    &attempt.username,
                    crate::store::SignInMethod::Phone,
                    crate::store::ActivityOutcome::DeniedNotMe,
                    &from,
                    "denied on the phone: it was not me",
                );
                let step = AttemptState::Pending.to(AttemptState::Denied);
                let mut ending = AttemptEnd::new(&attempt.id, step, now)
                    .with_report(Some(kind.as_str()))
                    .with_activity(denied);
                if self.config.deny_pause_secs > 0 {
                    let until = now.saturating_add(self.config.deny_pause_secs);
                    ending = ending.with_pause(&attempt.username, until);
                }
                match self.attempts.end_with(&ending) {
                    Ok(true) => self.changed(&attempt, AttemptState::Denied),
                    Ok(false) => return no_longer(),
                    Err(e) => return Reply::internal("attempt transition", &e),
                }
                tracing::warn!(
                    username = ?attempt.username,
                    browser = ?attempt.browser,
                    client = ?attempt.client_ip,
                    "security event: a phone sign-in was denied as not the account owner's"
                );
                SignInState::Denied
            }
            ReportKind::WrongNumber | ReportKind::WrongPin => {
                let wrong_number = kind == ReportKind::WrongNumber;
                let count =
                    match self
                        .attempts
                        .report(&attempt.id, kind.as_str(), wrong_number, now)
                    {
                        Ok(Some(n)) => n,
                        Ok(None) => return no_longer(),
                        Err(e) => return Reply::internal("attempt report", &e),
                    };
                tracing::info!(username = ?attempt.username, report = kind.as_str(), "phone report");
                if wrong_number && count >= MAX_WRONG_NUMBERS {
                    match self.attempts.end(
                        &attempt.id,
                        AttemptState::Pending.to(AttemptState::Failed),
                        Some(kind.as_str()),
                        now,
                    ) {
                        Ok(true) => {
                            self.changed(&attempt, AttemptState::Failed);
                            SignInState::Failed
                        }
                        Ok(false) => return no_longer(),
                        Err(e) => return Reply::internal("attempt transition", &e),
                    }
                } else {
                    // The page learns of the report (its state is unchanged).
                    self.changed(&attempt, AttemptState::Pending);
                    SignInState::Pending
                }
            }
            // A kind this build does not know yet (the enum is non-exhaustive).
            _ => return Reply::error(StatusCode::BAD_REQUEST, "unknown report"),
        };
        Reply::ok(&AttemptAnswer { state })
    }

    // -----------------------------------------------------------------------------------------
    // The browser
    // -----------------------------------------------------------------------------------------

    /// `POST /api/signin/{id}/cancel` (with the browser cookie): the page's Cancel. A pending
    /// attempt becomes `cancelled` (it leaves every phone's list; an approval arriving later
    /// is refused with 409); any other state is answered 409 with the state.
    pub(crate) fn signin_cancel(&self, id: &str, browser: Option<&str>) -> Reply {
        let attempt = match self.browser_attempt(id, browser) {
            Ok(a) => a,
            Err(r) => return r,
        };
        match self.attempts.end(
            &attempt.id,
            AttemptState::Pending.to(AttemptState::Cancelled),
            None,
            self.now(),
        ) {
            Ok(true) => {
                self.changed(&attempt, AttemptState::Cancelled);
                tracing::info!(username = ?attempt.username, "sign-in cancelled on the page");
                Reply::ok(&AttemptAnswer {
                    state: SignInState::Cancelled,
                })
            }
            Ok(false) => {
                let state = self
                    .store
                    .attempt(&attempt.id)
                    .ok()
                    .flatten()
                    .map_or(SignInState::Expired, |a| self.visible_state(&a));
                Reply::json(
                    StatusCode::CONFLICT,
                    &ErrorAnswer {
                        state: Some(state),
                        ..ErrorAnswer::new("this sign-in is no longer waiting")
                    },
                )
            }
            Err(e) => Reply::internal("attempt transition", &e),
        }
    }

    /// Whether new phone sign-ins of `username` are paused now (after "it's not me") for the
    /// browser of `known` (its `uaf_known` cookie): a browser that signed in to the account
    /// within [`KNOWN_BROWSER_SECS`] is never paused.
    pub(crate) fn paused(
        &self,
        username: &str,
        known: Option<&str>,
        now: u64,
    ) -> Result<bool, Reply> {
        let until = self
            .attempts
            .paused_until(username)
            .map_err(|e| Reply::internal("pause lookup", &e))?;
        if until.is_none_or(|u| row_expired(u, now)) {
            return Ok(false);
        }
        let Some(known) = known.filter(|k| secret::is_token(k)) else {
            return Ok(true);
        };
        let since = now.saturating_sub(KNOWN_BROWSER_SECS);
        let known = self
            .attempts
            .known_browser(&secret::hash(known), username, since)
            .map_err(|e| Reply::internal("known browser lookup", &e))?;
        Ok(!known)
    }

    /// `POST /api/signin/start {username}` → `{attempt, matchCode, expiresAt, pollMillis}` and
    /// the browser secret cookie. An unknown user (or one without keys) gets the same answer;
    /// no phone will ever see that attempt, so it expires.
    pub(crate) fn signin_start(&self, body: &SignInStartRequest, from: &StartContext) -> Reply {
        match self.start_attempt(&body.username, from, None) {
            Ok((answer, browser)) => Reply::ok(&answer).with_cookie(self.cookie(
                SIGNIN_COOKIE,
                browser,
                self.config.attempt_ttl_secs,
            )),
            Err(r) => r,
        }
    }

    /// Starts a sign-in attempt for `username` from `from` (see [`Flow::signin_start`]): its
    /// answer and the text of the browser secret (the cookie's value). A password sign-in's
    /// second step starts one too (`second_step`: the right password's activity row, stored
    /// with the attempt and its record as a second step, in the start's one transaction).
    /// While the account's phone sign-ins are paused (after "it's not me") for this browser,
    /// a phone sign-in is refused (403), and a second step gets an attempt no phone is asked
    /// about (its verification code still works).
    pub(crate) fn start_attempt(
        &self,
        username: &str,
        from: &StartContext,
        second_step: Option<&crate::store::ActivityRow>,
    ) -> Result<(SignInStartAnswer, String), Reply> {
        let refuse_paused = second_step.is_none();
        let body = SignInStartRequest {
            username: String::from(username),
        };
        if !valid_username(&body.username) {
            return Err(Reply::error(StatusCode::BAD_REQUEST, "enter a user name"));
        }
        let now = self.now();
        let paused = self.paused(&body.username, from.known.as_deref(), now)?;
        if paused && refuse_paused {
            return Err(Reply::error(StatusCode::FORBIDDEN, PAUSED));
        }
        // The number: fresh, never one of the account's other pending attempts.
        let taken: Vec<String> = match self.store.pending_attempts(&body.username, now) {
            Ok(list) => list.into_iter().map(|a| a.match_code).collect(),
            Err(e) => return Err(Reply::internal("attempt lookup", &e)),
        };
        let (id, browser, match_code) = match (
            secret::token(),
            secret::token(),
            attempt::fresh_number(&taken),
        ) {
            (Ok(i), Ok(b), Ok(m)) => (i, b, m),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                return Err(Reply::internal("no OS randomness", &e));
            }
        };
        let shown = attempt::shown_text(
            &self.config.site,
            &body.username,
            &from.browser,
            &from.address,
            now,
        );
        // What the phones are sent (the text alone), and what their signature must confirm
        // (the text with this attempt's number): the pending authentication keeps the latter.
        let (to_show, to_confirm) = match (
            Transaction::text(&shown),
            Transaction::text(&confirmed_text(&shown, &match_code)),
        ) {
            (Ok(s), Ok(c)) => (s, c),
            (Err(e), _) | (_, Err(e)) => return Err(Reply::internal("transaction text", &e)),
        };
        // An account the application refuses looks like one without keys: same answer, no
        // request, no phone asked.
        let keys = match self.may_sign_in(&body.username) {
            // Paused for this browser: no phone is asked.
            Ok(_) if paused => Vec::new(),
            Ok(false) => Vec::new(),
            Ok(true) => match self.app.service.credentials().list_by_user(&body.username) {
                Ok(keys) => keys,
                Err(e) => return Err(Reply::internal("key lookup", &e)),
            },
            Err(r) => return Err(r),
        };
        // The same work for every name, so that timing does not tell a known user from an
        // unknown one: a request is always made and its challenge stored; for a name without
        // keys it allows no key at all, so no response can ever answer it, and the attempt
        // does not carry it (no phone sees it).
        let mut rng = match fresh_rng() {
            Ok(r) => r,
            Err(e) => return Err(Reply::internal("no OS randomness", &e)),
        };
        let rp = self.app.service.relying_party();
        let confirm = AuthenticationOptions::from(vec![to_confirm]);
        let made = if keys.is_empty() {
            let nobody = AuthenticationRequirements::new().allow_keys(None);
            let options = AuthenticationOptions::from(nobody).transaction(vec![to_show.clone()]);
            rp.start_authentication(None, options, now, &mut rng)
        } else {
            rp.start_authentication(Some((&body.username, &keys)), confirm, now, &mut rng)
        };
        let (mut request, pending) = match made {
            Ok(m) => m,
            Err(e) => return Err(Reply::internal("authentication request", &e)),
        };
        let challenge = pending
            .server_data()
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        // The phones get the request with the text alone: the number comes from the page.
        request.transaction = vec![to_show];
        let request = (!keys.is_empty()).then(|| request.to_json());
        let expires_at = now.saturating_add(self.config.attempt_ttl_secs);
        let row = AttemptRow::new(
            id.text.clone(),
            body.username.clone(),
            browser.hash.to_vec(),
            request.as_deref().and_then(issued_server_data),
            request,
            match_code.clone(),
            now,
            expires_at,
        )
        .with_context(from.browser.clone(), from.address.clone())
        .with_user_agent(&from.user_agent);
        // The challenge and the attempt (with a second step's record and activity) stored in
        // one transaction. At most `pending_per_user` attempts stay pending: the newest
        // supersedes the oldest.
        let cap = self.limits.config().pending_per_user;
        let writes = &self.app.stores.authentication_writes;
        let stored = match second_step {
            None => writes.put_with_attempt(&challenge, &pending, &row, cap),
            Some(activity) => {
                writes.put_second_step_with_attempt(&challenge, &pending, &row, cap, activity)
            }
        };
        match stored {
            Ok(0) => {}
            Ok(superseded) => {
                tracing::info!(
                    username = ?body.username,
                    superseded,
                    cap,
                    "pending sign-ins per user at the cap: the oldest superseded"
                );
            }
            Err(e) => return Err(Reply::internal("sign-in store", &e)),
        }
        // Published for every name, known or not (the same work: timing tells nothing).
        self.changed(&row, AttemptState::Pending);
        let answer = SignInStartAnswer {
            attempt: id.text,
            match_code,
            expires_at,
            poll_millis: POLL_MILLIS,
        };
        Ok((answer, browser.text))
    }

    /// The attempt `id` if `browser`, the browser secret cookie, belongs to it (compared by
    /// its SHA-256 in constant time).
    pub(crate) fn browser_attempt(
        &self,
        id: &str,
        browser: Option<&str>,
    ) -> Result<AttemptRow, Reply> {
        let unknown = || Reply::error(StatusCode::NOT_FOUND, "no such sign-in in this browser");
        let browser = browser
            .filter(|t| secret::is_token(t))
            .ok_or_else(unknown)?;
        if !secret::is_token(id) {
            return Err(unknown());
        }
        let attempt = self
            .store
            .attempt(id)
            .map_err(|e| Reply::internal("attempt lookup", &e))?
            .ok_or_else(unknown)?;
        if !secret::matches(browser, &attempt.browser_hash) {
            return Err(unknown());
        }
        Ok(attempt)
    }

    /// What the page shows of an attempt.
    pub(crate) fn visible_state(&self, a: &AttemptRow) -> SignInState {
        match a.state {
            AttemptState::Pending | AttemptState::Approved
                if row_expired(a.expires_at, self.now()) =>
            {
                SignInState::Expired
            }
            AttemptState::Pending => SignInState::Pending,
            AttemptState::Approved => SignInState::Approved,
            AttemptState::Declined => SignInState::Declined,
            AttemptState::Failed => SignInState::Failed,
            AttemptState::Consumed => SignInState::Consumed,
            AttemptState::Cancelled => SignInState::Cancelled,
            AttemptState::Denied => SignInState::Denied,
            AttemptState::Expired => SignInState::Expired,
        }
    }

    /// `GET /api/signin/{id}` (with the browser cookie) → `{state, matchCode}`: `pending`,
    /// `approved`, `declined`, `failed`, `expired` or `consumed`.
    pub(crate) fn signin_status(&self, id: &str, browser: Option<&str>) -> Reply {
        match self.browser_attempt(id, browser) {
            Ok(a) => {
                let state = self.visible_state(&a);
                // A report matters to the page while the attempt waits, or when it ended it.
                let report =
                    a.report.as_deref().and_then(ReportKind::parse).filter(|_| {
                        state != SignInState::Approved && state != SignInState::Consumed
                    });
                Reply::ok(&SignInStatus {
                    state,
                    match_code: a.match_code,
                    report,
                    expires_at: a.expires_at,
                })
            }
            Err(r) => r,
        }
    }

    /// `POST /api/signin/{id}/complete` (with the browser cookie) → a session cookie and
    /// `{username, factors, method}`; the attempt is consumed (single use).
    pub(crate) fn signin_complete(
        &self,
        id: &str,
        browser: Option<&str>,
        client: &super::password::Client,
        known: Option<&str>,
    ) -> Reply {
        let attempt = match self.browser_attempt(id, browser) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let state = self.visible_state(&attempt);
        if state != SignInState::Approved {
            return Reply::json(
                StatusCode::CONFLICT,
                &ErrorAnswer {
                    state: Some(state),
                    ..ErrorAnswer::new("this sign-in is not approved")
                },
            );
        }
        match self.may_sign_in(&attempt.username) {
            Ok(true) => {}
            Ok(false) => {
                return Reply::error(StatusCode::FORBIDDEN, "this account may not sign in");
            }
            Err(r) => return r,
        }
        let session = match secret::token() {
            Ok(s) => s,
            Err(e) => return Reply::internal("no OS randomness", &e),
        };
        let now = self.now();
        let row = SessionRow {
            username: attempt.username.clone(),
            method: String::from(METHOD),
            created_at: now,
            expires_at: now.saturating_add(self.config.session_ttl_secs),
        };
        // The attempt consumed, the session, its activity row and the known browser: one
        // transaction (one commit), all or nothing.
        let known = known_token(known);
        let phone = crate::store::SignInMethod::Phone;
        let outcome = crate::store::ActivityOutcome::SignedIn;
        let new = NewSession::new(session.hash.to_vec(), row.clone(), now)
            .with_activity(self.activity(&row.username, phone, outcome, client, ""));
        match self
            .store
            .consume_into_session(&attempt.id, &remembering(new, known.as_deref()))
        {
            Ok(true) => self.changed(&attempt, AttemptState::Consumed),
            Ok(false) => {
                return Reply::error(
                    StatusCode::CONFLICT,
                    "this sign-in was already used or expired",
                );
            }
            Err(e) => return Reply::internal("session store", &e),
        }
        tracing::info!(username = row.username, "signed in with a phone");
        self.accounts.signed_in(&signed_in(&row));
        let reply = Reply::ok(&session_answer(&row))
            .with_cookie(self.cookie(SESSION_COOKIE, session.text, self.config.session_ttl_secs))
            .with_cookie(self.clear_cookie(SIGNIN_COOKIE));
        self.with_known_cookie(reply, known)
    }

    /// `reply` to a browser that just signed in with two factors, with the `uaf_known`
    /// cookie `known` (its row committed with the session, [`remembering`]) that makes it
    /// known for the account: a pause after "it's not me" spares it.
    pub(crate) fn with_known_cookie(&self, reply: Reply, known: Option<String>) -> Reply {
        match known {
            Some(k) => reply.with_cookie(self.cookie(KNOWN_COOKIE, k, KNOWN_BROWSER_SECS)),
            None => reply,
        }
    }

    /// The session of `cookie`, the session cookie, if valid. The lookup by the cookie's
    /// SHA-256 is the check.
    fn session_row(
        &self,
        cookie: Option<&str>,
    ) -> Result<Option<([u8; 32], SessionRow)>, StoreError> {
        let Some(text) = cookie.filter(|t| secret::is_token(t)) else {
            return Ok(None);
        };
        let hash = secret::hash(text);
        Ok(self
            .store
            .session(&hash)?
            .filter(|s| !row_expired(s.expires_at, self.now()))
            .map(|s| (hash, s)))
    }

    fn session(&self, cookie: Option<&str>) -> Result<Option<([u8; 32], SessionRow)>, Reply> {
        self.session_row(cookie)
            .map_err(|e| Reply::internal("session lookup", &e))
    }

    /// The identity of `cookie`, the session cookie, if valid.
    pub(crate) fn signed_in(&self, cookie: Option<&str>) -> Result<Option<SignedIn>, StoreError> {
        Ok(self.session_row(cookie)?.map(|(_, s)| signed_in(&s)))
    }

    /// `GET /api/me` → `{username, factors, method, expiresAt}`, or 401.
    pub(crate) fn me(&self, cookie: Option<&str>) -> Reply {
        match self.session(cookie) {
            Ok(Some((_, s))) => Reply::ok(&session_answer(&s)),
            Ok(None) => Reply::error(StatusCode::UNAUTHORIZED, "not signed in"),
            Err(r) => r,
        }
    }

    /// `POST /api/signout`: deletes the cookie's session (nothing else changes).
    pub(crate) fn signout(&self, cookie: Option<&str>) -> Reply {
        let signed_out = match self.session(cookie) {
            Ok(Some((hash, _))) => match self.store.delete_session(&hash) {
                Ok(b) => b,
                Err(e) => return Reply::internal("session delete", &e),
            },
            Ok(None) => false,
            Err(r) => return r,
        };
        Reply::ok(&SignedOut { signed_out }).with_cookie(self.clear_cookie(SESSION_COOKIE))
    }
}

/// The `uaf_known` cookie of a browser signing in with two factors: its own (`known`) when
/// well-formed, else a new one; `None` when no randomness could be had (the browser is then
/// not remembered: only the exemption from a pause is lost).
pub(crate) fn known_token(known: Option<&str>) -> Option<String> {
    match known.filter(|k| secret::is_token(k)) {
        Some(k) => Some(String::from(k)),
        None => secret::token()
            .inspect_err(|e| tracing::error!(error = %e, "no OS randomness for uaf_known"))
            .ok()
            .map(|t| t.text),
    }
}

/// `session` remembering the browser of the `uaf_known` cookie `known` for its account (in
/// its transaction), forgetting the browsers remembered more than [`KNOWN_BROWSER_SECS`]
/// ago.
pub(crate) fn remembering(session: NewSession, known: Option<&str>) -> NewSession {
    match known {
        Some(k) => {
            let forget = session.now.saturating_sub(KNOWN_BROWSER_SECS);
            session.with_known_browser(KnownBrowser::new(secret::hash(k).to_vec(), forget))
        }
        None => session,
    }
}

/// The identity of a session, for the application.
pub(super) fn signed_in(row: &SessionRow) -> SignedIn {
    SignedIn::new(row.username.clone(), row.method.clone(), row.expires_at)
}

/// What `api/me` and a completed sign-in show of a session.
pub(super) fn session_answer(row: &SessionRow) -> Session {
    Session {
        username: row.username.clone(),
        factors: super::password::factors_of(&row.method)
            .iter()
            .map(|f| String::from(*f))
            .collect(),
        method: row.method.clone(),
        expires_at: row.expires_at,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn usernames_are_checked() {
        assert!(valid_username("alice"));
        assert!(valid_username("alice@example.com"));
        assert!(!valid_username(""));
        assert!(!valid_username(" alice"));
        assert!(!valid_username("al\nice"));
        assert!(!valid_username(&"a".repeat(129)));
    }

    #[test]
    fn an_approval_requires_the_phones_own_key_and_user_verification() {
        let aaid = Aaid::parse("FA5E#0001").unwrap();
        let device = DeviceRow::new(String::from("alice"), &aaid, vec![7; 32], 0);
        let r = this_phone(&device);
        assert!(r.allows(&aaid, &[7; 32]));
        assert!(!r.allows(&aaid, &[8; 32]));
        assert_eq!(
            r.user_verification(),
            uaf_rp::UserVerificationRequirement::Required
        );
        // A row without a valid key allows nothing.
        let mut broken = device.clone();
        broken.aaid = String::from("not an aaid");
        assert!(!this_phone(&broken).allows(&aaid, &[7; 32]));
    }

    #[test]
    fn rejections_are_told_by_their_decisive_kind() {
        use axum::response::IntoResponse as _;
        use uaf_rp::Error;
        use uaf_rp::step::StepId;
        let status = |e: Error| refused(&e).into_response().status();
        let uv = || {
            Error::new(
                StepId::AuthStatus,
                ErrorKind::Policy(AuthenticatorRejection::UserVerificationRequired),
            )
        };
        let key = || Error::new(StepId::AuthRegistration, ErrorKind::KeyNotAllowed);
        let nested = |first: Error| {
            Error::new(
                StepId::AuthRegistration,
                ErrorKind::NoAssertionVerified {
                    first: Box::new(first),
                    count: 1,
                },
            )
        };
        assert_eq!(status(uv()), StatusCode::FORBIDDEN);
        assert_eq!(status(key()), StatusCode::FORBIDDEN);
        assert_eq!(status(nested(key())), StatusCode::FORBIDDEN);
        assert_eq!(status(nested(uv())), StatusCode::FORBIDDEN);
        let unknown = Error::new(StepId::AuthServerData, ErrorKind::ChallengeUnknown);
        assert_eq!(
            *decisive_kind(&nested(unknown.clone())),
            ErrorKind::ChallengeUnknown
        );
        assert_eq!(status(unknown), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn the_issued_server_data_is_read_back_strictly() {
        assert_eq!(issued_server_data("[]"), None);
        assert_eq!(issued_server_data("not json"), None);
    }
}
