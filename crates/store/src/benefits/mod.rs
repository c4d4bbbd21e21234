//! The monthly benefit run: the register plus the policy packs → payment lines.
//!
//! - **Idempotent.** A run is one row per (month, scope, pack). Running the month again finds
//!   it: a finished run is returned as it is; a partial one is continued. A unique index
//!   allows one regular line per (person, benefit, month) across all runs, so overlapping
//!   scopes cannot pay anyone twice; lines already paid by another run are skipped and counted.
//! - **Resumable.** People are taken in id order, in chunks; each chunk's lines and the run's
//!   cursor are written in one transaction. A killed run leaves whole chunks behind it, and
//!   the next invocation starts after the last one.
//! - **States.** computing → draft → reviewed (审核) → approved (审批, by someone other than the
//!   reviewer) → exported. Only a draft can be recomputed.
//! - **Back-pay.** An assessment recorded after an earlier month's run was finalised, but dated
//!   within that month or before, can raise what was due in that month; the difference is
//!   paid as a separate `backpay` line for that month (see [`Store::run_benefits`]).
//!
//! The rules (a person's facts, lines, corrections, statuses) are `yiyang_domain::benefits`.
//! Files here: `run` (computing and storing a run
//! in chunks), `views` (totals, pages, exports, what-if, one person's month).

mod chunk;
pub mod counties;
pub mod hold;
pub mod local_figures;
mod run;
pub mod run_signing;
mod views;

pub use views::*;
pub use yiyang_domain::benefits::{
    corrections, lines_for, person_lines, Line, LineKind, PackChoice, Paid, PaidKey, PayeeKind, PersonFacts, RunStatus,
};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::Pack;
use yiyang_domain::DivisionCode;

use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// A chunk's people as SQL over a person-id column: their id range when they fill most of it
/// (people registered together, as a county's import is), else the list of their ids (a
/// county's people scattered among a province's), so that what is read about them is theirs,
/// not every id between the first and the last. Integers only, written as literals.
pub(crate) struct Ids {
    first: i64,
    last: i64,
    list: Option<String>,
}

impl Ids {
    /// `ids` in ascending order.
    pub(crate) fn of(ids: &[i64]) -> Ids {
        let (first, last) = (ids.first().copied().unwrap_or(0), ids.last().copied().unwrap_or(-1));
        let dense = last.saturating_sub(first) < 2 * ids.len() as i64;
        let list = (!dense).then(|| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
        Ids { first, last, list }
    }

    /// The condition that `col` is one of these people.
    pub(crate) fn filter(&self, col: &str) -> String {
        match &self.list {
            Some(list) => format!("{col} IN ({list})"),
            None => format!("{col} >= {} AND {col} <= {}", self.first, self.last),
        }
    }
}

/// People per chunk (one transaction each) unless a request says otherwise.
pub const DEFAULT_CHUNK: i64 = 50_000;

#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub id: i64,
    pub month: String,
    pub scope: String,
    pub pack: String,
    pub status: RunStatus,
    pub persons: i64,
    pub lines: i64,
    pub total_fen: i64,
    pub skipped: i64,
    /// Person-benefits that qualify but whose figure is not set yet (待定): listed, not paid.
    pub pending: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub computed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub exported_by: Option<String>,
    pub exported_at: Option<DateTime<Utc>>,
}

const RUN_COLUMNS: &str =
    "id, month, scope, pack, status, persons, lines, total_fen, skipped, pending, created_by, created_at, \
     computed_at, reviewed_by, reviewed_at, approved_by, approved_at, exported_by, exported_at";

#[derive(sqlx::FromRow)]
struct RunRecord {
    id: i64,
    month: String,
    scope: String,
    pack: String,
    status: String,
    persons: i64,
    lines: i64,
    total_fen: i64,
    skipped: i64,
    pending: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    computed_at: Option<DateTime<Utc>>,
    reviewed_by: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
    exported_by: Option<String>,
    exported_at: Option<DateTime<Utc>>,
}

