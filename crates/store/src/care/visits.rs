//! Visits (探访关爱): the roster of a division (people alive in the groups the documents name),
//! who visits each, the visits recorded on a phone, the follow-ups danger signs open, and the
//! month's visit rate. A visitor sees and visits the people assigned to them only; the
//! division's staff see the whole roster and assign.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::care::visits::{follow_up_days, Condition, FollowUp, RosterRule};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Who is looking at the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitViewer {
    /// The division's staff: everyone on the roster in scope.
    Division,
    /// A visitor: the people assigned to this account.
    Visitor(String),
}

/// The most roster lines one page shows (a county's roster is a few thousand).
pub const ROSTER_LIMIT: i64 = 5000;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RosterEntry {
    pub person_id: i64,
    pub name: String,
    pub division: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub categories: String,
    pub visitor: Option<String>,
    pub last_visit: Option<NaiveDate>,
    /// Visited in the month asked about.
    pub visited: bool,
    /// Follow-ups not yet done.
    pub open_follow_ups: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Visit {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub visitor: String,
    pub visited_on: NaiveDate,
    pub place: String,
    pub health: String,
    pub living: String,
    pub needs: String,
    pub condition: String,
    pub follow_up: Option<String>,
    pub follow_up_by: Option<NaiveDate>,
    pub follow_up_done_at: Option<DateTime<Utc>>,
    pub follow_up_note: Option<String>,
}

impl Visit {
    pub fn condition_label(&self) -> &'static str {
        Condition::parse(&self.condition).map_or("", |c| c.label())
    }
    pub fn follow_up_label(&self) -> &'static str {
        self.follow_up
            .as_deref()
            .and_then(FollowUp::parse)
            .map_or("", |f| f.label())
    }
}

/// A visit as typed on the phone.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub visited_on: String,
    pub place: String,
    pub health: String,
    pub living: String,
    pub needs: String,
    pub condition: String,
    pub follow_up: String,
}

/// Each pack's roster rule by jurisdiction, most specific first: (jurisdiction, rule).
pub(crate) type RosterRules = Vec<(String, RosterRule)>;

/// The roster rules of the packs in force on `today`.
pub(crate) fn roster_rules(packs: &[yiyang_domain::policy::Pack], today: chrono::NaiveDate) -> RosterRules {
    let mut rules: Vec<(String, RosterRule)> = Vec::new();
    let mut in_force: Vec<&yiyang_domain::policy::Pack> = packs
        .iter()
        .filter(|p| p.visits.is_some() && p.effective_from <= today && p.effective_to.is_none_or(|t| t >= today))
        .collect();
    in_force.sort_by_key(|p| std::cmp::Reverse(p.effective_from));
    for p in in_force {
        let (Some(j), Some(v)) = (&p.jurisdiction, &p.visits) else {
            continue;
        };
        if !rules.iter().any(|(k, _)| k == j.as_str()) {
            rules.push((j.as_str().to_string(), v.clone()));
        }
    }
    rules.sort_by_key(|(j, _)| std::cmp::Reverse(j.len()));
    rules
}

impl Store {
    /// The packs whose visit rosters apply (the shipped ones unless the server loads others).
    pub fn set_visit_rules(&self, packs: &[yiyang_domain::policy::Pack]) {
        *self.visit_rules.write().expect("visit rules lock") =
            std::sync::Arc::new(roster_rules(packs, self.clock.today()));
    }

    /// The roster rule for people of `division`: its most specific pack's, else `indicators.md`'s.
    pub fn roster_rule_for(&self, division: &str) -> RosterRule {
        self.visit_rules
            .read()
            .expect("visit rules lock")
            .iter()
            .find(|(j, _)| division.starts_with(j.as_str()))
            .map_or_else(RosterRule::default_rule, |(_, r)| r.clone())
    }

    /// Who is on the roster, as SQL over `p`: each person by the rule of their hukou division's
    /// most specific pack (jurisdictions are digits, checked when the pack is loaded).
    fn roster_clause(&self) -> String {
        let rules = self.visit_rules.read().expect("visit rules lock").clone();
        let mut sql = String::from("(CASE");
        for (j, r) in rules.iter().filter(|(j, _)| j.bytes().all(|b| b.is_ascii_digit())) {
            sql.push_str(&format!(" WHEN p.hukou_division LIKE '{j}%' THEN {}", r.sql()));
        }
        sql.push_str(&format!(" ELSE {} END)", RosterRule::default_rule().sql()));
        sql
    }

