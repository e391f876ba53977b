//! QoS 0/1/2 in both directions, acknowledgement order, exactly-once delivery, packet-id
//! allocation and exhaustion, SUBACK/UNSUBACK, coalescing, and what the session does with bytes
//! that break the protocol.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::borrow::Cow;
use std::collections::BTreeSet;

use scratch_mqtt_core::client::{
    ClientError, Completion, Event, LostReason, Options, OutgoingMessage, ProtocolError, SessionState,
};
use scratch_mqtt_core::codec::{
    Ack, ConnAck, DecodeError, EncodeOptions, Packet, PacketType, Properties, ProtocolVersion, QoS,
    ReasonCode, SubAck, encode,
};
use scratch_mqtt_core::topic::TopicError;
use support::*;

/// What the broker received, as short strings (`PUBLISH t 1`, `PUBREL 3`, …).
fn received(pair: &Pair) -> Vec<String> {
    pair.broker
        .received
        .iter()
        .map(|(_, packet)| describe(packet))
        .collect()
}

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
        Packet::Subscribe(s) => format!("SUBSCRIBE {}", s.packet_id),
        Packet::Unsubscribe(u) => format!("UNSUBSCRIBE {}", u.packet_id),
        other => format!("{:?}", other.packet_type()),
    }
}

fn published() -> Result<Completion, ClientError> {
    Ok(Completion::Published {
        reason: ReasonCode::SUCCESS,
        reason_string: None,
    })
}

#[test]
fn qos0_publish_completes_when_handed_to_the_transport() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        let op = pair.publish(OutgoingMessage::new("cat/meow", b"hi".to_vec(), QoS::AtMostOnce));
        assert_eq!(pair.completion(op), published());
        assert_eq!(received(&pair), vec!["PUBLISH cat/meow 0"]);
        assert_eq!(pair.client.in_flight_len(), 0);
    }
}

#[test]
fn qos1_publish_completes_on_puback_only() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.auto_ack_publish = false;
        let op = pair.publish(OutgoingMessage::new("a", b"1".to_vec(), QoS::AtLeastOnce));
        assert!(pair.completions().is_empty());
        assert_eq!(pair.client.in_flight_len(), 1);
        pair.broker.send(&Packet::PubAck(plain_ack(1)));
        pair.drive();
        assert_eq!(pair.completion(op), published());
        assert_eq!(pair.client.in_flight_len(), 0);
    }
}

#[test]
fn qos2_publish_goes_through_pubrec_pubrel_pubcomp() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.auto_ack_publish = false;
        pair.broker.auto_pubcomp = false;
        let op = pair.publish(OutgoingMessage::new("a", b"1".to_vec(), QoS::ExactlyOnce));
        pair.broker.send(&Packet::PubRec(plain_ack(1)));
        pair.drive();
        assert_eq!(received(&pair), vec!["PUBLISH a 1", "PUBREL 1"]);
        assert!(pair.completions().is_empty(), "not complete before PUBCOMP");
        pair.broker.send(&Packet::PubComp(plain_ack(1)));
        pair.drive();
        assert_eq!(pair.completion(op), published());
        assert_eq!(pair.client.in_flight_len(), 0);
    }
}

