//! Status and error codes (digest §4 and §5.9): UAF server status codes, FIDO client error
//! codes, ASM status codes, and authenticator command status codes. Each is a total
//! conversion from the number (unknown numbers are kept).

use core::fmt;

/// Defines a code enum with a total `from_value`, the numeric value, the spec name and a
/// sentence for people.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident($int:ty) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, $spec:literal, $what:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code this crate does not know; the number is kept.
            Unknown($int),
        }

        impl $name {
            /// Every code this crate knows.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The code for `n`; total.
            #[must_use]
            pub const fn from_value(n: $int) -> Self {
                match n {
                    $( $value => $name::$variant, )*
                    other => $name::Unknown(other),
                }
            }

            /// The numeric code.
            #[must_use]
            pub const fn value(self) -> $int {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Unknown(n) => n,
                }
            }

            /// The spec's name of the code, or `None` if unknown.
            #[must_use]
            pub const fn spec_name(self) -> Option<&'static str> {
                match self {
                    $( $name::$variant => Some($spec), )*
                    $name::Unknown(_) => None,
                }
            }

            /// What the code means, in a sentence.
            #[must_use]
            pub const fn description(self) -> &'static str {
                match self {
                    $( $name::$variant => $what, )*
                    $name::Unknown(_) => "unknown code",
                }
            }
        }

        impl From<$int> for $name {
            fn from(n: $int) -> Self {
                Self::from_value(n)
            }
        }

        impl From<$name> for $int {
            fn from(v: $name) -> Self {
                v.value()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.spec_name() {
                    Some(n) => write!(f, "{} {n}", self.value()),
                    None => write!(f, "{} (unknown)", self.value()),
                }
            }
        }
    };
}

code_enum! {
    /// UAF server status codes (protocol spec "UAF Status Codes"; digest §4.1). They travel in
    /// `ReturnUAFRequest.statusCode` and `ServerResponse.statusCode`.
    UafStatusCode(u16) {
        /// 1200.
        Ok = 1200, "OK", "operation completed";
        /// 1202.
        Accepted = 1202, "Accepted", "message accepted, but the result is not final yet";
        /// 1400.
        BadRequest = 1400, "Bad Request", "the server did not understand the message";
        /// 1401.
        Unauthorized = 1401, "Unauthorized", "the user must be authenticated first, or the KeyID is not this user's";
        /// 1403.
        Forbidden = 1403, "Forbidden", "the user may not perform this operation";
        /// 1404.
        NotFound = 1404, "Not Found", "resource or user not found";
        /// 1408.
        RequestTimeout = 1408, "Request Timeout", "took too long";
        /// 1480.
        UnknownAaid = 1480, "Unknown AAID", "no authoritative metadata for the AAID";
        /// 1481.
        UnknownKeyId = 1481, "Unknown KeyID", "no registration for this user and KeyID; the client should delete the key";
        /// 1490.
        ChannelBindingRefused = 1490, "Channel Binding Refused", "channel binding missing or mismatched";
        /// 1491.
        RequestInvalid = 1491, "Request Invalid", "the challenge is unknown, expired or already used";
        /// 1492.
        UnacceptableAuthenticator = 1492, "Unacceptable Authenticator", "authenticator not allowed by the server's policy";
        /// 1493.
        RevokedAuthenticator = 1493, "Revoked Authenticator", "authenticator considered revoked";
        /// 1494.
        UnacceptableKey = 1494, "Unacceptable Key", "the key is not acceptable";
        /// 1495.
        UnacceptableAlgorithm = 1495, "Unacceptable Algorithm", "the algorithm is not acceptable";
        /// 1496.
        UnacceptableAttestation = 1496, "Unacceptable Attestation", "attestation not accepted";
        /// 1497.
        UnacceptableClientCapabilities = 1497, "Unacceptable Client Capabilities", "client capabilities not accepted";
        /// 1498.
        UnacceptableContent = 1498, "Unacceptable Content", "problem with the message content";
        /// 1500.
        InternalServerError = 1500, "Internal Server Error", "server-side failure";
    }
}

impl UafStatusCode {
    /// Whether the code reports success (1200).
    #[must_use]
    pub const fn is_ok(self) -> bool {
        matches!(self, UafStatusCode::Ok)
    }
}

