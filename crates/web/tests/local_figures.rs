//! 本地标准 through the pages: a county clerk sets a figure its superior's document leaves
//! open, a reviewer and an approver pass it, and the 政策包 page shows it with its document;
//! figures the documents set carry their words. Both backends.

mod common;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn a_county_sets_an_open_figure_in_three_hands_and_the_pack_page_shows_words_and_figures() {
    for (b, _store, router) in apps(5).await {
        // The pack page: the document's own words under a figure it sets, 待定 where it sets
        // none, the demo's stand-ins marked as such.
        let mut clerk = Client::login(&router, "huichang").await;
        let html = clerk.get("/policy/huichang-2021?month=2026-06").await.text();
        for needle in [
            "分别对失能、部分失能、自理老年人每人每月200元、100元、40元标准给予运营补贴",
            "为经济困难的老年人提供养老服务补贴",
            "待定",
            "演示数据",
            "文件授权地方确定",
        ] {
            assert!(html.contains(needle), "{b}: {needle} missing");
        }
        let page = clerk.get("/local-figures").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            page.text().contains("一次性入职补贴金额"),
            "{b}: an open figure to pick"
        );
        // A figure the document sets is not on offer and is refused if posted.
        assert!(!page.text().contains("huichang-2021|yunying_disabled"), "{b}");
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form(
                "/local-figures",
                &[
                    ("_csrf", &csrf),
                    ("param", "huichang-2021|yunying_disabled"),
                    ("value", "300"),
                    ("from", "2026-01-01"),
                    ("document", "会民字〔2026〕1号"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = clerk
            .post_form(
                "/local-figures",
                &[
                    ("_csrf", &csrf),
                    ("param", "huichang-2021|ruzhi_award"),
                    ("value", "3000"),
                    ("from", "2026-01-01"),
                    ("document", "会民字〔2026〕1号 会昌县养老服务人才入职补贴办法"),
                ],
            )
            .await;
        assert!(r.status.is_redirection(), "{b}: {}", r.status);
        let html = clerk.get("/local-figures").await.text();
        assert!(html.contains("会民字〔2026〕1号") && html.contains("待审核"), "{b}");
        // The clerk has no review button for their own figure; the reviewer has.
        assert!(!html.contains("审核通过"), "{b}");
        let mut reviewer = Client::login(&router, "shenhe").await;
        let html = reviewer.get("/local-figures").await.text();
        let id = html
            .split("action=\"/local-figures/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap()
            .to_string();
        let rc = reviewer.csrf.clone();
        let r = reviewer
            .post_form(&format!("/local-figures/{id}/review"), &[("_csrf", &rc)])
            .await;
        assert!(r.status.is_redirection(), "{b}: {}", r.status);
        // The reviewer's role may not approve.
        let r = reviewer
            .post_form(&format!("/local-figures/{id}/approve"), &[("_csrf", &rc)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let mut approver = Client::login(&router, "shenpi").await;
        approver.get("/local-figures").await;
        let ac = approver.csrf.clone();
        let r = approver
            .post_form(&format!("/local-figures/{id}/approve"), &[("_csrf", &ac)])
            .await;
        assert!(r.status.is_redirection(), "{b}: {}", r.status);
        // In force: the pack page shows the amount and the local document.
        let html = clerk.get("/policy/huichang-2021?month=2026-06").await.text();
        assert!(html.contains("¥3,000.00") || html.contains("3000"), "{b}");
        assert!(html.contains("会昌县养老服务人才入职补贴办法"), "{b}");
        // Targets and standards come from the pack in force, with their years and words.
        let html = clerk.get("/institutions").await.text();
        let nursing = html
            .split("id=\"nursing-pct\">")
            .nth(1)
            .unwrap()
            .split("</dd>")
            .next()
            .unwrap();
        assert!(
            nursing.contains("≥ 60%（2025年）") && nursing.contains("会府发〔2021〕7号"),
            "{b}: {nursing}"
        );
        let occupancy = html
            .split("id=\"public-occupancy\">")
            .nth(1)
            .unwrap()
            .split("</dd>")
            .next()
            .unwrap();
        assert!(
            occupancy.contains("赣府厅发〔2022〕3号"),
            "{b}: the province's, the county sets none: {occupancy}"
        );
        let html = clerk.get("/policy/jiangxi-2022").await.text();
        for needle in [
            "约束性",
            "每百户不少于20平方米",
            "不超过500张、300张、150张",
            "手工填报",
            "公办养老机构入住轮候",
            "<li>经济困难的失能失智老年人、经济困难的高龄老年人、经济困难的计划生育特殊家庭老年人、经济困难的作出特殊贡献的老年人</li>",
        ] {
            assert!(
                html.contains(needle),
                "{b}: {needle} missing from the province's pack page"
            );
        }
        // A township clerk sees the county's figures but may not prepare one.
        let mut town = Client::login(&router, "wenwuba").await;
        let page = town.get("/local-figures").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            !page.text().contains("会民字〔2026〕1号"),
            "{b}: outside the township's scope"
        );
    }
}
