-- The rejected row as it was in the file, kept next to the reason for the error report.
ALTER TABLE import_errors ADD COLUMN original TEXT NOT NULL DEFAULT '';
