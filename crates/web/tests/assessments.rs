//! Recording a GB/T 42195-2022 assessment through the real app, on every backend: the form,
//! its checks, the report, the validity setting and requests for an immediate reassessment.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::assessment::ITEMS;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The second assessor confirms assessment `report` (its URL) from their own login.
async fn confirm(router: &axum::Router, report: &str) {
    let mut second = Client::login(router, "pinggu2").await;
    let page = second.get(report).await.text();
    assert!(
        page.contains("id=\"confirm-form\""),
        "the named second assessor is asked to confirm"
    );
    let csrf = second.csrf.clone();
    let r = second
        .post_form(
            &format!("{report}/confirm"),
            &[("_csrf", &csrf), ("decision", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A filled-in form: every item at its maximum except `low`, which scores 0.
fn form(csrf: &str, low: &[&str], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let on = today().to_string();
    let mut f: Vec<(String, String)> = [
        ("_csrf", csrf),
        ("reason", "first"),
        ("assessed_on", on.as_str()),
        ("agency", "会昌县老年人能力评估中心"),
        ("assessor2", "pinggu2"),
        ("informant", "child"),
        ("informant_name", "刘建国"),
        ("diagnoses", "I10 高血压"),
        ("risk_fall", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for it in ITEMS {
        let score = if low.contains(&it.key) { 0 } else { it.max };
        f.push((format!("item_{}", it.key), score.to_string()));
    }
    for (k, v) in extra {
        f.retain(|(key, _)| key != k);
        f.push((k.to_string(), v.to_string()));
    }
    f
}

#[tokio::test]
async fn an_assessor_records_the_form_and_everyone_reads_the_report() {
    for (b, store, router) in apps(30).await {
        let person = living_people(&store, "360733").await[0];
        let mut c = Client::login(&router, "pinggu").await;
        let page = c.get(&format!("/people/{person}/assessments/new")).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(
            html.contains("独立使用器具将食物送进口中并咽下"),
            "{b}: item wording shown"
        );
        assert!(html.contains("评估员 陈志强"), "{b}: the second assessor is offered");
        // Missing item and a single assessor: refused, naming the fields; what was typed stays.
        let mut f = form(&c.csrf, &[], &[("assessor2", "pinggu")]);
        f.retain(|(k, _)| k != "item_memory");
        let r = c.post_form(&format!("/people/{person}/assessments"), &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(
            html.contains("data-field=\"item_memory\"") && html.contains("记忆"),
            "{b}"
        );
        assert!(html.contains("data-field=\"assessor2\""), "{b}");
        assert!(html.contains("会昌县老年人能力评估中心"), "{b}");
        // 90 - 4 (memory) - 4 (eating) - 4 (walking) - 4 (bathing) - 4 (stairs 3) ... : build a
        // total of 65 (level 2) with a dementia diagnosis (F03), giving final level 3.
        let low = [
            "eating",
            "grooming",
            "bathing",
            "dressing_upper",
            "dressing_lower",
            "toileting",
        ];
        let f = form(
            &c.csrf,
            &low,
            &[("diagnoses", "I10 高血压\nF03 未特指的痴呆"), ("item_walking", "3")],
        );
        let r = c.post_form(&format!("/people/{person}/assessments"), &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let report = r.location();
        let html = c.get(&report).await.text();
        assert!(html.contains("id=\"total\">65<"), "{b}: {html}");
        assert!(html.contains("2 级 能力中度受损"), "{b}");
        assert!(html.contains("确诊痴呆"), "{b}: the adjustment is shown");
        assert!(html.contains("3 级 能力重度受损"), "{b}");
        assert!(html.contains("评估员 刘晓梅、评估员 陈志强"), "{b}");
        // It does not count until the second assessor confirms it from their own account.
        assert!(html.contains("待第二评估员确认"), "{b}");
        let before = store.valid_assessment(person, today()).await.unwrap().map(|a| a.id);
        let aid: i64 = report.rsplit('/').next().unwrap().parse().unwrap();
        assert_ne!(before, Some(aid), "{b}: not counted before confirmation");
        assert!(
            !html.contains("id=\"confirm-form\""),
            "{b}: the recorder cannot confirm"
        );
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                &format!("{report}/confirm"),
                &[("_csrf", &csrf), ("decision", "accept")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}: nor by posting");
        confirm(&router, &report).await;
        // The level is shared: the stored row is what the run and admission read.
        let latest = store.valid_assessment(person, today()).await.unwrap().unwrap();
        assert_eq!(latest.id, aid, "{b}");
        assert_eq!(latest.final_level, 3, "{b}");
        assert_eq!(
            latest.valid_until,
            today() + chrono::Months::new(12),
            "{b}: 12 months by default"
        );
        // Civil-affairs staff read the report but may not record one.
        let mut h = Client::login(&router, "huichang").await;
        assert_eq!(h.get(&report).await.status, StatusCode::OK, "{b}");
        assert_eq!(
            h.get(&format!("/people/{person}/assessments/new")).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // Outside the scope the report does not exist.
        let mut town = Client::login(&router, "wenwuba").await;
        let p = store.person_in_scope(person, "360733100").await.unwrap();
        if p.is_none() {
            assert_eq!(town.get(&report).await.status, StatusCode::NOT_FOUND, "{b}");
        }
    }
}

#[tokio::test]
async fn the_validity_period_is_a_setting_and_immediate_reassessment_can_be_requested() {
    for (b, store, router) in apps(30).await {
        // Someone assessed before, so that a new assessment is a reassessment.
        let mut person = 0;
        for id in living_people(&store, "360733").await {
            if !store.assessment_history(id).await.unwrap().is_empty() {
                person = id;
                break;
            }
        }
        let mut admin = Client::login(&router, "guanli").await;
        let ac = admin.csrf.clone();
        let r = admin
            .post_form(
                "/settings/assessment-validity",
                &[("_csrf", &ac), ("validity_months", "6")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = admin
            .post_form(
                "/settings/assessment-validity",
                &[("_csrf", &ac), ("validity_months", "99")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let mut h = Client::login(&router, "huichang").await;
        let csrf = h.csrf.clone();
        let r = h
            .post_form(
                &format!("/people/{person}/assessments/request"),
                &[("_csrf", &csrf), ("reason", "跌倒后卧床，状况发生变化")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let mut a = Client::login(&router, "pinggu").await;
        let due = a.get("/assessments/due").await.text();
        assert!(due.contains("跌倒后卧床") && due.contains("id=\"validity\">6<"), "{b}");
        let page = a.get(&format!("/people/{person}/assessments/new")).await.text();
        assert!(
            page.contains("value=\"immediate\" checked"),
            "{b}: the reason is prefilled"
        );
        let f = form(&a.csrf, &[], &[("reason", "immediate")]);
        let r = a.post_form(&format!("/people/{person}/assessments"), &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        confirm(&router, &r.location()).await;
        let latest = store.valid_assessment(person, today()).await.unwrap().unwrap();
        assert_eq!(latest.valid_until, today() + chrono::Months::new(6), "{b}");
        assert_eq!(latest.final_level, 0, "{b}");
        assert!(
            store.open_reassessment_requests("360733").await.unwrap().is_empty(),
            "{b}: the request is closed"
        );
    }
}

#[tokio::test]
async fn a_made_up_colleague_is_refused_and_a_back_dated_assessment_needs_a_reason_and_review() {
    for (b, store, router) in apps(30).await {
        let person = living_people(&store, "360733").await[1];
        let mut c = Client::login(&router, "pinggu").await;
        c.get(&format!("/people/{person}/assessments/new")).await;
        // A colleague who has no account cannot be named.
        let f = form(&c.csrf, &[], &[("assessor2", "zhangsan")]);
        let r = c.post_form(&format!("/people/{person}/assessments"), &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("data-field=\"assessor2\""), "{b}");
        // Dated 60 days back: refused without a reason ...
        let back = (today() - chrono::Days::new(60)).to_string();
        let f = form(&c.csrf, &["eating", "bathing", "toileting"], &[("assessed_on", &back)]);
        let r = c.post_form(&format!("/people/{person}/assessments"), &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("data-field=\"backdate_reason\""), "{b}");
        // ... and with one, it waits for the second assessor and then for review.
        let f = form(
            &c.csrf,
            &["eating", "bathing", "toileting"],
            &[("assessed_on", &back), ("backdate_reason", "下乡评估后纸质表补录")],
        );
        let r = c.post_form(&format!("/people/{person}/assessments"), &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let report = r.location();
        let aid: i64 = report.rsplit('/').next().unwrap().parse().unwrap();
        confirm(&router, &report).await;
        let counted = |s: &yiyang_store::Store| {
            let s = s.clone();
            async move { s.valid_assessment(person, today()).await.unwrap().map(|a| a.id) == Some(aid) }
        };
        assert!(!counted(&store).await, "{b}: not before review");
        let mut h = Client::login(&router, "huichang").await;
        let due = h.get("/assessments/due").await.text();
        assert!(due.contains("下乡评估后纸质表补录"), "{b}: on the reviewer's list");
        let csrf = h.csrf.clone();
        let r = h
            .post_form(&format!("{report}/review"), &[("_csrf", &csrf), ("decision", "return")])
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a return needs a reason"
        );
        let r = h
            .post_form(&format!("{report}/review"), &[("_csrf", &csrf), ("decision", "accept")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(counted(&store).await, "{b}: counts once reviewed");
        let audit = store
            .audit_entries(Some(("person", &person.to_string())), 20, 0)
            .await
            .unwrap();
        let steps: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert!(
            steps.contains(&"assessment_confirm") && steps.contains(&"assessment_review"),
            "{b}: {steps:?}"
        );
    }
}
