//! `uaf-conformance`: runs, generates and measures FIDO UAF conformance vectors.
//!
//! ```text
//! uaf-conformance vectors [--json] PATH...     run vector files (folders: recursively)
//! uaf-conformance generate DIR                 write the simulator-made vectors into DIR
//! uaf-conformance coverage [--markdown] [--check-readme FILE | --update-readme FILE] PATH...
//! uaf-conformance inspect FILE                 decode a UAF message or TLV ('-': stdin)
//! uaf-conformance server-metadata DIR          write the server suite's metadata statements
//! uaf-conformance server --url BASE [...]      test a UAF server over HTTP
//! ```
//! Exit status: 0 success; 1 a vector or server case failed, a vector was invalid, coverage
//! incomplete, a stale README; 2 a usage or I/O error, or the server unreachable.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use uaf_conformance::coverage::{self, Coverage};
use uaf_conformance::generate;
use uaf_conformance::http::{self as server_suite, ServerOptions, ServerSuite, SuiteError};
use uaf_conformance::suite::{self, Summary};

const USAGE: &str = "usage:
  uaf-conformance vectors [--json] PATH...
      Run every vector file (folders are searched recursively for *.json). One line per
      vector, then `N passed, N failed`; --json prints one JSON object per vector.
  uaf-conformance generate DIR
      Write the simulator-made vectors into DIR (deterministic: byte-identical on rerun).
  uaf-conformance coverage [--markdown] [--check-readme FILE | --update-readme FILE] PATH...
      Which vectors cover each step of docs/spec-steps.md, positive and negative; fails
      when a step lacks either. --check-readme fails when FILE's table is not current;
      --update-readme rewrites it.
  uaf-conformance inspect FILE
      A decoded view of a UAF message or TLV (FILE '-' reads standard input).
  uaf-conformance server-metadata DIR
      Write the metadata statements (one JSON file per AAID, attestation roots inside) of
      every simulated authenticator the server suite uses; the server under test loads them.
      Deterministic: the same files on every run.
  uaf-conformance server --url BASE [--facet FACET] [--username-prefix P] [--specific-status]
                         [--json] [--only SUBSTRING] [--timeout SECONDS] [--list]
      Test the UAF server at BASE through the FIDO conformance server API (POST BASE/get,
      POST BASE/respond): request shapes, every simulated model, every fault. One line per
      case, then `N passed, N failed, N skipped`; --json one JSON object per case.
      --specific-status expects each fault's own status instead of 1498. --list prints the
      plan without contacting the server. Exit 0 all passed, 1 a case failed, 2 usage error
      or the server unreachable.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "vectors" => vectors(rest),
        "generate" => generate_cmd(rest),
        "coverage" => coverage_cmd(rest),
        "inspect" => inspect(rest),
        "server-metadata" => server_metadata(rest),
        "server" => server(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("uaf-conformance: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Splits `--flag` options from paths; unknown options are usage errors.
fn options<'a>(args: &'a [String], known: &[&str]) -> Result<(Vec<&'a str>, Vec<PathBuf>), String> {
    let mut flags = Vec::new();
    let mut paths = Vec::new();
    for a in args {
        if a.starts_with("--") {
            if known.contains(&a.as_str()) {
                flags.push(a.as_str());
            } else {
                return Err(format!("unknown option {a}"));
            }
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    Ok((flags, paths))
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("uaf-conformance: {msg}\n{USAGE}");
    ExitCode::from(2)
}

fn vectors(args: &[String]) -> ExitCode {
    let (flags, paths) = match options(args, &["--json"]) {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    if paths.is_empty() {
        return usage_error("vectors needs at least one PATH");
    }
    let json = flags.contains(&"--json");
    let files = suite::find(&paths);
    let terminal = std::io::stdout().is_terminal() && !json;
    let bar = if terminal {
        let bar = ProgressBar::with_draw_target(
            Some(u64::try_from(files.len()).unwrap_or(u64::MAX)),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
            bar.set_style(style);
        }
        Some(bar)
    } else {
        None
    };
    let mut stdout = std::io::stdout().lock();
    let entries = suite::run_files(&files, |entry| {
        let text = if json {
            entry.json().to_string()
        } else {
            entry.line()
        };
        match &bar {
            Some(b) => {
                b.println(text);
                b.inc(1);
            }
            None => {
                let _ = writeln!(stdout, "{text}");
            }
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let summary = Summary::of(&entries);
    if json {
        eprintln!("{summary}");
    } else {
        let _ = writeln!(stdout, "{summary}");
    }
    if summary.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn generate_cmd(args: &[String]) -> ExitCode {
    let (_, paths) = match options(args, &[]) {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let [dir] = paths.as_slice() else {
        return usage_error("generate needs exactly one DIR");
    };
    match generate::write(dir) {
        Ok(written) => {
            for old in &written.removed {
                println!("removed stale {}", old.display());
            }
            println!(
                "{} vectors written to {}",
                written.files.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("generate: {e}");
            }
            eprintln!(
                "generate: {} problem(s), nothing trustworthy was written",
                errors.len()
            );
            ExitCode::FAILURE
        }
    }
}

fn coverage_cmd(args: &[String]) -> ExitCode {
    // --check-readme and --update-readme take a value.
    let mut readme: Option<(bool, PathBuf)> = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check-readme" | "--update-readme" => {
                let Some(file) = it.next() else {
                    return usage_error(&format!("{a} needs a FILE"));
                };
                readme = Some((a == "--update-readme", PathBuf::from(file)));
            }
            _ => rest.push(a.clone()),
        }
    }
    let (flags, paths) = match options(&rest, &["--markdown"]) {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    if paths.is_empty() {
        return usage_error("coverage needs at least one PATH");
    }
    let entries = suite::run_files(&suite::find(&paths), |_| {});
    let cov = Coverage::of(&entries);
    let markdown = cov.markdown();
    if flags.contains(&"--markdown") {
        print!("{markdown}");
    } else {
        println!("{}", cov.table());
    }
    let mut ok = true;
    for id in &cov.not_passing {
        eprintln!("coverage: not counted (did not pass): {id}");
        ok = false;
    }
    for line in &cov.inconsistent {
        eprintln!("coverage: inconsistent: {line}");
        ok = false;
    }
    if !cov.gaps().is_empty() {
        eprintln!("coverage: incomplete: {}", cov.summary());
        ok = false;
    }
    if let Some((update, file)) = readme {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("coverage: cannot read {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        let fresh = match coverage::splice(&text, &markdown) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("coverage: {}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        };
        if update {
            if fresh != text {
                if let Err(e) = std::fs::write(&file, fresh) {
                    eprintln!("coverage: cannot write {}: {e}", file.display());
                    return ExitCode::from(2);
                }
                eprintln!("coverage: updated {}", file.display());
            }
        } else if fresh != text {
            eprintln!(
                "coverage: the table in {} is not current; run `uaf-conformance coverage --update-readme {} {}`",
                file.display(),
                file.display(),
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn inspect(args: &[String]) -> ExitCode {
    let [file] = args else {
        return usage_error("inspect needs exactly one FILE ('-' for standard input)");
    };
    let input = if file == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map(|_| buf)
    } else {
        std::fs::read(file)
    };
    let input = match input {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("uaf-conformance: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = uaf::inspect::inspect(&input);
    let _ = std::io::stdout().write_all(report.text().as_bytes());
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn server_metadata(args: &[String]) -> ExitCode {
    let (_, paths) = match options(args, &[]) {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let [dir] = paths.as_slice() else {
        return usage_error("server-metadata needs exactly one DIR");
    };
    match server_suite::write_metadata(dir) {
        Ok(files) => {
            println!(
                "{} metadata statements written to {}",
                files.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("server-metadata: {e}");
            ExitCode::from(2)
        }
    }
}

fn server(args: &[String]) -> ExitCode {
    let mut opts = ServerOptions::default();
    let mut url: Option<String> = None;
    let mut json = false;
    let mut list = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let flag = a.as_str();
        match flag {
            "--json" => json = true,
            "--list" => list = true,
            "--specific-status" => opts.specific_status = true,
            "--url" | "--facet" | "--username-prefix" | "--only" | "--timeout" => {
                let Some(value) = it.next() else {
                    return usage_error(&format!("{flag} needs a value"));
                };
                match flag {
                    "--url" => url = Some(value.clone()),
                    "--facet" => opts.facet = Some(value.clone()),
                    "--username-prefix" => opts.username_prefix.clone_from(value),
                    "--only" => opts.only = Some(value.clone()),
                    _ => match value.parse::<u64>() {
                        Ok(secs) if secs > 0 => {
                            opts.timeout = core::time::Duration::from_secs(secs);
                        }
                        _ => return usage_error("--timeout needs a whole number of seconds > 0"),
                    },
                }
            }
            other => return usage_error(&format!("server: unknown argument {other}")),
        }
    }
    let suite = ServerSuite::new(opts);
    if list {
        let mut stdout = std::io::stdout().lock();
        for c in suite.plan() {
            if json {
                let _ = writeln!(
                    stdout,
                    "{}",
                    serde_json::json!({"id": c.id, "title": c.title, "group": c.group.name(), "fido_test": c.fido_test})
                );
            } else {
                let _ = writeln!(stdout, "{}  {}", c.id, c.title);
            }
        }
        return ExitCode::SUCCESS;
    }
    let Some(url) = url else {
        return usage_error("server needs --url BASE");
    };
    if suite.plan().is_empty() {
        return usage_error("--only matches no case");
    }
    let mut stdout = std::io::stdout().lock();
    let run = suite.run_with(&url, |r| {
        let text = if json { r.json().to_string() } else { r.line() };
        let _ = writeln!(stdout, "{text}");
        let _ = stdout.flush();
    });
    let results = match run {
        Ok(r) => r,
        // A usage error, an unreachable server, or models that could not be built: nothing
        // was judged.
        Err(e @ (SuiteError::Usage(_) | SuiteError::Unreachable(_) | SuiteError::Setup(_))) => {
            eprintln!("uaf-conformance server: {e}");
            return ExitCode::from(2);
        }
    };
    let summary = server_suite::Summary::of(&results);
    if json {
        eprintln!("{summary}");
    } else {
        let _ = writeln!(stdout, "{summary}");
    }
    if summary.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
