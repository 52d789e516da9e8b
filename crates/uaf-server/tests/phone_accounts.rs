//! One phone, several accounts, on loopback with real servers: a phone enrolled for two
//! accounts on one server and one on another (by code and by the enrolment link of the
//! account page's QR code), one wait loop answering all of them; the loop across a server
//! restart; removing an account.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{BaseUrl, Browser, PIN, agent, temp};
use uaf_phone::{
    AccountRef, Backoff, EnrollLink, Enrollment, KdfParams, Phone, PhoneError, ServerRemoval,
    WaitEvent, WaitOptions, Waiter,
};
use uaf_server::{Server, ServerConfig, ServerHandle, SqliteDatabase, create_invite, unix_now};

/// A server with a file database and the phone model's metadata, that can be stopped and
/// started again on the same port.
struct Site {
    dir: PathBuf,
    server: Option<ServerHandle>,
    addr: SocketAddr,
}

impl Site {
    fn new(name: &str) -> Site {
        let dir = temp(name);
        uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
        let server = Site::spawn(&dir, "127.0.0.1:0".parse().unwrap());
        let addr = server.local_addr();
        Site {
            dir,
            server: Some(server),
            addr,
        }
    }

    fn spawn(dir: &Path, listen: SocketAddr) -> ServerHandle {
        let mut c = ServerConfig::default();
        c.listen = listen;
        c.database = dir.join("server.db");
        c.metadata = Some(dir.join("metadata"));
        // The port was just released: retry while the OS still holds it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Server::spawn(c.clone()) {
                Ok(s) => return s,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("bind {listen}: {e}; again");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn stop(&mut self) {
        self.server.take().unwrap().shutdown().unwrap();
    }

    fn start(&mut self) {
        assert!(self.server.is_none());
        self.server = Some(Site::spawn(&self.dir, self.addr));
    }

    /// A one-time code for `user` (what `uaf-server invite` makes).
    fn invite(&self, user: &str) -> String {
        let db = SqliteDatabase::open(self.dir.join("server.db")).unwrap();
        create_invite(&db, user, unix_now()).unwrap().code
    }

    /// The enrolment link of the account page's QR code.
    fn link(&self, user: &str) -> String {
        EnrollLink {
            server: self.url(),
            username: String::from(user),
            code: self.invite(user),
        }
        .to_text()
    }
}

impl BaseUrl for Site {
    fn base_url(&self) -> String {
        self.url()
    }
}

fn fast(e: &mut Enrollment) {
    e.kdf = KdfParams::new(64, 1, 1).unwrap();
}

/// Fast polling and a short backoff, so the test does not wait long.
fn options() -> WaitOptions {
    let mut o = WaitOptions::polling(Duration::from_millis(100));
    o.backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(400));
    o
}

/// The events of the next `d` (or until `until` says stop).
fn events_for(
    waiter: &mut Waiter,
    phone: &mut Phone,
    d: Duration,
    mut until: impl FnMut(&[WaitEvent]) -> bool,
) -> Vec<WaitEvent> {
    let deadline = Instant::now() + d;
    let mut got = Vec::new();
    while Instant::now() < deadline && !until(&got) {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(e) = waiter.next(phone, left.min(Duration::from_millis(200))) {
            got.push(e);
        }
    }
    got
}

