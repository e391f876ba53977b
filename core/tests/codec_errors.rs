//! Malformed input and unencodable packets: one row per wire rule, each asserting the exact
//! named error. Encoding errors must also leave the output buffer untouched.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::borrow::Cow;

use DecodeError as D;
use ProtocolVersion::{V3_1, V3_1_1, V5};
use scratch_mqtt_core::codec::{
    Ack, Auth, ConnAck, Connect, DecodeError, DecodeOptions, Disconnect, EncodeError, EncodeOptions,
    MAX_REMAINING_LENGTH, Packet, PacketType, Properties, ProtocolVersion, Publish, QoS, ReasonCode, Status,
    Subscribe, Subscription, SubscriptionOptions, Unsubscribe, Will, decode, encode, encoded_len,
};

/// `(rule, version, bytes, error)`.
type Row = (&'static str, ProtocolVersion, &'static [u8], DecodeError);

const HEADER_ROWS: &[Row] = &[
    (
        "packet type 0 is reserved",
        V3_1_1,
        &[0x00, 0x00],
        D::InvalidPacketType(0),
    ),
    (
        "AUTH does not exist in 3.1.1",
        V3_1_1,
        &[0xF0, 0x00],
        D::InvalidPacketType(15),
    ),
    (
        "AUTH does not exist in 3.1",
        V3_1,
        &[0xF0, 0x00],
        D::InvalidPacketType(15),
    ),
    (
        "remaining length of 5 bytes",
        V3_1_1,
        &[0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        D::RemainingLengthTooLong,
    ),
    (
        "4th length byte continues",
        V5,
        &[0x30, 0x80, 0x80, 0x80, 0x80],
        D::RemainingLengthTooLong,
    ),
    (
        "v5 non-minimal remaining length",
        V5,
        &[0xC0, 0x80, 0x00],
        D::NonMinimalVarInt,
    ),
    (
        "v5 CONNECT non-minimal remaining length",
        V3_1_1, // CONNECT is judged by its own level byte
        &[
            0x10, 0x8D, 0x00, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x00,
        ],
        D::NonMinimalVarInt,
    ),
    (
        "CONNECT flags",
        V3_1_1,
        &[0x11, 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::Connect,
            flags: 1,
        },
    ),
    (
        "CONNACK flags",
        V3_1_1,
        &[0x28, 0x02, 0x00, 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::ConnAck,
            flags: 8,
        },
    ),
    (
        "PUBACK flags",
        V3_1_1,
        &[0x42, 0x02, 0x00, 0x01],
        D::InvalidHeaderFlags {
            packet_type: PacketType::PubAck,
            flags: 2,
        },
    ),
    (
        "PUBREC flags",
        V5,
        &[0x51, 0x02, 0x00, 0x01],
        D::InvalidHeaderFlags {
            packet_type: PacketType::PubRec,
            flags: 1,
        },
    ),
    (
        "PUBREL without its 0b0010",
        V3_1_1,
        &[0x60, 0x02, 0x00, 0x01],
        D::InvalidHeaderFlags {
            packet_type: PacketType::PubRel,
            flags: 0,
        },
    ),
    (
        "PUBCOMP flags",
        V3_1_1,
        &[0x74, 0x02, 0x00, 0x01],
        D::InvalidHeaderFlags {
            packet_type: PacketType::PubComp,
            flags: 4,
        },
    ),
    (
        "SUBSCRIBE without its 0b0010",
        V3_1_1,
        &[0x80, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::Subscribe,
            flags: 0,
        },
    ),
    (
        "SUBACK flags",
        V3_1_1,
        &[0x92, 0x03, 0x00, 0x01, 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::SubAck,
            flags: 2,
        },
    ),
    (
        "UNSUBSCRIBE with 0b0011",
        V3_1_1,
        &[0xA3, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'],
        D::InvalidHeaderFlags {
            packet_type: PacketType::Unsubscribe,
            flags: 3,
        },
    ),
    (
        "UNSUBACK flags",
        V3_1_1,
        &[0xB2, 0x02, 0x00, 0x01],
        D::InvalidHeaderFlags {
            packet_type: PacketType::UnsubAck,
            flags: 2,
        },
    ),
    (
        "PINGREQ flags",
        V3_1_1,
        &[0xC2, 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::PingReq,
            flags: 2,
        },
    ),
    (
        "PINGRESP flags",
        V3_1_1,
        &[0xD1, 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::PingResp,
            flags: 1,
        },
    ),
    (
        "DISCONNECT flags",
        V3_1_1,
        &[0xE2, 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::Disconnect,
            flags: 2,
        },
    ),
    (
        "AUTH flags",
        V5,
        &[0xF2, 0x00],
        D::InvalidHeaderFlags {
            packet_type: PacketType::Auth,
            flags: 2,
        },
    ),
    (
        "flags are checked before the body",
        V5,
        &[0x60],
        D::InvalidHeaderFlags {
            packet_type: PacketType::PubRel,
            flags: 0,
        },
    ),
    (
        "PUBLISH QoS 3",
        V3_1_1,
        &[0x36, 0x03, 0x00, 0x01, b't'],
        D::InvalidQos,
    ),
    (
        "PUBLISH DUP at QoS 0",
        V3_1_1,
        &[0x38, 0x03, 0x00, 0x01, b't'],
        D::DupOnQos0,
    ),
];

const PACKET_ID_ROWS: &[Row] = &[
    (
        "PUBLISH QoS 1 id 0",
        V3_1_1,
        &[0x32, 0x05, 0x00, 0x01, b't', 0x00, 0x00],
        D::ZeroPacketId,
    ),
    (
        "PUBLISH QoS 2 id 0",
        V5,
        &[0x34, 0x06, 0x00, 0x01, b't', 0x00, 0x00, 0x00],
        D::ZeroPacketId,
    ),
    ("PUBACK id 0", V3_1_1, &[0x40, 0x02, 0x00, 0x00], D::ZeroPacketId),
    ("PUBREC id 0", V5, &[0x50, 0x02, 0x00, 0x00], D::ZeroPacketId),
    ("PUBREL id 0", V3_1, &[0x62, 0x02, 0x00, 0x00], D::ZeroPacketId),
    (
        "PUBCOMP id 0",
        V5,
        &[0x70, 0x03, 0x00, 0x00, 0x00],
        D::ZeroPacketId,
    ),
    (
        "SUBSCRIBE id 0",
        V3_1_1,
        &[0x82, 0x06, 0x00, 0x00, 0x00, 0x01, b'a', 0x00],
        D::ZeroPacketId,
    ),
    (
        "SUBACK id 0",
        V3_1_1,
        &[0x90, 0x03, 0x00, 0x00, 0x00],
        D::ZeroPacketId,
    ),
    (
        "UNSUBSCRIBE id 0",
        V3_1_1,
        &[0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, b'a'],
        D::ZeroPacketId,
    ),
    (
        "UNSUBACK id 0",
        V3_1_1,
        &[0xB0, 0x02, 0x00, 0x00],
        D::ZeroPacketId,
    ),
];

const STRING_ROWS: &[Row] = &[
    (
        "invalid UTF-8 sequence",
        V3_1_1,
        &[0x30, 0x04, 0x00, 0x02, 0xC3, 0x28],
        D::InvalidUtf8,
    ),
    (
        "UTF-8 encoded surrogate U+D800",
        V3_1_1,
        &[0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80],
        D::InvalidUtf8,
    ),
    (
        "overlong encoding of '/'",
        V5,
        &[0x30, 0x05, 0x00, 0x02, 0xC0, 0xAF, 0x00],
        D::InvalidUtf8,
    ),
    (
        "U+0000 in a topic",
        V3_1_1,
        &[0x30, 0x05, 0x00, 0x03, b'a', 0x00, b'b'],
        D::NullCharacter,
    ),
    (
        "U+0000 in a filter",
        V3_1_1,
        &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00],
        D::NullCharacter,
    ),
    (
        "U+0000 in a user property",
        V5,
        &[0xE0, 0x09, 0x00, 0x07, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, 0x00],
        D::NullCharacter,
    ),
    (
        "'+' in a PUBLISH topic",
        V3_1_1,
        &[0x30, 0x05, 0x00, 0x03, b'a', b'/', b'+'],
        D::InvalidTopicName,
    ),
    (
        "'#' in a PUBLISH topic",
        V5,
        &[0x30, 0x04, 0x00, 0x01, b'#', 0x00],
        D::InvalidTopicName,
    ),
    (
        "'#' in a will topic",
        V3_1_1,
        &[
            0x10, 0x11, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            b'#', 0x00, 0x00,
        ],
        D::InvalidTopicName,
    ),
];

/// CONNECT with 3.1.1's layout: name, level, `flags`, keep alive 0, client id "".
macro_rules! connect {
    ($name:expr, $level:expr, $flags:expr) => {
        &[
            0x10, 0x0C, 0x00, 0x04, $name[0], $name[1], $name[2], $name[3], $level, $flags, 0x00, 0x00, 0x00,
            0x00,
        ]
    };
}

const CONNECT_ROWS: &[Row] = &[
    (
        "protocol name MQTX",
        V3_1_1,
        connect!(b"MQTX", 4, 0x02),
        D::InvalidProtocolName,
    ),
    (
        "MQTT with level 3",
        V3_1_1,
        connect!(b"MQTT", 3, 0x02),
        D::InvalidProtocolName,
    ),
    (
        "MQIsdp with level 4",
        V3_1_1,
        &[
            0x10, 0x0E, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x04, 0x02, 0x00, 0x00, 0x00, 0x00,
        ],
        D::InvalidProtocolName,
    ),
    (
        "MQTT with level 6",
        V5,
        connect!(b"MQTT", 6, 0x02),
        D::UnsupportedProtocolLevel(6),
    ),
    (
        "MQTT with level 0",
        V5,
        connect!(b"MQTT", 0, 0x02),
        D::UnsupportedProtocolLevel(0),
    ),
    (
        "reserved connect flag",
        V3_1_1,
        connect!(b"MQTT", 4, 0x03),
        D::InvalidConnectFlags,
    ),
    (
        "reserved connect flag in 5.0",
        V5,
        connect!(b"MQTT", 5, 0x01),
        D::InvalidConnectFlags,
    ),
    (
        "will QoS 3",
        V3_1_1,
        connect!(b"MQTT", 4, 0x1E),
        D::InvalidConnectFlags,
    ),
    (
        "will QoS without will flag",
        V3_1_1,
        connect!(b"MQTT", 4, 0x0A),
        D::InvalidConnectFlags,
    ),
    (
        "will retain without will flag",
        V5,
        connect!(b"MQTT", 5, 0x22),
        D::InvalidConnectFlags,
    ),
    (
        "3.1.1 password without user name",
        V3_1_1,
        connect!(b"MQTT", 4, 0x42),
        D::InvalidConnectFlags,
    ),
    (
        "CONNACK reserved flag bits",
        V3_1_1,
        &[0x20, 0x02, 0x02, 0x00],
        D::InvalidConnAckFlags,
    ),
    (
        "CONNACK reserved flag bits in 5.0",
        V5,
        &[0x20, 0x03, 0x80, 0x00, 0x00],
        D::InvalidConnAckFlags,
    ),
];

const SUBSCRIBE_ROWS: &[Row] = &[
    (
        "SUBSCRIBE without filters",
        V3_1_1,
        &[0x82, 0x02, 0x00, 0x01],
        D::NoTopicFilters,
    ),
    (
        "SUBSCRIBE without filters in 5.0",
        V5,
        &[0x82, 0x03, 0x00, 0x01, 0x00],
        D::NoTopicFilters,
    ),
    (
        "UNSUBSCRIBE without filters",
        V3_1,
        &[0xA2, 0x02, 0x00, 0x01],
        D::NoTopicFilters,
    ),
    (
        "UNSUBSCRIBE without filters in 5.0",
        V5,
        &[0xA2, 0x03, 0x00, 0x01, 0x00],
        D::NoTopicFilters,
    ),
    (
        "3.1.1 options with the no-local bit",
        V3_1_1,
        &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x04],
        D::InvalidSubscriptionOptions,
    ),
    (
        "3.1.1 options with the top bit",
        V3_1_1,
        &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x80],
        D::InvalidSubscriptionOptions,
    ),
    (
        "5.0 options with a reserved bit",
        V5,
        &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x40],
        D::InvalidSubscriptionOptions,
    ),
    (
        "5.0 retain handling 3",
        V5,
        &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x30],
        D::InvalidSubscriptionOptions,
    ),
    (
        "3.1.1 subscription QoS 3",
        V3_1_1,
        &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x03],
        D::InvalidQos,
    ),
    (
        "5.0 subscription QoS 3",
        V5,
        &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x03],
        D::InvalidQos,
    ),
];

