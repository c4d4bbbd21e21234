//! Every page takes today from the store's clock, not from the system: fixed at a date, the
//! pages, the rules and the demo data all agree on it.

mod common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::*;
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::{Clock, Store};
use yiyang_web::AppState;

#[tokio::test]
async fn a_fixed_clock_sets_the_month_a_run_defaults_to_and_may_be_run_for() {
    let day = NaiveDate::from_ymd_opt(2031, 3, 15).unwrap();
    for (b, url) in fresh_database_urls().await {
        let store = Store::connect(&url).await.unwrap().with_clock(Clock::on(day));
        store.load_demo(3, &actor()).await.unwrap();
        let router = yiyang_web::router(AppState::new(store.clone()));
        let mut c = Client::login(&router, "huichang").await;
        let page = c.get("/benefits").await.text();
        assert!(
            page.contains("value=\"2031-03\""),
            "{b}: the form offers the clock's month"
        );
        // 2031-03 has begun by this clock, 2031-04 has not.
        let csrf = c.csrf.clone();
        let r = c
            .post_form("/benefits", &[("_csrf", &csrf), ("month", "2031-04"), ("pack", "")])
            .await;
        assert!(r.status.is_client_error(), "{b}: {}", r.status);
        let r = c
            .post_form("/benefits", &[("_csrf", &csrf), ("month", "2031-03"), ("pack", "")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // A new order's form proposes the clock's tomorrow.
        let mut family = Client::login(&router, "13907970001").await;
        let home = family.get("/family").await.text();
        let parent = home
            .split("/family/order/")
            .nth(1)
            .and_then(|s| s.split(['/', '"']).next())
            .expect("a linked parent")
            .to_string();
        let form = family.get(&format!("/family/order/{parent}")).await;
        assert_eq!(form.status, StatusCode::OK, "{b}");
        assert!(form.text().contains("2031-03-16"), "{b}: tomorrow by the clock");
    }
    // The system clock refuses the same month (it has not begun).
    for (b, _store, router) in apps(3).await {
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        let r = c
            .post_form("/benefits", &[("_csrf", &csrf), ("month", "2031-03"), ("pack", "")])
            .await;
        assert!(r.status.is_client_error(), "{b}: {}", r.status);
    }
}
