-- Home and community services (居家社区养老服务): providers with their areas and catalogue; the
-- county's purchase of services (its own document: none of the packs sets hours or prices);
-- where a person lives (for check-ins); family accounts linked to older people; orders with
-- their check-in/out record; notifications to families; monthly settlement statements whose
-- lines name every order once (an order is paid at most once).
-- Keep in step with the other backend's 0027_services.sql.

CREATE TABLE providers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    division     TEXT NOT NULL,
    address      TEXT NOT NULL,
    phone        TEXT NOT NULL,
    bank_name    TEXT NOT NULL,
    bank_account TEXT NOT NULL,
    account_name TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
CREATE INDEX providers_division ON providers (division);

CREATE TABLE provider_areas (
    provider_id INTEGER NOT NULL REFERENCES providers (id),
    division    TEXT NOT NULL,
    PRIMARY KEY (provider_id, division)
);

CREATE TABLE provider_services (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id INTEGER NOT NULL REFERENCES providers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('meal', 'bath', 'clean', 'medical', 'mobility', 'emergency', 'housekeeping', 'respite', 'escort', 'aid_rental', 'nursing')),
    unit        TEXT NOT NULL CHECK (unit IN ('visit', 'hour', 'meal', 'day')),
    price_fen   INTEGER NOT NULL,
    minutes     INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (provider_id, kind, unit)
);

CREATE TABLE purchase_schemes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    division          TEXT NOT NULL,
    title             TEXT NOT NULL,
    document          TEXT NOT NULL,
    categories        TEXT NOT NULL,
    min_level         INTEGER,
    minutes_per_month INTEGER NOT NULL,
    meal_fen          INTEGER NOT NULL DEFAULT 0,
    respite_days      INTEGER NOT NULL DEFAULT 0,
    kinds             TEXT NOT NULL,
    from_date         TEXT NOT NULL,
    to_date           TEXT,
    demo              INTEGER NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX purchase_schemes_division ON purchase_schemes (division);

CREATE TABLE person_locations (
    person_id INTEGER PRIMARY KEY REFERENCES persons (id),
    lat       REAL NOT NULL,
    lon       REAL NOT NULL,
    source    TEXT NOT NULL,
    set_by    TEXT NOT NULL,
    set_at    TEXT NOT NULL
);

CREATE TABLE family_links (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    username     TEXT NOT NULL,
    person_id    INTEGER REFERENCES persons (id),
    claimed_name TEXT NOT NULL,
    relation     TEXT NOT NULL CHECK (relation IN ('self', 'child', 'spouse', 'other')),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'refused')),
    decided_by   TEXT,
    decided_at   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX family_links_username ON family_links (username);
CREATE INDEX family_links_person ON family_links (person_id);

CREATE TABLE service_orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id       INTEGER NOT NULL REFERENCES persons (id),
    provider_id     INTEGER NOT NULL REFERENCES providers (id),
    service_id      INTEGER NOT NULL REFERENCES provider_services (id),
    kind            TEXT NOT NULL,
    unit            TEXT NOT NULL,
    units           INTEGER NOT NULL,
    unit_minutes    INTEGER NOT NULL,
    price_fen       INTEGER NOT NULL,
    scheme_id       INTEGER REFERENCES purchase_schemes (id),
    gov_units       INTEGER NOT NULL,
    gov_fen         INTEGER NOT NULL,
    family_fen      INTEGER NOT NULL,
    scheduled_start TEXT NOT NULL,
    scheduled_end   TEXT NOT NULL,
    address         TEXT NOT NULL,
    lat             REAL,
    lon             REAL,
    note            TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('family', 'elder', 'clerk', 'plan')),
    ordered_by      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('placed', 'accepted', 'assigned', 'in_service', 'done', 'confirmed', 'cancelled', 'declined')),
    worker          TEXT,
    status_note     TEXT,
    check_in_at     TEXT,
    check_in_m      INTEGER,
    check_out_at    TEXT,
    check_out_m     INTEGER,
    done_items      TEXT,
    confirmed_by    TEXT CHECK (confirmed_by IN ('family', 'callback')),
    confirmed_at    TEXT,
    rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_note     TEXT,
    created_at      TEXT NOT NULL,
    plan_key        TEXT,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX service_orders_plan_key ON service_orders (plan_key);
CREATE INDEX service_orders_provider ON service_orders (provider_id, scheduled_start);
CREATE INDEX service_orders_person ON service_orders (person_id, scheduled_start);
CREATE INDEX service_orders_worker ON service_orders (worker, scheduled_start);

