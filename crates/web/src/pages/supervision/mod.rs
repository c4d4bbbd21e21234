//! Supervision (综合监管) pages: the overview of batches, inspections and hazards for the
//! user's role; planning, publishing and drawing a batch (双随机); the inspection checklist on a
//! tablet and the hazard list (`inspections.rs`); the public results and draw inputs, without
//! login (`public.rs`).

pub mod complaints;
pub mod inspections;
pub mod oversight;
pub mod public;
pub mod registers;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::supervision::inspection::{publication_late, BatchStatus, Escalation, InspectionStatus};
use yiyang_store::supervision::{Hazard, Inspection, InspectionBatch, InspectionItem, Viewer};
use yiyang_store::StoreError;

use super::{render, Layout};
use crate::access::{perm, Can, InScope, NoFields, ScopedRecord, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

/// What of supervision the user sees: see [`Viewer`].
pub(crate) async fn viewer(state: &AppState, user: &CurrentUser) -> Result<Viewer, AppError> {
    Ok(match user.role() {
        Role::CivilAffairs | Role::Auditor => Viewer::Division,
        Role::Inspector => match state.store.inspector_of(&user.session.user.username).await? {
            Some(x) => Viewer::Inspector(x.id),
            None => Viewer::Nobody,
        },
        Role::Institution => match &user.session.user.institution_id {
            Some(code) => Viewer::Institution(code.clone()),
            None => Viewer::Nobody,
        },
        // A provider's account holds the provider's code where an institution's holds its own.
        Role::Provider => match &user.session.user.institution_id {
            Some(code) => Viewer::Provider(code.clone()),
            None => Viewer::Nobody,
        },
        _ => Viewer::Nobody,
    })
}

/// Refuses a provider's staff the pages that are not theirs: the county's complaint list (they
/// read the complaints about their services on their own page), prepaid fees and emergency
/// plans (an institution's).
pub(crate) fn not_a_provider(v: &Viewer) -> Result<(), AppError> {
    if matches!(v, Viewer::Provider(_)) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

impl ScopedRecord for Inspection {
    const READ: Permission = Permission::SupervisionRead;
    async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<Self>, AppError> {
        let v = viewer(state, user).await?;
        Ok(state.store.inspection_visible(id, user.scope(), &v).await?)
    }
}

impl ScopedRecord for InspectionBatch {
    const READ: Permission = Permission::SupervisionRead;
    /// Batches are the division's and its inspectors' business; an institution sees the
    /// published inputs on the public page like anyone else.
    async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<Self>, AppError> {
        Ok(match viewer(state, user).await? {
            Viewer::Division | Viewer::Inspector(_) => state.store.batch_in_scope(id, user.scope()).await?,
            _ => None,
        })
    }
}

/// The planning form. Read from the posted pairs: the chosen items are a repeated field
/// (`item=1&item=2`), which a struct cannot take.
#[derive(Default)]
pub struct PlanForm {
    name: String,
    title: String,
    per_object: String,
    ratio: String,
    ratio_provider: String,
    ratio_facility: String,
    ratio_risk: String,
    item: Vec<i64>,
}

impl PlanForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> PlanForm {
        let mut f = PlanForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => f.name = v,
                "title" => f.title = v,
                "per_object" => f.per_object = v,
                "ratio" => f.ratio = v,
                "ratio_provider" => f.ratio_provider = v,
                "ratio_facility" => f.ratio_facility = v,
                "ratio_risk" => f.ratio_risk = v,
                // An item that is not a number is not one of the list's.
                "item" => f.item.push(v.trim().parse().unwrap_or(-1)),
                _ => {}
            }
        }
        f
    }
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct Overview {
    layout: Layout,
    message: String,
    batches: Vec<InspectionBatch>,
    inspections: Vec<Inspection>,
    hazards: Vec<Hazard>,
    /// Confirmed results not yet published past the setting's working days.
    late: Vec<Inspection>,
    publish_within: i64,
    items: Vec<InspectionItem>,
    can_plan: bool,
    /// A provider's staff: no complaints, prepaid fees or emergency plans of theirs are kept here.
    provider: bool,
    input: PlanForm,
    errors: Vec<FieldError>,
}

impl Overview {
    fn error(&self, field: &str) -> String {
        crate::pages::field_error(&self.errors, field)
    }
    fn checked(&self, id: &i64) -> bool {
        self.input.item.contains(id)
    }
    fn batch_status(&self, b: &InspectionBatch) -> &'static str {
        b.status().label()
    }
    fn overdue(&self) -> usize {
        self.hazards
            .iter()
            .filter(|h| h.escalation.is_some_and(|e| e != Escalation::None))
            .count()
    }
    fn county(&self) -> usize {
        self.hazards
            .iter()
            .filter(|h| h.escalation == Some(Escalation::County))
            .count()
    }
}