    /// The roster of `scope` as `viewer` sees it, with each person's visitor, last visit and
    /// whether they were visited in `month`.
    pub async fn visit_roster(&self, scope: &str, viewer: &VisitViewer, month: Month) -> Result<Vec<RosterEntry>> {
        let (lo, hi) = scope_range(scope);
        let visitor = match viewer {
            VisitViewer::Division => String::new(),
            VisitViewer::Visitor(u) => u.clone(),
        };
        let sql = format!(
            "SELECT p.id AS person_id, p.name, p.hukou_division AS division, p.address, p.phone, p.categories, a.visitor, \
             (SELECT MAX(v.visited_on) FROM visits v WHERE v.person_id = p.id) AS last_visit, \
             EXISTS (SELECT 1 FROM visits v WHERE v.person_id = p.id AND v.visited_on >= $3 AND v.visited_on <= $4) AS visited, \
             (SELECT COUNT(*) FROM visits v WHERE v.person_id = p.id AND v.follow_up IS NOT NULL AND v.follow_up_done_at IS NULL) AS open_follow_ups \
             FROM persons p LEFT JOIN visit_assignments a ON a.person_id = p.id AND a.ended_at IS NULL \
             WHERE ((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 AND p.residence_division < $2)) \
             AND p.death_date IS NULL AND {} AND ($5 = '' OR a.visitor = $5) ORDER BY p.hukou_division, p.name LIMIT {ROSTER_LIMIT}",
            self.roster_clause()
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(month.first_day()).bind(month.last_day()).bind(&visitor)
            .fetch_all(pool).await?))
    }

    /// One person on the roster as `viewer` sees them; otherwise as an unknown id. Opening a
    /// person to visit shows their address and phone: the view is audited.
    pub async fn roster_person(
        &self,
        person: i64,
        scope: &str,
        viewer: &VisitViewer,
        actor: &Actor,
    ) -> Result<Option<RosterEntry>> {
        let month = self.clock.month();
        let found = self
            .visit_roster(scope, viewer, month)
            .await?
            .into_iter()
            .find(|e| e.person_id == person);
        if found.is_some() {
            self.record_full_view(person, actor).await?;
        }
        Ok(found)
    }

    /// Assigns a visitor (an active visitor's or civil-affairs account of the division) to
    /// people on the roster of `scope`, ending their previous assignment. Returns how many.
    pub async fn assign_visitor(&self, people: &[i64], visitor: &str, scope: &str, actor: &Actor) -> Result<usize> {
        let (lo, hi) = scope_range(scope);
        let ok: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE username = $1 AND role IN ('visitor', 'civil_affairs') AND active AND scope >= $2 AND scope < $3")
            .bind(visitor).bind(&lo).bind(&hi).fetch_one(pool).await?);
        if ok == 0 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "visitor",
                "请选择本辖区的探访员",
            )]));
        }
        let month = self.clock.month();
        let roster = self.visit_roster(scope, &VisitViewer::Division, month).await?;
        let chosen: Vec<i64> = people
            .iter()
            .copied()
            .filter(|p| roster.iter().any(|e| e.person_id == *p))
            .collect();
        if chosen.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "people",
                "请选择探访名单中的老年人",
            )]));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for p in &chosen {
                sqlx::query("UPDATE visit_assignments SET ended_at = $2 WHERE person_id = $1 AND ended_at IS NULL")
                    .bind(p).bind(now()).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO visit_assignments (person_id, visitor, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)")
                    .bind(p).bind(visitor).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("assign", "visit_roster", visitor,
                serde_json::json!({"people": chosen.len()}))).await?;
            tx.commit().await?;
            Ok(chosen.len())
        })
    }

    /// Records a visit by `viewer` to a person on their roster. A danger sign needs its
    /// follow-up, which gets its deadline. Errors name the field.
    pub async fn record_visit(
        &self,
        person: i64,
        input: &VisitInput,
        scope: &str,
        viewer: &VisitViewer,
        actor: &Actor,
    ) -> Result<i64> {
        let today = self.clock.today();
        let month = Month::of(today);
        self.visit_roster(scope, viewer, month)
            .await?
            .into_iter()
            .find(|e| e.person_id == person)
            .ok_or(StoreError::NotFound)?;
        let mut errors = Vec::new();
        let on = NaiveDate::parse_from_str(input.visited_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today && (today - *d).num_days() <= 31);
        if on.is_none() {
            errors.push(FieldError::new("visited_on", "探访日期须在今天和一个月前之间"));
        }
        for (field, label, v, max) in [
            ("place", "探访地点", &input.place, 100),
            ("health", "身体状况", &input.health, 500),
            ("living", "生活状况", &input.living, 500),
        ] {
            if v.trim().is_empty() {
                errors.push(FieldError::new(field, format!("请填写{label}")));
            }
            errors.extend(yiyang_domain::text::too_long(field, label, v, max));
        }
        errors.extend(yiyang_domain::text::too_long("needs", "需求", &input.needs, 500));
        let condition = Condition::parse(input.condition.trim());
        if condition.is_none() {
            errors.push(FieldError::new("condition", "请选择总体情况"));
        }
        let follow_up = match input.follow_up.trim() {
            "" => None,
            f => {
                let parsed = FollowUp::parse(f);
                if parsed.is_none() {
                    errors.push(FieldError::new("follow_up", "请选择后续处置"));
                }
                parsed
            }
        };
        if condition == Some(Condition::Danger) && follow_up.is_none() {
            errors.push(FieldError::new("follow_up", "发现危险情形，须选择后续处置"));
        }
        let (Some(on), Some(condition), true) = (on, condition, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let by = follow_up.map(|f| on + chrono::Days::new(follow_up_days(f)));
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO visits (person_id, visitor, visited_on, place, health, living, needs, condition, follow_up, follow_up_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
                .bind(person).bind(&actor.name).bind(on).bind(input.place.trim()).bind(input.health.trim()).bind(input.living.trim())
                .bind(input.needs.trim()).bind(condition.code()).bind(follow_up.map(|f| f.code())).bind(by).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("visit", "person", person,
                serde_json::json!({"visit": id, "on": on, "condition": condition.code()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Visits to people of `scope` (or, for a visitor, their own visits), newest first.
    pub async fn visits_in(&self, scope: &str, viewer: &VisitViewer, limit: i64) -> Result<Vec<Visit>> {
        let (lo, hi) = scope_range(scope);
        let visitor = match viewer {
            VisitViewer::Division => String::new(),
            VisitViewer::Visitor(u) => u.clone(),
        };
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT v.id, v.person_id, p.name AS person_name, v.visitor, v.visited_on, v.place, v.health, v.living, v.needs, \
             v.condition, v.follow_up, v.follow_up_by, v.follow_up_done_at, v.follow_up_note FROM visits v \
             JOIN persons p ON p.id = v.person_id WHERE ((p.hukou_division >= $1 AND p.hukou_division < $2) \
             OR (p.residence_division >= $1 AND p.residence_division < $2)) AND ($3 = '' OR v.visitor = $3) \
             ORDER BY v.visited_on DESC, v.id DESC LIMIT $4")
            .bind(&lo).bind(&hi).bind(&visitor).bind(limit.clamp(1, 2000)).fetch_all(pool).await?))
    }

    /// Marks a follow-up done, with what was done.
    pub async fn close_follow_up(
        &self,
        visit: i64,
        note: &str,
        scope: &str,
        viewer: &VisitViewer,
        actor: &Actor,
    ) -> Result<()> {
        let v = self
            .visits_in(scope, viewer, 2000)
            .await?
            .into_iter()
            .find(|v| v.id == visit)
            .ok_or(StoreError::NotFound)?;
        if v.follow_up.is_none() || v.follow_up_done_at.is_some() {
            return Err(StoreError::Refused("这次探访没有待办的后续处置".into()));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new("note", "请写明处置情况")]));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE visits SET follow_up_done_at = $2, follow_up_note = $3 WHERE id = $1")
                .bind(visit).bind(now()).bind(note).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("follow_up", "person", v.person_id,
                serde_json::json!({"visit": visit}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// For the indicator: (hukou division, visited in `month`) of everyone on the roster of
    /// `scope` alive on the month's first day.
    pub(crate) async fn roster_visited(&self, scope: &str, month: Month) -> Result<Vec<(String, bool)>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!(
            "SELECT p.hukou_division, EXISTS (SELECT 1 FROM visits v WHERE v.person_id = p.id AND v.visited_on >= $3 AND v.visited_on <= $4) \
             FROM persons p WHERE p.hukou_division >= $1 AND p.hukou_division < $2 AND (p.death_date IS NULL OR p.death_date >= $3) AND {}",
            self.roster_clause()
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(month.first_day()).bind(month.last_day()).fetch_all(pool).await?))
    }
}
