//! A deterministic two-party harness: the client session on one side, a small scripted broker
//! built on our codec on the other, bytes shuttled between them by a driver that follows the
//! documented driver rule, and virtual time that only moves when a test says so.
//!
//! - `SeededRng`: a SplitMix64 random source, so jitter and generated ids are reproducible.
//! - `Broker`: decodes what the client sends (and logs it with the virtual time), answers per
//!   its switches (CONNACK plan, auto acks, PINGRESP, SUBACK codes, echo to subscribers), and
//!   lets a test send any packet or raw bytes.
//! - `Pair`: the driver and the clock. `drive()` runs the loop until nothing moves; `advance`
//!   fires each timer of `poll_timeout` at its exact deadline.

#![allow(dead_code)] // reason: each test file uses a different part of the harness.

use std::borrow::Cow;
use std::collections::VecDeque;

use scratch_mqtt_core::client::{
    Client, Completion, Event, Message, OpId, Options, OutgoingMessage, RandomSource,
};
use scratch_mqtt_core::codec::{
    Ack, ConnAck, DecodeOptions, Disconnect, EncodeOptions, Packet, PacketType, Properties, ProtocolVersion,
    Publish, QoS, ReasonCode, Status, SubAck, Subscription, SubscriptionOptions, UnsubAck, decode, encode,
};
use scratch_mqtt_core::topic;

pub const ALL_VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// SplitMix64: tiny, seedable, good enough for jitter.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
}

impl RandomSource for SeededRng {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 32) as u32
    }
}

/// How the broker answers the next CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAckPlan {
    pub code: ReasonCode,
    /// `None`: computed (a kept session exists and the client did not ask for a clean start).
    pub session_present: Option<bool>,
    pub properties: Properties<'static>,
    /// Close the connection right after CONNACK (brokers do after a refusal).
    pub close_after: bool,
}

impl ConnAckPlan {
    pub fn accept() -> Self {
        Self {
            code: ReasonCode::SUCCESS,
            session_present: None,
            properties: Properties::default(),
            close_after: false,
        }
    }

    pub fn refuse(code: u8) -> Self {
        Self {
            code: ReasonCode(code),
            session_present: Some(false),
            properties: Properties::default(),
            close_after: true,
        }
    }

    pub fn with_properties(properties: Properties<'static>) -> Self {
        Self {
            properties,
            ..Self::accept()
        }
    }
}

/// A scripted broker over our codec. Public switches decide how it answers.
#[derive(Debug)]
pub struct Broker {
    /// Accept transport opens (false simulates an unreachable server).
    pub accept_transport: bool,
    /// Answer CONNECT at all (false: the client's connect timeout must fire).
    pub answer_connect: bool,
    /// Used for CONNACKs when `connack_queue` is empty.
    pub default_connack: ConnAckPlan,
    /// Plans for the next CONNECTs, in order.
    pub connack_queue: VecDeque<ConnAckPlan>,
    /// PUBACK (QoS 1) / PUBREC (QoS 2) for the client's PUBLISH.
    pub auto_ack_publish: bool,
    /// The reason code in those acks (v5).
    pub ack_reason: ReasonCode,
    /// PUBCOMP for the client's PUBREL.
    pub auto_pubcomp: bool,
    /// PUBREL for the client's PUBREC (messages the broker sent).
    pub auto_pubrel: bool,
    pub auto_pingresp: bool,
    /// SUBACK codes; `None` grants the requested QoS for every filter.
    pub suback_codes: Option<Vec<ReasonCode>>,
    pub auto_suback: bool,
    pub auto_unsuback: bool,
    /// Route the client's PUBLISH back to it when it matches one of its subscriptions.
    pub echo: bool,

    /// Everything the client sent, with the virtual time it arrived.
    pub received: Vec<(u64, Packet<'static>)>,
    pub version: ProtocolVersion,
    pub open: bool,
    pub connections: usize,
    /// A session exists (an accepted CONNECT happened and was not wiped by a clean start).
    pub has_session: bool,
    pub subscriptions: Vec<(String, QoS)>,
    close_requested: bool,
    rx: Vec<u8>,
    tx: Vec<u8>,
    next_packet_id: u16,
}

impl Default for Broker {
    fn default() -> Self {
        Self {
            accept_transport: true,
            answer_connect: true,
            default_connack: ConnAckPlan::accept(),
            connack_queue: VecDeque::new(),
            auto_ack_publish: true,
            ack_reason: ReasonCode::SUCCESS,
            auto_pubcomp: true,
            auto_pubrel: true,
            auto_pingresp: true,
            suback_codes: None,
            auto_suback: true,
            auto_unsuback: true,
            echo: false,
            received: Vec::new(),
            version: ProtocolVersion::V3_1_1,
            open: false,
            connections: 0,
            has_session: false,
            subscriptions: Vec::new(),
            close_requested: false,
            rx: Vec::new(),
            tx: Vec::new(),
            next_packet_id: 1,
        }
    }
}

impl Broker {
    fn opened(&mut self) {
        self.open = true;
        self.connections += 1;
        self.rx.clear();
        self.tx.clear();
        self.close_requested = false;
    }

