//! A family is told when a visit does not come: once when it is late, once when it is missed,
//! never for a visit that began on time.

mod common;

use chrono::{Duration, Utc};
use common::*;
use yiyang_domain::services::order::Channel;
use yiyang_store::audit::Actor;
use yiyang_store::services::orders::{OrderInput, OrderViewer};
use yiyang_store::services::DEMO_PROVIDER;
use yiyang_store::Store;

fn who(name: &str) -> Actor {
    Actor {
        name: name.into(),
        ..actor()
    }
}

/// An order for `parent` at `time` tomorrow, accepted and assigned to the demo worker.
async fn assigned(store: &Store, parent: i64, time: &str) -> yiyang_store::services::orders::Order {
    let family = yiyang_store::services::DEMO_FAMILY;
    let day = store.clock().today() + chrono::Days::new(1);
    let input = OrderInput {
        service_id: service_id(store, parent, "clean").await,
        units: "1".into(),
        date: day.to_string(),
        time: time.into(),
        ..OrderInput::default()
    };
    let id = store
        .place_order(parent, &input, Channel::Family, &who(family), Utc::now())
        .await
        .unwrap();
    let get = || async {
        store
            .order_visible(id, "", &OrderViewer::Division)
            .await
            .unwrap()
            .unwrap()
    };
    store
        .accept_order(&get().await, &who("fuwu"), Utc::now())
        .await
        .unwrap();
    store
        .assign_order(&get().await, "hugong", DEMO_PROVIDER, &who("fuwu"), Utc::now())
        .await
        .unwrap();
    get().await
}

/// What the family was told about `order` not coming (the steps' own notices left out).
async fn told_about(store: &Store, username: &str, order: i64) -> Vec<String> {
    store
        .notices(username, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.order_id == order && (n.text.contains("还未到达") || n.text.contains("没有上门")))
        .map(|n| n.text)
        .collect()
}

#[tokio::test]
async fn a_family_is_told_once_when_a_visit_is_late_and_once_when_it_is_missed() {
    for (b, store, router) in apps(10).await {
        let family = yiyang_store::services::DEMO_FAMILY;
        let parent = store.linked_people(family).await.unwrap()[0].0;
        let (late_minutes, _) = store.service_timing_settings("360733").await.unwrap();
        let o = assigned(&store, parent, "09:00").await;
        let on_time = assigned(&store, parent, "14:00").await;
        // Not yet late: nothing.
        store
            .tell_families_late_and_missed(o.scheduled_start + Duration::minutes(late_minutes - 1))
            .await
            .unwrap();
        assert!(told_about(&store, family, o.id).await.is_empty(), "{b}");
        // Late: told once, however often the job runs.
        let late = o.scheduled_start + Duration::minutes(late_minutes + 1);
        store.tell_families_late_and_missed(late).await.unwrap();
        store.tell_families_late_and_missed(late).await.unwrap();
        let texts = told_about(&store, family, o.id).await;
        assert_eq!(texts.len(), 1, "{b}: {texts:?}");
        assert!(texts[0].contains("还未到达"), "{b}: {}", texts[0]);
        // The family reads it on its home page.
        let mut c = Client::login(&router, family).await;
        let home = c.get("/family").await.text();
        assert!(home.contains("还未到达"), "{b}");
        // The worker arrives at the afternoon visit on time: its family hears nothing of it.
        store
            .check_in(&on_time, "25.6006", "115.7869", &who("hugong"), on_time.scheduled_start)
            .await
            .unwrap();
        // Missed: told once more.
        let missed = o.scheduled_end + Duration::minutes(1);
        let after = on_time.scheduled_end + Duration::minutes(1);
        store.tell_families_late_and_missed(missed.max(after)).await.unwrap();
        store.tell_families_late_and_missed(missed.max(after)).await.unwrap();
        let texts = told_about(&store, family, o.id).await;
        assert_eq!(texts.len(), 2, "{b}: {texts:?}");
        assert!(texts.iter().any(|t| t.contains("没有上门")), "{b}: {texts:?}");
        assert!(told_about(&store, family, on_time.id).await.is_empty(), "{b}");
    }
}
