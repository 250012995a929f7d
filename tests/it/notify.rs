//! `bssctl notify` (DESIGN §13) against fake webhooks on 127.0.0.1: the
//! body of each format is the service's own message shape and carries the
//! drift with its author, the due renewals and the totals; a 5xx is retried
//! (bounded), a 4xx is not; the webhook URL appears in no output.

use crate::common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// A webhook on 127.0.0.1: answers `answers` in order (then 200 with
/// `ok_body`), records every body.
struct Hook {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The secret part of every webhook URL in these tests.
const TOKEN: &str = "T0KEN-s3cr3t-9f1c";

impl Hook {
    fn start(answers: Vec<u16>, ok_body: &'static str) -> Hook {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!(
            "http://{}/robot/send?access_token={TOKEN}",
            listener.local_addr().unwrap()
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(answers));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let b = bodies.clone();
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let (b, answers) = (b.clone(), answers.clone());
                            tokio::spawn(async move {
                                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                                    let (b, answers) = (b.clone(), answers.clone());
                                    async move {
                                        let body = req.into_body().collect().await.unwrap().to_bytes();
                                        b.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                                        let status = {
                                            let mut a = answers.lock().unwrap();
                                            if a.is_empty() { 200 } else { a.remove(0) }
                                        };
                                        let text = if status == 200 { ok_body } else { "upstream unavailable" };
                                        let mut resp = Response::new(Full::new(Bytes::from(text)));
                                        *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                                        Ok::<_, std::convert::Infallible>(resp)
                                    }
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
        Hook {
            url,
            bodies,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| serde_json::from_str(b).unwrap())
            .collect()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The examples' plan with one change drifted (alice) and its renewals due.
fn plan_file(ws: &Workspace) -> std::path::PathBuf {
    let mut plan: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/golden/examples-plan.json")).unwrap(),
    )
    .unwrap();
    let c = &mut plan["changes"][0];
    c["cause"] = "drift".into();
    c["audit"] = serde_json::json!({
        "region": "cn-north-4",
        "from": "2026-11-20T00:00:00Z",
        "to": "2026-11-27T00:00:00Z",
        "events": [{
            "time": "2026-11-25T10:02:00Z",
            "user": "alice",
            "via": "console",
            "action": "auto-renew cancelled",
            "trace_name": "cancelResourcesAutoRenew",
            "source_ip": "10.1.2.3"
        }]
    });
    ws.write("plan.json", &serde_json::to_string_pretty(&plan).unwrap())
}

fn notify(ws: &Workspace, url: &str, format: &str, extra: &[&str]) -> Run {
    let plan = plan_file(ws);
    let mut c = ws.bssctl();
    c.args(["notify", "--webhook", url, "--format", format])
        .args(extra)
        .arg(&plan);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

fn assert_no_url(r: &Run, url: &str) {
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains(TOKEN), "the token leaked: {out}");
        assert!(!out.contains(url), "the URL leaked: {out}");
        assert!(!out.contains("robot/send"), "the path leaked: {out}");
    }
}

/// Checks a body's shape and returns its message text.
type TextOf = fn(&Value) -> String;

const ALICE_LINE: &str =
    "auto-renew cancelled by alice (console) 2026-11-25 10:02 UTC from 10.1.2.3";

#[test]
fn each_format_posts_the_services_own_message() {
    let ws = Workspace::new();
    let cases: [(&str, &str, TextOf); 5] = [
        ("json", "{}", |b| b["text"].as_str().unwrap().to_string()),
        ("slack", "ok", |b| {
            assert_eq!(b["blocks"][0]["type"], "header");
            assert_eq!(b["blocks"][1]["text"]["type"], "mrkdwn");
            assert!(b["text"].as_str().unwrap().starts_with("bssctl plan:"));
            b["blocks"][1]["text"]["text"].as_str().unwrap().to_string()
        }),
        ("dingtalk", r#"{"errcode":0,"errmsg":"ok"}"#, |b| {
            assert_eq!(b["msgtype"], "markdown");
            assert!(b["markdown"]["title"]
                .as_str()
                .unwrap()
                .starts_with("bssctl plan:"));
            b["markdown"]["text"].as_str().unwrap().to_string()
        }),
        ("wecom", r#"{"errcode":0,"errmsg":"ok"}"#, |b| {
            assert_eq!(b["msgtype"], "markdown");
            b["markdown"]["content"].as_str().unwrap().to_string()
        }),
        ("feishu", r#"{"code":0,"msg":"success"}"#, |b| {
            assert_eq!(b["msg_type"], "text");
            b["content"]["text"].as_str().unwrap().to_string()
        }),
    ];
    for (format, ok, text_of) in cases {
        let hook = Hook::start(vec![], ok);
        let r = notify(&ws, &hook.url, format, &[]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert_no_url(&r, &hook.url);
        let bodies = hook.bodies();
        assert_eq!(bodies.len(), 1, "{format}");
        let text = text_of(&bodies[0]);
        assert!(text.contains(ALICE_LINE), "{format}: {text}");
        assert!(text.contains("Due renewals (4)"), "{format}: {text}");
        assert!(text.contains("CNY 60,275.70"), "{format}: {text}");
        if format == "json" {
            let b = &bodies[0];
            assert_eq!(b["drift"][0]["authors"][0], ALICE_LINE);
            assert_eq!(b["due"].as_array().unwrap().len(), 4);
            assert_eq!(b["totals"]["renewal_cost_now"], "CNY 60,275.70");
            assert_eq!(
                b["title"],
                "bssctl plan: 1 drifted, 4 due, 5 from the manifests, 2 account setting(s)"
            );
        }
    }
}

