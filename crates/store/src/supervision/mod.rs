//! Supervision (综合监管): the inspection-item list and the inspector register of a
//! jurisdiction, and batches of random inspections. A batch's inputs are computed from the
//! registers when it is planned, frozen when they are published, and drawn once a public value
//! fixed outside the system is entered — by the domain's draw, exactly as anyone else would
//! redo it from the published inputs.

pub mod complaints;
pub mod credit;
mod demo;
pub mod emergency;
mod inspections;
pub mod photos;
pub mod prepaid;
pub mod registers;
pub mod settings;

pub use demo::DEMO_PUBLIC_VALUE;
pub use inspections::{rectification_days, Finding, Hazard, Inspection, PublicResult, RecordInput, Viewer};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::draw::{Batch, BatchFile, Draw, InspectorEntry, ObjectEntry};
use yiyang_domain::supervision::inspection::{BatchStatus, HazardCategory, ItemKind};

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Working days within which a confirmed inspection's result is published (一公开).
pub const PUBLISH_WITHIN_SETTING: &str = "supervision.publish_within_working_days";
/// Days past its deadline after which an open hazard is the county's business too.
pub const COUNTY_ESCALATION_SETTING: &str = "supervision.county_escalation_days";

/// One item of a jurisdiction's inspection list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InspectionItem {
    pub id: i64,
    pub division: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub category: String,
    pub basis: String,
}

impl InspectionItem {
    pub fn kind(&self) -> ItemKind {
        ItemKind::parse(&self.kind).expect("CHECK constraint: kind")
    }
    pub fn category(&self) -> HazardCategory {
        HazardCategory::parse(&self.category).expect("CHECK constraint: category")
    }
}

/// An inspector on the register, and the account that signs in as them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Inspector {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub division: String,
    pub qualification: String,
    pub username: Option<String>,
}

/// A batch of random inspections.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InspectionBatch {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub division: String,
    pub status: String,
    /// The published inputs: the batch file of `standards/random-draw.md` without its public value.
    pub inputs: String,
    pub inputs_sha256: String,
    pub public_value: Option<String>,
    pub seed: Option<String>,
    pub draw: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub drawn_at: Option<DateTime<Utc>>,
}

impl InspectionBatch {
    pub fn status(&self) -> BatchStatus {
        BatchStatus::parse(&self.status).expect("CHECK constraint: status")
    }
    pub fn file(&self) -> BatchFile {
        let mut f: BatchFile = serde_json::from_str(&self.inputs).expect("inputs written by plan_batch");
        f.public_value = self.public_value.clone().unwrap_or_default();
        f
    }
    /// The canonical text and seed, once the public value is known.
    pub fn canonical_text(&self) -> Option<String> {
        self.public_value.as_ref()?;
        Batch::parse(&self.file()).ok().map(|b| b.canonical_text())
    }
}

/// An item for a jurisdiction's list.
pub struct NewItem<'a> {
    pub division: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: ItemKind,
    pub category: HazardCategory,
    pub basis: &'a str,
}

/// An institution that may be drawn, with what decides its stratum.
#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    code: String,
    credit_code: Option<String>,
    dishonest: bool,
    last_penalty_on: Option<chrono::NaiveDate>,
    open_hazards: i64,
}

/// What a batch is planned with (the form).
#[derive(Debug, Clone, Default)]
pub struct BatchPlan {
    pub name: String,
    pub title: String,
    pub per_object: String,
    /// Percent of the ordinary institutions drawn.
    pub ratio: String,
    /// Percent of institutions with a poor credit record or an unclosed hazard.
    pub ratio_risk: String,
    pub items: Vec<i64>,
}

/// The public identifier of an institution in a batch: its unified social credit code, or
/// the register's code where it has none.
pub(crate) fn object_id(code: &str, credit_code: Option<&str>) -> String {
    credit_code
        .filter(|c| !c.trim().is_empty())
        .unwrap_or(code)
        .trim()
        .to_string()
}

fn int_field(
    field: &str,
    label: &str,
    v: &str,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<FieldError>,
) -> i64 {
    match v.trim().parse::<i64>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{label}须为 {}–{} 的整数", range.start(), range.end()),
            ));
            0
        }
    }
}

