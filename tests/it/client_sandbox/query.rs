//! Query.

use super::*;

#[tokio::test]
async fn query_one_page_all_pages_and_only_main() {
    let sb = Sandbox::start().await;
    let seed = sandbox::seed_state();
    let all = seed.resources.len() as i64;
    let mains = seed.resources.iter().filter(|r| r.is_main()).count();

    let c = sb.client();
    let page = c
        .query_resources(&QueryResourcesReq {
            limit: Some(5),
            offset: Some(10),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert_request_id(page.request_id.as_deref());
    assert_eq!(page.body.total_count, Some(all));
    let rows = page.body.data.unwrap();
    let want: Vec<&str> = seed.resources[10..15]
        .iter()
        .map(|r| r.resource_id.as_str())
        .collect();
    let got: Vec<&str> = rows
        .iter()
        .map(|r| r.resource_id.as_deref().unwrap())
        .collect();
    assert_eq!(got, want);
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 1);

    // All pages with a page size of 7: ceil(49 / 7) = 7 requests, rows in
    // state order, none twice.
    let mut cfg = client_config(&sb.url());
    cfg.page_size = 7;
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    assert_eq!(c.page_size(), 7);
    let rows = c
        .query_resources_all(&QueryResourcesReq::default())
        .await
        .unwrap();
    let got: Vec<String> = rows
        .iter()
        .map(|r| r.resource_id.clone().unwrap())
        .collect();
    let want: Vec<String> = seed
        .resources
        .iter()
        .map(|r| r.resource_id.clone())
        .collect();
    assert_eq!(got, want);
    let pages = (all as u64).div_ceil(7);
    assert_eq!(stats_of(&c, Api::QueryResources).requests, pages);

    // only_main_resource on: main resources only; off: every resource.
    let main_rows = c
        .query_resources_all(&QueryResourcesReq {
            only_main_resource: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(main_rows.len(), mains);
    assert!(main_rows.iter().all(|r| r.is_main_resource == Some(1)));
    let every = c
        .query_resources_all(&QueryResourcesReq {
            only_main_resource: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(every.len() as i64, all);
    assert!(every.iter().any(|r| r.is_main_resource == Some(0)));

    // Rows carry the API's fields (attached rows name their parent).
    let disk = every
        .iter()
        .find(|r| r.resource_id.as_deref() == Some(WEB01_DISK))
        .unwrap();
    assert_eq!(disk.parent_resource_id.as_deref(), Some(WEB01));
    assert_eq!(disk.expire_time.as_deref(), Some("2026-12-01T00:00:00Z"));
    assert!(disk.enterprise_project.is_some());
    sb.stop().await;
}

/// A state with `n` extra standalone main resources (`extra-0000`...).
fn state_with_extra_resources(n: usize) -> (State, Vec<String>) {
    let mut state = sandbox::seed_state();
    let template = state
        .resources
        .iter()
        .find(|r| r.is_main() && r.status == 2 && state.family(&r.resource_id).len() == 1)
        .expect("a standalone main resource in the seed")
        .clone();
    let mut extra = Vec::new();
    for i in 0..n {
        let mut r = template.clone();
        r.id = format!("extra-item-{i:04}");
        r.resource_id = format!("extra-{i:04}");
        r.resource_name = format!("extra-{i:04}");
        extra.push(r.resource_id.clone());
        state.resources.push(r);
    }
    (state, extra)
}

#[tokio::test]
async fn query_by_ids_chunks_at_fifty() {
    let (state, extra) = state_with_extra_resources(110);
    let sb = Sandbox::start_with(|_| {}, Some(state)).await;

    // 110 standalone ids plus WEB01 (which has an attached disk): 111 ids,
    // so three requests of 50, 50 and 11 ids.
    let mut wanted = extra.clone();
    wanted.push(WEB01.to_string());
    let c = sb.client();
    let rows = c.query_resources_by_ids(&wanted, true).await.unwrap();
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 3);
    let mut got: Vec<String> = rows
        .iter()
        .map(|r| r.resource_id.clone().unwrap())
        .collect();
    got.sort();
    let mut want = wanted.clone();
    want.sort();
    assert_eq!(got, want, "only main: exactly the ids asked for");

    // only_main off: the disk of WEB01 comes along.
    let c = sb.client();
    let rows = c.query_resources_by_ids(&wanted, false).await.unwrap();
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 3);
    assert_eq!(rows.len(), wanted.len() + 1);
    assert!(rows
        .iter()
        .any(|r| r.resource_id.as_deref() == Some(WEB01_DISK)));

    // Exactly 50 ids is one request; none is none.
    let c = sb.client();
    let rows = c
        .query_resources_by_ids(&extra[..MAX_QUERY_IDS], true)
        .await
        .unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 1);
    assert!(c
        .query_resources_by_ids(&[], true)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 1);
    sb.stop().await;
}

#[tokio::test]
async fn query_by_ids_pages_within_a_chunk_when_attached_rows_overflow_it() {
    // 60 main resources, each with one attached disk.
    let (mut state, extra) = state_with_extra_resources(60);
    for main in &extra {
        let mut disk = state.resource(main).unwrap().clone();
        disk.id = format!("{main}-disk-item");
        disk.resource_id = format!("{main}-disk");
        disk.resource_name = format!("{main}-disk");
        disk.is_main_resource = 0;
        disk.parent_resource_id = Some(main.clone());
        state.resources.push(disk);
    }
    let sb = Sandbox::start_with(|_| {}, Some(state)).await;
    let mut cfg = client_config(&sb.url());
    cfg.page_size = 40;
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    // Chunk 1: 50 ids, 100 rows, pages of 40: 3 requests. Chunk 2: 10 ids,
    // 20 rows: 1 request.
    let rows = c.query_resources_by_ids(&extra, false).await.unwrap();
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 4);
    let mut got: Vec<String> = rows
        .iter()
        .map(|r| r.resource_id.clone().unwrap())
        .collect();
    got.sort();
    let mut want: Vec<String> = extra
        .iter()
        .flat_map(|m| [m.clone(), format!("{m}-disk")])
        .collect();
    want.sort();
    assert_eq!(got, want);
    sb.stop().await;
}
