//! The server processing steps, each with a stable ID.
//!
//! Every check the verifier makes belongs to one [`StepId`]. The same ID appears in a comment at
//! the check, in the error ([`crate::Error::step`]), in `docs/spec-steps.md`, and in the
//! conformance vectors that cover it. The digest label (`R4.2`, `A5.10`, …) points into
//! `shared/spec/uaf-digest.md` §3, which summarises UAF protocol 1.1 §3.4.6.5 (registration)
//! and §3.5.7.5 (authentication).
//!
//! Steps are listed in the order the verifier runs them; when several would fail, the first
//! one in this order is reported.

use core::fmt;

macro_rules! steps {
    ( $( $(#[$m:meta])* $variant:ident = $id:literal, $label:literal, $what:literal; )* ) => {
        /// One server processing step (see the module docs).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum StepId {
            $( $(#[$m])* $variant, )*
        }

        impl StepId {
            /// Every step, in processing order.
            pub const ALL: &'static [StepId] = &[ $( StepId::$variant, )* ];

            /// The stable ID, e.g. `REG-10`.
            #[must_use]
            pub const fn id(self) -> &'static str {
                match self { $( StepId::$variant => $id, )* }
            }

            /// The label in the spec digest §3, e.g. `R4.2`.
            #[must_use]
            pub const fn digest_label(self) -> &'static str {
                match self { $( StepId::$variant => $label, )* }
            }

            /// What the step checks, in a line.
            #[must_use]
            pub const fn description(self) -> &'static str {
                match self { $( StepId::$variant => $what, )* }
            }

            /// The step with this ID (`REG-10`), if any.
            #[must_use]
            pub fn from_id(id: &str) -> Option<StepId> {
                Self::ALL.iter().copied().find(|s| s.id() == id)
            }

            /// The step with this digest §3 label (`R4.2`), if any. A step whose label is a
            /// range (`A5.2-A5.3`) answers to either end of it. The message-level
            /// authentication steps answer to their own labels (`A1.1`), not to the
            /// registration labels the digest calls identical.
            #[must_use]
            pub fn from_digest_label(label: &str) -> Option<StepId> {
                Self::ALL.iter().copied().find(|s| {
                    let own = s.digest_label();
                    own == label
                        || own
                            .split_once('-')
                            .is_some_and(|(first, last)| first == label || last == label)
                })
            }
        }
    };
}

