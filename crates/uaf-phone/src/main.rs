//! `uaf-phone`: the simulated phone of uaf-server's phone sign-in (see the README).
#![forbid(unsafe_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::collections::BTreeSet;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use uaf_phone::{Enrollment, KdfParams, Notification, Phone, PhoneError};

/// A simulated phone for uaf-server's "sign in with your phone": enrol with an invite code,
/// then approve sign-ins with the PIN.
#[derive(Debug, Parser)]
#[command(name = "uaf-phone", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

/// The argon2id cost of the key that seals the state file.
#[derive(Debug, clap::Args)]
struct KdfArgs {
    /// argon2id memory in KiB (m). Smaller than the default only for tests.
    #[arg(long, default_value_t = KdfParams::DEFAULT.memory_kib)]
    kdf_memory_kib: u32,
    /// argon2id passes (t).
    #[arg(long, default_value_t = KdfParams::DEFAULT.iterations)]
    kdf_iterations: u32,
    /// argon2id lanes (p).
    #[arg(long, default_value_t = KdfParams::DEFAULT.parallelism)]
    kdf_parallelism: u32,
}

impl KdfArgs {
    fn params(&self) -> Result<KdfParams, PhoneError> {
        KdfParams::new(
            self.kdf_memory_kib,
            self.kdf_iterations,
            self.kdf_parallelism,
        )
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes the phone model's metadata statement into DIR (for `uaf-server --metadata DIR`).
    Metadata {
        /// The directory (created if needed).
        dir: PathBuf,
    },
    /// Enrols this phone for an account with a one-time code from `uaf-server invite`.
    Enroll {
        /// The server, e.g. https://sso.example.com (http:// for loopback development).
        #[arg(long)]
        server: String,
        /// CA certificates (PEM) to trust for an https server (a self-signed test setup).
        /// Default: Mozilla's root certificates.
        #[arg(long, value_name = "CA.pem")]
        ca_file: Option<PathBuf>,
        /// The account.
        #[arg(long)]
        username: String,
        /// The one-time invite code.
        #[arg(long)]
        code: String,
        /// The PIN that will unlock the key (asked on the terminal when absent).
        #[arg(long)]
        pin: Option<String>,
        /// The state file (default ./uaf-phone-<username>.json).
        #[arg(long)]
        state: Option<PathBuf>,
        /// The facet ID the app reports (default https://host:port of --server).
        #[arg(long)]
        facet: Option<String>,
        /// Wrong PINs in a row that lock the phone.
        #[arg(long, default_value_t = uaf_phone::DEFAULT_MAX_PIN_ATTEMPTS)]
        max_pin_attempts: u8,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Measures the time of one PIN guess (one argon2id derivation) with these parameters:
    /// what an attacker holding a copy of the state file pays per guess, on this machine.
    KdfCost {
        /// Derivations to time.
        #[arg(long, default_value_t = 5)]
        rounds: u32,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Waits for sign-ins and approves or declines them.
    Wait {
        /// The state file written by `enroll`.
        #[arg(long)]
        state: PathBuf,
        /// CA certificates (PEM) to trust for an https server (as for `enroll`).
        #[arg(long, value_name = "CA.pem")]
        ca_file: Option<PathBuf>,
        /// Approve every sign-in without asking.
        #[arg(long, conflicts_with = "deny")]
        approve: bool,
        /// Decline every sign-in without asking.
        #[arg(long)]
        deny: bool,
        /// The PIN: unlocks the state file, then approves (asked on the terminal when absent:
        /// once to unlock, then for each approval).
        #[arg(long)]
        pin: Option<String>,
        /// Handle one sign-in, then exit.
        #[arg(long)]
        once: bool,
        /// Milliseconds between two polls.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Give up after this many seconds without a sign-in (default: wait forever).
        #[arg(long)]
        timeout: Option<u64>,
    },
}

/// Reads one line from the terminal after `prompt`.
fn ask(prompt: &str) -> Option<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
    }
}

fn pin_or_ask(pin: Option<&String>) -> Result<String, PhoneError> {
    if let Some(p) = pin {
        return Ok(p.clone());
    }
    if !std::io::stdin().is_terminal() {
        return Err(PhoneError::Usage(String::from(
            "no --pin and no terminal to ask it on",
        )));
    }
    // Read without echo, as a phone's PIN pad would.
    match rpassword::prompt_password("PIN: ") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => Err(PhoneError::Usage(String::from("no PIN entered"))),
    }
}

/// What to do with one notification.
#[derive(Clone, PartialEq, Eq)]
enum Decision {
    /// Approve with the number typed.
    Approve(String),
    Deny,
    NotMe,
    Skip,
}

