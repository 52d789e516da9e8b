//! Hand-built material for the few defects a correct simulator cannot make: a second
//! registration of a KeyID already registered, `fcParams` without `channelBinding`, an
//! X.509 v1 attestation certificate, and a PNG for transaction confirmation. Built with the
//! `uaf-proto` builders and `uaf-crypto` signing, like the relying party's own step tests.

use alloc::string::String;
use alloc::vec::Vec;

use uaf_crypto::{KeyType, SigningKey};
use uaf_proto::assertion::{
    Attestation, Extensions, KrdBuilder, RegAssertionInfo, encode_reg_assertion,
};
use uaf_proto::b64;
use uaf_proto::id::Aaid;
use uaf_proto::message::{
    AuthenticatorRegistrationAssertion, OperationHeader, RegistrationResponse,
};
use uaf_proto::registry::{AlgKey, AlgSign, HashAlg};

use super::CaseError;
use super::sim::rng;

/// A P-256 key of a hand-built authenticator (surrogate attestation, RAW signatures).
pub(crate) fn key(name: &str) -> Result<SigningKey, CaseError> {
    Ok(SigningKey::generate(KeyType::P256, &mut rng(name, 7))?)
}

/// `fcParams` (base64url of the JSON text) with these members; `channel_binding` `None`
/// leaves the member out.
pub(crate) fn fc_params(
    app_id: &str,
    challenge: &str,
    facet: &str,
    channel_binding: Option<&str>,
) -> String {
    let json = match channel_binding {
        Some(cb) => alloc::format!(
            r#"{{"appID":"{app_id}","challenge":"{challenge}","facetID":"{facet}","channelBinding":{cb}}}"#
        ),
        None => alloc::format!(
            r#"{{"appID":"{app_id}","challenge":"{challenge}","facetID":"{facet}"}}"#
        ),
    };
    b64::encode(json.as_bytes())
}

fn sha256(data: &[u8]) -> Result<Vec<u8>, CaseError> {
    Ok(uaf_crypto::hash(HashAlg::Sha256, data)?.as_bytes().to_vec())
}

/// A surrogate-attested registration assertion of `key` under KeyID `key_id`, over
/// `fc_params`.
pub(crate) fn reg_tlv(
    aaid: &str,
    fc_params: &str,
    key: &SigningKey,
    key_id: &[u8],
) -> Result<Vec<u8>, CaseError> {
    let fch = sha256(fc_params.as_bytes())?;
    let pub_key = key.public_key().encode(AlgKey::EccX962Raw)?;
    let krd = KrdBuilder {
        aaid: Aaid::parse(aaid)?,
        assertion_info: RegAssertionInfo {
            authenticator_version: 1,
            authentication_mode: 1,
            sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
            pub_key_alg: AlgKey::EccX962Raw,
        },
        final_challenge_hash: &fch,
        key_id,
        sign_counter: 0,
        reg_counter: 1,
        pub_key: &pub_key,
        extensions: Extensions::empty(),
    }
    .encode()?;
    let sig = key.sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, &krd)?;
    Ok(encode_reg_assertion(
        &krd,
        &Attestation::BasicSurrogate {
            signature: sig.as_bytes(),
        },
        Extensions::empty(),
    )?)
}

/// A registration response echoing `header`, with `fc_params` and one assertion per TLV.
pub(crate) fn reg_response(
    header: &OperationHeader,
    fc_params: String,
    tlvs: &[Vec<u8>],
) -> Result<String, CaseError> {
    let assertions = tlvs
        .iter()
        .map(|t| AuthenticatorRegistrationAssertion::from_tlv(t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RegistrationResponse {
        header: header.clone(),
        fc_params,
        assertions,
    }
    .to_json())
}

/// A self-issued X.509 **v1** certificate for `key` (`uaf-authenticator`'s
/// [`legacy_v1_certificate`](uaf_authenticator::legacy_v1_certificate)): the shape of many
/// deployed UAF attestation certificates, which strict path validation refuses and the
/// `legacy_certificates` option accepts.
pub(crate) fn v1_certificate(
    key: &SigningKey,
    cn: &str,
    not_after: &[u8],
) -> Result<Vec<u8>, CaseError> {
    Ok(uaf_authenticator::legacy_v1_certificate(
        key, cn, not_after,
    )?)
}

// ----- PNG, for image/png transactions -----

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1_u32, 0_u32);
    for x in data {
        a = (a + u32::from(*x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend(u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A valid RGBA PNG of `width` × `height` (8-bit, colour type 6), a diagonal gradient,
/// stored uncompressed; small sizes only (one deflate block, under 64 KiB of pixels).
pub(crate) fn png(width: u8, height: u8) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend([x.wrapping_mul(16), y.wrapping_mul(16), 0x80, 0xFF]);
        }
    }
    let len = u16::try_from(raw.len()).unwrap_or(u16::MAX);
    let mut zlib = alloc::vec![0x78, 0x01, 0x01];
    zlib.extend(len.to_le_bytes());
    zlib.extend((!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend(adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(u32::from(width).to_be_bytes());
    ihdr.extend(u32::from(height).to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut out = alloc::vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_adler_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }
}
