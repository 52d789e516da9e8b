//! Message-level checks shared by registration and authentication (digest §3.2 R1–R4,
//! §3.3 A1–A4). Any failure here rejects the whole response.

use alloc::string::String;

use subtle::ConstantTimeEq;
use uaf_proto::id::FacetId;
use uaf_proto::message::{
    ChannelBinding, DecodeOptions, Extension, FinalChallengeParams, MessageError, MessageErrorKind,
    OperationHeader, ServerChallenge,
};

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::step::StepId;

/// The message-level step IDs of one operation.
pub(crate) struct Steps {
    pub(crate) parse: StepId,
    pub(crate) members: StepId,
    pub(crate) version: StepId,
    pub(crate) op: StepId,
    pub(crate) header_app_id: StepId,
    pub(crate) header_exts: StepId,
    pub(crate) server_data: StepId,
    pub(crate) fc_params: StepId,
    pub(crate) fc_app_id: StepId,
    pub(crate) challenge: StepId,
    pub(crate) facet: StepId,
    pub(crate) channel_binding: StepId,
    pub(crate) assertion_scheme: StepId,
    pub(crate) tlv: StepId,
}

pub(crate) const REG_STEPS: Steps = Steps {
    parse: StepId::RegParse,
    members: StepId::RegMembers,
    version: StepId::RegVersion,
    op: StepId::RegOp,
    header_app_id: StepId::RegHeaderAppId,
    header_exts: StepId::RegHeaderExts,
    server_data: StepId::RegServerData,
    fc_params: StepId::RegFcParams,
    fc_app_id: StepId::RegFcAppId,
    challenge: StepId::RegChallenge,
    facet: StepId::RegFacet,
    channel_binding: StepId::RegChannelBinding,
    assertion_scheme: StepId::RegAssertionScheme,
    tlv: StepId::RegTlv,
};

pub(crate) const AUTH_STEPS: Steps = Steps {
    parse: StepId::AuthParse,
    members: StepId::AuthMembers,
    version: StepId::AuthVersion,
    op: StepId::AuthOp,
    header_app_id: StepId::AuthHeaderAppId,
    header_exts: StepId::AuthHeaderExts,
    server_data: StepId::AuthServerData,
    fc_params: StepId::AuthFcParams,
    fc_app_id: StepId::AuthFcAppId,
    challenge: StepId::AuthChallenge,
    facet: StepId::AuthFacet,
    channel_binding: StepId::AuthChannelBinding,
    assertion_scheme: StepId::AuthAssertionScheme,
    tlv: StepId::AuthTlv,
};

pub(crate) fn decode_options(config: &Config) -> DecodeOptions {
    DecodeOptions::new().with_base64(config.base64())
}

/// Maps a decode error of the response message to its step: syntax and array shape are
/// "parse" (R1.1), a malformed `upv` is R1.3, a wrong `op` R1.4, a malformed `serverData` R2,
/// a malformed `fcParams` R3, a malformed `assertionScheme` or `assertion` (base64, size)
/// R5.1/R5.2 — still a message-level rejection, since the decoder reads the whole message —
/// and missing members or anything else "members" (R1.2).
pub(crate) fn message_error(e: MessageError, steps: &Steps) -> Error {
    let path = e.path.as_str();
    let step = match e.kind {
        MessageErrorKind::InvalidJson { .. } | MessageErrorKind::DuplicateMember
            if !path.contains('.') =>
        {
            steps.parse
        }
        MessageErrorKind::WrongOperation { .. } => steps.op,
        MessageErrorKind::WrongType { .. } | MessageErrorKind::Length { .. } if path.is_empty() => {
            steps.parse
        }
        _ if path.contains("header.upv") => steps.version,
        _ if path.ends_with("header.op") => steps.op,
        _ if path.ends_with("header.appID") => steps.header_app_id,
        _ if path.contains("header.exts") => steps.header_exts,
        _ if path.ends_with("header.serverData") => steps.server_data,
        MessageErrorKind::MissingMember => steps.members,
        _ if path.ends_with("fcParams") => steps.fc_params,
        _ if path.ends_with(".assertionScheme") => steps.assertion_scheme,
        _ if path.ends_with(".assertion") => steps.tlv,
        _ => steps.members,
    };
    Error::new(step, ErrorKind::Message(e))
}

/// The first JSON extension marked `fail_if_unknown` whose id the RP does not know (header
/// extensions, R1.6, and unsigned assertion extensions, R5.2).
pub(crate) fn unknown_critical_extension<'e>(
    config: &Config,
    exts: &'e [Extension],
) -> Option<&'e Extension> {
    exts.iter()
        .find(|e| e.fail_if_unknown && !config.known_extensions().contains(&e.id))
}

/// Constant-time equality of two byte strings (length is not secret).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Normalises a facet ID for comparison: web facets by origin (scheme, host, non-default
/// port; any path dropped), others exactly.
pub(crate) fn normalise_facet(facet: &str) -> String {
    let lower_prefix = facet
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"));
    if lower_prefix {
        if let Ok(origin) = FacetId::origin_of_url(facet) {
            return alloc::string::ToString::to_string(&origin);
        }
    }
    String::from(facet)
}

