//! `/api/v1/benefit-runs/{id}/return|reject|withdraw`: a run sent back to its preparer (退回),
//! rejected (驳回) by a reviewer or approver, or withdrawn (撤回) by its preparer before anyone
//! signs — each with its reason, bound like a signature to the digest of the run the caller
//! checked. The same rules as the run's page (the store checks role, scope and state).

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yiyang_domain::role::Permission;
use yiyang_store::benefits::run_signing::RunStep;

use super::benefits::Run;
use super::ApiError;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// Why the run goes back or ends, and which run the caller checked.
#[derive(Deserialize, ToSchema)]
pub struct StepBody {
    /// The reason (required, up to 500 characters).
    pub note: String,
    /// The run's digest as the caller read it; a run recomputed since is refused (409).
    #[serde(default)]
    pub digest: Option<String>,
}

async fn step(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    step: RunStep,
    digest: Option<&str>,
) -> Result<Json<Run>, AppError> {
    match step {
        RunStep::Withdraw(_) => user.require(Permission::BenefitPrepare)?,
        _ if !user.may(Permission::BenefitReview) => user.require(Permission::BenefitApprove)?,
        _ => {}
    }
    let run = state.store.benefit_run(id).await?;
    if !run.scope.starts_with(user.scope()) {
        return Err(AppError::NotFound);
    }
    let u = &user.session.user;
    let run = state
        .store
        .sign_run(id, &step, digest, &u.username, u.role, user.scope(), &user.actor("api"))
        .await?;
    Ok(Json(run.into()))
}

/// 退回: a draft or reviewed run goes back to its preparer as a draft, with the reason.
#[utoipa::path(post, path = "/api/v1/benefit-runs/{id}/return", tag = "benefits", params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = Run), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn send_back(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<StepBody>,
) -> Result<Json<Run>, AppError> {
    step(&state, &user, id, RunStep::Return(b.note), b.digest.as_deref()).await
}

/// 驳回: a draft or reviewed run ends unpaid, by a reviewer or approver other than its preparer;
/// its lines leave the ledger and the month can be computed again.
#[utoipa::path(post, path = "/api/v1/benefit-runs/{id}/reject", tag = "benefits", params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = Run), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reject(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<StepBody>,
) -> Result<Json<Run>, AppError> {
    step(&state, &user, id, RunStep::Reject(b.note), b.digest.as_deref()).await
}

/// 撤回: the preparer's own draft ends unpaid before anyone signs it.
#[utoipa::path(post, path = "/api/v1/benefit-runs/{id}/withdraw", tag = "benefits", params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = Run), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<StepBody>,
) -> Result<Json<Run>, AppError> {
    step(&state, &user, id, RunStep::Withdraw(b.note), b.digest.as_deref()).await
}
