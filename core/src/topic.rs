//! Topic names and filters (MQTT 3.1.1 §4.7, 5.0 §4.7–4.8): validation, matching, and a small
//! router from filters to local handlers.
//!
//! Names are what a PUBLISH carries (`sensors/kitchen/temp`); filters are what a SUBSCRIBE asks
//! for and may hold wildcards: `+` fills exactly one level, `#` fills any number of trailing
//! levels (including none: `a/#` matches `a`). Topics starting with `$` are never matched by a
//! filter that starts with a wildcard (MQTT-4.7.2-1). `$share/{group}/{filter}` is a shared
//! subscription: the broker hands each message to one member of the group; locally it matches
//! like `{filter}`.

use crate::prelude::*;
use core::fmt;

/// The longest topic the wire format can carry.
pub const MAX_TOPIC_LEN: usize = 65_535;

const SHARE_PREFIX: &str = "$share/";

/// Why a topic name or filter is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicError {
    /// Names and filters have at least one character.
    Empty,
    /// Longer than 65,535 bytes of UTF-8.
    TooLong,
    /// Contains U+0000.
    NullCharacter,
    /// A topic name (what is published to) contains `+` or `#`.
    WildcardInName,
    /// `#` is not alone in the last level of a filter.
    MisplacedMultiLevelWildcard,
    /// `+` does not fill a whole level of a filter.
    MisplacedSingleLevelWildcard,
    /// `$share/` not followed by a group name without wildcards, a `/`, and a filter.
    InvalidSharedSubscription,
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "topic is empty",
            Self::TooLong => "topic is longer than 65535 bytes",
            Self::NullCharacter => "topic contains U+0000",
            Self::WildcardInName => "a topic to publish to cannot contain + or #",
            Self::MisplacedMultiLevelWildcard => "# must be the last level of a filter, alone",
            Self::MisplacedSingleLevelWildcard => "+ must fill a whole level of a filter",
            Self::InvalidSharedSubscription => "a shared subscription is $share/{group}/{filter}",
        })
    }
}

impl core::error::Error for TopicError {}

fn validate_common(topic: &str) -> Result<(), TopicError> {
    if topic.is_empty() {
        return Err(TopicError::Empty);
    }
    if topic.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong);
    }
    // Byte scans: these run on every received message, and char patterns cost several times more.
    if topic.as_bytes().contains(&0) {
        return Err(TopicError::NullCharacter);
    }
    Ok(())
}

/// Checks a topic name, as published to.
pub fn validate_name(name: &str) -> Result<(), TopicError> {
    validate_common(name)?;
    if name.bytes().any(|b| b == b'+' || b == b'#') {
        return Err(TopicError::WildcardInName);
    }
    Ok(())
}

/// Checks a topic filter, as subscribed to (shared subscriptions included).
pub fn validate_filter(filter: &str) -> Result<(), TopicError> {
    validate_common(filter)?;
    let plain = match split_shared(filter) {
        Some((_, inner)) => inner,
        None if filter.starts_with(SHARE_PREFIX) => return Err(TopicError::InvalidSharedSubscription),
        None => filter,
    };
    let mut levels = plain.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') && (level != "#" || levels.peek().is_some()) {
            return Err(TopicError::MisplacedMultiLevelWildcard);
        }
        if level.contains('+') && level != "+" {
            return Err(TopicError::MisplacedSingleLevelWildcard);
        }
    }
    Ok(())
}

/// Splits `$share/{group}/{filter}` into its group and filter. `None` when `filter` is not a
/// well-formed shared subscription (no group, a wildcard in the group, or no filter).
pub fn split_shared(filter: &str) -> Option<(&str, &str)> {
    let rest = filter.strip_prefix(SHARE_PREFIX)?;
    let (group, inner) = rest.split_once('/')?;
    if group.is_empty() || group.contains(['+', '#']) || inner.is_empty() {
        return None;
    }
    Some((group, inner))
}

/// Whether a message published to `name` matches `filter`. Assumes both are valid; a shared
/// subscription matches like the filter inside it.
pub fn matches(filter: &str, name: &str) -> bool {
    let filter = split_shared(filter).map_or(filter, |(_, inner)| inner);
    if name.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut names = name.split('/');
    for level in filter.split('/') {
        if level == "#" {
            return true;
        }
        match names.next() {
            Some(part) if level == "+" || level == part => {}
            _ => return false,
        }
    }
    names.next().is_none()
}

/// Local handlers keyed by topic filter: given an incoming topic, which handlers want it.
/// A linear scan: the handlers of one page or Scratch project are few, and order is kept
/// so handlers run in the order they were added.
#[derive(Debug, Clone)]
pub struct Router<T> {
    routes: Vec<(String, T)>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Self { routes: Vec::new() }
    }
}

