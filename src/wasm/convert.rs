//! Values crossing the boundary: payloads in (string or bytes), messages and properties out.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::client::Message;
use crate::codec::{Properties, QoS};

use super::errors::js_error;

#[wasm_bindgen(inline_js = "
const utf8 = new TextDecoder();
export class Payload extends Uint8Array {
  text() { return utf8.decode(this); }
  toString() { return utf8.decode(this); }
}
export function makePayload(bytes) { return new Payload(bytes); }
")]
extern "C" {
    /// A `Uint8Array` whose `text()` and `toString()` decode UTF-8, as MQTT.js users expect
    /// `payload.toString()` to give the text.
    #[wasm_bindgen(js_name = makePayload)]
    fn make_payload(bytes: &[u8]) -> Uint8Array;
}

/// A payload given as a string (sent as UTF-8) or as bytes (`Uint8Array`, `ArrayBuffer`, any
/// typed array view).
pub(crate) fn payload_bytes(value: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if ArrayBuffer::is_view(value) {
        let buffer: ArrayBuffer = Reflect::get(value, &"buffer".into())?.unchecked_into();
        let offset = Reflect::get(value, &"byteOffset".into())?.as_f64().unwrap_or(0.0) as u32;
        let length = Reflect::get(value, &"byteLength".into())?.as_f64().unwrap_or(0.0) as u32;
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset, length).to_vec());
    }
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    Err(js_error(
        "ERR_BAD_PAYLOAD",
        "a payload is a string or a Uint8Array",
    ))
}

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(object, &key.into(), &value.into());
}

/// The `packet` argument of a `message` listener: `{topic, payload, qos, retain, dup, properties}`.
pub(crate) fn message_packet(message: &Message, payload: &JsValue) -> Object {
    let packet = Object::new();
    set(&packet, "topic", message.topic.as_str());
    set(&packet, "payload", payload.clone());
    set(&packet, "qos", message.qos as u8);
    set(&packet, "retain", message.retain);
    set(&packet, "dup", message.dup);
    if let Some(properties) = properties_object(&message.properties) {
        set(&packet, "properties", properties);
    }
    packet
}

/// The payload as a `Payload` (a `Uint8Array` with `text()`).
pub(crate) fn payload_value(bytes: &[u8]) -> JsValue {
    make_payload(bytes).into()
}

/// v5 properties of a message as MQTT.js names them; `None` when there are none.
pub(crate) fn properties_object(properties: &Properties<'_>) -> Option<Object> {
    if properties.is_empty() {
        return None;
    }
    let object = Object::new();
    if let Some(value) = properties.payload_format_indicator {
        set(&object, "payloadFormatIndicator", value);
    }
    if let Some(value) = properties.message_expiry_interval {
        set(&object, "messageExpiryInterval", value);
    }
    if let Some(value) = &properties.content_type {
        set(&object, "contentType", value.as_ref());
    }
    if let Some(value) = &properties.response_topic {
        set(&object, "responseTopic", value.as_ref());
    }
    if let Some(value) = &properties.correlation_data {
        set(&object, "correlationData", Uint8Array::from(value.as_ref()));
    }
    if let Some(value) = properties.topic_alias {
        set(&object, "topicAlias", value);
    }
    if !properties.subscription_identifiers.is_empty() {
        let ids: Array = properties
            .subscription_identifiers
            .iter()
            .map(|&id| JsValue::from(id))
            .collect();
        set(&object, "subscriptionIdentifier", ids);
    }
    if !properties.user_properties.is_empty() {
        set(&object, "userProperties", user_properties(properties));
    }
    if let Some(value) = &properties.reason_string {
        set(&object, "reasonString", value.as_ref());
    }
    Some(object)
}

/// `{name: value}`, or `{name: [v1, v2]}` for a name that repeats (as MQTT.js gives them).
fn user_properties(properties: &Properties<'_>) -> Object {
    let object = Object::new();
    for (name, value) in &properties.user_properties {
        let key = JsValue::from_str(name);
        let existing = Reflect::get(&object, &key).unwrap_or(JsValue::UNDEFINED);
        let value = JsValue::from_str(value);
        let merged = if existing.is_undefined() {
            value
        } else if let Some(list) = existing.dyn_ref::<Array>() {
            list.push(&value);
            continue;
        } else {
            Array::of2(&existing, &value).into()
        };
        let _ = Reflect::set(&object, &key, &merged);
    }
    object
}

/// A QoS number from JS (`undefined` is 0); anything else is an error naming the value.
pub(crate) fn qos(value: &JsValue) -> Result<QoS, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(QoS::AtMostOnce);
    }
    value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && (0.0..=2.0).contains(n))
        .and_then(|n| QoS::from_u8(n as u8))
        .ok_or_else(|| js_error("ERR_BAD_QOS", "QoS is 0, 1 or 2"))
}
