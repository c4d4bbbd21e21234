-- Home and community services (居家社区养老服务): providers with their areas and catalogue; the
-- county's purchase of services (its own document: none of the packs sets hours or prices);
-- where a person lives (for check-ins); family accounts linked to older people; orders with
-- their check-in/out record; notifications to families; monthly settlement statements whose
-- lines name every order once (an order is paid at most once).
-- Keep in step with the other backend's 0027_services.sql.

CREATE TABLE providers (
    id           BIGSERIAL PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    division     TEXT NOT NULL,
    address      TEXT NOT NULL,
    phone        TEXT NOT NULL,
    bank_name    TEXT NOT NULL,
    bank_account TEXT NOT NULL,
    account_name TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX providers_division ON providers (division);

CREATE TABLE provider_areas (
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    division    TEXT NOT NULL,
    PRIMARY KEY (provider_id, division)
);

CREATE TABLE provider_services (
    id          BIGSERIAL PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('meal', 'bath', 'clean', 'medical', 'mobility', 'emergency', 'housekeeping', 'respite', 'escort', 'aid_rental', 'nursing')),
    unit        TEXT NOT NULL CHECK (unit IN ('visit', 'hour', 'meal', 'day')),
    price_fen   BIGINT NOT NULL,
    minutes     BIGINT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (provider_id, kind, unit)
);

CREATE TABLE purchase_schemes (
    id                BIGSERIAL PRIMARY KEY,
    division          TEXT NOT NULL,
    title             TEXT NOT NULL,
    document          TEXT NOT NULL,
    categories        TEXT NOT NULL,
    min_level         BIGINT,
    minutes_per_month BIGINT NOT NULL,
    kinds             TEXT NOT NULL,
    from_date         DATE NOT NULL,
    to_date           DATE,
    demo              BOOLEAN NOT NULL DEFAULT FALSE,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX purchase_schemes_division ON purchase_schemes (division);

CREATE TABLE person_locations (
    person_id BIGINT PRIMARY KEY REFERENCES persons (id),
    lat       DOUBLE PRECISION NOT NULL,
    lon       DOUBLE PRECISION NOT NULL,
    source    TEXT NOT NULL,
    set_by    TEXT NOT NULL,
    set_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE family_links (
    id           BIGSERIAL PRIMARY KEY,
    username     TEXT NOT NULL,
    person_id    BIGINT REFERENCES persons (id),
    claimed_name TEXT NOT NULL,
    relation     TEXT NOT NULL CHECK (relation IN ('self', 'child', 'spouse', 'other')),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'refused')),
    decided_by   TEXT,
    decided_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX family_links_username ON family_links (username);
CREATE INDEX family_links_person ON family_links (person_id);

CREATE TABLE service_orders (
    id              BIGSERIAL PRIMARY KEY,
    person_id       BIGINT NOT NULL REFERENCES persons (id),
    provider_id     BIGINT NOT NULL REFERENCES providers (id),
    service_id      BIGINT NOT NULL REFERENCES provider_services (id),
    kind            TEXT NOT NULL,
    unit            TEXT NOT NULL,
    units           BIGINT NOT NULL,
    unit_minutes    BIGINT NOT NULL,
    price_fen       BIGINT NOT NULL,
    scheme_id       BIGINT REFERENCES purchase_schemes (id),
    gov_units       BIGINT NOT NULL,
    gov_fen         BIGINT NOT NULL,
    family_fen      BIGINT NOT NULL,
    scheduled_start TIMESTAMPTZ NOT NULL,
    scheduled_end   TIMESTAMPTZ NOT NULL,
    address         TEXT NOT NULL,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    note            TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('family', 'elder', 'clerk')),
    ordered_by      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('placed', 'accepted', 'assigned', 'in_service', 'done', 'confirmed', 'cancelled', 'declined')),
    worker          TEXT,
    status_note     TEXT,
    check_in_at     TIMESTAMPTZ,
    check_in_m      BIGINT,
    check_out_at    TIMESTAMPTZ,
    check_out_m     BIGINT,
    done_items      TEXT,
    confirmed_by    TEXT CHECK (confirmed_by IN ('family', 'callback')),
    confirmed_at    TIMESTAMPTZ,
    rating          BIGINT CHECK (rating BETWEEN 1 AND 5),
    rating_note     TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX service_orders_provider ON service_orders (provider_id, scheduled_start);
CREATE INDEX service_orders_person ON service_orders (person_id, scheduled_start);
CREATE INDEX service_orders_worker ON service_orders (worker, scheduled_start);

CREATE TABLE family_notices (
    id         BIGSERIAL PRIMARY KEY,
    username   TEXT NOT NULL,
    order_id   BIGINT NOT NULL REFERENCES service_orders (id),
    text       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX family_notices_username ON family_notices (username, id);

CREATE TABLE service_statements (
    id              BIGSERIAL PRIMARY KEY,
    provider_id     BIGINT NOT NULL REFERENCES providers (id),
    month           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('prepared', 'reviewed', 'approved', 'returned')),
    payable_count   BIGINT NOT NULL,
    payable_fen     BIGINT NOT NULL,
    unpayable_count BIGINT NOT NULL,
    prepared_by     TEXT NOT NULL,
    prepared_at     TIMESTAMPTZ NOT NULL,
    reviewed_by     TEXT,
    reviewed_at     TIMESTAMPTZ,
    approved_by     TEXT,
    approved_at     TIMESTAMPTZ,
    returned_note   TEXT,
    UNIQUE (provider_id, month)
);

CREATE TABLE service_statement_lines (
    statement_id BIGINT NOT NULL REFERENCES service_statements (id),
    order_id     BIGINT NOT NULL UNIQUE REFERENCES service_orders (id),
    payable      BOOLEAN NOT NULL,
    gov_fen      BIGINT NOT NULL,
    reasons      TEXT NOT NULL,
    PRIMARY KEY (statement_id, order_id)
);
