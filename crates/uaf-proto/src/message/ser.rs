//! `serialize_with` helpers: base64url bytes, identifiers as their text, registry values as
//! their numbers.

use alloc::vec::Vec;
use core::fmt::Display;

use serde::ser::{Serialize, Serializer};

use crate::b64;

/// Bytes as unpadded base64url.
pub(crate) fn base64<S: Serializer, B: AsRef<[u8]>>(bytes: &B, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&b64::encode(bytes.as_ref()))
}

/// A value as its `Display` text (`Aaid`, `AppId`, `KeyId` in base64url).
pub(crate) fn display<S: Serializer, T: Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// An optional value as its `Display` text (only called when present: the fields skip `None`).
pub(crate) fn opt_display<S: Serializer, T: Display>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// A list serialised element by element as `Display` text.
struct DisplayItem<'a, T>(&'a T);

impl<T: Display> Serialize for DisplayItem<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

/// An optional list of values as their `Display` text.
pub(crate) fn opt_display_list<S: Serializer, T: Display>(
    v: &Option<Vec<T>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(items) => s.collect_seq(items.iter().map(DisplayItem)),
        None => s.serialize_none(),
    }
}

/// An optional registry bit set or value as its `u32` number.
pub(crate) fn opt_u32<S: Serializer, T: Copy + Into<u32>>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_u32((*v).into()),
        None => s.serialize_none(),
    }
}

/// An optional registry bit set or value as its `u16` number.
pub(crate) fn opt_u16<S: Serializer, T: Copy + Into<u16>>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_u16((*v).into()),
        None => s.serialize_none(),
    }
}

/// An optional list of registry values as their `u16` numbers.
pub(crate) fn opt_u16_list<S: Serializer, T: Copy + Into<u16>>(
    v: &Option<Vec<T>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(items) => s.collect_seq(items.iter().map(|x| -> u16 { (*x).into() })),
        None => s.serialize_none(),
    }
}
