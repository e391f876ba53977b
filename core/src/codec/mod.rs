//! The MQTT wire format for 3.1, 3.1.1 and 5.0: packets as data, an incremental decoder and an
//! encoder. No I/O, no clock, no allocation beyond the packet's own vectors.
//!
//! ```
//! use scratch_mqtt_core::codec::{decode, encode, DecodeOptions, EncodeOptions, Packet, ProtocolVersion, Status};
//!
//! let bytes = [0xD0, 0x00]; // PINGRESP
//! let opts = DecodeOptions::new(ProtocolVersion::V3_1_1);
//! assert_eq!(decode(&bytes[..1], &opts), Ok(Status::Incomplete));
//! assert_eq!(decode(&bytes, &opts), Ok(Status::Complete(Packet::PingResp, 2)));
//!
//! let mut out = Vec::new();
//! assert_eq!(encode(&Packet::PingReq, &EncodeOptions::new(ProtocolVersion::V5), &mut out), Ok(2));
//! assert_eq!(out, [0xC0, 0x00]);
//! ```
//!
//! Layout: `decode`/`encode` hold the entry points and the fixed header; one module per packet
//! family (`connect`, `publish`, `ack`, `subscribe`, `disconnect`) reads and writes bodies;
//! `properties` owns the MQTT 5 property table (kinds, ranges, which packet may carry what);
//! `read`, `write` and `varint` are the primitives. Encoding validates while it sizes, so it
//! writes once, straight into the caller's buffer, and never writes what the decoder rejects.

mod ack;
mod connect;
mod decode;
mod disconnect;
mod encode;
mod error;
mod owned;
mod packet;
mod properties;
mod publish;
mod read;
mod reason;
mod subscribe;
pub(crate) mod varint;
mod write;

pub use decode::decode;
pub use encode::{encode, encoded_len};
pub use error::{DecodeError, EncodeError};
pub use packet::{
    Ack, Auth, ConnAck, Connect, Disconnect, Packet, PacketType, ProtocolVersion, Publish, QoS,
    RetainHandling, SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
pub use properties::{Properties, id as property_id};
pub use reason::{ConnectReturnCode, ReasonCode};
/// How many bytes a remaining length (a variable byte integer) takes on the wire.
pub use varint::len as varint_len;

/// The largest remaining length a four-byte variable byte integer can hold.
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

/// The outcome of a decode that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<T> {
    /// A whole packet, and how many bytes of the input it took.
    Complete(T, usize),
    /// The input holds only the start of a packet: call again with more bytes.
    Incomplete,
}

/// How to read incoming bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The version negotiated on this connection. CONNECT is read by its own level byte instead.
    pub version: ProtocolVersion,
    /// Packets whose total size (fixed header included) is larger are rejected with
    /// `DecodeError::PacketTooLarge` as soon as the fixed header is read.
    pub max_packet_size: usize,
}

impl DecodeOptions {
    /// Options for `version` with the largest packet size the protocol allows.
    pub fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            max_packet_size: MAX_REMAINING_LENGTH + 5,
        }
    }
}

/// How to write outgoing packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// The version negotiated on this connection (CONNECT is written for its own `protocol`).
    pub version: ProtocolVersion,
    /// The peer's maximum packet size: larger packets fail with `EncodeError::PacketTooLarge`.
    pub max_packet_size: usize,
}

impl EncodeOptions {
    /// Options for `version` with the largest packet size the protocol allows.
    pub fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            max_packet_size: MAX_REMAINING_LENGTH + 5,
        }
    }
}
