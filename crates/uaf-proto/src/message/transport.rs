//! The transport envelope between a FIDO client and the relying party's web server (UAF client
//! API and transport specification; digest §2.13), also used by the FIDO conformance tool's
//! server API (`POST /get`, `POST /respond`).
//!
//! `uafRequest`, `uafResponse`, `newUAFRequest` and `uafProtocolMessage` are **strings** holding
//! the JSON text of a message array; parse them with the message types' `parse_array`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;

use super::common::Operation;
use super::error::{MessageError, MessageErrorKind, Path};
use super::json::{self, Map, Members, Node};
use crate::status::UafStatusCode;

/// Asks the relying party for a UAF request (`GetUAFRequest`; conformance `POST /get`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GetUafRequest {
    /// The operation wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<Operation>,
    /// The request received earlier, if this retries it (`previousRequest`).
    #[serde(rename = "previousRequest", skip_serializing_if = "Option::is_none")]
    pub previous_request: Option<String>,
    /// Application context, often a JSON text (the conformance tool sends
    /// `{"username":…,"transaction":…}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl GetUafRequest {
    /// Decodes the JSON object.
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let value = json::parse_node(text, &Path::Root)?;
        let root = Path::Root;
        let m = Members::of(&value, &root)?;
        Ok(GetUafRequest {
            op: m.optional("op", Operation::decode)?,
            previous_request: m.optional("previousRequest", owned_string)?,
            context: m.optional("context", owned_string)?,
        })
    }

    /// The JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(self)
    }
}

/// The relying party's answer carrying a UAF request (`ReturnUAFRequest`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReturnUafRequest {
    /// UAF status code (`statusCode`, 1200 on success).
    #[serde(rename = "statusCode")]
    pub status_code: u32,
    /// The request array as JSON text (`uafRequest`).
    #[serde(rename = "uafRequest", skip_serializing_if = "Option::is_none")]
    pub uaf_request: Option<String>,
    /// The operation of `uafRequest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<Operation>,
    /// How long the request stays valid, in milliseconds (`lifetimeMillis`).
    #[serde(rename = "lifetimeMillis", skip_serializing_if = "Option::is_none")]
    pub lifetime_millis: Option<i32>,
}

impl ReturnUafRequest {
    /// Decodes the JSON object.
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let value = json::parse_node(text, &Path::Root)?;
        let root = Path::Root;
        let m = Members::of(&value, &root)?;
        Ok(ReturnUafRequest {
            status_code: m.required("statusCode", json::int)?,
            uaf_request: m.optional("uafRequest", owned_string)?,
            op: m.optional("op", Operation::decode)?,
            lifetime_millis: m.optional("lifetimeMillis", json::int)?,
        })
    }

    /// The JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(self)
    }

    /// The status code as a [`UafStatusCode`] (`None` if it does not fit 16 bits).
    #[must_use]
    pub fn status(&self) -> Option<UafStatusCode> {
        u16::try_from(self.status_code)
            .ok()
            .map(UafStatusCode::from_value)
    }
}

/// Sends a UAF response to the relying party (`SendUAFResponse`; conformance `POST /respond`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SendUafResponse {
    /// The response array as JSON text (`uafResponse`).
    #[serde(rename = "uafResponse")]
    pub uaf_response: String,
    /// Application context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl SendUafResponse {
    /// Decodes the JSON object.
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let value = json::parse_node(text, &Path::Root)?;
        let root = Path::Root;
        let m = Members::of(&value, &root)?;
        Ok(SendUafResponse {
            uaf_response: m.required("uafResponse", owned_string)?,
            context: m.optional("context", owned_string)?,
        })
    }

    /// The JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(self)
    }
}

/// The relying party's answer to a [`SendUafResponse`] (`ServerResponse`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerResponse {
    /// UAF status code (`statusCode`).
    #[serde(rename = "statusCode")]
    pub status_code: i32,
    /// Human-readable detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tokens for the client (`additionalTokens`); empty means absent.
    #[serde(rename = "additionalTokens", skip_serializing_if = "Vec::is_empty")]
    pub additional_tokens: Vec<Token>,
    /// Where to go next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Data to post to `location` (`postData`).
    #[serde(rename = "postData", skip_serializing_if = "Option::is_none")]
    pub post_data: Option<String>,
    /// A follow-up UAF request array as JSON text (`newUAFRequest`).
    #[serde(rename = "newUAFRequest", skip_serializing_if = "Option::is_none")]
    pub new_uaf_request: Option<String>,
}

impl ServerResponse {
    /// A response with only a status code.
    #[must_use]
    pub fn with_status(status: UafStatusCode) -> Self {
        ServerResponse {
            status_code: i32::from(status.value()),
            description: None,
            additional_tokens: Vec::new(),
            location: None,
            post_data: None,
            new_uaf_request: None,
        }
    }

