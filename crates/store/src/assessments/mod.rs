//! Assessment results as other modules read them: a person's history and the people due or
//! overdue for reassessment, recording the full form, the validity setting and requests for an
//! immediate reassessment. (The GB/T 42195-2022 form itself is scored in
//! `yiyang_domain::assessment`.)

pub mod confirm;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::assessment::Report;
use yiyang_domain::assessment_form::BasicInfo;
use yiyang_domain::assessment_review::AssessmentStatus;
use yiyang_domain::person::FieldError;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssessmentRow {
    pub id: i64,
    pub person_id: i64,
    pub standard: String,
    pub final_level: i64,
    pub assessed_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub reason: Option<String>,
    /// Whether the full form was recorded (legacy imports carry only the level).
    pub has_form: bool,
    pub status: String,
}

impl AssessmentRow {
    pub fn status_label(&self) -> &'static str {
        AssessmentStatus::parse(&self.status).map_or("", AssessmentStatus::label)
    }
}

/// A person whose latest assessment expires soon or has expired.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DueRow {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub hukou_division: String,
    pub standard: String,
    pub final_level: i64,
    pub assessed_on: NaiveDate,
    pub valid_until: NaiveDate,
}

impl Store {
    /// A person's assessments, newest first.
    pub async fn assessment_history(&self, person_id: i64) -> Result<Vec<AssessmentRow>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, person_id, standard, final_level, assessed_on, valid_until, reason, form IS NOT NULL AS has_form, status \
             FROM assessments WHERE person_id = $1 ORDER BY assessed_on DESC, id DESC")
            .bind(person_id).fetch_all(pool).await?))
    }

    /// Living people in `scope` whose latest assessment is valid only until `until` or earlier
    /// (pass today plus a notice period), most overdue first.
    pub async fn due_for_reassessment(&self, scope: &str, until: NaiveDate, limit: i64) -> Result<Vec<DueRow>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT p.id AS person_id, p.name, p.id_number, p.hukou_division, a.standard, a.final_level, \
             a.assessed_on, a.valid_until FROM assessments a JOIN persons p ON p.id = a.person_id \
             WHERE ((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 AND p.residence_division < $2)) \
             AND p.death_date IS NULL AND a.valid_until <= $3 AND a.status = 'confirmed' \
             AND NOT EXISTS (SELECT 1 FROM assessments b WHERE b.person_id = a.person_id AND b.status = 'confirmed' \
                 AND (b.assessed_on > a.assessed_on OR (b.assessed_on = a.assessed_on AND b.id > a.id))) \
             ORDER BY a.valid_until, p.id LIMIT $4")
            .bind(&lo).bind(&hi).bind(until).bind(limit).fetch_all(pool).await?))
    }
}

/// The setting that says how long an assessment stays valid, in months (default 12).
pub const VALIDITY_SETTING: &str = "assessment_validity_months";
pub const DEFAULT_VALIDITY_MONTHS: u32 = 12;

/// One recorded GB/T 42195-2022 assessment with its form, for the report page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssessmentRecord {
    pub id: i64,
    pub person_id: i64,
    pub standard: String,
    pub final_level: i64,
    pub assessed_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub reason: Option<String>,
    pub agency: Option<String>,
    pub assessors: Option<String>,
    pub total: Option<i64>,
    pub initial_level: Option<i64>,
    pub form: Option<String>,
    pub recorded_by: Option<String>,
    pub status: String,
    pub second_assessor: Option<String>,
    pub backdate_reason: Option<String>,
    pub reviewed_by: Option<String>,
    pub return_note: Option<String>,
}

impl AssessmentRecord {
    pub fn status(&self) -> AssessmentStatus {
        AssessmentStatus::parse(&self.status).unwrap_or(AssessmentStatus::Returned)
    }
}

/// The stored form: basic information, item scores and the computed report.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StoredForm {
    pub info: BasicInfo,
    pub items: BTreeMap<String, i64>,
    pub report: StoredReport,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StoredReport {
    pub dimensions: BTreeMap<String, u32>,
    pub total: u32,
    pub initial_level: u8,
    pub final_level: u8,
    pub adjustments: Vec<String>,
}

impl AssessmentRecord {
    pub fn stored_form(&self) -> Option<StoredForm> {
        serde_json::from_str(self.form.as_deref()?).ok()
    }
}

