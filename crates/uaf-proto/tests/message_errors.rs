//! Every rejection of the strict decoder, with the exact member path and error kind. Most cases
//! mutate a spec example (digest §9.1) the way the FIDO conformance tool does (digest §10.3).

// Test helpers (outside #[test] functions) may unwrap and index: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod message_data;

use message_data::*;
use serde_json::{Value, json};
use uaf_proto::b64::{self, Base64Error, Base64Policy};
use uaf_proto::message::{
    AuthenticationRequest, AuthenticationResponse, DecodeOptions, DeregisterAuthenticator,
    DeregistrationRequest, FinalChallengeParams, JsonType, LengthUnit, MessageError,
    MessageErrorKind, Operation, RegistrationRequest, RegistrationResponse, Version, parse_any,
};

use JsonType as J;
use MessageErrorKind as K;

fn opts() -> DecodeOptions {
    DecodeOptions::default()
}

fn wrong(expected: JsonType, found: JsonType) -> MessageErrorKind {
    K::WrongType { expected, found }
}

fn len(len: usize, min: usize, max: usize, unit: LengthUnit) -> MessageErrorKind {
    K::Length {
        len,
        min,
        max,
        unit,
    }
}

#[track_caller]
fn assert_err<T: core::fmt::Debug>(
    result: Result<T, MessageError>,
    path: &str,
    kind: MessageErrorKind,
) {
    let e = result.unwrap_err();
    assert_eq!((e.path.as_str(), &e.kind), (path, &kind), "{e}");
    assert!(!e.to_string().is_empty());
}

