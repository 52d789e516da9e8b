//! Encoding gives spec-shaped JSON (member names, omitted absent members, unpadded base64url);
//! `MatchCriteria`/`Policy` structural rules; trusted facet lists; the transport envelope.

// Test helpers (outside #[test] functions) may unwrap and index: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use uaf_proto::b64::Base64Policy;
use uaf_proto::id::{Aaid, AppId, FacetId, KeyId};
use uaf_proto::message::{
    AuthenticationRequest, AuthenticatorRegistrationAssertion, ChannelBinding, DecodeOptions,
    DeregisterAuthenticator, DeregistrationRequest, DisplayPngCharacteristicsDescriptor, Extension,
    FacetIdProblem, FinalChallengeParams, GetUafRequest, JsonType, MatchCriteria, MessageErrorKind,
    Operation, OperationHeader, Policy, RegistrationRequest, RegistrationResponse,
    ReturnUafRequest, RgbPaletteEntry, SendUafResponse, ServerChallenge, ServerResponse, Token,
    TokenType, Transaction, TrustedFacetList, UafMessage, Version,
};
use uaf_proto::registry::{
    AlgSign, AttachmentHint, AttestationType, KeyProtection, TcDisplay, UserVerify,
};
use uaf_proto::status::UafStatusCode;

fn opts() -> DecodeOptions {
    DecodeOptions::default()
}

fn aaid() -> Aaid {
    Aaid::parse("ABCD#ABCD").unwrap()
}

fn key_id() -> KeyId {
    KeyId::new(vec![7; 32]).unwrap()
}

fn header(op: Operation) -> OperationHeader {
    OperationHeader {
        app_id: Some(AppId::new("https://uaf.example.com/facets.json").unwrap()),
        server_data: Some("sd".into()),
        exts: vec![Extension {
            id: "fido.uaf.uvm".into(),
            data: vec![0xfb, 0xff],
            fail_if_unknown: true,
        }],
        ..OperationHeader::new(Version::V1_1, op)
    }
}

fn full_criteria() -> MatchCriteria {
    MatchCriteria {
        aaid: Some(vec![aaid()]),
        vendor_id: Some(vec!["ABCD".into()]),
        key_ids: Some(vec![key_id()]),
        user_verification: Some(UserVerify::PASSCODE | UserVerify::FINGERPRINT),
        key_protection: Some(KeyProtection::TEE),
        matcher_protection: Some(2),
        attachment_hint: Some(AttachmentHint::INTERNAL),
        tc_display: Some(TcDisplay::ANY),
        authentication_algorithms: Some(vec![
            AlgSign::Secp256r1EcdsaSha256Raw,
            AlgSign::Unknown(0x99),
        ]),
        assertion_schemes: Some(vec!["UAFV1TLV".into()]),
        attestation_types: Some(vec![AttestationType::BasicFull]),
        authenticator_version: Some(2),
        exts: Some(vec![]),
    }
}

#[test]
fn registration_request_encoding_uses_spec_member_names() {
    let r = RegistrationRequest {
        header: header(Operation::Reg),
        challenge: ServerChallenge::new(vec![0; 8]).unwrap(),
        username: "alice".into(),
        policy: Policy {
            accepted: vec![vec![full_criteria()]],
            disallowed: vec![],
        },
    };
    let kid = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";
    let expected = format!(
        concat!(
            r#"[{{"header":{{"upv":{{"major":1,"minor":1}},"op":"Reg","appID":"https://uaf.example.com/facets.json","#,
            r#""serverData":"sd","exts":[{{"id":"fido.uaf.uvm","data":"-_8","fail_if_unknown":true}}]}},"#,
            r#""challenge":"AAAAAAAAAAA","username":"alice","policy":{{"accepted":[[{{"aaid":["ABCD#ABCD"],"#,
            r#""vendorID":["ABCD"],"keyIDs":["{kid}"],"userVerification":6,"keyProtection":4,"matcherProtection":2,"#,
            r#""attachmentHint":1,"tcDisplay":1,"authenticationAlgorithms":[1,153],"assertionSchemes":["UAFV1TLV"],"#,
            r#""attestationTypes":[15879],"authenticatorVersion":2,"exts":[]}}]]}}}}]"#
        ),
        kid = kid
    );
    assert_eq!(r.to_json(), expected);
    assert_eq!(
        RegistrationRequest::parse_array(&expected, &opts()).unwrap(),
        vec![r.clone()]
    );
    assert!(r.check().is_ok());
    // A request that breaks a decoding rule fails check().
    let bad = RegistrationRequest {
        username: "a".repeat(129),
        ..r
    };
    let e = bad.check().unwrap_err();
    assert_eq!(e.path, "[0].username");
}

