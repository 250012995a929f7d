//! The typed BSS client: one async function per endpoint, with signing,
//! per-API rate limiting, bounded concurrency, retries and call counting in
//! one place (`send`).

use super::api::{id_limit, Api};
use super::credentials::{Auth, Credentials};
use super::endpoint::Endpoint;
use super::error::{decode_error_body, ApiError};
use super::model::*;
use super::pacer::Pacer;
use super::retry::{classify, RetryPolicy, Verdict};
use super::signer::{self, SignInput};
use super::sts::{self, TemporaryKey};
use chrono::Utc;
use futures::future::{BoxFuture, FutureExt, TryFutureExt};
use futures::stream::{self, BoxStream, StreamExt};
use serde::{de::DeserializeOwned, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, Semaphore};

/// Documented per-call id limits, read from the API table (`bss::api`).
pub const MAX_QUERY_IDS: usize = id_limit(Api::QueryResources);
pub const MAX_RENEW_IDS: usize = id_limit(Api::Renew);
pub const MAX_RATE_IDS: usize = id_limit(Api::RenewRate);
pub const MAX_UNSUBSCRIBE_IDS: usize = id_limit(Api::Unsubscribe);
pub const MAX_TO_ON_DEMAND_IDS: usize = id_limit(Api::ToOnDemand);
/// Documented limits on other fields.
pub const MAX_AUTO_RENEW_TIMES: i32 = 99;
pub const MAX_PAY_COUPONS: usize = 3;
pub const DEFAULT_PAGE_SIZE: i64 = 100;

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub endpoint: String,
    pub iam_endpoint: String,
    /// Requests per second per API (the gateway's default is about 10).
    pub rate_per_api: u32,
    /// Requests in flight at once, over all APIs.
    pub max_in_flight: usize,
    pub retry: RetryPolicy,
    pub timeout: Duration,
    /// Rows per page of the resource query.
    pub page_size: i64,
    /// More BSS endpoints after `endpoint`, tried in order when one cannot
    /// be reached (nothing sent), as the SDK does with a comma-separated
    /// region variable.
    pub fallback_endpoints: Vec<String>,
    /// PEM files whose certificates are trusted besides the OS store and
    /// the built-in roots (`--ca-bundle`).
    pub ca_bundles: Vec<std::path::PathBuf>,
    /// Pacers shared with other clients (the accounts of one enterprise:
    /// the gateway counts per `ParentUid`); `None`: this client's own.
    pub shared_pacers: Option<SharedPacers>,
}

/// One pacer per API, shared by several clients: their requests together
/// keep to `rate_per_api`.
#[derive(Debug, Clone)]
pub struct SharedPacers(Arc<HashMap<Api, Pacer>>);

impl SharedPacers {
    pub fn per_second(rate_per_api: u32) -> SharedPacers {
        SharedPacers(Arc::new(
            Api::ALL
                .iter()
                .map(|api| (*api, Pacer::per_second(rate_per_api)))
                .collect(),
        ))
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            endpoint: super::endpoint::CHINA_BSS.to_string(),
            iam_endpoint: super::endpoint::CHINA_IAM.to_string(),
            rate_per_api: 10,
            max_in_flight: 16,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            page_size: DEFAULT_PAGE_SIZE,
            fallback_endpoints: Vec::new(),
            ca_bundles: Vec::new(),
            shared_pacers: None,
        }
    }
}

/// A decoded 2xx answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse<T> {
    pub body: T,
    pub request_id: Option<String>,
    pub status: u16,
}

/// Counters per API: requests sent, of which retries and throttled answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiStats {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub server_errors: u64,
    pub transport_errors: u64,
}

#[derive(Clone)]
pub struct BssClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// The BSS endpoints in failover order; `current` is the one in use.
    bss: Vec<Endpoint>,
    current: std::sync::atomic::AtomicUsize,
    iam: Endpoint,
    creds: Credentials,
    /// Temporary credentials (metadata / OIDC), refreshed before expiry.
    temporary: Option<Temporary>,
    domain_id: OnceCell<String>,
    pacers: Arc<HashMap<Api, Pacer>>,
    in_flight: Semaphore,
    retry: RetryPolicy,
    page_size: i64,
    /// Pages requested at once (the rate limiter paces them).
    max_in_flight_pages: usize,
    stats: Mutex<BTreeMap<Api, ApiStats>>,
    /// Listing anomalies, for `take_warnings`.
    warnings: Mutex<Vec<String>>,
}

struct Temporary {
    source: sts::TemporarySource,
    metadata_http: reqwest::Client,
    /// The key in use and the metadata session token, refreshed under one lock.
    state: tokio::sync::Mutex<(Option<TemporaryKey>, Option<String>)>,
}

/// One item of a paged listing.
#[derive(Debug, Clone, PartialEq)]
pub enum Page<T> {
    Rows(Vec<T>),
    /// The listing started over: rows yielded before this are stale.
    Restarted,
}

/// How often a listing starts over when `total_count` moves under it.
const MAX_LISTING_RESTARTS: u32 = 1;

/// Fetches the page at an offset: its rows and the `total_count` it told.
type PageFetch<'a, T> =
    Arc<dyn Fn(i64) -> BoxFuture<'a, Result<(Vec<T>, i64), ApiError>> + Send + Sync + 'a>;

/// The pages after the first: (offset, rows, total_count) in offset order.
type PagesAfterFirst<'a, T> = BoxStream<'a, Result<(i64, Vec<T>, i64), ApiError>>;

/// Where a paged listing stands.
enum Listing<'a, T> {
    Start {
        restarts_left: u32,
    },
    Running {
        total: i64,
        step: i64,
        rest: PagesAfterFirst<'a, T>,
        restarts_left: u32,
    },
    Done,
}

impl std::fmt::Debug for BssClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BssClient")
            .field("endpoint", &self.endpoint())
            .finish_non_exhaustive()
    }
}