/// An open request for an immediate reassessment.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub hukou_division: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// How many months an assessment stays valid in `division` (setting [`VALIDITY_SETTING`],
    /// the most specific one above it).
    pub async fn assessment_validity_months(&self, division: &str) -> Result<u32> {
        Ok(self
            .setting(VALIDITY_SETTING, division)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_VALIDITY_MONTHS))
    }

    pub async fn set_assessment_validity_months(&self, months: u32, division: &str, actor: &Actor) -> Result<()> {
        if !(1..=36).contains(&months) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "validity_months",
                "有效期应为 1-36 个月",
            )]));
        }
        self.set_setting(VALIDITY_SETTING, division, &months.to_string(), actor)
            .await
    }

    /// Records a scored GB/T 42195-2022 assessment, valid for the configured period from the
    /// assessment date, and closes the person's open reassessment requests. It counts only
    /// once `second` (the other assessor's account) confirms it, and — when it is dated more
    /// than the allowed days back — once a civil-affairs reviewer accepts `backdate_reason`.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_form_assessment(
        &self,
        person_id: i64,
        info: &BasicInfo,
        items: &BTreeMap<String, i64>,
        report: &Report,
        second: &str,
        backdate_reason: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let division: String = with_pool!(self, pool => sqlx::query_scalar("SELECT hukou_division FROM persons WHERE id = $1")
            .bind(person_id).fetch_one(pool).await?);
        self.check_second_assessor(second, person_id, &actor.name).await?;
        let today = self.clock.today();
        let allowed = self.backdate_days(&division).await?;
        let backdate_reason = backdate_reason.trim();
        let backdated = yiyang_domain::assessment_review::is_backdated(info.assessed_on, today, allowed);
        if backdated && backdate_reason.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "backdate_reason",
                format!("评估日期早于今天 {allowed} 天以上，属于补录：请说明原因，确认后还须经民政部门审核"),
            )]));
        }
        let months = self.assessment_validity_months(&division).await?;
        let valid_until = info.assessed_on + chrono::Months::new(months);
        let stored = StoredForm {
            info: info.clone(),
            items: items.clone(),
            report: StoredReport {
                dimensions: report.dimensions.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                total: report.total,
                initial_level: report.initial_level,
                final_level: report.final_level,
                adjustments: report.adjustments.iter().map(|a| a.label().to_string()).collect(),
            },
        };
        let form = serde_json::to_string(&stored).expect("serialisable");
        let assessors = info.assessors.join("、");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assessments (person_id, standard, final_level, assessed_on, valid_until, recorded_at, \
                 reason, agency, assessors, total, initial_level, form, recorded_by, status, second_assessor, backdate_reason) \
                 VALUES ($1, 'GB/T 42195-2022', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'awaiting_second', $13, $14) RETURNING id")
                .bind(person_id).bind(report.final_level as i64).bind(info.assessed_on).bind(valid_until).bind(now())
                .bind(info.reason.code()).bind(&info.agency).bind(&assessors).bind(report.total as i64)
                .bind(report.initial_level as i64).bind(&form).bind(&actor.name)
                .bind(second).bind(backdated.then_some(backdate_reason))
                .fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE reassessment_requests SET assessment_id = $2 WHERE person_id = $1 AND assessment_id IS NULL")
                .bind(person_id).bind(id).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("assess", "person", person_id, serde_json::json!({
                "assessment": id, "reason": info.reason.code(), "total": report.total,
                "final_level": report.final_level, "valid_until": valid_until.to_string()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// One assessment, if its person lies in `scope`.
    pub async fn assessment_in_scope(&self, id: i64, scope: &str) -> Result<Option<AssessmentRecord>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, a.person_id, a.standard, a.final_level, a.assessed_on, a.valid_until, a.reason, a.agency, \
             a.assessors, a.total, a.initial_level, a.form, a.recorded_by, a.status, a.second_assessor, \
             a.backdate_reason, a.reviewed_by, a.return_note FROM assessments a JOIN persons p ON p.id = a.person_id \
             WHERE a.id = $1 AND ((p.hukou_division >= $2 AND p.hukou_division < $3) OR (p.residence_division >= $2 AND p.residence_division < $3))")
            .bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?))
    }

    /// The latest assessment of a person that is valid on `on`: what admission, subsidy review
    /// and service orders read instead of asking for the level again.
    pub async fn valid_assessment(&self, person_id: i64, on: NaiveDate) -> Result<Option<AssessmentRow>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, person_id, standard, final_level, assessed_on, valid_until, reason, form IS NOT NULL AS has_form, status \
             FROM assessments WHERE person_id = $1 AND assessed_on <= $2 AND valid_until >= $2 AND status = 'confirmed' \
             ORDER BY assessed_on DESC, id DESC LIMIT 1")
            .bind(person_id).bind(on).fetch_optional(pool).await?))
    }

    /// Asks for an immediate reassessment (the person's condition changed).
    pub async fn request_reassessment(&self, person_id: i64, reason: &str, actor: &Actor) -> Result<i64> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "reason",
                "请说明申请即时评估的原因（如状况发生变化）",
            )]));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reassessment_requests (person_id, reason, requested_by, requested_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(person_id).bind(reason).bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("request_reassessment", "person", person_id, serde_json::json!({"reason": reason}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Open immediate-reassessment requests for people in `scope`, oldest first.
    pub async fn open_reassessment_requests(&self, scope: &str) -> Result<Vec<RequestRow>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT r.id, r.person_id, p.name, p.id_number, p.hukou_division, r.reason, r.requested_by, r.requested_at \
             FROM reassessment_requests r JOIN persons p ON p.id = r.person_id WHERE r.assessment_id IS NULL \
             AND ((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 AND p.residence_division < $2)) \
             ORDER BY r.requested_at, r.id")
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }
}
