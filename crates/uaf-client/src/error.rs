//! [`ClientError`]: why the client did not answer a request, with its client error code
//! (digest §4.2).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use uaf_proto::command::CommandError;
use uaf_proto::id::Aaid;
use uaf_proto::message::{MessageError, Operation, PolicyRejection, Version};
use uaf_proto::registry::AlgSign;
use uaf_proto::status::{ClientErrorCode, CmdStatus};
use uaf_proto::tlv::TlvError;

use crate::facet::FacetError;
use crate::fault::ClientFault;

/// An authenticator command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandKind {
    /// GetInfo.
    GetInfo,
    /// Register.
    Register,
    /// Sign.
    Sign,
    /// Deregister.
    Deregister,
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommandKind::GetInfo => "GetInfo",
            CommandKind::Register => "Register",
            CommandKind::Sign => "Sign",
            CommandKind::Deregister => "Deregister",
        })
    }
}

/// Why the client did not answer a request. [`ClientError::code`] is the client error code
/// an application would see (digest §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// The request does not decode as a UAF request array (`PROTOCOL_ERROR`).
    Message(MessageError),
    /// The message is a response, not a request (`PROTOCOL_ERROR`).
    NotARequest {
        /// Its operation.
        op: Operation,
    },
    /// No message of the array has a protocol version this client supports
    /// (`UNSUPPORTED_VERSION`).
    UnsupportedVersion {
        /// The versions the request offered.
        offered: Vec<Version>,
    },
    /// The header carries an extension with `fail_if_unknown` that the client does not know
    /// (`PROTOCOL_ERROR`).
    UnknownCriticalExtension {
        /// Its ID.
        id: String,
    },
    /// The caller may not use the AppID (`UNTRUSTED_FACET_ID`).
    UntrustedFacet(FacetError),
    /// No authenticator (or combination) satisfies the request (`NO_SUITABLE_AUTHENTICATOR`).
    NoSuitableAuthenticator(NoSuitableAuthenticator),
    /// An authenticator refused a command; the code follows its status (wrong PIN:
    /// `UAF_CMD_STATUS_ACCESS_DENIED` → `AUTHENTICATOR_ACCESS_DENIED`, …).
    Authenticator {
        /// The authenticator.
        aaid: Aaid,
        /// The command.
        command: CommandKind,
        /// Its status.
        status: CmdStatus,
    },
    /// An authenticator's response does not parse (`UNKNOWN`).
    MalformedResponse {
        /// The authenticator, when known.
        aaid: Option<Aaid>,
        /// The command answered.
        command: CommandKind,
        /// What is wrong.
        error: CommandError,
    },
    /// An authenticator returned an assertion a response message cannot carry: empty or
    /// longer than 4096 bytes (`UNKNOWN`).
    InvalidAssertion {
        /// The authenticator.
        aaid: Aaid,
        /// What is wrong.
        error: MessageError,
    },
    /// Asked to sign with the one key handle the user chose, the authenticator listed
    /// accounts again (`UNKNOWN`).
    AccountChoiceRepeated {
        /// The authenticator.
        aaid: Aaid,
    },
    /// A command could not be encoded, e.g. an AppID longer than 512 bytes of UTF-8
    /// (`PROTOCOL_ERROR`).
    CommandEncoding {
        /// The command.
        command: CommandKind,
        /// What is wrong.
        error: TlvError,
    },
    /// [`ClientFault::ReplayPreviousResponse`] with no earlier response of this operation
    /// (`UNKNOWN`).
    NothingToReplay {
        /// The operation.
        op: Operation,
    },
    /// A fault was asked for an operation that has no response (`UNKNOWN`).
    FaultNotApplicable {
        /// The fault.
        fault: ClientFault,
        /// The operation.
        op: Operation,
    },
}

impl ClientError {
    /// The client error code an application sees (digest §4.2).
    #[must_use]
    pub const fn code(&self) -> ClientErrorCode {
        match self {
            ClientError::Message(_)
            | ClientError::NotARequest { .. }
            | ClientError::UnknownCriticalExtension { .. }
            | ClientError::CommandEncoding { .. } => ClientErrorCode::ProtocolError,
            ClientError::UnsupportedVersion { .. } => ClientErrorCode::UnsupportedVersion,
            ClientError::UntrustedFacet(_) => ClientErrorCode::UntrustedFacetId,
            ClientError::NoSuitableAuthenticator(_) => ClientErrorCode::NoSuitableAuthenticator,
            ClientError::Authenticator { status, .. } => code_of_status(*status),
            ClientError::MalformedResponse { .. }
            | ClientError::InvalidAssertion { .. }
            | ClientError::AccountChoiceRepeated { .. }
            | ClientError::NothingToReplay { .. }
            | ClientError::FaultNotApplicable { .. } => ClientErrorCode::UnknownError,
        }
    }
}