/// A request before signing.
struct Call<'a> {
    api: Api,
    path_param: Option<&'a str>,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl BssClient {
    pub fn new(cfg: ClientConfig, creds: Credentials) -> Result<BssClient, ApiError> {
        let mut bss = vec![Endpoint::parse(&cfg.endpoint).map_err(ApiError::Config)?];
        for url in &cfg.fallback_endpoints {
            bss.push(Endpoint::parse(url).map_err(ApiError::Config)?);
        }
        let iam_url = creds
            .iam_endpoint
            .clone()
            .unwrap_or(cfg.iam_endpoint.clone());
        let iam = Endpoint::parse(&iam_url).map_err(ApiError::Config)?;
        let http = http_client(&cfg)?;
        let temporary = match &creds.auth {
            Auth::Temporary(source) => Some(Temporary {
                source: source.clone(),
                metadata_http: sts::metadata_http().map_err(ApiError::Config)?,
                state: tokio::sync::Mutex::new((None, None)),
            }),
            _ => None,
        };
        let pacers = match &cfg.shared_pacers {
            Some(shared) => shared.0.clone(),
            None => SharedPacers::per_second(cfg.rate_per_api).0,
        };
        let domain_id = match &creds.domain_id {
            Some(d) => OnceCell::new_with(Some(d.clone())),
            None => OnceCell::new(),
        };
        Ok(BssClient {
            inner: Arc::new(Inner {
                http,
                bss,
                current: std::sync::atomic::AtomicUsize::new(0),
                iam,
                creds,
                temporary,
                domain_id,
                pacers,
                in_flight: Semaphore::new(cfg.max_in_flight.max(1)),
                retry: cfg.retry,
                page_size: cfg.page_size.max(1),
                max_in_flight_pages: cfg.max_in_flight.max(1),
                stats: Mutex::new(BTreeMap::new()),
                warnings: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The BSS endpoint in use (after a failover, the one that answered).
    pub fn endpoint(&self) -> &str {
        &self.inner.bss[self.current_index()].base
    }

    fn current_index(&self) -> usize {
        self.inner
            .current
            .load(std::sync::atomic::Ordering::Relaxed)
            .min(self.inner.bss.len() - 1)
    }

    /// The temporary key to sign with: the cached one until its refresh
    /// time, then a fresh one. A failed refresh keeps the old key while it
    /// is still valid.
    async fn temporary_key(&self, t: &Temporary) -> Result<TemporaryKey, ApiError> {
        let mut state = t.state.lock().await;
        let now = Utc::now();
        if let Some(key) = state.0.as_ref().filter(|k| now < k.refresh_at) {
            return Ok(key.clone());
        }
        let (cached, metadata_token) = &mut *state;
        match sts::fetch(
            &t.source,
            &self.inner.http,
            &t.metadata_http,
            &self.inner.iam.base,
            metadata_token,
        )
        .await
        {
            Ok(key) => {
                tracing::info!(
                    access_key = %key.ak,
                    expires_at = %key.expires_at,
                    refresh_at = %key.refresh_at,
                    "temporary credentials from {}",
                    t.source
                );
                *cached = Some(key.clone());
                Ok(key)
            }
            Err(e) => match cached.as_ref().filter(|k| now < k.expires_at) {
                Some(old) => {
                    tracing::warn!("cannot refresh the temporary credentials from {}: {e}; using the current ones until they expire", t.source);
                    Ok(old.clone())
                }
                None => Err(ApiError::Config(format!(
                    "cannot get temporary credentials from {}: {e}",
                    t.source
                ))),
            },
        }
    }

    pub fn page_size(&self) -> i64 {
        self.inner.page_size
    }

    /// Requests sent so far, per API.
    pub fn stats(&self) -> BTreeMap<Api, ApiStats> {
        self.inner.stats.lock().expect("stats lock").clone()
    }

    /// Total requests sent (retries included).
    pub fn total_requests(&self) -> u64 {
        self.stats().values().map(|s| s.requests).sum()
    }

    fn count(&self, api: Api, f: impl FnOnce(&mut ApiStats)) {
        let mut stats = self.inner.stats.lock().expect("stats lock");
        f(stats.entry(api).or_default());
    }

    // -- endpoints ---------------------------------------------------------

    /// `ListPayPerUseCustomerResources`: one page.
    pub async fn query_resources(
        &self,
        req: &QueryResourcesReq,
    ) -> Result<ApiResponse<QueryResourcesResp>, ApiError> {
        let api = Api::QueryResources;
        if let Some(ids) = &req.resource_ids {
            check_ids(api, ids)?;
        }
        if req.service_type_code.as_deref() == Some("") {
            return Err(invalid(
                api,
                "service_type_code must not be an empty string",
            ));
        }
        if let Some(limit) = req.limit {
            if limit < 1 {
                return Err(invalid(api, "limit must be at least 1"));
            }
        }
        self.send(Call::post(api, req)?).await
    }

    /// Every resource matching `filter`, all pages: the first page tells
    /// `total_count`, the rest are fetched concurrently within the rate limit.
    pub async fn query_resources_all(
        &self,
        filter: &QueryResourcesReq,
    ) -> Result<Vec<OrderInstanceV2>, ApiError> {
        let mut rows = Vec::new();
        let mut pages = self.query_resources_pages(filter);
        while let Some(page) = pages.next().await {
            match page? {
                Page::Rows(page) => rows.extend(page),
                Page::Restarted => rows.clear(),
            }
        }
        Ok(rows)
    }

    /// The pages of a query, in offset order, as they arrive: the first
    /// page alone, then the rest requested concurrently. Offsets advance by
    /// the rows the first page really held, so a service that caps `limit`
    /// silently still yields every row. `Page::Restarted` means the listing
    /// started over (the rows changed while it ran): drop what came before.
    pub fn query_resources_pages<'a>(
        &'a self,
        filter: &'a QueryResourcesReq,
    ) -> BoxStream<'a, Result<Page<OrderInstanceV2>, ApiError>> {
        let limit = filter.limit.unwrap_or(self.inner.page_size);
        self.pages(
            "resources",
            limit,
            Arc::new(move |offset| {
                let mut req = filter.clone();
                req.offset = Some(offset);
                req.limit = Some(limit);
                async move {
                    let body = self.query_resources(&req).await?.body;
                    Ok((body.data.unwrap_or_default(), body.total_count.unwrap_or(0)))
                }
                .boxed()
            }),
        )
    }

    /// Offset/limit pagination, in one place for every listing: the first
    /// page tells `total_count`; the rest are requested concurrently (the
    /// pacer spaces them) and yielded in offset order. Offsets advance by the
    /// rows the first page really held, so a service that caps `limit`
    /// silently still yields every row.
    ///
    /// The API is not trusted to be consistent (DESIGN §9): the listing ends
    /// at an empty page, or at a short page that is not the last, whatever
    /// `total_count` promised; when `total_count` changes between pages
    /// (rows created or closed meanwhile) the listing starts over once, and
    /// goes on with a warning if it changes again. Warnings are kept for
    /// `take_warnings`.
    fn pages<'a, T: Send + 'a>(
        &'a self,
        what: &'static str,
        limit: i64,
        fetch: PageFetch<'a, T>,
    ) -> BoxStream<'a, Result<Page<T>, ApiError>> {
        let start = Listing::Start {
            restarts_left: MAX_LISTING_RESTARTS,
        };
        stream::unfold(start, move |state| {
            let fetch = fetch.clone();
            async move {
                let (item, next) = self.next_page(what, limit, &fetch, state).await?;
                Some((item, next))
            }
        })
        .boxed()
    }

    /// One step of `pages`: the next item and the state after it, or None
    /// when the listing is over.
    async fn next_page<'a, T: Send + 'a>(
        &'a self,
        what: &'static str,
        limit: i64,
        fetch: &PageFetch<'a, T>,
        state: Listing<'a, T>,
    ) -> Option<(Result<Page<T>, ApiError>, Listing<'a, T>)> {
        match state {
            Listing::Done => None,
            Listing::Start { restarts_left } => {
                let (rows, total) = match fetch(0).await {
                    Ok(page) => page,
                    Err(e) => return Some((Err(e), Listing::Done)),
                };
                if rows.is_empty() {
                    if total > 0 {
                        self.warn(format!(
                            "listing {what}: the first page was empty although total_count said {total}; the API's counts disagree, so the listing stopped there"
                        ));
                    }
                    return Some((Ok(Page::Rows(rows)), Listing::Done));
                }
                let step = match rows.len() as i64 {
                    n if n < limit && n < total => n,
                    _ => limit,
                };
                let offsets: Vec<i64> =
                    (1..).map(|i| i * step).take_while(|o| *o < total).collect();
                let fetch = fetch.clone();
                let rest = stream::iter(offsets)
                    .map(move |o| fetch(o).map_ok(move |(rows, total)| (o, rows, total)))
                    .buffered(self.inner.max_in_flight_pages)
                    .boxed();
                let running = Listing::Running {
                    total,
                    step,
                    rest,
                    restarts_left,
                };
                Some((Ok(Page::Rows(rows)), running))
            }
            Listing::Running {
                total,
                step,
                mut rest,
                restarts_left,
            } => {
                let (offset, rows, page_total) = match rest.next().await? {
                    Ok(page) => page,
                    Err(e) => return Some((Err(e), Listing::Done)),
                };
                if page_total != total {
                    if restarts_left > 0 {
                        self.warn(format!(
                            "listing {what}: total_count changed from {total} to {page_total} while listing (rows created or closed meanwhile); listed again from the start"
                        ));
                        return Some((
                            Ok(Page::Restarted),
                            Listing::Start {
                                restarts_left: restarts_left - 1,
                            },
                        ));
                    }
                    self.warn(format!(
                        "listing {what}: total_count changed again ({total} to {page_total}); rows that moved between pages may be missing or repeated"
                    ));
                }
                if rows.is_empty() {
                    self.warn(format!(
                        "listing {what}: the page at offset {offset} was empty although total_count said {total}; the API's counts disagree, so the listing stopped there"
                    ));
                    return Some((Ok(Page::Rows(rows)), Listing::Done));
                }
                let last = offset + step >= total;
                if (rows.len() as i64) < step && !last {
                    self.warn(format!(
                        "listing {what}: the page at offset {offset} held {} rows where {step} were due (total_count {total}); the API's counts disagree, so the listing stopped there",
                        rows.len()
                    ));
                    return Some((Ok(Page::Rows(rows)), Listing::Done));
                }
                let next = Listing::Running {
                    total,
                    step,
                    rest,
                    restarts_left,
                };
                Some((Ok(Page::Rows(rows)), next))
            }
        }
    }

    fn warn(&self, message: String) {
        tracing::warn!("{message}");
        self.inner
            .warnings
            .lock()
            .expect("warnings lock")
            .push(message);
    }

    /// What the client noticed about the API's answers since the last call
    /// (listings whose counts disagreed): for the plan's warnings.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.inner.warnings.lock().expect("warnings lock"))
    }

    /// The named resources (and, unless `only_main`, their attached ones), in
    /// chunks of 50 ids queried concurrently.
    pub async fn query_resources_by_ids(
        &self,
        ids: &[String],
        only_main: bool,
    ) -> Result<Vec<OrderInstanceV2>, ApiError> {
        let mut rows = Vec::new();
        let mut chunks = self.query_resources_by_id_chunks(ids, only_main);
        while let Some(chunk) = chunks.next().await {
            rows.extend(chunk?);
        }
        Ok(rows)
    }

    /// Like `query_resources_by_ids`, one item per chunk of 50 ids, in the
    /// order the chunks complete.
    pub fn query_resources_by_id_chunks<'a>(
        &'a self,
        ids: &[String],
        only_main: bool,
    ) -> BoxStream<'a, Result<Vec<OrderInstanceV2>, ApiError>> {
        let chunks: Vec<Vec<String>> = ids.chunks(MAX_QUERY_IDS).map(<[String]>::to_vec).collect();
        stream::iter(chunks)
            .map(move |chunk| {
                let req = QueryResourcesReq {
                    resource_ids: Some(chunk),
                    only_main_resource: Some(if only_main { 1 } else { 0 }),
                    ..Default::default()
                };
                async move { self.query_resources_all(&req).await }
            })
            // As they complete: one chunk needing a second page must not
            // hold back the others (callers start pricing per chunk).
            .buffer_unordered(self.inner.max_in_flight_pages)
            .boxed()
    }

    /// `RenewalResources`: a purchase, never resent on an ambiguous failure.
    pub async fn renew(
        &self,
        req: &RenewalResourcesReq,
    ) -> Result<ApiResponse<OrdersResp>, ApiError> {
        let api = Api::Renew;
        check_ids(api, &req.resource_ids)?;
        check_period(api, req.period_type, req.period_num)?;
        if let Some(p) = req.is_auto_pay {
            if p != 0 && p != 1 {
                return Err(invalid(api, "is_auto_pay must be 0 or 1"));
            }
        }
        self.send(Call::post(api, req)?).await
    }

    /// `AutoRenewalResources` (enable, or change period/times).
    pub async fn enable_auto_renew(
        &self,
        resource_id: &str,
        req: &AutoRenewalResourcesReq,
    ) -> Result<ApiResponse<EmptyResp>, ApiError> {
        let api = Api::EnableAutoRenew;
        check_path_id(api, resource_id)?;
        if let Some(t) = req.auto_renew_times {
            if !(0..=MAX_AUTO_RENEW_TIMES).contains(&t) {
                return Err(invalid(api, "auto_renew_times must be 0..=99"));
            }
        }
        if let Some(p) = &req.period_type {
            if p != "MONTH" && p != "YEAR" {
                return Err(invalid(api, "period_type must be MONTH or YEAR"));
            }
        }
        let mut call = Call::post(api, req)?;
        call.path_param = Some(resource_id);
        self.send(call).await
    }

    /// `CancelAutoRenewalResources`.
    pub async fn cancel_auto_renew(
        &self,
        resource_id: &str,
    ) -> Result<ApiResponse<EmptyResp>, ApiError> {
        let api = Api::CancelAutoRenew;
        check_path_id(api, resource_id)?;
        self.send(Call {
            api,
            path_param: Some(resource_id),
            query: Vec::new(),
            body: None,
        })
        .await
    }

    /// `UpdatePeriodToOnDemand` (SET_UP or CANCEL).
    pub async fn to_on_demand(
        &self,
        req: &PeriodToOnDemandReq,
    ) -> Result<ApiResponse<PeriodToOnDemandResp>, ApiError> {
        let api = Api::ToOnDemand;
        check_ids(api, &req.resource_ids)?;
        if req.operation != TO_ON_DEMAND_SET_UP && req.operation != TO_ON_DEMAND_CANCEL {
            return Err(invalid(api, "operation must be SET_UP or CANCEL"));
        }
        self.send(Call::post(api, req)?).await
    }

    /// `CancelResourcesSubscription`: irreversible, never resent blindly.
    pub async fn unsubscribe(
        &self,
        req: &UnsubscribeResourcesReq,
    ) -> Result<ApiResponse<OrdersResp>, ApiError> {
        let api = Api::Unsubscribe;
        check_ids(api, &req.resource_ids)?;
        if req.unsubscribe_type != 1 && req.unsubscribe_type != 2 {
            return Err(invalid(api, "unsubscribe_type must be 1 or 2"));
        }
        if let Some(r) = req.unsubscribe_reason_type {
            if !(1..=5).contains(&r) {
                return Err(invalid(api, "unsubscribe_reason_type must be 1..=5"));
            }
        }
        self.send(Call::post(api, req)?).await
    }

    /// `ListRenewRateOnPeriod`: pricing, creates nothing.
    pub async fn renew_rate(
        &self,
        req: &RenewRateReq,
    ) -> Result<ApiResponse<RenewRateResp>, ApiError> {
        let api = Api::RenewRate;
        check_ids(api, &req.resource_ids)?;
        check_period(api, req.period_type, req.period_num)?;
        self.send(Call::post(api, req)?).await
    }

    /// `SetResourcesRenewConfig`; a 200 may still carry an error code.
    pub async fn set_renew_config(
        &self,
        req: &RenewResourceConfigReq,
    ) -> Result<ApiResponse<RenewResourceConfigResp>, ApiError> {
        let api = Api::SetRenewConfig;
        let value: i32 = req
            .config_value
            .parse()
            .map_err(|_| invalid(api, "config_value must be a number"))?;
        let ok = match req.config_name.as_str() {
            RENEW_CONFIG_DEDUCTION_DATE => (2..=7).contains(&value),
            RENEW_CONFIG_EXPIRE_DATE => (1..=28).contains(&value) || value == -1,
            _ => {
                return Err(invalid(
                    api,
                    "config_name must be DEDUCTION_DATE or EXPIRE_DATE",
                ))
            }
        };
        if !ok {
            return Err(invalid(
                api,
                "config_value out of range (DEDUCTION_DATE 2..=7, EXPIRE_DATE 1..=28 or -1)",
            ));
        }
        let resp: ApiResponse<RenewResourceConfigResp> = self.send(Call::post(api, req)?).await?;
        match resp.body.error_code.as_deref() {
            None | Some("") | Some("CBC.0000") => Ok(resp),
            Some(code) => Err(ApiError::Service {
                api,
                status: resp.status,
                error_code: code.to_string(),
                error_msg: resp.body.error_msg.clone().unwrap_or_default(),
                request_id: resp.request_id,
                encoded_authorization_message: None,
            }),
        }
    }

    /// `ListCustomerOrders`: one page.
    pub async fn list_orders(
        &self,
        q: &ListCustomerOrdersQuery,
    ) -> Result<ApiResponse<ListCustomerOrdersResp>, ApiError> {
        self.send(Call {
            api: Api::ListOrders,
            path_param: None,
            query: q.to_pairs(),
            body: None,
        })
        .await
    }

    /// Every order matching `q`, all pages.
    pub async fn list_orders_all(
        &self,
        q: &ListCustomerOrdersQuery,
    ) -> Result<Vec<CustomerOrder>, ApiError> {
        let limit = q.limit.unwrap_or(self.inner.page_size);
        let mut pages = self.pages(
            "orders",
            limit,
            Arc::new(move |offset| {
                let mut p = q.clone();
                p.offset = Some(offset);
                p.limit = Some(limit);
                async move {
                    let body = self.list_orders(&p).await?.body;
                    Ok((
                        body.order_infos.unwrap_or_default(),
                        body.total_count.unwrap_or(0),
                    ))
                }
                .boxed()
            }),
        );
        let mut orders = Vec::new();
        while let Some(page) = pages.next().await {
            match page? {
                Page::Rows(page) => orders.extend(page),
                Page::Restarted => orders.clear(),
            }
        }
        Ok(orders)
    }

    /// `ShowCustomerOrderDetails`.
    pub async fn order_details(
        &self,
        order_id: &str,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<ApiResponse<OrderDetailsResp>, ApiError> {
        let api = Api::OrderDetails;
        check_path_id(api, order_id)?;
        let mut query = Vec::new();
        if let Some(l) = limit {
            query.push(("limit".to_string(), l.to_string()));
        }
        if let Some(o) = offset {
            query.push(("offset".to_string(), o.to_string()));
        }
        self.send(Call {
            api,
            path_param: Some(order_id),
            query,
            body: None,
        })
        .await
    }

    /// `PayOrders`: moves money, never resent blindly.
    pub async fn pay_order(
        &self,
        req: &PayCustomerOrderV3Req,
    ) -> Result<ApiResponse<EmptyResp>, ApiError> {
        let api = Api::PayOrder;
        let yes_no = |v: &str| v == YES || v == NO;
        if !yes_no(&req.use_coupon) || !yes_no(&req.use_discount) {
            return Err(invalid(
                api,
                "use_coupon and use_discount must be YES or NO",
            ));
        }
        let coupons = req.coupon_infos.as_ref().map_or(0, Vec::len);
        match (req.use_coupon.as_str(), coupons) {
            (YES, 1..=MAX_PAY_COUPONS) | (NO, 0) => {}
            (YES, _) => return Err(invalid(api, "use_coupon YES needs 1 to 3 coupon_infos")),
            _ => {
                return Err(invalid(
                    api,
                    "coupon_infos must be absent when use_coupon is NO",
                ))
            }
        }
        let discounts = req.discount_infos.as_ref().map_or(0, Vec::len);
        match (req.use_discount.as_str(), discounts) {
            (YES, 1) | (NO, 0) => {}
            (YES, _) => {
                return Err(invalid(
                    api,
                    "use_discount YES needs exactly one discount_infos entry",
                ))
            }
            _ => {
                return Err(invalid(
                    api,
                    "discount_infos must be absent when use_discount is NO",
                ))
            }
        }
        self.send(Call::post(api, req)?).await
    }

    /// `CancelCustomerOrder` (only orders pending payment).
    pub async fn cancel_order(&self, order_id: &str) -> Result<ApiResponse<EmptyResp>, ApiError> {
        let req = CancelCustomerOrderReq {
            order_id: order_id.to_string(),
        };
        self.send(Call::with_body(Api::CancelOrder, &req)?).await
    }

    /// `ListOrderCouponsByOrderId`.
    pub async fn order_coupons(
        &self,
        order_id: &str,
    ) -> Result<ApiResponse<OrderCouponsResp>, ApiError> {
        self.send(Call::get_with_order(Api::OrderCoupons, order_id))
            .await
    }

    /// `ListOrderDiscounts`.
    pub async fn order_discounts(
        &self,
        order_id: &str,
    ) -> Result<ApiResponse<OrderDiscountsResp>, ApiError> {
        self.send(Call::get_with_order(Api::OrderDiscounts, order_id))
            .await
    }

    /// `ShowCustomerAccountBalances`.
    pub async fn balances(&self) -> Result<ApiResponse<BalancesResp>, ApiError> {
        self.send(Call {
            api: Api::Balances,
            path_param: None,
            query: Vec::new(),
            body: None,
        })
        .await
    }

    // -- §13 enterprise multi-accounts (master account only) ---------------

    /// `ListEnterpriseSubCustomers`: every sub-account, all pages (limit 100).
    pub async fn sub_customers_all(&self) -> Result<Vec<SubCustomerInfoV2>, ApiError> {
        const LIMIT: i64 = 100;
        let mut out: Vec<SubCustomerInfoV2> = Vec::new();
        // Bounded: at most 10,000 pages.
        for page in 0..10_000i64 {
            let body: ListEnterpriseSubCustomersResp = self
                .send(Call {
                    api: Api::SubCustomers,
                    path_param: None,
                    query: vec![
                        ("offset".into(), (page * LIMIT).to_string()),
                        ("limit".into(), LIMIT.to_string()),
                    ],
                    body: None,
                })
                .await?
                .body;
            let rows = body.sub_customer_infos.unwrap_or_default();
            let n = rows.len() as i64;
            out.extend(rows);
            let total = body.total_count.unwrap_or(0);
            if n == 0 || out.len() as i64 >= total {
                break;
            }
        }
        Ok(out)
    }

    /// `ShowMultiAccountTransferAmount`: what the master can transfer now.
    pub async fn transfer_amount(
        &self,
        balance_type: &str,
    ) -> Result<ApiResponse<MultiAccountAmountResp>, ApiError> {
        self.send(Call {
            api: Api::TransferAmount,
            path_param: None,
            query: vec![("balance_type".into(), balance_type.to_string())],
            body: None,
        })
        .await
    }

    /// `ListEnterpriseMultiAccount`: what the master can take back from a
    /// sub-account (its retrievable balance).
    pub async fn retrieve_amount(
        &self,
        sub_customer_id: &str,
        balance_type: &str,
    ) -> Result<ApiResponse<MultiAccountAmountResp>, ApiError> {
        self.send(Call {
            api: Api::RetrieveAmount,
            path_param: None,
            query: vec![
                ("sub_customer_id".into(), sub_customer_id.to_string()),
                ("balance_type".into(), balance_type.to_string()),
            ],
            body: None,
        })
        .await
    }

    /// `UpdateSubEnterpriseAmount`: moves money master → sub-account; never
    /// resent blindly (the caller resends with the same `trans_id`).
    pub async fn transfer(
        &self,
        req: &TransferEnterpriseMultiAccountReq,
    ) -> Result<ApiResponse<EmptyResp>, ApiError> {
        if req.trans_id.as_deref().is_none_or(str::is_empty) {
            return Err(invalid(
                Api::Transfer,
                "trans_id is required: without it a resend could move the money twice",
            ));
        }
        self.send(Call::with_body(Api::Transfer, req)?).await
    }

    /// The account's domain id: configured, or discovered once through IAM's
    /// `GET /v3/auth/domains` (first domain), as the official SDK does.
    pub async fn domain_id(&self) -> Result<String, ApiError> {
        self.inner
            .domain_id
            .get_or_try_init(|| async {
                let call = Call {
                    api: Api::IamDomains,
                    path_param: None,
                    query: Vec::new(),
                    body: None,
                };
                let resp: ApiResponse<AuthDomainsResp> = self
                    .send_with(call, None)
                    .await
                    .map_err(|e| match e {
                        // Certificates, redirects' kin and temporary keys say it all;
                        // a refused signature is about the keys, not the domain id.
                        ApiError::Config(_) | ApiError::Service { status: 401, .. } => e,
                        e => ApiError::Config(format!(
                            "cannot discover the account's domain id from IAM at {} ({e}); set HUAWEICLOUD_SDK_DOMAIN_ID (needs iam:users:getUser otherwise)",
                            self.inner.iam.base
                        ))
                    })?;
                resp.body.domains.into_iter().next().map(|d| d.id).ok_or_else(|| {
                    ApiError::Config(
                        "IAM returned no domains; set HUAWEICLOUD_SDK_DOMAIN_ID".to_string(),
                    )
                })
            })
            .await
            .cloned()
    }

    /// CTS `ListTraces` (bss-api §14b): one page of audit traces of a
    /// project. Sent to this client's endpoint (see [`BssClient::at_endpoint`])
    /// without `X-Domain-Id`; read-only, so retried like a read.
    pub async fn list_traces(
        &self,
        project_id: &str,
        q: &super::cts::ListTracesQuery,
    ) -> Result<ApiResponse<super::cts::ListTracesResp>, ApiError> {
        let api = Api::ListTraces;
        check_path_id(api, project_id)?;
        self.send_with(
            Call {
                api,
                path_param: Some(project_id),
                query: q.to_pairs(),
                body: None,
            },
            None,
        )
        .await
    }

    /// A client with the same credentials, retries and TLS settings for
    /// another service's endpoint (CTS), with its own pacing and counters.
    pub fn at_endpoint(&self, endpoint: &str, rate_per_api: u32) -> Result<BssClient, ApiError> {
        let inner = &self.inner;
        let ep = Endpoint::parse(endpoint).map_err(ApiError::Config)?;
        let domain_id = match inner.domain_id.get() {
            Some(d) => OnceCell::new_with(Some(d.clone())),
            None => OnceCell::new(),
        };
        Ok(BssClient {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                bss: vec![ep],
                current: std::sync::atomic::AtomicUsize::new(0),
                iam: inner.iam.clone(),
                creds: inner.creds.clone(),
                temporary: inner.temporary.as_ref().map(|t| Temporary {
                    source: t.source.clone(),
                    metadata_http: t.metadata_http.clone(),
                    state: tokio::sync::Mutex::new((None, None)),
                }),
                domain_id,
                pacers: Arc::new(
                    Api::ALL
                        .iter()
                        .map(|api| (*api, Pacer::per_second(rate_per_api.max(1))))
                        .collect(),
                ),
                in_flight: Semaphore::new(inner.max_in_flight_pages),
                retry: inner.retry.clone(),
                page_size: inner.page_size,
                max_in_flight_pages: inner.max_in_flight_pages,
                stats: Mutex::new(BTreeMap::new()),
                warnings: Mutex::new(Vec::new()),
            }),
        })
    }

    // -- transport ---------------------------------------------------------

    /// Sends a BSS call with the account's `X-Domain-Id`.
    async fn send<R: DeserializeOwned>(&self, call: Call<'_>) -> Result<ApiResponse<R>, ApiError> {
        let domain_id = self.domain_id().await?;
        self.send_with(call, Some(&domain_id)).await
    }

    /// Sends with retries as the API's safety class allows.
    async fn send_with<R: DeserializeOwned>(
        &self,
        call: Call<'_>,
        domain_id: Option<&str>,
    ) -> Result<ApiResponse<R>, ApiError> {
        let api = call.api;
        let policy = &self.inner.retry;
        let mut attempt = 0;
        loop {
            let result = self.attempt::<R>(&call, domain_id).await;
            let err = match result {
                Ok(r) => return Ok(r),
                Err((err, _)) if attempt + 1 >= policy.max_attempts => {
                    return Err(into_final(api, err));
                }
                Err(e) => e,
            };
            let (err, retry_after) = err;
            match classify(api.safety(), &err) {
                Verdict::Retry => {
                    let delay = policy.delay(attempt, err.is_throttled(), retry_after);
                    tracing::debug!(%api, attempt, ?delay, error = %err, "retrying");
                    self.count(api, |s| s.retries += 1);
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Verdict::Fail => return Err(err),
                Verdict::Ambiguous => return Err(ambiguous(api, err)),
            }
        }
    }

    /// One attempt; on failure also the server's `Retry-After`, if any.
    async fn attempt<R: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        domain_id: Option<&str>,
    ) -> Result<ApiResponse<R>, (ApiError, Option<Duration>)> {
        let api = call.api;
        // Pace first, then take an in-flight slot: a request waiting for its
        // API's rate slot must not hold a slot other APIs could use.
        self.inner.pacers[&api].wait().await;
        let _permit = self
            .inner
            .in_flight
            .acquire()
            .await
            .expect("semaphore never closed");
        let path = match call.path_param {
            Some(p) => {
                let template = api.path();
                let brace = template.find('{').unwrap_or(template.len());
                let rest = template[brace..]
                    .find('}')
                    .map_or("", |end| &template[brace + end + 1..]);
                format!("{}{}{rest}", &template[..brace], signer::url_encode(p))
            }
            None => api.path().to_string(),
        };
        let query = signer::canonical_query(&call.query);
        let body = call.body.clone().unwrap_or_default();
        let temporary = match &self.inner.temporary {
            Some(t) => Some(self.temporary_key(t).await.map_err(|e| (e, None))?),
            None => None,
        };
        // IAM has one endpoint; BSS may have several, tried in order from the
        // one in use when a host cannot be reached (then nothing was sent).
        let candidates: Vec<(Option<usize>, &Endpoint)> = if api == Api::IamDomains {
            vec![(None, &self.inner.iam)]
        } else {
            let n = self.inner.bss.len();
            let first = self.current_index();
            (0..n)
                .map(|i| (first + i) % n)
                .map(|i| (Some(i), &self.inner.bss[i]))
                .collect()
        };
        let mut unreachable: Vec<String> = Vec::new();
        let mut answered = None;
        let started = Instant::now();
        for (k, (index, endpoint)) in candidates.iter().enumerate() {
            let url = if query.is_empty() {
                format!("{}{}", endpoint.base, path)
            } else {
                format!("{}{}?{}", endpoint.base, path, query)
            };
            let headers =
                self.signed_headers(call, &path, &body, endpoint, domain_id, temporary.as_ref());
            let method =
                reqwest::Method::from_bytes(api.method().as_bytes()).expect("valid method");
            let mut req = self.inner.http.request(method, &url);
            for (k, v) in &headers {
                req = req.header(k.as_str(), v.as_str());
            }
            if call.body.is_some() {
                req = req.body(body.clone());
            }
            self.count(api, |s| s.requests += 1);
            match req.send().await {
                Ok(r) => {
                    if let Some(i) = index {
                        self.inner
                            .current
                            .store(*i, std::sync::atomic::Ordering::Relaxed);
                    }
                    answered = Some((r, endpoint.base.clone()));
                    break;
                }
                Err(e) => {
                    self.count(api, |s| s.transport_errors += 1);
                    let err = send_error(api, &e, &endpoint.base);
                    if e.is_connect() && k + 1 < candidates.len() {
                        tracing::warn!(%api, "{} cannot be reached ({err}); trying {}", endpoint.base, candidates[k + 1].1.base);
                        unreachable.push(format!("{}: {err}", endpoint.base));
                        continue;
                    }
                    return Err((with_unreachable(err, &unreachable), None));
                }
            }
        }
        let (resp, base) = answered.expect("the loop answers or returns");
        let status = resp.status().as_u16();
        let request_id = header_text(&resp, "x-request-id");
        let location = header_text(&resp, "location");
        let retry_after = header_text(&resp, "retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                self.count(api, |s| s.transport_errors += 1);
                return Err((transport_error(api, &e), None));
            }
        };
        tracing::debug!(%api, status, request_id = request_id.as_deref().unwrap_or("-"), elapsed_ms = started.elapsed().as_millis() as u64, "response");
        if status == 429 {
            // The gateway counts per second: pause this API, then slow it.
            let pause = self.inner.retry.throttle_pause(retry_after);
            self.inner.pacers[&api].throttled(pause).await;
        } else {
            self.inner.pacers[&api].answered().await;
        }
        if (300..400).contains(&status) {
            return Err((
                redirect_error(api, status, &base, location, request_id),
                None,
            ));
        }
        if status >= 400 {
            if status == 429 {
                self.count(api, |s| s.throttled += 1);
            } else if status >= 500 {
                self.count(api, |s| s.server_errors += 1);
            }
            return Err((
                decode_error_body(api, status, &bytes, request_id),
                retry_after,
            ));
        }
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        match serde_json::from_slice::<R>(text) {
            Ok(body) => Ok(ApiResponse {
                body,
                request_id,
                status,
            }),
            Err(e) => Err((
                ApiError::Decode {
                    api,
                    status,
                    message: e.to_string(),
                    request_id,
                },
                None,
            )),
        }
    }
}

