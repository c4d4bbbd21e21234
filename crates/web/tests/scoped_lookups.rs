//! A person registered outside the user's scope is, for every lookup by ID number, exactly an
//! unknown number: same status, same words, nothing about where or what they are.

mod common;

use axum::http::StatusCode;
use common::*;

/// The page's answer with the parts that differ between any two requests (the CSRF token)
/// taken out.
fn answer(r: &Resp) -> (StatusCode, String) {
    let text = r.text();
    let text = match find_csrf(&text) {
        Some(t) => text.replace(&t, "TOKEN"),
        None => text,
    };
    (r.status, text)
}

#[tokio::test]
async fn admitting_someone_from_another_county_reads_as_an_unknown_id_number() {
    for (b, store, router) in apps(5).await {
        let other_county = id_with_check("36010219420202004");
        person_in(&store, "360102", "36010219420202004").await;
        let unknown = id_with_check("36010219420202012");
        let insts = store.institutions_in("360733").await.unwrap();
        let own = insts.iter().find(|i| i.code == "JG3607331001").unwrap().id;
        let bed = store
            .beds(own)
            .await
            .unwrap()
            .into_iter()
            .find(|b| b.status == "vacant")
            .unwrap()
            .id;
        let mut c = Client::login(&router, "jigou").await;
        let mut tried = Vec::new();
        for number in [&other_county, &unknown] {
            c.get(&format!("/institutions/{own}/residents")).await;
            let csrf = c.csrf.clone();
            let r = c
                .post_form(
                    &format!("/institutions/{own}/residents"),
                    &[("_csrf", &csrf), ("id_number", number), ("bed_id", &bed.to_string())],
                )
                .await;
            tried.push(answer(&r).0);
            let text = r.text();
            assert!(!text.contains("测试老人"), "{b}: the name is not shown");
        }
        assert_eq!(tried[0], tried[1], "{b}");
        assert_ne!(tried[0], StatusCode::SEE_OTHER, "{b}: nobody was admitted");
        // Straight to the store: the same refusal, word for word.
        let a = store
            .admit_to_bed(
                own,
                &other_county,
                bed,
                chrono::Local::now().date_naive(),
                "360733",
                &actor(),
            )
            .await
            .unwrap_err()
            .to_string();
        let u = store
            .admit_to_bed(
                own,
                &unknown,
                bed,
                chrono::Local::now().date_naive(),
                "360733",
                &actor(),
            )
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(a, u, "{b}");
        let r = store
            .residents_of(own)
            .await
            .unwrap()
            .into_iter()
            .any(|r| r.id_number == other_county);
        assert!(!r, "{b}");
    }
}

#[tokio::test]
async fn a_township_clerk_cannot_put_someone_of_another_township_on_the_waitlist() {
    for (b, store, router) in apps(5).await {
        let elsewhere = id_with_check("36073319420202020");
        person_in(&store, "360733101", "36073319420202020").await;
        let unknown = id_with_check("36073319420202039");
        let own = store
            .institutions_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == "JG3607331001")
            .unwrap()
            .id;
        let mut c = Client::login(&router, "wenwuba").await;
        let mut answers = Vec::new();
        for number in [&elsewhere, &unknown] {
            c.get(&format!("/institutions/{own}/waitlist")).await;
            let csrf = c.csrf.clone();
            let r = c
                .post_form(
                    &format!("/institutions/{own}/waitlist"),
                    &[("_csrf", &csrf), ("id_number", number)],
                )
                .await;
            // The page repeats the number typed; otherwise the two answers are the same.
            let (status, text) = answer(&r);
            answers.push((status, text.replace(number.as_str(), "NUMBER")));
        }
        assert_eq!(answers[0], answers[1], "{b}");
        assert_ne!(answers[0].0, StatusCode::SEE_OTHER, "{b}");
        let e1 = store
            .apply_for_bed(
                own,
                &elsewhere,
                chrono::Local::now().date_naive(),
                false,
                false,
                false,
                "360733100",
                &actor(),
            )
            .await
            .unwrap_err()
            .to_string();
        let e2 = store
            .apply_for_bed(
                own,
                &unknown,
                chrono::Local::now().date_naive(),
                false,
                false,
                false,
                "360733100",
                &actor(),
            )
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(e1, e2, "{b}");
    }
}

