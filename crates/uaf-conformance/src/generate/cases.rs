//! The catalogue of generated vectors. Each function adds one family; every case says what it
//! checks, which step must decide it and which status the server must answer.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use serde_json::{Value, json};
use uaf_authenticator::{
    AttestationConfig, AttestationCredentials, Counters, Fault, Profile, TransactionDisplay,
};
use uaf_client::ClientFault;
use uaf_proto::assertion::{AuthAssertion, ParseOptions, RegAssertion};
use uaf_proto::b64::{self, Base64Policy};
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{
    AuthenticationResponse, ChannelBinding, DecodeOptions, DisplayPngCharacteristicsDescriptor,
    MatchCriteria, Policy, RegistrationResponse, Transaction, TrustedFacetList,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType, UserVerify};
use uaf_rp::step::StepId;
use uaf_rp::{DeregistrationTarget, Registration};

use super::handmade;
use super::sim::{Answer, Phone, Server, profile};
use super::{ANDROID_FACET, APP_ID, Case, CaseError, FACET, NOW, Origin, Suite, USER};
use crate::vector::{
    AttestationMode, Base64Mode, ChannelBindingValues, CounterMode, DeletedKey, Expect,
    ExpectedKey, ExpectedStatus, Op, RpSettings, StatusCodes, UvMode,
};

type R<T> = Result<T, CaseError>;

/// A text edit of a response: id suffix, description, the edit, Reg step, Auth step.
type TextEdit = (
    &'static str,
    &'static str,
    fn(&str) -> R<String>,
    StepId,
    StepId,
);

