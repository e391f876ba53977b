//! What the user chooses before connecting, checked once in `Client::new`.

use crate::codec::{Properties, ProtocolVersion, QoS};
use crate::prelude::*;
use crate::topic;

use super::error::OptionsError;
use super::random::RandomSource;

/// The prefix of a generated client id; 8 hex digits follow, 21 characters in all, which fits
/// the 23-character limit of MQTT 3.1.
pub const GENERATED_CLIENT_ID_PREFIX: &str = "scratch-mqtt-";

/// How the session connects and behaves. Start from `Options::default()` and change fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// 3.1, 3.1.1 (the default: every broker speaks it) or 5.0.
    pub version: ProtocolVersion,
    /// Empty means "choose one": in 3.1/3.1.1 a `scratch-mqtt-xxxxxxxx` id is generated once and
    /// kept for every reconnect (3.1 forbids empty ids, 3.1.1 forbids them with a kept session,
    /// and some brokers reject them anyway). In 5.0 it is sent empty and the broker's Assigned
    /// Client Identifier is used from then on, so reconnects find the same session.
    pub client_id: String,
    /// Clean session (3.1/3.1.1) / clean start (5.0): begin each connection without the broker's
    /// stored session. Default `true`.
    pub clean_start: bool,
    /// Seconds; 0 turns keepalive off. Default 60.
    pub keep_alive_secs: u16,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
    /// Published by the broker when the connection ends without a DISCONNECT.
    pub will: Option<LastWill>,
    /// v5: how long the broker keeps the session after the connection ends (seconds). `None`
    /// sends nothing, which means 0: the session ends with the connection.
    pub session_expiry_secs: Option<u32>,
    /// v5: how many QoS>0 PUBLISH the broker may have unacknowledged towards us. Also bounds the
    /// QoS 2 messages we track, in every version. `None` = 65,535 (and nothing is sent).
    pub receive_maximum: Option<u16>,
    /// The largest packet we accept (incoming limit, fixed header included). Larger packets
    /// close the connection with PACKET_TOO_LARGE. Sent as a v5 property; enforced in every
    /// version. `None` = the protocol's limit (the default).
    ///
    /// Deliberately no smaller default: a v5 broker silently drops the messages for us that
    /// exceed it (a loss the application never hears of), and before v5 a larger message
    /// closes the connection, after which a broker keeping the session sends it again — a
    /// reconnect loop. An application that knows its largest message should set this (e.g.
    /// 1 MiB in a browser) to bound what one packet can make the session buffer.
    pub maximum_packet_size: Option<u32>,
    /// v5: how many topic aliases the broker may define for messages to us. Default 0 (none).
    pub topic_alias_maximum: u16,
    /// v5: define topic aliases for the topics we publish to, up to the broker's Topic Alias
    /// Maximum (first come, first served; no eviction). Default `true`.
    pub auto_topic_alias: bool,
    /// How long an attempt may take from asking for the transport until CONNACK. Default 30 s.
    pub connect_timeout_ms: u64,
    /// How long to wait for PINGRESP before the connection counts as lost. `None` (the default)
    /// is half the keepalive period in force; a set value is capped at half of it, so a dead link
    /// is always noticed within 1.5× the keepalive, when the broker gives up on us too.
    pub ping_timeout_ms: Option<u64>,
    /// How many QoS 1 and QoS 2 PUBLISH may be sent and not yet acknowledged. Before MQTT 5 a
    /// broker cannot announce a limit and a PUBACK cannot refuse, so a broker that takes fewer
    /// drops the surplus while acknowledging it (mosquitto's default `max_inflight_messages` is
    /// 20). `None` (the default): 20 before 5.0; in 5.0 the server's Receive Maximum alone. A set
    /// value applies in every version, never above the server's Receive Maximum.
    pub max_in_flight: Option<u16>,
    pub reconnect: ReconnectPolicy,
    /// How many operations (publish, subscribe, unsubscribe) may wait: while the client is not
    /// connected, and while connected for send quota or a packet id (both together). Beyond it
    /// they fail at once with `ClientError::OfflineQueueFull`. Default 256.
    pub offline_queue_capacity: usize,
    /// v5 CONNECT: user properties.
    pub user_properties: Vec<(String, String)>,
    /// v5 CONNECT: Request Problem Information (`None` = the protocol default, yes).
    pub request_problem_information: Option<bool>,
    /// v5 CONNECT: Request Response Information (`None` = the protocol default, no).
    pub request_response_information: Option<bool>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            version: ProtocolVersion::V3_1_1,
            client_id: String::new(),
            clean_start: true,
            keep_alive_secs: 60,
            username: None,
            password: None,
            will: None,
            session_expiry_secs: None,
            receive_maximum: None,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            auto_topic_alias: true,
            connect_timeout_ms: 30_000,
            ping_timeout_ms: None,
            max_in_flight: None,
            reconnect: ReconnectPolicy::default(),
            offline_queue_capacity: 256,
            user_properties: Vec::new(),
            request_problem_information: None,
            request_response_information: None,
        }
    }
}

