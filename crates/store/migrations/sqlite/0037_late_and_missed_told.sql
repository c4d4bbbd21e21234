-- A family is told once when a visit is late (no check-in some minutes after its start) and once
-- when it is missed (none by its end): when each was told, so that serve's minute job tells each
-- only once whatever happens. Keep in step with the other backend's 0037_late_and_missed_told.sql.

ALTER TABLE service_orders ADD COLUMN late_told_at TEXT;
ALTER TABLE service_orders ADD COLUMN missed_told_at TEXT;
-- The job looks at open orders not yet checked in whose start has passed.
CREATE INDEX service_orders_untold ON service_orders (scheduled_start) WHERE check_in_at IS NULL AND status IN ('placed', 'accepted', 'assigned');
