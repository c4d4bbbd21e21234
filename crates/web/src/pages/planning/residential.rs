//! 居住区配建养老服务设施 (四同步): the register of residential projects in the user's scope,
//! one project's steps, and civil affairs' sign-off of the next step.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::planning::residential::{Outcome, ProjectKind, Stage};
use yiyang_domain::role::Permission;
use yiyang_store::planning::residential::{Project, ProjectInput, StepInput, StepRow};
use yiyang_store::StoreError;

use crate::access::{perm, Can, InScope, ScopedRecord, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash};
use crate::AppState;

/// A project with its signed steps, within the user's scope.
pub struct ResidentialProject(pub Project, pub Vec<StepRow>);

impl ScopedRecord for ResidentialProject {
    const READ: Permission = Permission::IndicatorRead;
    async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<Self>, AppError> {
        Ok(state
            .store
            .residential_project(id, user.scope(), &state.packs)
            .await?
            .map(|(p, s)| ResidentialProject(p, s)))
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ProjectForm {
    #[serde(default)]
    division: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    developer: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    households: String,
    #[serde(default)]
    sites: String,
}

#[derive(Template)]
#[template(path = "residential_projects.html")]
struct ListPage {
    layout: Layout,
    message: String,
    projects: Vec<Project>,
    /// (stage label, how many)
    by_stage: Vec<(&'static str, usize)>,
    can_write: bool,
    kinds: &'static [ProjectKind],
    input: ProjectForm,
    errors: Vec<FieldError>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    input: ProjectForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let projects = state.store.residential_projects(user.scope(), &state.packs).await?;
    let by_stage = Stage::ALL
        .iter()
        .map(|s| (s.label(), projects.iter().filter(|p| p.stage == *s).count()))
        .collect();
    render(&ListPage {
        layout: Layout::new(state, user, "居住区配建养老服务设施", "indicators"),
        message,
        projects,
        by_stage,
        can_write: user.may(Permission::PlanningWrite),
        kinds: ProjectKind::ALL,
        input,
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: Can<perm::IndicatorRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    list_page(&state, &user, flash.0, ProjectForm::default(), Vec::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<ProjectForm>,
) -> Result<Response, AppError> {
    user.require(Permission::PlanningWrite)?;
    let input = ProjectInput {
        division: f.division.clone(),
        name: f.name.clone(),
        developer: f.developer.clone(),
        kind: f.kind.clone(),
        households: f.households.clone(),
        sites: f.sites.clone(),
    };
    match state
        .store
        .create_residential_project(&input, user.scope(), &user.actor("web"))
        .await
    {
        Ok(id) => Ok(flashed(format!("/planning/residential/{id}"), "项目已登记").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            list_page(&state, &user, String::new(), f, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    sites: String,
    #[serde(default)]
    on_date: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    facility_id: String,
}

#[derive(Template)]
#[template(path = "residential_project.html")]
struct DetailPage {
    layout: Layout,
    message: String,
    p: Project,
    steps: Vec<StepRow>,
    next: Option<Stage>,
    can_sign: bool,
    facilities: Vec<(i64, String)>,
    facility_name: String,
    input: StepForm,
    errors: Vec<FieldError>,
    refusal: String,
}

async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    ResidentialProject(p, steps): ResidentialProject,
    message: String,
    input: StepForm,
    errors: Vec<FieldError>,
    refusal: String,
) -> Result<Html<String>, AppError> {
    let county = &p.division[..6.min(p.division.len())];
    let facilities = state.store.facilities_for_handover(county, user.scope()).await?;
    let facility_name = p
        .facility_id
        .and_then(|f| facilities.iter().find(|(id, _)| *id == f))
        .map_or_else(String::new, |(_, n)| n.clone());
    let next = p.stage.next();
    let input = StepForm {
        step: next.map_or_else(String::new, |s| s.code().to_string()),
        sites: if input.sites.is_empty() {
            p.sites.typed()
        } else {
            input.sites
        },
        ..input
    };
    render(&DetailPage {
        layout: Layout::new(state, user, &p.name, "indicators"),
        message,
        can_sign: user.may(Permission::PlanningWrite) && next.is_some(),
        next,
        facilities,
        facility_name,
        p,
        steps,
        input,
        errors,
        refusal,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    InScope { user, item }: InScope<ResidentialProject>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    detail_page(
        &state,
        &user,
        item,
        flash.0,
        StepForm::default(),
        Vec::new(),
        String::new(),
    )
    .await
}

pub async fn sign(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<ResidentialProject>,
    Submitted { user, form: f }: Submitted<StepForm>,
) -> Result<Response, AppError> {
    user.require(Permission::PlanningWrite)?;
    let id = item.0.id;
    let input = StepInput {
        step: f.step.clone(),
        outcome: f.outcome.clone(),
        sites: f.sites.clone(),
        on_date: f.on_date.clone(),
        note: f.note.clone(),
        facility_id: f.facility_id.clone(),
    };
    let (errors, refusal) = match state
        .store
        .sign_residential_step(id, &input, user.scope(), &state.packs, &user.actor("web"))
        .await
    {
        Ok(stage) => {
            let outcome = Outcome::parse(&f.outcome).map_or("", Outcome::label);
            let step = Stage::parse(&f.step).map_or("", Stage::label);
            let msg = format!("“{step}”已签署：{outcome}；项目现为“{}”", stage.label());
            return Ok(flashed(format!("/planning/residential/{id}"), msg).into_response());
        }
        Err(StoreError::Invalid(errors)) => (errors, String::new()),
        Err(StoreError::Refused(why)) => (Vec::new(), why),
        Err(e) => return Err(e.into()),
    };
    let page = detail_page(&state, &user, item, String::new(), f, errors, refusal).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
