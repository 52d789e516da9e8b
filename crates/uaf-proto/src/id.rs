//! Identifiers: [`Aaid`], [`KeyId`], [`FacetId`], [`AppId`] (digest §1.3, §7.1).
//!
//! Each type validates on construction, so a value that exists is well formed.

use core::fmt;
use core::hash::{Hash, Hasher};

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

/// Why an identifier is not well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// An AAID is not 9 characters `VVVV#MMMM` with hex digits.
    Aaid,
    /// A KeyID length is outside the allowed range.
    KeyIdLength {
        /// The length received.
        len: usize,
        /// Smallest allowed length.
        min: usize,
        /// Largest allowed length.
        max: usize,
    },
    /// A facet ID is none of `https://host[:port]`, `android:apk-key-hash:…`, `ios:bundle-id:…`.
    FacetId,
    /// An AppID is longer than 512 characters.
    AppIdTooLong {
        /// The length received.
        len: usize,
    },
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Aaid => f.write_str("AAID must be 9 characters \"VVVV#MMMM\" (4 hex digits, '#', 4 hex digits)"),
            IdError::KeyIdLength { len, min, max } => {
                write!(f, "KeyID is {len} bytes; it must be {min}..={max} bytes")
            }
            IdError::FacetId => f.write_str(
                "facet ID must be a web origin \"https://host[:port]\", \"android:apk-key-hash:<base64 SHA-1>\" or \"ios:bundle-id:<id>\"",
            ),
            IdError::AppIdTooLong { len } => write!(f, "AppID is {len} characters; at most 512 allowed"),
        }
    }
}

impl core::error::Error for IdError {}

/// Authenticator Attestation ID: `"VVVV#MMMM"`, 4 hex digits of vendor, `#`, 4 hex digits of
/// model (digest §1.3). Hex digits compare case-insensitively; the received spelling is kept.
#[derive(Clone, Copy)]
pub struct Aaid([u8; 9]);

impl Aaid {
    /// Parses the 9 ASCII bytes of an AAID (as in `TAG_AAID`).
    ///
    /// # Errors
    /// [`IdError::Aaid`] if the bytes are not `VVVV#MMMM` with hex digits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IdError> {
        let arr: [u8; 9] = bytes.try_into().map_err(|_| IdError::Aaid)?;
        for (i, b) in arr.iter().enumerate() {
            let ok = if i == 4 {
                *b == b'#'
            } else {
                b.is_ascii_hexdigit()
            };
            if !ok {
                return Err(IdError::Aaid);
            }
        }
        Ok(Aaid(arr))
    }

    /// Parses an AAID string.
    ///
    /// # Errors
    /// [`IdError::Aaid`] if `s` is not `VVVV#MMMM` with hex digits.
    #[allow(clippy::should_implement_trait)]
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::from_bytes(s.as_bytes())
    }

    /// The AAID as received.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits and '#' are ever stored.
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The 9 ASCII bytes as received.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 9] {
        &self.0
    }

    /// The vendor part (`VVVV`).
    #[must_use]
    pub fn vendor(&self) -> &str {
        self.as_str().get(..4).unwrap_or("")
    }

    /// The model part (`MMMM`).
    #[must_use]
    pub fn model(&self) -> &str {
        self.as_str().get(5..).unwrap_or("")
    }

    /// The AAID with upper-case hex digits (the canonical form for storage keys).
    #[must_use]
    pub fn to_uppercase(&self) -> Aaid {
        Aaid(self.0.map(|b| b.to_ascii_uppercase()))
    }
}

impl PartialEq for Aaid {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Aaid {}

impl Hash for Aaid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_uppercase().0.hash(state);
    }
}

impl PartialOrd for Aaid {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Aaid {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.to_uppercase().0.cmp(&other.to_uppercase().0)
    }
}

impl fmt::Debug for Aaid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Aaid({:?})", self.as_str())
    }
}

impl fmt::Display for Aaid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Aaid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Aaid::parse(s)
    }
}

/// A KeyID: opaque bytes chosen by the authenticator (digest §1.3), compared byte for byte.
///
/// The protocol allows 32..=2048 bytes ([`KeyId::new`]); records made by other servers may
/// hold shorter ones, which [`KeyId::from_stored`] accepts (1..=2048).
#[cfg(feature = "alloc")]
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(Vec<u8>);

