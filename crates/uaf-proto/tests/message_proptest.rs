//! Property tests: no input makes a decoder panic, and every message that satisfies the
//! decoder's rules survives encode → decode unchanged.

// Test helpers (outside #[test] functions) may unwrap and index: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod message_data;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use uaf_proto::b64::{self, Base64Policy};
use uaf_proto::id::{Aaid, AppId, KeyId};
use uaf_proto::message::{
    self, AuthenticationRequest, AuthenticationResponse, AuthenticatorRegistrationAssertion,
    AuthenticatorSignAssertion, ChannelBinding, DecodeOptions, DeregisterAuthenticator,
    DeregistrationRequest, DisplayPngCharacteristicsDescriptor, Extension, FinalChallengeParams,
    GetUafRequest, MatchCriteria, Operation, OperationHeader, Policy, RegistrationRequest,
    RegistrationResponse, ReturnUafRequest, RgbPaletteEntry, SendUafResponse, ServerChallenge,
    ServerResponse, Token, TokenType, Transaction, TrustedFacetList, TrustedFacets, Version,
};
use uaf_proto::registry::{
    AlgSign, AttachmentHint, AttestationType, KeyProtection, TcDisplay, UserVerify,
};

/// Feeds `text` to every text decoder of the module; none may panic.
fn decode_everything(text: &str) {
    for policy in [Base64Policy::Strict, Base64Policy::Lenient] {
        let o = DecodeOptions::default().with_base64(policy);
        let _ = message::parse_any(text, &o);
        let _ = RegistrationRequest::parse_array(text, &o);
        let _ = AuthenticationRequest::parse_array(text, &o);
        let _ = DeregistrationRequest::parse_array(text, &o);
        if let Ok(r) = RegistrationResponse::parse_array(text, &o) {
            let _ = r.fc_params(policy);
            for a in &r.assertions {
                let _ = a.decode_assertion(policy);
            }
        }
        if let Ok(r) = AuthenticationResponse::parse_array(text, &o) {
            let _ = r.fc_params(policy);
        }
        let _ = FinalChallengeParams::from_fc_params(text, policy);
        let _ = FinalChallengeParams::parse_json(text, &o);
    }
    let _ = message::json::parse(text);
    let _ = TrustedFacetList::parse(text).map(|l| {
        l.trusted_facets
            .iter()
            .map(TrustedFacets::facet_ids)
            .count()
    });
    let _ = GetUafRequest::parse(text);
    let _ = ReturnUafRequest::parse(text);
    let _ = SendUafResponse::parse(text);
    let _ = ServerResponse::parse(text);
    let _ = message::UafMessage::parse(text);
}

/// Arbitrary JSON values (as text), nested a few levels.
fn arb_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("Reg"),
            Just("Auth"),
            Just("Dereg"),
            Just("UAFV1TLV"),
            Just("AAAAAAAAAAA")
        ]
        .prop_map(serde_json::Value::from),
    ];
    let keys = prop_oneof![
        Just("header".to_string()),
        Just("upv".to_string()),
        Just("op".to_string()),
        Just("major".to_string()),
        Just("minor".to_string()),
        Just("fcParams".to_string()),
        Just("assertions".to_string()),
        Just("assertion".to_string()),
        Just("assertionScheme".to_string()),
        Just("challenge".to_string()),
        Just("policy".to_string()),
        Just("accepted".to_string()),
        "[a-z]{1,6}",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
    .prop_map(|v| v.to_string())
}

