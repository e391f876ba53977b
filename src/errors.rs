//! Every failure crosses into JavaScript as an `Error` whose `code` is stable (`ERR_…`) and whose
//! message is a plain sentence. Codes for server refusals come from the reason code's own name
//! (`not authorized` → `ERR_NOT_AUTHORIZED`), so every CONNACK refusal has one.

use js_sys::{Error, Reflect};
use wasm_bindgen::prelude::*;

use scratch_mqtt_core::client::{ClientError, LostReason, OptionsError};
use scratch_mqtt_core::codec::ReasonCode;

/// The codes of failures that are ours to name; a broker's refusal is named after its reason
/// code instead (`reason_code_error`). Mirrored once, as `ErrorCode`, in `js/mqtt.d.ts` (checked
/// by `tests/build/types.test.mjs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorCode {
    BadUrl,
    MixedContent,
    BadOptions,
    BadInput,
    BadPayload,
    BadQos,
    Closed,
    ConnectionClosed,
    Unreachable,
    Timeout,
    Protocol,
    TopicInvalid,
    PacketTooLarge,
    QueueFull,
    QosNotSupported,
    RetainNotSupported,
    WildcardNotSupported,
    SharedSubscriptionNotSupported,
    SubscriptionIdNotSupported,
    SubscribeRefused,
}

impl ErrorCode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::BadUrl => "ERR_BAD_URL",
            Self::MixedContent => "ERR_MIXED_CONTENT",
            Self::BadOptions => "ERR_BAD_OPTIONS",
            Self::BadInput => "ERR_BAD_INPUT",
            Self::BadPayload => "ERR_BAD_PAYLOAD",
            Self::BadQos => "ERR_BAD_QOS",
            Self::Closed => "ERR_CLOSED",
            Self::ConnectionClosed => "ERR_CONNECTION_CLOSED",
            Self::Unreachable => "ERR_UNREACHABLE",
            Self::Timeout => "ERR_TIMEOUT",
            Self::Protocol => "ERR_PROTOCOL",
            Self::TopicInvalid => "ERR_TOPIC_INVALID",
            Self::PacketTooLarge => "ERR_PACKET_TOO_LARGE",
            Self::QueueFull => "ERR_QUEUE_FULL",
            Self::QosNotSupported => "ERR_QOS_NOT_SUPPORTED",
            Self::RetainNotSupported => "ERR_RETAIN_NOT_SUPPORTED",
            Self::WildcardNotSupported => "ERR_WILDCARD_NOT_SUPPORTED",
            Self::SharedSubscriptionNotSupported => "ERR_SHARED_SUBSCRIPTION_NOT_SUPPORTED",
            Self::SubscriptionIdNotSupported => "ERR_SUBSCRIPTION_ID_NOT_SUPPORTED",
            Self::SubscribeRefused => "ERR_SUBSCRIBE_REFUSED",
        }
    }
}

/// A failure's code: one of ours, or a broker's reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    Ours(ErrorCode),
    Refused(ReasonCode),
}

impl From<ErrorCode> for Code {
    fn from(code: ErrorCode) -> Self {
        Self::Ours(code)
    }
}

impl Code {
    fn text(self) -> String {
        match self {
            Self::Ours(code) => code.as_str().to_owned(),
            Self::Refused(reason) => reason_code_error(reason),
        }
    }
}

/// A JS `Error` named `MqttError` with a `code`.
pub(crate) fn js_error(code: impl Into<Code>, message: &str) -> JsValue {
    let error = Error::new(message);
    error.set_name("MqttError");
    let _ = Reflect::set(&error, &"code".into(), &code.into().text().into());
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

pub(crate) fn lost_code(reason: &LostReason) -> Code {
    match reason {
        LostReason::Refused { code, .. } => Code::Refused(*code),
        LostReason::ConnectTimeout | LostReason::KeepAliveTimeout => ErrorCode::Timeout.into(),
        LostReason::Protocol(_) => ErrorCode::Protocol.into(),
        LostReason::ServerDisconnect { reason, .. } => Code::Refused(*reason),
        LostReason::TransportClosed(_) => ErrorCode::ConnectionClosed.into(),
    }
}

pub(crate) fn client_code(error: &ClientError) -> Code {
    let ours = match error {
        ClientError::InvalidTopic(_) | ClientError::NoTopicFilters => ErrorCode::TopicInvalid,
        ClientError::PacketTooLarge { .. } => ErrorCode::PacketTooLarge,
        ClientError::QosNotSupported { .. } => ErrorCode::QosNotSupported,
        ClientError::RetainNotSupported => ErrorCode::RetainNotSupported,
        ClientError::WildcardSubscriptionNotSupported => ErrorCode::WildcardNotSupported,
        ClientError::SharedSubscriptionNotSupported => ErrorCode::SharedSubscriptionNotSupported,
        ClientError::SubscriptionIdentifierNotSupported => ErrorCode::SubscriptionIdNotSupported,
        ClientError::NoLocalOnSharedSubscription => ErrorCode::BadOptions,
        ClientError::OfflineQueueFull { .. } => ErrorCode::QueueFull,
        ClientError::Closed => ErrorCode::Closed,
        ClientError::Refused { reason, .. } => return Code::Refused(*reason),
        ClientError::ConnectionLost(reason) => return lost_code(reason),
        ClientError::Encode(_) => ErrorCode::BadInput,
    };
    ours.into()
}

pub(crate) fn from_client(error: &ClientError) -> JsValue {
    js_error(client_code(error), &error.to_string())
}

pub(crate) fn from_lost(reason: &LostReason) -> JsValue {
    js_error(lost_code(reason), &reason.to_string())
}

pub(crate) fn from_options(error: &OptionsError) -> JsValue {
    js_error(ErrorCode::BadOptions, &error.to_string())
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
