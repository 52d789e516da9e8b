//! One parse per response: [`RelyingParty::parse_response`] decodes a response text once,
//! with the strict decoder the verifier itself uses, and callers route, look the pending state
//! up and verify with the typed message ([`ParsedResponse`]); nothing reads the text a second
//! time, so no other parser can read another message from it.

use uaf_proto::message::{
    AnyMessage, AuthenticationResponse, MessageErrorKind, Operation, RegistrationResponse,
    parse_any,
};

use crate::RelyingParty;
use crate::binding::{self, AUTH_STEPS, REG_STEPS};
use crate::error::Error;

/// A response decoded by [`RelyingParty::parse_response`] (or `Service::parse_response`):
/// strictly, exactly as the verifier decodes it. Pass it on to
/// [`RelyingParty::finish_registration_message`] / [`RelyingParty::finish_authentication_message`]
/// (or the `Service` methods of the same names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParsedResponse {
    /// A registration response (`header.op` = `Reg`).
    Registration(RegistrationResponse),
    /// An authentication response (`header.op` = `Auth`).
    Authentication(AuthenticationResponse),
}

impl ParsedResponse {
    /// `header.op`: [`Operation::Reg`] or [`Operation::Auth`].
    #[must_use]
    pub const fn op(&self) -> Operation {
        match self {
            ParsedResponse::Registration(_) => Operation::Reg,
            ParsedResponse::Authentication(_) => Operation::Auth,
        }
    }

    /// `header.serverData`, the handle of the pending request this response answers (the key
    /// of [`crate::store::PendingStore`]). Not yet checked against anything: the verifier
    /// compares it with what was issued (REG-07 / AUTH-07).
    #[must_use]
    pub fn server_data(&self) -> Option<&str> {
        match self {
            ParsedResponse::Registration(r) => r.header.server_data.as_deref(),
            ParsedResponse::Authentication(a) => a.header.server_data.as_deref(),
        }
    }
}

impl<M, V> RelyingParty<M, V> {
    /// Decodes a registration response text (REG-01/REG-02) with the RP's decode options.
    ///
    /// # Errors
    /// The decode failure at REG-01 … REG-14 (see `binding::message_error`).
    pub fn parse_registration_response(&self, text: &str) -> Result<RegistrationResponse, Error> {
        // UAF-PROTO 3.4.6.5 (REG-01/REG-02): one well-typed RegistrationResponse.
        RegistrationResponse::parse_array(text, &binding::decode_options(&self.config))
            .map_err(|e| binding::message_error(e, &REG_STEPS))
    }

    /// Decodes an authentication response text (AUTH-01/AUTH-02) with the RP's decode
    /// options.
    ///
    /// # Errors
    /// The decode failure at AUTH-01 … AUTH-14.
    pub fn parse_authentication_response(
        &self,
        text: &str,
    ) -> Result<AuthenticationResponse, Error> {
        // UAF-PROTO 3.5.7.5 (AUTH-01/AUTH-02): one well-typed AuthenticationResponse.
        AuthenticationResponse::parse_array(text, &binding::decode_options(&self.config))
            .map_err(|e| binding::message_error(e, &AUTH_STEPS))
    }

    /// Decodes a response whose operation the caller does not know yet (one endpoint for
    /// both): once, strictly, with the decoder [`RelyingParty::parse_registration_response`]
    /// and [`RelyingParty::parse_authentication_response`] use. Route on
    /// [`ParsedResponse::op`], find the pending state by [`ParsedResponse::server_data`],
    /// then verify the typed message.
    ///
    /// A text whose first message says `"op":"Auth"` is judged as an authentication
    /// response; anything else (another op, no op, not JSON) as a registration response, so
    /// its error carries a `REG-` step.
    ///
    /// # Errors
    /// The decode failure, exactly as the operation's own parser reports it (same step, same
    /// status).
    pub fn parse_response(&self, text: &str) -> Result<ParsedResponse, Error> {
        let options = binding::decode_options(&self.config);
        match parse_any(text, &options) {
            Ok(AnyMessage::RegistrationResponse(r)) => Ok(ParsedResponse::Registration(r)),
            Ok(AnyMessage::AuthenticationResponse(a)) => Ok(ParsedResponse::Authentication(a)),
            // Rejection paths only (the text is not a response we accept): the operation's own
            // parser names the exact error, so the step is the one a direct call reports.
            Ok(AnyMessage::AuthenticationRequests(_)) => self
                .parse_authentication_response(text)
                .map(ParsedResponse::Authentication),
            Ok(_) => self
                .parse_registration_response(text)
                .map(ParsedResponse::Registration),
            Err(e) => {
                // An authentication text fails the authentication parser with this very
                // error; any other text fails it with another (its op is not `Auth`).
                match AuthenticationResponse::parse_array(text, &options) {
                    Err(auth) if auth == e && !is_op_error(&e.kind) => {
                        Err(binding::message_error(e, &AUTH_STEPS))
                    }
                    Ok(a) => Ok(ParsedResponse::Authentication(a)),
                    Err(_) => self
                        .parse_registration_response(text)
                        .map(ParsedResponse::Registration),
                }
            }
        }
    }
}

/// Whether the decode failed on `header.op` itself (then the text is not judged as `Auth`).
fn is_op_error(kind: &MessageErrorKind) -> bool {
    matches!(kind, MessageErrorKind::WrongOperation { .. })
}
