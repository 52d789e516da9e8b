//! Message-level faults the client can put into its responses, for testing servers.

use core::fmt;

use uaf_proto::message::Operation;
use uaf_proto::status::UafStatusCode;

/// A deliberate defect in a response message, for testing a relying party.
///
/// Each fault makes a response whose **only** defect is the fault: everything else (header,
/// other `fcParams` members, the authenticator's assertions and their signatures) is what a
/// correct client would send, and the authenticator signs the final challenge hash of the
/// faulty `fcParams` text. So the server's check named by [`ClientFault::step_id`] (the
/// `uaf-rp` `StepId`) is the one that must reject it. Faults apply to registration and
/// authentication responses; a deregistration has no response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ClientFault {
    /// `fcParams.challenge` is not the request's challenge (same length, first byte flipped):
    /// `REG-10` / `AUTH-10` (challenge issued for this request).
    WrongChallenge,
    /// `fcParams.appID` is [`ClientFault::WRONG_APP_ID`] instead of the AppID of the
    /// operation (the header still echoes the request): `REG-09` / `AUTH-09`.
    WrongAppId,
    /// `fcParams.facetID` is [`ClientFault::UNTRUSTED_FACET_ID`], a facet no trusted list
    /// holds, as if the client had skipped its own facet check: `REG-11` / `AUTH-11`.
    UntrustedFacet,
    /// `fcParams.channelBinding` disagrees with the TLS channel: every member the caller
    /// supplied gets another value, and with none supplied `serverEndPoint` is added:
    /// `REG-12` / `AUTH-12`.
    ChannelBindingMismatch,
    /// The `fcParams` and assertions of this client's previous response of the same
    /// operation, under the header of the current request (so only the challenge is stale;
    /// no authenticator is asked): `REG-10` / `AUTH-10` (challenge unused).
    ReplayPreviousResponse,
    /// `fcParams` in "Android" base64: the standard alphabet (`+`, `/`), `=` padding, a line
    /// break (`\n`) after every 76 characters and at the end, as
    /// `android.util.Base64.DEFAULT` writes it. The authenticator hashes this text, so a
    /// server with lenient decoding accepts the response; a strict one rejects it at
    /// `REG-08` / `AUTH-08` (fcParams decodes).
    AndroidBase64FcParams,
    /// Every `assertion` in "Android" base64 (as [`ClientFault::AndroidBase64FcParams`]): a
    /// strict server rejects it at `REG-14` / `AUTH-14` (assertion decodes).
    AndroidBase64Assertion,
}

impl ClientFault {
    /// Every fault.
    pub const ALL: &'static [ClientFault] = &[
        ClientFault::WrongChallenge,
        ClientFault::WrongAppId,
        ClientFault::UntrustedFacet,
        ClientFault::ChannelBindingMismatch,
        ClientFault::ReplayPreviousResponse,
        ClientFault::AndroidBase64FcParams,
        ClientFault::AndroidBase64Assertion,
    ];

    /// The AppID [`ClientFault::WrongAppId`] writes.
    pub const WRONG_APP_ID: &'static str = "https://wrong-app-id.invalid/facets";

    /// The facet ID [`ClientFault::UntrustedFacet`] writes.
    pub const UNTRUSTED_FACET_ID: &'static str = "https://untrusted-facet.invalid";

    /// The `serverEndPoint` [`ClientFault::ChannelBindingMismatch`] adds when the caller
    /// supplied no channel binding (base64url of 32 bytes `0x5A`).
    pub const FAULT_SERVER_END_POINT: &'static str = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo";

    /// The server step (`uaf-rp` `StepId` ID) that must reject this fault in a response to
    /// `op`; `None` for [`Operation::Dereg`], which has no response.
    #[must_use]
    pub const fn step_id(self, op: Operation) -> Option<&'static str> {
        let (reg, auth) = match self {
            ClientFault::WrongChallenge | ClientFault::ReplayPreviousResponse => {
                ("REG-10", "AUTH-10")
            }
            ClientFault::WrongAppId => ("REG-09", "AUTH-09"),
            ClientFault::UntrustedFacet => ("REG-11", "AUTH-11"),
            ClientFault::ChannelBindingMismatch => ("REG-12", "AUTH-12"),
            ClientFault::AndroidBase64FcParams => ("REG-08", "AUTH-08"),
            ClientFault::AndroidBase64Assertion => ("REG-14", "AUTH-14"),
        };
        match op {
            Operation::Reg => Some(reg),
            Operation::Auth => Some(auth),
            Operation::Dereg => None,
        }
    }

    /// The status a relying party answers when it rejects this fault, in the spec's specific
    /// codes (digest §3.1, §4): a foreign or already used challenge is 1491 (the request is
    /// unknown or stale), a channel-binding mismatch 1490, every other fault 1498. A server in
    /// conformance mode answers 1498 for all of them, as the FIDO conformance tool expects.
    #[must_use]
    pub const fn expected_status(self) -> UafStatusCode {
        match self {
            ClientFault::WrongChallenge | ClientFault::ReplayPreviousResponse => {
                UafStatusCode::RequestInvalid
            }
            ClientFault::ChannelBindingMismatch => UafStatusCode::ChannelBindingRefused,
            ClientFault::WrongAppId
            | ClientFault::UntrustedFacet
            | ClientFault::AndroidBase64FcParams
            | ClientFault::AndroidBase64Assertion => UafStatusCode::UnacceptableContent,
        }
    }

    /// A short name (`wrong-challenge`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ClientFault::WrongChallenge => "wrong-challenge",
            ClientFault::WrongAppId => "wrong-app-id",
            ClientFault::UntrustedFacet => "untrusted-facet",
            ClientFault::ChannelBindingMismatch => "channel-binding-mismatch",
            ClientFault::ReplayPreviousResponse => "replay-previous-response",
            ClientFault::AndroidBase64FcParams => "android-base64-fcparams",
            ClientFault::AndroidBase64Assertion => "android-base64-assertion",
        }
    }
}

impl fmt::Display for ClientFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_targets_a_step_for_reg_and_auth_only() {
        for fault in ClientFault::ALL {
            let reg = fault.step_id(Operation::Reg).unwrap();
            let auth = fault.step_id(Operation::Auth).unwrap();
            assert!(reg.starts_with("REG-"), "{fault}");
            assert!(auth.starts_with("AUTH-"), "{fault}");
            assert_eq!(reg.get(4..), auth.get(5..), "same step number for {fault}");
            assert_eq!(fault.step_id(Operation::Dereg), None);
        }
        assert_eq!(
            ClientFault::WrongChallenge.step_id(Operation::Auth),
            Some("AUTH-10")
        );
        assert_eq!(
            ClientFault::AndroidBase64Assertion.step_id(Operation::Reg),
            Some("REG-14")
        );
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn fault_server_end_point_is_base64url_of_32_bytes() {
        let bytes = uaf_proto::b64::Base64Policy::Strict
            .decode(ClientFault::FAULT_SERVER_END_POINT)
            .unwrap();
        assert_eq!(bytes, [0x5A; 32]);
    }
}
