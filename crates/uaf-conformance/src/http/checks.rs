//! Request-shape checks of the FIDO server conformance tests `Server-Reg-Req-1…4`,
//! `Server-Auth-Req-1…4` and `Server-Dereg-Req-1…4` (digest §10.2), on what `/get` answers.
//!
//! Each check returns the first problem found as a [`ShapeError`]; its `Display` is the
//! sentence of the report. Decoding is the
//! strict decoder of `uaf-proto` (the one a client applies): base64url without padding,
//! lengths (challenge 8..=64 bytes, username 1..=128 characters, `serverData` 1..=1536,
//! `appID` ≤ 512), member types, `op` of the message type.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value;
use uaf_proto::id::{Aaid, AppId, KeyId};
use uaf_proto::message::{
    AuthenticationRequest, DecodeOptions, DeregisterAuthenticator, DeregistrationRequest,
    MessageError, Operation, OperationHeader, Policy, RegistrationRequest, ServerChallenge,
    Transaction, Version,
};

type R<T> = Result<T, ShapeError>;

/// What is wrong with a request the server under test issued (the Server-*-Req checks).
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum ShapeError {
    /// `uafRequest` is not JSON.
    NotJson(serde_json::Error),
    /// `uafRequest` is not a JSON array.
    NotArray,
    /// `uafRequest` is an empty array.
    EmptyArray,
    /// `uafRequest[i]` is not an object.
    NotObject(usize),
    /// No UAF 1.1 message in the array (the versions found).
    NoV11(Vec<Version>),
    /// The strict decoder refuses the request.
    Decode {
        /// The operation of the request.
        op: Operation,
        /// The decoder's error.
        source: MessageError,
    },
    /// `header.upv` is not 1.1.
    Upv(Version),
    /// `header.op` is not the operation asked for.
    Op {
        /// What the header says.
        found: Operation,
        /// What was asked for.
        expected: Operation,
    },
    /// `header.appID` is neither empty nor an https URL.
    AppId(String),
    /// `header.serverData` is missing (Reg and Auth).
    NoServerData,
    /// The same challenge was issued twice (base64url).
    ChallengeReused(String),
    /// The request's `username` is not the context's.
    Username {
        /// The request's.
        found: String,
        /// The context's.
        expected: String,
    },
    /// The policy breaks a MatchCriteria rule.
    Policy(MessageError),
    /// `policy.disallowed` lacks the key registered before.
    NotDisallowed {
        /// The AAID.
        aaid: Aaid,
        /// The KeyID, base64url.
        key_id: String,
        /// How many disallowed entries there are.
        entries: usize,
    },
    /// `policy.accepted` names KeyIDs for the model but not the registered one.
    KeyNotAccepted {
        /// The AAID.
        aaid: Aaid,
        /// The KeyID, base64url.
        key_id: String,
    },
    /// The context asked for a transaction, the request has none.
    NoTransaction,
    /// `transaction[i]` has an empty `contentType` or `content`.
    EmptyTransaction(usize),
    /// No `text/plain` transaction carries the context's text.
    TransactionText(String),
    /// The context asked for no transaction, the request has this many.
    UnexpectedTransactions(usize),
    /// No entry of `authenticators` covers the user's key.
    DeregNotCovered {
        /// The AAID.
        aaid: Aaid,
        /// The KeyID, base64url.
        key_id: String,
    },
    /// With `deregisterAAID`, no `{"aaid":A,"keyID":""}` entry (the entries found).
    DeregNoAaidEntry {
        /// The AAID.
        aaid: Aaid,
        /// The entries, for the message.
        entries: String,
    },
    /// With `deregisterAll`, no `{"aaid":"","keyID":""}` entry (the entries found).
    DeregNoAllEntry(String),
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeError::NotJson(e) => write!(f, "uafRequest is not JSON: {e}"),
            ShapeError::NotArray => f.write_str("uafRequest is not a JSON array"),
            ShapeError::EmptyArray => f.write_str("uafRequest is an empty array"),
            ShapeError::NotObject(i) => write!(f, "uafRequest[{i}] is not an object"),
            ShapeError::NoV11(versions) => {
                f.write_str("no UAF 1.1 message in the array (versions: ")?;
                for (i, v) in versions.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
            ShapeError::Decode { op, source } => {
                write!(f, "strict decoding of the {op:?} request failed: {source}")
            }
            ShapeError::Upv(v) => write!(f, "header.upv is {v}, not 1.1"),
            ShapeError::Op { found, expected } => {
                write!(f, "header.op is {found:?}, not {expected:?}")
            }
            ShapeError::AppId(a) => {
                write!(f, "header.appID {a:?} is neither empty nor an https URL")
            }
            ShapeError::NoServerData => f.write_str("header.serverData is missing"),
            ShapeError::ChallengeReused(c) => write!(f, "the same challenge {c} was issued twice"),
            ShapeError::Username { found, expected } => {
                write!(
                    f,
                    "username is {found:?}, the context asked for {expected:?}"
                )
            }
            ShapeError::Policy(e) => write!(f, "policy breaks a MatchCriteria rule: {e}"),
            ShapeError::NotDisallowed {
                aaid,
                key_id,
                entries,
            } => write!(
                f,
                "policy.disallowed has no {{\"aaid\":[\"{aaid}\"],\"keyIDs\":[\"{key_id}\"]}} for the key registered before ({entries} disallowed entries)"
            ),
            ShapeError::KeyNotAccepted { aaid, key_id } => write!(
                f,
                "policy.accepted names keyIDs for {aaid} but not the registered {key_id}"
            ),
            ShapeError::NoTransaction => {
                f.write_str("the context asked for a transaction, the request has none")
            }
            ShapeError::EmptyTransaction(i) => {
                write!(f, "transaction[{i}] has an empty contentType or content")
            }
            ShapeError::TransactionText(t) => {
                write!(
                    f,
                    "no text/plain transaction carries the context's text {t:?}"
                )
            }
            ShapeError::UnexpectedTransactions(n) => {
                write!(
                    f,
                    "the context asked for no transaction, the request has {n}"
                )
            }
            ShapeError::DeregNotCovered { aaid, key_id } => write!(
                f,
                "no entry of authenticators covers the user's key ({aaid}, {key_id})"
            ),
            ShapeError::DeregNoAaidEntry { aaid, entries } => write!(
                f,
                "deregisterAAID {aaid}: no entry {{\"aaid\":\"{aaid}\",\"keyID\":\"\"}} in authenticators ({entries})"
            ),
            ShapeError::DeregNoAllEntry(entries) => write!(
                f,
                "deregisterAll: no entry {{\"aaid\":\"\",\"keyID\":\"\"}} in authenticators ({entries})"
            ),
        }
    }
}

