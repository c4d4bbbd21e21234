-- Dated changes to the facts a benefit depends on: household categories (特困, 低保, …) and
-- death. The benefit run reads categories as they were in each month, and a change recorded
-- after a month was settled (a late death, a category approved with an earlier effective date)
-- is paid back or recovered in the next run. Keep in step with ../sqlite/0006_person_changes.sql.
--
-- Triggers write the rows, so that every path that changes a record (the form, imports, an
-- institution reporting a death) is covered. A category change takes effect on the day it is
-- recorded unless the form gives an earlier date, which the store then writes here.

CREATE TABLE person_changes (
    id           BIGSERIAL PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES persons (id),
    kind         TEXT NOT NULL,          -- 'categories' | 'death'
    old_value    TEXT,
    new_value    TEXT,
    effective_on DATE NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX person_changes_person ON person_changes (person_id, id);

CREATE FUNCTION log_person_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.categories IS DISTINCT FROM OLD.categories THEN
        INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at)
        VALUES (NEW.id, 'categories', OLD.categories, NEW.categories, (NEW.updated_at AT TIME ZONE 'UTC')::date, NEW.updated_at);
    END IF;
    IF NEW.death_date IS DISTINCT FROM OLD.death_date THEN
        INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at)
        VALUES (NEW.id, 'death', OLD.death_date::text, NEW.death_date::text, COALESCE(NEW.death_date, OLD.death_date), NEW.updated_at);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER persons_changed AFTER UPDATE OF categories, death_date ON persons
FOR EACH ROW EXECUTE FUNCTION log_person_change();
