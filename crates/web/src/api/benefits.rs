//! `/api/v1/benefit-runs` and `/api/v1/people/{id}/benefits`: the monthly run over JSON — start
//! a month, follow it, read its totals and lines, review and approve it (by two different
//! people in their roles), and a person's month explained rule by rule. Same checks as the
//! pages: scope, roles, and masked ID numbers unless the role may see them in full (then the
//! read is audited).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yiyang_domain::dates::Month;
use yiyang_domain::role::Permission;
use yiyang_store::benefits::{PackExplanation, RunInfo, StoredLine};

use super::ApiError;
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// A run and where it stands.
#[derive(Serialize, ToSchema)]
pub struct Run {
    pub id: i64,
    /// `YYYY-MM`
    pub month: String,
    /// The division prefix the run covers.
    pub scope: String,
    /// A pack id, or `auto` (each person's most specific pack).
    pub pack: String,
    /// `computing`, `draft`, `reviewed`, `approved`, `exported`, `rejected` or `withdrawn`.
    pub status: String,
    pub status_label: String,
    pub persons: i64,
    pub lines: i64,
    /// Sum of all lines in fen (recoveries are negative).
    pub total_fen: i64,
    /// Lines another run already held (not paid twice).
    pub skipped: i64,
    /// People who qualify for a benefit whose figure is not set yet (待定): listed, not paid.
    pub pending: i64,
    /// What a review or approval signs: pass it back as `?digest=` so that a run recomputed
    /// since is refused rather than signed.
    pub digest: String,
    pub created_by: String,
    pub created_at: String,
    pub computed_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub approved_by: Option<String>,
    pub exported_by: Option<String>,
}

impl From<RunInfo> for Run {
    fn from(r: RunInfo) -> Run {
        let digest = yiyang_store::benefits::run_signing::run_digest(&r);
        Run {
            digest,
            id: r.id,
            status: r.status.code().into(),
            status_label: r.status.label().into(),
            month: r.month,
            scope: r.scope,
            pack: r.pack,
            persons: r.persons,
            lines: r.lines,
            total_fen: r.total_fen,
            skipped: r.skipped,
            pending: r.pending,
            created_by: r.created_by,
            created_at: r.created_at.to_rfc3339(),
            computed_at: r.computed_at.map(|t| t.to_rfc3339()),
            reviewed_by: r.reviewed_by,
            approved_by: r.approved_by,
            exported_by: r.exported_by,
        }
    }
}

/// Totals of one county, benefit and kind.
#[derive(Serialize, ToSchema)]
pub struct RunTotal {
    pub county: String,
    pub benefit: String,
    /// `regular`, `backpay` or `recovery`.
    pub kind: String,
    pub count: i64,
    pub amount_fen: i64,
}

/// A run with its totals; the totals sum to `run.total_fen`.
#[derive(Serialize, ToSchema)]
pub struct RunDetail {
    pub run: Run,
    pub totals: Vec<RunTotal>,
}

/// One payment line.
#[derive(Serialize, ToSchema)]
pub struct Line {
    pub person_id: i64,
    pub name: String,
    /// Masked unless your role may see ID numbers in full.
    pub id_number: String,
    /// The month the line pays for (a back-pay or recovery line names an earlier month).
    pub benefit_month: String,
    pub benefit: String,
    /// `regular`, `backpay` or `recovery` (negative amount).
    pub kind: String,
    /// `person` or `institution`.
    pub payee_kind: String,
    /// The institution's code, or the person's ID number for the person.
    pub payee: String,
    pub county: String,
    pub amount_fen: i64,
    pub rule_id: String,
    pub clause: String,
    pub pack_id: String,
    pub pack_version: String,
}

