//! QoS 2 receive state: exactly-once delivery to the application.
//!
//! A QoS 2 message is handed to the application when its PUBLISH first arrives, and its packet
//! id is remembered until the broker's PUBREL (the spec's "method B", §4.3.3). A PUBLISH with a
//! remembered id is the broker re-sending (after a reconnect, or a lost PUBREC): it is answered
//! with PUBREC again but not delivered again. The ids survive reconnects while the broker keeps
//! the session, and are dropped when it says Session Present = 0 (no PUBREL will ever come).

use super::SortedMap;

/// What to do with an arriving QoS 2 PUBLISH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Qos2Arrival {
    /// First time: deliver, then PUBREC.
    New,
    /// Already delivered: PUBREC only.
    Duplicate,
    /// One more than our Receive Maximum: a protocol error.
    OverReceiveMaximum,
}

/// Packet ids of QoS 2 messages delivered but not yet released by PUBREL.
#[derive(Debug, Clone, Default)]
pub(crate) struct Qos2Receiver {
    awaiting_release: SortedMap<u16, ()>,
    receive_maximum: u16,
}

impl Qos2Receiver {
    pub(crate) fn new(receive_maximum: u16) -> Self {
        Self {
            awaiting_release: SortedMap::new(),
            receive_maximum,
        }
    }

    /// Records the arrival of a QoS 2 PUBLISH with `packet_id`.
    pub(crate) fn on_publish(&mut self, packet_id: u16) -> Qos2Arrival {
        if self.awaiting_release.get(&packet_id).is_some() {
            return Qos2Arrival::Duplicate;
        }
        if self.awaiting_release.len() >= usize::from(self.receive_maximum) {
            return Qos2Arrival::OverReceiveMaximum;
        }
        self.awaiting_release.insert(packet_id, ());
        Qos2Arrival::New
    }

    /// Records a PUBREL. Returns whether the id was known (v5 answers an unknown one with
    /// PACKET_IDENTIFIER_NOT_FOUND).
    pub(crate) fn on_release(&mut self, packet_id: u16) -> bool {
        self.awaiting_release.remove(&packet_id).is_some()
    }

    /// The broker has no session: forget every id.
    pub(crate) fn clear(&mut self) {
        self.awaiting_release.clear();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.awaiting_release.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_once_until_released() {
        let mut receiver = Qos2Receiver::new(10);
        assert_eq!(receiver.on_publish(7), Qos2Arrival::New);
        assert_eq!(receiver.on_publish(7), Qos2Arrival::Duplicate);
        assert!(receiver.on_release(7));
        assert!(!receiver.on_release(7));
        // After PUBREL the id may carry a new message.
        assert_eq!(receiver.on_publish(7), Qos2Arrival::New);
    }

    #[test]
    fn enforces_the_receive_maximum() {
        let mut receiver = Qos2Receiver::new(2);
        assert_eq!(receiver.on_publish(1), Qos2Arrival::New);
        assert_eq!(receiver.on_publish(2), Qos2Arrival::New);
        assert_eq!(receiver.on_publish(2), Qos2Arrival::Duplicate);
        assert_eq!(receiver.on_publish(3), Qos2Arrival::OverReceiveMaximum);
        receiver.clear();
        assert_eq!(receiver.len(), 0);
        assert_eq!(receiver.on_publish(3), Qos2Arrival::New);
    }
}
