-- The Chinese name of each benefit of each pack version a run used, so that payment files say
-- 高龄津贴, never `gaoling`.
-- Keep in step with the other backend's 0021_benefit_titles.sql.

CREATE TABLE benefit_titles (
    pack_id      TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    benefit      TEXT NOT NULL,
    title        TEXT NOT NULL,
    PRIMARY KEY (pack_id, pack_version, benefit)
);
