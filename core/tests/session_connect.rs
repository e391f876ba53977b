//! Connecting: what CONNECT carries, how CONNACK answers are handled in each version (refusals by
//! name, which ones end the session), the connect timeout, client ids, session-present rules,
//! operations before and during connecting, and a graceful disconnect.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::borrow::Cow;

use scratch_mqtt_core::client::{
    Client, ClientError, Event, LastWill, LostReason, Options, OptionsError, OutgoingMessage, ProtocolError,
    RandomSource, SessionState,
};
use scratch_mqtt_core::codec::{Packet, PacketType, Properties, ProtocolVersion, QoS, ReasonCode};
use scratch_mqtt_core::topic::TopicError;
use support::*;

fn connect_packet(pair: &Pair, index: usize) -> scratch_mqtt_core::codec::Connect<'static> {
    let connects: Vec<_> = pair
        .broker
        .received
        .iter()
        .filter_map(|(_, packet)| match packet {
            Packet::Connect(connect) => Some(connect.clone()),
            _ => None,
        })
        .collect();
    (*connects[index]).clone()
}

fn count_connects(pair: &Pair) -> usize {
    pair.broker
        .received_types()
        .iter()
        .filter(|t| **t == PacketType::Connect)
        .count()
}

#[test]
fn connect_carries_every_option_in_every_version() {
    for version in ALL_VERSIONS {
        let will_properties = Properties {
            will_delay_interval: Some(5),
            ..Properties::default()
        };
        let options = Options {
            version,
            client_id: "cat".into(),
            clean_start: false,
            keep_alive_secs: 30,
            username: Some("kid".into()),
            password: Some(b"pw".to_vec()),
            will: Some(LastWill {
                topic: "cat/status".into(),
                payload: b"gone".to_vec(),
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: will_properties.clone(),
            }),
            session_expiry_secs: Some(600),
            receive_maximum: Some(10),
            maximum_packet_size: Some(4096),
            topic_alias_maximum: 8,
            user_properties: vec![("app".into(), "scratch".into())],
            request_problem_information: Some(false),
            request_response_information: Some(true),
            ..Options::default()
        };
        let mut pair = Pair::new(options);
        pair.connect();
        assert!(pair.is_connected(), "{version:?}");
        let connect = connect_packet(&pair, 0);
        assert_eq!(connect.protocol, version);
        assert!(!connect.clean_start);
        assert_eq!(connect.keep_alive, 30);
        assert_eq!(connect.client_id, "cat");
        assert_eq!(connect.username.as_deref(), Some("kid"));
        assert_eq!(connect.password.as_deref(), Some(&b"pw"[..]));
        let will = connect.will.as_ref().unwrap();
        assert_eq!(
            (&*will.topic, &*will.payload, will.qos, will.retain),
            ("cat/status", &b"gone"[..], QoS::AtLeastOnce, true)
        );
        if version == ProtocolVersion::V5 {
            assert_eq!(will.properties, will_properties);
            let expected = Properties {
                session_expiry_interval: Some(600),
                receive_maximum: Some(10),
                maximum_packet_size: Some(4096),
                topic_alias_maximum: Some(8),
                request_problem_information: Some(false),
                request_response_information: Some(true),
                user_properties: vec![(Cow::Borrowed("app"), Cow::Borrowed("scratch"))],
                ..Properties::default()
            };
            assert_eq!(connect.properties, expected);
        } else {
            // Properties do not exist before v5: nothing of them reaches the wire.
            assert_eq!(connect.properties, Properties::default());
        }
    }
}

#[test]
fn connect_names_the_protocol_per_version() {
    let cases: [(ProtocolVersion, &[u8], u8); 3] = [
        (ProtocolVersion::V3_1, b"MQIsdp", 3),
        (ProtocolVersion::V3_1_1, b"MQTT", 4),
        (ProtocolVersion::V5, b"MQTT", 5),
    ];
    for (version, name, level) in cases {
        let mut pair = Pair::new(options(version));
        pair.connect();
        let frame = &pair.frames[0].1;
        assert_eq!(frame[0], 0x10, "CONNECT");
        // Fixed header (2 bytes, a short packet), then the length-prefixed protocol name, then the level.
        assert_eq!(&frame[2..4], &(name.len() as u16).to_be_bytes());
        assert_eq!(&frame[4..4 + name.len()], name);
        assert_eq!(frame[4 + name.len()], level, "{version:?}");
    }
}

