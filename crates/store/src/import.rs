//! Importing the register from the spreadsheets county staff actually hold (.csv or .xlsx).
//!
//! Headers are matched by their common Chinese variants; every row is validated with the
//! same rules as the web form; valid rows are upserted by ID number in bulk (re-importing a
//! file changes nothing); every rejected row is kept with its row number, field and reason,
//! and can be downloaded as an .xlsx report. The work is committed in chunks and tracked in
//! `import_jobs`, so a crash loses at most one chunk and rerunning the file completes it.

use crate::BeginWrite as _;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use yiyang_domain::id_number::normalize_width;
use yiyang_domain::person::{field_label, FieldError, PersonInput, PersonRecord};

use crate::audit::{Actor, AuditAppend};
use crate::people::encode_categories;
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

/// Column headers as they appear in real spreadsheets, mapped to field keys.
pub(crate) const HEADER_VARIANTS: &[(&str, &[&str])] = &[
    ("name", &["姓名", "老人姓名", "名字", "name"]),
    (
        "id_number",
        &[
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "公民身份证号码",
            "证件号码",
            "身份证",
            "id_number",
            "person_id",
        ],
    ),
    ("sex", &["性别", "sex"]),
    (
        "birth_date",
        &["出生日期", "出生年月日", "出生年月", "生日", "birth_date"],
    ),
    (
        "phone",
        &["联系电话", "电话", "手机", "手机号", "手机号码", "本人电话", "phone"],
    ),
    (
        "address",
        &[
            "地址",
            "居住地址",
            "现居住地址",
            "家庭住址",
            "现住址",
            "详细地址",
            "address",
        ],
    ),
    (
        "hukou_division",
        &[
            "区划代码",
            "行政区划代码",
            "户籍地区划代码",
            "户籍区划代码",
            "户籍所在地区划代码",
            "所属区划代码",
            "hukou_division",
            "county_code",
        ],
    ),
    (
        "residence_division",
        &[
            "居住地区划代码",
            "现居住地区划代码",
            "居住区划代码",
            "实际居住地区划代码",
            "residence_division",
        ],
    ),
    (
        "hukou_type",
        &[
            "户籍性质",
            "户口性质",
            "户籍类型",
            "户口类型",
            "城乡类别",
            "hukou_type",
            "hukou",
        ],
    ),
    (
        "categories",
        &["人员类别", "类别", "老人类别", "特殊群体类别", "困难类别", "categories"],
    ),
    (
        "categories_effective",
        &[
            "类别生效日期",
            "类别认定日期",
            "认定日期",
            "审批日期",
            "categories_effective",
        ],
    ),
    ("death_date", &["死亡日期", "death_date"]),
    ("death_source", &["死亡信息来源", "死亡来源", "death_source"]),
    (
        "contact_name",
        &["紧急联系人", "联系人", "紧急联系人姓名", "contact_name"],
    ),
    (
        "contact_relation",
        &["与本人关系", "关系", "联系人关系", "contact_relation"],
    ),
    ("contact_phone", &["紧急联系人电话", "联系人电话", "contact_phone"]),
    ("note", &["备注", "note"]),
];

/// Maps one header cell to a field key: width folded, spaces, asterisks (required marks)
/// and bracketed hints such as "（必填）" removed.
pub fn header_key(raw: &str) -> Option<&'static str> {
    let mut h = normalize_width(raw);
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if let (Some(a), Some(b)) = (h.find(open), h.rfind(close)) {
            if a < b {
                h.replace_range(a..b + close.len_utf8(), "");
            }
        }
    }
    let h: String = h
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}')
        .collect();
    let h = h.to_lowercase();
    HEADER_VARIANTS
        .iter()
        .find(|(_, vs)| vs.iter().any(|v| *v == h))
        .map(|(k, _)| *k)
}

/// Which field each column feeds.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    columns: Vec<Option<&'static str>>,
    pub ignored: Vec<String>,
}

