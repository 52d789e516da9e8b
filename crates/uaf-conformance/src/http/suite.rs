//! The test plan and its runner.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt;

use uaf_authenticator::{Fault, Operation as FaultOp, Profile};
use uaf_client::{ClientError, ClientFault, ClientRequest};
use uaf_proto::id::{Aaid, AppId, FacetId, KeyId};
use uaf_proto::message::{MessageError, Operation, TrustedFacetList};

use super::checks::{self, ShapeError};
use super::client::{Context, Http, HttpError, excerpt};
use super::profiles::{self, FAULT_DISPLAY, FAULT_FULL, Phone, Spec};
use super::{CaseResult, Group, ModelError, PlannedCase, ServerOptions, SuiteError, Verdict};

type R<T> = Result<T, Failure>;

/// Why a case failed: the server's answer that is wrong, or why nothing could be judged.
/// Its `Display` is the sentence of the report ([`Verdict::Fail`]).
#[derive(Debug)]
enum Failure {
    /// The suite has no simulated model of this AAID (a bug of the runner).
    NoModel(String),
    /// A simulated model or phone could not be made (a bug of the runner).
    Model(ModelError),
    /// `/get op` gave no answer to judge.
    Get {
        /// The operation asked for.
        op: String,
        /// Why.
        source: HttpError,
    },
    /// `/get op` answered another status than 1200.
    GetStatus {
        /// The operation asked for.
        op: String,
        /// The status.
        status: u16,
    },
    /// `/get op` answered 1200 without `uafRequest`.
    GetNoRequest {
        /// The operation asked for.
        op: String,
    },
    /// `/respond` gave no answer to judge.
    Respond(HttpError),
    /// The facet is not on the AppID's host, and the AppID's facet list could not be fetched.
    FacetListFetch {
        /// The facet of the simulated client.
        facet: String,
        /// Why.
        source: HttpError,
    },
    /// The AppID's trusted facet list is malformed.
    FacetList {
        /// The AppID.
        app_id: String,
        /// Why.
        source: MessageError,
    },
    /// The simulated client refused the server's request.
    ClientRefused {
        /// Why.
        source: ClientError,
        /// The beginning of the request.
        request: String,
    },
    /// The simulated client made no response.
    NoResponse,
    /// The simulated client kept no registration after an accepted one.
    NoRegistration,
    /// A correct ceremony was refused (`registration` / `authentication`, the status).
    CorrectRefused(&'static str, u16),
    /// The request the server issued is malformed.
    Shape(ShapeError),
    /// A step that prepares the case failed.
    Setup(Box<Failure>),
    /// The second sign-in failed.
    SecondSignIn(Box<Failure>),
    /// The server accepted what it must reject (the status expected).
    Accepted(u16),
    /// The server answered another status than expected.
    Answered {
        /// The status.
        got: u16,
        /// The status expected.
        want: u16,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::NoModel(aaid) => write!(f, "no simulated model {aaid}"),
            Failure::Model(e) => write!(f, "{e}"),
            Failure::Get { op, source } => write!(f, "/get {op}: {source}"),
            Failure::GetStatus { op, status } => {
                write!(f, "/get {op} answered statusCode {status} (expected 1200)")
            }
            Failure::GetNoRequest { op } => write!(f, "/get {op} answered 1200 without uafRequest"),
            Failure::Respond(e) => write!(f, "/respond: {e}"),
            Failure::FacetListFetch { facet, source } => write!(
                f,
                "the facet {facet} is not on the AppID's host, and the AppID's trusted facet list could not be fetched: {source}"
            ),
            Failure::FacetList { app_id, source } => {
                write!(f, "trusted facet list of {app_id}: {source}")
            }
            Failure::ClientRefused { source, request } => write!(
                f,
                "the simulated client refused the server's request: {source} (request: {request})"
            ),
            Failure::NoResponse => f.write_str("the simulated client made no response"),
            Failure::NoRegistration => f.write_str("the simulated client kept no registration"),
            Failure::CorrectRefused(what, status) => {
                write!(f, "a correct {what} was refused with {status}")
            }
            Failure::Shape(e) => write!(f, "{e}"),
            Failure::Setup(e) => write!(f, "setup: {e}"),
            Failure::SecondSignIn(e) => write!(f, "second sign-in: {e}"),
            Failure::Accepted(want) => write!(f, "accepted (1200); expected {want}"),
            Failure::Answered { got, want } => write!(f, "answered {got}; expected {want}"),
        }
    }
}

