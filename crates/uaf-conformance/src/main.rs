//! `uaf-conformance`: runs, generates and measures FIDO UAF conformance vectors.
//!
//! ```text
//! uaf-conformance vectors [--json] PATH...     run vector files (folders: recursively)
//! uaf-conformance generate DIR                 write the simulator-made vectors into DIR
//! uaf-conformance coverage [--markdown] [--check-readme FILE | --update-readme FILE] PATH...
//! uaf-conformance inspect [FILE]               decode a UAF message or TLV ('-' or none: stdin)
//! uaf-conformance server-metadata DIR          write the server suite's metadata statements
//! uaf-conformance server --url BASE [...]      test a UAF server over HTTP
//! ```
//! Exit status: 0 success; 1 a vector or server case failed, a vector was invalid, coverage
//! incomplete, a stale README; 2 a usage or I/O error, or the server unreachable.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use uaf_conformance::coverage::{self, Coverage};
use uaf_conformance::generate;
use uaf_conformance::http::{self as server_suite, ServerOptions, ServerSuite, SuiteError};
use uaf_conformance::suite::{self, Summary};

/// FIDO UAF 1.1 conformance: runs the language-neutral vectors against uaf-rp, generates the
/// simulator-made ones, reports step coverage, decodes messages, and tests any UAF server over
/// HTTP (see docs/conformance.md).
#[derive(Debug, Parser)]
#[command(
    name = "uaf-conformance",
    version,
    arg_required_else_help = true,
    after_help = "Exit status: 0 success; 1 a vector or server case failed, a vector was \
                  invalid, coverage incomplete, a stale README; 2 a usage or I/O error, or the \
                  server unreachable."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every vector file (folders are searched recursively for *.json).
    ///
    /// One line per vector, then `N passed, N failed`.
    Vectors {
        /// Print one JSON object per vector (the summary goes to standard error).
        #[arg(long)]
        json: bool,
        /// Vector files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Write the simulator-made vectors into DIR (deterministic: byte-identical on rerun).
    Generate {
        /// The folder to write (stale vector files in it are removed).
        dir: PathBuf,
    },
    /// Which vectors cover each step of docs/spec-steps.md, positive and negative.
    ///
    /// Fails when a step lacks either.
    Coverage {
        /// Print the coverage table as Markdown.
        #[arg(long)]
        markdown: bool,
        /// Fail when FILE's coverage table is not current.
        #[arg(long, value_name = "FILE", conflicts_with = "update_readme")]
        check_readme: Option<PathBuf>,
        /// Rewrite FILE's coverage table.
        #[arg(long, value_name = "FILE")]
        update_readme: Option<PathBuf>,
        /// Vector files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// A decoded view of a UAF message or TLV.
    ///
    /// Input: a JSON UAF message, a transport envelope, decoded fcParams, or a TLV assertion
    /// or command as base64url, hex or raw bytes. Exit 0 clean, 1 the view holds an `ERROR:`
    /// line, 2 the input cannot be read.
    Inspect {
        /// The file to decode; `-` or none: standard input (not a terminal).
        file: Option<String>,
    },
    /// Write the metadata statements of every simulated authenticator the server suite uses.
    ///
    /// One JSON file per AAID, attestation roots inside; the server under test loads them.
    /// Deterministic: the same files on every run.
    ServerMetadata {
        /// The folder to write.
        dir: PathBuf,
    },
    /// Test the UAF server at BASE through the FIDO conformance server API.
    ///
    /// POST BASE/get, POST BASE/respond: request shapes, every simulated model, every fault.
    /// One line per case, then `N passed, N failed, N skipped`. Exit 0 all passed, 1 a case
    /// failed, 2 usage error or the server unreachable.
    Server {
        /// The base URL of the conformance API (plain http).
        #[arg(long, value_name = "BASE", required_unless_present = "list")]
        url: Option<String>,
        /// The facet ID the simulated client reports (default: the origin of BASE as https).
        #[arg(long, value_name = "FACET")]
        facet: Option<String>,
        /// The beginning of every user name (default `uaf-conformance-`).
        #[arg(long, value_name = "P")]
        username_prefix: Option<String>,
        /// Expect each fault's own status instead of 1498.
        #[arg(long)]
        specific_status: bool,
        /// Print one JSON object per case (the summary goes to standard error).
        #[arg(long)]
        json: bool,
        /// Run only the cases whose id contains SUBSTRING.
        #[arg(long, value_name = "SUBSTRING")]
        only: Option<String>,
        /// The limit of each HTTP call, in whole seconds (default 10).
        #[arg(long, value_name = "SECONDS",
              value_parser = clap::value_parser!(u64).range(1..))]
        timeout: Option<u64>,
        /// Print the plan without contacting the server.
        #[arg(long)]
        list: bool,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Vectors { json, paths } => vectors(&paths, json),
        Command::Generate { dir } => generate_cmd(&dir),
        Command::Coverage {
            markdown,
            check_readme,
            update_readme,
            paths,
        } => {
            let readme = match (check_readme, update_readme) {
                (_, Some(file)) => Some((true, file)),
                (Some(file), None) => Some((false, file)),
                (None, None) => None,
            };
            coverage_cmd(&paths, markdown, readme)
        }
        Command::Inspect { file } => inspect(file.as_deref()),
        Command::ServerMetadata { dir } => server_metadata(&dir),
        Command::Server {
            url,
            facet,
            username_prefix,
            specific_status,
            json,
            only,
            timeout,
            list,
        } => {
            let mut opts = ServerOptions::default();
            opts.facet = facet;
            if let Some(prefix) = username_prefix {
                opts.username_prefix = prefix;
            }
            opts.specific_status = specific_status;
            opts.only = only;
            if let Some(secs) = timeout {
                opts.timeout = core::time::Duration::from_secs(secs);
            }
            server(url, opts, json, list)
        }
    }
}

