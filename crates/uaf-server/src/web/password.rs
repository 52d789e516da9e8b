//! Accounts with a password, and two-step verification: see `docs/server.md`, "Passwords and
//! two-step verification".
//!
//! | endpoint | authenticated by | rate limit | what |
//! |---|---|---|---|
//! | `POST {prefix}api/password/signin` | the password | password per address and per account | `{username, password}` → `{next: "signed-in", session}` + session cookie, or `{next: "second-step", attempt, …}` + browser secret cookie; 401 the same for a wrong password and an unknown user |
//! | `POST {prefix}api/password/{id}/code` | browser cookie of a second step | password per address and per account | `{code}` → session (`password+code`) |
//! | `POST {prefix}api/password/{id}/complete` | browser cookie of a second step, approved on the phone | — | session (`password+phone`) |
//! | `POST {prefix}api/account/create` | a one-time invite code (consumed) | enrolment per address and per account | `{username, code, password}` → session (`password`) |
//! | `GET {prefix}api/account/two-step` | session cookie | — | `{enabled, codesAvailable}` |
//! | `POST {prefix}api/account/two-step` | session cookie (turning it off: a two-factor session) | — | `{enabled}` → `{enabled, codesAvailable}` |
//!
//! Every outcome of a sign-in is recorded in the [`crate::store::ActivityStore`] with the
//! browser's `User-Agent` and the client address.

use std::net::IpAddr;

use axum::Router;
use axum::extract::{Json, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use serde::de::IgnoredAny;
use uaf_signin_api::{
    AccountCreateRequest, ErrorAnswer, PasswordSignInAnswer, PasswordSignInRequest, SecondStep,
    TwoStepAnswer, TwoStepRequest, VerificationCodeRequest, VerificationCodeSetup, path,
};
use uaf_totp::{RECOMMENDED_SECRET_LEN, Totp};

use super::flow::{
    Flow, KNOWN_COOKIE, SESSION_COOKIE, SIGNIN_COOKIE, session_answer, signed_in, valid_username,
};
use super::{Body, WebState, cookie_value, secret};
use crate::limits::{PASSWORD_HASH_WAIT, Peer};
use crate::password::PasswordHashing;
use crate::reply::{Reply, blocking, rejected_body};
use crate::store::{
    AccountRow, ActivityOutcome, ActivityRow, AttemptState, NewSession, SessionRow, SignInMethod,
    row_expired,
};

/// The one answer of a wrong password and of an unknown user (HTTP 401).
pub(crate) const WRONG_PASSWORD: &str = "The user name or password is not right.";
/// The one answer of a wrong, malformed or already used verification code (HTTP 401).
pub(crate) const WRONG_CODE: &str =
    "That code is not right (or was already used): wait for the next one.";

/// The routes of this module, under `prefix`.
pub(crate) fn routes(prefix: &str) -> Router<WebState> {
    let at = |path: &str| format!("{prefix}{path}");
    Router::new()
        .route(&at(path::PASSWORD_SIGNIN), post(password_signin))
        .route(&at(path::PASSWORD_CODE), post(password_code))
        .route(&at(path::PASSWORD_COMPLETE), post(password_complete))
        .route(&at(path::ACCOUNT_CREATE), post(account_create))
        .route(&at(path::TWO_STEP), get(two_step_get).post(two_step_post))
}

/// Who is asking: the client address (behind trusted proxies, their `X-Forwarded-For`) and
/// the browser's `User-Agent`, for the activity record.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    /// The client address, when known.
    pub(crate) ip: Option<IpAddr>,
    /// The `User-Agent` header (empty when absent or not text).
    pub(crate) user_agent: String,
}

impl Client {
    /// The browser that started `attempt`: its address and `User-Agent` as recorded at the
    /// start (the short browser name for attempts stored before the `User-Agent` was kept).
    /// What the account's activity shows for an answer to that attempt given on the phone
    /// (a decline, "it's not me", an answer that did not verify): the phone's own request
    /// says nothing about the sign-in it answers.
    pub(crate) fn of_attempt(attempt: &crate::store::AttemptRow) -> Client {
        Client {
            ip: attempt.client_ip.as_deref().and_then(|ip| ip.parse().ok()),
            user_agent: attempt
                .user_agent
                .clone()
                .or_else(|| attempt.browser.clone())
                .unwrap_or_default(),
        }
    }

