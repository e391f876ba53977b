//! Keepalive with exact virtual times: PINGREQ after a silent period, the PINGRESP deadline,
//! keepalive off, and the v5 Server Keep Alive.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use scratch_mqtt_core::client::{Event, LostReason, Options, OutgoingMessage, SessionState};
use scratch_mqtt_core::codec::{PacketType, Properties, ProtocolVersion, QoS};
use support::*;

fn ping_times(pair: &Pair) -> Vec<u64> {
    pair.broker
        .received
        .iter()
        .filter(|(_, p)| p.packet_type() == PacketType::PingReq)
        .map(|(time, _)| *time)
        .collect()
}

fn keepalive(version: ProtocolVersion, secs: u16) -> Options {
    Options {
        keep_alive_secs: secs,
        ping_timeout_ms: Some(3_000),
        ..options(version)
    }
}

#[test]
fn pingreq_goes_out_when_nothing_was_sent_for_the_period() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(keepalive(version, 10));
        assert_eq!(
            pair.client.poll_timeout(),
            Some(10_000),
            "counted from CONNECT at 0"
        );
        pair.advance_to(25_000);
        // Sending anything pushes the next ping back.
        pair.publish(OutgoingMessage::new("a", vec![], QoS::AtMostOnce));
        pair.advance_to(40_000);
        assert_eq!(ping_times(&pair), vec![10_000, 20_000, 35_000], "{version:?}");
        assert!(pair.is_connected());
    }
}

#[test]
fn incoming_traffic_does_not_replace_our_pings() {
    let mut pair = Pair::connected(keepalive(ProtocolVersion::V3_1_1, 10));
    pair.advance_to(5_000);
    pair.broker.publish("t", b"x", QoS::AtMostOnce, 0);
    pair.drive();
    pair.advance_to(10_000);
    assert_eq!(ping_times(&pair), vec![10_000]);
}

#[test]
fn no_pingresp_means_the_connection_is_lost_at_the_deadline() {
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(keepalive(version, 10));
        pair.broker.auto_pingresp = false;
        pair.advance_to(10_000);
        assert_eq!(ping_times(&pair), vec![10_000]);
        assert_eq!(pair.client.poll_timeout(), Some(13_000));
        pair.advance_to(12_999);
        assert!(pair.is_connected());
        pair.advance_to(13_000);
        let at_deadline: Vec<Event> = pair
            .events
            .iter()
            .filter(|(time, _)| *time == 13_000)
            .map(|(_, e)| e.clone())
            .collect();
        assert_eq!(at_deadline[0], Event::CloseTransport);
        assert_eq!(
            at_deadline[1],
            Event::ConnectionLost(LostReason::KeepAliveTimeout)
        );
        assert!(matches!(
            at_deadline[2],
            Event::ReconnectScheduled { attempt: 1, .. }
        ));
        assert_eq!(pair.client.state(), SessionState::WaitingToReconnect);
        // No second PINGREQ was sent while the first was unanswered.
        assert_eq!(ping_times(&pair), vec![10_000]);
    }
}

#[test]
fn a_pingresp_clears_the_deadline() {
    let mut pair = Pair::connected(keepalive(ProtocolVersion::V5, 10));
    pair.broker.auto_pingresp = false;
    pair.advance_to(11_000);
    pair.broker.send(&scratch_mqtt_core::codec::Packet::PingResp);
    pair.drive();
    assert_eq!(pair.client.poll_timeout(), Some(20_000));
    pair.advance_to(13_000);
    assert!(pair.is_connected());
}

#[test]
fn keepalive_zero_sends_no_pings() {
    let mut pair = Pair::connected(keepalive(ProtocolVersion::V3_1_1, 0));
    assert_eq!(pair.client.poll_timeout(), None);
    pair.advance_to(3_600_000);
    assert!(ping_times(&pair).is_empty());
    assert!(pair.is_connected());
}

