//! Connection lifecycle: attempts, CONNACK, resuming the session, losing the connection.

use crate::prelude::*;
use alloc::borrow::Cow;
use core::mem;

use crate::codec::{ConnAck, ConnectReturnCode, Disconnect, Packet, Properties, ProtocolVersion, ReasonCode};

use crate::client::error::{ClientError, LostReason, ProtocolError};
use crate::client::events::{Connected, Event};
use crate::client::limits::ServerLimits;
use crate::client::outgoing::{Awaiting, Op, Request, UnsubscribeRequest};
use crate::client::topic_alias::{InboundAliases, OutboundAliases};

use super::wire::published;
use super::{Client, State};

impl Client {
    pub(super) fn begin_attempt(&mut self, now: u64) {
        self.state = State::Opening {
            deadline: now.saturating_add(self.options.connect_timeout_ms),
        };
        self.events.push_back(Event::OpenTransport);
    }

    pub(super) fn on_connack(&mut self, now: u64, connack: ConnAck<'_>) {
        let version = self.options.version;
        if connack.code != ReasonCode::SUCCESS {
            // Before v5 the code is a connect return code: give it its v5 name.
            let code = if version.is_v5() {
                connack.code
            } else {
                ConnectReturnCode::from_code(connack.code).map_or(connack.code, |rc| rc.to_reason_code())
            };
            let reason_string = connack.properties.reason_string.map(Cow::into_owned);
            self.connection_lost(now, LostReason::Refused { code, reason_string }, true);
            return;
        }
        let clean_start = self.link.as_ref().is_some_and(|link| link.clean_start);
        if connack.session_present && clean_start {
            self.protocol_violation(now, ProtocolError::SessionPresentOnCleanStart);
            return;
        }
        if connack.session_present && version.is_v5() && !self.has_session_state {
            // MQTT-3.2.2-4: close, and start over with a clean session.
            self.force_clean_start = true;
            self.protocol_violation(now, ProtocolError::SessionPresentWithoutLocalState);
            return;
        }
        // MQTT 3.1 has no Session Present flag: a broker keeps the session of a client that
        // connects without clean session, so with local state to resume we assume it did (and
        // re-send in-flight messages as duplicates), but subscribe again below in case it did not.
        let session_present = if version == ProtocolVersion::V3_1 {
            !clean_start && self.has_session_state
        } else {
            connack.session_present
        };

        let properties = connack.properties.into_owned();
        let limits = if version.is_v5() {
            ServerLimits::from_connack(&properties)
        } else {
            ServerLimits::default()
        };
        let keep_alive_secs = properties
            .server_keep_alive
            .filter(|_| version.is_v5())
            .unwrap_or(self.options.keep_alive_secs);
        if let Some(assigned) = properties
            .assigned_client_identifier
            .as_deref()
            .filter(|_| version.is_v5())
        {
            self.client_id = assigned.to_owned();
            self.client_id_assigned = true;
        }
        let outbound_alias_maximum = if version.is_v5() && self.options.auto_topic_alias {
            limits.topic_alias_maximum
        } else {
            0
        };
        if let Some(link) = self.link.as_mut() {
            link.keepalive.set_period(keep_alive_secs);
            link.limits = limits;
            link.inbound_aliases = InboundAliases::new(self.options.topic_alias_maximum);
            link.outbound_aliases = OutboundAliases::new(outbound_alias_maximum);
        }
        self.state = State::Connected { since: now };
        self.force_clean_start = false;
        self.has_session_state = true;
        if !session_present {
            // The broker will never PUBREL what it sent in a session it no longer has.
            self.qos2.clear();
        }
        self.events.push_back(Event::Connected(Connected {
            session_present,
            client_id: self.client_id.clone(),
            client_id_assigned: self.client_id_assigned,
            keep_alive_secs,
            limits,
            properties,
        }));
        // A 3.1 broker that lost the session cannot say so: subscribe again every time. The
        // same filter replaces its subscription, so the cost is at most retained messages again;
        // the alternative is silence that a user cannot tell from a quiet topic.
        let resubscribe = !session_present || version == ProtocolVersion::V3_1;
        self.resume(now, session_present, resubscribe);
    }

    /// After CONNACK: make the session whole again, then let new traffic through, in this
    /// order: re-subscriptions (session lost, or not known to be kept), in-flight flows,
    /// pending, offline queue.
    pub(super) fn resume(&mut self, now: u64, session_present: bool, resubscribe: bool) {
        // Taken before the re-subscriptions join the in-flight flows.
        let unfinished = self.outgoing.in_flight_ids();
        self.outgoing.clear_resend();
        if resubscribe {
            // Re-subscriptions still unanswered from the last connection are made again below
            // from the active list, checked against this connection's limits.
            for &packet_id in &unfinished {
                let own_subscribe = self.outgoing.get(packet_id).is_some_and(|flight| {
                    flight.op.id.is_none() && matches!(flight.op.request, Request::Subscribe(_))
                });
                if own_subscribe {
                    self.outgoing.finish(packet_id);
                }
            }
            // Pushed to the front one by one: last first, so they go out in first-made order.
            for request in self.resubscribe_requests().into_iter().rev() {
                let op = Op {
                    id: None,
                    request: Request::Subscribe(request),
                };
                self.outgoing.push_pending_front(op);
            }
            // Ahead of in-flight flows: a lost session means lost subscriptions first.
            self.pump_own_operations(now);
        }
        self.resend_in_flight(now, &unfinished, session_present);
        self.pump(now);
        let offline = self.outgoing.take_offline();
        for op in offline {
            let Op { id, mut request } = op;
            match self.check_now(&mut request) {
                Ok(()) => self.dispatch(now, Op { id, request }),
                Err(error) => self.complete(id, Err(error)),
            }
        }
    }

