//! A line-oriented bridge between our codec and a test written in another language.
//! Used by `tests/interop/mqtt-packet.test.mjs` to compare our codec with `mqtt-packet`, the
//! codec of MQTT.js. It is test glue: an example, so it never ships in the library.
//!
//! One JSON request per line on stdin, one JSON answer per line on stdout, in order:
//!
//! ```text
//! {"id":1,"op":"decode","version":5,"hex":"d000"}
//!   -> {"id":1,"ok":true,"consumed":2,"packet":{"cmd":"pingresp"},"reencoded":"d000"}
//!   -> {"id":1,"ok":true,"incomplete":true}
//!   -> {"id":1,"ok":false,"error":"InvalidQos","message":"QoS bits are 11"}
//! {"id":2,"op":"encode","version":4,"packet":{"cmd":"pingreq"}}
//!   -> {"id":2,"ok":true,"hex":"c000"}
//! ```
//!
//! `version` is the protocol level (3, 4 or 5). Packets are objects shaped and named as
//! mqtt-packet shapes and names them (`cmd`, `messageId`, `properties.userProperties`, …), with
//! every binary field (payloads, passwords, correlation and authentication data) as a hex string.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufWriter, Write};

use scratch_mqtt_core::codec::{
    Ack, Auth, ConnAck, Connect, DecodeOptions, Disconnect, EncodeOptions, Packet, Properties,
    ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling, Status, SubAck, Subscribe, Subscription,
    SubscriptionOptions, UnsubAck, Unsubscribe, Will, decode, encode,
};
use serde_json::{Map, Value, json};

type Result<T> = std::result::Result<T, String>;

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(request) => {
                let id = request.get("id").cloned().unwrap_or(Value::Null);
                let mut answer = answer(&request).unwrap_or_else(|e| json!({ "ok": false, "error": e }));
                if let Some(object) = answer.as_object_mut() {
                    object.insert("id".into(), id);
                }
                answer
            }
            Err(e) => json!({ "ok": false, "error": format!("bad request: {e}") }),
        };
        serde_json::to_writer(&mut out, &answer).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}

