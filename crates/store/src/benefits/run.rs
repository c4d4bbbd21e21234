//! Computing a run: people loaded in chunks with their facts, lines stored with the run's
//! cursor in one transaction per chunk (see the module above).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use yiyang_domain::benefits::{AssessmentFact, Stay};
use yiyang_domain::category_history::CategoryChange;
use yiyang_domain::dates::Month;
use yiyang_domain::institution::InstitutionKind;
use yiyang_domain::person::{HukouType, Sex};
use yiyang_domain::policy::Pack;
use yiyang_domain::DivisionCode;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Db, Result, Store, StoreError};

use super::chunk::Chunk;
use super::*;

pub(super) fn person_select(filter: &str) -> String {
    format!(
        "SELECT id, id_number, name, sex, birth_date, hukou_division, hukou_type, categories, death_date \
         FROM persons WHERE {filter} ORDER BY id"
    )
}

pub(super) type PersonRow = (
    i64,
    String,
    String,
    String,
    NaiveDate,
    String,
    String,
    String,
    Option<NaiveDate>,
);

pub(super) fn to_person(r: PersonRow) -> Result<PersonFacts> {
    let mut p = PersonFacts::new(r.0, sex(&r.3)?, r.4, r.5, hukou_type(&r.6)?);
    (p.id_number, p.name, p.categories, p.death_date) = (r.1, r.2, r.7, r.8);
    Ok(p)
}

/// A stored code read back: the `CHECK` constraints admit only known ones, so anything else is
/// a damaged database, reported rather than guessed.
fn known<T>(v: Option<T>, what: &str, raw: &str) -> Result<T> {
    v.ok_or_else(|| StoreError::File(format!("数据库中的{what}代码“{raw}”无法识别")))
}

fn sex(raw: &str) -> Result<Sex> {
    known(Sex::from_code(raw), "性别", raw)
}

fn hukou_type(raw: &str) -> Result<HukouType> {
    known(HukouType::from_code(raw), "户籍性质", raw)
}

/// Another process created the same run a moment earlier: say so in words, not as a raw
/// constraint error.
fn already_started(e: sqlx::Error, month: &str) -> StoreError {
    match e.as_database_error() {
        Some(d) if d.is_unique_violation() => {
            StoreError::Refused(format!("{month} 的发放批次已由他人开始计算，请稍后刷新查看"))
        }
        _ => StoreError::Db(e),
    }
}

impl Store {
    /// People in `scope` with id in `(after, ..]`, at most `limit`, with their assessments and
    /// institution stays.
    pub(super) async fn load_people(
        &self,
        scope: &str,
        month: Month,
        after: i64,
        limit: i64,
    ) -> Result<Vec<PersonFacts>> {
        // The scope is a validated division code (digits only), so it is written into the SQL
        // as a literal: with a bound parameter PostgreSQL's generic plan cannot see that a
        // province-wide range matches every row, and picks the division index plus a sort of
        // the whole province for every chunk.
        DivisionCode::parse(scope).map_err(|e| StoreError::Refused(e.to_string()))?;
        // Also everyone living in an institution of the scope during the month.
        let (d0, d1) = (month.first_day(), month.last_day());
        let residents = format!(
            "SELECT r.person_id FROM residents r JOIN institutions i ON i.id = r.institution_id \
             WHERE i.division >= '{scope}' AND i.division < '{scope}:' AND r.admitted_on <= '{d1}' \
             AND (r.left_on IS NULL OR r.left_on >= '{d0}')"
        );
        let mut people = if scope.len() == 6 {
            // A county (every run's scope): its own people walk the (county, id) index, so a
            // province's hundred county runs read each person once, not the register a hundred
            // times; residents of its institutions registered elsewhere are added up to the
            // chunk's last id.
            let county = format!("substr(hukou_division, 1, 6) = '{scope}'");
            let mut own = self
                .fetch_facts(&format!("{county} AND id > {after}"), false, limit)
                .await?;
            let upto = match own.last() {
                Some(p) if own.len() as i64 == limit => p.id,
                _ => i64::MAX,
            };
            let others = format!("NOT ({county}) AND id IN ({residents}) AND id > {after} AND id <= {upto}");
            own.extend(self.fetch_facts(&others, false, i64::MAX).await?);
            own.sort_by_key(|p| p.id);
            own
        } else {
            // A wider area (what-if over a province): every row or most match, so SQLite walks
            // the primary key.
            let area = format!(
                "((hukou_division >= '{scope}' AND hukou_division < '{scope}:') OR id IN ({residents})) AND id > {after}"
            );
            self.fetch_facts(&area, true, limit).await?
        };
        people.dedup_by_key(|p| p.id);
        self.attach_facts(&mut people).await?;
        Ok(people)
    }

