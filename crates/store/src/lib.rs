//! Yiyang's persistence: one [`Store`] over SQLite (embedded default) and PostgreSQL
//! (production), chosen by the URL scheme. Both backends run the same SQL (with `$N`
//! placeholders, which SQLite also understands) and each has its own migrations folder.

pub mod assessments;
pub mod audit;
pub mod benefits;
pub mod care;
pub mod clock;
pub mod demo;
pub mod disbursement;
pub mod facilities;
pub mod grants;
pub mod import;
pub mod institutions;
#[cfg(test)]
mod migrate_tests;
pub mod people;
pub mod planning;
pub mod reference;
pub mod services;
pub mod settings;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
mod tx;
pub mod users;
pub mod xlsx_read;

use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use yiyang_domain::person::FieldError;

pub use clock::Clock;
pub use reference::RefData;

/// Runs `$body` with `$pool` bound to the concrete pool of whichever backend is in use.
/// The body is compiled once per backend, so it may use anything sqlx offers for both.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite($pool) => {
                #[allow(unused_imports)]
                use $crate::BeginWrite as _;
                $body
            }
            $crate::Db::Postgres($pool) => {
                #[allow(unused_imports)]
                use $crate::BeginWrite as _;
                $body
            }
        }
    };
}
pub(crate) use with_pool;

pub(crate) use tx::BeginWrite;

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("不支持的数据库地址“{0}”（应以 sqlite:// 或 postgres:// 开头）")]
    BadUrl(String),
    #[error("输入有误")]
    Invalid(Vec<FieldError>),
    #[error("记录不存在")]
    NotFound,
    #[error("该记录已被他人修改，请刷新后再保存")]
    Conflict,
    #[error("{0}")]
    File(String),
    /// A request the rules refuse (wrong state, same person twice).
    #[error("{0}")]
    Refused(String),
    /// A function the role lacks (the web answers 403, not 409).
    #[error("{0}")]
    Forbidden(String),
}

impl From<yiyang_domain::benefits::UnknownPack> for StoreError {
    fn from(e: yiyang_domain::benefits::UnknownPack) -> StoreError {
        StoreError::Refused(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    reference: Arc<RwLock<Arc<RefData>>>,
    /// The audit chain's keys and checkpoint file, kept outside the database.
    audit_keys: Arc<RwLock<Arc<audit::keys::AuditKeys>>>,
    /// The runs being computed by this process (month|scope|pack): a second start waits for
    /// none of them and is told so.
    pub(crate) computing: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Each pack's visit roster by jurisdiction (`care::visits`), most specific first.
    pub(crate) visit_rules: Arc<RwLock<Arc<care::visits::RosterRules>>>,
    /// Accounts' display names, for every page that says who did something; reloaded when an
    /// account is created and at every sign-in.
    pub(crate) user_names: Arc<RwLock<Arc<users::UserNames>>>,
    /// What day it is for every date-dependent rule (`clock`).
    pub(crate) clock: Clock,
}

/// Migrates a SQLite database. SQLite changes a column's constraints by rebuilding its table
/// (<https://www.sqlite.org/lang_altertable.html#otheralter>), which other tables may refer to:
/// the connection that migrates has foreign keys off, as that procedure asks, and every
/// reference is checked before any other connection uses the database.
async fn migrate_sqlite(pool: &SqlitePool) -> Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
    let migrated = sqlx::migrate!("./migrations/sqlite").run(&mut *conn).await;
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *conn).await;
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
    migrated?;
    let broken = broken?;
    if !broken.is_empty() {
        return Err(StoreError::Refused(format!(
            "数据库迁移后有 {} 条记录引用了不存在的记录，请检查数据库",
            broken.len()
        )));
    }
    Ok(())
}

impl Store {
    /// Opens (creating and migrating when needed) the database at `url`:
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub async fn connect(url: &str) -> Result<Store> {
        let db = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                // Bulk upserts keep a statement journal and touch four indexes at random
                // places: keep both in memory rather than spilling to temporary files.
                .pragma("temp_store", "memory")
                .pragma("cache_size", "-131072")
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
            migrate_sqlite(&pool).await?;
            Db::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Every statement is planned for its values: a generic plan, made once for any
            // value, cannot tell a province's division range from a town's (it walked the
            // whole register in update order for a county's list, 1.3 s).
            let opts =
                sqlx::postgres::PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_custom_plan")]);
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Db::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let (dir, stem) = audit::keys::data_location(url);
        let keys = audit::keys::AuditKeys::load_or_create(&dir, &stem)?;
        let store = Store {
            db,
            reference: Arc::new(RwLock::new(Arc::new(RefData::default()))),
            audit_keys: Arc::new(RwLock::new(Arc::new(keys))),
            computing: Arc::default(),
            visit_rules: Arc::new(RwLock::new(Arc::new(care::visits::roster_rules(
                &yiyang_domain::policy::shipped::packs(),
                Clock::System.today(),
            )))),
            user_names: Arc::default(),
            clock: Clock::System,
        };
        store.ensure_reference_data().await?;
        store.refresh_user_names().await?;
        store.fill_name_keys().await?;
        Ok(store)
    }

    /// The same store, answering every date-dependent rule as of `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// The cached divisions and categories.
    pub fn reference(&self) -> Arc<RefData> {
        self.reference.read().expect("reference lock").clone()
    }

    pub(crate) fn set_reference(&self, data: RefData) {
        *self.reference.write().expect("reference lock") = Arc::new(data);
    }

    /// The `i`-th (1-based) placeholder of a statement whose parameters are bound strictly
    /// in order. Bulk statements use this rather than `$N`: SQLite resolves each `$N` by a
    /// linear search while preparing, which makes a statement with thousands of parameters
    /// take about a second to prepare; plain `?` takes a fraction of that.
    pub(crate) fn ph(&self, i: usize) -> String {
        match self.db {
            Db::Sqlite(_) => "?".to_string(),
            Db::Postgres(_) => format!("${i}"),
        }
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// The bounds of a division-prefix scope as a half-open string range, which both backends
/// answer from an ordinary index (codes are ASCII digits, and ':' sorts right after '9').
pub(crate) fn scope_range(scope: &str) -> (String, String) {
    (scope.to_string(), format!("{scope}:"))
}

/// Current time truncated to microseconds, the precision both backends keep, so that
/// timestamps read back equal what was written (the audit chain hashes them).
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    chrono::Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("in range")
}
