//! Our operations on their way to the broker, in three places:
//!
//! - **offline**: made while not connected; bounded, flushed in order after CONNACK;
//! - **pending**: accepted while connected but waiting for a packet id (all 65,535 in use) or,
//!   for QoS>0 PUBLISH, for send quota (the server's Receive Maximum). Waiting is not an error
//!   and keeps order: a PUBLISH of any QoS never overtakes another (a QoS 0 one needs no id
//!   or quota, but waits its turn behind a waiting one), a SUBSCRIBE never overtakes
//!   another; SUBSCRIBE/UNSUBSCRIBE may pass publishes held up only by the quota, because the
//!   quota is about PUBLISH alone ("other packets still flow");
//! - **in flight**: sent, holding a packet id, waiting for the acknowledgement. Kept in the
//!   order their last packet was sent — PUBLISH order, and for QoS 2 flows past PUBREC the
//!   PUBREC order — which is the order they are re-sent in after a reconnect (MQTT-4.4.0-1,
//!   MQTT-4.6.0-1/-3). After a reconnect they wait in a re-send list in that order, a PUBLISH
//!   among them going out only as the new connection's send quota allows, and ahead of
//!   anything pending.
//!
//! Pending and offline share one capacity for the user's operations.
//!
//! This module only keeps the books; encoding and sending are the session's job.

use crate::prelude::*;
use alloc::collections::VecDeque;

use crate::codec::{Properties, QoS, Subscription};

use super::SortedMap;
use super::events::{OpId, OutgoingMessage};
use super::packet_ids::PacketIds;

/// SUBSCRIBE as the user asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscribeRequest {
    pub(crate) subscriptions: Vec<Subscription<'static>>,
    pub(crate) properties: Properties<'static>,
}

/// UNSUBSCRIBE as the user asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnsubscribeRequest {
    pub(crate) filters: Vec<String>,
    pub(crate) properties: Properties<'static>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    Publish(OutgoingMessage),
    Subscribe(SubscribeRequest),
    Unsubscribe(UnsubscribeRequest),
}

/// One operation. `id` is `None` for the session's own operations (re-subscribing after the
/// broker lost the session), which have no one waiting for a `Completed` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Op {
    pub(crate) id: Option<OpId>,
    pub(crate) request: Request,
}

impl Op {
    fn is_qos_publish(&self) -> bool {
        matches!(&self.request, Request::Publish(message) if message.qos != QoS::AtMostOnce)
    }
}

/// Where an in-flight flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Awaiting {
    /// QoS 1 PUBLISH sent; PUBACK ends it.
    PubAck,
    /// QoS 2 PUBLISH sent; PUBREC moves it on.
    PubRec,
    /// QoS 2 PUBREL sent; PUBCOMP ends it. The PUBLISH is never sent again.
    PubComp,
    /// SUBSCRIBE or UNSUBSCRIBE sent; SUBACK or UNSUBACK ends it.
    Ack,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub(crate) op: Op,
    pub(crate) packet_id: u16,
    pub(crate) stage: Awaiting,
    /// Waiting in `Outgoing::resend`: only then does ending it need a search there.
    awaiting_resend: bool,
}

/// Why an operation could not be queued offline.
#[derive(Debug)]
pub(crate) struct OfflineQueueFull {
    pub(crate) capacity: usize,
    /// Refusals since the queue was last flushed, this one included.
    pub(crate) rejected: u64,
}

/// Operations waiting for a packet id or send quota, in two queues because only the oldest of
/// each can be next: PUBLISH never overtakes PUBLISH, SUBSCRIBE/UNSUBSCRIBE never overtake each
/// other, and between the two the order they were made in decides (`seq`). Scanning one queue
/// for the first that could move made every acknowledgement cost the length of the queue.
#[derive(Debug, Clone, Default)]
struct Pending {
    publishes: VecDeque<(i64, Op)>,
    controls: VecDeque<(i64, Op)>,
    /// The next `seq` at the back; the session's own operations go in front with `front_seq`.
    back_seq: i64,
    front_seq: i64,
}

