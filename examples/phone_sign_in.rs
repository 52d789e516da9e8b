//! "Sign in with your phone, not your password" — the whole story in one process.
//!
//! A relying party (`uaf-rp` with in-memory stores) and a phone (`uaf-client` driving the
//! simulated `uaf-authenticator` through real UAF command TLVs) talk UAF 1.1 messages:
//!
//! 1. the phone is set up with a PIN;
//! 2. the account enables phone sign-in (registration; basic full attestation checked against
//!    the authenticator's metadata);
//! 3. "Use an app instead": the sign-in request carries a transaction whose text holds the
//!    number the web page shows; the phone shows it, the user confirms and unlocks with the
//!    PIN; the RP verifies and reports how the user was verified;
//! 4. a sign-in Alice did not start is declined on the phone: nothing signed is sent;
//! 5. a sign-in nobody answers in time expires: a late answer is refused;
//! 6. a wrong PIN is refused on the phone;
//! 7. a replayed response is rejected;
//! 8. a cloned key (a copy that reports an older sign counter) is detected;
//! 9. the phone is removed (deregistration) and a later sign-in with it fails.
//!
//! Every line marked ✓ is one statement the program checked; the other lines tell what
//! happens. Run: `cargo run --example phone_sign_in`. It exits with status 1 if any step does
//! not behave as stated.
#![allow(clippy::print_stdout, reason = "an example that tells a story")]
#![allow(
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    clippy::result_large_err,
    reason = "an application, not a no_std library"
)]

use std::process::ExitCode;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng};
use uaf::authenticator::{
    Authenticator, Fault, Profile, ScriptedUser, TransactionDisplay, UserAction,
};
use uaf::client::{AuthenticatorOptions, Client, ClientConfig, ClientOutcome, ClientRequest};
use uaf::metadata::{MetadataEntry, MetadataIndex};
use uaf::proto::id::Aaid;
use uaf::proto::message::Transaction;
use uaf::proto::status::ClientErrorCode;
use uaf::rp::counter::CounterVerdict;
use uaf::rp::store::{CredentialStore, MemoryCredentialStore, MemoryPendingStore};
use uaf::rp::{
    DeregistrationTarget, ErrorKind, PendingAuthentication, PendingRegistration, RelyingParty,
    RelyingPartyBuilder, SecurityEvent, Service, StatusCodeMode,
};

const APP_ID: &str = "https://login.example.com/uaf/facets.json";
const PAGE: &str = "https://login.example.com";
const PIN: &str = "2468";
const NOW: u64 = 1_800_000_000;

type Phone = Authenticator<ChaCha20Rng, ScriptedUser>;
type Rp = Service<
    MetadataIndex,
    MemoryCredentialStore,
    MemoryPendingStore<PendingRegistration>,
    MemoryPendingStore<PendingAuthentication>,
>;

/// Tells the story on standard output, keeps its text, and counts the steps that did not
/// behave as stated.
struct Story {
    failures: u32,
    text: String,
}

/// Prints a line of the story (`format!` arguments).
macro_rules! say {
    ($story:ident, $($arg:tt)*) => {
        $story.say(&format!($($arg)*))
    };
}

