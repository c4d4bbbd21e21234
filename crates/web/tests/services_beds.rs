//! Family care beds through the real router, on both databases: a bed needs a valid capability
//! assessment; its care plan places each visit once however often it is scheduled; it counts
//! in `beds_total` while in service; ending it cancels the visits not yet served.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_domain::planning::indicators::Measure;
use yiyang_store::services::DEMO_PROVIDER;
use yiyang_store::Store;

async fn beds_total(store: &Store) -> i64 {
    let today = chrono::Local::now().date_naive();
    let lines = store
        .indicators("360733100", None, today, Month::of(today), &[])
        .await
        .unwrap();
    lines
        .iter()
        .find(|l| l.indicator == "beds_total" && l.division == "360733100")
        .unwrap()
        .measure
        .unwrap()
        .numerator
}

#[tokio::test]
async fn a_family_bed_is_planned_once_counted_and_ended() {
    for (b, store, router) in apps(10).await {
        let assessed = person_in(&store, "360733100", "36073319400505002").await;
        let today = chrono::Local::now().date_naive();
        store
            .record_assessment(
                assessed,
                "GB/T 42195-2022",
                3,
                today - chrono::Days::new(30),
                today + chrono::Days::new(335),
            )
            .await
            .unwrap();
        person_in(&store, "360733100", "36073319400505010").await;
        let before = beds_total(&store).await;

        let mut p = Client::login(&router, "fuwu").await;
        assert_eq!(p.get("/services/beds").await.status, StatusCode::OK, "{b}");
        let csrf = p.csrf.clone();
        let signed = (today - chrono::Days::new(1)).to_string();
        let open = |number: String| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("id_number".into(), number),
                ("contract_no".into(), "HT-1".into()),
                ("signed_on".into(), signed.clone()),
                ("adaptation".into(), "grab_bars".into()),
                ("device".into(), "alarm".into()),
            ]
        };
        let pairs = open(id_with_check("36073319400505010"));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = p.post_form("/services/beds", &pairs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("没有有效的能力评估"), "{b}");
        let pairs = open(id_with_check("36073319400505002"));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = p.post_form("/services/beds", &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let at = r.location();
        let bed: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(beds_total(&store).await, before + 1, "{b}: the bed counts");
        p.get("/services/beds").await;
        let csrf = p.csrf.clone();
        let again = open(id_with_check("36073319400505002"));
        let again: Vec<(&str, &str)> = again.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            p.post_form("/services/beds", &again).await.status,
            StatusCode::CONFLICT,
            "{b}: one bed per person"
        );

        // The plan: home nursing every day at 23:59 (so that today's visit is still ahead).
        let page = p.get(&at).await.text();
        assert!(page.contains("卫生间、床边扶手") && page.contains("一键呼叫器"), "{b}");
        let provider = store.provider_by_code(DEMO_PROVIDER).await.unwrap().unwrap();
        let nursing = store
            .catalogue(provider.id)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.kind == "nursing")
            .unwrap()
            .id
            .to_string();
        let r = p
            .post_form(
                &format!("{at}/plan"),
                &[
                    ("_csrf", &csrf),
                    ("service_id", &nursing),
                    ("units", "1"),
                    ("weekdays", "9"),
                    ("at_time", "10:00"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = p
            .post_form(
                &format!("{at}/plan"),
                &[
                    ("_csrf", &csrf),
                    ("service_id", &nursing),
                    ("units", "1"),
                    ("weekdays", "1,2,3,4,5,6,7"),
                    ("at_time", "10:00"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = p.post_form(&format!("{at}/schedule"), &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let placed = store.family_bed_orders(bed).await.unwrap().len();
        assert!((13..=14).contains(&placed), "{b}: two weeks of daily visits: {placed}");
        p.post_form(&format!("{at}/schedule"), &[("_csrf", &csrf)]).await;
        assert_eq!(
            store.family_bed_orders(bed).await.unwrap().len(),
            placed,
            "{b}: nothing placed twice"
        );
        assert!(
            store
                .family_bed_orders(bed)
                .await
                .unwrap()
                .iter()
                .all(|o| o.status == "accepted" && o.channel == "plan"),
            "{b}"
        );

        // Others: a family account has no business here; an unknown bed is unknown.
        let mut f = Client::login(&router, yiyang_store::services::DEMO_FAMILY).await;
        assert_eq!(f.get("/services/beds").await.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            p.get("/services/beds/987654321").await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // Ended: the visits not yet served are cancelled and the bed no longer counts.
        p.get(&at).await;
        let csrf = p.csrf.clone();
        let r = p
            .post_form(
                &format!("{at}/end"),
                &[("_csrf", &csrf), ("reason", "老人入住养老机构")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(
            store
                .family_bed_orders(bed)
                .await
                .unwrap()
                .iter()
                .all(|o| o.status == "cancelled"),
            "{b}"
        );
        let tomorrow = today + chrono::Days::new(1);
        let lines = store
            .indicators("360733100", None, tomorrow, Month::of(tomorrow), &[])
            .await
            .unwrap();
        let total = lines
            .iter()
            .find(|l| l.indicator == "beds_total" && l.division == "360733100")
            .unwrap();
        assert_eq!(total.measure, Some(Measure::count(before)), "{b}");
    }
}
