//! `Connection`: the session driven by a WebSocket and a timer. The MQTT.js-like `MqttClient`
//! in `js/mqtt.js` wraps it (listeners, chaining); every event reaches that wrapper through one
//! `dispatch(name, a, b, c)` function, so a message costs one call across the boundary.
//!
//! Every input (a call from JS, socket bytes, the timer) follows the session's driver rule:
//! feed it, send what `poll_transmit` gives as one frame, act on transport events, collect the
//! rest, re-arm the timer. Listeners and promise callbacks run only after the internal borrow
//! is released, so a listener may call back into the client (publish from a message handler).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::client::{
    Client, ClientError, Completion, Event, LostReason, OpId, OutgoingMessage, SessionState, SortedMap,
};
use scratch_mqtt_core::codec::{ProtocolVersion, QoS, RetainHandling, Subscription, SubscriptionOptions};

use crate::batch::{MessageBatch, TopicSlots};
use crate::convert::{self, payload_bytes, properties_object, set};
use crate::errors::{self, Code, ErrorCode, js_error};
use crate::options::{self, JsPublishProperties};
use crate::socket::{Socket, SocketEvent};
use crate::tap::PacketTap;
use crate::timer::Timer;
use crate::url::{self, UrlError};

/// The promise callbacks of one pending operation.
struct Waiter {
    resolve: Function,
    reject: Function,
    /// The filters of a subscribe, to report `{topic, qos}` per filter.
    filters: Vec<String>,
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

struct Driver {
    session: Client,
    url: String,
    subprotocol: &'static str,
    socket: Option<Socket>,
    /// Sockets closed during a socket callback are kept until the next turn: dropping the
    /// handler that is running would pull it out from under itself.
    retired: Vec<Socket>,
    socket_generation: u64,
    timer: Option<Timer>,
    /// The deadline the timer is armed for: re-arming costs a message to the Worker, so it is
    /// done only when the session's deadline comes earlier (see `rearm`).
    armed: Option<u64>,
    /// A flush is queued as a microtask: operations made in one JS turn leave as one frame.
    flush_queued: bool,
    waiters: SortedMap<OpId, Waiter>,
    end_waiters: Vec<Function>,
    /// Topics of received messages already known to the JS side (`Shared::topic_strings`).
    topics: TopicSlots,
    ever_connected: bool,
    /// Between a lost connection (or a failed attempt) that will be retried and the next
    /// CONNACK: what MQTT.js calls `reconnecting`.
    reconnecting: bool,
    /// `end()` found the client connected: its ending closes a connection (`close`, then `end`).
    close_on_end: bool,
    /// Reads packets back for `packetsend`/`packetreceive`, while the page listens to them.
    tap: Option<PacketTap>,
}

struct Shared {
    driver: RefCell<Driver>,
    /// `dispatch(name, a, b, c)` of the JS wrapper. Here, outside the `RefCell`, so reaching it
    /// costs no borrow and no reference clone across the boundary per frame.
    dispatch: Function,
    /// The JS half of the topic cache (`Driver::topics` is the Rust half).
    topic_strings: Array,
}

/// One MQTT connection to one broker over a WebSocket. JS code uses `MqttClient` from
/// `js/mqtt.js`, which wraps this.
#[wasm_bindgen]
pub struct Connection {
    shared: Rc<Shared>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

/// Milliseconds from the page's monotonic clock. The shell is the one layer that reads time;
/// socket frames come stamped by the same clock (`socket::now`).
fn now() -> u64 {
    crate::socket::now() as u64
}

fn random_u32() -> u32 {
    (js_sys::Math::random() * 4_294_967_296.0) as u32
}

fn page_protocol() -> Option<String> {
    let location = Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    Reflect::get(&location, &"protocol".into()).ok()?.as_string()
}

#[wasm_bindgen]
impl Connection {
    /// Checks the URL and options; throws an `MqttError` (`ERR_BAD_URL`, `ERR_MIXED_CONTENT`,
    /// `ERR_BAD_OPTIONS`) when they cannot work. Nothing is opened until `start`.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: JsValue, dispatch: Function) -> Result<Connection, JsValue> {
        let broker = url::parse(url, page_protocol().as_deref()).map_err(|error| match error {
            UrlError::Bad(message) => js_error(ErrorCode::BadUrl, &message),
            UrlError::MixedContent => js_error(
                ErrorCode::MixedContent,
                "this page is https, so the browser blocks ws:// to other hosts: use a wss:// URL",
            ),
        })?;
        let options = options::parse(&options, broker.username, broker.password)?;
        let subprotocol = if options.version == ProtocolVersion::V3_1 {
            "mqttv3.1"
        } else {
            "mqtt"
        };
        let session = Client::new(options, random_u32).map_err(|e| errors::from_options(&e))?;
        let driver = Driver {
            session,
            url: broker.href,
            subprotocol,
            socket: None,
            retired: Vec::new(),
            socket_generation: 0,
            timer: None,
            armed: None,
            flush_queued: false,
            waiters: SortedMap::new(),
            end_waiters: Vec::new(),
            topics: TopicSlots::new(),
            ever_connected: false,
            reconnecting: false,
            close_on_end: false,
            tap: None,
        };
        let shared = Rc::new(Shared {
            driver: RefCell::new(driver),
            dispatch,
            topic_strings: Array::new(),
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
        Ok(Self { shared })
    }

    /// Starts connecting (and reconnecting, per the options).
    pub fn start(&self) {
        Shared::input(&self.shared, |session, now| session.connect(now));
    }

    /// Whether the client is connected now.
    #[wasm_bindgen(getter)]
    pub fn connected(&self) -> bool {
        self.shared
            .driver
            .try_borrow()
            .is_ok_and(|d| d.session.state() == SessionState::Connected)
    }

    /// The client id in use (generated, or assigned by a v5 server when none was given).
    #[wasm_bindgen(getter, js_name = clientId)]
    pub fn client_id(&self) -> String {
        self.shared
            .driver
            .try_borrow()
            .map(|d| d.session.client_id().to_owned())
            .unwrap_or_default()
    }

    /// Whether a lost connection is being re-established (a retry is waiting or under way).
    #[wasm_bindgen(getter)]
    pub fn reconnecting(&self) -> bool {
        self.shared.driver.try_borrow().is_ok_and(|d| {
            d.reconnecting
                && matches!(
                    d.session.state(),
                    SessionState::WaitingToReconnect | SessionState::Connecting
                )
        })
    }

    /// The options in effect, defaults filled in, under MQTT.js's names (never the password).
    #[wasm_bindgen(getter)]
    pub fn options(&self) -> Object {
        let object = Object::new();
        let Ok(driver) = self.shared.driver.try_borrow() else {
            return object;
        };
        let options = driver.session.options();
        set(&object, "href", driver.url.as_str());
        set(&object, "protocolVersion", options.version.level());
        set(&object, "clientId", driver.session.client_id());
        set(&object, "clean", options.clean_start);
        set(&object, "keepalive", options.keep_alive_secs);
        if let Some(username) = &options.username {
            set(&object, "username", username.as_str());
        }
        set(&object, "connectTimeout", options.connect_timeout_ms as f64);
        let reconnect_period = if options.reconnect.enabled {
            options.reconnect.initial_delay_ms
        } else {
            0
        };
        set(&object, "reconnectPeriod", reconnect_period as f64);
        set(&object, "maxInflight", options.send_quota(u16::MAX));
        set(&object, "offlineQueueSize", options.offline_queue_capacity as f64);
        object
    }

    /// Turns `packetsend`/`packetreceive` reporting on or off (the JS wrapper does, as listeners
    /// come and go).
    #[wasm_bindgen(setter, js_name = packetEvents)]
    pub fn set_packet_events(&self, on: bool) {
        if let Ok(mut driver) = self.shared.driver.try_borrow_mut() {
            if !on {
                driver.tap = None;
            } else if driver.tap.is_none() {
                driver.tap = Some(PacketTap::new(driver.session.options().version));
            }
        }
    }

    /// Whether the keepalive timer runs in a Worker (not throttled in hidden tabs).
    #[wasm_bindgen(getter, js_name = timerInWorker)]
    pub fn timer_in_worker(&self) -> bool {
        self.shared
            .driver
            .try_borrow()
            .is_ok_and(|d| d.timer.as_ref().is_some_and(Timer::uses_worker))
    }

    /// Subscribes to a filter or a list of filters; resolves with `[{topic, qos}]` once granted.
    /// Options: `{qos, nl, rap, rh}` (v5 no local, retain as published, retain handling).
    pub fn subscribe(&self, filters: JsValue, options: JsValue) -> Promise {
        let prepared = filter_list(&filters).and_then(|filters| {
            let options = subscription_options(&options)?;
            Ok((filters, options))
        });
        let (filters, sub_options) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => return Promise::reject(&error),
        };
        let subscriptions: Vec<Subscription<'static>> = filters
            .iter()
            .map(|filter| Subscription {
                filter: filter.clone().into(),
                options: sub_options,
            })
            .collect();
        self.operation(filters, move |session, now| {
            session.subscribe(now, subscriptions, Default::default())
        })
    }

