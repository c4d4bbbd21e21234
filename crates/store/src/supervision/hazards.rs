//! The hazard list (隐患 / 整改 / 责任清单) of every kind of object: each problem an inspection
//! confirmed or a complaint upheld, with its responsible unit and person, a deadline by
//! severity, the unit's rectification, an inspector's verification (销号), and escalation when
//! overdue — seen by the division, the inspectors, and the unit that runs the object.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::supervision::inspection::{escalation, Escalation, HazardCategory, HazardStatus, Outcome};
use yiyang_domain::supervision::object::ObjectRef;

use super::inspections::Viewer;
use super::objects::{join_objects, object_columns, object_of, OBJECT_DIVISION};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Hazard {
    pub id: i64,
    pub institution_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub facility_id: Option<i64>,
    pub object_name: String,
    pub object_code: String,
    pub division: String,
    pub operator: Option<String>,
    pub inspection_id: Option<i64>,
    pub category: String,
    pub severity: String,
    pub description: String,
    pub responsible_unit: String,
    pub responsible_person: String,
    pub deadline: NaiveDate,
    pub status: String,
    pub evidence: Option<String>,
    pub verified_by: Option<String>,
    #[sqlx(skip)]
    pub escalation: Option<Escalation>,
}

impl Hazard {
    pub fn status(&self) -> HazardStatus {
        HazardStatus::parse(&self.status).expect("CHECK constraint: status")
    }
    pub fn category_label(&self) -> &'static str {
        HazardCategory::parse(&self.category).map_or("", |c| c.label())
    }
    pub fn severity_label(&self) -> &'static str {
        Outcome::parse(&self.severity).map_or("", |c| c.label())
    }
    pub fn escalation_label(&self) -> &'static str {
        self.escalation.map_or("", |e| e.label())
    }
    pub fn object(&self) -> ObjectRef {
        object_of(self.institution_id, self.provider_id, self.facility_id)
    }
    pub fn kind_label(&self) -> &'static str {
        self.object().kind.label()
    }
    fn run_by(&self, viewer: &Viewer) -> bool {
        viewer.runs(self.institution_id, &self.object_code, self.operator.as_deref())
    }
}

fn hazard_select() -> String {
    format!(
        "SELECT h.id, {}, h.inspection_id, h.category, h.severity, h.description, h.responsible_unit, \
         h.responsible_person, h.deadline, h.status, h.evidence, h.verified_by FROM hazards h {}",
        object_columns("h"),
        join_objects("h")
    )
}

impl Store {
    /// Hazards `viewer` may see in `scope`, unclosed first, with their escalation on `today`.
    pub async fn hazards_visible(&self, scope: &str, viewer: &Viewer, today: NaiveDate) -> Result<Vec<Hazard>> {
        let (lo, hi) = scope_range(scope);
        if *viewer == Viewer::Nobody {
            return Ok(Vec::new());
        }
        let mut rows: Vec<Hazard> = with_pool!(self, pool => sqlx::query_as(&format!(
            "{} WHERE {OBJECT_DIVISION} >= $1 AND {OBJECT_DIVISION} < $2 \
             ORDER BY CASE h.status WHEN 'closed' THEN 1 ELSE 0 END, h.deadline, h.id", hazard_select()))
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        if matches!(viewer, Viewer::Institution(_) | Viewer::Provider(_)) {
            rows.retain(|h| h.run_by(viewer));
        }
        let after = self.county_escalation_days(scope).await?;
        for h in &mut rows {
            h.escalation = Some(escalation(h.status(), h.deadline, today, after));
        }
        Ok(rows)
    }

    pub async fn county_escalation_days(&self, scope: &str) -> Result<i64> {
        self.supervision_setting(super::COUNTY_ESCALATION_SETTING, scope).await
    }

    pub async fn publish_within_days(&self, scope: &str) -> Result<i64> {
        self.supervision_setting(super::PUBLISH_WITHIN_SETTING, scope).await
    }

    /// The unit reports its rectification with evidence; the hazard waits for verification.
    pub async fn rectify_hazard(
        &self,
        id: i64,
        scope: &str,
        viewer: &Viewer,
        evidence: &str,
        actor: &Actor,
    ) -> Result<()> {
        let today = self.clock.today();
        let h = self
            .hazards_visible(scope, viewer, today)
            .await?
            .into_iter()
            .find(|h| h.id == id)
            .ok_or(StoreError::NotFound)?;
        let evidence = evidence.trim();
        let errors = yiyang_domain::text::required_note("evidence", "整改情况", evidence, "请写明整改情况和佐证材料");
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        if h.status() != HazardStatus::Open {
            return Err(StoreError::Refused("只有整改中的隐患可以报告整改".into()));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE hazards SET status = 'rectified', evidence = $2, rectified_by = $3, rectified_at = $4 WHERE id = $1 AND status = 'open'")
                .bind(id).bind(evidence).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("rectify", "hazard", id, serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// An inspector verifies a reported rectification: accepted, the hazard is closed (销号);
    /// not accepted, it is open again.
    pub async fn verify_hazard(&self, id: i64, scope: &str, accept: bool, actor: &Actor) -> Result<()> {
        let today = self.clock.today();
        let h = self
            .hazards_visible(scope, &Viewer::Division, today)
            .await?
            .into_iter()
            .find(|h| h.id == id)
            .ok_or(StoreError::NotFound)?;
        if h.status() != HazardStatus::Rectified {
            return Err(StoreError::Refused("只有已报告整改的隐患可以核验".into()));
        }
        let status = if accept { "closed" } else { "open" };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE hazards SET status = $2, verified_by = $3, verified_at = $4 WHERE id = $1 AND status = 'rectified'")
                .bind(id).bind(status).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("verify", "hazard", id, serde_json::json!({"accepted": accept}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
