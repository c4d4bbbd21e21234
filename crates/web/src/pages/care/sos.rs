//! The duty desk (一键呼救值守台): the calls of the user's division, live through an event
//! stream; one call with who, where, contacts, conditions and the nearest providers, and its
//! steps (接警, 派出, 结束); the devices register; the duty roster; the month's response times.

use std::convert::Infallible;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::care::sos::{DeviceKind, Dispatch, Outcome};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Role;
use yiyang_store::care::sos::{Call, Device, DeviceInput};
use yiyang_store::care::sos_desk::{CallDetail, DeskMonth};
use yiyang_store::StoreError;

use crate::access::{perm, Can, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::sos::SosEvent;
use crate::AppState;

#[derive(Template)]
#[template(path = "sos_desk.html")]
struct DeskPage {
    layout: Layout,
    message: String,
    me: String,
    calls: Vec<(Call, String)>,
    month: String,
    /// (desk's name, its month); the total last, named 合计.
    figures: Vec<(String, DeskMonth)>,
    /// (account, name) of the civil-affairs accounts of the division (for names and the roster).
    staff: Vec<(String, String)>,
    roster: Vec<String>,
}

impl DeskPage {
    fn name(&self, username: &str) -> String {
        if username.is_empty() {
            return "县级民政部门".into();
        }
        self.staff
            .iter()
            .find(|(u, _)| u == username)
            .map_or_else(|| username.to_string(), |(_, n)| n.clone())
    }
    fn mine(&self, turn: &str) -> bool {
        turn == self.me
    }
    fn at(t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::pages::local(*t, "%m-%d %H:%M:%S")
    }
    fn secs(v: &Option<i64>) -> String {
        v.map_or_else(|| "—".into(), |s| format!("{s} 秒"))
    }
    fn open(&self) -> usize {
        self.calls.iter().filter(|(c, _)| c.is_open()).count()
    }
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

async fn staff_of(state: &AppState, scope: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.active && u.scope.starts_with(scope) && u.role == Role::CivilAffairs)
        .map(|u| (u.username, u.display_name))
        .collect())
}

pub async fn desk(
    State(state): State<AppState>,
    user: Can<perm::SosRead>,
    flash: Flash,
    Query(q): Query<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let month = Month::parse(&q.month).unwrap_or_else(|_| state.clock().month());
    let mut calls = Vec::new();
    for c in state.store.desk_calls(user.scope(), 200).await? {
        let turn = if c.is_open() {
            state.store.turn_of(&c).await?.unwrap_or_default()
        } else {
            String::new()
        };
        calls.push((c, turn));
    }
    render(&DeskPage {
        layout: Layout::new(&state, &user, "一键呼救值守台", "sos"),
        message: flash.0,
        me: user.session.user.username.clone(),
        calls,
        month: month.to_string(),
        figures: {
            let r = state.store.reference();
            state
                .store
                .sos_month(user.scope(), month)
                .await?
                .into_iter()
                .map(|m| {
                    let name = match m.desk.as_str() {
                        "" => "合计".to_string(),
                        d => r.division_name(d).unwrap_or("其他区划").to_string(),
                    };
                    (name, m)
                })
                .collect()
        },
        staff: staff_of(&state, user.scope()).await?,
        roster: state.store.duty_roster(user.scope()).await?,
    })
}

