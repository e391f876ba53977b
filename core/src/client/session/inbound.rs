//! Packets from the broker: decoding the byte stream and handling each packet.

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::codec::{
    self, Ack, DecodeOptions, MAX_REMAINING_LENGTH, Packet, PacketType, Properties, ProtocolVersion, Publish,
    QoS, ReasonCode, Status, SubAck, UnsubAck,
};
use crate::topic::TopicError;

use crate::client::error::{ClientError, LostReason, ProtocolError};
use crate::client::events::{Completion, Event, Message};
use crate::client::incoming::Qos2Arrival;
use crate::client::outgoing::{Awaiting, InFlight, Op, Request};

use super::wire::{puback, pubcomp, published, pubrec, pubrel};
use super::{Client, State};

/// What we say, in the place of the broker's reason string, when a broker without MQTT 5
/// refuses it (its 3.1.1 CONNACK can carry none).
const PRE_V5_BROKER: &str =
    "the broker speaks only MQTT 3.1.1 or 3.1, not MQTT 5: connect with version 3.1.1";

impl Client {
    /// Decodes and handles every complete packet in `buffer`; returns how many bytes were used.
    pub(super) fn process(&mut self, now: u64, buffer: &[u8]) -> usize {
        let mut offset = 0;
        while self.link.is_some() {
            let Some(rest) = buffer.get(offset..).filter(|rest| !rest.is_empty()) else {
                break;
            };
            let opts = DecodeOptions {
                version: self.options.version,
                max_packet_size: self
                    .options
                    .maximum_packet_size
                    .map_or(MAX_REMAINING_LENGTH + 5, |max| max as usize),
            };
            match codec::decode(rest, &opts) {
                Ok(Status::Complete(packet, used)) => {
                    offset += used;
                    self.on_packet(now, packet);
                }
                Ok(Status::Incomplete) => break,
                Err(_) if self.is_pre_v5_refusal_of_v5(rest) => {
                    let reason = LostReason::Refused {
                        code: ReasonCode::UNSUPPORTED_PROTOCOL_VERSION,
                        reason_string: Some(PRE_V5_BROKER.to_owned()),
                    };
                    self.connection_lost(now, reason, true);
                    break;
                }
                Err(error) => {
                    self.protocol_violation(now, ProtocolError::Decode(error));
                    break;
                }
            }
        }
        offset
    }

    /// A broker that knows only 3.1/3.1.1 answers a v5 CONNECT with its own two-byte CONNACK
    /// "unacceptable protocol version" (MQTT-3.1.2-2), which is no valid v5 CONNACK.
    fn is_pre_v5_refusal_of_v5(&self, bytes: &[u8]) -> bool {
        const UNACCEPTABLE_PROTOCOL_VERSION: u8 = 0x01;
        self.options.version.is_v5()
            && matches!(self.state, State::AwaitingConnAck { .. })
            && matches!(bytes, [0x20, 0x02, _, UNACCEPTABLE_PROTOCOL_VERSION, ..])
    }

    pub(super) fn on_packet(&mut self, now: u64, packet: Packet<'_>) {
        match self.state {
            State::AwaitingConnAck { .. } => match packet {
                Packet::ConnAck(connack) => self.on_connack(now, connack),
                other => self.protocol_violation(now, ProtocolError::UnexpectedPacket(other.packet_type())),
            },
            State::Connected { .. } => match packet {
                Packet::Publish(publish) => self.on_publish(now, publish),
                Packet::PubAck(ack) => self.on_puback(now, ack),
                Packet::PubRec(ack) => self.on_pubrec(now, ack),
                Packet::PubRel(ack) => self.on_pubrel(now, ack),
                Packet::PubComp(ack) => self.on_pubcomp(now, ack),
                Packet::SubAck(suback) => self.on_suback(now, suback),
                Packet::UnsubAck(unsuback) => self.on_unsuback(now, unsuback),
                Packet::PingResp => {
                    if let Some(link) = self.link.as_mut() {
                        link.keepalive.on_ping_response();
                    }
                }
                Packet::Disconnect(disconnect) => {
                    let reason = LostReason::ServerDisconnect {
                        reason: disconnect.reason,
                        reason_string: disconnect.properties.reason_string.map(Cow::into_owned),
                    };
                    // The server closes the connection after DISCONNECT; we close our end too.
                    self.connection_lost(now, reason, true);
                }
                other @ (Packet::Connect(_)
                | Packet::ConnAck(_)
                | Packet::Subscribe(_)
                | Packet::Unsubscribe(_)
                | Packet::PingReq
                | Packet::Auth(_)) => {
                    self.protocol_violation(now, ProtocolError::UnexpectedPacket(other.packet_type()));
                }
            },
            State::Idle | State::Opening { .. } | State::WaitingToReconnect { .. } => {}
        }
    }

