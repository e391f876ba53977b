//! DISCONNECT and AUTH (MQTT 5 §3.14–3.15): both are an optional reason code and optional
//! properties; a success with nothing to add has remaining length 0. Before MQTT 5 DISCONNECT
//! has no body and AUTH does not exist.

use super::error::{DecodeError, EncodeError};
use super::packet::{PacketType, ProtocolVersion};
use super::properties::{Holder, Properties};
use super::read::Reader;
use super::reason::ReasonCode;
use crate::prelude::*;

/// Reads the shared body shape: `(reason, properties)`.
pub(crate) fn decode<'a>(
    r: &mut Reader<'a>,
    packet_type: PacketType,
    version: ProtocolVersion,
) -> Result<(ReasonCode, Properties<'a>), DecodeError> {
    let mut reason = ReasonCode::SUCCESS;
    let mut properties = Properties::default();
    // Remaining length 0 means success, 1 a reason code without properties.
    if version.is_v5() && !r.is_empty() {
        reason = ReasonCode(r.u8()?);
        if !r.is_empty() {
            properties = Properties::decode(r, Holder::Packet(packet_type))?;
        }
    }
    r.finish()?;
    Ok((reason, properties))
}

pub(crate) fn body_len(
    reason: ReasonCode,
    properties: &Properties<'_>,
    packet_type: PacketType,
    version: ProtocolVersion,
) -> Result<usize, EncodeError> {
    if !version.is_v5() {
        return Ok(0);
    }
    if properties.is_empty() {
        return Ok(usize::from(reason != ReasonCode::SUCCESS));
    }
    Ok(properties
        .encoded_len(Holder::Packet(packet_type))?
        .saturating_add(1))
}

pub(crate) fn write_body(
    reason: ReasonCode,
    properties: &Properties<'_>,
    packet_type: PacketType,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if !version.is_v5() || (properties.is_empty() && reason == ReasonCode::SUCCESS) {
        return Ok(());
    }
    out.push(reason.0);
    if !properties.is_empty() {
        properties.write(Holder::Packet(packet_type), out)?;
    }
    Ok(())
}
