//! Settlement of purchased home services through the real router, on both databases: a
//! month's settlement pays only complete records, through three people, once; respite days are
//! paid within the year's allowance.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::services::*;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_domain::services::order::{Channel, ConfirmedBy};
use yiyang_store::services::orders::OrderInput;
use yiyang_store::services::DEMO_PROVIDER;

#[tokio::test]
async fn settlement_pays_complete_records_only_through_three_people_and_once() {
    for (b, store, router) in apps(10).await {
        let person = covered_person(&store, "36073319470101002").await;
        let clean = service_id(&store, person, "clean").await;
        // The month before last (the demo has settled last month).
        let last = Month::of(chrono::Local::now().date_naive()).prev().prev();
        let provider = store.provider_by_code(DEMO_PROVIDER).await.unwrap().unwrap();
        let who = |n: &str| yiyang_store::audit::Actor {
            name: n.into(),
            ..actor()
        };
        let mut ids = Vec::new();
        for (day, outcome) in [(3u64, "complete"), (10, "far"), (17, "missed")] {
            let date = last.first_day() + chrono::Days::new(day);
            let start = date
                .and_hms_opt(9, 0, 0)
                .unwrap()
                .and_local_timezone(chrono::Local)
                .unwrap()
                .with_timezone(&Utc);
            let input = OrderInput {
                service_id: clean.clone(),
                units: "1".into(),
                date: date.to_string(),
                time: "09:00".into(),
                ..OrderInput::default()
            };
            let at = start - Duration::days(1);
            let id = store
                .place_order(person, &input, Channel::Family, &who("x"), at)
                .await
                .unwrap();
            store
                .accept_order(&order(&store, id).await, &who("fuwu"), at)
                .await
                .unwrap();
            store
                .assign_order(&order(&store, id).await, "hugong", DEMO_PROVIDER, &who("fuwu"), at)
                .await
                .unwrap();
            if outcome != "missed" {
                let lat = if outcome == "far" { "25.6200" } else { "25.6007" };
                store
                    .check_in(&order(&store, id).await, lat, "115.7869", &who("hugong"), start)
                    .await
                    .unwrap();
                store
                    .check_out(
                        &order(&store, id).await,
                        "25.6007",
                        "115.7869",
                        "打扫",
                        &who("hugong"),
                        start + Duration::minutes(62),
                    )
                    .await
                    .unwrap();
                store
                    .confirm_order(
                        &order(&store, id).await,
                        ConfirmedBy::Family,
                        Some(5),
                        "",
                        &who("x"),
                        start + Duration::hours(2),
                    )
                    .await
                    .unwrap();
            }
            ids.push(id);
        }
        // 经办
        let mut clerk = Client::login(&router, "huichang").await;
        clerk.get("/services/settlement").await;
        let csrf = clerk.csrf.clone();
        let month = last.to_string();
        let r = clerk
            .post_form(
                "/services/settlement",
                &[
                    ("_csrf", &csrf),
                    ("provider", &provider.id.to_string()),
                    ("month", &month),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let at = r.location();
        let sid = order_id(&at);
        let page = clerk.get(&at).await.text();
        assert!(
            page.contains("签到位置超出允许范围") && page.contains("未签到；未签退；未经老人或家属确认"),
            "{b}: {page}"
        );
        let s = store.statement_in(sid, "360733").await.unwrap().unwrap();
        let lines = store.statement_lines(&s, "360733").await.unwrap();
        let paid: Vec<i64> = lines.iter().filter(|l| l.payable).map(|l| l.order.id).collect();
        assert_eq!(paid, [ids[0]], "{b}: no record, no pay");
        assert_eq!(s.payable_fen, 3500, "{b}");
        // Not yet approved: no payment file. The preparer cannot review.
        assert_eq!(
            clerk.get(&format!("{at}/payment.xlsx")).await.status,
            StatusCode::CONFLICT,
            "{b}"
        );
        let r = clerk.post_form(&format!("{at}/review"), &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        // 审核, then it cannot be prepared again; 审批 by a third person.
        let mut reviewer = Client::login(&router, "shenhe").await;
        reviewer.get(&at).await;
        let csrf2 = reviewer.csrf.clone();
        assert_eq!(
            reviewer
                .post_form(&format!("{at}/approve"), &[("_csrf", &csrf2)])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            reviewer
                .post_form(&format!("{at}/review"), &[("_csrf", &csrf2)])
                .await
                .status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let r = clerk
            .post_form(
                "/services/settlement",
                &[
                    ("_csrf", &csrf),
                    ("provider", &provider.id.to_string()),
                    ("month", &month),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "{b}: a reviewed statement is not prepared again"
        );
        let mut approver = Client::login(&router, "shenpi").await;
        approver.get(&at).await;
        let csrf3 = approver.csrf.clone();
        assert_eq!(
            approver
                .post_form(&format!("{at}/approve"), &[("_csrf", &csrf3)])
                .await
                .status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let file = approver.get(&format!("{at}/payment.xlsx")).await;
        assert_eq!(file.status, StatusCode::OK, "{b}");
        assert!(file.body.starts_with(b"PK"), "{b}: an .xlsx");
        // This month cannot be settled yet.
        let this = Month::of(chrono::Local::now().date_naive()).to_string();
        let r = clerk
            .post_form(
                "/services/settlement",
                &[
                    ("_csrf", &csrf),
                    ("provider", &provider.id.to_string()),
                    ("month", &this),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
    }
}

#[tokio::test]
async fn respite_days_are_paid_within_the_year_s_allowance_for_a_disabled_person() {
    for (b, store, _router) in apps(10).await {
        let today = chrono::Local::now().date_naive();
        let disabled = covered_person(&store, "36073319480101009").await;
        store
            .record_assessment(
                disabled,
                "GB/T 42195-2022",
                3,
                today - chrono::Days::new(10),
                today + chrono::Days::new(300),
            )
            .await
            .unwrap();
        let able = covered_person(&store, "36073319480101017").await;
        store
            .record_assessment(
                able,
                "GB/T 42195-2022",
                1,
                today - chrono::Days::new(10),
                today + chrono::Days::new(300),
            )
            .await
            .unwrap();
        let respite = service_id(&store, disabled, "respite").await;
        assert!(
            store
                .services_for_person(disabled)
                .await
                .unwrap()
                .iter()
                .any(|(c, _, covered)| c.kind == "respite" && *covered),
            "{b}: offered as bought"
        );
        // Early in a month and a year, so that both orders fall in the same year.
        let start = Utc::now() + Duration::days(2);
        let input = OrderInput {
            service_id: respite.clone(),
            units: "8".into(),
            date: start.with_timezone(&chrono::Local).format("%Y-%m-%d").to_string(),
            time: "08:00".into(),
            ..OrderInput::default()
        };
        let first = store
            .place_order(disabled, &input, Channel::Clerk, &actor(), Utc::now())
            .await
            .unwrap();
        let second = store
            .place_order(disabled, &input, Channel::Clerk, &actor(), Utc::now())
            .await
            .unwrap();
        // The demo county buys 10 days a year (演示数据): 8, then the 2 left.
        assert_eq!(order(&store, first).await.gov_units, 8, "{b}");
        let o = order(&store, second).await;
        assert_eq!((o.gov_units, o.gov_fen, o.family_fen), (2, 30000, 90000), "{b}");
        // Not disabled: respite is not bought for them.
        let none = store
            .place_order(able, &input, Channel::Clerk, &actor(), Utc::now())
            .await
            .unwrap();
        assert_eq!(order(&store, none).await.gov_fen, 0, "{b}");
    }
}
