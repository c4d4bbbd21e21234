//! The division picker's answers: children and a name search, only inside the user's scope;
//! a division outside it answers like one that does not exist.

mod common;

use common::Client;

fn codes(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_picker_lists_and_finds_divisions_inside_the_scope_only() {
    for (db, _store, router) in common::apps(5).await {
        let mut county = Client::login(&router, "huichang").await;
        // The county's townships, by name, in code order.
        let towns = county.get("/divisions/children").await.json();
        let list = codes(&towns);
        assert!(list.len() > 10, "{db}: {towns}");
        assert!(
            list.iter().all(|c| c.len() == 9 && c.starts_with("360733")),
            "{db}: {list:?}"
        );
        assert_eq!(towns[0]["name"], "文武坝镇", "{db}");
        // A township's villages.
        let villages = codes(&county.get("/divisions/children?parent=360733100").await.json());
        assert!(!villages.is_empty() && villages.iter().all(|c| c.len() == 12 && c.starts_with("360733100")));
        // Another county, a province, garbage: all the same empty answer as an unknown code.
        for outside in ["360702", "36", "360733999", "abc", "3607331001019999"] {
            let r = county.get(&format!("/divisions/children?parent={outside}")).await;
            assert_eq!(r.status, 200, "{db} {outside}");
            assert_eq!(r.json(), serde_json::json!([]), "{db} {outside}");
        }
        // A search by name: below the scope only, higher levels first, each with its path.
        let found = county
            .get(&format!("/divisions/search?q={}", common::urlencode("文武坝")))
            .await
            .json();
        assert_eq!(found[0]["code"], "360733100", "{db}: {found}");
        assert_eq!(found[0]["path"], "文武坝镇", "{db}: {found}");
        let streets = county
            .get(&format!("/divisions/search?q={}", common::urlencode("街道")))
            .await
            .json();
        assert!(
            codes(&streets).iter().all(|c| c.starts_with("360733")),
            "{db}: {streets}"
        );
        // 章贡区's 解放街道 exists, but not for this county.
        let other = county
            .get(&format!("/divisions/search?q={}", common::urlencode("解放街道")))
            .await
            .json();
        assert_eq!(other, serde_json::json!([]), "{db}");
        // Long text is cut, never an error; empty text finds nothing.
        let long = "村".repeat(5000);
        assert_eq!(
            county
                .get(&format!("/divisions/search?q={}", common::urlencode(&long)))
                .await
                .status,
            200
        );
        assert_eq!(county.get("/divisions/search?q=").await.json(), serde_json::json!([]));

        // A township clerk sees the township's villages, and not a neighbouring township.
        let mut town = Client::login(&router, "wenwuba").await;
        let own = codes(&town.get("/divisions/children").await.json());
        assert_eq!(own, villages, "{db}");
        assert_eq!(
            town.get("/divisions/children?parent=360733101").await.json(),
            serde_json::json!([])
        );
        let search = town
            .get(&format!("/divisions/search?q={}", common::urlencode("筠门岭")))
            .await
            .json();
        assert_eq!(search, serde_json::json!([]), "{db}");
    }
}

#[tokio::test]
async fn the_picker_asks_for_a_sign_in() {
    for (_db, _store, router) in common::apps(1).await {
        let mut anon = Client::new(&router);
        let r = anon.get("/divisions/children").await;
        assert_eq!(r.status, 303, "{}", r.text());
    }
}
