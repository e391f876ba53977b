//! Wire vectors: for every packet type in every version, the exact bytes written out field by
//! field. Each vector must decode to its packet, encode back to its bytes, and every strict
//! prefix of it must decode as `Incomplete`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::borrow::Cow;

use ProtocolVersion::{V3_1, V3_1_1, V5};
use scratch_mqtt_core::codec::{
    Ack, Auth, ConnAck, Connect, DecodeOptions, Disconnect, EncodeOptions, Packet, Properties,
    ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling, Status, SubAck, Subscribe, Subscription,
    SubscriptionOptions, UnsubAck, Unsubscribe, Will, decode, encode, encoded_len,
};

struct Vector {
    version: ProtocolVersion,
    bytes: Vec<u8>,
    packet: Packet<'static>,
}

fn s(text: &'static str) -> Cow<'static, str> {
    Cow::Borrowed(text)
}

fn b(bytes: &'static [u8]) -> Cow<'static, [u8]> {
    Cow::Borrowed(bytes)
}

fn no_props() -> Properties<'static> {
    Properties::default()
}

fn ack(packet_id: u16) -> Ack<'static> {
    Ack {
        packet_id,
        reason: ReasonCode::SUCCESS,
        properties: no_props(),
    }
}

fn ack_with(packet_id: u16, reason: ReasonCode, properties: Properties<'static>) -> Ack<'static> {
    Ack {
        packet_id,
        reason,
        properties,
    }
}

fn options(qos: QoS) -> SubscriptionOptions {
    SubscriptionOptions {
        qos,
        ..SubscriptionOptions::default()
    }
}

fn check(name: &str, v: &Vector) {
    let decode_opts = DecodeOptions::new(v.version);
    let encode_opts = EncodeOptions::new(v.version);

    let decoded = decode(&v.bytes, &decode_opts);
    assert_eq!(
        decoded,
        Ok(Status::Complete(v.packet.clone(), v.bytes.len())),
        "{name}: decode"
    );

    // Encoding appends: what was in the buffer before stays.
    let mut out = vec![0xEE];
    assert_eq!(
        encode(&v.packet, &encode_opts, &mut out),
        Ok(v.bytes.len()),
        "{name}: encode size"
    );
    assert_eq!(out[0], 0xEE, "{name}: encode kept the existing bytes");
    assert_eq!(out[1..], v.bytes[..], "{name}: encode bytes");
    assert_eq!(
        encoded_len(&v.packet, &encode_opts),
        Ok(v.bytes.len()),
        "{name}: encoded_len"
    );

    for end in 0..v.bytes.len() {
        assert_eq!(
            decode(&v.bytes[..end], &decode_opts),
            Ok(Status::Incomplete),
            "{name}: prefix of {end} bytes"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// MQTT 3.1
// ---------------------------------------------------------------------------------------------

fn v3_1_connect() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x10, // CONNECT, flags 0
            0x1E, // remaining length 30
            0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', // protocol name "MQIsdp"
            0x03, // protocol level 3
            0xEE, // flags: user name, password, will retain, will QoS 1, will, clean session
            0x00, 0x3C, // keep alive 60
            0x00, 0x02, b'c', b'1', // client id "c1"
            0x00, 0x01, b'w', // will topic "w"
            0x00, 0x03, b'b', b'y', b'e', // will message "bye"
            0x00, 0x01, b'u', // user name "u"
            0x00, 0x01, b'p', // password "p"
        ],
        packet: Packet::Connect(Box::new(Connect {
            protocol: V3_1,
            clean_start: true,
            keep_alive: 60,
            client_id: s("c1"),
            will: Some(Will {
                topic: s("w"),
                payload: b(b"bye"),
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: no_props(),
            }),
            username: Some(s("u")),
            password: Some(b(b"p")),
            properties: no_props(),
        })),
    }
}

fn v3_1_connack() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x20, // CONNACK, flags 0
            0x02, // remaining length 2
            0x00, // reserved (3.1 has no session present flag)
            0x02, // return code 2: identifier rejected
        ],
        packet: Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode(2),
            properties: no_props(),
        }),
    }
}

fn v3_1_publish_qos0() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x31, // PUBLISH, QoS 0, retain
            0x04, // remaining length 4
            0x00, 0x01, b't', // topic "t"
            b'x', // payload "x" (no packet id at QoS 0)
        ],
        packet: Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: true,
            topic: s("t"),
            packet_id: 0,
            properties: no_props(),
            payload: b(b"x"),
        }),
    }
}

