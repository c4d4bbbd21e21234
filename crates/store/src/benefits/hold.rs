//! Payment held (暂停发放), not lost: the run holds the bank-paid lines of a person without a
//! recent sign of life (静默认证) or, where the county requires one, without an account; they
//! are kept in `run_held` with the reason, listed on the run's page by name, and never paid.
//! A proof recorded later (or an account set) logs a `released` change from the first month
//! held, so the next run's corrections pay what was held, once. See
//! `yiyang_domain::benefits::hold` for the rule.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::benefits::hold::{CheckMethod, HoldReason, HoldRule};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;

use super::{Ids, Line, LineKind, PayeeKind};
use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

/// The setting of the proof window in months (0: no proof asked).
pub const PROOF_SETTING: &str = "benefits.proof_of_life_months";
/// The setting that holds payment for want of an account (1: held).
pub const ACCOUNT_SETTING: &str = "payment.require_account";

/// The counties' rules a run applies, read once per county.
pub(super) struct Holds {
    month: Month,
    rules: HashMap<String, HoldRule>,
}

/// A held line, for the run's page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HeldLine {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub benefit_month: String,
    pub benefit: String,
    pub kind: String,
    pub reason: String,
    pub amount_fen: i64,
}

impl HeldLine {
    pub fn reason_label(&self) -> &'static str {
        HoldReason::parse(&self.reason).map_or("暂停", HoldReason::label)
    }
}

/// Someone to check in person before the next payment (待认证名单).
#[derive(Debug, Clone, Serialize)]
pub struct ProofDue {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub division: String,
    pub last: Option<LifeSign>,
}

/// A sign of life: when, and what it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifeSign {
    pub on: NaiveDate,
    pub what: &'static str,
}

/// Where the run looks for signs of life: (what, SQL giving each person's latest date for the
/// people `PERSONS`, replaced by [`super::Ids::filter`]). Each is a MAX per person over an
/// indexed column. A sign after the month counts too: whoever was alive later was alive then.
const DATE_SOURCES: [(&str, &str); 4] = [
    (
        "能力评估",
        "SELECT person_id, MAX(assessed_on) FROM assessments WHERE PERSONS AND status = 'confirmed' GROUP BY person_id",
    ),
    (
        "探访",
        "SELECT person_id, MAX(visited_on) FROM visits WHERE PERSONS GROUP BY person_id",
    ),
    (
        "助餐",
        "SELECT person_id, MAX(served_on) FROM meals WHERE PERSONS GROUP BY person_id",
    ),
    (
        "资格认证",
        "SELECT person_id, MAX(checked_on) FROM life_checks WHERE PERSONS GROUP BY person_id",
    ),
];
/// A stay in an institution: its last day, or `$1` (today) while it lasts.
const STAYS: &str = "SELECT person_id, MAX(COALESCE(left_on, $1)) FROM residents WHERE PERSONS \
                     GROUP BY person_id";
const TIME_SOURCES: [(&str, &str); 2] = [
    ("上门服务签到", "SELECT person_id, MAX(check_in_at) FROM service_orders WHERE PERSONS AND check_in_at IS NOT NULL GROUP BY person_id"),
    ("一键呼叫", "SELECT person_id, MAX(happened_at) FROM sos_calls WHERE PERSONS AND kind = 'button' GROUP BY person_id"),
];

impl Store {
    /// The rules a run for `month` applies: none read yet; each county's is read the first
    /// time one of its lines appears ([`Store::hold_lines`]), so a run reads only the counties
    /// it pays.
    pub(super) fn hold_rules(month: Month) -> Holds {
        Holds {
            month,
            rules: HashMap::new(),
        }
    }

    /// The rule in force for `county`.
    pub async fn hold_rule(&self, county: &str) -> Result<HoldRule> {
        Ok(HoldRule::from_settings(
            self.supervision_setting(PROOF_SETTING, county).await?,
            self.supervision_setting(ACCOUNT_SETTING, county).await?,
        ))
    }

