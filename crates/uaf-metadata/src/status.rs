//! MDS3 status reports and the one verdict on them, [`acceptability`] (digest §8.3).
//!
//! Source: FIDO Metadata Service v3.0 §3.1.3 (`StatusReport`), §3.1.4 (`AuthenticatorStatus`),
//! §3.1.1 (`MetadataBLOBPayloadEntry`) — URLs in digest §0.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use uaf_proto::message::json::Value;

use crate::entry::MetadataEntry;
use crate::error::MetadataError;
use crate::json::{self, Path};
use crate::options::ParseOptions;

/// A calendar date `YYYY-MM-DD`, the form MDS3 uses for `effectiveDate` and
/// `timeOfLastStatusChange`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IsoDate {
    year: u16,
    month: u8,
    day: u8,
}

impl IsoDate {
    /// The date, if it exists in the Gregorian calendar (years 0..=9999).
    #[must_use]
    pub const fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        if year > 9999 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(IsoDate { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] =
            <[u8; 10]>::try_from(s.as_bytes()).ok()?
        else {
            return None;
        };
        let year = u16::from(digit(y0)?) * 1000
            + u16::from(digit(y1)?) * 100
            + u16::from(digit(y2)?) * 10
            + u16::from(digit(y3)?);
        let month = digit(m0)? * 10 + digit(m1)?;
        let day = digit(d0)? * 10 + digit(d1)?;
        Self::new(year, month, day)
    }

    /// The year.
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1..=12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }
}

