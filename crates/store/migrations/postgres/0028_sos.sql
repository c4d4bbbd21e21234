-- One-touch emergency calls (一键呼救): the devices registered to a person and an address (each
-- with its own secret, kept as a hash), the duty roster of a division's desk (in order), and
-- the calls with each step at the desk and the level an unanswered call has reached.
-- Keep in step with the other backend's 0028_sos.sql.

CREATE TABLE sos_devices (
    id            BIGSERIAL PRIMARY KEY,
    device_id     TEXT NOT NULL UNIQUE,
    person_id     BIGINT NOT NULL REFERENCES persons (id),
    kind          TEXT NOT NULL CHECK (kind IN ('button', 'fall', 'smoke', 'phone', 'other')),
    address       TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    registered_by TEXT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ
);
CREATE INDEX sos_devices_person ON sos_devices (person_id);

CREATE TABLE sos_duty (
    division TEXT NOT NULL,
    position BIGINT NOT NULL,
    username TEXT NOT NULL,
    set_by   TEXT NOT NULL,
    set_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (division, position)
);

CREATE TABLE sos_calls (
    id              BIGSERIAL PRIMARY KEY,
    device_id       TEXT NOT NULL,
    person_id       BIGINT NOT NULL REFERENCES persons (id),
    division        TEXT NOT NULL,
    desk            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('button', 'fall', 'smoke', 'other')),
    channel         TEXT NOT NULL CHECK (channel IN ('mqtt', 'http')),
    status          TEXT NOT NULL CHECK (status IN ('new', 'acknowledged', 'dispatched', 'closed')),
    level           BIGINT NOT NULL DEFAULT 0 CHECK (level IN (0, 1, 2)),
    happened_at     TIMESTAMPTZ NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL,
    signals         BIGINT NOT NULL DEFAULT 1,
    last_signal_at  TIMESTAMPTZ NOT NULL,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    escalated_at    TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by TEXT,
    dispatched      TEXT NOT NULL DEFAULT '',
    dispatch_note   TEXT,
    closed_at       TIMESTAMPTZ,
    closed_by       TEXT,
    outcome         TEXT CHECK (outcome IN ('handled', 'hospital', 'false_alarm', 'unreachable', 'other')),
    outcome_note    TEXT
);
CREATE INDEX sos_calls_division ON sos_calls (division, received_at);
CREATE INDEX sos_calls_open ON sos_calls (status, received_at);
CREATE INDEX sos_calls_device ON sos_calls (device_id, received_at);
