//! The specification's example messages (digest §9.1, §9.2) decode to the values they show,
//! re-encode to JSON that decodes to the same value, and their `fcParams` decode to the strings
//! the digest gives.

// Test helpers (outside #[test] functions) may unwrap and index: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod message_data;

use message_data::*;
use uaf_proto::b64::Base64Policy;
use uaf_proto::id::{Aaid, AppId, KeyId};
use uaf_proto::message::{
    AnyMessage, AuthenticationRequest, AuthenticationResponse, ChannelBinding,
    DeregisterAuthenticator, DeregistrationRequest, FinalChallengeParams, MatchCriteria,
    MessageErrorKind, Operation, RegistrationRequest, RegistrationResponse, ServerChallenge,
    Version, parse_any,
};
use uaf_proto::registry::{AlgSign, KeyProtection, TcDisplay, UserVerify};

const APP_ID: &str = "https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets";

/// Decoded `fcParams` of Example 8, as printed in digest §9.1.
const EXAMPLE_8_FC_PARAMS_JSON: &str = r#"{"appID":"https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets","challenge":"H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo","channelBinding":{},"facetID":"com.noknok.android.sampleapp"}"#;

/// Decoded `fcParams` of Example 10, as printed in digest §9.1.
const EXAMPLE_10_FC_PARAMS_JSON: &str = r#"{"appID":"https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets","challenge":"HQ1VkTUQC1NJDOo6OOWdxewrb9i5WthjfKIehFxpeuU","channelBinding":{},"facetID":"com.noknok.android.sampleapp"}"#;

fn opts() -> uaf_proto::message::DecodeOptions {
    uaf_proto::message::DecodeOptions::default()
}

fn b64(s: &str) -> Vec<u8> {
    Base64Policy::Strict.decode(s).unwrap()
}

fn criteria(
    uv: u32,
    kp: Option<u16>,
    tc: Option<u16>,
    algs: Option<&[u16]>,
    uaf: bool,
) -> MatchCriteria {
    MatchCriteria {
        user_verification: Some(UserVerify(uv)),
        key_protection: kp.map(KeyProtection),
        tc_display: tc.map(TcDisplay),
        authentication_algorithms: algs
            .map(|a| a.iter().copied().map(AlgSign::from_value).collect()),
        assertion_schemes: uaf.then(|| vec!["UAFV1TLV".to_string()]),
        ..MatchCriteria::default()
    }
}

/// The `accepted` list shared by Examples 7 and 9.
fn examples_accepted() -> Vec<Vec<MatchCriteria>> {
    vec![
        vec![criteria(512, Some(1), Some(1), Some(&[1]), true)],
        vec![criteria(4, Some(1), Some(1), Some(&[1]), true)],
        vec![criteria(4, Some(1), Some(1), Some(&[2]), false)],
        vec![criteria(2, Some(4), Some(1), Some(&[2]), false)],
        vec![criteria(4, Some(2), Some(1), Some(&[1, 3]), false)],
        vec![criteria(2, Some(2), None, Some(&[2]), false)],
        vec![
            criteria(32, Some(2), None, None, true),
            criteria(2, None, None, Some(&[1, 3]), true),
            criteria(2, None, None, Some(&[1, 3]), true),
            criteria(4, Some(1), None, Some(&[1, 3]), true),
        ],
    ]
}

#[test]
fn example_7_registration_request() {
    let requests = RegistrationRequest::parse_array(EXAMPLE_7_REG_REQUEST, &opts()).unwrap();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.header.upv, Version::V1_0);
    assert_eq!(r.header.op, Operation::Reg);
    assert_eq!(r.header.app_id, Some(AppId::new(APP_ID).unwrap()));
    assert_eq!(
        r.header.server_data.as_deref(),
        Some(
            "IjycjPZYiWMaQ1tKLrJROiXQHmYG0tSSYGjP5mgjsDaM17RQgq0dl3NNDDTx9d-aSR_6hGgclrU2F2Yj-12S67v5VmQHj4eWVseLulHdpk2v_hHtKSvv_DFqL4n2IiUY6XZWVbOnvg"
        )
    );
    assert!(r.header.exts.is_empty());
    assert_eq!(
        r.challenge,
        ServerChallenge::new(b64("H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo")).unwrap()
    );
    assert_eq!(r.challenge.as_bytes().len(), 32);
    assert_eq!(r.username, "apa");
    assert_eq!(r.policy.accepted, examples_accepted());
    assert_eq!(
        r.policy.disallowed,
        vec![
            criteria(512, Some(16), None, None, true),
            MatchCriteria {
                user_verification: Some(UserVerify::HANDPRINT),
                key_protection: Some(KeyProtection::REMOTE_HANDLE),
                ..MatchCriteria::default()
            },
            MatchCriteria::registered_key(
                Aaid::parse("ABCD#ABCD").unwrap(),
                KeyId::new(b64("RfY_RDhsf4z5PCOhnZExMeVloZZmK0hxaSi10tkY_c4")).unwrap()
            ),
        ]
    );
    assert_eq!(
        r.policy.accepted[0][0].user_verification,
        Some(UserVerify::NONE)
    );
    // The example breaks the MatchCriteria rules (digest §9.1 observations), which is why
    // decoding does not apply them.
    let e = r.policy.validate().unwrap_err();
    assert_eq!(e.path, "accepted[2][0].assertionSchemes");
    assert_eq!(e.kind, MessageErrorKind::MissingMember);
    // Re-encoding gives a message that decodes to the same value.
    let again = RegistrationRequest::parse_array(&r.to_json(), &opts()).unwrap();
    assert_eq!(again, requests);
    assert!(r.check().is_ok());
}

