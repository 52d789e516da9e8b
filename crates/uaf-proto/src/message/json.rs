//! A strict JSON value: [`parse`] rejects duplicate member names (which `serde_json::Value`
//! silently resolves by keeping the last one, so two parsers could read two different
//! messages from one text), trailing characters and nesting deeper than 128 levels.
//!
//! The message decoders of this module parse text into a tree first (like [`Value`], but
//! borrowing unescaped strings from the input), then read each member by name, tracking the
//! member path for errors.

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::DecodeOptions;
use super::error::{JsonType, LengthUnit, MessageError, MessageErrorKind, Path};

/// The members of a JSON object, by name (no duplicates by construction).
pub type Map = BTreeMap<String, Value>;

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// A JSON number as the parser classified it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer ≥ 0 that fits in 64 bits.
    UInt(u64),
    /// A negative integer that fits in 64 bits.
    NegInt(i64),
    /// Any other number (fraction, exponent, or beyond 64 bits).
    Float(f64),
}

impl Value {
    /// The JSON type of this value.
    #[must_use]
    pub const fn json_type(&self) -> JsonType {
        match self {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Bool,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }

    /// Member `key` of an object (`None` for a non-object or an absent member).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// The text of a string value.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses one JSON value strictly (see the module documentation).
///
/// # Errors
/// [`MessageErrorKind::InvalidJson`] for a syntax error, trailing characters or too deep
/// nesting; [`MessageErrorKind::DuplicateMember`] (with the member's path) for a repeated
/// member name.
pub fn parse(text: &str) -> Result<Value, MessageError> {
    parse_node(text, &Path::Root).map(|node| node.to_value())
}

/// The decoders' tree: like [`Value`], but strings and member names borrow from the input text
/// when they contain no escapes, and each object is one vector of members sorted by name.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<Node<'a>>),
    /// An object: members sorted by name, no name twice.
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl Node<'_> {
    /// The JSON type of this value.
    pub(crate) const fn json_type(&self) -> JsonType {
        match self {
            Node::Null => JsonType::Null,
            Node::Bool(_) => JsonType::Bool,
            Node::Number(_) => JsonType::Number,
            Node::Str(_) => JsonType::String,
            Node::Array(_) => JsonType::Array,
            Node::Object(_) => JsonType::Object,
        }
    }

    /// An owned copy.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(*n),
            Node::Str(s) => Value::String(s.as_ref().into()),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(members) => Value::Object(members_to_map(members)),
        }
    }
}

/// Owned copies of an object's members.
pub(crate) fn members_to_map(members: &[(Cow<'_, str>, Node<'_>)]) -> Map {
    members
        .iter()
        .map(|(k, v)| (String::from(k.as_ref()), v.to_value()))
        .collect()
}

/// Parses `text` into a [`Node`] tree; error paths start at `base` (for JSON nested in a
/// string, like `fcParams`).
pub(crate) fn parse_node<'a>(text: &'a str, base: &Path<'_>) -> Result<Node<'a>, MessageError> {
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let result = NodeSeed {
        path: *base,
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match result {
        Ok(v) => Ok(v),
        Err(e) => Err(duplicate.take().unwrap_or_else(|| {
            MessageError::at(
                base,
                MessageErrorKind::InvalidJson {
                    line: e.line(),
                    column: e.column(),
                },
            )
        })),
    }
}

/// Builds a [`Node`], tracking the path so a duplicate member can be reported where it is.
#[derive(Clone, Copy)]
struct NodeSeed<'p> {
    path: Path<'p>,
    duplicate: &'p Cell<Option<MessageError>>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Node<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(Number::UInt(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(match u64::try_from(v) {
            Ok(u) => Number::UInt(u),
            Err(_) => Number::NegInt(v),
        }))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Node::Number(Number::Float(v)))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v.into())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::new();
        loop {
            let path = self.path.index(items.len());
            let seed = NodeSeed {
                path,
                duplicate: self.duplicate,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => return Ok(Node::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Node<'de>)> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = {
                let path = self.path.key(&key);
                map.next_value_seed(NodeSeed {
                    path,
                    duplicate: self.duplicate,
                })?
            };
            members.push((key, value));
        }
        // Sorting (no allocation) makes duplicates adjacent and lookups a binary search, in
        // O(n log n) even for hostile inputs with many members.
        members.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let repeated = members.windows(2).find_map(|w| match w {
            [(a, _), (b, _)] if a == b => Some(a),
            _ => None,
        });
        if let Some(name) = repeated {
            self.duplicate.set(Some(MessageError::at(
                &self.path.key(name),
                MessageErrorKind::DuplicateMember,
            )));
            return Err(de::Error::custom("duplicate member name"));
        }
        Ok(Node::Object(members))
    }
}

