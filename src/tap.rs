//! `packetsend` and `packetreceive` for pages that listen to them: each packet as MQTT.js shapes
//! it, read back with the codec from the bytes the driver sends and receives. The tap exists only
//! while someone listens, so a client without such listeners pays nothing for it.

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::JsValue;

use crate::to_js::set;
use scratch_mqtt_core::codec::{DecodeOptions, Packet, ProtocolVersion, Status, decode, varint_len};

pub(crate) struct PacketTap {
    version: ProtocolVersion,
    /// Received bytes that do not make a whole packet yet.
    pending: Vec<u8>,
}

impl PacketTap {
    pub(crate) fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            pending: Vec::new(),
        }
    }

    /// The packets in `bytes` that were sent (one transmit may hold several whole packets).
    pub(crate) fn sent(&self, bytes: &[u8]) -> Vec<Object> {
        packets(bytes, self.version).0
    }

    /// The packets completed by `bytes`, a received frame (a frame may hold part of a packet).
    pub(crate) fn received(&mut self, bytes: &[u8]) -> Vec<Object> {
        self.pending.extend_from_slice(bytes);
        let (objects, used) = packets(&self.pending, self.version);
        self.pending.drain(..used);
        objects
    }

    /// Forgets a partial packet: the connection it came on is gone.
    pub(crate) fn reset(&mut self) {
        self.pending.clear();
    }
}

/// The whole packets at the start of `bytes`, and how many bytes they took. What does not decode
/// is left to the session, which reports it; the tap only stops reading.
fn packets(bytes: &[u8], version: ProtocolVersion) -> (Vec<Object>, usize) {
    let options = DecodeOptions::new(version);
    let mut objects = Vec::new();
    let mut used = 0;
    while let Some(Ok(Status::Complete(packet, size))) = bytes.get(used..).map(|rest| decode(rest, &options))
    {
        objects.push(packet_object(&packet, size));
        used += size;
    }
    (objects, used)
}

/// MQTT.js's packet object: `cmd` and the fields an application reads (never a password).
fn packet_object(packet: &Packet<'_>, size: usize) -> Object {
    let object = Object::new();
    set(&object, "cmd", command(packet));
    set(&object, "length", remaining_length(size) as f64);
    let message_id = |object: &Object, id: u16| {
        if id != 0 {
            set(object, "messageId", id);
        }
    };
    match packet {
        Packet::Connect(connect) => {
            set(&object, "protocolVersion", connect.protocol.level());
            set(&object, "clientId", connect.client_id.as_ref());
            set(&object, "clean", connect.clean_start);
            set(&object, "keepalive", connect.keep_alive);
            if let Some(username) = &connect.username {
                set(&object, "username", username.as_ref());
            }
        }
        Packet::ConnAck(connack) => {
            set(&object, "sessionPresent", connack.session_present);
            set(&object, "returnCode", connack.code.0);
            set(&object, "reasonCode", connack.code.0);
        }
        Packet::Publish(publish) => {
            set(&object, "topic", publish.topic.as_ref());
            set(&object, "payload", Uint8Array::from(publish.payload.as_ref()));
            set(&object, "qos", publish.qos as u8);
            set(&object, "retain", publish.retain);
            set(&object, "dup", publish.dup);
            message_id(&object, publish.packet_id);
        }
        Packet::PubAck(ack) | Packet::PubRec(ack) | Packet::PubRel(ack) | Packet::PubComp(ack) => {
            message_id(&object, ack.packet_id);
            set(&object, "reasonCode", ack.reason.0);
        }
        Packet::Subscribe(subscribe) => {
            message_id(&object, subscribe.packet_id);
            let list: Array = subscribe
                .subscriptions
                .iter()
                .map(|s| {
                    let entry = Object::new();
                    set(&entry, "topic", s.filter.as_ref());
                    set(&entry, "qos", s.options.qos as u8);
                    JsValue::from(entry)
                })
                .collect();
            set(&object, "subscriptions", list);
        }
        Packet::SubAck(suback) => {
            message_id(&object, suback.packet_id);
            let granted: Array = suback.codes.iter().map(|c| JsValue::from(c.0)).collect();
            set(&object, "granted", granted);
        }
        Packet::Unsubscribe(unsubscribe) => {
            message_id(&object, unsubscribe.packet_id);
            let filters: Array = unsubscribe.filters.iter().map(|f| JsValue::from_str(f)).collect();
            set(&object, "unsubscriptions", filters);
        }
        Packet::UnsubAck(unsuback) => message_id(&object, unsuback.packet_id),
        Packet::Disconnect(disconnect) => set(&object, "reasonCode", disconnect.reason.0),
        Packet::Auth(auth) => set(&object, "reasonCode", auth.reason.0),
        Packet::PingReq | Packet::PingResp => {}
    }
    object
}

