//! Runs the README's demo (`examples/phone_sign_in.rs`) and requires every step of the story
//! to behave as stated, told in words a person reads.

#[path = "../examples/phone_sign_in.rs"]
#[allow(dead_code, unreachable_pub)]
mod demo;

#[test]
fn the_phone_sign_in_demo_behaves_as_stated() {
    assert_eq!(demo::run(), 0, "see the demo's output above");
}

#[test]
fn the_demo_tells_its_story_in_words() {
    let (failures, text) = demo::tell();
    assert_eq!(failures, 0, "{text}");
    for line in text.lines() {
        // No Rust `Debug` text (`Advanced { stored: 0, received: 1 }`, `Some(…)`, `BasicFull`).
        assert!(
            !line.contains(" { ") && !line.contains("Some(") && !line.contains("None"),
            "Debug text in: {line}"
        );
        assert!(!line.contains("BasicFull"), "Debug text in: {line}");
        // No empty list (`evaluated:;`).
        assert!(
            !line.contains(":;") && !line.contains(": ;"),
            "empty list in: {line}"
        );
        // One checked statement per ✓ line.
        assert!(
            line.matches('✓').count() <= 1,
            "two checks in one line: {line}"
        );
        assert!(!line.contains('✗'), "{line}");
    }
    // The outcomes a person meets: approved, declined on the phone, timed out.
    for outcome in [
        "Alice is signed in",
        "the phone declines (USER_CANCELLED)",
        "refuses the late answer",
        "has expired",
    ] {
        assert!(
            text.contains(outcome),
            "the story lacks {outcome:?}:\n{text}"
        );
    }
    let checks = text
        .lines()
        .filter(|l| l.trim_start().starts_with('✓'))
        .count();
    assert_eq!(checks, 18, "{text}");
}
