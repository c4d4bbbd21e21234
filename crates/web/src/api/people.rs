//! `/api/v1/people`: the register over JSON.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yiyang_domain::dates::age_on;
use yiyang_domain::person::PersonInput;
use yiyang_domain::role::Permission;
use yiyang_store::people::{Person, PersonQuery};

use super::ApiError;
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::people::ListParams;
use crate::AppState;

/// A list entry; the ID number is masked.
#[derive(Serialize, ToSchema)]
pub struct PersonSummary {
    pub id: i64,
    pub name: String,
    /// e.g. `360733********0011`
    pub id_number_masked: String,
    /// `M` or `F`
    pub sex: String,
    pub age: i32,
    pub hukou_division: String,
    pub residence_division: String,
    pub categories: Vec<String>,
    pub alive: bool,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    pub items: Vec<PersonSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// Pass as `after` for the next page (by key: as fast deep in the register as at its
    /// start); null on the last page.
    pub next_after: Option<i64>,
}

/// A full record. Reading it is written to the audit log.
#[derive(Serialize, ToSchema)]
pub struct PersonDetail {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub id_number: String,
    pub sex: String,
    pub birth_date: String,
    pub age: i32,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub hukou_division: String,
    pub residence_division: String,
    /// `urban` or `rural`
    pub hukou_type: String,
    pub categories: Vec<String>,
    pub death_date: Option<String>,
    pub death_source: Option<String>,
    pub contact_name: Option<String>,
    pub contact_relation: Option<String>,
    pub contact_phone: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateRequest {
    /// The `version` read with the record; a stale one is refused with 409.
    pub version: i64,
    #[serde(flatten)]
    pub person: PersonInput,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The start of a name or of a given name (`陈`, `陈志强`, `志强`), pinyin initials (`czq`),
    /// the start of an ID number (more than 4 characters, for roles that see full numbers) or
    /// its last 4 characters.
    pub q: Option<String>,
    /// A division code inside your scope.
    pub division: Option<String>,
    /// A category code, e.g. `tekun`.
    pub category: Option<String>,
    /// `alive` or `dead`.
    pub life: Option<String>,
    /// The level of the capability assessment valid today: `0` … `4`, or `none`.
    pub level: Option<String>,
    /// `updated` (default), `name`, `birth_date` or `division`.
    pub sort: Option<String>,
    /// `1` for descending.
    pub desc: Option<String>,
    pub page: Option<i64>,
    /// The next page after this person's id, in the same order (`next_after` of the page
    /// before); `page` is then ignored.
    pub after: Option<i64>,
    /// At most 1000; default 50.
    pub per_page: Option<i64>,
}

fn summary(p: &Person, today: chrono::NaiveDate) -> PersonSummary {
    let r = &p.record;
    PersonSummary {
        id: p.id,
        name: r.name.clone(),
        id_number_masked: r.id_number.masked(),
        sex: r.sex.code().into(),
        age: age_on(r.birth_date, r.death_date.unwrap_or(today)),
        hukou_division: r.hukou_division.to_string(),
        residence_division: r.residence_division.to_string(),
        categories: r.categories.clone(),
        alive: r.death_date.is_none(),
        updated_at: p.updated_at.to_rfc3339(),
    }
}

/// Search the register within your scope.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(ListQuery),
    responses((status = 200, body = PeoplePage), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    user: Can<perm::PersonRead>,
    Query(q): Query<ListQuery>,
) -> Result<Json<PeoplePage>, AppError> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 1000);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let params = ListParams {
        q: q.q.unwrap_or_default(),
        division: q.division.unwrap_or_default(),
        category: q.category.unwrap_or_default(),
        life: q.life.unwrap_or_default(),
        level: q.level.unwrap_or_default(),
        sort: q.sort.unwrap_or_default(),
        desc: q.desc.unwrap_or_default(),
        page: String::new(),
        after: String::new(),
    };
    let mut query: PersonQuery = params.query_for(&user, per_page, (page - 1) * per_page);
    query.after = q.after;
    let result = state.store.search_people(&query).await?;
    crate::pages::people::audit_id_search(&state, &user, "api", &query).await?;
    let today = state.clock().today();
    Ok(Json(PeoplePage {
        items: result.items.iter().map(|p| summary(p, today)).collect(),
        total: result.total,
        page,
        per_page,
        next_after: result
            .items
            .last()
            .map(|p| p.id)
            .filter(|_| result.items.len() as i64 == per_page),
    }))
}

/// One full record (audited).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = PersonDetail), (status = 404, body = ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<PersonDetail>, AppError> {
    let p = crate::pages::people::person_for(&state, &user, Permission::PersonRead, id).await?;
    let full = user.may(Permission::PersonFullId);
    if full {
        state.store.record_full_view(id, &user.actor("api")).await?;
    }
    let r = p.record;
    let today = state.clock().today();
    Ok(Json(PersonDetail {
        id: p.id,
        version: p.version,
        id_number: if full {
            r.id_number.to_string()
        } else {
            r.id_number.masked()
        },
        name: r.name,
        sex: r.sex.code().into(),
        birth_date: r.birth_date.to_string(),
        age: age_on(r.birth_date, r.death_date.unwrap_or(today)),
        phone: r.phone,
        address: r.address,
        hukou_division: r.hukou_division.to_string(),
        residence_division: r.residence_division.to_string(),
        hukou_type: r.hukou_type.code().into(),
        categories: r.categories,
        death_date: r.death_date.map(|d| d.to_string()),
        death_source: r.death_source,
        contact_name: r.contact_name,
        contact_relation: r.contact_relation,
        contact_phone: r.contact_phone,
        note: r.note,
        created_at: p.created_at.to_rfc3339(),
        updated_at: p.updated_at.to_rfc3339(),
    }))
}

/// Register a person; validated as on the page (422 with per-field errors).
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = PersonInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    user: Can<perm::PersonWrite>,
    Json(input): Json<PersonInput>,
) -> Result<Response, AppError> {
    let rec = input
        .validate(&*state.store.reference(), state.clock().today())
        .map_err(AppError::Invalid)?;
    let id = state
        .store
        .create_person(&rec, user.scope(), &user.actor("api"))
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// Replace a record (optimistic locking by `version`).
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = UpdateRequest,
    responses((status = 204), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<UpdateRequest>,
) -> Result<Response, AppError> {
    crate::pages::people::person_for(&state, &user, Permission::PersonWrite, id).await?;
    let rec = req
        .person
        .validate(&*state.store.reference(), state.clock().today())
        .map_err(AppError::Invalid)?;
    state
        .store
        .update_person(id, req.version, &rec, user.scope(), &user.actor("api"))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
