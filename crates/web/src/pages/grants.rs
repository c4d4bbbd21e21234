//! 一次性补助: the grants outside the monthly run (construction, facility, staff incentives)
//! waiting for 审核 and 审批, and the payment list of approved ones.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use yiyang_domain::role::Permission;
use yiyang_domain::Fen;
use yiyang_store::grants::items::{GrantItem, GrantPayee, ReturnedGrant, Settle};
use yiyang_store::grants::{kind_label, GrantGroup};

use super::download::{area_name, xlsx_download};
use super::institutions::actor;
use super::{render, Layout};
use crate::access::{NoFields, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

#[derive(Template)]
#[template(path = "grants.html")]
struct GrantsPage {
    layout: Layout,
    groups: Vec<GrantGroup>,
    user: String,
    can_review: bool,
    can_approve: bool,
    approved_fen: i64,
    /// Each group's area by name, in the order of `groups`.
    areas: Vec<String>,
}

impl GrantsPage {
    fn yuan(&self, fen: &i64) -> String {
        Fen(*fen).to_string()
    }
    /// Whether the signed-in user may take the next step on this group.
    fn may_sign(&self, g: &GrantGroup) -> bool {
        let own = g.prepared_by == self.user || g.reviewed_by.as_deref() == Some(self.user.as_str());
        !own && ((g.status == "prepared" && self.can_review) || (g.status == "reviewed" && self.can_approve))
    }
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::BenefitRead)?;
    let groups = state.store.grant_groups(user.scope()).await?;
    let approved_fen = groups
        .iter()
        .filter(|g| g.status == "approved")
        .map(|g| g.amount_fen)
        .sum();
    let r = state.store.reference();
    let areas = groups.iter().map(|g| r.division_path(&g.division)).collect();
    render(&GrantsPage {
        areas,
        layout: Layout::new(&state, &user, "一次性补助审核与拨付", "grants"),
        groups,
        user: user.session.user.username.clone(),
        can_review: user.may(Permission::BenefitReview),
        can_approve: user.may(Permission::BenefitApprove),
        approved_fen,
    })
}

#[derive(Template)]
#[template(path = "grants_group.html")]
struct GroupPage {
    layout: Layout,
    kind: String,
    kind_label: &'static str,
    owner: i64,
    payee: GrantPayee,
    area: String,
    items: Vec<GrantItem>,
    returned: Vec<ReturnedGrant>,
    /// The step the user may take now: ("reviewed" | "approved", its verb, the group's digest,
    /// items waiting, their sum).
    step: Option<(&'static str, &'static str, String, usize, i64)>,
    /// The clerk's own grants not yet reviewed, which they may withdraw: (digest, items, sum).
    withdraw: Option<(String, usize, i64)>,
    message: String,
}

impl GroupPage {
    fn yuan(&self, fen: &i64) -> String {
        Fen(*fen).to_string()
    }
    fn when(&self, i: &GrantItem) -> String {
        super::local_minute(i.granted_at)
    }
    fn returned_when(&self, r: &ReturnedGrant) -> String {
        super::local_minute(r.returned_at)
    }
    /// The status the step's grants wait at.
    fn from(&self, to: &str) -> &'static str {
        if to == "approved" {
            "reviewed"
        } else {
            "prepared"
        }
    }
}

