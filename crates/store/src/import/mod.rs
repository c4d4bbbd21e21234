//! Importing the register from the spreadsheets county staff actually hold (.csv or .xlsx).
//!
//! Headers are matched by their common Chinese variants; every row is validated with the
//! same rules as the web form; valid rows are upserted by ID number in bulk (re-importing a
//! file changes nothing); every rejected row is kept with its row number, field and reason,
//! and can be downloaded as an .xlsx report. The work is committed in chunks and tracked in
//! `import_jobs`, so a crash loses at most one chunk and rerunning the file completes it.
//!
//! Files: `columns` (headers, reading a sheet, validating rows), `upsert` (the import job:
//! chunks upserted by ID number), and here the job records, rejected rows and the report.

mod columns;
pub mod template;
mod upsert;

pub use columns::*;

use serde::Serialize;
use yiyang_domain::person::{field_label, PersonRecord};

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Gives the category change logged by this chunk's upsert of one person its approval date.
const DATE_CATEGORY_CHANGE: &str = "UPDATE person_changes SET effective_on = $1 WHERE kind = 'categories' \
     AND recorded_at = $2 AND person_id = (SELECT id FROM persons WHERE id_number = $3)";

/// Rows per upsert statement and rows per committed chunk.
const STATEMENT_ROWS: usize = 1000;
const CHUNK_ROWS: usize = 20_000;

/// One rejected row: where and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct RowError {
    pub row_no: i64,
    pub field: String,
    pub value: String,
    pub message: String,
    /// The row as it was in the file (cells joined by " | ", valid ID numbers masked).
    #[sqlx(default)]
    pub original: String,
}

