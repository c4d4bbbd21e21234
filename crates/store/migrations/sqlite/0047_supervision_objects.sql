-- Supervision looks at more than institutions (检查对象名录): a home- or community-care provider
-- and a community facility of the register (day-care centre, mutual-aid site, meal point) can be
-- drawn, inspected, given hazards, recused from and credited too. Each such row names exactly one
-- object through one of three columns. A batch keeps, with its published inputs, which object
-- each published id stands for. Keep in step with the other backend's 0047_supervision_objects.sql.
--
-- SQLite drops a NOT NULL by rebuilding the table. Other tables refer to inspections and hazards:
-- the store migrates with foreign keys off and checks every reference afterwards
-- (`migrate_sqlite`); the rows are copied with their ids, so every reference still holds.

CREATE TABLE inspections_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id       INTEGER NOT NULL REFERENCES inspection_batches (id),
    institution_id INTEGER REFERENCES institutions (id),
    object_key     TEXT NOT NULL,
    stratum        TEXT NOT NULL,
    position       INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'recorded', 'confirmed', 'published')),
    inspected_on   TEXT,
    summary        TEXT,
    responsible    TEXT,
    recorded_by    TEXT,
    recorded_at    TEXT,
    confirmed_by   TEXT,
    confirmed_at   TEXT,
    published_by   TEXT,
    published_at   TEXT,
    response       TEXT,
    responded_at   TEXT,
    provider_id    INTEGER REFERENCES providers (id),
    facility_id    INTEGER REFERENCES facilities (id),
    CHECK ((institution_id IS NOT NULL) + (provider_id IS NOT NULL) + (facility_id IS NOT NULL) = 1)
);
INSERT INTO inspections_new (id, batch_id, institution_id, object_key, stratum, position, status, inspected_on, summary,
        responsible, recorded_by, recorded_at, confirmed_by, confirmed_at, published_by, published_at, response, responded_at)
    SELECT id, batch_id, institution_id, object_key, stratum, position, status, inspected_on, summary,
        responsible, recorded_by, recorded_at, confirmed_by, confirmed_at, published_by, published_at, response, responded_at
    FROM inspections;
DROP INDEX inspections_batch_object;
DROP INDEX inspections_institution;
DROP TABLE inspections;
ALTER TABLE inspections_new RENAME TO inspections;
CREATE UNIQUE INDEX inspections_batch_object ON inspections (batch_id, institution_id);
CREATE UNIQUE INDEX inspections_batch_provider ON inspections (batch_id, provider_id);
CREATE UNIQUE INDEX inspections_batch_facility ON inspections (batch_id, facility_id);
CREATE INDEX inspections_institution ON inspections (institution_id);

CREATE TABLE hazards_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id     INTEGER REFERENCES institutions (id),
    inspection_id      INTEGER REFERENCES inspections (id),
    item_id            INTEGER REFERENCES inspection_items (id),
    category           TEXT NOT NULL CHECK (category IN ('building', 'fire', 'food', 'medical', 'special_equipment', 'environment', 'funds', 'service')),
    severity           TEXT NOT NULL CHECK (severity IN ('minor', 'serious', 'major')),
    description        TEXT NOT NULL,
    responsible_unit   TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    deadline           TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('open', 'rectified', 'closed')),
    evidence           TEXT,
    rectified_by       TEXT,
    rectified_at       TEXT,
    verified_by        TEXT,
    verified_at        TEXT,
    opened_by          TEXT NOT NULL,
    opened_at          TEXT NOT NULL,
    provider_id        INTEGER REFERENCES providers (id),
    facility_id        INTEGER REFERENCES facilities (id),
    CHECK ((institution_id IS NOT NULL) + (provider_id IS NOT NULL) + (facility_id IS NOT NULL) = 1)
);
INSERT INTO hazards_new (id, institution_id, inspection_id, item_id, category, severity, description, responsible_unit,
        responsible_person, deadline, status, evidence, rectified_by, rectified_at, verified_by, verified_at, opened_by, opened_at)
    SELECT id, institution_id, inspection_id, item_id, category, severity, description, responsible_unit,
        responsible_person, deadline, status, evidence, rectified_by, rectified_at, verified_by, verified_at, opened_by, opened_at
    FROM hazards;
DROP INDEX hazards_institution;
DROP TABLE hazards;
ALTER TABLE hazards_new RENAME TO hazards;
CREATE INDEX hazards_institution ON hazards (institution_id, status);
CREATE INDEX hazards_provider ON hazards (provider_id, status);
CREATE INDEX hazards_facility ON hazards (facility_id, status);

