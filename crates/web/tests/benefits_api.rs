//! The monthly run over the JSON API: start, follow, totals and lines (reads audited), 审核 and 审批
//! by different people with the wrong one refused, scope, and a person's month explained.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_run_is_started_read_reviewed_and_approved_over_the_api() {
    for (b, store, router) in apps(300).await {
        let mut clerk = Client::api(&router, "huichang").await;
        let r = clerk
            .send_json("POST", "/api/v1/benefit-runs", json!({"month": "2026-13"}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        let r = clerk
            .send_json(
                "POST",
                "/api/v1/benefit-runs",
                json!({"month": "2026-10", "pack": "nope"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}: an unknown pack");
        assert!(r.text().contains("没有这个政策包"), "{b}: {}", r.text());
        let run = clerk.run_to_draft("2026-10").await;
        let id = run["id"].as_i64().expect("the run finished");
        assert_eq!(
            (run["scope"].as_str(), run["pack"].as_str()),
            (Some("360733"), Some("auto")),
            "{b}"
        );

        // Totals reconcile to the run; lines page through and are masked for the clerk.
        let detail = clerk.get(&format!("/api/v1/benefit-runs/{id}")).await.json();
        let total: i64 = detail["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["amount_fen"].as_i64().unwrap())
            .sum();
        assert_eq!(total, detail["run"]["total_fen"].as_i64().unwrap(), "{b}");
        let page = clerk
            .get(&format!("/api/v1/benefit-runs/{id}/lines?limit=5&offset=0"))
            .await
            .json();
        let n = detail["run"]["lines"].as_i64().unwrap();
        assert_eq!(page["total"].as_i64(), Some(n), "{b}");
        assert_eq!(page["items"].as_array().unwrap().len(), 5.min(n as usize), "{b}");
        // County civil-affairs staff may see full ID numbers (to pay people); the read is audited.
        assert_eq!(page["items"][0]["id_number"].as_str().unwrap().len(), 18, "{b}");
        let audit = store
            .audit_entries(Some(("benefit_run", &id.to_string())), 50, 0)
            .await
            .unwrap();
        assert!(
            audit.iter().any(|a| a.action == "read_lines" && a.actor == "huichang"),
            "{b}"
        );
        let gaoling = clerk
            .get(&format!("/api/v1/benefit-runs/{id}/lines?benefit=gaoling&limit=5000"))
            .await
            .json();
        assert!(
            gaoling["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["benefit"] == "gaoling"),
            "{b}"
        );

        // The preparer may not review; the reviewer may not approve; the approver may.
        let r = clerk
            .send_json("POST", &format!("/api/v1/benefit-runs/{id}/review"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: {}", r.text());
        let mut reviewer = Client::api(&router, "shenhe").await;
        let r = reviewer
            .send_json("POST", &format!("/api/v1/benefit-runs/{id}/review"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(r.json()["status"], "reviewed", "{b}");
        let r = reviewer
            .send_json("POST", &format!("/api/v1/benefit-runs/{id}/approve"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let mut approver = Client::api(&router, "shenpi").await;
        let r = approver
            .send_json("POST", &format!("/api/v1/benefit-runs/{id}/approve"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(
            (r.json()["status"].as_str(), r.json()["approved_by"].as_str()),
            (Some("approved"), Some("shenpi")),
            "{b}"
        );
        // Starting the month again changes nothing.
        let r = clerk
            .send_json("POST", "/api/v1/benefit-runs", json!({"month": "2026-10"}))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{b}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let again = clerk.get(&format!("/api/v1/benefit-runs/{id}")).await.json();
        assert_eq!(again["run"]["lines"].as_i64(), Some(n), "{b}");
        assert_eq!(again["run"]["status"], "approved", "{b}");

        // Out of scope: a township clerk does not find the county's run; inspectors have no access.
        let mut town = Client::api(&router, "wenwuba").await;
        assert_eq!(
            town.get(&format!("/api/v1/benefit-runs/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert_eq!(
            town.get(&format!("/api/v1/benefit-runs/{id}/lines")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        let mut inspector = Client::api(&router, "jiancha").await;
        assert_eq!(
            inspector.get("/api/v1/benefit-runs").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );

        // A person's month: each benefit with every rule's outcome and clause, and the line.
        let someone = store
            .run_lines(id, None, Some("gaoling"))
            .await
            .unwrap()
            .into_iter()
            .next()
            .expect("someone over 80")
            .person_id;
        let r = clerk
            .get(&format!("/api/v1/people/{someone}/benefits?month=2026-10"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let pm = r.json();
        let own = &pm["parts"][0];
        assert_eq!(own["payee"], "person", "{b}");
        let g = own["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["benefit"] == "gaoling")
            .unwrap();
        assert!(g["amount_fen"].as_i64().unwrap() > 0, "{b}");
        let rules = g["rules"].as_array().unwrap();
        assert!(
            rules
                .iter()
                .any(|r| r["outcome"] == "paid" && r["clause"].as_str().unwrap().contains("〔")),
            "{b}"
        );
        assert!(
            rules.iter().any(|r| r["outcome"] == "not_met"),
            "{b}: why the other bands did not pay"
        );
        assert!(
            pm["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["benefit"] == "gaoling" && l["kind"] == "regular"),
            "{b}"
        );

        // Documented.
        let doc = clerk.get("/api/v1/openapi.json").await.json();
        for path in [
            "/api/v1/benefit-runs",
            "/api/v1/benefit-runs/{id}",
            "/api/v1/benefit-runs/{id}/lines",
            "/api/v1/benefit-runs/{id}/review",
            "/api/v1/benefit-runs/{id}/approve",
            "/api/v1/people/{id}/benefits",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} documented");
        }
    }
}

#[tokio::test]
async fn a_run_is_returned_rejected_and_withdrawn_over_the_api_each_with_its_reason() {
    for (b, _store, router) in apps(60).await {
        let mut clerk = Client::api(&router, "huichang").await;
        let mut reviewer = Client::api(&router, "shenhe").await;
        let id = clerk.run_to_draft("2026-09").await["id"].as_i64().unwrap();
        let uri = |step: &str, id: i64| format!("/api/v1/benefit-runs/{id}/{step}");
        let r = reviewer
            .send_json("POST", &uri("return", id), json!({"note": "请核对人数"}))
            .await;
        assert_eq!(
            (r.status, r.json()["status"].as_str()),
            (StatusCode::OK, Some("draft")),
            "{b}"
        );
        let r = reviewer
            .send_json("POST", &uri("reject", id), json!({"note": " "}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {}", r.text());
        let r = reviewer
            .send_json("POST", &uri("reject", id), json!({"note": "名单有误"}))
            .await;
        assert_eq!(
            (r.status, r.json()["status"].as_str()),
            (StatusCode::OK, Some("rejected")),
            "{b}"
        );
        let r = reviewer.send_json("POST", &uri("review", id), json!({})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}: a rejected run is not signed");

        let again = clerk.run_to_draft("2026-09").await["id"].as_i64().unwrap();
        assert_ne!(again, id, "{b}");
        let r = reviewer
            .send_json("POST", &uri("withdraw", again), json!({"note": "重算"}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = clerk
            .send_json("POST", &uri("withdraw", again), json!({"note": "漏录一人"}))
            .await;
        assert_eq!(
            (r.status, r.json()["status"].as_str()),
            (StatusCode::OK, Some("withdrawn")),
            "{b}"
        );
    }
}
