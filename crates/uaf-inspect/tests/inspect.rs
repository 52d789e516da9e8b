//! `uaf_inspect` on the example messages of `examples/data/` (the UAF specification's
//! Examples 7–10, its deregistration example and the conformance API document's authentication
//! response; digest §9), on malformed input, and on every input encoding.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

use uaf_inspect::{InputFormat, Report, detect, inspect};
use uaf_proto::b64;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(name)).unwrap()
}

fn read_text(name: &str) -> String {
    String::from_utf8(read(name)).unwrap()
}

/// Asserts that the report holds every needle, printing the report if one is missing.
#[track_caller]
fn assert_has(report: &Report, needles: &[&str]) {
    for needle in needles {
        assert!(
            report.text().contains(needle),
            "missing {needle:?} in:\n{}",
            report.text()
        );
    }
}

/// The bytes of the Example 8 assertion (754 bytes).
fn ex8_assertion() -> Vec<u8> {
    let text = read_text("spec-ex8-reg-assertion.b64");
    b64::Base64Policy::Strict.decode(text.trim()).unwrap()
}

/// The bytes of the Example 10 assertion (218 bytes).
fn ex10_assertion() -> Vec<u8> {
    hex::decode(concat!(
        "023ed600043e8e000b2e0900414243442341424344",
        "0e2e050000010101000f2e20007c32240117f2dd5bdb03b16da28e0b964bec00aa6cba3f4ed8907cadc3cc3b07",
        "0a2e20005c02533f9d3ae69f5ca5c92db914ac8ce3014ea80db3fc07d88b4119827f9f1f",
        "102e0000092e200064c08f9fddb21efd48a7e8828816fa8b8003aba64ebf9ebd285402bd84897cd8",
        "0d2e040002000000",
        "062e40003c0339c06f3ec957d9b44dcb84af1610308440280521948ad80c50d0a181448cc6cb372b7ba47a4ab5",
        "a5a1bb16fd6fe660660c26553edd8d0939e3531ae34e9e",
    ))
    .unwrap()
}

/// The lines from the TLV tree's column header on (the same whatever the input encoding).
fn tree(report: &Report) -> &str {
    let at = report.text().find("offset  item").unwrap();
    &report.text()[at..]
}

// ---------------------------------------------------------------------------------------------
// The example data
// ---------------------------------------------------------------------------------------------

#[test]
fn every_example_file_is_covered_and_renders_without_problems() {
    let mut names: Vec<String> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    // A new example file must get its own test below.
    assert_eq!(
        names,
        [
            "conformance-api-authentication-response.json",
            "spec-deregistration-request.json",
            "spec-ex10-authentication-response.json",
            "spec-ex7-registration-request.json",
            "spec-ex8-reg-assertion.b64",
            "spec-ex8-registration-response.json",
            "spec-ex9-authentication-request.json",
        ]
    );
    for name in &names {
        let report = inspect(&read(name));
        assert_eq!(report.problems(), 0, "{name}:\n{report}");
        assert!(!report.text().contains("ERROR"), "{name}:\n{report}");
    }
}