    fn closed(&mut self) {
        self.open = false;
        self.rx.clear();
        self.tx.clear();
    }

    /// Bytes from the client.
    fn receive(&mut self, now: u64, bytes: &[u8]) {
        self.rx.extend_from_slice(bytes);
        loop {
            let opts = DecodeOptions::new(self.version);
            let (packet, used) = match decode(&self.rx, &opts) {
                Ok(Status::Complete(packet, used)) => (packet.into_owned(), used),
                Ok(Status::Incomplete) => break,
                Err(error) => panic!("the client sent bytes our codec rejects: {error}"),
            };
            self.rx.drain(..used);
            self.handle(now, &packet);
            self.received.push((now, packet));
        }
    }

    fn handle(&mut self, _now: u64, packet: &Packet<'static>) {
        match packet {
            Packet::Connect(connect) => {
                self.version = connect.protocol;
                if !self.answer_connect {
                    return;
                }
                let plan = self
                    .connack_queue
                    .pop_front()
                    .unwrap_or_else(|| self.default_connack.clone());
                let accepted = plan.code == ReasonCode::SUCCESS;
                let session_present = plan
                    .session_present
                    .unwrap_or(accepted && !connect.clean_start && self.has_session);
                if accepted {
                    if connect.clean_start || !self.has_session {
                        self.subscriptions.clear();
                    }
                    self.has_session = true;
                }
                self.send(&Packet::ConnAck(ConnAck {
                    session_present,
                    code: plan.code,
                    properties: plan.properties,
                }));
                if plan.close_after {
                    self.close_requested = true;
                }
            }
            Packet::Publish(publish) => {
                if self.auto_ack_publish {
                    let ack = self.ack(publish.packet_id);
                    match publish.qos {
                        QoS::AtMostOnce => {}
                        QoS::AtLeastOnce => self.send(&Packet::PubAck(ack)),
                        QoS::ExactlyOnce => self.send(&Packet::PubRec(ack)),
                    }
                }
                if self.echo {
                    let routes: Vec<QoS> = self
                        .subscriptions
                        .iter()
                        .filter(|(filter, _)| topic::matches(filter, &publish.topic))
                        .map(|(_, qos)| (*qos).min(publish.qos))
                        .collect();
                    for qos in routes {
                        let packet_id = if qos == QoS::AtMostOnce { 0 } else { self.next_id() };
                        self.send(&Packet::Publish(Publish {
                            dup: false,
                            qos,
                            retain: false,
                            topic: publish.topic.clone(),
                            packet_id,
                            properties: Properties::default(),
                            payload: publish.payload.clone(),
                        }));
                    }
                }
            }
            Packet::PubRel(ack) if self.auto_pubcomp => {
                self.send(&Packet::PubComp(plain_ack(ack.packet_id)));
            }
            Packet::PubRec(ack) if self.auto_pubrel => {
                self.send(&Packet::PubRel(plain_ack(ack.packet_id)));
            }
            Packet::Subscribe(subscribe) => {
                let codes = self.suback_codes.clone().unwrap_or_else(|| {
                    subscribe
                        .subscriptions
                        .iter()
                        .map(|s| ReasonCode(s.options.qos as u8))
                        .collect()
                });
                for (subscription, code) in subscribe.subscriptions.iter().zip(&codes) {
                    if let Some(qos) = QoS::from_u8(code.0) {
                        self.subscriptions
                            .retain(|(filter, _)| *filter != subscription.filter);
                        self.subscriptions.push((subscription.filter.to_string(), qos));
                    }
                }
                if self.auto_suback {
                    self.send(&Packet::SubAck(SubAck {
                        packet_id: subscribe.packet_id,
                        properties: Properties::default(),
                        codes,
                    }));
                }
            }
            Packet::Unsubscribe(unsubscribe) => {
                self.subscriptions
                    .retain(|(filter, _)| !unsubscribe.filters.iter().any(|f| f == filter));
                if self.auto_unsuback {
                    let codes = if self.version == ProtocolVersion::V5 {
                        vec![ReasonCode::SUCCESS; unsubscribe.filters.len()]
                    } else {
                        Vec::new()
                    };
                    self.send(&Packet::UnsubAck(UnsubAck {
                        packet_id: unsubscribe.packet_id,
                        properties: Properties::default(),
                        codes,
                    }));
                }
            }
            Packet::PingReq if self.auto_pingresp => self.send(&Packet::PingResp),
            _ => {}
        }
    }

