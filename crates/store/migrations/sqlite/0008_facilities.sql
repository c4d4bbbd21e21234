-- Community and rural facilities that are not institutions (农村互助养老服务站点, 日间照料中心,
-- 社区养老服务中心, 助餐点), and the subsidies granted to them: one row per facility, subsidy
-- and period ('' for a one-off, 'YYYY' for a year), so that nothing is paid twice
-- (会府发〔2021〕7号 第九条; 并政办发〔2020〕53号 第（三）条).
-- Keep in step with ../postgres/0008_facilities.sql.

CREATE TABLE facilities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    division   TEXT NOT NULL,
    address    TEXT,
    longitude  TEXT,
    latitude   TEXT,
    opened_on  TEXT,
    status     TEXT NOT NULL DEFAULT 'operating',
    demo_site  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX facilities_division ON facilities (division);

CREATE TABLE facility_subsidies (
    facility_id  INTEGER NOT NULL REFERENCES facilities (id),
    subsidy      TEXT NOT NULL,
    period       TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL,
    pack_id      TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    clause       TEXT NOT NULL,
    granted_by   TEXT NOT NULL,
    granted_at   TEXT NOT NULL,
    PRIMARY KEY (facility_id, subsidy, period)
);
