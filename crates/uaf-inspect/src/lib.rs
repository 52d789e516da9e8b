//! # uaf-inspect — a readable, decoded view of UAF messages and `UAFV1TLV` structures
//!
//! For people debugging an integration: paste whatever the phone or the server sent and read
//! it as a tree. Used by `uaf-conformance inspect` and the `uaf` facade's `inspect` example
//! (`cargo run --example inspect -- FILE`).
//!
//! [`inspect`] takes whatever is at hand and recognises it ([`InputFormat`]):
//! - JSON: a UAF message array (any request or response of `Reg`, `Auth`, `Dereg`), a transport
//!   envelope (`uafProtocolMessage`, `uafRequest`, `uafResponse`, `ServerResponse`,
//!   `GetUAFRequest`), a decoded `FinalChallengeParams` object or a trusted facet list;
//! - a TLV assertion or authenticator command as base64url text (strict, then lenient), hex text
//!   or raw bytes; base64url text of JSON (an `fcParams` value) is decoded and shown as JSON.
//!
//! It renders a tree: header fields; `fcParams` decoded, with its SHA-256; for each assertion
//! every TLV item with its offset, tag name and length, values decoded to names (AAID,
//! assertion info with the registry names of the algorithms, counters, KeyID as base64url and
//! hex, nonce, hashes, public key, certificates with their SHA-256 fingerprint, extensions) and
//! whether the final challenge hash (FCH) matches `fcParams`; then the verdict of the strict
//! `uaf-proto` parser. Requests show their policy criteria, transactions and deregistration
//! entries with registry names.
//!
//! It never fails and never panics: what cannot be decoded is an `ERROR:` line (a TLV error
//! names its offset), counted in [`Report::problems`].
//!
//! **Not for** verification: it checks structure and the final challenge hash, not signatures,
//! certificate chains, metadata, policy or freshness (that is `uaf-rp`'s job). Its text is for
//! people and may change between versions; do not parse it.
//!
//! **Features**: none; it needs `std` (it is a tool for a developer's machine).
//!
//! ```
//! let json = std::fs::read(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../../examples/data/spec-ex10-authentication-response.json"
//! ))?;
//! let report = uaf_inspect::inspect(&json);
//! assert_eq!(report.format(), uaf_inspect::InputFormat::Json);
//! assert!(report.text().contains("FCH matches fcParams"));
//! assert_eq!(report.problems(), 0);
//! println!("{report}");
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use core::fmt::{self, Write as _};

use uaf_proto::assertion::{
    AuthAssertion, AuthAssertionInfo, Extension as TlvExtension, RegAssertion, RegAssertionInfo,
};
use uaf_proto::b64::{self, Base64Policy};
use uaf_proto::command::{
    AuthenticatorMetadata, Command, DeregisterResponse, GetInfoResponse, OpenSettingsResponse,
    PngCharacteristics, RegisterResponse, SignResponse,
};
use uaf_proto::id::Aaid;
use uaf_proto::message::json::{self as uaf_json, Value};
use uaf_proto::message::{
    self, AnyMessage, AuthenticationRequest, AuthenticationResponse, DecodeOptions,
    DeregisterAuthenticator, DeregistrationRequest, DisplayPngCharacteristicsDescriptor, Extension,
    FinalChallengeParams, GetUafRequest, MatchCriteria, MessageError, MessageErrorKind,
    OperationHeader, Policy, RegistrationRequest, RegistrationResponse, ReturnUafRequest,
    SendUafResponse, ServerResponse, Transaction, TrustedFacetList, UafMessage,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType, HashAlg, MatcherProtection};
use uaf_proto::status::{CmdStatus, UafStatusCode};
use uaf_proto::tlv::{
    self, TAG_AAID, TAG_API_VERSION, TAG_APPID, TAG_ASSERTION_INFO, TAG_ASSERTION_SCHEME,
    TAG_ATTESTATION_CERT, TAG_ATTESTATION_TYPE, TAG_AUTHENTICATOR_ASSERTION,
    TAG_AUTHENTICATOR_INDEX, TAG_AUTHENTICATOR_METADATA, TAG_AUTHENTICATOR_NONCE, TAG_COUNTERS,
    TAG_EXTENSION_DATA, TAG_EXTENSION_ID, TAG_FINAL_CHALLENGE_HASH, TAG_KEYHANDLE,
    TAG_KEYHANDLE_ACCESS_TOKEN, TAG_KEYID, TAG_PUB_KEY, TAG_SIGNATURE, TAG_STATUS_CODE,
    TAG_SUPPORTED_EXTENSION_ID, TAG_TC_DISPLAY_CONTENT_TYPE, TAG_TC_DISPLAY_PNG_CHARACTERISTICS,
    TAG_TRANSACTION_CONTENT, TAG_TRANSACTION_CONTENT_HASH, TAG_UAFV1_AUTH_ASSERTION,
    TAG_UAFV1_DEREGISTER_CMD_RESPONSE, TAG_UAFV1_GETINFO_CMD_RESPONSE, TAG_UAFV1_KRD,
    TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE, TAG_UAFV1_REG_ASSERTION, TAG_UAFV1_REGISTER_CMD_RESPONSE,
    TAG_UAFV1_SIGN_CMD_RESPONSE, TAG_UAFV1_SIGNED_DATA, TAG_USERNAME, TAG_USERVERIFY_TOKEN,
    TagDisplay, Tlv, TlvError, TlvReader,
};

/// How many levels of text-in-text (an envelope holding a message, a TLV wrapping an assertion)
/// are unwrapped before the contents are shown as they are.
const MAX_NESTING: usize = 4;

/// Bytes of hex shown per line.
const HEX_PER_LINE: usize = 32;

/// Bytes of hex shown at most for one value; the rest is counted.
const MAX_HEX: usize = 512;

/// Width of the name column of `name  value` lines.
const NAME_WIDTH: usize = 16;

/// `say!(out, depth, "format", args…)`: one line at `depth` (two spaces per level).
macro_rules! say {
    ($out:expr, $depth:expr, $($arg:tt)*) => {
        $out.line($depth, format_args!($($arg)*))
    };
}

/// `problem!(out, depth, "format", args…)`: an `ERROR:` line, counted.
macro_rules! problem {
    ($out:expr, $depth:expr, $($arg:tt)*) => {
        $out.problem($depth, format_args!($($arg)*))
    };
}

/// `field!(out, depth, "name", "format", args…)`: a `name  value` line.
macro_rules! field {
    ($out:expr, $depth:expr, $name:expr, $($arg:tt)*) => {
        $out.field($depth, $name, format_args!($($arg)*))
    };
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// What [`inspect`] recognised the input as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputFormat {
    /// Nothing but whitespace.
    Empty,
    /// JSON text (starts with `[` or `{`).
    Json,
    /// base64url text (RFC 4648 §5, unpadded: what UAF messages carry).
    Base64Url,
    /// base64 text that decodes only under the lenient policy (`=` padding, the standard
    /// alphabet `+/`, line breaks), as legacy Android clients send it. A strict server rejects
    /// such values.
    Base64Lenient,
    /// Hexadecimal text (whitespace between digits allowed).
    Hex,
    /// Raw bytes (not text).
    Binary,
    /// Text that is neither JSON, hex nor base64.
    Unrecognized,
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFormat::Empty => "empty input",
            InputFormat::Json => "JSON text",
            InputFormat::Base64Url => "base64url text",
            InputFormat::Base64Lenient => "base64 text (lenient: padding, +/ or line breaks)",
            InputFormat::Hex => "hex text",
            InputFormat::Binary => "raw bytes",
            InputFormat::Unrecognized => "unrecognised text",
        })
    }
}

/// The result of [`inspect`]: the rendered tree and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    format: InputFormat,
    text: String,
    problems: usize,
}

