//! The second assessor's confirmation of an assessment, and the review of a back-dated one.

use axum::extract::{Path, State};
use axum::Form;
use serde::Deserialize;
use yiyang_domain::assessment_review::AssessmentStatus;
use yiyang_domain::role::Permission;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::security::{flashed, Flashed};
use crate::AppState;

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(rename = "_csrf")]
    csrf: String,
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
    user: CurrentUser,
    Path(aid): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Flashed, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::AssessmentWrite)?;
    // Out of scope reads as unknown.
    state
        .store
        .assessment_in_scope(aid, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let status = state
        .store
        .confirm_assessment(
            aid,
            &user.session.user.username,
            f.decision == "accept",
            &f.note,
            &user.actor("web"),
        )
        .await?;
    Ok(flashed(format!("/assessments/{aid}"), said(status)))
}

/// Civil-affairs staff accept or return a back-dated assessment.
pub async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(aid): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Flashed, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::AssessmentReview)?;
    state
        .store
        .assessment_in_scope(aid, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let status = state
        .store
        .review_backdated(
            aid,
            &user.session.user.username,
            f.decision == "accept",
            &f.note,
            &user.actor("web"),
        )
        .await?;
    Ok(flashed(format!("/assessments/{aid}"), said(status)))
}