#[test]
fn an_empty_client_id_is_generated_once_and_kept_across_reconnects() {
    let expected = format!("scratch-mqtt-{:08x}", SeededRng::new(1).next_u32());
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let mut pair = Pair::new(Options {
            version,
            client_id: String::new(),
            clean_start: false,
            ..Options::default()
        });
        assert_eq!(pair.client.client_id(), expected);
        pair.connect();
        pair.drop_connection();
        pair.advance(60_000);
        assert!(pair.is_connected());
        assert_eq!(connect_packet(&pair, 0).client_id, expected);
        assert_eq!(connect_packet(&pair, 1).client_id, expected);
        assert!(expected.len() <= 23, "fits MQTT 3.1");
    }
}

#[test]
fn v5_sends_an_empty_id_and_uses_the_assigned_one_from_then_on() {
    let mut pair = Pair::new(Options {
        version: ProtocolVersion::V5,
        client_id: String::new(),
        ..Options::default()
    });
    pair.broker.default_connack = ConnAckPlan::with_properties(Properties {
        assigned_client_identifier: Some(Cow::Borrowed("srv-42")),
        ..Properties::default()
    });
    pair.connect();
    assert_eq!(connect_packet(&pair, 0).client_id, "");
    let connected = pair
        .take_events()
        .into_iter()
        .find_map(|event| match event {
            Event::Connected(connected) => Some(connected),
            _ => None,
        })
        .unwrap();
    assert_eq!(connected.client_id, "srv-42");
    assert!(connected.client_id_assigned);
    assert_eq!(pair.client.client_id(), "srv-42");
    pair.drop_connection();
    pair.advance(60_000);
    assert_eq!(connect_packet(&pair, 1).client_id, "srv-42");
}

/// (version, CONNACK code on the wire, the reason it is reported as, whether it ends the session)
const REFUSALS: &[(ProtocolVersion, u8, ReasonCode, bool)] = &[
    (
        ProtocolVersion::V3_1,
        1,
        ReasonCode::UNSUPPORTED_PROTOCOL_VERSION,
        true,
    ),
    (
        ProtocolVersion::V3_1,
        2,
        ReasonCode::CLIENT_IDENTIFIER_NOT_VALID,
        true,
    ),
    (ProtocolVersion::V3_1, 3, ReasonCode::SERVER_UNAVAILABLE, false),
    (
        ProtocolVersion::V3_1,
        4,
        ReasonCode::BAD_USER_NAME_OR_PASSWORD,
        true,
    ),
    (ProtocolVersion::V3_1, 5, ReasonCode::NOT_AUTHORIZED, true),
    (
        ProtocolVersion::V3_1_1,
        1,
        ReasonCode::UNSUPPORTED_PROTOCOL_VERSION,
        true,
    ),
    (
        ProtocolVersion::V3_1_1,
        2,
        ReasonCode::CLIENT_IDENTIFIER_NOT_VALID,
        true,
    ),
    (ProtocolVersion::V3_1_1, 3, ReasonCode::SERVER_UNAVAILABLE, false),
    (
        ProtocolVersion::V3_1_1,
        4,
        ReasonCode::BAD_USER_NAME_OR_PASSWORD,
        true,
    ),
    (ProtocolVersion::V3_1_1, 5, ReasonCode::NOT_AUTHORIZED, true),
    (ProtocolVersion::V5, 0x80, ReasonCode::UNSPECIFIED_ERROR, false),
    (
        ProtocolVersion::V5,
        0x84,
        ReasonCode::UNSUPPORTED_PROTOCOL_VERSION,
        true,
    ),
    (
        ProtocolVersion::V5,
        0x85,
        ReasonCode::CLIENT_IDENTIFIER_NOT_VALID,
        true,
    ),
    (
        ProtocolVersion::V5,
        0x86,
        ReasonCode::BAD_USER_NAME_OR_PASSWORD,
        true,
    ),
    (ProtocolVersion::V5, 0x87, ReasonCode::NOT_AUTHORIZED, true),
    (ProtocolVersion::V5, 0x88, ReasonCode::SERVER_UNAVAILABLE, false),
    (ProtocolVersion::V5, 0x89, ReasonCode::SERVER_BUSY, false),
    (ProtocolVersion::V5, 0x8A, ReasonCode::BANNED, true),
    (
        ProtocolVersion::V5,
        0x8C,
        ReasonCode::BAD_AUTHENTICATION_METHOD,
        true,
    ),
    (ProtocolVersion::V5, 0x97, ReasonCode::QUOTA_EXCEEDED, false),
    (ProtocolVersion::V5, 0x9C, ReasonCode::USE_ANOTHER_SERVER, true),
    (
        ProtocolVersion::V5,
        0x9F,
        ReasonCode::CONNECTION_RATE_EXCEEDED,
        false,
    ),
];

