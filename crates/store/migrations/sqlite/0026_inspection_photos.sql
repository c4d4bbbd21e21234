-- Photos taken on an inspection, stored with their SHA-256 so that a published result can be
-- matched to the very picture taken. Kept in the database (a county's inspections hold a few
-- hundred photos of at most 5 MB): backed up and scoped with everything else.
-- Keep in step with the other backend's 0026_inspection_photos.sql.

CREATE TABLE inspection_photos (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size          BIGINT NOT NULL,
    bytes         BLOB NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX inspection_photos_inspection ON inspection_photos (inspection_id);