impl<'a> Call<'a> {
    fn post<T: Serialize>(api: Api, body: &T) -> Result<Call<'a>, ApiError> {
        Call::with_body(api, body)
    }

    fn with_body<T: Serialize>(api: Api, body: &T) -> Result<Call<'a>, ApiError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| invalid(api, &format!("cannot encode the body: {e}")))?;
        Ok(Call {
            api,
            path_param: None,
            query: Vec::new(),
            body: Some(bytes),
        })
    }

    fn get_with_order(api: Api, order_id: &str) -> Call<'a> {
        Call {
            api,
            path_param: None,
            query: vec![("order_id".to_string(), order_id.to_string())],
            body: None,
        }
    }
}

impl BssClient {
    /// The headers of one request to `endpoint`, signed (or with the token).
    fn signed_headers(
        &self,
        call: &Call<'_>,
        path: &str,
        body: &[u8],
        endpoint: &Endpoint,
        domain_id: Option<&str>,
        temporary: Option<&TemporaryKey>,
    ) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = vec![
            ("Content-Type".into(), "application/json".into()),
            ("Host".into(), endpoint.host_header.clone()),
            ("User-Agent".into(), user_agent()),
        ];
        if let Some(d) = domain_id {
            headers.push(("X-Domain-Id".into(), d.to_string()));
        }
        // CTS is project-scoped: the SDK sends and signs the project id.
        if let (Api::ListTraces, Some(project)) = (call.api, call.path_param) {
            headers.push(("X-Project-Id".into(), project.to_string()));
        }
        let (ak, sk, security_token) = match (&self.inner.creds.auth, temporary) {
            (Auth::Token(token), _) => {
                headers.push(("X-Auth-Token".into(), token.expose().to_string()));
                return headers;
            }
            (_, Some(t)) => (&t.ak, &t.sk, Some(&t.security_token)),
            (
                Auth::AkSk {
                    ak,
                    sk,
                    security_token,
                },
                None,
            ) => (ak, sk, security_token.as_ref()),
            (Auth::Temporary(_), None) => unreachable!("temporary keys are fetched first"),
        };
        headers.push((
            signer::HEADER_DATE.into(),
            Utc::now().format(signer::DATE_FORMAT).to_string(),
        ));
        if let Some(t) = security_token {
            headers.push(("X-Security-Token".into(), t.expose().to_string()));
        }
        let sig = signer::sign(
            &SignInput {
                method: call.api.method(),
                path,
                query: &call.query,
                headers: &headers,
                body,
            },
            sk.expose().as_bytes(),
        );
        headers.push(("Authorization".into(), sig.authorization(ak)));
        headers
    }
}