#[test]
fn optional_members_are_omitted() {
    let r = RegistrationRequest {
        header: OperationHeader::new(Version::V1_0, Operation::Reg),
        challenge: ServerChallenge::new(vec![1; 8]).unwrap(),
        username: "u".into(),
        policy: Policy {
            accepted: vec![vec![MatchCriteria::default()]],
            disallowed: vec![],
        },
    };
    assert_eq!(
        r.to_json(),
        r#"[{"header":{"upv":{"major":1,"minor":0},"op":"Reg"},"challenge":"AQEBAQEBAQE","username":"u","policy":{"accepted":[[{}]]}}]"#
    );
}

#[test]
fn response_and_transaction_encoding() {
    let png = DisplayPngCharacteristicsDescriptor {
        width: 200,
        height: 100,
        bit_depth: 8,
        color_type: 3,
        compression: 0,
        filter: 0,
        interlace: 0,
        plte: vec![RgbPaletteEntry { r: 1, g: 2, b: 3 }],
    };
    let mut assertion =
        AuthenticatorRegistrationAssertion::from_tlv(&[0x01, 0x3e, 0x00, 0x00]).unwrap();
    assertion.tc_display_png_characteristics = vec![png.clone()];
    let r = RegistrationResponse {
        header: OperationHeader::new(Version::V1_1, Operation::Reg),
        fc_params: "eyJ9".into(),
        assertions: vec![assertion],
    };
    assert_eq!(
        r.to_json(),
        concat!(
            r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Reg"},"fcParams":"eyJ9","assertions":[{"assertionScheme":"UAFV1TLV","#,
            r#""assertion":"AT4AAA","tcDisplayPNGCharacteristics":[{"width":200,"height":100,"bitDepth":8,"colorType":3,"#,
            r#""compression":0,"filter":0,"interlace":0,"plte":[{"r":1,"g":2,"b":3}]}]}]}]"#
        )
    );
    assert_eq!(
        RegistrationResponse::parse_array(&r.to_json(), &opts()).unwrap(),
        r
    );

    let a = AuthenticationRequest {
        header: OperationHeader::new(Version::V1_1, Operation::Auth),
        challenge: ServerChallenge::new(vec![0; 8]).unwrap(),
        transaction: vec![
            Transaction::text("Pay 10 EUR?").unwrap(),
            Transaction {
                content_type: "image/png".into(),
                content: vec![0x89, b'P'],
                tc_display_png_characteristics: Some(png),
            },
        ],
        policy: Policy::default(),
    };
    let json = a.to_json();
    assert!(
        json.contains(r#""transaction":[{"contentType":"text/plain","content":"UGF5IDEwIEVVUj8"}"#),
        "{json}"
    );
    assert!(json.contains(
        r#"{"contentType":"image/png","content":"iVA","tcDisplayPNGCharacteristics":{"width":200"#
    ));
    assert_eq!(
        AuthenticationRequest::parse_array(&json, &opts()).unwrap(),
        vec![a.clone()]
    );
    assert_eq!(a.transaction[0].as_text(), Some("Pay 10 EUR?"));
    assert_eq!(Transaction::text("").unwrap_err().path, "content");
    assert!(Transaction::text(&"ü".repeat(200)).is_ok());
    assert_eq!(
        Transaction::text(&"x".repeat(201)).unwrap_err().kind,
        MessageErrorKind::Length {
            len: 201,
            min: 1,
            max: 200,
            unit: uaf_proto::message::LengthUnit::Characters
        }
    );
}

#[test]
fn fc_params_and_channel_binding_encoding() {
    let fcp = FinalChallengeParams {
        app_id: AppId::new("https://uaf.example.com/facets.json").unwrap(),
        challenge: ServerChallenge::new(vec![0; 8]).unwrap(),
        facet_id: "https://uaf.example.com".into(),
        channel_binding: ChannelBinding {
            server_end_point: Some("c2Vw".into()),
            tls_server_certificate: Some("Y2VydA".into()),
            tls_unique: Some("dW5p".into()),
            cid_pubkey: Some("unused".into()),
        },
    };
    assert_eq!(
        fcp.to_json(),
        concat!(
            r#"{"appID":"https://uaf.example.com/facets.json","challenge":"AAAAAAAAAAA","facetID":"https://uaf.example.com","#,
            r#""channelBinding":{"serverEndPoint":"c2Vw","tlsServerCertificate":"Y2VydA","tlsUnique":"dW5p","cid_pubkey":"unused"}}"#
        )
    );
    let text = fcp.to_fc_params();
    assert!(!text.contains('='));
    assert_eq!(
        FinalChallengeParams::from_fc_params(&text, Base64Policy::Strict).unwrap(),
        fcp
    );
    assert_eq!(
        FinalChallengeParams::parse_json(&fcp.to_json(), &opts()).unwrap(),
        fcp
    );
    let empty = FinalChallengeParams {
        channel_binding: ChannelBinding::default(),
        ..fcp
    };
    assert!(empty.to_json().ends_with(r#""channelBinding":{}}"#));
}

#[test]
fn dereg_encoding_of_the_three_scopes() {
    let r = DeregistrationRequest {
        header: OperationHeader::new(Version::V1_1, Operation::Dereg),
        authenticators: vec![
            DeregisterAuthenticator::Key {
                aaid: aaid(),
                key_id: key_id(),
            },
            DeregisterAuthenticator::AllOfAaid(aaid()),
            DeregisterAuthenticator::All,
        ],
    };
    assert_eq!(
        r.to_json(),
        concat!(
            r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Dereg"},"authenticators":["#,
            r#"{"aaid":"ABCD#ABCD","keyID":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"},"#,
            r#"{"aaid":"ABCD#ABCD","keyID":""},{"aaid":"","keyID":""}]}]"#
        )
    );
    assert_eq!(
        DeregistrationRequest::parse_array(&r.to_json(), &opts()).unwrap(),
        vec![r.clone()]
    );
    assert_eq!(r.authenticators[0].aaid(), Some(&aaid()));
    assert_eq!(r.authenticators[0].key_id(), Some(&key_id()));
    assert_eq!(r.authenticators[2].aaid(), None);
    assert!(r.check().is_ok());
    let empty = DeregistrationRequest {
        authenticators: vec![],
        ..r
    };
    assert_eq!(empty.check().unwrap_err().kind, MessageErrorKind::Empty);
}

// --- MatchCriteria / Policy structural rules (digest §2.12) ------------------------------------

fn no_aaid() -> MatchCriteria {
    MatchCriteria {
        authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
        assertion_schemes: Some(vec!["UAFV1TLV".into()]),
        ..MatchCriteria::default()
    }
}

#[track_caller]
fn invalid(c: &MatchCriteria, path: &str, kind: MessageErrorKind) {
    let e = c.validate().unwrap_err();
    assert_eq!((e.path.as_str(), e.kind), (path, kind));
}

#[test]
fn match_criteria_rules() {
    // Conformance issue #44: aaid alone is valid.
    assert!(
        MatchCriteria {
            aaid: Some(vec![aaid()]),
            ..MatchCriteria::default()
        }
        .validate()
        .is_ok()
    );
    assert!(
        MatchCriteria::registered_key(aaid(), key_id())
            .validate()
            .is_ok()
    );
    let with_aaid_ok = MatchCriteria {
        attachment_hint: Some(AttachmentHint::INTERNAL),
        authenticator_version: Some(1),
        exts: Some(vec![]),
        ..MatchCriteria::registered_key(aaid(), key_id())
    };
    assert!(with_aaid_ok.validate().is_ok());
    assert!(no_aaid().validate().is_ok());

    let base = MatchCriteria::registered_key(aaid(), key_id());
    let not_allowed: [(&str, MatchCriteria); 8] = [
        (
            "vendorID",
            MatchCriteria {
                vendor_id: Some(vec!["ABCD".into()]),
                ..base.clone()
            },
        ),
        (
            "userVerification",
            MatchCriteria {
                user_verification: Some(UserVerify::PASSCODE),
                ..base.clone()
            },
        ),
        (
            "keyProtection",
            MatchCriteria {
                key_protection: Some(KeyProtection::TEE),
                ..base.clone()
            },
        ),
        (
            "matcherProtection",
            MatchCriteria {
                matcher_protection: Some(1),
                ..base.clone()
            },
        ),
        (
            "tcDisplay",
            MatchCriteria {
                tc_display: Some(TcDisplay::ANY),
                ..base.clone()
            },
        ),
        (
            "authenticationAlgorithms",
            MatchCriteria {
                authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
                ..base.clone()
            },
        ),
        (
            "assertionSchemes",
            MatchCriteria {
                assertion_schemes: Some(vec!["UAFV1TLV".into()]),
                ..base.clone()
            },
        ),
        (
            "attestationTypes",
            MatchCriteria {
                attestation_types: Some(vec![AttestationType::BasicFull]),
                ..base.clone()
            },
        ),
    ];
    for (path, c) in &not_allowed {
        invalid(c, path, MessageErrorKind::NotAllowedWithAaid);
    }
    invalid(
        &MatchCriteria {
            authentication_algorithms: None,
            ..no_aaid()
        },
        "authenticationAlgorithms",
        MessageErrorKind::MissingMember,
    );
    invalid(
        &MatchCriteria {
            assertion_schemes: None,
            ..no_aaid()
        },
        "assertionSchemes",
        MessageErrorKind::MissingMember,
    );
    invalid(
        &MatchCriteria::default(),
        "authenticationAlgorithms",
        MessageErrorKind::MissingMember,
    );
    invalid(
        &MatchCriteria {
            aaid: Some(vec![]),
            ..MatchCriteria::default()
        },
        "aaid",
        MessageErrorKind::Empty,
    );
    invalid(
        &MatchCriteria {
            key_ids: Some(vec![]),
            ..base.clone()
        },
        "keyIDs",
        MessageErrorKind::Empty,
    );
    invalid(
        &MatchCriteria {
            authentication_algorithms: Some(vec![]),
            ..no_aaid()
        },
        "authenticationAlgorithms",
        MessageErrorKind::Empty,
    );
    invalid(
        &MatchCriteria {
            assertion_schemes: Some(vec![]),
            ..no_aaid()
        },
        "assertionSchemes",
        MessageErrorKind::Empty,
    );
    invalid(
        &MatchCriteria {
            attestation_types: Some(vec![]),
            ..no_aaid()
        },
        "attestationTypes",
        MessageErrorKind::Empty,
    );
    invalid(
        &MatchCriteria {
            vendor_id: Some(vec![]),
            ..no_aaid()
        },
        "vendorID",
        MessageErrorKind::Empty,
    );
}

#[test]
fn policy_rules() {
    let good = Policy {
        accepted: vec![
            vec![no_aaid()],
            vec![MatchCriteria::registered_key(aaid(), key_id()), no_aaid()],
        ],
        disallowed: vec![MatchCriteria::registered_key(aaid(), key_id())],
    };
    assert!(good.validate().is_ok());
    let e = Policy::default().validate().unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("accepted", MessageErrorKind::Empty)
    );
    let e = Policy {
        accepted: vec![vec![no_aaid()], vec![]],
        ..good.clone()
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("accepted[1]", MessageErrorKind::Empty)
    );
    let e = Policy {
        accepted: vec![vec![no_aaid(), MatchCriteria::default()]],
        ..good.clone()
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "accepted[0][1].authenticationAlgorithms",
            MessageErrorKind::MissingMember
        )
    );
    let bad_disallowed = MatchCriteria {
        key_protection: Some(KeyProtection::TEE),
        ..MatchCriteria::registered_key(aaid(), key_id())
    };
    let e = Policy {
        disallowed: vec![no_aaid(), bad_disallowed],
        ..good
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "disallowed[1].keyProtection",
            MessageErrorKind::NotAllowedWithAaid
        )
    );
}

