//! One order and its steps, as each viewer may take them: the provider accepts, declines,
//! assigns; the worker checks in and out from a phone; the family confirms and rates; a clerk
//! confirms by call-back; whoever may, cancels. Also the worker's list and a clerk's booking
//! on someone's behalf.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::services::order::{self, Channel, ConfirmedBy};
use yiyang_store::services::orders::{Order, OrderInput, OrderViewer};
use yiyang_store::services::CatalogueRow;
use yiyang_store::StoreError;

use super::{tabs, viewer};
use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash};
use crate::AppState;

/// The order named in the path as the user sees it; an unknown id otherwise.
async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<(Order, OrderViewer), AppError> {
    let (v, _) = viewer(state, user).await?;
    let o = state
        .store
        .order_visible(id, user.scope(), &v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((o, v))
}

#[derive(Template)]
#[template(path = "services_order.html")]
struct OrderPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    o: Order,
    workers: Vec<(String, String)>,
    is_provider: bool,
    is_worker: bool,
    is_clerk: bool,
    flag: &'static str,
    tolerance: i64,
    errors: Vec<FieldError>,
}

impl OrderPage {
    fn open(&self) -> bool {
        self.o.status().open()
    }
    fn far(&self, m: &Option<i64>) -> bool {
        m.is_some_and(|m| m > self.tolerance)
    }
    fn worker_name(&self) -> String {
        let Some(w) = &self.o.worker else {
            return "未派单".into();
        };
        self.workers
            .iter()
            .find(|(u, _)| u == w)
            .map_or_else(|| w.clone(), |(_, n)| n.clone())
    }
    fn is(&self, s: &str) -> bool {
        self.o.status == s
    }
}