steps! {
    // ---- Registration: message level (any failure rejects the whole response) ----
    /// JSON parses; the top level is an array holding exactly one message.
    RegParse = "REG-01", "R1.1", "response is a JSON array with exactly one RegistrationResponse";
    /// Required members are present with the right types; `assertions` is non-empty.
    RegMembers = "REG-02", "R1.2", "required members present and well typed, assertions non-empty";
    /// `header.upv` is supported and equals the request's version.
    RegVersion = "REG-03", "R1.3", "header.upv is a supported version and the version of the request";
    /// `header.op` is exactly `Reg`.
    RegOp = "REG-04", "R1.4", "header.op is exactly \"Reg\"";
    /// `header.appID` equals the request's AppID.
    RegHeaderAppId = "REG-05", "R1.5", "header.appID equals the AppID of the request";
    /// Header extensions: unknown ones with `fail_if_unknown` reject.
    RegHeaderExts = "REG-06", "R1.6", "no unknown header extension with fail_if_unknown";
    /// `header.serverData` is the value issued.
    RegServerData = "REG-07", "R2", "header.serverData is the value issued with the request";
    /// `fcParams` decodes to a well-formed `FinalChallengeParams`.
    RegFcParams = "REG-08", "R3", "fcParams decodes (base64url, UTF-8, JSON) with all members";
    /// `fcp.appID` equals the AppID of the operation.
    RegFcAppId = "REG-09", "R4.1", "fcParams.appID equals the AppID of the operation";
    /// `fcp.challenge` is the one issued, unexpired, unused.
    RegChallenge = "REG-10", "R4.2", "fcParams.challenge was issued for this request, is unexpired and unused";
    /// `fcp.facetID` is trusted for the AppID.
    RegFacet = "REG-11", "R4.3", "fcParams.facetID is in the trusted facet list";
    /// `fcp.channelBinding` matches what the RP knows of the TLS channel.
    RegChannelBinding = "REG-12", "R4.4", "fcParams.channelBinding matches the TLS channel";
    // ---- Registration: per assertion (a failure skips the assertion) ----
    /// `assertionScheme` is `UAFV1TLV`.
    RegAssertionScheme = "REG-13", "R5.1", "assertionScheme is \"UAFV1TLV\"";
    /// The assertion decodes and its TLV is a well-formed registration assertion.
    RegTlv = "REG-14", "R5.2", "assertion is base64url of one well-formed TAG_UAFV1_REG_ASSERTION";
    /// The AAID has metadata, for the `UAFV1TLV` scheme (R5.1's metadata half).
    RegMetadata = "REG-15", "R5.3", "the AAID has a metadata statement, for the UAFV1TLV scheme";
    /// The authenticator satisfies the request policy (accepted, not disallowed) and the RP's
    /// user-verification and attestation requirements.
    RegPolicy = "REG-16", "R5.4", "the authenticator satisfies the policy (accepted, not disallowed)";
    /// Metadata status reports do not revoke the authenticator.
    RegStatus = "REG-17", "R5.5", "no revoking or compromise status report";
    /// Assertion info: mode 0x01; algorithm accepted by RP and metadata; key encoding in metadata.
    RegAssertionInfo = "REG-18", "R5.6", "assertion info: mode 0x01, algorithm and key encoding allowed";
    /// `TAG_FINAL_CHALLENGE_HASH` equals `H(fcParams)`.
    RegFinalChallengeHash = "REG-19", "R5.7", "final challenge hash equals H(fcParams as received)";
    /// The KeyID has a valid length and is not registered yet.
    RegKeyId = "REG-20", "R5.8", "KeyID is 32..=2048 bytes and (AAID, KeyID) is not registered";
    /// The counters are read (SignCounter stored as the initial value).
    RegCounters = "REG-21", "R5.9", "counters are 8 bytes; SignCounter becomes the stored value";
    /// `TAG_PUB_KEY` decodes under the declared key encoding and fits the algorithm.
    RegPublicKey = "REG-22", "R5.10", "public key decodes under its encoding and fits the algorithm";
    /// Attestation: type allowed; basic full chain and signature, or surrogate signature.
    RegAttestation = "REG-23", "R5.11", "attestation type allowed and attestation verifies";
    /// At least one assertion verified.
    RegResult = "REG-24", "R6", "at least one assertion verified";

    // ---- Authentication: message level ----
    /// JSON parses; the top level is an array holding exactly one message.
    AuthParse = "AUTH-01", "A1.1", "response is a JSON array with exactly one AuthenticationResponse";
    /// Required members are present with the right types; `assertions` is non-empty.
    AuthMembers = "AUTH-02", "A1.2", "required members present and well typed, assertions non-empty";
    /// `header.upv` is supported and equals the request's version.
    AuthVersion = "AUTH-03", "A1.3", "header.upv is a supported version and the version of the request";
    /// `header.op` is exactly `Auth`.
    AuthOp = "AUTH-04", "A1.4", "header.op is exactly \"Auth\"";
    /// `header.appID` equals the request's AppID.
    AuthHeaderAppId = "AUTH-05", "A1.5", "header.appID equals the AppID of the request";
    /// Header extensions: unknown ones with `fail_if_unknown` reject.
    AuthHeaderExts = "AUTH-06", "A1.6", "no unknown header extension with fail_if_unknown";
    /// `header.serverData` is the value issued.
    AuthServerData = "AUTH-07", "A2", "header.serverData is the value issued with the request";
    /// `fcParams` decodes to a well-formed `FinalChallengeParams`.
    AuthFcParams = "AUTH-08", "A3", "fcParams decodes (base64url, UTF-8, JSON) with all members";
    /// `fcp.appID` equals the AppID of the operation.
    AuthFcAppId = "AUTH-09", "A4.1", "fcParams.appID equals the AppID of the operation";
    /// `fcp.challenge` is the one issued, unexpired, unused.
    AuthChallenge = "AUTH-10", "A4.2", "fcParams.challenge was issued for this request, is unexpired and unused";
    /// `fcp.facetID` is trusted for the AppID.
    AuthFacet = "AUTH-11", "A4.3", "fcParams.facetID is in the trusted facet list";
    /// `fcp.channelBinding` matches what the RP knows of the TLS channel.
    AuthChannelBinding = "AUTH-12", "A4.4", "fcParams.channelBinding matches the TLS channel";
    // ---- Authentication: per assertion ----
    /// `assertionScheme` is `UAFV1TLV`.
    AuthAssertionScheme = "AUTH-13", "A5.1", "assertionScheme is \"UAFV1TLV\"";
    /// The assertion decodes and its TLV is a well-formed authentication assertion.
    AuthTlv = "AUTH-14", "A5.2-A5.3", "assertion is base64url of one well-formed TAG_UAFV1_AUTH_ASSERTION";
    /// The (AAID, KeyID) is one the request allows ([`crate::AuthenticationRequirements`],
    /// if it names keys: else 1492) and is registered, for the user of the request (else 1481).
    AuthRegistration = "AUTH-15", "A5.4", "(AAID, KeyID) is allowed by the request and registered, for its user";
    /// Metadata exists and its status reports do not revoke the authenticator; if the request
    /// requires user verification, the metadata lists a method that verifies the user
    /// ([`crate::policy::verifies_user`], else 1492).
    AuthStatus = "AUTH-16", "A5.5", "metadata known, no revoking status report, user verification if required";
    /// Assertion info: mode 0x01/0x02; algorithm as registered and allowed.
    AuthAssertionInfo = "AUTH-17", "A5.6", "assertion info: mode 0x01 or 0x02, algorithm as registered";
    /// The authenticator nonce has at least 8 bytes.
    AuthNonce = "AUTH-18", "A5.7", "authenticator nonce is at least 8 bytes";
    /// `TAG_FINAL_CHALLENGE_HASH` equals `H(fcParams)`.
    AuthFinalChallengeHash = "AUTH-19", "A5.8", "final challenge hash equals H(fcParams as received)";
    /// Transaction: mode and content hash agree with what was sent.
    AuthTransaction = "AUTH-20", "A5.9", "transaction mode and content hash agree with the request";
    /// The signature over the SignedData TLV verifies with the stored key.
    ///
    /// Checked before the counter (the digest lists A5.10 first) so that an unauthenticated
    /// assertion can never raise a cloning alarm or touch the stored counter.
    AuthSignature = "AUTH-21", "A5.11", "signature over the received SignedData verifies with the stored key";
    /// The sign counter advanced (or both are zero); judged only on a verified signature.
    AuthCounter = "AUTH-22", "A5.10", "sign counter advanced, or counters unsupported (both 0)";
    /// At least one assertion verified.
    AuthResult = "AUTH-23", "A6", "at least one assertion verified";

    // ---- Request generation and deregistration ----
    /// Outgoing requests are valid under the same schema as incoming ones.
    RequestGeneration = "REQ-01", "3.4", "generated requests satisfy the message schema";
    /// Deregistration deletes the records the request names.
    Deregistration = "DEREG-01", "3.5", "deregistration deletes exactly the named records";
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id(), self.digest_label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        for (i, a) in StepId::ALL.iter().enumerate() {
            assert_eq!(StepId::from_id(a.id()), Some(*a));
            for b in StepId::ALL.iter().skip(i + 1) {
                assert_ne!(a.id(), b.id());
            }
        }
        assert_eq!(StepId::from_id("REG-99"), None);
        assert_eq!(StepId::AuthCounter.digest_label(), "A5.10");
    }

    #[test]
    fn labels_are_unique_and_round_trip() {
        for (i, a) in StepId::ALL.iter().enumerate() {
            assert_eq!(StepId::from_digest_label(a.digest_label()), Some(*a));
            for b in StepId::ALL.iter().skip(i + 1) {
                assert_ne!(a.digest_label(), b.digest_label());
            }
        }
        assert_eq!(StepId::from_digest_label("A5.2"), Some(StepId::AuthTlv));
        assert_eq!(StepId::from_digest_label("A5.3"), Some(StepId::AuthTlv));
        assert_eq!(
            StepId::from_digest_label("A5.10"),
            Some(StepId::AuthCounter)
        );
        assert_eq!(
            StepId::from_digest_label("A5.1"),
            Some(StepId::AuthAssertionScheme)
        );
        assert_eq!(StepId::from_digest_label("A5.12"), None);
        assert_eq!(StepId::from_digest_label("A5"), None);
        assert_eq!(StepId::from_digest_label(""), None);
    }

    #[test]
    fn every_label_of_the_malformation_table_names_a_per_assertion_step() {
        use uaf_proto::assertion::Malformation;
        for label in Malformation::DIGEST_STEPS {
            let step = StepId::from_digest_label(label);
            assert!(step.is_some(), "{label}");
            let per_assertion = if label.starts_with('R') {
                StepId::RegAssertionScheme..=StepId::RegAttestation
            } else {
                StepId::AuthAssertionScheme..=StepId::AuthCounter
            };
            assert!(step.is_some_and(|s| per_assertion.contains(&s)), "{label}");
        }
    }

    #[test]
    fn order_is_processing_order() {
        assert!(StepId::RegParse < StepId::RegChallenge);
        assert!(StepId::AuthSignature < StepId::AuthCounter);
    }
}
