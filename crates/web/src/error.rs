//! One error policy for the whole app. Handlers return [`AppError`]; it becomes a response
//! that carries the error as an extension, and the `render_errors` layer turns that into
//! JSON under `/api` and a Chinese HTML page elsewhere. Internal details are logged, never
//! shown.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_store::StoreError;

#[derive(Debug, Clone)]
pub enum AppError {
    /// Not logged in: pages redirect to the login page, the API answers 401.
    Unauthenticated,
    /// Logged in but the role may not do this at all.
    Forbidden,
    /// Absent, or outside the user's scope: the two are indistinguishable on purpose.
    NotFound,
    Csrf,
    TooManyRequests {
        retry_after_secs: u64,
    },
    BadRequest(String),
    Invalid(Vec<FieldError>),
    Conflict(String),
    /// A body over the route's limit.
    TooLarge,
    Internal,
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "请先登录".into(),
            AppError::Forbidden => "您的角色无权访问此功能".into(),
            AppError::NotFound => "页面或记录不存在，或不在您的管辖范围内".into(),
            AppError::Csrf => "表单已过期，请返回刷新页面后重新提交".into(),
            AppError::TooManyRequests { retry_after_secs } => {
                format!("尝试次数过多，请 {} 分钟后再试", retry_after_secs.div_ceil(60))
            }
            AppError::BadRequest(m) | AppError::Conflict(m) => m.clone(),
            AppError::Invalid(_) => "输入有误，请按提示修改".into(),
            AppError::TooLarge => "提交的内容超过大小上限".into(),
            AppError::Internal => "服务器内部错误，请稍后再试；如果反复出现，请联系系统管理员".into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Csrf => "csrf",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge => "too_large",
            AppError::Internal => "internal",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Invalid(errs) => AppError::Invalid(errs),
            StoreError::Conflict => AppError::Conflict(e.to_string()),
            StoreError::File(m) => AppError::BadRequest(m),
            StoreError::Refused(m) => AppError::Conflict(m),
            StoreError::Forbidden(_) => AppError::Forbidden,
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

#[derive(Serialize)]
struct ApiErrorBody {
    error: &'static str,
    message: String,
    /// Always present (empty unless the error is `invalid`), as the API document says.
    errors: Vec<FieldError>,
}

/// Renders errors: JSON for `/api/...`, an HTML page (or the login redirect) otherwise.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let original = req.uri().to_string();
    let res = next.run(req).await;
    let Some(err) = res.extensions().get::<AppError>().cloned() else {
        // Extractor rejections (malformed JSON, wrong content type) come from axum as plain
        // text; API clients get them in the API's error format too.
        if api && res.status().is_client_error() {
            let status = res.status();
            let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
                .await
                .unwrap_or_default();
            let detail = String::from_utf8_lossy(&bytes).into_owned();
            let (error, message) = match status {
                StatusCode::NOT_FOUND => ("not_found", "接口不存在".to_string()),
                StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "该接口不支持此请求方法".to_string()),
                _ => ("bad_request", format!("请求格式有误：{detail}")),
            };
            let body = ApiErrorBody {
                error,
                message,
                errors: Vec::new(),
            };
            return (status, axum::Json(body)).into_response();
        }
        return res;
    };
    let status = res.status();
    let mut out = if api {
        let errors = if let AppError::Invalid(e) = &err {
            e.clone()
        } else {
            Vec::new()
        };
        (
            status,
            axum::Json(ApiErrorBody {
                error: err.code(),
                message: err.message(),
                errors,
            }),
        )
            .into_response()
    } else if matches!(err, AppError::Unauthenticated) {
        Redirect::to(&format!("/login?next={}", urlencode(&original))).into_response()
    } else {
        // Each field's problem is listed, and "back" returns to the form as it was typed
        // (browsers restore a form's fields on going back).
        let details: Vec<String> = match &err {
            AppError::Invalid(errs) => errs
                .iter()
                .map(|e| match yiyang_domain::person::field_label(&e.field) {
                    "字段" => e.message.clone(),
                    label => format!("{label}：{}", e.message),
                })
                .collect(),
            _ => Vec::new(),
        };
        (status, Html(crate::pages::error_page(status, &err.message(), &details))).into_response()
    };
    if let AppError::TooManyRequests { retry_after_secs } = err {
        out.headers_mut().insert(
            header::RETRY_AFTER,
            retry_after_secs.to_string().parse().expect("digits"),
        );
    }
    out
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
