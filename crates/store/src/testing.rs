//! Fresh databases for tests: a temporary SQLite file always, and a new PostgreSQL
//! database when `YIYANG_TEST_POSTGRES` holds a server URL (`.ci/run` sets it, and sets
//! `YIYANG_REQUIRE_POSTGRES=1` so that a missing server fails the run instead of skipping).

/// Who a test acts as: `name` on the command line, with no scope of its own.
pub fn actor(name: &str) -> crate::audit::Actor {
    actor_in(name, "")
}

/// Who a test acts as, signed in with `scope`.
pub fn actor_in(name: &str, scope: &str) -> crate::audit::Actor {
    crate::audit::Actor {
        name: name.into(),
        channel: "cli",
        source: "test@host".into(),
        scope: scope.into(),
    }
}

/// Computes `month` over `scope` as "clerk", then reviews it as "rev" and approves it as "boss",
/// as three people in their roles do; returns the run's id.
pub async fn settle(store: &crate::Store, packs: &[yiyang_domain::policy::Pack], month: &str, scope: &str) -> i64 {
    use yiyang_domain::role::Role;
    let month = yiyang_domain::dates::Month::parse(month).expect("a month");
    let run = store
        .run_benefits(
            &crate::benefits::RunRequest::new(month, scope),
            packs,
            &actor("clerk"),
            &|_, _| {},
        )
        .await
        .expect("the run")
        .run;
    store
        .review_run(run.id, None, "rev", Role::Reviewer, scope, &actor("rev"))
        .await
        .expect("the review");
    store
        .approve_run(run.id, None, "boss", Role::Approver, scope, &actor("boss"))
        .await
        .expect("the approval");
    run.id
}

/// (backend name, database URL) for each backend under test.
pub async fn fresh_database_urls() -> Vec<(&'static str, String)> {
    let tag = format!("{}_{}", std::process::id(), rand::random::<u64>());
    let sqlite = std::env::temp_dir().join(format!("yiyang-test-{tag}.db"));
    let mut urls = vec![("sqlite", format!("sqlite://{}", sqlite.display()))];
    match std::env::var("YIYANG_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to YIYANG_TEST_POSTGRES");
            let db = format!("yiyang_test_{tag}");
            sqlx::query(&format!("CREATE DATABASE {db}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(admin.clone());
            urls.push(("postgres", format!("{base}/{db}")));
        }
        _ => {
            if std::env::var("YIYANG_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("YIYANG_REQUIRE_POSTGRES=1 but YIYANG_TEST_POSTGRES is not set: the PostgreSQL tests would be skipped");
            }
        }
    }
    urls
}

impl crate::Store {
    /// Runs raw SQL; for tests that simulate tampering or crashes.
    pub async fn execute_raw_for_tests(&self, sql: &str) -> crate::Result<u64> {
        Ok(crate::with_pool!(self, pool => sqlx::query(sql).execute(pool).await?.rows_affected()))
    }

    /// The first column (text) of every row of a query: for hand counts in tests.
    pub async fn execute_scalar_rows_for_tests(&self, sql: &str) -> Vec<String> {
        crate::with_pool!(self, pool => sqlx::query_scalar(sql).fetch_all(pool).await.expect("test query"))
    }
}

impl crate::Store {
    /// What someone with write access to the database but not the key file can do: rewrite
    /// the entries from `from_seq` on (here: their actor) and recompute every hash after it,
    /// with the only hash they can compute (plain SHA-256, or HMAC under a key of their own),
    /// moving the head to match.
    pub async fn rehash_audit_without_key_for_tests(&self, from_seq: i64, own_key: Option<&[u8]>) -> crate::Result<()> {
        use crate::audit::AuditRecord;
        let rows: Vec<AuditRecord> = crate::with_pool!(self, pool =>
            sqlx::query_as("SELECT * FROM audit_log ORDER BY seq").fetch_all(pool).await?);
        let mut prev = crate::audit::GENESIS.to_string();
        for mut r in rows {
            if r.seq >= from_seq {
                if r.seq == from_seq {
                    r.actor = "mallory".into();
                }
                r.prev_hash = prev.clone();
                r.hash = crate::audit::forged_hash(&r, own_key);
                let kid = own_key.map(|_| "forged".to_string()).or(r.key_id.clone());
                crate::with_pool!(self, pool => sqlx::query(
                    "UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3, key_id = $4 WHERE seq = $5")
                    .bind(&r.actor).bind(&r.prev_hash).bind(&r.hash).bind(kid).bind(r.seq)
                    .execute(pool).await.map(|_| ())?);
            }
            prev = r.hash;
        }
        crate::with_pool!(self, pool => sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&prev).execute(pool).await.map(|_| ())?);
        Ok(())
    }
}
