//! Secrets of the phone sign-in flow: made from 32 bytes of OS randomness, handed out once as
//! base64url text, stored only as SHA-256, compared in constant time, with an expiry.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Bytes of randomness in every token (device token, browser secret, session id, attempt id).
pub(crate) const TOKEN_BYTES: usize = 32;

/// Characters of an invite code (base32: 5 bits each, 50 bits in all).
pub(crate) const INVITE_CODE_LEN: usize = 10;

/// RFC 4648 base32 alphabet (no `0`, `1`, `8`, `9`: fewer misreadings of `O`, `I`, `B`, `g`).
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh secret: its text (what the holder gets, once) and its SHA-256 (what is stored).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Fresh {
    /// The text handed out (base64url, or base32 for invite codes).
    pub(crate) text: String,
    /// SHA-256 of the text: what the database keeps.
    pub(crate) hash: [u8; 32],
}

impl core::fmt::Debug for Fresh {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Fresh")
            .field("text", &"<secret>")
            .finish_non_exhaustive()
    }
}

/// SHA-256 of a secret's text: the stored form and the lookup key.
#[must_use]
pub(crate) fn hash(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// Whether `text` hashes to `stored`, compared in constant time (`subtle`). The lookup that
/// found `stored` used the hash too, so timing tells an attacker nothing about the secret.
#[must_use]
pub(crate) fn matches(text: &str, stored: &[u8]) -> bool {
    let h = hash(text);
    bool::from(h.as_slice().ct_eq(stored))
}

/// A fresh 32-byte token from the operating system, as base64url text (43 characters).
///
/// # Errors
/// The OS has no randomness to give.
pub(crate) fn token() -> Result<Fresh, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    let text = URL_SAFE_NO_PAD.encode(bytes);
    Ok(Fresh {
        hash: hash(&text),
        text,
    })
}

/// Whether `text` looks like a token of [`token`] (43 base64url characters): anything else is
/// refused before any lookup.
#[must_use]
pub(crate) fn is_token(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A fresh invite code: [`INVITE_CODE_LEN`] base32 characters (each from 5 uniform bits of
/// an OS random byte).
///
/// # Errors
/// The OS has no randomness to give.
pub(crate) fn invite_code() -> Result<Fresh, getrandom::Error> {
    let mut bytes = [0u8; INVITE_CODE_LEN];
    getrandom::fill(&mut bytes)?;
    let text: String = bytes
        .iter()
        .map(|b| {
            let i = usize::from(b & 0x1f);
            BASE32.get(i).map_or('A', |c| char::from(*c))
        })
        .collect();
    Ok(Fresh {
        hash: hash(&text),
        text,
    })
}

/// An invite code as typed: spaces and dashes dropped, upper case (what is hashed).
#[must_use]
pub(crate) fn normalise_invite_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_matches() {
        let a = token().unwrap();
        let b = token().unwrap();
        assert_ne!(a.text, b.text);
        assert!(is_token(&a.text));
        assert_eq!(URL_SAFE_NO_PAD.decode(&a.text).unwrap().len(), TOKEN_BYTES);
        assert_eq!(a.hash, hash(&a.text));
        // The stored form is the hash, not the text.
        assert_ne!(a.hash.as_slice(), a.text.as_bytes());
        assert!(matches(&a.text, &a.hash));
        assert!(!matches(&b.text, &a.hash));
        // One character off, a truncated hash, an empty hash: no match.
        let mut off = a.text.clone().into_bytes();
        off[0] = if off[0] == b'A' { b'B' } else { b'A' };
        assert!(!matches(&String::from_utf8(off).unwrap(), &a.hash));
        assert!(!matches(&a.text, &a.hash[..31]));
        assert!(!matches(&a.text, &[]));
    }

    #[test]
    fn token_shape_is_checked() {
        assert!(!is_token(""));
        assert!(!is_token(&"A".repeat(42)));
        assert!(!is_token(&"A".repeat(44)));
        assert!(!is_token(&format!("{}=", "A".repeat(42))));
        assert!(!is_token(&format!("{}/", "A".repeat(42))));
        assert!(is_token(&format!("{}-_", "A".repeat(41))));
    }

    #[test]
    fn invite_codes_are_base32_and_normalised() {
        let c = invite_code().unwrap();
        assert_eq!(c.text.len(), INVITE_CODE_LEN);
        assert!(c.text.bytes().all(|b| BASE32.contains(&b)));
        let typed = format!(
            " {}-{} ",
            c.text[..5].to_lowercase(),
            c.text[5..].to_lowercase()
        );
        assert!(matches(&normalise_invite_code(&typed), &c.hash));
        assert_ne!(invite_code().unwrap().text, c.text);
    }
}
