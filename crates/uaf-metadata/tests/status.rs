//! The acceptability verdict on MDS3 status reports (MDS v3.0 §3.1.4, digest §8.3, R5.5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test]

mod common;

use common::{edited, text};
use serde_json::{Value, json};
use uaf_metadata::{AuthenticatorStatus, IsoDate, MetadataEntry, Unacceptable, acceptability};

fn entry(name: &str) -> MetadataEntry {
    MetadataEntry::from_json(&text(name)).unwrap()
}

/// The certified fixture (statement authenticatorVersion 3) with `reports` instead of its own.
fn with_reports(reports: Value) -> MetadataEntry {
    MetadataEntry::from_json(&edited("blob-entry-certified.json", |o| {
        o.insert("statusReports".into(), reports);
    }))
    .unwrap()
}

fn date(s: &str) -> Option<IsoDate> {
    Some(IsoDate::parse(s).unwrap())
}

#[test]
fn certified_and_bare_entries_are_acceptable() {
    let certified = entry("blob-entry-certified.json");
    assert_eq!(acceptability(&certified, Some(3)), Ok(()));
    assert_eq!(acceptability(&certified, None), Ok(()));
    let bare = entry("uaf11-fc01-shape.json");
    assert_eq!(acceptability(&bare, None), Ok(()));
    // NOT_FIDO_CERTIFIED alone is a policy question, not a security verdict.
    let uncertified = with_reports(json!([{"status": "NOT_FIDO_CERTIFIED"}]));
    assert_eq!(acceptability(&uncertified, None), Ok(()));
    let self_asserted = with_reports(json!([{"status": "SELF_ASSERTION_SUBMITTED"}]));
    assert_eq!(acceptability(&self_asserted, None), Ok(()));
}

#[test]
fn revoked_is_unacceptable_whatever_the_version() {
    let revoked = entry("blob-entry-revoked.json");
    let expected = Unacceptable::Revoked {
        report_index: 1,
        effective_date: date("2022-03-01"),
    };
    assert_eq!(
        acceptability(&revoked, Some(u32::MAX)),
        Err(expected.clone())
    );
    assert_eq!(acceptability(&revoked, None), Err(expected.clone()));
    assert_eq!(
        expected.to_string(),
        "authenticator model revoked by the FIDO Alliance since 2022-03-01 (statusReports[1]); remove it from the accepted policy"
    );
}

#[test]
fn revoked_is_not_cleared_by_an_update() {
    let e = with_reports(json!([
        {"status": "REVOKED", "effectiveDate": "2022-01-01"},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2022-06-01", "authenticatorVersion": 9},
        {"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2023-01-01"}
    ]));
    assert_eq!(
        acceptability(&e, Some(9)),
        Err(Unacceptable::Revoked {
            report_index: 0,
            effective_date: date("2022-01-01")
        })
    );
}

#[test]
fn compromise_then_update_clears_it_from_the_fixed_version() {
    let e = entry("blob-entry-compromise-then-update.json");
    assert_eq!(acceptability(&e, Some(3)), Ok(()));
    assert_eq!(acceptability(&e, Some(4)), Ok(()));
    let old = Unacceptable::NotUpdated {
        status: AuthenticatorStatus::UserVerificationBypass,
        report_index: 1,
        fixed_in: 3,
        authenticator_version: Some(2),
    };
    assert_eq!(acceptability(&e, Some(2)), Err(old.clone()));
    assert_eq!(
        old.to_string(),
        "authenticator model reported USER_VERIFICATION_BYPASS (statusReports[1]); firmware version 3 or later fixes it, but this authenticator runs version 2; the user must update it"
    );
    assert_eq!(
        acceptability(&e, None),
        Err(Unacceptable::NotUpdated {
            status: AuthenticatorStatus::UserVerificationBypass,
            report_index: 1,
            fixed_in: 3,
            authenticator_version: None,
        })
    );
}

