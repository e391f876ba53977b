//! PUBLISH (MQTT 5 §3.3, 3.1.1 §3.3). Its fixed-header flags carry DUP, QoS and RETAIN.

use crate::prelude::*;
use alloc::borrow::Cow;

use super::error::{DecodeError, EncodeError};
use super::packet::{PacketType, ProtocolVersion, Publish, QoS};
use super::properties::{Holder, Properties};
use super::read::Reader;
use super::write;

const DUP: u8 = 0b1000;
const QOS_SHIFT: u8 = 1;
const QOS: u8 = 0b0110;
const RETAIN: u8 = 0b0001;

const PROPERTIES: Holder = Holder::Packet(PacketType::Publish);

/// Reads a PUBLISH whose fixed-header flags are `flags`.
pub(crate) fn decode<'a>(
    r: &mut Reader<'a>,
    flags: u8,
    version: ProtocolVersion,
) -> Result<Publish<'a>, DecodeError> {
    let (dup, qos, retain) = parse_flags(flags)?;
    let topic = Cow::Borrowed(r.topic_name()?);
    let packet_id = if qos == QoS::AtMostOnce { 0 } else { r.packet_id()? };
    let properties = if version.is_v5() {
        Properties::decode(r, PROPERTIES)?
    } else {
        Properties::default()
    };
    let payload = Cow::Borrowed(r.rest());
    Ok(Publish {
        dup,
        qos,
        retain,
        topic,
        packet_id,
        properties,
        payload,
    })
}

/// DUP, QoS and RETAIN from the fixed-header flags. Checked before the body arrives.
pub(crate) fn parse_flags(flags: u8) -> Result<(bool, QoS, bool), DecodeError> {
    let qos = QoS::from_u8((flags & QOS) >> QOS_SHIFT).ok_or(DecodeError::InvalidQos)?;
    let dup = flags & DUP != 0;
    if dup && qos == QoS::AtMostOnce {
        return Err(DecodeError::DupOnQos0);
    }
    Ok((dup, qos, flags & RETAIN != 0))
}

/// The fixed-header flags. DUP means nothing at QoS 0 (and must be 0 there), so like the packet
/// identifier it is not written for QoS 0.
pub(crate) fn flags(p: &Publish<'_>) -> u8 {
    let mut flags = (p.qos as u8) << QOS_SHIFT;
    if p.dup && p.qos != QoS::AtMostOnce {
        flags |= DUP;
    }
    if p.retain {
        flags |= RETAIN;
    }
    flags
}

pub(crate) fn body_len(p: &Publish<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    let mut len = write::topic_name_len(&p.topic)?;
    if p.qos != QoS::AtMostOnce {
        write::check_packet_id(p.packet_id)?;
        len = len.saturating_add(2);
    }
    if version.is_v5() {
        len = len.saturating_add(p.properties.encoded_len(PROPERTIES)?);
    }
    Ok(len.saturating_add(p.payload.len()))
}

pub(crate) fn write_body(
    p: &Publish<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    write::string(&p.topic, out)?;
    if p.qos != QoS::AtMostOnce {
        write::u16(p.packet_id, out);
    }
    if version.is_v5() {
        p.properties.write(PROPERTIES, out)?;
    }
    out.extend_from_slice(&p.payload);
    Ok(())
}