impl ColumnMap {
    pub fn from_headers(headers: &[String]) -> Result<ColumnMap> {
        let mut seen = HashSet::new();
        let mut ignored = Vec::new();
        let columns: Vec<Option<&'static str>> = headers
            .iter()
            .map(|h| match header_key(h) {
                Some(k) if seen.insert(k) => Some(k),
                _ => {
                    if !h.trim().is_empty() {
                        ignored.push(h.trim().to_string());
                    }
                    None
                }
            })
            .collect();
        for required in ["id_number", "name", "hukou_division"] {
            if !seen.contains(required) {
                return Err(StoreError::File(format!(
                    "文件缺少“{}”列（第一行应为表头，可用的列名如：{}）",
                    field_label(required),
                    HEADER_VARIANTS
                        .iter()
                        .find(|(k, _)| *k == required)
                        .map(|(_, v)| v[..3].join("、"))
                        .unwrap_or_default()
                )));
            }
        }
        Ok(ColumnMap { columns, ignored })
    }

    pub fn has(&self, key: &str) -> bool {
        self.columns.contains(&Some(key))
    }

    pub fn to_input(&self, cells: &[String]) -> PersonInput {
        let mut p = PersonInput::default();
        for (i, key) in self.columns.iter().enumerate() {
            if let Some(key) = key {
                p.set(key, cells.get(i).cloned().unwrap_or_default());
            }
        }
        p
    }
}

fn field_value(p: &PersonInput, field: &str) -> String {
    let v = match field {
        "name" => &p.name,
        "id_number" => &p.id_number,
        "sex" => &p.sex,
        "birth_date" => &p.birth_date,
        "phone" => &p.phone,
        "hukou_division" => &p.hukou_division,
        "residence_division" => &p.residence_division,
        "hukou_type" => &p.hukou_type,
        "categories" => &p.categories,
        "categories_effective" => &p.categories_effective,
        "death_date" => &p.death_date,
        "death_source" => &p.death_source,
        "contact_phone" => &p.contact_phone,
        _ => return String::new(),
    };
    v.trim().to_string()
}

/// A spreadsheet read into rows of text, with each row's number as the user sees it.
#[derive(Debug)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<(i64, Vec<String>)>,
}

/// Reads a .csv (UTF-8, with or without BOM, or GB18030 as Excel saves it on Chinese
/// Windows) or .xlsx file.
pub fn read_sheet(path: &Path) -> Result<Sheet> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    match ext.as_str() {
        "csv" | "txt" => {
            let bytes =
                std::fs::read(path).map_err(|e| StoreError::File(format!("无法读取 {}：{e}", path.display())))?;
            read_csv_bytes(&bytes)
        }
        "xlsx" | "xlsm" => crate::xlsx_read::read_xlsx(path, &crate::xlsx_read::XlsxCaps::default()),
        "xls" => Err(StoreError::File(
            "不支持旧版 Excel 97-2003 文件（.xls）：请在 Excel 或 WPS 中另存为 .xlsx 后再导入".into(),
        )),
        _ => Err(StoreError::File(format!(
            "不支持的文件类型“{ext}”（请用 .csv 或 .xlsx）"
        ))),
    }
}

pub fn read_csv_bytes(bytes: &[u8]) -> Result<Sheet> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text: std::borrow::Cow<str> = match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::File(format!("表头无法读取：{e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row_no = i as i64 + 2;
        match rec {
            Ok(r) => rows.push((row_no, r.iter().map(str::to_string).collect())),
            Err(e) => return Err(StoreError::File(format!("第 {row_no} 行无法解析：{e}"))),
        }
    }
    Ok(Sheet { headers, rows })
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub job: ImportJob,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
}

/// Validates rows chunk by chunk, remembering ID numbers across chunks to catch
/// duplicates within a file. Pure apart from the reference data.
pub struct RowValidator<'a> {
    map: &'a ColumnMap,
    reference: &'a crate::RefData,
    scope: &'a str,
    today: NaiveDate,
    first_row_of: HashMap<String, i64>,
}

impl<'a> RowValidator<'a> {
    pub fn new(map: &'a ColumnMap, reference: &'a crate::RefData, scope: &'a str, today: NaiveDate) -> Self {
        RowValidator {
            map,
            reference,
            scope,
            today,
            first_row_of: HashMap::new(),
        }
    }