impl Pending {
    fn len(&self) -> usize {
        self.publishes.len() + self.controls.len()
    }

    fn is_empty(&self) -> bool {
        self.publishes.is_empty() && self.controls.is_empty()
    }

    fn queue_of(&mut self, op: &Op) -> &mut VecDeque<(i64, Op)> {
        match op.request {
            Request::Publish(_) => &mut self.publishes,
            Request::Subscribe(_) | Request::Unsubscribe(_) => &mut self.controls,
        }
    }

    fn push_back(&mut self, op: Op) {
        let seq = self.back_seq;
        self.back_seq += 1;
        self.queue_of(&op).push_back((seq, op));
    }

    fn push_front(&mut self, op: Op) {
        self.front_seq -= 1;
        let seq = self.front_seq;
        self.queue_of(&op).push_front((seq, op));
    }

    /// Whether the operation queued last is the user's operation `id`.
    fn newest_is(&self, id: OpId) -> bool {
        self.newest().is_some_and(|(_, op)| op.id == Some(id))
    }

    fn newest(&self) -> Option<&(i64, Op)> {
        match (self.publishes.back(), self.controls.back()) {
            (Some(publish), Some(control)) => Some(if publish.0 > control.0 { publish } else { control }),
            (publish, control) => publish.or(control),
        }
    }

    fn pop_newest(&mut self) -> Option<Op> {
        let newest_seq = self.newest()?.0;
        let queue = if self.publishes.back().is_some_and(|(seq, _)| *seq == newest_seq) {
            &mut self.publishes
        } else {
            &mut self.controls
        };
        queue.pop_back().map(|(_, op)| op)
    }

    /// Everything, in the order it was queued.
    fn into_ops(self) -> Vec<Op> {
        let mut all: Vec<(i64, Op)> = self.publishes.into_iter().chain(self.controls).collect();
        all.sort_by_key(|(seq, _)| *seq);
        all.into_iter().map(|(_, op)| op).collect()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    ids: PacketIds,
    /// In flight, keyed by the order their last packet was sent.
    in_flight: SortedMap<u64, InFlight>,
    order_of: SortedMap<u16, u64>,
    next_order: u64,
    /// QoS>0 PUBLISH flows in flight: what the server's Receive Maximum limits.
    publishes_in_flight: usize,
    /// In-flight flows waiting to be sent again on this connection (after a reconnect), in
    /// re-send order, with the DUP flag for a PUBLISH. A PUBLISH among them uses no send quota
    /// until it is sent, and waits for quota with everything behind it.
    resend: VecDeque<(u16, bool)>,
    /// How many of `resend` are QoS>0 PUBLISH flows (counted in `publishes_in_flight`).
    resend_publishes: usize,
    pending: Pending,
    offline: VecDeque<Op>,
    offline_capacity: usize,
    offline_rejected: u64,
}

impl Outgoing {
    pub(crate) fn new(offline_capacity: usize) -> Self {
        Self {
            ids: PacketIds::new(),
            in_flight: SortedMap::new(),
            order_of: SortedMap::new(),
            next_order: 0,
            publishes_in_flight: 0,
            resend: VecDeque::new(),
            resend_publishes: 0,
            pending: Pending::default(),
            offline: VecDeque::new(),
            offline_capacity,
            offline_rejected: 0,
        }
    }

    // ---- offline queue ----

    /// Queues an operation made while not connected.
    pub(crate) fn queue_offline(&mut self, op: Op) -> Result<(), OfflineQueueFull> {
        // One bound for everything waiting: what is still pending from the last connection
        // counts too.
        if self.offline.len() + self.pending.len() >= self.offline_capacity {
            return Err(self.refuse());
        }
        self.offline.push_back(op);
        self.offline_rejected = 0;
        Ok(())
    }

    fn refuse(&mut self) -> OfflineQueueFull {
        self.offline_rejected += 1;
        OfflineQueueFull {
            capacity: self.offline_capacity,
            rejected: self.offline_rejected,
        }
    }

