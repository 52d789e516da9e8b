//! The waiting screen of one sign-in attempt (signin.js): the number shown, what the phone
//! reports (a wrong number, a wrong PIN), the countdown to expiry, Cancel that reaches the
//! server, and a denial ("it's not me").

use super::*;
use uaf_phone::PhoneError;

/// The notification of the one pending sign-in, waited for.
fn next_sign_in(phone: &Phone) -> uaf_phone::Notification {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(n) = phone.pending().unwrap().into_iter().next() {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "no notification reached the phone"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts a phone sign-in for alice on the page; returns the number shown.
fn start(b: &Browser<'_>, server: &ServerHandle) -> String {
    b.go(&format!("{}/", server.base_url()));
    b.type_into("#username", "alice");
    b.click("#use-app");
    b.wait_text("#match-code", "a number", |t| t.len() == 2)
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn the_page_shows_the_number_and_what_the_phone_reports() {
    let dir = temp("attempt-reports");
    let (server, mut phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    let shown = start(&b, &server);
    assert_ne!(shown, "00");
    let n = next_sign_in(&phone);
    assert_eq!(n.match_code, shown, "the phone checks the page's number");
    // The countdown by the server's clock: under the attempt's lifetime (300 s).
    let left = b.wait_text("#wait-countdown", "a countdown", |t| {
        t.starts_with("This request expires in ")
    });
    assert!(left.contains("4:") || left.contains("5:00"), "{left}");

    // A wrong number on the phone: refused there, and the page says so.
    let wrong = if shown == "42" { "43" } else { "42" };
    assert!(matches!(
        phone.approve_typed(&n, wrong, PIN),
        Err(PhoneError::WrongNumber { reported: true })
    ));
    b.wait_text("#wait-note", "the wrong number", |t| {
        t == "Wrong number entered on your phone. Type the number shown here."
    });
    // A wrong PIN: the page asks to try again.
    assert!(matches!(
        phone.approve_typed(&n, &shown, "0000"),
        Err(PhoneError::WrongPin { .. })
    ));
    b.wait_text("#wait-note", "the wrong PIN", |t| {
        t == "Wrong PIN on your phone \u{2014} try again."
    });
    // The right number and PIN sign in.
    phone.approve_typed(&n, &shown, PIN).unwrap();
    b.wait_text("#signed-in", "the signed-in user", |t| {
        t == "Signed in as alice"
    });
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn cancel_on_the_page_reaches_the_phone() {
    let dir = temp("attempt-cancel");
    let (server, mut phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    start(&b, &server);
    let n = next_sign_in(&phone);
    b.click("#cancel");
    b.wait_text("#status", "cancelled", |t| t == "Cancelled.");
    // The attempt left the phone's list, and the phone signs nothing.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !phone.pending().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the cancel never reached the server"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(matches!(
        phone.approve(&n, PIN),
        Err(PhoneError::NotWaiting)
    ));
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn a_denial_on_the_phone_is_shown_and_pauses_phone_sign_in() {
    let dir = temp("attempt-deny");
    let (server, phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    start(&b, &server);
    let n = next_sign_in(&phone);
    phone.deny(&n).unwrap();
    b.wait_text("#status", "the denial", |t| {
        t.starts_with("The sign-in was denied on your phone")
    });
    // A new phone sign-in from this browser (never signed in): paused.
    b.type_into("#username", "");
    b.click("#use-app");
    b.wait_text("#status", "the pause", |t| {
        t.starts_with("phone sign-in for this account is paused")
    });
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn past_expiry_with_the_server_gone_the_page_says_so() {
    let dir = temp("attempt-unreachable");
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = dir.join("server.db");
    c.metadata = Some(dir.join("metadata"));
    c.challenge_ttl_secs = 3;
    let server = Server::spawn(c).unwrap();
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let code = create_invite(&db, "alice", unix_now()).unwrap().code;
    let _phone = Phone::enroll(&Enrollment::new(&server.base_url(), "alice", &code, PIN)).unwrap();
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    start(&b, &server);
    b.wait_text("#wait-countdown", "a countdown", |t| {
        t.starts_with("This request expires in 0:0")
    });
    // The server goes away while the page waits: the page keeps trying until the expiry,
    // then says what happened instead of waiting forever.
    server.shutdown().unwrap();
    b.wait_text("#status", "the error", |t| {
        t == "The sign-in request expired and the server cannot be reached. Try again."
    });
    assert!(
        b.visible_text("#wait-countdown").is_empty(),
        "back at the start"
    );
}
