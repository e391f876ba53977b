//! Reading JS values: the one place where what JavaScript passed (connect options, topics,
//! payloads, publish and subscribe options) becomes the core's types. Values are read one key at
//! a time with `Reflect`; each reader knows the path it reads (`options.will.qos`), so an error
//! names the option at fault and what it got instead of only what was expected.

use std::fmt;

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::client::{LastWill, Options, OutgoingMessage, ReconnectPolicy};
use scratch_mqtt_core::codec::{
    Properties, ProtocolVersion, QoS, RetainHandling, Subscription, SubscriptionOptions,
};

use crate::errors::{ErrorCode, js_error};
use crate::interned::key;

/// Where a value sits in what JS passed, for error messages: `options.will.properties`.
/// Allocation-free: a reader hands its children a path that borrows its own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    name: &'a str,
}

impl<'a> Path<'a> {
    pub(crate) const fn root(name: &'a str) -> Self {
        Self { parent: None, name }
    }

    fn child(&'a self, name: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            name,
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}.")?;
        }
        f.write_str(self.name)
    }
}

/// What a JS value is, for "expected …, got …".
fn describe(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        // Not `{:?}`: Debug's escaping would bring Unicode tables into the module.
        format!("the string \"{text}\"")
    } else if let Some(number) = value.as_f64() {
        // JS formats the number: Rust's float formatting would add kilobytes to the module.
        let text: String = js_sys::Number::from(number)
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default();
        format!("the number {text}")
    } else if let Some(flag) = value.as_bool() {
        format!("{flag}")
    } else if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "nothing".into()
    } else if Array::is_array(value) {
        "a list".into()
    } else {
        "an object".into()
    }
}

fn expected(path: Path<'_>, what: &str, got: &JsValue) -> JsValue {
    js_error(
        ErrorCode::BadOptions,
        &format!("{path}: expected {what}, got {}", describe(got)),
    )
}

/// `object[name]`, or `undefined` when `object` is not an object.
pub(crate) fn get(object: &JsValue, name: &'static str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &key(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `Some(read(value))`, or `None` when the value is `undefined` or `null` (not given).
fn optional<T>(
    value: &JsValue,
    path: Path<'_>,
    read: impl FnOnce(&JsValue, Path<'_>) -> Result<T, JsValue>,
) -> Result<Option<T>, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        read(value, path).map(Some)
    }
}

/// The key `name` of `object`, read with `read` when given.
fn field<T>(
    object: &JsValue,
    path: Path<'_>,
    name: &'static str,
    read: impl FnOnce(&JsValue, Path<'_>) -> Result<T, JsValue>,
) -> Result<Option<T>, JsValue> {
    optional(&get(object, name), path.child(name), read)
}

fn boolean(value: &JsValue, path: Path<'_>) -> Result<bool, JsValue> {
    value
        .as_bool()
        .ok_or_else(|| expected(path, "true or false", value))
}

fn string(value: &JsValue, path: Path<'_>) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| expected(path, "a string", value))
}

/// A whole number from 0 to `max` (JS numbers are exact up to 2^53).
fn whole(value: &JsValue, path: Path<'_>, max: u64) -> Result<u64, JsValue> {
    value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= max as f64)
        .map(|n| n as u64)
        .ok_or_else(|| expected(path, &format!("a whole number from 0 to {max}"), value))
}

fn u16_(value: &JsValue, path: Path<'_>) -> Result<u16, JsValue> {
    whole(value, path, u16::MAX.into()).map(|n| n as u16)
}

fn u32_(value: &JsValue, path: Path<'_>) -> Result<u32, JsValue> {
    whole(value, path, u32::MAX.into()).map(|n| n as u32)
}

fn millis(value: &JsValue, path: Path<'_>) -> Result<u64, JsValue> {
    whole(value, path, (1 << 53) - 1)
}

