//! Persistence and faults.

use super::*;

#[tokio::test]
async fn changes_survive_a_restart() {
    let sb = Sb::start().await;
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 3, "is_auto_pay": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    let sb = sb.stop().await;
    let handle = sandbox::start(config(sb.path.clone())).await.unwrap();
    let again = Sb {
        handle: Some(handle),
        _dir: sb._dir,
        path: sb.path,
        log: sb.log,
        client: reqwest::Client::new(),
    };
    assert_eq!(
        again.resource(WEB01).await["expire_time"],
        "2027-03-01T00:00:00Z"
    );
    assert_eq!(
        again.balances().await.0,
        Decimal::from_str("48822.80").unwrap()
    );
    let orders = again
        .get(
            ORDERS,
            &[
                ("order_type", "2"),
                ("status", "5"),
                ("create_time_begin", "2026-11-24T00:00:00Z"),
                ("create_time_end", "2026-11-24T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(orders.body["total_count"], 1);
    again.stop().await;
}

#[tokio::test]
async fn throttle_every_fifth_request_is_not_applied() {
    let sb = Sb::start_with(|c| c.faults.throttle_every = Some(5), None).await;
    for _ in 0..4 {
        assert_eq!(sb.get(BALANCES, &[]).await.status, 200);
    }
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_error(&r, 429, "APIG.0308");
    assert!(r.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("throttling threshold"));
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(sb.state(), sandbox::seed_state());
    // Auth failures do not count: the 10th eligible request is throttled.
    let unsigned = Auth {
        unsigned: true,
        ..Auth::default()
    };
    for _ in 0..3 {
        assert_eq!(
            sb.send("GET", BALANCES, &[], b"", &unsigned)
                .await
                .unwrap()
                .status,
            401
        );
    }
    let statuses = balance_statuses(&sb, 4).await;
    assert_eq!(statuses, vec![200, 200, 200, 429]);
    let log = std::fs::read_to_string(&sb.log).unwrap();
    let faults: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["fault"] == "throttle")
        .collect();
    assert_eq!(faults.len(), 2);
    assert_eq!(faults[0]["api"], "RenewalResources");
    assert_eq!(faults[0]["resource_ids"], json!([WEB01]));
    assert_eq!(faults[0]["status"], 429);
}

/// Sequential requests (the server serializes anyway); statuses in order.
async fn balance_statuses(sb: &Sb, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(sb.get(BALANCES, &[]).await.status);
    }
    out
}

#[tokio::test]
async fn injected_5xx_is_not_applied_and_faults_can_target_apis() {
    let sb = Sb::start_with(
        |c| {
            c.faults.error_every = Some(1);
            c.faults.apis = Some(vec![bssctl::bss::Api::Renew]);
        },
        None,
    )
    .await;
    assert_eq!(sb.get(BALANCES, &[]).await.status, 200, "not a faulted API");
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_error(&r, 500, "CBC.0999");
    assert_eq!(sb.state(), sandbox::seed_state());
}

#[tokio::test]
async fn dropped_connection_after_the_renewal_was_applied() {
    let sb = Sb::start_with(
        |c| {
            c.faults.drop_every = Some(2);
            c.faults.apis = Some(vec![bssctl::bss::Api::Renew, bssctl::bss::Api::Balances]);
        },
        None,
    )
    .await;
    let body =
        json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1})
            .to_string();
    // Reads are never dropped, and do not count for the drop counter.
    assert_eq!(sb.get(BALANCES, &[]).await.status, 200);
    let first = sb
        .send("POST", RENEW, &[], body.as_bytes(), &Auth::default())
        .await
        .unwrap();
    assert_eq!(first.status, 200);
    let second = sb
        .send("POST", RENEW, &[], body.as_bytes(), &Auth::default())
        .await;
    let err = match second {
        Ok(r) => panic!("expected a connection error, got HTTP {}", r.status),
        Err(e) => e,
    };
    // hyper closed the connection before any response byte.
    assert!(
        err.is_request() && format!("{err:?}").contains("IncompleteMessage"),
        "{err:?}"
    );
    // Both renewals are in the state file: the dropped one took effect.
    let state = State::load(&sb.path).unwrap();
    assert_eq!(state.resource(WEB01).unwrap().renewals.len(), 2);
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2027-02-01T00:00:00Z"
    );
    let log = std::fs::read_to_string(&sb.log).unwrap();
    let dropped: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["fault"] == "drop")
        .collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0]["order_ids"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn latency_and_rate_limit() {
    let sb = Sb::start_with(|c| c.faults.latency = Duration::from_millis(150), None).await;
    let t = Instant::now();
    assert_eq!(sb.get(BALANCES, &[]).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    let t = Instant::now();
    let unsigned = Auth {
        unsigned: true,
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &unsigned)
            .await
            .unwrap()
            .status,
        401
    );
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "latency applies to every response"
    );

    let sb = Sb::start_with(|c| c.rate_limit_per_api = Some(3), None).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(sb.get(BALANCES, &[]).await.status);
    }
    // A burst of 3 passes; the bucket refills one token per 333 ms, so a
    // quick run of 8 meets the limit even on a slow machine.
    assert_eq!(statuses[..3], [200, 200, 200]);
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        sb.post(QUERY, json!({})).await.status,
        200,
        "limits are per API"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        sb.get(BALANCES, &[]).await.status,
        200,
        "the bucket refills"
    );
}
