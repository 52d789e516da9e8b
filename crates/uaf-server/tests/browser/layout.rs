//! The look of every screen, measured in Chromium: at 320, 390 and 1280 px wide and in the
//! light and the dark colour scheme (emulated through chromedriver's CDP endpoint,
//! `Emulation.setDeviceMetricsOverride` and `Emulation.setEmulatedMedia`):
//!
//! - nothing is wider than the viewport (`scrollWidth <= innerWidth`, and the card and every
//!   visible element lie inside it), and nothing inside the card sticks out of its content box;
//! - every visible text (element text, button labels, input values and placeholders) has a
//!   contrast of at least 4.5:1 (WCAG 2.x AA) against its effective background: the computed
//!   text colour, faded by any `opacity` on the way up, over the first opaque
//!   `background-color` found walking up the tree (translucent ones composited on the way),
//!   computed here with the WCAG relative-luminance formula;
//! - every visible control is labelled (inputs by a `<label>` or `aria-label(ledby)`, buttons
//!   by their text), a live region announces status changes, the page title names the state;
//! - the focused field shows a focus ring of at least 3:1 against the card.
//!
//! A screenshot of each screen (the whole page), width and scheme goes to
//! `<target dir>/screenshots/`
//! (`target/screenshots/` by default; it follows `CARGO_TARGET_DIR`), for people to look at.
//!
//! `audit_everywhere` is the one entry point: other modules call it on their own screens.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use uaf_server::Backend as _;

use super::*;

/// The widths checked (px) with a height typical for each: a small phone, a common phone,
/// a laptop.
const SIZES: [(u32, u32); 3] = [(320, 640), (390, 844), (1280, 800)];
/// The colour schemes checked.
const SCHEMES: [&str; 2] = ["light", "dark"];
/// WCAG 2.x AA for normal text (1.4.3). Large text could go down to 3:1; we do not use that.
const MIN_TEXT_CONTRAST: f64 = 4.5;
/// WCAG 2.x AA for user-interface components and focus indicators (1.4.11).
const MIN_UI_CONTRAST: f64 = 3.0;

/// An sRGB colour with alpha, channels 0..=255, alpha 0..=1.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rgba {
    r: f64,
    g: f64,
    b: f64,
    a: f64,
}

impl Rgba {
    const WHITE: Rgba = Rgba {
        r: 255.0,
        g: 255.0,
        b: 255.0,
        a: 1.0,
    };

    /// A computed CSS colour as `getComputedStyle` gives it: `rgb(r, g, b)`,
    /// `rgba(r, g, b, a)`, the space-separated `rgb(r g b / a)`, or `transparent`.
    /// Anything else (`color(…)`, `oklch(…)`) is `None`: the test then stops and says so,
    /// rather than guess.
    fn parse(css: &str) -> Option<Rgba> {
        let css = css.trim();
        if css == "transparent" {
            return Some(Rgba {
                r: 0.0,
                g: 0.0,
                b: 0.0,
                a: 0.0,
            });
        }
        let inner = css
            .strip_prefix("rgba(")
            .or_else(|| css.strip_prefix("rgb("))?
            .strip_suffix(')')?;
        let parts: Vec<&str> = inner
            .split([',', ' ', '/'])
            .filter(|p| !p.is_empty())
            .collect();
        let channel = |p: &str| -> Option<f64> {
            let v: f64 = p.parse().ok()?;
            (0.0..=255.0).contains(&v).then_some(v)
        };
        let alpha = |p: &str| -> Option<f64> {
            let v: f64 = match p.strip_suffix('%') {
                Some(pct) => pct.parse::<f64>().ok()? / 100.0,
                None => p.parse().ok()?,
            };
            (0.0..=1.0).contains(&v).then_some(v)
        };
        match parts.as_slice() {
            [r, g, b] => Some(Rgba {
                r: channel(r)?,
                g: channel(g)?,
                b: channel(b)?,
                a: 1.0,
            }),
            [r, g, b, a] => Some(Rgba {
                r: channel(r)?,
                g: channel(g)?,
                b: channel(b)?,
                a: alpha(a)?,
            }),
            _ => None,
        }
    }

