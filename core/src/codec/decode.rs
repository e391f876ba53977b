//! The incremental decoder: the fixed header is checked as soon as its bytes are there, the body
//! once the whole packet has arrived.

use super::error::DecodeError;
use super::packet::{Auth, Disconnect, Packet, PacketType, ProtocolVersion};
use super::read::Reader;
use super::varint::{self, VarIntError};
use super::{DecodeOptions, Status, ack, connect, disconnect, publish, subscribe};
use crate::prelude::*;

/// Decodes one packet from the start of `buf`.
///
/// Returns `Status::Incomplete` while `buf` holds only a prefix of a packet, and
/// `Status::Complete(packet, consumed)` once it holds all of one; bytes after `consumed` belong
/// to the next packet. Strings and binaries in the packet borrow from `buf`.
///
/// CONNECT is read by its own protocol name and level; every other packet per `opts.version`.
/// A packet larger than `opts.max_packet_size` is rejected as soon as its fixed header is read.
pub fn decode<'a>(buf: &'a [u8], opts: &DecodeOptions) -> Result<Status<Packet<'a>>, DecodeError> {
    let Some((&first, after_first)) = buf.split_first() else {
        return Ok(Status::Incomplete);
    };
    let packet_type = packet_type(first >> 4, opts.version)?;
    let flags = first & 0x0F;
    check_flags(packet_type, flags)?;

    let length = match varint::decode(after_first) {
        Ok(length) => length,
        Err(VarIntError::Incomplete) => return Ok(Status::Incomplete),
        Err(VarIntError::TooLong) => return Err(DecodeError::RemainingLengthTooLong),
    };
    // CONNECT's version is only known from its body; it is checked below.
    if !length.minimal && opts.version.is_v5() && packet_type != PacketType::Connect {
        return Err(DecodeError::NonMinimalVarInt);
    }
    let header_len = length.len.saturating_add(1);
    let size = header_len.saturating_add(length.value as usize);
    if size > opts.max_packet_size {
        return Err(DecodeError::PacketTooLarge {
            size,
            max: opts.max_packet_size,
        });
    }
    let Some(body) = buf.get(header_len..size) else {
        return Ok(Status::Incomplete);
    };

    let packet = decode_body(&mut Reader::new(body), packet_type, flags, opts.version)?;
    if let Packet::Connect(connect) = &packet {
        if connect.protocol.is_v5() && !length.minimal {
            return Err(DecodeError::NonMinimalVarInt);
        }
    }
    Ok(Status::Complete(packet, size))
}

fn packet_type(value: u8, version: ProtocolVersion) -> Result<PacketType, DecodeError> {
    match PacketType::from_u8(value) {
        Some(PacketType::Auth) if !version.is_v5() => Err(DecodeError::InvalidPacketType(value)),
        Some(packet_type) => Ok(packet_type),
        None => Err(DecodeError::InvalidPacketType(value)),
    }
}

/// The fixed-header flags: PUBLISH's carry DUP/QoS/RETAIN, the others are fixed.
fn check_flags(packet_type: PacketType, flags: u8) -> Result<(), DecodeError> {
    if packet_type == PacketType::Publish {
        return publish::parse_flags(flags).map(|_| ());
    }
    if flags != packet_type.fixed_flags() {
        return Err(DecodeError::InvalidHeaderFlags { packet_type, flags });
    }
    Ok(())
}

fn decode_body<'a>(
    r: &mut Reader<'a>,
    packet_type: PacketType,
    flags: u8,
    version: ProtocolVersion,
) -> Result<Packet<'a>, DecodeError> {
    Ok(match packet_type {
        PacketType::Connect => Packet::Connect(Box::new(connect::decode_connect(r)?)),
        PacketType::ConnAck => Packet::ConnAck(connect::decode_connack(r, version)?),
        PacketType::Publish => Packet::Publish(publish::decode(r, flags, version)?),
        PacketType::PubAck => Packet::PubAck(ack::decode(r, packet_type, version)?),
        PacketType::PubRec => Packet::PubRec(ack::decode(r, packet_type, version)?),
        PacketType::PubRel => Packet::PubRel(ack::decode(r, packet_type, version)?),
        PacketType::PubComp => Packet::PubComp(ack::decode(r, packet_type, version)?),
        PacketType::Subscribe => Packet::Subscribe(subscribe::decode_subscribe(r, version)?),
        PacketType::SubAck => Packet::SubAck(subscribe::decode_suback(r, version)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(subscribe::decode_unsubscribe(r, version)?),
        PacketType::UnsubAck => Packet::UnsubAck(subscribe::decode_unsuback(r, version)?),
        PacketType::PingReq => {
            r.finish()?;
            Packet::PingReq
        }
        PacketType::PingResp => {
            r.finish()?;
            Packet::PingResp
        }
        PacketType::Disconnect => {
            let (reason, properties) = disconnect::decode(r, packet_type, version)?;
            Packet::Disconnect(Disconnect { reason, properties })
        }
        PacketType::Auth => {
            let (reason, properties) = disconnect::decode(r, packet_type, version)?;
            Packet::Auth(Auth { reason, properties })
        }
    })
}
