//! Received messages cross to JavaScript in batches: every message decoded from one socket frame
//! goes over in one call, as records in one byte buffer, instead of a JS object built field by
//! field from Rust per message (which profiling showed to be half the receive time).
//!
//! The writer (Rust, `MessageBatch`) and the reader (the inline JS `deliverMessages`) are kept
//! side by side here because they share the record layout:
//!
//! ```text
//! u8 flags   bits 0-1 QoS, 2 retain, 3 dup, 4 topic follows, 5 has properties (next extra)
//! u8 slot    topic cache slot
//! [u32 LE topic length, topic bytes]   only when flag 4 is set
//! u32 LE payload length, payload bytes
//! ```
//!
//! A topic is sent once per slot of a small direct-mapped cache and kept as a JS string on the
//! other side, so a stream on a few topics decodes no topic text per message. JS copies the
//! buffer once, into a slice of a pooled ArrayBuffer; each payload is a view into that copy.
//! Only socket frames produce messages, and they never arrive while a listener runs, so the two
//! sides of the cache cannot drift apart.

use std::cell::RefCell;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::client::Message;

use crate::to_js;

#[wasm_bindgen(module = "/js/shell/batch.js")]
extern "C" {
    /// Calls `dispatch('message', topic, payload, packet)` for each record, in order.
    #[wasm_bindgen(js_name = deliverMessages, catch)]
    fn deliver_messages(
        address: usize,
        length: usize,
        extras: &JsValue,
        topics: &Array,
        dispatch: &Function,
    ) -> Result<(), JsValue>;

    /// Tells `deliverMessages` where wasm memory is (it reads batches from there by address:
    /// passing a slice would make a view of memory per call).
    #[wasm_bindgen(js_name = useMemory)]
    fn use_memory(memory: &JsValue);
}

