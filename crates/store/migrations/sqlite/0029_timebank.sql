-- The time bank (时间银行): accounts by ID number (one per person, across the province: hours
-- follow the person), a county's donation pool (no ID number), requests (a service given, to be
-- banked; a service to be paid with hours) waiting for the receiving side's confirmation, and the ledger: append-only, each entry chained to the
-- one before by an HMAC under a key kept outside the database, its head in timebank_head.
-- Keep in step with the other backend's 0029_timebank.sql.

CREATE TABLE timebank_accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    id_number  TEXT UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('person', 'pool')),
    division   TEXT NOT NULL,
    username   TEXT UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX timebank_accounts_division ON timebank_accounts (division);

CREATE TABLE timebank_claims (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES timebank_accounts (id),
    kind        TEXT NOT NULL CHECK (kind IN ('earn', 'redeem')),
    beneficiary TEXT NOT NULL DEFAULT '',
    relation    TEXT NOT NULL DEFAULT 'self' CHECK (relation IN ('self', 'spouse', 'parent', 'parent_in_law', 'child', 'grandparent', 'sibling')),
    place_kind  TEXT NOT NULL CHECK (place_kind IN ('institution', 'division')),
    place       TEXT NOT NULL,
    division    TEXT NOT NULL,
    service     TEXT NOT NULL,
    served_on   TEXT NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes > 0),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'refused')),
    decided_by  TEXT,
    decided_at  TEXT,
    note        TEXT,
    entry_seq   INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX timebank_claims_place ON timebank_claims (division, status);
CREATE INDEX timebank_claims_account ON timebank_claims (account_id);

CREATE TABLE timebank_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO timebank_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE timebank_ledger (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES timebank_accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'transfer_out', 'transfer_in', 'donate_out', 'donate_in')),
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    counterparty TEXT NOT NULL,
    beneficiary  TEXT NOT NULL,
    note         TEXT NOT NULL,
    division     TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    key_id       TEXT NOT NULL
);
CREATE INDEX timebank_ledger_account ON timebank_ledger (account_id, seq);
CREATE INDEX timebank_ledger_division ON timebank_ledger (division, at);