/// One of the example messages with a few bytes overwritten, inserted or removed.
fn mutated_example() -> impl Strategy<Value = String> {
    let examples = [
        message_data::EXAMPLE_7_REG_REQUEST,
        message_data::EXAMPLE_8_REG_RESPONSE,
        message_data::EXAMPLE_9_AUTH_REQUEST,
        message_data::EXAMPLE_10_AUTH_RESPONSE,
        message_data::DEREG_REQUEST,
        message_data::CONFORMANCE_AUTH_RESPONSE,
    ];
    (
        0..examples.len(),
        vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..4),
    )
        .prop_map(move |(which, edits)| {
            let mut bytes = examples[which].as_bytes().to_vec();
            for (at, op, byte) in edits {
                let i = at.index(bytes.len().max(1));
                match op {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 => bytes.insert(i.min(bytes.len()), byte),
                    _ if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => {}
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        decode_everything(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        decode_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_json_never_panics(text in arb_json()) {
        decode_everything(&text);
        decode_everything(&format!("[{text}]"));
        decode_everything(&b64::encode(text.as_bytes()));
    }

    #[test]
    fn mutated_examples_never_panic(text in mutated_example()) {
        decode_everything(&text);
    }
}

// --- Generators of valid messages ------------------------------------------------------------

fn arb_version() -> impl Strategy<Value = Version> {
    (any::<u16>(), any::<u16>()).prop_map(|(major, minor)| Version { major, minor })
}

fn arb_ext() -> impl Strategy<Value = Extension> {
    ("\\PC{1,32}", vec(any::<u8>(), 0..16), any::<bool>()).prop_map(
        |(id, data, fail_if_unknown)| Extension {
            id,
            data,
            fail_if_unknown,
        },
    )
}

fn arb_header(op: Operation) -> impl Strategy<Value = OperationHeader> {
    (
        arb_version(),
        option::of("\\PC{0,40}"),
        option::of("\\PC{1,60}"),
        vec(arb_ext(), 0..3),
    )
        .prop_map(move |(upv, app_id, server_data, exts)| OperationHeader {
            upv,
            op,
            app_id: app_id.map(|a| AppId::new(a).unwrap()),
            server_data,
            exts,
        })
}

fn arb_challenge() -> impl Strategy<Value = ServerChallenge> {
    vec(any::<u8>(), 8..=64).prop_map(|b| ServerChallenge::new(b).unwrap())
}

fn arb_aaid() -> impl Strategy<Value = Aaid> {
    "[0-9A-Fa-f]{4}#[0-9A-Fa-f]{4}".prop_map(|s| Aaid::parse(&s).unwrap())
}

fn arb_key_id() -> impl Strategy<Value = KeyId> {
    vec(any::<u8>(), 32..80).prop_map(|b| KeyId::new(b).unwrap())
}

fn arb_criteria() -> impl Strategy<Value = MatchCriteria> {
    (
        (
            option::of(vec(arb_aaid(), 0..3)),
            option::of(vec("[0-9a-fA-F]{4}", 0..2)),
            option::of(vec(arb_key_id(), 0..2)),
            option::of(any::<u32>().prop_map(UserVerify)),
            option::of(any::<u16>().prop_map(KeyProtection)),
            option::of(any::<u16>()),
            option::of(any::<u32>().prop_map(AttachmentHint)),
        ),
        (
            option::of(any::<u16>().prop_map(TcDisplay)),
            option::of(vec(any::<u16>().prop_map(AlgSign::from_value), 0..3)),
            option::of(vec("\\PC{0,10}", 0..2)),
            option::of(vec(
                any::<u16>().prop_map(AttestationType::from_value),
                0..3,
            )),
            option::of(any::<u16>()),
            option::of(vec(arb_ext(), 0..2)),
        ),
    )
        .prop_map(
            |((aaid, vendor_id, key_ids, uv, kp, mp, ah), (tc, algs, schemes, att, ver, exts))| {
                MatchCriteria {
                    aaid,
                    vendor_id,
                    key_ids,
                    user_verification: uv,
                    key_protection: kp,
                    matcher_protection: mp,
                    attachment_hint: ah,
                    tc_display: tc,
                    authentication_algorithms: algs,
                    assertion_schemes: schemes,
                    attestation_types: att,
                    authenticator_version: ver,
                    exts,
                }
            },
        )
}

fn arb_policy() -> impl Strategy<Value = Policy> {
    (
        vec(vec(arb_criteria(), 0..3), 0..3),
        vec(arb_criteria(), 0..3),
    )
        .prop_map(|(accepted, disallowed)| Policy {
            accepted,
            disallowed,
        })
}

fn arb_png() -> impl Strategy<Value = DisplayPngCharacteristicsDescriptor> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<[u8; 5]>(),
        vec(
            any::<[u16; 3]>().prop_map(|[r, g, b]| RgbPaletteEntry { r, g, b }),
            0..4,
        ),
    )
        .prop_map(
            |(width, height, [bit_depth, color_type, compression, filter, interlace], plte)| {
                DisplayPngCharacteristicsDescriptor {
                    width,
                    height,
                    bit_depth,
                    color_type,
                    compression,
                    filter,
                    interlace,
                    plte,
                }
            },
        )
}

fn arb_transaction() -> impl Strategy<Value = Transaction> {
    prop_oneof![
        "\\PC{1,200}".prop_map(|t| Transaction::text(&t).unwrap()),
        (vec(any::<u8>(), 1..40), arb_png()).prop_map(|(content, png)| Transaction {
            content_type: "image/png".into(),
            content,
            tc_display_png_characteristics: Some(png),
        }),
        (
            "[a-z]{1,5}/[a-z]{1,5}",
            vec(any::<u8>(), 1..10),
            option::of(arb_png())
        )
            .prop_map(|(ct, content, png)| {
                Transaction {
                    content_type: ct,
                    content,
                    tc_display_png_characteristics: png,
                }
            }),
    ]
    .prop_filter("text/plain content is checked as text", |t| {
        !t.content_type.eq_ignore_ascii_case("text/plain") || t.as_text().is_some()
    })
    .prop_filter("image/png needs its characteristics", |t| {
        !t.content_type.eq_ignore_ascii_case("image/png")
            || t.tc_display_png_characteristics.is_some()
    })
}

fn arb_tlv() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 1..120)
}