fn example(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Example 8 with `mutate` applied to its message object, decoded.
fn reg_resp(mutate: impl FnOnce(&mut Value)) -> Result<RegistrationResponse, MessageError> {
    let mut v = example(EXAMPLE_8_REG_RESPONSE);
    mutate(&mut v[0]);
    RegistrationResponse::parse_array(&v.to_string(), &opts())
}

/// Example 10 with `mutate` applied to its message object, decoded.
fn auth_resp(mutate: impl FnOnce(&mut Value)) -> Result<AuthenticationResponse, MessageError> {
    let mut v = example(EXAMPLE_10_AUTH_RESPONSE);
    mutate(&mut v[0]);
    AuthenticationResponse::parse_array(&v.to_string(), &opts())
}

/// Example 7 with `mutate` applied to its message object, decoded.
fn reg_req(mutate: impl FnOnce(&mut Value)) -> Result<Vec<RegistrationRequest>, MessageError> {
    let mut v = example(EXAMPLE_7_REG_REQUEST);
    mutate(&mut v[0]);
    RegistrationRequest::parse_array(&v.to_string(), &opts())
}

/// Example 9 with `mutate` applied to its message object, decoded.
fn auth_req(mutate: impl FnOnce(&mut Value)) -> Result<Vec<AuthenticationRequest>, MessageError> {
    let mut v = example(EXAMPLE_9_AUTH_REQUEST);
    mutate(&mut v[0]);
    AuthenticationRequest::parse_array(&v.to_string(), &opts())
}

/// The Dereg example with `mutate` applied to its message object, decoded.
fn dereg(mutate: impl FnOnce(&mut Value)) -> Result<Vec<DeregistrationRequest>, MessageError> {
    let mut v = example(DEREG_REQUEST);
    mutate(&mut v[0]);
    DeregistrationRequest::parse_array(&v.to_string(), &opts())
}

fn remove(v: &mut Value, key: &str) {
    v.as_object_mut().unwrap().remove(key).unwrap();
}

fn b64_of(n: usize) -> String {
    b64::encode(&vec![0x5a; n])
}

/// The fcParams object of Example 8, as JSON.
fn fcp_example() -> Value {
    json!({
        "appID": "https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets",
        "challenge": "H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo",
        "channelBinding": {},
        "facetID": "com.noknok.android.sampleapp"
    })
}

/// `fc_params()` of a response whose fcParams is `fcp` (base64url of its JSON text).
fn fcp_result(fcp_text: &str) -> Result<FinalChallengeParams, MessageError> {
    let fc = b64::encode(fcp_text.as_bytes());
    let r = reg_resp(|m| m["fcParams"] = json!(fc)).unwrap();
    r.fc_params(Base64Policy::Strict)
}

fn fcp_with(mutate: impl FnOnce(&mut Value)) -> Result<FinalChallengeParams, MessageError> {
    let mut v = fcp_example();
    mutate(&mut v);
    fcp_result(&v.to_string())
}

// --- The array (digest §1.5, conformance Reg-Resp-1) -----------------------------------------

#[test]
fn not_json_not_an_array_wrong_element_count() {
    assert_err(
        RegistrationResponse::parse_array("", &opts()),
        "",
        K::InvalidJson { line: 1, column: 0 },
    );
    assert_err(
        RegistrationResponse::parse_array("[{}", &opts()),
        "",
        K::InvalidJson { line: 1, column: 3 },
    );
    assert_err(
        RegistrationResponse::parse_array("[] x", &opts()),
        "",
        K::InvalidJson { line: 1, column: 4 },
    );
    let msg = example(EXAMPLE_8_REG_RESPONSE)[0].clone();
    assert_err(
        RegistrationResponse::parse_array(&msg.to_string(), &opts()),
        "",
        wrong(J::Array, J::Object),
    );
    assert_err(
        RegistrationResponse::parse_array("\"[]\"", &opts()),
        "",
        wrong(J::Array, J::String),
    );
    assert_err(
        RegistrationResponse::parse_array("null", &opts()),
        "",
        wrong(J::Array, J::Null),
    );
    assert_err(
        RegistrationResponse::parse_array("[]", &opts()),
        "",
        len(0, 1, 1, LengthUnit::Elements),
    );
    let two = json!([msg, msg]).to_string();
    assert_err(
        RegistrationResponse::parse_array(&two, &opts()),
        "",
        len(2, 1, 1, LengthUnit::Elements),
    );
    assert_err(
        AuthenticationResponse::parse_array(&two, &opts()),
        "",
        len(2, 1, 1, LengthUnit::Elements),
    );
    assert_err(
        RegistrationResponse::parse_array("[1]", &opts()),
        "[0]",
        wrong(J::Object, J::Number),
    );
    assert_err(
        RegistrationResponse::parse_array("[[]]", &opts()),
        "[0]",
        wrong(J::Object, J::Array),
    );
    // Request arrays: at least one message, one per version, all of the same operation.
    assert_err(
        RegistrationRequest::parse_array("[]", &opts()),
        "",
        K::Empty,
    );
    assert_err(
        DeregistrationRequest::parse_array("{}", &opts()),
        "",
        wrong(J::Array, J::Object),
    );
}

#[test]
fn request_array_one_message_per_version() {
    let msg = example(EXAMPLE_7_REG_REQUEST)[0].clone();
    let mut v11 = msg.clone();
    v11["header"]["upv"]["minor"] = json!(1);
    let ok = json!([msg, v11]).to_string();
    let both = RegistrationRequest::parse_array(&ok, &opts()).unwrap();
    assert_eq!(both.len(), 2);
    assert_eq!(both[1].header.upv, Version::V1_1);
    assert_eq!(
        RegistrationRequest::parse_array(&RegistrationRequest::array_to_json(&both), &opts())
            .unwrap(),
        both
    );

    let twice = json!([msg, msg]).to_string();
    assert_err(
        RegistrationRequest::parse_array(&twice, &opts()),
        "[1].header.upv",
        K::DuplicateVersion {
            version: Version::V1_0,
        },
    );
    let mut auth = msg.clone();
    auth["header"]["op"] = json!("Auth");
    let mixed = json!([msg, auth]).to_string();
    assert_err(
        RegistrationRequest::parse_array(&mixed, &opts()),
        "[1].header.op",
        K::WrongOperation {
            expected: Operation::Reg,
            found: Operation::Auth,
        },
    );
    assert_err(
        parse_any(&mixed, &opts()),
        "[1].header.op",
        K::WrongOperation {
            expected: Operation::Reg,
            found: Operation::Auth,
        },
    );
}

// --- Response dictionary (conformance Reg-Resp-2 / Auth-Resp-2) --------------------------------

#[test]
fn response_members_missing_null_empty_or_wrongly_typed() {
    for key in ["header", "fcParams", "assertions"] {
        assert_err(
            reg_resp(|m| remove(m, key)),
            &format!("[0].{key}"),
            K::MissingMember,
        );
        assert_err(
            auth_resp(|m| remove(m, key)),
            &format!("[0].{key}"),
            K::MissingMember,
        );
    }
    let cases: [(&str, Value, MessageErrorKind); 14] = [
        ("header", json!(null), wrong(J::Object, J::Null)),
        ("header", json!("header"), wrong(J::Object, J::String)),
        ("header", json!([]), wrong(J::Object, J::Array)),
        ("header", json!(1), wrong(J::Object, J::Number)),
        ("fcParams", json!(null), wrong(J::String, J::Null)),
        ("fcParams", json!(""), K::Empty),
        ("fcParams", json!(12), wrong(J::String, J::Number)),
        ("fcParams", json!({}), wrong(J::String, J::Object)),
        ("fcParams", json!(["a"]), wrong(J::String, J::Array)),
        ("assertions", json!(null), wrong(J::Array, J::Null)),
        ("assertions", json!([]), K::Empty),
        ("assertions", json!("a"), wrong(J::Array, J::String)),
        ("assertions", json!({}), wrong(J::Array, J::Object)),
        ("assertions", json!(true), wrong(J::Array, J::Bool)),
    ];
    for (key, value, kind) in cases {
        let path = format!("[0].{key}");
        assert_err(reg_resp(|m| m[key] = value.clone()), &path, kind.clone());
        assert_err(auth_resp(|m| m[key] = value.clone()), &path, kind);
    }
    // Unknown members are ignored.
    assert!(reg_resp(|m| m["somethingElse"] = json!(null)).is_ok());
}

// --- Header (conformance Reg-Resp-3 / Auth-Resp-3) ---------------------------------------------

#[test]
fn header_op() {
    assert_err(
        reg_resp(|m| remove(&mut m["header"], "op")),
        "[0].header.op",
        K::MissingMember,
    );
    let unknown = |s: &str| K::UnknownValue {
        found: s.into(),
        allowed: Operation::NAMES,
    };
    let cases: [(Value, MessageErrorKind); 8] = [
        (json!(null), wrong(J::String, J::Null)),
        (json!(""), unknown("")),
        (json!({}), wrong(J::String, J::Object)),
        (json!(1), wrong(J::String, J::Number)),
        (json!("REG"), unknown("REG")),
        (json!("reg"), unknown("reg")),
        (
            json!("Auth"),
            K::WrongOperation {
                expected: Operation::Reg,
                found: Operation::Auth,
            },
        ),
        (
            json!("Dereg"),
            K::WrongOperation {
                expected: Operation::Reg,
                found: Operation::Dereg,
            },
        ),
    ];
    for (value, kind) in cases {
        assert_err(
            reg_resp(|m| m["header"]["op"] = value.clone()),
            "[0].header.op",
            kind,
        );
    }
    assert_err(
        auth_resp(|m| m["header"]["op"] = json!("Reg")),
        "[0].header.op",
        K::WrongOperation {
            expected: Operation::Auth,
            found: Operation::Reg,
        },
    );
    assert_err(
        auth_resp(|m| m["header"]["op"] = json!("AUTH")),
        "[0].header.op",
        unknown("AUTH"),
    );
}

#[test]
fn header_upv() {
    assert_err(
        reg_resp(|m| remove(&mut m["header"], "upv")),
        "[0].header.upv",
        K::MissingMember,
    );
    assert_err(
        reg_resp(|m| m["header"]["upv"] = json!(null)),
        "[0].header.upv",
        wrong(J::Object, J::Null),
    );
    assert_err(
        reg_resp(|m| m["header"]["upv"] = json!({})),
        "[0].header.upv.major",
        K::MissingMember,
    );
    assert_err(
        reg_resp(|m| m["header"]["upv"] = json!([])),
        "[0].header.upv",
        wrong(J::Object, J::Array),
    );
    assert_err(
        reg_resp(|m| m["header"]["upv"] = json!("1.1")),
        "[0].header.upv",
        wrong(J::Object, J::String),
    );
    assert_err(
        reg_resp(|m| m["header"]["upv"] = json!({"major": 1})),
        "[0].header.upv.minor",
        K::MissingMember,
    );
    let minor = |v: Value| reg_resp(move |m| m["header"]["upv"]["minor"] = v);
    let range = |value| K::IntegerOutOfRange {
        value,
        min: 0,
        max: 65535,
    };
    assert_err(minor(json!(65536)), "[0].header.upv.minor", range(65536));
    assert_err(minor(json!(-1)), "[0].header.upv.minor", range(-1));
    assert_err(minor(json!(1.5)), "[0].header.upv.minor", K::NotAnInteger);
    assert_err(
        minor(json!("1")),
        "[0].header.upv.minor",
        wrong(J::Number, J::String),
    );
    assert_err(
        minor(json!(null)),
        "[0].header.upv.minor",
        wrong(J::Number, J::Null),
    );
    assert_eq!(
        minor(json!(65535)).unwrap().header.upv,
        Version::new(1, 65535)
    );
    // {1,7} decodes: whether 1.7 is supported is the verifier's decision (digest §3.2 R1.3).
    assert_eq!(minor(json!(7)).unwrap().header.upv, Version::new(1, 7));
    assert_err(
        reg_resp(|m| m["header"]["upv"]["major"] = json!(1e0)),
        "[0].header.upv.major",
        K::NotAnInteger,
    );
}

#[test]
fn header_app_id_server_data_exts() {
    let set = |key: &'static str, v: Value| reg_resp(move |m| m["header"][key] = v);
    assert_err(
        set("appID", json!(1)),
        "[0].header.appID",
        wrong(J::String, J::Number),
    );
    assert_err(
        set("appID", json!({})),
        "[0].header.appID",
        wrong(J::String, J::Object),
    );
    assert_err(
        set("appID", json!(null)),
        "[0].header.appID",
        wrong(J::String, J::Null),
    );
    let long = "a".repeat(513);
    assert_err(
        set("appID", json!(long)),
        "[0].header.appID",
        len(513, 0, 512, LengthUnit::Characters),
    );
    assert_eq!(
        set("appID", json!("é".repeat(512)))
            .unwrap()
            .header
            .app_id
            .unwrap()
            .as_str()
            .chars()
            .count(),
        512
    );
    assert_eq!(
        set("appID", json!(""))
            .unwrap()
            .header
            .app_id
            .unwrap()
            .as_str(),
        ""
    );
    assert!(
        reg_resp(|m| remove(&mut m["header"], "appID"))
            .unwrap()
            .header
            .app_id
            .is_none()
    );

    assert_err(
        set("serverData", json!(5)),
        "[0].header.serverData",
        wrong(J::String, J::Number),
    );
    assert_err(
        set("serverData", json!([])),
        "[0].header.serverData",
        wrong(J::String, J::Array),
    );
    assert_err(
        set("serverData", json!(null)),
        "[0].header.serverData",
        wrong(J::String, J::Null),
    );
    assert_err(
        set("serverData", json!("")),
        "[0].header.serverData",
        len(0, 1, 1536, LengthUnit::Characters),
    );
    assert_err(
        set("serverData", json!("x".repeat(1537))),
        "[0].header.serverData",
        len(1537, 1, 1536, LengthUnit::Characters),
    );
    assert_eq!(
        set("serverData", json!("x".repeat(1536)))
            .unwrap()
            .header
            .server_data
            .unwrap()
            .len(),
        1536
    );
    assert_eq!(
        set("serverData", json!("x"))
            .unwrap()
            .header
            .server_data
            .unwrap(),
        "x"
    );

    assert_err(
        set("exts", json!({})),
        "[0].header.exts",
        wrong(J::Array, J::Object),
    );
    assert_err(
        set("exts", json!("x")),
        "[0].header.exts",
        wrong(J::Array, J::String),
    );
    assert_err(
        set("exts", json!(null)),
        "[0].header.exts",
        wrong(J::Array, J::Null),
    );
    assert_err(
        set("exts", json!([1])),
        "[0].header.exts[0]",
        wrong(J::Object, J::Number),
    );
}

#[test]
fn extensions() {
    let ext = |v: Value| {
        reg_resp(move |m| {
            m["header"]["exts"] =
                json!([{"id": "fido.uaf.uvm", "data": "", "fail_if_unknown": true}, v])
        })
    };
    let ok = ext(json!({"id": "a".repeat(32), "data": "AQID", "fail_if_unknown": false})).unwrap();
    assert_eq!(ok.header.exts.len(), 2);
    assert_eq!(ok.header.exts[0].id, "fido.uaf.uvm");
    assert!(ok.header.exts[0].data.is_empty());
    assert!(ok.header.exts[0].fail_if_unknown);
    assert_eq!(ok.header.exts[1].data, [1, 2, 3]);
    let p = "[0].header.exts[1]";
    assert_err(
        ext(json!({"data": "", "fail_if_unknown": true})),
        &format!("{p}.id"),
        K::MissingMember,
    );
    assert_err(
        ext(json!({"id": "x", "fail_if_unknown": true})),
        &format!("{p}.data"),
        K::MissingMember,
    );
    assert_err(
        ext(json!({"id": "x", "data": ""})),
        &format!("{p}.fail_if_unknown"),
        K::MissingMember,
    );
    assert_err(
        ext(json!({"id": "a".repeat(33), "data": "", "fail_if_unknown": true})),
        &format!("{p}.id"),
        len(33, 1, 32, LengthUnit::Characters),
    );
    assert_err(
        ext(json!({"id": "", "data": "", "fail_if_unknown": true})),
        &format!("{p}.id"),
        len(0, 1, 32, LengthUnit::Characters),
    );
    assert_err(
        ext(json!({"id": "x", "data": "AQI=", "fail_if_unknown": true})),
        &format!("{p}.data"),
        K::Base64(Base64Error::Padding),
    );
    assert_err(
        ext(json!({"id": "x", "data": "", "fail_if_unknown": "true"})),
        &format!("{p}.fail_if_unknown"),
        wrong(J::Bool, J::String),
    );
    assert_err(
        ext(json!({"id": "x", "data": 1, "fail_if_unknown": true})),
        &format!("{p}.data"),
        wrong(J::String, J::Number),
    );
}

// --- Assertions (conformance Reg-Resp-5 / Auth-Resp-5) -----------------------------------------

#[test]
fn assertion_members() {
    let a = |key: &'static str, v: Value| reg_resp(move |m| m["assertions"][0][key] = v);
    let p = |key: &str| format!("[0].assertions[0].{key}");
    assert_err(
        reg_resp(|m| remove(&mut m["assertions"][0], "assertionScheme")),
        &p("assertionScheme"),
        K::MissingMember,
    );
    assert_err(
        reg_resp(|m| remove(&mut m["assertions"][0], "assertion")),
        &p("assertion"),
        K::MissingMember,
    );
    assert_err(
        a("assertionScheme", json!("")),
        &p("assertionScheme"),
        K::Empty,
    );
    assert_err(
        a("assertionScheme", json!(1)),
        &p("assertionScheme"),
        wrong(J::String, J::Number),
    );
    assert_err(
        a("assertionScheme", json!(null)),
        &p("assertionScheme"),
        wrong(J::String, J::Null),
    );
    // An unknown scheme decodes; the verifier rejects it (digest §3.2 R5.1).
    assert_eq!(
        a("assertionScheme", json!("UAFV2TLV")).unwrap().assertions[0].assertion_scheme,
        "UAFV2TLV"
    );
    assert_err(
        a("assertion", json!("")),
        &p("assertion"),
        len(0, 1, 4096, LengthUnit::Bytes),
    );
    assert_err(
        a("assertion", json!(1)),
        &p("assertion"),
        wrong(J::String, J::Number),
    );
    assert_err(
        a("assertion", json!({})),
        &p("assertion"),
        wrong(J::String, J::Object),
    );
    assert_err(
        a("assertion", json!(["AT4"])),
        &p("assertion"),
        wrong(J::String, J::Array),
    );
    assert_err(
        a("tcDisplayPNGCharacteristics", json!({})),
        &p("tcDisplayPNGCharacteristics"),
        wrong(J::Array, J::Object),
    );
    assert_err(
        a("tcDisplayPNGCharacteristics", json!("x")),
        &p("tcDisplayPNGCharacteristics"),
        wrong(J::Array, J::String),
    );
    assert_err(a("exts", json!({})), &p("exts"), wrong(J::Array, J::Object));
    assert_err(a("exts", json!(null)), &p("exts"), wrong(J::Array, J::Null));
    assert_err(
        a("assertion", json!(1)),
        &p("assertion"),
        wrong(J::String, J::Number),
    );
    let auth = |key: &'static str, v: Value| auth_resp(move |m| m["assertions"][0][key] = v);
    assert_err(
        auth("assertion", json!(true)),
        &p("assertion"),
        wrong(J::String, J::Bool),
    );
    assert_err(
        auth("assertionScheme", json!("")),
        &p("assertionScheme"),
        K::Empty,
    );
    assert_err(
        auth("exts", json!("x")),
        &p("exts"),
        wrong(J::Array, J::String),
    );
}

#[test]
fn assertion_base64_policy_and_size() {
    let text = example(EXAMPLE_8_REG_RESPONSE)[0]["assertions"][0]["assertion"]
        .as_str()
        .unwrap()
        .to_string();
    let path = "[0].assertions[0].assertion";
    // The conformance tool appends "==" and expects a rejection.
    let padded = format!("{text}==");
    assert_err(
        reg_resp(|m| m["assertions"][0]["assertion"] = json!(padded)),
        path,
        K::Base64(Base64Error::Padding),
    );
    let std_alphabet = text.replace('-', "+").replace('_', "/");
    assert_err(
        reg_resp(|m| m["assertions"][0]["assertion"] = json!(std_alphabet)),
        path,
        K::Base64(Base64Error::InvalidByte {
            offset: 7,
            byte: b'+',
        }),
    );
    // Lenient decoding (an explicit option) accepts both, and gives the same bytes.
    let lenient = DecodeOptions::default().with_base64(Base64Policy::Lenient);
    let mut v = example(EXAMPLE_8_REG_RESPONSE);
    v[0]["assertions"][0]["assertion"] = json!(format!("{std_alphabet}=="));
    let r = RegistrationResponse::parse_array(&v.to_string(), &lenient).unwrap();
    assert_eq!(
        r.assertions[0]
            .decode_assertion(Base64Policy::Lenient)
            .unwrap(),
        Base64Policy::Strict.decode(&text).unwrap()
    );
    assert_err(
        r.assertions[0].decode_assertion(Base64Policy::Strict),
        "assertion",
        K::Base64(Base64Error::InvalidByte {
            offset: 7,
            byte: b'+',
        }),
    );

    // 1..=4096 decoded bytes.
    let sized = |n: usize| reg_resp(move |m| m["assertions"][0]["assertion"] = json!(b64_of(n)));
    assert_eq!(
        sized(1).unwrap().assertions[0]
            .decode_assertion(Base64Policy::Strict)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        sized(4096).unwrap().assertions[0]
            .decode_assertion(Base64Policy::Strict)
            .unwrap()
            .len(),
        4096
    );
    assert_err(sized(4097), path, len(4097, 1, 4096, LengthUnit::Bytes));
    let auth_sized =
        |n: usize| auth_resp(move |m| m["assertions"][0]["assertion"] = json!(b64_of(n)));
    assert!(auth_sized(4096).is_ok());
    assert_err(
        auth_sized(4097),
        path,
        len(4097, 1, 4096, LengthUnit::Bytes),
    );
    assert!(uaf_proto::message::AuthenticatorSignAssertion::from_tlv(&[0; 4096]).is_ok());
    assert_err(
        uaf_proto::message::AuthenticatorSignAssertion::from_tlv(&[]),
        "assertion",
        len(0, 1, 4096, LengthUnit::Bytes),
    );
    assert_err(
        uaf_proto::message::AuthenticatorRegistrationAssertion::from_tlv(&[0; 4097]),
        "assertion",
        len(4097, 1, 4096, LengthUnit::Bytes),
    );
}

#[test]
fn png_characteristics() {
    let good = json!({"width": 320, "height": 480, "bitDepth": 16, "colorType": 2, "compression": 0, "filter": 0, "interlace": 0});
    let with = |mutate: &dyn Fn(&mut Value)| {
        let mut d = good.clone();
        mutate(&mut d);
        reg_resp(move |m| m["assertions"][0]["tcDisplayPNGCharacteristics"] = json!([d]))
    };
    let r = with(&|_| {}).unwrap();
    let d = &r.assertions[0].tc_display_png_characteristics[0];
    assert_eq!(
        (d.width, d.height, d.bit_depth, d.color_type),
        (320, 480, 16, 2)
    );
    assert!(d.plte.is_empty());
    let p = "[0].assertions[0].tcDisplayPNGCharacteristics[0]";
    for key in [
        "width",
        "height",
        "bitDepth",
        "colorType",
        "compression",
        "filter",
        "interlace",
    ] {
        assert_err(
            with(&|d| remove(d, key)),
            &format!("{p}.{key}"),
            K::MissingMember,
        );
        assert_err(
            with(&|d| d[key] = json!("1")),
            &format!("{p}.{key}"),
            wrong(J::Number, J::String),
        );
    }
    assert_err(
        with(&|d| d["bitDepth"] = json!(256)),
        &format!("{p}.bitDepth"),
        K::IntegerOutOfRange {
            value: 256,
            min: 0,
            max: 255,
        },
    );
    assert_err(
        with(&|d| d["width"] = json!(4_294_967_296_u64)),
        &format!("{p}.width"),
        K::IntegerOutOfRange {
            value: 4_294_967_296,
            min: 0,
            max: 4_294_967_295,
        },
    );
    assert_err(
        with(&|d| d["plte"] = json!([])),
        &format!("{p}.plte"),
        len(0, 1, 256, LengthUnit::Elements),
    );
    let entries = |n: usize| json!(vec![json!({"r": 1, "g": 2, "b": 3}); n]);
    assert_eq!(
        with(&|d| d["plte"] = entries(256)).unwrap().assertions[0].tc_display_png_characteristics
            [0]
        .plte
        .len(),
        256
    );
    assert_err(
        with(&|d| d["plte"] = entries(257)),
        &format!("{p}.plte"),
        len(257, 1, 256, LengthUnit::Elements),
    );
    assert_err(
        with(&|d| d["plte"] = json!([{"r": 1, "g": 2}])),
        &format!("{p}.plte[0].b"),
        K::MissingMember,
    );
    assert_err(
        with(&|d| d["plte"] = json!([{"r": 65536, "g": 2, "b": 3}])),
        &format!("{p}.plte[0].r"),
        K::IntegerOutOfRange {
            value: 65536,
            min: 0,
            max: 65535,
        },
    );
}

// --- Duplicate member names --------------------------------------------------------------------

#[test]
fn duplicate_members_are_rejected_everywhere() {
    let text = EXAMPLE_10_AUTH_RESPONSE.replacen(
        "\"op\": \"Auth\",",
        "\"op\": \"Auth\", \"op\": \"Auth\",",
        1,
    );
    assert_ne!(text, EXAMPLE_10_AUTH_RESPONSE);
    assert_err(
        AuthenticationResponse::parse_array(&text, &opts()),
        "[0].header.op",
        K::DuplicateMember,
    );
    let text =
        EXAMPLE_10_AUTH_RESPONSE.replacen("\"fcParams\":", "\"fcParams\": \"x\", \"fcParams\":", 1);
    assert_err(
        AuthenticationResponse::parse_array(&text, &opts()),
        "[0].fcParams",
        K::DuplicateMember,
    );
    let text = EXAMPLE_10_AUTH_RESPONSE.replacen("\"minor\": 0", "\"minor\": 0, \"minor\": 1", 1);
    assert_err(
        AuthenticationResponse::parse_array(&text, &opts()),
        "[0].header.upv.minor",
        K::DuplicateMember,
    );
    let text = EXAMPLE_10_AUTH_RESPONSE.replacen(
        "\"assertionScheme\"",
        "\"assertionScheme\": \"x\", \"assertionScheme\"",
        1,
    );
    assert_err(
        AuthenticationResponse::parse_array(&text, &opts()),
        "[0].assertions[0].assertionScheme",
        K::DuplicateMember,
    );
    assert_err(
        parse_any(&text, &opts()),
        "[0].assertions[0].assertionScheme",
        K::DuplicateMember,
    );
    // Inside fcParams: two challenges would let two parsers see two different challenges.
    let fcp = r#"{"appID":"https://a.example","challenge":"H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo","challenge":"AAAAAAAAAAA","facetID":"https://a.example","channelBinding":{}}"#;
    assert_err(fcp_result(fcp), "fcParams.challenge", K::DuplicateMember);
    let fcp = r#"{"appID":"https://a.example","challenge":"AAAAAAAAAAA","facetID":"https://a.example","channelBinding":{"tlsUnique":"a","tlsUnique":"b"}}"#;
    assert_err(
        fcp_result(fcp),
        "fcParams.channelBinding.tlsUnique",
        K::DuplicateMember,
    );
}

// --- fcParams (conformance Reg-Resp-4 / Auth-Resp-4) -------------------------------------------

#[test]
fn fc_params_encoding_layers() {
    let r = reg_resp(|m| m["fcParams"] = json!("eyJ==")).unwrap();
    assert_err(
        r.fc_params(Base64Policy::Strict),
        "fcParams",
        K::Base64(Base64Error::Padding),
    );
    let not_utf8 = b64::encode(&[0xff, 0xfe, 0x7b]);
    let r = reg_resp(|m| m["fcParams"] = json!(not_utf8)).unwrap();
    assert_err(
        r.fc_params(Base64Policy::Strict),
        "fcParams",
        K::InvalidUtf8,
    );
    assert_err(
        fcp_result("{\"appID\":"),
        "fcParams",
        K::InvalidJson { line: 1, column: 9 },
    );
    assert_err(fcp_result("[]"), "fcParams", wrong(J::Object, J::Array));
    assert_err(fcp_result("\"x\""), "fcParams", wrong(J::Object, J::String));
    // The example's own text decodes.
    assert!(fcp_result(&fcp_example().to_string()).is_ok());
}

#[test]
fn fc_params_members() {
    for key in ["appID", "challenge", "facetID", "channelBinding"] {
        let path = format!("fcParams.{key}");
        assert_err(fcp_with(|v| remove(v, key)), &path, K::MissingMember);
        let expected = if key == "channelBinding" {
            J::Object
        } else {
            J::String
        };
        assert_err(
            fcp_with(|v| v[key] = json!(null)),
            &path,
            wrong(expected, J::Null),
        );
        assert_err(
            fcp_with(|v| v[key] = json!(1)),
            &path,
            wrong(expected, J::Number),
        );
        assert_err(
            fcp_with(|v| v[key] = json!([])),
            &path,
            wrong(expected, J::Array),
        );
        if key == "channelBinding" {
            assert_err(
                fcp_with(|v| v[key] = json!("")),
                &path,
                wrong(J::Object, J::String),
            );
        } else {
            assert_err(fcp_with(|v| v[key] = json!("")), &path, K::Empty);
            assert_err(
                fcp_with(|v| v[key] = json!({})),
                &path,
                wrong(J::String, J::Object),
            );
        }
    }
    let challenge = |n: usize| fcp_with(move |v| v["challenge"] = json!(b64_of(n)));
    assert_err(
        challenge(7),
        "fcParams.challenge",
        len(7, 8, 64, LengthUnit::Bytes),
    );
    assert_eq!(challenge(8).unwrap().challenge.as_bytes().len(), 8);
    assert_eq!(challenge(64).unwrap().challenge.as_bytes().len(), 64);
    assert_err(
        challenge(65),
        "fcParams.challenge",
        len(65, 8, 64, LengthUnit::Bytes),
    );
    assert_err(
        fcp_with(|v| v["challenge"] = json!("H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo==")),
        "fcParams.challenge",
        K::Base64(Base64Error::Padding),
    );
    assert_err(
        fcp_with(|v| v["appID"] = json!("a".repeat(513))),
        "fcParams.appID",
        len(513, 0, 512, LengthUnit::Characters),
    );
}

#[test]
fn channel_binding_members() {
    let cb = |v: Value| fcp_with(move |f| f["channelBinding"] = v);
    let all = cb(json!({"serverEndPoint": "c2Vw", "tlsServerCertificate": "Y2VydA", "tlsUnique": "dW5p", "cid_pubkey": "unused"}))
        .unwrap()
        .channel_binding;
    assert_eq!(all.server_end_point.as_deref(), Some("c2Vw"));
    assert_eq!(all.tls_server_certificate.as_deref(), Some("Y2VydA"));
    assert_eq!(all.tls_unique.as_deref(), Some("dW5p"));
    assert_eq!(
        all.cid_pubkey.as_deref(),
        Some(uaf_proto::message::ChannelBinding::CID_PUBKEY_UNUSED)
    );
    for key in [
        "serverEndPoint",
        "tlsServerCertificate",
        "tlsUnique",
        "cid_pubkey",
    ] {
        let path = format!("fcParams.channelBinding.{key}");
        assert_err(cb(json!({key: 1})), &path, wrong(J::String, J::Number));
        assert_err(cb(json!({key: null})), &path, wrong(J::String, J::Null));
        assert_err(cb(json!({key: {}})), &path, wrong(J::String, J::Object));
    }
    // Unknown members of channelBinding are ignored.
    assert!(
        cb(json!({"cidPubkey": 1}))
            .unwrap()
            .channel_binding
            .is_empty()
    );
}

// --- Requests (conformance Reg-Req-2..4, Auth-Req-2..4, Dereg-Req-2..4) ------------------------

#[test]
fn registration_request_members() {
    for key in ["header", "challenge", "username", "policy"] {
        assert_err(
            reg_req(|m| remove(m, key)),
            &format!("[0].{key}"),
            K::MissingMember,
        );
    }
    let challenge = |n: usize| reg_req(move |m| m["challenge"] = json!(b64_of(n)));
    assert_err(
        challenge(7),
        "[0].challenge",
        len(7, 8, 64, LengthUnit::Bytes),
    );
    assert!(challenge(8).is_ok());
    assert!(challenge(64).is_ok());
    assert_err(
        challenge(65),
        "[0].challenge",
        len(65, 8, 64, LengthUnit::Bytes),
    );
    assert_err(
        reg_req(|m| m["challenge"] = json!(12)),
        "[0].challenge",
        wrong(J::String, J::Number),
    );
    let user = |s: String| reg_req(move |m| m["username"] = json!(s));
    assert_err(
        user(String::new()),
        "[0].username",
        len(0, 1, 128, LengthUnit::Characters),
    );
    assert!(user("a".into()).is_ok());
    assert_eq!(
        user("ü".repeat(128)).unwrap()[0].username.chars().count(),
        128
    );
    assert_err(
        user("a".repeat(129)),
        "[0].username",
        len(129, 1, 128, LengthUnit::Characters),
    );
    assert_err(
        reg_req(|m| m["username"] = json!(["a"])),
        "[0].username",
        wrong(J::String, J::Array),
    );
    assert_err(
        reg_req(|m| m["header"]["op"] = json!("Auth")),
        "[0].header.op",
        K::WrongOperation {
            expected: Operation::Reg,
            found: Operation::Auth,
        },
    );
}

#[test]
fn policy_and_match_criteria_types() {
    let p = |v: Value| reg_req(move |m| m["policy"] = v);
    assert_err(p(json!({})), "[0].policy.accepted", K::MissingMember);
    assert_err(
        p(json!({"accepted": {}})),
        "[0].policy.accepted",
        wrong(J::Array, J::Object),
    );
    assert_err(
        p(json!({"accepted": [{}]})),
        "[0].policy.accepted[0]",
        wrong(J::Array, J::Object),
    );
    assert_err(
        p(json!({"accepted": [[1]]})),
        "[0].policy.accepted[0][0]",
        wrong(J::Object, J::Number),
    );
    assert_err(
        p(json!({"accepted": [], "disallowed": {}})),
        "[0].policy.disallowed",
        wrong(J::Array, J::Object),
    );
    assert_err(
        p(json!({"accepted": [], "disallowed": null})),
        "[0].policy.disallowed",
        wrong(J::Array, J::Null),
    );
    // An empty accepted list decodes (it is a server's mistake, found by Policy::validate).
    assert!(p(json!({"accepted": []})).is_ok());

    let mc = |v: Value| p(json!({"accepted": [[v]]}));
    let at = |k: &str| format!("[0].policy.accepted[0][0].{k}");
    let cases: [(&str, Value, String, MessageErrorKind); 16] = [
        (
            "aaid",
            json!("ABCD#ABCD"),
            at("aaid"),
            wrong(J::Array, J::String),
        ),
        ("aaid", json!(["ABCD-ABCD"]), at("aaid[0]"), K::InvalidAaid),
        ("aaid", json!(["ABCD#ABC"]), at("aaid[0]"), K::InvalidAaid),
        (
            "vendorID",
            json!(["ABC"]),
            at("vendorID[0]"),
            K::InvalidVendorId,
        ),
        (
            "vendorID",
            json!([1]),
            at("vendorID[0]"),
            wrong(J::String, J::Number),
        ),
        (
            "keyIDs",
            json!([b64_of(31)]),
            at("keyIDs[0]"),
            len(31, 32, 2048, LengthUnit::Bytes),
        ),
        (
            "keyIDs",
            json!([b64_of(2049)]),
            at("keyIDs[0]"),
            len(2049, 32, 2048, LengthUnit::Bytes),
        ),
        (
            "keyIDs",
            json!(["a=="]),
            at("keyIDs[0]"),
            K::Base64(Base64Error::Padding),
        ),
        (
            "userVerification",
            json!("512"),
            at("userVerification"),
            wrong(J::Number, J::String),
        ),
        (
            "userVerification",
            json!(4_294_967_296_u64),
            at("userVerification"),
            K::IntegerOutOfRange {
                value: 4_294_967_296,
                min: 0,
                max: 4_294_967_295,
            },
        ),
        (
            "keyProtection",
            json!(65536),
            at("keyProtection"),
            K::IntegerOutOfRange {
                value: 65536,
                min: 0,
                max: 65535,
            },
        ),
        (
            "tcDisplay",
            json!(null),
            at("tcDisplay"),
            wrong(J::Number, J::Null),
        ),
        (
            "authenticationAlgorithms",
            json!([70000]),
            at("authenticationAlgorithms[0]"),
            K::IntegerOutOfRange {
                value: 70000,
                min: 0,
                max: 65535,
            },
        ),
        // Conformance issue #400: attestationTypes must be an array.
        (
            "attestationTypes",
            json!(15879),
            at("attestationTypes"),
            wrong(J::Array, J::Number),
        ),
        (
            "assertionSchemes",
            json!("UAFV1TLV"),
            at("assertionSchemes"),
            wrong(J::Array, J::String),
        ),
        ("exts", json!({}), at("exts"), wrong(J::Array, J::Object)),
    ];
    for (key, value, path, kind) in cases {
        assert_err(mc(json!({key: value})), &path, kind);
    }
    let ok = mc(json!({"keyIDs": [b64_of(32), b64_of(2048)], "vendorID": ["abcd"], "matcherProtection": 3,
        "attachmentHint": 1, "authenticatorVersion": 2, "attestationTypes": [15879, 1], "exts": []}))
    .unwrap();
    let c = &ok[0].policy.accepted[0][0];
    assert_eq!(c.key_ids.as_ref().unwrap()[1].as_bytes().len(), 2048);
    assert_eq!(c.matcher_protection, Some(3));
    assert_eq!(
        c.attestation_types.as_ref().unwrap()[1],
        uaf_proto::registry::AttestationType::Unknown(1)
    );
    assert_eq!(c.exts.as_deref(), Some(&[][..]));
}

#[test]
fn authentication_request_and_transactions() {
    for key in ["header", "challenge", "policy"] {
        assert_err(
            auth_req(|m| remove(m, key)),
            &format!("[0].{key}"),
            K::MissingMember,
        );
    }
    let tx = |t: Value| auth_req(move |m| m["transaction"] = json!([t]));
    let text = |s: &str| json!({"contentType": "text/plain", "content": b64::encode(s.as_bytes())});
    assert_eq!(
        tx(text(&"é".repeat(200))).unwrap()[0].transaction[0]
            .as_text()
            .unwrap()
            .chars()
            .count(),
        200
    );
    let p = "[0].transaction[0]";
    assert_err(
        tx(text(&"a".repeat(201))),
        &format!("{p}.content"),
        len(201, 1, 200, LengthUnit::Characters),
    );
    assert_err(
        tx(text("")),
        &format!("{p}.content"),
        len(0, 1, 200, LengthUnit::Characters),
    );
    assert_err(
        tx(json!({"contentType": "text/plain", "content": b64::encode(&[0xc3])})),
        &format!("{p}.content"),
        K::InvalidUtf8,
    );
    assert_err(
        tx(json!({"content": "AQID"})),
        &format!("{p}.contentType"),
        K::MissingMember,
    );
    assert_err(
        tx(json!({"contentType": "text/plain"})),
        &format!("{p}.content"),
        K::MissingMember,
    );
    assert_err(
        tx(json!({"contentType": "", "content": "AQID"})),
        &format!("{p}.contentType"),
        K::Empty,
    );
    assert_err(
        tx(json!({"contentType": "image/png", "content": "AQID"})),
        &format!("{p}.tcDisplayPNGCharacteristics"),
        K::MissingMember,
    );
    assert_err(
        tx(json!({"contentType": "image/png", "content": ""})),
        &format!("{p}.content"),
        K::Empty,
    );
    assert_err(
        tx(json!({"contentType": "text/plain", "content": "YQ=="})),
        &format!("{p}.content"),
        K::Base64(Base64Error::Padding),
    );
    let png = json!({"contentType": "image/png", "content": "iVBORw0KGgo",
        "tcDisplayPNGCharacteristics": {"width": 1, "height": 1, "bitDepth": 8, "colorType": 6, "compression": 0, "filter": 0, "interlace": 0}});
    let r = tx(png).unwrap();
    assert_eq!(r[0].transaction[0].content[..4], [0x89, b'P', b'N', b'G']);
    assert_eq!(r[0].transaction[0].as_text(), None);
    assert_err(
        auth_req(|m| m["transaction"] = json!({})),
        "[0].transaction",
        wrong(J::Array, J::Object),
    );
    assert_err(
        auth_req(|m| m["header"]["op"] = json!("Reg")),
        "[0].header.op",
        K::WrongOperation {
            expected: Operation::Auth,
            found: Operation::Reg,
        },
    );
}

#[test]
fn deregistration_entries() {
    let entry = |e: Value| dereg(move |m| m["authenticators"] = json!([e]));
    let key = b64_of(32);
    let aaid = uaf_proto::id::Aaid::parse("ABCD#ABCD").unwrap();
    assert_eq!(
        entry(json!({"aaid": "ABCD#ABCD", "keyID": key})).unwrap()[0].authenticators[0],
        DeregisterAuthenticator::Key {
            aaid,
            key_id: uaf_proto::id::KeyId::new(vec![0x5a; 32]).unwrap()
        }
    );
    assert_eq!(
        entry(json!({"aaid": "", "keyID": ""})).unwrap()[0].authenticators[0],
        DeregisterAuthenticator::All
    );
    let p = "[0].authenticators[0]";
    assert_err(
        entry(json!({"aaid": "", "keyID": key})),
        &format!("{p}.keyID"),
        K::KeyIdWithoutAaid,
    );
    assert_err(
        entry(json!({"aaid": "ABCD", "keyID": ""})),
        &format!("{p}.aaid"),
        K::InvalidAaid,
    );
    assert_err(
        entry(json!({"keyID": ""})),
        &format!("{p}.aaid"),
        K::MissingMember,
    );
    assert_err(
        entry(json!({"aaid": ""})),
        &format!("{p}.keyID"),
        K::MissingMember,
    );
    assert_err(
        entry(json!({"aaid": null, "keyID": ""})),
        &format!("{p}.aaid"),
        wrong(J::String, J::Null),
    );
    assert_err(
        entry(json!({"aaid": "ABCD#ABCD", "keyID": b64_of(31)})),
        &format!("{p}.keyID"),
        len(31, 32, 2048, LengthUnit::Bytes),
    );
    assert_err(
        dereg(|m| m["authenticators"] = json!([])),
        "[0].authenticators",
        K::Empty,
    );
    assert_err(
        dereg(|m| remove(m, "authenticators")),
        "[0].authenticators",
        K::MissingMember,
    );
    assert_err(
        dereg(|m| m["authenticators"] = json!({})),
        "[0].authenticators",
        wrong(J::Array, J::Object),
    );
    assert_err(
        dereg(|m| m["header"]["op"] = json!("Reg")),
        "[0].header.op",
        K::WrongOperation {
            expected: Operation::Dereg,
            found: Operation::Reg,
        },
    );
}

#[test]
fn parse_any_errors() {
    assert_err(parse_any("[]", &opts()), "", K::Empty);
    assert_err(parse_any("{}", &opts()), "", wrong(J::Array, J::Object));
    assert_err(parse_any("[{}]", &opts()), "[0].header", K::MissingMember);
    assert_err(
        parse_any("[{\"header\":{}}]", &opts()),
        "[0].header.op",
        K::MissingMember,
    );
    assert_err(
        parse_any("[{\"header\":{\"op\":\"REG\"}}]", &opts()),
        "[0].header.op",
        K::UnknownValue {
            found: "REG".into(),
            allowed: Operation::NAMES,
        },
    );
    // Decided to be a response by its fcParams, then decoded strictly.
    assert_err(
        parse_any(
            "[{\"header\":{\"op\":\"Reg\"},\"fcParams\":\"x\"}]",
            &opts(),
        ),
        "[0].header.upv",
        K::MissingMember,
    );
}

#[test]
fn display_says_what_to_fix() {
    let e = reg_resp(|m| m["header"]["upv"]["minor"] = json!(70000)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "UAF message member `[0].header.upv.minor`: integer 70000 is outside the allowed range 0..=65535"
    );
    let e = reg_resp(|m| m["header"]["op"] = json!("REG")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "UAF message member `[0].header.op`: \"REG\" is not one of \"Reg\", \"Auth\", \"Dereg\" (exact case)"
    );
    let e = reg_resp(|m| m["header"]["appID"] = json!(null)).unwrap_err();
    assert!(
        e.to_string().contains("omit an optional member instead"),
        "{e}"
    );
    let e = reg_req(|m| m["username"] = json!("")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "UAF message member `[0].username`: is 0 characters; it must be 1..=128 characters"
    );
    let e: Box<dyn core::error::Error> =
        Box::new(reg_resp(|m| m["fcParams"] = json!(1)).unwrap_err());
    assert!(e.to_string().contains("expected a string, found a number"));
}