impl Report {
    /// What the input was recognised as.
    #[must_use]
    pub const fn format(&self) -> InputFormat {
        self.format
    }

    /// The rendered tree: one item per line, ending with a newline.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The rendered tree, owned.
    #[must_use]
    pub fn into_text(self) -> String {
        self.text
    }

    /// How many `ERROR:` lines the tree holds: input that does not decode, malformed TLV,
    /// values a strict parser rejects, a final challenge hash that does not match `fcParams`.
    #[must_use]
    pub const fn problems(&self) -> usize {
        self.problems
    }

    /// Whether nothing was wrong ([`Report::problems`] is 0).
    #[must_use]
    pub const fn is_clean(&self) -> bool {
        self.problems == 0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Recognises `input` (see the [module documentation](self)) and renders it as a readable tree.
///
/// Never fails: problems are `ERROR:` lines in the text, counted in [`Report::problems`].
#[must_use]
pub fn inspect(input: &[u8]) -> Report {
    let classified = classify(input);
    let mut out = Out::default();
    match classified.payload {
        Payload::Empty => {
            problem!(
                out,
                0,
                "empty input: give a UAF message, or a TLV as base64url, hex or bytes"
            );
        }
        Payload::Json(text) => {
            if classified.format == InputFormat::Json {
                say!(out, 0, "input: JSON text, {} bytes", text.len());
            } else {
                say!(
                    out,
                    0,
                    "input: {}, {} bytes, holding JSON text",
                    classified.format,
                    input.len()
                );
            }
            render_json(&mut out, 0, &text, 0);
        }
        Payload::Bytes(bytes) => {
            if classified.format == InputFormat::Binary {
                say!(out, 0, "input: raw bytes, {} bytes of TLV", bytes.len());
            } else {
                say!(
                    out,
                    0,
                    "input: {}, {} bytes of TLV",
                    classified.format,
                    bytes.len()
                );
            }
            let ctx = TlvContext {
                fc_params: None,
                nesting: 0,
            };
            render_tlv(&mut out, 0, &bytes, &ctx);
        }
        Payload::Unrecognized(reasons) => {
            problem!(
                out,
                0,
                "the input is text, but not JSON (it does not start with [ or {{), not hex and not base64"
            );
            for reason in reasons {
                say!(out, 1, "{reason}");
            }
        }
    }
    Report {
        format: classified.format,
        text: out.text,
        problems: out.problems,
    }
}

/// What [`inspect`] would recognise `input` as, without rendering it.
#[must_use]
pub fn detect(input: &[u8]) -> InputFormat {
    classify(input).format
}

// ---------------------------------------------------------------------------------------------
// Input recognition
// ---------------------------------------------------------------------------------------------

enum Payload {
    Empty,
    Json(String),
    Bytes(Vec<u8>),
    Unrecognized(Vec<NotDecoded>),
}

/// Why text was not read as one of the encodings [`inspect`] tries.
#[derive(Debug)]
enum NotDecoded {
    /// Not hex digits.
    Hex(HexError),
    /// Not strict base64url.
    Base64Url(b64::Base64Error),
    /// Not base64 under the lenient policy either.
    Base64Lenient(b64::Base64Error),
}

impl fmt::Display for NotDecoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hex(e) => write!(f, "not hex: {e}"),
            Self::Base64Url(e) => write!(f, "not base64url: {e}"),
            Self::Base64Lenient(e) => write!(f, "not base64 either (lenient policy): {e}"),
        }
    }
}

/// Why text is not hex.
#[derive(Debug, PartialEq, Eq)]
enum HexError {
    /// A character that is neither a hex digit nor ASCII whitespace.
    NotADigit(char),
    /// An odd number of digits (the count).
    OddLength(usize),
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotADigit(c) => write!(f, "{c:?} is not a hex digit"),
            Self::OddLength(n) => write!(f, "odd number of digits ({n})"),
        }
    }
}

struct Classified {
    format: InputFormat,
    payload: Payload,
}

fn classify(input: &[u8]) -> Classified {
    let unmarked = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let Ok(text) = core::str::from_utf8(unmarked) else {
        return binary(input);
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Classified {
            format: InputFormat::Empty,
            payload: Payload::Empty,
        };
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return binary(input);
    }
    if trimmed.starts_with(['[', '{']) {
        return Classified {
            format: InputFormat::Json,
            payload: Payload::Json(trimmed.into()),
        };
    }

    let candidates = [
        (
            InputFormat::Hex,
            decode_hex(trimmed).map_err(NotDecoded::Hex),
        ),
        (
            InputFormat::Base64Url,
            Base64Policy::Strict
                .decode(trimmed)
                .map_err(NotDecoded::Base64Url),
        ),
        (
            InputFormat::Base64Lenient,
            Base64Policy::Lenient
                .decode(trimmed)
                .map_err(NotDecoded::Base64Lenient),
        ),
    ];
    // First choice: bytes that are well-formed TLV; then text holding JSON (an fcParams
    // value); then anything that decodes (the tree shows where the TLV goes wrong).
    let decoded = || {
        candidates
            .iter()
            .filter_map(|(format, result)| match result {
                Ok(bytes) if !bytes.is_empty() => Some((*format, bytes)),
                _ => None,
            })
    };
    if let Some((format, bytes)) = decoded().find(|(_, b)| tlv::check_structure(b).is_ok()) {
        return Classified {
            format,
            payload: Payload::Bytes(bytes.clone()),
        };
    }
    let json_text = |b: &[u8]| {
        core::str::from_utf8(b)
            .ok()
            .map(str::trim)
            .filter(|t| t.starts_with(['[', '{']))
            .map(String::from)
    };
    if let Some((format, json)) = decoded().find_map(|(f, b)| json_text(b).map(|j| (f, j))) {
        return Classified {
            format,
            payload: Payload::Json(json),
        };
    }
    if let Some((format, bytes)) = decoded().next() {
        return Classified {
            format,
            payload: Payload::Bytes(bytes.clone()),
        };
    }
    let reasons = candidates
        .into_iter()
        .filter_map(|(_, result)| result.err())
        .collect();
    Classified {
        format: InputFormat::Unrecognized,
        payload: Payload::Unrecognized(reasons),
    }
}

fn binary(input: &[u8]) -> Classified {
    Classified {
        format: InputFormat::Binary,
        payload: Payload::Bytes(input.to_vec()),
    }
}

