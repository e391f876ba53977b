//! Property tests: every packet type in every version survives encode → decode, every prefix
//! of an encoding is `Incomplete`, and no input makes the decoder panic.

#![cfg(not(target_arch = "wasm32"))] // reason: proptest does not build for wasm32-unknown-unknown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::borrow::Cow;

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use scratch_mqtt_core::codec::{
    Ack, Auth, ConnAck, Connect, DecodeOptions, Disconnect, EncodeOptions, Packet, PacketType, Properties,
    ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling, Status, SubAck, Subscribe, Subscription,
    SubscriptionOptions, UnsubAck, Unsubscribe, Will, decode, encode, encoded_len,
};

const MAX_VARINT: u32 = 268_435_455;

type Text = Cow<'static, str>;
type Bytes = Cow<'static, [u8]>;

/// Any string the wire accepts: no U+0000, anything else including non-ASCII.
fn text() -> impl Strategy<Value = Text> {
    "[^\\x00]{0,8}".prop_map(Cow::Owned)
}

/// A topic name: no U+0000 and no wildcards.
fn topic() -> impl Strategy<Value = Text> {
    "[^\\x00+#]{0,8}".prop_map(Cow::Owned)
}

fn bytes() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..12).prop_map(Cow::Owned)
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![
        Just(ProtocolVersion::V3_1),
        Just(ProtocolVersion::V3_1_1),
        Just(ProtocolVersion::V5)
    ]
}

fn reason() -> impl Strategy<Value = ReasonCode> {
    any::<u8>().prop_map(ReasonCode)
}

/// Every property with a valid value, each present about half the time. `restrict` then keeps
/// only those the holder may carry.
fn any_properties() -> impl Strategy<Value = Properties<'static>> {
    let first = (
        of(any::<bool>()),
        of(any::<u32>()),
        of(text()),
        of(text()),
        of(bytes()),
        vec(1..=MAX_VARINT, 0..3),
        of(any::<u32>()),
        of(text()),
        of(any::<u16>()),
        of(text()),
        of(bytes()),
        of(any::<bool>()),
    );
    let second = (
        of(any::<u32>()),
        of(any::<bool>()),
        of(text()),
        of(text()),
        of(text()),
        of(1..=u16::MAX),
        of(any::<u16>()),
        of(1..=u16::MAX),
        of(prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce)]),
        of(any::<bool>()),
        vec((text(), text()), 0..3),
        of(1..=u32::MAX),
    );
    let third = (of(any::<bool>()), of(any::<bool>()), of(any::<bool>()));
    (first, second, third).prop_map(|(a, b, c)| Properties {
        payload_format_indicator: a.0,
        message_expiry_interval: a.1,
        content_type: a.2,
        response_topic: a.3,
        correlation_data: a.4,
        subscription_identifiers: a.5,
        session_expiry_interval: a.6,
        assigned_client_identifier: a.7,
        server_keep_alive: a.8,
        authentication_method: a.9,
        authentication_data: a.10,
        request_problem_information: a.11,
        will_delay_interval: b.0,
        request_response_information: b.1,
        response_information: b.2,
        server_reference: b.3,
        reason_string: b.4,
        receive_maximum: b.5,
        topic_alias_maximum: b.6,
        topic_alias: b.7,
        maximum_qos: b.8,
        retain_available: b.9,
        user_properties: b.10,
        maximum_packet_size: b.11,
        wildcard_subscription_available: c.0,
        subscription_identifier_available: c.1,
        shared_subscription_available: c.2,
    })
}

