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
            scope: self.session.user.scope.clone(),
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
        // Several extractors of one handler (`Can`, `InScope`, `CsrfForm`) ask who is
        // asking; the session is read once per request.
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
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
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// Slows password guessing without letting anyone lock anyone out. Failed logins are counted
/// per (user name, address), per address and per user name; past a few free failures each key
/// must wait, the wait doubling with every further failure up to its cap. A guesser at one
/// address soon waits 15 minutes per try; a crowd of addresses aimed at one account makes
/// its owner wait at most a minute (never the hard lockout that five wrong passwords from
/// anywhere once caused). A key forgets its failures after a quiet window.
pub struct LoginLimiter {
    keys: Mutex<HashMap<String, Backoff>>,
    pub window: Duration,
}

#[derive(Clone, Copy)]
struct Backoff {
    failures: u32,
    last: Instant,
}

/// (free failures, longest wait) per kind of key.
const PAIR: (u32, Duration) = (5, Duration::from_secs(15 * 60));
const ADDRESS: (u32, Duration) = (20, Duration::from_secs(15 * 60));
const ACCOUNT: (u32, Duration) = (10, Duration::from_secs(60));
/// Keys kept at most; past it the quiet ones are dropped, then all (bounded memory under a
/// flood of made-up user names).
const MAX_KEYS: usize = 100_000;

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            keys: Mutex::new(HashMap::new()),
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl LoginLimiter {
    fn keys(username: &str, ip: &str) -> [(String, (u32, Duration)); 3] {
        let user = yiyang_store::users::login_name(username);
        [
            (format!("p:{user}@{ip}"), PAIR),
            (format!("ip:{ip}"), ADDRESS),
            (format!("u:{user}"), ACCOUNT),
        ]
    }

    fn wait(b: &Backoff, (free, cap): (u32, Duration)) -> Duration {
        if b.failures < free {
            return Duration::ZERO;
        }
        let doublings = (b.failures - free).min(20);
        Duration::from_secs(1u64 << doublings).min(cap)
    }

    /// `Err(seconds to wait)` while any key is in its back-off.
    pub fn check(&self, username: &str, ip: &str) -> Result<(), u64> {
        let now = Instant::now();
        let map = self.keys.lock().expect("limiter lock");
        let mut longest = Duration::ZERO;
        for (key, rule) in Self::keys(username, ip) {
            if let Some(b) = map.get(&key) {
                if now.duration_since(b.last) >= self.window {
                    continue;
                }
                let until = Self::wait(b, rule).saturating_sub(now.duration_since(b.last));
                longest = longest.max(until);
            }
        }
        if longest.is_zero() {
            Ok(())
        } else {
            Err(longest.as_secs().max(1))
        }
    }

    pub fn failed(&self, username: &str, ip: &str) {
        let now = Instant::now();
        let mut map = self.keys.lock().expect("limiter lock");
        if map.len() >= MAX_KEYS {
            let window = self.window;
            map.retain(|_, b| now.duration_since(b.last) < window);
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        for (key, _) in Self::keys(username, ip) {
            let b = map.entry(key).or_insert(Backoff { failures: 0, last: now });
            if now.duration_since(b.last) >= self.window {
                b.failures = 0;
            }
            b.failures += 1;
            b.last = now;
        }
    }

    /// A right password clears its (user, address) pair; the address and account counts
    /// stay, so one known password cannot be used to reset a guessing run.
    pub fn succeeded(&self, username: &str, ip: &str) {
        let mut map = self.keys.lock().expect("limiter lock");
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
    fn a_guesser_at_one_address_waits_longer_with_every_failure() {
        let l = LoginLimiter::default();
        for _ in 0..5 {
            assert!(l.check("zhang", "1.2.3.4").is_ok());
            l.failed("zhang", "1.2.3.4");
        }
        let first = l.check("zhang", "1.2.3.4").unwrap_err();
        l.failed("zhang", "1.2.3.4");
        l.failed("zhang", "1.2.3.4");
        let later = l.check("Zhang", "1.2.3.4").unwrap_err();
        assert!(later > first, "{later} > {first}");
    }

    #[test]
    fn nobody_can_lock_an_account_out_for_more_than_a_minute() {
        let l = LoginLimiter::default();
        // A crowd of addresses aims at one account.
        for i in 0..200 {
            l.failed("shenhe", &format!("10.0.{}.{}", i / 250, i % 250));
        }
        let wait = l.check("shenhe", "192.0.2.7").unwrap_err();
        assert!(wait <= 60, "{wait}");
        // Other accounts are untouched.
        assert!(l.check("shenpi", "192.0.2.7").is_ok());
    }

    #[test]
    fn many_user_names_from_one_address_slow_that_address() {
        let l = LoginLimiter::default();
        for i in 0..25 {
            l.failed(&format!("user{i}"), "5.5.5.5");
        }
        assert!(l.check("fresh", "5.5.5.5").is_err());
        assert!(l.check("fresh", "6.6.6.6").is_ok());
    }

    #[test]
    fn made_up_user_names_do_not_grow_memory_without_bound() {
        let l = LoginLimiter::default();
        for i in 0..(MAX_KEYS + 10) {
            l.failed(&format!("u{i}"), "7.7.7.7");
        }
        assert!(l.keys.lock().unwrap().len() <= MAX_KEYS + 3);
    }
}
