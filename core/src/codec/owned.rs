//! `into_owned`: detaching a decoded packet from the buffer it borrows from, to keep it past the
//! next read (session state, retransmission queues).

use crate::prelude::*;
use alloc::borrow::Cow;

use super::packet::{
    Ack, Auth, ConnAck, Connect, Disconnect, Packet, Publish, SubAck, Subscribe, Subscription, UnsubAck,
    Unsubscribe, Will,
};
use super::properties::Properties;

fn own<B: ?Sized + ToOwned + 'static>(value: Cow<'_, B>) -> Cow<'static, B> {
    Cow::Owned(value.into_owned())
}

impl Packet<'_> {
    pub fn into_owned(self) -> Packet<'static> {
        match self {
            Self::Connect(p) => Packet::Connect(Box::new((*p).into_owned())),
            Self::ConnAck(p) => Packet::ConnAck(p.into_owned()),
            Self::Publish(p) => Packet::Publish(p.into_owned()),
            Self::PubAck(p) => Packet::PubAck(p.into_owned()),
            Self::PubRec(p) => Packet::PubRec(p.into_owned()),
            Self::PubRel(p) => Packet::PubRel(p.into_owned()),
            Self::PubComp(p) => Packet::PubComp(p.into_owned()),
            Self::Subscribe(p) => Packet::Subscribe(p.into_owned()),
            Self::SubAck(p) => Packet::SubAck(p.into_owned()),
            Self::Unsubscribe(p) => Packet::Unsubscribe(p.into_owned()),
            Self::UnsubAck(p) => Packet::UnsubAck(p.into_owned()),
            Self::PingReq => Packet::PingReq,
            Self::PingResp => Packet::PingResp,
            Self::Disconnect(p) => Packet::Disconnect(p.into_owned()),
            Self::Auth(p) => Packet::Auth(p.into_owned()),
        }
    }
}

impl Properties<'_> {
    pub fn into_owned(self) -> Properties<'static> {
        Properties {
            payload_format_indicator: self.payload_format_indicator,
            message_expiry_interval: self.message_expiry_interval,
            content_type: self.content_type.map(own),
            response_topic: self.response_topic.map(own),
            correlation_data: self.correlation_data.map(own),
            subscription_identifiers: self.subscription_identifiers,
            session_expiry_interval: self.session_expiry_interval,
            assigned_client_identifier: self.assigned_client_identifier.map(own),
            server_keep_alive: self.server_keep_alive,
            authentication_method: self.authentication_method.map(own),
            authentication_data: self.authentication_data.map(own),
            request_problem_information: self.request_problem_information,
            will_delay_interval: self.will_delay_interval,
            request_response_information: self.request_response_information,
            response_information: self.response_information.map(own),
            server_reference: self.server_reference.map(own),
            reason_string: self.reason_string.map(own),
            receive_maximum: self.receive_maximum,
            topic_alias_maximum: self.topic_alias_maximum,
            topic_alias: self.topic_alias,
            maximum_qos: self.maximum_qos,
            retain_available: self.retain_available,
            user_properties: self
                .user_properties
                .into_iter()
                .map(|(k, v)| (own(k), own(v)))
                .collect(),
            maximum_packet_size: self.maximum_packet_size,
            wildcard_subscription_available: self.wildcard_subscription_available,
            subscription_identifier_available: self.subscription_identifier_available,
            shared_subscription_available: self.shared_subscription_available,
        }
    }
}

impl Connect<'_> {
    pub fn into_owned(self) -> Connect<'static> {
        Connect {
            protocol: self.protocol,
            clean_start: self.clean_start,
            keep_alive: self.keep_alive,
            client_id: own(self.client_id),
            will: self.will.map(Will::into_owned),
            username: self.username.map(own),
            password: self.password.map(own),
            properties: self.properties.into_owned(),
        }
    }
}

impl Will<'_> {
    pub fn into_owned(self) -> Will<'static> {
        Will {
            topic: own(self.topic),
            payload: own(self.payload),
            qos: self.qos,
            retain: self.retain,
            properties: self.properties.into_owned(),
        }
    }
}

impl ConnAck<'_> {
    pub fn into_owned(self) -> ConnAck<'static> {
        ConnAck {
            session_present: self.session_present,
            code: self.code,
            properties: self.properties.into_owned(),
        }
    }
}

impl Publish<'_> {
    pub fn into_owned(self) -> Publish<'static> {
        Publish {
            dup: self.dup,
            qos: self.qos,
            retain: self.retain,
            topic: own(self.topic),
            packet_id: self.packet_id,
            properties: self.properties.into_owned(),
            payload: own(self.payload),
        }
    }
}

impl Ack<'_> {
    pub fn into_owned(self) -> Ack<'static> {
        Ack {
            packet_id: self.packet_id,
            reason: self.reason,
            properties: self.properties.into_owned(),
        }
    }
}

impl Subscription<'_> {
    pub fn into_owned(self) -> Subscription<'static> {
        Subscription {
            filter: own(self.filter),
            options: self.options,
        }
    }
}

impl Subscribe<'_> {
    pub fn into_owned(self) -> Subscribe<'static> {
        Subscribe {
            packet_id: self.packet_id,
            properties: self.properties.into_owned(),
            subscriptions: self
                .subscriptions
                .into_iter()
                .map(Subscription::into_owned)
                .collect(),
        }
    }
}

impl SubAck<'_> {
    pub fn into_owned(self) -> SubAck<'static> {
        SubAck {
            packet_id: self.packet_id,
            properties: self.properties.into_owned(),
            codes: self.codes,
        }
    }
}

impl Unsubscribe<'_> {
    pub fn into_owned(self) -> Unsubscribe<'static> {
        Unsubscribe {
            packet_id: self.packet_id,
            properties: self.properties.into_owned(),
            filters: self.filters.into_iter().map(own).collect(),
        }
    }
}

impl UnsubAck<'_> {
    pub fn into_owned(self) -> UnsubAck<'static> {
        UnsubAck {
            packet_id: self.packet_id,
            properties: self.properties.into_owned(),
            codes: self.codes,
        }
    }
}

impl Disconnect<'_> {
    pub fn into_owned(self) -> Disconnect<'static> {
        Disconnect {
            reason: self.reason,
            properties: self.properties.into_owned(),
        }
    }
}

impl Auth<'_> {
    pub fn into_owned(self) -> Auth<'static> {
        Auth {
            reason: self.reason,
            properties: self.properties.into_owned(),
        }
    }
}
