-- Name search at province scale (issue 13): each record keeps its pinyin initials and its
-- given name beside its name (computed by the application when the record is written; NULL
-- until the application has filled a record written before this migration), and the list's
-- default order has an index, so that a search or a first page is a range over an index.
ALTER TABLE persons ADD COLUMN name_initials TEXT;
ALTER TABLE persons ADD COLUMN given_name TEXT;
-- Plain indexes: with the divisions in them, SQLite skip-scanned a name index for a division
-- filter (names repeat), five times slower than the division index.
CREATE INDEX persons_name ON persons (name);
CREATE INDEX persons_name_initials ON persons (name_initials);
CREATE INDEX persons_given_name ON persons (given_name);
CREATE INDEX persons_updated_at ON persons (updated_at, id);
