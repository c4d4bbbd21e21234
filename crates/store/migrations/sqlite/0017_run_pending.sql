-- People who qualify for a benefit whose figure the document leaves open and no one has set
-- yet (待定): listed with the run, counted on its summary, never paid and never skipped
-- silently. Written with the run's lines, chunk by chunk.
-- Keep in step with the other backend's 0017_run_pending.sql.

ALTER TABLE benefit_runs ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;

CREATE TABLE run_pending (
    run_id     BIGINT NOT NULL REFERENCES benefit_runs(id),
    person_id  BIGINT NOT NULL,
    benefit    TEXT NOT NULL,
    payee_kind TEXT NOT NULL CHECK (payee_kind IN ('person', 'institution')),
    payee      TEXT NOT NULL,
    county     TEXT NOT NULL,
    rule_id    TEXT NOT NULL,
    pack_id    TEXT NOT NULL,
    PRIMARY KEY (run_id, person_id, benefit)
);