impl From<ShapeError> for Failure {
    fn from(e: ShapeError) -> Self {
        Failure::Shape(e)
    }
}

impl From<ModelError> for Failure {
    fn from(e: ModelError) -> Self {
        Failure::Model(e)
    }
}

/// `Failure::Setup` of `e`.
fn setup(e: Failure) -> Failure {
    Failure::Setup(Box::new(e))
}

/// The transaction text of the transaction cases.
const TRANSACTION: &str = "Pay 100.00 EUR to Bob?";

/// What a case does.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    RegReq(u8),
    AuthReq(u8),
    DeregReq(u8),
    Register(Spec),
    Authenticate(Spec),
    Transaction,
    ReplayReg,
    ReplayAuth,
    Fault(Fault),
    ClientFault(ClientFault, Operation),
}

#[derive(Clone, Debug)]
struct Case {
    planned: PlannedCase,
    kind: Kind,
}

/// The server suite: a plan of cases and the options to run it with.
#[derive(Clone, Debug)]
pub struct ServerSuite {
    options: ServerOptions,
    cases: Vec<Case>,
}

fn case(
    id: impl Into<String>,
    title: impl Into<String>,
    group: Group,
    fido: &'static str,
    kind: Kind,
) -> Case {
    Case {
        planned: PlannedCase {
            id: id.into(),
            title: title.into(),
            group,
            fido_test: fido,
        },
        kind,
    }
}

