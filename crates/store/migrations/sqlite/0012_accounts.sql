-- User names are one identity whatever their case: stored lower case from now on, and unique
-- without regard to case for any row written before. Sessions end after a spell without use.
-- Keep in step with the other backend's 0012_accounts.sql.

CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
