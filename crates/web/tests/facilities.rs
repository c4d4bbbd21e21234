//! Rural mutual-aid sites and other facilities: the register, the subsidies each is due under
//! 会府发〔2021〕7号 第九条 with the reasons for those it is not, granting each period once, and
//! who may do what.

mod common;

use axum::http::StatusCode;
use chrono::Datelike;
use common::*;

async fn facility(store: &yiyang_store::Store, code: &str) -> i64 {
    store
        .facilities_in("360733")
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.code == code)
        .unwrap()
        .id
}

#[tokio::test]
async fn a_mutual_aid_site_is_granted_what_it_is_due_once_per_period() {
    for (b, store, router) in apps(10).await {
        let mut c = Client::login(&router, "huichang").await;
        let list = c.get("/facilities").await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        assert!(list.text().contains("门岭村互助养老服务站"), "{b}");

        // Opened four years and two months ago, a demonstration site: the build subsidy, the
        // demo award, and 20,000 yuan for each year from the one in which it completed a year.
        let today = chrono::Local::now().date_naive();
        let site = facility(&store, "SS3607331012001").await;
        let opened = store
            .facility_in_scope(site, "360733")
            .await
            .unwrap()
            .unwrap()
            .opened_on
            .unwrap();
        let years = (today.year() - (opened.year() + 1) + 1) as i64;
        let p = store
            .facility_preview(site, &yiyang_domain::policy::shipped::packs_with_demo_figures(), today)
            .await
            .unwrap();
        assert_eq!(
            p.due_fen(),
            3_000_000 + 3_000_000 + years * 2_000_000,
            "{b}: {:?}",
            p.due
        );
        let page = c.get(&format!("/facilities/{site}")).await.text();
        assert!(
            page.contains("会府发〔2021〕7号 第九条") && page.contains("id=\"grant-form\""),
            "{b}"
        );
        let csrf = c.csrf.clone();
        let url = format!("/facilities/{site}/subsidies");
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = c.get(&format!("/facilities/{site}")).await.text();
        assert!(page.contains("id=\"nothing-due\""), "{b}");
        assert_eq!(
            store
                .facility_in_scope(site, "360733")
                .await
                .unwrap()
                .unwrap()
                .granted_fen,
            p.due_fen(),
            "{b}"
        );
        // Granting again pays nothing.
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");

        // A site opened this year: only the build subsidy, and the page says when operation
        // subsidies start; a suspended site gets no operation subsidy.
        let new = facility(&store, "SS3607331022001").await;
        let page = c.get(&format!("/facilities/{new}")).await.text();
        assert!(page.contains("一次性建设补助") && page.contains("运营满 1 年后"), "{b}");
        let suspended = facility(&store, "SS3607331022002").await;
        let p = store
            .facility_preview(
                suspended,
                &yiyang_domain::policy::shipped::packs_with_demo_figures(),
                today,
            )
            .await
            .unwrap();
        assert!(p.due.iter().all(|d| d.subsidy != "operate"), "{b}");
        assert!(p.why_not.iter().any(|(_, r)| r == "未在正常运营"), "{b}");

        // Registering: errors name the field; a good entry lands on its page.
        let bad = c
            .post_form(
                "/facilities",
                &[
                    ("_csrf", &csrf),
                    ("name", "外县站"),
                    ("code", "SS1"),
                    ("kind", "mutual_aid"),
                    ("division", "360702"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(bad.text().contains("data-field=\"division\""), "{b}");
        let r = c
            .post_form(
                "/facilities",
                &[
                    ("_csrf", &csrf),
                    ("name", "湖塅村互助养老服务站"),
                    ("code", "SS3607331012099"),
                    ("kind", "mutual_aid"),
                    ("division", "360733101"),
                    ("opened_on", "2025-01-15"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());

        // Providers and inspectors may look; only the benefit clerk grants; institution staff
        // have no access; a township clerk sees only their township.
        let mut provider = Client::login(&router, "fuwu").await;
        assert_eq!(
            provider.get(&format!("/facilities/{new}")).await.status,
            StatusCode::OK,
            "{b}"
        );
        let pc = provider.csrf.clone();
        assert_eq!(
            provider
                .post_form(&format!("/facilities/{new}/subsidies"), &[("_csrf", &pc)])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let mut staff = Client::login(&router, "jigou").await;
        assert_eq!(staff.get("/facilities").await.status, StatusCode::FORBIDDEN, "{b}");
        let mut town = Client::login(&router, "wenwuba").await;
        assert_eq!(
            town.get(&format!("/facilities/{site}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        // Every grant is audited.
        let audit = store
            .audit_entries(Some(("facility", &site.to_string())), 10, 0)
            .await
            .unwrap();
        assert!(audit.iter().any(|a| a.action == "grant_subsidies"), "{b}");
    }
}