#[test]
fn compromise_without_update_is_unacceptable() {
    let e = entry("blob-entry-attestation-key-compromise.json");
    let expected = Unacceptable::Compromised {
        status: AuthenticatorStatus::AttestationKeyCompromise,
        report_index: 1,
        effective_date: date("2023-09-30"),
    };
    assert_eq!(acceptability(&e, Some(100)), Err(expected.clone()));
    assert!(
        expected
            .to_string()
            .contains("ATTESTATION_KEY_COMPROMISE since 2023-09-30 (statusReports[1])")
    );
    for status in [
        "USER_VERIFICATION_BYPASS",
        "ATTESTATION_KEY_COMPROMISE",
        "USER_KEY_REMOTE_COMPROMISE",
        "USER_KEY_PHYSICAL_COMPROMISE",
    ] {
        let e = with_reports(
            json!([{"status": "FIDO_CERTIFIED_L2", "effectiveDate": "2020-01-01"}, {"status": status}]),
        );
        assert_eq!(
            acceptability(&e, Some(3)),
            Err(Unacceptable::Compromised {
                status: AuthenticatorStatus::from_name(status),
                report_index: 1,
                effective_date: None,
            }),
            "{status}"
        );
    }
}

#[test]
fn an_update_before_the_compromise_does_not_clear_it() {
    let e = with_reports(json!([
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-01-01", "authenticatorVersion": 5},
        {"status": "USER_KEY_REMOTE_COMPROMISE", "effectiveDate": "2021-01-01"}
    ]));
    assert_eq!(
        acceptability(&e, Some(5)),
        Err(Unacceptable::Compromised {
            status: AuthenticatorStatus::UserKeyRemoteCompromise,
            report_index: 1,
            effective_date: date("2021-01-01"),
        })
    );
}

#[test]
fn a_later_certification_does_not_clear_a_compromise() {
    let e = with_reports(json!([
        {"status": "USER_KEY_PHYSICAL_COMPROMISE", "effectiveDate": "2020-01-01"},
        {"status": "FIDO_CERTIFIED_L3", "effectiveDate": "2021-01-01"}
    ]));
    assert!(matches!(
        acceptability(&e, Some(3)),
        Err(Unacceptable::Compromised {
            report_index: 0,
            ..
        })
    ));
}

#[test]
fn reports_are_ordered_by_effective_date_not_array_position() {
    // Written out of order: the update (2021) comes after the compromise (2020).
    let e = with_reports(json!([
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2021-03-01", "authenticatorVersion": 5},
        {"status": "USER_KEY_REMOTE_COMPROMISE", "effectiveDate": "2020-11-30"}
    ]));
    assert_eq!(acceptability(&e, Some(5)), Ok(()));
    assert_eq!(
        acceptability(&e, Some(4)),
        Err(Unacceptable::NotUpdated {
            status: AuthenticatorStatus::UserKeyRemoteCompromise,
            report_index: 1,
            fixed_in: 5,
            authenticator_version: Some(4),
        })
    );
    assert_eq!(
        e.latest_status_report().unwrap().status,
        AuthenticatorStatus::UpdateAvailable
    );
}

#[test]
fn same_date_keeps_array_order() {
    let fixed = with_reports(json!([
        {"status": "USER_VERIFICATION_BYPASS", "effectiveDate": "2020-05-05"},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-05-05", "authenticatorVersion": 4}
    ]));
    assert_eq!(acceptability(&fixed, Some(4)), Ok(()));
    let not_fixed = with_reports(json!([
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-05-05", "authenticatorVersion": 4},
        {"status": "USER_VERIFICATION_BYPASS", "effectiveDate": "2020-05-05"}
    ]));
    assert!(matches!(
        acceptability(&not_fixed, Some(4)),
        Err(Unacceptable::Compromised {
            report_index: 1,
            ..
        })
    ));
}