#[test]
fn incoming_messages_are_delivered_and_acked_in_arrival_order_in_one_buffer() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.auto_pubrel = false;
        pair.broker.publish("t/1", b"a", QoS::AtLeastOnce, 10);
        pair.broker.publish("t/2", b"b", QoS::ExactlyOnce, 11);
        pair.broker.publish("t/3", b"c", QoS::AtMostOnce, 0);
        pair.broker.publish("t/4", b"d", QoS::AtLeastOnce, 12);
        pair.broker.publish("t/5", b"e", QoS::ExactlyOnce, 13);
        pair.drive();
        let topics: Vec<(String, QoS)> = pair.messages().into_iter().map(|m| (m.topic, m.qos)).collect();
        assert_eq!(
            topics,
            vec![
                ("t/1".into(), QoS::AtLeastOnce),
                ("t/2".into(), QoS::ExactlyOnce),
                ("t/3".into(), QoS::AtMostOnce),
                ("t/4".into(), QoS::AtLeastOnce),
                ("t/5".into(), QoS::ExactlyOnce),
            ]
        );
        // One turn, one buffer: every ack in the order the PUBLISHes came.
        assert_eq!(pair.frames.len(), 1);
        let acks: Vec<String> = split_packets(version, &pair.frames[0].1)
            .iter()
            .map(describe)
            .collect();
        assert_eq!(acks, vec!["PUBACK 10", "PUBREC 11", "PUBACK 12", "PUBREC 13"]);
        // PUBREL in any order gets PUBCOMP in that order.
        pair.broker.send(&Packet::PubRel(plain_ack(13)));
        pair.broker.send(&Packet::PubRel(plain_ack(11)));
        pair.drive();
        let tail: Vec<String> = received(&pair).into_iter().skip(4).collect();
        assert_eq!(tail, vec!["PUBCOMP 13", "PUBCOMP 11"]);
    }
}

#[test]
fn a_qos2_message_resent_before_pubrel_reaches_the_application_once() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.auto_pubrel = false;
        pair.broker.publish("t", b"once", QoS::ExactlyOnce, 7);
        pair.drive();
        let mut again = publish_packet("t", b"once", QoS::ExactlyOnce, 7);
        if let Packet::Publish(p) = &mut again {
            p.dup = true;
        }
        pair.broker.send(&again);
        pair.drive();
        assert_eq!(pair.messages().len(), 1, "{version:?}");
        assert_eq!(received(&pair), vec!["PUBREC 7", "PUBREC 7"]);
        pair.broker.send(&Packet::PubRel(plain_ack(7)));
        pair.drive();
        // After PUBREL the id is free for a new message, which is delivered.
        pair.broker.publish("t", b"new", QoS::ExactlyOnce, 7);
        pair.drive();
        let payloads: Vec<Vec<u8>> = pair.messages().into_iter().map(|m| m.payload).collect();
        assert_eq!(payloads, vec![b"once".to_vec(), b"new".to_vec()]);
    }
}

#[test]
fn pubrel_goes_out_in_pubrec_order() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.auto_ack_publish = false;
        for n in 1..=3 {
            pair.publish(OutgoingMessage::new("a", vec![n], QoS::ExactlyOnce));
        }
        pair.broker.received.clear();
        for id in [3, 1, 2] {
            pair.broker.send(&Packet::PubRec(plain_ack(id)));
        }
        pair.drive();
        assert_eq!(received(&pair), vec!["PUBREL 3", "PUBREL 1", "PUBREL 2"]);
        assert_eq!(pair.completions().len(), 3);
    }
}

#[test]
fn unknown_pubrec_and_pubrel_are_still_answered() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.send(&Packet::PubRec(plain_ack(99)));
        pair.broker.send(&Packet::PubRel(plain_ack(98)));
        // An unknown PUBACK/PUBCOMP is ignored.
        pair.broker.send(&Packet::PubAck(plain_ack(97)));
        pair.broker.send(&Packet::PubComp(plain_ack(96)));
        pair.drive();
        let answers: Vec<(String, ReasonCode)> = pair
            .broker
            .received
            .iter()
            .map(|(_, p)| match p {
                Packet::PubRel(a) | Packet::PubComp(a) => (describe(p), a.reason),
                other => (describe(other), ReasonCode::SUCCESS),
            })
            .collect();
        let not_found = if version == ProtocolVersion::V5 {
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
        } else {
            ReasonCode::SUCCESS // no reason codes before v5
        };
        assert_eq!(
            answers,
            vec![("PUBREL 99".into(), not_found), ("PUBCOMP 98".into(), not_found)]
        );
        assert!(pair.is_connected());
        assert!(pair.completions().is_empty());
    }
}

