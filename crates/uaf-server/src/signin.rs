//! Phone sign-in inside an axum app of your own: [`PhoneSignIn`] (built by
//! [`PhoneSignInBuilder`]) gives the routes to mount under your prefix, your notion of
//! which accounts may sign in plugs in as [`Accounts`], and your handlers take the signed-in
//! identity with the [`SignedIn`] extractor (or receive it in [`Accounts::signed_in`]).

use core::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use uaf_metadata::MetadataIndex;

use crate::mds::SharedMetadata;
use uaf_rp::{RelyingParty, RelyingPartyBuilder, Service, StatusCodeMode};

use crate::limits::{Guard, Limits};
use crate::reply::Reply;
use crate::state::App;
use crate::store::{Backend, Clock, StoreError, Stores};
use crate::web::{self, Flow, Invite, InviteError, WebConfig};
use crate::{ServerConfig, ServerError, api};

/// Which accounts may use phone sign-in: the application's own user table behind a trait.
///
/// Asked (on the blocking pool, so a database call is fine) when a phone enrols with an
/// invite, when a sign-in starts (an account that may not sign in gets the same answer as an
/// unknown one, and no phone is asked), when an approved sign-in becomes a session, and when
/// an invite is made with [`PhoneSignIn::create_invite`].
pub trait Accounts: Send + Sync + 'static {
    /// Whether `username` names an account that may sign in now.
    ///
    /// # Errors
    /// [`AccountsError`] when the answer cannot be had (the sign-in is then refused with
    /// HTTP 500).
    fn may_sign_in(&self, username: &str) -> Result<bool, AccountsError>;

    /// Called once a phone sign-in made a session (the browser holds its cookie). The
    /// default does nothing.
    fn signed_in(&self, session: &SignedIn) {
        let _ = session;
    }
}

/// Every well-formed user name may sign in: the standalone server's rule (whoever holds an
/// invite made by the operator enrols; whoever has an enrolled phone signs in).
#[derive(Clone, Copy, Debug, Default)]
pub struct AnyAccount;

impl Accounts for AnyAccount {
    fn may_sign_in(&self, _username: &str) -> Result<bool, AccountsError> {
        Ok(true)
    }
}

/// Why an [`Accounts`] implementation could not answer.
#[derive(Debug)]
pub struct AccountsError {
    source: Box<dyn core::error::Error + Send + Sync>,
}

impl AccountsError {
    /// Wraps the application's own error.
    #[must_use]
    pub fn new(source: impl Into<Box<dyn core::error::Error + Send + Sync>>) -> AccountsError {
        AccountsError {
            source: source.into(),
        }
    }
}

impl fmt::Display for AccountsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "account lookup: {}", self.source)
    }
}

impl core::error::Error for AccountsError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The signed-in identity of a request: the session of its session cookie.
///
/// As an extractor it refuses a request without a valid session with HTTP 401
/// `{"error":"not signed in"}`; take `Option<SignedIn>` where signing in is optional. The
/// router's state must give the [`PhoneSignIn`] (`impl FromRef<YourState> for PhoneSignIn`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedIn {
    /// The account.
    pub username: String,
    /// How the session was made (`uaf-phone`).
    pub method: String,
    /// The last second the session is valid (unix seconds).
    pub expires_at: u64,
}

impl SignedIn {
    pub(crate) fn new(username: String, method: String, expires_at: u64) -> SignedIn {
        SignedIn {
            username,
            method,
            expires_at,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn
where
    PhoneSignIn: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match PhoneSignIn::from_ref(state).session_of(parts).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => {
                Err(Reply::error(StatusCode::UNAUTHORIZED, "not signed in").into_response())
            }
            Err(e) => Err(Reply::internal("session lookup", &e).into_response()),
        }
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for SignedIn
where
    PhoneSignIn: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Response> {
        PhoneSignIn::from_ref(state)
            .session_of(parts)
            .await
            .map_err(|e| Reply::internal("session lookup", &e).into_response())
    }
}

/// Why the session of a request could not be looked up.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// The database refused.
    Store(StoreError),
    /// The lookup on the blocking pool did not finish (it panicked, or the runtime is
    /// shutting down).
    Interrupted,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Store(e) => write!(f, "session lookup: {e}"),
            SessionError::Interrupted => f.write_str("session lookup: the task did not finish"),
        }
    }
}