fn v3_1_publish_qos1() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x3A, // PUBLISH, DUP, QoS 1
            0x09, // remaining length 9
            0x00, 0x03, b'a', b'/', b'b', // topic "a/b"
            0x00, 0x0A, // packet id 10
            b'h', b'i', // payload "hi"
        ],
        packet: Packet::Publish(Publish {
            dup: true,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: s("a/b"),
            packet_id: 10,
            properties: no_props(),
            payload: b(b"hi"),
        }),
    }
}

fn v3_1_puback() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x40, // PUBACK, flags 0
            0x02, // remaining length 2
            0x00, 0x0A, // packet id 10
        ],
        packet: Packet::PubAck(ack(10)),
    }
}

fn v3_1_pubrec() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x50, // PUBREC, flags 0
            0x02, // remaining length 2
            0x00, 0x0B, // packet id 11
        ],
        packet: Packet::PubRec(ack(11)),
    }
}

fn v3_1_pubrel() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x62, // PUBREL, flags 0b0010
            0x02, // remaining length 2
            0x00, 0x0B, // packet id 11
        ],
        packet: Packet::PubRel(ack(11)),
    }
}

fn v3_1_pubcomp() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x70, // PUBCOMP, flags 0
            0x02, // remaining length 2
            0x00, 0x0B, // packet id 11
        ],
        packet: Packet::PubComp(ack(11)),
    }
}

fn v3_1_subscribe() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x82, // SUBSCRIBE, flags 0b0010
            0x0C, // remaining length 12
            0x00, 0x01, // packet id 1
            0x00, 0x03, b'a', b'/', b'#', // filter "a/#"
            0x01, // requested QoS 1
            0x00, 0x01, b'b', // filter "b"
            0x02, // requested QoS 2
        ],
        packet: Packet::Subscribe(Subscribe {
            packet_id: 1,
            properties: no_props(),
            subscriptions: vec![
                Subscription {
                    filter: s("a/#"),
                    options: options(QoS::AtLeastOnce),
                },
                Subscription {
                    filter: s("b"),
                    options: options(QoS::ExactlyOnce),
                },
            ],
        }),
    }
}

fn v3_1_suback() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0x90, // SUBACK, flags 0
            0x04, // remaining length 4
            0x00, 0x01, // packet id 1
            0x01, // granted QoS 1
            0x02, // granted QoS 2
        ],
        packet: Packet::SubAck(SubAck {
            packet_id: 1,
            properties: no_props(),
            codes: vec![ReasonCode::GRANTED_QOS_1, ReasonCode::GRANTED_QOS_2],
        }),
    }
}

fn v3_1_unsubscribe() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0xA2, // UNSUBSCRIBE, flags 0b0010
            0x07, // remaining length 7
            0x00, 0x02, // packet id 2
            0x00, 0x03, b'a', b'/', b'#', // filter "a/#"
        ],
        packet: Packet::Unsubscribe(Unsubscribe {
            packet_id: 2,
            properties: no_props(),
            filters: vec![s("a/#")],
        }),
    }
}

fn v3_1_unsuback() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0xB0, // UNSUBACK, flags 0
            0x02, // remaining length 2
            0x00, 0x02, // packet id 2
        ],
        packet: Packet::UnsubAck(UnsubAck {
            packet_id: 2,
            properties: no_props(),
            codes: vec![],
        }),
    }
}

fn v3_1_pingreq() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0xC0, // PINGREQ, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::PingReq,
    }
}

fn v3_1_pingresp() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0xD0, // PINGRESP, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::PingResp,
    }
}

fn v3_1_disconnect() -> Vector {
    Vector {
        version: V3_1,
        bytes: vec![
            0xE0, // DISCONNECT, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::Disconnect(Disconnect::default()),
    }
}

// ---------------------------------------------------------------------------------------------
// MQTT 3.1.1
// ---------------------------------------------------------------------------------------------

fn v3_1_1_connect() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x10, // CONNECT, flags 0
            0x15, // remaining length 21
            0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name "MQTT"
            0x04, // protocol level 4
            0x80, // flags: user name only (no clean session)
            0x00, 0x1E, // keep alive 30
            0x00, 0x03, b'c', b'i', b'd', // client id "cid"
            0x00, 0x04, b'u', b's', b'e', b'r', // user name "user"
        ],
        packet: Packet::Connect(Box::new(Connect {
            protocol: V3_1_1,
            clean_start: false,
            keep_alive: 30,
            client_id: s("cid"),
            will: None,
            username: Some(s("user")),
            password: None,
            properties: no_props(),
        })),
    }
}