/// Keeps the properties MQTT 5 §2.2.2.2 allows in `holder` (`None` for a will).
fn restrict(mut p: Properties<'static>, holder: Option<PacketType>) -> Properties<'static> {
    use PacketType::*;
    let is = |types: &[PacketType]| holder.is_some_and(|t| types.contains(&t));
    let will = holder.is_none();
    if !(will || is(&[Publish])) {
        p.payload_format_indicator = None;
        p.message_expiry_interval = None;
        p.content_type = None;
        p.response_topic = None;
        p.correlation_data = None;
    }
    if !is(&[Publish, Subscribe]) {
        p.subscription_identifiers.clear();
    }
    if is(&[Subscribe]) {
        p.subscription_identifiers.truncate(1);
    }
    if !is(&[Connect, ConnAck, Disconnect]) {
        p.session_expiry_interval = None;
    }
    if !is(&[ConnAck]) {
        p.assigned_client_identifier = None;
        p.server_keep_alive = None;
        p.response_information = None;
        p.maximum_qos = None;
        p.retain_available = None;
        p.wildcard_subscription_available = None;
        p.subscription_identifier_available = None;
        p.shared_subscription_available = None;
    }
    if !is(&[Connect, ConnAck, Auth]) {
        p.authentication_method = None;
        p.authentication_data = None;
    }
    if !is(&[Connect]) {
        p.request_problem_information = None;
        p.request_response_information = None;
    }
    if !will {
        p.will_delay_interval = None;
    }
    if !is(&[ConnAck, Disconnect]) {
        p.server_reference = None;
    }
    if !is(&[
        ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth,
    ]) {
        p.reason_string = None;
    }
    if !is(&[Connect, ConnAck]) {
        p.receive_maximum = None;
        p.topic_alias_maximum = None;
        p.maximum_packet_size = None;
    }
    if !is(&[Publish]) {
        p.topic_alias = None;
    }
    p
}

/// Properties for `holder` in `version`: none at all before MQTT 5.
fn properties(version: ProtocolVersion, holder: Option<PacketType>) -> BoxedStrategy<Properties<'static>> {
    if version.is_v5() {
        any_properties().prop_map(move |p| restrict(p, holder)).boxed()
    } else {
        Just(Properties::default()).boxed()
    }
}

fn packet_id() -> impl Strategy<Value = u16> {
    1..=u16::MAX
}

fn connect(version: ProtocolVersion) -> impl Strategy<Value = Packet<'static>> {
    let will = (topic(), bytes(), qos(), any::<bool>(), properties(version, None)).prop_map(
        |(topic, payload, qos, retain, properties)| Will {
            topic,
            payload,
            qos,
            retain,
            properties,
        },
    );
    (
        any::<bool>(),
        any::<u16>(),
        text(),
        of(will),
        of(text()),
        of(bytes()),
        properties(version, Some(PacketType::Connect)),
    )
        .prop_map(
            move |(clean_start, keep_alive, client_id, will, username, mut password, properties)| {
                // 3.1.1 forbids a password without a user name.
                if version == ProtocolVersion::V3_1_1 && username.is_none() {
                    password = None;
                }
                Packet::Connect(Box::new(Connect {
                    protocol: version,
                    clean_start,
                    keep_alive,
                    client_id,
                    will,
                    username,
                    password,
                    properties,
                }))
            },
        )
}

fn connack(version: ProtocolVersion) -> impl Strategy<Value = Packet<'static>> {
    (
        any::<bool>(),
        reason(),
        properties(version, Some(PacketType::ConnAck)),
    )
        .prop_map(move |(session_present, code, properties)| {
            // 3.1 has no session present flag.
            let session_present = session_present && version != ProtocolVersion::V3_1;
            Packet::ConnAck(ConnAck {
                session_present,
                code,
                properties,
            })
        })
}

fn publish(version: ProtocolVersion) -> impl Strategy<Value = Packet<'static>> {
    (
        any::<bool>(),
        qos(),
        any::<bool>(),
        topic(),
        packet_id(),
        properties(version, Some(PacketType::Publish)),
        bytes(),
    )
        .prop_map(|(dup, qos, retain, topic, packet_id, properties, payload)| {
            // QoS 0 has neither a packet id nor a DUP flag on the wire.
            let at_most_once = qos == QoS::AtMostOnce;
            Packet::Publish(Publish {
                dup: dup && !at_most_once,
                qos,
                retain,
                topic,
                packet_id: if at_most_once { 0 } else { packet_id },
                properties,
                payload,
            })
        })
}

fn ack(version: ProtocolVersion, packet_type: PacketType) -> impl Strategy<Value = Packet<'static>> {
    (packet_id(), reason(), properties(version, Some(packet_type))).prop_map(
        move |(packet_id, reason, properties)| {
            let reason = if version.is_v5() {
                reason
            } else {
                ReasonCode::SUCCESS
            };
            let ack = Ack {
                packet_id,
                reason,
                properties,
            };
            match packet_type {
                PacketType::PubAck => Packet::PubAck(ack),
                PacketType::PubRec => Packet::PubRec(ack),
                PacketType::PubRel => Packet::PubRel(ack),
                _ => Packet::PubComp(ack),
            }
        },
    )
}

