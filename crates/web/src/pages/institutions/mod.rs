//! The institutions register: list with bed ratios, registration with the credit code
//! checked, 公建民营 operator assignment, and the bed board.

pub mod bed;
pub mod care;
pub mod care_import;

use crate::access::{InScope, ScopedRecord};
use crate::access::{NoFields, Submitted};
use crate::security::{flashed, Flashed};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yiyang_domain::institution::{InstitutionKind, NewBeds};
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_store::audit::Actor;
use yiyang_store::institutions::{
    Bed, FilingInput, Institution, InstitutionInput, BED_STATUSES, FIRE_SAFETY, INSTITUTION_STATUSES,
};
use yiyang_store::StoreError;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

pub(crate) fn actor(user: &CurrentUser) -> Actor {
    user.actor("web")
}

/// Institution staff see only their own institution.
pub(crate) fn visible(user: &CurrentUser, inst: &Institution) -> bool {
    user.role() != Role::Institution || user.session.user.institution_id.as_deref() == Some(inst.code.as_str())
}

#[derive(Template)]
#[template(path = "institutions.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Institution>,
    total_beds: i64,
    nursing_pct: i64,
    public_occupancy_pct: i64,
    /// The targets in force for the user's scope, from its pack ("" when none is set).
    nursing_target: String,
    occupancy_target: String,
    can_write: bool,
    kinds: Vec<(&'static str, &'static str)>,
    fire_safety: Vec<(&'static str, &'static str)>,
    input: FormInput,
    errors: Vec<FieldError>,
    by_division: Vec<DivisionRatios>,
}

/// Beds, nursing-type share and occupancy of the institutions in one division below the
/// user's scope.
pub struct DivisionRatios {
    pub code: String,
    pub name: String,
    pub institutions: usize,
    pub beds: i64,
    pub nursing_pct: i64,
    pub occupancy_pct: i64,
    /// `None` where the division has no public beds.
    pub public_occupancy_pct: Option<i64>,
}

fn by_division(state: &AppState, scope: &str, rows: &[Institution]) -> Vec<DivisionRatios> {
    let r = state.store.reference();
    r.children(scope)
        .into_iter()
        .filter_map(|(code, name)| {
            let here: Vec<&Institution> = rows.iter().filter(|i| i.division.starts_with(&code)).collect();
            if here.is_empty() {
                return None;
            }
            let beds: i64 = here.iter().map(|i| i.beds).sum();
            let pct = |n: i64, d: i64| (n * 100).checked_div(d).unwrap_or(0);
            let public: Vec<&&Institution> = here
                .iter()
                .filter(|i| InstitutionKind::parse(&i.kind).is_some_and(|k| k.is_public()))
                .collect();
            Some(DivisionRatios {
                institutions: here.len(),
                beds,
                nursing_pct: pct(here.iter().map(|i| i.nursing_beds).sum(), beds),
                occupancy_pct: pct(here.iter().map(|i| i.occupied).sum(), beds),
                public_occupancy_pct: (public.iter().map(|i| i.occupied).sum::<i64>() * 100)
                    .checked_div(public.iter().map(|i| i.beds).sum()),
                code,
                name,
            })
        })
        .collect()
}

