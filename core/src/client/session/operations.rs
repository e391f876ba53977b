//! The user's operations: accepting, queueing, sending when possible, completing.

use crate::codec::{self, EncodeOptions, QoS, ReasonCode};
use crate::prelude::*;
use crate::topic;

use crate::client::error::ClientError;
use crate::client::events::{Completion, Event, OpId};
use crate::client::outgoing::{Awaiting, OfflineQueueFull, Op, Request, SubscribeRequest};

use super::wire::{published, pubrel, subscribe_packet, unsubscribe_packet, with_publish_packet};
use super::{Client, State};

impl Client {
    pub(super) fn next_op_id(&mut self) -> OpId {
        self.next_op += 1;
        OpId(self.next_op)
    }

    /// Takes an accepted request: sends it when connected, queues it offline when connecting
    /// or waiting to reconnect.
    pub(super) fn submit(&mut self, now: u64, request: Request) -> Result<OpId, ClientError> {
        match self.state {
            State::Idle => Err(ClientError::Closed),
            State::Connected { .. } => {
                let id = self.next_op_id();
                self.dispatch(
                    now,
                    Op {
                        id: Some(id),
                        request,
                    },
                );
                match self.outgoing.refuse_if_over_capacity(id) {
                    Ok(()) => Ok(id),
                    Err(full) => Err(self.overflow(full)),
                }
            }
            State::Opening { .. } | State::AwaitingConnAck { .. } | State::WaitingToReconnect { .. } => {
                let id = self.next_op_id();
                match self.outgoing.queue_offline(Op {
                    id: Some(id),
                    request,
                }) {
                    Ok(()) => Ok(id),
                    Err(full) => Err(self.overflow(full)),
                }
            }
        }
    }

    fn overflow(&mut self, full: OfflineQueueFull) -> ClientError {
        self.events.push_back(Event::OfflineQueueOverflow {
            rejected: full.rejected,
        });
        ClientError::OfflineQueueFull {
            capacity: full.capacity,
        }
    }

    /// Connected: QoS 0 goes out now; everything else needs a packet id (and maybe quota).
    pub(super) fn dispatch(&mut self, now: u64, op: Op) {
        match op.request {
            // Nothing waiting ahead of it: straight out. Otherwise it waits its turn.
            Request::Publish(mut message)
                if message.qos == QoS::AtMostOnce && self.outgoing.nothing_waiting() =>
            {
                let result = self.write_new_publish(now, &mut message, 0);
                self.complete(op.id, result.map(|()| published(ReasonCode::SUCCESS, None)));
            }
            request => {
                self.outgoing.push_pending(Op { id: op.id, request });
                self.pump(now);
            }
        }
    }

    /// Sends whatever waiting operations can go now.
    pub(super) fn pump(&mut self, now: u64) {
        if !matches!(self.state, State::Connected { .. }) {
            return;
        }
        let receive_maximum = self.options.send_quota(
            self.link
                .as_ref()
                .map_or(u16::MAX, |link| link.limits.receive_maximum),
        );
        while let Some((packet_id, dup)) = self.outgoing.take_resend(receive_maximum) {
            let result = if self.outgoing.get(packet_id).map(|flight| flight.stage) == Some(Awaiting::PubComp)
            {
                self.write_control(now, &pubrel(packet_id, ReasonCode::SUCCESS));
                Ok(())
            } else {
                self.write_in_flight(now, packet_id, dup)
            };
            if let Err(error) = result {
                if let Some(flight) = self.outgoing.finish(packet_id) {
                    self.fail_op(flight.op.id, &flight.op.request, error);
                }
            }
        }
        while let Some((op, packet_id)) = self.outgoing.take_sendable(receive_maximum) {
            self.start_flow(now, op, packet_id);
        }
    }

    /// Sends the first packet of a flow and records it as in flight (a QoS 0 PUBLISH, with
    /// packet id 0, completes at once).
    pub(super) fn start_flow(&mut self, now: u64, op: Op, packet_id: u16) {
        let Op { id, mut request } = op;
        let sent = self.check_now(&mut request).and_then(|()| match &mut request {
            Request::Publish(message) => self.write_new_publish(now, message, packet_id),
            Request::Subscribe(subscribe) => self.write_subscribe(now, subscribe, packet_id),
            Request::Unsubscribe(unsubscribe) => self.write_unsubscribe(now, unsubscribe, packet_id),
        });
        match sent {
            Ok(()) if packet_id == 0 => self.complete(id, Ok(published(ReasonCode::SUCCESS, None))),
            Ok(()) => {
                let stage = match &request {
                    Request::Publish(message) if message.qos == QoS::ExactlyOnce => Awaiting::PubRec,
                    Request::Publish(_) => Awaiting::PubAck,
                    Request::Subscribe(_) | Request::Unsubscribe(_) => Awaiting::Ack,
                };
                self.outgoing.start(Op { id, request }, packet_id, stage);
            }
            Err(error) => {
                self.outgoing.release_unused(packet_id);
                self.fail_op(id, &request, error);
            }
        }
    }

