//! The store's contract, run on every backend (SQLite always, PostgreSQL when configured): the
//! reference data, people created, searched, scoped and updated with audit, the demo, headline
//! counts, and a stored value no code knows. The audit chain, imports and accounts have files of
//! their own (`audit_chain.rs`, `import_files.rs`, `accounts.rs`).

mod common;

use common::{id_with_check, stores};
use yiyang_domain::person::PersonInput;
use yiyang_store::audit::Verification;
use yiyang_store::people::{LifeFilter, PersonQuery};
use yiyang_store::testing::actor;
use yiyang_store::StoreError;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn person(name: &str, id: &str, division: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        id_number: id.into(),
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn divisions_and_categories_are_loaded_on_first_start() {
    for (b, s) in stores().await {
        let r = s.reference();
        assert_eq!(r.division_name("360733"), Some("会昌县"), "{b}");
        assert_eq!(r.division_name("360733100"), Some("文武坝镇"), "{b}");
        assert!(r.divisions.len() > 40_000, "{b}");
        assert!(r.catalogue.find("特困").is_some(), "{b}");
        assert_eq!(r.division_path("360733100"), "江西省 赣州市 会昌县 文武坝镇");
        let towns = r.children("360733");
        assert_eq!(towns.len(), 20, "{b}: 会昌县 has 20 township-level units");
        assert_eq!(towns[0], ("360733100".to_string(), "文武坝镇".to_string()));
        assert!(r
            .children("360733100")
            .iter()
            .all(|(c, _)| c.len() == 12 && c.starts_with("360733100")));
        assert!(r.children("360733100201").is_empty());
    }
}

#[tokio::test]
async fn people_are_created_searched_scoped_and_updated_with_audit() {
    for (b, s) in stores().await {
        let r = s.reference();
        let rec = person("刘桂英", "11010519491231002X", "360733100")
            .validate(&*r, today())
            .unwrap();
        let id = s.create_person(&rec, "360733", &actor("tester")).await.unwrap();
        // Out of scope: invisible.
        assert!(s.person_in_scope(id, "360102").await.unwrap().is_none(), "{b}");
        let p = s.person_in_scope(id, "3607").await.unwrap().expect("in scope");
        assert_eq!(p.record.name, "刘桂英");
        // Duplicate ID refused with a field error.
        match s.create_person(&rec, "360733", &actor("tester")).await {
            Err(StoreError::Invalid(errs)) => assert_eq!(errs[0].field, "id_number"),
            other => panic!("{b}: {other:?}"),
        }
        // Creating outside one's scope is refused.
        assert!(matches!(
            s.create_person(&rec, "360102", &actor("tester")).await,
            Err(StoreError::Invalid(_))
        ));

        let mut input = rec.to_input();
        input.categories = "特困,独居".into();
        let rec2 = input.validate(&*r, today()).unwrap();
        s.update_person(id, p.version, &rec2, "360733", &actor("tester"))
            .await
            .unwrap();
        // A stale version is a conflict, not a silent overwrite.
        assert!(
            matches!(
                s.update_person(id, p.version, &rec, "360733", &actor("tester")).await,
                Err(StoreError::Conflict)
            ),
            "{b}"
        );

        let q = |f: fn(&mut PersonQuery)| {
            let mut q = PersonQuery {
                scope: "360733".into(),
                limit: 50,
                id_prefix: true,
                ..Default::default()
            };
            f(&mut q);
            q
        };
        assert_eq!(
            s.search_people(&q(|q| q.q = Some("桂英".into()))).await.unwrap().total,
            1,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.q = Some("110105".into())))
                .await
                .unwrap()
                .total,
            1,
            "{b}"
        );
        // A role that sees masked numbers only may find a whole number, never a prefix.
        assert_eq!(
            s.search_people(&q(|q| {
                q.q = Some("110105".into());
                q.id_prefix = false;
            }))
            .await
            .unwrap()
            .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| {
                q.q = Some("11010519491231002X".into());
                q.id_prefix = false;
            }))
            .await
            .unwrap()
            .total,
            1,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.category = Some("tekun".into())))
                .await
                .unwrap()
                .total,
            1,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.category = Some("dibao".into())))
                .await
                .unwrap()
                .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.division = Some("360733101".into())))
                .await
                .unwrap()
                .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.life = Some(LifeFilter::Dead)))
                .await
                .unwrap()
                .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.scope = "3601".into())).await.unwrap().total,
            0,
            "{b}"
        );

        let log = s.audit_entries(Some(("person", &id.to_string())), 10, 0).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, vec!["update", "create"], "{b}");
        assert!(
            matches!(s.verify_audit().await.unwrap(), Verification::Intact { .. }),
            "{b}"
        );
    }
}

#[tokio::test]
async fn the_demo_county_loads_once() {
    for (b, s) in stores().await {
        let n = s.load_demo(300, &actor("tester")).await.unwrap();
        assert_eq!(n, 300, "{b}");
        assert_eq!(s.load_demo(300, &actor("tester")).await.unwrap(), 300);
        assert_eq!(s.count_people("360733").await.unwrap(), 300, "{b}");
        assert_eq!(
            s.list_users().await.unwrap().len(),
            yiyang_store::demo::DEMO_ACCOUNTS.len()
        );
    }
}

#[tokio::test]
async fn the_headline_counts_agree_with_the_searches_they_replace() {
    for (b, s) in stores().await {
        s.load_demo(120, &actor("tester")).await.unwrap();
        for scope in ["360733", "360733100"] {
            let codes = ["tekun", "dibao", "alone"];
            let (total, alive, by) = s.register_counts(scope, &codes).await.unwrap();
            let count = |category: Option<&str>, life: Option<LifeFilter>| {
                let s = s.clone();
                let q = PersonQuery {
                    scope: scope.to_string(),
                    category: category.map(String::from),
                    life,
                    limit: 1,
                    ..Default::default()
                };
                async move { s.search_people(&q).await.unwrap().total }
            };
            assert_eq!(total, count(None, None).await, "{b} {scope}");
            assert_eq!(alive, count(None, Some(LifeFilter::Alive)).await, "{b} {scope}");
            for (c, n) in codes.iter().zip(&by) {
                assert_eq!(*n, count(Some(c), Some(LifeFilter::Alive)).await, "{b} {scope} {c}");
            }
            if scope == "360733" {
                assert!(total > 0 && by.iter().any(|n| *n > 0), "{b}: {total} {by:?}");
            }
        }
    }
}

#[tokio::test]
async fn a_stored_value_no_code_knows_is_an_error_not_a_guess() {
    for (b, s) in stores().await {
        let rec = person("王秀兰", &id_with_check("36073319400101002"), "360733100")
            .validate(&*s.reference(), today())
            .unwrap();
        let id = s.create_person(&rec, "360733", &actor("tester")).await.unwrap();
        assert!(s.person_in_scope(id, "360733").await.unwrap().is_some(), "{b}");
        // Any sex code but M once read as female.
        s.execute_raw_for_tests(&format!("UPDATE persons SET sex = 'X' WHERE id = {id}"))
            .await
            .unwrap();
        assert!(
            s.person_in_scope(id, "360733").await.is_err(),
            "{b}: an unknown sex is an error"
        );
        s.execute_raw_for_tests(&format!("UPDATE persons SET sex = 'F' WHERE id = {id}"))
            .await
            .unwrap();
        assert!(s.person_in_scope(id, "360733").await.unwrap().is_some(), "{b}");
    }
}
