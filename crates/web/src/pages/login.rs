//! Signing in and out, and switching the scope.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::access::{NoFields, Submitted};
use crate::auth::SESSION_COOKIE;
use crate::error::AppError;
use crate::AppState;

use super::*;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    next: String,
    error: Option<String>,
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

const LOGIN_CSRF_COOKIE: &str = "yiyang_login_csrf";

pub(crate) fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn login_page(
    jar: CookieJar,
    secure: bool,
    username: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    // Login CSRF: a double-submit token (cookie + hidden field), as there is no session yet.
    let csrf = random_hex();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, csrf.clone()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build();
    match render(&LoginPage {
        username,
        next,
        error,
        csrf,
    }) {
        Ok(html) => (status, jar.add(cookie), html).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn login_form(State(state): State<AppState>, jar: CookieJar, Query(p): Query<NextParam>) -> Response {
    login_page(jar, state.secure_cookies, String::new(), p.next, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    _csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    parts: axum::http::request::Parts,
    Form(f): Form<LoginForm>,
) -> Response {
    let ip = crate::auth::client_addr(&parts);
    let cookie_ok = jar
        .get(LOGIN_CSRF_COOKIE)
        .is_some_and(|c| !f._csrf.is_empty() && c.value() == f._csrf);
    if !cookie_ok {
        return login_page(
            jar,
            state.secure_cookies,
            f.username,
            f.next,
            Some(AppError::Csrf.message()),
            StatusCode::FORBIDDEN,
        );
    }
    if let Err(wait) = state.limiter.check(&f.username, &ip) {
        let msg = AppError::TooManyRequests { retry_after_secs: wait }.message();
        return login_page(
            jar,
            state.secure_cookies,
            f.username,
            f.next,
            Some(msg),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match state.store.authenticate(f.username.trim(), &f.password).await {
        Ok(u) => u,
        Err(e) => return AppError::from(e).into_response(),
    };
    let Some(user) = user else {
        state.limiter.failed(&f.username, &ip);
        return login_page(
            jar,
            state.secure_cookies,
            f.username,
            f.next,
            Some("用户名或密码错误".into()),
            StatusCode::UNAUTHORIZED,
        );
    };
    state.limiter.succeeded(&f.username, &ip);
    let token = match state.store.create_session(&user).await {
        Ok(t) => t,
        Err(e) => return AppError::from(e).into_response(),
    };
    let _ = state
        .store
        .audit(
            &yiyang_store::audit::Actor {
                name: user.username.clone(),
                channel: "web",
                source: ip,
                scope: user.scope.clone(),
            }
            .entry("login", "user", user.id, serde_json::json!({})),
        )
        .await;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .build();
    (
        jar.add(cookie).remove(Cookie::from(LOGIN_CSRF_COOKIE)),
        Redirect::to(&crate::security::safe_path(&f.next)),
    )
        .into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Response, AppError> {
    state.store.delete_session(&user.token).await?;
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ScopeForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    back: String,
}

/// Narrows the working scope to a division inside the account's own (or back up to it).
pub async fn switch_scope(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<ScopeForm>,
) -> Result<Redirect, AppError> {
    let own = &user.session.user.scope;
    let exists = state.store.reference().division_name(&f.scope).is_some();
    if !f.scope.starts_with(own.as_str()) || !exists {
        return Err(AppError::BadRequest(format!("区划“{}”不在您的管辖范围内", f.scope)));
    }
    state.store.set_session_scope(&user.token, &f.scope).await?;
    let back = crate::security::safe_path(&f.back);
    // A record page may fall outside the new scope; go to its list instead.
    let back = if back.starts_with("/people/") {
        "/people".to_string()
    } else {
        back
    };
    Ok(Redirect::to(&back))
}