fn answer(request: &Value) -> Result<Value> {
    let level = request
        .get("version")
        .and_then(Value::as_u64)
        .ok_or("no version")?;
    let version = u8::try_from(level)
        .ok()
        .and_then(ProtocolVersion::from_level)
        .ok_or(format!("unknown version {level}"))?;
    match request.get("op").and_then(Value::as_str) {
        Some("decode") => {
            let bytes = from_hex(request.get("hex").and_then(Value::as_str).ok_or("no hex")?)?;
            Ok(decode_answer(&bytes, version))
        }
        Some("encode") => {
            let packet = packet_from_js(request.get("packet").ok_or("no packet")?, version)?;
            let mut bytes = Vec::new();
            Ok(match encode(&packet, &EncodeOptions::new(version), &mut bytes) {
                Ok(_) => json!({ "ok": true, "hex": to_hex(&bytes) }),
                Err(e) => json!({ "ok": false, "error": format!("{e:?}"), "message": e.to_string() }),
            })
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

fn decode_answer(bytes: &[u8], version: ProtocolVersion) -> Value {
    match decode(bytes, &DecodeOptions::new(version)) {
        Ok(Status::Complete(packet, consumed)) => {
            let mut reencoded = Vec::new();
            let reencoded = match encode(&packet, &EncodeOptions::new(version), &mut reencoded) {
                Ok(_) => Value::String(to_hex(&reencoded)),
                Err(e) => json!({ "error": format!("{e:?}") }),
            };
            json!({
                "ok": true,
                "consumed": consumed,
                "packet": packet_to_js(&packet, version),
                "reencoded": reencoded,
            })
        }
        Ok(Status::Incomplete) => json!({ "ok": true, "incomplete": true }),
        Err(e) => json!({ "ok": false, "error": format!("{e:?}"), "message": e.to_string() }),
    }
}

// ---- our packets -> mqtt-packet's objects ----

fn packet_to_js(packet: &Packet<'_>, version: ProtocolVersion) -> Value {
    let v5 = version.is_v5();
    let mut o = Map::new();
    let cmd = match packet {
        Packet::Connect(c) => {
            o.insert("protocolId".into(), json!(c.protocol.protocol_name()));
            o.insert("protocolVersion".into(), json!(c.protocol.level()));
            o.insert("clean".into(), json!(c.clean_start));
            o.insert("keepalive".into(), json!(c.keep_alive));
            o.insert("clientId".into(), json!(c.client_id));
            if let Some(w) = &c.will {
                let mut will = Map::new();
                will.insert("retain".into(), json!(w.retain));
                will.insert("qos".into(), json!(w.qos as u8));
                will.insert("topic".into(), json!(w.topic));
                will.insert("payload".into(), json!(to_hex(&w.payload)));
                insert_properties(&mut will, &w.properties, c.protocol.is_v5());
                o.insert("will".into(), Value::Object(will));
            }
            if let Some(username) = &c.username {
                o.insert("username".into(), json!(username));
            }
            if let Some(password) = &c.password {
                o.insert("password".into(), json!(to_hex(password)));
            }
            insert_properties(&mut o, &c.properties, c.protocol.is_v5());
            "connect"
        }
        Packet::ConnAck(c) => {
            o.insert("sessionPresent".into(), json!(c.session_present));
            o.insert(
                if v5 { "reasonCode" } else { "returnCode" }.into(),
                json!(c.code.0),
            );
            insert_properties(&mut o, &c.properties, v5);
            "connack"
        }
        Packet::Publish(p) => {
            o.insert("retain".into(), json!(p.retain));
            o.insert("qos".into(), json!(p.qos as u8));
            o.insert("dup".into(), json!(p.dup));
            o.insert("topic".into(), json!(p.topic));
            if p.qos != QoS::AtMostOnce {
                o.insert("messageId".into(), json!(p.packet_id));
            }
            o.insert("payload".into(), json!(to_hex(&p.payload)));
            insert_properties(&mut o, &p.properties, v5);
            "publish"
        }
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            o.insert("messageId".into(), json!(a.packet_id));
            if v5 {
                o.insert("reasonCode".into(), json!(a.reason.0));
            }
            insert_properties(&mut o, &a.properties, v5);
            match packet {
                Packet::PubAck(_) => "puback",
                Packet::PubRec(_) => "pubrec",
                Packet::PubRel(_) => "pubrel",
                _ => "pubcomp",
            }
        }
        Packet::Subscribe(s) => {
            o.insert("messageId".into(), json!(s.packet_id));
            let subscriptions = s.subscriptions.iter().map(|sub| {
                let mut entry = Map::new();
                entry.insert("topic".into(), json!(sub.filter));
                entry.insert("qos".into(), json!(sub.options.qos as u8));
                if v5 {
                    entry.insert("nl".into(), json!(sub.options.no_local));
                    entry.insert("rap".into(), json!(sub.options.retain_as_published));
                    entry.insert("rh".into(), json!(sub.options.retain_handling as u8));
                }
                Value::Object(entry)
            });
            o.insert("subscriptions".into(), subscriptions.collect());
            insert_properties(&mut o, &s.properties, v5);
            "subscribe"
        }
        Packet::SubAck(s) => {
            o.insert("messageId".into(), json!(s.packet_id));
            o.insert("granted".into(), s.codes.iter().map(|c| json!(c.0)).collect());
            insert_properties(&mut o, &s.properties, v5);
            "suback"
        }
        Packet::Unsubscribe(u) => {
            o.insert("messageId".into(), json!(u.packet_id));
            o.insert(
                "unsubscriptions".into(),
                u.filters.iter().map(|f| json!(f)).collect(),
            );
            insert_properties(&mut o, &u.properties, v5);
            "unsubscribe"
        }
        Packet::UnsubAck(u) => {
            o.insert("messageId".into(), json!(u.packet_id));
            if v5 {
                o.insert("granted".into(), u.codes.iter().map(|c| json!(c.0)).collect());
            }
            insert_properties(&mut o, &u.properties, v5);
            "unsuback"
        }
        Packet::PingReq => "pingreq",
        Packet::PingResp => "pingresp",
        Packet::Disconnect(d) => {
            if v5 {
                o.insert("reasonCode".into(), json!(d.reason.0));
            }
            insert_properties(&mut o, &d.properties, v5);
            "disconnect"
        }
        Packet::Auth(a) => {
            o.insert("reasonCode".into(), json!(a.reason.0));
            insert_properties(&mut o, &a.properties, v5);
            "auth"
        }
    };
    o.insert("cmd".into(), json!(cmd));
    Value::Object(o)
}

/// mqtt-packet leaves `properties` out when there are none.
fn insert_properties(o: &mut Map<String, Value>, p: &Properties<'_>, v5: bool) {
    let js = properties_to_js(p);
    if v5 && !js.is_empty() {
        o.insert("properties".into(), Value::Object(js));
    }
}

fn properties_to_js(p: &Properties<'_>) -> Map<String, Value> {
    let mut o = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            o.insert(name.into(), value);
        }
    };
    let hex = |b: &Option<Cow<'_, [u8]>>| b.as_deref().map(|b| json!(to_hex(b)));
    put(
        "payloadFormatIndicator",
        p.payload_format_indicator.map(|v| json!(v)),
    );
    put(
        "messageExpiryInterval",
        p.message_expiry_interval.map(|v| json!(v)),
    );
    put("contentType", p.content_type.as_ref().map(|v| json!(v)));
    put("responseTopic", p.response_topic.as_ref().map(|v| json!(v)));
    put("correlationData", hex(&p.correlation_data));
    // mqtt-packet keeps one identifier as a number and several as an array.
    put(
        "subscriptionIdentifier",
        match p.subscription_identifiers.as_slice() {
            [] => None,
            [one] => Some(json!(one)),
            many => Some(json!(many)),
        },
    );
    put(
        "sessionExpiryInterval",
        p.session_expiry_interval.map(|v| json!(v)),
    );
    put(
        "assignedClientIdentifier",
        p.assigned_client_identifier.as_ref().map(|v| json!(v)),
    );
    put("serverKeepAlive", p.server_keep_alive.map(|v| json!(v)));
    put(
        "authenticationMethod",
        p.authentication_method.as_ref().map(|v| json!(v)),
    );
    put("authenticationData", hex(&p.authentication_data));
    put(
        "requestProblemInformation",
        p.request_problem_information.map(|v| json!(v)),
    );
    put("willDelayInterval", p.will_delay_interval.map(|v| json!(v)));
    put(
        "requestResponseInformation",
        p.request_response_information.map(|v| json!(v)),
    );
    put(
        "responseInformation",
        p.response_information.as_ref().map(|v| json!(v)),
    );
    put("serverReference", p.server_reference.as_ref().map(|v| json!(v)));
    put("reasonString", p.reason_string.as_ref().map(|v| json!(v)));
    put("receiveMaximum", p.receive_maximum.map(|v| json!(v)));
    put("topicAliasMaximum", p.topic_alias_maximum.map(|v| json!(v)));
    put("topicAlias", p.topic_alias.map(|v| json!(v)));
    put("maximumQoS", p.maximum_qos.map(|v| json!(v as u8)));
    put("retainAvailable", p.retain_available.map(|v| json!(v)));
    put("maximumPacketSize", p.maximum_packet_size.map(|v| json!(v)));
    put(
        "wildcardSubscriptionAvailable",
        p.wildcard_subscription_available.map(|v| json!(v)),
    );
    put(
        "subscriptionIdentifiersAvailable",
        p.subscription_identifier_available.map(|v| json!(v)),
    );
    put(
        "sharedSubscriptionAvailable",
        p.shared_subscription_available.map(|v| json!(v)),
    );
    // mqtt-packet groups user properties by name: {name: value} or {name: [value, …]}. The order
    // of pairs with different names is lost there, so it is not compared.
    if !p.user_properties.is_empty() {
        let mut grouped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, value) in &p.user_properties {
            grouped.entry(name).or_default().push(value);
        }
        let grouped: Map<String, Value> = grouped
            .into_iter()
            .map(|(name, values)| {
                let value = match values.as_slice() {
                    [one] => json!(one),
                    many => json!(many),
                };
                (name.to_owned(), value)
            })
            .collect();
        put("userProperties", Some(Value::Object(grouped)));
    }
    o
}

