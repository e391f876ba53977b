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
//! use scratch_mqtt_core::client::{Client, Event, Options};
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
//!   new. Every re-send obeys the *new* connection's limits: a flow they forbid (Maximum QoS
//!   lowered, Retain unavailable, a smaller Maximum Packet Size, …) fails with the typed error
//!   instead of making the broker disconnect us again and again; and a re-sent PUBLISH uses
//!   the new send quota like a new one — the quota starts afresh at Receive Maximum with each
//!   connection and counts every QoS>0 PUBLISH sent on it (MQTT-4.9.0), so at most that many
//!   go out and the rest wait in order (anything new behind them) until PUBACK/PUBCOMP free
//!   quota. (Flows past PUBREC keep counting until PUBCOMP: stricter than needed, never over.) With Session Present = 0 (clean start, or the broker lost the session): granted
//!   subscriptions are made again first, in the order they were first made, split over as
//!   many SUBSCRIBE packets as the server's Maximum Packet Size needs; a filter the new
//!   connection forbids (wildcard, shared, subscription identifier unavailable, or too large
//!   even alone) gets `Event::ResubscribeFailed` with the matching reason code and is no longer
//!   active — as does one the broker refuses in its SUBACK; unacknowledged QoS 1/2 publishes are sent again as new
//!   (a QoS 2 message whose PUBREC came is complete: the broker had taken it); QoS 2 receive
//!   state is dropped. Clean start therefore drops the broker-side state but never what the
//!   user still waits for. v5: Session Present = 1 when this client holds no session state
//!   closes the connection and retries with clean start (MQTT-3.2.2-4). MQTT 3.1 CONNACK has
//!   no Session Present flag: without clean session, and with state from an earlier
//!   connection, the session is assumed kept (what 3.1 brokers do). If that assumption is
//!   wrong, a new QoS 2 message may reuse an id still awaiting PUBREL: since a re-sent one
//!   carries DUP=1, a 3.1 QoS 2 PUBLISH with DUP=0 is delivered as new even then.
//! - **Abandoned flows.** When the session gives up with flows on the wire (`disconnect`, a
//!   final refusal or loss, reconnect off), their operations fail and their packet ids are
//!   freed; because the broker may still hold those ids (a QoS 2 PUBLISH stored, a PUBREL
//!   awaited), the next `connect` asks for a clean start whatever `clean_start` says, and
//!   re-makes the granted subscriptions. Without abandoned flows the session is resumed as
//!   configured. (A new flow reusing an id in a resumed session would be taken for a
//!   duplicate by the broker and never forwarded, while reported as published.)
//! - **Topic aliases (v5)** are the session's: assigned per connection within the server's
//!   Topic Alias Maximum, never on a re-send; a PUBLISH that fits the server's Maximum Packet
//!   Size only without the alias definition goes with its full topic and no alias. A topic
//!   alias or Subscription Identifier the user puts in a message's properties is dropped
//!   (the latter only a server may send, MQTT-3.3.4-6).
//! - **Offline queue.** Publishes, subscribes and unsubscribes made while not connected wait
//!   in a bounded queue and are sent in order after CONNACK (publishes of every QoS keep
//!   their order also when some wait for send quota or a packet id: a QoS 0 message waits
//!   behind them rather than overtake); beyond its capacity they fail at
//!   once with `ClientError::OfflineQueueFull` and `Event::OfflineQueueOverflow` counts them.
//!   The same capacity bounds everything that waits: operations accepted while connected
//!   that must wait for send quota or a packet id (a broker withholding PUBACK cannot make
//!   memory grow), and those still waiting after a connection loss count against it too.
//!   Before the first `connect` and after `disconnect` operations fail with `Closed`.
//! - **Keepalive.** A PINGREQ goes out after a keepalive period with nothing sent; the
//!   connection counts as lost only when nothing at all arrives for the ping timeout after it
//!   (bytes of a large message ahead of the PINGRESP restart the wait).
//! - **Protocol errors** by the server (malformed bytes, a packet over our Maximum Packet Size,
//!   an invalid topic alias, a SUBACK code the protocol version does not define, …): v5 sends DISCONNECT with the matching reason code; then the
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
pub use sorted_map::SortedMap;
pub use topic_alias::AliasError;