    /// Sends the session's own operations (re-subscriptions) queued at the front of pending.
    pub(super) fn pump_own_operations(&mut self, now: u64) {
        while let Some((op, packet_id)) = self.outgoing.take_own_sendable() {
            self.start_flow(now, op, packet_id);
        }
    }

    /// Re-sends every in-flight flow in order, checked against the new connection's limits
    /// (a flow they forbid — a lower Maximum QoS, Retain unavailable, a smaller Maximum Packet
    /// Size, wildcards unavailable — fails with the typed error). With the session kept:
    /// PUBLISH with DUP=1, PUBREL and SUBSCRIBE/UNSUBSCRIBE with their original ids, in order,
    /// a PUBLISH only when the new send quota allows (it waits with everything behind it, ahead
    /// of anything new, until acks free quota). With the session lost:
    /// a QoS 2 flow past PUBREC is complete (the broker took the message); the rest are sent
    /// again as new.
    pub(super) fn resend_in_flight(&mut self, now: u64, packet_ids: &[u16], session_present: bool) {
        for &packet_id in packet_ids {
            let Some(stage) = self.outgoing.get(packet_id).map(|flight| flight.stage) else {
                continue;
            };
            let result = match stage {
                Awaiting::PubComp if !session_present => {
                    if let Some(flight) = self.outgoing.finish(packet_id) {
                        self.complete(flight.op.id, Ok(published(ReasonCode::SUCCESS, None)));
                    }
                    continue;
                }
                Awaiting::PubComp => Ok(()),
                Awaiting::PubAck | Awaiting::PubRec | Awaiting::Ack => self.check_in_flight(packet_id),
            };
            match result {
                Ok(()) => self.outgoing.queue_resend(packet_id, session_present),
                Err(error) => {
                    if let Some(flight) = self.outgoing.finish(packet_id) {
                        self.fail_op(flight.op.id, &flight.op.request, error);
                    }
                }
            }
        }
        // Sends what the send quota allows now; `pump` sends the rest as acks free it.
        self.pump(now);
    }

    /// Checks an in-flight flow's request against the current connection's limits.
    fn check_in_flight(&mut self, packet_id: u16) -> Result<(), ClientError> {
        let placeholder = Request::Unsubscribe(UnsubscribeRequest {
            filters: Vec::new(),
            properties: Properties::default(),
        });
        let Some(flight) = self.outgoing.get_mut(packet_id) else {
            return Ok(());
        };
        let mut request = mem::replace(&mut flight.op.request, placeholder);
        let result = self.check_now(&mut request);
        if let Some(flight) = self.outgoing.get_mut(packet_id) {
            flight.op.request = request;
        }
        result
    }

    /// Ends the connection for `reason` (the transport is closed unless it already is), then
    /// reconnects per the policy or gives up.
    pub(super) fn connection_lost(&mut self, now: u64, reason: LostReason, close_transport: bool) {
        let connected_since = match self.state {
            State::Connected { since } => Some(since),
            _ => None,
        };
        self.link = None;
        if close_transport {
            self.events.push_back(Event::CloseTransport);
        }
        self.events.push_back(Event::ConnectionLost(reason.clone()));
        if connected_since
            .is_some_and(|since| now.saturating_sub(since) >= self.options.reconnect.stable_after_ms)
        {
            self.backoff.reset();
        }
        let policy = &self.options.reconnect;
        let retry =
            policy.enabled && !reason.is_final() && (self.has_session_state || policy.retry_first_attempt);
        if retry {
            let (attempt, delay_ms) = self.backoff.next_delay(self.rng.as_mut());
            self.state = State::WaitingToReconnect {
                at: now.saturating_add(delay_ms),
            };
            self.events
                .push_back(Event::ReconnectScheduled { attempt, delay_ms });
        } else {
            self.state = State::Idle;
            self.fail_all(&ClientError::ConnectionLost(reason));
            self.events.push_back(Event::Closed);
        }
    }

    /// The broker broke the rules: tell it why (v5 DISCONNECT with a reason code; before v5 a
    /// DISCONNECT would mean "normal, drop my will", so nothing is sent), close, reconnect.
    pub(super) fn protocol_violation(&mut self, now: u64, error: ProtocolError) {
        if self.options.version.is_v5() {
            let packet = Packet::Disconnect(Disconnect {
                reason: error.disconnect_reason(),
                properties: Properties::default(),
            });
            self.write_control(now, &packet);
        }
        self.connection_lost(now, LostReason::Protocol(error), true);
    }
}
