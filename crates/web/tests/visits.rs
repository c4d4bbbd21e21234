//! Visits through the real router: the visitor sees and visits their own people; the county
//! sees the roster, the month's rate and assigns; nobody else reaches a person through it.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_store::care::visits::VisitViewer;

#[tokio::test]
async fn the_visitor_records_a_visit_and_the_county_sees_the_roster_and_assigns() {
    for (b, store, router) in apps(60).await {
        let month = Month::of(chrono::Local::now().date_naive());
        let roster = store
            .visit_roster("360733100", &VisitViewer::Division, month)
            .await
            .unwrap();
        let person = roster[0].person_id;
        let mut v = Client::login(&router, "tanfang").await;
        let page = v.get("/visits").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            page.text().contains("我的探访对象") && page.text().contains(&roster[0].name),
            "{b}"
        );
        let form = v.get(&format!("/visits/{person}")).await;
        assert_eq!(form.status, StatusCode::OK, "{b}");
        let csrf = v.csrf.clone();
        let today = chrono::Local::now().date_naive().to_string();
        // A danger sign without its follow-up: named, kept.
        let r = v
            .post_form(
                &format!("/visits/{person}"),
                &[
                    ("_csrf", &csrf),
                    ("visited_on", &today),
                    ("place", "家中"),
                    ("health", "卧床"),
                    ("living", "无人照料"),
                    ("condition", "danger"),
                    ("follow_up", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("须选择后续处置") && r.text().contains("无人照料"),
            "{b}"
        );
        let csrf = v.csrf.clone();
        let r = v
            .post_form(
                &format!("/visits/{person}"),
                &[
                    ("_csrf", &csrf),
                    ("visited_on", &today),
                    ("place", "家中"),
                    ("health", "卧床"),
                    ("living", "无人照料"),
                    ("condition", "danger"),
                    ("follow_up", "emergency"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert!(
            v.get("/visits").await.text().contains("紧急处置"),
            "{b}: the follow-up waits"
        );
        // Someone outside the visitor's list is unknown to them.
        let outside = person_in(&store, "360733101", "36073319400101001").await;
        assert_eq!(
            v.get(&format!("/visits/{outside}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // The county: roster, rate, and assigning.
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get("/visits").await.text();
        assert!(
            page.contains("探访名单") && page.contains("本月探访率") && page.contains("文武坝镇 网格员 钟小兰"),
            "{b}"
        );
        let csrf = county.csrf.clone();
        let p = person.to_string();
        let r = county
            .post_form(
                "/visits/assign",
                &[("_csrf", &csrf), ("visitor", "wenwuba"), ("person", &p)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            v.get(&format!("/visits/{person}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}: reassigned away"
        );
        let r = county
            .post_form(
                "/visits/assign",
                &[("_csrf", &csrf), ("visitor", "fuwu"), ("person", &p)],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a provider's account is no visitor"
        );
        let mut fuwu = Client::login(&router, "fuwu").await;
        assert_eq!(fuwu.get("/visits").await.status, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn the_visitor_adds_a_photo_to_their_visit_and_only_they_may() {
    for (b, store, router) in apps(60).await {
        let month = Month::of(chrono::Local::now().date_naive());
        let roster = store
            .visit_roster("360733100", &VisitViewer::Visitor("tanfang".into()), month)
            .await
            .unwrap();
        let person = roster[0].person_id;
        let mut v = Client::login(&router, "tanfang").await;
        v.get(&format!("/visits/{person}")).await;
        let csrf = v.csrf.clone();
        let today = chrono::Local::now().date_naive().to_string();
        let r = v
            .post_form(
                &format!("/visits/{person}"),
                &[
                    ("_csrf", &csrf),
                    ("visited_on", &today),
                    ("place", "家中"),
                    ("health", "尚好"),
                    ("living", "整洁"),
                    ("condition", "good"),
                    ("follow_up", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let visit = store
            .visits_in("360733100", &VisitViewer::Visitor("tanfang".into()), 5)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.person_id == person)
            .unwrap();
        // The list links the record; the record shows the visitor by name and offers the upload.
        assert!(
            v.get("/visits")
                .await
                .text()
                .contains(&format!("/visits/records/{}", visit.id)),
            "{b}"
        );
        let page = v.get(&format!("/visits/records/{}", visit.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            page.text().contains("钟小兰") && page.text().contains("photo-form"),
            "{b}"
        );
        let at = format!("/visits/records/{}/photos", visit.id);
        let png = [&b"\x89PNG\r\n\x1a\n"[..], &[3u8; 400]].concat();
        let r = v.send(photo_upload(&at, &v.csrf.clone(), "家中.png", &png)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let photos = store.visit_photos(visit.id).await.unwrap();
        assert_eq!(photos.len(), 1, "{b}");
        use sha2::Digest;
        assert_eq!(photos[0].sha256, hex::encode(sha2::Sha256::digest(&png)), "{b}");
        let img = v.get(&format!("{at}/{}", photos[0].id)).await;
        assert_eq!(
            (img.status, img.headers["content-type"].to_str().unwrap()),
            (StatusCode::OK, "image/png"),
            "{b}"
        );
        assert_eq!(img.body, png, "{b}");
        // Not an image by its bytes: refused; without the token: refused.
        let r = v.send(photo_upload(&at, &v.csrf.clone(), "x.png", b"GIF89a....")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert_eq!(
            v.send(photo_upload(&at, "wrong", "x.png", &png)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // The township sees the record and photo but adds none (it did not visit); the read is audited.
        let mut town = Client::login(&router, "wenwuba").await;
        let page = town.get(&format!("/visits/records/{}", visit.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(!page.text().contains("photo-form"), "{b}");
        assert_eq!(
            town.get(&format!("{at}/{}", photos[0].id)).await.status,
            StatusCode::OK,
            "{b}"
        );
        let r = town.send(photo_upload(&at, &town.csrf.clone(), "y.png", &png)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let log = store.audit_entries(None, 50, 0).await.unwrap();
        assert!(
            log.iter().any(|e| e.action == "view_visit" && e.actor == "wenwuba"),
            "{b}"
        );
        // Another township's clerk, or an unknown id: the same 404, for the record and the photo.
        store
            .create_user(
                &yiyang_store::users::NewUser {
                    username: "junmenling",
                    display_name: "筠门岭镇 民政专干",
                    password: PASSWORD,
                    role: yiyang_domain::role::Role::CivilAffairs,
                    scope: "360733101",
                    institution_id: None,
                },
                &actor(),
            )
            .await
            .unwrap();
        let mut other = Client::login(&router, "junmenling").await;
        for path in [
            format!("/visits/records/{}", visit.id),
            format!("{at}/{}", photos[0].id),
        ] {
            assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND, "{b}: {path}");
        }
        assert_eq!(
            other.get("/visits/records/999999").await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert_eq!(
            v.get("/visits/records/999999").await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert_eq!(
            v.get(&format!("{at}/999999")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}
