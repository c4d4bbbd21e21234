-- The GB/T 42195-2022 form behind each assessment and reassessment requests; residents on
-- beds with their history; the public-institution waitlist; staff with certificates and
-- training; GB/T 37276-2018 grading; the rest of an institution's filing.
-- Keep in step with the other backend's 0004_care_register.sql.

ALTER TABLE assessments ADD COLUMN reason TEXT;
ALTER TABLE assessments ADD COLUMN agency TEXT;
ALTER TABLE assessments ADD COLUMN assessors TEXT;
ALTER TABLE assessments ADD COLUMN total INTEGER;
ALTER TABLE assessments ADD COLUMN initial_level INTEGER;
-- JSON: {"info": BasicInfo, "items": {...}, "report": Report}
ALTER TABLE assessments ADD COLUMN form TEXT;
ALTER TABLE assessments ADD COLUMN recorded_by TEXT;

CREATE TABLE reassessment_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id     INTEGER NOT NULL REFERENCES persons (id),
    reason        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    assessment_id INTEGER REFERENCES assessments (id)
);
CREATE INDEX reassessment_requests_open ON reassessment_requests (person_id, assessment_id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

ALTER TABLE residents ADD COLUMN bed_id INTEGER REFERENCES beds (id);
ALTER TABLE residents ADD COLUMN status TEXT NOT NULL DEFAULT 'in';
CREATE TABLE resident_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id    INTEGER NOT NULL REFERENCES residents (id),
    kind           TEXT NOT NULL,
    on_date        TEXT NOT NULL,
    bed_id         INTEGER REFERENCES beds (id),
    to_institution INTEGER REFERENCES institutions (id),
    note           TEXT NOT NULL DEFAULT '',
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX resident_events_resident ON resident_events (resident_id, id);

CREATE TABLE waitlist (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    person_id      INTEGER NOT NULL REFERENCES persons (id),
    applied_on     TEXT NOT NULL,
    tekun_central  INTEGER NOT NULL DEFAULT 0,
    special_contribution INTEGER NOT NULL DEFAULT 0,
    youfu          INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'waiting',
    bed_id         INTEGER REFERENCES beds (id),
    decision_note  TEXT,
    decided_by     TEXT,
    decided_at     TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX waitlist_institution ON waitlist (institution_id, status);

CREATE TABLE staff (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    name           TEXT NOT NULL,
    position       TEXT NOT NULL,
    skill_level    TEXT,
    hired_on       TEXT NOT NULL,
    left_on        TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX staff_institution ON staff (institution_id);
CREATE TABLE staff_certificates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    valid_until TEXT
);
CREATE INDEX staff_certificates_staff ON staff_certificates (staff_id);
CREATE TABLE staff_training (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    kind     TEXT NOT NULL,
    title    TEXT NOT NULL,
    hours    INTEGER NOT NULL,
    on_date  TEXT NOT NULL
);
CREATE INDEX staff_training_staff ON staff_training (staff_id);

CREATE TABLE gradings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    evaluated_on   TEXT NOT NULL,
    environment    INTEGER NOT NULL,
    facilities     INTEGER NOT NULL,
    management     INTEGER NOT NULL,
    services       INTEGER NOT NULL,
    computed_grade INTEGER NOT NULL,
    grade          INTEGER NOT NULL,
    -- JSON list of {"check": ..., "met": bool}
    prerequisites  TEXT NOT NULL,
    evaluator      TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX gradings_institution ON gradings (institution_id, evaluated_on);

ALTER TABLE institutions ADD COLUMN clinic TEXT;
ALTER TABLE institutions ADD COLUMN longitude TEXT;
ALTER TABLE institutions ADD COLUMN latitude TEXT;
ALTER TABLE institutions ADD COLUMN credit_commitment INTEGER NOT NULL DEFAULT 0;
ALTER TABLE institutions ADD COLUMN fire_safety TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE institutions ADD COLUMN licence_no TEXT;
ALTER TABLE institutions ADD COLUMN licence_until TEXT;
ALTER TABLE institutions ADD COLUMN last_penalty_on TEXT;
ALTER TABLE institutions ADD COLUMN dishonest INTEGER NOT NULL DEFAULT 0;
