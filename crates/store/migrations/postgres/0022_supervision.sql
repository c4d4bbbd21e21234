-- Supervision (综合监管): the inspection-item list of a jurisdiction, the inspector register
-- and its declared conflicts (回避), batches of random inspections drawn verifiably
-- (standards/random-draw.md), each drawn object's inspection (checklist findings, two
-- signatures, publication), and the hazard list (隐患 / 整改 / 责任清单).
-- Keep in step with the other backend's 0022_supervision.sql.

CREATE TABLE inspection_items (
    id          BIGSERIAL PRIMARY KEY,
    division    TEXT NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('general', 'key')),
    category    TEXT NOT NULL CHECK (category IN ('building', 'fire', 'food', 'medical', 'special_equipment', 'environment', 'funds', 'service')),
    basis       TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE UNIQUE INDEX inspection_items_code ON inspection_items (division, code);

CREATE TABLE inspectors (
    id            BIGSERIAL PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    division      TEXT NOT NULL,
    qualification TEXT NOT NULL,
    username      TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE inspector_conflicts (
    inspector_id   BIGINT NOT NULL REFERENCES inspectors (id),
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    reason         TEXT NOT NULL,
    PRIMARY KEY (inspector_id, institution_id)
);

CREATE TABLE inspection_batches (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    division      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('planned', 'published', 'drawn')),
    inputs        TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    public_value  TEXT,
    seed          TEXT,
    draw          TEXT,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    published_by  TEXT,
    published_at  TIMESTAMPTZ,
    drawn_by      TEXT,
    drawn_at      TIMESTAMPTZ
);

CREATE TABLE batch_items (
    batch_id BIGINT NOT NULL REFERENCES inspection_batches (id),
    item_id  BIGINT NOT NULL REFERENCES inspection_items (id),
    PRIMARY KEY (batch_id, item_id)
);

CREATE TABLE inspections (
    id             BIGSERIAL PRIMARY KEY,
    batch_id       BIGINT NOT NULL REFERENCES inspection_batches (id),
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    object_key     TEXT NOT NULL,
    stratum        TEXT NOT NULL,
    position       BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'recorded', 'confirmed', 'published')),
    inspected_on   DATE,
    summary        TEXT,
    responsible    TEXT,
    recorded_by    TEXT,
    recorded_at    TIMESTAMPTZ,
    confirmed_by   TEXT,
    confirmed_at   TIMESTAMPTZ,
    published_by   TEXT,
    published_at   TIMESTAMPTZ,
    response       TEXT,
    responded_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX inspections_batch_object ON inspections (batch_id, institution_id);
CREATE INDEX inspections_institution ON inspections (institution_id);

CREATE TABLE inspection_assignees (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    inspector_id  BIGINT NOT NULL REFERENCES inspectors (id),
    position      BIGINT NOT NULL,
    PRIMARY KEY (inspection_id, inspector_id)
);

CREATE TABLE inspection_findings (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    item_id       BIGINT NOT NULL REFERENCES inspection_items (id),
    outcome       TEXT NOT NULL CHECK (outcome IN ('pass', 'minor', 'serious', 'major', 'na')),
    note          TEXT,
    PRIMARY KEY (inspection_id, item_id)
);

CREATE TABLE hazards (
    id                 BIGSERIAL PRIMARY KEY,
    institution_id     BIGINT NOT NULL REFERENCES institutions (id),
    inspection_id      BIGINT REFERENCES inspections (id),
    item_id            BIGINT REFERENCES inspection_items (id),
    category           TEXT NOT NULL CHECK (category IN ('building', 'fire', 'food', 'medical', 'special_equipment', 'environment', 'funds', 'service')),
    severity           TEXT NOT NULL CHECK (severity IN ('minor', 'serious', 'major')),
    description        TEXT NOT NULL,
    responsible_unit   TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    deadline           DATE NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('open', 'rectified', 'closed')),
    evidence           TEXT,
    rectified_by       TEXT,
    rectified_at       TIMESTAMPTZ,
    verified_by        TEXT,
    verified_at        TIMESTAMPTZ,
    opened_by          TEXT NOT NULL,
    opened_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX hazards_institution ON hazards (institution_id, status);
