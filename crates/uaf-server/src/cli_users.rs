//! The operator's commands on the database: `uaf-server invite` and `uaf-server user …`
//! (add, list, remove, reset-password). A module of the binary (`main.rs`).
//!
//! They take the database from the server's own `--database` / `UAF_SERVER_DATABASE` and say
//! on stderr which database they used. Without either, the default `uaf-server.db` must
//! exist: a command is never the silent creator of a database file in the current directory
//! (one that no server may ever read). A database named explicitly is created if missing,
//! and the command says so.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use uaf_server::store::{AccountRow, Backend, redact_url, system_clock};
use uaf_server::{PasswordHashing, create_invite, unix_now};

/// Where the password of `user add` / `user reset-password` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PasswordSource {
    /// Asked twice on the terminal, without echo.
    Terminal,
    /// The first line of standard input (without its line ending).
    Stdin,
}

/// An error for the operator, printed as `uaf-server: …`.
fn fail(message: impl core::fmt::Display) -> ExitCode {
    eprintln!("uaf-server: {message}");
    ExitCode::FAILURE
}

/// The database an operator command works on: the location, and whether it was named
/// (`--database` or `UAF_SERVER_DATABASE`) rather than the default.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Database<'a> {
    /// `--database`'s value.
    pub(crate) location: &'a Path,
    /// Whether the operator named it.
    pub(crate) named: bool,
}

/// Opens the server's database for an operator command: PostgreSQL as given; an SQLite file
/// that exists, or a missing one the operator named (created, and said so); never the
/// default file when it is missing, never `:memory:`.
pub(crate) fn open_existing(
    database: Database<'_>,
) -> Result<(Arc<dyn Backend>, String), ExitCode> {
    let Database {
        location: database,
        named,
    } = database;
    let location = database.to_string_lossy().into_owned();
    let shown = redact_url(&location);
    let postgres = uaf_server::store::is_postgres_url(&location);
    if !postgres {
        if location == ":memory:" {
            return Err(fail(
                "--database :memory: is a database of this command alone: give the server's \
                 database (--database or UAF_SERVER_DATABASE)",
            ));
        }
        if !database.exists() {
            if !named {
                return Err(fail(format_args!(
                    "no database at {shown} (the default): give the server's database \
                     (--database PATH or the UAF_SERVER_DATABASE environment variable)"
                )));
            }
            eprintln!("creating a new database at {shown}");
        }
    }
    match uaf_server::store::open(&location, 1) {
        Ok(db) => {
            eprintln!("database: {} ({})", shown, db.name());
            Ok((db, shown))
        }
        Err(e) => Err(fail(format_args!("{shown}: {e}"))),
    }
}

