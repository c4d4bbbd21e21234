-- The GB/T 42195-2022 form behind each assessment and reassessment requests; residents on
-- beds with their history; the public-institution waitlist; staff with certificates and
-- training; GB/T 37276-2018 grading; the rest of an institution's filing.
-- Keep in step with the other backend's 0004_care_register.sql.

ALTER TABLE assessments ADD COLUMN reason TEXT;
ALTER TABLE assessments ADD COLUMN agency TEXT;
ALTER TABLE assessments ADD COLUMN assessors TEXT;
ALTER TABLE assessments ADD COLUMN total BIGINT;
ALTER TABLE assessments ADD COLUMN initial_level BIGINT;
-- JSON: {"info": BasicInfo, "items": {...}, "report": Report}
ALTER TABLE assessments ADD COLUMN form TEXT;
ALTER TABLE assessments ADD COLUMN recorded_by TEXT;

CREATE TABLE reassessment_requests (
    id            BIGSERIAL PRIMARY KEY,
    person_id     BIGINT NOT NULL REFERENCES persons (id),
    reason        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL,
    assessment_id BIGINT REFERENCES assessments (id)
);
CREATE INDEX reassessment_requests_open ON reassessment_requests (person_id, assessment_id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

ALTER TABLE residents ADD COLUMN bed_id BIGINT REFERENCES beds (id);
ALTER TABLE residents ADD COLUMN status TEXT NOT NULL DEFAULT 'in';
CREATE TABLE resident_events (
    id             BIGSERIAL PRIMARY KEY,
    resident_id    BIGINT NOT NULL REFERENCES residents (id),
    kind           TEXT NOT NULL,
    on_date        DATE NOT NULL,
    bed_id         BIGINT REFERENCES beds (id),
    to_institution BIGINT REFERENCES institutions (id),
    note           TEXT NOT NULL DEFAULT '',
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX resident_events_resident ON resident_events (resident_id, id);

CREATE TABLE waitlist (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    person_id      BIGINT NOT NULL REFERENCES persons (id),
    applied_on     DATE NOT NULL,
    tekun_central  BOOLEAN NOT NULL DEFAULT FALSE,
    special_contribution BOOLEAN NOT NULL DEFAULT FALSE,
    youfu          BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL DEFAULT 'waiting',
    bed_id         BIGINT REFERENCES beds (id),
    decision_note  TEXT,
    decided_by     TEXT,
    decided_at     TIMESTAMPTZ,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX waitlist_institution ON waitlist (institution_id, status);

CREATE TABLE staff (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    name           TEXT NOT NULL,
    position       TEXT NOT NULL,
    skill_level    TEXT,
    hired_on       DATE NOT NULL,
    left_on        DATE,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_institution ON staff (institution_id);
CREATE TABLE staff_certificates (
    id          BIGSERIAL PRIMARY KEY,
    staff_id    BIGINT NOT NULL REFERENCES staff (id),
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    valid_until DATE
);
CREATE INDEX staff_certificates_staff ON staff_certificates (staff_id);
CREATE TABLE staff_training (
    id       BIGSERIAL PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    kind     TEXT NOT NULL,
    title    TEXT NOT NULL,
    hours    BIGINT NOT NULL,
    on_date  DATE NOT NULL
);
CREATE INDEX staff_training_staff ON staff_training (staff_id);

CREATE TABLE gradings (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    evaluated_on   DATE NOT NULL,
    environment    BIGINT NOT NULL,
    facilities     BIGINT NOT NULL,
    management     BIGINT NOT NULL,
    services       BIGINT NOT NULL,
    computed_grade BIGINT NOT NULL,
    grade          BIGINT NOT NULL,
    -- JSON list of {"check": ..., "met": bool}
    prerequisites  TEXT NOT NULL,
    evaluator      TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX gradings_institution ON gradings (institution_id, evaluated_on);

ALTER TABLE institutions ADD COLUMN clinic TEXT;
ALTER TABLE institutions ADD COLUMN longitude TEXT;
ALTER TABLE institutions ADD COLUMN latitude TEXT;
ALTER TABLE institutions ADD COLUMN credit_commitment BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE institutions ADD COLUMN fire_safety TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE institutions ADD COLUMN licence_no TEXT;
ALTER TABLE institutions ADD COLUMN licence_until DATE;
ALTER TABLE institutions ADD COLUMN last_penalty_on DATE;
ALTER TABLE institutions ADD COLUMN dishonest BOOLEAN NOT NULL DEFAULT FALSE;
