//! A person's payment account (发放账户), set on the person's page by a clerk of the area.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use yiyang_domain::person::account::AccountInput;
use yiyang_domain::role::Permission;
use yiyang_store::StoreError;

use crate::access::Submitted;
use crate::error::AppError;
use crate::pages::render;
use crate::security::flashed;
use crate::AppState;

use super::detail::detail_page;

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
            &format!("/people/{id}"),
            &format!(
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
            let page = detail_page(&state, &user, id, String::new(), Some((typed, errors))).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
