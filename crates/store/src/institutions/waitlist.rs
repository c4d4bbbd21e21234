//! The public-institution admission waitlist (入住评估轮候): applications, the order the
//! document in force where the institution is sets (its pack's `[waitlist]`, applied by
//! `yiyang_domain::institution::waitlist_order` to the register's categories and the latest
//! valid assessment), offering a vacant bed to the first in line, and the applicant's decision.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::dates::age_on;
use yiyang_domain::institution::{waitlist_order, Application, InstitutionKind};
use yiyang_domain::person::FieldError;
use yiyang_domain::policy::{waitlist_rule_for, Pack};

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

/// An application as the waitlist page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WaitEntry {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub applied_on: NaiveDate,
    pub status: String,
    pub bed: Option<String>,
    /// 1-based place in line (0 for decided applications).
    pub position: usize,
    pub explanation: String,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
}

impl WaitEntry {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "waiting" => "轮候中",
            "offered" => "已通知入住",
            "admitted" => "已入住",
            "declined" => "放弃",
            "withdrawn" => "撤回",
            _ => "",
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    person_id: i64,
    name: String,
    id_number: String,
    birth_date: NaiveDate,
    categories: String,
    applied_on: NaiveDate,
    tekun_central: bool,
    special_contribution: bool,
    youfu: bool,
    status: String,
    bed: Option<String>,
    decision_note: Option<String>,
    decided_by: Option<String>,
}

fn invalid(field: &str, msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, msg)])
}

