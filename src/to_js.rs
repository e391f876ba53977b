//! Making JS values: what the shell hands JavaScript — event details, operation results, the
//! options in effect, v5 properties — is described here as Rust structs shaped like MQTT.js's
//! objects and made with serde-wasm-bindgen (field names become JS strings once). Received
//! messages cross in batches instead (`batch`); packets for `packetsend`/`packetreceive` are
//! built field by field (`tap`, with `set`).

use js_sys::{Object, Reflect};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use wasm_bindgen::JsValue;

use scratch_mqtt_core::client::{Connected, Options};
use scratch_mqtt_core::codec::{Properties, QoS, ReasonCode};

use crate::interned::key;

const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);

fn to_js(value: &impl Serialize) -> JsValue {
    // Our structs hold nothing serde-wasm-bindgen refuses (no u64 above 2^53).
    value.serialize(&SERIALIZER).unwrap_or(JsValue::UNDEFINED)
}

/// Sets `object[name]`, with the name's JS string made once.
pub(crate) fn set(object: &Object, name: &'static str, value: impl Into<JsValue>) {
    let _ = Reflect::set(object, &key(name), &value.into());
}

/// v5 properties as MQTT.js names them.
struct JsProperties<'a>(&'a Properties<'a>);

/// Bytes as a `Uint8Array`.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// `{name: value}`, or `{name: [v1, v2]}` for a name that repeats (as MQTT.js gives them), in
/// the order the names first appear.
struct UserProperties<'a>(&'a Properties<'a>);

impl Serialize for UserProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let pairs = &self.0.user_properties;
        let mut map = serializer.serialize_map(None)?;
        for (i, (name, value)) in pairs.iter().enumerate() {
            if pairs.iter().take(i).any(|(earlier, _)| earlier == name) {
                continue;
            }
            let values: Vec<&str> = pairs
                .iter()
                .skip(i)
                .filter(|(other, _)| other == name)
                .map(|(_, v)| v.as_ref())
                .collect();
            if values.len() == 1 {
                map.serialize_entry(name.as_ref(), value.as_ref())?;
            } else {
                map.serialize_entry(name.as_ref(), &values)?;
            }
        }
        map.end()
    }
}

impl Serialize for JsProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut object = serializer.serialize_struct("Properties", 9)?;
        if let Some(value) = p.payload_format_indicator {
            object.serialize_field("payloadFormatIndicator", &value)?;
        }
        if let Some(value) = p.message_expiry_interval {
            object.serialize_field("messageExpiryInterval", &value)?;
        }
        if let Some(value) = &p.content_type {
            object.serialize_field("contentType", value.as_ref())?;
        }
        if let Some(value) = &p.response_topic {
            object.serialize_field("responseTopic", value.as_ref())?;
        }
        if let Some(value) = &p.correlation_data {
            object.serialize_field("correlationData", &Bytes(value))?;
        }
        if let Some(value) = p.topic_alias {
            object.serialize_field("topicAlias", &value)?;
        }
        if !p.subscription_identifiers.is_empty() {
            object.serialize_field("subscriptionIdentifier", &p.subscription_identifiers)?;
        }
        if !p.user_properties.is_empty() {
            object.serialize_field("userProperties", &UserProperties(p))?;
        }
        if let Some(value) = &p.reason_string {
            object.serialize_field("reasonString", value.as_ref())?;
        }
        object.end()
    }
}

/// v5 properties of a message or packet; `None` when there are none.
pub(crate) fn properties(properties: &Properties<'_>) -> Option<JsValue> {
    (!properties.is_empty()).then(|| to_js(&JsProperties(properties)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Connack<'a> {
    cmd: &'static str,
    return_code: u8,
    reason_code: u8,
    session_present: bool,
    /// Ours, not MQTT.js's: the client id in force.
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<JsProperties<'a>>,
}

/// The `connect` event's argument, shaped as MQTT.js's CONNACK packet.
pub(crate) fn connack(connected: &Connected) -> JsValue {
    to_js(&Connack {
        cmd: "connack",
        return_code: 0,
        reason_code: 0,
        session_present: connected.session_present,
        client_id: &connected.client_id,
        properties: (!connected.properties.is_empty()).then_some(JsProperties(&connected.properties)),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Disconnect<'a> {
    cmd: &'static str,
    reason_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<JsProperties<'a>>,
}

/// The `disconnect` event's argument: the broker's DISCONNECT packet as MQTT.js gives it.
pub(crate) fn disconnect(reason: ReasonCode, reason_string: Option<&str>) -> JsValue {
    let properties = Properties {
        reason_string: reason_string.map(Into::into),
        ..Properties::default()
    };
    to_js(&Disconnect {
        cmd: "disconnect",
        reason_code: reason.0,
        properties: reason_string.is_some().then_some(JsProperties(&properties)),
    })
}

#[derive(Serialize)]
struct Reconnect {
    attempt: u32,
    delay: f64,
}

/// The `reconnect` event's argument: which attempt comes, and after how many milliseconds.
pub(crate) fn reconnect(attempt: u32, delay_ms: u64) -> JsValue {
    to_js(&Reconnect {
        attempt,
        delay: delay_ms as f64,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Granted<'a> {
    topic: &'a str,
    qos: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason_code: Option<u8>,
}

/// `[{topic, qos}]` for a SUBACK, one entry per filter; a refused filter has qos 128 (as
/// MQTT.js reports it) and its `reasonCode`.
pub(crate) fn granted(filters: &[String], results: &[Result<QoS, ReasonCode>]) -> JsValue {
    let entries: Vec<Granted<'_>> = filters
        .iter()
        .zip(results)
        .map(|(filter, result)| match result {
            Ok(qos) => Granted {
                topic: filter,
                qos: *qos as u8,
                reason_code: None,
            },
            Err(code) => Granted {
                topic: filter,
                qos: 0x80,
                reason_code: Some(code.0),
            },
        })
        .collect();
    to_js(&entries)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OptionsInEffect<'a> {
    href: &'a str,
    protocol_version: u8,
    client_id: &'a str,
    clean: bool,
    keepalive: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    connect_timeout: f64,
    reconnect_period: f64,
    max_inflight: u16,
    offline_queue_size: f64,
}

/// `client.options`: the options in effect, defaults filled in, under MQTT.js's names (never
/// the password).
pub(crate) fn options_in_effect(href: &str, client_id: &str, options: &Options) -> JsValue {
    let reconnect_period = if options.reconnect.enabled {
        options.reconnect.initial_delay_ms
    } else {
        0
    };
    to_js(&OptionsInEffect {
        href,
        protocol_version: options.version.level(),
        client_id,
        clean: options.clean_start,
        keepalive: options.keep_alive_secs,
        username: options.username.as_deref(),
        connect_timeout: options.connect_timeout_ms as f64,
        reconnect_period: reconnect_period as f64,
        max_inflight: options.send_quota(u16::MAX),
        offline_queue_size: options.offline_queue_capacity as f64,
    })
}
