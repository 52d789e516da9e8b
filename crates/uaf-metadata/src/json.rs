//! Walking a JSON value with the field path at hand, so that every error names the field it is
//! about. Paths are only rendered to text when an error is made.
//!
//! The value is `uaf-proto`'s strict one ([`uaf_proto::message::json`]): a member name that
//! appears twice in one object is an error ([`MetadataError::DuplicateMember`]), never "the
//! last one wins", so that no two readers of a statement can see two different statements.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use uaf_proto::message::MessageErrorKind;
use uaf_proto::message::json::{Map, Number, Value};

use crate::error::MetadataError;

/// One step of a path: an object member or an array element.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Field(&'a str),
    Index(usize),
}

/// A path from the document root, as a linked list on the stack.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Option<Seg<'a>>,
}

impl<'a> Path<'a> {
    /// The document itself.
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        seg: None,
    };

    /// The member `name` of the object at this path.
    pub(crate) fn field(&'a self, name: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Some(Seg::Field(name)),
        }
    }

    /// Element `i` of the array at this path.
    pub(crate) fn index(&'a self, i: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Some(Seg::Index(i)),
        }
    }

    /// `a.b[2].c`; the empty string for the root.
    pub(crate) fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            if let Some(seg) = p.seg {
                segs.push(seg);
            }
            cur = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            // Writing to a String cannot fail.
            let _ = match seg {
                Seg::Field(name) if out.is_empty() => out.write_str(name),
                Seg::Field(name) => write!(out, ".{name}"),
                Seg::Index(i) => write!(out, "[{i}]"),
            };
        }
        out
    }

    /// A [`MetadataError::WrongType`] at this path.
    pub(crate) fn wrong_type(&self, expected: &'static str, found: &Value) -> MetadataError {
        MetadataError::WrongType {
            path: self.render(),
            expected,
            found: kind(found),
        }
    }

    /// A [`MetadataError::InvalidValue`] at this path.
    pub(crate) fn invalid(&self, reason: &'static str) -> MetadataError {
        MetadataError::InvalidValue {
            path: self.render(),
            reason,
        }
    }

    /// A [`MetadataError::UnknownName`] at this path.
    pub(crate) fn unknown_name(&self, value: &str) -> MetadataError {
        MetadataError::UnknownName {
            path: self.render(),
            value: value.into(),
        }
    }

    /// A [`MetadataError::MissingField`] at this path.
    pub(crate) fn missing(&self) -> MetadataError {
        MetadataError::MissingField {
            path: self.render(),
        }
    }
}

/// The JSON type name of `v`, for error messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Parses `text` as JSON, strictly: a repeated member name is an error.
pub(crate) fn parse(text: &str) -> Result<Value, MetadataError> {
    uaf_proto::message::json::parse(text).map_err(|e| match e.kind {
        MessageErrorKind::DuplicateMember => MetadataError::DuplicateMember { path: e.path },
        MessageErrorKind::InvalidJson { line, column } => MetadataError::Syntax { line, column },
        // The strict parser reports nothing else; a future kind is still "not valid JSON".
        _ => MetadataError::Syntax { line: 0, column: 0 },
    })
}

/// `v` as an object.
pub(crate) fn object<'v>(v: &'v Value, p: &Path<'_>) -> Result<Obj<'v>, MetadataError> {
    match v {
        Value::Object(map) => Ok(Obj { map }),
        other => Err(p.wrong_type("an object", other)),
    }
}

/// `v` as a string.
pub(crate) fn string<'v>(v: &'v Value, p: &Path<'_>) -> Result<&'v str, MetadataError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(p.wrong_type("a string", other)),
    }
}

/// `v` as a boolean.
pub(crate) fn boolean(v: &Value, p: &Path<'_>) -> Result<bool, MetadataError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(p.wrong_type("a boolean (true or false)", other)),
    }
}

/// `v` as a JSON number (any).
pub(crate) fn number(v: &Value, p: &Path<'_>) -> Result<f64, MetadataError> {
    // Integers beyond 32 bits are rounded to the nearest f64 through their decimal text.
    let rounded = |text: String| text.parse::<f64>().map_err(|_| p.wrong_type("a number", v));
    match v {
        Value::Number(Number::Float(f)) => Ok(*f),
        Value::Number(Number::UInt(u)) => match u32::try_from(*u) {
            Ok(small) => Ok(f64::from(small)),
            Err(_) => rounded(alloc::format!("{u}")),
        },
        Value::Number(Number::NegInt(i)) => match i32::try_from(*i) {
            Ok(small) => Ok(f64::from(small)),
            Err(_) => rounded(alloc::format!("{i}")),
        },
        other => Err(p.wrong_type("a number", other)),
    }
}

/// `v` as a non-negative integer that fits `T`; `expected` names the range for the message.
pub(crate) fn uint<T: TryFrom<u64>>(
    v: &Value,
    p: &Path<'_>,
    expected: &'static str,
) -> Result<T, MetadataError> {
    match v {
        Value::Number(Number::UInt(n)) => T::try_from(*n).map_err(|_| p.wrong_type(expected, v)),
        other => Err(p.wrong_type(expected, other)),
    }
}