#[test]
fn refusals_are_reported_by_name_and_only_retryable_ones_reconnect() {
    for &(version, wire_code, reason, is_final) in REFUSALS {
        let mut pair = Pair::new(options(version));
        let mut plan = ConnAckPlan::refuse(wire_code);
        if version == ProtocolVersion::V5 {
            plan.properties.reason_string = Some(Cow::Borrowed("ask your teacher"));
        }
        pair.broker.default_connack = plan;
        pair.connect();
        let events = pair.take_events();
        let expected_reason_string = (version == ProtocolVersion::V5).then(|| "ask your teacher".to_owned());
        let lost = LostReason::Refused {
            code: reason,
            reason_string: expected_reason_string.clone(),
        };
        assert!(
            events.contains(&Event::ConnectionLost(lost.clone())),
            "{version:?} {wire_code:#x}: {events:?}"
        );
        if is_final {
            assert_eq!(events.last(), Some(&Event::Closed), "{version:?} {wire_code:#x}");
            assert_eq!(pair.client.state(), SessionState::Idle);
        } else {
            assert!(
                matches!(events.last(), Some(Event::ReconnectScheduled { attempt: 1, .. })),
                "{version:?} {wire_code:#x}: {events:?}"
            );
        }
        // Ten minutes later: a final refusal caused no more attempts; a retryable one did.
        pair.advance(600_000);
        let connects = count_connects(&pair);
        if is_final {
            assert_eq!(connects, 1, "no reconnect storm after {reason}");
        } else {
            assert!(connects > 3, "{version:?} {wire_code:#x}: {connects} connects");
        }
        if let Some(text) = expected_reason_string {
            assert!(lost.to_string().contains(&text));
        }
        assert!(lost.to_string().contains(&reason.to_string()));
    }
}

#[test]
fn a_bad_password_fails_the_operations_waiting_for_the_connection() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::new(Options {
            username: Some("kid".into()),
            password: Some(b"wrong".to_vec()),
            ..options(version)
        });
        pair.broker.default_connack =
            ConnAckPlan::refuse(if version == ProtocolVersion::V5 { 0x86 } else { 4 });
        pair.client.connect(0);
        let op = pair
            .client
            .publish(0, OutgoingMessage::new("a", b"x".to_vec(), QoS::AtLeastOnce))
            .unwrap();
        pair.drive();
        let error = pair.completion(op).unwrap_err();
        assert_eq!(
            error,
            ClientError::ConnectionLost(LostReason::Refused {
                code: ReasonCode::BAD_USER_NAME_OR_PASSWORD,
                reason_string: None
            })
        );
        assert_eq!(
            error.to_string(),
            "gave up connecting: the server refused the connection: bad user name or password"
        );
        // A new `connect` tries again (the user may have fixed something on the broker).
        pair.broker.default_connack = ConnAckPlan::accept();
        pair.connect();
        assert!(pair.is_connected());
    }
}

#[test]
fn the_connect_timeout_fires_at_its_exact_deadline() {
    let mut pair = Pair::new(Options {
        connect_timeout_ms: 5_000,
        ..options(ProtocolVersion::V3_1_1)
    });
    pair.broker.answer_connect = false;
    pair.now = 1_000;
    pair.connect();
    assert_eq!(pair.client.poll_timeout(), Some(6_000));
    pair.advance_to(5_999);
    assert!(
        !pair
            .events
            .iter()
            .any(|(_, e)| matches!(e, Event::ConnectionLost(_)))
    );
    pair.advance_to(6_000);
    let lost: Vec<_> = pair
        .events
        .iter()
        .filter(|(_, e)| matches!(e, Event::ConnectionLost(_) | Event::CloseTransport))
        .cloned()
        .collect();
    assert_eq!(
        lost,
        vec![
            (6_000, Event::CloseTransport),
            (6_000, Event::ConnectionLost(LostReason::ConnectTimeout))
        ]
    );
    assert_eq!(pair.client.state(), SessionState::WaitingToReconnect);
}

#[test]
fn operations_before_connect_fail_as_closed() {
    let mut client = Client::new(Options::default(), SeededRng::new(3)).unwrap();
    assert_eq!(
        client.publish(0, OutgoingMessage::new("a", vec![], QoS::AtMostOnce)),
        Err(ClientError::Closed)
    );
    assert_eq!(
        client.subscribe(0, vec![subscription("a", QoS::AtMostOnce)], Properties::default()),
        Err(ClientError::Closed)
    );
    assert_eq!(
        client.unsubscribe(0, vec!["a".into()], Properties::default()),
        Err(ClientError::Closed)
    );
    assert_eq!(client.poll_event(), None);
    assert_eq!(client.poll_timeout(), None);
}

