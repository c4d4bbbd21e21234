//! Community and rural facilities (农村互助养老服务站点, 日间照料中心, …): the register, and the
//! subsidies each is due under the pack in force where it is, granted once per period.

use crate::access::{NoFields, Submitted};
use crate::security::{flashed, Flashed};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::policy::facility::FACILITY_KINDS;
use yiyang_domain::role::Permission;
use yiyang_domain::Fen;
use yiyang_store::facilities::{Facility, FacilityInput, FacilityPreview, FACILITY_STATUSES};
use yiyang_store::StoreError;

use super::institutions::actor;
use super::{render, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct FacilityForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    division: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    opened_on: String,
    #[serde(default)]
    demo_site: String,
}

#[derive(Template)]
#[template(path = "facilities.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Facility>,
    /// (kind label, count, operating)
    by_kind: Vec<(&'static str, usize, usize)>,
    kinds: Vec<(&'static str, &'static str)>,
    can_write: bool,
    input: FacilityForm,
    errors: Vec<FieldError>,
}

impl ListPage {
    fn yuan(&self, fen: &i64) -> String {
        Fen(*fen).to_string()
    }
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    input: FacilityForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let rows = state.store.facilities_in(user.scope()).await?;
    let by_kind = FACILITY_KINDS
        .iter()
        .map(|(c, l)| {
            let of: Vec<&Facility> = rows.iter().filter(|f| f.kind == *c).collect();
            (*l, of.len(), of.iter().filter(|f| f.status == "operating").count())
        })
        .filter(|k| k.1 > 0)
        .collect();
    render(&ListPage {
        layout: Layout::new(state, user, "养老服务设施", "facilities"),
        rows,
        by_kind,
        kinds: FACILITY_KINDS.to_vec(),
        can_write: user.may(Permission::FacilityWrite),
        input,
        errors,
    })
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::FacilityRead)?;
    let input = FacilityForm {
        division: user.scope().to_string(),
        kind: "mutual_aid".into(),
        ..FacilityForm::default()
    };
    list_page(&state, &user, input, Vec::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<FacilityForm>,
) -> Result<Response, AppError> {
    user.require(Permission::FacilityWrite)?;
    let input = FacilityInput {
        code: f.code.clone(),
        name: f.name.clone(),
        kind: f.kind.clone(),
        division: f.division.clone(),
        address: f.address.clone(),
        longitude: f.longitude.clone(),
        latitude: f.latitude.clone(),
        opened_on: f.opened_on.clone(),
        demo_site: f.demo_site == "1",
    };
    match state.store.create_facility(&input, user.scope(), &actor(&user)).await {
        Ok(id) => Ok(Redirect::to(&format!("/facilities/{id}")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = list_page(&state, &user, f, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "facility.html")]
struct DetailPage {
    layout: Layout,
    f: Facility,
    division_path: String,
    preview: FacilityPreview,
    statuses: Vec<(&'static str, &'static str)>,
    message: String,
    can_write: bool,
    can_grant: bool,
}

impl DetailPage {
    fn yuan(&self, fen: &i64) -> String {
        Fen(*fen).to_string()
    }
    fn subsidy_label(&self, code: &str) -> &'static str {
        match code {
            "build" => "一次性建设补助",
            "operate" => "运营补助",
            "demo" => "示范站点奖补",
            _ => "",
        }
    }
}

async fn facility_for(state: &AppState, user: &CurrentUser, id: i64) -> Result<Facility, AppError> {
    user.require(Permission::FacilityRead)?;
    state
        .store
        .facility_in_scope(id, user.scope())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    let f = facility_for(&state, &user, id).await?;
    let preview = state.store.facility_preview(id, &packs, state.clock().today()).await?;
    render(&DetailPage {
        layout: Layout::new(&state, &user, f.name.clone(), "facilities"),
        division_path: state.store.reference().division_path(&f.division),
        f,
        preview,
        statuses: FACILITY_STATUSES.to_vec(),
        message: flash.0,
        can_write: user.may(Permission::FacilityWrite),
        can_grant: user.may(Permission::BenefitPrepare),
    })
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    #[serde(default)]
    demo_site: String,
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<StatusForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::FacilityWrite)?;
    facility_for(&state, &user, id).await?;
    state
        .store
        .update_facility(id, &f.status, f.demo_site == "1", user.scope(), &actor(&user))
        .await?;
    Ok(flashed(format!("/facilities/{id}"), "已保存"))
}

/// Grants every subsidy now due, each period once (经办: the benefit clerk's step).
pub async fn grant(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Flashed, AppError> {
    let packs = state.packs_now().await?;
    user.require(Permission::BenefitPrepare)?;
    facility_for(&state, &user, id).await?;
    let (n, fen) = state
        .store
        .grant_facility_subsidies(id, &packs, state.clock().today(), &actor(&user))
        .await?;
    let msg = format!("已核定 {n} 项，共 {}", Fen(fen));
    Ok(flashed(format!("/facilities/{id}"), msg))
}
