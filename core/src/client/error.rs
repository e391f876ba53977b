//! Errors in plain words: what the user did that cannot work, what the server refused, and why a
//! connection ended. Every variant carries what is needed to explain it (a reason code by name,
//! the v5 reason string the server sent, the codec rule that was broken).

use crate::prelude::*;
use core::fmt;

use crate::codec::{DecodeError, EncodeError, PacketType, QoS, ReasonCode, property_id};
use crate::topic::TopicError;

use super::options::StringError;
use super::topic_alias::AliasError;

/// Options that cannot work, found by `Client::new` before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsError {
    ClientId(StringError),
    /// MQTT 3.1 allows client ids of 1 to 23 characters.
    ClientIdTooLongForMqtt31(usize),
    Username(StringError),
    PasswordTooLong,
    /// MQTT 3.1/3.1.1 (MQTT-3.1.2-22) allow a password only with a user name.
    PasswordWithoutUsername,
    WillTopic(TopicError),
    WillPayloadTooLong,
    ZeroReceiveMaximum,
    ZeroMaximumPacketSize,
    ZeroMaxInFlight,
    UserProperty(StringError),
    /// The reconnect policy is inconsistent; the text says how.
    Reconnect(&'static str),
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientId(e) => write!(f, "the client id {e}"),
            Self::ClientIdTooLongForMqtt31(len) => {
                write!(
                    f,
                    "MQTT 3.1 allows client ids of at most 23 characters, this one has {len}"
                )
            }
            Self::Username(e) => write!(f, "the user name {e}"),
            Self::PasswordTooLong => f.write_str("the password is longer than 65535 bytes"),
            Self::PasswordWithoutUsername => {
                f.write_str("MQTT 3.1 and 3.1.1 allow a password only together with a user name")
            }
            Self::WillTopic(e) => write!(f, "the will topic is not valid: {e}"),
            Self::WillPayloadTooLong => f.write_str("the will message is longer than 65535 bytes"),
            Self::ZeroReceiveMaximum => f.write_str("the receive maximum must be at least 1"),
            Self::ZeroMaximumPacketSize => f.write_str("the maximum packet size must be at least 1"),
            Self::ZeroMaxInFlight => f.write_str("the in-flight maximum must be at least 1"),
            Self::UserProperty(e) => write!(f, "a user property {e}"),
            Self::Reconnect(why) => write!(f, "the reconnect policy is not valid: {why}"),
        }
    }
}

impl core::error::Error for OptionsError {}

/// The broker broke a protocol rule; the connection is closed (with a v5 DISCONNECT naming
/// the reason) and the session reconnects per its policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// The bytes are not a valid packet.
    Decode(DecodeError),
    /// A v5 topic alias the broker may not use.
    TopicAlias(AliasError),
    /// An incoming PUBLISH names a topic that is not a valid topic name.
    TopicName(TopicError),
    /// A packet a server never sends, or one that makes no sense now (a second CONNACK, a
    /// PUBLISH before CONNACK, …).
    UnexpectedPacket(PacketType),
    /// Session Present = 1 in answer to a clean start (MQTT-3.2.2-2 / v5 3.2.2-2).
    SessionPresentOnCleanStart,
    /// v5: Session Present = 1 but this client holds no session state (MQTT-3.2.2-4): the
    /// session retries with clean start.
    SessionPresentWithoutLocalState,
    /// More unacknowledged QoS 2 messages than our Receive Maximum allows.
    ReceiveMaximumExceeded,
    /// A SUBACK/UNSUBACK with a different number of codes than filters requested.
    WrongNumberOfCodes { expected: usize, received: usize },
    /// A SUBACK code that is no Subscribe Reason Code of the protocol version (MQTT-3.9.3-2).
    InvalidReasonCode {
        packet_type: PacketType,
        code: ReasonCode,
    },
    /// The transport delivered data that cannot be MQTT, such as a WebSocket text frame
    /// (MQTT-6.0.0-1: MQTT travels in binary frames, anything else closes the connection).
    NotMqttData,
}

