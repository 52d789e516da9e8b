//! [`MetadataSource`] (look up by AAID) and the in-memory [`MetadataIndex`].

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::fmt;

use uaf_proto::id::Aaid;

use crate::entry::MetadataEntry;
use crate::statement::ProtocolFamily;

/// Where a verifier finds the metadata of an authenticator model.
///
/// AAIDs compare case-insensitively (`"4e4e#4005"` names the same model as `"4E4E#4005"`);
/// implementations must look them up so.
pub trait MetadataSource {
    /// The entry (statement and status reports) for `aaid`, or `None` if the model is unknown.
    fn lookup(&self, aaid: &Aaid) -> Option<&MetadataEntry>;
}

impl<T: MetadataSource + ?Sized> MetadataSource for &T {
    fn lookup(&self, aaid: &Aaid) -> Option<&MetadataEntry> {
        (**self).lookup(aaid)
    }
}

impl<T: MetadataSource + ?Sized> MetadataSource for Box<T> {
    fn lookup(&self, aaid: &Aaid) -> Option<&MetadataEntry> {
        (**self).lookup(aaid)
    }
}

/// Why an entry was not added to a [`MetadataIndex`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IndexError {
    /// The index already holds an entry for this AAID (compared case-insensitively).
    DuplicateAaid {
        /// The AAID, as spelled by the rejected entry.
        aaid: Aaid,
    },
    /// The statement's `protocolFamily` is not `uaf`.
    NotUaf {
        /// The statement's AAID.
        aaid: Aaid,
        /// Its protocol family.
        protocol_family: ProtocolFamily,
    },
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::DuplicateAaid { aaid } => write!(
                f,
                "two metadata statements for AAID {aaid}; keep one (AAIDs compare case-insensitively)"
            ),
            IndexError::NotUaf {
                aaid,
                protocol_family,
            } => write!(
                f,
                "metadata statement for AAID {aaid} has protocolFamily \"{protocol_family}\"; a UAF index takes \"uaf\" only"
            ),
        }
    }
}

impl core::error::Error for IndexError {}

/// An in-memory set of UAF metadata entries keyed by AAID.
///
/// ```
/// use uaf_metadata::{MetadataEntry, MetadataIndex, MetadataSource};
/// use uaf_proto::id::Aaid;
/// # let json = r#"{"aaid":"ABCD#0001","description":"x","authenticatorVersion":1,
/// #   "upv":[{"major":1,"minor":1}],"assertionScheme":"UAFV1TLV","authenticationAlgorithm":1,
/// #   "publicKeyAlgAndEncoding":256,"attestationTypes":[15880],
/// #   "userVerificationDetails":[[{"userVerification":4}]],"keyProtection":1,
/// #   "matcherProtection":1,"attachmentHint":1,"isSecondFactorOnly":false,"tcDisplay":0,
/// #   "attestationRootCertificates":[]}"#;
/// let mut index = MetadataIndex::new();
/// index.insert(MetadataEntry::from_json(json)?)?;
/// assert!(index.lookup(&Aaid::parse("abcd#0001")?).is_some());
/// // A second entry for the same model is refused.
/// assert!(index.insert(MetadataEntry::from_json(json)?).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MetadataIndex {
    entries: BTreeMap<Aaid, MetadataEntry>,
}

impl MetadataIndex {
    /// An empty index.
    #[must_use]
    pub const fn new() -> Self {
        MetadataIndex {
            entries: BTreeMap::new(),
        }
    }

    /// An index holding `entries`.
    ///
    /// # Errors
    /// The first [`IndexError`] met, as [`MetadataIndex::insert`].
    pub fn try_from_entries(
        entries: impl IntoIterator<Item = MetadataEntry>,
    ) -> Result<Self, IndexError> {
        let mut index = MetadataIndex::new();
        for entry in entries {
            index.insert(entry)?;
        }
        Ok(index)
    }

    /// Adds `entry`.
    ///
    /// # Errors
    /// [`IndexError::DuplicateAaid`] if an entry for the same AAID is already there (the index
    /// is unchanged); [`IndexError::NotUaf`] if the statement is not for the UAF protocol.
    pub fn insert(&mut self, entry: MetadataEntry) -> Result<(), IndexError> {
        let aaid = entry.aaid();
        let protocol_family = entry.statement().protocol_family();
        if protocol_family != ProtocolFamily::Uaf {
            return Err(IndexError::NotUaf {
                aaid,
                protocol_family,
            });
        }
        match self.entries.entry(aaid) {
            alloc::collections::btree_map::Entry::Occupied(_) => {
                Err(IndexError::DuplicateAaid { aaid })
            }
            alloc::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(entry);
                Ok(())
            }
        }
    }

    /// The entry for `aaid` (case-insensitive).
    #[must_use]
    pub fn get(&self, aaid: &Aaid) -> Option<&MetadataEntry> {
        self.entries.get(aaid)
    }

    /// Removes and returns the entry for `aaid` (case-insensitive), e.g. to replace it.
    pub fn remove(&mut self, aaid: &Aaid) -> Option<MetadataEntry> {
        self.entries.remove(aaid)
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, ordered by AAID (upper-cased).
    pub fn iter(&self) -> impl Iterator<Item = &MetadataEntry> {
        self.entries.values()
    }
}

impl MetadataSource for MetadataIndex {
    fn lookup(&self, aaid: &Aaid) -> Option<&MetadataEntry> {
        self.get(aaid)
    }
}
