//! Client-side rate limiting: requests of one API evenly spaced, first come
//! first served. Each caller reserves the next free slot under a (fair,
//! FIFO) lock and sleeps until it. Fairness matters: an unfair limiter let
//! a page that later pages waited on lose the race for seconds.
//!
//! The pace adapts to the gateway: a throttled answer (HTTP 429) blocks the
//! API for the wait the caller asks (at least a second: the gateway counts
//! per second), halves its pace for the rest of the run, and every answer
//! that was not throttled wins a little of the pace back.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The slowest pace a throttled API drops to.
const SLOWEST: Duration = Duration::from_secs(1);
/// How much of the extra spacing each unthrottled answer wins back.
const RECOVERY: f64 = 0.9;

#[derive(Debug)]
pub struct Pacer {
    /// The configured spacing, the fastest the pace recovers to.
    base: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The next free slot.
    next: Option<Instant>,
    /// The current spacing: `base`, or longer after throttling.
    period: Duration,
    /// No request of this API starts before this (after a 429).
    blocked_until: Option<Instant>,
}

impl Pacer {
    /// At most `per_second` requests a second, evenly spaced (no burst, so
    /// no window of the gateway's ever sees more).
    pub fn per_second(per_second: u32) -> Pacer {
        let base = Duration::from_secs(1) / per_second.max(1);
        Pacer {
            base,
            state: Mutex::new(State {
                next: None,
                period: base,
                blocked_until: None,
            }),
        }
    }

    /// Waits for this caller's slot. A caller whose slot was taken by a
    /// block that arrived while it slept reserves a new one after the block.
    pub async fn wait(&self) {
        loop {
            let slot = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                let slot = [Some(now), s.next, s.blocked_until]
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or(now);
                s.next = Some(slot + s.period);
                slot
            };
            tokio::time::sleep_until(slot).await;
            let s = self.state.lock().await;
            if s.blocked_until.is_none_or(|b| b <= slot) {
                return;
            }
        }
    }

    /// The gateway throttled this API: no request starts for `wait`, and
    /// the pace halves (down to one a second) until answers recover it.
    pub async fn throttled(&self, wait: Duration) {
        let mut s = self.state.lock().await;
        let until = Instant::now() + wait;
        s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        s.period = (s.period * 2).min(SLOWEST.max(self.base));
        // Slots reserved before the block are re-reserved after it.
        s.next = Some(s.next.map_or(until, |n| n.max(until)));
    }

    /// An answer that was not throttled: win back some of the pace.
    pub async fn answered(&self) {
        let mut s = self.state.lock().await;
        if s.period > self.base {
            s.period = s.period.mul_f64(RECOVERY).max(self.base);
        }
    }

    /// The current spacing between requests (for tests and logs).
    pub async fn period(&self) -> Duration {
        self.state.lock().await.period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced_in_arrival_order() {
        let pacer = std::sync::Arc::new(Pacer::per_second(10));
        let start = Instant::now();
        let mut handles = Vec::new();
        for i in 0..5u32 {
            let p = pacer.clone();
            handles.push(tokio::spawn(async move {
                p.wait().await;
                (i, Instant::now() - start)
            }));
            tokio::task::yield_now().await;
        }
        let mut got = Vec::new();
        for h in handles {
            got.push(h.await.unwrap());
        }
        for (i, (n, at)) in got.into_iter().enumerate() {
            assert_eq!(n as usize, i);
            assert_eq!(at, Duration::from_millis(100) * i as u32);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_blocks_waiting_callers_and_slows_the_pace() {
        let pacer = std::sync::Arc::new(Pacer::per_second(10));
        let start = Instant::now();
        pacer.wait().await;
        // A caller already waiting for its slot (100 ms) when the 429 lands.
        let waiting = {
            let p = pacer.clone();
            tokio::spawn(async move {
                p.wait().await;
                Instant::now() - start
            })
        };
        tokio::task::yield_now().await;
        pacer.throttled(Duration::from_millis(1200)).await;
        let at = waiting.await.unwrap();
        assert!(at >= Duration::from_millis(1200), "{at:?}");
        assert_eq!(pacer.period().await, Duration::from_millis(200));
        // The next one keeps the slower pace.
        pacer.wait().await;
        assert_eq!(Instant::now() - start, at + Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn the_pace_recovers_slowly_and_never_beyond_the_base() {
        let pacer = Pacer::per_second(10);
        for _ in 0..5 {
            pacer.throttled(Duration::ZERO).await;
        }
        assert_eq!(pacer.period().await, Duration::from_secs(1));
        pacer.answered().await;
        assert_eq!(pacer.period().await, Duration::from_millis(900));
        for _ in 0..100 {
            pacer.answered().await;
        }
        assert_eq!(pacer.period().await, Duration::from_millis(100));
    }
}
