-- Figures a county or city sets where its superior's document leaves them open (高龄津贴
-- bands, 服务补贴, 特困 standards): one row per figure and date, prepared (经办), reviewed
-- (审核) and approved (审批) by three different people; a run uses approved figures only,
-- from their effective date. `demo` marks the demo county's stand-ins.
-- Keep in step with the other backend's 0016_local_figures.sql.

CREATE TABLE local_figures (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pack_id       TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    param         TEXT NOT NULL,
    value         BIGINT NOT NULL,
    from_date     TEXT NOT NULL,
    document      TEXT NOT NULL,
    quote         TEXT,
    demo          BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL CHECK (status IN ('prepared', 'reviewed', 'approved', 'returned', 'withdrawn')),
    prepared_by   TEXT NOT NULL,
    prepared_at   TEXT NOT NULL,
    reviewed_by   TEXT,
    reviewed_at   TEXT,
    approved_by   TEXT,
    approved_at   TEXT,
    return_note   TEXT
);
CREATE INDEX local_figures_pack ON local_figures (pack_id, param, from_date);
CREATE INDEX local_figures_jurisdiction ON local_figures (jurisdiction, status);
