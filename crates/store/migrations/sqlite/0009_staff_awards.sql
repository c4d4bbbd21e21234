-- Staff incentives: what the awards read about a staff member (schooling, an elderly-care
-- major, the contract term), interns hosted by an institution, and the awards granted — one
-- row per award and person, so nothing is paid twice (会府发〔2021〕7号 第二十二、二十三条;
-- 并政办发〔2020〕53号 第（十九）条; 赣府厅发〔2022〕3号 第六章第五节).
-- Keep in step with ../postgres/0009_staff_awards.sql.

ALTER TABLE staff ADD COLUMN education TEXT;
ALTER TABLE staff ADD COLUMN elderly_care_major INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN contract_years INTEGER;

CREATE TABLE interns (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    name           TEXT NOT NULL,
    started_on     TEXT NOT NULL,
    ended_on       TEXT NOT NULL,
    retained       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE INDEX interns_institution ON interns (institution_id);

CREATE TABLE staff_awards (
    award          TEXT NOT NULL,
    subject_id     INTEGER NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    amount_fen     INTEGER NOT NULL,
    basis          TEXT NOT NULL,
    pack_id        TEXT NOT NULL,
    pack_version   TEXT NOT NULL,
    clause         TEXT NOT NULL,
    granted_by     TEXT NOT NULL,
    granted_at     TEXT NOT NULL,
    PRIMARY KEY (award, subject_id)
);
CREATE INDEX staff_awards_institution ON staff_awards (institution_id);
