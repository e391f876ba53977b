//! `Client`: the session state machine that ties the pieces together.
//!
//! This file holds the state and the public API; the work is split by job:
//! `lifecycle` (attempts, CONNACK, resuming, losing the connection), `inbound` (the byte
//! stream and each packet from the broker), `operations` (the user's publishes and
//! subscriptions on their way out), `wire` (encoding into the transmit buffer).
//!
//! ```text
//!            connect()                transport_opened()            CONNACK accepted
//!   Idle ──────────────▶ Opening ───────────────────▶ AwaitingConnAck ─────────────▶ Connected
//!    ▲                      │  connect timeout,             │ refused, timeout,          │ lost (transport,
//!    │                      │  transport_closed             │ protocol error             │ keepalive, protocol,
//!    │                      ▼                               ▼                            ▼ server DISCONNECT)
//!    │  final reason, or ◀──────────────────────── connection lost ◀─────────────────────┘
//!    │  reconnect off            │ otherwise
//!    │                           ▼
//!    │                  WaitingToReconnect ── backoff deadline (or connect()) ──▶ Opening
//!    │
//!    └── disconnect() from any state: DISCONNECT if connected, close, fail waiting operations
//! ```

use crate::prelude::*;
use alloc::collections::VecDeque;
use core::fmt;
use core::mem;

use crate::codec::{self, Disconnect, EncodeOptions, Packet, Properties, Subscription};
use crate::topic;

mod inbound;
mod lifecycle;
mod operations;
mod wire;

use wire::connect_packet;

use crate::client::backoff::Backoff;
use crate::client::error::{ClientError, LostReason, OptionsError, ProtocolError};
use crate::client::events::{Event, OpId, OutgoingMessage};
use crate::client::incoming::Qos2Receiver;
use crate::client::keepalive::{KeepAlive, KeepAliveAction};
use crate::client::limits::ServerLimits;
use crate::client::options::Options;
use crate::client::outgoing::{Outgoing, Request, SubscribeRequest, UnsubscribeRequest};
use crate::client::random::RandomSource;
use crate::client::subscriptions::Subscriptions;
use crate::client::topic_alias::{InboundAliases, OutboundAliases};

/// Where the session stands, as the application sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Not connected and not trying (before `connect`, after `disconnect` or giving up).
    Idle,
    /// Opening the transport or waiting for CONNACK.
    Connecting,
    Connected,
    /// Waiting for the backoff delay before the next attempt.
    WaitingToReconnect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    /// `OpenTransport` was emitted; `deadline` is the connect timeout.
    Opening {
        deadline: u64,
    },
    /// CONNECT was sent.
    AwaitingConnAck {
        deadline: u64,
    },
    Connected {
        since: u64,
    },
    WaitingToReconnect {
        at: u64,
    },
}

/// What lives exactly as long as one transport.
#[derive(Debug)]
struct Link {
    /// Bytes of a packet not complete yet.
    rx: Vec<u8>,
    keepalive: KeepAlive,
    limits: ServerLimits,
    inbound_aliases: InboundAliases,
    outbound_aliases: OutboundAliases,
    /// What this connection's CONNECT asked for.
    clean_start: bool,
}

