//! Stateless pending state: the request's state sealed into `serverData` with HMAC-SHA256
//! and an expiry, plus a replay guard — for servers whose nodes share no pending-challenge
//! store (digest §2.4: "MAC-protected `{challenge, timestamp, username, op}` so the server can
//! be stateless").
//!
//! The sealed `serverData` holds the operation, protocol version, issue time, challenge,
//! username (if any) and the transaction variants (if any); the policy is rebuilt at
//! verification time from the configuration and the user's registrations then (for a
//! registration it can only have grown stricter). A sealed state is authentic, not secret:
//! do not put secrets in usernames or transactions.
//!
//! Single use is the [`ReplayGuard`]'s job: a sealed state stays valid until it expires, so
//! without a guard the same response could be verified twice. The guard only needs to
//! remember a challenge until its expiry.
//!
//! Layout (then base64url): `version (1) ‖ op (1) ‖ upv major (2) ‖ upv minor (2) ‖
//! issued_at (8) ‖ challenge len (1) ‖ challenge ‖ username len (1) ‖ username ‖
//! transaction count (1) ‖ { content type (1: 0 text, 1 PNG) ‖ content len (2) ‖ content ‖
//! PNG characteristics (15, PNG only) }* ‖ HMAC-SHA256 (32)`; integers big-endian.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use uaf_proto::b64;
use uaf_proto::message::{
    AuthenticationRequest, DisplayPngCharacteristicsDescriptor, MatchCriteria, Operation,
    OperationHeader, Policy, RegistrationRequest, ServerChallenge, Transaction, Version,
};
use uaf_proto::registry::{CONTENT_TYPE_IMAGE_PNG, CONTENT_TYPE_TEXT_PLAIN};

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::pending::{PendingAuthentication, PendingRegistration};
use crate::step::StepId;
use crate::store::Registration;

const FORMAT_VERSION: u8 = 1;
const TAG_LEN: usize = 32;

/// The HMAC key that seals `serverData`. 32 random bytes, shared by every node; zeroized on
/// drop.
#[derive(Clone)]
pub struct ServerDataKey([u8; 32]);

impl Drop for ServerDataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for ServerDataKey {}

impl fmt::Debug for ServerDataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerDataKey(..)")
    }
}

/// Why sealed state could not be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// Not base64url, too short, or malformed inside.
    Malformed,
    /// The MAC does not verify: tampered, or sealed under another key.
    BadMac,
    /// Sealed for another operation.
    WrongOperation,
    /// The state would not fit in 1536 characters of `serverData`.
    TooLarge,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SealError::Malformed => "sealed serverData is malformed",
            SealError::BadMac => {
                "sealed serverData does not authenticate (tampered or another key)"
            }
            SealError::WrongOperation => "sealed serverData belongs to another operation",
            SealError::TooLarge => "the state does not fit in serverData (1536 characters)",
        })
    }
}

impl core::error::Error for SealError {}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SealError> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(SealError::Malformed)?;
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, SealError> {
        self.take(1)?.first().copied().ok_or(SealError::Malformed)
    }
    fn u16(&mut self) -> Result<u16, SealError> {
        let b: [u8; 2] = self.take(2)?.try_into().map_err(|_| SealError::Malformed)?;
        Ok(u16::from_be_bytes(b))
    }
    fn u32(&mut self) -> Result<u32, SealError> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| SealError::Malformed)?;
        Ok(u32::from_be_bytes(b))
    }
    fn u64(&mut self) -> Result<u64, SealError> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| SealError::Malformed)?;
        Ok(u64::from_be_bytes(b))
    }
}

fn put_len8(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), SealError> {
    out.push(u8::try_from(bytes.len()).map_err(|_| SealError::TooLarge)?);
    out.extend_from_slice(bytes);
    Ok(())
}

/// The state sealed in `serverData`.
struct Sealed {
    op: Operation,
    upv: Version,
    issued_at: u64,
    challenge: Vec<u8>,
    username: Option<String>,
    transactions: Vec<Transaction>,
}