#[derive(Deserialize, Default, Clone)]
pub struct FormInput {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    division: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    filed_on: String,
    #[serde(default)]
    medical_care: String,
    #[serde(default)]
    clinic: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    credit_commitment: String,
    #[serde(default)]
    fire_safety: String,
    #[serde(default)]
    licence_no: String,
    #[serde(default)]
    licence_until: String,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    input: FormInput,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let rows: Vec<Institution> = state
        .store
        .institutions_in(user.scope())
        .await?
        .into_iter()
        .filter(|i| visible(user, i))
        .collect();
    let total_beds: i64 = rows.iter().map(|r| r.beds).sum();
    let nursing: i64 = rows.iter().map(|r| r.nursing_beds).sum();
    let public: Vec<&Institution> = rows
        .iter()
        .filter(|r| InstitutionKind::parse(&r.kind).is_some_and(|k| k.is_public()))
        .collect();
    let (pub_beds, pub_occ) = public.iter().fold((0, 0), |(b, o), r| (b + r.beds, o + r.occupied));
    let packs = state.packs.clone();
    let target = |indicator: &str| {
        yiyang_domain::policy::targets::governing(&packs, user.scope(), indicator)
            .map(|(p, t)| format!("目标 {}，{}", t.describe(), p.document))
            .unwrap_or_default()
    };
    render(&ListPage {
        nursing_target: target("nursing_bed_ratio"),
        occupancy_target: target("public_occupancy_rate"),
        layout: Layout::new(state, user, "养老机构", "institutions"),
        by_division: by_division(state, user.scope(), &rows),
        fire_safety: FIRE_SAFETY.to_vec(),
        total_beds,
        nursing_pct: (nursing * 100).checked_div(total_beds).unwrap_or(0),
        public_occupancy_pct: (pub_occ * 100).checked_div(pub_beds).unwrap_or(0),
        rows,
        can_write: user.may(Permission::InstitutionWrite),
        kinds: InstitutionKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        input,
        errors,
    })
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::InstitutionRead)?;
    let input = FormInput {
        division: user.scope().to_string(),
        ..FormInput::default()
    };
    list_page(&state, &user, input, Vec::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<FormInput>,
) -> Result<Response, AppError> {
    user.require(Permission::InstitutionWrite)?;
    let input = InstitutionInput {
        code: f.code.clone(),
        name: f.name.clone(),
        credit_code: f.credit_code.clone(),
        kind: f.kind.clone(),
        division: f.division.clone(),
        address: f.address.clone(),
        filed_on: f.filed_on.clone(),
        medical_care: f.medical_care == "1",
        clinic: f.clinic.clone(),
        longitude: f.longitude.clone(),
        latitude: f.latitude.clone(),
        credit_commitment: f.credit_commitment == "1",
        fire_safety: f.fire_safety.clone(),
        licence_no: f.licence_no.clone(),
        licence_until: f.licence_until.clone(),
    };
    match state
        .store
        .create_institution(&input, user.scope(), &actor(&user))
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/institutions/{id}")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = list_page(&state, &user, f, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub struct BedCell {
    pub bed: Bed,
    pub label: &'static str,
    /// Who holds the bed (in residence or on leave): residency id, name, level.
    pub resident: Option<(i64, String, &'static str)>,
}

/// One building of the bed board: its rooms in order, each with its beds.
pub struct BuildingGroup {
    pub name: String,
    pub beds: usize,
    pub vacant: usize,
    pub rooms: Vec<(String, Vec<BedCell>)>,
}

/// Groups beds (ordered by building, room, number) into buildings and rooms.
fn group_beds(cells: Vec<BedCell>) -> Vec<BuildingGroup> {
    let mut out: Vec<BuildingGroup> = Vec::new();
    for c in cells {
        if out.last().is_none_or(|b| b.name != c.bed.building) {
            out.push(BuildingGroup {
                name: c.bed.building.clone(),
                beds: 0,
                vacant: 0,
                rooms: Vec::new(),
            });
        }
        let b = out.last_mut().expect("pushed above");
        b.beds += 1;
        b.vacant += usize::from(c.bed.status == "vacant");
        match b.rooms.last_mut() {
            Some((room, beds)) if *room == c.bed.room => beds.push(c),
            _ => b.rooms.push((c.bed.room.clone(), vec![c])),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "institution.html")]
struct DetailPage {
    layout: Layout,
    inst: Institution,
    buildings: Vec<BuildingGroup>,
    can_write: bool,
    can_beds: bool,
    message: String,
    fire_safety: Vec<(&'static str, &'static str)>,
    institution_statuses: Vec<(&'static str, &'static str)>,
    premises: Vec<(&'static str, &'static str)>,
    tab: &'static str,
    construction: Option<yiyang_store::institutions::construction::ConstructionPreview>,
    can_grant: bool,
    today: chrono::NaiveDate,
}

impl DetailPage {
    fn yuan(&self, fen: &i64) -> String {
        yiyang_domain::Fen(*fen).to_string()
    }
}

/// The prologue of every change to an institution (the form's token was checked by
/// `Submitted`): the permission the change needs, and the institution within the user's scope (404 outside it).
pub(crate) async fn institution_to_change(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    permission: Permission,
) -> Result<Institution, AppError> {
    user.require(permission)?;
    institution_for(state, user, id).await
}

pub(crate) async fn institution_for(state: &AppState, user: &CurrentUser, id: i64) -> Result<Institution, AppError> {
    user.require(<Institution as ScopedRecord>::READ)?;
    Institution::load(state, user, id).await?.ok_or(AppError::NotFound)
}

pub async fn detail(
    State(state): State<AppState>,
    InScope { user, item: inst }: InScope<Institution>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    let id = inst.id;
    let holders: std::collections::HashMap<i64, (i64, String, &'static str)> = state
        .store
        .residents_of(id)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.bed_id?, (r.id, r.name.clone(), r.level_short()))))
        .collect();
    let cells: Vec<BedCell> = state
        .store
        .beds(id)
        .await?
        .into_iter()
        .map(|bed| BedCell {
            label: BED_STATUSES
                .iter()
                .find(|(c, _)| *c == bed.status)
                .map_or("", |(_, l)| l),
            resident: holders.get(&bed.id).cloned(),
            bed,
        })
        .collect();
    render(&DetailPage {
        layout: Layout::new(&state, &user, inst.name.clone(), "institutions"),
        inst,
        buildings: group_beds(cells),
        can_write: user.may(Permission::InstitutionWrite),
        can_beds: user.may(Permission::BedWrite),
        message: flash.0,
        fire_safety: FIRE_SAFETY.to_vec(),
        institution_statuses: INSTITUTION_STATUSES.to_vec(),
        premises: yiyang_domain::policy::construction::Premises::ALL
            .iter()
            .map(|p| (p.code(), p.label()))
            .collect(),
        tab: "beds",
        construction: if user.may(Permission::BenefitRead) || user.may(Permission::InstitutionWrite) {
            state
                .store
                .construction_preview(id, &packs, state.clock().today())
                .await?
        } else {
            None
        },
        can_grant: user.may(Permission::BenefitPrepare),
        today: state.clock().today(),
    })
}

