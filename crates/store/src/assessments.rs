//! Assessment results as other modules read them: a person's history and the people due or
//! overdue for reassessment. (The GB/T 42195-2022 form itself is scored in
//! `yiyang_domain::assessment`.)

use chrono::NaiveDate;
use serde::Serialize;

use crate::{scope_range, with_pool, Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssessmentRow {
    pub id: i64,
    pub person_id: i64,
    pub standard: String,
    pub final_level: i64,
    pub assessed_on: NaiveDate,
    pub valid_until: NaiveDate,
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
            "SELECT id, person_id, standard, final_level, assessed_on, valid_until FROM assessments \
             WHERE person_id = $1 ORDER BY assessed_on DESC, id DESC")
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
             AND p.death_date IS NULL AND a.valid_until <= $3 \
             AND NOT EXISTS (SELECT 1 FROM assessments b WHERE b.person_id = a.person_id \
                 AND (b.assessed_on > a.assessed_on OR (b.assessed_on = a.assessed_on AND b.id > a.id))) \
             ORDER BY a.valid_until, p.id LIMIT $4")
            .bind(&lo).bind(&hi).bind(until).bind(limit).fetch_all(pool).await?))
    }
}