/// A `u8` field.
pub(crate) fn u8_(v: &Value, p: &Path<'_>) -> Result<u8, MetadataError> {
    uint(v, p, "an integer 0..=255")
}

/// A `u16` field.
pub(crate) fn u16_(v: &Value, p: &Path<'_>) -> Result<u16, MetadataError> {
    uint(v, p, "an integer 0..=65535")
}

/// A `u32` field.
pub(crate) fn u32_(v: &Value, p: &Path<'_>) -> Result<u32, MetadataError> {
    uint(v, p, "an integer 0..=4294967295")
}

/// Maps every element of the array `v` with `f`; `expected` names the array for the message.
pub(crate) fn array<T>(
    v: &Value,
    p: &Path<'_>,
    expected: &'static str,
    mut f: impl FnMut(&Value, &Path<'_>) -> Result<T, MetadataError>,
) -> Result<Vec<T>, MetadataError> {
    match v {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(f(item, &p.index(i))?);
            }
            Ok(out)
        }
        other => Err(p.wrong_type(expected, other)),
    }
}

/// Like [`array`], and the array must not be empty.
pub(crate) fn non_empty_array<T>(
    v: &Value,
    p: &Path<'_>,
    expected: &'static str,
    f: impl FnMut(&Value, &Path<'_>) -> Result<T, MetadataError>,
) -> Result<Vec<T>, MetadataError> {
    let out = array(v, p, expected, f)?;
    if out.is_empty() {
        return Err(p.invalid("must not be an empty array"));
    }
    Ok(out)
}

/// A JSON object being read.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'v> {
    map: &'v Map,
}

impl<'v> Obj<'v> {
    /// Whether the member `name` is present.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The required member `name`, read with `f`.
    pub(crate) fn req<T>(
        &self,
        p: &Path<'_>,
        name: &'static str,
        f: impl FnOnce(&'v Value, &Path<'_>) -> Result<T, MetadataError>,
    ) -> Result<T, MetadataError> {
        let path = p.field(name);
        match self.map.get(name) {
            Some(v) => f(v, &path),
            None => Err(path.missing()),
        }
    }

    /// The optional member `name`, read with `f`. `null` is a wrong type, not an absence.
    pub(crate) fn opt<T>(
        &self,
        p: &Path<'_>,
        name: &'static str,
        f: impl FnOnce(&'v Value, &Path<'_>) -> Result<T, MetadataError>,
    ) -> Result<Option<T>, MetadataError> {
        let path = p.field(name);
        match self.map.get(name) {
            Some(v) => f(v, &path).map(Some),
            None => Ok(None),
        }
    }

    /// Every member, in key order.
    pub(crate) fn members(&self) -> impl Iterator<Item = (&'v String, &'v Value)> {
        self.map.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_the_json_nesting() {
        let root = Path::ROOT;
        assert_eq!(root.render(), "");
        let a = root.field("metadataStatement");
        let b = a.field("userVerificationDetails");
        let c = b.index(0);
        let d = c.index(1);
        let e = d.field("userVerification");
        assert_eq!(
            e.render(),
            "metadataStatement.userVerificationDetails[0][1].userVerification"
        );
        let top = root.index(3);
        assert_eq!(top.render(), "[3]");
    }

    #[test]
    fn numbers_of_every_kind_read_as_f64() {
        let p = Path::ROOT.field("FAR");
        assert_eq!(number(&Value::Number(Number::Float(0.25)), &p), Ok(0.25));
        assert_eq!(number(&Value::Number(Number::UInt(3)), &p), Ok(3.0));
        assert_eq!(number(&Value::Number(Number::NegInt(-3)), &p), Ok(-3.0));
        assert_eq!(
            number(&Value::Number(Number::UInt(1 << 60)), &p),
            Ok(1_152_921_504_606_846_976.0)
        );
        assert_eq!(
            number(&Value::Bool(true), &p),
            Err(MetadataError::WrongType {
                path: "FAR".into(),
                expected: "a number",
                found: "boolean"
            })
        );
    }

    #[test]
    fn a_repeated_member_is_an_error_with_its_path() {
        assert_eq!(
            parse(r#"{"a": {"b": 1, "b": 2}}"#),
            Err(MetadataError::DuplicateMember { path: "a.b".into() })
        );
        assert_eq!(
            parse("{\"a\": 1,"),
            Err(MetadataError::Syntax { line: 1, column: 8 })
        );
    }

    #[test]
    fn integers_are_range_checked() {
        let p = Path::ROOT.field("x");
        assert_eq!(u16_(&Value::Number(Number::UInt(65535)), &p), Ok(65535));
        for bad in [
            Value::Number(Number::UInt(65536)),
            Value::Number(Number::NegInt(-1)),
            Value::Number(Number::Float(1.5)),
        ] {
            assert_eq!(
                u16_(&bad, &p),
                Err(MetadataError::WrongType {
                    path: "x".into(),
                    expected: "an integer 0..=65535",
                    found: "number"
                })
            );
        }
        assert_eq!(
            u8_(&Value::String("1".into()), &p),
            Err(MetadataError::WrongType {
                path: "x".into(),
                expected: "an integer 0..=255",
                found: "string"
            })
        );
    }
}
