//! Values crossing the boundary: payloads in (string or bytes), properties out (messages go
//! out in batches, see `batch`).

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::codec::{Properties, QoS};

use crate::errors::{ErrorCode, js_error};

/// The JS string for a property name, made once per name: each string built from Rust costs a
/// TextDecoder call, which was a fifth of the time of `publish` before names were kept.
pub(crate) fn key(name: &'static str) -> JsValue {
    thread_local! {
        static KEYS: std::cell::RefCell<Vec<(&'static str, JsValue)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, value)) = keys.iter().find(|(known, _)| *known == name) {
            return value.clone();
        }
        let value = JsValue::from_str(name);
        keys.push((name, value.clone()));
        value
    })
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
        ErrorCode::BadPayload,
        "a payload is a string or a Uint8Array",
    ))
}

/// Sets `object[name]`, with the name's JS string made once (`key`).
pub(crate) fn set(object: &Object, name: &'static str, value: impl Into<JsValue>) {
    let _ = Reflect::set(object, &key(name), &value.into());
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
        .ok_or_else(|| js_error(ErrorCode::BadQos, "QoS is 0, 1 or 2"))
}
