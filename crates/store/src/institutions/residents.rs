//! Residents of institutions on their beds: admission (which needs a valid capability
//! assessment), transfer to another bed or institution, leave and return, discharge and death.
//! Every step is an event; the residency rows carry the dates the benefit run reads.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::person::FieldError;

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

/// A current resident (in residence or on leave).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ResidentRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub bed_id: Option<i64>,
    pub bed: Option<String>,
    pub admitted_on: NaiveDate,
    pub status: String,
    /// The level of the person's latest confirmed capability assessment, if any.
    pub level: Option<i64>,
}

impl ResidentRow {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    /// The level in a few characters, for a bed tile ("中度失能").
    pub fn level_short(&self) -> &'static str {
        self.level.map_or("未评估", yiyang_domain::assessment::level_short)
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "in" => "在住",
        "leave" => "请假外出",
        "discharged" => "已出院",
        "transferred" => "已转出",
        "died" => "已故",
        _ => "",
    }
}

/// One step in a residency's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ResidentEvent {
    pub id: i64,
    pub resident_id: i64,
    pub name: String,
    pub kind: String,
    pub on_date: NaiveDate,
    pub bed: Option<String>,
    pub note: String,
    pub recorded_by: String,
}

impl ResidentEvent {
    pub fn kind_label(&self) -> &'static str {
        event_label(&self.kind)
    }
}

pub fn event_label(kind: &str) -> &'static str {
    match kind {
        "admit" => "入住",
        "transfer_in" => "转入",
        "move" => "调换床位",
        "transfer_out" => "转出",
        "leave" => "请假外出",
        "return" => "销假返回",
        "discharge" => "出院",
        "death" => "死亡",
        _ => "",
    }
}

/// One step of a person's stay, with the institution it happened in.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PersonStayEvent {
    pub resident_id: i64,
    pub institution_id: i64,
    pub institution: String,
    pub kind: String,
    pub on_date: NaiveDate,
    pub bed: Option<String>,
    pub note: String,
    pub recorded_by: String,
}

impl PersonStayEvent {
    pub fn kind_label(&self) -> &'static str {
        event_label(&self.kind)
    }
}

const BED_LABEL: &str = "(SELECT b.building || '-' || b.room || '-' || b.number FROM beds b WHERE b.id = r.bed_id)";

fn invalid(field: &str, msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, msg)])
}

impl Store {
    /// Admits the person with `id_number`, registered inside `scope`, to `bed_id` of
    /// `institution_id` on `on`. Refused without an assessment valid on that day, when the
    /// person is already resident somewhere, has died, or the bed is not free. Someone
    /// registered outside `scope` is "not in the register", word for word as an unknown number.
    #[allow(clippy::too_many_arguments)]
    pub async fn admit_to_bed(
        &self,
        institution_id: i64,
        id_number: &str,
        bed_id: i64,
        on: NaiveDate,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let id_number = id_number.trim().to_ascii_uppercase();
        let person = self
            .person_id_by_number_in(&id_number, scope)
            .await?
            .ok_or_else(|| invalid("id_number", format!("老年人信息库中没有身份证号 {id_number}，请先登记")))?;
        self.admit_person(institution_id, person, bed_id, on, "", actor).await
    }

    /// Admits a person of the register (see [`Store::admit_to_bed`]).
    pub async fn admit_person(
        &self,
        institution_id: i64,
        person: i64,
        bed_id: i64,
        on: NaiveDate,
        note: &str,
        actor: &Actor,
    ) -> Result<i64> {
        self.admit_checked(institution_id, person, bed_id, on, on, note, actor)
            .await
    }