/// The last will: a message the broker publishes for us if we vanish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastWill {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// v5 will properties (will delay, message expiry, content type, …).
    pub properties: Properties<'static>,
}

/// When and how fast to reconnect after a connection is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Off: a lost connection ends the session (`Event::Closed`), and waiting operations fail.
    pub enabled: bool,
    /// Delay before the first retry. Default 1 s.
    pub initial_delay_ms: u64,
    /// Cap on the delay. Default 30 s.
    pub max_delay_ms: u64,
    /// Growth per failed attempt. Default 2.
    pub multiplier: u32,
    /// Up to this share of each delay is taken off at random (0–100). Default 25.
    pub jitter_percent: u8,
    /// A connection that stays up this long resets the backoff to the initial delay. Default 20 s.
    pub stable_after_ms: u64,
    /// Off: when the very first attempt fails (nothing was ever connected), the session ends
    /// instead of retrying — for callers that wait for "connected or why not" (a wrong URL must
    /// not retry for ever behind their back). Default on.
    pub retry_first_attempt: bool,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            initial_delay_ms: 1_000,
            max_delay_ms: 30_000,
            multiplier: 2,
            jitter_percent: 25,
            stable_after_ms: 20_000,
            retry_first_attempt: true,
        }
    }
}

/// Paho's default too, and mosquitto's default `max_inflight_messages`.
const DEFAULT_MAX_IN_FLIGHT_BEFORE_V5: u16 = 20;

const MAX_STRING: usize = 65_535;
const MQTT_3_1_CLIENT_ID_MAX: usize = 23;

impl Options {
    /// Checks the options and fills in what "choose for me" left open (a client id).
    pub(crate) fn validated(mut self, rng: &mut dyn RandomSource) -> Result<Self, OptionsError> {
        check_string(&self.client_id).map_err(OptionsError::ClientId)?;
        if self.client_id.is_empty() && !self.version.is_v5() {
            self.client_id = format!("{GENERATED_CLIENT_ID_PREFIX}{:08x}", rng.next_u32());
        }
        if self.version == ProtocolVersion::V3_1 && self.client_id.len() > MQTT_3_1_CLIENT_ID_MAX {
            return Err(OptionsError::ClientIdTooLongForMqtt31(self.client_id.len()));
        }
        if let Some(username) = &self.username {
            check_string(username).map_err(OptionsError::Username)?;
        }
        if self
            .password
            .as_ref()
            .is_some_and(|password| password.len() > MAX_STRING)
        {
            return Err(OptionsError::PasswordTooLong);
        }
        // MQTT-3.1.2-22: before 5.0 a password needs a user name.
        if self.password.is_some() && self.username.is_none() && !self.version.is_v5() {
            return Err(OptionsError::PasswordWithoutUsername);
        }
        if let Some(will) = &self.will {
            topic::validate_name(&will.topic).map_err(OptionsError::WillTopic)?;
            if will.payload.len() > MAX_STRING {
                return Err(OptionsError::WillPayloadTooLong);
            }
        }
        if self.receive_maximum == Some(0) {
            return Err(OptionsError::ZeroReceiveMaximum);
        }
        if self.max_in_flight == Some(0) {
            return Err(OptionsError::ZeroMaxInFlight);
        }
        if self.maximum_packet_size == Some(0) {
            return Err(OptionsError::ZeroMaximumPacketSize);
        }
        for (name, value) in &self.user_properties {
            check_string(name).map_err(OptionsError::UserProperty)?;
            check_string(value).map_err(OptionsError::UserProperty)?;
        }
        let policy = &self.reconnect;
        if policy.initial_delay_ms > policy.max_delay_ms {
            return Err(OptionsError::Reconnect(
                "the initial delay is above the maximum delay",
            ));
        }
        if policy.multiplier == 0 {
            return Err(OptionsError::Reconnect("the multiplier must be at least 1"));
        }
        if policy.jitter_percent > 100 {
            return Err(OptionsError::Reconnect("jitter is a percentage, at most 100"));
        }
        Ok(self)
    }

    /// The most QoS>0 PUBLISH we keep unacknowledged when the server allows `server_maximum`.
    pub fn send_quota(&self, server_maximum: u16) -> u16 {
        let ours = match self.max_in_flight {
            Some(max) => max,
            None if self.version.is_v5() => u16::MAX,
            None => DEFAULT_MAX_IN_FLIGHT_BEFORE_V5,
        };
        ours.min(server_maximum)
    }

