//! Yiyang's web app: server-rendered Chinese pages for staff, a JSON API under `/api/v1`
//! with its OpenAPI document, sessions, CSRF protection, scoping and auditing.
//! Everything the browser needs (CSS, script) is served by the app itself: deployments sit
//! on government intranets with no outside network.

pub mod access;
pub mod api;
pub mod auth;
pub mod error;
pub mod pages;
mod routes;
pub mod security;
pub mod sos;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
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

pub fn router(state: AppState) -> Router {
    let secure = state.secure_cookies;
    let mut routes = Router::new();
    for (path, handler) in routes::page_routes() {
        routes = routes.route(path, handler);
    }
    harden(routes.merge(api::router().0), secure).with_state(state)
}

/// Every path the app routes (pages and API), as written in the router.
pub fn route_paths() -> Vec<String> {
    routes::page_routes()
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
