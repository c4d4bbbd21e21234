//! The register's search at province scale (issue 13), on every backend: names by their start,
//! given names, pinyin initials; pages by key; counts that stop at a cap; the keys of records
//! written before they existed filled in at start.

use yiyang_domain::person::PersonInput;
use yiyang_store::people::{PersonQuery, SortKey};
use yiyang_store::testing::{actor, fresh_database_urls};
use yiyang_store::Store;

fn id_number(n: usize) -> String {
    let body = format!("36073319480101{n:03}");
    format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()))
}

const NAMES: [(&str, &str); 7] = [
    ("陈志强", "360733100"),
    ("陈志明", "360733100"),
    ("王志强", "360733100"),
    ("欧阳明华", "360733100"),
    ("单田芳", "360733100"),
    ("陈建国", "360733100"),
    // Same name, another town: outside a 文武坝镇 clerk's scope.
    ("陈志强", "360733101"),
];

async fn register(s: &Store) {
    let r = s.reference();
    let today = chrono::Local::now().date_naive();
    for (i, (name, division)) in NAMES.iter().enumerate() {
        let rec = PersonInput {
            name: (*name).into(),
            id_number: id_number(i + 1),
            hukou_division: (*division).into(),
            hukou_type: "农村".into(),
            ..Default::default()
        }
        .validate(&*r, today)
        .unwrap();
        s.create_person(&rec, "360733", &actor("tester")).await.unwrap();
    }
}

fn query(q: &str) -> PersonQuery {
    PersonQuery {
        scope: "360733100".into(),
        q: Some(q.into()),
        sort: SortKey::Name,
        limit: 50,
        ..Default::default()
    }
}

async fn names(s: &Store, q: &str) -> Vec<String> {
    let page = s.search_people(&query(q)).await.unwrap();
    assert!(page.exact);
    assert_eq!(page.total as usize, page.items.len());
    page.items.into_iter().map(|p| p.record.name).collect()
}

#[tokio::test]
async fn names_are_found_by_their_start_their_given_name_and_their_initials() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        register(&s).await;
        // Byte order of the names (both backends compare names byte by byte).
        assert_eq!(names(&s, "陈").await, ["陈建国", "陈志强", "陈志明"], "{b}");
        assert_eq!(names(&s, "陈志").await, ["陈志强", "陈志明"], "{b}");
        assert_eq!(
            names(&s, "陈 志强").await,
            ["陈志强"],
            "{b}: a space between surname and given name"
        );
        assert_eq!(names(&s, "志强").await, ["王志强", "陈志强"], "{b}: the given name");
        assert_eq!(names(&s, "czq").await, ["陈志强"], "{b}");
        assert_eq!(names(&s, "CZ").await, ["陈志强", "陈志明"], "{b}");
        assert_eq!(names(&s, "oymh").await, ["欧阳明华"], "{b}: a compound surname");
        assert_eq!(names(&s, "明华").await, ["欧阳明华"], "{b}");
        assert_eq!(names(&s, "stf").await, ["单田芳"], "{b}: 单 as a surname reads shàn");
        assert!(
            names(&s, "强").await.is_empty(),
            "{b}: the end of a name is not its start"
        );
        assert!(names(&s, "%").await.is_empty(), "{b}: no wildcard");
    }
}

#[tokio::test]
async fn pages_follow_by_key_and_counts_stop_at_the_cap() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        register(&s).await;
        for (sort, desc) in [
            (SortKey::Name, false),
            (SortKey::Updated, true),
            (SortKey::Division, false),
        ] {
            let q = |limit, after| PersonQuery {
                scope: "360733".into(),
                sort,
                desc,
                limit,
                after,
                ..Default::default()
            };
            let all: Vec<i64> = s
                .search_people(&q(50, None))
                .await
                .unwrap()
                .items
                .iter()
                .map(|p| p.id)
                .collect();
            assert_eq!(all.len(), NAMES.len(), "{b}");
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let page = s.search_people(&q(3, after)).await.unwrap();
                paged.extend(page.items.iter().map(|p| p.id));
                if page.items.len() < 3 {
                    break;
                }
                after = page.items.last().map(|p| p.id);
            }
            assert_eq!(
                paged, all,
                "{b}: {sort:?} desc={desc}: by key, every row once and in order"
            );
        }
        let capped = s
            .search_people(&PersonQuery {
                scope: "360733".into(),
                limit: 2,
                count_up_to: Some(4),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((capped.total, capped.exact, capped.items.len()), (5, false, 2), "{b}");
        let under = s
            .search_people(&PersonQuery {
                scope: "360733".into(),
                limit: 2,
                count_up_to: Some(100),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((under.total, under.exact), (7, true), "{b}");
    }
}

#[tokio::test]
async fn records_written_before_name_search_get_their_keys_at_start() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        register(&s).await;
        s.execute_raw_for_tests("UPDATE persons SET name_initials = NULL, given_name = NULL")
            .await
            .unwrap();
        assert!(names(&s, "czq").await.is_empty(), "{b}: the keys are gone");
        drop(s);
        let s = Store::connect(&url).await.unwrap();
        assert_eq!(names(&s, "czq").await, ["陈志强"], "{b}");
        assert_eq!(names(&s, "志强").await, ["王志强", "陈志强"], "{b}");
    }
}
