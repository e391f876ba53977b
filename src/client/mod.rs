//! The client session: a sans-IO MQTT 3.1 / 3.1.1 / 5.0 state machine.
//!
//! # Contract
//!
//! [`Client`] performs no I/O, reads no clock, starts no thread and keeps no global state.
//! Everything comes in through method calls with the current time `now` (milliseconds from any
//! monotonic origin, never going backwards), and everything goes out through three polls:
//!
//! - [`Client::poll_transmit`]: bytes for the broker — everything queued since the last call
//!   as **one** buffer, so a browser shell sends one WebSocket frame per turn;
//! - [`Client::poll_event`]: [`Event`]s — for the driver (`OpenTransport`, `CloseTransport`)
//!   and for the application (messages, completed operations, connection changes);
//! - [`Client::poll_timeout`]: the one deadline at which [`Client::handle_timeout`] is due
//!   (connect timeout, keepalive PINGREQ, PINGRESP deadline, reconnect backoff).
//!
//! Randomness (reconnect jitter, a generated client id) comes from the [`RandomSource`] given
//! to [`Client::new`], so a seeded source makes a whole session reproducible.
//!
//! # The driver rule
//!
//! **After every input** — a command (`connect`, `publish`, …), `transport_opened`,
//! `handle_bytes`, `transport_closed`, `handle_timeout` — **drain `poll_transmit` and send it,
//! then drain `poll_event` and act on each event, then re-arm the timer from `poll_timeout`.**
//!
//! Transmit comes first so the bytes queued before an `Event::CloseTransport` (a DISCONNECT,
//! say) are written to the transport before it is closed. Acting on `OpenTransport` means
//! opening the transport and later calling `transport_opened` (or `transport_closed` if it
//! failed); acting on `CloseTransport` means closing it *without* calling `transport_closed`
//! (the session already knows). The session never asks for a new transport in the same turn
//! as it asks to close the old one.
//!
//! ```
//! use scratch_mqtt::client::{Client, Event, Options};
//!
//! let mut client = Client::new(Options::default(), || 4).unwrap();
//! let now = 0;
//! client.connect(now);
//! assert_eq!(client.poll_transmit(), None);
//! assert_eq!(client.poll_event(), Some(Event::OpenTransport));
//! // … the driver opens a WebSocket, and when it is open:
//! client.transport_opened(now);
//! let connect_packet = client.poll_transmit().unwrap(); // send this frame
//! assert_eq!(connect_packet[0], 0x10); // CONNECT
//! assert_eq!(client.poll_timeout(), Some(30_000)); // the connect timeout
//! ```
//!
//! # Policies
//!
//! - **Delivery.** Every accepted operation ends in exactly one `Event::Completed` — success,
//!   a refusal by the server, or an error. Nothing hangs and nothing is dropped silently.
//! - **Maximum QoS / Retain / wildcards (v5).** Asking for more than the server supports is an
//!   error, not a silent downgrade: a QoS 2 message quietly sent as QoS 0 could be lost.
//! - **Refusals.** A CONNACK refusal that retrying cannot fix — bad user name or password,
//!   not authorized, banned, client id not valid, unsupported protocol version, bad
//!   authentication method, use another server / server moved — and a v5 server DISCONNECT
//!   with one of those or SESSION_TAKEN_OVER ends the session (`Event::Closed`, waiting
//!   operations fail) instead of reconnecting: no reconnect storm against a broker that says
//!   no. Other refusals (server unavailable, busy, quota, …) reconnect with backoff.
//! - **Reconnect.** Exponential backoff with jitter from the random source, capped, reset after
//!   a connection that stayed up for `ReconnectPolicy::stable_after_ms`. Never after
//!   `disconnect`.
//! - **Kept session.** On reconnect with Session Present = 1, unacknowledged PUBLISH (DUP=1)
//!   and PUBREL are re-sent with their original ids in their original order before anything
//!   new. With Session Present = 0 (clean start, or the broker lost the session): granted
//!   subscriptions are made again first; unacknowledged QoS 1/2 publishes are sent again as new
//!   (a QoS 2 message whose PUBREC came is complete: the broker had taken it); QoS 2 receive
//!   state is dropped. Clean start therefore drops the broker-side state but never what the
//!   user still waits for. v5: Session Present = 1 when this client holds no session state
//!   closes the connection and retries with clean start (MQTT-3.2.2-4). MQTT 3.1 CONNACK has
//!   no Session Present flag: without clean session, and with state from an earlier
//!   connection, the session is assumed kept (what 3.1 brokers do).
//! - **Offline queue.** Publishes, subscribes and unsubscribes made while not connected wait
//!   in a bounded queue and are sent in order after CONNACK; beyond its capacity they fail at
//!   once with `ClientError::OfflineQueueFull` and `Event::OfflineQueueOverflow` counts them.
//!   Before the first `connect` and after `disconnect` operations fail with `Closed`.
//! - **Protocol errors** by the server (malformed bytes, a packet over our Maximum Packet Size,
//!   an invalid topic alias, …): v5 sends DISCONNECT with the matching reason code; then the
//!   transport is closed, `Event::ConnectionLost` names the error, and the policy reconnects.

mod backoff;
mod error;
mod events;
mod incoming;
mod keepalive;
mod limits;
mod options;
mod outgoing;
mod packet_ids;
mod random;
mod session;
mod sorted_map;
mod subscriptions;
mod topic_alias;

pub use error::{ClientError, LostReason, OptionsError, ProtocolError};
pub use events::{Completion, Connected, Event, Message, OpId, OutgoingMessage};
pub use limits::ServerLimits;
pub use options::{GENERATED_CLIENT_ID_PREFIX, LastWill, Options, ReconnectPolicy, StringError};
pub use random::RandomSource;
pub use session::{Client, SessionState};
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]
// reason: the wasm shell's tables use it too.
pub(crate) use sorted_map::SortedMap;
pub use topic_alias::AliasError;
