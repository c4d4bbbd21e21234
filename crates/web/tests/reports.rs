//! A division's report (月报、年报) on both databases: the page and the workbook say the same
//! kept numbers, a bad period is refused with its reason, a division outside the scope is
//! answered as an unknown one, and the open-data CSV publishes the indicators (not the counts
//! by category) to anyone.

mod common;

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Reader, Xlsx};
use common::*;
use yiyang_domain::dates::Month;
use yiyang_store::planning::snapshot::PEOPLE_ALIVE;

#[tokio::test]
async fn the_report_page_and_workbook_read_the_kept_values() {
    for (b, store, router) in apps(120).await {
        let packs = yiyang_domain::policy::shipped::packs();
        let month = Month::of(chrono::Local::now().date_naive());
        let m = month.to_string();
        store.snapshot_indicators("360733", month, &packs).await.unwrap();
        let kept = store.stored_values("360733", &m).await.unwrap();
        let alive = kept
            .iter()
            .find(|v| v.indicator == PEOPLE_ALIVE)
            .unwrap()
            .numerator
            .unwrap();
        let visit = kept.iter().find(|v| v.indicator == "monthly_visit_rate").unwrap();

        let mut county = Client::login(&router, "huichang").await;
        let page = county.get(&format!("/reports?period={m}")).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let text = page.text();
        assert!(text.contains(&format!("{}年{}月 月报", month.year, month.month)), "{b}");
        assert!(text.contains(&format!("<td>在世老年人</td><td>{alive}</td>")), "{b}");
        assert!(
            text.contains(&format!("<td>{}</td><td>{}</td>", visit.name(), visit.value_text())),
            "{b}"
        );
        assert!(text.contains("五、下级区划") && text.contains("文武坝镇"), "{b}");
        let year = county.get(&format!("/reports?period={}", month.year)).await;
        assert_eq!(year.status, StatusCode::OK, "{b}");
        assert!(year.text().contains(&format!("{}年 年报", month.year)), "{b}");
        // A bad period: refused with the reason, nothing computed.
        let bad = county.get("/reports?period=2026-13").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(bad.text().contains("月报写 2026-11"), "{b}");
        assert_eq!(
            county.get("/reports/export.xlsx?period=2026-13").await.status,
            StatusCode::BAD_REQUEST,
            "{b}"
        );

        // The workbook: a sheet per section, the same numbers.
        let x = county.get(&format!("/reports/export.xlsx?period={m}")).await;
        assert_eq!(x.status, StatusCode::OK, "{b}");
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(x.body.clone())).unwrap();
        let names = wb.sheet_names().to_vec();
        assert!(
            names.iter().any(|n| n == "指标与目标") && names.iter().any(|n| n == "下级区划"),
            "{b}: {names:?}"
        );
        let people = wb.worksheet_range("老年人").unwrap();
        let cell = |r: u32, c: u32| people.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(
            (cell(3, 0), cell(3, 1)),
            ("在世老年人".to_string(), alive.to_string()),
            "{b}"
        );

        // Outside the scope, or unknown: the same 404, for the page and the workbook.
        let mut town = Client::login(&router, "wenwuba").await;
        for path in [
            "/reports?division=360733101",
            "/reports?division=360733999",
            "/reports/export.xlsx?division=360733101",
        ] {
            assert_eq!(town.get(path).await.status, StatusCode::NOT_FOUND, "{b}: {path}");
        }
        assert_eq!(town.get("/reports").await.status, StatusCode::OK, "{b}");

        // Open data: anyone, the indicators of every kept division, no counts by category.
        let mut anyone = Client::new(&router);
        let csv = anyone.get(&format!("/gongkai/indicators.csv?month={m}")).await;
        assert_eq!(csv.status, StatusCode::OK, "{b}");
        let text = csv.text();
        let rows: Vec<&str> = text.lines().collect();
        assert!(
            rows[0].starts_with("month,division_code,division_name,indicator"),
            "{b}"
        );
        let spec = kept.iter().filter(|v| v.is_indicator()).count();
        let county_rows = rows.iter().filter(|r| r.contains(",360733,")).count();
        assert_eq!(county_rows, spec, "{b}");
        assert!(!text.contains("category:") && !text.contains(PEOPLE_ALIVE), "{b}");
        assert_eq!(
            anyone.get("/gongkai/indicators.csv?month=2026-13").await.status,
            StatusCode::BAD_REQUEST,
            "{b}"
        );
    }
}
