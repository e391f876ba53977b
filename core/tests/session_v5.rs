//! MQTT 5 limits and features: the server's Maximum Packet Size, Receive Maximum as a send
//! quota, Maximum QoS / Retain / Wildcard / Shared / Subscription Identifier availability, topic
//! aliases both ways, our own Receive Maximum, reason strings, and subscription options.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::borrow::Cow;

use scratch_mqtt_core::client::{
    AliasError, ClientError, Completion, Event, LostReason, Options, OutgoingMessage, ProtocolError,
};
use scratch_mqtt_core::codec::{
    DecodeError, Packet, Properties, ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling, SubAck,
    Subscription, SubscriptionOptions, UnsubAck,
};
use support::*;

const V5: ProtocolVersion = ProtocolVersion::V5;

fn connected_with(limits: Properties<'static>, options: Options) -> Pair {
    let mut pair = Pair::new(options);
    pair.broker.default_connack = ConnAckPlan::with_properties(limits);
    pair.connect();
    assert!(pair.is_connected());
    pair.events.clear();
    pair.broker.received.clear();
    pair
}

fn publishes(pair: &Pair) -> Vec<(String, u16, Option<u16>)> {
    pair.broker
        .received
        .iter()
        .filter_map(|(_, p)| match p {
            Packet::Publish(p) => Some((p.topic.to_string(), p.packet_id, p.properties.topic_alias)),
            _ => None,
        })
        .collect()
}

#[test]
fn never_sends_a_packet_over_the_servers_maximum_packet_size() {
    let mut pair = connected_with(
        Properties {
            maximum_packet_size: Some(64),
            ..Properties::default()
        },
        options(V5),
    );
    assert_eq!(pair.client.server_limits().unwrap().maximum_packet_size, Some(64));
    let now = pair.now;
    // 2 (fixed header) + 3 ("t") + 2 (id) + 1 (properties) + 57 = 65 bytes.
    assert_eq!(
        pair.client
            .publish(now, OutgoingMessage::new("t", vec![0; 57], QoS::AtLeastOnce)),
        Err(ClientError::PacketTooLarge { size: 65, max: 64 })
    );
    assert!(pair.client.poll_transmit().is_none(), "nothing sent");
    let op = pair.publish(OutgoingMessage::new("t", vec![0; 56], QoS::AtLeastOnce));
    assert!(pair.completion(op).is_ok());
    let long_filter = "f".repeat(80);
    assert!(matches!(
        pair.client.subscribe(
            now,
            vec![subscription(&long_filter, QoS::AtMostOnce)],
            Properties::default()
        ),
        Err(ClientError::PacketTooLarge { max: 64, .. })
    ));
    assert!(matches!(
        pair.client
            .unsubscribe(now, vec![long_filter.clone()], Properties::default()),
        Err(ClientError::PacketTooLarge { max: 64, .. })
    ));
    // Made offline, the limit is only known after CONNACK: the operation fails then.
    pair.drop_connection();
    let queued = pair
        .client
        .publish(pair.now, OutgoingMessage::new("t", vec![0; 100], QoS::AtMostOnce))
        .unwrap();
    pair.broker.received.clear();
    pair.advance(60_000);
    assert_eq!(
        pair.completion(queued),
        Err(ClientError::PacketTooLarge { size: 106, max: 64 })
    );
    assert!(publishes(&pair).is_empty());
}

#[test]
fn an_in_flight_message_too_large_for_the_new_connection_fails_instead_of_being_resent() {
    let mut pair = connected_with(
        Properties::default(),
        Options {
            clean_start: false,
            session_expiry_secs: Some(600),
            ..options(V5)
        },
    );
    pair.broker.auto_ack_publish = false;
    let op = pair.publish(OutgoingMessage::new("t", vec![0; 100], QoS::AtLeastOnce));
    pair.drop_connection();
    pair.broker.default_connack = ConnAckPlan::with_properties(Properties {
        maximum_packet_size: Some(64),
        ..Properties::default()
    });
    pair.broker.received.clear();
    pair.advance(60_000);
    assert!(matches!(
        pair.completion(op),
        Err(ClientError::PacketTooLarge { max: 64, .. })
    ));
    assert!(publishes(&pair).is_empty());
    assert_eq!(pair.client.in_flight_len(), 0);
}

