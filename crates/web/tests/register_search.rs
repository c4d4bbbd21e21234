//! The register searched by the last four characters of the ID number — the only ones its
//! list shows — within the user's scope, and audited like any search by ID number.

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
        assert!(audit.iter().any(|e| e.action == "search_id" && e.detail.contains(&last4)), "{b}");
    }
}