#[test]
fn packet_ids_run_out_and_the_next_operations_wait_in_order() {
    // No in-flight cap below the packet ids.
    let mut pair = Pair::connected(Options {
        max_in_flight: Some(u16::MAX),
        ..options(ProtocolVersion::V3_1_1)
    });
    pair.broker.auto_ack_publish = false;
    pair.broker.auto_suback = false;
    let mut ops = Vec::new();
    for n in 0..65_535u32 {
        let op = pair
            .client
            .publish(
                pair.now,
                OutgoingMessage::new("a", n.to_be_bytes().to_vec(), QoS::AtLeastOnce),
            )
            .unwrap();
        ops.push(op);
    }
    pair.drive();
    let ids: BTreeSet<u16> = pair
        .broker
        .received
        .iter()
        .map(|(_, p)| match p {
            Packet::Publish(p) => p.packet_id,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(ids.len(), 65_535, "every id used once");
    assert!(!ids.contains(&0));
    assert_eq!(pair.client.in_flight_len(), 65_535);

    // All ids in use: the next publish and a subscribe wait; neither fails nor reuses an id.
    let waiting_publish = pair.publish(OutgoingMessage::new("next", b"w".to_vec(), QoS::AtLeastOnce));
    let waiting_subscribe = pair.subscribe("s", QoS::AtMostOnce);
    assert_eq!(pair.client.pending_len(), 2);
    assert_eq!(pair.broker.received.len(), 65_535, "nothing more sent");
    assert!(pair.completions().is_empty());
    // QoS 0 needs no id, but publishes keep their order: it waits behind the waiting one.
    let free = pair.publish(OutgoingMessage::new("free", vec![], QoS::AtMostOnce));
    assert_eq!(pair.client.pending_len(), 3);
    assert_eq!(pair.broker.received.len(), 65_535);

    // Free id 500: the first waiting operation (the publish) gets exactly that id, and the
    // QoS 0 publish follows it.
    pair.broker.received.clear();
    pair.broker.send(&Packet::PubAck(plain_ack(500)));
    pair.drive();
    assert_eq!(pair.completion(ops[499]), published());
    assert_eq!(received(&pair), vec!["PUBLISH next 500", "PUBLISH free 0"]);
    assert_eq!(pair.completion(free), published());
    assert_eq!(pair.client.pending_len(), 1);
    // Free id 501: the subscribe goes.
    pair.broker.send(&Packet::PubAck(plain_ack(501)));
    pair.drive();
    assert_eq!(
        received(&pair),
        vec!["PUBLISH next 500", "PUBLISH free 0", "SUBSCRIBE 501"]
    );
    assert_eq!(pair.client.pending_len(), 0);
    pair.broker.send(&Packet::PubAck(plain_ack(500)));
    pair.broker.send(&Packet::SubAck(SubAck {
        packet_id: 501,
        properties: Properties::default(),
        codes: vec![ReasonCode::GRANTED_QOS_0],
    }));
    pair.drive();
    assert_eq!(pair.completion(waiting_publish), published());
    assert!(pair.completion(waiting_subscribe).is_ok());
}

#[test]
fn suback_reports_each_filter_and_only_granted_ones_become_active() {
    for (version, refusal) in [
        (ProtocolVersion::V3_1_1, ReasonCode(0x80)),
        (ProtocolVersion::V5, ReasonCode::NOT_AUTHORIZED),
    ] {
        let mut pair = Pair::connected(options(version));
        pair.broker.suback_codes = Some(vec![ReasonCode::GRANTED_QOS_1, refusal]);
        let op = pair
            .client
            .subscribe(
                pair.now,
                vec![
                    subscription("ok/#", QoS::ExactlyOnce),
                    subscription("secret", QoS::AtMostOnce),
                ],
                Properties::default(),
            )
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.completion(op),
            Ok(Completion::Subscribed {
                results: vec![Ok(QoS::AtLeastOnce), Err(refusal)],
                reason_string: None,
            })
        );
        assert_eq!(
            pair.client.active_subscriptions().collect::<Vec<_>>(),
            vec!["ok/#"]
        );

        let op = pair
            .client
            .unsubscribe(pair.now, vec!["ok/#".into()], Properties::default())
            .unwrap();
        pair.drive();
        let codes = if version == ProtocolVersion::V5 {
            vec![ReasonCode::SUCCESS]
        } else {
            vec![]
        };
        assert_eq!(
            pair.completion(op),
            Ok(Completion::Unsubscribed {
                codes,
                reason_string: None
            })
        );
        assert_eq!(pair.client.active_subscriptions().count(), 0);
    }
}

#[test]
fn a_suback_with_the_wrong_number_of_codes_is_a_protocol_error() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut pair = Pair::connected(options(version));
        pair.broker.suback_codes = Some(vec![ReasonCode::GRANTED_QOS_0; 2]);
        pair.subscribe("a", QoS::AtMostOnce);
        assert!(pair.events.iter().any(|(_, e)| *e
            == Event::ConnectionLost(LostReason::Protocol(ProtocolError::WrongNumberOfCodes {
                expected: 1,
                received: 2
            }))));
    }
}

