//! `uaf-phone`: the simulated phone of uaf-server's phone sign-in (see the README).
#![forbid(unsafe_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::io::{BufRead as _, IsTerminal as _, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use uaf_phone::{
    AccountRef, Backoff, EnrollLink, Enrollment, KdfParams, Notification, Phone, PhoneError,
    ServerRemoval, WaitEvent, WaitOptions, Waiter,
};

/// A simulated phone for uaf-server's "sign in with your phone": one PIN, any number of
/// accounts on any number of servers; enrol with a code or the account page's enrolment link,
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

/// Where the phone keeps its accounts.
#[derive(Debug, clap::Args)]
struct StateArgs {
    /// The state file: every account of this phone, sealed under its PIN.
    #[arg(long, value_name = "FILE", default_value = uaf_phone::DEFAULT_STATE_FILE)]
    state: PathBuf,
    /// The PIN that unlocks the state file (asked on the terminal, without echo, when absent).
    #[arg(long)]
    pin: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes the phone model's metadata statement into DIR (for `uaf-server --metadata DIR`).
    Metadata {
        /// The directory (created if needed).
        dir: PathBuf,
    },
    /// Enrols this phone for an account: with the enrolment link of the account page's QR
    /// code (--link), or with --server, --user and --code (a code from the account page or
    /// `uaf-server invite`). Adds the account to the state file when it exists (its PIN
    /// unlocks it), else makes a new phone.
    Enroll {
        /// The enrolment link text (`uafphone://enroll?server=…&user=…&code=…`), or `-` to
        /// read it from standard input.
        #[arg(long, value_name = "TEXT", conflicts_with_all = ["server", "username", "code"])]
        link: Option<String>,
        /// The server, e.g. https://sso.example.com (http:// for loopback development).
        #[arg(long, required_unless_present = "link")]
        server: Option<String>,
        /// The account.
        #[arg(
            long = "user",
            visible_alias = "username",
            required_unless_present = "link"
        )]
        username: Option<String>,
        /// The one-time code.
        #[arg(long, required_unless_present = "link")]
        code: Option<String>,
        /// CA certificates (PEM) to trust for an https server (a self-signed test setup);
        /// kept with the account. Default: Mozilla's root certificates.
        #[arg(long, value_name = "CA.pem")]
        ca_file: Option<PathBuf>,
        #[command(flatten)]
        state: StateArgs,
        /// The facet ID the app reports (default https://host:port of the server).
        #[arg(long)]
        facet: Option<String>,
        /// Wrong PINs in a row that lock the phone (a new phone only).
        #[arg(long, default_value_t = uaf_phone::DEFAULT_MAX_PIN_ATTEMPTS)]
        max_pin_attempts: u8,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Lists the accounts of this phone: server, account, AAID, when added.
    Accounts {
        #[command(flatten)]
        state: StateArgs,
    },
    /// Removes an account: tells its server (the phone's registration and token are deleted
    /// there), deletes the key in the authenticator, forgets the account.
    Remove {
        /// The account's user name.
        account: String,
        /// The account's server, when the name is enrolled on several.
        #[arg(long)]
        server: Option<String>,
        /// Forget the account even if its server cannot be told (it keeps listing the phone
        /// until it is removed there).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Prints an account's current verification code (RFC 6238) and the seconds it stays
    /// valid: for a password sign-in's second step when this phone cannot approve.
    Code {
        /// The account's user name.
        account: String,
        /// The account's server, when the name is enrolled on several.
        #[arg(long)]
        server: Option<String>,
        #[command(flatten)]
        state: StateArgs,
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
    /// Waits for the sign-ins of every account (every server) and approves or declines
    /// them; keeps going across server restarts and network errors, and forgets an account
    /// the server removed.
    Wait {
        #[command(flatten)]
        state: StateArgs,
        /// CA certificates (PEM) to trust for every https server, instead of the ones given
        /// at enrolment.
        #[arg(long, value_name = "CA.pem")]
        ca_file: Option<PathBuf>,
        /// Approve every sign-in without asking.
        #[arg(long, conflicts_with = "deny")]
        approve: bool,
        /// Decline every sign-in without asking.
        #[arg(long)]
        deny: bool,
        /// Handle one sign-in, then exit.
        #[arg(long)]
        once: bool,
        /// Milliseconds between two polls of an account.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// The longest wait between two retries of a server that fails, in milliseconds
        /// (the wait doubles from 500 ms up to this, with jitter).
        #[arg(long, default_value_t = 30_000)]
        max_backoff_ms: u64,
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
fn decide(account: &AccountRef, n: &Notification, approve: bool, deny: bool) -> Decision {
    match Phone::shown_text(n) {
        Ok(Some(text)) => println!("[{}] {text}", account.server),
        _ => println!("[{}] {}", account.server, n.prompt()),
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
fn handle(
    phone: &mut Phone,
    account: &AccountRef,
    n: &Notification,
    d: Decision,
    pin: Option<&String>,
) -> bool {
    let interactive = std::io::stdin().is_terminal();
    let result = match d {
        Decision::Approve(mut typed) => loop {
            let r = pin_or_ask(pin).and_then(|p| phone.approve_typed_for(account, n, &typed, &p));
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
        Decision::Deny => phone.decline_for(account, n).map(|()| "declined"),
        Decision::NotMe => phone
            .deny_for(account, n)
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

/// How `wait` behaves.
struct WaitArgs {
    approve: bool,
    deny: bool,
    once: bool,
    options: WaitOptions,
    timeout: Option<Duration>,
}

fn wait(mut phone: Phone, pin: Option<&String>, w: &WaitArgs) -> Result<ExitCode, PhoneError> {
    if phone.accounts().is_empty() {
        eprintln!("uaf-phone: this phone holds no account: enrol one with `uaf-phone enroll`");
        return Ok(ExitCode::FAILURE);
    }
    for a in phone.accounts() {
        eprintln!("uaf-phone: waiting for sign-ins to {}", a.account);
    }
    let mut waiter = Waiter::start(&phone, w.options)?;
    let mut last = Instant::now();
    loop {
        let step = w
            .timeout
            .map_or(Duration::from_secs(3600), |t| {
                t.saturating_sub(last.elapsed())
            })
            .max(Duration::from_millis(10));
        match waiter.next(&mut phone, step) {
            Some(WaitEvent::SignIn {
                account,
                notification,
            }) => {
                last = Instant::now();
                let d = decide(&account, &notification, w.approve, w.deny);
                let done = handle(&mut phone, &account, &notification, d, pin);
                if w.once {
                    return Ok(if done {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    });
                }
            }
            Some(WaitEvent::Removed(r)) => println!(
                "{} was removed from this phone by the server (key {} deleted)",
                r.account, r.key_id
            ),
            Some(WaitEvent::DeregistrationFailed { account, error }) => {
                eprintln!(
                    "uaf-phone: {account}: a deregistration from the server was not applied: {error}"
                );
            }
            Some(WaitEvent::Unreachable { server, error }) => {
                let why = match &error {
                    PhoneError::Unreachable(m) => m.clone(),
                    other => other.to_string(),
                };
                eprintln!("uaf-phone: {server} is unreachable, retrying with backoff ({why})");
            }
            Some(WaitEvent::Withdrawn {
                account,
                attempt,
                state,
            }) => println!(
                "{account}: sign-in {} is no longer waiting ({})",
                attempt.get(..8).unwrap_or(&attempt),
                state.map_or("gone", |s| s.as_str())
            ),
            Some(WaitEvent::Back { server }) => eprintln!("uaf-phone: {server} is back"),
            Some(WaitEvent::Refused { account, error }) => {
                eprintln!("uaf-phone: {account}: {error}; retrying with backoff");
            }
            Some(WaitEvent::NowServing(account)) => println!("now also serving {account}"),
            Some(WaitEvent::NoLongerServing(account)) => println!("no longer serving {account}"),
            Some(WaitEvent::StateUnreadable(error)) => {
                eprintln!("uaf-phone: {error}; serving the accounts read before");
            }
            Some(_) => {}
            None => {
                if waiter.accounts().is_empty() {
                    eprintln!("uaf-phone: no account left");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        if w.timeout.is_some_and(|t| last.elapsed() > t) {
            eprintln!("uaf-phone: no sign-in before the timeout");
            return Ok(ExitCode::FAILURE);
        }
    }
}

/// `YYYY-MM-DD HH:MM UTC` of unix seconds (the proleptic Gregorian calendar, H. Hinnant's
/// `civil_from_days`).
fn utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The enrolment link: the text, or standard input for `-`.
fn link_text(link: &str) -> Result<String, PhoneError> {
    if link != "-" {
        return Ok(String::from(link));
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| PhoneError::Usage(format!("standard input: {e}")))?;
    Ok(text)
}

fn run(args: Args) -> Result<ExitCode, PhoneError> {
    match args.command {
        Command::Metadata { dir } => {
            let path = uaf_phone::write_metadata(&dir)?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Enroll {
            link,
            server,
            username,
            code,
            state,
            facet,
            max_pin_attempts,
            kdf,
            ca_file,
        } => {
            let kdf = kdf.params()?;
            let (server, username, code) = match (link, server, username, code) {
                (Some(link), _, _, _) => {
                    let l = EnrollLink::parse(&link_text(&link)?)?;
                    (l.server, l.username, l.code)
                }
                (None, Some(s), Some(u), Some(c)) => (s, u, c),
                _ => {
                    return Err(PhoneError::Usage(String::from(
                        "give --link, or --server, --user and --code",
                    )));
                }
            };
            let pin = pin_or_ask(state.pin.as_ref())?;
            let mut e = Enrollment::new(&server, &username, &code, &pin);
            e.facet = facet;
            e.kdf = kdf;
            e.max_pin_attempts = max_pin_attempts;
            e.ca_file = ca_file;
            let path = state.state;
            if path.exists() {
                let mut phone = Phone::load(&path, &pin)?;
                // Written into the file at once, under its lock (a running `wait` serves it).
                phone.add_account(&e)?;
                println!(
                    "enrolled {username} at {server}; {} account(s) in {}",
                    phone.accounts().len(),
                    path.display()
                );
            } else {
                let mut phone = Phone::enroll(&e)?;
                match phone.save(&path) {
                    Ok(()) => println!(
                        "enrolled {username} at {server}; state in {}",
                        path.display()
                    ),
                    // Another command made the file while this enrolment ran: the account
                    // goes into that file (with this PIN), not lost.
                    Err(PhoneError::State(_)) if path.exists() => {
                        let mut existing = Phone::load(&path, &pin)?;
                        existing.absorb(phone)?;
                        println!(
                            "enrolled {username} at {server}; {} account(s) in {} (made by \
                             another command meanwhile)",
                            existing.accounts().len(),
                            path.display()
                        );
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounts { state } => {
            let pin = pin_or_ask(state.pin.as_ref())?;
            let phone = Phone::load(&state.state, &pin)?;
            let accounts = phone.accounts();
            if accounts.is_empty() {
                println!("no account");
                return Ok(ExitCode::SUCCESS);
            }
            let width = |f: fn(&uaf_phone::AccountInfo) -> usize, title: &str| {
                accounts.iter().map(f).max().unwrap_or(0).max(title.len())
            };
            let ws = width(|a| a.account.server.chars().count(), "SERVER");
            let wa = width(|a| a.account.username.chars().count(), "ACCOUNT");
            println!("{:ws$}  {:wa$}  {:9}  ADDED", "SERVER", "ACCOUNT", "AAID");
            for a in &accounts {
                let added = a.added_at.map_or_else(|| String::from("-"), utc);
                println!(
                    "{:ws$}  {:wa$}  {:9}  {added}",
                    a.account.server, a.account.username, a.aaid
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Code {
            account,
            server,
            state,
        } => {
            let pin = pin_or_ask(state.pin.as_ref())?;
            let phone = Phone::load(&state.state, &pin)?;
            let which = phone.find(&account, server.as_deref())?;
            let code = phone.verification_code(&which)?;
            println!("{}  ({} s left) for {which}", code.code, code.seconds_left);
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove {
            account,
            server,
            force,
            state,
        } => {
            let pin = pin_or_ask(state.pin.as_ref())?;
            let mut phone = Phone::load(&state.state, &pin)?;
            let which = phone.find(&account, server.as_deref())?;
            let removal = phone.remove(&which, force)?;
            let told = match &removal.server {
                ServerRemoval::Removed => String::from("the server removed the phone"),
                ServerRemoval::AlreadyGone => String::from("the server had already removed it"),
                ServerRemoval::NotTold(e) => format!("the server was not told: {e}"),
                _ => String::new(),
            };
            println!(
                "removed {} (key {} deleted; {told})",
                removal.account, removal.key_id
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
            once,
            interval_ms,
            max_backoff_ms,
            timeout,
            ca_file,
        } => {
            let unlock = pin_or_ask(state.pin.as_ref())?;
            let phone = Phone::load_trusting(&state.state, &unlock, ca_file.as_deref())?;
            drop(unlock);
            let mut options = WaitOptions::pushed(Duration::from_millis(interval_ms.max(100)));
            options.backoff = Backoff::new(
                Backoff::DEFAULT.initial,
                Duration::from_millis(max_backoff_ms),
            );
            wait(
                phone,
                state.pin.as_ref(),
                &WaitArgs {
                    approve,
                    deny,
                    once,
                    options,
                    timeout: timeout.map(Duration::from_secs),
                },
            )
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_796_681_400), "2026-12-07 22:10 UTC");
        assert_eq!(utc(4_107_542_399), "2100-02-28 23:59 UTC");
    }
}
