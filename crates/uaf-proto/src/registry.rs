//! The FIDO Registry of Predefined Values, as typed values (digest §6).
//!
//! Two shapes:
//! - **enumerations** (one value at a time: [`AlgSign`], [`AlgKey`], [`AttestationType`],
//!   [`MatcherProtection`]) are enums with an `Unknown(n)` variant, so conversion from the number
//!   is total: `AlgSign::from_u16(n)` never fails and `to_u16` gives `n` back;
//! - **bit sets** ([`UserVerify`], [`KeyProtection`], [`AttachmentHint`], [`TcDisplay`]) are
//!   newtypes over the integer that keep every bit, known or not.
//!
//! Each value also has its registry name (`ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW`) and, where the
//! metadata statement v3 (MDS3) defines one, its lower-case string (`secp256r1_ecdsa_sha256_raw`).
//!
//! Source: FIDO Registry of Predefined Values v1.1 and v2.2 (URLs in digest §0).

use core::fmt;

/// Defines a registry enumeration with a total `from_*`/`to_*` pair, names and MDS3 strings.
macro_rules! registry_enum {
    (
        $(#[$meta:meta])*
        $name:ident($int:ty) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, $reg:literal, $mds:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not know; the number is kept.
            Unknown($int),
        }

        impl $name {
            /// Every value this crate knows, in registry order.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The value for `n`; total (unknown numbers become `Unknown(n)`).
            #[must_use]
            pub const fn from_value(n: $int) -> Self {
                match n {
                    $( $value => $name::$variant, )*
                    other => $name::Unknown(other),
                }
            }

            /// The registry number.
            #[must_use]
            pub const fn value(self) -> $int {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Unknown(n) => n,
                }
            }

            /// Whether this is a value the registry defines (and this crate knows).
            #[must_use]
            pub const fn is_known(self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// The registry name (e.g. `ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW`), or `None` if unknown.
            #[must_use]
            pub const fn registry_name(self) -> Option<&'static str> {
                match self {
                    $( $name::$variant => Some($reg), )*
                    $name::Unknown(_) => None,
                }
            }

            /// The metadata statement v3 string (e.g. `secp256r1_ecdsa_sha256_raw`), or `None`.
            #[must_use]
            pub const fn mds3_name(self) -> Option<&'static str> {
                match self {
                    $( $name::$variant => if $mds.is_empty() { None } else { Some($mds) }, )*
                    $name::Unknown(_) => None,
                }
            }

            /// The value whose MDS3 string is `s` (exact, lower case), if any.
            #[must_use]
            pub fn from_mds3_name(s: &str) -> Option<Self> {
                Self::KNOWN.iter().copied().find(|v| v.mds3_name() == Some(s))
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
                match self.registry_name() {
                    Some(name) => write!(f, "{name} (0x{:04X})", self.value()),
                    None => write!(f, "unknown (0x{:04X})", self.value()),
                }
            }
        }
    };
}