    pub(super) fn on_publish(&mut self, now: u64, publish: Publish<'_>) {
        let version = self.options.version;
        let alias = publish.properties.topic_alias.filter(|_| version.is_v5());
        let resolved = match self.link.as_mut() {
            Some(link) if version.is_v5() => link.inbound_aliases.resolve(&publish.topic, alias),
            _ => Ok(None),
        };
        let resolved = match resolved {
            Ok(resolved) => resolved,
            Err(error) => return self.protocol_violation(now, ProtocolError::TopicAlias(error)),
        };
        let topic = resolved.unwrap_or_else(|| publish.topic.to_string());
        // The decoder checked the rest of the rules for topic names (`Reader::topic_name`: UTF-8,
        // no U+0000, no wildcards, at most 65,535 bytes), and aliases only hold decoded topics;
        // scanning the name again here cost every message. Left: no topic after aliases.
        if topic.is_empty() {
            return self.protocol_violation(now, ProtocolError::TopicName(TopicError::Empty));
        }
        let packet_id = publish.packet_id;
        let deliver = match publish.qos {
            QoS::AtMostOnce => true,
            QoS::AtLeastOnce => {
                self.write_control(now, &puback(packet_id));
                true
            }
            QoS::ExactlyOnce => match self.qos2.on_publish(packet_id) {
                Qos2Arrival::New => {
                    self.write_control(now, &pubrec(packet_id));
                    true
                }
                // MQTT 3.1 has no Session Present flag, so a kept session is only assumed: if
                // the broker lost it, a new message may reuse an id still awaiting PUBREL. A
                // re-sent one carries DUP=1, so one with DUP=0 is new and is delivered.
                Qos2Arrival::Duplicate if version == ProtocolVersion::V3_1 && !publish.dup => {
                    self.write_control(now, &pubrec(packet_id));
                    true
                }
                Qos2Arrival::Duplicate => {
                    self.write_control(now, &pubrec(packet_id));
                    false
                }
                Qos2Arrival::OverReceiveMaximum => {
                    return self.protocol_violation(now, ProtocolError::ReceiveMaximumExceeded);
                }
            },
        };
        if deliver {
            self.events.push_back(Event::Message(Message {
                topic,
                payload: publish.payload.into_owned(),
                qos: publish.qos,
                retain: publish.retain,
                dup: publish.dup,
                // Before v5 there are none: skip walking every field of an empty set (a tenth of
                // the receive time in the browser profile).
                properties: if version.is_v5() {
                    publish.properties.into_owned()
                } else {
                    Properties::default()
                },
            }));
        }
    }

    pub(super) fn on_puback(&mut self, now: u64, ack: Ack<'_>) {
        if self.stage_of(ack.packet_id) != Some(Awaiting::PubAck) {
            return; // Not ours (any more): nothing to do.
        }
        if let Some(flight) = self.outgoing.finish(ack.packet_id) {
            let result = self.ack_result(ack);
            self.complete(flight.op.id, result);
        }
        self.pump(now);
    }

    pub(super) fn on_pubrec(&mut self, now: u64, ack: Ack<'_>) {
        let packet_id = ack.packet_id;
        match self.stage_of(packet_id) {
            Some(Awaiting::PubRec) if self.options.version.is_v5() && ack.reason.is_failure() => {
                // v5: the flow ends here, no PUBREL, no retransmission.
                if let Some(flight) = self.outgoing.finish(packet_id) {
                    let result = self.ack_result(ack);
                    self.complete(flight.op.id, result);
                }
                self.pump(now);
            }
            Some(Awaiting::PubRec) => {
                self.outgoing.released(packet_id);
                self.write_control(now, &pubrel(packet_id, ReasonCode::SUCCESS));
            }
            // A repeated PUBREC: answer again.
            Some(Awaiting::PubComp) => self.write_control(now, &pubrel(packet_id, ReasonCode::SUCCESS)),
            // v5 §4.3.3: a failed PUBREC ends the flow on the broker's side too; nothing to
            // release.
            _ if self.options.version.is_v5() && ack.reason.is_failure() => {}
            // Unknown to us (e.g. the flow was abandoned by `disconnect`): still release it,
            // so the broker's state does not hang.
            _ => self.write_control(now, &pubrel(packet_id, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)),
        }
    }

    pub(super) fn on_pubrel(&mut self, now: u64, ack: Ack<'_>) {
        let known = self.qos2.on_release(ack.packet_id);
        let reason = if known {
            ReasonCode::SUCCESS
        } else {
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
        };
        self.write_control(now, &pubcomp(ack.packet_id, reason));
    }

    pub(super) fn on_pubcomp(&mut self, now: u64, ack: Ack<'_>) {
        if self.stage_of(ack.packet_id) != Some(Awaiting::PubComp) {
            return;
        }
        if let Some(flight) = self.outgoing.finish(ack.packet_id) {
            let result = self.ack_result(ack);
            self.complete(flight.op.id, result);
        }
        self.pump(now);
    }

