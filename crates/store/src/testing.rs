//! Fresh databases for tests: a temporary SQLite file always, and a new PostgreSQL
//! database when `YIYANG_TEST_POSTGRES` holds a server URL (`.ci/run` sets it, and sets
//! `YIYANG_REQUIRE_POSTGRES=1` so that a missing server fails the run instead of skipping).

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
}
