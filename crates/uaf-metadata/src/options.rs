//! [`ParseOptions`]: the explicit compatibility relaxations of the statement reader.

use alloc::string::String;
use alloc::vec::Vec;

use uaf_proto::b64;

use crate::error::MetadataError;
use crate::json::Path;

/// How strictly metadata is read. The default is strict: every relaxation is off.
///
/// ```
/// use uaf_metadata::ParseOptions;
/// let strict = ParseOptions::default();
/// assert!(!strict.certificate_whitespace());
/// let lenient = ParseOptions::new().allow_certificate_whitespace(true);
/// assert!(lenient.certificate_whitespace());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    certificate_whitespace: bool,
}

impl ParseOptions {
    /// Strict reading (the same as [`ParseOptions::default`]).
    #[must_use]
    pub const fn new() -> Self {
        ParseOptions {
            certificate_whitespace: false,
        }
    }

    /// Compatibility: accept CR, LF, space and tab inside base64 certificates
    /// (`attestationRootCertificates`, `statusReports[].certificate`) and remove them before
    /// decoding. Entries of the FIDO MDS3 BLOB have been published with line breaks in front of
    /// root certificates. Off by default; it only affects how the text is decoded, never which
    /// certificate is trusted.
    #[must_use]
    pub const fn allow_certificate_whitespace(mut self, allow: bool) -> Self {
        self.certificate_whitespace = allow;
        self
    }

    /// Whether whitespace inside base64 certificates is accepted.
    #[must_use]
    pub const fn certificate_whitespace(&self) -> bool {
        self.certificate_whitespace
    }

    /// Decodes one base64 DER certificate under these options.
    pub(crate) fn decode_certificate(
        &self,
        text: &str,
        p: &Path<'_>,
    ) -> Result<Vec<u8>, MetadataError> {
        let decoded = if self.certificate_whitespace {
            let compact: String = text
                .chars()
                .filter(|c| !matches!(c, '\r' | '\n' | ' ' | '\t'))
                .collect();
            b64::decode_standard(&compact)
        } else {
            b64::decode_standard(text)
        };
        let der = decoded.map_err(|error| MetadataError::InvalidBase64 {
            path: p.render(),
            error,
        })?;
        if der.is_empty() {
            return Err(p.invalid("must not be an empty certificate"));
        }
        Ok(der)
    }
}
