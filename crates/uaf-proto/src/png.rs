//! What PNG images an authenticator's transaction display can show: one type for every
//! place the project meets it — the JSON `DisplayPNGCharacteristicsDescriptor` of the
//! protocol messages and metadata statements, the simulated authenticator's profile, and the
//! palette entries of `TAG_TC_DISPLAY_PNG_CHARACTERISTICS` (whose zero-copy TLV view is
//! [`crate::command::PngCharacteristics`]). Digest §2.8.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use serde::Serialize;

/// One PLTE entry of a PNG display descriptor (`rgbPalletteEntry` in the specification's
/// spelling): three `unsigned short` samples, in JSON `{r, g, b}`, in the TLV three UINT16 LE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RgbPaletteEntry {
    /// Red sample.
    pub r: u16,
    /// Green sample.
    pub g: u16,
    /// Blue sample.
    pub b: u16,
}

impl RgbPaletteEntry {
    /// Encoded length.
    pub const LEN: usize = 6;

    /// Encodes the entry.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 6] {
        let [r0, r1] = self.r.to_le_bytes();
        let [g0, g1] = self.g.to_le_bytes();
        let [b0, b1] = self.b.to_le_bytes();
        [r0, r1, g0, g1, b0, b1]
    }

    /// Decodes an entry.
    #[must_use]
    pub fn from_bytes(b: [u8; 6]) -> Self {
        let [r0, r1, g0, g1, b0, b1] = b;
        RgbPaletteEntry {
            r: u16::from_le_bytes([r0, r1]),
            g: u16::from_le_bytes([g0, g1]),
            b: u16::from_le_bytes([b0, b1]),
        }
    }
}

/// What PNG images an authenticator can display (`DisplayPNGCharacteristicsDescriptor`,
/// digest §2.8): the fields of a PNG `IHDR` chunk and an optional palette.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayPngCharacteristicsDescriptor {
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Bit depth.
    pub bit_depth: u8,
    /// Colour type.
    pub color_type: u8,
    /// Compression method.
    pub compression: u8,
    /// Filter method.
    pub filter: u8,
    /// Interlace method.
    pub interlace: u8,
    /// Palette (`plte`), 1..=256 entries when present; empty means absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plte: Vec<RgbPaletteEntry>,
}

#[cfg(feature = "alloc")]
impl DisplayPngCharacteristicsDescriptor {
    /// Most palette entries.
    pub const MAX_PLTE: usize = 256;

    /// A true-colour-with-alpha, 8-bit PNG of `width` × `height` (colour type 6, no palette).
    #[must_use]
    pub const fn rgba(width: u32, height: u32) -> Self {
        DisplayPngCharacteristicsDescriptor {
            width,
            height,
            bit_depth: 8,
            color_type: 6,
            compression: 0,
            filter: 0,
            interlace: 0,
            plte: Vec::new(),
        }
    }

    /// The palette as `TAG_TC_DISPLAY_PNG_CHARACTERISTICS` encodes it
    /// ([`RgbPaletteEntry::to_bytes`] concatenated).
    #[must_use]
    pub fn encoded_palette(&self) -> Vec<u8> {
        self.plte
            .iter()
            .flat_map(RgbPaletteEntry::to_bytes)
            .collect()
    }
}

/// The owned, JSON-form descriptor of a GetInfo `TAG_TC_DISPLAY_PNG_CHARACTERISTICS` entry.
#[cfg(feature = "alloc")]
impl From<&crate::command::PngCharacteristics<'_>> for DisplayPngCharacteristicsDescriptor {
    fn from(p: &crate::command::PngCharacteristics<'_>) -> Self {
        DisplayPngCharacteristicsDescriptor {
            width: p.width,
            height: p.height,
            bit_depth: p.bit_depth,
            color_type: p.color_type,
            compression: p.compression,
            filter: p.filter,
            interlace: p.interlace,
            plte: p.plte.iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_entries_round_trip_little_endian() {
        let e = RgbPaletteEntry {
            r: 0x0102,
            g: 0x0304,
            b: 0x0506,
        };
        assert_eq!(e.to_bytes(), [2, 1, 4, 3, 6, 5]);
        assert_eq!(RgbPaletteEntry::from_bytes(e.to_bytes()), e);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn rgba_has_no_palette_and_encodes_none() {
        let d = DisplayPngCharacteristicsDescriptor::rgba(200, 100);
        assert_eq!((d.bit_depth, d.color_type), (8, 6));
        assert!(d.encoded_palette().is_empty());
        let mut p = d;
        p.plte.push(RgbPaletteEntry { r: 1, g: 2, b: 3 });
        let encoded = p.encoded_palette();
        assert_eq!(encoded, [1, 0, 2, 0, 3, 0]);
        // The TLV view of the same descriptor converts back to it.
        let view = crate::command::PngCharacteristics {
            width: 200,
            height: 100,
            bit_depth: 8,
            color_type: 6,
            compression: 0,
            filter: 0,
            interlace: 0,
            plte: crate::command::Palette::new(&encoded).unwrap(),
        };
        assert_eq!(DisplayPngCharacteristicsDescriptor::from(&view), p);
    }
}