impl ServerDataKey {
    /// A key from 32 secret random bytes.
    #[must_use]
    pub const fn new(bytes: [u8; 32]) -> Self {
        ServerDataKey(bytes)
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; a 32-byte key never fails.
        match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => <Hmac<Sha256> as KeyInit>::new(&Default::default()),
        }
    }

    fn seal(&self, s: &Sealed) -> Result<String, SealError> {
        let mut out = vec![FORMAT_VERSION, op_byte(s.op)];
        out.extend_from_slice(&s.upv.major.to_be_bytes());
        out.extend_from_slice(&s.upv.minor.to_be_bytes());
        out.extend_from_slice(&s.issued_at.to_be_bytes());
        put_len8(&mut out, &s.challenge)?;
        put_len8(&mut out, s.username.as_deref().unwrap_or("").as_bytes())?;
        out.push(u8::try_from(s.transactions.len()).map_err(|_| SealError::TooLarge)?);
        for t in &s.transactions {
            let png = t.content_type == CONTENT_TYPE_IMAGE_PNG;
            out.push(u8::from(png));
            let len = u16::try_from(t.content.len()).map_err(|_| SealError::TooLarge)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&t.content);
            if png {
                let d = t
                    .tc_display_png_characteristics
                    .as_ref()
                    .ok_or(SealError::Malformed)?;
                if !d.plte.is_empty() {
                    // Palettes would not fit; PNG transactions with palettes need a store.
                    return Err(SealError::TooLarge);
                }
                out.extend_from_slice(&d.width.to_be_bytes());
                out.extend_from_slice(&d.height.to_be_bytes());
                out.extend_from_slice(&[
                    d.bit_depth,
                    d.color_type,
                    d.compression,
                    d.filter,
                    d.interlace,
                ]);
                out.extend_from_slice(&[0, 0]);
            }
        }
        let mut mac = self.mac();
        mac.update(&out);
        out.extend_from_slice(&mac.finalize().into_bytes());
        let text = b64::encode(&out);
        if text.len() > OperationHeader::MAX_SERVER_DATA_LEN {
            return Err(SealError::TooLarge);
        }
        Ok(text)
    }

    fn open(&self, server_data: &str, op: Operation) -> Result<Sealed, SealError> {
        let bytes = b64::Base64Policy::Strict
            .decode(server_data)
            .map_err(|_| SealError::Malformed)?;
        let body_len = bytes
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(SealError::Malformed)?;
        let (body, tag) = bytes
            .split_at_checked(body_len)
            .ok_or(SealError::Malformed)?;
        let mut mac = self.mac();
        mac.update(body);
        // Constant-time comparison.
        mac.verify_slice(tag).map_err(|_| SealError::BadMac)?;
        let mut r = Reader(body);
        if r.u8()? != FORMAT_VERSION {
            return Err(SealError::Malformed);
        }
        let found = match r.u8()? {
            0 => Operation::Reg,
            1 => Operation::Auth,
            _ => return Err(SealError::Malformed),
        };
        if found != op {
            return Err(SealError::WrongOperation);
        }
        let upv = Version::new(r.u16()?, r.u16()?);
        let issued_at = r.u64()?;
        let n = usize::from(r.u8()?);
        let challenge = r.take(n)?.to_vec();
        let n = usize::from(r.u8()?);
        let name = core::str::from_utf8(r.take(n)?).map_err(|_| SealError::Malformed)?;
        let username = (!name.is_empty()).then(|| String::from(name));
        let count = r.u8()?;
        let mut transactions = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let png = match r.u8()? {
                0 => false,
                1 => true,
                _ => return Err(SealError::Malformed),
            };
            let len = usize::from(r.u16()?);
            let content = r.take(len)?.to_vec();
            let tc_display_png_characteristics = if png {
                let width = r.u32()?;
                let height = r.u32()?;
                let b = r.take(7)?;
                let [bit_depth, color_type, compression, filter, interlace, _, _] =
                    <[u8; 7]>::try_from(b).map_err(|_| SealError::Malformed)?;
                Some(DisplayPngCharacteristicsDescriptor {
                    width,
                    height,
                    bit_depth,
                    color_type,
                    compression,
                    filter,
                    interlace,
                    plte: Vec::new(),
                })
            } else {
                None
            };
            transactions.push(Transaction {
                content_type: String::from(if png {
                    CONTENT_TYPE_IMAGE_PNG
                } else {
                    CONTENT_TYPE_TEXT_PLAIN
                }),
                content,
                tc_display_png_characteristics,
            });
        }
        if !r.0.is_empty() {
            return Err(SealError::Malformed);
        }
        Ok(Sealed {
            op: found,
            upv,
            issued_at,
            challenge,
            username,
            transactions,
        })
    }

    /// Seals a pending registration: returns the same request with `serverData` replaced by
    /// the sealed state. Send the returned request; drop the pending state.
    ///
    /// # Errors
    /// [`SealError::TooLarge`] if the username does not fit.
    pub fn seal_registration(
        &self,
        pending: &PendingRegistration,
    ) -> Result<RegistrationRequest, SealError> {
        let mut request = pending.request.clone();
        let sealed = Sealed {
            op: Operation::Reg,
            upv: request.header.upv,
            issued_at: pending.issued_at,
            challenge: request.challenge.as_bytes().to_vec(),
            username: Some(request.username.clone()),
            transactions: Vec::new(),
        };
        request.header.server_data = Some(self.seal(&sealed)?);
        Ok(request)
    }

    /// Seals a pending authentication (see [`ServerDataKey::seal_registration`]).
    ///
    /// # Errors
    /// [`SealError::TooLarge`] if the transactions or username do not fit.
    pub fn seal_authentication(
        &self,
        pending: &PendingAuthentication,
    ) -> Result<AuthenticationRequest, SealError> {
        let mut request = pending.request.clone();
        let sealed = Sealed {
            op: Operation::Auth,
            upv: request.header.upv,
            issued_at: pending.issued_at,
            challenge: request.challenge.as_bytes().to_vec(),
            username: pending.username.clone(),
            transactions: request.transaction.clone(),
        };
        request.header.server_data = Some(self.seal(&sealed)?);
        Ok(request)
    }

    /// Rebuilds the pending registration from the `serverData` of a response. The policy is
    /// the configured one plus `existing` (the user's registrations now) as `disallowed`.
    ///
    /// # Errors
    /// [`StepId::RegServerData`] with [`ErrorKind::ServerDataMismatch`] when the state does not
    /// open (tampered, another key, another operation, malformed).
    pub fn open_registration(
        &self,
        config: &Config,
        server_data: &str,
        existing: &[Registration],
    ) -> Result<PendingRegistration, Error> {
        let s = self
            .open(server_data, Operation::Reg)
            .map_err(|_| Error::new(StepId::RegServerData, ErrorKind::ServerDataMismatch))?;
        let mut policy = config.policy().clone();
        for r in existing {
            policy
                .disallowed
                .push(MatchCriteria::registered_key(r.aaid, r.key_id.clone()));
        }
        let challenge = ServerChallenge::new(s.challenge)
            .map_err(|_| Error::new(StepId::RegServerData, ErrorKind::ServerDataMismatch))?;
        let mut header = OperationHeader::new(s.upv, Operation::Reg);
        header.app_id = Some(config.app_id().clone());
        header.server_data = Some(String::from(server_data));
        let request = RegistrationRequest {
            header,
            challenge,
            username: s.username.unwrap_or_default(),
            policy,
        };
        Ok(PendingRegistration::from_issued(request, s.issued_at))
    }

    /// Rebuilds the pending authentication from the `serverData` of a response. For a
    /// user-bound request, pass that user's registrations now (the policy names them);
    /// otherwise the configured policy applies.
    ///
    /// # Errors
    /// As [`ServerDataKey::open_registration`], at [`StepId::AuthServerData`].
    pub fn open_authentication(
        &self,
        config: &Config,
        server_data: &str,
        user_registrations: &[Registration],
    ) -> Result<PendingAuthentication, Error> {
        let s = self
            .open(server_data, Operation::Auth)
            .map_err(|_| Error::new(StepId::AuthServerData, ErrorKind::ServerDataMismatch))?;
        let policy = if s.username.is_some() {
            Policy {
                accepted: user_registrations
                    .iter()
                    .map(|r| vec![MatchCriteria::registered_key(r.aaid, r.key_id.clone())])
                    .collect(),
                disallowed: Vec::new(),
            }
        } else {
            config.policy().clone()
        };
        let challenge = ServerChallenge::new(s.challenge)
            .map_err(|_| Error::new(StepId::AuthServerData, ErrorKind::ServerDataMismatch))?;
        let mut header = OperationHeader::new(s.upv, Operation::Auth);
        header.app_id = Some(config.app_id().clone());
        header.server_data = Some(String::from(server_data));
        let request = AuthenticationRequest {
            header,
            challenge,
            transaction: s.transactions,
            policy,
        };
        Ok(PendingAuthentication::from_issued(
            request,
            s.username,
            s.issued_at,
        ))
    }

    /// The username sealed in an authentication `serverData`, so a server can look up that
    /// user's registrations before [`ServerDataKey::open_authentication`].
    ///
    /// # Errors
    /// As [`ServerDataKey::open_authentication`].
    pub fn sealed_username(
        &self,
        server_data: &str,
        op: Operation,
    ) -> Result<Option<String>, SealError> {
        self.open(server_data, op).map(|s| s.username)
    }
}