/// Reads a member name, borrowing it from the input when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.into()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(Number::UInt(n)) => s.serialize_u64(*n),
            Value::Number(Number::NegInt(n)) => s.serialize_i64(*n),
            Value::Number(Number::Float(n)) => s.serialize_f64(*n),
            Value::String(v) => s.serialize_str(v),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Serialises `value` to JSON text.
///
/// Serialisation of this crate's types cannot fail: every map key is a string and no
/// `Serialize` implementation returns an error, so the empty-string fallback is unreachable.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Typed readers with paths.
// ---------------------------------------------------------------------------------------------

/// A wrong-type error for `v` at `path`.
fn wrong_type(v: &Node<'_>, path: &Path<'_>, expected: JsonType) -> MessageError {
    MessageError::at(
        path,
        MessageErrorKind::WrongType {
            expected,
            found: v.json_type(),
        },
    )
}

/// An object's members, sorted by name.
pub(crate) type ObjectMembers<'v> = [(Cow<'v, str>, Node<'v>)];

/// `v` as an object (its members, sorted by name).
pub(crate) fn object<'v>(
    v: &'v Node<'v>,
    path: &Path<'_>,
) -> Result<&'v ObjectMembers<'v>, MessageError> {
    match v {
        Node::Object(m) => Ok(m),
        other => Err(wrong_type(other, path, JsonType::Object)),
    }
}

/// `v` as an array.
pub(crate) fn array<'v>(v: &'v Node<'v>, path: &Path<'_>) -> Result<&'v [Node<'v>], MessageError> {
    match v {
        Node::Array(a) => Ok(a),
        other => Err(wrong_type(other, path, JsonType::Array)),
    }
}

/// `v` as a string.
pub(crate) fn string<'v>(v: &'v Node<'v>, path: &Path<'_>) -> Result<&'v str, MessageError> {
    match v {
        Node::Str(s) => Ok(s),
        other => Err(wrong_type(other, path, JsonType::String)),
    }
}

/// `v` as a non-empty string.
pub(crate) fn nonempty_string<'v>(
    v: &'v Node<'v>,
    path: &Path<'_>,
) -> Result<&'v str, MessageError> {
    let s = string(v, path)?;
    if s.is_empty() {
        return Err(MessageError::at(path, MessageErrorKind::Empty));
    }
    Ok(s)
}

/// `v` as a string of `min..=max` characters.
pub(crate) fn string_chars<'v>(
    v: &'v Node<'v>,
    path: &Path<'_>,
    min: usize,
    max: usize,
) -> Result<&'v str, MessageError> {
    let s = string(v, path)?;
    check_len(s.chars().count(), min, max, LengthUnit::Characters, path)?;
    Ok(s)
}

/// Checks a size limit.
pub(crate) fn check_len(
    len: usize,
    min: usize,
    max: usize,
    unit: LengthUnit,
    path: &Path<'_>,
) -> Result<(), MessageError> {
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(MessageError::at(
            path,
            MessageErrorKind::Length {
                len,
                min,
                max,
                unit,
            },
        ))
    }
}

/// `v` as a boolean.
pub(crate) fn boolean(v: &Node<'_>, path: &Path<'_>) -> Result<bool, MessageError> {
    match v {
        Node::Bool(b) => Ok(*b),
        other => Err(wrong_type(other, path, JsonType::Bool)),
    }
}

/// Integer types a JSON member can have (WebIDL `octet`, `unsigned short`, `unsigned long`,
/// `long`).
pub(crate) trait JsonInt: Copy + TryFrom<i128> + Into<i128> {
    /// Smallest value.
    const MIN: Self;
    /// Largest value.
    const MAX: Self;
}

macro_rules! json_int {
    ($($t:ty),*) => {$(
        impl JsonInt for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
        }
    )*};
}
json_int!(u8, u16, u32, i32);

