//! The waiting screen's push (signin.js): the page listens to its attempt's stream
//! (`EventSource` on `api/signin/{id}/events`) and is signed in without polling the status
//! endpoint; without `EventSource` it polls, and is signed in all the same.

use super::*;

/// Counts, in the page, the `EventSource`s made and the status polls
/// (`GET api/signin/{id}`); `remove` takes `EventSource` away instead (an old browser). The
/// counts are kept in `sessionStorage`: they outlive the move to the account page after the
/// sign-in.
fn instrument(b: &Browser<'_>, remove: bool) {
    let js = format!(
        "sessionStorage.setItem('streams', '0'); sessionStorage.setItem('polls', '0');
         const bump = (k) => sessionStorage.setItem(k, String(Number(sessionStorage.getItem(k)) + 1));
         const f = window.fetch;
         window.fetch = function (u, i) {{
           const get = !i || !i.method || i.method === 'GET';
           if (get && /api\\/signin\\/[^/]+$/.test(String(u))) bump('polls');
           return f.call(this, u, i);
         }};
         if ({remove}) {{ window.EventSource = undefined; }} else {{
           const E = window.EventSource;
           window.EventSource = class extends E {{
             constructor(u, c) {{
               super(u, c); bump('streams');
             }}
           }};
         }}
         return true;"
    );
    assert_eq!(b.script(&js), true);
}

fn sign_in(remove_event_source: bool, name: &str) -> (Value, Value) {
    let dir = temp(name);
    let (server, phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    b.go(&format!("{}/", server.base_url()));
    // The form is shown once the page knows nobody is signed in.
    b.wait_text("#use-app", "the button", |t| t == "Use an app instead");
    instrument(&b, remove_event_source);
    b.type_into("#username", "alice");
    let answered = phone_answers(phone, true);
    b.click("#use-app");
    let shown = b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    b.wait_text("#signed-in", "the signed-in user", |t| {
        t == "Signed in as alice"
    });
    assert_eq!(answered.join().unwrap(), shown);
    let counts = (
        b.script("return Number(sessionStorage.getItem('streams'))"),
        b.script("return Number(sessionStorage.getItem('polls'))"),
    );
    drop(b);
    server.shutdown().unwrap();
    counts
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn the_waiting_page_is_pushed_its_state_without_polling() {
    let (streams, polls) = sign_in(false, "push-stream");
    assert_eq!(streams, 1, "one stream for the attempt");
    assert_eq!(polls, 0, "no status poll");
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn without_event_source_the_waiting_page_polls() {
    let (streams, polls) = sign_in(true, "push-polling");
    assert_eq!(streams, 0);
    assert!(polls.as_u64().unwrap() >= 1, "{polls}");
}
