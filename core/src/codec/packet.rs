//! The MQTT control packets as data: one type per packet, shared by 3.1, 3.1.1 and 5.0.
//!
//! Strings and binary fields are `Cow`s: decoding borrows from the input buffer (no copy on the
//! hot path), and `into_owned` turns a packet into a `'static` one when it has to be kept.
//! Fields that exist only in MQTT 5 (properties, reason codes in acks) are ignored when encoding
//! for 3.1/3.1.1 and left at their defaults when decoding them.

use crate::prelude::*;
use alloc::borrow::Cow;

use super::properties::Properties;
use super::reason::ReasonCode;

/// The protocol level byte of CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// MQTT 3.1: protocol name `MQIsdp`, level 3.
    V3_1,
    /// MQTT 3.1.1: protocol name `MQTT`, level 4.
    V3_1_1,
    /// MQTT 5.0: protocol name `MQTT`, level 5.
    V5,
}

impl ProtocolVersion {
    /// The WebSocket subprotocol a broker expects for this version (MQTT 5 §6, MQTT 3.1.1 §6:
    /// `mqtt`; brokers of the 3.1 era named theirs `mqttv3.1`).
    pub fn websocket_subprotocol(self) -> &'static str {
        match self {
            Self::V3_1 => "mqttv3.1",
            Self::V3_1_1 | Self::V5 => "mqtt",
        }
    }

    /// The level byte sent in CONNECT.
    pub fn level(self) -> u8 {
        match self {
            Self::V3_1 => 3,
            Self::V3_1_1 => 4,
            Self::V5 => 5,
        }
    }

    /// The protocol name sent in CONNECT.
    pub fn protocol_name(self) -> &'static str {
        match self {
            Self::V3_1 => "MQIsdp",
            Self::V3_1_1 | Self::V5 => "MQTT",
        }
    }

    /// The version for a level byte, if it is one we speak.
    pub fn from_level(level: u8) -> Option<Self> {
        match level {
            3 => Some(Self::V3_1),
            4 => Some(Self::V3_1_1),
            5 => Some(Self::V5),
            _ => None,
        }
    }

    /// Whether this version carries properties and reason codes.
    pub fn is_v5(self) -> bool {
        self == Self::V5
    }
}

/// Quality of service of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum QoS {
    #[default]
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for its two-bit wire value; `None` for the malformed value 3.
    pub fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::AtMostOnce),
            1 => Some(Self::AtLeastOnce),
            2 => Some(Self::ExactlyOnce),
            _ => None,
        }
    }
}

/// The packet types of the fixed header (bits 7–4 of its first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

impl PacketType {
    /// The packet type for the upper four bits of the first byte; `None` for the reserved 0.
    pub fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            1 => Self::Connect,
            2 => Self::ConnAck,
            3 => Self::Publish,
            4 => Self::PubAck,
            5 => Self::PubRec,
            6 => Self::PubRel,
            7 => Self::PubComp,
            8 => Self::Subscribe,
            9 => Self::SubAck,
            10 => Self::Unsubscribe,
            11 => Self::UnsubAck,
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect,
            15 => Self::Auth,
            _ => return None,
        })
    }

    /// The fixed-header flags every packet but PUBLISH must carry: 0b0010 for PUBREL, SUBSCRIBE
    /// and UNSUBSCRIBE (a leftover of 3.1's QoS 1 on them), 0 for the rest.
    pub fn fixed_flags(self) -> u8 {
        match self {
            Self::PubRel | Self::Subscribe | Self::Unsubscribe => 0b0010,
            _ => 0,
        }
    }
}