#[test]
fn example_8_registration_response() {
    let r = RegistrationResponse::parse_array(EXAMPLE_8_REG_RESPONSE, &opts()).unwrap();
    assert_eq!(r.header.upv, Version::V1_0);
    assert_eq!(r.header.op, Operation::Reg);
    assert_eq!(r.header.app_id.as_ref().map(AppId::as_str), Some(APP_ID));
    assert!(
        r.header
            .server_data
            .as_deref()
            .unwrap()
            .starts_with("IjycjPZYiWMaQ1tKLrJR")
    );
    assert!(r.fc_params.starts_with("eyJhcHBJRCI6Imh0dHBzOi8vdWFm"));
    assert_eq!(r.assertions.len(), 1);
    let a = &r.assertions[0];
    assert_eq!(a.assertion_scheme, "UAFV1TLV");
    assert!(a.tc_display_png_characteristics.is_empty());
    assert!(a.exts.is_empty());
    let tlv = a.decode_assertion(Base64Policy::Strict).unwrap();
    assert_eq!(tlv.len(), 754);
    assert_eq!(&tlv[..4], &[0x01, 0x3e, 0xee, 0x02]);

    // fcParams decodes to exactly the text the digest prints.
    assert_eq!(b64(&r.fc_params), EXAMPLE_8_FC_PARAMS_JSON.as_bytes());
    let fcp = r.fc_params(Base64Policy::Strict).unwrap();
    assert_eq!(
        fcp,
        FinalChallengeParams::parse_json(EXAMPLE_8_FC_PARAMS_JSON, &opts()).unwrap()
    );
    assert_eq!(fcp.app_id.as_str(), APP_ID);
    assert_eq!(
        fcp.challenge.to_base64url(),
        "H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo"
    );
    assert_eq!(fcp.facet_id, "com.noknok.android.sampleapp");
    assert_eq!(fcp.channel_binding, ChannelBinding::default());
    assert!(fcp.channel_binding.is_empty());
    // Our encoding orders members differently from the client's, so the text differs: this is
    // why the received string is kept for hashing.
    assert_ne!(fcp.to_fc_params(), r.fc_params);
    assert_eq!(
        FinalChallengeParams::from_fc_params(&fcp.to_fc_params(), Base64Policy::Strict).unwrap(),
        fcp
    );

    let again = RegistrationResponse::parse_array(&r.to_json(), &opts()).unwrap();
    assert_eq!(again, r);
    assert_eq!(again.fc_params, r.fc_params);
}

#[test]
fn example_9_authentication_request() {
    let requests = AuthenticationRequest::parse_array(EXAMPLE_9_AUTH_REQUEST, &opts()).unwrap();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.header.upv, Version::V1_0);
    assert_eq!(r.header.op, Operation::Auth);
    assert_eq!(r.header.app_id.as_ref().map(AppId::as_str), Some(APP_ID));
    assert_eq!(
        r.header.server_data.as_deref(),
        Some(
            "5s7n8-7_LDAtRIKKYqbAtTTOezVKCjl2mPorYzbpxRrZ-_3wWroMXsF_pLYjNVm_l7bplAx4bkEwK6ibil9EHGfdfKOQ1q0tyEkNJFOgqdjVmLioroxgThlj8Istpt7q"
        )
    );
    assert_eq!(
        r.challenge.to_base64url(),
        "HQ1VkTUQC1NJDOo6OOWdxewrb9i5WthjfKIehFxpeuU"
    );
    assert!(r.transaction.is_empty());
    assert_eq!(r.policy.accepted, examples_accepted());
    assert_eq!(r.policy.disallowed.len(), 2);
    let again = AuthenticationRequest::parse_array(&r.to_json(), &opts()).unwrap();
    assert_eq!(again, requests);
}

