-- Supervision looks at more than institutions (检查对象名录): a home- or community-care provider
-- and a community facility of the register (day-care centre, mutual-aid site, meal point) can be
-- drawn, inspected, given hazards, recused from and credited too. Each such row names exactly one
-- object through one of three columns. A batch keeps, with its published inputs, which object
-- each published id stands for. Keep in step with the other backend's 0047_supervision_objects.sql.

ALTER TABLE inspections
    ALTER COLUMN institution_id DROP NOT NULL,
    ADD COLUMN provider_id BIGINT REFERENCES providers (id),
    ADD COLUMN facility_id BIGINT REFERENCES facilities (id),
    ADD CONSTRAINT inspections_one_object CHECK (num_nonnulls(institution_id, provider_id, facility_id) = 1);
CREATE UNIQUE INDEX inspections_batch_provider ON inspections (batch_id, provider_id);
CREATE UNIQUE INDEX inspections_batch_facility ON inspections (batch_id, facility_id);

ALTER TABLE hazards
    ALTER COLUMN institution_id DROP NOT NULL,
    ADD COLUMN provider_id BIGINT REFERENCES providers (id),
    ADD COLUMN facility_id BIGINT REFERENCES facilities (id),
    ADD CONSTRAINT hazards_one_object CHECK (num_nonnulls(institution_id, provider_id, facility_id) = 1);
CREATE INDEX hazards_provider ON hazards (provider_id, status);
CREATE INDEX hazards_facility ON hazards (facility_id, status);

ALTER TABLE inspector_conflicts DROP CONSTRAINT inspector_conflicts_pkey;
ALTER TABLE inspector_conflicts
    ALTER COLUMN institution_id DROP NOT NULL,
    ADD COLUMN provider_id BIGINT REFERENCES providers (id),
    ADD COLUMN facility_id BIGINT REFERENCES facilities (id),
    ADD CONSTRAINT inspector_conflicts_one_object CHECK (num_nonnulls(institution_id, provider_id, facility_id) = 1);
CREATE UNIQUE INDEX inspector_conflicts_institution ON inspector_conflicts (inspector_id, institution_id);
CREATE UNIQUE INDEX inspector_conflicts_provider ON inspector_conflicts (inspector_id, provider_id);
CREATE UNIQUE INDEX inspector_conflicts_facility ON inspector_conflicts (inspector_id, facility_id);

ALTER TABLE credit_records
    ALTER COLUMN institution_id DROP NOT NULL,
    ADD COLUMN provider_id BIGINT REFERENCES providers (id),
    ADD COLUMN facility_id BIGINT REFERENCES facilities (id),
    ADD CONSTRAINT credit_records_one_object CHECK (num_nonnulls(institution_id, provider_id, facility_id) = 1);
CREATE INDEX credit_records_provider ON credit_records (provider_id, recorded_on);
CREATE INDEX credit_records_facility ON credit_records (facility_id, recorded_on);

ALTER TABLE dishonest_listings
    ALTER COLUMN institution_id DROP NOT NULL,
    ADD COLUMN provider_id BIGINT REFERENCES providers (id),
    ADD COLUMN facility_id BIGINT REFERENCES facilities (id),
    ADD CONSTRAINT dishonest_listings_one_object CHECK (num_nonnulls(institution_id, provider_id, facility_id) = 1);
CREATE INDEX dishonest_listings_provider ON dishonest_listings (provider_id);
CREATE INDEX dishonest_listings_facility ON dishonest_listings (facility_id);

CREATE TABLE batch_objects (
    batch_id       BIGINT NOT NULL REFERENCES inspection_batches (id),
    object         TEXT NOT NULL,
    institution_id BIGINT REFERENCES institutions (id),
    provider_id    BIGINT REFERENCES providers (id),
    facility_id    BIGINT REFERENCES facilities (id),
    PRIMARY KEY (batch_id, object),
    CHECK (num_nonnulls(institution_id, provider_id, facility_id) = 1)
);

-- A batch planned but not yet drawn named institutions only, by their public id.
INSERT INTO batch_objects (batch_id, object, institution_id)
    SELECT b.id, o.value ->> 'id', MIN(i.id)
    FROM inspection_batches b
    CROSS JOIN LATERAL json_array_elements(b.inputs::json -> 'objects') AS o(value)
    JOIN institutions i ON COALESCE(NULLIF(TRIM(i.credit_code), ''), TRIM(i.code)) = o.value ->> 'id'
    WHERE b.status <> 'drawn'
    GROUP BY b.id, o.value ->> 'id';
