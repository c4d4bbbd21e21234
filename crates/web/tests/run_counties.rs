//! Who runs a month for whom (issue 11, point 2): the county pays. A province's start is one
//! run per county; a township starts none; a county outside the area is no county.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn the_province_starts_one_run_per_county_and_a_township_starts_none() {
    for (b, store, router) in apps(60).await {
        // Someone registered in Zhanggong: a second paying county in the province.
        person_in(&store, "360702", "36070219400101001").await;
        let mut sheng = Client::login(&router, "sheng").await;
        let html = sheng.get("/benefits").await.text();
        assert!(html.contains("id=\"county\""), "{b}: the province picks counties");
        assert!(
            html.contains("辖区内全部 2 个区县") && html.contains(">会昌县<") && html.contains(">章贡区<"),
            "{b}"
        );
        // A county outside the province is answered as no county at all.
        let csrf = sheng.csrf.clone();
        let r = sheng
            .post_form(
                "/benefits",
                &[("_csrf", &csrf), ("month", "2026-10"), ("county", "140105")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(r.text().contains("没有这个区县"), "{b}");
        // Every county at once: one run each, the flash says how many.
        let r = sheng
            .post_form("/benefits", &[("_csrf", &csrf), ("month", "2026-10"), ("county", "")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let huichang = wait_for_draft(&store, "360733", &[]).await;
        let zhanggong = wait_for_draft(&store, "360702", &[]).await;
        let html = sheng.get("/benefits").await.text();
        assert!(html.contains("已为 2 个区县分别开始计算"), "{b}");
        let runs = store.list_benefit_runs("36").await.unwrap();
        assert_eq!(runs.len(), 2, "{b}");
        assert!(runs.iter().all(|r| r.scope.len() == 6), "{b}: {runs:?}");
        assert!(
            [huichang, zhanggong].iter().all(|id| runs.iter().any(|r| r.id == *id)),
            "{b}"
        );
        // The county's own staff see and sign their county's run.
        let mut county = Client::login(&router, "huichang").await;
        let html = county.get("/benefits").await.text();
        assert!(html.contains(&format!("/benefits/runs/{huichang}\"")), "{b}");
        assert!(!html.contains(&format!("/benefits/runs/{zhanggong}\"")), "{b}");
        assert!(!html.contains("id=\"county\""), "{b}: a county runs only itself");

        // A township's staff have no start: their county pays, and a post is refused in words.
        let mut town = Client::login(&router, "wenwuba").await;
        let html = town.get("/benefits").await.text();
        assert!(
            html.contains("id=\"county-pays\"") && !html.contains("id=\"compute-form\""),
            "{b}"
        );
        let csrf = town.csrf.clone();
        let r = town
            .post_form("/benefits", &[("_csrf", &csrf), ("month", "2026-09")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert!(r.text().contains("按区县计算"), "{b}");

        // The API: one county of the area by code, with what started and what did not.
        let mut api = Client::api(&router, "sheng").await;
        let r = api
            .send_json(
                "POST",
                "/api/v1/benefit-runs",
                json!({"month": "2026-09", "county": "360702"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{b}: {}", r.text());
        assert_eq!(r.json()["counties"], json!(["360702"]), "{b}");
        let r = api
            .send_json("POST", "/api/v1/benefit-runs", json!({"month": "2026-10"}))
            .await;
        // Both counties already have 2026-10's run: starting again changes nothing.
        assert_eq!(r.status, StatusCode::ACCEPTED, "{b}: {}", r.text());
        assert_eq!(r.json()["counties"], json!(["360702", "360733"]), "{b}");
        let r = api
            .send_json(
                "POST",
                "/api/v1/benefit-runs",
                json!({"month": "2026-10", "county": "3607"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}: a city is not a county");
    }
}
