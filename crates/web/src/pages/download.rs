//! Files to download. A file's name is read by people like a page is: it names its area and
//! its subject in Chinese ("老年人信息-会昌县-20261201.xlsx"), never a division code or an
//! English word. A workbook of personal data is audited before it is sent.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::error::{urlencode, AppError};
use crate::AppState;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `bytes` as a download named `name`: `filename*` (RFC 6266 and 5987), so that a Chinese name
/// arrives whole in every browser.
pub fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", urlencode(name)),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// An .xlsx file as a download named `name`.
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    download(name, XLSX, bytes)
}

/// A workbook of personal data: a failure to build it is logged and answered 500; otherwise
/// the export is audited (`entity`, `id`, `detail`) and the workbook sent as `name`.
pub async fn audited_xlsx<E: std::fmt::Display>(
    state: &AppState,
    user: &CurrentUser,
    (entity, id, detail): (&str, impl ToString, serde_json::Value),
    name: &str,
    built: Result<Vec<u8>, E>,
) -> Result<Response, AppError> {
    let bytes = built.map_err(|e| {
        tracing::error!(error = %e, entity, "xlsx");
        AppError::Internal
    })?;
    state
        .store
        .audit(&user.actor("web").entry("export", entity, id, detail))
        .await?;
    Ok(xlsx_download(name, bytes))
}

/// What a file's name says of an area: the division's own name ("会昌县"); the whole country
/// for the root scope.
pub fn area_name(state: &AppState, scope: &str) -> String {
    if scope.is_empty() {
        return "全国".to_string();
    }
    state
        .store
        .reference()
        .division_name(scope)
        .map(str::to_string)
        .unwrap_or_else(|| "本辖区".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_name_is_sent_encoded_whole() {
        let r = xlsx_download("老年人信息-会昌县-20261201.xlsx", vec![1, 2]);
        let cd = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(
            cd,
            "attachment; filename*=UTF-8''%E8%80%81%E5%B9%B4%E4%BA%BA%E4%BF%A1%E6%81%AF-%E4%BC%9A%E6%98%8C%E5%8E%BF-20261201.xlsx"
        );
        assert_eq!(r.headers()[header::CONTENT_TYPE], XLSX);
    }
}
