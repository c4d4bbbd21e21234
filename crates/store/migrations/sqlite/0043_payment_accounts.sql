-- Where each person's benefit is paid (发放账户): the social-security card's financial account or
-- the 惠民惠农财政补贴资金“一卡通” account, at a named bank; the holder is the person, or an agent
-- (代领人) with the ID number the bank checks. One account per person; every change is audited.
-- An approval freezes the account on run_payees with the name and ID number, so the bank file
-- pays what was approved, and the run's page flags an account changed since.
-- Keep in step with the other backend's 0043_payment_accounts.sql.

CREATE TABLE payment_accounts (
    person_id        INTEGER PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL CHECK (channel IN ('sscard', 'yikatong')),
    bank             TEXT NOT NULL,
    account_number   TEXT NOT NULL,
    holder_name      TEXT NOT NULL,
    holder_id_number TEXT,
    holder_relation  TEXT,
    updated_by       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

ALTER TABLE run_payees ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE run_payees ADD COLUMN bank TEXT NOT NULL DEFAULT '';
ALTER TABLE run_payees ADD COLUMN account_number TEXT NOT NULL DEFAULT '';
ALTER TABLE run_payees ADD COLUMN holder_name TEXT NOT NULL DEFAULT '';
ALTER TABLE run_payees ADD COLUMN holder_id_number TEXT NOT NULL DEFAULT '';
