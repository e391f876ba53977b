//! Losing and regaining the connection: backoff timings, the stable-connection reset, resending
//! in-flight flows in both directions with a kept session, what a lost session means, the
//! offline queue, server DISCONNECT, and reconnecting switched off.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use scratch_mqtt_core::client::{
    ClientError, Completion, Event, LostReason, Options, OutgoingMessage, RandomSource, ReconnectPolicy,
    SessionState,
};
use scratch_mqtt_core::codec::{Packet, Properties, ProtocolVersion, QoS, ReasonCode};
use support::*;

fn describe(packet: &Packet<'_>) -> String {
    match packet {
        Packet::Publish(p) => format!(
            "PUBLISH {} {}{}",
            p.topic,
            p.packet_id,
            if p.dup { " dup" } else { "" }
        ),
        Packet::PubAck(a) => format!("PUBACK {}", a.packet_id),
        Packet::PubRec(a) => format!("PUBREC {}", a.packet_id),
        Packet::PubRel(a) => format!("PUBREL {}", a.packet_id),
        Packet::PubComp(a) => format!("PUBCOMP {}", a.packet_id),
        Packet::Subscribe(s) => format!("SUBSCRIBE {} {}", s.subscriptions[0].filter, s.packet_id),
        Packet::Unsubscribe(u) => format!("UNSUBSCRIBE {}", u.packet_id),
        Packet::Connect(c) => format!("CONNECT clean={}", c.clean_start),
        other => format!("{:?}", other.packet_type()),
    }
}

fn received(pair: &Pair) -> Vec<String> {
    pair.broker.received.iter().map(|(_, p)| describe(p)).collect()
}

fn scheduled(pair: &Pair) -> Vec<(u64, u32, u64)> {
    pair.events
        .iter()
        .filter_map(|(time, event)| match event {
            Event::ReconnectScheduled { attempt, delay_ms } => Some((*time, *attempt, *delay_ms)),
            _ => None,
        })
        .collect()
}

const POLICY: ReconnectPolicy = ReconnectPolicy {
    enabled: true,
    initial_delay_ms: 1_000,
    max_delay_ms: 8_000,
    multiplier: 2,
    jitter_percent: 20,
    stable_after_ms: 10_000,
    retry_first_attempt: true,
};

/// The documented formula, computed independently of the session.
fn formula_delays(seed: u64, attempts: u32) -> Vec<u64> {
    let mut rng = SeededRng::new(seed);
    (1..=attempts)
        .map(|attempt| {
            let base = (POLICY.initial_delay_ms << (attempt - 1)).min(POLICY.max_delay_ms);
            let span = base * u64::from(POLICY.jitter_percent) / 100;
            base - ((u128::from(span) * u128::from(rng.next_u32())) >> 32) as u64
        })
        .collect()
}

#[test]
fn backoff_delays_are_exact_for_a_seeded_random_source() {
    let mut pair = Pair::with_seed(
        Options {
            reconnect: POLICY,
            ..options(ProtocolVersion::V3_1_1)
        },
        42,
    );
    pair.broker.accept_transport = false;
    pair.connect();
    pair.advance_to(40_000);
    let delays: Vec<u64> = scheduled(&pair).iter().map(|(_, _, delay)| *delay).collect();
    // Doubling from 1 s, capped at 8 s, each shortened by up to 20 % at random.
    let expected = formula_delays(42, delays.len() as u32);
    assert_eq!(delays, expected);
    assert_eq!(&delays[..6], &[852, 1_937, 3_778, 7_450, 7_940, 6_611]);
    for (attempt, delay) in delays.iter().enumerate() {
        let base = (1_000u64 << attempt).min(8_000);
        assert!(*delay <= base && *delay > base * 8 / 10, "{attempt}: {delay}");
    }
    // Each attempt opens the transport exactly when its delay has passed.
    let mut at = 0;
    let mut expected_opens = vec![0];
    for delay in &delays {
        at += delay;
        expected_opens.push(at);
    }
    expected_opens.retain(|t| *t <= 40_000);
    assert_eq!(pair.open_times(), expected_opens);
    let attempts: Vec<u32> = scheduled(&pair).iter().map(|(_, attempt, _)| *attempt).collect();
    assert_eq!(attempts, (1..=attempts.len() as u32).collect::<Vec<_>>());
    // Every loss says why.
    assert!(
        pair.events
            .iter()
            .any(|(_, e)| *e
                == Event::ConnectionLost(LostReason::TransportClosed("connection refused".into())))
    );
}

