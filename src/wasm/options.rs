//! JS options (camelCase, shaped like MQTT.js's) read with serde-wasm-bindgen into the core's
//! `Options`. Unknown keys are ignored; a wrong type is a clear `ERR_BAD_OPTIONS`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::prelude::*;

use crate::client::{LastWill, Options, ReconnectPolicy};
use crate::codec::{Properties, ProtocolVersion, QoS};

use super::errors::js_error;

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

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Reconnect {
    Enabled(bool),
    Policy {
        #[serde(rename = "initialDelay")]
        initial_delay: Option<u64>,
        #[serde(rename = "maxDelay")]
        max_delay: Option<u64>,
    },
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
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StringOrList {
    One(String),
    Many(Vec<String>),
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
    offline_queue_size: Option<usize>,
    properties: JsConnectProperties,
    #[serde(flatten)]
    top_level: JsConnectProperties,
}

/// Options as the JS API takes them, plus credentials from the URL. Credentials in the options
/// win over the URL's.
pub(crate) fn parse(
    value: &JsValue,
    url_username: Option<String>,
    url_password: Option<String>,
) -> Result<Options, JsValue> {
    let js: JsOptions = if value.is_undefined() || value.is_null() {
        JsOptions::default()
    } else {
        serde_wasm_bindgen::from_value(value.clone())
            .map_err(|e| js_error("ERR_BAD_OPTIONS", &format!("options: {e}")))?
    };
    let bad = |message: &str| js_error("ERR_BAD_OPTIONS", message);

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
    if let Some(size) = js.offline_queue_size {
        options.offline_queue_capacity = size;
    }
    for props in [js.properties, js.top_level] {
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
        Some(Reconnect::Policy {
            initial_delay,
            max_delay,
        }) => {
            policy.initial_delay_ms = initial_delay.unwrap_or(policy.initial_delay_ms);
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
