//! One visit's record (探访记录) and its photos: the visitor who recorded it adds photos from
//! the phone within three days; the division's staff and that visitor see it. Opening a record
//! is an audited read of the person's data.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use yiyang_store::care::visits::Visit;
use yiyang_store::supervision::photos::Photo;

use super::viewer;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

#[derive(Template)]
#[template(path = "visit_record.html")]
struct RecordPage {
    layout: Layout,
    message: String,
    visit: Visit,
    photos: Vec<Photo>,
    may_add: bool,
    /// The visitor's display name (never the account name).
    visitor_name: String,
}

async fn visible(state: &AppState, user: &CurrentUser, id: i64) -> Result<Visit, AppError> {
    let v = viewer(user)?;
    state
        .store
        .visit_visible(id, user.scope(), &v)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    flash: Flash,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let visit = visible(&state, &user, id).await?;
    state
        .store
        .audit(&user.actor("web").entry(
            "view_visit",
            "person",
            visit.person_id,
            serde_json::json!({"visit": id}),
        ))
        .await?;
    let visitor_name = state
        .store
        .list_users()
        .await?
        .into_iter()
        .find(|u| u.username == visit.visitor)
        .map_or_else(|| "—".to_string(), |u| u.display_name);
    render(&RecordPage {
        visitor_name,
        layout: Layout::new(&state, &user, "探访记录", "visits"),
        message: flash.0,
        photos: state.store.visit_photos(id).await?,
        may_add: state
            .store
            .visit_photo_open(&visit, &user.session.user.username)
            .await?,
        visit,
    })
}

/// A photo (multipart: `_csrf` and one file) by the visitor who recorded the visit.
pub async fn add_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> Result<Flashed, AppError> {
    let upload = crate::pages::imports::read_upload(form).await?;
    user.check_csrf(&upload.field("_csrf"))?;
    let v = viewer(&user)?;
    let Some((_, bytes)) = upload.file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::BadRequest("请选择照片".into()));
    };
    state
        .store
        .add_visit_photo(id, &bytes, user.scope(), &v, &user.actor("web"))
        .await?;
    Ok(flashed(format!("/visits/records/{id}"), "照片已保存"))
}

/// One photo of a visit the user may see; otherwise as an unknown id.
pub async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let visit = visible(&state, &user, id).await?;
    let (kind, bytes) = state
        .store
        .visit_photo(visit.id, photo)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::pages::photo_response(kind, bytes))
}
