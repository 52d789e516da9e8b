//! Registrable domains ("eTLD+1") for the facet rule of digest §7.3 step 7.
//!
//! A trusted facet list may only authorise web facets of the AppID's own site: a list entry
//! is dropped unless its host has the same registrable domain (public suffix plus one label)
//! as the AppID's host. Deciding the public suffix needs the Public Suffix List
//! (<https://publicsuffix.org/list/>), which changes over time and is large; this crate does
//! no I/O and ships only [`BuiltinSuffixRules`], a small fixed subset. Plug in a complete list
//! by implementing [`PublicSuffixRules`].

/// Says which part of a host name is its registrable domain.
pub trait PublicSuffixRules {
    /// The registrable domain (public suffix plus one label) of `host`, a lower-case DNS name
    /// without port; `None` when it has none: an IP address literal, or a public suffix
    /// itself (`co.uk`, `com`). Two hosts are the same site when both have a registrable
    /// domain and they are equal.
    fn registrable_domain<'h>(&self, host: &'h str) -> Option<&'h str>;
}

/// A small built-in subset of the Public Suffix List.
///
/// **What it knows.** Every single-label top-level domain (the list's default rule `*`:
/// the last label is a public suffix), plus the multi-label suffixes in
/// [`BuiltinSuffixRules::MULTI_LABEL`]: the common second-level registries of large country
/// domains (`co.uk`, `com.au`, `co.jp`, …) and shared-hosting domains where unrelated
/// customers get sub-domains (`github.io`, `herokuapp.com`, …).
///
/// **Its limit, precisely.** For a host under a multi-label public suffix *not* in that
/// table (say `blogspot.de`), it takes the last two labels as the registrable domain, so two
/// different sites under it (`alice.blogspot.de`, `bob.blogspot.de`) count as one site
/// (`blogspot.de`). Wildcard and exception rules of the real list are not modelled. The effect is limited to step 7: an AppID owner could
/// authorise, in its own trusted facet list, a web facet of a neighbouring site under such a
/// suffix. A client that must rule that out implements [`PublicSuffixRules`] over the full
/// list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BuiltinSuffixRules;

impl BuiltinSuffixRules {
    /// The multi-label public suffixes this rule set knows (lower case).
    pub const MULTI_LABEL: &'static [&'static str] = &[
        // United Kingdom
        "co.uk",
        "org.uk",
        "me.uk",
        "ltd.uk",
        "plc.uk",
        "net.uk",
        "ac.uk",
        "gov.uk",
        "nhs.uk",
        "police.uk",
        "sch.uk",
        // Australia, New Zealand
        "com.au",
        "net.au",
        "org.au",
        "edu.au",
        "gov.au",
        "asn.au",
        "id.au",
        "co.nz",
        "org.nz",
        "net.nz",
        "govt.nz",
        "ac.nz",
        // Japan, Korea, China, Hong Kong, Taiwan, Singapore, India
        "co.jp",
        "ne.jp",
        "or.jp",
        "ac.jp",
        "go.jp",
        "gr.jp",
        "co.kr",
        "or.kr",
        "ne.kr",
        "go.kr",
        "ac.kr",
        "com.cn",
        "net.cn",
        "org.cn",
        "gov.cn",
        "edu.cn",
        "com.hk",
        "org.hk",
        "net.hk",
        "edu.hk",
        "gov.hk",
        "com.tw",
        "org.tw",
        "net.tw",
        "edu.tw",
        "gov.tw",
        "com.sg",
        "org.sg",
        "net.sg",
        "edu.sg",
        "gov.sg",
        "co.in",
        "net.in",
        "org.in",
        "firm.in",
        "gen.in",
        "ind.in",
        "ac.in",
        "gov.in",
        "edu.in",
        // Americas
        "com.br",
        "net.br",
        "org.br",
        "gov.br",
        "edu.br",
        "com.mx",
        "org.mx",
        "gob.mx",
        "edu.mx",
        "com.ar",
        "org.ar",
        "gob.ar",
        "com.co",
        "org.co",
        "gov.co",
        "com.pe",
        "gob.pe",
        "co.ve",
        "com.ve",
        // Africa, Middle East, Europe, others
        "co.za",
        "org.za",
        "gov.za",
        "ac.za",
        "co.il",
        "org.il",
        "ac.il",
        "gov.il",
        "com.tr",
        "org.tr",
        "gov.tr",
        "edu.tr",
        "com.ua",
        "org.ua",
        "gov.ua",
        "com.pl",
        "net.pl",
        "org.pl",
        "com.ru",
        "org.ru",
        "net.ru",
        "co.id",
        "or.id",
        "ac.id",
        "go.id",
        "com.my",
        "org.my",
        "gov.my",
        "com.ph",
        "gov.ph",
        "co.th",
        "or.th",
        "ac.th",
        "go.th",
        "com.vn",
        "gov.vn",
        "com.sa",
        "gov.sa",
        "com.eg",
        "gov.eg",
        "co.ke",
        "or.ke",
        "com.ng",
        "gov.ng",
        // Shared hosting (private section of the list)
        "github.io",
        "gitlab.io",
        "herokuapp.com",
        "appspot.com",
        "blogspot.com",
        "cloudfront.net",
        "azurewebsites.net",
        "web.app",
        "firebaseapp.com",
        "pages.dev",
        "workers.dev",
        "vercel.app",
        "netlify.app",
        "onrender.com",
        "fly.dev",
        "s3.amazonaws.com",
        "elasticbeanstalk.com",
    ];
}

