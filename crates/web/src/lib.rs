//! Yiyang's web app: server-rendered Chinese pages for staff, a JSON API under `/api/v1`
//! with its OpenAPI document, sessions, CSRF protection, scoping and auditing.
//! Everything the browser needs (CSS, script) is served by the app itself: deployments sit
//! on government intranets with no outside network.

pub mod api;
pub mod auth;
pub mod error;
pub mod pages;
pub mod security;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use yiyang_store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The policy packs in force for this server (the shipped ones unless `serve --packs`).
    pub packs: Arc<Vec<yiyang_domain::policy::Pack>>,
    pub limiter: Arc<auth::LoginLimiter>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The most rows one register export holds (the store's own cap unless lowered).
    pub export_rows: i64,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            packs: Arc::new(yiyang_domain::policy::shipped::packs()),
            limiter: Arc::new(auth::LoginLimiter::default()),
            secure_cookies: false,
            export_rows: yiyang_store::people::MAX_ROWS,
        }
    }
}

const APP_CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");

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

pub fn router(state: AppState) -> Router {
    let secure = state.secure_cookies;
    let routes = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/scope", post(pages::switch_scope))
        .route("/people", get(pages::people::list))
        .route("/people/export.xlsx", get(pages::people::export))
        .route("/people/new", get(pages::people::new_form).post(pages::people::create))
        .route("/people/{id}", get(pages::people::detail))
        .route(
            "/people/{id}/edit",
            get(pages::people::edit_form).post(pages::people::update),
        )
        .route(
            "/imports",
            get(pages::imports::index)
                .post(pages::imports::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        )
        .route("/imports/{id}", get(pages::imports::job))
        .route("/imports/{id}/status", get(pages::imports::status))
        .route("/imports/{id}/report.xlsx", get(pages::imports::report))
        .route("/audit", get(pages::audit::index))
        .route("/benefits", get(pages::benefits::index).post(pages::benefits::compute))
        .route("/benefits/what-if", get(pages::benefits::what_if))
        .route("/benefits/runs/{id}", get(pages::benefits::run))
        .route("/benefits/runs/{id}/review", post(pages::benefits::review))
        .route("/benefits/runs/{id}/approve", post(pages::benefits::approve))
        .route("/benefits/runs/{id}/export.xlsx", get(pages::benefits::export))
        .route("/people/{id}/benefits", get(pages::benefits::person_month))
        .route(
            "/people/{id}/assessments",
            get(pages::assessments::history).post(pages::assessment_form::record),
        )
        .route("/people/{id}/assessments/new", get(pages::assessment_form::new_form))
        .route(
            "/people/{id}/assessments/request",
            post(pages::assessment_form::request),
        )
        .route("/assessments/due", get(pages::assessments::due))
        .route("/settings", get(pages::settings::index))
        .route("/settings/assessment-validity", post(pages::settings::validity))
        .route("/settings/grading-thresholds", post(pages::settings::thresholds))
        .route("/assessments/{id}", get(pages::assessment_form::report))
        .route("/assessments/{id}/confirm", post(pages::assessment_confirm::confirm))
        .route("/assessments/{id}/review", post(pages::assessment_confirm::review))
        .route(
            "/institutions",
            get(pages::institutions::index).post(pages::institutions::create),
        )
        .route(
            "/institutions/import",
            get(pages::care_import::form)
                .post(pages::care_import::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        )
        .route("/institutions/{id}", get(pages::institutions::detail))
        .route(
            "/institutions/{id}/operator",
            post(pages::institutions::assign_operator),
        )
        .route("/institutions/{id}/beds", post(pages::institutions::add_beds))
        .route("/institutions/{id}/filing", post(pages::institutions::update_filing))
        .route(
            "/institutions/{id}/construction-subsidy",
            post(pages::institutions::grant_construction),
        )
        .route(
            "/institutions/{id}/residents",
            get(pages::institution_care::residents).post(pages::institution_care::admit),
        )
        .route(
            "/institutions/{id}/residents/{resident}",
            post(pages::institution_care::resident_step),
        )
        .route(
            "/institutions/{id}/waitlist",
            get(pages::institution_care::waitlist).post(pages::institution_care::apply),
        )
        .route(
            "/institutions/{id}/waitlist/offer",
            post(pages::institution_care::offer),
        )
        .route(
            "/institutions/{id}/waitlist/{application}",
            post(pages::institution_care::decide),
        )
        .route(
            "/institutions/{id}/staff",
            get(pages::institution_care::staff).post(pages::institution_care::add_staff),
        )
        .route(
            "/institutions/{id}/staff/{member}",
            post(pages::institution_care::staff_record),
        )
        .route(
            "/institutions/{id}/awards",
            get(pages::institution_care::awards).post(pages::institution_care::grant_awards),
        )
        .route("/institutions/{id}/interns", post(pages::institution_care::add_intern))
        .route(
            "/institutions/{id}/grading",
            get(pages::institution_care::grading).post(pages::institution_care::record_grading),
        )
        .route(
            "/institutions/{id}/beds/{bed}/status",
            post(pages::institutions::bed_status),
        )
        .route(
            "/facilities",
            get(pages::facilities::index).post(pages::facilities::create),
        )
        .route(
            "/facilities/{id}",
            get(pages::facilities::detail).post(pages::facilities::update),
        )
        .route("/facilities/{id}/subsidies", post(pages::facilities::grant))
        .route("/grants", get(pages::grants::index))
        .route("/grants/sign", post(pages::grants::sign))
        .route("/grants/export.xlsx", post(pages::grants::export))
        .route("/policy", get(pages::policy::index))
        .route("/policy/{id}", get(pages::policy::pack))
        .route("/api/docs", get(api::docs_page))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(api::routes());
    harden(routes, secure).with_state(state)
}

/// The layers every route sits behind: the error pages, the body limit, panics as 500 pages,
/// the security headers, request tracing. Public so that tests can put a route of their own
/// (one that panics) behind exactly these.
pub fn harden(routes: Router<AppState>, secure_cookies: bool) -> Router<AppState> {
    routes
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
    if let Err(e) = last.checkpoint_audit().await {
        tracing::error!(error = %e, "audit checkpoint at shutdown");
    }
    Ok(())
}
