//! Visits (探访关爱) pages: the division's roster with its visitors and the month's rate, for
//! its staff; the visitor's own people on a phone, the visit form, and follow-ups.

pub mod sos;
pub mod timebank;
pub mod visit_record;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::care::visits::{Condition, FollowUp};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_store::care::visits::{RosterEntry, Visit, VisitInput, VisitViewer};
use yiyang_store::StoreError;

use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

fn viewer(user: &CurrentUser) -> Result<VisitViewer, AppError> {
    match user.role() {
        Role::Visitor => Ok(VisitViewer::Visitor(user.session.user.username.clone())),
        _ if user.may(Permission::VisitManage) => Ok(VisitViewer::Division),
        _ => Err(AppError::Forbidden),
    }
}

#[derive(Template)]
#[template(path = "visits.html")]
struct VisitsPage {
    layout: Layout,
    message: String,
    month: String,
    roster: Vec<RosterEntry>,
    visits: Vec<Visit>,
    /// (account, name) of the visitors one may assign.
    visitors: Vec<(String, String)>,
    manage: bool,
    /// (code, name) of the register's categories: the roster shows names, never codes.
    categories: Vec<(String, String)>,
    /// Who the document in force here names for visits, and how often.
    rule: yiyang_domain::care::visits::RosterRule,
}

impl VisitsPage {
    fn category_names(&self, codes: &str) -> String {
        codes
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| {
                self.categories
                    .iter()
                    .find(|(k, _)| k == c)
                    .map_or_else(|| c.to_string(), |(_, n)| n.clone())
            })
            .collect::<Vec<_>>()
            .join("、")
    }
    /// The rule's groups in words: "空巢、留守…；经济困难的…".
    fn rule_groups(&self) -> String {
        self.rule
            .groups
            .iter()
            .map(|g| {
                let any = self.category_names(&g.any.join(","));
                let with = if g.with_any.is_empty() {
                    String::new()
                } else {
                    format!(
                        "（且{}）",
                        self.category_names(&g.with_any.join(",")).replace('、', "或")
                    )
                };
                let hukou = match g.hukou.as_deref() {
                    Some("rural") => "农村",
                    Some("urban") => "城市",
                    _ => "",
                };
                format!("{hukou}{any}{with}")
            })
            .collect::<Vec<_>>()
            .join("；")
    }
    fn visited(&self) -> usize {
        self.roster.iter().filter(|e| e.visited).count()
    }
    fn rate(&self) -> String {
        if self.roster.is_empty() {
            return "—".into();
        }
        format!("{:.1}%", self.visited() as f64 * 100.0 / self.roster.len() as f64)
    }
    fn visitor_name(&self, v: &Option<String>) -> String {
        let Some(v) = v else { return "未分配".into() };
        self.visitors
            .iter()
            .find(|(u, _)| u == v)
            .map_or_else(|| v.clone(), |(_, n)| n.clone())
    }
    fn open_follow_ups(&self) -> Vec<&Visit> {
        self.visits
            .iter()
            .filter(|v| v.follow_up.is_some() && v.follow_up_done_at.is_none())
            .collect()
    }
    /// Per visitor: (name, people, not yet visited this month).
    fn by_visitor(&self) -> Vec<(String, usize, usize)> {
        let mut out: Vec<(String, usize, usize)> = Vec::new();
        for e in &self.roster {
            let name = self.visitor_name(&e.visitor);
            match out.iter_mut().find(|(n, _, _)| *n == name) {
                Some(x) => {
                    x.1 += 1;
                    x.2 += usize::from(!e.visited);
                }
                None => out.push((name, 1, usize::from(!e.visited))),
            }
        }
        out
    }
}

pub async fn index(State(state): State<AppState>, user: CurrentUser, flash: Flash) -> Result<Html<String>, AppError> {
    if !(user.may(Permission::VisitManage) || user.may(Permission::VisitWrite)) {
        return Err(AppError::Forbidden);
    }
    let v = viewer(&user)?;
    let month = Month::of(state.clock().today());
    let roster = state.store.visit_roster(user.scope(), &v, month).await?;
    let manage = v == VisitViewer::Division && user.may(Permission::VisitManage);
    let visitors = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| {
            u.active && u.scope.starts_with(user.scope()) && matches!(u.role, Role::Visitor | Role::CivilAffairs)
        })
        .map(|u| (u.username, u.display_name))
        .collect();
    render(&VisitsPage {
        layout: Layout::new(&state, &user, "探访关爱", "visits"),
        message: flash.0,
        month: month.to_string(),
        visits: state.store.visits_in(user.scope(), &v, 200).await?,
        roster,
        visitors,
        manage,
        categories: state
            .store
            .reference()
            .catalogue
            .categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
        rule: state.store.roster_rule_for(user.scope()),
    })
}

pub async fn assign(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Flashed, AppError> {
    user.require(Permission::VisitManage)?;
    if viewer(&user)? != VisitViewer::Division {
        return Err(AppError::Forbidden);
    }
    let visitor = form
        .iter()
        .find(|(k, _)| k == "visitor")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let people: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "person")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let n = state
        .store
        .assign_visitor(&people, &visitor, user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed("/visits", format!("已为 {n} 位老年人分配探访员")))
}

#[derive(Template)]
#[template(path = "visit_form.html")]
struct VisitForm {
    layout: Layout,
    person: RosterEntry,
    input: VisitInput,
    errors: Vec<FieldError>,
    conditions: Vec<(&'static str, &'static str)>,
    follow_ups: Vec<(&'static str, &'static str)>,
}

impl VisitForm {
    fn error(&self, field: &str) -> String {
        crate::pages::field_error(&self.errors, field)
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    person: RosterEntry,
    input: VisitInput,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    render(&VisitForm {
        layout: Layout::new(state, user, format!("探访：{}", person.name), "visits"),
        person,
        input,
        errors,
        conditions: Condition::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        follow_ups: FollowUp::ALL.iter().map(|c| (c.code(), c.label())).collect(),
    })
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    user.require(Permission::VisitWrite)?;
    let v = viewer(&user)?;
    let person = state
        .store
        .roster_person(id, user.scope(), &v, &user.actor("web"))
        .await?
        .ok_or(AppError::NotFound)?;
    let input = VisitInput {
        visited_on: state.clock().today().to_string(),
        place: "家中".into(),
        ..VisitInput::default()
    };
    form_page(&state, &user, person, input, Vec::new()).await
}

#[derive(Deserialize)]
pub struct VisitFields {
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    health: String,
    #[serde(default)]
    living: String,
    #[serde(default)]
    needs: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    follow_up: String,
}

pub async fn record(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<VisitFields>,
) -> Result<Response, AppError> {
    user.require(Permission::VisitWrite)?;
    let v = viewer(&user)?;
    let input = VisitInput {
        visited_on: f.visited_on,
        place: f.place,
        health: f.health,
        living: f.living,
        needs: f.needs,
        condition: f.condition,
        follow_up: f.follow_up,
    };
    match state
        .store
        .record_visit(id, &input, user.scope(), &v, &user.actor("web"))
        .await
    {
        Ok(_) => Ok(flashed("/visits", "探访已记录").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let person = state
                .store
                .roster_person(id, user.scope(), &v, &user.actor("web"))
                .await?
                .ok_or(AppError::NotFound)?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&state, &user, person, input, errors).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

pub async fn close_follow_up(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<NoteForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::VisitWrite)?;
    let v = viewer(&user)?;
    state
        .store
        .close_follow_up(id, &form.note, user.scope(), &v, &user.actor("web"))
        .await?;
    Ok(flashed("/visits", "后续处置已办结"))
}