/// The message-level checks R1.3–R4.4 (A1.3–A4.4), in order. Returns the decoded
/// `FinalChallengeParams`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_message(
    config: &Config,
    steps: &Steps,
    header: &OperationHeader,
    request_header: &OperationHeader,
    request_challenge: &ServerChallenge,
    issued_at: u64,
    fc_params: &str,
    now: u64,
) -> Result<FinalChallengeParams, Error> {
    // UAF-PROTO 3.4.6.5 / 3.5.7.5 (REG-03/AUTH-03): upv supported and equal to the request's.
    if !config.versions().contains(&header.upv) {
        return Err(Error::new(
            steps.version,
            ErrorKind::UnsupportedVersion { found: header.upv },
        ));
    }
    if header.upv != request_header.upv {
        return Err(Error::new(
            steps.version,
            ErrorKind::VersionMismatch {
                expected: request_header.upv,
                found: header.upv,
            },
        ));
    }
    // (REG-04/AUTH-04): op is the request's (the decoder already required the right name).
    if header.op != request_header.op {
        return Err(Error::new(steps.op, ErrorKind::WrongOperation));
    }
    // (REG-05/AUTH-05): header.appID, when present, is the request's AppID.
    let request_app_id = request_header
        .app_id
        .as_ref()
        .map(|a| a.as_str())
        .unwrap_or("");
    if let Some(app_id) = &header.app_id {
        if app_id.as_str() != request_app_id {
            return Err(Error::new(
                steps.header_app_id,
                ErrorKind::HeaderAppIdMismatch,
            ));
        }
    }
    // (REG-06/AUTH-06): an unknown header extension marked fail_if_unknown fails the operation.
    if let Some(ext) = unknown_critical_extension(config, &header.exts) {
        return Err(Error::new(
            steps.header_exts,
            ErrorKind::UnknownCriticalExtension { id: ext.id.clone() },
        ));
    }
    // (REG-07/AUTH-07): serverData is exactly what was issued (compared in constant time).
    match (&request_header.server_data, &header.server_data) {
        (None, None) => {}
        (Some(sent), Some(got)) if ct_eq(sent.as_bytes(), got.as_bytes()) => {}
        _ => return Err(Error::new(steps.server_data, ErrorKind::ServerDataMismatch)),
    }
    // (REG-08/AUTH-08): fcParams decodes; kept as received for the hash.
    let fcp = decode_fc_params(config, fc_params)
        .map_err(|e| Error::new(steps.fc_params, ErrorKind::FcParams(e)))?;
    // (REG-09/AUTH-09): fcParams.appID is the AppID of this operation; an empty request AppID
    // means the client used its facet ID as AppID.
    let fc_app_ok = if request_app_id.is_empty() {
        fcp.app_id.as_str() == fcp.facet_id
    } else {
        fcp.app_id.as_str() == request_app_id
    };
    if !fc_app_ok {
        return Err(Error::new(steps.fc_app_id, ErrorKind::FcAppIdMismatch));
    }
    // (REG-10/AUTH-10): the challenge is this request's, and has not expired.
    if !ct_eq(fcp.challenge.as_bytes(), request_challenge.as_bytes()) {
        return Err(Error::new(steps.challenge, ErrorKind::ChallengeMismatch));
    }
    if crate::pending::expired(issued_at, now, config.challenge_ttl_secs()) {
        return Err(Error::new(
            steps.challenge,
            ErrorKind::ChallengeExpired { issued_at, now },
        ));
    }
    // (REG-11/AUTH-11): the facet is trusted. With an empty request AppID the facet is the
    // AppID and trusts itself only if our list holds it too.
    let facet = normalise_facet(&fcp.facet_id);
    if !config
        .trusted_facets()
        .iter()
        .any(|t| normalise_facet(t) == facet)
    {
        return Err(Error::new(
            steps.facet,
            ErrorKind::UntrustedFacet {
                facet_id: fcp.facet_id.clone(),
            },
        ));
    }
    // (REG-12/AUTH-12): channel binding members known on both sides are equal.
    check_channel_binding(config.channel_binding(), &fcp.channel_binding).map_err(|member| {
        Error::new(
            steps.channel_binding,
            ErrorKind::ChannelBindingMismatch { member },
        )
    })?;
    Ok(fcp)
}

fn decode_fc_params(config: &Config, text: &str) -> Result<FinalChallengeParams, MessageError> {
    // The `missing-channel-binding` relaxation reads an absent member as `{}`.
    FinalChallengeParams::from_fc_params_with(
        text,
        &decode_options(config)
            .with_missing_channel_binding(config.compat().missing_channel_binding),
    )
}

/// Compares the members present on both sides; returns the first that differs.
pub(crate) fn check_channel_binding(
    expected: &ChannelBinding,
    got: &ChannelBinding,
) -> Result<(), &'static str> {
    let pairs: [(&'static str, &Option<String>, &Option<String>); 4] = [
        (
            "serverEndPoint",
            &expected.server_end_point,
            &got.server_end_point,
        ),
        (
            "tlsServerCertificate",
            &expected.tls_server_certificate,
            &got.tls_server_certificate,
        ),
        ("tlsUnique", &expected.tls_unique, &got.tls_unique),
        ("cid_pubkey", &expected.cid_pubkey, &got.cid_pubkey),
    ];
    for (name, e, g) in pairs {
        if let (Some(e), Some(g)) = (e, g) {
            if !ct_eq(e.as_bytes(), g.as_bytes()) {
                return Err(name);
            }
        }
    }
    Ok(())
}
