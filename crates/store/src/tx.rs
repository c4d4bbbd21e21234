//! How the store begins a transaction.

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

/// A transaction that will write. On SQLite it takes the write lock at `BEGIN IMMEDIATE`, so it
/// waits its turn (the busy timeout) instead of failing: a deferred transaction that reads and
/// then writes gets "database is locked" at once when another connection wrote in between, and
/// the busy timeout does not help it. Every store transaction begins this way.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> std::result::Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    #[allow(clippy::disallowed_methods)]
    async fn begin_write(&self) -> std::result::Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

#[cfg(test)]
mod tests {
    use super::BeginWrite;
    use crate::{Db, Store};

    /// Two transactions that each read and then write, overlapping: both commit. With a
    /// deferred BEGIN the one whose read came before the other's write fails at once with
    /// "database is locked", whatever the busy timeout.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn overlapping_read_then_write_transactions_both_commit_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        let Db::Sqlite(pool) = &store.db else { unreachable!() };
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(pool).await.unwrap();
        let mut first = pool.begin_write().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&mut *first)
            .await
            .unwrap();
        let other = pool.clone();
        let second = tokio::spawn(async move {
            let mut tx = other.begin_write().await?;
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO t VALUES ($1)")
                .bind(n)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::query("INSERT INTO t VALUES ($1)")
            .bind(n)
            .execute(&mut *first)
            .await
            .unwrap();
        first.commit().await.unwrap();
        second.await.unwrap().unwrap();
        let xs: Vec<i64> = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(xs, vec![0, 1], "the second counted after the first wrote");
    }
}