impl<T> Router<T> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a handler for `filter` after checking the filter.
    pub fn add(&mut self, filter: &str, handler: T) -> Result<(), TopicError> {
        validate_filter(filter)?;
        self.routes.push((filter.to_owned(), handler));
        Ok(())
    }

    /// Removes every handler for which `keep` returns false.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &T) -> bool) {
        self.routes.retain(|(filter, handler)| keep(filter, handler));
    }

    /// The handlers whose filter matches `name`, in the order they were added.
    pub fn matching<'r>(&'r self, name: &'r str) -> impl Iterator<Item = &'r T> + 'r {
        self.routes
            .iter()
            .filter(move |(filter, _)| matches(filter, name))
            .map(|(_, handler)| handler)
    }

    /// Whether no handler is registered.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// How many handlers are registered.
    pub fn len(&self) -> usize {
        self.routes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let long = "a".repeat(MAX_TOPIC_LEN + 1);
        let cases: &[(&str, Result<(), TopicError>)] = &[
            ("a", Ok(())),
            ("/", Ok(())),
            ("a//b", Ok(())),
            ("$SYS/broker/load", Ok(())),
            ("温度/客厅", Ok(())),
            (" ", Ok(())),
            ("", Err(TopicError::Empty)),
            ("a/+/b", Err(TopicError::WildcardInName)),
            ("a/#", Err(TopicError::WildcardInName)),
            ("a+b", Err(TopicError::WildcardInName)),
            ("a\0b", Err(TopicError::NullCharacter)),
            (&long, Err(TopicError::TooLong)),
        ];
        for (name, expected) in cases {
            assert_eq!(validate_name(name), *expected, "name {name:?}");
        }
        assert_eq!(
            validate_name(&long[1..]),
            Ok(()),
            "exactly 65535 bytes is allowed"
        );
    }

    #[test]
    fn filters() {
        let cases: &[(&str, Result<(), TopicError>)] = &[
            ("#", Ok(())),
            ("+", Ok(())),
            ("a/#", Ok(())),
            ("+/+", Ok(())),
            ("/+", Ok(())),
            ("a/+/c/#", Ok(())),
            ("$SYS/#", Ok(())),
            ("$share/group/a/+", Ok(())),
            ("$share/g/#", Ok(())),
            ("$shared/x", Ok(())),
            ("", Err(TopicError::Empty)),
            ("a/#/b", Err(TopicError::MisplacedMultiLevelWildcard)),
            ("a#", Err(TopicError::MisplacedMultiLevelWildcard)),
            ("#/", Err(TopicError::MisplacedMultiLevelWildcard)),
            ("a/b#", Err(TopicError::MisplacedMultiLevelWildcard)),
            ("a+", Err(TopicError::MisplacedSingleLevelWildcard)),
            ("a/+b/c", Err(TopicError::MisplacedSingleLevelWildcard)),
            ("++", Err(TopicError::MisplacedSingleLevelWildcard)),
            ("$share/", Err(TopicError::InvalidSharedSubscription)),
            ("$share/group", Err(TopicError::InvalidSharedSubscription)),
            ("$share/group/", Err(TopicError::InvalidSharedSubscription)),
            ("$share//a", Err(TopicError::InvalidSharedSubscription)),
            ("$share/g+/a", Err(TopicError::InvalidSharedSubscription)),
            ("$share/g/a/#/b", Err(TopicError::MisplacedMultiLevelWildcard)),
            ("a\0", Err(TopicError::NullCharacter)),
        ];
        for (filter, expected) in cases {
            assert_eq!(validate_filter(filter), *expected, "filter {filter:?}");
        }
    }

    #[test]
    fn matching() {
        // (filter, name, matches)
        let cases: &[(&str, &str, bool)] = &[
            ("a/b", "a/b", true),
            ("a/b", "a/c", false),
            ("a/b", "a/b/c", false),
            ("a/b/c", "a/b", false),
            ("a/+", "a/b", true),
            ("a/+", "a/", true),
            ("a/+", "a", false),
            ("a/+", "a/b/c", false),
            ("+/+", "/finance", true),
            ("/+", "/finance", true),
            ("+", "/finance", false),
            ("a/#", "a", true),
            ("a/#", "a/b/c", true),
            ("a/#", "ab", false),
            ("#", "a/b", true),
            ("#", "/", true),
            ("+/b/#", "x/b", true),
            ("sensors/+/temp", "sensors/kitchen/temp", true),
            ("sensors/+/temp", "sensors/kitchen/humidity", false),
            ("#", "$SYS/load", false),
            ("+/load", "$SYS/load", false),
            ("$SYS/#", "$SYS/load", true),
            ("$SYS/+", "$SYS/load", true),
            ("$share/g/a/+", "a/b", true),
            ("$share/g/#", "x", true),
            ("$share/g/#", "$SYS/x", false),
            ("温度/+", "温度/客厅", true),
            ("A/b", "a/b", false),
        ];
        for (filter, name, expected) in cases {
            assert_eq!(matches(filter, name), *expected, "{filter:?} vs {name:?}");
        }
    }

    #[test]
    fn shared() {
        assert_eq!(split_shared("$share/g/a/b"), Some(("g", "a/b")));
        assert_eq!(split_shared("a/b"), None);
        assert_eq!(split_shared("$share/g"), None);
    }

    #[test]
    fn router_routes_in_insertion_order_and_rejects_bad_filters() {
        let mut router = Router::new();
        router.add("sensors/#", 1).unwrap();
        router.add("sensors/+/temp", 2).unwrap();
        router.add("other", 3).unwrap();
        assert_eq!(
            router.add("a/#/b", 4),
            Err(TopicError::MisplacedMultiLevelWildcard)
        );
        assert_eq!(
            router
                .matching("sensors/kitchen/temp")
                .copied()
                .collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(router.matching("nothing").count(), 0);
        router.retain(|_, handler| *handler != 1);
        assert_eq!(
            router
                .matching("sensors/kitchen/temp")
                .copied()
                .collect::<Vec<_>>(),
            [2]
        );
        assert_eq!(router.len(), 2);
    }
}
