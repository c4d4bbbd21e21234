//! Residents on beds, the public-institution waitlist, the staff roster and grading through
//! the real app, on every backend.

mod common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::*;
use yiyang_domain::person::PersonInput;
use yiyang_store::Store;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Adds a person born in `birth` with `categories`; returns (id, ID number).
async fn add(s: &Store, birth: &str, seq: &str, categories: &str) -> (i64, String) {
    let body = format!("360733{}{seq}", birth.replace('-', ""));
    let id_number = format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()));
    let input = PersonInput {
        name: format!("测试{seq}"),
        id_number: id_number.clone(),
        hukou_division: "360733100".into(),
        hukou_type: "农村".into(),
        categories: categories.into(),
        ..Default::default()
    };
    let rec = input
        .validate(&*s.reference(), d("2026-11-01"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    (s.create_person(&rec, "36", &actor()).await.unwrap(), id_number)
}

async fn assess(s: &Store, person: i64, level: i64) {
    s.record_assessment(person, "GB/T 42195-2022", level, d("2026-06-01"), d("2027-06-01"))
        .await
        .unwrap();
}

async fn post(c: &mut Client, url: String, f: Vec<(String, String)>) -> Resp {
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(&url, &refs).await
}

async fn institution(s: &Store, code: &str) -> i64 {
    s.institutions_in("360733")
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.code == code)
        .unwrap()
        .id
}

async fn vacant_beds(s: &Store, inst: i64) -> Vec<i64> {
    s.beds(inst)
        .await
        .unwrap()
        .into_iter()
        .filter(|b| b.status == "vacant")
        .map(|b| b.id)
        .collect()
}

async fn bed_status(s: &Store, inst: i64, bed: i64) -> String {
    s.beds(inst)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.id == bed)
        .unwrap()
        .status
}

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
        let (very_old, n3) = add(&store, "1936-01-01", "621", "").await;
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
            .waitlist(inst, today)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.position > 0 && [early_other, tekun, very_old, disabled_poor].contains(&e.person_id))
            .map(|e| e.person_id)
            .collect();
        // 特困 first; then the disabled poor (level 3) ahead of the very old (not assessed);
        // the earliest application, from an ordinary applicant, last.
        assert_eq!(order, [tekun, disabled_poor, very_old, early_other], "{b}");
        let page = c.get(&format!("/institutions/{inst}/waitlist")).await.text();
        assert!(
            page.contains("第一类：特困人员集中供养") && page.contains("第二类：经济困难的失能或失智老年人"),
            "{b}"
        );
        // Offering a bed goes to the first in line.
        let first = store
            .waitlist(inst, today)
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
            .waitlist(inst, today)
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
            .waitlist(inst, today)
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

