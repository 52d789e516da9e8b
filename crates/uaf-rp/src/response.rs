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
use crate::error::{Error, ErrorKind};

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
    /// A text whose first message's header decodes up to `"op":"Auth"` is judged as an
    /// authentication response; anything else (another op, no op, a header that fails before
    /// its op, not JSON) as a registration response, so its error carries a `REG-` step.
    /// (Every decode failure answers the same status, 1498.)
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
            // parser names the exact error, so the step is the one a direct call reports, and
            // the happy path above stays one parse.
            Ok(AnyMessage::AuthenticationRequests(_)) => self
                .parse_authentication_response(text)
                .map(ParsedResponse::Authentication),
            Ok(_) => self
                .parse_registration_response(text)
                .map(ParsedResponse::Registration),
            // The text is no response: the operation's own parser names the error.
            Err(_) => match self.parse_registration_response(text) {
                Err(e) if header_says_auth(&e) => self
                    .parse_authentication_response(text)
                    .map(ParsedResponse::Authentication),
                other => other.map(ParsedResponse::Registration),
            },
        }
    }
}

/// Whether the registration parser failed because `header.op` is `Auth`: the header decoded
/// up to the op, and the op is the other one.
fn header_says_auth(e: &Error) -> bool {
    matches!(
        &e.kind,
        ErrorKind::Message(m) if matches!(
            m.kind,
            MessageErrorKind::WrongOperation { found: Operation::Auth, .. }
        )
    )
}