#[test]
fn a_different_seed_gives_different_jitter() {
    let delays = |seed| {
        let mut pair = Pair::with_seed(
            Options {
                reconnect: POLICY,
                ..options(ProtocolVersion::V3_1_1)
            },
            seed,
        );
        pair.broker.accept_transport = false;
        pair.connect();
        pair.advance_to(20_000);
        scheduled(&pair).iter().map(|(_, _, d)| *d).collect::<Vec<_>>()
    };
    assert_ne!(delays(1), delays(2));
    assert_eq!(delays(1), delays(1));
}

#[test]
fn without_retry_first_attempt_a_failed_first_attempt_ends_the_session_and_later_losses_retry() {
    let policy = ReconnectPolicy {
        retry_first_attempt: false,
        ..POLICY
    };
    // The broker is unreachable: one attempt, no retry, the session ends.
    let mut unreachable = Pair::new(Options {
        reconnect: policy,
        ..options(ProtocolVersion::V3_1_1)
    });
    unreachable.broker.accept_transport = false;
    unreachable.connect();
    unreachable.advance_to(60_000);
    assert_eq!(unreachable.open_times(), vec![0]);
    assert!(scheduled(&unreachable).is_empty());
    assert!(!unreachable.client.ever_connected());
    assert_eq!(unreachable.client.state(), SessionState::Idle);
    assert!(
        unreachable.events.iter().any(|(_, e)| matches!(e, Event::Closed)),
        "the session says it ended"
    );

    // Once connected, a loss is retried as usual.
    let mut reachable = Pair::new(Options {
        reconnect: policy,
        ..options(ProtocolVersion::V3_1_1)
    });
    reachable.connect();
    assert!(reachable.client.ever_connected());
    reachable.advance_to(1_000);
    reachable.drop_connection();
    reachable.advance_to(3_000);
    assert!(reachable.is_connected());
    assert_eq!(scheduled(&reachable).len(), 1);
}

#[test]
fn backoff_resets_after_a_connection_that_stayed_up() {
    let mut pair = Pair::new(Options {
        reconnect: ReconnectPolicy {
            jitter_percent: 0,
            ..POLICY
        },
        ..options(ProtocolVersion::V3_1_1)
    });
    pair.connect();
    // Up for 5 s (< 10 s): not stable; the delays keep growing.
    pair.advance_to(5_000);
    pair.drop_connection();
    pair.advance_to(6_000);
    assert!(pair.is_connected());
    pair.drop_connection();
    pair.advance_to(8_000);
    assert!(pair.is_connected());
    // Up for exactly 10 s: stable. The next loss starts again at the initial delay.
    pair.advance_to(18_000);
    pair.drop_connection();
    assert_eq!(
        scheduled(&pair),
        vec![(5_000, 1, 1_000), (6_000, 2, 2_000), (18_000, 1, 1_000)]
    );
    // The keepalive timer does not fire in between: 60 s keepalive.
    assert_eq!(pair.open_times(), vec![0, 6_000, 8_000]);
}

