//! JS strings for the names the shell reads and sets, made once per name: each string built
//! from Rust costs a TextDecoder call, which was a fifth of the time of `publish` before names
//! were kept.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

pub(crate) fn key(name: &'static str) -> JsValue {
    thread_local! {
        static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, value)) = keys.iter().find(|(known, _)| *known == name) {
            return value.clone();
        }
        let value = JsValue::from_str(name);
        keys.push((name, value.clone()));
        value
    })
}