#[test]
fn invalid_options_are_refused_up_front() {
    let result = Client::new(
        Options {
            will: Some(LastWill {
                topic: "cats/+".into(),
                payload: vec![],
                qos: QoS::AtMostOnce,
                retain: false,
                properties: Properties::default(),
            }),
            ..Options::default()
        },
        SeededRng::new(1),
    );
    assert_eq!(
        result.err(),
        Some(OptionsError::WillTopic(TopicError::WildcardInName))
    );
}

#[test]
fn operations_made_while_connecting_go_out_in_order_after_connack() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::new(options(version));
        pair.client.connect(0);
        let a = pair
            .client
            .publish(0, OutgoingMessage::new("a", b"1".to_vec(), QoS::AtMostOnce))
            .unwrap();
        let b = pair
            .client
            .subscribe(
                0,
                vec![subscription("b/#", QoS::AtLeastOnce)],
                Properties::default(),
            )
            .unwrap();
        let c = pair
            .client
            .publish(0, OutgoingMessage::new("c", b"3".to_vec(), QoS::ExactlyOnce))
            .unwrap();
        assert_eq!(pair.client.offline_queue_len(), 3);
        pair.drive();
        let sent: Vec<String> = pair
            .broker
            .received
            .iter()
            .map(|(_, packet)| match packet {
                Packet::Publish(p) => format!("PUBLISH {}", p.topic),
                Packet::Subscribe(s) => format!("SUBSCRIBE {}", s.subscriptions[0].filter),
                other => format!("{:?}", other.packet_type()),
            })
            .collect();
        assert_eq!(
            sent,
            vec!["Connect", "PUBLISH a", "SUBSCRIBE b/#", "PUBLISH c", "PubRel"],
            "{version:?}"
        );
        assert!(pair.completion(a).is_ok());
        assert!(pair.completion(b).is_ok());
        assert!(pair.completion(c).is_ok());
        assert_eq!(pair.client.offline_queue_len(), 0);
        assert_eq!(
            pair.client.active_subscriptions().collect::<Vec<_>>(),
            vec!["b/#"]
        );
    }
}

#[test]
fn disconnect_sends_disconnect_then_closes_and_settles_every_operation() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(options(version));
        pair.broker.auto_ack_publish = false;
        pair.broker.auto_suback = false;
        let q1 = pair.publish(OutgoingMessage::new("a", b"1".to_vec(), QoS::AtLeastOnce));
        let q2 = pair.publish(OutgoingMessage::new("a", b"2".to_vec(), QoS::ExactlyOnce));
        let sub = pair.subscribe("x", QoS::AtMostOnce);
        assert_eq!(pair.client.in_flight_len(), 3);
        pair.frames.clear();
        pair.events.clear();

        pair.client.disconnect(pair.now);
        // The driver rule: the DISCONNECT bytes come out before the close request.
        let frame = pair.client.poll_transmit().unwrap();
        let packets = split_packets(version, &frame);
        assert_eq!(packets.len(), 1);
        assert!(matches!(packets[0], Packet::Disconnect(_)));
        let mut events = Vec::new();
        while let Some(event) = pair.client.poll_event() {
            events.push(event);
        }
        assert_eq!(events[0], Event::CloseTransport);
        for op in [q1, q2, sub] {
            assert!(events.contains(&Event::Completed {
                op,
                result: Err(ClientError::Closed)
            }));
        }
        assert_eq!(events.last(), Some(&Event::Closed));
        assert_eq!(pair.client.in_flight_len(), 0);
        assert_eq!(pair.client.state(), SessionState::Idle);
        assert_eq!(pair.client.poll_timeout(), None);
        // No reconnect after the user's disconnect, however long we wait.
        pair.transport_open = false;
        pair.advance(3_600_000);
        assert!(pair.open_times().is_empty());
        assert_eq!(
            pair.client
                .publish(pair.now, OutgoingMessage::new("a", vec![], QoS::AtMostOnce)),
            Err(ClientError::Closed)
        );
    }
}

