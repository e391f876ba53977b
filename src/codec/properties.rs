//! MQTT 5 properties (section 2.2.2): one struct holds every property; which ones a packet may
//! carry is checked when decoding (`DecodeError::PropertyNotAllowed`).

use std::borrow::Cow;

use super::packet::QoS;

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
