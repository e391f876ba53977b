//! # scratch-mqtt-core
//!
//! The sans-IO heart of Scratch MQTT, an MQTT 3.1 / 3.1.1 / 5.0 client for the browser:
//!
//! - [`codec`]: the wire format — packets as data, an incremental decoder, an encoder;
//! - [`topic`]: topic name and filter rules, and matching;
//! - [`client`]: the client session state machine. Bytes and the current time go in; bytes to
//!   send, events and the next deadline come out.
//!
//! The crate is `no_std` (with `alloc`) and has no dependencies, so the compiler itself keeps
//! it free of I/O, clocks, threads and browser bindings: there is no `std::net`, `std::fs`,
//! `std::time` or `std::thread` to reach for. The browser shell is the crate `scratch-mqtt`
//! (`src/` at the repository root); see `ARCHITECTURE.md`.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod client;
pub mod codec;
mod prelude;
pub mod topic;