fn v3_1_1_connect_will() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x10, // CONNECT, flags 0
            0x11, // remaining length 17
            0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name "MQTT"
            0x04, // protocol level 4
            0x16, // flags: will QoS 2, will, clean session
            0x00, 0x00, // keep alive 0 (off)
            0x00, 0x00, // client id "" (the server assigns one)
            0x00, 0x01, b't', // will topic "t"
            0x00, 0x00, // will message: empty
        ],
        packet: Packet::Connect(Box::new(Connect {
            protocol: V3_1_1,
            clean_start: true,
            keep_alive: 0,
            client_id: s(""),
            will: Some(Will {
                topic: s("t"),
                payload: b(b""),
                qos: QoS::ExactlyOnce,
                retain: false,
                properties: no_props(),
            }),
            username: None,
            password: None,
            properties: no_props(),
        })),
    }
}

fn v3_1_1_connack() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x20, // CONNACK, flags 0
            0x02, // remaining length 2
            0x01, // acknowledge flags: session present
            0x00, // return code 0: accepted
        ],
        packet: Packet::ConnAck(ConnAck {
            session_present: true,
            code: ReasonCode(0),
            properties: no_props(),
        }),
    }
}

fn v3_1_1_connack_refused() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x20, // CONNACK, flags 0
            0x02, // remaining length 2
            0x00, // acknowledge flags: none
            0x04, // return code 4: bad user name or password
        ],
        packet: Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode(4),
            properties: no_props(),
        }),
    }
}

fn v3_1_1_publish_qos0() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x30, // PUBLISH, QoS 0
            0x0F, // remaining length 15
            0x00, 0x0B, b'h', b'e', b'l', b'l', b'o', b'/', b'w', b'o', b'r', b'l',
            b'd', // topic "hello/world"
            0x00, 0xFF, // payload: two arbitrary bytes
        ],
        packet: Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: s("hello/world"),
            packet_id: 0,
            properties: no_props(),
            payload: b(&[0x00, 0xFF]),
        }),
    }
}

fn v3_1_1_publish_qos2() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x35, // PUBLISH, QoS 2, retain
            0x05, // remaining length 5
            0x00, 0x01, b'x', // topic "x"
            0xFF, 0xFF, // packet id 65535, then an empty payload
        ],
        packet: Packet::Publish(Publish {
            dup: false,
            qos: QoS::ExactlyOnce,
            retain: true,
            topic: s("x"),
            packet_id: 0xFFFF,
            properties: no_props(),
            payload: b(b""),
        }),
    }
}

fn v3_1_1_publish_long() -> Vector {
    let mut bytes = vec![
        0x30, // PUBLISH, QoS 0
        0xCB, 0x01, // remaining length 203 (two bytes: 0x4B + 1 * 128)
        0x00, 0x01, b't', // topic "t"
    ];
    bytes.extend([0x55; 200]); // payload: 200 bytes
    Vector {
        version: V3_1_1,
        bytes,
        packet: Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: s("t"),
            packet_id: 0,
            properties: no_props(),
            payload: Cow::Owned(vec![0x55; 200]),
        }),
    }
}

fn v3_1_1_puback() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x40, // PUBACK, flags 0
            0x02, // remaining length 2
            0x12, 0x34, // packet id 0x1234
        ],
        packet: Packet::PubAck(ack(0x1234)),
    }
}

fn v3_1_1_pubrec() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x50, // PUBREC, flags 0
            0x02, // remaining length 2
            0x00, 0x01, // packet id 1
        ],
        packet: Packet::PubRec(ack(1)),
    }
}

fn v3_1_1_pubrel() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x62, // PUBREL, flags 0b0010
            0x02, // remaining length 2
            0x00, 0x01, // packet id 1
        ],
        packet: Packet::PubRel(ack(1)),
    }
}

fn v3_1_1_pubcomp() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x70, // PUBCOMP, flags 0
            0x02, // remaining length 2
            0x00, 0x01, // packet id 1
        ],
        packet: Packet::PubComp(ack(1)),
    }
}