fn plan_all() -> Vec<Case> {
    let mut out = Vec::new();
    let req = Group::RequestShape;
    let reg_req = [
        "Reg request SEQUENCE: /get Reg answers 1200 and a JSON array with a UAF 1.1 RegistrationRequest (strict decoding)",
        "RegistrationRequest dictionary: header, challenge (base64url, 8..64 bytes, fresh on every call), username of the context, policy",
        "OperationHeader: upv 1.1, op Reg, appID empty or https (≤ 512), serverData 1..1536, exts an array",
        "Policy: accepted/disallowed MatchCriteria valid; P-10: after a registration the next request disallows {aaid:[A],keyIDs:[K]}",
    ];
    for (i, t) in reg_req.iter().enumerate() {
        let n = u8::try_from(i + 1).unwrap_or(0);
        out.push(case(
            alloc::format!("Server-Reg-Req-{n}"),
            *t,
            req,
            "Server-Reg-Req",
            Kind::RegReq(n),
        ));
    }
    let auth_req = [
        "Auth request SEQUENCE: /get Auth answers 1200 and a JSON array with a UAF 1.1 AuthenticationRequest",
        "AuthenticationRequest dictionary: header, challenge fresh on every call, policy; no transaction unless asked; the context's transaction as text/plain",
        "OperationHeader: upv 1.1, op Auth, appID empty or https, serverData present",
        "Policy: valid MatchCriteria; KeyIDs named for the model include the registered one",
    ];
    for (i, t) in auth_req.iter().enumerate() {
        let n = u8::try_from(i + 1).unwrap_or(0);
        out.push(case(
            alloc::format!("Server-Auth-Req-{n}"),
            *t,
            req,
            "Server-Auth-Req",
            Kind::AuthReq(n),
        ));
    }
    let dereg_req = [
        "Dereg request SEQUENCE: /get Dereg answers 1200 and a JSON array with a UAF 1.1 DeregistrationRequest",
        "DeregistrationRequest dictionary: header and non-empty authenticators covering the user's key",
        "OperationHeader: upv 1.1, op Dereg, appID empty or https",
        "Authenticator dictionary: deregisterAAID gives {aaid:A, keyID:\"\"}; deregisterAll gives {aaid:\"\", keyID:\"\"}",
    ];
    for (i, t) in dereg_req.iter().enumerate() {
        let n = u8::try_from(i + 1).unwrap_or(0);
        out.push(case(
            alloc::format!("Server-Dereg-Req-{n}"),
            *t,
            req,
            "Server-Dereg-Req",
            Kind::DeregReq(n),
        ));
    }
    let pos = Group::Positive;
    for spec in profiles::algorithm_specs() {
        out.push(case(
            alloc::format!("reg/{}", spec.aaid),
            alloc::format!("Registration with {}: 1200", spec.describe()),
            pos,
            "Server-Reg-Resp-7",
            Kind::Register(spec.clone()),
        ));
        out.push(case(
            alloc::format!("auth/{}", spec.aaid),
            alloc::format!("Two authentications with {}: 1200 each", spec.describe()),
            pos,
            "Server-Auth-Resp-7",
            Kind::Authenticate(spec),
        ));
    }
    out.push(case(
        "auth/transaction",
        "Authentication with the context's transaction, confirmed on a text/plain display: 1200",
        pos,
        "Server-Auth-Resp-1",
        Kind::Transaction,
    ));
    out.push(case(
        "reg/replay",
        "An accepted registration response sent again: rejected (1498; 1491 specific)",
        pos,
        "Server-Reg-Resp-1",
        Kind::ReplayReg,
    ));
    out.push(case(
        "auth/replay",
        "An accepted authentication response sent again: rejected (1498; 1491 specific)",
        pos,
        "Server-Auth-Resp-1",
        Kind::ReplayAuth,
    ));
    let neg = Group::Negative;
    for fault in Fault::ALL {
        let (fido, op) = match fault.operation() {
            FaultOp::Reg => ("Server-Reg-Resp-6", "registration"),
            FaultOp::Auth => ("Server-Auth-Resp-6", "authentication"),
        };
        out.push(case(
            alloc::format!("fault/{}", fault.id()),
            alloc::format!(
                "Authenticator fault in a {op} assertion ({}): rejected (1498; {} specific)",
                fault.expected_step(),
                fault.expected_status().value()
            ),
            neg,
            fido,
            Kind::Fault(*fault),
        ));
    }
    for (op, name, fido) in [
        (Operation::Reg, "reg", "Server-Reg-Resp-4"),
        (Operation::Auth, "auth", "Server-Auth-Resp-4"),
    ] {
        for fault in ClientFault::ALL {
            out.push(case(
                alloc::format!("client-fault/{name}/{}", fault.name()),
                alloc::format!(
                    "Client fault {} in a {name} response ({}): rejected (1498; {} specific)",
                    fault.name(),
                    fault.step_id(op).unwrap_or("?"),
                    fault.expected_status().value()
                ),
                neg,
                fido,
                Kind::ClientFault(*fault, op),
            ));
        }
    }
    out
}

impl ServerSuite {
    /// The full plan (or the cases whose id contains [`ServerOptions::only`]).
    #[must_use]
    pub fn new(options: ServerOptions) -> ServerSuite {
        let mut cases = plan_all();
        if let Some(only) = &options.only {
            cases.retain(|c| c.planned.id.contains(only.as_str()));
        }
        ServerSuite { options, cases }
    }

    /// The options.
    #[must_use]
    pub const fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// The cases, in the order they run.
    #[must_use]
    pub fn plan(&self) -> Vec<PlannedCase> {
        self.cases.iter().map(|c| c.planned.clone()).collect()
    }

    /// Runs the plan against the server at `base_url` (`http://host:port[/path]`; the API is
    /// `{base_url}/get` and `{base_url}/respond`).
    ///
    /// # Errors
    /// [`SuiteError::Usage`] for an unusable URL or facet, [`SuiteError::Unreachable`] when
    /// the server does not answer a first `/get` at all.
    pub fn run(&self, base_url: &str) -> Result<Vec<CaseResult>, SuiteError> {
        self.run_with(base_url, |_| {})
    }

