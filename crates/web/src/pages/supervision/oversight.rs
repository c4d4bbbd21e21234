//! Credit (信用) and prepaid fees (预付费): the ratings and the 失信 list of the division's
//! institutions, the records a clerk enters; the monthly prepaid-fee reports, their alerts and
//! the watch list; emergency plans and drills. Institution staff see and report for their own
//! institution only.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Permission;
use yiyang_domain::supervision::credit::CreditKind;
use yiyang_domain::supervision::object::{ObjectKind, ObjectRef};
use yiyang_domain::Fen;
use yiyang_store::supervision::credit::{CreditRecord, Listing, ListingInput, Standing};
use yiyang_store::supervision::prepaid::{PrepaidInput, PrepaidRow};
use yiyang_store::supervision::{SupervisedObject, Viewer};
use yiyang_store::StoreError;

use super::viewer;
use crate::access::{perm, Can, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

/// The institutions the user may pick on a form: (id, name).
async fn own_institutions(state: &AppState, user: &CurrentUser, v: &Viewer) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state
        .store
        .institutions_in(user.scope())
        .await?
        .into_iter()
        .filter(|i| match v {
            Viewer::Division => true,
            Viewer::Institution(code) => &i.code == code,
            _ => false,
        })
        .map(|i| (i.id, i.name))
        .collect())
}

#[derive(Template)]
#[template(path = "supervision_credit.html")]
struct CreditPage {
    layout: Layout,
    today: chrono::NaiveDate,
    message: String,
    standings: Vec<Standing>,
    records: Vec<CreditRecord>,
    listings: Vec<Listing>,
    /// The objects a clerk may pick on the forms: institutions, providers, facilities.
    objects: Vec<SupervisedObject>,
    kinds: Vec<(&'static str, &'static str)>,
    can_write: bool,
    errors: Vec<FieldError>,
}

impl CreditPage {
    fn kind_label(&self, r: &CreditRecord) -> &'static str {
        r.kind().label()
    }
    fn in_force(&self, l: &Listing) -> bool {
        l.in_force(self.today)
    }
}

async fn credit_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let v = viewer(state, user).await?;
    let objects = state.store.supervised_objects_in(user.scope()).await?;
    // An institution's or a provider's staff see their own unit's credit only.
    let mine = |o: &ObjectRef| {
        objects.iter().any(|x| {
            &x.object == o
                && match &v {
                    Viewer::Institution(code) => o.kind == ObjectKind::Institution && &x.code == code,
                    Viewer::Provider(code) => o.kind == ObjectKind::Provider && &x.code == code,
                    _ => false,
                }
        })
    };
    let visible = !matches!(v, Viewer::Nobody);
    let all_of_scope = matches!(v, Viewer::Division | Viewer::Inspector(_));
    let (mut standings, mut records, mut listings) = (Vec::new(), Vec::new(), Vec::new());
    if visible {
        standings = state
            .store
            .credit_standings(user.scope(), state.clock().today())
            .await?;
        records = state.store.credit_records_in(user.scope()).await?;
        listings = state.store.listings_in(user.scope()).await?;
        if !all_of_scope {
            standings.retain(|s| mine(&s.object));
            records.retain(|r| mine(&r.object()));
            listings.retain(|l| mine(&l.object()));
        }
    }
    let can_write = user.may(Permission::SupervisionPlan);
    render(&CreditPage {
        today: state.clock().today(),
        layout: Layout::new(state, user, "信用监管", "supervision"),
        message,
        standings,
        records,
        listings,
        objects: if can_write { objects } else { Vec::new() },
        kinds: [
            CreditKind::Penalty,
            CreditKind::CommitmentKept,
            CreditKind::CommitmentBroken,
        ]
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect(),
        can_write,
        errors,
    })
}

pub async fn credit(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    credit_page(&state, &user, flash.0, Vec::new()).await
}

#[derive(Deserialize)]
pub struct RecordForm {
    /// The object's key (`provider:3`).
    #[serde(default)]
    object: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    recorded_on: String,
    #[serde(default)]
    reason: String,
}

fn invalid_or(e: StoreError) -> Result<Vec<FieldError>, AppError> {
    match e {
        StoreError::Invalid(errors) => Ok(errors),
        e => Err(e.into()),
    }
}

