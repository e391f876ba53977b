//! Broker URLs: parsed by the browser's own URL parser, credentials taken out of the userinfo
//! (`wss://guest:test@host:8084/mqtt`, as CodeLab projects store them), and mixed content caught
//! before the browser fails with an opaque error.

use web_sys::Url;

/// A broker URL ready for `new WebSocket(…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BrokerUrl {
    /// The URL without userinfo: browsers refuse credentials in WebSocket URLs.
    pub(crate) href: String,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
}

/// Why a URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// Not a URL, or not `ws:`/`wss:`; the text says what to write instead.
    Bad(String),
    /// A `ws://` URL to another host from an `https:` page: the browser would block it.
    MixedContent,
}

/// Parses `url` for a page (or worker) whose own protocol is `page_protocol` (`"https:"` …).
pub(crate) fn parse(url: &str, page_protocol: Option<&str>) -> Result<BrokerUrl, UrlError> {
    let trimmed = url.trim();
    let parsed = Url::new(trimmed).map_err(|_| {
        UrlError::Bad(format!(
            "\"{}\" is not a URL; write it like wss://broker.example:8084/mqtt",
            without_password(trimmed)
        ))
    })?;
    match parsed.protocol().as_str() {
        "ws:" | "wss:" => {}
        "mqtt:" | "mqtts:" | "tcp:" | "ssl:" => {
            return Err(UrlError::Bad(
                "browsers reach MQTT brokers only over WebSockets: use a ws:// or wss:// URL".into(),
            ));
        }
        other => {
            return Err(UrlError::Bad(format!(
                "{other} is not a WebSocket URL: use ws:// or wss://"
            )));
        }
    }
    if parsed.protocol() == "ws:" && page_protocol == Some("https:") && !is_loopback(&parsed.hostname()) {
        return Err(UrlError::MixedContent);
    }
    let username = decoded(&parsed.username());
    let password = decoded(&parsed.password());
    parsed.set_username("");
    parsed.set_password("");
    Ok(BrokerUrl {
        href: parsed.href(),
        username,
        password,
    })
}

/// `text` with the password of its userinfo (`user:password@`) shown as `***`: error messages
/// land in logs and on screen, and a URL too broken for the browser's parser cannot be taken
/// apart by it. Errs on the side of hiding: everything between the first `:` after `//` (or
/// the start) and the last `@`.
fn without_password(text: &str) -> String {
    let Some((before_at, after_at)) = text.rsplit_once('@') else {
        return text.to_owned();
    };
    // A byte scan: a `&str` pattern would link the two-way string searcher into the wasm.
    let authority = before_at
        .as_bytes()
        .windows(2)
        .position(|pair| pair == b"//")
        .map_or(0, |slashes| slashes + 2);
    let (scheme, userinfo) = before_at.split_at_checked(authority).unwrap_or(("", before_at));
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}{user}:***@{after_at}"),
        None => text.to_owned(),
    }
}

/// Hosts browsers treat as potentially trustworthy, so `ws://` to them is allowed from https.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host.split('.').next() == Some("127") && host.split('.').count() == 4
}

/// The userinfo parts arrive percent-encoded; empty means absent.
fn decoded(part: &str) -> Option<String> {
    if part.is_empty() {
        return None;
    }
    Some(
        js_sys::decode_uri_component(part)
            .map(String::from)
            .unwrap_or_else(|_| part.to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn credentials_come_out_of_the_userinfo() {
        let url = parse("wss://guest:te%40st@mqtt.longan.link:8084/mqtt", Some("https:")).unwrap();
        assert_eq!(url.href, "wss://mqtt.longan.link:8084/mqtt");
        assert_eq!(url.username.as_deref(), Some("guest"));
        assert_eq!(url.password.as_deref(), Some("te@st"));
    }

    #[wasm_bindgen_test]
    fn urls_without_credentials_stay_as_they_are() {
        let url = parse(" ws://127.0.0.1:9001/mqtt ", Some("http:")).unwrap();
        assert_eq!(url.href, "ws://127.0.0.1:9001/mqtt");
        assert_eq!((url.username, url.password), (None, None));
    }

    #[wasm_bindgen_test]
    fn mixed_content_is_caught_except_for_loopback() {
        assert_eq!(
            parse("ws://broker.lan:8083/", Some("https:")),
            Err(UrlError::MixedContent)
        );
        for local in [
            "ws://localhost:8083/",
            "ws://127.0.0.1:8083/",
            "ws://[::1]:8083/",
            "ws://a.localhost/",
        ] {
            assert!(parse(local, Some("https:")).is_ok(), "{local}");
        }
        assert!(parse("ws://broker.lan:8083/", Some("http:")).is_ok());
        assert!(parse("wss://broker.lan:8084/", Some("https:")).is_ok());
    }

    #[wasm_bindgen_test]
    fn a_password_never_shows_in_a_url_error() {
        // (what was typed, what the error may show of it)
        let cases = [
            (
                "ws//guest:s3cr3t-Pw@127.0.0.1:1884",
                "ws//guest:***@127.0.0.1:1884",
            ),
            ("wss//guest:pa:ss@w0rd@host", "wss//guest:***@host"),
            ("not a url", "not a url"),
            ("guest@host here", "guest@host here"),
        ];
        for (typed, shown) in cases {
            let Err(UrlError::Bad(message)) = parse(typed, None) else {
                panic!("{typed:?} should not parse");
            };
            assert!(message.contains(&format!("\"{shown}\"")), "{typed:?}: {message}");
        }
        // Whatever the browser makes of them, the error never carries the password.
        for typed in [
            "ws//guest:s3cr3t-Pw@127.0.0.1:1884",
            "guest:s3cr3t-Pw@broker",
            "http://guest:s3cr3t-Pw@broker/",
            "mqtt://guest:s3cr3t-Pw@broker:1883",
            "ws://guest:s3cr3t-Pw@exa mple/",
        ] {
            let Err(UrlError::Bad(message)) = parse(typed, None) else {
                panic!("{typed:?} should not be accepted");
            };
            assert!(!message.contains("s3cr3t"), "{typed:?}: {message}");
        }
    }

    #[wasm_bindgen_test]
    fn bad_urls_say_what_to_write() {
        for bad in [
            "",
            "broker:1883",
            "mqtt://broker:1883",
            "http://broker/",
            "not a url",
        ] {
            assert!(matches!(parse(bad, None), Err(UrlError::Bad(_))), "{bad:?}");
        }
    }
}
