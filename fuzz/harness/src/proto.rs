//! Targets of `uaf-proto`: the TLV reader, typed assertions, authenticator commands, the JSON
//! messages, `FinalChallengeParams`, trusted facets, identifiers and base64url.
//!
//! Beyond "no panic", each codec target checks decode → encode → decode: what decodes,
//! re-encoded, decodes to the same value (and, for TLV trees, to the same bytes).

use core::fmt::Debug;

use uaf_proto::assertion::{AuthAssertion, ParseOptions, RegAssertion};
use uaf_proto::b64::{self, Base64Policy};
use uaf_proto::command::{Command, GetInfoResponse, RegisterResponse, SignResponse};
use uaf_proto::id::{Aaid, AppId, FacetId, KeyId};
use uaf_proto::message::{
    self, AnyMessage, AuthenticationRequest, AuthenticationResponse, AuthenticatorCapabilities,
    AuthenticatorRegistrationAssertion, AuthenticatorSignAssertion, DecodeOptions,
    DeregistrationRequest, FinalChallengeParams, GetUafRequest, MessageError, RegistrationRequest,
    RegistrationResponse, ReturnUafRequest, SendUafResponse, ServerResponse, TrustedFacetList,
    UafMessage, Version,
};
use uaf_proto::tlv::{self, TlvError, TlvReader, TlvWriter};

use crate::text;

/// Both base64url policies, strict first.
const POLICIES: [Base64Policy; 2] = [Base64Policy::Strict, Base64Policy::Lenient];

/// Both assertion parse modes: the spec's, and with unknown critical tags skipped.
fn parse_modes() -> [ParseOptions; 2] {
    [
        ParseOptions::STRICT,
        ParseOptions::new().with_unknown_critical_tags(true),
    ]
}

// ---------------------------------------------------------------------------------------------
// TLV
// ---------------------------------------------------------------------------------------------

/// An owned TLV tree, as the reader sees it.
#[derive(Debug, PartialEq, Eq)]
enum Node {
    Leaf(u16, Vec<u8>),
    Composite(u16, Vec<Node>),
}

fn read_tree(reader: TlvReader<'_>, input_len: usize) -> Result<Vec<Node>, TlvError> {
    let mut out = Vec::new();
    for item in reader {
        let item = item?;
        // The raw bytes are the header and the value, and lie inside the input.
        assert_eq!(item.raw.len(), item.value.len() + 4, "raw = header + value");
        assert!(
            item.offset + item.raw.len() <= input_len,
            "item past the input"
        );
        assert_eq!(
            item.raw.get(4..),
            Some(item.value),
            "value is the tail of raw"
        );
        let _ = (
            item.u8_value(),
            item.u16_value(),
            item.u32_value(),
            item.str_value(),
        );
        if item.is_composite() {
            out.push(Node::Composite(
                item.tag,
                read_tree(item.children()?, input_len)?,
            ));
        } else {
            out.push(Node::Leaf(item.tag, item.value.to_vec()));
        }
    }
    Ok(out)
}

fn write_tree(w: &mut TlvWriter, nodes: &[Node]) -> Result<(), TlvError> {
    for node in nodes {
        match node {
            Node::Leaf(tag, value) => w.put(*tag, value)?,
            Node::Composite(tag, children) => w.put_composite(*tag, |w| write_tree(w, children))?,
        }
    }
    Ok(())
}

fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Leaf(..) => 1,
            Node::Composite(_, c) => 1 + count(c),
        })
        .sum()
}

