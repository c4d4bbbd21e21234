//! Death files from exchanged data (公安户籍注销、卫健死亡医学证明、殡葬火化信息): imported once per
//! area in one transaction, each row matched to the register by ID number inside the
//! importer's area. A row whose name agrees records the death (the `person_changes` trigger logs
//! it, so the next monthly run stops payment from the month after and recovers what was paid
//! after the death); a disagreeing name or date waits on a review list until a person confirms
//! or dismisses it with a reason. A number registered outside the importer's area is "not in
//! the register" exactly like an unknown one. The domain's `person::death_file` parses rows and
//! decides each outcome; this file keeps them.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use yiyang_domain::id_number::mask;
use yiyang_domain::person::death_file::{column_label, match_notice, DeathColumns, DeathNotice, DeathOutcome};

use crate::audit::{Actor, AuditAppend};
use crate::import::{read_sheet, Sheet};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Rows one death file may hold: a province's deaths in a month are some tens of thousands.
pub const MAX_DEATH_ROWS: usize = 50_000;

/// Lookups per statement.
const LOOKUP_ROWS: usize = 500;

/// One imported death file.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeathFile {
    pub id: i64,
    pub file_name: String,
    pub source: Option<String>,
    pub scope: String,
    pub actor: String,
    pub imported_at: DateTime<Utc>,
    pub total_rows: i64,
}

/// One row of a death file and what became of it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeathRow {
    pub id: i64,
    pub file_id: i64,
    pub row_no: i64,
    pub person_id: Option<i64>,
    pub id_number: String,
    pub name: String,
    pub death_date: Option<NaiveDate>,
    pub source: Option<String>,
    pub outcome: String,
    pub field: Option<String>,
    pub message: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// The register's name and death date (rows on the review list).
    #[sqlx(default)]
    pub register_name: Option<String>,
    #[sqlx(default)]
    pub register_death: Option<NaiveDate>,
    #[sqlx(default)]
    pub file_name: Option<String>,
}

impl DeathRow {
    pub fn outcome(&self) -> Option<DeathOutcome> {
        DeathOutcome::parse(&self.outcome)
    }
    pub fn outcome_label(&self) -> &'static str {
        self.outcome().map_or("未知", DeathOutcome::label)
    }
    /// The ID number as lists show it.
    pub fn masked_id(&self) -> String {
        mask(&self.id_number)
    }
}

/// How many rows of a file came out each way.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeathCounts(pub Vec<(DeathOutcome, i64)>);

impl DeathCounts {
    pub fn of(&self, o: DeathOutcome) -> i64 {
        self.0.iter().find(|(k, _)| *k == o).map_or(0, |(_, n)| *n)
    }
}

/// A row as it will be stored.
struct Kept {
    row_no: i64,
    person_id: Option<i64>,
    id_number: String,
    name: String,
    death_date: Option<NaiveDate>,
    source: Option<&'static str>,
    outcome: DeathOutcome,
    field: Option<String>,
    message: Option<String>,
}

/// A text read from a file: hidden characters out, cut to `max` characters (a hostile cell is
/// not kept whole).
fn bounded(s: &str, max: usize) -> String {
    yiyang_domain::text::visible(s.trim()).chars().take(max).collect()
}

const ROW_COLUMNS: &str = "id, file_id, row_no, person_id, id_number, name, death_date, source, outcome, field, \
     message, decided_by, decided_at, note";

