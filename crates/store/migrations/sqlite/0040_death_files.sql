-- Deaths from exchanged data: each death file the public-security, health, funeral or
-- civil-affairs systems deliver, and what became of each of its rows. A row whose ID number and
-- name agree with the register records the death (the person_changes trigger logs it, so the
-- next run stops payment and recovers what was paid after it); a name or date that disagrees
-- waits for a person to confirm or dismiss it, with a reason. A file is imported once per area.
-- Keep in step with the other backend's 0040_death_files.sql.

CREATE TABLE death_files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    source      TEXT,
    scope       TEXT NOT NULL,
    actor       TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    total_rows  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX death_files_once ON death_files (scope, file_sha256);

CREATE TABLE death_rows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id     INTEGER NOT NULL REFERENCES death_files (id),
    row_no      INTEGER NOT NULL,
    person_id   INTEGER REFERENCES persons (id) ON DELETE SET NULL,
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL,
    death_date  TEXT,
    source      TEXT,
    outcome     TEXT NOT NULL,
    field       TEXT,
    message     TEXT,
    decided_by  TEXT,
    decided_at  TEXT,
    note        TEXT
);
CREATE INDEX death_rows_file ON death_rows (file_id, row_no);
CREATE INDEX death_rows_person ON death_rows (person_id);
CREATE INDEX death_rows_waiting ON death_rows (outcome) WHERE outcome IN ('name_differs', 'date_differs');