#[derive(Serialize, ToSchema)]
pub struct LinesPage {
    pub items: Vec<Line>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct LinesQuery {
    /// A county code (6 digits).
    pub county: Option<String>,
    /// A benefit code, e.g. `gaoling`.
    pub benefit: Option<String>,
    pub offset: Option<i64>,
    /// At most 5000; default 500.
    pub limit: Option<i64>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// Only runs of this month (`YYYY-MM`).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// Start (or continue) the run of a month over your scope.
#[derive(Deserialize, ToSchema)]
pub struct StartRun {
    /// `YYYY-MM`
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// A pack id; omitted: each person's most specific pack in force.
    pub pack: Option<String>,
    /// Discard a draft's lines and compute again.
    #[serde(default)]
    pub recompute: bool,
    /// One county (6-digit code) of your area; omitted: every county in it, one run each. A
    /// run's scope is always the paying county.
    pub county: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Started {
    pub month: String,
    /// Your area.
    pub scope: String,
    pub pack: String,
    /// The counties whose runs started.
    pub counties: Vec<String>,
    /// The counties whose runs did not, with why.
    pub refused: Vec<NotStarted>,
    /// Poll `GET /api/v1/benefit-runs?month=…` until the runs' status is `draft`.
    pub runs: String,
}

#[derive(Serialize, ToSchema)]
pub struct NotStarted {
    pub county: String,
    pub reason: String,
}

/// One rule's outcome for the month.
#[derive(Serialize, ToSchema)]
pub struct RuleOutcome {
    pub rule_id: String,
    pub title: String,
    /// `paid`, `not_met`, `zero_amount`, `pending` (qualifies, amount not set yet: 待定),
    /// `undecided` (its condition reads a figure not set yet), `superseded` or `coordinated`.
    pub outcome: String,
    /// The outcome in words.
    pub description: String,
    pub amount_fen: i64,
    /// The condition as written in the pack.
    pub condition: String,
    /// The facts the rule read: (label, value).
    pub facts: Vec<(String, String)>,
    pub clause: String,
}

#[derive(Serialize, ToSchema)]
pub struct BenefitOutcome {
    pub benefit: String,
    pub title: String,
    /// What the month pays (0: not paid, with the rules saying why).
    pub amount_fen: i64,
    pub rules: Vec<RuleOutcome>,
}

/// One payer's pack and its benefits for the month.
#[derive(Serialize, ToSchema)]
pub struct PackPart {
    /// `person` (the registration's pack) or `institution` (the pack where the institution is).
    pub payee: String,
    pub institution: Option<String>,
    pub pack_id: String,
    pub pack_version: String,
    pub document: String,
    pub benefits: Vec<BenefitOutcome>,
}

/// A person's month explained.
#[derive(Serialize, ToSchema)]
pub struct PersonMonthJson {
    pub person_id: i64,
    pub month: String,
    /// False after the month of death: nothing is due.
    pub payable: bool,
    pub parts: Vec<PackPart>,
    /// What runs stored for the person and month.
    pub lines: Vec<Line>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`; default: last month.
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

fn line(l: StoredLine, full: bool) -> Line {
    let mask = |s: &str| {
        if full {
            s.to_string()
        } else {
            yiyang_domain::id_number::mask(s)
        }
    };
    Line {
        id_number: mask(&l.id_number),
        payee: if l.payee_kind == "person" {
            mask(&l.payee)
        } else {
            l.payee
        },
        person_id: l.person_id,
        name: l.name,
        benefit_month: l.benefit_month,
        benefit: l.benefit,
        kind: l.kind,
        payee_kind: l.payee_kind,
        county: l.county,
        amount_fen: l.amount_fen,
        rule_id: l.rule_id,
        clause: l.clause,
        pack_id: l.pack_id,
        pack_version: l.pack_version,
    }
}

async fn run_in_scope(state: &AppState, user: &CurrentUser, id: i64) -> Result<RunInfo, AppError> {
    user.require(Permission::BenefitRead)?;
    let run = state.store.benefit_run(id).await.map_err(|e| match e {
        yiyang_store::StoreError::NotFound => AppError::NotFound,
        e => e.into(),
    })?;
    if !run.scope.starts_with(user.scope()) {
        return Err(AppError::NotFound);
    }
    Ok(run)
}

/// The runs of your scope, newest month first.
#[utoipa::path(get, path = "/api/v1/benefit-runs", tag = "benefits", params(RunsQuery),
    responses((status = 200, body = [Run]), (status = 403, body = ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    user: Can<perm::BenefitRead>,
    Query(q): Query<RunsQuery>,
) -> Result<Json<Vec<Run>>, AppError> {
    let runs = state.store.list_benefit_runs(user.scope()).await?;
    Ok(Json(
        runs.into_iter()
            .filter(|r| q.month.as_deref().is_none_or(|m| r.month == m))
            .map(Run::from)
            .collect(),
    ))
}

/// Start the month's run of one county of your area, or of each county in it (a run's scope is
/// the paying county); they compute in the background (202, only when a run starts, with the
/// counties that did not and why). Starting a month again continues an interrupted run and otherwise changes
/// nothing. A month not yet begun, a pack that does not govern the scope, a run being computed
/// now or a recomputation of a signed run is refused (409) before anything starts.
#[utoipa::path(post, path = "/api/v1/benefit-runs", tag = "benefits", request_body = StartRun,
    responses((status = 202, body = Started), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn start(
    State(state): State<AppState>,
    user: Can<perm::BenefitPrepare>,
    Json(req): Json<StartRun>,
) -> Result<Response, AppError> {
    let month = Month::parse(&req.month).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let scope = user.scope().to_string();
    let pack = req.pack.clone();
    let starts = crate::pages::benefits::start_in_background(
        &state,
        month,
        &scope,
        req.county.as_deref(),
        pack,
        req.recompute,
        user.actor("api"),
    )
    .await?;
    let (go, no): (Vec<_>, Vec<_>) = starts.into_iter().partition(|s| s.refused.is_none());
    Ok((
        StatusCode::ACCEPTED,
        Json(Started {
            runs: format!("/api/v1/benefit-runs?month={month}"),
            month: month.to_string(),
            scope,
            pack: req.pack.unwrap_or_else(|| "auto".into()),
            counties: go.into_iter().map(|s| s.county).collect(),
            refused: no
                .into_iter()
                .map(|s| NotStarted {
                    county: s.county,
                    reason: s.refused.unwrap_or_default(),
                })
                .collect(),
        }),
    )
        .into_response())
}

/// A run with its totals by county, benefit and kind.
#[utoipa::path(get, path = "/api/v1/benefit-runs/{id}", tag = "benefits", params(("id" = i64, Path)),
    responses((status = 200, body = RunDetail), (status = 404, body = ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<RunDetail>, AppError> {
    let run = run_in_scope(&state, &user, id).await?;
    let totals = state
        .store
        .run_totals(id)
        .await?
        .into_iter()
        .map(|t| RunTotal {
            county: t.county,
            benefit: t.benefit,
            kind: t.kind,
            count: t.count,
            amount_fen: t.amount_fen,
        })
        .collect();
    Ok(Json(RunDetail {
        run: run.into(),
        totals,
    }))
}

/// A page of a run's lines, in the order of the disbursement files.
#[utoipa::path(get, path = "/api/v1/benefit-runs/{id}/lines", tag = "benefits", params(("id" = i64, Path), LinesQuery),
    responses((status = 200, body = LinesPage), (status = 404, body = ApiError)))]
pub async fn lines(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<LinesQuery>,
) -> Result<Json<LinesPage>, AppError> {
    run_in_scope(&state, &user, id).await?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let offset = q.offset.unwrap_or(0).max(0);
    let (items, total) = state
        .store
        .run_lines_page(id, q.county.as_deref(), q.benefit.as_deref(), limit, offset)
        .await?;
    let full = user.may(Permission::PersonFullId);
    if full && !items.is_empty() {
        state
            .store
            .audit(&user.actor("api").entry(
                "read_lines",
                "benefit_run",
                id,
                serde_json::json!({"offset": offset, "limit": limit, "lines": items.len()}),
            ))
            .await?;
    }
    Ok(Json(LinesPage {
        items: items.into_iter().map(|l| line(l, full)).collect(),
        total,
        offset,
        limit,
    }))
}

/// The digest of the run the caller checked (`Run.digest` from a GET): with it, a run
/// recomputed since is refused (409) instead of signed.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct SignQuery {
    #[serde(default)]
    pub digest: Option<String>,
}

async fn sign(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    approve: bool,
    seen: Option<&str>,
) -> Result<Json<Run>, AppError> {
    run_in_scope(state, user, id).await?;
    let u = &user.session.user;
    let actor = user.actor("api");
    let run = if approve {
        state
            .store
            .approve_run(id, seen, &u.username, u.role, user.scope(), &actor)
            .await?
    } else {
        state
            .store
            .review_run(id, seen, &u.username, u.role, user.scope(), &actor)
            .await?
    };
    Ok(Json(run.into()))
}

/// 审核: a draft becomes reviewed. Refused (409) for the person who prepared it or the wrong
/// role or state.
#[utoipa::path(post, path = "/api/v1/benefit-runs/{id}/review", tag = "benefits", params(("id" = i64, Path), SignQuery),
    responses((status = 200, body = Run), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SignQuery>,
) -> Result<Json<Run>, AppError> {
    sign(&state, &user, id, false, q.digest.as_deref()).await
}

/// 审批: a reviewed run becomes approved, by someone other than its reviewer and preparer.
#[utoipa::path(post, path = "/api/v1/benefit-runs/{id}/approve", tag = "benefits", params(("id" = i64, Path), SignQuery),
    responses((status = 200, body = Run), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SignQuery>,
) -> Result<Json<Run>, AppError> {
    sign(&state, &user, id, true, q.digest.as_deref()).await
}

fn part(e: &PackExplanation<'_>, payee: &str) -> PackPart {
    let pack = e.program.pack;
    PackPart {
        payee: payee.into(),
        institution: e.institution.clone(),
        pack_id: pack.id.clone(),
        pack_version: pack.version.clone(),
        document: pack.document.clone(),
        benefits: e
            .traces
            .iter()
            .map(|b| BenefitOutcome {
                benefit: pack.benefits[b.benefit].code.clone(),
                title: pack.benefits[b.benefit].title.clone(),
                amount_fen: b.paid.amount,
                rules: b
                    .rules
                    .iter()
                    .map(|t| {
                        use yiyang_domain::policy::RuleStatus;
                        let r = &pack.rules[t.rule];
                        RuleOutcome {
                            rule_id: r.id.clone(),
                            title: r.title.clone(),
                            outcome: match t.status {
                                RuleStatus::Paid => "paid",
                                RuleStatus::NotMet => "not_met",
                                RuleStatus::ZeroAmount => "zero_amount",
                                RuleStatus::Superseded { .. } => "superseded",
                                RuleStatus::Coordinated { .. } => "coordinated",
                                RuleStatus::Pending { .. } => "pending",
                                RuleStatus::Undecided { .. } => "undecided",
                            }
                            .into(),
                            description: t.status.describe(t.amount),
                            amount_fen: t.amount,
                            condition: r.when_src.clone(),
                            facts: t.facts.iter().map(|(_, l, v)| (l.to_string(), v.clone())).collect(),
                            clause: r.clause.clone(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// A person's month: each benefit with every rule's outcome, the facts it read and the clause
/// it implements — also why a benefit was not paid — and the lines stored.
#[utoipa::path(get, path = "/api/v1/people/{id}/benefits", tag = "benefits", params(("id" = i64, Path), MonthQuery),
    responses((status = 200, body = PersonMonthJson), (status = 404, body = ApiError)))]
pub async fn person_month(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<Json<PersonMonthJson>, AppError> {
    let packs = state.packs_now().await?;
    crate::pages::people::person_for(&state, &user, Permission::PersonRead, id).await?;
    let month = match q.month.as_deref() {
        Some(m) => Month::parse(m).map_err(|e| AppError::BadRequest(e.to_string()))?,
        None => state.clock().month().prev(),
    };
    let pm = state.store.person_month(id, month, &packs).await?;
    let mut parts = Vec::new();
    if let Some(e) = &pm.own {
        parts.push(part(e, "person"));
    }
    if let Some(e) = &pm.institution {
        parts.push(part(e, "institution"));
    }
    Ok(Json(PersonMonthJson {
        person_id: id,
        month: month.to_string(),
        payable: pm.payable,
        parts,
        lines: pm.lines.iter().cloned().map(|l| line(l, false)).collect(),
    }))
}
