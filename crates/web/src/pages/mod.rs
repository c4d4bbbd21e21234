//! Server-rendered pages. Every page shows the user's role and current division scope, and
//! a navigation that fits the role.

pub mod assessments;
pub mod audit;
pub mod benefits;
pub mod care;
pub mod divisions;
pub mod download;
pub mod facilities;
pub mod grants;
mod home;
pub mod imports;
pub mod institutions;
pub mod labels;
mod layout;
pub mod local_figures;
mod login;
pub mod people;
pub mod planning;
pub mod policy;
pub mod services;
pub mod settings;
pub mod supervision;

pub use home::home;
pub use layout::{error_page, field_error, render, Layout, NavItem};
pub(crate) use login::random_hex;
pub use login::{login, login_form, logout, switch_scope, LoginForm, NextParam, ScopeForm};

/// A stored photo as the browser gets it: its sniffed type, never cached outside this session.
pub fn photo_response(kind: String, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, kind),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A recorded instant as people read it: in local time, formatted by `fmt`.
pub fn local(t: chrono::DateTime<chrono::Utc>, fmt: &str) -> String {
    t.with_timezone(&chrono::Local).format(fmt).to_string()
}

/// A recorded instant to the minute ("2026-12-01 09:30"): when a figure was computed, a record
/// changed, a request was made.
pub fn local_minute(t: chrono::DateTime<chrono::Utc>) -> String {
    local(t, "%Y-%m-%d %H:%M")
}

/// A recorded instant to the second: audit lines, a record's access log, an alarm's arrival.
pub fn local_second(t: chrono::DateTime<chrono::Utc>) -> String {
    local(t, "%Y-%m-%d %H:%M:%S")
}
