//! JS options (camelCase, shaped like MQTT.js's) read with serde-wasm-bindgen into the core's
//! `Options`. Unknown keys are ignored; a wrong type is a clear `ERR_BAD_OPTIONS`.

use std::fmt;

use js_sys::{Object, Reflect};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::client::{LastWill, Options, ReconnectPolicy};
use scratch_mqtt_core::codec::{Properties, ProtocolVersion, QoS};

use crate::errors::{ErrorCode, js_error};

/// A payload or password given as a string (sent as UTF-8) or as bytes (`Uint8Array`, array).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) Vec<u8>);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a Uint8Array")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Bytes, E> {
                Ok(Bytes(text.as_bytes().to_vec()))
            }
            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(bytes))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
                let mut bytes = Vec::new();
                while let Some(byte) = seq.next_element::<u8>()? {
                    bytes.push(byte);
                }
                Ok(Bytes(bytes))
            }
        }
        deserializer.deserialize_any(BytesVisitor)
    }
}

/// A JS object's entries in the object's own order: MQTT keeps user properties in order.
#[derive(Debug)]
pub(crate) struct Entries<V>(Vec<(String, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of names and values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}

/// `reconnect: true | false | {initialDelay, maxDelay}`.
#[derive(Debug)]
enum Reconnect {
    Enabled(bool),
    Policy(ReconnectDelays),
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ReconnectDelays {
    initial_delay: Option<u64>,
    max_delay: Option<u64>,
    /// A connection up this long (ms) resets the delay to the initial one.
    stable_after: Option<u64>,
}

// Hand-written instead of `#[serde(untagged)]` (here and for `StringOrList`): untagged enums
// and `flatten` buffer values through serde's private `Content` type, whose code cost 4 KB gzip.
impl<'de> Deserialize<'de> for Reconnect {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ReconnectVisitor;
        impl<'de> Visitor<'de> for ReconnectVisitor {
            type Value = Reconnect;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or {initialDelay, maxDelay, stableAfter}")
            }
            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<Reconnect, E> {
                Ok(Reconnect::Enabled(enabled))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Reconnect, A::Error> {
                ReconnectDelays::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Reconnect::Policy)
            }
        }
        deserializer.deserialize_any(ReconnectVisitor)
    }
}

/// v5 publish properties as MQTT.js names them (also used for will properties).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct JsPublishProperties {
    payload_format_indicator: Option<bool>,
    message_expiry_interval: Option<u32>,
    content_type: Option<String>,
    response_topic: Option<String>,
    correlation_data: Option<Bytes>,
    user_properties: Option<Entries<StringOrList>>,
    will_delay_interval: Option<u32>,
}

