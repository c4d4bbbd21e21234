-- What an approval approved: each payee's name and ID number as they stood when the run was
-- approved. The disbursement files are written from these, so a register edited after 审批
-- cannot redirect the money; the run page flags whoever changed since.
-- Keep in step with the other backend's 0020_run_payees.sql.

CREATE TABLE run_payees (
    run_id     BIGINT NOT NULL REFERENCES benefit_runs(id),
    person_id  BIGINT NOT NULL,
    name       TEXT NOT NULL,
    id_number  TEXT NOT NULL,
    PRIMARY KEY (run_id, person_id)
);