#[test]
fn packets_queued_in_one_turn_come_out_as_one_buffer() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        let now = pair.now;
        pair.client
            .publish(now, OutgoingMessage::new("a", b"1".to_vec(), QoS::AtMostOnce))
            .unwrap();
        pair.client
            .publish(now, OutgoingMessage::new("b", b"2".to_vec(), QoS::AtLeastOnce))
            .unwrap();
        pair.client
            .subscribe(
                now,
                vec![subscription("c", QoS::AtMostOnce)],
                Properties::default(),
            )
            .unwrap();
        let frame = pair.client.poll_transmit().unwrap();
        assert_eq!(
            pair.client.poll_transmit(),
            None,
            "everything came in the first buffer"
        );
        let packets: Vec<String> = split_packets(version, &frame).iter().map(describe).collect();
        assert_eq!(packets, vec!["PUBLISH a 0", "PUBLISH b 1", "SUBSCRIBE 2"]);
    }
}

#[test]
fn messages_round_trip_through_the_broker() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.echo = true;
        pair.subscribe("sensors/+", QoS::AtLeastOnce);
        pair.publish(OutgoingMessage::new(
            "sensors/cat",
            b"purr".to_vec(),
            QoS::ExactlyOnce,
        ));
        pair.publish(OutgoingMessage::new("other", b"no".to_vec(), QoS::AtMostOnce));
        let messages = pair.messages();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].topic, "sensors/cat");
        assert_eq!(messages[0].payload, b"purr");
        assert_eq!(messages[0].qos, QoS::AtLeastOnce, "min(subscription, publish)");
    }
}

#[test]
fn bytes_split_anywhere_give_the_same_messages() {
    for version in ALL_VERSIONS {
        let mut bytes = Vec::new();
        let opts = EncodeOptions::new(version);
        for (n, qos) in [
            (1u16, QoS::AtLeastOnce),
            (2, QoS::ExactlyOnce),
            (0, QoS::AtMostOnce),
        ] {
            let packet = publish_packet(&format!("t/{n}"), &[n as u8; 40], qos, n);
            encode(&packet, &opts, &mut bytes).unwrap();
        }
        for chunk in [1, 2, 3, 7, 50, bytes.len()] {
            let mut pair = Pair::connected(options(version));
            // The test feeds the broker's bytes itself: the broker must not add its own PUBREL
            // into the middle of them.
            pair.broker.auto_pubrel = false;
            for piece in bytes.chunks(chunk) {
                pair.client.handle_bytes(pair.now, piece);
                pair.drive();
            }
            let topics: Vec<String> = pair.messages().into_iter().map(|m| m.topic).collect();
            assert_eq!(
                topics,
                vec!["t/1", "t/2", "t/0"],
                "{version:?}, chunks of {chunk}"
            );
        }
    }
}

