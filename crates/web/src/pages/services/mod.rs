//! Home and community services (居家社区养老服务) pages: the orders of a division or of a
//! provider (`/services`), providers and their catalogue, the county's purchase of services,
//! family links; one order and its steps (`orders`); the worker's phone page; the family's
//! pages (`family`); monthly settlement (`settlement`).

pub mod beds;
pub mod family;
pub mod meals;
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
use yiyang_domain::services::order::OrderStatus;
use yiyang_store::services::lists::OrderSummary;
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
    t.push(("/services/beds", "家庭养老床位", active == "beds"));
    t.push(("/services/meals", "老年助餐", active == "meals"));
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
    summary: OrderSummary,
    orders: Vec<Order>,
    provider: Option<Provider>,
    now: DateTime<Utc>,
    late_minutes: i64,
}

impl ServicesPage {
    fn statuses(&self) -> &'static [OrderStatus] {
        OrderStatus::ALL
    }
    fn count(&self, s: &OrderStatus) -> i64 {
        self.summary.count(*s)
    }
    fn flag(&self, o: &Order) -> &'static str {
        o.timing(self.now, self.late_minutes).label()
    }
    fn gov_total(&self) -> String {
        yiyang_domain::Fen(self.summary.gov_fen).to_string()
    }
    fn satisfaction(&self) -> String {
        self.summary
            .average_rating()
            .map_or_else(|| "—".into(), |r| format!("{r:.1}"))
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
    let month = Month::parse(q.month.trim()).unwrap_or_else(|_| state.clock().month());
    let (from, to) = month_bounds(month);
    let (late_minutes, _) = state.store.service_timing_settings(user.scope()).await?;
    let t = state.clock().now();
    let summary = state
        .store
        .order_summary(user.scope(), &v, from, to, t, late_minutes)
        .await?;
    let orders = state
        .store
        .orders_page(user.scope(), &v, from, to, q.status.trim(), t, late_minutes, 300)
        .await?;
    Ok(render(&ServicesPage {
        layout: Layout::new(&state, &user, "居家社区养老服务", "services"),
        tabs: tabs(&user, "orders"),
        message: flash.0,
        month: month.to_string(),
        summary,
        orders,
        provider,
        now: t,
        late_minutes,
    })?
    .into_response())
}

/// Tells families of late and missed visits once a minute (`Store::tell_families_late_and_missed`).
pub fn spawn_late_notices(store: yiyang_store::Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store.tell_families_late_and_missed(store.clock().now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(orders = n, "families told of late or missed visits"),
                Err(e) => tracing::error!(error = %e, "telling families of late or missed visits"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    })
}
