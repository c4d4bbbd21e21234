-- Facts the monthly benefit run needs beyond the register, and the runs and their lines.
-- Keep in step with ../sqlite/0002_benefits.sql.
--
-- `assessments`, `institutions` and `residents` hold only what the run reads; the assessment
-- form (GB/T 42195-2022) and the institutions register extend them in later migrations.

CREATE TABLE assessments (
    id          BIGSERIAL PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    standard    TEXT NOT NULL,
    final_level BIGINT NOT NULL,
    assessed_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX assessments_person ON assessments (person_id, assessed_on);

CREATE TABLE institutions (
    id         BIGSERIAL PRIMARY KEY,
    code       TEXT COLLATE "C" NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    division   TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE residents (
    id             BIGSERIAL PRIMARY KEY,
    person_id      BIGINT NOT NULL REFERENCES persons (id),
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    admitted_on    DATE NOT NULL,
    left_on        DATE,
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX residents_person ON residents (person_id, admitted_on);

CREATE TABLE benefit_runs (
    id          BIGSERIAL PRIMARY KEY,
    month       TEXT COLLATE "C" NOT NULL,
    scope       TEXT COLLATE "C" NOT NULL,
    pack        TEXT COLLATE "C" NOT NULL,
    status      TEXT NOT NULL,
    cursor      BIGINT NOT NULL DEFAULT 0,
    persons     BIGINT NOT NULL DEFAULT 0,
    lines       BIGINT NOT NULL DEFAULT 0,
    total_fen   BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    computed_at TIMESTAMPTZ,
    reviewed_by TEXT,
    reviewed_at TIMESTAMPTZ,
    approved_by TEXT,
    approved_at TIMESTAMPTZ,
    exported_by TEXT,
    exported_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX benefit_runs_once ON benefit_runs (month, scope, pack);

-- No foreign keys on the lines: a run writes a million of them, and PostgreSQL checks each
-- foreign key with a per-row trigger, which tripled the time of the run. The run writes only
-- ids it has just read, in the same transaction as its cursor; persons are never deleted.
CREATE TABLE payment_lines (
    run_id        BIGINT NOT NULL,
    person_id     BIGINT NOT NULL,
    benefit_month TEXT COLLATE "C" NOT NULL,
    benefit       TEXT COLLATE "C" NOT NULL,
    kind          TEXT NOT NULL,
    payee_kind    TEXT NOT NULL,
    payee         TEXT COLLATE "C" NOT NULL,
    county        TEXT COLLATE "C" NOT NULL,
    amount_fen    BIGINT NOT NULL,
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