/// Bytes given as a string (UTF-8), a `Uint8Array`, an `ArrayBuffer`, any typed array view, or
/// a list of byte values; `None` when the value is none of those.
fn byte_value(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(text) = value.as_string() {
        return Some(text.into_bytes());
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Some(bytes.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Some(Uint8Array::new(buffer).to_vec());
    }
    if ArrayBuffer::is_view(value) {
        let buffer: ArrayBuffer = get(value, "buffer").unchecked_into();
        let offset = get(value, "byteOffset").as_f64().unwrap_or(0.0) as u32;
        let length = get(value, "byteLength").as_f64().unwrap_or(0.0) as u32;
        return Some(Uint8Array::new_with_byte_offset_and_length(&buffer, offset, length).to_vec());
    }
    if Array::is_array(value) {
        let list: &Array = value.unchecked_ref();
        return list
            .iter()
            .map(|item| {
                item.as_f64()
                    .filter(|n| n.fract() == 0.0 && (0.0..=255.0).contains(n))
                    .map(|n| n as u8)
            })
            .collect();
    }
    None
}

fn bytes(value: &JsValue, path: Path<'_>) -> Result<Vec<u8>, JsValue> {
    byte_value(value).ok_or_else(|| expected(path, "a string or a Uint8Array", value))
}

/// An object's entries in the object's own order (MQTT keeps user properties in order), each
/// value read with `read`.
fn entries<T>(
    value: &JsValue,
    path: Path<'_>,
    mut read: impl FnMut(&JsValue, Path<'_>) -> Result<T, JsValue>,
) -> Result<Vec<(String, T)>, JsValue> {
    if !value.is_object() || Array::is_array(value) {
        return Err(expected(path, "an object of names and values", value));
    }
    let mut out = Vec::new();
    for entry in Object::entries(value.unchecked_ref()).iter() {
        let name = Reflect::get_u32(&entry, 0)?.as_string().unwrap_or_default();
        let item = read(&Reflect::get_u32(&entry, 1)?, path.child(&name))?;
        out.push((name, item));
    }
    Ok(out)
}

/// MQTT.js gives a repeated user property as a list of values: one pair per value.
fn user_properties(value: &JsValue, path: Path<'_>) -> Result<Vec<(String, String)>, JsValue> {
    let lists = entries(value, path, |item, path| {
        if let Some(text) = item.as_string() {
            return Ok(vec![text]);
        }
        if Array::is_array(item) {
            let list: &Array = item.unchecked_ref();
            if let Some(texts) = list.iter().map(|v| v.as_string()).collect() {
                return Ok(texts);
            }
        }
        Err(expected(path, "a string or a list of strings", item))
    })?;
    Ok(lists
        .into_iter()
        .flat_map(|(name, values)| values.into_iter().map(move |v| (name.clone(), v)))
        .collect())
}

/// v5 publish properties as MQTT.js names them (also a will's).
pub(crate) fn publish_properties(value: &JsValue, path: Path<'_>) -> Result<Properties<'static>, JsValue> {
    let user_properties = field(value, path, "userProperties", user_properties)?.unwrap_or_default();
    Ok(Properties {
        payload_format_indicator: field(value, path, "payloadFormatIndicator", boolean)?,
        message_expiry_interval: field(value, path, "messageExpiryInterval", u32_)?,
        content_type: field(value, path, "contentType", string)?.map(Into::into),
        response_topic: field(value, path, "responseTopic", string)?.map(Into::into),
        correlation_data: field(value, path, "correlationData", bytes)?.map(Into::into),
        will_delay_interval: field(value, path, "willDelayInterval", u32_)?,
        user_properties: user_properties
            .into_iter()
            .map(|(n, v)| (n.into(), v.into()))
            .collect(),
        ..Properties::default()
    })
}

fn will(value: &JsValue, path: Path<'_>) -> Result<LastWill, JsValue> {
    let topic = string(&get(value, "topic"), path.child("topic"))?;
    let qos = field(value, path, "qos", |v, p| whole(v, p, 2))?.unwrap_or(0);
    Ok(LastWill {
        topic,
        payload: field(value, path, "payload", bytes)?.unwrap_or_default(),
        qos: QoS::from_u8(qos as u8).unwrap_or(QoS::AtMostOnce),
        retain: field(value, path, "retain", boolean)?.unwrap_or(false),
        properties: field(value, path, "properties", publish_properties)?.unwrap_or_default(),
    })
}

/// `reconnect: true | false | {initialDelay, maxDelay, stableAfter}`, MQTT.js's
/// `reconnectPeriod` (the first delay; 0 turns reconnecting off) and `retryFirstAttempt`.
fn reconnect_policy(options: &JsValue, path: Path<'_>) -> Result<ReconnectPolicy, JsValue> {
    let mut policy = ReconnectPolicy::default();
    let value = get(options, "reconnect");
    let here = path.child("reconnect");
    if let Some(enabled) = value.as_bool() {
        policy.enabled = enabled;
    } else if value.is_object() && !Array::is_array(&value) {
        if let Some(ms) = field(&value, here, "initialDelay", millis)? {
            policy.initial_delay_ms = ms;
        }
        if let Some(ms) = field(&value, here, "stableAfter", millis)? {
            policy.stable_after_ms = ms;
        }
        if let Some(ms) = field(&value, here, "maxDelay", millis)? {
            policy.max_delay_ms = ms;
        }
        policy.max_delay_ms = policy.max_delay_ms.max(policy.initial_delay_ms);
    } else if !(value.is_undefined() || value.is_null()) {
        return Err(expected(
            here,
            "true, false or {initialDelay, maxDelay, stableAfter}",
            &value,
        ));
    }
    if let Some(retry) = field(options, path, "retryFirstAttempt", boolean)? {
        policy.retry_first_attempt = retry;
    }
    if let Some(period) = field(options, path, "reconnectPeriod", millis)? {
        policy.enabled &= period > 0;
        policy.initial_delay_ms = period.max(1);
        policy.max_delay_ms = policy.max_delay_ms.max(policy.initial_delay_ms);
    }
    Ok(policy)
}

/// v5 CONNECT properties, read from `value` (the options' `properties`, or the options
/// themselves: MQTT.js accepts them at either place) on top of what `options` has.
fn connect_properties(value: &JsValue, path: Path<'_>, options: &mut Options) -> Result<(), JsValue> {
    options.session_expiry_secs =
        field(value, path, "sessionExpiryInterval", u32_)?.or(options.session_expiry_secs);
    options.receive_maximum = field(value, path, "receiveMaximum", u16_)?.or(options.receive_maximum);
    options.maximum_packet_size =
        field(value, path, "maximumPacketSize", u32_)?.or(options.maximum_packet_size);
    if let Some(max) = field(value, path, "topicAliasMaximum", u16_)? {
        options.topic_alias_maximum = max;
    }
    options.request_response_information =
        field(value, path, "requestResponseInformation", boolean)?.or(options.request_response_information);
    options.request_problem_information =
        field(value, path, "requestProblemInformation", boolean)?.or(options.request_problem_information);
    let pairs = field(value, path, "userProperties", |v, p| entries(v, p, string))?;
    options.user_properties.extend(pairs.unwrap_or_default());
    Ok(())
}

/// MQTT.js options this client deliberately does not offer, and why: refused by name, so code
/// that relies on one learns it at once instead of finding later that nothing happened.
const NOT_OFFERED: [(&str, &str); 7] = [
    (
        "incomingStore",
        "store plug-ins are not offered: a kept session (clean: false) holds messages in flight",
    ),
    (
        "outgoingStore",
        "store plug-ins are not offered: a kept session (clean: false) holds messages in flight",
    ),
    ("servers", "one broker per client: make a client for each"),
    (
        "createWebsocket",
        "the client opens the browser's WebSocket itself",
    ),
    ("transformWsUrl", "the client connects to the URL it is given"),
    (
        "authPacket",
        "MQTT 5 enhanced authentication (AUTH) is not supported",
    ),
    (
        "manualConnect",
        "make the client with `new MqttClient(url, options)` and call `start()`",
    ),
];

/// The connect options as the JS API takes them (MQTT.js's names), plus credentials from the
/// URL. Credentials in the options win over the URL's; unknown keys are ignored.
pub(crate) fn options(
    value: &JsValue,
    url_username: Option<String>,
    url_password: Option<String>,
) -> Result<Options, JsValue> {
    let mut options = Options {
        username: url_username,
        password: url_password.map(String::into_bytes),
        ..Options::default()
    };
    if value.is_undefined() || value.is_null() {
        return Ok(options);
    }
    let path = Path::root("options");
    if !value.is_object() {
        return Err(expected(path, "an object", value));
    }
    if let Some((name, why)) = NOT_OFFERED
        .iter()
        .find(|(name, _)| Reflect::has(value, &JsValue::from_str(name)).unwrap_or(false))
    {
        return Err(js_error(
            ErrorCode::BadOptions,
            &format!("options.{name} is not supported: {why}"),
        ));
    }
    options.version = match field(value, path, "protocolVersion", |v, p| whole(v, p, 255))? {
        None | Some(4) => ProtocolVersion::V3_1_1,
        Some(3) => ProtocolVersion::V3_1,
        Some(5) => ProtocolVersion::V5,
        Some(other) => {
            return Err(js_error(
                ErrorCode::BadOptions,
                &format!("options.protocolVersion must be 3, 4 or 5, not {other}"),
            ));
        }
    };
    if let Some(id) = field(value, path, "clientId", string)? {
        options.client_id = id;
    }
    options.username = field(value, path, "username", string)?
        .filter(|u| !u.is_empty())
        .or(options.username);
    options.password = field(value, path, "password", bytes)?.or(options.password);
    if let Some(secs) = field(value, path, "keepalive", u16_)? {
        options.keep_alive_secs = secs;
    }
    if let Some(clean) = field(value, path, "clean", boolean)? {
        options.clean_start = clean;
    }
    options.will = field(value, path, "will", will)?;
    options.reconnect = reconnect_policy(value, path)?;
    if let Some(ms) = field(value, path, "connectTimeout", millis)? {
        options.connect_timeout_ms = ms;
    }
    options.ping_timeout_ms = field(value, path, "pingTimeout", millis)?;
    options.max_in_flight = field(value, path, "maxInflight", u16_)?;
    if let Some(size) = field(value, path, "offlineQueueSize", |v, p| {
        whole(v, p, u32::MAX.into())
    })? {
        options.offline_queue_capacity = size as usize;
    }
    let properties = get(value, "properties");
    if !(properties.is_undefined() || properties.is_null()) {
        connect_properties(&properties, path.child("properties"), &mut options)?;
    }
    connect_properties(value, path, &mut options)?;
    Ok(options)
}

/// A payload given as a string (sent as UTF-8) or as bytes; none is an empty payload.
pub(crate) fn payload(value: &JsValue) -> Result<Vec<u8>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    byte_value(value).ok_or_else(|| js_error(ErrorCode::BadPayload, "a payload is a string or a Uint8Array"))
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

/// A topic filter or a list of them.
pub(crate) fn filter_list(value: &JsValue) -> Result<Vec<String>, JsValue> {
    if let Some(filter) = value.as_string() {
        return Ok(vec![filter]);
    }
    if Array::is_array(value) {
        let list: &Array = value.unchecked_ref();
        return list
            .iter()
            .map(|item| {
                item.as_string()
                    .ok_or_else(|| js_error(ErrorCode::TopicInvalid, "topic filters are strings"))
            })
            .collect();
    }
    Err(js_error(
        ErrorCode::TopicInvalid,
        "give a topic filter (a string) or a list of them",
    ))
}

/// `subscribe(filters, {qos, nl, rap, rh})`: one subscription per filter.
pub(crate) fn subscriptions(
    filters: &[String],
    options: &JsValue,
) -> Result<Vec<Subscription<'static>>, JsValue> {
    let retain_handling = match get(options, "rh").as_f64() {
        None | Some(0.0) => RetainHandling::SendAtSubscribe,
        Some(1.0) => RetainHandling::SendAtNewSubscribe,
        Some(2.0) => RetainHandling::DoNotSend,
        Some(_) => {
            return Err(js_error(
                ErrorCode::BadOptions,
                "rh (retain handling) is 0, 1 or 2",
            ));
        }
    };
    let options = SubscriptionOptions {
        qos: qos(&get(options, "qos"))?,
        no_local: get(options, "nl").is_truthy(),
        retain_as_published: get(options, "rap").is_truthy(),
        retain_handling,
    };
    Ok(filters
        .iter()
        .map(|filter| Subscription {
            filter: filter.clone().into(),
            options,
        })
        .collect())
}

/// `publish(topic, payload, {qos, retain, properties})`.
pub(crate) fn outgoing_message(
    topic: &JsValue,
    payload_value: &JsValue,
    options: &JsValue,
) -> Result<OutgoingMessage, JsValue> {
    let topic = topic
        .as_string()
        .ok_or_else(|| js_error(ErrorCode::TopicInvalid, "the topic is a string"))?;
    let mut message = OutgoingMessage::new(topic, payload(payload_value)?, qos(&get(options, "qos"))?);
    message.retain = get(options, "retain").is_truthy();
    let properties = get(options, "properties");
    if properties.is_object() {
        message.properties = publish_properties(&properties, Path::root("properties"))?;
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use js_sys::{JSON, Reflect};
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn read(json: &str) -> Result<Options, String> {
        let value = JSON::parse(json).unwrap_or(JsValue::UNDEFINED);
        options(&value, None, None).map_err(|error| {
            let code = Reflect::get(&error, &"code".into())
                .ok()
                .and_then(|c| c.as_string());
            let message = Reflect::get(&error, &"message".into())
                .ok()
                .and_then(|m| m.as_string());
            format!("{} {}", code.unwrap_or_default(), message.unwrap_or_default())
        })
    }

    #[wasm_bindgen_test]
    fn mqtt_js_shaped_options_are_read() {
        let options = read(
            r#"{"clientId":"cat","username":"guest","password":"test","keepalive":30,"clean":false,
                "protocolVersion":5,"connectTimeout":4000,"offlineQueueSize":7,"ignored":{"x":1},
                "pingTimeout":2500,"maxInflight":10,
                "will":{"topic":"bye","payload":"gone","qos":1,"retain":true,
                        "properties":{"willDelayInterval":5,"contentType":"text/plain",
                                      "userProperties":{"a":"1","b":["2","3"]}}},
                "properties":{"sessionExpiryInterval":60,"userProperties":{"x":"y"}},
                "receiveMaximum":9,"topicAliasMaximum":4}"#,
        )
        .unwrap();
        assert_eq!(options.version, ProtocolVersion::V5);
        assert_eq!(options.client_id, "cat");
        assert_eq!(options.username.as_deref(), Some("guest"));
        assert_eq!(options.password.as_deref(), Some(&b"test"[..]));
        assert_eq!((options.keep_alive_secs, options.clean_start), (30, false));
        assert_eq!(
            (options.connect_timeout_ms, options.offline_queue_capacity),
            (4000, 7)
        );
        assert_eq!(
            (options.ping_timeout_ms, options.max_in_flight),
            (Some(2500), Some(10))
        );
        let will = options.will.unwrap();
        assert_eq!(
            (will.topic.as_str(), will.payload.as_slice()),
            ("bye", &b"gone"[..])
        );
        assert_eq!((will.qos, will.retain), (QoS::AtLeastOnce, true));
        assert_eq!(will.properties.will_delay_interval, Some(5));
        assert_eq!(will.properties.content_type.as_deref(), Some("text/plain"));
        let pairs: Vec<(&str, &str)> = will
            .properties
            .user_properties
            .iter()
            .map(|(n, v)| (n.as_ref(), v.as_ref()))
            .collect();
        assert_eq!(
            pairs,
            [("a", "1"), ("b", "2"), ("b", "3")],
            "a list value repeats the name"
        );
        // Connect properties come from `properties` and from the top level alike.
        assert_eq!(options.session_expiry_secs, Some(60));
        assert_eq!(
            (options.receive_maximum, options.topic_alias_maximum),
            (Some(9), 4)
        );
        assert_eq!(options.user_properties, [("x".to_owned(), "y".to_owned())]);
    }

    #[wasm_bindgen_test]
    fn reconnect_takes_a_switch_a_policy_or_mqtt_js_reconnect_period() {
        let default = ReconnectPolicy::default();
        let cases: [(&str, bool, u64, u64); 5] = [
            (r#"{}"#, true, default.initial_delay_ms, default.max_delay_ms),
            (
                r#"{"reconnect":false}"#,
                false,
                default.initial_delay_ms,
                default.max_delay_ms,
            ),
            (
                r#"{"reconnect":{"initialDelay":200,"maxDelay":800}}"#,
                true,
                200,
                800,
            ),
            (
                r#"{"reconnect":{"initialDelay":5000,"maxDelay":10}}"#,
                true,
                5000,
                5000,
            ),
            (r#"{"reconnectPeriod":0}"#, false, 1, default.max_delay_ms),
        ];
        for (json, enabled, initial, max) in cases {
            let policy = read(json).unwrap().reconnect;
            assert_eq!(
                (policy.enabled, policy.initial_delay_ms, policy.max_delay_ms),
                (enabled, initial, max),
                "{json}"
            );
        }
        assert!(read("{}").unwrap().reconnect.retry_first_attempt);
        assert!(
            !read(r#"{"retryFirstAttempt":false}"#)
                .unwrap()
                .reconnect
                .retry_first_attempt
        );
        let policy = read(r#"{"reconnect":{"stableAfter":1500}}"#).unwrap().reconnect;
        assert_eq!(policy.stable_after_ms, 1500);
        assert_eq!(
            read("{}").unwrap().reconnect.stable_after_ms,
            default.stable_after_ms
        );
    }

    #[wasm_bindgen_test]
    fn bytes_options_take_strings_arrays_and_typed_arrays() {
        assert_eq!(
            read(r#"{"password":[1,2,255]}"#).unwrap().password,
            Some(vec![1, 2, 255])
        );
        let value = JSON::parse(r#"{"will":{"topic":"t"}}"#).unwrap();
        let will = Reflect::get(&value, &"will".into()).unwrap();
        Reflect::set(&will, &"payload".into(), &js_sys::Uint8Array::from(&[0u8, 9][..])).unwrap();
        let options = options(&value, None, None).unwrap();
        assert_eq!(options.will.unwrap().payload, [0, 9]);
    }

    #[wasm_bindgen_test]
    fn credentials_in_options_win_over_the_url() {
        let value = JSON::parse(r#"{"username":"opt"}"#).unwrap();
        let given = options(&value, Some("url".into()), Some("secret".into())).unwrap();
        assert_eq!(given.username.as_deref(), Some("opt"));
        assert_eq!(given.password.as_deref(), Some(&b"secret"[..]));
        let none = options(&JsValue::UNDEFINED, Some("url".into()), None).unwrap();
        assert_eq!(none.username.as_deref(), Some("url"));
    }

    #[wasm_bindgen_test]
    fn wrong_types_are_err_bad_options_naming_the_problem() {
        let cases = [
            // The option at fault is named, as `options.<key>`.
            (
                r#"{"clean":true,"keepalive":"often"}"#,
                "options.keepalive: expected a whole number from 0 to 65535, got the string \"often\"",
            ),
            (
                r#"{"keepalive":70000}"#,
                "options.keepalive: expected a whole number from 0 to 65535, got the number 70000",
            ),
            (
                r#"{"connectTimeout":2.5}"#,
                "options.connectTimeout: expected a whole number",
            ),
            (r#"{"connectTimeout":2.5}"#, "got the number 2.5"),
            (
                r#"{"clean":"yes"}"#,
                "options.clean: expected true or false, got the string \"yes\"",
            ),
            (r#"{"clientId":"a","username":5}"#, "options.username"),
            (r#"{"will":{"topic":"t","retain":"no"}}"#, "options.will"),
            (r#"{"protocolVersion":7}"#, "3, 4 or 5"),
            (
                r#"{"reconnect":"yes"}"#,
                "true, false or {initialDelay, maxDelay, stableAfter}",
            ),
            (
                r#"{"will":{"topic":"t","properties":{"userProperties":{"a":5}}}}"#,
                "a string or a list of strings",
            ),
            (r#"{"will":{"topic":"t","qos":3}}"#, "will.qos"),
            (r#"{"will":{"payload":"no topic"}}"#, "topic"),
            // MQTT.js options not offered: refused by name, never ignored.
            (
                r#"{"outgoingStore":{}}"#,
                "options.outgoingStore is not supported",
            ),
            (
                r#"{"servers":[{"host":"a"}]}"#,
                "options.servers is not supported",
            ),
            (r#"{"manualConnect":true}"#, "start()"),
        ];
        for (json, mention) in cases {
            let error = read(json).unwrap_err();
            assert!(error.starts_with("ERR_BAD_OPTIONS "), "{json}: {error}");
            assert!(
                error.contains(mention),
                "{json}: {error} should mention {mention}"
            );
        }
    }

    #[wasm_bindgen_test]
    fn publish_properties_keep_user_property_order() {
        let value = JSON::parse(r#"{"contentType":"a/b","userProperties":{"z":"1","a":["2","3"]}}"#).unwrap();
        let properties = publish_properties(&value, Path::root("properties")).unwrap();
        assert_eq!(properties.content_type, Some(Cow::Borrowed("a/b")));
        let names: Vec<&str> = properties
            .user_properties
            .iter()
            .map(|(n, _)| n.as_ref())
            .collect();
        assert_eq!(names, ["z", "a", "a"]);
    }
}