    /// The client of a request from `peer` with `headers`.
    pub(crate) fn of(s: &WebState, peer: Peer, headers: &HeaderMap) -> Client {
        Client {
            ip: s.limits.client(peer, headers),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// Whether a session's method proved two factors (a phone approval, or a password and a
/// verification code). Sessions of other methods (`uaf-phone` of older rows included: a
/// phone approval) count as their factors say.
pub(crate) fn factors_of(method: &str) -> &'static [&'static str] {
    match SignInMethod::parse(method) {
        Some(m) => m.factors(),
        // `uaf-phone`: the phone flow's own name for a phone approval.
        None if method == super::flow::METHOD => &super::flow::FACTORS,
        None => &[],
    }
}

/// Whether a session of `method` proved more than one factor.
fn two_factor(method: &str) -> bool {
    factors_of(method).len() >= 2
}

/// The verification codes of every account: RFC 6238's defaults (HMAC-SHA1, 6 digits, 30 s),
/// what authenticator apps show.
pub(crate) const CODES: Totp = Totp::DEFAULT;

impl Flow {
    /// The activity row of a sign-in outcome of `username`, now.
    pub(crate) fn activity(
        &self,
        username: &str,
        method: SignInMethod,
        outcome: ActivityOutcome,
        client: &Client,
        detail: &str,
    ) -> ActivityRow {
        let ip = client.ip.map(|ip| ip.to_string()).unwrap_or_default();
        ActivityRow::new(
            String::from(username),
            self.now(),
            method,
            outcome,
            &client.user_agent,
            ip,
        )
        .with_detail(detail)
    }

    /// Records a sign-in outcome of `username` in a transaction of its own (failures to
    /// record are logged: the sign-in goes on). An outcome that comes with another write
    /// (a session) goes into that write's transaction instead ([`NewSession::with_activity`]).
    pub(crate) fn record(
        &self,
        username: &str,
        method: SignInMethod,
        outcome: ActivityOutcome,
        client: &Client,
        detail: &str,
    ) {
        let row = self.activity(username, method, outcome, client, detail);
        if let Err(e) = self.app.stores.activity.record_activity(&row) {
            tracing::error!(error = %e, "activity record");
        }
    }

    /// A new session of `username` made by `method` without a phone attempt, stored with
    /// its `activity` row in one transaction: the answer with its cookie.
    fn password_session(
        &self,
        username: &str,
        method: SignInMethod,
        activity: ActivityRow,
    ) -> Result<Reply, Reply> {
        let session = secret::token().map_err(|e| Reply::internal("no OS randomness", &e))?;
        let now = self.now();
        let row = SessionRow::new(
            String::from(username),
            String::from(method.as_str()),
            now,
            now.saturating_add(self.config.session_ttl_secs),
        );
        let new = NewSession::new(session.hash.to_vec(), row.clone(), now).with_activity(activity);
        self.app
            .stores
            .accounts
            .insert_session(&new)
            .map_err(|e| Reply::internal("session store", &e))?;
        self.accounts.signed_in(&signed_in(&row));
        Ok(Reply::ok(&PasswordSignInAnswer::SignedIn {
            session: session_answer(&row),
        })
        .with_cookie(self.cookie(
            SESSION_COOKIE,
            session.text,
            self.config.session_ttl_secs,
        )))
    }

    /// `POST api/password/signin {username, password}` (rate-limited before): the password
    /// is verified on this (blocking) thread against the account's hash, or against a dummy
    /// hash of the same cost when there is no such account (or it has no password, or may not
    /// sign in), so all of these answer the same 401 in the same time. `known`: the browser's
    /// `uaf_known` cookie (a known browser's second step asks the phones even while the
    /// account's phone sign-ins are paused).
    pub(crate) fn password_signin(
        &self,
        body: &PasswordSignInRequest,
        client: &Client,
        known: Option<String>,
    ) -> Reply {
        self.try_password_signin(body, client, known)
            .unwrap_or_else(|refusal| refusal)
    }

    fn try_password_signin(
        &self,
        body: &PasswordSignInRequest,
        client: &Client,
        known: Option<String>,
    ) -> Result<Reply, Reply> {
        let username = body.username.as_str();
        if !valid_username(username) {
            return Err(Reply::error(StatusCode::BAD_REQUEST, "enter a user name"));
        }
        if body.password.is_empty() {
            return Err(Reply::error(StatusCode::BAD_REQUEST, "enter your password"));
        }
        let account = self.account_row(username)?;
        let allowed = self.may_sign_in(username)?;
        let stored = account.as_ref().and_then(|a| a.password_hash.clone());
        let dummy = self
            .config
            .password_hashing
            .dummy()
            .map_err(|e| Reply::internal("password hashing", &e))?;
        let matched =
            match PasswordHashing::verify(&body.password, stored.as_deref().unwrap_or(&dummy)) {
                Ok(m) => m,
                Err(e) => {
                    // A stored hash that cannot be read: the operator must reset it; to the
                    // client it is a wrong password like any other.
                    tracing::error!(username = ?username, error = %e, "password hash unreadable");
                    false
                }
            };
        let account = match account {
            Some(a) if matched && stored.is_some() && allowed => a,
            _ => {
                self.record(
                    username,
                    SignInMethod::Password,
                    ActivityOutcome::WrongPassword,
                    client,
                    "",
                );
                return Err(Reply::error(StatusCode::UNAUTHORIZED, WRONG_PASSWORD));
            }
        };
        if let Some(stored) = stored.as_deref() {
            self.rehash_if_due(username, &body.password, stored);
        }
        if !account.two_step {
            let method = SignInMethod::Password;
            let record = self.activity(username, method, ActivityOutcome::SignedIn, client, "");
            let reply = self.password_session(username, method, record)?;
            tracing::info!(username, "signed in with a password (one factor)");
            return Ok(reply);
        }
        // Two-step verification: the phones are asked (an attempt like a phone sign-in's), and
        // a verification code is accepted for the same attempt.
        // The phones are not asked while the account's phone sign-ins are paused (its code
        // still works) — unless this browser is known for the account, as for a phone sign-in.
        let paused = self.paused(username, known.as_deref(), self.now())?;
        let from = super::flow::StartContext::of(client, known);
        // The attempt, its record as a second step and this activity row: one commit.
        let method = SignInMethod::Password;
        let record = self.activity(username, method, ActivityOutcome::SecondStep, client, "");
        let (start, browser) = self.start_attempt(username, &from, Some(&record))?;
        // The page says to approve on the phone only when a phone was asked.
        let phone = !paused
            && !self
                .app
                .service
                .credentials()
                .list_by_user(username)
                .map_err(|e| Reply::internal("key lookup", &e))?
                .is_empty();
        Ok(Reply::ok(&PasswordSignInAnswer::SecondStep(SecondStep {
            attempt: start.attempt,
            match_code: start.match_code,
            expires_at: start.expires_at,
            poll_millis: start.poll_millis,
            phone,
            code: account.code_secret.is_some(),
        }))
        .with_cookie(self.cookie(SIGNIN_COOKIE, browser, self.config.attempt_ttl_secs)))
    }

    /// After `password` verified against `stored`: if `stored` was made with other argon2
    /// parameters than the server's, stores a hash with the server's (compare-and-swap on
    /// `stored`, so a password changed meanwhile is never undone). Failures are logged: the
    /// sign-in goes on, and the next one tries again.
    fn rehash_if_due(&self, username: &str, password: &str, stored: &str) {
        let hashing = &self.config.password_hashing;
        if !hashing.needs_rehash(stored) {
            return;
        }
        let new = match hashing.rehash(password) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(username, error = %e, "password rehash");
                return;
            }
        };
        match self
            .app
            .stores
            .accounts
            .replace_password_hash(username, stored, &new)
        {
            Ok(true) => {
                tracing::info!(username, "password hash upgraded to the current parameters")
            }
            Ok(false) => tracing::info!(username, "password changed meanwhile: not rehashed"),
            Err(e) => tracing::error!(username, error = %e, "password rehash store"),
        }
    }

