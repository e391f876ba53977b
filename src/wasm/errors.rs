//! Every failure crosses into JavaScript as an `Error` whose `code` is stable (`ERR_…`) and whose
//! message is a plain sentence. Codes for server refusals come from the reason code's own name
//! (`not authorized` → `ERR_NOT_AUTHORIZED`), so every CONNACK refusal has one.

use js_sys::{Error, Reflect};
use wasm_bindgen::prelude::*;

use crate::client::{ClientError, LostReason, OptionsError};
use crate::codec::ReasonCode;

/// A JS `Error` named `MqttError` with a `code`.
pub(crate) fn js_error(code: &str, message: &str) -> JsValue {
    let error = Error::new(message);
    error.set_name("MqttError");
    let _ = Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}

/// `ERR_` and the reason code's name in capitals (`ERR_BAD_USER_NAME_OR_PASSWORD`).
/// Built char by char: `str::replace` and `format!` would link core's string-slicing panic,
/// which formats chars with `Debug` and Unicode tables.
pub(crate) fn reason_code_error(code: ReasonCode) -> String {
    let mut out = String::from("ERR_");
    match code.name() {
        Some(name) => out.extend(name.chars().map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_uppercase(),
        })),
        None => {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push_str("REASON_0x");
            for nibble in [code.0 >> 4, code.0 & 0xF] {
                out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
            }
        }
    }
    out
}

pub(crate) fn lost_code(reason: &LostReason) -> String {
    match reason {
        LostReason::Refused { code, .. } => reason_code_error(*code),
        LostReason::ConnectTimeout | LostReason::KeepAliveTimeout => "ERR_TIMEOUT".into(),
        LostReason::Protocol(_) => "ERR_PROTOCOL".into(),
        LostReason::ServerDisconnect { reason, .. } => reason_code_error(*reason),
        LostReason::TransportClosed(_) => "ERR_CONNECTION_CLOSED".into(),
    }
}

pub(crate) fn client_code(error: &ClientError) -> String {
    match error {
        ClientError::InvalidTopic(_) | ClientError::NoTopicFilters => "ERR_TOPIC_INVALID".into(),
        ClientError::PacketTooLarge { .. } => "ERR_PACKET_TOO_LARGE".into(),
        ClientError::QosNotSupported { .. } => "ERR_QOS_NOT_SUPPORTED".into(),
        ClientError::RetainNotSupported => "ERR_RETAIN_NOT_SUPPORTED".into(),
        ClientError::WildcardSubscriptionNotSupported => "ERR_WILDCARD_NOT_SUPPORTED".into(),
        ClientError::SharedSubscriptionNotSupported => "ERR_SHARED_SUBSCRIPTION_NOT_SUPPORTED".into(),
        ClientError::SubscriptionIdentifierNotSupported => "ERR_SUBSCRIPTION_ID_NOT_SUPPORTED".into(),
        ClientError::NoLocalOnSharedSubscription => "ERR_BAD_OPTIONS".into(),
        ClientError::OfflineQueueFull { .. } => "ERR_QUEUE_FULL".into(),
        ClientError::Closed => "ERR_CLOSED".into(),
        ClientError::Refused { reason, .. } => reason_code_error(*reason),
        ClientError::ConnectionLost(reason) => lost_code(reason),
        ClientError::Encode(_) => "ERR_BAD_INPUT".into(),
    }
}

pub(crate) fn from_client(error: &ClientError) -> JsValue {
    js_error(&client_code(error), &error.to_string())
}

pub(crate) fn from_lost(reason: &LostReason) -> JsValue {
    js_error(&lost_code(reason), &reason.to_string())
}

pub(crate) fn from_options(error: &OptionsError) -> JsValue {
    js_error("ERR_BAD_OPTIONS", &error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn refusals_are_named_after_their_reason_code() {
        let cases = [
            (ReasonCode::NOT_AUTHORIZED, "ERR_NOT_AUTHORIZED"),
            (
                ReasonCode::BAD_USER_NAME_OR_PASSWORD,
                "ERR_BAD_USER_NAME_OR_PASSWORD",
            ),
            (ReasonCode::SERVER_UNAVAILABLE, "ERR_SERVER_UNAVAILABLE"),
            (ReasonCode::RE_AUTHENTICATE, "ERR_RE_AUTHENTICATE"),
            (ReasonCode(0xFE), "ERR_REASON_0xFE"),
        ];
        for (code, expected) in cases {
            assert_eq!(reason_code_error(code), expected);
        }
    }

    #[wasm_bindgen_test]
    fn errors_carry_code_and_message() {
        let error = from_client(&ClientError::Closed);
        assert_eq!(Reflect::get(&error, &"code".into()).unwrap(), "ERR_CLOSED");
        assert_eq!(Reflect::get(&error, &"name".into()).unwrap(), "MqttError");
        assert!(error.is_instance_of::<Error>());
    }
}