#[test]
fn a_kept_session_resends_publish_with_dup_and_pubrel_in_order_before_new_traffic() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(Options {
            clean_start: false,
            session_expiry_secs: Some(3_600),
            ..options(version)
        });
        pair.broker.auto_ack_publish = false;
        pair.broker.auto_pubcomp = false;
        let a = pair.publish(OutgoingMessage::new("a", b"1".to_vec(), QoS::AtLeastOnce));
        let b = pair.publish(OutgoingMessage::new("b", b"2".to_vec(), QoS::ExactlyOnce));
        let c = pair.publish(OutgoingMessage::new("c", b"3".to_vec(), QoS::ExactlyOnce));
        let d = pair.publish(OutgoingMessage::new("d", b"4".to_vec(), QoS::AtLeastOnce));
        // The broker took C (PUBREC): C is past the point of no return.
        pair.broker.send(&Packet::PubRec(plain_ack(3)));
        pair.drive();
        assert_eq!(
            received(&pair),
            vec![
                "PUBLISH a 1",
                "PUBLISH b 2",
                "PUBLISH c 3",
                "PUBLISH d 4",
                "PUBREL 3"
            ]
        );
        pair.drop_connection();
        // While offline the user publishes more: it waits behind the resends.
        let e = pair
            .client
            .publish(
                pair.now,
                OutgoingMessage::new("e", b"5".to_vec(), QoS::AtLeastOnce),
            )
            .unwrap();
        pair.broker.received.clear();
        pair.advance(60_000);
        assert!(pair.is_connected());
        assert!(
            pair.events
                .iter()
                .any(|(_, e)| matches!(e, Event::Connected(c) if c.session_present))
        );
        assert_eq!(
            received(&pair),
            vec![
                "CONNECT clean=false",
                "PUBLISH a 1 dup",
                "PUBLISH b 2 dup",
                "PUBLISH d 4 dup",
                "PUBREL 3",
                "PUBLISH e 5",
            ],
            "{version:?}: original ids, original order, PUBLISH c never again"
        );
        // The broker completes every flow: each operation completes once, successfully.
        for id in [1, 4, 5] {
            pair.broker.send(&Packet::PubAck(plain_ack(id)));
        }
        pair.broker.send(&Packet::PubRec(plain_ack(2)));
        pair.broker.send(&Packet::PubComp(plain_ack(3)));
        pair.drive();
        pair.broker.send(&Packet::PubComp(plain_ack(2)));
        pair.drive();
        for op in [a, b, c, d, e] {
            assert!(
                matches!(pair.completion(op), Ok(Completion::Published { .. })),
                "{version:?}"
            );
        }
        assert_eq!(pair.client.in_flight_len(), 0);
    }
}

#[test]
fn a_kept_session_redelivers_incoming_qos2_exactly_once_and_qos1_at_least_once() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(Options {
            clean_start: false,
            session_expiry_secs: Some(3_600),
            ..options(version)
        });
        pair.broker.auto_pubrel = false;
        // The client receives both and answers, but its answers are lost with the connection.
        pair.deliver_to_broker = false;
        pair.broker.publish("in/2", b"two", QoS::ExactlyOnce, 7);
        pair.broker.publish("in/1", b"one", QoS::AtLeastOnce, 8);
        pair.drive();
        assert_eq!(pair.messages().len(), 2);
        pair.drop_connection();
        pair.deliver_to_broker = true;
        pair.advance(60_000);
        assert!(pair.is_connected());
        // The broker, keeping the session, sends both again with DUP.
        for (topic, payload, qos, id) in [
            ("in/2", &b"two"[..], QoS::ExactlyOnce, 7),
            ("in/1", &b"one"[..], QoS::AtLeastOnce, 8),
        ] {
            let mut packet = publish_packet(topic, payload, qos, id);
            if let Packet::Publish(p) = &mut packet {
                p.dup = true;
            }
            pair.broker.send(&packet);
        }
        pair.drive();
        pair.broker.send(&Packet::PubRel(plain_ack(7)));
        pair.drive();
        let delivered: Vec<(String, bool)> = pair.messages().into_iter().map(|m| (m.topic, m.dup)).collect();
        assert_eq!(
            delivered,
            vec![
                ("in/2".into(), false),
                ("in/1".into(), false),
                ("in/1".into(), true)
            ],
            "{version:?}: QoS 2 once; QoS 1 again, marked as a duplicate"
        );
        assert_eq!(
            received(&pair),
            vec!["CONNECT clean=false", "PUBREC 7", "PUBACK 8", "PUBCOMP 7"]
        );
    }
}

