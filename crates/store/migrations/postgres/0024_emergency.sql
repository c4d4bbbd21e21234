-- Emergency plans (应急预案) of each institution, by kind, and the drills (应急演练) held.
-- Keep in step with the other backend's 0024_emergency.sql.

CREATE TABLE emergency_plans (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    kind           TEXT NOT NULL CHECK (kind IN ('natural_disaster', 'accident', 'public_health', 'social_security')),
    title          TEXT NOT NULL,
    approved_on    DATE NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX emergency_plans_institution ON emergency_plans (institution_id, kind);

CREATE TABLE emergency_drills (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    kind           TEXT NOT NULL CHECK (kind IN ('natural_disaster', 'accident', 'public_health', 'social_security')),
    drilled_on     DATE NOT NULL,
    participants   BIGINT NOT NULL,
    note           TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX emergency_drills_institution ON emergency_drills (institution_id, kind, drilled_on);