    /// The second step `id` of this browser (`browser`: its secret cookie), still pending or
    /// approved: its user name. Any other attempt is 404, like an unknown one.
    fn second_step_of(
        &self,
        id: &str,
        browser: Option<&str>,
    ) -> Result<(String, AttemptState), Reply> {
        let attempt = self.browser_attempt(id, browser)?;
        let unknown = || Reply::error(StatusCode::NOT_FOUND, "no such sign-in in this browser");
        let (username, _) = self
            .app
            .stores
            .accounts
            .second_step(id)
            .map_err(|e| Reply::internal("second step lookup", &e))?
            .ok_or_else(unknown)?;
        if username != attempt.username {
            return Err(unknown());
        }
        let state = self.visible_state(&attempt);
        match attempt.state {
            AttemptState::Pending | AttemptState::Approved
                if !row_expired(attempt.expires_at, self.now()) =>
            {
                Ok((username, attempt.state))
            }
            _ => Err(Reply::json(
                StatusCode::CONFLICT,
                &ErrorAnswer {
                    state: Some(state),
                    ..ErrorAnswer::new("this sign-in is no longer waiting")
                },
            )),
        }
    }

    /// Makes the session of second step `id` (approved now) by `method` for `client`; the
    /// browser (`known`: its `uaf_known` cookie) becomes known for the account, as after a
    /// phone sign-in. The attempt consumed, the session, its activity row and the known
    /// browser: one transaction.
    fn finish_second_step(
        &self,
        id: &str,
        username: &str,
        method: SignInMethod,
        client: &Client,
        known: Option<&str>,
    ) -> Result<Reply, Reply> {
        let session = secret::token().map_err(|e| Reply::internal("no OS randomness", &e))?;
        let now = self.now();
        let row = SessionRow::new(
            String::from(username),
            String::from(method.as_str()),
            now,
            now.saturating_add(self.config.session_ttl_secs),
        );
        let known = super::flow::known_token(known);
        let record = self.activity(username, method, ActivityOutcome::SignedIn, client, "");
        let new = NewSession::new(session.hash.to_vec(), row.clone(), now).with_activity(record);
        let made = self
            .store
            .consume_into_session(id, &super::flow::remembering(new, known.as_deref()))
            .map_err(|e| Reply::internal("session store", &e))?;
        if !made {
            return Err(Reply::error(
                StatusCode::CONFLICT,
                "this sign-in was already used or expired",
            ));
        }
        // The phone's prompt of this attempt (and the page's stream) are told.
        self.changed_id(username, id, AttemptState::Consumed);
        self.accounts.signed_in(&signed_in(&row));
        let reply = Reply::ok(&session_answer(&row))
            .with_cookie(self.cookie(SESSION_COOKIE, session.text, self.config.session_ttl_secs))
            .with_cookie(self.clear_cookie(SIGNIN_COOKIE));
        Ok(self.with_known_cookie(reply, known))
    }