/// The reqwest client: the OS trust store (with `SSL_CERT_FILE` /
/// `SSL_CERT_DIR`, as OpenSSL reads them) and the built-in Mozilla roots,
/// plus `--ca-bundle` files; certificates always verified; redirects never
/// followed (a renewal must never be resent to another host, and the
/// signature and security token must not travel there).
fn http_client(cfg: &ClientConfig) -> Result<reqwest::Client, ApiError> {
    let mut builder = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(user_agent())
        .redirect(reqwest::redirect::Policy::none())
        .tls_built_in_root_certs(true);
    for path in &cfg.ca_bundles {
        let pem = std::fs::read(path)
            .map_err(|e| ApiError::Config(format!("--ca-bundle {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            ApiError::Config(format!(
                "--ca-bundle {}: not PEM certificates ({e})",
                path.display()
            ))
        })?;
        if certs.is_empty() {
            return Err(ApiError::Config(format!(
                "--ca-bundle {}: no PEM certificate in it",
                path.display()
            )));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| ApiError::Config(format!("cannot build the HTTP client: {e}")))
}

/// Starts the message of a certificate failure (hints key on it).
pub const CERTIFICATE_ERROR: &str = "the TLS certificate of";

/// A failed send: an untrusted certificate is a configuration problem (no
/// retry helps, nothing was sent); anything else a transport error.
fn send_error(api: Api, e: &reqwest::Error, base: &str) -> ApiError {
    let err = transport_error(api, e);
    match &err {
        ApiError::Transport { message, .. } if is_certificate_failure(message) => {
            let detail = message
                .rsplit(": ")
                .find(|part| part.contains("certificate"))
                .unwrap_or(message);
            ApiError::Config(format!(
                "{api}: {CERTIFICATE_ERROR} {base} is not trusted ({detail}); nothing was sent"
            ))
        }
        _ => err,
    }
}

