//! Targets of the phone side: the simulated authenticator (`uaf-authenticator`, command TLVs
//! in, response TLVs out) and the FIDO client (`uaf-client`, request messages in, response
//! messages out).

use std::sync::OnceLock;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest as _, Sha256};

use uaf_authenticator::{
    AttestationConfig, AttestationCredentials, Authenticator, Counters, KeyStorage, Profile,
    ScriptedUser, TestCa, TransactionDisplay, UserAction,
};
use uaf_client::{
    AuthenticatorOptions, Client, ClientConfig, ClientOutcome, ClientRequest, FnTransport,
};
use uaf_crypto::{KeyType, PublicKey, verify};
use uaf_proto::assertion::{Attestation, AuthAssertion, RegAssertion};
use uaf_proto::b64::Base64Policy;
use uaf_proto::command::{
    Command, DeregisterCommand, GetInfoCommand, GetInfoResponse, RegisterCommand, RegisterResponse,
    SignCommand, SignResponse, SignResponseContent,
};
use uaf_proto::id::{Aaid, FacetId};
use uaf_proto::message::{
    AuthenticationRequest, AuthenticationResponse, DecodeOptions, DeregistrationRequest,
    FinalChallengeParams, OperationHeader, RegistrationRequest, RegistrationResponse,
    TrustedFacetList,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::{self, TlvList};

/// The AAID of the simulated models.
const AAID: &str = "FFFF#FC01";
/// The AppID the authenticator prelude registers under.
const APP_ID: &str = "https://example.com/facets.json";
/// The KHAccessToken of the authenticator prelude.
const KHAT: &[u8] = b"asm token";
/// The final challenge hash of the authenticator prelude.
const PRELUDE_FCH: [u8; 32] = [0x11; 32];

/// Basic full attestation credentials, made once (a test CA and its attestation key).
fn credentials() -> &'static AttestationCredentials {
    static CREDS: OnceLock<AttestationCredentials> = OnceLock::new();
    CREDS.get_or_init(|| {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let aaid = Aaid::parse(AAID).expect("an AAID");
        TestCa::generate(&mut rng)
            .and_then(|ca| ca.issue(&aaid, KeyType::P256, &mut rng))
            .expect("test attestation credentials")
    })
}

/// The profile selected by `bits` (see [`authenticator`]).
fn profile(bits: u8) -> Profile {
    let attestation = if bits & 2 == 0 {
        AttestationConfig::BasicFull(credentials().clone())
    } else {
        AttestationConfig::BasicSurrogate
    };
    let counters = match (bits >> 3) & 3 {
        1 => Counters::Global,
        2 => Counters::None,
        _ => Counters::PerKey,
    };
    let alg = if bits & 0x20 == 0 {
        AlgSign::Secp256r1EcdsaSha256Raw
    } else {
        AlgSign::Secp256r1EcdsaSha256Der
    };
    Profile::builder(Aaid::parse(AAID).expect("an AAID"))
        .algorithm(alg, AlgKey::EccX962Raw)
        .attestation(attestation)
        .key_storage(if bits & 1 == 0 {
            KeyStorage::Wrapped
        } else {
            KeyStorage::Internal
        })
        .transaction_display(if bits & 4 == 0 {
            TransactionDisplay::None
        } else {
            TransactionDisplay::Text
        })
        .counters(counters)
        .second_factor(bits & 0x40 != 0)
        .build()
        .expect("a valid harness profile")
}

/// A user who approves everything, or who first types a wrong PIN.
fn user(bits: u8) -> ScriptedUser {
    let user = ScriptedUser::approving("1234");
    if bits & 0x80 == 0 {
        user
    } else {
        user.then(UserAction::EnterPin("0000".into()))
    }
}

/// What the harness knows of the key the prelude registered.
struct Registered {
    key_id: Vec<u8>,
    key_handle: Option<Vec<u8>>,
    public_key: PublicKey,
    alg: AlgSign,
    last_counter: Option<u32>,
}