/// One MQTT control packet.
// CONNECT (two property sets) is boxed: it is twice the size of the rest and sent once per
// connection, while every received PUBLISH is moved through this enum (callgrind: each move of
// the unboxed enum cost ~780 instructions, a sixth of the receive path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    Connect(Box<Connect<'a>>),
    ConnAck(ConnAck<'a>),
    Publish(Publish<'a>),
    PubAck(Ack<'a>),
    PubRec(Ack<'a>),
    PubRel(Ack<'a>),
    PubComp(Ack<'a>),
    Subscribe(Subscribe<'a>),
    SubAck(SubAck<'a>),
    Unsubscribe(Unsubscribe<'a>),
    UnsubAck(UnsubAck<'a>),
    PingReq,
    PingResp,
    Disconnect(Disconnect<'a>),
    /// MQTT 5 only.
    Auth(Auth<'a>),
}

impl Packet<'_> {
    /// The type in this packet's fixed header.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }
}

/// CONNECT: the first packet a client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect<'a> {
    pub protocol: ProtocolVersion,
    /// "Clean session" in 3.1/3.1.1, "clean start" in 5.0.
    pub clean_start: bool,
    /// Seconds; 0 turns keepalive off.
    pub keep_alive: u16,
    pub client_id: Cow<'a, str>,
    pub will: Option<Will<'a>>,
    pub username: Option<Cow<'a, str>>,
    pub password: Option<Cow<'a, [u8]>>,
    pub properties: Properties<'a>,
}

/// The last will carried in CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will<'a> {
    pub topic: Cow<'a, str>,
    pub payload: Cow<'a, [u8]>,
    pub qos: QoS,
    pub retain: bool,
    /// Will properties (MQTT 5).
    pub properties: Properties<'a>,
}

/// CONNACK. In 3.1/3.1.1 `code` holds the connect return code (0–5), in 5.0 a reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAck<'a> {
    pub session_present: bool,
    pub code: ReasonCode,
    pub properties: Properties<'a>,
}

/// PUBLISH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish<'a> {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    /// May be empty in MQTT 5 when a topic alias property stands for it.
    pub topic: Cow<'a, str>,
    /// 0 for QoS 0 (no packet identifier on the wire); non-zero otherwise.
    pub packet_id: u16,
    pub properties: Properties<'a>,
    pub payload: Cow<'a, [u8]>,
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack<'a> {
    pub packet_id: u16,
    /// MQTT 5; `ReasonCode::SUCCESS` for 3.1/3.1.1.
    pub reason: ReasonCode,
    pub properties: Properties<'a>,
}

/// What to do with retained messages when a subscription is made (MQTT 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RetainHandling {
    #[default]
    SendAtSubscribe = 0,
    SendAtNewSubscribe = 1,
    DoNotSend = 2,
}

/// The options byte of one SUBSCRIBE entry. In 3.1/3.1.1 only `qos` exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    pub qos: QoS,
    pub no_local: bool,
    pub retain_as_published: bool,
    pub retain_handling: RetainHandling,
}

/// One topic filter in SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription<'a> {
    pub filter: Cow<'a, str>,
    pub options: SubscriptionOptions,
}

/// SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe<'a> {
    pub packet_id: u16,
    pub properties: Properties<'a>,
    /// At least one.
    pub subscriptions: Vec<Subscription<'a>>,
}

/// SUBACK: one code per requested filter (granted QoS, or a failure code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck<'a> {
    pub packet_id: u16,
    pub properties: Properties<'a>,
    pub codes: Vec<ReasonCode>,
}

/// UNSUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe<'a> {
    pub packet_id: u16,
    pub properties: Properties<'a>,
    /// At least one.
    pub filters: Vec<Cow<'a, str>>,
}

/// UNSUBACK. `codes` is empty in 3.1/3.1.1, one per filter in 5.0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubAck<'a> {
    pub packet_id: u16,
    pub properties: Properties<'a>,
    pub codes: Vec<ReasonCode>,
}

/// DISCONNECT. In 3.1/3.1.1 it has no body: `reason` is `NORMAL_DISCONNECTION`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disconnect<'a> {
    pub reason: ReasonCode,
    pub properties: Properties<'a>,
}

/// AUTH (MQTT 5 only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth<'a> {
    pub reason: ReasonCode,
    pub properties: Properties<'a>,
}
