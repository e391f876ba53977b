//! The driver: one session, its WebSocket and its timer, run by the session's driver rule on
//! every input (a call from JS, socket bytes, the timer): feed it, send what `poll_transmit`
//! gives as one frame, act on transport events, collect the rest, re-arm the timer. What JS must
//! hear about is collected as `Notice`s and reported only after the internal borrow is released,
//! so a listener may call back into the client (publish from a message handler).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::client::{
    Client, ClientError, Completion, Event, LostReason, OpId, SessionState, SortedMap,
};
use scratch_mqtt_core::codec::{QoS, ReasonCode};

use crate::batch::{MessageBatch, TopicCache};
use crate::errors::{self, Code, ErrorCode, js_error};
use crate::interned::key;
use crate::socket::{Socket, SocketEvent};
use crate::tap::PacketTap;
use crate::timer::Timer;
use crate::to_js;

/// The promise callbacks of one pending operation.
pub(crate) struct Waiter {
    pub(crate) resolve: Function,
    pub(crate) reject: Function,
    /// The filters of a subscribe, to report `{topic, qos}` per filter.
    pub(crate) filters: Vec<String>,
}

/// What happened in one turn that JS must hear about, in order.
enum Notice {
    Event(Event),
    /// The connection was lost; `offline` is false while an earlier loss is still being retried
    /// (MQTT.js reports going offline once per outage, not once per failed attempt).
    Lost {
        reason: LostReason,
        offline: bool,
    },
    /// Consecutive messages, delivered in one call.
    Messages(MessageBatch),
    Settle {
        waiter: Waiter,
        result: Result<Completion, ClientError>,
    },
    /// A packet the tap read from the bytes just sent (`packetsend`).
    Sent(Object),
}

pub(crate) struct Driver {
    pub(crate) session: Client,
    pub(crate) url: String,
    socket: Option<Socket>,
    /// Sockets closed during a socket callback are kept until the next turn: dropping the
    /// handler that is running would pull it out from under itself.
    retired: Vec<Socket>,
    socket_generation: u64,
    pub(crate) timer: Option<Timer>,
    /// The deadline the timer is armed for: re-arming costs a message to the Worker, so it is
    /// done only when the session's deadline comes earlier (see `rearm`).
    armed: Option<u64>,
    /// A flush is queued as a microtask: operations made in one JS turn leave as one frame.
    flush_queued: bool,
    pub(crate) waiters: SortedMap<OpId, Waiter>,
    pub(crate) end_waiters: Vec<Function>,
    /// Between a lost connection (or a failed attempt) that will be retried and the next
    /// CONNACK: what MQTT.js calls `reconnecting`.
    pub(crate) reconnecting: bool,
    /// `end()` found the client connected: its ending closes a connection (`close`, then `end`).
    pub(crate) close_on_end: bool,
    /// Reads packets back for `packetsend`/`packetreceive`, while the page listens to them.
    pub(crate) tap: Option<PacketTap>,
}

pub(crate) struct Shared {
    pub(crate) driver: RefCell<Driver>,
    /// `dispatch(name, a, b, c)` of the JS wrapper. Here, outside the `RefCell`, so reaching it
    /// costs no borrow and no reference clone across the boundary per frame.
    dispatch: Function,
    /// Topics of received messages, kept on both sides of the boundary.
    topics: TopicCache,
}

/// Milliseconds from the page's monotonic clock. The shell is the one layer that reads time;
/// socket frames come stamped by the same clock (`socket::now`).
pub(crate) fn now() -> u64 {
    crate::socket::now() as u64
}

impl Shared {
    /// The driver of `session` for the broker at `url`, reporting to `dispatch`, with its timer.
    pub(crate) fn new(session: Client, url: String, dispatch: Function) -> Rc<Self> {
        let driver = Driver {
            session,
            url,
            socket: None,
            retired: Vec::new(),
            socket_generation: 0,
            timer: None,
            armed: None,
            flush_queued: false,
            waiters: SortedMap::new(),
            end_waiters: Vec::new(),
            reconnecting: false,
            close_on_end: false,
            tap: None,
        };
        let shared = Rc::new(Self {
            driver: RefCell::new(driver),
            dispatch,
            topics: TopicCache::new(),
        });
        let weak = Rc::downgrade(&shared);
        let timer = Timer::new(Rc::new(move || {
            if let Some(shared) = weak.upgrade() {
                if let Ok(mut driver) = shared.driver.try_borrow_mut() {
                    driver.armed = None;
                }
                Shared::input(&shared, |session, now| session.handle_timeout(now));
            }
        }));
        shared.driver.borrow_mut().timer = Some(timer);
        shared
    }

