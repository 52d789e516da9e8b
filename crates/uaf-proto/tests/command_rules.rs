//! Authenticator commands and responses (digest §5.7–§5.9): exact encodings in spec order, and
//! every cardinality and length rule, positive and negative.

// Test helpers outside `#[test]` fns may unwrap and index too (clippy.toml covers only the fns).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use uaf_proto::assertion::{AuthAssertion, Extension, Extensions, RegAssertion};
use uaf_proto::b64::Base64Policy;
use uaf_proto::command::*;
use uaf_proto::id::Aaid;
use uaf_proto::registry::{
    AlgSign, AttestationType, AuthenticatorType, KeyProtection, MatcherProtection, TcDisplay,
    UserVerify,
};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::*;

fn leaf(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut w = TlvWriter::new();
    w.put(tag, value).unwrap();
    w.into_bytes()
}

fn composite(tag: u16, members: &[Vec<u8>]) -> Vec<u8> {
    leaf(tag, &members.concat())
}

fn tlv(e: TlvError) -> CommandError {
    CommandError::Tlv(e)
}

/// Offset of member `i` of a top-level command (members start at byte 4).
fn offset(members: &[Vec<u8>], i: usize) -> usize {
    4 + members[..i].iter().map(Vec::len).sum::<usize>()
}

// Example 8 / Example 10 assertions of the UAF 1.0 protocol spec (digest §9.1), carried inside
// command responses.
const SPEC_REG_ASSERTION: &str = "AT7uAgM-sQALLgkAQUJDRCNBQkNEDi4HAAABAQEAAAEKLiAA9tBzZC64ecgVQBGSQb5QtEIPC8-Vav4HsHLZDflLaugJLiAAZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNgNLggAAQAAAAEAAAAMLkEABJsvEtUsVKh7tmYHhJ2FBm3kHU-OCdWiUYVijgYa81MfkjQ1z6UiHbKP9_nRzIN9anprHqDGcR6q7O20q_yctZAHPjUCBi5AACv8L7YlRMx10gPnszGO6rLFqZFmmRkhtV0TIWuWqYxd1jO0wxam7i5qdEa19u4sfpHFZ9RGI_WHxINkH8FfvAwFLu0BMIIB6TCCAY8CAQEwCQYHKoZIzj0EATB7MQswCQYDVQQGEwJVUzELMAkGA1UECAwCQ0ExCzAJBgNVBAcMAlBBMRAwDgYDVQQKDAdOTkwsSW5jMQ0wCwYDVQQLDAREQU4xMRMwEQYDVQQDDApOTkwsSW5jIENBMRwwGgYJKoZIhvcNAQkBFg1ubmxAZ21haWwuY29tMB4XDTE0MDgyODIxMzU0MFoXDTE3MDUyNDIxMzU0MFowgYYxCzAJBgNVBAYTAlVTMQswCQYDVQQIDAJDQTEWMBQGA1UEBwwNU2FuIEZyYW5jaXNjbzEQMA4GA1UECgwHTk5MLEluYzENMAsGA1UECwwEREFOMTETMBEGA1UEAwwKTk5MLEluYyBDQTEcMBoGCSqGSIb3DQEJARYNbm5sQGdtYWlsLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCGBt3CIjnDowzSiF68C2aErYXnDUsWXOYxqIPim0OWg9FFdUYCa6AgKjn1R99Ek2d803sGKROivnavmdVH-SnEwCQYHKoZIzj0EAQNJADBGAiEAzAQujXnSS9AIAh6lGz6ydypLVTsTnBzqGJ4ypIqy_qUCIQCFsuOEGcRV-o4GHPBph_VMrG3NpYh2GKPjsAim_cSNmQ";
const SPEC_AUTH_ASSERTION: &str = "Aj7WAAQ-jgALLgkAQUJDRCNBQkNEDi4FAAABAQEADy4gAHwyJAEX8t1b2wOxbaKOC5ZL7ACqbLo_TtiQfK3DzDsHCi4gAFwCUz-dOuafXKXJLbkUrIzjAU6oDbP8B9iLQRmCf58fEC4AAAkuIABkwI-f3bIe_Uin6IKIFvqLgAOrpk6_nr0oVAK9hIl82A0uBAACAAAABi5AADwDOcBvPslX2bRNy4SvFhAwhEAoBSGUitgMUNChgUSMxss3K3ukekq1paG7Fv1v5mBmDCZVPt2NCTnjUxrjTp4";

// ------------------------------------------------------------------------------------------
// GetInfo
// ------------------------------------------------------------------------------------------