    pub(super) fn on_suback(&mut self, now: u64, suback: SubAck<'_>) {
        let expected = match self.outgoing.get(suback.packet_id) {
            Some(InFlight {
                op:
                    Op {
                        request: Request::Subscribe(request),
                        ..
                    },
                stage: Awaiting::Ack,
                ..
            }) => request.subscriptions.len(),
            _ => return,
        };
        if suback.codes.len() != expected {
            return self.protocol_violation(
                now,
                ProtocolError::WrongNumberOfCodes {
                    expected,
                    received: suback.codes.len(),
                },
            );
        }
        if let Some(&code) = suback
            .codes
            .iter()
            .find(|code| !is_subscribe_reason_code(self.options.version, **code))
        {
            return self.protocol_violation(
                now,
                ProtocolError::InvalidReasonCode {
                    packet_type: PacketType::SubAck,
                    code,
                },
            );
        }
        let Some(InFlight {
            op: Op {
                id,
                request: Request::Subscribe(request),
            },
            ..
        }) = self.outgoing.finish(suback.packet_id)
        else {
            return;
        };
        let identifier = request.properties.subscription_identifiers.first().copied();
        let mut results = Vec::with_capacity(expected);
        for (subscription, code) in request.subscriptions.iter().zip(&suback.codes) {
            match QoS::from_u8(code.0) {
                Some(granted) => {
                    self.subscriptions
                        .add(&subscription.filter, subscription.options, identifier);
                    results.push(Ok(granted));
                }
                None => {
                    if id.is_none() {
                        self.subscriptions.remove(&subscription.filter);
                        self.events.push_back(Event::ResubscribeFailed {
                            filter: subscription.filter.to_string(),
                            reason: *code,
                        });
                    }
                    results.push(Err(*code));
                }
            }
        }
        let reason_string = suback.properties.reason_string.map(Cow::into_owned);
        self.complete(
            id,
            Ok(Completion::Subscribed {
                results,
                reason_string,
            }),
        );
        self.pump(now);
    }

    pub(super) fn on_unsuback(&mut self, now: u64, unsuback: UnsubAck<'_>) {
        let expected = match self.outgoing.get(unsuback.packet_id) {
            Some(InFlight {
                op:
                    Op {
                        request: Request::Unsubscribe(request),
                        ..
                    },
                stage: Awaiting::Ack,
                ..
            }) => request.filters.len(),
            _ => return,
        };
        // Before v5 UNSUBACK has no codes.
        if self.options.version.is_v5() && unsuback.codes.len() != expected {
            return self.protocol_violation(
                now,
                ProtocolError::WrongNumberOfCodes {
                    expected,
                    received: unsuback.codes.len(),
                },
            );
        }
        let Some(InFlight {
            op: Op {
                id,
                request: Request::Unsubscribe(request),
            },
            ..
        }) = self.outgoing.finish(unsuback.packet_id)
        else {
            return;
        };
        for (index, filter) in request.filters.iter().enumerate() {
            let refused = unsuback.codes.get(index).is_some_and(|code| code.is_failure());
            if !refused {
                self.subscriptions.remove(filter);
            }
        }
        let reason_string = unsuback.properties.reason_string.map(Cow::into_owned);
        self.complete(
            id,
            Ok(Completion::Unsubscribed {
                codes: unsuback.codes,
                reason_string,
            }),
        );
        self.pump(now);
    }

    /// The outcome a PUBACK/PUBCOMP/PUBREC reports (failure codes only exist in v5).
    pub(super) fn ack_result(&self, ack: Ack<'_>) -> Result<Completion, ClientError> {
        let reason_string = ack.properties.reason_string.map(Cow::into_owned);
        if self.options.version.is_v5() && ack.reason.is_failure() {
            Err(ClientError::Refused {
                reason: ack.reason,
                reason_string,
            })
        } else {
            Ok(published(ack.reason, reason_string))
        }
    }

    pub(super) fn stage_of(&self, packet_id: u16) -> Option<Awaiting> {
        self.outgoing.get(packet_id).map(|flight| flight.stage)
    }
}

/// Whether `code` may appear in a SUBACK of `version` (MQTT-3.9.3-2; v5 §3.9.3).
fn is_subscribe_reason_code(version: ProtocolVersion, code: ReasonCode) -> bool {
    match code.0 {
        0x00..=0x02 | 0x80 => true,
        // v5 failure codes: implementation specific, not authorized, topic filter invalid,
        // packet id in use, quota exceeded, shared / subscription ids / wildcards unsupported.
        0x83 | 0x87 | 0x8F | 0x91 | 0x97 | 0x9E | 0xA1 | 0xA2 => version.is_v5(),
        _ => false,
    }
}
