//! 死亡信息比对: a county clerk uploads the death file another system delivered (公安、卫健、
//! 殡葬、民政), sees what became of each row, and decides the rows whose name or date disagrees
//! with the register. Everything here is scoped to the clerk's area: a file imported elsewhere,
//! or a review row of someone registered elsewhere, answers 404 like an unknown one.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yiyang_domain::person::death_file::{source_label, DeathOutcome};
use yiyang_domain::person::{FieldError, DEATH_SOURCES};
use yiyang_domain::role::Permission;
use yiyang_store::people::deaths::{DeathCounts, DeathFile, DeathRow};
use yiyang_store::StoreError;

use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::imports::saved_data_file;
use crate::pages::{local_minute, render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

/// Rows a file's page lists; the rest are counted.
const SHOWN_ROWS: i64 = 1_000;

#[derive(Template)]
#[template(path = "people_deaths.html")]
struct IndexPage {
    layout: Layout,
    files: Vec<DeathFile>,
    reviews: Vec<DeathRow>,
    sources: Vec<(&'static str, &'static str)>,
    message: String,
    error: String,
    /// The review row whose decision was refused, its note as typed, and why.
    failed: Option<(i64, String, Vec<FieldError>)>,
}

impl IndexPage {
    fn source_name(&self, code: &Option<String>) -> String {
        code.as_deref().map_or("各行自填", source_label).to_string()
    }
    fn when(&self, f: &DeathFile) -> String {
        local_minute(f.imported_at)
    }
    fn note_for(&self, id: &i64) -> String {
        self.failed
            .as_ref()
            .filter(|f| f.0 == *id)
            .map(|f| f.1.clone())
            .unwrap_or_default()
    }
    fn error_for(&self, id: &i64) -> String {
        self.failed
            .as_ref()
            .filter(|f| f.0 == *id)
            .map(|f| f.2.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；"))
            .unwrap_or_default()
    }
    fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
}

async fn index_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    error: String,
    failed: Option<(i64, String, Vec<FieldError>)>,
) -> Result<IndexPage, AppError> {
    Ok(IndexPage {
        layout: Layout::new(state, user, "死亡信息比对", "deaths"),
        files: state.store.death_files(user.scope(), 20).await?,
        reviews: state.store.death_reviews(user.scope(), 500).await?,
        sources: DEATH_SOURCES.iter().filter(|(c, _)| *c != "family").copied().collect(),
        message,
        error,
        failed,
    })
}

pub async fn index(State(state): State<AppState>, user: CurrentUser, flash: Flash) -> Result<Html<String>, AppError> {
    user.require(Permission::PersonWrite)?;
    render(&index_page(&state, &user, flash.0, String::new(), None).await?)
}

/// The upload: read and matched at once (a death file is small), then its page.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, form: Multipart) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let refuse = |error: String| async {
        let page = index_page(&state, &user, String::new(), error, None).await?;
        Ok::<_, AppError>((axum::http::StatusCode::BAD_REQUEST, render(&page)?).into_response())
    };
    let file = match saved_data_file(form, &user, "yiyang-deaths", "死亡信息文件").await? {
        Ok(f) => f,
        Err(m) => return refuse(m).await,
    };
    let chosen = file.fields.field("source");
    let default_source = DEATH_SOURCES.iter().find(|(c, _)| *c == chosen).map(|(c, _)| *c);
    let result = state
        .store
        .import_death_file(&file.path, &file.name, default_source, user.scope(), &user.actor("web"))
        .await;
    drop(file);
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/people/deaths/{id}")).into_response()),
        Err(StoreError::File(m) | StoreError::Refused(m)) => refuse(m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "people_death_file.html")]
struct FilePage {
    layout: Layout,
    file: DeathFile,
    counts: DeathCounts,
    rows: Vec<DeathRow>,
    more: i64,
}

impl FilePage {
    fn count(&self, code: &str) -> i64 {
        DeathOutcome::parse(code).map_or(0, |o| self.counts.of(o))
    }
    fn when(&self) -> String {
        local_minute(self.file.imported_at)
    }
    fn source_name(&self, code: &Option<String>) -> String {
        code.as_deref().map_or("—", source_label).to_string()
    }
    fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
}

pub async fn file(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    user.require(Permission::PersonWrite)?;
    let (file, counts) = state
        .store
        .death_file(id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = state.store.death_file_rows(id, SHOWN_ROWS).await?;
    let more = (file.total_rows - rows.len() as i64).max(0);
    render(&FilePage {
        layout: Layout::new(&state, &user, "死亡信息比对结果", "deaths"),
        file,
        counts,
        rows,
        more,
    })
}

#[derive(Deserialize)]
pub struct DecideForm {
    /// `confirm` or `dismiss`.
    decision: String,
    #[serde(default)]
    note: String,
}

/// Confirms or dismisses a row on the review list.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<DecideForm>,
) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return Err(AppError::BadRequest("请选择“确认死亡”或“不予登记”".into())),
    };
    match state
        .store
        .decide_death_row(id, confirm, &form.note, user.scope(), &user.actor("web"))
        .await
    {
        Ok(()) => {
            let said = if confirm {
                "已按核实结果登记死亡，下次发放起停发，多发的将追回"
            } else {
                "已记录核实情况，不予登记死亡"
            };
            Ok(flash_back(said).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            let page = index_page(
                &state,
                &user,
                String::new(),
                String::new(),
                Some((id, form.note, errors)),
            )
            .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn flash_back(msg: &str) -> Flashed {
    flashed("/people/deaths", msg)
}
