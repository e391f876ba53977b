//! Reading MQTT primitives from one packet's bytes. The reader only ever sees the bytes of the
//! current packet (or of a property section), so running out of input means the packet is
//! malformed (`Truncated`), never that more bytes may come.

use super::error::DecodeError;
use super::varint::{self, VarIntError};

/// A cursor over the not yet read part of a packet.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let (head, tail) = self.buf.split_at_checked(n).ok_or(DecodeError::Truncated)?;
        self.buf = tail;
        Ok(head)
    }

    /// Everything that is left (a PUBLISH payload).
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    /// Fails unless every byte has been read.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes)
        }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let (&byte, tail) = self.buf.split_first().ok_or(DecodeError::Truncated)?;
        self.buf = tail;
        Ok(byte)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let bytes = self.take(2)?;
        let array: [u8; 2] = bytes.try_into().map_err(|_| DecodeError::Truncated)?;
        Ok(u16::from_be_bytes(array))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let bytes = self.take(4)?;
        let array: [u8; 4] = bytes.try_into().map_err(|_| DecodeError::Truncated)?;
        Ok(u32::from_be_bytes(array))
    }

    /// A variable byte integer inside a packet. These exist only in MQTT 5, which requires the
    /// minimal encoding.
    pub(crate) fn varint(&mut self) -> Result<u32, DecodeError> {
        let decoded = varint::decode(self.buf).map_err(|error| match error {
            VarIntError::Incomplete => DecodeError::Truncated,
            VarIntError::TooLong => DecodeError::VarIntTooLong,
        })?;
        if !decoded.minimal {
            return Err(DecodeError::NonMinimalVarInt);
        }
        self.take(decoded.len)?;
        Ok(decoded.value)
    }

    /// A packet identifier where one is required: never 0.
    pub(crate) fn packet_id(&mut self) -> Result<u16, DecodeError> {
        match self.u16()? {
            0 => Err(DecodeError::ZeroPacketId),
            id => Ok(id),
        }
    }

    /// Binary data: a two-byte length, then the bytes.
    pub(crate) fn binary(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// A UTF-8 encoded string (MQTT 5 §1.5.4, 3.1.1 §1.5.3): well-formed (which excludes
    /// surrogates) and without U+0000.
    pub(crate) fn string(&mut self) -> Result<&'a str, DecodeError> {
        let bytes = self.binary()?;
        let text = core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)?;
        // Byte scans: cheaper than char patterns on this per-message path (UTF-8 never hides
        // an ASCII byte inside a multi-byte sequence).
        if bytes.contains(&0) {
            return Err(DecodeError::NullCharacter);
        }
        Ok(text)
    }

    /// A topic name (PUBLISH, will): a string without wildcards. Other topic rules (length,
    /// empty levels) are the session's business.
    pub(crate) fn topic_name(&mut self) -> Result<&'a str, DecodeError> {
        let topic = self.string()?;
        if topic.bytes().any(|b| b == b'+' || b == b'#') {
            return Err(DecodeError::InvalidTopicName);
        }
        Ok(topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives() {
        let mut r = Reader::new(&[0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, b'h', b'i']);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(0x0203));
        assert_eq!(r.u32(), Ok(0x0000_0004));
        assert_eq!(r.string(), Ok("hi"));
        assert!(r.is_empty());
        assert_eq!(r.u8(), Err(DecodeError::Truncated));
        assert_eq!(r.u16(), Err(DecodeError::Truncated));
    }

    #[test]
    fn strings() {
        assert_eq!(
            Reader::new(&[0x00, 0x02, 0xC3, 0x28]).string(),
            Err(DecodeError::InvalidUtf8)
        );
        // U+D800 encoded as if it were a scalar value.
        assert_eq!(
            Reader::new(&[0x00, 0x03, 0xED, 0xA0, 0x80]).string(),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            Reader::new(&[0x00, 0x01, 0x00]).string(),
            Err(DecodeError::NullCharacter)
        );
        assert_eq!(
            Reader::new(&[0x00, 0x03, b'a']).string(),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            Reader::new(&[0x00, 0x01, b'#']).topic_name(),
            Err(DecodeError::InvalidTopicName)
        );
    }

    #[test]
    fn varints_inside_packets() {
        assert_eq!(Reader::new(&[0x80, 0x01]).varint(), Ok(128));
        assert_eq!(
            Reader::new(&[0x80, 0x00]).varint(),
            Err(DecodeError::NonMinimalVarInt)
        );
        assert_eq!(Reader::new(&[0x80]).varint(), Err(DecodeError::Truncated));
        assert_eq!(
            Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF]).varint(),
            Err(DecodeError::VarIntTooLong)
        );
    }
}
