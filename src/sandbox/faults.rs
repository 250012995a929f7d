//! Fault injection and the per-API rate limit.
//!
//! Faults count *eligible* requests: authenticated, routed to a known API,
//! and in `FaultConfig::apis` when that is set. Each fault has its own
//! counter that advances on every eligible request (the drop counter on
//! eligible writes only), so `throttle_every: 5` hits requests 5, 10, 15...
//! regardless of the other faults. When two fire on the same request the
//! first of throttle, error, drop, late apply, unmatched failure wins.

use crate::bss::Api;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default, Clone, Debug)]
pub struct FaultConfig {
    /// Every Nth eligible request → 429 APIG.0308, not applied.
    pub throttle_every: Option<u32>,
    /// Every Nth eligible request → 500 CBC.0999, not applied.
    pub error_every: Option<u32>,
    /// Every Nth eligible write is applied and persisted, then the
    /// connection is closed without a response.
    pub drop_every: Option<u32>,
    /// Every Nth eligible write is answered at once with 504 (a gateway
    /// timeout) and applied `late_apply_delay` later, as a backend slower
    /// than its gateway does.
    pub late_apply_every: Option<u32>,
    pub late_apply_delay: Duration,
    /// Every Nth eligible renew, unsubscribe or to-on-demand leaves its last
    /// resource unapplied and answers 200 with a failure entry that names
    /// no resource id.
    pub unmatched_failure_every: Option<u32>,
    /// Added before every response.
    pub latency: Duration,
    /// If set, only these APIs are eligible for faults.
    pub apis: Option<Vec<Api>>,
    /// How full resource listings lie (an API that is not consistent).
    pub listing: ListingLies,
    /// `error_msg` of the injected 500s instead of the default: tests send
    /// hostile text through bssctl's error output with it.
    pub error_message: Option<String>,
    /// CTS `ListTraces` answers 403 (the credentials lack `cts:trace:list`).
    pub cts_forbidden: bool,
}

/// Ways a full resource listing (no `resource_ids`) can disagree with
/// itself, as real paged APIs do. Applied after the handler, on top of the
/// true answer.
#[derive(Default, Clone, Debug)]
pub struct ListingLies {
    /// Every page claims this `total_count`; pages past the data are empty.
    pub total_count: Option<i64>,
    /// Once, right after answering the first page of a listing, close the
    /// first resource of that page: later pages shift by a row and the
    /// count drops (a resource released while the listing runs).
    pub close_one_mid_listing: bool,
    /// The first page also carries a row without `resource_id` and a row
    /// whose `expire_time` cannot be read.
    pub unreadable_rows: bool,
}

/// The fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Rejected by the per-API rate limit (a real gateway would do the same).
    RateLimited,
    Throttle,
    Error,
    Drop,
    LateApply,
    UnmatchedFailure,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::RateLimited => "rate_limit",
            Fault::Throttle => "throttle",
            Fault::Error => "error",
            Fault::Drop => "drop",
            Fault::LateApply => "late_apply",
            Fault::UnmatchedFailure => "unmatched_failure",
        }
    }
}

pub struct Faults {
    cfg: FaultConfig,
    /// Whether `close_one_mid_listing` has fired.
    closed_mid_listing: std::sync::atomic::AtomicBool,
    throttle: AtomicU64,
    error: AtomicU64,
    drop: AtomicU64,
    late: AtomicU64,
    unmatched: AtomicU64,
    limit: Option<u32>,
    limiters: HashMap<Api, DefaultDirectRateLimiter>,
}

