//! Benefit runs: compute a month, review (审核), approve (审批), download the disbursement
//! workbook; a person's month explained; what-if over the register.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::{Fact, MonthProgram, RuleStatus};
use yiyang_domain::role::Permission;
use yiyang_domain::Fen;
use yiyang_store::audit::Actor;
use yiyang_store::benefits::{PackExplanation, RunInfo, RunRequest, RunStatus, RunTotal, StoredLine, WhatIfRow};
use yiyang_store::run_signing::{run_digest, RunNote, RunStep};

use super::people::{person_for, xlsx_download};
use super::{render, Layout};
use crate::access::Submitted;
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

fn actor(user: &CurrentUser) -> Actor {
    user.actor("web")
}

pub fn fen(v: impl std::borrow::Borrow<i64>) -> String {
    Fen(*v.borrow()).to_string()
}

#[derive(Template)]
#[template(path = "benefits.html")]
struct IndexPage {
    layout: Layout,
    runs: Vec<RunInfo>,
    can_prepare: bool,
    computing: bool,
    month: String,
    packs: Vec<(String, String)>,
    message: String,
    /// The form as sent, when it was refused, and why.
    pack: String,
    recompute: bool,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct IndexParams {
    #[serde(default)]
    started: String,
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<perm::BenefitRead>,
    Query(p): Query<IndexParams>,
) -> Result<Html<String>, AppError> {
    let message = if p.started.is_empty() {
        String::new()
    } else {
        format!("{} 的发放批次已开始计算。", p.started)
    };
    let form = ComputeForm {
        month: state.clock().month().to_string(),
        pack: String::new(),
        recompute: String::new(),
    };
    index_page(&state, &user, message, &form, String::new()).await
}

async fn index_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    form: &ComputeForm,
    error: String,
) -> Result<Html<String>, AppError> {
    let runs = state.store.list_benefit_runs(user.scope()).await?;
    let computing = runs.iter().any(|r| r.status == RunStatus::Computing);
    render(&IndexPage {
        layout: Layout::new(state, user, "补贴发放", "benefits"),
        can_prepare: user.may(Permission::BenefitPrepare),
        computing,
        month: form.month.clone(),
        pack: form.pack.clone(),
        recompute: form.recompute == "1",
        error,
        packs: state.packs.iter().map(|p| (p.id.clone(), p.title.clone())).collect(),
        message,
        runs,
    })
}

#[derive(Deserialize)]
pub struct ComputeForm {
    month: String,
    #[serde(default)]
    pack: String,
    #[serde(default)]
    recompute: String,
}