    /// The computing facts of the people matching `filter` (SQL over `persons`, literals only),
    /// in id order, at most `limit`; `walk_pk` tells SQLite to read the table in id order.
    async fn fetch_facts(&self, filter: &str, walk_pk: bool, limit: i64) -> Result<Vec<PersonFacts>> {
        Ok(match &self.db {
            // sqlx hands SQLite rows over one by one through a channel, which costs ~10 µs a
            // row; the chunk comes back instead as one text value, every field of which is
            // digits, a date, or a category code list (no tabs or line ends can occur).
            // Names and ID numbers are not needed to compute and are left out.
            Db::Sqlite(pool) => {
                let hint = if walk_pk { "NOT INDEXED " } else { "" };
                let sql = format!(
                    "SELECT group_concat(id || char(9) || sex || char(9) || birth_date || char(9) || hukou_division \
                     || char(9) || hukou_type || char(9) || categories || char(9) || COALESCE(death_date, ''), char(10)) \
                     FROM (SELECT * FROM persons {hint}WHERE {filter} ORDER BY id LIMIT $1)"
                );
                let blob: Option<String> = sqlx::query_scalar(&sql).bind(limit).fetch_one(pool).await?;
                let mut people = Vec::new();
                for line in blob.as_deref().unwrap_or("").split('\n').filter(|l| !l.is_empty()) {
                    let f: Vec<&str> = line.split('\t').collect();
                    let date = |s: &str| {
                        s.parse::<NaiveDate>()
                            .map_err(|e| StoreError::File(format!("{s}: {e}")))
                    };
                    let id = f[0].parse().map_err(|_| StoreError::File(format!("bad id {}", f[0])))?;
                    let mut p = PersonFacts::new(id, sex(f[1])?, date(f[2])?, f[3].to_string(), hukou_type(f[4])?);
                    p.categories = f[5].to_string();
                    p.death_date = if f[6].is_empty() { None } else { Some(date(f[6])?) };
                    people.push(p);
                }
                people.sort_by_key(|p| p.id);
                people
            }
            Db::Postgres(pool) => {
                let sql = format!(
                    "SELECT id, '' AS id_number, '' AS name, sex, birth_date, hukou_division, hukou_type, categories, \
                     death_date FROM persons WHERE {filter} ORDER BY id LIMIT $1"
                );
                let rows: Vec<PersonRow> = sqlx::query_as(&sql).bind(limit).fetch_all(pool).await?;
                rows.into_iter().map(to_person).collect::<Result<_>>()?
            }
        })
    }

