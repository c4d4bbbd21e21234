//! The indicators page: the division's indicators with numerator, denominator, target and
//! status, and one row per child division; for the roles that may see them only.

mod common;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn the_county_sees_its_indicators_against_targets_and_by_township() {
    for (b, _store, router) in apps(10).await {
        let mut c = Client::login(&router, "huichang").await;
        let page = c.get("/indicators").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let text = page.text();
        for needle in [
            "养老机构护理型床位占比",
            "60%（2025年",
            "已达标",
            "无数据",
            "文武坝镇",
            "id=\"indicators-by-child\"",
        ] {
            assert!(text.contains(needle), "{b}: {needle} missing");
        }
        let past = c.get("/indicators?as_of=2000-01-01").await.text();
        assert!(past.contains("value=\"2000-01-01\""), "{b}");
        let mut fuwu = Client::login(&router, "fuwu").await;
        assert_eq!(fuwu.get("/indicators").await.status, StatusCode::FORBIDDEN, "{b}");
        let mut wenwuba = Client::login(&router, "wenwuba").await;
        let town = wenwuba.get("/indicators").await.text();
        assert!(
            !town.contains("筠门岭镇"),
            "{b}: another township's row on a township's page"
        );
    }
}
