-- Review and approval sign what the signer saw: a digest of the run as computed (its month,
-- scope, pack, computation time, lines, total and pending count). A recomputation changes it,
-- so a review of the earlier numbers cannot pass the later ones. A run can be returned to its
-- preparer with a note; every such note is kept with the run.
-- Keep in step with the other backend's 0019_run_signatures.sql.

ALTER TABLE benefit_runs ADD COLUMN reviewed_digest TEXT;
ALTER TABLE benefit_runs ADD COLUMN approved_digest TEXT;

CREATE TABLE benefit_run_notes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  BIGINT NOT NULL REFERENCES benefit_runs(id),
    action  TEXT NOT NULL CHECK (action IN ('return', 'review', 'approve')),
    actor   TEXT NOT NULL,
    at      TEXT NOT NULL,
    note    TEXT NOT NULL
);
CREATE INDEX benefit_run_notes_run ON benefit_run_notes (run_id, id);