/// Shows the sign-in (its text, where it comes from) and asks for the number from the page.
/// `--approve` answers with the right number (automation, tests).
fn decide(n: &Notification, approve: bool, deny: bool) -> Decision {
    match Phone::shown_text(n) {
        Ok(Some(text)) => println!("{text}"),
        _ => println!("{}", n.prompt()),
    }
    if let Some(c) = &n.context {
        println!("  from {} ({})", c.browser, c.address);
    }
    if approve {
        return Decision::Approve(n.match_code.clone());
    }
    if deny {
        return Decision::Deny;
    }
    if !std::io::stdin().is_terminal() {
        eprintln!("uaf-phone: not answered (no terminal): use --approve or --deny");
        return Decision::Skip;
    }
    let typed = ask("Type the number shown on the sign-in page (empty: decline; x: it's not me): ");
    match typed.as_deref().map(str::trim) {
        None | Some("") => Decision::Deny,
        Some("x" | "X") => Decision::NotMe,
        Some(number) => Decision::Approve(number.to_owned()),
    }
}

/// Answers one notification; on a wrong number or a wrong PIN at the terminal, asks again
/// (a wrong PIN until the phone locks).
fn handle(phone: &mut Phone, n: &Notification, d: Decision, pin: Option<&String>) -> bool {
    let interactive = std::io::stdin().is_terminal();
    let result = match d {
        Decision::Approve(mut typed) => loop {
            let r = pin_or_ask(pin).and_then(|p| phone.approve_typed(n, &typed, &p));
            match r {
                Err(PhoneError::WrongNumber { .. }) if interactive => {
                    eprintln!("uaf-phone: wrong number");
                    match ask("Type the number shown on the sign-in page: ") {
                        Some(again) if !again.trim().is_empty() => typed = again,
                        _ => break Err(PhoneError::WrongNumber { reported: true }),
                    }
                }
                Err(PhoneError::WrongPin { attempts_left }) if interactive && pin.is_none() => {
                    eprintln!("uaf-phone: wrong PIN, {attempts_left} attempt(s) left");
                }
                other => break other.map(|()| "approved"),
            }
        },
        Decision::Deny => phone.decline(n).map(|()| "declined"),
        Decision::NotMe => phone
            .deny(n)
            .map(|()| "denied and reported: new sign-ins of this account pause for a while"),
        Decision::Skip => return false,
    };
    match result {
        Ok(what) => {
            println!("{what}");
            true
        }
        Err(e) => {
            eprintln!("uaf-phone: {e}");
            false
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn wait(
    state: &std::path::Path,
    ca_file: Option<&std::path::Path>,
    approve: bool,
    deny: bool,
    pin: Option<&String>,
    once: bool,
    interval: Duration,
    timeout: Option<Duration>,
) -> Result<ExitCode, PhoneError> {
    let unlock = pin_or_ask(pin)?;
    let mut phone = Phone::load_trusting(state, &unlock, ca_file)?;
    drop(unlock);
    eprintln!(
        "uaf-phone: waiting for sign-ins to {} as {}",
        phone.server(),
        phone.username()
    );
    let mut seen = BTreeSet::new();
    let mut last = Instant::now();
    loop {
        for n in phone.pending()? {
            if !seen.insert(n.attempt.clone()) {
                continue;
            }
            last = Instant::now();
            let d = decide(&n, approve, deny);
            let done = handle(&mut phone, &n, d, pin);
            if once {
                return Ok(if done {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                });
            }
        }
        if timeout.is_some_and(|t| last.elapsed() > t) {
            eprintln!("uaf-phone: no sign-in before the timeout");
            return Ok(ExitCode::FAILURE);
        }
        std::thread::sleep(interval);
    }
}

fn run(args: Args) -> Result<ExitCode, PhoneError> {
    match args.command {
        Command::Metadata { dir } => {
            let path = uaf_phone::write_metadata(&dir)?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Enroll {
            server,
            username,
            code,
            pin,
            state,
            facet,
            max_pin_attempts,
            kdf,
            ca_file,
        } => {
            let kdf = kdf.params()?;
            let pin = pin_or_ask(pin.as_ref())?;
            let mut e = Enrollment::new(&server, &username, &code, &pin);
            e.facet = facet;
            e.kdf = kdf;
            e.max_pin_attempts = max_pin_attempts;
            e.ca_file = ca_file;
            let mut phone = Phone::enroll(&e)?;
            let path = state.unwrap_or_else(|| Phone::default_state_path(&username));
            phone.save(&path)?;
            println!(
                "enrolled {username} at {server}; state in {}",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::KdfCost { rounds, kdf } => {
            let params = kdf.params()?;
            let rounds = rounds.max(1);
            let per = uaf_phone::kdf_cost(params, rounds)?;
            println!(
                "argon2id m={} KiB t={} p={}: {:.1} ms per PIN guess (mean of {rounds}); all \
                 10000 4-digit PINs: {:.0} s on one core of this machine",
                params.memory_kib,
                params.iterations,
                params.parallelism,
                per.as_secs_f64() * 1e3,
                per.as_secs_f64() * 1e4,
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Wait {
            state,
            approve,
            deny,
            pin,
            once,
            interval_ms,
            timeout,
            ca_file,
        } => wait(
            &state,
            ca_file.as_deref(),
            approve,
            deny,
            pin.as_ref(),
            once,
            Duration::from_millis(interval_ms.max(100)),
            timeout.map(Duration::from_secs),
        ),
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("uaf-phone: {e}");
            ExitCode::FAILURE
        }
    }
}
