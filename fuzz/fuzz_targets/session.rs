//! Drives the client session with an arbitrary script of user commands, transport events,
//! clock jumps and broker packets (well-formed ones built from the input, and raw bytes).
//! Beyond "never panics" it checks the session's promises:
//!
//! - everything it transmits is a packet our decoder accepts, as a broker would read it;
//! - no QoS>0 PUBLISH, SUBSCRIBE or UNSUBSCRIBE reuses a packet id the client has in flight
//!   (an id is in flight from its first send until the broker's matching final ack);
//! - every operation completes at most once, and after `disconnect` every one has completed;
//! - `poll_timeout` never names a deadline in the past once `handle_timeout` has run.
#![no_main]

use std::collections::{HashMap, HashSet};

use libfuzzer_sys::fuzz_target;
use scratch_mqtt_core::client::{Client, Event, OpId, Options, OutgoingMessage};
use scratch_mqtt_core::codec::{
    Ack, ConnAck, DecodeOptions, Disconnect, EncodeOptions, Packet, Properties, ProtocolVersion, Publish,
    QoS, ReasonCode, Status, SubAck, Subscription, SubscriptionOptions, UnsubAck, decode, encode,
};

const TOPICS: [&str; 4] = ["a", "a/b", "$SYS/x", "温度"];
const FILTERS: [&str; 4] = ["a/#", "+", "a/b", "#"];

/// Reads the fuzzer's bytes as small numbers; runs dry as zeros.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        first
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        taken
    }
    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

struct Harness {
    client: Client,
    version: ProtocolVersion,
    now: u64,
    issued: HashSet<OpId>,
    completed: HashSet<OpId>,
    /// Packet ids the client has sent and the broker has not finally acknowledged.
    in_flight: HashMap<u16, &'static str>,
    /// Ids seen on the wire recently, for the broker to acknowledge.
    recent_ids: Vec<u16>,
}

impl Harness {
    fn drain(&mut self) {
        while let Some(bytes) = self.client.poll_transmit() {
            self.check_transmit(&bytes);
        }
        while let Some(event) = self.client.poll_event() {
            if let Event::Completed { op, .. } = event {
                assert!(self.issued.contains(&op), "completion of an unknown {op}");
                assert!(self.completed.insert(op), "{op} completed twice");
            }
        }
        // Some events (a failed open) queue more bytes only on the next input; drain again then.
    }

    fn check_transmit(&mut self, mut bytes: &[u8]) {
        let opts = DecodeOptions::new(self.version);
        while !bytes.is_empty() {
            let (packet, used) = match decode(bytes, &opts) {
                Ok(Status::Complete(packet, used)) => (packet, used),
                other => panic!("the client sent bytes a broker cannot read: {other:?}"),
            };
            match &packet {
                Packet::Connect(_) => self.in_flight.clear(),
                Packet::Publish(p) if p.qos != QoS::AtMostOnce => self.claim(p.packet_id, "PUBLISH", p.dup),
                Packet::Subscribe(s) => self.claim(s.packet_id, "SUBSCRIBE", false),
                Packet::Unsubscribe(u) => self.claim(u.packet_id, "UNSUBSCRIBE", false),
                _ => {}
            }
            bytes = &bytes[used..];
        }
    }

    fn claim(&mut self, id: u16, kind: &'static str, resend: bool) {
        if let Some(previous) = self.in_flight.insert(id, kind) {
            assert!(
                resend && previous == kind,
                "packet id {id} sent for {kind} while still in flight for {previous}"
            );
        }
        self.recent_ids.push(id);
        if self.recent_ids.len() > 16 {
            self.recent_ids.remove(0);
        }
    }

    fn feed(&mut self, packet: &Packet<'_>) {
        let mut bytes = Vec::new();
        if encode(packet, &EncodeOptions::new(self.version), &mut bytes).is_ok() {
            // A final ack frees the id on the broker's side too.
            match packet {
                Packet::PubAck(a) | Packet::PubComp(a) => {
                    self.in_flight.remove(&a.packet_id);
                }
                Packet::SubAck(s) => {
                    self.in_flight.remove(&s.packet_id);
                }
                Packet::UnsubAck(u) => {
                    self.in_flight.remove(&u.packet_id);
                }
                _ => {}
            }
            self.client.handle_bytes(self.now, &bytes);
        }
    }

    fn some_id(&self, script: &mut Script<'_>) -> u16 {
        let pick = script.byte() as usize;
        self.recent_ids
            .get(pick % self.recent_ids.len().max(1))
            .copied()
            .unwrap_or(1)
    }
}

