//! Yiyang's web app: server-rendered Chinese pages for staff, a JSON API under `/api/v1`
//! with its OpenAPI document, sessions, CSRF protection, scoping and auditing.
//! Everything the browser needs (CSS, script) is served by the app itself: deployments sit
//! on government intranets with no outside network.

pub mod access;
pub mod api;
pub mod auth;
pub mod error;
pub mod pages;
pub mod security;
pub mod sos;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use yiyang_store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The policy packs in force for this server (the shipped ones unless `serve --packs`).
    pub packs: Arc<Vec<yiyang_domain::policy::Pack>>,
    pub limiter: Arc<auth::LoginLimiter>,
    /// Complaints from the public page, throttled per address like logins but counted apart
    /// (a busy office's complaints must not lock its staff out, nor the reverse).
    pub complaint_limiter: Arc<auth::LoginLimiter>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The most rows one register export holds (the store's own cap unless lowered).
    pub export_rows: i64,
    /// Emergency calls to the duty desks' event streams.
    pub sos: sos::SosHub,
    /// Devices calling over HTTP, throttled per device and address after wrong secrets.
    pub device_limiter: Arc<auth::LoginLimiter>,
}

impl AppState {
    /// What day it is for every page and job: the store's clock (`yiyang_store::clock`).
    pub fn clock(&self) -> yiyang_store::Clock {
        self.store.clock()
    }

    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            packs: Arc::new(yiyang_domain::policy::shipped::packs()),
            limiter: Arc::new(auth::LoginLimiter::default()),
            complaint_limiter: Arc::new(auth::LoginLimiter::default()),
            secure_cookies: false,
            export_rows: yiyang_store::people::MAX_ROWS,
            sos: sos::SosHub::default(),
            device_limiter: Arc::new(auth::LoginLimiter::default()),
        }
    }
}

impl AppState {
    /// The packs in force now: the server's packs with every approved local figure filled in
    /// (the figures a county sets where its superior's document leaves them open).
    pub async fn packs_now(&self) -> Result<Arc<Vec<yiyang_domain::policy::Pack>>, error::AppError> {
        Ok(Arc::new(self.store.packs_in_force(&self.packs).await?))
    }
}

const APP_CSS: &str = include_str!("../static/app.css");
/// The page scripts, served as one file: small enhancements, and the division picker.
const APP_JS: &str = concat!(
    include_str!("../static/app.js"),
    include_str!("../static/division-picker.js")
);
/// ECharts 6 (Apache-2.0, `static/vendor/ECHARTS-LICENSE`), served by the app: deployments
/// have no outside network.
const ECHARTS_JS: &str = include_str!("../static/vendor/echarts.min.js");

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
}

async fn echarts() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ECHARTS_JS,
    )
}

pub fn router(state: AppState) -> Router {
    let secure = state.secure_cookies;
    let mut routes = Router::new();
    for (path, handler) in page_routes() {
        routes = routes.route(path, handler);
    }
    harden(routes.merge(api::router().0), secure).with_state(state)
}

