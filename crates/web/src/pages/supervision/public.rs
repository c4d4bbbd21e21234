//! 一公开: what anyone may see without signing in — the results published after inspection
//! (no person's name on them), and each batch's published inputs, public value, canonical text,
//! seed and draw, with the files `yiyang inspect verify` (or a few lines of any language)
//! takes to redo the draw; and complaints (投诉举报) from anyone, followed and rated with the
//! receipt code.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::complaint::{ComplaintCategory, Satisfaction};
use yiyang_domain::supervision::inspection::BatchStatus;
use yiyang_store::supervision::complaints::{Complaint, ComplaintInput};
use yiyang_store::supervision::{InspectionBatch, PublicResult};
use yiyang_store::StoreError;

use crate::error::AppError;
use crate::pages::render;
use crate::AppState;

#[derive(Template)]
#[template(path = "gongkai.html")]
struct PublicPage {
    results: Vec<PublicResult>,
    batches: Vec<InspectionBatch>,
    /// The 失信 listings in force.
    listings: Vec<yiyang_store::supervision::credit::Listing>,
}

impl PublicPage {
    fn status(&self, b: &InspectionBatch) -> &'static str {
        b.status().label()
    }
}

pub async fn index(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    render(&PublicPage {
        results: state.store.public_results().await?,
        batches: state.store.public_batches().await?,
        listings: state
            .store
            .listings_in("")
            .await?
            .into_iter()
            .filter(|l| l.in_force(state.clock().today()))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "gongkai_batch.html")]
struct PublicBatch {
    b: InspectionBatch,
    canonical: Option<String>,
    objects: usize,
    inspectors: usize,
}

impl PublicBatch {
    fn drawn(&self) -> bool {
        self.b.status() == BatchStatus::Drawn
    }
}

async fn public_batch(state: &AppState, id: &str) -> Result<InspectionBatch, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.public_batch(id).await?.ok_or(AppError::NotFound)
}

pub async fn batch(State(state): State<AppState>, Path(id): Path<String>) -> Result<Html<String>, AppError> {
    let b = public_batch(&state, &id).await?;
    let file = b.file();
    render(&PublicBatch {
        canonical: b.canonical_text(),
        objects: file.objects.len(),
        inspectors: file.inspectors.len(),
        b,
    })
}