/// Advances `counter` and says whether this is its Nth call.
fn nth(counter: &AtomicU64, every: Option<u32>) -> bool {
    match every.filter(|n| *n > 0) {
        None => false,
        Some(n) => (counter.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(u64::from(n)),
    }
}

impl Faults {
    pub fn new(cfg: FaultConfig, rate_limit_per_api: Option<u32>) -> Faults {
        let limit = rate_limit_per_api.and_then(NonZeroU32::new);
        // One token bucket per API: n requests per second, bursts up to n.
        let limiters = limit
            .map(|n| {
                Api::ALL
                    .iter()
                    .map(|api| (*api, RateLimiter::direct(Quota::per_second(n))))
                    .collect()
            })
            .unwrap_or_default();
        Faults {
            cfg,
            closed_mid_listing: std::sync::atomic::AtomicBool::new(false),
            throttle: AtomicU64::new(0),
            error: AtomicU64::new(0),
            drop: AtomicU64::new(0),
            late: AtomicU64::new(0),
            unmatched: AtomicU64::new(0),
            limit: limit.map(NonZeroU32::get),
            limiters,
        }
    }

    /// The `error_msg` of an injected 500.
    pub fn error_message(&self) -> &str {
        self.cfg.error_message.as_deref().unwrap_or(
            "Internal system error (sandbox injected fault); the request was not applied.",
        )
    }

    pub fn latency(&self) -> Duration {
        self.cfg.latency
    }

    pub fn late_apply_delay(&self) -> Duration {
        self.cfg.late_apply_delay
    }

    /// The configured rate limit, for the 429 message.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(0)
    }

    /// Whether CTS ListTraces is refused (403).
    pub fn cts_forbidden(&self) -> bool {
        self.cfg.cts_forbidden
    }

    pub fn listing(&self) -> &ListingLies {
        &self.cfg.listing
    }

    /// True the first time it is asked, when `close_one_mid_listing` is set.
    pub fn close_mid_listing_now(&self) -> bool {
        self.cfg.listing.close_one_mid_listing
            && !self.closed_mid_listing.swap(true, Ordering::Relaxed)
    }

    /// Decides the fault for an authenticated request to `api`.
    pub fn decide(&self, api: Api) -> Option<Fault> {
        if let Some(limiter) = self.limiters.get(&api) {
            if limiter.check().is_err() {
                return Some(Fault::RateLimited);
            }
        }
        if self
            .cfg
            .apis
            .as_ref()
            .is_some_and(|apis| !apis.contains(&api))
        {
            return None;
        }
        let throttle = nth(&self.throttle, self.cfg.throttle_every);
        let error = nth(&self.error, self.cfg.error_every);
        let drop = api.is_write() && nth(&self.drop, self.cfg.drop_every);
        let late = api.is_write() && nth(&self.late, self.cfg.late_apply_every);
        let batch = matches!(api, Api::Renew | Api::Unsubscribe | Api::ToOnDemand);
        let unmatched = batch && nth(&self.unmatched, self.cfg.unmatched_failure_every);
        if throttle {
            Some(Fault::Throttle)
        } else if error {
            Some(Fault::Error)
        } else if drop {
            Some(Fault::Drop)
        } else if late {
            Some(Fault::LateApply)
        } else if unmatched {
            Some(Fault::UnmatchedFailure)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_fire_every_nth_eligible_request() {
        let f = Faults::new(
            FaultConfig {
                throttle_every: Some(3),
                drop_every: Some(2),
                apis: Some(vec![Api::Renew, Api::QueryResources]),
                ..Default::default()
            },
            None,
        );
        let got: Vec<_> = [
            Api::Renew,
            Api::Balances,
            Api::Renew,
            Api::QueryResources,
            Api::Renew,
        ]
        .into_iter()
        .map(|a| f.decide(a))
        .collect();
        // Balances is not eligible; the query counts for throttle, not drop.
        assert_eq!(
            got,
            vec![None, None, Some(Fault::Drop), Some(Fault::Throttle), None]
        );
    }

    #[test]
    fn late_apply_and_unmatched_failures_hit_their_apis_only() {
        let f = Faults::new(
            FaultConfig {
                late_apply_every: Some(2),
                unmatched_failure_every: Some(1),
                ..Default::default()
            },
            None,
        );
        let got: Vec<_> = [
            Api::QueryResources,
            Api::Renew,
            Api::PayOrder,
            Api::Unsubscribe,
        ]
        .into_iter()
        .map(|a| f.decide(a))
        .collect();
        assert_eq!(
            got,
            vec![
                None,
                Some(Fault::UnmatchedFailure),
                Some(Fault::LateApply),
                Some(Fault::UnmatchedFailure)
            ]
        );
    }

    #[test]
    fn rate_limit_is_per_api() {
        let f = Faults::new(FaultConfig::default(), Some(2));
        assert_eq!(f.decide(Api::Renew), None);
        assert_eq!(f.decide(Api::Renew), None);
        assert_eq!(f.decide(Api::Renew), Some(Fault::RateLimited));
        assert_eq!(f.decide(Api::Balances), None);
    }
}