#[test]
fn get_info_command_is_four_bytes() {
    // Digest §5.7: GetInfo is `01 34 00 00`.
    let bytes = [0x01, 0x34, 0x00, 0x00];
    assert_eq!(GetInfoCommand::default().encode().unwrap(), bytes);
    let c = GetInfoCommand::parse(&bytes).unwrap();
    assert!(c.extensions.is_empty());
    assert_eq!(Command::parse(&bytes), Ok(Command::GetInfo(c)));
    // Extensions may ride along.
    let exts = [Extension {
        id: "x",
        data: b"",
        critical: false,
    }];
    let c = GetInfoCommand {
        extensions: Extensions::from_slice(&exts),
    };
    let bytes = c.encode().unwrap();
    assert_eq!(GetInfoCommand::parse(&bytes).unwrap(), c);
    // Anything else inside is rejected.
    let bytes = composite(
        TAG_UAFV1_GETINFO_CMD,
        &[leaf(TAG_AUTHENTICATOR_INDEX, &[0])],
    );
    assert_eq!(
        GetInfoCommand::parse(&bytes),
        Err(tlv(TlvError::UnexpectedMember {
            parent: TAG_UAFV1_GETINFO_CMD,
            tag: TAG_AUTHENTICATOR_INDEX,
            offset: 4
        }))
    );
}

fn metadata() -> AuthenticatorMetadata {
    AuthenticatorMetadata {
        authenticator_type: AuthenticatorType::BUILTIN_UI | AuthenticatorType::USER_ENROLLED,
        max_key_handles: 1,
        user_verification: UserVerify::PASSCODE,
        key_protection: KeyProtection::SOFTWARE,
        matcher_protection: MatcherProtection::Software,
        tc_display: TcDisplay::ANY,
        authentication_alg: AlgSign::Secp256r1EcdsaSha256Raw,
    }
}

fn info_members() -> Vec<Vec<u8>> {
    vec![
        leaf(TAG_AUTHENTICATOR_INDEX, &[0]),
        leaf(TAG_AAID, b"FFFF#FC01"),
        leaf(TAG_AUTHENTICATOR_METADATA, &metadata().to_bytes()),
        leaf(TAG_TC_DISPLAY_CONTENT_TYPE, b"text/plain"),
        leaf(TAG_ASSERTION_SCHEME, b"UAFV1TLV"),
        leaf(TAG_ATTESTATION_TYPE, &[0x07, 0x3e]),
        leaf(TAG_ATTESTATION_TYPE, &[0x08, 0x3e]),
        leaf(TAG_SUPPORTED_EXTENSION_ID, b"fido.uaf.uvm"),
    ]
}

fn get_info_response(infos: &[Vec<u8>]) -> Vec<u8> {
    let mut m = vec![leaf(TAG_STATUS_CODE, &[0, 0]), leaf(TAG_API_VERSION, &[1])];
    m.extend(
        infos
            .iter()
            .map(|i| composite(TAG_AUTHENTICATOR_INFO, core::slice::from_ref(i))),
    );
    composite(TAG_UAFV1_GETINFO_CMD_RESPONSE, &m)
}

fn info(members: &[Vec<u8>]) -> Vec<u8> {
    members.concat()
}

#[test]
fn get_info_response_fields_and_exact_encoding() {
    let bytes = get_info_response(&[info(&info_members())]);
    let r = GetInfoResponse::parse(&bytes).unwrap();
    assert_eq!(r.status, CmdStatus::Ok);
    assert_eq!(r.api_version, Some(API_VERSION));
    assert_eq!(r.authenticators.len(), 1);
    let a = r.authenticators.first().unwrap();
    assert_eq!(a.authenticator_index, 0);
    assert_eq!(a.aaid, Aaid::parse("FFFF#FC01").unwrap());
    assert_eq!(a.metadata, metadata());
    assert_eq!(a.tc_display_content_type, Some("text/plain"));
    assert!(a.tc_display_png_characteristics.is_empty());
    assert_eq!(a.assertion_scheme, "UAFV1TLV");
    let types: Vec<AttestationType> = a.attestation_types.iter().collect();
    assert_eq!(
        types,
        [AttestationType::BasicFull, AttestationType::BasicSurrogate]
    );
    let ids: Vec<&str> = a.supported_extension_ids.iter().collect();
    assert_eq!(ids, ["fido.uaf.uvm"]);
    // Re-encoding writes the same spec order.
    assert_eq!(r.encode().unwrap(), bytes);
}

#[test]
fn get_info_response_with_png_and_several_authenticators() {
    let mut png = Vec::new();
    png.extend_from_slice(&200u32.to_le_bytes());
    png.extend_from_slice(&100u32.to_le_bytes());
    png.extend_from_slice(&[8, 3, 0, 0, 0]);
    png.extend_from_slice(
        &RgbPaletteEntry {
            r: 0xff,
            g: 0,
            b: 0x10,
        }
        .to_bytes(),
    );
    let mut second = info_members();
    second[0] = leaf(TAG_AUTHENTICATOR_INDEX, &[1]);
    second[1] = leaf(TAG_AAID, b"FFFF#FC02");
    second[3] = leaf(TAG_TC_DISPLAY_CONTENT_TYPE, b"image/png");
    second.insert(4, leaf(TAG_TC_DISPLAY_PNG_CHARACTERISTICS, &png));
    let bytes = get_info_response(&[info(&info_members()), info(&second)]);
    let r = GetInfoResponse::parse(&bytes).unwrap();
    let infos: Vec<AuthenticatorInfo<'_>> = r.authenticators.iter().collect();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[1].aaid.as_str(), "FFFF#FC02");
    let p = infos[1].tc_display_png_characteristics.first().unwrap();
    assert_eq!(
        (p.width, p.height, p.bit_depth, p.color_type),
        (200, 100, 8, 3)
    );
    assert_eq!(
        p.plte.iter().collect::<Vec<_>>(),
        [RgbPaletteEntry {
            r: 0xff,
            g: 0,
            b: 0x10
        }]
    );
    assert_eq!(r.encode().unwrap(), bytes);
}

