//! 审核 and 审批 of a monthly run, its return to the preparer, its rejection (驳回) and its
//! withdrawal (撤回) by the preparer. A signature is bound to what the signer saw: the run's
//! digest (month, scope, pack, computation time, lines, total, pending count). A recomputation
//! changes the digest, so a review of the earlier numbers cannot pass the later ones, and an
//! approval needs the digest the review signed. A rejected or withdrawn run pays nothing: its
//! lines move to `voided_payment_lines` in the same transaction, so no one's line stays held by
//! it and the month can be computed again.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use yiyang_domain::role::{Permission, Role};

use crate::audit::{Actor, AuditAppend};
use crate::benefits::{RunInfo, RunStatus};
use crate::{now, with_pool, Result, Store, StoreError};

/// What a signer does to a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunStep {
    /// 审核: draft → reviewed.
    Review,
    /// 审批: reviewed → approved.
    Approve,
    /// 退回: draft or reviewed → draft, with what to change; the review is void.
    Return(String),
    /// 驳回: draft or reviewed → rejected, by a reviewer or approver, with the reason.
    Reject(String),
    /// 撤回: draft → withdrawn, by the preparer before anyone has signed, with the reason.
    Withdraw(String),
}

impl RunStep {
    /// The audit action and note action of the step.
    pub fn action(&self) -> &'static str {
        match self {
            RunStep::Review => "review",
            RunStep::Approve => "approve",
            RunStep::Return(_) => "return",
            RunStep::Reject(_) => "reject",
            RunStep::Withdraw(_) => "withdraw",
        }
    }

    /// The reason a return, rejection or withdrawal carries.
    fn reason(&self) -> Option<&str> {
        match self {
            RunStep::Return(n) | RunStep::Reject(n) | RunStep::Withdraw(n) => Some(n),
            _ => None,
        }
    }
}

/// A note's action in words, as the run's page lists it.
pub fn note_label(action: &str) -> &'static str {
    match action {
        "return" => "退回",
        "reject" => "驳回",
        "withdraw" => "撤回",
        _ => "意见",
    }
}

/// A note kept with a run (a return and its reason).
#[derive(Clone, Debug, Serialize)]
pub struct RunNote {
    pub action: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

impl RunNote {
    /// The note's action in words.
    pub fn label(&self) -> &'static str {
        note_label(&self.action)
    }
}

/// The digest of a run as computed: what a signature is bound to.
pub fn run_digest(r: &RunInfo) -> String {
    let text = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}",
        r.id,
        r.month,
        r.scope,
        r.pack,
        r.computed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        r.lines,
        r.total_fen,
        r.pending
    );
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

