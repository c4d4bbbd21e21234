//! Benefit runs: compute a month, review (审核), approve (审批), download the disbursement
//! workbook. A person's month explained and what-if over the register are in `explain`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::role::Permission;
use yiyang_domain::Fen;
use yiyang_store::audit::Actor;
use yiyang_store::benefits::counties::CountyStart;
use yiyang_store::benefits::run_signing::{run_digest, RunNote, RunStep};
use yiyang_store::benefits::{RunInfo, RunRequest, RunStatus, RunTotal, StoredLine};

use super::download::{area_name, xlsx_download};
use super::{render, Layout};
use crate::access::Submitted;
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

mod explain;
pub use explain::*;

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
    /// For a city's or the province's staff, the paying counties of their area (code, name):
    /// one run each, started together or one at a time.
    counties: Vec<(String, String)>,
    county: String,
    /// A township's or village's staff: their county prepares the runs.
    below_county: bool,
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<perm::BenefitRead>,
    Flash(message): Flash,
) -> Result<Html<String>, AppError> {
    let form = ComputeForm {
        month: state.clock().month().to_string(),
        county: String::new(),
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
    let counties = if user.scope().len() < 6 {
        let codes = state.store.paying_counties(user.scope()).await?;
        let r = state.store.reference();
        codes
            .into_iter()
            .map(|c| {
                let name = r.division_name(&c).unwrap_or_default().to_string();
                (c, name)
            })
            .collect()
    } else {
        Vec::new()
    };
    render(&IndexPage {
        counties,
        county: form.county.clone(),
        below_county: user.scope().len() > 6,
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
    /// One county of the user's area; empty: every county in it.
    #[serde(default)]
    county: String,
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

/// Starts `month`'s runs: of `county` when one is named (inside `scope`), else of every paying
/// county in `scope` (one run each; a county user's scope is their county). What can be
/// refused is refused here, in words, before the work is spawned; the runs that may start are
/// computed one after another in the background (the page and the API both start runs this
/// way). Answers each county with why it did not start, if it did not; an error when none did.
pub(crate) async fn start_in_background(
    state: &AppState,
    month: Month,
    scope: &str,
    county: Option<&str>,
    pack: Option<String>,
    recompute: bool,
    actor: Actor,
) -> Result<Vec<CountyStart>, AppError> {
    let packs = state.packs_now().await?;
    if pack.as_deref().is_some_and(|p| !packs.iter().any(|x| x.id == p)) {
        return Err(AppError::BadRequest("没有这个政策包，请从列表中选择".into()));
    }
    let request = RunRequest {
        pack: pack.as_deref(),
        recompute,
        ..RunRequest::new(month, scope)
    };
    let starts = match county {
        // A county outside the scope is answered as one that does not exist.
        Some(c) if c.len() != 6 || !c.starts_with(scope) || state.store.reference().division_name(c).is_none() => {
            return Err(AppError::BadRequest("没有这个区县，请从列表中选择".into()));
        }
        Some(c) => state.store.check_county_starts(c, &request, &packs).await?,
        None => state.store.check_county_starts(scope, &request, &packs).await?,
    };
    let go: Vec<String> = starts
        .iter()
        .filter(|s| s.refused.is_none())
        .map(|s| s.county.clone())
        .collect();
    if go.is_empty() {
        let why: Vec<String> = starts
            .iter()
            .map(|s| {
                let reason = s.refused.clone().unwrap_or_default();
                if starts.len() == 1 {
                    reason
                } else {
                    format!("{}：{reason}", state.store.reference().division_path(&s.county))
                }
            })
            .collect();
        return Err(AppError::Conflict(why.join("；")));
    }
    let store = state.store.clone();
    tokio::spawn(async move {
        for county in go {
            let req = RunRequest {
                pack: pack.as_deref(),
                recompute,
                ..RunRequest::new(month, &county)
            };
            if let Err(e) = store.run_benefits(&req, &packs, &actor, &|_, _| {}).await {
                tracing::error!(error = %e, month = %month, county, "benefit run failed");
            }
        }
    });
    Ok(starts)
}

async fn start_run(state: &AppState, user: &CurrentUser, f: &ComputeForm) -> Result<Flashed, AppError> {
    user.require(Permission::BenefitPrepare)?;
    let month = Month::parse(&f.month).map_err(|e| AppError::BadRequest(format!("发放月份：{e}")))?;
    let pack = (!f.pack.is_empty()).then_some(f.pack.clone());
    let county = (!f.county.is_empty()).then_some(f.county.as_str());
    let starts = start_in_background(
        state,
        month,
        user.scope(),
        county,
        pack,
        f.recompute == "1",
        actor(user),
    )
    .await?;
    Ok(flashed("/benefits", started_message(state, month, &starts)))
}

/// "2026-11 的发放批次已开始计算" for one county; for several, how many started and the
/// first that did not, with why.
fn started_message(state: &AppState, month: Month, starts: &[CountyStart]) -> String {
    let started = starts.iter().filter(|s| s.refused.is_none()).count();
    if starts.len() == 1 {
        return format!("{month} 的发放批次已开始计算。");
    }
    let mut msg = format!("{month} 已为 {started} 个区县分别开始计算发放批次。");
    let refused: Vec<&CountyStart> = starts.iter().filter(|s| s.refused.is_some()).collect();
    if let Some(first) = refused.first() {
        msg.push_str(&format!(
            "{} 个区县未开始，如{}：{}",
            refused.len(),
            state.store.reference().division_name(&first.county).unwrap_or("该区县"),
            first.refused.as_deref().unwrap_or_default()
        ));
    }
    msg
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
    /// What the bank's file pays, and what it cannot for want of an account.
    bank: yiyang_store::benefits::BankFigures,
    /// Held (暂停): (reason, people, lines, fen), and the first lines with names.
    held_summary: Vec<(String, i64, i64, i64)>,
    held: Vec<yiyang_store::benefits::hold::HeldLine>,
    can_return: bool,
    /// 驳回: the same people as may return it.
    can_reject: bool,
    /// 撤回: the preparer, before approval.
    can_withdraw: bool,
    /// The run's area by name.
    area: String,
    message: String,
    can_review: bool,
    can_approve: bool,
    can_export: bool,
}

impl RunPage {
    fn reason_label(&self, code: &str) -> &'static str {
        yiyang_domain::benefits::hold::HoldReason::parse(code).map_or("暂停", |r| r.label())
    }

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
    let bank = state.store.bank_figures(id).await?;
    let held_summary = state.store.run_held_summary(id).await?;
    let mut held = state.store.run_held(id, 200).await?;
    for h in &mut held {
        h.id_number = yiyang_domain::id_number::mask(&h.id_number);
    }
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
            format!("发放批次 {}：{} {}", run.id, run.month, area_name(&state, &run.scope)),
            "benefits",
        ),
        can_return: run.status.awaits_signature()
            && (user.may(Permission::BenefitReview) || user.may(Permission::BenefitApprove))
            && run.created_by != user.session.user.username,
        can_reject: run.status.awaits_signature()
            && (user.may(Permission::BenefitReview) || user.may(Permission::BenefitApprove))
            && run.created_by != user.session.user.username,
        can_withdraw: run.status == RunStatus::Draft
            && user.may(Permission::BenefitPrepare)
            && run.created_by == user.session.user.username,
        area: area_name(&state, &run.scope),
        digest: run_digest(&run),
        notes,
        changed,
        bank,
        held_summary,
        held,
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
        RunStep::Return(_) | RunStep::Reject(_) if !user.may(Permission::BenefitReview) => {
            user.require(Permission::BenefitApprove)?
        }
        RunStep::Return(_) | RunStep::Reject(_) => {}
        RunStep::Withdraw(_) => user.require(Permission::BenefitPrepare)?,
    }
    run_in_scope(state, user, id).await?;
    // Every step but a return ends with the run as it stands: the signer confirms month, area,
    // people and amount (a rejection or withdrawal ends the run unpaid).
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
        RunStep::Reject(_) => "已驳回，本批次不予发放",
        RunStep::Withdraw(_) => "已撤回，本批次不予发放，可重新计算该月",
    };
    Ok(flashed(
        format!("/benefits/runs/{id}"),
        format!(
            "{done}：{} {} 合计 {}",
            run.month,
            area_name(state, &run.scope),
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

/// 驳回 by a reviewer or approver: the run ends unpaid.
pub async fn reject(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<SignForm>,
) -> Result<Flashed, AppError> {
    let note = form.note.clone();
    sign(&state, &user, id, RunStep::Reject(note), form).await
}

/// 撤回 by the preparer: the run ends unpaid and the month can be computed again.
pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<SignForm>,
) -> Result<Flashed, AppError> {
    let note = form.note.clone();
    sign(&state, &user, id, RunStep::Withdraw(note), form).await
}

/// A run's file as people name it: 银行代发_2026-10_会昌县_7.csv.
fn file_name(state: &AppState, run: &RunInfo, what: &str, ext: &str) -> String {
    format!("{what}_{}_{}_{}.{ext}", run.month, area_name(state, &run.scope), run.id)
}

fn csv_download(name: &str, bytes: Vec<u8>) -> Response {
    crate::pages::download::download(name, "text/csv; charset=utf-8", bytes)
}

/// The bank's file (代发文件) of an approved run: a fixed-format CSV under a control record.
pub async fn bank_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let run = run_in_scope(&state, &user, id).await?;
    let u = &user.session.user;
    let file = state
        .store
        .export_bank_file(id, &u.username, u.role, user.scope(), &actor(&user))
        .await?;
    Ok(csv_download(&file_name(&state, &run, "银行代发", "csv"), file.bytes))
}

/// The lines of an approved run the bank cannot pay for want of an account (缺少账户清单).
pub async fn missing_accounts(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let run = run_in_scope(&state, &user, id).await?;
    let u = &user.session.user;
    let bytes = state
        .store
        .missing_accounts_file(id, u.role, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .audit(&actor(&user).entry(
            "export",
            "benefit_run",
            id,
            serde_json::json!({"file": "missing_accounts"}),
        ))
        .await?;
    Ok(csv_download(&file_name(&state, &run, "缺少账户清单", "csv"), bytes))
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
    Ok(xlsx_download(&file_name(&state, &run, "发放明细", "xlsx"), bytes))
}
