//! 发放账户: the living people of the clerk's area without a payment account (缺少发放账户名单),
//! and the upload of accounts in bulk from the bank's or the social-security card system's list.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Response};
use yiyang_domain::role::Permission;
use yiyang_store::people::accounts::WithoutAccount;
use yiyang_store::people::accounts_import::AccountImport;
use yiyang_store::StoreError;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

/// People the page lists; the rest are counted.
const SHOWN: i64 = 300;

#[derive(Template)]
#[template(path = "people_accounts.html")]
struct AccountsPage {
    layout: Layout,
    without: Vec<WithoutAccount>,
    total: i64,
    report: Option<AccountImport>,
    error: String,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    report: Option<AccountImport>,
    error: String,
) -> Result<AccountsPage, AppError> {
    user.require(Permission::PersonWrite)?;
    let (mut without, total) = state.store.people_without_account(user.scope(), SHOWN).await?;
    for w in &mut without {
        w.id_number = yiyang_domain::id_number::mask(&w.id_number);
        w.hukou_division = state.store.reference().division_path(&w.hukou_division);
    }
    Ok(AccountsPage {
        layout: Layout::new(state, user, "发放账户", "accounts"),
        without,
        total,
        report,
        error,
    })
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    render(&page(&state, &user, None, String::new()).await?)
}

/// The accounts file: read and set at once, then the page again with what it did.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, form: Multipart) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let refuse = |error: String| async {
        let p = page(&state, &user, None, error).await?;
        Ok::<_, AppError>((axum::http::StatusCode::BAD_REQUEST, render(&p)?).into_response())
    };
    let file = match crate::pages::imports::saved_data_file(form, &user, "yiyang-accounts", "发放账户文件").await?
    {
        Ok(f) => f,
        Err(m) => return refuse(m).await,
    };
    let result = state
        .store
        .import_accounts(&file.path, &file.name, user.scope(), &user.actor("web"))
        .await;
    drop(file);
    match result {
        Ok(report) => Ok(render(&page(&state, &user, Some(report), String::new()).await?).into_response()),
        Err(StoreError::File(m) | StoreError::Refused(m)) => refuse(m).await,
        Err(e) => Err(e.into()),
    }
}