    /// A major hazard found by supervision suspends new admissions (and transfers in) until an
    /// inspector has verified its rectification (会府发〔2021〕7号 (二十四): 质量安全、消防安全
    /// 主体责任).
    async fn check_admissions_open(&self, institution_id: i64) -> Result<()> {
        let major: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM hazards WHERE institution_id = $1 AND severity = 'major' AND status <> 'closed'")
            .bind(institution_id).fetch_one(pool).await?);
        if major > 0 {
            return Err(StoreError::Refused(
                "该机构有未销号的重大隐患，经检查人员核验整改前暂停收住新的老年人（见综合监管的隐患清单）".into(),
            ));
        }
        Ok(())
    }

    /// Admission with the assessment checked on `check_on` (the admission date, except for
    /// residents imported long after they came in).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn admit_checked(
        &self,
        institution_id: i64,
        person: i64,
        bed_id: i64,
        on: NaiveDate,
        check_on: NaiveDate,
        note: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let kind = "admit";
        self.check_admissions_open(institution_id).await?;
        if self.valid_assessment(person, check_on).await?.is_none() {
            return Err(StoreError::Refused(format!(
                "入住须有在 {check_on} 有效的老年人能力评估（GB/T 42195-2022），请先评估"
            )));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let dead: Option<NaiveDate> = sqlx::query_scalar("SELECT death_date FROM persons WHERE id = $1")
                .bind(person).fetch_one(&mut *tx).await?;
            if let Some(d) = dead {
                return Err(StoreError::Refused(format!("该老年人已于 {d} 去世")));
            }
            let resident: Option<String> = sqlx::query_scalar(
                "SELECT i.name FROM residents r JOIN institutions i ON i.id = r.institution_id \
                 WHERE r.person_id = $1 AND r.status IN ('in', 'leave') AND r.left_on IS NULL")
                .bind(person).fetch_optional(&mut *tx).await?;
            if let Some(name) = resident {
                return Err(StoreError::Refused(format!("该老年人正在“{name}”入住，请先办理出院或转出")));
            }
            let bed: Option<String> = sqlx::query_scalar("SELECT status FROM beds WHERE id = $1 AND institution_id = $2")
                .bind(bed_id).bind(institution_id).fetch_optional(&mut *tx).await?;
            match bed.as_deref() {
                None => return Err(invalid("bed_id", "该床位不属于本机构")),
                Some("vacant") | Some("reserved") => {}
                Some(_) => return Err(StoreError::Refused("该床位已有人入住或已停用".into())),
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO residents (person_id, institution_id, admitted_on, left_on, recorded_at, bed_id, status) \
                 VALUES ($1, $2, $3, NULL, $4, $5, 'in') RETURNING id")
                .bind(person).bind(institution_id).bind(on).bind(now()).bind(bed_id).fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE beds SET status = 'occupied', updated_at = $2 WHERE id = $1")
                .bind(bed_id).bind(now()).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO resident_events (resident_id, kind, on_date, bed_id, note, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id).bind(kind).bind(on).bind(bed_id).bind(note).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry(kind, "person", person,
                serde_json::json!({"institution": institution_id, "bed": bed_id, "on": on.to_string()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The current residents of an institution (in residence or on leave), by bed.
    pub async fn residents_of(&self, institution_id: i64) -> Result<Vec<ResidentRow>> {
        let sql = format!(
            "SELECT r.id, r.person_id, p.name, p.id_number, r.bed_id, {BED_LABEL} AS bed, r.admitted_on, r.status, \
             (SELECT a.final_level FROM assessments a WHERE a.person_id = r.person_id AND a.status = 'confirmed' \
              ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1) AS level \
             FROM residents r JOIN persons p ON p.id = r.person_id \
             WHERE r.institution_id = $1 AND r.left_on IS NULL ORDER BY bed, r.id"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(institution_id).fetch_all(pool).await?))
    }

    /// The latest events of an institution's residencies, newest first.
    pub async fn resident_events(&self, institution_id: i64, limit: i64) -> Result<Vec<ResidentEvent>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT e.id, e.resident_id, p.name, e.kind, e.on_date, \
             (SELECT b.building || '-' || b.room || '-' || b.number FROM beds b WHERE b.id = e.bed_id) AS bed, \
             e.note, e.recorded_by FROM resident_events e JOIN residents r ON r.id = e.resident_id \
             JOIN persons p ON p.id = r.person_id WHERE r.institution_id = $1 ORDER BY e.id DESC LIMIT $2")
            .bind(institution_id).bind(limit).fetch_all(pool).await?))
    }

    /// A person's stays in institutions, every step, oldest first — the history shown on
    /// the person's page, whichever institution recorded it.
    pub async fn person_stays(&self, person_id: i64) -> Result<Vec<PersonStayEvent>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT e.resident_id, r.institution_id, i.name AS institution, e.kind, e.on_date, \
             (SELECT b.building || '-' || b.room || '-' || b.number FROM beds b WHERE b.id = e.bed_id) AS bed, \
             e.note, e.recorded_by FROM resident_events e JOIN residents r ON r.id = e.resident_id \
             JOIN institutions i ON i.id = r.institution_id WHERE r.person_id = $1 ORDER BY e.on_date, e.id")
            .bind(person_id).fetch_all(pool).await?))
    }

    /// A current residency of `institution_id`: (person, bed, admitted on, status).
    async fn current_residency(
        &self,
        institution_id: i64,
        resident_id: i64,
    ) -> Result<(i64, Option<i64>, NaiveDate, String)> {
        let row: Option<(i64, Option<i64>, NaiveDate, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT person_id, bed_id, admitted_on, status FROM residents WHERE id = $1 AND institution_id = $2 AND left_on IS NULL")
            .bind(resident_id).bind(institution_id).fetch_optional(pool).await?);
        row.ok_or(StoreError::NotFound)
    }

    /// Records a step of a current residency: `leave`, `return`, `discharge` or `death`
    /// (which also records the death in the register when it is not known yet).
    pub async fn resident_step(
        &self,
        institution_id: i64,
        resident_id: i64,
        kind: &str,
        on: NaiveDate,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        let (person, bed, admitted_on, status) = self.current_residency(institution_id, resident_id).await?;
        if on < admitted_on {
            return Err(invalid("on", format!("日期不能早于入住日期 {admitted_on}")));
        }
        let (new_status, ends, frees_bed) = match (kind, status.as_str()) {
            ("leave", "in") => ("leave", false, false),
            ("return", "leave") => ("in", false, false),
            ("discharge", _) => ("discharged", true, true),
            ("death", _) => ("died", true, true),
            ("leave", _) => return Err(StoreError::Refused("该老年人已在请假外出".into())),
            ("return", _) => return Err(StoreError::Refused("该老年人不在请假外出".into())),
            _ => return Err(invalid("kind", "未知的操作")),
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let left: Option<NaiveDate> = ends.then_some(on);
            sqlx::query("UPDATE residents SET status = $2, left_on = $3 WHERE id = $1")
                .bind(resident_id).bind(new_status).bind(left).execute(&mut *tx).await?;
            if let (true, Some(b)) = (frees_bed, bed) {
                sqlx::query("UPDATE beds SET status = 'vacant', updated_at = $2 WHERE id = $1")
                    .bind(b).bind(now()).execute(&mut *tx).await?;
            }
            if kind == "death" {
                sqlx::query("UPDATE persons SET death_date = $2, death_source = 'institution', version = version + 1, updated_at = $3 \
                             WHERE id = $1 AND death_date IS NULL")
                    .bind(person).bind(on).bind(now()).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO resident_events (resident_id, kind, on_date, bed_id, note, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(resident_id).bind(kind).bind(on).bind(bed).bind(note.trim()).bind(&actor.name).bind(now())
                .execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry(kind, "person", person,
                serde_json::json!({"institution": institution_id, "resident": resident_id, "on": on.to_string()}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Moves a resident to `to_bed`: inside the institution the residency keeps going; to a bed
    /// of another institution the residency ends here (转出) and a new one starts there (转入),
    /// so that each institution's subsidy months follow the person.
    pub async fn transfer_resident(
        &self,
        institution_id: i64,
        resident_id: i64,
        to_bed: i64,
        on: NaiveDate,
        actor: &Actor,
    ) -> Result<i64> {
        let (person, bed, admitted_on, _) = self.current_residency(institution_id, resident_id).await?;
        if on < admitted_on {
            return Err(invalid("on", format!("日期不能早于入住日期 {admitted_on}")));
        }
        let target: Option<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT institution_id, status FROM beds WHERE id = $1").bind(to_bed).fetch_optional(pool).await?);
        let Some((to_inst, to_status)) = target else {
            return Err(invalid("to_bed", "目标床位不存在"));
        };
        if !matches!(to_status.as_str(), "vacant" | "reserved") {
            return Err(StoreError::Refused("目标床位已有人入住或已停用".into()));
        }
        if to_inst == institution_id {
            with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("UPDATE residents SET bed_id = $2 WHERE id = $1").bind(resident_id).bind(to_bed).execute(&mut *tx).await?;
                if let Some(b) = bed {
                    sqlx::query("UPDATE beds SET status = 'vacant', updated_at = $2 WHERE id = $1").bind(b).bind(now()).execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE beds SET status = 'occupied', updated_at = $2 WHERE id = $1").bind(to_bed).bind(now()).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO resident_events (resident_id, kind, on_date, bed_id, note, recorded_by, recorded_at) \
                             VALUES ($1, 'move', $2, $3, '', $4, $5)")
                    .bind(resident_id).bind(on).bind(to_bed).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
                (*tx).append_audit(&self.audit_keys(), &actor.entry("move", "person", person,
                    serde_json::json!({"institution": institution_id, "bed": to_bed}))).await?;
                tx.commit().await?;
            });
            return Ok(resident_id);
        }
        // To another institution: one transaction closes the residency here and opens one there.
        self.check_admissions_open(to_inst).await?;
        if self.valid_assessment(person, on).await?.is_none() {
            return Err(StoreError::Refused(format!(
                "转入须有在 {on} 有效的老年人能力评估（GB/T 42195-2022），请先评估"
            )));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE residents SET status = 'transferred', left_on = $2 WHERE id = $1")
                .bind(resident_id).bind(on).execute(&mut *tx).await?;
            if let Some(b) = bed {
                sqlx::query("UPDATE beds SET status = 'vacant', updated_at = $2 WHERE id = $1").bind(b).bind(now()).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO resident_events (resident_id, kind, on_date, bed_id, to_institution, note, recorded_by, recorded_at) \
                         VALUES ($1, 'transfer_out', $2, $3, $4, '', $5, $6)")
                .bind(resident_id).bind(on).bind(bed).bind(to_inst).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            let new_id: i64 = sqlx::query_scalar(
                "INSERT INTO residents (person_id, institution_id, admitted_on, left_on, recorded_at, bed_id, status) \
                 VALUES ($1, $2, $3, NULL, $4, $5, 'in') RETURNING id")
                .bind(person).bind(to_inst).bind(on).bind(now()).bind(to_bed).fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE beds SET status = 'occupied', updated_at = $2 WHERE id = $1").bind(to_bed).bind(now()).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO resident_events (resident_id, kind, on_date, bed_id, note, recorded_by, recorded_at) \
                         VALUES ($1, 'transfer_in', $2, $3, '', $4, $5)")
                .bind(new_id).bind(on).bind(to_bed).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("transfer", "person", person,
                serde_json::json!({"from": institution_id, "to": to_inst, "bed": to_bed, "on": on.to_string()}))).await?;
            tx.commit().await?;
            Ok(new_id)
        })
    }
}
