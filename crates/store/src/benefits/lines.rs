//! A person's lines for a month and the corrections that settle earlier months: what a run
//! computes, without I/O.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use yiyang_domain::category_history::{categories_in_force, CategoryChange};
use yiyang_domain::dates::{age_on, Month};
use yiyang_domain::policy::facts::MAX_AGE;
use yiyang_domain::policy::{Facts, Flag, MonthProgram, Pack, Payee};
use yiyang_domain::DivisionCode;

use crate::{Result, StoreError};

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
    pub(super) programs: Vec<MonthProgram<'p>>,
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
pub(super) fn already_started(e: sqlx::Error, month: &str) -> StoreError {
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