const PROPERTY_ROWS: &[Row] = &[
    (
        "unknown property 0x04",
        V5,
        &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x04, 0x00],
        D::UnknownProperty(0x04),
    ),
    (
        "unknown property 0x00",
        V5,
        &[0xE0, 0x03, 0x00, 0x01, 0x00],
        D::UnknownProperty(0x00),
    ),
    (
        "multi-byte property id",
        V5,
        &[0xE0, 0x04, 0x00, 0x02, 0x80, 0x01],
        D::UnknownProperty(0x80),
    ),
    (
        "topic alias in CONNECT",
        V5,
        &[
            0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01,
            0x00, 0x00,
        ],
        D::PropertyNotAllowed {
            property: 0x23,
            packet_type: PacketType::Connect,
        },
    ),
    (
        "will delay interval outside the will",
        V5,
        &[
            0x10, 0x12, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x00, 0x05, 0x18, 0x00, 0x00,
            0x00, 0x01, 0x00, 0x00,
        ],
        D::PropertyNotAllowed {
            property: 0x18,
            packet_type: PacketType::Connect,
        },
    ),
    (
        "session expiry interval in will properties",
        V5,
        &[
            0x10, 0x18, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
            0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b't', 0x00, 0x00,
        ],
        D::PropertyNotAllowed {
            property: 0x11,
            packet_type: PacketType::Connect,
        },
    ),
    (
        "reason string in PUBLISH",
        V5,
        &[0x30, 0x08, 0x00, 0x01, b't', 0x04, 0x1F, 0x00, 0x01, b'r'],
        D::PropertyNotAllowed {
            property: 0x1F,
            packet_type: PacketType::Publish,
        },
    ),
    (
        "subscription identifier in SUBACK",
        V5,
        &[0x90, 0x06, 0x00, 0x01, 0x02, 0x0B, 0x01, 0x00],
        D::PropertyNotAllowed {
            property: 0x0B,
            packet_type: PacketType::SubAck,
        },
    ),
    (
        "topic alias in DISCONNECT",
        V5,
        &[0xE0, 0x05, 0x00, 0x03, 0x23, 0x00, 0x01],
        D::PropertyNotAllowed {
            property: 0x23,
            packet_type: PacketType::Disconnect,
        },
    ),
    (
        "content type twice",
        V5,
        &[
            0x30, 0x0C, 0x00, 0x01, b't', 0x08, 0x03, 0x00, 0x01, b'a', 0x03, 0x00, 0x01, b'b',
        ],
        D::DuplicateProperty(0x03),
    ),
    (
        "reason string twice",
        V5,
        &[
            0xE0, 0x0A, 0x00, 0x08, 0x1F, 0x00, 0x01, b'a', 0x1F, 0x00, 0x01, b'b',
        ],
        D::DuplicateProperty(0x1F),
    ),
    (
        "two subscription identifiers in SUBSCRIBE",
        V5,
        &[
            0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, b'a', 0x00,
        ],
        D::DuplicateProperty(0x0B),
    ),
    (
        "payload format indicator 2",
        V5,
        &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x01, 0x02],
        D::InvalidPropertyValue(0x01),
    ),
    (
        "request problem information 2",
        V5,
        &[
            0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x00, 0x02, 0x17, 0x02, 0x00,
            0x00,
        ],
        D::InvalidPropertyValue(0x17),
    ),
    (
        "retain available 2",
        V5,
        &[0x20, 0x05, 0x00, 0x00, 0x02, 0x25, 0x02],
        D::InvalidPropertyValue(0x25),
    ),
    (
        "receive maximum 0",
        V5,
        &[0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00],
        D::InvalidPropertyValue(0x21),
    ),
    (
        "maximum packet size 0",
        V5,
        &[0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, 0x00],
        D::InvalidPropertyValue(0x27),
    ),
    (
        "topic alias 0",
        V5,
        &[0x30, 0x07, 0x00, 0x01, b't', 0x03, 0x23, 0x00, 0x00],
        D::InvalidPropertyValue(0x23),
    ),
    (
        "maximum QoS 2",
        V5,
        &[0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02],
        D::InvalidPropertyValue(0x24),
    ),
    (
        "subscription identifier 0",
        V5,
        &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x0B, 0x00],
        D::InvalidPropertyValue(0x0B),
    ),
    (
        "non-minimal property length",
        V5,
        &[0x40, 0x05, 0x00, 0x01, 0x00, 0x80, 0x00],
        D::NonMinimalVarInt,
    ),
    (
        "non-minimal subscription identifier",
        V5,
        &[0x30, 0x07, 0x00, 0x01, b't', 0x03, 0x0B, 0x81, 0x00],
        D::NonMinimalVarInt,
    ),
    (
        "property length of 5 bytes",
        V5,
        &[0xE0, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF],
        D::VarIntTooLong,
    ),
];