#[test]
fn v5_failure_in_puback_or_pubrec_ends_the_flow_with_the_reason() {
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    pair.broker.auto_ack_publish = false;
    let q1 = pair.publish(OutgoingMessage::new("a", vec![], QoS::AtLeastOnce));
    let q2 = pair.publish(OutgoingMessage::new("a", vec![], QoS::ExactlyOnce));
    let reason_string = Properties {
        reason_string: Some(Cow::Borrowed("quota for cats")),
        ..Properties::default()
    };
    pair.broker.send(&Packet::PubAck(Ack {
        packet_id: 1,
        reason: ReasonCode::QUOTA_EXCEEDED,
        properties: reason_string.clone(),
    }));
    pair.broker.send(&Packet::PubRec(Ack {
        packet_id: 2,
        reason: ReasonCode::NOT_AUTHORIZED,
        properties: Properties::default(),
    }));
    pair.drive();
    let refused = ClientError::Refused {
        reason: ReasonCode::QUOTA_EXCEEDED,
        reason_string: Some("quota for cats".into()),
    };
    assert_eq!(pair.completion(q1), Err(refused.clone()));
    assert_eq!(
        refused.to_string(),
        "the server refused: quota exceeded (quota for cats)"
    );
    assert_eq!(
        pair.completion(q2),
        Err(ClientError::Refused {
            reason: ReasonCode::NOT_AUTHORIZED,
            reason_string: None
        })
    );
    // No PUBREL for the refused QoS 2 message, and nothing is re-sent later.
    assert_eq!(received(&pair), vec!["PUBLISH a 1", "PUBLISH a 2"]);
    assert_eq!(pair.client.in_flight_len(), 0);
    pair.drop_connection();
    pair.broker.received.clear();
    pair.advance(60_000);
    assert_eq!(received(&pair), vec!["Connect"]);
}

#[test]
fn v5_success_codes_below_0x80_are_reported_with_the_completion() {
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    pair.broker.ack_reason = ReasonCode::NO_MATCHING_SUBSCRIBERS;
    let op = pair.publish(OutgoingMessage::new("a", vec![], QoS::AtLeastOnce));
    assert_eq!(
        pair.completion(op),
        Ok(Completion::Published {
            reason: ReasonCode::NO_MATCHING_SUBSCRIBERS,
            reason_string: None
        })
    );
}

#[test]
fn malformed_bytes_close_the_connection_and_v5_says_why() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        // PUBLISH with QoS bits 11.
        pair.broker.send_raw(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01]);
        pair.drive();
        let lost = Event::ConnectionLost(LostReason::Protocol(ProtocolError::Decode(
            DecodeError::InvalidQos,
        )));
        assert!(
            pair.events.iter().any(|(_, e)| *e == lost),
            "{version:?}: {:?}",
            pair.events
        );
        let last = pair.broker.received.last().map(|(_, p)| p.clone());
        if version == ProtocolVersion::V5 {
            assert!(
                matches!(&last, Some(Packet::Disconnect(d)) if d.reason == ReasonCode::MALFORMED_PACKET),
                "{last:?}"
            );
        } else {
            // Before v5 DISCONNECT would mean "normal, discard my will": only close.
            assert!(last.is_none());
        }
        assert!(!pair.transport_open);
        assert_eq!(pair.client.state(), SessionState::WaitingToReconnect);
        pair.advance(60_000);
        assert!(pair.is_connected(), "reconnects per policy");
    }
}