#[test]
fn get_info_response_rules() {
    // Status OK needs the API version and an authenticator.
    let no_version = composite(
        TAG_UAFV1_GETINFO_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            composite(TAG_AUTHENTICATOR_INFO, &info_members()),
        ],
    );
    assert_eq!(
        GetInfoResponse::parse(&no_version),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_UAFV1_GETINFO_CMD_RESPONSE,
            tag: TAG_API_VERSION,
            offset: 0
        }))
    );
    let no_info = composite(
        TAG_UAFV1_GETINFO_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[0, 0]), leaf(TAG_API_VERSION, &[1])],
    );
    assert_eq!(
        GetInfoResponse::parse(&no_info),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_UAFV1_GETINFO_CMD_RESPONSE,
            tag: TAG_AUTHENTICATOR_INFO,
            offset: 0
        }))
    );
    // An error status may come alone.
    let err_only = composite(
        TAG_UAFV1_GETINFO_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[1, 0])],
    );
    let r = GetInfoResponse::parse(&err_only).unwrap();
    assert_eq!(
        (r.status, r.api_version, r.authenticators.len()),
        (CmdStatus::ErrUnknown, None, 0)
    );
    assert_eq!(r.encode().unwrap(), err_only);
    // No status at all.
    let none = composite(
        TAG_UAFV1_GETINFO_CMD_RESPONSE,
        &[leaf(TAG_API_VERSION, &[1])],
    );
    assert_eq!(
        GetInfoResponse::parse(&none),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_UAFV1_GETINFO_CMD_RESPONSE,
            tag: TAG_STATUS_CODE,
            offset: 0
        }))
    );
    // Wrong lengths of status and version.
    let bad = composite(
        TAG_UAFV1_GETINFO_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[0])],
    );
    assert_eq!(
        GetInfoResponse::parse(&bad),
        Err(tlv(TlvError::WrongLength {
            tag: TAG_STATUS_CODE,
            offset: 4,
            len: 1,
            min: 2,
            max: 2
        }))
    );
    let bad = composite(
        TAG_UAFV1_GETINFO_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            leaf(TAG_API_VERSION, &[1, 0]),
        ],
    );
    assert_eq!(
        GetInfoResponse::parse(&bad),
        Err(tlv(TlvError::WrongLength {
            tag: TAG_API_VERSION,
            offset: 10,
            len: 2,
            min: 1,
            max: 1
        }))
    );
}

#[test]
fn authenticator_info_rules() {
    // Offset of the first member of the (only) authenticator info.
    let base = 4 + 6 + 5 + 4;
    type Mutate = fn(&mut Vec<Vec<u8>>);
    let cases: [(Mutate, CommandError); 9] = [
        (
            |m| {
                m.remove(0);
            },
            tlv(TlvError::MissingMember {
                parent: TAG_AUTHENTICATOR_INFO,
                tag: TAG_AUTHENTICATOR_INDEX,
                offset: 15,
            }),
        ),
        (
            |m| {
                m.remove(1);
            },
            tlv(TlvError::MissingMember {
                parent: TAG_AUTHENTICATOR_INFO,
                tag: TAG_AAID,
                offset: 15,
            }),
        ),
        (
            |m| {
                m.remove(2);
            },
            tlv(TlvError::MissingMember {
                parent: TAG_AUTHENTICATOR_INFO,
                tag: TAG_AUTHENTICATOR_METADATA,
                offset: 15,
            }),
        ),
        (
            |m| {
                m.remove(4);
            },
            tlv(TlvError::MissingMember {
                parent: TAG_AUTHENTICATOR_INFO,
                tag: TAG_ASSERTION_SCHEME,
                offset: 15,
            }),
        ),
        (
            |m| {
                m.remove(6);
                m.remove(5);
            },
            tlv(TlvError::MissingMember {
                parent: TAG_AUTHENTICATOR_INFO,
                tag: TAG_ATTESTATION_TYPE,
                offset: 15,
            }),
        ),
        (
            |m| m[1] = leaf(TAG_AAID, b"FFFF_FC01"),
            CommandError::InvalidAaid { offset: 19 + 5 },
        ),
        (
            |m| m[2] = leaf(TAG_AUTHENTICATOR_METADATA, &[0; 14]),
            tlv(TlvError::WrongLength {
                tag: TAG_AUTHENTICATOR_METADATA,
                offset: 19 + 18,
                len: 14,
                min: 15,
                max: 15,
            }),
        ),
        (
            |m| m.push(leaf(TAG_TC_DISPLAY_PNG_CHARACTERISTICS, &[0; 14])),
            CommandError::PngCharacteristicsLength {
                offset: 19 + 91,
                len: 14,
            },
        ),
        (
            |m| m.push(leaf(TAG_AAID, b"FFFF#FC01")),
            tlv(TlvError::DuplicateMember {
                parent: TAG_AUTHENTICATOR_INFO,
                tag: TAG_AAID,
                offset: 19 + 91,
            }),
        ),
    ];
    // Header (4), status (6), API version (5), info header (4); the members take 91 bytes.
    assert_eq!(base, 19);
    assert_eq!(offset(&info_members(), 8) - 4, 91);
    for (mutate, want) in cases {
        let mut m = info_members();
        mutate(&mut m);
        assert_eq!(
            GetInfoResponse::parse(&get_info_response(&[info(&m)])),
            Err(want)
        );
    }
    let mut m = info_members();
    m[7] = leaf(TAG_SUPPORTED_EXTENSION_ID, &[0xff]);
    assert!(matches!(
        GetInfoResponse::parse(&get_info_response(&[info(&m)])),
        Err(CommandError::Tlv(TlvError::InvalidUtf8 {
            tag: TAG_SUPPORTED_EXTENSION_ID,
            ..
        }))
    ));
    let mut m = info_members();
    m[5] = leaf(TAG_ATTESTATION_TYPE, &[7]);
    assert!(matches!(
        GetInfoResponse::parse(&get_info_response(&[info(&m)])),
        Err(CommandError::Tlv(TlvError::WrongLength {
            tag: TAG_ATTESTATION_TYPE,
            len: 1,
            ..
        }))
    ));
    let mut m = info_members();
    m[0] = leaf(TAG_AUTHENTICATOR_INDEX, &[]);
    assert!(matches!(
        GetInfoResponse::parse(&get_info_response(&[info(&m)])),
        Err(CommandError::Tlv(TlvError::EmptyValue {
            tag: TAG_AUTHENTICATOR_INDEX,
            ..
        }))
    ));
}