#[test]
fn a_lost_session_resubscribes_first_and_sends_unfinished_publishes_as_new() {
    // Both ways to lose the session: the broker forgot it, or the client starts clean.
    for (version, clean_start) in [
        (ProtocolVersion::V3_1_1, false),
        (ProtocolVersion::V3_1_1, true),
        (ProtocolVersion::V5, false),
        (ProtocolVersion::V5, true),
        (ProtocolVersion::V3_1, true),
    ] {
        let mut pair = Pair::connected(Options {
            clean_start,
            ..options(version)
        });
        pair.subscribe("s/#", QoS::AtLeastOnce);
        pair.broker.auto_ack_publish = false;
        pair.broker.auto_pubcomp = false;
        let a = pair.publish(OutgoingMessage::new("a", b"1".to_vec(), QoS::AtLeastOnce));
        let b = pair.publish(OutgoingMessage::new("b", b"2".to_vec(), QoS::ExactlyOnce));
        let c = pair.publish(OutgoingMessage::new("c", b"3".to_vec(), QoS::ExactlyOnce));
        pair.broker.send(&Packet::PubRec(plain_ack(4)));
        pair.drive();
        // An incoming QoS 2 message is waiting for PUBREL.
        pair.broker.auto_pubrel = false;
        pair.broker.publish("in", b"x", QoS::ExactlyOnce, 9);
        pair.drive();
        pair.drop_connection();
        pair.broker.forget_session();
        pair.broker.received.clear();
        pair.events.clear();
        pair.advance(60_000);
        assert!(pair.is_connected());
        assert!(
            pair.events
                .iter()
                .any(|(_, e)| matches!(e, Event::Connected(c) if !c.session_present))
        );
        assert_eq!(
            received(&pair),
            vec![
                format!("CONNECT clean={clean_start}"),
                "SUBSCRIBE s/# 5".into(),
                "PUBLISH a 2".into(),
                "PUBLISH b 3".into(),
            ],
            "{version:?} clean={clean_start}: no DUP (new to this session), no PUBREL 4"
        );
        // C had its PUBREC: the broker took it, so it is complete.
        assert!(matches!(pair.completion(c), Ok(Completion::Published { .. })));
        assert_eq!(
            pair.broker.subscriptions,
            vec![("s/#".to_owned(), QoS::AtLeastOnce)]
        );
        // The old incoming QoS 2 state is gone: id 9 now carries a new message, delivered.
        pair.broker.publish("in", b"new", QoS::ExactlyOnce, 9);
        pair.drive();
        let payloads: Vec<Vec<u8>> = pair.messages().into_iter().map(|m| m.payload).collect();
        assert_eq!(payloads, vec![b"new".to_vec()]);
        // A and B still complete normally.
        pair.broker.send(&Packet::PubAck(plain_ack(2)));
        pair.broker.send(&Packet::PubRec(plain_ack(3)));
        pair.drive();
        pair.broker.send(&Packet::PubComp(plain_ack(3)));
        pair.drive();
        assert!(pair.completion(a).is_ok());
        assert!(pair.completion(b).is_ok());
    }
}

#[test]
fn a_refused_resubscription_is_reported() {
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    pair.subscribe("s/#", QoS::AtLeastOnce);
    pair.subscribe("t", QoS::AtMostOnce);
    pair.drop_connection();
    pair.broker.suback_codes = Some(vec![ReasonCode::NOT_AUTHORIZED, ReasonCode::GRANTED_QOS_0]);
    pair.advance(60_000);
    assert!(pair.events.iter().any(|(_, e)| *e
        == Event::ResubscribeFailed {
            filter: "s/#".into(),
            reason: ReasonCode::NOT_AUTHORIZED
        }));
    assert_eq!(pair.client.active_subscriptions().collect::<Vec<_>>(), vec!["t"]);
}

