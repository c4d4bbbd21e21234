//! An institution's staff roster (with certificates and training), its GB/T 37276 grading and
//! the awards that follow from them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use chrono::NaiveDate;
use serde::Deserialize;
use yiyang_domain::institution::{GradeScores, SECTION_MAX};
use yiyang_domain::role::Permission;
use yiyang_domain::staff::{certificate_kinds, POSITIONS, SKILL_LEVELS};
use yiyang_store::institutions::staff::{Grading, RosterSummary, StaffMember};
use yiyang_store::institutions::Institution;

use super::back;
use crate::access::{InScope, NoFields, Submitted};
use crate::error::AppError;
use crate::pages::institutions::{actor, institution_to_change};
use crate::pages::{render, Layout};
use crate::security::Flashed;
use crate::AppState;

#[derive(Template)]
#[template(path = "institution_staff.html")]
struct StaffPage {
    layout: Layout,
    inst: Institution,
    tab: &'static str,
    message: String,
    staff: Vec<StaffMember>,
    summary: RosterSummary,
    positions: Vec<(&'static str, &'static str)>,
    skill_levels: Vec<(&'static str, &'static str)>,
    certificate_kinds: Vec<(&'static str, &'static str)>,
    education: Vec<(&'static str, &'static str)>,
    /// (name, position, hired on, left on)
    former: Vec<(String, &'static str, NaiveDate, NaiveDate)>,
    can_write: bool,
    today: String,
}

impl StaffPage {
    fn cert_label(&self, kind: &str) -> &'static str {
        certificate_kinds()
            .into_iter()
            .find(|(k, _)| *k == kind)
            .map_or("", |(_, l)| l)
    }
}

pub async fn staff(
    State(state): State<AppState>,
    InScope { user, item: inst }: InScope<Institution>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let id = inst.id;
    let (staff, summary) = state.store.roster(id, state.clock().today()).await?;
    let former = state.store.former_staff(id).await?;
    render(&StaffPage {
        former,
        layout: Layout::new(&state, &user, format!("{}：工作人员", inst.name), "institutions"),
        inst,
        tab: "staff",
        message: flash.0,
        staff,
        summary,
        positions: POSITIONS.iter().map(|p| (p.code, p.label)).collect(),
        skill_levels: SKILL_LEVELS.to_vec(),
        certificate_kinds: certificate_kinds(),
        education: yiyang_domain::policy::staff_awards::EDUCATION.to_vec(),
        can_write: user.may(Permission::ResidentWrite),
        today: state.clock().today().to_string(),
    })
}

#[derive(Deserialize)]
pub struct StaffForm {
    name: String,
    position: String,
    #[serde(default)]
    skill_level: String,
    #[serde(default)]
    hired_on: String,
    #[serde(default)]
    cert_kind: String,
    #[serde(default)]
    cert_number: String,
    #[serde(default)]
    cert_valid_until: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    elderly_care_major: String,
    #[serde(default)]
    contract_years: String,
}

pub async fn add_staff(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<StaffForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::ResidentWrite).await?;
    let hired = if f.hired_on.trim().is_empty() {
        state.clock().today().to_string()
    } else {
        f.hired_on.clone()
    };
    let member = state
        .store
        .add_staff(
            id,
            &f.name,
            &f.position,
            &f.skill_level,
            &hired,
            Some((&f.cert_kind, &f.cert_number, &f.cert_valid_until)),
            &actor(&user),
        )
        .await?;
    if !(f.education.is_empty() && f.contract_years.is_empty() && f.elderly_care_major.is_empty()) {
        state
            .store
            .set_staff_background(
                id,
                member,
                &f.education,
                f.elderly_care_major == "1",
                &f.contract_years,
                &actor(&user),
            )
            .await?;
    }
    Ok(back(id, "staff", "已新增工作人员"))
}

#[derive(Deserialize)]
pub struct StaffRecordForm {
    what: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    elderly_care_major: String,
    #[serde(default)]
    contract_years: String,
}