/// A row's cells as the report shows them next to the reason: joined by " | ", with every
/// valid ID number masked (as everywhere in reports), an invalid one as typed.
pub fn original_row(cells: &[String]) -> String {
    let mut shown: Vec<String> = cells
        .iter()
        .map(|c| match yiyang_domain::id_number::IdNumber::parse(c) {
            Ok(id) => id.masked(),
            Err(_) => c.trim().to_string(),
        })
        .collect();
    while shown.last().is_some_and(String::is_empty) {
        shown.pop();
    }
    let mut s = shown.join(" | ");
    // Bounded like every other stored text: a hostile file's row is cut, not kept whole.
    if s.len() > 2000 {
        let mut cut = 2000;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Puts each error's original row next to it (rows sorted by row number, as read).
pub fn attach_originals(errors: &mut [RowError], rows: &[(i64, Vec<String>)]) {
    for e in errors.iter_mut() {
        if let Ok(i) = rows.binary_search_by_key(&e.row_no, |r| r.0) {
            e.original = original_row(&rows[i].1);
        }
    }
}

impl RowError {
    /// A problem with a row's (valid, hence masked in reports) ID number.
    fn id_number(row_no: i64, rec: &PersonRecord, message: String) -> RowError {
        RowError {
            row_no,
            field: field_label("id_number").into(),
            value: rec.id_number.masked(),
            message,
            original: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct ImportJob {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub file_sha256: String,
    pub actor: String,
    pub scope: String,
    pub status: String,
    pub total_rows: i64,
    pub processed: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub message: Option<String>,
}

impl ImportJob {
    /// The job's status in words.
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "running" => "正在导入",
            "done" => "已完成",
            "failed" => "失败",
            _ => "未知",
        }
    }
}

impl Store {
    /// Marks every import still "running" as failed: called when a server starts, so a job
    /// whose process died (killed, crashed, power cut) does not show "导入中" forever. What it
    /// committed stays; importing the same file again completes it (the import is an upsert).
    /// Returns how many jobs were marked, each with an audit entry.
    pub async fn fail_interrupted_imports(&self, actor: &Actor) -> Result<u64> {
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM import_jobs WHERE status = 'running' ORDER BY id").fetch_all(pool).await?);
        for id in &ids {
            with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("UPDATE import_jobs SET status = 'failed', finished_at = $2, message = $3 \
                             WHERE id = $1 AND status = 'running'")
                    .bind(id).bind(now())
                    .bind("导入进行中服务被中断：已处理的行已保存，请重新导入同一文件以完成（重复导入不会重复登记）")
                    .execute(&mut *tx).await?;
                (*tx).append_audit(&self.audit_keys(), &actor.entry("import_interrupted", "import_job", id, serde_json::json!({}))).await?;
                tx.commit().await?;
            });
        }
        Ok(ids.len() as u64)
    }

    pub(crate) async fn set_job_total(&self, id: i64, total: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE import_jobs SET total_rows = $1 WHERE id = $2")
            .bind(total).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    async fn set_job_progress(&self, id: i64, processed: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE import_jobs SET processed = $1 WHERE id = $2")
            .bind(processed).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub(crate) async fn finish_job_failed(&self, id: i64, message: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE import_jobs SET status = 'failed', message = $1, finished_at = $2 WHERE id = $3")
            .bind(message).bind(now()).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn finish_job(
        &self,
        id: i64,
        errors: &[RowError],
        inserted: i64,
        updated: i64,
        unchanged: i64,
        rejected: i64,
        actor: &Actor,
    ) -> Result<ImportJob> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for part in errors.chunks(STATEMENT_ROWS) {
                let mut sql = String::from("INSERT INTO import_errors (job_id, row_no, field, value, message, original) VALUES ");
                for i in 0..part.len() {
                    if i > 0 { sql.push(','); }
                    let p: Vec<String> = (1..=6).map(|k| self.ph(i * 6 + k)).collect();
                    sql.push_str(&format!("({})", p.join(", ")));
                }
                let mut q = sqlx::query(&sql);
                for e in part {
                    q = q.bind(id).bind(e.row_no).bind(&e.field).bind(&e.value).bind(&e.message).bind(&e.original);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE import_jobs SET status = 'done', inserted = $1, updated = $2, unchanged = $3, rejected = $4, \
                         processed = total_rows, finished_at = $5 WHERE id = $6")
                .bind(inserted).bind(updated).bind(unchanged).bind(rejected).bind(now()).bind(id)
                .execute(&mut *tx).await?;
            let job: ImportJob = sqlx::query_as("SELECT * FROM import_jobs WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("import", "import_job", id, serde_json::json!({
                "file": job.file_name, "sha256": job.file_sha256, "rows": job.total_rows,
                "inserted": inserted, "updated": updated, "unchanged": unchanged, "rejected": rejected,
            }))).await?;
            tx.commit().await?;
            // Fresh statistics after a large load, so that the planner sees the new table
            // (the first benefit run after importing a province took twice as long without).
            if inserted > 10_000 {
                sqlx::query("ANALYZE persons").execute(pool).await?;
            }
            Ok(job)
        })
    }

    pub async fn import_job(&self, id: i64) -> Result<Option<ImportJob>> {
        Ok(
            with_pool!(self, pool => sqlx::query_as("SELECT * FROM import_jobs WHERE id = $1").bind(id).fetch_optional(pool).await?),
        )
    }

    /// The latest import jobs in `scope`: of older people (`people`), or of the care
    /// register (institutions, beds, residents, assessments).
    pub async fn import_jobs(&self, scope: &str, people: bool, limit: i64) -> Result<Vec<ImportJob>> {
        let (lo, hi) = scope_range(scope);
        let kind = if people { "kind = 'people'" } else { "kind <> 'people'" };
        let sql =
            format!("SELECT * FROM import_jobs WHERE scope >= $1 AND scope < $2 AND {kind} ORDER BY id DESC LIMIT $3");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(limit).fetch_all(pool).await?))
    }

    pub async fn import_errors(&self, job_id: i64) -> Result<Vec<RowError>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT row_no, field, value, message, original FROM import_errors WHERE job_id = $1 ORDER BY row_no")
            .bind(job_id).fetch_all(pool).await?))
    }
}

/// The rejected-rows report as an .xlsx workbook.
pub fn error_report_xlsx(job: &ImportJob, errors: &[RowError]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let x = |e: rust_xlsxwriter::XlsxError| StoreError::File(format!("生成报告失败：{e}"));
    ws.set_name("未导入的行").map_err(x)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "导入文件：{}（共 {} 行，新增 {}，更新 {}，未变 {}，未导入 {} 行）",
            job.file_name, job.total_rows, job.inserted, job.updated, job.unchanged, job.rejected
        ),
        &bold,
    )
    .map_err(x)?;
    for (c, h) in ["行号", "字段", "内容", "问题", "原始行（身份证号已遮盖）"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *h, &bold).map_err(x)?;
    }
    for (i, e) in errors.iter().enumerate() {
        let r = i as u32 + 3;
        ws.write_number(r, 0, e.row_no as f64).map_err(x)?;
        ws.write_string(r, 1, &e.field).map_err(x)?;
        ws.write_string(r, 2, &e.value).map_err(x)?;
        ws.write_string(r, 3, &e.message).map_err(x)?;
        ws.write_string(r, 4, &e.original).map_err(x)?;
    }
    ws.set_column_width(0, 8).map_err(x)?;
    ws.set_column_width(1, 16).map_err(x)?;
    ws.set_column_width(2, 24).map_err(x)?;
    ws.set_column_width(3, 60).map_err(x)?;
    ws.set_column_width(4, 80).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}
