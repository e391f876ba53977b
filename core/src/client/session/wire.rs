//! Writing packets into the transmit buffer, and building them from the session's data.

use crate::prelude::*;
use alloc::borrow::Cow;
use core::mem;

use crate::codec::{
    self, Ack, Connect, EncodeError, EncodeOptions, MAX_REMAINING_LENGTH, Packet, Properties, Publish, QoS,
    ReasonCode, Subscribe, Subscription, Unsubscribe, Will,
};

use crate::client::error::ClientError;
use crate::client::events::{Completion, OutgoingMessage};
use crate::client::options::Options;
use crate::client::outgoing::{Request, SubscribeRequest, UnsubscribeRequest};
use crate::client::topic_alias::OutboundTopic;

use super::Client;

impl Client {
    pub(super) fn encode_options(&self) -> EncodeOptions {
        EncodeOptions {
            version: self.options.version,
            max_packet_size: self
                .link
                .as_ref()
                .map_or(MAX_REMAINING_LENGTH + 5, |link| link.limits.max_packet_size()),
        }
    }

    pub(super) fn note_sent(&mut self, now: u64) {
        if let Some(link) = self.link.as_mut() {
            link.keepalive.on_sent(now);
        }
    }

    /// Writes a small fixed-shape packet (acks, PINGREQ, DISCONNECT). These carry no user data
    /// and are far below any packet size limit, so encoding cannot fail.
    pub(super) fn write_control(&mut self, now: u64, packet: &Packet<'_>) {
        let opts = self.encode_options();
        if codec::encode(packet, &opts, &mut self.tx).is_ok() {
            self.note_sent(now);
        }
    }

    /// Writes a PUBLISH sent for the first time, with a topic alias when one applies.
    pub(super) fn write_new_publish(
        &mut self,
        now: u64,
        message: &mut OutgoingMessage,
        packet_id: u16,
    ) -> Result<(), ClientError> {
        let opts = self.encode_options();
        let topic = match self.link.as_mut() {
            Some(link) => link.outbound_aliases.assign(&message.topic),
            None => OutboundTopic::Full,
        };
        let tx = &mut self.tx;
        let mut result = with_publish_packet(message, packet_id, false, Some(topic), |packet| {
            codec::encode(packet, &opts, tx)
        });
        if result.is_err() {
            if let (Some(link), OutboundTopic::Define(_)) = (self.link.as_mut(), topic) {
                // Defining the alias adds a property: a PUBLISH that fits with the full topic
                // alone (what `check_now` measured) goes without it.
                link.outbound_aliases.forget(&message.topic);
                let tx = &mut self.tx;
                result = with_publish_packet(message, packet_id, false, None, |packet| {
                    codec::encode(packet, &opts, tx)
                });
            }
        }
        result?;
        self.note_sent(now);
        Ok(())
    }

    pub(super) fn write_subscribe(
        &mut self,
        now: u64,
        subscribe: &SubscribeRequest,
        packet_id: u16,
    ) -> Result<(), ClientError> {
        let opts = self.encode_options();
        codec::encode(&subscribe_packet(subscribe, packet_id), &opts, &mut self.tx)?;
        self.note_sent(now);
        Ok(())
    }

    pub(super) fn write_unsubscribe(
        &mut self,
        now: u64,
        unsubscribe: &UnsubscribeRequest,
        packet_id: u16,
    ) -> Result<(), ClientError> {
        let opts = self.encode_options();
        codec::encode(&unsubscribe_packet(unsubscribe, packet_id), &opts, &mut self.tx)?;
        self.note_sent(now);
        Ok(())
    }

    /// Re-sends the packet of an in-flight PUBLISH (full topic, DUP as given) or
    /// SUBSCRIBE/UNSUBSCRIBE.
    pub(super) fn write_in_flight(&mut self, now: u64, packet_id: u16, dup: bool) -> Result<(), ClientError> {
        let opts = self.encode_options();
        let Some(flight) = self.outgoing.get_mut(packet_id) else {
            return Ok(());
        };
        let tx = &mut self.tx;
        match &mut flight.op.request {
            Request::Publish(message) => {
                with_publish_packet(message, packet_id, dup, None, |packet| {
                    codec::encode(packet, &opts, tx)
                })?;
            }
            Request::Subscribe(subscribe) => {
                codec::encode(&subscribe_packet(subscribe, packet_id), &opts, tx)?;
            }
            Request::Unsubscribe(unsubscribe) => {
                codec::encode(&unsubscribe_packet(unsubscribe, packet_id), &opts, tx)?;
            }
        }
        self.note_sent(now);
        Ok(())
    }
}

