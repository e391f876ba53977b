//! How the cost of flushing queued QoS 1 publishes grows with their number: N publishes are made
//! while the client waits for CONNACK, then a broker that acknowledges every PUBLISH as it
//! arrives takes them all, 20 unacknowledged at a time: in 3.1.1 by the client's default
//! in-flight cap, in 5.0 by the Receive Maximum of 20 the broker announces (mosquitto's
//! default). Linear bookkeeping keeps the time per message flat as
//! N grows; a scan of the waiting queue per acknowledgement makes it grow with N.
//!
//! `cargo run --release --example flush_cost [N ...]` (default 2500 5000 10000 20000); the
//! figures go in RELIABILITY.md. A measurement, not a test: it asserts only that every publish
//! completed.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::expect_used,
    reason = "a measuring tool on the host: it reads the clock and stops on what cannot happen"
)]

use std::time::Instant;

use scratch_mqtt_core::client::{Client, Event, Options, OutgoingMessage};
use scratch_mqtt_core::codec::{
    Ack, ConnAck, DecodeOptions, EncodeOptions, Packet, Properties, ProtocolVersion, QoS, ReasonCode, Status,
    decode, encode,
};

fn main() {
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() {
        vec![2_500, 5_000, 10_000, 20_000]
    } else {
        counts
    };
    println!("version | queued QoS 1 publishes | flush time | per message");
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for &count in &counts {
            let elapsed = flush(version, count);
            println!(
                "{:>7} | {count:>22} | {:>7.1} ms | {:>8.0} ns",
                if version.is_v5() { "5.0" } else { "3.1.1" },
                elapsed.as_secs_f64() * 1e3,
                elapsed.as_secs_f64() * 1e9 / count as f64
            );
        }
    }
}

fn flush(version: ProtocolVersion, count: usize) -> std::time::Duration {
    let options = Options {
        version,
        client_id: "flush".into(),
        clean_start: false,
        offline_queue_capacity: count,
        ..Options::default()
    };
    let mut client = Client::new(options, || 7).expect("valid options");
    client.connect(0);
    client.transport_opened(0);
    for n in 0..count {
        let message = OutgoingMessage::new("flush/n", (n as u32).to_be_bytes().to_vec(), QoS::AtLeastOnce);
        client
            .publish(0, message)
            .expect("queued while waiting for CONNACK");
    }
    let _connect = client.poll_transmit();
    let mut to_client = Vec::new();
    let connack = Packet::ConnAck(ConnAck {
        session_present: false,
        code: ReasonCode::SUCCESS,
        properties: Properties {
            receive_maximum: version.is_v5().then_some(20),
            ..Properties::default()
        },
    });
    encode(&connack, &EncodeOptions::new(version), &mut to_client).expect("encodes");

    let started = Instant::now();
    let mut completed = 0;
    while !to_client.is_empty() {
        client.handle_bytes(0, &std::mem::take(&mut to_client));
        if let Some(bytes) = client.poll_transmit() {
            acknowledge(&bytes, version, &mut to_client);
        }
        while let Some(event) = client.poll_event() {
            if let Event::Completed { result, .. } = event {
                result.expect("published");
                completed += 1;
            }
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(completed, count, "every publish completed");
    elapsed
}

/// A PUBACK for every PUBLISH in `bytes`.
fn acknowledge(mut bytes: &[u8], version: ProtocolVersion, out: &mut Vec<u8>) {
    let options = DecodeOptions {
        version,
        max_packet_size: usize::MAX,
    };
    while let Ok(Status::Complete(packet, used)) = decode(bytes, &options) {
        if let Packet::Publish(publish) = packet {
            let ack = Packet::PubAck(Ack {
                packet_id: publish.packet_id,
                reason: ReasonCode::SUCCESS,
                properties: Properties::default(),
            });
            encode(&ack, &EncodeOptions::new(version), out).expect("encodes");
        }
        bytes = bytes.get(used..).unwrap_or_default();
    }
}