/// Every page route: (path, its handlers). The router is built from this list and
/// [`api::router`], and so is the list of paths the access tests walk ([`route_paths`]), so a
/// new route is tested for CSRF, scope and 5xx the day it is added.
fn page_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(pages::home)),
        ("/login", get(pages::login_form).post(pages::login)),
        ("/logout", post(pages::logout)),
        ("/scope", post(pages::switch_scope)),
        ("/divisions/children", get(pages::divisions::children)),
        ("/divisions/search", get(pages::divisions::search)),
        ("/people", get(pages::people::list)),
        ("/people/export.xlsx", get(pages::people::export)),
        ("/people/new", get(pages::people::new_form).post(pages::people::create)),
        (
            "/people/deaths",
            get(pages::people::deaths::index)
                .post(pages::people::deaths::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        ("/people/deaths/{id}", get(pages::people::deaths::file)),
        ("/people/deaths/rows/{id}", post(pages::people::deaths::decide)),
        ("/people/{id}", get(pages::people::detail)),
        (
            "/people/{id}/edit",
            get(pages::people::edit_form).post(pages::people::update),
        ),
        (
            "/imports",
            get(pages::imports::index)
                .post(pages::imports::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        ("/imports/template.xlsx", get(pages::imports::template)),
        ("/imports/{id}", get(pages::imports::job)),
        ("/imports/{id}/status", get(pages::imports::status)),
        ("/imports/{id}/report.xlsx", get(pages::imports::report)),
        ("/audit", get(pages::audit::index)),
        ("/benefits", get(pages::benefits::index).post(pages::benefits::compute)),
        ("/benefits/what-if", get(pages::benefits::what_if)),
        ("/benefits/runs/{id}", get(pages::benefits::run)),
        ("/benefits/runs/{id}/review", post(pages::benefits::review)),
        ("/benefits/runs/{id}/approve", post(pages::benefits::approve)),
        ("/benefits/runs/{id}/return", post(pages::benefits::send_back)),
        ("/benefits/runs/{id}/reject", post(pages::benefits::reject)),
        ("/benefits/runs/{id}/withdraw", post(pages::benefits::withdraw)),
        ("/benefits/runs/{id}/export.xlsx", get(pages::benefits::export)),
        ("/people/{id}/benefits", get(pages::benefits::person_month)),
        (
            "/people/{id}/assessments",
            get(pages::assessments::history).post(pages::assessment_form::record),
        ),
        ("/people/{id}/assessments/new", get(pages::assessment_form::new_form)),
        (
            "/people/{id}/assessments/request",
            post(pages::assessment_form::request),
        ),
        ("/assessments/due", get(pages::assessments::due)),
        ("/settings", get(pages::settings::index)),
        ("/settings/assessment-validity", post(pages::settings::validity)),
        ("/settings/grading-thresholds", post(pages::settings::thresholds)),
        ("/settings/supervision", post(pages::settings::supervision)),
        ("/assessments/{id}", get(pages::assessment_form::report)),
        ("/assessments/{id}/confirm", post(pages::assessment_confirm::confirm)),
        ("/assessments/{id}/review", post(pages::assessment_confirm::review)),
        (
            "/institutions",
            get(pages::institutions::index).post(pages::institutions::create),
        ),
        (
            "/institutions/import",
            get(pages::care_import::form)
                .post(pages::care_import::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        ("/institutions/{id}", get(pages::institutions::detail)),
        (
            "/institutions/{id}/operator",
            post(pages::institutions::assign_operator),
        ),
        ("/institutions/{id}/beds", post(pages::institutions::add_beds)),
        ("/institutions/{id}/filing", post(pages::institutions::update_filing)),
        (
            "/institutions/{id}/construction-subsidy",
            post(pages::institutions::grant_construction),
        ),
        (
            "/institutions/{id}/residents",
            get(pages::institution_care::residents).post(pages::institution_care::admit),
        ),
        (
            "/institutions/{id}/residents/{resident}",
            get(pages::institution_bed::resident).post(pages::institution_care::resident_step),
        ),
        (
            "/institutions/{id}/waitlist",
            get(pages::institution_care::waitlist).post(pages::institution_care::apply),
        ),
        (
            "/institutions/{id}/waitlist/offer",
            post(pages::institution_care::offer),
        ),
        (
            "/institutions/{id}/waitlist/{application}",
            post(pages::institution_care::decide),
        ),
        (
            "/institutions/{id}/staff",
            get(pages::institution_care::staff).post(pages::institution_care::add_staff),
        ),
        (
            "/institutions/{id}/staff/{member}",
            post(pages::institution_care::staff_record),
        ),
        (
            "/institutions/{id}/awards",
            get(pages::institution_care::awards).post(pages::institution_care::grant_awards),
        ),
        ("/institutions/{id}/interns", post(pages::institution_care::add_intern)),
        (
            "/institutions/{id}/grading",
            get(pages::institution_care::grading).post(pages::institution_care::record_grading),
        ),
        ("/institutions/{id}/beds/{bed}", get(pages::institution_bed::bed)),
        (
            "/institutions/{id}/beds/{bed}/status",
            post(pages::institutions::bed_status),
        ),
        (
            "/facilities",
            get(pages::facilities::index).post(pages::facilities::create),
        ),
        (
            "/facilities/{id}",
            get(pages::facilities::detail).post(pages::facilities::update),
        ),
        ("/facilities/{id}/subsidies", post(pages::facilities::grant)),
        ("/grants", get(pages::grants::index)),
        ("/grants/sign", post(pages::grants::sign)),
        ("/grants/export.xlsx", post(pages::grants::export)),
        ("/policy", get(pages::policy::index)),
        (
            "/local-figures",
            get(pages::local_figures::index).post(pages::local_figures::propose),
        ),
        ("/local-figures/{id}/review", post(pages::local_figures::review)),
        ("/local-figures/{id}/approve", post(pages::local_figures::approve)),
        ("/local-figures/{id}/return", post(pages::local_figures::send_back)),
        ("/local-figures/{id}/withdraw", post(pages::local_figures::withdraw)),
        ("/policy/{id}", get(pages::policy::pack)),
        ("/indicators", get(pages::planning::indicators)),
        ("/dashboard", get(pages::planning::dashboard::dashboard)),
        ("/dashboard/refresh", post(pages::planning::dashboard::refresh)),
        ("/reports", get(pages::planning::report::page)),
        (
            "/planning/residential",
            get(pages::planning::residential::list).post(pages::planning::residential::create),
        ),
        ("/planning/residential/{id}", get(pages::planning::residential::detail)),
        (
            "/planning/residential/{id}/steps",
            post(pages::planning::residential::sign),
        ),
        ("/reports/export.xlsx", get(pages::planning::report::xlsx)),
        ("/services", get(pages::services::index)),
        ("/services/work", get(pages::services::orders::work)),
        (
            "/services/providers",
            get(pages::services::registers::providers).post(pages::services::registers::create_provider),
        ),
        ("/services/providers/{id}", get(pages::services::registers::provider)),
        (
            "/services/providers/{id}/catalogue",
            post(pages::services::registers::set_catalogue),
        ),
        (
            "/services/schemes",
            get(pages::services::registers::schemes).post(pages::services::registers::create_scheme),
        ),
        ("/services/links", get(pages::services::registers::links)),
        ("/services/links/direct", post(pages::services::registers::link_direct)),
        ("/services/links/{id}", post(pages::services::registers::decide_link)),
        (
            "/services/beds",
            get(pages::services::beds::index).post(pages::services::beds::open),
        ),
        ("/services/beds/{id}", get(pages::services::beds::show)),
        ("/services/beds/{id}/{step}", post(pages::services::beds::step)),
        ("/services/meals", get(pages::services::meals::index)),
        ("/services/meals/points", post(pages::services::meals::register)),
        ("/services/meals/{id}/{step}", post(pages::services::meals::step)),
        ("/services/orders/{id}", get(pages::services::orders::show)),
        (
            "/services/orders/{id}/provider/{step}",
            post(pages::services::orders::provider_step),
        ),
        (
            "/services/orders/{id}/worker/{step}",
            post(pages::services::orders::worker_step),
        ),
        (
            "/services/orders/{id}/close/{step}",
            post(pages::services::orders::close_step),
        ),
        (
            "/services/book/{id}",
            get(pages::services::orders::book_form).post(pages::services::orders::book),
        ),
        (
            "/services/settlement",
            get(pages::services::settlement::index).post(pages::services::settlement::prepare),
        ),
        ("/services/settlement/{id}", get(pages::services::settlement::show)),
        (
            "/services/settlement/{id}/payment.xlsx",
            get(pages::services::settlement::payment),
        ),
        (
            "/services/settlement/{id}/{step}",
            post(pages::services::settlement::advance),
        ),
        ("/family", get(pages::services::family::home)),
        ("/family/link", post(pages::services::family::request_link)),
        (
            "/family/order/{id}",
            get(pages::services::family::order_new).post(pages::services::family::order_place),
        ),
        ("/sos", get(pages::care::sos::desk)),
        ("/sos/events", get(pages::care::sos::events)),
        ("/sos/calls/{id}", get(pages::care::sos::call)),
        ("/sos/calls/{id}/{step}", post(pages::care::sos::step)),
        (
            "/sos/devices",
            get(pages::care::sos::devices).post(pages::care::sos::register),
        ),
        ("/sos/devices/{id}/{step}", post(pages::care::sos::device_step)),
        ("/sos/duty", post(pages::care::sos::duty)),
        ("/timebank", get(pages::care::timebank::staff)),
        ("/timebank/requests/{id}/{step}", post(pages::care::timebank::decide)),
        ("/timebank/allocate", post(pages::care::timebank::allocate)),
        ("/family/timebank", get(pages::care::timebank::volunteer)),
        ("/family/timebank/extract.json", get(pages::care::timebank::own_extract)),
        ("/family/timebank/{step}", post(pages::care::timebank::volunteer_step)),
        ("/visits", get(pages::care::index)),
        ("/visits/assign", post(pages::care::assign)),
        ("/visits/{id}", get(pages::care::form).post(pages::care::record)),
        ("/visits/follow-ups/{id}/close", post(pages::care::close_follow_up)),
        ("/visits/records/{id}", get(pages::care::visit_record::page)),
        (
            "/visits/records/{id}/photos",
            post(pages::care::visit_record::add_photo).layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        (
            "/visits/records/{id}/photos/{photo}",
            get(pages::care::visit_record::photo),
        ),
        ("/supervision", get(pages::supervision::index)),
        ("/supervision/batches", post(pages::supervision::plan)),
        ("/supervision/batches/{id}", get(pages::supervision::batch)),
        ("/supervision/batches/{id}/publish", post(pages::supervision::publish)),
        ("/supervision/batches/{id}/draw", post(pages::supervision::draw)),
        (
            "/supervision/inspections/{id}",
            get(pages::supervision::inspections::show),
        ),
        (
            "/supervision/inspections/{id}/record",
            post(pages::supervision::inspections::record),
        ),
        (
            "/supervision/inspections/{id}/photos",
            post(pages::supervision::inspections::add_photo).layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        (
            "/supervision/inspections/{id}/photos/{photo}",
            get(pages::supervision::inspections::photo),
        ),
        (
            "/supervision/inspections/{id}/confirm",
            post(pages::supervision::inspections::confirm),
        ),
        (
            "/supervision/inspections/{id}/publish",
            post(pages::supervision::inspections::publish),
        ),
        (
            "/supervision/inspections/{id}/respond",
            post(pages::supervision::inspections::respond),
        ),
        ("/supervision/hazards", get(pages::supervision::inspections::hazards)),
        (
            "/supervision/hazards/export.xlsx",
            get(pages::supervision::inspections::hazards_export),
        ),
        (
            "/supervision/hazards/{id}/rectify",
            post(pages::supervision::inspections::rectify),
        ),
        (
            "/supervision/hazards/{id}/verify",
            post(pages::supervision::inspections::verify),
        ),
        ("/supervision/registers", get(pages::supervision::registers::index)),
        (
            "/supervision/registers/items",
            post(pages::supervision::registers::add_item),
        ),
        (
            "/supervision/registers/inspectors",
            post(pages::supervision::registers::add_inspector),
        ),
        ("/supervision/credit", get(pages::supervision::oversight::credit)),
        (
            "/supervision/credit/records",
            post(pages::supervision::oversight::add_record),
        ),
        (
            "/supervision/credit/listings",
            post(pages::supervision::oversight::add_listing),
        ),
        (
            "/supervision/credit/listings/{id}/repair",
            post(pages::supervision::oversight::repair),
        ),
        (
            "/supervision/prepaid",
            get(pages::supervision::oversight::prepaid).post(pages::supervision::oversight::report),
        ),
        (
            "/supervision/complaints",
            get(pages::supervision::complaints::index).post(pages::supervision::complaints::take),
        ),
        (
            "/supervision/complaints/{id}",
            get(pages::supervision::complaints::show),
        ),
        (
            "/supervision/complaints/{id}/answer",
            post(pages::supervision::complaints::answer),
        ),
        (
            "/supervision/complaints/{id}/explain",
            post(pages::supervision::complaints::explain),
        ),
        (
            "/supervision/emergency",
            get(pages::supervision::oversight::emergency).post(pages::supervision::oversight::record_emergency),
        ),
        // 一公开 and complaints from anyone: public, no sign-in.
        ("/gongkai", get(pages::supervision::public::index)),
        (
            "/gongkai/zhuce",
            get(pages::services::family::signup_form).post(pages::services::family::signup),
        ),
        (
            "/gongkai/tousu",
            get(pages::supervision::public::complaint_new).post(pages::supervision::public::complaint_submit),
        ),
        (
            "/gongkai/tousu/chaxun",
            get(pages::supervision::public::complaint_status),
        ),
        (
            "/gongkai/tousu/pingjia",
            post(pages::supervision::public::complaint_rate),
        ),
        ("/gongkai/timebank/key", get(pages::care::timebank::public_key)),
        ("/gongkai/indicators.csv", get(pages::planning::report::open_data)),
        ("/gongkai/batches/{id}", get(pages::supervision::public::batch)),
        (
            "/gongkai/batches/{id}/batch.json",
            get(pages::supervision::public::batch_json),
        ),
        (
            "/gongkai/batches/{id}/draw.json",
            get(pages::supervision::public::draw_json),
        ),
        ("/api/docs", get(api::docs_page)),
        ("/static/app.css", get(css)),
        ("/static/app.js", get(js)),
        ("/static/echarts.min.js", get(echarts)),
    ]
}

/// Every path the app routes (pages and API), as written in the router.
pub fn route_paths() -> Vec<String> {
    page_routes()
        .into_iter()
        .map(|(p, _)| p.to_string())
        .chain(api::paths())
        .collect()
}

/// The layers every route sits behind: the error pages, the body limit, panics as 500 pages,
/// the security headers, request tracing. Public so that tests can put a route of their own
/// (one that panics) behind exactly these.
pub fn harden(routes: Router<AppState>, secure_cookies: bool) -> Router<AppState> {
    routes
        .layer(axum::middleware::from_fn(access::same_origin))
        .layer(axum::middleware::from_fn(error::render_errors))
        .layer(DefaultBodyLimit::max(security::BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            security::panic_response,
        ))
        .layer(axum::middleware::from_fn(move |req, next| {
            security::headers(secure_cookies, req, next)
        }))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Resumes, in the background, every run a stopped process left 计算中 (the run continues from
/// its cursor; nothing computed is computed twice).
pub async fn resume_interrupted_runs(state: &AppState, system: &yiyang_store::audit::Actor) {
    let runs = match state.store.interrupted_runs().await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "listing interrupted runs");
            return;
        }
    };
    if runs.is_empty() {
        return;
    }
    let packs = match state.packs_now().await {
        Ok(p) => p,
        Err(_) => return,
    };
    for (month, scope, pack) in runs {
        let Ok(m) = yiyang_domain::dates::Month::parse(&month) else {
            continue;
        };
        let (store, packs, system) = (state.store.clone(), packs.clone(), system.clone());
        tokio::spawn(async move {
            tracing::warn!(%month, %scope, %pack, "resuming a run interrupted by the last shutdown");
            let req = yiyang_store::benefits::RunRequest {
                pack: (pack != "auto").then_some(pack.as_str()),
                ..yiyang_store::benefits::RunRequest::new(m, &scope)
            };
            if let Err(e) = store.run_benefits(&req, &packs, &system, &|_, _| {}).await {
                tracing::error!(error = %e, %month, %scope, "resuming an interrupted run");
            }
        });
    }
}

/// Serves until Ctrl-C.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener).await
}

pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    // Imports left "running" by a process that died are over: say so before serving.
    let system = yiyang_store::audit::Actor {
        name: "system".into(),
        channel: "web",
        source: "startup".into(),
        scope: String::new(),
    };
    match state.store.fail_interrupted_imports(&system).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(jobs = n, "imports interrupted by the last shutdown marked failed"),
        Err(e) => tracing::error!(error = %e, "marking interrupted imports"),
    }
    // Monthly runs left 计算中 by the last process resume by themselves, from their cursor.
    resume_interrupted_runs(&state, &system).await;
    // Indicator values kept month by month for the dashboards (hourly).
    let snapshots = pages::planning::dashboard::spawn_snapshots(state.clone());
    // Emergency calls left unanswered go up the duty roster, checked every second.
    let escalation = sos::spawn_escalation(state.store.clone(), state.sos.clone());
    // Families are told of late and missed visits, checked every minute.
    let visits = pages::services::spawn_late_notices(state.store.clone());
    // Every few seconds the audit chain's head is sealed by a signed checkpoint outside the
    // database (only when it moved).
    let store = state.store.clone();
    let last = state.store.clone();
    let checkpoints = tokio::spawn(async move {
        loop {
            if let Err(e) = store.checkpoint_audit().await {
                tracing::error!(error = %e, "audit checkpoint");
            }
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    });
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    checkpoints.abort();
    visits.abort();
    escalation.abort();
    snapshots.abort();
    if let Err(e) = last.checkpoint_audit().await {
        tracing::error!(error = %e, "audit checkpoint at shutdown");
    }
    Ok(())
}
