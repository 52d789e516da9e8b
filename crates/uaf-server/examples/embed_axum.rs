//! Phone sign-in inside an axum app of your own.
//!
//! The app keeps its own pages (`/`, `/private`) and its own user table ([`Users`], behind
//! [`uaf_server::Accounts`]); phone sign-in is mounted under `/auth/` with the app's own
//! database; the handlers take the signed-in identity from the session
//! ([`uaf_server::SignedIn`]) and the app is told of every sign-in
//! ([`uaf_server::Accounts::signed_in`]). `tests/embed_axum.rs` serves [`app`] on loopback
//! and signs in with a phone.
//!
//! ```text
//! cargo run -p uaf-phone -- metadata ./metadata
//! cargo run -p uaf-server --example embed_axum -- ./metadata
//! # it prints the uaf-phone enroll command for alice; then open http://127.0.0.1:8080/auth/
//! ```
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::get;
use uaf_server::{Accounts, AccountsError, PhoneSignIn, SignedIn};

/// The application's user table: here a set of names, and a log of the sign-ins.
#[derive(Clone, Debug, Default)]
pub(crate) struct Users {
    /// Who may sign in.
    pub(crate) names: BTreeSet<String>,
    /// Who signed in, in order.
    pub(crate) signed_in: Arc<Mutex<Vec<String>>>,
}

impl Accounts for Users {
    fn may_sign_in(&self, username: &str) -> Result<bool, AccountsError> {
        Ok(self.names.contains(username))
    }

    fn signed_in(&self, session: &SignedIn) {
        if let Ok(mut log) = self.signed_in.lock() {
            log.push(session.username.clone());
        }
    }
}

/// The application's state: its own things, and the phone sign-in.
#[derive(Clone)]
pub(crate) struct AppState {
    /// Phone sign-in (routes, sessions).
    pub(crate) signin: PhoneSignIn,
    /// Something of the application's own.
    pub(crate) greeting: Arc<str>,
}

/// What the [`SignedIn`] extractor needs from the state.
impl FromRef<AppState> for PhoneSignIn {
    fn from_ref(state: &AppState) -> PhoneSignIn {
        state.signin.clone()
    }
}

/// Anyone: a greeting for the signed-in, a pointer to the sign-in page for the others.
async fn home(State(state): State<AppState>, who: Option<SignedIn>) -> String {
    match who {
        Some(who) => format!("{}, {}", state.greeting, who.username),
        None => format!("not signed in: {}", state.signin.prefix()),
    }
}

/// Signed-in only (HTTP 401 otherwise).
async fn private(who: SignedIn) -> String {
    format!("the private page of {}", who.username)
}

/// The application's router with phone sign-in merged in.
pub(crate) fn app(signin: PhoneSignIn) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/private", get(private))
        .merge(signin.router())
        .with_state(AppState {
            signin,
            greeting: Arc::from("hello"),
        })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let metadata = match std::env::args().nth(1) {
        Some(dir) => uaf_metadata::MetadataIndex::load_dir(dir)?,
        None => uaf_metadata::MetadataIndex::new(),
    };
    let users = Users {
        names: ["alice", "bob"].into_iter().map(String::from).collect(),
        signed_in: Arc::default(),
    };
    let database = uaf_server::SqliteDatabase::open("embed-example.db")?;
    let signin = PhoneSignIn::builder("https://127.0.0.1:8080/auth/facets.json")
        .prefix("/auth/")
        .metadata(metadata)
        .accounts(users)
        .build(database)?;
    let invite = signin.create_invite("alice")?;
    println!(
        "uaf-phone enroll --server http://127.0.0.1:8080/auth --username alice --code {}",
        invite.code
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
        axum::serve(listener, app(signin)).await
    })?;
    Ok(())
}
