//! AppID and facet ID checks of the client (digest §7.3), as a pure function:
//! [`resolve_app_id`].

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use uaf_proto::id::{AppId, FacetId};
use uaf_proto::message::{TrustedFacetList, Version};

use crate::suffix::PublicSuffixRules;

/// The AppID and facet ID an operation runs under, once [`resolve_app_id`] accepted them:
/// what goes into `FinalChallengeParams`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvedAppId {
    /// The AppID: the request's, or the caller's facet ID when the request had none.
    pub app_id: AppId,
    /// The caller's facet ID, normalised (web origins: lower case, no default port).
    pub facet_id: FacetId,
    /// How the pair was accepted.
    pub rule: FacetRule,
}

/// Which rule of digest §7.3 accepted the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FacetRule {
    /// Step 1: the request has no AppID, so the facet ID is the AppID.
    EmptyAppId,
    /// Step 2: the AppID is not an `https` URL and equals the facet ID.
    AppIdIsFacet,
    /// Step 3: the facet is an `https` origin on the AppID's host.
    SameHost,
    /// Steps 4–8: the trusted facet list holds the facet.
    TrustedList,
}

/// Why a trusted facet list entry was not used (digest §7.3 steps 6–7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// An `http:` URL: only `https` web facets count.
    NotHttps,
    /// None of `https://…`, `android:apk-key-hash:…`, `ios:bundle-id:…` (or not well formed).
    Malformed,
    /// An `https` facet of another site than the AppID's (registrable domains differ).
    OtherSite,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::NotHttps => "http: entries are never trusted",
            DropReason::Malformed => "not a facet ID",
            DropReason::OtherSite => "another site than the AppID's (registrable domain differs)",
        })
    }
}

/// A trusted facet list entry the client did not use.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DroppedFacet {
    /// The entry as written in the list.
    pub id: String,
    /// Why it was dropped.
    pub reason: DropReason,
}

/// Why the caller may not use the AppID (client error `UNTRUSTED_FACET_ID`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FacetError {
    /// The caller's facet ID is not one (`https://host[:port]`, `android:apk-key-hash:…`,
    /// `ios:bundle-id:…`), or it is too long to stand in for an AppID.
    InvalidFacetId,
    /// The AppID is not an `https` URL, and it is not the caller's facet ID (step 2).
    AppIdNotFacet,
    /// The AppID is an `https` URL on another host, so its trusted facet list is needed, and
    /// the caller supplied none (it could not be fetched; step 4).
    TrustedFacetsMissing,
    /// The list has no entry for the protocol version, nor for `{major, 0}` (step 5).
    NoEntryForVersion {
        /// The protocol version of the request.
        version: Version,
    },
    /// The caller's facet ID is not among the usable entries (step 8).
    FacetNotListed {
        /// The entries that were dropped, and why.
        dropped: Vec<DroppedFacet>,
    },
}

