//! 居住区配建养老服务设施 (四同步) through the real router on both backends: a county clerk
//! registers a project, signs its steps in order, is refused acceptance while the premises
//! fall short (and the refusal is recorded), and the compliance indicator follows; a township
//! clerk sees only their township's projects, another's answered as an unknown one.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_domain::planning::indicators::{Measure, Status};

async fn compliance(store: &yiyang_store::Store, scope: &str) -> (Option<Measure>, Status) {
    let today = chrono::Local::now().date_naive();
    let lines = store
        .indicators(
            scope,
            None,
            today,
            Month::of(today),
            &yiyang_domain::policy::shipped::packs(),
        )
        .await
        .unwrap();
    let l = lines
        .iter()
        .find(|l| l.indicator == "new_residential_compliance")
        .unwrap();
    (l.measure, l.status)
}

#[tokio::test]
async fn a_project_goes_through_the_four_steps_and_acceptance_waits_for_the_premises() {
    for (b, store, router) in apps(5).await {
        // The demo county: 锦绣新城 delivered and up to standard, 金鹰华府 accepted but not
        // handed over (建而不交): one of two.
        assert_eq!(
            compliance(&store, "360733").await,
            (Some(Measure::ratio(1, 2)), Status::NotMet),
            "{b}"
        );

        let mut c = Client::login(&router, "huichang").await;
        let list = c.get("/planning/residential").await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        let text = list.text();
        assert!(
            text.contains("湘江花园三期") && text.contains("单处用房120平方米，小于300平方米"),
            "{b}"
        );
        let csrf = c.csrf.clone();

        // Bad input: each field named, in Chinese, the form kept.
        let r = c
            .post_form(
                "/planning/residential",
                &[
                    ("_csrf", &csrf),
                    ("name", "阳光水岸"),
                    ("kind", "new"),
                    ("division", "360702001"),
                    ("households", "很多"),
                    ("sites", "三百"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let t = r.text();
        for field in ["division", "households", "sites"] {
            assert!(t.contains(&format!("data-field=\"{field}\"")), "{b}: {field}");
        }
        assert!(t.contains("value=\"阳光水岸\""), "{b}: what was typed is kept");

        // 1,600 households in 筠门岭镇 ask for 320 m²; the plan has one site of 330 m².
        let r = c
            .post_form(
                "/planning/residential",
                &[
                    ("_csrf", &csrf),
                    ("name", "阳光水岸"),
                    ("developer", "会昌县阳光置业有限公司"),
                    ("kind", "new"),
                    ("division", "360733101"),
                    ("households", "1600"),
                    ("sites", "330"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let url = r.location();
        let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
        let page = c.get(&url).await.text();
        assert!(
            page.contains("320平方米") && page.contains("赣府厅发〔2022〕3号"),
            "{b}"
        );
        // Out of order: refused, and nothing recorded.
        let r = sign(&mut c, id, "accepted", "approved", "", "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("下一环节应为“同步规划”"), "{b}");
        for step in ["planned", "building"] {
            let r = sign(&mut c, id, step, "approved", "", "").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {step} {}", r.text());
        }
        // As built, one site of 330 m² became two, one of 100 m²: acceptance is refused.
        let r = sign(&mut c, id, "accepted", "approved", "230, 100", "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let t = r.text();
        assert!(
            t.contains("整改到位前建设单位不得组织竣工验收") && t.contains("单处用房100平方米"),
            "{b}"
        );
        // Civil affairs records its refusal, with the reason.
        let r = sign(&mut c, id, "accepted", "refused", "230, 100", "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("不同意时请写明理由"), "{b}");
        let r = sign(
            &mut c,
            id,
            "accepted",
            "refused",
            "230, 100",
            "一处用房仅100平方米，责令整改",
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let (p, steps_done) = store
            .residential_project(id, "360733", &yiyang_domain::policy::shipped::packs())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.stage.code(), steps_done.len()), ("building", 3), "{b}");
        assert_eq!(p.sites.total().centi(), 33000, "{b}: the premises as found");
        // Put right: accepted, then handed over; the indicator follows.
        let r = sign(&mut c, id, "accepted", "approved", "330", "整改后实测330平方米").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            compliance(&store, "360733101").await.0,
            Some(Measure::ratio(0, 1)),
            "{b}"
        );
        let r = sign(&mut c, id, "delivered", "approved", "", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            compliance(&store, "360733101").await,
            (Some(Measure::ratio(1, 1)), Status::Met),
            "{b}"
        );
        assert_eq!(compliance(&store, "360733").await.0, Some(Measure::ratio(2, 3)), "{b}");
        let page = c.get(&url).await.text();
        assert!(
            page.contains("同步交付") && page.contains("责令整改") && !page.contains("id=\"step-form\""),
            "{b}"
        );
        // Signed once: a fifth step has nothing to sign.
        let r = sign(&mut c, id, "delivered", "approved", "", "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        // The township clerk of 文武坝镇 sees its own projects, not 筠门岭镇's: that one is
        // answered exactly as an unknown one, for reading and for signing.
        let mut w = Client::login(&router, "wenwuba").await;
        let list = w.get("/planning/residential").await.text();
        assert!(list.contains("锦绣新城") && !list.contains("阳光水岸"), "{b}");
        let theirs = w.get(&url).await;
        let unknown = w.get("/planning/residential/999999").await;
        assert_eq!(
            (theirs.status, unknown.status),
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            "{b}"
        );
        assert_eq!(theirs.text(), unknown.text(), "{b}");
        let wcsrf = w.csrf.clone();
        let r = w
            .post_form(
                &steps_url(id),
                &[("_csrf", &wcsrf), ("step", "delivered"), ("outcome", "approved")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");

        // An inspector reads the register but signs nothing.
        let mut j = Client::login(&router, "jiancha").await;
        assert_eq!(j.get("/planning/residential").await.status, StatusCode::OK, "{b}");
        let jcsrf = j.csrf.clone();
        let r = j
            .post_form(
                "/planning/residential",
                &[
                    ("_csrf", &jcsrf),
                    ("name", "x"),
                    ("kind", "new"),
                    ("division", "360733100"),
                    ("households", "10"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
    }
}

fn steps_url(id: i64) -> String {
    format!("/planning/residential/{id}/steps")
}

async fn sign(c: &mut Client, id: i64, step: &str, outcome: &str, sites: &str, note: &str) -> Resp {
    let csrf = c.csrf.clone();
    c.post_form(
        &steps_url(id),
        &[
            ("_csrf", &csrf),
            ("step", step),
            ("outcome", outcome),
            ("sites", sites),
            ("note", note),
        ],
    )
    .await
}