/// `uaf-server invite USERNAME`.
pub(crate) fn invite(database: Database<'_>, username: &str) -> ExitCode {
    let (db, shown) = match open_existing(database) {
        Ok(d) => d,
        Err(code) => return code,
    };
    match create_invite(&*db, username, unix_now()) {
        Ok(invite) => {
            println!("{}", invite.code);
            eprintln!(
                "one-time code for {:?} (stored in {shown}), valid for 15 minutes: uaf-phone \
                 enroll --server URL --username {:?} --code {} — or, on the sign-in page, \
                 \"Have an invite?\" to choose a password with it",
                invite.username, invite.username, invite.code
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Reads the new password of `username` from `source`, checked by the policy.
fn read_password(username: &str, source: PasswordSource) -> Result<String, ExitCode> {
    let password = match source {
        PasswordSource::Stdin => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| fail(format_args!("reading the password from stdin: {e}")))?;
            let trimmed = line.strip_suffix('\n').unwrap_or(&line);
            String::from(trimmed.strip_suffix('\r').unwrap_or(trimmed))
        }
        PasswordSource::Terminal => {
            if !std::io::stdin().is_terminal() {
                return Err(fail(
                    "no terminal to ask the password on: use --password-stdin",
                ));
            }
            let first = rpassword::prompt_password(format!("New password for {username}: "))
                .map_err(|e| fail(format_args!("reading the password: {e}")))?;
            let again = rpassword::prompt_password("Again: ")
                .map_err(|e| fail(format_args!("reading the password: {e}")))?;
            if first != again {
                return Err(fail("the two passwords differ: nothing changed"));
            }
            first
        }
    };
    PasswordHashing::acceptable(&password).map_err(fail)?;
    Ok(password)
}

/// `uaf-server user add NAME [--password-stdin]`.
pub(crate) fn user_add(
    database: Database<'_>,
    hashing: PasswordHashing,
    username: &str,
    source: PasswordSource,
) -> ExitCode {
    if let Err(e) = hashing.check() {
        return fail(e);
    }
    if !valid_username(username) {
        return fail(format_args!(
            "{username:?} is not a user name (1 to 128 characters, no control characters, no \
             spaces at either end)"
        ));
    }
    let (db, shown) = match open_existing(database) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let accounts = db.stores(300, system_clock()).accounts;
    match accounts.account(username) {
        Ok(Some(a)) if a.password_hash.is_some() => {
            return fail(format_args!(
                "{username:?} already exists in {shown}: `uaf-server user reset-password \
                 {username}` changes its password"
            ));
        }
        Ok(_) => {}
        Err(e) => return fail(e),
    }
    let password = match read_password(username, source) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let hash = match hashing.hash(&password) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let row = AccountRow::new(String::from(username), Some(hash.clone()), unix_now());
    let done = match accounts.create_account(&row) {
        // A phone-only account (made when its first phone enrolled): it gets the password.
        Ok(false) => accounts.set_password_hash(username, &hash),
        other => other,
    };
    match done {
        Ok(true) => {
            eprintln!("added {username:?} to {shown}");
            ExitCode::SUCCESS
        }
        Ok(false) => fail(format_args!("{username:?} vanished meanwhile from {shown}")),
        Err(e) => fail(e),
    }
}

/// `uaf-server user reset-password NAME [--password-stdin]`: the new password replaces the
/// old one (sessions already made stay until they expire or the account is removed).
pub(crate) fn user_reset_password(
    database: Database<'_>,
    hashing: PasswordHashing,
    username: &str,
    source: PasswordSource,
) -> ExitCode {
    if let Err(e) = hashing.check() {
        return fail(e);
    }
    let (db, shown) = match open_existing(database) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let accounts = db.stores(300, system_clock()).accounts;
    match accounts.account(username) {
        Ok(Some(_)) => {}
        Ok(None) => return fail(format_args!("no user {username:?} in {shown}")),
        Err(e) => return fail(e),
    }
    let password = match read_password(username, source) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let hash = match hashing.hash(&password) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    match accounts.set_password_hash(username, &hash) {
        Ok(true) => {
            eprintln!("changed the password of {username:?} in {shown}");
            ExitCode::SUCCESS
        }
        Ok(false) => fail(format_args!("no user {username:?} in {shown}")),
        Err(e) => fail(e),
    }
}

/// `uaf-server user list`: one line per account on stdout, tab-separated: name, password
/// (`password` / `no-password`), two-step (`two-step` / `one-step`), verification codes
/// (`codes` / `no-codes`), creation date (UTC).
pub(crate) fn user_list(database: Database<'_>) -> ExitCode {
    let (db, shown) = match open_existing(database) {
        Ok(d) => d,
        Err(code) => return code,
    };
    match db.stores(300, system_clock()).accounts.list_accounts() {
        Ok(all) => {
            for a in &all {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.username,
                    if a.password_hash.is_some() {
                        "password"
                    } else {
                        "no-password"
                    },
                    if a.two_step { "two-step" } else { "one-step" },
                    if a.code_secret.is_some() {
                        "codes"
                    } else {
                        "no-codes"
                    },
                    utc_date(a.created_at)
                );
            }
            eprintln!("{} account(s) in {shown}", all.len());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `uaf-server user remove NAME`: the account and, with it, its sessions, phones and
/// pending sign-ins.
pub(crate) fn user_remove(database: Database<'_>, username: &str) -> ExitCode {
    let (db, shown) = match open_existing(database) {
        Ok(d) => d,
        Err(code) => return code,
    };
    match db
        .stores(300, system_clock())
        .accounts
        .delete_account(username)
    {
        Ok(true) => {
            eprintln!("removed {username:?} (its sessions and phones too) from {shown}");
            ExitCode::SUCCESS
        }
        Ok(false) => fail(format_args!("no user {username:?} in {shown}")),
        Err(e) => fail(e),
    }
}

/// The server's rule for user names (web/flow.rs): 1 to 128 characters, no control
/// characters, no spaces at either end.
fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 128
        && !name.chars().any(char::is_control)
        && name.trim() == name
}

/// `YYYY-MM-DD` (UTC) of unix seconds: days to civil date (H. Hinnant's algorithm).
fn utc_date(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).unwrap_or(i64::MAX / 2);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14");
        assert_eq!(utc_date(1_796_601_600), "2026-12-07");
    }

    #[test]
    fn user_names_follow_the_servers_rule() {
        assert!(valid_username("alice@example.com"));
        assert!(!valid_username(" alice"));
        assert!(!valid_username(""));
        assert!(!valid_username("a\tb"));
    }
}
