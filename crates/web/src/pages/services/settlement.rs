//! Monthly settlement pages: statements of the providers of the division, preparing one
//! (经办), reviewing (审核) and approving (审批) it, and the payment file of an approved one.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::role::Permission;
use yiyang_domain::services::settlement::StatementStatus;
use yiyang_store::services::settlement::{payment_workbook, MealLine, Statement, StatementLine};
use yiyang_store::services::Provider;

use super::tabs;
use crate::access::{Can, InScope, ScopedRecord, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

impl ScopedRecord for Statement {
    const READ: Permission = Permission::BenefitRead;
    async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<Self>, AppError> {
        Ok(state.store.statement_in(id, user.scope()).await?)
    }
}

#[derive(Template)]
#[template(path = "services_settlement.html")]
struct ListPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    statements: Vec<Statement>,
    providers: Vec<Provider>,
    last_month: String,
    may_prepare: bool,
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<crate::access::perm::BenefitRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let last = state.clock().month().prev();
    render(&ListPage {
        layout: Layout::new(&state, &user, "政府购买服务月度结算", "services"),
        tabs: tabs(&user, "settlement"),
        message: flash.0,
        statements: state.store.statements_in(user.scope()).await?,
        providers: state
            .store
            .providers_in(user.scope())
            .await?
            .into_iter()
            .filter(|p| p.division.starts_with(user.scope()))
            .collect(),
        last_month: last.to_string(),
        may_prepare: user.may(Permission::BenefitPrepare),
    })
}

#[derive(Deserialize)]
pub struct PrepareForm {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    month: String,
}

pub async fn prepare(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<PrepareForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::BenefitPrepare)?;
    let id: i64 = form.provider.trim().parse().map_err(|_| AppError::NotFound)?;
    let p = state
        .store
        .provider_in(id, user.scope())
        .await?
        .filter(|p| p.division.starts_with(user.scope()))
        .ok_or(AppError::NotFound)?;
    let month = Month::parse(form.month.trim())
        .map_err(|_| AppError::Invalid(vec![yiyang_domain::person::FieldError::new("month", "请选择结算月份")]))?;
    let sid = state
        .store
        .prepare_statement(&p, month, &user.actor("web"), state.clock().now())
        .await?;
    Ok(flashed(format!("/services/settlement/{sid}"), "结算单已生成，请交审核"))
}

#[derive(Template)]
#[template(path = "services_statement.html")]
struct StatementPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    s: Statement,
    lines: Vec<StatementLine>,
    meals: Vec<MealLine>,
    may_review: bool,
    may_approve: bool,
}

impl StatementPage {
    fn unpaid_total(&self) -> String {
        let f: i64 = self
            .lines
            .iter()
            .filter(|l| !l.payable)
            .map(|l| l.order.gov_fen)
            .sum::<i64>()
            + self
                .meals
                .iter()
                .filter(|l| !l.payable)
                .map(|l| l.meal.gov_fen)
                .sum::<i64>();
        yiyang_domain::Fen(f).to_string()
    }
}

pub async fn show(
    InScope { user, item }: InScope<Statement>,
    State(state): State<AppState>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let lines = state.store.statement_lines(&item, user.scope()).await?;
    let meals = state.store.statement_meals(&item).await?;
    render(&StatementPage {
        meals,
        layout: Layout::new(
            &state,
            &user,
            format!("{} {} 结算单", item.provider_name, item.month),
            "services",
        ),
        tabs: tabs(&user, "settlement"),
        message: flash.0,
        may_review: user.may(Permission::BenefitReview) && item.status() == StatementStatus::Prepared,
        may_approve: user.may(Permission::BenefitApprove) && item.status() == StatementStatus::Reviewed,
        s: item,
        lines,
    })
}

#[derive(Deserialize)]
pub struct AdvanceForm {
    #[serde(default)]
    note: String,
}

pub async fn advance(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<AdvanceForm>,
) -> Result<Flashed, AppError> {
    let s = Statement::load(&state, &user, id).await?.ok_or(AppError::NotFound)?;
    let (to, perm_ok) = match step.as_str() {
        "review" => (StatementStatus::Reviewed, user.may(Permission::BenefitReview)),
        "approve" => (StatementStatus::Approved, user.may(Permission::BenefitApprove)),
        "return" => (
            StatementStatus::Returned,
            user.may(Permission::BenefitReview) || user.may(Permission::BenefitApprove),
        ),
        _ => return Err(AppError::NotFound),
    };
    if !perm_ok {
        return Err(AppError::Forbidden);
    }
    state
        .store
        .advance_statement(&s, to, &form.note, &user.actor("web"))
        .await?;
    Ok(flashed(
        format!("/services/settlement/{id}"),
        format!("结算单{}", to.label()),
    ))
}

/// The payment file (.xlsx) of an approved statement.
pub async fn payment(
    InScope { user, item }: InScope<Statement>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    if item.status() != StatementStatus::Approved {
        return Err(AppError::Conflict("结算单审批后才能导出付款文件".into()));
    }
    user.require(Permission::BenefitRead)?;
    let p = state
        .store
        .provider_in(item.provider_id, "")
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = state.store.statement_lines(&item, user.scope()).await?;
    let meals = state.store.statement_meals(&item).await?;
    let name = format!("服务结算付款单-{}-{}.xlsx", p.name, item.month);
    crate::pages::download::audited_xlsx(
        &state,
        &user,
        ("service_statement", item.id, serde_json::json!({"lines": lines.len()})),
        &name,
        payment_workbook(&item, &p, &lines, &meals, &state.store.user_names()),
    )
    .await
}