fn v3_1_1_subscribe() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x82, // SUBSCRIBE, flags 0b0010
            0x0C, // remaining length 12
            0x00, 0x02, // packet id 2
            0x00, 0x03, b'+', b'/', b'x', // filter "+/x"
            0x00, // requested QoS 0
            0x00, 0x01, b'#', // filter "#"
            0x02, // requested QoS 2
        ],
        packet: Packet::Subscribe(Subscribe {
            packet_id: 2,
            properties: no_props(),
            subscriptions: vec![
                Subscription {
                    filter: s("+/x"),
                    options: options(QoS::AtMostOnce),
                },
                Subscription {
                    filter: s("#"),
                    options: options(QoS::ExactlyOnce),
                },
            ],
        }),
    }
}

fn v3_1_1_suback() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0x90, // SUBACK, flags 0
            0x04, // remaining length 4
            0x00, 0x02, // packet id 2
            0x00, // granted QoS 0
            0x80, // failure
        ],
        packet: Packet::SubAck(SubAck {
            packet_id: 2,
            properties: no_props(),
            codes: vec![ReasonCode::GRANTED_QOS_0, ReasonCode::UNSPECIFIED_ERROR],
        }),
    }
}

fn v3_1_1_unsubscribe() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0xA2, // UNSUBSCRIBE, flags 0b0010
            0x08, // remaining length 8
            0x00, 0x03, // packet id 3
            0x00, 0x01, b'a', // filter "a"
            0x00, 0x01, b'b', // filter "b"
        ],
        packet: Packet::Unsubscribe(Unsubscribe {
            packet_id: 3,
            properties: no_props(),
            filters: vec![s("a"), s("b")],
        }),
    }
}

fn v3_1_1_unsuback() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0xB0, // UNSUBACK, flags 0
            0x02, // remaining length 2
            0x00, 0x03, // packet id 3
        ],
        packet: Packet::UnsubAck(UnsubAck {
            packet_id: 3,
            properties: no_props(),
            codes: vec![],
        }),
    }
}

fn v3_1_1_pingreq() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0xC0, // PINGREQ, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::PingReq,
    }
}

fn v3_1_1_pingresp() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0xD0, // PINGRESP, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::PingResp,
    }
}

fn v3_1_1_disconnect() -> Vector {
    Vector {
        version: V3_1_1,
        bytes: vec![
            0xE0, // DISCONNECT, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::Disconnect(Disconnect::default()),
    }
}

// ---------------------------------------------------------------------------------------------
// MQTT 5.0
// ---------------------------------------------------------------------------------------------

fn v5_connect() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x10, // CONNECT, flags 0
            0x0D, // remaining length 13
            0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name "MQTT"
            0x05, // protocol level 5
            0x02, // flags: clean start
            0x00, 0x3C, // keep alive 60
            0x00, // property length 0
            0x00, 0x00, // client id ""
        ],
        packet: Packet::Connect(Box::new(Connect {
            protocol: V5,
            clean_start: true,
            keep_alive: 60,
            client_id: s(""),
            will: None,
            username: None,
            password: None,
            properties: no_props(),
        })),
    }
}

fn v5_connect_will_properties() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x10, // CONNECT, flags 0
            0x40, // remaining length 64
            0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name "MQTT"
            0x05, // protocol level 5
            0x4E, // flags: password (without user name: allowed in 5.0), will QoS 1, will, clean start
            0x00, 0x0A, // keep alive 10
            0x14, // property length 20
            0x11, 0x00, 0x00, 0x0E, 0x10, // session expiry interval 3600
            0x21, 0x00, 0x14, // receive maximum 20
            0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // user property ("k", "v")
            0x27, 0x00, 0x00, 0x04, 0x00, // maximum packet size 1024
            0x00, 0x01, b'c', // client id "c"
            0x0E, // will property length 14
            0x01, 0x01, // payload format indicator: UTF-8
            0x03, 0x00, 0x04, b't', b'e', b'x', b't', // content type "text"
            0x18, 0x00, 0x00, 0x00, 0x05, // will delay interval 5
            0x00, 0x03, b'w', b'/', b't', // will topic "w/t"
            0x00, 0x04, b'g', b'o', b'n', b'e', // will payload "gone"
            0x00, 0x02, b'p', b'w', // password "pw"
        ],
        packet: Packet::Connect(Box::new(Connect {
            protocol: V5,
            clean_start: true,
            keep_alive: 10,
            client_id: s("c"),
            will: Some(Will {
                topic: s("w/t"),
                payload: b(b"gone"),
                qos: QoS::AtLeastOnce,
                retain: false,
                properties: Properties {
                    payload_format_indicator: Some(true),
                    content_type: Some(s("text")),
                    will_delay_interval: Some(5),
                    ..no_props()
                },
            }),
            username: None,
            password: Some(b(b"pw")),
            properties: Properties {
                session_expiry_interval: Some(3600),
                receive_maximum: Some(20),
                user_properties: vec![(s("k"), s("v"))],
                maximum_packet_size: Some(1024),
                ..no_props()
            },
        })),
    }
}

