//! The audit log, newest first, with the chain's verification on demand.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use yiyang_store::audit::{AuditRecord, Verification};

use super::{render, Layout};
use crate::access::{perm, Can};
use crate::error::AppError;
use crate::AppState;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    page: String,
    #[serde(default)]
    verify: String,
}

pub struct Line {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub channel: String,
    pub action: String,
    /// The action as recorded (shown on hover).
    pub action_code: String,
    pub target: String,
    pub detail: String,
    pub source: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    lines: Vec<Line>,
    page: i64,
    verification: String,
    broken: bool,
    /// The newest signed checkpoint, as published.
    checkpoint: String,
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<perm::AuditRead>,
    Query(p): Query<Params>,
) -> Result<Html<String>, AppError> {
    let page = p.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    // Each level reads what its own accounts (and those under it) did: a county never sees
    // the province's logins and addresses.
    let rows: Vec<AuditRecord> = state
        .store
        .audit_entries_in(user.scope(), PER_PAGE, (page - 1).saturating_mul(PER_PAGE))
        .await?;
    let checkpoint = state
        .store
        .latest_audit_checkpoint()?
        .map(|c| c.line)
        .unwrap_or_default();
    let (verification, broken) = if p.verify == "1" {
        match state.store.verify_audit().await? {
            Verification::Intact { entries } => (format!("校验通过：共 {entries} 条记录，哈希链完整。"), false),
            Verification::Broken { seq, reason } => (format!("校验失败（第 {seq} 条）：{reason}"), true),
        }
    } else {
        (String::new(), false)
    };
    let users = state.store.user_names();
    let reference = state.store.reference();
    let lines = rows
        .into_iter()
        .map(|r| Line {
            seq: r.seq,
            at: crate::pages::local_second(r.at),
            actor: users.of(&r.actor),
            channel: super::labels::channel(&r.channel).to_string(),
            action: super::labels::action(&r.action).to_string(),
            action_code: r.action,
            target: format!(
                "{} {}",
                super::labels::entity(&r.entity),
                if r.entity == "division" {
                    reference.division_path(&r.entity_id)
                } else if users.knows(&r.entity_id) {
                    users.of(&r.entity_id)
                } else {
                    r.entity_id
                }
            ),
            detail: r.detail,
            source: r.source,
            hash: r.hash[..12].to_string(),
        })
        .collect();
    render(&AuditPage {
        layout: Layout::new(&state, &user, "审计日志", "audit"),
        lines,
        page,
        verification,
        broken,
        checkpoint,
    })
}