    /// The receive maximum in force (the protocol default when unset).
    pub(crate) fn effective_receive_maximum(&self) -> u16 {
        self.receive_maximum.unwrap_or(u16::MAX)
    }
}

/// Why a string cannot go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringError {
    TooLong,
    NullCharacter,
}

impl core::fmt::Display for StringError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::TooLong => "longer than 65535 bytes",
            Self::NullCharacter => "contains U+0000",
        })
    }
}

fn check_string(value: &str) -> Result<(), StringError> {
    if value.len() > MAX_STRING {
        return Err(StringError::TooLong);
    }
    if value.contains('\0') {
        return Err(StringError::NullCharacter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topic::TopicError;

    fn rng() -> impl FnMut() -> u32 {
        || 0x00c0_ffee
    }

    #[test]
    fn generates_a_client_id_before_v5_and_leaves_it_empty_in_v5() {
        let options = Options::default().validated(&mut rng()).unwrap();
        assert_eq!(options.client_id, "scratch-mqtt-00c0ffee");
        let options = Options {
            version: ProtocolVersion::V3_1,
            clean_start: false,
            ..Options::default()
        }
        .validated(&mut rng())
        .unwrap();
        assert_eq!(options.client_id, "scratch-mqtt-00c0ffee");
        let v5 = Options {
            version: ProtocolVersion::V5,
            ..Options::default()
        }
        .validated(&mut rng())
        .unwrap();
        assert_eq!(v5.client_id, "");
    }

    #[test]
    fn keeps_a_given_client_id() {
        let options = Options {
            client_id: "scratch-cat".into(),
            ..Options::default()
        }
        .validated(&mut rng())
        .unwrap();
        assert_eq!(options.client_id, "scratch-cat");
    }

    #[test]
    fn rejects_bad_options_with_a_typed_error() {
        let cases: Vec<(Options, OptionsError)> = vec![
            (
                Options {
                    will: Some(LastWill {
                        topic: "a/#".into(),
                        payload: vec![],
                        qos: QoS::AtMostOnce,
                        retain: false,
                        properties: Properties::default(),
                    }),
                    ..Options::default()
                },
                OptionsError::WillTopic(TopicError::WildcardInName),
            ),
            (
                Options {
                    client_id: "a\0b".into(),
                    ..Options::default()
                },
                OptionsError::ClientId(StringError::NullCharacter),
            ),
            (
                Options {
                    version: ProtocolVersion::V3_1,
                    client_id: "x".repeat(24),
                    ..Options::default()
                },
                OptionsError::ClientIdTooLongForMqtt31(24),
            ),
            (
                Options {
                    password: Some(b"secret".to_vec()),
                    ..Options::default()
                },
                OptionsError::PasswordWithoutUsername,
            ),
            (
                Options {
                    receive_maximum: Some(0),
                    ..Options::default()
                },
                OptionsError::ZeroReceiveMaximum,
            ),
            (
                Options {
                    max_in_flight: Some(0),
                    ..Options::default()
                },
                OptionsError::ZeroMaxInFlight,
            ),
            (
                Options {
                    maximum_packet_size: Some(0),
                    ..Options::default()
                },
                OptionsError::ZeroMaximumPacketSize,
            ),
            (
                Options {
                    reconnect: ReconnectPolicy {
                        jitter_percent: 101,
                        ..ReconnectPolicy::default()
                    },
                    ..Options::default()
                },
                OptionsError::Reconnect("jitter is a percentage, at most 100"),
            ),
        ];
        for (options, expected) in cases {
            assert_eq!(options.validated(&mut rng()), Err(expected));
        }
    }

    #[test]
    fn the_send_quota_is_20_before_v5_and_the_servers_in_v5_unless_set() {
        // (version, max_in_flight, server's Receive Maximum, quota)
        let cases = [
            (ProtocolVersion::V3_1, None, u16::MAX, 20),
            (ProtocolVersion::V3_1_1, None, u16::MAX, 20),
            (ProtocolVersion::V5, None, u16::MAX, u16::MAX),
            (ProtocolVersion::V5, None, 20, 20),
            (ProtocolVersion::V3_1_1, Some(100), u16::MAX, 100),
            (ProtocolVersion::V5, Some(5), 20, 5),
            (ProtocolVersion::V5, Some(50), 20, 20),
        ];
        for (version, max_in_flight, server, quota) in cases {
            let options = Options {
                version,
                max_in_flight,
                ..Options::default()
            };
            assert_eq!(
                options.send_quota(server),
                quota,
                "{version:?} {max_in_flight:?} {server}"
            );
        }
    }

    #[test]
    fn v5_allows_a_password_without_a_user_name() {
        let options = Options {
            version: ProtocolVersion::V5,
            password: Some(b"token".to_vec()),
            ..Options::default()
        };
        assert!(options.validated(&mut rng()).is_ok());
    }
}
