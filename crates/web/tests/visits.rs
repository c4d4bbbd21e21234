//! Visits through the real router: the visitor sees and visits their own people; the county
//! sees the roster, the month's rate and assigns; nobody else reaches a person through it.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_store::care::visits::VisitViewer;

#[tokio::test]
async fn the_visitor_records_a_visit_and_the_county_sees_the_roster_and_assigns() {
    for (b, store, router) in apps(60).await {
        let month = Month::of(chrono::Local::now().date_naive());
        let roster = store
            .visit_roster("360733100", &VisitViewer::Division, month)
            .await
            .unwrap();
        let person = roster[0].person_id;
        let mut v = Client::login(&router, "tanfang").await;
        let page = v.get("/visits").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            page.text().contains("我的探访对象") && page.text().contains(&roster[0].name),
            "{b}"
        );
        let form = v.get(&format!("/visits/{person}")).await;
        assert_eq!(form.status, StatusCode::OK, "{b}");
        let csrf = v.csrf.clone();
        let today = chrono::Local::now().date_naive().to_string();
        // A danger sign without its follow-up: named, kept.
        let r = v
            .post_form(
                &format!("/visits/{person}"),
                &[
                    ("_csrf", &csrf),
                    ("visited_on", &today),
                    ("place", "家中"),
                    ("health", "卧床"),
                    ("living", "无人照料"),
                    ("condition", "danger"),
                    ("follow_up", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("须选择后续处置") && r.text().contains("无人照料"),
            "{b}"
        );
        let csrf = v.csrf.clone();
        let r = v
            .post_form(
                &format!("/visits/{person}"),
                &[
                    ("_csrf", &csrf),
                    ("visited_on", &today),
                    ("place", "家中"),
                    ("health", "卧床"),
                    ("living", "无人照料"),
                    ("condition", "danger"),
                    ("follow_up", "emergency"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert!(
            v.get("/visits").await.text().contains("紧急处置"),
            "{b}: the follow-up waits"
        );
        // Someone outside the visitor's list is unknown to them.
        let outside = person_in(&store, "360733101", "36073319400101001").await;
        assert_eq!(
            v.get(&format!("/visits/{outside}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // The county: roster, rate, and assigning.
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get("/visits").await.text();
        assert!(
            page.contains("探访名单") && page.contains("本月探访率") && page.contains("文武坝镇 网格员 钟小兰"),
            "{b}"
        );
        let csrf = county.csrf.clone();
        let p = person.to_string();
        let r = county
            .post_form(
                "/visits/assign",
                &[("_csrf", &csrf), ("visitor", "wenwuba"), ("person", &p)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            v.get(&format!("/visits/{person}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}: reassigned away"
        );
        let r = county
            .post_form(
                "/visits/assign",
                &[("_csrf", &csrf), ("visitor", "fuwu"), ("person", &p)],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a provider's account is no visitor"
        );
        let mut fuwu = Client::login(&router, "fuwu").await;
        assert_eq!(fuwu.get("/visits").await.status, StatusCode::FORBIDDEN, "{b}");
    }
}