thread_local! {
    static MEMORY_SHARED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

const TOPIC_FOLLOWS: u8 = 16;
const HAS_PROPERTIES: u8 = 32;
const SLOTS: usize = 256;

/// The topics of received messages, cached on both sides of the boundary: a topic crosses once
/// per slot, then records name only the slot. `slots` is which topic each slot holds; `strings`
/// is the JS array holding the same topics as JS strings (filled in by `deliverMessages`).
pub(crate) struct TopicCache {
    slots: RefCell<Vec<Option<String>>>,
    strings: Array,
}

impl TopicCache {
    pub(crate) fn new() -> Self {
        Self {
            slots: RefCell::new(vec![None; SLOTS]),
            strings: Array::new(),
        }
    }

    /// The slot for `topic`, and whether JS must be told the topic (it was not cached there).
    fn slot(&self, topic: &str) -> (u8, bool) {
        // FNV-1a: cheap, and spreads short topic names that differ in one character.
        let hash = topic.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        let slot = (hash ^ (hash >> 8) ^ (hash >> 16) ^ (hash >> 24)) as u8;
        let Ok(mut slots) = self.slots.try_borrow_mut() else {
            return (slot, true);
        };
        match slots.get_mut(usize::from(slot)) {
            Some(Some(cached)) if cached == topic => (slot, false),
            Some(entry) => {
                *entry = Some(topic.to_owned());
                (slot, true)
            }
            None => (slot, true), // unreachable: there are 256 slots
        }
    }
}

/// The messages of one turn, in order, ready to cross in one call.
#[derive(Default)]
pub(crate) struct MessageBatch {
    records: Vec<u8>,
    /// v5 properties objects, for the records flagged HAS_PROPERTIES, in order.
    extras: Option<Array>,
}

impl MessageBatch {
    /// Adds `message` (its v5 properties, when it has any, as a properties object).
    pub(crate) fn push(&mut self, message: &Message, topics: &TopicCache) {
        let (slot, topic_follows) = topics.slot(&message.topic);
        let mut flags = message.qos as u8 | u8::from(message.retain) << 2 | u8::from(message.dup) << 3;
        if topic_follows {
            flags |= TOPIC_FOLLOWS;
        }
        if let Some(properties) = to_js::properties(&message.properties) {
            flags |= HAS_PROPERTIES;
            self.extras.get_or_insert_with(Array::new).push(&properties);
        }
        // One allocation for the record, not a few reallocations as it grows.
        let topic_len = if topic_follows { 4 + message.topic.len() } else { 0 };
        self.records.reserve(2 + topic_len + 4 + message.payload.len());
        self.records.extend_from_slice(&[flags, slot]);
        if topic_follows {
            self.put(message.topic.as_bytes());
        }
        self.put(&message.payload);
    }

    fn put(&mut self, bytes: &[u8]) {
        // Lengths fit: a packet's remaining length is at most 268,435,455.
        self.records
            .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        self.records.extend_from_slice(bytes);
    }

    /// Hands every message to `dispatch`. Listener errors are caught by the JS wrapper.
    pub(crate) fn deliver(self, topics: &TopicCache, dispatch: &Function) {
        let extras = self.extras.map_or(JsValue::UNDEFINED, JsValue::from);
        if !MEMORY_SHARED.replace(true) {
            use_memory(&wasm_bindgen::memory());
        }
        // The records stay alive (and unmoved) until the call returns: JS copies them first.
        let records = self.records.as_slice();
        let _ = deliver_messages(
            records.as_ptr() as usize,
            records.len(),
            &extras,
            &topics.strings,
            dispatch,
        );
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use js_sys::Reflect;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use scratch_mqtt_core::codec::{Properties, QoS};

    fn message(topic: &str, payload: &[u8], qos: QoS, retain: bool, dup: bool) -> Message {
        Message {
            topic: topic.into(),
            payload: payload.to_vec(),
            qos,
            retain,
            dup,
            properties: Properties::default(),
        }
    }

    fn get(object: &JsValue, key: &str) -> JsValue {
        Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }

    /// Delivers `batch` and returns what each `message` listener call saw:
    /// (topic, payload bytes, qos, retain, dup, properties.contentType).
    fn deliver(batch: MessageBatch, topics: &TopicCache) -> Vec<(String, Vec<u8>, u8, bool, bool, JsValue)> {
        let calls = Array::new();
        let sink = calls.clone();
        let dispatch = Closure::<dyn FnMut(JsValue, JsValue, JsValue, JsValue)>::new(
            move |name: JsValue, topic: JsValue, payload: JsValue, packet: JsValue| {
                sink.push(&Array::of4(&name, &topic, &payload, &packet));
            },
        );
        batch.deliver(topics, dispatch.as_ref().unchecked_ref());
        calls
            .iter()
            .map(|call| {
                let call: Array = call.unchecked_into();
                assert_eq!(call.get(0).as_string().as_deref(), Some("message"));
                let (topic, payload, packet) = (call.get(1), call.get(2), call.get(3));
                assert_eq!(get(&packet, "topic"), topic, "packet.topic is the topic");
                assert_eq!(get(&packet, "payload"), payload, "packet.payload is the payload");
                let text = Reflect::get(&payload, &"text".into()).unwrap_or(JsValue::UNDEFINED);
                assert!(text.is_function(), "payloads have text()");
                let properties = get(&packet, "properties");
                (
                    topic.as_string().unwrap_or_default(),
                    js_sys::Uint8Array::new(&payload).to_vec(),
                    get(&packet, "qos").as_f64().unwrap_or(-1.0) as u8,
                    get(&packet, "retain").as_bool().unwrap_or_default(),
                    get(&packet, "dup").as_bool().unwrap_or_default(),
                    if properties.is_undefined() {
                        properties
                    } else {
                        get(&properties, "contentType")
                    },
                )
            })
            .collect()
    }

    #[wasm_bindgen_test]
    fn messages_arrive_in_order_with_their_fields() {
        let topics = TopicCache::new();
        let mut batch = MessageBatch::default();
        let big = vec![0xA5; 1024];
        batch.push(
            &message("温度/客厅", "21.5℃".as_bytes(), QoS::AtMostOnce, false, false),
            &topics,
        );
        batch.push(&message("a/b", &[], QoS::AtLeastOnce, true, false), &topics);
        batch.push(&message("a/b", &big, QoS::ExactlyOnce, false, true), &topics);
        let seen = deliver(batch, &topics);
        let expected = [
            ("温度/客厅", "21.5℃".as_bytes(), 0, false, false),
            ("a/b", &[][..], 1, true, false),
            ("a/b", &big[..], 2, false, true),
        ];
        assert_eq!(seen.len(), expected.len());
        for (got, want) in seen.iter().zip(expected) {
            assert_eq!((got.0.as_str(), got.1.as_slice(), got.2, got.3, got.4), want);
            assert!(got.5.is_undefined(), "no properties object without properties");
        }
    }

    #[wasm_bindgen_test]
    fn a_cached_topic_is_sent_once_and_still_delivered_after_batches() {
        let topics = TopicCache::new();
        let mut first = MessageBatch::default();
        first.push(&message("fire/t", b"1", QoS::AtMostOnce, false, false), &topics);
        let with_topic = first.records.len();
        first.push(&message("fire/t", b"2", QoS::AtMostOnce, false, false), &topics);
        assert_eq!(
            first.records.len() - with_topic,
            with_topic - 4 - "fire/t".len(),
            "no topic bytes the 2nd time"
        );
        assert_eq!(deliver(first, &topics).len(), 2);
        // A later batch (a later socket frame) still knows the topic.
        let mut later = MessageBatch::default();
        later.push(&message("fire/t", b"3", QoS::AtMostOnce, false, false), &topics);
        let seen = deliver(later, &topics);
        assert_eq!((seen[0].0.as_str(), seen[0].1.as_slice()), ("fire/t", &b"3"[..]));
    }

    #[wasm_bindgen_test]
    fn topics_sharing_a_slot_replace_each_other_without_mixing_up() {
        let probe = TopicCache::new();
        let (slot, _) = probe.slot("t/0");
        let rival = (1..100_000)
            .map(|i| format!("t/{i}"))
            .find(|t| probe.slot(t).0 == slot)
            .expect("a topic in the same slot");
        let topics = TopicCache::new();
        let mut batch = MessageBatch::default();
        for (i, topic) in ["t/0", rival.as_str(), "t/0", "t/0", rival.as_str()]
            .iter()
            .enumerate()
        {
            batch.push(
                &message(topic, &[i as u8], QoS::AtMostOnce, false, false),
                &topics,
            );
        }
        let seen: Vec<(String, Vec<u8>)> = deliver(batch, &topics).into_iter().map(|m| (m.0, m.1)).collect();
        let expected: Vec<(String, Vec<u8>)> = ["t/0", &rival, "t/0", "t/0", &rival]
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), vec![i as u8]))
            .collect();
        assert_eq!(seen, expected);
    }

    #[wasm_bindgen_test]
    fn payloads_kept_by_the_application_stay_intact_across_many_frames() {
        // Frames of ~1 KB and one of 20 KB: the copy-out pool (64 KB chunks) wraps several times.
        let kept = Array::new();
        let sink = kept.clone();
        let dispatch = Closure::<dyn FnMut(JsValue, JsValue, JsValue, JsValue)>::new(
            move |_: JsValue, _: JsValue, payload: JsValue, _: JsValue| {
                sink.push(&payload);
            },
        );
        let topics = TopicCache::new();
        let sizes: Vec<usize> = (0..200)
            .map(|i| if i == 100 { 20_000 } else { 1000 + i })
            .collect();
        for (i, &size) in sizes.iter().enumerate() {
            let mut batch = MessageBatch::default();
            batch.push(
                &message("k", &vec![i as u8; size], QoS::AtMostOnce, false, false),
                &topics,
            );
            batch.deliver(&topics, dispatch.as_ref().unchecked_ref());
        }
        assert_eq!(kept.length() as usize, sizes.len());
        for (i, &size) in sizes.iter().enumerate() {
            let bytes = js_sys::Uint8Array::new(&kept.get(i as u32)).to_vec();
            assert!(
                bytes.len() == size && bytes.iter().all(|&b| b == i as u8),
                "payload {i} changed"
            );
        }
    }

    #[wasm_bindgen_test]
    fn batches_are_read_from_wasm_memory_after_it_grew() {
        // JS keeps a view of wasm memory between calls; growing memory detaches it.
        let topics = TopicCache::new();
        let mut seen = Vec::new();
        for round in 0..3u8 {
            let mut batch = MessageBatch::default();
            batch.push(
                &message("g", &[round; 20], QoS::AtMostOnce, false, false),
                &topics,
            );
            batch.push(
                &message("g", &[round; 200], QoS::AtMostOnce, false, false),
                &topics,
            );
            seen.extend(deliver(batch, &topics).into_iter().map(|call| call.1));
            // 16 MB more than any test holds: memory must grow to allocate it.
            let grown = vec![round; 16 << 20];
            assert_eq!(grown.last(), Some(&round));
        }
        let expected: Vec<Vec<u8>> = (0..3u8).flat_map(|r| [vec![r; 20], vec![r; 200]]).collect();
        assert_eq!(seen, expected);
    }

    #[wasm_bindgen_test]
    fn a_throwing_dispatch_does_not_cost_the_rest_of_the_batch() {
        let seen = Array::new();
        let sink = seen.clone();
        let dispatch = Closure::<dyn FnMut(JsValue, JsValue, JsValue, JsValue) -> Result<(), JsValue>>::new(
            move |_: JsValue, topic: JsValue, _: JsValue, _: JsValue| {
                sink.push(&topic);
                if sink.length() == 1 {
                    Err(JsValue::from_str("listener broke"))
                } else {
                    Ok(())
                }
            },
        );
        let topics = TopicCache::new();
        let mut batch = MessageBatch::default();
        for topic in ["a", "b", "c"] {
            batch.push(&message(topic, b"x", QoS::AtMostOnce, false, false), &topics);
        }
        batch.deliver(&topics, dispatch.as_ref().unchecked_ref());
        let topics: Vec<String> = seen.iter().filter_map(|t| t.as_string()).collect();
        assert_eq!(topics, ["a", "b", "c"]);
    }

    #[wasm_bindgen_test]
    fn v5_properties_reach_the_packet_and_only_in_v5() {
        let topics = TopicCache::new();
        let mut with = message("p", b"{}", QoS::AtMostOnce, false, false);
        with.properties.content_type = Some(Cow::Borrowed("application/json"));
        let mut batch = MessageBatch::default();
        batch.push(&with, &topics);
        batch.push(&message("p", b"x", QoS::AtMostOnce, false, false), &topics);
        batch.push(&with, &topics);
        let seen = deliver(batch, &topics);
        let content_types: Vec<Option<String>> = seen.iter().map(|m| m.5.as_string()).collect();
        assert_eq!(
            content_types,
            [
                Some("application/json".into()),
                None,
                Some("application/json".into())
            ]
        );
        assert!(
            seen[1].5.is_undefined(),
            "a message without properties has no properties object"
        );
    }
}
