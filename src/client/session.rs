//! `Client`: the session state machine that ties the pieces together.
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

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::mem;

use crate::codec::{
    self, Ack, ConnAck, Connect, ConnectReturnCode, DecodeOptions, Disconnect, EncodeError, EncodeOptions,
    MAX_REMAINING_LENGTH, Packet, PacketType, Properties, Publish, QoS, ReasonCode, Status, SubAck,
    Subscribe, Subscription, UnsubAck, Unsubscribe, Will,
};
use crate::topic;

use super::backoff::Backoff;
use super::error::{ClientError, LostReason, OptionsError, ProtocolError};
use super::events::{Completion, Connected, Event, Message, OpId, OutgoingMessage};
use super::incoming::{Qos2Arrival, Qos2Receiver};
use super::keepalive::{KeepAlive, KeepAliveAction};
use super::limits::ServerLimits;
use super::options::Options;
use super::outgoing::{Awaiting, InFlight, Op, Outgoing, Request, SubscribeRequest, UnsubscribeRequest};
use super::random::RandomSource;
use super::subscriptions::Subscriptions;
use super::topic_alias::{InboundAliases, OutboundAliases, OutboundTopic};

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
    /// reconnect follows. QoS 2 receive state is kept for a later `connect` to a kept session.
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

    // ---------------------------------------------------------------- connection lifecycle

    fn begin_attempt(&mut self, now: u64) {
        self.state = State::Opening {
            deadline: now.saturating_add(self.options.connect_timeout_ms),
        };
        self.events.push_back(Event::OpenTransport);
    }

    fn on_connack(&mut self, now: u64, connack: ConnAck<'_>) {
        let version = self.options.version;
        if connack.code != ReasonCode::SUCCESS {
            // Before v5 the code is a connect return code: give it its v5 name.
            let code = if version.is_v5() {
                connack.code
            } else {
                ConnectReturnCode::from_code(connack.code).map_or(connack.code, |rc| rc.to_reason_code())
            };
            let reason_string = connack.properties.reason_string.map(Cow::into_owned);
            self.connection_lost(now, LostReason::Refused { code, reason_string }, true);
            return;
        }
        let clean_start = self.link.as_ref().is_some_and(|link| link.clean_start);
        if connack.session_present && clean_start {
            self.protocol_violation(now, ProtocolError::SessionPresentOnCleanStart);
            return;
        }
        if connack.session_present && version.is_v5() && !self.has_session_state {
            // MQTT-3.2.2-4: close, and start over with a clean session.
            self.force_clean_start = true;
            self.protocol_violation(now, ProtocolError::SessionPresentWithoutLocalState);
            return;
        }

        let properties = connack.properties.into_owned();
        let limits = if version.is_v5() {
            ServerLimits::from_connack(&properties)
        } else {
            ServerLimits::default()
        };
        let keep_alive_secs = properties
            .server_keep_alive
            .filter(|_| version.is_v5())
            .unwrap_or(self.options.keep_alive_secs);
        if let Some(assigned) = properties
            .assigned_client_identifier
            .as_deref()
            .filter(|_| version.is_v5())
        {
            self.client_id = assigned.to_owned();
            self.client_id_assigned = true;
        }
        let outbound_alias_maximum = if version.is_v5() && self.options.auto_topic_alias {
            limits.topic_alias_maximum
        } else {
            0
        };
        if let Some(link) = self.link.as_mut() {
            link.keepalive.set_period(keep_alive_secs);
            link.limits = limits;
            link.inbound_aliases = InboundAliases::new(self.options.topic_alias_maximum);
            link.outbound_aliases = OutboundAliases::new(outbound_alias_maximum);
        }
        self.state = State::Connected { since: now };
        self.force_clean_start = false;
        self.has_session_state = true;
        if !connack.session_present {
            // The broker will never PUBREL what it sent in a session it no longer has.
            self.qos2.clear();
        }
        self.events.push_back(Event::Connected(Connected {
            session_present: connack.session_present,
            client_id: self.client_id.clone(),
            client_id_assigned: self.client_id_assigned,
            keep_alive_secs,
            limits,
            properties,
        }));
        self.resume(now, connack.session_present);
    }

    /// After CONNACK: make the session whole again, then let new traffic through, in this
    /// order: re-subscriptions (session lost), in-flight flows, pending, offline queue.
    fn resume(&mut self, now: u64, session_present: bool) {
        if !session_present {
            for request in self.subscriptions.resubscribe_requests() {
                let op = Op {
                    id: None,
                    request: Request::Subscribe(request),
                };
                self.outgoing.push_pending_front(op);
            }
            // Ahead of in-flight flows: a lost session means lost subscriptions first.
            self.pump_own_operations(now);
        }
        self.resend_in_flight(now, session_present);
        self.pump(now);
        let offline = self.outgoing.take_offline();
        for op in offline {
            let Op { id, mut request } = op;
            match self.check_now(&mut request) {
                Ok(()) => self.dispatch(now, Op { id, request }),
                Err(error) => self.complete(id, Err(error)),
            }
        }
    }

    /// Sends the session's own operations (re-subscriptions) queued at the front of pending.
    fn pump_own_operations(&mut self, now: u64) {
        while let Some((op, packet_id)) = self.outgoing.take_own_sendable() {
            self.start_flow(now, op, packet_id);
        }
    }

    /// Re-sends every in-flight flow in order. With the session kept: PUBLISH with DUP=1 and
    /// PUBREL with their original ids, SUBSCRIBE/UNSUBSCRIBE as they were. With the session
    /// lost: a QoS 2 flow past PUBREC is complete (the broker took the message); the rest are
    /// sent again as new.
    fn resend_in_flight(&mut self, now: u64, session_present: bool) {
        for packet_id in self.outgoing.in_flight_ids() {
            let Some(stage) = self.outgoing.get(packet_id).map(|flight| flight.stage) else {
                continue;
            };
            let result = match stage {
                Awaiting::PubComp if !session_present => {
                    if let Some(flight) = self.outgoing.finish(packet_id) {
                        self.complete(flight.op.id, Ok(published(ReasonCode::SUCCESS, None)));
                    }
                    continue;
                }
                Awaiting::PubComp => {
                    self.write_control(now, &pubrel(packet_id, ReasonCode::SUCCESS));
                    Ok(())
                }
                Awaiting::PubAck | Awaiting::PubRec | Awaiting::Ack => {
                    self.write_in_flight(now, packet_id, session_present)
                }
            };
            if let Err(error) = result {
                // The new connection's limits forbid it (e.g. a smaller Maximum Packet Size).
                if let Some(flight) = self.outgoing.finish(packet_id) {
                    self.complete(flight.op.id, Err(error));
                }
            }
        }
    }

    /// Ends the connection for `reason` (the transport is closed unless it already is), then
    /// reconnects per the policy or gives up.
    fn connection_lost(&mut self, now: u64, reason: LostReason, close_transport: bool) {
        let connected_since = match self.state {
            State::Connected { since } => Some(since),
            _ => None,
        };
        self.link = None;
        if close_transport {
            self.events.push_back(Event::CloseTransport);
        }
        self.events.push_back(Event::ConnectionLost(reason.clone()));
        if connected_since
            .is_some_and(|since| now.saturating_sub(since) >= self.options.reconnect.stable_after_ms)
        {
            self.backoff.reset();
        }
        if self.options.reconnect.enabled && !reason.is_final() {
            let (attempt, delay_ms) = self.backoff.next_delay(self.rng.as_mut());
            self.state = State::WaitingToReconnect {
                at: now.saturating_add(delay_ms),
            };
            self.events
                .push_back(Event::ReconnectScheduled { attempt, delay_ms });
        } else {
            self.state = State::Idle;
            self.fail_all(&ClientError::ConnectionLost(reason));
            self.events.push_back(Event::Closed);
        }
    }

    /// The broker broke the rules: tell it why (v5 DISCONNECT with a reason code; before v5 a
    /// DISCONNECT would mean "normal, drop my will", so nothing is sent), close, reconnect.
    fn protocol_violation(&mut self, now: u64, error: ProtocolError) {
        if self.options.version.is_v5() {
            let packet = Packet::Disconnect(Disconnect {
                reason: error.disconnect_reason(),
                properties: Properties::default(),
            });
            self.write_control(now, &packet);
        }
        self.connection_lost(now, LostReason::Protocol(error), true);
    }

    // ---------------------------------------------------------------- incoming packets

    /// Decodes and handles every complete packet in `buffer`; returns how many bytes were used.
    fn process(&mut self, now: u64, buffer: &[u8]) -> usize {
        let mut offset = 0;
        while self.link.is_some() {
            let Some(rest) = buffer.get(offset..).filter(|rest| !rest.is_empty()) else {
                break;
            };
            let opts = DecodeOptions {
                version: self.options.version,
                max_packet_size: self
                    .options
                    .maximum_packet_size
                    .map_or(MAX_REMAINING_LENGTH + 5, |max| max as usize),
            };
            match codec::decode(rest, &opts) {
                Ok(Status::Complete(packet, used)) => {
                    offset += used;
                    self.on_packet(now, packet);
                }
                Ok(Status::Incomplete) => break,
                Err(error) => {
                    self.protocol_violation(now, ProtocolError::Decode(error));
                    break;
                }
            }
        }
        offset
    }

    fn on_packet(&mut self, now: u64, packet: Packet<'_>) {
        match self.state {
            State::AwaitingConnAck { .. } => match packet {
                Packet::ConnAck(connack) => self.on_connack(now, connack),
                other => self.protocol_violation(now, ProtocolError::UnexpectedPacket(packet_type(&other))),
            },
            State::Connected { .. } => match packet {
                Packet::Publish(publish) => self.on_publish(now, publish),
                Packet::PubAck(ack) => self.on_puback(now, ack),
                Packet::PubRec(ack) => self.on_pubrec(now, ack),
                Packet::PubRel(ack) => self.on_pubrel(now, ack),
                Packet::PubComp(ack) => self.on_pubcomp(now, ack),
                Packet::SubAck(suback) => self.on_suback(now, suback),
                Packet::UnsubAck(unsuback) => self.on_unsuback(now, unsuback),
                Packet::PingResp => {
                    if let Some(link) = self.link.as_mut() {
                        link.keepalive.on_ping_response();
                    }
                }
                Packet::Disconnect(disconnect) => {
                    let reason = LostReason::ServerDisconnect {
                        reason: disconnect.reason,
                        reason_string: disconnect.properties.reason_string.map(Cow::into_owned),
                    };
                    // The server closes the connection after DISCONNECT; we close our end too.
                    self.connection_lost(now, reason, true);
                }
                other @ (Packet::Connect(_)
                | Packet::ConnAck(_)
                | Packet::Subscribe(_)
                | Packet::Unsubscribe(_)
                | Packet::PingReq
                | Packet::Auth(_)) => {
                    self.protocol_violation(now, ProtocolError::UnexpectedPacket(packet_type(&other)));
                }
            },
            State::Idle | State::Opening { .. } | State::WaitingToReconnect { .. } => {}
        }
    }

    fn on_publish(&mut self, now: u64, publish: Publish<'_>) {
        let version = self.options.version;
        let alias = publish.properties.topic_alias.filter(|_| version.is_v5());
        let resolved = match self.link.as_mut() {
            Some(link) if version.is_v5() => link.inbound_aliases.resolve(&publish.topic, alias),
            _ => Ok(None),
        };
        let resolved = match resolved {
            Ok(resolved) => resolved,
            Err(error) => return self.protocol_violation(now, ProtocolError::TopicAlias(error)),
        };
        let topic = resolved.unwrap_or_else(|| publish.topic.to_string());
        if let Err(error) = topic::validate_name(&topic) {
            return self.protocol_violation(now, ProtocolError::TopicName(error));
        }
        let packet_id = publish.packet_id;
        let deliver = match publish.qos {
            QoS::AtMostOnce => true,
            QoS::AtLeastOnce => {
                self.write_control(now, &puback(packet_id));
                true
            }
            QoS::ExactlyOnce => match self.qos2.on_publish(packet_id) {
                Qos2Arrival::New => {
                    self.write_control(now, &pubrec(packet_id));
                    true
                }
                Qos2Arrival::Duplicate => {
                    self.write_control(now, &pubrec(packet_id));
                    false
                }
                Qos2Arrival::OverReceiveMaximum => {
                    return self.protocol_violation(now, ProtocolError::ReceiveMaximumExceeded);
                }
            },
        };
        if deliver {
            self.events.push_back(Event::Message(Message {
                topic,
                payload: publish.payload.into_owned(),
                qos: publish.qos,
                retain: publish.retain,
                dup: publish.dup,
                properties: publish.properties.into_owned(),
            }));
        }
    }

    fn on_puback(&mut self, now: u64, ack: Ack<'_>) {
        if self.stage_of(ack.packet_id) != Some(Awaiting::PubAck) {
            return; // Not ours (any more): nothing to do.
        }
        if let Some(flight) = self.outgoing.finish(ack.packet_id) {
            let result = self.ack_result(ack);
            self.complete(flight.op.id, result);
        }
        self.pump(now);
    }

    fn on_pubrec(&mut self, now: u64, ack: Ack<'_>) {
        let packet_id = ack.packet_id;
        match self.stage_of(packet_id) {
            Some(Awaiting::PubRec) if self.options.version.is_v5() && ack.reason.is_failure() => {
                // v5: the flow ends here, no PUBREL, no retransmission.
                if let Some(flight) = self.outgoing.finish(packet_id) {
                    let result = self.ack_result(ack);
                    self.complete(flight.op.id, result);
                }
                self.pump(now);
            }
            Some(Awaiting::PubRec) => {
                self.outgoing.released(packet_id);
                self.write_control(now, &pubrel(packet_id, ReasonCode::SUCCESS));
            }
            // A repeated PUBREC: answer again.
            Some(Awaiting::PubComp) => self.write_control(now, &pubrel(packet_id, ReasonCode::SUCCESS)),
            // Unknown to us (e.g. the flow was abandoned by `disconnect`): still release it,
            // so the broker's state does not hang.
            _ => self.write_control(now, &pubrel(packet_id, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)),
        }
    }

    fn on_pubrel(&mut self, now: u64, ack: Ack<'_>) {
        let known = self.qos2.on_release(ack.packet_id);
        let reason = if known {
            ReasonCode::SUCCESS
        } else {
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
        };
        self.write_control(now, &pubcomp(ack.packet_id, reason));
    }

    fn on_pubcomp(&mut self, now: u64, ack: Ack<'_>) {
        if self.stage_of(ack.packet_id) != Some(Awaiting::PubComp) {
            return;
        }
        if let Some(flight) = self.outgoing.finish(ack.packet_id) {
            let result = self.ack_result(ack);
            self.complete(flight.op.id, result);
        }
        self.pump(now);
    }

    fn on_suback(&mut self, now: u64, suback: SubAck<'_>) {
        let expected = match self.outgoing.get(suback.packet_id) {
            Some(InFlight {
                op:
                    Op {
                        request: Request::Subscribe(request),
                        ..
                    },
                stage: Awaiting::Ack,
                ..
            }) => request.subscriptions.len(),
            _ => return,
        };
        if suback.codes.len() != expected {
            return self.protocol_violation(
                now,
                ProtocolError::WrongNumberOfCodes {
                    expected,
                    received: suback.codes.len(),
                },
            );
        }
        let Some(InFlight {
            op: Op {
                id,
                request: Request::Subscribe(request),
            },
            ..
        }) = self.outgoing.finish(suback.packet_id)
        else {
            return;
        };
        let identifier = request.properties.subscription_identifiers.first().copied();
        let mut results = Vec::with_capacity(expected);
        for (subscription, code) in request.subscriptions.iter().zip(&suback.codes) {
            match QoS::from_u8(code.0) {
                Some(granted) => {
                    self.subscriptions
                        .add(&subscription.filter, subscription.options, identifier);
                    results.push(Ok(granted));
                }
                None => {
                    if id.is_none() {
                        self.subscriptions.remove(&subscription.filter);
                        self.events.push_back(Event::ResubscribeFailed {
                            filter: subscription.filter.to_string(),
                            reason: *code,
                        });
                    }
                    results.push(Err(*code));
                }
            }
        }
        let reason_string = suback.properties.reason_string.map(Cow::into_owned);
        self.complete(
            id,
            Ok(Completion::Subscribed {
                results,
                reason_string,
            }),
        );
        self.pump(now);
    }

    fn on_unsuback(&mut self, now: u64, unsuback: UnsubAck<'_>) {
        let expected = match self.outgoing.get(unsuback.packet_id) {
            Some(InFlight {
                op:
                    Op {
                        request: Request::Unsubscribe(request),
                        ..
                    },
                stage: Awaiting::Ack,
                ..
            }) => request.filters.len(),
            _ => return,
        };
        // Before v5 UNSUBACK has no codes.
        if self.options.version.is_v5() && unsuback.codes.len() != expected {
            return self.protocol_violation(
                now,
                ProtocolError::WrongNumberOfCodes {
                    expected,
                    received: unsuback.codes.len(),
                },
            );
        }
        let Some(InFlight {
            op: Op {
                id,
                request: Request::Unsubscribe(request),
            },
            ..
        }) = self.outgoing.finish(unsuback.packet_id)
        else {
            return;
        };
        for (index, filter) in request.filters.iter().enumerate() {
            let refused = unsuback.codes.get(index).is_some_and(|code| code.is_failure());
            if !refused {
                self.subscriptions.remove(filter);
            }
        }
        let reason_string = unsuback.properties.reason_string.map(Cow::into_owned);
        self.complete(
            id,
            Ok(Completion::Unsubscribed {
                codes: unsuback.codes,
                reason_string,
            }),
        );
        self.pump(now);
    }

    /// The outcome a PUBACK/PUBCOMP/PUBREC reports (failure codes only exist in v5).
    fn ack_result(&self, ack: Ack<'_>) -> Result<Completion, ClientError> {
        let reason_string = ack.properties.reason_string.map(Cow::into_owned);
        if self.options.version.is_v5() && ack.reason.is_failure() {
            Err(ClientError::Refused {
                reason: ack.reason,
                reason_string,
            })
        } else {
            Ok(published(ack.reason, reason_string))
        }
    }

    fn stage_of(&self, packet_id: u16) -> Option<Awaiting> {
        self.outgoing.get(packet_id).map(|flight| flight.stage)
    }

    // ---------------------------------------------------------------- outgoing operations

    fn next_op_id(&mut self) -> OpId {
        self.next_op += 1;
        OpId(self.next_op)
    }

    /// Takes an accepted request: sends it when connected, queues it offline when connecting
    /// or waiting to reconnect.
    fn submit(&mut self, now: u64, request: Request) -> Result<OpId, ClientError> {
        match self.state {
            State::Idle => Err(ClientError::Closed),
            State::Connected { .. } => {
                let id = self.next_op_id();
                self.dispatch(
                    now,
                    Op {
                        id: Some(id),
                        request,
                    },
                );
                Ok(id)
            }
            State::Opening { .. } | State::AwaitingConnAck { .. } | State::WaitingToReconnect { .. } => {
                let id = self.next_op_id();
                match self.outgoing.queue_offline(Op {
                    id: Some(id),
                    request,
                }) {
                    Ok(()) => Ok(id),
                    Err(full) => {
                        self.events.push_back(Event::OfflineQueueOverflow {
                            rejected: full.rejected,
                        });
                        Err(ClientError::OfflineQueueFull {
                            capacity: full.capacity,
                        })
                    }
                }
            }
        }
    }

    /// Connected: QoS 0 goes out now; everything else needs a packet id (and maybe quota).
    fn dispatch(&mut self, now: u64, op: Op) {
        match op.request {
            Request::Publish(mut message) if message.qos == QoS::AtMostOnce => {
                let result = self.write_new_publish(now, &mut message, 0);
                self.complete(op.id, result.map(|()| published(ReasonCode::SUCCESS, None)));
            }
            request => {
                self.outgoing.push_pending(Op { id: op.id, request });
                self.pump(now);
            }
        }
    }

    /// Sends whatever waiting operations can go now.
    fn pump(&mut self, now: u64) {
        if !matches!(self.state, State::Connected { .. }) {
            return;
        }
        let receive_maximum = self
            .link
            .as_ref()
            .map_or(u16::MAX, |link| link.limits.receive_maximum);
        while let Some((op, packet_id)) = self.outgoing.take_sendable(receive_maximum) {
            self.start_flow(now, op, packet_id);
        }
    }

    /// Sends the first packet of a flow and records it as in flight.
    fn start_flow(&mut self, now: u64, op: Op, packet_id: u16) {
        let Op { id, mut request } = op;
        let sent = self.check_now(&mut request).and_then(|()| match &mut request {
            Request::Publish(message) => self.write_new_publish(now, message, packet_id),
            Request::Subscribe(subscribe) => self.write_subscribe(now, subscribe, packet_id),
            Request::Unsubscribe(unsubscribe) => self.write_unsubscribe(now, unsubscribe, packet_id),
        });
        match sent {
            Ok(()) => {
                let stage = match &request {
                    Request::Publish(message) if message.qos == QoS::ExactlyOnce => Awaiting::PubRec,
                    Request::Publish(_) => Awaiting::PubAck,
                    Request::Subscribe(_) | Request::Unsubscribe(_) => Awaiting::Ack,
                };
                self.outgoing.start(Op { id, request }, packet_id, stage);
            }
            Err(error) => {
                self.outgoing.release_unused(packet_id);
                self.complete(id, Err(error));
            }
        }
    }

    /// Checks a request against the limits of the current connection (nothing to check when
    /// not connected: the server's limits are not known yet).
    fn check_now(&self, request: &mut Request) -> Result<(), ClientError> {
        let Some(link) = self
            .link
            .as_ref()
            .filter(|_| matches!(self.state, State::Connected { .. }))
        else {
            return Ok(());
        };
        let limits = &link.limits;
        let opts = EncodeOptions {
            version: self.options.version,
            max_packet_size: limits.max_packet_size(),
        };
        match request {
            Request::Publish(message) => {
                if message.qos > limits.maximum_qos {
                    return Err(ClientError::QosNotSupported {
                        requested: message.qos,
                        maximum: limits.maximum_qos,
                    });
                }
                if message.retain && !limits.retain_available {
                    return Err(ClientError::RetainNotSupported);
                }
                // Sized with the full topic: a re-send after a reconnect carries it.
                with_publish_packet(message, 1, false, None, |packet| {
                    codec::encoded_len(packet, &opts)
                })?;
            }
            Request::Subscribe(subscribe) => {
                for subscription in &subscribe.subscriptions {
                    let shared = topic::split_shared(&subscription.filter);
                    let plain = shared.map_or(&*subscription.filter, |(_, inner)| inner);
                    if !limits.wildcard_subscription_available && plain.contains(['+', '#']) {
                        return Err(ClientError::WildcardSubscriptionNotSupported);
                    }
                    if !limits.shared_subscription_available && shared.is_some() {
                        return Err(ClientError::SharedSubscriptionNotSupported);
                    }
                }
                if !limits.subscription_identifiers_available
                    && !subscribe.properties.subscription_identifiers.is_empty()
                {
                    return Err(ClientError::SubscriptionIdentifierNotSupported);
                }
                codec::encoded_len(&subscribe_packet(subscribe, 1), &opts)?;
            }
            Request::Unsubscribe(unsubscribe) => {
                codec::encoded_len(&unsubscribe_packet(unsubscribe, 1), &opts)?;
            }
        }
        Ok(())
    }

    /// Reports an operation's outcome (the session's own operations have no one to tell).
    fn complete(&mut self, id: Option<OpId>, result: Result<Completion, ClientError>) {
        if let Some(op) = id {
            self.events.push_back(Event::Completed { op, result });
        }
    }

    fn fail_all(&mut self, error: &ClientError) {
        for op in self.outgoing.drain_all() {
            self.complete(op.id, Err(error.clone()));
        }
    }

    // ---------------------------------------------------------------- writing packets

    fn encode_options(&self) -> EncodeOptions {
        EncodeOptions {
            version: self.options.version,
            max_packet_size: self
                .link
                .as_ref()
                .map_or(MAX_REMAINING_LENGTH + 5, |link| link.limits.max_packet_size()),
        }
    }

    fn note_sent(&mut self, now: u64) {
        if let Some(link) = self.link.as_mut() {
            link.keepalive.on_sent(now);
        }
    }

    /// Writes a small fixed-shape packet (acks, PINGREQ, DISCONNECT). These carry no user data
    /// and are far below any packet size limit, so encoding cannot fail.
    fn write_control(&mut self, now: u64, packet: &Packet<'_>) {
        let opts = self.encode_options();
        if codec::encode(packet, &opts, &mut self.tx).is_ok() {
            self.note_sent(now);
        }
    }

    /// Writes a PUBLISH sent for the first time, with a topic alias when one applies.
    fn write_new_publish(
        &mut self,
        now: u64,
        message: &mut OutgoingMessage,
        packet_id: u16,
    ) -> Result<(), ClientError> {
        let opts = self.encode_options();
        let topic = match self.link.as_mut() {
            Some(link) => link.outbound_aliases.assign(&message.topic),
            None => OutboundTopic::Full,
        };
        let tx = &mut self.tx;
        let result = with_publish_packet(message, packet_id, false, Some(topic), |packet| {
            codec::encode(packet, &opts, tx)
        });
        match result {
            Ok(_) => {
                self.note_sent(now);
                Ok(())
            }
            Err(error) => {
                if let (Some(link), OutboundTopic::Define(_)) = (self.link.as_mut(), topic) {
                    link.outbound_aliases.forget(&message.topic);
                }
                Err(error.into())
            }
        }
    }

    fn write_subscribe(
        &mut self,
        now: u64,
        subscribe: &SubscribeRequest,
        packet_id: u16,
    ) -> Result<(), ClientError> {
        let opts = self.encode_options();
        codec::encode(&subscribe_packet(subscribe, packet_id), &opts, &mut self.tx)?;
        self.note_sent(now);
        Ok(())
    }

    fn write_unsubscribe(
        &mut self,
        now: u64,
        unsubscribe: &UnsubscribeRequest,
        packet_id: u16,
    ) -> Result<(), ClientError> {
        let opts = self.encode_options();
        codec::encode(&unsubscribe_packet(unsubscribe, packet_id), &opts, &mut self.tx)?;
        self.note_sent(now);
        Ok(())
    }

    /// Re-sends the packet of an in-flight PUBLISH (full topic, DUP as given) or
    /// SUBSCRIBE/UNSUBSCRIBE.
    fn write_in_flight(&mut self, now: u64, packet_id: u16, dup: bool) -> Result<(), ClientError> {
        let opts = self.encode_options();
        let Some(flight) = self.outgoing.get_mut(packet_id) else {
            return Ok(());
        };
        let tx = &mut self.tx;
        match &mut flight.op.request {
            Request::Publish(message) => {
                with_publish_packet(message, packet_id, dup, None, |packet| {
                    codec::encode(packet, &opts, tx)
                })?;
            }
            Request::Subscribe(subscribe) => {
                codec::encode(&subscribe_packet(subscribe, packet_id), &opts, tx)?;
            }
            Request::Unsubscribe(unsubscribe) => {
                codec::encode(&unsubscribe_packet(unsubscribe, packet_id), &opts, tx)?;
            }
        }
        self.note_sent(now);
        Ok(())
    }
}

