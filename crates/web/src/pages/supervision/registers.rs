//! The registers a batch is drawn from, kept by the division's staff: the inspection items
//! (一般 and 重点) and the inspectors with their units, qualifications, accounts and declared
//! conflicts (回避). Inspectors see them; the public sees them in each batch's published inputs.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Permission;
use yiyang_domain::supervision::inspection::{HazardCategory, ItemKind};
use yiyang_store::supervision::registers::{InspectorInput, ItemInput};
use yiyang_store::supervision::{InspectionItem, Inspector, SupervisedObject, Viewer};
use yiyang_store::StoreError;

use super::viewer;
use crate::access::{perm, Can, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash};
use crate::AppState;

#[derive(Template)]
#[template(path = "supervision_registers.html")]
struct RegistersPage {
    layout: Layout,
    message: String,
    items: Vec<InspectionItem>,
    inspectors: Vec<Inspector>,
    conflicts: Vec<(i64, String, String)>,
    /// The objects an inspector may declare a conflict with.
    objects: Vec<SupervisedObject>,
    kinds: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    can_write: bool,
    errors: Vec<FieldError>,
}

impl RegistersPage {
    fn conflicts_of(&self, id: &i64) -> String {
        self.conflicts
            .iter()
            .filter(|c| c.0 == *id)
            .map(|c| format!("{}（{}）", c.1, c.2))
            .collect::<Vec<_>>()
            .join("；")
    }
    fn item_kind(&self, i: &InspectionItem) -> &'static str {
        i.kind().label()
    }
    fn item_category(&self, i: &InspectionItem) -> &'static str {
        i.category().label()
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    if !matches!(viewer(state, user).await?, Viewer::Division | Viewer::Inspector(_)) {
        return Err(AppError::Forbidden);
    }
    let scope = user.scope();
    render(&RegistersPage {
        layout: Layout::new(state, user, "检查事项和检查人员名录", "supervision"),
        message,
        items: state.store.inspection_items(scope).await?,
        inspectors: state.store.inspectors_in(scope).await?,
        conflicts: state.store.conflicts_in(scope).await?,
        objects: state.store.supervised_objects_in(scope).await?,
        kinds: ItemKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        categories: HazardCategory::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        can_write: user.may(Permission::SupervisionPlan),
        errors,
    })
}

pub async fn index(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    page(&state, &user, flash.0, Vec::new()).await
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn answer(
    state: &AppState,
    user: &CurrentUser,
    r: Result<i64, StoreError>,
    done: &str,
) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(flashed("/supervision/registers", done).into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(state, user, String::new(), errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn add_item(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    let input = ItemInput {
        code: field(&form, "code"),
        name: field(&form, "name"),
        kind: field(&form, "kind"),
        category: field(&form, "category"),
        basis: field(&form, "basis"),
    };
    let r = state
        .store
        .create_inspection_item(&input, user.scope(), &user.actor("web"))
        .await;
    answer(&state, &user, r, "检查事项已加入清单").await
}

/// The conflicts come as repeated `conflict` fields (an object's key, `provider:3`) sharing the
/// one `reason`.
pub async fn add_inspector(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::SupervisionPlan)?;
    let reason = field(&form, "reason");
    let input = InspectorInput {
        code: field(&form, "code"),
        name: field(&form, "name"),
        unit: field(&form, "unit"),
        qualification: field(&form, "qualification"),
        username: field(&form, "username"),
        conflicts: form
            .iter()
            .filter(|(k, _)| k == "conflict")
            .map(|(_, v)| (v.clone(), reason.clone()))
            .collect(),
    };
    let r = state
        .store
        .create_inspector(&input, user.scope(), &user.actor("web"))
        .await;
    answer(&state, &user, r, "检查人员已加入名录").await
}
