//! The audit chain on every backend: tampering with an entry is found at that entry, and a
//! chain recomputed without the key, or a cut tail, is found too.

mod common;

use common::stores;
use yiyang_store::audit::Verification;
use yiyang_store::testing::actor;

#[tokio::test]
async fn tampering_with_the_audit_log_is_detected_at_the_entry() {
    for (b, s) in stores().await {
        for i in 0..5 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        assert_eq!(
            s.verify_audit().await.unwrap(),
            Verification::Intact { entries: 5 },
            "{b}"
        );
        s.execute_raw_for_tests("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
            .await
            .unwrap();
        match s.verify_audit().await.unwrap() {
            Verification::Broken { seq, .. } => assert_eq!(seq, 3, "{b}"),
            v => panic!("{b}: {v:?}"),
        }
    }
    for (b, s) in stores().await {
        for i in 0..4 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        s.execute_raw_for_tests("DELETE FROM audit_log WHERE seq = 2")
            .await
            .unwrap();
        assert!(
            matches!(s.verify_audit().await.unwrap(), Verification::Broken { seq: 2, .. }),
            "{b}"
        );
    }
}

#[tokio::test]
async fn recomputing_the_chain_without_the_key_or_cutting_its_tail_is_detected() {
    // Re-hashing after an edit, with plain SHA-256 or with a key of one's own.
    for own_key in [None, Some(b"mallory's own key, 32 bytes long".as_slice())] {
        for (b, s) in stores().await {
            for i in 0..6 {
                s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                    .await
                    .unwrap();
            }
            s.rehash_audit_without_key_for_tests(4, own_key).await.unwrap();
            match s.verify_audit().await.unwrap() {
                Verification::Broken { seq, .. } => assert_eq!(seq, 4, "{b}"),
                v => panic!("{b}: a re-hashed chain passed: {v:?}"),
            }
        }
    }
    // Cutting the tail: the head is moved back to match, but the checkpoint remembers.
    for (b, s) in stores().await {
        for i in 0..6 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        let c = s.checkpoint_audit().await.unwrap().unwrap();
        assert_eq!(c.seq, 6, "{b}");
        assert_eq!(s.latest_audit_checkpoint().unwrap().unwrap(), c, "{b}");
        s.execute_raw_for_tests("DELETE FROM audit_log WHERE seq > 4")
            .await
            .unwrap();
        s.execute_raw_for_tests(
            "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4) WHERE id = 1",
        )
        .await
        .unwrap();
        match s.verify_audit().await.unwrap() {
            Verification::Broken { reason, .. } => assert!(reason.contains("共 6 条"), "{b}: {reason}"),
            v => panic!("{b}: a cut tail passed: {v:?}"),
        }
        // New entries after the cut do not hide it: the 6th entry now differs from the checkpoint.
        for i in 0..3 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        match s.verify_audit().await.unwrap() {
            Verification::Broken { seq, .. } => assert_eq!(seq, 6, "{b}"),
            v => panic!("{b}: {v:?}"),
        }
    }
    // A rotated key: old entries verify with the key they name, new ones with the new key.
    for (b, s) in stores().await {
        s.audit(&actor("tester").entry("view_full", "person", 1, serde_json::json!({})))
            .await
            .unwrap();
        s.checkpoint_audit().await.unwrap();
        let kid = s.rotate_audit_key().unwrap();
        s.audit(&actor("tester").entry("view_full", "person", 2, serde_json::json!({})))
            .await
            .unwrap();
        s.checkpoint_audit().await.unwrap();
        let log = s.audit_entries(None, 10, 0).await.unwrap();
        assert_eq!(log[0].key_id.as_deref(), Some(kid.as_str()), "{b}");
        assert_ne!(log[1].key_id, log[0].key_id, "{b}");
        assert_eq!(
            s.verify_audit().await.unwrap(),
            Verification::Intact { entries: 2 },
            "{b}"
        );
    }
}
