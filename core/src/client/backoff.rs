//! Reconnect delays: exponential backoff with jitter, capped, reset after a stable connection.
//!
//! Attempt `n` (1-based, counting consecutive failures) waits
//! `base = min(max_delay, initial_delay × multiplier^(n-1))` minus a random share of up to
//! `jitter_percent` % of `base`. Taking jitter *off* the base (never adding) keeps the cap a real
//! upper bound, and spreads a classroom of clients that lost the same broker at the same moment.
//! Integer arithmetic only, so a seeded random source gives exact, testable delays.

use super::options::ReconnectPolicy;
use super::random::RandomSource;

/// Consecutive failed attempts and the delays they earn.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: ReconnectPolicy,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(policy: ReconnectPolicy) -> Self {
        Self { policy, failures: 0 }
    }

    /// Counts one more failure and returns `(attempt, delay_ms)` for the next try.
    pub(crate) fn next_delay(&mut self, rng: &mut dyn RandomSource) -> (u32, u64) {
        self.failures = self.failures.saturating_add(1);
        let base = self.base_delay(self.failures);
        let jitter_span = base.saturating_mul(u64::from(self.policy.jitter_percent)) / 100;
        // A uniform share of the span: span × r / 2³², r in [0, 2³²).
        let reduction = ((u128::from(jitter_span) * u128::from(rng.next_u32())) >> 32) as u64;
        (self.failures, base.saturating_sub(reduction))
    }

    /// Forgets past failures (after a connection that stayed up long enough, or a user `connect`).
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// The delay before jitter for the `attempt`-th consecutive failure.
    fn base_delay(&self, attempt: u32) -> u64 {
        let mut delay = self.policy.initial_delay_ms;
        for _ in 1..attempt {
            delay = delay.saturating_mul(u64::from(self.policy.multiplier));
            if delay >= self.policy.max_delay_ms {
                break;
            }
        }
        delay.min(self.policy.max_delay_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn policy(jitter_percent: u8) -> ReconnectPolicy {
        ReconnectPolicy {
            enabled: true,
            initial_delay_ms: 1_000,
            max_delay_ms: 10_000,
            multiplier: 2,
            jitter_percent,
            stable_after_ms: 30_000,
            retry_first_attempt: true,
        }
    }

    #[test]
    fn doubles_up_to_the_cap_without_jitter() {
        let mut backoff = Backoff::new(policy(0));
        let mut rng = || u32::MAX;
        let delays: Vec<(u32, u64)> = (0..6).map(|_| backoff.next_delay(&mut rng)).collect();
        assert_eq!(
            delays,
            vec![
                (1, 1_000),
                (2, 2_000),
                (3, 4_000),
                (4, 8_000),
                (5, 10_000),
                (6, 10_000)
            ]
        );
    }

    #[test]
    fn jitter_only_shortens_the_delay() {
        let mut backoff = Backoff::new(policy(50));
        // r = 0 takes nothing off; r = 2³¹ takes half the span; r = u32::MAX almost all of it.
        let mut values = [0u32, 1 << 31, u32::MAX].into_iter();
        let mut rng = move || values.next().unwrap_or(0);
        assert_eq!(backoff.next_delay(&mut rng), (1, 1_000));
        assert_eq!(backoff.next_delay(&mut rng), (2, 2_000 - 500));
        // span = 2000, 2000 × (2³² − 1) / 2³² = 1999.99… → 1999 taken off.
        assert_eq!(backoff.next_delay(&mut rng), (3, 4_000 - 1_999));
    }

    #[test]
    fn reset_starts_over_at_the_initial_delay() {
        let mut backoff = Backoff::new(policy(0));
        let mut rng = || 0;
        backoff.next_delay(&mut rng);
        backoff.next_delay(&mut rng);
        backoff.reset();
        assert_eq!(backoff.next_delay(&mut rng), (1, 1_000));
    }

    #[test]
    fn a_huge_attempt_count_does_not_overflow() {
        let mut backoff = Backoff::new(ReconnectPolicy {
            max_delay_ms: u64::MAX,
            ..policy(100)
        });
        let mut rng = || 0;
        for _ in 0..200 {
            backoff.next_delay(&mut rng);
        }
        assert_eq!(backoff.next_delay(&mut rng), (201, u64::MAX));
    }
}