/// Starts the month's run for the user's current scope in the background; the list shows its
/// progress. A refusal (a month that is no month, a month not yet begun, an unknown pack)
/// shows the page again with the form as sent and the reason.
pub async fn compute(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<ComputeForm>,
) -> Result<Response, AppError> {
    match start_run(&state, &user, &f).await {
        Ok(to) => Ok(to.into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_) | AppError::Invalid(_))) => {
            let why = match &e {
                AppError::Invalid(errs) => errs.iter().map(|x| x.message.clone()).collect::<Vec<_>>().join("；"),
                other => other.message(),
            };
            let status = match e {
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::BAD_REQUEST,
            };
            Ok((status, index_page(&state, &user, String::new(), &f, why).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn start_run(state: &AppState, user: &CurrentUser, f: &ComputeForm) -> Result<Redirect, AppError> {
    let packs = state.packs_now().await?;
    user.require(Permission::BenefitPrepare)?;
    let month = Month::parse(&f.month).map_err(|e| AppError::BadRequest(format!("发放月份：{e}")))?;
    if !f.pack.is_empty() && !packs.iter().any(|p| p.id == f.pack) {
        return Err(AppError::BadRequest("没有这个政策包，请从列表中选择".into()));
    }
    let scope = user.scope().to_string();
    let actor = actor(user);
    let store = state.store.clone();
    let packs = packs.clone();
    let pack = (!f.pack.is_empty()).then_some(f.pack.clone());
    let recompute = f.recompute == "1";
    // What can be refused is refused here, in words, before the work is started.
    state
        .store
        .check_run_start(
            &RunRequest {
                pack: pack.as_deref(),
                recompute,
                ..RunRequest::new(month, &scope)
            },
            &packs,
        )
        .await?;
    tokio::spawn(async move {
        let req = RunRequest {
            pack: pack.as_deref(),
            recompute,
            ..RunRequest::new(month, &scope)
        };
        if let Err(e) = store.run_benefits(&req, &packs, &actor, &|_, _| {}).await {
            tracing::error!(error = %e, month = %month, scope, "benefit run failed");
        }
    });
    Ok(Redirect::to(&format!("/benefits?started={month}")))
}

#[derive(Template)]
#[template(path = "benefit_run.html")]
struct RunPage {
    layout: Layout,
    run: RunInfo,
    totals: Vec<RunTotal>,
    benefit_titles: Vec<(String, String)>,
    lines: Vec<StoredLine>,
    more: usize,
    /// (benefit, people) qualifying for a benefit whose figure is not set yet.
    pending: Vec<(String, i64)>,
    /// What a signature is bound to: the run as on this page.
    digest: String,
    notes: Vec<RunNote>,
    /// Payees edited in the register since approval: (person, approved name, name now).
    changed: Vec<(i64, String, String)>,
    can_return: bool,
    message: String,
    can_review: bool,
    can_approve: bool,
    can_export: bool,
}

impl RunPage {
    fn title_of(&self, code: &str) -> String {
        self.benefit_titles
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code.to_string(), |(_, t)| t.clone())
    }
}

async fn run_in_scope(state: &AppState, user: &CurrentUser, id: i64) -> Result<RunInfo, AppError> {
    user.require(Permission::BenefitRead)?;
    let run = state.store.benefit_run(id).await?;
    // A run lists people: only runs inside the user's current scope are visible.
    if !run.scope.starts_with(user.scope()) {
        return Err(AppError::NotFound);
    }
    Ok(run)
}

pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    let run = run_in_scope(&state, &user, id).await?;
    let totals = state.store.run_totals(id).await?;
    let pending = state.store.run_pending_summary(id).await?;
    let notes = state.store.run_notes(id).await?;
    let changed = state.store.payees_changed_since_approval(id).await?;
    let (mut lines, all) = state.store.run_lines_page(id, None, None, 200, 0).await?;
    let more = (all as usize).saturating_sub(lines.len());
    for l in &mut lines {
        l.id_number = yiyang_domain::id_number::mask(&l.id_number);
    }
    let mut benefit_titles: Vec<(String, String)> = Vec::new();
    for p in packs.iter() {
        for b in &p.benefits {
            if !benefit_titles.iter().any(|(c, _)| *c == b.code) {
                benefit_titles.push((b.code.clone(), b.title.clone()));
            }
        }
    }
    render(&RunPage {
        layout: Layout::new(
            &state,
            &user,
            format!("发放批次 {}：{} {}", run.id, run.month, run.scope),
            "benefits",
        ),
        can_return: matches!(run.status, RunStatus::Draft | RunStatus::Reviewed)
            && (user.may(Permission::BenefitReview) || user.may(Permission::BenefitApprove))
            && run.created_by != user.session.user.username,
        digest: run_digest(&run),
        notes,
        changed,
        message: flash.0,
        can_review: run.status == RunStatus::Draft && user.may(Permission::BenefitReview),
        can_approve: run.status == RunStatus::Reviewed && user.may(Permission::BenefitApprove),
        can_export: run.status.is_final() && user.may(Permission::BenefitApprove),
        run,
        totals,
        benefit_titles,
        lines,
        more,
        pending,
    })
}

/// What a signer posts: the digest of the run on the page they checked, the confirmation that
/// they checked its month, scope, people and amount, and, for a return, the reason.
#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    digest: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    note: String,
}

/// 审核, 审批 or 退回 by the signed-in user; the store checks role, scope, who did what
/// before, and that the run is still the one on the signer's page.
async fn sign(state: &AppState, user: &CurrentUser, id: i64, step: RunStep, f: SignForm) -> Result<Flashed, AppError> {
    // A function the role lacks is a 403 before anything about the run or the form is said.
    match step {
        RunStep::Review => user.require(Permission::BenefitReview)?,
        RunStep::Approve => user.require(Permission::BenefitApprove)?,
        RunStep::Return(_) if !user.may(Permission::BenefitReview) => user.require(Permission::BenefitApprove)?,
        RunStep::Return(_) => {}
    }
    run_in_scope(state, user, id).await?;
    if !matches!(step, RunStep::Return(_)) && f.confirm != "1" {
        return Err(AppError::Invalid(vec![yiyang_domain::person::FieldError::new(
            "confirm",
            "请先核对批次的月份、区划、人数和金额，并勾选确认",
        )]));
    }
    let u = &user.session.user;
    let run = state
        .store
        .sign_run(
            id,
            &step,
            Some(f.digest.trim()),
            &u.username,
            u.role,
            user.scope(),
            &actor(user),
        )
        .await?;
    let done = match step {
        RunStep::Review => "已审核通过",
        RunStep::Approve => "已审批通过",
        RunStep::Return(_) => "已退回经办人",
    };
    Ok(flashed(
        format!("/benefits/runs/{id}"),
        format!(
            "{done}：{} {} 合计 {}",
            run.month,
            run.scope,
            yiyang_domain::Fen(run.total_fen)
        ),
    ))
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<SignForm>,
) -> Result<Flashed, AppError> {
    sign(&state, &user, id, RunStep::Review, form).await
}

pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<SignForm>,
) -> Result<Flashed, AppError> {
    sign(&state, &user, id, RunStep::Approve, form).await
}

pub async fn send_back(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<SignForm>,
) -> Result<Flashed, AppError> {
    let note = form.note.clone();
    sign(&state, &user, id, RunStep::Return(note), form).await
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let run = run_in_scope(&state, &user, id).await?;
    let u = &user.session.user;
    let bytes = state
        .store
        .export_workbook(id, &u.username, u.role, user.scope(), &actor(&user))
        .await?;
    Ok(xlsx_download(
        &format!("发放明细_{}_{}_{}.xlsx", run.month, run.scope, run.id),
        bytes,
    ))
}

pub struct TraceView {
    pub title: String,
    pub status: String,
    pub paid: bool,
    pub condition: String,
    pub condition_words: String,
    pub facts: String,
    pub clause: String,
}

pub struct BenefitView {
    pub title: String,
    pub amount: String,
    pub paid: bool,
    pub rules: Vec<TraceView>,
}

#[derive(Template)]
#[template(path = "person_benefits.html")]
struct PersonMonthPage {
    layout: Layout,
    person_id: i64,
    name: String,
    id_masked: String,
    month: String,
    pack: String,
    facts: Vec<(String, String)>,
    dead_note: String,
    sections: Vec<(String, Vec<BenefitView>)>,
    lines: Vec<StoredLine>,
}

#[derive(Deserialize, Default)]
pub struct MonthParam {
    #[serde(default)]
    month: String,
}

pub async fn person_month(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<MonthParam>,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    person_for(&state, &user, Permission::PersonRead, id).await?;
    let month_s = if q.month.is_empty() {
        state.clock().month().to_string()
    } else {
        q.month.clone()
    };
    let month = Month::parse(&month_s).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let pm = state.store.person_month(id, month, &packs).await?;
    let facts = pm
        .own
        .as_ref()
        .or(pm.institution.as_ref())
        .map_or_else(Vec::new, |e| fact_rows(&e.facts));
    let mut sections = Vec::new();
    if let Some(e) = &pm.own {
        sections.push(("发给本人的待遇".to_string(), benefit_views(e)));
    }
    if let Some(e) = &pm.institution {
        sections.push((
            format!(
                "按入住人数发给养老机构 {} 的补贴（{}）",
                e.institution.as_deref().unwrap_or(""),
                e.program.pack.title
            ),
            benefit_views(e),
        ));
    }
    let pack = pm.own.as_ref().map_or("没有适用于其户籍地的政策包".to_string(), |e| {
        let p = e.program.pack;
        format!("{}（{}，{} 版）", p.title, p.document, p.version)
    });
    let dead_note = if pm.payable {
        String::new()
    } else {
        format!(
            "已于 {} 去世：自去世次月起停发。",
            pm.person.death_date.map(|d| d.to_string()).unwrap_or_default()
        )
    };
    let mut lines = pm.lines.clone();
    for l in &mut lines {
        l.id_number = yiyang_domain::id_number::mask(&l.id_number);
    }
    render(&PersonMonthPage {
        layout: Layout::new(
            &state,
            &user,
            format!("{} 的待遇说明（{}）", pm.person.name, month),
            "people",
        ),
        person_id: id,
        name: pm.person.name.clone(),
        id_masked: yiyang_domain::id_number::mask(&pm.person.id_number),
        month: month_s,
        pack,
        facts,
        dead_note,
        sections,
        lines,
    })
}