    /// Called right after the user's operation `id` was dispatched while connected: if it had
    /// to wait (it is the last pending) and waiting operations now exceed the capacity, takes
    /// it back and refuses it. So pending and offline together never hold more than the
    /// capacity of the user's operations, connected or not.
    pub(crate) fn refuse_if_over_capacity(&mut self, id: OpId) -> Result<(), OfflineQueueFull> {
        if !self.pending.newest_is(id) {
            return Ok(());
        }
        if self.offline.len() + self.pending.len() > self.offline_capacity {
            self.pending.pop_newest();
            return Err(self.refuse());
        }
        self.offline_rejected = 0;
        Ok(())
    }

    /// Everything queued offline, oldest first; the refusal count starts over.
    pub(crate) fn take_offline(&mut self) -> VecDeque<Op> {
        self.offline_rejected = 0;
        core::mem::take(&mut self.offline)
    }

    pub(crate) fn offline_len(&self) -> usize {
        self.offline.len()
    }

    // ---- pending ----

    /// Queues an operation that needs a packet id (and, for PUBLISH, quota) to be sent.
    pub(crate) fn push_pending(&mut self, op: Op) {
        self.pending.push_back(op);
    }

    /// Queues the session's own operation (a SUBSCRIBE) ahead of everything waiting.
    pub(crate) fn push_pending_front(&mut self, op: Op) {
        self.pending.push_front(op);
    }

    pub(crate) fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing waits to be sent (pending, or to be re-sent): a QoS 0 PUBLISH may go
    /// straight out only then.
    pub(crate) fn nothing_waiting(&self) -> bool {
        self.pending.is_empty() && self.resend.is_empty()
    }

    /// The next waiting operation that can be sent now, with the packet id it gets (0 for a
    /// QoS 0 PUBLISH, which needs none); `None` when nothing can move. `send_quota` is how many
    /// QoS>0 PUBLISH may be unacknowledged. Only the oldest PUBLISH and the oldest
    /// SUBSCRIBE/UNSUBSCRIBE can be next, so this costs the same however many wait.
    pub(crate) fn take_sendable(&mut self, send_quota: u16) -> Option<(Op, u16)> {
        let ids_left = !self.ids.is_exhausted();
        // Flows waiting to be re-sent go first; a PUBLISH that has to wait (for quota or a
        // packet id) holds every PUBLISH behind it, QoS 0 included (order), but not
        // SUBSCRIBE/UNSUBSCRIBE.
        let publish_can_go = self.resend.is_empty()
            && self.pending.publishes.front().is_some_and(|(_, op)| {
                !op.is_qos_publish() || (ids_left && self.publishes_in_flight < usize::from(send_quota))
            });
        let control_can_go = ids_left && !self.pending.controls.is_empty();
        let from_publishes = match (publish_can_go, control_can_go) {
            (true, true) => {
                self.pending.publishes.front().map(|(seq, _)| *seq)
                    < self.pending.controls.front().map(|(seq, _)| *seq)
            }
            (true, false) => true,
            (false, true) => false,
            (false, false) => return None,
        };
        let queue = if from_publishes {
            &mut self.pending.publishes
        } else {
            &mut self.pending.controls
        };
        let needs_id = queue
            .front()
            .is_some_and(|(_, op)| !from_publishes || op.is_qos_publish());
        let packet_id = if needs_id { self.ids.allocate()? } else { 0 };
        match queue.pop_front() {
            Some((_, op)) => Some((op, packet_id)),
            None => {
                self.ids.free(packet_id);
                None
            }
        }
    }

    /// The session's own operation at the front of pending, with the packet id it gets; `None`
    /// when the front is a user's operation or no id is free.
    pub(crate) fn take_own_sendable(&mut self) -> Option<(Op, u16)> {
        let own_first = match (self.pending.publishes.front(), self.pending.controls.front()) {
            (_, None) => false,
            (None, Some((_, op))) => op.id.is_none(),
            (Some((publish_seq, _)), Some((seq, op))) => op.id.is_none() && seq < publish_seq,
        };
        if !own_first {
            return None;
        }
        let packet_id = self.ids.allocate()?;
        match self.pending.controls.pop_front() {
            Some((_, op)) => Some((op, packet_id)),
            None => {
                self.ids.free(packet_id);
                None
            }
        }
    }

