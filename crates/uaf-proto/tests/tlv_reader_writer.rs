//! The generic TLV layer: reader, single-item parsing, nesting limit, writer (digest §5.1).

// Test helpers outside `#[test]` fns may unwrap and index too (clippy.toml covers only the fns).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use uaf_proto::tlv::*;

#[test]
fn tag_table_values_and_names() {
    // A few values from digest §5.2, including the 0x2E09 / 0x3E09 clash.
    assert_eq!(TAG_KEYID, 0x2E09);
    assert_eq!(TAG_ATTESTATION_ECDAA, 0x3E09);
    assert_eq!(TAG_EXTENSION, 0x3E11);
    assert_eq!(TAG_EXTENSION_NON_CRITICAL, 0x3E12);
    assert_eq!(TAG_AUTHENTICATOR_INFO, 0x3811);
    assert_eq!(TAG_UAFV1_OPEN_SETTINGS_CMD_RESPONSE, 0x3606);
    assert_eq!(tag_name(TAG_KEYID), Some("TAG_KEYID"));
    assert_eq!(
        tag_name(TAG_ATTESTATION_ECDAA),
        Some("TAG_ATTESTATION_ECDAA")
    );
    assert_eq!(tag_name(0x3405), None);
    assert!(is_known_tag(TAG_USER_VERIFICATION_CACHING));
    assert!(!is_known_tag(0x2EFF));
    assert_eq!(TagDisplay(TAG_AAID).to_string(), "TAG_AAID (0x2E0B)");
    assert_eq!(TagDisplay(0x1234).to_string(), "tag 0x1234");
}

#[test]
fn composite_and_critical_bits() {
    for tag in [
        TAG_UAFV1_REG_ASSERTION,
        TAG_UAFV1_AUTH_ASSERTION,
        TAG_UAFV1_KRD,
        TAG_UAFV1_SIGNED_DATA,
        TAG_ATTESTATION_BASIC_FULL,
        TAG_ATTESTATION_BASIC_SURROGATE,
        TAG_ATTESTATION_ECDAA,
        TAG_EXTENSION,
        TAG_EXTENSION_NON_CRITICAL,
        TAG_USERNAME_AND_KEYHANDLE,
        TAG_AUTHENTICATOR_INFO,
        TAG_UAFV1_GETINFO_CMD,
        TAG_UAFV1_SIGN_CMD_RESPONSE,
    ] {
        assert!(is_composite(tag), "{}", TagDisplay(tag));
        assert!(is_critical(tag), "{}", TagDisplay(tag));
    }
    for tag in [
        TAG_AAID,
        TAG_SIGNATURE,
        TAG_KEYHANDLE,
        TAG_AUTHENTICATOR_ASSERTION,
        TAG_STATUS_CODE,
    ] {
        assert!(!is_composite(tag), "{}", TagDisplay(tag));
        assert!(is_critical(tag), "{}", TagDisplay(tag));
    }
    for tag in [
        TAG_RAW_USER_VERIFICATION_INDEX,
        TAG_USER_VERIFICATION_STATE,
        TAG_RESERVED_5,
    ] {
        assert!(
            !is_critical(tag) && !is_composite(tag),
            "{}",
            TagDisplay(tag)
        );
    }
}

#[test]
fn reader_yields_items_in_order() {
    let bytes = [
        0x0b, 0x2e, 0x02, 0x00, 0xaa, 0xbb, 0x10, 0x2e, 0x00, 0x00, 0x05, 0x2e, 0x01, 0x00, 0xcc,
    ];
    let items: Vec<Tlv<'_>> = TlvReader::new(&bytes).collect::<Result<_, _>>().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        (items[0].tag, items[0].value, items[0].offset),
        (0x2e0b, &[0xaa, 0xbb][..], 0)
    );
    assert_eq!(items[0].raw, &bytes[..6]);
    assert_eq!(
        (items[1].tag, items[1].value.len(), items[1].offset),
        (0x2e10, 0, 6)
    );
    assert_eq!(
        (items[2].tag, items[2].value, items[2].value_offset()),
        (0x2e05, &[0xcc][..], 14)
    );
    assert!(TlvReader::new(&[]).next().is_none());
}

#[test]
fn parse_single_rules() {
    let one = [0x06, 0x2e, 0x01, 0x00, 0x01];
    assert_eq!(parse_single(&one).unwrap().raw, &one);
    assert_eq!(
        parse_single(&[]),
        Err(TlvError::TruncatedHeader {
            offset: 0,
            available: 0
        })
    );
    let mut two = one.to_vec();
    two.extend_from_slice(&one);
    assert_eq!(
        parse_single(&two),
        Err(TlvError::TrailingBytes {
            offset: 5,
            count: 5
        })
    );
    assert_eq!(
        parse_expected(&one, TAG_KEYID),
        Err(TlvError::UnexpectedTag {
            expected: TAG_KEYID,
            found: TAG_SIGNATURE,
            offset: 0
        })
    );
    assert_eq!(parse_expected(&one, TAG_SIGNATURE).unwrap().value, &[1]);
    // A single byte: not even a tag.
    assert_eq!(
        parse_expected(&[0x06], TAG_SIGNATURE),
        Err(TlvError::TruncatedHeader {
            offset: 0,
            available: 1
        })
    );
}