#[test]
fn the_offline_queue_is_bounded_reports_overflow_and_flushes_in_order() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(Options {
            offline_queue_capacity: 3,
            ..options(version)
        });
        pair.broker.accept_transport = false;
        pair.drop_connection();
        let now = pair.now;
        let mut accepted = Vec::new();
        for n in 0..3u8 {
            let qos = QoS::from_u8(n).unwrap();
            accepted.push(
                pair.client
                    .publish(now, OutgoingMessage::new(format!("q/{n}"), vec![n], qos))
                    .unwrap(),
            );
        }
        for _ in 0..2 {
            assert_eq!(
                pair.client
                    .publish(now, OutgoingMessage::new("late", vec![], QoS::AtLeastOnce)),
                Err(ClientError::OfflineQueueFull { capacity: 3 })
            );
        }
        assert_eq!(
            pair.client.subscribe(
                now,
                vec![subscription("x", QoS::AtMostOnce)],
                Properties::default()
            ),
            Err(ClientError::OfflineQueueFull { capacity: 3 })
        );
        pair.drive();
        let overflow: Vec<u64> = pair
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::OfflineQueueOverflow { rejected } => Some(*rejected),
                _ => None,
            })
            .collect();
        assert_eq!(overflow, vec![1, 2, 3], "each refusal counted, none silent");
        assert_eq!(pair.client.offline_queue_len(), 3);

        pair.broker.accept_transport = true;
        pair.broker.received.clear();
        pair.advance(60_000);
        assert!(pair.is_connected());
        let topics: Vec<String> = pair
            .broker
            .received
            .iter()
            .filter_map(|(_, p)| match p {
                Packet::Publish(p) => Some(p.topic.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(topics, vec!["q/0", "q/1", "q/2"], "{version:?}");
        for op in accepted {
            assert!(pair.completion(op).is_ok());
        }
        // After the flush the queue has room again and the count starts over.
        pair.broker.accept_transport = false;
        pair.drop_connection();
        for _ in 0..4 {
            let _ = pair
                .client
                .publish(pair.now, OutgoingMessage::new("z", vec![], QoS::AtMostOnce));
        }
        pair.drive();
        assert_eq!(
            pair.events.last().map(|(_, e)| e.clone()),
            Some(Event::OfflineQueueOverflow { rejected: 1 })
        );
    }
}

#[test]
fn a_v5_server_disconnect_is_reported_with_its_reason_string() {
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    pair.broker.send(&server_disconnect(
        ReasonCode::SERVER_SHUTTING_DOWN,
        Some("maintenance"),
    ));
    pair.broker.close();
    pair.drive();
    let lost = LostReason::ServerDisconnect {
        reason: ReasonCode::SERVER_SHUTTING_DOWN,
        reason_string: Some("maintenance".into()),
    };
    assert!(
        pair.events
            .iter()
            .any(|(_, e)| *e == Event::ConnectionLost(lost.clone()))
    );
    assert_eq!(
        lost.to_string(),
        "the server closed the connection: server shutting down (maintenance)"
    );
    assert_eq!(pair.client.state(), SessionState::WaitingToReconnect);
    pair.advance(60_000);
    assert!(pair.is_connected());
}

#[test]
fn a_session_taken_over_does_not_start_a_tug_of_war() {
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    pair.broker.auto_ack_publish = false;
    let op = pair.publish(OutgoingMessage::new("a", vec![], QoS::AtLeastOnce));
    pair.broker
        .send(&server_disconnect(ReasonCode::SESSION_TAKEN_OVER, None));
    pair.drive();
    assert_eq!(pair.client.state(), SessionState::Idle);
    assert_eq!(pair.events.last().map(|(_, e)| e.clone()), Some(Event::Closed));
    assert_eq!(
        pair.completion(op),
        Err(ClientError::ConnectionLost(LostReason::ServerDisconnect {
            reason: ReasonCode::SESSION_TAKEN_OVER,
            reason_string: None
        }))
    );
    pair.advance(600_000);
    assert_eq!(pair.open_times(), Vec::<u64>::new());
}

#[test]
fn with_reconnect_off_a_loss_ends_the_session_and_fails_what_waits() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(Options {
            reconnect: ReconnectPolicy {
                enabled: false,
                ..ReconnectPolicy::default()
            },
            ..options(version)
        });
        pair.broker.auto_ack_publish = false;
        let op = pair.publish(OutgoingMessage::new("a", vec![], QoS::AtLeastOnce));
        pair.drop_connection();
        assert_eq!(
            pair.completion(op),
            Err(ClientError::ConnectionLost(LostReason::TransportClosed(
                "network lost".into()
            )))
        );
        assert_eq!(pair.events.last().map(|(_, e)| e.clone()), Some(Event::Closed));
        assert_eq!(pair.client.poll_timeout(), None);
        pair.advance(600_000);
        assert!(pair.open_times().is_empty());
        // `connect` starts again.
        pair.connect();
        assert!(pair.is_connected());
    }
}