/// `v` as an integer of type `T`.
pub(crate) fn int<T: JsonInt>(v: &Node<'_>, path: &Path<'_>) -> Result<T, MessageError> {
    let value = match v {
        Node::Number(Number::UInt(n)) => i128::from(*n),
        Node::Number(Number::NegInt(n)) => i128::from(*n),
        Node::Number(Number::Float(_)) => {
            return Err(MessageError::at(path, MessageErrorKind::NotAnInteger));
        }
        other => return Err(wrong_type(other, path, JsonType::Number)),
    };
    T::try_from(value).map_err(|_| {
        MessageError::at(
            path,
            MessageErrorKind::IntegerOutOfRange {
                value,
                min: T::MIN.into(),
                max: T::MAX.into(),
            },
        )
    })
}

/// `v` as base64url text, decoded under the options' policy.
pub(crate) fn base64(
    v: &Node<'_>,
    path: &Path<'_>,
    opts: &DecodeOptions,
) -> Result<Vec<u8>, MessageError> {
    decode_base64(string(v, path)?, path, opts)
}

/// Decodes base64url text under the options' policy.
pub(crate) fn decode_base64(
    text: &str,
    path: &Path<'_>,
    opts: &DecodeOptions,
) -> Result<Vec<u8>, MessageError> {
    opts.base64
        .decode(text)
        .map_err(|e| MessageError::at(path, MessageErrorKind::Base64(e)))
}

/// `v` as base64url text of `min..=max` decoded bytes.
pub(crate) fn base64_len(
    v: &Node<'_>,
    path: &Path<'_>,
    opts: &DecodeOptions,
    min: usize,
    max: usize,
) -> Result<Vec<u8>, MessageError> {
    let bytes = base64(v, path, opts)?;
    check_len(bytes.len(), min, max, LengthUnit::Bytes, path)?;
    Ok(bytes)
}

/// `v` as an array whose elements `f` decodes.
pub(crate) fn list<'v, T>(
    v: &'v Node<'v>,
    path: &Path<'_>,
    mut f: impl FnMut(&'v Node<'v>, &Path<'_>) -> Result<T, MessageError>,
) -> Result<Vec<T>, MessageError> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, item)| f(item, &path.index(i)))
        .collect()
}

/// [`list`], which must not be empty.
pub(crate) fn nonempty_list<'v, T>(
    v: &'v Node<'v>,
    path: &Path<'_>,
    f: impl FnMut(&'v Node<'v>, &Path<'_>) -> Result<T, MessageError>,
) -> Result<Vec<T>, MessageError> {
    let items = list(v, path, f)?;
    if items.is_empty() {
        return Err(MessageError::at(path, MessageErrorKind::Empty));
    }
    Ok(items)
}

/// The members of one JSON object, read by name with their paths.
pub(crate) struct Members<'v, 'p> {
    members: &'v ObjectMembers<'v>,
    path: &'p Path<'p>,
}

impl<'v, 'p> Members<'v, 'p> {
    /// `v`, which must be an object.
    pub(crate) fn of(v: &'v Node<'v>, path: &'p Path<'p>) -> Result<Self, MessageError> {
        Ok(Members {
            members: object(v, path)?,
            path,
        })
    }

    /// The value of member `key`.
    fn get(&self, key: &str) -> Option<&'v Node<'v>> {
        let i = self
            .members
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()?;
        self.members.get(i).map(|(_, v)| v)
    }