/// One group opened: its items, and the step the user may take on what waits, after a tick
/// that repeats payee, items and amount.
pub async fn group(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((kind, owner)): Path<(String, i64)>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    user.require(Permission::BenefitRead)?;
    let (payee, items) = state.store.grant_items(&kind, owner, user.scope()).await?;
    let me = user.session.user.username.as_str();
    let mut step = None;
    for (from, to, verb, permission) in [
        ("prepared", "reviewed", "审核", Permission::BenefitReview),
        ("reviewed", "approved", "审批", Permission::BenefitApprove),
    ] {
        let waiting: Vec<&GrantItem> = items.iter().filter(|i| i.status == from).collect();
        let theirs = waiting.iter().any(|i| i.granted_by != me);
        if user.may(permission) && theirs {
            let digest = state.store.grant_digest(&kind, owner, from).await?;
            step = Some((
                to,
                verb,
                digest,
                waiting.len(),
                waiting.iter().map(|i| i.amount_fen).sum(),
            ));
        }
    }
    // 撤回: the clerk's own grants not yet reviewed.
    let mine: Vec<&GrantItem> = items
        .iter()
        .filter(|i| i.status == "prepared" && i.granted_by == me)
        .collect();
    let withdraw = if user.may(Permission::BenefitPrepare) && !mine.is_empty() {
        let digest = state.store.grant_digest(&kind, owner, "prepared").await?;
        Some((digest, mine.len(), mine.iter().map(|i| i.amount_fen).sum()))
    } else {
        None
    };
    let returned = state.store.returned_grants(&kind, owner).await?;
    render(&GroupPage {
        returned,
        withdraw,
        layout: Layout::new(
            &state,
            &user,
            format!("{}：{}", payee.name, kind_label(&kind)),
            "grants",
        ),
        kind_label: kind_label(&kind),
        area: state.store.reference().division_path(&payee.division),
        kind,
        owner,
        payee,
        items,
        step,
        message: flash.0,
    })
}

#[derive(Deserialize)]
pub struct ReturnForm {
    kind: String,
    owner: i64,
    from: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    note: String,
    /// `return` (the default), `reject` or `withdraw`.
    #[serde(default)]
    how: String,
}

/// 退回 or 驳回 by a reviewer or approver, 撤回 by the clerk, with the reason: returned and
/// withdrawn grants can be granted again once corrected; rejected ones are not paid and not
/// proposed again.
pub async fn send_back(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<ReturnForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::BenefitRead)?;
    let u = &user.session.user;
    let how = match f.how.as_str() {
        "" => Settle::Return,
        code => Settle::parse(code).ok_or_else(|| AppError::BadRequest("未知的办理方式".into()))?,
    };
    let n = state
        .store
        .settle_grants(
            &f.kind,
            f.owner,
            how,
            &f.from,
            f.digest.trim(),
            &f.note,
            &u.username,
            u.role,
            user.scope(),
            &actor(&user),
        )
        .await?;
    let done = match how {
        Settle::Return => format!("已退回经办人：{n} 项，可更正后重新核定"),
        Settle::Withdraw => format!("已撤回：{n} 项，可更正后重新核定"),
        Settle::Reject => format!("已驳回：{n} 项，不予补助"),
    };
    Ok(flashed(format!("/grants/{}/{}", f.kind, f.owner), done))
}

#[derive(Deserialize)]
pub struct SignForm {
    kind: String,
    owner: i64,
    to: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    confirm: String,
}

pub async fn sign(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<SignForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::BenefitRead)?;
    // The payee in scope first: an unknown or out-of-scope group is a 404 before the form.
    let (payee, _) = state.store.grant_items(&f.kind, f.owner, user.scope()).await?;
    if f.confirm != "1" {
        return Err(AppError::Invalid(vec![yiyang_domain::person::FieldError::new(
            "confirm",
            "请先在明细页核对收款单位、项数和金额，并勾选确认",
        )]));
    }
    let u = &user.session.user;
    let n = state
        .store
        .sign_grants(
            &f.kind,
            f.owner,
            &f.to,
            f.digest.trim(),
            &u.username,
            u.role,
            user.scope(),
            &actor(&user),
        )
        .await?;
    let verb = if f.to == "approved" { "审批" } else { "审核" };
    Ok(flashed(
        format!("/grants/{}/{}", f.kind, f.owner),
        format!("已{verb}通过：{} {}，{n} 项", payee.name, kind_label(&f.kind)),
    ))
}

/// Exporting marks the grants as paid out, so it is a POST with the form's CSRF token.
pub async fn export(
    State(state): State<AppState>,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Response, AppError> {
    user.require(Permission::BenefitRead)?;
    let u = &user.session.user;
    let bytes = state
        .store
        .export_grants(user.scope(), &u.username, u.role, &actor(&user))
        .await?;
    let day = state.clock().today();
    Ok(xlsx_download(
        &format!("补助拨付清单_{}_{day}.xlsx", area_name(&state, user.scope())),
        bytes,
    ))
}
