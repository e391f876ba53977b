//! Sizing and writing MQTT primitives. Every `*_len` function also validates its field, so a
//! packet whose length was computed without error is known to be encodable.

use super::error::EncodeError;
use crate::prelude::*;

/// The size of a UTF-8 string field (length prefix included).
pub(crate) fn string_len(text: &str) -> Result<usize, EncodeError> {
    if text.contains('\0') {
        return Err(EncodeError::NullCharacter);
    }
    binary_len(text.as_bytes())
}

/// The size of a topic name field: a string without wildcards.
pub(crate) fn topic_name_len(topic: &str) -> Result<usize, EncodeError> {
    if topic.contains(['+', '#']) {
        return Err(EncodeError::InvalidTopicName);
    }
    string_len(topic)
}

/// The size of a binary data field (length prefix included).
pub(crate) fn binary_len(bytes: &[u8]) -> Result<usize, EncodeError> {
    if bytes.len() > usize::from(u16::MAX) {
        return Err(EncodeError::StringTooLong);
    }
    Ok(2 + bytes.len())
}

/// A packet identifier where one is required.
pub(crate) fn check_packet_id(id: u16) -> Result<(), EncodeError> {
    if id == 0 {
        Err(EncodeError::ZeroPacketId)
    } else {
        Ok(())
    }
}

pub(crate) fn u16(value: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&value.to_be_bytes());
}

pub(crate) fn u32(value: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&value.to_be_bytes());
}

pub(crate) fn binary(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let len = u16::try_from(bytes.len()).map_err(|_| EncodeError::StringTooLong)?;
    u16(len, out);
    out.extend_from_slice(bytes);
    Ok(())
}

pub(crate) fn string(text: &str, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    binary(text.as_bytes(), out)
}
