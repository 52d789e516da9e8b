//! Accounts with a password, and two-step verification: see `docs/server.md`, "Passwords and
//! two-step verification".
//!
//! | endpoint | authenticated by | what |
//! |---|---|---|
//! | `GET {prefix}api/account/two-step` | session cookie | `{enabled, codesAvailable}` |
//! | `POST {prefix}api/account/two-step` | session cookie (turning it off: a two-factor session) | `{enabled}` → `{enabled, codesAvailable}` |

use axum::Router;
use axum::extract::{Json, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use uaf_signin_api::{TwoStepAnswer, TwoStepRequest, VerificationCodeSetup, path};
use uaf_totp::{RECOMMENDED_SECRET_LEN, Totp};

use super::flow::{Flow, SESSION_COOKIE};
use super::{Body, WebState, cookie_value};
use crate::reply::{Reply, blocking, rejected_body};
use crate::store::{AccountRow, SessionRow, SignInMethod};

/// The routes of this module, under `prefix`.
pub(crate) fn routes(prefix: &str) -> Router<WebState> {
    let at = |path: &str| format!("{prefix}{path}");
    Router::new().route(&at(path::TWO_STEP), get(two_step_get).post(two_step_post))
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