#[test]
fn v5_server_keep_alive_replaces_ours() {
    for (server, expected_pings) in [
        (Some(5u16), vec![5_000, 10_000]),
        (Some(0), vec![]),
        (None, vec![]),
    ] {
        let mut pair = Pair::new(keepalive(ProtocolVersion::V5, 60));
        pair.broker.default_connack = ConnAckPlan::with_properties(Properties {
            server_keep_alive: server,
            ..Properties::default()
        });
        pair.connect();
        let keep_alive = pair.events.iter().find_map(|(_, e)| match e {
            Event::Connected(c) => Some(c.keep_alive_secs),
            _ => None,
        });
        assert_eq!(keep_alive, Some(server.unwrap_or(60)));
        pair.advance_to(10_000);
        assert_eq!(ping_times(&pair), expected_pings, "server keep alive {server:?}");
    }
}

#[test]
fn server_keep_alive_is_ignored_before_v5() {
    // A 3.1.1 CONNACK cannot carry it; our encoder drops properties, so this checks our side:
    // the 60 s keepalive stays.
    let mut pair = Pair::new(keepalive(ProtocolVersion::V3_1_1, 60));
    pair.broker.default_connack = ConnAckPlan::with_properties(Properties {
        server_keep_alive: Some(5),
        ..Properties::default()
    });
    pair.connect();
    pair.advance_to(59_999);
    assert!(ping_times(&pair).is_empty());
    pair.advance_to(60_000);
    assert_eq!(ping_times(&pair), vec![60_000]);
}

#[test]
fn bytes_arriving_while_a_ping_is_unanswered_keep_the_connection_alive() {
    use scratch_mqtt_core::codec::{EncodeOptions, encode};
    for version in ALL_VERSIONS {
        let mut pair = Pair::connected(keepalive(version, 10));
        pair.subscribe("big", QoS::AtMostOnce);
        pair.broker.auto_pingresp = false;
        pair.advance_to(10_000);
        assert_eq!(ping_times(&pair), vec![10_000]);
        // A large message ahead of the PINGRESP trickles in over a slow link.
        let mut bytes = Vec::new();
        encode(
            &publish_packet("big", &[7u8; 100_000], QoS::AtMostOnce, 0),
            &EncodeOptions::new(version),
            &mut bytes,
        )
        .unwrap();
        let (first, second) = bytes.split_at(50_000);
        pair.advance_to(12_000);
        pair.client.handle_bytes(pair.now, first);
        pair.drive();
        pair.advance_to(14_500);
        pair.client.handle_bytes(pair.now, second);
        pair.drive();
        pair.advance_to(17_499);
        assert!(pair.is_connected(), "{version:?}");
        assert_eq!(pair.messages().len(), 1);
        // Silence for the whole ping timeout after the last bytes: lost.
        pair.advance_to(17_500);
        assert!(
            pair.events
                .contains(&(17_500, Event::ConnectionLost(LostReason::KeepAliveTimeout))),
            "{version:?}"
        );
        assert_eq!(
            ping_times(&pair),
            vec![10_000],
            "no second PINGREQ while one is unanswered"
        );
    }
}

#[test]
fn by_default_a_dead_link_is_noticed_within_one_and_a_half_keepalives() {
    // (keepalive s, lost at ms): PINGREQ after one silent period, then half a period for PINGRESP.
    for (secs, lost_at) in [(5, 7_500), (60, 90_000), (1, 1_500)] {
        let mut pair = Pair::connected(Options {
            keep_alive_secs: secs,
            ..options(ProtocolVersion::V3_1_1)
        });
        pair.broker.auto_pingresp = false;
        pair.advance_to(lost_at - 1);
        assert!(pair.is_connected(), "{secs} s");
        pair.advance_to(lost_at);
        assert!(
            pair.events.iter().any(
                |(time, e)| *time == lost_at && *e == Event::ConnectionLost(LostReason::KeepAliveTimeout)
            ),
            "{secs} s: {:?}",
            pair.events
        );
    }
}
