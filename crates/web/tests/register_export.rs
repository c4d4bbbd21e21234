//! The register export says how many rows it left out instead of stopping silently.

mod common;

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use common::*;

fn cells(bytes: &[u8]) -> Vec<String> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect()
}

#[tokio::test]
async fn an_export_over_the_limit_says_how_many_rows_it_left_out() {
    for (name, url) in yiyang_store::testing::fresh_database_urls().await {
        let store = yiyang_store::Store::connect(&url).await.unwrap();
        store.load_demo(12, &actor()).await.unwrap();
        let total = store
            .search_people(&yiyang_store::people::PersonQuery {
                scope: "360733".into(),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .total;
        let mut state = yiyang_web::AppState::new(store.clone());
        state.export_rows = 5;
        let router = yiyang_web::router(state);
        let mut c = Client::login(&router, "huichang").await;
        let r = c.get("/people/export.xlsx").await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{name}");
        let text = cells(&r.body);
        let note = format!("仅导出前 5 行，另有 {} 行未导出", total - 5);
        assert!(text.iter().any(|t| t.contains(&note)), "{name}: {note}");
        // Under the limit: no such line.
        let r = c.get("/people/export.xlsx?q=%E4%B8%8D%E5%AD%98%E5%9C%A8").await;
        assert!(!cells(&r.body).iter().any(|t| t.contains("未导出")), "{name}");
    }
}