code_enum! {
    /// FIDO UAF client `ErrorCode` (client API; digest §4.2).
    ClientErrorCode(u8) {
        /// 0x00.
        NoError = 0x00, "NO_ERROR", "no error";
        /// 0x01.
        WaitUserAction = 0x01, "WAIT_USER_ACTION", "waiting for the user";
        /// 0x02.
        InsecureTransport = 0x02, "INSECURE_TRANSPORT", "the transport is not secure";
        /// 0x03.
        UserCancelled = 0x03, "USER_CANCELLED", "the user cancelled";
        /// 0x04.
        UnsupportedVersion = 0x04, "UNSUPPORTED_VERSION", "no supported protocol version in the request";
        /// 0x05.
        NoSuitableAuthenticator = 0x05, "NO_SUITABLE_AUTHENTICATOR", "no authenticator matches the policy";
        /// 0x06.
        ProtocolError = 0x06, "PROTOCOL_ERROR", "the message violates the protocol";
        /// 0x07.
        UntrustedFacetId = 0x07, "UNTRUSTED_FACET_ID", "the caller's facet ID is not trusted by the AppID";
        /// 0x09.
        KeyDisappearedPermanently = 0x09, "KEY_DISAPPEARED_PERMANENTLY", "the key is gone for good";
        /// 0x0C.
        AuthenticatorAccessDenied = 0x0C, "AUTHENTICATOR_ACCESS_DENIED", "the authenticator denied access";
        /// 0x0D.
        InvalidTransactionContent = 0x0D, "INVALID_TRANSACTION_CONTENT", "the transaction content is invalid";
        /// 0x0E.
        UserNotResponsive = 0x0E, "USER_NOT_RESPONSIVE", "the user did not act in time";
        /// 0x0F.
        InsufficientAuthenticatorResources = 0x0F, "INSUFFICIENT_AUTHENTICATOR_RESOURCES", "the authenticator is out of resources";
        /// 0x10.
        UserLockout = 0x10, "USER_LOCKOUT", "the user is locked out";
        /// 0x11.
        UserNotEnrolled = 0x11, "USER_NOT_ENROLLED", "no user is enrolled";
        /// 0xFF.
        UnknownError = 0xFF, "UNKNOWN", "unknown error";
    }
}

code_enum! {
    /// ASM `StatusCode` (ASM API 1.1; digest §4.3).
    AsmStatusCode(u16) {
        /// 0x00.
        Ok = 0x00, "UAF_ASM_STATUS_OK", "success";
        /// 0x01.
        Error = 0x01, "UAF_ASM_STATUS_ERROR", "unspecified error";
        /// 0x02.
        AccessDenied = 0x02, "UAF_ASM_STATUS_ACCESS_DENIED", "access denied";
        /// 0x03.
        UserCancelled = 0x03, "UAF_ASM_STATUS_USER_CANCELLED", "the user cancelled";
        /// 0x04.
        CannotRenderTransactionContent = 0x04, "UAF_ASM_STATUS_CANNOT_RENDER_TRANSACTION_CONTENT", "transaction content cannot be shown";
        /// 0x09.
        KeyDisappearedPermanently = 0x09, "UAF_ASM_STATUS_KEY_DISAPPEARED_PERMANENTLY", "the key is gone for good";
        /// 0x0B.
        AuthenticatorDisconnected = 0x0B, "UAF_ASM_STATUS_AUTHENTICATOR_DISCONNECTED", "the authenticator is disconnected";
        /// 0x0E.
        UserNotResponsive = 0x0E, "UAF_ASM_STATUS_USER_NOT_RESPONSIVE", "the user did not act in time";
        /// 0x0F.
        InsufficientAuthenticatorResources = 0x0F, "UAF_ASM_STATUS_INSUFFICIENT_AUTHENTICATOR_RESOURCES", "the authenticator is out of resources";
        /// 0x10.
        UserLockout = 0x10, "UAF_ASM_STATUS_USER_LOCKOUT", "the user is locked out";
        /// 0x11.
        UserNotEnrolled = 0x11, "UAF_ASM_STATUS_USER_NOT_ENROLLED", "no user is enrolled";
    }
}