// ---- mqtt-packet's objects -> our packets ----
// Defaults follow mqtt-packet's `generate`: a missing field means what it means there.

fn packet_from_js(js: &Value, version: ProtocolVersion) -> Result<Packet<'static>> {
    let v5 = version.is_v5();
    let cmd = js.get("cmd").and_then(Value::as_str).ok_or("no cmd")?;
    let properties = || properties_from_js(js.get("properties"));
    let packet_id = || num::<u16>(js, "messageId")?.ok_or_else(|| "no messageId".to_owned());
    let reason = |default: u8| Ok::<_, String>(ReasonCode(num(js, "reasonCode")?.unwrap_or(default)));
    Ok(match cmd {
        "connect" => {
            let level = num(js, "protocolVersion")?.unwrap_or(4);
            let protocol = ProtocolVersion::from_level(level).ok_or(format!("protocolVersion {level}"))?;
            let will = match js.get("will") {
                Some(w) if !w.is_null() => Some(Will {
                    topic: string(w, "topic")?.ok_or("no will topic")?,
                    payload: binary(w, "payload")?.unwrap_or_default(),
                    qos: qos(w, "qos")?,
                    retain: boolean(w, "retain")?,
                    properties: properties_from_js(w.get("properties"))?,
                }),
                _ => None,
            };
            Packet::Connect(Box::new(Connect {
                protocol,
                clean_start: js.get("clean").and_then(Value::as_bool).unwrap_or(true),
                keep_alive: num(js, "keepalive")?.unwrap_or(0),
                client_id: string(js, "clientId")?.unwrap_or_default(),
                will,
                username: string(js, "username")?,
                password: binary(js, "password")?,
                properties: properties()?,
            }))
        }
        "connack" => Packet::ConnAck(ConnAck {
            session_present: boolean(js, "sessionPresent")?,
            code: ReasonCode(num(js, if v5 { "reasonCode" } else { "returnCode" })?.unwrap_or(0)),
            properties: properties()?,
        }),
        "publish" => {
            let qos = qos(js, "qos")?;
            Packet::Publish(Publish {
                dup: boolean(js, "dup")?,
                qos,
                retain: boolean(js, "retain")?,
                topic: string(js, "topic")?.unwrap_or_default(),
                packet_id: if qos == QoS::AtMostOnce { 0 } else { packet_id()? },
                properties: properties()?,
                payload: binary(js, "payload")?.unwrap_or_default(),
            })
        }
        "puback" | "pubrec" | "pubrel" | "pubcomp" => {
            let ack = Ack {
                packet_id: packet_id()?,
                reason: reason(0)?,
                properties: properties()?,
            };
            match cmd {
                "puback" => Packet::PubAck(ack),
                "pubrec" => Packet::PubRec(ack),
                "pubrel" => Packet::PubRel(ack),
                _ => Packet::PubComp(ack),
            }
        }
        "subscribe" => {
            let list = js
                .get("subscriptions")
                .and_then(Value::as_array)
                .ok_or("no subscriptions")?;
            let subscriptions = list
                .iter()
                .map(|s| {
                    Ok(Subscription {
                        filter: string(s, "topic")?.ok_or("no topic")?,
                        options: SubscriptionOptions {
                            qos: qos(s, "qos")?,
                            no_local: boolean(s, "nl")?,
                            retain_as_published: boolean(s, "rap")?,
                            retain_handling: match num::<u8>(s, "rh")?.unwrap_or(0) {
                                0 => RetainHandling::SendAtSubscribe,
                                1 => RetainHandling::SendAtNewSubscribe,
                                2 => RetainHandling::DoNotSend,
                                rh => return Err(format!("rh {rh}")),
                            },
                        },
                    })
                })
                .collect::<Result<_>>()?;
            Packet::Subscribe(Subscribe {
                packet_id: packet_id()?,
                properties: properties()?,
                subscriptions,
            })
        }
        "suback" => Packet::SubAck(SubAck {
            packet_id: packet_id()?,
            properties: properties()?,
            codes: codes(js, "granted")?,
        }),
        "unsubscribe" => {
            let list = js
                .get("unsubscriptions")
                .and_then(Value::as_array)
                .ok_or("no unsubscriptions")?;
            let filters = list
                .iter()
                .map(|f| {
                    f.as_str()
                        .map(|f| Cow::Owned(f.to_owned()))
                        .ok_or("filter is not a string".into())
                })
                .collect::<Result<_>>()?;
            Packet::Unsubscribe(Unsubscribe {
                packet_id: packet_id()?,
                properties: properties()?,
                filters,
            })
        }
        "unsuback" => Packet::UnsubAck(UnsubAck {
            packet_id: packet_id()?,
            properties: properties()?,
            codes: if v5 { codes(js, "granted")? } else { Vec::new() },
        }),
        "pingreq" => Packet::PingReq,
        "pingresp" => Packet::PingResp,
        "disconnect" => Packet::Disconnect(Disconnect {
            reason: reason(0)?,
            properties: properties()?,
        }),
        "auth" => Packet::Auth(Auth {
            reason: reason(0)?,
            properties: properties()?,
        }),
        other => return Err(format!("unknown cmd {other}")),
    })
}

