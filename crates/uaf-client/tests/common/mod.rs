//! A small authenticator written for these tests over `uaf-proto` command types and
//! `uaf-crypto` signing, so that the client's own behaviour (which commands it sends, what it
//! keeps) can be checked precisely. Key handles are NOT protected here (plain text): test
//! code only. The end-to-end tests with the simulated authenticator of `uaf-authenticator`
//! are in `tests/with_simulated_authenticator.rs`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng};
use uaf_client::AuthenticatorTransport;
use uaf_crypto::{KeyType, SigningKey};
use uaf_proto::assertion::{
    Attestation, AuthAssertionInfo, KrdBuilder, RegAssertionInfo, SignedDataBuilder,
    encode_auth_assertion, encode_reg_assertion,
};
use uaf_proto::command::{
    AuthenticatorInfo, AuthenticatorMetadata, Command, DeregisterResponse, GetInfoResponse,
    PngCharacteristics, RegisterResponse, SignResponse, SignResponseContent, UsernameAndKeyHandle,
};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{
    AlgKey, AlgSign, AttestationType, AuthenticatorType, KeyProtection, MatcherProtection,
    TcDisplay, UserVerify,
};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::TlvList;

/// What the simulated user does when asked to verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum User {
    Verifies,
    WrongPin,
    Cancels,
}

/// One internal authenticator.
#[derive(Clone, Debug)]
pub(crate) struct Info {
    pub aaid: Aaid,
    pub kind: AuthenticatorType,
    pub user_verification: UserVerify,
    pub key_protection: KeyProtection,
    pub tc_display: TcDisplay,
    pub content_type: Option<&'static str>,
    /// (width, height) of PNG displays (bit depth 8, colour type 6, no palette).
    pub pngs: Vec<(u32, u32)>,
    pub attestation_types: Vec<AttestationType>,
    pub alg: AlgSign,
    pub max_key_handles: u8,
    pub exts: Vec<&'static str>,
}

impl Info {
    pub(crate) fn phone(aaid: &str) -> Self {
        Info {
            aaid: Aaid::parse(aaid).unwrap(),
            kind: AuthenticatorType::USER_ENROLLED,
            user_verification: UserVerify::PASSCODE,
            key_protection: KeyProtection::SOFTWARE,
            tc_display: TcDisplay::ANY | TcDisplay::PRIVILEGED_SOFTWARE,
            content_type: Some("text/plain"),
            pngs: Vec::new(),
            attestation_types: vec![AttestationType::BasicSurrogate],
            alg: AlgSign::Secp256r1EcdsaSha256Raw,
            max_key_handles: 8,
            exts: Vec::new(),
        }
    }
}

/// A key kept inside (authenticators with `UAF_TYPE_KEYHANDLE_STORAGE`).
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub index: u8,
    pub handle: Vec<u8>,
}

pub(crate) struct Mini {
    pub infos: Vec<Info>,
    pub user: User,
    /// With several usable keys: list the accounts (first-factor) instead of using the first.
    pub list_accounts: bool,
    pub rng: ChaCha20Rng,
    pub stored: Vec<Stored>,
    pub sign_counter: u32,
    pub reg_counter: u32,
    /// Every command received.
    pub commands: Vec<Vec<u8>>,
    /// Every transaction content shown to the user.
    pub shown: Vec<Vec<u8>>,
    pub version: u16,
}

/// Key handle layout (plain, test only): KeyID (32) ‖ scalar (32) ‖ token (32) ‖ username.
fn handle(key_id: &[u8], scalar: &[u8], token: &[u8], username: &str) -> Vec<u8> {
    [key_id, scalar, token, username.as_bytes()].concat()
}

/// (KeyID, scalar, token, username) of a key handle.
type Parts<'a> = (&'a [u8], &'a [u8], &'a [u8], &'a str);

fn split(handle: &[u8]) -> Option<Parts<'_>> {
    let (key_id, rest) = handle.split_at_checked(32)?;
    let (scalar, rest) = rest.split_at_checked(32)?;
    let (token, name) = rest.split_at_checked(32)?;
    Some((key_id, scalar, token, core::str::from_utf8(name).ok()?))
}

impl Mini {
    pub(crate) fn new(seed: u64, infos: Vec<Info>) -> Self {
        Mini {
            infos,
            user: User::Verifies,
            list_accounts: false,
            rng: ChaCha20Rng::seed_from_u64(seed),
            stored: Vec::new(),
            sign_counter: 0,
            reg_counter: 0,
            commands: Vec::new(),
            shown: Vec::new(),
            version: 1,
        }
    }

    pub(crate) fn phone(seed: u64) -> Self {
        Mini::new(seed, vec![Info::phone("ABCD#0001")])
    }

    fn info(&self, index: u8) -> Option<&Info> {
        self.infos.get(usize::from(index))
    }

    fn verify_user(&self) -> Result<(), CmdStatus> {
        match self.user {
            User::Verifies => Ok(()),
            User::WrongPin => Err(CmdStatus::AccessDenied),
            User::Cancels => Err(CmdStatus::UserCancelled),
        }
    }