    /// `POST api/password/{id}/code {code}`: the second step by a verification code (RFC
    /// 6238, ±1 step; a step is accepted once, by compare-and-swap of the account's last used
    /// step). Rate-limited per address and account like passwords.
    pub(crate) fn password_code(
        &self,
        id: &str,
        browser: Option<&str>,
        body: &VerificationCodeRequest,
        client: &Client,
        known: Option<&str>,
    ) -> Reply {
        self.try_password_code(id, browser, body, client, known)
            .unwrap_or_else(|refusal| refusal)
    }

    fn try_password_code(
        &self,
        id: &str,
        browser: Option<&str>,
        body: &VerificationCodeRequest,
        client: &Client,
        known: Option<&str>,
    ) -> Result<Reply, Reply> {
        let (username, _) = self.second_step_of(id, browser)?;
        self.limits
            .password(client.ip, &username)
            .map_err(Reply::too_many)?;
        let account = self.account_row(&username)?;
        let secret = account.as_ref().and_then(|a| a.code_secret.clone());
        let last = account.as_ref().and_then(|a| a.code_last_step);
        let wrong = |detail: &str| {
            self.record(
                &username,
                SignInMethod::PasswordCode,
                ActivityOutcome::WrongCode,
                client,
                detail,
            );
            Reply::error(StatusCode::UNAUTHORIZED, WRONG_CODE)
        };
        let Some(secret) = secret else {
            return Err(wrong("the account has no verification codes"));
        };
        let step = match CODES.verify_unused(&secret, body.code.trim(), self.now(), last) {
            Ok(step) => step,
            Err(uaf_totp::Error::Reused { .. }) => return Err(wrong("a code already used")),
            Err(_) => return Err(wrong("")),
        };
        // Of two uses of one code (two browsers, two nodes), exactly one moves the step.
        let used = self
            .app
            .stores
            .accounts
            .use_code_step(&username, last, step)
            .map_err(|e| Reply::internal("code step", &e))?;
        if !used {
            return Err(wrong("a code already used"));
        }
        // Pending → approved (a phone may have approved it meanwhile: then it is approved).
        if self
            .store
            .transition(
                id,
                AttemptState::Pending.to(AttemptState::Approved),
                self.now(),
            )
            .map_err(|e| Reply::internal("attempt transition", &e))?
        {
            self.changed_id(&username, id, AttemptState::Approved);
        }
        let method = SignInMethod::PasswordCode;
        let reply = self.finish_second_step(id, &username, method, client, known)?;
        tracing::info!(
            username,
            "signed in with a password and a verification code"
        );
        Ok(reply)
    }

