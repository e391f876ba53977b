//! The browser client in headless Chromium against a real mosquitto on 127.0.0.1.
//!
//! Run by `npm run test:wasm` (tests/browser/wasm-tests.mjs), which starts mosquitto (an
//! anonymous listener and one with a password file), a control endpoint that can restart the
//! broker, and a fake broker for what no real one does (a packet split across frames), then
//! runs `cargo test --target wasm32-unknown-unknown --test browser` with their URLs in the
//! environment. Without that environment the tests are not compiled in.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, JSON, Promise, Reflect, Uint8Array};
use scratch_mqtt::Connection;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The anonymous mosquitto listener.
const OPEN_WS: Option<&str> = option_env!("SCRATCH_MQTT_TEST_WS");
/// The listener with a password file (user `guest`, password `test`).
const AUTH_WS: Option<&str> = option_env!("SCRATCH_MQTT_TEST_AUTH_WS");
/// `POST {CONTROL}/restart` restarts mosquitto on the same ports.
const CONTROL: Option<&str> = option_env!("SCRATCH_MQTT_TEST_CONTROL");
/// A TCP proxy to the anonymous listener; `POST {CONTROL}/cut` kills its links like a dead network.
const PROXY_WS: Option<&str> = option_env!("SCRATCH_MQTT_TEST_PROXY_WS");
/// A fake broker that answers CONNECT, then sends three PUBLISH split across three frames.
const SPLIT_WS: Option<&str> = option_env!("SCRATCH_MQTT_TEST_SPLIT_WS");