#[test]
fn connect_while_waiting_to_reconnect_tries_at_once() {
    let mut pair = Pair::connected(options(ProtocolVersion::V3_1_1));
    pair.drop_connection();
    assert_eq!(pair.client.state(), SessionState::WaitingToReconnect);
    pair.now += 10;
    pair.connect();
    assert!(pair.is_connected());
    assert_eq!(pair.open_times(), vec![10]);
}

#[test]
fn an_unfinished_subscribe_is_sent_again_after_reconnect() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(Options {
            clean_start: false,
            ..options(version)
        });
        pair.broker.auto_suback = false;
        let op = pair.subscribe("s", QoS::AtLeastOnce);
        pair.drop_connection();
        pair.broker.auto_suback = true;
        pair.broker.received.clear();
        pair.advance(60_000);
        assert_eq!(received(&pair), vec!["CONNECT clean=false", "SUBSCRIBE s 1"]);
        assert_eq!(
            pair.completion(op),
            Ok(Completion::Subscribed {
                results: vec![Ok(QoS::AtLeastOnce)],
                reason_string: None
            })
        );
    }
}

/// Ends the session with flows in flight, in each way that abandons them.
fn abandon(pair: &mut Pair, how: &str) {
    match how {
        "disconnect" => {
            pair.client.disconnect(pair.now);
            pair.drive();
        }
        "final loss" => {
            // A v5 server DISCONNECT that retrying cannot fix ends the session.
            pair.broker
                .send(&server_disconnect(ReasonCode::NOT_AUTHORIZED, None));
            pair.drive();
        }
        other => panic!("unknown way {other}"),
    }
    assert_eq!(pair.client.state(), SessionState::Idle, "{how}");
}

#[test]
fn abandoned_flows_force_a_clean_start_so_their_packet_ids_are_never_reused_in_a_kept_session() {
    for how in ["disconnect", "final loss"] {
        for abandoned_in_flight in [true, false] {
            let mut pair = Pair::connected(Options {
                clean_start: false,
                session_expiry_secs: Some(3_600),
                ..options(ProtocolVersion::V5)
            });
            pair.subscribe("s", QoS::AtLeastOnce);
            pair.broker.auto_ack_publish = false;
            let abandoned = abandoned_in_flight
                .then(|| pair.publish(OutgoingMessage::new("a", b"1".to_vec(), QoS::ExactlyOnce)));
            abandon(&mut pair, how);
            if let Some(op) = abandoned {
                assert!(pair.completion(op).is_err(), "{how}");
            }
            pair.broker.received.clear();
            pair.broker.auto_ack_publish = true;
            pair.connect();
            assert!(pair.is_connected(), "{how}");
            let b = pair.publish(OutgoingMessage::new("b", b"2".to_vec(), QoS::ExactlyOnce));
            let log = received(&pair);
            if abandoned_in_flight {
                // The broker may still hold id 1 of the abandoned flow (a method-B broker would
                // take a new id-1 PUBLISH for a duplicate): start clean, subscribe again.
                assert_eq!(
                    log,
                    vec!["CONNECT clean=true", "SUBSCRIBE s 1", "PUBLISH b 2", "PUBREL 2"],
                    "{how}"
                );
            } else {
                // Nothing was abandoned on the wire: the session is resumed.
                assert_eq!(
                    log,
                    vec!["CONNECT clean=false", "PUBLISH b 1", "PUBREL 1"],
                    "{how}"
                );
            }
            assert!(
                matches!(pair.completion(b), Ok(Completion::Published { .. })),
                "{how}"
            );
        }
    }
}

