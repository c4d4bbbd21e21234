-- Register, accounts and audit. Keep in step with ../postgres/0001_register.sql
-- (tests/schema_parity.rs compares the two).

CREATE TABLE divisions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    parent TEXT,
    level  INTEGER NOT NULL
);
CREATE INDEX divisions_parent ON divisions (parent);

CREATE TABLE categories (
    code  TEXT PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE,
    grp   TEXT NOT NULL,
    sort  INTEGER NOT NULL
);

CREATE TABLE persons (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id_number          TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    sex                TEXT NOT NULL,
    birth_date         TEXT NOT NULL,
    phone              TEXT,
    address            TEXT,
    hukou_division     TEXT NOT NULL,
    residence_division TEXT NOT NULL,
    hukou_type         TEXT NOT NULL,
    categories         TEXT NOT NULL DEFAULT '',
    death_date         TEXT,
    death_source       TEXT,
    contact_name       TEXT,
    contact_relation   TEXT,
    contact_phone      TEXT,
    note               TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX persons_hukou_division ON persons (hukou_division);
CREATE INDEX persons_residence_division ON persons (residence_division);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    scope          TEXT NOT NULL,
    institution_id TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    channel    TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    detail     TEXT NOT NULL,
    source     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    actor       TEXT NOT NULL,
    scope       TEXT NOT NULL,
    status      TEXT NOT NULL,
    total_rows  INTEGER NOT NULL DEFAULT 0,
    processed   INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    message     TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);

CREATE TABLE import_errors (
    job_id  INTEGER NOT NULL REFERENCES import_jobs (id),
    row_no  INTEGER NOT NULL,
    field   TEXT NOT NULL,
    value   TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX import_errors_job ON import_errors (job_id, row_no);

-- The head of the audit chain: appending starts by updating this row, which serialises
-- appenders on both backends (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
