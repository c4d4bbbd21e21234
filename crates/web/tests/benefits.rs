//! Benefit runs, explanations, policy packs and what-if through the real app, on every backend.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use yiyang_store::benefits::RunStatus;
use yiyang_store::Store;

async fn wait_for_run(store: &Store, scope: &str) -> i64 {
    for _ in 0..300 {
        let runs = store.list_benefit_runs(scope).await.unwrap();
        if let Some(r) = runs.iter().find(|r| r.status == RunStatus::Draft) {
            return r.id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the run did not finish");
}

#[tokio::test]
async fn a_month_is_computed_reviewed_approved_and_exported_by_three_different_people() {
    for (b, store, router) in apps(400).await {
        let mut clerk = Client::login(&router, "huichang").await;
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form("/benefits", &[("_csrf", &csrf), ("month", "2026-10"), ("pack", "")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let id = wait_for_run(&store, "360733").await;
        let page = clerk.get(&format!("/benefits/runs/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(html.contains("待审核") && html.contains("高龄津贴"), "{b}");
        assert!(!html.contains("id=\"review\""), "{b}: the clerk has no review button");
        // ID numbers are masked in the list of lines.
        assert!(html.contains("********"), "{b}");
        // The clerk's role has no review function: 403, not a 409 about this run.
        let r = clerk
            .post_form(&format!("/benefits/runs/{id}/review"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");

        let mut reviewer = Client::login(&router, "shenhe").await;
        let html = reviewer.get(&format!("/benefits/runs/{id}")).await.text();
        assert!(html.contains("id=\"review\""), "{b}");
        let csrf = reviewer.csrf.clone();
        let r = reviewer
            .post_form(&format!("/benefits/runs/{id}/review"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // The reviewer may not approve: a function the role lacks is a 403.
        let r = reviewer
            .post_form(&format!("/benefits/runs/{id}/approve"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert!(r.text().contains("无权"), "{b}");

        let mut approver = Client::login(&router, "shenpi").await;
        let csrf = approver.csrf.clone();
        // Without the CSRF token nothing happens.
        let r = approver
            .post_form(&format!("/benefits/runs/{id}/approve"), &[("_csrf", "nope")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = approver
            .post_form(&format!("/benefits/runs/{id}/approve"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let x = approver.get(&format!("/benefits/runs/{id}/export.xlsx")).await;
        assert_eq!(x.status, StatusCode::OK, "{b}");
        assert!(x.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
        let run = store.benefit_run(id).await.unwrap();
        assert_eq!(run.status, RunStatus::Exported, "{b}");
        assert_eq!(run.exported_by.as_deref(), Some("shenpi"));
        // The reviewer cannot download the disbursement file.
        assert_eq!(
            reviewer.get(&format!("/benefits/runs/{id}/export.xlsx")).await.status,
            StatusCode::FORBIDDEN
        );
        // Every step is in the audit log.
        let audit = store.audit_entries(None, 50, 0).await.unwrap();
        for action in ["create", "compute", "reviewed", "approved", "export"] {
            assert!(
                audit.iter().any(|a| a.entity == "benefit_run" && a.action == action),
                "{b}: no audit entry for {action}"
            );
        }

        // Inspectors do not see benefit runs; a township clerk does not see the county's run.
        let mut inspector = Client::login(&router, "jiancha").await;
        assert_eq!(inspector.get("/benefits").await.status, StatusCode::FORBIDDEN, "{b}");
        let mut town = Client::login(&router, "wenwuba").await;
        assert_eq!(
            town.get(&format!("/benefits/runs/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert!(
            !town
                .get("/benefits")
                .await
                .text()
                .contains(&format!("/benefits/runs/{id}\"")),
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_persons_month_is_explained_with_facts_rules_and_clauses() {
    for (b, store, router) in apps(300).await {
        let packs = yiyang_domain::policy::shipped::packs_with_demo_figures();
        let req =
            yiyang_store::benefits::RunRequest::new(yiyang_domain::dates::Month::parse("2026-10").unwrap(), "360733");
        let run = store
            .run_benefits(&req, &packs, &actor(), &|_, _| {})
            .await
            .unwrap()
            .run;
        let line = store
            .run_lines(run.id, None, Some("gaoling"))
            .await
            .unwrap()
            .into_iter()
            .next()
            .expect("someone over 80");
        let mut c = Client::login(&router, "huichang").await;
        let page = c
            .get(&format!("/people/{}/benefits?month=2026-10", line.person_id))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        for needle in [
            "会府发〔2021〕7号",
            "赣府厅发〔2022〕3号",
            "高龄津贴",
            "条件不满足",
            "age &#62;= gaoling_age_1",
        ] {
            assert!(html.contains(needle), "{b}: {needle} missing");
        }
        assert!(
            html.contains(&format!("/benefits/runs/{}", run.id)),
            "{b}: the stored line links to its run"
        );
        // Someone outside the user's scope is not found.
        let other = person_in(&store, "360702", "36070219400101001").await;
        assert_eq!(
            c.get(&format!("/people/{other}/benefits")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}

#[tokio::test]
async fn policy_pages_and_what_if_show_rules_clauses_and_costs() {
    for (b, _, router) in apps(300).await {
        let mut c = Client::login(&router, "huichang").await;
        let html = c.get("/policy").await.text();
        for id in [
            "bench",
            "huichang-2021",
            "jiangxi-2022",
            "qingshen-2023",
            "taiyuan-2020",
            "xinjiang-2019",
        ] {
            assert!(html.contains(&format!("/policy/{id}")), "{b}: {id}");
        }
        let html = c.get("/policy/huichang-2021?month=2024-06").await.text();
        assert!(
            html.contains("第二十一条") && html.contains("（继承）") && html.contains("¥40.00"),
            "{b}"
        );
        assert_eq!(c.get("/policy/nope").await.status, StatusCode::NOT_FOUND);

        let page = c
            .get("/benefits/what-if?pack=huichang-2021&param=gaoling_2&value=300&month=2026-10")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        let cell = |id: &str| -> String {
            let start = html.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("{id}")) + id.len() + 6;
            html[start..].split('<').next().unwrap().to_string()
        };
        let affected: i64 = cell("affected").parse().unwrap();
        assert!(affected > 0, "{b}: the demo county has people aged 90-99");
        // Raising 200 → 300 yuan gives each of them exactly 100 yuan more.
        assert_eq!(cell("delta"), yiyang_domain::Fen(affected * 10_000).to_string(), "{b}");
        let bad = c
            .get("/benefits/what-if?pack=huichang-2021&param=gaoling_90&value=abc")
            .await
            .text();
        assert!(bad.contains("id=\"error\""), "{b}");
    }
}

#[tokio::test]
async fn assessment_history_and_the_due_list_show_levels_and_expiry_in_scope() {
    for (b, store, router) in apps(50).await {
        let today = chrono::Local::now().date_naive();
        let id = person_in(&store, "360733100", "36073319400101001").await;
        store
            .record_assessment(
                id,
                "MZ/T 039-2013",
                2,
                today - chrono::Days::new(800),
                today - chrono::Days::new(435),
            )
            .await
            .unwrap();
        store
            .record_assessment(
                id,
                "GB/T 42195-2022",
                3,
                today - chrono::Days::new(380),
                today - chrono::Days::new(15),
            )
            .await
            .unwrap();
        let mut c = Client::login(&router, "huichang").await;
        let html = c.get(&format!("/people/{id}/assessments")).await.text();
        assert!(
            html.contains("旧标准 MZ/T 039-2013") && html.contains("能力重度受损"),
            "{b}"
        );
        let due = c.get("/assessments/due").await.text();
        assert!(
            due.contains(&format!("/people/{id}/assessments")),
            "{b}: the latest assessment expired"
        );
        assert!(due.contains("已过期"), "{b}");
        // Reassessed today: off the list.
        store
            .record_assessment(id, "GB/T 42195-2022", 3, today, today + chrono::Days::new(365))
            .await
            .unwrap();
        let due = c.get("/assessments/due").await.text();
        assert!(!due.contains(&format!("/people/{id}/assessments")), "{b}");
        // The township clerk sees the person; someone outside the scope is not found.
        let mut town = Client::login(&router, "wenwuba").await;
        assert_eq!(
            town.get(&format!("/people/{id}/assessments")).await.status,
            StatusCode::OK,
            "{b}"
        );
        let outside = person_in(&store, "360702", "36070219400101001").await;
        assert_eq!(
            c.get(&format!("/people/{outside}/assessments")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        let mut inspector = Client::login(&router, "jiancha").await;
        assert_eq!(
            inspector.get("/assessments/due").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
    }
}
