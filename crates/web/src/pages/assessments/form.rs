//! The GB/T 42195-2022 assessment form for tablets (one dimension per step, the running score
//! always visible), recording it, and the printable report.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use yiyang_domain::assessment::{self, Dimension, Settings, ITEMS, LEVEL_LABELS};
use yiyang_domain::assessment_form::{self as form, BasicInput, Reason, INFORMANTS, RISK_EVENTS};
use yiyang_domain::assessment_review::AssessmentStatus;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_store::assessments::StoredForm;

use crate::access::Submitted;
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::people::person_for;
use crate::pages::{render, Layout};
use crate::AppState;

pub struct ItemView {
    pub number: usize,
    pub key: &'static str,
    pub label: &'static str,
    pub question: &'static str,
    pub choices: Vec<form::Choice>,
    pub chosen: Option<i64>,
}

impl ItemView {
    pub fn is_chosen(&self, score: &u8) -> bool {
        self.chosen == Some(*score as i64)
    }
}

pub struct Step {
    pub key: &'static str,
    pub label: &'static str,
    pub max: u32,
    pub items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "assessment_form.html")]
struct FormPage {
    layout: Layout,
    person_id: i64,
    person_name: String,
    id_masked: String,
    steps: Vec<Step>,
    reasons: Vec<(&'static str, &'static str)>,
    informants: Vec<(&'static str, &'static str)>,
    risk_events: Vec<(&'static str, &'static str, String)>,
    v: BTreeMap<String, String>,
    errors: Vec<FieldError>,
    validity_months: u32,
    /// The recording assessor (the signed-in account).
    me: String,
    /// Other assessor accounts responsible for the person: (user name, display name).
    assessors: Vec<(String, String)>,
    backdate_days: u32,
}

