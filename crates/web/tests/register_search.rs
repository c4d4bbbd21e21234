//! Register details: the search by the last four characters of the ID number — the only ones
//! its list shows — within the user's scope and audited like any search by ID number; and a
//! person under 60, registered with a warning rather than refused.

mod common;

use common::*;

#[tokio::test]
async fn the_last_four_characters_find_people_in_scope_only() {
    for (b, store, router) in apps(30).await {
        let ids = living_people(&store, "360733").await;
        let person = store.person_in_scope(ids[0], "360733").await.unwrap().unwrap();
        let last4 = person.record.id_number.as_str()[14..].to_string();
        // Someone in another province (named 测试老人).
        let elsewhere = person_in(&store, "110105", "11010519420202071").await;
        let other = store.person_in_scope(elsewhere, "110105").await.unwrap().unwrap();
        let other4 = other.record.id_number.as_str()[14..].to_string();

        let mut c = Client::login(&router, "huichang").await;
        let page = c.get(&format!("/people?q={last4}")).await.text();
        assert!(page.contains(&person.record.name), "{b}: {last4}");
        assert!(page.contains(&format!("********{last4}")), "{b}");
        // Every row shown ends with those four characters.
        let shown = page.matches("********").count();
        let matching = page.matches(&format!("********{last4}")).count();
        assert_eq!(shown, matching, "{b}");
        let page = c.get(&format!("/people?q={other4}")).await.text();
        assert!(!page.contains("测试老人"), "{b}: outside the scope");
        // Audited as a search by ID number.
        let audit = store.audit_entries(None, 5, 0).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "search_id" && e.detail.contains(&last4)),
            "{b}"
        );
    }
}

#[tokio::test]
async fn someone_under_sixty_is_registered_with_a_warning() {
    for (b, _store, router) in apps(3).await {
        let mut c = Client::login(&router, "huichang").await;
        c.get("/people/new").await;
        let csrf = c.csrf.clone();
        let number = id_with_check("36073319800515002");
        let r = c
            .post_form(
                "/people/new",
                &[
                    ("_csrf", &csrf),
                    ("name", "年轻人"),
                    ("id_number", &number),
                    ("hukou_division", "360733100"),
                    ("hukou_type", "rural"),
                ],
            )
            .await;
        assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = c.get(&r.location()).await.text();
        assert!(page.contains("id=\"message\"") && page.contains("已登记"), "{b}");
        assert!(page.contains("id=\"under-60\""), "{b}: {page}");
        // Someone of 81 gets no such warning.
        let elder = id_with_check("36073319450515002");
        let r = c
            .post_form(
                "/people/new",
                &[
                    ("_csrf", &csrf),
                    ("name", "长者"),
                    ("id_number", &elder),
                    ("hukou_division", "360733100"),
                    ("hukou_type", "rural"),
                ],
            )
            .await;
        let page = c.get(&r.location()).await.text();
        assert!(!page.contains("id=\"under-60\""), "{b}");
    }
}

/// The people linked from a list page, in order.
fn listed(page: &str) -> Vec<String> {
    page.split("<td><a href=\"/people/")
        .skip(1)
        .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

#[tokio::test]
async fn the_list_finds_by_pinyin_initials_and_pages_by_key() {
    for (b, store, router) in apps(45).await {
        let ids = living_people(&store, "360733").await;
        let person = store.person_in_scope(ids[0], "360733").await.unwrap().unwrap();
        let initials = yiyang_domain::name_search::keys(&person.record.name).initials;
        let mut c = Client::login(&router, "huichang").await;
        let page = c.get(&format!("/people?q={initials}")).await.text();
        assert!(
            listed(&page).contains(&person.id.to_string()),
            "{b}: {} by {initials}",
            person.record.name
        );

        // The next page by key is the next page by number.
        let first = c.get("/people").await.text();
        assert!(first.contains("rel=\"next\" href=\"?page=2\""), "{b}");
        let first = listed(&first);
        assert_eq!(first.len(), 20, "{b}");
        let second = listed(&c.get("/people?page=2").await.text());
        let by_key = c.get(&format!("/people?after={}", first[19])).await.text();
        assert_eq!(listed(&by_key), second, "{b}");
        assert!(by_key.contains("回到第一页"), "{b}");
        assert!(!first.iter().any(|id| second.contains(id)), "{b}");
    }
}