CREATE TABLE inspector_conflicts_new (
    inspector_id   INTEGER NOT NULL REFERENCES inspectors (id),
    institution_id INTEGER REFERENCES institutions (id),
    reason         TEXT NOT NULL,
    provider_id    INTEGER REFERENCES providers (id),
    facility_id    INTEGER REFERENCES facilities (id),
    CHECK ((institution_id IS NOT NULL) + (provider_id IS NOT NULL) + (facility_id IS NOT NULL) = 1)
);
INSERT INTO inspector_conflicts_new (inspector_id, institution_id, reason)
    SELECT inspector_id, institution_id, reason FROM inspector_conflicts;
DROP TABLE inspector_conflicts;
ALTER TABLE inspector_conflicts_new RENAME TO inspector_conflicts;
CREATE UNIQUE INDEX inspector_conflicts_institution ON inspector_conflicts (inspector_id, institution_id);
CREATE UNIQUE INDEX inspector_conflicts_provider ON inspector_conflicts (inspector_id, provider_id);
CREATE UNIQUE INDEX inspector_conflicts_facility ON inspector_conflicts (inspector_id, facility_id);

CREATE TABLE credit_records_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER REFERENCES institutions (id),
    kind           TEXT NOT NULL CHECK (kind IN ('commitment_kept', 'commitment_broken', 'penalty', 'inspection_passed', 'inspection_problems', 'inspection_major', 'complaint_upheld')),
    recorded_on    TEXT NOT NULL,
    reason         TEXT NOT NULL,
    source         TEXT,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    provider_id    INTEGER REFERENCES providers (id),
    facility_id    INTEGER REFERENCES facilities (id),
    CHECK ((institution_id IS NOT NULL) + (provider_id IS NOT NULL) + (facility_id IS NOT NULL) = 1)
);
INSERT INTO credit_records_new (id, institution_id, kind, recorded_on, reason, source, recorded_by, recorded_at)
    SELECT id, institution_id, kind, recorded_on, reason, source, recorded_by, recorded_at FROM credit_records;
DROP INDEX credit_records_institution;
DROP TABLE credit_records;
ALTER TABLE credit_records_new RENAME TO credit_records;
CREATE INDEX credit_records_institution ON credit_records (institution_id, recorded_on);
CREATE INDEX credit_records_provider ON credit_records (provider_id, recorded_on);
CREATE INDEX credit_records_facility ON credit_records (facility_id, recorded_on);

CREATE TABLE dishonest_listings_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER REFERENCES institutions (id),
    listed_on      TEXT NOT NULL,
    until_on       TEXT NOT NULL,
    reason         TEXT NOT NULL,
    document       TEXT NOT NULL,
    listed_by      TEXT NOT NULL,
    listed_at      TEXT NOT NULL,
    repaired_on    TEXT,
    repaired_by    TEXT,
    repair_note    TEXT,
    provider_id    INTEGER REFERENCES providers (id),
    facility_id    INTEGER REFERENCES facilities (id),
    CHECK ((institution_id IS NOT NULL) + (provider_id IS NOT NULL) + (facility_id IS NOT NULL) = 1)
);
INSERT INTO dishonest_listings_new (id, institution_id, listed_on, until_on, reason, document, listed_by, listed_at,
        repaired_on, repaired_by, repair_note)
    SELECT id, institution_id, listed_on, until_on, reason, document, listed_by, listed_at, repaired_on, repaired_by, repair_note
    FROM dishonest_listings;
DROP INDEX dishonest_listings_institution;
DROP TABLE dishonest_listings;
ALTER TABLE dishonest_listings_new RENAME TO dishonest_listings;
CREATE INDEX dishonest_listings_institution ON dishonest_listings (institution_id);
CREATE INDEX dishonest_listings_provider ON dishonest_listings (provider_id);
CREATE INDEX dishonest_listings_facility ON dishonest_listings (facility_id);

CREATE TABLE batch_objects (
    batch_id       INTEGER NOT NULL REFERENCES inspection_batches (id),
    object         TEXT NOT NULL,
    institution_id INTEGER REFERENCES institutions (id),
    provider_id    INTEGER REFERENCES providers (id),
    facility_id    INTEGER REFERENCES facilities (id),
    PRIMARY KEY (batch_id, object),
    CHECK ((institution_id IS NOT NULL) + (provider_id IS NOT NULL) + (facility_id IS NOT NULL) = 1)
);

-- A batch planned but not yet drawn named institutions only, by their public id.
INSERT INTO batch_objects (batch_id, object, institution_id)
    SELECT b.id, json_extract(o.value, '$.id'), MIN(i.id)
    FROM inspection_batches b, json_each(b.inputs, '$.objects') o
    JOIN institutions i ON COALESCE(NULLIF(TRIM(i.credit_code), ''), TRIM(i.code)) = json_extract(o.value, '$.id')
    WHERE b.status <> 'drawn'
    GROUP BY b.id, json_extract(o.value, '$.id');

