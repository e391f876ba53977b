//! MQTT 5 properties (section 2.2.2): one struct holds every property; which ones a packet may
//! carry is checked when decoding (`DecodeError::PropertyNotAllowed`).

use crate::prelude::*;
use alloc::borrow::Cow;

use super::error::{DecodeError, EncodeError};
use super::packet::{PacketType, QoS};
use super::read::Reader;
use super::{varint, write};

/// The properties of one packet (or of a will). Every field is optional; the default is "absent".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Properties<'a> {
    /// 0x01 — PUBLISH, will. `true` means the payload is UTF-8.
    pub payload_format_indicator: Option<bool>,
    /// 0x02 — PUBLISH, will. Seconds.
    pub message_expiry_interval: Option<u32>,
    /// 0x03 — PUBLISH, will.
    pub content_type: Option<Cow<'a, str>>,
    /// 0x08 — PUBLISH, will.
    pub response_topic: Option<Cow<'a, str>>,
    /// 0x09 — PUBLISH, will.
    pub correlation_data: Option<Cow<'a, [u8]>>,
    /// 0x0B — PUBLISH (any number), SUBSCRIBE (at most one). Values 1..=268,435,455.
    pub subscription_identifiers: Vec<u32>,
    /// 0x11 — CONNECT, CONNACK, DISCONNECT. Seconds.
    pub session_expiry_interval: Option<u32>,
    /// 0x12 — CONNACK.
    pub assigned_client_identifier: Option<Cow<'a, str>>,
    /// 0x13 — CONNACK. Seconds.
    pub server_keep_alive: Option<u16>,
    /// 0x15 — CONNECT, CONNACK, AUTH.
    pub authentication_method: Option<Cow<'a, str>>,
    /// 0x16 — CONNECT, CONNACK, AUTH.
    pub authentication_data: Option<Cow<'a, [u8]>>,
    /// 0x17 — CONNECT.
    pub request_problem_information: Option<bool>,
    /// 0x18 — will. Seconds.
    pub will_delay_interval: Option<u32>,
    /// 0x19 — CONNECT.
    pub request_response_information: Option<bool>,
    /// 0x1A — CONNACK.
    pub response_information: Option<Cow<'a, str>>,
    /// 0x1C — CONNACK, DISCONNECT.
    pub server_reference: Option<Cow<'a, str>>,
    /// 0x1F — CONNACK, the acks, SUBACK, UNSUBACK, DISCONNECT, AUTH.
    pub reason_string: Option<Cow<'a, str>>,
    /// 0x21 — CONNECT, CONNACK. Never 0.
    pub receive_maximum: Option<u16>,
    /// 0x22 — CONNECT, CONNACK.
    pub topic_alias_maximum: Option<u16>,
    /// 0x23 — PUBLISH. Never 0.
    pub topic_alias: Option<u16>,
    /// 0x24 — CONNACK. Only 0 or 1 (absent means 2).
    pub maximum_qos: Option<QoS>,
    /// 0x25 — CONNACK.
    pub retain_available: Option<bool>,
    /// 0x26 — every packet that has properties, and wills. Order is kept; names may repeat.
    pub user_properties: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// 0x27 — CONNECT, CONNACK. Never 0.
    pub maximum_packet_size: Option<u32>,
    /// 0x28 — CONNACK.
    pub wildcard_subscription_available: Option<bool>,
    /// 0x29 — CONNACK.
    pub subscription_identifier_available: Option<bool>,
    /// 0x2A — CONNACK.
    pub shared_subscription_available: Option<bool>,
}