/// Builds the PUBLISH for `message` without copying it: topic, payload and properties are moved
/// into the packet and moved back afterwards. `topic`: how to name the topic (`None` = the full
/// topic, no alias).
fn with_publish_packet<T>(
    message: &mut OutgoingMessage,
    packet_id: u16,
    dup: bool,
    topic: Option<OutboundTopic>,
    f: impl FnOnce(&Packet<'_>) -> Result<T, EncodeError>,
) -> Result<T, EncodeError> {
    let full_topic = mem::take(&mut message.topic);
    let (name, alias, kept_topic) = match topic.unwrap_or(OutboundTopic::Full) {
        OutboundTopic::Full => (Cow::Owned(full_topic), None, None),
        OutboundTopic::Define(alias) => (Cow::Owned(full_topic), Some(alias), None),
        OutboundTopic::Use(alias) => (Cow::Borrowed(""), Some(alias), Some(full_topic)),
    };
    let mut properties = mem::take(&mut message.properties);
    properties.topic_alias = alias;
    let packet: Packet<'static> = Packet::Publish(Publish {
        dup: dup && message.qos != QoS::AtMostOnce,
        qos: message.qos,
        retain: message.retain,
        topic: name,
        packet_id: if message.qos == QoS::AtMostOnce {
            0
        } else {
            packet_id
        },
        properties,
        payload: Cow::Owned(mem::take(&mut message.payload)),
    });
    let result = f(&packet);
    if let Packet::Publish(publish) = packet {
        // `into_owned` on an owned `Cow` gives the value back without copying.
        message.topic = kept_topic.unwrap_or_else(|| publish.topic.into_owned());
        message.payload = publish.payload.into_owned();
        message.properties = publish.properties;
        message.properties.topic_alias = None;
    }
    result
}