impl core::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            SessionError::Store(e) => Some(e),
            SessionError::Interrupted => None,
        }
    }
}

/// How to build a [`PhoneSignIn`]: start from [`PhoneSignIn::builder`] and set what differs.
#[must_use]
pub struct PhoneSignInBuilder {
    app_id: String,
    facets: Vec<String>,
    metadata: MetadataIndex,
    /// The server's reloadable metadata (`--mds-blob`), which replaces `metadata`.
    live_metadata: Option<SharedMetadata>,
    status_codes: StatusCodeMode,
    prefix: String,
    challenge_ttl_secs: u64,
    session_ttl_secs: u64,
    secure_cookies: bool,
    public_url: Option<String>,
    conformance_api: bool,
    conformance_api_token: Option<String>,
    limits: Limits,
    password_hashing: crate::PasswordHashing,
    clock: Clock,
    accounts: Arc<dyn Accounts>,
    deny_pause_secs: u64,
}

impl fmt::Debug for PhoneSignInBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhoneSignInBuilder")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// Setters of the builder that store their argument as it is.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $t:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $name: $t) -> Self {
                self.$name = $name;
                self
            }
        )*
    };
}

impl PhoneSignInBuilder {
    /// The settings of `config` (its listen address, database and metadata directory are
    /// the server's, not used here), for `app_id`.
    pub(crate) fn from_config(app_id: String, config: ServerConfig) -> Self {
        PhoneSignInBuilder {
            app_id,
            facets: config.facets,
            metadata: MetadataIndex::new(),
            live_metadata: None,
            status_codes: config.status_codes,
            prefix: normalise_prefix(&config.prefix),
            challenge_ttl_secs: config.challenge_ttl_secs,
            session_ttl_secs: config.session_ttl_secs,
            secure_cookies: config.secure_cookies,
            public_url: config.public_url,
            conformance_api: config.conformance_api,
            conformance_api_token: config.conformance_api_token,
            limits: config.limits,
            password_hashing: config.password_hashing,
            clock: config.clock,
            accounts: Arc::new(AnyAccount),
            deny_pause_secs: config.deny_pause_secs,
        }
    }

    /// The trusted facet IDs (`https://host[:port]`, `android:apk-key-hash:…`,
    /// `ios:bundle-id:…`). Default: the origin of an `https` AppID.
    pub fn facets(mut self, facets: impl IntoIterator<Item = String>) -> Self {
        self.facets = facets.into_iter().collect();
        self
    }

    /// The server's metadata, reloaded with the Metadata Service BLOB (instead of
    /// [`PhoneSignInBuilder::metadata`]).
    pub(crate) fn live_metadata(mut self, metadata: SharedMetadata) -> Self {
        self.live_metadata = Some(metadata);
        self
    }