fn op_byte(op: Operation) -> u8 {
    match op {
        Operation::Reg => 0,
        _ => 1,
    }
}

/// Remembers challenges until they expire, so a sealed (stateless) request is answered once.
pub trait ReplayGuard {
    /// The guard's own error.
    type Error: fmt::Debug + fmt::Display;

    /// Records `challenge` as used until `expires_at`; returns `false` if it was used
    /// already. Atomic: of two concurrent calls with one challenge, one gets `true`.
    ///
    /// # Errors
    /// The guard's error.
    fn first_use(&self, challenge: &[u8], expires_at: u64, now: u64) -> Result<bool, Self::Error>;
}

/// A [`ReplayGuard`] in memory (per process; thread-safe under `std`). Expired entries are
/// dropped as new ones arrive.
#[cfg(feature = "std")]
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    seen: std::sync::Mutex<Vec<(Vec<u8>, u64)>>,
}

#[cfg(feature = "std")]
impl MemoryReplayGuard {
    /// An empty guard.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(feature = "std")]
impl ReplayGuard for MemoryReplayGuard {
    type Error = crate::store::Infallible;

    fn first_use(&self, challenge: &[u8], expires_at: u64, now: u64) -> Result<bool, Self::Error> {
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        seen.retain(|(_, exp)| *exp >= now);
        if seen.iter().any(|(c, _)| c.as_slice() == challenge) {
            return Ok(false);
        }
        seen.push((challenge.to_vec(), expires_at));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RelyingPartyBuilder;
    use uaf_proto::message::Transaction;

    fn config() -> Config {
        RelyingPartyBuilder::new("https://uaf.example.com/facets.json")
            .build()
            .unwrap()
    }

    fn pending_auth() -> PendingAuthentication {
        let mut header = OperationHeader::new(Version::V1_1, Operation::Auth);
        header.app_id = Some(config().app_id().clone());
        header.server_data = Some("x".into());
        let request = AuthenticationRequest {
            header,
            challenge: ServerChallenge::new(vec![7; 32]).unwrap(),
            transaction: vec![Transaction::text("Pay 12.00 EUR to Alice? Code 4711").unwrap()],
            policy: config().policy().clone(),
        };
        PendingAuthentication::from_issued(request, Some("alice".into()), 1000)
    }

    #[test]
    fn seal_open_round_trip() {
        let key = ServerDataKey::new([9; 32]);
        let sealed = key.seal_authentication(&pending_auth()).unwrap();
        let sd = sealed.header.server_data.clone().unwrap();
        assert!(sd.len() <= 1536);
        let opened = key.open_authentication(&config(), &sd, &[]).unwrap();
        assert_eq!(opened.username(), Some("alice"));
        assert_eq!(opened.issued_at(), 1000);
        assert_eq!(opened.request().challenge.as_bytes(), &[7; 32]);
        assert_eq!(
            opened.request().transaction,
            pending_auth().request().transaction
        );
        assert_eq!(
            key.sealed_username(&sd, Operation::Auth).unwrap(),
            Some("alice".into())
        );
    }

    #[test]
    fn tampering_another_key_and_other_operation_fail() {
        let key = ServerDataKey::new([9; 32]);
        let sd = key
            .seal_authentication(&pending_auth())
            .unwrap()
            .header
            .server_data
            .unwrap();
        let mut bytes = b64::Base64Policy::Strict.decode(&sd).unwrap();
        bytes[12] ^= 1;
        let tampered = b64::encode(&bytes);
        assert_eq!(
            key.open(&tampered, Operation::Auth).err(),
            Some(SealError::BadMac)
        );
        let other = ServerDataKey::new([8; 32]);
        assert_eq!(
            other.open(&sd, Operation::Auth).err(),
            Some(SealError::BadMac)
        );
        assert_eq!(
            key.open(&sd, Operation::Reg).err(),
            Some(SealError::WrongOperation)
        );
        assert_eq!(
            key.open("AAAA", Operation::Auth).err(),
            Some(SealError::Malformed)
        );
        let e = key.open_registration(&config(), &sd, &[]).unwrap_err();
        assert_eq!(e.step, StepId::RegServerData);
        assert_eq!(e.kind, ErrorKind::ServerDataMismatch);
    }

    #[cfg(feature = "std")]
    #[test]
    fn replay_guard_is_single_use_until_expiry() {
        let g = MemoryReplayGuard::new();
        assert!(g.first_use(b"c", 100, 10).unwrap());
        assert!(!g.first_use(b"c", 100, 20).unwrap());
        // After expiry the entry is dropped (the challenge itself is expired by then).
        assert!(g.first_use(b"c", 300, 200).unwrap());
    }
}