fn subscription(version: ProtocolVersion) -> impl Strategy<Value = Subscription<'static>> {
    let retain_handling = prop_oneof![
        Just(RetainHandling::SendAtSubscribe),
        Just(RetainHandling::SendAtNewSubscribe),
        Just(RetainHandling::DoNotSend)
    ];
    (text(), qos(), any::<bool>(), any::<bool>(), retain_handling).prop_map(
        move |(filter, qos, no_local, retain_as_published, retain_handling)| {
            // Before MQTT 5 the options byte holds only the QoS.
            let options = if version.is_v5() {
                SubscriptionOptions {
                    qos,
                    no_local,
                    retain_as_published,
                    retain_handling,
                }
            } else {
                SubscriptionOptions {
                    qos,
                    ..SubscriptionOptions::default()
                }
            };
            Subscription { filter, options }
        },
    )
}

fn subscribe(version: ProtocolVersion) -> impl Strategy<Value = Packet<'static>> {
    (
        packet_id(),
        properties(version, Some(PacketType::Subscribe)),
        vec(subscription(version), 1..4),
    )
        .prop_map(|(packet_id, properties, subscriptions)| {
            Packet::Subscribe(Subscribe {
                packet_id,
                properties,
                subscriptions,
            })
        })
}

fn suback(version: ProtocolVersion) -> impl Strategy<Value = Packet<'static>> {
    (
        packet_id(),
        properties(version, Some(PacketType::SubAck)),
        vec(reason(), 0..4),
    )
        .prop_map(|(packet_id, properties, codes)| {
            Packet::SubAck(SubAck {
                packet_id,
                properties,
                codes,
            })
        })
}

fn unsubscribe(version: ProtocolVersion) -> impl Strategy<Value = Packet<'static>> {
    (
        packet_id(),
        properties(version, Some(PacketType::Unsubscribe)),
        vec(text(), 1..4),
    )
        .prop_map(|(packet_id, properties, filters)| {
            Packet::Unsubscribe(Unsubscribe {
                packet_id,
                properties,
                filters,
            })
        })
}

fn unsuback(version: ProtocolVersion) -> impl Strategy<Value = Packet<'static>> {
    (
        packet_id(),
        properties(version, Some(PacketType::UnsubAck)),
        vec(reason(), 0..4),
    )
        .prop_map(move |(packet_id, properties, codes)| {
            // 3.1/3.1.1 UNSUBACK has no reason codes.
            let codes = if version.is_v5() { codes } else { Vec::new() };
            Packet::UnsubAck(UnsubAck {
                packet_id,
                properties,
                codes,
            })
        })
}

fn disconnect(version: ProtocolVersion) -> BoxedStrategy<Packet<'static>> {
    if !version.is_v5() {
        return Just(Packet::Disconnect(Disconnect::default())).boxed();
    }
    (reason(), properties(version, Some(PacketType::Disconnect)))
        .prop_map(|(reason, properties)| Packet::Disconnect(Disconnect { reason, properties }))
        .boxed()
}

fn auth() -> impl Strategy<Value = Packet<'static>> {
    (reason(), properties(ProtocolVersion::V5, Some(PacketType::Auth)))
        .prop_map(|(reason, properties)| Packet::Auth(Auth { reason, properties }))
}

/// Any packet `version` can carry, normalised to what that version's wire can express.
fn packet(version: ProtocolVersion) -> BoxedStrategy<Packet<'static>> {
    let common = prop_oneof![
        connect(version),
        connack(version),
        publish(version),
        ack(version, PacketType::PubAck),
        ack(version, PacketType::PubRec),
        ack(version, PacketType::PubRel),
        ack(version, PacketType::PubComp),
        subscribe(version),
        suback(version),
        unsubscribe(version),
        unsuback(version),
        Just(Packet::PingReq),
        Just(Packet::PingResp),
        disconnect(version),
    ];
    if version.is_v5() {
        prop_oneof![14 => common, 1 => auth()].boxed()
    } else {
        common.boxed()
    }
}

