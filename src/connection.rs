//! `Connection`, the class JavaScript sees: the MQTT.js-like `MqttClient` in `js/mqtt.js` wraps
//! it (listeners, chaining), and every event reaches that wrapper through one
//! `dispatch(name, a, b, c)` function, so a message costs one call across the boundary. Each
//! method reads its arguments (`from_js`), hands the session one input through the driver, and
//! returns a promise the driver settles.

use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::client::{Client, ClientError, OpId, SessionState};

use crate::driver::{Shared, Waiter};
use crate::errors::{self, ErrorCode, js_error};
use crate::from_js;
use crate::tap::PacketTap;
use crate::timer::Timer;
use crate::to_js;
use crate::url::{self, UrlError};

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
        let options = from_js::options(&options, broker.username, broker.password)?;
        let session = Client::new(options, random_u32).map_err(|e| errors::from_options(&e))?;
        let shared = Shared::new(session, broker.href, dispatch);
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
    pub fn options(&self) -> JsValue {
        match self.shared.driver.try_borrow() {
            Ok(driver) => {
                to_js::options_in_effect(&driver.url, driver.session.client_id(), driver.session.options())
            }
            Err(_) => js_sys::Object::new().into(),
        }
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
        let prepared = from_js::filter_list(&filters).and_then(|filters| {
            let subscriptions = from_js::subscriptions(&filters, &options)?;
            Ok((filters, subscriptions))
        });
        let (filters, subscriptions) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => return Promise::reject(&error),
        };
        self.operation(filters, move |session, now| {
            session.subscribe(now, subscriptions, Default::default())
        })
    }

    /// Unsubscribes from a filter or a list of filters.
    pub fn unsubscribe(&self, filters: JsValue) -> Promise {
        let filters = match from_js::filter_list(&filters) {
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
        let message = match from_js::outgoing_message(&topic, &payload, &options) {
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
