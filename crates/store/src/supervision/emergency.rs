//! Emergency plans and drills per institution, and the gaps the domain finds in them (a kind
//! without a plan, a plan not drilled within the setting's months).

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::emergency::{gaps, EmergencyKind, Gap};

use super::inspections::Viewer;
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Months within which each kind of plan must have been drilled.
pub const DRILL_EVERY_SETTING: &str = "supervision.drill_every_months";

/// A plan or a drill as typed on the form.
#[derive(Debug, Clone, Default)]
pub struct EmergencyInput {
    pub institution_id: String,
    pub kind: String,
    pub date: String,
    /// The plan's title, or the drill's note.
    pub text: String,
    /// Drills: how many took part.
    pub participants: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Drill {
    pub institution_id: i64,
    pub kind: String,
    pub drilled_on: NaiveDate,
    pub participants: i64,
    pub note: String,
}

/// An institution's plans and drills, and what it lacks.
#[derive(Debug, Clone)]
pub struct Preparedness {
    pub institution_id: i64,
    pub institution_name: String,
    /// (kind label, plan title, approved on)
    pub plans: Vec<(&'static str, String, NaiveDate)>,
    pub drills: Vec<Drill>,
    pub gaps: Vec<Gap>,
}

impl Preparedness {
    pub fn gap_messages(&self) -> Vec<String> {
        self.gaps.iter().map(Gap::message).collect()
    }
}

impl Store {
    /// Preparedness of the institutions `viewer` may see in `scope` on `today`, those with gaps first.
    pub async fn preparedness(&self, scope: &str, viewer: &Viewer, today: NaiveDate) -> Result<Vec<Preparedness>> {
        let (lo, hi) = scope_range(scope);
        let every = self.supervision_setting(DRILL_EVERY_SETTING, scope).await? as u32;
        let plans: Vec<(i64, String, String, NaiveDate)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT p.institution_id, p.kind, p.title, p.approved_on FROM emergency_plans p JOIN institutions i ON i.id = p.institution_id \
             WHERE i.division >= $1 AND i.division < $2 ORDER BY p.approved_on DESC")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let drills: Vec<Drill> = with_pool!(self, pool => sqlx::query_as(
            "SELECT d.institution_id, d.kind, d.drilled_on, d.participants, d.note FROM emergency_drills d \
             JOIN institutions i ON i.id = d.institution_id WHERE i.division >= $1 AND i.division < $2 ORDER BY d.drilled_on DESC")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let mut out: Vec<Preparedness> = self
            .institutions_in(scope)
            .await?
            .into_iter()
            .filter(|i| match viewer {
                Viewer::Division | Viewer::Inspector(_) => true,
                Viewer::Institution(code) => &i.code == code,
                // Emergency plans are an institution's (a provider keeps none here).
                Viewer::Provider(_) | Viewer::Nobody => false,
            })
            .map(|i| {
                let own_plans: Vec<(&'static str, String, NaiveDate)> = plans
                    .iter()
                    .filter(|p| p.0 == i.id)
                    .filter_map(|p| EmergencyKind::parse(&p.1).map(|k| (k.label(), p.2.clone(), p.3)))
                    .collect();
                let kinds: Vec<EmergencyKind> = plans
                    .iter()
                    .filter(|p| p.0 == i.id)
                    .filter_map(|p| EmergencyKind::parse(&p.1))
                    .collect();
                let own_drills: Vec<Drill> = drills.iter().filter(|d| d.institution_id == i.id).cloned().collect();
                let dated: Vec<(EmergencyKind, NaiveDate)> = own_drills
                    .iter()
                    .filter_map(|d| EmergencyKind::parse(&d.kind).map(|k| (k, d.drilled_on)))
                    .collect();
                Preparedness {
                    institution_id: i.id,
                    institution_name: i.name,
                    plans: own_plans,
                    drills: own_drills,
                    gaps: gaps(&kinds, &dated, today, every),
                }
            })
            .collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.gaps.len()));
        Ok(out)
    }

    /// Records a plan (`drill` false) or a drill of an institution `viewer` may report for.
    pub async fn record_emergency(
        &self,
        input: &EmergencyInput,
        drill: bool,
        scope: &str,
        viewer: &Viewer,
        actor: &Actor,
    ) -> Result<i64> {
        let id: i64 = input.institution_id.trim().parse().map_err(|_| StoreError::NotFound)?;
        let inst = self
            .institution_in_scope(id, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        match viewer {
            Viewer::Division => {}
            Viewer::Institution(code) if *code == inst.code => {}
            _ => return Err(StoreError::NotFound),
        }
        let mut errors = Vec::new();
        let kind = EmergencyKind::parse(input.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择预案类别"));
        }
        let today = self.clock.today();
        let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today);
        if date.is_none() {
            errors.push(FieldError::new("date", "请填写不晚于今天的日期"));
        }
        let text = input.text.trim();
        if text.is_empty() {
            errors.push(FieldError::new(
                "text",
                if drill {
                    "请简述演练情况"
                } else {
                    "请填写预案名称"
                },
            ));
        }
        errors.extend(yiyang_domain::text::too_long(
            "text",
            "内容",
            text,
            yiyang_domain::text::NOTE_MAX,
        ));
        let participants = if drill {
            match input.participants.trim().parse::<i64>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new("participants", "参加人数须为正整数"));
                    0
                }
            }
        } else {
            0
        };
        let (Some(kind), Some(date), true) = (kind, date, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (rid, entity): (i64, &str) = if drill {
                let rid = sqlx::query_scalar(
                    "INSERT INTO emergency_drills (institution_id, kind, drilled_on, participants, note, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(id).bind(kind.code()).bind(date).bind(participants).bind(text).bind(&actor.name).bind(now())
                    .fetch_one(&mut *tx).await?;
                (rid, "emergency_drill")
            } else {
                let rid = sqlx::query_scalar(
                    "INSERT INTO emergency_plans (institution_id, kind, approved_on, title, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(id).bind(kind.code()).bind(date).bind(text).bind(&actor.name).bind(now())
                    .fetch_one(&mut *tx).await?;
                (rid, "emergency_plan")
            };
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", entity, rid,
                serde_json::json!({"institution": id, "kind": kind.code(), "date": date}))).await?;
            tx.commit().await?;
            Ok(rid)
        })
    }
}
