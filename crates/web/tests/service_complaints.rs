//! A complaint about a home service reaches supervision (issue 15): a family complains on one
//! of its orders, the complaint lands on the county's list naming the provider and the order,
//! the county answers it, the family reads the answer on the order, and the provider's page
//! counts it — through the real router, on both backends.

mod common;

use axum::http::StatusCode;
use common::*;

fn order_ids(html: &str) -> Vec<i64> {
    let mut out: Vec<i64> = html
        .split("/services/orders/")
        .skip(1)
        .filter_map(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[tokio::test]
async fn a_familys_complaint_on_an_order_reaches_the_county_and_comes_back_answered() {
    for (b, store, router) in apps(5).await {
        // The demo: the family already complained about a missed bath.
        let mut clerk = Client::login(&router, "huichang").await;
        let list = clerk.get("/supervision/complaints").await.text();
        assert!(
            list.contains("会昌县颐康居家养老服务中心") && list.contains("服务订单"),
            "{b}"
        );

        let mut f = Client::login(&router, "13907970001").await;
        let home = f.get("/family").await.text();
        let mut target = None;
        for id in order_ids(&home) {
            let page = f.get(&format!("/services/orders/{id}")).await.text();
            if page.contains("id=\"complain-form\"") {
                target = Some(id);
                break;
            }
        }
        let id = target.unwrap_or_else(|| panic!("{b}: an order the family may complain about"));
        let url = format!("/services/orders/{id}/close/complain");
        let csrf = f.csrf.clone();
        // Too short: the field is named, in Chinese.
        let r = f
            .post_form(&url, &[("_csrf", &csrf), ("category", "service"), ("content", "差")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("data-field=\"content\"") && r.text().contains("至少 5 个字"),
            "{b}"
        );
        let r = f
            .post_form(
                &url,
                &[
                    ("_csrf", &csrf),
                    ("category", "fees"),
                    ("content", "服务结束后护理员另外收了二十元上门费"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = f.get(&format!("/services/orders/{id}")).await.text();
        assert!(page.contains("投诉已受理，受理号") && page.contains("已受理"), "{b}");
        assert!(
            !page.contains("id=\"complain-form\""),
            "{b}: one open complaint per order"
        );
        let r = f
            .post_form(
                &url,
                &[
                    ("_csrf", &csrf),
                    ("category", "fees"),
                    ("content", "再投诉一次同样的事情"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");

        // On the county's list, with the provider and the order; the clerk upholds it.
        let complaints = store
            .complaints_visible(
                "360733",
                &yiyang_store::supervision::Viewer::Division,
                chrono::Local::now().date_naive(),
            )
            .await
            .unwrap();
        let c = complaints.iter().find(|c| c.order_id == Some(id)).expect("on the list");
        assert_eq!(c.provider_name.as_deref(), Some("会昌县颐康居家养老服务中心"), "{b}");
        assert_eq!(
            (c.division.as_str(), c.phone.as_deref()),
            ("360733", Some("13907970001")),
            "{b}"
        );
        let ccsrf = clerk.csrf.clone();
        let r = clerk
            .post_form(
                &format!("/supervision/complaints/{}/answer", c.id),
                &[
                    ("_csrf", &ccsrf),
                    ("finding", "upheld"),
                    ("reply", "经核实，已责令服务商退还二十元并通报批评"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = f.get(&format!("/services/orders/{id}")).await.text();
        assert!(
            page.contains("已责令服务商退还二十元") && page.contains("评价这次答复"),
            "{b}"
        );
        assert!(
            page.contains("id=\"complain-form\""),
            "{b}: answered, a new complaint may follow"
        );

        // The provider's page counts it; its staff never see the county's complaint list.
        let provider = c.provider_id.unwrap();
        let p = clerk.get(&format!("/services/providers/{provider}")).await.text();
        assert!(p.contains("送民政部门 2 件，查实（含部分查实）1 件"), "{b}");
        // Satisfaction per provider on the list: orders, ratings, low ratings, complaints.
        let list = clerk.get("/services/providers").await.text();
        assert!(list.contains("2（1）") && list.contains("个评价"), "{b}");
        let mut w = Client::login(&router, "fuwu").await;
        assert_eq!(
            w.get("/supervision/complaints").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // The provider's staff read the complaints about its services on its own page — what
        // was complained of, the order, the county's finding and reply — but never who
        // complained or their phone.
        let own = w.get(&format!("/services/providers/{provider}")).await;
        assert_eq!(own.status, StatusCode::OK, "{b}");
        let own = own.text();
        let table = own.split("id=\"complaints\"").nth(1).expect("a complaints table");
        assert!(
            table.contains("已责令服务商退还二十元") && table.contains(&format!("服务订单 {id}")),
            "{b}"
        );
        assert!(
            !own.contains("13907970001") && !own.contains("刘建华"),
            "{b}: no complainant"
        );
    }
}
