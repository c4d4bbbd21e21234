-- Dated changes to the facts a benefit depends on: household categories (特困, 低保, …) and
-- death. The benefit run reads categories as they were in each month, and a change recorded
-- after a month was settled (a late death, a category approved with an earlier effective date)
-- is paid back or recovered in the next run. Keep in step with ../postgres/0006_person_changes.sql.
--
-- Triggers write the rows, so that every path that changes a record (the form, imports, an
-- institution reporting a death) is covered. A category change takes effect on the day it is
-- recorded unless the form gives an earlier date, which the store then writes here.

CREATE TABLE person_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    kind         TEXT NOT NULL,          -- 'categories' | 'death'
    old_value    TEXT,
    new_value    TEXT,
    effective_on TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX person_changes_person ON person_changes (person_id, id);

CREATE TRIGGER persons_categories_changed AFTER UPDATE OF categories ON persons
WHEN NEW.categories IS NOT OLD.categories
BEGIN
    INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at)
    VALUES (NEW.id, 'categories', OLD.categories, NEW.categories, date(NEW.updated_at), NEW.updated_at);
END;

CREATE TRIGGER persons_death_changed AFTER UPDATE OF death_date ON persons
WHEN NEW.death_date IS NOT OLD.death_date
BEGIN
    INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at)
    VALUES (NEW.id, 'death', OLD.death_date, NEW.death_date, COALESCE(NEW.death_date, OLD.death_date), NEW.updated_at);
END;
