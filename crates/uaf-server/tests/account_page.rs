//! The account page over real HTTP on loopback: who is signed in and how, the phones (an
//! enrolment code with its link and QR code, names, last use), removing a phone (its token
//! and key gone at once, the UAF deregistration delivered once at its next contact, after
//! which the token is refused and the phone's authenticator has deleted its key), turning
//! phone sign-in off, a phone removing itself, signing out everywhere; and every refusal:
//! no session, a cross-site request, a form post, another account's phone, the rate limit.
//!
//! The phone is raw HTTP + `uaf-client` over `uaf-authenticator` (its device token in hand),
//! so what the server delivers is processed by the real client and authenticator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

mod common;

use std::time::Duration;

use common::{Answer, Browser, Env, call};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;
use serde_json::{Value, json};
use uaf_authenticator::{
    AttestationConfig, Authenticator, Profile, ScriptedUser, TransactionDisplay,
};
use uaf_client::{AuthenticatorOptions, Client, ClientConfig, ClientOutcome, ClientRequest};
use uaf_proto::id::Aaid;
use uaf_proto::message::{
    AuthenticationRequest, DecodeOptions, DeregisterAuthenticator, DeregistrationRequest,
    Transaction,
};
use uaf_server::{Rate, Server, ServerConfig, create_invite};
use uaf_signin_api::EnrollLink;

const AAID: &str = "FFFF#FB07";
const PIN: &str = "2468";

fn authenticator(seed: u64) -> Authenticator<ChaCha20Rng, ScriptedUser> {
    let profile = Profile::builder(Aaid::parse(AAID).unwrap())
        .attestation(AttestationConfig::BasicSurrogate)
        // Phone sign-in confirms its text and number (docs/server.md, "Number matching").
        .transaction_display(TransactionDisplay::Text)
        .build()
        .unwrap();
    Authenticator::new(
        profile,
        ChaCha20Rng::seed_from_u64(seed),
        ScriptedUser::approving(PIN),
    )
    .unwrap()
}

/// A server that trusts the raw phone's model, with a clock the test moves.
fn site(name: &str, edit: impl Fn(&mut ServerConfig) + 'static) -> Env {
    Env::builder(name)
        .metadata(authenticator(1).metadata_statement())
        .config(edit)
        .build()
}

/// The phone's facet: the AppID's origin.
fn facet(env: &Env) -> String {
    format!("https://{}", env.server().local_addr())
}

impl Env {
    /// A phone of `user` enrolled with an operator's invite.
    fn phone(&self, user: &str, seed: u64) -> RawPhone {
        let code = create_invite(&self.db, user, self.now()).unwrap().code;
        RawPhone::enroll(self, user, &code, seed).unwrap()
    }
}

/// The sign-in request with its text followed by the typed `number`: what a phone's
/// authenticator confirms and signs (`uaf_signin_api::confirmed_text`).
fn with_number(request: &str, number: &str) -> String {
    let mut all = AuthenticationRequest::parse_array(request, &DecodeOptions::new()).unwrap();
    for r in &mut all {
        if let Some(text) = r.transaction.iter().find_map(Transaction::as_text) {
            let confirmed = uaf_signin_api::confirmed_text(text, number);
            r.transaction = vec![Transaction::text(&confirmed).unwrap()];
        }
    }
    AuthenticationRequest::array_to_json(&all)
}

/// A phone: uaf-client over uaf-authenticator, and its device token.
struct RawPhone {
    client: Client<Authenticator<ChaCha20Rng, ScriptedUser>>,
    token: String,
    facet: String,
    base: String,
}

impl RawPhone {
    /// Enrols with `code` against the server at `env` (`Err`: the server's status).
    fn enroll(env: &Env, user: &str, code: &str, seed: u64) -> Result<RawPhone, u16> {
        RawPhone::enroll_at(&env.server().base_url(), &facet(env), user, code, seed)
    }

