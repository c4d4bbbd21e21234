//! Supervision (综合监管): the inspection-item list and the inspector register of a
//! jurisdiction; the register of inspection objects (`objects`: institutions, home-service
//! providers, community facilities); batches of random inspections drawn from them
//! (`batches`), each drawn object's inspection and the hazards it opens (`inspections`),
//! credit, complaints, prepaid fees and emergency plans.

mod batches;
pub mod complaints;
pub mod credit;
mod demo;
pub mod emergency;
mod hazards;
mod inspections;
pub mod objects;
pub mod photos;
pub mod prepaid;
pub mod registers;
pub mod settings;

pub use batches::BatchPlan;
pub use demo::{DEMO_PUBLIC_VALUE, DEMO_SERVICE_PUBLIC_VALUE};
pub use hazards::Hazard;
pub use inspections::{rectification_days, Finding, Inspection, PublicResult, RecordInput, Viewer};
pub use objects::SupervisedObject;

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyang_domain::supervision::draw::{Batch, BatchFile};
use yiyang_domain::supervision::inspection::{BatchStatus, HazardCategory, ItemKind};
use yiyang_domain::supervision::object::ObjectRef;

use crate::audit::{Actor, AuditAppend};
use crate::{scope_range, with_pool, Result, Store};

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

    /// Adds an inspector to the register, with the objects they must not inspect (回避).
    pub async fn add_inspector(&self, i: &Inspector, conflicts: &[(ObjectRef, &str)], actor: &Actor) -> Result<i64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO inspectors (code, name, unit, division, qualification, username) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(&i.code).bind(&i.name).bind(&i.unit).bind(&i.division).bind(&i.qualification).bind(&i.username)
                .fetch_one(&mut *tx).await?;
            for (object, reason) in conflicts {
                let (inst, provider, facility) = object.columns();
                sqlx::query("INSERT INTO inspector_conflicts (inspector_id, institution_id, provider_id, facility_id, reason) \
                     VALUES ($1, $2, $3, $4, $5)")
                    .bind(id).bind(inst).bind(provider).bind(facility).bind(reason).execute(&mut *tx).await?;
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

    /// The checklist of a batch.
    pub async fn batch_items(&self, batch_id: i64) -> Result<Vec<InspectionItem>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT i.id, i.division, i.code, i.name, i.kind, i.category, i.basis FROM inspection_items i \
             JOIN batch_items b ON b.item_id = i.id WHERE b.batch_id = $1 ORDER BY i.kind DESC, i.code")
            .bind(batch_id).fetch_all(pool).await?))
    }
}

const BATCH: &str =
    "SELECT id, name, title, division, status, inputs, inputs_sha256, public_value, seed, draw, created_by, \
     created_at, published_at, drawn_at FROM inspection_batches";