    /// Feeds one input to the session and runs the driver rule. Re-entrant calls (from inside a
    /// listener) are fine: no borrow is held while JS runs.
    pub(crate) fn input(shared: &Rc<Self>, f: impl FnOnce(&mut Client, u64)) {
        Self::input_at(shared, now(), f);
    }

    /// `input` for an input that carries its time (socket frames: the JS handler read the clock,
    /// which saves a crossing per frame).
    fn input_at(shared: &Rc<Self>, now: u64, f: impl FnOnce(&mut Client, u64)) {
        let mut f = Some(f);
        Self::input_dyn(shared, now, &mut |session, now| {
            if let Some(f) = f.take() {
                f(session, now);
            }
        });
    }

    /// Feeds an operation to the session without sending yet: a microtask flushes every
    /// operation of this JS turn together, so a loop of `publish` calls leaves as one frame.
    pub(crate) fn defer(shared: &Rc<Self>, f: &mut dyn FnMut(&mut Client, u64)) {
        let queue = {
            let Ok(mut driver) = shared.driver.try_borrow_mut() else {
                return;
            };
            f(&mut driver.session, now());
            !std::mem::replace(&mut driver.flush_queued, true)
        };
        if queue && !queue_flush(shared) {
            Self::flush(shared);
        }
    }

    /// Runs the driver rule for whatever operations were deferred.
    fn flush(shared: &Rc<Self>) {
        Self::input_dyn(shared, now(), &mut |_, _| {});
    }

    /// The body of `input`, compiled once instead of once per caller's closure.
    fn input_dyn(shared: &Rc<Self>, now: u64, f: &mut dyn FnMut(&mut Client, u64)) {
        let notices = {
            let Ok(mut driver) = shared.driver.try_borrow_mut() else {
                return;
            };
            driver.retired.clear();
            driver.flush_queued = false;
            f(&mut driver.session, now);
            driver.drain(shared)
        };
        Self::notify(shared, notices);
    }

