//! The protocol version `{major, minor}` (`upv`, `Version` of UAF protocol §3.1.1, digest
//! §2.3): one type for the JSON messages ([`crate::message`]) and the metadata statements
//! (`uaf-metadata`'s `upv`).

use core::fmt;

use serde::Serialize;

/// A protocol version (`upv`): UAF 1.0 is `{1,0}`, UAF 1.1 is `{1,1}` (digest §2.3).
///
/// Decoding accepts any `unsigned short` pair; which versions are *supported* is the
/// receiver's decision (a 1.1 server rejects `{1,7}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Version {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl Version {
    /// UAF 1.0.
    pub const V1_0: Version = Version { major: 1, minor: 0 };
    /// UAF 1.1.
    pub const V1_1: Version = Version { major: 1, minor: 1 };

    /// `{major, minor}`.
    #[must_use]
    pub const fn new(major: u16, minor: u16) -> Self {
        Version { major, minor }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn versions_order_and_display() {
        assert!(Version::V1_0 < Version::V1_1);
        assert_eq!(Version::new(1, 1), Version::V1_1);
        assert_eq!(alloc::format!("{}", Version::new(1, 7)), "1.7");
    }
}