/// A usage error found after parsing: the message and the subcommand's usage, exit 2.
fn usage_error(subcommand: &str, msg: &str) -> ExitCode {
    let mut cmd = Cli::command();
    cmd.build();
    let usage = cmd
        .find_subcommand_mut(subcommand)
        .map(|c| c.render_usage().to_string())
        .unwrap_or_default();
    eprintln!("uaf-conformance {subcommand}: {msg}\n{usage}");
    ExitCode::from(2)
}

fn vectors(paths: &[PathBuf], json: bool) -> ExitCode {
    let files = suite::find(paths);
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

fn generate_cmd(dir: &Path) -> ExitCode {
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

fn coverage_cmd(
    paths: &[PathBuf],
    markdown_out: bool,
    readme: Option<(bool, PathBuf)>,
) -> ExitCode {
    let entries = suite::run_files(&suite::find(paths), |_| {});
    let cov = Coverage::of(&entries);
    let markdown = cov.markdown();
    if markdown_out {
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

fn inspect(file: Option<&str>) -> ExitCode {
    let stdin = std::io::stdin();
    if file.is_none() && stdin.is_terminal() {
        // Nothing piped in and no FILE: waiting for a paste would look like a hang.
        let mut cmd = Cli::command();
        cmd.build();
        if let Some(sub) = cmd.find_subcommand_mut("inspect") {
            eprintln!("{}", sub.render_long_help());
        }
        return ExitCode::from(2);
    }
    let (what, input) = match file {
        Some(path) if path != "-" => (path, std::fs::read(path)),
        _ => {
            let mut buf = Vec::new();
            let read = stdin.lock().read_to_end(&mut buf).map(|_| buf);
            ("standard input", read)
        }
    };
    let input = match input {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("uaf-conformance inspect: cannot read {what}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = uaf_inspect::inspect(&input);
    let _ = std::io::stdout().write_all(report.text().as_bytes());
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn server_metadata(dir: &Path) -> ExitCode {
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

fn server(url: Option<String>, opts: ServerOptions, json: bool, list: bool) -> ExitCode {
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
        return usage_error("server", "server needs --url BASE");
    };
    if suite.plan().is_empty() {
        return usage_error("server", "--only matches no case");
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