    // ---- in flight ----

    /// After a reconnect: nothing is waiting to be re-sent yet.
    pub(crate) fn clear_resend(&mut self) {
        for (packet_id, _) in core::mem::take(&mut self.resend) {
            if let Some(flight) = self.get_mut(packet_id) {
                flight.awaiting_resend = false;
            }
        }
        self.resend_publishes = 0;
    }

    /// Queues an in-flight flow to be sent again on this connection (`dup`: for a PUBLISH).
    pub(crate) fn queue_resend(&mut self, packet_id: u16, dup: bool) {
        let Some(flight) = self.get_mut(packet_id) else {
            return;
        };
        flight.awaiting_resend = true;
        if flight.op.is_qos_publish() {
            self.resend_publishes += 1;
        }
        self.resend.push_back((packet_id, dup));
    }

    /// The next in-flight flow to send again; a PUBLISH only if the send quota allows
    /// (`send_quota` minus the QoS>0 flows sent on this connection and not finished).
    pub(crate) fn take_resend(&mut self, send_quota: u16) -> Option<(u16, bool)> {
        let &(packet_id, dup) = self.resend.front()?;
        let (is_publish, needs_quota) = match self.get(packet_id) {
            Some(flight) => (
                flight.op.is_qos_publish(),
                matches!(flight.stage, Awaiting::PubAck | Awaiting::PubRec),
            ),
            None => (false, false),
        };
        let sent = self.publishes_in_flight - self.resend_publishes;
        if needs_quota && sent >= usize::from(send_quota) {
            return None;
        }
        self.resend.pop_front();
        if let Some(flight) = self.get_mut(packet_id) {
            flight.awaiting_resend = false;
        }
        if is_publish {
            self.resend_publishes -= 1;
        }
        Some((packet_id, dup))
    }

    fn forget_resend(&mut self, flight: &InFlight) {
        if !flight.awaiting_resend {
            return;
        }
        let (packet_id, is_publish) = (flight.packet_id, flight.op.is_qos_publish());
        if let Some(index) = self.resend.iter().position(|&(id, _)| id == packet_id) {
            self.resend.remove(index);
            if is_publish {
                self.resend_publishes -= 1;
            }
        }
    }

    /// Records a flow whose first packet was just sent with `packet_id` (from `take_sendable`).
    pub(crate) fn start(&mut self, op: Op, packet_id: u16, stage: Awaiting) {
        if op.is_qos_publish() {
            self.publishes_in_flight += 1;
        }
        let order = self.next_order();
        self.order_of.insert(packet_id, order);
        self.in_flight.insert(
            order,
            InFlight {
                op,
                packet_id,
                stage,
                awaiting_resend: false,
            },
        );
    }

    /// Gives back a packet id taken by `take_sendable` whose packet could not be sent.
    pub(crate) fn release_unused(&mut self, packet_id: u16) {
        self.ids.free(packet_id);
    }

    pub(crate) fn get(&self, packet_id: u16) -> Option<&InFlight> {
        let order = self.order_of.get(&packet_id)?;
        self.in_flight.get(order)
    }

    pub(crate) fn get_mut(&mut self, packet_id: u16) -> Option<&mut InFlight> {
        let order = self.order_of.get(&packet_id)?;
        self.in_flight.get_mut(order)
    }

    /// PUBREC arrived: the flow waits for PUBCOMP now and moves to the end of the re-send order
    /// (PUBREL order follows PUBREC order).
    pub(crate) fn released(&mut self, packet_id: u16) {
        let Some(order) = self.order_of.remove(&packet_id) else {
            return;
        };
        let Some(mut flight) = self.in_flight.remove(&order) else {
            return;
        };
        self.forget_resend(&flight);
        flight.awaiting_resend = false;
        flight.stage = Awaiting::PubComp;
        let order = self.next_order();
        self.order_of.insert(packet_id, order);
        self.in_flight.insert(order, flight);
    }