// ------------------------------------------------------------------------------------------
// Register
// ------------------------------------------------------------------------------------------

fn register_members() -> Vec<Vec<u8>> {
    vec![
        leaf(TAG_AUTHENTICATOR_INDEX, &[2]),
        leaf(TAG_APPID, b"https://uaf.example.com/facets.json"),
        leaf(TAG_FINAL_CHALLENGE_HASH, &[0xfc; 32]),
        leaf(TAG_USERNAME, b"alice"),
        leaf(TAG_ATTESTATION_TYPE, &[0x07, 0x3e]),
        leaf(TAG_KEYHANDLE_ACCESS_TOKEN, &[0xac; 32]),
        leaf(TAG_USERVERIFY_TOKEN, b"uvt"),
    ]
}

fn register_command<'a>() -> RegisterCommand<'a> {
    RegisterCommand {
        authenticator_index: 2,
        app_id: Some("https://uaf.example.com/facets.json"),
        final_challenge_hash: &[0xfc; 32],
        username: "alice",
        attestation_type: AttestationType::BasicFull,
        kh_access_token: &[0xac; 32],
        user_verify_token: Some(b"uvt"),
        extensions: Extensions::empty(),
    }
}

#[test]
fn register_command_encodes_in_spec_order() {
    let expected = composite(TAG_UAFV1_REGISTER_CMD, &register_members());
    assert_eq!(register_command().encode().unwrap(), expected);
    assert_eq!(
        RegisterCommand::parse(&expected).unwrap(),
        register_command()
    );
    assert_eq!(
        Command::parse(&expected).unwrap(),
        Command::Register(register_command())
    );
    // Any order is accepted.
    let mut m = register_members();
    m.reverse();
    assert_eq!(
        RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)).unwrap(),
        register_command()
    );
    // Optional members may be left out.
    let mut m = register_members();
    m.remove(6);
    m.remove(1);
    let bytes = composite(TAG_UAFV1_REGISTER_CMD, &m);
    let c = RegisterCommand::parse(&bytes).unwrap();
    assert_eq!((c.app_id, c.user_verify_token), (None, None));
}

#[test]
fn register_command_mandatory_members() {
    for (i, tag) in [
        (0, TAG_AUTHENTICATOR_INDEX),
        (2, TAG_FINAL_CHALLENGE_HASH),
        (3, TAG_USERNAME),
        (4, TAG_ATTESTATION_TYPE),
        (5, TAG_KEYHANDLE_ACCESS_TOKEN),
    ] {
        let mut m = register_members();
        m.remove(i);
        assert_eq!(
            RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)),
            Err(tlv(TlvError::MissingMember {
                parent: TAG_UAFV1_REGISTER_CMD,
                tag,
                offset: 0
            })),
            "{}",
            TagDisplay(tag)
        );
    }
    let mut m = register_members();
    let end = offset(&m, 7);
    m.push(leaf(TAG_USERNAME, b"bob"));
    assert_eq!(
        RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)),
        Err(tlv(TlvError::DuplicateMember {
            parent: TAG_UAFV1_REGISTER_CMD,
            tag: TAG_USERNAME,
            offset: end
        }))
    );
}

