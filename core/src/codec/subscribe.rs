//! SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (MQTT 5 §3.8–3.11).

use crate::prelude::*;
use alloc::borrow::Cow;

use super::error::{DecodeError, EncodeError};
use super::packet::{
    PacketType, ProtocolVersion, QoS, RetainHandling, SubAck, Subscribe, Subscription, SubscriptionOptions,
    UnsubAck, Unsubscribe,
};
use super::properties::{Holder, Properties};
use super::read::Reader;
use super::reason::ReasonCode;
use super::write;

const QOS: u8 = 0b0000_0011;
const NO_LOCAL: u8 = 0b0000_0100;
const RETAIN_AS_PUBLISHED: u8 = 0b0000_1000;
const RETAIN_HANDLING_SHIFT: u8 = 4;
const RETAIN_HANDLING: u8 = 0b0011_0000;
/// Bits that must be 0 in MQTT 5; in 3.1/3.1.1 everything above the QoS is reserved.
const RESERVED_V5: u8 = 0b1100_0000;
const RESERVED_V3: u8 = !QOS;

fn properties_of<'a>(
    r: &mut Reader<'a>,
    packet_type: PacketType,
    version: ProtocolVersion,
) -> Result<Properties<'a>, DecodeError> {
    if version.is_v5() {
        Properties::decode(r, Holder::Packet(packet_type))
    } else {
        Ok(Properties::default())
    }
}

fn properties_len(
    properties: &Properties<'_>,
    packet_type: PacketType,
    version: ProtocolVersion,
) -> Result<usize, EncodeError> {
    if version.is_v5() {
        properties.encoded_len(Holder::Packet(packet_type))
    } else {
        Ok(0)
    }
}

fn write_properties(
    properties: &Properties<'_>,
    packet_type: PacketType,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if version.is_v5() {
        properties.write(Holder::Packet(packet_type), out)
    } else {
        Ok(())
    }
}

fn decode_options(byte: u8, version: ProtocolVersion) -> Result<SubscriptionOptions, DecodeError> {
    let reserved = if version.is_v5() { RESERVED_V5 } else { RESERVED_V3 };
    if byte & reserved != 0 {
        return Err(DecodeError::InvalidSubscriptionOptions);
    }
    let retain_handling = match (byte & RETAIN_HANDLING) >> RETAIN_HANDLING_SHIFT {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendAtNewSubscribe,
        2 => RetainHandling::DoNotSend,
        _ => return Err(DecodeError::InvalidSubscriptionOptions),
    };
    Ok(SubscriptionOptions {
        qos: QoS::from_u8(byte & QOS).ok_or(DecodeError::InvalidQos)?,
        no_local: byte & NO_LOCAL != 0,
        retain_as_published: byte & RETAIN_AS_PUBLISHED != 0,
        retain_handling,
    })
}

/// The options byte; 3.1/3.1.1 have only the QoS.
fn options_byte(options: &SubscriptionOptions, version: ProtocolVersion) -> u8 {
    let mut byte = options.qos as u8;
    if version.is_v5() {
        byte |= (options.retain_handling as u8) << RETAIN_HANDLING_SHIFT;
        if options.no_local {
            byte |= NO_LOCAL;
        }
        if options.retain_as_published {
            byte |= RETAIN_AS_PUBLISHED;
        }
    }
    byte
}

pub(crate) fn decode_subscribe<'a>(
    r: &mut Reader<'a>,
    version: ProtocolVersion,
) -> Result<Subscribe<'a>, DecodeError> {
    let packet_id = r.packet_id()?;
    let properties = properties_of(r, PacketType::Subscribe, version)?;
    let mut subscriptions = Vec::new();
    while !r.is_empty() {
        let filter = Cow::Borrowed(r.string()?);
        let options = decode_options(r.u8()?, version)?;
        subscriptions.push(Subscription { filter, options });
    }
    if subscriptions.is_empty() {
        return Err(DecodeError::NoTopicFilters);
    }
    Ok(Subscribe {
        packet_id,
        properties,
        subscriptions,
    })
}