const LENGTH_ROWS: &[Row] = &[
    (
        "property length past the packet",
        V5,
        &[0xE0, 0x02, 0x00, 0x05],
        D::Truncated,
    ),
    (
        "property length cut by the packet",
        V5,
        &[0xE0, 0x02, 0x00, 0x80],
        D::Truncated,
    ),
    (
        "property value past the property length",
        V5,
        &[0xE0, 0x04, 0x00, 0x02, 0x11, 0x00],
        D::Truncated,
    ),
    (
        "topic past the remaining length",
        V3_1_1,
        &[0x30, 0x03, 0x00, 0x05, b't'],
        D::Truncated,
    ),
    (
        "PUBLISH QoS 1 without packet id",
        V3_1_1,
        &[0x32, 0x03, 0x00, 0x01, b't'],
        D::Truncated,
    ),
    ("PUBACK of 1 byte", V3_1_1, &[0x40, 0x01, 0x00], D::Truncated),
    ("CONNACK of 1 byte", V3_1_1, &[0x20, 0x01, 0x00], D::Truncated),
    (
        "5.0 CONNACK without property length",
        V5,
        &[0x20, 0x02, 0x00, 0x00],
        D::Truncated,
    ),
    (
        "CONNECT without client id",
        V3_1_1,
        &[
            0x10, 0x0A, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00,
        ],
        D::Truncated,
    ),
    (
        "CONNECT with will flag but no will",
        V3_1_1,
        connect!(b"MQTT", 4, 0x06),
        D::Truncated,
    ),
    (
        "CONNECT with user name flag but no user name",
        V3_1_1,
        connect!(b"MQTT", 4, 0x82),
        D::Truncated,
    ),
    (
        "filter without options byte",
        V3_1_1,
        &[0x82, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'],
        D::Truncated,
    ),
    (
        "PINGREQ with a body",
        V3_1_1,
        &[0xC0, 0x01, 0x00],
        D::TrailingBytes,
    ),
    ("PINGRESP with a body", V5, &[0xD0, 0x01, 0x00], D::TrailingBytes),
    (
        "3.1.1 PUBACK with a reason code",
        V3_1_1,
        &[0x40, 0x03, 0x00, 0x01, 0x00],
        D::TrailingBytes,
    ),
    (
        "3.1 PUBREL with a reason code",
        V3_1,
        &[0x62, 0x03, 0x00, 0x01, 0x00],
        D::TrailingBytes,
    ),
    (
        "3.1.1 CONNACK of 3 bytes",
        V3_1_1,
        &[0x20, 0x03, 0x00, 0x00, 0x00],
        D::TrailingBytes,
    ),
    (
        "3.1.1 UNSUBACK with codes",
        V3_1_1,
        &[0xB0, 0x03, 0x00, 0x01, 0x00],
        D::TrailingBytes,
    ),
    (
        "3.1.1 DISCONNECT with a body",
        V3_1_1,
        &[0xE0, 0x01, 0x00],
        D::TrailingBytes,
    ),
    (
        "CONNECT with a byte after the client id",
        V3_1_1,
        &[
            0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x00, 0xFF,
        ],
        D::TrailingBytes,
    ),
    (
        "5.0 PUBACK after its properties",
        V5,
        &[0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0xFF],
        D::TrailingBytes,
    ),
    (
        "5.0 CONNACK after its properties",
        V5,
        &[0x20, 0x04, 0x00, 0x00, 0x00, 0xFF],
        D::TrailingBytes,
    ),
    (
        "5.0 DISCONNECT after its properties",
        V5,
        &[0xE0, 0x03, 0x00, 0x00, 0xFF],
        D::TrailingBytes,
    ),
    (
        "5.0 AUTH after its properties",
        V5,
        &[0xF0, 0x03, 0x18, 0x00, 0xFF],
        D::TrailingBytes,
    ),
];

fn check_rows(rows: &[Row]) {
    for &(rule, version, bytes, error) in rows {
        assert_eq!(decode(bytes, &DecodeOptions::new(version)), Err(error), "{rule}");
    }
}

#[test]
fn fixed_header_rules() {
    check_rows(HEADER_ROWS);
}

#[test]
fn packet_identifier_rules() {
    check_rows(PACKET_ID_ROWS);
}

#[test]
fn string_and_topic_rules() {
    check_rows(STRING_ROWS);
}

#[test]
fn connect_and_connack_rules() {
    check_rows(CONNECT_ROWS);
}

#[test]
fn subscribe_rules() {
    check_rows(SUBSCRIBE_ROWS);
}

#[test]
fn property_rules() {
    check_rows(PROPERTY_ROWS);
}

#[test]
fn length_rules() {
    check_rows(LENGTH_ROWS);
}

#[test]
fn lenient_where_the_version_allows() {
    // 3.1.1 does not require the minimal remaining length encoding.
    let opts = DecodeOptions::new(V3_1_1);
    assert_eq!(
        decode(&[0xC0, 0x80, 0x00], &opts),
        Ok(Status::Complete(Packet::PingReq, 3))
    );
    // A 3.1.1 CONNECT is judged by its own level, whatever the connection's version.
    let connect = [
        0x10, 0x8C, 0x00, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x00,
    ];
    assert!(matches!(
        decode(&connect, &DecodeOptions::new(V5)),
        Ok(Status::Complete(Packet::Connect(_), 15))
    ));
    // 3.1's CONNACK flags byte is "reserved, not used": it is ignored rather than judged.
    let connack = Packet::ConnAck(ConnAck {
        session_present: false,
        code: ReasonCode(0),
        properties: Properties::default(),
    });
    assert_eq!(
        decode(&[0x20, 0x02, 0x01, 0x00], &DecodeOptions::new(V3_1)),
        Ok(Status::Complete(connack, 4))
    );
    // 3.1 has no rule against a password without a user name, and 5.0 allows it.
    let v31 = [
        0x10, 0x11, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, b'p',
    ];
    assert!(matches!(
        decode(&v31, &DecodeOptions::new(V3_1)),
        Ok(Status::Complete(Packet::Connect(_), 19))
    ));
}

#[test]
fn packet_too_large_is_rejected_from_the_fixed_header() {
    let opts = DecodeOptions {
        max_packet_size: 100,
        ..DecodeOptions::new(V3_1_1)
    };
    // Only the fixed header of a 16,386-byte PUBLISH has arrived.
    assert_eq!(
        decode(&[0x30, 0xFF, 0x7F], &opts),
        Err(D::PacketTooLarge {
            size: 16_386,
            max: 100
        })
    );
    // The limit counts the fixed header: 2 + 98 = 100 is fine, 2 + 99 is not.
    let mut at_limit = vec![0x30, 98, 0x00, 0x01, b't'];
    at_limit.resize(100, 0xAB);
    assert!(matches!(
        decode(&at_limit, &opts),
        Ok(Status::Complete(Packet::Publish(_), 100))
    ));
    assert_eq!(
        decode(&[0x30, 99], &opts),
        Err(D::PacketTooLarge { size: 101, max: 100 })
    );
    // A partial remaining length is still incomplete, not too large.
    assert_eq!(decode(&[0x30, 0xFF], &opts), Ok(Status::Incomplete));
}

#[test]
fn largest_remaining_length_is_incomplete_not_an_error() {
    let opts = DecodeOptions::new(V5);
    assert_eq!(
        decode(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], &opts),
        Ok(Status::Incomplete)
    );
    assert_eq!(MAX_REMAINING_LENGTH, 268_435_455);
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

fn publish(topic: &'static str) -> Publish<'static> {
    Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: Cow::Borrowed(topic),
        packet_id: 1,
        properties: Properties::default(),
        payload: Cow::Borrowed(b"x"),
    }
}

fn connect(protocol: ProtocolVersion) -> Connect<'static> {
    Connect {
        protocol,
        clean_start: true,
        keep_alive: 0,
        client_id: Cow::Borrowed("c"),
        will: None,
        username: None,
        password: None,
        properties: Properties::default(),
    }
}

