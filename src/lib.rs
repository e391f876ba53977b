//! # scratch-mqtt
//!
//! An MQTT 3.1 / 3.1.1 / 5.0 client for the browser, built as a sans-IO core and a thin
//! WebAssembly shell:
//!
//! - [`codec`]: the wire format — packets as data, an incremental decoder, an encoder;
//! - [`topic`]: topic name and filter rules, and matching;
//! - [`client`]: the client session state machine. It performs no I/O and never reads a clock:
//!   bytes and the current time go in, bytes to send, events and the next deadline come out;
//! - `wasm` (only on `wasm32`): the browser shell over the WebSocket API, and the JS API.
//!
//! See `ARCHITECTURE.md` for the invariants that keep these layers apart.

pub mod client;
pub mod codec;
pub mod topic;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