fn properties_from_js(js: Option<&Value>) -> Result<Properties<'static>> {
    let mut p = Properties::default();
    let Some(js) = js.filter(|v| !v.is_null()) else {
        return Ok(p);
    };
    let object = js.as_object().ok_or("properties is not an object")?;
    for (name, value) in object {
        let present = Value::Object(Map::from_iter([(name.clone(), value.clone())]));
        let js = &present;
        match name.as_str() {
            "payloadFormatIndicator" => p.payload_format_indicator = Some(boolean(js, name)?),
            "messageExpiryInterval" => p.message_expiry_interval = num(js, name)?,
            "contentType" => p.content_type = string(js, name)?,
            "responseTopic" => p.response_topic = string(js, name)?,
            "correlationData" => p.correlation_data = binary(js, name)?,
            "subscriptionIdentifier" => {
                p.subscription_identifiers = match value {
                    Value::Array(ids) => ids
                        .iter()
                        .map(|id| as_num(id, name))
                        .collect::<Result<Vec<u32>>>()?,
                    id => vec![as_num(id, name)?],
                }
            }
            "sessionExpiryInterval" => p.session_expiry_interval = num(js, name)?,
            "assignedClientIdentifier" => p.assigned_client_identifier = string(js, name)?,
            "serverKeepAlive" => p.server_keep_alive = num(js, name)?,
            "authenticationMethod" => p.authentication_method = string(js, name)?,
            "authenticationData" => p.authentication_data = binary(js, name)?,
            "requestProblemInformation" => p.request_problem_information = Some(boolean(js, name)?),
            "willDelayInterval" => p.will_delay_interval = num(js, name)?,
            "requestResponseInformation" => p.request_response_information = Some(boolean(js, name)?),
            "responseInformation" => p.response_information = string(js, name)?,
            "serverReference" => p.server_reference = string(js, name)?,
            "reasonString" => p.reason_string = string(js, name)?,
            "receiveMaximum" => p.receive_maximum = num(js, name)?,
            "topicAliasMaximum" => p.topic_alias_maximum = num(js, name)?,
            "topicAlias" => p.topic_alias = num(js, name)?,
            "maximumQoS" => p.maximum_qos = Some(qos(js, name)?),
            "retainAvailable" => p.retain_available = Some(boolean(js, name)?),
            "maximumPacketSize" => p.maximum_packet_size = num(js, name)?,
            "wildcardSubscriptionAvailable" => p.wildcard_subscription_available = Some(boolean(js, name)?),
            "subscriptionIdentifiersAvailable" => {
                p.subscription_identifier_available = Some(boolean(js, name)?)
            }
            "sharedSubscriptionAvailable" => p.shared_subscription_available = Some(boolean(js, name)?),
            "userProperties" => {
                let pairs = value.as_object().ok_or("userProperties is not an object")?;
                for (key, values) in pairs {
                    let values = match values {
                        Value::Array(values) => values.clone(),
                        one => vec![one.clone()],
                    };
                    for v in values {
                        let v = v.as_str().ok_or(format!("user property {key} is not a string"))?;
                        p.user_properties
                            .push((Cow::Owned(key.clone()), Cow::Owned(v.to_owned())));
                    }
                }
            }
            other => return Err(format!("unknown property {other}")),
        }
    }
    Ok(p)
}