fn arb_reg_request() -> impl Strategy<Value = RegistrationRequest> {
    (
        arb_header(Operation::Reg),
        arb_challenge(),
        "\\PC{1,128}",
        arb_policy(),
    )
        .prop_map(
            |(header, challenge, username, policy)| RegistrationRequest {
                header,
                challenge,
                username,
                policy,
            },
        )
}

fn arb_reg_response() -> impl Strategy<Value = RegistrationResponse> {
    let assertion = (
        arb_tlv(),
        "\\PC{1,10}",
        vec(arb_png(), 0..2),
        vec(arb_ext(), 0..2),
    )
        .prop_map(
            |(tlv, scheme, png, exts)| AuthenticatorRegistrationAssertion {
                assertion_scheme: scheme,
                tc_display_png_characteristics: png,
                exts,
                ..AuthenticatorRegistrationAssertion::from_tlv(&tlv).unwrap()
            },
        );
    (
        arb_header(Operation::Reg),
        "\\PC{1,60}",
        vec(assertion, 1..3),
    )
        .prop_map(|(header, fc_params, assertions)| RegistrationResponse {
            header,
            fc_params,
            assertions,
        })
}

fn arb_auth_request() -> impl Strategy<Value = AuthenticationRequest> {
    (
        arb_header(Operation::Auth),
        arb_challenge(),
        vec(arb_transaction(), 0..3),
        arb_policy(),
    )
        .prop_map(
            |(header, challenge, transaction, policy)| AuthenticationRequest {
                header,
                challenge,
                transaction,
                policy,
            },
        )
}

fn arb_auth_response() -> impl Strategy<Value = AuthenticationResponse> {
    let assertion =
        (arb_tlv(), vec(arb_ext(), 0..2)).prop_map(|(tlv, exts)| AuthenticatorSignAssertion {
            exts,
            ..AuthenticatorSignAssertion::from_tlv(&tlv).unwrap()
        });
    (
        arb_header(Operation::Auth),
        "\\PC{1,60}",
        vec(assertion, 1..3),
    )
        .prop_map(|(header, fc_params, assertions)| AuthenticationResponse {
            header,
            fc_params,
            assertions,
        })
}

fn arb_dereg_request() -> impl Strategy<Value = DeregistrationRequest> {
    let entry = prop_oneof![
        (arb_aaid(), arb_key_id())
            .prop_map(|(aaid, key_id)| DeregisterAuthenticator::Key { aaid, key_id }),
        arb_aaid().prop_map(DeregisterAuthenticator::AllOfAaid),
        Just(DeregisterAuthenticator::All),
    ];
    (arb_header(Operation::Dereg), vec(entry, 1..4)).prop_map(|(header, authenticators)| {
        DeregistrationRequest {
            header,
            authenticators,
        }
    })
}