impl Store {
    /// 审核 by a reviewer whose scope covers the run; `seen` is the digest on the page the
    /// reviewer checked (None from callers that show nothing, such as a bare API call).
    pub async fn review_run(
        &self,
        run_id: i64,
        seen: Option<&str>,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<RunInfo> {
        self.sign_run(run_id, &RunStep::Review, seen, user, role, scope, actor)
            .await
    }

    /// 审批 by an approver who neither prepared nor reviewed it.
    pub async fn approve_run(
        &self,
        run_id: i64,
        seen: Option<&str>,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<RunInfo> {
        self.sign_run(run_id, &RunStep::Approve, seen, user, role, scope, actor)
            .await
    }

    /// Payees whose name, ID number or payment account in the register changed since the run
    /// was approved: (person, approved name, name now). The files pay the approved ones.
    pub async fn payees_changed_since_approval(&self, run_id: i64) -> Result<Vec<(i64, String, String)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT f.person_id, f.name, p.name FROM run_payees f JOIN persons p ON p.id = f.person_id \
             LEFT JOIN payment_accounts a ON a.person_id = f.person_id \
             WHERE f.run_id = $1 AND (f.name <> p.name OR f.id_number <> p.id_number \
             OR f.account_number <> COALESCE(a.account_number, '') OR f.holder_name <> COALESCE(a.holder_name, '') \
             OR f.bank <> COALESCE(a.bank, '') OR f.holder_id_number <> COALESCE(a.holder_id_number, '')) ORDER BY f.person_id LIMIT 1000")
            .bind(run_id).fetch_all(pool).await?))
    }

    /// The notes kept with a run, oldest first.
    pub async fn run_notes(&self, run_id: i64) -> Result<Vec<RunNote>> {
        let rows: Vec<(String, String, DateTime<Utc>, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT action, actor, at, note FROM benefit_run_notes WHERE run_id = $1 ORDER BY id")
            .bind(run_id).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(action, actor, at, note)| RunNote {
                action,
                actor,
                at,
                note,
            })
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn sign_run(
        &self,
        run_id: i64,
        step: &RunStep,
        seen: Option<&str>,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<RunInfo> {
        let (permission, verb) = match step {
            RunStep::Review => (Permission::BenefitReview, "审核"),
            RunStep::Approve => (Permission::BenefitApprove, "审批"),
            RunStep::Return(_) if role.may(Permission::BenefitApprove) => (Permission::BenefitApprove, "退回"),
            RunStep::Return(_) => (Permission::BenefitReview, "退回"),
            RunStep::Reject(_) if role.may(Permission::BenefitApprove) => (Permission::BenefitApprove, "驳回"),
            RunStep::Reject(_) => (Permission::BenefitReview, "驳回"),
            RunStep::Withdraw(_) => (Permission::BenefitPrepare, "撤回"),
        };
        // The role first, then the scope (an out-of-scope run is an unknown one), then state.
        if !role.may(permission) {
            return Err(StoreError::Forbidden(format!("{}无权{verb}发放批次", role.label())));
        }
        let run = self.benefit_run(run_id).await?;
        if !run.scope.starts_with(scope) {
            return Err(StoreError::NotFound);
        }
        let (from, to): (&[RunStatus], RunStatus) = match step {
            RunStep::Review => (&[RunStatus::Draft], RunStatus::Reviewed),
            RunStep::Approve => (&[RunStatus::Reviewed], RunStatus::Approved),
            RunStep::Return(_) => (&[RunStatus::Draft, RunStatus::Reviewed], RunStatus::Draft),
            RunStep::Reject(_) => (&[RunStatus::Draft, RunStatus::Reviewed], RunStatus::Rejected),
            // Only until someone else has acted on it.
            RunStep::Withdraw(_) => (&[RunStatus::Draft], RunStatus::Withdrawn),
        };
        if !from.contains(&run.status) {
            return Err(StoreError::Refused(format!(
                "批次当前状态为“{}”，不能{verb}",
                run.status.label()
            )));
        }
        match step {
            RunStep::Withdraw(_) if run.created_by != user => {
                return Err(StoreError::Refused("只有计算该批次的经办人可以撤回".into()));
            }
            RunStep::Withdraw(_) => {}
            _ if run.created_by == user => {
                return Err(StoreError::Refused(
                    "经办人不能审核、审批、退回或驳回自己计算的批次".into(),
                ));
            }
            _ => {}
        }
        if *step == RunStep::Approve && run.reviewed_by.as_deref() == Some(user) {
            return Err(StoreError::Refused("审批人不能是该批次的审核人".into()));
        }
        let digest = run_digest(&run);
        if seen.is_some_and(|s| s != digest) {
            return Err(StoreError::Refused(
                "批次在您查看之后已重新计算或有变动，请刷新页面重新核对后再办理".into(),
            ));
        }
        let reviewed: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT reviewed_digest FROM benefit_runs WHERE id = $1").bind(run_id).fetch_one(pool).await?);
        if *step == RunStep::Approve && reviewed.as_deref() != Some(digest.as_str()) {
            return Err(StoreError::Refused("审核所签的批次与现在的不一致，须重新审核".into()));
        }
        let note = match step.reason() {
            Some(n) if n.trim().is_empty() => {
                return Err(StoreError::Invalid(vec![yiyang_domain::person::FieldError::new(
                    "note",
                    format!("{verb}须写明原因"),
                )]))
            }
            Some(n) => Some(n.trim().chars().take(500).collect::<String>()),
            None => None,
        };
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = match step {
                RunStep::Review => sqlx::query(
                    "UPDATE benefit_runs SET status = 'reviewed', reviewed_by = $2, reviewed_at = $3, reviewed_digest = $4 \
                     WHERE id = $1 AND status = 'draft'")
                    .bind(run_id).bind(user).bind(at).bind(&digest).execute(&mut *tx).await?.rows_affected(),
                RunStep::Approve => sqlx::query(
                    "UPDATE benefit_runs SET status = 'approved', approved_by = $2, approved_at = $3, approved_digest = $4 \
                     WHERE id = $1 AND status = 'reviewed' AND reviewed_digest = $4")
                    .bind(run_id).bind(user).bind(at).bind(&digest).execute(&mut *tx).await?.rows_affected(),
                RunStep::Return(_) => sqlx::query(
                    "UPDATE benefit_runs SET status = 'draft', reviewed_by = NULL, reviewed_at = NULL, reviewed_digest = NULL \
                     WHERE id = $1 AND status = $2")
                    .bind(run_id).bind(run.status.code()).execute(&mut *tx).await?.rows_affected(),
                RunStep::Reject(_) | RunStep::Withdraw(_) => sqlx::query(
                    "UPDATE benefit_runs SET status = $3 WHERE id = $1 AND status = $2")
                    .bind(run_id).bind(run.status.code()).bind(to.code()).execute(&mut *tx).await?.rows_affected(),
            };
            if n != 1 {
                return Err(StoreError::Conflict);
            }
            let action = step.action();
            if to.is_void() {
                // Nobody's line stays held by a run that will not be paid.
                sqlx::query(
                    "INSERT INTO voided_payment_lines (run_id, person_id, benefit_month, benefit, kind, payee_kind, payee, \
                     county, amount_fen, rule_id, pack_id, pack_version) SELECT run_id, person_id, benefit_month, benefit, \
                     kind, payee_kind, payee, county, amount_fen, rule_id, pack_id, pack_version FROM payment_lines WHERE run_id = $1")
                    .bind(run_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM payment_lines WHERE run_id = $1").bind(run_id).execute(&mut *tx).await?;
            }
            if *step == RunStep::Approve {
                // What is approved is paid to whom it names now: freeze each payee.
                sqlx::query(
                    "INSERT INTO run_payees (run_id, person_id, name, id_number, channel, bank, account_number, holder_name, \
                     holder_id_number) SELECT DISTINCT l.run_id, p.id, p.name, p.id_number, COALESCE(a.channel, ''), \
                     COALESCE(a.bank, ''), COALESCE(a.account_number, ''), COALESCE(a.holder_name, ''), \
                     COALESCE(a.holder_id_number, '') FROM payment_lines l \
                     JOIN persons p ON p.id = l.person_id LEFT JOIN payment_accounts a ON a.person_id = p.id \
                     WHERE l.run_id = $1")
                    .bind(run_id).execute(&mut *tx).await?;
            }
            if let Some(note) = &note {
                sqlx::query("INSERT INTO benefit_run_notes (run_id, action, actor, at, note) VALUES ($1, $2, $3, $4, $5)")
                    .bind(run_id).bind(action).bind(user).bind(at).bind(note).execute(&mut *tx).await?;
            }
            let code = if matches!(step, RunStep::Review | RunStep::Approve) { to.code() } else { action };
            (*tx).append_audit(&self.audit_keys(), &actor.entry(code, "benefit_run", run_id,
                serde_json::json!({"month": run.month, "scope": run.scope, "total_fen": run.total_fen,
                                   "lines": run.lines, "digest": digest, "note": note}))).await?;
            tx.commit().await?;
        });
        self.benefit_run(run_id).await
    }
}