    /// Ends a flow and frees its packet id.
    pub(crate) fn finish(&mut self, packet_id: u16) -> Option<InFlight> {
        let order = self.order_of.remove(&packet_id)?;
        let flight = self.in_flight.remove(&order)?;
        self.ids.free(packet_id);
        self.forget_resend(&flight);
        if flight.op.is_qos_publish() {
            self.publishes_in_flight -= 1;
        }
        Some(flight)
    }

    /// Packet ids in flight, in re-send order.
    pub(crate) fn in_flight_ids(&self) -> Vec<u16> {
        self.in_flight.values().map(|flight| flight.packet_id).collect()
    }

    pub(crate) fn in_flight_len(&self) -> usize {
        self.in_flight.len()
    }

    #[cfg(test)]
    pub(crate) fn publishes_in_flight(&self) -> usize {
        self.publishes_in_flight
    }

    /// Every operation (in flight, pending, offline — in that order), leaving nothing behind.
    pub(crate) fn drain_all(&mut self) -> Vec<Op> {
        let mut ops: Vec<Op> = core::mem::take(&mut self.in_flight)
            .into_values()
            .map(|flight| flight.op)
            .collect();
        self.order_of.clear();
        self.clear_resend();
        self.ids = PacketIds::new();
        self.publishes_in_flight = 0;
        ops.extend(core::mem::take(&mut self.pending).into_ops());
        ops.extend(self.take_offline());
        ops
    }

