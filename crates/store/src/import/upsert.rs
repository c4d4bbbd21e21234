//! The import job: rows validated in parallel with the register's rules, upserted by ID
//! number in chunks, each chunk committed with the job's progress (see the module above).

use std::collections::HashSet;
use std::path::Path;

use sha2::{Digest, Sha256};
use yiyang_domain::person::PersonRecord;

use super::*;
use crate::audit::{Actor, AuditAppend};
use crate::people::encode_categories;
use crate::BeginWrite as _;
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// The columns an upsert writes, in bind order, and whether the file supplies each (only
/// supplied columns are overwritten on an existing record; the rest are left as they are).
const UPSERT_COLUMNS: [&str; 18] = [
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
    // The name's search keys (`yiyang_domain::name_search`), written with the name.
    "name_initials",
    "given_name",
];

fn upsert_sql(rows: usize, map: &ColumnMap, ph: &dyn Fn(usize) -> String) -> String {
    // 18 fields + created_at + updated_at, each bound in order.
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
            "name_initials" | "given_name" => map.has("name"),
            other => map.has(other),
        })
        .collect();
    let set: Vec<String> = updatable.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    // The search keys follow from the name: a row differs only when a field of its own does.
    let differs: Vec<String> = updatable
        .iter()
        .filter(|c| !matches!(**c, "name_initials" | "given_name"))
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
                 SELECT u.*, $19::timestamptz, $19::timestamptz, 1 FROM UNNEST($1::text[], $2::text[], $3::text[], \
                 $4::date[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[], \
                 $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) AS u {}",
                UPSERT_COLUMNS.join(", "),
                conflict_sql(map)
            );
            let col = |f: &dyn Fn(&PersonRecord) -> Option<String>| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
            let keys: Vec<_> = rows.iter().map(|r| yiyang_domain::name_search::keys(&r.name)).collect();
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
                .bind(keys.iter().map(|k| k.initials.as_str()).collect::<Vec<_>>())
                .bind(keys.iter().map(|k| k.given.as_str()).collect::<Vec<_>>())
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
                    let keys = yiyang_domain::name_search::keys(&r.name);
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
                        .bind(keys.initials)
                        .bind(keys.given)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upsert_only_overwrites_supplied_columns() {
        let map = ColumnMap::from_headers(&["姓名".into(), "身份证号".into(), "区划代码".into()]).unwrap();
        let sql = upsert_sql(2, &map, &|i| format!("${i}"));
        assert!(sql.contains("name = excluded.name"));
        assert!(!sql.contains("phone = excluded.phone"));
        // 18 columns and the two timestamps a row: the second row ends at $40.
        assert!(sql.contains("$39,$40,1)"));
        // The name's search keys are written with the name, and never make a row "differ".
        assert!(sql.contains("name_initials = excluded.name_initials"));
        assert!(!sql.contains("persons.name_initials IS DISTINCT"));
    }
}