impl core::error::Error for ShapeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ShapeError::NotJson(e) => Some(e),
            ShapeError::Decode { source, .. } | ShapeError::Policy(source) => Some(source),
            _ => None,
        }
    }
}

/// Server-*-Req-1: `uafRequest` is a JSON array of objects (one message per protocol
/// version), not empty.
pub(crate) fn sequence(text: &str) -> R<()> {
    let v: Value = serde_json::from_str(text).map_err(ShapeError::NotJson)?;
    let Value::Array(items) = v else {
        return Err(ShapeError::NotArray);
    };
    if items.is_empty() {
        return Err(ShapeError::EmptyArray);
    }
    if let Some(i) = items.iter().position(|m| !m.is_object()) {
        return Err(ShapeError::NotObject(i));
    }
    Ok(())
}

/// The UAF 1.1 message of a request array (Server-*-Req-1: "a 1.1 entry present").
fn v11<T>(all: Vec<T>, header: impl Fn(&T) -> &OperationHeader) -> R<T> {
    let versions: Vec<Version> = all.iter().map(|m| header(m).upv).collect();
    all.into_iter()
        .find(|m| header(m).upv == Version::V1_1)
        .ok_or(ShapeError::NoV11(versions))
}

/// Decodes a registration request array strictly; its 1.1 message.
pub(crate) fn registration(text: &str) -> R<RegistrationRequest> {
    sequence(text)?;
    let all = RegistrationRequest::parse_array(text, &DecodeOptions::new()).map_err(|source| {
        ShapeError::Decode {
            op: Operation::Reg,
            source,
        }
    })?;
    v11(all, |m| &m.header)
}

