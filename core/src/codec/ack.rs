//! PUBACK, PUBREC, PUBREL and PUBCOMP (MQTT 5 §3.4–3.7): a packet identifier and, in MQTT 5, a
//! reason code and properties that may be left out when they say "success, nothing more".

use super::error::{DecodeError, EncodeError};
use super::packet::{Ack, PacketType, ProtocolVersion};
use super::properties::{Holder, Properties};
use super::read::Reader;
use super::reason::ReasonCode;
use super::write;
use crate::prelude::*;

pub(crate) fn decode<'a>(
    r: &mut Reader<'a>,
    packet_type: PacketType,
    version: ProtocolVersion,
) -> Result<Ack<'a>, DecodeError> {
    let packet_id = r.packet_id()?;
    let mut ack = Ack {
        packet_id,
        reason: ReasonCode::SUCCESS,
        properties: Properties::default(),
    };
    // Remaining length 2 means success without properties, 3 a reason code without them.
    if version.is_v5() && !r.is_empty() {
        ack.reason = ReasonCode(r.u8()?);
        if !r.is_empty() {
            ack.properties = Properties::decode(r, Holder::Packet(packet_type))?;
        }
    }
    r.finish()?;
    Ok(ack)
}

pub(crate) fn body_len(
    ack: &Ack<'_>,
    packet_type: PacketType,
    version: ProtocolVersion,
) -> Result<usize, EncodeError> {
    write::check_packet_id(ack.packet_id)?;
    if !version.is_v5() {
        return Ok(2);
    }
    if ack.properties.is_empty() {
        return Ok(if ack.reason == ReasonCode::SUCCESS { 2 } else { 3 });
    }
    Ok(ack
        .properties
        .encoded_len(Holder::Packet(packet_type))?
        .saturating_add(3))
}

pub(crate) fn write_body(
    ack: &Ack<'_>,
    packet_type: PacketType,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    write::u16(ack.packet_id, out);
    if !version.is_v5() || (ack.properties.is_empty() && ack.reason == ReasonCode::SUCCESS) {
        return Ok(());
    }
    out.push(ack.reason.0);
    if !ack.properties.is_empty() {
        ack.properties.write(Holder::Packet(packet_type), out)?;
    }
    Ok(())
}
