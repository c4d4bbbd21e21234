//! 本地标准: the figures a county or city sets where its superior's document leaves them open.
//! The clerk (经办) proposes one from a local document; a reviewer (审核) and an approver (审批)
//! pass or return it; runs use it from its date once approved.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;
use yiyang_domain::policy::local_figures::LocalFigure;
use yiyang_domain::policy::pack::{parse_yuan, ParamKind};
use yiyang_domain::role::Permission;
use yiyang_store::benefits::local_figures::{FigureRow, FigureStatus, FigureStep};

use super::{render, Layout};
use crate::access::{perm, Can, Submitted};
use crate::error::AppError;
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

/// A parameter a user may set: (value for the picker, pack title, parameter label, unit).
pub struct OpenParam {
    pub key: String,
    pub pack: String,
    pub label: String,
    pub unit: String,
}

pub struct Row {
    pub id: i64,
    pub pack: String,
    pub label: String,
    pub value: String,
    pub from: String,
    pub document: String,
    pub demo: bool,
    pub status: FigureStatus,
    pub prepared_by: String,
    pub reviewed_by: String,
    pub approved_by: String,
    pub return_note: String,
    pub can_review: bool,
    pub can_approve: bool,
    pub can_return: bool,
    pub can_withdraw: bool,
}

#[derive(Template)]
#[template(path = "local_figures.html")]
struct Page {
    layout: Layout,
    open: Vec<OpenParam>,
    rows: Vec<Row>,
    can_prepare: bool,
    message: String,
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<perm::BenefitRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let packs = state.packs.clone();
    let scope = user.scope().to_string();
    let mine: Vec<_> = packs
        .iter()
        .filter(|p| p.jurisdiction.as_ref().is_some_and(|j| j.as_str().starts_with(&scope)))
        .collect();
    let open = mine
        .iter()
        .flat_map(|p| {
            p.params.iter().filter(|x| x.basis.left_open()).map(|x| OpenParam {
                key: format!("{}|{}", p.id, x.name),
                pack: p.title.clone(),
                label: x.label.clone(),
                unit: match x.kind {
                    ParamKind::Money => "元".into(),
                    ParamKind::Number => x.unit.clone().unwrap_or_default(),
                },
            })
        })
        .collect();
    let me = user.session.user.username.clone();
    let rows = state
        .store
        .local_figures_in(&scope)
        .await?
        .into_iter()
        .map(|f| row(&packs, f, &user, &me))
        .collect();
    render(&Page {
        layout: Layout::new(&state, &user, "本地标准", "policy"),
        open,
        rows,
        can_prepare: user.may(Permission::BenefitPrepare),
        message: flash.0,
    })
}

fn row(packs: &[yiyang_domain::policy::Pack], f: FigureRow, user: &crate::auth::CurrentUser, me: &str) -> Row {
    let pack = packs.iter().find(|p| p.id == f.pack);
    let param = pack.and_then(|p| p.param(&f.param));
    let value = match param {
        Some(p) => p.display_value(f.value),
        None => f.value.to_string(),
    };
    let waiting = matches!(f.status, FigureStatus::Prepared | FigureStatus::Reviewed);
    Row {
        id: f.id,
        pack: pack.map_or(f.pack.clone(), |p| p.title.clone()),
        label: param.map_or(f.param.clone(), |p| p.label.clone()),
        value,
        from: f.from.to_string(),
        document: f.document.clone(),
        demo: f.demo,
        can_review: f.status == FigureStatus::Prepared && user.may(Permission::BenefitReview) && f.prepared_by != me,
        can_approve: f.status == FigureStatus::Reviewed
            && user.may(Permission::BenefitApprove)
            && f.prepared_by != me
            && f.reviewed_by.as_deref() != Some(me),
        can_return: waiting && (user.may(Permission::BenefitReview) || user.may(Permission::BenefitApprove)),
        can_withdraw: f.prepared_by == me && f.status != FigureStatus::Approved && f.status != FigureStatus::Withdrawn,
        status: f.status,
        prepared_by: f.prepared_by,
        reviewed_by: f.reviewed_by.unwrap_or_default(),
        approved_by: f.approved_by.unwrap_or_default(),
        return_note: f.return_note.unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct ProposeForm {
    #[serde(default)]
    param: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    quote: String,
}

pub async fn propose(
    State(state): State<AppState>,
    _: Can<perm::BenefitPrepare>,
    Submitted { user, form: f }: Submitted<ProposeForm>,
) -> Result<Flashed, AppError> {
    let bad = |m: &str| AppError::Invalid(vec![yiyang_domain::person::FieldError::new("value", m.to_string())]);
    let (pack_id, param) = f.param.split_once('|').ok_or_else(|| bad("请选择要设定的标准"))?;
    let packs = state.packs.clone();
    let kind = packs
        .iter()
        .find(|p| p.id == pack_id)
        .and_then(|p| p.param(param))
        .map(|p| p.kind)
        .ok_or_else(|| bad("请选择要设定的标准"))?;
    let value = match kind {
        ParamKind::Money => parse_yuan(f.value.trim()).ok_or_else(|| bad("金额应为元，如 50 或 37.50"))?,
        ParamKind::Number => f.value.trim().parse::<i64>().map_err(|_| bad("应为整数"))?,
    };
    let from = f
        .from
        .trim()
        .parse()
        .map_err(|_| bad("起始日期应为 2025-01-01 这样的日期"))?;
    let quote = f.quote.trim();
    let too_long: Vec<_> = [
        yiyang_domain::text::too_long("document", "文件", &f.document, yiyang_domain::text::NAME_MAX * 2),
        yiyang_domain::text::too_long("quote", "原文", quote, yiyang_domain::text::NOTE_MAX * 4),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !too_long.is_empty() {
        return Err(AppError::Invalid(too_long));
    }
    let figure = LocalFigure {
        pack: pack_id.to_string(),
        param: param.to_string(),
        value,
        from,
        document: f.document.trim().to_string(),
        quote: (!quote.is_empty()).then(|| quote.to_string()),
        demo: false,
    };
    state
        .store
        .propose_local_figure(&figure, &packs, user.role(), user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed("/local-figures", "已提交，待审核"))
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    note: String,
}

async fn step(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    id: i64,
    step: FigureStep,
) -> Result<Flashed, AppError> {
    let to = state
        .store
        .sign_local_figure(
            id,
            &step,
            &user.session.user.username,
            user.role(),
            user.scope(),
            &user.actor("web"),
        )
        .await?;
    Ok(flashed("/local-figures", format!("已办理：{}", to.label())))
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, .. }: Submitted<StepForm>,
) -> Result<Flashed, AppError> {
    step(&state, &user, id, FigureStep::Review).await
}

pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, .. }: Submitted<StepForm>,
) -> Result<Flashed, AppError> {
    step(&state, &user, id, FigureStep::Approve).await
}

pub async fn send_back(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<StepForm>,
) -> Result<Flashed, AppError> {
    step(&state, &user, id, FigureStep::Return(form.note)).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, .. }: Submitted<StepForm>,
) -> Result<Redirect, AppError> {
    step(&state, &user, id, FigureStep::Withdraw).await?;
    Ok(Redirect::to("/local-figures"))
}
