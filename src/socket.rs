//! One browser WebSocket carrying MQTT: binary frames only, handlers owned by the socket and
//! removed when it is dropped (no `.forget()`), so a client that is closed leaks nothing.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, Event, WebSocket};

// The message handler is JS because a frame is the hot path: reading `event.data`, checking its
// type, and copying it into wasm memory from Rust cost four boundary crossings per frame; here
// the bytes cross once, as the handler's argument, with the time they arrived. The clock is
// here too, so frames and every other input are timed by the same one.
#[wasm_bindgen(module = "/js/shell/socket.js")]
extern "C" {
    /// Milliseconds from the page's monotonic clock (`performance`, else `Date`).
    pub(crate) fn now() -> f64;

    #[wasm_bindgen(js_name = onBinaryMessage)]
    fn on_binary_message(
        ws: &WebSocket,
        handler: &Closure<dyn FnMut(Vec<u8>, f64)>,
        on_not_binary: &Closure<dyn FnMut()>,
    );
}

/// What the socket reports to its owner.
#[derive(Debug)]
pub(crate) enum SocketEvent {
    Open,
    /// The bytes of one binary frame (a frame may hold part of a packet or several packets),
    /// and the time they were handed over (from `now`, the clock of every input).
    Data {
        bytes: Vec<u8>,
        at: f64,
    },
    /// A frame that is not binary (text): not MQTT.
    NotBinary,
    /// The connection is gone. `code` is the WebSocket close code (1006 when it failed).
    Closed {
        code: u16,
        reason: String,
    },
}

type Sink = Rc<dyn Fn(SocketEvent)>;

/// An open or opening WebSocket.
pub(crate) struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(Vec<u8>, f64)>,
    _on_not_binary: Closure<dyn FnMut()>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket").field("url", &self.ws.url()).finish()
    }
}

impl Socket {
    /// Opens `url` offering `protocol` (`mqtt`, or `mqttv3.1` for MQTT 3.1). Events go to `sink`
    /// from the browser's event loop, never from inside this call.
    pub(crate) fn open(url: &str, protocol: &str, sink: Sink) -> Result<Self, JsValue> {
        let ws = WebSocket::new_with_str(url, protocol)?;
        // Array buffers arrive in order and synchronously readable; blobs would need async reads.
        ws.set_binary_type(BinaryType::Arraybuffer);

        let on_open = {
            let sink = sink.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| sink(SocketEvent::Open))
        };
        let on_message = {
            let sink = sink.clone();
            Closure::<dyn FnMut(Vec<u8>, f64)>::new(move |bytes, at| sink(SocketEvent::Data { bytes, at }))
        };
        let on_not_binary = {
            let sink = sink.clone();
            Closure::<dyn FnMut()>::new(move || sink(SocketEvent::NotBinary))
        };
        let on_close = {
            let sink = sink.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                sink(SocketEvent::Closed {
                    code: event.code(),
                    reason: event.reason(),
                })
            })
        };
        // An error is always followed by a close event, which carries the code: report once.
        let on_error = Closure::<dyn FnMut(Event)>::new(|_| {});

        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_binary_message(&ws, &on_message, &on_not_binary);
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_not_binary: on_not_binary,
            _on_close: on_close,
            _on_error: on_error,
        })
    }

    /// Sends one binary frame.
    pub(crate) fn send(&self, bytes: &[u8]) -> Result<(), JsValue> {
        self.ws.send_with_u8_array(bytes)
    }

    /// Detaches the handlers and closes the socket. Safe to call more than once.
    pub(crate) fn close(&self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        if self.ws.ready_state() < WebSocket::CLOSING {
            // 1000: normal closure. The browser may refuse it while CONNECTING; nothing to do then.
            let _ = self.ws.close_with_code(1000);
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close();
    }
}
