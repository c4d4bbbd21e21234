//! Residents on beds and the public-institution waitlist through the real app, on every
//! backend.

mod common;

use axum::http::StatusCode;
use common::care::*;
use common::*;

#[tokio::test]
async fn residents_are_admitted_with_a_valid_assessment_and_their_moves_are_kept() {
    for (b, store, router) in apps(20).await {
        let own = institution(&store, "JG3607331001").await;
        let other = institution(&store, "JG3607332001").await;
        let (p, number) = add(&store, "1938-04-02", "501", "").await;
        let beds = vacant_beds(&store, own).await;
        let mut staff = Client::login(&router, "jigou").await;
        let csrf = staff.csrf.clone();
        let admit = |bed: i64| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("id_number".to_string(), number.clone()),
                ("bed_id".to_string(), bed.to_string()),
                ("on".to_string(), "2026-11-10".to_string()),
            ]
        };
        // No assessment: refused, saying why.
        let r = post(&mut staff, format!("/institutions/{own}/residents"), admit(beds[0])).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert!(r.text().contains("能力评估"), "{b}");
        // ... on the residents page again, with the form as it was filled in.
        let page = r.text();
        assert!(page.contains("id=\"admit-error\""), "{b}");
        assert!(page.contains(&format!("value=\"{number}\"")), "{b}");
        assert!(page.contains(&format!("value=\"{}\" selected", beds[0])), "{b}");
        assert!(page.contains("value=\"2026-11-10\""), "{b}");
        assess(&store, p, 3).await;
        let r = post(&mut staff, format!("/institutions/{own}/residents"), admit(beds[0])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(bed_status(&store, own, beds[0]).await, "occupied", "{b}");
        // Twice: refused (already resident).
        let r = post(&mut staff, format!("/institutions/{own}/residents"), admit(beds[1])).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let resident = store
            .residents_of(own)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.person_id == p)
            .unwrap();
        let step = |kind: &str, on: &str| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("kind".to_string(), kind.to_string()),
                ("on".to_string(), on.to_string()),
                ("note".to_string(), "回家探亲".to_string()),
            ]
        };
        let url = format!("/institutions/{own}/residents/{}", resident.id);
        assert_eq!(
            post(&mut staff, url.clone(), step("leave", "2026-11-12")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        assert_eq!(
            post(&mut staff, url.clone(), step("leave", "2026-11-13")).await.status,
            StatusCode::CONFLICT,
            "{b}"
        );
        assert_eq!(
            post(&mut staff, url.clone(), step("return", "2026-11-15")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        // Move to another bed of the same institution.
        let mut f = step("transfer", "2026-11-16");
        f.push(("to_bed".into(), beds[1].to_string()));
        assert_eq!(
            post(&mut staff, url.clone(), f).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        assert_eq!(bed_status(&store, own, beds[0]).await, "vacant", "{b}");
        assert_eq!(bed_status(&store, own, beds[1]).await, "occupied", "{b}");
        // Institution staff may not move someone into another institution's bed.
        let there = vacant_beds(&store, other).await[0];
        let mut f = step("transfer", "2026-11-17");
        f.push(("to_bed".into(), there.to_string()));
        assert_eq!(
            post(&mut staff, url.clone(), f.clone()).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        // County staff may: the residency ends here and starts there.
        let mut county = Client::login(&router, "huichang").await;
        f[0].1 = county.csrf.clone();
        assert_eq!(
            post(&mut county, url.clone(), f).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        assert!(
            store.residents_of(own).await.unwrap().iter().all(|r| r.person_id != p),
            "{b}"
        );
        let moved = store
            .residents_of(other)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.person_id == p)
            .unwrap();
        assert_eq!(moved.bed_id, Some(there), "{b}");
        assert_eq!(bed_status(&store, own, beds[1]).await, "vacant", "{b}");
        // Death there: the bed frees and the register learns of it.
        let mut f = step("death", "2026-11-20");
        f[0].1 = county.csrf.clone();
        let r = post(&mut county, format!("/institutions/{other}/residents/{}", moved.id), f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(bed_status(&store, other, there).await, "vacant", "{b}");
        let person = store.person_in_scope(p, "36").await.unwrap().unwrap();
        assert_eq!(person.record.death_date, Some(d("2026-11-20")), "{b}");
        assert_eq!(person.record.death_source.as_deref(), Some("institution"), "{b}");
        // The history shows every step, and the page lists it.
        let events: Vec<String> = store
            .resident_events(own, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.resident_id == resident.id)
            .map(|e| e.kind)
            .collect();
        assert_eq!(events, ["transfer_out", "move", "return", "leave", "admit"], "{b}");
        let page = county.get(&format!("/institutions/{other}/residents")).await.text();
        assert!(page.contains("转入") && page.contains("死亡"), "{b}");
        // The person's own page tells the whole stay across both institutions, in order.
        let stays: Vec<(i64, String)> = store
            .person_stays(p)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.institution_id, e.kind))
            .collect();
        let expect: Vec<(i64, String)> = [
            (own, "admit"),
            (own, "leave"),
            (own, "return"),
            (own, "move"),
            (own, "transfer_out"),
            (other, "transfer_in"),
            (other, "death"),
        ]
        .into_iter()
        .map(|(i, k)| (i, k.to_string()))
        .collect();
        assert_eq!(stays, expect, "{b}");
        let page = county.get(&format!("/people/{p}")).await.text();
        assert!(
            page.contains("id=\"stays\"") && page.contains("转出") && page.contains("销假返回"),
            "{b}"
        );
    }
}

#[tokio::test]
async fn the_waitlist_orders_applications_offers_the_first_and_records_the_decision() {
    for (b, store, router) in apps(20).await {
        let inst = institution(&store, "JG3607331002").await;
        let (early_other, n1) = add(&store, "1958-01-01", "601", "").await;
        let (tekun, n2) = add(&store, "1950-01-01", "611", "特困").await;
        let (very_old, n3) = add(&store, "1936-01-01", "621", "低保").await;
        let (disabled_poor, n4) = add(&store, "1955-01-01", "631", "低保").await;
        assess(&store, disabled_poor, 3).await;
        assess(&store, tekun, 1).await;
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        for (number, on, central) in [
            (&n1, "2026-01-05", ""),
            (&n3, "2026-05-01", ""),
            (&n4, "2026-06-01", ""),
            (&n2, "2026-09-01", "1"),
        ] {
            let r = c
                .post_form(
                    &format!("/institutions/{inst}/waitlist"),
                    &[
                        ("_csrf", &csrf),
                        ("id_number", number),
                        ("applied_on", on),
                        ("tekun_central", central),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        }
        // 集中供养 only for 特困 persons.
        let (_, n5) = add(&store, "1951-01-01", "641", "").await;
        let r = c
            .post_form(
                &format!("/institutions/{inst}/waitlist"),
                &[("_csrf", &csrf), ("id_number", &n5), ("tekun_central", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let today = chrono::Local::now().date_naive();
        let order: Vec<i64> = store
            .waitlist(inst, &yiyang_domain::policy::shipped::packs(), today)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.position > 0 && [early_other, tekun, very_old, disabled_poor].contains(&e.person_id))
            .map(|e| e.person_id)
            .collect();
        // 特困 first; then, under Jiangxi's 经济困难的失能失智、高龄……, the disabled poor (level 3)
        // ahead of the very old poor (not assessed); the earliest application, from an ordinary
        // applicant, last.
        assert_eq!(order, [tekun, disabled_poor, very_old, early_other], "{b}");
        let page = c.get(&format!("/institutions/{inst}/waitlist")).await.text();
        assert!(
            page.contains("第一类：特困人员集中供养") && page.contains("第二类：经济困难的失能失智老年人"),
            "{b}"
        );
        // Offering a bed goes to the first in line.
        let first = store
            .waitlist(inst, &yiyang_domain::policy::shipped::packs(), today)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.status == "waiting")
            .unwrap();
        let bed = vacant_beds(&store, inst).await[0];
        let r = c
            .post_form(
                &format!("/institutions/{inst}/waitlist/offer"),
                &[("_csrf", &csrf), ("bed_id", &bed.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(bed_status(&store, inst, bed).await, "reserved", "{b}");
        let offered = store
            .waitlist(inst, &yiyang_domain::policy::shipped::packs(), today)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.status == "offered")
            .unwrap();
        assert_eq!(offered.id, first.id, "{b}");
        // Declined: the bed is free again and the next in line gets it; accepted: admitted.
        let r = c
            .post_form(
                &format!("/institutions/{inst}/waitlist/{}", offered.id),
                &[("_csrf", &csrf), ("decision", "decline"), ("note", "家属决定居家照护")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(bed_status(&store, inst, bed).await, "vacant", "{b}");
        c.post_form(
            &format!("/institutions/{inst}/waitlist/offer"),
            &[("_csrf", &csrf), ("bed_id", &bed.to_string())],
        )
        .await;
        let second = store
            .waitlist(inst, &yiyang_domain::policy::shipped::packs(), today)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.status == "offered")
            .unwrap();
        assert_ne!(second.id, first.id, "{b}");
        let r = c
            .post_form(
                &format!("/institutions/{inst}/waitlist/{}", second.id),
                &[("_csrf", &csrf), ("decision", "accept"), ("on", &today.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(bed_status(&store, inst, bed).await, "occupied", "{b}");
        assert!(
            store
                .residents_of(inst)
                .await
                .unwrap()
                .iter()
                .any(|r| r.person_id == second.person_id),
            "{b}"
        );
        let page = c.get(&format!("/institutions/{inst}/waitlist")).await.text();
        assert!(page.contains("家属决定居家照护") && page.contains("已入住"), "{b}");
        // Private institutions have no waitlist; institution staff do not keep it.
        let private = institution(&store, "JG3607332001").await;
        let r = c
            .post_form(
                &format!("/institutions/{private}/waitlist"),
                &[("_csrf", &csrf), ("id_number", &n5)],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let mut staff = Client::login(&router, "jigou").await;
        let csrf = staff.csrf.clone();
        let own = institution(&store, "JG3607331001").await;
        let r = staff
            .post_form(
                &format!("/institutions/{own}/waitlist"),
                &[("_csrf", &csrf), ("id_number", &n5)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
    }
}
