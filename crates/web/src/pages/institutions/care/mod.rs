//! An institution's people: residents on beds (admission, transfer, leave, discharge,
//! death), the public-institution waitlist; the staff roster, GB/T 37276 grading and awards in
//! `staff`.

use crate::access::InScope;
use crate::access::Submitted;
use crate::security::{flashed, Flashed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::role::Permission;
use yiyang_store::institutions::residents::{ResidentEvent, ResidentRow};
use yiyang_store::institutions::waitlist::WaitEntry;
use yiyang_store::institutions::Institution;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::institutions::bed::bed_label;
use crate::pages::institutions::{actor, institution_for, institution_to_change};
use crate::pages::{render, Layout};
use crate::AppState;

mod staff;
pub use staff::*;

/// A date typed in a form; empty means `today`.
fn date(raw: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, AppError> {
    if raw.trim().is_empty() {
        return Ok(today);
    }
    yiyang_domain::dates::parse_date(raw)
        .map_err(|e| AppError::Invalid(vec![yiyang_domain::person::FieldError::new("on", e.to_string())]))
}

fn back(id: i64, tab: &str, msg: &str) -> Flashed {
    flashed(format!("/institutions/{id}/{tab}"), msg)
}

// ---- residents ----

#[derive(Template)]
#[template(path = "institution_residents.html")]
struct ResidentsPage {
    layout: Layout,
    inst: Institution,
    tab: &'static str,
    message: String,
    residents: Vec<(ResidentRow, String)>,
    events: Vec<ResidentEvent>,
    free_beds: Vec<(i64, String)>,
    can_write: bool,
    /// The admission form as typed, and what was wrong with it.
    admit: AdmitForm,
    admit_errors: Vec<String>,
}

async fn residents_page(
    state: &AppState,
    user: &CurrentUser,
    inst: Institution,
    message: String,
    admit: AdmitForm,
    admit_errors: Vec<String>,
) -> Result<Html<String>, AppError> {
    let id = inst.id;
    let free_beds = state
        .store
        .beds(id)
        .await?
        .iter()
        .filter(|b| b.status == "vacant" || b.status == "reserved")
        .map(|b| (b.id, bed_label(b)))
        .collect();
    let residents = state
        .store
        .residents_of(id)
        .await?
        .into_iter()
        .map(|r| {
            let masked = yiyang_domain::id_number::mask(&r.id_number);
            (r, masked)
        })
        .collect();
    render(&ResidentsPage {
        layout: Layout::new(state, user, format!("{}：入住老人", inst.name), "institutions"),
        inst,
        tab: "residents",
        message,
        residents,
        events: state.store.resident_events(id, 50).await?,
        free_beds,
        can_write: user.may(Permission::ResidentWrite),
        admit,
        admit_errors,
    })
}

pub async fn residents(
    State(state): State<AppState>,
    InScope { user, item: inst }: InScope<Institution>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let admit = AdmitForm {
        on: state.clock().today().to_string(),
        ..AdmitForm::default()
    };
    residents_page(&state, &user, inst, flash.0, admit, Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct AdmitForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    bed_id: i64,
    #[serde(default)]
    on: String,
}

/// Admission. A refusal (no valid assessment, an unknown ID number, a bed taken meanwhile)
/// shows the residents page again with the form as typed and the reason next to it.
pub async fn admit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<AdmitForm>,
) -> Result<Response, AppError> {
    let inst = institution_to_change(&state, &user, id, Permission::ResidentWrite).await?;
    let done = match date(&f.on, state.clock().today()) {
        Ok(on) => state
            .store
            .admit_to_bed(id, &f.id_number, f.bed_id, on, user.scope(), &actor(&user))
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    let (status, errors) = match done {
        Ok(_) => return Ok(back(id, "residents", "已办理入住").into_response()),
        Err(AppError::Invalid(errs)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errs.iter()
                .map(|e| match e.field.as_str() {
                    "on" => format!("入住日期：{}", e.message),
                    "bed_id" => format!("床位：{}", e.message),
                    "id_number" => format!("身份证号：{}", e.message),
                    _ => e.message.clone(),
                })
                .collect(),
        ),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, vec![m]),
        Err(e) => return Err(e),
    };
    let page = residents_page(&state, &user, inst, String::new(), f, errors).await?;
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct StepForm {
    kind: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    to_bed: Option<i64>,
}

pub async fn resident_step(
    State(state): State<AppState>,
    Path((id, resident)): Path<(i64, i64)>,
    Submitted { user, form: f }: Submitted<StepForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::ResidentWrite).await?;
    let on = date(&f.on, state.clock().today())?;
    if f.kind == "transfer" {
        let to = f.to_bed.ok_or_else(|| {
            AppError::Invalid(vec![yiyang_domain::person::FieldError::new("to_bed", "请选择目标床位")])
        })?;
        // The target bed must belong to an institution the user may act in.
        let target = state.store.bed_institution(to).await?.ok_or(AppError::NotFound)?;
        institution_for(&state, &user, target).await?;
        state
            .store
            .transfer_resident(id, resident, to, on, &actor(&user))
            .await?;
        return Ok(back(id, "residents", "已办理调床或转出"));
    }
    state
        .store
        .resident_step(id, resident, &f.kind, on, &f.note, &actor(&user))
        .await?;
    Ok(back(id, "residents", "已记录"))
}

// ---- waitlist ----

#[derive(Template)]
#[template(path = "institution_waitlist.html")]
struct WaitlistPage {
    layout: Layout,
    inst: Institution,
    tab: &'static str,
    message: String,
    entries: Vec<(WaitEntry, String)>,
    vacant: Vec<(i64, String)>,
    can_write: bool,
    today: String,
}

pub async fn waitlist(
    State(state): State<AppState>,
    InScope { user, item: inst }: InScope<Institution>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let id = inst.id;
    let entries = state
        .store
        .waitlist(id, &state.packs_now().await?, state.clock().today())
        .await?
        .into_iter()
        .map(|e| {
            let masked = yiyang_domain::id_number::mask(&e.id_number);
            (e, masked)
        })
        .collect();
    let vacant = state
        .store
        .beds(id)
        .await?
        .iter()
        .filter(|b| b.status == "vacant")
        .map(|b| (b.id, bed_label(b)))
        .collect();
    render(&WaitlistPage {
        layout: Layout::new(&state, &user, format!("{}：入住评估轮候", inst.name), "institutions"),
        inst,
        tab: "waitlist",
        message: flash.0,
        entries,
        vacant,
        can_write: user.may(Permission::WaitlistWrite),
        today: state.clock().today().to_string(),
    })
}

#[derive(Deserialize)]
pub struct ApplyForm {
    id_number: String,
    #[serde(default)]
    applied_on: String,
    #[serde(default)]
    tekun_central: String,
    #[serde(default)]
    special_contribution: String,
    #[serde(default)]
    youfu: String,
}

pub async fn apply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<ApplyForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::WaitlistWrite).await?;
    state
        .store
        .apply_for_bed(
            id,
            &f.id_number,
            date(&f.applied_on, state.clock().today())?,
            f.tekun_central == "1",
            f.special_contribution == "1",
            f.youfu == "1",
            user.scope(),
            &actor(&user),
        )
        .await?;
    Ok(back(id, "waitlist", "已登记轮候申请"))
}

#[derive(Deserialize)]
pub struct OfferForm {
    bed_id: i64,
}

pub async fn offer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<OfferForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::WaitlistWrite).await?;
    state
        .store
        .offer_bed(
            id,
            f.bed_id,
            &state.packs_now().await?,
            state.clock().today(),
            &actor(&user),
        )
        .await?;
    Ok(back(id, "waitlist", "已将床位分配给轮候第一位"))
}

#[derive(Deserialize)]
pub struct DecideForm {
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    on: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Path((id, app)): Path<(i64, i64)>,
    Submitted { user, form: f }: Submitted<DecideForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::WaitlistWrite).await?;
    let accept = f.decision == "accept";
    state
        .store
        .decide_offer(
            id,
            app,
            accept,
            date(&f.on, state.clock().today())?,
            &f.note,
            &actor(&user),
        )
        .await?;
    Ok(back(id, "waitlist", if accept { "已入住" } else { "已记录放弃" }))
}

// ---- staff ----
