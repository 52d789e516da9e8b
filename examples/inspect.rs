//! Prints a readable, decoded tree of a UAF message or TLV.
//!
//! ```sh
//! cargo run --example inspect -- examples/data/spec-ex8-registration-response.json
//! cargo run --example inspect -- examples/data/spec-ex8-reg-assertion.b64
//! echo 'Aj7WAAQ-jgALLgkAQUJD…' | cargo run --example inspect
//! ```
//!
//! Input: a JSON UAF message (any request or response array), a transport envelope, decoded
//! fcParams, or a TLV assertion/command as base64url, hex or raw bytes. Reads FILE, or standard
//! input when FILE is absent or `-`. Exits with 1 when the tree holds an `ERROR:` line, 2 when
//! the input cannot be read.

use std::io::{self, Read as _, Write as _};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let path = args.next();
    if args.next().is_some() {
        eprintln!("usage: inspect [FILE]   (standard input when FILE is absent or -)");
        return ExitCode::from(2);
    }
    let input = match path.as_deref() {
        Some(p) if p != "-" => std::fs::read(p).map_err(|e| (p.to_string_lossy().into_owned(), e)),
        _ => {
            let mut buf = Vec::new();
            io::stdin()
                .read_to_end(&mut buf)
                .map(|_| buf)
                .map_err(|e| ("standard input".to_owned(), e))
        }
    };
    let input = match input {
        Ok(bytes) => bytes,
        Err((what, e)) => {
            eprintln!("inspect: cannot read {what}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = uaf::inspect::inspect(&input);
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = io::stdout().write_all(report.text().as_bytes());
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