fn v5_connack_properties() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x20, // CONNACK, flags 0
            0x35, // remaining length 53
            0x00, // acknowledge flags: none
            0x00, // reason code: success
            0x32, // property length 50
            0x11, 0x00, 0x00, 0x00, 0x78, // session expiry interval 120
            0x12, 0x00, 0x06, b'a', b'u', b't', b'o', b'-', b'1', // assigned client id "auto-1"
            0x13, 0x00, 0x1E, // server keep alive 30
            0x1F, 0x00, 0x02, b'o', b'k', // reason string "ok"
            0x21, 0x00, 0x64, // receive maximum 100
            0x22, 0x00, 0x0A, // topic alias maximum 10
            0x24, 0x01, // maximum QoS 1
            0x25, 0x00, // retain available: no
            0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'1', // user property ("a", "1")
            0x27, 0x00, 0x01, 0x00, 0x00, // maximum packet size 65536
            0x28, 0x01, // wildcard subscription available: yes
            0x29, 0x00, // subscription identifiers available: no
            0x2A, 0x01, // shared subscription available: yes
        ],
        packet: Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::SUCCESS,
            properties: Properties {
                session_expiry_interval: Some(120),
                assigned_client_identifier: Some(s("auto-1")),
                server_keep_alive: Some(30),
                reason_string: Some(s("ok")),
                receive_maximum: Some(100),
                topic_alias_maximum: Some(10),
                maximum_qos: Some(QoS::AtLeastOnce),
                retain_available: Some(false),
                user_properties: vec![(s("a"), s("1"))],
                maximum_packet_size: Some(65536),
                wildcard_subscription_available: Some(true),
                subscription_identifier_available: Some(false),
                shared_subscription_available: Some(true),
                ..no_props()
            },
        }),
    }
}

fn v5_connack_refused() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x20, // CONNACK, flags 0
            0x03, // remaining length 3
            0x00, // acknowledge flags: none
            0x87, // reason code: not authorized
            0x00, // property length 0
        ],
        packet: Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::NOT_AUTHORIZED,
            properties: no_props(),
        }),
    }
}

fn v5_publish_qos0() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x30, // PUBLISH, QoS 0
            0x04, // remaining length 4
            0x00, 0x01, b't', // topic "t"
            0x00, // property length 0, then an empty payload
        ],
        packet: Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: s("t"),
            packet_id: 0,
            properties: no_props(),
            payload: b(b""),
        }),
    }
}

fn v5_publish_properties() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x33, // PUBLISH, QoS 1, retain
            0x32, // remaining length 50
            0x00, 0x03, b't', b'/', b'1', // topic "t/1"
            0x00, 0x07, // packet id 7
            0x26, // property length 38
            0x01, 0x01, // payload format indicator: UTF-8
            0x02, 0x00, 0x00, 0x00, 0x3C, // message expiry interval 60
            0x08, 0x00, 0x01, b'r', // response topic "r"
            0x09, 0x00, 0x02, 0x01, 0x02, // correlation data [1, 2]
            0x0B, 0x01, // subscription identifier 1
            0x0B, 0xC8, 0x01, // subscription identifier 200 (two-byte varint)
            0x23, 0x00, 0x03, // topic alias 3
            0x26, 0x00, 0x01, b'x', 0x00, 0x01, b'1', // user property ("x", "1")
            0x26, 0x00, 0x01, b'x', 0x00, 0x01, b'2', // user property ("x", "2"): names may repeat
            b'd', b'a', b't', b'a', // payload "data"
        ],
        packet: Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: s("t/1"),
            packet_id: 7,
            properties: Properties {
                payload_format_indicator: Some(true),
                message_expiry_interval: Some(60),
                response_topic: Some(s("r")),
                correlation_data: Some(b(&[1, 2])),
                subscription_identifiers: vec![1, 200],
                topic_alias: Some(3),
                user_properties: vec![(s("x"), s("1")), (s("x"), s("2"))],
                ..no_props()
            },
            payload: b(b"data"),
        }),
    }
}

