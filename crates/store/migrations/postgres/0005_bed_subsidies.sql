-- One-off construction subsidies per nursing-type bed: one row per bed, so one bed is paid
-- once (会府发〔2021〕7号 第二十一条). Keep in step with the other backend's 0005_bed_subsidies.sql.

CREATE TABLE bed_subsidies (
    bed_id         BIGINT PRIMARY KEY REFERENCES beds (id),
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    amount_fen     BIGINT NOT NULL,
    pack_id        TEXT NOT NULL,
    pack_version   TEXT NOT NULL,
    clause         TEXT NOT NULL,
    granted_by     TEXT NOT NULL,
    granted_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX bed_subsidies_institution ON bed_subsidies (institution_id);