    fn ack(&self, packet_id: u16) -> Ack<'static> {
        Ack {
            packet_id,
            reason: self.ack_reason,
            properties: Properties::default(),
        }
    }

    fn next_id(&mut self) -> u16 {
        let id = self.next_packet_id;
        self.next_packet_id = self.next_packet_id.checked_add(1).unwrap_or(1);
        id
    }

    /// Queues a packet for the client (delivered at the next `drive`).
    pub fn send(&mut self, packet: &Packet<'_>) {
        encode(packet, &EncodeOptions::new(self.version), &mut self.tx).expect("broker packet encodes");
    }

    /// Queues raw bytes for the client.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.tx.extend_from_slice(bytes);
    }

    /// Sends a PUBLISH to the client.
    pub fn publish(&mut self, topic: &str, payload: &[u8], qos: QoS, packet_id: u16) {
        self.send(&publish_packet(topic, payload, qos, packet_id));
    }

    /// Closes the connection from the broker's side after what is queued.
    pub fn close(&mut self) {
        self.close_requested = true;
    }

    /// Forgets the stored session (as a broker restart or an expired session would).
    pub fn forget_session(&mut self) {
        self.has_session = false;
        self.subscriptions.clear();
    }

    /// Takes the log of received packets.
    pub fn take_received(&mut self) -> Vec<Packet<'static>> {
        self.received.drain(..).map(|(_, packet)| packet).collect()
    }

    /// The types of the received packets, without taking them.
    pub fn received_types(&self) -> Vec<PacketType> {
        self.received
            .iter()
            .map(|(_, packet)| packet.packet_type())
            .collect()
    }
}

/// The driver and the virtual clock.
pub struct Pair {
    pub client: Client,
    pub broker: Broker,
    pub now: u64,
    pub transport_open: bool,
    /// False: what the client sends is lost on the way (the broker never sees it).
    pub deliver_to_broker: bool,
    /// Every event with the virtual time it came out.
    pub events: Vec<(u64, Event)>,
    /// Every buffer `poll_transmit` returned, with its time (whether or not it reached the broker).
    pub frames: Vec<(u64, Vec<u8>)>,
}

impl Pair {
    pub fn new(options: Options) -> Self {
        Self::with_seed(options, 1)
    }

    pub fn with_seed(options: Options, seed: u64) -> Self {
        let client = Client::new(options, SeededRng::new(seed)).expect("valid options");
        Self {
            client,
            broker: Broker::default(),
            now: 0,
            transport_open: false,
            deliver_to_broker: true,
            events: Vec::new(),
            frames: Vec::new(),
        }
    }

    /// Connects and runs until the CONNACK was handled; clears the logs.
    pub fn connected(options: Options) -> Self {
        let mut pair = Self::new(options);
        pair.connect();
        assert!(pair.is_connected(), "events: {:?}", pair.events);
        pair.events.clear();
        pair.frames.clear();
        pair.broker.received.clear();
        pair
    }

    pub fn connect(&mut self) {
        self.client.connect(self.now);
        self.drive();
    }

    pub fn is_connected(&self) -> bool {
        self.client.state() == scratch_mqtt_core::client::SessionState::Connected
    }