fn as_num<T: TryFrom<u64>>(v: &Value, name: &str) -> Result<T> {
    v.as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or(format!("{name} is not a number in range"))
}

fn num<T: TryFrom<u64>>(js: &Value, name: &str) -> Result<Option<T>> {
    match js.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => as_num(v, name).map(Some),
    }
}

fn boolean(js: &Value, name: &str) -> Result<bool> {
    match js.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(v) => v.as_bool().ok_or(format!("{name} is not a boolean")),
    }
}

fn string(js: &Value, name: &str) -> Result<Option<Cow<'static, str>>> {
    match js.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .map(|s| Some(Cow::Owned(s.to_owned())))
            .ok_or(format!("{name} is not a string")),
    }
}

fn binary(js: &Value, name: &str) -> Result<Option<Cow<'static, [u8]>>> {
    match js.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let hex = v.as_str().ok_or(format!("{name} is not a hex string"))?;
            from_hex(hex).map(|b| Some(Cow::Owned(b)))
        }
    }
}

fn qos(js: &Value, name: &str) -> Result<QoS> {
    QoS::from_u8(num(js, name)?.unwrap_or(0)).ok_or(format!("{name} is not a QoS"))
}

fn codes(js: &Value, name: &str) -> Result<Vec<ReasonCode>> {
    let list = js
        .get(name)
        .and_then(Value::as_array)
        .ok_or(format!("no {name}"))?;
    list.iter().map(|c| as_num(c, name).map(ReasonCode)).collect()
}

fn to_hex(bytes: &[u8]) -> String {
    let digit = |d: u8| char::from_digit(u32::from(d), 16).unwrap_or('?');
    let mut hex = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        hex.push(digit(b >> 4));
        hex.push(digit(b & 0xf));
    }
    hex
}

fn from_hex(hex: &str) -> Result<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let pairs = hex.as_bytes().chunks(2);
    pairs
        .enumerate()
        .map(|(i, pair)| {
            match *pair {
                [hi, lo] => digit(hi).zip(digit(lo)).map(|(hi, lo)| hi << 4 | lo),
                _ => None,
            }
            .ok_or(format!("bad hex at {}", 2 * i))
        })
        .collect()
}
