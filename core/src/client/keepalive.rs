//! Keepalive timing for one connection (MQTT-3.1.2-23/-24, v5 §3.1.2.10).
//!
//! The client must send *something* at least every keepalive period, or the broker drops it at
//! 1.5×. So a PINGREQ goes out when nothing was sent for a whole period; then a PINGRESP must
//! come back within the ping timeout — at most half the period, so that a dead link is noticed
//! within 1.5× the keepalive, when the broker gives up too — or the connection counts as lost
//! (a half-open socket is the usual cause in a browser: a laptop lid closed, Wi-Fi switched). While a PINGREQ is
//! unanswered no second one is sent: the deadline decides. Any bytes that arrive meanwhile
//! prove the link alive and start the deadline again, so the connection is lost only after
//! the ping timeout passes in silence.

/// What the keepalive timer asks for at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeepAliveAction {
    Nothing,
    SendPing,
    TimedOut,
}

/// Keepalive state of one connection; all times in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeepAlive {
    /// 0 turns keepalive off.
    period_ms: u64,
    /// `None`: half the period.
    ping_timeout_ms: Option<u64>,
    last_sent: u64,
    ping_sent_at: Option<u64>,
}

impl KeepAlive {
    /// Keepalive of `period_secs` (0 = off), counting from a packet sent at `now`; the PINGRESP
    /// wait is `ping_timeout_ms` capped at half the period (`None`: half the period).
    pub(crate) fn new(period_secs: u16, ping_timeout_ms: Option<u64>, now: u64) -> Self {
        Self {
            period_ms: u64::from(period_secs) * 1_000,
            ping_timeout_ms,
            last_sent: now,
            ping_sent_at: None,
        }
    }

    /// The period in force, in seconds (after a v5 Server Keep Alive replaced ours).
    pub(crate) fn set_period(&mut self, period_secs: u16) {
        self.period_ms = u64::from(period_secs) * 1_000;
    }

    /// Call whenever bytes are queued for the broker.
    pub(crate) fn on_sent(&mut self, now: u64) {
        self.last_sent = self.last_sent.max(now);
    }

    /// Call when a PINGREQ was queued.
    pub(crate) fn on_ping_sent(&mut self, now: u64) {
        self.on_sent(now);
        self.ping_sent_at = Some(now);
    }

    /// Call whenever bytes arrive. They prove the link alive as well as a PINGRESP would, so an
    /// outstanding PINGREQ's deadline starts again from `now` (a large message ahead of the
    /// PINGRESP on a slow link must not look like a dead connection); only silence for the
    /// whole ping timeout does.
    pub(crate) fn on_received(&mut self, now: u64) {
        if let Some(sent) = self.ping_sent_at.as_mut() {
            *sent = (*sent).max(now);
        }
    }

    /// Call when a PINGRESP arrived.
    pub(crate) fn on_ping_response(&mut self) {
        self.ping_sent_at = None;
    }

    /// Whether a PINGREQ is waiting for its PINGRESP.
    #[cfg(test)]
    pub(crate) fn is_awaiting_response(&self) -> bool {
        self.ping_sent_at.is_some()
    }

    /// How long a PINGREQ may go unanswered.
    fn ping_wait_ms(&self) -> u64 {
        let half = self.period_ms / 2;
        self.ping_timeout_ms.map_or(half, |ms| ms.min(half))
    }

    /// The next moment `poll` has something to do.
    pub(crate) fn deadline(&self) -> Option<u64> {
        if self.period_ms == 0 {
            return None;
        }
        Some(match self.ping_sent_at {
            Some(sent) => sent.saturating_add(self.ping_wait_ms()),
            None => self.last_sent.saturating_add(self.period_ms),
        })
    }

    /// What to do at `now`.
    pub(crate) fn poll(&self, now: u64) -> KeepAliveAction {
        match (self.deadline(), self.ping_sent_at) {
            (Some(deadline), Some(_)) if now >= deadline => KeepAliveAction::TimedOut,
            (Some(deadline), None) if now >= deadline => KeepAliveAction::SendPing,
            _ => KeepAliveAction::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_when_nothing_was_sent_for_a_period() {
        let mut keepalive = KeepAlive::new(60, Some(5_000), 1_000);
        assert_eq!(keepalive.deadline(), Some(61_000));
        assert_eq!(keepalive.poll(60_999), KeepAliveAction::Nothing);
        assert_eq!(keepalive.poll(61_000), KeepAliveAction::SendPing);
        // Any packet sent pushes the ping back.
        keepalive.on_sent(30_000);
        assert_eq!(keepalive.deadline(), Some(90_000));
        assert_eq!(keepalive.poll(61_000), KeepAliveAction::Nothing);
    }

    #[test]
    fn an_unanswered_ping_times_out_at_its_deadline() {
        let mut keepalive = KeepAlive::new(10, Some(3_000), 0);
        keepalive.on_ping_sent(10_000);
        assert!(keepalive.is_awaiting_response());
        assert_eq!(keepalive.deadline(), Some(13_000));
        assert_eq!(keepalive.poll(12_999), KeepAliveAction::Nothing);
        assert_eq!(keepalive.poll(13_000), KeepAliveAction::TimedOut);
    }

    #[test]
    fn a_pingresp_clears_the_deadline() {
        let mut keepalive = KeepAlive::new(10, Some(3_000), 0);
        keepalive.on_ping_sent(10_000);
        keepalive.on_ping_response();
        assert_eq!(keepalive.deadline(), Some(20_000));
        assert_eq!(keepalive.poll(13_000), KeepAliveAction::Nothing);
    }

    #[test]
    fn zero_turns_it_off_and_the_server_can_change_the_period() {
        let mut keepalive = KeepAlive::new(0, Some(3_000), 0);
        assert_eq!(keepalive.deadline(), None);
        assert_eq!(keepalive.poll(u64::MAX), KeepAliveAction::Nothing);
        keepalive.set_period(5);
        assert_eq!(keepalive.deadline(), Some(5_000));
    }

    #[test]
    fn sending_earlier_than_the_last_send_does_not_move_time_back() {
        let mut keepalive = KeepAlive::new(10, Some(3_000), 5_000);
        keepalive.on_sent(4_000);
        assert_eq!(keepalive.deadline(), Some(15_000));
    }

    #[test]
    fn the_pingresp_wait_is_at_most_half_the_period() {
        // (period s, setting ms, PINGREQ at, lost at)
        let cases = [
            (5, None, 5_000, 7_500),
            (60, None, 60_000, 90_000),
            (5, Some(10_000), 5_000, 7_500),
            (5, Some(1_000), 5_000, 6_000),
            (1, None, 1_000, 1_500),
        ];
        for (period, setting, ping_at, lost_at) in cases {
            let mut keepalive = KeepAlive::new(period, setting, 0);
            assert_eq!(
                keepalive.poll(ping_at),
                KeepAliveAction::SendPing,
                "{period} s, {setting:?}"
            );
            keepalive.on_ping_sent(ping_at);
            assert_eq!(
                keepalive.poll(lost_at - 1),
                KeepAliveAction::Nothing,
                "{period} s, {setting:?}"
            );
            assert_eq!(
                keepalive.poll(lost_at),
                KeepAliveAction::TimedOut,
                "{period} s, {setting:?}"
            );
        }
    }

    #[test]
    fn a_server_keep_alive_moves_the_default_wait_with_it() {
        let mut keepalive = KeepAlive::new(60, None, 0);
        keepalive.set_period(10);
        keepalive.on_ping_sent(10_000);
        assert_eq!(keepalive.deadline(), Some(15_000));
    }
}
