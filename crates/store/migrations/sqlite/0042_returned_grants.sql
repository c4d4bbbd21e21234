-- A one-off grant returned (退回) by its reviewer or approver with a reason: it leaves its table
-- (where it would keep the bed, period or person "paid") for this record, so that the clerk can
-- grant it again once corrected, and the group's page shows what was returned, by whom and why.
-- Keep in step with the other backend's 0042_returned_grants.sql.

CREATE TABLE returned_grants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    owner_id    INTEGER NOT NULL,
    what        TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL,
    clause      TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    returned_by TEXT NOT NULL,
    returned_at TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX returned_grants_owner ON returned_grants (kind, owner_id, id);
