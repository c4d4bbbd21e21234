-- One bed holds one resident: a current residency (in residence or on leave, not yet left)
-- is unique per bed. Admission, bed moves and transfers already check the bed is free; this
-- makes a race or a hand-edited status unable to put a second person on it.
-- Keep in step with the other backend's 0011_one_resident_per_bed.sql.

CREATE UNIQUE INDEX residents_one_per_bed ON residents (bed_id) WHERE bed_id IS NOT NULL AND left_on IS NULL AND status IN ('in', 'leave');