fn subscribe(properties: Properties<'static>) -> Subscribe<'static> {
    Subscribe {
        packet_id: 1,
        properties,
        subscriptions: vec![Subscription {
            filter: Cow::Borrowed("a"),
            options: SubscriptionOptions::default(),
        }],
    }
}

fn check_encode_error(name: &str, version: ProtocolVersion, packet: &Packet<'_>, error: EncodeError) {
    let opts = EncodeOptions::new(version);
    let mut out = vec![1, 2, 3];
    assert_eq!(encode(packet, &opts, &mut out), Err(error), "{name}");
    assert_eq!(out, [1, 2, 3], "{name}: output untouched");
    assert_eq!(encoded_len(packet, &opts), Err(error), "{name}: encoded_len");
}

#[test]
fn encode_rejects_what_the_wire_cannot_carry() {
    use EncodeError as E;
    let long = "a".repeat(65_536);
    let long_topic = Packet::Publish(Publish {
        topic: Cow::Owned(long.clone()),
        ..publish("t")
    });
    let long_payload_is_fine = Packet::Publish(Publish {
        payload: Cow::Owned(vec![0; 70_000]),
        ..publish("t")
    });
    assert!(
        encode(
            &long_payload_is_fine,
            &EncodeOptions::new(V3_1_1),
            &mut Vec::new()
        )
        .is_ok()
    );

    let props = |p: Properties<'static>| {
        Packet::Publish(Publish {
            properties: p,
            ..publish("t")
        })
    };
    let connack = |p: Properties<'static>| {
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::SUCCESS,
            properties: p,
        })
    };
    let rows: Vec<(&str, ProtocolVersion, Packet<'static>, EncodeError)> = vec![
        ("topic of 65,536 bytes", V3_1_1, long_topic, E::StringTooLong),
        (
            "password of 65,536 bytes",
            V5,
            Packet::Connect(Box::new(Connect {
                password: Some(Cow::Owned(vec![0; 65_536])),
                ..connect(V5)
            })),
            E::StringTooLong,
        ),
        (
            "user property of 65,536 bytes",
            V5,
            props(Properties {
                user_properties: vec![(Cow::Borrowed("k"), Cow::Owned(long.clone()))],
                ..Properties::default()
            }),
            E::StringTooLong,
        ),
        (
            "U+0000 in a topic",
            V3_1_1,
            Packet::Publish(publish("a\0b")),
            E::NullCharacter,
        ),
        (
            "U+0000 in a client id",
            V3_1,
            Packet::Connect(Box::new(Connect {
                client_id: Cow::Borrowed("\0"),
                ..connect(V3_1)
            })),
            E::NullCharacter,
        ),
        (
            "wildcard in a PUBLISH topic",
            V5,
            Packet::Publish(publish("a/#")),
            E::InvalidTopicName,
        ),
        (
            "wildcard in a will topic",
            V3_1_1,
            Packet::Connect(Box::new(Connect {
                will: Some(Will {
                    topic: Cow::Borrowed("+"),
                    payload: Cow::Borrowed(b""),
                    qos: QoS::AtMostOnce,
                    retain: false,
                    properties: Properties::default(),
                }),
                ..connect(V3_1_1)
            })),
            E::InvalidTopicName,
        ),
        (
            "QoS 1 PUBLISH with id 0",
            V3_1_1,
            Packet::Publish(Publish {
                packet_id: 0,
                ..publish("t")
            }),
            E::ZeroPacketId,
        ),
        (
            "PUBACK with id 0",
            V5,
            Packet::PubAck(Ack {
                packet_id: 0,
                reason: ReasonCode::SUCCESS,
                properties: Properties::default(),
            }),
            E::ZeroPacketId,
        ),
        (
            "SUBSCRIBE with id 0",
            V3_1_1,
            Packet::Subscribe(Subscribe {
                packet_id: 0,
                ..subscribe(Properties::default())
            }),
            E::ZeroPacketId,
        ),
        (
            "SUBSCRIBE without filters",
            V3_1_1,
            Packet::Subscribe(Subscribe {
                subscriptions: vec![],
                ..subscribe(Properties::default())
            }),
            E::NoTopicFilters,
        ),
        (
            "UNSUBSCRIBE without filters",
            V5,
            Packet::Unsubscribe(Unsubscribe {
                packet_id: 1,
                properties: Properties::default(),
                filters: vec![],
            }),
            E::NoTopicFilters,
        ),
        (
            "AUTH in 3.1.1",
            V3_1_1,
            Packet::Auth(Auth::default()),
            E::NotInThisVersion,
        ),
        (
            "AUTH in 3.1",
            V3_1,
            Packet::Auth(Auth::default()),
            E::NotInThisVersion,
        ),
        (
            "3.1.1 password without user name",
            V5, // CONNECT is written for its own protocol
            Packet::Connect(Box::new(Connect {
                password: Some(Cow::Borrowed(b"p")),
                ..connect(V3_1_1)
            })),
            E::InvalidConnectFlags,
        ),
        (
            "receive maximum 0",
            V5,
            connack(Properties {
                receive_maximum: Some(0),
                ..Properties::default()
            }),
            E::InvalidPropertyValue(0x21),
        ),
        (
            "maximum packet size 0",
            V5,
            connack(Properties {
                maximum_packet_size: Some(0),
                ..Properties::default()
            }),
            E::InvalidPropertyValue(0x27),
        ),
        (
            "maximum QoS 2",
            V5,
            connack(Properties {
                maximum_qos: Some(QoS::ExactlyOnce),
                ..Properties::default()
            }),
            E::InvalidPropertyValue(0x24),
        ),
        (
            "topic alias 0",
            V5,
            props(Properties {
                topic_alias: Some(0),
                ..Properties::default()
            }),
            E::InvalidPropertyValue(0x23),
        ),
        (
            "subscription identifier 0",
            V5,
            props(Properties {
                subscription_identifiers: vec![0],
                ..Properties::default()
            }),
            E::InvalidPropertyValue(0x0B),
        ),
        (
            "subscription identifier above 268,435,455",
            V5,
            props(Properties {
                subscription_identifiers: vec![268_435_456],
                ..Properties::default()
            }),
            E::InvalidPropertyValue(0x0B),
        ),
        (
            "two subscription identifiers in SUBSCRIBE",
            V5,
            Packet::Subscribe(subscribe(Properties {
                subscription_identifiers: vec![1, 2],
                ..Properties::default()
            })),
            E::DuplicateProperty(0x0B),
        ),
        (
            "topic alias in CONNECT",
            V5,
            Packet::Connect(Box::new(Connect {
                properties: Properties {
                    topic_alias: Some(1),
                    ..Properties::default()
                },
                ..connect(V5)
            })),
            E::PropertyNotAllowed {
                property: 0x23,
                packet_type: PacketType::Connect,
            },
        ),
        (
            "session expiry in will properties",
            V5,
            Packet::Connect(Box::new(Connect {
                will: Some(Will {
                    topic: Cow::Borrowed("w"),
                    payload: Cow::Borrowed(b""),
                    qos: QoS::AtMostOnce,
                    retain: false,
                    properties: Properties {
                        session_expiry_interval: Some(1),
                        ..Properties::default()
                    },
                }),
                ..connect(V5)
            })),
            E::PropertyNotAllowed {
                property: 0x11,
                packet_type: PacketType::Connect,
            },
        ),
        (
            "reason string in PUBLISH",
            V5,
            props(Properties {
                reason_string: Some(Cow::Borrowed("r")),
                ..Properties::default()
            }),
            E::PropertyNotAllowed {
                property: 0x1F,
                packet_type: PacketType::Publish,
            },
        ),
    ];
    for (name, version, packet, error) in &rows {
        check_encode_error(name, *version, packet, *error);
    }
}

