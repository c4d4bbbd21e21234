//! Photos on an inspection record (现场照片), each stored with its SHA-256: at most 5 MB, JPEG
//! or PNG by their first bytes (not by the name or the type the browser claims), added by an
//! assigned inspector before the second signature, shown to whoever may see the inspection.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use yiyang_domain::supervision::inspection::InspectionStatus;

use super::inspections::Viewer;
use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Photos one inspection may hold.
pub const PHOTOS_PER_INSPECTION: i64 = 20;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Photo {
    pub id: i64,
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// The content type the bytes themselves say, if a JPEG or a PNG.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

impl Store {
    /// Adds a photo to an inspection the inspector is assigned to, before it is confirmed.
    /// Returns the photo's SHA-256.
    pub async fn add_inspection_photo(
        &self,
        id: i64,
        bytes: &[u8],
        scope: &str,
        inspector: i64,
        actor: &Actor,
    ) -> Result<String> {
        let n = self
            .inspection_visible(id, scope, &Viewer::Inspector(inspector))
            .await?
            .ok_or(StoreError::NotFound)?;
        if !matches!(n.status(), InspectionStatus::Pending | InspectionStatus::Recorded) {
            return Err(StoreError::Refused("检查已确认签字，不能再添加照片".into()));
        }
        if bytes.len() > PHOTO_MAX_BYTES {
            return Err(StoreError::Refused(format!(
                "照片超过 {} MB",
                PHOTO_MAX_BYTES / 1024 / 1024
            )));
        }
        let kind = sniff(bytes).ok_or_else(|| StoreError::Refused("只接受 JPEG 或 PNG 照片".into()))?;
        let have: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM inspection_photos WHERE inspection_id = $1")
            .bind(id).fetch_one(pool).await?);
        if have >= PHOTOS_PER_INSPECTION {
            return Err(StoreError::Refused(format!(
                "每次检查最多 {PHOTOS_PER_INSPECTION} 张照片"
            )));
        }
        let sha = hex::encode(Sha256::digest(bytes));
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO inspection_photos (inspection_id, sha256, content_type, size, bytes, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id).bind(&sha).bind(kind).bind(bytes.len() as i64).bind(bytes).bind(&actor.name).bind(now())
                .execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("photo", "inspection", id, serde_json::json!({"sha256": sha}))).await?;
            tx.commit().await?;
            Ok(sha)
        })
    }

    pub async fn inspection_photos(&self, id: i64) -> Result<Vec<Photo>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, sha256, content_type, size, uploaded_by, uploaded_at FROM inspection_photos WHERE inspection_id = $1 ORDER BY id")
            .bind(id).fetch_all(pool).await?))
    }

    /// A photo's bytes and type, if it belongs to that inspection (whose visibility the
    /// caller has checked).
    pub async fn inspection_photo(&self, id: i64, photo: i64) -> Result<Option<(String, Vec<u8>)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT content_type, bytes FROM inspection_photos WHERE id = $1 AND inspection_id = $2")
            .bind(photo).bind(id).fetch_optional(pool).await?))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_jpeg_and_png_are_taken_by_their_first_bytes() {
        assert_eq!(super::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(super::sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(super::sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(super::sniff(b""), None);
    }
}