registry_enum! {
    /// `ALG_SIGN_*`: authentication (signature) algorithm and signature encoding (digest §6.1).
    AlgSign(u16) {
        /// ECDSA on P-256 with SHA-256; signature `r ‖ s`, 64 bytes.
        Secp256r1EcdsaSha256Raw = 0x0001, "ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW", "secp256r1_ecdsa_sha256_raw";
        /// ECDSA on P-256 with SHA-256; DER `SEQUENCE { r, s }`.
        Secp256r1EcdsaSha256Der = 0x0002, "ALG_SIGN_SECP256R1_ECDSA_SHA256_DER", "secp256r1_ecdsa_sha256_der";
        /// RSASSA-PSS with SHA-256 (salt 32); raw signature `S`.
        RsassaPssSha256Raw = 0x0003, "ALG_SIGN_RSASSA_PSS_SHA256_RAW", "rsassa_pss_sha256_raw";
        /// RSASSA-PSS with SHA-256; DER OCTET STRING wrapping `S`.
        RsassaPssSha256Der = 0x0004, "ALG_SIGN_RSASSA_PSS_SHA256_DER", "rsassa_pss_sha256_der";
        /// ECDSA on secp256k1 with SHA-256; `r ‖ s`, 64 bytes.
        Secp256k1EcdsaSha256Raw = 0x0005, "ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW", "secp256k1_ecdsa_sha256_raw";
        /// ECDSA on secp256k1 with SHA-256; DER `SEQUENCE { r, s }`.
        Secp256k1EcdsaSha256Der = 0x0006, "ALG_SIGN_SECP256K1_ECDSA_SHA256_DER", "secp256k1_ecdsa_sha256_der";
        /// SM2 with SM3; `r ‖ s`.
        Sm2Sm3Raw = 0x0007, "ALG_SIGN_SM2_SM3_RAW", "sm2_sm3_raw";
        /// RSA PKCS#1 v1.5 with SHA-256; raw `S`.
        RsaEmsaPkcs1Sha256Raw = 0x0008, "ALG_SIGN_RSA_EMSA_PKCS1_SHA256_RAW", "rsa_emsa_pkcs1_sha256_raw";
        /// RSA PKCS#1 v1.5 with SHA-256; DER OCTET STRING wrapping `S`.
        RsaEmsaPkcs1Sha256Der = 0x0009, "ALG_SIGN_RSA_EMSA_PKCS1_SHA256_DER", "rsa_emsa_pkcs1_sha256_der";
        /// RSASSA-PSS with SHA-384; raw `S`.
        RsassaPssSha384Raw = 0x000A, "ALG_SIGN_RSASSA_PSS_SHA384_RAW", "rsassa_pss_sha384_raw";
        /// RSASSA-PSS with SHA-512; raw `S`.
        RsassaPssSha512Raw = 0x000B, "ALG_SIGN_RSASSA_PSS_SHA512_RAW", "rsassa_pss_sha512_raw";
        /// RSASSA-PKCS1-v1_5 with SHA-256; raw `S`.
        RsassaPkcsv15Sha256Raw = 0x000C, "ALG_SIGN_RSASSA_PKCSV15_SHA256_RAW", "rsassa_pkcsv15_sha256_raw";
        /// RSASSA-PKCS1-v1_5 with SHA-384; raw `S`.
        RsassaPkcsv15Sha384Raw = 0x000D, "ALG_SIGN_RSASSA_PKCSV15_SHA384_RAW", "rsassa_pkcsv15_sha384_raw";
        /// RSASSA-PKCS1-v1_5 with SHA-512; raw `S`.
        RsassaPkcsv15Sha512Raw = 0x000E, "ALG_SIGN_RSASSA_PKCSV15_SHA512_RAW", "rsassa_pkcsv15_sha512_raw";
        /// RSASSA-PKCS1-v1_5 with SHA-1; raw `S`.
        RsassaPkcsv15Sha1Raw = 0x000F, "ALG_SIGN_RSASSA_PKCSV15_SHA1_RAW", "rsassa_pkcsv15_sha1_raw";
        /// ECDSA on P-384 with SHA-384; `r ‖ s`, 96 bytes.
        Secp384r1EcdsaSha384Raw = 0x0010, "ALG_SIGN_SECP384R1_ECDSA_SHA384_RAW", "secp384r1_ecdsa_sha384_raw";
        /// ECDSA on P-521 with SHA-512; `r ‖ s`, 132 bytes.
        Secp521r1EcdsaSha512Raw = 0x0011, "ALG_SIGN_SECP521R1_ECDSA_SHA512_RAW", "secp521r1_ecdsa_sha512_raw";
        /// Ed25519; 64-byte signature.
        Ed25519EddsaSha512Raw = 0x0012, "ALG_SIGN_ED25519_EDDSA_SHA512_RAW", "ed25519_eddsa_sha512_raw";
        /// Ed448; 114-byte signature.
        Ed448EddsaSha512Raw = 0x0013, "ALG_SIGN_ED448_EDDSA_SHA512_RAW", "ed448_eddsa_sha512_raw";
    }
}

/// The hash function that goes with an [`AlgSign`] (digest §2.11, §6.1): the one the
/// authenticator uses for the final challenge hash and the transaction content hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlg {
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
    /// SM3 (32 bytes).
    Sm3,
}

impl HashAlg {
    /// Digest length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 | HashAlg::Sm3 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }
}

