//! Bulk import from the browser: upload, progress while it runs, then the summary, the
//! rejected rows and the .xlsx report.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use yiyang_domain::role::Permission;
use yiyang_store::import::{error_report_xlsx, ImportJob, RowError};

use super::{render, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

#[derive(Template)]
#[template(path = "imports.html")]
struct IndexPage {
    layout: Layout,
    jobs: Vec<ImportJob>,
    error: String,
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::PersonWrite)?;
    let jobs = state.store.import_jobs(user.scope(), true, 20).await?;
    render(&IndexPage {
        layout: Layout::new(&state, &user, "批量导入老年人信息", "imports"),
        jobs,
        error: String::new(),
    })
}

/// The import template (导入模板): the columns, text-formatted ID and code columns, the
/// instructions and the division codes of the clerk's scope by name.
pub async fn template(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let r = state.store.reference();
    let mut divisions: Vec<(String, String)> = r
        .divisions
        .keys()
        .filter(|c| c.starts_with(user.scope()) && c.len() >= user.scope().len().max(6))
        .map(|c| (c.clone(), r.division_path(c)))
        .collect();
    divisions.sort();
    let bytes = yiyang_store::import::template::people_template_xlsx(&r.catalogue, &divisions)?;
    Ok(super::download::xlsx_download("老年人信息导入模板.xlsx", bytes))
}

/// Saves the upload, registers the job and runs it in the background; the browser is sent
/// to the job's page, which follows its progress.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, form: Multipart) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let upload = read_upload(form).await?;
    let csrf = upload.field("_csrf");
    let file = upload.file;
    user.check_csrf(&csrf)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let jobs = state.store.import_jobs(user.scope(), true, 20).await?;
        let page = IndexPage {
            layout: Layout::new(&state, &user, "批量导入老年人信息", "imports"),
            jobs,
            error: "请选择要导入的 .csv 或 .xlsx 文件".into(),
        };
        return Ok((axum::http::StatusCode::BAD_REQUEST, render(&page)?).into_response());
    };
    let Some(ext) = data_ext(&name) else {
        return Err(AppError::BadRequest(
            "不支持的文件类型，请上传 .csv 或 .xlsx 文件".into(),
        ));
    };
    let (dir, path) = crate::security::private_upload("yiyang-upload", &ext, &bytes).map_err(|e| {
        tracing::error!(error = %e, "saving an upload");
        AppError::Internal
    })?;
    let actor = user.actor("web");
    let scope = user.scope().to_string();
    let job_id = state.store.begin_people_import(&path, &name, &scope, &actor).await?;
    let store = state.store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.run_people_import(job_id, &path, &scope, &actor, &|_, _| {}).await {
            tracing::warn!(job_id, error = %e, "import failed");
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
    Ok(Redirect::to(&format!("/imports/{job_id}")).into_response())
}

/// A multipart upload: its text fields and the file (name, bytes), if any.
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Reads an upload form: the field named `file` is the file, the others are text.
pub async fn read_upload(mut form: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload {
        fields: Vec::new(),
        file: None,
    };
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("上传失败：{e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("upload.csv").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("上传失败：{e}")))?;
            upload.file = Some((file_name, bytes.to_vec()));
        } else {
            upload.fields.push((name, field.text().await.unwrap_or_default()));
        }
    }
    Ok(upload)
}

/// The extension of a data file's name (lower case), if the readers take it.
fn data_ext(name: &str) -> Option<String> {
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    ["csv", "xlsx", "xlsm", "xls", "txt"]
        .contains(&ext.as_str())
        .then_some(ext)
}

/// A data file uploaded with a form (.csv or .xlsx), saved privately for the store to read and
/// removed when this is dropped; the form's other fields with it.
pub struct SavedUpload {
    dir: std::path::PathBuf,
    pub path: std::path::PathBuf,
    /// The file's name as uploaded.
    pub name: String,
    pub fields: Upload,
}

impl Drop for SavedUpload {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads an upload form, checks its CSRF token and saves its file. `Ok(Err(message))` when the
/// form has no file or a file of another type (`what` names the file wanted): the page says so.
pub async fn saved_data_file(
    form: Multipart,
    user: &CurrentUser,
    prefix: &str,
    what: &str,
) -> Result<Result<SavedUpload, String>, AppError> {
    let mut upload = read_upload(form).await?;
    user.check_csrf(&upload.field("_csrf"))?;
    let Some((name, bytes)) = upload.file.take().filter(|(_, b)| !b.is_empty()) else {
        return Ok(Err(format!("请选择要导入的{what}（.csv 或 .xlsx）")));
    };
    let Some(ext) = data_ext(&name) else {
        return Ok(Err("不支持的文件类型，请上传 .csv 或 .xlsx 文件".into()));
    };
    let (dir, path) = crate::security::private_upload(prefix, &ext, &bytes).map_err(|e| {
        tracing::error!(error = %e, "saving an upload");
        AppError::Internal
    })?;
    Ok(Ok(SavedUpload {
        dir,
        path,
        name,
        fields: upload,
    }))
}

async fn job_in_scope(state: &AppState, user: &CurrentUser, id: i64) -> Result<ImportJob, AppError> {
    let job = state.store.import_job(id).await?.ok_or(AppError::NotFound)?;
    // Older-people imports belong to the register's clerks, care-register imports to those
    // who keep institutions.
    let needed = if job.kind == "people" {
        Permission::PersonWrite
    } else {
        Permission::InstitutionWrite
    };
    if !user.may(needed) || !job.scope.starts_with(&user.session.user.scope) {
        return Err(AppError::NotFound);
    }
    Ok(job)
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    layout: Layout,
    job: ImportJob,
    errors: Vec<RowError>,
    more_errors: usize,
    percent: i64,
}

pub async fn job(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let job = job_in_scope(&state, &user, id).await?;
    let mut errors = if job.status == "done" {
        state.store.import_errors(id).await?
    } else {
        Vec::new()
    };
    let more_errors = errors.len().saturating_sub(500);
    errors.truncate(500);
    let percent = if job.total_rows > 0 {
        job.processed * 100 / job.total_rows
    } else {
        0
    };
    render(&JobPage {
        layout: Layout::new(&state, &user, "导入进度与结果", "imports"),
        job,
        errors,
        more_errors,
        percent,
    })
}

/// Polled by the job page while the import runs.
pub async fn status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<ImportJob>, AppError> {
    Ok(Json(job_in_scope(&state, &user, id).await?))
}

pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let job = job_in_scope(&state, &user, id).await?;
    let errors = state.store.import_errors(id).await?;
    let bytes = error_report_xlsx(&job, &errors)?;
    let name = format!(
        "导入问题报告-{}-{}.xlsx",
        id,
        job.file_name.trim_end_matches(".csv").trim_end_matches(".xlsx")
    );
    Ok(super::download::xlsx_download(&name, bytes))
}