/// The client error code for an authenticator status (through the ASM status codes of
/// digest §4.3).
#[must_use]
pub const fn code_of_status(status: CmdStatus) -> ClientErrorCode {
    match status {
        CmdStatus::Ok => ClientErrorCode::NoError,
        CmdStatus::AccessDenied => ClientErrorCode::AuthenticatorAccessDenied,
        CmdStatus::UserCancelled => ClientErrorCode::UserCancelled,
        CmdStatus::UserNotEnrolled => ClientErrorCode::UserNotEnrolled,
        CmdStatus::CannotRenderTransactionContent => ClientErrorCode::InvalidTransactionContent,
        CmdStatus::AttestationNotSupported => ClientErrorCode::NoSuitableAuthenticator,
        CmdStatus::KeyDisappearedPermanently => ClientErrorCode::KeyDisappearedPermanently,
        CmdStatus::UserNotResponsive => ClientErrorCode::UserNotResponsive,
        CmdStatus::InsufficientResources => ClientErrorCode::InsufficientAuthenticatorResources,
        CmdStatus::UserLockout => ClientErrorCode::UserLockout,
        _ => ClientErrorCode::UnknownError,
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Message(e) => write!(f, "the request is not a valid UAF request: {e}"),
            ClientError::NotARequest { op } => write!(
                f,
                "the message is a {op} response; the client answers requests only"
            ),
            ClientError::UnsupportedVersion { offered } => {
                f.write_str("the request offers no protocol version this client supports (1.0, 1.1); offered:")?;
                for v in offered {
                    write!(f, " {v}")?;
                }
                Ok(())
            }
            ClientError::UnknownCriticalExtension { id } => write!(
                f,
                "the request header carries extension {id:?} with fail_if_unknown, which this client does not know"
            ),
            ClientError::UntrustedFacet(e) => write!(f, "untrusted facet ID: {e}"),
            ClientError::NoSuitableAuthenticator(e) => e.fmt(f),
            ClientError::Authenticator {
                aaid,
                command,
                status,
            } => write!(
                f,
                "authenticator {aaid} refused {command}: {status} ({})",
                status.description()
            ),
            ClientError::MalformedResponse {
                aaid,
                command,
                error,
            } => {
                write!(f, "the {command} response of authenticator ")?;
                match aaid {
                    Some(a) => write!(f, "{a}")?,
                    None => f.write_str("(unknown)")?,
                }
                write!(f, " does not parse: {error}")
            }
            ClientError::InvalidAssertion { aaid, error } => write!(
                f,
                "authenticator {aaid} returned an assertion a response cannot carry: {error}"
            ),
            ClientError::AccountChoiceRepeated { aaid } => write!(
                f,
                "authenticator {aaid} listed accounts again when asked to sign with the chosen key handle"
            ),
            ClientError::CommandEncoding { command, error } => {
                write!(f, "the {command} command cannot be encoded: {error}")
            }
            ClientError::NothingToReplay { op } => write!(
                f,
                "fault replay-previous-response: this client has made no {op} response yet; run one first"
            ),
            ClientError::FaultNotApplicable { fault, op } => write!(
                f,
                "fault {fault} does not apply to {op}, which has no response message"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl core::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ClientError::Message(e) | ClientError::InvalidAssertion { error: e, .. } => Some(e),
            ClientError::UntrustedFacet(e) => Some(e),
            ClientError::NoSuitableAuthenticator(e) => Some(e),
            ClientError::MalformedResponse { error, .. } => Some(error),
            ClientError::CommandEncoding { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why an authenticator was left out before the policy was evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExclusionReason {
    /// Its GetInfo response does not parse.
    GetInfoMalformed,
    /// Its GetInfo status is not OK.
    GetInfoStatus(CmdStatus),
    /// Its GetInfo `TAG_API_VERSION` is not 0x01, the only one defined.
    UnsupportedApiVersion(Option<u8>),
    /// Authentication: this client holds no key of it for the AppID.
    NoRegistration,
    /// Transaction confirmation: it can display none of the offered transaction renderings.
    CannotDisplayTransaction,
    /// Its algorithm's hash is not one the client computes (SHA-256/384/512).
    UnsupportedHash(AlgSign),
}

impl fmt::Display for ExclusionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExclusionReason::GetInfoMalformed => f.write_str("its GetInfo response does not parse"),
            ExclusionReason::GetInfoStatus(s) => write!(f, "GetInfo failed with {s}"),
            ExclusionReason::UnsupportedApiVersion(Some(v)) => {
                write!(f, "its GetInfo API version is {v}; only 1 is defined")
            }
            ExclusionReason::UnsupportedApiVersion(None) => {
                f.write_str("its GetInfo response has no API version")
            }
            ExclusionReason::NoRegistration => f.write_str("it holds no key for this AppID"),
            ExclusionReason::CannotDisplayTransaction => {
                f.write_str("it can display none of the transaction renderings")
            }
            ExclusionReason::UnsupportedHash(alg) => {
                write!(f, "the hash of {alg} is not supported by this client")
            }
        }
    }
}

/// An authenticator left out before the policy was evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Excluded {
    /// The transport (index given by [`Client::add_authenticator`](crate::Client::add_authenticator)).
    pub transport: usize,
    /// The authenticator, when GetInfo named it.
    pub aaid: Option<Aaid>,
    /// Why.
    pub reason: ExclusionReason,
}

/// Why no authenticator could serve a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NoSuitableAuthenticator {
    /// Authenticators left out before the policy was evaluated.
    pub excluded: Vec<Excluded>,
    /// The authenticators the policy was evaluated against; the authenticator indices in
    /// [`policy`](Self::policy) point into this list.
    pub evaluated: Vec<Aaid>,
    /// Why the policy was not satisfied.
    pub policy: PolicyRejection,
}

impl fmt::Display for NoSuitableAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no suitable authenticator")?;
        for e in &self.excluded {
            match &e.aaid {
                Some(a) => write!(f, "; {a} left out: {}", e.reason)?,
                None => write!(f, "; transport {} left out: {}", e.transport, e.reason)?,
            }
        }
        if self.evaluated.is_empty() {
            // Every authenticator was left out above: there is no list to show, and the
            // policy was evaluated against none.
            return f.write_str("; no authenticator was left to evaluate the policy against");
        }
        f.write_str("; evaluated:")?;
        for (i, a) in self.evaluated.iter().enumerate() {
            write!(f, " {i}={a}")?;
        }
        write!(f, "; {}", self.policy)
    }
}

#[cfg(feature = "std")]
impl core::error::Error for NoSuitableAuthenticator {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.policy)
    }
}
