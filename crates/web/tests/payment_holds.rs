//! 静默认证 through the router on every backend: in the demo county (a 12-month window), someone
//! with no sign of life is on the township's 待认证名单, and the run holds their payment and
//! lists them by name on its page; a clerk records a check in person (a future date or a
//! missing method comes back named), after which the list no longer has them; a clerk of
//! another township cannot reach them.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_store::benefits::RunRequest;

#[tokio::test]
async fn a_person_without_proof_is_listed_held_and_released_by_a_check_in_person() {
    for (b, store, router) in apps(30).await {
        // Born 1930: 96, paid 高龄津贴; registered today with no sign of life at all.
        let silent = person_in(&store, "360733100", "36073319300101021").await;
        let mut clerk = Client::login(&router, "wenwuba").await;
        let list = clerk.get("/people/life-checks").await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        let html = list.text();
        assert!(html.contains("id=\"life-rule\"") && html.contains("12 个月"), "{b}");
        assert!(html.contains(&format!("href=\"/people/{silent}\"")), "{b}: listed");
        assert!(!html.contains("36073319300101021"), "{b}: ID numbers masked");

        // The month's run holds the payment and says whose, by name.
        let packs = store
            .packs_in_force(&yiyang_domain::policy::shipped::packs())
            .await
            .unwrap();
        let run = store
            .run_benefits(
                &RunRequest::new(yiyang_domain::dates::Month::parse("2026-10").unwrap(), "360733"),
                &packs,
                &actor(),
                &|_, _| {},
            )
            .await
            .unwrap()
            .run;
        let lines = store.run_lines(run.id, None, None).await.unwrap();
        assert!(lines.iter().all(|l| l.person_id != silent), "{b}: not paid");
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get(&format!("/benefits/runs/{}", run.id)).await.text();
        assert!(page.contains("id=\"held\"") && page.contains("暂停（待认证）"), "{b}");
        assert!(
            page.contains(&format!("href=\"/people/{silent}\"")),
            "{b}: held by name"
        );

        // A check in person: wrong input named; then recorded.
        let csrf = clerk.csrf.clone();
        let uri = format!("/people/{silent}/life-check");
        let r = clerk
            .post_form(
                &uri,
                &[("_csrf", &csrf), ("checked_on", "2099-01-01"), ("method", "in_person")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("不能晚于今天"), "{b}");
        let r = clerk
            .post_form(&uri, &[("_csrf", &csrf), ("checked_on", "2026-11-20"), ("method", "")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("id=\"err-life-method\""), "{b}");
        let r = clerk
            .post_form(
                &uri,
                &[
                    ("_csrf", &csrf),
                    ("checked_on", "2026-11-20"),
                    ("method", "in_person"),
                    ("note", "到村委会认证"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let person = clerk.get(&format!("/people/{silent}")).await.text();
        assert!(person.contains("2026-11-20（资格认证）"), "{b}");
        assert!(person.contains("暂停（待认证）"), "{b}: the release is in the changes");
        let html = clerk.get("/people/life-checks").await.text();
        assert!(
            !html.contains(&format!("href=\"/people/{silent}\"")),
            "{b}: no longer listed"
        );

        // The county uploads the medical-insurance settlements: the one whose number and name
        // agree is proven; a hostile name under someone's number proves nothing and is escaped.
        let other = person_in(&store, "360733101", "36073319310202042").await;
        let csv = format!(
            "姓名,身份证号,结算日期\n测试老人,{},2026-11-02\n\"<script>=HYPERLINK()\",{},2026-11-03\n",
            id_with_check("36073319310202042"),
            id_with_check("36073319300101021")
        );
        let ccsrf = county.csrf.clone();
        let r = county
            .send(photo_upload(
                "/people/life-checks",
                &ccsrf,
                "医保结算11月.csv",
                csv.as_bytes(),
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains("id=\"sign-report\"") && html.contains("已读取 2 行：1 人"),
            "{b}"
        );
        assert!(
            html.contains("第 3 行") && !html.contains("<script>=HYPERLINK"),
            "{b}: escaped"
        );
        assert!(
            county
                .get(&format!("/people/{other}"))
                .await
                .text()
                .contains("2026-11-02（资格认证）"),
            "{b}"
        );

        // Another township's clerk: the person is not there, as an unknown one is not.
        for id in [other, 99_999_999] {
            let r = clerk
                .post_form(
                    &format!("/people/{id}/life-check"),
                    &[("_csrf", &csrf), ("checked_on", "2026-11-20"), ("method", "in_person")],
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}: {id}");
        }
    }
}