#[test]
fn command_length_limits() {
    // (member index, replacement length, tag, min, max); one byte over each limit.
    let cases = [
        (0, 2, TAG_AUTHENTICATOR_INDEX, 1, 1),
        (1, MAX_APP_ID_LEN + 1, TAG_APPID, 1, MAX_APP_ID_LEN),
        (
            2,
            MAX_FINAL_CHALLENGE_HASH_LEN + 1,
            TAG_FINAL_CHALLENGE_HASH,
            1,
            MAX_FINAL_CHALLENGE_HASH_LEN,
        ),
        (3, MAX_USERNAME_LEN + 1, TAG_USERNAME, 1, MAX_USERNAME_LEN),
        (4, 3, TAG_ATTESTATION_TYPE, 2, 2),
        (
            5,
            MAX_KH_ACCESS_TOKEN_LEN + 1,
            TAG_KEYHANDLE_ACCESS_TOKEN,
            1,
            MAX_KH_ACCESS_TOKEN_LEN,
        ),
    ];
    for (i, len, tag, min, max) in cases {
        let mut m = register_members();
        let off = offset(&m, i);
        m[i] = leaf(tag, &vec![b'a'; len]);
        assert_eq!(
            RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)),
            Err(tlv(TlvError::WrongLength {
                tag,
                offset: off,
                len,
                min,
                max
            })),
            "{}",
            TagDisplay(tag)
        );
        // Exactly at the limit is fine.
        m[i] = leaf(tag, &vec![b'a'; max]);
        assert!(
            RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)).is_ok(),
            "{}",
            TagDisplay(tag)
        );
        // Empty is refused.
        m[i] = leaf(tag, &[]);
        assert_eq!(
            RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)),
            Err(tlv(TlvError::EmptyValue { tag, offset: off })),
        );
    }
    // Text must be UTF-8.
    let mut m = register_members();
    let off = offset(&m, 3);
    m[3] = leaf(TAG_USERNAME, &[0xc3, 0x28]);
    assert_eq!(
        RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)),
        Err(tlv(TlvError::InvalidUtf8 {
            tag: TAG_USERNAME,
            offset: off
        }))
    );
    // SHA-512 sized final challenge hashes are accepted.
    let mut m = register_members();
    m[2] = leaf(TAG_FINAL_CHALLENGE_HASH, &[1; 64]);
    assert!(RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)).is_ok());
}

#[test]
fn encoders_refuse_out_of_range_values() {
    let long_name = "n".repeat(129);
    let c = RegisterCommand {
        username: &long_name,
        ..register_command()
    };
    assert!(matches!(
        c.encode(),
        Err(TlvError::WrongLength {
            tag: TAG_USERNAME,
            len: 129,
            min: 1,
            max: 128,
            ..
        })
    ));
    let c = RegisterCommand {
        kh_access_token: &[0; 33],
        ..register_command()
    };
    assert!(matches!(
        c.encode(),
        Err(TlvError::WrongLength {
            tag: TAG_KEYHANDLE_ACCESS_TOKEN,
            ..
        })
    ));
    let c = RegisterCommand {
        app_id: Some(""),
        ..register_command()
    };
    assert!(matches!(
        c.encode(),
        Err(TlvError::EmptyValue { tag: TAG_APPID, .. })
    ));
    let c = RegisterCommand {
        user_verify_token: Some(&[]),
        ..register_command()
    };
    assert!(matches!(
        c.encode(),
        Err(TlvError::EmptyValue {
            tag: TAG_USERVERIFY_TOKEN,
            ..
        })
    ));
}

#[test]
fn unknown_tags_in_commands() {
    let mut m = register_members();
    let end = offset(&m, 7);
    m.push(leaf(0x28F0, b"?"));
    assert_eq!(
        RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)),
        Err(tlv(TlvError::UnknownCriticalTag {
            parent: TAG_UAFV1_REGISTER_CMD,
            tag: 0x28F0,
            offset: end
        }))
    );
    let mut m = register_members();
    m.push(leaf(0x08F0, b"skipped"));
    assert_eq!(
        RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)).unwrap(),
        register_command()
    );
    let mut m = register_members();
    m.push(leaf(TAG_KEYHANDLE, b"kh"));
    assert_eq!(
        RegisterCommand::parse(&composite(TAG_UAFV1_REGISTER_CMD, &m)),
        Err(tlv(TlvError::UnexpectedMember {
            parent: TAG_UAFV1_REGISTER_CMD,
            tag: TAG_KEYHANDLE,
            offset: end
        }))
    );
}