// --- Trusted facets (digest §7.2–7.4) ----------------------------------------------------------

const FACETS: &str = r#"{
  "trustedFacets": [
    {
      "version": { "major": 1, "minor": 0 },
      "ids": [
        "https://uaf.example.com",
        "https://login.uaf.example.com:8443",
        "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM",
        "ios:bundle-id:org.fidoalliance.mobile.conformancetools",
        "http://uaf.example.com",
        "https://uaf.example.com/index.html",
        "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM=",
        "com.noknok.android.sampleapp"
      ]
    },
    {
      "version": { "major": 1, "minor": 2 },
      "ids": ["https://uaf.example.com"]
    }
  ]
}"#;

#[test]
fn trusted_facets_select_and_validate() {
    let list = TrustedFacetList::parse(FACETS).unwrap();
    assert_eq!(list.trusted_facets.len(), 2);
    // No {1,1} entry: a 1.1 client uses the {1,0} one (conformance issue #86).
    let v11 = list.select(Version::V1_1).unwrap();
    assert_eq!(v11.version, Version::V1_0);
    assert_eq!(
        list.select(Version::new(1, 2)).unwrap().ids,
        ["https://uaf.example.com"]
    );
    assert_eq!(list.select(Version::V1_0).unwrap().version, Version::V1_0);
    assert!(list.select(Version::new(2, 0)).is_none());

    let check = v11.facet_ids();
    assert_eq!(
        check.valid,
        vec![
            FacetId::Web("https://uaf.example.com".into()),
            FacetId::Web("https://login.uaf.example.com:8443".into()),
            FacetId::Android("hoG2zCMzhpGCNnLFceBuVpPfDqM".into()),
            FacetId::Ios("org.fidoalliance.mobile.conformancetools".into()),
        ]
    );
    let problems: Vec<(usize, FacetIdProblem)> = check
        .rejected
        .iter()
        .map(|r| (r.index, r.problem))
        .collect();
    assert_eq!(
        problems,
        [
            (4, FacetIdProblem::NotHttps),
            (5, FacetIdProblem::NotAnOrigin),
            (6, FacetIdProblem::PaddedAndroidHash),
            (7, FacetIdProblem::Malformed),
        ]
    );
    assert_eq!(check.rejected[0].id, "http://uaf.example.com");
    assert!(check.rejected[0].to_string().contains("https"));

    let again = TrustedFacetList::parse(&list.to_json()).unwrap();
    assert_eq!(again, list);
    assert_eq!(
        TrustedFacetList::CONTENT_TYPE,
        "application/fido.trusted-apps+json"
    );
}