    /// `self` composited over an opaque `below` (source-over).
    fn over(self, below: Rgba) -> Rgba {
        let mix = |top: f64, bottom: f64| top * self.a + bottom * (1.0 - self.a);
        Rgba {
            r: mix(self.r, below.r),
            g: mix(self.g, below.g),
            b: mix(self.b, below.b),
            a: 1.0,
        }
    }

    /// WCAG 2.x relative luminance.
    fn luminance(self) -> f64 {
        let lin = |c: f64| {
            let c = c / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b)
    }
}

/// WCAG 2.x contrast ratio of two opaque colours, 1..=21.
fn contrast(a: Rgba, b: Rgba) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

fn color(css: &str, what: &str) -> Rgba {
    Rgba::parse(css)
        .unwrap_or_else(|| panic!("{what}: colour {css:?} is not in a form this test reads"))
}

/// The effective background of a text: the chain of computed `background-color`s from the
/// element up to `<html>`, composited from the first opaque one down; the canvas of the
/// scheme when none is opaque.
fn effective_background(chain: &[Value], canvas: Rgba, what: &str) -> Rgba {
    let layers: Vec<Rgba> = chain
        .iter()
        .map(|c| color(c.as_str().unwrap_or_default(), what))
        .collect();
    let opaque = layers.iter().position(|c| c.a >= 1.0);
    let (base, above) = match opaque {
        Some(i) => (layers[i], &layers[..i]),
        None => (canvas, &layers[..]),
    };
    above.iter().rev().fold(base, |below, top| top.over(below))
}

/// Collects, in the page, what the checks need: sizes, the title, the focused element, the
/// controls and their names, and every visible text with its colour, opacity and background
/// chain.
/// `arguments[0]` is the emulated device width: a page wider than that makes a phone's browser
/// zoom out (its `innerWidth` grows past the device width), so sizes are compared with it.
const AUDIT_JS: &str = r##"
const vw = arguments[0];
const visible = (el) => {
  if (!el.checkVisibility({ visibilityProperty: true })) return false;
  const r = el.getBoundingClientRect();
  return r.width > 1 && r.height > 1; // 1px visually-hidden text is for screen readers only
};
const describe = (el) => {
  let d = el.tagName.toLowerCase();
  if (el.id) d += "#" + el.id;
  else if (el.className && typeof el.className === "string") d += "." + el.className.trim().split(/\s+/).join(".");
  return d;
};
const chain = (el) => {
  const bgs = [], images = [];
  let opacity = 1;
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    bgs.push(s.backgroundColor);
    if (s.backgroundImage !== "none") images.push(describe(e));
    opacity *= Number(s.opacity);
  }
  return { bgs, images, opacity };
};
const texts = [], overflow = [], unlabelled = [];
const card = document.querySelector(".card");
const cr = card ? card.getBoundingClientRect() : null;
// The card's content box: what is inside the card stays out of its padding.
const cs = card ? getComputedStyle(card) : null;
const inner = card ? { left: cr.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft),
                       right: cr.right - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingRight) } : null;
for (const el of document.body.querySelectorAll("*")) {
  if (!visible(el)) continue;
  const r = el.getBoundingClientRect();
  const span = " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]";
  if (r.left < -0.5 || r.right > vw + 0.5) overflow.push(describe(el) + span + " sticks out of the viewport");
  else if (inner && card.contains(el) && el !== card && (r.left < inner.left - 0.5 || r.right > inner.right + 0.5))
    overflow.push(describe(el) + span + " sticks out of the card's content box [" + Math.round(inner.left) + ", " + Math.round(inner.right) + "]");
  const tag = el.tagName;
  const s = getComputedStyle(el);
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
    const hidden = el.type === "hidden";
    const named = el.labels && el.labels.length > 0 || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!hidden && !named) unlabelled.push(describe(el));
    if (el.value) texts.push({ what: describe(el) + " value", text: el.value, color: s.color, ...chain(el) });
    else if (el.placeholder) texts.push({ what: describe(el) + " placeholder", text: el.placeholder, color: getComputedStyle(el, "::placeholder").color, ...chain(el) });
    continue;
  }
  if (tag === "BUTTON" || el.getAttribute("role") === "button" || tag === "A") {
    const name = (el.getAttribute("aria-label") || el.textContent || "").trim();
    if (!name) unlabelled.push(describe(el));
  }
  let own = "";
  for (const n of el.childNodes) if (n.nodeType === Node.TEXT_NODE) own += n.textContent;
  own = own.trim();
  if (own) texts.push({ what: describe(el), text: own.slice(0, 60), color: s.color, ...chain(el) });
}
const active = document.activeElement;
let focus = null;
if (active && active !== document.body && visible(active)) {
  const s = getComputedStyle(active);
  focus = { what: describe(active), visible: active.matches(":focus-visible"), style: s.outlineStyle,
            width: parseFloat(s.outlineWidth), color: s.outlineColor, ...chain(active.parentElement || active) };
}
return {
  innerWidth: window.innerWidth,
  screenWidth: screen.width,
  scrollWidth: document.documentElement.scrollWidth,
  bodyScrollWidth: document.body.scrollWidth,
  dark: matchMedia("(prefers-color-scheme: dark)").matches,
  title: document.title,
  card: cr && { left: cr.left, right: cr.right },
  live: document.querySelectorAll("[aria-live], [role=status], [role=alert]").length,
  texts, overflow, unlabelled, focus,
};
"##;

