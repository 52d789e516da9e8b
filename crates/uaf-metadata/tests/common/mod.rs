//! Shared helpers of the integration tests: fixtures and JSON surgery.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test helpers

use serde_json::{Map, Value};

/// The text of `tests/data/<name>`.
pub fn text(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The bytes of `tests/data/<name>`.
pub fn bytes(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture `name` with `edit` applied to its top-level object, as JSON text.
pub fn edited(name: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut value: Value = serde_json::from_str(&text(name)).unwrap();
    edit(value.as_object_mut().unwrap());
    serde_json::to_string(&value).unwrap()
}

/// The fixture `name` (a BLOB entry) with `edit` applied to its `metadataStatement`.
pub fn edited_statement(name: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    edited(name, |entry| {
        edit(
            entry
                .get_mut("metadataStatement")
                .unwrap()
                .as_object_mut()
                .unwrap(),
        )
    })
}

/// The fixture `name` with the value at JSON pointer `pointer` (RFC 6901) set to `value`: an
/// object member is inserted or replaced, an array element replaced.
pub fn set(name: &str, pointer: &str, value: Value) -> String {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let mut doc: Value = serde_json::from_str(&text(name)).unwrap();
    match doc.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.insert(last.to_owned(), value);
        }
        Value::Array(items) => items[last.parse::<usize>().unwrap()] = value,
        other => panic!("{pointer}: parent is {other}"),
    }
    serde_json::to_string(&doc).unwrap()
}