    /// Resolves `end()` promises once the session is idle, and releases the socket and timer.
    pub(crate) fn finish_end(shared: &Rc<Self>) {
        let waiters = match shared.driver.try_borrow_mut() {
            Ok(mut driver) if driver.session.state() == SessionState::Idle => {
                driver.close_socket();
                driver.timer = None;
                std::mem::take(&mut driver.end_waiters)
            }
            _ => return,
        };
        for resolve in waiters {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    fn notify(shared: &Rc<Self>, notices: Vec<Notice>) {
        for notice in notices {
            match notice {
                Notice::Settle { waiter, result } => settle(waiter, result),
                Notice::Event(event) => Self::emit_event(shared, event),
                Notice::Lost { reason, offline } => Self::emit_lost(shared, reason, offline),
                Notice::Sent(packet) => Self::emit(shared, "packetsend", &[packet.into()]),
                Notice::Messages(batch) => batch.deliver(&shared.topics, &shared.dispatch),
            }
        }
    }

    /// `packetreceive` for each packet a received frame completes, before the session acts on it.
    fn tap_received(shared: &Rc<Self>, bytes: &[u8]) {
        let packets = match shared.driver.try_borrow_mut() {
            Ok(mut driver) => match driver.tap.as_mut() {
                Some(tap) => tap.received(bytes),
                None => return,
            },
            Err(_) => return,
        };
        for packet in packets {
            Self::emit(shared, "packetreceive", &[packet.into()]);
        }
    }

    fn emit_lost(shared: &Rc<Self>, reason: LostReason, offline: bool) {
        if let LostReason::ServerDisconnect {
            reason: code,
            reason_string,
        } = &reason
        {
            let packet = to_js::disconnect(*code, reason_string.as_deref());
            Self::emit(shared, "disconnect", &[packet]);
        }
        let never_connected = shared
            .driver
            .try_borrow()
            .is_ok_and(|d| !d.session.ever_connected());
        let error = match &reason {
            LostReason::TransportClosed(_) if never_connected => js_error(
                ErrorCode::Unreachable,
                &format!("cannot reach the broker: {reason}"),
            ),
            _ => errors::from_lost(&reason),
        };
        Self::emit(shared, "error", &[error]);
        if offline {
            Self::emit(shared, "offline", &[]);
        }
        Self::emit(shared, "close", &[]);
    }

    fn emit_event(shared: &Rc<Self>, event: Event) {
        match event {
            Event::Connected(connected) => {
                Self::emit(shared, "connect", &[to_js::connack(&connected)]);
            }
            Event::ReconnectScheduled { attempt, delay_ms } => {
                Self::emit(shared, "reconnect", &[to_js::reconnect(attempt, delay_ms)]);
            }
            Event::OfflineQueueOverflow { rejected } => {
                let message = format!("not connected and the queue is full: {rejected} operations refused");
                Self::emit(shared, "error", &[js_error(ErrorCode::QueueFull, &message)]);
            }
            Event::ResubscribeFailed { filter, reason } => {
                let message = format!("the broker refused to subscribe again to {filter}: {reason}");
                Self::emit(shared, "error", &[js_error(Code::Refused(reason), &message)]);
            }
            Event::Closed => {
                Self::finish_end(shared);
                let closed_a_connection = shared.driver.try_borrow().is_ok_and(|d| d.close_on_end);
                if closed_a_connection {
                    Self::emit(shared, "close", &[]);
                }
                Self::emit(shared, "end", &[]);
            }
            // Acted on inside the driver or batched; never queued as single notices.
            Event::OpenTransport
            | Event::CloseTransport
            | Event::Completed { .. }
            | Event::Message(_)
            | Event::ConnectionLost(_) => {}
        }
    }

    fn emit(shared: &Rc<Self>, name: &str, args: &[JsValue]) {
        let arg = |i: usize| args.get(i).cloned().unwrap_or(JsValue::UNDEFINED);
        let values = Array::of4(&name.into(), &arg(0), &arg(1), &arg(2));
        // The wrapper isolates listeners; a throw here must still not break the client.
        let _ = shared.dispatch.apply(&JsValue::UNDEFINED, &values);
    }
}

impl Driver {
    /// The driver rule: send, act on transport events, collect the rest, re-arm the timer.
    fn drain(&mut self, shared: &Rc<Shared>) -> Vec<Notice> {
        let mut notices = Vec::new();
        loop {
            if let Some(bytes) = self.session.poll_transmit() {
                if let Some(tap) = &self.tap {
                    notices.extend(tap.sent(&bytes).into_iter().map(Notice::Sent));
                }
                self.send(&bytes);
                continue;
            }
            match self.session.poll_event() {
                Some(Event::OpenTransport) => self.open_socket(shared),
                Some(Event::CloseTransport) => self.close_socket(),
                Some(Event::Completed { op, result }) => {
                    // No waiter: its promise was refused before it existed ("busy").
                    if let Some(waiter) = self.waiters.remove(&op) {
                        notices.push(Notice::Settle { waiter, result });
                    }
                }
                Some(Event::Message(message)) => {
                    if !matches!(notices.last(), Some(Notice::Messages(_))) {
                        notices.push(Notice::Messages(MessageBatch::default()));
                    }
                    if let Some(Notice::Messages(batch)) = notices.last_mut() {
                        batch.push(&message, &shared.topics);
                    }
                }
                Some(Event::ConnectionLost(reason)) => {
                    notices.push(Notice::Lost {
                        reason,
                        offline: !self.reconnecting,
                    });
                }
                Some(event) => {
                    match event {
                        Event::Connected(_) => self.reconnecting = false,
                        Event::ReconnectScheduled { .. } => self.reconnecting = true,
                        Event::Closed => self.reconnecting = false,
                        _ => {}
                    }
                    notices.push(Notice::Event(event));
                }
                None => break,
            }
        }
        self.rearm();
        notices
    }

    fn send(&mut self, bytes: &[u8]) {
        let failed = match &self.socket {
            Some(socket) => socket.send(bytes).is_err(),
            None => false,
        };
        if failed {
            self.close_socket();
            self.session
                .transport_closed(now(), "the WebSocket refused to send");
        }
    }

    fn open_socket(&mut self, shared: &Rc<Shared>) {
        self.close_socket();
        if let Some(tap) = self.tap.as_mut() {
            tap.reset();
        }
        self.socket_generation += 1;
        let generation = self.socket_generation;
        let weak: Weak<Shared> = Rc::downgrade(shared);
        let sink = Rc::new(move |event: SocketEvent| {
            let Some(shared) = weak.upgrade() else { return };
            let current = shared
                .driver
                .try_borrow()
                .is_ok_and(|d| d.socket_generation == generation);
            if !current {
                return;
            }
            match event {
                SocketEvent::Open => Shared::input(&shared, |session, now| session.transport_opened(now)),
                SocketEvent::Data { bytes, at } => {
                    Shared::tap_received(&shared, &bytes);
                    Shared::input_at(&shared, at as u64, |session, now| {
                        session.handle_bytes(now, &bytes)
                    });
                }
                SocketEvent::NotBinary => Shared::input(&shared, |session, now| session.not_mqtt_data(now)),
                SocketEvent::Closed { code, reason } => {
                    if let Ok(mut driver) = shared.driver.try_borrow_mut() {
                        driver.close_socket();
                    }
                    let detail = close_detail(code, &reason);
                    Shared::input(&shared, |session, now| session.transport_closed(now, &detail));
                }
            }
        });
        let subprotocol = self.session.options().version.websocket_subprotocol();
        match Socket::open(&self.url, subprotocol, sink) {
            Ok(socket) => self.socket = Some(socket),
            Err(error) => {
                let detail = error
                    .as_string()
                    .unwrap_or_else(|| "the browser refused the WebSocket URL".into());
                self.session.transport_closed(now(), &detail);
            }
        }
    }

    fn close_socket(&mut self) {
        if let Some(socket) = self.socket.take() {
            socket.close();
            self.retired.push(socket);
        }
    }

    /// Arms the timer for the session's deadline, lazily: a deadline that moved later (each send
    /// moves the keepalive) keeps the earlier arming, whose wake-up finds nothing due and re-arms
    /// then. Re-arming costs a message to the Worker, once per turn while publishing otherwise
    /// (a tenth of the QoS 0 publish time).
    fn rearm(&mut self) {
        let deadline = self.session.poll_timeout();
        match (deadline, self.armed) {
            (Some(deadline), Some(armed)) if deadline >= armed => return,
            (None, None) => return,
            _ => {}
        }
        self.armed = deadline;
        let Some(timer) = self.timer.as_mut() else { return };
        match deadline {
            Some(at) => timer.arm(at.saturating_sub(now()).min(u64::from(u32::MAX)) as u32),
            None => timer.disarm(),
        }
    }
}

fn close_detail(code: u16, reason: &str) -> String {
    match (code, reason.is_empty()) {
        (1006, _) => "the WebSocket connection failed or was cut (1006)".into(),
        (_, true) => format!("WebSocket closed with code {code}"),
        (_, false) => format!("WebSocket closed with code {code}: {reason}"),
    }
}

fn settle(waiter: Waiter, result: Result<Completion, ClientError>) {
    let outcome = match result {
        Ok(Completion::Published { .. }) => Ok(JsValue::UNDEFINED),
        Ok(Completion::Unsubscribed { .. }) => Ok(JsValue::UNDEFINED),
        Ok(Completion::Subscribed { results, .. }) => subscribe_result(&waiter.filters, &results),
        Err(error) => Err(errors::from_client(&error)),
    };
    let _ = match outcome {
        Ok(value) => waiter.resolve.call1(&JsValue::UNDEFINED, &value),
        Err(error) => waiter.reject.call1(&JsValue::UNDEFINED, &error),
    };
}

/// `[{topic, qos}]` when every filter was granted; otherwise an error naming the refused ones
/// (with the full list as `granted`, refused entries at qos 128 as MQTT.js reports them).
fn subscribe_result(filters: &[String], results: &[Result<QoS, ReasonCode>]) -> Result<JsValue, JsValue> {
    let granted = to_js::granted(filters, results);
    let refused: Vec<(&str, ReasonCode)> = filters
        .iter()
        .zip(results)
        .filter_map(|(filter, result)| result.err().map(|code| (filter.as_str(), code)))
        .collect();
    let Some(&(_, first_code)) = refused.first() else {
        return Ok(granted);
    };
    let names: Vec<String> = refused.iter().map(|(f, code)| format!("{f} ({code})")).collect();
    // A specific refusal is named after its reason code; 0x80 (unspecified) is "refused".
    let code = if first_code.is_failure() && first_code.0 != 0x80 {
        Code::Refused(first_code)
    } else {
        ErrorCode::SubscribeRefused.into()
    };
    let error = js_error(
        code,
        &format!("the broker refused the subscription: {}", names.join(", ")),
    );
    let _ = Reflect::set(&error, &key("granted"), &granted);
    Err(error)
}

/// Queues a flush of `shared` as a microtask (`queueMicrotask` exists in windows and workers);
/// false when it could not be queued, so the caller flushes at once. The task holds only a weak
/// reference and frees itself when run: a client freed before the microtask runs is no error.
fn queue_flush(shared: &Rc<Shared>) -> bool {
    let global = js_sys::global();
    let Ok(queue) = Reflect::get(&global, &key("queueMicrotask")).and_then(|f| f.dyn_into::<Function>())
    else {
        return false;
    };
    let weak = Rc::downgrade(shared);
    let task = Closure::once_into_js(move || {
        if let Some(shared) = weak.upgrade() {
            Shared::flush(&shared);
        }
    });
    queue.call1(&global, &task).is_ok()
}
