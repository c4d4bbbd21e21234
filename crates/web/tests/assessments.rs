//! Recording a GB/T 42195-2022 assessment through the real app, on every backend: the form,
//! its checks, the report, the validity setting and requests for an immediate reassessment.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::assessment::ITEMS;

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A filled-in form: every item at its maximum except `low`, which scores 0.
fn form(csrf: &str, low: &[&str], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("_csrf", csrf),
        ("reason", "first"),
        ("assessed_on", "2026-11-02"),
        ("agency", "会昌县老年人能力评估中心"),
        ("assessor1", "评估员 刘晓梅"),
        ("assessor2", "评估员 陈志强"),
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
        let mut f = form(&c.csrf, &[], &[("assessor2", "评估员 刘晓梅")]);
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
        // The level is shared: the stored row is what the run and admission read.
        let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let latest = store.valid_assessment(person, on).await.unwrap().unwrap();
        assert_eq!(latest.final_level, 3, "{b}");
        assert_eq!(
            latest.valid_until.to_string(),
            "2027-11-02",
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
        let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let latest = store.valid_assessment(person, on).await.unwrap().unwrap();
        assert_eq!(latest.valid_until.to_string(), "2027-05-02", "{b}");
        assert_eq!(latest.final_level, 0, "{b}");
        assert!(
            store.open_reassessment_requests("360733").await.unwrap().is_empty(),
            "{b}: the request is closed"
        );
    }
}
