-- Settings belong to a division: '' for the platform, a province (2 digits) or a county
-- (6 digits); a reading takes the most specific one above the division asked about. Only an
-- administrator of that division changes them. The old platform-wide settings move to ''.
-- The audit log records the acting account's division, so each level reads its own part.
-- Keep in step with the other backend's 0014_division_settings.sql.

CREATE TABLE division_settings (
    division   TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (division, key)
);
INSERT INTO division_settings (division, key, value, updated_by, updated_at)
    SELECT '', key, value, updated_by, updated_at FROM settings;
DROP TABLE settings;

ALTER TABLE audit_log ADD COLUMN actor_scope TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_actor_scope ON audit_log (actor_scope, seq);
