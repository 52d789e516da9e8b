//! The trusted facet list served at an `https` AppID: [`TrustedFacetList`] of
//! [`TrustedFacets`] (digest §7.2).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;

use super::common::Version;
use super::error::{MessageError, Path};
use super::json::{self, Members, Node};
use crate::id::FacetId;

/// The body of a trusted facet list: `{"trustedFacets":[…]}` (digest §7.2), served with
/// content type [`TrustedFacetList::CONTENT_TYPE`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TrustedFacetList {
    /// One entry per version (`trustedFacets`).
    #[serde(rename = "trustedFacets")]
    pub trusted_facets: Vec<TrustedFacets>,
}

impl TrustedFacetList {
    /// The HTTP content type of the list.
    pub const CONTENT_TYPE: &'static str = "application/fido.trusted-apps+json";

    /// Decodes a list strictly (types, duplicate members). Facet IDs are kept as received;
    /// check them with [`TrustedFacets::facet_ids`].
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let value = json::parse_node(text, &Path::Root)?;
        let root = Path::Root;
        let m = Members::of(&value, &root)?;
        Ok(TrustedFacetList {
            trusted_facets: m.required("trustedFacets", |v, p| {
                json::list(v, p, TrustedFacets::decode)
            })?,
        })
    }

    /// The JSON text of the list.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(self)
    }

    /// The entry for `version`: the entry with exactly that version, else the entry with the
    /// same major version and minor 0. The FIDO conformance maintainers ruled that the version
    /// is that of the AppID and facets specification, so UAF 1.1 clients must accept a `{1,0}`
    /// entry (digest §7.3 step 5).
    #[must_use]
    pub fn select(&self, version: Version) -> Option<&TrustedFacets> {
        let base = Version::new(version.major, 0);
        self.trusted_facets
            .iter()
            .find(|f| f.version == version)
            .or_else(|| self.trusted_facets.iter().find(|f| f.version == base))
    }
}

/// One version's facet IDs (`TrustedFacets`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustedFacets {
    /// The version this entry is for.
    pub version: Version,
    /// The facet IDs, as written in the list.
    pub ids: Vec<String>,
}

impl TrustedFacets {
    fn decode(v: &Node<'_>, path: &Path<'_>) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(TrustedFacets {
            version: m.required("version", Version::decode)?,
            ids: m.required("ids", |v, p| {
                json::list(v, p, |v, p| json::string(v, p).map(String::from))
            })?,
        })
    }

    /// Parses every entry of `ids` as a [`FacetId`]; entries of an odd shape, which a client
    /// resolving the list drops (digest §7.3 step 6, §7.4), are reported with the reason.
    ///
    /// What to do with them depends on whose list it is. A relying party that *loads* a list
    /// (its own configuration, or a deployment's published list) keeps every non-empty entry
    /// and compares it exactly (web facets by origin): real deployments publish padded
    /// `android:apk-key-hash:…=` values and bare legacy strings such as an Android package
    /// name, and their clients send exactly those, so an odd entry is worth a warning, never
    /// a refusal. A server checking a list it is about to *publish* may refuse `http:` web
    /// facets, which are a configuration error.
    #[must_use]
    pub fn facet_ids(&self) -> FacetIdCheck {
        let mut check = FacetIdCheck::default();
        for (index, id) in self.ids.iter().enumerate() {
            match FacetId::parse(id) {
                Ok(facet) => check.valid.push(facet),
                Err(_) => check.rejected.push(RejectedFacetId {
                    index,
                    id: id.clone(),
                    problem: problem_of(id),
                }),
            }
        }
        check
    }
}

/// Why a facet list entry was dropped.
fn problem_of(id: &str) -> FacetIdProblem {
    let lower_prefix = |p: &str| id.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p));
    if lower_prefix("http://") {
        FacetIdProblem::NotHttps
    } else if let Some(hash) = id.strip_prefix(FacetId::ANDROID_PREFIX) {
        if hash.ends_with('=') {
            FacetIdProblem::PaddedAndroidHash
        } else {
            FacetIdProblem::Malformed
        }
    } else if lower_prefix("https://") && FacetId::origin_of_url(id).is_ok() {
        FacetIdProblem::NotAnOrigin
    } else {
        FacetIdProblem::Malformed
    }
}

/// The result of [`TrustedFacets::facet_ids`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FacetIdCheck {
    /// The well-formed facet IDs, normalised, in list order.
    pub valid: Vec<FacetId>,
    /// The entries dropped, in list order.
    pub rejected: Vec<RejectedFacetId>,
}

/// A facet list entry that is not a valid facet ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedFacetId {
    /// Its position in `ids`.
    pub index: usize,
    /// The entry as written.
    pub id: String,
    /// What is wrong.
    pub problem: FacetIdProblem,
}

/// What is wrong with a facet list entry (digest §7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FacetIdProblem {
    /// An `http:` origin; only `https` web facets are allowed.
    NotHttps,
    /// An `https` URL with a path, query or fragment; a web facet is a bare origin.
    NotAnOrigin,
    /// An Android APK key hash with `=` padding; the hash is unpadded base64.
    PaddedAndroidHash,
    /// None of `https://host[:port]`, `android:apk-key-hash:…`, `ios:bundle-id:…`.
    Malformed,
}

impl fmt::Display for FacetIdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FacetIdProblem::NotHttps => "web facet IDs must use https, not http",
            FacetIdProblem::NotAnOrigin => {
                "web facet IDs are bare origins (https://host[:port]) without path, query or fragment"
            }
            FacetIdProblem::PaddedAndroidHash => {
                "Android APK key hashes are base64 without '=' padding (27 characters for SHA-1)"
            }
            FacetIdProblem::Malformed => {
                "not a facet ID: use https://host[:port], android:apk-key-hash:<hash> or ios:bundle-id:<id>"
            }
        })
    }
}

impl fmt::Display for RejectedFacetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "facet list entry {} ({:?}): {}",
            self.index, self.id, self.problem
        )
    }
}