pub async fn add_record(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<RecordForm>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    match state
        .store
        .add_credit_record(
            &form.object,
            &form.kind,
            &form.recorded_on,
            &form.reason,
            user.scope(),
            &user.actor("web"),
        )
        .await
    {
        Ok(_) => Ok(flashed("/supervision/credit", "已记入信用记录").into_response()),
        Err(e) => {
            let errors = invalid_or(e)?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                credit_page(&state, &user, String::new(), errors).await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct ListingForm {
    #[serde(default)]
    object: String,
    #[serde(default)]
    listed_on: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    document: String,
}

pub async fn add_listing(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<ListingForm>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    let input = ListingInput {
        object: form.object,
        listed_on: form.listed_on,
        months: form.months,
        reason: form.reason,
        document: form.document,
    };
    let r = state
        .store
        .list_dishonest(&input, user.scope(), &user.actor("web"))
        .await;
    match r {
        Ok(_) => Ok(flashed("/supervision/credit", "已列入失信名单，并在公示页面公开").into_response()),
        Err(e) => {
            let errors = invalid_or(e)?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                credit_page(&state, &user, String::new(), errors).await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct RepairForm {
    #[serde(default)]
    note: String,
}

pub async fn repair(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<RepairForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::SupervisionPlan)?;
    state
        .store
        .repair_listing(id, &form.note, user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed("/supervision/credit", "信用已修复"))
}

#[derive(Template)]
#[template(path = "supervision_prepaid.html")]
struct PrepaidPage {
    layout: Layout,
    message: String,
    reports: Vec<PrepaidRow>,
    watch: Vec<PrepaidRow>,
    institutions: Vec<(i64, String)>,
    can_report: bool,
    errors: Vec<FieldError>,
    input: PrepaidInput,
}

impl PrepaidPage {
    fn yuan(&self, fen: &i64) -> String {
        Fen(*fen).to_string()
    }
    fn error(&self, field: &str) -> String {
        crate::pages::field_error(&self.errors, field)
    }
}

async fn prepaid_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    errors: Vec<FieldError>,
    input: Option<PrepaidInput>,
) -> Result<Html<String>, AppError> {
    let v = viewer(state, user).await?;
    super::not_a_provider(&v)?;
    let institutions = own_institutions(state, user, &v).await?;
    let reports = state.store.prepaid_reports(user.scope(), &v).await?;
    let watch = match v {
        Viewer::Division => state.store.prepaid_watch_list(user.scope()).await?,
        _ => reports
            .iter()
            .take(3)
            .filter(|r| r.alerts != "[]")
            .take(1)
            .cloned()
            .collect(),
    };
    let input = input.unwrap_or_else(|| PrepaidInput {
        institution_id: institutions.first().map(|i| i.0.to_string()).unwrap_or_default(),
        month: yiyang_domain::dates::Month::of(state.clock().today())
            .prev()
            .to_string(),
        ..PrepaidInput::default()
    });
    render(&PrepaidPage {
        layout: Layout::new(state, user, "预付费和会员卡监管", "supervision"),
        message,
        reports,
        watch,
        can_report: matches!(v, Viewer::Division if user.may(Permission::SupervisionPlan))
            || (matches!(v, Viewer::Institution(_)) && user.may(Permission::HazardRectify)),
        institutions,
        errors,
        input,
    })
}

pub async fn prepaid(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    prepaid_page(&state, &user, flash.0, Vec::new(), None).await
}

#[derive(Deserialize)]
pub struct PrepaidForm {
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    deposits: String,
    #[serde(default)]
    prepaid: String,
    #[serde(default)]
    card_balance: String,
    #[serde(default)]
    cards_sold: String,
    #[serde(default)]
    largest_per_person: String,
    #[serde(default)]
    monthly_fee: String,
    #[serde(default)]
    net_assets: String,
}

pub async fn report(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<PrepaidForm>,
) -> Result<Response, AppError> {
    let v = viewer(&state, &user).await?;
    if !may_report(&user, &v) {
        return Err(AppError::Forbidden);
    }
    let input = PrepaidInput {
        institution_id: f.institution_id,
        month: f.month,
        deposits: f.deposits,
        prepaid: f.prepaid,
        card_balance: f.card_balance,
        cards_sold: f.cards_sold,
        largest_per_person: f.largest_per_person,
        monthly_fee: f.monthly_fee,
        net_assets: f.net_assets,
    };
    match state
        .store
        .report_prepaid(&input, user.scope(), &v, &user.actor("web"))
        .await
    {
        Ok(alerts) if alerts.is_empty() => {
            Ok(flashed("/supervision/prepaid", "已报送，未发现风险提示").into_response())
        }
        Ok(alerts) => Ok(flashed(
            "/supervision/prepaid",
            format!("已报送；风险提示 {} 项，已列入关注名单", alerts.len()),
        )
        .into_response()),
        Err(e) => {
            let errors = invalid_or(e)?;
            let page = prepaid_page(&state, &user, String::new(), errors, Some(input)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "supervision_emergency.html")]
struct EmergencyPage {
    layout: Layout,
    message: String,
    rows: Vec<yiyang_store::supervision::emergency::Preparedness>,
    institutions: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    can_write: bool,
    errors: Vec<FieldError>,
}

fn may_report(user: &CurrentUser, v: &Viewer) -> bool {
    match v {
        Viewer::Division => user.may(Permission::SupervisionPlan),
        Viewer::Institution(_) => user.may(Permission::HazardRectify),
        _ => false,
    }
}

async fn emergency_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    use yiyang_domain::supervision::emergency::EmergencyKind;
    let v = viewer(state, user).await?;
    super::not_a_provider(&v)?;
    render(&EmergencyPage {
        layout: Layout::new(state, user, "应急预案和演练", "supervision"),
        message,
        rows: state
            .store
            .preparedness(user.scope(), &v, state.clock().today())
            .await?,
        institutions: own_institutions(state, user, &v).await?,
        kinds: EmergencyKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        can_write: may_report(user, &v),
        errors,
    })
}

pub async fn emergency(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    emergency_page(&state, &user, flash.0, Vec::new()).await
}

#[derive(Deserialize)]
pub struct EmergencyForm {
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    text: String,
}

pub async fn record_emergency(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<EmergencyForm>,
) -> Result<Response, AppError> {
    let v = viewer(&state, &user).await?;
    if !may_report(&user, &v) {
        return Err(AppError::Forbidden);
    }
    let drill = f.what != "plan";
    let input = yiyang_store::supervision::emergency::EmergencyInput {
        institution_id: f.institution_id,
        kind: f.kind,
        date: f.date,
        text: f.text,
        participants: f.participants,
    };
    match state
        .store
        .record_emergency(&input, drill, user.scope(), &v, &user.actor("web"))
        .await
    {
        Ok(_) => Ok(flashed(
            "/supervision/emergency",
            if drill { "演练已登记" } else { "预案已登记" },
        )
        .into_response()),
        Err(e) => {
            let errors = invalid_or(e)?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                emergency_page(&state, &user, String::new(), errors).await?,
            )
                .into_response())
        }
    }
}