#[test]
fn receive_maximum_limits_unacknowledged_publishes_but_not_other_packets() {
    let mut pair = connected_with(
        Properties {
            receive_maximum: Some(2),
            ..Properties::default()
        },
        options(V5),
    );
    pair.broker.auto_ack_publish = false;
    pair.broker.auto_pubcomp = false;
    let mut ops = Vec::new();
    for (n, qos) in [
        (1u8, QoS::AtLeastOnce),
        (2, QoS::ExactlyOnce),
        (3, QoS::AtLeastOnce),
        (4, QoS::ExactlyOnce),
    ] {
        ops.push(pair.publish(OutgoingMessage::new(format!("p/{n}"), vec![n], qos)));
    }
    assert_eq!(
        publishes(&pair),
        vec![("p/1".into(), 1, None), ("p/2".into(), 2, None)]
    );
    assert_eq!(pair.client.pending_len(), 2);
    // Other packets still flow (SUBSCRIBE); a QoS 0 PUBLISH keeps its place among publishes.
    pair.publish(OutgoingMessage::new("q0", vec![], QoS::AtMostOnce));
    let sub = pair.subscribe("s", QoS::AtMostOnce);
    assert!(pair.completion(sub).is_ok());
    assert_eq!(publishes(&pair).len(), 2);
    // PUBACK frees one slot: exactly one more goes.
    pair.broker.send(&Packet::PubAck(plain_ack(1)));
    pair.drive();
    assert_eq!(publishes(&pair).last().unwrap().0, "p/3");
    assert_eq!(publishes(&pair).len(), 3);
    // A QoS 2 flow holds its slot until PUBCOMP, not PUBREC.
    pair.broker.send(&Packet::PubRec(plain_ack(2)));
    pair.drive();
    assert_eq!(publishes(&pair).len(), 3);
    pair.broker.send(&Packet::PubComp(plain_ack(2)));
    pair.drive();
    let topics: Vec<String> = publishes(&pair).into_iter().map(|p| p.0).collect();
    assert_eq!(topics, vec!["p/1", "p/2", "p/3", "p/4", "q0"]);
    assert_eq!(pair.client.pending_len(), 0);
    assert!(pair.completion(ops[0]).is_ok());
    assert!(pair.completion(ops[1]).is_ok());
}

#[test]
fn asking_for_more_than_the_server_supports_is_an_error_not_a_downgrade() {
    let mut pair = connected_with(
        Properties {
            maximum_qos: Some(QoS::AtLeastOnce),
            retain_available: Some(false),
            wildcard_subscription_available: Some(false),
            shared_subscription_available: Some(false),
            subscription_identifier_available: Some(false),
            ..Properties::default()
        },
        options(V5),
    );
    let now = pair.now;
    assert_eq!(
        pair.client
            .publish(now, OutgoingMessage::new("t", vec![], QoS::ExactlyOnce)),
        Err(ClientError::QosNotSupported {
            requested: QoS::ExactlyOnce,
            maximum: QoS::AtLeastOnce
        })
    );
    let mut retained = OutgoingMessage::new("t", vec![], QoS::AtMostOnce);
    retained.retain = true;
    assert_eq!(
        pair.client.publish(now, retained),
        Err(ClientError::RetainNotSupported)
    );
    for filter in ["a/+", "a/#", "$share/g/a/+"] {
        assert_eq!(
            pair.client.subscribe(
                now,
                vec![subscription(filter, QoS::AtMostOnce)],
                Properties::default()
            ),
            Err(ClientError::WildcardSubscriptionNotSupported),
            "{filter}"
        );
    }
    assert_eq!(
        pair.client.subscribe(
            now,
            vec![subscription("$share/g/a", QoS::AtMostOnce)],
            Properties::default()
        ),
        Err(ClientError::SharedSubscriptionNotSupported)
    );
    assert_eq!(
        pair.client.subscribe(
            now,
            vec![subscription("a", QoS::AtMostOnce)],
            Properties {
                subscription_identifiers: vec![3],
                ..Properties::default()
            }
        ),
        Err(ClientError::SubscriptionIdentifierNotSupported)
    );
    assert!(pair.client.poll_transmit().is_none());
    assert_eq!(
        ClientError::QosNotSupported {
            requested: QoS::ExactlyOnce,
            maximum: QoS::AtLeastOnce
        }
        .to_string(),
        "the server accepts QoS up to 1, not 2"
    );
    // QoS 1 is fine.
    let op = pair.publish(OutgoingMessage::new("t", vec![], QoS::AtLeastOnce));
    assert!(pair.completion(op).is_ok());
    // Made offline: checked against the limits of the connection that sends it.
    pair.drop_connection();
    let queued = pair
        .client
        .publish(pair.now, OutgoingMessage::new("t", vec![], QoS::ExactlyOnce))
        .unwrap();
    pair.advance(60_000);
    assert!(matches!(
        pair.completion(queued),
        Err(ClientError::QosNotSupported { .. })
    ));
}