    fn enroll_at(base: &str, facet: &str, user: &str, code: &str, seed: u64) -> Result<Self, u16> {
        let base = base.trim_end_matches('/');
        let start = call(
            "POST",
            &format!("{base}/phone/enroll/start"),
            Some(&json!({"username": user, "code": code})),
            &[],
        );
        if start.status != 200 {
            return Err(start.status);
        }
        let mut client = Client::new(
            ClientConfig::default(),
            &mut ChaCha20Rng::seed_from_u64(seed),
        );
        client.add_authenticator(authenticator(seed), AuthenticatorOptions::with_version(1));
        let request = start.body["uafRequest"].as_str().unwrap();
        let response = client
            .process(&ClientRequest::new(request, facet))
            .unwrap()
            .response()
            .cloned()
            .unwrap();
        let finish = call(
            "POST",
            &format!("{base}/phone/enroll/finish"),
            Some(&json!({"username": user, "code": code, "uafResponse": response.message})),
            &[],
        );
        if finish.status != 200 {
            return Err(finish.status);
        }
        Ok(RawPhone {
            client,
            token: finish.body["deviceToken"].as_str().unwrap().to_owned(),
            facet: String::from(facet),
            base: String::from(base),
        })
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    fn notifications(&self) -> Answer {
        call(
            "GET",
            &format!("{}/phone/notifications", self.base),
            None,
            &[("Authorization", &self.bearer())],
        )
    }

    /// Signs and sends the answer to `attempt`: the HTTP status (or panics if the client
    /// cannot sign, e.g. without a key).
    fn approve(&mut self, attempt: &str) -> u16 {
        let n = self.notifications();
        assert_eq!(n.status, 200, "{n:?}");
        let note = n.body["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["attempt"] == attempt)
            .expect("the phone sees the sign-in")
            .clone();
        // The person typed the number from the page: the text confirmed carries it.
        let request = with_number(
            note["uafRequest"].as_str().unwrap(),
            note["matchCode"].as_str().unwrap(),
        );
        let response = self
            .client
            .process(&ClientRequest::new(&request, &self.facet))
            .unwrap()
            .response()
            .cloned()
            .unwrap();
        call(
            "POST",
            &format!("{}/phone/respond", self.base),
            Some(&json!({"attempt": attempt, "uafResponse": response.message})),
            &[("Authorization", &self.bearer())],
        )
        .status
    }

    fn keys(&self) -> usize {
        self.client.registrations().len()
    }
}

/// Signs `user` in with `phone`: the session cookie (`uaf_session=…`).
fn sign_in(env: &Env, user: &str, phone: &mut RawPhone) -> String {
    let b = Browser::start(env, user);
    assert_eq!(phone.approve(&b.attempt), 200);
    let done = b.complete();
    assert_eq!(done.status, 200, "{done:?}");
    done.cookie_pair("uaf_session").unwrap()
}

fn account(env: &Env, session: &str) -> Answer {
    call("GET", &env.at("api/account"), None, &[("Cookie", session)])
}

/// A same-origin POST of the page (the browser's `Origin` and `Sec-Fetch-Site`).
fn page_post(env: &Env, path: &str, session: &str, body: Option<&Value>) -> Answer {
    let origin = format!("http://{}", env.server().local_addr());
    call(
        "POST",
        &env.at(path),
        body,
        &[
            ("Cookie", session),
            ("Origin", &origin),
            ("Sec-Fetch-Site", "same-origin"),
        ],
    )
}

fn phone_ids(a: &Answer) -> Vec<String> {
    a.body["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_account_shows_who_how_and_the_phones() {
    let env = site("show", |_| {});
    let mut first = env.phone("alice", 1);
    let _second = env.phone("alice", 2);
    let _bobs = env.phone("bob", 3);
    let session = sign_in(&env, "alice", &mut first);

    let a = account(&env, &session);
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["username"], "alice");
    assert_eq!(a.body["method"], "uaf-phone");
    assert_eq!(
        a.body["factors"],
        json!(["possession", "user-verification"])
    );
    assert!(
        a.body["methodDescription"]
            .as_str()
            .unwrap()
            .contains("two factors")
    );
    assert_eq!(a.body["sessions"], 1);
    let phones = a.body["phones"].as_array().unwrap();
    assert_eq!(phones.len(), 2, "bob's phone is not alice's");
    let statement: Value = serde_json::from_str(&authenticator(1).metadata_statement()).unwrap();
    for p in phones {
        assert_eq!(p["aaid"], AAID);
        assert_eq!(p["model"], statement["description"]);
        assert!(p["addedAt"].as_u64().unwrap() <= env.now());
        assert!(p.get("name").is_none());
    }
    // The phone that approved was used now; the other never.
    let used: Vec<Option<u64>> = phones.iter().map(|p| p["lastUsedAt"].as_u64()).collect();
    assert_eq!(used.iter().filter(|u| u.is_some()).count(), 1, "{used:?}");
    assert!(used.contains(&Some(env.now())));

    // Without a session (or with a made-up one): 401.
    assert_eq!(call("GET", &env.at("api/account"), None, &[]).status, 401);
    let made_up = format!("uaf_session={}", "A".repeat(43));
    assert_eq!(account(&env, &made_up).status, 401);

    // The page itself: strict CSP, no external assets.
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut page = agent.get(&env.at("account")).call().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"));
    let html = page.body_mut().read_to_string().unwrap();
    assert!(html.contains("assets/account.js") && !html.contains("http"));
    let js = agent.get(&env.at("assets/account.js")).call().unwrap();
    assert_eq!(js.status().as_u16(), 200);
}

#[test]
fn adding_a_phone_gives_a_one_time_code_its_link_and_qr_code_that_enrol() {
    let env = site("add", |_| {});
    let mut first = env.phone("alice", 1);
    let session = sign_in(&env, "alice", &mut first);

    let add = page_post(&env, "api/account/phones/add", &session, None);
    assert_eq!(add.status, 200, "{add:?}");
    let link = EnrollLink::parse(add.body["link"].as_str().unwrap()).unwrap();
    assert_eq!(link.server, format!("{}/", env.server().base_url()));
    assert_eq!(link.username, "alice");
    assert_eq!(link.code, add.body["code"].as_str().unwrap());
    assert_eq!(add.body["server"], link.server.as_str());
    assert!(add.body["expiresAt"].as_u64().unwrap() > env.now());
    let svg = add.body["qrSvg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path") && !svg.contains("href"));

    // The link's server and code enrol a phone, once.
    let mut second =
        RawPhone::enroll_at(&link.server, &facet(&env), &link.username, &link.code, 2).unwrap();
    assert_eq!(
        RawPhone::enroll_at(&link.server, &facet(&env), "alice", &link.code, 3).err(),
        Some(403)
    );
    assert_eq!(phone_ids(&account(&env, &session)).len(), 2);
    // The new phone signs in.
    let again = sign_in(&env, "alice", &mut second);
    assert_eq!(account(&env, &again).body["sessions"], 2);

    // The code is alice's: it does not enrol bob.
    let add = page_post(&env, "api/account/phones/add", &session, None);
    let code = add.body["code"].as_str().unwrap();
    assert_eq!(RawPhone::enroll(&env, "bob", code, 4).err(), Some(403));
    // Operator invites keep working.
    let _bobs = env.phone("bob", 5);
}

#[test]
fn a_configured_public_url_is_what_the_link_names() {
    let env = site("public-url", |c| {
        c.public_url = Some(String::from("https://login.example.com/uaf"));
    });
    let mut phone = env.phone("alice", 1);
    let session = sign_in(&env, "alice", &mut phone);
    let add = page_post(&env, "api/account/phones/add", &session, None);
    assert_eq!(add.status, 200, "{add:?}");
    let link = EnrollLink::parse(add.body["link"].as_str().unwrap()).unwrap();
    assert_eq!(link.server, "https://login.example.com/uaf/");
    // Behind a proxy that rewrites Host, the public URL's origin is this site's; others not.
    let url = env.at("api/account/phones/add");
    let from = |origin: &str| {
        call(
            "POST",
            &url,
            None,
            &[("Cookie", session.as_str()), ("Origin", origin)],
        )
        .status
    };
    assert_eq!(from("https://login.example.com"), 200);
    assert_eq!(from("https://evil.example.com"), 403);
    // A bad one stops the start.
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = ":memory:".into();
    c.public_url = Some(String::from("ftp://login.example.com/"));
    let Err(err) = Server::spawn(c) else {
        panic!("a bad --public-url was accepted")
    };
    let err = err.to_string();
    assert!(err.contains("--public-url"), "{err}");
}

#[test]
fn making_codes_is_rate_limited_per_account() {
    let env = site("add-limit", |c| {
        c.limits.enroll_per_account = Rate::new(3, Duration::from_secs(600));
    });
    let mut phone = env.phone("alice", 1);
    let session = sign_in(&env, "alice", &mut phone);
    // The operator's enrolment (start and finish) used two tokens of alice's bucket.
    assert_eq!(
        page_post(&env, "api/account/phones/add", &session, None).status,
        200
    );
    let limited = page_post(&env, "api/account/phones/add", &session, None);
    assert_eq!(limited.status, 429, "{limited:?}");
}

#[test]
fn a_phone_is_named_by_its_own_account_only() {
    let env = site("rename", |_| {});
    let mut alice = env.phone("alice", 1);
    let mut bob = env.phone("bob", 2);
    let a_session = sign_in(&env, "alice", &mut alice);
    let b_session = sign_in(&env, "bob", &mut bob);
    let id = phone_ids(&account(&env, &a_session)).remove(0);
    let path = format!("api/account/phones/{id}/name");

    let named = page_post(
        &env,
        &path,
        &a_session,
        Some(&json!({"name": "  Work phone "})),
    );
    assert_eq!(named.status, 200, "{named:?}");
    assert_eq!(named.body["name"], "Work phone");
    assert_eq!(
        account(&env, &a_session).body["phones"][0]["name"],
        "Work phone"
    );

    // Too long, control characters: 422, unchanged.
    let long = json!({"name": "x".repeat(65)});
    assert_eq!(page_post(&env, &path, &a_session, Some(&long)).status, 422);
    let bell = json!({"name": "a\u{7}b"});
    assert_eq!(page_post(&env, &path, &a_session, Some(&bell)).status, 422);
    // Bob cannot name alice's phone (it is not found among his).
    let mine = json!({"name": "mine"});
    assert_eq!(page_post(&env, &path, &b_session, Some(&mine)).status, 404);
    assert_eq!(
        account(&env, &a_session).body["phones"][0]["name"],
        "Work phone"
    );
    // An empty name clears it.
    let cleared = page_post(&env, &path, &a_session, Some(&json!({"name": ""})));
    assert_eq!(cleared.status, 200);
    assert!(
        account(&env, &a_session).body["phones"][0]
            .get("name")
            .is_none()
    );
}

/// The deregistration requests delivered to `phone` (200), or the status.
fn deregistrations(phone: &RawPhone) -> Result<Vec<String>, u16> {
    let n = phone.notifications();
    if n.status != 200 {
        return Err(n.status);
    }
    Ok(n.body["deregistrations"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| d["uafRequest"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default())
}

#[test]
fn a_removed_phone_gets_its_deregistration_once_deletes_its_key_and_can_no_longer_approve() {
    let env = site("remove", |_| {});
    let mut keep = env.phone("alice", 1);
    let mut gone = env.phone("alice", 2);
    let session = sign_in(&env, "alice", &mut keep);
    let before = account(&env, &session);
    // The phone to remove: the one never used.
    let id = before.body["phones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p.get("lastUsedAt").is_none())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let removed = page_post(
        &env,
        &format!("api/account/phones/{id}/remove"),
        &session,
        None,
    );
    assert_eq!(removed.status, 200, "{removed:?}");
    assert_eq!(removed.body["removed"], 1);
    assert_eq!(
        phone_ids(&account(&env, &session)),
        phone_ids(&before)
            .into_iter()
            .filter(|p| *p != id)
            .collect::<Vec<_>>()
    );
    // Removing it again: not found.
    let again = page_post(
        &env,
        &format!("api/account/phones/{id}/remove"),
        &session,
        None,
    );
    assert_eq!(again.status, 404);

    // A sign-in started now: the removed phone's token no longer reads or answers anything
    // but its deregistration, which it gets once.
    let start = call(
        "POST",
        &env.at("api/signin/start"),
        Some(&json!({"username": "alice"})),
        &[],
    );
    let attempt = start.body["attempt"].as_str().unwrap().to_owned();
    let delivered = deregistrations(&gone).unwrap();
    assert_eq!(delivered.len(), 1);
    let n = gone.notifications();
    assert_eq!(n.status, 401, "delivered once, then the token is refused");
    let respond = call(
        "POST",
        &env.at("phone/respond"),
        Some(&json!({"attempt": attempt, "uafResponse": "[]"})),
        &[("Authorization", &gone.bearer())],
    );
    assert_eq!(respond.status, 401);

    // The request is the spec's Dereg message for exactly this phone's key (digest §2.10).
    let dereg = DeregistrationRequest::parse_array(&delivered[0], &DecodeOptions::new()).unwrap();
    assert_eq!(dereg.len(), 1);
    let gone_key = gone.client.registrations()[0].key_id().clone();
    assert_eq!(
        dereg[0].authenticators,
        [DeregisterAuthenticator::Key {
            aaid: Aaid::parse(AAID).unwrap(),
            key_id: gone_key,
        }]
    );
    // Handed to the phone's client, it deletes the key in the authenticator.
    assert_eq!(gone.keys(), 1);
    match gone
        .client
        .process(&ClientRequest::new(&delivered[0], &gone.facet))
        .unwrap()
    {
        ClientOutcome::Deregistration(report) => {
            assert_eq!(report.removed.len(), 1);
            assert!(report.failed.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(gone.keys(), 0);
    assert_eq!(
        gone.client.authenticator_mut(0).unwrap().stored_key_count(),
        0
    );
    // The kept phone still approves; the new sign-in asks only for its key.
    assert_eq!(keep.approve(&attempt), 200);
    let req = keep.notifications();
    assert_eq!(req.status, 200);
}

#[test]
fn another_accounts_phone_cannot_be_removed() {
    let env = site("remove-foreign", |_| {});
    let mut alice = env.phone("alice", 1);
    let mut bob = env.phone("bob", 2);
    let a_session = sign_in(&env, "alice", &mut alice);
    let b_session = sign_in(&env, "bob", &mut bob);
    let bobs = phone_ids(&account(&env, &b_session)).remove(0);
    let r = page_post(
        &env,
        &format!("api/account/phones/{bobs}/remove"),
        &a_session,
        None,
    );
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(phone_ids(&account(&env, &b_session)), [bobs]);
    assert_eq!(deregistrations(&bob).unwrap(), Vec::<String>::new());
    // Bob's phone still signs bob in.
    let _ = sign_in(&env, "bob", &mut bob);
}

#[test]
fn turning_off_phone_sign_in_removes_every_phone() {
    let env = site("off", |_| {});
    let mut one = env.phone("alice", 1);
    let two = env.phone("alice", 2);
    let mut bobs = env.phone("bob", 3);
    let session = sign_in(&env, "alice", &mut one);
    let off = page_post(&env, "api/account/phones/remove-all", &session, None);
    assert_eq!(off.status, 200, "{off:?}");
    assert_eq!(off.body["removed"], 2);
    assert!(phone_ids(&account(&env, &session)).is_empty());
    for phone in [&one, &two] {
        assert_eq!(deregistrations(phone).unwrap().len(), 1);
        assert_eq!(deregistrations(phone), Err(401));
    }
    // Nothing left to remove; bob's phone is untouched.
    let again = page_post(&env, "api/account/phones/remove-all", &session, None);
    assert_eq!(again.body["removed"], 0);
    let _ = sign_in(&env, "bob", &mut bobs);
    // The session made by the phone stays valid (signing out is separate).
    assert_eq!(account(&env, &session).status, 200);
}

#[test]
fn a_phone_removes_itself_with_its_token() {
    let env = site("self-remove", |_| {});
    let mut phone = env.phone("alice", 1);
    let session = sign_in(&env, "alice", &mut phone);
    let url = env.at("phone/deregister");
    assert_eq!(call("POST", &url, None, &[]).status, 401);
    let wrong = format!("Bearer {}", "A".repeat(43));
    assert_eq!(
        call("POST", &url, None, &[("Authorization", &wrong)]).status,
        401
    );
    let done = call("POST", &url, None, &[("Authorization", &phone.bearer())]);
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(done.body["deregistered"], true);
    assert!(phone_ids(&account(&env, &session)).is_empty());
    // Nothing is queued for it: the token is refused at once.
    assert_eq!(deregistrations(&phone), Err(401));
    assert_eq!(
        call("POST", &url, None, &[("Authorization", &phone.bearer())]).status,
        401
    );
}

#[test]
fn signing_out_everywhere_ends_every_session_of_the_account_only() {
    let env = site("everywhere", |_| {});
    let mut alice = env.phone("alice", 1);
    let mut bob = env.phone("bob", 2);
    let first = sign_in(&env, "alice", &mut alice);
    let second = sign_in(&env, "alice", &mut alice);
    let bobs = sign_in(&env, "bob", &mut bob);
    assert_eq!(account(&env, &first).body["sessions"], 2);
    let out = page_post(&env, "api/account/signout-everywhere", &second, None);
    assert_eq!(out.status, 200, "{out:?}");
    assert_eq!(out.body["sessions"], 2);
    assert!(
        out.set_cookies
            .iter()
            .any(|c| c.starts_with("uaf_session=;") && c.contains("Max-Age=0"))
    );
    for s in [&first, &second] {
        assert_eq!(account(&env, s).status, 401);
        assert_eq!(
            call("GET", &env.at("api/me"), None, &[("Cookie", s)]).status,
            401
        );
    }
    assert_eq!(account(&env, &bobs).status, 200);
    // Signed out, it cannot be asked again.
    assert_eq!(
        page_post(&env, "api/account/signout-everywhere", &first, None).status,
        401
    );
}

#[test]
fn nothing_changes_without_a_session_or_from_another_site() {
    let env = site("refusals", |_| {});
    let mut phone = env.phone("alice", 1);
    let _other = env.phone("alice", 2);
    let session = sign_in(&env, "alice", &mut phone);
    let id = phone_ids(&account(&env, &session)).remove(0);
    let posts = [
        String::from("api/account/phones/add"),
        format!("api/account/phones/{id}/name"),
        format!("api/account/phones/{id}/remove"),
        String::from("api/account/phones/remove-all"),
        String::from("api/account/signout-everywhere"),
    ];
    let origin = format!("http://{}", env.server().local_addr());
    let body = json!({"name": "x"});
    for path in &posts {
        let url = env.at(path);
        // No session, a made-up one: 401.
        let r = call("POST", &url, Some(&body), &[("Origin", &origin)]);
        assert_eq!(r.status, 401, "{path}: {r:?}");
        let made_up = format!("uaf_session={}", "A".repeat(43));
        let r = call("POST", &url, Some(&body), &[("Cookie", &made_up)]);
        assert_eq!(r.status, 401, "{path}");
        // Another site (with the session cookie, as if SameSite had let it through): 403.
        let evil = [
            ("Cookie", session.as_str()),
            ("Origin", "https://evil.example"),
        ];
        assert_eq!(call("POST", &url, Some(&body), &evil).status, 403, "{path}");
        let null = [("Cookie", session.as_str()), ("Origin", "null")];
        assert_eq!(call("POST", &url, Some(&body), &null).status, 403, "{path}");
        let fetch = [
            ("Cookie", session.as_str()),
            ("Sec-Fetch-Site", "cross-site"),
        ];
        assert_eq!(
            call("POST", &url, Some(&body), &fetch).status,
            403,
            "{path}"
        );
        // A form post (not JSON): 415.
        let form = [
            ("Cookie", session.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        assert_eq!(call("POST", &url, Some(&body), &form).status, 415, "{path}");
        // A GET does nothing (no such route).
        assert_eq!(
            call("GET", &url, None, &[("Cookie", session.as_str())]).status,
            405,
            "{path}"
        );
    }
    // Nothing changed: both phones, no name, the session valid, nothing queued.
    let a = account(&env, &session);
    assert_eq!(a.status, 200);
    assert_eq!(a.body["phones"].as_array().unwrap().len(), 2);
    assert!(a.body["phones"][0].get("name").is_none());
    assert_eq!(deregistrations(&phone).unwrap(), Vec::<String>::new());
    // A request without Origin and Sec-Fetch-Site (not a browser) with the session works.
    let r = call(
        "POST",
        &env.at(&format!("api/account/phones/{id}/name")),
        Some(&json!({"name": "ok"})),
        &[("Cookie", &session)],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn recent_activity_shows_time_method_browser_address_and_outcome_newest_first() {
    use uaf_server::store::{ActivityOutcome, ActivityRow, ActivityStore as _, SignInMethod};
    let env = site("activity", |_| {});
    let mut phone = env.phone("alice", 1);
    let session = sign_in(&env, "alice", &mut phone);
    let t = env.now();
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                  Gecko) Chrome/131.0.0.0 Safari/537.36";
    let record = |user: &str, at, method, outcome, ua: &str, ip: &str, detail: &str| {
        let mut row = ActivityRow::new(user.into(), at, method, outcome, ua, ip.into());
        row.detail = detail.into();
        env.db.record_activity(&row).unwrap();
    };
    record(
        "alice",
        t + 1,
        SignInMethod::Password,
        ActivityOutcome::WrongPassword,
        chrome,
        "198.51.100.7",
        "",
    );
    record(
        "alice",
        t + 2,
        SignInMethod::Phone,
        ActivityOutcome::Declined,
        firefox,
        "2001:db8::1",
        "",
    );
    record(
        "alice",
        t + 3,
        SignInMethod::PasswordCode,
        ActivityOutcome::SignedIn,
        firefox,
        "192.0.2.4",
        "code from the phone app",
    );
    record(
        "bob",
        t + 4,
        SignInMethod::Phone,
        ActivityOutcome::SignedIn,
        chrome,
        "203.0.113.9",
        "",
    );

    let a = account(&env, &session);
    assert_eq!(a.status, 200, "{a:?}");
    let events = a.body["activity"].as_array().unwrap();
    let mine: Vec<&Value> = events
        .iter()
        .filter(|e| e["at"].as_u64().unwrap() > t)
        .collect();
    assert_eq!(mine.len(), 3, "bob's activity is not alice's: {events:?}");
    assert_eq!(mine[0]["outcome"], "signed-in");
    assert_eq!(mine[0]["signedIn"], true);
    assert_eq!(mine[0]["method"], "password+code");
    assert_eq!(
        mine[0]["methodDescription"],
        "Password and verification code"
    );
    assert_eq!(mine[0]["browser"], "Firefox 128 on Linux");
    assert_eq!(mine[0]["clientIp"], "192.0.2.4");
    assert_eq!(mine[0]["detail"], "code from the phone app");
    assert_eq!(mine[1]["outcome"], "declined");
    assert_eq!(mine[1]["outcomeDescription"], "Declined on the phone");
    assert_eq!(mine[1]["signedIn"], false);
    assert_eq!(mine[1]["clientIp"], "2001:db8::1");
    assert_eq!(mine[2]["outcome"], "wrong-password");
    assert_eq!(mine[2]["browser"], "Chrome 131 on Windows");
    assert!(mine[2].get("detail").is_none());
}

#[test]
fn the_sign_ins_of_the_phone_are_in_the_activity_with_their_browser() {
    let env = site("activity-recorded", |_| {});
    let mut phone = env.phone("alice", 1);
    let session = sign_in(&env, "alice", &mut phone);
    // A sign-in declined on the phone.
    let start = call(
        "POST",
        &env.at("api/signin/start"),
        Some(&json!({"username": "alice"})),
        &[(
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        )],
    );
    let attempt = start.body["attempt"].as_str().unwrap();
    let declined = call(
        "POST",
        &env.at("phone/decline"),
        Some(&json!({"attempt": attempt})),
        &[("Authorization", &phone.bearer())],
    );
    assert_eq!(declined.status, 200, "{declined:?}");

    let a = account(&env, &session);
    let events = a.body["activity"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["outcome"], "declined");
    assert_eq!(events[0]["method"], "phone");
    assert_eq!(events[0]["signedIn"], false);
    // An answer on the phone is recorded with the browser and address of the sign-in it
    // answered (the phone's own request is not the sign-in's).
    assert_eq!(events[0]["browser"], "Firefox 128 on Linux");
    assert_eq!(events[0]["clientIp"], "127.0.0.1");
    assert_eq!(events[1]["outcome"], "signed-in");
    assert_eq!(events[1]["signedIn"], true);
    assert_eq!(events[1]["methodDescription"], "Phone");
    assert!(
        events[1]["browser"].as_str().unwrap().starts_with("ureq "),
        "{}",
        events[1]
    );
    assert_eq!(events[1]["clientIp"], "127.0.0.1");
}

#[test]
fn the_binary_takes_public_url_and_refuses_a_bad_one() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database",
            ":memory:",
            "--public-url",
            "ftp://login.example.com/",
        ])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--public-url"), "{stderr}");
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--public-url <URL>") && help.contains("UAF_SERVER_PUBLIC_URL"));
}
