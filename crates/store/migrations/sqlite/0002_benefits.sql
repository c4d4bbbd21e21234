-- Facts the monthly benefit run needs beyond the register, and the runs and their lines.
-- Keep in step with ../postgres/0002_benefits.sql.
--
-- `assessments`, `institutions` and `residents` hold only what the run reads; the assessment
-- form (GB/T 42195-2022) and the institutions register extend them in later migrations.

CREATE TABLE assessments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER NOT NULL REFERENCES persons (id),
    standard    TEXT NOT NULL,
    final_level INTEGER NOT NULL,
    assessed_on TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX assessments_person ON assessments (person_id, assessed_on);

CREATE TABLE institutions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    division   TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE residents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id      INTEGER NOT NULL REFERENCES persons (id),
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    admitted_on    TEXT NOT NULL,
    left_on        TEXT,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX residents_person ON residents (person_id, admitted_on);

CREATE TABLE benefit_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    month       TEXT NOT NULL,
    scope       TEXT NOT NULL,
    pack        TEXT NOT NULL,
    status      TEXT NOT NULL,
    cursor      INTEGER NOT NULL DEFAULT 0,
    persons     INTEGER NOT NULL DEFAULT 0,
    lines       INTEGER NOT NULL DEFAULT 0,
    total_fen   INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    computed_at TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    approved_by TEXT,
    approved_at TEXT,
    exported_by TEXT,
    exported_at TEXT
);
CREATE UNIQUE INDEX benefit_runs_once ON benefit_runs (month, scope, pack);

-- No foreign keys on the lines: a run writes a million of them, and PostgreSQL checks each
-- foreign key with a per-row trigger, which tripled the time of the run. The run writes only
-- ids it has just read, in the same transaction as its cursor; persons are never deleted.
CREATE TABLE payment_lines (
    run_id        INTEGER NOT NULL,
    person_id     INTEGER NOT NULL,
    benefit_month TEXT NOT NULL,
    benefit       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payee_kind    TEXT NOT NULL,
    payee         TEXT NOT NULL,
    county        TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL,
    rule_id       TEXT NOT NULL,
    pack_id       TEXT NOT NULL,
    pack_version  TEXT NOT NULL
);
CREATE UNIQUE INDEX payment_lines_once ON payment_lines (person_id, benefit, benefit_month) WHERE kind = 'regular';
CREATE INDEX payment_lines_run ON payment_lines (run_id, county, benefit);

-- The clause and title of each rule, per pack version, written when a run starts. Lines refer
-- to their rule by (pack_id, pack_version, rule_id) instead of repeating the clause text a
-- million times.
CREATE TABLE benefit_rules (
    pack_id      TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    title        TEXT NOT NULL,
    clause       TEXT NOT NULL,
    PRIMARY KEY (pack_id, pack_version, rule_id)
);
