//! What the server accepts, from the v5 CONNACK properties (absent property = the protocol's
//! default; before v5 everything is at its default).

use crate::codec::{MAX_REMAINING_LENGTH, Properties, QoS};

/// The server's limits for this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// How many QoS>0 PUBLISH we may have unacknowledged: a send quota.
    pub receive_maximum: u16,
    /// The highest QoS the server accepts in PUBLISH.
    pub maximum_qos: QoS,
    pub retain_available: bool,
    /// The largest packet the server accepts; `None` = no limit beyond the protocol's.
    pub maximum_packet_size: Option<u32>,
    /// How many topic aliases we may define.
    pub topic_alias_maximum: u16,
    pub wildcard_subscription_available: bool,
    pub subscription_identifiers_available: bool,
    pub shared_subscription_available: bool,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            receive_maximum: u16::MAX,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
        }
    }
}

impl ServerLimits {
    /// The limits a v5 CONNACK announces.
    pub fn from_connack(properties: &Properties<'_>) -> Self {
        let defaults = Self::default();
        Self {
            receive_maximum: properties.receive_maximum.unwrap_or(defaults.receive_maximum),
            maximum_qos: properties.maximum_qos.unwrap_or(defaults.maximum_qos),
            retain_available: properties.retain_available.unwrap_or(true),
            maximum_packet_size: properties.maximum_packet_size,
            topic_alias_maximum: properties.topic_alias_maximum.unwrap_or(0),
            wildcard_subscription_available: properties.wildcard_subscription_available.unwrap_or(true),
            subscription_identifiers_available: properties.subscription_identifier_available.unwrap_or(true),
            shared_subscription_available: properties.shared_subscription_available.unwrap_or(true),
        }
    }

    /// The largest packet we may send, in bytes.
    pub fn max_packet_size(&self) -> usize {
        self.maximum_packet_size
            .map_or(MAX_REMAINING_LENGTH + 5, |max| max as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_properties_mean_the_protocol_defaults() {
        let limits = ServerLimits::from_connack(&Properties::default());
        assert_eq!(limits, ServerLimits::default());
        assert_eq!(limits.max_packet_size(), 268_435_460);
    }

    #[test]
    fn present_properties_are_taken() {
        let properties = Properties {
            receive_maximum: Some(3),
            maximum_qos: Some(QoS::AtLeastOnce),
            retain_available: Some(false),
            maximum_packet_size: Some(100),
            topic_alias_maximum: Some(5),
            wildcard_subscription_available: Some(false),
            subscription_identifier_available: Some(false),
            shared_subscription_available: Some(false),
            ..Properties::default()
        };
        let limits = ServerLimits::from_connack(&properties);
        assert_eq!(
            limits,
            ServerLimits {
                receive_maximum: 3,
                maximum_qos: QoS::AtLeastOnce,
                retain_available: false,
                maximum_packet_size: Some(100),
                topic_alias_maximum: 5,
                wildcard_subscription_available: false,
                subscription_identifiers_available: false,
                shared_subscription_available: false,
            }
        );
        assert_eq!(limits.max_packet_size(), 100);
    }
}
