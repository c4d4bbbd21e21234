//! One bed holds one resident: the board cannot free an occupied bed, nor mark one occupied,
//! and the database refuses a second current resident on a bed whatever the path.

mod common;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn an_occupied_bed_cannot_be_freed_from_the_board_and_given_to_someone_else() {
    for (b, store, router) in apps(200).await {
        let own = store
            .institutions_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == "JG3607331001")
            .unwrap()
            .id;
        let resident = store
            .residents_of(own)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.bed_id.is_some())
            .unwrap();
        let bed = resident.bed_id.unwrap();
        let mut c = Client::login(&router, "jigou").await;
        let page = c.get(&format!("/institutions/{own}")).await;
        assert!(
            !page.text().contains(&format!("/beds/{bed}/status")),
            "{b}: the board offers no status change for an occupied bed"
        );
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                &format!("/institutions/{own}/beds/{bed}/status"),
                &[("_csrf", &csrf), ("status", "vacant")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert!(r.text().contains("在住"), "{b}: {}", r.text());
        let beds = store.beds(own).await.unwrap();
        assert_eq!(beds.iter().find(|x| x.id == bed).unwrap().status, "occupied", "{b}");
        // Nor can a free bed be marked occupied by hand.
        let free = beds.iter().find(|x| x.status == "vacant").unwrap().id;
        let r = c
            .post_form(
                &format!("/institutions/{own}/beds/{free}/status"),
                &[("_csrf", &csrf), ("status", "occupied")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // Out of service and back is fine for a free bed.
        let r = c
            .post_form(
                &format!("/institutions/{own}/beds/{free}/status"),
                &[("_csrf", &csrf), ("status", "out_of_service")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        // Whatever a status says, the database holds one current resident per bed.
        store
            .execute_raw_for_tests(&format!("UPDATE beds SET status = 'vacant' WHERE id = {bed}"))
            .await
            .unwrap();
        let err = store
            .execute_raw_for_tests(&format!(
                "INSERT INTO residents (person_id, institution_id, admitted_on, left_on, recorded_at, bed_id, status) \
                 SELECT id, {own}, '2026-01-01', NULL, '2026-01-01T00:00:00Z', {bed}, 'in' FROM persons \
                 WHERE id <> {} LIMIT 1",
                resident.person_id
            ))
            .await;
        assert!(err.is_err(), "{b}: a second resident on bed {bed} was stored");
    }
}