code_enum! {
    /// Authenticator command status codes `UAF_CMD_STATUS_*`, a UINT16 in `TAG_STATUS_CODE`
    /// (digest §5.9).
    CmdStatus(u16) {
        /// 0x00.
        Ok = 0x00, "UAF_CMD_STATUS_OK", "success";
        /// 0x01.
        ErrUnknown = 0x01, "UAF_CMD_STATUS_ERR_UNKNOWN", "unspecified error";
        /// 0x02.
        AccessDenied = 0x02, "UAF_CMD_STATUS_ACCESS_DENIED", "verification failed, KHAccessToken mismatch or no usable key";
        /// 0x03.
        UserNotEnrolled = 0x03, "UAF_CMD_STATUS_USER_NOT_ENROLLED", "no user enrolled";
        /// 0x04.
        CannotRenderTransactionContent = 0x04, "UAF_CMD_STATUS_CANNOT_RENDER_TRANSACTION_CONTENT", "transaction content cannot be displayed";
        /// 0x05.
        UserCancelled = 0x05, "UAF_CMD_STATUS_USER_CANCELLED", "the user cancelled";
        /// 0x06.
        CmdNotSupported = 0x06, "UAF_CMD_STATUS_CMD_NOT_SUPPORTED", "command not supported";
        /// 0x07.
        AttestationNotSupported = 0x07, "UAF_CMD_STATUS_ATTESTATION_NOT_SUPPORTED", "requested attestation type not supported";
        /// 0x08.
        ParamsInvalid = 0x08, "UAF_CMD_STATUS_PARAMS_INVALID", "malformed or invalid parameters";
        /// 0x09.
        KeyDisappearedPermanently = 0x09, "UAF_CMD_STATUS_KEY_DISAPPEARED_PERMANENTLY", "the key is gone for good";
        /// 0x0A.
        Timeout = 0x0A, "UAF_CMD_STATUS_TIMEOUT", "technical timeout inside the authenticator";
        /// 0x0E.
        UserNotResponsive = 0x0E, "UAF_CMD_STATUS_USER_NOT_RESPONSIVE", "the user did not act in time";
        /// 0x0F.
        InsufficientResources = 0x0F, "UAF_CMD_STATUS_INSUFFICIENT_RESOURCES", "out of resources";
        /// 0x10.
        UserLockout = 0x10, "UAF_CMD_STATUS_USER_LOCKOUT", "the user is locked out";
    }
}

impl CmdStatus {
    /// The ASM status an ASM reports for this authenticator status (ASM API 1.1 mapping).
    #[must_use]
    pub const fn to_asm(self) -> AsmStatusCode {
        match self {
            CmdStatus::Ok => AsmStatusCode::Ok,
            CmdStatus::AccessDenied => AsmStatusCode::AccessDenied,
            CmdStatus::UserCancelled => AsmStatusCode::UserCancelled,
            CmdStatus::CannotRenderTransactionContent => {
                AsmStatusCode::CannotRenderTransactionContent
            }
            CmdStatus::KeyDisappearedPermanently => AsmStatusCode::KeyDisappearedPermanently,
            CmdStatus::UserNotResponsive => AsmStatusCode::UserNotResponsive,
            CmdStatus::InsufficientResources => AsmStatusCode::InsufficientAuthenticatorResources,
            CmdStatus::UserLockout => AsmStatusCode::UserLockout,
            CmdStatus::UserNotEnrolled => AsmStatusCode::UserNotEnrolled,
            _ => AsmStatusCode::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uaf_status_codes_are_total_and_exactly_nineteen() {
        assert_eq!(UafStatusCode::KNOWN.len(), 19);
        for n in 0..=u16::MAX {
            assert_eq!(UafStatusCode::from_value(n).value(), n);
        }
        assert_eq!(
            UafStatusCode::from_value(1498),
            UafStatusCode::UnacceptableContent
        );
        assert_eq!(
            UafStatusCode::from_value(1499),
            UafStatusCode::Unknown(1499)
        );
        assert!(UafStatusCode::Ok.is_ok());
        assert_eq!(
            UafStatusCode::UnknownKeyId.spec_name(),
            Some("Unknown KeyID")
        );
    }

    #[test]
    fn cmd_status_maps_to_asm() {
        assert_eq!(
            CmdStatus::from_value(0x0F),
            CmdStatus::InsufficientResources
        );
        assert_eq!(
            CmdStatus::UserCancelled.to_asm(),
            AsmStatusCode::UserCancelled
        );
        assert_eq!(CmdStatus::ParamsInvalid.to_asm(), AsmStatusCode::Error);
        assert_eq!(CmdStatus::from_value(0x0B), CmdStatus::Unknown(0x0B));
    }

    #[test]
    fn client_error_codes() {
        assert_eq!(
            ClientErrorCode::from_value(7),
            ClientErrorCode::UntrustedFacetId
        );
        assert_eq!(ClientErrorCode::from_value(8), ClientErrorCode::Unknown(8));
        assert_eq!(
            ClientErrorCode::from_value(0xFF),
            ClientErrorCode::UnknownError
        );
        assert_eq!(
            ClientErrorCode::from_value(0xFF).spec_name(),
            Some("UNKNOWN")
        );
    }
}