impl Store {
    /// The inspection items kept for `scope` or any division above it, key items first.
    pub async fn inspection_items(&self, scope: &str) -> Result<Vec<InspectionItem>> {
        let mut items: Vec<InspectionItem> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, division, code, name, kind, category, basis FROM inspection_items WHERE active ORDER BY kind DESC, code")
            .fetch_all(pool).await?);
        items.retain(|i| scope.starts_with(&i.division) || i.division.starts_with(scope));
        Ok(items)
    }

    /// Inspectors on the register in `scope`.
    pub async fn inspectors_in(&self, scope: &str) -> Result<Vec<Inspector>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, code, name, unit, division, qualification, username FROM inspectors \
             WHERE active AND division >= $1 AND division < $2 ORDER BY code")
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// The register entry of the account `username`, if it is an inspector's.
    pub async fn inspector_of(&self, username: &str) -> Result<Option<Inspector>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, code, name, unit, division, qualification, username FROM inspectors WHERE username = $1 AND active")
            .bind(username).fetch_optional(pool).await?))
    }

    /// Adds an item to a jurisdiction's list (demo data and administration).
    pub async fn add_inspection_item(&self, item: &NewItem<'_>, actor: &Actor) -> Result<i64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO inspection_items (division, code, name, kind, category, basis) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(item.division).bind(item.code).bind(item.name).bind(item.kind.code()).bind(item.category.code()).bind(item.basis)
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "inspection_item", id,
                serde_json::json!({"division": item.division, "code": item.code, "name": item.name}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Adds an inspector to the register, with the institutions they must not inspect (回避).
    pub async fn add_inspector(&self, i: &Inspector, conflicts: &[(i64, &str)], actor: &Actor) -> Result<i64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO inspectors (code, name, unit, division, qualification, username) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(&i.code).bind(&i.name).bind(&i.unit).bind(&i.division).bind(&i.qualification).bind(&i.username)
                .fetch_one(&mut *tx).await?;
            for (inst, reason) in conflicts {
                sqlx::query("INSERT INTO inspector_conflicts (inspector_id, institution_id, reason) VALUES ($1, $2, $3)")
                    .bind(id).bind(inst).bind(reason).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "inspector", id,
                serde_json::json!({"code": i.code, "name": i.name, "conflicts": conflicts.len()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Batches of `scope` (and those of the divisions inside it), newest first.
    pub async fn batches_in(&self, scope: &str) -> Result<Vec<InspectionBatch>> {
        let (lo, hi) = scope_range(scope);
        Ok(
            with_pool!(self, pool => sqlx::query_as(&format!("{BATCH} WHERE division >= $1 AND division < $2 ORDER BY id DESC"))
            .bind(&lo).bind(&hi).fetch_all(pool).await?),
        )
    }

    pub async fn batch_in_scope(&self, id: i64, scope: &str) -> Result<Option<InspectionBatch>> {
        let (lo, hi) = scope_range(scope);
        Ok(
            with_pool!(self, pool => sqlx::query_as(&format!("{BATCH} WHERE id = $1 AND division >= $2 AND division < $3"))
            .bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?),
        )
    }

    /// Every published or drawn batch, newest first, for the public page.
    pub async fn public_batches(&self) -> Result<Vec<InspectionBatch>> {
        Ok(
            with_pool!(self, pool => sqlx::query_as(&format!("{BATCH} WHERE status <> 'planned' ORDER BY id DESC LIMIT 200"))
            .fetch_all(pool).await?),
        )
    }

    /// A published or drawn batch, for anyone (its inputs are public by design).
    pub async fn public_batch(&self, id: i64) -> Result<Option<InspectionBatch>> {
        Ok(
            with_pool!(self, pool => sqlx::query_as(&format!("{BATCH} WHERE id = $1 AND status <> 'planned'"))
            .bind(id).fetch_optional(pool).await?),
        )
    }

    /// Plans a batch for `scope` (a county): the institutions there, in two strata (those with
    /// a 失信 mark, a penalty in the last year or an unclosed hazard are drawn at `ratio_risk`),
    /// the inspectors on the register with their declared conflicts. Errors name the field.
    pub async fn plan_batch(&self, plan: &BatchPlan, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        let name = plan.name.trim();
        if name.is_empty() || name.chars().any(char::is_whitespace) || name.chars().count() > 40 {
            errors.push(FieldError::new("name", "批次编号须填写，不含空白，最多 40 个字"));
        }
        let title = plan.title.trim();
        if title.is_empty() {
            errors.push(FieldError::new("title", "请填写批次名称"));
        }
        errors.extend(yiyang_domain::text::too_long(
            "title",
            "批次名称",
            title,
            yiyang_domain::text::NAME_MAX,
        ));
        let per_object = int_field(
            "per_object",
            "每个对象的检查人员数",
            &plan.per_object,
            2..=5,
            &mut errors,
        );
        let ratio = int_field("ratio", "一般对象抽查比例", &plan.ratio, 0..=100, &mut errors);
        let ratio_risk = int_field("ratio_risk", "重点对象抽查比例", &plan.ratio_risk, 0..=100, &mut errors);
        let items = self.inspection_items(scope).await?;
        let chosen: Vec<&InspectionItem> = items.iter().filter(|i| plan.items.contains(&i.id)).collect();
        if chosen.len() != plan.items.len() || chosen.is_empty() {
            errors.push(FieldError::new("items", "请从本地检查事项清单中选择检查事项"));
        }
        if !chosen.iter().any(|i| i.kind() == ItemKind::Key) && !chosen.is_empty() {
            errors.push(FieldError::new(
                "items",
                "重点事项（消防、食品、医疗、建筑安全）每次抽查都须检查，请至少选择一项",
            ));
        }
        let (lo, hi) = scope_range(scope);
        let today = self.clock.today();
        let year_ago = today - chrono::Days::new(365);
        let objects: Vec<Candidate> = with_pool!(self, pool => sqlx::query_as(
            "SELECT i.id, i.code, i.credit_code, i.dishonest, i.last_penalty_on, \
             (SELECT COUNT(*) FROM hazards h WHERE h.institution_id = i.id AND h.status <> 'closed') AS open_hazards \
             FROM institutions i WHERE i.division >= $1 AND i.division < $2 AND i.status <> 'closed' ORDER BY i.code")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        if objects.is_empty() {
            errors.push(FieldError::new("name", "本辖区没有可抽查的机构"));
        }
        // Poor credit (rating C or D) puts an institution in the 重点对象 stratum too.
        let poor: Vec<i64> = self
            .credit_standings(scope, today)
            .await?
            .into_iter()
            .filter(|s| s.rating.poor())
            .map(|s| s.institution_id)
            .collect();
        let inspectors = self.inspectors_in(scope).await?;
        if (inspectors.len() as i64) < per_object {
            errors.push(FieldError::new(
                "per_object",
                format!("本辖区检查人员名录只有 {} 人", inspectors.len()),
            ));
        }
        let taken: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM inspection_batches WHERE name = $1")
            .bind(name).fetch_one(pool).await?);
        if taken > 0 {
            errors.push(FieldError::new("name", format!("批次编号 {name} 已被使用")));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let conflicts: Vec<(String, String, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT x.code, i.code, i.credit_code FROM inspector_conflicts c JOIN inspectors x ON x.id = c.inspector_id \
             JOIN institutions i ON i.id = c.institution_id WHERE i.division >= $1 AND i.division < $2")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let file = BatchFile {
            batch: name.to_string(),
            public_value: String::new(),
            per_object,
            ratios: [
                ("institution".to_string(), ratio),
                ("institution_risk".to_string(), ratio_risk),
            ]
            .into(),
            objects: objects
                .iter()
                .map(|c| ObjectEntry {
                    id: object_id(&c.code, c.credit_code.as_deref()),
                    stratum: if c.dishonest
                        || c.last_penalty_on.is_some_and(|d| d >= year_ago)
                        || c.open_hazards > 0
                        || poor.contains(&c.id)
                    {
                        "institution_risk"
                    } else {
                        "institution"
                    }
                    .into(),
                })
                .collect(),
            inspectors: inspectors
                .iter()
                .map(|x| InspectorEntry { id: x.code.clone() })
                .collect(),
            conflicts: conflicts
                .iter()
                .filter(|(x, _, _)| inspectors.iter().any(|i| &i.code == x))
                .map(|(x, code, credit)| (x.clone(), object_id(code, credit.as_deref())))
                .collect(),
        };
        // The inputs must make a valid batch once a public value exists.
        let mut probe = file.clone();
        probe.public_value = "0".into();
        if let Err(e) = Batch::parse(&probe) {
            return Err(StoreError::Invalid(
                e.iter().map(|e| FieldError::new("name", e.to_string())).collect(),
            ));
        }
        let inputs = serde_json::to_string_pretty(&file).expect("serialisable");
        let sha = hex::encode(Sha256::digest(inputs.as_bytes()));
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO inspection_batches (name, title, division, status, inputs, inputs_sha256, created_by, created_at) \
                 VALUES ($1, $2, $3, 'planned', $4, $5, $6, $7) RETURNING id")
                .bind(name).bind(title).bind(scope).bind(&inputs).bind(&sha).bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            for item in &chosen {
                sqlx::query("INSERT INTO batch_items (batch_id, item_id) VALUES ($1, $2)").bind(id).bind(item.id).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("plan", "inspection_batch", id,
                serde_json::json!({"name": name, "objects": file.objects.len(), "inspectors": file.inspectors.len(), "inputs_sha256": sha}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The checklist of a batch.
    pub async fn batch_items(&self, batch_id: i64) -> Result<Vec<InspectionItem>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT i.id, i.division, i.code, i.name, i.kind, i.category, i.basis FROM inspection_items i \
             JOIN batch_items b ON b.item_id = i.id WHERE b.batch_id = $1 ORDER BY i.kind DESC, i.code")
            .bind(batch_id).fetch_all(pool).await?))
    }

    /// Freezes a planned batch's inputs and makes them public, before any public value exists.
    pub async fn publish_batch(&self, id: i64, scope: &str, actor: &Actor) -> Result<()> {
        self.batch_in_scope(id, scope).await?.ok_or(StoreError::NotFound)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE inspection_batches SET status = 'published', published_by = $2, published_at = $3 \
                 WHERE id = $1 AND status = 'planned'")
                .bind(id).bind(&actor.name).bind(now()).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("该批次已公示，输入不能再改".into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("publish", "inspection_batch", id, serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Enters the public value and runs the draw, once: the drawn institutions get their
    /// inspections and inspectors. A second call, or a race, is refused and changes nothing.
    pub async fn draw_batch(&self, id: i64, public_value: &str, scope: &str, actor: &Actor) -> Result<Draw> {
        let b = self.batch_in_scope(id, scope).await?.ok_or(StoreError::NotFound)?;
        if b.status() != BatchStatus::Published {
            return Err(StoreError::Refused(match b.status() {
                BatchStatus::Planned => "请先公示批次的输入，再录入公开随机值".into(),
                _ => "该批次已抽取，不能重抽".into(),
            }));
        }
        let mut file = b.file();
        file.public_value = public_value.to_string();
        let batch = Batch::parse(&file).map_err(|e| {
            StoreError::Invalid(
                e.iter()
                    .map(|e| FieldError::new("public_value", e.to_string()))
                    .collect(),
            )
        })?;
        if yiyang_domain::supervision::draw::normalise_public_value(public_value)
            .chars()
            .count()
            > 200
        {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "public_value",
                "公开随机值最多 200 个字",
            )]));
        }
        let draw = batch.draw().map_err(|e| StoreError::Refused(e.to_string()))?;
        let (lo, hi) = scope_range(&b.division);
        let institutions: Vec<(i64, String, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, code, credit_code FROM institutions WHERE division >= $1 AND division < $2")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let inspectors = self.inspectors_in(&b.division).await?;
        let json = draw.to_json();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE inspection_batches SET status = 'drawn', public_value = $2, seed = $3, draw = $4, \
                 drawn_by = $5, drawn_at = $6 WHERE id = $1 AND status = 'published'")
                .bind(id).bind(batch_public_value(&file)).bind(&draw.seed).bind(&json).bind(&actor.name).bind(now())
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("该批次已抽取，不能重抽".into()));
            }
            for (pos, o) in draw.objects.iter().enumerate() {
                let inst = institutions.iter().find(|(_, code, credit)| object_id(code, credit.as_deref()) == o.id)
                    .ok_or_else(|| StoreError::Refused(format!("抽中的对象 {} 已不在机构名录中", o.id)))?;
                let iid: i64 = sqlx::query_scalar(
                    "INSERT INTO inspections (batch_id, institution_id, object_key, stratum, position, status) \
                     VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING id")
                    .bind(id).bind(inst.0).bind(&o.key).bind(&o.stratum).bind(pos as i64).fetch_one(&mut *tx).await?;
                for (k, code) in o.inspectors.iter().enumerate() {
                    let x = inspectors.iter().find(|x| &x.code == code)
                        .ok_or_else(|| StoreError::Refused(format!("抽中的检查人员 {code} 已不在名录中")))?;
                    sqlx::query("INSERT INTO inspection_assignees (inspection_id, inspector_id, position) VALUES ($1, $2, $3)")
                        .bind(iid).bind(x.id).bind(k as i64).execute(&mut *tx).await?;
                }
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("draw", "inspection_batch", id,
                serde_json::json!({"public_value": batch_public_value(&file), "seed": draw.seed, "objects": draw.objects.len()}))).await?;
            tx.commit().await?;
            Ok(draw)
        })
    }
}

fn batch_public_value(file: &BatchFile) -> String {
    yiyang_domain::supervision::draw::normalise_public_value(&file.public_value)
}

const BATCH: &str =
    "SELECT id, name, title, division, status, inputs, inputs_sha256, public_value, seed, draw, created_by, \
     created_at, published_at, drawn_at FROM inspection_batches";