fn env(value: Option<&'static str>) -> &'static str {
    value.expect("run these tests through `npm run test:wasm`, which starts the brokers")
}

type Record = (String, JsValue, JsValue, JsValue);

/// A `Connection` whose events are recorded for the test to wait on.
struct Probe {
    connection: Connection,
    events: Rc<RefCell<Vec<Record>>>,
    _dispatch: Closure<dyn FnMut(JsValue, JsValue, JsValue, JsValue)>,
}

impl Probe {
    fn new(url: &str, options: &str) -> Result<Self, JsValue> {
        let events: Rc<RefCell<Vec<Record>>> = Rc::default();
        let sink = events.clone();
        let dispatch =
            Closure::<dyn FnMut(JsValue, JsValue, JsValue, JsValue)>::new(move |name: JsValue, a, b, c| {
                sink.borrow_mut().push((name.as_string().unwrap(), a, b, c))
            });
        let options = JSON::parse(options).unwrap();
        let function: &Function = dispatch.as_ref().unchecked_ref();
        let connection = Connection::new(url, options, function.clone())?;
        connection.start();
        Ok(Self {
            connection,
            events,
            _dispatch: dispatch,
        })
    }

    fn count(&self, name: &str) -> usize {
        self.events.borrow().iter().filter(|e| e.0 == name).count()
    }

    /// Waits until `name` has happened `n` times; fails after `ms` with what did happen.
    async fn wait_for(&self, name: &str, n: usize, ms: u32) -> Vec<Record> {
        let mut waited = 0;
        while self.count(name) < n {
            assert!(
                waited < ms,
                "waited {ms} ms for {n}× {name}; events: {:?}",
                self.names()
            );
            sleep(20).await;
            waited += 20;
        }
        self.events
            .borrow()
            .iter()
            .filter(|e| e.0 == name)
            .cloned()
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.events.borrow().iter().map(|e| e.0.clone()).collect()
    }

    /// `(topic, payload, qos, retain)` of every message so far, in arrival order.
    fn messages(&self) -> Vec<(String, Vec<u8>, u8, bool)> {
        self.events
            .borrow()
            .iter()
            .filter(|e| e.0 == "message")
            .map(|(_, topic, payload, packet)| {
                let field = |key: &str| Reflect::get(packet, &key.into()).unwrap();
                (
                    topic.as_string().unwrap(),
                    payload.dyn_ref::<Uint8Array>().unwrap().to_vec(),
                    field("qos").as_f64().unwrap() as u8,
                    field("retain").as_bool().unwrap(),
                )
            })
            .collect()
    }

    async fn subscribe(&self, filter: &str, qos: u8) -> JsValue {
        let options = JSON::parse(&format!("{{\"qos\":{qos}}}")).unwrap();
        JsFuture::from(self.connection.subscribe(filter.into(), options))
            .await
            .unwrap()
    }

    async fn publish(&self, topic: &str, payload: JsValue, options: &str) -> Result<JsValue, JsValue> {
        let options = JSON::parse(options).unwrap();
        JsFuture::from(self.connection.publish(topic.into(), payload, options)).await
    }

    async fn end(self) {
        JsFuture::from(self.connection.end()).await.unwrap();
    }
}

async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set: Function = Reflect::get(&global, &"setTimeout".into())
            .unwrap()
            .unchecked_into();
        set.call2(&global, &resolve, &ms.into()).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

async fn control(path: &str) {
    let global = js_sys::global();
    let fetch: Function = Reflect::get(&global, &"fetch".into()).unwrap().unchecked_into();
    let init = JSON::parse(r#"{"method":"POST"}"#).unwrap();
    let url = format!("{}{path}", env(CONTROL));
    let response = JsFuture::from(
        fetch
            .call2(&global, &url.into(), &init)
            .unwrap()
            .unchecked_into::<Promise>(),
    )
    .await
    .unwrap();
    assert_eq!(
        Reflect::get(&response, &"status".into()).unwrap(),
        200,
        "control {path}"
    );
}

fn code(error: &JsValue) -> String {
    Reflect::get(error, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

/// A topic no other test (or earlier run) uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}/{}", (js_sys::Math::random() * 1e12) as u64)
}

#[wasm_bindgen_test]
async fn qos_0_1_2_round_trip_through_a_wildcard_in_every_protocol_version() {
    for version in [3, 4, 5] {
        let base = unique(&format!("v{version}"));
        let probe = Probe::new(env(OPEN_WS), &format!("{{\"protocolVersion\":{version}}}")).unwrap();
        probe.wait_for("connect", 1, 5_000).await;
        let granted = probe.subscribe(&format!("{base}/+/temp"), 2).await;
        let first = Reflect::get(&granted, &0.into()).unwrap();
        assert_eq!(
            Reflect::get(&first, &"qos".into()).unwrap(),
            2,
            "v{version} granted QoS"
        );
        for qos in 0..=2u8 {
            let payload = JsValue::from_str(&format!("温度 {qos}"));
            probe
                .publish(
                    &format!("{base}/room{qos}/temp"),
                    payload,
                    &format!("{{\"qos\":{qos}}}"),
                )
                .await
                .unwrap();
        }
        probe
            .publish(&format!("{base}/room/humidity"), "no".into(), "{}")
            .await
            .unwrap();
        probe.wait_for("message", 3, 5_000).await;
        let got = probe.messages();
        let expected: Vec<_> = (0..=2u8)
            .map(|qos| {
                (
                    format!("{base}/room{qos}/temp"),
                    format!("温度 {qos}").into_bytes(),
                    qos,
                    false,
                )
            })
            .collect();
        assert_eq!(got, expected, "v{version}");
        probe.end().await;
    }
}

#[wasm_bindgen_test]
async fn credentials_from_options_and_from_the_url_userinfo() {
    let probe = Probe::new(env(AUTH_WS), r#"{"username":"guest","password":"test"}"#).unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    probe.end().await;

    let with_userinfo = env(AUTH_WS).replacen("ws://", "ws://guest:test@", 1);
    let probe = Probe::new(&with_userinfo, "{}").unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    probe.end().await;
}

#[wasm_bindgen_test]
async fn refused_credentials_are_err_not_authorized_and_not_retried() {
    for version in [4, 5] {
        let options = format!(r#"{{"username":"guest","password":"wrong","protocolVersion":{version}}}"#);
        let probe = Probe::new(env(AUTH_WS), &options).unwrap();
        let errors = probe.wait_for("error", 1, 5_000).await;
        assert_eq!(code(&errors[0].1), "ERR_NOT_AUTHORIZED", "v{version}");
        probe.wait_for("end", 1, 5_000).await;
        sleep(1_500).await;
        assert_eq!(
            probe.count("reconnect"),
            0,
            "a refused password must not be retried"
        );
    }
}

#[wasm_bindgen_test]
async fn retained_messages_reach_later_subscribers() {
    let topic = unique("retained");
    let publisher = Probe::new(env(OPEN_WS), "{}").unwrap();
    publisher
        .publish(&topic, "kept".into(), r#"{"qos":1,"retain":true}"#)
        .await
        .unwrap();
    publisher.end().await;

    let subscriber = Probe::new(env(OPEN_WS), "{}").unwrap();
    subscriber.subscribe(&topic, 1).await;
    subscriber.wait_for("message", 1, 5_000).await;
    assert_eq!(
        subscriber.messages(),
        vec![(topic.clone(), b"kept".to_vec(), 1, true)]
    );
    subscriber
        .publish(&topic, "".into(), r#"{"retain":true}"#)
        .await
        .unwrap(); // clear it
    subscriber.end().await;
}

#[wasm_bindgen_test]
async fn reconnects_and_resubscribes_after_the_broker_restarts() {
    let topic = unique("restart");
    let options = r#"{"reconnect":{"initialDelay":200,"maxDelay":1000}}"#;
    let probe = Probe::new(env(OPEN_WS), options).unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    probe.subscribe(&topic, 1).await;

    control("/restart").await;
    probe.wait_for("offline", 1, 5_000).await;
    probe.wait_for("connect", 2, 10_000).await;

    let sender = Probe::new(env(OPEN_WS), "{}").unwrap();
    sender
        .publish(&topic, "after restart".into(), r#"{"qos":1}"#)
        .await
        .unwrap();
    probe.wait_for("message", 1, 5_000).await;
    assert_eq!(probe.messages()[0].1, b"after restart");
    sender.end().await;
    probe.end().await;
}

#[wasm_bindgen_test]
async fn the_will_is_delivered_when_the_link_dies() {
    let topic = unique("will");
    let watcher = Probe::new(env(OPEN_WS), "{}").unwrap();
    watcher.wait_for("connect", 1, 5_000).await;
    watcher.subscribe(&topic, 1).await;

    let options =
        format!(r#"{{"will":{{"topic":"{topic}","payload":"离线 offline","qos":1}},"reconnect":false}}"#);
    let dying = Probe::new(env(PROXY_WS), &options).unwrap();
    dying.wait_for("connect", 1, 5_000).await;
    control("/cut").await;

    dying.wait_for("close", 1, 5_000).await;
    watcher.wait_for("message", 1, 5_000).await;
    assert_eq!(
        watcher.messages(),
        vec![(topic, "离线 offline".as_bytes().to_vec(), 1, false)]
    );
    watcher.end().await;
    dying.end().await;
}

#[wasm_bindgen_test]
async fn keepalive_from_the_worker_timer_holds_an_idle_connection() {
    // mosquitto drops a client that sends nothing for 1.5 × its keepalive; it checks every few
    // seconds (a silent client with keepalive 1 s was dropped after about 5 s), so wait 8 s.
    let probe = Probe::new(env(OPEN_WS), r#"{"keepalive":1}"#).unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    assert!(
        probe.connection.timer_in_worker(),
        "the timer must not be throttled in hidden tabs"
    );
    // Sends move the keepalive deadline later; the timer stays armed for the earlier one (re-arming
    // costs a message to the Worker), wakes to find nothing due, and must re-arm for the new one.
    for _ in 0..6 {
        probe.publish("keepalive/busy", "x".into(), "{}").await.unwrap();
        sleep(300).await;
    }
    sleep(8_000).await;
    assert_eq!(probe.count("close"), 0, "events: {:?}", probe.names());
    assert!(probe.connection.connected());
    probe.end().await;
}

#[wasm_bindgen_test]
async fn packets_split_across_frames_and_many_per_frame_are_reassembled() {
    let probe = Probe::new(env(SPLIT_WS), "{}").unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    probe.wait_for("message", 3, 5_000).await;
    let topics: Vec<String> = probe.messages().into_iter().map(|m| m.0).collect();
    assert_eq!(topics, ["split/one", "split/two", "split/three"]);
    assert_eq!(probe.count("error"), 0, "events: {:?}", probe.names());
    probe.end().await;
}

#[wasm_bindgen_test]
async fn bad_input_is_a_clear_error_not_a_panic() {
    let bad_url = Probe::new("mqtt://127.0.0.1:1883", "{}").err().unwrap();
    assert_eq!(code(&bad_url), "ERR_BAD_URL");
    let bad_options = Probe::new(env(OPEN_WS), r#"{"protocolVersion":7}"#)
        .err()
        .unwrap();
    assert_eq!(code(&bad_options), "ERR_BAD_OPTIONS");

    let probe = Probe::new(env(OPEN_WS), "{}").unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    let wildcard = probe.publish("a/+", "x".into(), "{}").await.unwrap_err();
    assert_eq!(code(&wildcard), "ERR_TOPIC_INVALID");
    let qos = probe.publish("a", "x".into(), r#"{"qos":3}"#).await.unwrap_err();
    assert_eq!(code(&qos), "ERR_BAD_QOS");
    let payload = probe.publish("a", JsValue::from(true), "{}").await.unwrap_err();
    assert_eq!(code(&payload), "ERR_BAD_PAYLOAD");
    probe.end().await;
    let after_end = probe_publish_after_end().await;
    assert_eq!(code(&after_end), "ERR_CLOSED");
}

#[wasm_bindgen_test]
async fn a_client_freed_right_after_its_last_calls_leaves_no_error_behind() {
    let record = Function::new_no_args(
        "globalThis.__errors = []; \
         globalThis.addEventListener('error', (e) => globalThis.__errors.push(String(e.message)));",
    );
    record.call0(&JsValue::UNDEFINED).unwrap();
    let probe = Probe::new(env(OPEN_WS), "{}").unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    // In one turn: end, publish (queues a flush for later), then free the connection.
    let ended = probe.connection.end();
    let published = probe
        .connection
        .publish("a".into(), "x".into(), JsValue::UNDEFINED);
    drop(probe);
    JsFuture::from(ended).await.unwrap();
    assert_eq!(code(&JsFuture::from(published).await.unwrap_err()), "ERR_CLOSED");
    sleep(100).await;
    let errors = Reflect::get(&js_sys::global(), &"__errors".into()).unwrap();
    assert_eq!(js_sys::Array::from(&errors).length(), 0, "{errors:?}");
}

async fn probe_publish_after_end() -> JsValue {
    let probe = Probe::new(env(OPEN_WS), "{}").unwrap();
    probe.wait_for("connect", 1, 5_000).await;
    JsFuture::from(probe.connection.end()).await.unwrap();
    probe.publish("a", "x".into(), "{}").await.unwrap_err()
}
