//! Key protection: raw key handles, their wrapping, and the KHAccessToken binding.
//!
//! **RawKeyHandle** (version 1), the secret state of one UAuth key (digest §5.10):
//!
//! ```text
//! key type (1: 0x01 P-256, 0x02 secp256k1) ‖ access binding (32) ‖ UAuth.priv scalar (32)
//! ‖ KeyID length (1) ‖ KeyID (0 or 32) ‖ username length (1) ‖ username (0..=128, UTF-8)
//! ```
//!
//! The access binding is `SHA-256(len(KHAccessToken) ‖ KHAccessToken ‖ AppID)` (the AppID
//! only when the command carries `TAG_APPID`): the token the ASM computes, with the AppID
//! mixed in as digest §5.10 asks of authenticators that see it. Second-factor key handles
//! hold no username and no KeyID (the wrapped handle is the KeyID).
//!
//! **KeyHandle** (what leaves the authenticator), in the style of OpenSK's credential
//! wrapping:
//!
//! ```text
//! version (1 = 0x01) ‖ nonce (12, random) ‖ AES-256-GCM(RawKeyHandle) ‖ tag (16)
//! ```
//!
//! with the authenticator's 32-byte wrapping secret as key and
//! `"uaf-authenticator key handle" ‖ version ‖ AAID` as associated data, so a key handle
//! only unwraps on an authenticator of the same model with the same secret, under the version
//! it was made with. Decrypted key material is held in zeroizing buffers.

use alloc::string::String;
use alloc::vec::Vec;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use rand_core::CryptoRng;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use uaf_crypto::{KeyType, SigningKey};
use uaf_proto::id::Aaid;
use zeroize::Zeroizing;

use crate::Error;

