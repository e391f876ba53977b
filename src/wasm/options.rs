//! JS options (camelCase, shaped like MQTT.js's) read into the core's `Options`, key by key with
//! `Reflect`. Unknown keys are ignored; `undefined` and `null` mean "not given"; a wrong type is a
//! clear `ERR_BAD_OPTIONS` naming the key. (Read by hand rather than with serde: serde's
//! deserializers and their error messages, which format floats, were a third of the wasm.)

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::client::{LastWill, Options, ReconnectPolicy};
use crate::codec::{Properties, ProtocolVersion, QoS};

use super::errors::js_error;

type Result<T> = std::result::Result<T, JsValue>;

const U16: (f64, &str) = (65_535.0, "an integer from 0 to 65535");
const U32: (f64, &str) = (4_294_967_295.0, "an integer from 0 to 4294967295");
/// Milliseconds and counts: any whole number JS holds exactly.
const U53: (f64, &str) = (9_007_199_254_740_991.0, "a whole number of 0 or more");

/// One JS object whose keys are read, with its place in the options for error messages
/// (`""`, `"will."`, `"properties."`, `"will.properties."`).
struct Fields<'a> {
    object: &'a JsValue,
    path: &'static str,
}

impl Fields<'_> {
    fn bad(&self, key: &str, what: &str) -> JsValue {
        js_error(
            "ERR_BAD_OPTIONS",
            &["options: ", self.path, key, " must be ", what].concat(),
        )
    }

    /// The value at `key`; `None` when it is absent, `undefined` or `null`.
    fn get(&self, key: &str) -> Option<JsValue> {
        let value = Reflect::get(self.object, &JsValue::from_str(key)).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn string(&self, key: &str) -> Result<Option<String>> {
        self.get(key)
            .map(|v| v.as_string().ok_or_else(|| self.bad(key, "a string")))
            .transpose()
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>> {
        self.get(key)
            .map(|v| v.as_bool().ok_or_else(|| self.bad(key, "true or false")))
            .transpose()
    }

    fn uint(&self, key: &str, (max, what): (f64, &str)) -> Result<Option<u64>> {
        self.get(key)
            .map(|v| match v.as_f64() {
                Some(n) if n.fract() == 0.0 && (0.0..=max).contains(&n) => Ok(n as u64),
                _ => Err(self.bad(key, what)),
            })
            .transpose()
    }

    fn u16(&self, key: &str) -> Result<Option<u16>> {
        Ok(self.uint(key, U16)?.map(|n| n as u16))
    }

    fn u32(&self, key: &str) -> Result<Option<u32>> {
        Ok(self.uint(key, U32)?.map(|n| n as u32))
    }

    /// A string (sent as UTF-8), a `Uint8Array` or an array of byte values.
    fn bytes(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        if let Some(text) = value.as_string() {
            return Ok(Some(text.into_bytes()));
        }
        if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
            return Ok(Some(bytes.to_vec()));
        }
        let what = "a string or a Uint8Array";
        let list = value.dyn_into::<Array>().map_err(|_| self.bad(key, what))?;
        list.iter()
            .map(|item| match item.as_f64() {
                Some(n) if n.fract() == 0.0 && (0.0..=255.0).contains(&n) => Ok(n as u8),
                _ => Err(self.bad(key, what)),
            })
            .collect::<Result<Vec<u8>>>()
            .map(Some)
    }

    /// The object at `key`, to read its own keys.
    fn object(&self, key: &str) -> Result<Option<JsValue>> {
        match self.get(key) {
            Some(value) if value.is_object() => Ok(Some(value)),
            Some(_) => Err(self.bad(key, "an object")),
            None => Ok(None),
        }
    }

    /// `{name: value}`, or `{name: [v1, v2]}` for a repeated name when `lists` is allowed (as
    /// MQTT.js gives publish user properties), in the object's own key order.
    fn user_properties(&self, lists: bool) -> Result<Vec<(String, String)>> {
        const KEY: &str = "userProperties";
        let mut out = Vec::new();
        let Some(object) = self.object(KEY)? else {
            return Ok(out);
        };
        let what = if lists {
            "an object of strings or lists of strings"
        } else {
            "an object of strings"
        };
        for entry in Object::entries(object.unchecked_ref::<Object>()).iter() {
            let entry: Array = entry.unchecked_into();
            let name = entry.get(0).as_string().unwrap_or_default();
            let value = entry.get(1);
            if let Some(text) = value.as_string() {
                out.push((name, text));
            } else if let (true, Some(list)) = (lists, value.dyn_ref::<Array>()) {
                for item in list.iter() {
                    let text = item.as_string().ok_or_else(|| self.bad(KEY, what))?;
                    out.push((name.clone(), text));
                }
            } else {
                return Err(self.bad(KEY, what));
            }
        }
        Ok(out)
    }
}

/// v5 publish properties as MQTT.js names them (also the will's properties). `value` is an
/// object; `path` names it in error messages.
fn publish_properties_at(value: &JsValue, path: &'static str) -> Result<Properties<'static>> {
    let fields = Fields { object: value, path };
    let user_properties = fields
        .user_properties(true)?
        .into_iter()
        .map(|(name, value)| (name.into(), value.into()))
        .collect();
    Ok(Properties {
        payload_format_indicator: fields.boolean("payloadFormatIndicator")?,
        message_expiry_interval: fields.u32("messageExpiryInterval")?,
        content_type: fields.string("contentType")?.map(Into::into),
        response_topic: fields.string("responseTopic")?.map(Into::into),
        correlation_data: fields.bytes("correlationData")?.map(Into::into),
        will_delay_interval: fields.u32("willDelayInterval")?,
        user_properties,
        ..Properties::default()
    })
}

/// The `properties` of a publish's options.
pub(crate) fn publish_properties(value: &JsValue) -> Result<Properties<'static>> {
    publish_properties_at(value, "properties.")
}

