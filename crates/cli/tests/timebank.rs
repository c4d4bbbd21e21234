//! `yiyang timebank verify` on both databases: intact after the demo's activity, and failing,
//! naming the entry, after a row is altered, removed (in the middle and at the tail) or
//! inserted; an account extract verifies with the platform's public key and not once changed.

mod common;

use common::yiyang;
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::Store;

async fn sql(store: &Store, s: &str) {
    store.execute_raw_for_tests(s).await.unwrap();
}

#[tokio::test]
async fn the_ledger_verifies_and_names_an_altered_removed_or_inserted_entry() {
    for (b, url) in fresh_database_urls().await {
        let (code, out) = yiyang(&["demo", "--db", &url, "--people", "60"]);
        assert_eq!(code, 0, "{b}: {out}");
        let verify = || yiyang(&["timebank", "verify", "--db", &url]);
        let (code, out) = verify();
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("时间银行账本完整：共 7 条"), "{b}: {out}");
        let store = Store::connect(&url).await.unwrap();
        sql(&store, "CREATE TABLE tb_copy AS SELECT * FROM timebank_ledger").await;
        sql(&store, "CREATE TABLE tb_head_copy AS SELECT * FROM timebank_head").await;
        let restore = || async {
            sql(&store, "DELETE FROM timebank_ledger").await;
            sql(&store, "INSERT INTO timebank_ledger SELECT * FROM tb_copy").await;
            sql(&store, "DELETE FROM timebank_head").await;
            sql(&store, "INSERT INTO timebank_head SELECT * FROM tb_head_copy").await;
            let (code, out) = verify();
            assert_eq!(code, 0, "{b}: restored: {out}");
        };

        // Altered: an hour more on entry 2.
        sql(
            &store,
            "UPDATE timebank_ledger SET minutes = minutes + 60 WHERE seq = 2",
        )
        .await;
        let (code, out) = verify();
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("第 2 条") && out.contains("被改动"), "{b}: {out}");
        restore().await;
        // Altered elsewhere: the account an entry belongs to.
        sql(
            &store,
            "UPDATE timebank_ledger SET account_id = (SELECT MAX(id) FROM timebank_accounts) WHERE seq = 1",
        )
        .await;
        let (code, out) = verify();
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("第 1 条"), "{b}: {out}");
        restore().await;

        // Removed in the middle.
        sql(&store, "DELETE FROM timebank_ledger WHERE seq = 3").await;
        let (code, out) = verify();
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("第 3 条记录缺失"), "{b}: {out}");
        restore().await;
        // Removed at the tail, the head moved back too: the checkpoint outside the database says so.
        sql(&store, "DELETE FROM timebank_ledger WHERE seq = 7").await;
        sql(
            &store,
            "UPDATE timebank_head SET seq = 6, hash = (SELECT hash FROM timebank_ledger WHERE seq = 6) WHERE id = 1",
        )
        .await;
        let (code, out) = verify();
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("末尾的记录被删除"), "{b}: {out}");
        restore().await;

        // Inserted in the middle: the later entries renumbered, a forged entry 3 chained to 2.
        sql(&store, "UPDATE timebank_ledger SET seq = seq + 100000 WHERE seq >= 3").await;
        sql(
            &store,
            "UPDATE timebank_ledger SET seq = seq - 99999 WHERE seq > 100000",
        )
        .await;
        sql(
            &store,
            "INSERT INTO timebank_ledger (seq, at, account_id, kind, minutes, counterparty, beneficiary, note, division, recorded_by, prev_hash, hash, key_id) \
             SELECT 3, at, account_id, 'earn', 6000, counterparty, beneficiary, '伪造', division, recorded_by, hash, hash, key_id FROM timebank_ledger WHERE seq = 2",
        )
        .await;
        sql(&store, "UPDATE timebank_head SET seq = 8 WHERE id = 1").await;
        let (code, out) = verify();
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("第 3 条"), "{b}: {out}");
        restore().await;
        // Inserted at the end, chained to the head but without the key.
        sql(
            &store,
            "INSERT INTO timebank_ledger (seq, at, account_id, kind, minutes, counterparty, beneficiary, note, division, recorded_by, prev_hash, hash, key_id) \
             SELECT 8, at, account_id, 'earn', 6000, counterparty, beneficiary, '伪造', division, recorded_by, hash, hash, key_id FROM timebank_ledger WHERE seq = 7",
        )
        .await;
        let (code, out) = verify();
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("第 8 条") && out.contains("伪造"), "{b}: {out}");
        restore().await;

        // An extract of the demo volunteer's account: valid under the published key; changed, not.
        let (code, key) = yiyang(&["timebank", "public-key", "--db", &url]);
        assert_eq!(code, 0, "{b}: {key}");
        let key = key.trim().to_string();
        let account = store
            .timebank_account_of(yiyang_store::services::DEMO_FAMILY)
            .await
            .unwrap()
            .unwrap();
        let extract = store.timebank_extract(account.id, "测试平台").await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("extract.json");
        std::fs::write(&file, serde_json::to_string_pretty(&extract).unwrap()).unwrap();
        let path = file.to_str().unwrap();
        let (code, out) = yiyang(&["timebank", "verify-extract", path, "--key", &key]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("摘录有效") && out.contains("刘建华"), "{b}: {out}");
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("\"刘建华\"", "\"刘建国\"");
        std::fs::write(&file, text).unwrap();
        let (code, out) = yiyang(&["timebank", "verify-extract", path, "--key", &key]);
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("签名不符"), "{b}: {out}");
        store.close().await;
    }
}