#[tokio::test]
async fn registering_or_importing_a_number_registered_elsewhere_says_nothing_about_where() {
    for (b, store, router) in apps(5).await {
        let number = id_with_check("36010219420202004");
        person_in(&store, "360102", "36010219420202004").await;
        let mut c = Client::login(&router, "huichang").await;
        c.get("/people/new").await;
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                "/people/new",
                &[
                    ("_csrf", &csrf),
                    ("name", "重复"),
                    ("id_number", &number),
                    ("hukou_division", "360733100"),
                    ("hukou_type", "农村"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let text = r.text();
        assert!(text.contains("该身份证号已登记"), "{b}");
        for leak in ["东湖区", "南昌", "测试老人"] {
            assert!(!text.contains(leak), "{b}: {leak}");
        }
        // The import names neither the division nor the village code.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.csv");
        std::fs::write(
            &file,
            format!("姓名,身份证号,区划代码,户籍性质\n重复,{number},360733100,农村\n"),
        )
        .unwrap();
        let summary = store
            .import_people(&file, "360733", &actor(), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(summary.errors.len(), 1, "{b}");
        let msg = &summary.errors[0].message;
        assert!(!msg.contains("360102"), "{b}: {msg}");
        // A roster without 户籍性质 treats them as unknown: the same words as for a new person.
        std::fs::write(&file, format!("姓名,身份证号,区划代码\n重复,{number},360733100\n")).unwrap();
        let a = store
            .import_people(&file, "360733", &actor(), &|_, _| {})
            .await
            .unwrap();
        let unknown = id_with_check("36073319420202047");
        std::fs::write(&file, format!("姓名,身份证号,区划代码\n新人,{unknown},360733100\n")).unwrap();
        let u = store
            .import_people(&file, "360733", &actor(), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(a.errors[0].message, u.errors[0].message, "{b}");
    }
}

#[tokio::test]
async fn the_edit_form_and_searches_by_id_number_are_audited_reads() {
    for (b, store, router) in apps(5).await {
        let id = person_in(&store, "360733100", "36073319420202055").await;
        let mut c = Client::login(&router, "huichang").await;
        let before = store
            .audit_entries(Some(("person", &id.to_string())), 50, 0)
            .await
            .unwrap();
        let views = |v: &[yiyang_store::audit::AuditRecord]| v.iter().filter(|e| e.action == "view_full").count();
        assert_eq!(c.get(&format!("/people/{id}/edit")).await.status, StatusCode::OK, "{b}");
        let after = store
            .audit_entries(Some(("person", &id.to_string())), 50, 0)
            .await
            .unwrap();
        assert_eq!(views(&after), views(&before) + 1, "{b}: the edit form is a full view");
        c.get("/people?q=360733194202").await;
        c.get("/api/v1/people?q=3607331942").await;
        let searches = store
            .audit_entries(Some(("person_list", "360733")), 50, 0)
            .await
            .unwrap();
        let qs: Vec<String> = searches
            .iter()
            .filter(|e| e.action == "search_id")
            .map(|e| e.detail.clone())
            .collect();
        assert_eq!(qs.len(), 2, "{b}: {qs:?}");
        assert!(qs.iter().any(|d| d.contains("360733194202")), "{b}");
        // A name search is not an ID search.
        c.get("/people?q=%E6%B5%8B%E8%AF%95").await;
        let n = store
            .audit_entries(Some(("person_list", "360733")), 50, 0)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "search_id")
            .count();
        assert_eq!(n, 2, "{b}");
    }
}
