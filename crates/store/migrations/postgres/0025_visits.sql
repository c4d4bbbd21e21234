-- Visits (探访关爱): who visits whom (one current assignment per person; ended ones kept),
-- and each visit with how the person was found and the follow-up a danger sign asks for.
-- Keep in step with the other backend's 0025_visits.sql.

CREATE TABLE visit_assignments (
    id          BIGSERIAL PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    visitor     TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ
);
CREATE INDEX visit_assignments_person ON visit_assignments (person_id);
CREATE INDEX visit_assignments_visitor ON visit_assignments (visitor);

CREATE TABLE visits (
    id                BIGSERIAL PRIMARY KEY,
    person_id         BIGINT NOT NULL REFERENCES persons (id),
    visitor           TEXT NOT NULL,
    visited_on        DATE NOT NULL,
    place             TEXT NOT NULL,
    health            TEXT NOT NULL,
    living            TEXT NOT NULL,
    needs             TEXT NOT NULL,
    condition         TEXT NOT NULL CHECK (condition IN ('good', 'attention', 'danger')),
    follow_up         TEXT CHECK (follow_up IN ('service', 'assessment', 'emergency', 'assistance')),
    follow_up_by      DATE,
    follow_up_done_at TIMESTAMPTZ,
    follow_up_note    TEXT,
    recorded_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX visits_person ON visits (person_id, visited_on);