#[test]
fn example_8_registration_response() {
    let report = inspect(&read("spec-ex8-registration-response.json"));
    assert_eq!(report.format(), InputFormat::Json);
    assert_has(
        &report,
        &[
            "UAF registration response",
            "upv              1.0",
            "op               Reg",
            "appID            https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets",
            // fcParams decoded, and its SHA-256 (digest §9.1).
            "fcParams         254 characters, SHA-256 f6d073642eb879c81540119241be50b4420f0bcf956afe07b072d90df94b6ae8",
            "challenge        H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo (32 bytes)",
            "facetID          com.noknok.android.sampleapp",
            "channelBinding   {} (none)",
            "assertionScheme  UAFV1TLV",
            "assertion: 754 bytes of TLV",
            // The TLV tree with offsets, names and lengths (digest §9.1 "TLV of Example 8").
            "     0  TAG_UAFV1_REG_ASSERTION (0x3E01)  750 bytes",
            "     4    TAG_UAFV1_KRD (0x3E03)  177 bytes",
            "     8      TAG_AAID (0x2E0B)  9 bytes  \"ABCD#ABCD\"",
            "    21      TAG_ASSERTION_INFO (0x2E0E)  7 bytes  00010101000001",
            "authenticator version  256 (0x0100)",
            "authentication mode    0x01 (registration)",
            "signature algorithm    ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW (0x0001)",
            "public key encoding    ALG_KEY_ECC_X962_RAW (0x0100)",
            "    32      TAG_FINAL_CHALLENGE_HASH (0x2E0A)  32 bytes  f6d073642eb879c81540119241be50b4420f0bcf956afe07b072d90df94b6ae8",
            "FCH matches fcParams (SHA-256 of the received fcParams text)",
            "    68      TAG_KEYID (0x2E09)  32 bytes",
            "base64url  ZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNg",
            "hex        64c08f9fddb21efd48a7e8828816fa8b8003aba64ebf9ebd285402bd84897cd8",
            "   104      TAG_COUNTERS (0x2E0D)  8 bytes  0100000001000000",
            "sign counter 1, registration counter 1",
            "   116      TAG_PUB_KEY (0x2E0C)  65 bytes",
            "049b2f12d52c54a87bb66607849d85066de41d4f8e09d5a25185628e061af353",
            "   185    TAG_ATTESTATION_BASIC_FULL (0x3E07)  565 bytes",
            "   189      TAG_SIGNATURE (0x2E06)  64 bytes",
            "2bfc2fb62544cc75d203e7b3318eeab2c5a99166991921b55d13216b96a98c5d",
            "   257      TAG_ATTESTATION_CERT (0x2E05)  493 bytes  DER X.509 certificate",
            "SHA-256 fingerprint 5236a1fc07ef31948ba64189f398ce81c30539e9e8047d7f39e670d80333c785",
            "strict parse: OK, a registration assertion",
            "attestation      TAG_ATTESTATION_BASIC_FULL (0x3E07), 1 certificate",
            "signed bytes     TAG_UAFV1_KRD, 181 bytes with its header",
        ],
    );
}

#[test]
fn example_10_authentication_response() {
    let report = inspect(&read("spec-ex10-authentication-response.json"));
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "UAF authentication response",
            "op               Auth",
            "challenge        HQ1VkTUQC1NJDOo6OOWdxewrb9i5WthjfKIehFxpeuU (32 bytes)",
            "     0  TAG_UAFV1_AUTH_ASSERTION (0x3E02)  214 bytes",
            "     4    TAG_UAFV1_SIGNED_DATA (0x3E04)  142 bytes",
            "authentication mode    0x01 (user verified)",
            "    30      TAG_AUTHENTICATOR_NONCE (0x2E0F)  32 bytes  7c32240117f2dd5bdb03b16da28e0b964bec00aa6cba3f4ed8907cadc3cc3b07",
            "FCH matches fcParams",
            "   102      TAG_TRANSACTION_CONTENT_HASH (0x2E10)  0 bytes  (empty: no transaction was confirmed)",
            "base64url  ZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNg",
            "   142      TAG_COUNTERS (0x2E0D)  4 bytes  02000000",
            "sign counter 2",
            "   150    TAG_SIGNATURE (0x2E06)  64 bytes",
            "strict parse: OK, an authentication assertion",
            "signed bytes     TAG_UAFV1_SIGNED_DATA, 146 bytes with its header",
        ],
    );
}

#[test]
fn conformance_authentication_response() {
    let report = inspect(&read("conformance-api-authentication-response.json"));
    assert_has(
        &report,
        &[
            "upv              1.1",
            "facetID          https://uaf.example.com/index.html",
            "\"FFFF#FC03\"",
            "authenticator version  1 (0x0001)",
            "signature algorithm    ALG_SIGN_SECP256R1_ECDSA_SHA256_DER (0x0002)",
            "    30      TAG_AUTHENTICATOR_NONCE (0x2E0F)  8 bytes  1e20b028abebb12f",
            "FCH matches fcParams",
            "sign counter 1",
            "TAG_SIGNATURE (0x2E06)  70 bytes",
            "DER SEQUENCE",
        ],
    );
}

