//! 一公开: what anyone may see without signing in — the results published after inspection
//! (no person's name on them), and each batch's published inputs, public value, canonical text,
//! seed and draw, with the files `yiyang inspect verify` (or a few lines of any language)
//! takes to redo the draw.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use yiyang_domain::supervision::inspection::BatchStatus;
use yiyang_store::supervision::{InspectionBatch, PublicResult};

use crate::error::AppError;
use crate::pages::render;
use crate::AppState;

#[derive(Template)]
#[template(path = "gongkai.html")]
struct PublicPage {
    results: Vec<PublicResult>,
    batches: Vec<InspectionBatch>,
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