impl fmt::Display for FacetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FacetError::InvalidFacetId => f.write_str(
                "the caller's facet ID is not https://host[:port], android:apk-key-hash:<hash> or ios:bundle-id:<id>",
            ),
            FacetError::AppIdNotFacet => f.write_str(
                "the AppID is neither an https URL nor the caller's facet ID; use the facets URL or leave appID empty",
            ),
            FacetError::TrustedFacetsMissing => f.write_str(
                "the AppID is on another host than the caller, so its trusted facet list is needed; fetch it and pass it to the client",
            ),
            FacetError::NoEntryForVersion { version } => write!(
                f,
                "the trusted facet list has no entry for version {version} nor {}.0; publish a {{1,0}} entry",
                version.major
            ),
            FacetError::FacetNotListed { dropped } => {
                f.write_str("the trusted facet list does not hold the caller's facet ID")?;
                for d in dropped {
                    write!(f, "; dropped {:?}: {}", d.id, d.reason)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(feature = "std")]
impl core::error::Error for FacetError {}

/// Checks that the caller (`facet_id`) may use the request's AppID, as a FIDO client does
/// before anything else (digest §7.3):
///
/// 1. no AppID (absent or empty): the facet ID is the AppID;
/// 2. an AppID that is not an `https` URL must equal the facet ID;
/// 3. an `https` facet on the AppID's host (same host name; port ignored) is accepted;
/// 4. otherwise the AppID's trusted facet list is needed: `trusted_facets`, fetched by the
///    caller (this crate does no I/O); `None` means it could not be fetched;
/// 5. the entry for `version` is used, or else the `{major, 0}` entry (the facets
///    specification has no 1.1, so UAF 1.1 clients accept `{1,0}`);
/// 6. of its IDs, `https` URLs count by their origin (path dropped) and application facets
///    as they are; `http:` and malformed entries are dropped;
/// 7. `https` entries of another site than the AppID (registrable domain by `suffixes`)
///    are dropped;
/// 8. the facet ID must equal a remaining entry (after origin normalisation).
///
/// # Errors
/// [`FacetError`], naming the step that refused.
///
/// # Example
/// ```
/// use uaf_client::{BuiltinSuffixRules, FacetRule, resolve_app_id};
/// use uaf_proto::id::AppId;
/// use uaf_proto::message::{TrustedFacetList, Version};
///
/// let app_id = AppId::new("https://www.example.com/uaf/facets")?;
/// let list = TrustedFacetList::parse(
///     r#"{"trustedFacets":[{"version":{"major":1,"minor":0},
///         "ids":["https://login.example.com","http://old.example.com"]}]}"#,
/// )?;
/// let check = |facet| {
///     resolve_app_id(Some(&app_id), facet, Some(&list), Version::V1_1, &BuiltinSuffixRules)
/// };
/// assert_eq!(check("https://login.example.com")?.rule, FacetRule::TrustedList);
/// assert!(check("https://old.example.com").is_err()); // http: entries never count
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resolve_app_id(
    app_id: Option<&AppId>,
    facet_id: &str,
    trusted_facets: Option<&TrustedFacetList>,
    version: Version,
    suffixes: &dyn PublicSuffixRules,
) -> Result<ResolvedAppId, FacetError> {
    let facet = FacetId::parse(facet_id).map_err(|_| FacetError::InvalidFacetId)?;
    let resolved = |app_id: AppId, rule| ResolvedAppId {
        app_id,
        facet_id: facet.clone(),
        rule,
    };
    // Step 1.
    let app_id = match app_id {
        Some(a) if !a.is_empty() => a,
        _ => {
            let own = AppId::new(facet.to_string()).map_err(|_| FacetError::InvalidFacetId)?;
            return Ok(resolved(own, FacetRule::EmptyAppId));
        }
    };
    // Step 2.
    let Some(origin) = app_id.origin() else {
        return match FacetId::parse(app_id.as_str()) {
            Ok(as_facet) if as_facet == facet => {
                Ok(resolved(app_id.clone(), FacetRule::AppIdIsFacet))
            }
            _ => Err(FacetError::AppIdNotFacet),
        };
    };
    let app_host = origin.host().unwrap_or_default();
    // Step 3.
    if facet.host() == Some(app_host) {
        return Ok(resolved(app_id.clone(), FacetRule::SameHost));
    }
    // Steps 4 and 5.
    let list = trusted_facets.ok_or(FacetError::TrustedFacetsMissing)?;
    let entry = list
        .select(version)
        .ok_or(FacetError::NoEntryForVersion { version })?;
    // Steps 6 to 8.
    let app_site = suffixes.registrable_domain(app_host);
    let mut dropped = Vec::new();
    for id in &entry.ids {
        match usable_entry(id, app_host, app_site, suffixes) {
            Ok(listed) if listed == facet => {
                return Ok(resolved(app_id.clone(), FacetRule::TrustedList));
            }
            Ok(_) => {}
            Err(reason) => dropped.push(DroppedFacet {
                id: id.clone(),
                reason,
            }),
        }
    }
    Err(FacetError::FacetNotListed { dropped })
}

/// One list entry as the facet it authorises (steps 6 and 7).
fn usable_entry(
    id: &str,
    app_host: &str,
    app_site: Option<&str>,
    suffixes: &dyn PublicSuffixRules,
) -> Result<FacetId, DropReason> {
    let scheme = id.split_once("://").map(|(s, _)| s);
    if scheme.is_some_and(|s| s.eq_ignore_ascii_case("http")) {
        return Err(DropReason::NotHttps);
    }
    if scheme.is_some_and(|s| s.eq_ignore_ascii_case("https")) {
        let web = FacetId::origin_of_url(id).map_err(|_| DropReason::Malformed)?;
        let host = web.host().unwrap_or_default();
        let same_site = match (suffixes.registrable_domain(host), app_site) {
            (Some(a), Some(b)) => a == b,
            // Without a registrable domain (IP literal, bare suffix) only the host itself.
            _ => host == app_host,
        };
        return if same_site {
            Ok(web)
        } else {
            Err(DropReason::OtherSite)
        };
    }
    match FacetId::parse(id) {
        Ok(app @ (FacetId::Android(_) | FacetId::Ios(_))) => Ok(app),
        _ => Err(DropReason::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suffix::BuiltinSuffixRules;
    use alloc::vec;
    use uaf_proto::message::TrustedFacets;

    const APP: &str = "https://www.example.com/uaf/facets.json";
    const ANDROID: &str = "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM";
    const IOS: &str = "ios:bundle-id:com.example.app";

    fn list(version: Version, ids: &[&str]) -> TrustedFacetList {
        TrustedFacetList {
            trusted_facets: vec![TrustedFacets {
                version,
                ids: ids.iter().map(|s| (*s).into()).collect(),
            }],
        }
    }

    fn resolve(
        app_id: Option<&str>,
        facet: &str,
        list: Option<&TrustedFacetList>,
    ) -> Result<ResolvedAppId, FacetError> {
        let app_id = app_id.map(|a| AppId::new(a).unwrap());
        resolve_app_id(
            app_id.as_ref(),
            facet,
            list,
            Version::V1_1,
            &BuiltinSuffixRules,
        )
    }

    #[test]
    fn empty_app_id_becomes_the_facet() {
        for app in [None, Some("")] {
            let r = resolve(app, "HTTPS://Login.Example.com:443/", None).unwrap();
            assert_eq!(r.app_id.as_str(), "https://login.example.com");
            assert_eq!(r.facet_id.to_string(), "https://login.example.com");
            assert_eq!(r.rule, FacetRule::EmptyAppId);
        }
        let r = resolve(None, ANDROID, None).unwrap();
        assert_eq!(r.app_id.as_str(), ANDROID);
    }

    #[test]
    fn non_https_app_id_must_be_the_facet() {
        let r = resolve(Some(ANDROID), ANDROID, None).unwrap();
        assert_eq!(r.rule, FacetRule::AppIdIsFacet);
        assert_eq!(
            resolve(Some(ANDROID), IOS, None),
            Err(FacetError::AppIdNotFacet)
        );
        assert_eq!(
            resolve(
                Some("http://www.example.com/facets"),
                "https://www.example.com",
                None
            ),
            Err(FacetError::AppIdNotFacet)
        );
    }

    #[test]
    fn same_host_needs_no_list() {
        let r = resolve(Some(APP), "https://www.example.com:8443", None).unwrap();
        assert_eq!(r.rule, FacetRule::SameHost);
        // Another host of the same site still needs the list.
        assert_eq!(
            resolve(Some(APP), "https://login.example.com", None),
            Err(FacetError::TrustedFacetsMissing)
        );
    }

    #[test]
    fn list_membership() {
        let l = list(
            Version::V1_0,
            &[
                "https://login.example.com/path?q",
                ANDROID,
                "https://other.example.com:8443",
            ],
        );
        for facet in [
            "https://login.example.com",
            ANDROID,
            "https://other.example.com:8443",
        ] {
            let r = resolve(Some(APP), facet, Some(&l)).unwrap();
            assert_eq!(r.rule, FacetRule::TrustedList, "{facet}");
        }
        for facet in [
            IOS,
            "https://other.example.com",
            "https://login.example.com:444",
        ] {
            assert!(
                matches!(
                    resolve(Some(APP), facet, Some(&l)),
                    Err(FacetError::FacetNotListed { .. })
                ),
                "{facet}"
            );
        }
    }

    #[test]
    fn version_entry_selection() {
        // A {1,0} entry serves a 1.1 request.
        let l10 = list(Version::V1_0, &[ANDROID]);
        assert!(resolve(Some(APP), ANDROID, Some(&l10)).is_ok());
        // An exact {1,1} entry is preferred over {1,0}.
        let both = TrustedFacetList {
            trusted_facets: vec![
                TrustedFacets {
                    version: Version::V1_0,
                    ids: vec![IOS.into()],
                },
                TrustedFacets {
                    version: Version::V1_1,
                    ids: vec![ANDROID.into()],
                },
            ],
        };
        assert!(resolve(Some(APP), ANDROID, Some(&both)).is_ok());
        assert!(resolve(Some(APP), IOS, Some(&both)).is_err());
        // Only another major version.
        let l2 = list(Version::new(2, 0), &[ANDROID]);
        assert_eq!(
            resolve(Some(APP), ANDROID, Some(&l2)),
            Err(FacetError::NoEntryForVersion {
                version: Version::V1_1
            })
        );
    }

    #[test]
    fn http_malformed_and_other_site_entries_are_dropped() {
        let l = list(
            Version::V1_0,
            &[
                "http://login.example.com",
                "https://login.example.org",
                "ftp://example.com",
                "android:apk-key-hash:padded=",
                "https://example.co.uk",
            ],
        );
        for facet in [
            "https://login.example.com",
            "https://login.example.org",
            "https://example.co.uk",
        ] {
            let Err(FacetError::FacetNotListed { dropped }) = resolve(Some(APP), facet, Some(&l))
            else {
                panic!("{facet} accepted");
            };
            let reasons: Vec<DropReason> = dropped.iter().map(|d| d.reason).collect();
            assert_eq!(
                reasons,
                [
                    DropReason::NotHttps,
                    DropReason::OtherSite,
                    DropReason::Malformed,
                    DropReason::Malformed,
                    DropReason::OtherSite
                ]
            );
        }
        let err = resolve(Some(APP), "https://login.example.com", Some(&l)).unwrap_err();
        assert!(
            err.to_string().contains("http: entries are never trusted"),
            "{err}"
        );
    }

    #[test]
    fn registrable_domain_rule_uses_the_suffix_list() {
        // AppID under co.uk: a sibling under co.uk is another site, a sub-domain is not.
        let app = "https://www.shop.co.uk/facets";
        let l = list(
            Version::V1_0,
            &["https://login.shop.co.uk", "https://evil.co.uk"],
        );
        let ok = resolve(Some(app), "https://login.shop.co.uk", Some(&l)).unwrap();
        assert_eq!(ok.rule, FacetRule::TrustedList);
        assert!(resolve(Some(app), "https://evil.co.uk", Some(&l)).is_err());
        // IP literal AppID: only the same host (other port) passes.
        let ip = "https://10.0.0.1/facets";
        let l = list(
            Version::V1_0,
            &["https://10.0.0.1:8443", "https://10.0.0.2"],
        );
        assert!(resolve(Some(ip), "https://10.0.0.1:8443", Some(&l)).is_ok());
        assert!(resolve(Some(ip), "https://10.0.0.2", Some(&l)).is_err());
    }

    #[test]
    fn invalid_caller_facet() {
        for facet in [
            "http://www.example.com",
            "www.example.com",
            "https://x.com/path",
            "",
        ] {
            assert_eq!(
                resolve(Some(APP), facet, None),
                Err(FacetError::InvalidFacetId),
                "{facet}"
            );
        }
    }
}
