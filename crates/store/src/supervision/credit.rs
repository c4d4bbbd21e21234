//! Credit (信用监管): each object's credit record (an institution's, a provider's, a
//! facility's) — written by the inspection that
//! confirmed its result, the complaint found upheld, or a clerk recording a penalty or a filing
//! commitment kept or broken — the 失信 list with its period and repair, and the rating the
//! domain derives from them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::credit::{listed, may_repair, rating, CreditKind, CreditRating, Entry};
use yiyang_domain::supervision::object::ObjectRef;

use super::objects::{join_objects, object_of, OBJECT_DIVISION, OBJECT_NAME};

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Months a 失信 listing must stand before it may be repaired early.
pub const REPAIR_MIN_MONTHS_SETTING: &str = "supervision.repair_min_months";

/// The insert every writer of a credit record uses, inside its own transaction.
pub(crate) const INSERT_CREDIT: &str =
    "INSERT INTO credit_records (institution_id, provider_id, facility_id, kind, recorded_on, reason, source, recorded_by, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CreditRecord {
    pub id: i64,
    pub institution_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub facility_id: Option<i64>,
    pub object_name: String,
    pub kind: String,
    pub recorded_on: NaiveDate,
    pub reason: String,
    pub source: Option<String>,
    pub recorded_by: String,
}

impl CreditRecord {
    pub fn kind(&self) -> CreditKind {
        CreditKind::parse(&self.kind).expect("CHECK constraint: kind")
    }
    pub fn object(&self) -> ObjectRef {
        object_of(self.institution_id, self.provider_id, self.facility_id)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Listing {
    pub id: i64,
    pub institution_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub facility_id: Option<i64>,
    pub object_name: String,
    pub listed_on: NaiveDate,
    pub until_on: NaiveDate,
    pub reason: String,
    pub document: String,
    pub listed_at: DateTime<Utc>,
    pub repaired_on: Option<NaiveDate>,
    pub repair_note: Option<String>,
}

impl Listing {
    pub fn in_force(&self, today: NaiveDate) -> bool {
        listed(self.listed_on, self.until_on, self.repaired_on, today)
    }
    pub fn object(&self) -> ObjectRef {
        object_of(self.institution_id, self.provider_id, self.facility_id)
    }
    pub fn kind_label(&self) -> &'static str {
        self.object().kind.label()
    }
}

/// A 失信 listing as typed on the form.
#[derive(Debug, Clone, Default)]
pub struct ListingInput {
    /// The object's key (`provider:3`).
    pub object: String,
    pub listed_on: String,
    /// How long it stands, in months.
    pub months: String,
    pub reason: String,
    /// The decision it rests on (决定文书).
    pub document: String,
}

/// An object's standing: its rating and what it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub object: ObjectRef,
    pub object_name: String,
    pub rating: CreditRating,
    pub listed: bool,
    pub adverse: usize,
}

impl Store {
    /// Every credit record of the objects in `scope`, newest first.
    pub async fn credit_records_in(&self, scope: &str) -> Result<Vec<CreditRecord>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT c.id, c.institution_id, c.provider_id, c.facility_id, {OBJECT_NAME} AS object_name, c.kind, c.recorded_on, \
             c.reason, c.source, c.recorded_by FROM credit_records c {} WHERE {OBJECT_DIVISION} >= $1 AND {OBJECT_DIVISION} < $2 \
             ORDER BY c.recorded_on DESC, c.id DESC", join_objects("c")))
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// The 失信 listings of objects in `scope`, newest first.
    pub async fn listings_in(&self, scope: &str) -> Result<Vec<Listing>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT l.id, l.institution_id, l.provider_id, l.facility_id, {OBJECT_NAME} AS object_name, l.listed_on, l.until_on, \
             l.reason, l.document, l.listed_at, l.repaired_on, l.repair_note FROM dishonest_listings l {} \
             WHERE {OBJECT_DIVISION} >= $1 AND {OBJECT_DIVISION} < $2 ORDER BY l.listed_on DESC, l.id DESC", join_objects("l")))
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// The rating of every open object in `scope` on `today`, worst first.
    pub async fn credit_standings(&self, scope: &str, today: NaiveDate) -> Result<Vec<Standing>> {
        let records = self.credit_records_in(scope).await?;
        let listings = self.listings_in(scope).await?;
        let mut out: Vec<Standing> = self
            .supervised_objects_in(scope)
            .await?
            .into_iter()
            .map(|i| {
                let entries: Vec<Entry> = records
                    .iter()
                    .filter(|r| r.object() == i.object)
                    .map(|r| Entry {
                        kind: r.kind(),
                        on: r.recorded_on,
                    })
                    .collect();
                let listed = listings.iter().any(|l| l.object() == i.object && l.in_force(today));
                Standing {
                    object: i.object,
                    object_name: i.name,
                    rating: rating(&entries, listed, today),
                    listed,
                    adverse: entries.iter().filter(|e| e.kind.adverse()).count(),
                }
            })
            .collect();
        out.sort_by(|a, b| b.rating.cmp(&a.rating).then(a.object_name.cmp(&b.object_name)));
        Ok(out)
    }