#[test]
fn trusted_facets_decoding_errors() {
    let err = |t: &str| TrustedFacetList::parse(t).unwrap_err();
    let e = err("{}");
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("trustedFacets", MessageErrorKind::MissingMember)
    );
    let e = err(r#"{"trustedFacets":[{"version":{"major":1,"minor":0},"ids":["a",1]}]}"#);
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "trustedFacets[0].ids[1]",
            MessageErrorKind::WrongType {
                expected: JsonType::String,
                found: JsonType::Number
            }
        )
    );
    let e = err(r#"{"trustedFacets":[{"ids":[]}]}"#);
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("trustedFacets[0].version", MessageErrorKind::MissingMember)
    );
    let e = err(r#"{"trustedFacets":[],"trustedFacets":[]}"#);
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("trustedFacets", MessageErrorKind::DuplicateMember)
    );
}

// --- Transport envelope (digest §2.13; conformance server API) -------------------------------

#[test]
fn transport_envelope_round_trips() {
    // The conformance tool's POST /get body.
    let get = GetUafRequest::parse(r#"{"op":"Reg","context":"{\"username\":\"alice\"}"}"#).unwrap();
    assert_eq!(get.op, Some(Operation::Reg));
    assert_eq!(get.context.as_deref(), Some(r#"{"username":"alice"}"#));
    assert_eq!(get.previous_request, None);
    assert_eq!(GetUafRequest::parse(&get.to_json()).unwrap(), get);

    let ret = ReturnUafRequest {
        status_code: 1200,
        uaf_request: Some("[]".into()),
        op: Some(Operation::Auth),
        lifetime_millis: Some(60_000),
    };
    assert_eq!(
        ret.to_json(),
        r#"{"statusCode":1200,"uafRequest":"[]","op":"Auth","lifetimeMillis":60000}"#
    );
    assert_eq!(ReturnUafRequest::parse(&ret.to_json()).unwrap(), ret);
    assert_eq!(ret.status(), Some(UafStatusCode::Ok));

    let send = SendUafResponse {
        uaf_response: "[{}]".into(),
        context: None,
    };
    assert_eq!(send.to_json(), r#"{"uafResponse":"[{}]"}"#);
    assert_eq!(SendUafResponse::parse(&send.to_json()).unwrap(), send);

    let mut resp = ServerResponse::with_status(UafStatusCode::UnacceptableContent);
    assert_eq!(resp.to_json(), r#"{"statusCode":1498}"#);
    resp.additional_tokens = vec![Token {
        token_type: TokenType::HttpCookie,
        value: "sid=1".into(),
    }];
    resp.new_uaf_request = Some("[]".into());
    assert_eq!(
        resp.to_json(),
        r#"{"statusCode":1498,"additionalTokens":[{"type":"HTTP_COOKIE","value":"sid=1"}],"newUAFRequest":"[]"}"#
    );
    assert_eq!(ServerResponse::parse(&resp.to_json()).unwrap(), resp);
    assert_eq!(resp.status(), Some(UafStatusCode::UnacceptableContent));
    for t in TokenType::ALL {
        let json =
            format!(r#"{{"statusCode":1200,"additionalTokens":[{{"type":"{t}","value":""}}]}}"#);
        assert_eq!(
            ServerResponse::parse(&json).unwrap().additional_tokens[0].token_type,
            *t
        );
    }

    let msg = UafMessage::parse(r#"{"uafProtocolMessage":"[]","additionalData":{"a":[1,null]}}"#)
        .unwrap();
    assert_eq!(msg.uaf_protocol_message, "[]");
    assert_eq!(UafMessage::parse(&msg.to_json()).unwrap(), msg);
}

#[test]
fn transport_envelope_errors() {
    let e = ReturnUafRequest::parse(r#"{"uafRequest":"[]"}"#).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("statusCode", MessageErrorKind::MissingMember)
    );
    let e = ReturnUafRequest::parse(r#"{"statusCode":-1}"#).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "statusCode",
            MessageErrorKind::IntegerOutOfRange {
                value: -1,
                min: 0,
                max: 4_294_967_295
            }
        )
    );
    let e = GetUafRequest::parse(r#"{"op":"reg"}"#).unwrap_err();
    assert_eq!(e.path, "op");
    let e = SendUafResponse::parse(r#"{"uafResponse":["x"]}"#).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "uafResponse",
            MessageErrorKind::WrongType {
                expected: JsonType::String,
                found: JsonType::Array
            }
        )
    );
    let e = ServerResponse::parse(
        r#"{"statusCode":1200,"additionalTokens":[{"type":"COOKIE","value":""}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "additionalTokens[0].type",
            MessageErrorKind::UnknownValue {
                found: "COOKIE".into(),
                allowed: TokenType::NAMES
            }
        )
    );
    let e = UafMessage::parse(r#"{"uafProtocolMessage":"[]","additionalData":[]}"#).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "additionalData",
            MessageErrorKind::WrongType {
                expected: JsonType::Object,
                found: JsonType::Array
            }
        )
    );
    let e = UafMessage::parse(r#"{"uafProtocolMessage":"[]","additionalData":{"a":1,"a":2}}"#)
        .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("additionalData.a", MessageErrorKind::DuplicateMember)
    );
}