/// The `UAFV1TLV` reader: `TlvReader`, `check_structure`, `parse_single`, `parse_expected`.
///
/// Invariants: a tree that reads completely re-encodes with `TlvWriter` to exactly the input
/// bytes, and reads back to the same tree; `check_structure` agrees with the reader on success
/// and on the item count; `parse_single` succeeds exactly when the input is one item.
pub fn tlv(data: &[u8]) {
    let tree = read_tree(TlvReader::new(data), data.len());
    let structure = tlv::check_structure(data);
    match (&tree, &structure) {
        (Ok(nodes), Ok(n)) => assert_eq!(count(nodes), *n, "check_structure count"),
        (Err(_), Err(_)) => {}
        _ => panic!("reader and check_structure disagree: {tree:?} vs {structure:?}"),
    }
    if let Ok(nodes) = tree {
        let mut w = TlvWriter::new();
        write_tree(&mut w, &nodes).expect("a tree that was read can be written");
        assert_eq!(
            w.as_bytes(),
            data,
            "TLV decode -> encode is not the identity"
        );
        let again = read_tree(TlvReader::new(w.as_bytes()), data.len()).expect("re-read");
        assert_eq!(
            again, nodes,
            "TLV decode -> encode -> decode is not the identity"
        );
    }
    // One top-level item and nothing after it.
    let mut reader = TlvReader::new(data);
    let one = matches!(reader.read(), Ok(Some(_))) && reader.is_empty();
    assert_eq!(tlv::parse_single(data).is_ok(), one, "parse_single");
    if let Some([t0, t1]) = data.first_chunk::<2>() {
        let tag = u16::from_le_bytes([*t0, *t1]);
        assert_eq!(
            tlv::parse_expected(data, tag).is_ok(),
            one,
            "parse_expected"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

/// `RegAssertion::parse_with` (strict and with unknown critical tags allowed).
///
/// Invariants: the parsed `raw` is the input; `KRD.raw` lies inside it; a parsed assertion
/// re-encodes, and the re-encoding parses to the same fields and re-encodes to itself.
pub fn reg_assertion(data: &[u8]) {
    for opts in parse_modes() {
        let Ok(a) = RegAssertion::parse_with(data, opts) else {
            continue;
        };
        assert_eq!(a.raw, data, "raw is the whole input");
        assert!(contains(data, a.krd.raw), "KRD raw lies inside the input");
        let _ = a.unknown_critical_extension(&[]);
        let _ = a.attestation.attestation_type();
        let encoded = a
            .encode()
            .expect("a parsed registration assertion re-encodes");
        let b = RegAssertion::parse_with(&encoded, opts).expect("re-encoded assertion parses");
        assert_eq!(
            b.krd.to_builder(),
            a.krd.to_builder(),
            "KRD fields round trip"
        );
        assert_eq!(b.attestation, a.attestation, "attestation round trips");
        assert_eq!(b.extensions, a.extensions, "unsigned extensions round trip");
        assert_eq!(b.encode().ok(), Some(encoded), "encoding is canonical");
    }
    // The JSON wrapper keeps the bytes.
    if let Ok(json) = AuthenticatorRegistrationAssertion::from_tlv(data) {
        for policy in POLICIES {
            assert_eq!(json.decode_assertion(policy).ok().as_deref(), Some(data));
        }
    }
}

/// `AuthAssertion::parse_with` (strict and with unknown critical tags allowed).
///
/// Invariants as for [`reg_assertion`], for `SignedData`.
pub fn auth_assertion(data: &[u8]) {
    for opts in parse_modes() {
        let Ok(a) = AuthAssertion::parse_with(data, opts) else {
            continue;
        };
        assert_eq!(a.raw, data, "raw is the whole input");
        assert!(
            contains(data, a.signed_data.raw),
            "SignedData raw lies inside the input"
        );
        assert!(
            a.signed_data.authenticator_nonce.len() >= 8,
            "nonce of at least 8 bytes"
        );
        let _ = a.unknown_critical_extension(&[]);
        let encoded = a
            .encode()
            .expect("a parsed authentication assertion re-encodes");
        let b = AuthAssertion::parse_with(&encoded, opts).expect("re-encoded assertion parses");
        assert_eq!(
            b.signed_data.to_builder(),
            a.signed_data.to_builder(),
            "fields round trip"
        );
        assert_eq!(b.signature, a.signature, "signature round trips");
        assert_eq!(b.extensions, a.extensions, "unsigned extensions round trip");
        assert_eq!(b.encode().ok(), Some(encoded), "encoding is canonical");
    }
    if let Ok(json) = AuthenticatorSignAssertion::from_tlv(data) {
        for policy in POLICIES {
            assert_eq!(json.decode_assertion(policy).ok().as_deref(), Some(data));
        }
    }
}

/// Whether `inner` is a sub-slice of `outer` (by address).
fn contains(outer: &[u8], inner: &[u8]) -> bool {
    let o = outer.as_ptr_range();
    let i = inner.as_ptr_range();
    o.start <= i.start && i.end <= o.end
}

// ---------------------------------------------------------------------------------------------
// Authenticator commands (the TLV codecs; the authenticator itself is another target)
// ---------------------------------------------------------------------------------------------

/// Parse → encode → parse identity for one TLV codec type; yields the first parse.
macro_rules! tlv_round_trip {
    ($data:expr, $t:ty) => {
        match <$t>::parse($data) {
            Ok(first) => {
                let encoded = first.encode().unwrap_or_else(|e| {
                    panic!("{}: a parsed value does not re-encode: {e}", stringify!($t))
                });
                let second = <$t>::parse(&encoded).unwrap_or_else(|e| {
                    panic!("{}: the re-encoding does not parse: {e}", stringify!($t))
                });
                assert_eq!(
                    second,
                    first,
                    "{}: parse -> encode -> parse",
                    stringify!($t)
                );
                assert_eq!(
                    second.encode().ok().as_deref(),
                    Some(encoded.as_slice()),
                    "{}: encoding is not canonical",
                    stringify!($t)
                );
                Some(first)
            }
            Err(_) => None,
        }
    };
}

/// Authenticator command and response TLVs: `Command::parse` (GetInfo, Register, Sign,
/// Deregister, OpenSettings) and the GetInfo, Register and Sign responses.
///
/// Invariant: parse → encode → parse is the identity for each; the capabilities of every
/// authenticator a GetInfo response describes can be derived.
pub fn command(data: &[u8]) {
    let _ = tlv_round_trip!(data, Command);
    if let Some(info) = tlv_round_trip!(data, GetInfoResponse) {
        for a in info.authenticators.iter() {
            let caps = AuthenticatorCapabilities::from_authenticator_info(&a);
            let _ = caps.user_verification_combinations();
        }
    }
    let _ = tlv_round_trip!(data, RegisterResponse);
    let _ = tlv_round_trip!(data, SignResponse);
}

// ---------------------------------------------------------------------------------------------
// JSON messages
// ---------------------------------------------------------------------------------------------

/// Checks a request array under both base64 policies: decode → encode → decode identity, and
/// that `check` does not panic.
fn request_array<T: PartialEq + Debug>(
    text: &str,
    parse: fn(&str, &DecodeOptions) -> Result<Vec<T>, MessageError>,
    to_json: fn(&[T]) -> String,
    check: fn(&T) -> Result<(), MessageError>,
    name: &str,
) {
    for policy in POLICIES {
        let opts = DecodeOptions::new().with_base64(policy);
        let Ok(first) = parse(text, &opts) else {
            continue;
        };
        assert!(
            !first.is_empty(),
            "{name}: a request array holds at least one message"
        );
        for m in &first {
            let _ = check(m);
        }
        let json = to_json(&first);
        let second = parse(&json, &opts)
            .unwrap_or_else(|e| panic!("{name}: re-encoding does not parse: {e}\n{json}"));
        assert_eq!(
            second, first,
            "{name}: decode -> encode -> decode is not the identity"
        );
        assert_eq!(to_json(&second), json, "{name}: encoding is not canonical");
    }
}

/// `RegistrationRequest::parse_array` (+ `check`, `to_json`).
pub fn reg_request(data: &[u8]) {
    let Some(text) = text(data) else { return };
    request_array(
        text,
        RegistrationRequest::parse_array,
        RegistrationRequest::array_to_json,
        RegistrationRequest::check,
        "RegistrationRequest",
    );
    any_message(text);
}

/// `AuthenticationRequest::parse_array` (+ `check`, `to_json`).
pub fn auth_request(data: &[u8]) {
    let Some(text) = text(data) else { return };
    request_array(
        text,
        AuthenticationRequest::parse_array,
        AuthenticationRequest::array_to_json,
        AuthenticationRequest::check,
        "AuthenticationRequest",
    );
    any_message(text);
}

/// `DeregistrationRequest::parse_array` (+ `check`, `to_json`).
pub fn dereg_request(data: &[u8]) {
    let Some(text) = text(data) else { return };
    request_array(
        text,
        DeregistrationRequest::parse_array,
        DeregistrationRequest::array_to_json,
        DeregistrationRequest::check,
        "DeregistrationRequest",
    );
    any_message(text);
}

/// `RegistrationResponse::parse_array`, then `fc_params` and every assertion decoded and
/// parsed, as a verifier would.
///
/// Invariant: decode → encode → decode is the identity under both base64 policies.
pub fn reg_response(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for policy in POLICIES {
        let opts = DecodeOptions::new().with_base64(policy);
        let Ok(first) = RegistrationResponse::parse_array(text, &opts) else {
            continue;
        };
        let json = first.to_json();
        let second = RegistrationResponse::parse_array(&json, &opts).unwrap_or_else(|e| {
            panic!("RegistrationResponse re-encoding does not parse: {e}\n{json}")
        });
        assert_eq!(
            second, first,
            "RegistrationResponse decode -> encode -> decode"
        );
        let _ = first.fc_params(policy);
        for a in &first.assertions {
            if let Ok(bytes) = a.decode_assertion(policy) {
                reg_assertion(&bytes);
            }
        }
    }
    any_message(text);
}

/// `AuthenticationResponse::parse_array`, then `fc_params` and every assertion.
///
/// Invariant: decode → encode → decode is the identity under both base64 policies.
pub fn auth_response(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for policy in POLICIES {
        let opts = DecodeOptions::new().with_base64(policy);
        let Ok(first) = AuthenticationResponse::parse_array(text, &opts) else {
            continue;
        };
        let json = first.to_json();
        let second = AuthenticationResponse::parse_array(&json, &opts).unwrap_or_else(|e| {
            panic!("AuthenticationResponse re-encoding does not parse: {e}\n{json}")
        });
        assert_eq!(
            second, first,
            "AuthenticationResponse decode -> encode -> decode"
        );
        let _ = first.fc_params(policy);
        for a in &first.assertions {
            if let Ok(bytes) = a.decode_assertion(policy) {
                auth_assertion(&bytes);
            }
        }
    }
    any_message(text);
}

/// `message::parse_any`: decode → encode → decode identity, and the operation is kept.
fn any_message(text: &str) {
    let opts = DecodeOptions::new();
    let Ok(first) = message::parse_any(text, &opts) else {
        return;
    };
    let json = first.to_json();
    let second: AnyMessage = message::parse_any(&json, &opts)
        .unwrap_or_else(|e| panic!("parse_any re-encoding does not parse: {e}\n{json}"));
    assert_eq!(second, first, "parse_any decode -> encode -> decode");
    assert_eq!(second.operation(), first.operation());
    assert_eq!(second.is_response(), first.is_response());
}

/// The strict JSON reader `message::json::parse` and the transport envelope messages
/// (`GetUAFRequest`, `ReturnUAFRequest`, `SendUAFResponse`, `ServerResponse`, `UafMessage`).
///
/// Invariant: a parsed value, serialised, parses to the same value; each envelope round trips.
pub fn json(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(value) = message::json::parse(text) {
        let again = serde_json::to_string(&value).expect("a JSON value serialises");
        let back = message::json::parse(&again)
            .unwrap_or_else(|e| panic!("serialised JSON does not parse: {e}\n{again}"));
        assert_eq!(
            back, value,
            "JSON decode -> encode -> decode is not the identity"
        );
    }
    macro_rules! envelope {
        ($t:ty) => {
            if let Ok(first) = <$t>::parse(text) {
                let json = first.to_json();
                let second = <$t>::parse(&json).unwrap_or_else(|e| {
                    panic!(
                        "{}: re-encoding does not parse: {e}\n{json}",
                        stringify!($t)
                    )
                });
                assert_eq!(
                    second,
                    first,
                    "{}: decode -> encode -> decode",
                    stringify!($t)
                );
            }
        };
    }
    envelope!(GetUafRequest);
    envelope!(ReturnUafRequest);
    envelope!(SendUafResponse);
    envelope!(ServerResponse);
    envelope!(UafMessage);
    if let Ok(r) = ReturnUafRequest::parse(text) {
        let _ = r.status();
    }
    if let Ok(r) = ServerResponse::parse(text) {
        let _ = r.status();
    }
}

/// `FinalChallengeParams::from_fc_params` (both policies) and `parse_json`.
///
/// Invariant: decode → encode → decode is the identity for both forms; a strict decode
/// succeeds under the lenient policy with the same value.
pub fn fc_params(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let strict = FinalChallengeParams::from_fc_params(text, Base64Policy::Strict);
    if let Ok(f) = &strict {
        assert_eq!(
            FinalChallengeParams::from_fc_params(text, Base64Policy::Lenient).as_ref(),
            Ok(f),
            "lenient decoding accepts what strict decoding accepts"
        );
    }
    for policy in POLICIES {
        if let Ok(f) = FinalChallengeParams::from_fc_params(text, policy) {
            let encoded = f.to_fc_params();
            assert_eq!(
                FinalChallengeParams::from_fc_params(&encoded, Base64Policy::Strict),
                Ok(f),
                "fcParams decode -> encode -> decode"
            );
        }
    }
    let opts = DecodeOptions::new();
    if let Ok(f) = FinalChallengeParams::parse_json(text, &opts) {
        let json = f.to_json();
        assert_eq!(
            FinalChallengeParams::parse_json(&json, &opts),
            Ok(f),
            "FinalChallengeParams JSON decode -> encode -> decode"
        );
    }
}

/// `TrustedFacetList::parse`, `select` and `facet_ids`.
///
/// Invariant: decode → encode → decode is the identity.
pub fn trusted_facets(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(list) = TrustedFacetList::parse(text) else {
        return;
    };
    let json = list.to_json();
    assert_eq!(
        TrustedFacetList::parse(&json),
        Ok(list.clone()),
        "trusted facets round trip"
    );
    for v in [Version::V1_0, Version::V1_1, Version::new(2, 0)] {
        if let Some(f) = list.select(v) {
            let check = f.facet_ids();
            let _ = format!("{check:?}");
        }
    }
}

/// Identifiers: `FacetId::parse`, `FacetId::origin_of_url`, `AppId::new`, `Aaid::parse` /
/// `from_bytes`, `KeyId::new`.
///
/// Invariants: normalisation is idempotent — a parsed facet ID, printed, parses to itself; the
/// origin of a URL is a facet ID that parses to itself and is its own origin; an AAID prints
/// what it parsed.
pub fn ids(data: &[u8]) {
    if let Ok(a) = Aaid::from_bytes(data) {
        assert_eq!(a.as_str().as_bytes(), data, "an AAID keeps its bytes");
        assert_eq!(Aaid::parse(a.as_str()), Ok(a));
        let _ = (a.vendor(), a.model(), a.to_uppercase());
    }
    if let Ok(k) = KeyId::new(data.to_vec()) {
        assert_eq!(k.as_bytes(), data);
        assert_eq!(
            b64::Base64Policy::Strict
                .decode(&k.to_base64url())
                .ok()
                .as_deref(),
            Some(data)
        );
    }
    let Some(s) = text(data) else { return };
    if let Ok(f) = FacetId::parse(s) {
        let printed = f.to_string();
        assert_eq!(
            FacetId::parse(&printed),
            Ok(f.clone()),
            "facet ID normalisation is idempotent"
        );
        let _ = f.host();
    }
    if let Ok(o) = FacetId::origin_of_url(s) {
        let printed = o.to_string();
        assert_eq!(
            FacetId::parse(&printed),
            Ok(o.clone()),
            "an origin is a facet ID"
        );
        assert_eq!(
            FacetId::origin_of_url(&printed),
            Ok(o),
            "an origin is its own origin"
        );
    }
    if let Ok(app) = AppId::new(s) {
        assert_eq!(app.as_str(), s);
        assert_eq!(app.is_https_url(), app.origin().is_some());
    }
    if let Ok(a) = Aaid::parse(s) {
        assert_eq!(a.as_str(), s, "an AAID keeps its text");
    }
}

/// The base64url policy: `Base64Policy::decode` (both), `decode_to_slice`, `decode_standard`.
///
/// Invariants: strict decoding is canonical (decode → encode gives the input text back);
/// lenient decoding accepts whatever strict decoding accepts, with the same bytes; the
/// allocating and the slice decoders agree.
pub fn base64(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let strict = Base64Policy::Strict.decode(s);
    if let Ok(bytes) = &strict {
        assert_eq!(b64::encode(bytes), s, "strict base64url is canonical");
        assert_eq!(
            Base64Policy::Lenient.decode(s).as_ref(),
            Ok(bytes),
            "lenient ⊇ strict"
        );
    }
    for policy in POLICIES {
        let owned = policy.decode(s);
        let mut buf = vec![0u8; s.len()];
        let sliced = policy
            .decode_to_slice(s, &mut buf)
            .map(|n| buf.get(..n).map(<[u8]>::to_vec));
        match (&owned, sliced) {
            (Ok(a), Ok(Some(b))) => {
                assert_eq!(*a, b, "{policy:?}: decode and decode_to_slice differ")
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{policy:?}: decode {a:?} but decode_to_slice {b:?}"),
        }
    }
    if let Ok(bytes) = b64::decode_standard(s) {
        assert_eq!(
            b64::decode_standard(&b64::encode_standard(&bytes)),
            Ok(bytes)
        );
    }
}
