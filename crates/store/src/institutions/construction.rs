//! Granting the one-off construction subsidy per bed under the pack in force where the
//! institution is; the domain picks the beds (`decide`), each bed is recorded once, so a second
//! grant pays only beds added since.

use chrono::NaiveDate;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::construction::{
    decide, BedFact, ConstructionDecision, ConstructionFacts, ConstructionParams, Premises,
};
use yiyang_domain::policy::Pack;

use crate::audit::{Actor, AuditAppend};
use crate::benefits::PackChoice;
use crate::{now, with_pool, Result, Store, StoreError};

/// What a grant would pay now, with the subsidy so far.
#[derive(Debug, Clone)]
pub struct ConstructionPreview {
    pub params: ConstructionParams,
    pub decision: ConstructionDecision,
    pub paid_beds: i64,
    pub paid_fen: i64,
}

impl Store {
    /// The construction subsidy for `institution_id` on `today`; `None` when the pack in force
    /// there sets none.
    pub async fn construction_preview(
        &self,
        institution_id: i64,
        packs: &[Pack],
        today: NaiveDate,
    ) -> Result<Option<ConstructionPreview>> {
        type Row = (
            String,
            bool,
            Option<NaiveDate>,
            Option<String>,
            Option<i64>,
            String,
            bool,
            bool,
        );
        let row: Option<Row> = with_pool!(self, pool => sqlx::query_as(
            "SELECT division, medical_care, filed_on, premises, lease_years, kind, membership, health_accepted \
             FROM institutions WHERE id = $1")
            .bind(institution_id).fetch_optional(pool).await?);
        let (division, medical_care, filed_on, premises, lease_years, kind, membership, health_accepted) =
            row.ok_or(StoreError::NotFound)?;
        let kind = yiyang_domain::institution::InstitutionKind::parse(&kind).ok_or_else(|| {
            StoreError::Db(sqlx::Error::Decode(
                format!("institution {institution_id}: unknown kind {kind:?}").into(),
            ))
        })?;
        let mut choice = PackChoice::new(packs, Month::of(today), None)?;
        let Some(params) = choice
            .program(&division)
            .and_then(|p| ConstructionParams::from_pack(p.pack, today))
        else {
            return Ok(None);
        };
        type BedRow = (i64, bool, Option<NaiveDate>, String, bool);
        let beds: Vec<BedRow> = with_pool!(self, pool => sqlx::query_as(
            "SELECT b.id, b.nursing, b.opened_on, b.status, \
             EXISTS (SELECT 1 FROM bed_subsidies s WHERE s.bed_id = b.id) FROM beds b WHERE b.institution_id = $1 ORDER BY b.id")
            .bind(institution_id).fetch_all(pool).await?);
        let (paid_beds, paid_fen): (i64, i64) = with_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM bed_subsidies s \
             WHERE s.institution_id = $1 AND s.status <> 'rejected'")
            .bind(institution_id).fetch_one(pool).await?);
        let beds = beds
            .into_iter()
            .map(|(id, nursing, opened_on, status, paid)| BedFact {
                id,
                nursing,
                opened_on,
                out_of_service: status == "out_of_service",
                paid,
            })
            .collect();
        let decision = decide(
            &ConstructionFacts {
                kind,
                membership,
                health_accepted,
                medical_care,
                filed_on,
                beds,
                paid_fen,
                today,
                premises: premises.as_deref().and_then(Premises::parse),
                lease_years,
            },
            &params,
        );
        Ok(Some(ConstructionPreview {
            params,
            decision,
            paid_beds,
            paid_fen,
        }))
    }

    /// Grants the subsidy the preview shows: records each paid bed once. Returns (beds, fen).
    pub async fn grant_construction_subsidy(
        &self,
        institution_id: i64,
        packs: &[Pack],
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<(u32, i64)> {
        let p = self
            .construction_preview(institution_id, packs, today)
            .await?
            .ok_or_else(|| StoreError::Refused("当地政策包没有规定护理型床位一次性建设补助".into()))?;
        if !p.decision.eligible() {
            let unmet: Vec<&str> = p
                .decision
                .conditions
                .iter()
                .filter(|c| !c.1)
                .map(|c| c.0.as_str())
                .collect();
            return Err(StoreError::Refused(format!("不符合建设补助条件：{}", unmet.join("；"))));
        }
        if p.decision.beds == 0 {
            return Err(StoreError::Refused("没有可补助的床位，或已达到补助上限".into()));
        }
        let granted = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut n = 0u32;
            // The beds the preview chose; one another grant took in between is skipped, not paid twice.
            for bed in &p.decision.bed_ids {
                n += sqlx::query(
                    "INSERT INTO bed_subsidies (bed_id, institution_id, amount_fen, pack_id, pack_version, clause, granted_by, granted_at, schedule) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (bed_id) DO NOTHING")
                    .bind(bed).bind(institution_id).bind(p.decision.per_bed_fen).bind(&p.params.pack_id)
                    .bind(&p.params.pack_version).bind(&p.params.clause).bind(&actor.name).bind(now())
                    .bind(p.decision.schedule)
                    .execute(&mut *tx).await?.rows_affected() as u32;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("construction_subsidy", "institution", institution_id, serde_json::json!({
                "beds": n, "per_bed_fen": p.decision.per_bed_fen, "schedule": p.decision.schedule, "pack": p.params.pack_id, "clause": p.params.clause}))).await?;
            tx.commit().await?;
            n
        });
        Ok((granted, granted as i64 * p.decision.per_bed_fen))
    }
}