    /// Decodes the JSON object.
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let value = json::parse_node(text, &Path::Root)?;
        let root = Path::Root;
        let m = Members::of(&value, &root)?;
        Ok(ServerResponse {
            status_code: m.required("statusCode", json::int)?,
            description: m.optional("description", owned_string)?,
            additional_tokens: m
                .optional("additionalTokens", |v, p| json::list(v, p, Token::decode))?
                .unwrap_or_default(),
            location: m.optional("location", owned_string)?,
            post_data: m.optional("postData", owned_string)?,
            new_uaf_request: m.optional("newUAFRequest", owned_string)?,
        })
    }

    /// The JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(self)
    }

    /// The status code as a [`UafStatusCode`] (`None` if it does not fit 16 bits).
    #[must_use]
    pub fn status(&self) -> Option<UafStatusCode> {
        u16::try_from(self.status_code)
            .ok()
            .map(UafStatusCode::from_value)
    }
}

/// A token for the client (`Token`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Token {
    /// Its type (`type`).
    #[serde(rename = "type")]
    pub token_type: TokenType,
    /// Its value.
    pub value: String,
}

impl Token {
    fn decode(v: &Node<'_>, path: &Path<'_>) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(Token {
            token_type: m.required("type", TokenType::decode)?,
            value: m.required("value", owned_string)?,
        })
    }
}

/// The type of a [`Token`] (`TokenType`; exact spellings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TokenType {
    /// `"HTTP_COOKIE"`.
    #[serde(rename = "HTTP_COOKIE")]
    HttpCookie,
    /// `"OAUTH"`.
    #[serde(rename = "OAUTH")]
    Oauth,
    /// `"OAUTH2"`.
    #[serde(rename = "OAUTH2")]
    Oauth2,
    /// `"SAML1_1"`.
    #[serde(rename = "SAML1_1")]
    Saml1_1,
    /// `"SAML2"`.
    #[serde(rename = "SAML2")]
    Saml2,
    /// `"JWT"`.
    #[serde(rename = "JWT")]
    Jwt,
    /// `"OPENID_CONNECT"`.
    #[serde(rename = "OPENID_CONNECT")]
    OpenidConnect,
}

impl TokenType {
    /// Every token type, in specification order.
    pub const ALL: &'static [TokenType] = &[
        TokenType::HttpCookie,
        TokenType::Oauth,
        TokenType::Oauth2,
        TokenType::Saml1_1,
        TokenType::Saml2,
        TokenType::Jwt,
        TokenType::OpenidConnect,
    ];

    /// The JSON spellings, in specification order.
    pub const NAMES: &'static [&'static str] = &[
        "HTTP_COOKIE",
        "OAUTH",
        "OAUTH2",
        "SAML1_1",
        "SAML2",
        "JWT",
        "OPENID_CONNECT",
    ];

    /// The JSON spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenType::HttpCookie => "HTTP_COOKIE",
            TokenType::Oauth => "OAUTH",
            TokenType::Oauth2 => "OAUTH2",
            TokenType::Saml1_1 => "SAML1_1",
            TokenType::Saml2 => "SAML2",
            TokenType::Jwt => "JWT",
            TokenType::OpenidConnect => "OPENID_CONNECT",
        }
    }

    fn decode(v: &Node<'_>, path: &Path<'_>) -> Result<Self, MessageError> {
        let s = json::string(v, path)?;
        TokenType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                MessageError::at(
                    path,
                    MessageErrorKind::UnknownValue {
                        found: s.into(),
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A UAF message handed to or returned by the client API (`UAFMessage`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UafMessage {
    /// The message array as JSON text (`uafProtocolMessage`).
    #[serde(rename = "uafProtocolMessage")]
    pub uaf_protocol_message: String,
    /// Application data (`additionalData`, a JSON object).
    #[serde(rename = "additionalData", skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<Map>,
}

impl UafMessage {
    /// Decodes the JSON object.
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let value = json::parse_node(text, &Path::Root)?;
        let root = Path::Root;
        let m = Members::of(&value, &root)?;
        Ok(UafMessage {
            uaf_protocol_message: m.required("uafProtocolMessage", owned_string)?,
            additional_data: m.optional("additionalData", |v, p| {
                json::object(v, p).map(json::members_to_map)
            })?,
        })
    }

    /// The JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(self)
    }
}

/// A string member, owned.
fn owned_string(v: &Node<'_>, path: &Path<'_>) -> Result<String, MessageError> {
    json::string(v, path).map(String::from)
}