impl TryFrom<RunRecord> for RunInfo {
    type Error = StoreError;

    /// Fails on a status it does not know rather than reading it as another.
    fn try_from(r: RunRecord) -> Result<RunInfo> {
        let status = RunStatus::parse(&r.status).ok_or_else(|| {
            StoreError::Db(sqlx::Error::Decode(
                format!("run {}: unknown status {:?}", r.id, r.status).into(),
            ))
        })?;
        Ok(RunInfo {
            id: r.id,
            month: r.month,
            scope: r.scope,
            pack: r.pack,
            status,
            persons: r.persons,
            lines: r.lines,
            total_fen: r.total_fen,
            skipped: r.skipped,
            pending: r.pending,
            created_by: r.created_by,
            created_at: r.created_at,
            computed_at: r.computed_at,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            exported_by: r.exported_by,
            exported_at: r.exported_at,
        })
    }
}

/// What to compute.
#[derive(Clone, Copy)]
pub struct RunRequest<'a> {
    pub month: Month,
    /// Division prefix: everyone whose household registration is inside it.
    pub scope: &'a str,
    /// A pack id, or `None` for each person's most specific pack by jurisdiction.
    pub pack: Option<&'a str>,
    /// Discard a draft's lines and compute again (after register corrections).
    pub recompute: bool,
    /// How many earlier months back-pay looks at.
    pub backpay_months: u32,
    /// People per chunk; each chunk is one transaction and a resume point.
    pub chunk: i64,
}

