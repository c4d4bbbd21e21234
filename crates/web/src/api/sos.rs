//! `/api/v1/sos`: a device's emergency call over HTTP (the device's id and secret by HTTP
//! Basic authentication), and the calls of the caller's scope.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yiyang_domain::care::sos::{Channel, DeviceId};

use super::ApiError;
use crate::access::{perm, Can};
use crate::error::AppError;
use crate::sos::{take_signal, IntakeError};
use crate::AppState;

/// A device's message, as over MQTT.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct SosSignal {
    /// `button`, `fall`, `smoke` or `other`
    pub kind: String,
    /// RFC 3339; when it happened (default: when it arrived)
    pub time: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct SosTaken {
    pub call: i64,
    /// false when the signal joined the device's open call (pressed again within 10 minutes)
    pub new: bool,
}

/// The `Authorization: Basic` pair, if well formed.
fn basic(parts: &axum::http::request::Parts) -> Option<(String, String)> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// A device's emergency call. Authenticated by the device's id and secret (HTTP Basic),
/// not by a session; failures are throttled per address.
#[utoipa::path(post, path = "/api/v1/sos", tag = "sos", request_body = SosSignal, security(("device" = [])),
    responses((status = 201, body = SosTaken), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 429, body = ApiError)))]
pub async fn take(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let ip = crate::auth::client_addr(&parts);
    let (id, secret) = basic(&parts).ok_or(AppError::Unauthenticated)?;
    state
        .device_limiter
        .check(&id, &ip)
        .map_err(|s| AppError::TooManyRequests { retry_after_secs: s })?;
    let device = DeviceId::parse(&id);
    let ok = match &device {
        Some(d) => state.store.device_authenticates(d, Some(&secret)).await?,
        None => false,
    };
    let Some(device) = device.filter(|_| ok) else {
        state.device_limiter.failed(&id, &ip);
        tracing::warn!(%ip, "emergency call over HTTP refused: unknown device or wrong secret");
        return Err(AppError::Unauthenticated);
    };
    state.device_limiter.succeeded(&id, &ip);
    match take_signal(&state.store, &state.sos, &device, &body, Channel::Http, &ip).await {
        Ok(got) => Ok((
            StatusCode::CREATED,
            Json(SosTaken {
                call: got.call.id,
                new: got.new,
            }),
        )
            .into_response()),
        Err(IntakeError::Bad(e)) => Err(AppError::BadRequest(e.to_string())),
        Err(IntakeError::UnknownDevice(_)) => Err(AppError::Unauthenticated),
        Err(IntakeError::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CallsQuery {
    /// Only the calls not yet closed.
    #[serde(default)]
    pub open: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SosCall {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub address: String,
    /// `button`, `fall`, `smoke`, `other`
    pub kind: String,
    /// `new`, `acknowledged`, `dispatched`, `closed`
    pub status: String,
    /// 0 on duty, 1 next on the roster, 2 the county
    pub level: i64,
    pub received_at: String,
    pub acknowledged_at: Option<String>,
    pub closed_at: Option<String>,
    pub outcome: Option<String>,
    pub signals: i64,
}

/// The emergency calls of the caller's scope: open ones first, then the latest closed.
#[utoipa::path(get, path = "/api/v1/sos/calls", tag = "sos", params(CallsQuery),
    responses((status = 200, body = [SosCall]), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn calls(
    State(state): State<AppState>,
    user: Can<perm::SosRead>,
    Query(q): Query<CallsQuery>,
) -> Result<Json<Vec<SosCall>>, AppError> {
    let calls = state.store.desk_calls(user.scope(), 500).await?;
    Ok(Json(
        calls
            .into_iter()
            .filter(|c| !q.open || c.is_open())
            .map(|c| SosCall {
                id: c.id,
                person_id: c.person_id,
                person_name: c.person_name,
                address: c.address,
                kind: c.kind,
                status: c.status,
                level: c.level,
                received_at: c.received_at.to_rfc3339(),
                acknowledged_at: c.acknowledged_at.map(|t| t.to_rfc3339()),
                closed_at: c.closed_at.map(|t| t.to_rfc3339()),
                outcome: c.outcome,
                signals: c.signals,
            })
            .collect(),
    ))
}
