-- One-touch emergency calls (一键呼救): the devices registered to a person and an address (each
-- with its own secret, kept as a hash), the duty roster of a division's desk (in order), and
-- the calls with each step at the desk and the level an unanswered call has reached.
-- Keep in step with the other backend's 0028_sos.sql.

CREATE TABLE sos_devices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id     TEXT NOT NULL UNIQUE,
    person_id     INTEGER NOT NULL REFERENCES persons (id),
    kind          TEXT NOT NULL CHECK (kind IN ('button', 'fall', 'smoke', 'phone', 'other')),
    address       TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    registered_by TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    last_seen_at  TEXT
);
CREATE INDEX sos_devices_person ON sos_devices (person_id);

CREATE TABLE sos_duty (
    division TEXT NOT NULL,
    position INTEGER NOT NULL,
    username TEXT NOT NULL,
    set_by   TEXT NOT NULL,
    set_at   TEXT NOT NULL,
    PRIMARY KEY (division, position)
);

CREATE TABLE sos_calls (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id       TEXT NOT NULL,
    person_id       INTEGER NOT NULL REFERENCES persons (id),
    division        TEXT NOT NULL,
    desk            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('button', 'fall', 'smoke', 'other')),
    channel         TEXT NOT NULL CHECK (channel IN ('mqtt', 'http')),
    status          TEXT NOT NULL CHECK (status IN ('new', 'acknowledged', 'dispatched', 'closed')),
    level           INTEGER NOT NULL DEFAULT 0 CHECK (level IN (0, 1, 2)),
    happened_at     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    signals         INTEGER NOT NULL DEFAULT 1,
    last_signal_at  TEXT NOT NULL,
    lat             REAL,
    lon             REAL,
    escalated_at    TEXT,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    dispatched      TEXT NOT NULL DEFAULT '',
    dispatch_note   TEXT,
    closed_at       TEXT,
    closed_by       TEXT,
    outcome         TEXT CHECK (outcome IN ('handled', 'hospital', 'false_alarm', 'unreachable', 'other')),
    outcome_note    TEXT
);
CREATE INDEX sos_calls_division ON sos_calls (division, received_at);
CREATE INDEX sos_calls_open ON sos_calls (status, received_at);
CREATE INDEX sos_calls_device ON sos_calls (device_id, received_at);