/// CONNECT for this session's options.
fn connect_packet<'a>(options: &'a Options, client_id: &'a str, clean_start: bool) -> Packet<'a> {
    let mut properties = Properties::default();
    if options.version.is_v5() {
        properties.session_expiry_interval = options.session_expiry_secs;
        properties.receive_maximum = options.receive_maximum;
        properties.maximum_packet_size = options.maximum_packet_size;
        properties.topic_alias_maximum = Some(options.topic_alias_maximum).filter(|&max| max > 0);
        properties.request_problem_information = options.request_problem_information;
        properties.request_response_information = options.request_response_information;
        properties.user_properties = options
            .user_properties
            .iter()
            .map(|(name, value)| (Cow::Borrowed(name.as_str()), Cow::Borrowed(value.as_str())))
            .collect();
    }
    Packet::Connect(Connect {
        protocol: options.version,
        clean_start,
        keep_alive: options.keep_alive_secs,
        client_id: Cow::Borrowed(client_id),
        will: options.will.as_ref().map(|will| Will {
            topic: Cow::Borrowed(&will.topic),
            payload: Cow::Borrowed(&will.payload),
            qos: will.qos,
            retain: will.retain,
            properties: will.properties.clone(),
        }),
        username: options.username.as_deref().map(Cow::Borrowed),
        password: options.password.as_deref().map(Cow::Borrowed),
        properties,
    })
}

