//! Complaints for staff: the division's list with its statistics and overdue ones, intake by
//! phone or visit, and the answer (finding, reply, and optionally a hazard). Institution staff
//! see the complaints about their own institution, without the complainant, and state their
//! side (情况说明) of one awaiting the answer; so do providers' staff on their provider's page.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::supervision::complaint::{Channel, ComplaintCategory, ComplaintFinding, ComplaintStatus};
use yiyang_domain::supervision::inspection::HazardCategory;
use yiyang_store::supervision::complaints::{Answer, Complaint, ComplaintInput, Party};
use yiyang_store::supervision::Viewer;
use yiyang_store::StoreError;

use super::viewer;
use crate::access::{perm, Can, InScope, ScopedRecord, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash};
use crate::AppState;

type Options = Vec<(&'static str, &'static str)>;

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Options {
    all.iter().map(|x| (code(*x), label(*x))).collect()
}

impl ScopedRecord for Complaint {
    const READ: Permission = Permission::SupervisionPlan;
    /// Only the division's staff open a complaint (it names the complainant); the view is audited.
    async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<Self>, AppError> {
        Ok(state.store.open_complaint(id, user.scope(), &user.actor("web")).await?)
    }
}

#[derive(Template)]
#[template(path = "supervision_complaints.html")]
struct ListPage {
    layout: Layout,
    message: String,
    complaints: Vec<Complaint>,
    /// (category label, received, upheld)
    by_category: Vec<(&'static str, usize, usize)>,
    institutions: Vec<(i64, String)>,
    categories: Options,
    channels: Options,
    can_take: bool,
    /// Institution staff may state their side of a complaint awaiting the answer.
    can_explain: bool,
    draft: StatementDraft,
    within: i64,
    errors: Vec<FieldError>,
}

/// A statement (情况说明) as typed, kept on the page that refused it: the complaint and the text.
#[derive(Default)]
pub(crate) struct StatementDraft {
    pub id: i64,
    pub text: String,
}

impl ListPage {
    fn overdue(&self) -> usize {
        self.complaints.iter().filter(|c| c.overdue).count()
    }
    fn open(&self) -> usize {
        self.complaints
            .iter()
            .filter(|c| c.status() == ComplaintStatus::Received)
            .count()
    }
    fn satisfied(&self) -> String {
        let rated: Vec<&Complaint> = self.complaints.iter().filter(|c| c.satisfaction.is_some()).collect();
        if rated.is_empty() {
            return "—".into();
        }
        let ok = rated
            .iter()
            .filter(|c| c.satisfaction.as_deref() != Some("dissatisfied"))
            .count();
        format!("{}%", ok * 100 / rated.len())
    }
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    errors: Vec<FieldError>,
    draft: StatementDraft,
) -> Result<Html<String>, AppError> {
    let v = viewer(state, user).await?;
    super::not_a_provider(&v)?;
    let complaints = state
        .store
        .complaints_visible(user.scope(), &v, state.clock().today())
        .await?;
    let by_category = ComplaintCategory::ALL
        .iter()
        .map(|c| {
            let of: Vec<&Complaint> = complaints.iter().filter(|x| x.category == c.code()).collect();
            let upheld = of
                .iter()
                .filter(|x| {
                    x.finding
                        .as_deref()
                        .and_then(ComplaintFinding::parse)
                        .is_some_and(|f| f.upheld())
                })
                .count();
            (c.label(), of.len(), upheld)
        })
        .filter(|x| x.1 > 0)
        .collect();
    let can_take = user.may(Permission::SupervisionPlan) && v == Viewer::Division;
    render(&ListPage {
        layout: Layout::new(state, user, "投诉举报", "supervision"),
        message,
        complaints,
        by_category,
        institutions: if can_take {
            state
                .store
                .institutions_in(user.scope())
                .await?
                .into_iter()
                .map(|i| (i.id, i.name))
                .collect()
        } else {
            Vec::new()
        },
        categories: options(
            ComplaintCategory::ALL,
            ComplaintCategory::code,
            ComplaintCategory::label,
        ),
        channels: options(&[Channel::Phone, Channel::Visit], Channel::code, Channel::label),
        can_take,
        can_explain: user.may(Permission::ComplaintExplain) && matches!(v, Viewer::Institution(_)),
        draft,
        within: state.store.complaint_answer_days(user.scope()).await?,
        errors,
    })
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    list_page(&state, &user, flash.0, Vec::new(), StatementDraft::default()).await
}

#[derive(Deserialize)]
pub struct IntakeForm {
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    complainant: String,
    #[serde(default)]
    phone: String,
}

pub async fn take(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<IntakeForm>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    let input = ComplaintInput {
        institution_id: f.institution_id,
        category: f.category,
        channel: f.channel,
        content: f.content,
        complainant: f.complainant,
        phone: f.phone,
    };
    match state
        .store
        .submit_complaint(&input, Some(user.scope()), &user.actor("web"))
        .await
    {
        Ok((id, code)) => Ok(flashed(
            format!("/supervision/complaints/{id}"),
            format!("已受理，查询码 {code}（请告知投诉人）"),
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = list_page(&state, &user, String::new(), errors, StatementDraft::default()).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "supervision_complaint.html")]
struct DetailPage {
    layout: Layout,
    message: String,
    c: Complaint,
    findings: Options,
    hazard_categories: Options,
    typed: AnswerForm,
    errors: Vec<FieldError>,
}

impl DetailPage {
    /// When the party complained about stated its side.
    fn statement_time(&self) -> String {
        self.c.statement_at.map(crate::pages::local_minute).unwrap_or_default()
    }
}

async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    c: Complaint,
    message: String,
    errors: Vec<FieldError>,
    typed: AnswerForm,
) -> Result<Html<String>, AppError> {
    render(&DetailPage {
        layout: Layout::new(state, user, format!("投诉 {}", c.code), "supervision"),
        message,
        c,
        findings: options(ComplaintFinding::ALL, ComplaintFinding::code, ComplaintFinding::label),
        hazard_categories: options(HazardCategory::ALL, HazardCategory::code, HazardCategory::label),
        typed,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    InScope { user, item }: InScope<Complaint>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    detail_page(&state, &user, item, flash.0, Vec::new(), AnswerForm::default()).await
}

#[derive(Deserialize, Default, Clone)]
pub struct AnswerForm {
    #[serde(default)]
    finding: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    hazard_category: String,
    #[serde(default)]
    responsible: String,
}

/// Takes the id from the path rather than [`InScope`]: opening the complaint is an audited
/// view, and a form refused for its token must leave the audit log as it was.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<AnswerForm>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    let a = Answer {
        finding: f.finding.clone(),
        reply: f.reply.clone(),
        hazard_category: f.hazard_category.clone(),
        responsible: f.responsible.clone(),
    };
    match state
        .store
        .answer_complaint(id, &a, user.scope(), &user.actor("web"))
        .await
    {
        Ok(()) => Ok(flashed(
            format!("/supervision/complaints/{id}"),
            "已答复；投诉人可凭查询码查看并评价",
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let item = state
                .store
                .open_complaint(id, user.scope(), &user.actor("web"))
                .await?
                .ok_or(AppError::NotFound)?;
            let page = detail_page(&state, &user, item, String::new(), errors, f).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StatementForm {
    #[serde(default)]
    statement: String,
}

/// The institution or provider complained about states its side (情况说明) while the complaint
/// awaits the county's answer; back to where it was written: the complaints list (institution
/// staff) or the provider's page (provider staff). A complaint about anyone else is not found.
pub async fn explain(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<StatementForm>,
) -> Result<Response, AppError> {
    user.require(Permission::ComplaintExplain)?;
    let provider = match user.role() {
        Role::Provider => Some(
            crate::pages::services::viewer(&state, &user)
                .await?
                .1
                .ok_or(AppError::Forbidden)?,
        ),
        _ => None,
    };
    let party = match (&provider, &user.session.user.institution_id) {
        (Some(p), _) => Party::Provider(p.id),
        (None, Some(code)) if user.role() == Role::Institution => Party::Institution(code.clone()),
        _ => return Err(AppError::Forbidden),
    };
    match state
        .store
        .explain_complaint(id, &party, &form.statement, &user.actor("web"))
        .await
    {
        Ok(()) => {
            let back = provider.map_or_else(
                || "/supervision/complaints".to_string(),
                |p| format!("/services/providers/{}", p.id),
            );
            Ok(flashed(back, "情况说明已提交，民政部门答复前会参阅").into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            let draft = StatementDraft {
                id,
                text: form.statement,
            };
            let page = match provider {
                Some(p) => {
                    crate::pages::services::registers::provider_page(&state, &user, p, String::new(), errors, draft)
                        .await?
                }
                None => list_page(&state, &user, String::new(), errors, draft).await?,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
