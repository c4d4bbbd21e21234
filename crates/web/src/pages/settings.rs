//! 系统设置: what an administrator keeps for their own division (a province or a county):
//! how long an assessment stays valid, and the grading thresholds. Each value shows where it
//! comes from (this division, the province above, or the platform's default), and a change
//! applies to this division and everything under it unless a county sets its own.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Permission;
use yiyang_store::assessments::VALIDITY_SETTING;
use yiyang_store::institutions::staff::GRADE_THRESHOLDS_SETTING;

use super::{render, Layout};
use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    message: String,
    division_name: String,
    settable: bool,
    validity_months: u32,
    validity_source: String,
    thresholds: String,
    thresholds_source: String,
    /// Supervision: (key, label, value in force, where it comes from, min, max).
    supervision: Vec<(&'static str, &'static str, i64, String, i64, i64)>,
    errors: Vec<FieldError>,
}

/// Where a value in force comes from, in words.
fn source(state: &AppState, set_at: Option<&str>, own: &str) -> String {
    match set_at {
        None => "平台默认值".into(),
        Some(d) if d == own => "本级设定".into(),
        Some("") => "平台设定".into(),
        Some(d) => format!("上级（{}）设定", state.store.reference().division_path(d)),
    }
}

/// The division an administrator keeps settings for: their account's own, never a narrower
/// working scope.
fn own_division(user: &CurrentUser) -> Result<String, AppError> {
    user.require(Permission::SettingsWrite)?;
    Ok(user.session.user.scope.clone())
}

pub async fn index(State(state): State<AppState>, user: CurrentUser, flash: Flash) -> Result<Html<String>, AppError> {
    page(&state, &user, flash.0, Vec::new()).await
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let own = own_division(user)?;
    let validity = state.store.setting_with_source(VALIDITY_SETTING, &own).await?;
    let thresholds = state.store.setting_with_source(GRADE_THRESHOLDS_SETTING, &own).await?;
    render(&SettingsPage {
        layout: Layout::new(state, user, "系统设置", "settings"),
        message,
        division_name: state.store.reference().division_path(&own),
        settable: yiyang_store::settings::settable_at(&own),
        validity_months: state.store.assessment_validity_months(&own).await?,
        validity_source: source(state, validity.as_ref().map(|(_, d)| d.as_str()), &own),
        thresholds: state.store.grade_thresholds(&own).await?.to_setting(),
        thresholds_source: source(state, thresholds.as_ref().map(|(_, d)| d.as_str()), &own),
        supervision: supervision_settings(state, &own).await?,
        errors,
    })
}

async fn supervision_settings(
    state: &AppState,
    own: &str,
) -> Result<Vec<(&'static str, &'static str, i64, String, i64, i64)>, AppError> {
    let mut out = Vec::new();
    for s in &yiyang_store::supervision::settings::SETTINGS {
        let set = state.store.setting_with_source(s.key, own).await?;
        let value = state.store.supervision_setting(s.key, own).await?;
        out.push((
            s.key,
            s.label,
            value,
            source(state, set.as_ref().map(|(_, d)| d.as_str()), own),
            s.min,
            s.max,
        ));
    }
    Ok(out)
}

/// The supervision settings, all on one form: each key a field; an unchanged value is not
/// written again, an out-of-range one is refused naming it.
pub async fn supervision(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let own = own_division(&user)?;
    let mut errors = Vec::new();
    let mut changes = Vec::new();
    for s in &yiyang_store::supervision::settings::SETTINGS {
        let Some((_, raw)) = form.iter().find(|(k, _)| k == s.key) else {
            continue;
        };
        match raw.trim().parse::<i64>() {
            Ok(v) if (s.min..=s.max).contains(&v) => {
                if v != state.store.supervision_setting(s.key, &own).await? {
                    changes.push((s.key, v));
                }
            }
            _ => errors.push(FieldError::new(
                s.key,
                format!("{}应为 {}–{} 的整数", s.label, s.min, s.max),
            )),
        }
    }
    if !errors.is_empty() {
        let html = page(&state, &user, String::new(), errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    for (key, v) in &changes {
        state
            .store
            .set_setting(key, &own, &v.to_string(), &user.actor("web"))
            .await?;
    }
    Ok(flashed(
        "/settings",
        format!("监管与服务设置已保存（{} 项有改动）", changes.len()),
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct ValidityForm {
    validity_months: String,
}

pub async fn validity(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<ValidityForm>,
) -> Result<Flashed, AppError> {
    let own = own_division(&user)?;
    let months = f
        .validity_months
        .trim()
        .parse::<u32>()
        .map_err(|_| AppError::Invalid(vec![FieldError::new("validity_months", "有效期应为 1-36 个月")]))?;
    state
        .store
        .set_assessment_validity_months(months, &own, &user.actor("web"))
        .await?;
    Ok(flashed("/settings", format!("评估有效期已设为 {months} 个月")))
}

#[derive(Deserialize)]
pub struct ThresholdsForm {
    thresholds: String,
}

pub async fn thresholds(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<ThresholdsForm>,
) -> Result<Flashed, AppError> {
    let own = own_division(&user)?;
    state
        .store
        .set_grade_thresholds(&f.thresholds, &own, &user.actor("web"))
        .await?;
    Ok(flashed("/settings", "等级评定标准已更新"))
}