/// Decodes hex digits, ignoring ASCII whitespace between them.
fn decode_hex(text: &str) -> Result<Vec<u8>, HexError> {
    let mut digits = Vec::with_capacity(text.len());
    for c in text.chars().filter(|c| !c.is_ascii_whitespace()) {
        let digit = c
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
            .ok_or(HexError::NotADigit(c))?;
        digits.push(digit);
    }
    if digits.len() % 2 != 0 {
        return Err(HexError::OddLength(digits.len()));
    }
    Ok(digits
        .chunks_exact(2)
        .map(|pair| pair.iter().fold(0u8, |acc, d| (acc << 4) | d))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// The text being rendered and the number of problems in it.
#[derive(Default)]
struct Out {
    text: String,
    problems: usize,
}

impl Out {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.text.push_str("  ");
        }
    }

    fn line(&mut self, depth: usize, args: fmt::Arguments<'_>) {
        self.indent(depth);
        // Writing into a `String` cannot fail.
        let _ = self.text.write_fmt(args);
        self.text.push('\n');
    }

    fn problem(&mut self, depth: usize, args: fmt::Arguments<'_>) {
        self.problems += 1;
        self.indent(depth);
        self.text.push_str("ERROR: ");
        let _ = self.text.write_fmt(args);
        self.text.push('\n');
    }

    fn field(&mut self, depth: usize, name: &str, args: fmt::Arguments<'_>) {
        self.indent(depth);
        let _ = write!(self.text, "{name:<NAME_WIDTH$} ");
        let _ = self.text.write_fmt(args);
        self.text.push('\n');
    }

    /// A line of the TLV tree: the offset column, then the item at nesting `level`.
    fn item(&mut self, depth: usize, offset: usize, level: usize, args: fmt::Arguments<'_>) {
        self.indent(depth);
        let _ = write!(self.text, "{offset:>6}  ");
        self.indent(level);
        let _ = self.text.write_fmt(args);
        self.text.push('\n');
    }

    /// A detail line under an item at nesting `level`.
    fn note(&mut self, depth: usize, level: usize, args: fmt::Arguments<'_>) {
        self.indent(depth);
        self.text.push_str("        ");
        self.indent(level + 1);
        let _ = self.text.write_fmt(args);
        self.text.push('\n');
    }

    /// An `ERROR:` detail line under an item, counted.
    fn note_problem(&mut self, depth: usize, level: usize, args: fmt::Arguments<'_>) {
        self.problems += 1;
        self.indent(depth);
        self.text.push_str("        ");
        self.indent(level + 1);
        self.text.push_str("ERROR: ");
        let _ = self.text.write_fmt(args);
        self.text.push('\n');
    }

    /// `bytes` as hex detail lines, [`HEX_PER_LINE`] bytes each, at most [`MAX_HEX`] bytes.
    fn hex_notes(&mut self, depth: usize, level: usize, bytes: &[u8]) {
        let (shown, rest) = bytes.split_at_checked(MAX_HEX).unwrap_or((bytes, &[]));
        for chunk in shown.chunks(HEX_PER_LINE) {
            self.note(depth, level, format_args!("{}", Hex(chunk)));
        }
        if !rest.is_empty() {
            self.note(depth, level, format_args!("… {} more bytes", rest.len()));
        }
    }
}

/// Lowercase hex of bytes.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Received text with control and bidirectional-override characters escaped, so that a value
/// cannot rewrite the terminal or hide what it says.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// `bytes` as UTF-8 text if they are text a person can read (no control characters).
fn readable_text(bytes: &[u8]) -> Option<&str> {
    let text = core::str::from_utf8(bytes).ok()?;
    let readable = !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    readable.then_some(text)
}

const fn hash_name(alg: HashAlg) -> &'static str {
    match alg {
        HashAlg::Sha1 => "SHA-1",
        HashAlg::Sha256 => "SHA-256",
        HashAlg::Sha384 => "SHA-384",
        HashAlg::Sha512 => "SHA-512",
        HashAlg::Sm3 => "SM3",
        _ => "hash",
    }
}