fn v5_publish_topic_alias() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x30, // PUBLISH, QoS 0
            0x07, // remaining length 7
            0x00, 0x00, // topic "" (the alias stands for it)
            0x03, // property length 3
            0x23, 0x00, 0x01, // topic alias 1
            b'p', // payload "p"
        ],
        packet: Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: s(""),
            packet_id: 0,
            properties: Properties {
                topic_alias: Some(1),
                ..no_props()
            },
            payload: b(b"p"),
        }),
    }
}

fn v5_puback() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x40, // PUBACK, flags 0
            0x02, // remaining length 2: success, no properties
            0x00, 0x01, // packet id 1
        ],
        packet: Packet::PubAck(ack(1)),
    }
}

fn v5_puback_reason() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x40, // PUBACK, flags 0
            0x03, // remaining length 3: reason code, no properties
            0x00, 0x01, // packet id 1
            0x10, // reason code: no matching subscribers
        ],
        packet: Packet::PubAck(ack_with(1, ReasonCode::NO_MATCHING_SUBSCRIBERS, no_props())),
    }
}

fn v5_pubrec() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x50, // PUBREC, flags 0
            0x09, // remaining length 9
            0x00, 0x02, // packet id 2
            0x80, // reason code: unspecified error
            0x05, // property length 5
            0x1F, 0x00, 0x02, b'n', b'o', // reason string "no"
        ],
        packet: Packet::PubRec(ack_with(
            2,
            ReasonCode::UNSPECIFIED_ERROR,
            Properties {
                reason_string: Some(s("no")),
                ..no_props()
            },
        )),
    }
}

fn v5_pubrel() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x62, // PUBREL, flags 0b0010
            0x03, // remaining length 3
            0x00, 0x03, // packet id 3
            0x92, // reason code: packet identifier not found
        ],
        packet: Packet::PubRel(ack_with(3, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND, no_props())),
    }
}

fn v5_pubrel_success() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x62, // PUBREL, flags 0b0010
            0x02, // remaining length 2: success, no properties
            0x00, 0x03, // packet id 3
        ],
        packet: Packet::PubRel(ack(3)),
    }
}

fn v5_pubcomp() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x70, // PUBCOMP, flags 0
            0x0B, // remaining length 11
            0x00, 0x04, // packet id 4
            0x00, // reason code: success (written because properties follow)
            0x07, // property length 7
            0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'b', // user property ("a", "b")
        ],
        packet: Packet::PubComp(ack_with(
            4,
            ReasonCode::SUCCESS,
            Properties {
                user_properties: vec![(s("a"), s("b"))],
                ..no_props()
            },
        )),
    }
}

fn v5_subscribe() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x82, // SUBSCRIBE, flags 0b0010
            0x1F, // remaining length 31
            0x00, 0x0A, // packet id 10
            0x09, // property length 9
            0x0B, 0x05, // subscription identifier 5
            0x26, 0x00, 0x01, b'u', 0x00, 0x01, b'v', // user property ("u", "v")
            0x00, 0x03, b'a', b'/', b'+', // filter "a/+"
            0x2D, // options: retain handling 2, retain as published, no local, QoS 1
            0x00, 0x0A, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/',
            b't', // filter "$share/g/t"
            0x10, // options: retain handling 1, QoS 0
        ],
        packet: Packet::Subscribe(Subscribe {
            packet_id: 10,
            properties: Properties {
                subscription_identifiers: vec![5],
                user_properties: vec![(s("u"), s("v"))],
                ..no_props()
            },
            subscriptions: vec![
                Subscription {
                    filter: s("a/+"),
                    options: SubscriptionOptions {
                        qos: QoS::AtLeastOnce,
                        no_local: true,
                        retain_as_published: true,
                        retain_handling: RetainHandling::DoNotSend,
                    },
                },
                Subscription {
                    filter: s("$share/g/t"),
                    options: SubscriptionOptions {
                        retain_handling: RetainHandling::SendAtNewSubscribe,
                        ..options(QoS::AtMostOnce)
                    },
                },
            ],
        }),
    }
}