impl ProtocolError {
    /// The v5 DISCONNECT reason code that tells the broker what it did wrong.
    pub fn disconnect_reason(&self) -> ReasonCode {
        match self {
            Self::Decode(DecodeError::PacketTooLarge { .. }) => ReasonCode::PACKET_TOO_LARGE,
            Self::Decode(DecodeError::DuplicateProperty(_) | DecodeError::PropertyNotAllowed { .. }) => {
                ReasonCode::PROTOCOL_ERROR
            }
            Self::Decode(DecodeError::InvalidTopicName) => ReasonCode::TOPIC_NAME_INVALID,
            // The codec rejects topic alias 0 while reading the property.
            Self::Decode(DecodeError::InvalidPropertyValue(property_id::TOPIC_ALIAS)) => {
                ReasonCode::TOPIC_ALIAS_INVALID
            }
            Self::Decode(_) => ReasonCode::MALFORMED_PACKET,
            Self::TopicAlias(AliasError::MissingTopic) => ReasonCode::PROTOCOL_ERROR,
            Self::TopicAlias(_) => ReasonCode::TOPIC_ALIAS_INVALID,
            Self::TopicName(_) => ReasonCode::TOPIC_NAME_INVALID,
            Self::ReceiveMaximumExceeded => ReasonCode::RECEIVE_MAXIMUM_EXCEEDED,
            Self::UnexpectedPacket(_)
            | Self::SessionPresentOnCleanStart
            | Self::SessionPresentWithoutLocalState
            | Self::WrongNumberOfCodes { .. }
            | Self::InvalidReasonCode { .. }
            | Self::NotMqttData => ReasonCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "the server sent a malformed packet: {e}"),
            Self::TopicAlias(e) => write!(f, "the server misused a topic alias: {e}"),
            Self::TopicName(e) => write!(f, "the server sent a message with an invalid topic: {e}"),
            Self::UnexpectedPacket(kind) => write!(f, "the server sent an unexpected {kind:?} packet"),
            Self::SessionPresentOnCleanStart => {
                f.write_str("the server claimed a stored session although a clean start was asked for")
            }
            Self::SessionPresentWithoutLocalState => {
                f.write_str("the server has a session this client knows nothing about")
            }
            Self::ReceiveMaximumExceeded => {
                f.write_str("the server sent more unacknowledged QoS 2 messages than allowed")
            }
            Self::WrongNumberOfCodes { expected, received } => {
                write!(
                    f,
                    "the server answered {received} results for {expected} topic filters"
                )
            }
            Self::InvalidReasonCode { packet_type, code } => {
                write!(
                    f,
                    "the server sent {packet_type:?} with the invalid code {:#04x}",
                    code.0
                )
            }
            Self::NotMqttData => {
                f.write_str("the server sent data that is not MQTT (a text frame, not a binary one)")
            }
        }
    }
}

impl core::error::Error for ProtocolError {}

/// Why a connection (or an attempt to make one) ended, other than by `Client::disconnect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LostReason {
    /// CONNACK refused the connection. 3.1/3.1.1 return codes are given as the v5 reason code
    /// with the same meaning (return code 4 is `BAD_USER_NAME_OR_PASSWORD`, …).
    Refused {
        code: ReasonCode,
        reason_string: Option<String>,
    },
    /// No CONNACK within the connect timeout.
    ConnectTimeout,
    /// No PINGRESP within the ping timeout.
    KeepAliveTimeout,
    /// The server broke the protocol.
    Protocol(ProtocolError),
    /// v5: the server sent DISCONNECT.
    ServerDisconnect {
        reason: ReasonCode,
        reason_string: Option<String>,
    },
    /// The transport closed or failed to open; the text is the driver's.
    TransportClosed(String),
}