    /// The path every route is mounted under (default `/`; `auth`, `/auth` and `/auth/`
    /// all mean `/auth/`). Also the cookies' `Path`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = normalise_prefix(prefix);
        self
    }

    setters! {
        /// The metadata of the authenticators accepted. Default: none, so every enrolment
        /// is refused (unknown AAID).
        metadata: MetadataIndex;
        /// How rejected UAF responses are reported (default
        /// [`StatusCodeMode::Conformance`]).
        status_codes: StatusCodeMode;
        /// How long an issued challenge (and so a sign-in attempt) stays valid, in seconds
        /// (default 300).
        challenge_ttl_secs: u64;
        /// How long a session lives, in seconds (default 28800, 8 hours).
        session_ttl_secs: u64;
        /// Mark the cookies `Secure` (default off; turn on when the site is served over
        /// https).
        secure_cookies: bool;
        /// Also mount the FIDO conformance server API (`POST {prefix}get`, `POST
        /// {prefix}respond`), which then needs [`PhoneSignInBuilder::conformance_api_token`].
        /// Default **off**: whoever can call it can register a key for any user name (and
        /// so sign in as anyone) and deregister any user's keys; for test deployments only.
        conformance_api: bool;
        /// The abuse limits (default [`Limits::default`]): rate limits on sign-in starts
        /// and invite checks, the pending sign-ins per user.
        limits: Limits;
        /// The argon2id cost of new password hashes (default
        /// [`crate::PasswordHashing::default`]).
        password_hashing: crate::PasswordHashing;
        /// The clock (unix seconds) of the verifier, the stores and the sessions. Default:
        /// the system clock.
        clock: Clock;
        /// How long new phone sign-ins of an account are paused after one of its sign-ins
        /// was denied on the phone as "it's not me", in seconds (default 900; 0: no pause).
        /// A browser that signed in to the account within 90 days is never paused.
        deny_pause_secs: u64;
    }

    /// The secret the conformance API requires (at least 16 characters of `A-Z a-z 0-9 - _
    /// . ~`): `Authorization: Bearer <token>` on `POST {prefix}get` and `{prefix}respond`, or
    /// in the path, `POST {prefix}conformance/<token>/get` and `…/respond` (for the FIDO
    /// conformance tool, which can only be given a URL). Compared in constant time.
    pub fn conformance_api_token(mut self, token: impl Into<String>) -> Self {
        self.conformance_api_token = Some(token.into());
        self
    }

    /// The public base URL of these routes (`https://example.com/auth/`), which the account
    /// page puts into a new phone's enrolment link and QR code. Default: the URL the browser
    /// used (`http(s)://{Host}{prefix}`, https when the cookies are `Secure`). Checked at
    /// [`PhoneSignInBuilder::build`]: an `http` or `https` URL with a host and no query or
    /// fragment.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Which accounts may sign in (default [`AnyAccount`]).
    pub fn accounts(mut self, accounts: impl Accounts) -> Self {
        self.accounts = Arc::new(accounts);
        self
    }

    /// Builds the relying party over `database` (opened and migrated by the caller: an
    /// [`crate::SqliteDatabase`], a [`crate::PgDatabase`], or any [`Backend`] as
    /// `Arc<dyn Backend>`, e.g. from [`crate::store::open`]).
    ///
    /// # Errors
    /// [`ServerError::Config`] when the AppID, a facet or the challenge lifetime is wrong, or
    /// the conformance API is on without a valid token.
    pub fn build(self, database: impl Into<Arc<dyn Backend>>) -> Result<PhoneSignIn, ServerError> {
        check_facets(&self.facets)?;
        // The parameters checked, and the dummy hash an unknown user's password is verified
        // against made now: the first such sign-in then costs what any other does.
        self.password_hashing
            .dummy()
            .map_err(|e| ServerError::Config(e.to_string()))?;
        let public_url = self
            .public_url
            .as_deref()
            .map(web::public_base_url)
            .transpose()
            .map_err(ServerError::Config)?;
        let conformance = if self.conformance_api {
            let token = self.conformance_api_token.as_deref().unwrap_or_default();
            api::check_token(token).map_err(ServerError::Config)?;
            Some(Arc::<str>::from(token))
        } else {
            None
        };
        let mut rp = RelyingPartyBuilder::new(self.app_id.clone())
            .status_codes(self.status_codes)
            .challenge_ttl_secs(self.challenge_ttl_secs);
        if !self.facets.is_empty() {
            rp = rp.trusted_facets(self.facets.iter().cloned());
        }
        let rp_config = rp.build().map_err(|e| ServerError::Config(e.to_string()))?;
        for odd in rp_config.trusted_facet_warnings() {
            tracing::warn!("trusted facet: {odd}");
        }
        let facets_json = api::facet_list(rp_config.trusted_facets()).to_json();
        let ttl = self.challenge_ttl_secs;
        let database: Arc<dyn Backend> = database.into();
        let stores = Stores::new(&*database, ttl, Arc::clone(&self.clock));
        let metadata = match self.live_metadata {
            Some(live) => live,
            None => SharedMetadata::fixed(self.metadata, Arc::clone(&self.clock)),
        };
        let service = Service::new(
            RelyingParty::new(rp_config, metadata),
            Arc::clone(&stores.credentials),
            Arc::clone(&stores.pending_registrations),
            Arc::clone(&stores.pending_authentications),
        );
        let store = Arc::clone(&stores.sign_in);
        let attempts = Arc::clone(&stores.attempts);
        let app = Arc::new(App {
            service,
            stores,
            mode: self.status_codes,
            clock: self.clock,
            facets_json,
        });
        let every = self.limits.expiry_sweep_secs;
        let sweeper = (every > 0)
            .then(|| {
                crate::expiry::Sweeper::spawn(
                    Arc::clone(&attempts),
                    Arc::clone(&app.clock),
                    core::time::Duration::from_secs(every),
                )
            })
            .transpose()
            .map_err(|e| ServerError::Runtime(format!("cannot start the expiry sweep: {e}")))?;
        let flow = Flow {
            _sweeper: sweeper,
            app,
            store,
            attempts,
            accounts: self.accounts,
            config: WebConfig {
                prefix: self.prefix,
                session_ttl_secs: self.session_ttl_secs,
                attempt_ttl_secs: self.challenge_ttl_secs,
                secure_cookies: self.secure_cookies,
                public_url,
                site: web::site_of(&self.app_id),
                deny_pause_secs: self.deny_pause_secs,
                password_hashing: self.password_hashing,
            },
            limits: Arc::new(Guard::new(self.limits)),
            push: crate::push::Hub::new(database.change_feed()),
        };
        Ok(PhoneSignIn {
            flow: Arc::new(flow),
            app_id: Arc::from(self.app_id),
            conformance,
        })
    }
}