pub(crate) fn subscribe_len(s: &Subscribe<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    write::check_packet_id(s.packet_id)?;
    if s.subscriptions.is_empty() {
        return Err(EncodeError::NoTopicFilters);
    }
    let mut len = properties_len(&s.properties, PacketType::Subscribe, version)?.saturating_add(2);
    for subscription in &s.subscriptions {
        len = len
            .saturating_add(write::string_len(&subscription.filter)?)
            .saturating_add(1);
    }
    Ok(len)
}

pub(crate) fn write_subscribe(
    s: &Subscribe<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    write::u16(s.packet_id, out);
    write_properties(&s.properties, PacketType::Subscribe, version, out)?;
    for subscription in &s.subscriptions {
        write::string(&subscription.filter, out)?;
        out.push(options_byte(&subscription.options, version));
    }
    Ok(())
}

pub(crate) fn decode_suback<'a>(
    r: &mut Reader<'a>,
    version: ProtocolVersion,
) -> Result<SubAck<'a>, DecodeError> {
    let packet_id = r.packet_id()?;
    let properties = properties_of(r, PacketType::SubAck, version)?;
    let codes = r.rest().iter().map(|&code| ReasonCode(code)).collect();
    Ok(SubAck {
        packet_id,
        properties,
        codes,
    })
}

pub(crate) fn suback_len(s: &SubAck<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    write::check_packet_id(s.packet_id)?;
    let properties = properties_len(&s.properties, PacketType::SubAck, version)?;
    Ok(properties.saturating_add(2).saturating_add(s.codes.len()))
}

pub(crate) fn write_suback(
    s: &SubAck<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    write::u16(s.packet_id, out);
    write_properties(&s.properties, PacketType::SubAck, version, out)?;
    out.extend(s.codes.iter().map(|code| code.0));
    Ok(())
}

pub(crate) fn decode_unsubscribe<'a>(
    r: &mut Reader<'a>,
    version: ProtocolVersion,
) -> Result<Unsubscribe<'a>, DecodeError> {
    let packet_id = r.packet_id()?;
    let properties = properties_of(r, PacketType::Unsubscribe, version)?;
    let mut filters = Vec::new();
    while !r.is_empty() {
        filters.push(Cow::Borrowed(r.string()?));
    }
    if filters.is_empty() {
        return Err(DecodeError::NoTopicFilters);
    }
    Ok(Unsubscribe {
        packet_id,
        properties,
        filters,
    })
}

pub(crate) fn unsubscribe_len(u: &Unsubscribe<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    write::check_packet_id(u.packet_id)?;
    if u.filters.is_empty() {
        return Err(EncodeError::NoTopicFilters);
    }
    let mut len = properties_len(&u.properties, PacketType::Unsubscribe, version)?.saturating_add(2);
    for filter in &u.filters {
        len = len.saturating_add(write::string_len(filter)?);
    }
    Ok(len)
}

pub(crate) fn write_unsubscribe(
    u: &Unsubscribe<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    write::u16(u.packet_id, out);
    write_properties(&u.properties, PacketType::Unsubscribe, version, out)?;
    for filter in &u.filters {
        write::string(filter, out)?;
    }
    Ok(())
}

/// UNSUBACK: 3.1/3.1.1 carry only the packet identifier.
pub(crate) fn decode_unsuback<'a>(
    r: &mut Reader<'a>,
    version: ProtocolVersion,
) -> Result<UnsubAck<'a>, DecodeError> {
    let packet_id = r.packet_id()?;
    let properties = properties_of(r, PacketType::UnsubAck, version)?;
    let codes = if version.is_v5() {
        r.rest().iter().map(|&code| ReasonCode(code)).collect()
    } else {
        Vec::new()
    };
    r.finish()?;
    Ok(UnsubAck {
        packet_id,
        properties,
        codes,
    })
}

pub(crate) fn unsuback_len(u: &UnsubAck<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    write::check_packet_id(u.packet_id)?;
    if !version.is_v5() {
        return Ok(2);
    }
    let properties = properties_len(&u.properties, PacketType::UnsubAck, version)?;
    Ok(properties.saturating_add(2).saturating_add(u.codes.len()))
}

pub(crate) fn write_unsuback(
    u: &UnsubAck<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    write::u16(u.packet_id, out);
    if version.is_v5() {
        write_properties(&u.properties, PacketType::UnsubAck, version, out)?;
        out.extend(u.codes.iter().map(|code| code.0));
    }
    Ok(())
}