fn subscribe_packet(request: &SubscribeRequest, packet_id: u16) -> Packet<'_> {
    Packet::Subscribe(Subscribe {
        packet_id,
        properties: request.properties.clone(),
        subscriptions: request
            .subscriptions
            .iter()
            .map(|subscription| Subscription {
                filter: Cow::Borrowed(&subscription.filter),
                options: subscription.options,
            })
            .collect(),
    })
}

fn unsubscribe_packet(request: &UnsubscribeRequest, packet_id: u16) -> Packet<'_> {
    Packet::Unsubscribe(Unsubscribe {
        packet_id,
        properties: request.properties.clone(),
        filters: request
            .filters
            .iter()
            .map(|filter| Cow::Borrowed(filter.as_str()))
            .collect(),
    })
}

fn ack(packet_id: u16, reason: ReasonCode) -> Ack<'static> {
    Ack {
        packet_id,
        reason,
        properties: Properties::default(),
    }
}

fn puback(packet_id: u16) -> Packet<'static> {
    Packet::PubAck(ack(packet_id, ReasonCode::SUCCESS))
}

fn pubrec(packet_id: u16) -> Packet<'static> {
    Packet::PubRec(ack(packet_id, ReasonCode::SUCCESS))
}

fn pubrel(packet_id: u16, reason: ReasonCode) -> Packet<'static> {
    Packet::PubRel(ack(packet_id, reason))
}