fn json_file(name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

/// The batch file (`inspect draw --input`): its public value filled in once it is known.
pub async fn batch_json(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let b = public_batch(&state, &id).await?;
    let body = serde_json::to_string_pretty(&b.file()).map_err(|_| AppError::Internal)?;
    Ok(json_file(format!("batch-{}.json", b.id), body))
}

/// The draw (`inspect verify --draw`), once drawn.
pub async fn draw_json(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let b = public_batch(&state, &id).await?;
    let draw = b.draw.clone().ok_or(AppError::NotFound)?;
    Ok(json_file(format!("draw-{}.json", b.id), draw))
}

/// The token of the public complaint form: a double-submit cookie, as there is no session.
pub(crate) const PUBLIC_CSRF_COOKIE: &str = "yiyang_public_csrf";

#[derive(Template)]
#[template(path = "gongkai_tousu.html")]
struct ComplaintForm {
    csrf: String,
    institutions: Vec<(i64, String)>,
    categories: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    input: ComplaintInput,
    /// After submission: the receipt code.
    code: Option<String>,
    wait: Option<u64>,
}

impl ComplaintForm {
    fn selected(&self, id: &i64) -> bool {
        self.input.institution_id == id.to_string()
    }
}

async fn complaint_form(
    state: &AppState,
    jar: CookieJar,
    errors: Vec<FieldError>,
    input: ComplaintInput,
    code: Option<String>,
    wait: Option<u64>,
) -> Result<Response, AppError> {
    let csrf = crate::pages::random_hex();
    let cookie = Cookie::build((PUBLIC_CSRF_COOKIE, csrf.clone()))
        .path("/gongkai")
        .http_only(true)
        .same_site(SameSite::Strict);
    let institutions = state
        .store
        .institutions_in("")
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let page = render(&ComplaintForm {
        csrf,
        institutions,
        categories: ComplaintCategory::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        errors,
        input,
        code,
        wait,
    })?;
    Ok((jar.add(cookie), page).into_response())
}

pub async fn complaint_new(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    complaint_form(&state, jar, Vec::new(), ComplaintInput::default(), None, None).await
}

#[derive(Deserialize)]
pub struct PublicComplaint {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    complainant: String,
    #[serde(default)]
    phone: String,
}

/// Takes a complaint from anyone: the token must match its cookie, and one address may send a
/// handful before it is asked to wait (the login throttle's rules, in a limiter of its own).
pub async fn complaint_submit(
    State(state): State<AppState>,
    parts: Parts,
    jar: CookieJar,
    Form(f): Form<PublicComplaint>,
) -> Result<Response, AppError> {
    let ok = jar
        .get(PUBLIC_CSRF_COOKIE)
        .is_some_and(|c| !f._csrf.is_empty() && c.value() == f._csrf);
    if !ok {
        return Err(AppError::Csrf);
    }
    let ip = crate::auth::client_addr(&parts);
    let key = format!("@complaint-{ip}");
    let input = ComplaintInput {
        institution_id: f.institution_id,
        category: f.category,
        channel: String::new(),
        content: f.content,
        complainant: f.complainant,
        phone: f.phone,
    };
    if let Err(wait) = state.complaint_limiter.check(&key, &ip) {
        return complaint_form(&state, jar, Vec::new(), input, None, Some(wait)).await;
    }
    let actor = yiyang_store::audit::Actor {
        name: "公众（网上投诉）".into(),
        channel: "web",
        source: ip.clone(),
        scope: String::new(),
    };
    match state.store.submit_complaint(&input, None, &actor).await {
        Ok((_, code)) => {
            state.complaint_limiter.failed(&key, &ip);
            complaint_form(&state, jar, Vec::new(), ComplaintInput::default(), Some(code), None).await
        }
        Err(StoreError::Invalid(errors)) => {
            let page = complaint_form(&state, jar, errors, input, None, None).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "gongkai_chaxun.html")]
struct ComplaintStatusPage {
    csrf: String,
    code: String,
    c: Option<Complaint>,
    satisfactions: Vec<(&'static str, &'static str)>,
    message: String,
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    #[serde(default)]
    code: String,
}

async fn status_page(state: &AppState, jar: CookieJar, code: String, message: String) -> Result<Response, AppError> {
    let csrf = crate::pages::random_hex();
    let cookie = Cookie::build((PUBLIC_CSRF_COOKIE, csrf.clone()))
        .path("/gongkai")
        .http_only(true)
        .same_site(SameSite::Strict);
    let c = if code.trim().is_empty() {
        None
    } else {
        state.store.complaint_by_code(&code).await?
    };
    let page = render(&ComplaintStatusPage {
        csrf,
        code: code.chars().take(20).collect(),
        c,
        satisfactions: Satisfaction::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        message,
    })?;
    Ok((jar.add(cookie), page).into_response())
}

/// A complainant follows their complaint with the receipt code.
pub async fn complaint_status(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    status_page(&state, jar, q.code, String::new()).await
}

#[derive(Deserialize)]
pub struct RateForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    satisfaction: String,
}

pub async fn complaint_rate(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(f): Form<RateForm>,
) -> Result<Response, AppError> {
    let ok = jar
        .get(PUBLIC_CSRF_COOKIE)
        .is_some_and(|c| !f._csrf.is_empty() && c.value() == f._csrf);
    if !ok {
        return Err(AppError::Csrf);
    }
    let actor = yiyang_store::audit::Actor {
        name: "投诉人".into(),
        channel: "web",
        source: "public".into(),
        scope: String::new(),
    };
    state.store.rate_complaint(&f.code, &f.satisfaction, &actor).await?;
    status_page(&state, jar, f.code, "感谢您的评价".into()).await
}