#[cfg(feature = "alloc")]
impl KeyId {
    /// Smallest KeyID the protocol allows.
    pub const MIN_LEN: usize = 32;
    /// Largest KeyID the protocol allows.
    pub const MAX_LEN: usize = 2048;

    /// A KeyID of 32..=2048 bytes, as the protocol requires.
    ///
    /// # Errors
    /// [`IdError::KeyIdLength`] otherwise.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, IdError> {
        let bytes = bytes.into();
        if (Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len()) {
            Ok(KeyId(bytes))
        } else {
            Err(IdError::KeyIdLength {
                len: bytes.len(),
                min: Self::MIN_LEN,
                max: Self::MAX_LEN,
            })
        }
    }

    /// A KeyID of 1..=2048 bytes: for records stored by other implementations (some
    /// authenticators use short ASCII KeyIDs).
    ///
    /// # Errors
    /// [`IdError::KeyIdLength`] otherwise.
    pub fn from_stored(bytes: impl Into<Vec<u8>>) -> Result<Self, IdError> {
        let bytes = bytes.into();
        if (1..=Self::MAX_LEN).contains(&bytes.len()) {
            Ok(KeyId(bytes))
        } else {
            Err(IdError::KeyIdLength {
                len: bytes.len(),
                min: 1,
                max: Self::MAX_LEN,
            })
        }
    }

    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The KeyID as unpadded base64url (its JSON form).
    #[must_use]
    pub fn to_base64url(&self) -> String {
        crate::b64::encode(&self.0)
    }
}

#[cfg(feature = "alloc")]
impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_base64url())
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

#[cfg(feature = "alloc")]
impl AsRef<[u8]> for KeyId {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A facet ID: the identity of the calling application (digest §7.1).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FacetId {
    /// A web origin, normalised: `https://host[:port]`, lower-case, default port dropped.
    Web(String),
    /// `android:apk-key-hash:<hash>`: the hash part (standard base64 of SHA-1, no padding).
    Android(String),
    /// `ios:bundle-id:<id>`: the bundle ID.
    Ios(String),
}

#[cfg(feature = "alloc")]
impl FacetId {
    /// Prefix of Android facet IDs.
    pub const ANDROID_PREFIX: &'static str = "android:apk-key-hash:";
    /// Prefix of iOS facet IDs.
    pub const IOS_PREFIX: &'static str = "ios:bundle-id:";

    /// Parses a facet ID. Web facets must be bare origins (`https://host[:port]`, an optional
    /// trailing `/` is dropped); scheme and host are lower-cased and port 443 is dropped.
    ///
    /// # Errors
    /// [`IdError::FacetId`] for anything else (including `http:` origins, paths, queries,
    /// padded Android hashes).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if let Some(hash) = s.strip_prefix(Self::ANDROID_PREFIX) {
            let ok = !hash.is_empty()
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
            return if ok {
                Ok(FacetId::Android(hash.into()))
            } else {
                Err(IdError::FacetId)
            };
        }
        if let Some(bundle) = s.strip_prefix(Self::IOS_PREFIX) {
            let ok = !bundle.is_empty()
                && !bundle
                    .bytes()
                    .any(|b| b.is_ascii_whitespace() || b.is_ascii_control());
            return if ok {
                Ok(FacetId::Ios(bundle.into()))
            } else {
                Err(IdError::FacetId)
            };
        }
        let origin = web_origin(s, false).ok_or(IdError::FacetId)?;
        Ok(FacetId::Web(origin))
    }

    /// The web origin of an `https` URL that may carry a path, query or fragment (they are
    /// discarded), e.g. the AppID `https://example.com/facets.json` → `https://example.com`.
    ///
    /// # Errors
    /// [`IdError::FacetId`] if `url` is not an `https` URL with a host.
    pub fn origin_of_url(url: &str) -> Result<Self, IdError> {
        web_origin(url, true)
            .map(FacetId::Web)
            .ok_or(IdError::FacetId)
    }

    /// The host of a web facet (without port), `None` for application facets.
    #[must_use]
    pub fn host(&self) -> Option<&str> {
        match self {
            FacetId::Web(origin) => {
                let rest = origin.strip_prefix("https://")?;
                Some(split_host_port(rest).0)
            }
            _ => None,
        }
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for FacetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FacetId::Web(origin) => f.write_str(origin),
            FacetId::Android(h) => write!(f, "{}{h}", Self::ANDROID_PREFIX),
            FacetId::Ios(b) => write!(f, "{}{b}", Self::IOS_PREFIX),
        }
    }
}