#[tokio::test]
async fn the_roster_flags_missing_certificates_and_counts_pre_job_training() {
    for (b, store, router) in apps(10).await {
        let own = institution(&store, "JG3607331001").await;
        let mut staff = Client::login(&router, "jigou").await;
        let csrf = staff.csrf.clone();
        let r = staff
            .post_form(
                &format!("/institutions/{own}/staff"),
                &[
                    ("_csrf", &csrf),
                    ("name", "新护士"),
                    ("position", "nurse"),
                    ("hired_on", "2026-11-01"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let today = chrono::Local::now().date_naive();
        let (roster, summary) = store.roster(own, today).await.unwrap();
        let nurse = roster.iter().find(|m| m.name == "新护士").unwrap();
        assert_eq!(nurse.problem.as_deref(), Some("缺少护士执业证书"), "{b}");
        assert!(!nurse.pre_job_trained, "{b}");
        assert!(summary.pre_job_trained_pct < 100, "{b}");
        // The demo fire-control operator's certificate has expired.
        assert!(
            roster
                .iter()
                .any(|m| m.problem.as_deref() == Some("消防设施操作员证书已过期")),
            "{b}"
        );
        let url = format!("/institutions/{own}/staff/{}", nurse.id);
        let r = staff
            .post_form(
                &url,
                &[
                    ("_csrf", &csrf),
                    ("what", "certificate"),
                    ("kind", "nurse"),
                    ("number", "202636000999"),
                    ("valid_until", "2031-10-31"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = staff
            .post_form(
                &url,
                &[
                    ("_csrf", &csrf),
                    ("what", "training"),
                    ("kind", "pre_job"),
                    ("title", "岗前培训"),
                    ("hours", "40"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let (roster, _) = store.roster(own, today).await.unwrap();
        let nurse = roster.iter().find(|m| m.name == "新护士").unwrap();
        assert_eq!(nurse.problem, None, "{b}");
        assert!(nurse.pre_job_trained && nurse.training_hours == 40, "{b}");
        let page = staff.get(&format!("/institutions/{own}/staff")).await.text();
        assert!(page.contains("新护士") && page.contains("id=\"pre-job-rate\""), "{b}");
        // Leaving: not before the hiring date; then off the roster and its figures, listed
        // as former staff; a second leaving is refused.
        let leave = |on: &'static str| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("what".to_string(), "left".to_string()),
                ("on".to_string(), on.to_string()),
                ("title".to_string(), "辞职".to_string()),
            ]
        };
        assert_eq!(
            post(&mut staff, url.clone(), leave("2026-10-01")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        let before = store.roster(own, today).await.unwrap().1.staff;
        assert_eq!(
            post(&mut staff, url.clone(), leave("2026-11-20")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let (roster, summary) = store.roster(own, today).await.unwrap();
        assert!(roster.iter().all(|m| m.name != "新护士"), "{b}");
        assert_eq!(summary.staff, before - 1, "{b}");
        let former = store.former_staff(own).await.unwrap();
        assert_eq!(former[0].0, "新护士", "{b}");
        assert_eq!(former[0].3, d("2026-11-20"), "{b}");
        assert_ne!(
            post(&mut staff, url.clone(), leave("2026-11-21")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let page = staff.get(&format!("/institutions/{own}/staff")).await.text();
        assert!(page.contains("id=\"former-staff\""), "{b}");
        // Another institution's roster is out of reach.
        let other = institution(&store, "JG3607332001").await;
        assert_eq!(
            staff.get(&format!("/institutions/{other}/staff")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_grading_checks_prerequisites_and_the_grade_shows_on_the_institution() {
    for (b, store, router) in apps(10).await {
        let inst = institution(&store, "JG3607331002").await;
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        let grade = |e: &str, f: &str, m: &str, s: &str| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("environment".to_string(), e.to_string()),
                ("facilities".to_string(), f.to_string()),
                ("management".to_string(), m.to_string()),
                ("services".to_string(), s.to_string()),
                ("evaluated_on".to_string(), "2026-11-01".to_string()),
                ("evaluator".to_string(), "赣州市养老机构等级评定委员会".to_string()),
            ]
        };
        let url = format!("/institutions/{inst}/grading");
        // Scores over a section's maximum are refused on the field.
        assert_eq!(
            post(&mut c, url.clone(), grade("121", "100", "100", "500"))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        // Grade-5 scores, first grading: capped at 3.
        assert_eq!(
            post(&mut c, url.clone(), grade("115", "125", "140", "560"))
                .await
                .status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let g = &store.gradings(inst).await.unwrap()[0];
        assert_eq!((g.computed_grade, g.grade), (5, 3), "{b}");
        let list = c.get("/institutions").await.text();
        assert!(list.contains("3 级"), "{b}");
        // On the dishonesty list: not graded.
        let r = c
            .post_form(
                &format!("/institutions/{inst}/filing"),
                &[
                    ("_csrf", &csrf),
                    ("status", "operating"),
                    ("fire_safety", "approved"),
                    ("dishonest", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        post(&mut c, url.clone(), grade("115", "125", "140", "560")).await;
        assert_eq!(store.gradings(inst).await.unwrap()[0].grade, 0, "{b}");
        let page = c.get(&format!("/institutions/{inst}/grading")).await.text();
        assert!(page.contains("不予评定") && page.contains("失信"), "{b}");
        // Thresholds are a setting of the county, kept by its administrator.
        let mut admin = Client::login(&router, "guanli").await;
        let ac = admin.csrf.clone();
        let r = admin
            .post_form(
                "/settings/grading-thresholds",
                &[("_csrf", &ac), ("thresholds", "300/30,400/40,500/50,700/70,850/85")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            store.grade_thresholds("360733100").await.unwrap().0[0],
            (300, 30),
            "{b}"
        );
        let r = admin
            .post_form(
                "/settings/grading-thresholds",
                &[("_csrf", &ac), ("thresholds", "nonsense")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        // The civil-affairs clerk may not.
        let r = c
            .post_form(
                "/settings/grading-thresholds",
                &[("_csrf", &csrf), ("thresholds", "1/1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        // Inspectors read but do not grade.
        let mut inspector = Client::login(&router, "jiancha").await;
        assert_eq!(
            inspector.get(&format!("/institutions/{inst}/grading")).await.status,
            StatusCode::OK,
            "{b}"
        );
        let csrf = inspector.csrf.clone();
        let r = inspector
            .post_form(
                &format!("/institutions/{inst}/grading"),
                &[
                    ("_csrf", &csrf),
                    ("environment", "1"),
                    ("facilities", "1"),
                    ("management", "1"),
                    ("services", "1"),
                    ("evaluator", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn the_construction_subsidy_pays_each_nursing_bed_once() {
    for (b, store, router) in apps(10).await {
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        // The central home is public and the social welfare centre 公建民营: neither is a
        // 民办养老机构, so neither gets the subsidy (会府发〔2021〕7号 第二十一条), and the page
        // says why.
        for code in ["JG3607331001", "JG3607331002"] {
            let public = institution(&store, code).await;
            let page = c.get(&format!("/institutions/{public}")).await.text();
            assert!(page.contains("公建民营不在补助之列"), "{b}: {code}");
            assert!(page.contains("id=\"construction-beds\">0<"), "{b}: {code}");
            let r = c
                .post_form(
                    &format!("/institutions/{public}/construction-subsidy"),
                    &[("_csrf", &csrf)],
                )
                .await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{b}: {code}");
            assert!(r.text().contains("民办养老机构"), "{b}: {code}");
        }
        // The private home: 40 nursing-type beds (one out of service), 医养结合 accepted by the
        // county health commission, in a building rented on a ten-year lease: 3,000 yuan a bed.
        let inst = institution(&store, "JG3607332001").await;
        let page = c.get(&format!("/institutions/{inst}")).await.text();
        assert!(page.contains("id=\"construction-beds\">39<"), "{b}: {page}");
        assert!(
            page.contains("id=\"construction-amount\">¥117,000.00"),
            "{b}: {}",
            &page[page.find("construction-amount").unwrap()..][..80]
        );
        let url = format!("/institutions/{inst}/construction-subsidy");
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // Again: nothing left to pay.
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // New nursing beds are paid; the old ones are not paid again.
        store
            .add_beds(inst, "B栋", "301", 2, true, false, &actor())
            .await
            .unwrap();
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let p = store
            .construction_preview(
                inst,
                &yiyang_domain::policy::shipped::packs(),
                chrono::Local::now().date_naive(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.paid_beds, p.paid_fen, p.decision.beds), (41, 12_300_000, 0), "{b}");
        // The rebuilt-or-rented schedule (3,000 yuan a bed with 医养结合, cap 500,000 yuan).
        let rented = inst;
        let page = c.get(&format!("/institutions/{rented}")).await.text();
        assert!(page.contains("id=\"construction-schedule\">改建或租用<"), "{b}");
        assert!(
            page.contains("床位每张 ¥3,000.00（医养结合），每机构最高 ¥500,000.00"),
            "{b}"
        );
        assert!(page.contains("租用，租期 10 年"), "{b}");
        // A three-year lease does not count (改建或租用期5年以上).
        let filing = |premises: &'static str, years: &'static str| {
            let csrf = csrf.clone();
            vec![
                ("_csrf".to_string(), csrf),
                ("status".to_string(), "operating".to_string()),
                ("fire_safety".to_string(), "pending".to_string()),
                ("premises".to_string(), premises.to_string()),
                ("lease_years".to_string(), years.to_string()),
            ]
        };
        let furl = format!("/institutions/{rented}/filing");
        assert_eq!(
            post(&mut c, furl.clone(), filing("rented", "")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a lease needs its term"
        );
        assert_eq!(
            post(&mut c, furl.clone(), filing("rented", "3")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let page = c.get(&format!("/institutions/{rented}")).await.text();
        assert!(page.contains("id=\"construction-beds\">0<"), "{b}");
        assert!(page.contains("租用期不少于 5 年（登记 3 年）"), "{b}");
        let r = c
            .post_form(
                &format!("/institutions/{rented}/construction-subsidy"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // Bought premises: the new-build schedule.
        assert_eq!(
            post(&mut c, furl, filing("bought", "")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let page = c.get(&format!("/institutions/{rented}")).await.text();
        assert!(
            page.contains("床位每张 ¥5,000.00（医养结合），每机构最高 ¥1,000,000.00"),
            "{b}"
        );
        // Granting is the preparing clerk's step: a reviewer may not.
        let mut reviewer = Client::login(&router, "shenhe").await;
        let csrf = reviewer.csrf.clone();
        let r = reviewer.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn staff_incentives_pay_interns_a_share_of_the_minimum_wage_once_and_wait_for_local_amounts() {
    for (b, store, router) in apps(10).await {
        let own = institution(&store, "JG3607331001").await;
        let mut staff = Client::login(&router, "jigou").await;
        let csrf = staff.csrf.clone();
        let intern = |name: &'static str, from: &'static str, to: &'static str, retained: bool| {
            let mut f = vec![
                ("_csrf".to_string(), csrf.clone()),
                ("name".to_string(), name.to_string()),
                ("started_on".to_string(), from.to_string()),
                ("ended_on".to_string(), to.to_string()),
            ];
            if retained {
                f.push(("retained".to_string(), "1".to_string()));
            }
            f
        };
        let today = chrono::Local::now().date_naive();
        let packs = yiyang_domain::policy::shipped::packs_with_demo_figures();
        let before = store.awards_preview(own, &packs, today).await.unwrap().payable_fen();
        let url = format!("/institutions/{own}/interns");
        let bad = post(
            &mut staff,
            url.clone(),
            intern("倒序", "2025-06-30", "2025-01-01", false),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        for f in [
            intern("见习甲", "2025-01-01", "2025-06-30", true),
            intern("见习乙", "2025-01-01", "2025-06-30", false),
            intern("见习丙", "2026-10-01", "2027-03-31", false),
        ] {
            assert_eq!(
                post(&mut staff, url.clone(), f).await.status,
                StatusCode::SEE_OTHER,
                "{b}"
            );
        }
        // A graduate of an elderly-care major, three years at this public home: eligible for
        // the entry subsidy (会府发〔2021〕7号 第二十二条), whose amount the county has not set.
        let r = staff
            .post_form(
                &format!("/institutions/{own}/staff"),
                &[
                    ("_csrf", &csrf),
                    ("name", "毕业生小王"),
                    ("position", "caregiver"),
                    ("hired_on", "2021-07-01"),
                    ("education", "college"),
                    ("elderly_care_major", "1"),
                    ("contract_years", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let p = store.awards_preview(own, &packs, today).await.unwrap();
        let wang = p.staff.iter().find(|s| s.name == "毕业生小王").unwrap();
        let entry = wang.decisions.iter().find(|d| d.award == "entry").unwrap();
        assert!(entry.eligible() && !entry.payable(), "{b}: {entry:?}");
        // Interns (赣府厅发〔2022〕3号 第六章第五节; 会府发〔2021〕7号 第二十三条): six months at
        // 70% of the 1,610-yuan minimum wage each; half stayed, so the one who stayed gets
        // 100% once more. The third has not finished.
        let wage = 161_000;
        let base = 6 * wage * 70 / 100;
        assert_eq!(p.payable_fen() - before, base + wage + base, "{b}");
        let page = staff.get(&format!("/institutions/{own}/awards")).await.text();
        assert!(page.contains("见习未结束") && page.contains("金额待核定"), "{b}");
        // Institution staff record; the benefit clerk grants, once.
        assert_eq!(
            post(
                &mut staff,
                format!("/institutions/{own}/awards"),
                vec![("_csrf".into(), csrf.clone())]
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let mut clerk = Client::login(&router, "huichang").await;
        let cc = clerk.csrf.clone();
        let r = clerk
            .post_form(&format!("/institutions/{own}/awards"), &[("_csrf", &cc)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let p = store.awards_preview(own, &packs, today).await.unwrap();
        assert_eq!(p.payable_fen(), 0, "{b}");
        let granted: i64 = p
            .interns
            .iter()
            .filter(|i| i.intern.name.starts_with("见习"))
            .filter_map(|i| i.granted_fen)
            .sum();
        assert_eq!(granted, base + wage + base, "{b}");
        let r = clerk
            .post_form(&format!("/institutions/{own}/awards"), &[("_csrf", &cc)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // Another institution's tab is out of the institution user's reach.
        let other = institution(&store, "JG3607332001").await;
        assert_eq!(
            staff.get(&format!("/institutions/{other}/awards")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}
