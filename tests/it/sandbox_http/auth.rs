//! Authentication.

use super::*;

#[tokio::test]
async fn signature_failures_are_401_and_change_nothing() {
    let sb = Sb::start().await;
    let body =
        json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1})
            .to_string();
    let send = |auth: Auth, body: Vec<u8>| {
        let sb = &sb;
        async move { sb.send("POST", RENEW, &[], &body, &auth).await.unwrap() }
    };

    let wrong_sk = send(
        Auth {
            sk: "not-the-secret".into(),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&wrong_sk, 401, "APIGW.0301");
    assert!(wrong_sk.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("verify aksk signature fail"));
    assert!(
        !wrong_sk.body.to_string().contains(SK),
        "no secret in the body"
    );

    let unknown_ak = send(
        Auth {
            ak: "UNKNOWNAK".into(),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&unknown_ak, 401, "APIGW.0301");
    assert!(unknown_ak.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("access key"));

    let stale_date = (Utc::now() - chrono::Duration::minutes(16))
        .format(signer::DATE_FORMAT)
        .to_string();
    let stale = send(
        Auth {
            date: Some(stale_date),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&stale, 401, "APIGW.0301");
    assert!(stale.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("X-Sdk-Date"));
    let bad_date = send(
        Auth {
            date: Some("2026-11-24 00:00".into()),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&bad_date, 401, "APIGW.0301");

    let missing = send(
        Auth {
            unsigned: true,
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&missing, 401, "APIGW.0301");

    // A body changed after signing: sign one body, send another.
    let host = sb.handle().addr().to_string();
    let date = Utc::now().format(signer::DATE_FORMAT).to_string();
    let headers = vec![
        ("Host".to_string(), host),
        ("X-Sdk-Date".to_string(), date.clone()),
    ];
    let sig = signer::sign(
        &SignInput {
            method: "POST",
            path: RENEW,
            query: &[],
            headers: &headers,
            body: body.as_bytes(),
        },
        SK.as_bytes(),
    );
    let tampered = body.replace("\"period_num\":1", "\"period_num\":9");
    let r = sb
        .client
        .post(format!("{}{RENEW}", sb.handle().url()))
        .header("X-Sdk-Date", date)
        .header("Authorization", sig.authorization(AK))
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-request-id"));

    // SignedHeaders must cover host and x-sdk-date.
    let r = sb
        .client
        .post(format!("{}{RENEW}", sb.handle().url()))
        .header(
            "X-Sdk-Date",
            Utc::now().format(signer::DATE_FORMAT).to_string(),
        )
        .header(
            "Authorization",
            format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=x-sdk-date, Signature=00"),
        )
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Signed query strings are verified too.
    let ok = sb
        .send(
            "GET",
            ORDERS,
            &[("limit", "2"), ("order_by", "-createTime")],
            b"",
            &Auth::default(),
        )
        .await
        .unwrap();
    assert_eq!(ok.status, 200, "{}", ok.body);

    assert_eq!(
        sb.state(),
        sandbox::seed_state(),
        "no failed request changed the state"
    );
}

#[tokio::test]
async fn tokens_security_tokens_and_domain_header() {
    let sb = Sb::start_with(
        |c| {
            c.auth_token = Some(Secret::new("good-token"));
            c.security_token = Some(Secret::new("sts-token"));
        },
        None,
    )
    .await;
    let token = |t: &str| Auth {
        token: Some(t.into()),
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &token("good-token"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_error(
        &sb.send("GET", BALANCES, &[], b"", &token("expired-token"))
            .await
            .unwrap(),
        401,
        "APIGW.0307",
    );
    // AK/SK now needs the STS security token, signed like any header.
    assert_error(
        &sb.send("GET", BALANCES, &[], b"", &Auth::default())
            .await
            .unwrap(),
        401,
        "APIGW.0301",
    );
    let sts = Auth {
        security_token: Some("sts-token".into()),
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &sts)
            .await
            .unwrap()
            .status,
        200
    );
    let wrong_sts = Auth {
        security_token: Some("other".into()),
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &wrong_sts)
            .await
            .unwrap()
            .status,
        401
    );

    let other_domain = Auth {
        domain: Some("ffffffffffffffffffffffffffffffff".into()),
        ..sts.clone()
    };
    assert_error(
        &sb.send("GET", BALANCES, &[], b"", &other_domain)
            .await
            .unwrap(),
        403,
        "CBC.0151",
    );
    let no_domain = Auth {
        domain: None,
        ..sts
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &no_domain)
            .await
            .unwrap()
            .status,
        200
    );

    // Without auth tokens configured, any token is refused.
    let plain = Sb::start().await;
    assert_error(
        &plain
            .send("GET", BALANCES, &[], b"", &token("good-token"))
            .await
            .unwrap(),
        401,
        "APIGW.0307",
    );
}

#[tokio::test]
async fn unknown_paths_are_404_and_every_response_has_a_request_id() {
    let sb = Sb::start().await;
    let r = sb
        .send("GET", "/v2/orders/nope", &[], b"", &Auth::default())
        .await
        .unwrap();
    assert_error(&r, 404, "APIGW.0101");
    let wrong_method = sb
        .send("GET", RENEW, &[], b"", &Auth::default())
        .await
        .unwrap();
    assert_eq!(wrong_method.status, 404);
    let ok = sb.get(BALANCES, &[]).await;
    for resp in [&r, &ok] {
        let id = resp.headers.get("x-request-id").unwrap().to_str().unwrap();
        assert!(
            id.len() >= 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(
            resp.headers.get("content-type").unwrap(),
            "application/json"
        );
    }
    assert_ne!(
        r.headers.get("x-request-id"),
        ok.headers.get("x-request-id")
    );
}

/// The official `renew_post_json` vector's exact bytes and Authorization are
/// accepted; one changed body byte is not.
#[tokio::test]
async fn official_signing_vector_is_accepted_byte_for_byte() {
    let doc: Value =
        serde_json::from_str(include_str!("../../fixtures/signing-vectors.json")).unwrap();
    let v = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "renew_post_json")
        .unwrap()
        .clone();
    let ak = doc["ak"].as_str().unwrap().to_string();
    let sk = doc["sk"].as_str().unwrap().to_string();
    assert_eq!(ak, "HPUAXMPLEAKID0000001");
    let sb = Sb::start_with(
        move |c| {
            c.ak = ak;
            c.sk = Secret::new(sk);
            // The vector's date is fixed; the sandbox's date check is off for it.
            c.max_clock_skew = None;
        },
        None,
    )
    .await;
    let send = |body: Vec<u8>| {
        let mut req = sb
            .client
            .request(
                reqwest::Method::POST,
                format!(
                    "{}{}",
                    sb.handle().url(),
                    v["request_uri"].as_str().unwrap()
                ),
            )
            .header("Host", doc["host"].as_str().unwrap())
            .header("Authorization", v["authorization"].as_str().unwrap());
        for (k, val) in v["headers_in"].as_object().unwrap() {
            req = req.header(k.as_str(), val.as_str().unwrap());
        }
        req.body(body).send()
    };
    let body = v["body"].as_str().unwrap().as_bytes().to_vec();
    let mut changed = body.clone();
    let pos = changed.iter().rposition(|b| *b == b'3').unwrap(); // period_type 3 -> 2
    changed[pos] = b'2';
    let r = send(changed).await.unwrap();
    assert_eq!(r.status(), 401);

    let r = send(body).await.unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["order_ids"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["fail_resource_infos"], json!([]));
    assert_eq!(
        sb.state().resource(WEB01).unwrap().expire_time.to_rfc3339(),
        "2027-12-01T00:00:00+00:00"
    );
}
