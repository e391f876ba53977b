//! Properties over random runs of the harness: whatever the broker sends (valid packets or
//! garbage), however the network fails and time passes, the session never panics, every
//! accepted operation completes exactly once, and after `disconnect` nothing is left waiting.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::collections::BTreeMap;

use proptest::prelude::*;
use scratch_mqtt_core::client::{Event, OpId, Options, OutgoingMessage, ReconnectPolicy, SessionState};
use scratch_mqtt_core::codec::{Packet, Properties, ProtocolVersion, QoS};
use support::*;

#[derive(Debug, Clone)]
enum Action {
    Publish { topic: u8, qos: u8, len: u8 },
    Subscribe { filter: u8, qos: u8 },
    Unsubscribe { filter: u8 },
    BrokerPublish { topic: u8, qos: u8, id: u16 },
    BrokerPubRel { id: u16 },
    BrokerAck { id: u16, kind: u8 },
    BrokerGarbage(Vec<u8>),
    ToggleAutoAck,
    ToggleReachable,
    DropConnection,
    Advance(u32),
    Connect,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..3u8, 0..3u8, 0..40u8).prop_map(|(topic, qos, len)| Action::Publish { topic, qos, len }),
        1 => (0..3u8, 0..3u8).prop_map(|(filter, qos)| Action::Subscribe { filter, qos }),
        1 => (0..3u8).prop_map(|filter| Action::Unsubscribe { filter }),
        2 => (0..3u8, 0..3u8, 1..6u16).prop_map(|(topic, qos, id)| Action::BrokerPublish { topic, qos, id }),
        1 => (1..6u16).prop_map(|id| Action::BrokerPubRel { id }),
        2 => (1..8u16, 0..4u8).prop_map(|(id, kind)| Action::BrokerAck { id, kind }),
        1 => proptest::collection::vec(any::<u8>(), 0..12).prop_map(Action::BrokerGarbage),
        1 => Just(Action::ToggleAutoAck),
        1 => Just(Action::ToggleReachable),
        1 => Just(Action::DropConnection),
        2 => (0..70_000u32).prop_map(Action::Advance),
        1 => Just(Action::Connect),
    ]
}

const TOPICS: [&str; 3] = ["a", "b/c", "d"];
const FILTERS: [&str; 3] = ["a", "b/+", "#"];

fn run(version: ProtocolVersion, clean_start: bool, actions: &[Action]) {
    let mut pair = Pair::new(Options {
        version,
        client_id: "prop".into(),
        clean_start,
        keep_alive_secs: 5,
        ping_timeout_ms: Some(2_000),
        offline_queue_capacity: 4,
        topic_alias_maximum: 2,
        reconnect: ReconnectPolicy {
            initial_delay_ms: 100,
            max_delay_ms: 2_000,
            ..ReconnectPolicy::default()
        },
        ..Options::default()
    });
    pair.connect();
    let mut accepted: Vec<OpId> = Vec::new();
    for action in actions {
        let now = pair.now;
        match action {
            Action::Publish { topic, qos, len } => {
                let message = OutgoingMessage::new(
                    TOPICS[usize::from(*topic)],
                    vec![7; usize::from(*len)],
                    QoS::from_u8(*qos).unwrap(),
                );
                if let Ok(op) = pair.client.publish(now, message) {
                    accepted.push(op);
                }
            }
            Action::Subscribe { filter, qos } => {
                let subscriptions = vec![subscription(
                    FILTERS[usize::from(*filter)],
                    QoS::from_u8(*qos).unwrap(),
                )];
                if let Ok(op) = pair.client.subscribe(now, subscriptions, Properties::default()) {
                    accepted.push(op);
                }
            }
            Action::Unsubscribe { filter } => {
                let filters = vec![FILTERS[usize::from(*filter)].to_owned()];
                if let Ok(op) = pair.client.unsubscribe(now, filters, Properties::default()) {
                    accepted.push(op);
                }
            }
            Action::BrokerPublish { topic, qos, id } if pair.transport_open => {
                let qos = QoS::from_u8(*qos).unwrap();
                let id = if qos == QoS::AtMostOnce { 0 } else { *id };
                pair.broker.publish(TOPICS[usize::from(*topic)], b"x", qos, id);
            }
            Action::BrokerPubRel { id } if pair.transport_open => {
                pair.broker.send(&Packet::PubRel(plain_ack(*id)));
            }
            Action::BrokerAck { id, kind } if pair.transport_open => {
                let ack = plain_ack(*id);
                pair.broker.send(&match kind {
                    0 => Packet::PubAck(ack),
                    1 => Packet::PubRec(ack),
                    2 => Packet::PubComp(ack),
                    _ => Packet::PingResp,
                });
            }
            Action::BrokerGarbage(bytes) if pair.transport_open => pair.broker.send_raw(bytes),
            Action::ToggleAutoAck => pair.broker.auto_ack_publish = !pair.broker.auto_ack_publish,
            Action::ToggleReachable => pair.broker.accept_transport = !pair.broker.accept_transport,
            Action::DropConnection if pair.transport_open => pair.drop_connection(),
            Action::Advance(ms) => pair.advance(u64::from(*ms)),
            Action::Connect => pair.client.connect(now),
            _ => {}
        }
        pair.drive();
    }
    pair.client.disconnect(pair.now);
    pair.drive();

    let mut completions: BTreeMap<OpId, usize> = BTreeMap::new();
    for (_, event) in &pair.events {
        if let Event::Completed { op, .. } = event {
            *completions.entry(*op).or_default() += 1;
        }
    }
    for op in &accepted {
        assert_eq!(completions.get(op), Some(&1), "{op} must complete exactly once");
    }
    assert_eq!(
        completions.len(),
        accepted.len(),
        "no completion for an unknown operation"
    );
    assert_eq!(pair.client.in_flight_len(), 0);
    assert_eq!(pair.client.pending_len(), 0);
    assert_eq!(pair.client.offline_queue_len(), 0);
    assert_eq!(pair.client.state(), SessionState::Idle);
    assert_eq!(pair.client.poll_timeout(), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn every_operation_completes_exactly_once_v311(
        clean_start in any::<bool>(),
        actions in proptest::collection::vec(action(), 0..60),
    ) {
        run(ProtocolVersion::V3_1_1, clean_start, &actions);
    }

    #[test]
    fn every_operation_completes_exactly_once_v5(
        clean_start in any::<bool>(),
        actions in proptest::collection::vec(action(), 0..60),
    ) {
        run(ProtocolVersion::V5, clean_start, &actions);
    }

    #[test]
    fn every_operation_completes_exactly_once_v31(
        actions in proptest::collection::vec(action(), 0..40),
    ) {
        run(ProtocolVersion::V3_1, false, &actions);
    }
}