#[test]
fn example_7_registration_request_policy() {
    let report = inspect(&read("spec-ex7-registration-request.json"));
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "UAF registration request",
            "username         apa",
            "accepted: 7 sets",
            "userVerification         USER_VERIFY_NONE (0x200)",
            "keyProtection            KEY_PROTECTION_SOFTWARE (0x1)",
            "tcDisplay                TRANSACTION_CONFIRMATION_DISPLAY_ANY (0x1)",
            "authenticationAlgorithms ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW (0x0001), ALG_SIGN_RSASSA_PSS_SHA256_RAW (0x0003)",
            "assertionSchemes         UAFV1TLV",
            "set 7: 4 authenticators together",
            "disallowed: 3",
            "keyProtection            KEY_PROTECTION_REMOTE_HANDLE (0x10)",
            "aaid                     ABCD#ABCD",
            "keyID                    RfY_RDhsf4z5PCOhnZExMeVloZZmK0hxaSi10tkY_c4",
            "hex 45f63f44386c7f8cf93c23a19d913131e565a196662b48716928b5d2d918fdce",
        ],
    );
}

#[test]
fn example_9_authentication_request() {
    let report = inspect(&read("spec-ex9-authentication-request.json"));
    assert_has(
        &report,
        &[
            "UAF authentication request",
            "challenge        HQ1VkTUQC1NJDOo6OOWdxewrb9i5WthjfKIehFxpeuU (32 bytes)",
            "userVerification         USER_VERIFY_HANDPRINT (0x100)",
        ],
    );
    assert!(!report.text().contains("transaction"), "{report}");
}

#[test]
fn deregistration_request() {
    let report = inspect(&read("spec-deregistration-request.json"));
    assert_has(
        &report,
        &[
            "UAF deregistration request",
            "op               Dereg",
            "aaid             ABCD#ABCD",
            "keyID            \"\" (empty)",
            "meaning: delete every key of ABCD#ABCD registered for this AppID",
        ],
    );
}

#[test]
fn standalone_base64url_assertion() {
    let report = inspect(&read("spec-ex8-reg-assertion.b64"));
    assert_eq!(report.format(), InputFormat::Base64Url);
    assert_has(
        &report,
        &[
            "input: base64url text, 754 bytes of TLV",
            "TAG_UAFV1_KRD",
            "(no fcParams to compare with: inspect the whole response message)",
            "sign counter 1, registration counter 1",
        ],
    );
    assert!(!report.text().contains("FCH matches"));
}

// ---------------------------------------------------------------------------------------------
// Checks that fail
// ---------------------------------------------------------------------------------------------

#[test]
fn fch_mismatch_is_an_error() {
    // Example 10's assertion with Example 8's fcParams: the FCH no longer matches.
    let ex8 = read_text("spec-ex8-registration-response.json");
    let fc8 = ex8
        .split("\"fcParams\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let ex10 = read_text("spec-ex10-authentication-response.json");
    let fc10 = ex10
        .split("\"fcParams\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let swapped = ex10.replace(fc10, fc8);
    let report = inspect(swapped.as_bytes());
    assert_eq!(report.problems(), 1, "{report}");
    assert!(!report.is_clean());
    assert_has(
        &report,
        &[
            "ERROR: FCH does not match fcParams: SHA-256 of the fcParams text is f6d073642eb879c81540119241be50b4420f0bcf956afe07b072d90df94b6ae8",
        ],
    );
    assert!(!report.text().contains("FCH matches"));
}

#[test]
fn truncated_tlv_shows_the_error_with_its_offset() {
    let bytes = ex8_assertion();
    let report = inspect(b64::encode(&bytes[..75]).as_bytes());
    assert_eq!(report.format(), InputFormat::Base64Url);
    assert_has(
        &report,
        &[
            "     0  ERROR: malformed TLV: TAG_UAFV1_REG_ASSERTION (0x3E01) at offset 0 declares 750 value bytes but only 71 are left",
            "ERROR: strict parse rejects it: malformed assertion:",
        ],
    );
    assert_eq!(report.problems(), 2, "{report}");
}

#[test]
fn inner_length_error_is_shown_in_place() {
    // TAG_COUNTERS (offset 142) claims 32 value bytes; 4 are there.
    let mut bytes = ex10_assertion();
    assert_eq!(bytes[142..146], [0x0d, 0x2e, 0x04, 0x00]);
    bytes[144] = 0x20;
    let report = inspect(&bytes);
    assert_eq!(report.format(), InputFormat::Binary);
    assert_has(
        &report,
        &[
            // Items before the fault are still shown.
            "   106      TAG_KEYID (0x2E09)  32 bytes",
            "   142      ERROR: malformed TLV: TAG_COUNTERS (0x2E0D) at offset 142 declares 32 value bytes but only 4 are left",
            "   150    TAG_SIGNATURE (0x2E06)  64 bytes",
            "ERROR: strict parse rejects it",
        ],
    );
}

#[test]
fn trailing_bytes_and_wrong_fixed_lengths_are_errors() {
    let mut bytes = ex10_assertion();
    bytes.extend_from_slice(&[0xAA, 0xBB]);
    let report = inspect(&bytes);
    assert_has(
        &report,
        &[
            "   218  ERROR: malformed TLV: TLV header cut short at offset 218: 2 bytes left, 4 needed",
        ],
    );

    // TAG_ASSERTION_INFO of 4 bytes, TAG_AAID that is no AAID, empty TAG_KEYID.
    let report = inspect(b"0e2e0400 00010101  0b2e0900 414243443f41424344  092e0000");
    assert_eq!(report.format(), InputFormat::Hex);
    assert_has(
        &report,
        &[
            "ERROR: assertion info is 7 bytes in a KRD and 5 bytes in SignedData",
            "ERROR: not an AAID",
            "TAG_KEYID (0x2E09)  0 bytes  (empty)",
            "ERROR: this value must not be empty",
        ],
    );
    assert_eq!(report.problems(), 3, "{report}");
}

#[test]
fn unknown_tags_are_shown_as_hex() {
    // A non-critical unknown leaf, a critical unknown leaf.
    let report = inspect(b"ff0f0200abcd ff2f0100ee");
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "     0  tag 0x0FFF  2 bytes  unknown tag, not critical: receivers skip it",
            "abcd",
            "     6  tag 0x2FFF  1 byte  unknown tag, critical: a receiver must reject it",
            "ee",
            "well-formed TLV; tag 0x0FFF is not an assertion, command or response",
        ],
    );
}