#[derive(Deserialize)]
pub struct OperatorForm {
    operator: String,
}

pub async fn assign_operator(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<OperatorForm>,
) -> Result<Redirect, AppError> {
    institution_to_change(&state, &user, id, Permission::InstitutionWrite).await?;
    state
        .store
        .assign_operator(id, &f.operator, user.scope(), &actor(&user))
        .await?;
    Ok(Redirect::to(&format!("/institutions/{id}")))
}

#[derive(Deserialize)]
pub struct BedsForm {
    building: String,
    room: String,
    count: u32,
    #[serde(default)]
    nursing: String,
    #[serde(default)]
    dementia_unit: String,
    #[serde(default)]
    opened_on: String,
}

pub async fn add_beds(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<BedsForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::BedWrite).await?;
    let beds = NewBeds::parse(
        &f.building,
        &f.room,
        f.count,
        f.nursing == "1",
        f.dementia_unit == "1",
        &f.opened_on,
        state.clock().today(),
    )
    .map_err(AppError::Invalid)?;
    let n = state.store.add_beds(id, &beds, &actor(&user)).await?;
    Ok(flashed(format!("/institutions/{id}"), format!("已新增{n}张床位")))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn bed_status(
    State(state): State<AppState>,
    Path((id, bed)): Path<(i64, i64)>,
    Submitted { user, form: f }: Submitted<StatusForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::BedWrite).await?;
    state.store.set_bed_status(id, bed, &f.status, &actor(&user)).await?;
    let label = BED_STATUSES.iter().find(|(c, _)| *c == f.status).map_or("", |(_, l)| l);
    Ok(flashed(
        format!("/institutions/{id}"),
        format!("床位状态已改为“{label}”"),
    ))
}

