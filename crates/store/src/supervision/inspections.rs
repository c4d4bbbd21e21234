//! Each drawn object's inspection: the checklist findings recorded by one assigned
//! inspector and confirmed by the other (two signatures, two accounts), the operator's
//! response, publication (一公开); each problem confirmed opens a hazard (`hazards`) and the
//! result goes on the object's credit record.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::credit::CreditKind;
use yiyang_domain::supervision::inspection::{InspectionStatus, Outcome};
use yiyang_domain::supervision::object::{ObjectKind, ObjectRef};

use super::objects::{join_objects, object_columns, object_of, OBJECT_DIVISION, OBJECT_NAME};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Who is looking: the division's staff see everything in scope; an inspector the
/// inspections they are assigned to (and the hazards in scope, to verify them); an
/// institution's staff their own institution's confirmed results and hazards; a provider's
/// staff those of the provider and of the meal points it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Division,
    Inspector(i64),
    /// By the institution's register code.
    Institution(String),
    /// By the provider's unified social credit code.
    Provider(String),
    /// A role that sees nothing of supervision.
    Nobody,
}

impl Viewer {
    /// Whether this viewer's unit runs an object: an institution (`institution` set, its
    /// register `code`), or a provider by its code, which runs itself and its meal points
    /// (`operator`).
    pub(crate) fn runs(&self, institution: Option<i64>, code: &str, operator: Option<&str>) -> bool {
        match self {
            Viewer::Institution(own) => institution.is_some() && code == own,
            Viewer::Provider(own) => operator == Some(own.as_str()),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Inspection {
    pub id: i64,
    pub batch_id: i64,
    pub batch_title: String,
    pub institution_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub facility_id: Option<i64>,
    pub object_name: String,
    pub object_code: String,
    pub division: String,
    /// The provider that runs the object, if any (its code).
    pub operator: Option<String>,
    pub stratum: String,
    pub status: String,
    pub inspected_on: Option<NaiveDate>,
    pub summary: Option<String>,
    pub responsible: Option<String>,
    pub recorded_by: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub response: Option<String>,
    /// Names of the assigned inspectors, in the order the draw picked them.
    #[sqlx(skip)]
    pub inspectors: Vec<(i64, String, String)>,
}

impl Inspection {
    pub fn status(&self) -> InspectionStatus {
        InspectionStatus::parse(&self.status).expect("CHECK constraint: status")
    }
    pub fn assigned(&self, inspector_id: i64) -> bool {
        self.inspectors.iter().any(|x| x.0 == inspector_id)
    }
    pub fn object(&self) -> ObjectRef {
        object_of(self.institution_id, self.provider_id, self.facility_id)
    }
    pub fn kind_label(&self) -> &'static str {
        self.object().kind.label()
    }
    /// Drawn in the 重点对象 stratum of its kind.
    pub fn risk(&self) -> bool {
        self.stratum.ends_with("_risk")
    }
    fn run_by(&self, viewer: &Viewer) -> bool {
        viewer.runs(self.institution_id, &self.object_code, self.operator.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Finding {
    pub item_id: i64,
    pub outcome: String,
    pub note: Option<String>,
}

/// What an inspector records on the tablet.
#[derive(Debug, Clone, Default)]
pub struct RecordInput {
    pub inspected_on: String,
    pub summary: String,
    pub responsible: String,
    /// (item id, outcome code, note)
    pub findings: Vec<(i64, String, String)>,
}

/// A published result as the public page shows it: nothing personal.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PublicResult {
    pub batch_id: i64,
    pub batch_title: String,
    pub object_name: String,
    pub kind: String,
    pub inspected_on: Option<NaiveDate>,
    pub problems: i64,
    pub hazards_open: i64,
    pub hazards_closed: i64,
    pub published_at: Option<DateTime<Utc>>,
}

impl PublicResult {
    pub fn kind_label(&self) -> &'static str {
        ObjectKind::parse(&self.kind).map_or("", |k| k.label())
    }
}

/// Days to rectify, by severity: a major hazard in a week, a serious problem in a fortnight,
/// others in a month (the inspector may not shorten or lengthen them on the tablet; the county
/// changes a deadline on the hazard list).
pub fn rectification_days(o: Outcome) -> u64 {
    match o {
        Outcome::Major => 7,
        Outcome::Serious => 15,
        _ => 30,
    }
}

fn inspection_select() -> String {
    format!(
        "SELECT n.id, n.batch_id, b.title AS batch_title, {}, n.stratum, n.status, n.inspected_on, n.summary, \
         n.responsible, n.recorded_by, n.confirmed_by, n.confirmed_at, n.published_at, n.response \
         FROM inspections n JOIN inspection_batches b ON b.id = n.batch_id {}",
        object_columns("n"),
        join_objects("n")
    )
}

fn visible(viewer: &Viewer, n: &Inspection) -> bool {
    match viewer {
        Viewer::Division => true,
        Viewer::Inspector(x) => n.assigned(*x),
        Viewer::Institution(_) | Viewer::Provider(_) => {
            n.run_by(viewer) && matches!(n.status(), InspectionStatus::Confirmed | InspectionStatus::Published)
        }
        Viewer::Nobody => false,
    }
}

impl Store {
    async fn with_inspectors(&self, mut rows: Vec<Inspection>) -> Result<Vec<Inspection>> {
        for n in &mut rows {
            n.inspectors = with_pool!(self, pool => sqlx::query_as(
                "SELECT x.id, x.code, x.name FROM inspection_assignees a JOIN inspectors x ON x.id = a.inspector_id \
                 WHERE a.inspection_id = $1 ORDER BY a.position").bind(n.id).fetch_all(pool).await?);
        }
        Ok(rows)
    }

    /// The inspections `viewer` may see in `scope` (of one batch, or all), in draw order.
    pub async fn inspections_visible(
        &self,
        scope: &str,
        viewer: &Viewer,
        batch: Option<i64>,
    ) -> Result<Vec<Inspection>> {
        let (lo, hi) = scope_range(scope);
        let rows: Vec<Inspection> = with_pool!(self, pool => sqlx::query_as(&format!(
            "{} WHERE {OBJECT_DIVISION} >= $1 AND {OBJECT_DIVISION} < $2 AND ($3 < 0 OR n.batch_id = $3) \
             ORDER BY n.batch_id DESC, n.position", inspection_select()))
            .bind(&lo).bind(&hi).bind(batch.unwrap_or(-1)).fetch_all(pool).await?);
        let rows = self.with_inspectors(rows).await?;
        Ok(rows.into_iter().filter(|n| visible(viewer, n)).collect())
    }

    /// One inspection, if `viewer` may see it in `scope`; otherwise exactly as an unknown id.
    pub async fn inspection_visible(&self, id: i64, scope: &str, viewer: &Viewer) -> Result<Option<Inspection>> {
        let (lo, hi) = scope_range(scope);
        let row: Option<Inspection> = with_pool!(self, pool => sqlx::query_as(&format!(
            "{} WHERE n.id = $1 AND {OBJECT_DIVISION} >= $2 AND {OBJECT_DIVISION} < $3", inspection_select()))
            .bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?);
        let rows = self.with_inspectors(row.into_iter().collect()).await?;
        Ok(rows.into_iter().find(|n| visible(viewer, n)))
    }

    pub async fn findings(&self, inspection_id: i64) -> Result<Vec<Finding>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT item_id, outcome, note FROM inspection_findings WHERE inspection_id = $1 ORDER BY item_id")
            .bind(inspection_id).fetch_all(pool).await?))
    }

