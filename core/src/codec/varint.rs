//! Variable byte integers (MQTT 5 §1.5.5, the remaining length in every version): 7 bits a byte,
//! least significant group first, at most four bytes.

use crate::prelude::*;

/// The largest value four bytes can hold.
pub(crate) const MAX: u32 = 268_435_455;

/// Why a variable byte integer could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarIntError {
    /// The input ends before the last byte (continuation bit clear).
    Incomplete,
    /// The fourth byte still has its continuation bit set.
    TooLong,
}

/// A decoded variable byte integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VarInt {
    pub value: u32,
    /// How many bytes it took (1–4).
    pub len: usize,
    /// Whether no shorter encoding of `value` exists (MQTT 5 requires it).
    pub minimal: bool,
}

/// Reads a variable byte integer from the start of `buf`.
pub(crate) fn decode(buf: &[u8]) -> Result<VarInt, VarIntError> {
    let mut value: u32 = 0;
    for (index, &byte) in buf.iter().take(4).enumerate() {
        // index < 4, so the shift is at most 21 and the sum stays below 2^28.
        value |= u32::from(byte & 0x7F) << (7 * index);
        if byte & 0x80 == 0 {
            // A longer encoding is minimal only if its last group carries bits.
            let minimal = index == 0 || byte != 0;
            return Ok(VarInt {
                value,
                len: index + 1,
                minimal,
            });
        }
    }
    if buf.len() >= 4 {
        Err(VarIntError::TooLong)
    } else {
        Err(VarIntError::Incomplete)
    }
}

/// How many bytes the minimal encoding of `value` takes. Values above `MAX` report 4: callers
/// reject them through the packet size check before anything is written.
pub fn len(value: usize) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Appends the minimal encoding of `value` (which must be at most `MAX`).
pub(crate) fn write(value: u32, out: &mut Vec<u8>) {
    let mut rest = value;
    loop {
        let byte = (rest & 0x7F) as u8;
        rest >>= 7;
        if rest == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_round_trip() {
        for (value, bytes) in [
            (0u32, &[0x00][..]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (16_383, &[0xFF, 0x7F]),
            (16_384, &[0x80, 0x80, 0x01]),
            (2_097_151, &[0xFF, 0xFF, 0x7F]),
            (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
            (MAX, &[0xFF, 0xFF, 0xFF, 0x7F]),
        ] {
            let mut out = Vec::new();
            write(value, &mut out);
            assert_eq!(out, bytes, "encoding {value}");
            assert_eq!(len(value as usize), bytes.len());
            assert_eq!(
                decode(bytes),
                Ok(VarInt {
                    value,
                    len: bytes.len(),
                    minimal: true
                })
            );
        }
    }

    #[test]
    fn partial_too_long_and_non_minimal() {
        assert_eq!(decode(&[]), Err(VarIntError::Incomplete));
        assert_eq!(decode(&[0x80, 0x80, 0x80]), Err(VarIntError::Incomplete));
        assert_eq!(decode(&[0x80, 0x80, 0x80, 0x80]), Err(VarIntError::TooLong));
        assert_eq!(
            decode(&[0x80, 0x00]),
            Ok(VarInt {
                value: 0,
                len: 2,
                minimal: false
            })
        );
        assert_eq!(
            decode(&[0x81, 0x80, 0x00]),
            Ok(VarInt {
                value: 1,
                len: 3,
                minimal: false
            })
        );
        // Only the bytes of the integer are read.
        assert_eq!(
            decode(&[0x05, 0xFF]),
            Ok(VarInt {
                value: 5,
                len: 1,
                minimal: true
            })
        );
    }
}