/// The MQTT client session. See the module documentation for the contract and the driver loop.
pub struct Client {
    options: Options,
    rng: Box<dyn RandomSource>,
    state: State,
    /// The id in force: the user's, a generated one, or (v5) the server's assignment.
    client_id: String,
    client_id_assigned: bool,
    link: Option<Link>,
    backoff: Backoff,
    /// The next CONNECT asks for a clean start whatever the options say (after a v5 server
    /// claimed a session we know nothing about).
    force_clean_start: bool,
    /// A CONNACK was accepted on this client, so there is local session state to resume.
    has_session_state: bool,
    outgoing: Outgoing,
    qos2: Qos2Receiver,
    subscriptions: Subscriptions,
    next_op: u64,
    tx: Vec<u8>,
    events: VecDeque<Event>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state)
            .field("client_id", &self.client_id)
            .field("in_flight", &self.outgoing.in_flight_len())
            .field("pending", &self.outgoing.pending_len())
            .field("offline", &self.outgoing.offline_len())
            .field("queued_bytes", &self.tx.len())
            .field("queued_events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A session that is not connected yet. `options` are checked here; a client id is
    /// generated from `rng` if one is needed. `rng` also draws the reconnect jitter.
    pub fn new(options: Options, rng: impl RandomSource + 'static) -> Result<Self, OptionsError> {
        let mut rng: Box<dyn RandomSource> = Box::new(rng);
        let options = options.validated(rng.as_mut())?;
        Ok(Self {
            client_id: options.client_id.clone(),
            client_id_assigned: false,
            rng,
            state: State::Idle,
            link: None,
            backoff: Backoff::new(options.reconnect),
            force_clean_start: false,
            has_session_state: false,
            outgoing: Outgoing::new(options.offline_queue_capacity),
            qos2: Qos2Receiver::new(options.effective_receive_maximum()),
            subscriptions: Subscriptions::default(),
            next_op: 0,
            tx: Vec::new(),
            events: VecDeque::new(),
            options,
        })
    }

    // ---------------------------------------------------------------- commands

    /// Call when the user wants to be connected. Asks for a transport (`Event::OpenTransport`)
    /// unless already connected or connecting; while waiting to reconnect it tries at once.
    /// Also the way to try again after a final refusal (e.g. with a corrected password, through
    /// a new `Client`) or after `disconnect`.
    pub fn connect(&mut self, now: u64) {
        match self.state {
            State::Idle => {
                self.backoff.reset();
                self.begin_attempt(now);
            }
            State::WaitingToReconnect { .. } => self.begin_attempt(now),
            State::Opening { .. } | State::AwaitingConnAck { .. } | State::Connected { .. } => {}
        }
    }

    /// Call when the user wants to stop. Connected: sends DISCONNECT, then asks for the close
    /// (`Event::CloseTransport` after the bytes). Every operation still waiting — in flight,
    /// pending or offline — completes with `ClientError::Closed`; then `Event::Closed`. No
    /// reconnect follows. QoS 2 receive state is kept for a later `connect` to a kept session,
    /// unless flows were abandoned on the wire: then the next `connect` starts clean (see
    /// "Abandoned flows" in the module documentation).
    pub fn disconnect(&mut self, now: u64) {
        match self.state {
            State::Idle => return,
            State::Connected { .. } => {
                let packet = Packet::Disconnect(Disconnect::default());
                self.write_control(now, &packet);
                self.events.push_back(Event::CloseTransport);
            }
            State::Opening { .. } | State::AwaitingConnAck { .. } => {
                self.events.push_back(Event::CloseTransport);
            }
            State::WaitingToReconnect { .. } => {}
        }
        self.link = None;
        self.state = State::Idle;
        self.fail_all(&ClientError::Closed);
        self.events.push_back(Event::Closed);
    }

    /// Publishes a message. Returns at once: `Err` for what can never work (an invalid topic,
    /// or — when connected — something the server's limits forbid); otherwise an `OpId` whose
    /// `Event::Completed` reports the outcome (QoS 0: when handed to `poll_transmit`; QoS 1:
    /// PUBACK; QoS 2: PUBCOMP). While not connected the message waits in the offline queue.
    pub fn publish(&mut self, now: u64, mut message: OutgoingMessage) -> Result<OpId, ClientError> {
        if self.state == State::Idle {
            return Err(ClientError::Closed);
        }
        topic::validate_name(&message.topic)?;
        // Aliases are the session's business, per connection.
        message.properties.topic_alias = None;
        // Only a server puts Subscription Identifiers in a PUBLISH (MQTT-3.3.4-6).
        message.properties.subscription_identifiers.clear();
        let mut request = Request::Publish(message);
        self.check_now(&mut request)?;
        self.submit(now, request)
    }

    /// Subscribes to one or more filters. Outcome: `Completion::Subscribed` with the granted
    /// QoS or refusal per filter. Granted filters are re-subscribed automatically whenever the
    /// broker reports it lost the session.
    pub fn subscribe(
        &mut self,
        now: u64,
        subscriptions: Vec<Subscription<'static>>,
        properties: Properties<'static>,
    ) -> Result<OpId, ClientError> {
        if self.state == State::Idle {
            return Err(ClientError::Closed);
        }
        if subscriptions.is_empty() {
            return Err(ClientError::NoTopicFilters);
        }
        for subscription in &subscriptions {
            topic::validate_filter(&subscription.filter)?;
            if self.options.version.is_v5()
                && subscription.options.no_local
                && topic::split_shared(&subscription.filter).is_some()
            {
                return Err(ClientError::NoLocalOnSharedSubscription);
            }
        }
        let mut request = Request::Subscribe(SubscribeRequest {
            subscriptions,
            properties,
        });
        self.check_now(&mut request)?;
        self.submit(now, request)
    }

    /// Unsubscribes from one or more filters. Outcome: `Completion::Unsubscribed`.
    pub fn unsubscribe(
        &mut self,
        now: u64,
        filters: Vec<String>,
        properties: Properties<'static>,
    ) -> Result<OpId, ClientError> {
        if self.state == State::Idle {
            return Err(ClientError::Closed);
        }
        if filters.is_empty() {
            return Err(ClientError::NoTopicFilters);
        }
        for filter in &filters {
            topic::validate_filter(filter)?;
        }
        let mut request = Request::Unsubscribe(UnsubscribeRequest { filters, properties });
        self.check_now(&mut request)?;
        self.submit(now, request)
    }

    // ---------------------------------------------------------------- transport input

    /// Call when the transport asked for by `Event::OpenTransport` is open. Sends CONNECT.
    pub fn transport_opened(&mut self, now: u64) {
        let State::Opening { deadline } = self.state else {
            return;
        };
        let clean_start = self.options.clean_start || self.force_clean_start;
        self.link = Some(Link {
            rx: Vec::new(),
            keepalive: KeepAlive::new(self.options.keep_alive_secs, self.options.ping_timeout_ms, now),
            limits: ServerLimits::default(),
            inbound_aliases: InboundAliases::new(0),
            outbound_aliases: OutboundAliases::new(0),
            clean_start,
        });
        self.state = State::AwaitingConnAck { deadline };
        let connect = connect_packet(&self.options, &self.client_id, clean_start);
        let opts = EncodeOptions::new(self.options.version);
        if let Err(error) = codec::encode(&connect, &opts, &mut self.tx) {
            // Options were validated, so this is a limit of the protocol itself: retrying
            // cannot help.
            self.link = None;
            self.state = State::Idle;
            self.events.push_back(Event::CloseTransport);
            self.fail_all(&ClientError::from(error));
            self.events.push_back(Event::Closed);
        }
    }

    /// Call with every chunk of bytes the transport delivers, in order. Packets may be split
    /// anywhere and several may arrive at once.
    pub fn handle_bytes(&mut self, now: u64, bytes: &[u8]) {
        let Some(link) = self.link.as_mut() else {
            return;
        };
        if !bytes.is_empty() {
            link.keepalive.on_received(now);
        }
        if link.rx.is_empty() {
            // The common case: decode straight from the input, keep only an incomplete tail.
            let consumed = self.process(now, bytes);
            if let (Some(link), Some(rest)) = (self.link.as_mut(), bytes.get(consumed..)) {
                link.rx.extend_from_slice(rest);
            }
        } else {
            let mut buffer = mem::take(&mut link.rx);
            buffer.extend_from_slice(bytes);
            let consumed = self.process(now, &buffer);
            if let Some(link) = self.link.as_mut() {
                buffer.drain(..consumed.min(buffer.len()));
                link.rx = buffer;
            }
        }
    }

    /// Call when the transport delivered something that cannot be MQTT (a WebSocket text frame):
    /// the connection ends as a protocol error, and reconnects per the policy.
    pub fn not_mqtt_data(&mut self, now: u64) {
        if self.link.is_some() {
            self.protocol_violation(now, ProtocolError::NotMqttData);
        }
    }

    /// Call when the transport closed or failed to open without the session asking
    /// (`Event::CloseTransport`). `detail` is shown to the user (e.g. the WebSocket close code).
    pub fn transport_closed(&mut self, now: u64, detail: &str) {
        match self.state {
            State::Opening { .. } | State::AwaitingConnAck { .. } | State::Connected { .. } => {
                self.connection_lost(now, LostReason::TransportClosed(detail.to_owned()), false);
            }
            State::Idle | State::WaitingToReconnect { .. } => {}
        }
    }

    /// Call when the deadline from `poll_timeout` has come (calling early or late is harmless:
    /// only what is due at `now` happens).
    pub fn handle_timeout(&mut self, now: u64) {
        match self.state {
            State::Opening { deadline } | State::AwaitingConnAck { deadline } if now >= deadline => {
                self.connection_lost(now, LostReason::ConnectTimeout, true);
            }
            State::Connected { .. } => {
                let action = self
                    .link
                    .as_ref()
                    .map_or(KeepAliveAction::Nothing, |link| link.keepalive.poll(now));
                match action {
                    KeepAliveAction::SendPing => {
                        self.write_control(now, &Packet::PingReq);
                        if let Some(link) = self.link.as_mut() {
                            link.keepalive.on_ping_sent(now);
                        }
                    }
                    KeepAliveAction::TimedOut => {
                        self.connection_lost(now, LostReason::KeepAliveTimeout, true);
                    }
                    KeepAliveAction::Nothing => {}
                }
            }
            State::WaitingToReconnect { at } if now >= at => self.begin_attempt(now),
            _ => {}
        }
    }

    // ---------------------------------------------------------------- output

    /// Everything to send since the last call, as one buffer (one WebSocket frame); `None` when
    /// there is nothing. Call after every input, before `poll_event`.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.tx.is_empty() {
            None
        } else {
            Some(mem::take(&mut self.tx))
        }
    }

    /// The next event; call after `poll_transmit` until it returns `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next (connect timeout, keepalive, PINGRESP
    /// deadline, reconnect backoff); `None` when nothing is timed. Re-arm the single timer
    /// from it after every input.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.state {
            State::Idle => None,
            State::Opening { deadline } | State::AwaitingConnAck { deadline } => Some(deadline),
            State::Connected { .. } => self.link.as_ref().and_then(|link| link.keepalive.deadline()),
            State::WaitingToReconnect { at } => Some(at),
        }
    }

    // ---------------------------------------------------------------- inspection

    /// Whether a CONNACK was ever accepted on this client: until then every loss is a failed
    /// first attempt.
    pub fn ever_connected(&self) -> bool {
        self.has_session_state
    }

    pub fn state(&self) -> SessionState {
        match self.state {
            State::Idle => SessionState::Idle,
            State::Opening { .. } | State::AwaitingConnAck { .. } => SessionState::Connecting,
            State::Connected { .. } => SessionState::Connected,
            State::WaitingToReconnect { .. } => SessionState::WaitingToReconnect,
        }
    }

    /// The client id in force (given, generated, or assigned by a v5 server).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The server's limits while connected.
    pub fn server_limits(&self) -> Option<&ServerLimits> {
        match self.state {
            State::Connected { .. } => self.link.as_ref().map(|link| &link.limits),
            _ => None,
        }
    }

    /// Operations sent and waiting for their acknowledgement (each holds a packet id).
    pub fn in_flight_len(&self) -> usize {
        self.outgoing.in_flight_len()
    }

    /// Operations accepted while connected and waiting for a packet id or send quota.
    pub fn pending_len(&self) -> usize {
        self.outgoing.pending_len()
    }

    /// Operations waiting for a connection.
    pub fn offline_queue_len(&self) -> usize {
        self.outgoing.offline_len()
    }

    /// Granted subscriptions the session re-makes after a session loss.
    pub fn active_subscriptions(&self) -> impl Iterator<Item = &str> {
        self.subscriptions.filters()
    }

    pub fn options(&self) -> &Options {
        &self.options
    }
}
