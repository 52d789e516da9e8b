//! One sign-in attempt as the person sees it: the number the page shows (fresh, two digits,
//! never `00`, never the number of another pending attempt of the same account), the browser
//! and the address it comes from, and the text its UAF transaction asks the phone to confirm
//! (docs/server.md, "Phone sign-in", "Number matching").
//!
//! The phone shows [`shown_text`] and asks the person to type the number from the page; its
//! authenticator then confirms and signs [`uaf_signin_api::confirmed_text`] — the text shown
//! plus the typed number. The server keeps, in the attempt's pending authentication, the
//! transaction with **its** number (what the hash must match), and sends the phones the
//! request with the text alone: uaf-rp's transaction check (AUTH-20) then refuses a signature
//! over any other number, or over another attempt's text.

use uaf_proto::message::Transaction;

/// Characters of a `text/plain` transaction (digest §2.8: at most 200).
const MAX_TEXT: usize = Transaction::MAX_TEXT_LEN;

/// The longest text shown: room is left for [`uaf_signin_api::NUMBER_LINE`] and two digits.
pub(crate) const MAX_SHOWN: usize = MAX_TEXT - 11;

/// `YYYY-MM-DD HH:MM UTC` of a unix time (the proleptic Gregorian calendar; H. Hinnant's
/// days-to-civil).
pub(crate) fn utc_minute(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    let (hour, minute) = (secs / 3600, secs % 3600 / 60);
    // Days since 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// `text` cut to at most `max` characters (an ellipsis marks the cut).
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return String::from(text);
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What the phone shows for an attempt (at most [`MAX_SHOWN`] characters): `Sign in to SITE
/// as USER from BROWSER (ADDRESS) at TIME? Type the number from the page.` Long parts are cut
/// (an ellipsis marks it; the user name keeps at least 11 characters), never left out.
pub(crate) fn shown_text(
    site: &str,
    username: &str,
    browser: &str,
    address: &str,
    at: u64,
) -> String {
    // At most 80 + 30 + 29 + 39 characters besides the user name: 11 or more are left for it.
    // 29 holds every browser name `user_agent::Browser::short` gives for the usual
    // browsers ("Samsung Internet on Android", "an unknown browser on Android").
    let (site, browser, address) = (clip(site, 30), clip(browser, 29), clip(address, 39));
    let text = |user: &str| {
        format!(
            "Sign in to {site} as {user} from {browser} ({address}) at {}? Type the number \
             from the page.",
            utc_minute(at)
        )
    };
    let full = text(username);
    let over = full.chars().count().saturating_sub(MAX_SHOWN);
    if over == 0 {
        return full;
    }
    let keep = username.chars().count().saturating_sub(over).max(1);
    text(&clip(username, keep))
}

/// A fresh number for an attempt: two digits, `01`–`99` (never `00`), not one of `taken`
/// (the numbers of the account's other pending attempts), uniform over the rest (rejection
/// sampling of OS random bytes). When every number is taken (only with a pending cap near
/// 99), any number.
///
/// # Errors
/// The OS has no randomness to give.
pub(crate) fn fresh_number(taken: &[String]) -> Result<String, getrandom::Error> {
    let free = (1..=99u8)
        .map(|n| format!("{n:02}"))
        .filter(|n| !taken.contains(n))
        .collect::<Vec<_>>();
    let pool = if free.is_empty() {
        (1..=99u8).map(|n| format!("{n:02}")).collect()
    } else {
        free
    };
    let len = pool.len();
    // The largest multiple of `len` that fits a byte: values from it on would bias.
    let limit = 256 - 256 % len;
    loop {
        let mut b = [0u8; 1];
        getrandom::fill(&mut b)?;
        let [v] = b;
        let v = usize::from(v);
        if v < limit {
            if let Some(n) = pool.get(v % len) {
                return Ok(n.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn times_are_utc_minutes() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minute(1_796_652_120), "2026-12-07 14:02 UTC");
        assert_eq!(utc_minute(4_102_444_799), "2099-12-31 23:59 UTC");
    }

    #[test]
    fn the_shown_text_names_everything_and_fits_with_the_number() {
        let t = shown_text(
            "login.example.com",
            "alice",
            "Chrome on Linux",
            "203.0.113.7",
            1_796_652_120,
        );
        assert_eq!(
            t,
            "Sign in to login.example.com as alice from Chrome on Linux (203.0.113.7) at \
             2026-12-07 14:02 UTC? Type the number from the page."
        );
        let long = shown_text(
            &"s".repeat(100),
            &"u".repeat(128),
            &"b".repeat(100),
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            0,
        );
        assert!(long.chars().count() <= MAX_SHOWN, "{long}");
        assert!(
            long.contains(&format!(" as {}… from", "u".repeat(11))),
            "{long}"
        );
        assert!(
            long.contains("(2001:db8:ffff:ffff:ffff:ffff:ffff:ffff)"),
            "{long}"
        );
        for browser in [
            "Samsung Internet on Android",
            "an unknown browser on Android",
        ] {
            let t = shown_text("login.example.com", "alice", browser, "203.0.113.7", 0);
            assert!(t.contains(&format!(" from {browser} (")), "{t}");
        }
        let confirmed = uaf_signin_api::confirmed_text(&long, "42");
        assert!(Transaction::text(&confirmed).is_ok());
    }

    #[test]
    fn numbers_are_never_00_nor_taken() {
        let taken: Vec<String> = (1..=97u8).map(|n| format!("{n:02}")).collect();
        for _ in 0..64 {
            let n = fresh_number(&taken).unwrap();
            assert!(n == "98" || n == "99", "{n}");
        }
        let all: Vec<String> = (0..200).map(|_| fresh_number(&[]).unwrap()).collect();
        assert!(all.iter().all(|n| n.len() == 2 && n != "00"));
        // 200 draws of 99 values all equal: probability 1e-397.
        assert!(all.iter().any(|n| n != &all[0]));
        let every: Vec<String> = (1..=99u8).map(|n| format!("{n:02}")).collect();
        assert_ne!(fresh_number(&every).unwrap(), "00");
    }
}