/// Property identifiers (section 2.2.2.2).
#[allow(missing_docs)] // reason: the names are the spec's.
pub mod id {
    pub const PAYLOAD_FORMAT_INDICATOR: u8 = 0x01;
    pub const MESSAGE_EXPIRY_INTERVAL: u8 = 0x02;
    pub const CONTENT_TYPE: u8 = 0x03;
    pub const RESPONSE_TOPIC: u8 = 0x08;
    pub const CORRELATION_DATA: u8 = 0x09;
    pub const SUBSCRIPTION_IDENTIFIER: u8 = 0x0B;
    pub const SESSION_EXPIRY_INTERVAL: u8 = 0x11;
    pub const ASSIGNED_CLIENT_IDENTIFIER: u8 = 0x12;
    pub const SERVER_KEEP_ALIVE: u8 = 0x13;
    pub const AUTHENTICATION_METHOD: u8 = 0x15;
    pub const AUTHENTICATION_DATA: u8 = 0x16;
    pub const REQUEST_PROBLEM_INFORMATION: u8 = 0x17;
    pub const WILL_DELAY_INTERVAL: u8 = 0x18;
    pub const REQUEST_RESPONSE_INFORMATION: u8 = 0x19;
    pub const RESPONSE_INFORMATION: u8 = 0x1A;
    pub const SERVER_REFERENCE: u8 = 0x1C;
    pub const REASON_STRING: u8 = 0x1F;
    pub const RECEIVE_MAXIMUM: u8 = 0x21;
    pub const TOPIC_ALIAS_MAXIMUM: u8 = 0x22;
    pub const TOPIC_ALIAS: u8 = 0x23;
    pub const MAXIMUM_QOS: u8 = 0x24;
    pub const RETAIN_AVAILABLE: u8 = 0x25;
    pub const USER_PROPERTY: u8 = 0x26;
    pub const MAXIMUM_PACKET_SIZE: u8 = 0x27;
    pub const WILDCARD_SUBSCRIPTION_AVAILABLE: u8 = 0x28;
    pub const SUBSCRIPTION_IDENTIFIER_AVAILABLE: u8 = 0x29;
    pub const SHARED_SUBSCRIPTION_AVAILABLE: u8 = 0x2A;
}

/// What carries a property section: a packet, or the will inside CONNECT (which has its own
/// allowed set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    Packet(PacketType),
    Will,
}

impl Holder {
    /// This holder's bit in the masks of `spec`: the packet type number, or bit 0 (a packet type
    /// that does not exist) for a will.
    fn bit(self) -> u16 {
        match self {
            Self::Will => 1,
            Self::Packet(packet_type) => 1 << (packet_type as u8),
        }
    }

    /// The packet to name in errors: a will lives in CONNECT.
    fn packet_type(self) -> PacketType {
        match self {
            Self::Will => PacketType::Connect,
            Self::Packet(packet_type) => packet_type,
        }
    }
}

/// How a property's value is written, and which values are in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A byte that must be 0 or 1 (the booleans, and maximum QoS).
    Flag,
    U16,
    NonZeroU16,
    U32,
    NonZeroU32,
    /// A variable byte integer of 1..=268,435,455.
    SubscriptionId,
    Str,
    Bin,
    Pair,
}

