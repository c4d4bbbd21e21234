//! The dashboard on both databases: the month's values are kept by the job and equal the
//! indicators computed directly and the people list's own counts; running the job again
//! replaces them; the page reads them (tiles, children, trend), a child's dashboard opens,
//! and a division outside the user's scope is answered as an unknown one.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_store::planning::snapshot::PEOPLE_ALIVE;

#[tokio::test]
async fn the_kept_values_equal_the_lists_and_the_page_reads_them() {
    for (b, store, router) in apps(120).await {
        let packs = yiyang_domain::policy::shipped::packs();
        let today = chrono::Local::now().date_naive();
        let month = Month::of(today);
        let last = Month::of(today - chrono::Months::new(1));
        store.snapshot_indicators("360733", last, &packs).await.unwrap();
        let n = store.snapshot_indicators("360733", month, &packs).await.unwrap();
        assert_eq!(
            store.snapshot_indicators("360733", month, &packs).await.unwrap(),
            n,
            "{b}: again, the same"
        );
        let m = month.to_string();
        // Every kept indicator equals the direct computation, for the county and each township.
        let direct = store.indicators("360733", Some(9), today, month, &packs).await.unwrap();
        for l in &direct {
            let kept = store.stored_values(&l.division, &m).await.unwrap();
            let v = kept
                .iter()
                .find(|v| v.indicator == l.indicator)
                .unwrap_or_else(|| panic!("{b}: {} {}", l.division, l.indicator));
            assert_eq!(
                (v.numerator, v.denominator, v.status.as_str()),
                (
                    l.measure.map(|x| x.numerator),
                    l.measure.and_then(|x| x.denominator),
                    l.status.code()
                ),
                "{b}: {} {}",
                l.division,
                l.indicator
            );
        }
        // Living people per township: the people list's own total.
        let towns = store.stored_children("360733", &m, PEOPLE_ALIVE).await.unwrap();
        assert!(towns.len() >= 2, "{b}");
        let mut county = Client::login(&router, "huichang").await;
        for t in towns.iter().take(3) {
            let list = county.get(&format!("/people?division={}&life=alive", t.division)).await;
            let text = list.text();
            assert!(
                text.contains(&format!("共 {} 人", t.numerator.unwrap())),
                "{b}: {}",
                t.division
            );
        }
        assert_eq!(
            store
                .stored_trend("360733", "monthly_visit_rate", 12)
                .await
                .unwrap()
                .len(),
            2,
            "{b}"
        );

        // The page: tiles with targets, the townships, the trend; a township's own dashboard.
        let page = county.get("/dashboard").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let text = page.text();
        assert!(
            text.contains("特殊困难老年人月探访率") && text.contains("目标 100%"),
            "{b}"
        );
        assert!(text.contains("文武坝镇") && text.contains("chart-people"), "{b}");
        let town = county.get("/dashboard?division=360733100").await;
        assert_eq!(town.status, StatusCode::OK, "{b}");
        assert!(town.text().contains("返回上级"), "{b}");
        // Outside the scope, or no such division: the same 404.
        let mut clerk = Client::login(&router, "wenwuba").await;
        assert_eq!(
            clerk.get("/dashboard?division=360733101").await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert_eq!(
            clerk.get("/dashboard?division=360733999").await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert_eq!(
            clerk.get("/dashboard?division=360733100").await.status,
            StatusCode::OK,
            "{b}"
        );
        // ECharts is served by the app.
        let js = county.get("/static/echarts.min.js").await;
        assert_eq!(js.status, StatusCode::OK, "{b}");
        assert!(js.body.len() > 500_000, "{b}");
    }
}
