//! A database made before supervision named more than institutions (migration 0046) keeps
//! every row, id and reference through 0047 — on SQLite that rebuilds tables others refer to —
//! and a batch planned then can still be drawn.

use std::path::Path;

use sqlx::migrate::Migrator;
use yiyang_domain::supervision::inspection::InspectionStatus;

use crate::supervision::Viewer;
use crate::testing::{actor_in, fresh_database_urls};
use crate::{with_pool, Store};

/// The migrations of `backend` before `version`, in a folder of their own.
async fn before(backend: &str, version: i64) -> (tempfile::TempDir, Migrator) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        let n: i64 = name[..4].parse().unwrap();
        if n < version {
            std::fs::copy(e.path(), dir.path().join(&name)).unwrap();
        }
    }
    let m = Migrator::new(dir.path()).await.unwrap();
    (dir, m)
}

const ROWS: &[&str] = &[
    "INSERT INTO institutions (id, code, name, kind, division, created_at) VALUES (1, 'JG1', '甲院', 'private', '360733100', '2026-01-01T00:00:00Z')",
    "INSERT INTO inspection_items (id, division, code, name, kind, category, basis) VALUES (1, '360733', 'ZD01', '消防', 'key', 'fire', '消防法')",
    "INSERT INTO inspectors (id, code, name, unit, division, qualification) VALUES (1, 'J1', '甲', '民政局', '360733', '证'), (2, 'J2', '乙', '民政局', '360733', '证')",
    "INSERT INTO inspector_conflicts (inspector_id, institution_id, reason) VALUES (1, 1, '曾任职')",
    "INSERT INTO inspection_batches (id, name, title, division, status, inputs, inputs_sha256, created_by, created_at) VALUES \
     (1, 'OLD-1', '旧批次', '360733', 'drawn', '{}', 'x', 'a', '2026-01-01T00:00:00Z'), \
     (2, 'OLD-2', '未抽批次', '360733', 'planned', \
      '{\"batch\":\"OLD-2\",\"public_value\":\"\",\"per_object\":1,\"ratios\":{\"institution\":100,\"institution_risk\":100},\"objects\":[{\"id\":\"JG1\",\"stratum\":\"institution\"}],\"inspectors\":[{\"id\":\"J1\"},{\"id\":\"J2\"}],\"conflicts\":[[\"J1\",\"JG1\"]]}', \
      'x', 'a', '2026-01-01T00:00:00Z')",
    "INSERT INTO batch_items (batch_id, item_id) VALUES (1, 1), (2, 1)",
    "INSERT INTO inspections (id, batch_id, institution_id, object_key, stratum, position, status, inspected_on, summary, responsible, recorded_by) \
     VALUES (7, 1, 1, 'k', 'institution', 0, 'recorded', '2026-01-02', '意见', '院长', 'J2')",
    "INSERT INTO inspection_assignees (inspection_id, inspector_id, position) VALUES (7, 2, 0)",
    "INSERT INTO inspection_findings (inspection_id, item_id, outcome, note) VALUES (7, 1, 'serious', '通道堵塞')",
    "INSERT INTO hazards (id, institution_id, inspection_id, item_id, category, severity, description, responsible_unit, responsible_person, deadline, status, opened_by, opened_at) \
     VALUES (9, 1, 7, 1, 'fire', 'serious', '通道堵塞', '甲院', '院长', '2026-01-17', 'open', 'J2', '2026-01-02T00:00:00Z')",
    "INSERT INTO credit_records (id, institution_id, kind, recorded_on, reason, recorded_by, recorded_at) VALUES (4, 1, 'penalty', '2026-01-03', '罚款', 'a', '2026-01-03T00:00:00Z')",
    "INSERT INTO dishonest_listings (id, institution_id, listed_on, until_on, reason, document, listed_by, listed_at) \
     VALUES (5, 1, '2026-01-03', '2026-07-03', '失信', '文书', 'a', '2026-01-03T00:00:00Z')",
];