pub async fn staff_record(
    State(state): State<AppState>,
    Path((id, member)): Path<(i64, i64)>,
    Submitted { user, form: f }: Submitted<StaffRecordForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::ResidentWrite).await?;
    let a = actor(&user);
    if f.what == "background" {
        state
            .store
            .set_staff_background(
                id,
                member,
                &f.education,
                f.elderly_care_major == "1",
                &f.contract_years,
                &a,
            )
            .await?;
        return Ok(back(id, "staff", "已记录"));
    }
    if f.what == "left" {
        let on = if f.on.trim().is_empty() {
            state.clock().today().to_string()
        } else {
            f.on.clone()
        };
        state.store.staff_left(id, member, &on, &f.title, &a).await?;
        return Ok(back(id, "staff", "已登记离职"));
    }
    if f.what == "certificate" {
        state
            .store
            .add_certificate(id, member, &f.kind, &f.number, &f.valid_until, &a)
            .await?;
    } else {
        let hours = f.hours.trim().parse().unwrap_or(0);
        let on = if f.on.trim().is_empty() {
            state.clock().today().to_string()
        } else {
            f.on.clone()
        };
        state
            .store
            .add_training(id, member, &f.kind, &f.title, hours, &on, &a)
            .await?;
    }
    Ok(back(id, "staff", "已记录"))
}

// ---- grading ----

#[derive(Template)]
#[template(path = "institution_grading.html")]
struct GradingPage {
    layout: Layout,
    inst: Institution,
    tab: &'static str,
    message: String,
    gradings: Vec<Grading>,
    thresholds: String,
    section_max: [u32; 4],
    can_write: bool,
    today: String,
}

pub async fn grading(
    State(state): State<AppState>,
    InScope { user, item: inst }: InScope<Institution>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let id = inst.id;
    let thresholds = state.store.grade_thresholds(&inst.division).await?.to_setting();
    render(&GradingPage {
        layout: Layout::new(&state, &user, format!("{}：等级评定", inst.name), "institutions"),
        inst,
        tab: "grading",
        message: flash.0,
        gradings: state.store.gradings(id).await?,
        thresholds,
        section_max: SECTION_MAX,
        can_write: user.may(Permission::GradingWrite),
        today: state.clock().today().to_string(),
    })
}

#[derive(Deserialize)]
pub struct GradingForm {
    environment: u32,
    facilities: u32,
    management: u32,
    services: u32,
    #[serde(default)]
    evaluated_on: String,
    evaluator: String,
}

pub async fn record_grading(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<GradingForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::GradingWrite).await?;
    let scores = GradeScores {
        environment: f.environment,
        facilities: f.facilities,
        management: f.management,
        services: f.services,
    };
    let on = if f.evaluated_on.trim().is_empty() {
        state.clock().today().to_string()
    } else {
        f.evaluated_on.clone()
    };
    state
        .store
        .record_grading(id, scores, &on, &f.evaluator, &actor(&user))
        .await?;
    Ok(back(id, "grading", "已记录评定结果"))
}

// ---- staff incentives ----

#[derive(Template)]
#[template(path = "institution_awards.html")]
struct AwardsPage {
    layout: Layout,
    inst: Institution,
    tab: &'static str,
    message: String,
    preview: yiyang_store::institutions::staff_awards::AwardsPreview,
    can_grant: bool,
    can_write: bool,
}

impl AwardsPage {
    fn yuan(&self, fen: &i64) -> String {
        yiyang_domain::Fen(*fen).to_string()
    }
}

pub async fn awards(
    State(state): State<AppState>,
    InScope { user, item: inst }: InScope<Institution>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    let id = inst.id;
    let preview = state.store.awards_preview(id, &packs, state.clock().today()).await?;
    render(&AwardsPage {
        layout: Layout::new(&state, &user, format!("{}：人才补贴", inst.name), "institutions"),
        inst,
        tab: "awards",
        message: flash.0,
        preview,
        can_grant: user.may(Permission::BenefitPrepare),
        can_write: user.may(Permission::ResidentWrite),
    })
}

/// Grants every staff incentive payable now (经办: the benefit clerk's step).
pub async fn grant_awards(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Flashed, AppError> {
    let packs = state.packs_now().await?;
    institution_to_change(&state, &user, id, Permission::BenefitPrepare).await?;
    let (n, fen) = state
        .store
        .grant_staff_awards(id, &packs, state.clock().today(), &actor(&user))
        .await?;
    Ok(back(
        id,
        "awards",
        &format!("已核定 {n} 项，共 {}", yiyang_domain::Fen(fen)),
    ))
}

#[derive(Deserialize)]
pub struct InternForm {
    name: String,
    #[serde(default)]
    started_on: String,
    #[serde(default)]
    ended_on: String,
    #[serde(default)]
    retained: String,
}

pub async fn add_intern(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<InternForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::ResidentWrite).await?;
    state
        .store
        .add_intern(
            id,
            &f.name,
            &f.started_on,
            &f.ended_on,
            f.retained == "1",
            &actor(&user),
        )
        .await?;
    Ok(back(id, "awards", "已登记见习人员"))
}