fn is_certificate_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("invalid peer certificate") || m.contains("certificate verify failed")
}

/// Names the endpoints that could not be reached before the last one failed.
fn with_unreachable(err: ApiError, unreachable: &[String]) -> ApiError {
    if unreachable.is_empty() {
        return err;
    }
    let before = unreachable.join("; ");
    match err {
        ApiError::Transport { api, message, sent } => ApiError::Transport {
            api,
            message: format!("{message} (also unreachable: {before})"),
            sent,
        },
        ApiError::Config(m) => ApiError::Config(format!("{m} (also unreachable: {before})")),
        other => other,
    }
}

/// A 3xx: never followed. The request went to `base` only; nothing was sent
/// to the Location.
fn redirect_error(
    api: Api,
    status: u16,
    base: &str,
    location: Option<String>,
    request_id: Option<String>,
) -> ApiError {
    let to = location.unwrap_or_else(|| "(no Location header)".to_string());
    ApiError::Service {
        api,
        status,
        error_code: REDIRECT.to_string(),
        error_msg: format!(
            "{base} answered HTTP {status} redirecting to {to}; bssctl follows no redirects, so nothing was sent to {to}"
        ),
        request_id,
        encoded_authorization_message: None,
    }
}

/// The code of a redirect answer.
pub const REDIRECT: &str = "REDIRECT";

