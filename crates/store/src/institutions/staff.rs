//! An institution's staff roster with certificates and training records, and its GB/T
//! 37276-2018 gradings.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::institution::{award_grade, GradeScores, GradeThresholds, GradingFacts, Prerequisite};
use yiyang_domain::person::FieldError;
use yiyang_domain::staff::{position, qualification_problem, SKILL_LEVELS};

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

pub const GRADE_THRESHOLDS_SETTING: &str = "grading_thresholds";

/// A staff member as the roster shows them.
#[derive(Debug, Clone, Serialize)]
pub struct StaffMember {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub skill_level: Option<String>,
    pub hired_on: NaiveDate,
    /// (kind, number, valid until)
    pub certificates: Vec<(String, String, Option<NaiveDate>)>,
    pub pre_job_trained: bool,
    pub training_hours: i64,
    /// What is missing for the position, if anything.
    pub problem: Option<String>,
}

impl StaffMember {
    pub fn position_label(&self) -> &'static str {
        position(&self.position).map_or("", |p| p.label)
    }
    pub fn skill_label(&self) -> &'static str {
        self.skill_level
            .as_deref()
            .map_or("", yiyang_domain::staff::skill_label)
    }
}

/// The roster's figures: head count, caregivers, pre-job training rate (target 100%), people
/// flagged for a missing qualification.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RosterSummary {
    pub staff: usize,
    pub caregivers: usize,
    pub pre_job_trained_pct: i64,
    pub flagged: usize,
}

/// A recorded grading.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Grading {
    pub id: i64,
    pub evaluated_on: NaiveDate,
    pub environment: i64,
    pub facilities: i64,
    pub management: i64,
    pub services: i64,
    pub computed_grade: i64,
    pub grade: i64,
    pub prerequisites: String,
    pub evaluator: String,
}

impl Grading {
    pub fn total(&self) -> i64 {
        self.environment + self.facilities + self.management + self.services
    }
    pub fn checks(&self) -> Vec<Prerequisite> {
        serde_json::from_str(&self.prerequisites).unwrap_or_default()
    }
}

fn invalid(field: &str, msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, msg)])
}

fn date_field(field: &str, raw: &str, required: bool) -> Result<Option<NaiveDate>> {
    match raw.trim() {
        "" if required => Err(invalid(field, "请填写日期")),
        "" => Ok(None),
        s => yiyang_domain::dates::parse_date(s)
            .map(Some)
            .map_err(|e| invalid(field, e.to_string())),
    }
}