#[test]
fn register_response() {
    let assertion = Base64Policy::Strict.decode(SPEC_REG_ASSERTION).unwrap();
    let bytes = composite(
        TAG_UAFV1_REGISTER_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            leaf(TAG_AUTHENTICATOR_ASSERTION, &assertion),
            leaf(TAG_KEYHANDLE, b"wrapped"),
        ],
    );
    let r = RegisterResponse::parse(&bytes).unwrap();
    assert_eq!(r.status, CmdStatus::Ok);
    assert_eq!(r.key_handle, Some(&b"wrapped"[..]));
    let inner = RegAssertion::parse(r.assertion.unwrap()).unwrap();
    assert_eq!(inner.krd.sign_counter, 1);
    assert_eq!(r.encode().unwrap(), bytes);

    let ok_without = composite(
        TAG_UAFV1_REGISTER_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[0, 0])],
    );
    let want = tlv(TlvError::MissingMember {
        parent: TAG_UAFV1_REGISTER_CMD_RESPONSE,
        tag: TAG_AUTHENTICATOR_ASSERTION,
        offset: 0,
    });
    assert_eq!(RegisterResponse::parse(&ok_without), Err(want));
    let denied = composite(
        TAG_UAFV1_REGISTER_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[2, 0])],
    );
    let r = RegisterResponse::parse(&denied).unwrap();
    assert_eq!(
        (r.status, r.assertion, r.key_handle),
        (CmdStatus::AccessDenied, None, None)
    );
    assert_eq!(r.encode().unwrap(), denied);
    let r = RegisterResponse {
        status: CmdStatus::Ok,
        assertion: None,
        key_handle: None,
        extensions: Extensions::empty(),
    };
    assert!(matches!(
        r.encode(),
        Err(TlvError::MissingMember {
            tag: TAG_AUTHENTICATOR_ASSERTION,
            ..
        })
    ));
    let empty = composite(
        TAG_UAFV1_REGISTER_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            leaf(TAG_AUTHENTICATOR_ASSERTION, &[]),
        ],
    );
    assert_eq!(
        RegisterResponse::parse(&empty),
        Err(tlv(TlvError::EmptyValue {
            tag: TAG_AUTHENTICATOR_ASSERTION,
            offset: 10
        }))
    );
}

// ------------------------------------------------------------------------------------------
// Sign
// ------------------------------------------------------------------------------------------

#[test]
fn sign_command_round_trip_and_order() {
    let khs: [&[u8]; 2] = [b"kh-1", b"kh-2"];
    let c = SignCommand {
        authenticator_index: 0,
        app_id: Some("https://uaf.example.com"),
        final_challenge_hash: &[1; 32],
        transaction_content: Some(b"Pay 10 EUR"),
        kh_access_token: &[2; 32],
        user_verify_token: None,
        key_handles: uaf_proto::tlv::TlvList::from_slice(&khs),
        extensions: Extensions::empty(),
    };
    let expected = composite(
        TAG_UAFV1_SIGN_CMD,
        &[
            leaf(TAG_AUTHENTICATOR_INDEX, &[0]),
            leaf(TAG_APPID, b"https://uaf.example.com"),
            leaf(TAG_FINAL_CHALLENGE_HASH, &[1; 32]),
            leaf(TAG_TRANSACTION_CONTENT, b"Pay 10 EUR"),
            leaf(TAG_KEYHANDLE_ACCESS_TOKEN, &[2; 32]),
            leaf(TAG_KEYHANDLE, b"kh-1"),
            leaf(TAG_KEYHANDLE, b"kh-2"),
        ],
    );
    assert_eq!(c.encode().unwrap(), expected);
    let p = SignCommand::parse(&expected).unwrap();
    assert_eq!(p, c);
    assert_eq!(p.key_handles.iter().collect::<Vec<_>>(), khs);
    assert_eq!(Command::parse(&expected), Ok(Command::Sign(c)));

    let mut bad = expected.clone();
    // Make the last key handle empty: rewrite its length to 0 and drop its value.
    bad.truncate(bad.len() - 8);
    bad.extend_from_slice(&leaf(TAG_KEYHANDLE, &[]));
    let len = u16::try_from(bad.len() - 4).unwrap().to_le_bytes();
    bad[2..4].copy_from_slice(&len);
    assert_eq!(
        SignCommand::parse(&bad),
        Err(tlv(TlvError::EmptyValue {
            tag: TAG_KEYHANDLE,
            offset: bad.len() - 4
        }))
    );
    let c = SignCommand {
        transaction_content: Some(b""),
        ..c
    };
    assert!(matches!(
        c.encode(),
        Err(TlvError::EmptyValue {
            tag: TAG_TRANSACTION_CONTENT,
            ..
        })
    ));
}

