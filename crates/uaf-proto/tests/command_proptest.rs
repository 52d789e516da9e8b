//! Property tests of the command codecs: parse(encode(x)) == x for every command and response,
//! and no input panics a parser.

// Test helpers outside `#[test]` fns may unwrap and index too (clippy.toml covers only the fns).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use uaf_proto::assertion::{Extension, Extensions};
use uaf_proto::command::*;
use uaf_proto::id::Aaid;
use uaf_proto::registry::AttestationType;
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::{self, TlvList};

type OwnedExt = (String, Vec<u8>, bool);

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), min..=max)
}

fn exts() -> impl Strategy<Value = Vec<OwnedExt>> {
    proptest::collection::vec(("\\PC{1,12}", bytes(0, 16), any::<bool>()), 0..3)
}

fn borrow(exts: &[OwnedExt]) -> Vec<Extension<'_>> {
    exts.iter()
        .map(|(id, data, critical)| Extension {
            id,
            data,
            critical: *critical,
        })
        .collect()
}

fn app_id() -> impl Strategy<Value = String> {
    "https://[a-z]{1,20}\\.example(:[0-9]{1,5})?(/[a-z.]{0,20})?"
}

fn username() -> impl Strategy<Value = String> {
    // At most 32 characters of at most 4 bytes: within the 128-byte limit.
    "\\PC{1,32}"
}

fn status() -> impl Strategy<Value = CmdStatus> {
    prop_oneof![
        Just(CmdStatus::Ok),
        any::<u16>().prop_map(CmdStatus::from_value)
    ]
}