/// Builds the PUBLISH for `message` without copying it: topic, payload and properties are moved
/// into the packet and moved back afterwards. `topic`: how to name the topic (`None` = the full
/// topic, no alias).
pub(super) fn with_publish_packet<T>(
    message: &mut OutgoingMessage,
    packet_id: u16,
    dup: bool,
    topic: Option<OutboundTopic>,
    f: impl FnOnce(&Packet<'_>) -> Result<T, EncodeError>,
) -> Result<T, EncodeError> {
    let full_topic = mem::take(&mut message.topic);
    let (name, alias, kept_topic) = match topic.unwrap_or(OutboundTopic::Full) {
        OutboundTopic::Full => (Cow::Owned(full_topic), None, None),
        OutboundTopic::Define(alias) => (Cow::Owned(full_topic), Some(alias), None),
        OutboundTopic::Use(alias) => (Cow::Borrowed(""), Some(alias), Some(full_topic)),
    };
    let mut properties = mem::take(&mut message.properties);
    properties.topic_alias = alias;
    let packet: Packet<'static> = Packet::Publish(Publish {
        dup: dup && message.qos != QoS::AtMostOnce,
        qos: message.qos,
        retain: message.retain,
        topic: name,
        packet_id: if message.qos == QoS::AtMostOnce {
            0
        } else {
            packet_id
        },
        properties,
        payload: Cow::Owned(mem::take(&mut message.payload)),
    });
    let result = f(&packet);
    if let Packet::Publish(publish) = packet {
        // `into_owned` on an owned `Cow` gives the value back without copying.
        message.topic = kept_topic.unwrap_or_else(|| publish.topic.into_owned());
        message.payload = publish.payload.into_owned();
        message.properties = publish.properties;
        message.properties.topic_alias = None;
    }
    result
}

/// CONNECT for this session's options.
pub(super) fn connect_packet<'a>(options: &'a Options, client_id: &'a str, clean_start: bool) -> Packet<'a> {
    let mut properties = Properties::default();
    if options.version.is_v5() {
        properties.session_expiry_interval = options.session_expiry_secs;
        properties.receive_maximum = options.receive_maximum;
        properties.maximum_packet_size = options.maximum_packet_size;
        properties.topic_alias_maximum = Some(options.topic_alias_maximum).filter(|&max| max > 0);
        properties.request_problem_information = options.request_problem_information;
        properties.request_response_information = options.request_response_information;
        properties.user_properties = options
            .user_properties
            .iter()
            .map(|(name, value)| (Cow::Borrowed(name.as_str()), Cow::Borrowed(value.as_str())))
            .collect();
    }
    Packet::Connect(Box::new(Connect {
        protocol: options.version,
        clean_start,
        keep_alive: options.keep_alive_secs,
        client_id: Cow::Borrowed(client_id),
        will: options.will.as_ref().map(|will| Will {
            topic: Cow::Borrowed(&will.topic),
            payload: Cow::Borrowed(&will.payload),
            qos: will.qos,
            retain: will.retain,
            properties: will.properties.clone(),
        }),
        username: options.username.as_deref().map(Cow::Borrowed),
        password: options.password.as_deref().map(Cow::Borrowed),
        properties,
    }))
}

pub(super) fn subscribe_packet(request: &SubscribeRequest, packet_id: u16) -> Packet<'_> {
    Packet::Subscribe(Subscribe {
        packet_id,
        properties: request.properties.clone(),
        subscriptions: request
            .subscriptions
            .iter()
            .map(|subscription| Subscription {
                filter: Cow::Borrowed(&subscription.filter),
                options: subscription.options,
            })
            .collect(),
    })
}

pub(super) fn unsubscribe_packet(request: &UnsubscribeRequest, packet_id: u16) -> Packet<'_> {
    Packet::Unsubscribe(Unsubscribe {
        packet_id,
        properties: request.properties.clone(),
        filters: request
            .filters
            .iter()
            .map(|filter| Cow::Borrowed(filter.as_str()))
            .collect(),
    })
}

pub(super) fn ack(packet_id: u16, reason: ReasonCode) -> Ack<'static> {
    Ack {
        packet_id,
        reason,
        properties: Properties::default(),
    }
}

pub(super) fn puback(packet_id: u16) -> Packet<'static> {
    Packet::PubAck(ack(packet_id, ReasonCode::SUCCESS))
}

pub(super) fn pubrec(packet_id: u16) -> Packet<'static> {
    Packet::PubRec(ack(packet_id, ReasonCode::SUCCESS))
}

pub(super) fn pubrel(packet_id: u16, reason: ReasonCode) -> Packet<'static> {
    Packet::PubRel(ack(packet_id, reason))
}

pub(super) fn pubcomp(packet_id: u16, reason: ReasonCode) -> Packet<'static> {
    Packet::PubComp(ack(packet_id, reason))
}

pub(super) fn published(reason: ReasonCode, reason_string: Option<String>) -> Completion {
    Completion::Published {
        reason,
        reason_string,
    }
}