fn versioned_packet() -> impl Strategy<Value = (ProtocolVersion, Packet<'static>)> {
    version().prop_flat_map(|version| (Just(version), packet(version)))
}

fn encoded(packet: &Packet<'_>, version: ProtocolVersion) -> Vec<u8> {
    let mut out = Vec::new();
    let written =
        encode(packet, &EncodeOptions::new(version), &mut out).expect("generated packets are encodable");
    assert_eq!(written, out.len());
    assert_eq!(encoded_len(packet, &EncodeOptions::new(version)), Ok(written));
    out
}

fn assert_round_trip(version: ProtocolVersion, packet: &Packet<'static>) {
    let bytes = encoded(packet, version);
    assert_eq!(
        decode(&bytes, &DecodeOptions::new(version)),
        Ok(Status::Complete(packet.clone(), bytes.len()))
    );
}

/// Whatever the decoder accepts, the encoder can write back, and that reads as the same packet.
fn assert_canonical(version: ProtocolVersion, bytes: &[u8], max_packet_size: usize) {
    let opts = DecodeOptions {
        max_packet_size,
        ..DecodeOptions::new(version)
    };
    if let Ok(Status::Complete(packet, consumed)) = decode(bytes, &opts) {
        assert!(consumed <= bytes.len());
        let again = encoded(&packet, version);
        assert!(again.len() <= consumed, "re-encoding never grows a packet");
        assert_eq!(
            decode(&again, &DecodeOptions::new(version)),
            Ok(Status::Complete(packet, again.len()))
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trip_3_1(packet in packet(ProtocolVersion::V3_1)) {
        assert_round_trip(ProtocolVersion::V3_1, &packet);
    }

    #[test]
    fn round_trip_3_1_1(packet in packet(ProtocolVersion::V3_1_1)) {
        assert_round_trip(ProtocolVersion::V3_1_1, &packet);
    }

    #[test]
    fn round_trip_5(packet in packet(ProtocolVersion::V5)) {
        assert_round_trip(ProtocolVersion::V5, &packet);
    }

    #[test]
    fn every_prefix_is_incomplete((version, packet) in versioned_packet()) {
        let bytes = encoded(&packet, version);
        let opts = DecodeOptions::new(version);
        for end in 0..bytes.len() {
            prop_assert_eq!(decode(&bytes[..end], &opts), Ok(Status::Incomplete));
        }
    }

    #[test]
    fn back_to_back_packets((version, packets) in version().prop_flat_map(|v| (Just(v), vec(packet(v), 1..5)))) {
        let stream: Vec<u8> = packets.iter().flat_map(|p| encoded(p, version)).collect();
        let opts = DecodeOptions::new(version);
        let mut rest = &stream[..];
        for packet in &packets {
            let Ok(Status::Complete(decoded, consumed)) = decode(rest, &opts) else {
                panic!("expected {packet:?}");
            };
            prop_assert_eq!(&decoded, packet);
            rest = &rest[consumed..];
        }
        prop_assert!(rest.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in vec(any::<u8>(), 0..96),
        version in version(),
        max_packet_size in prop_oneof![Just(usize::MAX), 0..128usize],
    ) {
        assert_canonical(version, &bytes, max_packet_size);
    }

    #[test]
    fn arbitrary_bodies_never_panic(
        first in any::<u8>(),
        body in vec(any::<u8>(), 0..96),
        version in version(),
    ) {
        // A well-formed fixed header gets random bytes past the header checks.
        let mut bytes = vec![first, body.len() as u8];
        bytes.extend(&body);
        assert_canonical(version, &bytes, usize::MAX);
    }

    #[test]
    fn mutated_encodings_never_panic(
        (version, packet) in versioned_packet(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = encoded(&packet, version);
        for (index, value) in edits {
            let at = index.index(bytes.len());
            bytes[at] = value;
        }
        assert_canonical(version, &bytes, usize::MAX);
    }

    #[test]
    fn into_owned_keeps_the_packet((version, packet) in versioned_packet()) {
        let bytes = encoded(&packet, version);
        let Ok(Status::Complete(decoded, _)) = decode(&bytes, &DecodeOptions::new(version)) else {
            panic!("round trip");
        };
        let owned: Packet<'static> = decoded.into_owned();
        drop(bytes);
        prop_assert_eq!(owned, packet);
    }
}
