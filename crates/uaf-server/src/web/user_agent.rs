//! What a `User-Agent` text says of a browser: its family, major version and operating
//! system. The one reader of these texts in the server, with two renderings:
//!
//! - [`Browser::describe`], the account page's activity entries ("Firefox 128 on Linux",
//!   "curl 8");
//! - [`Browser::short`], the browser named in a sign-in attempt's UAF transaction text, which
//!   the phone shows ("Chrome on Linux", "an unknown browser"): only words of this module's
//!   tables, so the text a client sends can neither lengthen the transaction (at most 200
//!   characters, digest §2.8) nor put its own words or control characters into it.
//!
//! A small table of product tokens, checked in order (Edge and Opera and Samsung Internet
//! name Chrome and Safari too, Chrome names Safari, so the specific ones come first). The
//! text is the browser's own claim: it is shown as a hint for the person, never used as a
//! security decision.

/// A browser as a `User-Agent` text describes it ([`parse`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Browser {
    /// The family (`Chrome`, `Firefox`, `Safari`, `Edge`, …; the first product name of a
    /// client the table does not know, such as `ureq`; `Other browser` when it has none;
    /// `Unknown browser` for an empty text).
    pub(crate) family: String,
    /// The major version, when the text has one.
    pub(crate) version: Option<String>,
    /// The operating system, when the text names one.
    pub(crate) os: Option<&'static str>,
    /// The family's name in [`Browser::short`], when the table knows the family.
    short_name: Option<&'static str>,
}

/// What [`Browser::short`] calls a browser the table does not know.
const UNKNOWN_SHORT: &str = "an unknown browser";

impl Browser {
    /// For the account page: "Firefox 128 on Linux", "Safari on iOS", "curl 8".
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

    /// For the sign-in attempt's transaction text, in a few words: "Chrome on Linux",
    /// "Headless Chrome on Linux", "an unknown browser on Windows", "an unknown browser".
    /// No version, and only names from the tables (families the table does not know are
    /// "an unknown browser"): at most 40 characters of printable ASCII, whatever the text.
    pub(crate) fn short(&self) -> String {
        let name = self.short_name.unwrap_or(UNKNOWN_SHORT);
        match self.os {
            Some(os) => format!("{name} on {os}"),
            None => String::from(name),
        }
    }
}

/// A browser family of the table.
struct Family {
    /// The product tokens the text must all contain.
    tokens: &'static [&'static str],
    /// Its name on the account page ([`Browser::family`]).
    name: &'static str,
    /// Its name in the transaction text ([`Browser::short`]).
    short: &'static str,
    /// The token its major version follows.
    version: &'static str,
}

/// Browser families, most specific first. Edge (its Chromium versions say `Edg`, its older
/// EdgeHTML ones `Edge`), Opera (`OPR`; before 2013 `Opera`, its version in `Version/`) and
/// Samsung Internet also say Chrome and Safari; Chrome also says Safari; Safari alone says
/// `Version/` with `Safari/`.
const FAMILIES: &[Family] = &[
    Family {
        tokens: &["Edg/"],
        name: "Edge",
        short: "Edge",
        version: "Edg/",
    },
    Family {
        tokens: &["EdgA/"],
        name: "Edge",
        short: "Edge",
        version: "EdgA/",
    },
    Family {
        tokens: &["EdgiOS/"],
        name: "Edge",
        short: "Edge",
        version: "EdgiOS/",
    },
    Family {
        tokens: &["Edge/"],
        name: "Edge",
        short: "Edge",
        version: "Edge/",
    },
    Family {
        tokens: &["OPR/"],
        name: "Opera",
        short: "Opera",
        version: "OPR/",
    },
    Family {
        tokens: &["Opera"],
        name: "Opera",
        short: "Opera",
        version: "Version/",
    },
    Family {
        tokens: &["SamsungBrowser/"],
        name: "Samsung Internet",
        short: "Samsung Internet",
        version: "SamsungBrowser/",
    },
    Family {
        tokens: &["Firefox/"],
        name: "Firefox",
        short: "Firefox",
        version: "Firefox/",
    },
    Family {
        tokens: &["FxiOS/"],
        name: "Firefox",
        short: "Firefox",
        version: "FxiOS/",
    },
    Family {
        tokens: &["HeadlessChrome/"],
        name: "Chrome (headless)",
        short: "Headless Chrome",
        version: "HeadlessChrome/",
    },
    Family {
        tokens: &["CriOS/"],
        name: "Chrome",
        short: "Chrome",
        version: "CriOS/",
    },
    Family {
        tokens: &["Chromium/"],
        name: "Chromium",
        short: "Chromium",
        version: "Chromium/",
    },
    Family {
        tokens: &["Chrome/"],
        name: "Chrome",
        short: "Chrome",
        version: "Chrome/",
    },
    Family {
        tokens: &["Safari/", "Version/"],
        name: "Safari",
        short: "Safari",
        version: "Version/",
    },
    Family {
        tokens: &["curl/"],
        name: "curl",
        short: "curl",
        version: "curl/",
    },
];

