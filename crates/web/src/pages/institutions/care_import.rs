//! Importing institutions, beds, residents and assessment results from the browser. The
//! files are small, so the import runs while the browser waits and the page shows the result
//! with every rejected row.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Html;
use yiyang_domain::role::Permission;
use yiyang_store::import::ImportJob;
use yiyang_store::institutions::care_import::{CareFile, CareImportSummary};

use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

#[derive(Template)]
#[template(path = "care_import.html")]
struct ImportPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str, String)>,
    chosen: String,
    result: Option<CareImportSummary>,
    /// The import job just recorded, for its report.
    job: Option<i64>,
    /// Recent care-register imports in scope.
    jobs: Vec<ImportJob>,
    error: String,
}

impl ImportPage {
    fn kind_label(&self, code: &str) -> &'static str {
        CareFile::parse(code).map_or("", |k| k.label())
    }
}

fn kinds() -> Vec<(&'static str, &'static str, String)> {
    CareFile::ALL
        .iter()
        .map(|k| {
            let cols = k
                .columns()
                .iter()
                .map(|(_, h, req)| if *req { format!("{h}*") } else { h.to_string() })
                .collect::<Vec<_>>()
                .join("、");
            (k.code(), k.label(), cols)
        })
        .collect()
}

pub async fn form(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::InstitutionWrite)?;
    render(&ImportPage {
        layout: Layout::new(&state, &user, "导入机构、床位、入住老人和评估结果", "institutions"),
        kinds: kinds(),
        chosen: "institutions".into(),
        result: None,
        job: None,
        jobs: state.store.import_jobs(user.scope(), false, 20).await?,
        error: String::new(),
    })
}

pub async fn upload(
    State(state): State<AppState>,
    user: Can<perm::InstitutionWrite>,
    form: Multipart,
) -> Result<Html<String>, AppError> {
    let upload = crate::pages::imports::read_upload(form).await?;
    let (csrf, kind, file) = (upload.field("_csrf"), upload.field("kind"), upload.file);
    user.check_csrf(&csrf)?;
    let kind_ = CareFile::parse(&kind).ok_or_else(|| AppError::BadRequest("请选择导入内容".into()))?;
    let mut page = ImportPage {
        layout: Layout::new(&state, &user, "导入机构、床位、入住老人和评估结果", "institutions"),
        kinds: kinds(),
        chosen: kind,
        result: None,
        job: None,
        jobs: Vec::new(),
        error: String::new(),
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        page.error = "请选择要导入的 .csv 或 .xlsx 文件".into();
        page.jobs = state.store.import_jobs(user.scope(), false, 20).await?;
        return render(&page);
    };
    let ext = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("csv")
        .to_lowercase();
    let (dir, path) = crate::security::private_upload("yiyang-care-import", &ext, &bytes).map_err(|e| {
        tracing::error!(error = %e, "saving an upload");
        AppError::Internal
    })?;
    let outcome = state
        .store
        .import_care(&path, &name, kind_, user.scope(), &user.actor("web"))
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    match outcome {
        Ok((job, summary)) => {
            page.job = Some(job);
            page.result = Some(summary);
        }
        Err(yiyang_store::StoreError::File(m)) => page.error = m,
        Err(e) => return Err(e.into()),
    }
    page.jobs = state.store.import_jobs(user.scope(), false, 20).await?;
    render(&page)
}