    /// The valid records with their row numbers, and the rejected rows.
    pub fn validate(&mut self, rows: &[(i64, Vec<String>)]) -> (Vec<(i64, PersonRecord)>, Vec<RowError>) {
        let mut valid = Vec::with_capacity(rows.len());
        let mut errors = Vec::new();
        let scope = self.scope;
        for (row_no, cells) in rows {
            let mut input = self.map.to_input(cells);
            // A file without 户籍性质 can only update people already registered (checked
            // against the register before writing); the column is then left as it is.
            if !self.map.has("hukou_type") {
                input.hukou_type = "rural".into();
            }
            match input.validate(self.reference, self.today) {
                Ok(rec) => {
                    let in_scope = rec.hukou_division.as_str().starts_with(scope)
                        || rec.residence_division.as_str().starts_with(scope);
                    if !in_scope {
                        errors.push(RowError {
                            row_no: *row_no,
                            field: field_label("hukou_division").into(),
                            value: rec.hukou_division.to_string(),
                            message: format!("区划“{}”不在您的管辖范围（{scope}）内", rec.hukou_division),
                            original: String::new(),
                        });
                    } else if let Some(first) = self.first_row_of.get(rec.id_number.as_str()) {
                        errors.push(RowError::id_number(
                            *row_no,
                            &rec,
                            format!("与第 {first} 行的身份证号重复，本行未导入"),
                        ));
                    } else {
                        self.first_row_of.insert(rec.id_number.as_str().to_string(), *row_no);
                        valid.push((*row_no, rec));
                    }
                }
                Err(errs) => {
                    for FieldError { field, message } in errs {
                        errors.push(RowError {
                            row_no: *row_no,
                            value: field_value(&input, &field),
                            field: field_label(&field).into(),
                            message,
                            original: String::new(),
                        });
                    }
                }
            }
        }
        (valid, errors)
    }
}

/// The columns an upsert writes, in bind order, and whether the file supplies each (only
/// supplied columns are overwritten on an existing record; the rest are left as they are).
const UPSERT_COLUMNS: [&str; 16] = [
    "id_number",
    "name",
    "sex",
    "birth_date",
    "phone",
    "address",
    "hukou_division",
    "residence_division",
    "hukou_type",
    "categories",
    "death_date",
    "death_source",
    "contact_name",
    "contact_relation",
    "contact_phone",
    "note",
];

fn upsert_sql(rows: usize, map: &ColumnMap, ph: &dyn Fn(usize) -> String) -> String {
    // 16 fields + created_at + updated_at, each bound in order.
    let ncols = UPSERT_COLUMNS.len() + 2;
    let mut sql = format!(
        "INSERT INTO persons ({}, created_at, updated_at, version) VALUES ",
        UPSERT_COLUMNS.join(", ")
    );
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..ncols {
            sql.push_str(&ph(r * ncols + c + 1));
            sql.push(',');
        }
        sql.push_str("1)");
    }
    sql.push_str(&conflict_sql(map));
    sql
}

/// The `ON CONFLICT` clause: only columns the file supplies are overwritten, and a row is
/// touched only when something differs (so re-importing changes nothing).
fn conflict_sql(map: &ColumnMap) -> String {
    let updatable: Vec<&str> = UPSERT_COLUMNS[1..]
        .iter()
        .copied()
        .filter(|c| match *c {
            "sex" | "birth_date" => true,
            "residence_division" => map.has("residence_division") || map.has("hukou_division"),
            "death_source" => map.has("death_date") || map.has("death_source"),
            other => map.has(other),
        })
        .collect();
    let set: Vec<String> = updatable.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let differs: Vec<String> = updatable
        .iter()
        .map(|c| format!("persons.{c} IS DISTINCT FROM excluded.{c}"))
        .collect();
    format!(
        " ON CONFLICT (id_number) DO UPDATE SET {}, updated_at = excluded.updated_at, version = persons.version + 1 WHERE {} RETURNING version",
        set.join(", "),
        differs.join(" OR ")
    )
}