impl Store {
    /// Adds a staff member; a certificate may come with them (kind, number, valid until).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_staff(
        &self,
        institution_id: i64,
        name: &str,
        position_code: &str,
        skill_level: &str,
        hired_on: &str,
        certificate: Option<(&str, &str, &str)>,
        actor: &Actor,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("name", "请填写姓名"));
        }
        if position(position_code).is_none() {
            return Err(invalid("position", "请选择岗位"));
        }
        let skill = match skill_level.trim() {
            "" => None,
            s if SKILL_LEVELS.iter().any(|(c, _)| *c == s) => Some(s.to_string()),
            _ => return Err(invalid("skill_level", "未知的技能等级")),
        };
        let hired = date_field("hired_on", hired_on, true)?.expect("required");
        let cert = match certificate {
            Some((kind, number, until)) if !kind.trim().is_empty() => {
                if number.trim().is_empty() {
                    return Err(invalid("cert_number", "请填写证书编号"));
                }
                Some((
                    kind.trim().to_string(),
                    number.trim().to_string(),
                    date_field("cert_valid_until", until, false)?,
                ))
            }
            _ => None,
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO staff (institution_id, name, position, skill_level, hired_on, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(institution_id).bind(name).bind(position_code).bind(&skill).bind(hired).bind(now()).fetch_one(&mut *tx).await?;
            if let Some((kind, number, until)) = &cert {
                sqlx::query("INSERT INTO staff_certificates (staff_id, kind, number, valid_until) VALUES ($1, $2, $3, $4)")
                    .bind(id).bind(kind).bind(number).bind(until).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("add_staff", "institution", institution_id,
                serde_json::json!({"staff": id, "name": name, "position": position_code}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn add_certificate(
        &self,
        institution_id: i64,
        staff_id: i64,
        kind: &str,
        number: &str,
        valid_until: &str,
        actor: &Actor,
    ) -> Result<()> {
        if !yiyang_domain::staff::certificate_kinds()
            .iter()
            .any(|(k, _)| *k == kind)
        {
            return Err(invalid("kind", "未知的证书类别"));
        }
        if number.trim().is_empty() {
            return Err(invalid("number", "请填写证书编号"));
        }
        let until = date_field("valid_until", valid_until, false)?;
        self.staff_in(institution_id, staff_id).await?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO staff_certificates (staff_id, kind, number, valid_until) VALUES ($1, $2, $3, $4)")
                .bind(staff_id).bind(kind).bind(number.trim()).bind(until).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("add_certificate", "institution", institution_id,
                serde_json::json!({"staff": staff_id, "kind": kind}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_training(
        &self,
        institution_id: i64,
        staff_id: i64,
        kind: &str,
        title: &str,
        hours: i64,
        on: &str,
        actor: &Actor,
    ) -> Result<()> {
        if !matches!(kind, "pre_job" | "in_service") {
            return Err(invalid("kind", "请选择岗前培训或在岗培训"));
        }
        if title.trim().is_empty() {
            return Err(invalid("title", "请填写培训名称"));
        }
        if !(1..=2000).contains(&hours) {
            return Err(invalid("hours", "学时应为 1-2000"));
        }
        let on = date_field("on", on, true)?.expect("required");
        self.staff_in(institution_id, staff_id).await?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO staff_training (staff_id, kind, title, hours, on_date) VALUES ($1, $2, $3, $4, $5)")
                .bind(staff_id).bind(kind).bind(title.trim()).bind(hours).bind(on).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("add_training", "institution", institution_id,
                serde_json::json!({"staff": staff_id, "kind": kind, "hours": hours}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records that a staff member left on `on` (离职). They leave the roster and its figures;
    /// their record stays, listed as former staff. Leaving before the hiring date is refused.
    pub async fn staff_left(
        &self,
        institution_id: i64,
        staff_id: i64,
        on: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<()> {
        let on = date_field("left_on", on, true)?.expect("required");
        let row: Option<(NaiveDate, Option<NaiveDate>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT hired_on, left_on FROM staff WHERE id = $1 AND institution_id = $2")
            .bind(staff_id).bind(institution_id).fetch_optional(pool).await?);
        let (hired, left) = row.ok_or(StoreError::NotFound)?;
        if left.is_some() {
            return Err(StoreError::Refused("该工作人员已登记离职".into()));
        }
        if on < hired {
            return Err(invalid("left_on", format!("离职日期不能早于入职日期 {hired}")));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE staff SET left_on = $2 WHERE id = $1 AND left_on IS NULL")
                .bind(staff_id).bind(on).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("staff_left", "institution", institution_id,
                serde_json::json!({"staff": staff_id, "on": on.to_string(), "reason": reason.trim()}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Staff who have left, latest first: (name, position label, hired on, left on).
    pub async fn former_staff(&self, institution_id: i64) -> Result<Vec<(String, &'static str, NaiveDate, NaiveDate)>> {
        let rows: Vec<(String, String, NaiveDate, NaiveDate)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT name, position, hired_on, left_on FROM staff WHERE institution_id = $1 AND left_on IS NOT NULL \
             ORDER BY left_on DESC, id DESC").bind(institution_id).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(n, p, h, l)| (n, position(&p).map_or("", |x| x.label), h, l))
            .collect())
    }

    async fn staff_in(&self, institution_id: i64, staff_id: i64) -> Result<()> {
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE id = $1 AND institution_id = $2")
            .bind(staff_id).bind(institution_id).fetch_one(pool).await?);
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The current staff of an institution with their certificates, training and flags.
    pub async fn roster(&self, institution_id: i64, today: NaiveDate) -> Result<(Vec<StaffMember>, RosterSummary)> {
        type StaffRow = (i64, String, String, Option<String>, NaiveDate);
        type CertRow = (i64, String, String, Option<NaiveDate>);
        type Rows = (Vec<StaffRow>, Vec<CertRow>, Vec<(i64, String, i64)>);
        let (people, certs, training): Rows = with_pool!(self, pool => (
            sqlx::query_as("SELECT id, name, position, skill_level, hired_on FROM staff WHERE institution_id = $1 AND left_on IS NULL ORDER BY position, id")
                .bind(institution_id).fetch_all(pool).await?,
            sqlx::query_as("SELECT c.staff_id, c.kind, c.number, c.valid_until FROM staff_certificates c JOIN staff s ON s.id = c.staff_id \
                            WHERE s.institution_id = $1 ORDER BY c.id").bind(institution_id).fetch_all(pool).await?,
            sqlx::query_as("SELECT t.staff_id, t.kind, t.hours FROM staff_training t JOIN staff s ON s.id = t.staff_id \
                            WHERE s.institution_id = $1").bind(institution_id).fetch_all(pool).await?,
        ));
        let members: Vec<StaffMember> = people
            .into_iter()
            .map(|(id, name, position, skill_level, hired_on)| {
                let certificates: Vec<(String, String, Option<NaiveDate>)> = certs
                    .iter()
                    .filter(|c| c.0 == id)
                    .map(|c| (c.1.clone(), c.2.clone(), c.3))
                    .collect();
                let held: Vec<(String, Option<NaiveDate>)> = certificates.iter().map(|c| (c.0.clone(), c.2)).collect();
                StaffMember {
                    problem: qualification_problem(&position, &held, today),
                    pre_job_trained: training.iter().any(|t| t.0 == id && t.1 == "pre_job"),
                    training_hours: training.iter().filter(|t| t.0 == id).map(|t| t.2).sum(),
                    id,
                    name,
                    position,
                    skill_level,
                    hired_on,
                    certificates,
                }
            })
            .collect();
        let trained = members.iter().filter(|m| m.pre_job_trained).count() as i64;
        let summary = RosterSummary {
            staff: members.len(),
            caregivers: members.iter().filter(|m| m.position == "caregiver").count(),
            pre_job_trained_pct: (trained * 100).checked_div(members.len() as i64).unwrap_or(0),
            flagged: members.iter().filter(|m| m.problem.is_some()).count(),
        };
        Ok((members, summary))
    }

    pub async fn grade_thresholds(&self, division: &str) -> Result<GradeThresholds> {
        Ok(self
            .setting(GRADE_THRESHOLDS_SETTING, division)
            .await?
            .and_then(|s| GradeThresholds::parse(&s))
            .unwrap_or_default())
    }

    pub async fn set_grade_thresholds(&self, raw: &str, division: &str, actor: &Actor) -> Result<()> {
        let t = GradeThresholds::parse(raw).ok_or_else(|| {
            invalid(
                "thresholds",
                "格式应为“360/40,450/50,570/60,780/80,900/90”（一至五级的最低总分/各部分最低得分率），且逐级不降",
            )
        })?;
        self.set_setting(GRADE_THRESHOLDS_SETTING, division, &t.to_setting(), actor)
            .await
    }

    /// Records a GB/T 37276-2018 evaluation: the grade the scores reach under the configured
    /// thresholds, and the grade awarded after the prerequisites.
    pub async fn record_grading(
        &self,
        institution_id: i64,
        scores: GradeScores,
        evaluated_on: &str,
        evaluator: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let evaluated_on = date_field("evaluated_on", evaluated_on, true)?.expect("required");
        if evaluator.trim().is_empty() {
            return Err(invalid("evaluator", "请填写评定机构或评定组"));
        }
        let division: String =
            with_pool!(self, pool => sqlx::query_scalar("SELECT division FROM institutions WHERE id = $1")
            .bind(institution_id).fetch_optional(pool).await?)
            .ok_or(StoreError::NotFound)?;
        let thresholds = self.grade_thresholds(&division).await?;
        let computed = scores
            .grade(&thresholds)
            .map_err(|e| invalid("scores", e.to_string()))?;
        let facts: Option<(Option<NaiveDate>, Option<NaiveDate>, bool)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT filed_on, last_penalty_on, dishonest FROM institutions WHERE id = $1").bind(institution_id).fetch_optional(pool).await?);
        let (filed_on, last_penalty_on, dishonest) = facts.ok_or(StoreError::NotFound)?;
        let before: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM gradings WHERE institution_id = $1 AND grade > 0")
            .bind(institution_id).fetch_one(pool).await?);
        let (grade, checks) = award_grade(
            computed,
            &GradingFacts {
                filed_on,
                evaluated_on,
                last_penalty_on,
                dishonest,
                graded_before: before > 0,
            },
        );
        let checks = serde_json::to_string(&checks).expect("serialisable");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO gradings (institution_id, evaluated_on, environment, facilities, management, services, computed_grade, grade, \
                 prerequisites, evaluator, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
                .bind(institution_id).bind(evaluated_on).bind(scores.environment as i64).bind(scores.facilities as i64)
                .bind(scores.management as i64).bind(scores.services as i64).bind(computed as i64).bind(grade as i64)
                .bind(&checks).bind(evaluator.trim()).bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("grading", "institution", institution_id,
                serde_json::json!({"grading": id, "total": scores.total(), "computed": computed, "grade": grade}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// An institution's gradings, newest first; the first is the grade shown.
    pub async fn gradings(&self, institution_id: i64) -> Result<Vec<Grading>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, evaluated_on, environment, facilities, management, services, computed_grade, grade, prerequisites, evaluator \
             FROM gradings WHERE institution_id = $1 ORDER BY evaluated_on DESC, id DESC")
            .bind(institution_id).fetch_all(pool).await?))
    }
}
