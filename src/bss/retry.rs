//! When a failed call is tried again, and how long to wait first.

use super::api::Safety;
use super::error::{ApiError, THROTTLED};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First wait after a 5xx or transport error; doubles each attempt.
    pub base_delay: Duration,
    /// First wait after throttling (the reference says 2–5 s).
    pub throttle_delay: Duration,
    /// The least an API waits after a 429 before its next request (the
    /// gateway counts per second), plus up to a quarter of it as jitter.
    pub throttle_floor: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            throttle_delay: Duration::from_secs(2),
            throttle_floor: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What to do with a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Retry,
    /// Give up with this error.
    Fail,
    /// A purchase/release that may have gone through: give up, never resend.
    Ambiguous,
}

pub fn classify(safety: Safety, err: &ApiError) -> Verdict {
    let resend_ok = safety != Safety::NotIdempotent;
    match err {
        ApiError::Service {
            status: 429,
            error_code,
            ..
        } => {
            // A gateway throttle proves the request was not accepted.
            if resend_ok || error_code == THROTTLED {
                Verdict::Retry
            } else {
                Verdict::Ambiguous
            }
        }
        ApiError::Service { status, .. } if *status >= 500 => {
            if resend_ok {
                Verdict::Retry
            } else {
                Verdict::Ambiguous
            }
        }
        ApiError::Transport { sent: false, .. } => Verdict::Retry,
        ApiError::Transport { sent: true, .. } => {
            if resend_ok {
                Verdict::Retry
            } else {
                Verdict::Ambiguous
            }
        }
        // A 2xx we cannot read: for a purchase it did happen, but we lost the
        // order ids, so the caller must verify.
        ApiError::Decode { .. } if !resend_ok => Verdict::Ambiguous,
        _ => Verdict::Fail,
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter in [d/2, d]; a `Retry-After` from the
    /// server raises the floor.
    pub fn delay(&self, attempt: u32, throttled: bool, retry_after: Option<Duration>) -> Duration {
        let base = if throttled {
            self.throttle_delay
        } else {
            self.base_delay
        };
        let exp = base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let half = exp / 2;
        let jitter = half.mul_f64(fastrand::f64());
        let d = half + jitter;
        match retry_after {
            Some(ra) if ra > d => ra.min(self.max_delay),
            _ => d,
        }
    }
}

impl RetryPolicy {
    /// How long an API pauses after a 429: the floor plus jitter, or the
    /// server's `Retry-After` when that is longer.
    pub fn throttle_pause(&self, retry_after: Option<Duration>) -> Duration {
        let jitter = (self.throttle_floor / 4).mul_f64(fastrand::f64());
        let pause = self.throttle_floor + jitter;
        retry_after.map_or(pause, |ra| ra.max(pause))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bss::Api;

    fn service(status: u16, code: &str) -> ApiError {
        ApiError::Service {
            api: Api::Renew,
            status,
            error_code: code.into(),
            error_msg: String::new(),
            request_id: None,
            encoded_authorization_message: None,
        }
    }

    #[test]
    fn verdicts() {
        use Safety::*;
        let transport = |sent| ApiError::Transport {
            api: Api::Renew,
            message: String::new(),
            sent,
        };
        let cases = [
            (ReadOnly, service(429, "APIG.0308"), Verdict::Retry),
            (NotIdempotent, service(429, "APIG.0308"), Verdict::Retry),
            (NotIdempotent, service(429, "OTHER"), Verdict::Ambiguous),
            (ReadOnly, service(503, "CBC.0999"), Verdict::Retry),
            (IdempotentWrite, service(500, "CBC.0999"), Verdict::Retry),
            (NotIdempotent, service(500, "CBC.0999"), Verdict::Ambiguous),
            (ReadOnly, service(400, "CBC.0100"), Verdict::Fail),
            (NotIdempotent, service(400, "CBC.99005003"), Verdict::Fail),
            (NotIdempotent, transport(false), Verdict::Retry),
            (NotIdempotent, transport(true), Verdict::Ambiguous),
            (ReadOnly, transport(true), Verdict::Retry),
        ];
        for (safety, err, want) in cases {
            assert_eq!(classify(safety, &err), want, "{safety:?} {err:?}");
        }
    }

    #[test]
    fn delays_grow_and_stay_bounded() {
        let p = RetryPolicy::default();
        for attempt in 0..20 {
            let d = p.delay(attempt, false, None);
            assert!(d <= p.max_delay);
            let full = p
                .base_delay
                .saturating_mul(1 << attempt.min(16))
                .min(p.max_delay);
            assert!(d >= full / 2);
        }
        assert!(p.delay(0, true, None) >= Duration::from_secs(1));
        assert_eq!(
            p.delay(0, false, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn a_throttle_pauses_at_least_a_second_or_as_the_server_asks() {
        let p = RetryPolicy::default();
        for _ in 0..50 {
            let d = p.throttle_pause(None);
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_millis(1250),
                "{d:?}"
            );
        }
        assert_eq!(
            p.throttle_pause(Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }
}
