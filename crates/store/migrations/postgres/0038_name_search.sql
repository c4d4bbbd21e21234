-- Name search at province scale (issue 13): each record keeps its pinyin initials and its
-- given name beside its name (computed by the application when the record is written; NULL
-- until the application has filled a record written before this migration), and the list's
-- default order has an index, so that a search or a first page is a range over an index.
-- The name columns compare byte by byte ("C"), as SQLite's do: a prefix search is the range
-- [q, q || U+10FFFF) whatever the database's locale, and both backends sort names alike.
ALTER TABLE persons ALTER COLUMN name TYPE TEXT COLLATE "C";
ALTER TABLE persons ADD COLUMN name_initials TEXT COLLATE "C";
ALTER TABLE persons ADD COLUMN given_name TEXT COLLATE "C";
-- Plain indexes: with the divisions in them, SQLite skip-scanned a name index for a division
-- filter (names repeat), five times slower than the division index.
CREATE INDEX persons_name ON persons (name);
CREATE INDEX persons_name_initials ON persons (name_initials);
CREATE INDEX persons_given_name ON persons (given_name);
CREATE INDEX persons_updated_at ON persons (updated_at, id);