#[test]
fn an_incoming_packet_over_our_maximum_packet_size_is_refused() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(Options {
            maximum_packet_size: Some(64),
            ..options(version)
        });
        pair.broker.publish("t", &[0u8; 30], QoS::AtMostOnce, 0); // 2 + 3 + 30 = 35 bytes: fine
        pair.broker.publish("t", &[0u8; 100], QoS::AtMostOnce, 0); // 105 bytes: too large
        pair.drive();
        assert_eq!(pair.messages().len(), 1);
        // v5 adds one byte: the empty property length.
        let size = if version == ProtocolVersion::V5 { 106 } else { 105 };
        let lost = Event::ConnectionLost(LostReason::Protocol(ProtocolError::Decode(
            DecodeError::PacketTooLarge { size, max: 64 },
        )));
        assert!(
            pair.events.iter().any(|(_, e)| *e == lost),
            "{version:?}: {:?}",
            pair.events
        );
        if version == ProtocolVersion::V5 {
            let last = pair.broker.received.last().map(|(_, p)| p.clone());
            assert!(matches!(&last, Some(Packet::Disconnect(d)) if d.reason == ReasonCode::PACKET_TOO_LARGE));
        }
    }
}

#[test]
fn packets_a_server_never_sends_are_protocol_errors() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut pair = Pair::connected(options(version));
        pair.broker.send(&Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::SUCCESS,
            properties: Properties::default(),
        }));
        pair.drive();
        assert!(pair.events.iter().any(|(_, e)| *e
            == Event::ConnectionLost(LostReason::Protocol(ProtocolError::UnexpectedPacket(
                PacketType::ConnAck
            )))));
    }
}

#[test]
fn a_message_with_an_invalid_topic_is_a_protocol_error() {
    // v5: a wildcard in a topic name. Our encoder refuses such a topic, so the bytes are written
    // by hand: PUBLISH QoS 0, remaining length 6, topic "a/+", property length 0, no payload.
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    pair.broker
        .send_raw(&[0x30, 0x06, 0x00, 0x03, b'a', b'/', b'+', 0x00]);
    pair.drive();
    assert!(pair.messages().is_empty());
    let lost = Event::ConnectionLost(LostReason::Protocol(ProtocolError::Decode(
        DecodeError::InvalidTopicName,
    )));
    assert!(pair.events.iter().any(|(_, e)| *e == lost), "{:?}", pair.events);
    let last = pair.broker.received.last().map(|(_, p)| p.clone());
    assert!(matches!(&last, Some(Packet::Disconnect(d)) if d.reason == ReasonCode::TOPIC_NAME_INVALID));

    // 3.1.1: an empty topic name (there are no aliases to stand for it).
    let mut pair = Pair::connected(options(ProtocolVersion::V3_1_1));
    pair.broker.send_raw(&[0x30, 0x02, 0x00, 0x00]);
    pair.drive();
    assert!(pair.messages().is_empty());
    let lost = Event::ConnectionLost(LostReason::Protocol(ProtocolError::TopicName(TopicError::Empty)));
    assert!(pair.events.iter().any(|(_, e)| *e == lost), "{:?}", pair.events);
}

#[test]
fn invalid_topics_and_filters_are_refused_at_once() {
    let mut pair = Pair::connected(options(ProtocolVersion::V3_1_1));
    let now = pair.now;
    assert_eq!(
        pair.client
            .publish(now, OutgoingMessage::new("a/#", vec![], QoS::AtMostOnce)),
        Err(ClientError::InvalidTopic(TopicError::WildcardInName))
    );
    assert_eq!(
        pair.client.subscribe(
            now,
            vec![subscription("a/#/b", QoS::AtMostOnce)],
            Properties::default()
        ),
        Err(ClientError::InvalidTopic(TopicError::MisplacedMultiLevelWildcard))
    );
    assert_eq!(
        pair.client.subscribe(now, vec![], Properties::default()),
        Err(ClientError::NoTopicFilters)
    );
    assert_eq!(
        pair.client
            .unsubscribe(now, vec![String::new()], Properties::default()),
        Err(ClientError::InvalidTopic(TopicError::Empty))
    );
    assert!(pair.client.poll_transmit().is_none(), "nothing was sent");
}