impl Story {
    fn say(&mut self, line: &str) {
        println!("{line}");
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// One checked statement: a ✓ line if `ok`, else a ✗ line and a failure.
    fn check(&mut self, ok: bool, what: &str) {
        if ok {
            self.say(&format!("   ✓ {what}"));
        } else {
            self.say(&format!("   ✗ NOT AS EXPECTED: {what}"));
            self.failures += 1;
        }
    }
}

/// The phone answers a UAF request message; returns the response message text, or the client
/// error in words.
fn phone_answers(client: &mut Client<Phone>, request: &str) -> Result<String, String> {
    phone_answers_coded(client, request).map_err(|(_, words)| words)
}

/// As [`phone_answers`], with the client's error code kept.
fn phone_answers_coded(
    client: &mut Client<Phone>,
    request: &str,
) -> Result<String, (Option<ClientErrorCode>, String)> {
    match client.process(&ClientRequest::new(request, PAGE)) {
        Ok(ClientOutcome::Registration(r)) | Ok(ClientOutcome::Authentication(r)) => Ok(r.message),
        Ok(_) => Err((
            None,
            "the phone answered with another kind of message".into(),
        )),
        Err(e) => Err((Some(e.code()), format!("{e} ({})", e.code()))),
    }
}

/// A counter verdict in words.
fn counter_words(verdict: CounterVerdict) -> String {
    match verdict {
        CounterVerdict::Advanced { stored, received } => {
            format!("the sign counter went from {stored} to {received}")
        }
        CounterVerdict::Unsupported => "the authenticator keeps no sign counter".into(),
        CounterVerdict::Regressed { stored, received } => {
            format!("the sign counter went back from {stored} to {received}")
        }
    }
}

fn main() -> ExitCode {
    if run() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Tells the story; returns how many steps did not behave as stated (a test runs it too).
pub fn run() -> u32 {
    tell().0
}

/// Tells the story; returns how many steps did not behave as stated, and the text told.
pub fn tell() -> (u32, String) {
    let mut story = Story {
        failures: 0,
        text: String::new(),
    };
    let mut rng = ChaCha20Rng::seed_from_u64(2026);

    say!(
        story,
        "1. The phone is set up: an authenticator protected by the PIN {PIN}."
    );
    let profile =
        match Profile::builder(Aaid::parse("F1D0#0A01").unwrap_or_else(|_| unreachable!()))
            .description("Example phone (simulated)")
            .transaction_display(TransactionDisplay::Text)
            .build()
        {
            Ok(p) => p,
            Err(e) => {
                say!(story, "   ✗ cannot build the phone profile: {e}");
                return (1, story.text);
            }
        };
    let phone = match Authenticator::new(
        profile,
        ChaCha20Rng::seed_from_u64(1),
        ScriptedUser::approving(PIN),
    ) {
        Ok(p) => p,
        Err(e) => {
            say!(story, "   ✗ cannot make the phone: {e}");
            return (1, story.text);
        }
    };
    // The relying party trusts this authenticator model through its metadata statement.
    let mut metadata = MetadataIndex::new();
    let entry = MetadataEntry::from_json(&phone.metadata_statement());
    story.check(
        entry.is_ok(),
        "the RP loads the authenticator model's metadata statement",
    );
    if let Ok(entry) = entry {
        story.check(
            metadata.insert(entry).is_ok(),
            "and indexes it by AAID F1D0#0A01",
        );
    }
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::<SecurityEvent>::new()));
    let config = match RelyingPartyBuilder::new(APP_ID).build() {
        Ok(c) => c,
        Err(e) => {
            say!(story, "   ✗ RP configuration: {e}");
            return (1, story.text);
        }
    };
    let ttl = config.challenge_ttl_secs();
    let rp: Rp = Service::new(
        RelyingParty::new(config, metadata)
            .with_event_sink(Box::new(std::sync::Arc::clone(&events))),
        MemoryCredentialStore::new(),
        MemoryPendingStore::new(),
        MemoryPendingStore::new(),
    );
    let mut client = Client::new(ClientConfig::default(), &mut rng);
    client.add_authenticator(phone, AuthenticatorOptions::with_version(1));

    say!(
        story,
        "\n2. Alice enables phone sign-in for her account (registration)."
    );
    let request = rp.start_registration("alice", NOW, &mut rng);
    story.check(
        request.is_ok(),
        "the RP issues a registration request with a fresh 32-byte challenge",
    );
    let response = request
        .map_err(|e| e.to_string())
        .and_then(|r| phone_answers(&mut client, &r));
    story.check(
        response.is_ok(),
        "the phone asks for the PIN, makes a key pair for this account and answers",
    );
    match response.map(|r| rp.finish_registration(&r, NOW)) {
        Ok(Ok(out)) => match out.registered.first() {
            Some(k) => {
                say!(
                    story,
                    "   the RP stored key {} of {} ({} attestation, {})",
                    k.registration.key_id,
                    k.registration.aaid,
                    k.registration
                        .attestation_type
                        .mds3_name()
                        .unwrap_or("an unnamed")
                        .replace('_', " "),
                    k.registration.sign_alg
                );
                story.check(
                k.registration.attestation_type == uaf::proto::registry::AttestationType::BasicFull,
                "basic full attestation: the certificate chain and the signature check out against the metadata's root",
            );
            }
            None => story.check(false, "the RP registered a key"),
        },
        Ok(Err(e)) => story.check(false, &format!("the RP accepts the registration: {e}")),
        Err(e) => story.check(false, &format!("the phone answered: {e}")),
    }

