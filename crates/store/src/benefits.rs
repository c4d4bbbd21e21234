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

use crate::BeginWrite as _;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::category_history::{categories_in_force, CategoryChange};
use yiyang_domain::dates::{age_on, Month};
use yiyang_domain::policy::facts::MAX_AGE;
use yiyang_domain::policy::program::BenefitTrace;
use yiyang_domain::policy::{Facts, Flag, MonthProgram, Pack, Payee};
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::DivisionCode;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Db, Result, Store, StoreError};

/// People per chunk (one transaction each) unless a request says otherwise.
pub const DEFAULT_CHUNK: i64 = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Computing,
    Draft,
    Reviewed,
    Approved,
    Exported,
}

impl RunStatus {
    pub fn code(self) -> &'static str {
        match self {
            RunStatus::Computing => "computing",
            RunStatus::Draft => "draft",
            RunStatus::Reviewed => "reviewed",
            RunStatus::Approved => "approved",
            RunStatus::Exported => "exported",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Computing => "计算中",
            RunStatus::Draft => "待审核",
            RunStatus::Reviewed => "已审核，待审批",
            RunStatus::Approved => "已审批",
            RunStatus::Exported => "已导出发放",
        }
    }

    /// The status a stored code names; `None` for anything else. An unknown status once read
    /// as "computing", which a resumed run would have recomputed.
    pub fn parse(s: &str) -> Option<RunStatus> {
        match s {
            "computing" => Some(RunStatus::Computing),
            "draft" => Some(RunStatus::Draft),
            "reviewed" => Some(RunStatus::Reviewed),
            "approved" => Some(RunStatus::Approved),
            "exported" => Some(RunStatus::Exported),
            _ => None,
        }
    }

    /// Approved or exported: the month is settled and its lines are paid.
    pub fn is_final(self) -> bool {
        matches!(self, RunStatus::Approved | RunStatus::Exported)
    }
}

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

/// One computed line, before storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub person_id: i64,
    pub benefit_month: String,
    pub benefit: String,
    pub kind: &'static str,
    pub payee_kind: &'static str,
    pub payee: String,
    pub county: String,
    pub amount_fen: i64,
    pub rule_id: String,
    pub pack_id: String,
    pub pack_version: String,
}

/// A person's facts as stored, before they are read for a month.
#[derive(Debug, Clone)]
pub struct PersonFacts {
    pub id: i64,
    pub id_number: String,
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub hukou_division: String,
    pub hukou_type: String,
    pub categories: String,
    pub death_date: Option<NaiveDate>,
    /// (level, assessed on, valid until, recorded at, standard), oldest first.
    pub assessments: Vec<(i64, NaiveDate, NaiveDate, DateTime<Utc>, String)>,
    /// (institution code, kind, institution's division, admitted on, left on), oldest first.
    pub stays: Vec<(String, String, String, NaiveDate, Option<NaiveDate>)>,
    /// Logged changes of the category list, in the order recorded.
    pub category_changes: Vec<CategoryChange>,
    /// Every logged change (categories, death): (takes effect on, recorded at).
    pub changes: Vec<(NaiveDate, DateTime<Utc>)>,
}

impl PersonFacts {
    /// Paid for `month` at all: alive on its first day, or died during or after it.
    pub fn payable(&self, month: Month) -> bool {
        self.death_date.is_none_or(|d| d >= month.first_day())
    }

    /// The latest assessment dated on or before the month's last day, if still valid in the
    /// month. A legacy MZ/T 039-2013 level is read through the pack's mapping.
    pub fn level(&self, month: Month, mzt039_levels: &[i8; 4]) -> i8 {
        let (d0, d1) = (month.first_day(), month.last_day());
        self.assessments
            .iter()
            .rev()
            .find(|a| a.1 <= d1)
            .filter(|a| a.2 >= d0)
            .map_or(-1, |a| {
                if a.4.starts_with("MZ/T 039") {
                    mzt039_levels[a.0.clamp(0, 3) as usize]
                } else {
                    a.0.clamp(0, 4) as i8
                }
            })
    }

    /// The institution lived in during the month (the latest admission), if any:
    /// (code, kind, division).
    pub fn stay(&self, month: Month) -> Option<(&str, &str, &str)> {
        let (d0, d1) = (month.first_day(), month.last_day());
        self.stays
            .iter()
            .rev()
            .find(|s| s.3 <= d1 && s.4.is_none_or(|l| l >= d0))
            .map(|s| (s.0.as_str(), s.1.as_str(), s.2.as_str()))
    }

