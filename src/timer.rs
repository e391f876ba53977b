//! One re-armable timer for the session's next deadline.
//!
//! Chrome throttles main-thread timers in hidden tabs to about one wake-up a minute, which
//! kills keepalive. Timers inside a dedicated Worker are not throttled that way, so the timer
//! runs in a tiny Worker made from a Blob. A Content-Security-Policy without `blob:` in
//! `worker-src` refuses that Worker silently: the constructor succeeds and the Worker never
//! runs. So the Worker must prove itself by answering a first message; until it has, every
//! arming also arms `setTimeout` on this global (firing twice is harmless: the session only
//! does what is due). Where no Worker can be made at all, `setTimeout` alone is used.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

/// The Worker's whole program: `postMessage(ms)` arms, `postMessage(-1)` disarms, and any value
/// below -1 (the `PROBE`) is sent straight back (proof that the Worker runs).
const WORKER_SOURCE: &str = "let t;onmessage=e=>{if(e.data<-1)return postMessage(e.data);clearTimeout(t);if(e.data>=0)t=setTimeout(()=>postMessage(0),e.data)}";
const PROBE: i32 = -2;

/// `setTimeout` on this global, one arming at a time.
struct MainThreadTimer {
    handle: Option<JsValue>,
    callback: Closure<dyn FnMut()>,
}

impl MainThreadTimer {
    fn new(fire: Rc<dyn Fn()>) -> Self {
        Self {
            handle: None,
            callback: Closure::<dyn FnMut()>::new(move || fire()),
        }
    }

    fn arm(&mut self, ms: u32) {
        self.disarm();
        self.handle = set_timeout(self.callback.as_ref().unchecked_ref(), ms);
    }

    fn disarm(&mut self) {
        clear_timeout(self.handle.take());
    }
}

impl Drop for MainThreadTimer {
    fn drop(&mut self) {
        self.disarm();
    }
}

struct WorkerTimer {
    worker: Worker,
    url: String,
    /// The Worker answered the probe: it runs, and the main-thread timer is no longer needed.
    proven: Rc<Cell<bool>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// Calls `fire` once after each `arm(ms)`, unless re-armed or disarmed first (at most one
/// extra call while the Worker has not proven itself yet).
pub(crate) struct Timer {
    worker: Option<WorkerTimer>,
    main_thread: MainThreadTimer,
}

impl std::fmt::Debug for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timer")
            .field("worker", &self.worker.is_some())
            .field("worker_proven", &self.uses_worker())
            .finish()
    }
}

impl Timer {
    pub(crate) fn new(fire: Rc<dyn Fn()>) -> Self {
        Self {
            worker: start_worker(fire.clone()).ok(),
            main_thread: MainThreadTimer::new(fire),
        }
    }

    /// Fires after `ms` milliseconds, replacing any earlier arming.
    pub(crate) fn arm(&mut self, ms: u32) {
        if let Some(timer) = &self.worker {
            let _ = timer.worker.post_message(&JsValue::from(ms));
        }
        if self.uses_worker() {
            self.main_thread.disarm();
        } else {
            self.main_thread.arm(ms);
        }
    }

    /// Cancels the pending firing, if any.
    pub(crate) fn disarm(&mut self) {
        if let Some(timer) = &self.worker {
            let _ = timer.worker.post_message(&JsValue::from(-1));
        }
        self.main_thread.disarm();
    }

    /// Whether the hidden-tab-proof Worker is running (it answered its probe).
    pub(crate) fn uses_worker(&self) -> bool {
        self.worker.as_ref().is_some_and(|timer| timer.proven.get())
    }
}

impl Drop for WorkerTimer {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.url);
    }
}

fn start_worker(fire: Rc<dyn Fn()>) -> Result<WorkerTimer, JsValue> {
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
    let proven = Rc::new(Cell::new(false));
    let seen = proven.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if event.data().as_f64() == Some(f64::from(PROBE)) {
            seen.set(true);
        } else {
            fire();
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.post_message(&JsValue::from(PROBE))?;
    Ok(WorkerTimer {
        worker,
        url,
        proven,
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
