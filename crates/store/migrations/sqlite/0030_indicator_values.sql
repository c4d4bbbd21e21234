-- Indicator values kept month by month (issue 17): what a scheduled job computed for each
-- division down to townships, so that dashboards read them instead of computing per view,
-- trends can be drawn and a past month shown as it was. people_alive is the register's count
-- of living people, the same count as the people list's.
-- Keep in step with the other backend's 0030_indicator_values.sql.

CREATE TABLE indicator_values (
    month         TEXT NOT NULL,
    division      TEXT NOT NULL,
    indicator     TEXT NOT NULL,
    numerator     INTEGER,
    denominator   INTEGER,
    status        TEXT NOT NULL CHECK (status IN ('met', 'not_met', 'no_target', 'no_data')),
    target        REAL,
    target_year   INTEGER,
    target_source TEXT,
    as_of         TEXT NOT NULL,
    computed_at   TEXT NOT NULL,
    PRIMARY KEY (month, division, indicator)
);
CREATE INDEX indicator_values_division ON indicator_values (division, indicator, month);
