//! The dashboard on both databases: the month's values are kept by the job and equal the
//! indicators computed directly and the people list's own counts; running the job again
//! replaces them; the page reads them (tiles, children, trend), a child's dashboard opens,
//! and a division outside the user's scope is answered as an unknown one. Living people by
//! category equal the filtered lists; money is an approved run's total, by its county; the home
//! page reads the same kept numbers.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_store::planning::snapshot::{PAID_FEN, PEOPLE_ALIVE};

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

        // Living people by category: the filtered list's own total, for the county and a township.
        let r = store.reference();
        for d in ["360733", towns[0].division.as_str()] {
            let kept = store.stored_values(d, &m).await.unwrap();
            let cats: Vec<_> = kept.iter().filter(|v| v.category().is_some()).collect();
            assert!(cats.len() >= 3, "{b}: {d}");
            for v in cats.iter().take(4) {
                let c = v.category().unwrap();
                assert!(r.catalogue.categories.iter().any(|k| k.code == c), "{b}: {c}");
                let list = county
                    .get(&format!("/people?division={d}&category={c}&life=alive"))
                    .await;
                assert!(
                    list.text().contains(&format!("共 {} 人", v.numerator.unwrap())),
                    "{b}: {d} {c}"
                );
            }
        }

        // Living people by the level of their valid assessment: every level's count is the
        // filtered list's own total, and the levels add up to everyone living.
        for d in ["360733", towns[0].division.as_str()] {
            let kept = store.stored_values(d, &m).await.unwrap();
            let alive = kept
                .iter()
                .find(|v| v.indicator == PEOPLE_ALIVE)
                .unwrap()
                .numerator
                .unwrap();
            let levels: Vec<_> = kept.iter().filter(|v| v.level().is_some()).collect();
            assert!(levels.len() >= 2, "{b}: {d}: {levels:?}");
            assert_eq!(
                levels.iter().map(|v| v.numerator.unwrap()).sum::<i64>(),
                alive,
                "{b}: {d}"
            );
            for v in &levels {
                let l = v.level().unwrap();
                let list = county.get(&format!("/people?division={d}&level={l}&life=alive")).await;
                assert!(
                    list.text().contains(&format!("共 {} 人", v.numerator.unwrap())),
                    "{b}: {d} level {l}"
                );
            }
        }
        let page = county
            .get(&format!("/dashboard?division=360733&month={m}"))
            .await
            .text();
        assert!(page.contains("id=\"chart-levels\""), "{b}");

        // Money: nothing before a run is approved; then the approved run's total, by its county.
        let kept = store.stored_values("360733", &last.to_string()).await.unwrap();
        assert!(
            !kept.iter().any(|v| v.indicator == PAID_FEN),
            "{b}: no approved run yet"
        );
        let mut clerk = Client::api(&router, "huichang").await;
        let run = clerk.run_to_draft(&last.to_string()).await;
        let id = run["id"].as_i64().unwrap();
        let total = run["total_fen"].as_i64().unwrap();
        assert!(total > 0, "{b}");
        let mut reviewer = Client::api(&router, "shenhe").await;
        let r = reviewer
            .send_json(
                "POST",
                &format!("/api/v1/benefit-runs/{id}/review"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        store.snapshot_indicators("360733", last, &packs).await.unwrap();
        let kept = store.stored_values("360733", &last.to_string()).await.unwrap();
        assert!(
            !kept.iter().any(|v| v.indicator == PAID_FEN),
            "{b}: a reviewed run is not paid yet"
        );
        let mut approver = Client::api(&router, "shenpi").await;
        let r = approver
            .send_json(
                "POST",
                &format!("/api/v1/benefit-runs/{id}/approve"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        store.snapshot_indicators("360733", last, &packs).await.unwrap();
        let kept = store.stored_values("360733", &last.to_string()).await.unwrap();
        let paid = kept.iter().find(|v| v.indicator == PAID_FEN).expect("money kept");
        assert_eq!(paid.numerator, Some(total), "{b}");
        let money = county
            .get(&format!("/dashboard?month={last}&indicator=paid_fen"))
            .await
            .text();
        assert!(money.contains(&yiyang_domain::Fen(total).to_string()), "{b}");
        assert!(money.contains("近十二个月发放金额"), "{b}");
        // The home page reads the same kept numbers.
        let home = county.get("/").await.text();
        let alive = store.stored_values("360733", &m).await.unwrap();
        let alive = alive
            .iter()
            .find(|v| v.indicator == PEOPLE_ALIVE)
            .unwrap()
            .numerator
            .unwrap();
        assert!(
            home.contains(&format!("<span class=\"num\">{alive}</span><span>在世老年人</span>")),
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

#[tokio::test]
async fn a_clerk_s_update_during_the_hourly_job_does_not_fail() {
    for (b, store, _router) in apps(60).await {
        let packs = yiyang_domain::policy::shipped::packs();
        let month = Month::of(chrono::Local::now().date_naive());
        for _ in 0..3 {
            let (whole, town) = tokio::join!(
                store.snapshot_indicators("", month, &packs),
                store.snapshot_indicators("360733100", month, &packs)
            );
            assert!(whole.is_ok() && town.is_ok(), "{b}: {whole:?} {town:?}");
        }
        let kept = store.stored_values("360733100", &month.to_string()).await.unwrap();
        let alive = kept.iter().find(|v| v.indicator == PEOPLE_ALIVE).unwrap();
        let direct = store
            .living_by_division("360733100", month.last_day().min(chrono::Local::now().date_naive()))
            .await
            .unwrap();
        assert_eq!(alive.numerator, direct.alive.get("360733100").copied(), "{b}");
    }
}