#[test]
fn a_lost_session_resubscribes_in_the_order_the_subscriptions_were_made() {
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    for (filter, identifier) in [("a", 1), ("b", 2), ("c", 3)] {
        let properties = Properties {
            subscription_identifiers: vec![identifier],
            ..Properties::default()
        };
        pair.client
            .subscribe(pair.now, vec![subscription(filter, QoS::AtMostOnce)], properties)
            .unwrap();
        pair.drive();
    }
    pair.drop_connection();
    pair.broker.forget_session();
    pair.broker.received.clear();
    pair.advance(60_000);
    assert_eq!(
        received(&pair),
        vec![
            "CONNECT clean=true",
            "SUBSCRIBE a 4",
            "SUBSCRIBE b 5",
            "SUBSCRIBE c 6"
        ]
    );
}

#[test]
fn an_unanswered_resubscription_is_made_once_after_the_next_session_loss() {
    let mut pair = Pair::connected(options(ProtocolVersion::V3_1_1));
    pair.subscribe("a", QoS::AtLeastOnce);
    pair.broker.auto_suback = false;
    for _ in 0..2 {
        pair.drop_connection();
        pair.broker.forget_session();
        pair.advance(60_000);
    }
    pair.broker.received.clear();
    pair.broker.auto_suback = true;
    pair.drop_connection();
    pair.broker.forget_session();
    pair.advance(60_000);
    assert_eq!(received(&pair), vec!["CONNECT clean=true", "SUBSCRIBE a 4"]);
    assert_eq!(pair.client.active_subscriptions().collect::<Vec<_>>(), vec!["a"]);
    assert_eq!(pair.client.in_flight_len(), 0);
}

fn overflow_counts(pair: &Pair) -> Vec<u64> {
    pair.events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::OfflineQueueOverflow { rejected } => Some(*rejected),
            _ => None,
        })
        .collect()
}

