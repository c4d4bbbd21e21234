//! One grant group opened: the grants of one kind to one payee, item by item, and the digest
//! a signature is bound to — what the reviewer or approver saw (how many items waiting, their
//! sum, the latest of them), so that a grant added or changed after they looked is not signed
//! unseen. `grants` lists and signs the groups.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::grants::KINDS;
use crate::{scope_range, with_pool, Result, Store, StoreError};

/// Who a group pays.
#[derive(Debug, Clone, Serialize)]
pub struct GrantPayee {
    pub code: String,
    pub name: String,
    pub division: String,
}

/// One grant of a group, as its page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct GrantItem {
    /// What is paid for, in words (a bed, a subsidy and its year, an award's basis).
    pub what: String,
    pub amount_fen: i64,
    pub clause: String,
    pub status: String,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
}

impl GrantItem {
    pub fn status_label(&self) -> &'static str {
        crate::grants::status_label(&self.status)
    }
}

/// A facility subsidy's kind in words.
fn facility_subsidy_label(code: &str) -> &'static str {
    match code {
        "build" => "建设补助",
        "operate" => "运营补助",
        "demo" => "示范奖补",
        _ => "补助",
    }
}

type ItemRow = (String, String, String, i64, String, String, String, DateTime<Utc>);

impl Store {
    /// The payee and every grant of `kind` to `owner_id`, if the payee lies in `scope`
    /// (`NotFound` otherwise, as for an unknown one).
    pub async fn grant_items(&self, kind: &str, owner_id: i64, scope: &str) -> Result<(GrantPayee, Vec<GrantItem>)> {
        let (_, _, table, owner, owners) = KINDS.iter().find(|k| k.0 == kind).ok_or(StoreError::NotFound)?;
        let (lo, hi) = scope_range(scope);
        let payee: Option<(String, String, String)> = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT code, name, division FROM {owners} WHERE id = $1 AND division >= $2 AND division < $3"))
            .bind(owner_id).bind(&lo).bind(&hi).fetch_optional(pool).await?);
        let (code, name, division) = payee.ok_or(StoreError::NotFound)?;
        let what = match kind {
            "construction" => "CAST(b.building AS TEXT), CAST(b.room AS TEXT), CAST(b.number AS TEXT)",
            "facility" => "s.subsidy, s.period, ''",
            _ => "s.basis, '', ''",
        };
        let join = if kind == "construction" {
            "JOIN beds b ON b.id = s.bed_id"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {what}, s.amount_fen, s.clause, s.status, s.granted_by, s.granted_at FROM {table} s {join} \
             WHERE s.{owner} = $1 ORDER BY s.granted_at, 1, 2, 3"
        );
        let rows: Vec<ItemRow> = with_pool!(self, pool => sqlx::query_as(&sql).bind(owner_id).fetch_all(pool).await?);
        let items = rows
            .into_iter()
            .map(
                |(a, b, c, amount_fen, clause, status, granted_by, granted_at)| GrantItem {
                    what: match kind {
                        "construction" => format!("{a} {b} 房 {c} 床"),
                        "facility" if b.is_empty() => facility_subsidy_label(&a).to_string(),
                        "facility" => format!("{} {b} 年度", facility_subsidy_label(&a)),
                        _ => a,
                    },
                    amount_fen,
                    clause,
                    status,
                    granted_by,
                    granted_at,
                },
            )
            .collect();
        Ok((GrantPayee { code, name, division }, items))
    }

    /// The digest of the grants of `kind` to `owner_id` in `status`: what a signature on them
    /// is bound to.
    pub async fn grant_digest(&self, kind: &str, owner_id: i64, status: &str) -> Result<String> {
        let (_, _, table, owner, _) = KINDS.iter().find(|k| k.0 == kind).ok_or(StoreError::NotFound)?;
        let (n, sum, last): (i64, i64, Option<String>) = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT), CAST(MAX(granted_at) AS TEXT) \
             FROM {table} WHERE {owner} = $1 AND status = $2"))
            .bind(owner_id).bind(status).fetch_one(pool).await?);
        let text = format!("{kind}|{owner_id}|{status}|{n}|{sum}|{}", last.unwrap_or_default());
        Ok(hex::encode(&Sha256::digest(text.as_bytes())[..16]))
    }
}