/// Decodes an authentication request array strictly; its 1.1 message.
pub(crate) fn authentication(text: &str) -> R<AuthenticationRequest> {
    sequence(text)?;
    let all =
        AuthenticationRequest::parse_array(text, &DecodeOptions::new()).map_err(|source| {
            ShapeError::Decode {
                op: Operation::Auth,
                source,
            }
        })?;
    v11(all, |m| &m.header)
}

/// Decodes a deregistration request array strictly (Server-Dereg-Req-2: non-empty
/// `authenticators`, each `{aaid, keyID}`); its 1.1 message.
pub(crate) fn deregistration(text: &str) -> R<DeregistrationRequest> {
    sequence(text)?;
    let all =
        DeregistrationRequest::parse_array(text, &DecodeOptions::new()).map_err(|source| {
            ShapeError::Decode {
                op: Operation::Dereg,
                source,
            }
        })?;
    v11(all, |m| &m.header)
}

/// Server-*-Req-3 (OperationHeader): `upv` 1.1, `op`, `appID` empty or an `https` URL
/// (≤ 512 characters: decoding), `serverData` present for `Reg` and `Auth` (1..=1536
/// characters: decoding), `exts` an array when present (decoding).
pub(crate) fn header(h: &OperationHeader, op: Operation) -> R<()> {
    if h.upv != Version::V1_1 {
        return Err(ShapeError::Upv(h.upv));
    }
    if h.op != op {
        return Err(ShapeError::Op {
            found: h.op,
            expected: op,
        });
    }
    if let Some(app_id) = &h.app_id {
        app_id_ok(app_id)?;
    }
    if op != Operation::Dereg && h.server_data.as_deref().is_none_or(str::is_empty) {
        return Err(ShapeError::NoServerData);
    }
    Ok(())
}

/// An AppID is empty (the facet stands in) or the `https` URL of a trusted facet list.
fn app_id_ok(app_id: &AppId) -> R<()> {
    if app_id.is_empty() || app_id.is_https_url() {
        Ok(())
    } else {
        Err(ShapeError::AppId(String::from(app_id.as_str())))
    }
}

/// Server-Reg-Req-2 / Server-Auth-Req-2: two requests carry different challenges.
pub(crate) fn fresh(first: &ServerChallenge, second: &ServerChallenge) -> R<()> {
    if first == second {
        Err(ShapeError::ChallengeReused(second.to_base64url()))
    } else {
        Ok(())
    }
}

/// Server-Reg-Req-2: the request's `username` is the context's.
pub(crate) fn username(req: &RegistrationRequest, expected: &str) -> R<()> {
    if req.username == expected {
        Ok(())
    } else {
        Err(ShapeError::Username {
            found: req.username.clone(),
            expected: String::from(expected),
        })
    }
}

/// Server-*-Req-4: the policy follows the structural rules of a server-generated policy
/// (`accepted` and its entries non-empty, every MatchCriteria valid: the `aaid`
/// combination rule, required members without `aaid`, no empty list).
pub(crate) fn policy(p: &Policy) -> R<()> {
    p.validate().map_err(ShapeError::Policy)
}

/// Server-Reg-Req-4 P-10: after `(aaid, key_id)` was registered, the next registration
/// request disallows `{"aaid":[aaid],"keyIDs":[key_id]}`.
pub(crate) fn disallows(p: &Policy, aaid: &Aaid, key_id: &KeyId) -> R<()> {
    let found = p.disallowed.iter().any(|c| {
        c.aaid.as_deref() == Some(core::slice::from_ref(aaid))
            && c.key_ids.as_deref() == Some(core::slice::from_ref(key_id))
    });
    if found {
        Ok(())
    } else {
        Err(ShapeError::NotDisallowed {
            aaid: *aaid,
            key_id: key_id.to_base64url(),
            entries: p.disallowed.len(),
        })
    }
}