    /// Unsubscribes from a filter or a list of filters.
    pub fn unsubscribe(&self, filters: JsValue) -> Promise {
        let filters = match filter_list(&filters) {
            Ok(filters) => filters,
            Err(error) => return Promise::reject(&error),
        };
        let list = filters.clone();
        self.operation(filters, move |session, now| {
            session.unsubscribe(now, list, Default::default())
        })
    }

    /// Publishes; resolves when sent (QoS 0) or acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP).
    /// Options: `{qos, retain, properties}`.
    pub fn publish(&self, topic: JsValue, payload: JsValue, options: JsValue) -> Promise {
        let message = match outgoing_message(&topic, &payload, &options) {
            Ok(message) => message,
            Err(error) => return Promise::reject(&error),
        };
        self.operation(Vec::new(), move |session, now| session.publish(now, message))
    }

    /// Disconnects cleanly (DISCONNECT, then close); every pending operation is rejected with
    /// `ERR_CLOSED`; the socket and the timer are released. Resolves when done; harmless twice.
    pub fn end(&self) -> Promise {
        if let Ok(mut driver) = self.shared.driver.try_borrow_mut() {
            driver.close_on_end = driver.session.state() == SessionState::Connected;
        }
        let shared = self.shared.clone();
        let promise = Promise::new(&mut |resolve, _| {
            if let Ok(mut driver) = shared.driver.try_borrow_mut() {
                driver.end_waiters.push(resolve);
            }
        });
        Shared::input(&self.shared, |session, now| session.disconnect(now));
        Shared::finish_end(&self.shared);
        promise
    }
}

impl Connection {
    /// Runs `f` on the session and returns a promise settled by the operation's completion.
    fn operation(
        &self,
        filters: Vec<String>,
        f: impl FnOnce(&mut Client, u64) -> Result<OpId, ClientError>,
    ) -> Promise {
        let mut result = None;
        let mut f = Some(f);
        Shared::defer(&self.shared, &mut |session, now| {
            result = f.take().map(|f| f(session, now));
        });
        self.promise_for(filters, result)
    }

