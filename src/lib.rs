//! # scratch-mqtt
//!
//! The browser shell of Scratch MQTT: the only Rust that imports wasm-bindgen, web-sys and
//! js-sys, and the only place that reads a clock. It drives the sans-IO session of
//! [`scratch_mqtt_core`] with a WebSocket (`socket`) and a Worker-backed timer (`timer`), and
//! exposes `Connection` to JavaScript; the MQTT.js-like API around it is `js/mqtt.js`.
//!
//! The crate exists only on `wasm32`; elsewhere it compiles to nothing. See `ARCHITECTURE.md`.

#![cfg(target_arch = "wasm32")]

mod batch;
mod connection;
mod driver;
mod errors;
mod from_js;
mod interned;
mod socket;
mod tap;
mod timer;
mod to_js;
mod url;

pub use connection::Connection;

use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: Rust panics become readable console errors
/// instead of "unreachable executed".
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The crate version, for bug reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Whether a message on topic `name` matches the subscription `filter` (`+`, `#`, `$`-topics,
/// `$share/…`): the same rule the client uses, for routing messages to local handlers. An
/// invalid filter or name matches nothing (JS callers pass whatever a user typed).
#[wasm_bindgen(js_name = topicMatches)]
pub fn topic_matches(filter: &str, name: &str) -> bool {
    use scratch_mqtt_core::topic;
    topic::validate_filter(filter).is_ok()
        && topic::validate_name(name).is_ok()
        && topic::matches(filter, name)
}

/// Why `filter` is not a valid subscription filter, or `undefined` when it is.
#[wasm_bindgen(js_name = filterProblem)]
pub fn filter_problem(filter: &str) -> Option<String> {
    scratch_mqtt_core::topic::validate_filter(filter)
        .err()
        .map(|e| e.to_string())
}

/// Why `name` is not a valid topic to publish to, or `undefined` when it is.
#[wasm_bindgen(js_name = topicProblem)]
pub fn topic_problem(name: &str) -> Option<String> {
    scratch_mqtt_core::topic::validate_name(name)
        .err()
        .map(|e| e.to_string())
}