impl Store {
    /// Imports a file of older people. `on_progress(processed, total)` is called as chunks
    /// are committed.
    pub async fn import_people(
        &self,
        path: &Path,
        scope: &str,
        actor: &Actor,
        on_progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportSummary> {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let job_id = self.begin_people_import(path, &file_name, scope, actor).await?;
        self.run_people_import(job_id, path, scope, actor, on_progress).await
    }

    /// Registers an import job for a file (so a page can show its progress) without
    /// running it yet.
    pub async fn begin_people_import(&self, path: &Path, file_name: &str, scope: &str, actor: &Actor) -> Result<i64> {
        let bytes = std::fs::read(path).map_err(|e| StoreError::File(format!("无法读取 {}：{e}", path.display())))?;
        self.start_job("people", file_name, &hex::encode(Sha256::digest(&bytes)), actor, scope)
            .await
    }

    /// Runs a registered import job to the end; a failure is recorded on the job.
    pub async fn run_people_import(
        &self,
        job_id: i64,
        path: &Path,
        scope: &str,
        actor: &Actor,
        on_progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportSummary> {
        match self.run_import(job_id, path, scope, actor, on_progress).await {
            Ok(s) => Ok(s),
            Err(e) => {
                self.finish_job_failed(job_id, &e.to_string()).await?;
                Err(e)
            }
        }
    }

    async fn run_import(
        &self,
        job_id: i64,
        path: &Path,
        scope: &str,
        actor: &Actor,
        on_progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportSummary> {
        let sheet = {
            let path = path.to_path_buf();
            tokio::task::spawn_blocking(move || read_sheet(&path))
                .await
                .map_err(|e| StoreError::File(e.to_string()))??
        };
        tracing::debug!(job_id, rows = sheet.rows.len(), "file read");
        let map = ColumnMap::from_headers(&sheet.headers)?;
        let total = sheet.rows.len() as u64;
        self.set_job_total(job_id, total as i64).await?;
        on_progress(0, total);
        let reference = self.reference();
        let today = self.clock.today();
        // Validation runs on its own thread, a chunk ahead of the database writes.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, Vec<(i64, PersonRecord)>, Vec<RowError>)>(2);
        let sheet = std::sync::Arc::new(sheet);
        let validator = {
            let scope = scope.to_string();
            let map = map.clone();
            let sheet = sheet.clone();
            tokio::task::spawn_blocking(move || {
                let mut v = RowValidator::new(&map, &reference, &scope, today);
                for rows in sheet.rows.chunks(CHUNK_ROWS) {
                    let (valid, errors) = v.validate(rows);
                    if tx.blocking_send((rows.len(), valid, errors)).is_err() {
                        break;
                    }
                }
            })
        };
        let mut errors = Vec::new();
        let (mut inserted, mut updated, mut unchanged) = (0i64, 0i64, 0i64);
        let mut started_audited = false;
        let mut processed = 0u64;
        while let Some((n, chunk, chunk_errors)) = rx.recv().await {
            errors.extend(chunk_errors);
            let t0 = std::time::Instant::now();
            let outside = self.registered_outside(&chunk, scope).await?;
            let t1 = t0.elapsed();
            let known = if map.has("hukou_type") {
                None
            } else {
                Some(self.registered_ids(&chunk, scope).await?)
            };
            let mut rows: Vec<&PersonRecord> = Vec::with_capacity(chunk.len());
            for (row_no, rec) in &chunk {
                if known.as_ref().is_some_and(|k| !k.contains(rec.id_number.as_str())) {
                    errors.push(RowError {
                        row_no: *row_no,
                        field: field_label("hukou_type").into(),
                        value: String::new(),
                        message:
                            "此人尚未登记：新登记须有“户籍性质”列（城镇/农村）；没有此列的文件只能更新已登记的人员"
                                .into(),
                        original: String::new(),
                    });
                } else if outside.contains(rec.id_number.as_str()) {
                    errors.push(RowError::id_number(
                        *row_no,
                        rec,
                        crate::people::ALREADY_REGISTERED.to_string(),
                    ));
                } else {
                    rows.push(rec);
                }
            }
            // The first chunk that writes anyone also writes the import's audit entry, in the
            // same transaction: a process killed after it leaves people who are accounted for.
            let started = (!started_audited && !rows.is_empty()).then(|| {
                actor.entry(
                    "import_started",
                    "import_job",
                    job_id,
                    serde_json::json!({"scope": scope}),
                )
            });
            started_audited |= started.is_some();
            let (ins, upd) = self.upsert_chunk(&rows, &map, started.as_ref()).await?;
            tracing::debug!(job_id, rows = rows.len(), lookup = ?t1, upsert = ?(t0.elapsed() - t1), "import chunk");
            inserted += ins;
            updated += upd;
            unchanged += rows.len() as i64 - ins - upd;
            processed += n as u64;
            self.set_job_progress(job_id, processed as i64).await?;
            on_progress(processed, total);
        }
        validator.await.map_err(|e| StoreError::File(e.to_string()))?;
        errors.sort_by_key(|e| e.row_no); // stable: a row's field errors keep their order
        attach_originals(&mut errors, &sheet.rows);
        let rejected_rows = {
            let mut rows: Vec<i64> = errors.iter().map(|e| e.row_no).collect();
            rows.dedup();
            rows.len() as i64
        };
        let job = self
            .finish_job(job_id, &errors, inserted, updated, unchanged, rejected_rows, actor)
            .await?;
        on_progress(total, total);
        Ok(ImportSummary {
            job,
            errors,
            ignored_columns: map.ignored,
        })
    }

    /// ID numbers in `chunk` already registered inside `scope`: a file without 户籍性质 may
    /// update these, and treats everyone else (unknown, or registered elsewhere) alike.
    async fn registered_ids(&self, chunk: &[(i64, PersonRecord)], scope: &str) -> Result<HashSet<String>> {
        self.registered_where(chunk, scope, false).await
    }

    /// ID numbers in `chunk` already registered outside `scope` (refused with the neutral
    /// [`crate::people::ALREADY_REGISTERED`], never naming where).
    async fn registered_outside(&self, chunk: &[(i64, PersonRecord)], scope: &str) -> Result<HashSet<String>> {
        self.registered_where(chunk, scope, true).await
    }

    async fn registered_where(
        &self,
        chunk: &[(i64, PersonRecord)],
        scope: &str,
        outside: bool,
    ) -> Result<HashSet<String>> {
        let (lo, hi) = scope_range(scope);
        let mut out = HashSet::new();
        for part in chunk.chunks(STATEMENT_ROWS) {
            let placeholders: Vec<String> = (0..part.len()).map(|i| self.ph(i + 5)).collect();
            let sql = format!(
                "SELECT id_number FROM persons WHERE {} ((hukou_division >= {} AND hukou_division < {}) \
                 OR (residence_division >= {} AND residence_division < {})) AND id_number IN ({})",
                if outside { "NOT" } else { "" },
                self.ph(1),
                self.ph(2),
                self.ph(3),
                self.ph(4),
                placeholders.join(",")
            );
            let found: Vec<String> = with_pool!(self, pool => {
                let mut q = sqlx::query_scalar(&sql).bind(&lo).bind(&hi).bind(&lo).bind(&hi);
                for (_, r) in part { q = q.bind(r.id_number.as_str()); }
                q.fetch_all(pool).await?
            });
            out.extend(found);
        }
        Ok(out)
    }

    /// Upserts rows in one transaction; returns (inserted, updated). A row with a 类别生效日期
    /// dates the category change its upsert just logged (the trigger dates it on the day of
    /// the import).
    async fn upsert_chunk(
        &self,
        rows: &[&PersonRecord],
        map: &ColumnMap,
        audit: Option<&crate::audit::AuditEntry>,
    ) -> Result<(i64, i64)> {
        let ts = now();
        if let crate::Db::Postgres(pool) = &self.db {
            // PostgreSQL takes the whole chunk as one array per column.
            let sql = format!(
                "INSERT INTO persons ({}, created_at, updated_at, version) \
                 SELECT u.*, $17::timestamptz, $17::timestamptz, 1 FROM UNNEST($1::text[], $2::text[], $3::text[], \
                 $4::date[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[], \
                 $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]) AS u {}",
                UPSERT_COLUMNS.join(", "),
                conflict_sql(map)
            );
            let col = |f: &dyn Fn(&PersonRecord) -> Option<String>| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
            // One transaction for the rows and the audit entry: a kill between them must not
            // leave people written without the entry that accounts for them.
            let mut tx = pool.begin_write().await?;
            let versions: Vec<i64> = sqlx::query_scalar(&sql)
                .bind(col(&|r| Some(r.id_number.to_string())))
                .bind(col(&|r| Some(r.name.clone())))
                .bind(col(&|r| Some(r.sex.code().to_string())))
                .bind(rows.iter().map(|r| r.birth_date).collect::<Vec<_>>())
                .bind(col(&|r| r.phone.clone()))
                .bind(col(&|r| r.address.clone()))
                .bind(col(&|r| Some(r.hukou_division.to_string())))
                .bind(col(&|r| Some(r.residence_division.to_string())))
                .bind(col(&|r| Some(r.hukou_type.code().to_string())))
                .bind(col(&|r| Some(encode_categories(&r.categories))))
                .bind(rows.iter().map(|r| r.death_date).collect::<Vec<_>>())
                .bind(col(&|r| r.death_source.clone()))
                .bind(col(&|r| r.contact_name.clone()))
                .bind(col(&|r| r.contact_relation.clone()))
                .bind(col(&|r| r.contact_phone.clone()))
                .bind(col(&|r| r.note.clone()))
                .bind(ts)
                .fetch_all(&mut *tx)
                .await?;
            let ins = versions.iter().filter(|v| **v == 1).count() as i64;
            for r in rows {
                if let Some(on) = r.categories_effective {
                    sqlx::query(DATE_CATEGORY_CHANGE)
                        .bind(on)
                        .bind(ts)
                        .bind(r.id_number.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            if let Some(e) = audit {
                (*tx).append_audit(&self.audit_keys(), e).await?;
            }
            tx.commit().await?;
            return Ok((ins, versions.len() as i64 - ins));
        }
        let ph = |i| self.ph(i);
        let full_sql = upsert_sql(STATEMENT_ROWS, map, &ph);
        let (mut ins, mut upd) = (0i64, 0i64);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for part in rows.chunks(STATEMENT_ROWS) {
                let tail_sql;
                let sql = if part.len() == STATEMENT_ROWS { &full_sql } else { tail_sql = upsert_sql(part.len(), map, &ph); &tail_sql };
                let mut q = sqlx::query_scalar::<_, i64>(sql);
                for r in part {
                    q = q.bind(r.id_number.as_str())
                        .bind(&r.name)
                        .bind(r.sex.code())
                        .bind(r.birth_date)
                        .bind(&r.phone)
                        .bind(&r.address)
                        .bind(r.hukou_division.as_str())
                        .bind(r.residence_division.as_str())
                        .bind(r.hukou_type.code())
                        .bind(encode_categories(&r.categories))
                        .bind(r.death_date)
                        .bind(&r.death_source)
                        .bind(&r.contact_name)
                        .bind(&r.contact_relation)
                        .bind(&r.contact_phone)
                        .bind(&r.note)
                        .bind(ts)
                        .bind(ts);
                }
                for v in q.fetch_all(&mut *tx).await? {
                    if v == 1 { ins += 1 } else { upd += 1 }
                }
            }
            for r in rows {
                if let Some(on) = r.categories_effective {
                    sqlx::query(DATE_CATEGORY_CHANGE).bind(on).bind(ts).bind(r.id_number.as_str()).execute(&mut *tx).await?;
                }
            }
            if let Some(e) = audit {
                (*tx).append_audit(&self.audit_keys(), e).await?;
            }
            tx.commit().await?;
        });
        Ok((ins, upd))
    }

    pub(crate) async fn start_job(
        &self,
        kind: &str,
        file_name: &str,
        sha: &str,
        actor: &Actor,
        scope: &str,
    ) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO import_jobs (kind, file_name, file_sha256, actor, scope, status, started_at) \
             VALUES ($1, $2, $3, $4, $5, 'running', $6) RETURNING id")
            .bind(kind).bind(file_name).bind(sha).bind(&actor.name).bind(scope).bind(now())
            .fetch_one(pool).await?))
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_header_variants_map_to_fields() {
        assert_eq!(header_key("身份证号码"), Some("id_number"));
        assert_eq!(header_key(" 公民身份号码 "), Some("id_number"));
        assert_eq!(header_key("*姓名（必填）"), Some("name"));
        assert_eq!(header_key("行政区划代码"), Some("hukou_division"));
        assert_eq!(header_key("户籍地区划代码"), Some("hukou_division"));
        assert_eq!(header_key("\u{feff}身份证号"), Some("id_number"));
        assert_eq!(header_key("爱好"), None);
    }

    #[test]
    fn a_file_without_an_id_column_is_refused_with_a_hint() {
        let err = ColumnMap::from_headers(&["姓名".into(), "区划代码".into()]).unwrap_err();
        assert!(err.to_string().contains("身份证号"));
    }

    #[test]
    fn gb18030_csv_from_chinese_excel_is_read() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("姓名,身份证号\n张三,11010519491231002X\n");
        let sheet = read_csv_bytes(&bytes).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "身份证号"]);
        assert_eq!(
            sheet.rows[0],
            (2, vec!["张三".to_string(), "11010519491231002X".to_string()])
        );
    }

    #[test]
    fn the_upsert_only_overwrites_supplied_columns() {
        let map = ColumnMap::from_headers(&["姓名".into(), "身份证号".into(), "区划代码".into()]).unwrap();
        let sql = upsert_sql(2, &map, &|i| format!("${i}"));
        assert!(sql.contains("name = excluded.name"));
        assert!(!sql.contains("phone = excluded.phone"));
        assert!(sql.contains("$35,$36,1)"));
    }
}