    /// [`ServerSuite::run`], calling `each` with every result as soon as it is known.
    ///
    /// # Errors
    /// As [`ServerSuite::run`].
    pub fn run_with(
        &self,
        base_url: &str,
        mut each: impl FnMut(&CaseResult),
    ) -> Result<Vec<CaseResult>, SuiteError> {
        let http = Http::new(base_url, self.options.timeout)?;
        let facet = match &self.options.facet {
            Some(f) => f.clone(),
            None => default_facet(base_url)?,
        };
        FacetId::parse(&facet).map_err(|_| {
            SuiteError::Usage(alloc::format!(
                "{facet:?} is not a facet ID (https://host[:port], android:apk-key-hash:…, ios:bundle-id:…)"
            ))
        })?;
        let mut models = BTreeMap::new();
        for spec in profiles::all_specs() {
            let p = spec.build().map_err(SuiteError::Setup)?;
            models.insert(spec.aaid.clone(), p);
        }
        let seed = self.options.seed.unwrap_or_else(clock_seed);
        let runner = Runner {
            http,
            options: &self.options,
            facet,
            models,
            seed,
            tag: alloc::format!("{:08x}", seed & 0xffff_ffff),
            facet_lists: RefCell::new(BTreeMap::new()),
        };
        // A first call: a server that does not answer at all stops the run (exit 2).
        if let Err(HttpError::Unreachable(m)) =
            runner.http.get("Reg", &Context::user(&runner.probe_user()))
        {
            return Err(SuiteError::Unreachable(m));
        }
        let mut results = Vec::with_capacity(self.cases.len());
        for (i, c) in self.cases.iter().enumerate() {
            let verdict = runner.run_case(i, &c.kind);
            let r = CaseResult {
                case: c.planned.clone(),
                verdict,
            };
            each(&r);
            results.push(r);
        }
        Ok(results)
    }
}

/// A seed from the clock and the process id.
fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let low = u64::try_from(nanos & u128::from(u64::MAX)).unwrap_or_default();
    profiles::seed_of(&alloc::format!("{low}-{}", std::process::id()))
}

/// The facet of `base` (`http://host:port/x` → `https://host:port`): UAF web facets are
/// `https` origins.
fn default_facet(base: &str) -> Result<String, SuiteError> {
    let rest = base
        .split_once("://")
        .map(|(_, r)| r)
        .ok_or_else(|| SuiteError::Usage(alloc::format!("no scheme in {base:?}")))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let facet = alloc::format!("https://{authority}");
    FacetId::parse(&facet)
        .map(|f| alloc::format!("{f}"))
        .map_err(|_| {
            SuiteError::Usage(alloc::format!(
                "cannot make a facet ID of {base:?}; pass --facet"
            ))
        })
}

struct Runner<'a> {
    http: Http,
    options: &'a ServerOptions,
    facet: String,
    models: BTreeMap<String, Profile>,
    seed: u64,
    tag: String,
    facet_lists: RefCell<BTreeMap<String, TrustedFacetList>>,
}

/// The outcome of a case before it becomes a verdict: `Err` is a failure.
type Outcome = Result<Verdict, Failure>;