fn arb_fc_params() -> impl Strategy<Value = FinalChallengeParams> {
    (
        "\\PC{1,40}",
        arb_challenge(),
        "\\PC{1,40}",
        (
            option::of("\\PC{0,20}"),
            option::of("\\PC{0,20}"),
            option::of("\\PC{0,20}"),
            option::of("\\PC{0,20}"),
        ),
    )
        .prop_map(|(app_id, challenge, facet_id, (sep, cert, unique, cid))| {
            FinalChallengeParams {
                app_id: AppId::new(app_id).unwrap(),
                challenge,
                facet_id,
                channel_binding: ChannelBinding {
                    server_end_point: sep,
                    tls_server_certificate: cert,
                    tls_unique: unique,
                    cid_pubkey: cid,
                },
            }
        })
}

fn opts() -> DecodeOptions {
    DecodeOptions::default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn registration_request_round_trips(r in arb_reg_request()) {
        prop_assert_eq!(RegistrationRequest::parse_array(&r.to_json(), &opts()), Ok(vec![r.clone()]));
        prop_assert!(r.check().is_ok());
    }

    #[test]
    fn registration_response_round_trips(r in arb_reg_response()) {
        prop_assert_eq!(RegistrationResponse::parse_array(&r.to_json(), &opts()), Ok(r.clone()));
        let any = message::parse_any(&r.to_json(), &opts()).unwrap();
        prop_assert_eq!(any, message::AnyMessage::RegistrationResponse(r));
    }

    #[test]
    fn authentication_request_round_trips(r in arb_auth_request()) {
        prop_assert_eq!(AuthenticationRequest::parse_array(&r.to_json(), &opts()), Ok(vec![r.clone()]));
        prop_assert!(r.check().is_ok());
    }

    #[test]
    fn authentication_response_round_trips(r in arb_auth_response()) {
        prop_assert_eq!(AuthenticationResponse::parse_array(&r.to_json(), &opts()), Ok(r.clone()));
        for a in &r.assertions {
            prop_assert!(a.decode_assertion(Base64Policy::Strict).is_ok());
        }
    }

    #[test]
    fn deregistration_request_round_trips(r in arb_dereg_request()) {
        prop_assert_eq!(DeregistrationRequest::parse_array(&r.to_json(), &opts()), Ok(vec![r.clone()]));
    }

    #[test]
    fn fc_params_round_trip(f in arb_fc_params()) {
        prop_assert_eq!(FinalChallengeParams::from_fc_params(&f.to_fc_params(), Base64Policy::Strict), Ok(f.clone()));
        prop_assert_eq!(FinalChallengeParams::parse_json(&f.to_json(), &opts()), Ok(f));
    }

    #[test]
    fn facet_list_round_trips(entries in vec((arb_version(), vec("\\PC{0,30}", 0..4)), 0..3)) {
        let list = TrustedFacetList {
            trusted_facets: entries.into_iter().map(|(version, ids)| TrustedFacets { version, ids }).collect(),
        };
        prop_assert_eq!(TrustedFacetList::parse(&list.to_json()), Ok(list));
    }

    #[test]
    fn transport_round_trips(
        code in any::<i32>(),
        text in option::of("\\PC{0,30}"),
        lifetime in option::of(any::<i32>()),
        tokens in vec((0..TokenType::ALL.len(), "\\PC{0,10}"), 0..3),
    ) {
        let get = GetUafRequest { op: Some(Operation::Dereg), previous_request: text.clone(), context: text.clone() };
        prop_assert_eq!(GetUafRequest::parse(&get.to_json()), Ok(get));
        let ret = ReturnUafRequest { status_code: code.unsigned_abs(), uaf_request: text.clone(), op: None, lifetime_millis: lifetime };
        prop_assert_eq!(ReturnUafRequest::parse(&ret.to_json()), Ok(ret));
        let resp = ServerResponse {
            description: text.clone(),
            additional_tokens: tokens.into_iter().map(|(i, value)| Token { token_type: TokenType::ALL[i], value }).collect(),
            post_data: text,
            ..ServerResponse::with_status(uaf_proto::status::UafStatusCode::Ok)
        };
        let resp = ServerResponse { status_code: code, ..resp };
        prop_assert_eq!(ServerResponse::parse(&resp.to_json()), Ok(resp));
    }
}