#[test]
fn no_local_on_a_shared_subscription_is_refused() {
    let mut pair = Pair::connected(options(V5));
    let now = pair.now;
    let result = pair.client.subscribe(
        now,
        vec![Subscription {
            filter: Cow::Borrowed("$share/g/t"),
            options: SubscriptionOptions {
                no_local: true,
                ..SubscriptionOptions::default()
            },
        }],
        Properties::default(),
    );
    assert_eq!(result, Err(ClientError::NoLocalOnSharedSubscription));
}

#[test]
fn incoming_topic_aliases_are_resolved_per_connection() {
    let mut pair = Pair::connected(Options {
        topic_alias_maximum: 4,
        ..options(V5)
    });
    let aliased = |topic: &str, alias: u16, payload: &[u8]| {
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: Cow::Owned(topic.to_owned()),
            packet_id: 0,
            properties: Properties {
                topic_alias: Some(alias),
                ..Properties::default()
            },
            payload: Cow::Owned(payload.to_vec()),
        })
    };
    pair.broker.send(&aliased("cats/tom", 1, b"1"));
    pair.broker.send(&aliased("", 1, b"2"));
    pair.broker.send(&aliased("cats/felix", 1, b"3"));
    pair.broker.send(&aliased("", 1, b"4"));
    pair.broker.send(&aliased("dogs/rex", 4, b"5"));
    pair.broker.send(&aliased("", 4, b"6"));
    pair.drive();
    let got: Vec<(String, Vec<u8>)> = pair
        .messages()
        .into_iter()
        .map(|m| (m.topic, m.payload))
        .collect();
    assert_eq!(
        got,
        vec![
            ("cats/tom".into(), b"1".to_vec()),
            ("cats/tom".into(), b"2".to_vec()),
            ("cats/felix".into(), b"3".to_vec()),
            ("cats/felix".into(), b"4".to_vec()),
            ("dogs/rex".into(), b"5".to_vec()),
            ("dogs/rex".into(), b"6".to_vec()),
        ]
    );
    // A new connection starts with an empty table.
    pair.drop_connection();
    pair.advance(60_000);
    pair.broker.received.clear();
    pair.broker.send(&aliased("", 1, b"7"));
    pair.drive();
    assert_eq!(pair.messages().len(), 6);
    assert!(pair.events.iter().any(|(_, e)| *e
        == Event::ConnectionLost(LostReason::Protocol(ProtocolError::TopicAlias(
            AliasError::Unknown(1)
        )))));
}

