//! `DecodeOptions::allow_missing_channel_binding`: the verifier's `missing-channel-binding`
//! compatibility relaxation, off by default.
#![allow(clippy::unwrap_used)]

use uaf_proto::b64;
use uaf_proto::message::{ChannelBinding, DecodeOptions, FinalChallengeParams, MessageErrorKind};

const NO_CB: &str = r#"{"appID":"https://uaf.example.com/facets.json","challenge":"AAAAAAAAAAAAAAAAAAAAAA","facetID":"https://uaf.example.com"}"#;

#[test]
fn missing_channel_binding_is_refused_by_default() {
    let fc = b64::encode(NO_CB.as_bytes());
    let e = FinalChallengeParams::from_fc_params_with(&fc, &DecodeOptions::new()).unwrap_err();
    assert_eq!(e.kind, MessageErrorKind::MissingMember);
    assert_eq!(e.path, "fcParams.channelBinding");
}

#[test]
fn missing_channel_binding_reads_as_empty_when_allowed() {
    let fc = b64::encode(NO_CB.as_bytes());
    let opts = DecodeOptions::new().with_missing_channel_binding(true);
    let p = FinalChallengeParams::from_fc_params_with(&fc, &opts).unwrap();
    assert_eq!(p.channel_binding, ChannelBinding::default());
    // A present member is still decoded strictly.
    let wrong = NO_CB.replace('}', r#","channelBinding":[]}"#);
    let e = FinalChallengeParams::from_fc_params_with(&b64::encode(wrong.as_bytes()), &opts)
        .unwrap_err();
    assert!(matches!(e.kind, MessageErrorKind::WrongType { .. }), "{e}");
}