    /// `POST api/password/{id}/complete`: the second step approved on the phone becomes a
    /// `password+phone` session.
    pub(crate) fn password_complete(
        &self,
        id: &str,
        browser: Option<&str>,
        client: &Client,
        known: Option<&str>,
    ) -> Reply {
        let result = (|| {
            let (username, state) = self.second_step_of(id, browser)?;
            if state != AttemptState::Approved {
                return Err(Reply::json(
                    StatusCode::CONFLICT,
                    &ErrorAnswer {
                        state: Some(uaf_signin_api::SignInState::Pending),
                        ..ErrorAnswer::new("this sign-in is not approved")
                    },
                ));
            }
            let method = SignInMethod::PasswordPhone;
            let reply = self.finish_second_step(id, &username, method, client, known)?;
            tracing::info!(username, "signed in with a password and the phone");
            Ok(reply)
        })();
        result.unwrap_or_else(|refusal| refusal)
    }

    /// `POST api/account/create {username, code, password}`: the person chooses the
    /// password of their account with an operator's one-time invite (consumed), and is signed
    /// in (one factor). An account that already has a password is refused (the operator
    /// resets passwords: `uaf-server user reset-password`).
    pub(crate) fn account_create(&self, body: &AccountCreateRequest, client: &Client) -> Reply {
        self.try_account_create(body, client)
            .unwrap_or_else(|refusal| refusal)
    }

    fn try_account_create(
        &self,
        body: &AccountCreateRequest,
        client: &Client,
    ) -> Result<Reply, Reply> {
        let username = body.username.as_str();
        if !valid_username(username) {
            return Err(Reply::error(StatusCode::BAD_REQUEST, "enter a user name"));
        }
        PasswordHashing::acceptable(&body.password)
            .map_err(|e| Reply::error(StatusCode::BAD_REQUEST, &e.to_string()))?;
        let code_hash = self.check_invite(username, &body.code)?;
        let account = self.account_row(username)?;
        if account.as_ref().is_some_and(|a| a.password_hash.is_some()) {
            return Err(Reply::error(
                StatusCode::CONFLICT,
                "this account has a password already: sign in with it",
            ));
        }
        let hash = self
            .config
            .password_hashing
            .hash(&body.password)
            .map_err(|e| Reply::internal("password hashing", &e))?;
        // Single use: of concurrent uses of the code exactly one takes it.
        let taken = self
            .store
            .take_invite(&code_hash)
            .map_err(|e| Reply::internal("invite take", &e))?;
        if taken.is_none_or(|i| i.username != username) {
            return Err(Reply::error(
                StatusCode::FORBIDDEN,
                "invalid, used or expired invite code",
            ));
        }
        let accounts = &self.app.stores.accounts;
        let made = accounts
            .create_account(&AccountRow::new(
                String::from(username),
                Some(hash.clone()),
                self.now(),
            ))
            .map_err(|e| Reply::internal("account store", &e))?;
        if !made {
            // A phone-only account (made at its first phone's enrolment): it gets the password.
            accounts
                .set_password_hash(username, &hash)
                .map_err(|e| Reply::internal("account store", &e))?;
        }
        tracing::info!(username, "account password chosen with an invite");
        let method = SignInMethod::Password;
        let detail = "password chosen with an invite";
        let record = self.activity(username, method, ActivityOutcome::SignedIn, client, detail);
        self.password_session(username, method, record)
    }

