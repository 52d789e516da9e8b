//! [`FinalChallengeParams`] and [`ChannelBinding`] (digest §2.11).

use alloc::string::String;

use serde::Serialize;

use super::DecodeOptions;
use super::common::ServerChallenge;
use super::error::{MessageError, MessageErrorKind, Path};
use super::header::decode_app_id;
use super::json::{self, Members, Node};
use super::ser;
use crate::b64::{self, Base64Policy};
use crate::id::AppId;

/// What the client binds the authenticator's signature to (digest §2.11). In a response it
/// travels as `fcParams`: base64url of this object's JSON. The final challenge hash is computed
/// over that **text as received**, so a verifier keeps the string
/// ([`RegistrationResponse::fc_params`](super::RegistrationResponse::fc_params) decodes it) and
/// never re-encodes this value to hash it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FinalChallengeParams {
    /// The AppID the client used (`appID`; after an empty request AppID was replaced by the
    /// facet ID, so never empty).
    #[serde(rename = "appID", serialize_with = "ser::display")]
    pub app_id: AppId,
    /// The challenge of the request.
    pub challenge: ServerChallenge,
    /// The caller's facet ID as the client determined it (`facetID`), kept as received: the
    /// verifier compares it with its trusted list.
    #[serde(rename = "facetID")]
    pub facet_id: String,
    /// TLS channel binding data (`channelBinding`; required, may be `{}`).
    #[serde(rename = "channelBinding")]
    pub channel_binding: ChannelBinding,
}

impl FinalChallengeParams {
    /// Decodes the `fcParams` text of a response: base64url under `policy`, UTF-8, strict JSON
    /// object with non-empty strings `appID`, `challenge` and `facetID` and an object
    /// `channelBinding` (digest §3.2 R3). Error paths start with `fcParams`.
    ///
    /// # Errors
    /// [`MessageError`]: [`MessageErrorKind::Base64`], [`MessageErrorKind::InvalidUtf8`] or
    /// [`MessageErrorKind::InvalidJson`] at `fcParams`; member errors at `fcParams.<member>`.
    pub fn from_fc_params(fc_params: &str, policy: Base64Policy) -> Result<Self, MessageError> {
        Self::from_fc_params_with(fc_params, &DecodeOptions::new().with_base64(policy))
    }

    /// As [`FinalChallengeParams::from_fc_params`], with every decode option (the base64
    /// policy, and whether a missing `channelBinding` reads as `{}`).
    ///
    /// # Errors
    /// As [`FinalChallengeParams::from_fc_params`].
    pub fn from_fc_params_with(
        fc_params: &str,
        opts: &DecodeOptions,
    ) -> Result<Self, MessageError> {
        let root = Path::Root;
        let path = root.key("fcParams");
        let bytes = json::decode_base64(fc_params, &path, opts)?;
        let text = core::str::from_utf8(&bytes)
            .map_err(|_| MessageError::at(&path, MessageErrorKind::InvalidUtf8))?;
        let value = json::parse_node(text, &path)?;
        Self::decode(&value, &path, opts)
    }

    /// Decodes the JSON text of a `FinalChallengeParams` object (already base64url-decoded).
    ///
    /// # Errors
    /// As [`FinalChallengeParams::from_fc_params`], with paths from the object's root.
    pub fn parse_json(text: &str, options: &DecodeOptions) -> Result<Self, MessageError> {
        let value = json::parse_node(text, &Path::Root)?;
        Self::decode(&value, &Path::Root, options)
    }

    /// The JSON text of this object.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(self)
    }

    /// The `fcParams` text a client puts into its response: unpadded base64url of
    /// [`to_json`](Self::to_json).
    #[must_use]
    pub fn to_fc_params(&self) -> String {
        b64::encode(self.to_json().as_bytes())
    }

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(FinalChallengeParams {
            app_id: m.required("appID", |v, p| {
                json::nonempty_string(v, p)?;
                decode_app_id(v, p)
            })?,
            challenge: m.required("challenge", |v, p| {
                json::nonempty_string(v, p)?;
                ServerChallenge::decode(v, p, opts)
            })?,
            facet_id: m.required("facetID", json::nonempty_string)?.into(),
            channel_binding: if opts.allow_missing_channel_binding {
                m.optional("channelBinding", ChannelBinding::decode)?
                    .unwrap_or_default()
            } else {
                m.required("channelBinding", ChannelBinding::decode)?
            },
        })
    }
}

/// TLS channel binding information (digest §2.11). Every member is optional; `{}` is valid.
/// Values are kept as received text: the verifier compares them with what it knows of its TLS
/// connection, and `cid_pubkey` may be the literal `"unused"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ChannelBinding {
    /// base64url of the hash of the TLS server certificate (`serverEndPoint`, RFC 5929
    /// `tls-server-end-point`).
    #[serde(rename = "serverEndPoint", skip_serializing_if = "Option::is_none")]
    pub server_end_point: Option<String>,
    /// base64url of the DER TLS server certificate (`tlsServerCertificate`).
    #[serde(
        rename = "tlsServerCertificate",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls_server_certificate: Option<String>,
    /// base64url of the RFC 5929 `tls-unique` value (`tlsUnique`).
    #[serde(rename = "tlsUnique", skip_serializing_if = "Option::is_none")]
    pub tls_unique: Option<String>,
    /// base64url of the JWK of the TLS Channel ID public key, or `"unused"` (`cid_pubkey`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cid_pubkey: Option<String>,
}

impl ChannelBinding {
    /// The `cid_pubkey` value of a client that supports Channel ID when the server did not
    /// negotiate it.
    pub const CID_PUBKEY_UNUSED: &'static str = "unused";

    /// Whether no member is present (`{}`).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.server_end_point.is_none()
            && self.tls_server_certificate.is_none()
            && self.tls_unique.is_none()
            && self.cid_pubkey.is_none()
    }

    fn decode(v: &Node<'_>, path: &Path<'_>) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        let text = |v: &Node<'_>, p: &Path<'_>| json::string(v, p).map(String::from);
        Ok(ChannelBinding {
            server_end_point: m.optional("serverEndPoint", text)?,
            tls_server_certificate: m.optional("tlsServerCertificate", text)?,
            tls_unique: m.optional("tlsUnique", text)?,
            cid_pubkey: m.optional("cid_pubkey", text)?,
        })
    }
}