impl Runner<'_> {
    fn user(&self, case: usize, part: &str) -> String {
        alloc::format!("{}{}-{case}{part}", self.options.username_prefix, self.tag)
    }

    /// The user of the first, probing `/get`.
    fn probe_user(&self) -> String {
        alloc::format!("{}{}-probe", self.options.username_prefix, self.tag)
    }

    fn case_seed(&self, case: usize, part: u64) -> u64 {
        profiles::seed_of(&alloc::format!("{}/{case}/{part}", self.seed))
    }

    fn model(&self, aaid: &str) -> R<&Profile> {
        self.models
            .get(aaid)
            .ok_or_else(|| Failure::NoModel(String::from(aaid)))
    }

    fn phone(&self, aaid: &str, case: usize, part: u64) -> R<Phone> {
        Ok(Phone::new(self.model(aaid)?, self.case_seed(case, part))?)
    }

    /// The status a rejection must carry.
    const fn rejected(&self, specific: u16) -> u16 {
        if self.options.specific_status {
            specific
        } else {
            1498
        }
    }

    fn run_case(&self, i: usize, kind: &Kind) -> Verdict {
        let out = match kind {
            Kind::RegReq(n) => self.reg_req(i, *n),
            Kind::AuthReq(n) => self.auth_req(i, *n),
            Kind::DeregReq(n) => self.dereg_req(i, *n),
            Kind::Register(spec) => self.register_case(i, spec),
            Kind::Authenticate(spec) => self.authenticate_case(i, spec),
            Kind::Transaction => self.transaction_case(i),
            Kind::ReplayReg => self.replay(i, Operation::Reg),
            Kind::ReplayAuth => self.replay(i, Operation::Auth),
            Kind::Fault(f) => self.fault_case(i, *f),
            Kind::ClientFault(f, op) => self.client_fault_case(i, *f, *op),
        };
        out.unwrap_or_else(|e| Verdict::Fail(e.to_string()))
    }

    // ----- HTTP exchanges -----

    /// `/get op`: must answer 1200 with a `uafRequest`.
    fn get(&self, op: &str, ctx: &Context) -> R<String> {
        let a = self.http.get(op, ctx).map_err(|source| Failure::Get {
            op: String::from(op),
            source,
        })?;
        if a.status != 1200 {
            return Err(Failure::GetStatus {
                op: String::from(op),
                status: a.status,
            });
        }
        a.uaf_request.ok_or_else(|| Failure::GetNoRequest {
            op: String::from(op),
        })
    }

    fn respond(&self, response: &str, ctx: &Context) -> R<u16> {
        self.http.respond(response, ctx).map_err(Failure::Respond)
    }

    /// The trusted facet list of `app_id`, fetched once (digest §7.2).
    fn facet_list(&self, app_id: &str) -> R<TrustedFacetList> {
        if let Some(l) = self.facet_lists.borrow().get(app_id) {
            return Ok(l.clone());
        }
        let text = self
            .http
            .fetch(app_id)
            .map_err(|source| Failure::FacetListFetch {
                facet: self.facet.clone(),
                source,
            })?;
        let list = TrustedFacetList::parse(&text).map_err(|source| Failure::FacetList {
            app_id: String::from(app_id),
            source,
        })?;
        self.facet_lists
            .borrow_mut()
            .insert(String::from(app_id), list.clone());
        Ok(list)
    }

    /// The phone's response to `request`, with `faults`.
    fn answer(&self, phone: &mut Phone, request: &str, faults: &[ClientFault]) -> R<String> {
        // A facet on another host than an https AppID needs the AppID's trusted facet list.
        let list = match app_id_of(request) {
            Some(app_id) if needs_list(&app_id, &self.facet) => {
                Some(self.facet_list(app_id.as_str())?)
            }
            _ => None,
        };
        let mut r = ClientRequest::new(request, &self.facet);
        if let Some(l) = &list {
            r = r.trusted_facets(l);
        }
        for f in faults {
            r = r.fault(*f);
        }
        let outcome = phone
            .client
            .process(&r)
            .map_err(|source| Failure::ClientRefused {
                source,
                request: excerpt(request),
            })?;
        outcome
            .response()
            .map(|resp| resp.message.clone())
            .ok_or(Failure::NoResponse)
    }

    /// `/get op` → the phone's answer (with `faults`) → `/respond`: the request, the response
    /// and the status.
    fn exchange(
        &self,
        phone: &mut Phone,
        op: &str,
        ctx: &Context,
        faults: &[ClientFault],
    ) -> R<(String, String, u16)> {
        let request = self.get(op, ctx)?;
        let response = self.answer(phone, &request, faults)?;
        let status = self.respond(&response, ctx)?;
        Ok((request, response, status))
    }

    /// A correct registration of `phone` for `user`; the key registered.
    fn enroll(&self, phone: &mut Phone, user: &str) -> R<(Aaid, KeyId)> {
        let (_, _, status) = self.exchange(phone, "Reg", &Context::user(user), &[])?;
        if status != 1200 {
            return Err(Failure::CorrectRefused("registration", status));
        }
        let reg = phone
            .client
            .registrations()
            .last()
            .ok_or(Failure::NoRegistration)?;
        Ok((*reg.aaid(), reg.key_id().clone()))
    }

    /// A correct authentication of `phone` for `user`.
    fn sign_in(&self, phone: &mut Phone, user: &str) -> R<()> {
        let (_, _, status) = self.exchange(phone, "Auth", &Context::user(user), &[])?;
        if status == 1200 {
            Ok(())
        } else {
            Err(Failure::CorrectRefused("authentication", status))
        }
    }

    // ----- Request shape (digest §10.2) -----

    fn reg_req(&self, i: usize, n: u8) -> Outcome {
        let user = self.user(i, "");
        let ctx = Context::user(&user);
        let first = checks::registration(&self.get("Reg", &ctx)?)?;
        match n {
            1 => {}
            2 => {
                checks::username(&first, &user)?;
                let second = checks::registration(&self.get("Reg", &ctx)?)?;
                checks::username(&second, &user)?;
                checks::fresh(&first.challenge, &second.challenge)?;
            }
            3 => checks::header(&first.header, Operation::Reg)?,
            _ => {
                checks::policy(&first.policy)?;
                let mut phone = self.phone(FAULT_FULL, i, 0)?;
                let (aaid, key_id) = self.enroll(&mut phone, &user)?;
                let next = checks::registration(&self.get("Reg", &ctx)?)?;
                checks::policy(&next.policy)?;
                checks::disallows(&next.policy, &aaid, &key_id)?;
            }
        }
        Ok(Verdict::Pass)
    }

    fn auth_req(&self, i: usize, n: u8) -> Outcome {
        let user = self.user(i, "");
        let ctx = Context::user(&user);
        let mut phone = self.phone(FAULT_FULL, i, 0)?;
        let (aaid, key_id) = self.enroll(&mut phone, &user)?;
        let first = checks::authentication(&self.get("Auth", &ctx)?)?;
        match n {
            1 => {}
            2 => {
                checks::no_transaction(&first.transaction)?;
                let second = checks::authentication(&self.get("Auth", &ctx)?)?;
                checks::fresh(&first.challenge, &second.challenge)?;
                let tx = Context {
                    transaction: Some(String::from(TRANSACTION)),
                    ..Context::user(&user)
                };
                let with = checks::authentication(&self.get("Auth", &tx)?)?;
                checks::transaction(&with.transaction, TRANSACTION)?;
            }
            3 => checks::header(&first.header, Operation::Auth)?,
            _ => {
                checks::policy(&first.policy)?;
                checks::accepts_key(&first.policy, &aaid, &key_id)?;
            }
        }
        Ok(Verdict::Pass)
    }

    fn dereg_req(&self, i: usize, n: u8) -> Outcome {
        let user = self.user(i, "");
        let mut phone = self.phone(FAULT_FULL, i, 0)?;
        let (aaid, key_id) = self.enroll(&mut phone, &user)?;
        if n == 4 {
            let by_aaid = Context {
                deregister_aaid: Some(String::from(aaid.as_str())),
                ..Context::user(&user)
            };
            let d = checks::deregistration(&self.get("Dereg", &by_aaid)?)?;
            checks::dereg_aaid(&d, &aaid)?;
            let other = self.user(i, "b");
            let mut phone = self.phone(FAULT_FULL, i, 1)?;
            self.enroll(&mut phone, &other)?;
            let all = Context {
                deregister_all: true,
                ..Context::user(&other)
            };
            let d = checks::deregistration(&self.get("Dereg", &all)?)?;
            checks::dereg_all(&d)?;
            return Ok(Verdict::Pass);
        }
        let d = checks::deregistration(&self.get("Dereg", &Context::user(&user))?)?;
        match n {
            2 => checks::dereg_covers(&d, &aaid, &key_id)?,
            3 => checks::header(&d.header, Operation::Dereg)?,
            _ => {}
        }
        Ok(Verdict::Pass)
    }

    // ----- Positives -----

    fn register_case(&self, i: usize, spec: &Spec) -> Outcome {
        let mut phone = self.phone(&spec.aaid, i, 0)?;
        self.enroll(&mut phone, &self.user(i, ""))?;
        Ok(Verdict::Pass)
    }

    fn authenticate_case(&self, i: usize, spec: &Spec) -> Outcome {
        let user = self.user(i, "");
        let mut phone = self.phone(&spec.aaid, i, 0)?;
        self.enroll(&mut phone, &user).map_err(setup)?;
        self.sign_in(&mut phone, &user)?;
        self.sign_in(&mut phone, &user)
            .map_err(|e| Failure::SecondSignIn(Box::new(e)))?;
        Ok(Verdict::Pass)
    }

    fn transaction_case(&self, i: usize) -> Outcome {
        let user = self.user(i, "");
        let mut phone = self.phone(FAULT_DISPLAY, i, 0)?;
        self.enroll(&mut phone, &user).map_err(setup)?;
        let ctx = Context {
            transaction: Some(String::from(TRANSACTION)),
            ..Context::user(&user)
        };
        let (_, _, status) = self.exchange(&mut phone, "Auth", &ctx, &[])?;
        expect(status, 1200)
    }

    fn replay(&self, i: usize, op: Operation) -> Outcome {
        let user = self.user(i, "");
        let ctx = Context::user(&user);
        let mut phone = self.phone(FAULT_FULL, i, 0)?;
        let response = if op == Operation::Reg {
            let (_, response, status) = self.exchange(&mut phone, "Reg", &ctx, &[])?;
            if status != 1200 {
                return Err(setup(Failure::CorrectRefused("registration", status)));
            }
            response
        } else {
            self.enroll(&mut phone, &user).map_err(setup)?;
            let (_, response, status) = self.exchange(&mut phone, "Auth", &ctx, &[])?;
            if status != 1200 {
                return Err(setup(Failure::CorrectRefused("authentication", status)));
            }
            response
        };
        let status = self.respond(&response, &ctx)?;
        expect(status, self.rejected(1491))
    }

    // ----- Negatives -----

    fn fault_case(&self, i: usize, fault: Fault) -> Outcome {
        let user = self.user(i, "");
        let mut phone = self.phone(profiles::for_fault(fault), i, 0)?;
        let req = fault.requirements();
        let mut ctx = Context::user(&user);
        if fault.operation() == FaultOp::Auth {
            self.enroll(&mut phone, &user).map_err(setup)?;
            if req.prior_authentication {
                self.sign_in(&mut phone, &user).map_err(setup)?;
            }
            if req.transaction == Some(true) {
                ctx.transaction = Some(String::from(TRANSACTION));
            }
        }
        if let Err(e) = phone.sim_mut()?.arm(fault) {
            return Ok(Verdict::Skip(alloc::format!(
                "the fault does not apply to the simulated model: {e}"
            )));
        }
        let op = fault.operation().as_str();
        let request = self.get(op, &ctx)?;
        let response = self.answer(&mut phone, &request, &[])?;
        if !phone.sim_mut()?.last_applied().contains(&fault) {
            return Ok(Verdict::Skip(String::from(
                "the simulated authenticator could not apply the fault to the server's request (e.g. the request lacks what the fault needs)",
            )));
        }
        let status = self.respond(&response, &ctx)?;
        expect(status, self.rejected(fault.expected_status().value()))
    }

    fn client_fault_case(&self, i: usize, fault: ClientFault, op: Operation) -> Outcome {
        if fault == ClientFault::ChannelBindingMismatch {
            return Ok(Verdict::Skip(String::from(
                "needs the TLS channel binding the server sees (tls-server-end-point); over plain HTTP the client has none to contradict, and a server without TLS cannot detect it",
            )));
        }
        let user = self.user(i, "");
        let ctx = Context::user(&user);
        let mut phone = self.phone(FAULT_FULL, i, 0)?;
        let replay = fault == ClientFault::ReplayPreviousResponse;
        let name = if op == Operation::Reg { "Reg" } else { "Auth" };
        if op == Operation::Reg {
            if replay {
                // Something to replay: a first, accepted registration.
                self.enroll(&mut phone, &user).map_err(setup)?;
            }
        } else {
            self.enroll(&mut phone, &user).map_err(setup)?;
            if replay {
                self.sign_in(&mut phone, &user).map_err(setup)?;
            }
        }
        let (_, _, status) = self.exchange(&mut phone, name, &ctx, &[fault])?;
        expect(status, self.rejected(fault.expected_status().value()))
    }
}

