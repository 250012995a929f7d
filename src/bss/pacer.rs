//! Client-side rate limiting: requests of one API evenly spaced, first come
//! first served. Each caller reserves the next free slot under a (fair,
//! FIFO) lock and sleeps until it. Fairness matters: an unfair limiter let
//! a page that later pages waited on lose the race for seconds.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    period: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// At most `per_second` requests a second, evenly spaced (no burst, so
    /// no window of the gateway's ever sees more).
    pub fn per_second(per_second: u32) -> Pacer {
        Pacer {
            period: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits for this caller's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.period);
            slot
        };
        tokio::time::sleep_until(slot).await;
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
}