#[test]
fn malformed_json_names_the_member() {
    let report = inspect(br#"[{"header":{"op":"Auth","upv":{"major":1,"minor":"x"}}}]"#);
    assert_eq!(report.problems(), 1);
    assert_has(
        &report,
        &["ERROR: not a valid UAF message: UAF message member `[0].header.upv.minor`"],
    );

    let report = inspect(b"[{\"header\":");
    assert_has(&report, &["ERROR: not a valid UAF message"]);

    let report = inspect(br#"{"foo":1}"#);
    assert_has(
        &report,
        &["ERROR: a JSON object that is no UAF envelope, fcParams or facet list (members: foo)"],
    );
}

#[test]
fn padded_assertion_decodes_leniently_with_an_error() {
    let ex10 = read_text("spec-ex10-authentication-response.json");
    let padded = ex10.replace("jTp4\"", "jTp4=\"");
    assert_ne!(padded, ex10);
    let report = inspect(padded.as_bytes());
    assert_eq!(report.problems(), 1, "{report}");
    assert_has(
        &report,
        &[
            "ERROR: a strict server rejects this message: UAF message member `[0].assertions[0].assertion`",
            "it decodes under the lenient base64 policy, shown below",
            "FCH matches fcParams",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Input recognition
// ---------------------------------------------------------------------------------------------

#[test]
fn base64_hex_and_binary_give_the_same_tree() {
    let bytes = ex10_assertion();
    let b64url = b64::encode(&bytes);
    let standard = b64::encode_standard(&bytes);
    let wrapped: String = standard
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", core::str::from_utf8(c).unwrap()))
        .collect();
    let hex_text = hex::encode(&bytes);
    let spaced_hex: String = bytes.iter().map(|b| format!("{b:02X} ")).collect();

    let cases: [(&[u8], InputFormat); 6] = [
        (b64url.as_bytes(), InputFormat::Base64Url),
        (standard.as_bytes(), InputFormat::Base64Lenient),
        (wrapped.as_bytes(), InputFormat::Base64Lenient),
        (hex_text.as_bytes(), InputFormat::Hex),
        (spaced_hex.as_bytes(), InputFormat::Hex),
        (&bytes, InputFormat::Binary),
    ];
    let reference = inspect(&bytes);
    for (input, format) in cases {
        assert_eq!(detect(input), format);
        let report = inspect(input);
        assert_eq!(report.format(), format);
        assert_eq!(report.problems(), 0, "{report}");
        assert_eq!(tree(&report), tree(&reference));
    }
    assert_has(
        &inspect(hex_text.as_bytes()),
        &["input: hex text, 218 bytes of TLV"],
    );
    assert_has(&inspect(&bytes), &["input: raw bytes, 218 bytes of TLV"]);
}

#[test]
fn other_inputs_are_recognised() {
    assert_eq!(detect(b""), InputFormat::Empty);
    assert_eq!(detect(b" \n\t"), InputFormat::Empty);
    assert_eq!(detect(b"  [1]"), InputFormat::Json);
    assert_eq!(detect(b"\xEF\xBB\xBF{}"), InputFormat::Json);
    assert_eq!(detect(b"hello world!"), InputFormat::Unrecognized);
    assert_eq!(detect(&[0x01, 0x3e, 0x00]), InputFormat::Binary);

    let report = inspect(b"   ");
    assert_eq!(report.problems(), 1);
    assert_has(&report, &["ERROR: empty input"]);

    let report = inspect(b"hello world!");
    assert_eq!(report.problems(), 1);
    assert_has(
        &report,
        &[
            "ERROR: the input is text, but not JSON",
            "not hex: 'h' is not a hex digit",
            "not base64url: invalid base64url character ' ' at offset 5",
        ],
    );
}

#[test]
fn base64url_fc_params_is_decoded() {
    let ex8 = read_text("spec-ex8-registration-response.json");
    let fc8 = ex8
        .split("\"fcParams\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let report = inspect(fc8.as_bytes());
    assert_eq!(report.format(), InputFormat::Base64Url);
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "FinalChallengeParams (decoded fcParams)",
            "challenge        H9iW9yA9aAXF_lelQoi_DhUk514Ad8Tqv0zCnCqKDpo (32 bytes)",
            "SHA-256          f6d073642eb879c81540119241be50b4420f0bcf956afe07b072d90df94b6ae8",
        ],
    );
}

#[test]
fn transport_envelopes_are_unwrapped() {
    let response = json_string(&read_text("spec-ex10-authentication-response.json"));
    let report = inspect(format!("{{\"uafResponse\":{response}}}").as_bytes());
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "SendUAFResponse",
            "uafResponse: ",
            "UAF authentication response",
            "FCH matches fcParams",
        ],
    );

    let envelope = format!("{{\"uafProtocolMessage\":{response},\"additionalData\":{{\"a\":1}}}}");
    let report = inspect(envelope.as_bytes());
    assert_has(
        &report,
        &[
            "UAFMessage (client API envelope)",
            "additionalData   members: a",
            "sign counter 2",
        ],
    );

    let request = json_string(&read_text("spec-ex9-authentication-request.json"));
    let envelope = format!("{{\"statusCode\":1200,\"uafRequest\":{request},\"op\":\"Auth\"}}");
    let report = inspect(envelope.as_bytes());
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "ReturnUAFRequest",
            "statusCode       1200 OK: operation completed",
            "UAF authentication request",
        ],
    );

    let report = inspect(br#"{"statusCode":1498,"description":"bad"}"#);
    assert_has(
        &report,
        &[
            "ServerResponse",
            "statusCode       1498 Unacceptable Content: problem with the message content",
            "description      bad",
        ],
    );

    let report = inspect(br#"{"op":"Reg","context":"{}"}"#);
    assert_has(&report, &["GetUAFRequest", "op               Reg"]);

    // An envelope whose message is broken reports it, nested under the envelope.
    let report = inspect(br#"{"uafResponse":"[]"}"#);
    assert_eq!(report.problems(), 1, "{report}");
    assert_has(&report, &["\n    ERROR: not a valid UAF message"]);
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Commands, transactions, hostile text
// ---------------------------------------------------------------------------------------------

#[test]
fn authenticator_responses_are_decoded() {
    // TAG_UAFV1_DEREGISTER_CMD_RESPONSE { TAG_STATUS_CODE 0 }
    let report = inspect(b"04360600 08280200 0000");
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "TAG_UAFV1_DEREGISTER_CMD_RESPONSE (0x3604)  6 bytes",
            "TAG_STATUS_CODE (0x2808)  2 bytes  0 UAF_CMD_STATUS_OK: success",
            "strict parse: OK, Deregister response, status 0 UAF_CMD_STATUS_OK",
        ],
    );

    // TAG_UAFV1_REGISTER_CMD_RESPONSE { status OK, TAG_AUTHENTICATOR_ASSERTION { Example 8 } }
    let assertion = ex8_assertion();
    let mut wrapped = vec![0x08, 0x28, 0x02, 0x00, 0x00, 0x00, 0x0f, 0x28];
    wrapped.extend_from_slice(&u16::try_from(assertion.len()).unwrap().to_le_bytes());
    wrapped.extend_from_slice(&assertion);
    let mut response = vec![0x02, 0x36];
    response.extend_from_slice(&u16::try_from(wrapped.len()).unwrap().to_le_bytes());
    response.extend_from_slice(&wrapped);
    let report = inspect(&response);
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "TAG_AUTHENTICATOR_ASSERTION (0x280F)  754 bytes  (a whole assertion; offsets below count from its first byte)",
            "     0      TAG_UAFV1_REG_ASSERTION (0x3E01)  750 bytes",
            "sign counter 1, registration counter 1",
            "strict parse: OK, Register response, status 0 UAF_CMD_STATUS_OK",
        ],
    );

    // A GetInfo command with a wrong member.
    let report = inspect(b"01340500 0e280100 01");
    assert_has(
        &report,
        &[
            "     4    TAG_API_VERSION (0x280E)  1 byte  1",
            "ERROR: strict parse rejects it: malformed authenticator command: TAG_API_VERSION (0x280E) at offset 4 does not belong inside TAG_UAFV1_GETINFO_CMD (0x3401)",
        ],
    );
}