fuzz_target!(|data: &[u8]| {
    let mut script = Script(data);
    let version = match script.byte() % 3 {
        0 => ProtocolVersion::V3_1,
        1 => ProtocolVersion::V3_1_1,
        _ => ProtocolVersion::V5,
    };
    let mut options = Options {
        version,
        ..Options::default()
    };
    options.clean_start = script.byte() % 2 == 0;
    options.keep_alive_secs = u16::from(script.byte() % 4) * 5;
    options.offline_queue_capacity = usize::from(script.byte() % 8);
    if version == ProtocolVersion::V5 {
        options.receive_maximum = Some(u16::from(script.byte() % 4).max(1));
        options.topic_alias_maximum = u16::from(script.byte() % 4);
    }
    let mut seed = 0x2545_F491_u32;
    let Ok(client) = Client::new(options, move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    }) else {
        return;
    };
    let mut h = Harness {
        client,
        version,
        now: 0,
        issued: HashSet::new(),
        completed: HashSet::new(),
        in_flight: HashMap::new(),
        recent_ids: Vec::new(),
    };

    while !script.done() {
        let now = h.now;
        match script.byte() % 20 {
            0 => h.client.connect(now),
            1 => h.client.transport_opened(now),
            2 => h.client.transport_closed(now, "cut"),
            3 => {
                h.now += u64::from(script.u16()) * 10;
                h.client.handle_timeout(h.now);
                if let Some(deadline) = h.client.poll_timeout() {
                    assert!(
                        deadline > h.now,
                        "deadline {deadline} already passed at {}",
                        h.now
                    );
                }
            }
            4 | 5 => {
                let topic = TOPICS[script.byte() as usize % TOPICS.len()];
                let qos = QoS::from_u8(script.byte() % 3).unwrap_or_default();
                let len = script.byte() as usize;
                let message = OutgoingMessage::new(topic, script.bytes(len).to_vec(), qos);
                if let Ok(op) = h.client.publish(now, message) {
                    h.issued.insert(op);
                }
            }
            6 => {
                let filter = FILTERS[script.byte() as usize % FILTERS.len()];
                let qos = QoS::from_u8(script.byte() % 3).unwrap_or_default();
                let sub = Subscription {
                    filter: filter.into(),
                    options: SubscriptionOptions {
                        qos,
                        ..Default::default()
                    },
                };
                if let Ok(op) = h.client.subscribe(now, vec![sub], Properties::default()) {
                    h.issued.insert(op);
                }
            }
            7 => {
                let filter = FILTERS[script.byte() as usize % FILTERS.len()].to_owned();
                if let Ok(op) = h.client.unsubscribe(now, vec![filter], Properties::default()) {
                    h.issued.insert(op);
                }
            }
            8 => {
                h.client.disconnect(now);
                h.drain();
                let open: Vec<_> = h.issued.difference(&h.completed).collect();
                assert!(open.is_empty(), "operations left open after disconnect: {open:?}");
            }
            9 => {
                let code = match script.byte() % 4 {
                    0 | 1 => ReasonCode::SUCCESS,
                    2 => ReasonCode(5),
                    _ => ReasonCode::SERVER_BUSY,
                };
                let code = if version == ProtocolVersion::V5 || code.0 <= 5 {
                    code
                } else {
                    ReasonCode(3)
                };
                let session_present = script.byte() % 2 == 1;
                h.feed(&Packet::ConnAck(ConnAck {
                    session_present,
                    code,
                    properties: Properties::default(),
                }));
            }
            10 => {
                let id = h.some_id(&mut script);
                h.feed(&Packet::PubAck(ack(id)));
            }
            11 => {
                let id = h.some_id(&mut script);
                h.feed(&Packet::PubRec(ack(id)));
            }
            12 => {
                let id = h.some_id(&mut script);
                h.feed(&Packet::PubComp(ack(id)));
            }
            13 => {
                let id = h.some_id(&mut script);
                let granted = ReasonCode(script.byte() % 3);
                h.feed(&Packet::SubAck(SubAck {
                    packet_id: id,
                    properties: Properties::default(),
                    codes: vec![granted],
                }));
            }
            14 => {
                let id = h.some_id(&mut script);
                let codes = if version == ProtocolVersion::V5 {
                    vec![ReasonCode::SUCCESS]
                } else {
                    vec![]
                };
                h.feed(&Packet::UnsubAck(UnsubAck {
                    packet_id: id,
                    properties: Properties::default(),
                    codes,
                }));
            }
            15 => {
                let qos = QoS::from_u8(script.byte() % 3).unwrap_or_default();
                let packet_id = if qos == QoS::AtMostOnce {
                    0
                } else {
                    script.u16().max(1)
                };
                let topic = TOPICS[script.byte() as usize % TOPICS.len()];
                let dup = qos != QoS::AtMostOnce && script.byte() % 2 == 1;
                h.feed(&Packet::Publish(Publish {
                    dup,
                    qos,
                    retain: false,
                    topic: topic.into(),
                    packet_id,
                    properties: Properties::default(),
                    payload: b"x".as_slice().into(),
                }));
            }
            16 => {
                let id = script.u16().max(1);
                h.feed(&Packet::PubRel(ack(id)));
            }
            17 => h.feed(&Packet::PingResp),
            18 => h.feed(&Packet::Disconnect(Disconnect::default())),
            _ => {
                let len = script.byte() as usize % 32;
                let raw = script.bytes(len).to_vec();
                h.client.handle_bytes(now, &raw);
            }
        }
        h.drain();
    }
});

fn ack(packet_id: u16) -> Ack<'static> {
    Ack {
        packet_id,
        reason: ReasonCode::SUCCESS,
        properties: Properties::default(),
    }
}
