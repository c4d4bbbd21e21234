//! Home and community services (居家社区养老服务) pages: the orders of a division or of a
//! provider (`/services`), providers and their catalogue, the county's purchase of services,
//! family links; one order and its steps (`orders`); the worker's phone page; the family's
//! pages (`family`); monthly settlement (`settlement`).

pub mod family;
pub mod orders;
pub mod registers;
pub mod settlement;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::services::order::{OrderStatus, Timing};
use yiyang_store::services::orders::{Order, OrderViewer};
use yiyang_store::services::Provider;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::Flash;
use crate::AppState;

/// Who is looking, and for provider staff, their provider.
pub(crate) async fn viewer(state: &AppState, user: &CurrentUser) -> Result<(OrderViewer, Option<Provider>), AppError> {
    match user.role() {
        Role::Family => Ok((OrderViewer::Family(user.session.user.username.clone()), None)),
        Role::Provider => {
            let code = user.session.user.institution_id.as_deref().ok_or(AppError::Forbidden)?;
            let p = state.store.provider_by_code(code).await?.ok_or(AppError::Forbidden)?;
            Ok((OrderViewer::Provider(p.id), Some(p)))
        }
        _ if user.may(Permission::ServiceRead) => Ok((OrderViewer::Division, None)),
        _ => Err(AppError::Forbidden),
    }
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

pub(crate) fn month_bounds(m: Month) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_local_timezone(chrono::Local)
            .earliest()
    };
    let a = start(m.first_day()).map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let b = start(m.last_day() + chrono::Days::new(1)).map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    (a, b)
}

/// The tabs of the services pages, for the user's role.
pub(crate) fn tabs(user: &CurrentUser, active: &str) -> Vec<(&'static str, &'static str, bool)> {
    let mut t = vec![("/services", "订单", active == "orders")];
    if user.role() == Role::Provider {
        t.push(("/services/work", "我的上门任务", active == "work"));
    }
    t.push(("/services/providers", "服务商", active == "providers"));
    if user.may(Permission::ServiceManage) {
        t.push(("/services/schemes", "政府购买服务", active == "schemes"));
        t.push(("/services/links", "家属关联", active == "links"));
    }
    if user.may(Permission::BenefitRead) {
        t.push(("/services/settlement", "月度结算", active == "settlement"));
    }
    t
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    month: String,
    orders: Vec<Order>,
    provider: Option<Provider>,
    now: DateTime<Utc>,
    late_minutes: i64,
    status: String,
}

impl ServicesPage {
    fn count(&self, s: &OrderStatus) -> usize {
        self.orders.iter().filter(|o| o.status() == *s).count()
    }
    fn statuses(&self) -> &'static [OrderStatus] {
        OrderStatus::ALL
    }
    fn flag(&self, o: &Order) -> &'static str {
        o.timing(self.now, self.late_minutes).label()
    }
    fn flagged(&self) -> usize {
        self.orders
            .iter()
            .filter(|o| o.timing(self.now, self.late_minutes) != Timing::OnTime)
            .count()
    }
    fn shown(&self) -> Vec<&Order> {
        self.orders
            .iter()
            .filter(|o| {
                self.status.is_empty()
                    || o.status == self.status
                    || (self.status == "flagged" && !self.flag(o).is_empty())
            })
            .take(300)
            .collect()
    }
    fn gov_total(&self) -> String {
        let f: i64 = self
            .orders
            .iter()
            .filter(|o| o.status().holds_hours())
            .map(|o| o.gov_fen)
            .sum();
        yiyang_domain::Fen(f).to_string()
    }
    fn satisfaction(&self) -> String {
        let r: Vec<i64> = self.orders.iter().filter_map(|o| o.rating).collect();
        if r.is_empty() {
            return "—".into();
        }
        format!("{:.1}", r.iter().sum::<i64>() as f64 / r.len() as f64)
    }
}

#[derive(Deserialize, Default)]
pub struct OrdersQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    status: String,
}

pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    flash: Flash,
    Query(q): Query<OrdersQuery>,
) -> Result<Response, AppError> {
    if user.role() == Role::Family {
        return Ok(axum::response::Redirect::to("/family").into_response());
    }
    let (v, provider) = viewer(&state, &user).await?;
    let month = Month::parse(q.month.trim()).unwrap_or_else(|_| Month::of(chrono::Local::now().date_naive()));
    let (from, to) = month_bounds(month);
    let orders = state.store.orders_visible(user.scope(), &v, from, to, 5000).await?;
    let (late_minutes, _) = state.store.service_timing_settings(user.scope()).await?;
    Ok(render(&ServicesPage {
        layout: Layout::new(&state, &user, "居家社区养老服务", "services"),
        tabs: tabs(&user, "orders"),
        message: flash.0,
        month: month.to_string(),
        orders,
        provider,
        now: now(),
        late_minutes,
        status: q.status,
    })?
    .into_response())
}
