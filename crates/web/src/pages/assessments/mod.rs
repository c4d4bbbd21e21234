//! Assessments as the register shows them: a person's history and who is due for reassessment.

pub mod confirm;
pub mod form;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use yiyang_domain::assessment::LEVEL_LABELS;
use yiyang_domain::assessment_form::Reason;
use yiyang_domain::role::Permission;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::people::person_for;
use crate::pages::{render, Layout};
use crate::AppState;

/// How far ahead the due list looks, in days.
const NOTICE_DAYS: u64 = 30;

pub struct Row {
    pub id: i64,
    pub reason: &'static str,
    pub has_form: bool,
    pub person_id: i64,
    pub name: String,
    pub id_masked: String,
    pub division: String,
    pub standard: String,
    pub level: String,
    pub assessed_on: String,
    pub valid_until: String,
    pub overdue: bool,
}

fn level_label(standard: &str, level: i64) -> String {
    if standard.starts_with("MZ/T 039") {
        format!("{level} 级（旧标准 MZ/T 039-2013）")
    } else {
        format!("{level} 级 {}", LEVEL_LABELS.get(level as usize).copied().unwrap_or(""))
    }
}

#[derive(Template)]
#[template(path = "assessments_due.html")]
struct DuePage {
    layout: Layout,
    rows: Vec<Row>,
    notice_days: u64,
    /// (person id, name, masked ID, division, reason, requested by, requested at)
    requests: Vec<(i64, String, String, String, String, String, String)>,
    validity_months: u32,
    can_assess: bool,
    /// Assessments waiting for this user: to confirm as second assessor, or to review.
    pending: Vec<yiyang_store::assessments::confirm::PendingAssessment>,
}

pub async fn due(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::PersonRead)?;
    let today = state.clock().today();
    let until = today + chrono::Days::new(NOTICE_DAYS);
    let rows = state
        .store
        .due_for_reassessment(user.scope(), until, 500)
        .await?
        .into_iter()
        .map(|d| Row {
            id: 0,
            reason: "",
            has_form: false,
            person_id: d.person_id,
            name: d.name,
            id_masked: yiyang_domain::id_number::mask(&d.id_number),
            division: d.hukou_division.clone(),
            level: level_label(&d.standard, d.final_level),
            standard: d.standard,
            assessed_on: d.assessed_on.to_string(),
            valid_until: d.valid_until.to_string(),
            overdue: d.valid_until < today,
        })
        .collect();
    render(&DuePage {
        layout: Layout::new(&state, &user, "待复评名单", "assessments"),
        rows,
        notice_days: NOTICE_DAYS,
        requests: state
            .store
            .open_reassessment_requests(user.scope())
            .await?
            .into_iter()
            .map(|q| {
                (
                    q.person_id,
                    q.name,
                    yiyang_domain::id_number::mask(&q.id_number),
                    q.hukou_division.clone(),
                    q.reason,
                    q.requested_by,
                    crate::pages::local_minute(q.requested_at),
                )
            })
            .collect(),
        validity_months: state.store.assessment_validity_months(user.scope()).await?,
        can_assess: user.may(Permission::AssessmentWrite),
        pending: {
            let mut p = Vec::new();
            if user.may(Permission::AssessmentWrite) {
                p.extend(
                    state
                        .store
                        .awaiting_my_confirmation(&user.session.user.username)
                        .await?,
                );
            }
            if user.may(Permission::AssessmentReview) {
                p.extend(state.store.awaiting_review(user.scope()).await?);
            }
            p
        },
    })
}

#[derive(Template)]
#[template(path = "assessment_history.html")]
struct HistoryPage {
    layout: Layout,
    person_id: i64,
    rows: Vec<Row>,
    can_assess: bool,
    can_request: bool,
    open_request: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NoParams {}

pub async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(_): Query<NoParams>,
) -> Result<Html<String>, AppError> {
    let person = person_for(&state, &user, Permission::PersonRead, id).await?;
    let today = state.clock().today();
    let rows = state
        .store
        .assessment_history(id)
        .await?
        .into_iter()
        .map(|a| Row {
            id: a.id,
            reason: a.reason.as_deref().and_then(Reason::parse).map_or("", |r| r.label()),
            has_form: a.has_form,
            person_id: id,
            name: person.record.name.clone(),
            id_masked: String::new(),
            division: String::new(),
            level: level_label(&a.standard, a.final_level),
            standard: a.standard,
            assessed_on: a.assessed_on.to_string(),
            valid_until: a.valid_until.to_string(),
            overdue: a.valid_until < today,
        })
        .collect();
    render(&HistoryPage {
        layout: Layout::new(
            &state,
            &user,
            format!("{} 的能力评估记录", person.record.name),
            "people",
        ),
        person_id: id,
        rows,
        can_assess: user.may(Permission::AssessmentWrite),
        can_request: user.may(Permission::AssessmentRequest),
        open_request: state
            .store
            .open_reassessment_requests(user.scope())
            .await?
            .into_iter()
            .find(|q| q.person_id == id)
            .map(|q| format!("{}（{}）", q.reason, q.requested_by)),
    })
}