/// SHA-256 of `data`, as hex (or why it could not be computed).
fn sha256_hex(data: &[u8]) -> String {
    match uaf_crypto::hash(HashAlg::Sha256, data) {
        Ok(digest) => Hex(digest.as_bytes()).to_string(),
        Err(e) => format!("(unavailable: {e})"),
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

fn render_json(out: &mut Out, depth: usize, text: &str, nesting: usize) {
    if nesting > MAX_NESTING {
        problem!(
            out,
            depth,
            "nested too deeply: {} levels of messages inside messages",
            nesting
        );
        return;
    }
    if text.trim_start().starts_with('[') {
        render_message_array(out, depth, text);
        return;
    }
    let value = match uaf_json::parse(text) {
        Ok(value) => value,
        Err(e) => {
            problem!(out, depth, "not valid JSON: {e}");
            return;
        }
    };
    let Value::Object(map) = &value else {
        problem!(
            out,
            depth,
            "JSON {} is no UAF message: messages are arrays, envelopes are objects",
            value.json_type()
        );
        return;
    };
    let has = |key: &str| map.contains_key(key);
    if has("uafProtocolMessage") {
        render_envelope(
            out,
            depth,
            UafMessage::parse(text),
            nesting,
            |out, depth, m| {
                say!(out, depth, "UAFMessage (client API envelope)");
                if let Some(data) = &m.additional_data {
                    let names: Vec<&str> = data.keys().map(String::as_str).collect();
                    field!(
                        out,
                        depth + 1,
                        "additionalData",
                        "members: {}",
                        Esc(&names.join(", "))
                    );
                }
                Some(("uafProtocolMessage", m.uaf_protocol_message.clone()))
            },
        );
    } else if has("uafResponse") {
        render_envelope(
            out,
            depth,
            SendUafResponse::parse(text),
            nesting,
            |out, depth, m| {
                say!(out, depth, "SendUAFResponse (client to relying party)");
                if let Some(context) = &m.context {
                    field!(out, depth + 1, "context", "{}", Esc(context));
                }
                Some(("uafResponse", m.uaf_response.clone()))
            },
        );
    } else if has("statusCode") && (has("uafRequest") || has("lifetimeMillis") || has("op")) {
        render_envelope(
            out,
            depth,
            ReturnUafRequest::parse(text),
            nesting,
            |out, depth, m| {
                say!(out, depth, "ReturnUAFRequest (relying party to client)");
                let status = m.status().map_or_else(
                    || format!("{} (not a UAF status code)", m.status_code),
                    status_text,
                );
                field!(out, depth + 1, "statusCode", "{status}");
                if let Some(op) = m.op {
                    field!(out, depth + 1, "op", "{op}");
                }
                if let Some(ms) = m.lifetime_millis {
                    field!(out, depth + 1, "lifetimeMillis", "{ms} ms");
                }
                m.uaf_request.clone().map(|r| ("uafRequest", r))
            },
        );
    } else if has("statusCode") {
        render_envelope(
            out,
            depth,
            ServerResponse::parse(text),
            nesting,
            |out, depth, m| {
                say!(out, depth, "ServerResponse (relying party to client)");
                let status = m.status().map_or_else(
                    || format!("{} (not a UAF status code)", m.status_code),
                    status_text,
                );
                field!(out, depth + 1, "statusCode", "{status}");
                if let Some(d) = &m.description {
                    field!(out, depth + 1, "description", "{}", Esc(d));
                }
                for t in &m.additional_tokens {
                    field!(
                        out,
                        depth + 1,
                        "token",
                        "{} {}",
                        t.token_type,
                        Esc(&t.value)
                    );
                }
                if let Some(l) = &m.location {
                    field!(out, depth + 1, "location", "{}", Esc(l));
                }
                if let Some(p) = &m.post_data {
                    field!(out, depth + 1, "postData", "{}", Esc(p));
                }
                m.new_uaf_request.clone().map(|r| ("newUAFRequest", r))
            },
        );
    } else if has("trustedFacets") {
        match TrustedFacetList::parse(text) {
            Ok(list) => render_facets(out, depth, &list),
            Err(e) => problem!(out, depth, "not a valid trusted facet list: {e}"),
        }
    } else if has("challenge") && has("facetID") {
        say!(out, depth, "FinalChallengeParams (decoded fcParams)");
        match FinalChallengeParams::parse_json(text, &DecodeOptions::new()) {
            Ok(fcp) => {
                render_fc_fields(out, depth + 1, &fcp);
                let encoded = b64::encode(text.as_bytes());
                field!(
                    out,
                    depth + 1,
                    "SHA-256",
                    "{} (of this text as unpadded base64url, as a client would send it)",
                    sha256_hex(encoded.as_bytes())
                );
            }
            Err(e) => problem!(out, depth + 1, "not valid fcParams: {e}"),
        }
    } else if has("op") || has("previousRequest") || has("context") {
        match GetUafRequest::parse(text) {
            Ok(m) => {
                say!(
                    out,
                    depth,
                    "GetUAFRequest (client asks the relying party for a request)"
                );
                if let Some(op) = m.op {
                    field!(out, depth + 1, "op", "{op}");
                }
                if let Some(p) = &m.previous_request {
                    field!(out, depth + 1, "previousRequest", "{}", Esc(p));
                }
                if let Some(c) = &m.context {
                    field!(out, depth + 1, "context", "{}", Esc(c));
                }
            }
            Err(e) => problem!(out, depth, "not a valid GetUAFRequest: {e}"),
        }
    } else {
        let names: Vec<&str> = map.keys().map(String::as_str).collect();
        problem!(
            out,
            depth,
            "a JSON object that is no UAF envelope, fcParams or facet list (members: {})",
            Esc(&names.join(", "))
        );
    }
}

/// Renders a parsed envelope with `header`, then the message text it carries, if any.
fn render_envelope<T>(
    out: &mut Out,
    depth: usize,
    parsed: Result<T, MessageError>,
    nesting: usize,
    header: impl FnOnce(&mut Out, usize, &T) -> Option<(&'static str, String)>,
) {
    match parsed {
        Ok(envelope) => {
            if let Some((name, inner)) = header(out, depth, &envelope) {
                say!(
                    out,
                    depth + 1,
                    "{name}: {} characters of JSON text",
                    inner.len()
                );
                render_json(out, depth + 2, &inner, nesting + 1);
            }
        }
        Err(e) => problem!(out, depth, "not a valid envelope: {e}"),
    }
}

fn status_text(s: UafStatusCode) -> String {
    format!("{s}: {}", s.description())
}

fn render_message_array(out: &mut Out, depth: usize, text: &str) {
    let strict = DecodeOptions::new();
    match message::parse_any(text, &strict) {
        Ok(m) => render_any(out, depth, &m, Base64Policy::Strict),
        Err(e) if matches!(e.kind, MessageErrorKind::Base64(_)) => {
            let lenient = strict.with_base64(Base64Policy::Lenient);
            match message::parse_any(text, &lenient) {
                Ok(m) => {
                    problem!(
                        out,
                        depth,
                        "a strict server rejects this message: {e}; it decodes under the lenient base64 policy, shown below"
                    );
                    render_any(out, depth, &m, Base64Policy::Lenient);
                }
                Err(e) => problem!(out, depth, "not a valid UAF message: {e}"),
            }
        }
        Err(e) => problem!(out, depth, "not a valid UAF message: {e}"),
    }
}

fn render_any(out: &mut Out, depth: usize, m: &AnyMessage, policy: Base64Policy) {
    match m {
        AnyMessage::RegistrationRequests(list) => {
            render_requests(out, depth, "registration request", list, |out, d, r| {
                render_reg_request(out, d, r);
            });
        }
        AnyMessage::AuthenticationRequests(list) => {
            render_requests(out, depth, "authentication request", list, |out, d, r| {
                render_auth_request(out, d, r);
            });
        }
        AnyMessage::DeregistrationRequests(list) => {
            render_requests(out, depth, "deregistration request", list, |out, d, r| {
                render_dereg_request(out, d, r);
            });
        }
        AnyMessage::RegistrationResponse(r) => render_reg_response(out, depth, r, policy),
        AnyMessage::AuthenticationResponse(r) => render_auth_response(out, depth, r, policy),
        // `AnyMessage` is non-exhaustive: a kind added later is at least named.
        other => say!(out, depth, "UAF {} message", other.operation()),
    }
}

/// A request array: one message is shown directly, several are numbered.
fn render_requests<T>(
    out: &mut Out,
    depth: usize,
    what: &str,
    list: &[T],
    render: impl Fn(&mut Out, usize, &T),
) {
    if let [only] = list {
        say!(out, depth, "UAF {what}");
        render(out, depth + 1, only);
        return;
    }
    say!(
        out,
        depth,
        "UAF {what} array: {} messages, one per protocol version",
        list.len()
    );
    for (i, r) in list.iter().enumerate() {
        say!(out, depth + 1, "message {} of {}", i + 1, list.len());
        render(out, depth + 2, r);
    }
}

fn render_header(out: &mut Out, depth: usize, h: &OperationHeader) {
    say!(out, depth, "header");
    let d = depth + 1;
    field!(out, d, "upv", "{}", h.upv);
    field!(out, d, "op", "{}", h.op);
    match &h.app_id {
        Some(app_id) if !app_id.is_empty() => field!(out, d, "appID", "{}", Esc(app_id.as_str())),
        Some(_) => field!(
            out,
            d,
            "appID",
            "\"\" (empty: the caller's facet ID is the AppID)"
        ),
        None => field!(
            out,
            d,
            "appID",
            "(absent: the caller's facet ID is the AppID)"
        ),
    }
    if let Some(sd) = &h.server_data {
        field!(
            out,
            d,
            "serverData",
            "{} ({} characters)",
            Esc(sd),
            sd.chars().count()
        );
    }
    render_json_extensions(out, d, &h.exts);
}

fn render_json_extensions(out: &mut Out, depth: usize, exts: &[Extension]) {
    for e in exts {
        let rule = if e.fail_if_unknown {
            "failIfUnknown: a receiver that does not know it must fail"
        } else {
            "may be ignored"
        };
        field!(out, depth, "extension", "{} ({rule})", Esc(&e.id));
        render_data(out, depth + 1, &e.data);
    }
}

/// Extension or transaction data: text if it reads as text, else hex.
fn render_data(out: &mut Out, depth: usize, data: &[u8]) {
    if data.is_empty() {
        field!(out, depth, "data", "(empty)");
    } else if let Some(text) = readable_text(data) {
        field!(
            out,
            depth,
            "data",
            "\"{}\" ({} bytes of text)",
            Esc(text),
            data.len()
        );
    } else {
        field!(out, depth, "data", "{} bytes", data.len());
        hex_lines(out, depth + 1, data);
    }
}

/// Hex lines for JSON-side values.
fn hex_lines(out: &mut Out, depth: usize, bytes: &[u8]) {
    let (shown, rest) = bytes.split_at_checked(MAX_HEX).unwrap_or((bytes, &[]));
    for chunk in shown.chunks(HEX_PER_LINE) {
        say!(out, depth, "{}", Hex(chunk));
    }
    if !rest.is_empty() {
        say!(out, depth, "… {} more bytes", rest.len());
    }
}

fn render_reg_request(out: &mut Out, depth: usize, r: &RegistrationRequest) {
    render_header(out, depth, &r.header);
    field!(
        out,
        depth,
        "challenge",
        "{} ({} bytes)",
        r.challenge,
        r.challenge.as_bytes().len()
    );
    field!(out, depth, "username", "{}", Esc(&r.username));
    render_policy(out, depth, &r.policy);
}

fn render_auth_request(out: &mut Out, depth: usize, r: &AuthenticationRequest) {
    render_header(out, depth, &r.header);
    field!(
        out,
        depth,
        "challenge",
        "{} ({} bytes)",
        r.challenge,
        r.challenge.as_bytes().len()
    );
    for (i, t) in r.transaction.iter().enumerate() {
        say!(
            out,
            depth,
            "transaction {} of {}",
            i + 1,
            r.transaction.len()
        );
        render_transaction(out, depth + 1, t);
    }
    render_policy(out, depth, &r.policy);
}

fn render_transaction(out: &mut Out, depth: usize, t: &Transaction) {
    field!(out, depth, "contentType", "{}", Esc(&t.content_type));
    match t.as_text() {
        Some(text) => field!(
            out,
            depth,
            "content",
            "\"{}\" ({} characters)",
            Esc(text),
            text.chars().count()
        ),
        None => field!(
            out,
            depth,
            "content",
            "{} bytes (not shown as text)",
            t.content.len()
        ),
    }
    field!(
        out,
        depth,
        "SHA-256",
        "{} (the TC hash of an authenticator with a SHA-256 algorithm)",
        sha256_hex(&t.content)
    );
    if let Some(png) = &t.tc_display_png_characteristics {
        render_png(out, depth, png);
    }
}

fn render_png(out: &mut Out, depth: usize, p: &DisplayPngCharacteristicsDescriptor) {
    field!(
        out,
        depth,
        "tcDisplayPNG",
        "{}×{} pixels, bit depth {}, colour type {}, compression {}, filter {}, interlace {}, {} palette entries",
        p.width,
        p.height,
        p.bit_depth,
        p.color_type,
        p.compression,
        p.filter,
        p.interlace,
        p.plte.len()
    );
}

fn render_policy(out: &mut Out, depth: usize, p: &Policy) {
    say!(out, depth, "policy");
    let d = depth + 1;
    say!(
        out,
        d,
        "accepted: {} {} (the client satisfies one set, one authenticator per criteria)",
        p.accepted.len(),
        plural(p.accepted.len(), "set", "sets")
    );
    for (i, set) in p.accepted.iter().enumerate() {
        if let [only] = set.as_slice() {
            say!(out, d + 1, "set {}", i + 1);
            render_criteria(out, d + 2, only);
        } else {
            say!(
                out,
                d + 1,
                "set {}: {} authenticators together",
                i + 1,
                set.len()
            );
            for (j, c) in set.iter().enumerate() {
                say!(out, d + 2, "authenticator {}", j + 1);
                render_criteria(out, d + 3, c);
            }
        }
    }
    if !p.disallowed.is_empty() {
        say!(
            out,
            d,
            "disallowed: {} (no authenticator or key matching one of these)",
            p.disallowed.len()
        );
        for (i, c) in p.disallowed.iter().enumerate() {
            say!(out, d + 1, "criteria {}", i + 1);
            render_criteria(out, d + 2, c);
        }
    }
}

fn render_criteria(out: &mut Out, depth: usize, c: &MatchCriteria) {
    /// `MatchCriteria` member names are long; they get their own column.
    macro_rules! field {
        ($out:expr, $depth:expr, $name:expr, $($arg:tt)*) => {
            $out.line($depth, format_args!("{:<24} {}", $name, format_args!($($arg)*)))
        };
    }
    let before = out.text.len();
    let list = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
    if let Some(aaids) = &c.aaid {
        field!(
            out,
            depth,
            "aaid",
            "{}",
            list(&mut aaids.iter().map(|a| a.to_string()))
        );
    }
    if let Some(vendors) = &c.vendor_id {
        field!(out, depth, "vendorID", "{}", Esc(&vendors.join(", ")));
    }
    if let Some(key_ids) = &c.key_ids {
        for k in key_ids {
            field!(out, depth, "keyID", "{k}");
            field!(out, depth, "", "hex {}", Hex(k.as_bytes()));
        }
    }
    if let Some(uv) = c.user_verification {
        field!(out, depth, "userVerification", "{uv} (0x{:X})", uv.bits());
    }
    if let Some(kp) = c.key_protection {
        field!(out, depth, "keyProtection", "{kp} (0x{:X})", kp.bits());
    }
    if let Some(mp) = c.matcher_protection {
        let names = list(
            &mut MatcherProtection::KNOWN
                .iter()
                .filter(|m| mp & m.value() != 0)
                .filter_map(|m| m.registry_name().map(String::from)),
        );
        field!(out, depth, "matcherProtection", "{names} (0x{mp:X})");
    }
    if let Some(ah) = c.attachment_hint {
        field!(out, depth, "attachmentHint", "{ah} (0x{:X})", ah.bits());
    }
    if let Some(tc) = c.tc_display {
        field!(out, depth, "tcDisplay", "{tc} (0x{:X})", tc.bits());
    }
    if let Some(algs) = &c.authentication_algorithms {
        field!(
            out,
            depth,
            "authenticationAlgorithms",
            "{}",
            list(&mut algs.iter().map(AlgSign::to_string))
        );
    }
    if let Some(schemes) = &c.assertion_schemes {
        field!(
            out,
            depth,
            "assertionSchemes",
            "{}",
            Esc(&schemes.join(", "))
        );
    }
    if let Some(types) = &c.attestation_types {
        field!(
            out,
            depth,
            "attestationTypes",
            "{}",
            list(&mut types.iter().map(AttestationType::to_string))
        );
    }
    if let Some(v) = c.authenticator_version {
        field!(out, depth, "authenticatorVersion", "{v}");
    }
    if let Some(exts) = &c.exts {
        render_json_extensions(out, depth, exts);
    }
    if out.text.len() == before {
        say!(out, depth, "(no criteria: matches every authenticator)");
    }
}

fn render_dereg_request(out: &mut Out, depth: usize, r: &DeregistrationRequest) {
    render_header(out, depth, &r.header);
    for (i, a) in r.authenticators.iter().enumerate() {
        say!(
            out,
            depth,
            "authenticator {} of {}",
            i + 1,
            r.authenticators.len()
        );
        let d = depth + 1;
        match a {
            DeregisterAuthenticator::Key { aaid, key_id } => {
                field!(out, d, "aaid", "{aaid}");
                field!(out, d, "keyID", "{key_id}");
                field!(out, d, "hex", "{}", Hex(key_id.as_bytes()));
                say!(out, d, "meaning: delete this one key");
            }
            DeregisterAuthenticator::AllOfAaid(aaid) => {
                field!(out, d, "aaid", "{aaid}");
                field!(out, d, "keyID", "\"\" (empty)");
                say!(
                    out,
                    d,
                    "meaning: delete every key of {aaid} registered for this AppID"
                );
            }
            DeregisterAuthenticator::All => {
                field!(out, d, "aaid", "\"\" (empty)");
                field!(out, d, "keyID", "\"\" (empty)");
                say!(
                    out,
                    d,
                    "meaning: delete every key of every authenticator registered for this AppID"
                );
            }
        }
    }
}

fn render_fc_params(out: &mut Out, depth: usize, fc_params: &str, policy: Base64Policy) {
    field!(
        out,
        depth,
        "fcParams",
        "{} characters, SHA-256 {}",
        fc_params.len(),
        sha256_hex(fc_params.as_bytes())
    );
    match FinalChallengeParams::from_fc_params(fc_params, policy) {
        Ok(fcp) => render_fc_fields(out, depth + 1, &fcp),
        Err(e) => problem!(out, depth + 1, "fcParams does not decode: {e}"),
    }
}

fn render_fc_fields(out: &mut Out, depth: usize, fcp: &FinalChallengeParams) {
    field!(out, depth, "appID", "{}", Esc(fcp.app_id.as_str()));
    field!(
        out,
        depth,
        "challenge",
        "{} ({} bytes)",
        fcp.challenge,
        fcp.challenge.as_bytes().len()
    );
    field!(out, depth, "facetID", "{}", Esc(&fcp.facet_id));
    let cb = &fcp.channel_binding;
    if cb.is_empty() {
        field!(out, depth, "channelBinding", "{{}} (none)");
        return;
    }
    say!(out, depth, "channelBinding");
    let members = [
        ("serverEndPoint", &cb.server_end_point),
        ("tlsServerCertificate", &cb.tls_server_certificate),
        ("tlsUnique", &cb.tls_unique),
        ("cid_pubkey", &cb.cid_pubkey),
    ];
    for (name, value) in members {
        if let Some(v) = value {
            field!(out, depth + 1, name, "{}", Esc(v));
        }
    }
}

fn render_reg_response(
    out: &mut Out,
    depth: usize,
    r: &RegistrationResponse,
    policy: Base64Policy,
) {
    say!(out, depth, "UAF registration response");
    let d = depth + 1;
    render_header(out, d, &r.header);
    render_fc_params(out, d, &r.fc_params, policy);
    let n = r.assertions.len();
    for (i, a) in r.assertions.iter().enumerate() {
        say!(out, d, "assertion {} of {n}", i + 1);
        field!(
            out,
            d + 1,
            "assertionScheme",
            "{}",
            Esc(&a.assertion_scheme)
        );
        for png in &a.tc_display_png_characteristics {
            render_png(out, d + 1, png);
        }
        render_json_extensions(out, d + 1, &a.exts);
        render_assertion_text(out, d + 1, a.decode_assertion(policy), &r.fc_params);
    }
}

fn render_auth_response(
    out: &mut Out,
    depth: usize,
    r: &AuthenticationResponse,
    policy: Base64Policy,
) {
    say!(out, depth, "UAF authentication response");
    let d = depth + 1;
    render_header(out, d, &r.header);
    render_fc_params(out, d, &r.fc_params, policy);
    let n = r.assertions.len();
    for (i, a) in r.assertions.iter().enumerate() {
        say!(out, d, "assertion {} of {n}", i + 1);
        field!(
            out,
            d + 1,
            "assertionScheme",
            "{}",
            Esc(&a.assertion_scheme)
        );
        render_json_extensions(out, d + 1, &a.exts);
        render_assertion_text(out, d + 1, a.decode_assertion(policy), &r.fc_params);
    }
}

fn render_assertion_text(
    out: &mut Out,
    depth: usize,
    decoded: Result<Vec<u8>, MessageError>,
    fc_params: &str,
) {
    match decoded {
        Ok(bytes) => {
            say!(out, depth, "assertion: {} bytes of TLV", bytes.len());
            let ctx = TlvContext {
                fc_params: Some(fc_params),
                nesting: 0,
            };
            render_tlv(out, depth + 1, &bytes, &ctx);
        }
        Err(e) => problem!(out, depth, "assertion does not decode: {e}"),
    }
}

fn render_facets(out: &mut Out, depth: usize, list: &TrustedFacetList) {
    say!(out, depth, "trusted facet list");
    for entry in &list.trusted_facets {
        say!(
            out,
            depth + 1,
            "version {}: {} facet IDs",
            entry.version,
            entry.ids.len()
        );
        let check = entry.facet_ids();
        for (i, id) in entry.ids.iter().enumerate() {
            match check.rejected.iter().find(|r| r.index == i) {
                Some(r) => problem!(out, depth + 2, "{}: {}", Esc(id), r.problem),
                None => say!(out, depth + 2, "{}", Esc(id)),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TLV
// ---------------------------------------------------------------------------------------------

/// What the TLV renderer knows from around the TLV.
struct TlvContext<'a> {
    /// The `fcParams` text of the response the assertion came in.
    fc_params: Option<&'a str>,
    /// How many `TAG_AUTHENTICATOR_ASSERTION` wrappers were opened to get here.
    nesting: usize,
}

/// The algorithms a composite declares in its `TAG_ASSERTION_INFO` (members come in any order,
/// so they are looked up before the members are shown).
#[derive(Clone, Copy, Default)]
struct Algorithms {
    sign: Option<AlgSign>,
    key: Option<AlgKey>,
}

fn render_tlv(out: &mut Out, depth: usize, bytes: &[u8], ctx: &TlvContext<'_>) {
    say!(out, depth, "offset  item");
    render_items(out, depth, TlvReader::new(bytes), 0, ctx);
    render_verdict(out, depth, bytes);
}

fn render_items(
    out: &mut Out,
    depth: usize,
    reader: TlvReader<'_>,
    level: usize,
    ctx: &TlvContext<'_>,
) {
    let mut items = Vec::new();
    let mut error = None;
    for item in reader {
        match item {
            Ok(item) => items.push(item),
            Err(e) => error = Some(e),
        }
    }
    let algs = declared_algorithms(&items);
    for item in &items {
        render_item(out, depth, item, level, ctx, algs);
    }
    if let Some(e) = error {
        tlv_error(out, depth, level, &e);
    }
}

fn tlv_error(out: &mut Out, depth: usize, level: usize, e: &TlvError) {
    out.problems += 1;
    out.item(
        depth,
        e.offset().unwrap_or(0),
        level,
        format_args!("ERROR: malformed TLV: {e}"),
    );
}

fn declared_algorithms(items: &[Tlv<'_>]) -> Algorithms {
    let info = items.iter().find(|t| t.tag == TAG_ASSERTION_INFO);
    match info.map(|t| t.value) {
        Some(&[v0, v1, mode, s0, s1, k0, k1]) => {
            let info = RegAssertionInfo::from_bytes([v0, v1, mode, s0, s1, k0, k1]);
            Algorithms {
                sign: Some(info.sign_alg),
                key: Some(info.pub_key_alg),
            }
        }
        Some(&[v0, v1, mode, s0, s1]) => Algorithms {
            sign: Some(AuthAssertionInfo::from_bytes([v0, v1, mode, s0, s1]).sign_alg),
            key: None,
        },
        _ => Algorithms::default(),
    }
}

/// What a composite is for, shown after its length.
fn composite_role(tag: u16) -> &'static str {
    match tag {
        TAG_UAFV1_KRD => "  (the attestation signature covers this item, header included)",
        TAG_UAFV1_SIGNED_DATA => "  (the signature covers this item, header included)",
        tlv::TAG_EXTENSION => "  (critical: a receiver that does not know it must reject)",
        tlv::TAG_EXTENSION_NON_CRITICAL => "  (not critical: may be ignored)",
        _ => "",
    }
}

fn render_item(
    out: &mut Out,
    depth: usize,
    t: &Tlv<'_>,
    level: usize,
    ctx: &TlvContext<'_>,
    algs: Algorithms,
) {
    let len = t.value.len();
    let known = tlv::is_known_tag(t.tag);
    let unknown = match (known, t.is_critical()) {
        (true, _) => "",
        (false, true) => "  unknown tag, critical: a receiver must reject it",
        (false, false) => "  unknown tag, not critical: receivers skip it",
    };
    let head = format!(
        "{}  {len} {}",
        TagDisplay(t.tag),
        plural(len, "byte", "bytes")
    );
    if t.is_composite() && (known || tlv::check_structure(t.value).is_ok()) {
        out.item(
            depth,
            t.offset,
            level,
            format_args!("{head}{}{unknown}", composite_role(t.tag)),
        );
        match t.children() {
            Ok(members) => render_items(out, depth, members, level + 1, ctx),
            Err(e) => tlv_error(out, depth, level + 1, &e),
        }
        return;
    }
    if !known {
        out.item(depth, t.offset, level, format_args!("{head}{unknown}"));
        out.hex_notes(depth, level, t.value);
        return;
    }
    render_leaf(out, depth, t, level, ctx, algs, &head);
}

fn render_leaf(
    out: &mut Out,
    depth: usize,
    t: &Tlv<'_>,
    level: usize,
    ctx: &TlvContext<'_>,
    algs: Algorithms,
    head: &str,
) {
    let v = t.value;
    let at = t.offset;
    macro_rules! item {
        ($($arg:tt)*) => { out.item(depth, at, level, format_args!($($arg)*)) };
    }
    macro_rules! note {
        ($($arg:tt)*) => { out.note(depth, level, format_args!($($arg)*)) };
    }
    macro_rules! bad {
        ($($arg:tt)*) => { out.note_problem(depth, level, format_args!($($arg)*)) };
    }
    if v.is_empty() {
        match t.tag {
            TAG_TRANSACTION_CONTENT_HASH => {
                item!("{head}  (empty: no transaction was confirmed)");
            }
            TAG_EXTENSION_DATA => item!("{head}  (empty)"),
            _ => {
                item!("{head}  (empty)");
                bad!("this value must not be empty");
            }
        }
        return;
    }
    match t.tag {
        TAG_AAID => match Aaid::from_bytes(v) {
            Ok(aaid) => item!("{head}  \"{aaid}\""),
            Err(_) => {
                item!("{head}  {}", Hex(v));
                bad!("not an AAID: it must be 9 ASCII characters \"VVVV#MMMM\" with hex digits");
            }
        },
        TAG_ASSERTION_INFO => {
            item!("{head}  {}", Hex(v));
            render_assertion_info(out, depth, level, v);
        }
        TAG_FINAL_CHALLENGE_HASH => {
            item!("{head}  {}", Hex(v));
            render_fch(out, depth, level, v, ctx, algs);
        }
        TAG_KEYID => {
            item!("{head}");
            note!("base64url  {}", b64::encode(v));
            note!("hex        {}", Hex(v));
            if let Some(text) = readable_text(v) {
                note!("text       \"{}\"", Esc(text));
            }
        }
        TAG_COUNTERS => {
            item!("{head}  {}", Hex(v));
            match *v {
                [s0, s1, s2, s3, r0, r1, r2, r3] => note!(
                    "sign counter {}, registration counter {}",
                    u32::from_le_bytes([s0, s1, s2, s3]),
                    u32::from_le_bytes([r0, r1, r2, r3])
                ),
                [s0, s1, s2, s3] => note!("sign counter {}", u32::from_le_bytes([s0, s1, s2, s3])),
                _ => bad!(
                    "counters are 8 bytes in a KRD (sign, registration) and 4 in SignedData (sign)"
                ),
            }
        }
        TAG_PUB_KEY => {
            item!("{head}");
            if let Some(key) = algs.key {
                note!("encoding {key} (from TAG_ASSERTION_INFO)");
            }
            out.hex_notes(depth, level, v);
        }
        TAG_SIGNATURE => {
            item!("{head}");
            if let [0x30, len, ..] = *v {
                if usize::from(len) + 2 == v.len() {
                    note!("DER SEQUENCE (an ASN.1-encoded ECDSA signature)");
                }
            }
            out.hex_notes(depth, level, v);
        }
        TAG_ATTESTATION_CERT => {
            item!("{head}  DER X.509 certificate");
            note!("SHA-256 fingerprint {}", sha256_hex(v));
        }
        TAG_AUTHENTICATOR_NONCE
        | TAG_TRANSACTION_CONTENT_HASH
        | TAG_KEYHANDLE
        | TAG_USERVERIFY_TOKEN
        | TAG_KEYHANDLE_ACCESS_TOKEN
            if v.len() <= HEX_PER_LINE =>
        {
            // Short random values fit on the item's line; longer ones fall to the hex dump.
            item!("{head}  {}", Hex(v));
        }
        TAG_EXTENSION_ID
        | TAG_APPID
        | TAG_USERNAME
        | TAG_ASSERTION_SCHEME
        | TAG_TC_DISPLAY_CONTENT_TYPE
        | TAG_SUPPORTED_EXTENSION_ID => match core::str::from_utf8(v) {
            Ok(text) => item!("{head}  \"{}\"", Esc(text)),
            Err(_) => {
                item!("{head}  {}", Hex(v));
                bad!("this value must be UTF-8 text");
            }
        },
        TAG_EXTENSION_DATA | TAG_TRANSACTION_CONTENT => match readable_text(v) {
            Some(text) => item!("{head}  \"{}\"", Esc(text)),
            None => {
                item!("{head}");
                out.hex_notes(depth, level, v);
            }
        },
        TAG_STATUS_CODE => match t.u16_value() {
            Ok(n) => {
                let status = CmdStatus::from_value(n);
                item!("{head}  {status}: {}", status.description());
            }
            Err(e) => {
                item!("{head}  {}", Hex(v));
                bad!("{e}");
            }
        },
        TAG_API_VERSION | TAG_AUTHENTICATOR_INDEX => match t.u8_value() {
            Ok(n) => item!("{head}  {n}"),
            Err(e) => {
                item!("{head}  {}", Hex(v));
                bad!("{e}");
            }
        },
        TAG_ATTESTATION_TYPE => match t.u16_value() {
            Ok(n) => item!("{head}  {}", AttestationType::from_value(n)),
            Err(e) => {
                item!("{head}  {}", Hex(v));
                bad!("{e}");
            }
        },
        TAG_AUTHENTICATOR_METADATA => {
            item!("{head}  {}", Hex(v));
            match <[u8; AuthenticatorMetadata::LEN]>::try_from(v) {
                Ok(b) => {
                    let m = AuthenticatorMetadata::from_bytes(b);
                    note!("authenticator type  {}", m.authenticator_type);
                    note!("max key handles     {}", m.max_key_handles);
                    note!("user verification   {}", m.user_verification);
                    note!("key protection      {}", m.key_protection);
                    note!("matcher protection  {}", m.matcher_protection);
                    note!("tc display          {}", m.tc_display);
                    note!("algorithm           {}", m.authentication_alg);
                }
                Err(_) => bad!("the authenticator metadata is exactly 15 bytes"),
            }
        }
        TAG_TC_DISPLAY_PNG_CHARACTERISTICS => {
            item!("{head}");
            match PngCharacteristics::from_bytes(v) {
                Some(p) => note!(
                    "{}×{} pixels, bit depth {}, colour type {}, compression {}, filter {}, interlace {}, {} palette entries",
                    p.width,
                    p.height,
                    p.bit_depth,
                    p.color_type,
                    p.compression,
                    p.filter,
                    p.interlace,
                    p.plte.iter().count()
                ),
                None => bad!("not 13 bytes plus whole 6-byte palette entries"),
            }
        }
        TAG_AUTHENTICATOR_ASSERTION => {
            item!("{head}  (a whole assertion; offsets below count from its first byte)");
            if ctx.nesting >= MAX_NESTING {
                bad!("wrapped too deeply; shown as hex");
                out.hex_notes(depth, level, v);
            } else {
                let inner = TlvContext {
                    fc_params: ctx.fc_params,
                    nesting: ctx.nesting + 1,
                };
                render_items(out, depth, TlvReader::new(v), level + 1, &inner);
            }
        }
        _ => {
            item!("{head}");
            out.hex_notes(depth, level, v);
        }
    }
}

fn render_assertion_info(out: &mut Out, depth: usize, level: usize, v: &[u8]) {
    let mut note = |args: fmt::Arguments<'_>| out.note(depth, level, args);
    match *v {
        [v0, v1, mode, s0, s1, k0, k1] => {
            let info = RegAssertionInfo::from_bytes([v0, v1, mode, s0, s1, k0, k1]);
            let version = info.authenticator_version;
            note(format_args!(
                "authenticator version  {version} (0x{version:04X})"
            ));
            let meaning = if mode == 0x01 {
                "registration"
            } else {
                "unexpected: 0x01 in a registration"
            };
            note(format_args!(
                "authentication mode    0x{mode:02X} ({meaning})"
            ));
            note(format_args!("signature algorithm    {}", info.sign_alg));
            note(format_args!("public key encoding    {}", info.pub_key_alg));
        }
        [v0, v1, mode, s0, s1] => {
            let info = AuthAssertionInfo::from_bytes([v0, v1, mode, s0, s1]);
            let version = info.authenticator_version;
            note(format_args!(
                "authenticator version  {version} (0x{version:04X})"
            ));
            let meaning = match mode {
                0x01 => "user verified",
                0x02 => "user verified, transaction content shown and confirmed",
                _ => "unknown: 0x01 or 0x02 expected",
            };
            note(format_args!(
                "authentication mode    0x{mode:02X} ({meaning})"
            ));
            note(format_args!("signature algorithm    {}", info.sign_alg));
        }
        _ => out.note_problem(
            depth,
            level,
            format_args!("assertion info is 7 bytes in a KRD and 5 bytes in SignedData"),
        ),
    }
}

fn render_fch(
    out: &mut Out,
    depth: usize,
    level: usize,
    fch: &[u8],
    ctx: &TlvContext<'_>,
    algs: Algorithms,
) {
    let Some(fc_params) = ctx.fc_params else {
        out.note(
            depth,
            level,
            format_args!("(no fcParams to compare with: inspect the whole response message)"),
        );
        return;
    };
    let alg = algs.sign.and_then(AlgSign::hash).unwrap_or(HashAlg::Sha256);
    let name = hash_name(alg);
    match uaf_crypto::hash(alg, fc_params.as_bytes()) {
        Ok(digest) if digest.as_bytes() == fch => out.note(
            depth,
            level,
            format_args!("FCH matches fcParams ({name} of the received fcParams text)"),
        ),
        Ok(digest) => out.note_problem(
            depth,
            level,
            format_args!(
                "FCH does not match fcParams: {name} of the fcParams text is {}",
                Hex(digest.as_bytes())
            ),
        ),
        Err(e) => out.note(depth, level, format_args!("FCH not checked: {e}")),
    }
}

/// What the strict parser said: what it read, or why it refused.
enum Verdict {
    /// Parsed; what it is.
    Accepted(String),
    /// Rejected; the parser's error, rendered.
    Rejected(String),
}

impl<E: fmt::Display> From<Result<String, E>> for Verdict {
    fn from(result: Result<String, E>) -> Self {
        match result {
            Ok(what) => Self::Accepted(what),
            Err(e) => Self::Rejected(e.to_string()),
        }
    }
}

/// The strict parser's verdict on a top-level assertion, command or response.
fn render_verdict(out: &mut Out, depth: usize, bytes: &[u8]) {
    let Some(&[t0, t1]) = bytes.first_chunk::<2>() else {
        return;
    };
    let tag = u16::from_le_bytes([t0, t1]);
    let verdict: Verdict = match tag {
        TAG_UAFV1_REG_ASSERTION => match RegAssertion::parse(bytes) {
            Ok(a) => {
                render_reg_summary(out, depth, &a);
                return;
            }
            Err(e) => Verdict::Rejected(e.to_string()),
        },
        TAG_UAFV1_AUTH_ASSERTION => match AuthAssertion::parse(bytes) {
            Ok(a) => {
                render_auth_summary(out, depth, &a);
                return;
            }
            Err(e) => Verdict::Rejected(e.to_string()),
        },
        0x3401..=0x3406 => Command::parse(bytes)
            .map(|c| format!("{} command", TagDisplay(c.tag())))
            .into(),
        TAG_UAFV1_GETINFO_CMD_RESPONSE => GetInfoResponse::parse(bytes)
            .map(|r| format!("GetInfo response, status {}", r.status))
            .into(),
        TAG_UAFV1_REGISTER_CMD_RESPONSE => RegisterResponse::parse(bytes)
            .map(|r| format!("Register response, status {}", r.status))
            .into(),
        TAG_UAFV1_SIGN_CMD_RESPONSE => SignResponse::parse(bytes)
            .map(|r| format!("Sign response, status {}", r.status))
            .into(),
        TAG_UAFV1_DEREGISTER_CMD_RESPONSE => DeregisterResponse::parse(bytes)
            .map(|r| format!("Deregister response, status {}", r.status))
            .into(),
        TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE => OpenSettingsResponse::parse(bytes)
            .map(|r| format!("OpenSettings response, status {}", r.status))
            .into(),
        _ => {
            if tlv::check_structure(bytes).is_ok() {
                say!(
                    out,
                    depth,
                    "well-formed TLV; {} is not an assertion, command or response, so no stricter check applies",
                    TagDisplay(tag)
                );
            }
            return;
        }
    };
    match verdict {
        Verdict::Accepted(what) => say!(out, depth, "strict parse: OK, {what}"),
        Verdict::Rejected(e) => problem!(out, depth, "strict parse rejects it: {e}"),
    }
}

fn render_reg_summary(out: &mut Out, depth: usize, a: &RegAssertion<'_>) {
    say!(out, depth, "strict parse: OK, a registration assertion");
    let d = depth + 1;
    let krd = &a.krd;
    field!(out, d, "AAID", "{}", krd.aaid);
    field!(out, d, "KeyID", "{}", b64::encode(krd.key_id));
    field!(
        out,
        d,
        "counters",
        "sign {}, registration {}",
        krd.sign_counter,
        krd.reg_counter
    );
    let certs = a.attestation.certificates().len();
    let attestation = match certs {
        0 => a.attestation.attestation_type().to_string(),
        n => format!(
            "{}, {n} {}",
            a.attestation.attestation_type(),
            plural(n, "certificate", "certificates")
        ),
    };
    field!(out, d, "attestation", "{attestation}");
    field!(
        out,
        d,
        "signed bytes",
        "TAG_UAFV1_KRD, {} bytes with its header",
        krd.raw.len()
    );
    render_tlv_extensions(out, d, "signed ext", krd.extensions.iter());
    render_tlv_extensions(out, d, "unsigned ext", a.extensions.iter());
}

fn render_auth_summary(out: &mut Out, depth: usize, a: &AuthAssertion<'_>) {
    say!(out, depth, "strict parse: OK, an authentication assertion");
    let d = depth + 1;
    let sd = &a.signed_data;
    field!(out, d, "AAID", "{}", sd.aaid);
    field!(out, d, "KeyID", "{}", b64::encode(sd.key_id));
    field!(out, d, "counters", "sign {}", sd.sign_counter);
    let transaction = if sd.transaction_content_hash.is_empty() {
        "none"
    } else {
        "confirmed (TC hash present)"
    };
    field!(out, d, "transaction", "{transaction}");
    field!(
        out,
        d,
        "signed bytes",
        "TAG_UAFV1_SIGNED_DATA, {} bytes with its header",
        sd.raw.len()
    );
    render_tlv_extensions(out, d, "signed ext", sd.extensions.iter());
    render_tlv_extensions(out, d, "unsigned ext", a.extensions.iter());
}

fn render_tlv_extensions<'a>(
    out: &mut Out,
    depth: usize,
    name: &str,
    exts: impl Iterator<Item = TlvExtension<'a>>,
) {
    for e in exts {
        let critical = if e.critical {
            "critical"
        } else {
            "not critical"
        };
        field!(
            out,
            depth,
            name,
            "{} ({critical}, {} bytes of data)",
            Esc(e.id),
            e.data.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding_ignores_whitespace_and_rejects_odd_or_non_hex() {
        assert_eq!(decode_hex("01 3e\n00 00").unwrap(), [0x01, 0x3e, 0, 0]);
        assert_eq!(decode_hex("013"), Err(HexError::OddLength(3)));
        assert_eq!(decode_hex("0g"), Err(HexError::NotADigit('g')));
        assert_eq!(
            NotDecoded::Hex(HexError::NotADigit('g')).to_string(),
            "not hex: 'g' is not a hex digit"
        );
    }

    #[test]
    fn escaping_neutralises_control_and_bidi_characters() {
        assert_eq!(
            Esc("a\u{1b}[31mb\u{202e}c").to_string(),
            "a\\u{1b}[31mb\\u{202e}c"
        );
        assert_eq!(Esc("plain text").to_string(), "plain text");
    }

    #[test]
    fn readable_text_refuses_binary() {
        assert_eq!(readable_text(b"hello"), Some("hello"));
        assert_eq!(readable_text(b"a\0b"), None);
        assert_eq!(readable_text(&[0xff]), None);
        assert_eq!(readable_text(b""), None);
    }
}
