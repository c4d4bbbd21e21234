//! Every role against every route, in scope and out of scope. A record outside one's scope
//! or role is a 404, never a hint that it exists; a function the role lacks is a 403.

mod common;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn every_role_against_every_route() {
    for (b, store, router) in apps(3).await {
        let inside = person_in(&store, "360733100", "36073319420202002").await;
        let outside = person_in(&store, "360102", "36010219420202004").await;
        let job = {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("x.csv");
            std::fs::write(&p, "姓名,身份证号,区划代码,户籍性质\n").unwrap();
            store
                .import_people(&p, "360733", &actor(), &|_, _| {})
                .await
                .unwrap()
                .job
                .id
        };
        // (route, [civil_affairs, institution, provider, assessor, inspector, auditor])
        use StatusCode as S;
        const OK: S = S::OK;
        const NO: S = S::FORBIDDEN;
        const NF: S = S::NOT_FOUND;
        let inside_r = format!("/people/{inside}");
        let outside_r = format!("/people/{outside}");
        let inside_edit = format!("/people/{inside}/edit");
        let outside_edit = format!("/people/{outside}/edit");
        let api_inside = format!("/api/v1/people/{inside}");
        let api_outside = format!("/api/v1/people/{outside}");
        let job_r = format!("/imports/{job}");
        let insts = store.institutions_in("360733").await.unwrap();
        let own = insts.iter().find(|i| i.code == "JG3607331001").unwrap().id;
        let other = insts.iter().find(|i| i.code == "JG3607332001").unwrap().id;
        let care: Vec<String> = ["", "/residents", "/waitlist", "/staff", "/grading", "/awards"]
            .iter()
            .flat_map(|tab| {
                [
                    format!("/institutions/{own}{tab}"),
                    format!("/institutions/{other}{tab}"),
                ]
            })
            .collect();
        let new_inside = format!("/people/{inside}/assessments/new");
        let new_outside = format!("/people/{outside}/assessments/new");
        let history_inside = format!("/people/{inside}/assessments");
        let benefits_inside = format!("/people/{inside}/benefits");
        let api_benefits_inside = format!("/api/v1/people/{inside}/benefits");
        let api_benefits_outside = format!("/api/v1/people/{outside}/benefits");
        let matrix: Vec<(&str, [S; 6])> = vec![
            ("/", [OK, OK, OK, OK, OK, OK]),
            ("/people", [OK, NO, NO, OK, NO, OK]),
            ("/people/export.xlsx", [OK, NO, NO, OK, NO, OK]),
            (&inside_r, [OK, NF, NF, OK, NF, OK]),
            (&outside_r, [NF, NF, NF, NF, NF, NF]),
            ("/people/new", [OK, NO, NO, NO, NO, NO]),
            (&inside_edit, [OK, NF, NF, NF, NF, NF]),
            (&outside_edit, [NF, NF, NF, NF, NF, NF]),
            ("/imports", [OK, NO, NO, NO, NO, NO]),
            (&job_r, [OK, NF, NF, NF, NF, NF]),
            ("/audit", [OK, NO, NO, NO, NO, OK]),
            ("/api/docs", [OK, OK, OK, OK, OK, OK]),
            ("/api/v1/people", [OK, NO, NO, OK, NO, OK]),
            (&api_inside, [OK, NF, NF, OK, NF, OK]),
            (&api_outside, [NF, NF, NF, NF, NF, NF]),
            ("/assessments/due", [OK, NO, NO, OK, NO, OK]),
            (&history_inside, [OK, NF, NF, OK, NF, OK]),
            (&new_inside, [NO, NO, NO, OK, NO, NO]),
            (&new_outside, [NO, NO, NO, NF, NO, NO]),
            ("/institutions", [OK, OK, NO, NO, OK, OK]),
            ("/institutions/import", [OK, NO, NO, NO, NO, NO]),
            ("/benefits", [OK, NO, NO, NO, NO, OK]),
            ("/facilities", [OK, NO, OK, NO, OK, OK]),
            ("/grants", [OK, NO, NO, NO, NO, OK]),
            ("/api/v1/benefit-runs", [OK, NO, NO, NO, NO, OK]),
            (&benefits_inside, [OK, NF, NF, OK, NF, OK]),
            (&api_benefits_inside, [OK, NF, NF, OK, NF, OK]),
            (&api_benefits_outside, [NF, NF, NF, NF, NF, NF]),
        ];
        let mut matrix = matrix;
        for (n, route) in care.iter().enumerate() {
            // Institution staff see their own institution only.
            let staff = if n % 2 == 0 { OK } else { NF };
            matrix.push((route, [OK, staff, NO, NO, OK, OK]));
        }
        let users = ["huichang", "jigou", "fuwu", "pinggu", "jiancha", "shenji"];
        for (i, user) in users.iter().enumerate() {
            let mut c = Client::login(&router, user).await;
            for (route, expected) in &matrix {
                let r = c.get(route).await;
                assert_eq!(r.status, expected[i], "{b}: {user} GET {route}");
            }
            // Writes: only civil-affairs staff; the rest are refused before validation.
            c.get("/").await;
            let csrf = c.csrf.clone();
            let r = c.post_form("/people/new", &[("_csrf", &csrf), ("name", "x")]).await;
            let expected = if *user == "huichang" {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expected, "{b}: {user} POST /people/new");
            let r = c
                .post_form(&outside_edit, &[("_csrf", &csrf), ("version", "1"), ("name", "x")])
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}: {user} POST {outside_edit}");
        }
    }
}
