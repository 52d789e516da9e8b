//! Property tests of the TLV layer: decode(encode(tree)) == tree, and no input panics.

// Test helpers outside `#[test]` fns may unwrap and index too (clippy.toml covers only the fns).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use uaf_proto::tlv::*;

/// A TLV tree: leaves with non-composite tags, composites with composite tags.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Leaf(u16, Vec<u8>),
    Composite(u16, Vec<Node>),
}

fn leaf_tag() -> impl Strategy<Value = u16> {
    any::<u16>().prop_map(|t| t & !COMPOSITE_BIT)
}

fn composite_tag() -> impl Strategy<Value = u16> {
    any::<u16>().prop_map(|t| t | COMPOSITE_BIT)
}

fn tree() -> impl Strategy<Value = Node> {
    let leaf = (leaf_tag(), proptest::collection::vec(any::<u8>(), 0..40))
        .prop_map(|(t, v)| Node::Leaf(t, v));
    // Depth 6 keeps every tree within MAX_DEPTH.
    leaf.prop_recursive(6, 64, 5, |inner| {
        (composite_tag(), proptest::collection::vec(inner, 0..5))
            .prop_map(|(t, kids)| Node::Composite(t, kids))
    })
}

fn write(w: &mut TlvWriter, node: &Node) -> Result<(), TlvError> {
    match node {
        Node::Leaf(tag, value) => w.put(*tag, value),
        Node::Composite(tag, kids) => {
            w.put_composite(*tag, |w| kids.iter().try_for_each(|k| write(w, k)))
        }
    }
}

fn read(reader: TlvReader<'_>) -> Vec<Node> {
    reader
        .map(|item| {
            let item = item.unwrap();
            if item.is_composite() {
                Node::Composite(item.tag, read(item.children().unwrap()))
            } else {
                Node::Leaf(item.tag, item.value.to_vec())
            }
        })
        .collect()
}

fn count(node: &Node) -> usize {
    match node {
        Node::Leaf(..) => 1,
        Node::Composite(_, kids) => 1 + kids.iter().map(count).sum::<usize>(),
    }
}

proptest! {
    #[test]
    fn sequences_round_trip(nodes in proptest::collection::vec(tree(), 0..6)) {
        let mut w = TlvWriter::new();
        for n in &nodes {
            write(&mut w, n).unwrap();
        }
        let bytes = w.into_bytes();
        prop_assert_eq!(read(TlvReader::new(&bytes)), nodes.clone());
        prop_assert_eq!(check_structure(&bytes), Ok(nodes.iter().map(count).sum::<usize>()));
    }

    #[test]
    fn single_items_round_trip_with_raw_bytes(node in tree()) {
        let mut w = TlvWriter::new();
        write(&mut w, &node).unwrap();
        let bytes = w.into_bytes();
        let item = parse_single(&bytes).unwrap();
        prop_assert_eq!(item.raw, &bytes[..]);
        prop_assert_eq!(item.value.len() + HEADER_LEN, bytes.len());
        let mut extra = bytes.clone();
        extra.push(0);
        prop_assert_eq!(parse_single(&extra), Err(TlvError::TrailingBytes { offset: bytes.len(), count: 1 }));
        if !bytes.is_empty() {
            let cut = &bytes[..bytes.len() - 1];
            prop_assert!(parse_single(cut).is_err());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = check_structure(&bytes);
        let _ = parse_single(&bytes);
        let _ = parse_expected(&bytes, TAG_UAFV1_KRD);
        let mut total = 0usize;
        for item in TlvReader::new(&bytes) {
            match item {
                Ok(t) => {
                    total += t.raw.len();
                    prop_assert_eq!(t.raw.len(), t.value.len() + HEADER_LEN);
                    let _ = (t.u8_value(), t.u16_value(), t.u32_value(), t.str_value());
                    if let Ok(kids) = t.children() {
                        for k in kids {
                            let _ = k;
                        }
                    }
                }
                Err(e) => {
                    prop_assert!(e.offset().is_some());
                    break;
                }
            }
        }
        prop_assert!(total <= bytes.len());
    }
}