#[test]
fn invalid_incoming_topic_aliases_close_with_topic_alias_invalid() {
    // (bytes of a PUBLISH QoS 0 from the broker, the error the session reports)
    let cases: Vec<(Vec<u8>, ProtocolError)> = vec![
        // Alias 0: remaining length 7, topic "a", properties [0x23 0x0000].
        (
            vec![0x30, 0x07, 0x00, 0x01, b'a', 0x03, 0x23, 0x00, 0x00],
            ProtocolError::Decode(DecodeError::InvalidPropertyValue(0x23)),
        ),
        // Alias 5, above our maximum of 4.
        (
            vec![0x30, 0x07, 0x00, 0x01, b'a', 0x03, 0x23, 0x00, 0x05],
            ProtocolError::TopicAlias(AliasError::OutOfRange { alias: 5, maximum: 4 }),
        ),
        // Alias 2 with an empty topic, never defined.
        (
            vec![0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x02],
            ProtocolError::TopicAlias(AliasError::Unknown(2)),
        ),
    ];
    for (bytes, error) in cases {
        let mut pair = Pair::connected(Options {
            topic_alias_maximum: 4,
            ..options(V5)
        });
        pair.broker.send_raw(&bytes);
        pair.drive();
        assert!(pair.messages().is_empty());
        let lost = Event::ConnectionLost(LostReason::Protocol(error.clone()));
        assert!(
            pair.events.iter().any(|(_, e)| *e == lost),
            "{error:?}: {:?}",
            pair.events
        );
        let last = pair.broker.received.last().map(|(_, p)| p.clone());
        assert!(
            matches!(&last, Some(Packet::Disconnect(d)) if d.reason == ReasonCode::TOPIC_ALIAS_INVALID),
            "{error:?}: {last:?}"
        );
    }
    // With the default maximum of 0 every alias is invalid.
    let mut pair = Pair::connected(options(V5));
    pair.broker
        .send_raw(&[0x30, 0x07, 0x00, 0x01, b'a', 0x03, 0x23, 0x00, 0x01]);
    pair.drive();
    assert!(pair.events.iter().any(|(_, e)| *e
        == Event::ConnectionLost(LostReason::Protocol(ProtocolError::TopicAlias(
            AliasError::OutOfRange { alias: 1, maximum: 0 }
        )))));
}

#[test]
fn outgoing_topic_aliases_are_assigned_within_the_servers_limit() {
    let mut pair = connected_with(
        Properties {
            topic_alias_maximum: Some(2),
            ..Properties::default()
        },
        Options {
            clean_start: false,
            session_expiry_secs: Some(600),
            ..options(V5)
        },
    );
    for topic in ["a", "a", "b", "c", "a", "b"] {
        pair.publish(OutgoingMessage::new(topic, vec![], QoS::AtMostOnce));
    }
    assert_eq!(
        publishes(&pair),
        vec![
            ("a".into(), 0, Some(1)),
            ("".into(), 0, Some(1)),
            ("b".into(), 0, Some(2)),
            ("c".into(), 0, None),
            ("".into(), 0, Some(1)),
            ("".into(), 0, Some(2)),
        ]
    );
    // An in-flight message re-sent on a new connection carries its full topic, no alias.
    pair.broker.auto_ack_publish = false;
    pair.publish(OutgoingMessage::new("a", b"q1".to_vec(), QoS::AtLeastOnce));
    assert_eq!(publishes(&pair).last().unwrap(), &("".into(), 1, Some(1)));
    pair.drop_connection();
    pair.broker.received.clear();
    pair.advance(60_000);
    pair.publish(OutgoingMessage::new("a", vec![], QoS::AtMostOnce));
    assert_eq!(
        publishes(&pair),
        vec![("a".into(), 1, None), ("a".into(), 0, Some(1))],
        "the new connection defines alias 1 again before using it"
    );
}

#[test]
fn outgoing_aliases_can_be_switched_off_and_need_a_server_limit() {
    let mut pair = connected_with(
        Properties {
            topic_alias_maximum: Some(5),
            ..Properties::default()
        },
        Options {
            auto_topic_alias: false,
            ..options(V5)
        },
    );
    pair.publish(OutgoingMessage::new("a", vec![], QoS::AtMostOnce));
    pair.publish(OutgoingMessage::new("a", vec![], QoS::AtMostOnce));
    assert_eq!(
        publishes(&pair),
        vec![("a".into(), 0, None), ("a".into(), 0, None)]
    );

    let mut pair = Pair::connected(options(V5)); // the server announced no aliases
    pair.publish(OutgoingMessage::new("a", vec![], QoS::AtMostOnce));
    pair.publish(OutgoingMessage::new("a", vec![], QoS::AtMostOnce));
    assert_eq!(
        publishes(&pair),
        vec![("a".into(), 0, None), ("a".into(), 0, None)]
    );
}