#[test]
fn v5_a_failed_pubrec_is_never_answered_with_pubrel() {
    // v5 §4.3.3: PUBREC with a reason code of 0x80 or more ends the flow; no PUBREL follows,
    // whether the flow is ours or unknown.
    let failed = Ack {
        packet_id: 9,
        reason: ReasonCode(0x80),
        properties: Properties::default(),
    };
    for known in [true, false] {
        let mut pair = Pair::connected(options(ProtocolVersion::V5));
        pair.broker.auto_ack_publish = false;
        let op = known.then(|| pair.publish(OutgoingMessage::new("a", vec![], QoS::ExactlyOnce)));
        pair.broker.received.clear();
        pair.broker.send(&Packet::PubRec(Ack {
            packet_id: if known { 1 } else { 9 },
            ..failed.clone()
        }));
        pair.drive();
        assert_eq!(received(&pair), Vec::<String>::new(), "known={known}");
        if let Some(op) = op {
            assert!(pair.completion(op).is_err());
        }
        assert!(pair.is_connected());
    }
}

#[test]
fn a_suback_code_the_protocol_does_not_define_is_a_protocol_error() {
    use ProtocolVersion::{V3_1, V3_1_1, V5};
    // (version, code, valid)
    let cases = [
        (V3_1_1, 0x00, true),
        (V3_1_1, 0x02, true),
        (V3_1_1, 0x80, true),
        (V3_1_1, 0x03, false),
        (V3_1_1, 0x87, false),
        (V3_1, 0x01, true),
        (V3_1, 0x7F, false),
        (V5, 0x01, true),
        (V5, 0x80, true),
        (V5, 0x87, true),
        (V5, 0xA2, true),
        (V5, 0x03, false),
        (V5, 0x81, false),
        (V5, 0xFF, false),
    ];
    for (version, code, valid) in cases {
        let mut pair = Pair::connected(options(version));
        pair.broker.suback_codes = Some(vec![ReasonCode(code)]);
        let op = pair.subscribe("a", QoS::AtMostOnce);
        let lost = pair.events.iter().any(|(_, e)| {
            *e == Event::ConnectionLost(LostReason::Protocol(ProtocolError::InvalidReasonCode {
                packet_type: PacketType::SubAck,
                code: ReasonCode(code),
            }))
        });
        assert_eq!(lost, !valid, "{version:?} {code:#04x}");
        if valid {
            assert!(pair.completion(op).is_ok(), "{version:?} {code:#04x}");
            assert!(pair.is_connected());
        }
    }
}

/// Acknowledges the client's QoS>0 PUBLISH one at a time, oldest first, the way a broker that
/// takes `cap` at a time would; fails if more than `cap` are ever unacknowledged. Returns the
/// payload numbers in the order the PUBLISH first arrived.
fn ack_one_at_a_time(pair: &mut Pair, qos: QoS, cap: usize) -> Vec<u32> {
    let mut unacked: std::collections::VecDeque<u16> = std::collections::VecDeque::new();
    let mut numbers = Vec::new();
    loop {
        for packet in pair.broker.take_received() {
            if let Packet::Publish(publish) = packet {
                if !publish.dup {
                    numbers.push(u32::from_be_bytes(publish.payload[..4].try_into().unwrap()));
                }
                unacked.push_back(publish.packet_id);
            }
        }
        assert!(
            unacked.len() <= cap,
            "{} unacknowledged, cap {cap}",
            unacked.len()
        );
        let Some(packet_id) = unacked.pop_front() else {
            return numbers;
        };
        match qos {
            QoS::AtLeastOnce => pair.broker.send(&Packet::PubAck(plain_ack(packet_id))),
            // The broker's auto PUBCOMP answers the client's PUBREL.
            _ => pair.broker.send(&Packet::PubRec(plain_ack(packet_id))),
        }
        pair.drive();
    }
}

fn numbered(n: u32, qos: QoS) -> OutgoingMessage {
    OutgoingMessage::new("n", n.to_be_bytes().to_vec(), qos)
}