/// A deregistration target and the owner whose records the request is built from.
type Target = fn() -> R<(DeregistrationTarget, &'static str)>;

/// A deregistration case: id, target, deleted `(AAID, key byte)`, status, description.
type DeregCase = (
    &'static str,
    Target,
    Vec<(&'static str, u8)>,
    u16,
    &'static str,
);

/// Adds every family, in a stable order.
pub(super) fn all(s: &mut Suite) {
    basic(s);
    message_level(s);
    client_faults(s);
    facet_lists(s);
    challenges(s);
    policy(s);
    metadata_status(s);
    status_sentences(s);
    algorithms(s);
    authenticator_faults(s);
    transactions(s);
    multi_assertion(s);
    certificates(s);
    counters(s);
    status_modes(s);
    compat(s);
    critical_tags_outside_signed_data(s);
    requests(s);
    assertion_ops(s);
    deregistration(s);
}

// ------------------------------------------------------------------------------------------
// Building blocks
// ------------------------------------------------------------------------------------------

/// The generated RP: the AppID, its web origin and the conformance tool's Android facet.
fn settings() -> RpSettings {
    let mut s = RpSettings::new(APP_ID, NOW);
    s.trusted_facets = Some(vec![FACET.into(), ANDROID_FACET.into()]);
    s
}

fn steps_with(prefix: &str) -> Vec<StepId> {
    StepId::ALL
        .iter()
        .copied()
        .filter(|s| s.id().starts_with(prefix))
        .chain([StepId::RequestGeneration])
        .collect()
}

/// A per-assertion failure decides at `step` and makes the operation fail at R6 / A6.
fn per_assertion(step: StepId) -> Vec<StepId> {
    if step.id().starts_with("REG-") {
        vec![step, StepId::RegResult]
    } else {
        vec![step, StepId::AuthResult]
    }
}

fn default_profile(aaid: &str) -> R<Profile> {
    Ok(profile(aaid)?.build()?)
}

fn built(b: uaf_authenticator::ProfileBuilder) -> R<Profile> {
    Ok(b.build()?)
}

/// A relying party, a phone, and the metadata of the phone's authenticators.
struct World {
    name: String,
    phone: Phone,
    metadata: Vec<Value>,
    server: Server,
    policy: Option<Policy>,
    salt: u64,
}

impl World {
    fn new(name: &str, profiles: Vec<Profile>, rp: RpSettings, policy: Option<Policy>) -> R<World> {
        let phone = Phone::new(profiles, name)?;
        let metadata = phone.metadata()?;
        let server = Server::new(&rp, &metadata, policy.clone())?;
        Ok(World {
            name: String::from(name),
            phone,
            metadata,
            server,
            policy,
            salt: 10,
        })
    }

    fn simple(name: &str, aaid: &str) -> R<World> {
        World::new(name, vec![default_profile(aaid)?], settings(), None)
    }

    fn next_salt(&mut self) -> u64 {
        self.salt = self.salt.saturating_add(1);
        self.salt
    }

    /// A registration request for `user` and the phone's answer.
    fn reg_exchange(
        &mut self,
        user: &str,
        existing: &[Registration],
        how: &Answer<'_>,
    ) -> R<(String, String, uaf_rp::PendingRegistration)> {
        let salt = self.next_salt();
        let (req, pending) = self.server.start_reg(user, existing, &self.name, salt)?;
        let request = req.to_json();
        let response = self.phone.answer(&request, how)?;
        Ok((request, response, pending))
    }

    /// The RP that enrolls keys before an authentication case: the case's RP with a fresh
    /// challenge (no `issued_at` in the past).
    fn enrollment_server(&self) -> R<Server> {
        let mut rp = self.server.settings.clone();
        rp.issued_at = None;
        rp.challenge_ttl_s = None;
        Server::new(&rp, &self.metadata, self.policy.clone())
    }

    /// A clean registration, verified by the RP: the records it stores.
    fn enroll(&mut self, user: &str) -> R<Vec<Registration>> {
        self.enroll_with(user, &Answer::default())
    }

    /// A clean registration answered as `how` says (facet, channel binding).
    fn enroll_with(&mut self, user: &str, how: &Answer<'_>) -> R<Vec<Registration>> {
        let server = self.enrollment_server()?;
        let salt = self.next_salt();
        let (req, pending) = server.start_reg(user, &[], &self.name, salt)?;
        let response = self.phone.answer(&req.to_json(), how)?;
        server.finish_reg(&response, pending, &[])
    }

    /// An authentication request (for `user`'s `regs`, or for anyone) and the answer.
    fn auth_exchange(
        &mut self,
        user: Option<&str>,
        regs: &[Registration],
        transaction: Vec<Transaction>,
        how: &Answer<'_>,
    ) -> R<(String, String, uaf_rp::PendingAuthentication)> {
        let salt = self.next_salt();
        let (req, pending) =
            self.server
                .start_auth(user.map(|u| (u, regs)), transaction, &self.name, salt)?;
        let request = req.to_json();
        let response = self.phone.answer(&request, how)?;
        Ok((request, response, pending))
    }

    /// A clean authentication of `user`; returns the registrations with counters advanced.
    fn authenticate(&mut self, user: &str, regs: &[Registration]) -> R<Vec<Registration>> {
        let server = self.enrollment_server()?;
        let salt = self.next_salt();
        let (req, pending) = server.start_auth(Some((user, regs)), Vec::new(), &self.name, salt)?;
        let response = self.phone.answer(&req.to_json(), &Answer::default())?;
        server.finish_auth(&response, pending, regs)
    }

    fn case(&self, id: &str, description: &str, op: Op, expect: Expect) -> Case {
        let mut c = Case::new(id, description, op, self.server.settings.clone(), expect);
        c.metadata = self.metadata.clone();
        c
    }

    fn reg_case(
        &self,
        id: &str,
        description: &str,
        steps: Vec<StepId>,
        request: String,
        response: String,
        expect: Expect,
    ) -> Case {
        let mut c = self.case(id, description, Op::Reg, expect);
        c.steps = steps;
        c.request = Some(request);
        c.response = Some(response);
        c
    }

    #[allow(clippy::too_many_arguments)]
    fn auth_case(
        &self,
        id: &str,
        description: &str,
        steps: Vec<StepId>,
        user: Option<&str>,
        regs: &[Registration],
        request: String,
        response: String,
        expect: Expect,
    ) -> Case {
        let mut c = self.case(id, description, Op::Auth, expect);
        c.steps = steps;
        c.rp.username = user.map(String::from);
        c.registrations = regs.to_vec();
        c.request = Some(request);
        c.response = Some(response);
        c
    }
}

/// Parse options that skip unknown critical tags (for the `unknown-critical-tags` cases).
fn lax() -> ParseOptions {
    ParseOptions::new().with_unknown_critical_tags(true)
}

/// What a registration response should store, read from its assertions (not from the RP).
fn registered_in(response: &str, policy: Base64Policy) -> R<Vec<ExpectedKey>> {
    let msg =
        RegistrationResponse::parse_array(response, &DecodeOptions::new().with_base64(policy))?;
    let mut out = Vec::new();
    for a in &msg.assertions {
        let tlv = a.decode_assertion(policy)?;
        let r = RegAssertion::parse_with(&tlv, lax())?;
        out.push(ExpectedKey {
            aaid: r.krd.aaid.as_str().to_string(),
            key_id: b64::encode(r.krd.key_id),
            public_key: b64::encode(r.krd.pub_key),
            public_key_encoding: r.krd.assertion_info.pub_key_alg.value(),
            sign_alg: r.krd.assertion_info.sign_alg.value(),
            sign_counter: r.krd.sign_counter,
        });
    }
    Ok(out)
}

/// The sign counter of an authentication response's first assertion.
fn counter_in(response: &str) -> R<u32> {
    let msg = AuthenticationResponse::parse_array(response, &DecodeOptions::new())?;
    let a = msg
        .assertions
        .first()
        .ok_or(CaseError::Missing("assertion"))?;
    let tlv = a.decode_assertion(Base64Policy::Strict)?;
    Ok(AuthAssertion::parse_with(&tlv, lax())?
        .signed_data
        .sign_counter)
}

/// The first assertion's `assertion` text of a response.
fn assertion_in(response: &str) -> R<String> {
    let v: Value = serde_json::from_str(response)?;
    v.pointer("/0/assertions/0/assertion")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or(CaseError::Missing("assertion in the response"))
}

fn success() -> Expect {
    Expect::status(1200)
}

fn reg_success(response: &str) -> R<Expect> {
    let mut e = success();
    e.registered = Some(registered_in(response, Base64Policy::Strict)?);
    Ok(e)
}

fn status(code: u16) -> Expect {
    Expect::status(code)
}

/// Edits the response's JSON (re-serialised compactly; `fcParams` and `assertion` strings are
/// kept byte for byte).
fn edit_json(response: &str, f: impl FnOnce(&mut Value) -> R<()>) -> R<String> {
    let mut v: Value = serde_json::from_str(response)?;
    f(&mut v)?;
    Ok(v.to_string())
}

fn message_mut(v: &mut Value) -> R<&mut serde_json::Map<String, Value>> {
    v.get_mut(0)
        .and_then(Value::as_object_mut)
        .ok_or(CaseError::Malformed("not a message array"))
}

fn header_mut(v: &mut Value) -> R<&mut serde_json::Map<String, Value>> {
    message_mut(v)?
        .get_mut("header")
        .and_then(Value::as_object_mut)
        .ok_or(CaseError::Missing("header"))
}

fn set_header(v: &mut Value, key: &str, value: Value) -> R<()> {
    header_mut(v)?.insert(String::from(key), value);
    Ok(())
}

fn set_first_assertion(v: &mut Value, key: &str, value: Value) -> R<()> {
    message_mut(v)?
        .get_mut("assertions")
        .and_then(|a| a.get_mut(0))
        .and_then(Value::as_object_mut)
        .ok_or(CaseError::Missing("assertion"))?
        .insert(String::from(key), value);
    Ok(())
}

fn trusted_list() -> R<TrustedFacetList> {
    Ok(TrustedFacetList::parse(&format_facets(&[
        ANDROID_FACET,
        FACET,
    ]))?)
}

fn format_facets(ids: &[&str]) -> String {
    json!({"trustedFacets": [{"version": {"major": 1, "minor": 0}, "ids": ids}]}).to_string()
}

fn cb(server_end_point: &str) -> ChannelBinding {
    ChannelBinding {
        server_end_point: Some(String::from(server_end_point)),
        ..ChannelBinding::default()
    }
}

/// A policy that accepts any UAFV1TLV authenticator with these algorithms (no user
/// verification requirement), for cases where the RP's own requirements must decide.
fn permissive_policy(algs: Vec<AlgSign>) -> Policy {
    Policy {
        accepted: vec![vec![MatchCriteria {
            authentication_algorithms: Some(algs),
            assertion_schemes: Some(vec![String::from("UAFV1TLV")]),
            ..MatchCriteria::default()
        }]],
        disallowed: Vec::new(),
    }
}

/// An MDS3 BLOB entry around `statement` with these `(status, effectiveDate)` reports.
fn blob_entry(statement: &Value, reports: &[(&str, &str)]) -> R<Value> {
    let aaid = statement
        .get("aaid")
        .cloned()
        .ok_or(CaseError::Missing("aaid in the metadata statement"))?;
    let list: Vec<Value> = reports
        .iter()
        .map(|(s, d)| json!({"status": s, "effectiveDate": d}))
        .collect();
    let last = reports.last().map_or("2023-01-01", |(_, d)| *d);
    Ok(json!({
        "aaid": aaid,
        "metadataStatement": statement,
        "statusReports": list,
        "timeOfLastStatusChange": last,
    }))
}

// ------------------------------------------------------------------------------------------
// Families
// ------------------------------------------------------------------------------------------

/// A clean registration and authentication: every step passed, replays refused.
fn basic(s: &mut Suite) {
    s.add("reg-basic", |id| {
        let mut w = World::simple(id, "F1D0#0001")?;
        let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
        let mut e = reg_success(&resp)?;
        e.replay_status = Some(ExpectedStatus::One(1491));
        Ok(w.reg_case(
            id,
            "A clean registration (basic full attestation, P-256, PIN): accepted; the same response again is a replay (1491)",
            steps_with("REG-"),
            req,
            resp,
            e,
        ))
    });
    s.add("auth-basic", |id| {
        let mut w = World::simple(id, "F1D0#0001")?;
        let regs = w.enroll(USER)?;
        let (req, resp, _) =
            w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
        let mut e = success();
        e.sign_counter = Some(counter_in(&resp)?);
        e.replay_status = Some(ExpectedStatus::One(1491));
        Ok(w.auth_case(
            id,
            "A clean authentication of the registered key: accepted, the counter advances; the same response again is a replay (1491)",
            steps_with("AUTH-"),
            Some(USER),
            &regs,
            req,
            resp,
            e,
        ))
    });
    s.add("auth-any-user", |id| {
        let mut w = World::simple(id, "F1D0#0001")?;
        let regs = w.enroll(USER)?;
        let (req, resp, _) = w.auth_exchange(None, &regs, Vec::new(), &Answer::default())?;
        let mut e = success();
        e.sign_counter = Some(counter_in(&resp)?);
        Ok(w.auth_case(
            id,
            "Sign-in without a username: the request accepts any registered key, and the key's owner signs in",
            vec![StepId::AuthRegistration],
            None,
            &regs,
            req,
            resp,
            e,
        ))
    });
}

/// Message-level defects made by editing the JSON of a clean response.
#[allow(clippy::too_many_lines)]
fn message_level(s: &mut Suite) {
    type Edit = fn(&mut Value) -> R<()>;
    // (suffix, description, edit, step, status); `op` and text edits are per operation.
    let common: Vec<(&str, &str, Edit, StepId, StepId, u16)> = vec![
        (
            "members-assertions-missing",
            "The message has no `assertions` member",
            |v| {
                message_mut(v)?.remove("assertions");
                Ok(())
            },
            StepId::RegMembers,
            StepId::AuthMembers,
            1498,
        ),
        (
            "members-assertions-empty",
            "`assertions` is an empty array",
            |v| {
                message_mut(v)?.insert("assertions".into(), json!([]));
                Ok(())
            },
            StepId::RegMembers,
            StepId::AuthMembers,
            1498,
        ),
        (
            "members-header-missing",
            "The message has no `header`",
            |v| {
                message_mut(v)?.remove("header");
                Ok(())
            },
            StepId::RegMembers,
            StepId::AuthMembers,
            1498,
        ),
        (
            "version-unsupported",
            "`header.upv` is 1.7, a version the RP does not support",
            |v| set_header(v, "upv", json!({"major": 1, "minor": 7})),
            StepId::RegVersion,
            StepId::AuthVersion,
            1498,
        ),
        (
            "version-not-the-requests",
            "`header.upv` is 1.0 (supported) but the request was issued as 1.1",
            |v| set_header(v, "upv", json!({"major": 1, "minor": 0})),
            StepId::RegVersion,
            StepId::AuthVersion,
            1498,
        ),
        (
            "version-empty-object",
            "`header.upv` is `{}`",
            |v| set_header(v, "upv", json!({})),
            StepId::RegVersion,
            StepId::AuthVersion,
            1498,
        ),
        (
            "header-app-id-mismatch",
            "`header.appID` is another AppID than the request's",
            |v| set_header(v, "appID", json!("https://evil.example.com/facets.json")),
            StepId::RegHeaderAppId,
            StepId::AuthHeaderAppId,
            1498,
        ),
        (
            "header-app-id-absent",
            "`header.appID` is absent, which is allowed: accepted",
            |v| {
                header_mut(v)?.remove("appID");
                Ok(())
            },
            StepId::RegHeaderAppId,
            StepId::AuthHeaderAppId,
            1200,
        ),
        (
            "header-exts-unknown-critical",
            "`header.exts` holds an unknown extension with `fail_if_unknown: true`",
            |v| {
                set_header(
                    v,
                    "exts",
                    json!([{"id": "x.critical", "data": "", "fail_if_unknown": true}]),
                )
            },
            StepId::RegHeaderExts,
            StepId::AuthHeaderExts,
            1498,
        ),
        (
            "header-exts-unknown-optional",
            "`header.exts` holds an unknown extension with `fail_if_unknown: false`: ignored, accepted",
            |v| {
                set_header(
                    v,
                    "exts",
                    json!([{"id": "x.optional", "data": "", "fail_if_unknown": false}]),
                )
            },
            StepId::RegHeaderExts,
            StepId::AuthHeaderExts,
            1200,
        ),
        (
            "server-data-tampered",
            "`header.serverData` is not the value issued",
            |v| set_header(v, "serverData", json!("dGFtcGVyZWQ")),
            StepId::RegServerData,
            StepId::AuthServerData,
            1491,
        ),
        (
            "server-data-missing",
            "`header.serverData` is missing although the request carried one",
            |v| {
                header_mut(v)?.remove("serverData");
                Ok(())
            },
            StepId::RegServerData,
            StepId::AuthServerData,
            1491,
        ),
        (
            "fc-params-not-base64url",
            "`fcParams` is not base64url",
            |v| {
                message_mut(v)?.insert("fcParams".into(), json!("not-base64!"));
                Ok(())
            },
            StepId::RegFcParams,
            StepId::AuthFcParams,
            1498,
        ),
        (
            "fc-params-not-json",
            "`fcParams` decodes to text that is not JSON",
            |v| {
                message_mut(v)?.insert("fcParams".into(), json!(b64::encode(b"not json")));
                Ok(())
            },
            StepId::RegFcParams,
            StepId::AuthFcParams,
            1498,
        ),
        (
            "assertion-scheme-unknown",
            "`assertionScheme` is `UAFV2TLV`",
            |v| set_first_assertion(v, "assertionScheme", json!("UAFV2TLV")),
            StepId::RegAssertionScheme,
            StepId::AuthAssertionScheme,
            1498,
        ),
        (
            "assertion-not-tlv",
            "`assertion` is base64url of four bytes that are no assertion TLV",
            |v| set_first_assertion(v, "assertion", json!("AQIDBA")),
            StepId::RegTlv,
            StepId::AuthTlv,
            1498,
        ),
    ];
    for op in [Op::Reg, Op::Auth] {
        let prefix = if op == Op::Reg { "reg" } else { "auth" };
        for (suffix, what, edit, reg_step, auth_step, code) in &common {
            let step = if op == Op::Reg { *reg_step } else { *auth_step };
            let id = alloc::format!("{prefix}-{suffix}");
            let steps = if matches!(
                step,
                StepId::RegAssertionScheme
                    | StepId::RegTlv
                    | StepId::AuthAssertionScheme
                    | StepId::AuthTlv
            ) {
                per_assertion(step)
            } else {
                vec![step]
            };
            let edit = *edit;
            let code = *code;
            let what = *what;
            s.add(&id, |id| {
                edited(id, op, what, steps, code, |t| edit_json(t, edit))
            });
        }
        let text_edits: Vec<TextEdit> = vec![
            (
                "parse-not-json",
                "The response is not JSON",
                |_| Ok(String::from("not json")),
                StepId::RegParse,
                StepId::AuthParse,
            ),
            (
                "parse-empty-array",
                "The response is an empty array",
                |_| Ok(String::from("[]")),
                StepId::RegParse,
                StepId::AuthParse,
            ),
            (
                "parse-two-messages",
                "The response array holds the message twice",
                |t| {
                    edit_json(t, |v| {
                        let m = v
                            .get(0)
                            .cloned()
                            .ok_or(CaseError::Missing("message in the array"))?;
                        *v = json!([m.clone(), m]);
                        Ok(())
                    })
                },
                StepId::RegParse,
                StepId::AuthParse,
            ),
            (
                "parse-object-not-array",
                "The response is the message object itself, not an array",
                |t| {
                    edit_json(t, |v| {
                        *v = v
                            .get(0)
                            .cloned()
                            .ok_or(CaseError::Missing("message in the array"))?;
                        Ok(())
                    })
                },
                StepId::RegParse,
                StepId::AuthParse,
            ),
            (
                "op-wrong",
                "`header.op` names the other operation",
                |t| {
                    edit_json(t, |v| {
                        let other = match header_mut(v)?.get("op").and_then(Value::as_str) {
                            Some("Reg") => "Auth",
                            _ => "Reg",
                        };
                        set_header(v, "op", json!(other))
                    })
                },
                StepId::RegOp,
                StepId::AuthOp,
            ),
            (
                "op-wrong-case",
                "`header.op` is the right name in upper case",
                |t| {
                    edit_json(t, |v| {
                        let op = header_mut(v)?
                            .get("op")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_uppercase();
                        set_header(v, "op", json!(op))
                    })
                },
                StepId::RegOp,
                StepId::AuthOp,
            ),
            (
                "assertion-padded-base64",
                "`assertion` has `==` appended (padded base64url, refused by strict decoding)",
                |t| {
                    edit_json(t, |v| {
                        let a = assertion_in(&v.to_string())?;
                        set_first_assertion(v, "assertion", json!(alloc::format!("{a}==")))
                    })
                },
                StepId::RegTlv,
                StepId::AuthTlv,
            ),
        ];
        for (suffix, what, edit, reg_step, auth_step) in text_edits {
            let step = if op == Op::Reg { reg_step } else { auth_step };
            let id = alloc::format!("{prefix}-{suffix}");
            s.add(&id, |id| edited(id, op, what, vec![step], 1498, edit));
        }
    }
}

/// A clean exchange of `op`, then `edit` applied to the response text.
fn edited(
    id: &str,
    op: Op,
    what: &str,
    steps: Vec<StepId>,
    code: u16,
    edit: impl FnOnce(&str) -> R<String>,
) -> R<Case> {
    let mut w = World::simple(id, "F1D0#0001")?;
    let mut c = if op == Op::Reg {
        let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
        let e = if code == 1200 {
            reg_success(&resp)?
        } else {
            status(code)
        };
        w.reg_case(id, what, steps, req, edit(&resp)?, e)
    } else {
        let regs = w.enroll(USER)?;
        let (req, resp, _) = w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
        w.auth_case(
            id,
            what,
            steps,
            Some(USER),
            &regs,
            req,
            edit(&resp)?,
            status(code),
        )
    };
    c.origin = Origin::Edited;
    Ok(c)
}

/// One exchange of `op` answered with `faults` (and the phone's `how`), judged by `rp`.
#[allow(clippy::too_many_arguments)]
fn client_case(
    id: &str,
    op: Op,
    what: &str,
    rp: RpSettings,
    how: &Answer<'_>,
    steps: Vec<StepId>,
    expect_status: u16,
    replay_first: bool,
) -> R<Case> {
    let mut w = World::new(id, vec![default_profile("F1D0#0001")?], rp, None)?;
    if op == Op::Reg {
        if replay_first {
            w.reg_exchange(
                USER,
                &[],
                &Answer {
                    faults: &[],
                    ..Answer::default()
                },
            )?;
        }
        let (req, resp, _) = w.reg_exchange(USER, &[], how)?;
        let e = if expect_status == 1200 {
            let mut e = success();
            let policy = match w.server.settings.base64 {
                Some(Base64Mode::Lenient) => Base64Policy::Lenient,
                _ => Base64Policy::Strict,
            };
            e.registered = Some(registered_in(&resp, policy)?);
            e
        } else {
            status(expect_status)
        };
        Ok(w.reg_case(id, what, steps, req, resp, e))
    } else {
        let clean = Answer {
            facet: how.facet,
            trusted: how.trusted,
            ..Answer::default()
        };
        let mut regs = w.enroll_with(USER, &clean)?;
        if replay_first {
            let (_, resp, pending) = w.auth_exchange(Some(USER), &regs, Vec::new(), &clean)?;
            regs = w.server.finish_auth(&resp, pending, &regs)?;
        }
        let (req, resp, _) = w.auth_exchange(Some(USER), &regs, Vec::new(), how)?;
        Ok(w.auth_case(
            id,
            what,
            steps,
            Some(USER),
            &regs,
            req,
            resp,
            status(expect_status),
        ))
    }
}

/// Every client fault, for both operations, and the positive counterparts.
fn client_faults(s: &mut Suite) {
    for op in [Op::Reg, Op::Auth] {
        let prefix = if op == Op::Reg { "reg" } else { "auth" };
        let proto_op = if op == Op::Reg {
            uaf_proto::message::Operation::Reg
        } else {
            uaf_proto::message::Operation::Auth
        };
        for fault in ClientFault::ALL {
            let id = alloc::format!("{prefix}-client-{}", fault.name());
            let Some(step) = fault.step_id(proto_op).and_then(StepId::from_id) else {
                s.fail(
                    &id,
                    CaseError::Missing("uaf-rp step named by the client fault"),
                );
                continue;
            };
            let code = match fault {
                ClientFault::WrongChallenge | ClientFault::ReplayPreviousResponse => 1491,
                ClientFault::ChannelBindingMismatch => 1490,
                _ => 1498,
            };
            let mut rp = settings();
            let mut channel = ChannelBinding::default();
            if *fault == ClientFault::ChannelBindingMismatch {
                rp.channel_binding = Some(ChannelBindingValues {
                    server_end_point: Some(String::from("c2VydmVyLWNlcnQtaGFzaA")),
                    ..ChannelBindingValues::default()
                });
                channel = cb("c2VydmVyLWNlcnQtaGFzaA");
            }
            let what = alloc::format!(
                "The client's fault `{}`: {}",
                fault.name(),
                match fault {
                    ClientFault::WrongChallenge =>
                        "fcParams.challenge is not the challenge issued (a foreign challenge)",
                    ClientFault::WrongAppId => "fcParams.appID is another AppID (wrong AppID)",
                    ClientFault::UntrustedFacet =>
                        "fcParams.facetID is a facet the RP does not trust",
                    ClientFault::ChannelBindingMismatch =>
                        "fcParams.channelBinding.serverEndPoint differs from the TLS channel the RP saw",
                    ClientFault::ReplayPreviousResponse =>
                        "the fcParams and assertions of the previous, already verified response (a replayed challenge)",
                    ClientFault::AndroidBase64FcParams =>
                        "fcParams in padded, line-wrapped standard base64, refused under strict decoding",
                    ClientFault::AndroidBase64Assertion =>
                        "the assertion in padded, line-wrapped standard base64, refused under strict decoding",
                    _ => "see uaf-client",
                }
            );
            let steps = if matches!(step, StepId::RegTlv | StepId::AuthTlv) {
                per_assertion(step)
            } else {
                vec![step]
            };
            let faults = [*fault];
            let replay = *fault == ClientFault::ReplayPreviousResponse;
            s.add(&id, |id| {
                let how = Answer {
                    faults: &faults,
                    channel_binding: channel,
                    ..Answer::default()
                };
                client_case(id, op, &what, rp, &how, steps, code, replay)
            });
        }
        // Positive counterparts.
        s.add(&alloc::format!("{prefix}-android-facet-trusted"), |id| {
            let list = trusted_list()?;
            let how = Answer {
                facet: ANDROID_FACET,
                trusted: Some(&list),
                ..Answer::default()
            };
            let step = if op == Op::Reg {
                StepId::RegFacet
            } else {
                StepId::AuthFacet
            };
            client_case(
                id,
                op,
                "An Android app whose facet ID the RP trusts answers: accepted",
                settings(),
                &how,
                vec![step],
                1200,
                false,
            )
        });
        s.add(&alloc::format!("{prefix}-channel-binding-match"), |id| {
            let mut rp = settings();
            rp.channel_binding = Some(ChannelBindingValues {
                server_end_point: Some(String::from("c2VydmVyLWNlcnQtaGFzaA")),
                ..ChannelBindingValues::default()
            });
            let how = Answer {
                channel_binding: cb("c2VydmVyLWNlcnQtaGFzaA"),
                ..Answer::default()
            };
            let step = if op == Op::Reg {
                StepId::RegChannelBinding
            } else {
                StepId::AuthChannelBinding
            };
            client_case(
                id,
                op,
                "fcParams.channelBinding.serverEndPoint equals what the RP saw: accepted",
                rp,
                &how,
                vec![step],
                1200,
                false,
            )
        });
        for (fault, step_reg, step_auth, what) in [
            (
                ClientFault::AndroidBase64FcParams,
                StepId::RegFcParams,
                StepId::AuthFcParams,
                "fcParams in padded, line-wrapped standard base64 (old Android clients), with the RP's lenient base64: accepted (hashed as sent)",
            ),
            (
                ClientFault::AndroidBase64Assertion,
                StepId::RegTlv,
                StepId::AuthTlv,
                "The assertion in padded, line-wrapped standard base64 (old Android clients), with the RP's lenient base64: accepted",
            ),
        ] {
            let id = alloc::format!("{prefix}-lenient-{}", fault.name());
            let step = if op == Op::Reg { step_reg } else { step_auth };
            s.add(&id, |id| {
                let mut rp = settings();
                rp.base64 = Some(Base64Mode::Lenient);
                let faults = [fault];
                let how = Answer {
                    faults: &faults,
                    ..Answer::default()
                };
                client_case(id, op, what, rp, &how, vec![step], 1200, false)
            });
        }
    }
}

/// Expired, boundary and foreign challenges.
fn challenges(s: &mut Suite) {
    for (op, prefix) in [(Op::Reg, "reg"), (Op::Auth, "auth")] {
        let step = if op == Op::Reg {
            StepId::RegChallenge
        } else {
            StepId::AuthChallenge
        };
        for (suffix, ttl, age, code, what) in [
            (
                "challenge-expired",
                None,
                301,
                1491,
                "The response arrives 301 s after the request, past the default 300 s lifetime: expired",
            ),
            (
                "challenge-at-lifetime",
                None,
                300,
                1200,
                "The response arrives exactly 300 s after the request: still valid",
            ),
            (
                "challenge-expired-short-ttl",
                Some(60),
                61,
                1491,
                "A 60 s challenge lifetime, and the response 61 s later: expired",
            ),
        ] {
            let id = alloc::format!("{prefix}-{suffix}");
            s.add(&id, |id| {
                let mut rp = settings();
                rp.challenge_ttl_s = ttl;
                rp.issued_at = Some(NOW - age);
                client_case(
                    id,
                    op,
                    what,
                    rp,
                    &Answer::default(),
                    vec![step],
                    code,
                    false,
                )
            });
        }
        let id = alloc::format!("{prefix}-foreign-request");
        s.add(&id, |id| {
            // The response answers one request; the vector records another one the RP issued.
            let mut w = World::simple(id, "F1D0#0001")?;
            let what = "The response answers another request than the one recorded (another serverData and challenge): refused";
            let sd = if op == Op::Reg {
                StepId::RegServerData
            } else {
                StepId::AuthServerData
            };
            if op == Op::Reg {
                let (_, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
                let (other, _, _) = w.reg_exchange(USER, &[], &Answer::default())?;
                Ok(w.reg_case(id, what, vec![sd], other, resp, status(1491)))
            } else {
                let regs = w.enroll(USER)?;
                let (_, resp, _) =
                    w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
                let (other, _, _) =
                    w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
                Ok(w.auth_case(id, what, vec![sd], Some(USER), &regs, other, resp, status(1491)))
            }
        });
    }
}

/// Registration policy: user verification, attestation requirement, algorithms, duplicates.
#[allow(clippy::too_many_lines)]
fn policy(s: &mut Suite) {
    for (id, uv, code, what) in [
        (
            "reg-uv-presence-only-refused",
            None,
            1492,
            "A presence-only authenticator, under a request policy that accepts it, but the RP requires user verification",
        ),
        (
            "reg-uv-presence-only-any",
            Some(UvMode::Any),
            1200,
            "A presence-only authenticator with the RP's user_verification `any`: accepted",
        ),
    ] {
        s.add(id, |id| {
            let p = built(profile("F1D0#0002")?.user_verification(UserVerify::PRESENCE))?;
            let mut rp = settings();
            rp.user_verification = uv;
            let mut w = World::new(
                id,
                vec![p],
                rp,
                Some(permissive_policy(vec![AlgSign::Secp256r1EcdsaSha256Raw])),
            )?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            Ok(w.reg_case(id, what, per_assertion(StepId::RegPolicy), req, resp, e))
        });
    }
    for (id, surrogate, code, what) in [
        (
            "reg-basic-full-only-refuses-surrogate",
            true,
            1492,
            "Surrogate attestation when the RP requires basic full attestation",
        ),
        (
            "reg-basic-full-only-accepts-full",
            false,
            1200,
            "Basic full attestation when the RP requires it: accepted",
        ),
    ] {
        s.add(id, |id| {
            let mut b = profile("F1D0#0003")?;
            if surrogate {
                b = b.attestation(AttestationConfig::BasicSurrogate);
            }
            let mut rp = settings();
            rp.attestation = Some(AttestationMode::BasicFullOnly);
            let mut w = World::new(id, vec![built(b)?], rp, None)?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            Ok(w.reg_case(id, what, per_assertion(StepId::RegPolicy), req, resp, e))
        });
    }
    for (id, accept, code, what) in [
        (
            "reg-algorithm-not-accepted",
            2_u16,
            1495,
            "The RP accepts only ALG_SIGN 0x0002; the authenticator signs with 0x0001",
        ),
        (
            "reg-algorithm-accepted",
            1_u16,
            1200,
            "The RP accepts only ALG_SIGN 0x0001, the authenticator's: accepted",
        ),
    ] {
        s.add(id, |id| {
            let mut w = World::simple(id, "F1D0#0001")?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            let mut c = w.reg_case(
                id,
                what,
                per_assertion(StepId::RegAssertionInfo),
                req,
                resp,
                e,
            );
            c.rp.accept_algorithms = Some(vec![accept]);
            Ok(c)
        });
    }
    // Duplicates: a KeyID registered already. Hand-built, since a correct authenticator
    // never reuses a KeyID.
    s.add("reg-duplicate-disallowed-by-policy", |id| {
        duplicate(
            id,
            true,
            "The user's second registration carries the KeyID of the first; the request disallows that (AAID, KeyID)",
            StepId::RegPolicy,
            1492,
        )
    });
    s.add("reg-duplicate-already-registered", |id| {
        duplicate(
            id,
            false,
            "A registration for another user carries a KeyID registered already (the request does not name it)",
            StepId::RegKeyId,
            1498,
        )
    });
    // Unknown KeyID and keys of another user.
    s.add("auth-key-of-another-user", |id| {
        let mut w = World::simple(id, "F1D0#0001")?;
        let regs = w.enroll(USER)?;
        let (req, resp, _) = w.auth_exchange(Some("bob"), &regs, Vec::new(), &Answer::default())?;
        Ok(w.auth_case(
            id,
            "The request was issued for bob; alice's registered key answers: unknown KeyID for this user",
            per_assertion(StepId::AuthRegistration),
            Some("bob"),
            &regs,
            req,
            resp,
            status(1481),
        ))
    });
    s.add("auth-metadata-unknown-aaid", |id| {
        let mut w = World::simple(id, "F1D0#0001")?;
        let regs = w.enroll(USER)?;
        let (req, resp, _) = w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
        let mut c = w.auth_case(
            id,
            "The registered authenticator model no longer has metadata",
            per_assertion(StepId::AuthStatus),
            Some(USER),
            &regs,
            req,
            resp,
            status(1480),
        );
        c.metadata.clear();
        Ok(c)
    });
}

/// A hand-built registration reusing a registered KeyID.
fn duplicate(id: &str, same_user: bool, what: &str, step: StepId, code: u16) -> R<Case> {
    let aaid = "F1D0#0004";
    let statement: Value = serde_json::from_str(
        &built(profile(aaid)?.attestation(AttestationConfig::BasicSurrogate))?
            .metadata_statement(&[]),
    )?;
    let metadata = vec![statement];
    let server = Server::new(&settings(), &metadata, None)?;
    let key = handmade::key(id)?;
    let key_id = [0x4B_u8; 32];
    // The first registration.
    let (req1, pending1) = server.start_reg(USER, &[], id, 20)?;
    let fc1 = handmade::fc_params(APP_ID, &req1.challenge.to_base64url(), FACET, Some("{}"));
    let tlv1 = handmade::reg_tlv(aaid, &fc1, &key, &key_id)?;
    let resp1 = handmade::reg_response(&req1.header, fc1, &[tlv1])?;
    let regs = server.finish_reg(&resp1, pending1, &[])?;
    // The second one, same KeyID.
    let (user, existing) = if same_user {
        (USER, regs.as_slice())
    } else {
        ("bob", &[][..])
    };
    let (req2, _) = server.start_reg(user, existing, id, 21)?;
    let fc2 = handmade::fc_params(APP_ID, &req2.challenge.to_base64url(), FACET, Some("{}"));
    let tlv2 = handmade::reg_tlv(
        aaid,
        &fc2,
        &handmade::key(&alloc::format!("{id}-2"))?,
        &key_id,
    )?;
    let resp2 = handmade::reg_response(&req2.header, fc2, &[tlv2])?;
    let mut c = Case::new(id, what, Op::Reg, settings(), status(code));
    c.origin = Origin::Handmade;
    c.steps = per_assertion(step);
    c.metadata = metadata;
    c.registrations = regs;
    c.request = Some(req2.to_json());
    c.response = Some(resp2);
    Ok(c)
}

/// Metadata status reports (MDS3 BLOB entries).
fn metadata_status(s: &mut Suite) {
    for (id, reports, code, what) in [
        (
            "reg-status-revoked",
            &[
                ("FIDO_CERTIFIED_L1", "2022-01-01"),
                ("REVOKED", "2023-06-01"),
            ][..],
            1493,
            "The model's latest status report is REVOKED",
        ),
        (
            "reg-status-attestation-key-compromise",
            &[("ATTESTATION_KEY_COMPROMISE", "2023-06-01")][..],
            1493,
            "The model's status report is ATTESTATION_KEY_COMPROMISE",
        ),
        (
            "reg-status-user-verification-bypass",
            &[("USER_VERIFICATION_BYPASS", "2023-06-01")][..],
            1493,
            "The model's status report is USER_VERIFICATION_BYPASS",
        ),
        (
            "reg-status-certified",
            &[("FIDO_CERTIFIED_L1", "2022-01-01")][..],
            1200,
            "The model's status report is FIDO_CERTIFIED_L1 (an MDS3 BLOB entry): accepted",
        ),
    ] {
        s.add(id, |id| {
            let mut w = World::simple(id, "F1D0#0005")?;
            let statement = w
                .metadata
                .first()
                .cloned()
                .ok_or(CaseError::Missing("metadata"))?;
            let entry = blob_entry(&statement, reports)?;
            w.metadata = vec![entry.clone()];
            w.server = Server::new(&settings(), &[entry], None)?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            Ok(w.reg_case(id, what, per_assertion(StepId::RegStatus), req, resp, e))
        });
    }
    for (id, reports, code, what) in [
        (
            "auth-status-revoked",
            &[("REVOKED", "2023-06-01")][..],
            1493,
            "The model was revoked after the key was registered",
        ),
        (
            "auth-status-user-key-remote-compromise",
            &[("USER_KEY_REMOTE_COMPROMISE", "2023-06-01")][..],
            1493,
            "The model's status report is USER_KEY_REMOTE_COMPROMISE",
        ),
        (
            "auth-status-certified",
            &[("FIDO_CERTIFIED", "2022-01-01")][..],
            1200,
            "The model's status report is FIDO_CERTIFIED: accepted",
        ),
    ] {
        s.add(id, |id| {
            let mut w = World::simple(id, "F1D0#0005")?;
            let regs = w.enroll(USER)?;
            let (req, resp, _) =
                w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
            let statement = w
                .metadata
                .first()
                .cloned()
                .ok_or(CaseError::Missing("metadata"))?;
            let e = if code == 1200 {
                let mut e = success();
                e.sign_counter = Some(counter_in(&resp)?);
                e
            } else {
                status(code)
            };
            let mut c = w.auth_case(
                id,
                what,
                per_assertion(StepId::AuthStatus),
                Some(USER),
                &regs,
                req,
                resp,
                e,
            );
            c.metadata = vec![blob_entry(&statement, reports)?];
            Ok(c)
        });
    }
}

/// One status report: status, effectiveDate, and the report's authenticatorVersion.
type Report = (&'static str, &'static str, Option<u32>);

/// A status-report case: id, reports as listed, status, description.
type ReportCase = (&'static str, &'static [Report], u16, &'static str);

/// An MDS3 BLOB entry for `statement` with the `reports` as listed.
fn blob_entry_reports(statement: &Value, reports: &[Report]) -> R<Value> {
    let aaid = statement
        .get("aaid")
        .cloned()
        .ok_or(CaseError::Missing("aaid in the metadata statement"))?;
    let list: Vec<Value> = reports
        .iter()
        .map(|(status, date, version)| {
            let mut r = json!({"status": status, "effectiveDate": date});
            if let (Some(v), Some(o)) = (version, r.as_object_mut()) {
                o.insert(String::from("authenticatorVersion"), json!(v));
            }
            r
        })
        .collect();
    Ok(json!({
        "aaid": aaid,
        "metadataStatement": statement,
        "statusReports": list,
        "timeOfLastStatusChange": "2023-12-01",
    }))
}

/// One vector per sentence of the format's "Status reports" rule (the simulated
/// authenticator reports AuthenticatorVersion 1, as its metadata statement says).
fn status_sentences(s: &mut Suite) {
    const UVB: &str = "USER_VERIFICATION_BYPASS";
    const UPDATE: &str = "UPDATE_AVAILABLE";
    let reg: [ReportCase; 8] = [
        (
            "reg-status-ordered-by-date-update-listed-first",
            &[(UPDATE, "2023-09-01", Some(1)), (UVB, "2023-06-01", None)],
            1200,
            "Reports are ordered by effectiveDate, not as listed: the UPDATE_AVAILABLE (version 1) listed first is dated after the USER_VERIFICATION_BYPASS, so it fixes it for this version-1 authenticator: accepted",
        ),
        (
            "reg-status-ordered-by-date-update-dated-before",
            &[(UVB, "2023-06-01", None), (UPDATE, "2023-01-01", Some(1))],
            1493,
            "Reports are ordered by effectiveDate: the UPDATE_AVAILABLE listed last is dated before the USER_VERIFICATION_BYPASS, so the compromise stays in force",
        ),
        (
            "reg-status-revoked-is-final",
            &[
                ("REVOKED", "2023-01-01", None),
                (UPDATE, "2023-06-01", Some(1)),
                ("FIDO_CERTIFIED_L1", "2023-09-01", None),
            ],
            1493,
            "REVOKED is final: a later UPDATE_AVAILABLE the authenticator meets and a later FIDO_CERTIFIED_L1 do not clear it",
        ),
        (
            "reg-status-compromise-fixed-by-update",
            &[(UVB, "2023-06-01", None), (UPDATE, "2023-07-01", Some(1))],
            1200,
            "A compromise followed by an UPDATE_AVAILABLE whose authenticatorVersion (1) the assertion meets: accepted",
        ),
        (
            "reg-status-compromise-update-not-met",
            &[(UVB, "2023-06-01", None), (UPDATE, "2023-07-01", Some(2))],
            1493,
            "A compromise followed by an UPDATE_AVAILABLE for version 2; the assertion's AuthenticatorVersion is 1: the compromise stays in force",
        ),
        (
            "reg-status-compromise-update-without-version",
            &[
                ("USER_KEY_PHYSICAL_COMPROMISE", "2023-06-01", None),
                (UPDATE, "2023-07-01", None),
            ],
            1200,
            "A compromise followed by an UPDATE_AVAILABLE without authenticatorVersion: the statement's authenticatorVersion (1) counts, which the assertion meets: accepted",
        ),
        (
            "reg-status-compromise-then-certified",
            &[
                (UVB, "2023-06-01", None),
                ("FIDO_CERTIFIED_L1", "2023-09-01", None),
            ],
            1493,
            "A later FIDO_CERTIFIED_L1 report does not clear a USER_VERIFICATION_BYPASS",
        ),
        (
            "reg-status-update-before-compromise",
            &[
                (UPDATE, "2023-01-01", Some(1)),
                ("ATTESTATION_KEY_COMPROMISE", "2023-06-01", None),
            ],
            1493,
            "An UPDATE_AVAILABLE before the compromise does not fix it: only a later one does",
        ),
    ];
    for (id, reports, code, what) in reg {
        s.add(id, |id| {
            let mut w = World::simple(id, "F1D0#0005")?;
            let statement = w
                .metadata
                .first()
                .cloned()
                .ok_or(CaseError::Missing("metadata"))?;
            let entry = blob_entry_reports(&statement, reports)?;
            w.metadata = vec![entry.clone()];
            w.server = Server::new(&settings(), &[entry], None)?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            Ok(w.reg_case(id, what, per_assertion(StepId::RegStatus), req, resp, e))
        });
    }
    let auth: [ReportCase; 2] = [
        (
            "auth-status-compromise-fixed-by-update",
            &[
                ("USER_KEY_REMOTE_COMPROMISE", "2023-06-01", None),
                (UPDATE, "2023-07-01", Some(1)),
            ],
            1200,
            "After the key was registered, a compromise and then an UPDATE_AVAILABLE whose version (1) the assertion meets: accepted",
        ),
        (
            "auth-status-compromise-update-not-met",
            &[
                ("USER_KEY_REMOTE_COMPROMISE", "2023-06-01", None),
                (UPDATE, "2023-07-01", Some(3)),
            ],
            1493,
            "After the key was registered, a compromise and then an UPDATE_AVAILABLE for version 3; the assertion's AuthenticatorVersion is 1: rejected",
        ),
    ];
    for (id, reports, code, what) in auth {
        s.add(id, |id| {
            let mut w = World::simple(id, "F1D0#0005")?;
            let regs = w.enroll(USER)?;
            let (req, resp, _) =
                w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
            let statement = w
                .metadata
                .first()
                .cloned()
                .ok_or(CaseError::Missing("metadata"))?;
            let e = if code == 1200 {
                let mut e = success();
                e.sign_counter = Some(counter_in(&resp)?);
                e
            } else {
                status(code)
            };
            let mut c = w.auth_case(
                id,
                what,
                per_assertion(StepId::AuthStatus),
                Some(USER),
                &regs,
                req,
                resp,
                e,
            );
            c.metadata = vec![blob_entry_reports(&statement, reports)?];
            Ok(c)
        });
    }
}

/// Every signing algorithm of the simulator × key encoding × attestation type.
fn algorithms(s: &mut Suite) {
    let algs = [
        AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp256r1EcdsaSha256Der,
        AlgSign::Secp256k1EcdsaSha256Raw,
        AlgSign::Secp256k1EcdsaSha256Der,
    ];
    let encodings = [
        (AlgKey::EccX962Raw, "x962-raw"),
        (AlgKey::EccX962Der, "x962-der"),
        (AlgKey::Cose, "cose"),
    ];
    let attestations = [
        (AttestationType::BasicFull, "basic-full"),
        (AttestationType::BasicSurrogate, "surrogate"),
    ];
    for (ai, alg) in algs.iter().enumerate() {
        for (ei, (enc, enc_name)) in encodings.iter().enumerate() {
            for (ti, (att, att_name)) in attestations.iter().enumerate() {
                let aaid = alloc::format!("F1D0#A{ai}{ei}{ti}");
                let base = alloc::format!("alg-{:04x}-{enc_name}-{att_name}", alg.value());
                let make = |b: uaf_authenticator::ProfileBuilder| {
                    let b = b.algorithm(*alg, *enc);
                    built(if *att == AttestationType::BasicSurrogate {
                        b.attestation(AttestationConfig::BasicSurrogate)
                    } else {
                        b
                    })
                };
                let what = alloc::format!(
                    "{} with {} public keys and {} attestation",
                    alg.registry_name().unwrap_or("?"),
                    enc.registry_name().unwrap_or("?"),
                    att_name
                );
                s.add(&alloc::format!("{base}-reg"), |id| {
                    let mut w = World::new(id, vec![make(profile(&aaid)?)?], settings(), None)?;
                    let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
                    let e = reg_success(&resp)?;
                    Ok(w.reg_case(
                        id,
                        &alloc::format!("Registration: {what}: accepted"),
                        vec![
                            StepId::RegAssertionInfo,
                            StepId::RegPublicKey,
                            StepId::RegAttestation,
                        ],
                        req,
                        resp,
                        e,
                    ))
                });
                s.add(&alloc::format!("{base}-auth"), |id| {
                    let mut w = World::new(id, vec![make(profile(&aaid)?)?], settings(), None)?;
                    let regs = w.enroll(USER)?;
                    let (req, resp, _) =
                        w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
                    let mut e = success();
                    e.sign_counter = Some(counter_in(&resp)?);
                    Ok(w.auth_case(
                        id,
                        &alloc::format!("Authentication: {what}: accepted"),
                        vec![StepId::AuthAssertionInfo, StepId::AuthSignature],
                        Some(USER),
                        &regs,
                        req,
                        resp,
                        e,
                    ))
                });
            }
        }
    }
}

/// The profile a fault needs.
fn fault_profile(fault: Fault) -> R<Profile> {
    let req = fault.requirements();
    let mut b = profile("F1D0#0F01")?;
    if req.attestation == Some(AttestationType::BasicSurrogate) {
        b = b.attestation(AttestationConfig::BasicSurrogate);
    }
    if req.transaction == Some(true) {
        b = b.transaction_display(TransactionDisplay::Text);
    }
    built(b)
}

/// Every fault of the simulated authenticator.
fn authenticator_faults(s: &mut Suite) {
    for fault in Fault::ALL {
        let fault = *fault;
        let id = alloc::format!("fault-{}", fault.id());
        let Some(step) = StepId::from_digest_label(fault.expected_step()) else {
            s.fail(&id, CaseError::Missing("uaf-rp step named by the fault"));
            continue;
        };
        s.add(&id, |id| fault_case(id, fault, step, None));
    }
}

fn fault_case(id: &str, fault: Fault, step: StepId, rp: Option<RpSettings>) -> R<Case> {
    let rp = rp.unwrap_or_else(settings);
    let mut w = World::new(id, vec![fault_profile(fault)?], rp, None)?;
    let what = alloc::format!(
        "The authenticator's fault `{}` ({} assertion; one defect, everything else as a correct authenticator sends it): the RP must reject it at {} with {}",
        fault.id(),
        fault.operation(),
        step.id(),
        fault.expected_status().value()
    );
    let code = fault.expected_status().value();
    let mut c = match fault.operation() {
        uaf_authenticator::Operation::Reg => {
            w.phone.arm(0, fault)?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            w.reg_case(id, &what, per_assertion(step), req, resp, status(code))
        }
        uaf_authenticator::Operation::Auth => {
            let mut regs = w.enroll(USER)?;
            if fault.requirements().prior_authentication {
                regs = w.authenticate(USER, &regs)?;
            }
            let tx = if fault.requirements().transaction == Some(true) {
                vec![Transaction::text("Pay 100 EUR to Bob?")?]
            } else {
                Vec::new()
            };
            w.phone.arm(0, fault)?;
            let (req, resp, _) = w.auth_exchange(Some(USER), &regs, tx, &Answer::default())?;
            w.auth_case(
                id,
                &what,
                per_assertion(step),
                Some(USER),
                &regs,
                req,
                resp,
                status(code),
            )
        }
    };
    // `expect.step`: the digest label the fault names (for `AUTH-14`, A5.2 or A5.3).
    c.step_label = Some(fault.expected_step());
    Ok(c)
}

/// A PNG rendering of a transaction for an 8 × 4 RGBA display.
fn png_transaction() -> Transaction {
    Transaction {
        content_type: String::from("image/png"),
        content: handmade::png(8, 4),
        tc_display_png_characteristics: Some(DisplayPngCharacteristicsDescriptor {
            width: 8,
            height: 4,
            bit_depth: 8,
            color_type: 6,
            compression: 0,
            filter: 0,
            interlace: 0,
            plte: Vec::new(),
        }),
    }
}

/// Transaction confirmation (text, PNG); the faults cover the rejections.
fn transactions(s: &mut Suite) {
    for (id, display, what) in [
        (
            "auth-transaction-text",
            TransactionDisplay::Text,
            "A text/plain transaction, shown and confirmed (mode 0x02, content hash of the text): accepted",
        ),
        (
            "auth-transaction-png",
            TransactionDisplay::Png(vec![DisplayPngCharacteristicsDescriptor::rgba(8, 4)]),
            "An image/png transaction for the authenticator's 8x4 display, confirmed: accepted",
        ),
        (
            "auth-transaction-text-and-png",
            TransactionDisplay::Png(vec![DisplayPngCharacteristicsDescriptor::rgba(8, 4)]),
            "A transaction sent as text and as PNG; the PNG-only authenticator confirms the PNG: accepted",
        ),
        (
            "auth-transaction-no-display-in-metadata",
            TransactionDisplay::Text,
            "A confirmed transaction from a model whose metadata (changed since registration) says it has no display",
        ),
    ] {
        s.add(id, |id| {
            let p = built(profile("F1D0#0007")?.transaction_display(display.clone()))?;
            let mut w = World::new(id, vec![p], settings(), None)?;
            let regs = w.enroll(USER)?;
            let tx = match id {
                "auth-transaction-png" => vec![png_transaction()],
                "auth-transaction-text-and-png" => {
                    vec![Transaction::text("Pay 100 EUR to Bob?")?, png_transaction()]
                }
                _ => vec![Transaction::text("Pay 100 EUR to Bob?")?],
            };
            let (req, resp, _) = w.auth_exchange(Some(USER), &regs, tx, &Answer::default())?;
            let no_display = id == "auth-transaction-no-display-in-metadata";
            let e = if no_display {
                status(1498)
            } else {
                let mut e = success();
                e.sign_counter = Some(counter_in(&resp)?);
                e
            };
            let mut c = w.auth_case(
                id,
                what,
                per_assertion(StepId::AuthTransaction),
                Some(USER),
                &regs,
                req,
                resp,
                e,
            );
            if no_display {
                let m = c
                    .metadata
                    .first_mut()
                    .and_then(Value::as_object_mut)
                    .ok_or(CaseError::Missing("metadata"))?;
                m.insert("tcDisplay".into(), json!(0));
                m.remove("tcDisplayContentType");
                m.remove("tcDisplayPNGCharacteristics");
            } else {
                c.steps = vec![StepId::AuthTransaction];
            }
            Ok(c)
        });
    }
}

/// A policy accepting the two authenticators together (one AND-set).
fn both(a: &str, b: &str) -> R<Policy> {
    let c = |x: &str| -> R<MatchCriteria> {
        Ok(MatchCriteria {
            aaid: Some(vec![Aaid::parse(x)?]),
            ..MatchCriteria::default()
        })
    };
    Ok(Policy {
        accepted: vec![vec![c(a)?, c(b)?]],
        disallowed: Vec::new(),
    })
}

/// A two-assertion registration case: id, faults of the two authenticators, AND-set policy
/// (else one accepted entry per authenticator), drop the second assertion, status,
/// description.
type MultiRegCase = (
    &'static str,
    (Option<Fault>, Option<Fault>),
    bool,
    bool,
    u16,
    &'static str,
);

/// A policy that accepts either model: one `accepted` entry per AAID.
fn either(a: &str, b: &str) -> R<Policy> {
    let c = |x: &str| -> R<MatchCriteria> {
        Ok(MatchCriteria {
            aaid: Some(vec![Aaid::parse(x)?]),
            ..MatchCriteria::default()
        })
    };
    Ok(Policy {
        accepted: vec![vec![c(a)?], vec![c(b)?]],
        disallowed: Vec::new(),
    })
}

/// The request array `request` with `policy` as the first message's policy.
fn with_policy(request: &str, policy: &Policy) -> R<String> {
    let policy = serde_json::to_value(policy).map_err(CaseError::Json)?;
    edit_json(request, |v| {
        message_mut(v)?.insert(String::from("policy"), policy);
        Ok(())
    })
}

/// The response with its second assertion removed.
fn without_second_assertion(response: &str) -> R<String> {
    edit_json(response, |v| {
        let list = message_mut(v)?
            .get_mut("assertions")
            .and_then(Value::as_array_mut)
            .ok_or(CaseError::Missing("assertions"))?;
        if list.len() < 2 {
            return Err(CaseError::Malformed("fewer than two assertions"));
        }
        list.truncate(1);
        Ok(())
    })
}

/// Responses with two assertions, and the AND-sets of the request policy (digest §2.12).
#[allow(clippy::too_many_lines)]
fn multi_assertion(s: &mut Suite) {
    const A: &str = "F1D0#0A01";
    const B: &str = "F1D0#0B01";
    let reg_cases: [MultiRegCase; 6] = [
        (
            "reg-multi-two-authenticators",
            (None, None),
            true,
            false,
            1200,
            "Two authenticators register together (the policy's AND-set asks for both): both keys stored; each criterion is matched by a different authenticator",
        ),
        (
            "reg-multi-second-faulty",
            (None, Some(Fault::AttestationSignatureCorrupt)),
            true,
            false,
            1492,
            "Two assertions for a policy whose AND-set asks for both authenticators, the second with a corrupt attestation signature: it is skipped, and the first alone does not satisfy the AND-set (1492)",
        ),
        (
            "reg-multi-second-faulty-either",
            (None, Some(Fault::AttestationSignatureCorrupt)),
            false,
            false,
            1200,
            "Two assertions for a policy that accepts either authenticator (one accepted entry each), the second with a corrupt attestation signature: it is skipped, the first key is stored",
        ),
        (
            "reg-multi-both-faulty",
            (
                Some(Fault::RegFinalChallengeHashWrong),
                Some(Fault::AttestationSignatureCorrupt),
            ),
            true,
            false,
            1498,
            "Two assertions, both defective, failing at different steps: the first assertion's first failing step (final challenge hash, R5.7) decides the status and the step",
        ),
        (
            "reg-policy-and-set-one-authenticator",
            (None, None),
            true,
            true,
            1492,
            "The policy's AND-set asks for two authenticators (F1D0#0A01 and F1D0#0B01) and the response carries one valid assertion, of the first: one authenticator matching one criterion does not satisfy an AND-set (1492)",
        ),
        (
            "reg-policy-either-one-authenticator",
            (None, None),
            false,
            true,
            1200,
            "The policy accepts either authenticator (one accepted entry each) and the response carries one valid assertion: accepted",
        ),
    ];
    for (id, faults, and_set, drop_second, code, what) in reg_cases {
        s.add(id, |id| {
            let mut w = World::new(
                id,
                vec![default_profile(A)?, default_profile(B)?],
                settings(),
                Some(both(A, B)?),
            )?;
            if let Some(f) = faults.0 {
                w.phone.arm(0, f)?;
            }
            if let Some(f) = faults.1 {
                w.phone.arm(1, f)?;
            }
            // The phone answers an AND-set request with both authenticators; the recorded
            // request is the one the RP issued, with the policy of the case.
            let (mut req, mut resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            if !and_set {
                req = with_policy(&req, &either(A, B)?)?;
            }
            if drop_second {
                resp = without_second_assertion(&resp)?;
            }
            let e = if code == 1200 {
                let mut keys = registered_in(&resp, Base64Policy::Strict)?;
                if faults.1.is_some() {
                    keys.truncate(1);
                }
                let mut e = success();
                e.registered = Some(keys);
                e
            } else {
                status(code)
            };
            let steps = match code {
                1200 => vec![StepId::RegPolicy, StepId::RegResult],
                1492 => vec![StepId::RegResult, StepId::RegPolicy],
                _ => per_assertion(StepId::RegFinalChallengeHash),
            };
            let mut c = w.reg_case(id, what, steps, req, resp, e);
            if !and_set || drop_second {
                c.origin = Origin::Edited;
            }
            Ok(c)
        });
    }
    // (id, the first key is not registered, AND-set policy, drop the second assertion,
    // status, description)
    let auth_cases: [(&str, bool, bool, bool, u16, &str); 4] = [
        (
            "auth-multi-two-keys",
            false,
            true,
            false,
            1200,
            "Two registered authenticators sign together (the request's AND-set names both keys): accepted",
        ),
        (
            "auth-multi-first-unknown",
            true,
            true,
            false,
            1492,
            "Two assertions for an AND-set naming both keys; the first key is not registered (any more): it is skipped, and the second alone does not satisfy the AND-set (1492)",
        ),
        (
            "auth-multi-first-unknown-either",
            true,
            false,
            false,
            1200,
            "Two assertions for a request that accepts either key (one accepted entry each); the first key is not registered (any more): skipped, the second verifies and satisfies its entry",
        ),
        (
            "auth-policy-and-set-one-key",
            false,
            true,
            true,
            1492,
            "The request's AND-set names two keys and the response carries one valid assertion, of the first key: one authenticator does not satisfy an AND-set (1492)",
        ),
    ];
    s.add("auth-multi-both-fail-different-steps", |id| {
        let mut w = World::new(
            id,
            vec![default_profile(A)?, default_profile(B)?],
            settings(),
            Some(both(A, B)?),
        )?;
        let regs = w.enroll(USER)?;
        let salt = w.next_salt();
        let (mut req, _) = w
            .server
            .start_auth(Some((USER, &regs)), Vec::new(), id, salt)?;
        req.policy = Policy {
            accepted: vec![
                regs.iter()
                    .map(|r| MatchCriteria::registered_key(r.aaid, r.key_id.clone()))
                    .collect(),
            ],
            disallowed: Vec::new(),
        };
        let request = req.to_json();
        // The second authenticator corrupts its signature (A5.11); the first key is not
        // stored, so the first assertion fails at A5.4.
        w.phone.arm(1, Fault::AuthSignatureCorrupt)?;
        let resp = w.phone.answer(&request, &Answer::default())?;
        let stored: Vec<Registration> = regs.iter().skip(1).cloned().collect();
        let mut c = w.auth_case(
            id,
            "Two assertions, both failing at different steps: the first key is not registered (A5.4, 1481), the second's signature is corrupt (A5.11, 1498); the first assertion's first failing step decides the status and the step",
            per_assertion(StepId::AuthRegistration),
            Some(USER),
            &stored,
            request,
            resp,
            status(1481),
        );
        c.origin = Origin::Simulator;
        Ok(c)
    });
    for (id, drop_first, and_set, drop_second, code, what) in auth_cases {
        s.add(id, |id| {
            let mut w = World::new(
                id,
                vec![default_profile(A)?, default_profile(B)?],
                settings(),
                Some(both(A, B)?),
            )?;
            let regs = w.enroll(USER)?;
            let salt = w.next_salt();
            let (mut req, _) = w
                .server
                .start_auth(Some((USER, &regs)), Vec::new(), id, salt)?;
            // One AND-set naming both keys, so the phone answers with both.
            let criteria: Vec<MatchCriteria> = regs
                .iter()
                .map(|r| MatchCriteria::registered_key(r.aaid, r.key_id.clone()))
                .collect();
            req.policy = Policy {
                accepted: vec![criteria.clone()],
                disallowed: Vec::new(),
            };
            let mut request = req.to_json();
            let mut resp = w.phone.answer(&request, &Answer::default())?;
            if !and_set {
                let policy = Policy {
                    accepted: criteria.into_iter().map(|c| vec![c]).collect(),
                    disallowed: Vec::new(),
                };
                request = with_policy(&request, &policy)?;
            }
            if drop_second {
                resp = without_second_assertion(&resp)?;
            }
            let stored: Vec<Registration> = if drop_first {
                regs.iter().skip(1).cloned().collect()
            } else {
                regs.clone()
            };
            let e = if code == 1200 {
                let mut e = success();
                e.sign_counter = Some(1);
                e
            } else {
                status(code)
            };
            let mut c = w.auth_case(
                id,
                what,
                vec![StepId::AuthResult],
                Some(USER),
                &stored,
                request,
                resp,
                e,
            );
            if !and_set || drop_second {
                c.origin = Origin::Edited;
            }
            Ok(c)
        });
    }
    s.add("reg-multi-duplicate-key-id-in-response", |id| {
        let aaid = "F1D0#0004";
        let statement: Value = serde_json::from_str(
            &built(profile(aaid)?.attestation(AttestationConfig::BasicSurrogate))?
                .metadata_statement(&[]),
        )
        ?;
        let metadata = vec![statement];
        let server = Server::new(&settings(), &metadata, None)?;
        let (req, _) = server.start_reg(USER, &[], id, 20)?;
        let fc = handmade::fc_params(APP_ID, &req.challenge.to_base64url(), FACET, Some("{}"));
        let key_id = [0x4C_u8; 32];
        let one = handmade::reg_tlv(aaid, &fc, &handmade::key(id)?, &key_id)?;
        let two = handmade::reg_tlv(aaid, &fc, &handmade::key(&alloc::format!("{id}-2"))?, &key_id)?;
        let resp = handmade::reg_response(&req.header, fc, &[one, two])?;
        let mut keys = registered_in(&resp, Base64Policy::Strict)?;
        keys.truncate(1);
        let mut e = success();
        e.registered = Some(keys);
        let mut c = Case::new(
            id,
            "Two assertions in one response with the same (AAID, KeyID): the first is stored, the second skipped as already registered",
            Op::Reg,
            settings(),
            e,
        );
        c.origin = Origin::Handmade;
        c.steps = vec![StepId::RegKeyId, StepId::RegResult];
        c.metadata = metadata;
        c.request = Some(req.to_json());
        c.response = Some(resp);
        Ok(c)
    });
}

/// Legacy (X.509 v1) attestation certificates, and certificates outside their validity.
fn certificates(s: &mut Suite) {
    for (id, legacy, code, what) in [
        (
            "reg-legacy-v1-certificate-refused",
            None,
            1496,
            "The attestation certificate is X.509 v1 (no extensions), as on many deployed authenticators; legacy certificates are off",
        ),
        (
            "reg-legacy-v1-certificate-accepted",
            Some(true),
            1200,
            "The same X.509 v1 attestation certificate with legacy_certificates on: accepted",
        ),
    ] {
        s.add(id, |id| {
            let key = handmade::key(&alloc::format!("{id}-attestation"))?;
            let cert = handmade::v1_certificate(
                &key,
                "uaf-conformance legacy attestation",
                b"491231235959Z",
            )?;
            let creds = AttestationCredentials::new(&key, vec![cert.clone()], vec![cert])?;
            let p = built(profile("F1D0#0008")?.attestation(AttestationConfig::BasicFull(creds)))?;
            let mut rp = settings();
            rp.legacy_certificates = legacy;
            let mut w = World::new(id, vec![p], rp, None)?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            let mut c = w.reg_case(
                id,
                what,
                per_assertion(StepId::RegAttestation),
                req,
                resp,
                e,
            );
            if code == 1200 {
                c.steps = vec![StepId::RegAttestation];
            }
            Ok(c)
        });
    }
    // 2019-06-01: before the simulator's test CA validity (2020-01-01 ..).
    s.add("reg-attestation-not-yet-valid", |id| {
        let mut rp = settings();
        rp.now = 1_559_347_200;
        let mut w = World::new(id, vec![default_profile("F1D0#0009")?], rp, None)?;
        let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
        Ok(w.reg_case(
            id,
            "Verification time before the attestation certificates' validity period",
            per_assertion(StepId::RegAttestation),
            req,
            resp,
            status(1496),
        ))
    });
    for (id, compat, code, what) in [
        (
            "reg-attestation-expired",
            false,
            1496,
            "The X.509 v1 attestation certificate expired (valid 2020-01-01 to 2021-12-31; legacy certificates on)",
        ),
        (
            "reg-attestation-expired-ignored",
            true,
            1200,
            "The same expired certificate with the `ignore-attestation-expiry` relaxation: accepted (chain and signatures still checked)",
        ),
    ] {
        s.add(id, |id| {
            let key = handmade::key(&alloc::format!("{id}-attestation"))?;
            let cert = handmade::v1_certificate(
                &key,
                "uaf-conformance expired attestation",
                b"211231235959Z",
            )?;
            let creds = AttestationCredentials::new(&key, vec![cert.clone()], vec![cert])?;
            let p = built(profile("F1D0#0009")?.attestation(AttestationConfig::BasicFull(creds)))?;
            let mut rp = settings();
            rp.legacy_certificates = Some(true);
            if compat {
                rp.compat = vec![String::from("ignore-attestation-expiry")];
            }
            let mut w = World::new(id, vec![p], rp, None)?;
            let (req, resp, _) = w.reg_exchange(USER, &[], &Answer::default())?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            Ok(w.reg_case(
                id,
                what,
                per_assertion(StepId::RegAttestation),
                req,
                resp,
                e,
            ))
        });
    }
}

/// Both counter policies, and authenticators without counters.
fn counters(s: &mut Suite) {
    for (id, mode, code, what) in [
        (
            "auth-counter-regression-rejected",
            Some(CounterMode::RejectRegression),
            1498,
            "The sign counter went back (a cloned key?) under `reject-regression`",
        ),
        (
            "auth-counter-regression-flag-only",
            Some(CounterMode::FlagOnly),
            1200,
            "The same regressed counter under `flag-only`: accepted, and the stored counter is not lowered",
        ),
    ] {
        s.add(id, |id| {
            let mut rp = settings();
            rp.counter = mode;
            let mut w = World::new(id, vec![default_profile("F1D0#000A")?], rp, None)?;
            let mut regs = w.enroll(USER)?;
            regs = w.authenticate(USER, &regs)?;
            regs = w.authenticate(USER, &regs)?;
            let stored = regs.first().map_or(0, |r| r.sign_counter);
            w.phone.arm(0, Fault::CounterRollback)?;
            let (req, resp, _) =
                w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
            let e = if code == 1200 {
                let mut e = success();
                e.sign_counter = Some(stored);
                e
            } else {
                status(code)
            };
            let steps = if code == 1200 {
                vec![StepId::AuthCounter]
            } else {
                per_assertion(StepId::AuthCounter)
            };
            Ok(w.auth_case(id, what, steps, Some(USER), &regs, req, resp, e))
        });
    }
    s.add("auth-counters-unsupported", |id| {
        let p = built(profile("F1D0#000B")?.counters(Counters::None))?;
        let mut w = World::new(id, vec![p], settings(), None)?;
        let mut regs = w.enroll(USER)?;
        regs = w.authenticate(USER, &regs)?;
        let (req, resp, _) = w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
        let mut e = success();
        e.sign_counter = Some(0);
        Ok(w.auth_case(
            id,
            "An authenticator without counters: stored 0 and received 0 again is accepted",
            vec![StepId::AuthCounter],
            Some(USER),
            &regs,
            req,
            resp,
            e,
        ))
    });
}

/// The conformance status-code mode: every rejection is 1498.
fn status_modes(s: &mut Suite) {
    let conformance = || {
        let mut rp = settings();
        rp.status_codes = Some(StatusCodes::Conformance);
        rp
    };
    s.add("conformance-mode-reg-basic", |id| {
        client_case(
            id,
            Op::Reg,
            "A clean registration in the conformance status-code mode: 1200",
            conformance(),
            &Answer::default(),
            vec![StepId::RegResult],
            1200,
            false,
        )
    });
    for (fault, reg_or_auth) in [
        (ClientFault::WrongChallenge, Op::Reg),
        (ClientFault::ChannelBindingMismatch, Op::Auth),
    ] {
        let prefix = if reg_or_auth == Op::Reg {
            "reg"
        } else {
            "auth"
        };
        let id = alloc::format!("conformance-mode-{prefix}-{}", fault.name());
        let op = if reg_or_auth == Op::Reg {
            uaf_proto::message::Operation::Reg
        } else {
            uaf_proto::message::Operation::Auth
        };
        let Some(step) = fault.step_id(op).and_then(StepId::from_id) else {
            s.fail(&id, CaseError::Missing("step"));
            continue;
        };
        s.add(&id, |id| {
            let mut rp = conformance();
            let mut channel = ChannelBinding::default();
            if fault == ClientFault::ChannelBindingMismatch {
                rp.channel_binding = Some(ChannelBindingValues {
                    server_end_point: Some(String::from("c2VydmVyLWNlcnQtaGFzaA")),
                    ..ChannelBindingValues::default()
                });
                channel = cb("c2VydmVyLWNlcnQtaGFzaA");
            }
            let faults = [fault];
            let how = Answer {
                faults: &faults,
                channel_binding: channel,
                ..Answer::default()
            };
            client_case(
                id,
                reg_or_auth,
                &alloc::format!(
                    "The client fault `{}` in the conformance status-code mode: 1498 instead of the specific code",
                    fault.name()
                ),
                rp,
                &how,
                vec![step],
                1498,
                false,
            )
        });
    }
    for fault in [
        Fault::AuthKeyIdUnknown,
        Fault::RegAaidUnknown,
        Fault::AttestationSignatureCorrupt,
        Fault::RegPublicKeyInvalid,
    ] {
        let id = alloc::format!("conformance-mode-fault-{}", fault.id());
        let Some(step) = StepId::from_digest_label(fault.expected_step()) else {
            s.fail(&id, CaseError::Missing("step"));
            continue;
        };
        s.add(&id, |id| {
            let mut c = fault_case(id, fault, step, Some(conformance()))?;
            c.expect = status(1498);
            c.description = alloc::format!(
                "{} — in the conformance status-code mode: 1498 (specific mode: {})",
                c.description,
                fault.expected_status().value()
            );
            Ok(c)
        });
    }
}

/// The named compatibility relaxations.
fn compat(s: &mut Suite) {
    for (id, relax, code, what) in [
        (
            "reg-fc-params-without-channel-binding",
            false,
            1498,
            "fcParams without a `channelBinding` member (some early clients omit it)",
        ),
        (
            "reg-compat-missing-channel-binding",
            true,
            1200,
            "The same fcParams with the `missing-channel-binding` relaxation: read as `{}`, accepted",
        ),
    ] {
        s.add(id, |id| {
            let aaid = "F1D0#0004";
            let statement: Value = serde_json::from_str(
                &built(profile(aaid)?.attestation(AttestationConfig::BasicSurrogate))?
                    .metadata_statement(&[]),
            )?;
            let metadata = vec![statement];
            let mut rp = settings();
            if relax {
                rp.compat = vec![String::from("missing-channel-binding")];
            }
            let server = Server::new(&rp, &metadata, None)?;
            let (req, _) = server.start_reg(USER, &[], id, 20)?;
            let fc = handmade::fc_params(APP_ID, &req.challenge.to_base64url(), FACET, None);
            let tlv = handmade::reg_tlv(aaid, &fc, &handmade::key(id)?, &[0x4D; 32])?;
            let resp = handmade::reg_response(&req.header, fc, &[tlv])?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            let mut c = Case::new(id, what, Op::Reg, rp, e);
            c.origin = Origin::Handmade;
            c.steps = vec![StepId::RegFcParams];
            c.metadata = metadata;
            c.request = Some(req.to_json());
            c.response = Some(resp);
            Ok(c)
        });
    }
    for (id, fault, relax, step) in [
        (
            "reg-compat-unknown-critical-tags",
            Fault::KrdUnknownCriticalTag,
            "unknown-critical-tags",
            StepId::RegTlv,
        ),
        (
            "auth-compat-unknown-critical-tags",
            Fault::SignedDataUnknownCriticalTag,
            "unknown-critical-tags",
            StepId::AuthTlv,
        ),
        (
            "auth-compat-signature-encoding-switch",
            Fault::AuthSignAlgMismatch,
            "signature-encoding-switch",
            StepId::AuthAssertionInfo,
        ),
    ] {
        s.add(id, |id| {
            let mut rp = settings();
            rp.compat = vec![String::from(relax)];
            let mut c = fault_case(id, fault, step, Some(rp))?;
            c.description = alloc::format!(
                "The authenticator's fault `{}` with the `{relax}` relaxation: accepted",
                fault.id()
            );
            c.steps = vec![step];
            c.expect = if c.op == Op::Reg {
                reg_success(c.response.as_deref().unwrap_or_default())?
            } else {
                let mut e = success();
                e.sign_counter = Some(counter_in(c.response.as_deref().unwrap_or_default())?);
                e
            };
            Ok(c)
        });
    }
}

/// Trusted facet lists of any shape load (the format's "Facets" rule): padded Android hashes
/// and bare package names, as real deployments publish them, compared exactly; web facets
/// with a path, compared by origin. Each with a client that sends a facet the list holds
/// (accepted) and one that it does not (1498 at R4.3). Hand-built: the simulated client
/// refuses to send such facet IDs.
fn facet_lists(s: &mut Suite) {
    const PADDED: &str = "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM=";
    const PACKAGE: &str = "com.noknok.android.sampleapp";
    for (id, listed, sent, code, what) in [
        (
            "reg-facet-list-padded-android-hash",
            PADDED,
            PADDED,
            1200,
            "The trusted list holds a padded Android facet (`…=`, as real deployments publish it) and the client sends exactly that: the list loads and the facet is trusted",
        ),
        (
            "reg-facet-list-padded-android-hash-unpadded-sent",
            PADDED,
            ANDROID_FACET,
            1498,
            "The trusted list holds a padded Android facet and the client sends the unpadded one: non-web facets compare exactly, so it is not trusted",
        ),
        (
            "reg-facet-list-package-name",
            PACKAGE,
            PACKAGE,
            1200,
            "The trusted list holds a bare Android package name (a legacy facet) and the client sends exactly that: the list loads and the facet is trusted",
        ),
        (
            "reg-facet-list-package-name-other-sent",
            PACKAGE,
            "com.noknok.android.otherapp",
            1498,
            "The trusted list holds a bare package name and the client sends another one: not trusted",
        ),
        (
            "reg-facet-list-web-facet-with-path",
            "https://UAF.example.com:443/login/",
            FACET,
            1200,
            "The trusted list holds a web facet with a path, upper-case host and the default port: web facets compare by origin, so the client's origin is trusted",
        ),
        (
            "reg-facet-list-web-facet-other-port",
            "https://uaf.example.com:8443/login",
            FACET,
            1498,
            "The trusted list holds the RP's host on another port: a different origin, not trusted",
        ),
    ] {
        s.add(id, |id| {
            let aaid = "F1D0#0004";
            let statement: Value = serde_json::from_str(
                &built(profile(aaid)?.attestation(AttestationConfig::BasicSurrogate))?
                    .metadata_statement(&[]),
            )?;
            let metadata = vec![statement];
            let mut rp = settings();
            rp.trusted_facets = Some(vec![String::from(listed)]);
            let server = Server::new(&rp, &metadata, None)?;
            let (req, _) = server.start_reg(USER, &[], id, 20)?;
            let fc = handmade::fc_params(APP_ID, &req.challenge.to_base64url(), sent, Some("{}"));
            let tlv = handmade::reg_tlv(aaid, &fc, &handmade::key(id)?, &[0x46; 32])?;
            let resp = handmade::reg_response(&req.header, fc, &[tlv])?;
            let e = if code == 1200 {
                reg_success(&resp)?
            } else {
                status(code)
            };
            let mut c = Case::new(id, what, Op::Reg, rp, e);
            c.origin = Origin::Handmade;
            c.steps = vec![StepId::RegFacet];
            c.metadata = metadata;
            c.request = Some(req.to_json());
            c.response = Some(resp);
            Ok(c)
        });
    }
}

/// Appends an unknown TLV with the critical bit, 0x2EF0 "vendor", directly inside the first
/// assertion's container (`TAG_UAFV1_REG_ASSERTION` / `TAG_UAFV1_AUTH_ASSERTION`): outside the
/// signed KRD / SignedData, so every signature still verifies.
fn critical_tag_in_container(response: &str) -> R<String> {
    edit_json(response, |v| {
        let text = message_mut(v)?
            .get("assertions")
            .and_then(|a| a.get(0))
            .and_then(|a| a.get("assertion"))
            .and_then(Value::as_str)
            .ok_or(CaseError::Missing("assertion"))?;
        let mut tlv = Base64Policy::Strict.decode(text)?;
        let extra = [0xF0, 0x2E, 0x06, 0x00, b'v', b'e', b'n', b'd', b'o', b'r'];
        let len = tlv
            .get(2..)
            .and_then(<[u8]>::first_chunk::<2>)
            .map(|&b| u16::from_le_bytes(b))
            .ok_or(CaseError::Malformed("assertion too short"))?;
        let new_len = u16::try_from(extra.len())
            .ok()
            .and_then(|n| len.checked_add(n))
            .ok_or(CaseError::Malformed("assertion too long"))?;
        tlv.splice(2..4, new_len.to_le_bytes());
        tlv.extend_from_slice(&extra);
        set_first_assertion(v, "assertion", json!(b64::encode(&tlv)))
    })
}

/// `unknown-critical-tags` is scoped to the signed structures: an unknown critical tag in the
/// assertion container is malformed with or without it (digest §3.2 R5.2, §3.3 A5.2).
fn critical_tags_outside_signed_data(s: &mut Suite) {
    for op in [Op::Reg, Op::Auth] {
        for relax in [false, true] {
            let prefix = if op == Op::Reg { "reg" } else { "auth" };
            let id = if relax {
                alloc::format!("{prefix}-compat-unknown-critical-tags-outside-signed-data")
            } else {
                alloc::format!("{prefix}-critical-tag-outside-signed-data")
            };
            let (step, signed) = if op == Op::Reg {
                (StepId::RegTlv, "KRD")
            } else {
                (StepId::AuthTlv, "SignedData")
            };
            let what = if relax {
                alloc::format!(
                    "An unknown critical tag (0x2EF0) directly inside the assertion container, outside the signed {signed}, with the `unknown-critical-tags` relaxation: the relaxation covers the {signed} only, so the assertion is still malformed (1498)"
                )
            } else {
                alloc::format!(
                    "An unknown critical tag (0x2EF0) directly inside the assertion container, outside the signed {signed}: malformed (1498)"
                )
            };
            s.add(&id, |id| {
                let mut c = edited(id, op, &what, per_assertion(step), 1498, |t| {
                    critical_tag_in_container(t)
                })?;
                if relax {
                    c.rp.compat = vec![String::from("unknown-critical-tags")];
                }
                Ok(c)
            });
        }
    }
}

/// REQ-01: a recorded request the message schema rejects could not have been issued.
fn requests(s: &mut Suite) {
    s.add("reg-request-username-too-long", |id| {
        edited_request(
            id,
            Op::Reg,
            "The recorded request's username has 129 characters (at most 128): no RP issues it, so its response cannot be accepted",
            |req| {
                req.get_mut(0)
                    .and_then(Value::as_object_mut)
                    .ok_or(CaseError::Missing("request"))?
                    .insert("username".into(), json!("u".repeat(129)));
                Ok(())
            },
        )
    });
    s.add("auth-request-challenge-too-short", |id| {
        edited_request(
            id,
            Op::Auth,
            "The recorded request's challenge has 4 bytes (at least 8): no RP issues it, so its response cannot be accepted",
            |req| {
                req.get_mut(0)
                    .and_then(Value::as_object_mut)
                    .ok_or(CaseError::Missing("request"))?
                    .insert("challenge".into(), json!("AQIDBA"));
                Ok(())
            },
        )
    });
}

fn edited_request(id: &str, op: Op, what: &str, edit: fn(&mut Value) -> R<()>) -> R<Case> {
    let mut c = edited(id, op, what, vec![StepId::RequestGeneration], 1498, |t| {
        Ok(String::from(t))
    })?;
    let mut req: Value = serde_json::from_str(c.request.as_deref().unwrap_or_default())?;
    edit(&mut req)?;
    c.request = Some(req.to_string());
    Ok(c)
}

/// The assertion-only operations.
fn assertion_ops(s: &mut Suite) {
    for (id, fault, lenient, code, step, what) in [
        (
            "regassertion-basic",
            None,
            None,
            1200,
            StepId::RegAttestation,
            "One registration assertion alone (basic full attestation): accepted",
        ),
        (
            "regassertion-attestation-signature-corrupt",
            Some(Fault::AttestationSignatureCorrupt),
            None,
            1496,
            StepId::RegAttestation,
            "One registration assertion alone whose attestation signature is corrupt",
        ),
        (
            "regassertion-android-base64-strict",
            None,
            Some(false),
            1498,
            StepId::RegTlv,
            "One registration assertion alone in padded, line-wrapped standard base64, under strict decoding",
        ),
        (
            "regassertion-android-base64-lenient",
            None,
            Some(true),
            1200,
            StepId::RegTlv,
            "The same assertion text under lenient decoding: accepted",
        ),
    ] {
        s.add(id, |id| {
            let mut w = World::simple(id, "F1D0#000C")?;
            if let Some(f) = fault {
                w.phone.arm(0, f)?;
            }
            let faults = [ClientFault::AndroidBase64Assertion];
            let how = Answer {
                faults: if lenient.is_some() { &faults } else { &[] },
                ..Answer::default()
            };
            let (_, resp, _) = w.reg_exchange(USER, &[], &how)?;
            let assertion = assertion_in(&resp)?;
            let e = if code == 1200 {
                let mut e = success();
                e.registered = Some(registered_in(&resp, Base64Policy::Lenient)?);
                e
            } else {
                status(code)
            };
            let mut c = w.case(id, what, Op::RegAssertion, e);
            c.rp.username = Some(String::from(USER));
            if lenient == Some(true) {
                c.rp.base64 = Some(Base64Mode::Lenient);
            }
            c.steps = vec![step];
            c.assertion = Some(assertion);
            Ok(c)
        });
    }
    for (id, fault, known, code, step, what) in [
        (
            "authassertion-basic",
            None,
            true,
            1200,
            StepId::AuthSignature,
            "One authentication assertion alone, of a registered key: accepted",
        ),
        (
            "authassertion-unknown-key",
            None,
            false,
            1481,
            StepId::AuthRegistration,
            "One authentication assertion alone, of a key not registered",
        ),
        (
            "authassertion-signature-corrupt",
            Some(Fault::AuthSignatureCorrupt),
            true,
            1498,
            StepId::AuthSignature,
            "One authentication assertion alone whose signature is corrupt",
        ),
    ] {
        s.add(id, |id| {
            let mut w = World::simple(id, "F1D0#000C")?;
            let regs = w.enroll(USER)?;
            if let Some(f) = fault {
                w.phone.arm(0, f)?;
            }
            let (_, resp, _) =
                w.auth_exchange(Some(USER), &regs, Vec::new(), &Answer::default())?;
            let e = if code == 1200 {
                let mut e = success();
                e.sign_counter = Some(counter_in(&resp)?);
                e
            } else {
                status(code)
            };
            let mut c = w.case(id, what, Op::AuthAssertion, e);
            if known {
                c.registrations = regs;
            }
            c.steps = vec![step];
            c.assertion = Some(assertion_in(&resp)?);
            Ok(c)
        });
    }
}

fn reg_record(user: &str, aaid: &str, key: u8) -> R<Registration> {
    Ok(Registration {
        username: String::from(user),
        aaid: Aaid::parse(aaid)?,
        key_id: KeyId::new(vec![key; 32])?,
        public_key: vec![0x04; 65],
        public_key_encoding: AlgKey::EccX962Raw,
        sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
        sign_counter: 3,
        authenticator_version: 1,
        attestation_type: AttestationType::BasicFull,
        registered_at: 0,
    })
}

/// The `Dereg` extension: what a deregistration request deletes.
fn deregistration(s: &mut Suite) {
    const A: &str = "F1D0#0D01";
    const B: &str = "F1D0#0D02";
    let cases: [DeregCase; 5] = [
        (
            "dereg-one-key",
            || {
                Ok((
                    DeregistrationTarget::Key {
                        aaid: Aaid::parse(A)?,
                        key_id: KeyId::new(vec![1; 32])?,
                    },
                    USER,
                ))
            },
            vec![(A, 1)],
            1200,
            "Deregister one key of alice: exactly that record is deleted",
        ),
        (
            "dereg-all-of-aaid",
            || Ok((DeregistrationTarget::Aaid(Aaid::parse(A)?), USER)),
            vec![(A, 1), (A, 2)],
            1200,
            "Deregister every key of one model for alice (`keyID` \"\"): both of her keys of that model, not bob's",
        ),
        (
            "dereg-all",
            || Ok((DeregistrationTarget::All, USER)),
            vec![(A, 1), (A, 2), (B, 3)],
            1200,
            "Deregister all of alice's keys (`aaid` and `keyID` \"\"): her three keys, not bob's",
        ),
        (
            "dereg-key-of-another-user",
            || {
                Ok((
                    DeregistrationTarget::Key {
                        aaid: Aaid::parse(A)?,
                        key_id: KeyId::new(vec![4; 32])?,
                    },
                    "bob",
                ))
            },
            Vec::new(),
            1481,
            "A deregistration for alice naming bob's key: nothing of alice's matches",
        ),
        (
            "dereg-unknown-aaid",
            || Ok((DeregistrationTarget::Aaid(Aaid::parse("F1D0#0DFF")?), USER)),
            Vec::new(),
            1481,
            "A deregistration of a model alice has no key of",
        ),
    ];
    for (id, target, deleted, code, what) in cases {
        s.add(id, |id| {
            let regs = vec![
                reg_record(USER, A, 1)?,
                reg_record(USER, A, 2)?,
                reg_record(USER, B, 3)?,
                reg_record("bob", A, 4)?,
            ];
            let server = Server::new(&settings(), &[], None)?;
            let (target, owner) = target()?;
            let theirs: Vec<Registration> = regs
                .iter()
                .filter(|r| r.username == owner)
                .cloned()
                .collect();
            // The request names the target; for a target alice has nothing of, build it as
            // the RP would for whoever has it (or for everyone).
            let request = match server.rp.deregistration_request(&target, &theirs) {
                Ok(d) => d.request.to_json(),
                Err(_) => server
                    .rp
                    .deregistration_request(&target, &regs)
                    .map(|d| d.request.to_json())
                    .or_else(|_| -> R<String> {
                        let any = vec![reg_record(USER, "F1D0#0DFF", 9)?];
                        Ok(server
                            .rp
                            .deregistration_request(&target, &any)
                            .map(|d| d.request.to_json())?)
                    })?,
            };
            let mut e = status(code);
            if code == 1200 {
                e.deleted = Some(
                    deleted
                        .iter()
                        .map(|(aaid, k)| DeletedKey {
                            aaid: String::from(*aaid),
                            key_id: b64::encode(&[*k; 32]),
                        })
                        .collect(),
                );
            }
            let mut rp = settings();
            rp.username = Some(String::from(USER));
            let mut c = Case::new(id, what, Op::Dereg, rp, e);
            c.origin = Origin::Handmade;
            c.steps = vec![StepId::Deregistration];
            c.registrations = regs;
            c.request = Some(request);
            Ok(c)
        });
    }
}