impl Store {
    /// Adds an application for a bed in a public institution.
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_for_bed(
        &self,
        institution_id: i64,
        id_number: &str,
        applied_on: NaiveDate,
        tekun_central: bool,
        special_contribution: bool,
        youfu: bool,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let kind: Option<String> = with_pool!(self, pool => sqlx::query_scalar("SELECT kind FROM institutions WHERE id = $1")
            .bind(institution_id).fetch_optional(pool).await?);
        let kind = kind.ok_or(StoreError::NotFound)?;
        if !InstitutionKind::parse(&kind).is_some_and(|k| k.is_public()) {
            return Err(StoreError::Refused(
                "入住评估轮候只适用于公办（含公建民营）养老机构".into(),
            ));
        }
        let id_number = id_number.trim().to_ascii_uppercase();
        // Only someone registered inside the clerk's scope is found; anyone else reads as unknown.
        let (lo, hi) = crate::scope_range(scope);
        let person: Option<(i64, String, Option<NaiveDate>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, categories, death_date FROM persons WHERE id_number = $1 AND ((hukou_division >= $2 AND hukou_division < $3) \
             OR (residence_division >= $2 AND residence_division < $3))")
            .bind(&id_number).bind(&lo).bind(&hi).fetch_optional(pool).await?);
        let Some((person, categories, death)) = person else {
            return Err(invalid(
                "id_number",
                format!("老年人信息库中没有身份证号 {id_number}，请先登记"),
            ));
        };
        if death.is_some() {
            return Err(invalid("id_number", "该老年人已去世"));
        }
        if tekun_central && !categories.contains(",tekun,") {
            return Err(invalid("tekun_central", "只有特困人员可以申请集中供养"));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM waitlist WHERE institution_id = $1 AND person_id = $2 \
                                                AND status IN ('waiting', 'offered')")
                .bind(institution_id).bind(person).fetch_one(&mut *tx).await?;
            if open > 0 {
                return Err(StoreError::Refused("该老年人已在本机构轮候".into()));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO waitlist (institution_id, person_id, applied_on, tekun_central, special_contribution, youfu, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(institution_id).bind(person).bind(applied_on).bind(tekun_central).bind(special_contribution).bind(youfu)
                .bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("waitlist_apply", "person", person,
                serde_json::json!({"institution": institution_id, "application": id}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    async fn waitlist_rows(&self, institution_id: i64) -> Result<Vec<Row>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT w.id, w.person_id, p.name, p.id_number, p.birth_date, p.categories, w.applied_on, w.tekun_central, \
             w.special_contribution, w.youfu, w.status, \
             (SELECT b.building || '-' || b.room || '-' || b.number FROM beds b WHERE b.id = w.bed_id) AS bed, \
             w.decision_note, w.decided_by FROM waitlist w JOIN persons p ON p.id = w.person_id \
             WHERE w.institution_id = $1 ORDER BY w.id")
            .bind(institution_id).fetch_all(pool).await?))
    }

    /// The open applications in waitlist order (with why each stands where it does), then the
    /// decided ones, newest first.
    pub async fn waitlist(&self, institution_id: i64, packs: &[Pack], today: NaiveDate) -> Result<Vec<WaitEntry>> {
        let rows = self.waitlist_rows(institution_id).await?;
        let division: String = with_pool!(self, pool => sqlx::query_scalar("SELECT division FROM institutions WHERE id = $1")
            .bind(institution_id).fetch_one(pool).await?);
        let rule = waitlist_rule_for(packs, &division, today);
        let mut apps = Vec::new();
        for r in &rows {
            let level = self
                .valid_assessment(r.person_id, today)
                .await?
                .map_or(-1, |a| a.final_level as i8);
            let mut categories: Vec<String> = r
                .categories
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            for (ticked, code) in [(r.special_contribution, "special_contribution"), (r.youfu, "youfu")] {
                if ticked && !categories.iter().any(|c| c == code) {
                    categories.push(code.to_string());
                }
            }
            apps.push(Application {
                id: r.id,
                applied_on: r.applied_on,
                tekun_central: r.tekun_central,
                categories,
                level,
                age: age_on(r.birth_date, today).clamp(0, 255) as u8,
            });
        }
        let (mut open, mut decided): (Vec<Application>, Vec<Application>) = apps.into_iter().partition(|a| {
            rows.iter()
                .find(|r| r.id == a.id)
                .is_some_and(|r| r.status == "waiting" || r.status == "offered")
        });
        waitlist_order(&mut open, rule);
        decided.sort_by_key(|a| std::cmp::Reverse(a.id));
        let entry = |a: &Application, position: usize| {
            let r = rows.iter().find(|r| r.id == a.id).expect("row of application");
            WaitEntry {
                id: r.id,
                person_id: r.person_id,
                name: r.name.clone(),
                id_number: r.id_number.clone(),
                applied_on: r.applied_on,
                status: r.status.clone(),
                bed: r.bed.clone(),
                position,
                explanation: a.explain(rule),
                decision_note: r.decision_note.clone(),
                decided_by: r.decided_by.clone(),
            }
        };
        let mut out: Vec<WaitEntry> = open.iter().enumerate().map(|(i, a)| entry(a, i + 1)).collect();
        out.extend(decided.iter().map(|a| entry(a, 0)));
        Ok(out)
    }

    /// Offers vacant `bed_id` to the first applicant in line who has no offer yet; the bed is
    /// reserved for them. Returns the application.
    pub async fn offer_bed(
        &self,
        institution_id: i64,
        bed_id: i64,
        packs: &[Pack],
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<i64> {
        let bed: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT status FROM beds WHERE id = $1 AND institution_id = $2").bind(bed_id).bind(institution_id).fetch_optional(pool).await?);
        match bed.as_deref() {
            None => return Err(invalid("bed_id", "该床位不属于本机构")),
            Some("vacant") => {}
            Some(_) => return Err(StoreError::Refused("只能把空闲床位分配给轮候人".into())),
        }
        let first = self
            .waitlist(institution_id, packs, today)
            .await?
            .into_iter()
            .find(|e| e.status == "waiting")
            .ok_or_else(|| StoreError::Refused("没有正在轮候的申请".into()))?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE beds SET status = 'reserved', updated_at = $2 WHERE id = $1 AND status = 'vacant'")
                .bind(bed_id).bind(now()).execute(&mut *tx).await?.rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("UPDATE waitlist SET status = 'offered', bed_id = $2, decided_by = $3, decided_at = $4 WHERE id = $1")
                .bind(first.id).bind(bed_id).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("waitlist_offer", "person", first.person_id, serde_json::json!({
                "institution": institution_id, "application": first.id, "bed": bed_id, "position": first.position,
                "why": first.explanation}))).await?;
            tx.commit().await?;
        });
        Ok(first.id)
    }

    /// Records the applicant's answer to an offer: accepting admits them to the offered bed
    /// (which needs a valid assessment); declining frees the bed.
    pub async fn decide_offer(
        &self,
        institution_id: i64,
        application: i64,
        accept: bool,
        on: NaiveDate,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        let row: Option<(i64, String, Option<i64>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT person_id, status, bed_id FROM waitlist WHERE id = $1 AND institution_id = $2")
            .bind(application).bind(institution_id).fetch_optional(pool).await?);
        let (person, status, bed) = row.ok_or(StoreError::NotFound)?;
        let (true, Some(bed)) = (status == "offered", bed) else {
            return Err(StoreError::Refused("该申请没有待答复的床位".into()));
        };
        let note = note.trim();
        if accept {
            self.admit_person(institution_id, person, bed, on, note, actor).await?;
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if !accept {
                sqlx::query("UPDATE beds SET status = 'vacant', updated_at = $2 WHERE id = $1 AND status = 'reserved'")
                    .bind(bed).bind(now()).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE waitlist SET status = $2, decision_note = $3, decided_by = $4, decided_at = $5 WHERE id = $1")
                .bind(application).bind(if accept { "admitted" } else { "declined" }).bind(note)
                .bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry(if accept { "waitlist_accept" } else { "waitlist_decline" }, "person", person,
                serde_json::json!({"institution": institution_id, "application": application, "note": note}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
