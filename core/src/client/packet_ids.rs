//! Packet identifiers for SUBSCRIBE, UNSUBSCRIBE and QoS>0 PUBLISH (MQTT-2.3.1-1/-2).
//!
//! One space is shared by the three packet types. An id is handed out only when no flow holds
//! it, and is returned only when its flow is over (PUBACK, PUBCOMP, SUBACK, UNSUBACK, or the
//! operation was abandoned). Ids are handed out cyclically rather than lowest-first, so an id
//! that was just freed is not reused at once: a late duplicate ack from the broker then cannot
//! be mistaken for the ack of a new flow.

use crate::prelude::*;

/// 65,536 bits, one per id; bit 0 (id 0) is never used.
const WORDS: usize = 65_536 / 64;

/// The set of packet identifiers in use.
#[derive(Clone)]
pub(crate) struct PacketIds {
    used: Vec<u64>,
    in_use: usize,
    /// Where the next search starts.
    next: u16,
}

impl core::fmt::Debug for PacketIds {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PacketIds")
            .field("in_use", &self.in_use)
            .field("next", &self.next)
            .finish()
    }
}

impl Default for PacketIds {
    fn default() -> Self {
        Self::new()
    }
}

impl PacketIds {
    /// The number of distinct non-zero ids.
    pub(crate) const CAPACITY: usize = 65_535;

    pub(crate) fn new() -> Self {
        Self {
            used: vec![0; WORDS],
            in_use: 0,
            next: 1,
        }
    }

    /// How many ids are held.
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> usize {
        self.in_use
    }

    /// Whether every id is held (the next operation has to wait).
    pub(crate) fn is_exhausted(&self) -> bool {
        self.in_use >= Self::CAPACITY
    }

    pub(crate) fn is_in_use(&self, id: u16) -> bool {
        let (word, bit) = locate(id);
        self.used.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Takes the next free id after the last one handed out; `None` when all 65,535 are held.
    pub(crate) fn allocate(&mut self) -> Option<u16> {
        if self.is_exhausted() {
            return None;
        }
        let mut candidate = self.next;
        // At most one full turn: there is a free id, so this ends.
        for _ in 0..=Self::CAPACITY {
            if candidate != 0 && !self.is_in_use(candidate) {
                self.set(candidate, true);
                self.in_use += 1;
                self.next = candidate.wrapping_add(1);
                return Some(candidate);
            }
            candidate = self.skip_from(candidate);
        }
        None
    }

    /// Gives an id back. Returns whether it was held.
    pub(crate) fn free(&mut self, id: u16) -> bool {
        if id == 0 || !self.is_in_use(id) {
            return false;
        }
        self.set(id, false);
        self.in_use -= 1;
        true
    }

    /// The next candidate after `id`, jumping over a whole word when it is full.
    fn skip_from(&self, id: u16) -> u16 {
        let (word, _) = locate(id);
        if self.used.get(word).is_some_and(|w| *w == u64::MAX) {
            // First id of the next word (wrapping to 0, which the caller skips).
            ((word as u32 + 1) * 64) as u16
        } else {
            id.wrapping_add(1)
        }
    }

    fn set(&mut self, id: u16, value: bool) {
        let (word, bit) = locate(id);
        if let Some(w) = self.used.get_mut(word) {
            if value {
                *w |= bit;
            } else {
                *w &= !bit;
            }
        }
    }
}

fn locate(id: u16) -> (usize, u64) {
    (usize::from(id) / 64, 1u64 << (id % 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_one_and_counts_up() {
        let mut ids = PacketIds::new();
        assert_eq!(ids.allocate(), Some(1));
        assert_eq!(ids.allocate(), Some(2));
        assert_eq!(ids.allocate(), Some(3));
        assert_eq!(ids.in_use(), 3);
    }

    #[test]
    fn a_freed_id_is_not_reused_at_once() {
        let mut ids = PacketIds::new();
        let first = ids.allocate();
        assert_eq!(first, Some(1));
        assert!(ids.free(1));
        assert_eq!(ids.allocate(), Some(2));
    }

    #[test]
    fn never_hands_out_zero_or_an_id_in_use_when_wrapping() {
        let mut ids = PacketIds::new();
        for expected in 1..=65_535u16 {
            assert_eq!(ids.allocate(), Some(expected));
        }
        assert!(ids.is_exhausted());
        assert_eq!(ids.allocate(), None);
        // Free a few scattered ids: the next ones come back in cyclic order from the cursor
        // (which wrapped to 0), never an id still held.
        assert!(ids.free(700));
        assert!(ids.free(5));
        assert!(ids.free(65_535));
        assert_eq!(ids.allocate(), Some(5));
        assert_eq!(ids.allocate(), Some(700));
        assert_eq!(ids.allocate(), Some(65_535));
        assert_eq!(ids.allocate(), None);
    }

    #[test]
    fn skips_ids_still_in_flight_after_wrapping() {
        let mut ids = PacketIds::new();
        for _ in 0..65_535 {
            ids.allocate();
        }
        // Free everything except 1..=10: after the wrap those must be skipped.
        for id in 11..=65_535u16 {
            assert!(ids.free(id));
        }
        assert_eq!(ids.allocate(), Some(11));
        assert!(ids.is_in_use(1));
    }

    #[test]
    fn free_reports_whether_the_id_was_held() {
        let mut ids = PacketIds::new();
        assert!(!ids.free(0));
        assert!(!ids.free(9));
        let id = ids.allocate();
        assert_eq!(id, Some(1));
        assert!(ids.free(1));
        assert!(!ids.free(1));
        assert_eq!(ids.in_use(), 0);
    }
}
