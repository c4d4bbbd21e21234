//! A run a crash left 计算中 finishes by itself when the server starts again; the API answers
//! 202 only for a run that starts. Both backends.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use yiyang_store::benefits::{RunRequest, RunStatus};

#[tokio::test]
async fn an_interrupted_run_resumes_when_the_server_starts() {
    for (b, store, _router) in apps(60).await {
        let packs = store
            .packs_in_force(&yiyang_domain::policy::shipped::packs())
            .await
            .unwrap();
        let m = yiyang_domain::dates::Month::parse("2026-09").unwrap();
        let run = store
            .run_benefits(&RunRequest::new(m, "360733"), &packs, &actor(), &|_, _| {})
            .await
            .unwrap()
            .run;
        // As a process killed after its last chunk leaves it: lines stored, status 计算中.
        store
            .execute_raw_for_tests(&format!(
                "UPDATE benefit_runs SET status = 'computing', computed_at = NULL WHERE id = {}",
                run.id
            ))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        tokio::spawn(yiyang_web::serve_on(yiyang_web::AppState::new(store.clone()), listener));
        let mut status = RunStatus::Computing;
        for _ in 0..100 {
            status = store.benefit_run(run.id).await.unwrap().status;
            if status != RunStatus::Computing {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, RunStatus::Draft, "{b}: resumed and finished");
        let after = store.benefit_run(run.id).await.unwrap();
        assert_eq!(
            (after.lines, after.total_fen),
            (run.lines, run.total_fen),
            "{b}: nothing twice"
        );
    }
}

#[tokio::test]
async fn the_api_accepts_only_a_run_that_starts() {
    for (b, _store, router) in apps(20).await {
        // An API client with a bearer token.
        let mut c = Client::new(&router);
        let r = c
            .send_json(
                "POST",
                "/api/v1/session",
                json!({"username": "huichang", "password": PASSWORD}),
            )
            .await;
        c.bearer = Some(r.json()["token"].as_str().unwrap().to_string());
        let next = yiyang_domain::dates::Month::of(chrono::Local::now().date_naive()).next();
        let r = c
            .send_json("POST", "/api/v1/benefit-runs", json!({"month": next.to_string()}))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}: {}", r.text());
        assert!(r.text().contains("尚未到来"), "{b}");
        let r = c
            .send_json(
                "POST",
                "/api/v1/benefit-runs",
                json!({"month": "2026-08", "pack": "xinjiang-2019"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}: {}", r.text());
        let r = c
            .send_json("POST", "/api/v1/benefit-runs", json!({"month": "2026-08"}))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{b}: {}", r.text());
    }
}