    say!(
        story,
        "\n3. On the sign-in page Alice picks \"Use an app instead\"."
    );
    let number = rng.next_u32() % 90 + 10;
    say!(
        story,
        "   the page shows the number {number}; the phone gets a notification"
    );
    let text = format!("Sign in to login.example.com? The page shows the number {number}.");
    let transaction = match Transaction::text(&text) {
        Ok(t) => vec![t],
        Err(e) => {
            story.check(false, &format!("transaction text: {e}"));
            Vec::new()
        }
    };
    let mut last_response = String::new();
    match rp
        .start_authentication(Some("alice"), transaction, NOW + 60, &mut rng)
        .map_err(|e| e.to_string())
        .and_then(|r| phone_answers(&mut client, &r))
    {
        Ok(resp) => {
            let shown = client
                .authenticator(0)
                .and_then(|p| {
                    p.user()
                        .shown_transactions()
                        .last()
                        .map(|t| t.content.clone())
                })
                .unwrap_or_default();
            story.check(
                shown == text.as_bytes(),
                &format!("the phone showed: \"{text}\""),
            );
            say!(
                story,
                "   Alice compared the number, approved, and unlocked the phone with her PIN"
            );
            last_response = resp.clone();
            match rp.finish_authentication(&resp, NOW + 70) {
                Ok(out) => {
                    let Some(k) = out.keys.first() else {
                        story.check(false, "the RP verified a key");
                        return (story.failures + 1, story.text);
                    };
                    say!(
                        story,
                        "   the RP verified the signature of {} (user verified by {}); {}",
                        k.registration.aaid,
                        k.user_verification,
                        counter_words(k.counter)
                    );
                    story.check(
                        k.transaction_confirmed == Some(0),
                        "the RP checked the confirmed text's hash",
                    );
                    story.check(
                        out.username() == Some("alice"),
                        "Alice is signed in: one approval, two factors (the phone, and the PIN that unlocked it)",
                    );
                }
                Err(e) => story.check(false, &format!("the RP accepts the sign-in: {e}")),
            }
        }
        Err(e) => story.check(false, &format!("sign-in request answered: {e}")),
    }

    say!(
        story,
        "\n4. Someone who knows Alice's user name starts a sign-in; Alice did not."
    );
    say!(
        story,
        "   her phone shows the request; she answers \"No, it's not me\""
    );
    if let Some(p) = client.authenticator_mut(0) {
        p.user_mut().push(UserAction::Cancel);
    }
    match rp
        .start_authentication(Some("alice"), Vec::new(), NOW + 80, &mut rng)
        .map_err(|e| e.to_string())
        .map(|r| phone_answers_coded(&mut client, &r))
    {
        Ok(Err((code, _))) => story.check(
            code == Some(ClientErrorCode::UserCancelled),
            "the phone declines (USER_CANCELLED) and sends nothing signed to the RP",
        ),
        Ok(Ok(_)) => story.check(false, "the phone sends nothing when declined"),
        Err(e) => story.check(false, &format!("sign-in request: {e}")),
    }

    say!(
        story,
        "\n5. Alice starts a sign-in and leaves; her phone answers after the request expired."
    );
    let issued = NOW + 90;
    match rp
        .start_authentication(Some("alice"), Vec::new(), issued, &mut rng)
        .map_err(|e| e.to_string())
        .and_then(|r| phone_answers(&mut client, &r))
    {
        Ok(late) => match rp.finish_authentication(&late, issued + ttl + 1) {
            Err(e) => story.check(
                matches!(e.kind, ErrorKind::ChallengeExpired { .. }),
                &format!(
                    "after {ttl} s the RP refuses the late answer with {} ({e})",
                    e.status(StatusCodeMode::Specific)
                ),
            ),
            Ok(_) => story.check(false, "the RP refuses an answer after the request expired"),
        },
        Err(e) => story.check(false, &format!("the phone answers the request: {e}")),
    }