/// Splits `host[:port]` (IPv6 literals in brackets keep their colons).
#[cfg(feature = "alloc")]
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        if let Some(end) = authority.find(']') {
            let (host, rest) = authority.split_at(end + 1);
            if rest.is_empty() {
                return (host, None);
            }
            if let Some(port) = rest.strip_prefix(':') {
                return (host, Some(port));
            }
        }
        // No closing bracket, or something other than a port after it: the whole authority
        // is returned as the host, which the host check then refuses.
        return (authority, None);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

/// Normalises an `https` origin; with `allow_path`, discards path, query and fragment.
#[cfg(feature = "alloc")]
fn web_origin(s: &str, allow_path: bool) -> Option<String> {
    let scheme_end = s.find("://")?;
    let scheme = s.get(..scheme_end)?;
    if !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = s.get(scheme_end + 3..)?;
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..auth_end)?;
    let tail = rest.get(auth_end..)?;
    if !allow_path && !tail.is_empty() && tail != "/" {
        return None;
    }
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = split_host_port(authority);
    // A DNS name or IPv4 address (letters, digits, `-`, `.`), or an IPv6 literal in brackets.
    // A `:` outside brackets always starts the port, so a normalised origin parses back to
    // itself (found by the `ids` fuzz target: `https://a:b:443` used to normalise to
    // `https://a:b`, which did not parse).
    let host_ok = match host.strip_prefix('[') {
        Some(rest) => rest.strip_suffix(']').is_some_and(|ip| {
            !ip.is_empty()
                && ip
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        }),
        None => {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
        }
    };
    if !host_ok {
        return None;
    }
    let mut out = String::from("https://");
    out.push_str(&host.to_ascii_lowercase());
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = port.parse().ok()?;
        if n == 0 || n > 65535 {
            return None;
        }
        if n != 443 {
            out.push(':');
            out.push_str(port.trim_start_matches('0'));
        }
    }
    Some(out)
}

/// An AppID: the `https` URL of the trusted-facets list, or a facet ID, or empty (then the
/// caller's facet ID is the AppID) — at most 512 characters (digest §1.3, §2.2).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AppId(String);

#[cfg(feature = "alloc")]
impl AppId {
    /// Longest AppID allowed.
    pub const MAX_LEN: usize = 512;

