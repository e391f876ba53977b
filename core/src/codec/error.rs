//! Codec errors: small, `Copy`, and each names the wire rule that was broken.
//! "Need more bytes" is not here: it is `Status::Incomplete`.

use core::fmt;

use super::packet::PacketType;

/// Why bytes could not be decoded as a packet. Any of these closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecodeError {
    /// Packet type 0, or 15 (AUTH) before MQTT 5.
    InvalidPacketType(u8),
    /// The fixed-header flags are not the ones this packet type requires.
    InvalidHeaderFlags { packet_type: PacketType, flags: u8 },
    /// The QoS bits of a PUBLISH (or will, or subscription) are `11`.
    InvalidQos,
    /// DUP is set on a QoS 0 PUBLISH.
    DupOnQos0,
    /// The remaining length has a continuation bit on its fourth byte.
    RemainingLengthTooLong,
    /// MQTT 5: the remaining length (or another variable byte integer) is not minimally encoded.
    NonMinimalVarInt,
    /// The packet is larger than the configured maximum packet size.
    PacketTooLarge { size: usize, max: usize },
    /// The remaining length ends before a field that must be there.
    Truncated,
    /// Bytes are left over after the last field of a packet that cannot have more.
    TrailingBytes,
    /// A string is not well-formed UTF-8 (which includes surrogate code points).
    InvalidUtf8,
    /// A string contains U+0000.
    NullCharacter,
    /// CONNECT names a protocol other than `MQTT` or `MQIsdp`, or pairs a name with the wrong level.
    InvalidProtocolName,
    /// CONNECT carries a protocol level this crate does not speak.
    UnsupportedProtocolLevel(u8),
    /// A CONNECT flag combination the spec forbids (reserved bit, will flags without will, …).
    InvalidConnectFlags,
    /// CONNACK's acknowledge flags have reserved bits set.
    InvalidConnAckFlags,
    /// A packet identifier of 0 where one is required.
    ZeroPacketId,
    /// SUBSCRIBE or UNSUBSCRIBE with no topic filter.
    NoTopicFilters,
    /// Reserved bits set in a SUBSCRIBE options byte, or retain handling 3.
    InvalidSubscriptionOptions,
    /// A property identifier that MQTT 5 does not define.
    UnknownProperty(u8),
    /// A property this packet type may not carry.
    PropertyNotAllowed { property: u8, packet_type: PacketType },
    /// A single-valued property appears twice.
    DuplicateProperty(u8),
    /// A property value out of its range (0 where 0 is forbidden, a byte that is not 0 or 1, …).
    InvalidPropertyValue(u8),
    /// A topic name (PUBLISH, will) contains a wildcard `+` or `#`.
    InvalidTopicName,
    /// A variable byte integer inside the packet (property length, subscription identifier) has
    /// a continuation bit on its fourth byte.
    VarIntTooLong,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidPacketType(t) => write!(f, "invalid packet type {t}"),
            Self::InvalidHeaderFlags { packet_type, flags } => {
                write!(f, "invalid fixed-header flags {flags:#06b} for {packet_type:?}")
            }
            Self::InvalidQos => f.write_str("QoS bits are 11"),
            Self::DupOnQos0 => f.write_str("DUP set on a QoS 0 PUBLISH"),
            Self::RemainingLengthTooLong => f.write_str("remaining length longer than 4 bytes"),
            Self::NonMinimalVarInt => f.write_str("variable byte integer not minimally encoded"),
            Self::PacketTooLarge { size, max } => {
                write!(
                    f,
                    "packet of {size} bytes exceeds the maximum packet size of {max}"
                )
            }
            Self::Truncated => f.write_str("packet ends before a required field"),
            Self::TrailingBytes => f.write_str("unexpected bytes after the last field"),
            Self::InvalidUtf8 => f.write_str("string is not well-formed UTF-8"),
            Self::NullCharacter => f.write_str("string contains U+0000"),
            Self::InvalidProtocolName => f.write_str("invalid protocol name"),
            Self::UnsupportedProtocolLevel(level) => write!(f, "unsupported protocol level {level}"),
            Self::InvalidConnectFlags => f.write_str("invalid CONNECT flags"),
            Self::InvalidConnAckFlags => f.write_str("invalid CONNACK flags"),
            Self::ZeroPacketId => f.write_str("packet identifier 0"),
            Self::NoTopicFilters => f.write_str("no topic filter"),
            Self::InvalidSubscriptionOptions => f.write_str("invalid subscription options"),
            Self::UnknownProperty(id) => write!(f, "unknown property {id:#04x}"),
            Self::PropertyNotAllowed {
                property,
                packet_type,
            } => {
                write!(f, "property {property:#04x} not allowed in {packet_type:?}")
            }
            Self::DuplicateProperty(id) => write!(f, "property {id:#04x} appears twice"),
            Self::InvalidPropertyValue(id) => write!(f, "invalid value for property {id:#04x}"),
            Self::InvalidTopicName => f.write_str("topic name contains a wildcard"),
            Self::VarIntTooLong => f.write_str("variable byte integer longer than 4 bytes"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a packet could not be encoded. Nothing is written when encoding fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncodeError {
    /// A string or binary field is longer than 65,535 bytes.
    StringTooLong,
    /// A string contains U+0000.
    NullCharacter,
    /// The whole packet would exceed the maximum packet size (or the 268,435,455-byte limit).
    PacketTooLarge { size: usize, max: usize },
    /// A packet identifier of 0 where one is required (QoS > 0 PUBLISH, SUBSCRIBE, …).
    ZeroPacketId,
    /// SUBSCRIBE or UNSUBSCRIBE without a topic filter.
    NoTopicFilters,
    /// AUTH cannot be sent before MQTT 5.
    NotInThisVersion,
    /// A property value that cannot be encoded (0 where 0 is forbidden, …).
    InvalidPropertyValue(u8),
    /// A property this packet type (or a will) may not carry; the decoder would reject it.
    PropertyNotAllowed { property: u8, packet_type: PacketType },
    /// A property that may appear once appears more often (a second SUBSCRIBE subscription
    /// identifier: the other single-valued properties are `Option`s and cannot repeat).
    DuplicateProperty(u8),
    /// A topic name (PUBLISH, will) contains a wildcard `+` or `#`.
    InvalidTopicName,
    /// A CONNECT the version forbids: a password without a user name in 3.1.1.
    InvalidConnectFlags,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::StringTooLong => f.write_str("string longer than 65535 bytes"),
            Self::NullCharacter => f.write_str("string contains U+0000"),
            Self::PacketTooLarge { size, max } => {
                write!(
                    f,
                    "packet of {size} bytes exceeds the maximum packet size of {max}"
                )
            }
            Self::ZeroPacketId => f.write_str("packet identifier 0"),
            Self::NoTopicFilters => f.write_str("no topic filter"),
            Self::NotInThisVersion => f.write_str("packet type does not exist in this protocol version"),
            Self::InvalidPropertyValue(id) => write!(f, "invalid value for property {id:#04x}"),
            Self::PropertyNotAllowed {
                property,
                packet_type,
            } => {
                write!(f, "property {property:#04x} not allowed in {packet_type:?}")
            }
            Self::DuplicateProperty(id) => write!(f, "property {id:#04x} appears twice"),
            Self::InvalidTopicName => f.write_str("topic name contains a wildcard"),
            Self::InvalidConnectFlags => f.write_str("password without user name"),
        }
    }
}

impl core::error::Error for EncodeError {}