fn user_agent() -> String {
    format!("bssctl/{}", env!("CARGO_PKG_VERSION"))
}

fn header_text(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn transport_error(api: Api, e: &reqwest::Error) -> ApiError {
    // A connect failure means nothing was sent; anything later may have been.
    let sent = !e.is_connect();
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "connection failed"
    };
    let mut message = format!("{kind}: {}", e.without_url_ref());
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    ApiError::Transport { api, message, sent }
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let s = self.to_string();
        // "error sending request for url (http://...)" → "error sending request"
        match s.find(" for url (") {
            Some(i) => s[..i].to_string(),
            None => s,
        }
    }
}

fn ambiguous(api: Api, err: ApiError) -> ApiError {
    let request_id = err.request_id().map(str::to_string);
    ApiError::Ambiguous {
        api,
        cause: err.to_string(),
        request_id,
    }
}

/// After the last attempt, a purchase whose failure was ambiguous stays so.
fn into_final(api: Api, err: ApiError) -> ApiError {
    match classify(api.safety(), &err) {
        Verdict::Ambiguous => ambiguous(api, err),
        _ => err,
    }
}

fn invalid(api: Api, message: &str) -> ApiError {
    ApiError::InvalidRequest {
        api,
        message: message.to_string(),
    }
}

/// Checks a list of ids against the call's documented limit (its API row).
fn check_ids(api: Api, ids: &[String]) -> Result<(), ApiError> {
    let max = api.max_ids().unwrap_or(usize::MAX);
    if ids.is_empty() {
        return Err(invalid(api, "resource_ids must not be empty"));
    }
    if ids.len() > max {
        return Err(invalid(
            api,
            &format!("at most {max} resource_ids per call, got {}", ids.len()),
        ));
    }
    if ids.iter().any(|i| i.trim().is_empty()) {
        return Err(invalid(api, "resource_ids must not contain empty ids"));
    }
    Ok(())
}

fn check_path_id(api: Api, id: &str) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(invalid(api, "the id in the path must not be empty"));
    }
    Ok(())
}

fn check_period(api: Api, period_type: i32, period_num: i32) -> Result<(), ApiError> {
    let ok = match period_type {
        PERIOD_TYPE_MONTH => (1..=11).contains(&period_num),
        PERIOD_TYPE_YEAR => (1..=3).contains(&period_num),
        _ => return Err(invalid(api, "period_type must be 2 (month) or 3 (year)")),
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            api,
            &format!("period_num {period_num} out of range: months 1..=11, years 1..=3"),
        ))
    }
}