    say!(
        story,
        "\n6. Someone else picks up the phone and types a wrong PIN."
    );
    if let Some(p) = client.authenticator_mut(0) {
        p.user_mut().push(UserAction::EnterPin("0000".into()));
    }
    match rp
        .start_authentication(Some("alice"), Vec::new(), issued + ttl + 120, &mut rng)
        .map_err(|e| e.to_string())
        .map(|r| phone_answers_coded(&mut client, &r))
    {
        Ok(Err((code, _))) => story.check(
            code == Some(ClientErrorCode::AuthenticatorAccessDenied),
            "the phone refuses the PIN (AUTHENTICATOR_ACCESS_DENIED); nothing is sent to the RP",
        ),
        Ok(Ok(_)) => story.check(false, "the phone refuses a wrong PIN"),
        Err(e) => story.check(false, &format!("sign-in request: {e}")),
    }

    say!(
        story,
        "\n7. An attacker who captured the earlier response sends it again."
    );
    match rp.finish_authentication(&last_response, issued + ttl + 130) {
        Err(e) => story.check(
            matches!(e.kind, ErrorKind::ChallengeUnknown),
            &format!(
                "the RP rejects the replay with {} ({e})",
                e.status(StatusCodeMode::Specific)
            ),
        ),
        Ok(_) => story.check(false, "the RP rejects a replayed response"),
    }

    say!(
        story,
        "\n8. A copy of the phone's key, made before the last sign-in, is used (a cloned key)."
    );
    if let Some(p) = client.authenticator_mut(0) {
        story.check(
            p.arm(Fault::CounterRollback).is_ok(),
            "the copy reports an older sign counter",
        );
    }
    match rp
        .start_authentication(Some("alice"), Vec::new(), issued + ttl + 200, &mut rng)
        .map_err(|e| e.to_string())
        .and_then(|r| phone_answers(&mut client, &r))
        .map(|resp| rp.finish_authentication(&resp, issued + ttl + 210))
    {
        Ok(Err(e)) => {
            story.check(
                e.decisive_step() == uaf::rp::step::StepId::AuthCounter,
                &format!("the RP refuses it: {e}"),
            );
            let alarm = events
                .lock()
                .map(|v| {
                    v.iter()
                        .any(|ev| matches!(ev, SecurityEvent::CounterRegressed { .. }))
                })
                .unwrap_or(false);
            story.check(
                alarm,
                "and raises a security event: the key may have been cloned",
            );
        }
        Ok(Ok(_)) => story.check(false, "the RP detects the cloned key"),
        Err(e) => story.check(false, &format!("cloned-key sign-in: {e}")),
    }

    say!(
        story,
        "\n9. Alice removes the phone from her account (deregistration)."
    );
    match rp.deregister("alice", &DeregistrationTarget::All) {
        Ok(dereg) => {
            let removed = match client.process(&ClientRequest::new(&dereg, PAGE)) {
                Ok(ClientOutcome::Deregistration(report)) => report.removed.len(),
                _ => 0,
            };
            story.check(
                removed == 1,
                "the RP deleted the key and the phone deleted its copy",
            );
        }
        Err(e) => story.check(false, &format!("deregistration: {e}")),
    }
    let left = rp
        .credentials()
        .list_by_user("alice")
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    story.check(left == 0, "no phone is registered for Alice any more");
    // The phone holds no key for the site any more, so it cannot answer; were it to answer
    // anyway, the RP would refuse.
    let later = rp
        .start_authentication(None, Vec::new(), issued + ttl + 300, &mut rng)
        .map_err(|e| e.to_string())
        .and_then(|r| phone_answers(&mut client, &r))
        .and_then(|resp| {
            rp.finish_authentication(&resp, issued + ttl + 310)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
    let what = match &later {
        Err(e) => format!("a later sign-in with the phone fails: {e}"),
        Ok(()) => "a later sign-in with the phone fails".to_owned(),
    };
    story.check(later.is_err(), &what);
    say!(
        story,
        "   Alice falls back to her password and other security info."
    );

    if story.failures == 0 {
        say!(story, "\nEverything behaved as stated.");
    } else {
        say!(
            story,
            "\n{} step(s) did not behave as stated.",
            story.failures
        );
    }
    (story.failures, story.text)
}
