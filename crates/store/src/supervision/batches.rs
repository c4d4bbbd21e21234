//! Planning, publishing and drawing a batch (双随机): its inputs are computed from the
//! registers of inspection objects — institutions, home-service providers, community
//! facilities — and inspectors when it is planned, frozen when they are published, and drawn
//! once a public value fixed outside the system is entered, by the domain's draw, exactly as
//! anyone else would redo it from the published inputs.

use sha2::{Digest, Sha256};
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::draw::{Batch, BatchFile, Draw, InspectorEntry, ObjectEntry};
use yiyang_domain::supervision::inspection::{BatchStatus, ItemKind};
use yiyang_domain::supervision::object::{ObjectKind, ObjectRef};

use super::{objects, InspectionItem};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// An institution that may be drawn, with what decides its stratum.
#[derive(sqlx::FromRow)]
struct InstitutionCandidate {
    id: i64,
    code: String,
    credit_code: Option<String>,
    dishonest: bool,
    last_penalty_on: Option<chrono::NaiveDate>,
    open_hazards: i64,
}

/// A provider or facility that may be drawn: its register code, its unclosed hazards and (a
/// provider) the complaints about it upheld in the last year.
#[derive(sqlx::FromRow)]
struct OtherCandidate {
    id: i64,
    code: String,
    open_hazards: i64,
    upheld: i64,
}

/// What a batch is planned with (the form).
#[derive(Debug, Clone, Default)]
pub struct BatchPlan {
    pub name: String,
    pub title: String,
    pub per_object: String,
    /// Percent of the ordinary institutions drawn; empty, institutions are not in the batch.
    pub ratio: String,
    /// Percent of the ordinary home-service providers drawn; empty, none are in the batch.
    pub ratio_provider: String,
    /// Percent of the ordinary community facilities drawn; empty, none are in the batch.
    pub ratio_facility: String,
    /// Percent of the objects (of the kinds in the batch) with a poor credit record, an upheld
    /// complaint or an unclosed hazard (重点对象).
    pub ratio_risk: String,
    pub items: Vec<i64>,
}

