//! What the account page says of a browser: its family, major version and operating system,
//! read from the `User-Agent` text recorded with each sign-in.
//!
//! A small table of product tokens, checked in order (Edge and Opera and Samsung Internet
//! name Chrome and Safari too, Chrome names Safari, so the specific ones come first). The
//! text is the browser's own claim: the page shows it as a hint for the person ("Firefox 128
//! on Linux"), never as a security decision.

/// A browser as the account page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Browser {
    /// The family (`Chrome`, `Firefox`, `Safari`, `Edge`, …; the first product name of a
    /// non-browser client, such as `curl`; `Unknown browser` for an empty text).
    pub(crate) family: String,
    /// The major version, when the text has one.
    pub(crate) version: Option<String>,
    /// The operating system, when the text names one.
    pub(crate) os: Option<&'static str>,
}

impl Browser {
    /// "Firefox 128 on Linux", "Safari on iOS", "curl 8".
    pub(crate) fn describe(&self) -> String {
        let mut out = self.family.clone();
        if let Some(v) = &self.version {
            out.push(' ');
            out.push_str(v);
        }
        if let Some(os) = self.os {
            out.push_str(" on ");
            out.push_str(os);
        }
        out
    }
}

/// Browser product tokens, most specific first: (token, family).
const FAMILIES: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("HeadlessChrome/", "Chrome (headless)"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
];

/// Operating-system markers, most specific first: (marker, name).
const SYSTEMS: &[(&str, &str)] = &[
    ("Windows NT", "Windows"),
    ("iPhone", "iOS"),
    ("iPod", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
    ("FreeBSD", "FreeBSD"),
];

/// The major version after `token` in `ua` (the digits up to the first `.`).
fn major_after(ua: &str, token: &str) -> Option<String> {
    let at = ua.find(token)?;
    let rest = ua.get(at + token.len()..)?;
    let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!major.is_empty()).then_some(major)
}

/// Reads a `User-Agent` text (see the module docs).
pub(crate) fn parse(ua: &str) -> Browser {
    let ua = ua.trim();
    let os = SYSTEMS
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name);
    if let Some((token, family)) = FAMILIES.iter().find(|(t, _)| ua.contains(t)) {
        return Browser {
            family: String::from(*family),
            version: major_after(ua, token),
            os,
        };
    }
    // Safari names its version in `Version/` and carries `Safari/`.
    if ua.contains("Safari/") && ua.contains("Version/") {
        return Browser {
            family: String::from("Safari"),
            version: major_after(ua, "Version/"),
            os,
        };
    }
    // Anything else: its first product name (`curl/8.5.0` → curl), unless it only says
    // `Mozilla`.
    let first = ua.split_whitespace().next().unwrap_or_default();
    let (name, version) = first.split_once('/').unwrap_or((first, ""));
    let printable = |s: &str| {
        !s.is_empty()
            && s.len() <= 40
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    let family = if printable(name) && name != "Mozilla" {
        String::from(name)
    } else if ua.is_empty() {
        String::from("Unknown browser")
    } else {
        String::from("Other browser")
    };
    let major: String = version.chars().take_while(char::is_ascii_digit).collect();
    Browser {
        version: (family != "Other browser" && family != "Unknown browser" && !major.is_empty())
            .then_some(major),
        family,
        os,
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    /// (User-Agent, what the page says): texts the browsers send (their vendors' documented
    /// formats).
    const CASES: &[(&str, &str)] = &[
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36",
            "Chrome 131 on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge 131 on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128 on Linux",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, \
             like Gecko) Version/17.4 Safari/605.1.15",
            "Safari 17 on macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
             (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari 17 on iOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
             (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
            "Chrome 124 on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) \
             SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet 25 on Android",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36",
            "Chrome 131 on ChromeOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0",
            "Opera 116 on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
             HeadlessChrome/131.0.0.0 Safari/537.36",
            "Chrome (headless) 131 on Linux",
        ),
        ("curl/8.5.0", "curl 8"),
        ("ureq/3.0.0", "ureq 3"),
        ("", "Unknown browser"),
        ("Mozilla/5.0", "Other browser"),
        ("<script>alert(1)</script>", "Other browser"),
    ];

    #[test]
    fn browsers_are_told_by_family_version_and_system() {
        for (ua, said) in CASES {
            assert_eq!(parse(ua).describe(), *said, "{ua}");
        }
    }
}
