//! The second assessor's confirmation of an assessment, and the review of a back-dated one.

use axum::extract::{Path, State};
use serde::Deserialize;
use yiyang_domain::assessment_review::AssessmentStatus;
use yiyang_domain::role::Permission;

use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::security::{flashed, Flashed};
use crate::AppState;

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

fn said(status: AssessmentStatus) -> &'static str {
    match status {
        AssessmentStatus::Confirmed => "评估已确认，即日生效",
        AssessmentStatus::AwaitingReview => "已确认；此为补录评估，待民政部门审核后生效",
        AssessmentStatus::Returned => "已退回，此评估不生效",
        AssessmentStatus::AwaitingSecond => "",
    }
}

/// The named second assessor signs or returns the assessment.
pub async fn confirm(
    State(state): State<AppState>,
    Path(aid): Path<i64>,
    Submitted { user, form: f }: Submitted<DecisionForm>,
) -> Result<Flashed, AppError> {
    decide(&state, &user, aid, &f, Permission::AssessmentWrite).await
}

/// Civil-affairs staff accept or return a back-dated assessment.
pub async fn review(
    State(state): State<AppState>,
    Path(aid): Path<i64>,
    Submitted { user, form: f }: Submitted<DecisionForm>,
) -> Result<Flashed, AppError> {
    decide(&state, &user, aid, &f, Permission::AssessmentReview).await
}

/// One path for both steps: token, permission, the assessment in scope (404 otherwise), then
/// the store's decision, which checks who may take it.
async fn decide(
    state: &AppState,
    user: &CurrentUser,
    aid: i64,
    f: &DecisionForm,
    perm: Permission,
) -> Result<Flashed, AppError> {
    user.require(perm)?;
    state
        .store
        .assessment_in_scope(aid, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let (me, accept, actor) = (&user.session.user.username, f.decision == "accept", user.actor("web"));
    let status = if perm == Permission::AssessmentReview {
        state.store.review_backdated(aid, me, accept, &f.note, &actor).await?
    } else {
        state.store.confirm_assessment(aid, me, accept, &f.note, &actor).await?
    };
    Ok(flashed(format!("/assessments/{aid}"), said(status)))
}