#[test]
fn encode_respects_the_maximum_packet_size() {
    // PUBLISH "t", QoS 0, 95-byte payload: 2 + 3 + 95 = 100 bytes.
    let packet = Packet::Publish(Publish {
        qos: QoS::AtMostOnce,
        packet_id: 0,
        payload: Cow::Owned(vec![7; 95]),
        ..publish("t")
    });
    let at_limit = EncodeOptions {
        max_packet_size: 100,
        ..EncodeOptions::new(V3_1_1)
    };
    let below = EncodeOptions {
        max_packet_size: 99,
        ..EncodeOptions::new(V3_1_1)
    };
    assert_eq!(encoded_len(&packet, &at_limit), Ok(100));
    let mut out = vec![9];
    assert_eq!(
        encode(&packet, &below, &mut out),
        Err(EncodeError::PacketTooLarge { size: 100, max: 99 })
    );
    assert_eq!(out, [9]);
    assert_eq!(encode(&packet, &at_limit, &mut out), Ok(100));
    assert_eq!(out.len(), 101);

    // Past the protocol's own limit, whatever the option says.
    let huge = Packet::Publish(Publish {
        payload: Cow::Owned(vec![0; MAX_REMAINING_LENGTH]),
        ..publish("t")
    });
    let unlimited = EncodeOptions {
        max_packet_size: usize::MAX,
        ..EncodeOptions::new(V3_1_1)
    };
    assert_eq!(
        encoded_len(&huge, &unlimited),
        Err(EncodeError::PacketTooLarge {
            size: MAX_REMAINING_LENGTH + 5 + 5,
            max: MAX_REMAINING_LENGTH + 5
        })
    );
}

