//! Who is asking: the session (cookie for pages, `Authorization: Bearer` for API clients),
//! CSRF protection for every state-changing request, and login rate limiting.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum_extra::extract::CookieJar;
use yiyang_domain::role::{Permission, Role};
use yiyang_store::audit::Actor;
use yiyang_store::users::Session;

use crate::error::AppError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "yiyang_session";

/// The signed-in user and the scope they work in now.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub session: Session,
    pub token: String,
    pub client: String,
    /// API callers with a bearer token are not exposed to CSRF (the token is not ambient).
    pub bearer: bool,
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.session.user.role
    }
    pub fn scope(&self) -> &str {
        &self.session.scope
    }
    pub fn may(&self, p: Permission) -> bool {
        self.role().may(p)
    }
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.may(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
    pub fn actor(&self, channel: &'static str) -> Actor {
        Actor {
            name: self.session.user.username.clone(),
            channel,
            source: self.client.clone(),
        }
    }
    /// For forms: the token posted back must equal the session's.
    pub fn check_csrf(&self, posted: &str) -> Result<(), AppError> {
        if self.bearer || constant_time_eq(posted.as_bytes(), self.session.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        let (token, is_bearer) = match bearer {
            Some(t) => (t, true),
            None => {
                let jar = CookieJar::from_headers(&parts.headers);
                match jar.get(SESSION_COOKIE) {
                    Some(c) => (c.value().to_string(), false),
                    None => return Err(AppError::Unauthenticated),
                }
            }
        };
        let session = state.store.session(&token).await?.ok_or(AppError::Unauthenticated)?;
        let user = CurrentUser {
            session,
            token,
            client: client_addr(parts),
            bearer: is_bearer,
        };
        // API calls that change state with a cookie session must carry the CSRF header.
        if parts.uri.path().starts_with("/api/")
            && !is_bearer
            && parts.method != Method::GET
            && parts.method != Method::HEAD
        {
            let posted = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            user.check_csrf(posted)?;
        }
        Ok(user)
    }
}

/// Counts failed logins per user name and per client address in a sliding window.
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    pub window: Duration,
    pub max_per_user: usize,
    pub max_per_ip: usize,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
            window: Duration::from_secs(15 * 60),
            max_per_user: 5,
            max_per_ip: 20,
        }
    }
}

impl LoginLimiter {
    fn keys(username: &str, ip: &str) -> [(String, bool); 2] {
        [
            (format!("u:{}", username.trim().to_lowercase()), true),
            (format!("ip:{ip}"), false),
        ]
    }

    /// `Err(seconds to wait)` if either key is over its limit.
    pub fn check(&self, username: &str, ip: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("limiter lock");
        for (key, is_user) in Self::keys(username, ip) {
            let list = map.entry(key).or_default();
            list.retain(|t| now.duration_since(*t) < self.window);
            let max = if is_user { self.max_per_user } else { self.max_per_ip };
            if list.len() >= max {
                let wait = self.window - now.duration_since(list[0]);
                return Err(wait.as_secs().max(1));
            }
        }
        Ok(())
    }

    pub fn failed(&self, username: &str, ip: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        for (key, _) in Self::keys(username, ip) {
            map.entry(key).or_default().push(Instant::now());
        }
    }

    pub fn succeeded(&self, username: &str, ip: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        map.remove(&Self::keys(username, ip)[0].0);
    }
}

pub fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_for_a_user_within_the_window_is_refused() {
        let l = LoginLimiter::default();
        for _ in 0..5 {
            assert!(l.check("zhang", "1.2.3.4").is_ok());
            l.failed("zhang", "1.2.3.4");
        }
        assert!(l.check("zhang", "9.9.9.9").is_err());
        assert!(l.check("li", "9.9.9.9").is_ok());
    }

    #[test]
    fn many_user_names_from_one_address_are_refused_too() {
        let l = LoginLimiter::default();
        for i in 0..20 {
            l.failed(&format!("user{i}"), "5.5.5.5");
        }
        assert!(l.check("fresh", "5.5.5.5").is_err());
    }
}