#[test]
fn operations_waiting_while_connected_share_the_offline_bound_and_survive_a_loss_within_it() {
    let mut pair = Pair::connected(Options {
        offline_queue_capacity: 2,
        ..options(ProtocolVersion::V5)
    });
    pair.broker.auto_ack_publish = false;
    pair.broker.default_connack = ConnAckPlan::with_properties(Properties {
        receive_maximum: Some(1),
        ..Properties::default()
    });
    pair.drop_connection();
    pair.advance(60_000);
    assert!(pair.is_connected());
    pair.events.clear();
    pair.broker.received.clear();
    // A broker that withholds PUBACK: one in flight, two wait, the rest are refused.
    let results: Vec<_> = (0..1_000)
        .map(|i| {
            pair.client.publish(
                pair.now,
                OutgoingMessage::new(format!("t{i}"), b"x".to_vec(), QoS::AtLeastOnce),
            )
        })
        .collect();
    pair.drive();
    assert!(results[..3].iter().all(Result::is_ok));
    assert!(
        results[3..]
            .iter()
            .all(|r| *r == Err(ClientError::OfflineQueueFull { capacity: 2 }))
    );
    assert_eq!(overflow_counts(&pair), (1..=997).collect::<Vec<u64>>());
    assert_eq!((pair.client.in_flight_len(), pair.client.pending_len()), (1, 2));
    // Only what has to wait counts: a subscribe needs no send quota and goes at once.
    let sub = pair
        .client
        .subscribe(
            pair.now,
            vec![subscription("s", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    pair.drive();
    assert!(pair.completion(sub).is_ok());
    // After a loss, the two pending count against the offline bound.
    pair.drop_connection();
    assert_eq!(
        pair.client
            .publish(pair.now, OutgoingMessage::new("offline", vec![], QoS::AtMostOnce)),
        Err(ClientError::OfflineQueueFull { capacity: 2 })
    );
    assert_eq!(
        (pair.client.pending_len(), pair.client.offline_queue_len()),
        (2, 0)
    );
    // Back online everything that was accepted completes, in order.
    pair.broker.auto_ack_publish = true;
    pair.broker.default_connack = ConnAckPlan::accept();
    pair.broker.received.clear();
    pair.advance(60_000);
    let topics: Vec<String> = pair
        .broker
        .received
        .iter()
        .filter_map(|(_, p)| match p {
            Packet::Publish(p) => Some(p.topic.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(topics, vec!["t0", "t1", "t2"]);
    for result in &results[..3] {
        assert!(pair.completion(*result.as_ref().unwrap()).is_ok());
    }
}

#[test]
fn mqtt31_subscribes_again_after_every_reconnect_because_connack_cannot_say_the_session_was_lost() {
    // Whether the broker kept the session or not, the subscriptions are there afterwards, and an
    // unacknowledged QoS 1 message is re-sent as a duplicate (the session is assumed kept).
    for broker_forgets in [true, false] {
        let mut pair = Pair::connected(Options {
            clean_start: false,
            ..options(ProtocolVersion::V3_1)
        });
        pair.subscribe("s/#", QoS::AtLeastOnce);
        pair.subscribe("t", QoS::AtMostOnce);
        pair.broker.auto_ack_publish = false;
        let a = pair.publish(OutgoingMessage::new("a", b"1".to_vec(), QoS::AtLeastOnce));
        pair.drive();
        pair.drop_connection();
        if broker_forgets {
            pair.broker.forget_session();
        }
        pair.broker.received.clear();
        pair.advance(60_000);
        assert!(pair.is_connected());
        assert_eq!(
            received(&pair),
            vec![
                "CONNECT clean=false".to_owned(),
                "SUBSCRIBE s/# 4".into(), // both filters, in one packet
                "PUBLISH a 3 dup".into(),
            ],
            "broker forgot the session: {broker_forgets}"
        );
        assert_eq!(
            pair.broker.subscriptions,
            vec![
                ("s/#".to_owned(), QoS::AtLeastOnce),
                ("t".to_owned(), QoS::AtMostOnce)
            ]
        );
        pair.broker.publish("s/x", b"after", QoS::AtLeastOnce, 20);
        pair.drive();
        let payloads: Vec<Vec<u8>> = pair.messages().into_iter().map(|m| m.payload).collect();
        assert_eq!(payloads, vec![b"after".to_vec()]);
        pair.broker.send(&Packet::PubAck(plain_ack(3)));
        pair.drive();
        assert!(pair.completion(a).is_ok());
    }
}

#[test]
fn mqtt31_a_new_qos2_message_reusing_an_id_awaiting_pubrel_is_delivered_when_the_session_was_lost() {
    // 3.1 CONNACK cannot say the broker lost the session; DUP tells a re-send (1) from a new
    // message (0).
    for (dup, delivered) in [(false, vec!["old", "new"]), (true, vec!["old"])] {
        let mut pair = Pair::connected(Options {
            clean_start: false,
            ..options(ProtocolVersion::V3_1)
        });
        pair.subscribe("in", QoS::ExactlyOnce);
        pair.broker.auto_pubrel = false;
        pair.broker.publish("in", b"old", QoS::ExactlyOnce, 1);
        pair.drive();
        pair.drop_connection();
        pair.broker.forget_session();
        pair.advance(60_000);
        assert!(pair.is_connected());
        let mut packet = publish_packet("in", b"new", QoS::ExactlyOnce, 1);
        if let Packet::Publish(p) = &mut packet {
            p.dup = dup;
        }
        pair.broker.send(&packet);
        pair.drive();
        let payloads: Vec<String> = pair
            .messages()
            .into_iter()
            .map(|m| String::from_utf8(m.payload).unwrap())
            .collect();
        assert_eq!(payloads, delivered, "dup={dup}");
    }
}