const fn digit(b: u8) -> Option<u8> {
    if b.is_ascii_digit() {
        Some(b - b'0')
    } else {
        None
    }
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Why a text is not an [`IsoDate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IsoDateError;

impl fmt::Display for IsoDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date must be written YYYY-MM-DD and exist in the calendar")
    }
}

impl core::error::Error for IsoDateError {}

impl FromStr for IsoDate {
    type Err = IsoDateError;
    fn from_str(s: &str) -> Result<Self, IsoDateError> {
        IsoDate::parse(s).ok_or(IsoDateError)
    }
}

/// Reads a `YYYY-MM-DD` member.
pub(crate) fn date(v: &Value, p: &Path<'_>) -> Result<IsoDate, MetadataError> {
    IsoDate::parse(json::string(v, p)?)
        .ok_or_else(|| p.invalid("must be a date written YYYY-MM-DD that exists in the calendar"))
}

/// `AuthenticatorStatus` (MDS3 §3.1.4).
///
/// A status string this crate does not know is kept as [`AuthenticatorStatus::Unrecognized`]
/// rather than rejected: the FIDO Alliance adds values over time, and one new value must not
/// make a whole metadata BLOB unreadable. [`acceptability`] does not count unrecognized values
/// against an authenticator; a relying party that wants to can look for them itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthenticatorStatus {
    /// `NOT_FIDO_CERTIFIED`.
    NotFidoCertified,
    /// `FIDO_CERTIFIED` (functional certification, phased out for `FIDO_CERTIFIED_L1`).
    FidoCertified,
    /// `USER_VERIFICATION_BYPASS`: malware can bypass user verification.
    UserVerificationBypass,
    /// `ATTESTATION_KEY_COMPROMISE`: an attestation key is known to be compromised.
    AttestationKeyCompromise,
    /// `USER_KEY_REMOTE_COMPROMISE`: registered keys can be compromised remotely.
    UserKeyRemoteCompromise,
    /// `USER_KEY_PHYSICAL_COMPROMISE`: user keys can be extracted with physical access.
    UserKeyPhysicalCompromise,
    /// `UPDATE_AVAILABLE`: a software or firmware update is available.
    UpdateAvailable,
    /// `REVOKED`: the FIDO Alliance says this model must not be trusted at all.
    Revoked,
    /// `SELF_ASSERTION_SUBMITTED`: the vendor submitted the self-certification checklist.
    SelfAssertionSubmitted,
    /// `FIDO_CERTIFIED_L1`.
    FidoCertifiedL1,
    /// `FIDO_CERTIFIED_L1plus`.
    FidoCertifiedL1Plus,
    /// `FIDO_CERTIFIED_L2`.
    FidoCertifiedL2,
    /// `FIDO_CERTIFIED_L2plus`.
    FidoCertifiedL2Plus,
    /// `FIDO_CERTIFIED_L3`.
    FidoCertifiedL3,
    /// `FIDO_CERTIFIED_L3plus`.
    FidoCertifiedL3Plus,
    /// A status string this crate does not know, kept as written.
    Unrecognized(String),
}

/// Every known status with its MDS3 string.
const STATUS_NAMES: &[(AuthenticatorStatus, &str)] = &[
    (AuthenticatorStatus::NotFidoCertified, "NOT_FIDO_CERTIFIED"),
    (AuthenticatorStatus::FidoCertified, "FIDO_CERTIFIED"),
    (
        AuthenticatorStatus::UserVerificationBypass,
        "USER_VERIFICATION_BYPASS",
    ),
    (
        AuthenticatorStatus::AttestationKeyCompromise,
        "ATTESTATION_KEY_COMPROMISE",
    ),
    (
        AuthenticatorStatus::UserKeyRemoteCompromise,
        "USER_KEY_REMOTE_COMPROMISE",
    ),
    (
        AuthenticatorStatus::UserKeyPhysicalCompromise,
        "USER_KEY_PHYSICAL_COMPROMISE",
    ),
    (AuthenticatorStatus::UpdateAvailable, "UPDATE_AVAILABLE"),
    (AuthenticatorStatus::Revoked, "REVOKED"),
    (
        AuthenticatorStatus::SelfAssertionSubmitted,
        "SELF_ASSERTION_SUBMITTED",
    ),
    (AuthenticatorStatus::FidoCertifiedL1, "FIDO_CERTIFIED_L1"),
    (
        AuthenticatorStatus::FidoCertifiedL1Plus,
        "FIDO_CERTIFIED_L1plus",
    ),
    (AuthenticatorStatus::FidoCertifiedL2, "FIDO_CERTIFIED_L2"),
    (
        AuthenticatorStatus::FidoCertifiedL2Plus,
        "FIDO_CERTIFIED_L2plus",
    ),
    (AuthenticatorStatus::FidoCertifiedL3, "FIDO_CERTIFIED_L3"),
    (
        AuthenticatorStatus::FidoCertifiedL3Plus,
        "FIDO_CERTIFIED_L3plus",
    ),
];

impl AuthenticatorStatus {
    /// The status for an MDS3 string (exact spelling); total.
    #[must_use]
    pub fn from_name(s: &str) -> Self {
        STATUS_NAMES
            .iter()
            .find(|(_, name)| *name == s)
            .map_or_else(
                || AuthenticatorStatus::Unrecognized(s.into()),
                |(status, _)| status.clone(),
            )
    }

    /// The MDS3 string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            AuthenticatorStatus::Unrecognized(s) => s,
            known => STATUS_NAMES
                .iter()
                .find(|(status, _)| status == known)
                .map_or("", |(_, name)| name),
        }
    }

    /// Whether this status reports a security issue that an update can fix:
    /// `USER_VERIFICATION_BYPASS`, `ATTESTATION_KEY_COMPROMISE`, `USER_KEY_REMOTE_COMPROMISE`,
    /// `USER_KEY_PHYSICAL_COMPROMISE`. (`REVOKED` is final and is not one of them.)
    #[must_use]
    pub fn is_compromise(&self) -> bool {
        matches!(
            self,
            AuthenticatorStatus::UserVerificationBypass
                | AuthenticatorStatus::AttestationKeyCompromise
                | AuthenticatorStatus::UserKeyRemoteCompromise
                | AuthenticatorStatus::UserKeyPhysicalCompromise
        )
    }

    /// Whether this is one of the `FIDO_CERTIFIED*` statuses.
    #[must_use]
    pub fn is_certified(&self) -> bool {
        matches!(
            self,
            AuthenticatorStatus::FidoCertified
                | AuthenticatorStatus::FidoCertifiedL1
                | AuthenticatorStatus::FidoCertifiedL1Plus
                | AuthenticatorStatus::FidoCertifiedL2
                | AuthenticatorStatus::FidoCertifiedL2Plus
                | AuthenticatorStatus::FidoCertifiedL3
                | AuthenticatorStatus::FidoCertifiedL3Plus
        )
    }
}

impl fmt::Display for AuthenticatorStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `StatusReport` (MDS3 §3.1.3): one dated statement about an authenticator model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StatusReport {
    /// `status`.
    pub status: AuthenticatorStatus,
    /// `effectiveDate`: since when the status holds; absent means "while listed".
    pub effective_date: Option<IsoDate>,
    /// `authenticatorVersion`: the firmware version the report is about (for
    /// `UPDATE_AVAILABLE`: the version that carries the update).
    pub authenticator_version: Option<u32>,
    /// `certificate`: a DER certificate the status relates to (e.g. the compromised
    /// attestation certificate), decoded from base64.
    pub certificate: Option<Vec<u8>>,
    /// `url`: where more information is.
    pub url: Option<String>,
    /// `certificationDescriptor`.
    pub certification_descriptor: Option<String>,
    /// `certificateNumber`.
    pub certificate_number: Option<String>,
    /// `certificationPolicyVersion`.
    pub certification_policy_version: Option<String>,
    /// `certificationRequirementsVersion`.
    pub certification_requirements_version: Option<String>,
}

impl StatusReport {
    /// Reads one report at path `p`.
    pub(crate) fn from_value(
        v: &Value,
        p: &Path<'_>,
        options: &ParseOptions,
    ) -> Result<Self, MetadataError> {
        let o = json::object(v, p)?;
        let text = |v: &Value, p: &Path<'_>| json::string(v, p).map(String::from);
        Ok(StatusReport {
            status: o.req(p, "status", |v, p| {
                json::string(v, p).map(AuthenticatorStatus::from_name)
            })?,
            effective_date: o.opt(p, "effectiveDate", date)?,
            authenticator_version: o.opt(p, "authenticatorVersion", json::u32_)?,
            certificate: o.opt(p, "certificate", |v, p| {
                options.decode_certificate(json::string(v, p)?, p)
            })?,
            url: o.opt(p, "url", text)?,
            certification_descriptor: o.opt(p, "certificationDescriptor", text)?,
            certificate_number: o.opt(p, "certificateNumber", text)?,
            certification_policy_version: o.opt(p, "certificationPolicyVersion", text)?,
            certification_requirements_version: o.opt(
                p,
                "certificationRequirementsVersion",
                text,
            )?,
        })
    }
}

/// The reports in chronological order, each with its index in `reports`.
///
/// Order: by `effectiveDate`, then by position in the array. A report without a date takes
/// effect where it stands in the array: it sorts with the date of the nearest dated report
/// before it (or before every dated report if there is none).
pub(crate) fn chronological(reports: &[StatusReport]) -> Vec<(usize, &StatusReport)> {
    let mut last: Option<IsoDate> = None;
    let mut keyed: Vec<(Option<IsoDate>, usize, &StatusReport)> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if r.effective_date.is_some() {
                last = r.effective_date;
            }
            (last, i, r)
        })
        .collect();
    keyed.sort_by_key(|k| (k.0, k.1));
    keyed.into_iter().map(|(_, i, r)| (i, r)).collect()
}

/// Why an authenticator model is not acceptable under its status reports. A relying party
/// answers UAF status code 1493 (`UNACCEPTABLE_AUTHENTICATOR`, digest §3.2 R5.5).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unacceptable {
    /// A `REVOKED` report: the FIDO Alliance says the model must not be trusted. Final.
    Revoked {
        /// Index of the report in `statusReports`.
        report_index: usize,
        /// Its `effectiveDate`.
        effective_date: Option<IsoDate>,
    },
    /// The latest compromise report (`USER_VERIFICATION_BYPASS`,
    /// `ATTESTATION_KEY_COMPROMISE`, `USER_KEY_REMOTE_COMPROMISE`,
    /// `USER_KEY_PHYSICAL_COMPROMISE`) has no `UPDATE_AVAILABLE` after it.
    Compromised {
        /// The compromise.
        status: AuthenticatorStatus,
        /// Index of the report in `statusReports`.
        report_index: usize,
        /// Its `effectiveDate`.
        effective_date: Option<IsoDate>,
    },
    /// An `UPDATE_AVAILABLE` after the latest compromise fixes it from firmware version
    /// `fixed_in`, and this authenticator's version is lower or unknown.
    NotUpdated {
        /// The compromise.
        status: AuthenticatorStatus,
        /// Index of the compromise report in `statusReports`.
        report_index: usize,
        /// Lowest firmware version with the fix.
        fixed_in: u32,
        /// The authenticator's version, as passed to [`acceptability`].
        authenticator_version: Option<u32>,
    },
}

impl fmt::Display for Unacceptable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Since(Option<IsoDate>);
        impl fmt::Display for Since {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    Some(d) => write!(f, " since {d}"),
                    None => Ok(()),
                }
            }
        }
        match self {
            Unacceptable::Revoked {
                report_index,
                effective_date,
            } => write!(
                f,
                "authenticator model revoked by the FIDO Alliance{} (statusReports[{report_index}]); remove it from the accepted policy",
                Since(*effective_date)
            ),
            Unacceptable::Compromised {
                status,
                report_index,
                effective_date,
            } => write!(
                f,
                "authenticator model reported {status}{} (statusReports[{report_index}]) and no later UPDATE_AVAILABLE report names a fix",
                Since(*effective_date)
            ),
            Unacceptable::NotUpdated {
                status,
                report_index,
                fixed_in,
                authenticator_version,
            } => {
                write!(
                    f,
                    "authenticator model reported {status} (statusReports[{report_index}]); firmware version {fixed_in} or later fixes it, but "
                )?;
                match authenticator_version {
                    Some(v) => write!(
                        f,
                        "this authenticator runs version {v}; the user must update it"
                    ),
                    None => f.write_str("this authenticator's version is unknown"),
                }
            }
        }
    }
}

impl core::error::Error for Unacceptable {}

/// Whether an authenticator of `entry`'s model, running firmware `authenticator_version`
/// (`AuthenticatorVersion` of `TAG_ASSERTION_INFO`; `None` if unknown), is acceptable under
/// the model's MDS3 status reports — and if not, why.
///
/// The rule (our reading of MDS v3.0 §3.1.4 and digest §8.3; it fails closed where the
/// specification leaves room):
/// 1. The reports are put in chronological order: by `effectiveDate`, ties by array position;
///    an undated report takes effect where it stands in the array. Dates only order reports:
///    this function has no clock, so a report dated in the future counts too.
/// 2. Any `REVOKED` report → [`Unacceptable::Revoked`]. Nothing clears it, not even a later
///    `UPDATE_AVAILABLE` (stricter than MDS, which lists REVOKED among the issues an update
///    may fix: a revoked model is untrusted as a whole, e.g. a fraudulent product).
/// 3. Otherwise take the latest compromise report (`USER_VERIFICATION_BYPASS`,
///    `ATTESTATION_KEY_COMPROMISE`, `USER_KEY_REMOTE_COMPROMISE`,
///    `USER_KEY_PHYSICAL_COMPROMISE`). None → acceptable.
/// 4. An `UPDATE_AVAILABLE` report after it fixes it for firmware at or above the update's
///    version: the report's `authenticatorVersion`, or, when the report has none, the
///    statement's `authenticatorVersion` (MDS requires the vendor to raise it when an update
///    fixes a security issue). With several such updates the lowest version suffices. An
///    authenticator at that version or later is acceptable; a lower or unknown version →
///    [`Unacceptable::NotUpdated`]. No update after the compromise →
///    [`Unacceptable::Compromised`]. A later `FIDO_CERTIFIED*` report alone does not clear a
///    compromise.
/// 5. `ATTESTATION_KEY_COMPROMISE` rejects the whole model even when the report names the
///    compromised batch in `certificate` (MDS allows rejecting only that batch; we do not
///    see the attestation certificate here, so we fail closed). The `authenticatorVersion`
///    of a compromise report is not used to narrow it down either.
/// 6. `NOT_FIDO_CERTIFIED`, `SELF_ASSERTION_SUBMITTED`, certification levels and
///    unrecognized statuses do not make a model unacceptable here; requiring a certification
///    level is a relying-party policy on top of this verdict. An entry without reports (a
///    bare statement) is acceptable.
///
/// # Errors
/// [`Unacceptable`] saying which report makes the model unacceptable.
pub fn acceptability(
    entry: &MetadataEntry,
    authenticator_version: Option<u32>,
) -> Result<(), Unacceptable> {
    let mut revoked: Option<(usize, &StatusReport)> = None;
    let mut compromise: Option<(usize, &StatusReport)> = None;
    let mut fixed_in: Option<u32> = None;
    for (i, report) in chronological(entry.status_reports()) {
        match &report.status {
            AuthenticatorStatus::Revoked => revoked = Some((i, report)),
            status if status.is_compromise() => {
                compromise = Some((i, report));
                fixed_in = None;
            }
            AuthenticatorStatus::UpdateAvailable if compromise.is_some() => {
                let version = report
                    .authenticator_version
                    .unwrap_or(entry.statement().authenticator_version());
                fixed_in = Some(fixed_in.map_or(version, |f| f.min(version)));
            }
            _ => {}
        }
    }
    if let Some((report_index, report)) = revoked {
        return Err(Unacceptable::Revoked {
            report_index,
            effective_date: report.effective_date,
        });
    }
    match (compromise, fixed_in) {
        (None, _) => Ok(()),
        (Some((report_index, report)), None) => Err(Unacceptable::Compromised {
            status: report.status.clone(),
            report_index,
            effective_date: report.effective_date,
        }),
        (Some((report_index, report)), Some(fixed_in)) => match authenticator_version {
            Some(v) if v >= fixed_in => Ok(()),
            other => Err(Unacceptable::NotUpdated {
                status: report.status.clone(),
                report_index,
                fixed_in,
                authenticator_version: other,
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        let d = IsoDate::parse("2024-02-29").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2024, 2, 29));
        assert_eq!(alloc::format!("{d}"), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01T00:00:00Z",
            "",
            "２０２４-01-01",
            "1900-02-29",
        ] {
            assert_eq!(IsoDate::parse(bad), None, "{bad}");
            assert_eq!(bad.parse::<IsoDate>(), Err(IsoDateError), "{bad}");
        }
        assert!(IsoDate::parse("2000-02-29").is_some());
        assert!(IsoDate::parse("2021-05-18") < IsoDate::parse("2021-06-01"));
        assert_eq!(IsoDate::new(10000, 1, 1), None);
    }

    #[test]
    fn status_names_round_trip() {
        for (status, name) in STATUS_NAMES {
            assert_eq!(&AuthenticatorStatus::from_name(name), status);
            assert_eq!(status.as_str(), *name);
        }
        let other = AuthenticatorStatus::from_name("RETIRED");
        assert_eq!(other, AuthenticatorStatus::Unrecognized("RETIRED".into()));
        assert_eq!(other.as_str(), "RETIRED");
        // Case matters: MDS3 spells the "plus" levels in lower case.
        assert_eq!(
            AuthenticatorStatus::from_name("FIDO_CERTIFIED_L1PLUS"),
            AuthenticatorStatus::Unrecognized("FIDO_CERTIFIED_L1PLUS".into())
        );
        assert!(AuthenticatorStatus::UserKeyPhysicalCompromise.is_compromise());
        assert!(!AuthenticatorStatus::Revoked.is_compromise());
        assert!(AuthenticatorStatus::FidoCertifiedL3Plus.is_certified());
        assert!(!AuthenticatorStatus::NotFidoCertified.is_certified());
    }
}
