//! Accounts and sessions. Passwords are hashed with Argon2id; session tokens are random
//! 256-bit values of which only the SHA-256 is stored, so a copy of the database cannot be
//! used to take over a session.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use yiyang_domain::role::Role;

use std::sync::Arc;

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: String,
    pub institution_id: Option<String>,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    scope: String,
    institution_id: Option<String>,
    active: bool,
}

impl UserRow {
    fn user(&self) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role).unwrap_or(Role::Auditor),
            scope: self.scope.clone(),
            institution_id: self.institution_id.clone(),
            active: self.active,
        }
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub scope: &'a str,
    pub institution_id: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    /// The scope the user is working in now: their own or a narrower one they switched to.
    pub scope: String,
    pub expires_at: DateTime<Utc>,
}

pub const SESSION_HOURS: i64 = 12;
/// A session unused this long ends (a screen left open in a township office).
pub const IDLE_MINUTES: i64 = 30;

/// The form in which a typed user name is looked up: trimmed, full-width folded, lower case.
pub fn login_name(typed: &str) -> String {
    yiyang_domain::id_number::normalize_width(typed.trim()).to_lowercase()
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing")
        .to_string()
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A fixed hash to verify against when the user does not exist, so that a wrong user name
/// takes as long as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash_password("not a password"));

impl Store {
    pub async fn create_user(&self, u: &NewUser<'_>, actor: &Actor) -> Result<i64> {
        let username = yiyang_domain::account::Username::parse(u.username).map_err(|e| StoreError::Invalid(vec![e]))?;
        yiyang_domain::account::check_password(u.password, username.as_str())
            .map_err(|e| StoreError::Invalid(vec![e]))?;
        if self.user_exists(username.as_str()).await? {
            return Err(StoreError::Invalid(vec![yiyang_domain::person::FieldError::new(
                "username",
                format!("用户名“{}”已被使用（不区分大小写）", username.as_str()),
            )]));
        }
        let scope = yiyang_domain::DivisionCode::parse(u.scope)
            .map_err(|e| StoreError::Invalid(vec![yiyang_domain::person::FieldError::new("scope", e.to_string())]))?;
        if self.reference().division_name(scope.as_str()).is_none() {
            return Err(StoreError::Invalid(vec![yiyang_domain::person::FieldError::new(
                "scope",
                format!("区划代码“{scope}”不存在"),
            )]));
        }
        let hash = hash_password(u.password);
        let id: i64 = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, role, scope, institution_id, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(username.as_str()).bind(u.display_name).bind(&hash).bind(u.role.code()).bind(scope.as_str())
                .bind(u.institution_id).bind(true).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "user", id,
                serde_json::json!({"username": username.as_str(), "role": u.role.code(), "scope": scope.as_str()}))).await?;
            tx.commit().await?;
            id
        });
        if u.role != Role::Family {
            self.refresh_user_names().await?;
        }
        Ok(id)
    }

    pub async fn user_exists(&self, username: &str) -> Result<bool> {
        let n: i64 = with_pool!(self, pool =>
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE lower(username) = $1")
                .bind(username.trim().to_lowercase()).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// Who did something, by name: pages and files show the account's display name, never the
    /// account code. Kept in memory (see [`Store::refresh_user_names`]).
    pub fn user_names(&self) -> Arc<UserNames> {
        self.user_names.read().expect("user names lock").clone()
    }

    /// Reloads the staff accounts' display names (after an account is created, and when a staff
    /// member not yet known signs in: an account made by another process). Family accounts,
    /// one per family and many, are not kept: their own pages name them.
    pub async fn refresh_user_names(&self) -> Result<()> {
        let rows: Vec<(String, String)> = with_pool!(self, pool =>
            sqlx::query_as("SELECT username, display_name FROM users WHERE role <> 'family'").fetch_all(pool).await?);
        *self.user_names.write().expect("user names lock") = Arc::new(UserNames(rows.into_iter().collect()));
        Ok(())
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = with_pool!(self, pool =>
            sqlx::query_as("SELECT * FROM users ORDER BY id").fetch_all(pool).await?);
        Ok(rows.iter().map(UserRow::user).collect())
    }

    /// Checks a password; `None` for an unknown user, a wrong password or a disabled account.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = with_pool!(self, pool =>
            sqlx::query_as("SELECT * FROM users WHERE lower(username) = $1")
                .bind(crate::users::login_name(username)).fetch_optional(pool).await?);
        let password = password.to_string();
        let hash = row
            .as_ref()
            .map(|r| r.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        Ok(row.filter(|r| ok && r.active).map(|r| r.user()))
    }

    /// Starts a session; returns the token for the cookie.
    pub async fn create_session(&self, user: &User) -> Result<String> {
        let token = random_token();
        let ts = now();
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(ts).execute(pool).await?;
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, scope, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $5)")
                .bind(token_hash(&token)).bind(user.id).bind(random_token()).bind(&user.scope).bind(ts)
                .bind(ts + Duration::hours(SESSION_HOURS))
                .execute(pool).await?;
        });
        if user.role != Role::Family && !self.user_names().knows(&user.username) {
            self.refresh_user_names().await?;
        }
        Ok(token)
    }

    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            csrf: String,
            scope: String,
            expires_at: DateTime<Utc>,
            last_seen_at: Option<DateTime<Utc>>,
            user_id: i64,
        }
        let hash = token_hash(token);
        let row: Option<Row> = with_pool!(self, pool =>
            sqlx::query_as("SELECT csrf, scope, expires_at, last_seen_at, user_id FROM sessions WHERE token_hash = $1")
                .bind(&hash).fetch_optional(pool).await?);
        let now = Utc::now();
        let idle = Duration::minutes(IDLE_MINUTES);
        let Some(row) = row.filter(|r| r.expires_at > now && r.last_seen_at.is_none_or(|t| t + idle > now)) else {
            return Ok(None);
        };
        // Touching the session on every request would make each read a write: once a minute
        // is exact enough for a 30-minute idle limit.
        if row.last_seen_at.is_none_or(|t| now - t > Duration::seconds(60)) {
            with_pool!(self, pool => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now).bind(&hash).execute(pool).await.map(|_| ())?);
        }
        let user: Option<UserRow> = with_pool!(self, pool =>
            sqlx::query_as("SELECT * FROM users WHERE id = $1").bind(row.user_id).fetch_optional(pool).await?);
        Ok(user.filter(|u| u.active).map(|u| Session {
            user: u.user(),
            csrf: row.csrf,
            scope: row.scope,
            expires_at: row.expires_at,
        }))
    }

    /// Narrows (or widens back, never beyond the account's own scope) the working scope.
    pub async fn set_session_scope(&self, token: &str, scope: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE sessions SET scope = $1 WHERE token_hash = $2")
            .bind(scope).bind(token_hash(token)).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token)).execute(pool).await?.rows_affected());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("correct horse", "garbage"));
    }
}

/// Account codes to display names (see [`Store::user_names`]).
#[derive(Debug, Default, Clone)]
pub struct UserNames(std::collections::HashMap<String, String>);

impl UserNames {
    pub fn knows(&self, username: &str) -> bool {
        self.0.contains_key(username)
    }

    /// The display name of an account; the command line's `os:<login>` as such; anything else
    /// (an account since deleted) as recorded.
    pub fn of(&self, username: &str) -> String {
        if let Some(n) = self.0.get(username) {
            return n.clone();
        }
        match username.strip_prefix("os:") {
            Some(login) => format!("服务器命令行（{login}）"),
            None => username.to_string(),
        }
    }
}
