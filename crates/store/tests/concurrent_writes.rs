//! Writers at the same moment all succeed: on SQLite every store transaction takes the write
//! lock at its start and waits its turn, instead of failing with "database is locked" when it
//! read before another connection wrote (what once gave a 500 when beds were added while the
//! indicator snapshot ran).

use yiyang_store::testing::{actor, fresh_database_urls};
use yiyang_store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_transactions_that_read_then_write_at_once_all_succeed() {
    for (b, url) in fresh_database_urls().await {
        let store = Store::connect(&url).await.unwrap();
        store.load_demo(5, &actor("tester")).await.unwrap();
        let before = store.beds(1).await.unwrap().len();
        let mut tasks = Vec::new();
        for i in 0..32 {
            let s = store.clone();
            // Each counts the beds in its room, then inserts: read, then write.
            tasks.push(tokio::spawn(async move {
                let beds = yiyang_domain::institution::NewBeds {
                    building: "9".into(),
                    room: format!("9{:02}", i % 8),
                    count: 2,
                    nursing: false,
                    dementia_unit: false,
                    opened_on: None,
                };
                s.add_beds(1, &beds, &actor("tester")).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap_or_else(|e| panic!("{b}: {e}"));
        }
        let beds = store.beds(1).await.unwrap();
        assert_eq!(beds.len(), before + 64, "{b}");
        // Four writers per room, one after another: numbers 1..=8 in each, none twice.
        for room in 0..8 {
            let mut numbers: Vec<String> = beds
                .iter()
                .filter(|x| x.building == "9" && x.room == format!("9{room:02}"))
                .map(|x| x.number.clone())
                .collect();
            numbers.sort_by_key(|n| n.parse::<u32>().unwrap());
            assert_eq!(numbers, (1..=8).map(|n| n.to_string()).collect::<Vec<_>>(), "{b}");
        }
    }
}