/// Server-Auth-Req-4: when `accepted` names KeyIDs for the model, the registered one is
/// among them (else the user could not sign in).
pub(crate) fn accepts_key(p: &Policy, aaid: &Aaid, key_id: &KeyId) -> R<()> {
    for c in p.accepted.iter().flatten() {
        let names_model = c.aaid.as_ref().is_some_and(|a| a.contains(aaid));
        if let (true, Some(keys)) = (names_model, &c.key_ids) {
            if !keys.contains(key_id) {
                return Err(ShapeError::KeyNotAccepted {
                    aaid: *aaid,
                    key_id: key_id.to_base64url(),
                });
            }
        }
    }
    Ok(())
}

/// Server-Auth-Req-2: the context's transaction text is in `transaction` as a `text/plain`
/// entry (the conformance API: "server must return transaction with the value of the
/// field"); each entry has a content type and content (decoding: base64url).
pub(crate) fn transaction(list: &[Transaction], text: &str) -> R<()> {
    if list.is_empty() {
        return Err(ShapeError::NoTransaction);
    }
    if let Some(i) = list
        .iter()
        .position(|t| t.content_type.is_empty() || t.content.is_empty())
    {
        return Err(ShapeError::EmptyTransaction(i));
    }
    if list.iter().any(|t| t.as_text() == Some(text)) {
        Ok(())
    } else {
        Err(ShapeError::TransactionText(String::from(text)))
    }
}

/// An authentication request without a transaction in the context carries none.
pub(crate) fn no_transaction(list: &[Transaction]) -> R<()> {
    if list.is_empty() {
        Ok(())
    } else {
        Err(ShapeError::UnexpectedTransactions(list.len()))
    }
}

/// Server-Dereg-Req-2: a plain deregistration (only `username`) deletes the key registered:
/// an entry names `(aaid, key_id)`, every key of `aaid`, or every key.
pub(crate) fn dereg_covers(d: &DeregistrationRequest, aaid: &Aaid, key_id: &KeyId) -> R<()> {
    let covers = d.authenticators.iter().any(|a| match a {
        DeregisterAuthenticator::Key { aaid: x, key_id: k } => x == aaid && k == key_id,
        DeregisterAuthenticator::AllOfAaid(x) => x == aaid,
        _ => true,
    });
    if covers {
        Ok(())
    } else {
        Err(ShapeError::DeregNotCovered {
            aaid: *aaid,
            key_id: key_id.to_base64url(),
        })
    }
}

/// Server-Dereg-Req-4 P-3: with `deregisterAAID` the request names `{"aaid":A,"keyID":""}`.
pub(crate) fn dereg_aaid(d: &DeregistrationRequest, aaid: &Aaid) -> R<()> {
    if d.authenticators
        .contains(&DeregisterAuthenticator::AllOfAaid(*aaid))
    {
        Ok(())
    } else {
        Err(ShapeError::DeregNoAaidEntry {
            aaid: *aaid,
            entries: entries(d),
        })
    }
}

/// Server-Dereg-Req-4 P-4: with `deregisterAll` the request names `{"aaid":"","keyID":""}`.
pub(crate) fn dereg_all(d: &DeregistrationRequest) -> R<()> {
    if d.authenticators.contains(&DeregisterAuthenticator::All) {
        Ok(())
    } else {
        Err(ShapeError::DeregNoAllEntry(entries(d)))
    }
}

