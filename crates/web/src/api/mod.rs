//! The JSON API under `/api/v1`, with the same validation, scoping and auditing as the
//! pages. Its OpenAPI document is generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`.
//!
//! Authentication: `POST /api/v1/session` returns a token for `Authorization: Bearer`.
//! A browser session cookie also works; then state-changing calls need `X-CSRF-Token`.

pub mod benefits;
pub mod people;
pub mod run_steps;
pub mod sos;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// The document's frame: what is not a path. The paths come from [`router`], the same calls
/// that route them, so the document cannot list a route the server lacks or miss one it has.
#[derive(OpenApi)]
#[openapi(
    info(title = "颐养 Yiyang API", description = "养老服务平台接口：老年人信息库与按月发放。所有接口都只返回调用者管辖区划内的数据；管辖范围外的记录一律返回 404。"),
    components(schemas(LoginRequest, LoginResponse, ApiError, people::PersonSummary, people::PersonDetail, people::PeoplePage,
        people::Created, people::UpdateRequest, yiyang_domain::person::PersonInput, yiyang_domain::person::FieldError,
        benefits::Run, benefits::RunTotal, benefits::RunDetail, benefits::Line, benefits::LinesPage, benefits::StartRun,
        benefits::Started, benefits::NotStarted, benefits::RuleOutcome, benefits::BenefitOutcome, benefits::PackPart, benefits::PersonMonthJson,
        sos::SosSignal, sos::SosTaken, sos::SosCall)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "session", description = "登录与退出"), (name = "people", description = "老年人信息库"),
        (name = "benefits", description = "按月发放：批次、明细、审核审批与待遇说明"),
        (name = "sos", description = "一键呼救：设备以 HTTP Basic（设备编号:密钥）报警；值守人员查询呼救"))
)]
pub struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "device",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// The answers any operation can give besides its own: documented once here for every
/// operation, so that the document says what the server does (a fuzzer once found 31 places
/// where it did not). 404 where the path names a record; 413, 415 and 422 where a body is sent.
struct CommonErrors;
impl utoipa::Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |text: &str| {
            ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build()
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.delete, false),
            ];
            for (op, has_body) in ops {
                let Some(op) = op.as_mut() else { continue };
                let mut add = |code: &str, text: &str| {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| error(text).into());
                };
                add("400", "请求格式有误");
                add("401", "未登录或会话已过期");
                add("403", "角色无权使用此功能，或缺少 CSRF 令牌");
                add("429", "尝试次数过多");
                add("500", "服务器内部错误");
                if path.contains('{') {
                    add("404", "记录不存在或不在管辖范围内");
                }
                if has_body {
                    add("413", "请求体过大");
                    add("415", "请求体类型不是 application/json");
                    add("422", "输入有误，errors 列出每个字段的问题");
                }
            }
        }
    }
}

/// The error body of every failed API call.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// Machine-readable code: `unauthenticated`, `forbidden`, `not_found`, `csrf`, `invalid`, `conflict`, ...
    pub error: String,
    /// A message for people, in Chinese.
    pub message: String,
    /// Per-field problems, for `invalid`.
    pub errors: Vec<yiyang_domain::person::FieldError>,
}

/// The API's router and its OpenAPI document, from one list: each `routes!` names handlers
/// whose `#[utoipa::path]` gives both the route and its documentation.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login, logout))
        .routes(routes!(people::list, people::create))
        .routes(routes!(people::get, people::update))
        .routes(routes!(benefits::person_month))
        .routes(routes!(benefits::list, benefits::start))
        .routes(routes!(benefits::get))
        .routes(routes!(benefits::lines))
        .routes(routes!(benefits::review))
        .routes(routes!(benefits::approve))
        .routes(routes!(run_steps::send_back))
        .routes(routes!(run_steps::reject))
        .routes(routes!(run_steps::withdraw))
        .routes(routes!(sos::take))
        .routes(routes!(sos::calls))
        .split_for_parts();
    // After the paths are in: the errors every operation can give.
    utoipa::Modify::modify(&CommonErrors, &mut doc);
    (router.route(DOCUMENT_PATH, get(openapi_json)), doc)
}

/// Where the document is served (not itself an operation of the document).
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: std::sync::LazyLock<utoipa::openapi::OpenApi> = std::sync::LazyLock::new(|| router().1);
    &DOC
}

/// Every path the API routes, the document's own path included.
pub fn paths() -> Vec<String> {
    let mut out: Vec<String> = document().paths.paths.keys().cloned().collect();
    out.push(DOCUMENT_PATH.to_string());
    out
}

async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    pub role: String,
    pub scope: String,
    pub expires_at: String,
}

/// Log in; rate limited like the login page.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest, security(()),
    responses((status = 200, body = LoginResponse), (status = 401, body = ApiError), (status = 429, body = ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let ip = crate::auth::client_addr(&parts);
    state
        .limiter
        .check(&req.username, &ip)
        .map_err(|s| AppError::TooManyRequests { retry_after_secs: s })?;
    let Some(user) = state.store.authenticate(req.username.trim(), &req.password).await? else {
        state.limiter.failed(&req.username, &ip);
        return Err(AppError::Unauthenticated);
    };
    state.limiter.succeeded(&req.username, &ip);
    let token = state.store.create_session(&user).await?;
    let session = state.store.session(&token).await?.ok_or(AppError::Internal)?;
    state
        .store
        .audit(
            &yiyang_store::audit::Actor {
                name: user.username.clone(),
                channel: "api",
                source: ip,
                scope: user.scope.clone(),
            }
            .entry("login", "user", user.id, serde_json::json!({})),
        )
        .await?;
    Ok(Json(LoginResponse {
        token,
        role: user.role.code().into(),
        scope: user.scope,
        expires_at: session.expires_at.to_rfc3339(),
    }))
}

/// Log out (ends the session of the token used).
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204), (status = 401, body = ApiError)))]
pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    state.store.delete_session(&user.token).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub struct Endpoint {
    pub method: &'static str,
    pub path: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    layout: crate::pages::Layout,
    endpoints: Vec<Endpoint>,
}

/// A readable list of the endpoints, generated from the same OpenAPI document.
pub async fn docs_page(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    let doc = ApiDoc::openapi();
    let mut endpoints = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ] {
            if let Some(op) = op {
                let summary = op.summary.clone().or(op.description.clone()).unwrap_or_default();
                endpoints.push(Endpoint {
                    method,
                    path: path.clone(),
                    summary,
                });
            }
        }
    }
    crate::pages::render(&DocsPage {
        layout: crate::pages::Layout::new(&state, &user, "接口文档", "api"),
        endpoints,
    })
}
