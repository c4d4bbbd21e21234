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
    /// `returned`, `withdrawn` or `rejected` ([`Settle::code`]).
    pub outcome: String,
}

impl ReturnedGrant {
    pub fn outcome_label(&self) -> &'static str {
        Settle::parse(&self.outcome).map_or("退回", Settle::label)
    }
}

/// A grant group settled without a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// 退回: to the clerk, to be corrected and granted again.
    Return,
    /// 驳回: not granted, and not proposed again.
    Reject,
    /// 撤回: by the clerk, before anyone signs.
    Withdraw,
}

impl Settle {
    pub fn parse(code: &str) -> Option<Settle> {
        match code {
            "returned" | "return" => Some(Settle::Return),
            "rejected" | "reject" => Some(Settle::Reject),
            "withdrawn" | "withdraw" => Some(Settle::Withdraw),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Settle::Return => "returned",
            Settle::Reject => "rejected",
            Settle::Withdraw => "withdrawn",
        }
    }
    /// The audit entry's action.
    fn action(self) -> &'static str {
        match self {
            Settle::Return => "return",
            Settle::Reject => "reject",
            Settle::Withdraw => "withdraw",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Settle::Return => "退回",
            Settle::Reject => "驳回",
            Settle::Withdraw => "撤回",
        }
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

    /// Settles the grants of `kind` to `owner_id` waiting at `from` without signing them, with
    /// `note` as the reason, if they are still what the user saw (`seen`, the group's digest):
    /// - 退回 and 驳回, by a reviewer (`from` = `prepared`) or an approver (`reviewed`), of the
    ///   grants someone else prepared. Returned grants leave their table, so they can be
    ///   granted again once corrected; rejected ones stay in it as `rejected`, paying nothing,
    ///   so the bed, period or person is not proposed again.
    /// - 撤回, by the clerk who prepared them, before anyone signs (`from` = `prepared`): their
    ///   own grants leave the table, as when returned.
    ///
    /// Each is kept in `returned_grants` with who, when, why and how. Returns how many.
    #[allow(clippy::too_many_arguments)]
    pub async fn settle_grants(
        &self,
        kind: &str,
        owner_id: i64,
        how: Settle,
        from: &str,
        seen: &str,
        note: &str,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let permission = match (how, from) {
            (Settle::Withdraw, "prepared") => Permission::BenefitPrepare,
            (Settle::Withdraw, _) => return Err(StoreError::Refused("已审核的补助不能撤回".into())),
            (_, "prepared") => Permission::BenefitReview,
            (_, "reviewed") => Permission::BenefitApprove,
            _ => return Err(StoreError::Refused(format!("未知的步骤 {from}"))),
        };
        if !role.may(permission) {
            return Err(StoreError::Forbidden(format!(
                "{}无权{}补助",
                role.label(),
                how.label()
            )));
        }
        let (_, items) = self.grant_items(kind, owner_id, scope).await?;
        let (_, _, table, owner, _) = KINDS.iter().find(|k| k.0 == kind).ok_or(StoreError::NotFound)?;
        let note: String = note.trim().chars().take(500).collect();
        if note.is_empty() {
            return Err(StoreError::Invalid(vec![yiyang_domain::person::FieldError::new(
                "note",
                format!("{}须写明原因", how.label()),
            )]));
        }
        let mine = how == Settle::Withdraw;
        let back: Vec<&GrantItem> = items
            .iter()
            .filter(|i| i.status == from && (i.granted_by == user) == mine)
            .collect();
        if back.is_empty() {
            return Err(StoreError::Refused(if mine {
                "没有可撤回的补助（只能撤回本人经办、尚未审核的）".into()
            } else {
                format!("没有可{}的补助（本人经手的不能由本人{}）", how.label(), how.label())
            }));
        }
        if self.grant_digest(kind, owner_id, from).await? != seen {
            return Err(StoreError::Refused(
                "补助明细在您查看之后有变动，请刷新明细页重新核对后再办理".into(),
            ));
        }
        let at = now();
        let fen: i64 = back.iter().map(|i| i.amount_fen).sum();
        let whose = if mine { "granted_by = $3" } else { "granted_by <> $3" };
        let change = if how == Settle::Reject {
            format!("UPDATE {table} SET status = 'rejected' WHERE {owner} = $1 AND status = $2 AND {whose}")
        } else {
            format!("DELETE FROM {table} WHERE {owner} = $1 AND status = $2 AND {whose}")
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(&change).bind(owner_id).bind(from).bind(user).execute(&mut *tx).await?.rows_affected();
            if n != back.len() as u64 {
                return Err(StoreError::Conflict);
            }
            for i in &back {
                sqlx::query("INSERT INTO returned_grants (kind, owner_id, what, amount_fen, clause, granted_by, granted_at, \
                             returned_by, returned_at, note, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                    .bind(kind).bind(owner_id).bind(&i.what).bind(i.amount_fen).bind(&i.clause).bind(&i.granted_by)
                    .bind(i.granted_at).bind(user).bind(at).bind(&note).bind(how.code()).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(how.action(), "grant", format!("{kind}:{owner_id}"),
                serde_json::json!({"kind": kind, "owner": owner_id, "grants": n, "amount_fen": fen, "note": note}))).await?;
            tx.commit().await?;
            Ok(n as i64)
        })
    }

    /// The grants of `kind` to `owner_id` returned so far, newest first (the caller has checked
    /// the payee is in scope).
    pub async fn returned_grants(&self, kind: &str, owner_id: i64) -> Result<Vec<ReturnedGrant>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT what, amount_fen, granted_by, returned_by, returned_at, note, outcome FROM returned_grants \
             WHERE kind = $1 AND owner_id = $2 ORDER BY id DESC LIMIT 200")
            .bind(kind).bind(owner_id).fetch_all(pool).await?))
    }
}
