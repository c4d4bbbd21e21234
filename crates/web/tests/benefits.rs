//! Benefit runs, explanations, policy packs and what-if through the real app, on every backend.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use yiyang_store::benefits::RunStatus;

/// Every cell of every sheet of a workbook, as text.
fn all_cells(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names().to_vec() {
        if let Ok(range) = wb.worksheet_range(&name) {
            out.extend(range.rows().flat_map(|r| r.iter().map(|c| c.to_string())));
        }
    }
    out
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
        let id = wait_for_draft(&store, "360733", &[]).await;
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
        let seen = digest_of(&html);
        let csrf = reviewer.csrf.clone();
        let review = |digest: String, confirm: &'static str| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("digest".to_string(), digest),
                ("confirm".to_string(), confirm.to_string()),
            ]
        };
        let post = |c: &mut Client, url: String, form: Vec<(String, String)>| {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let body = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let mut c = c.clone();
            async move {
                c.send(
                    axum::http::Request::post(url)
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(axum::body::Body::from(body))
                        .unwrap(),
                )
                .await
            }
        };
        let url = format!("/benefits/runs/{id}/review");
        // Without ticking the confirmation of month, scope, people and amount: refused.
        let r = post(&mut reviewer, url.clone(), review(seen.clone(), "")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        // Returned to the clerk with a reason: back to a draft, the reason kept with the run.
        let r = reviewer
            .post_form(
                &format!("/benefits/runs/{id}/return"),
                &[("_csrf", &csrf), ("digest", &seen), ("note", "请核对高龄津贴人数")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let html = clerk.get(&format!("/benefits/runs/{id}")).await.text();
        assert!(html.contains("请核对高龄津贴人数") && html.contains("待审核"), "{b}");
        // The clerk recomputes after the reviewer looked: the review of what the reviewer saw
        // no longer passes.
        store
            .run_benefits(
                &yiyang_store::benefits::RunRequest {
                    recompute: true,
                    ..yiyang_store::benefits::RunRequest::new(
                        yiyang_domain::dates::Month::parse("2026-10").unwrap(),
                        "360733",
                    )
                },
                &store
                    .packs_in_force(&yiyang_domain::policy::shipped::packs())
                    .await
                    .unwrap(),
                &actor(),
                &|_, _| {},
            )
            .await
            .unwrap();
        let r = post(&mut reviewer, url.clone(), review(seen.clone(), "1")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert!(r.text().contains("重新计算"), "{b}");
        let html = reviewer.get(&format!("/benefits/runs/{id}")).await.text();
        let seen = digest_of(&html);
        let r = post(&mut reviewer, url.clone(), review(seen.clone(), "1")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // The reviewer may not approve: a function the role lacks is a 403.
        let r = post(
            &mut reviewer,
            format!("/benefits/runs/{id}/approve"),
            review(seen.clone(), "1"),
        )
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
        let html = approver.get(&format!("/benefits/runs/{id}")).await.text();
        let r = approver
            .post_form(
                &format!("/benefits/runs/{id}/approve"),
                &[("_csrf", &csrf), ("digest", &digest_of(&html)), ("confirm", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // After 审批 a clerk renames a payee and changes the ID number: the file still pays the
        // person approved, and the run page says who changed.
        let payee = store.run_lines(id, None, None).await.unwrap()[0].clone();
        store
            .execute_raw_for_tests(&format!(
                "UPDATE persons SET name = '改名后', id_number = '110105194202020049' WHERE id = {}",
                payee.person_id
            ))
            .await
            .unwrap();
        let page = approver.get(&format!("/benefits/runs/{id}")).await.text();
        assert!(
            page.contains("id=\"payees-changed\"") && page.contains("现为 改名后"),
            "{b}"
        );
        let x = approver.get(&format!("/benefits/runs/{id}/export.xlsx")).await;
        assert_eq!(x.status, StatusCode::OK, "{b}");
        let all = all_cells(&x.body).join("|");
        assert!(
            all.contains(&payee.name) && all.contains(&payee.id_number),
            "{b}: the approved payee"
        );
        assert!(
            !all.contains("改名后") && !all.contains("110105194202020049"),
            "{b}: not the edited one"
        );
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

#[tokio::test]
async fn a_refused_start_shows_the_form_again_as_it_was_sent() {
    for (b, _store, router) in apps(5).await {
        let mut c = Client::login(&router, "huichang").await;
        c.get("/benefits").await;
        let csrf = c.csrf.clone();
        // Not a month: the page again, saying so, with what was typed and chosen.
        let r = c
            .post_form(
                "/benefits",
                &[
                    ("_csrf", &csrf),
                    ("month", "2025-13"),
                    ("pack", "huichang-2021"),
                    ("recompute", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        let page = r.text();
        assert!(
            page.contains("id=\"compute-error\"") && page.contains("发放月份"),
            "{b}: {page}"
        );
        assert!(page.contains("value=\"2025-13\""), "{b}");
        assert!(page.contains("value=\"huichang-2021\" selected"), "{b}");
        assert!(page.contains("value=\"1\" checked"), "{b}");
        // A month not yet begun: refused in words, the month kept.
        let r = c
            .post_form("/benefits", &[("_csrf", &csrf), ("month", "2099-01"), ("pack", "")])
            .await;
        assert!(r.status.is_client_error(), "{b}: {}", r.status);
        let page = r.text();
        assert!(
            page.contains("id=\"compute-error\"") && page.contains("value=\"2099-01\""),
            "{b}: {page}"
        );
    }
}
