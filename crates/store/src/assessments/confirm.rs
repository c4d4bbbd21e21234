//! The second assessor's confirmation and the review of back-dated assessments (see
//! `yiyang_domain::assessment_review`). Each step is audited; only the named second assessor
//! confirms, only civil-affairs staff other than the two assessors review.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::assessment_review::{after_confirmation, AssessmentStatus, DEFAULT_BACKDATE_DAYS};
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Role;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// The setting: days an assessment may be dated back without review.
pub const BACKDATE_SETTING: &str = "assessment_backdate_days";

/// An assessment waiting for someone: its person and what it says.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PendingAssessment {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub final_level: i64,
    pub assessed_on: NaiveDate,
    pub recorded_by: Option<String>,
    pub second_assessor: Option<String>,
    pub backdate_reason: Option<String>,
    pub status: String,
}

fn refused(msg: &str) -> StoreError {
    StoreError::Refused(msg.into())
}

impl Store {
    pub async fn backdate_days(&self, division: &str) -> Result<u32> {
        Ok(self
            .setting(BACKDATE_SETTING, division)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_BACKDATE_DAYS))
    }

    /// The second assessor must be another active assessor's account whose scope holds the
    /// person: a made-up colleague, or oneself, is refused.
    pub(crate) async fn check_second_assessor(&self, second: &str, person_id: i64, recorder: &str) -> Result<()> {
        let bad = |m: &str| StoreError::Invalid(vec![FieldError::new("assessor2", m)]);
        let second = second.trim().to_lowercase();
        if second.is_empty() {
            return Err(bad("请选择第二名评估员（须为本辖区的评估员账号，由其本人登录确认）"));
        }
        if second == recorder {
            return Err(bad("两名评估员不能是同一人"));
        }
        let account: Option<(String, String, bool)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT role, scope, active FROM users WHERE username = $1").bind(&second).fetch_optional(pool).await?);
        let ok = match account {
            Some((role, scope, active)) => {
                active
                    && Role::parse(&role) == Some(Role::Assessor)
                    && self.person_in_scope(person_id, &scope).await?.is_some()
            }
            None => false,
        };
        if ok {
            Ok(())
        } else {
            Err(bad("第二名评估员须为负责此人所在区划的评估员账号"))
        }
    }

    /// Assessments waiting for `username` to confirm as second assessor.
    pub async fn awaiting_my_confirmation(&self, username: &str) -> Result<Vec<PendingAssessment>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, a.person_id, p.name, a.final_level, a.assessed_on, a.recorded_by, a.second_assessor, \
             a.backdate_reason, a.status FROM assessments a JOIN persons p ON p.id = a.person_id \
             WHERE a.status = 'awaiting_second' AND a.second_assessor = $1 ORDER BY a.id")
            .bind(username).fetch_all(pool).await?))
    }

    /// Back-dated assessments in `scope` waiting for review.
    pub async fn awaiting_review(&self, scope: &str) -> Result<Vec<PendingAssessment>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, a.person_id, p.name, a.final_level, a.assessed_on, a.recorded_by, a.second_assessor, \
             a.backdate_reason, a.status FROM assessments a JOIN persons p ON p.id = a.person_id \
             WHERE a.status = 'awaiting_review' AND ((p.hukou_division >= $1 AND p.hukou_division < $2) \
             OR (p.residence_division >= $1 AND p.residence_division < $2)) ORDER BY a.id")
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// The second assessor signs (`accept`) or sends the assessment back with `note`.
    pub async fn confirm_assessment(
        &self,
        id: i64,
        username: &str,
        accept: bool,
        note: &str,
        actor: &Actor,
    ) -> Result<AssessmentStatus> {
        let row: Option<(String, Option<String>, Option<String>, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT status, second_assessor, backdate_reason, person_id FROM assessments WHERE id = $1")
            .bind(id).fetch_optional(pool).await?);
        let (status, second, backdate, person) = row.ok_or(StoreError::NotFound)?;
        if second.as_deref() != Some(username) {
            return Err(refused("只有被指定的第二名评估员本人可以确认此评估"));
        }
        if AssessmentStatus::parse(&status) != Some(AssessmentStatus::AwaitingSecond) {
            return Err(refused("此评估不在待确认状态"));
        }
        let next = if accept {
            after_confirmation(backdate.is_some())
        } else {
            if note.trim().is_empty() {
                return Err(StoreError::Invalid(vec![FieldError::new("note", "退回时请说明原因")]));
            }
            AssessmentStatus::Returned
        };
        self.move_assessment(
            id,
            person,
            AssessmentStatus::AwaitingSecond,
            next,
            note,
            "confirm",
            actor,
        )
        .await?;
        Ok(next)
    }

    /// A civil-affairs reviewer accepts or returns a back-dated assessment; never one of the
    /// two assessors.
    pub async fn review_backdated(
        &self,
        id: i64,
        reviewer: &str,
        accept: bool,
        note: &str,
        actor: &Actor,
    ) -> Result<AssessmentStatus> {
        let row: Option<(String, Option<String>, Option<String>, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT status, recorded_by, second_assessor, person_id FROM assessments WHERE id = $1")
            .bind(id).fetch_optional(pool).await?);
        let (status, recorder, second, person) = row.ok_or(StoreError::NotFound)?;
        if AssessmentStatus::parse(&status) != Some(AssessmentStatus::AwaitingReview) {
            return Err(refused("此评估不在补录待审核状态"));
        }
        if recorder.as_deref() == Some(reviewer) || second.as_deref() == Some(reviewer) {
            return Err(refused("评估员不能审核自己参与的评估"));
        }
        if !accept && note.trim().is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new("note", "退回时请说明原因")]));
        }
        let next = if accept {
            AssessmentStatus::Confirmed
        } else {
            AssessmentStatus::Returned
        };
        self.move_assessment(
            id,
            person,
            AssessmentStatus::AwaitingReview,
            next,
            note,
            "review",
            actor,
        )
        .await?;
        Ok(next)
    }

    #[allow(clippy::too_many_arguments)]
    async fn move_assessment(
        &self,
        id: i64,
        person: i64,
        from: AssessmentStatus,
        to: AssessmentStatus,
        note: &str,
        step: &str,
        actor: &Actor,
    ) -> Result<()> {
        let ts = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE assessments SET status = $1, \
                 confirmed_at = CASE WHEN $1 = 'confirmed' THEN $2 ELSE confirmed_at END, \
                 reviewed_by = CASE WHEN $3 = 'review' THEN $4 ELSE reviewed_by END, \
                 return_note = CASE WHEN $1 = 'returned' THEN $5 ELSE return_note END \
                 WHERE id = $6 AND status = $7")
                .bind(to.code()).bind(ts).bind(step).bind(&actor.name).bind(note.trim()).bind(id).bind(from.code())
                .execute(&mut *tx).await?.rows_affected();
            if n != 1 {
                return Err(refused("此评估的状态已被他人改变，请刷新"));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(&format!("assessment_{step}"), "person", person,
                serde_json::json!({"assessment": id, "status": to.code(), "note": note.trim()}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
