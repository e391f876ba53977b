//! The browser shell: the only Rust that imports wasm-bindgen, web-sys and js-sys, and the only
//! place that reads a clock. It drives the sans-IO session (`crate::client`) with a WebSocket
//! (`socket`) and a Worker-backed timer (`timer`), and exposes `Connection` to JavaScript; the
//! MQTT.js-like API around it is `js/mqtt.js`.

mod client;
mod convert;
mod errors;
mod options;
mod socket;
mod timer;
mod url;

pub use client::Connection;

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
