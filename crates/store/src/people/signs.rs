//! Signs of life from the medical-insurance system's file (医保结算): each person's latest
//! settlement whose ID number and name agree with the register inside the importer's area is
//! recorded as a proof of life (`life_checks`, method `medical_insurance`), releasing payment a
//! run held for want of one. A settlement under another name, a number not in the area (the
//! same words as an unknown one) and a row the file got wrong are counted and reported by row,
//! in Chinese; the rest goes on. Importing the same file again records nothing new.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::person::sign_file::{sign_column_label, SignColumns, SignRow};

use crate::audit::Actor;
use crate::import::read_sheet;
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Rows one file may hold: a county's settlements of some months.
pub const MAX_SIGN_ROWS: usize = 200_000;
/// Rows a report lists by number; the rest are counted.
const REPORTED: usize = 200;
/// Lookups per statement.
const LOOKUP: usize = 500;

/// What an import of settlements did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignImport {
    pub rows: usize,
    /// People proven alive by the file, and of them those whose proof was new.
    pub people: usize,
    pub recorded: usize,
    /// People whose held payment the next run pays.
    pub released: usize,
    /// Rows whose number is not registered in the area (or anywhere).
    pub not_found: usize,
    /// Rows whose name is not the register's: (row, what).
    pub name_differs: Vec<(i64, String)>,
    pub name_differs_count: usize,
    /// Rows the file got wrong: (row, what).
    pub rejected: Vec<(i64, String)>,
    pub rejected_count: usize,
}

impl Store {
    /// Imports the settlements file at `path` into the proofs of life of `scope`.
    pub async fn import_life_signs(
        &self,
        path: &Path,
        file_name: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<SignImport> {
        let sheet = read_sheet(path)?;
        let columns = SignColumns::from_headers(&sheet.headers).map_err(StoreError::File)?;
        if sheet.rows.len() > MAX_SIGN_ROWS {
            return Err(StoreError::File(format!(
                "文件有 {} 行，超过每个文件 {MAX_SIGN_ROWS} 行的上限，请分成几个文件导入",
                sheet.rows.len()
            )));
        }
        let today = self.clock().today();
        let mut report = SignImport::default();
        // Each ID number's latest settlement in the file.
        let mut latest: HashMap<String, SignRow> = HashMap::new();
        for (row_no, cells) in &sheet.rows {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            report.rows += 1;
            match columns.parse(*row_no, cells, today) {
                Ok(row) => {
                    let e = latest
                        .entry(row.id_number.as_str().to_string())
                        .or_insert_with(|| row.clone());
                    if row.on > e.on {
                        *e = row;
                    }
                }
                Err(errors) => {
                    report.rejected_count += 1;
                    if report.rejected.len() < REPORTED {
                        let what = errors
                            .iter()
                            .map(|e| format!("{}：{}", sign_column_label(&e.field), e.message))
                            .collect::<Vec<_>>()
                            .join("；");
                        report.rejected.push((*row_no, what));
                    }
                }
            }
        }
        let mut rows: Vec<SignRow> = latest.into_values().collect();
        rows.sort_by_key(|r| r.row_no);
        let (lo, hi) = scope_range(scope);
        let at = now();
        let mut proven: Vec<(i64, NaiveDate)> = Vec::new();
        for part in rows.chunks(LOOKUP) {
            let marks: Vec<String> = (0..part.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "SELECT id, id_number, name FROM persons WHERE death_date IS NULL AND \
                 ((hukou_division >= $1 AND hukou_division < $2) OR (residence_division >= $1 AND residence_division < $2)) \
                 AND id_number IN ({})",
                marks.join(", ")
            );
            let found: Vec<(i64, String, String)> = with_pool!(self, pool => {
                let mut q = sqlx::query_as(&sql).bind(&lo).bind(&hi);
                for r in part {
                    q = q.bind(r.id_number.as_str());
                }
                q.fetch_all(pool).await?
            });
            for r in part {
                match found.iter().find(|f| f.1 == r.id_number.as_str()) {
                    None => report.not_found += 1,
                    Some((_, _, name)) if !r.names(name) => {
                        report.name_differs_count += 1;
                        if report.name_differs.len() < REPORTED {
                            report.name_differs.push((
                                r.row_no,
                                format!("文件中的姓名“{}”与登记的姓名不一致，未作为认证", r.name),
                            ));
                        }
                    }
                    Some((id, ..)) => proven.push((*id, r.on)),
                }
            }
        }
        report.people = proven.len();
        for part in proven.chunks(LOOKUP) {
            let marks: Vec<String> = (0..part.len()).map(|i| format!("${}", i + 1)).collect();
            let ids = marks.join(", ");
            let known_sql = format!(
                "SELECT person_id, MAX(checked_on) FROM life_checks WHERE person_id IN ({ids}) GROUP BY person_id"
            );
            let known: Vec<(i64, Option<NaiveDate>)> = with_pool!(self, pool => {
                let mut q = sqlx::query_as(&known_sql);
                for (id, _) in part {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
            });
            let known: HashMap<i64, Option<NaiveDate>> = known.into_iter().collect();
            let ids: Vec<i64> = part.iter().map(|p| p.0).collect();
            let held = self.first_held_months(&ids).await?;
            let new: Vec<&(i64, NaiveDate)> = part
                .iter()
                .filter(|(id, on)| known.get(id).copied().flatten().is_none_or(|k| k < *on))
                .collect();
            report.recorded += new.len();
            with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                for (id, on) in &new {
                    sqlx::query("INSERT INTO life_checks (person_id, checked_on, method, note, recorded_by, recorded_at) \
                                 VALUES ($1, $2, 'medical_insurance', $3, $4, $5)")
                        .bind(id).bind(on).bind(format!("医保结算数据比对：{}", file_name.chars().take(100).collect::<String>()))
                        .bind(&actor.name).bind(at).execute(&mut *tx).await?;
                    if let Some(from) = held.get(id) {
                        sqlx::query("INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at) \
                                     VALUES ($1, 'released', 'proof_of_life', NULL, $2, $3)")
                            .bind(id).bind(from).bind(at).execute(&mut *tx).await?;
                        report.released += 1;
                    }
                }
                tx.commit().await?;
            });
        }
        self.audit(&actor.entry(
            "import_life_signs",
            "life_checks",
            scope,
            serde_json::json!({"file": file_name.chars().take(100).collect::<String>(), "rows": report.rows,
                               "people": report.people, "recorded": report.recorded, "released": report.released,
                               "not_found": report.not_found, "name_differs": report.name_differs_count,
                               "rejected": report.rejected_count}),
        ))
        .await?;
        Ok(report)
    }
}
