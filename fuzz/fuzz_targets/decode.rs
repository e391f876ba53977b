//! Arbitrary bytes through the decoder, for every protocol version, with the largest and with a
//! small maximum packet size. Beyond "never panics" it checks the decoder's contract:
//!
//! - a complete packet takes between 2 and `max_packet_size` bytes of the input;
//! - feeding the same bytes in arbitrary chunks, as a socket would, yields the same packets and
//!   the same error as decoding them all at once ("need more bytes" is a status, never an error,
//!   and a prefix of a packet never decodes to something else);
//! - a decoded packet that the encoder accepts encodes to bytes that decode to the same packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scratch_mqtt_core::codec::{
    DecodeError, DecodeOptions, EncodeOptions, Packet, ProtocolVersion, Status, decode, encode,
};

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the small packet-size limit and seeds the chunk sizes; the decoder
    // sees all of `data`.
    let seed = data.first().copied().unwrap_or(0);
    for version in VERSIONS {
        for max_packet_size in [
            DecodeOptions::new(version).max_packet_size,
            2 + usize::from(seed % 64),
        ] {
            let opts = DecodeOptions {
                version,
                max_packet_size,
            };
            let whole = decode_all(data, &opts);
            decode_in_chunks(data, &opts, seed, &whole);
            for packet in &whole.packets {
                round_trip(packet, version);
            }
        }
    }
});

/// What a byte stream decodes to: its packets, then how it ends.
#[derive(Debug, PartialEq, Eq)]
struct Decoded<'a> {
    packets: Vec<Packet<'a>>,
    /// `None` when the stream ends cleanly or in the middle of a packet.
    error: Option<DecodeError>,
}

/// Decodes packet after packet from one buffer holding the whole stream.
fn decode_all<'a>(mut input: &'a [u8], opts: &DecodeOptions) -> Decoded<'a> {
    let mut packets = Vec::new();
    loop {
        match decode(input, opts) {
            Ok(Status::Complete(packet, used)) => {
                assert!(
                    (2..=opts.max_packet_size).contains(&used),
                    "a packet took {used} bytes"
                );
                assert!(
                    used <= input.len(),
                    "a packet took {used} of {} bytes",
                    input.len()
                );
                packets.push(packet);
                input = &input[used..];
            }
            Ok(Status::Incomplete) => return Decoded { packets, error: None },
            Err(error) => {
                return Decoded {
                    packets,
                    error: Some(error),
                };
            }
        }
    }
}

/// Decodes the same stream arriving in chunks whose sizes come from `seed`, keeping the unread
/// bytes in a buffer between chunks as a connection would, and checks that it yields what
/// decoding it whole did.
fn decode_in_chunks(data: &[u8], opts: &DecodeOptions, seed: u8, whole: &Decoded<'_>) {
    let mut expected = whole.packets.iter();
    let mut buffer = Vec::new();
    let mut rest = data;
    let mut state = u32::from(seed) | 1;
    while !rest.is_empty() {
        // xorshift: chunk sizes of 1 to 16 bytes.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let take = (1 + state as usize % 16).min(rest.len());
        buffer.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        loop {
            match decode(&buffer, opts) {
                Ok(Status::Complete(packet, used)) => {
                    assert_eq!(Some(&packet), expected.next(), "chunked decoding differs");
                    buffer.drain(..used);
                }
                Ok(Status::Incomplete) => break,
                Err(error) => {
                    assert_eq!(
                        expected.next(),
                        None,
                        "chunked decoding failed early with {error:?}"
                    );
                    assert_eq!(Some(error), whole.error, "chunked decoding failed differently");
                    return;
                }
            }
        }
    }
    assert_eq!(expected.next(), None, "chunked decoding found fewer packets");
    assert_eq!(whole.error, None, "chunked decoding missed {:?}", whole.error);
}

/// A decoded packet that encodes must decode back to itself.
fn round_trip(packet: &Packet<'_>, version: ProtocolVersion) {
    let mut bytes = Vec::new();
    if encode(packet, &EncodeOptions::new(version), &mut bytes).is_err() {
        return;
    }
    match decode(&bytes, &DecodeOptions::new(version)) {
        Ok(Status::Complete(again, used)) => {
            assert_eq!(used, bytes.len(), "re-encoded {packet:?} as {bytes:02x?}");
            assert_eq!(&again, packet, "re-encoded as {bytes:02x?}");
        }
        other => panic!("{packet:?} re-encoded as {bytes:02x?} decodes to {other:?}"),
    }
}