impl<'a> RunRequest<'a> {
    pub fn new(month: Month, scope: &'a str) -> RunRequest<'a> {
        RunRequest {
            month,
            scope,
            pack: None,
            recompute: false,
            backpay_months: 12,
            chunk: DEFAULT_CHUNK,
        }
    }
}

impl Store {
    /// How many people are registered in `scope`.
    pub async fn count_people_in(&self, scope: &str) -> Result<i64> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM persons WHERE hukou_division >= $1 AND hukou_division < $2")
            .bind(&lo).bind(&hi).fetch_one(pool).await?))
    }

    pub async fn benefit_run(&self, id: i64) -> Result<RunInfo> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM benefit_runs WHERE id = $1");
        let r: Option<RunRecord> = with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        r.map(RunInfo::try_from).ok_or(StoreError::NotFound)?
    }

    /// Whether `req` may start now, said in words before anything is spawned: a month that has
    /// begun, a pack that governs the scope, no computation of the same run under way here, no
    /// recomputation of a run already signed.
    pub async fn check_run_start(&self, req: &RunRequest<'_>, packs: &[Pack]) -> Result<()> {
        let scope = DivisionCode::parse(req.scope).map_err(|e| StoreError::Refused(e.to_string()))?;
        let month_s = req.month.to_string();
        let pack_key = req.pack.unwrap_or("auto");
        // Only months that have begun: a benefit is paid for a month being lived, never ahead.
        let this_month = self.clock.month();
        if req.month > this_month {
            return Err(StoreError::Refused(format!(
                "{month_s} 尚未到来：只能计算本月（{this_month}）及以前的月份"
            )));
        }
        // The county pays, under a pack in force that covers it (Huichang cannot be paid
        // under Xinjiang's rules).
        counties::check_payer(self, req.month, &scope, req.pack, packs)?;
        let key = format!("{month_s}|{}|{pack_key}", req.scope);
        if self.computing.lock().expect("computing lock").contains(&key) {
            return Err(StoreError::Refused(format!(
                "{month_s} 的发放批次正在计算中，请稍后刷新查看"
            )));
        }
        self.refuse_overlap(&month_s, req.scope, pack_key).await?;
        if let Some(run) = self.find_run(&month_s, req.scope, pack_key).await? {
            if req.recompute && !matches!(run.status, RunStatus::Draft | RunStatus::Computing) {
                return Err(StoreError::Refused(format!(
                    "{month_s} 的发放批次已{}，不能重新计算",
                    run.status.label()
                )));
            }
        }
        Ok(())
    }

    /// Runs left 计算中 (by a process that stopped midway): (month, scope, pack).
    pub async fn interrupted_runs(&self) -> Result<Vec<(String, String, String)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT month, scope, pack FROM benefit_runs WHERE status = 'computing' ORDER BY id")
            .fetch_all(pool).await?))
    }

    /// Runs whose scope is inside `scope`, newest month first.
    pub async fn list_benefit_runs(&self, scope: &str) -> Result<Vec<RunInfo>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM benefit_runs WHERE scope >= $1 AND scope < $2 ORDER BY month DESC, scope, id DESC"
        );
        let rows: Vec<RunRecord> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?);
        rows.into_iter().map(RunInfo::try_from).collect()
    }

    /// Refuses a run of `month` for `scope` while another open run (计算中, 待审核, 已审核) of the
    /// same month covers any of the same people — an ancestor's, a descendant's, or the same
    /// area's under another pack — naming it, so that no one's line sits in a draft the
    /// preparer cannot see. That run is approved (then the lines it holds are skipped here, not
    /// paid twice), or withdrawn or rejected (then this run pays them).
    pub(crate) async fn refuse_overlap(&self, month: &str, scope: &str, pack: &str) -> Result<()> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM benefit_runs WHERE month = $1 AND status IN ('computing', 'draft', 'reviewed') \
             AND NOT (scope = $2 AND pack = $3) \
             AND (scope = substr($2, 1, length(scope)) OR substr(scope, 1, length($2)) = $2) ORDER BY id LIMIT 1"
        );
        let other: Option<RunRecord> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(month).bind(scope).bind(pack).fetch_optional(pool).await?);
        let Some(other) = other.map(RunInfo::try_from).transpose()? else {
            return Ok(());
        };
        let r = self.reference();
        let area = if other.scope == scope {
            "本区划另一政策包".to_string()
        } else {
            r.division_path(&other.scope)
        };
        Err(StoreError::Refused(format!(
            "{month} 已有{area}的发放批次（编号 {}，{}）包含本区划的人员：请先办结（审批）或由经办人撤回、审核人驳回该批次，再计算本批次",
            other.id,
            other.status.label()
        )))
    }

    /// The run of `month` for `scope` under `pack` that counts: rejected and withdrawn runs
    /// are history, not the month's run.
    async fn find_run(&self, month: &str, scope: &str, pack: &str) -> Result<Option<RunInfo>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM benefit_runs WHERE month = $1 AND scope = $2 AND pack = $3 \
             AND status NOT IN ('rejected', 'withdrawn')"
        );
        let r: Option<RunRecord> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(month).bind(scope).bind(pack).fetch_optional(pool).await?);
        r.map(RunInfo::try_from).transpose()
    }

    /// Records an assessment result (the full form comes with the assessment module).
    pub async fn record_assessment(
        &self,
        person_id: i64,
        standard: &str,
        level: i64,
        assessed_on: NaiveDate,
        valid_until: NaiveDate,
    ) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO assessments (person_id, standard, final_level, assessed_on, valid_until, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(person_id).bind(standard).bind(level).bind(assessed_on).bind(valid_until).bind(now())
            .fetch_one(pool).await?))
    }

    /// Adds an institution (the full register comes with the institutions module).
    pub async fn add_institution(&self, code: &str, name: &str, kind: &str, division: &str) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO institutions (code, name, kind, division, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(code).bind(name).bind(kind).bind(division).bind(now()).fetch_one(pool).await?))
    }

    pub async fn admit(
        &self,
        person_id: i64,
        institution_id: i64,
        on: NaiveDate,
        left: Option<NaiveDate>,
    ) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO residents (person_id, institution_id, admitted_on, left_on, recorded_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(person_id).bind(institution_id).bind(on).bind(left).bind(now()).fetch_one(pool).await?))
    }
}