/// `levels` composites (tag 0x1F00, unknown and non-critical) nested in one another around a
/// leaf.
fn nested(levels: usize) -> Vec<u8> {
    let mut inner = vec![0x01, 0x0f, 0x00, 0x00];
    for _ in 0..levels {
        let mut w = TlvWriter::new();
        w.put(0x1F00, &inner).unwrap();
        inner = w.into_bytes();
    }
    inner
}

#[test]
fn nesting_is_limited() {
    // MAX_DEPTH - 1 composites around a leaf: the leaf is at level MAX_DEPTH.
    assert_eq!(check_structure(&nested(MAX_DEPTH - 1)), Ok(MAX_DEPTH));
    assert_eq!(
        check_structure(&nested(MAX_DEPTH)),
        Err(TlvError::NestingTooDeep {
            tag: 0x1F00,
            offset: 4 * (MAX_DEPTH - 1),
            limit: MAX_DEPTH
        })
    );
    assert!(matches!(
        check_structure(&nested(100)),
        Err(TlvError::NestingTooDeep { .. })
    ));
    // Reading members by hand hits the same limit.
    let bytes = nested(MAX_DEPTH);
    let mut item = parse_single(&bytes).unwrap();
    for _ in 1..MAX_DEPTH {
        item = item.children().unwrap().next().unwrap().unwrap();
    }
    assert_eq!(item.depth(), MAX_DEPTH);
    assert!(matches!(
        item.children(),
        Err(TlvError::NestingTooDeep { .. })
    ));
}

#[test]
fn check_structure_finds_faults_inside_composites() {
    // A composite whose value is not a TLV sequence.
    let bytes = [0x03, 0x3e, 0x02, 0x00, 0x0b, 0x2e];
    assert_eq!(
        check_structure(&bytes),
        Err(TlvError::TruncatedHeader {
            offset: 4,
            available: 2
        })
    );
    let bytes = [0x03, 0x3e, 0x04, 0x00, 0x0b, 0x2e, 0x01, 0x00];
    assert_eq!(
        check_structure(&bytes),
        Err(TlvError::LengthPastEnd {
            tag: 0x2e0b,
            offset: 4,
            length: 1,
            available: 0
        })
    );
    // The same bytes under a leaf tag are fine: leaves are not looked into.
    let bytes = [0x0b, 0x2e, 0x02, 0x00, 0x0b, 0x2e];
    assert_eq!(check_structure(&bytes), Ok(1));
}

#[test]
fn integer_and_text_values() {
    let mut w = TlvWriter::new();
    w.put_u8(TAG_AUTHENTICATOR_INDEX, 7);
    w.put_u16(TAG_STATUS_CODE, 0x0102);
    w.put_u32(TAG_COUNTERS, 0x0a0b_0c0d);
    w.put(TAG_USERNAME, "zoë".as_bytes()).unwrap();
    w.put(TAG_APPID, &[0xc3]).unwrap();
    assert_eq!(
        &w.as_bytes()[..19],
        &[
            0x0d, 0x28, 1, 0, 7, 0x08, 0x28, 2, 0, 0x02, 0x01, 0x0d, 0x2e, 4, 0, 0x0d, 0x0c, 0x0b,
            0x0a
        ]
    );
    let items: Vec<Tlv<'_>> = TlvReader::new(w.as_bytes()).map(Result::unwrap).collect();
    assert_eq!(items[0].u8_value(), Ok(7));
    assert_eq!(items[1].u16_value(), Ok(0x0102));
    assert_eq!(items[2].u32_value(), Ok(0x0a0b_0c0d));
    assert_eq!(items[3].str_value(), Ok("zoë"));
    assert_eq!(
        items[4].str_value(),
        Err(TlvError::InvalidUtf8 {
            tag: TAG_APPID,
            offset: items[4].offset
        })
    );
    assert_eq!(
        items[0].u16_value(),
        Err(TlvError::WrongLength {
            tag: TAG_AUTHENTICATOR_INDEX,
            offset: 0,
            len: 1,
            min: 2,
            max: 2
        })
    );
}