#[test]
fn sign_response_kinds() {
    let assertion = Base64Policy::Strict.decode(SPEC_AUTH_ASSERTION).unwrap();
    let with_assertion = composite(
        TAG_UAFV1_SIGN_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            leaf(TAG_AUTHENTICATOR_ASSERTION, &assertion),
        ],
    );
    let r = SignResponse::parse(&with_assertion).unwrap();
    let SignResponseContent::Assertion(a) = r.content else {
        panic!("{r:?}")
    };
    assert_eq!(AuthAssertion::parse(a).unwrap().signed_data.sign_counter, 2);
    assert_eq!(r.encode().unwrap(), with_assertion);

    let user = |name: &[u8], kh: &[u8]| {
        composite(
            TAG_USERNAME_AND_KEYHANDLE,
            &[leaf(TAG_USERNAME, name), leaf(TAG_KEYHANDLE, kh)],
        )
    };
    let with_users = composite(
        TAG_UAFV1_SIGN_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            user(b"alice", b"k1"),
            user(b"bob", b"k2"),
        ],
    );
    let r = SignResponse::parse(&with_users).unwrap();
    let SignResponseContent::UsernamesAndKeyHandles(list) = r.content else {
        panic!("{r:?}")
    };
    let users: Vec<UsernameAndKeyHandle<'_>> = list.iter().collect();
    assert_eq!(
        users,
        [
            UsernameAndKeyHandle {
                username: "alice",
                key_handle: b"k1"
            },
            UsernameAndKeyHandle {
                username: "bob",
                key_handle: b"k2"
            }
        ]
    );
    assert_eq!(r.encode().unwrap(), with_users);

    let both = composite(
        TAG_UAFV1_SIGN_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            user(b"alice", b"k1"),
            leaf(TAG_AUTHENTICATOR_ASSERTION, &assertion),
        ],
    );
    assert_eq!(
        SignResponse::parse(&both),
        Err(CommandError::SignResponseConflict { offset: 0 })
    );

    let nothing = composite(
        TAG_UAFV1_SIGN_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[0, 0])],
    );
    assert_eq!(
        SignResponse::parse(&nothing),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_UAFV1_SIGN_CMD_RESPONSE,
            tag: TAG_AUTHENTICATOR_ASSERTION,
            offset: 0
        }))
    );
    let cancelled = composite(
        TAG_UAFV1_SIGN_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[5, 0])],
    );
    let r = SignResponse::parse(&cancelled).unwrap();
    assert_eq!(
        (r.status, r.content),
        (CmdStatus::UserCancelled, SignResponseContent::None)
    );
    assert_eq!(r.encode().unwrap(), cancelled);

    let long = vec![b'u'; 129];
    let bad_user = composite(
        TAG_UAFV1_SIGN_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[0, 0]), user(&long, b"k")],
    );
    assert_eq!(
        SignResponse::parse(&bad_user),
        Err(tlv(TlvError::WrongLength {
            tag: TAG_USERNAME,
            offset: 14,
            len: 129,
            min: 1,
            max: 128
        }))
    );
    let missing_kh = composite(
        TAG_UAFV1_SIGN_CMD_RESPONSE,
        &[
            leaf(TAG_STATUS_CODE, &[0, 0]),
            composite(TAG_USERNAME_AND_KEYHANDLE, &[leaf(TAG_USERNAME, b"a")]),
        ],
    );
    assert_eq!(
        SignResponse::parse(&missing_kh),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_USERNAME_AND_KEYHANDLE,
            tag: TAG_KEYHANDLE,
            offset: 10
        }))
    );
    let empty_list = SignResponse {
        status: CmdStatus::Ok,
        content: SignResponseContent::UsernamesAndKeyHandles(uaf_proto::tlv::TlvList::empty()),
        extensions: Extensions::empty(),
    };
    assert!(matches!(
        empty_list.encode(),
        Err(TlvError::MissingMember {
            tag: TAG_USERNAME_AND_KEYHANDLE,
            ..
        })
    ));
}

// ------------------------------------------------------------------------------------------
// Deregister, OpenSettings, dispatch
// ------------------------------------------------------------------------------------------

#[test]
fn deregister_command() {
    let c = DeregisterCommand {
        authenticator_index: 1,
        app_id: Some("https://uaf.example.com"),
        key_id: &[7; 32],
        kh_access_token: &[8; 32],
        extensions: Extensions::empty(),
    };
    let expected = composite(
        TAG_UAFV1_DEREGISTER_CMD,
        &[
            leaf(TAG_AUTHENTICATOR_INDEX, &[1]),
            leaf(TAG_APPID, b"https://uaf.example.com"),
            leaf(TAG_KEYID, &[7; 32]),
            leaf(TAG_KEYHANDLE_ACCESS_TOKEN, &[8; 32]),
        ],
    );
    assert_eq!(c.encode().unwrap(), expected);
    assert_eq!(DeregisterCommand::parse(&expected), Ok(c));
    // UAF 1.2: an empty KeyID with an AppID deletes every key of the AppID.
    let all = DeregisterCommand { key_id: &[], ..c };
    assert_eq!(DeregisterCommand::parse(&all.encode().unwrap()), Ok(all));
    let neither = DeregisterCommand {
        key_id: &[],
        app_id: None,
        ..c
    };
    let want = TlvError::MissingMember {
        parent: TAG_UAFV1_DEREGISTER_CMD,
        tag: TAG_APPID,
        offset: 0,
    };
    assert_eq!(neither.encode(), Err(want));
    let bytes = composite(
        TAG_UAFV1_DEREGISTER_CMD,
        &[
            leaf(TAG_AUTHENTICATOR_INDEX, &[1]),
            leaf(TAG_KEYID, &[]),
            leaf(TAG_KEYHANDLE_ACCESS_TOKEN, &[8; 32]),
        ],
    );
    assert_eq!(DeregisterCommand::parse(&bytes), Err(tlv(want)));
    let bytes = composite(
        TAG_UAFV1_DEREGISTER_CMD,
        &[
            leaf(TAG_AUTHENTICATOR_INDEX, &[1]),
            leaf(TAG_KEYHANDLE_ACCESS_TOKEN, &[8; 32]),
        ],
    );
    assert_eq!(
        DeregisterCommand::parse(&bytes),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_UAFV1_DEREGISTER_CMD,
            tag: TAG_KEYID,
            offset: 0
        }))
    );
}