    /// The categories in force on any day of `month` (see [`categories_in_force`]).
    pub fn categories_in(&self, month: Month) -> std::borrow::Cow<'_, str> {
        if self.category_changes.is_empty() {
            std::borrow::Cow::Borrowed(&self.categories)
        } else {
            std::borrow::Cow::Owned(categories_in_force(
                &self.categories,
                &self.category_changes,
                month.first_day(),
                month.last_day(),
            ))
        }
    }

    /// Something that bears on `month` was recorded after `at`: an assessment dated on or
    /// before the month's end, or a category change or death taking effect by then. Such a
    /// month, once settled, is computed again and the difference paid or recovered.
    pub fn changed_for(&self, month: Month, at: DateTime<Utc>) -> bool {
        let end = month.last_day();
        self.assessments.iter().any(|a| a.3 > at && a.1 <= end) || self.changes.iter().any(|c| c.1 > at && c.0 <= end)
    }

    /// The facts a pack's rules see for `month`.
    pub fn facts(&self, month: Month, pack: &Pack) -> Facts {
        let jurisdiction = pack.jurisdiction.as_ref();
        let age = age_on(self.birth_date, month.last_day()).clamp(0, MAX_AGE as i32) as u8;
        let residence = match self.stay(month) {
            None => 0,
            // 公建民营 institutions are publicly owned: they count as public.
            Some((_, kind, _)) if kind.starts_with("private") => 2,
            Some(_) => 1,
        };
        let mut f = Facts {
            age,
            level: self.level(month, &pack.mzt039_levels),
            sex: (self.sex == "F") as u8,
            hukou: (self.hukou_type == "rural") as u8,
            residence,
            ..Facts::default()
        };
        let categories = self.categories_in(month);
        let codes: Vec<&str> = categories.split(',').filter(|c| !c.is_empty()).collect();
        let has = |c: &str| codes.contains(&c);
        // 经济困难 covers 低保 and 低保边缘 households, as the provincial practice defines it.
        f.set_flag(
            Flag::EconHardship,
            has("econ_hardship") || has("dibao") || has("dibao_edge"),
        );
        for (code, flag) in [
            ("tekun", Flag::Tekun),
            ("dibao", Flag::Dibao),
            ("disability_nursing", Flag::DisabilityNursing),
            ("severe_disability", Flag::SevereDisability),
            ("dementia", Flag::Dementia),
            ("alone", Flag::LivingAlone),
            ("empty_nest", Flag::EmptyNest),
            ("left_behind", Flag::LeftBehind),
            ("family_planning_special", Flag::SpecialFamily),
            ("special_contribution", Flag::SpecialContribution),
            ("youfu", Flag::Youfu),
        ] {
            f.set_flag(flag, has(code));
        }
        let local = jurisdiction.is_none_or(|j| self.hukou_division.starts_with(j.as_str()));
        f.set_flag(Flag::LocalHukou, local);
        f
    }
}

/// Picks each person's pack: a fixed one, or the most specific in force whose jurisdiction
/// contains the person's household registration.
pub struct PackChoice<'p> {
    programs: Vec<MonthProgram<'p>>,
    fixed: Option<usize>,
    by_division: HashMap<String, Option<usize>>,
}

impl<'p> PackChoice<'p> {
    pub fn new(packs: &'p [Pack], month: Month, fixed: Option<&str>) -> Result<PackChoice<'p>> {
        let (d0, d1) = (month.first_day(), month.last_day());
        let candidates: Vec<&Pack> = match fixed {
            Some(id) => {
                vec![packs
                    .iter()
                    .find(|p| p.id == id)
                    .ok_or_else(|| StoreError::Refused(format!("没有政策包 `{id}`")))?]
            }
            None => packs
                .iter()
                .filter(|p| p.jurisdiction.is_some() && p.in_force(d0, d1))
                .collect(),
        };
        Ok(PackChoice {
            programs: candidates.iter().map(|p| MonthProgram::new(p, month)).collect(),
            fixed: fixed.map(|_| 0),
            by_division: HashMap::new(),
        })
    }

    pub fn program(&mut self, division: &str) -> Option<&MonthProgram<'p>> {
        let i = match self.fixed {
            Some(i) => Some(i),
            None => {
                let programs = &self.programs;
                *self.by_division.entry(division.to_string()).or_insert_with(|| {
                    let code = DivisionCode::from_canonical(division.to_string());
                    programs
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.pack.jurisdiction.as_ref().is_some_and(|j| j.contains(&code)))
                        .max_by_key(|(_, p)| p.pack.jurisdiction.as_ref().map_or(0, |j| j.as_str().len()))
                        .map(|(i, _)| i)
                })
            }
        };
        i.map(|i| &self.programs[i])
    }
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

/// The kind of a line that qualifies but has no amount yet (待定).
pub const PENDING: &str = "pending";

/// The lines of one person for one month under `program` (amounts after coordination).
pub fn person_lines(p: &PersonFacts, month: Month, program: &MonthProgram<'_>, kind: &'static str) -> Vec<Line> {
    let mut out = Vec::new();
    if !p.payable(month) {
        return out;
    }
    let pack = program.pack;
    let facts = p.facts(month, pack);
    let mut scratch = Vec::new();
    for (b, pay) in program.pays(&facts, &mut scratch).iter().enumerate() {
        // A benefit whose figure is not set yet is carried as a `pending` line of no amount:
        // the run lists it apart and never pays it.
        let kind = if pay.is_pending() { PENDING } else { kind };
        if pay.amount == 0 && kind != PENDING {
            continue;
        }
        let rule = &pack.rules[pay.rule as usize];
        let (payee_kind, payee) = match pack.benefits[b].payee {
            Payee::Person => ("person", String::new()),
            Payee::Institution => match p.stay(month) {
                Some((code, _, _)) => ("institution", code.to_string()),
                None => continue,
            },
        };
        out.push(Line {
            person_id: p.id,
            benefit_month: month.to_string(),
            benefit: pack.benefits[b].code.clone(),
            kind,
            payee_kind,
            payee,
            county: p.hukou_division.chars().take(6).collect(),
            amount_fen: pay.amount,
            rule_id: rule.id.clone(),
            pack_id: pack.id.clone(),
            pack_version: pack.version.clone(),
        });
    }
    out
}