/// The simulated authenticator: `Authenticator::process` on a sequence of commands.
///
/// Input: `[profile bits, (kind, len u16 LE, payload)…]`. Profile bits: 0 internal key
/// handles, 1 surrogate attestation, 2 text transaction display, 3–4 counters (per key,
/// global, none), 5 DER signatures, 6 second factor, 7 a wrong PIN first. Before the input's
/// commands a valid Register runs (the prelude), so Sign and Deregister find a key. Kinds:
/// 0 raw command bytes; 1 Sign with the prelude's key handle, the payload's first 32 bytes
/// as final challenge hash and the rest as transaction text; 2 Register with the payload as
/// final challenge hash; 3 Deregister of the prelude's KeyID; 4 GetInfo.
///
/// Invariants: every response is one TLV with the command's response tag (`0x3600` for what
/// is not a command) and a status that uaf-proto parses; an OK Register holds an assertion of
/// this AAID over the command's final challenge hash whose attestation signature verifies;
/// an OK Sign holds an assertion over the command's final challenge hash, signed by the
/// registered key, with the transaction hash of the content shown (mode 0x02) or none (mode
/// 0x01), and a sign counter that only grows (or stays 0 without counters).
pub fn authenticator(data: &[u8]) {
    let Some((bits, mut rest)) = data.split_first() else {
        return;
    };
    let profile = profile(*bits);
    let counters_none = (bits >> 3) & 3 == 2;
    let attestation_type = if bits & 2 == 0 {
        AttestationType::BasicFull
    } else {
        AttestationType::BasicSurrogate
    };
    let mut phone = Authenticator::new(profile, ChaCha20Rng::from_seed([5; 32]), user(*bits))
        .expect("an authenticator");

    let register = |fch: &[u8]| {
        RegisterCommand {
            authenticator_index: 0,
            app_id: Some(APP_ID),
            final_challenge_hash: fch,
            username: "alice",
            attestation_type,
            kh_access_token: KHAT,
            user_verify_token: None,
            extensions: TlvList::empty(),
        }
        .encode()
    };
    let prelude = register(&PRELUDE_FCH).expect("the prelude command encodes");
    // A wrong PIN first: the prelude is refused once, then retried.
    let mut response = phone.process(&prelude);
    if bits & 0x80 != 0 {
        let _ = check_response(&prelude, &response, attestation_type, None);
        response = phone.process(&prelude);
    }
    let mut registered = check_response(&prelude, &response, attestation_type, None);

    while let Some((kind, r)) = rest.split_first() {
        let Some(([l0, l1], r)) = r.split_first_chunk::<2>().map(|(h, r)| (*h, r)) else {
            break;
        };
        let (payload, r) = r
            .split_at_checked(usize::from(u16::from_le_bytes([l0, l1])))
            .unwrap_or((r, &[]));
        rest = r;
        let key_id = registered
            .as_ref()
            .map(|k| k.key_id.clone())
            .unwrap_or_default();
        let handle = registered
            .as_ref()
            .and_then(|k| k.key_handle.clone())
            .unwrap_or_else(|| key_id.clone());
        let handles = [handle.as_slice()];
        let command = match kind % 5 {
            0 => Some(payload.to_vec()),
            1 => {
                let (fch, text) = payload.split_at_checked(32).unwrap_or((payload, &[]));
                SignCommand {
                    authenticator_index: 0,
                    app_id: Some(APP_ID),
                    final_challenge_hash: if fch.is_empty() { &PRELUDE_FCH } else { fch },
                    transaction_content: (!text.is_empty()).then_some(text),
                    kh_access_token: KHAT,
                    user_verify_token: None,
                    key_handles: TlvList::from_slice(&handles),
                    extensions: TlvList::empty(),
                }
                .encode()
                .ok()
            }
            2 => register(payload).ok(),
            3 => DeregisterCommand {
                authenticator_index: 0,
                app_id: Some(APP_ID),
                key_id: &key_id,
                kh_access_token: KHAT,
                extensions: TlvList::empty(),
            }
            .encode()
            .ok(),
            _ => Command::GetInfo(GetInfoCommand::default()).encode().ok(),
        };
        let Some(command) = command else { continue };
        let response = phone.process(&command);
        // A later registration is checked too; the prelude's key stays the one tracked.
        let _ = check_response(
            &command,
            &response,
            attestation_type,
            registered.as_mut().map(|r| (r, counters_none)),
        );
    }
}

