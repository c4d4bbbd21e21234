//! The columns of a file another system delivers, found from its header row by the names
//! county staff and other systems give them (widths unified, spaces and a leading `*` of a
//! required-column marker ignored). Shared by the files read row by row against the register.

use super::FieldError;
use crate::id_number::{normalize_width, IdNumber};

/// One column: its key, its label in messages, the headers it is known by, and whether the
/// file must have it.
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    pub names: &'static [&'static str],
    pub required: bool,
}

/// Where each column of a spec is in a file.
#[derive(Debug, Clone)]
pub struct Found {
    at: Vec<Option<usize>>,
    keys: Vec<&'static str>,
}

/// Finds `spec`'s columns in `headers`; names every required one missing, with `example` (the
/// headers a file should have) in the message.
pub fn find(spec: &[Column], headers: &[String], example: &str) -> Result<Found, String> {
    let norm = |h: &String| -> String { normalize_width(h).chars().filter(|c| !c.is_whitespace()).collect() };
    let headers: Vec<String> = headers.iter().map(norm).collect();
    let at: Vec<Option<usize>> = spec
        .iter()
        .map(|c| {
            headers
                .iter()
                .position(|h| c.names.contains(&h.trim_start_matches('*')))
        })
        .collect();
    let missing: Vec<&str> = spec
        .iter()
        .zip(&at)
        .filter(|(c, a)| c.required && a.is_none())
        .map(|(c, _)| c.label)
        .collect();
    if missing.is_empty() {
        Ok(Found {
            at,
            keys: spec.iter().map(|c| c.key).collect(),
        })
    } else {
        Err(format!(
            "文件缺少必需的列：{}（第一行应为表头，如：{example}）",
            missing.join("、")
        ))
    }
}

impl Found {
    /// A row's cell of column `key`, trimmed; empty for a column the file does not have.
    pub fn cell<'a>(&self, key: &str, cells: &'a [String]) -> &'a str {
        self.keys
            .iter()
            .position(|k| *k == key)
            .and_then(|i| self.at[i])
            .and_then(|i| cells.get(i))
            .map_or("", |s| s.trim())
    }
}

/// A row's person as named by its `id_number` and `name` columns: the ID number if valid, and
/// the name without hidden characters; each problem added to `errors`.
pub fn person(found: &Found, cells: &[String], errors: &mut Vec<FieldError>) -> (Option<IdNumber>, String) {
    let id_number = IdNumber::parse(found.cell("id_number", cells))
        .map_err(|e| errors.push(FieldError::new("id_number", e.to_string())))
        .ok();
    let name = crate::text::visible(found.cell("name", cells));
    if name.is_empty() {
        errors.push(FieldError::new("name", "姓名为空"));
    } else if name.chars().count() > 50 {
        errors.push(FieldError::new("name", "姓名超过 50 个字"));
    }
    (id_number, name)
}

/// The label of `key` in `spec`.
pub fn label(spec: &[Column], key: &str) -> &'static str {
    spec.iter().find(|c| c.key == key).map_or("", |c| c.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: [Column; 2] = [
        Column {
            key: "id_number",
            label: "身份证号",
            names: &["身份证号", "公民身份号码"],
            required: true,
        },
        Column {
            key: "note",
            label: "备注",
            names: &["备注"],
            required: false,
        },
    ];

    #[test]
    fn columns_are_found_by_any_of_their_names_and_a_missing_one_is_named() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let found = find(&SPEC, &h(&["序号", " *公民身份号码 "]), "身份证号").unwrap();
        let row = h(&["1", " 360733 "]);
        assert_eq!(found.cell("id_number", &row), "360733");
        assert_eq!(found.cell("note", &row), "");
        let e = find(&SPEC, &h(&["备注"]), "身份证号、备注").unwrap_err();
        assert!(e.starts_with("文件缺少必需的列：身份证号（"), "{e}");
        assert_eq!(label(&SPEC, "note"), "备注");
    }
}
