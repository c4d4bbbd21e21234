//! Helpers for the home-service tests: a covered person at a known home, an order read back.

use yiyang_domain::planning::circle::Point;
use yiyang_store::services::orders::OrderViewer;
use yiyang_store::Store;

use super::{actor, person_in};

pub const HOME: (f64, f64) = (25.6006, 115.7869);

/// A person of 文武坝镇 on 低保 (the demo county's purchase covers them), living at HOME.
pub async fn covered_person(store: &Store, body17: &str) -> i64 {
    let id = person_in(store, "360733100", body17).await;
    store
        .execute_raw_for_tests(&format!("UPDATE persons SET categories = ',dibao,' WHERE id = {id}"))
        .await
        .unwrap();
    store
        .set_person_location(id, Point::new(HOME.0, HOME.1).unwrap(), "clerk", &actor())
        .await
        .unwrap();
    id
}

pub async fn order(store: &Store, id: i64) -> yiyang_store::services::orders::Order {
    store
        .order_visible(id, "", &OrderViewer::Division)
        .await
        .unwrap()
        .unwrap()
}

pub fn order_id(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}
