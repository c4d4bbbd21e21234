//! 一次性补助: the grants outside the monthly run (construction, facility, staff incentives)
//! waiting for 审核 and 审批, and the payment list of approved ones.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Redirect, Response};
use serde::Deserialize;
use yiyang_domain::role::Permission;
use yiyang_domain::Fen;
use yiyang_store::grants::GrantGroup;

use super::download::{area_name, xlsx_download};
use super::institutions::actor;
use super::{render, Layout};
use crate::access::{NoFields, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
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
    render(&GrantsPage {
        layout: Layout::new(&state, &user, "一次性补助审核与拨付", "grants"),
        groups,
        user: user.session.user.username.clone(),
        can_review: user.may(Permission::BenefitReview),
        can_approve: user.may(Permission::BenefitApprove),
        approved_fen,
    })
}

#[derive(Deserialize)]
pub struct SignForm {
    kind: String,
    owner: i64,
    to: String,
}

pub async fn sign(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<SignForm>,
) -> Result<Redirect, AppError> {
    user.require(Permission::BenefitRead)?;
    let u = &user.session.user;
    state
        .store
        .sign_grants(
            &f.kind,
            f.owner,
            &f.to,
            &u.username,
            u.role,
            user.scope(),
            &actor(&user),
        )
        .await?;
    Ok(Redirect::to("/grants"))
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
