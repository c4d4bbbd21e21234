//! 死亡信息比对 through the router on every backend: a county clerk uploads the funeral system's
//! file, deaths whose ID number and name agree are recorded, a disagreeing name waits for a
//! decision with a reason, a number outside the clerk's area reads exactly like an unknown one,
//! the same file is refused the second time, and a township clerk sees nothing of the county's
//! file or of a person registered in another township.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

fn upload(csrf: &str, source: &str, name: &str, content: &str) -> Request<Body> {
    let boundary = "----yiyangdeathboundary";
    let mut body = Vec::new();
    for (k, v) in [("_csrf", csrf), ("source", source)] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(content.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post("/people/deaths")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// The outcome labels of a file page's rows, in order.
fn outcomes(html: &str) -> Vec<String> {
    html.split("data-outcome=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn a_death_file_is_matched_reviewed_and_kept_inside_the_clerks_area() {
    for (b, store, router) in apps(20).await {
        let a = person_in(&store, "360733101", "36073319350101001").await;
        let bb = person_in(&store, "360733101", "36073319360202002").await;
        let c = person_in(&store, "360733100", "36073319370303003").await;
        let (id_a, id_b, id_c) = (
            id_with_check("36073319350101001"),
            id_with_check("36073319360202002"),
            id_with_check("36073319370303003"),
        );
        let unknown = id_with_check("36073319380404004");

        // The demo's own file is listed, with its name mismatch waiting.
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get("/people/deaths").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.text().contains("会昌县殡仪馆火化信息.csv"), "{b}");

        let csv = format!(
            "姓名,身份证号,死亡日期\n测试老人,{id_a},2026-10-01\n测试老大,{id_b},2026-10-02\n\
             测试老人,{unknown},2026-10-03\n\"=HYPERLINK(\"\"x\"\")<script>\",3607331938,2026-10-04\n"
        );
        let r = county
            .send(upload(&county.csrf.clone(), "cremation", "火化信息10月.csv", &csv))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let file_uri = r.location();
        let html = county.get(&file_uri).await.text();
        assert_eq!(
            outcomes(&html),
            ["recorded", "name_differs", "not_found", "rejected"],
            "{b}"
        );
        assert!(html.contains("已登记死亡") && html.contains("身份证号："), "{b}");
        assert!(
            !html.contains("<script>") && !html.contains(&id_a),
            "{b}: escaped and masked"
        );
        assert!(!html.contains("cremation"), "{b}: sources by name");
        let dead = store.person_in_scope(a, "36").await.unwrap().unwrap();
        assert_eq!(
            dead.record.death_date.map(|d| d.to_string()).as_deref(),
            Some("2026-10-01"),
            "{b}"
        );

        // The same file again is refused and changes nothing.
        let again = county
            .send(upload(&county.csrf.clone(), "cremation", "重发.csv", &csv))
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(again.text().contains("已在本辖区导入过"), "{b}");

        // The township clerk of 文武坝 sees neither the county's file nor the other township's
        // review row, and cannot decide it.
        let row = store
            .death_reviews("360733", 100)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.name == "测试老大")
            .expect("waiting");
        let mut town = Client::login(&router, "wenwuba").await;
        assert_eq!(town.get(&file_uri).await.status, StatusCode::NOT_FOUND, "{b}");
        let list = town.get("/people/deaths").await.text();
        assert!(!list.contains("测试老大") && !list.contains("火化信息10月"), "{b}");
        town.get("/people/deaths").await;
        let csrf = town.csrf.clone();
        let refused = town
            .post_form(
                &format!("/people/deaths/rows/{}", row.id),
                &[("_csrf", &csrf), ("decision", "confirm"), ("note", "核实")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{b}");
        // Its own file: a person of the other township reads like an unknown number.
        let own = format!("姓名,身份证号,死亡日期,信息来源\n测试老人,{id_b},2026-10-02,公安\n测试老人,{unknown},2026-10-03,公安\n测试老人,{id_c},2026-10-05,公安\n");
        let r = town.send(upload(&town.csrf.clone(), "", "文武坝.csv", &own)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let html = town.get(&r.location()).await.text();
        assert_eq!(outcomes(&html), ["not_found", "not_found", "recorded"], "{b}");
        assert!(
            store
                .person_in_scope(c, "36")
                .await
                .unwrap()
                .unwrap()
                .record
                .death_date
                .is_some(),
            "{b}"
        );
        assert_eq!(
            store
                .person_in_scope(bb, "36")
                .await
                .unwrap()
                .unwrap()
                .record
                .death_date,
            None,
            "{b}"
        );

        // The county decides: a reason is required and what was typed is kept.
        county.get("/people/deaths").await;
        let csrf = county.csrf.clone();
        let uri = format!("/people/deaths/rows/{}", row.id);
        let bare = county
            .post_form(&uri, &[("_csrf", &csrf), ("decision", "confirm"), ("note", "")])
            .await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(bare.text().contains("请写明核实情况"), "{b}");
        let done = county
            .post_form(
                &uri,
                &[
                    ("_csrf", &csrf),
                    ("decision", "confirm"),
                    ("note", "经村委会核实系同一人"),
                ],
            )
            .await;
        assert_eq!(
            (done.status, done.location().as_str()),
            (StatusCode::SEE_OTHER, "/people/deaths"),
            "{b}"
        );
        let list = county.get("/people/deaths").await.text();
        assert!(
            list.contains("已按核实结果登记死亡") && !list.contains("测试老大"),
            "{b}"
        );
        let p = store.person_in_scope(bb, "36").await.unwrap().unwrap();
        assert_eq!(
            p.record.death_date.map(|d| d.to_string()).as_deref(),
            Some("2026-10-02"),
            "{b}"
        );
        let audit = store.audit_entries(None, 50, 0).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "confirm_death" && e.entity_id == bb.to_string()),
            "{b}"
        );
        assert!(
            audit
                .iter()
                .any(|e| e.action == "record_death" && e.entity_id == a.to_string()),
            "{b}"
        );
    }
}