impl LostReason {
    /// Whether retrying cannot help until the user changes something and calls `connect`:
    /// wrong credentials, not allowed, banned, a client id or protocol version the server
    /// will never accept, being sent to another server, or another client taking the session
    /// over (two tabs with one client id would otherwise take turns kicking each other out).
    pub fn is_final(&self) -> bool {
        match self {
            Self::Refused { code, .. } | Self::ServerDisconnect { reason: code, .. } => matches!(
                *code,
                ReasonCode::UNSUPPORTED_PROTOCOL_VERSION
                    | ReasonCode::CLIENT_IDENTIFIER_NOT_VALID
                    | ReasonCode::BAD_USER_NAME_OR_PASSWORD
                    | ReasonCode::NOT_AUTHORIZED
                    | ReasonCode::BANNED
                    | ReasonCode::BAD_AUTHENTICATION_METHOD
                    | ReasonCode::SESSION_TAKEN_OVER
                    | ReasonCode::USE_ANOTHER_SERVER
                    | ReasonCode::SERVER_MOVED
            ),
            _ => false,
        }
    }
}

impl fmt::Display for LostReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused { code, reason_string } => {
                write!(f, "the server refused the connection: {code}")?;
                write_reason_string(f, reason_string.as_deref())
            }
            Self::ConnectTimeout => f.write_str("the server did not answer the connection in time"),
            Self::KeepAliveTimeout => f.write_str("the server stopped answering pings"),
            Self::Protocol(e) => write!(f, "{e}"),
            Self::ServerDisconnect {
                reason,
                reason_string,
            } => {
                write!(f, "the server closed the connection: {reason}")?;
                write_reason_string(f, reason_string.as_deref())
            }
            Self::TransportClosed(detail) if detail.is_empty() => f.write_str("the connection closed"),
            Self::TransportClosed(detail) => write!(f, "the connection closed: {detail}"),
        }
    }
}

impl core::error::Error for LostReason {}

/// Why an operation (publish, subscribe, unsubscribe) failed, at once or later in
/// `Event::Completed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// A topic name or filter is not valid.
    InvalidTopic(TopicError),
    /// SUBSCRIBE/UNSUBSCRIBE needs at least one filter.
    NoTopicFilters,
    /// The packet would exceed the server's Maximum Packet Size (or the protocol's limit).
    PacketTooLarge { size: usize, max: usize },
    /// v5: the server's Maximum QoS is lower than the QoS asked for. Not downgraded: a QoS 2
    /// message silently sent as QoS 0 could be lost, and this client promises not to.
    QosNotSupported { requested: QoS, maximum: QoS },
    /// v5: the server does not support retained messages.
    RetainNotSupported,
    /// v5: the server does not support wildcard subscriptions.
    WildcardSubscriptionNotSupported,
    /// v5: the server does not support shared subscriptions.
    SharedSubscriptionNotSupported,
    /// v5: the server does not support subscription identifiers.
    SubscriptionIdentifierNotSupported,
    /// v5 forbids No Local on a shared subscription (MQTT-3.8.3-4).
    NoLocalOnSharedSubscription,
    /// The queue of waiting operations is full: not connected, or connected but the server's
    /// send quota (Receive Maximum) or the packet ids are used up, with `capacity` already
    /// waiting.
    OfflineQueueFull { capacity: usize },
    /// The client is not connected and not trying to (before `connect`, or after `disconnect`).
    Closed,
    /// The server answered with a failure reason code (v5 PUBACK/PUBREC/PUBCOMP/UNSUBACK ≥ 0x80).
    Refused {
        reason: ReasonCode,
        reason_string: Option<String>,
    },
    /// The session gave up connecting (a final refusal, or reconnecting is off).
    ConnectionLost(LostReason),
    /// A field cannot be encoded (a string over 65,535 bytes, …).
    Encode(EncodeError),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidTopic(e) => write!(f, "invalid topic: {e}"),
            Self::NoTopicFilters => f.write_str("give at least one topic filter"),
            Self::PacketTooLarge { size, max } => write!(
                f,
                "the message is too large: {size} bytes, the server accepts at most {max}"
            ),
            Self::QosNotSupported { requested, maximum } => write!(
                f,
                "the server accepts QoS up to {}, not {}",
                *maximum as u8, *requested as u8
            ),
            Self::RetainNotSupported => f.write_str("the server does not keep retained messages"),
            Self::WildcardSubscriptionNotSupported => {
                f.write_str("the server does not allow wildcards (+ or #) in subscriptions")
            }
            Self::SharedSubscriptionNotSupported => {
                f.write_str("the server does not support shared subscriptions ($share/…)")
            }
            Self::SubscriptionIdentifierNotSupported => {
                f.write_str("the server does not support subscription identifiers")
            }
            Self::NoLocalOnSharedSubscription => {
                f.write_str("\"no local\" cannot be used on a shared subscription")
            }
            Self::OfflineQueueFull { capacity } => {
                write!(f, "{capacity} operations are already waiting to be sent")
            }
            Self::Closed => f.write_str("the client is not connected (call connect first)"),
            Self::Refused {
                reason,
                reason_string,
            } => {
                write!(f, "the server refused: {reason}")?;
                write_reason_string(f, reason_string.as_deref())
            }
            Self::ConnectionLost(reason) => write!(f, "gave up connecting: {reason}"),
            Self::Encode(e) => write!(f, "cannot encode the packet: {e}"),
        }
    }
}