impl AlgSign {
    /// The hash belonging to this algorithm, or `None` for an unknown algorithm.
    ///
    /// Ed25519 and Ed448 hash internally; the UAF final challenge hash for them is SHA-512
    /// (the registry names them `…_SHA512`).
    #[must_use]
    pub const fn hash(self) -> Option<HashAlg> {
        use AlgSign::*;
        match self {
            Secp256r1EcdsaSha256Raw
            | Secp256r1EcdsaSha256Der
            | RsassaPssSha256Raw
            | RsassaPssSha256Der
            | Secp256k1EcdsaSha256Raw
            | Secp256k1EcdsaSha256Der
            | RsaEmsaPkcs1Sha256Raw
            | RsaEmsaPkcs1Sha256Der
            | RsassaPkcsv15Sha256Raw => Some(HashAlg::Sha256),
            Sm2Sm3Raw => Some(HashAlg::Sm3),
            RsassaPssSha384Raw | RsassaPkcsv15Sha384Raw | Secp384r1EcdsaSha384Raw => {
                Some(HashAlg::Sha384)
            }
            RsassaPssSha512Raw
            | RsassaPkcsv15Sha512Raw
            | Secp521r1EcdsaSha512Raw
            | Ed25519EddsaSha512Raw
            | Ed448EddsaSha512Raw => Some(HashAlg::Sha512),
            RsassaPkcsv15Sha1Raw => Some(HashAlg::Sha1),
            Unknown(_) => None,
        }
    }
}

registry_enum! {
    /// `ALG_KEY_*`: public key encoding in `TAG_PUB_KEY` (digest §6.2).
    AlgKey(u16) {
        /// Uncompressed X9.62 point `04 ‖ X ‖ Y`.
        EccX962Raw = 0x0100, "ALG_KEY_ECC_X962_RAW", "ecc_x962_raw";
        /// DER `SubjectPublicKeyInfo` of an EC key.
        EccX962Der = 0x0101, "ALG_KEY_ECC_X962_DER", "ecc_x962_der";
        /// RSA 2048 modulus `n` (256 bytes) followed by exponent `e`.
        Rsa2048Raw = 0x0102, "ALG_KEY_RSA_2048_RAW", "rsa_2048_raw";
        /// DER RSA public key (PKCS#1 `RSAPublicKey` or `SubjectPublicKeyInfo`).
        Rsa2048Der = 0x0103, "ALG_KEY_RSA_2048_DER", "rsa_2048_der";
        /// COSE_Key (CBOR map, RFC 8152).
        Cose = 0x0104, "ALG_KEY_COSE", "cose";
    }
}

registry_enum! {
    /// `TAG_ATTESTATION_*` / `ATTESTATION_*`: attestation types (digest §6.8).
    AttestationType(u16) {
        /// Basic full attestation: batch certificate chain.
        BasicFull = 0x3E07, "TAG_ATTESTATION_BASIC_FULL", "basic_full";
        /// Basic surrogate attestation: self-signed with the new UAuth key.
        BasicSurrogate = 0x3E08, "TAG_ATTESTATION_BASIC_SURROGATE", "basic_surrogate";
        /// FIDO ECDAA attestation.
        Ecdaa = 0x3E09, "TAG_ATTESTATION_ECDAA", "ecdaa";
        /// Privacy-CA attestation (registry 2.x).
        Attca = 0x3E0A, "TAG_ATTESTATION_ATTCA", "attca";
        /// No attestation (registry 2.x).
        None = 0x3E0B, "TAG_ATTESTATION_NONE", "none";
        /// Anonymisation CA attestation (registry 2.2).
        Anonca = 0x3E0C, "TAG_ATTESTATION_ANONCA", "anonca";
    }
}

registry_enum! {
    /// `MATCHER_PROTECTION_*` (digest §6.5). One value in metadata statements; used as a bit set
    /// in `MatchCriteria`, where the raw number is kept.
    MatcherProtection(u16) {
        /// Matcher runs in software.
        Software = 0x0001, "MATCHER_PROTECTION_SOFTWARE", "software";
        /// Matcher runs in a TEE.
        Tee = 0x0002, "MATCHER_PROTECTION_TEE", "tee";
        /// Matcher runs on the chip.
        OnChip = 0x0004, "MATCHER_PROTECTION_ON_CHIP", "on_chip";
    }
}

