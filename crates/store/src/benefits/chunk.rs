//! Storing a chunk of a run: its lines, pending people and held lines, with the run's cursor
//! and counters, in one transaction (COPY on PostgreSQL, multi-row inserts on SQLite).

use yiyang_domain::benefits::hold::HoldReason;

use super::Line;
use crate::BeginWrite as _;
use crate::{Db, Result, Store};

impl Store {
    /// One row's placeholders `(…)` for `n` values after the first `before`.
    fn values(&self, before: usize, n: usize) -> String {
        let marks: Vec<String> = (1..=n).map(|k| self.ph(before + k)).collect();
        format!("({})", marks.join(","))
    }

    /// Writes one chunk's lines and advances the run's cursor, atomically.
    pub(super) async fn store_chunk(
        &self,
        run_id: i64,
        chunk: Chunk<'_>,
        cursor: i64,
        persons: i64,
        skipped: i64,
    ) -> Result<()> {
        let Chunk { lines, pending, held } = chunk;
        let fen: i64 = lines.iter().map(|l| l.amount_fen).sum();
        // The run's cursor and counters move in the same transaction as the chunk's lines,
        // and the chunk's pending people with them.
        // Placeholders by `Store::ph`: with `$N` SQLite looked each of thousands up by name,
        // and storing a million people's held lines took 22 s instead of a few.
        macro_rules! advance_cursor {
            ($tx:ident, $held:expr) => {{
                for batch in pending.chunks(500) {
                    let mut sql = String::from(
                        "INSERT INTO run_pending (run_id, person_id, benefit, payee_kind, payee, county, rule_id, pack_id) VALUES ",
                    );
                    for i in 0..batch.len() {
                        sql.push_str(if i == 0 { "" } else { "," });
                        sql.push_str(&self.values(i * 8, 8));
                    }
                    let mut q = sqlx::query(&sql);
                    for l in batch {
                        q = q
                            .bind(run_id)
                            .bind(l.person_id)
                            .bind(&l.benefit)
                            .bind(l.payee_kind.code())
                            .bind(&l.payee)
                            .bind(&l.county)
                            .bind(&l.rule_id)
                            .bind(&l.pack_id);
                    }
                    q.execute(&mut *$tx).await?;
                }
                for batch in $held.chunks(500) {
                    let mut sql = String::from(
                        "INSERT INTO run_held (run_id, person_id, benefit_month, benefit, kind, reason, county, amount_fen, \
                         rule_id, pack_id, pack_version) VALUES ",
                    );
                    for i in 0..batch.len() {
                        sql.push_str(if i == 0 { "" } else { "," });
                        sql.push_str(&self.values(i * 11, 11));
                    }
                    let mut q = sqlx::query(&sql);
                    for (l, reason) in batch {
                        q = q
                            .bind(run_id)
                            .bind(l.person_id)
                            .bind(&l.benefit_month)
                            .bind(&l.benefit)
                            .bind(l.kind.code())
                            .bind(reason.code())
                            .bind(&l.county)
                            .bind(l.amount_fen)
                            .bind(&l.rule_id)
                            .bind(&l.pack_id)
                            .bind(&l.pack_version);
                    }
                    q.execute(&mut *$tx).await?;
                }
                sqlx::query(
                    "UPDATE benefit_runs SET cursor = $2, persons = persons + $3, lines = lines + $4, \
                     total_fen = total_fen + $5, skipped = skipped + $6, pending = pending + $7 WHERE id = $1",
                )
                .bind(run_id)
                .bind(cursor)
                .bind(persons)
                .bind(lines.len() as i64)
                .bind(fen)
                .bind(skipped)
                .bind(pending.len() as i64)
                .execute(&mut *$tx)
                .await?
            }};
        }
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                for batch in lines.chunks(1000) {
                    let mut sql = String::from(
                        "INSERT INTO payment_lines (run_id, person_id, benefit_month, benefit, kind, payee_kind, payee, \
                         county, amount_fen, rule_id, pack_id, pack_version) VALUES ",
                    );
                    for i in 0..batch.len() {
                        sql.push_str(if i == 0 {
                            "(?,?,?,?,?,?,?,?,?,?,?,?)"
                        } else {
                            ",(?,?,?,?,?,?,?,?,?,?,?,?)"
                        });
                    }
                    let mut q = sqlx::query(&sql);
                    for l in batch {
                        q = q
                            .bind(run_id)
                            .bind(l.person_id)
                            .bind(&l.benefit_month)
                            .bind(&l.benefit)
                            .bind(l.kind.code())
                            .bind(l.payee_kind.code())
                            .bind(&l.payee)
                            .bind(&l.county)
                            .bind(l.amount_fen)
                            .bind(&l.rule_id)
                            .bind(&l.pack_id)
                            .bind(&l.pack_version);
                    }
                    q.execute(&mut *tx).await?;
                }
                advance_cursor!(tx, held);
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                if !lines.is_empty() {
                    let mut buf = String::with_capacity(lines.len() * 160);
                    for l in lines {
                        use std::fmt::Write;
                        let _ = writeln!(
                            buf,
                            "{run_id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                            l.person_id,
                            copy_text(&l.benefit_month),
                            copy_text(&l.benefit),
                            l.kind.code(),
                            l.payee_kind.code(),
                            copy_text(&l.payee),
                            copy_text(&l.county),
                            l.amount_fen,
                            copy_text(&l.rule_id),
                            copy_text(&l.pack_id),
                            copy_text(&l.pack_version)
                        );
                    }
                    copy_in(
                        &mut tx,
                        "COPY payment_lines (run_id, person_id, benefit_month, benefit, kind, payee_kind, payee, \
                         county, amount_fen, rule_id, pack_id, pack_version) FROM STDIN",
                        buf,
                    )
                    .await?;
                }
                // Held lines by COPY too: thousands of bound parameters cost PostgreSQL a
                // second a million lines to parse.
                if !held.is_empty() {
                    let mut buf = String::with_capacity(held.len() * 120);
                    for (l, reason) in held {
                        use std::fmt::Write;
                        let _ = writeln!(
                            buf,
                            "{run_id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                            l.person_id,
                            copy_text(&l.benefit_month),
                            copy_text(&l.benefit),
                            l.kind.code(),
                            reason.code(),
                            copy_text(&l.county),
                            l.amount_fen,
                            copy_text(&l.rule_id),
                            copy_text(&l.pack_id),
                            copy_text(&l.pack_version)
                        );
                    }
                    copy_in(
                        &mut tx,
                        "COPY run_held (run_id, person_id, benefit_month, benefit, kind, reason, county, amount_fen, \
                         rule_id, pack_id, pack_version) FROM STDIN",
                        buf,
                    )
                    .await?;
                }
                let none: &[(Line, HoldReason)] = &[];
                advance_cursor!(tx, none);
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// Sends `rows` (COPY text format, one line per row) to PostgreSQL by `sql`.
async fn copy_in(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, sql: &str, rows: String) -> Result<()> {
    let mut copy = tx.copy_in_raw(sql).await?;
    copy.send(rows.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// One chunk's lines as stored: paid, pending (待定) and held (暂停).
pub(super) struct Chunk<'a> {
    pub(super) lines: &'a [Line],
    pub(super) pending: &'a [Line],
    pub(super) held: &'a [(Line, HoldReason)],
}

/// PostgreSQL COPY text format: backslash, tab and line ends escaped.
fn copy_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\\', '\t', '\n', '\r']) {
        s.replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .into()
    } else {
        s.into()
    }
}
