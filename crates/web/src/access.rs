//! Access in one place. A handler states what it needs in its signature and cannot forget it:
//!
//! - [`Can<P>`]: the signed-in user, whose role has permission `P` (403 otherwise, before the
//!   body is read or anything is looked up).
//! - [`InScope<T>`]: the record named by the path's `{id}`, loaded within the user's scope —
//!   an unknown id and an out-of-scope one are the same 404.
//! - [`Submitted<T>`]: a form body whose `_csrf` token matches the session's (403 otherwise);
//!   it takes the place of axum's `Form`, so a new state-changing form route checks CSRF by
//!   being written at all.
//! - [`same_origin`]: a layer under every route refusing state-changing requests a browser
//!   says came from another site (`Sec-Fetch-Site`, `Origin`), whatever the handler does —
//!   the second line behind the token, and the one that covers uploads.

use std::marker::PhantomData;
use std::ops::Deref;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use yiyang_domain::role::Permission;
use yiyang_store::institutions::Institution;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// A permission as a type, so that a handler's signature says what it needs.
pub trait Perm: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// Marker types, one per [`Permission`], named as the permission is.
pub mod perm {
    use super::{Perm, Permission};
    macro_rules! perms {
        ($($name:ident),* $(,)?) => {$(
            pub struct $name;
            impl Perm for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }
    perms!(
        PersonRead,
        PersonFullId,
        PersonWrite,
        AuditRead,
        BenefitRead,
        BenefitPrepare,
        BenefitReview,
        BenefitApprove,
        InstitutionRead,
        InstitutionWrite,
        BedWrite,
        AssessmentWrite,
        AssessmentRequest,
        AssessmentReview,
        SettingsWrite,
        AccountWrite,
        ResidentWrite,
        FacilityRead,
        FacilityWrite,
        WaitlistWrite,
        GradingWrite,
        SupervisionRead,
        SupervisionPlan,
        InspectionWrite,
        HazardRectify,
        ComplaintExplain,
        IndicatorRead,
        PlanningWrite,
        VisitManage,
        VisitWrite,
        ServiceRead,
        ServiceManage,
        ServiceDeliver,
        ServiceOrder,
        SosRead,
        SosRespond,
        TimebankUse,
        TimebankRead,
        TimebankConfirm,
    );
}

/// The signed-in user, allowed `P`. Dereferences to [`CurrentUser`].
pub struct Can<P: Perm> {
    pub user: CurrentUser,
    _p: PhantomData<P>,
}

impl<P: Perm> Deref for Can<P> {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

impl<P: Perm> FromRequestParts<AppState> for Can<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        user.require(P::PERMISSION)?;
        Ok(Can { user, _p: PhantomData })
    }
}

/// A record a user may see only within their scope.
pub trait ScopedRecord: Sized + Send {
    /// What the user must be allowed before the record is even looked up.
    const READ: Permission;
    /// The record, if it exists and lies within the user's scope; `None` otherwise — the
    /// caller cannot tell the two apart, and neither can the user.
    fn load(
        state: &AppState,
        user: &CurrentUser,
        id: i64,
    ) -> impl std::future::Future<Output = Result<Option<Self>, AppError>> + Send;
}

/// The record named by the path's `{id}` (or its first parameter), within the user's scope.
pub struct InScope<T> {
    pub user: CurrentUser,
    pub item: T,
}

impl<T: ScopedRecord> FromRequestParts<AppState> for InScope<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        user.require(T::READ)?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let raw = params
            .iter()
            .find(|(k, _)| *k == "id")
            .or_else(|| params.iter().next())
            .map(|(_, v)| v.to_string())
            .ok_or(AppError::NotFound)?;
        // Not a number is the same as not there.
        let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
        let item = T::load(state, &user, id).await?.ok_or(AppError::NotFound)?;
        Ok(InScope { user, item })
    }
}

impl ScopedRecord for Institution {
    const READ: Permission = Permission::InstitutionRead;
    async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<Self>, AppError> {
        let inst = state.store.institution_in_scope(id, user.scope()).await?;
        // Institution staff see their own institution only.
        Ok(inst.filter(|i| crate::pages::institutions::visible(user, i)))
    }
}

#[derive(Deserialize)]
struct Token {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A form that carries nothing but its token (a button: approve, grant, sign out).
#[derive(Deserialize)]
pub struct NoFields {}

/// A urlencoded form whose `_csrf` field matched the session's token. Must be the last
/// extractor (it reads the body).
pub struct Submitted<T> {
    pub user: CurrentUser,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Submitted<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
                _ => AppError::BadRequest("无法读取提交的表单".into()),
            })?;
        let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or(Token { csrf: String::new() });
        user.check_csrf(&token.csrf)?;
        let form =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| AppError::BadRequest(format!("表单内容无法识别：{e}")))?;
        Ok(Submitted { user, form })
    }
}

/// Refuses a state-changing request that a browser marks as coming from another site. Bearer
/// API clients are not browsers and carry no ambient credentials; requests without the
/// headers (older browsers, scripts) fall through to the token check.
pub async fn same_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    if !safe && !bearer && is_cross_site(req.headers()) {
        return AppError::Csrf.into_response();
    }
    next.run(req).await
}

fn is_cross_site(h: &axum::http::HeaderMap) -> bool {
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // `none` is the user's own navigation (a bookmark, the address bar).
        return !matches!(site, "same-origin" | "none");
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_browser_request_from_another_site_is_cross_site() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_match_the_host() {
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "yiyang.gov.cn")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "yiyang.gov.cn")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "https://yiyang.gov.cn"),
            ("host", "yiyang.gov.cn")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        // A script or an old browser sends neither: the CSRF token decides.
        assert!(!is_cross_site(&HeaderMap::new()));
    }
}
