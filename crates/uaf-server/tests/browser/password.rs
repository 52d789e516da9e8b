//! Passwords on the sign-in page in a real Chromium: password sign-in (one factor), the
//! switch between the app and the password on every screen (the waiting screen and the
//! second step included), the remembered choice after signing out and after a browser
//! restart with the same profile, two-step verification with a verification code, and the
//! second step's wait (the phone's report, the countdown, Cancel that reaches the server).

use super::*;
use uaf_server::store::{AccountRow, system_clock};
use uaf_server::{Backend, PasswordHashing};

const PASSWORD: &str = "correct horse battery";

/// Gives `user` the password [`PASSWORD`] (and two-step verification when `two_step`).
fn set_password(dir: &Path, user: &str, two_step: bool) {
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let accounts = db.stores(300, system_clock()).accounts;
    let hash = PasswordHashing::default().hash(PASSWORD).unwrap();
    if !accounts
        .create_account(&AccountRow::new(
            user.into(),
            Some(hash.clone()),
            unix_now(),
        ))
        .unwrap()
    {
        assert!(accounts.set_password_hash(user, &hash).unwrap());
    }
    assert!(accounts.set_two_step(user, two_step).unwrap());
}

/// The current verification code of `user`'s phones.
fn code_of(dir: &Path, user: &str) -> String {
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let secret = db
        .stores(300, system_clock())
        .accounts
        .account(user)
        .unwrap()
        .unwrap()
        .code_secret
        .unwrap();
    uaf_totp::Totp::DEFAULT
        .generate(&secret, unix_now())
        .unwrap()
        .to_string()
}