/// Options as the JS API takes them, plus credentials from the URL. Credentials in the options
/// win over the URL's.
pub(crate) fn parse(
    value: &JsValue,
    url_username: Option<String>,
    url_password: Option<String>,
) -> Result<Options> {
    if !value.is_undefined() && !value.is_null() && !value.is_object() {
        return Err(js_error("ERR_BAD_OPTIONS", "options must be an object"));
    }
    // `undefined` reads as an object with no keys.
    let empty = JsValue::from(Object::new());
    let top = Fields {
        object: if value.is_object() { value } else { &empty },
        path: "",
    };

    let version = match top.uint("protocolVersion", U16)?.unwrap_or(4) {
        3 => ProtocolVersion::V3_1,
        4 => ProtocolVersion::V3_1_1,
        5 => ProtocolVersion::V5,
        _ => return Err(top.bad("protocolVersion", "3, 4 or 5")),
    };
    let mut options = Options {
        version,
        client_id: top.string("clientId")?.unwrap_or_default(),
        username: top.string("username")?.filter(|u| !u.is_empty()).or(url_username),
        password: top.bytes("password")?.or(url_password.map(String::into_bytes)),
        ..Options::default()
    };
    if let Some(keepalive) = top.u16("keepalive")? {
        options.keep_alive_secs = keepalive;
    }
    if let Some(clean) = top.boolean("clean")? {
        options.clean_start = clean;
    }
    if let Some(will) = top.object("will")? {
        let fields = Fields {
            object: &will,
            path: "will.",
        };
        let topic = fields
            .string("topic")?
            .ok_or_else(|| fields.bad("topic", "a string"))?;
        let qos = fields.uint("qos", (2.0, "0, 1 or 2"))?.unwrap_or(0);
        let properties = match fields.object("properties")? {
            Some(properties) => publish_properties_at(&properties, "will.properties.")?,
            None => Properties::default(),
        };
        options.will = Some(LastWill {
            topic,
            payload: fields.bytes("payload")?.unwrap_or_default(),
            qos: QoS::from_u8(qos as u8).unwrap_or(QoS::AtMostOnce),
            retain: fields.boolean("retain")?.unwrap_or(false),
            properties,
        });
    }
    options.reconnect = reconnect_policy(&top)?;
    if let Some(ms) = top.uint("connectTimeout", U53)? {
        options.connect_timeout_ms = ms;
    }
    if let Some(size) = top.uint("offlineQueueSize", U53)? {
        options.offline_queue_capacity = size as usize;
    }
    // v5 CONNECT properties: under `properties`, and also accepted at the top level (which wins).
    let nested = top.object("properties")?;
    let mut sources = vec![];
    if let Some(nested) = &nested {
        sources.push(Fields {
            object: nested,
            path: "properties.",
        });
    }
    sources.push(top);
    for props in &sources {
        options.session_expiry_secs = props
            .u32("sessionExpiryInterval")?
            .or(options.session_expiry_secs);
        options.receive_maximum = props.u16("receiveMaximum")?.or(options.receive_maximum);
        options.maximum_packet_size = props.u32("maximumPacketSize")?.or(options.maximum_packet_size);
        if let Some(max) = props.u16("topicAliasMaximum")? {
            options.topic_alias_maximum = max;
        }
        options.request_response_information = props
            .boolean("requestResponseInformation")?
            .or(options.request_response_information);
        options.request_problem_information = props
            .boolean("requestProblemInformation")?
            .or(options.request_problem_information);
        options.user_properties.extend(props.user_properties(false)?);
    }
    Ok(options)
}

/// `reconnect` (`true`, `false` or `{initialDelay, maxDelay}`) and MQTT.js's `reconnectPeriod`.
fn reconnect_policy(top: &Fields<'_>) -> Result<ReconnectPolicy> {
    let mut policy = ReconnectPolicy::default();
    match top.get("reconnect") {
        Some(value) if value.as_bool().is_some() => policy.enabled = value.as_bool() == Some(true),
        Some(value) if value.is_object() => {
            let fields = Fields {
                object: &value,
                path: "reconnect.",
            };
            policy.initial_delay_ms = fields
                .uint("initialDelay", U53)?
                .unwrap_or(policy.initial_delay_ms);
            policy.max_delay_ms = fields
                .uint("maxDelay", U53)?
                .unwrap_or(policy.max_delay_ms)
                .max(policy.initial_delay_ms);
        }
        Some(_) => return Err(top.bad("reconnect", "true, false or {initialDelay, maxDelay}")),
        None => {}
    }
    if let Some(period) = top.uint("reconnectPeriod", U53)? {
        // MQTT.js: reconnectPeriod 0 turns reconnecting off.
        policy.enabled &= period > 0;
        policy.initial_delay_ms = period.max(1);
        policy.max_delay_ms = policy.max_delay_ms.max(policy.initial_delay_ms);
    }
    Ok(policy)
}