#[test]
fn status_only_responses_and_open_settings() {
    let c = OpenSettingsCommand {
        authenticator_index: 3,
        extensions: Extensions::empty(),
    };
    let bytes = c.encode().unwrap();
    assert_eq!(
        bytes,
        composite(
            TAG_UAFV1_OPEN_SETTINGS_CMD,
            &[leaf(TAG_AUTHENTICATOR_INDEX, &[3])]
        )
    );
    assert_eq!(Command::parse(&bytes), Ok(Command::OpenSettings(c)));
    assert_eq!(
        OpenSettingsCommand::parse(&composite(TAG_UAFV1_OPEN_SETTINGS_CMD, &[])),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_UAFV1_OPEN_SETTINGS_CMD,
            tag: TAG_AUTHENTICATOR_INDEX,
            offset: 0
        }))
    );

    let r = OpenSettingsResponse {
        status: CmdStatus::CmdNotSupported,
        extensions: Extensions::empty(),
    };
    let bytes = r.encode().unwrap();
    assert_eq!(
        bytes,
        [0x06, 0x36, 0x06, 0x00, 0x08, 0x28, 0x02, 0x00, 0x06, 0x00]
    );
    assert_eq!(OpenSettingsResponse::parse(&bytes), Ok(r));
    let r = DeregisterResponse {
        status: CmdStatus::Ok,
        extensions: Extensions::empty(),
    };
    let bytes = r.encode().unwrap();
    assert_eq!(
        bytes,
        [0x04, 0x36, 0x06, 0x00, 0x08, 0x28, 0x02, 0x00, 0x00, 0x00]
    );
    assert_eq!(DeregisterResponse::parse(&bytes), Ok(r));
    // Unknown status codes are kept.
    let bytes = composite(
        TAG_UAFV1_DEREGISTER_CMD_RESPONSE,
        &[leaf(TAG_STATUS_CODE, &[0x99, 0])],
    );
    assert_eq!(
        DeregisterResponse::parse(&bytes).unwrap().status,
        CmdStatus::Unknown(0x99)
    );
    assert_eq!(
        DeregisterResponse::parse(&composite(TAG_UAFV1_DEREGISTER_CMD_RESPONSE, &[])),
        Err(tlv(TlvError::MissingMember {
            parent: TAG_UAFV1_DEREGISTER_CMD_RESPONSE,
            tag: TAG_STATUS_CODE,
            offset: 0
        }))
    );
    // Wrong response tag.
    assert_eq!(
        DeregisterResponse::parse(&composite(
            TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE,
            &[leaf(TAG_STATUS_CODE, &[0, 0])]
        )),
        Err(tlv(TlvError::UnexpectedTag {
            expected: TAG_UAFV1_DEREGISTER_CMD_RESPONSE,
            found: TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE,
            offset: 0
        }))
    );
}

#[test]
fn command_dispatch() {
    assert_eq!(
        Command::parse(&[0x05, 0x34, 0x00, 0x00]),
        Err(CommandError::UnknownCommand { tag: 0x3405 })
    );
    assert_eq!(
        Command::parse(&[0x01, 0x36, 0x00, 0x00]),
        Err(CommandError::UnknownCommand { tag: 0x3601 })
    );
    assert_eq!(
        Command::parse(&[]),
        Err(tlv(TlvError::TruncatedHeader {
            offset: 0,
            available: 0
        }))
    );
    assert_eq!(
        Command::parse(&[0x01]),
        Err(tlv(TlvError::TruncatedHeader {
            offset: 0,
            available: 1
        }))
    );
    assert_eq!(
        Command::parse(&[0x01, 0x34, 0x00, 0x00, 0x00]),
        Err(tlv(TlvError::TrailingBytes {
            offset: 4,
            count: 1
        }))
    );
    let c = Command::Register(register_command());
    assert_eq!(c.tag(), TAG_UAFV1_REGISTER_CMD);
    assert_eq!(c.response_tag(), TAG_UAFV1_REGISTER_CMD_RESPONSE);
    assert_eq!(Command::parse(&c.encode().unwrap()), Ok(c));
    assert!(
        CommandError::UnknownCommand { tag: 0x3405 }
            .to_string()
            .contains("0x3405")
    );
    assert_eq!(
        CommandError::SignResponseConflict { offset: 0 }.tag(),
        Some(TAG_UAFV1_SIGN_CMD_RESPONSE)
    );
}