    /// An AppID; only the length is checked here (what it must be depends on who checks it).
    ///
    /// # Errors
    /// [`IdError::AppIdTooLong`] if longer than 512 characters.
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        let len = s.chars().count();
        if len > Self::MAX_LEN {
            return Err(IdError::AppIdTooLong { len });
        }
        Ok(AppId(s))
    }

    /// The AppID text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is empty (the facet ID stands in for it).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether it is an `https` URL (and so names a trusted-facets list).
    #[must_use]
    pub fn is_https_url(&self) -> bool {
        FacetId::origin_of_url(&self.0).is_ok()
    }

    /// The origin of an `https` AppID (`https://host[:port]`).
    #[must_use]
    pub fn origin(&self) -> Option<FacetId> {
        FacetId::origin_of_url(&self.0).ok()
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn aaid_accepts_hex_and_compares_case_insensitively() {
        let a = Aaid::parse("ABCD#ABCD").unwrap();
        let b = Aaid::parse("abcd#abcd").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.as_str(), "abcd#abcd");
        assert_eq!(a.vendor(), "ABCD");
        assert_eq!(a.model(), "ABCD");
        assert_eq!(b.to_uppercase().as_str(), "ABCD#ABCD");
    }

    #[test]
    fn aaid_rejects_malformed() {
        for bad in [
            "ABCD#ABC",
            "ABCD#ABCDE",
            "ABCDXABCD",
            "GBCD#ABCD",
            "ABCD#ABC ",
            "",
            "ABCD-ABCD",
        ] {
            assert_eq!(Aaid::parse(bad), Err(IdError::Aaid), "{bad}");
        }
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn key_id_lengths() {
        assert!(KeyId::new(vec![0u8; 32]).is_ok());
        assert!(KeyId::new(vec![0u8; 2048]).is_ok());
        assert_eq!(
            KeyId::new(vec![0u8; 31]),
            Err(IdError::KeyIdLength {
                len: 31,
                min: 32,
                max: 2048
            })
        );
        assert!(KeyId::new(vec![0u8; 2049]).is_err());
        assert!(KeyId::from_stored(b"key-1".to_vec()).is_ok());
        assert!(KeyId::from_stored(Vec::new()).is_err());
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn facet_ids() {
        assert_eq!(
            FacetId::parse("HTTPS://Example.COM:443/").unwrap(),
            FacetId::Web("https://example.com".into())
        );
        assert_eq!(
            FacetId::parse("https://login.example.com:8443")
                .unwrap()
                .to_string(),
            "https://login.example.com:8443"
        );
        assert_eq!(
            FacetId::parse("android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM").unwrap(),
            FacetId::Android("hoG2zCMzhpGCNnLFceBuVpPfDqM".into())
        );
        assert_eq!(
            FacetId::parse("ios:bundle-id:org.fidoalliance.mobile.conformancetools").unwrap(),
            FacetId::Ios("org.fidoalliance.mobile.conformancetools".into())
        );
        for bad in [
            "http://example.com",
            "https://example.com/index.html",
            "https://",
            "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM=",
            "android:apk-key-hash:",
            "com.noknok.android.sampleapp",
            "https://example.com:99999",
            "https://user@example.com",
        ] {
            assert_eq!(FacetId::parse(bad), Err(IdError::FacetId), "{bad}");
        }
        assert_eq!(
            FacetId::origin_of_url("https://uaf.example.com/facets.json")
                .unwrap()
                .host(),
            Some("uaf.example.com")
        );
    }

    /// Regression (fuzz target `ids`): a `:` in the host outside an IPv6 literal, or anything
    /// but a port after one, is refused, so a normalised origin always parses back to itself.
    #[cfg(feature = "alloc")]
    #[test]
    fn facet_id_hosts_with_colons() {
        for bad in [
            "https://UAFios:bundle-id:om:443/",
            "https://a:b:443",
            "https://a:b",
            "https://[::1]x",
            "https://[::1]x:443",
            "https://[::1",
            "https://[]",
            "https://[example.com]",
        ] {
            assert_eq!(FacetId::parse(bad), Err(IdError::FacetId), "{bad}");
            assert_eq!(FacetId::origin_of_url(bad), Err(IdError::FacetId), "{bad}");
        }
        for (good, normalised, host) in [
            ("https://[::1]", "https://[::1]", "[::1]"),
            ("https://[::1]:443/", "https://[::1]", "[::1]"),
            (
                "https://[2001:DB8::1]:8443",
                "https://[2001:db8::1]:8443",
                "[2001:db8::1]",
            ),
            (
                "https://127.0.0.1:8443",
                "https://127.0.0.1:8443",
                "127.0.0.1",
            ),
        ] {
            let f = FacetId::parse(good).unwrap();
            assert_eq!(f.to_string(), normalised);
            assert_eq!(
                FacetId::parse(normalised),
                Ok(f.clone()),
                "idempotent: {good}"
            );
            assert_eq!(f.host(), Some(host));
        }
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn app_ids() {
        let a = AppId::new("https://uaf.example.com/facets.json").unwrap();
        assert!(a.is_https_url());
        assert_eq!(
            a.origin(),
            Some(FacetId::Web("https://uaf.example.com".into()))
        );
        assert!(AppId::new("").unwrap().is_empty());
        assert!(
            !AppId::new("android:apk-key-hash:abc")
                .unwrap()
                .is_https_url()
        );
        assert_eq!(
            AppId::new("x".repeat(513)),
            Err(IdError::AppIdTooLong { len: 513 })
        );
    }
}
