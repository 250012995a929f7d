//! Authentication and the account's domain id.

use super::*;

#[tokio::test]
async fn domain_id_is_discovered_once_through_iam_and_then_sent() {
    let sb = Sandbox::start().await;
    let c = client(&sb.url(), aksk(None));
    c.balances().await.unwrap();
    c.query_resources(&QueryResourcesReq::default())
        .await
        .unwrap();
    assert_eq!(c.domain_id().await.unwrap(), DOMAIN);
    assert_eq!(stats_of(&c, Api::IamDomains).requests, 1, "looked up once");
    assert_eq!(stats_of(&c, Api::Balances).requests, 1);

    // The discovered id is what goes out as X-Domain-Id: an IAM that names
    // another account makes every BSS call a 403 from this sandbox.
    let other = Sandbox::start_with(
        |cfg| cfg.domain_id = "ffffffffffffffffffffffffffffffff".into(),
        None,
    )
    .await;
    let mut cfg = client_config(&sb.url());
    cfg.iam_endpoint = other.url();
    let c = BssClient::new(cfg, aksk(None)).unwrap();
    let err = c.balances().await.unwrap_err();
    service(err, Api::Balances, 403, "CBC.0151");
    assert_eq!(
        c.domain_id().await.unwrap(),
        "ffffffffffffffffffffffffffffffff"
    );
    // A configured id is sent as is, without asking IAM.
    let c = client(&sb.url(), aksk(Some("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")));
    let err = c.balances().await.unwrap_err();
    service(err, Api::Balances, 403, "CBC.0151");
    assert_eq!(stats_of(&c, Api::IamDomains).requests, 0);

    // No IAM to ask: a configuration error that says what to set.
    let dead = dead_port_url().await;
    let mut cfg = client_config(&sb.url());
    cfg.iam_endpoint = dead;
    let c = BssClient::new(cfg, aksk(None)).unwrap();
    match c.balances().await.unwrap_err() {
        ApiError::Config(msg) => assert!(msg.contains("HUAWEICLOUD_SDK_DOMAIN_ID"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(stats_of(&c, Api::Balances).requests, 0);
    other.stop().await;
    sb.stop().await;
}

/// A loopback URL where nothing listens.
async fn dead_port_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

fn token_creds(token: &str, domain: Option<&str>) -> Credentials {
    Credentials {
        auth: Auth::Token(Secret::new(token)),
        domain_id: domain.map(str::to_string),
        iam_endpoint: None,
        source: "test".into(),
    }
}

#[tokio::test]
async fn x_auth_token_authenticates_reads_writes_and_discovery() {
    let token = "MIIT-test-user-token-0123456789";
    let sb = Sandbox::start_with(|cfg| cfg.auth_token = Some(Secret::new(token)), None).await;
    let c = client(&sb.url(), token_creds(token, None));
    c.balances().await.unwrap();
    assert_eq!(stats_of(&c, Api::IamDomains).requests, 1);
    c.enable_auto_renew(API01, &AutoRenewalResourcesReq::default())
        .await
        .unwrap();
    assert_eq!(
        sb.state().resource(API01).unwrap().expire_policy,
        EXPIRE_POLICY_AUTO_RENEW
    );
    let c = client(&sb.url(), token_creds("MIIT-expired", Some(DOMAIN)));
    let err = c.balances().await.unwrap_err();
    service(err, Api::Balances, 401, "APIGW.0307");
    assert_eq!(stats_of(&c, Api::Balances).retries, 0);
    sb.stop().await;
}

fn sts_creds(token: Option<&str>) -> Credentials {
    Credentials {
        auth: Auth::AkSk {
            ak: AK.into(),
            sk: Secret::new(SK),
            security_token: token.map(Secret::new),
        },
        domain_id: Some(DOMAIN.into()),
        iam_endpoint: None,
        source: "test".into(),
    }
}

#[tokio::test]
async fn temporary_credentials_send_their_security_token() {
    let sts = "sts-security-token-abcdef0123456789";
    let sb = Sandbox::start_with(|cfg| cfg.security_token = Some(Secret::new(sts)), None).await;
    let c = client(&sb.url(), sts_creds(Some(sts)));
    c.balances().await.unwrap();
    c.renew(&RenewalResourcesReq {
        resource_ids: ids(&[WEB01]),
        period_type: PERIOD_TYPE_MONTH,
        period_num: 1,
        is_auto_pay: Some(1),
    })
    .await
    .unwrap();
    for wrong in [None, Some("sts-some-other-token")] {
        let c = client(&sb.url(), sts_creds(wrong));
        let err = c.balances().await.unwrap_err();
        service(err, Api::Balances, 401, "APIGW.0301");
    }
    sb.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_401_and_leaks_nothing() {
    let sb = Sandbox::start().await;
    let mut creds = aksk(Some(DOMAIN));
    creds.auth = Auth::AkSk {
        ak: AK.into(),
        sk: Secret::new("WRONG-secret-key-must-not-show"),
        security_token: None,
    };
    let c = client(&sb.url(), creds);
    let err = c.balances().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    let msg = service(err, Api::Balances, 401, "APIGW.0301");
    assert!(
        msg.contains("Incorrect IAM authentication information"),
        "{msg}"
    );
    assert!(
        !shown.contains("WRONG-secret") && !shown.contains(SK),
        "{shown}"
    );
    let s = stats_of(&c, Api::Balances);
    assert_eq!((s.requests, s.retries), (1, 0));
    sb.stop().await;
}