impl core::error::Error for ClientError {}

impl From<TopicError> for ClientError {
    fn from(e: TopicError) -> Self {
        Self::InvalidTopic(e)
    }
}

impl From<EncodeError> for ClientError {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::PacketTooLarge { size, max } => Self::PacketTooLarge { size, max },
            other => Self::Encode(other),
        }
    }
}

fn write_reason_string(f: &mut fmt::Formatter<'_>, reason_string: Option<&str>) -> fmt::Result {
    match reason_string {
        Some(text) if !text.is_empty() => write!(f, " ({text})"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_codes_and_carry_reason_strings() {
        let refused = LostReason::Refused {
            code: ReasonCode::BAD_USER_NAME_OR_PASSWORD,
            reason_string: Some("try again".into()),
        };
        assert_eq!(
            refused.to_string(),
            "the server refused the connection: bad user name or password (try again)"
        );
        assert!(refused.is_final());
        let busy = LostReason::Refused {
            code: ReasonCode::SERVER_BUSY,
            reason_string: None,
        };
        assert!(!busy.is_final());
        assert_eq!(
            ClientError::Refused {
                reason: ReasonCode::QUOTA_EXCEEDED,
                reason_string: None
            }
            .to_string(),
            "the server refused: quota exceeded"
        );
        assert_eq!(
            ClientError::from(EncodeError::PacketTooLarge { size: 9, max: 8 }),
            ClientError::PacketTooLarge { size: 9, max: 8 }
        );
    }

    #[test]
    fn protocol_errors_map_to_disconnect_reasons() {
        let cases = [
            (
                ProtocolError::Decode(DecodeError::PacketTooLarge { size: 10, max: 5 }),
                ReasonCode::PACKET_TOO_LARGE,
            ),
            (
                ProtocolError::Decode(DecodeError::InvalidQos),
                ReasonCode::MALFORMED_PACKET,
            ),
            (
                ProtocolError::Decode(DecodeError::DuplicateProperty(0x01)),
                ReasonCode::PROTOCOL_ERROR,
            ),
            (
                ProtocolError::TopicAlias(AliasError::Unknown(3)),
                ReasonCode::TOPIC_ALIAS_INVALID,
            ),
            (
                ProtocolError::UnexpectedPacket(PacketType::Connect),
                ReasonCode::PROTOCOL_ERROR,
            ),
        ];
        for (error, reason) in cases {
            assert_eq!(error.disconnect_reason(), reason, "{error}");
        }
    }
}
