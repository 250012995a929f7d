//! Fetching prices: renew-rate calls made while the inventory is still
//! arriving (`Prefetch`). What the answers mean — per-resource prices,
//! discounts, commitments — is the pure price stage, `plan::price`.

use crate::bss::client::MAX_RATE_IDS;
use crate::bss::model::{RenewRateReq, RenewRateResp};
use crate::bss::BssClient;
use crate::plan::price::{with_hint, PriceBook, PriceKey};
use std::collections::{BTreeMap, BTreeSet};

/// Prices requested while the inventory is still arriving: keys come in as
/// each page is planned; every 10 of one period make a call at once; the
/// rest go out when `finish` learns the final set. Keys arrive in page
/// order, so the grouping (and the discount sharing) is the same every run.
pub struct Prefetch {
    client: BssClient,
    seen: BTreeSet<PriceKey>,
    waiting: BTreeMap<(i32, i32), Vec<String>>,
    calls: Vec<tokio::task::JoinHandle<RateAnswer>>,
}

type RateAnswer = (
    RenewRateReq,
    Result<crate::bss::ApiResponse<RenewRateResp>, crate::bss::ApiError>,
);

impl Prefetch {
    pub fn new(client: BssClient) -> Prefetch {
        Prefetch {
            client,
            seen: BTreeSet::new(),
            waiting: BTreeMap::new(),
            calls: Vec::new(),
        }
    }

    pub fn add(&mut self, keys: impl IntoIterator<Item = PriceKey>) {
        for key in keys {
            if !self.seen.insert(key.clone()) {
                continue;
            }
            let (id, pt, pn) = key;
            let group = self.waiting.entry((pt, pn)).or_default();
            group.push(id);
            if group.len() == MAX_RATE_IDS {
                let ids = std::mem::take(group);
                self.send(pt, pn, ids);
            }
        }
    }

    fn send(&mut self, period_type: i32, period_num: i32, resource_ids: Vec<String>) {
        let client = self.client.clone();
        let req = RenewRateReq {
            resource_ids,
            period_type,
            period_num,
            include_relative_resources: Some(true),
        };
        self.calls.push(tokio::spawn(async move {
            let res = client.renew_rate(&req).await;
            (req, res)
        }));
    }

    /// Requests what `needed` adds, flushes partial groups, and collects
    /// every answer (prices fetched but no longer needed are harmless).
    pub async fn finish(mut self, needed: &BTreeSet<PriceKey>) -> PriceBook {
        self.add(needed.iter().cloned());
        for ((pt, pn), ids) in std::mem::take(&mut self.waiting) {
            for chunk in ids.chunks(MAX_RATE_IDS) {
                self.send(pt, pn, chunk.to_vec());
            }
        }
        let mut book = PriceBook {
            calls: self.calls.len(),
            ..Default::default()
        };
        for call in self.calls {
            match call.await {
                Ok((req, Ok(resp))) => book.add_response(&req, &resp.body),
                Ok((req, Err(e))) => {
                    for id in &req.resource_ids {
                        book.failures.insert(
                            (id.clone(), req.period_type, req.period_num),
                            with_hint(e.to_string(), None),
                        );
                    }
                }
                Err(join) => tracing::error!("a pricing task failed: {join}"),
            }
        }
        book
    }
}

/// Every price of `keys` at once (no listing to overlap with): the renew
/// rates of 10 ids per period, as `Prefetch` groups them.
pub async fn fetch(client: &BssClient, keys: &BTreeSet<PriceKey>) -> PriceBook {
    let mut prefetch = Prefetch::new(client.clone());
    prefetch.add(keys.iter().cloned());
    prefetch.finish(keys).await
}
