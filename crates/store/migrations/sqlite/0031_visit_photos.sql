-- Photos a visitor takes on a home visit (探访关爱, optional), stored with their SHA-256 as
-- inspection photos are: JPEG or PNG by their bytes, at most 5 MB, a few per visit.
-- Keep in step with the other backend's 0031_visit_photos.sql.

CREATE TABLE visit_photos (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id      INTEGER NOT NULL REFERENCES visits (id),
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size          BIGINT NOT NULL,
    bytes         BLOB NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX visit_photos_visit ON visit_photos (visit_id);