#[test]
fn a_user_supplied_topic_alias_is_ignored() {
    let mut pair = Pair::connected(options(V5));
    let mut message = OutgoingMessage::new("a", vec![], QoS::AtMostOnce);
    message.properties.topic_alias = Some(9);
    pair.publish(message);
    assert_eq!(publishes(&pair), vec![("a".into(), 0, None)]);
}

#[test]
fn more_unreleased_qos2_messages_than_our_receive_maximum_is_a_protocol_error() {
    let mut pair = Pair::connected(Options {
        receive_maximum: Some(2),
        ..options(V5)
    });
    pair.broker.auto_pubrel = false;
    for id in 1..=3 {
        pair.broker.publish("t", b"x", QoS::ExactlyOnce, id);
    }
    pair.drive();
    assert_eq!(pair.messages().len(), 2);
    assert!(pair.events.iter().any(
        |(_, e)| *e == Event::ConnectionLost(LostReason::Protocol(ProtocolError::ReceiveMaximumExceeded))
    ));
    let last = pair.broker.received.last().map(|(_, p)| p.clone());
    assert!(matches!(&last, Some(Packet::Disconnect(d)) if d.reason == ReasonCode::RECEIVE_MAXIMUM_EXCEEDED));
}

#[test]
fn reason_strings_reach_the_application() {
    let mut pair = Pair::connected(options(V5));
    pair.broker.auto_suback = false;
    pair.broker.auto_unsuback = false;
    let sub = pair.subscribe("t", QoS::AtLeastOnce);
    pair.broker.send(&Packet::SubAck(SubAck {
        packet_id: 1,
        properties: Properties {
            reason_string: Some(Cow::Borrowed("granted for the workshop")),
            ..Properties::default()
        },
        codes: vec![ReasonCode::GRANTED_QOS_1],
    }));
    pair.drive();
    assert_eq!(
        pair.completion(sub),
        Ok(Completion::Subscribed {
            results: vec![Ok(QoS::AtLeastOnce)],
            reason_string: Some("granted for the workshop".into())
        })
    );
    let unsub = pair
        .client
        .unsubscribe(pair.now, vec!["t".into(), "u".into()], Properties::default())
        .unwrap();
    pair.drive();
    pair.broker.send(&Packet::UnsubAck(UnsubAck {
        packet_id: 2,
        properties: Properties {
            reason_string: Some(Cow::Borrowed("u was never there")),
            ..Properties::default()
        },
        codes: vec![ReasonCode::SUCCESS, ReasonCode::NO_SUBSCRIPTION_EXISTED],
    }));
    pair.drive();
    assert_eq!(
        pair.completion(unsub),
        Ok(Completion::Unsubscribed {
            codes: vec![ReasonCode::SUCCESS, ReasonCode::NO_SUBSCRIPTION_EXISTED],
            reason_string: Some("u was never there".into())
        })
    );
}

