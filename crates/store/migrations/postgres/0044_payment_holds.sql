-- Payment held (暂停发放), not lost. A county may require proof of life (静默认证: a sign of life
-- in exchanged or recorded data within a window of months) and may require a payment account;
-- a person without either has the lines a bank would pay held by the run: listed by name with
-- the reason, never paid, never in a file. Once the proof or the account is recorded, a change
-- is logged (person_changes, kind 'released') from the first month held, so the next run pays
-- what was held as back-pay, once, through the run's corrections.
-- life_checks keeps each proof recorded in person (本人到场, 上门核验, 视频认证) or read from
-- another system's file (医保结算).
-- run_held has no foreign key, like payment_lines: a per-row trigger would slow the run's
-- COPY several times over (the run's own code is the only writer).
-- Keep in step with the other backend's 0044_payment_holds.sql.

CREATE TABLE run_held (
    run_id        BIGINT NOT NULL,
    person_id     BIGINT NOT NULL,
    benefit_month TEXT NOT NULL,
    benefit       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('regular', 'backpay')),
    reason        TEXT NOT NULL CHECK (reason IN ('proof_of_life', 'no_account')),
    county        TEXT NOT NULL,
    amount_fen    BIGINT NOT NULL,
    rule_id       TEXT NOT NULL,
    pack_id       TEXT NOT NULL,
    pack_version  TEXT NOT NULL,
    PRIMARY KEY (run_id, person_id, benefit_month, benefit, kind)
);
CREATE INDEX run_held_person ON run_held (person_id, benefit_month);

CREATE TABLE life_checks (
    id          BIGSERIAL PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    checked_on  DATE NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('in_person', 'home_visit', 'video', 'medical_insurance')),
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX life_checks_person ON life_checks (person_id, checked_on);