    /// Records (or, before the second signature, corrects) the findings of an inspection by
    /// one of its assigned inspectors. Every item of the batch's checklist needs an outcome; a
    /// problem needs a description. Errors name the field.
    pub async fn record_inspection(
        &self,
        id: i64,
        input: &RecordInput,
        scope: &str,
        inspector: i64,
        actor: &Actor,
    ) -> Result<()> {
        let n = self
            .inspection_visible(id, scope, &Viewer::Inspector(inspector))
            .await?
            .ok_or(StoreError::NotFound)?;
        match n.status() {
            InspectionStatus::Pending => {}
            InspectionStatus::Recorded if n.recorded_by.as_deref() == Some(actor.name.as_str()) => {}
            _ => return Err(StoreError::Refused("该检查已由第二名检查人员确认，不能再改".into())),
        }
        let mut errors = Vec::new();
        let today = self.clock.today();
        let on = match NaiveDate::parse_from_str(input.inspected_on.trim(), "%Y-%m-%d") {
            Ok(d) if d <= today && today - d <= chrono::Duration::days(366) => Some(d),
            Ok(_) => {
                errors.push(FieldError::new(
                    "inspected_on",
                    "检查日期不能晚于今天，也不能早于一年前",
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new("inspected_on", "请填写检查日期（如 2026-11-30）"));
                None
            }
        };
        let responsible = input.responsible.trim();
        if responsible.is_empty() {
            errors.push(FieldError::new("responsible", "请填写被检查单位的整改责任人"));
        }
        errors.extend(yiyang_domain::text::too_long(
            "responsible",
            "整改责任人",
            responsible,
            50,
        ));
        errors.extend(yiyang_domain::text::too_long(
            "summary",
            "检查意见",
            &input.summary,
            yiyang_domain::text::NOTE_MAX,
        ));
        let items = self.batch_items(n.batch_id).await?;
        let mut findings = Vec::new();
        for item in &items {
            let field = format!("item_{}", item.id);
            let Some((_, outcome, note)) = input.findings.iter().find(|f| f.0 == item.id) else {
                errors.push(FieldError::new(&field, format!("「{}」未填写检查结果", item.name)));
                continue;
            };
            let Some(outcome) = Outcome::parse(outcome) else {
                errors.push(FieldError::new(&field, format!("「{}」未填写检查结果", item.name)));
                continue;
            };
            if outcome.is_problem() && note.trim().is_empty() {
                errors.push(FieldError::new(
                    &field,
                    format!("「{}」发现问题，请写明问题", item.name),
                ));
            }
            errors.extend(yiyang_domain::text::too_long(
                &field,
                &item.name,
                note,
                yiyang_domain::text::NOTE_MAX,
            ));
            findings.push((item.id, outcome, note.trim().to_string()));
        }
        if input.findings.iter().any(|f| !items.iter().any(|i| i.id == f.0)) {
            errors.push(FieldError::new("items", "有检查事项不在本批次的清单中"));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM inspection_findings WHERE inspection_id = $1").bind(id).execute(&mut *tx).await?;
            for (item, outcome, note) in &findings {
                sqlx::query("INSERT INTO inspection_findings (inspection_id, item_id, outcome, note) VALUES ($1, $2, $3, $4)")
                    .bind(id).bind(item).bind(outcome.code()).bind(Some(note).filter(|n| !n.is_empty())).execute(&mut *tx).await?;
            }
            let changed = sqlx::query("UPDATE inspections SET status = 'recorded', inspected_on = $2, summary = $3, responsible = $4, \
                 recorded_by = $5, recorded_at = $6 WHERE id = $1 AND status IN ('pending', 'recorded')")
                .bind(id).bind(on).bind(input.summary.trim()).bind(responsible).bind(&actor.name).bind(now())
                .execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                return Err(StoreError::Refused("该检查已由第二名检查人员确认，不能再改".into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("record", "inspection", id, serde_json::json!({
                "problems": findings.iter().filter(|f| f.1.is_problem()).count(), "inspected_on": on}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The second assigned inspector signs what the first recorded; each problem found opens
    /// a hazard on the list with its deadline. Returns the number of hazards opened.
    pub async fn confirm_inspection(&self, id: i64, scope: &str, inspector: i64, actor: &Actor) -> Result<usize> {
        let n = self
            .inspection_visible(id, scope, &Viewer::Inspector(inspector))
            .await?
            .ok_or(StoreError::NotFound)?;
        if n.status() != InspectionStatus::Recorded {
            return Err(StoreError::Refused("只有已记录、待确认的检查可以确认".into()));
        }
        if n.recorded_by.as_deref() == Some(actor.name.as_str()) {
            return Err(StoreError::Refused("记录人不能自己确认，须由另一名检查人员确认".into()));
        }
        let items = self.batch_items(n.batch_id).await?;
        let findings = self.findings(id).await?;
        let on = n.inspected_on.expect("a recorded inspection has its date");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query("UPDATE inspections SET status = 'confirmed', confirmed_by = $2, confirmed_at = $3 \
                 WHERE id = $1 AND status = 'recorded'")
                .bind(id).bind(&actor.name).bind(now()).execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                return Err(StoreError::Refused("只有已记录、待确认的检查可以确认".into()));
            }
            let mut opened = 0;
            for f in &findings {
                let outcome = Outcome::parse(&f.outcome).expect("CHECK constraint: outcome");
                if !outcome.is_problem() {
                    continue;
                }
                let item = items.iter().find(|i| i.id == f.item_id).expect("findings are of the batch's items");
                let deadline = on + chrono::Days::new(rectification_days(outcome));
                sqlx::query("INSERT INTO hazards (institution_id, provider_id, facility_id, inspection_id, item_id, category, \
                     severity, description, responsible_unit, responsible_person, deadline, status, opened_by, opened_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $13)")
                    .bind(n.institution_id).bind(n.provider_id).bind(n.facility_id).bind(id).bind(item.id).bind(&item.category)
                    .bind(outcome.code()).bind(format!("{}：{}", item.name, f.note.clone().unwrap_or_default()))
                    .bind(&n.object_name).bind(n.responsible.clone().unwrap_or_default()).bind(deadline)
                    .bind(&actor.name).bind(now()).execute(&mut *tx).await?;
                opened += 1;
            }
            // The result goes on the object's credit record.
            let worst = findings.iter().filter_map(|f| Outcome::parse(&f.outcome)).filter(|o| o.is_problem())
                .max_by_key(|o| matches!(o, Outcome::Major));
            let kind = match worst {
                Some(Outcome::Major) => CreditKind::InspectionMajor,
                Some(_) => CreditKind::InspectionProblems,
                None => CreditKind::InspectionPassed,
            };
            sqlx::query(super::credit::INSERT_CREDIT)
                .bind(n.institution_id).bind(n.provider_id).bind(n.facility_id).bind(kind.code()).bind(on)
                .bind(format!("{}：{}", n.batch_title, if opened == 0 { "未发现问题".to_string() } else { format!("发现问题 {opened} 项") }))
                .bind(format!("inspection:{id}")).bind(&actor.name).bind(now())
                .execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("confirm", "inspection", id,
                serde_json::json!({"hazards_opened": opened}))).await?;
            tx.commit().await?;
            Ok(opened)
        })
    }

    /// Publishes a confirmed result (一公开).
    pub async fn publish_inspection(&self, id: i64, scope: &str, actor: &Actor) -> Result<()> {
        self.inspection_visible(id, scope, &Viewer::Division)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.set_inspection(
            id,
            "UPDATE inspections SET status = 'published', published_by = $2, published_at = $3 \
             WHERE id = $1 AND status = 'confirmed'",
            "只有已确认的检查结果可以公开",
            "publish",
            actor,
        )
        .await
    }

    async fn set_inspection(&self, id: i64, sql: &str, refusal: &str, action: &str, actor: &Actor) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(sql).bind(id).bind(&actor.name).bind(now()).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused(refusal.into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(action, "inspection", id, serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The inspected unit answers its result (陈述、申辩或整改说明): `viewer` is the institution
    /// or the provider that runs the object.
    pub async fn respond_to_inspection(
        &self,
        id: i64,
        scope: &str,
        viewer: &Viewer,
        text: &str,
        actor: &Actor,
    ) -> Result<()> {
        if !matches!(viewer, Viewer::Institution(_) | Viewer::Provider(_)) {
            return Err(StoreError::NotFound);
        }
        self.inspection_visible(id, scope, viewer)
            .await?
            .ok_or(StoreError::NotFound)?;
        let text = text.trim();
        let errors = yiyang_domain::text::required_note("response", "回复", text, "请填写回复");
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE inspections SET response = $2, responded_at = $3 WHERE id = $1")
                .bind(id).bind(text).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("respond", "inspection", id, serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every published result (一公开), for the public page: no names of people.
    pub async fn public_results(&self) -> Result<Vec<PublicResult>> {
        Ok(with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT n.batch_id, b.title AS batch_title, {OBJECT_NAME} AS object_name, \
             CASE WHEN n.institution_id IS NOT NULL THEN 'institution' WHEN n.provider_id IS NOT NULL THEN 'provider' \
             ELSE 'facility' END AS kind, n.inspected_on, \
             (SELECT COUNT(*) FROM inspection_findings f WHERE f.inspection_id = n.id AND f.outcome IN ('minor', 'serious', 'major')) AS problems, \
             (SELECT COUNT(*) FROM hazards h WHERE h.inspection_id = n.id AND h.status <> 'closed') AS hazards_open, \
             (SELECT COUNT(*) FROM hazards h WHERE h.inspection_id = n.id AND h.status = 'closed') AS hazards_closed, n.published_at \
             FROM inspections n JOIN inspection_batches b ON b.id = n.batch_id {} \
             WHERE n.status = 'published' ORDER BY n.published_at DESC, n.id LIMIT 500", join_objects("n")))
            .fetch_all(pool).await?))
    }
}
