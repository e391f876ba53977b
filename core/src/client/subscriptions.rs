//! The subscriptions the broker granted, so they can be made again when it loses the session
//! (Session Present = 0 after a reconnect).

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::codec::{Properties, Subscription, SubscriptionOptions};

use super::outgoing::SubscribeRequest;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Active {
    filter: String,
    options: SubscriptionOptions,
    /// v5 Subscription Identifier the SUBSCRIBE carried.
    identifier: Option<u32>,
}

/// Granted subscriptions in the order they were first made.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subscriptions {
    active: Vec<Active>,
}

impl Subscriptions {
    /// Records a granted filter; subscribing again to the same filter replaces its options.
    pub(crate) fn add(&mut self, filter: &str, options: SubscriptionOptions, identifier: Option<u32>) {
        let entry = Active {
            filter: filter.to_owned(),
            options,
            identifier,
        };
        match self.active.iter_mut().find(|active| active.filter == filter) {
            Some(existing) => *existing = entry,
            None => self.active.push(entry),
        }
    }

    pub(crate) fn remove(&mut self, filter: &str) {
        self.active.retain(|active| active.filter != filter);
    }

    pub(crate) fn filters(&self) -> impl Iterator<Item = &str> {
        self.active.iter().map(|active| active.filter.as_str())
    }

    /// SUBSCRIBE requests that make every active subscription again: consecutive filters with
    /// the same subscription identifier share one packet (the identifier is per packet).
    pub(crate) fn resubscribe_requests(&self) -> Vec<SubscribeRequest> {
        let mut requests: Vec<(Option<u32>, SubscribeRequest)> = Vec::new();
        for active in &self.active {
            let subscription = Subscription {
                filter: Cow::Owned(active.filter.clone()),
                options: active.options,
            };
            match requests.last_mut() {
                Some((identifier, request)) if *identifier == active.identifier => {
                    request.subscriptions.push(subscription);
                }
                _ => requests.push((
                    active.identifier,
                    SubscribeRequest {
                        subscriptions: vec![subscription],
                        properties: Properties {
                            subscription_identifiers: active.identifier.into_iter().collect(),
                            ..Properties::default()
                        },
                    },
                )),
            }
        }
        requests.into_iter().map(|(_, request)| request).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::QoS;

    fn options(qos: QoS) -> SubscriptionOptions {
        SubscriptionOptions {
            qos,
            ..SubscriptionOptions::default()
        }
    }

    #[test]
    fn add_replaces_and_remove_forgets() {
        let mut subscriptions = Subscriptions::default();
        subscriptions.add("a", options(QoS::AtMostOnce), None);
        subscriptions.add("b", options(QoS::AtLeastOnce), None);
        subscriptions.add("a", options(QoS::ExactlyOnce), None);
        assert_eq!(subscriptions.filters().collect::<Vec<_>>(), vec!["a", "b"]);
        let requests = subscriptions.resubscribe_requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].subscriptions[0].options.qos, QoS::ExactlyOnce);
        subscriptions.remove("a");
        assert_eq!(subscriptions.filters().collect::<Vec<_>>(), vec!["b"]);
    }

    #[test]
    fn groups_by_subscription_identifier() {
        let mut subscriptions = Subscriptions::default();
        subscriptions.add("a", options(QoS::AtMostOnce), Some(7));
        subscriptions.add("b", options(QoS::AtMostOnce), Some(7));
        subscriptions.add("c", options(QoS::AtMostOnce), None);
        let requests = subscriptions.resubscribe_requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].subscriptions.len(), 2);
        assert_eq!(requests[0].properties.subscription_identifiers, vec![7]);
        assert_eq!(requests[1].subscriptions.len(), 1);
        assert!(requests[1].properties.subscription_identifiers.is_empty());
    }
}
