//! The encoder: size and validate first, then write in one pass straight into the caller's
//! buffer.

use super::error::EncodeError;
use super::packet::{Packet, PacketType, ProtocolVersion};
use super::{EncodeOptions, MAX_REMAINING_LENGTH, ack, connect, disconnect, publish, subscribe, varint};
use crate::prelude::*;

/// Appends `packet` to `out` and returns how many bytes were written.
///
/// CONNECT is written for its own `protocol`; every other packet for `opts.version`, leaving out
/// what that version cannot carry (properties and reason codes before MQTT 5). On error `out`
/// is left as it was.
pub fn encode(packet: &Packet<'_>, opts: &EncodeOptions, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
    let version = version_of(packet, opts);
    let (size, remaining) = sized(packet, version, opts)?;
    let start = out.len();
    out.reserve(size);
    out.push(first_byte(packet));
    varint::write(remaining, out);
    if let Err(error) = write_body(packet, version, out) {
        out.truncate(start);
        return Err(error);
    }
    debug_assert_eq!(
        out.len().saturating_sub(start),
        size,
        "sizing and writing disagree for {packet:?}"
    );
    Ok(size)
}

/// The number of bytes `encode` would write for `packet`, with the same checks.
pub fn encoded_len(packet: &Packet<'_>, opts: &EncodeOptions) -> Result<usize, EncodeError> {
    let (size, _) = sized(packet, version_of(packet, opts), opts)?;
    Ok(size)
}

fn version_of(packet: &Packet<'_>, opts: &EncodeOptions) -> ProtocolVersion {
    match packet {
        Packet::Connect(connect) => connect.protocol,
        _ => opts.version,
    }
}

/// The total size and the remaining length, once both limits are checked.
fn sized(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    opts: &EncodeOptions,
) -> Result<(usize, u32), EncodeError> {
    let remaining = body_len(packet, version)?;
    let size = remaining.saturating_add(varint::len(remaining)).saturating_add(1);
    let max = opts.max_packet_size.min(MAX_REMAINING_LENGTH.saturating_add(5));
    match u32::try_from(remaining) {
        Ok(remaining) if remaining <= varint::MAX && size <= opts.max_packet_size => Ok((size, remaining)),
        _ => Err(EncodeError::PacketTooLarge { size, max }),
    }
}

fn first_byte(packet: &Packet<'_>) -> u8 {
    let packet_type = packet.packet_type();
    let flags = match packet {
        Packet::Publish(publish) => publish::flags(publish),
        _ => packet_type.fixed_flags(),
    };
    ((packet_type as u8) << 4) | flags
}

fn body_len(packet: &Packet<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    match packet {
        Packet::Connect(c) => connect::connect_len(c),
        Packet::ConnAck(c) => connect::connack_len(c, version),
        Packet::Publish(p) => publish::body_len(p, version),
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            ack::body_len(a, packet.packet_type(), version)
        }
        Packet::Subscribe(s) => subscribe::subscribe_len(s, version),
        Packet::SubAck(s) => subscribe::suback_len(s, version),
        Packet::Unsubscribe(u) => subscribe::unsubscribe_len(u, version),
        Packet::UnsubAck(u) => subscribe::unsuback_len(u, version),
        Packet::PingReq | Packet::PingResp => Ok(0),
        Packet::Disconnect(d) => {
            disconnect::body_len(d.reason, &d.properties, PacketType::Disconnect, version)
        }
        Packet::Auth(_) if !version.is_v5() => Err(EncodeError::NotInThisVersion),
        Packet::Auth(a) => disconnect::body_len(a.reason, &a.properties, PacketType::Auth, version),
    }
}

fn write_body(packet: &Packet<'_>, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match packet {
        Packet::Connect(c) => connect::write_connect(c, out),
        Packet::ConnAck(c) => connect::write_connack(c, version, out),
        Packet::Publish(p) => publish::write_body(p, version, out),
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            ack::write_body(a, packet.packet_type(), version, out)
        }
        Packet::Subscribe(s) => subscribe::write_subscribe(s, version, out),
        Packet::SubAck(s) => subscribe::write_suback(s, version, out),
        Packet::Unsubscribe(u) => subscribe::write_unsubscribe(u, version, out),
        Packet::UnsubAck(u) => subscribe::write_unsuback(u, version, out),
        Packet::PingReq | Packet::PingResp => Ok(()),
        Packet::Disconnect(d) => {
            disconnect::write_body(d.reason, &d.properties, PacketType::Disconnect, version, out)
        }
        Packet::Auth(a) => disconnect::write_body(a.reason, &a.properties, PacketType::Auth, version, out),
    }
}