#[test]
fn encode_leaves_out_what_the_version_cannot_carry() {
    let properties = Properties {
        reason_string: Some(Cow::Borrowed("r")),
        ..Properties::default()
    };
    let ack = Ack {
        packet_id: 5,
        reason: ReasonCode::UNSPECIFIED_ERROR,
        properties: properties.clone(),
    };
    let disconnect = Disconnect {
        reason: ReasonCode::SERVER_BUSY,
        properties: properties.clone(),
    };
    for version in [V3_1, V3_1_1] {
        let opts = EncodeOptions::new(version);
        let mut out = Vec::new();
        encode(&Packet::PubAck(ack.clone()), &opts, &mut out).unwrap();
        encode(&Packet::Disconnect(disconnect.clone()), &opts, &mut out).unwrap();
        encode(
            &Packet::UnsubAck(scratch_mqtt_core::codec::UnsubAck {
                packet_id: 6,
                properties: properties.clone(),
                codes: vec![ReasonCode::SUCCESS],
            }),
            &opts,
            &mut out,
        )
        .unwrap();
        // DUP means nothing at QoS 0 and must be 0 there, like the packet id it is not written.
        let qos0 = Publish {
            dup: true,
            qos: QoS::AtMostOnce,
            packet_id: 9,
            ..publish("t")
        };
        encode(&Packet::Publish(qos0), &opts, &mut out).unwrap();
        assert_eq!(
            out,
            [
                0x40, 0x02, 0x00, 0x05, 0xE0, 0x00, 0xB0, 0x02, 0x00, 0x06, 0x30, 0x04, 0x00, 0x01, b't',
                b'x'
            ],
            "{version:?}"
        );
    }
}

#[test]
fn into_owned_outlives_the_buffer() {
    let packet = {
        let bytes = vec![0x30, 0x06, 0x00, 0x03, b'a', b'/', b'b', b'!'];
        let Ok(Status::Complete(packet, _)) = decode(&bytes, &DecodeOptions::new(V3_1_1)) else {
            panic!("valid PUBLISH");
        };
        packet.into_owned()
    };
    let Packet::Publish(publish) = packet else {
        panic!("a PUBLISH")
    };
    assert!(matches!(publish.topic, Cow::Owned(_)));
    assert_eq!(publish.topic, "a/b");
    assert_eq!(&publish.payload[..], b"!");
}