/// The fixed header's Remaining Length (what MQTT.js calls `length`) of a packet of `size` bytes:
/// the size less the type byte and the 1–4 bytes that encode the length itself.
fn remaining_length(size: usize) -> usize {
    (1..=4)
        .map(|k| size.saturating_sub(1 + k))
        .find(|&r| varint_len(r) == size.saturating_sub(1 + r))
        .unwrap_or(0)
}

/// MQTT.js's names for the packet types.
fn command(packet: &Packet<'_>) -> &'static str {
    match packet {
        Packet::Connect(_) => "connect",
        Packet::ConnAck(_) => "connack",
        Packet::Publish(_) => "publish",
        Packet::PubAck(_) => "puback",
        Packet::PubRec(_) => "pubrec",
        Packet::PubRel(_) => "pubrel",
        Packet::PubComp(_) => "pubcomp",
        Packet::Subscribe(_) => "subscribe",
        Packet::SubAck(_) => "suback",
        Packet::Unsubscribe(_) => "unsubscribe",
        Packet::UnsubAck(_) => "unsuback",
        Packet::PingReq => "pingreq",
        Packet::PingResp => "pingresp",
        Packet::Disconnect(_) => "disconnect",
        Packet::Auth(_) => "auth",
    }
}

#[cfg(test)]
mod tests {
    use js_sys::Reflect;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn field(object: &Object, name: &str) -> JsValue {
        Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
    }

    const PINGRESP: [u8; 2] = [0xd0, 0x00];
    /// PUBLISH QoS 1 to "a/b", packet id 7, payload "hi".
    const PUBLISH: [u8; 11] = [0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x07, b'h', b'i'];

    #[wasm_bindgen_test]
    fn a_packet_split_across_frames_is_reported_once_it_is_whole() {
        let mut tap = PacketTap::new(ProtocolVersion::V3_1_1);
        let (head, tail) = PUBLISH.split_at(4);
        assert!(tap.received(head).is_empty());
        let mut frame = tail.to_vec();
        frame.extend_from_slice(&PINGRESP);
        let packets = tap.received(&frame);
        assert_eq!(packets.len(), 2);
        assert_eq!(field(&packets[0], "cmd"), "publish");
        assert_eq!(field(&packets[0], "topic"), "a/b");
        assert_eq!(field(&packets[0], "messageId"), 7);
        assert_eq!(field(&packets[0], "length"), 9);
        assert_eq!(field(&packets[1], "cmd"), "pingresp");
    }

    #[wasm_bindgen_test]
    fn one_transmit_may_hold_several_packets_and_a_reset_forgets_a_partial_one() {
        let mut both = PUBLISH.to_vec();
        both.extend_from_slice(&PINGRESP);
        let tap = PacketTap::new(ProtocolVersion::V3_1_1);
        let commands: Vec<JsValue> = tap.sent(&both).iter().map(|p| field(p, "cmd")).collect();
        assert_eq!(
            commands,
            vec![JsValue::from("publish"), JsValue::from("pingresp")]
        );

        let mut tap = PacketTap::new(ProtocolVersion::V3_1_1);
        assert!(tap.received(&PUBLISH[..5]).is_empty());
        tap.reset();
        assert_eq!(tap.received(&PINGRESP).len(), 1, "the stale half packet is gone");
    }

    #[wasm_bindgen_test]
    fn remaining_length_is_the_size_less_the_fixed_header() {
        for (size, remaining) in [(2, 0), (129, 127), (131, 128), (16_386, 16_383), (16_388, 16_384)] {
            assert_eq!(remaining_length(size), remaining, "size {size}");
        }
    }
}