fn pubcomp(packet_id: u16, reason: ReasonCode) -> Packet<'static> {
    Packet::PubComp(ack(packet_id, reason))
}

fn published(reason: ReasonCode, reason_string: Option<String>) -> Completion {
    Completion::Published {
        reason,
        reason_string,
    }
}

/// The fixed-header type of a packet (for error messages).
fn packet_type(packet: &Packet<'_>) -> PacketType {
    match packet {
        Packet::Connect(_) => PacketType::Connect,
        Packet::ConnAck(_) => PacketType::ConnAck,
        Packet::Publish(_) => PacketType::Publish,
        Packet::PubAck(_) => PacketType::PubAck,
        Packet::PubRec(_) => PacketType::PubRec,
        Packet::PubRel(_) => PacketType::PubRel,
        Packet::PubComp(_) => PacketType::PubComp,
        Packet::Subscribe(_) => PacketType::Subscribe,
        Packet::SubAck(_) => PacketType::SubAck,
        Packet::Unsubscribe(_) => PacketType::Unsubscribe,
        Packet::UnsubAck(_) => PacketType::UnsubAck,
        Packet::PingReq => PacketType::PingReq,
        Packet::PingResp => PacketType::PingResp,
        Packet::Disconnect(_) => PacketType::Disconnect,
        Packet::Auth(_) => PacketType::Auth,
    }
}
