//! One grant group opened: the grants of one kind to one payee, item by item, and the digest
//! a signature is bound to — what the reviewer or approver saw (how many items waiting, their
//! sum, the latest of them), so that a grant added or changed after they looked is not signed
//! unseen. `grants` lists and signs the groups.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use yiyang_domain::role::{Permission, Role};

use crate::audit::{Actor, AuditAppend};
use crate::grants::KINDS;
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

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

/// A grant returned to its clerk, as the group's page lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReturnedGrant {
    pub what: String,
    pub amount_fen: i64,
    pub granted_by: String,
    pub returned_by: String,
    pub returned_at: DateTime<Utc>,
    pub note: String,
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

    /// Returns (退回) the grants of `kind` to `owner_id` waiting at `from` (`prepared` for a
    /// reviewer, `reviewed` for an approver) to their clerk with `note`, if they are still what
    /// the signer saw (`seen`). The signer's own grants stay. Each returned grant leaves its
    /// table for `returned_grants`, so it can be granted again once corrected. Returns how many.
    #[allow(clippy::too_many_arguments)]
    pub async fn return_grants(
        &self,
        kind: &str,
        owner_id: i64,
        from: &str,
        seen: &str,
        note: &str,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let permission = match from {
            "prepared" => Permission::BenefitReview,
            "reviewed" => Permission::BenefitApprove,
            _ => return Err(StoreError::Refused(format!("未知的步骤 {from}"))),
        };
        if !role.may(permission) {
            return Err(StoreError::Forbidden(format!("{}无权退回补助", role.label())));
        }
        let (_, items) = self.grant_items(kind, owner_id, scope).await?;
        let (_, _, table, owner, _) = KINDS.iter().find(|k| k.0 == kind).ok_or(StoreError::NotFound)?;
        let note: String = note.trim().chars().take(500).collect();
        if note.is_empty() {
            return Err(StoreError::Invalid(vec![yiyang_domain::person::FieldError::new(
                "note",
                "退回须写明原因",
            )]));
        }
        let back: Vec<&GrantItem> = items
            .iter()
            .filter(|i| i.status == from && i.granted_by != user)
            .collect();
        if back.is_empty() {
            return Err(StoreError::Refused(
                "没有可退回的补助（本人经手的不能由本人退回）".into(),
            ));
        }
        if self.grant_digest(kind, owner_id, from).await? != seen {
            return Err(StoreError::Refused(
                "补助明细在您查看之后有变动，请刷新明细页重新核对后再办理".into(),
            ));
        }
        let at = now();
        let fen: i64 = back.iter().map(|i| i.amount_fen).sum();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(&format!("DELETE FROM {table} WHERE {owner} = $1 AND status = $2 AND granted_by <> $3"))
                .bind(owner_id).bind(from).bind(user).execute(&mut *tx).await?.rows_affected();
            if n != back.len() as u64 {
                return Err(StoreError::Conflict);
            }
            for i in &back {
                sqlx::query("INSERT INTO returned_grants (kind, owner_id, what, amount_fen, clause, granted_by, granted_at, \
                             returned_by, returned_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                    .bind(kind).bind(owner_id).bind(&i.what).bind(i.amount_fen).bind(&i.clause).bind(&i.granted_by)
                    .bind(i.granted_at).bind(user).bind(at).bind(&note).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("return", "grant", format!("{kind}:{owner_id}"),
                serde_json::json!({"kind": kind, "owner": owner_id, "grants": n, "amount_fen": fen, "note": note}))).await?;
            tx.commit().await?;
            Ok(n as i64)
        })
    }

    /// The grants of `kind` to `owner_id` returned so far, newest first (the caller has checked
    /// the payee is in scope).
    pub async fn returned_grants(&self, kind: &str, owner_id: i64) -> Result<Vec<ReturnedGrant>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT what, amount_fen, granted_by, returned_by, returned_at, note FROM returned_grants \
             WHERE kind = $1 AND owner_id = $2 ORDER BY id DESC LIMIT 200")
            .bind(kind).bind(owner_id).fetch_all(pool).await?))
    }
}