/// A person's lines in a run over `scope`: benefits paid to the person come from the pack of
/// their household registration, when that lies in the scope; benefits paid to an institution
/// come from the pack where the institution is, when that lies in the scope, whatever the
/// resident's registration (a pack restricts them with `local_hukou` where its document does).
pub fn lines_for(
    p: &PersonFacts,
    month: Month,
    choice: &mut PackChoice<'_>,
    scope: &str,
    kind: &'static str,
) -> Vec<Line> {
    let mut out = Vec::new();
    if p.hukou_division.starts_with(scope) {
        if let Some(program) = choice.program(&p.hukou_division) {
            out.extend(
                person_lines(p, month, program, kind)
                    .into_iter()
                    .filter(|l| l.payee_kind == "person"),
            );
        }
    }
    if let Some((_, _, division)) = p.stay(month) {
        if division.starts_with(scope) {
            let division = division.to_string();
            if let Some(program) = choice.program(&division) {
                out.extend(
                    person_lines(p, month, program, kind)
                        .into_iter()
                        .filter(|l| l.payee_kind == "institution")
                        .map(|mut l| {
                            l.county = division.chars().take(6).collect();
                            l
                        }),
                );
            }
        }
    }
    out
}

/// (person, benefit, month)
pub type PaidKey = (i64, String, String);

/// What was paid for one (person, benefit, month) across all runs and kinds.
#[derive(Debug, Clone)]
pub struct Paid {
    pub fen: i64,
    pub payee_kind: String,
    pub payee: String,
    pub county: String,
    pub rule_id: String,
    pub pack_id: String,
    pub pack_version: String,
}

/// The lines that settle `month` for `p` given what was `paid`: for each benefit, what is due
/// now less what was paid — positive as `backpay`, negative as `recovery` (a benefit paid but
/// no longer due at all, e.g. after a late-reported death, is recovered in full).
pub fn corrections(
    p: &PersonFacts,
    month: Month,
    choice: &mut PackChoice<'_>,
    scope: &str,
    paid: &HashMap<PaidKey, Paid>,
) -> Vec<Line> {
    let month_s = month.to_string();
    let mut out = Vec::new();
    let mut due = lines_for(p, month, choice, scope, "backpay");
    due.retain(|l| l.kind != PENDING);
    for mut l in due.iter().cloned() {
        let already = paid
            .get(&(p.id, l.benefit.clone(), month_s.clone()))
            .map_or(0, |x| x.fen);
        l.amount_fen -= already;
        if l.amount_fen < 0 {
            l.kind = "recovery";
        }
        if l.amount_fen != 0 {
            out.push(l);
        }
    }
    let mut gone: Vec<(&PaidKey, &Paid)> = paid
        .iter()
        .filter(|((person, benefit, m), x)| {
            *person == p.id && *m == month_s && x.fen > 0 && !due.iter().any(|l| l.benefit == *benefit)
        })
        .collect();
    gone.sort_by(|a, b| a.0.cmp(b.0));
    for ((_, benefit, _), x) in gone {
        // Only what this run's scope pays: the person's own benefits where they are
        // registered, an institution's where it is.
        if !x.county.starts_with(scope) && !scope.starts_with(x.county.as_str()) {
            continue;
        }
        out.push(Line {
            person_id: p.id,
            benefit_month: month_s.clone(),
            benefit: benefit.clone(),
            kind: "recovery",
            payee_kind: if x.payee_kind == "institution" {
                "institution"
            } else {
                "person"
            },
            payee: x.payee.clone(),
            county: x.county.clone(),
            amount_fen: -x.fen,
            rule_id: x.rule_id.clone(),
            pack_id: x.pack_id.clone(),
            pack_version: x.pack_version.clone(),
        });
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub run: RunInfo,
    /// The run existed and was complete: nothing was computed.
    pub already_complete: bool,
    /// The run had been interrupted and was continued from its last chunk.
    pub resumed: bool,
    pub backpay_lines: i64,
    /// Lines recovering an earlier overpayment (negative amounts).
    pub recovery_lines: i64,
}

/// One county's line of a what-if.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WhatIfRow {
    pub county: String,
    pub affected: i64,
    pub before_fen: i64,
    pub after_fen: i64,
}

/// Totals of a run by county and benefit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunTotal {
    pub county: String,
    pub benefit: String,
    pub kind: String,
    pub count: i64,
    pub amount_fen: i64,
}

/// 正常 / 补发 / 追回 for a line's kind.
pub fn line_kind_label(kind: &str) -> &'static str {
    match kind {
        "backpay" => "补发",
        "recovery" => "追回",
        _ => "正常",
    }
}

impl RunTotal {
    pub fn kind_label(&self) -> &'static str {
        line_kind_label(&self.kind)
    }
}

impl StoredLine {
    pub fn kind_label(&self) -> &'static str {
        line_kind_label(&self.kind)
    }
}

/// A stored line with the person's name and ID number, for exports and pages.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredLine {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub benefit_month: String,
    pub benefit: String,
    pub kind: String,
    pub payee_kind: String,
    pub payee: String,
    pub county: String,
    pub amount_fen: i64,
    pub rule_id: String,
    pub clause: String,
    pub pack_id: String,
    pub pack_version: String,
    pub run_id: i64,
    /// The benefit's name in its pack (高龄津贴), for files and pages.
    #[sqlx(default)]
    pub benefit_title: String,
    /// The county's name, filled in from the division reference after the query.
    #[sqlx(skip)]
    pub county_name: String,
}