/// An object in a planned batch: the id its inputs publish and its stratum's kind of risk.
struct BatchObject {
    object: ObjectRef,
    public_id: String,
    risk: bool,
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
    /// Plans a batch for `scope` (a county): the objects there of the kinds given a ratio, each
    /// kind in two strata (the 重点对象 — a 失信 mark, a penalty in the last year, poor credit, an
    /// upheld complaint in the last year, an unclosed hazard — drawn at `ratio_risk`), the
    /// inspectors on the register with their declared conflicts. Errors name the field.
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
        let mut ratios: Vec<(ObjectKind, i64)> = Vec::new();
        for (kind, field, value) in [
            (ObjectKind::Institution, "ratio", &plan.ratio),
            (ObjectKind::Provider, "ratio_provider", &plan.ratio_provider),
            (ObjectKind::Facility, "ratio_facility", &plan.ratio_facility),
        ] {
            if !value.trim().is_empty() {
                let label = format!("{}抽查比例", kind.label());
                ratios.push((kind, int_field(field, &label, value, 0..=100, &mut errors)));
            }
        }
        if ratios.is_empty() {
            errors.push(FieldError::new("ratio", "请至少为一类检查对象填写抽查比例"));
        }
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
        let kinds: Vec<ObjectKind> = ratios.iter().map(|r| r.0).collect();
        let objects = self.batch_candidates(scope, &kinds).await?;
        if objects.is_empty() && !kinds.is_empty() {
            errors.push(FieldError::new("name", "本辖区没有可抽查的对象"));
        }
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
        let conflicts: Vec<objects::Named> = with_pool!(self, pool => sqlx::query_as(
            "SELECT x.code, c.institution_id, c.provider_id, c.facility_id FROM inspector_conflicts c \
             JOIN inspectors x ON x.id = c.inspector_id")
            .fetch_all(pool).await?);
        let file = BatchFile {
            batch: name.to_string(),
            public_value: String::new(),
            per_object,
            ratios: ratios
                .iter()
                .flat_map(|(kind, ratio)| [(kind.stratum(false), *ratio), (kind.stratum(true), ratio_risk)])
                .collect(),
            objects: objects
                .iter()
                .map(|c| ObjectEntry {
                    id: c.public_id.clone(),
                    stratum: c.object.kind.stratum(c.risk),
                })
                .collect(),
            inspectors: inspectors
                .iter()
                .map(|x| InspectorEntry { id: x.code.clone() })
                .collect(),
            conflicts: conflicts
                .iter()
                .filter(|(x, ..)| inspectors.iter().any(|i| &i.code == x))
                .filter_map(|(x, i, p, f)| {
                    let o = objects::object_of(*i, *p, *f);
                    let c = objects.iter().find(|c| c.object == o)?;
                    Some((x.clone(), c.public_id.clone()))
                })
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
            for c in &objects {
                let (i, p, f) = c.object.columns();
                sqlx::query("INSERT INTO batch_objects (batch_id, object, institution_id, provider_id, facility_id) \
                     VALUES ($1, $2, $3, $4, $5)")
                    .bind(id).bind(&c.public_id).bind(i).bind(p).bind(f).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("plan", "inspection_batch", id,
                serde_json::json!({"name": name, "objects": file.objects.len(), "inspectors": file.inspectors.len(), "inputs_sha256": sha}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The objects of `kinds` in `scope` a batch is planned with, each with its public id (an
    /// institution's credit code or register code, a provider's credit code, a facility's
    /// register code; made unique with its kind should two registers share one) and whether it
    /// is a 重点对象.
    async fn batch_candidates(&self, scope: &str, kinds: &[ObjectKind]) -> Result<Vec<BatchObject>> {
        let (lo, hi) = scope_range(scope);
        let today = self.clock.today();
        let year_ago = today - chrono::Days::new(365);
        let poor: Vec<ObjectRef> = self
            .credit_standings(scope, today)
            .await?
            .into_iter()
            .filter(|s| s.rating.poor())
            .map(|s| s.object)
            .collect();
        let mut out: Vec<BatchObject> = Vec::new();
        let mut add = |object: ObjectRef, id: String, risk: bool| {
            let public_id = if out.iter().any(|o| o.public_id == id) {
                format!("{id}-{}", object.kind.code())
            } else {
                id
            };
            out.push(BatchObject {
                object,
                public_id,
                risk: risk || poor.contains(&object),
            });
        };
        if kinds.contains(&ObjectKind::Institution) {
            let rows: Vec<InstitutionCandidate> = with_pool!(self, pool => sqlx::query_as(
                "SELECT i.id, i.code, i.credit_code, i.dishonest, i.last_penalty_on, \
                 (SELECT COUNT(*) FROM hazards h WHERE h.institution_id = i.id AND h.status <> 'closed') AS open_hazards \
                 FROM institutions i WHERE i.division >= $1 AND i.division < $2 AND i.status <> 'closed' ORDER BY i.code")
                .bind(&lo).bind(&hi).fetch_all(pool).await?);
            for c in rows {
                let risk = c.dishonest || c.last_penalty_on.is_some_and(|d| d >= year_ago) || c.open_hazards > 0;
                add(
                    ObjectRef::institution(c.id),
                    object_id(&c.code, c.credit_code.as_deref()),
                    risk,
                );
            }
        }
        if kinds.contains(&ObjectKind::Provider) {
            let rows: Vec<OtherCandidate> = with_pool!(self, pool => sqlx::query_as(
                "SELECT p.id, p.code, \
                 (SELECT COUNT(*) FROM hazards h WHERE h.provider_id = p.id AND h.status <> 'closed') AS open_hazards, \
                 (SELECT COUNT(*) FROM complaints c WHERE c.provider_id = p.id AND c.finding IN ('upheld', 'partly') \
                  AND c.received_on >= $3) AS upheld \
                 FROM providers p WHERE p.division >= $1 AND p.division < $2 AND p.active ORDER BY p.code")
                .bind(&lo).bind(&hi).bind(year_ago).fetch_all(pool).await?);
            for c in rows {
                add(
                    ObjectRef::provider(c.id),
                    c.code.trim().to_string(),
                    c.open_hazards > 0 || c.upheld > 0,
                );
            }
        }
        if kinds.contains(&ObjectKind::Facility) {
            let rows: Vec<OtherCandidate> = with_pool!(self, pool => sqlx::query_as(
                "SELECT f.id, f.code, \
                 (SELECT COUNT(*) FROM hazards h WHERE h.facility_id = f.id AND h.status <> 'closed') AS open_hazards, \
                 CAST(0 AS BIGINT) AS upheld \
                 FROM facilities f WHERE f.division >= $1 AND f.division < $2 AND f.status <> 'closed' ORDER BY f.code")
                .bind(&lo).bind(&hi).fetch_all(pool).await?);
            for c in rows {
                add(ObjectRef::facility(c.id), c.code.trim().to_string(), c.open_hazards > 0);
            }
        }
        Ok(out)
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

    /// Enters the public value and runs the draw, once: the drawn objects get their
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
        // What each published id stood for when the batch was planned.
        let named: Vec<objects::Named> = with_pool!(self, pool => sqlx::query_as(
            "SELECT object, institution_id, provider_id, facility_id FROM batch_objects WHERE batch_id = $1")
            .bind(id).fetch_all(pool).await?);
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
                let (_, i, p, f) = named.iter().find(|n| n.0 == o.id)
                    .ok_or_else(|| StoreError::Refused(format!("抽中的对象 {} 不在本批次的对象名录中", o.id)))?;
                let iid: i64 = sqlx::query_scalar(
                    "INSERT INTO inspections (batch_id, institution_id, provider_id, facility_id, object_key, stratum, position, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING id")
                    .bind(id).bind(i).bind(p).bind(f).bind(&o.key).bind(&o.stratum).bind(pos as i64).fetch_one(&mut *tx).await?;
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
