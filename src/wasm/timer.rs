//! One re-armable timer for the session's next deadline.
//!
//! Chrome throttles main-thread timers in hidden tabs to about one wake-up a minute, which
//! kills keepalive. Timers inside a dedicated Worker are not throttled that way, so the timer
//! runs in a tiny Worker made from a Blob; where a Worker cannot be made (a strict CSP, or no
//! Worker in this global) it falls back to `setTimeout`, which still works in a visible tab.

use std::rc::Rc;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

/// The Worker's whole program: `postMessage(ms)` arms, `postMessage(-1)` disarms.
const WORKER_SOURCE: &str =
    "let t;onmessage=e=>{clearTimeout(t);if(e.data>=0)t=setTimeout(()=>postMessage(0),e.data)}";

enum Backend {
    Worker {
        worker: Worker,
        url: String,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
    },
    SetTimeout {
        handle: Option<JsValue>,
        callback: Closure<dyn FnMut()>,
    },
}

/// Calls `fire` once after each `arm(ms)`, unless re-armed or disarmed first.
pub(crate) struct Timer {
    backend: Backend,
}

impl std::fmt::Debug for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.backend {
            Backend::Worker { .. } => "worker",
            Backend::SetTimeout { .. } => "setTimeout",
        };
        f.debug_struct("Timer").field("backend", &kind).finish()
    }
}

impl Timer {
    pub(crate) fn new(fire: Rc<dyn Fn()>) -> Self {
        let backend = match worker_backend(fire.clone()) {
            Ok(backend) => backend,
            Err(_) => {
                let callback = Closure::<dyn FnMut()>::new(move || fire());
                Backend::SetTimeout {
                    handle: None,
                    callback,
                }
            }
        };
        Self { backend }
    }

    /// Fires after `ms` milliseconds, replacing any earlier arming.
    pub(crate) fn arm(&mut self, ms: u32) {
        match &mut self.backend {
            Backend::Worker { worker, .. } => {
                let _ = worker.post_message(&JsValue::from(ms));
            }
            Backend::SetTimeout { handle, callback } => {
                clear_timeout(handle.take());
                *handle = set_timeout(callback.as_ref().unchecked_ref(), ms);
            }
        }
    }

    /// Cancels the pending firing, if any.
    pub(crate) fn disarm(&mut self) {
        match &mut self.backend {
            Backend::Worker { worker, .. } => {
                let _ = worker.post_message(&JsValue::from(-1));
            }
            Backend::SetTimeout { handle, .. } => clear_timeout(handle.take()),
        }
    }

    /// Whether the hidden-tab-proof Worker backend is in use.
    pub(crate) fn uses_worker(&self) -> bool {
        matches!(self.backend, Backend::Worker { .. })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        match &mut self.backend {
            Backend::Worker { worker, url, .. } => {
                worker.set_onmessage(None);
                worker.terminate();
                let _ = Url::revoke_object_url(url);
            }
            Backend::SetTimeout { handle, .. } => clear_timeout(handle.take()),
        }
    }
}

fn worker_backend(fire: Rc<dyn Fn()>) -> Result<Backend, JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let parts = Array::of1(&JsValue::from_str(WORKER_SOURCE));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let worker = match Worker::new(&url) {
        Ok(worker) => worker,
        Err(err) => {
            let _ = Url::revoke_object_url(&url);
            return Err(err);
        }
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_| fire());
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    Ok(Backend::Worker {
        worker,
        url,
        _on_message: on_message,
    })
}

/// `setTimeout` of whatever global this runs in (a window or a worker). The handle is kept as it
/// comes: a number in browsers, an object in Node.
fn set_timeout(callback: &Function, ms: u32) -> Option<JsValue> {
    let global = js_sys::global();
    let set: Function = Reflect::get(&global, &"setTimeout".into())
        .ok()?
        .dyn_into()
        .ok()?;
    set.call2(&global, callback, &JsValue::from(ms)).ok()
}

fn clear_timeout(handle: Option<JsValue>) {
    let Some(handle) = handle else { return };
    let global = js_sys::global();
    if let Ok(clear) = Reflect::get(&global, &"clearTimeout".into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = clear.call1(&global, &handle);
    }
}
