-- The audit chain is keyed (HMAC-SHA256 with a key kept outside the database): each entry
-- names the key its hash was made with. Entries from before have none and verify as plain
-- SHA-256, but only before the first keyed entry.
-- Keep in step with the other backend's 0013_audit_key.sql.

ALTER TABLE audit_log ADD COLUMN key_id TEXT;
