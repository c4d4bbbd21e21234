//! The staff roster and grading through the real app, on every backend.

mod common;

use axum::http::StatusCode;
use common::care::*;
use common::*;

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