/// The start-up check of the configured facets (`--facet`): they are ours, so a web facet must
/// be an `https://host[:port]` origin (an `http:` facet, or one with a path, is a
/// configuration error); any other non-empty string is accepted as is (a padded Android hash,
/// a bare package name), as the relying party accepts every non-empty facet.
fn check_facets(facets: &[String]) -> Result<(), ServerError> {
    for (index, facet) in facets.iter().enumerate() {
        let web = ["http:", "https:"].iter().any(|scheme| {
            facet
                .get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        });
        if web && uaf_proto::id::FacetId::parse(facet).is_err() {
            return Err(ServerError::Config(format!(
                "--facet {index} ({facet:?}): a web facet must be an https origin, https://host[:port]"
            )));
        }
        if facet.is_empty() {
            return Err(ServerError::Config(format!("--facet {index} is empty")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod facet_check_tests {
    use super::check_facets;
    use crate::ServerError;

    #[test]
    fn web_facets_must_be_https_origins_other_facets_load_as_they_are() {
        let ok = |f: &[&str]| check_facets(&f.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(
            ok(&[
                "https://login.example.com:8443",
                "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM=",
                "com.noknok.android.sampleapp",
                "ios:bundle-id:org.example.app",
            ])
            .is_ok()
        );
        for bad in [
            "http://insecure.example.com",
            "HTTP://a.example",
            "https://a.example/x",
            "",
        ] {
            assert!(
                matches!(ok(&["https://a.example", bad]), Err(ServerError::Config(_))),
                "{bad}"
            );
        }
    }
}

/// `/`, `/uaf`, `uaf/` → `/`, `/uaf/`, `/uaf/`.
pub(crate) fn normalise_prefix(prefix: &str) -> String {
    let inner = prefix.trim_matches('/');
    if inner.is_empty() {
        String::from("/")
    } else {
        format!("/{inner}/")
    }
}

/// Phone sign-in (and, opt-in, the conformance API) as routes for an axum app of your own.
/// Cheap to clone (one shared state).
///
/// ```
/// use axum::Router;
/// use axum::routing::get;
/// use uaf_server::{PhoneSignIn, SignedIn, SqliteDatabase};
///
/// async fn home(who: SignedIn) -> String {
///     format!("hello {}", who.username)
/// }
///
/// let database = SqliteDatabase::open(":memory:")?;
/// let signin = PhoneSignIn::builder("https://example.com/auth/facets.json")
///     .prefix("/auth/")
///     .build(database)?;
/// // `/` is yours; `/auth/…` is phone sign-in. The router's state is the sign-in itself
/// // here; a larger state only needs `impl FromRef<YourState> for PhoneSignIn`.
/// let app: Router = Router::new()
///     .route("/", get(home))
///     .merge(signin.router())
///     .with_state(signin);
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PhoneSignIn {
    flow: Arc<Flow>,
    app_id: Arc<str>,
    /// The conformance API's token, when it is on.
    conformance: Option<Arc<str>>,
}

impl fmt::Debug for PhoneSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhoneSignIn")
            .field("app_id", &self.app_id)
            .field("prefix", &self.flow.config.prefix)
            .field("conformance_api", &self.conformance.is_some())
            .finish_non_exhaustive()
    }
}

impl PhoneSignIn {
    /// A builder for the relying party of `app_id` (normally the `https` URL of
    /// `{prefix}facets.json` on your site).
    pub fn builder(app_id: impl Into<String>) -> PhoneSignInBuilder {
        PhoneSignInBuilder::from_config(app_id.into(), ServerConfig::default())
    }

    /// Every route, under the prefix: the sign-in page and its `api/…`, the phone's
    /// `phone/…`, `facets.json`, `healthz` and, when enabled, the conformance API. Merge it
    /// into your router (`Router::merge`); it carries its own state, so it fits a router of
    /// any state type `S`.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        api::routes(&self.flow.config.prefix, self.conformance.clone())
            .with_state(Arc::clone(&self.flow.app))
            .merge(web::router(Arc::clone(&self.flow)))
            // Every body is small JSON (16 KiB); the routes that take a UAF response raise
            // their own limit to `UAF_RESPONSE_BODY_LIMIT`. Beyond: 413.
            .layer(axum::extract::DefaultBodyLimit::max(
                crate::net::SMALL_BODY_LIMIT,
            ))
    }

    /// The AppID the relying party issues requests with.
    #[must_use]
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The normalised prefix (`/` or `/x/`).
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.flow.config.prefix
    }

    /// The signed-in identity of a request's session cookie, if it has a valid one (what
    /// the [`SignedIn`] extractor does).
    ///
    /// # Errors
    /// [`SessionError`] when the database cannot be asked.
    pub async fn session_of(&self, parts: &Parts) -> Result<Option<SignedIn>, SessionError> {
        let cookie = web::session_cookie(&parts.headers);
        let flow = Arc::clone(&self.flow);
        match tokio::task::spawn_blocking(move || flow.signed_in(cookie.as_deref())).await {
            Ok(r) => r.map_err(SessionError::Store),
            Err(_) => Err(SessionError::Interrupted),
        }
    }

    /// Ends every push stream and long poll now, and every later one at once (they are
    /// answered and closed): call it when your server starts its graceful shutdown, so that
    /// open streams (which never end by themselves before their lifetime) do not hold it up.
    /// `Server` does it itself.
    pub fn close_streams(&self) {
        self.flow.push.close();
    }

    /// Makes a one-time invite that lets a phone enrol for `username` (as
    /// [`crate::create_invite`], after asking [`Accounts::may_sign_in`]). Blocks: call it
    /// from a blocking context (`tokio::task::spawn_blocking`).
    ///
    /// # Errors
    /// [`InviteError`]; [`InviteError::NotAllowed`] when the account may not sign in.
    pub fn create_invite(&self, username: &str) -> Result<Invite, InviteError> {
        self.flow.create_invite(username)
    }
}
