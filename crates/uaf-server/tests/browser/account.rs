//! The account page in a real Chromium: after a phone sign-in the page shows who signed in,
//! how (two factors) and the recent activity (declined and failed attempts too, with the
//! browser read from its User-Agent); "Add a phone" shows a code with its QR code (an SVG in
//! the page) whose link text enrols a phone; removing a phone and turning phone sign-in off
//! take effect at once (the removed phone's token stops working after it was told).

use super::*;
use uaf_phone::PhoneError;
use uaf_server::store::{ActivityOutcome, ActivityRow, ActivityStore as _, SignInMethod};
use uaf_signin_api::EnrollLink;

/// In a thread: waits for `phone`'s first notification and approves it; gives the phone back.
fn approving(mut phone: Phone) -> std::thread::JoinHandle<Phone> {
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(n) = phone.pending().unwrap().into_iter().next() {
                phone.approve(&n, PIN).unwrap();
                return phone;
            }
            assert!(
                Instant::now() < deadline,
                "no notification reached the phone"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    })
}

/// Signs alice in on the page with `phone`; the browser is then on the account page.
fn sign_in_to_account(b: &Browser<'_>, server: &ServerHandle, phone: Phone) -> Phone {
    b.go(&format!("{}/", server.base_url()));
    b.type_into("#username", "alice");
    let answered = approving(phone);
    b.click("#use-app");
    let phone = answered.join().unwrap();
    b.wait_text("#signed-in", "the account page", |t| {
        t == "Signed in as alice"
    });
    assert_eq!(b.script("return document.title"), "Your account: alice");
    let path = b.script("return location.pathname");
    assert_eq!(
        path, "/account",
        "the sign-in page sent the person to the account page"
    );
    phone
}

/// The number of phones the page lists.
fn phones_listed(b: &Browser<'_>) -> u64 {
    b.script("return document.querySelectorAll('#phones li.phone').length")
        .as_u64()
        .unwrap()
}

fn wait_phones(b: &Browser<'_>, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while phones_listed(b) != n {
        assert!(
            Instant::now() < deadline,
            "the page never listed {n} phones (status: {:?})",
            b.text("#status")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether `phone`'s token is refused within two contacts (the first may deliver its
/// deregistration request).
fn token_refused(phone: &Phone) -> bool {
    (0..2).any(|_| {
        matches!(
            phone.pending(),
            Err(PhoneError::Refused { status: 401, .. })
        )
    })
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn the_account_page_shows_how_you_signed_in_and_the_recent_activity() {
    let dir = temp("account-activity");
    let (server, phone) = server_and_phone(&dir);
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let now = unix_now();
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let declined = ActivityRow::new(
        "alice".into(),
        now - 60,
        SignInMethod::Phone,
        ActivityOutcome::Declined,
        firefox,
        "192.0.2.4".into(),
    );
    db.record_activity(&declined).unwrap();
    let wrong = ActivityRow::new(
        "alice".into(),
        now - 30,
        SignInMethod::Password,
        ActivityOutcome::WrongPassword,
        "curl/8.5.0",
        "198.51.100.7".into(),
    );
    db.record_activity(&wrong).unwrap();

    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    let _phone = sign_in_to_account(&b, &server, phone);
    assert!(
        b.text("#method").contains("two factors"),
        "{}",
        b.text("#method")
    );
    assert!(
        b.text("#factors")
            .contains("possession and user-verification")
    );
    let activity = b.wait_text("#activity", "the recent activity", |t| {
        t.contains("Declined on the phone")
    });
    assert!(activity.contains("Firefox 128 on Linux"), "{activity}");
    assert!(activity.contains("192.0.2.4"), "{activity}");
    assert!(activity.contains("Wrong password"), "{activity}");
    assert!(activity.contains("curl 8"), "{activity}");
    // The newest first.
    let first = b.script("return document.querySelector('#activity li').dataset.outcome");
    assert!(first == "wrong-password" || first == "signed-in", "{first}");
    assert!(b.text("#sessions").contains("this browser only"));
    // Every width from 320 px, both colour schemes (screenshots in target/screenshots/).
    super::layout::audit_everywhere(&b, "account-activity", "Your account: alice");

    // Signed out, the page sends the person to the sign-in page.
    b.click("#signout");
    b.wait_text("#use-app", "the sign-in page", |t| !t.is_empty());
    b.go(&format!("{}/account", server.base_url()));
    b.wait_text("#use-app", "the sign-in page", |t| !t.is_empty());
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn a_phone_added_with_the_pages_code_enrols_and_can_be_removed() {
    let dir = temp("account-add");
    let (server, phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    let _first = sign_in_to_account(&b, &server, phone);
    wait_phones(&b, 1);

    b.click("#add-phone");
    let code = b.wait_text("#enrol-code", "an enrolment code", |t| t.len() == 10);
    // The QR code is an SVG in the page, drawn by the server.
    let svg = b.script(
        "const s = document.querySelector('#qr svg'); \
         return s && s.namespaceURI === 'http://www.w3.org/2000/svg' \
           && s.querySelector('path') !== null && s.getBoundingClientRect().width > 100",
    );
    assert_eq!(svg, true, "the QR code's SVG is shown");
    super::layout::audit_everywhere(&b, "account-add-phone", "Your account: alice");
    let link = b.script("return document.getElementById('enrol-link').textContent");
    let link = EnrollLink::parse(link.as_str().unwrap()).unwrap();
    assert_eq!(link.code, code);
    assert_eq!(link.username, "alice");
    assert_eq!(link.server, format!("{}/", server.base_url()));
    // The link enrols a phone.
    let second = Phone::enroll(&Enrollment::new(
        &link.server,
        &link.username,
        &link.code,
        PIN,
    ))
    .unwrap();
    b.click("#enrol-done");
    wait_phones(&b, 2);
    assert_eq!(
        b.script("return document.querySelector('#qr svg')"),
        Value::Null
    );

    // Remove the new one (the second in the list): it is gone at once, its token too.
    b.click("#phones li.phone:nth-child(2) .remove");
    b.click("#phones li.phone:nth-child(2) .remove-yes");
    wait_phones(&b, 1);
    b.wait_text("#status", "the removal", |t| t == "Phone removed.");
    assert!(
        token_refused(&second),
        "the removed phone's token still works"
    );
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn turning_phone_sign_in_off_removes_every_phone() {
    let dir = temp("account-off");
    let (server, phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    let phone = sign_in_to_account(&b, &server, phone);
    wait_phones(&b, 1);
    assert!(
        b.text("#no-phones").is_empty(),
        "the 'off' notice is hidden"
    );
    b.click("#phones-off");
    b.click("#phones-off-yes");
    wait_phones(&b, 0);
    b.wait_text("#no-phones", "phone sign-in off", |t| {
        t.contains("Phone sign-in is off")
    });
    b.wait_text("#status", "the outcome", |t| {
        t.contains("1 phone(s) removed")
    });
    assert!(token_refused(&phone), "the phone's token still works");
    // The session stays: the page still shows the account.
    b.go(&format!("{}/account", server.base_url()));
    b.wait_text("#signed-in", "the account page", |t| {
        t == "Signed in as alice"
    });
    drop(b);
    server.shutdown().unwrap();
}