/// Defines a bit-set newtype with named flags, registry names and MDS3 strings.
macro_rules! registry_bits {
    (
        $(#[$meta:meta])*
        $name:ident($int:ty) {
            $( $(#[$vmeta:meta])* $flag:ident = $value:literal, $reg:literal, $mds:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub $int);

        impl $name {
            $( $(#[$vmeta])* pub const $flag: $name = $name($value); )*

            /// Every named flag: (flag, registry name, MDS3 string).
            pub const NAMED: &'static [($name, &'static str, &'static str)] =
                &[ $( ($name($value), $reg, $mds), )* ];

            /// The empty set.
            pub const EMPTY: $name = $name(0);

            /// The raw bits.
            #[must_use]
            pub const fn bits(self) -> $int {
                self.0
            }

            /// Whether every bit of `other` is set in `self`.
            #[must_use]
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether `self` and `other` share at least one bit.
            #[must_use]
            pub const fn intersects(self, other: $name) -> bool {
                self.0 & other.0 != 0
            }

            /// Whether no bit is set.
            #[must_use]
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// The bits that no registry name covers.
            #[must_use]
            pub const fn unknown_bits(self) -> $int {
                let mut known: $int = 0;
                $( known |= $value; )*
                self.0 & !known
            }

            /// The flag whose MDS3 string is `s` (exact, lower case), if any.
            #[must_use]
            pub fn from_mds3_name(s: &str) -> Option<Self> {
                Self::NAMED.iter().find(|(_, _, m)| !m.is_empty() && *m == s).map(|(f, _, _)| *f)
            }

            /// The registry names of the set flags, in registry order.
            pub fn names(self) -> impl Iterator<Item = &'static str> {
                Self::NAMED.iter().filter(move |(f, _, _)| self.contains(*f)).map(|(_, n, _)| *n)
            }
        }

        impl core::ops::BitOr for $name {
            type Output = $name;
            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }

        impl core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: $name) {
                self.0 |= rhs.0;
            }
        }

        impl core::ops::BitAnd for $name {
            type Output = $name;
            fn bitand(self, rhs: $name) -> $name {
                $name(self.0 & rhs.0)
            }
        }

        impl From<$int> for $name {
            fn from(n: $int) -> Self {
                $name(n)
            }
        }

        impl From<$name> for $int {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.0 == 0 {
                    return f.write_str("(none)");
                }
                let mut first = true;
                for name in self.names() {
                    if !first {
                        f.write_str(" | ")?;
                    }
                    f.write_str(name)?;
                    first = false;
                }
                let rest = self.unknown_bits();
                if rest != 0 {
                    if !first {
                        f.write_str(" | ")?;
                    }
                    write!(f, "0x{rest:X}")?;
                }
                Ok(())
            }
        }
    };
}

registry_bits! {
    /// `USER_VERIFY_*`: user verification methods, a bit set (digest §6.3).
    UserVerify(u32) {
        /// User presence only.
        PRESENCE = 0x0000_0001, "USER_VERIFY_PRESENCE", "presence_internal";
        /// Fingerprint.
        FINGERPRINT = 0x0000_0002, "USER_VERIFY_FINGERPRINT", "fingerprint_internal";
        /// Passcode (PIN) on the authenticator.
        PASSCODE = 0x0000_0004, "USER_VERIFY_PASSCODE", "passcode_internal";
        /// Voice print.
        VOICEPRINT = 0x0000_0008, "USER_VERIFY_VOICEPRINT", "voiceprint_internal";
        /// Face print.
        FACEPRINT = 0x0000_0010, "USER_VERIFY_FACEPRINT", "faceprint_internal";
        /// Location.
        LOCATION = 0x0000_0020, "USER_VERIFY_LOCATION", "location_internal";
        /// Eye print.
        EYEPRINT = 0x0000_0040, "USER_VERIFY_EYEPRINT", "eyeprint_internal";
        /// Drawn pattern.
        PATTERN = 0x0000_0080, "USER_VERIFY_PATTERN", "pattern_internal";
        /// Hand print.
        HANDPRINT = 0x0000_0100, "USER_VERIFY_HANDPRINT", "handprint_internal";
        /// No verification at all (silent authenticator).
        NONE = 0x0000_0200, "USER_VERIFY_NONE", "none";
        /// All listed methods must be passed.
        ALL = 0x0000_0400, "USER_VERIFY_ALL", "all";
        /// Passcode entered outside the authenticator.
        PASSCODE_EXTERNAL = 0x0000_0800, "USER_VERIFY_PASSCODE_EXTERNAL", "passcode_external";
        /// Pattern entered outside the authenticator.
        PATTERN_EXTERNAL = 0x0000_1000, "USER_VERIFY_PATTERN_EXTERNAL", "pattern_external";
    }
}

registry_bits! {
    /// `KEY_PROTECTION_*`: how the UAuth key is protected, a bit set (digest §6.4).
    KeyProtection(u16) {
        /// Software key storage.
        SOFTWARE = 0x0001, "KEY_PROTECTION_SOFTWARE", "software";
        /// Hardware key storage.
        HARDWARE = 0x0002, "KEY_PROTECTION_HARDWARE", "hardware";
        /// Trusted execution environment.
        TEE = 0x0004, "KEY_PROTECTION_TEE", "tee";
        /// Secure element.
        SECURE_ELEMENT = 0x0008, "KEY_PROTECTION_SECURE_ELEMENT", "secure_element";
        /// Key handle kept on the server.
        REMOTE_HANDLE = 0x0010, "KEY_PROTECTION_REMOTE_HANDLE", "remote_handle";
    }
}

registry_bits! {
    /// `ATTACHMENT_HINT_*`: how the authenticator is attached, a bit set (digest §6.6).
    AttachmentHint(u32) {
        /// Built into the device.
        INTERNAL = 0x0001, "ATTACHMENT_HINT_INTERNAL", "internal";
        /// External to the device.
        EXTERNAL = 0x0002, "ATTACHMENT_HINT_EXTERNAL", "external";
        /// Wired.
        WIRED = 0x0004, "ATTACHMENT_HINT_WIRED", "wired";
        /// Wireless.
        WIRELESS = 0x0008, "ATTACHMENT_HINT_WIRELESS", "wireless";
        /// NFC.
        NFC = 0x0010, "ATTACHMENT_HINT_NFC", "nfc";
        /// Bluetooth.
        BLUETOOTH = 0x0020, "ATTACHMENT_HINT_BLUETOOTH", "bluetooth";
        /// Over a network.
        NETWORK = 0x0040, "ATTACHMENT_HINT_NETWORK", "network";
        /// Ready to use now.
        READY = 0x0080, "ATTACHMENT_HINT_READY", "ready";
        /// Wi-Fi Direct.
        WIFI_DIRECT = 0x0100, "ATTACHMENT_HINT_WIFI_DIRECT", "wifi_direct";
    }
}

registry_bits! {
    /// `TRANSACTION_CONFIRMATION_DISPLAY_*`: transaction confirmation display, a bit set; 0 means
    /// none (digest §6.7).
    TcDisplay(u16) {
        /// Some display.
        ANY = 0x0001, "TRANSACTION_CONFIRMATION_DISPLAY_ANY", "any";
        /// Privileged software display.
        PRIVILEGED_SOFTWARE = 0x0002, "TRANSACTION_CONFIRMATION_DISPLAY_PRIVILEGED_SOFTWARE", "privileged_software";
        /// Display in a TEE.
        TEE = 0x0004, "TRANSACTION_CONFIRMATION_DISPLAY_TEE", "tee";
        /// Hardware display.
        HARDWARE = 0x0008, "TRANSACTION_CONFIRMATION_DISPLAY_HARDWARE", "hardware";
        /// Remote display.
        REMOTE = 0x0010, "TRANSACTION_CONFIRMATION_DISPLAY_REMOTE", "remote";
    }
}

registry_bits! {
    /// `AuthenticatorType` bits of the GetInfo metadata (digest §5.8).
    AuthenticatorType(u16) {
        /// Second-factor only.
        SECOND_FACTOR = 0x0001, "UAF_TYPE_2NDF_AUTHNR", "";
        /// Roaming (otherwise bound).
        ROAMING = 0x0002, "UAF_TYPE_ROAMING_AUTHNR", "";
        /// Key handles stored inside the authenticator.
        KEY_HANDLE_STORAGE = 0x0004, "UAF_TYPE_KEYHANDLE_STORAGE", "";
        /// Built-in UI for enrolment and verification.
        BUILTIN_UI = 0x0008, "UAF_TYPE_BUILTIN_UI", "";
        /// Has a settings UI (supports OpenSettings).
        SETTINGS = 0x0010, "UAF_TYPE_SETTINGS", "";
        /// Expects TAG_APPID even where optional.
        EXPECT_APPID = 0x0020, "UAF_TYPE_EXPECT_APPID", "";
        /// At least one user enrolled.
        USER_ENROLLED = 0x0040, "UAF_TYPE_USER_ENROLLED", "";
        /// Supports user verification tokens (UAF 1.2).
        USER_VERIFICATION_TOKEN = 0x0080, "UAF_TYPE_USER_VERIFICATION_TOKEN", "";
    }
}

/// Assertion scheme of every UAF 1.x TLV assertion (digest §6.9).
pub const ASSERTION_SCHEME_UAFV1TLV: &str = "UAFV1TLV";

/// Transaction content type for text.
pub const CONTENT_TYPE_TEXT_PLAIN: &str = "text/plain";

/// Transaction content type for PNG images.
pub const CONTENT_TYPE_IMAGE_PNG: &str = "image/png";

#[cfg(test)]
mod tests {
    extern crate alloc;
    use super::*;
    use alloc::string::{String, ToString};

    #[test]
    fn alg_sign_is_total_and_round_trips() {
        for n in 0..=u16::MAX {
            assert_eq!(AlgSign::from_value(n).value(), n);
        }
        assert_eq!(AlgSign::from_value(1), AlgSign::Secp256r1EcdsaSha256Raw);
        assert_eq!(AlgSign::from_value(0x14), AlgSign::Unknown(0x14));
        assert_eq!(AlgSign::KNOWN.len(), 19);
    }

    #[test]
    fn names_and_mds3() {
        assert_eq!(
            AlgSign::Secp256k1EcdsaSha256Der.registry_name(),
            Some("ALG_SIGN_SECP256K1_ECDSA_SHA256_DER")
        );
        assert_eq!(
            AlgSign::from_mds3_name("secp256r1_ecdsa_sha256_der"),
            Some(AlgSign::Secp256r1EcdsaSha256Der)
        );
        assert_eq!(AlgKey::from_mds3_name("cose"), Some(AlgKey::Cose));
        assert_eq!(AlgKey::from_value(0x0104), AlgKey::Cose);
        assert_eq!(
            AttestationType::from_mds3_name("basic_surrogate"),
            Some(AttestationType::BasicSurrogate)
        );
        assert_eq!(AttestationType::from_value(0x3E0A), AttestationType::Attca);
        assert_eq!(AlgSign::from_mds3_name("nope"), None);
        assert_eq!(AuthenticatorType::from_mds3_name(""), None);
    }

    #[test]
    fn hashes() {
        assert_eq!(
            AlgSign::Secp256r1EcdsaSha256Raw.hash(),
            Some(HashAlg::Sha256)
        );
        assert_eq!(
            AlgSign::Secp384r1EcdsaSha384Raw.hash(),
            Some(HashAlg::Sha384)
        );
        assert_eq!(AlgSign::Sm2Sm3Raw.hash(), Some(HashAlg::Sm3));
        assert_eq!(AlgSign::Unknown(99).hash(), None);
        assert_eq!(HashAlg::Sha1.output_len(), 20);
    }

    #[test]
    fn bit_sets_keep_unknown_bits() {
        let uv = UserVerify(0x0000_0006 | 0x8000);
        assert!(uv.contains(UserVerify::PASSCODE));
        assert!(uv.contains(UserVerify::FINGERPRINT));
        assert!(!uv.contains(UserVerify::NONE));
        assert_eq!(uv.unknown_bits(), 0x8000);
        assert_eq!(
            alloc_free_display(uv),
            "USER_VERIFY_FINGERPRINT | USER_VERIFY_PASSCODE | 0x8000"
        );
        assert_eq!(
            UserVerify::from_mds3_name("fingerprint_internal"),
            Some(UserVerify::FINGERPRINT)
        );
        assert_eq!(
            KeyProtection::HARDWARE | KeyProtection::TEE,
            KeyProtection(6)
        );
        assert_eq!(TcDisplay(0).to_string_for_test(), "(none)");
    }

    fn alloc_free_display(v: UserVerify) -> String {
        v.to_string()
    }

    impl TcDisplay {
        fn to_string_for_test(self) -> String {
            self.to_string()
        }
    }
}
