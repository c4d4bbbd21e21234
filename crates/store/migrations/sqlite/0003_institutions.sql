-- The institutions register: credit code, operator (公建民营), filing, status; beds.
-- Keep in step with the other backend's 0003_institutions.sql.

ALTER TABLE institutions ADD COLUMN credit_code TEXT;
ALTER TABLE institutions ADD COLUMN operator TEXT;
ALTER TABLE institutions ADD COLUMN address TEXT;
ALTER TABLE institutions ADD COLUMN status TEXT NOT NULL DEFAULT 'operating';
ALTER TABLE institutions ADD COLUMN filed_on TEXT;
ALTER TABLE institutions ADD COLUMN medical_care INTEGER NOT NULL DEFAULT 0;

CREATE TABLE beds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    building       TEXT NOT NULL,
    room           TEXT NOT NULL,
    number         TEXT NOT NULL,
    nursing        INTEGER NOT NULL DEFAULT 0,
    dementia_unit  INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'vacant',
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX beds_place ON beds (institution_id, building, room, number);