/// One property value as it is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value<'a> {
    Byte(u8),
    U16(u16),
    U32(u32),
    VarInt(u32),
    Str(&'a str),
    Bin(&'a [u8]),
    Pair(&'a str, &'a str),
}

const WILL: u16 = 1;
const fn bit(packet_type: PacketType) -> u16 {
    1 << (packet_type as u8)
}
const CONNECT: u16 = bit(PacketType::Connect);
const CONNACK: u16 = bit(PacketType::ConnAck);
const PUBLISH: u16 = bit(PacketType::Publish);
const ACKS: u16 =
    bit(PacketType::PubAck) | bit(PacketType::PubRec) | bit(PacketType::PubRel) | bit(PacketType::PubComp);
const SUBSCRIBE: u16 = bit(PacketType::Subscribe);
const SUBACK: u16 = bit(PacketType::SubAck);
const UNSUBSCRIBE: u16 = bit(PacketType::Unsubscribe);
const UNSUBACK: u16 = bit(PacketType::UnsubAck);
const DISCONNECT: u16 = bit(PacketType::Disconnect);
const AUTH: u16 = bit(PacketType::Auth);
const MESSAGE: u16 = PUBLISH | WILL;

/// The value kind of a property and the holders allowed to carry it (MQTT 5 §2.2.2.2);
/// `None` for an identifier MQTT 5 does not define.
fn spec(property: u8) -> Option<(Kind, u16)> {
    Some(match property {
        id::PAYLOAD_FORMAT_INDICATOR => (Kind::Flag, MESSAGE),
        id::MESSAGE_EXPIRY_INTERVAL => (Kind::U32, MESSAGE),
        id::CONTENT_TYPE => (Kind::Str, MESSAGE),
        id::RESPONSE_TOPIC => (Kind::Str, MESSAGE),
        id::CORRELATION_DATA => (Kind::Bin, MESSAGE),
        id::SUBSCRIPTION_IDENTIFIER => (Kind::SubscriptionId, PUBLISH | SUBSCRIBE),
        id::SESSION_EXPIRY_INTERVAL => (Kind::U32, CONNECT | CONNACK | DISCONNECT),
        id::ASSIGNED_CLIENT_IDENTIFIER => (Kind::Str, CONNACK),
        id::SERVER_KEEP_ALIVE => (Kind::U16, CONNACK),
        id::AUTHENTICATION_METHOD => (Kind::Str, CONNECT | CONNACK | AUTH),
        id::AUTHENTICATION_DATA => (Kind::Bin, CONNECT | CONNACK | AUTH),
        id::REQUEST_PROBLEM_INFORMATION => (Kind::Flag, CONNECT),
        id::WILL_DELAY_INTERVAL => (Kind::U32, WILL),
        id::REQUEST_RESPONSE_INFORMATION => (Kind::Flag, CONNECT),
        id::RESPONSE_INFORMATION => (Kind::Str, CONNACK),
        id::SERVER_REFERENCE => (Kind::Str, CONNACK | DISCONNECT),
        id::REASON_STRING => (Kind::Str, CONNACK | ACKS | SUBACK | UNSUBACK | DISCONNECT | AUTH),
        id::RECEIVE_MAXIMUM => (Kind::NonZeroU16, CONNECT | CONNACK),
        id::TOPIC_ALIAS_MAXIMUM => (Kind::U16, CONNECT | CONNACK),
        id::TOPIC_ALIAS => (Kind::NonZeroU16, PUBLISH),
        id::MAXIMUM_QOS => (Kind::Flag, CONNACK),
        id::RETAIN_AVAILABLE => (Kind::Flag, CONNACK),
        id::USER_PROPERTY => (
            Kind::Pair,
            CONNECT
                | CONNACK
                | MESSAGE
                | ACKS
                | SUBSCRIBE
                | SUBACK
                | UNSUBSCRIBE
                | UNSUBACK
                | DISCONNECT
                | AUTH,
        ),
        id::MAXIMUM_PACKET_SIZE => (Kind::NonZeroU32, CONNECT | CONNACK),
        id::WILDCARD_SUBSCRIPTION_AVAILABLE => (Kind::Flag, CONNACK),
        id::SUBSCRIPTION_IDENTIFIER_AVAILABLE => (Kind::Flag, CONNACK),
        id::SHARED_SUBSCRIPTION_AVAILABLE => (Kind::Flag, CONNACK),
        _ => return None,
    })
}

/// Whether `value` is in range for a property of `kind`. Shared by decoder and encoder so the
/// encoder never writes what the decoder rejects.
fn in_range(kind: Kind, value: Value<'_>) -> bool {
    match (kind, value) {
        (Kind::Flag, Value::Byte(byte)) => byte <= 1,
        (Kind::NonZeroU16, Value::U16(v)) => v != 0,
        (Kind::NonZeroU32, Value::U32(v)) => v != 0,
        (Kind::SubscriptionId, Value::VarInt(v)) => (1..=varint::MAX).contains(&v),
        _ => true,
    }
}

/// Stores a single-valued property, refusing a second one.
fn once<T>(slot: &mut Option<T>, value: T, property: u8) -> Result<(), DecodeError> {
    if slot.is_some() {
        return Err(DecodeError::DuplicateProperty(property));
    }
    *slot = Some(value);
    Ok(())
}

impl<'a> Properties<'a> {
    /// Whether no property is present (MQTT 5 lets acks, DISCONNECT and AUTH omit the section).
    /// Field by field, stopping at the first present one: it runs for every received message,
    /// and the destructuring keeps it exhaustive when a property is added.
    pub fn is_empty(&self) -> bool {
        let Self {
            payload_format_indicator,
            message_expiry_interval,
            content_type,
            response_topic,
            correlation_data,
            subscription_identifiers,
            session_expiry_interval,
            assigned_client_identifier,
            server_keep_alive,
            authentication_method,
            authentication_data,
            request_problem_information,
            will_delay_interval,
            request_response_information,
            response_information,
            server_reference,
            reason_string,
            receive_maximum,
            topic_alias_maximum,
            topic_alias,
            maximum_qos,
            retain_available,
            user_properties,
            maximum_packet_size,
            wildcard_subscription_available,
            subscription_identifier_available,
            shared_subscription_available,
        } = self;
        content_type.is_none()
            && user_properties.is_empty()
            && payload_format_indicator.is_none()
            && message_expiry_interval.is_none()
            && response_topic.is_none()
            && correlation_data.is_none()
            && subscription_identifiers.is_empty()
            && topic_alias.is_none()
            && reason_string.is_none()
            && session_expiry_interval.is_none()
            && assigned_client_identifier.is_none()
            && server_keep_alive.is_none()
            && authentication_method.is_none()
            && authentication_data.is_none()
            && request_problem_information.is_none()
            && will_delay_interval.is_none()
            && request_response_information.is_none()
            && response_information.is_none()
            && server_reference.is_none()
            && receive_maximum.is_none()
            && topic_alias_maximum.is_none()
            && maximum_qos.is_none()
            && retain_available.is_none()
            && maximum_packet_size.is_none()
            && wildcard_subscription_available.is_none()
            && subscription_identifier_available.is_none()
            && shared_subscription_available.is_none()
    }

    /// Reads a property section: its length, then the properties, borrowing strings from `r`.
    pub(crate) fn decode(r: &mut Reader<'a>, holder: Holder) -> Result<Self, DecodeError> {
        let len = r.varint()?;
        let mut section = Reader::new(r.take(len as usize)?);
        let mut properties = Self::default();
        while !section.is_empty() {
            // The identifier is a variable byte integer, but every defined one fits in a single
            // byte: a first byte with the continuation bit can only start an unknown identifier.
            let property = section.u8()?;
            let (kind, holders) = spec(property).ok_or(DecodeError::UnknownProperty(property))?;
            if holders & holder.bit() == 0 {
                return Err(DecodeError::PropertyNotAllowed {
                    property,
                    packet_type: holder.packet_type(),
                });
            }
            let value = match kind {
                Kind::Flag => Value::Byte(section.u8()?),
                Kind::U16 | Kind::NonZeroU16 => Value::U16(section.u16()?),
                Kind::U32 | Kind::NonZeroU32 => Value::U32(section.u32()?),
                Kind::SubscriptionId => Value::VarInt(section.varint()?),
                Kind::Str => Value::Str(section.string()?),
                Kind::Bin => Value::Bin(section.binary()?),
                Kind::Pair => Value::Pair(section.string()?, section.string()?),
            };
            if !in_range(kind, value) {
                return Err(DecodeError::InvalidPropertyValue(property));
            }
            properties.set(property, value, holder)?;
        }
        Ok(properties)
    }

    fn set(&mut self, property: u8, value: Value<'a>, holder: Holder) -> Result<(), DecodeError> {
        let p = property;
        match (property, value) {
            (id::PAYLOAD_FORMAT_INDICATOR, Value::Byte(b)) => {
                once(&mut self.payload_format_indicator, b == 1, p)
            }
            (id::MESSAGE_EXPIRY_INTERVAL, Value::U32(v)) => once(&mut self.message_expiry_interval, v, p),
            (id::CONTENT_TYPE, Value::Str(s)) => once(&mut self.content_type, Cow::Borrowed(s), p),
            (id::RESPONSE_TOPIC, Value::Str(s)) => once(&mut self.response_topic, Cow::Borrowed(s), p),
            (id::CORRELATION_DATA, Value::Bin(b)) => once(&mut self.correlation_data, Cow::Borrowed(b), p),
            (id::SUBSCRIPTION_IDENTIFIER, Value::VarInt(v)) => {
                // PUBLISH carries one per matching subscription; SUBSCRIBE at most one.
                if holder == Holder::Packet(PacketType::Subscribe)
                    && !self.subscription_identifiers.is_empty()
                {
                    return Err(DecodeError::DuplicateProperty(p));
                }
                self.subscription_identifiers.push(v);
                Ok(())
            }
            (id::SESSION_EXPIRY_INTERVAL, Value::U32(v)) => once(&mut self.session_expiry_interval, v, p),
            (id::ASSIGNED_CLIENT_IDENTIFIER, Value::Str(s)) => {
                once(&mut self.assigned_client_identifier, Cow::Borrowed(s), p)
            }
            (id::SERVER_KEEP_ALIVE, Value::U16(v)) => once(&mut self.server_keep_alive, v, p),
            (id::AUTHENTICATION_METHOD, Value::Str(s)) => {
                once(&mut self.authentication_method, Cow::Borrowed(s), p)
            }
            (id::AUTHENTICATION_DATA, Value::Bin(b)) => {
                once(&mut self.authentication_data, Cow::Borrowed(b), p)
            }
            (id::REQUEST_PROBLEM_INFORMATION, Value::Byte(b)) => {
                once(&mut self.request_problem_information, b == 1, p)
            }
            (id::WILL_DELAY_INTERVAL, Value::U32(v)) => once(&mut self.will_delay_interval, v, p),
            (id::REQUEST_RESPONSE_INFORMATION, Value::Byte(b)) => {
                once(&mut self.request_response_information, b == 1, p)
            }
            (id::RESPONSE_INFORMATION, Value::Str(s)) => {
                once(&mut self.response_information, Cow::Borrowed(s), p)
            }
            (id::SERVER_REFERENCE, Value::Str(s)) => once(&mut self.server_reference, Cow::Borrowed(s), p),
            (id::REASON_STRING, Value::Str(s)) => once(&mut self.reason_string, Cow::Borrowed(s), p),
            (id::RECEIVE_MAXIMUM, Value::U16(v)) => once(&mut self.receive_maximum, v, p),
            (id::TOPIC_ALIAS_MAXIMUM, Value::U16(v)) => once(&mut self.topic_alias_maximum, v, p),
            (id::TOPIC_ALIAS, Value::U16(v)) => once(&mut self.topic_alias, v, p),
            (id::MAXIMUM_QOS, Value::Byte(b)) => {
                let qos = if b == 0 { QoS::AtMostOnce } else { QoS::AtLeastOnce };
                once(&mut self.maximum_qos, qos, p)
            }
            (id::RETAIN_AVAILABLE, Value::Byte(b)) => once(&mut self.retain_available, b == 1, p),
            (id::USER_PROPERTY, Value::Pair(k, v)) => {
                self.user_properties.push((Cow::Borrowed(k), Cow::Borrowed(v)));
                Ok(())
            }
            (id::MAXIMUM_PACKET_SIZE, Value::U32(v)) => once(&mut self.maximum_packet_size, v, p),
            (id::WILDCARD_SUBSCRIPTION_AVAILABLE, Value::Byte(b)) => {
                once(&mut self.wildcard_subscription_available, b == 1, p)
            }
            (id::SUBSCRIPTION_IDENTIFIER_AVAILABLE, Value::Byte(b)) => {
                once(&mut self.subscription_identifier_available, b == 1, p)
            }
            (id::SHARED_SUBSCRIPTION_AVAILABLE, Value::Byte(b)) => {
                once(&mut self.shared_subscription_available, b == 1, p)
            }
            // `spec` and the match above agree on every identifier and kind.
            _ => Err(DecodeError::UnknownProperty(p)),
        }
    }

    /// Calls `f` for every present property in identifier order: the one place that lists how
    /// each field goes on the wire, so sizing and writing cannot disagree.
    fn each<'p, E>(&'p self, mut f: impl FnMut(u8, Value<'p>) -> Result<(), E>) -> Result<(), E> {
        let flag = |b: bool| Value::Byte(u8::from(b));
        if let Some(v) = self.payload_format_indicator {
            f(id::PAYLOAD_FORMAT_INDICATOR, flag(v))?;
        }
        if let Some(v) = self.message_expiry_interval {
            f(id::MESSAGE_EXPIRY_INTERVAL, Value::U32(v))?;
        }
        if let Some(v) = &self.content_type {
            f(id::CONTENT_TYPE, Value::Str(v))?;
        }
        if let Some(v) = &self.response_topic {
            f(id::RESPONSE_TOPIC, Value::Str(v))?;
        }
        if let Some(v) = &self.correlation_data {
            f(id::CORRELATION_DATA, Value::Bin(v))?;
        }
        for &v in &self.subscription_identifiers {
            f(id::SUBSCRIPTION_IDENTIFIER, Value::VarInt(v))?;
        }
        if let Some(v) = self.session_expiry_interval {
            f(id::SESSION_EXPIRY_INTERVAL, Value::U32(v))?;
        }
        if let Some(v) = &self.assigned_client_identifier {
            f(id::ASSIGNED_CLIENT_IDENTIFIER, Value::Str(v))?;
        }
        if let Some(v) = self.server_keep_alive {
            f(id::SERVER_KEEP_ALIVE, Value::U16(v))?;
        }
        if let Some(v) = &self.authentication_method {
            f(id::AUTHENTICATION_METHOD, Value::Str(v))?;
        }
        if let Some(v) = &self.authentication_data {
            f(id::AUTHENTICATION_DATA, Value::Bin(v))?;
        }
        if let Some(v) = self.request_problem_information {
            f(id::REQUEST_PROBLEM_INFORMATION, flag(v))?;
        }
        if let Some(v) = self.will_delay_interval {
            f(id::WILL_DELAY_INTERVAL, Value::U32(v))?;
        }
        if let Some(v) = self.request_response_information {
            f(id::REQUEST_RESPONSE_INFORMATION, flag(v))?;
        }
        if let Some(v) = &self.response_information {
            f(id::RESPONSE_INFORMATION, Value::Str(v))?;
        }
        if let Some(v) = &self.server_reference {
            f(id::SERVER_REFERENCE, Value::Str(v))?;
        }
        if let Some(v) = &self.reason_string {
            f(id::REASON_STRING, Value::Str(v))?;
        }
        if let Some(v) = self.receive_maximum {
            f(id::RECEIVE_MAXIMUM, Value::U16(v))?;
        }
        if let Some(v) = self.topic_alias_maximum {
            f(id::TOPIC_ALIAS_MAXIMUM, Value::U16(v))?;
        }
        if let Some(v) = self.topic_alias {
            f(id::TOPIC_ALIAS, Value::U16(v))?;
        }
        if let Some(v) = self.maximum_qos {
            f(id::MAXIMUM_QOS, Value::Byte(v as u8))?;
        }
        if let Some(v) = self.retain_available {
            f(id::RETAIN_AVAILABLE, flag(v))?;
        }
        for (name, value) in &self.user_properties {
            f(id::USER_PROPERTY, Value::Pair(name, value))?;
        }
        if let Some(v) = self.maximum_packet_size {
            f(id::MAXIMUM_PACKET_SIZE, Value::U32(v))?;
        }
        if let Some(v) = self.wildcard_subscription_available {
            f(id::WILDCARD_SUBSCRIPTION_AVAILABLE, flag(v))?;
        }
        if let Some(v) = self.subscription_identifier_available {
            f(id::SUBSCRIPTION_IDENTIFIER_AVAILABLE, flag(v))?;
        }
        if let Some(v) = self.shared_subscription_available {
            f(id::SHARED_SUBSCRIPTION_AVAILABLE, flag(v))?;
        }
        Ok(())
    }

    /// The size of the properties themselves (without the length prefix), checking that
    /// `holder` may carry each and that each value can be encoded.
    fn content_len(&self, holder: Holder) -> Result<usize, EncodeError> {
        if holder == Holder::Packet(PacketType::Subscribe) && self.subscription_identifiers.len() > 1 {
            return Err(EncodeError::DuplicateProperty(id::SUBSCRIPTION_IDENTIFIER));
        }
        let mut total: usize = 0;
        self.each(|property, value| {
            let (kind, holders) = spec(property).ok_or(EncodeError::InvalidPropertyValue(property))?;
            if holders & holder.bit() == 0 {
                return Err(EncodeError::PropertyNotAllowed {
                    property,
                    packet_type: holder.packet_type(),
                });
            }
            if !in_range(kind, value) {
                return Err(EncodeError::InvalidPropertyValue(property));
            }
            let value_len = match value {
                Value::Byte(_) => 1,
                Value::U16(_) => 2,
                Value::U32(_) => 4,
                Value::VarInt(v) => varint::len(v as usize),
                Value::Str(s) => write::string_len(s)?,
                Value::Bin(b) => write::binary_len(b)?,
                Value::Pair(k, v) => write::string_len(k)?.saturating_add(write::string_len(v)?),
            };
            total = total.saturating_add(1).saturating_add(value_len);
            Ok(())
        })?;
        Ok(total)
    }

    /// The size of the whole section: length prefix and properties.
    pub(crate) fn encoded_len(&self, holder: Holder) -> Result<usize, EncodeError> {
        let len = self.content_len(holder)?;
        Ok(varint::len(len).saturating_add(len))
    }

    /// Writes the whole section: length prefix and properties.
    pub(crate) fn write(&self, holder: Holder, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let len = self.content_len(holder)?;
        // The packet size check has already bounded this; the guard only keeps the cast honest.
        let too_large = EncodeError::PacketTooLarge {
            size: len,
            max: varint::MAX as usize,
        };
        let len = u32::try_from(len)
            .ok()
            .filter(|&len| len <= varint::MAX)
            .ok_or(too_large)?;
        varint::write(len, out);
        self.each(|property, value| {
            out.push(property);
            match value {
                Value::Byte(b) => out.push(b),
                Value::U16(v) => write::u16(v, out),
                Value::U32(v) => write::u32(v, out),
                Value::VarInt(v) => varint::write(v, out),
                Value::Str(s) => write::string(s, out)?,
                Value::Bin(b) => write::binary(b, out)?,
                Value::Pair(k, v) => {
                    write::string(k, out)?;
                    write::string(v, out)?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_empty_sees_every_single_property() {
        type Set = fn(&mut Properties<'static>);
        let one_each: [Set; 27] = [
            |p| p.payload_format_indicator = Some(false),
            |p| p.message_expiry_interval = Some(0),
            |p| p.content_type = Some("".into()),
            |p| p.response_topic = Some("".into()),
            |p| p.correlation_data = Some(Vec::new().into()),
            |p| p.subscription_identifiers = vec![1],
            |p| p.session_expiry_interval = Some(0),
            |p| p.assigned_client_identifier = Some("".into()),
            |p| p.server_keep_alive = Some(0),
            |p| p.authentication_method = Some("".into()),
            |p| p.authentication_data = Some(Vec::new().into()),
            |p| p.request_problem_information = Some(true),
            |p| p.will_delay_interval = Some(0),
            |p| p.request_response_information = Some(true),
            |p| p.response_information = Some("".into()),
            |p| p.server_reference = Some("".into()),
            |p| p.reason_string = Some("".into()),
            |p| p.receive_maximum = Some(1),
            |p| p.topic_alias_maximum = Some(0),
            |p| p.topic_alias = Some(1),
            |p| p.maximum_qos = Some(QoS::AtMostOnce),
            |p| p.retain_available = Some(true),
            |p| p.user_properties = vec![("".into(), "".into())],
            |p| p.maximum_packet_size = Some(1),
            |p| p.wildcard_subscription_available = Some(true),
            |p| p.subscription_identifier_available = Some(true),
            |p| p.shared_subscription_available = Some(true),
        ];
        assert!(Properties::default().is_empty());
        for (i, set) in one_each.iter().enumerate() {
            let mut properties = Properties::default();
            set(&mut properties);
            assert!(!properties.is_empty(), "property #{i}");
            assert_ne!(properties, Properties::default(), "property #{i}");
        }
    }
}
