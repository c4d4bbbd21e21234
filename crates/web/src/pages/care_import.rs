//! Importing institutions, beds, residents and assessment results from the browser. The
//! files are small, so the import runs while the browser waits and the page shows the result
//! with every rejected row.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Html;
use yiyang_domain::role::Permission;
use yiyang_store::care_import::{CareFile, CareImportSummary};

use super::{render, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

#[derive(Template)]
#[template(path = "care_import.html")]
struct ImportPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str, String)>,
    chosen: String,
    result: Option<CareImportSummary>,
    error: String,
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
        error: String::new(),
    })
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    form: Multipart,
) -> Result<Html<String>, AppError> {
    user.require(Permission::InstitutionWrite)?;
    let upload = super::imports::read_upload(form).await?;
    let (csrf, kind, file) = (upload.field("_csrf"), upload.field("kind"), upload.file);
    user.check_csrf(&csrf)?;
    let kind_ = CareFile::parse(&kind).ok_or_else(|| AppError::BadRequest("请选择导入内容".into()))?;
    let mut page = ImportPage {
        layout: Layout::new(&state, &user, "导入机构、床位、入住老人和评估结果", "institutions"),
        kinds: kinds(),
        chosen: kind,
        result: None,
        error: String::new(),
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        page.error = "请选择要导入的 .csv 或 .xlsx 文件".into();
        return render(&page);
    };
    let ext = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("csv")
        .to_lowercase();
    let dir = std::env::temp_dir().join(format!("yiyang-care-import-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let path = dir.join(format!("upload.{ext}"));
    std::fs::write(&path, &bytes).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let outcome = state
        .store
        .import_care(&path, kind_, user.scope(), &user.actor("web"))
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    match outcome {
        Ok(summary) => page.result = Some(summary),
        Err(yiyang_store::StoreError::File(m)) => page.error = m,
        Err(e) => return Err(e.into()),
    }
    render(&page)
}
