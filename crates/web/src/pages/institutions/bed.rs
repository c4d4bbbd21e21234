//! One bed, or one resident, on a page of its own: what a tile of the bed board opens. The
//! actions live here (status of a free bed, admission to it; leave, return, transfer,
//! discharge or death of a resident), so that the board and the residents list stay compact.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use yiyang_domain::role::Permission;
use yiyang_store::institutions::residents::ResidentRow;
use yiyang_store::institutions::{Bed, Institution, BED_STATUSES};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::institutions::institution_for;
use crate::pages::{render, Layout};
use crate::AppState;

/// "1 号楼 101 室 2 床（护理型）"
pub fn bed_label(b: &Bed) -> String {
    format!(
        "{}-{}-{}{}{}",
        b.building,
        b.room,
        b.number,
        if b.nursing { "（护理型）" } else { "" },
        if b.dementia_unit {
            "（失智照护单元）"
        } else {
            ""
        }
    )
}

fn status_label(code: &str) -> &'static str {
    BED_STATUSES.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

#[derive(Template)]
#[template(path = "institution_bed.html")]
struct BedPage {
    layout: Layout,
    inst: Institution,
    bed: Option<Bed>,
    bed_text: String,
    status_text: &'static str,
    statuses: Vec<(&'static str, &'static str)>,
    resident: Option<(ResidentRow, String)>,
    /// Beds a resident may move to: this institution's free beds, then other institutions'.
    targets: Vec<(i64, String)>,
    can_beds: bool,
    can_residents: bool,
    today: String,
}

/// `GET /institutions/{id}/beds/{bed}`: a bed nobody holds (a held bed opens its resident).
pub async fn bed(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, bed_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let inst = institution_for(&state, &user, id).await?;
    let bed = state
        .store
        .beds(id)
        .await?
        .into_iter()
        .find(|b| b.id == bed_id)
        .ok_or(AppError::NotFound)?;
    if let Some(r) = state
        .store
        .residents_of(id)
        .await?
        .into_iter()
        .find(|r| r.bed_id == Some(bed_id))
    {
        return Ok(Redirect::to(&format!("/institutions/{id}/residents/{}", r.id)).into_response());
    }
    Ok(render(&BedPage {
        layout: Layout::new(
            &state,
            &user,
            format!("{}：床位 {}", inst.name, bed_label(&bed)),
            "institutions",
        ),
        bed_text: bed_label(&bed),
        status_text: status_label(&bed.status),
        statuses: BED_STATUSES.iter().copied().filter(|(c, _)| *c != "occupied").collect(),
        inst,
        bed: Some(bed),
        resident: None,
        targets: Vec::new(),
        can_beds: user.may(Permission::BedWrite),
        can_residents: user.may(Permission::ResidentWrite),
        today: state.clock().today().to_string(),
    })?
    .into_response())
}

/// `GET /institutions/{id}/residents/{resident}`: a current resident and what can be done.
pub async fn resident(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, resident_id)): Path<(i64, i64)>,
) -> Result<Html<String>, AppError> {
    let inst = institution_for(&state, &user, id).await?;
    let resident = state
        .store
        .residents_of(id)
        .await?
        .into_iter()
        .find(|r| r.id == resident_id)
        .ok_or(AppError::NotFound)?;
    let beds = state.store.beds(id).await?;
    let bed = resident.bed_id.and_then(|b| beds.iter().find(|x| x.id == b).cloned());
    let can_residents = user.may(Permission::ResidentWrite);
    let mut targets: Vec<(i64, String)> = Vec::new();
    if can_residents {
        targets.extend(
            beds.iter()
                .filter(|b| b.status == "vacant" || b.status == "reserved")
                .map(|b| (b.id, format!("本院 {}", bed_label(b)))),
        );
        for other in state.store.institutions_in(user.scope()).await? {
            if other.id == id || !crate::pages::institutions::visible(&user, &other) {
                continue;
            }
            for b in state.store.beds(other.id).await? {
                if b.status == "vacant" {
                    targets.push((b.id, format!("转至 {} {}", other.name, bed_label(&b))));
                }
            }
        }
    }
    let masked = yiyang_domain::id_number::mask(&resident.id_number);
    render(&BedPage {
        layout: Layout::new(
            &state,
            &user,
            format!("{}：{}", inst.name, resident.name),
            "institutions",
        ),
        bed_text: bed.as_ref().map(bed_label).unwrap_or_else(|| "—".into()),
        status_text: resident.status_label(),
        statuses: Vec::new(),
        inst,
        bed,
        resident: Some((resident, masked)),
        targets,
        can_beds: false,
        can_residents,
        today: state.clock().today().to_string(),
    })
}