    /// The driver loop: after each input, transmit first, then events; repeat until quiet.
    pub fn drive(&mut self) {
        for _ in 0..1_000_000 {
            let mut moved = false;
            if let Some(bytes) = self.client.poll_transmit() {
                moved = true;
                if self.transport_open && self.deliver_to_broker {
                    self.broker.receive(self.now, &bytes);
                }
                self.frames.push((self.now, bytes));
            }
            let mut open_requested = false;
            while let Some(event) = self.client.poll_event() {
                moved = true;
                match event {
                    Event::OpenTransport => open_requested = true,
                    Event::CloseTransport => {
                        self.transport_open = false;
                        self.broker.closed();
                    }
                    _ => {}
                }
                self.events.push((self.now, event));
            }
            if open_requested {
                if self.broker.accept_transport {
                    self.transport_open = true;
                    self.broker.opened();
                    self.client.transport_opened(self.now);
                } else {
                    self.client.transport_closed(self.now, "connection refused");
                }
                continue;
            }
            if self.transport_open {
                let bytes = std::mem::take(&mut self.broker.tx);
                if !bytes.is_empty() {
                    self.client.handle_bytes(self.now, &bytes);
                    // Drain the client's output before the next input (the driver rule).
                    continue;
                }
                // The broker closes after the client has read what came before the close.
                if self.broker.close_requested {
                    self.broker.close_requested = false;
                    self.transport_open = false;
                    self.broker.closed();
                    self.client.transport_closed(self.now, "closed by the broker");
                    continue;
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the driver loop never settled");
    }

    /// Moves virtual time to `target`, firing every timer at its exact deadline on the way.
    pub fn advance_to(&mut self, target: u64) {
        for _ in 0..1_000_000 {
            match self.client.poll_timeout() {
                Some(deadline) if deadline <= target => {
                    self.now = self.now.max(deadline);
                    self.client.handle_timeout(self.now);
                    self.drive();
                }
                _ => {
                    self.now = self.now.max(target);
                    return;
                }
            }
        }
        panic!("timers never settled before {target}");
    }

    pub fn advance(&mut self, ms: u64) {
        self.advance_to(self.now + ms);
    }

    /// The network fails: both sides see the connection end.
    pub fn drop_connection(&mut self) {
        assert!(self.transport_open, "no connection to drop");
        self.transport_open = false;
        self.broker.closed();
        self.client.transport_closed(self.now, "network lost");
        self.drive();
    }

    pub fn publish(&mut self, message: OutgoingMessage) -> OpId {
        let id = self.client.publish(self.now, message).expect("publish accepted");
        self.drive();
        id
    }

    pub fn subscribe(&mut self, filter: &str, qos: QoS) -> OpId {
        let id = self
            .client
            .subscribe(self.now, vec![subscription(filter, qos)], Properties::default())
            .expect("subscribe accepted");
        self.drive();
        id
    }

    /// Takes the logged events.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).map(|(_, event)| event).collect()
    }

    /// Messages delivered so far (without taking them).
    pub fn messages(&self) -> Vec<Message> {
        self.events
            .iter()
            .filter_map(|(_, event)| match event {
                Event::Message(message) => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// Completions so far, in order.
    pub fn completions(&self) -> Vec<(OpId, Result<Completion, scratch_mqtt_core::client::ClientError>)> {
        self.events
            .iter()
            .filter_map(|(_, event)| match event {
                Event::Completed { op, result } => Some((*op, result.clone())),
                _ => None,
            })
            .collect()
    }

    /// The completion of `op`, which must exist exactly once.
    pub fn completion(&self, op: OpId) -> Result<Completion, scratch_mqtt_core::client::ClientError> {
        let found: Vec<_> = self
            .completions()
            .into_iter()
            .filter(|(id, _)| *id == op)
            .collect();
        assert_eq!(found.len(), 1, "completions of {op}: {found:?}");
        found.into_iter().next().map(|(_, result)| result).expect("one")
    }

    /// Times at which the client asked to open the transport.
    pub fn open_times(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter(|(_, event)| *event == Event::OpenTransport)
            .map(|(time, _)| *time)
            .collect()
    }
}

pub fn subscription(filter: &str, qos: QoS) -> Subscription<'static> {
    Subscription {
        filter: Cow::Owned(filter.to_owned()),
        options: SubscriptionOptions {
            qos,
            ..SubscriptionOptions::default()
        },
    }
}

pub fn plain_ack(packet_id: u16) -> Ack<'static> {
    Ack {
        packet_id,
        reason: ReasonCode::SUCCESS,
        properties: Properties::default(),
    }
}

pub fn publish_packet(topic: &str, payload: &[u8], qos: QoS, packet_id: u16) -> Packet<'static> {
    Packet::Publish(Publish {
        dup: false,
        qos,
        retain: false,
        topic: Cow::Owned(topic.to_owned()),
        packet_id,
        properties: Properties::default(),
        payload: Cow::Owned(payload.to_vec()),
    })
}

pub fn server_disconnect(reason: ReasonCode, reason_string: Option<&str>) -> Packet<'static> {
    Packet::Disconnect(Disconnect {
        reason,
        properties: Properties {
            reason_string: reason_string.map(|s| Cow::Owned(s.to_owned())),
            ..Properties::default()
        },
    })
}

pub fn options(version: ProtocolVersion) -> Options {
    Options {
        version,
        client_id: "cat".into(),
        ..Options::default()
    }
}

/// Decodes a buffer the client produced into its packets (for coalescing checks).
pub fn split_packets(version: ProtocolVersion, bytes: &[u8]) -> Vec<Packet<'static>> {
    let mut packets = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match decode(rest, &DecodeOptions::new(version)).expect("valid bytes") {
            Status::Complete(packet, used) => {
                packets.push(packet.into_owned());
                rest = &rest[used..];
            }
            Status::Incomplete => panic!("a transmit buffer ended inside a packet"),
        }
    }
    packets
}