/// Checks one response against its command (the invariants of [`authenticator`]); returns the
/// key an OK Register made.
fn check_response(
    command: &[u8],
    response: &[u8],
    attestation_type: AttestationType,
    registered: Option<(&mut Registered, bool)>,
) -> Option<Registered> {
    let top =
        tlv::parse_single(response).unwrap_or_else(|e| panic!("the response is not one TLV: {e}"));
    let parsed = Command::parse(command);
    let expected_tag = match &parsed {
        Ok(c) => c.response_tag(),
        Err(_) => command
            .first_chunk::<2>()
            .map(|t| u16::from_le_bytes(*t))
            .filter(|t| t & 0xff00 == 0x3400)
            .map_or(0x3600, |t| t | 0x0200),
    };
    assert_eq!(
        top.tag, expected_tag,
        "response tag for command {command:02x?}"
    );
    let status_member = top
        .children()
        .ok()
        .and_then(|mut c| c.find_map(|m| m.ok().filter(|m| m.tag == tlv::TAG_STATUS_CODE)));
    assert!(
        status_member.is_some(),
        "a response without TAG_STATUS_CODE: {response:02x?}"
    );
    match parsed.ok()? {
        Command::GetInfo(_) => {
            GetInfoResponse::parse(response)
                .unwrap_or_else(|e| panic!("GetInfo response does not parse: {e}"));
            None
        }
        Command::Register(c) => {
            let r = RegisterResponse::parse(response)
                .unwrap_or_else(|e| panic!("Register response does not parse: {e}"));
            if r.status != CmdStatus::Ok {
                return None;
            }
            let bytes = r
                .assertion
                .expect("an OK Register response has an assertion");
            let a = RegAssertion::parse(bytes)
                .unwrap_or_else(|e| panic!("the registration assertion does not parse: {e}"));
            let krd = &a.krd;
            assert_eq!(
                krd.final_challenge_hash, c.final_challenge_hash,
                "KRD over another final challenge hash"
            );
            assert_eq!(krd.aaid.as_str(), AAID);
            assert_eq!(
                a.attestation.attestation_type(),
                attestation_type,
                "the attestation asked for"
            );
            let info = krd.assertion_info;
            let public_key = PublicKey::decode_for(info.sign_alg, info.pub_key_alg, krd.pub_key)
                .unwrap_or_else(|e| panic!("UAuth.pub does not decode: {e}"));
            let (attestation_key, signature) = match a.attestation {
                Attestation::BasicSurrogate { signature } => (public_key.clone(), signature),
                Attestation::BasicFull { signature, .. } => (
                    credentials()
                        .public_key()
                        .expect("the attestation public key"),
                    signature,
                ),
                _ => panic!("unexpected attestation"),
            };
            verify(info.sign_alg, &attestation_key, krd.raw, signature)
                .unwrap_or_else(|e| panic!("the attestation signature does not verify: {e}"));
            Some(Registered {
                key_id: krd.key_id.to_vec(),
                key_handle: r.key_handle.map(<[u8]>::to_vec),
                public_key,
                alg: info.sign_alg,
                last_counter: None,
            })
        }
        Command::Sign(c) => {
            let r = SignResponse::parse(response)
                .unwrap_or_else(|e| panic!("Sign response does not parse: {e}"));
            let SignResponseContent::Assertion(bytes) = r.content else {
                return None;
            };
            assert_eq!(
                r.status,
                CmdStatus::Ok,
                "an assertion with a failure status"
            );
            let a = AuthAssertion::parse(bytes)
                .unwrap_or_else(|e| panic!("the authentication assertion does not parse: {e}"));
            let sd = &a.signed_data;
            assert_eq!(
                sd.final_challenge_hash, c.final_challenge_hash,
                "signed another final challenge hash"
            );
            match c.transaction_content {
                Some(content) => {
                    assert_eq!(
                        sd.assertion_info.authentication_mode, 2,
                        "a transaction signed without mode 0x02"
                    );
                    assert_eq!(
                        sd.transaction_content_hash,
                        Sha256::digest(content).as_slice(),
                        "transaction hash"
                    );
                }
                None => {
                    assert_eq!(sd.assertion_info.authentication_mode, 1);
                    assert!(sd.transaction_content_hash.is_empty());
                }
            }
            if let Some((k, counters_none)) = registered {
                if sd.key_id == k.key_id.as_slice() {
                    verify(k.alg, &k.public_key, sd.raw, a.signature).unwrap_or_else(|e| {
                        panic!("the assertion does not verify with the registered key: {e}")
                    });
                    if counters_none {
                        assert_eq!(
                            sd.sign_counter, 0,
                            "a counter from an authenticator without counters"
                        );
                    } else if let Some(last) = k.last_counter {
                        assert!(
                            sd.sign_counter > last,
                            "the sign counter went from {last} to {}",
                            sd.sign_counter
                        );
                    }
                    k.last_counter = Some(sd.sign_counter);
                }
            }
            None
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/// The caller facets the client target picks from.
const FACETS: &[&str] = &[
    "https://example.com",
    "https://login.example.com",
    "https://evil.example",
    "android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfM",
    "ios:bundle-id:com.example.app",
    "https://example.com:8443",
];

/// The trusted facet list the client target may pass.
fn trusted_list() -> &'static TrustedFacetList {
    static LIST: OnceLock<TrustedFacetList> = OnceLock::new();
    LIST.get_or_init(|| {
        TrustedFacetList::parse(
            r#"{"trustedFacets":[{"version":{"major":1,"minor":0},"ids":["https://example.com","https://login.example.com","android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfM","https://evil.example"]}]}"#,
        )
        .expect("the harness trusted facet list")
    })
}

/// A valid registration request (AppID `https://example.com/facets.json`).
pub(crate) const CLIENT_REG_REQUEST: &str = r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Reg","appID":"https://example.com/facets.json","serverData":"c2VydmVyIGRhdGE"},"challenge":"AAECAwQFBgcICQoLDA0ODw","username":"alice","policy":{"accepted":[[{"aaid":["FFFF#FC01"]}]]}}]"#;
/// A valid authentication request.
pub(crate) const CLIENT_AUTH_REQUEST: &str = r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Auth","appID":"https://example.com/facets.json","serverData":"c2VydmVyIGRhdGE"},"challenge":"EBESExQVFhcYGRobHB0eHw","policy":{"accepted":[[{"aaid":["FFFF#FC01"]}]]}}]"#;

/// The FIDO client: `Client::process` on a request message, with the simulated authenticator
/// or with authenticator responses taken from the input.
///
/// Input: `[facet selector, flags, rest…]`. Flags: bit 0 pass the trusted facet list; bit 1
/// "malicious authenticator" mode; bit 2 register first (so authentication finds a key); bit 3
/// (malicious mode) then the authentication request instead of the registration request. Normal
/// mode: `rest` is the request text. Malicious mode: the request is a fixed valid one and
/// `rest` holds the authenticator's responses (`len u16 LE, bytes`…), one per command.
///
/// Invariant: a response message is only produced for an authorised caller (empty AppID,
/// AppID equal to the facet, a web facet of the AppID's host, or a facet in the trusted list)
/// and is bound to the request: same `upv` and `serverData`, `fcParams` with the request's
/// challenge, the caller's facet and the AppID used, every assertion over SHA-256 of that
/// `fcParams` (the last only with the genuine authenticator: the client forwards what an
/// authenticator signs, and the relying party judges it).
pub fn client(data: &[u8]) {
    let [facet_sel, flags, rest @ ..] = data else {
        return;
    };
    let facet = FACETS
        .get(usize::from(*facet_sel) % FACETS.len())
        .copied()
        .unwrap_or("https://example.com");
    let with_list = flags & 1 != 0;
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    if flags & 2 != 0 {
        // Malicious authenticator: the responses come from the input.
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        let mut r = rest;
        while let Some(([l0, l1], t)) = r.split_first_chunk::<2>().map(|(h, t)| (*h, t)) {
            let (c, t) = t
                .split_at_checked(usize::from(u16::from_le_bytes([l0, l1])))
                .unwrap_or((t, &[]));
            chunks.push(c.to_vec());
            r = t;
        }
        let mut responses = chunks.into_iter();
        let transport = FnTransport(move |_command: &[u8]| responses.next().unwrap_or_default());
        let mut client = Client::new(ClientConfig::default(), &mut rng);
        client.add_authenticator(transport, AuthenticatorOptions::with_version(1));
        if flags & 4 != 0 {
            let _ = client.process(&ClientRequest::new(
                CLIENT_REG_REQUEST,
                "https://example.com",
            ));
        }
        let text = if flags & 8 == 0 {
            CLIENT_REG_REQUEST
        } else {
            CLIENT_AUTH_REQUEST
        };
        run_client(&mut client, text, facet, with_list, false);
        return;
    }
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    let phone = Authenticator::new(profile(0x02), ChaCha20Rng::from_seed([5; 32]), user(0))
        .expect("an authenticator");
    let mut client = Client::new(ClientConfig::default(), &mut rng);
    client.add_authenticator(phone, AuthenticatorOptions::with_version(1));
    if flags & 4 != 0 {
        let _ = client.process(&ClientRequest::new(
            CLIENT_REG_REQUEST,
            "https://example.com",
        ));
    }
    run_client(&mut client, text, facet, with_list, true);
}

/// Runs one request through `client` and checks the outcome. `genuine`: the authenticator is
/// the real simulated one (a malicious authenticator's assertions are its own business: the
/// client forwards them and the relying party judges them).
fn run_client<T: uaf_client::AuthenticatorTransport>(
    client: &mut Client<T>,
    text: &str,
    facet: &str,
    with_list: bool,
    genuine: bool,
) {
    let mut request = ClientRequest::new(text, facet);
    if with_list {
        request = request.trusted_facets(trusted_list());
    }
    let Ok(outcome) = client.process(&request) else {
        return;
    };
    let Some(response) = outcome.response() else {
        // A deregistration: it parses as one.
        assert!(
            DeregistrationRequest::parse_array(text, &DecodeOptions::new()).is_ok(),
            "a deregistration outcome for a request that is not one"
        );
        return;
    };
    // The request message answered: the one with the response's version.
    let (header, challenge) = match outcome {
        ClientOutcome::Registration(_) => {
            let requests = RegistrationRequest::parse_array(text, &DecodeOptions::new())
                .expect("the client answered a registration request");
            let r = requests
                .into_iter()
                .find(|r| r.header.upv == response.upv)
                .expect("the answered version is in the request");
            (r.header, r.challenge)
        }
        _ => {
            let requests = AuthenticationRequest::parse_array(text, &DecodeOptions::new())
                .expect("the client answered an authentication request");
            let r = requests
                .into_iter()
                .find(|r| r.header.upv == response.upv)
                .expect("the answered version is in the request");
            (r.header, r.challenge)
        }
    };
    let request_app_id = header
        .app_id
        .as_ref()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_default();
    check_facet_authorised(&request_app_id, facet, with_list);
    let expected_app_id = if request_app_id.is_empty() {
        facet.to_owned()
    } else {
        request_app_id
    };
    assert_eq!(response.app_id.as_str(), expected_app_id, "the AppID used");
    let (resp_header, fc_text, assertions): (OperationHeader, String, Vec<Vec<u8>>) =
        if matches!(outcome, ClientOutcome::Registration(_)) {
            let r = RegistrationResponse::parse_array(&response.message, &DecodeOptions::new())
                .unwrap_or_else(|e| {
                    panic!("the client's registration response does not parse: {e}")
                });
            let a = r
                .assertions
                .iter()
                .map(|a| {
                    a.decode_assertion(Base64Policy::Strict)
                        .expect("strict base64url")
                })
                .collect();
            (r.header, r.fc_params, a)
        } else {
            let r = AuthenticationResponse::parse_array(&response.message, &DecodeOptions::new())
                .unwrap_or_else(|e| {
                    panic!("the client's authentication response does not parse: {e}")
                });
            let a = r
                .assertions
                .iter()
                .map(|a| {
                    a.decode_assertion(Base64Policy::Strict)
                        .expect("strict base64url")
                })
                .collect();
            (r.header, r.fc_params, a)
        };
    assert_eq!(resp_header.upv, header.upv, "the response's version");
    assert_eq!(
        resp_header.server_data, header.server_data,
        "serverData echoed"
    );
    assert_eq!(
        fc_text, response.fc_params,
        "the fcParams reported are the ones sent"
    );
    let fcp = FinalChallengeParams::from_fc_params(&fc_text, Base64Policy::Strict)
        .unwrap_or_else(|e| panic!("the client's fcParams do not decode: {e}"));
    assert_eq!(
        fcp.challenge, challenge,
        "fcParams carry the request's challenge"
    );
    assert_eq!(fcp.facet_id, facet, "fcParams carry the caller's facet");
    assert_eq!(
        fcp.app_id.as_str(),
        expected_app_id,
        "fcParams carry the AppID"
    );
    let fch = Sha256::digest(fc_text.as_bytes());
    for a in assertions.iter().filter(|_| genuine) {
        let found = RegAssertion::parse(a)
            .map(|r| r.krd.final_challenge_hash)
            .or_else(|_| AuthAssertion::parse(a).map(|s| s.signed_data.final_challenge_hash));
        if let Ok(h) = found {
            assert_eq!(h, fch.as_slice(), "an assertion over other fcParams");
        }
    }
}

/// The facet check the client must have made before answering (a necessary condition).
fn check_facet_authorised(app_id: &str, facet: &str, with_list: bool) {
    if app_id.is_empty() || app_id == facet {
        return;
    }
    let same_host = match (FacetId::origin_of_url(app_id), FacetId::parse(facet)) {
        (Ok(a), Ok(f)) => a.host().is_some() && a.host() == f.host(),
        _ => false,
    };
    let listed = with_list
        && trusted_list()
            .trusted_facets
            .iter()
            .any(|t| t.ids.iter().any(|id| id == facet));
    assert!(
        same_host || listed,
        "the client answered AppID {app_id:?} for facet {facet:?} (trusted list passed: {with_list})"
    );
}

/// Seeds of the `authenticator` and `client` targets.
pub(crate) fn seeds(out: &mut Vec<(&'static str, Vec<u8>)>, commands: &[Vec<u8>]) {
    let chunk = |kind: u8, payload: &[u8]| {
        let mut v = vec![kind];
        v.extend_from_slice(&u16::try_from(payload.len()).unwrap_or(0).to_le_bytes());
        v.extend_from_slice(payload);
        v
    };
    let fch = [0x22u8; 32];
    let mut tx = fch.to_vec();
    tx.extend_from_slice(b"Pay 10 EUR to Bob?");
    for bits in [0x00u8, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x05] {
        let mut seed = vec![bits];
        for c in [
            chunk(4, &[]),
            chunk(1, &fch),
            chunk(1, &tx),
            chunk(1, &fch),
            chunk(2, &fch),
            chunk(3, &[]),
        ] {
            seed.extend_from_slice(&c);
        }
        out.push(("authenticator", seed));
    }
    for c in commands {
        let mut seed = vec![0x01];
        seed.extend_from_slice(&chunk(0, c));
        out.push(("authenticator", seed));
    }
    let dereg = r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Dereg","appID":"https://example.com/facets.json"},"authenticators":[{"aaid":"FFFF#FC01","keyID":""}]}]"#;
    for (facet, flags, text) in [
        (0u8, 0u8, CLIENT_REG_REQUEST),
        (0, 4, CLIENT_AUTH_REQUEST),
        (0, 4, dereg),
        (1, 0, CLIENT_REG_REQUEST),
        (2, 0, CLIENT_REG_REQUEST),
        (3, 1, CLIENT_REG_REQUEST),
        (3, 0, CLIENT_REG_REQUEST),
        (4, 1, CLIENT_REG_REQUEST),
        (5, 0, CLIENT_REG_REQUEST),
    ] {
        let mut seed = vec![facet, flags];
        seed.extend_from_slice(text.as_bytes());
        out.push(("client", seed));
    }
    // Malicious-authenticator mode: the genuine authenticator's responses, recorded.
    for flags in [0x02u8, 0x06, 0x0e] {
        let phone = core::cell::RefCell::new(
            Authenticator::new(profile(0x02), ChaCha20Rng::from_seed([5; 32]), user(0))
                .expect("an authenticator"),
        );
        let log = core::cell::RefCell::new(Vec::new());
        let transport = FnTransport(|command: &[u8]| {
            let r = phone.borrow_mut().process(command);
            log.borrow_mut().push(r.clone());
            r
        });
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let mut client = Client::new(ClientConfig::default(), &mut rng);
        client.add_authenticator(transport, AuthenticatorOptions::with_version(1));
        if flags & 4 != 0 {
            let _ = client.process(&ClientRequest::new(
                CLIENT_REG_REQUEST,
                "https://example.com",
            ));
        }
        let text = if flags & 8 == 0 {
            CLIENT_REG_REQUEST
        } else {
            CLIENT_AUTH_REQUEST
        };
        let _ = client.process(&ClientRequest::new(text, "https://example.com"));
        drop(client);
        let mut seed = vec![0u8, flags];
        for r in log.into_inner() {
            seed.extend_from_slice(&u16::try_from(r.len()).unwrap_or(0).to_le_bytes());
            seed.extend_from_slice(&r);
        }
        out.push(("client", seed));
    }
}