    pub(super) async fn attach_facts(&self, people: &mut [PersonFacts]) -> Result<()> {
        if people.is_empty() {
            return Ok(());
        }
        let ids = Ids::of(&people.iter().map(|p| p.id).collect::<Vec<_>>());
        let index: HashMap<i64, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        // Only confirmed assessments count, from the moment they were confirmed: one confirmed
        // after a month was settled is a late change that month's next run corrects.
        let sql = format!(
            "SELECT person_id, final_level, assessed_on, valid_until, COALESCE(confirmed_at, recorded_at) AS recorded_at, standard \
             FROM assessments WHERE {} AND status = 'confirmed' ORDER BY person_id, assessed_on, id",
            ids.filter("person_id")
        );
        let assessments: Vec<(i64, i64, NaiveDate, NaiveDate, DateTime<Utc>, String)> =
            with_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        for (pid, level, on, until, at, standard) in assessments {
            if let Some(&i) = index.get(&pid) {
                people[i].assessments.push(AssessmentFact {
                    level,
                    assessed_on: on,
                    valid_until: until,
                    recorded_at: at,
                    standard,
                });
            }
        }
        let sql = format!(
            "SELECT r.person_id, i.code, i.kind, i.division, r.admitted_on, r.left_on, i.tekun_contract FROM residents r \
             JOIN institutions i ON i.id = r.institution_id WHERE {} ORDER BY r.person_id, r.admitted_on, r.id",
            ids.filter("r.person_id")
        );
        type StayRow = (i64, String, String, String, NaiveDate, Option<NaiveDate>, bool);
        let stays: Vec<StayRow> = with_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        for (pid, code, kind, division, on, left, tekun_contract) in stays {
            if let Some(&i) = index.get(&pid) {
                let kind = known(InstitutionKind::parse(&kind), "机构性质", &kind)?;
                people[i].stays.push(Stay {
                    institution: code,
                    kind,
                    division,
                    admitted_on: on,
                    left_on: left,
                    tekun_contract,
                });
            }
        }
        type ChangeRow = (i64, String, Option<String>, Option<String>, NaiveDate, DateTime<Utc>);
        let sql = format!(
            "SELECT person_id, kind, old_value, new_value, effective_on, recorded_at FROM person_changes \
             WHERE {} ORDER BY person_id, id",
            ids.filter("person_id")
        );
        let changes: Vec<ChangeRow> = with_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        for (pid, kind, old, new, on, at) in changes {
            if let Some(&i) = index.get(&pid) {
                let p = &mut people[i];
                p.changes.push((on, at));
                if kind == "categories" {
                    p.category_changes.push(CategoryChange {
                        effective_on: on,
                        old: old.unwrap_or_default(),
                        new: new.unwrap_or_default(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Computes (or continues, or returns) the run for `req`. See the module documentation.
    pub async fn run_benefits(
        &self,
        req: &RunRequest<'_>,
        packs: &[Pack],
        actor: &Actor,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<RunOutcome> {
        self.check_run_start(req, packs).await?;
        let month_s = req.month.to_string();
        let pack_key = req.pack.unwrap_or("auto");
        // One computation of a run at a time in this process; the unique index guards the rest.
        let key = format!("{month_s}|{}|{pack_key}", req.scope);
        if !self.computing.lock().expect("computing lock").insert(key.clone()) {
            return Err(StoreError::Refused(format!(
                "{month_s} 的发放批次正在计算中，请稍后刷新查看"
            )));
        }
        struct Done<'a>(&'a Store, String);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                if let Ok(mut set) = self.0.computing.lock() {
                    set.remove(&self.1);
                }
            }
        }
        let _done = Done(self, key);
        let mut choice = PackChoice::new(packs, req.month, req.pack)?;
        let mut resumed = false;
        let run = match self.find_run(&month_s, req.scope, pack_key).await? {
            Some(run) if run.status == RunStatus::Computing => {
                resumed = true;
                run
            }
            Some(run) if run.status == RunStatus::Draft && req.recompute => {
                with_pool!(self, pool => {
                    let mut tx = pool.begin_write().await?;
                    sqlx::query("DELETE FROM payment_lines WHERE run_id = $1").bind(run.id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM run_pending WHERE run_id = $1").bind(run.id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM run_held WHERE run_id = $1").bind(run.id).execute(&mut *tx).await?;
                    sqlx::query("UPDATE benefit_runs SET status = 'computing', cursor = 0, persons = 0, lines = 0, \
                                 total_fen = 0, skipped = 0, pending = 0, computed_at = NULL WHERE id = $1")
                        .bind(run.id).execute(&mut *tx).await?;
                    (*tx).append_audit(&self.audit_keys(), &actor.entry("recompute", "benefit_run", run.id, serde_json::json!({"month": month_s, "scope": req.scope}))).await?;
                    tx.commit().await?;
                });
                self.benefit_run(run.id).await?
            }
            Some(run) if run.status != RunStatus::Draft && req.recompute => {
                return Err(StoreError::Refused(format!(
                    "{} 的发放批次已{}，不能重新计算",
                    month_s,
                    run.status.label()
                )));
            }
            Some(run) => {
                return Ok(RunOutcome {
                    run,
                    already_complete: true,
                    resumed: false,
                    backpay_lines: 0,
                    recovery_lines: 0,
                })
            }
            None => {
                self.refuse_overlap(&month_s, req.scope, pack_key).await?;
                let at = now();
                let id: i64 = with_pool!(self, pool => {
                    let mut tx = pool.begin_write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO benefit_runs (month, scope, pack, status, created_by, created_at) \
                         VALUES ($1, $2, $3, 'computing', $4, $5) RETURNING id")
                        .bind(&month_s).bind(req.scope).bind(pack_key).bind(&actor.name).bind(at)
                        .fetch_one(&mut *tx).await.map_err(|e| already_started(e, &month_s))?;
                    (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "benefit_run", id,
                        serde_json::json!({"month": month_s, "scope": req.scope, "pack": pack_key}))).await?;
                    tx.commit().await?;
                    id
                });
                self.benefit_run(id).await?
            }
        };
        self.store_rules(&choice).await?;
        let (lo, hi) = scope_range(req.scope);
        let total: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM persons WHERE hukou_division >= $1 AND hukou_division < $2")
            .bind(&lo).bind(&hi).fetch_one(pool).await?);
        let mut cursor: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT cursor FROM benefit_runs WHERE id = $1")
            .bind(run.id).fetch_one(pool).await?);
        let mut done: i64 = run.persons;
        // Earlier months of this scope and pack that are settled, for back-pay.
        let mut settled: Vec<(Month, DateTime<Utc>)> = Vec::new();
        let mut m = req.month;
        for _ in 0..req.backpay_months {
            m = m.prev();
            if let Some(r) = self.find_run(&m.to_string(), req.scope, pack_key).await? {
                // From when the run started: anything recorded later may be missing from it.
                if r.status.is_final() {
                    settled.push((m, r.created_at));
                }
            }
        }
        // Whose lines the counties hold (proof of life, account), each county's rule read once.
        let mut holds = Store::hold_rules(req.month);
        let (mut backpay_lines, mut recovery_lines) = (0i64, 0i64);
        let (mut t_load, mut t_compute, mut t_store) = (0f64, 0f64, 0f64);
        loop {
            let t0 = std::time::Instant::now();
            let people = self.load_people(req.scope, req.month, cursor, req.chunk.max(1)).await?;
            t_load += t0.elapsed().as_secs_f64();
            let t0 = std::time::Instant::now();
            let Some(last) = people.last().map(|p| p.id) else { break };
            let ids = Ids::of(&people.iter().map(|p| p.id).collect::<Vec<_>>());
            let mut lines = Vec::new();
            for p in &people {
                lines.extend(lines_for(p, req.month, &mut choice, req.scope, LineKind::Regular));
            }
            // Corrections of settled months: someone with a change recorded after that month's
            // run started (an assessment, a category change or a death taking effect by the
            // month's end) is computed again for it; what is due now less what was paid is
            // paid as `backpay` or, when negative, recovered as `recovery`.
            let mut backpay = Vec::new();
            if !settled.is_empty() {
                let late: Vec<&PersonFacts> = people
                    .iter()
                    .filter(|p| settled.iter().any(|(m, at)| p.changed_for(*m, *at)))
                    .collect();
                if !late.is_empty() {
                    let paid = self
                        .paid_by_key(&ids, &settled.iter().map(|s| s.0.to_string()).collect::<Vec<_>>())
                        .await?;
                    for p in late {
                        for (m, at) in &settled {
                            if p.changed_for(*m, *at) {
                                backpay.extend(corrections(p, *m, &mut choice, req.scope, &paid));
                            }
                        }
                    }
                }
            }
            // Lines another run already holds for this month are not paid twice.
            let taken = self.regular_taken(&ids, &month_s, run.id).await?;
            let (mut pending, mut lines): (Vec<Line>, Vec<Line>) =
                lines.into_iter().partition(|l| l.kind == LineKind::Pending);
            pending.retain(|l| !taken.contains(&(l.person_id, l.benefit.clone())));
            let before = lines.len();
            lines.retain(|l| !taken.contains(&(l.person_id, l.benefit.clone())));
            let skipped = (before - lines.len()) as i64;
            recovery_lines += backpay.iter().filter(|l| l.kind == LineKind::Recovery).count() as i64;
            backpay_lines += backpay.iter().filter(|l| l.kind == LineKind::Backpay).count() as i64;
            lines.extend(backpay);
            let held = self.hold_lines(&mut holds, &mut lines, &ids).await?;
            t_compute += t0.elapsed().as_secs_f64();
            let t0 = std::time::Instant::now();
            let chunk = Chunk {
                lines: &lines,
                pending: &pending,
                held: &held,
            };
            self.store_chunk(run.id, chunk, last, people.len() as i64, skipped)
                .await?;
            t_store += t0.elapsed().as_secs_f64();
            cursor = last;
            done += people.len() as i64;
            progress(done as u64, total.max(done) as u64);
        }
        tracing::debug!(t_load, t_compute, t_store, "benefit run phases (seconds)");
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE benefit_runs SET status = 'draft', computed_at = $2 WHERE id = $1 AND status = 'computing'")
                .bind(run.id).bind(at).execute(&mut *tx).await?;
            let (lines, fen): (i64, i64) = sqlx::query_as("SELECT lines, total_fen FROM benefit_runs WHERE id = $1")
                .bind(run.id).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("compute", "benefit_run", run.id,
                serde_json::json!({"month": month_s, "scope": req.scope, "pack": pack_key, "lines": lines, "total_fen": fen, "resumed": resumed}))).await?;
            tx.commit().await?;
        });
        Ok(RunOutcome {
            run: self.benefit_run(run.id).await?,
            already_complete: false,
            resumed,
            backpay_lines,
            recovery_lines,
        })
    }

    /// Records the title and clause of every rule the run may cite.
    async fn store_rules(&self, choice: &PackChoice<'_>) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for program in choice.programs() {
                let p = program.pack;
                for r in &p.rules {
                    sqlx::query("INSERT INTO benefit_rules (pack_id, pack_version, rule_id, title, clause) \
                                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pack_id, pack_version, rule_id) \
                                 DO UPDATE SET title = excluded.title, clause = excluded.clause")
                        .bind(&p.id).bind(&p.version).bind(&r.id).bind(&r.title).bind(&r.clause)
                        .execute(&mut *tx).await?;
                }
                for b in &p.benefits {
                    sqlx::query("INSERT INTO benefit_titles (pack_id, pack_version, benefit, title) \
                                 VALUES ($1, $2, $3, $4) ON CONFLICT (pack_id, pack_version, benefit) \
                                 DO UPDATE SET title = excluded.title")
                        .bind(&p.id).bind(&p.version).bind(&b.code).bind(&b.title)
                        .execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// (person, benefit) pairs already holding a regular line for `month` in another run.
    async fn regular_taken(&self, people: &Ids, month: &str, run_id: i64) -> Result<HashSet<(i64, String)>> {
        let sql = format!(
            "SELECT person_id, benefit FROM payment_lines WHERE kind = 'regular' AND benefit_month = $1 \
             AND {} AND run_id <> $2",
            people.filter("person_id")
        );
        let rows: Vec<(i64, String)> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(month).bind(run_id).fetch_all(pool).await?);
        Ok(rows.into_iter().collect())
    }

    /// What has been paid per (person, benefit, month) for the given months, all kinds, with
    /// the payee and rule of the regular line (a recovery goes back to whoever was paid).
    async fn paid_by_key(&self, people: &Ids, months: &[String]) -> Result<HashMap<PaidKey, Paid>> {
        let mut out: HashMap<PaidKey, Paid> = HashMap::new();
        let sql = format!(
            "SELECT person_id, benefit, kind, payee_kind, payee, county, amount_fen, rule_id, pack_id, pack_version \
             FROM payment_lines WHERE benefit_month = $1 AND {}",
            people.filter("person_id")
        );
        for m in months {
            type Row = (i64, String, String, String, String, String, i64, String, String, String);
            let rows: Vec<Row> = with_pool!(self, pool => sqlx::query_as(&sql).bind(m).fetch_all(pool).await?);
            for (p, b, kind, payee_kind, payee, county, fen, rule_id, pack_id, pack_version) in rows {
                let payee_kind = known(PayeeKind::parse(&payee_kind), "收款方类别", &payee_kind)?;
                let e = out.entry((p, b, m.clone())).or_insert_with(|| Paid {
                    fen: 0,
                    payee_kind,
                    payee: payee.clone(),
                    county: county.clone(),
                    rule_id: rule_id.clone(),
                    pack_id: pack_id.clone(),
                    pack_version: pack_version.clone(),
                });
                e.fen += fen;
                if kind == "regular" {
                    (e.payee_kind, e.payee, e.county) = (payee_kind, payee, county);
                    (e.rule_id, e.pack_id, e.pack_version) = (rule_id, pack_id, pack_version);
                }
            }
        }
        Ok(out)
    }

    /// The pending (待定) people of run `id` by benefit: (benefit, count), largest first.
    pub async fn run_pending_summary(&self, id: i64) -> Result<Vec<(String, i64)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT benefit, COUNT(*) FROM run_pending WHERE run_id = $1 GROUP BY benefit ORDER BY COUNT(*) DESC, benefit")
            .bind(id).fetch_all(pool).await?))
    }
}
