//! Photos on a home visit (探访照片, optional): taken by the visitor who recorded the visit,
//! within three days of recording it, at most six, each JPEG or PNG by its bytes and at most
//! 5 MB, stored with its SHA-256. Whoever may see the visit may see its photos.

use crate::audit::{Actor, AuditAppend};
use crate::care::visits::{Visit, VisitViewer};
use crate::supervision::photos::{sniff, Photo, PHOTO_MAX_BYTES};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Photos one visit may hold.
pub const PHOTOS_PER_VISIT: i64 = 6;
/// Days after recording a visit during which its visitor may add photos.
pub const PHOTO_DAYS: i64 = 3;

impl Store {
    /// A visit, if `viewer` may see it: the division's staff for people in `scope`, a visitor
    /// for their own visits there. `None` otherwise, as for an unknown visit.
    pub async fn visit_visible(&self, id: i64, scope: &str, viewer: &VisitViewer) -> Result<Option<Visit>> {
        let (lo, hi) = scope_range(scope);
        let visitor = match viewer {
            VisitViewer::Division => String::new(),
            VisitViewer::Visitor(u) => u.clone(),
        };
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT v.id, v.person_id, p.name AS person_name, v.visitor, v.visited_on, v.place, v.health, v.living, v.needs, \
             v.condition, v.follow_up, v.follow_up_by, v.follow_up_done_at, v.follow_up_note FROM visits v \
             JOIN persons p ON p.id = v.person_id WHERE v.id = $4 AND ((p.hukou_division >= $1 AND p.hukou_division < $2) \
             OR (p.residence_division >= $1 AND p.residence_division < $2)) AND ($3 = '' OR v.visitor = $3)")
            .bind(&lo).bind(&hi).bind(&visitor).bind(id).fetch_optional(pool).await?))
    }

    /// Whether the visit's own visitor may still add a photo (and how many it has).
    pub async fn visit_photo_open(&self, visit: &Visit, username: &str) -> Result<bool> {
        if visit.visitor != username {
            return Ok(false);
        }
        let recorded: chrono::DateTime<chrono::Utc> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT recorded_at FROM visits WHERE id = $1").bind(visit.id).fetch_one(pool).await?);
        Ok((now() - recorded).num_days() < PHOTO_DAYS)
    }

    /// Adds a photo to a visit by the visitor who recorded it. Returns its SHA-256.
    pub async fn add_visit_photo(
        &self,
        id: i64,
        bytes: &[u8],
        scope: &str,
        viewer: &VisitViewer,
        actor: &Actor,
    ) -> Result<String> {
        let visit = self
            .visit_visible(id, scope, viewer)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !self.visit_photo_open(&visit, &actor.name).await? {
            return Err(StoreError::Refused(format!(
                "只有记录探访的人员可在 {PHOTO_DAYS} 天内添加照片"
            )));
        }
        if bytes.len() > PHOTO_MAX_BYTES {
            return Err(StoreError::Refused(format!(
                "照片超过 {} MB",
                PHOTO_MAX_BYTES / 1024 / 1024
            )));
        }
        let kind = sniff(bytes).ok_or_else(|| StoreError::Refused("只接受 JPEG 或 PNG 照片".into()))?;
        let have: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM visit_photos WHERE visit_id = $1")
            .bind(id).fetch_one(pool).await?);
        if have >= PHOTOS_PER_VISIT {
            return Err(StoreError::Refused(format!("每次探访最多 {PHOTOS_PER_VISIT} 张照片")));
        }
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO visit_photos (visit_id, sha256, content_type, size, bytes, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id).bind(&sha).bind(kind).bind(bytes.len() as i64).bind(bytes).bind(&actor.name).bind(now())
                .execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("visit_photo", "person", visit.person_id,
                serde_json::json!({"visit": id, "sha256": sha}))).await?;
            tx.commit().await?;
            Ok(sha)
        })
    }

    pub async fn visit_photos(&self, visit: i64) -> Result<Vec<Photo>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, sha256, content_type, size, uploaded_by, uploaded_at FROM visit_photos WHERE visit_id = $1 ORDER BY id")
            .bind(visit).fetch_all(pool).await?))
    }

    /// A photo's type and bytes, if it belongs to that visit (whose visibility the caller has
    /// checked).
    pub async fn visit_photo(&self, visit: i64, photo: i64) -> Result<Option<(String, Vec<u8>)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT content_type, bytes FROM visit_photos WHERE id = $1 AND visit_id = $2")
            .bind(photo).bind(visit).fetch_optional(pool).await?))
    }
}
