-- The institution or provider complained about states its side (情况说明) while the complaint
-- awaits the county's answer: once, with who wrote it and when; the county reads it before it
-- answers. Keep in step with the other backend's 0039_complaint_statement.sql.

ALTER TABLE complaints ADD COLUMN statement TEXT;
ALTER TABLE complaints ADD COLUMN statement_by TEXT;
ALTER TABLE complaints ADD COLUMN statement_at TEXT;