#[tokio::test]
async fn supervision_rows_keep_their_ids_and_references_through_0047_and_an_old_plan_draws() {
    for (b, url) in fresh_database_urls().await {
        {
            let store = if b == "sqlite" {
                let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
                    .unwrap()
                    .create_if_missing(true)
                    .foreign_keys(true);
                let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
                before("sqlite", 47).await.1.run(&pool).await.unwrap();
                crate::Db::Sqlite(pool)
            } else {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                before("postgres", 47).await.1.run(&pool).await.unwrap();
                crate::Db::Postgres(pool)
            };
            for sql in ROWS {
                match &store {
                    crate::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
                    crate::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
                }
                .unwrap_or_else(|e| panic!("{b}: {sql}: {e}"));
            }
            if let crate::Db::Postgres(p) = &store {
                // Rows written with their ids: the sequences go on after them.
                for t in [
                    "inspections",
                    "hazards",
                    "credit_records",
                    "dishonest_listings",
                    "inspection_batches",
                ] {
                    sqlx::query(&format!("SELECT setval('{t}_id_seq', (SELECT MAX(id) FROM {t}))"))
                        .execute(p)
                        .await
                        .unwrap();
                }
            }
        }
        // The store migrates the rest of the way (and checks every reference on SQLite).
        let s = Store::connect(&url).await.unwrap();
        let county = actor_in("huichang", "360733");
        let all = s.inspections_visible("360733", &Viewer::Division, None).await.unwrap();
        assert_eq!(all.len(), 1, "{b}");
        assert_eq!((all[0].id, all[0].institution_id), (7, Some(1)), "{b}");
        assert_eq!(all[0].status(), InspectionStatus::Recorded);
        assert_eq!(all[0].object_name, "甲院");
        assert_eq!(all[0].inspectors.len(), 1, "{b}: its assignee");
        assert_eq!(s.findings(7).await.unwrap()[0].note.as_deref(), Some("通道堵塞"));
        let today = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let hazards = s.hazards_visible("360733", &Viewer::Division, today).await.unwrap();
        assert_eq!((hazards[0].id, hazards[0].inspection_id), (9, Some(7)), "{b}");
        assert_eq!(s.credit_records_in("360733").await.unwrap()[0].id, 4);
        assert_eq!(s.listings_in("360733").await.unwrap()[0].id, 5);
        assert_eq!(
            s.conflicts_in("360733").await.unwrap(),
            vec![(1, "甲院".to_string(), "曾任职".to_string())]
        );
        // New rows take ids after the old ones.
        let next: i64 = with_pool!(s, pool => sqlx::query_scalar(
            "INSERT INTO credit_records (institution_id, kind, recorded_on, reason, recorded_by, recorded_at) \
             VALUES (1, 'penalty', '2026-01-04', 'r', 'a', '2026-01-04T00:00:00Z') RETURNING id")
            .fetch_one(pool).await.unwrap());
        assert_eq!(next, 5, "{b}");
        // References are enforced still, to the rebuilt tables.
        let orphan = with_pool!(s, pool => sqlx::query(
            "INSERT INTO inspection_findings (inspection_id, item_id, outcome) VALUES (999, 1, 'pass')")
            .execute(pool).await.is_err());
        assert!(orphan, "{b}: a finding of no inspection");
        let neither = with_pool!(s, pool => sqlx::query(
            "INSERT INTO hazards (category, severity, description, responsible_unit, responsible_person, deadline, status, \
             opened_by, opened_at) VALUES ('fire', 'minor', 'd', 'u', 'p', '2026-01-01', 'open', 'a', '2026-01-01T00:00:00Z')")
            .execute(pool).await.is_err());
        assert!(neither, "{b}: a hazard of no object");
        // The batch planned before 0047 names its institution and draws: J1 is recused.
        s.publish_batch(2, "360733", &county).await.unwrap();
        s.draw_batch(2, "1 2 3", "360733", &county).await.unwrap();
        let drawn = s
            .inspections_visible("360733", &Viewer::Division, Some(2))
            .await
            .unwrap();
        assert_eq!(drawn.len(), 1, "{b}");
        assert_eq!(drawn[0].institution_id, Some(1));
        assert_eq!(
            drawn[0].inspectors.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
            vec!["J2"]
        );
    }
}