    fn next_order(&mut self) -> u64 {
        let order = self.next_order;
        self.next_order += 1;
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(n: u64, qos: QoS) -> Op {
        Op {
            id: Some(OpId(n)),
            request: Request::Publish(OutgoingMessage::new("t", vec![], qos)),
        }
    }

    fn subscribe(n: u64) -> Op {
        Op {
            id: Some(OpId(n)),
            request: Request::Subscribe(SubscribeRequest {
                subscriptions: vec![],
                properties: Properties::default(),
            }),
        }
    }

    fn op_ids(ops: &[Op]) -> Vec<Option<OpId>> {
        ops.iter().map(|op| op.id).collect()
    }

    #[test]
    fn offline_queue_is_bounded_and_counts_refusals() {
        let mut outgoing = Outgoing::new(2);
        assert!(outgoing.queue_offline(publish(1, QoS::AtMostOnce)).is_ok());
        assert!(outgoing.queue_offline(publish(2, QoS::AtLeastOnce)).is_ok());
        let full = outgoing.queue_offline(publish(3, QoS::AtMostOnce));
        assert!(matches!(
            full,
            Err(OfflineQueueFull {
                capacity: 2,
                rejected: 1
            })
        ));
        let full = outgoing.queue_offline(publish(4, QoS::AtMostOnce));
        assert!(matches!(full, Err(OfflineQueueFull { rejected: 2, .. })));
        let flushed: Vec<Op> = outgoing.take_offline().into();
        assert_eq!(op_ids(&flushed), vec![Some(OpId(1)), Some(OpId(2))]);
        assert!(outgoing.queue_offline(publish(5, QoS::AtMostOnce)).is_ok());
        assert!(outgoing.queue_offline(publish(6, QoS::AtMostOnce)).is_ok());
        let full = outgoing.queue_offline(publish(7, QoS::AtMostOnce));
        assert!(matches!(full, Err(OfflineQueueFull { rejected: 1, .. })));
    }

    #[test]
    fn quota_holds_publishes_in_order_but_lets_subscribes_pass() {
        let mut outgoing = Outgoing::new(0);
        outgoing.push_pending(publish(1, QoS::AtLeastOnce));
        outgoing.push_pending(publish(2, QoS::ExactlyOnce));
        outgoing.push_pending(subscribe(3));
        let (op, id) = outgoing.take_sendable(1).unwrap();
        assert_eq!((op.id, id), (Some(OpId(1)), 1));
        outgoing.start(op, id, Awaiting::PubAck);
        // Quota used up: the QoS 2 publish waits, the subscribe does not.
        let (op, id) = outgoing.take_sendable(1).unwrap();
        assert_eq!((op.id, id), (Some(OpId(3)), 2));
        outgoing.start(op, id, Awaiting::Ack);
        assert!(outgoing.take_sendable(1).is_none());
        assert_eq!(outgoing.publishes_in_flight(), 1);
        outgoing.finish(1).unwrap();
        let (op, id) = outgoing.take_sendable(1).unwrap();
        assert_eq!((op.id, id), (Some(OpId(2)), 3));
    }

    #[test]
    fn pubrec_moves_a_flow_to_the_end_of_the_resend_order() {
        let mut outgoing = Outgoing::new(0);
        for n in 1..=3 {
            outgoing.push_pending(publish(n, QoS::ExactlyOnce));
            let (op, id) = outgoing.take_sendable(10).unwrap();
            outgoing.start(op, id, Awaiting::PubRec);
        }
        assert_eq!(outgoing.in_flight_ids(), vec![1, 2, 3]);
        outgoing.released(1);
        assert_eq!(outgoing.in_flight_ids(), vec![2, 3, 1]);
        assert_eq!(outgoing.get(1).unwrap().stage, Awaiting::PubComp);
        assert_eq!(outgoing.publishes_in_flight(), 3);
        let done = outgoing.finish(1).unwrap();
        assert_eq!(done.op.id, Some(OpId(1)));
        assert!(outgoing.get(1).is_none());
        assert_eq!(outgoing.publishes_in_flight(), 2);
    }

    #[test]
    fn resends_use_the_new_quota_in_order_and_hold_back_new_publishes() {
        let mut outgoing = Outgoing::new(5);
        for n in 1..=3 {
            outgoing.push_pending(publish(n, QoS::AtLeastOnce));
            let (op, id) = outgoing.take_sendable(10).unwrap();
            outgoing.start(op, id, Awaiting::PubAck);
        }
        // Reconnected with Receive Maximum 2: all three wait to be re-sent.
        outgoing.clear_resend();
        for id in outgoing.in_flight_ids() {
            outgoing.queue_resend(id, true);
        }
        outgoing.push_pending(publish(4, QoS::AtMostOnce));
        assert_eq!(outgoing.take_resend(2), Some((1, true)));
        assert_eq!(outgoing.take_resend(2), Some((2, true)));
        assert_eq!(outgoing.take_resend(2), None);
        // Not even a QoS 0 publish passes a re-send waiting for quota.
        assert!(outgoing.take_sendable(2).is_none());
        outgoing.finish(1).unwrap();
        assert_eq!(outgoing.take_resend(2), Some((3, true)));
        let (op, id) = outgoing.take_sendable(2).unwrap();
        assert_eq!((op.id, id), (Some(OpId(4)), 0));
    }

    #[test]
    fn drain_all_returns_everything_in_order_and_frees_ids() {
        let mut outgoing = Outgoing::new(5);
        outgoing.push_pending(publish(1, QoS::AtLeastOnce));
        let (op, id) = outgoing.take_sendable(10).unwrap();
        outgoing.start(op, id, Awaiting::PubAck);
        outgoing.push_pending(subscribe(2));
        outgoing.queue_offline(publish(3, QoS::AtMostOnce)).unwrap();
        let ops = outgoing.drain_all();
        assert_eq!(op_ids(&ops), vec![Some(OpId(1)), Some(OpId(2)), Some(OpId(3))]);
        assert_eq!(outgoing.in_flight_len(), 0);
        assert_eq!(outgoing.pending_len(), 0);
        assert_eq!(outgoing.offline_len(), 0);
        assert_eq!(outgoing.publishes_in_flight(), 0);
    }
}