#[test]
fn one_phone_two_servers_three_accounts_one_wait() {
    let a = Site::new("two-a");
    let b = Site::new("two-b");
    let state = a.dir.join("phone.json");

    // The first account from the QR code's text, the others by code and by link.
    let mut e = Enrollment::from_link(&a.link("alice"), PIN).unwrap();
    fast(&mut e);
    let mut phone = Phone::enroll(&e).unwrap();
    phone.save(&state).unwrap();
    let mut e = Enrollment::new(&a.url(), "bob", &a.invite("bob"), PIN);
    fast(&mut e);
    let bob = phone.add_account(&e).unwrap();
    let alice_b = phone
        .add_account(&Enrollment::from_link(&b.link("alice"), PIN).unwrap())
        .unwrap();
    phone.persist().unwrap();
    let alice_a = AccountRef::new(&a.url(), "alice");
    assert_eq!(bob, AccountRef::new(&a.url(), "bob"));
    assert_eq!(alice_b, AccountRef::new(&b.url(), "alice"));
    // The same account twice is refused (the code is not even used).
    let again = Enrollment::new(&a.url(), "bob", &a.invite("bob"), PIN);
    assert!(matches!(
        phone.add_account(&again),
        Err(PhoneError::AlreadyEnrolled(ref r)) if *r == bob
    ));

    // Unlocked again from the file: three accounts, three keys.
    drop(phone);
    let mut phone = Phone::load(&state, PIN).unwrap();
    let listed: Vec<AccountRef> = phone.accounts().into_iter().map(|i| i.account).collect();
    assert_eq!(listed, [alice_a.clone(), bob.clone(), alice_b.clone()]);
    assert!(
        phone
            .accounts()
            .iter()
            .all(|i| i.aaid == uaf_phone::AAID && i.added_at.is_some())
    );

    // One wait for all three: a sign-in on each, each shown with its account and site.
    let mut waiter = Waiter::start(&phone, options()).unwrap();
    let browsers = [
        (alice_a.clone(), Browser::start(&a, "alice")),
        (bob.clone(), Browser::start(&a, "bob")),
        (alice_b.clone(), Browser::start(&b, "alice")),
    ];
    let got = events_for(&mut waiter, &mut phone, Duration::from_secs(20), |got| {
        got.len() >= 3
    });
    let mut signins = BTreeMap::new();
    for e in got {
        match e {
            WaitEvent::SignIn {
                account,
                notification,
            } => {
                assert!(
                    signins
                        .insert(notification.attempt.clone(), (account, notification))
                        .is_none()
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(signins.len(), 3);
    for (account, browser) in &browsers {
        let (got_account, n) = &signins[&browser.attempt];
        assert_eq!(got_account, account);
        assert_eq!(n.username, account.username);
        assert_eq!(n.match_code, browser.match_code);
        let host = account.server.trim_start_matches("http://");
        assert_eq!(n.site, host, "the site is the account's server");
    }
    // Approve alice on A and on B, decline bob.
    for (account, browser) in &browsers {
        let (_, n) = &signins[&browser.attempt];
        if account.username == "bob" {
            phone.decline_for(account, n).unwrap();
        } else {
            phone.approve_for(account, n, PIN).unwrap();
        }
    }
    assert_eq!(browsers[0].1.state(), "approved");
    assert_eq!(browsers[1].1.state(), "declined");
    assert_eq!(browsers[2].1.state(), "approved");
    // Each sign-in was shown once: nothing more comes but their withdrawal (answered), once.
    let more = events_for(&mut waiter, &mut phone, Duration::from_millis(800), |_| {
        false
    });
    let mut withdrawn: Vec<String> = more
        .iter()
        .map(|e| match e {
            WaitEvent::Withdrawn { attempt, .. } => attempt.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    withdrawn.sort();
    let mut answered: Vec<String> = signins.keys().cloned().collect();
    answered.sort();
    assert_eq!(withdrawn, answered);

    // Without the waiter: `pending` lists every account's sign-ins; `approve` finds the
    // account of alice's sign-in on B by its AppID.
    let on_b = Browser::start(&b, "alice");
    let on_a = Browser::start(&a, "alice");
    let pending = phone.pending().unwrap();
    assert_eq!(pending.len(), 2);
    for n in pending {
        phone.approve(&n, PIN).unwrap();
    }
    assert_eq!(on_a.state(), "approved");
    assert_eq!(on_b.state(), "approved");
}

#[test]
fn the_wait_loop_outlives_a_server_restart() {
    outlives_a_restart("restart", options());
}

/// The same with the transport `uaf-phone wait` uses: the push stream (its fallbacks).
#[test]
fn the_pushed_wait_loop_outlives_a_server_restart() {
    let mut o = WaitOptions::pushed(Duration::from_millis(100));
    o.backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(400));
    outlives_a_restart("restart-pushed", o);
}

fn outlives_a_restart(name: &str, options: WaitOptions) {
    let mut a = Site::new(name);
    let state = a.dir.join("phone.json");
    let mut e = Enrollment::new(&a.url(), "alice", &a.invite("alice"), PIN);
    fast(&mut e);
    let mut phone = Phone::enroll(&e).unwrap();
    phone.save(&state).unwrap();
    let alice = AccountRef::new(&a.url(), "alice");
    let mut waiter = Waiter::start(&phone, options).unwrap();
    // Running: nothing to say.
    let quiet = events_for(&mut waiter, &mut phone, Duration::from_millis(500), |_| {
        false
    });
    assert!(quiet.is_empty(), "{quiet:?}");

    // The server stops: said once, however many retries fail.
    a.stop();
    let down = events_for(&mut waiter, &mut phone, Duration::from_secs(3), |_| false);
    assert_eq!(down.len(), 1, "{down:?}");
    match &down[0] {
        WaitEvent::Unreachable { server, error } => {
            assert_eq!(server, &a.url());
            assert!(matches!(error, PhoneError::Unreachable(_)), "{error:?}");
        }
        other => panic!("{other:?}"),
    }

    // It starts again on the same port (same database): said once, and sign-ins flow.
    a.start();
    let back = events_for(&mut waiter, &mut phone, Duration::from_secs(10), |got| {
        !got.is_empty()
    });
    assert_eq!(back.len(), 1, "{back:?}");
    assert!(
        matches!(&back[0], WaitEvent::Back { server } if *server == a.url()),
        "{back:?}"
    );
    let browser = Browser::start(&a, "alice");
    let got = events_for(&mut waiter, &mut phone, Duration::from_secs(10), |got| {
        !got.is_empty()
    });
    match got.as_slice() {
        [
            WaitEvent::SignIn {
                account,
                notification,
            },
        ] => {
            assert_eq!(account, &alice);
            assert_eq!(notification.attempt, browser.attempt);
            phone.approve_for(account, notification, PIN).unwrap();
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(browser.state(), "approved");
}

#[test]
fn removing_an_account_deletes_its_key_and_forgets_it() {
    let a = Site::new("remove");
    let state = a.dir.join("phone.json");
    let mut e = Enrollment::new(&a.url(), "alice", &a.invite("alice"), PIN);
    fast(&mut e);
    let mut phone = Phone::enroll(&e).unwrap();
    let mut e = Enrollment::new(&a.url(), "bob", &a.invite("bob"), PIN);
    fast(&mut e);
    let bob = phone.add_account(&e).unwrap();
    phone.save(&state).unwrap();
    let alice = phone.find("alice", None).unwrap();

    // Told first: the server deletes the registration and the token.
    let token_of = |p: &Phone| p.channels()[0].clone();
    let alices_channel = token_of(&phone);
    assert_eq!(alices_channel.account(), &alice);
    let removal = phone.remove(&alice, false).unwrap();
    assert_eq!(removal.account, alice);
    assert_eq!(removal.server, ServerRemoval::Removed);
    assert!(matches!(
        alices_channel.fetch(),
        Err(PhoneError::Refused { status: 401, .. })
    ));
    // Forgotten, also in the file; bob still signs in.
    let listed: Vec<AccountRef> = phone.accounts().into_iter().map(|i| i.account).collect();
    assert_eq!(listed, [bob]);
    let mut phone = Phone::load(&state, PIN).unwrap();
    assert_eq!(phone.accounts().len(), 1);
    let browser = Browser::start(&a, "bob");
    let n = phone.pending().unwrap().pop().unwrap();
    phone.approve(&n, PIN).unwrap();
    assert_eq!(browser.state(), "approved");
    // The server no longer asks a phone for alice: her sign-in reaches no phone.
    let browser = Browser::start(&a, "alice");
    assert!(
        phone
            .pending()
            .unwrap()
            .iter()
            .all(|n| n.attempt != browser.attempt)
    );
    assert!(matches!(
        phone.find("alice", None),
        Err(PhoneError::NoSuchAccount(_))
    ));
}

#[test]
fn removing_an_account_whose_server_is_down_needs_force() {
    let mut a = Site::new("remove-down");
    let state = a.dir.join("phone.json");
    let mut e = Enrollment::new(&a.url(), "alice", &a.invite("alice"), PIN);
    fast(&mut e);
    let mut phone = Phone::enroll(&e).unwrap();
    phone.save(&state).unwrap();
    let alice = phone.find("alice", None).unwrap();
    a.stop();
    // Not told: kept.
    assert!(matches!(
        phone.remove(&alice, false),
        Err(PhoneError::Unreachable(_))
    ));
    assert_eq!(phone.accounts().len(), 1);
    // Forced: the key is deleted and the account forgotten, and it says the server was not
    // told.
    let removal = phone.remove(&alice, true).unwrap();
    assert!(matches!(removal.server, ServerRemoval::NotTold(ref m) if m.contains("unreachable")));
    assert!(Phone::load(&state, PIN).unwrap().accounts().is_empty());
    // The server, back, still knows the phone (its token works) until it is removed there.
    a.start();
    let mut e = Enrollment::new(&a.url(), "alice", &a.invite("alice"), PIN);
    fast(&mut e);
    // The phone can enrol the account again (a new key).
    let mut phone = Phone::load(&state, PIN).unwrap();
    phone.add_account(&e).unwrap();
    assert_eq!(phone.accounts().len(), 1);
}

/// Signs `user` in with `phone` and returns the session cookie.
fn sign_in(site: &Site, phone: &mut Phone, user: &str) -> String {
    let b = Browser::start(site, user);
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == b.attempt)
        .unwrap();
    phone.approve(&n, PIN).unwrap();
    let r = agent()
        .post(format!("{}/api/signin/{}/complete", site.url(), b.attempt))
        .header("Content-Type", "application/json")
        .header("Cookie", &b.cookie)
        .send("{}")
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("uaf_session="))
        .unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

#[test]
fn a_phone_removed_on_the_account_page_deletes_its_key_at_its_next_contact() {
    let a = Site::new("queued");
    let state = a.dir.join("phone.json");
    let mut e = Enrollment::new(&a.url(), "alice", &a.invite("alice"), PIN);
    fast(&mut e);
    let mut phone = Phone::enroll(&e).unwrap();
    let mut e = Enrollment::new(&a.url(), "bob", &a.invite("bob"), PIN);
    fast(&mut e);
    let bob = phone.add_account(&e).unwrap();
    phone.save(&state).unwrap();
    let alice = phone.find("alice", None).unwrap();

    // alice signs in with the phone, then turns phone sign-in off on the account page.
    let session = sign_in(&a, &mut phone, "alice");
    let mut r = agent()
        .post(format!("{}/api/account/phones/remove-all", a.url()))
        .header("Content-Type", "application/json")
        .header("Cookie", &session)
        .send("{}")
        .unwrap();
    let body = r.body_mut().read_to_string().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{body}");

    // The wait loop's next contact delivers the deregistration: the key is deleted through
    // the client and the authenticator, the account forgotten and the file saved.
    let mut waiter = Waiter::start(&phone, options()).unwrap();
    let got = events_for(&mut waiter, &mut phone, Duration::from_secs(10), |got| {
        !got.is_empty()
    });
    match got.as_slice() {
        [WaitEvent::Removed(removal)] => {
            assert_eq!(removal.account, alice);
            assert_eq!(removal.server, ServerRemoval::Removed);
        }
        other => panic!("{other:?}"),
    }
    let listed: Vec<AccountRef> = phone.accounts().into_iter().map(|i| i.account).collect();
    assert_eq!(listed, std::slice::from_ref(&bob));
    assert_eq!(waiter.accounts(), std::slice::from_ref(&bob));
    let mut phone = Phone::load(&state, PIN).unwrap();
    assert_eq!(phone.accounts().len(), 1);
    // Nothing more is said about alice (her transport stopped; no 401 reported).
    let more = events_for(&mut waiter, &mut phone, Duration::from_millis(800), |_| {
        false
    });
    assert!(more.is_empty(), "{more:?}");
    // bob still signs in.
    sign_in(&a, &mut phone, "bob");
}

#[test]
fn pending_keeps_a_deregistration_for_the_phone_to_apply() {
    let a = Site::new("queued-pending");
    let mut e = Enrollment::new(&a.url(), "alice", &a.invite("alice"), PIN);
    fast(&mut e);
    let mut phone = Phone::enroll(&e).unwrap();
    let alice = phone.find("alice", None).unwrap();
    let session = sign_in(&a, &mut phone, "alice");
    let r = agent()
        .post(format!("{}/api/account/phones/remove-all", a.url()))
        .header("Content-Type", "application/json")
        .header("Cookie", &session)
        .send("{}")
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // `pending` (a read) gets the deregistration once and keeps it; the token is dead after.
    assert!(phone.pending().unwrap().is_empty());
    assert!(matches!(
        phone.pending(),
        Err(PhoneError::Refused { status: 401, .. })
    ));
    let applied = phone.apply_queued_deregistrations();
    match applied.as_slice() {
        [Ok(removal)] => assert_eq!(removal.account, alice),
        other => panic!("{other:?}"),
    }
    assert!(phone.accounts().is_empty());
    assert!(phone.apply_queued_deregistrations().is_empty());
}

#[test]
fn the_phone_shows_the_verification_codes_its_servers_set_up() {
    use uaf_server::store::AccountStore as _;
    let a = Site::new("codes");
    let state = a.dir.join("phone.json");
    let mut e = Enrollment::new(&a.url(), "alice", &a.invite("alice"), PIN);
    fast(&mut e);
    let mut phone = Phone::enroll(&e).unwrap();
    let mut e = Enrollment::new(&a.url(), "bob", &a.invite("bob"), PIN);
    fast(&mut e);
    let bob = phone.add_account(&e).unwrap();
    phone.save(&state).unwrap();
    let alice = phone.find("alice", None).unwrap();
    assert!(phone.accounts().iter().all(|i| i.verification_codes));

    // The server's secrets (the enrolment stored them: these calls return them).
    let db = SqliteDatabase::open(a.dir.join("server.db")).unwrap();
    let secret_of = |user: &str| {
        db.code_secret_or_insert(user, &[7; 20], unix_now())
            .unwrap()
    };
    let (alices, bobs) = (secret_of("alice"), secret_of("bob"));
    assert_ne!(alices, vec![7; 20]);
    assert_ne!(alices, bobs);

    // After a restart of the phone, offline (the codes need no network): each account's
    // code is the one the server computes, and the server accepts it.
    drop(a);
    let phone = Phone::load(&state, PIN).unwrap();
    let totp = uaf_totp::Totp::DEFAULT;
    for (account, secret) in [(&alice, &alices), (&bob, &bobs)] {
        for now in [unix_now(), 1_796_681_400, 1_796_681_429] {
            let c = phone.verification_code_at(account, now).unwrap();
            assert_eq!(c.code, totp.generate(secret, now).unwrap().to_string());
            assert_eq!(c.code.len(), 6);
            assert_eq!(totp.verify(secret, &c.code, now).unwrap(), c.step);
            assert_eq!(c.seconds_left, 30 - now % 30);
        }
    }
}
