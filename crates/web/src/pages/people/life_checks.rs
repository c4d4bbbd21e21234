//! 待遇资格认证: the living people of the clerk's area whose county asks for proof of life
//! (静默认证) and who have no sign of it for this month's payment — the township's list of
//! whom to see in person before the run holds their payment — and the upload of the
//! medical-insurance system's settlements, which prove life for everyone in them.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Response};
use yiyang_domain::role::Permission;
use yiyang_store::benefits::hold::ProofDue;
use yiyang_store::people::signs::SignImport;
use yiyang_store::StoreError;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

/// People the page lists; the rest are counted.
const SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "people_life_checks.html")]
struct LifeChecksPage {
    layout: Layout,
    /// None when the area is wider than a county (pick a county or township first).
    due: Option<Vec<ProofDue>>,
    total: i64,
    month: String,
    proof_months: Option<u32>,
    /// What an upload did, or why it was refused.
    report: Option<SignImport>,
    error: String,
}

impl LifeChecksPage {
    fn place(&self, division: &str) -> String {
        self.layout.division(division)
    }
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    render(&page(&state, &user, None, String::new()).await?)
}

/// The settlements file: read and matched at once, then the list again with what it did.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, form: Multipart) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let refuse = |error: String| async {
        let p = page(&state, &user, None, error).await?;
        Ok::<_, AppError>((axum::http::StatusCode::BAD_REQUEST, render(&p)?).into_response())
    };
    let file = match crate::pages::imports::saved_data_file(form, &user, "yiyang-signs", "医保结算文件").await? {
        Ok(f) => f,
        Err(m) => return refuse(m).await,
    };
    let result = state
        .store
        .import_life_signs(&file.path, &file.name, user.scope(), &user.actor("web"))
        .await;
    drop(file);
    match result {
        Ok(report) => Ok(render(&page(&state, &user, Some(report), String::new()).await?).into_response()),
        Err(StoreError::File(m) | StoreError::Refused(m)) => refuse(m).await,
        Err(e) => Err(e.into()),
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    report: Option<SignImport>,
    error: String,
) -> Result<LifeChecksPage, AppError> {
    user.require(Permission::PersonWrite)?;
    let month = yiyang_domain::dates::Month::of(state.clock().today());
    let scope = user.scope().to_string();
    let (due, total, proof_months) = if scope.len() >= 6 {
        let (mut due, total) = state.store.due_for_proof(&scope, month, SHOWN).await?;
        for d in &mut due {
            d.id_number = yiyang_domain::id_number::mask(&d.id_number);
        }
        let rule = state.store.hold_rule(&scope[..6]).await?;
        (Some(due), total, rule.proof_months)
    } else {
        (None, 0, None)
    };
    Ok(LifeChecksPage {
        layout: Layout::new(state, user, "待遇资格认证", "life-checks"),
        due,
        total,
        month: month.to_string(),
        proof_months,
        report,
        error,
    })
}