#[test]
fn a_5xx_is_retried_and_a_4xx_is_final() {
    let ws = Workspace::new();
    let hook = Hook::start(vec![503, 502], r#"{"errcode":0,"errmsg":"ok"}"#);
    let r = notify(&ws, &hook.url, "dingtalk", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(hook.bodies().len(), 3, "two 5xx, then delivered");
    assert!(r.stderr.contains("3 attempt(s)"), "{}", r.stderr);
    assert_no_url(&r, &hook.url);

    // Always failing: bounded by --attempts, and said without the URL.
    let hook = Hook::start(vec![500; 10], "{}");
    let r = notify(&ws, &hook.url, "json", &["--attempts", "3"]);
    assert_eq!(r.code, 1);
    assert_eq!(hook.bodies().len(), 3);
    assert!(
        r.stderr.contains("HTTP 500 after 3 attempt(s)"),
        "{}",
        r.stderr
    );
    assert_no_url(&r, &hook.url);

    let hook = Hook::start(vec![400], "{}");
    let r = notify(&ws, &hook.url, "slack", &[]);
    assert_eq!(r.code, 1);
    assert_eq!(hook.bodies().len(), 1, "a 4xx is not retried");
    assert_no_url(&r, &hook.url);

    // A 200 that refuses (WeCom's errcode) is an error too.
    let hook = Hook::start(
        vec![],
        r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#,
    );
    let r = notify(&ws, &hook.url, "wecom", &[]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("93000"), "{}", r.stderr);
    assert_no_url(&r, &hook.url);
}

#[test]
fn an_unreachable_or_bad_webhook_is_reported_without_its_url() {
    let ws = Workspace::new();
    let url = format!("http://127.0.0.1:1/robot/send?access_token={TOKEN}");
    let r = notify(&ws, &url, "feishu", &["--attempts", "2"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("could not be reached after 2 attempt(s)"),
        "{}",
        r.stderr
    );
    assert_no_url(&r, &url);
    let url = format!("http://hooks.example.com/robot/send?access_token={TOKEN}");
    let r = notify(&ws, &url, "slack", &[]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("plain http"), "{}", r.stderr);
    assert_no_url(&r, &url);
}

#[test]
fn a_saved_plan_and_standard_input_are_read_and_junk_is_refused() {
    let ws = Workspace::new();
    let hook = Hook::start(vec![], "ok");
    // A plan saved with `plan --out` wraps the same plan.
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(plan_file(&ws)).unwrap()).unwrap();
    let saved = serde_json::json!({
        "format_version": "1",
        "endpoint": "sandbox:x",
        "domain_id": "d",
        "planned_at": plan["planned_at"],
        "fingerprints": {},
        "plan": plan,
    });
    let path = ws.write("saved.json", &saved.to_string());
    let mut c = ws.bssctl();
    c.args(["notify", "--webhook", &hook.url, "--format", "slack"])
        .arg(&path);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    // Standard input.
    let mut c = ws.bssctl();
    c.args(["notify", "--webhook", &hook.url, "--format", "slack", "-"])
        .stdin(std::fs::File::open(plan_file(&ws)).unwrap());
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1]);
    // Not a plan: exit 1, nothing posted, the URL not shown.
    let junk = ws.write("junk.json", "{\"hello\": 1}");
    let r = notify(&ws, &hook.url, "slack", &[]);
    assert_eq!(r.code, 0);
    let mut c = ws.bssctl();
    c.args(["notify", "--webhook", &hook.url]).arg(&junk);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("not a plan"), "{err}");
    assert!(!err.contains(TOKEN) && !out.contains(TOKEN));
    assert_eq!(hook.bodies().len(), 3, "junk posts nothing");
}