/// MQTT.js gives a repeated user property as a list of values.
#[derive(Debug)]
enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for StringOrList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringOrListVisitor;
        impl<'de> Visitor<'de> for StringOrListVisitor {
            type Value = StringOrList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<StringOrList, E> {
                Ok(StringOrList::One(text.to_owned()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<StringOrList, E> {
                Ok(StringOrList::One(text))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StringOrList, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(StringOrList::Many)
            }
        }
        deserializer.deserialize_any(StringOrListVisitor)
    }
}

impl JsPublishProperties {
    pub(crate) fn into_properties(self) -> Properties<'static> {
        let mut user_properties = Vec::new();
        for (name, values) in self.user_properties.unwrap_or_default().0 {
            match values {
                StringOrList::One(value) => user_properties.push((name.into(), value.into())),
                StringOrList::Many(values) => {
                    user_properties.extend(values.into_iter().map(|v| (name.clone().into(), v.into())))
                }
            }
        }
        Properties {
            payload_format_indicator: self.payload_format_indicator,
            message_expiry_interval: self.message_expiry_interval,
            content_type: self.content_type.map(Into::into),
            response_topic: self.response_topic.map(Into::into),
            correlation_data: self.correlation_data.map(|b| b.0.into()),
            will_delay_interval: self.will_delay_interval,
            user_properties,
            ..Properties::default()
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsWill {
    topic: String,
    #[serde(default)]
    payload: Bytes,
    #[serde(default)]
    qos: u8,
    #[serde(default)]
    retain: bool,
    #[serde(default)]
    properties: JsPublishProperties,
}

/// v5 CONNECT properties, also accepted at the top level of the options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct JsConnectProperties {
    session_expiry_interval: Option<u32>,
    receive_maximum: Option<u16>,
    maximum_packet_size: Option<u32>,
    topic_alias_maximum: Option<u16>,
    request_response_information: Option<bool>,
    request_problem_information: Option<bool>,
    user_properties: Option<Entries<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct JsOptions {
    client_id: Option<String>,
    username: Option<String>,
    password: Option<Bytes>,
    keepalive: Option<u16>,
    clean: Option<bool>,
    protocol_version: Option<u8>,
    will: Option<JsWill>,
    reconnect: Option<Reconnect>,
    /// MQTT.js's name for the first reconnect delay.
    reconnect_period: Option<u64>,
    connect_timeout: Option<u64>,
    /// How long a PINGREQ may wait for PINGRESP (ms; capped at half the keepalive).
    ping_timeout: Option<u64>,
    /// Unacknowledged QoS 1/2 publishes at most (Paho's `max_inflight_messages`).
    max_inflight: Option<u16>,
    offline_queue_size: Option<usize>,
    properties: JsConnectProperties,
}

/// Reads the options object `value` as `T`; an `ERR_BAD_OPTIONS` error names the option at fault
/// (`what` is the object's name in the message). serde-wasm-bindgen says only what it expected,
/// so after a failure each key is read again alone to find which one: the failure path pays,
/// and no code is added per option.
pub(crate) fn read<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value.clone()).map_err(|error| {
        let culprit = Object::keys(value.unchecked_ref::<Object>())
            .iter()
            .find_map(|key| {
                let alone = Object::new();
                Reflect::set(&alone, &key, &Reflect::get(value, &key).ok()?).ok()?;
                let error = serde_wasm_bindgen::from_value::<T>(alone.into()).err()?;
                Some((key.as_string()?, error))
            });
        // serde-wasm-bindgen's error is a JS Error: its text starts "Error: ".
        let text = |error: serde_wasm_bindgen::Error| {
            let text = error.to_string();
            text.strip_prefix("Error: ").unwrap_or(&text).to_owned()
        };
        let message = match culprit {
            Some((key, culprit)) => format!("{what}.{key}: {}", text(culprit)),
            None => format!("{what}: {}", text(error)),
        };
        js_error(ErrorCode::BadOptions, &message)
    })
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

/// Options as the JS API takes them, plus credentials from the URL. Credentials in the options
/// win over the URL's.
pub(crate) fn parse(
    value: &JsValue,
    url_username: Option<String>,
    url_password: Option<String>,
) -> Result<Options, JsValue> {
    let (js, top_level): (JsOptions, JsConnectProperties) = if value.is_undefined() || value.is_null() {
        Default::default()
    } else {
        if let Some((name, why)) = NOT_OFFERED
            .iter()
            .find(|(name, _)| Reflect::has(value, &JsValue::from_str(name)).unwrap_or(false))
        {
            return Err(js_error(
                ErrorCode::BadOptions,
                &format!("options.{name} is not supported: {why}"),
            ));
        }
        // Connect properties are also accepted at the top level: the same object read twice
        // (cheaper in code than `#[serde(flatten)]`).
        (read(value, "options")?, read(value, "options")?)
    };
    let bad = |message: &str| js_error(ErrorCode::BadOptions, message);

    let version = match js.protocol_version.unwrap_or(4) {
        3 => ProtocolVersion::V3_1,
        4 => ProtocolVersion::V3_1_1,
        5 => ProtocolVersion::V5,
        other => return Err(bad(&format!("protocolVersion must be 3, 4 or 5, not {other}"))),
    };
    let mut options = Options {
        version,
        client_id: js.client_id.unwrap_or_default(),
        username: js.username.filter(|u| !u.is_empty()).or(url_username),
        password: js.password.map(|p| p.0).or(url_password.map(String::into_bytes)),
        ..Options::default()
    };
    if let Some(keepalive) = js.keepalive {
        options.keep_alive_secs = keepalive;
    }
    if let Some(clean) = js.clean {
        options.clean_start = clean;
    }
    if let Some(will) = js.will {
        let qos = QoS::from_u8(will.qos).ok_or_else(|| bad("will.qos must be 0, 1 or 2"))?;
        options.will = Some(LastWill {
            topic: will.topic,
            payload: will.payload.0,
            qos,
            retain: will.retain,
            properties: will.properties.into_properties(),
        });
    }
    options.reconnect = reconnect_policy(js.reconnect, js.reconnect_period);
    if let Some(ms) = js.connect_timeout {
        options.connect_timeout_ms = ms;
    }
    options.ping_timeout_ms = js.ping_timeout;
    options.max_in_flight = js.max_inflight;
    if let Some(size) = js.offline_queue_size {
        options.offline_queue_capacity = size;
    }
    for props in [js.properties, top_level] {
        options.session_expiry_secs = props.session_expiry_interval.or(options.session_expiry_secs);
        options.receive_maximum = props.receive_maximum.or(options.receive_maximum);
        options.maximum_packet_size = props.maximum_packet_size.or(options.maximum_packet_size);
        if let Some(max) = props.topic_alias_maximum {
            options.topic_alias_maximum = max;
        }
        options.request_response_information = props
            .request_response_information
            .or(options.request_response_information);
        options.request_problem_information = props
            .request_problem_information
            .or(options.request_problem_information);
        options
            .user_properties
            .extend(props.user_properties.unwrap_or_default().0);
    }
    Ok(options)
}

fn reconnect_policy(reconnect: Option<Reconnect>, period: Option<u64>) -> ReconnectPolicy {
    let mut policy = ReconnectPolicy::default();
    match reconnect {
        Some(Reconnect::Enabled(enabled)) => policy.enabled = enabled,
        Some(Reconnect::Policy(ReconnectDelays {
            initial_delay,
            max_delay,
            stable_after,
        })) => {
            policy.initial_delay_ms = initial_delay.unwrap_or(policy.initial_delay_ms);
            policy.stable_after_ms = stable_after.unwrap_or(policy.stable_after_ms);
            policy.max_delay_ms = max_delay
                .unwrap_or(policy.max_delay_ms)
                .max(policy.initial_delay_ms);
        }
        None => {}
    }
    if let Some(period) = period {
        // MQTT.js: reconnectPeriod 0 turns reconnecting off.
        policy.enabled &= period > 0;
        policy.initial_delay_ms = period.max(1);
        policy.max_delay_ms = policy.max_delay_ms.max(policy.initial_delay_ms);
    }
    policy
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use js_sys::{JSON, Reflect};
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn read(json: &str) -> Result<Options, String> {
        let value = JSON::parse(json).unwrap_or(JsValue::UNDEFINED);
        parse(&value, None, None).map_err(|error| {
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
        let options = parse(&value, None, None).unwrap();
        assert_eq!(options.will.unwrap().payload, [0, 9]);
    }

    #[wasm_bindgen_test]
    fn credentials_in_options_win_over_the_url() {
        let value = JSON::parse(r#"{"username":"opt"}"#).unwrap();
        let options = parse(&value, Some("url".into()), Some("secret".into())).unwrap();
        assert_eq!(options.username.as_deref(), Some("opt"));
        assert_eq!(options.password.as_deref(), Some(&b"secret"[..]));
        let none = parse(&JsValue::UNDEFINED, Some("url".into()), None).unwrap();
        assert_eq!(none.username.as_deref(), Some("url"));
    }

    #[wasm_bindgen_test]
    fn wrong_types_are_err_bad_options_naming_the_problem() {
        let cases = [
            // The option at fault is named, as `options.<key>`.
            (
                r#"{"clean":true,"keepalive":"often"}"#,
                "options.keepalive: invalid type: string \"often\"",
            ),
            (r#"{"keepalive":70000}"#, "options.keepalive"),
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
        let js: JsPublishProperties = serde_wasm_bindgen::from_value(value).unwrap();
        let properties = js.into_properties();
        assert_eq!(properties.content_type, Some(Cow::Borrowed("a/b")));
        let names: Vec<&str> = properties
            .user_properties
            .iter()
            .map(|(n, _)| n.as_ref())
            .collect();
        assert_eq!(names, ["z", "a", "a"]);
    }
}