pub(crate) async fn order_page(
    state: &AppState,
    user: &CurrentUser,
    o: Order,
    v: &OrderViewer,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let (late, tolerance) = state.store.service_timing_settings(&o.division).await?;
    let provider = match v {
        OrderViewer::Provider(_) | OrderViewer::Division => state.store.provider_in(o.provider_id, "").await?,
        OrderViewer::Family(_) => None,
    };
    let workers = match &provider {
        Some(p) => state.store.provider_workers(&p.code).await?,
        None => Vec::new(),
    };
    // The page shows the person's address and phone: the view is audited (family excepted:
    // it is their own parent).
    if !matches!(v, OrderViewer::Family(_)) {
        state.store.record_order_view(&o, &user.actor("web")).await?;
    }
    let me = user.session.user.username.as_str();
    render(&OrderPage {
        layout: if matches!(v, OrderViewer::Family(_)) {
            Layout::new(state, user, format!("订单 {}", o.id), "family")
        } else {
            Layout::new(
                state,
                user,
                format!("订单 {}：{} {}", o.id, o.person_name, o.kind_label()),
                "services",
            )
        },
        tabs: tabs(user, "orders"),
        message,
        is_provider: matches!(v, OrderViewer::Provider(_)) && user.may(Permission::ServiceDeliver),
        is_worker: o.worker.as_deref() == Some(me),
        is_clerk: user.may(Permission::ServiceManage),
        flag: o.timing(state.clock().now(), late).label(),
        tolerance,
        workers,
        errors,
        o,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    flash: Flash,
) -> Result<Response, AppError> {
    let (o, v) = load(&state, &user, id).await?;
    if matches!(v, OrderViewer::Family(_)) {
        return Ok(super::family::order_page(&state, &user, o, flash.0, Vec::new())
            .await?
            .into_response());
    }
    Ok(order_page(&state, &user, o, &v, flash.0, Vec::new())
        .await?
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    worker: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    content: String,
}

/// Re-renders the order with the errors, or maps the store's answer.
async fn answered(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    r: Result<String, StoreError>,
) -> Result<Response, AppError> {
    match r {
        Ok(msg) => {
            let to = if user.role() == Role::Provider && msg.starts_with("已签") {
                "/services/work".to_string()
            } else {
                format!("/services/orders/{id}")
            };
            Ok(flashed(to, msg).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            let (o, v) = load(state, user, id).await?;
            let page = if matches!(v, OrderViewer::Family(_)) {
                super::family::order_page(state, user, o, String::new(), errors).await?
            } else {
                order_page(state, user, o, &v, String::new(), errors).await?
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The provider's steps: accept, decline, assign.
pub async fn provider_step(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<StepForm>,
) -> Result<Response, AppError> {
    user.require(Permission::ServiceDeliver)?;
    let (o, v) = load(&state, &user, id).await?;
    let OrderViewer::Provider(_) = v else {
        return Err(AppError::Forbidden);
    };
    let code = user.session.user.institution_id.clone().unwrap_or_default();
    let actor = user.actor("web");
    let r = match step.as_str() {
        "accept" => state
            .store
            .accept_order(&o, &actor, state.clock().now())
            .await
            .map(|_| "已接单，请派单".to_string()),
        "decline" => state
            .store
            .decline_order(&o, &form.reason, &actor, state.clock().now())
            .await
            .map(|_| "已拒单，已通知家属".to_string()),
        "assign" => state
            .store
            .assign_order(&o, form.worker.trim(), &code, &actor, state.clock().now())
            .await
            .map(|_| "已派单，已通知家属".to_string()),
        _ => return Err(AppError::NotFound),
    };
    answered(&state, &user, id, r).await
}

/// The assigned worker checks in or out, with the phone's position.
pub async fn worker_step(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<StepForm>,
) -> Result<Response, AppError> {
    user.require(Permission::ServiceDeliver)?;
    let (o, _) = load(&state, &user, id).await?;
    let actor = user.actor("web");
    let said = |what: &str, (m, tol): (Option<i64>, i64)| match m {
        Some(m) if m > tol => format!("已{what}；距老人住址 {m} 米，超出允许的 {tol} 米，已标记待核实"),
        Some(m) => format!("已{what}（距老人住址 {m} 米）"),
        None => format!("已{what}；老人住址尚未定位，无法核验位置"),
    };
    let r = match step.as_str() {
        "check-in" => state
            .store
            .check_in(&o, &form.lat, &form.lon, &actor, state.clock().now())
            .await
            .map(|d| said("签到", d)),
        "check-out" => state
            .store
            .check_out(&o, &form.lat, &form.lon, &form.items, &actor, state.clock().now())
            .await
            .map(|d| said("签退", d)),
        _ => return Err(AppError::NotFound),
    };
    answered(&state, &user, id, r).await
}

/// Cancel (family, provider or clerk) and confirm (family with a rating, clerk by call-back).
pub async fn close_step(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<StepForm>,
) -> Result<Response, AppError> {
    let (o, v) = load(&state, &user, id).await?;
    let who = match (&v, user.role()) {
        (OrderViewer::Family(_), _) => order::Actor::Family,
        (OrderViewer::Provider(_), _) if user.may(Permission::ServiceDeliver) => order::Actor::Provider,
        (OrderViewer::Division, _) if user.may(Permission::ServiceManage) => order::Actor::Clerk,
        _ => return Err(AppError::Forbidden),
    };
    let actor = user.actor("web");
    let r = match (step.as_str(), who) {
        ("reschedule", _) => state
            .store
            .reschedule_order(&o, who, &form.date, &form.time, &actor, state.clock().now())
            .await
            .map(|_| "上门时间已更改".to_string()),
        ("cancel", _) => state
            .store
            .cancel_order(&o, who, &form.reason, &actor, state.clock().now())
            .await
            .map(|_| "订单已取消".to_string()),
        ("confirm", order::Actor::Family) => {
            let rating = order::parse_rating(&form.rating);
            if rating.is_none() && !form.rating.trim().is_empty() {
                return Err(AppError::Invalid(vec![FieldError::new("rating", "评分为 1–5 星")]));
            }
            state
                .store
                .confirm_order(&o, ConfirmedBy::Family, rating, &form.note, &actor, state.clock().now())
                .await
                .map(|_| "已确认服务完成，谢谢您的评价".to_string())
        }
        ("complain", order::Actor::Family) => {
            let input = yiyang_store::supervision::complaints::ComplaintInput {
                category: form.category.clone(),
                content: form.content.clone(),
                complainant: user.session.user.display_name.clone(),
                phone: user.session.user.username.clone(),
                ..Default::default()
            };
            state
                .store
                .complain_about_order(&o, &input, &actor)
                .await
                .map(|(_, code)| format!("投诉已受理，受理号 {code}；县民政局核查后答复，可凭受理号查询进度"))
        }
        ("confirm", order::Actor::Clerk) => state
            .store
            .confirm_order(&o, ConfirmedBy::Callback, None, &form.note, &actor, state.clock().now())
            .await
            .map(|_| "已记录电话回访确认".to_string()),
        _ => return Err(AppError::Forbidden),
    };
    answered(&state, &user, id, r).await
}

#[derive(Template)]
#[template(path = "services_work.html")]
struct WorkPage {
    layout: Layout,
    message: String,
    orders: Vec<Order>,
}

/// The worker's phone page: today's and upcoming visits assigned to them, and those in service.
pub async fn work(State(state): State<AppState>, user: CurrentUser, flash: Flash) -> Result<Html<String>, AppError> {
    user.require(Permission::ServiceDeliver)?;
    viewer(&state, &user).await?;
    let me = user.session.user.username.clone();
    let t = state.clock().now();
    let orders = state
        .store
        .worker_orders(&me, t - chrono::Duration::days(2), t + chrono::Duration::days(7))
        .await?;
    // The list shows addresses and phones: the view is audited.
    if !orders.is_empty() {
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        state
            .store
            .audit(
                &user
                    .actor("web")
                    .entry("view", "service_work", me.as_str(), serde_json::json!({"orders": ids})),
            )
            .await?;
    }
    render(&WorkPage {
        layout: Layout::new(&state, &user, "我的上门任务", "services"),
        message: flash.0,
        orders,
    })
}

#[derive(Template)]
#[template(path = "services_book.html")]
struct BookPage {
    layout: Layout,
    person_id: i64,
    person_name: String,
    services: Vec<(CatalogueRow, String, bool)>,
    balance: Option<(String, i64, i64)>,
    input: OrderInput,
    errors: Vec<FieldError>,
}

impl BookPage {
    fn hours(m: &i64) -> String {
        format!("{:.1}", *m as f64 / 60.0)
    }
}

/// A new order's form: one unit, tomorrow at nine.
pub(crate) fn default_input(today: chrono::NaiveDate) -> OrderInput {
    let tomorrow = today + chrono::Days::new(1);
    OrderInput {
        units: "1".into(),
        date: tomorrow.to_string(),
        time: "09:00".into(),
        ..OrderInput::default()
    }
}

async fn book_page(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
    input: OrderInput,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let p = state
        .store
        .person_in_scope(person, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let services = state.store.services_for_person(person).await?;
    render(&BookPage {
        layout: Layout::new(state, user, format!("代下单：{}", p.record.name), "services"),
        person_id: person,
        person_name: p.record.name,
        balance: state.store.purchased_balance(person, state.clock().today()).await?,
        services,
        input,
        errors,
    })
}

/// A clerk orders on an older person's behalf (the person is in the clerk's scope).
pub async fn book_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    user.require(Permission::ServiceManage)?;
    book_page(&state, &user, id, default_input(state.clock().today()), Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct OrderFields {
    #[serde(default)]
    pub service_id: String,
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub lon: String,
}

impl OrderFields {
    pub fn input(self) -> OrderInput {
        OrderInput {
            service_id: self.service_id,
            units: self.units,
            date: self.date,
            time: self.time,
            note: self.note,
            lat: self.lat,
            lon: self.lon,
            plan_key: None,
        }
    }
}

pub async fn book(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<OrderFields>,
) -> Result<Response, AppError> {
    user.require(Permission::ServiceManage)?;
    state
        .store
        .person_in_scope(id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let input = form.input();
    match state
        .store
        .place_order(id, &input, Channel::Clerk, &user.actor("web"), state.clock().now())
        .await
    {
        Ok(oid) => Ok(flashed(format!("/services/orders/{oid}"), "已代为下单").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            book_page(&state, &user, id, input, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
