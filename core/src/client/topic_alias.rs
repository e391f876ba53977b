//! MQTT 5 topic aliases (§3.3.2.3.4): a number standing for a topic name, per connection and per
//! direction. Both tables start empty on every connection, which is why a PUBLISH re-sent after
//! a reconnect always carries its full topic.

use super::SortedMap;
use crate::prelude::*;

/// Why an incoming alias is not acceptable. Each is a protocol error that closes the connection
/// with reason TOPIC_ALIAS_INVALID (or PROTOCOL_ERROR for a missing topic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AliasError {
    /// Alias 0, or one above the Topic Alias Maximum we announced.
    OutOfRange { alias: u16, maximum: u16 },
    /// An empty topic with an alias the broker never defined on this connection.
    Unknown(u16),
    /// An empty topic without an alias.
    MissingTopic,
}

impl core::fmt::Display for AliasError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Self::OutOfRange { alias, maximum } => {
                write!(f, "topic alias {alias} is outside 1..={maximum}")
            }
            Self::Unknown(alias) => write!(f, "topic alias {alias} was never defined"),
            Self::MissingTopic => f.write_str("PUBLISH without a topic or a topic alias"),
        }
    }
}

/// Aliases the broker defines for messages it sends us. Supporting them is mandatory up to the
/// maximum we announced in CONNECT.
#[derive(Debug, Clone, Default)]
pub(crate) struct InboundAliases {
    maximum: u16,
    topics: SortedMap<u16, String>,
}

impl InboundAliases {
    pub(crate) fn new(maximum: u16) -> Self {
        Self {
            maximum,
            topics: SortedMap::new(),
        }
    }

    /// The topic a PUBLISH is for: `topic` itself when it is not empty (and, with an alias,
    /// remembered for it), or the topic remembered for `alias`.
    pub(crate) fn resolve(&mut self, topic: &str, alias: Option<u16>) -> Result<Option<String>, AliasError> {
        let Some(alias) = alias else {
            return if topic.is_empty() {
                Err(AliasError::MissingTopic)
            } else {
                Ok(None)
            };
        };
        if alias == 0 || alias > self.maximum {
            return Err(AliasError::OutOfRange {
                alias,
                maximum: self.maximum,
            });
        }
        if topic.is_empty() {
            return match self.topics.get(&alias) {
                Some(known) => Ok(Some(known.clone())),
                None => Err(AliasError::Unknown(alias)),
            };
        }
        self.topics.insert(alias, topic.to_owned());
        Ok(None)
    }
}

/// How an outgoing PUBLISH names its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutboundTopic {
    /// The full topic, no alias (aliases off, or the table is full).
    Full,
    /// The full topic plus a new alias: the broker learns the mapping.
    Define(u16),
    /// An empty topic and a known alias.
    Use(u16),
}

/// Aliases we define for the broker, at most its Topic Alias Maximum. A topic gets an alias the
/// first time it is published while there is room; there is no eviction, so the mapping is
/// stable and a busy topic keeps its alias for the whole connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboundAliases {
    maximum: u16,
    aliases: SortedMap<String, u16>,
}

impl OutboundAliases {
    pub(crate) fn new(maximum: u16) -> Self {
        Self {
            maximum,
            aliases: SortedMap::new(),
        }
    }

    /// How to send a PUBLISH to `topic`, recording a new alias if one is defined now.
    pub(crate) fn assign(&mut self, topic: &str) -> OutboundTopic {
        if let Some(&alias) = self.aliases.get(topic) {
            return OutboundTopic::Use(alias);
        }
        let used = self.aliases.len();
        if used >= usize::from(self.maximum) {
            return OutboundTopic::Full;
        }
        let alias = (used + 1) as u16;
        self.aliases.insert(topic.to_owned(), alias);
        OutboundTopic::Define(alias)
    }

    /// Takes back the alias just defined for `topic` when its PUBLISH could not be sent. Only the
    /// most recent definition can be taken back, so aliases stay numbered 1..=len.
    pub(crate) fn forget(&mut self, topic: &str) {
        if self.aliases.get(topic).map(|&alias| usize::from(alias)) == Some(self.aliases.len()) {
            self.aliases.remove(topic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_defines_then_resolves() {
        let mut table = InboundAliases::new(10);
        assert_eq!(table.resolve("a/b", Some(3)), Ok(None));
        assert_eq!(table.resolve("", Some(3)), Ok(Some("a/b".to_owned())));
        // Redefinition replaces.
        assert_eq!(table.resolve("c", Some(3)), Ok(None));
        assert_eq!(table.resolve("", Some(3)), Ok(Some("c".to_owned())));
        assert_eq!(table.resolve("plain", None), Ok(None));
    }

    #[test]
    fn inbound_rejects_zero_too_large_unknown_and_missing() {
        let mut table = InboundAliases::new(2);
        assert_eq!(
            table.resolve("a", Some(0)),
            Err(AliasError::OutOfRange { alias: 0, maximum: 2 })
        );
        assert_eq!(
            table.resolve("a", Some(3)),
            Err(AliasError::OutOfRange { alias: 3, maximum: 2 })
        );
        assert_eq!(table.resolve("", Some(1)), Err(AliasError::Unknown(1)));
        assert_eq!(table.resolve("", None), Err(AliasError::MissingTopic));
        // With a maximum of 0 (we announced none) every alias is invalid.
        let mut none = InboundAliases::new(0);
        assert!(none.resolve("a", Some(1)).is_err());
    }

    #[test]
    fn outbound_assigns_within_the_limit_and_reuses() {
        let mut table = OutboundAliases::new(2);
        assert_eq!(table.assign("a"), OutboundTopic::Define(1));
        assert_eq!(table.assign("a"), OutboundTopic::Use(1));
        assert_eq!(table.assign("b"), OutboundTopic::Define(2));
        assert_eq!(table.assign("c"), OutboundTopic::Full);
        assert_eq!(table.assign("b"), OutboundTopic::Use(2));
        table.forget("a"); // not the latest: kept, or alias 2 would be handed out twice
        table.forget("b");
        assert_eq!(table.assign("c"), OutboundTopic::Define(2));
        assert_eq!(table.assign("a"), OutboundTopic::Use(1));
    }

    #[test]
    fn outbound_with_maximum_zero_never_aliases() {
        let mut table = OutboundAliases::new(0);
        assert_eq!(table.assign("a"), OutboundTopic::Full);
        assert_eq!(table.assign("a"), OutboundTopic::Full);
    }
}
