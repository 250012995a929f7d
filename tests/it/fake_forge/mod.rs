//! A fake GitHub / GitLab REST API on 127.0.0.1 for `bssctl comment`
//! tests: it keeps comments, serves them in pages of two (GitHub `Link`
//! `rel="next"`, GitLab `X-Next-Page`/`X-Total-Pages`), records every request
//! exactly (method, path, query, headers, body) and can answer with canned
//! errors. It stops when dropped.
#![allow(dead_code)]
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    GitHub,
    GitLab,
}

/// A canned answer: status, headers, body.
pub type Canned = (u16, Vec<(String, String)>, String);

#[derive(Default)]
pub struct State {
    pub comments: Vec<(u64, String)>,
    pub next_id: u64,
    pub requests: Vec<Recorded>,
    /// Answers to give instead of serving, in order: (status, headers, body).
    pub canned: Vec<Canned>,
}

/// Comments per page (small, so pagination is exercised).
const PAGE: usize = 2;

pub struct Fake {
    pub base: String,
    pub state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Fake {
    /// Starts on 127.0.0.1:0; `prefix` is the API's path (`/api/v4`).
    pub fn start(style: Style, prefix: &str, comments: &[&str]) -> Fake {
        let state = Arc::new(Mutex::new(State {
            comments: comments
                .iter()
                .enumerate()
                .map(|(i, b)| (i as u64 + 1, b.to_string()))
                .collect(),
            next_id: comments.len() as u64 + 1,
            ..Default::default()
        }));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}{prefix}");
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let b = base.clone();
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { break };
                            let st = st.clone();
                            let b = b.clone();
                            tokio::spawn(async move {
                                let svc = hyper::service::service_fn(move |req| {
                                    let st = st.clone();
                                    let b = b.clone();
                                    async move { Ok::<_, hyper::Error>(serve(style, &b, st, req).await) }
                                });
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        Fake {
            base,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn comments(&self) -> Vec<(u64, String)> {
        self.state.lock().unwrap().comments.clone()
    }

    pub fn can(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        self.state.lock().unwrap().canned.push((
            status,
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body.to_string(),
        ));
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn json(status: u16, headers: Vec<(String, String)>, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (k, v) in headers {
        r = r.header(k, v);
    }
    r.body(Full::new(Bytes::from(body))).unwrap()
}

async fn serve(
    style: Style,
    base: &str,
    st: Arc<Mutex<State>>,
    req: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body =
        String::from_utf8(req.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let mut s = st.lock().unwrap();
    s.requests.push(Recorded {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers,
        body: body.clone(),
    });
    if !s.canned.is_empty() {
        let (status, h, b) = s.canned.remove(0);
        return json(status, h, b);
    }
    let segs: Vec<&str> = path.split('/').collect();
    let last = *segs.last().unwrap();
    let collection = last == "comments" || last == "notes";
    let text_of = |b: &str| -> String {
        serde_json::from_str::<serde_json::Value>(b).unwrap()["body"]
            .as_str()
            .unwrap()
            .to_string()
    };
    match (method.as_str(), collection) {
        ("GET", true) => {
            let page: usize = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("page="))
                .map(|p| p.parse().unwrap())
                .unwrap_or(1);
            let all = &s.comments;
            let rows: Vec<serde_json::Value> = all
                .iter()
                .skip((page - 1) * PAGE)
                .take(PAGE)
                .map(|(id, b)| serde_json::json!({"id": id, "body": b}))
                .collect();
            let more = page * PAGE < all.len();
            let mut h = Vec::new();
            match style {
                Style::GitHub if more => h.push((
                    "link".to_string(),
                    format!(
                        "<{base}{}?per_page=100&page={}>; rel=\"next\", <{base}{}?per_page=100&page=99>; rel=\"last\"",
                        &path[base_path(base).len()..],
                        page + 1,
                        &path[base_path(base).len()..]
                    ),
                )),
                Style::GitLab => {
                    h.push((
                        "x-next-page".to_string(),
                        if more { (page + 1).to_string() } else { String::new() },
                    ));
                    h.push((
                        "x-total-pages".to_string(),
                        all.len().div_ceil(PAGE).max(1).to_string(),
                    ));
                }
                _ => {}
            }
            json(200, h, serde_json::Value::from(rows).to_string())
        }
        ("POST", true) => {
            let id = s.next_id;
            s.next_id += 1;
            let b = text_of(&body);
            s.comments.push((id, b.clone()));
            json(
                201,
                Vec::new(),
                serde_json::json!({"id": id, "body": b}).to_string(),
            )
        }
        ("PATCH" | "PUT", false) => {
            let id: u64 = last.parse().unwrap();
            let b = text_of(&body);
            match s.comments.iter_mut().find(|(i, _)| *i == id) {
                Some(c) => {
                    c.1 = b.clone();
                    json(
                        200,
                        Vec::new(),
                        serde_json::json!({"id": id, "body": b}).to_string(),
                    )
                }
                None => json(404, Vec::new(), r#"{"message":"Not Found"}"#.into()),
            }
        }
        ("DELETE", false) => {
            let id: u64 = last.parse().unwrap();
            s.comments.retain(|(i, _)| *i != id);
            json(204, Vec::new(), String::new())
        }
        _ => json(404, Vec::new(), r#"{"message":"Not Found"}"#.into()),
    }
}

/// The path part of the base URL (`/api/v4`, or empty).
fn base_path(base: &str) -> &str {
    let rest = base.split_once("://").unwrap().1;
    rest.find('/').map(|i| &rest[i..]).unwrap_or("")
}

/// The URL path with the base's path prefix.
pub fn full(base: &str, p: &str) -> String {
    format!("{}{p}", base_path(base))
}