    fn get_info(&self) -> Vec<u8> {
        let pngs: Vec<Vec<[u8; 13]>> = self
            .infos
            .iter()
            .map(|i| {
                i.pngs
                    .iter()
                    .map(|(w, h)| {
                        let mut b = [0u8; 13];
                        b[..4].copy_from_slice(&w.to_le_bytes());
                        b[4..8].copy_from_slice(&h.to_le_bytes());
                        b[8] = 8;
                        b[9] = 6;
                        b
                    })
                    .collect()
            })
            .collect();
        let png_items: Vec<Vec<PngCharacteristics<'_>>> = pngs
            .iter()
            .map(|l| {
                l.iter()
                    .map(|b| PngCharacteristics::from_bytes(b).unwrap())
                    .collect()
            })
            .collect();
        let infos: Vec<AuthenticatorInfo<'_>> = self
            .infos
            .iter()
            .enumerate()
            .map(|(n, i)| AuthenticatorInfo {
                authenticator_index: u8::try_from(n).unwrap(),
                aaid: i.aaid,
                metadata: AuthenticatorMetadata {
                    authenticator_type: i.kind,
                    max_key_handles: i.max_key_handles,
                    user_verification: i.user_verification,
                    key_protection: i.key_protection,
                    matcher_protection: MatcherProtection::Software,
                    tc_display: i.tc_display,
                    authentication_alg: i.alg,
                },
                tc_display_content_type: i.content_type,
                tc_display_png_characteristics: TlvList::from_slice(&png_items[n]),
                assertion_scheme: "UAFV1TLV",
                attestation_types: TlvList::from_slice(&i.attestation_types),
                supported_extension_ids: TlvList::from_slice(&i.exts),
            })
            .collect();
        GetInfoResponse {
            status: CmdStatus::Ok,
            api_version: Some(1),
            authenticators: TlvList::from_slice(&infos),
            extensions: TlvList::empty(),
        }
        .encode()
        .unwrap()
    }

    fn register(&mut self, c: &uaf_proto::command::RegisterCommand<'_>) -> Vec<u8> {
        let fail = |status| {
            RegisterResponse {
                status,
                assertion: None,
                key_handle: None,
                extensions: TlvList::empty(),
            }
            .encode()
            .unwrap()
        };
        let Some(info) = self.info(c.authenticator_index).cloned() else {
            return fail(CmdStatus::ParamsInvalid);
        };
        if let Err(s) = self.verify_user() {
            return fail(s);
        }
        if !info.attestation_types.contains(&c.attestation_type)
            || c.attestation_type != AttestationType::BasicSurrogate
        {
            return fail(CmdStatus::AttestationNotSupported);
        }
        let key = SigningKey::generate(KeyType::P256, &mut self.rng).unwrap();
        let mut key_id = [0u8; 32];
        self.rng.fill_bytes(&mut key_id);
        let pub_key = key.public_key().encode(AlgKey::EccX962Raw).unwrap();
        self.reg_counter += 1;
        let krd = KrdBuilder {
            aaid: info.aaid,
            assertion_info: RegAssertionInfo {
                authenticator_version: self.version,
                authentication_mode: 1,
                sign_alg: info.alg,
                pub_key_alg: AlgKey::EccX962Raw,
            },
            final_challenge_hash: c.final_challenge_hash,
            key_id: &key_id,
            sign_counter: 0,
            reg_counter: self.reg_counter,
            pub_key: &pub_key,
            extensions: TlvList::empty(),
        }
        .encode()
        .unwrap();
        let sig = key.sign_deterministic(info.alg, &krd).unwrap();
        let assertion = encode_reg_assertion(
            &krd,
            &Attestation::BasicSurrogate {
                signature: sig.as_bytes(),
            },
            TlvList::empty(),
        )
        .unwrap();
        let h = handle(
            &key_id,
            &key.private_scalar()[..],
            c.kh_access_token,
            c.username,
        );
        let keeps = info.kind.contains(AuthenticatorType::KEY_HANDLE_STORAGE);
        if keeps {
            self.stored.push(Stored {
                index: c.authenticator_index,
                handle: h.clone(),
            });
        }
        RegisterResponse {
            status: CmdStatus::Ok,
            assertion: Some(&assertion),
            key_handle: if keeps { None } else { Some(&h) },
            extensions: TlvList::empty(),
        }
        .encode()
        .unwrap()
    }