async fn overview(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    input: PlanForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let v = viewer(state, user).await?;
    let scope = user.scope();
    let batches = match v {
        Viewer::Division | Viewer::Inspector(_) => state.store.batches_in(scope).await?,
        _ => Vec::new(),
    };
    let inspections = state.store.inspections_visible(scope, &v, None).await?;
    let hazards = state.store.hazards_visible(scope, &v, state.clock().today()).await?;
    let publish_within = state.store.publish_within_days(scope).await?;
    let late = inspections
        .iter()
        .filter(|n| n.status() == InspectionStatus::Confirmed)
        .filter(|n| {
            n.confirmed_at
                .is_some_and(|at| publication_late(at.date_naive(), state.clock().today(), publish_within))
        })
        .cloned()
        .collect();
    let can_plan = user.may(Permission::SupervisionPlan);
    render(&Overview {
        layout: Layout::new(state, user, "综合监管", "supervision"),
        message,
        batches,
        inspections,
        hazards,
        late,
        publish_within,
        items: if can_plan {
            state.store.inspection_items(scope).await?
        } else {
            Vec::new()
        },
        can_plan,
        provider: matches!(v, Viewer::Provider(_)),
        input,
        errors,
    })
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let input = PlanForm {
        per_object: "2".into(),
        ratio: "30".into(),
        ratio_provider: "10".into(),
        ratio_facility: "10".into(),
        ratio_risk: "100".into(),
        ..PlanForm::default()
    };
    overview(&state, &user, flash.0, input, Vec::new()).await
}

pub async fn plan(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    let form = PlanForm::from_pairs(form);
    let plan = yiyang_store::supervision::BatchPlan {
        name: form.name.clone(),
        title: form.title.clone(),
        per_object: form.per_object.clone(),
        ratio: form.ratio.clone(),
        ratio_provider: form.ratio_provider.clone(),
        ratio_facility: form.ratio_facility.clone(),
        ratio_risk: form.ratio_risk.clone(),
        items: form.item.clone(),
    };
    match state.store.plan_batch(&plan, user.scope(), &user.actor("web")).await {
        Ok(id) => Ok(flashed(format!("/supervision/batches/{id}"), "批次已拟定；核对后公示输入").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = overview(&state, &user, String::new(), form, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "supervision_batch.html")]
struct BatchPage {
    layout: Layout,
    message: String,
    b: InspectionBatch,
    items: Vec<InspectionItem>,
    inspections: Vec<Inspection>,
    canonical: Option<String>,
    objects: usize,
    inspectors: usize,
    can_plan: bool,
    errors: Vec<FieldError>,
    public_value: String,
}

impl BatchPage {
    fn status(&self) -> &'static str {
        self.b.status().label()
    }
    fn planned(&self) -> bool {
        self.b.status() == BatchStatus::Planned
    }
    fn published(&self) -> bool {
        self.b.status() == BatchStatus::Published
    }
    fn drawn(&self) -> bool {
        self.b.status() == BatchStatus::Drawn
    }
}

async fn batch_page(
    state: &AppState,
    user: &CurrentUser,
    b: InspectionBatch,
    message: String,
    errors: Vec<FieldError>,
    public_value: String,
) -> Result<Html<String>, AppError> {
    let v = viewer(state, user).await?;
    let file = b.file();
    render(&BatchPage {
        layout: Layout::new(state, user, b.title.clone(), "supervision"),
        message,
        items: state.store.batch_items(b.id).await?,
        inspections: state.store.inspections_visible(user.scope(), &v, Some(b.id)).await?,
        canonical: b.canonical_text(),
        objects: file.objects.len(),
        inspectors: file.inspectors.len(),
        can_plan: user.may(Permission::SupervisionPlan),
        errors,
        public_value,
        b,
    })
}

pub async fn batch(
    State(state): State<AppState>,
    InScope { user, item }: InScope<InspectionBatch>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    batch_page(&state, &user, item, flash.0, Vec::new(), String::new()).await
}

pub async fn publish(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<InspectionBatch>,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Flashed, AppError> {
    user.require(Permission::SupervisionPlan)?;
    state
        .store
        .publish_batch(item.id, user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed(
        format!("/supervision/batches/{}", item.id),
        "输入已公示，不能再改；待公开随机值产生后录入并抽取",
    ))
}

#[derive(Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    public_value: String,
}

pub async fn draw(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<InspectionBatch>,
    Submitted { user, form }: Submitted<DrawForm>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    match state
        .store
        .draw_batch(item.id, &form.public_value, user.scope(), &user.actor("web"))
        .await
    {
        Ok(d) => Ok(flashed(
            format!("/supervision/batches/{}", item.id),
            format!("已抽取 {} 个检查对象", d.objects.len()),
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = batch_page(&state, &user, item, String::new(), errors, form.public_value).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