impl Browser<'_> {
    /// A Chrome DevTools Protocol command through chromedriver.
    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({ "cmd": cmd, "params": params })),
        )
    }

    /// Emulates a viewport `width`×`height` (a mobile one below 800 px: the viewport meta
    /// tag applies, as on a phone) and a colour scheme.
    fn emulate(&self, width: u32, height: u32, scheme: &str) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1,
                    "mobile": width < 800, "screenWidth": width, "screenHeight": height }),
        );
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        );
    }

    /// A PNG of the whole page (not only the viewport: a long page is photographed to its
    /// end), at the emulated width.
    fn screenshot(&self, path: &Path, width: u32) {
        let height = self
            .script("return Math.ceil(document.documentElement.scrollHeight)")
            .as_u64()
            .unwrap();
        let shot = self.cdp(
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 } }),
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("base64 PNG"))
            .expect("screenshot is base64");
        assert!(bytes.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        std::fs::write(path, bytes).unwrap();
    }
}

/// Where screenshots go: `screenshots/` in the target directory (`CARGO_TARGET_TMPDIR` is
/// `<target dir>/tmp`, so this follows `CARGO_TARGET_DIR`).
fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Checks the current screen (`state`, expected `title`) at every width and in both schemes,
/// saving a screenshot of each as `<state>-<width>-<scheme>.png`. Panics with every problem
/// found on the screen.
pub(crate) fn audit_everywhere(b: &Browser<'_>, state: &str, title: &str) {
    let dir = screenshot_dir();
    let mut problems = Vec::new();
    for (width, height) in SIZES {
        for scheme in SCHEMES {
            b.emulate(width, height, scheme);
            let at = format!("{state} at {width}px, {scheme}");
            problems.extend(audit(b, &at, width, scheme, title));
            b.screenshot(&dir.join(format!("{state}-{width}-{scheme}.png")), width);
        }
    }
    // Back to the browser's own size and scheme for whatever the test does next.
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}));
    b.cdp("Emulation.setEmulatedMedia", json!({ "features": [] }));
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// One screen at one size and scheme: the problems found, in words.
fn audit(b: &Browser<'_>, at: &str, width: u32, scheme: &str, title: &str) -> Vec<String> {
    let v = b.cmd(
        "POST",
        "/execute/sync",
        Some(&json!({ "script": AUDIT_JS, "args": [width] })),
    );
    let mut problems = Vec::new();
    // The emulation took effect (else every check below would measure the wrong thing).
    assert_eq!(
        v["screenWidth"], width,
        "{at}: the device width is not emulated: {v}"
    );
    assert_eq!(
        v["dark"],
        scheme == "dark",
        "{at}: the colour scheme is not emulated"
    );
    let inner = f64::from(width);
    for key in ["innerWidth", "scrollWidth", "bodyScrollWidth"] {
        let w = v[key].as_f64().unwrap();
        if w > inner {
            problems.push(format!(
                "{at}: {key} {w} > the device's {inner} px (horizontal overflow: a phone zooms out or scrolls sideways)"
            ));
        }
    }
    match v["card"].as_object() {
        Some(card) => {
            let (l, r) = (
                card["left"].as_f64().unwrap(),
                card["right"].as_f64().unwrap(),
            );
            if l < 0.0 || r > inner {
                problems.push(format!(
                    "{at}: the card spans {l}..{r}, outside the viewport 0..{inner}"
                ));
            }
        }
        None => problems.push(format!("{at}: no .card on the page")),
    }
    for o in v["overflow"].as_array().unwrap() {
        problems.push(format!("{at}: {}", o.as_str().unwrap()));
    }
    for u in v["unlabelled"].as_array().unwrap() {
        problems.push(format!(
            "{at}: {} has no label or name",
            u.as_str().unwrap()
        ));
    }
    if v["live"].as_u64().unwrap() == 0 {
        problems.push(format!(
            "{at}: no live region (aria-live / role=status) for status changes"
        ));
    }
    if v["title"] != title {
        problems.push(format!(
            "{at}: the title is {} (expected {title:?})",
            v["title"]
        ));
    }
    // Chromium's canvas when nothing is opaque: white, or its dark canvas in the dark scheme.
    let canvas = if scheme == "dark" {
        Rgba {
            r: 18.0,
            g: 18.0,
            b: 18.0,
            a: 1.0,
        }
    } else {
        Rgba::WHITE
    };
    let texts = v["texts"].as_array().unwrap();
    assert!(!texts.is_empty(), "{at}: no visible text found: {v}");
    for t in texts {
        let what = format!("{at}: {} {:?}", t["what"].as_str().unwrap(), t["text"]);
        if let Some(imgs) = t["images"].as_array().filter(|i| !i.is_empty()) {
            problems.push(format!(
                "{what}: a background image ({imgs:?}) this test cannot measure under the text"
            ));
            continue;
        }
        let bg = effective_background(t["bgs"].as_array().unwrap(), canvas, &what);
        let mut fg = color(t["color"].as_str().unwrap(), &what);
        fg.a *= t["opacity"].as_f64().unwrap();
        let ratio = contrast(fg.over(bg), bg);
        if ratio < MIN_TEXT_CONTRAST {
            problems.push(format!(
                "{what}: contrast {ratio:.2}:1 < {MIN_TEXT_CONTRAST}:1 (text {} on {bg:?})",
                t["color"]
            ));
        }
    }
    if let Some(f) = v["focus"].as_object().filter(|f| f["visible"] == true) {
        let what = format!("{at}: focus ring of {}", f["what"].as_str().unwrap());
        let bgs: Vec<Value> = f["bgs"].as_array().unwrap().clone();
        let bg = effective_background(&bgs, canvas, &what);
        let ring = color(f["color"].as_str().unwrap(), &what).over(bg);
        let ratio = contrast(ring, bg);
        if f["style"] == "none" || f["width"].as_f64().unwrap() < 2.0 {
            problems.push(format!("{what}: no visible outline ({f:?})"));
        } else if ratio < MIN_UI_CONTRAST {
            problems.push(format!(
                "{what}: contrast {ratio:.2}:1 < {MIN_UI_CONTRAST}:1"
            ));
        }
    }
    problems
}