#[test]
fn disconnect_while_waiting_to_reconnect_fails_the_offline_queue() {
    let mut pair = Pair::connected(options(ProtocolVersion::V3_1_1));
    pair.broker.accept_transport = false;
    pair.drop_connection();
    let op = pair
        .client
        .publish(pair.now, OutgoingMessage::new("a", vec![], QoS::AtMostOnce))
        .unwrap();
    pair.client.disconnect(pair.now);
    pair.drive();
    assert_eq!(pair.completion(op), Err(ClientError::Closed));
    assert_eq!(pair.events.last().map(|(_, e)| e), Some(&Event::Closed));
    // Nothing to send: there is no connection.
    assert!(pair.client.poll_transmit().is_none());
}

#[test]
fn session_present_in_answer_to_a_clean_start_is_a_protocol_error() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut pair = Pair::new(options(version));
        pair.broker.connack_queue.push_back(ConnAckPlan {
            session_present: Some(true),
            ..ConnAckPlan::accept()
        });
        pair.connect();
        assert!(pair.events.iter().any(|(_, e)| *e
            == Event::ConnectionLost(LostReason::Protocol(ProtocolError::SessionPresentOnCleanStart))));
        // The next attempt succeeds normally.
        pair.advance(60_000);
        assert!(pair.is_connected());
    }
}

#[test]
fn v5_session_present_without_local_state_closes_and_retries_with_clean_start() {
    let mut pair = Pair::new(Options {
        clean_start: false,
        ..options(ProtocolVersion::V5)
    });
    pair.broker.has_session = true; // left over from an earlier page load, say
    pair.connect();
    assert!(pair.events.iter().any(|(_, e)| *e
        == Event::ConnectionLost(LostReason::Protocol(
            ProtocolError::SessionPresentWithoutLocalState
        ))));
    // The client told the broker why before closing.
    let last = pair.broker.received.last().map(|(_, p)| p.clone()).unwrap();
    assert!(matches!(last, Packet::Disconnect(d) if d.reason == ReasonCode::PROTOCOL_ERROR));
    pair.advance(60_000);
    assert!(pair.is_connected());
    assert!(!connect_packet(&pair, 0).clean_start);
    assert!(connect_packet(&pair, 1).clean_start, "the retry starts clean");
    // From then on the client has session state: it asks to keep the session again.
    pair.drop_connection();
    pair.advance(60_000);
    assert!(!connect_packet(&pair, 2).clean_start);
    let connected: Vec<bool> = pair
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Connected(c) => Some(c.session_present),
            _ => None,
        })
        .collect();
    assert_eq!(connected, vec![false, true]);
}

#[test]
fn v311_accepts_session_present_for_a_kept_session() {
    let mut pair = Pair::new(Options {
        clean_start: false,
        ..options(ProtocolVersion::V3_1_1)
    });
    pair.broker.has_session = true;
    pair.connect();
    assert!(pair.is_connected());
    assert!(
        pair.events
            .iter()
            .any(|(_, e)| matches!(e, Event::Connected(c) if c.session_present))
    );
}

#[test]
fn a_broker_without_mqtt5_is_named_as_such_and_not_retried() {
    // What aedes (3.1/3.1.1 only) answers to a v5 CONNECT: its own CONNACK, code 1, then a close.
    let mut pair = Pair::new(options(ProtocolVersion::V5));
    pair.broker.answer_connect = false;
    pair.client.connect(0);
    pair.drive();
    assert_eq!(count_connects(&pair), 1);
    pair.broker.send_raw(&[0x20, 0x02, 0x00, 0x01]);
    pair.broker.close();
    pair.drive();
    let lost = pair
        .events
        .iter()
        .find_map(|(_, event)| match event {
            Event::ConnectionLost(reason) => Some(reason.clone()),
            _ => None,
        })
        .expect("the connection ends");
    assert!(
        matches!(&lost, LostReason::Refused { code, .. } if *code == ReasonCode::UNSUPPORTED_PROTOCOL_VERSION),
        "{lost:?}"
    );
    assert!(lost.to_string().contains("not MQTT 5"), "{lost}");
    assert_eq!(pair.client.state(), SessionState::Idle);
    pair.advance(600_000);
    assert_eq!(count_connects(&pair), 1, "no retries");
    // After CONNACK the same bytes are a protocol error like any other.
    let mut pair = Pair::connected(options(ProtocolVersion::V5));
    pair.broker.send_raw(&[0x20, 0x02, 0x00, 0x01]);
    pair.drive();
    assert!(
        pair.events
            .iter()
            .any(|(_, e)| matches!(e, Event::ConnectionLost(LostReason::Protocol(_)))),
        "{:?}",
        pair.events
    );
}
