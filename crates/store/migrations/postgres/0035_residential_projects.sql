-- Residential projects and their care premises (配建养老服务设施), through the four steps of
-- "四同步" (同步规划、同步建设、同步验收、同步交付), each signed by civil affairs. Areas are in
-- hundredths of a square metre, one per site, comma-separated (domain::planning::residential).
-- Keep in step with the other backend's 0035_residential_projects.sql.

CREATE TABLE residential_projects (
    id            BIGSERIAL PRIMARY KEY,
    division      TEXT NOT NULL,
    name          TEXT NOT NULL,
    developer     TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL CHECK (kind IN ('new', 'existing')),
    households    BIGINT NOT NULL CHECK (households > 0),
    sites         TEXT NOT NULL DEFAULT '',
    stage         TEXT NOT NULL DEFAULT 'registered'
                  CHECK (stage IN ('registered', 'planned', 'building', 'accepted', 'delivered')),
    accepted_on   DATE,
    delivered_on  DATE,
    facility_id   BIGINT REFERENCES facilities (id),
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX residential_projects_division ON residential_projects (division);

CREATE TABLE residential_project_steps (
    id          BIGSERIAL PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES residential_projects (id),
    step        TEXT NOT NULL CHECK (step IN ('planned', 'building', 'accepted', 'delivered')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('approved', 'refused')),
    sites       TEXT NOT NULL,
    on_date     DATE NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    signed_by   TEXT NOT NULL,
    signed_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX residential_project_steps_project ON residential_project_steps (project_id);
