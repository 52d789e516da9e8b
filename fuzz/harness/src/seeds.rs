//! The seed corpus: built-in seeds for every target (the UAF specification's examples, the
//! harness's simulated messages, keys and chains), and [`classify`] to route external files
//! (`conformance-vectors/`, `examples/data/`, metadata test statements) to the targets that
//! read them. `scripts/fuzz-corpus.sh` writes both into `fuzz/corpus/<target>/`.

use uaf_crypto::{KeyType, PublicKey, SigningKey};
use uaf_metadata::MetadataEntry;
use uaf_proto::assertion::{AuthAssertion, RegAssertion};
use uaf_proto::b64::{self, Base64Policy};
use uaf_proto::command::{
    AuthenticatorInfo, AuthenticatorMetadata, Command, DeregisterCommand, GetInfoCommand,
    GetInfoResponse, OpenSettingsCommand, RegisterCommand, RegisterResponse, SignCommand,
    SignResponse, SignResponseContent,
};
use uaf_proto::id::Aaid;
use uaf_proto::message::{
    self, AnyMessage, DecodeOptions, FinalChallengeParams, GetUafRequest, Operation,
    ReturnUafRequest, SendUafResponse, ServerResponse, TrustedFacetList,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_proto::status::{CmdStatus, UafStatusCode};
use uaf_proto::tlv::{self, TlvList};

use crate::data;
use crate::rp;

/// One seed: the target it is for, and the input.
pub type Seed = (&'static str, Vec<u8>);

/// Every built-in seed.
#[must_use]
pub fn builtin() -> Vec<Seed> {
    let mut out: Vec<Seed> = Vec::new();
    for (t, text) in [
        ("reg_request", data::SPEC_REG_REQUEST),
        ("reg_response", data::SPEC_REG_RESPONSE),
        ("auth_request", data::SPEC_AUTH_REQUEST),
        ("auth_response", data::SPEC_AUTH_RESPONSE),
        ("auth_response", data::CONFORMANCE_AUTH_RESPONSE),
        ("dereg_request", data::SPEC_DEREG_REQUEST),
    ] {
        out.push((t, text.as_bytes().to_vec()));
        out.push(("json", text.as_bytes().to_vec()));
    }
    rp::seeds(&mut out);
    transport(&mut out);
    commands(&mut out);
    identifiers(&mut out);
    keys(&mut out);
    chains(&mut out);
    for text in rp::statement_texts() {
        out.push(("metadata", text.into_bytes()));
    }
    blobs(&mut out);
    out
}

/// `metadata_blob`: a BLOB of the harness statements (mode byte 0: the whole text) and its
/// payload alone (mode byte 1: signed by the harness).
fn blobs(out: &mut Vec<Seed>) {
    let mut seen = Vec::new();
    let entries: Vec<String> = rp::statement_texts()
        .into_iter()
        .filter_map(|statement| {
            let aaid = serde_json::from_str::<serde_json::Value>(&statement)
                .ok()
                .and_then(|v| v.get("aaid").and_then(|a| a.as_str()).map(str::to_owned))
                .unwrap_or_default();
            // One entry per AAID (a BLOB with two is refused).
            (!seen.contains(&aaid)).then(|| {
                seen.push(aaid.clone());
                (aaid, statement)
            })
        })
        .enumerate()
        .map(|(i, (aaid, statement))| {
            format!(
                r#"{{"aaid":"{aaid}","metadataStatement":{statement},"statusReports":[{{"status":"{}","effectiveDate":"2024-01-01"}}],"timeOfLastStatusChange":"2024-01-01"}}"#,
                if i % 2 == 0 { "FIDO_CERTIFIED" } else { "REVOKED" }
            )
        })
        .chain([
            r#"{"aaguid":"0132d110-bf4e-4208-a403-ab4f5f12efe5","statusReports":[],"timeOfLastStatusChange":"2020-01-01"}"#.to_owned(),
            r#"{"aaid":"9999#0001","statusReports":[],"timeOfLastStatusChange":"2020-01-01"}"#.to_owned(),
        ])
        .collect();
    let payload = format!(
        r#"{{"legalHeader":"fuzz seed","no":7,"nextUpdate":"2030-02-01","entries":[{}]}}"#,
        entries.join(",")
    );
    let mut whole = vec![0];
    whole.extend(crate::metadata::signed_blob(payload.as_bytes()).into_bytes());
    out.push(("metadata_blob", whole));
    let mut payload_only = vec![1];
    payload_only.extend(payload.into_bytes());
    out.push(("metadata_blob", payload_only));
}

fn transport(out: &mut Vec<Seed>) {
    let request = String::from(data::SPEC_REG_REQUEST);
    let texts = [
        GetUafRequest {
            op: Some(Operation::Reg),
            previous_request: None,
            context: Some("{}".into()),
        }
        .to_json(),
        ReturnUafRequest {
            status_code: 1200,
            uaf_request: Some(request.clone()),
            op: Some(Operation::Reg),
            lifetime_millis: Some(60_000),
        }
        .to_json(),
        SendUafResponse {
            uaf_response: String::from(data::SPEC_REG_RESPONSE),
            context: None,
        }
        .to_json(),
        ServerResponse::with_status(UafStatusCode::Ok).to_json(),
        format!(
            r#"{{"uafProtocolMessage":{},"additionalData":{{"k":1}}}}"#,
            serde_json::Value::String(request)
        ),
    ];
    for t in texts {
        out.push(("json", t.into_bytes()));
    }
    let facets = r#"{"trustedFacets":[{"version":{"major":1,"minor":0},"ids":["https://uaf.example.com","https://login.example.com:8443","android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfM","ios:bundle-id:com.example.app"]},{"version":{"major":1,"minor":1},"ids":["https://uaf.example.com"]}]}"#;
    out.push(("trusted_facets", facets.as_bytes().to_vec()));
    out.push(("json", facets.as_bytes().to_vec()));
}

fn commands(out: &mut Vec<Seed>) {
    let mut encoded_commands = Vec::new();
    let assertion = b64::Base64Policy::Strict
        .decode(data::SPEC_REG_ASSERTION_B64.trim())
        .expect("Example 8's assertion");
    let auth_assertion = message::AuthenticationResponse::parse_array(
        data::SPEC_AUTH_RESPONSE,
        &DecodeOptions::new(),
    )
    .ok()
    .and_then(|r| {
        r.assertions
            .first()
            .and_then(|a| a.decode_assertion(Base64Policy::Strict).ok())
    })
    .expect("Example 10's assertion");
    let fch = [0x5a; 32];
    let khat = [0x33; 32];
    let key_handles: [&[u8]; 2] = [b"key handle one", b"key handle two"];
    let attestation = [AttestationType::BasicFull, AttestationType::BasicSurrogate];
    let info = AuthenticatorInfo {
        authenticator_index: 0,
        aaid: Aaid::parse("ABCD#ABCD").expect("AAID"),
        metadata: AuthenticatorMetadata::from_bytes([
            0x01, 0x00, 0x01, 0x04, 0, 0, 0, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00,
        ]),
        tc_display_content_type: Some("text/plain"),
        tc_display_png_characteristics: TlvList::empty(),
        assertion_scheme: "UAFV1TLV",
        attestation_types: TlvList::from_slice(&attestation),
        supported_extension_ids: TlvList::empty(),
    };
    let infos = [info];
    let encoded = [
        Command::GetInfo(GetInfoCommand::default()).encode(),
        RegisterCommand {
            authenticator_index: 0,
            app_id: Some("https://uaf.example.com/facets.json"),
            final_challenge_hash: &fch,
            username: "alice",
            attestation_type: AttestationType::BasicFull,
            kh_access_token: &khat,
            user_verify_token: Some(b"uvt"),
            extensions: TlvList::empty(),
        }
        .encode(),
        SignCommand {
            authenticator_index: 0,
            app_id: Some("https://uaf.example.com/facets.json"),
            final_challenge_hash: &fch,
            transaction_content: Some(b"Pay 10 EUR?"),
            kh_access_token: &khat,
            user_verify_token: None,
            key_handles: TlvList::from_slice(&key_handles),
            extensions: TlvList::empty(),
        }
        .encode(),
        DeregisterCommand {
            authenticator_index: 0,
            app_id: Some("https://uaf.example.com/facets.json"),
            key_id: &[0x4b; 32],
            kh_access_token: &khat,
            extensions: TlvList::empty(),
        }
        .encode(),
        OpenSettingsCommand {
            authenticator_index: 0,
            extensions: TlvList::empty(),
        }
        .encode(),
        GetInfoResponse {
            status: CmdStatus::Ok,
            api_version: Some(1),
            authenticators: TlvList::from_slice(&infos),
            extensions: TlvList::empty(),
        }
        .encode(),
        RegisterResponse {
            status: CmdStatus::Ok,
            assertion: Some(&assertion),
            key_handle: Some(b"key handle"),
            extensions: TlvList::empty(),
        }
        .encode(),
        SignResponse {
            status: CmdStatus::Ok,
            content: SignResponseContent::Assertion(&auth_assertion),
            extensions: TlvList::empty(),
        }
        .encode(),
    ];
    for e in encoded {
        let bytes = e.expect("a harness command encodes");
        out.push(("command", bytes.clone()));
        out.push(("tlv", bytes.clone()));
        encoded_commands.push(bytes);
    }
    crate::device::seeds(out, &encoded_commands);
}

fn identifiers(out: &mut Vec<Seed>) {
    for s in [
        "https://uaf.example.com",
        "https://UAF.Example.com:443/",
        "https://uaf.example.com:8443/facets.json?x=1#f",
        "https://[::1]:8443",
        "android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfM",
        "ios:bundle-id:com.example.app",
        "ABCD#ABCD",
        "abcd#0001",
    ] {
        out.push(("ids", s.as_bytes().to_vec()));
    }
    out.push(("ids", vec![0x4b; 32]));
    for s in [
        "AT4AAA",
        "AT4AAA==",
        "AT4A\r\nAA",
        "+/+/",
        "_-_-",
        "Zg",
        "Zh",
    ] {
        out.push(("base64", s.as_bytes().to_vec()));
    }
    out.push((
        "base64",
        data::SPEC_REG_ASSERTION_B64.trim().as_bytes().to_vec(),
    ));
}

/// The index of `v` in `list` as a selector byte.
fn selector<T: PartialEq>(list: &[T], v: &T) -> u8 {
    list.iter()
        .position(|x| x == v)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(0xfe)
}

/// A `public_key` input.
fn key_input(enc: AlgKey, alg: AlgSign, key: &[u8], message: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut v = vec![
        selector(AlgKey::KNOWN, &enc),
        selector(AlgSign::KNOWN, &alg),
    ];
    v.extend_from_slice(&u16::try_from(key.len()).unwrap_or(0).to_le_bytes());
    v.extend_from_slice(key);
    v.push(u8::try_from(message.len()).unwrap_or(0));
    v.extend_from_slice(message);
    v.extend_from_slice(signature);
    v
}

fn keys(out: &mut Vec<Seed>) {
    let signer = SigningKey::from_private_scalar(KeyType::P256, &[0x11; 32]).expect("scalar");
    let key = signer.public_key();
    let message = b"uaf-rs fuzz seed";
    for alg in [
        AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp256r1EcdsaSha256Der,
    ] {
        let sig = signer.sign_deterministic(alg, message).expect("signs");
        for enc in [AlgKey::EccX962Raw, AlgKey::EccX962Der, AlgKey::Cose] {
            if let Ok(bytes) = key.encode(enc) {
                out.push((
                    "public_key",
                    key_input(enc, alg, &bytes, message, sig.as_bytes()),
                ));
            }
        }
    }
    if let Ok(cose) = key.to_cose_key() {
        out.push(("cose_key", cose));
    }
    for (der, enc, alg) in [
        (
            data::RSA2048_PUB,
            AlgKey::Rsa2048Der,
            AlgSign::RsassaPssSha256Raw,
        ),
        (
            data::P384_PUB,
            AlgKey::EccX962Der,
            AlgSign::Secp384r1EcdsaSha384Raw,
        ),
        (
            data::ED25519_PUB,
            AlgKey::EccX962Der,
            AlgSign::Ed25519EddsaSha512Raw,
        ),
        (
            data::SECP256K1_PUB,
            AlgKey::EccX962Der,
            AlgSign::Secp256k1EcdsaSha256Der,
        ),
    ] {
        out.push((
            "public_key",
            key_input(
                enc,
                alg,
                der,
                message,
                &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            ),
        ));
        // With the optional algorithms compiled in, the other encodings of the key too.
        if let Ok(k) = PublicKey::decode(enc, der) {
            for e in [AlgKey::Rsa2048Raw, AlgKey::EccX962Raw, AlgKey::Cose] {
                if let Ok(bytes) = k.encode(e) {
                    out.push(("public_key", key_input(e, alg, &bytes, message, &[])));
                }
            }
            if let Ok(cose) = k.to_cose_key() {
                out.push(("cose_key", cose));
            }
        }
    }
}

/// An `attestation_chain` input.
fn chain_input(flags: u8, roots: u8, time: Option<u64>, certs: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![flags, roots];
    if let Some(t) = time {
        v.extend_from_slice(&t.to_be_bytes());
    }
    for c in certs {
        v.extend_from_slice(&u16::try_from(c.len()).unwrap_or(0).to_le_bytes());
        v.extend_from_slice(c);
    }
    v
}

fn chains(out: &mut Vec<Seed>) {
    let spec = data::spec_certificate();
    let (leaf, int, root) = (data::CHAIN_LEAF, data::CHAIN_INTERMEDIATE, data::CHAIN_ROOT);
    for seed in [
        // Leaf and intermediate against the fixed anchors, at an explicit time, with the AAID.
        chain_input(0b0111, 0, Some(data::SIM_NOW), &[leaf, int]),
        // The same at the "2030" preset.
        chain_input(0b0011, 0, None, &[leaf, int]),
        // Only the leaf (intermediate missing).
        chain_input(0b0011, 0, None, &[leaf]),
        // The root from the input.
        chain_input(0b0010, 1, None, &[leaf, int, root]),
        // The specification's certificate, pinned, in 2016 (legacy path).
        chain_input(0b0001, 0, None, &[spec]),
        // The uaf-metadata test root, self-issued.
        chain_input(0b0010, 0, None, &[data::METADATA_TEST_ROOT]),
    ] {
        out.push(("attestation_chain", seed));
    }
}

/// The seeds an external file gives (for `conformance-vectors/` and other example files): the
/// text targets that read it, and, for a base64url file such as an assertion on its own, the
/// binary targets that read the decoded bytes.
#[must_use]
pub fn classify(bytes: &[u8]) -> Vec<Seed> {
    let mut text_targets = Vec::new();
    let mut out = Vec::new();
    if let Some(parts) = vector_parts(bytes) {
        // A vector answers its own relying-party configuration: the `rp_*` targets (the
        // specification world) would stop at its first binding check, so they get none.
        return parts
            .iter()
            .flat_map(|p| classify(p))
            .filter(|(t, _)| !t.starts_with("rp_"))
            .collect();
    }
    if let Ok(text) = core::str::from_utf8(bytes) {
        if message::json::parse(text).is_ok() {
            text_targets.push("json");
        }
        let lenient = Base64Policy::Lenient;
        match message::parse_any(text, &DecodeOptions::new().with_base64(lenient)) {
            Ok(AnyMessage::RegistrationRequests(_)) => text_targets.push("reg_request"),
            Ok(AnyMessage::RegistrationResponse(r)) => {
                text_targets.extend(["reg_response", "rp_registration"]);
                out.push(("fc_params", r.fc_params.clone().into_bytes()));
                for a in r
                    .assertions
                    .iter()
                    .filter_map(|a| a.decode_assertion(lenient).ok())
                {
                    out.extend(classify_binary(&a).into_iter().map(|t| (t, a.clone())));
                }
            }
            Ok(AnyMessage::AuthenticationRequests(_)) => text_targets.push("auth_request"),
            Ok(AnyMessage::AuthenticationResponse(r)) => {
                text_targets.extend(["auth_response", "rp_authentication"]);
                out.push(("fc_params", r.fc_params.clone().into_bytes()));
                for a in r
                    .assertions
                    .iter()
                    .filter_map(|a| a.decode_assertion(lenient).ok())
                {
                    out.extend(classify_binary(&a).into_iter().map(|t| (t, a.clone())));
                }
            }
            Ok(AnyMessage::DeregistrationRequests(_)) => text_targets.push("dereg_request"),
            _ => {}
        }
        if MetadataEntry::from_json(text).is_ok() {
            text_targets.push("metadata");
        }
        if TrustedFacetList::parse(text).is_ok() {
            text_targets.push("trusted_facets");
        }
        if FinalChallengeParams::parse_json(text, &DecodeOptions::new()).is_ok() {
            text_targets.push("fc_params");
        }
        let trimmed = text.trim();
        if let Ok(decoded) = Base64Policy::Lenient.decode(trimmed) {
            if !decoded.is_empty() && text_targets.is_empty() {
                out.push(("base64", trimmed.as_bytes().to_vec()));
                if FinalChallengeParams::from_fc_params(trimmed, Base64Policy::Lenient).is_ok() {
                    out.push(("fc_params", trimmed.as_bytes().to_vec()));
                }
                out.extend(
                    classify_binary(&decoded)
                        .into_iter()
                        .map(|t| (t, decoded.clone())),
                );
            }
        }
    } else {
        out.extend(
            classify_binary(bytes)
                .into_iter()
                .map(|t| (t, bytes.to_vec())),
        );
    }
    out.extend(text_targets.into_iter().map(|t| (t, bytes.to_vec())));
    out
}

/// The parts of a conformance vector (`uaf-conformance-vector/1`) the targets read: the
/// request, the response text, the assertion (decoded), each metadata entry. `None` for
/// anything else.
fn vector_parts(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let format = v.get("format")?.as_str()?;
    if !format.starts_with("uaf-conformance-vector/") {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(r) = v.get("request") {
        parts.push(r.to_string().into_bytes());
    }
    if let Some(r) = v.get("response").and_then(serde_json::Value::as_str) {
        parts.push(r.as_bytes().to_vec());
    }
    if let Some(a) = v.get("assertion").and_then(serde_json::Value::as_str) {
        if let Ok(bytes) = Base64Policy::Lenient.decode(a) {
            parts.push(bytes);
        }
    }
    for m in v
        .get("metadata")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        parts.push(m.to_string().into_bytes());
    }
    Some(parts)
}

fn classify_binary(bytes: &[u8]) -> Vec<&'static str> {
    let mut t = Vec::new();
    if tlv::check_structure(bytes).is_ok() {
        t.push("tlv");
    }
    if RegAssertion::parse(bytes).is_ok() {
        t.extend(["reg_assertion", "rp_registration"]);
    }
    if AuthAssertion::parse(bytes).is_ok() {
        t.extend(["auth_assertion", "rp_authentication"]);
    }
    if Command::parse(bytes).is_ok() {
        t.push("command");
    }
    if PublicKey::from_cose_key(bytes).is_ok() {
        t.push("cose_key");
    }
    t
}