/// Whether `host` is an IP address literal (IPv6 in brackets, or dotted digits).
fn is_ip_literal(host: &str) -> bool {
    host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Whether `host` is `suffix` or ends with `.suffix`.
fn under(host: &str, suffix: &str) -> bool {
    host.strip_suffix(suffix)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

impl PublicSuffixRules for BuiltinSuffixRules {
    fn registrable_domain<'h>(&self, host: &'h str) -> Option<&'h str> {
        if host.is_empty() || is_ip_literal(host) || host.split('.').any(str::is_empty) {
            return None;
        }
        let default_len = host.rsplit('.').next().map_or(0, str::len);
        let suffix_len = Self::MULTI_LABEL
            .iter()
            .filter(|s| under(host, s))
            .map(|s| s.len())
            .fold(default_len, usize::max);
        // `host` = `<prefix>.<suffix>`; the registrable domain is the last label of `prefix`
        // plus the suffix.
        let prefix_len = host.len().checked_sub(suffix_len)?.checked_sub(1)?;
        let prefix = host.get(..prefix_len)?;
        let start = prefix.rfind('.').map_or(0, |dot| dot.saturating_add(1));
        host.get(start..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        let r = BuiltinSuffixRules;
        let cases = [
            ("example.com", Some("example.com")),
            ("www.example.com", Some("example.com")),
            ("a.b.login.example.com", Some("example.com")),
            ("example.co.uk", Some("example.co.uk")),
            ("www.example.co.uk", Some("example.co.uk")),
            ("alice.github.io", Some("alice.github.io")),
            ("www.alice.github.io", Some("alice.github.io")),
            ("github.io", None),
            ("co.uk", None),
            ("com", None),
            ("localhost", None),
            ("192.168.1.1", None),
            ("[::1]", None),
            ("", None),
            ("a..example.com", None),
            ("example.com.", None),
            // Not under co.uk although the text ends with it.
            ("notco.uk", Some("notco.uk")),
        ];
        for (host, want) in cases {
            assert_eq!(r.registrable_domain(host), want, "{host}");
        }
    }

    #[test]
    fn table_is_lower_case_multi_label() {
        for s in BuiltinSuffixRules::MULTI_LABEL {
            assert!(s.contains('.'), "{s}");
            assert_eq!(s.to_ascii_lowercase(), *s);
        }
    }
}
