-- The institutions register: credit code, operator (公建民营), filing, status; beds.
-- Keep in step with the other backend's 0003_institutions.sql.

ALTER TABLE institutions ADD COLUMN credit_code TEXT;
ALTER TABLE institutions ADD COLUMN operator TEXT;
ALTER TABLE institutions ADD COLUMN address TEXT;
ALTER TABLE institutions ADD COLUMN status TEXT NOT NULL DEFAULT 'operating';
ALTER TABLE institutions ADD COLUMN filed_on DATE;
ALTER TABLE institutions ADD COLUMN medical_care BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE beds (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    building       TEXT NOT NULL,
    room           TEXT NOT NULL,
    number         TEXT NOT NULL,
    nursing        BOOLEAN NOT NULL DEFAULT FALSE,
    dementia_unit  BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL DEFAULT 'vacant',
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX beds_place ON beds (institution_id, building, room, number);
