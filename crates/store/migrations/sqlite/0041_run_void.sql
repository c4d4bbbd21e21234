-- A run can end unpaid before approval: rejected (驳回) by its reviewer or approver, or
-- withdrawn (撤回) by its preparer, each with its reason in benefit_run_notes. Its lines leave
-- the payment ledger for this archive, so that nobody's line is held by a run that will never
-- be paid and the month can be computed again, while what was proposed stays readable. The
-- run itself keeps its counts, total and digest. Keep in step with the other backend's
-- 0041_run_void.sql.

DROP INDEX benefit_runs_once;
CREATE UNIQUE INDEX benefit_runs_once ON benefit_runs (month, scope, pack)
    WHERE status NOT IN ('rejected', 'withdrawn');

CREATE TABLE voided_payment_lines (
    run_id        INTEGER NOT NULL,
    person_id     INTEGER NOT NULL,
    benefit_month TEXT NOT NULL,
    benefit       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payee_kind    TEXT NOT NULL,
    payee         TEXT NOT NULL,
    county        TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL,
    rule_id       TEXT NOT NULL,
    pack_id       TEXT NOT NULL,
    pack_version  TEXT NOT NULL
);
CREATE INDEX voided_payment_lines_run ON voided_payment_lines (run_id);

-- A rejection and a withdrawal keep their reason with the run, as a return does (SQLite
-- changes a CHECK by rebuilding the table).
DROP INDEX benefit_run_notes_run;
ALTER TABLE benefit_run_notes RENAME TO benefit_run_notes_old;
CREATE TABLE benefit_run_notes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  BIGINT NOT NULL REFERENCES benefit_runs(id),
    action  TEXT NOT NULL CHECK (action IN ('return', 'review', 'approve', 'reject', 'withdraw')),
    actor   TEXT NOT NULL,
    at      TEXT NOT NULL,
    note    TEXT NOT NULL
);
INSERT INTO benefit_run_notes (id, run_id, action, actor, at, note)
    SELECT id, run_id, action, actor, at, note FROM benefit_run_notes_old;
DROP TABLE benefit_run_notes_old;
CREATE INDEX benefit_run_notes_run ON benefit_run_notes (run_id, id);