    /// The verification-code setup of `username`'s phones: its secret, made now (20 random
    /// bytes) unless the account has one (a later phone gets the same one).
    pub(crate) fn code_setup(&self, username: &str) -> Result<VerificationCodeSetup, Reply> {
        let mut fresh = [0u8; RECOMMENDED_SECRET_LEN];
        getrandom::fill(&mut fresh).map_err(|e| Reply::internal("no OS randomness", &e))?;
        let secret = self
            .app
            .stores
            .accounts
            .code_secret_or_insert(username, &fresh, self.app.now())
            .map_err(|e| Reply::internal("verification-code secret", &e))?;
        Ok(VerificationCodeSetup {
            secret: uaf_totp::base32::encode(&secret),
            algorithm: String::from(CODES.algorithm().name()),
            digits: CODES.digits().get(),
            period_secs: CODES.period_secs(),
        })
    }

    /// The session of `cookie`, or the 401 answer.
    fn signed_in_row(&self, cookie: Option<&str>) -> Result<SessionRow, Reply> {
        match self.signed_in(cookie) {
            Ok(Some(who)) => Ok(SessionRow::new(who.username, who.method, 0, who.expires_at)),
            Ok(None) => Err(Reply::error(StatusCode::UNAUTHORIZED, "not signed in")),
            Err(e) => Err(Reply::internal("session lookup", &e)),
        }
    }

    /// The account of `username` (`None`: it has none yet — a phone-only user who never
    /// enrolled).
    fn account_row(&self, username: &str) -> Result<Option<AccountRow>, Reply> {
        self.app
            .stores
            .accounts
            .account(username)
            .map_err(|e| Reply::internal("account lookup", &e))
    }

    fn two_step_answer(account: Option<&AccountRow>) -> TwoStepAnswer {
        TwoStepAnswer {
            enabled: account.is_some_and(|a| a.two_step),
            codes_available: account.is_some_and(|a| a.code_secret.is_some()),
        }
    }

    /// `GET api/account/two-step` → `{enabled, codesAvailable}`.
    pub(crate) fn two_step_get(&self, cookie: Option<&str>) -> Reply {
        let who = match self.signed_in_row(cookie) {
            Ok(w) => w,
            Err(r) => return r,
        };
        match self.account_row(&who.username) {
            Ok(a) => Reply::ok(&Self::two_step_answer(a.as_ref())),
            Err(r) => r,
        }
    }

    /// `POST api/account/two-step {enabled}`: on needs verification codes (a phone enrolled,
    /// so that the second step can be taken when the phone is offline); off needs a session
    /// that proved two factors (a stolen password alone cannot turn it off).
    pub(crate) fn two_step_post(&self, cookie: Option<&str>, body: TwoStepRequest) -> Reply {
        let who = match self.signed_in_row(cookie) {
            Ok(w) => w,
            Err(r) => return r,
        };
        let account = match self.account_row(&who.username) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let current = Self::two_step_answer(account.as_ref());
        if body.enabled == current.enabled {
            return Reply::ok(&current);
        }
        if body.enabled && !current.codes_available {
            return Reply::error(
                StatusCode::CONFLICT,
                "add a phone first: two-step verification needs the phone app's codes",
            );
        }
        if !body.enabled && !two_factor(&who.method) {
            return Reply::error(
                StatusCode::FORBIDDEN,
                "sign in with your phone (or a password and a code) to turn two-step \
                 verification off",
            );
        }
        match self
            .app
            .stores
            .accounts
            .set_two_step(&who.username, body.enabled)
        {
            Ok(true) => {
                tracing::info!(
                    username = who.username,
                    enabled = body.enabled,
                    "two-step verification changed"
                );
                Reply::ok(&TwoStepAnswer {
                    enabled: body.enabled,
                    codes_available: current.codes_available,
                })
            }
            Ok(false) => Reply::error(StatusCode::CONFLICT, "the account is gone"),
            Err(e) => Reply::internal("two-step setting", &e),
        }
    }
}

