-- Supervision, second part: the credit record of each institution and the 失信 list (信用监管),
-- complaints and reports (投诉举报) with their receipt codes, findings and ratings, and the
-- monthly prepaid-fee reports (押金、预收费、会员卡) with the alerts each raised.
-- Keep in step with the other backend's 0023_credit_complaints_prepaid.sql.

CREATE TABLE credit_records (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    kind           TEXT NOT NULL CHECK (kind IN ('commitment_kept', 'commitment_broken', 'penalty', 'inspection_passed', 'inspection_problems', 'inspection_major', 'complaint_upheld')),
    recorded_on    DATE NOT NULL,
    reason         TEXT NOT NULL,
    source         TEXT,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX credit_records_institution ON credit_records (institution_id, recorded_on);

CREATE TABLE dishonest_listings (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    listed_on      DATE NOT NULL,
    until_on       DATE NOT NULL,
    reason         TEXT NOT NULL,
    document       TEXT NOT NULL,
    listed_by      TEXT NOT NULL,
    listed_at      TIMESTAMPTZ NOT NULL,
    repaired_on    DATE,
    repaired_by    TEXT,
    repair_note    TEXT
);
CREATE INDEX dishonest_listings_institution ON dishonest_listings (institution_id);

CREATE TABLE complaints (
    id             BIGSERIAL PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    institution_id BIGINT REFERENCES institutions (id),
    division       TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('service', 'fees', 'safety', 'abuse', 'fundraising', 'food', 'other')),
    channel        TEXT NOT NULL CHECK (channel IN ('online', 'phone', 'visit')),
    content        TEXT NOT NULL,
    complainant    TEXT,
    phone          TEXT,
    status         TEXT NOT NULL CHECK (status IN ('received', 'answered', 'closed')),
    received_on    DATE NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL,
    received_by    TEXT NOT NULL,
    finding        TEXT CHECK (finding IN ('upheld', 'partly', 'not_upheld')),
    reply          TEXT,
    answered_by    TEXT,
    answered_at    TIMESTAMPTZ,
    hazard_id      BIGINT REFERENCES hazards (id),
    satisfaction   TEXT CHECK (satisfaction IN ('satisfied', 'fair', 'dissatisfied')),
    rated_at       TIMESTAMPTZ
);
CREATE INDEX complaints_division ON complaints (division, status);

CREATE TABLE prepaid_reports (
    id                     BIGSERIAL PRIMARY KEY,
    institution_id         BIGINT NOT NULL REFERENCES institutions (id),
    month                  TEXT NOT NULL,
    deposits_fen           BIGINT NOT NULL,
    prepaid_fen            BIGINT NOT NULL,
    card_balance_fen       BIGINT NOT NULL,
    cards_sold             BIGINT NOT NULL,
    largest_per_person_fen BIGINT NOT NULL,
    monthly_fee_fen        BIGINT NOT NULL,
    net_assets_fen         BIGINT NOT NULL,
    alerts                 TEXT NOT NULL,
    reported_by            TEXT NOT NULL,
    reported_at            TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX prepaid_reports_month ON prepaid_reports (institution_id, month);
