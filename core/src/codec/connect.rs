//! CONNECT and CONNACK (MQTT 5 §3.1–3.2, 3.1.1 §3.1–3.2, 3.1 §3.1–3.2).

use crate::prelude::*;
use alloc::borrow::Cow;

use super::error::{DecodeError, EncodeError};
use super::packet::{ConnAck, Connect, PacketType, ProtocolVersion, QoS, Will};
use super::properties::{Holder, Properties};
use super::read::Reader;
use super::reason::ReasonCode;
use super::write;

const CLEAN_START: u8 = 0b0000_0010;
const WILL_FLAG: u8 = 0b0000_0100;
const WILL_QOS_SHIFT: u8 = 3;
const WILL_QOS: u8 = 0b0001_1000;
const WILL_RETAIN: u8 = 0b0010_0000;
const PASSWORD: u8 = 0b0100_0000;
const USERNAME: u8 = 0b1000_0000;
const RESERVED: u8 = 0b0000_0001;

const CONNECT_PROPERTIES: Holder = Holder::Packet(PacketType::Connect);
const CONNACK_PROPERTIES: Holder = Holder::Packet(PacketType::ConnAck);

/// Reads a CONNECT body. The version comes from the packet itself, not from the connection.
pub(crate) fn decode_connect<'a>(r: &mut Reader<'a>) -> Result<Connect<'a>, DecodeError> {
    let name = r.string()?;
    let level = r.u8()?;
    if name != "MQTT" && name != "MQIsdp" {
        return Err(DecodeError::InvalidProtocolName);
    }
    let protocol = ProtocolVersion::from_level(level).ok_or(DecodeError::UnsupportedProtocolLevel(level))?;
    if protocol.protocol_name() != name {
        return Err(DecodeError::InvalidProtocolName);
    }

    let flags = r.u8()?;
    let has_will = flags & WILL_FLAG != 0;
    let will_qos =
        QoS::from_u8((flags & WILL_QOS) >> WILL_QOS_SHIFT).ok_or(DecodeError::InvalidConnectFlags)?;
    let will_retain = flags & WILL_RETAIN != 0;
    let has_username = flags & USERNAME != 0;
    let has_password = flags & PASSWORD != 0;
    if flags & RESERVED != 0
        || (!has_will && (will_qos != QoS::AtMostOnce || will_retain))
        || (protocol == ProtocolVersion::V3_1_1 && has_password && !has_username)
    {
        return Err(DecodeError::InvalidConnectFlags);
    }

    let keep_alive = r.u16()?;
    let properties = if protocol.is_v5() {
        Properties::decode(r, CONNECT_PROPERTIES)?
    } else {
        Properties::default()
    };
    let client_id = Cow::Borrowed(r.string()?);
    let will = if has_will {
        let properties = if protocol.is_v5() {
            Properties::decode(r, Holder::Will)?
        } else {
            Properties::default()
        };
        let topic = Cow::Borrowed(r.topic_name()?);
        let payload = Cow::Borrowed(r.binary()?);
        Some(Will {
            topic,
            payload,
            qos: will_qos,
            retain: will_retain,
            properties,
        })
    } else {
        None
    };
    let username = if has_username {
        Some(Cow::Borrowed(r.string()?))
    } else {
        None
    };
    let password = if has_password {
        Some(Cow::Borrowed(r.binary()?))
    } else {
        None
    };
    r.finish()?;
    Ok(Connect {
        protocol,
        clean_start: flags & CLEAN_START != 0,
        keep_alive,
        client_id,
        will,
        username,
        password,
        properties,
    })
}

fn connect_flags(c: &Connect<'_>) -> u8 {
    let mut flags = 0;
    if c.clean_start {
        flags |= CLEAN_START;
    }
    if let Some(will) = &c.will {
        flags |= WILL_FLAG | ((will.qos as u8) << WILL_QOS_SHIFT);
        if will.retain {
            flags |= WILL_RETAIN;
        }
    }
    if c.password.is_some() {
        flags |= PASSWORD;
    }
    if c.username.is_some() {
        flags |= USERNAME;
    }
    flags
}

/// The size of a CONNECT body, written for `c.protocol`.
pub(crate) fn connect_len(c: &Connect<'_>) -> Result<usize, EncodeError> {
    let v5 = c.protocol.is_v5();
    if c.protocol == ProtocolVersion::V3_1_1 && c.password.is_some() && c.username.is_none() {
        return Err(EncodeError::InvalidConnectFlags);
    }
    // Protocol name, level, flags, keep alive.
    let mut len = write::string_len(c.protocol.protocol_name())?.saturating_add(4);
    if v5 {
        len = len.saturating_add(c.properties.encoded_len(CONNECT_PROPERTIES)?);
    }
    len = len.saturating_add(write::string_len(&c.client_id)?);
    if let Some(will) = &c.will {
        if v5 {
            len = len.saturating_add(will.properties.encoded_len(Holder::Will)?);
        }
        len = len.saturating_add(write::topic_name_len(&will.topic)?);
        len = len.saturating_add(write::binary_len(&will.payload)?);
    }
    if let Some(username) = &c.username {
        len = len.saturating_add(write::string_len(username)?);
    }
    if let Some(password) = &c.password {
        len = len.saturating_add(write::binary_len(password)?);
    }
    Ok(len)
}

pub(crate) fn write_connect(c: &Connect<'_>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let v5 = c.protocol.is_v5();
    write::string(c.protocol.protocol_name(), out)?;
    out.push(c.protocol.level());
    out.push(connect_flags(c));
    write::u16(c.keep_alive, out);
    if v5 {
        c.properties.write(CONNECT_PROPERTIES, out)?;
    }
    write::string(&c.client_id, out)?;
    if let Some(will) = &c.will {
        if v5 {
            will.properties.write(Holder::Will, out)?;
        }
        write::string(&will.topic, out)?;
        write::binary(&will.payload, out)?;
    }
    if let Some(username) = &c.username {
        write::string(username, out)?;
    }
    if let Some(password) = &c.password {
        write::binary(password, out)?;
    }
    Ok(())
}

/// Reads a CONNACK body.
pub(crate) fn decode_connack<'a>(
    r: &mut Reader<'a>,
    version: ProtocolVersion,
) -> Result<ConnAck<'a>, DecodeError> {
    let flags = r.u8()?;
    // 3.1 has no session present flag: the whole byte is "reserved, not used", so it is ignored.
    let session_present = match version {
        ProtocolVersion::V3_1 => false,
        _ if flags & !1 != 0 => return Err(DecodeError::InvalidConnAckFlags),
        _ => flags & 1 != 0,
    };
    let code = ReasonCode(r.u8()?);
    let properties = if version.is_v5() {
        Properties::decode(r, CONNACK_PROPERTIES)?
    } else {
        Properties::default()
    };
    r.finish()?;
    Ok(ConnAck {
        session_present,
        code,
        properties,
    })
}

pub(crate) fn connack_len(c: &ConnAck<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    let properties = if version.is_v5() {
        c.properties.encoded_len(CONNACK_PROPERTIES)?
    } else {
        0
    };
    Ok(properties.saturating_add(2))
}

pub(crate) fn write_connack(
    c: &ConnAck<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    out.push(u8::from(c.session_present && version != ProtocolVersion::V3_1));
    out.push(c.code.0);
    if version.is_v5() {
        c.properties.write(CONNACK_PROPERTIES, out)?;
    }
    Ok(())
}
