//! What the session tells its driver and application: `Event`s from `Client::poll_event`, and
//! the types they carry.

use crate::prelude::*;
use core::fmt;

use crate::codec::{Properties, QoS, ReasonCode};

use super::error::{ClientError, LostReason};
use super::limits::ServerLimits;

/// A handle for one publish, subscribe or unsubscribe. Its outcome arrives exactly once, as
/// `Event::Completed` with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub(crate) u64);

impl OpId {
    /// The number behind the handle (increasing in the order operations were made).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A message to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// v5 properties. `topic_alias` is ignored: the session manages aliases itself.
    /// `subscription_identifiers` are dropped: only a server may send them in a PUBLISH
    /// (MQTT-3.3.4-6).
    pub properties: Properties<'static>,
}

impl OutgoingMessage {
    /// A message without retain or properties.
    pub fn new(topic: impl Into<String>, payload: impl Into<Vec<u8>>, qos: QoS) -> Self {
        Self {
            topic: topic.into(),
            payload: payload.into(),
            qos,
            retain: false,
            properties: Properties::default(),
        }
    }
}

/// A message the broker delivered to us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The full topic, also when the broker used a topic alias.
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// The broker says this may be a redelivery. A QoS 2 redelivery the session already gave the
    /// application is not given again.
    pub dup: bool,
    /// v5 properties (the topic alias is left as received).
    pub properties: Properties<'static>,
}

/// The result of a successful operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// QoS 0: handed to the transport. QoS 1: PUBACK. QoS 2: PUBCOMP. `reason` is a v5 success
    /// code (e.g. NO_MATCHING_SUBSCRIBERS), `SUCCESS` before v5.
    Published {
        reason: ReasonCode,
        reason_string: Option<String>,
    },
    /// SUBACK: per filter, in the order requested, the granted QoS or the refusal code.
    Subscribed {
        results: Vec<Result<QoS, ReasonCode>>,
        reason_string: Option<String>,
    },
    /// UNSUBACK: v5 gives a code per filter (success, NO_SUBSCRIPTION_EXISTED, or a failure);
    /// empty before v5.
    Unsubscribed {
        codes: Vec<ReasonCode>,
        reason_string: Option<String>,
    },
}

/// What CONNACK told us about the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// The broker kept our session from an earlier connection.
    pub session_present: bool,
    /// The client id in force: ours, generated, or (v5) assigned by the server.
    pub client_id: String,
    /// v5: the server assigned `client_id` because we sent an empty one.
    pub client_id_assigned: bool,
    /// Seconds between keepalives in force (a v5 Server Keep Alive replaces ours).
    pub keep_alive_secs: u16,
    /// What the server accepts (v5; the protocol's defaults before).
    pub limits: ServerLimits,
    /// The CONNACK properties as received (v5), for anything not parsed into `limits`.
    pub properties: Properties<'static>,
}

/// Everything the session reports. See the driver rule in the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Driver: open the transport (WebSocket) now, then call `transport_opened` — or
    /// `transport_closed` if it fails.
    OpenTransport,
    /// Driver: close the transport, after sending what `poll_transmit` returned before this
    /// event. Do not report `transport_closed` for a close the session asked for.
    CloseTransport,
    /// CONNACK accepted the connection.
    Connected(Connected),
    /// A message arrived.
    Message(Message),
    /// An operation ended: exactly once per `OpId`.
    Completed {
        op: OpId,
        result: Result<Completion, ClientError>,
    },
    /// The connection (or an attempt) ended without the user's `disconnect`.
    ConnectionLost(LostReason),
    /// The session will ask to open the transport again after `delay_ms`.
    ReconnectScheduled { attempt: u32, delay_ms: u64 },
    /// An operation was refused because the queue of waiting operations (offline, or pending
    /// while connected) was full: `rejected` counts the refusals since the queue last had room.
    OfflineQueueOverflow { rejected: u64 },
    /// After a session loss, re-subscribing to `filter` was refused (it is no longer active).
    ResubscribeFailed { filter: String, reason: ReasonCode },
    /// The session stopped (after `disconnect`, a final refusal, or a loss with reconnect off).
    /// It does nothing more until `connect`.
    Closed,
}