proptest! {
    #[test]
    fn register_command_round_trips(
        index in any::<u8>(),
        app in proptest::option::of(app_id()),
        fch in bytes(1, 64),
        user in username(),
        att in any::<u16>(),
        khat in bytes(1, 32),
        uvt in proptest::option::of(bytes(1, 40)),
        e in exts(),
    ) {
        let e = borrow(&e);
        let c = RegisterCommand {
            authenticator_index: index,
            app_id: app.as_deref(),
            final_challenge_hash: &fch,
            username: &user,
            attestation_type: AttestationType::from_value(att),
            kh_access_token: &khat,
            user_verify_token: uvt.as_deref(),
            extensions: Extensions::from_slice(&e),
        };
        let encoded = c.encode().unwrap();
        prop_assert_eq!(RegisterCommand::parse(&encoded), Ok(c));
        prop_assert_eq!(Command::parse(&encoded), Ok(Command::Register(c)));
    }

    #[test]
    fn sign_command_round_trips(
        index in any::<u8>(),
        app in proptest::option::of(app_id()),
        fch in bytes(1, 64),
        content in proptest::option::of(bytes(1, 200)),
        khat in bytes(1, 32),
        uvt in proptest::option::of(bytes(1, 40)),
        khs in proptest::collection::vec(bytes(1, 60), 0..4),
        e in exts(),
    ) {
        let e = borrow(&e);
        let khs: Vec<&[u8]> = khs.iter().map(Vec::as_slice).collect();
        let c = SignCommand {
            authenticator_index: index,
            app_id: app.as_deref(),
            final_challenge_hash: &fch,
            transaction_content: content.as_deref(),
            kh_access_token: &khat,
            user_verify_token: uvt.as_deref(),
            key_handles: TlvList::from_slice(&khs),
            extensions: Extensions::from_slice(&e),
        };
        let encoded = c.encode().unwrap();
        prop_assert_eq!(SignCommand::parse(&encoded), Ok(c));
    }

    #[test]
    fn deregister_and_open_settings_round_trip(
        index in any::<u8>(),
        app in app_id(),
        with_app in any::<bool>(),
        key_id in bytes(0, 64),
        khat in bytes(1, 32),
        e in exts(),
    ) {
        let e = borrow(&e);
        let c = DeregisterCommand {
            authenticator_index: index,
            // An empty KeyID needs the AppID.
            app_id: (with_app || key_id.is_empty()).then_some(app.as_str()),
            key_id: &key_id,
            kh_access_token: &khat,
            extensions: Extensions::from_slice(&e),
        };
        let encoded = c.encode().unwrap();
        prop_assert_eq!(DeregisterCommand::parse(&encoded), Ok(c));
        let o = OpenSettingsCommand { authenticator_index: index, extensions: Extensions::from_slice(&e) };
        let encoded = o.encode().unwrap();
        prop_assert_eq!(OpenSettingsCommand::parse(&encoded), Ok(o));
    }

    #[test]
    fn get_info_response_round_trips(
        status in status(),
        version in any::<u8>(),
        infos in proptest::collection::vec((
            any::<u8>(),
            "[0-9A-F]{4}#[0-9a-f]{4}",
            any::<[u8; 15]>(),
            proptest::option::of("[a-z]{1,8}/[a-z]{1,8}"),
            proptest::collection::vec((any::<[u8; 13]>(), proptest::collection::vec(any::<[u8; 6]>(), 0..3)), 0..3),
            "[A-Z0-9]{1,10}",
            proptest::collection::vec(any::<u16>(), 1..4),
            proptest::collection::vec("[a-z.]{1,16}", 0..3),
        ), 1..4),
        e in exts(),
    ) {
        // Own every byte first, then borrow.
        let pngs: Vec<Vec<Vec<u8>>> = infos
            .iter()
            .map(|i| i.4.iter().map(|(fixed, plte)| [&fixed[..], &plte.concat()].concat()).collect())
            .collect();
        let png_structs: Vec<Vec<PngCharacteristics<'_>>> = pngs
            .iter()
            .map(|list| list.iter().map(|b| PngCharacteristics::from_bytes(b).unwrap()).collect())
            .collect();
        let att_types: Vec<Vec<AttestationType>> =
            infos.iter().map(|i| i.6.iter().copied().map(AttestationType::from_value).collect()).collect();
        let ext_ids: Vec<Vec<&str>> = infos.iter().map(|i| i.7.iter().map(String::as_str).collect()).collect();
        let list: Vec<AuthenticatorInfo<'_>> = infos
            .iter()
            .enumerate()
            .map(|(n, i)| AuthenticatorInfo {
                authenticator_index: i.0,
                aaid: Aaid::parse(&i.1).unwrap(),
                metadata: AuthenticatorMetadata::from_bytes(i.2),
                tc_display_content_type: i.3.as_deref(),
                tc_display_png_characteristics: TlvList::from_slice(&png_structs[n]),
                assertion_scheme: &i.5,
                attestation_types: TlvList::from_slice(&att_types[n]),
                supported_extension_ids: TlvList::from_slice(&ext_ids[n]),
            })
            .collect();
        let e = borrow(&e);
        let r = GetInfoResponse {
            status,
            api_version: Some(version),
            authenticators: TlvList::from_slice(&list),
            extensions: Extensions::from_slice(&e),
        };
        let encoded = r.encode().unwrap();
        let parsed = GetInfoResponse::parse(&encoded).unwrap();
        prop_assert_eq!(parsed, r);
        for (p, i) in parsed.authenticators.iter().zip(&infos) {
            prop_assert_eq!(p.metadata.to_bytes(), i.2);
        }
    }

    #[test]
    fn register_and_sign_responses_round_trip(
        status in status(),
        assertion in proptest::option::of(bytes(1, 100)),
        kh in proptest::option::of(bytes(1, 100)),
        users in proptest::collection::vec((username(), bytes(1, 40)), 1..4),
        kind in 0u8..3,
        e in exts(),
    ) {
        let e = borrow(&e);
        let ok = status == CmdStatus::Ok;
        let fallback = [0x02u8, 0x3e, 0x00, 0x00];
        let assertion = if ok { Some(assertion.as_deref().unwrap_or(&fallback)) } else { assertion.as_deref() };
        let r = RegisterResponse { status, assertion, key_handle: kh.as_deref(), extensions: Extensions::from_slice(&e) };
        let encoded = r.encode().unwrap();
        prop_assert_eq!(RegisterResponse::parse(&encoded), Ok(r));

        let users: Vec<UsernameAndKeyHandle<'_>> =
            users.iter().map(|(u, k)| UsernameAndKeyHandle { username: u, key_handle: k }).collect();
        let content = match (kind, ok) {
            (0, false) => SignResponseContent::None,
            (1, _) => SignResponseContent::UsernamesAndKeyHandles(TlvList::from_slice(&users)),
            _ => SignResponseContent::Assertion(assertion.unwrap_or(&fallback)),
        };
        let s = SignResponse { status, content, extensions: Extensions::from_slice(&e) };
        let encoded = s.encode().unwrap();
        prop_assert_eq!(SignResponse::parse(&encoded), Ok(s));

        let d = DeregisterResponse { status, extensions: Extensions::from_slice(&e) };
        let encoded = d.encode().unwrap();
        prop_assert_eq!(DeregisterResponse::parse(&encoded), Ok(d));
        let o = OpenSettingsResponse { status, extensions: Extensions::empty() };
        let encoded = o.encode().unwrap();
        prop_assert_eq!(OpenSettingsResponse::parse(&encoded), Ok(o));
    }

    #[test]
    fn metadata_and_palette_round_trip(b in any::<[u8; 15]>(), entry in any::<[u8; 6]>()) {
        prop_assert_eq!(AuthenticatorMetadata::from_bytes(b).to_bytes(), b);
        prop_assert_eq!(RgbPaletteEntry::from_bytes(entry).to_bytes(), entry);
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let tags = [
            tlv::TAG_UAFV1_GETINFO_CMD,
            tlv::TAG_UAFV1_REGISTER_CMD,
            tlv::TAG_UAFV1_SIGN_CMD,
            tlv::TAG_UAFV1_DEREGISTER_CMD,
            tlv::TAG_UAFV1_OPEN_SETTINGS_CMD,
            tlv::TAG_UAFV1_GETINFO_CMD_RESPONSE,
            tlv::TAG_UAFV1_REGISTER_CMD_RESPONSE,
            tlv::TAG_UAFV1_SIGN_CMD_RESPONSE,
            tlv::TAG_UAFV1_DEREGISTER_CMD_RESPONSE,
            tlv::TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE,
        ];
        let mut inputs = vec![body.clone()];
        for tag in tags {
            let mut framed = tag.to_le_bytes().to_vec();
            framed.extend_from_slice(&u16::try_from(body.len()).unwrap().to_le_bytes());
            framed.extend_from_slice(&body);
            inputs.push(framed);
        }
        for input in &inputs {
            if let Ok(c) = Command::parse(input) {
                let _ = c.encode();
                if let Command::Sign(s) = c {
                    prop_assert_eq!(s.key_handles.iter().count(), s.key_handles.len());
                }
            }
            if let Ok(r) = GetInfoResponse::parse(input) {
                for a in r.authenticators {
                    let _ = (a.tc_display_png_characteristics.iter().count(), a.attestation_types.iter().count());
                    let _ = a.supported_extension_ids.iter().count();
                }
                let _ = r.encode();
            }
            let _ = RegisterResponse::parse(input).map(|r| r.encode());
            if let Ok(SignResponse { content: SignResponseContent::UsernamesAndKeyHandles(l), .. }) = SignResponse::parse(input) {
                prop_assert_eq!(l.iter().count(), l.len());
            }
            let _ = DeregisterResponse::parse(input);
            let _ = OpenSettingsResponse::parse(input);
            if let Err(e) = Command::parse(input) {
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}