    /// Takes out of `lines` those the rules hold (bank-paid lines of a person without proof or
    /// account) and returns them with the reason. `people` are the chunk's.
    pub(super) async fn hold_lines(
        &self,
        holds: &mut Holds,
        lines: &mut Vec<Line>,
        people: &Ids,
    ) -> Result<Vec<(Line, HoldReason)>> {
        let bank_paid =
            |l: &Line| l.payee_kind == PayeeKind::Person && l.amount_fen > 0 && l.kind != LineKind::Recovery;
        for l in lines.iter().filter(|l| bank_paid(l)) {
            if !holds.rules.contains_key(&l.county) {
                let rule = self.hold_rule(&l.county).await?;
                holds.rules.insert(l.county.clone(), rule);
            }
        }
        let rule_of = |l: &Line| holds.rules.get(&l.county).copied().unwrap_or_default();
        if !lines.iter().any(|l| bank_paid(l) && rule_of(l).active()) {
            return Ok(Vec::new());
        }
        let signs = if lines.iter().any(|l| bank_paid(l) && rule_of(l).proof_months.is_some()) {
            self.last_signs(people).await?
        } else {
            HashMap::new()
        };
        let accounts = if lines.iter().any(|l| bank_paid(l) && rule_of(l).require_account) {
            self.with_accounts(people).await?
        } else {
            HashSet::new()
        };
        let mut reasons: HashMap<i64, Option<HoldReason>> = HashMap::new();
        let mut held = Vec::new();
        let mut kept = Vec::with_capacity(lines.len());
        for l in lines.drain(..) {
            let reason = if bank_paid(&l) {
                *reasons.entry(l.person_id).or_insert_with(|| {
                    rule_of(&l).reason(
                        holds.month,
                        signs.get(&l.person_id).map(|s| s.on),
                        accounts.contains(&l.person_id),
                    )
                })
            } else {
                None
            };
            match reason {
                Some(r) => held.push((l, r)),
                None => kept.push(l),
            }
        }
        *lines = kept;
        Ok(held)
    }