#[test]
fn subscription_options_and_identifiers_reach_the_wire_and_survive_a_session_loss() {
    let mut pair = Pair::connected(options(V5));
    let options = SubscriptionOptions {
        qos: QoS::ExactlyOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    let op = pair
        .client
        .subscribe(
            pair.now,
            vec![Subscription {
                filter: Cow::Borrowed("t/#"),
                options,
            }],
            Properties {
                subscription_identifiers: vec![42],
                ..Properties::default()
            },
        )
        .unwrap();
    pair.drive();
    assert!(pair.completion(op).is_ok());
    pair.drop_connection();
    pair.broker.forget_session();
    pair.advance(60_000);
    let subscribes: Vec<(SubscriptionOptions, Vec<u32>)> = pair
        .broker
        .received
        .iter()
        .filter_map(|(_, p)| match p {
            Packet::Subscribe(s) => Some((
                s.subscriptions[0].options,
                s.properties.subscription_identifiers.clone(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(subscribes, vec![(options, vec![42]), (options, vec![42])]);
}

#[test]
fn message_properties_travel_both_ways() {
    let mut pair = Pair::connected(options(V5));
    pair.broker.echo = true;
    pair.subscribe("t", QoS::AtMostOnce);
    let mut message = OutgoingMessage::new("t", b"{}".to_vec(), QoS::AtLeastOnce);
    message.properties.content_type = Some(Cow::Borrowed("application/json"));
    message.properties.user_properties = vec![(Cow::Borrowed("from"), Cow::Borrowed("sprite1"))];
    pair.publish(message.clone());
    let sent = pair
        .broker
        .received
        .iter()
        .find_map(|(_, p)| match p {
            Packet::Publish(p) => Some(p.properties.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(sent, message.properties);
    // Incoming: the broker's properties are handed over as received.
    pair.broker.send(&Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: true,
        topic: Cow::Borrowed("t"),
        packet_id: 0,
        properties: Properties {
            message_expiry_interval: Some(30),
            ..Properties::default()
        },
        payload: Cow::Borrowed(b"r"),
    }));
    pair.drive();
    let last = pair.messages().pop().unwrap();
    assert!(last.retain);
    assert_eq!(last.properties.message_expiry_interval, Some(30));
}

fn subscribes(pair: &Pair) -> Vec<Vec<String>> {
    pair.broker
        .received
        .iter()
        .filter_map(|(_, packet)| match packet {
            Packet::Subscribe(subscribe) => Some(
                subscribe
                    .subscriptions
                    .iter()
                    .map(|s| s.filter.to_string())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

#[test]
fn resubscriptions_fit_the_new_connections_limits_or_are_reported() {
    let long = |i: usize| format!("topic/number/{i:02}/xxxxxxxxxxxx");
    let ten: Vec<String> = (0..10).map(long).collect();
    struct Case {
        name: &'static str,
        filters: Vec<String>,
        identifier: Option<u32>,
        limits: Properties<'static>,
        /// Filters per SUBSCRIBE, in the order sent.
        packets: Vec<Vec<String>>,
        failed: Vec<(String, ReasonCode)>,
    }
    let too_long = format!("{}/{}", "y".repeat(60), "z".repeat(60));
    let cases = vec![
        Case {
            name: "maximum packet size 100 splits ten filters",
            filters: ten.clone(),
            identifier: None,
            limits: Properties {
                maximum_packet_size: Some(100),
                ..Properties::default()
            },
            packets: ten.chunks(3).map(<[String]>::to_vec).collect(),
            failed: vec![],
        },
        Case {
            name: "a filter too large even alone",
            filters: vec!["a".into(), too_long.clone(), "b".into()],
            identifier: None,
            limits: Properties {
                maximum_packet_size: Some(100),
                ..Properties::default()
            },
            packets: vec![vec!["a".into(), "b".into()]],
            failed: vec![(too_long.clone(), ReasonCode::PACKET_TOO_LARGE)],
        },
        Case {
            name: "wildcards unavailable",
            filters: vec!["a/+".into(), "b".into(), "c/#".into()],
            identifier: None,
            limits: Properties {
                wildcard_subscription_available: Some(false),
                ..Properties::default()
            },
            packets: vec![vec!["b".into()]],
            failed: vec![
                ("a/+".into(), ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED),
                ("c/#".into(), ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED),
            ],
        },
        Case {
            name: "shared subscriptions unavailable",
            filters: vec!["$share/g/x".into(), "y".into()],
            identifier: None,
            limits: Properties {
                shared_subscription_available: Some(false),
                ..Properties::default()
            },
            packets: vec![vec!["y".into()]],
            failed: vec![(
                "$share/g/x".into(),
                ReasonCode::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED,
            )],
        },
        Case {
            name: "subscription identifiers unavailable",
            filters: vec!["x".into()],
            identifier: Some(7),
            limits: Properties {
                subscription_identifier_available: Some(false),
                ..Properties::default()
            },
            packets: vec![],
            failed: vec![("x".into(), ReasonCode::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED)],
        },
    ];
    for case in cases {
        let mut pair = Pair::connected(options(V5));
        for filter in &case.filters {
            let properties = Properties {
                subscription_identifiers: case.identifier.into_iter().collect(),
                ..Properties::default()
            };
            pair.client
                .subscribe(pair.now, vec![subscription(filter, QoS::AtMostOnce)], properties)
                .unwrap();
            pair.drive();
        }
        pair.broker.default_connack = ConnAckPlan::with_properties(case.limits);
        pair.drop_connection();
        pair.broker.forget_session();
        pair.broker.received.clear();
        pair.events.clear();
        pair.advance(60_000);
        assert!(pair.is_connected(), "{}", case.name);
        assert_eq!(subscribes(&pair), case.packets, "{}", case.name);
        let failed: Vec<(String, ReasonCode)> = pair
            .events
            .iter()
            .filter_map(|(_, event)| match event {
                Event::ResubscribeFailed { filter, reason } => Some((filter.clone(), *reason)),
                _ => None,
            })
            .collect();
        assert_eq!(failed, case.failed, "{}", case.name);
        let active: Vec<&str> = pair.client.active_subscriptions().collect();
        let expected: Vec<&str> = case.packets.iter().flatten().map(String::as_str).collect();
        assert_eq!(active, expected, "{}", case.name);
        // Still connected: nothing over the limit went out.
        assert!(pair.is_connected(), "{}", case.name);
    }
}

fn published_topics(pair: &Pair) -> Vec<String> {
    pair.broker
        .received
        .iter()
        .filter_map(|(_, packet)| match packet {
            Packet::Publish(p) => Some(format!(
                "{} q{} {}{}",
                p.topic,
                p.qos as u8,
                p.packet_id,
                if p.dup { " dup" } else { "" }
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn resends_after_a_reconnect_obey_the_new_maximum_qos_and_receive_maximum() {
    for session_kept in [true, false] {
        let mut pair = Pair::connected(Options {
            clean_start: false,
            session_expiry_secs: Some(3_600),
            ..options(V5)
        });
        pair.broker.auto_ack_publish = false;
        let ops: Vec<_> = [
            QoS::ExactlyOnce,
            QoS::AtLeastOnce,
            QoS::AtLeastOnce,
            QoS::AtLeastOnce,
            QoS::ExactlyOnce,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, qos)| pair.publish(OutgoingMessage::new(format!("t{i}"), b"x".to_vec(), qos)))
        .collect();
        pair.broker.default_connack = ConnAckPlan::with_properties(Properties {
            maximum_qos: Some(QoS::AtLeastOnce),
            receive_maximum: Some(2),
            ..Properties::default()
        });
        pair.drop_connection();
        if !session_kept {
            pair.broker.forget_session();
        }
        pair.broker.received.clear();
        pair.events.clear();
        pair.advance(60_000);
        assert!(pair.is_connected());
        let dup = if session_kept { " dup" } else { "" };
        // The QoS 2 flows no longer fit: they fail instead of making the broker disconnect us
        // (and again after every reconnect).
        for op in [ops[0], ops[4]] {
            assert_eq!(
                pair.completion(op),
                Err(ClientError::QosNotSupported {
                    requested: QoS::ExactlyOnce,
                    maximum: QoS::AtLeastOnce
                }),
                "kept={session_kept}"
            );
        }
        // At most Receive Maximum PUBLISH unacknowledged: the third waits for quota.
        assert_eq!(
            published_topics(&pair),
            vec![format!("t1 q1 2{dup}"), format!("t2 q1 3{dup}")],
            "kept={session_kept}"
        );
        let late = pair.publish(OutgoingMessage::new("late", b"x".to_vec(), QoS::AtLeastOnce));
        pair.broker.send(&Packet::PubAck(plain_ack(2)));
        pair.drive();
        assert_eq!(
            published_topics(&pair)[2..],
            [format!("t3 q1 4{dup}")],
            "kept={session_kept}: the re-send goes before anything new"
        );
        pair.broker.send(&Packet::PubAck(plain_ack(3)));
        pair.drive();
        assert_eq!(
            published_topics(&pair)[3..],
            ["late q1 6".to_owned()],
            "kept={session_kept}"
        );
        for id in [4, 6] {
            pair.broker.send(&Packet::PubAck(plain_ack(id)));
        }
        pair.drive();
        for op in [ops[1], ops[2], ops[3], late] {
            assert!(matches!(pair.completion(op), Ok(Completion::Published { .. })));
        }
        assert!(pair.is_connected());
        assert_eq!(pair.client.in_flight_len(), 0);
    }
}

#[test]
fn qos0_never_overtakes_a_publish_waiting_for_send_quota() {
    for offline in [true, false] {
        let mut pair = connected_with(
            Properties {
                receive_maximum: Some(1),
                ..Properties::default()
            },
            options(V5),
        );
        pair.broker.auto_ack_publish = false;
        if offline {
            pair.drop_connection();
        }
        pair.broker.received.clear();
        let ops: Vec<_> = [
            ("1", QoS::AtLeastOnce),
            ("2", QoS::AtLeastOnce),
            ("3", QoS::AtMostOnce),
        ]
        .into_iter()
        .map(|(topic, qos)| {
            pair.client
                .publish(pair.now, OutgoingMessage::new(topic, b"x".to_vec(), qos))
                .unwrap()
        })
        .collect();
        pair.drive();
        pair.advance(60_000);
        let topics = |pair: &Pair| -> Vec<String> { publishes(pair).into_iter().map(|p| p.0).collect() };
        assert_eq!(topics(&pair), vec!["1"], "offline={offline}");
        assert!(
            pair.completions().iter().all(|(op, _)| *op != ops[2]),
            "offline={offline}"
        );
        let first_id = publishes(&pair)[0].1;
        pair.broker.send(&Packet::PubAck(plain_ack(first_id)));
        pair.drive();
        assert_eq!(topics(&pair), vec!["1", "2", "3"], "offline={offline}");
        assert!(pair.completion(ops[2]).is_ok(), "offline={offline}");
    }
}

#[test]
fn a_publish_that_fits_only_without_an_alias_definition_goes_with_its_full_topic() {
    // 2 fixed header + 2+8 topic + 1 property length + 20 payload = 33 bytes; defining an
    // alias would add 3.
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
        let size = if qos == QoS::AtMostOnce { 33 } else { 35 };
        let mut pair = connected_with(
            Properties {
                maximum_packet_size: Some(size),
                topic_alias_maximum: Some(5),
                ..Properties::default()
            },
            options(V5),
        );
        let op = pair.publish(OutgoingMessage::new("abcdefgh", vec![0u8; 20], qos));
        assert!(pair.completion(op).is_ok(), "{qos:?}");
        let id = if qos == QoS::AtMostOnce { 0 } else { 1 };
        assert_eq!(publishes(&pair), vec![("abcdefgh".into(), id, None)], "{qos:?}");
        // A shorter message on the same topic may still define the alias afterwards.
        pair.publish(OutgoingMessage::new("abcdefgh", vec![], QoS::AtMostOnce));
        assert_eq!(publishes(&pair)[1], ("abcdefgh".into(), 0, Some(1)), "{qos:?}");
    }
}

#[test]
fn a_user_supplied_subscription_identifier_never_goes_out_in_a_publish() {
    // MQTT-3.3.4-6: a PUBLISH from a client must not carry a Subscription Identifier.
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
        let mut pair = Pair::connected(options(V5));
        let mut message = OutgoingMessage::new("a", b"x".to_vec(), qos);
        message.properties.subscription_identifiers = vec![5];
        let op = pair.publish(message);
        assert!(pair.completion(op).is_ok());
        let identifiers: Vec<Vec<u32>> = pair
            .broker
            .received
            .iter()
            .filter_map(|(_, packet)| match packet {
                Packet::Publish(p) => Some(p.properties.subscription_identifiers.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(identifiers, vec![Vec::<u32>::new()], "{qos:?}");
    }
}