fn v5_suback() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0x90, // SUBACK, flags 0
            0x0B, // remaining length 11
            0x00, 0x0A, // packet id 10
            0x04, // property length 4
            0x1F, 0x00, 0x01, b'r', // reason string "r"
            0x01, // granted QoS 1
            0x00, // granted QoS 0
            0x87, // not authorized
            0xA2, // wildcard subscriptions not supported
        ],
        packet: Packet::SubAck(SubAck {
            packet_id: 10,
            properties: Properties {
                reason_string: Some(s("r")),
                ..no_props()
            },
            codes: vec![
                ReasonCode::GRANTED_QOS_1,
                ReasonCode::GRANTED_QOS_0,
                ReasonCode::NOT_AUTHORIZED,
                ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED,
            ],
        }),
    }
}

fn v5_unsubscribe() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xA2, // UNSUBSCRIBE, flags 0b0010
            0x0B, // remaining length 11
            0x00, 0x0B, // packet id 11
            0x00, // property length 0
            0x00, 0x03, b'a', b'/', b'+', // filter "a/+"
            0x00, 0x01, b'b', // filter "b"
        ],
        packet: Packet::Unsubscribe(Unsubscribe {
            packet_id: 11,
            properties: no_props(),
            filters: vec![s("a/+"), s("b")],
        }),
    }
}

fn v5_unsuback() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xB0, // UNSUBACK, flags 0
            0x05, // remaining length 5
            0x00, 0x0B, // packet id 11
            0x00, // property length 0
            0x00, // success
            0x11, // no subscription existed
        ],
        packet: Packet::UnsubAck(UnsubAck {
            packet_id: 11,
            properties: no_props(),
            codes: vec![ReasonCode::SUCCESS, ReasonCode::NO_SUBSCRIPTION_EXISTED],
        }),
    }
}

fn v5_pingreq() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xC0, // PINGREQ, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::PingReq,
    }
}

fn v5_pingresp() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xD0, // PINGRESP, flags 0
            0x00, // remaining length 0
        ],
        packet: Packet::PingResp,
    }
}

fn v5_disconnect() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xE0, // DISCONNECT, flags 0
            0x00, // remaining length 0: normal disconnection, no properties
        ],
        packet: Packet::Disconnect(Disconnect::default()),
    }
}

fn v5_disconnect_with_will() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xE0, // DISCONNECT, flags 0
            0x01, // remaining length 1: reason code, no properties
            0x04, // reason code: disconnect with will message
        ],
        packet: Packet::Disconnect(Disconnect {
            reason: ReasonCode::DISCONNECT_WITH_WILL_MESSAGE,
            properties: no_props(),
        }),
    }
}

fn v5_disconnect_reason_string() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xE0, // DISCONNECT, flags 0
            0x15, // remaining length 21
            0x8B, // reason code: server shutting down
            0x13, // property length 19
            0x11, 0x00, 0x00, 0x00, 0x00, // session expiry interval 0
            0x1C, 0x00, 0x05, b'o', b't', b'h', b'e', b'r', // server reference "other"
            0x1F, 0x00, 0x03, b'b', b'y', b'e', // reason string "bye"
        ],
        packet: Packet::Disconnect(Disconnect {
            reason: ReasonCode::SERVER_SHUTTING_DOWN,
            properties: Properties {
                session_expiry_interval: Some(0),
                server_reference: Some(s("other")),
                reason_string: Some(s("bye")),
                ..no_props()
            },
        }),
    }
}

fn v5_auth() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xF0, // AUTH, flags 0
            0x00, // remaining length 0: success, no properties
        ],
        packet: Packet::Auth(Auth::default()),
    }
}

fn v5_auth_continue() -> Vector {
    Vector {
        version: V5,
        bytes: vec![
            0xF0, // AUTH, flags 0
            0x0F, // remaining length 15
            0x18, // reason code: continue authentication
            0x0D, // property length 13
            0x15, 0x00, 0x05, b'S', b'C', b'R', b'A', b'M', // authentication method "SCRAM"
            0x16, 0x00, 0x02, 0xDE, 0xAD, // authentication data [0xDE, 0xAD]
        ],
        packet: Packet::Auth(Auth {
            reason: ReasonCode::CONTINUE_AUTHENTICATION,
            properties: Properties {
                authentication_method: Some(s("SCRAM")),
                authentication_data: Some(b(&[0xDE, 0xAD])),
                ..no_props()
            },
        }),
    }
}