/// `POST api/password/signin`: the password buckets first (429 with `Retry-After`, recorded),
/// then the password check on the blocking pool.
async fn password_signin(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<PasswordSignInRequest>,
) -> Reply {
    let Json(b) = match body {
        Ok(b) => b,
        Err(r) => return rejected_body(&r),
    };
    let client = Client::of(&s, peer, &headers);
    if let Err(limited) = s.limits.password(client.ip, &b.username) {
        tracing::warn!(username = ?b.username, client = ?client.ip, "password sign-in refused: rate limit");
        let reply = Reply::too_many(limited);
        let username = b.username.clone();
        return blocking(s, move |f| {
            if valid_username(&username) {
                f.record(
                    &username,
                    SignInMethod::Password,
                    ActivityOutcome::Throttled,
                    &client,
                    limited.rule,
                );
            }
            reply
        })
        .await;
    }
    let known = cookie_value(&headers, KNOWN_COOKIE);
    hashing(s, move |f| f.password_signin(&b, &client, known)).await
}

/// Runs `f`, which hashes a password, on the blocking pool while holding one of the
/// password-hash slots (`Limits::password_hashes_at_once`: what bounds the argon2 memory);
/// 503 with `Retry-After` when none came free within [`PASSWORD_HASH_WAIT`].
async fn hashing(s: WebState, f: impl FnOnce(&Flow) -> Reply + Send + 'static) -> Reply {
    let slot = match s.limits.password_hash_slot(PASSWORD_HASH_WAIT).await {
        Ok(slot) => slot,
        Err(busy) => return Reply::busy(&busy),
    };
    blocking(s, move |flow| {
        let reply = f(flow);
        drop(slot);
        reply
    })
    .await
}

async fn password_code(
    State(s): State<WebState>,
    Path(id): Path<String>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<VerificationCodeRequest>,
) -> Reply {
    let Json(b) = match body {
        Ok(b) => b,
        Err(r) => return rejected_body(&r),
    };
    let client = Client::of(&s, peer, &headers);
    let browser = cookie_value(&headers, SIGNIN_COOKIE);
    let known = cookie_value(&headers, KNOWN_COOKIE);
    blocking(s, move |f| {
        f.password_code(&id, browser.as_deref(), &b, &client, known.as_deref())
    })
    .await
}

async fn password_complete(
    State(s): State<WebState>,
    Path(id): Path<String>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<IgnoredAny>,
) -> Reply {
    if let Err(r) = body {
        return rejected_body(&r);
    }
    let client = Client::of(&s, peer, &headers);
    let browser = cookie_value(&headers, SIGNIN_COOKIE);
    let known = cookie_value(&headers, KNOWN_COOKIE);
    blocking(s, move |f| {
        f.password_complete(&id, browser.as_deref(), &client, known.as_deref())
    })
    .await
}

/// `POST api/account/create`: an invite code check, rate-limited as enrolment is.
async fn account_create(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<AccountCreateRequest>,
) -> Reply {
    let Json(b) = match body {
        Ok(b) => b,
        Err(r) => return rejected_body(&r),
    };
    let client = Client::of(&s, peer, &headers);
    if let Err(limited) = s.limits.enroll(client.ip, &b.username) {
        tracing::warn!(username = ?b.username, client = ?client.ip, "account creation refused: rate limit");
        return Reply::too_many(limited);
    }
    hashing(s, move |f| f.account_create(&b, &client)).await
}

async fn two_step_get(State(s): State<WebState>, headers: HeaderMap) -> Reply {
    let session = cookie_value(&headers, SESSION_COOKIE);
    blocking(s, move |f| f.two_step_get(session.as_deref())).await
}

async fn two_step_post(
    State(s): State<WebState>,
    headers: HeaderMap,
    body: Body<TwoStepRequest>,
) -> Reply {
    match body {
        Ok(Json(b)) => {
            let session = cookie_value(&headers, SESSION_COOKIE);
            blocking(s, move |f| f.two_step_post(session.as_deref(), b)).await
        }
        Err(r) => rejected_body(&r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_follow_the_method() {
        assert_eq!(factors_of("uaf-phone"), ["possession", "user-verification"]);
        assert_eq!(factors_of("phone"), ["possession", "user-verification"]);
        assert_eq!(factors_of("password"), ["knowledge"]);
        assert_eq!(factors_of("password+code"), ["knowledge", "possession"]);
        assert!(factors_of("something else").is_empty());
        assert!(two_factor("password+phone"));
        assert!(!two_factor("password"));
        assert!(!two_factor(""));
    }
}