    /// Checks a request against the limits of the current connection (nothing to check when
    /// not connected: the server's limits are not known yet).
    pub(super) fn check_now(&self, request: &mut Request) -> Result<(), ClientError> {
        let Some(link) = self
            .link
            .as_ref()
            .filter(|_| matches!(self.state, State::Connected { .. }))
        else {
            return Ok(());
        };
        let limits = &link.limits;
        let opts = EncodeOptions {
            version: self.options.version,
            max_packet_size: limits.max_packet_size(),
        };
        match request {
            Request::Publish(message) => {
                if message.qos > limits.maximum_qos {
                    return Err(ClientError::QosNotSupported {
                        requested: message.qos,
                        maximum: limits.maximum_qos,
                    });
                }
                if message.retain && !limits.retain_available {
                    return Err(ClientError::RetainNotSupported);
                }
                // Sized with the full topic: a re-send after a reconnect carries it.
                with_publish_packet(message, 1, false, None, |packet| {
                    codec::encoded_len(packet, &opts)
                })?;
            }
            Request::Subscribe(subscribe) => {
                for subscription in &subscribe.subscriptions {
                    let shared = topic::split_shared(&subscription.filter);
                    let plain = shared.map_or(&*subscription.filter, |(_, inner)| inner);
                    if !limits.wildcard_subscription_available && plain.contains(['+', '#']) {
                        return Err(ClientError::WildcardSubscriptionNotSupported);
                    }
                    if !limits.shared_subscription_available && shared.is_some() {
                        return Err(ClientError::SharedSubscriptionNotSupported);
                    }
                }
                if !limits.subscription_identifiers_available
                    && !subscribe.properties.subscription_identifiers.is_empty()
                {
                    return Err(ClientError::SubscriptionIdentifierNotSupported);
                }
                codec::encoded_len(&subscribe_packet(subscribe, 1), &opts)?;
            }
            Request::Unsubscribe(unsubscribe) => {
                codec::encoded_len(&unsubscribe_packet(unsubscribe, 1), &opts)?;
            }
        }
        Ok(())
    }

    /// Reports an operation that cannot be sent: `Completed` with the error for the user's
    /// operations; for the session's own re-subscription, `ResubscribeFailed` per filter, which
    /// is no longer active.
    pub(super) fn fail_op(&mut self, id: Option<OpId>, request: &Request, error: ClientError) {
        match (id, request) {
            (None, Request::Subscribe(subscribe)) => {
                let reason = refusal_reason(&error);
                for subscription in &subscribe.subscriptions {
                    self.subscriptions.remove(&subscription.filter);
                    self.events.push_back(Event::ResubscribeFailed {
                        filter: subscription.filter.to_string(),
                        reason,
                    });
                }
            }
            _ => self.complete(id, Err(error)),
        }
    }

    /// The SUBSCRIBE requests that make every active subscription again on this connection:
    /// a filter the connection's limits forbid (wildcard, shared, subscription identifier, or
    /// too large even alone) is reported with `ResubscribeFailed` and dropped; the rest keep
    /// their order and are split so that no packet exceeds the server's Maximum Packet Size.
    pub(super) fn resubscribe_requests(&mut self) -> Vec<SubscribeRequest> {
        let mut requests = Vec::new();
        for group in self.subscriptions.resubscribe_requests() {
            let mut current: Option<SubscribeRequest> = None;
            for subscription in group.subscriptions {
                let mut single = Request::Subscribe(SubscribeRequest {
                    subscriptions: vec![subscription],
                    properties: group.properties.clone(),
                });
                if let Err(error) = self.check_now(&mut single) {
                    self.fail_op(None, &single, error);
                    continue;
                }
                let Request::Subscribe(mut single) = single else {
                    continue;
                };
                match current.as_mut() {
                    Some(request) => {
                        request.subscriptions.append(&mut single.subscriptions);
                        let mut grown = Request::Subscribe(request.clone());
                        if self.check_now(&mut grown).is_err() {
                            single.subscriptions.extend(request.subscriptions.pop());
                            requests.extend(current.replace(single));
                        }
                    }
                    None => current = Some(single),
                }
            }
            requests.extend(current);
        }
        requests
    }

    /// Reports an operation's outcome (the session's own operations have no one to tell).
    pub(super) fn complete(&mut self, id: Option<OpId>, result: Result<Completion, ClientError>) {
        if let Some(op) = id {
            self.events.push_back(Event::Completed { op, result });
        }
    }

    /// Fails every waiting operation. Flows already on the wire are abandoned: the broker may
    /// still hold their packet ids (a QoS 2 PUBLISH it stored, a PUBREL it waits for), so the
    /// next CONNECT asks for a clean start rather than resume a session in which a new flow
    /// could reuse one of those ids and be taken for a duplicate.
    pub(super) fn fail_all(&mut self, error: &ClientError) {
        if self.outgoing.in_flight_len() > 0 {
            self.force_clean_start = true;
        }
        for op in self.outgoing.drain_all() {
            self.complete(op.id, Err(error.clone()));
        }
    }
}

/// The reason code a `ResubscribeFailed` names for a re-subscription the session could not send.
fn refusal_reason(error: &ClientError) -> ReasonCode {
    match error {
        ClientError::PacketTooLarge { .. } => ReasonCode::PACKET_TOO_LARGE,
        ClientError::WildcardSubscriptionNotSupported => ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED,
        ClientError::SharedSubscriptionNotSupported => ReasonCode::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED,
        ClientError::SubscriptionIdentifierNotSupported => ReasonCode::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
        _ => ReasonCode::IMPLEMENTATION_SPECIFIC_ERROR,
    }
}