/// Gives `user` a password ("correct horse battery") and two-step verification when
/// `two_step`, straight in the database.
fn set_password(dir: &Path, user: &str, two_step: bool) {
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let accounts = db.stores(300, uaf_server::store::system_clock()).accounts;
    let hash = uaf_server::PasswordHashing::default()
        .hash("correct horse battery")
        .unwrap();
    let row = uaf_server::store::AccountRow::new(user.into(), Some(hash.clone()), unix_now());
    if !accounts.create_account(&row).unwrap() {
        assert!(accounts.set_password_hash(user, &hash).unwrap());
    }
    assert!(accounts.set_two_step(user, two_step).unwrap());
}

/// The element that has the keyboard focus, as `tag#id`.
fn focused(b: &Browser<'_>) -> Value {
    b.script(
        "const a = document.activeElement; return a ? a.tagName.toLowerCase() + '#' + a.id : null",
    )
}

/// Waits until the page's title is `title`.
fn wait_title(b: &Browser<'_>, title: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let t = b.script("return document.title");
        if t == title {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the title stayed {t} (expected {title:?})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// In a thread: waits for the phone's notification showing `code` (the number on the page),
/// approves or declines it, and hands the phone back.
fn phone_turn(mut phone: Phone, code: String, approve: bool) -> std::thread::JoinHandle<Phone> {
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let pending = phone.pending().unwrap();
            if let Some(n) = pending.into_iter().find(|n| n.match_code == code) {
                if approve {
                    phone.approve(&n, PIN).unwrap();
                } else {
                    phone.decline(&n).unwrap();
                }
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

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn every_screen_fits_from_320_px_and_reads_in_both_colour_schemes() {
    let dir = temp("layout");
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
    // A clock the test can move forward, to let a sign-in request time out.
    let skew = Arc::new(AtomicU64::new(0));
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = dir.join("server.db");
    c.metadata = Some(dir.join("metadata"));
    let ttl = c.challenge_ttl_secs;
    let clock_skew = Arc::clone(&skew);
    c.clock = Arc::new(move || unix_now() + clock_skew.load(Ordering::SeqCst));
    let server = Server::spawn(c).unwrap();
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let code = create_invite(&db, "alice", unix_now()).unwrap().code;
    let phone = Phone::enroll(&Enrollment::new(&server.base_url(), "alice", &code, PIN)).unwrap();

    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    b.go(&format!("{}/", server.base_url()));
    wait_title(&b, "Sign in");

    // The sign-in form: the user name field has the focus.
    assert_eq!(focused(&b), "input#username");
    audit_everywhere(&b, "signin", "Sign in");

    // The form with an error: no user name typed.
    b.click("#use-app");
    b.wait_text("#status", "the missing name", |t| {
        t == "Enter your user name."
    });
    audit_everywhere(&b, "signin-no-name", "Sign in");

    // The waiting screen.
    b.type_into("#username", "alice");
    b.click("#use-app");
    b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    wait_title(&b, "Check your phone – Sign in");
    audit_everywhere(&b, "waiting", "Check your phone – Sign in");

    // Nobody answers: the request times out.
    skew.store(ttl + 5, Ordering::SeqCst);
    b.wait_text("#status", "the time-out", |t| t.contains("expired"));
    wait_title(&b, "Sign in");
    assert_eq!(focused(&b), "input#username");
    audit_everywhere(&b, "timed-out", "Sign in");

    // Declined on the phone.
    b.click("#use-app");
    let code = b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    let turn = phone_turn(phone, code, false);
    b.wait_text("#status", "the refusal", |t| t.contains("declined"));
    let phone = turn.join().unwrap();
    audit_everywhere(&b, "declined", "Sign in");

    // The password screens: the password, a wrong one, the second step (two-step
    // verification is on), and choosing a password with an invite.
    set_password(&dir, "alice", true);
    b.click("#use-password");
    b.wait_text("#password-heading", "the password screen", |t| {
        !t.is_empty()
    });
    wait_title(&b, "Enter your password – Sign in");
    assert_eq!(focused(&b), "input#password");
    audit_everywhere(&b, "password", "Enter your password – Sign in");
    b.type_into("#password", "not the password");
    b.click("#password-submit");
    b.wait_text("#status", "the refusal", |t| {
        !t.is_empty() && !t.starts_with("Checking")
    });
    audit_everywhere(&b, "password-wrong", "Enter your password – Sign in");
    b.type_into("#password", "correct horse battery");
    b.click("#password-submit");
    b.wait_text("#second-heading", "the second step", |t| !t.is_empty());
    wait_title(&b, "Verify it's you – Sign in");
    audit_everywhere(&b, "second-step", "Verify it's you – Sign in");
    b.click("#second-cancel");
    wait_title(&b, "Sign in");
    b.click("#have-invite");
    b.wait_text("#create-heading", "the invite screen", |t| !t.is_empty());
    wait_title(&b, "Choose your password – Sign in");
    audit_everywhere(&b, "create-password", "Choose your password – Sign in");
    b.click("#create-back");
    wait_title(&b, "Sign in");

    // Approved: signed in, and sent on to the account page: the overview with alice's
    // phone, adding a phone (the enrolment code and its QR code), and the question before
    // phone sign-in is turned off.
    b.click("#use-app");
    let code = b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    let turn = phone_turn(phone, code, true);
    let account_title = "Your account: alice";
    wait_title(&b, account_title);
    turn.join().unwrap();
    b.wait_text("#phones", "the phone", |t| !t.is_empty());
    audit_everywhere(&b, "account", account_title);
    b.click("#add-phone");
    b.wait_text("#enrol-code", "an enrolment code", |t| !t.is_empty());
    audit_everywhere(&b, "account-add-phone", account_title);
    b.click("#enrol-done");
    b.click("#phones-off");
    b.wait_text("#phones-off-confirm", "the question", |t| !t.is_empty());
    audit_everywhere(&b, "account-phones-off", account_title);
    b.click("#phones-off-no");

    // The sign-in page of a signed-in person.
    b.go(&format!("{}/", server.base_url()));
    wait_title(&b, "Signed in");
    audit_everywhere(&b, "signed-in", "Signed in");

    // Signed out.
    b.click("#signout");
    b.wait_text("#status", "signed out", |t| t == "Signed out.");
    assert_eq!(focused(&b), "input#username");
    audit_everywhere(&b, "signed-out", "Sign in");

    drop(b);
    server.shutdown().unwrap();
}

// The colour arithmetic the checks above rely on, with known answers.

#[test]
fn contrast_of_black_on_white_is_21_and_of_a_colour_with_itself_1() {
    let black = Rgba::parse("rgb(0, 0, 0)").unwrap();
    assert!((contrast(black, Rgba::WHITE) - 21.0).abs() < 1e-9);
    assert!((contrast(Rgba::WHITE, black) - 21.0).abs() < 1e-9);
    assert!((contrast(black, black) - 1.0).abs() < 1e-9);
}

#[test]
fn the_aa_threshold_falls_between_767676_and_777777_on_white() {
    // The well-known limit: #767676 is the lightest grey that passes on white.
    let pass = contrast(Rgba::parse("rgb(118, 118, 118)").unwrap(), Rgba::WHITE);
    let fail = contrast(Rgba::parse("rgb(119, 119, 119)").unwrap(), Rgba::WHITE);
    assert!(pass >= MIN_TEXT_CONTRAST, "{pass}");
    assert!(fail < MIN_TEXT_CONTRAST, "{fail}");
    assert!((pass - 4.54).abs() < 0.01, "{pass}");
}

#[test]
fn computed_colour_forms_parse_and_others_are_refused() {
    assert_eq!(
        Rgba::parse("rgba(10, 20, 30, 0.5)"),
        Some(Rgba {
            r: 10.0,
            g: 20.0,
            b: 30.0,
            a: 0.5
        })
    );
    assert_eq!(
        Rgba::parse("rgb(10 20 30 / 25%)"),
        Some(Rgba {
            r: 10.0,
            g: 20.0,
            b: 30.0,
            a: 0.25
        })
    );
    assert_eq!(Rgba::parse("transparent").map(|c| c.a), Some(0.0));
    assert_eq!(Rgba::parse("oklch(0.7 0.1 200)"), None);
    assert_eq!(Rgba::parse("color(srgb 1 0 0)"), None);
    assert_eq!(Rgba::parse("rgb(256, 0, 0)"), None);
    assert_eq!(Rgba::parse("rgba(0, 0, 0, 2)"), None);
    assert_eq!(Rgba::parse("rgb(1, 2)"), None);
}

#[test]
fn translucent_backgrounds_are_composited_down_to_the_first_opaque_one() {
    // Half-transparent black over white is mid grey; the layers above it count, those
    // below the first opaque one do not.
    let chain = [
        json!("rgba(0, 0, 0, 0)"),
        json!("rgba(0, 0, 0, 0.5)"),
        json!("rgb(255, 255, 255)"),
        json!("rgb(255, 0, 0)"),
    ];
    let bg = effective_background(&chain, Rgba::WHITE, "test");
    assert!(
        (bg.r - 127.5).abs() < 1e-9 && (bg.g - 127.5).abs() < 1e-9,
        "{bg:?}"
    );
    // Nothing opaque: the canvas shows through.
    let bg = effective_background(&[json!("transparent")], Rgba::WHITE, "test");
    assert_eq!(bg, Rgba::WHITE);
    // Faded text loses contrast: black at 40 % over white is under 4.5:1.
    let mut faded = Rgba::parse("rgb(0, 0, 0)").unwrap();
    faded.a = 0.4;
    assert!(contrast(faded.over(Rgba::WHITE), Rgba::WHITE) < MIN_TEXT_CONTRAST);
}