/// The phone approves the pending sign-ins whose match code is `code` (every one: two
/// attempts can draw the same two digits; approving the stale one changes nothing on the page).
fn approve_the_one_showing(mut phone: Phone, code: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let showing: Vec<_> = phone
            .pending()
            .unwrap()
            .into_iter()
            .filter(|n| n.match_code == code)
            .collect();
        if !showing.is_empty() {
            for n in &showing {
                phone.approve(n, PIN).unwrap();
            }
            return;
        }
        assert!(Instant::now() < deadline, "no notification shows {code}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Browser<'_> {
    fn visible(&self, css: &str) -> bool {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/displayed"), None) == true
    }

    fn wait_visible(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.visible(css) {
            assert!(
                Instant::now() < deadline,
                "{css} never became visible (status: {:?})",
                self.text("#status")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The id of the way offered first on the user-name screen.
    fn first_method(&self) -> Value {
        self.script("return document.getElementById('methods').firstElementChild.id")
    }

    fn value_of(&self, id: &str) -> Value {
        self.script(&format!("return document.getElementById('{id}').value"))
    }

    fn title(&self) -> Value {
        self.script("return document.title")
    }

    /// Waits for the sign-in page's user-name screen (after a sign-out on the account page,
    /// which goes back to it).
    fn wait_signin_page(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let shown = self.script(
                "const v = document.getElementById('signin-view'); return !!v && !v.hidden",
            );
            if shown == true {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the sign-in page never came back"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Signed in, the browser is on the account page: sign out there.
    fn sign_out_from_the_account_page(&self) {
        self.wait_text("#signed-in", "the account page", |t| {
            t == "Signed in as alice"
        });
        self.click("#signout");
        self.wait_signin_page();
    }
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn a_password_sign_in_is_remembered_after_sign_out_and_a_browser_restart() {
    let dir = temp("pw-remember");
    let (server, _phone) = server_and_phone(&dir);
    set_password(&dir, "alice", false);
    let driver = Driver::start();
    let profile = dir.join("profile");
    let b = Browser::open(&driver, &profile);
    b.go(&format!("{}/", server.base_url()));
    // Nothing remembered: the app is offered first.
    assert_eq!(b.first_method(), "use-app");
    assert!(!b.visible("#remembered"));
    b.type_into("#username", "alice");
    b.click("#use-password");
    b.wait_visible("#password");
    assert_eq!(b.title(), "Enter your password – Sign in");
    assert_eq!(b.text("#password-user"), "alice");
    // A wrong password: told, and the page stays.
    b.type_into("#password", "wrong password");
    b.click("#password-submit");
    b.wait_text("#status", "the refusal", |t| t.contains("not right"));
    assert!(b.visible("#password"));
    b.type_into("#password", PASSWORD);
    b.click("#password-submit");
    // On to the account page, which says it was one factor.
    b.wait_text("#signed-in", "the signed-in user", |t| {
        t == "Signed in as alice"
    });
    assert!(
        b.text("#factors").contains("knowledge"),
        "{}",
        b.text("#factors")
    );
    // The sign-in page says so too.
    b.go(&format!("{}/signin", server.base_url()));
    b.wait_text("#factors", "the factors", |t| t.contains("One factor"));
    assert_eq!(b.title(), "Signed in");
    // The remembered choice is a readable cookie with no secret in it; the session is not.
    let cookies = b.cookies();
    let last = cookies.iter().find(|c| c["name"] == "uaf_last").unwrap();
    assert_eq!(last["value"], "password:alice");
    assert_eq!(last["httpOnly"], false);
    assert!(last["expiry"].as_u64().unwrap() > unix_now() + 300 * 24 * 3600);

    // Signed out: the user name is filled in and the password is offered first.
    b.click("#signout");
    b.wait_text("#status", "signed out", |t| t == "Signed out.");
    assert_eq!(b.value_of("username"), "alice");
    assert_eq!(b.first_method(), "use-password");
    // The same after a reload.
    b.go(&format!("{}/", server.base_url()));
    b.wait_signin_page();
    assert_eq!(b.value_of("username"), "alice");
    assert_eq!(b.first_method(), "use-password");
    assert!(b.text("#remembered").contains("your password"));
    // Enter on the user name leads to the password.
    b.type_into("#username", "\u{E007}");
    b.wait_visible("#password");
    drop(b);

    // A browser restart with the same profile: still remembered.
    let b = Browser::open(&driver, &profile);
    b.go(&format!("{}/", server.base_url()));
    b.wait_visible("#username");
    assert_eq!(b.value_of("username"), "alice");
    assert_eq!(b.first_method(), "use-password");
    // "Not you?" forgets it.
    b.click("#forget");
    assert_eq!(b.value_of("username"), "");
    assert_eq!(b.first_method(), "use-app");
    assert!(b.cookies().iter().all(|c| c["name"] != "uaf_last"));
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn switching_between_the_app_and_the_password_on_every_screen() {
    let dir = temp("pw-switch");
    let (server, phone) = server_and_phone(&dir);
    set_password(&dir, "alice", false);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    b.go(&format!("{}/", server.base_url()));
    b.type_into("#username", "alice");
    // The app first: the waiting screen has the switch to the password…
    b.click("#use-app");
    b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    assert_eq!(b.title(), "Check your phone – Sign in");
    assert!(b.visible("#wait-use-password"));
    assert_eq!(b.text("#wait-use-password"), "Use a password instead");
    b.click("#wait-use-password");
    b.wait_visible("#password");
    // …and leaving the waiting screen withdrew the phone's request…
    let deadline = Instant::now() + Duration::from_secs(10);
    while !phone.pending().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the phone still shows the left request"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // …the password screen the switch back to the app…
    assert_eq!(b.text("#password-use-app"), "Use an app instead");
    b.click("#password-use-app");
    b.wait_visible("#match-code");
    // …and the phone's approval of this new request signs in.
    let shown = b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    approve_the_one_showing(phone, &shown);
    b.wait_text("#signed-in", "the signed-in user", |t| {
        t == "Signed in as alice"
    });
    assert!(
        b.text("#factors")
            .contains("possession and user-verification")
    );
    // Remembered: the app.
    b.sign_out_from_the_account_page();
    assert_eq!(b.value_of("username"), "alice");
    assert_eq!(b.first_method(), "use-app");
    assert!(b.text("#remembered").contains("the app on your phone"));

    // Two-step verification on: the second step has the switch to the app too.
    set_password(&dir, "alice", true);
    b.click("#use-password");
    b.wait_visible("#password");
    b.type_into("#password", PASSWORD);
    b.click("#password-submit");
    b.wait_visible("#code");
    assert_eq!(b.title(), "Verify it's you – Sign in");
    assert!(b.visible("#second-phone"), "the phone is asked too");
    assert_eq!(b.text("#second-use-app"), "Use an app instead");
    b.click("#second-use-app");
    b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    assert!(b.visible("#wait-use-password"));
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn two_step_verification_with_a_code_in_the_browser() {
    let dir = temp("pw-code");
    let (server, _phone) = server_and_phone(&dir);
    set_password(&dir, "alice", true);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    b.go(&format!("{}/", server.base_url()));
    b.type_into("#username", "alice");
    b.click("#use-password");
    b.wait_visible("#password");
    b.type_into("#password", PASSWORD);
    b.click("#password-submit");
    b.wait_visible("#code");
    // A wrong code first.
    let right = code_of(&dir, "alice");
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    b.type_into("#code", &wrong);
    b.click("#code-submit");
    b.wait_text("#status", "the refusal", |t| t.contains("not right"));
    assert!(b.visible("#code"));
    b.type_into("#code", &code_of(&dir, "alice"));
    b.click("#code-submit");
    b.wait_text("#signed-in", "the signed-in user", |t| {
        t == "Signed in as alice"
    });
    assert!(b.text("#factors").contains("knowledge and possession"));
    b.go(&format!("{}/signin", server.base_url()));
    let factors = b.wait_text("#factors", "the factors", |t| !t.is_empty());
    assert!(factors.contains("password and the code"), "{factors}");
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn the_second_step_shows_the_phones_report_counts_down_and_cancels_at_the_server() {
    let dir = temp("pw-step-cancel");
    let (server, mut phone) = server_and_phone(&dir);
    set_password(&dir, "alice", true);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    b.go(&format!("{}/", server.base_url()));
    b.type_into("#username", "alice");
    b.click("#use-password");
    b.wait_visible("#password");
    b.type_into("#password", PASSWORD);
    b.click("#password-submit");
    let shown = b.wait_text("#second-match", "the number", |t| t.len() == 2);
    // The countdown by the server's clock (the attempt lives 300 s).
    let left = b.wait_text("#second-countdown", "a countdown", |t| {
        t.starts_with("This request expires in ")
    });
    assert!(left.contains("4:") || left.contains("5:00"), "{left}");
    // A wrong number typed on the phone: the page says so.
    let deadline = Instant::now() + Duration::from_secs(30);
    let n = loop {
        if let Some(n) = phone.pending().unwrap().into_iter().next() {
            break n;
        }
        assert!(
            Instant::now() < deadline,
            "no notification reached the phone"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(n.match_code, shown);
    let wrong = if shown == "42" { "43" } else { "42" };
    assert!(matches!(
        phone.approve_typed(&n, wrong, PIN),
        Err(uaf_phone::PhoneError::WrongNumber { reported: true })
    ));
    b.wait_text("#second-note", "the wrong number", |t| {
        t == "Wrong number entered on your phone. Type the number shown here."
    });
    // Cancel: back at the start, and the phone's request is withdrawn.
    b.click("#second-cancel");
    b.wait_text("#status", "cancelled", |t| t == "Cancelled.");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !phone.pending().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the cancel never reached the server"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(matches!(
        phone.approve_typed(&n, &shown, PIN),
        Err(uaf_phone::PhoneError::NotWaiting)
    ));
    assert!(b.visible_text("#second-countdown").is_empty());
    drop(b);
    server.shutdown().unwrap();
}