    /// The promise of an operation `result` (or of none: the client was busy), compiled once.
    fn promise_for(&self, filters: Vec<String>, result: Option<Result<OpId, ClientError>>) -> Promise {
        let op = match result {
            Some(Ok(op)) => op,
            Some(Err(error)) => return Promise::reject(&errors::from_client(&error)),
            None => return Promise::reject(&js_error(ErrorCode::Closed, "the client is busy")),
        };
        // The operation's completion comes from the flush, after this promise is registered.
        let shared = self.shared.clone();
        Promise::new(&mut |resolve, reject| {
            let waiter = Waiter {
                resolve,
                reject,
                filters: filters.clone(),
            };
            if let Ok(mut driver) = shared.driver.try_borrow_mut() {
                driver.waiters.insert(op, waiter);
            }
        })
    }
}

impl Shared {
    /// Feeds one input to the session and runs the driver rule. Re-entrant calls (from inside a
    /// listener) are fine: no borrow is held while JS runs.
    fn input(shared: &Rc<Self>, f: impl FnOnce(&mut Client, u64)) {
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
    fn defer(shared: &Rc<Self>, f: &mut dyn FnMut(&mut Client, u64)) {
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
    fn finish_end(shared: &Rc<Self>) {
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
                Notice::Messages(batch) => batch.deliver(&shared.topic_strings, &shared.dispatch),
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
            // MQTT.js: `disconnect` carries the broker's DISCONNECT packet.
            let packet = Object::new();
            set(&packet, "cmd", "disconnect");
            set(&packet, "reasonCode", code.0);
            if let Some(text) = reason_string {
                let properties = Object::new();
                set(&properties, "reasonString", text.as_str());
                set(&packet, "properties", properties);
            }
            Self::emit(shared, "disconnect", &[packet.into()]);
        }
        let never_connected = shared.driver.try_borrow().is_ok_and(|d| !d.ever_connected);
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
                // Shaped as MQTT.js's CONNACK packet, with our extras (clientId).
                let details = Object::new();
                set(&details, "cmd", "connack");
                set(&details, "returnCode", 0);
                set(&details, "reasonCode", 0);
                set(&details, "sessionPresent", connected.session_present);
                set(&details, "clientId", connected.client_id.as_str());
                if let Some(properties) = properties_object(&connected.properties) {
                    set(&details, "properties", properties);
                }
                Self::emit(shared, "connect", &[details.into()]);
            }
            Event::ReconnectScheduled { attempt, delay_ms } => {
                let details = Object::new();
                set(&details, "attempt", attempt);
                set(&details, "delay", delay_ms as f64);
                Self::emit(shared, "reconnect", &[details.into()]);
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
                        let v5 = self.session.options().version.is_v5();
                        batch.push(&message, v5, &mut self.topics);
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
                        Event::Connected(_) => {
                            self.ever_connected = true;
                            self.reconnecting = false;
                        }
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
        match Socket::open(&self.url, self.subprotocol, sink) {
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
fn subscribe_result(
    filters: &[String],
    results: &[Result<QoS, scratch_mqtt_core::codec::ReasonCode>],
) -> Result<JsValue, JsValue> {
    let granted = Array::new();
    let mut refused = Vec::new();
    for (filter, result) in filters.iter().zip(results) {
        let entry = Object::new();
        set(&entry, "topic", filter.as_str());
        let qos = match result {
            Ok(qos) => *qos as u8,
            Err(code) => {
                refused.push((filter.as_str(), *code));
                set(&entry, "reasonCode", code.0);
                0x80
            }
        };
        set(&entry, "qos", qos);
        granted.push(&entry);
    }
    let Some(&(_, first_code)) = refused.first() else {
        return Ok(granted.into());
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
    let _ = Reflect::set(&error, &"granted".into(), &granted);
    Err(error)
}

fn filter_list(value: &JsValue) -> Result<Vec<String>, JsValue> {
    if let Some(filter) = value.as_string() {
        return Ok(vec![filter]);
    }
    if Array::is_array(value) {
        let list: Array = value.clone().unchecked_into();
        return list
            .iter()
            .map(|item| {
                item.as_string()
                    .ok_or_else(|| js_error(ErrorCode::TopicInvalid, "topic filters are strings"))
            })
            .collect();
    }
    Err(js_error(
        ErrorCode::TopicInvalid,
        "give a topic filter (a string) or a list of them",
    ))
}

fn get(object: &JsValue, name: &'static str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &convert::key(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn subscription_options(options: &JsValue) -> Result<SubscriptionOptions, JsValue> {
    let retain_handling = match get(options, "rh").as_f64() {
        None | Some(0.0) => RetainHandling::SendAtSubscribe,
        Some(1.0) => RetainHandling::SendAtNewSubscribe,
        Some(2.0) => RetainHandling::DoNotSend,
        Some(_) => {
            return Err(js_error(
                ErrorCode::BadOptions,
                "rh (retain handling) is 0, 1 or 2",
            ));
        }
    };
    Ok(SubscriptionOptions {
        qos: convert::qos(&get(options, "qos"))?,
        no_local: get(options, "nl").is_truthy(),
        retain_as_published: get(options, "rap").is_truthy(),
        retain_handling,
    })
}

fn outgoing_message(
    topic: &JsValue,
    payload: &JsValue,
    options: &JsValue,
) -> Result<OutgoingMessage, JsValue> {
    let topic = topic
        .as_string()
        .ok_or_else(|| js_error(ErrorCode::TopicInvalid, "the topic is a string"))?;
    let mut message = OutgoingMessage::new(
        topic,
        payload_bytes(payload)?,
        convert::qos(&get(options, "qos"))?,
    );
    message.retain = get(options, "retain").is_truthy();
    let properties = get(options, "properties");
    if properties.is_object() {
        let js: JsPublishProperties = options::read(&properties, "properties")?;
        message.properties = js.into_properties();
    }
    Ok(message)
}

/// Queues a flush of `shared` as a microtask (`queueMicrotask` exists in windows and workers);
/// false when it could not be queued, so the caller flushes at once. The task holds only a weak
/// reference and frees itself when run: a client freed before the microtask runs is no error.
fn queue_flush(shared: &Rc<Shared>) -> bool {
    let global = js_sys::global();
    let Ok(queue) =
        Reflect::get(&global, &convert::key("queueMicrotask")).and_then(|f| f.dyn_into::<Function>())
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