/// The verdict for status `got` when `want` is expected.
fn expect(got: u16, want: u16) -> Outcome {
    if got == want {
        Ok(Verdict::Pass)
    } else if got == 1200 {
        Err(Failure::Accepted(want))
    } else {
        Err(Failure::Answered { got, want })
    }
}

/// The `header.appID` of the first message of a request array.
fn app_id_of(request: &str) -> Option<AppId> {
    let v: serde_json::Value = serde_json::from_str(request).ok()?;
    let text = v.get(0)?.get("header")?.get("appID")?.as_str()?;
    AppId::new(text).ok()
}

/// Whether the client needs the trusted facet list of `app_id` for `facet` (digest §7.3:
/// an https AppID on another host than a web facet, or any app facet).
fn needs_list(app_id: &AppId, facet: &str) -> bool {
    let Some(origin) = app_id.origin() else {
        return false;
    };
    match FacetId::parse(facet) {
        Ok(f) => f.host().is_none() || f.host() != origin.host(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_covers_every_fault_and_client_fault_once() {
        let plan = ServerSuite::new(ServerOptions::default()).plan();
        for f in Fault::ALL {
            let id = alloc::format!("fault/{}", f.id());
            assert_eq!(plan.iter().filter(|c| c.id == id).count(), 1, "{id}");
        }
        for f in ClientFault::ALL {
            for op in ["reg", "auth"] {
                let id = alloc::format!("client-fault/{op}/{}", f.name());
                assert_eq!(plan.iter().filter(|c| c.id == id).count(), 1, "{id}");
            }
        }
        let mut ids: Vec<&str> = plan.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), plan.len(), "ids are unique");
        assert_eq!(
            plan.iter()
                .filter(|c| c.group == Group::RequestShape)
                .count(),
            12
        );
    }

    #[test]
    fn default_facet_is_the_https_origin_of_the_base() {
        assert_eq!(
            default_facet("http://127.0.0.1:8080/uaf/").unwrap(),
            "https://127.0.0.1:8080"
        );
        assert_eq!(
            default_facet("http://Example.COM").unwrap(),
            "https://example.com"
        );
        assert!(default_facet("nothing").is_err());
    }

    #[test]
    fn facet_lists_are_needed_off_host_only() {
        let app = AppId::new("https://uaf.example.com/facets.json").unwrap();
        assert!(!needs_list(&app, "https://uaf.example.com"));
        assert!(needs_list(&app, "https://other.example.com"));
        assert!(needs_list(
            &app,
            "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM"
        ));
        assert!(!needs_list(&AppId::new("").unwrap(), "https://x.example"));
    }

    #[test]
    fn expectations() {
        assert_eq!(expect(1498, 1498).unwrap(), Verdict::Pass);
        let accepted = expect(1200, 1498).unwrap_err();
        assert!(matches!(accepted, Failure::Accepted(1498)));
        assert_eq!(accepted.to_string(), "accepted (1200); expected 1498");
        let other = expect(1491, 1498).unwrap_err();
        assert!(matches!(
            other,
            Failure::Answered {
                got: 1491,
                want: 1498
            }
        ));
        assert_eq!(other.to_string(), "answered 1491; expected 1498");
        let nested = setup(Failure::CorrectRefused("registration", 1498));
        assert_eq!(
            nested.to_string(),
            "setup: a correct registration was refused with 1498"
        );
    }
}