impl Store {
    /// Imports the death file at `path` (.csv or .xlsx, named `file_name`), in one transaction: every row is kept with its
    /// outcome; deaths are recorded where ID number and name agree. `default_source` is the
    /// system the whole file came from (a row's own source column wins). The same file (by
    /// content) is refused the second time in the same area. Returns the file's id.
    pub async fn import_death_file(
        &self,
        path: &Path,
        file_name: &str,
        default_source: Option<&'static str>,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let bytes = std::fs::read(path).map_err(|e| StoreError::File(format!("无法读取上传的文件：{e}")))?;
        let file_sha256 = hex::encode(Sha256::digest(&bytes));
        drop(bytes);
        let sheet: Sheet = read_sheet(path)?;
        let columns = DeathColumns::from_headers(&sheet.headers).map_err(StoreError::File)?;
        if sheet.rows.len() > MAX_DEATH_ROWS {
            return Err(StoreError::File(format!(
                "文件有 {} 行，超过每个文件 {MAX_DEATH_ROWS} 行的上限，请分成几个文件导入",
                sheet.rows.len()
            )));
        }
        let today = self.clock().today();
        let mut kept = Vec::with_capacity(sheet.rows.len());
        let mut notices: Vec<DeathNotice> = Vec::new();
        for (row_no, cells) in &sheet.rows {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            match columns.parse(*row_no, cells, default_source, today) {
                Ok(n) => notices.push(n),
                Err(errors) => {
                    let first = &errors[0];
                    kept.push(Kept {
                        row_no: *row_no,
                        person_id: None,
                        id_number: bounded(columns.cell("id_number", cells), 40),
                        name: bounded(columns.cell("name", cells), 50),
                        death_date: None,
                        source: None,
                        outcome: DeathOutcome::Rejected,
                        field: Some(column_label(&first.field).to_string()),
                        message: Some(
                            errors
                                .iter()
                                .map(|e| format!("{}：{}", column_label(&e.field), e.message))
                                .collect::<Vec<_>>()
                                .join("；"),
                        ),
                    });
                }
            }
        }
        let (lo, hi) = scope_range(scope);
        let ts = now();
        let keys = self.audit_keys();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO death_files (file_name, file_sha256, source, scope, actor, imported_at, total_rows) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(bounded(file_name, 200)).bind(&file_sha256).bind(default_source).bind(scope)
                .bind(&actor.name).bind(ts).bind((kept.len() + notices.len()) as i64)
                .fetch_one(&mut *tx).await;
            let file_id = match inserted {
                Ok(id) => id,
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                    return Err(StoreError::Refused("这个文件已在本辖区导入过（内容完全相同），不会重复登记。".into()));
                }
                Err(e) => return Err(e.into()),
            };
            for part in notices.chunks(LOOKUP_ROWS) {
                // Numbered on both backends: SQLite's driver binds a bare `?` by its own count,
                // which would give the first ones the scope's bounds.
                let marks: Vec<String> = (0..part.len()).map(|i| format!("${}", i + 3)).collect();
                let sql = format!(
                    "SELECT id, id_number, name, death_date FROM persons WHERE \
                     ((hukou_division >= $1 AND hukou_division < $2) OR (residence_division >= $1 AND residence_division < $2)) \
                     AND id_number IN ({})",
                    marks.join(", "));
                let mut q = sqlx::query_as::<_, (i64, String, String, Option<NaiveDate>)>(&sql).bind(&lo).bind(&hi);
                for n in part {
                    q = q.bind(n.id_number.as_str());
                }
                let found = q.fetch_all(&mut *tx).await?;
                for n in part {
                    let entry = found.iter().find(|f| f.1 == n.id_number.as_str());
                    // The same person twice in one file: the second row finds the death the
                    // first recorded.
                    let recorded_here = kept.iter().find(|k| {
                        k.id_number == n.id_number.as_str()
                            && matches!(k.outcome, DeathOutcome::Recorded)
                    }).and_then(|k| k.death_date);
                    let register = entry.map(|e| (e.2.as_str(), recorded_here.or(e.3)));
                    let outcome = match_notice(n, register);
                    if outcome == DeathOutcome::Recorded {
                        let id = entry.map(|e| e.0).unwrap_or_default();
                        sqlx::query("UPDATE persons SET death_date = $2, death_source = $3, version = version + 1, \
                                     updated_at = $4 WHERE id = $1 AND death_date IS NULL")
                            .bind(id).bind(n.death_date).bind(n.source).bind(ts)
                            .execute(&mut *tx).await?;
                        (*tx).append_audit(&keys, &actor.entry("record_death", "person", id, serde_json::json!({
                            "death_date": n.death_date.to_string(), "source": n.source, "death_file": file_id,
                        }))).await?;
                    }
                    kept.push(Kept {
                        row_no: n.row_no,
                        person_id: entry.map(|e| e.0),
                        id_number: n.id_number.as_str().to_string(),
                        name: n.name.clone(),
                        death_date: Some(n.death_date),
                        source: Some(n.source),
                        outcome,
                        field: None,
                        message: None,
                    });
                }
            }
            kept.sort_by_key(|k| k.row_no);
            for part in kept.chunks(LOOKUP_ROWS) {
                let mut sql = String::from("INSERT INTO death_rows (file_id, row_no, person_id, id_number, name, \
                                            death_date, source, outcome, field, message) VALUES ");
                for i in 0..part.len() {
                    if i > 0 { sql.push(','); }
                    let p: Vec<String> = (1..=10).map(|k| self.ph(i * 10 + k)).collect();
                    sql.push_str(&format!("({})", p.join(", ")));
                }
                let mut q = sqlx::query(&sql);
                for k in part {
                    q = q.bind(file_id).bind(k.row_no).bind(k.person_id).bind(&k.id_number).bind(&k.name)
                        .bind(k.death_date).bind(k.source).bind(k.outcome.code()).bind(&k.field).bind(&k.message);
                }
                q.execute(&mut *tx).await?;
            }
            let count = |o: DeathOutcome| kept.iter().filter(|k| k.outcome == o).count();
            (*tx).append_audit(&keys, &actor.entry("import_deaths", "death_file", file_id, serde_json::json!({
                "file": file_name, "sha256": &file_sha256, "rows": kept.len(),
                "recorded": count(DeathOutcome::Recorded),
                "review": count(DeathOutcome::NameDiffers) + count(DeathOutcome::DateDiffers),
                "not_found": count(DeathOutcome::NotFound), "rejected": count(DeathOutcome::Rejected),
            }))).await?;
            tx.commit().await?;
            Ok(file_id)
        })
    }

    /// The latest death files imported inside `scope`.
    pub async fn death_files(&self, scope: &str, limit: i64) -> Result<Vec<DeathFile>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, file_name, source, scope, actor, imported_at, total_rows FROM death_files \
             WHERE scope >= $1 AND scope < $2 ORDER BY id DESC LIMIT $3")
            .bind(&lo).bind(&hi).bind(limit).fetch_all(pool).await?))
    }

    /// A death file imported inside `scope`; `None` for one elsewhere as for an unknown one.
    pub async fn death_file(&self, id: i64, scope: &str) -> Result<Option<(DeathFile, DeathCounts)>> {
        let (lo, hi) = scope_range(scope);
        let file: Option<DeathFile> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, file_name, source, scope, actor, imported_at, total_rows FROM death_files \
             WHERE id = $1 AND scope >= $2 AND scope < $3")
            .bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?);
        let Some(file) = file else { return Ok(None) };
        let counts: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT outcome, COUNT(*) FROM death_rows WHERE file_id = $1 GROUP BY outcome")
            .bind(id).fetch_all(pool).await?);
        let counts = DeathOutcome::ALL
            .into_iter()
            .map(|o| (o, counts.iter().find(|(c, _)| c == o.code()).map_or(0, |(_, n)| *n)))
            .collect();
        Ok(Some((file, DeathCounts(counts))))
    }

    /// A file's rows in file order (the caller has checked the file is in scope).
    pub async fn death_file_rows(&self, file_id: i64, limit: i64) -> Result<Vec<DeathRow>> {
        let sql = format!("SELECT {ROW_COLUMNS} FROM death_rows WHERE file_id = $1 ORDER BY row_no LIMIT $2");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(file_id).bind(limit).fetch_all(pool).await?))
    }

    /// Rows waiting for a person to decide, of people registered inside `scope`, oldest first,
    /// with the register's name and death date beside the file's.
    pub async fn death_reviews(&self, scope: &str, limit: i64) -> Result<Vec<DeathRow>> {
        let (lo, hi) = scope_range(scope);
        let cols: Vec<String> = ROW_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect();
        let sql = format!(
            "SELECT {}, p.name AS register_name, p.death_date AS register_death, f.file_name AS file_name \
             FROM death_rows r JOIN persons p ON p.id = r.person_id JOIN death_files f ON f.id = r.file_id \
             WHERE r.outcome IN ('name_differs', 'date_differs') \
             AND ((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 AND p.residence_division < $2)) \
             ORDER BY r.id LIMIT $3",
            cols.join(", "));
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(limit).fetch_all(pool).await?))
    }

    /// Decides a row on the review list: `confirm` records the death with the file's date and
    /// source (replacing a different date already recorded); otherwise the row is dismissed.
    /// A reason is required either way. A row outside `scope`, unknown, or already decided is
    /// `NotFound` / `Conflict`.
    pub async fn decide_death_row(
        &self,
        row_id: i64,
        confirm: bool,
        note: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        let note = bounded(note, 500);
        if note.is_empty() {
            return Err(StoreError::Invalid(vec![yiyang_domain::person::FieldError::new(
                "note",
                "请写明核实情况（如：经村委会核实，系同一人，姓名登记有误）",
            )]));
        }
        let (lo, hi) = scope_range(scope);
        let ts = now();
        let keys = self.audit_keys();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64, String, Option<NaiveDate>, Option<String>)> = sqlx::query_as(
                "SELECT r.person_id, r.outcome, r.death_date, r.source FROM death_rows r JOIN persons p ON p.id = r.person_id \
                 WHERE r.id = $1 AND ((p.hukou_division >= $2 AND p.hukou_division < $3) \
                 OR (p.residence_division >= $2 AND p.residence_division < $3))")
                .bind(row_id).bind(&lo).bind(&hi).fetch_optional(&mut *tx).await?;
            let Some((person, outcome, date, source)) = row else { return Err(StoreError::NotFound) };
            if !DeathOutcome::parse(&outcome).is_some_and(DeathOutcome::awaits_review) {
                return Err(StoreError::Conflict);
            }
            let decided = if confirm { DeathOutcome::Confirmed } else { DeathOutcome::Dismissed };
            sqlx::query("UPDATE death_rows SET outcome = $2, decided_by = $3, decided_at = $4, note = $5 WHERE id = $1")
                .bind(row_id).bind(decided.code()).bind(&actor.name).bind(ts).bind(&note)
                .execute(&mut *tx).await?;
            if confirm {
                sqlx::query("UPDATE persons SET death_date = $2, death_source = $3, version = version + 1, updated_at = $4 \
                             WHERE id = $1")
                    .bind(person).bind(date).bind(&source).bind(ts).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&keys, &actor.entry(if confirm { "confirm_death" } else { "dismiss_death" }, "person", person,
                serde_json::json!({"death_row": row_id, "death_date": date.map(|d| d.to_string()), "note": note}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
