-- An assessment counts once a second assessor's own account confirms it; one back-dated past
-- a setting also needs a reason and a civil-affairs review. Earlier and imported assessments
-- are taken as confirmed.
-- Keep in step with the other backend's 0015_assessment_confirmation.sql.

ALTER TABLE assessments ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('awaiting_second', 'awaiting_review', 'confirmed', 'returned'));
ALTER TABLE assessments ADD COLUMN second_assessor TEXT;
ALTER TABLE assessments ADD COLUMN confirmed_at TEXT;
ALTER TABLE assessments ADD COLUMN backdate_reason TEXT;
ALTER TABLE assessments ADD COLUMN reviewed_by TEXT;
ALTER TABLE assessments ADD COLUMN return_note TEXT;
CREATE INDEX assessments_pending ON assessments (status, second_assessor) WHERE status <> 'confirmed';