#[test]
fn example_10_authentication_response() {
    let r = AuthenticationResponse::parse_array(EXAMPLE_10_AUTH_RESPONSE, &opts()).unwrap();
    assert_eq!(r.header.upv, Version::V1_0);
    assert_eq!(r.header.op, Operation::Auth);
    assert_eq!(r.assertions.len(), 1);
    assert_eq!(r.assertions[0].assertion_scheme, "UAFV1TLV");
    let tlv = r.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    assert_eq!(tlv.len(), 218);
    assert_eq!(&tlv[..4], &[0x02, 0x3e, 0xd6, 0x00]);
    assert_eq!(b64(&r.fc_params), EXAMPLE_10_FC_PARAMS_JSON.as_bytes());
    let fcp = r.fc_params(Base64Policy::Strict).unwrap();
    assert_eq!(
        fcp,
        FinalChallengeParams::parse_json(EXAMPLE_10_FC_PARAMS_JSON, &opts()).unwrap()
    );
    assert_eq!(
        fcp.challenge.to_base64url(),
        "HQ1VkTUQC1NJDOo6OOWdxewrb9i5WthjfKIehFxpeuU"
    );
    assert_eq!(fcp.facet_id, "com.noknok.android.sampleapp");
    let again = AuthenticationResponse::parse_array(&r.to_json(), &opts()).unwrap();
    assert_eq!(again, r);
}

#[test]
fn dereg_example() {
    let requests = DeregistrationRequest::parse_array(DEREG_REQUEST, &opts()).unwrap();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.header.upv, Version::V1_1);
    assert_eq!(r.header.op, Operation::Dereg);
    assert_eq!(r.header.app_id.as_ref().map(AppId::as_str), Some(APP_ID));
    assert_eq!(
        r.authenticators,
        vec![DeregisterAuthenticator::AllOfAaid(
            Aaid::parse("ABCD#ABCD").unwrap()
        )]
    );
    assert_eq!(r.authenticators[0].key_id(), None);
    // Our encoding of this message, member for member.
    assert_eq!(
        r.to_json(),
        r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Dereg","appID":"https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets"},"authenticators":[{"aaid":"ABCD#ABCD","keyID":""}]}]"#
    );
    let again = DeregistrationRequest::parse_array(&r.to_json(), &opts()).unwrap();
    assert_eq!(again, requests);
}

#[test]
fn conformance_api_authentication_response() {
    let r = AuthenticationResponse::parse_array(CONFORMANCE_AUTH_RESPONSE, &opts()).unwrap();
    assert_eq!(r.header.upv, Version::V1_1);
    assert_eq!(
        r.header.app_id.as_ref().map(AppId::as_str),
        Some("https://uaf.example.com/facets.json")
    );
    assert_eq!(
        r.header.server_data.as_deref(),
        Some("mz0YSKHLXDd_StbbDINZaRvW3Pa6sxrNMPYp2gOs3-Y")
    );
    let fcp = r.fc_params(Base64Policy::Strict).unwrap();
    assert_eq!(
        b64(&r.fc_params),
        br#"{"facetID":"https://uaf.example.com/index.html","appID":"https://uaf.example.com/facets.json","challenge":"4D8eUxdSzQ_Rbk7Gf0SooK7Xr9O2LU-g150stOpK0go","channelBinding":{}}"#
    );
    assert_eq!(fcp.facet_id, "https://uaf.example.com/index.html");
    assert_eq!(fcp.app_id.as_str(), "https://uaf.example.com/facets.json");
    assert_eq!(
        fcp.challenge.to_base64url(),
        "4D8eUxdSzQ_Rbk7Gf0SooK7Xr9O2LU-g150stOpK0go"
    );
    let tlv = r.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    assert_eq!(tlv.len(), 200);
    assert_eq!(&tlv[..4], &[0x02, 0x3e, 0xc4, 0x00]);
    let again = AuthenticationResponse::parse_array(&r.to_json(), &opts()).unwrap();
    assert_eq!(again, r);
}

#[test]
fn parse_any_tells_the_examples_apart() {
    let cases: [(&str, Operation, bool); 6] = [
        (EXAMPLE_7_REG_REQUEST, Operation::Reg, false),
        (EXAMPLE_8_REG_RESPONSE, Operation::Reg, true),
        (EXAMPLE_9_AUTH_REQUEST, Operation::Auth, false),
        (EXAMPLE_10_AUTH_RESPONSE, Operation::Auth, true),
        (DEREG_REQUEST, Operation::Dereg, false),
        (CONFORMANCE_AUTH_RESPONSE, Operation::Auth, true),
    ];
    for (text, op, response) in cases {
        let any = parse_any(text, &opts()).unwrap();
        assert_eq!(any.operation(), op);
        assert_eq!(any.is_response(), response);
        assert_eq!(parse_any(&any.to_json(), &opts()).unwrap(), any);
    }
    assert!(matches!(
        parse_any(EXAMPLE_8_REG_RESPONSE, &opts()).unwrap(),
        AnyMessage::RegistrationResponse(_)
    ));
    assert!(matches!(
        parse_any(EXAMPLE_9_AUTH_REQUEST, &opts()).unwrap(),
        AnyMessage::AuthenticationRequests(_)
    ));
}