#[derive(Deserialize)]
pub struct FilingForm {
    status: String,
    fire_safety: String,
    #[serde(default)]
    licence_no: String,
    #[serde(default)]
    licence_until: String,
    #[serde(default)]
    credit_commitment: String,
    #[serde(default)]
    last_penalty_on: String,
    #[serde(default)]
    dishonest: String,
    #[serde(default)]
    clinic: String,
    #[serde(default)]
    premises: String,
    #[serde(default)]
    lease_years: String,
    #[serde(default)]
    membership: String,
    #[serde(default)]
    health_accepted: String,
    #[serde(default)]
    tekun_contract: String,
}

pub async fn update_filing(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: f }: Submitted<FilingForm>,
) -> Result<Flashed, AppError> {
    institution_to_change(&state, &user, id, Permission::InstitutionWrite).await?;
    let input = FilingInput {
        status: f.status,
        fire_safety: f.fire_safety,
        licence_no: f.licence_no,
        licence_until: f.licence_until,
        credit_commitment: f.credit_commitment == "1",
        last_penalty_on: f.last_penalty_on,
        dishonest: f.dishonest == "1",
        clinic: f.clinic,
        premises: f.premises,
        lease_years: f.lease_years,
        membership: f.membership == "1",
        health_accepted: f.health_accepted == "1",
        tekun_contract: f.tekun_contract == "1",
    };
    state
        .store
        .update_filing(id, &input, user.scope(), &actor(&user))
        .await?;
    Ok(flashed(format!("/institutions/{id}"), "备案信息已更新"))
}

/// Grants the one-off construction subsidy for the nursing-type beds not yet paid.
pub async fn grant_construction(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Flashed, AppError> {
    let packs = state.packs_now().await?;
    institution_to_change(&state, &user, id, Permission::BenefitPrepare).await?;
    let (beds, fen) = state
        .store
        .grant_construction_subsidy(id, &packs, state.clock().today(), &actor(&user))
        .await?;
    Ok(flashed(
        format!("/institutions/{id}"),
        format!("已核定{beds}张护理型床位的一次性建设补助{}", yiyang_domain::Fen(fen)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(building: &str, room: &str, number: &str, status: &str) -> BedCell {
        BedCell {
            bed: Bed {
                id: 0,
                building: building.into(),
                room: room.into(),
                number: number.into(),
                nursing: false,
                dementia_unit: false,
                status: status.into(),
                opened_on: None,
            },
            label: "",
            resident: None,
        }
    }

    #[test]
    fn beds_group_into_buildings_and_rooms_in_order() {
        let groups = group_beds(vec![
            cell("1号楼", "101", "1", "vacant"),
            cell("1号楼", "101", "2", "occupied"),
            cell("1号楼", "102", "1", "vacant"),
            cell("2号楼", "201", "1", "reserved"),
        ]);
        type Shape<'a> = (&'a str, usize, usize, Vec<(&'a str, usize)>);
        let shape: Vec<Shape> = groups
            .iter()
            .map(|b| {
                (
                    b.name.as_str(),
                    b.beds,
                    b.vacant,
                    b.rooms.iter().map(|(r, c)| (r.as_str(), c.len())).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("1号楼", 3, 2, vec![("101", 2), ("102", 1)]),
                ("2号楼", 1, 0, vec![("201", 1)]),
            ]
        );
        assert!(group_beds(Vec::new()).is_empty());
    }
}