    /// Each person's latest sign of life, for people `first..=last`.
    pub(crate) async fn last_signs(&self, ids: &Ids) -> Result<HashMap<i64, LifeSign>> {
        let people = ids.filter("person_id");
        let mut out: HashMap<i64, LifeSign> = HashMap::new();
        let mut keep = |pid: i64, on: Option<NaiveDate>, what: &'static str| {
            let Some(on) = on else { return };
            let e = out.entry(pid).or_insert(LifeSign { on, what });
            if on > e.on {
                *e = LifeSign { on, what };
            }
        };
        for (what, sql) in DATE_SOURCES {
            let sql = sql.replace("PERSONS", &people);
            let rows: Vec<(i64, Option<NaiveDate>)> = with_pool!(self, pool => sqlx::query_as(&sql)
                .fetch_all(pool).await?);
            rows.into_iter().for_each(|(pid, on)| keep(pid, on, what));
        }
        let today = self.clock.today();
        let stays = STAYS.replace("PERSONS", &people);
        let rows: Vec<(i64, Option<NaiveDate>)> = with_pool!(self, pool => sqlx::query_as(&stays)
            .bind(today).fetch_all(pool).await?);
        rows.into_iter()
            .for_each(|(pid, on)| keep(pid, on.map(|d| d.min(today)), "入住养老机构"));
        for (what, sql) in TIME_SOURCES {
            let sql = sql.replace("PERSONS", &people);
            let rows: Vec<(i64, Option<DateTime<Utc>>)> = with_pool!(self, pool => sqlx::query_as(&sql)
                .fetch_all(pool).await?);
            for (pid, at) in rows {
                keep(pid, at.map(|t| t.with_timezone(&chrono::Local).date_naive()), what);
            }
        }
        Ok(out)
    }

    async fn with_accounts(&self, people: &Ids) -> Result<HashSet<i64>> {
        let sql = format!(
            "SELECT person_id FROM payment_accounts WHERE {}",
            people.filter("person_id")
        );
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(&sql).fetch_all(pool).await?);
        Ok(ids.into_iter().collect())
    }

    /// Living people of `scope` whose county asks for proof and who have none for `month`'s
    /// payment: the first `limit` by id, and how many in all. Walks the register in chunks,
    /// as the run does; a county's list, not a province's (the caller keeps the scope narrow).
    pub async fn due_for_proof(&self, scope: &str, month: Month, limit: usize) -> Result<(Vec<ProofDue>, i64)> {
        let (lo, hi) = crate::scope_range(scope);
        let mut rules: HashMap<String, HoldRule> = HashMap::new();
        let (mut out, mut total, mut cursor) = (Vec::new(), 0i64, 0i64);
        loop {
            let people: Vec<(i64, String, String, String)> = with_pool!(self, pool => sqlx::query_as(
                "SELECT id, name, id_number, hukou_division FROM persons WHERE hukou_division >= $1 AND hukou_division < $2 \
                 AND death_date IS NULL AND id > $3 ORDER BY id LIMIT 2000")
                .bind(&lo).bind(&hi).bind(cursor).fetch_all(pool).await?);
            let Some(last) = people.last().map(|p| p.0) else {
                break;
            };
            cursor = last;
            let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
            let signs = self.last_signs(&Ids::of(&ids)).await?;
            for (id, name, id_number, division) in people {
                let county = division.get(..6).unwrap_or("").to_string();
                if !rules.contains_key(&county) {
                    let rule = self.hold_rule(&county).await?;
                    rules.insert(county.clone(), rule);
                }
                let last = signs.get(&id).cloned();
                if rules[&county].reason(month, last.as_ref().map(|s| s.on), true) == Some(HoldReason::ProofOfLife) {
                    total += 1;
                    if out.len() < limit {
                        out.push(ProofDue {
                            person_id: id,
                            name,
                            id_number,
                            division,
                            last,
                        });
                    }
                }
            }
        }
        Ok((out, total))
    }

    /// A run's held lines with names, by person, at most `limit`.
    pub async fn run_held(&self, run_id: i64, limit: i64) -> Result<Vec<HeldLine>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT h.person_id, p.name, p.id_number, h.benefit_month, h.benefit, h.kind, h.reason, h.amount_fen \
             FROM run_held h JOIN persons p ON p.id = h.person_id WHERE h.run_id = $1 \
             ORDER BY h.person_id, h.benefit_month, h.benefit, h.kind LIMIT $2")
            .bind(run_id).bind(limit).fetch_all(pool).await?))
    }

    /// A run's held lines by reason: (reason, people, lines, fen).
    pub async fn run_held_summary(&self, run_id: i64) -> Result<Vec<(String, i64, i64, i64)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT reason, COUNT(DISTINCT person_id), COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) \
             FROM run_held WHERE run_id = $1 GROUP BY reason ORDER BY reason")
            .bind(run_id).fetch_all(pool).await?))
    }

    /// The first month of a person's lines held by a run that is not void: from it on, a
    /// release has the next run pay what was held.
    pub(crate) async fn first_held_month(&self, person_id: i64) -> Result<Option<NaiveDate>> {
        Ok(self.first_held_months(&[person_id]).await?.remove(&person_id))
    }

    /// [`Store::first_held_month`] of each of `people` that has one.
    pub(crate) async fn first_held_months(&self, people: &[i64]) -> Result<HashMap<i64, NaiveDate>> {
        let mut out = HashMap::new();
        for part in people.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT h.person_id, MIN(h.benefit_month) FROM run_held h JOIN benefit_runs r ON r.id = h.run_id \
                 WHERE h.person_id IN ({}) AND r.status NOT IN ('rejected', 'withdrawn') GROUP BY h.person_id",
                marks.join(", ")
            );
            let rows: Vec<(i64, Option<String>)> = with_pool!(self, pool => {
                let mut q = sqlx::query_as(&sql);
                for id in part {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
            });
            out.extend(
                rows.into_iter()
                    .filter_map(|(p, m)| Some((p, Month::parse(&m?).ok()?.first_day()))),
            );
        }
        Ok(out)
    }

    /// A person's latest sign of life, for their page.
    pub async fn last_sign_of_life(&self, person_id: i64) -> Result<Option<LifeSign>> {
        Ok(self.last_signs(&Ids::of(&[person_id])).await?.remove(&person_id))
    }

    /// Records a proof of life (资格认证) for a person in `scope`, dated `on` (not in the
    /// future), and releases what runs held for want of it.
    pub async fn record_life_check(
        &self,
        person_id: i64,
        on: NaiveDate,
        method: CheckMethod,
        note: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        let person = self
            .person_in_scope(person_id, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        if on > self.clock.today() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "checked_on",
                "认证日期不能晚于今天",
            )]));
        }
        if person.record.death_date.is_some() {
            return Err(StoreError::Refused("此人已登记死亡，不能认证".into()));
        }
        let note = yiyang_domain::text::visible(note.trim());
        if let Some(e) = yiyang_domain::text::too_long("note", "说明", &note, 200) {
            return Err(StoreError::Invalid(vec![e]));
        }
        let released = self.first_held_month(person_id).await?;
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO life_checks (person_id, checked_on, method, note, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(person_id).bind(on).bind(method.code()).bind(&note).bind(&actor.name).bind(at)
                .execute(&mut *tx).await?;
            if let Some(from) = released {
                sqlx::query("INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at) \
                             VALUES ($1, 'released', 'proof_of_life', NULL, $2, $3)")
                    .bind(person_id).bind(from).bind(at).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("life_check", "person", person_id,
                serde_json::json!({"on": on.to_string(), "method": method.code(),
                                   "released_from": released.map(|d| d.to_string())}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