/// One `#[test]` per vector, and `ALL` for the tests that run over every vector.
macro_rules! vectors {
    ($($name:ident),* $(,)?) => {
        const ALL: &[(&str, fn() -> Vector)] = &[$((stringify!($name), $name)),*];
        mod vector {
            $(#[test] fn $name() { super::check(stringify!($name), &super::$name()); })*
        }
    };
}

vectors! {
    v3_1_connect, v3_1_connack, v3_1_publish_qos0, v3_1_publish_qos1, v3_1_puback, v3_1_pubrec,
    v3_1_pubrel, v3_1_pubcomp, v3_1_subscribe, v3_1_suback, v3_1_unsubscribe, v3_1_unsuback,
    v3_1_pingreq, v3_1_pingresp, v3_1_disconnect,
    v3_1_1_connect, v3_1_1_connect_will, v3_1_1_connack, v3_1_1_connack_refused, v3_1_1_publish_qos0,
    v3_1_1_publish_qos2, v3_1_1_publish_long, v3_1_1_puback, v3_1_1_pubrec, v3_1_1_pubrel,
    v3_1_1_pubcomp, v3_1_1_subscribe, v3_1_1_suback, v3_1_1_unsubscribe, v3_1_1_unsuback,
    v3_1_1_pingreq, v3_1_1_pingresp, v3_1_1_disconnect,
    v5_connect, v5_connect_will_properties, v5_connack_properties, v5_connack_refused, v5_publish_qos0,
    v5_publish_properties, v5_publish_topic_alias, v5_puback, v5_puback_reason, v5_pubrec, v5_pubrel,
    v5_pubrel_success, v5_pubcomp, v5_subscribe, v5_suback, v5_unsubscribe, v5_unsuback, v5_pingreq,
    v5_pingresp, v5_disconnect, v5_disconnect_with_will, v5_disconnect_reason_string, v5_auth,
    v5_auth_continue,
}

#[test]
fn every_packet_type_has_a_vector_in_every_version() {
    use scratch_mqtt_core::codec::PacketType;
    for version in [V3_1, V3_1_1, V5] {
        for type_number in 1..=15u8 {
            let packet_type = PacketType::from_u8(type_number).unwrap();
            if packet_type == PacketType::Auth && version != V5 {
                continue;
            }
            let covered = ALL.iter().any(|(_, vector)| {
                let vector = vector();
                vector.version == version && vector.packet.packet_type() == packet_type
            });
            assert!(covered, "no vector for {packet_type:?} in {version:?}");
        }
    }
}

#[test]
fn packets_back_to_back_decode_one_after_another() {
    for version in [V3_1, V3_1_1, V5] {
        let vectors: Vec<Vector> = ALL
            .iter()
            .map(|(_, f)| f())
            .filter(|v| v.version == version)
            .collect();
        let stream: Vec<u8> = vectors.iter().flat_map(|v| v.bytes.iter().copied()).collect();
        let opts = DecodeOptions::new(version);
        let mut rest = &stream[..];
        for vector in &vectors {
            match decode(rest, &opts) {
                Ok(Status::Complete(packet, consumed)) => {
                    assert_eq!(packet, vector.packet);
                    assert_eq!(consumed, vector.bytes.len());
                    rest = &rest[consumed..];
                }
                other => panic!("{version:?}: expected {:?}, got {other:?}", vector.packet),
            }
        }
        assert!(rest.is_empty());
        assert_eq!(decode(rest, &opts), Ok(Status::Incomplete));
    }
}

#[test]
fn two_packets_concatenated() {
    let first = v5_publish_properties();
    let second = v5_puback();
    let mut bytes = first.bytes.clone();
    bytes.extend(&second.bytes);
    let opts = DecodeOptions::new(V5);
    assert_eq!(decode(&bytes, &opts), Ok(Status::Complete(first.packet, 52)));
    assert_eq!(
        decode(&bytes[52..], &opts),
        Ok(Status::Complete(second.packet, 4))
    );
    // The second packet's prefixes after a complete first one are still incomplete on their own.
    assert_eq!(decode(&bytes[52..53], &opts), Ok(Status::Incomplete));
}