#[test]
fn transaction_text_is_shown_as_text() {
    let ex9 = read_text("spec-ex9-authentication-request.json");
    let content = b64::encode(b"Pay 10 EUR to Bob");
    let with_tx = ex9.replacen(
        "\"policy\"",
        &format!("\"transaction\":[{{\"contentType\":\"text/plain\",\"content\":\"{content}\"}}],\"policy\""),
        1,
    );
    let report = inspect(with_tx.as_bytes());
    assert_eq!(report.problems(), 0, "{report}");
    assert_has(
        &report,
        &[
            "transaction 1 of 1",
            "contentType      text/plain",
            "content          \"Pay 10 EUR to Bob\" (17 characters)",
            // SHA-256("Pay 10 EUR to Bob"), the TC hash a SHA-256 authenticator signs.
            "SHA-256          427e54721df7650a97339b9dc8f8eca590c7ccb4c5d54b7d9dfbc9915272a735",
        ],
    );
}

#[test]
fn control_characters_in_values_are_escaped() {
    let ex7 = read_text("spec-ex7-registration-request.json");
    let hostile = ex7.replace("\"apa\"", "\"a\\u001b[2Jb\\u202ec\"");
    let report = inspect(hostile.as_bytes());
    assert_has(&report, &["username         a\\u{1b}[2Jb\\u{202e}c"]);
    assert!(!report.text().contains('\u{1b}'));
    assert!(!report.text().contains('\u{202e}'));
}

#[test]
fn no_input_makes_it_panic() {
    // Every prefix of an assertion (as bytes and as base64url) and of a message, and
    // pseudo-random bytes: rendered without a panic, problems reported for the broken ones.
    let bytes = ex8_assertion();
    for end in 0..bytes.len() {
        let report = inspect(&bytes[..end]);
        assert!(report.problems() > 0 || end == 0 || report.text().contains("well-formed"));
        let _ = inspect(b64::encode(&bytes[..end]).as_bytes());
    }
    let json = read_text("spec-ex8-registration-response.json");
    for end in (0..json.len()).step_by(7) {
        let _ = inspect(&json.as_bytes()[..end]);
    }
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..2000 {
        let mut input = Vec::new();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = usize::try_from(state % 64).unwrap();
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            input.push(state.to_le_bytes()[0]);
        }
        // Bias towards TLV-looking input: a known composite tag first.
        if let [t0, t1, ..] = input.as_mut_slice() {
            *t0 = 0x02;
            *t1 = 0x3e;
        }
        let _ = inspect(&input);
    }
}