/// Operating-system markers, most specific first: (marker, name). (Android texts also say
/// Linux; iPhone ones also say Mac OS X.)
const SYSTEMS: &[(&str, &str)] = &[
    ("Windows", "Windows"),
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

/// Reads a `User-Agent` text (see the module docs); an absent one is the empty text.
pub(crate) fn parse(ua: &str) -> Browser {
    let ua = ua.trim();
    let os = SYSTEMS
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name);
    if let Some(f) = FAMILIES
        .iter()
        .find(|f| f.tokens.iter().all(|t| ua.contains(t)))
    {
        return Browser {
            family: String::from(f.name),
            version: major_after(ua, f.version),
            os,
            short_name: Some(f.short),
        };
    }
    // Anything else: its first product name (`ureq/3.0.0` → ureq), unless it only says
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
        short_name: None,
    }
}

#[cfg(test)]
mod tests {
    use super::{FAMILIES, SYSTEMS, UNKNOWN_SHORT, parse};

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

    /// (User-Agent, what the transaction text says): the names the phone has shown since
    /// the attempts were written (they were `attempt::browser_of`'s).
    const SHORT_CASES: &[(&str, &str)] = &[
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
             Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 \
             Firefox/133.0",
            "Firefox on macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
             (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.6778.81 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
             HeadlessChrome/131.0.0.0 Safari/537.36",
            "Headless Chrome on Linux",
        ),
        ("curl/8.5.0", "curl"),
        ("something else", "an unknown browser"),
        ("", "an unknown browser"),
        ("  ", "an unknown browser"),
    ];

    #[test]
    fn browsers_are_named_by_family_and_os() {
        for (ua, name) in SHORT_CASES {
            assert_eq!(parse(ua).short(), *name, "{ua}");
        }
    }

    /// (User-Agent, account page, transaction text): both renderings of one reading.
    const BOTH: &[(&str, &str, &str)] = &[
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128 on Linux",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
             HeadlessChrome/131.0.0.0 Safari/537.36",
            "Chrome (headless) 131 on Linux",
            "Headless Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
             (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
            "Chrome 124 on iOS",
            "Chrome on iOS",
        ),
        // Samsung Internet says Chrome/ too: it is not Chrome.
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) \
             SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet 25 on Android",
            "Samsung Internet on Android",
        ),
        // Edge before its Chromium versions (EdgeHTML) says `Edge/`, and Chrome/ too.
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582",
            "Edge 18 on Windows",
            "Edge on Windows",
        ),
        // Opera before 2013 (Presto) names its version in `Version/`.
        (
            "Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18",
            "Opera 12 on Windows",
            "Opera on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0",
            "Opera 116 on Windows",
            "Opera on Windows",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like \
             Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari 17 on iPadOS",
            "Safari on iPadOS",
        ),
        // An X11 system other than Linux.
        (
            "Mozilla/5.0 (X11; FreeBSD amd64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128 on FreeBSD",
            "Firefox on FreeBSD",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chromium/131.0.0.0 Chrome/131.0.0.0 Safari/537.36",
            "Chromium 131 on Windows",
            "Chromium on Windows",
        ),
        ("curl/8.5.0", "curl 8", "curl"),
        // A client the table does not know: its name on the account page, not in the
        // transaction text.
        ("ureq/3.0.0", "ureq 3", "an unknown browser"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "Other browser on Windows",
            "an unknown browser on Windows",
        ),
        ("Mozilla/5.0", "Other browser", "an unknown browser"),
        ("", "Unknown browser", "an unknown browser"),
    ];

    #[test]
    fn both_renderings_read_the_same_browser() {
        for (ua, page, transaction) in BOTH {
            let b = parse(ua);
            assert_eq!(
                (b.describe().as_str(), b.short().as_str()),
                (*page, *transaction),
                "{ua}"
            );
        }
    }

    /// The longest transaction name the tables can make, and it is printable ASCII.
    #[test]
    fn transaction_names_are_short_and_printable_whatever_the_text() {
        let names = FAMILIES
            .iter()
            .map(|f| f.short)
            .chain([UNKNOWN_SHORT])
            .collect::<Vec<_>>();
        let longest = names
            .iter()
            .flat_map(|n| {
                SYSTEMS
                    .iter()
                    .map(move |(_, os)| n.len() + " on ".len() + os.len())
            })
            .max();
        assert!(longest.is_some_and(|l| l <= 40), "{longest:?}");
        let hostile = [
            format!("{}/1.0", "A".repeat(10_000)),
            String::from("Evil\u{0}Bank/1.0 (Linux\r\nX-Injected: 1)"),
            String::from("<script>alert(1)</script> Chrome/1\u{202e}"),
            String::from("BankOfExample-Official/1.0"),
            format!(
                "Mozilla/5.0 (Windows NT 10.0) Firefox/{}",
                "9".repeat(5_000)
            ),
        ];
        for ua in &hostile {
            let short = parse(ua).short();
            assert!(short.len() <= 40, "{short}");
            assert!(
                short.chars().all(|c| c.is_ascii_graphic() || c == ' '),
                "{short}"
            );
            let (name, _) = short.split_once(" on ").unwrap_or((&short, ""));
            assert!(names.contains(&name), "{short}");
        }
        assert_eq!(
            parse("BankOfExample-Official/1.0").short(),
            "an unknown browser"
        );
        assert_eq!(
            parse("Evil\u{0}Bank/1.0 (Linux\r\n)").short(),
            "an unknown browser on Linux"
        );
    }
}