    /// A required member, decoded by `f`.
    pub(crate) fn required<T>(
        &self,
        key: &'static str,
        f: impl FnOnce(&'v Node<'v>, &Path<'_>) -> Result<T, MessageError>,
    ) -> Result<T, MessageError> {
        let path = self.path.key(key);
        match self.get(key) {
            Some(v) => f(v, &path),
            None => Err(MessageError::at(&path, MessageErrorKind::MissingMember)),
        }
    }

    /// An optional member, decoded by `f` when present (`null` reaches `f`, which rejects it as
    /// a wrong type).
    pub(crate) fn optional<T>(
        &self,
        key: &'static str,
        f: impl FnOnce(&'v Node<'v>, &Path<'_>) -> Result<T, MessageError>,
    ) -> Result<Option<T>, MessageError> {
        let path = self.path.key(key);
        self.get(key).map(|v| f(v, &path)).transpose()
    }

    /// A [`MessageErrorKind::MissingMember`] error for `key` (a member required by a rule
    /// beyond its own presence, e.g. by another member's value).
    pub(crate) fn missing(&self, key: &'static str) -> MessageError {
        MessageError::at(&self.path.key(key), MessageErrorKind::MissingMember)
    }

    /// Whether the member is present.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn parses_all_types() {
        let v = parse(r#"{"a":[1,-2,1.5,true,null,"x"],"b":{}}"#).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(
            a,
            &Value::Array(alloc::vec![
                Value::Number(Number::UInt(1)),
                Value::Number(Number::NegInt(-2)),
                Value::Number(Number::Float(1.5)),
                Value::Bool(true),
                Value::Null,
                Value::String("x".into()),
            ])
        );
        assert_eq!(v.get("b"), Some(&Value::Object(Map::new())));
        assert_eq!(to_string(&v), r#"{"a":[1,-2,1.5,true,null,"x"],"b":{}}"#);
    }

    #[test]
    fn rejects_duplicate_members_with_path() {
        let e = parse(r#"[{"a":1},{"b":{"c":1,"c":2}}]"#).unwrap_err();
        assert_eq!(e.kind, MessageErrorKind::DuplicateMember);
        assert_eq!(e.path, "[1].b.c");
        // Names are compared after unescaping: "a\u0062" is "ab".
        let e = parse(r#"{"ab":1,"a\u0062":2}"#).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.kind),
            ("ab", MessageErrorKind::DuplicateMember)
        );
        let v = parse(r#"{"a\u0062":"\u00e9"}"#).unwrap();
        assert_eq!(v.get("ab").and_then(Value::as_str), Some("é"));
        // Same name in different objects is fine.
        assert!(parse(r#"{"a":{"a":1}}"#).is_ok());
    }

    #[test]
    fn rejects_syntax_errors_and_trailing_text() {
        for bad in [
            "",
            "[",
            "[1,]",
            "{\"a\" 1}",
            "[] []",
            "[1] x",
            "nul",
            "\"\\ud800\"",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(
                matches!(e.kind, MessageErrorKind::InvalidJson { .. }),
                "{bad}: {e}"
            );
            assert_eq!(e.path, "");
        }
    }

    #[test]
    fn rejects_deep_nesting_without_overflow() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            parse(&deep).unwrap_err().kind,
            MessageErrorKind::InvalidJson { .. }
        ));
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&ok).is_ok());
    }

    /// Regression (fuzz target `json`): numbers that are not 64-bit integers are read
    /// correctly rounded, so a parsed value, serialised, parses back to itself.
    #[test]
    fn numbers_round_trip_through_text() {
        for text in [
            r#"{"a":1111111111111111111200}"#,
            "[1.1111111111111111e21]",
            "[1.1111111111111112e21]",
            "[0.1,-0.0,5e-324,1.7976931348623157e308,18446744073709551616]",
            "[-9223372036854775808,18446744073709551615]",
        ] {
            let v = parse(text).unwrap();
            assert_eq!(parse(&to_string(&v)).unwrap(), v, "{text}");
        }
        assert_eq!(
            parse("[1111111111111111111200]").unwrap(),
            Value::Array(alloc::vec![Value::Number(Number::Float(
                1.1111111111111111e21
            ))])
        );
    }

    #[test]
    fn integer_reader_ranges() {
        let p = Path::Root;
        let n = |s: &'static str| parse_node(s, &Path::Root).unwrap();
        assert_eq!(int::<u8>(&n("255"), &p), Ok(255));
        assert_eq!(
            int::<u8>(&n("256"), &p).unwrap_err().kind,
            MessageErrorKind::IntegerOutOfRange {
                value: 256,
                min: 0,
                max: 255
            }
        );
        assert_eq!(
            int::<u16>(&n("-1"), &p).unwrap_err().kind,
            MessageErrorKind::IntegerOutOfRange {
                value: -1,
                min: 0,
                max: 65535
            }
        );
        assert_eq!(int::<u32>(&n("4294967295"), &p), Ok(u32::MAX));
        assert_eq!(int::<i32>(&n("-5"), &p), Ok(-5));
        assert_eq!(
            int::<u16>(&n("1.0"), &p).unwrap_err().kind,
            MessageErrorKind::NotAnInteger
        );
        assert_eq!(
            int::<u16>(&n("1e2"), &p).unwrap_err().kind,
            MessageErrorKind::NotAnInteger
        );
        assert_eq!(
            int::<u16>(&n("\"1\""), &p).unwrap_err().kind,
            MessageErrorKind::WrongType {
                expected: JsonType::Number,
                found: JsonType::String
            }
        );
        // serde_json reads "-0" as the float -0.0.
        assert_eq!(
            int::<u16>(&n("-0"), &p).unwrap_err().kind,
            MessageErrorKind::NotAnInteger
        );
        assert_eq!(n("1").json_type().to_string(), "a number");
    }
}