    /// Records a penalty or a filing commitment kept or broken (the kinds a clerk enters; the
    /// others come from inspections and complaints). Errors name the field.
    pub async fn add_credit_record(
        &self,
        object: &str,
        kind: &str,
        on: &str,
        reason: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let object = self.object_from_key(object, scope).await?;
        let mut errors = Vec::new();
        let kind = CreditKind::parse(kind).filter(|k| {
            matches!(
                k,
                CreditKind::Penalty | CreditKind::CommitmentKept | CreditKind::CommitmentBroken
            )
        });
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                "请选择记录类型（行政处罚、备案承诺履约或未履约）",
            ));
        }
        let today = self.clock.today();
        let on = NaiveDate::parse_from_str(on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today);
        if on.is_none() {
            errors.push(FieldError::new("recorded_on", "请填写不晚于今天的日期"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", "请写明事由和文书编号"));
        }
        errors.extend(yiyang_domain::text::too_long(
            "reason",
            "事由",
            reason,
            yiyang_domain::text::NOTE_MAX,
        ));
        let (Some(kind), Some(on), true) = (kind, on, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (inst, provider, facility) = object.columns();
            let id: i64 = sqlx::query_scalar(&format!("{INSERT_CREDIT} RETURNING id"))
                .bind(inst).bind(provider).bind(facility).bind(kind.code()).bind(on).bind(reason).bind(None::<String>)
                .bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            if let (CreditKind::Penalty, Some(inst)) = (kind, inst) {
                sqlx::query("UPDATE institutions SET last_penalty_on = $2 WHERE id = $1 AND (last_penalty_on IS NULL OR last_penalty_on < $2)")
                    .bind(inst).bind(on).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "credit_record", id,
                serde_json::json!({"object": object.to_string(), "kind": kind.code(), "on": on}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Puts an object on the 失信 list from `listed_on` for `months`, with the decision's
    /// document; an institution's 失信 mark (a grading prerequisite) is set.
    pub async fn list_dishonest(&self, input: &ListingInput, scope: &str, actor: &Actor) -> Result<i64> {
        let object = self.object_from_key(&input.object, scope).await?;
        let (listed_on, months, reason, document) = (&input.listed_on, &input.months, &input.reason, &input.document);
        let mut errors = Vec::new();
        let today = self.clock.today();
        let on = NaiveDate::parse_from_str(listed_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today);
        if on.is_none() {
            errors.push(FieldError::new("listed_on", "请填写不晚于今天的列入日期"));
        }
        let months: Option<u32> = months.trim().parse().ok().filter(|m| (1..=60).contains(m));
        if months.is_none() {
            errors.push(FieldError::new("months", "公示期限须为 1–60 个月"));
        }
        for (field, label, v) in [("reason", "列入事由", reason), ("document", "决定文书", document)] {
            if v.trim().is_empty() {
                errors.push(FieldError::new(field, format!("请填写{label}")));
            }
            errors.extend(yiyang_domain::text::too_long(
                field,
                label,
                v,
                yiyang_domain::text::NOTE_MAX,
            ));
        }
        let (Some(on), Some(months), true) = (on, months, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let until = on
            .checked_add_months(chrono::Months::new(months))
            .expect("a date within range");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (inst, provider, facility) = object.columns();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO dishonest_listings (institution_id, provider_id, facility_id, listed_on, until_on, reason, document, \
                 listed_by, listed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(inst).bind(provider).bind(facility).bind(on).bind(until).bind(reason.trim()).bind(document.trim())
                .bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            if let Some(inst) = inst {
                sqlx::query("UPDATE institutions SET dishonest = TRUE WHERE id = $1").bind(inst).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("list", "dishonest_listing", id,
                serde_json::json!({"object": object.to_string(), "listed_on": on, "until": until}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Repairs a listing (信用修复) once it has stood the setting's minimum months; the 失信 mark
    /// is cleared when no other listing of the institution is in force.
    pub async fn repair_listing(&self, id: i64, note: &str, scope: &str, actor: &Actor) -> Result<()> {
        let l = self
            .listings_in(scope)
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(StoreError::NotFound)?;
        let today = self.clock.today();
        let min = self.supervision_setting(REPAIR_MIN_MONTHS_SETTING, scope).await? as u32;
        if !l.in_force(today) {
            return Err(StoreError::Refused("该记录已不在公示期内，无需修复".into()));
        }
        if !may_repair(l.listed_on, min, today) {
            return Err(StoreError::Refused(format!("列入未满 {min} 个月，不能修复")));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "note",
                "请写明修复依据（整改完成、履行义务等）",
            )]));
        }
        let others = self
            .listings_in(scope)
            .await?
            .into_iter()
            .any(|o| o.id != id && o.object() == l.object() && o.in_force(today));
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE dishonest_listings SET repaired_on = $2, repaired_by = $3, repair_note = $4 WHERE id = $1")
                .bind(id).bind(today).bind(&actor.name).bind(note).execute(&mut *tx).await?;
            if let (false, Some(inst)) = (others, l.institution_id) {
                sqlx::query("UPDATE institutions SET dishonest = FALSE WHERE id = $1").bind(inst).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("repair", "dishonest_listing", id, serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The object a form names by its key, if it is in `scope`; otherwise exactly as an
    /// unknown one.
    pub(crate) async fn object_from_key(&self, key: &str, scope: &str) -> Result<ObjectRef> {
        let object = ObjectRef::parse(key).ok_or(StoreError::NotFound)?;
        Ok(self
            .supervised_object(object, scope)
            .await?
            .ok_or(StoreError::NotFound)?
            .object)
    }
}
