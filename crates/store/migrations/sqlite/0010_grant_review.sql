-- One-off and yearly grants outside the monthly run (construction subsidies per bed, facility
-- subsidies, staff incentives) go through the same hands as a run: prepared by the benefit
-- clerk (经办), reviewed (审核) and approved (审批) by two other people in their roles, then
-- exported for payment. Keep in step with ../postgres/0010_grant_review.sql.

ALTER TABLE bed_subsidies ADD COLUMN status TEXT NOT NULL DEFAULT 'prepared';
ALTER TABLE bed_subsidies ADD COLUMN reviewed_by TEXT;
ALTER TABLE bed_subsidies ADD COLUMN reviewed_at TEXT;
ALTER TABLE bed_subsidies ADD COLUMN approved_by TEXT;
ALTER TABLE bed_subsidies ADD COLUMN approved_at TEXT;
ALTER TABLE bed_subsidies ADD COLUMN exported_at TEXT;

ALTER TABLE facility_subsidies ADD COLUMN status TEXT NOT NULL DEFAULT 'prepared';
ALTER TABLE facility_subsidies ADD COLUMN reviewed_by TEXT;
ALTER TABLE facility_subsidies ADD COLUMN reviewed_at TEXT;
ALTER TABLE facility_subsidies ADD COLUMN approved_by TEXT;
ALTER TABLE facility_subsidies ADD COLUMN approved_at TEXT;
ALTER TABLE facility_subsidies ADD COLUMN exported_at TEXT;

ALTER TABLE staff_awards ADD COLUMN status TEXT NOT NULL DEFAULT 'prepared';
ALTER TABLE staff_awards ADD COLUMN reviewed_by TEXT;
ALTER TABLE staff_awards ADD COLUMN reviewed_at TEXT;
ALTER TABLE staff_awards ADD COLUMN approved_by TEXT;
ALTER TABLE staff_awards ADD COLUMN approved_at TEXT;
ALTER TABLE staff_awards ADD COLUMN exported_at TEXT;