#[test]
fn undated_reports_take_effect_where_they_stand() {
    // Undated compromise first, dated update after it: fixed.
    let fixed = with_reports(json!([
        {"status": "USER_VERIFICATION_BYPASS"},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-01-01", "authenticatorVersion": 4}
    ]));
    assert_eq!(acceptability(&fixed, Some(4)), Ok(()));
    // Dated update first, undated compromise after it: the compromise is current.
    let open = with_reports(json!([
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-01-01", "authenticatorVersion": 4},
        {"status": "USER_VERIFICATION_BYPASS"}
    ]));
    assert!(matches!(
        acceptability(&open, Some(4)),
        Err(Unacceptable::Compromised {
            report_index: 1,
            ..
        })
    ));
    // An undated report sorts with the date before it, not at the end.
    let e = with_reports(json!([
        {"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2019-01-01"},
        {"status": "USER_KEY_REMOTE_COMPROMISE"},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2018-01-01", "authenticatorVersion": 4}
    ]));
    assert!(matches!(
        acceptability(&e, Some(4)),
        Err(Unacceptable::Compromised {
            report_index: 1,
            ..
        })
    ));
    assert_eq!(
        e.latest_status_report().unwrap().status,
        AuthenticatorStatus::UserKeyRemoteCompromise
    );
}

#[test]
fn update_without_version_uses_the_statement_version() {
    // The certified fixture's statement says authenticatorVersion 3.
    let e = with_reports(json!([
        {"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2020-01-01"},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-02-01"}
    ]));
    assert_eq!(acceptability(&e, Some(3)), Ok(()));
    assert!(matches!(
        acceptability(&e, Some(2)),
        Err(Unacceptable::NotUpdated { fixed_in: 3, .. })
    ));
}

#[test]
fn lowest_fixed_version_among_later_updates() {
    let e = with_reports(json!([
        {"status": "USER_VERIFICATION_BYPASS", "effectiveDate": "2020-01-01"},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-02-01", "authenticatorVersion": 7},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-03-01", "authenticatorVersion": 9}
    ]));
    assert_eq!(acceptability(&e, Some(7)), Ok(()));
    assert!(matches!(
        acceptability(&e, Some(6)),
        Err(Unacceptable::NotUpdated { fixed_in: 7, .. })
    ));
}

#[test]
fn a_new_compromise_after_an_update_is_current() {
    let e = with_reports(json!([
        {"status": "USER_VERIFICATION_BYPASS", "effectiveDate": "2020-01-01"},
        {"status": "UPDATE_AVAILABLE", "effectiveDate": "2020-06-01", "authenticatorVersion": 3},
        {"status": "USER_KEY_PHYSICAL_COMPROMISE", "effectiveDate": "2021-01-01"}
    ]));
    assert_eq!(
        acceptability(&e, Some(3)),
        Err(Unacceptable::Compromised {
            status: AuthenticatorStatus::UserKeyPhysicalCompromise,
            report_index: 2,
            effective_date: date("2021-01-01"),
        })
    );
}

#[test]
fn unrecognized_statuses_do_not_count() {
    let e = with_reports(json!([
        {"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2020-01-01"},
        {"status": "RETIRED", "effectiveDate": "2024-01-01"}
    ]));
    assert_eq!(acceptability(&e, None), Ok(()));
    assert_eq!(
        e.latest_status_report().unwrap().status,
        AuthenticatorStatus::Unrecognized("RETIRED".into())
    );
}

#[test]
fn unacceptable_without_date_or_version_reads_well() {
    let e = Unacceptable::Compromised {
        status: AuthenticatorStatus::UserKeyRemoteCompromise,
        report_index: 0,
        effective_date: None,
    };
    assert_eq!(
        e.to_string(),
        "authenticator model reported USER_KEY_REMOTE_COMPROMISE (statusReports[0]) and no later UPDATE_AVAILABLE report names a fix"
    );
    let e = Unacceptable::NotUpdated {
        status: AuthenticatorStatus::UserVerificationBypass,
        report_index: 2,
        fixed_in: 5,
        authenticator_version: None,
    };
    assert!(
        e.to_string()
            .ends_with("but this authenticator's version is unknown")
    );
}
