//! What a person's payment needs, recorded on the person's page by a clerk of the area: the
//! payment account (发放账户), and a proof of life (资格认证) that releases payment held for
//! want of one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::benefits::hold::CheckMethod;
use yiyang_domain::person::account::AccountInput;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Permission;
use yiyang_store::StoreError;

use crate::access::Submitted;
use crate::error::AppError;
use crate::pages::render;
use crate::security::flashed;
use crate::AppState;

use super::detail::{detail_page, Refused};

/// Sets the account; a refused one comes back on the person's page as typed (bar the number),
/// with each wrong field named.
pub async fn set_account(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<AccountInput>,
) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    match state
        .store
        .set_payment_account(id, &form, user.scope(), &user.actor("web"))
        .await
    {
        Ok(account) => Ok(flashed(
            format!("/people/{id}"),
            format!(
                "已登记发放账户：{} {}，此后审批的批次按此账户发放",
                account.bank,
                account.number.masked()
            ),
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let typed = AccountInput {
                number: String::new(),
                number_again: String::new(),
                ..form
            };
            let page = detail_page(&state, &user, id, String::new(), Refused::Account(typed, errors)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LifeCheckForm {
    #[serde(default)]
    checked_on: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    note: String,
}

/// Records a proof of life; what runs held for want of it is paid by the next run.
pub async fn record_life_check(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<LifeCheckForm>,
) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let mut errors = Vec::new();
    let on = yiyang_domain::dates::parse_date(&form.checked_on)
        .map_err(|e| errors.push(FieldError::new("checked_on", format!("认证日期：{e}"))));
    let method = CheckMethod::parse(&form.method);
    if method.is_none() {
        errors.push(FieldError::new("method", "请选择认证方式"));
    }
    let result = match (on, method) {
        (Ok(on), Some(method)) if errors.is_empty() => {
            state
                .store
                .record_life_check(id, on, method, &form.note, user.scope(), &user.actor("web"))
                .await
        }
        _ => Err(StoreError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(flashed(
            format!("/people/{id}"),
            "已记录资格认证；此前因待认证暂停的待遇，下次发放时补发",
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = detail_page(&state, &user, id, String::new(), Refused::LifeCheck(errors)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