/// The entries of a deregistration request, for messages.
fn entries(d: &DeregistrationRequest) -> String {
    d.authenticators
        .iter()
        .map(|a| match a {
            DeregisterAuthenticator::Key { aaid, key_id } => {
                alloc::format!("{aaid}/{}", key_id.to_base64url())
            }
            DeregisterAuthenticator::AllOfAaid(aaid) => alloc::format!("{aaid}/\"\""),
            _ => String::from("\"\"/\"\""),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Reg","appID":"https://uaf.example.com/facets.json","serverData":"c2Q"},"challenge":"AAECAwQFBgcICQoLDA0ODw","username":"alice","policy":{"accepted":[[{"aaid":["FFFF#FC01"]}]],"disallowed":[{"aaid":["FFFF#FC01"],"keyIDs":["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"]}]}}]"#;

    #[test]
    fn a_good_registration_request_passes() {
        let r = registration(REG).unwrap();
        header(&r.header, Operation::Reg).unwrap();
        username(&r, "alice").unwrap();
        policy(&r.policy).unwrap();
        let aaid = Aaid::parse("FFFF#FC01").unwrap();
        let key = KeyId::new((0u8..32).collect::<Vec<_>>()).unwrap();
        disallows(&r.policy, &aaid, &key).unwrap();
        let other = KeyId::new([7u8; 32]).unwrap();
        assert!(disallows(&r.policy, &aaid, &other).is_err());
    }

    #[test]
    fn shape_problems_are_found() {
        assert!(sequence("{}").is_err());
        assert!(sequence("[]").is_err());
        assert!(sequence("[1]").is_err());
        // 1.0 only.
        let v10 = REG.replace(r#""minor":1"#, r#""minor":0"#);
        let e = registration(&v10).unwrap_err();
        assert!(matches!(&e, ShapeError::NoV11(v) if v == &[Version::V1_0]));
        assert_eq!(
            e.to_string(),
            "no UAF 1.1 message in the array (versions: 1.0)"
        );
        // A 7-byte challenge.
        let short = REG.replace("AAECAwQFBgcICQoLDA0ODw", "AAECAwQFBg");
        assert!(registration(&short).is_err());
        // Padded challenge.
        let padded = REG.replace("AAECAwQFBgcICQoLDA0ODw", "AAECAwQFBgcICQoLDA0ODw==");
        assert!(registration(&padded).is_err());
        // http AppID.
        let http = REG.replace("https://uaf", "http://uaf");
        let r = registration(&http).unwrap();
        assert!(header(&r.header, Operation::Reg).is_err());
        // No serverData.
        let nosd = REG.replace(r#","serverData":"c2Q""#, "");
        let r = registration(&nosd).unwrap();
        assert!(header(&r.header, Operation::Reg).is_err());
        let r = registration(REG).unwrap();
        assert!(username(&r, "bob").is_err());
        fresh(&r.challenge, &r.challenge).unwrap_err();
    }

    #[test]
    fn deregistration_entries() {
        let aaid = Aaid::parse("FFFF#FC01").unwrap();
        let text = |entry: &str| {
            alloc::format!(
                r#"[{{"header":{{"upv":{{"major":1,"minor":1}},"op":"Dereg","appID":""}},"authenticators":[{entry}]}}]"#
            )
        };
        let d = deregistration(&text(r#"{"aaid":"FFFF#FC01","keyID":""}"#)).unwrap();
        header(&d.header, Operation::Dereg).unwrap();
        dereg_aaid(&d, &aaid).unwrap();
        assert!(dereg_all(&d).is_err());
        let d = deregistration(&text(r#"{"aaid":"","keyID":""}"#)).unwrap();
        dereg_all(&d).unwrap();
        assert!(dereg_aaid(&d, &aaid).is_err());
        assert!(deregistration(&text("")).is_err());
    }

    #[test]
    fn transactions() {
        let t = Transaction::text("Pay?").unwrap();
        transaction(core::slice::from_ref(&t), "Pay?").unwrap();
        assert!(transaction(core::slice::from_ref(&t), "Other").is_err());
        assert!(transaction(&[], "Pay?").is_err());
        no_transaction(&[]).unwrap();
        assert!(no_transaction(&[t]).is_err());
    }
}