/// The desk's live stream: every change of a call in the user's scope, within a second.
pub async fn events(State(state): State<AppState>, user: Can<perm::SosRead>) -> impl IntoResponse {
    let scope = user.scope().to_string();
    let rx = state.sos.subscribe();
    let stream = futures::stream::unfold((rx, scope), |(mut rx, scope)| async move {
        loop {
            match rx.recv().await {
                Ok(ev) if ev.in_scope(&scope) => {
                    let data = serde_json::to_string(&*ev).unwrap_or_default();
                    let event = Event::default().event("call").data(data);
                    return Some((Ok::<Event, Infallible>(event), (rx, scope)));
                }
                Ok(_) => continue,
                // Events missed by a slow desk: tell it to reload its list.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("reload").data("lagged")), (rx, scope)));
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[derive(Template)]
#[template(path = "sos_call.html")]
struct CallPage {
    layout: Layout,
    message: String,
    d: CallDetail,
    respond: bool,
    turn_name: String,
    categories: String,
    dispatches: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
}

impl CallPage {
    fn error(&self, field: &str) -> String {
        crate::pages::field_error(&self.errors, field)
    }
    fn local(t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::pages::local_second(*t)
    }
    fn waited(&self) -> String {
        match self.d.call.acknowledged_at {
            Some(a) => format!("{} 秒", (a - self.d.call.received_at).num_seconds().max(0)),
            None => "尚未接警".into(),
        }
    }
}

async fn call_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let d = state
        .store
        .sos_call(id, user.scope(), &user.actor("web"))
        .await?
        .ok_or(AppError::NotFound)?;
    let r = state.store.reference();
    let categories = d
        .categories
        .iter()
        .map(|c| r.catalogue.find(c).map_or_else(|| c.clone(), |x| x.name.clone()))
        .collect::<Vec<_>>()
        .join("、");
    let turn_name = match &d.turn {
        Some(u) => staff_of(state, "")
            .await?
            .into_iter()
            .find(|(x, _)| x == u)
            .map_or_else(|| u.clone(), |(_, n)| n),
        None => "县级民政部门".into(),
    };
    render(&CallPage {
        layout: Layout::new(state, user, format!("呼救：{}", d.call.person_name), "sos"),
        message,
        respond: user.may(yiyang_domain::role::Permission::SosRespond),
        turn_name,
        categories,
        dispatches: Dispatch::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        outcomes: Outcome::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        errors,
        d,
    })
}

pub async fn call(
    State(state): State<AppState>,
    user: Can<perm::SosRead>,
    flash: Flash,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    call_page(&state, &user, id, flash.0, Vec::new()).await
}

/// 接警, 派出 (`sent` repeated, `note`), 结束 (`outcome`, `note`).
pub async fn step(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(yiyang_domain::role::Permission::SosRespond)?;
    let one = |k: &str| {
        form.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let actor = user.actor("web");
    let scope = user.scope();
    let (done, what) = match step.as_str() {
        "acknowledge" => (state.store.acknowledge_call(id, scope, &actor).await, "acknowledged"),
        "dispatch" => {
            let sent: Vec<String> = form
                .iter()
                .filter(|(k, _)| k == "sent")
                .map(|(_, v)| v.clone())
                .collect();
            (
                state.store.dispatch_call(id, &sent, &one("note"), scope, &actor).await,
                "dispatched",
            )
        }
        "close" => (
            state
                .store
                .close_call(id, &one("outcome"), &one("note"), scope, &actor)
                .await,
            "closed",
        ),
        _ => return Err(AppError::NotFound),
    };
    match done {
        Ok(call) => {
            let turn = state.store.turn_of(&call).await?;
            state.sos.publish(SosEvent::of(what, &call, turn));
            Ok(flashed(format!("/sos/calls/{id}"), call.status_label()).into_response())
        }
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            call_page(&state, &user, id, String::new(), errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "sos_devices.html")]
struct DevicesPage {
    layout: Layout,
    message: String,
    devices: Vec<Device>,
    respond: bool,
    kinds: Vec<(&'static str, &'static str)>,
    input: DeviceInput,
    errors: Vec<FieldError>,
    /// The secret of the device just registered, shown once.
    secret: Option<(String, String)>,
    staff: Vec<(String, String)>,
    roster: Vec<String>,
}

impl DevicesPage {
    fn error(&self, field: &str) -> String {
        crate::pages::field_error(&self.errors, field)
    }
    fn at(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.map_or_else(|| "从未".into(), crate::pages::local_minute)
    }
    fn on_roster(&self, u: &str) -> Option<usize> {
        self.roster.iter().position(|r| r == u).map(|i| i + 1)
    }
}

async fn devices_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    input: DeviceInput,
    errors: Vec<FieldError>,
    secret: Option<(String, String)>,
) -> Result<Html<String>, AppError> {
    render(&DevicesPage {
        layout: Layout::new(state, user, "呼救设备与值班表", "sos"),
        message,
        devices: state.store.sos_devices(user.scope()).await?,
        respond: user.may(yiyang_domain::role::Permission::SosRespond),
        kinds: DeviceKind::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        input,
        errors,
        secret,
        staff: staff_of(state, user.scope()).await?,
        roster: state.store.duty_roster(user.scope()).await?,
    })
}

pub async fn devices(
    State(state): State<AppState>,
    user: Can<perm::SosRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    devices_page(&state, &user, flash.0, DeviceInput::default(), Vec::new(), None).await
}

#[derive(Deserialize)]
pub struct DeviceFields {
    #[serde(default)]
    device_id: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
}

pub async fn register(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<DeviceFields>,
) -> Result<Response, AppError> {
    user.require(yiyang_domain::role::Permission::SosRespond)?;
    let input = DeviceInput {
        device_id: f.device_id,
        id_number: f.id_number,
        kind: f.kind,
        address: f.address,
    };
    match state
        .store
        .register_device(&input, user.scope(), &user.actor("web"))
        .await
    {
        Ok((_, secret)) => {
            let shown = Some((input.device_id.trim().to_string(), secret));
            Ok(devices_page(
                &state,
                &user,
                "设备已登记".into(),
                DeviceInput::default(),
                Vec::new(),
                shown,
            )
            .await?
            .into_response())
        }
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            devices_page(&state, &user, String::new(), input, errors, None).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn device_step(
    State(state): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    Submitted { user, .. }: Submitted<Vec<(String, String)>>,
) -> Result<Flashed, AppError> {
    user.require(yiyang_domain::role::Permission::SosRespond)?;
    let active = match step.as_str() {
        "stop" => false,
        "start" => true,
        _ => return Err(AppError::NotFound),
    };
    state
        .store
        .set_device_active(id, active, user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed(
        "/sos/devices",
        if active { "设备已启用" } else { "设备已停用" },
    ))
}

/// The duty roster of the user's own division: `who` repeated, in order.
pub async fn duty(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(yiyang_domain::role::Permission::SosRespond)?;
    let names: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "who")
        .map(|(_, v)| v.clone())
        .collect();
    match state
        .store
        .set_duty_roster(&names, user.scope(), &user.actor("web"))
        .await
    {
        Ok(()) => Ok(flashed("/sos/devices", "值班表已保存").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            devices_page(&state, &user, String::new(), DeviceInput::default(), errors, None).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
