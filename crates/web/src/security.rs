//! What every response carries, whatever handler made it: security headers, `no-store` on
//! everything that is not a static asset (pages show full ID numbers), the one-shot flash
//! message cleared once shown, and a 500 page instead of a dropped connection on a panic.
//! Also the limits on request bodies, set once here and read by the router.

use std::any::Any;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

/// Every route but the uploads: forms, JSON, the login. Large enough for the longest form
/// (the assessment form with all its notes), small enough that a flood of bodies is cheap.
pub const BODY_LIMIT: usize = 128 * 1024;
/// Upload routes (register and care-register imports). The spreadsheet reader has caps of its
/// own on rows, columns, cells and unpacked size; this bounds what is held before it runs.
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

/// No inline script or style anywhere: the app's own CSS and script, images from itself and
/// `data:` (charts export), no framing, forms only back to the app.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

pub const FLASH_COOKIE: &str = "yiyang_flash";

/// Writes an uploaded file where only this process's user can read it (a fresh 0700 folder,
/// the file 0600), for the caller to remove when the import is done. Uploads are registers of
/// people: never world-readable in a shared temporary folder.
pub fn private_upload(
    prefix: &str,
    ext: &str,
    bytes: &[u8],
) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = std::env::temp_dir().join(format!("{prefix}-{:016x}", rand::random::<u64>()));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    let path = dir.join(format!("upload.{ext}"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(bytes)?;
    Ok((dir, path))
}

/// Adds the security headers; marks dynamic responses `no-store`; clears a flash message
/// that the page has now shown. `secure` adds HSTS (set with `--secure-cookies`, behind HTTPS).
pub async fn headers(secure: bool, req: Request, next: Next) -> Response {
    let had_flash = CookieJar::from_headers(req.headers()).get(FLASH_COOKIE).is_some();
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let redirect = res.status().is_redirection();
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A redirect carries the flash on to the page that shows it; that page clears it.
    if had_flash && !redirect && !h.contains_key(header::SET_COOKIE) {
        let gone = format!("{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        if let Ok(v) = HeaderValue::from_str(&gone) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// A panic in a handler becomes the ordinary 500 page (and is logged), never a dropped
/// connection.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "handler panicked");
    let msg = crate::error::AppError::Internal.message();
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(crate::pages::error_page(StatusCode::INTERNAL_SERVER_ERROR, &msg, &[])),
    )
        .into_response()
}

/// A success message shown once on the next page. It travels in a short-lived cookie set by
/// the server, never in the URL, so nobody can put words in the platform's green banner by
/// sending a link.
#[derive(Debug, Default, Clone)]
pub struct Flash(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Flash {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Flash(
            jar.get(FLASH_COOKIE)
                .map(|c| percent_decode(c.value()))
                .unwrap_or_default(),
        ))
    }
}

/// A redirect to a path of this app that carries a flash message.
pub struct Flashed {
    pub to: String,
    pub msg: String,
}

pub fn flashed(to: impl Into<String>, msg: impl Into<String>) -> Flashed {
    Flashed {
        to: to.into(),
        msg: msg.into(),
    }
}

impl IntoResponse for Flashed {
    fn into_response(self) -> Response {
        let mut msg = self.msg;
        // A flash is a short sentence; a cookie must stay well under 4 KB.
        if msg.chars().count() > 200 {
            msg = msg.chars().take(200).collect();
        }
        let cookie = format!(
            "{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=120",
            crate::error::urlencode(&msg)
        );
        let mut res = Redirect::to(&safe_path(&self.to)).into_response();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        res
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Only a path of this site is followed (after login, after switching scope): it starts with
/// one `/`, and has no second slash or backslash after it, no scheme, and no control or white
/// space characters (browsers drop tabs and newlines, so `/\t/evil.example` would become
/// `//evil.example`). Anything else goes to the home page.
pub fn safe_path(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2048
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    // A percent-encoded control or slash trick is refused as well: the path is decoded once
    // and checked again.
    if ok {
        let decoded = percent_decode(next);
        if decoded.starts_with("//")
            || decoded.starts_with("/\\")
            || decoded.chars().any(|c| c.is_control() || c == '\\')
        {
            return "/".to_string();
        }
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_followed() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\n/evil.example",
            " /people",
            "",
        ] {
            assert_eq!(safe_path(bad), "/", "{bad:?}");
        }
        for good in [
            "/",
            "/people?q=%E9%99%88",
            "/institutions/3/residents",
            "/people?page=2&division=360733",
        ] {
            assert_eq!(safe_path(good), good);
        }
    }

    #[test]
    fn uploads_are_readable_by_this_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, path) = private_upload("yiyang-test", "csv", b"a,b\n").unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_flash_message_survives_the_cookie_round_trip() {
        let msg = "已新增 3 张床位；共 ¥1,200";
        assert_eq!(percent_decode(&crate::error::urlencode(msg)), msg);
    }
}