    fn sign(&mut self, c: &uaf_proto::command::SignCommand<'_>) -> Vec<u8> {
        let fail = |status| {
            SignResponse {
                status,
                content: SignResponseContent::None,
                extensions: TlvList::empty(),
            }
            .encode()
            .unwrap()
        };
        let Some(info) = self.info(c.authenticator_index).cloned() else {
            return fail(CmdStatus::ParamsInvalid);
        };
        if let Err(s) = self.verify_user() {
            return fail(s);
        }
        let keeps = info.kind.contains(AuthenticatorType::KEY_HANDLE_STORAGE);
        // Handles as given, or (stored keys) looked up by KeyID.
        let mut handles: Vec<Vec<u8>> = Vec::new();
        for h in c.key_handles.iter() {
            if keeps {
                handles.extend(
                    self.stored
                        .iter()
                        .filter(|s| {
                            s.index == c.authenticator_index && s.handle.get(..32) == Some(h)
                        })
                        .map(|s| s.handle.clone()),
                );
            } else {
                handles.push(h.to_vec());
            }
        }
        let usable: Vec<Vec<u8>> = handles
            .into_iter()
            .filter(|h| split(h).is_some_and(|(_, _, token, _)| token == c.kh_access_token))
            .collect();
        if usable.is_empty() {
            return fail(CmdStatus::AccessDenied);
        }
        if usable.len() > 1 && self.list_accounts {
            let accounts: Vec<UsernameAndKeyHandle<'_>> = usable
                .iter()
                .map(|h| {
                    let (key_id, _, _, name) = split(h).unwrap();
                    UsernameAndKeyHandle {
                        username: name,
                        key_handle: if keeps { key_id } else { h },
                    }
                })
                .collect();
            return SignResponse {
                status: CmdStatus::Ok,
                content: SignResponseContent::UsernamesAndKeyHandles(TlvList::from_slice(
                    &accounts,
                )),
                extensions: TlvList::empty(),
            }
            .encode()
            .unwrap();
        }
        let (key_id, scalar, _, _) = split(&usable[0]).unwrap();
        let mut tc_hash = Vec::new();
        let mut mode = 1;
        if let Some(content) = c.transaction_content {
            if info.tc_display.is_empty() {
                return fail(CmdStatus::AccessDenied);
            }
            self.shown.push(content.to_vec());
            use sha2::Digest as _;
            tc_hash = sha2::Sha256::digest(content).to_vec();
            mode = 2;
        }
        self.sign_counter += 1;
        let mut nonce = [0u8; 8];
        self.rng.fill_bytes(&mut nonce);
        let signed = SignedDataBuilder {
            aaid: info.aaid,
            assertion_info: AuthAssertionInfo {
                authenticator_version: self.version,
                authentication_mode: mode,
                sign_alg: info.alg,
            },
            authenticator_nonce: &nonce,
            final_challenge_hash: c.final_challenge_hash,
            transaction_content_hash: &tc_hash,
            key_id,
            sign_counter: self.sign_counter,
            extensions: TlvList::empty(),
        }
        .encode()
        .unwrap();
        let key = SigningKey::from_private_scalar(KeyType::P256, scalar).unwrap();
        let sig = key.sign_deterministic(info.alg, &signed).unwrap();
        let assertion = encode_auth_assertion(&signed, sig.as_bytes(), TlvList::empty()).unwrap();
        SignResponse {
            status: CmdStatus::Ok,
            content: SignResponseContent::Assertion(&assertion),
            extensions: TlvList::empty(),
        }
        .encode()
        .unwrap()
    }

    fn deregister(&mut self, c: &uaf_proto::command::DeregisterCommand<'_>) -> Vec<u8> {
        let status = match self.info(c.authenticator_index) {
            None => CmdStatus::ParamsInvalid,
            Some(i) if !i.kind.contains(AuthenticatorType::KEY_HANDLE_STORAGE) => {
                CmdStatus::CmdNotSupported
            }
            Some(_) => {
                let before = self.stored.len();
                let index = c.authenticator_index;
                self.stored.retain(|s| {
                    !(s.index == index
                        && s.handle.get(..32) == Some(c.key_id)
                        && split(&s.handle).is_some_and(|(_, _, t, _)| t == c.kh_access_token))
                });
                if self.stored.len() < before {
                    CmdStatus::Ok
                } else {
                    CmdStatus::AccessDenied
                }
            }
        };
        DeregisterResponse {
            status,
            extensions: TlvList::empty(),
        }
        .encode()
        .unwrap()
    }
}

impl AuthenticatorTransport for Mini {
    fn send(&mut self, command: &[u8]) -> Vec<u8> {
        self.commands.push(command.to_vec());
        match Command::parse(command) {
            Ok(Command::GetInfo(_)) => self.get_info(),
            Ok(Command::Register(c)) => self.register(&c),
            Ok(Command::Sign(c)) => self.sign(&c),
            Ok(Command::Deregister(c)) => self.deregister(&c),
            _ => Vec::new(),
        }
    }
}

/// A palette-free PNG characteristics value as the client reports it in JSON.
pub(crate) fn png(
    width: u32,
    height: u32,
) -> uaf_proto::message::DisplayPngCharacteristicsDescriptor {
    uaf_proto::message::DisplayPngCharacteristicsDescriptor {
        width,
        height,
        bit_depth: 8,
        color_type: 6,
        compression: 0,
        filter: 0,
        interlace: 0,
        plte: Vec::new(),
    }
}
