//! The time bank's pages. For a volunteer (a signed-up account, on a phone, 长辈模式 for an older
//! person's own account): open the account, ask for a service given to be banked or for one to
//! be paid with hours, give hours to a relative or the pool, download the signed extract. For
//! institutions and civil-affairs staff: the requests at their places to confirm, the month's
//! hours per division, the accounts, and the county's pool with its allocation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::care::timebank::{hours_label, Relation};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_store::care::timebank::LedgerEntry;
use yiyang_store::care::timebank_ops::{Account, PlaceViewer, Request, RequestInput};
use yiyang_store::StoreError;

use crate::access::{perm, Can, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::services::family::{family_layout, FamilyLayout};
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash};
use crate::AppState;

fn one(form: &[(String, String)], key: &str) -> String {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "family_timebank.html")]
struct VolunteerPage {
    layout: FamilyLayout,
    message: String,
    account: Option<Account>,
    entries: Vec<LedgerEntry>,
    requests: Vec<Request>,
    places: Vec<(String, String)>,
    relations: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    /// Which form the errors belong to: open, earn, redeem, transfer, donate.
    form: String,
    today: String,
}

impl VolunteerPage {
    fn error(&self, form: &str, field: &str) -> String {
        if self.form != form {
            return String::new();
        }
        crate::pages::field_error(&self.errors, field)
    }
    fn at(t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::pages::local(*t, "%Y-%m-%d")
    }
    fn signed(e: &LedgerEntry) -> String {
        let s = e.signed();
        format!("{}{}", if s >= 0 { "+" } else { "-" }, hours_label(s.abs()))
    }
}

