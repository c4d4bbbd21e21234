//! Family care beds (家庭养老床位) pages: the beds of the division (a provider: its own), opening
//! one, its care plan and the visits the plan placed, and ending it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::services::family_bed::{Adaptation, Device};
use yiyang_store::services::family_beds::{BedInput, FamilyBed, PlanLine};
use yiyang_store::services::orders::Order;
use yiyang_store::services::{CatalogueRow, Provider};
use yiyang_store::StoreError;

use super::{tabs, viewer};
use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash};
use crate::AppState;

/// The provider a provider's staff account works for (`None` for the division's staff).
async fn own_provider(state: &AppState, user: &CurrentUser) -> Result<Option<Provider>, AppError> {
    Ok(viewer(state, user).await?.1)
}

fn may_write(user: &CurrentUser) -> bool {
    user.may(Permission::ServiceManage) || user.may(Permission::ServiceDeliver)
}

#[derive(Template)]
#[template(path = "services_beds.html")]
struct BedsPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    beds: Vec<FamilyBed>,
    providers: Vec<Provider>,
    own: bool,
    may_write: bool,
    adaptations: Vec<(&'static str, &'static str)>,
    devices: Vec<(&'static str, &'static str)>,
    input: BedInput,
    errors: Vec<FieldError>,
}

impl BedsPage {
    fn has_adaptation(&self, c: &str) -> bool {
        self.input.adaptations.iter().any(|a| a == c)
    }
    fn has_device(&self, c: &str) -> bool {
        self.input.devices.iter().any(|a| a == c)
    }
    fn active(&self) -> usize {
        self.beds.iter().filter(|b| b.active()).count()
    }
}

async fn beds_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    input: BedInput,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    if user.role() == Role::Family {
        return Err(AppError::Forbidden);
    }
    let own = own_provider(state, user).await?;
    render(&BedsPage {
        layout: Layout::new(state, user, "家庭养老床位", "services"),
        tabs: tabs(user, "beds"),
        message,
        beds: state
            .store
            .family_beds_in(user.scope(), own.as_ref().map(|p| p.id))
            .await?,
        providers: match &own {
            Some(p) => vec![p.clone()],
            None => state.store.providers_in(user.scope()).await?,
        },
        own: own.is_some(),
        may_write: may_write(user),
        adaptations: Adaptation::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        devices: Device::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        input,
        errors,
    })
}

pub async fn index(State(state): State<AppState>, user: CurrentUser, flash: Flash) -> Result<Html<String>, AppError> {
    user.require(Permission::ServiceRead)?;
    beds_page(&state, &user, flash.0, BedInput::default(), Vec::new()).await
}

pub async fn open(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !may_write(&user) {
        return Err(AppError::Forbidden);
    }
    let get = |k: &str| {
        form.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| {
        form.iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .take(20)
            .collect::<Vec<_>>()
    };
    let input = BedInput {
        id_number: get("id_number"),
        provider_id: get("provider_id"),
        contract_no: get("contract_no"),
        signed_on: get("signed_on"),
        ends_on: get("ends_on"),
        adaptations: all("adaptation"),
        devices: all("device"),
    };
    let own = own_provider(&state, &user).await?.map(|p| p.id);
    match state
        .store
        .open_family_bed(&input, user.scope(), own, &user.actor("web"))
        .await
    {
        Ok(id) => Ok(flashed(format!("/services/beds/{id}"), "家庭养老床位已建立，请制定照护计划").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            beds_page(&state, &user, String::new(), input, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// The bed named in the path, within the user's scope (a provider: its own beds).
async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<FamilyBed, AppError> {
    user.require(Permission::ServiceRead)?;
    let own = own_provider(state, user).await?.map(|p| p.id);
    state
        .store
        .family_bed_in(id, user.scope(), own)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "services_bed.html")]
struct BedPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    b: FamilyBed,
    plan: Vec<PlanLine>,
    orders: Vec<Order>,
    services: Vec<CatalogueRow>,
    may_write: bool,
    errors: Vec<FieldError>,
}

async fn bed_page(
    state: &AppState,
    user: &CurrentUser,
    b: FamilyBed,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    // The page shows the person's name and address: the view is audited.
    state
        .store
        .audit(
            &user
                .actor("web")
                .entry("view", "family_bed", b.id, serde_json::json!({"person": b.person_id})),
        )
        .await?;
    render(&BedPage {
        layout: Layout::new(state, user, format!("家庭养老床位：{}", b.person_name), "services"),
        tabs: tabs(user, "beds"),
        message,
        plan: state.store.bed_plan(b.id).await?,
        orders: state.store.family_bed_orders(b.id).await?,
        services: state
            .store
            .catalogue(b.provider_id)
            .await?
            .into_iter()
            .filter(|c| c.active && c.minutes > 0)
            .collect(),
        may_write: may_write(user) && b.active(),
        errors,
        b,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let b = load(&state, &user, id).await?;
    bed_page(&state, &user, b, flash.0, Vec::new()).await
}

pub async fn step(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let get = |k: &str| {
        form.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // Weekdays come as ticked boxes (or, from a script, as one "1,4" field).
    let weekdays = form
        .iter()
        .filter(|(k, _)| k == "weekday" || k == "weekdays")
        .map(|(_, v)| v.as_str())
        .take(7)
        .collect::<Vec<_>>()
        .join(",");
    if !may_write(&user) {
        return Err(AppError::Forbidden);
    }
    let b = load(&state, &user, id).await?;
    let actor = user.actor("web");
    let to = format!("/services/beds/{id}");
    let r = match step.as_str() {
        "plan" => state
            .store
            .add_plan_line(
                &b,
                &get("service_id"),
                &get("units"),
                &weekdays,
                &get("at_time"),
                &actor,
            )
            .await
            .map(|_| "已加入照护计划".to_string()),
        "schedule" => state
            .store
            .schedule_family_bed(&b, state.clock().today(), 14, &actor, state.clock().now())
            .await
            .map(|n| format!("已按照护计划生成未来两周的上门订单 {n} 个")),
        "end" => state
            .store
            .end_family_bed(&b, &get("reason"), &actor, state.clock().now())
            .await
            .map(|n| format!("已撤床，取消未服务的计划订单 {n} 个")),
        _ => return Err(AppError::NotFound),
    };
    match r {
        Ok(msg) => Ok(flashed(to, msg).into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            bed_page(&state, &user, b, String::new(), errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