#[test]
fn writer_never_truncates() {
    let mut w = TlvWriter::new();
    w.put(TAG_PUB_KEY, &vec![1u8; MAX_VALUE_LEN]).unwrap();
    assert_eq!(w.len(), MAX_VALUE_LEN + HEADER_LEN);
    assert_eq!(&w.as_bytes()[..4], &[0x0c, 0x2e, 0xff, 0xff]);
    let before = w.clone();
    assert_eq!(
        w.put(TAG_PUB_KEY, &vec![1u8; MAX_VALUE_LEN + 1]),
        Err(TlvError::ValueTooLong {
            tag: TAG_PUB_KEY,
            len: MAX_VALUE_LEN + 1
        })
    );
    assert_eq!(w, before);
    // A composite that grows too large is removed whole.
    let r = w.put_composite(TAG_UAFV1_KRD, |w| {
        w.put(TAG_KEYID, &[0; 40_000])?;
        w.put(TAG_PUB_KEY, &[0; 40_000])
    });
    assert_eq!(
        r,
        Err(TlvError::ValueTooLong {
            tag: TAG_UAFV1_KRD,
            len: 80_008
        })
    );
    assert_eq!(w, before);
    // An error inside the closure also removes the partial composite.
    let r = w.put_composite(TAG_UAFV1_KRD, |w| {
        w.put(TAG_KEYID, &[1])?;
        Err(TlvError::EmptyValue {
            tag: TAG_PUB_KEY,
            offset: 0,
        })
    });
    assert!(r.is_err());
    assert_eq!(w, before);
}

#[test]
fn writer_nests_and_can_write_faults() {
    let mut w = TlvWriter::with_capacity(32);
    assert!(w.is_empty());
    w.put_composite(TAG_EXTENSION, |w| {
        w.put(TAG_EXTENSION_ID, b"id")?;
        w.put_composite(TAG_USERNAME_AND_KEYHANDLE, |w| w.put(TAG_KEYHANDLE, &[9]))
    })
    .unwrap();
    let bytes = w.clone().into_bytes();
    let top = parse_expected(&bytes, TAG_EXTENSION).unwrap();
    let kids: Vec<Tlv<'_>> = top.children().unwrap().map(Result::unwrap).collect();
    assert_eq!(kids[0].value, b"id");
    assert_eq!(
        kids[1].children().unwrap().next().unwrap().unwrap().value,
        &[9]
    );
    assert_eq!(check_structure(&bytes), Ok(4));

    // Deliberate faults: a header that lies, and garbage after it.
    let mut w = TlvWriter::new();
    w.put_header(TAG_SIGNATURE, 10);
    w.put_raw(&[1, 2]);
    assert_eq!(
        parse_single(w.as_bytes()),
        Err(TlvError::LengthPastEnd {
            tag: TAG_SIGNATURE,
            offset: 0,
            length: 10,
            available: 2
        })
    );
}

#[test]
fn errors_are_explained() {
    let cases = [
        (
            TlvError::TruncatedHeader {
                offset: 3,
                available: 1,
            },
            "offset 3",
        ),
        (
            TlvError::TrailingBytes {
                offset: 10,
                count: 2,
            },
            "exactly one item",
        ),
        (
            TlvError::WrongLength {
                tag: TAG_ASSERTION_INFO,
                offset: 8,
                len: 6,
                min: 7,
                max: 7,
            },
            "exactly 7 bytes",
        ),
        (
            TlvError::WrongLength {
                tag: TAG_AUTHENTICATOR_NONCE,
                offset: 8,
                len: 6,
                min: 8,
                max: MAX_VALUE_LEN,
            },
            "at least 8 bytes",
        ),
        (
            TlvError::WrongLength {
                tag: TAG_USERNAME,
                offset: 8,
                len: 200,
                min: 1,
                max: 128,
            },
            "1..=128 bytes",
        ),
        (
            TlvError::UnknownCriticalTag {
                parent: TAG_UAFV1_KRD,
                tag: 0x2eff,
                offset: 9,
            },
            "critical",
        ),
        (
            TlvError::NestingTooDeep {
                tag: 0x1f00,
                offset: 28,
                limit: 8,
            },
            "8 levels",
        ),
        (
            TlvError::ValueTooLong {
                tag: TAG_PUB_KEY,
                len: 70_000,
            },
            "65535",
        ),
    ];
    for (e, needle) in cases {
        let text = e.to_string();
        assert!(text.contains(needle), "{text}");
    }
    assert_eq!(
        TlvError::TrailingBytes {
            offset: 10,
            count: 2
        }
        .tag(),
        None
    );
    assert_eq!(
        TlvError::ValueTooLong {
            tag: 1,
            len: 70_000
        }
        .offset(),
        None
    );
    assert_eq!(TlvError::EmptyValue { tag: 1, offset: 5 }.offset(), Some(5));
}