async fn volunteer_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    form: &str,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let account = state.store.timebank_account_of(&user.session.user.username).await?;
    let (entries, requests) = match &account {
        Some(a) => (
            state.store.timebank_entries(a.id, 100).await?,
            state.store.timebank_requests_of(a.id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    render(&VolunteerPage {
        layout: family_layout(state, user, "时间银行").await?,
        message,
        account,
        entries,
        requests,
        places: state.store.timebank_places(user.scope()).await?,
        relations: Relation::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        errors,
        form: form.into(),
        today: state.clock().today().to_string(),
    })
}

pub async fn volunteer(
    State(state): State<AppState>,
    user: Can<perm::TimebankUse>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    volunteer_page(&state, &user, flash.0, "", Vec::new()).await
}

/// The volunteer's forms: `open`, `earn`, `redeem`, `transfer`, `donate`.
pub async fn volunteer_step(
    State(state): State<AppState>,
    Path(step): Path<String>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::TimebankUse)?;
    let me = user.session.user.username.clone();
    let actor = user.actor("web");
    let done = match step.as_str() {
        "open" => state
            .store
            .open_timebank_account(&me, &one(&form, "name"), &one(&form, "id_number"), user.scope(), &actor)
            .await
            .map(|_| "已开户"),
        "earn" | "redeem" => {
            let input = RequestInput {
                redeem: step == "redeem",
                place: one(&form, "place"),
                service: one(&form, "service"),
                served_on: one(&form, "served_on"),
                hours: one(&form, "hours"),
                beneficiary: one(&form, "beneficiary"),
                relation: one(&form, "relation"),
            };
            state
                .store
                .submit_timebank_request(&me, &input, &actor)
                .await
                .map(|_| "已提交，等待服务地点确认")
        }
        "transfer" => {
            let (number, name, relation) = (one(&form, "id_number"), one(&form, "name"), one(&form, "relation"));
            state
                .store
                .give_hours(&me, Some((&number, &name, &relation)), &one(&form, "hours"), &actor)
                .await
                .map(|_| "已转给亲属")
        }
        "donate" => state
            .store
            .give_hours(&me, None, &one(&form, "hours"), &actor)
            .await
            .map(|_| "已捐赠给公益池，谢谢您"),
        _ => return Err(AppError::NotFound),
    };
    match done {
        Ok(msg) => Ok(flashed("/family/timebank", msg).into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            volunteer_page(&state, &user, String::new(), &step, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

fn extract_response(x: &yiyang_domain::care::timebank::Extract) -> Response {
    crate::pages::download::download(
        "时间银行服务记录.json",
        "application/json; charset=utf-8",
        serde_json::to_string_pretty(x).unwrap_or_default().into_bytes(),
    )
}

/// The volunteer's own signed extract.
pub async fn own_extract(State(state): State<AppState>, user: Can<perm::TimebankUse>) -> Result<Response, AppError> {
    let account = state
        .store
        .timebank_account_of(&user.session.user.username)
        .await?
        .ok_or(AppError::NotFound)?;
    let issuer = issuer(&state, user.scope());
    Ok(extract_response(
        &state.store.timebank_extract(account.id, &issuer).await?,
    ))
}

fn issuer(state: &AppState, scope: &str) -> String {
    let province: String = scope.chars().take(2).collect();
    format!(
        "颐养养老服务平台（{}）",
        state.store.reference().division_name(&province).unwrap_or("")
    )
}

#[derive(Template)]
#[template(path = "timebank.html")]
struct StaffPage {
    layout: Layout,
    message: String,
    month: String,
    requests: Vec<Request>,
    figures: Vec<(String, String, String, i64)>,
    accounts: Vec<Account>,
    pool: Option<String>,
    decide: bool,
    allocate: bool,
    errors: Vec<FieldError>,
    reference: std::sync::Arc<yiyang_store::RefData>,
}

impl StaffPage {
    fn path(&self, code: &str) -> String {
        self.reference.division_path(code)
    }
}

fn place_viewer(user: &CurrentUser) -> Result<PlaceViewer, AppError> {
    match user.role() {
        Role::Institution => user
            .session
            .user
            .institution_id
            .clone()
            .map(PlaceViewer::Institution)
            .ok_or(AppError::Forbidden),
        _ => Ok(PlaceViewer::Division),
    }
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

async fn staff_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    month: Month,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let viewer = place_viewer(user)?;
    let r = state.store.reference();
    let figures = state
        .store
        .timebank_month(user.scope(), month)
        .await?
        .into_iter()
        .map(|(d, earned, redeemed, n)| (r.division_path(&d), hours_label(earned), hours_label(redeemed), n))
        .collect();
    let county: String = user.scope().chars().take(6).collect();
    let (accounts, pool) = if viewer == PlaceViewer::Division {
        let accounts = state.store.timebank_accounts_in(user.scope(), 200).await?;
        let pool = accounts
            .iter()
            .find(|a| a.kind == "pool" && a.division == county)
            .map(|a| a.hours());
        (accounts.into_iter().filter(|a| a.kind == "person").collect(), pool)
    } else {
        (Vec::new(), None)
    };
    render(&StaffPage {
        layout: Layout::new(state, user, "时间银行", "timebank"),
        message,
        month: month.to_string(),
        requests: state.store.timebank_requests_at(&viewer, user.scope()).await?,
        figures,
        accounts,
        pool,
        decide: user.may(Permission::TimebankConfirm),
        allocate: viewer == PlaceViewer::Division && user.may(Permission::TimebankConfirm) && user.scope().len() <= 6,
        errors,
        reference: state.store.reference(),
    })
}

pub async fn staff(
    State(state): State<AppState>,
    user: Can<perm::TimebankRead>,
    flash: Flash,
    Query(q): Query<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let month = Month::parse(&q.month).unwrap_or_else(|_| state.clock().month());
    staff_page(&state, &user, flash.0, month, Vec::new()).await
}

/// Confirms or refuses a request (`confirm` | `refuse`, with `note`).
pub async fn decide(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::TimebankConfirm)?;
    let confirm = match step.as_str() {
        "confirm" => true,
        "refuse" => false,
        _ => return Err(AppError::NotFound),
    };
    let viewer = place_viewer(&user)?;
    match state
        .store
        .decide_timebank_request(
            id,
            confirm,
            &one(&form, "note"),
            &viewer,
            user.scope(),
            &user.actor("web"),
        )
        .await
    {
        Ok(()) => Ok(flashed(
            "/timebank",
            if confirm {
                "已确认，时长已记入账本"
            } else {
                "已不予确认"
            },
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let month = state.clock().month();
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                staff_page(&state, &user, String::new(), month, errors).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Gives hours from the county's pool to an older person (`id_number`, `hours`, `reason`).
pub async fn allocate(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::TimebankConfirm)?;
    if place_viewer(&user)? != PlaceViewer::Division {
        return Err(AppError::Forbidden);
    }
    match state
        .store
        .allocate_donated(
            &one(&form, "id_number"),
            &one(&form, "hours"),
            &one(&form, "reason"),
            user.scope(),
            &user.actor("web"),
        )
        .await
    {
        Ok(()) => Ok(flashed("/timebank", "已从公益池分配").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let month = state.clock().month();
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                staff_page(&state, &user, String::new(), month, errors).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The platform's public key for extracts, for other platforms to verify them.
pub async fn public_key(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", state.store.timebank_public_key()?),
    )
        .into_response())
}