/// The facts a month was computed with, as (label, value) rows.
fn fact_rows(f: &yiyang_domain::policy::Facts) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    for fact in [
        Fact::Age,
        Fact::CapabilityLevel,
        Fact::Tier,
        Fact::Hukou,
        Fact::Residence,
    ] {
        facts.push((fact.label().to_string(), f.display(fact)));
    }
    for fact in Fact::all().filter(|f| matches!(f, Fact::Flag(_))) {
        if f.value(fact) != 0 {
            facts.push((fact.label().to_string(), "是".into()));
        }
    }
    facts
}

/// Each benefit of one pack's part with every rule's outcome, in words.
fn benefit_views(e: &PackExplanation<'_>) -> Vec<BenefitView> {
    let pack = e.program.pack;
    e.traces
        .iter()
        .map(|b| BenefitView {
            title: pack.benefits[b.benefit].title.clone(),
            amount: Fen(b.paid.amount).to_string(),
            paid: b.paid.amount > 0,
            rules: b
                .rules
                .iter()
                .map(|t| {
                    let r = &pack.rules[t.rule];
                    TraceView {
                        title: r.title.clone(),
                        paid: t.status == RuleStatus::Paid,
                        status: t.status.describe(t.amount),
                        condition: r.when_src.clone(),
                        condition_words: yiyang_domain::policy::words::condition_in_words(&r.when_src, |n| {
                            pack.params.iter().find(|p| p.name == n).map(|p| p.label.clone())
                        }),
                        facts: t
                            .facts
                            .iter()
                            .map(|(_, l, v)| format!("{l}：{v}"))
                            .collect::<Vec<_>>()
                            .join("；"),
                        clause: r.clause.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "what_if.html")]
struct WhatIfPage {
    layout: Layout,
    packs: Vec<(String, String)>,
    params: Vec<(String, String, String)>,
    pack: String,
    param: String,
    value: String,
    month: String,
    rows: Vec<WhatIfRow>,
    total: WhatIfRow,
    error: String,
    ran: bool,
}

#[derive(Deserialize, Default)]
pub struct WhatIfParams {
    #[serde(default)]
    pack: String,
    #[serde(default)]
    param: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    month: String,
}

/// Change one parameter and see the monthly cost and the people affected, by county, over
/// the register in scope. Nothing is stored.
pub async fn what_if(
    State(state): State<AppState>,
    user: Can<perm::BenefitRead>,
    Query(q): Query<WhatIfParams>,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    // By default the most specific pack covering the user's scope (or the first one).
    let pack_id = if q.pack.is_empty() {
        let scope = yiyang_domain::DivisionCode::from_canonical(user.scope().to_string());
        state
            .packs
            .iter()
            .filter(|p| {
                p.jurisdiction
                    .as_ref()
                    .is_some_and(|j| j.contains(&scope) || scope.contains(j))
            })
            .max_by_key(|p| p.jurisdiction.as_ref().map_or(0, |j| j.as_str().len()))
            .or(packs.first())
            .map(|p| p.id.clone())
            .unwrap_or_default()
    } else {
        q.pack.clone()
    };
    let month_s = if q.month.is_empty() {
        state.clock().month().to_string()
    } else {
        q.month.clone()
    };
    let base = packs.iter().find(|p| p.id == pack_id).ok_or(AppError::NotFound)?;
    let month = Month::parse(&month_s).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let params = base
        .params
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.label.clone(),
                p.display_value(p.value_on(month.first_day())),
            )
        })
        .collect();
    let (mut rows, mut error, mut ran) = (Vec::new(), String::new(), false);
    if !q.param.is_empty() && !q.value.is_empty() {
        match yiyang_domain::policy::pack::with_change(base, month, &q.param, &q.value) {
            Ok(changed) => {
                let (before, after) = (MonthProgram::new(base, month), MonthProgram::new(&changed, month));
                rows = state.store.what_if(user.scope(), month, &before, &after).await?;
                ran = true;
            }
            Err(e) => error = e,
        }
    }
    let total = rows.iter().fold(
        WhatIfRow {
            county: "合计".into(),
            ..WhatIfRow::default()
        },
        |mut t, r| {
            t.affected += r.affected;
            t.before_fen += r.before_fen;
            t.after_fen += r.after_fen;
            t
        },
    );
    render(&WhatIfPage {
        layout: Layout::new(&state, &user, "政策测算（假设调整）", "benefits"),
        packs: state.packs.iter().map(|p| (p.id.clone(), p.title.clone())).collect(),
        params,
        pack: pack_id,
        param: q.param,
        value: q.value,
        month: month_s,
        rows,
        total,
        error,
        ran,
    })
}