/// The current key handle format.
pub(crate) const KEY_HANDLE_VERSION: u8 = 0x01;
/// Associated-data label of wrapped key handles.
const AAD_LABEL: &[u8] = b"uaf-authenticator key handle";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Length of random KeyIDs (digest §11 #20: random KeyIDs are exactly 32 bytes).
pub(crate) const KEY_ID_LEN: usize = 32;

/// `SHA-256(len(token) ‖ token ‖ appID?)`: what a key is bound to.
pub(crate) fn access_binding(token: &[u8], app_id: Option<&str>) -> [u8; 32] {
    let mut h = Sha256::new();
    // The command parser limits the token to 32 bytes; saturate rather than assume it.
    h.update([u8::try_from(token.len()).unwrap_or(u8::MAX)]);
    h.update(token);
    if let Some(app_id) = app_id {
        h.update(app_id.as_bytes());
    }
    h.finalize().into()
}

/// Constant-time comparison of two access bindings.
pub(crate) fn binding_matches(a: &[u8; 32], b: &[u8; 32]) -> bool {
    bool::from(a.ct_eq(b))
}

const fn key_type_code(kt: KeyType) -> u8 {
    match kt {
        KeyType::Secp256k1 => 0x02,
        _ => 0x01,
    }
}

const fn key_type_from_code(code: u8) -> Option<KeyType> {
    match code {
        0x01 => Some(KeyType::P256),
        0x02 => Some(KeyType::Secp256k1),
        _ => None,
    }
}

/// The secret state of one key (see the module documentation for its encoding).
pub(crate) struct RawKeyHandle {
    pub(crate) binding: [u8; 32],
    pub(crate) key: SigningKey,
    pub(crate) key_id: Option<Vec<u8>>,
    pub(crate) username: Option<String>,
}

impl RawKeyHandle {
    fn encode(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let key_id = self.key_id.as_deref().unwrap_or(&[]);
        let username = self.username.as_deref().unwrap_or("").as_bytes();
        let id_len = u8::try_from(key_id.len())
            .map_err(|_| Error::InvalidCredentials("a KeyID in a key handle exceeds 255 bytes"))?;
        let name_len = u8::try_from(username.len()).map_err(|_| {
            Error::InvalidCredentials("a username in a key handle exceeds 255 bytes")
        })?;
        let mut out = Zeroizing::new(Vec::with_capacity(
            67usize
                .saturating_add(key_id.len())
                .saturating_add(username.len())
                .saturating_add(TAG_LEN),
        ));
        out.push(key_type_code(self.key.key_type()));
        out.extend_from_slice(&self.binding);
        out.extend_from_slice(&self.key.private_scalar()[..]);
        out.push(id_len);
        out.extend_from_slice(key_id);
        out.push(name_len);
        out.extend_from_slice(username);
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Option<RawKeyHandle> {
        let (&code, rest) = bytes.split_first()?;
        let key_type = key_type_from_code(code)?;
        let (binding, rest) = rest.split_first_chunk::<32>()?;
        let (scalar, rest) = rest.split_first_chunk::<32>()?;
        let key = SigningKey::from_private_scalar(key_type, scalar).ok()?;
        let (&id_len, rest) = rest.split_first()?;
        let (key_id, rest) = rest.split_at_checked(usize::from(id_len))?;
        let (&name_len, rest) = rest.split_first()?;
        let (username, rest) = rest.split_at_checked(usize::from(name_len))?;
        if !rest.is_empty() {
            return None;
        }
        Some(RawKeyHandle {
            binding: *binding,
            key,
            key_id: (!key_id.is_empty()).then(|| Vec::from(key_id)),
            username: if username.is_empty() {
                None
            } else {
                Some(String::from(core::str::from_utf8(username).ok()?))
            },
        })
    }
}

/// Wraps and unwraps key handles under the authenticator's secret.
pub(crate) struct KeyWrapper {
    secret: Zeroizing<[u8; 32]>,
}

impl KeyWrapper {
    /// A wrapper with a fresh secret from `rng`.
    pub(crate) fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> KeyWrapper {
        let mut secret = Zeroizing::new([0_u8; 32]);
        rng.fill_bytes(&mut secret[..]);
        KeyWrapper { secret }
    }

    fn cipher(&self) -> Result<Aes256Gcm, Error> {
        Aes256Gcm::new_from_slice(&self.secret[..])
            .map_err(|_| Error::InvalidCredentials("the wrapping secret is not an AES-256 key"))
    }

    fn aad(aaid: &Aaid) -> Vec<u8> {
        let mut aad = Vec::with_capacity(AAD_LABEL.len() + 10);
        aad.extend_from_slice(AAD_LABEL);
        aad.push(KEY_HANDLE_VERSION);
        aad.extend_from_slice(aaid.as_bytes());
        aad
    }

    /// `version ‖ nonce ‖ ciphertext ‖ tag`.
    pub(crate) fn wrap<R: CryptoRng + ?Sized>(
        &self,
        raw: &RawKeyHandle,
        aaid: &Aaid,
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        let mut nonce = [0_u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let mut buf = raw.encode()?;
        let tag = self
            .cipher()?
            .encrypt_inout_detached(
                &Nonce::from(nonce),
                &Self::aad(aaid),
                buf.as_mut_slice().into(),
            )
            .map_err(|_| Error::InvalidCredentials("key handle encryption failed"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len() + TAG_LEN);
        out.push(KEY_HANDLE_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        out.extend_from_slice(tag.as_slice());
        Ok(out)
    }

    /// The raw key handle, or `None` if `handle` is not a key handle this authenticator made
    /// (another version, another secret or model, or tampered with).
    pub(crate) fn unwrap(&self, handle: &[u8], aaid: &Aaid) -> Option<RawKeyHandle> {
        let (&version, rest) = handle.split_first()?;
        if version != KEY_HANDLE_VERSION {
            return None;
        }
        let (nonce, rest) = rest.split_first_chunk::<NONCE_LEN>()?;
        let (ciphertext, tag) = rest.split_at_checked(rest.len().checked_sub(TAG_LEN)?)?;
        let tag = Tag::try_from(tag).ok()?;
        let mut buf = Zeroizing::new(Vec::from(ciphertext));
        self.cipher()
            .ok()?
            .decrypt_inout_detached(
                &Nonce::from(*nonce),
                &Self::aad(aaid),
                buf.as_mut_slice().into(),
                &tag,
            )
            .ok()?;
        RawKeyHandle::decode(&buf)
    }
}

/// A key kept inside the authenticator ([`KeyStorage::Internal`](crate::KeyStorage::Internal)).
pub(crate) struct StoredKey {
    pub(crate) key_id: Vec<u8>,
    pub(crate) binding: [u8; 32],
    pub(crate) app_id: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) key: SigningKey,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn aaid() -> Aaid {
        Aaid::parse("FFFF#FC01").unwrap()
    }

    fn raw(rng: &mut ChaCha20Rng, key_id: Option<Vec<u8>>, username: Option<&str>) -> RawKeyHandle {
        RawKeyHandle {
            binding: access_binding(b"token", Some("https://example.com")),
            key: SigningKey::generate(KeyType::P256, rng).unwrap(),
            key_id,
            username: username.map(String::from),
        }
    }

    #[test]
    fn wrap_round_trips_and_rejects_tampering() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let wrapper = KeyWrapper::generate(&mut rng);
        let original = raw(&mut rng, Some(alloc::vec![7; 32]), Some("alice"));
        let handle = wrapper.wrap(&original, &aaid(), &mut rng).unwrap();
        assert_eq!(handle.first(), Some(&KEY_HANDLE_VERSION));
        let back = wrapper.unwrap(&handle, &aaid()).unwrap();
        assert_eq!(back.binding, original.binding);
        assert_eq!(back.key.public_key(), original.key.public_key());
        assert_eq!(back.key_id.as_deref(), Some(&[7; 32][..]));
        assert_eq!(back.username.as_deref(), Some("alice"));

        // Every single-bit change is detected.
        for i in 0..handle.len() {
            let mut bad = handle.clone();
            bad[i] ^= 0x01;
            assert!(wrapper.unwrap(&bad, &aaid()).is_none(), "byte {i}");
        }
        // Another model, another secret, truncation, an unknown version.
        assert!(
            wrapper
                .unwrap(&handle, &Aaid::parse("FFFF#FC02").unwrap())
                .is_none()
        );
        assert!(
            KeyWrapper::generate(&mut rng)
                .unwrap(&handle, &aaid())
                .is_none()
        );
        assert!(
            wrapper
                .unwrap(&handle[..handle.len() - 1], &aaid())
                .is_none()
        );
        assert!(wrapper.unwrap(&[], &aaid()).is_none());
        assert!(wrapper.unwrap(&[KEY_HANDLE_VERSION; 20], &aaid()).is_none());
    }

    #[test]
    fn second_factor_handles_carry_no_identity() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let wrapper = KeyWrapper::generate(&mut rng);
        let handle = wrapper
            .wrap(&raw(&mut rng, None, None), &aaid(), &mut rng)
            .unwrap();
        let back = wrapper.unwrap(&handle, &aaid()).unwrap();
        assert!(back.key_id.is_none() && back.username.is_none());
        // 1 + 12 + (1 + 32 + 32 + 1 + 1) + 16: long enough to be a KeyID (at least 32 bytes).
        assert_eq!(handle.len(), 96);
    }

    #[test]
    fn raw_decoding_is_strict() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let encoded = raw(&mut rng, None, Some("bob")).encode().unwrap();
        assert!(RawKeyHandle::decode(&encoded).is_some());
        let mut trailing = encoded.to_vec();
        trailing.push(0);
        assert!(RawKeyHandle::decode(&trailing).is_none());
        let mut bad_type = encoded.to_vec();
        bad_type[0] = 0x07;
        assert!(RawKeyHandle::decode(&bad_type).is_none());
        assert!(RawKeyHandle::decode(&encoded[..40]).is_none());
    }

    #[test]
    fn binding_mixes_token_and_app_id_unambiguously() {
        let a = access_binding(b"ab", Some("c"));
        assert!(binding_matches(&a, &access_binding(b"ab", Some("c"))));
        assert!(!binding_matches(&a, &access_binding(b"a", Some("bc"))));
        assert!(!binding_matches(&a, &access_binding(b"ab", None)));
        assert!(!binding_matches(&a, &access_binding(b"ab", Some("d"))));
    }
}