impl FormPage {
    fn val(&self, key: &str) -> &str {
        self.v.get(key).map_or("", |s| s.as_str())
    }
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

fn steps(v: &BTreeMap<String, String>) -> Vec<Step> {
    Dimension::ALL
        .iter()
        .map(|d| {
            let items: Vec<ItemView> = ITEMS
                .iter()
                .enumerate()
                .filter(|(_, it)| it.dimension == *d)
                .map(|(i, it)| ItemView {
                    number: i + 1,
                    key: it.key,
                    label: it.label,
                    question: form::WORDING[i].0,
                    choices: form::choices(i),
                    chosen: v.get(&format!("item_{}", it.key)).and_then(|s| s.parse().ok()),
                })
                .collect();
            Step {
                key: d.key(),
                label: d.label(),
                max: ITEMS
                    .iter()
                    .filter(|it| it.dimension == *d)
                    .map(|it| it.max as u32)
                    .sum(),
                items,
            }
        })
        .collect()
}

/// The assessor accounts that may confirm an assessment of this person: active, responsible
/// for the person's division, not the one recording.
async fn second_assessors(
    state: &AppState,
    user: &CurrentUser,
    person_id: i64,
) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    for u in state.store.list_users().await? {
        if u.role == Role::Assessor
            && u.active
            && u.username != user.session.user.username
            && state.store.person_in_scope(person_id, &u.scope).await?.is_some()
        {
            out.push((u.username, u.display_name));
        }
    }
    Ok(out)
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    person_id: i64,
    v: BTreeMap<String, String>,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let person = person_for(state, user, Permission::PersonRead, person_id).await?;
    let assessors = second_assessors(state, user, person_id).await?;
    render(&FormPage {
        layout: Layout::new(state, user, format!("能力评估：{}", person.record.name), "assessments"),
        person_id,
        id_masked: person.record.id_number.masked(),
        person_name: person.record.name,
        steps: steps(&v),
        reasons: Reason::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        informants: INFORMANTS.to_vec(),
        risk_events: RISK_EVENTS
            .iter()
            .map(|(c, l)| (*c, *l, v.get(&format!("risk_{c}")).cloned().unwrap_or_default()))
            .collect(),
        validity_months: state
            .store
            .assessment_validity_months(person.record.hukou_division.as_str())
            .await?,
        backdate_days: state.store.backdate_days(person.record.hukou_division.as_str()).await?,
        me: user.session.user.display_name.clone(),
        assessors,
        v,
        errors,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    user: Can<perm::AssessmentWrite>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let today = state.clock().today();
    let had: bool = !state.store.assessment_history(id).await?.is_empty();
    let open = state
        .store
        .open_reassessment_requests(user.scope())
        .await?
        .iter()
        .any(|r| r.person_id == id);
    let reason = match (had, open) {
        (false, _) => Reason::First,
        (true, true) => Reason::Immediate,
        (true, false) => Reason::Routine,
    };
    let v = BTreeMap::from([
        ("reason".to_string(), reason.code().to_string()),
        ("assessed_on".to_string(), today.to_string()),
        ("assessor1".to_string(), user.session.user.display_name.clone()),
        ("informant".to_string(), "self".to_string()),
    ]);
    form_page(&state, &user, id, v, Vec::new()).await
}

pub async fn record(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: fields }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let v: BTreeMap<String, String> = fields.into_iter().collect();
    user.require(Permission::AssessmentWrite)?;
    person_for(&state, &user, Permission::PersonRead, id).await?;
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    // The first assessor is whoever is signed in; the second is an account, named on the
    // report by its display name, that must confirm the result itself.
    let second = get("assessor2").trim().to_lowercase();
    let second_name = second_assessors(&state, &user, id)
        .await?
        .into_iter()
        .find(|(u, _)| *u == second)
        .map(|(_, d)| d)
        .unwrap_or_default();
    let input = BasicInput {
        reason: get("reason"),
        assessed_on: get("assessed_on"),
        agency: get("agency"),
        assessor1: user.session.user.display_name.clone(),
        assessor2: second_name,
        informant: get("informant"),
        informant_name: get("informant_name"),
        diagnoses: get("diagnoses"),
        health_problems: get("health_problems"),
        risk_events: RISK_EVENTS
            .iter()
            .map(|(c, _)| (c.to_string(), get(&format!("risk_{c}"))))
            .collect(),
        coma: v.get("coma").is_some_and(|s| s == "1"),
    };
    let today = state.clock().today();
    let mut errors = Vec::new();
    let info = form::check_basic(&input, today).map_err(|e| errors.extend(e)).ok();
    let mut items = BTreeMap::new();
    for it in &ITEMS {
        match v.get(&format!("item_{}", it.key)).map(|s| s.trim()) {
            None | Some("") => errors.push(FieldError::new(
                &format!("item_{}", it.key),
                format!("请选择“{}”的得分", it.label),
            )),
            Some(s) => match s.parse::<i64>() {
                Ok(n) => {
                    items.insert(it.key.to_string(), n);
                }
                Err(_) => errors.push(FieldError::new(
                    &format!("item_{}", it.key),
                    format!("“{}”的得分“{s}”不是整数", it.label),
                )),
            },
        }
    }
    let report = match &info {
        Some(info) if errors.is_empty() => match assessment::score(&info.answers(items.clone()), Settings::default()) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.push(FieldError::new("items", e.to_string()));
                None
            }
        },
        _ => None,
    };
    let (Some(info), Some(report)) = (info, report) else {
        let page = form_page(&state, &user, id, v, errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let aid = state
        .store
        .record_form_assessment(
            id,
            &info,
            &items,
            &report,
            &second,
            &get("backdate_reason"),
            &user.actor("web"),
        )
        .await;
    let aid = match aid {
        Ok(aid) => aid,
        Err(yiyang_store::StoreError::Invalid(errors)) => {
            let page = form_page(&state, &user, id, v, errors).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/assessments/{aid}")).into_response())
}

pub struct ItemResult {
    pub number: usize,
    pub dimension: &'static str,
    pub label: &'static str,
    pub score: i64,
    pub max: u8,
    pub wording: &'static str,
}

#[derive(Template)]
#[template(path = "assessment_report.html")]
struct ReportPage {
    layout: Layout,
    person_id: i64,
    person_name: String,
    id_masked: String,
    sex: &'static str,
    birth_date: String,
    a: yiyang_store::assessments::AssessmentRecord,
    form: Option<StoredForm>,
    reason: &'static str,
    informant: &'static str,
    risk_events: String,
    dimensions: Vec<(&'static str, u32, u32)>,
    items: Vec<ItemResult>,
    initial_label: &'static str,
    final_label: &'static str,
    expired: bool,
    status_label: &'static str,
    /// Not yet counting: shown as a banner above the report.
    pending: bool,
    can_confirm: bool,
    can_review: bool,
}

impl ReportPage {
    /// The report's number: the year assessed and the record's serial ("2026000123"), the
    /// same on every print of it.
    fn report_no(&self) -> String {
        use chrono::Datelike;
        format!("{}{:06}", self.a.assessed_on.year(), self.a.id)
    }
}

pub async fn report(
    State(state): State<AppState>,
    user: Can<perm::PersonRead>,
    Path(aid): Path<i64>,
) -> Result<Html<String>, AppError> {
    let a = state
        .store
        .assessment_in_scope(aid, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let person = person_for(&state, &user, Permission::PersonRead, a.person_id).await?;
    state
        .store
        .audit(&user.actor("web").entry(
            "view_assessment",
            "person",
            a.person_id,
            serde_json::json!({"assessment": aid}),
        ))
        .await?;
    let form = a.stored_form();
    let (dimensions, items, reason, informant, risk_events) = match &form {
        Some(f) => (
            Dimension::ALL
                .iter()
                .map(|d| {
                    let max = ITEMS
                        .iter()
                        .filter(|it| it.dimension == *d)
                        .map(|it| it.max as u32)
                        .sum();
                    (d.label(), f.report.dimensions.get(d.key()).copied().unwrap_or(0), max)
                })
                .collect(),
            ITEMS
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    let score = f.items.get(it.key).copied().unwrap_or(0);
                    ItemResult {
                        number: i + 1,
                        dimension: it.dimension.label(),
                        label: it.label,
                        score,
                        max: it.max,
                        wording: form::WORDING[i]
                            .1
                            .get((it.max as i64 - score) as usize)
                            .copied()
                            .unwrap_or(""),
                    }
                })
                .collect(),
            f.info.reason.label(),
            INFORMANTS
                .iter()
                .find(|(c, _)| *c == f.info.informant)
                .map_or("", |(_, l)| *l),
            f.info
                .risk_events
                .iter()
                .map(|(c, n)| {
                    let label = RISK_EVENTS.iter().find(|(k, _)| k == c).map_or("", |(_, l)| *l);
                    format!("{label} {n} 次")
                })
                .collect::<Vec<_>>()
                .join("、"),
        ),
        None => (Vec::new(), Vec::new(), "", "", String::new()),
    };
    let today = state.clock().today();
    render(&ReportPage {
        layout: Layout::new(
            &state,
            &user,
            format!("老年人能力评估报告：{}", person.record.name),
            "assessments",
        ),
        person_id: a.person_id,
        person_name: person.record.name.clone(),
        id_masked: person.record.id_number.masked(),
        sex: person.record.sex.label(),
        birth_date: person.record.birth_date.to_string(),
        initial_label: a
            .initial_level
            .and_then(|l| LEVEL_LABELS.get(l as usize).copied())
            .unwrap_or(""),
        final_label: LEVEL_LABELS.get(a.final_level as usize).copied().unwrap_or(""),
        expired: a.valid_until < today,
        status_label: a.status().label(),
        pending: a.status() != AssessmentStatus::Confirmed,
        can_confirm: a.status() == AssessmentStatus::AwaitingSecond
            && a.second_assessor.as_deref() == Some(user.session.user.username.as_str()),
        can_review: a.status() == AssessmentStatus::AwaitingReview && user.may(Permission::AssessmentReview),
        a,
        form,
        reason,
        informant,
        risk_events,
        dimensions,
        items,
    })
}

#[derive(serde::Deserialize)]
pub struct RequestForm {
    reason: String,
}

pub async fn request(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<RequestForm>,
) -> Result<Redirect, AppError> {
    user.require(Permission::AssessmentRequest)?;
    person_for(&state, &user, Permission::PersonRead, id).await?;
    state
        .store
        .request_reassessment(id, &f.reason, &user.actor("web"))
        .await?;
    Ok(Redirect::to(&format!("/people/{id}/assessments")))
}