#[test]
fn before_v5_at_most_20_publishes_wait_for_their_ack_and_each_ack_releases_the_next() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut pair = Pair::connected(options(version));
            pair.broker.auto_ack_publish = false;
            let ops: Vec<_> = (0..60).map(|n| pair.publish(numbered(n, qos))).collect();
            assert_eq!(pair.client.in_flight_len(), 20, "{version:?} {qos:?}");
            assert_eq!(pair.client.pending_len(), 40);
            let numbers = ack_one_at_a_time(&mut pair, qos, 20);
            assert_eq!(numbers, (0..60).collect::<Vec<_>>(), "{version:?} {qos:?}");
            for op in ops {
                assert_eq!(pair.completion(op), published());
            }
        }
    }
}

#[test]
fn after_a_reconnect_before_v5_resends_and_the_offline_queue_go_out_20_at_a_time() {
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let mut pair = Pair::connected(Options {
            clean_start: false,
            client_id: "kept".into(),
            ..options(ProtocolVersion::V3_1_1)
        });
        pair.broker.auto_ack_publish = false;
        let mut ops: Vec<_> = (0..30).map(|n| pair.publish(numbered(n, qos))).collect();
        pair.broker.take_received();
        pair.drop_connection();
        ops.extend((30..100).map(|n| pair.client.publish(pair.now, numbered(n, qos)).unwrap()));
        pair.advance(30_000);
        assert!(pair.is_connected());
        let resent = pair
            .broker
            .received
            .iter()
            .filter(|(_, packet)| matches!(packet, Packet::Publish(p) if p.dup))
            .count();
        assert_eq!(resent, 20, "{qos:?}: only the quota is re-sent at once");
        let numbers = ack_one_at_a_time(&mut pair, qos, 20);
        // 0..20 went out before the cut and come back as duplicates.
        assert_eq!(numbers, (20..100).collect::<Vec<_>>(), "{qos:?}");
        for op in ops {
            assert_eq!(pair.completion(op), published());
        }
    }
}

#[test]
fn a_set_in_flight_maximum_applies_before_v5_and_below_the_servers_in_v5() {
    let cases = [
        (ProtocolVersion::V3_1_1, Some(3), None, 3),
        (ProtocolVersion::V3_1_1, Some(100), None, 100),
        (ProtocolVersion::V5, None, None, 150),
        (ProtocolVersion::V5, None, Some(7), 7),
        (ProtocolVersion::V5, Some(4), Some(7), 4),
    ];
    for (version, max_in_flight, server_receive_maximum, in_flight) in cases {
        let mut pair = Pair::new(Options {
            max_in_flight,
            ..options(version)
        });
        pair.broker.default_connack = ConnAckPlan::with_properties(Properties {
            receive_maximum: server_receive_maximum,
            ..Properties::default()
        });
        pair.connect();
        pair.broker.auto_ack_publish = false;
        for n in 0..150 {
            pair.publish(numbered(n, QoS::AtLeastOnce));
        }
        assert_eq!(
            pair.client.in_flight_len(),
            in_flight,
            "{version:?} {max_in_flight:?}"
        );
    }
}

#[test]
fn data_that_is_not_mqtt_ends_the_connection_as_a_protocol_error_and_reconnects() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.client.not_mqtt_data(pair.now);
        pair.drive();
        let events = pair.take_events();
        assert!(
            events.contains(&Event::ConnectionLost(LostReason::Protocol(
                ProtocolError::NotMqttData
            ))),
            "{version:?}: {events:?}"
        );
        assert!(
            matches!(events.last(), Some(Event::ReconnectScheduled { .. })),
            "{version:?}"
        );
        let told = pair
            .broker
            .received
            .iter()
            .any(|(_, p)| matches!(p, Packet::Disconnect(d) if d.reason == ReasonCode::PROTOCOL_ERROR));
        assert_eq!(
            told,
            version == ProtocolVersion::V5,
            "{version:?}: only v5 says why"
        );
    }
}
