//! The SQLite and PostgreSQL migrations must describe the same tables, columns, nullability
//! and indexes; only the column types may differ.

use std::collections::BTreeMap;

/// table -> [(column, not null)]
type Tables = BTreeMap<String, Vec<(String, bool)>>;

/// One clause of an `ALTER TABLE` on `table`: a column added, a column's `NOT NULL` dropped, a
/// table `CHECK` added, the primary key dropped.
fn alter(tables: &mut Tables, table: &str, clause: &str) {
    let words: Vec<&str> = clause.split_whitespace().collect();
    let columns = tables.get_mut(table).unwrap();
    match words.as_slice() {
        ["ADD", "COLUMN", c, ..] => columns.push((c.to_string(), clause.contains("NOT NULL"))),
        ["ALTER", "COLUMN", c, "DROP", "NOT", ..] => {
            columns.iter_mut().find(|(n, _)| n == c).unwrap().1 = false;
        }
        ["ADD", "CONSTRAINT", _, "CHECK", ..] => columns.push(("CHECK".into(), false)),
        ["DROP", "CONSTRAINT", name, ..] if name.trim_end_matches(';').ends_with("_pkey") => {
            columns.retain(|(n, _)| n != "PRIMARY");
        }
        _ => {}
    }
}

/// The tables and index names, read from a backend's migration files.
fn schema(dir: &str) -> (Tables, Vec<String>) {
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut tables: Tables = BTreeMap::new();
    let mut indexes = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut current: Option<String> = None;
        // A PostgreSQL `ALTER TABLE t` whose clauses follow, one a line, until a `;`.
        let mut altering: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if let Some(t) = altering.clone() {
                alter(&mut tables, &t, line);
                if line.ends_with(';') {
                    altering = None;
                }
            } else if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
                // ALTER TABLE t ADD COLUMN c TYPE ... / ALTER TABLE t RENAME TO u;
                let words: Vec<&str> = rest.split_whitespace().collect();
                if words.len() == 1 {
                    altering = Some(words[0].to_string());
                } else if words.len() > 3 && words[1] == "RENAME" && words[2] == "TO" {
                    let columns = tables.remove(words[0]).unwrap();
                    tables.insert(words[3].trim_end_matches(';').to_string(), columns);
                } else {
                    alter(&mut tables, words[0], &words[1..].join(" "));
                }
            } else if let Some(rest) = line.strip_prefix("DROP TABLE ") {
                tables.remove(rest.trim_end_matches(';').trim());
            } else if let Some(rest) = line.strip_prefix("DROP INDEX ") {
                let name = rest.trim_end_matches(';').trim();
                let at = indexes.iter().position(|i| i == name).unwrap();
                indexes.remove(at);
            } else if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                current = Some(rest.split_whitespace().next().unwrap().to_string());
                tables.insert(current.clone().unwrap(), Vec::new());
            } else if line.starts_with(");") {
                current = None;
            } else if let Some(rest) = line
                .strip_prefix("CREATE INDEX ")
                .or_else(|| line.strip_prefix("CREATE UNIQUE INDEX "))
            {
                indexes.push(rest.split_whitespace().next().unwrap().to_string());
            } else if let Some(t) = &current {
                if let Some(col) = line.split_whitespace().next().filter(|c| !c.starts_with("--")) {
                    // A table CHECK says nothing of a column's nullability, whatever it tests.
                    let not_null = col != "CHECK" && (line.contains("NOT NULL") || line.contains("PRIMARY KEY"));
                    tables.get_mut(t).unwrap().push((col.to_string(), not_null));
                }
            }
        }
    }
    indexes.sort();
    (tables, indexes)
}

#[test]
fn both_backends_have_the_same_tables_columns_and_indexes() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sqlite = schema(&format!("{root}/migrations/sqlite"));
    let pg = schema(&format!("{root}/migrations/postgres"));
    assert!(sqlite.0.contains_key("persons") && sqlite.0["persons"].len() > 15);
    assert_eq!(sqlite.0, pg.0);
    assert_eq!(sqlite.1, pg.1);
}
