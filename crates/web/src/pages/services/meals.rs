//! Meal assistance (老年助餐) pages: the counter of a meal point on a tablet (the person by ID
//! number, the meal, dine-in or delivery, and the government's share shown at once), the day's
//! food sample, and for the division its meal points with the month's meals.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::services::meals::{Check, Meal, Way};
use yiyang_store::services::meals::{MealPoint, Sample, ServedMeal};
use yiyang_store::services::Provider;
use yiyang_store::StoreError;

use super::{tabs, viewer};
use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash};
use crate::AppState;

/// The meal of an hour: breakfast before 10, lunch before 15, dinner after.
fn meal_at(hour: u32) -> Meal {
    match hour {
        0..=9 => Meal::Breakfast,
        10..=14 => Meal::Lunch,
        _ => Meal::Dinner,
    }
}

/// A point's month: (meals, government share in fen).
type Month = (usize, i64);

#[derive(Template)]
#[template(path = "services_meals.html")]
struct MealsPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    points: Vec<(MealPoint, Month)>,
    /// The point at the counter (provider staff).
    point: Option<MealPoint>,
    served: Vec<ServedMeal>,
    samples: Vec<Sample>,
    meals: Vec<(&'static str, &'static str)>,
    ways: Vec<(&'static str, &'static str)>,
    checks: Vec<(&'static str, &'static str)>,
    current_meal: &'static str,
    /// For registering a point: (facility id, name) and providers.
    facilities: Vec<(i64, String)>,
    providers: Vec<Provider>,
    manage: bool,
    last: Option<ServedMeal>,
    errors: Vec<FieldError>,
}

impl MealsPage {
    fn yuan(fen: &i64) -> String {
        yiyang_domain::Fen(*fen).to_string()
    }
}

#[derive(Deserialize, Default)]
pub struct PointQuery {
    #[serde(default)]
    point: Option<i64>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    chosen: Option<i64>,
    message: String,
    last: Option<ServedMeal>,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    user.require(Permission::ServiceRead)?;
    if user.role() == Role::Family {
        return Err(AppError::Forbidden);
    }
    let (_, own) = viewer(state, user).await?;
    let list = state
        .store
        .meal_points_in(user.scope(), own.as_ref().map(|p| p.id))
        .await?;
    let day = state.clock().today();
    let first = day.with_day_first();
    let mut points = Vec::new();
    for p in list {
        let month = state.store.meals_at(p.facility_id, first, day).await?;
        let m = (month.len(), month.iter().map(|m| m.gov_fen).sum());
        points.push((p, m));
    }
    let point = own.as_ref().and_then(|_| {
        points
            .iter()
            .map(|(p, _)| p)
            .find(|p| chosen.is_none_or(|c| c == p.facility_id))
            .cloned()
    });
    let (served, samples) = match &point {
        Some(p) => (
            state.store.meals_at(p.facility_id, day, day).await?,
            state
                .store
                .samples_at(p.facility_id, day - chrono::Days::new(6), day)
                .await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let manage = user.may(Permission::ServiceManage);
    let (facilities, providers) = if manage {
        (
            state
                .store
                .facilities_in(user.scope())
                .await?
                .into_iter()
                .filter(|f| matches!(f.kind.as_str(), "meal_point" | "community_center"))
                .map(|f| (f.id, f.name))
                .collect(),
            state.store.providers_in(user.scope()).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    render(&MealsPage {
        layout: Layout::new(state, user, "老年助餐", "services"),
        tabs: tabs(user, "meals"),
        message,
        points,
        point,
        served,
        samples,
        meals: Meal::ALL.iter().map(|m| (m.code(), m.label())).collect(),
        ways: Way::ALL.iter().map(|m| (m.code(), m.label())).collect(),
        checks: Check::ALL.iter().map(|m| (m.code(), m.label())).collect(),
        current_meal: meal_at(state.clock().hour()).code(),
        facilities,
        providers,
        manage,
        last,
        errors,
    })
}

trait FirstDay {
    fn with_day_first(self) -> Self;
}

impl FirstDay for chrono::NaiveDate {
    fn with_day_first(self) -> Self {
        yiyang_domain::dates::Month::of(self).first_day()
    }
}

pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    flash: Flash,
    Query(q): Query<PointQuery>,
) -> Result<Html<String>, AppError> {
    page(&state, &user, q.point, flash.0, None, Vec::new()).await
}

#[derive(Deserialize)]
pub struct PointForm {
    #[serde(default)]
    facility: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    price: String,
}

pub async fn register(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<PointForm>,
) -> Result<Response, AppError> {
    user.require(Permission::ServiceManage)?;
    let facility: i64 = form.facility.trim().parse().map_err(|_| AppError::NotFound)?;
    let provider: i64 = form.provider.trim().parse().unwrap_or(0);
    match state
        .store
        .register_meal_point(facility, provider, &form.price, user.scope(), &user.actor("web"))
        .await
    {
        Ok(()) => Ok(flashed("/services/meals", "助餐点已登记").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, &user, None, String::new(), None, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// The point named in the path, run by the user's provider.
async fn own_point(state: &AppState, user: &CurrentUser, id: i64) -> Result<MealPoint, AppError> {
    user.require(Permission::ServiceDeliver)?;
    let (_, own) = viewer(state, user).await?;
    let own = own.ok_or(AppError::Forbidden)?;
    state
        .store
        .meal_points_in(user.scope(), Some(own.id))
        .await?
        .into_iter()
        .find(|p| p.facility_id == id)
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct CounterForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    meal: String,
    #[serde(default)]
    way: String,
    #[serde(default)]
    checked_by: String,
    #[serde(default)]
    dishes: String,
    #[serde(default)]
    sources: String,
}

pub async fn step(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<CounterForm>,
) -> Result<Response, AppError> {
    let point = own_point(&state, &user, id).await?;
    let actor = user.actor("web");
    let back = format!("/services/meals?point={id}");
    let r = match step.as_str() {
        "serve" => state
            .store
            .serve_meal(
                &point,
                &form.id_number,
                &form.meal,
                &form.way,
                &form.checked_by,
                state.clock().today(),
                &actor,
            )
            .await
            .map(Some),
        "sample" => state
            .store
            .record_sample(
                &point,
                state.clock().today(),
                &form.meal,
                &form.dishes,
                &form.sources,
                &actor,
                state.clock().now(),
            )
            .await
            .map(|_| None),
        _ => return Err(AppError::NotFound),
    };
    match r {
        Ok(Some(m)) => Ok(page(
            &state,
            &user,
            Some(id),
            format!("已记录：{} {}", m.person_name, m.meal_label()),
            Some(m),
            Vec::new(),
        )
        .await?
        .into_response()),
        Ok(None) => Ok(flashed(back, "留样已记录，保存 48 小时").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, &user, Some(id), String::new(), None, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
