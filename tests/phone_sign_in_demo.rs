//! Runs the README's demo (`examples/phone_sign_in.rs`) and requires every step of the story
//! to behave as stated.

#[path = "../examples/phone_sign_in.rs"]
#[allow(dead_code, unreachable_pub)]
mod demo;

#[test]
fn the_phone_sign_in_demo_behaves_as_stated() {
    assert_eq!(demo::run(), 0, "see the demo's output above");
}
