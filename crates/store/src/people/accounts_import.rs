//! Payment accounts in bulk (发放账户导入): a row whose ID number is registered inside the
//! importer's area under the row's name sets that person's account, checked as on the person's
//! page; a row of another name, of a number not in the area (the same words as an unknown one),
//! or with a wrong field is reported by row, in Chinese, and the rest goes on. A row that
//! changes nothing is counted as such; an account set releases payment held for want of one.
//! The file is audited once with its counts; each account keeps who set it and when.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use yiyang_domain::person::account::Holder;
use yiyang_domain::person::account_file::{account_column_label, AccountColumns, AccountRow};
use yiyang_domain::person::death_file::same_name;

use crate::audit::Actor;
use crate::import::read_sheet;
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Rows one file may hold: a county's register.
pub const MAX_ACCOUNT_ROWS: usize = 200_000;
/// Rows a report lists by number; the rest are counted.
const REPORTED: usize = 200;
const LOOKUP: usize = 500;

/// What an import of accounts did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountImport {
    pub rows: usize,
    pub set: usize,
    pub unchanged: usize,
    pub released: usize,
    pub not_found: usize,
    /// Rows not taken (a wrong field, another name): (row, what), the first ones.
    pub problems: Vec<(i64, String)>,
    pub problem_count: usize,
}

impl AccountImport {
    fn problem(&mut self, row: i64, what: String) {
        self.problem_count += 1;
        if self.problems.len() < REPORTED {
            self.problems.push((row, what));
        }
    }
}

/// (person, channel, bank, number, holder, holder's ID number, relation) as stored.
type Stored = (i64, String, String, String, String, String, String);

impl Store {
    /// Imports the accounts file at `path` for people inside `scope`.
    pub async fn import_accounts(
        &self,
        path: &Path,
        file_name: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<AccountImport> {
        let sheet = read_sheet(path)?;
        let columns = AccountColumns::from_headers(&sheet.headers).map_err(StoreError::File)?;
        if sheet.rows.len() > MAX_ACCOUNT_ROWS {
            return Err(StoreError::File(format!(
                "文件有 {} 行，超过每个文件 {MAX_ACCOUNT_ROWS} 行的上限，请分成几个文件导入",
                sheet.rows.len()
            )));
        }
        let mut report = AccountImport::default();
        // The last row for a person wins.
        let mut rows: HashMap<String, AccountRow> = HashMap::new();
        for (row_no, cells) in &sheet.rows {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            report.rows += 1;
            match columns.parse(*row_no, cells) {
                Ok(r) => {
                    rows.insert(r.id_number.as_str().to_string(), r);
                }
                Err(errors) => report.problem(*row_no, describe(&errors)),
            }
        }
        let mut rows: Vec<AccountRow> = rows.into_values().collect();
        rows.sort_by_key(|r| r.row_no);
        let (lo, hi) = scope_range(scope);
        let at = now();
        for part in rows.chunks(LOOKUP) {
            let marks: Vec<String> = (0..part.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "SELECT p.id, p.id_number, p.name, COALESCE(a.channel, ''), COALESCE(a.bank, ''), \
                 COALESCE(a.account_number, ''), COALESCE(a.holder_name, ''), COALESCE(a.holder_id_number, ''), \
                 COALESCE(a.holder_relation, '') FROM persons p LEFT JOIN payment_accounts a ON a.person_id = p.id \
                 WHERE ((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 \
                 AND p.residence_division < $2)) AND p.id_number IN ({})",
                marks.join(", ")
            );
            type Found = (i64, String, String, String, String, String, String, String, String);
            let found: Vec<Found> = with_pool!(self, pool => {
                let mut q = sqlx::query_as(&sql).bind(&lo).bind(&hi);
                for r in part {
                    q = q.bind(r.id_number.as_str());
                }
                q.fetch_all(pool).await?
            });
            let mut changed: Vec<Stored> = Vec::new();
            for r in part {
                let Some(f) = found.iter().find(|f| f.1 == r.id_number.as_str()) else {
                    report.not_found += 1;
                    report.problem(r.row_no, "身份证号：本辖区登记册中无此人".into());
                    continue;
                };
                if !same_name(&f.2, &r.name) {
                    report.problem(r.row_no, format!("姓名：文件中的姓名“{}”与登记的姓名不一致", r.name));
                    continue;
                }
                let account = match r.account.parse(&f.2, &f.1) {
                    Ok(a) => a,
                    Err(errors) => {
                        report.problem(r.row_no, describe(&errors));
                        continue;
                    }
                };
                let (holder_id, relation) = match &account.holder {
                    Holder::Own => (String::new(), String::new()),
                    Holder::Agent {
                        id_number, relation, ..
                    } => (id_number.as_str().to_string(), relation.clone()),
                };
                let new: Stored = (
                    f.0,
                    account.channel.code().to_string(),
                    account.bank.clone(),
                    account.number.as_str().to_string(),
                    account.holder_name(&f.2).to_string(),
                    holder_id,
                    relation,
                );
                let old = (
                    f.0,
                    f.3.clone(),
                    f.4.clone(),
                    f.5.clone(),
                    f.6.clone(),
                    f.7.clone(),
                    f.8.clone(),
                );
                if new == old {
                    report.unchanged += 1;
                } else {
                    changed.push(new);
                }
            }
            report.set += changed.len();
            report.released += self.store_accounts(&changed, at, actor).await?;
        }
        self.audit(&actor.entry(
            "import_accounts",
            "payment_accounts",
            scope,
            serde_json::json!({"file": file_name.chars().take(100).collect::<String>(), "rows": report.rows,
                               "set": report.set, "unchanged": report.unchanged, "released": report.released,
                               "not_found": report.not_found, "problems": report.problem_count}),
        ))
        .await?;
        Ok(report)
    }

    /// Writes accounts in one transaction, releasing what runs held for want of them; returns
    /// how many people were released.
    async fn store_accounts(
        &self,
        accounts: &[Stored],
        at: chrono::DateTime<chrono::Utc>,
        actor: &Actor,
    ) -> Result<usize> {
        if accounts.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = accounts.iter().map(|a| a.0).collect();
        let held = self.first_held_months(&ids).await?;
        let blank = |s: &String| (!s.is_empty()).then(|| s.clone());
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (id, channel, bank, number, holder, holder_id, relation) in accounts {
                sqlx::query(super::accounts::UPSERT_ACCOUNT)
                    .bind(id).bind(channel).bind(bank).bind(number).bind(holder).bind(blank(holder_id))
                    .bind(blank(relation)).bind(&actor.name).bind(at).execute(&mut *tx).await?;
                if let Some(from) = held.get(id) {
                    sqlx::query("INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at) \
                                 VALUES ($1, 'released', 'no_account', NULL, $2, $3)")
                        .bind(id).bind(from).bind(at).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
        });
        Ok(held.len())
    }
}

/// Every problem of a row, each naming its column.
fn describe(errors: &[yiyang_domain::person::FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}：{}", account_column_label(&e.field), e.message))
        .collect::<Vec<_>>()
        .join("；")
}
