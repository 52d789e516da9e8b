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
//! input when FILE is absent or `-` (with no FILE and a terminal on standard input it prints
//! its usage instead of waiting). Exits with 1 when the tree holds an `ERROR:` line, 2 when the
//! input cannot be read. `uaf-conformance inspect` is the same view as an installed command.

use std::io::{self, IsTerminal as _, Read as _, Write as _};
use std::process::ExitCode;

const USAGE: &str = "usage: inspect [FILE]   (standard input when FILE is absent or -)
A readable, decoded tree of a UAF message, envelope or fcParams (JSON), or of a TLV assertion
or command (base64url, hex or raw bytes). Exit 0 clean, 1 the tree holds an ERROR: line,
2 the input cannot be read.";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let path = args.next();
    if args.next().is_some() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    if path.as_deref().is_some_and(|p| p == "-h" || p == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if path.is_none() && io::stdin().is_terminal() {
        // Nothing piped in and no FILE: waiting for a paste would look like a hang.
        eprintln!("{USAGE}");
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
