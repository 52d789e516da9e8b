//! Empty: the build-dependencies of this crate exist for their features only (see Cargo.toml).
fn main() {}