CREATE TABLE family_notices (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    username   TEXT NOT NULL,
    order_id   INTEGER NOT NULL REFERENCES service_orders (id),
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX family_notices_username ON family_notices (username, id);

CREATE TABLE service_statements (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id     INTEGER NOT NULL REFERENCES providers (id),
    month           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('prepared', 'reviewed', 'approved', 'returned')),
    payable_count   INTEGER NOT NULL,
    payable_fen     INTEGER NOT NULL,
    unpayable_count INTEGER NOT NULL,
    prepared_by     TEXT NOT NULL,
    prepared_at     TEXT NOT NULL,
    reviewed_by     TEXT,
    reviewed_at     TEXT,
    approved_by     TEXT,
    approved_at     TEXT,
    returned_note   TEXT,
    UNIQUE (provider_id, month)
);

CREATE TABLE service_statement_lines (
    statement_id INTEGER NOT NULL REFERENCES service_statements (id),
    order_id     INTEGER NOT NULL UNIQUE REFERENCES service_orders (id),
    payable      INTEGER NOT NULL,
    gov_fen      INTEGER NOT NULL,
    reasons      TEXT NOT NULL,
    PRIMARY KEY (statement_id, order_id)
);

-- Family care beds (家庭养老床位): a provider's contract with the family, the home's assessment
-- (the person's valid capability level when signed), adaptation items and devices, and a care
-- plan whose visits become orders (each visit's order carries a plan key: scheduling twice
-- places nothing twice).
CREATE TABLE family_beds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER NOT NULL REFERENCES persons (id),
    provider_id INTEGER NOT NULL REFERENCES providers (id),
    contract_no TEXT NOT NULL,
    signed_on   TEXT NOT NULL,
    ends_on     TEXT,
    level       INTEGER NOT NULL,
    adaptations TEXT NOT NULL,
    devices     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    ended_on    TEXT,
    end_reason  TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX family_beds_person ON family_beds (person_id);
CREATE INDEX family_beds_provider ON family_beds (provider_id);

CREATE TABLE family_bed_plan (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    bed_id     INTEGER NOT NULL REFERENCES family_beds (id),
    service_id INTEGER NOT NULL REFERENCES provider_services (id),
    units      INTEGER NOT NULL,
    weekdays   TEXT NOT NULL,
    at_time    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX family_bed_plan_bed ON family_bed_plan (bed_id);

-- Meal assistance (老年助餐): meal points (facilities of the register run by a provider, with a
-- meal's price), meals served (one of each kind per person and day), the food sample of each
-- sitting (留样, kept 48 hours), and the meal lines of a settlement statement (a meal is paid
-- at most once).
CREATE TABLE meal_points (
    facility_id INTEGER PRIMARY KEY REFERENCES facilities (id),
    provider_id INTEGER NOT NULL REFERENCES providers (id),
    price_fen   INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE meals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    person_id   INTEGER NOT NULL REFERENCES persons (id),
    served_on   TEXT NOT NULL,
    meal        TEXT NOT NULL CHECK (meal IN ('breakfast', 'lunch', 'dinner')),
    way         TEXT NOT NULL CHECK (way IN ('dine_in', 'delivery')),
    checked_by  TEXT NOT NULL CHECK (checked_by IN ('id_card', 'card', 'signature')),
    price_fen   INTEGER NOT NULL,
    gov_fen     INTEGER NOT NULL,
    family_fen  INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (person_id, served_on, meal)
);
CREATE INDEX meals_facility ON meals (facility_id, served_on);

CREATE TABLE meal_samples (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    served_on   TEXT NOT NULL,
    meal        TEXT NOT NULL CHECK (meal IN ('breakfast', 'lunch', 'dinner')),
    dishes      TEXT NOT NULL,
    sources     TEXT NOT NULL,
    sampled_at  TEXT NOT NULL,
    kept_until  TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (facility_id, served_on, meal)
);

CREATE TABLE service_statement_meals (
    statement_id INTEGER NOT NULL REFERENCES service_statements (id),
    meal_id      INTEGER NOT NULL UNIQUE REFERENCES meals (id),
    payable      INTEGER NOT NULL,
    gov_fen      INTEGER NOT NULL,
    reasons      TEXT NOT NULL,
    PRIMARY KEY (statement_id, meal_id)
);