/// A person's month explained: for each payer's pack, the facts and every rule's outcome;
/// and what was stored.
pub struct PersonMonth<'p> {
    pub person: PersonFacts,
    pub month: Month,
    /// The pack of the person's household registration, for benefits paid to the person.
    pub own: Option<PackExplanation<'p>>,
    /// The pack where the person's institution is, for benefits paid to the institution per
    /// resident-month (it can differ from the registration's: someone registered in one
    /// county may live in another county's home).
    pub institution: Option<PackExplanation<'p>>,
    pub payable: bool,
    pub lines: Vec<StoredLine>,
}

/// One pack's part of a month: the facts its rules read and the benefits of one payee kind.
pub struct PackExplanation<'p> {
    pub program: MonthProgram<'p>,
    pub facts: Facts,
    pub traces: Vec<BenefitTrace>,
    /// The institution (its platform code) for the institution part.
    pub institution: Option<String>,
}

fn person_select(filter: &str) -> String {
    format!(
        "SELECT id, id_number, name, sex, birth_date, hukou_division, hukou_type, categories, death_date \
         FROM persons WHERE {filter} ORDER BY id"
    )
}

type PersonRow = (
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

fn to_person(r: PersonRow) -> PersonFacts {
    PersonFacts {
        id: r.0,
        id_number: r.1,
        name: r.2,
        sex: r.3,
        birth_date: r.4,
        hukou_division: r.5,
        hukou_type: r.6,
        categories: r.7,
        death_date: r.8,
        assessments: Vec::new(),
        stays: Vec::new(),
        category_changes: Vec::new(),
        changes: Vec::new(),
    }
}

impl Store {
    /// People in `scope` with id in `(after, ..]`, at most `limit`, with their assessments and
    /// institution stays.
    async fn load_people(&self, scope: &str, month: Month, after: i64, limit: i64) -> Result<Vec<PersonFacts>> {
        // The scope is a validated division code (digits only), so it is written into the SQL
        // as a literal: with a bound parameter PostgreSQL's generic plan cannot see that a
        // province-wide range matches every row, and picks the division index plus a sort of
        // the whole province for every chunk. SQLite is told to walk the primary key.
        DivisionCode::parse(scope).map_err(|e| StoreError::Refused(e.to_string()))?;
        // Also everyone living in an institution of the scope during the month.
        let (d0, d1) = (month.first_day(), month.last_day());
        let in_scope = format!(
            "((hukou_division >= '{scope}' AND hukou_division < '{scope}:') OR id IN (SELECT r.person_id \
             FROM residents r JOIN institutions i ON i.id = r.institution_id WHERE i.division >= '{scope}' \
             AND i.division < '{scope}:' AND r.admitted_on <= '{d1}' AND (r.left_on IS NULL OR r.left_on >= '{d0}')))"
        );
        let mut people: Vec<PersonFacts> = match &self.db {
            // sqlx hands SQLite rows over one by one through a channel, which costs ~10 µs a
            // row; the chunk comes back instead as one text value, every field of which is
            // digits, a date, or a category code list (no tabs or line ends can occur).
            // Names and ID numbers are not needed to compute and are left out.
            Db::Sqlite(pool) => {
                let sql = format!(
                    "SELECT group_concat(id || char(9) || sex || char(9) || birth_date || char(9) || hukou_division \
                     || char(9) || hukou_type || char(9) || categories || char(9) || COALESCE(death_date, ''), char(10)) \
                     FROM (SELECT * FROM persons NOT INDEXED WHERE {in_scope} AND id > $1 ORDER BY id LIMIT $2)"
                );
                let blob: Option<String> = sqlx::query_scalar(&sql).bind(after).bind(limit).fetch_one(pool).await?;
                let mut people = Vec::with_capacity(limit as usize);
                for line in blob.as_deref().unwrap_or("").split('\n').filter(|l| !l.is_empty()) {
                    let f: Vec<&str> = line.split('\t').collect();
                    let date = |s: &str| {
                        s.parse::<NaiveDate>()
                            .map_err(|e| StoreError::File(format!("{s}: {e}")))
                    };
                    people.push(PersonFacts {
                        id: f[0].parse().map_err(|_| StoreError::File(format!("bad id {}", f[0])))?,
                        id_number: String::new(),
                        name: String::new(),
                        sex: f[1].to_string(),
                        birth_date: date(f[2])?,
                        hukou_division: f[3].to_string(),
                        hukou_type: f[4].to_string(),
                        categories: f[5].to_string(),
                        death_date: if f[6].is_empty() { None } else { Some(date(f[6])?) },
                        assessments: Vec::new(),
                        stays: Vec::new(),
                        category_changes: Vec::new(),
                        changes: Vec::new(),
                    });
                }
                people.sort_by_key(|p| p.id);
                people
            }
            Db::Postgres(pool) => {
                let sql = format!(
                    "SELECT id, '' AS id_number, '' AS name, sex, birth_date, hukou_division, hukou_type, categories, \
                     death_date FROM persons WHERE {in_scope} AND id > $1 ORDER BY id LIMIT $2"
                );
                let rows: Vec<PersonRow> = sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(pool).await?;
                rows.into_iter().map(to_person).collect()
            }
        };
        self.attach_facts(&mut people).await?;
        Ok(people)
    }

    async fn attach_facts(&self, people: &mut [PersonFacts]) -> Result<()> {
        let (Some(first), Some(last)) = (people.first().map(|p| p.id), people.last().map(|p| p.id)) else {
            return Ok(());
        };
        let index: HashMap<i64, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let assessments: Vec<(i64, i64, NaiveDate, NaiveDate, DateTime<Utc>, String)> = with_pool!(self, pool => sqlx::query_as(
            // Only confirmed assessments count, from the moment they were confirmed: one confirmed
            // after a month was settled is a late change that month's next run corrects.
            "SELECT person_id, final_level, assessed_on, valid_until, COALESCE(confirmed_at, recorded_at) AS recorded_at, standard \
             FROM assessments WHERE person_id >= $1 AND person_id <= $2 AND status = 'confirmed' ORDER BY person_id, assessed_on, id")
            .bind(first).bind(last).fetch_all(pool).await?);
        for (pid, level, on, until, at, standard) in assessments {
            if let Some(&i) = index.get(&pid) {
                people[i].assessments.push((level, on, until, at, standard));
            }
        }
        let stays: Vec<(i64, String, String, String, NaiveDate, Option<NaiveDate>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT r.person_id, i.code, i.kind, i.division, r.admitted_on, r.left_on FROM residents r \
             JOIN institutions i ON i.id = r.institution_id \
             WHERE r.person_id >= $1 AND r.person_id <= $2 ORDER BY r.person_id, r.admitted_on, r.id")
            .bind(first).bind(last).fetch_all(pool).await?);
        for (pid, code, kind, division, on, left) in stays {
            if let Some(&i) = index.get(&pid) {
                people[i].stays.push((code, kind, division, on, left));
            }
        }
        type ChangeRow = (i64, String, Option<String>, Option<String>, NaiveDate, DateTime<Utc>);
        let changes: Vec<ChangeRow> = with_pool!(self, pool => sqlx::query_as(
            "SELECT person_id, kind, old_value, new_value, effective_on, recorded_at FROM person_changes \
             WHERE person_id >= $1 AND person_id <= $2 ORDER BY person_id, id")
            .bind(first).bind(last).fetch_all(pool).await?);
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
        DivisionCode::parse(req.scope).map_err(|e| StoreError::Refused(e.to_string()))?;
        let month_s = req.month.to_string();
        let pack_key = req.pack.unwrap_or("auto");
        // Only months that have begun: a benefit is paid for a month being lived, never ahead.
        let this_month = Month::of(chrono::Local::now().date_naive());
        if req.month > this_month {
            return Err(StoreError::Refused(format!(
                "{month_s} 尚未到来：只能计算本月（{this_month}）及以前的月份"
            )));
        }
        // A named pack must govern the scope (Huichang cannot be paid under Xinjiang's rules).
        if let Some(id) = req.pack {
            let governs = packs.iter().find(|p| p.id == id).is_some_and(|p| {
                p.jurisdiction
                    .as_ref()
                    .is_none_or(|j| req.scope.starts_with(j.as_str()))
            });
            if !governs {
                return Err(StoreError::Refused(format!(
                    "政策包 {id} 不适用于区划 {}：请选择覆盖该区划的政策包",
                    req.scope
                )));
            }
        }
        let key = format!("{month_s}|{}|{pack_key}", req.scope);
        if self.computing.lock().expect("computing lock").contains(&key) {
            return Err(StoreError::Refused(format!(
                "{month_s} 的发放批次正在计算中，请稍后刷新查看"
            )));
        }
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

    async fn find_run(&self, month: &str, scope: &str, pack: &str) -> Result<Option<RunInfo>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM benefit_runs WHERE month = $1 AND scope = $2 AND pack = $3");
        let r: Option<RunRecord> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(month).bind(scope).bind(pack).fetch_optional(pool).await?);
        r.map(RunInfo::try_from).transpose()
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
        let (mut backpay_lines, mut recovery_lines) = (0i64, 0i64);
        let (mut t_load, mut t_compute, mut t_store) = (0f64, 0f64, 0f64);
        loop {
            let t0 = std::time::Instant::now();
            let people = self.load_people(req.scope, req.month, cursor, req.chunk.max(1)).await?;
            t_load += t0.elapsed().as_secs_f64();
            let t0 = std::time::Instant::now();
            let Some(last) = people.last().map(|p| p.id) else { break };
            let first = people[0].id;
            let mut lines = Vec::new();
            for p in &people {
                lines.extend(lines_for(p, req.month, &mut choice, req.scope, "regular"));
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
                        .paid_by_key(
                            first,
                            last,
                            &settled.iter().map(|s| s.0.to_string()).collect::<Vec<_>>(),
                        )
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
            let taken = self.regular_taken(first, last, &month_s, run.id).await?;
            let (mut pending, mut lines): (Vec<Line>, Vec<Line>) = lines.into_iter().partition(|l| l.kind == PENDING);
            pending.retain(|l| !taken.contains(&(l.person_id, l.benefit.clone())));
            let before = lines.len();
            lines.retain(|l| !taken.contains(&(l.person_id, l.benefit.clone())));
            let skipped = (before - lines.len()) as i64;
            recovery_lines += backpay.iter().filter(|l| l.kind == "recovery").count() as i64;
            backpay_lines += backpay.iter().filter(|l| l.kind == "backpay").count() as i64;
            lines.extend(backpay);
            t_compute += t0.elapsed().as_secs_f64();
            let t0 = std::time::Instant::now();
            self.store_chunk(run.id, &lines, &pending, last, people.len() as i64, skipped)
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
            for program in &choice.programs {
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
    async fn regular_taken(&self, first: i64, last: i64, month: &str, run_id: i64) -> Result<HashSet<(i64, String)>> {
        let rows: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT person_id, benefit FROM payment_lines WHERE kind = 'regular' AND benefit_month = $1 \
             AND person_id >= $2 AND person_id <= $3 AND run_id <> $4")
            .bind(month).bind(first).bind(last).bind(run_id).fetch_all(pool).await?);
        Ok(rows.into_iter().collect())
    }

    /// What has been paid per (person, benefit, month) for the given months, all kinds, with
    /// the payee and rule of the regular line (a recovery goes back to whoever was paid).
    async fn paid_by_key(&self, first: i64, last: i64, months: &[String]) -> Result<HashMap<PaidKey, Paid>> {
        let mut out: HashMap<PaidKey, Paid> = HashMap::new();
        for m in months {
            type Row = (i64, String, String, String, String, String, i64, String, String, String);
            let rows: Vec<Row> = with_pool!(self, pool => sqlx::query_as(
                "SELECT person_id, benefit, kind, payee_kind, payee, county, amount_fen, rule_id, pack_id, pack_version \
                 FROM payment_lines WHERE benefit_month = $1 AND person_id >= $2 AND person_id <= $3")
                .bind(m).bind(first).bind(last).fetch_all(pool).await?);
            for (p, b, kind, payee_kind, payee, county, fen, rule_id, pack_id, pack_version) in rows {
                let e = out.entry((p, b, m.clone())).or_insert_with(|| Paid {
                    fen: 0,
                    payee_kind: payee_kind.clone(),
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

    /// Writes one chunk's lines and advances the run's cursor, atomically.
    /// The pending (待定) people of run `id` by benefit: (benefit, count), largest first.
    pub async fn run_pending_summary(&self, id: i64) -> Result<Vec<(String, i64)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT benefit, COUNT(*) FROM run_pending WHERE run_id = $1 GROUP BY benefit ORDER BY COUNT(*) DESC, benefit")
            .bind(id).fetch_all(pool).await?))
    }

    async fn store_chunk(
        &self,
        run_id: i64,
        lines: &[Line],
        pending: &[Line],
        cursor: i64,
        persons: i64,
        skipped: i64,
    ) -> Result<()> {
        let fen: i64 = lines.iter().map(|l| l.amount_fen).sum();
        // The run's cursor and counters move in the same transaction as the chunk's lines,
        // and the chunk's pending people with them.
        macro_rules! advance_cursor {
            ($tx:ident) => {{
                for batch in pending.chunks(500) {
                    let mut sql = String::from(
                        "INSERT INTO run_pending (run_id, person_id, benefit, payee_kind, payee, county, rule_id, pack_id) VALUES ",
                    );
                    for i in 0..batch.len() {
                        let b = i * 8;
                        sql.push_str(&format!(
                            "{}(${},${},${},${},${},${},${},${})",
                            if i == 0 { "" } else { "," },
                            b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8
                        ));
                    }
                    let mut q = sqlx::query(&sql);
                    for l in batch {
                        q = q
                            .bind(run_id)
                            .bind(l.person_id)
                            .bind(&l.benefit)
                            .bind(l.payee_kind)
                            .bind(&l.payee)
                            .bind(&l.county)
                            .bind(&l.rule_id)
                            .bind(&l.pack_id);
                    }
                    q.execute(&mut *$tx).await?;
                }
                sqlx::query(
                    "UPDATE benefit_runs SET cursor = $2, persons = persons + $3, lines = lines + $4, \
                     total_fen = total_fen + $5, skipped = skipped + $6, pending = pending + $7 WHERE id = $1",
                )
                .bind(run_id)
                .bind(cursor)
                .bind(persons)
                .bind(lines.len() as i64)
                .bind(fen)
                .bind(skipped)
                .bind(pending.len() as i64)
                .execute(&mut *$tx)
                .await?
            }};
        }
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                for batch in lines.chunks(1000) {
                    let mut sql = String::from(
                        "INSERT INTO payment_lines (run_id, person_id, benefit_month, benefit, kind, payee_kind, payee, \
                         county, amount_fen, rule_id, pack_id, pack_version) VALUES ",
                    );
                    for i in 0..batch.len() {
                        sql.push_str(if i == 0 {
                            "(?,?,?,?,?,?,?,?,?,?,?,?)"
                        } else {
                            ",(?,?,?,?,?,?,?,?,?,?,?,?)"
                        });
                    }
                    let mut q = sqlx::query(&sql);
                    for l in batch {
                        q = q
                            .bind(run_id)
                            .bind(l.person_id)
                            .bind(&l.benefit_month)
                            .bind(&l.benefit)
                            .bind(l.kind)
                            .bind(l.payee_kind)
                            .bind(&l.payee)
                            .bind(&l.county)
                            .bind(l.amount_fen)
                            .bind(&l.rule_id)
                            .bind(&l.pack_id)
                            .bind(&l.pack_version);
                    }
                    q.execute(&mut *tx).await?;
                }
                advance_cursor!(tx);
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                if !lines.is_empty() {
                    let mut copy = tx
                        .copy_in_raw(
                            "COPY payment_lines (run_id, person_id, benefit_month, benefit, kind, payee_kind, payee, \
                             county, amount_fen, rule_id, pack_id, pack_version) FROM STDIN",
                        )
                        .await?;
                    let mut buf = String::with_capacity(lines.len() * 160);
                    for l in lines {
                        use std::fmt::Write;
                        let _ = writeln!(
                            buf,
                            "{run_id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                            l.person_id,
                            copy_text(&l.benefit_month),
                            copy_text(&l.benefit),
                            l.kind,
                            l.payee_kind,
                            copy_text(&l.payee),
                            copy_text(&l.county),
                            l.amount_fen,
                            copy_text(&l.rule_id),
                            copy_text(&l.pack_id),
                            copy_text(&l.pack_version)
                        );
                    }
                    copy.send(buf.into_bytes()).await?;
                    copy.finish().await?;
                }
                advance_cursor!(tx);
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Totals by county, benefit and kind; they sum to the run's total.
    pub async fn run_totals(&self, run_id: i64) -> Result<Vec<RunTotal>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT county, benefit, kind, COUNT(*) AS count, CAST(SUM(amount_fen) AS BIGINT) AS amount_fen FROM payment_lines \
             WHERE run_id = $1 GROUP BY county, benefit, kind ORDER BY county, benefit, kind")
            .bind(run_id).fetch_all(pool).await?))
    }

    pub async fn run_lines(&self, run_id: i64, county: Option<&str>, benefit: Option<&str>) -> Result<Vec<StoredLine>> {
        Ok(self.run_lines_page(run_id, county, benefit, i64::MAX, 0).await?.0)
    }

    /// One page of a run's lines (in the order of the disbursement files) and how many there
    /// are in all, for pages and the API: a province's run has millions.
    pub async fn run_lines_page(
        &self,
        run_id: i64,
        county: Option<&str>,
        benefit: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<StoredLine>, i64)> {
        let (county, benefit) = (county.unwrap_or(""), benefit.unwrap_or(""));
        let sql =
            "SELECT l.person_id, COALESCE(f.name, p.name) AS name, COALESCE(f.id_number, p.id_number) AS id_number, \
                   l.benefit_month, l.benefit, l.kind, l.payee_kind, l.payee, \
                   l.county, l.amount_fen, l.rule_id, COALESCE(r.clause, '') AS clause, l.pack_id, l.pack_version, l.run_id, \
                   COALESCE(t.title, l.benefit) AS benefit_title \
                   FROM payment_lines l JOIN persons p ON p.id = l.person_id \
                   LEFT JOIN run_payees f ON f.run_id = l.run_id AND f.person_id = l.person_id \
                   LEFT JOIN benefit_titles t ON t.pack_id = l.pack_id AND t.pack_version = l.pack_version AND t.benefit = l.benefit \
                   LEFT JOIN benefit_rules r ON r.pack_id = l.pack_id AND r.pack_version = l.pack_version AND r.rule_id = l.rule_id \
                   WHERE l.run_id = $1 AND ($2 = '' OR l.county = $2) AND ($3 = '' OR l.benefit = $3) \
                   ORDER BY l.county, l.benefit, l.payee, l.person_id, l.benefit_month, l.kind LIMIT $4 OFFSET $5";
        let mut lines: Vec<StoredLine> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(run_id).bind(county).bind(benefit).bind(limit).bind(offset.max(0)).fetch_all(pool).await?);
        let reference = self.reference();
        for l in &mut lines {
            l.county_name = reference.division_name(&l.county).unwrap_or("").to_string();
        }
        let total: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM payment_lines l WHERE l.run_id = $1 AND ($2 = '' OR l.county = $2) AND ($3 = '' OR l.benefit = $3)")
            .bind(run_id).bind(county).bind(benefit).fetch_one(pool).await?);
        Ok((lines, total))
    }

    /// The disbursement workbook of an approved run, for download; marks the run exported.
    pub async fn export_workbook(
        &self,
        run_id: i64,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<Vec<u8>> {
        let run = self.benefit_run(run_id).await?;
        if !role.may(Permission::BenefitApprove) {
            return Err(StoreError::Forbidden(format!("{}无权导出发放文件", role.label())));
        }
        if !run.scope.starts_with(scope) {
            return Err(StoreError::NotFound);
        }
        if !run.status.is_final() {
            return Err(StoreError::Refused(format!(
                "批次状态为“{}”，审批后才能导出",
                run.status.label()
            )));
        }
        let lines = self.run_lines(run_id, None, None).await?;
        let bytes = crate::disbursement::workbook(&run, &lines).map_err(|e| StoreError::File(e.to_string()))?;
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE benefit_runs SET status = 'exported', exported_by = COALESCE(exported_by, $2), \
                         exported_at = COALESCE(exported_at, $3) WHERE id = $1")
                .bind(run_id).bind(user).bind(at).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("export", "benefit_run", run_id,
                serde_json::json!({"lines": lines.len(), "total_fen": run.total_fen}))).await?;
            tx.commit().await?;
        });
        Ok(bytes)
    }

    /// What-if over the register: `before` and `after` applied to everyone in `scope`, by county.
    pub async fn what_if(
        &self,
        scope: &str,
        month: Month,
        before: &MonthProgram<'_>,
        after: &MonthProgram<'_>,
    ) -> Result<Vec<WhatIfRow>> {
        let mut rows: std::collections::BTreeMap<String, WhatIfRow> = std::collections::BTreeMap::new();
        let mut cursor = 0;
        loop {
            let people = self.load_people(scope, month, cursor, DEFAULT_CHUNK).await?;
            let Some(last) = people.last().map(|p| p.id) else { break };
            cursor = last;
            for p in people.iter().filter(|p| p.hukou_division.starts_with(scope)) {
                let a: i64 = person_lines(p, month, before, "regular")
                    .iter()
                    .map(|l| l.amount_fen)
                    .sum();
                let b: i64 = person_lines(p, month, after, "regular")
                    .iter()
                    .map(|l| l.amount_fen)
                    .sum();
                let county: String = p.hukou_division.chars().take(6).collect();
                let r = rows.entry(county.clone()).or_insert_with(|| WhatIfRow {
                    county,
                    ..WhatIfRow::default()
                });
                r.before_fen += a;
                r.after_fen += b;
                r.affected += (a != b) as i64;
            }
        }
        Ok(rows.into_values().collect())
    }

    /// Writes the disbursement files of an approved run into `dir`: per benefit and county a
    /// CSV and an .xlsx, plus `汇总.csv` whose total equals the run's. Marks the run exported.
    pub async fn export_run(
        &self,
        run_id: i64,
        user: &str,
        role: Role,
        scope: &str,
        dir: &Path,
        actor: &Actor,
    ) -> Result<Vec<PathBuf>> {
        let run = self.benefit_run(run_id).await?;
        if !role.may(Permission::BenefitApprove) {
            return Err(StoreError::Forbidden(format!("{}无权导出发放文件", role.label())));
        }
        // A run outside the approver's scope does not exist for them (a township approver
        // once exported a county's run with 1,203 full ID numbers).
        if !run.scope.starts_with(scope) {
            return Err(StoreError::NotFound);
        }
        if !run.status.is_final() {
            return Err(StoreError::Refused(format!(
                "批次状态为“{}”，审批后才能导出",
                run.status.label()
            )));
        }
        std::fs::create_dir_all(dir).map_err(|e| StoreError::File(e.to_string()))?;
        let lines = self.run_lines(run_id, None, None).await?;
        let files = crate::disbursement::write_files(&run, &lines, dir).map_err(|e| StoreError::File(e.to_string()))?;
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE benefit_runs SET status = 'exported', exported_by = $2, exported_at = $3 WHERE id = $1")
                .bind(run_id).bind(user).bind(at).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("export", "benefit_run", run_id,
                serde_json::json!({"files": files.len(), "lines": lines.len(), "total_fen": run.total_fen}))).await?;
            tx.commit().await?;
        });
        Ok(files)
    }

    /// One person's month: facts, rules and stored lines.
    pub async fn person_month<'p>(&self, person_id: i64, month: Month, packs: &'p [Pack]) -> Result<PersonMonth<'p>> {
        let sql = person_select("id = $1");
        let row: Option<PersonRow> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_optional(pool).await?);
        let mut people = vec![to_person(row.ok_or(StoreError::NotFound)?)];
        self.attach_facts(&mut people).await?;
        let person = people.pop().expect("one");
        let (d0, d1) = (month.first_day(), month.last_day());
        let pack_for = |division: &str| {
            let code = DivisionCode::from_canonical(division.to_string());
            packs
                .iter()
                .filter(|p| p.in_force(d0, d1) && p.jurisdiction.as_ref().is_some_and(|j| j.contains(&code)))
                .max_by_key(|p| p.jurisdiction.as_ref().map_or(0, |j| j.as_str().len()))
        };
        let payable = person.payable(month);
        let explain = |pack: &'p Pack, payee: Payee, institution: Option<String>| {
            let program = MonthProgram::direct(pack, month);
            let facts = person.facts(month, pack);
            let traces = if payable {
                program
                    .explain(&facts)
                    .into_iter()
                    .filter(|t| pack.benefits[t.benefit].payee == payee)
                    .collect()
            } else {
                Vec::new()
            };
            PackExplanation {
                program,
                facts,
                traces,
                institution,
            }
        };
        let own = pack_for(&person.hukou_division).map(|p| explain(p, Payee::Person, None));
        let institution = person.stay(month).and_then(|(code, _, division)| {
            pack_for(division).map(|p| explain(p, Payee::Institution, Some(code.to_string())))
        });
        let lines: Vec<StoredLine> = with_pool!(self, pool => sqlx::query_as(
            "SELECT l.person_id, p.name, p.id_number, l.benefit_month, l.benefit, l.kind, l.payee_kind, l.payee, \
             l.county, l.amount_fen, l.rule_id, COALESCE(r.clause, '') AS clause, l.pack_id, l.pack_version, l.run_id \
             FROM payment_lines l JOIN persons p ON p.id = l.person_id \
                   LEFT JOIN benefit_rules r ON r.pack_id = l.pack_id AND r.pack_version = l.pack_version AND r.rule_id = l.rule_id \
             WHERE l.person_id = $1 AND l.benefit_month = $2 ORDER BY l.benefit, l.kind")
            .bind(person_id).bind(month.to_string()).fetch_all(pool).await?);
        Ok(PersonMonth {
            person,
            month,
            own,
            institution,
            payable,
            lines,
        })
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

/// PostgreSQL COPY text format: backslash, tab and line ends escaped.
fn copy_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\\', '\t', '\n', '\r']) {
        s.replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .into()
    } else {
        s.into()
    }
}
