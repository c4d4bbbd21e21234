//! What a run shows: totals, pages of lines, the exports, the what-if and one person's month
//! explained.

use std::path::{Path, PathBuf};

use serde::Serialize;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::program::BenefitTrace;
use yiyang_domain::policy::{Facts, MonthProgram, Pack, Payee};
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::DivisionCode;

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

use super::run::person_select;
use super::run::to_person;
use super::run::PersonRow;
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub run: RunInfo,
    /// The run existed and was complete: nothing was computed.
    pub already_complete: bool,
    /// The run had been interrupted and was continued from its last chunk.
    pub resumed: bool,
    pub backpay_lines: i64,
    /// Lines recovering an earlier overpayment (negative amounts).
    pub recovery_lines: i64,
}

/// One county's line of a what-if.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WhatIfRow {
    pub county: String,
    pub affected: i64,
    pub before_fen: i64,
    pub after_fen: i64,
}

/// Totals of a run by county and benefit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunTotal {
    pub county: String,
    pub benefit: String,
    pub kind: String,
    pub count: i64,
    pub amount_fen: i64,
}

/// 正常 / 补发 / 追回 / 待定 for a stored line's kind.
pub fn line_kind_label(kind: &str) -> &'static str {
    LineKind::parse(kind).map_or("", LineKind::label)
}

impl RunTotal {
    pub fn kind_label(&self) -> &'static str {
        line_kind_label(&self.kind)
    }
}

impl StoredLine {
    pub fn kind_label(&self) -> &'static str {
        line_kind_label(&self.kind)
    }
}

/// A stored line with the person's name and ID number, for exports and pages.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredLine {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub benefit_month: String,
    pub benefit: String,
    pub kind: String,
    pub payee_kind: String,
    pub payee: String,
    pub county: String,
    pub amount_fen: i64,
    pub rule_id: String,
    pub clause: String,
    pub pack_id: String,
    pub pack_version: String,
    pub run_id: i64,
    /// The benefit's name in its pack (高龄津贴), for files and pages.
    #[sqlx(default)]
    pub benefit_title: String,
    /// The rule's title in its pack (80 至 89 周岁), for files.
    #[sqlx(default)]
    pub rule_title: String,
    /// The paid institution's name, for a line paid to an institution.
    #[sqlx(default)]
    pub payee_name: String,
    /// The payment account: frozen at approval for an approved run, as the register has it
    /// before; empty where the register has none (a bank file cannot pay such a line).
    #[sqlx(default)]
    pub channel: String,
    #[sqlx(default)]
    pub bank: String,
    #[sqlx(default)]
    pub account_number: String,
    /// 户名: the person, or the agent (代领人) who holds the account.
    #[sqlx(default)]
    pub holder_name: String,
    /// The agent's ID number when an agent holds the account; empty for the person's own.
    #[sqlx(default)]
    pub holder_id_number: String,
    /// The county's name, filled in from the division reference after the query.
    #[sqlx(skip)]
    pub county_name: String,
}

/// What of a run a bank pays ([`Store::bank_figures`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BankFigures {
    pub with_account: i64,
    pub with_account_fen: i64,
    pub without_account: i64,
    pub without_account_fen: i64,
}

/// A person's month explained: for each payer's pack, the facts and every rule's outcome;
/// and what was stored.
pub struct PersonMonth<'p> {
    pub person: PersonFacts,
    pub month: Month,
    /// The pack of the person's household registration, for benefits paid to the person.
    pub own: Option<PackExplanation<'p>>,
    /// The pack where the person's institution is, for benefits paid to the institution per
    /// resident-month (it can differ from the registration's: someone registered in one
    /// county may live in another county's home).
    pub institution: Option<PackExplanation<'p>>,
    pub payable: bool,
    pub lines: Vec<StoredLine>,
}

/// One pack's part of a month: the facts its rules read and the benefits of one payee kind.
pub struct PackExplanation<'p> {
    pub program: MonthProgram<'p>,
    pub facts: Facts,
    pub traces: Vec<BenefitTrace>,
    /// The institution (its platform code) for the institution part.
    pub institution: Option<String>,
}

impl Store {
    /// Totals by county, benefit and kind; they sum to the run's total.
    pub async fn run_totals(&self, run_id: i64) -> Result<Vec<RunTotal>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT county, benefit, kind, COUNT(*) AS count, CAST(SUM(amount_fen) AS BIGINT) AS amount_fen FROM payment_lines \
             WHERE run_id = $1 GROUP BY county, benefit, kind ORDER BY county, benefit, kind")
            .bind(run_id).fetch_all(pool).await?))
    }

    pub async fn run_lines(&self, run_id: i64, county: Option<&str>, benefit: Option<&str>) -> Result<Vec<StoredLine>> {
        Ok(self.run_lines_page(run_id, county, benefit, i64::MAX, 0).await?.0)
    }

    /// One page of a run's lines (in the order of the disbursement files) and how many there
    /// are in all, for pages and the API: a province's run has millions.
    pub async fn run_lines_page(
        &self,
        run_id: i64,
        county: Option<&str>,
        benefit: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<StoredLine>, i64)> {
        let (county, benefit) = (county.unwrap_or(""), benefit.unwrap_or(""));
        let sql =
            "SELECT l.person_id, COALESCE(f.name, p.name) AS name, COALESCE(f.id_number, p.id_number) AS id_number, \
                   l.benefit_month, l.benefit, l.kind, l.payee_kind, l.payee, \
                   l.county, l.amount_fen, l.rule_id, COALESCE(r.clause, '') AS clause, l.pack_id, l.pack_version, l.run_id, \
                   COALESCE(t.title, l.benefit) AS benefit_title, COALESCE(r.title, '') AS rule_title, \
                   COALESCE(i.name, '') AS payee_name, COALESCE(f.channel, a.channel, '') AS channel, \
                   COALESCE(f.bank, a.bank, '') AS bank, COALESCE(f.account_number, a.account_number, '') AS account_number, \
                   COALESCE(f.holder_name, a.holder_name, '') AS holder_name, \
                   COALESCE(f.holder_id_number, a.holder_id_number, '') AS holder_id_number \
                   FROM payment_lines l JOIN persons p ON p.id = l.person_id \
                   LEFT JOIN institutions i ON l.payee_kind = 'institution' AND i.code = l.payee \
                   LEFT JOIN run_payees f ON f.run_id = l.run_id AND f.person_id = l.person_id \
                   LEFT JOIN payment_accounts a ON f.person_id IS NULL AND a.person_id = l.person_id \
                   LEFT JOIN benefit_titles t ON t.pack_id = l.pack_id AND t.pack_version = l.pack_version AND t.benefit = l.benefit \
                   LEFT JOIN benefit_rules r ON r.pack_id = l.pack_id AND r.pack_version = l.pack_version AND r.rule_id = l.rule_id \
                   WHERE l.run_id = $1 AND ($2 = '' OR l.county = $2) AND ($3 = '' OR l.benefit = $3) \
                   ORDER BY l.county, l.benefit, l.payee, l.person_id, l.benefit_month, l.kind LIMIT $4 OFFSET $5";
        let mut lines: Vec<StoredLine> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(run_id).bind(county).bind(benefit).bind(limit).bind(offset.max(0)).fetch_all(pool).await?);
        let reference = self.reference();
        for l in &mut lines {
            l.county_name = reference.division_name(&l.county).unwrap_or("").to_string();
        }
        let total: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM payment_lines l WHERE l.run_id = $1 AND ($2 = '' OR l.county = $2) AND ($3 = '' OR l.benefit = $3)")
            .bind(run_id).bind(county).bind(benefit).fetch_one(pool).await?);
        Ok((lines, total))
    }

    /// The disbursement workbook of an approved run, for download; marks the run exported.
    pub async fn export_workbook(
        &self,
        run_id: i64,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<Vec<u8>> {
        let (run, lines) = self.exportable_run(run_id, role, scope).await?;
        let cover = self.payment_cover(&run, user);
        let bytes = crate::disbursement::workbook(&run, &lines, &cover).map_err(|e| StoreError::File(e.to_string()))?;
        self.mark_exported(
            &run,
            user,
            serde_json::json!({"lines": lines.len(), "total_fen": run.total_fen}),
            actor,
        )
        .await?;
        Ok(bytes)
    }

    /// The bank's file of an approved run (代发文件): only lines a bank pays, to the accounts
    /// frozen at approval, under a control record of their count and total. Audited as an
    /// export.
    pub async fn export_bank_file(
        &self,
        run_id: i64,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<crate::disbursement::BankFile> {
        let (run, lines) = self.exportable_run(run_id, role, scope).await?;
        let area = self.reference().division_name(&run.scope).unwrap_or("").to_string();
        let file = crate::disbursement::bank_file(&run, &lines, &area).map_err(|e| StoreError::File(e.to_string()))?;
        self.mark_exported(
            &run,
            user,
            serde_json::json!({"file": "bank", "lines": file.count, "total_fen": file.total_fen}),
            actor,
        )
        .await?;
        Ok(file)
    }

    /// The lines of an approved run a bank would pay but cannot for want of an account
    /// (缺少账户清单), as a CSV; `None` when every such line has one.
    pub async fn missing_accounts_file(&self, run_id: i64, role: Role, scope: &str) -> Result<Option<Vec<u8>>> {
        let (_, lines) = self.exportable_run(run_id, role, scope).await?;
        Ok(crate::disbursement::missing_accounts(&lines)
            .map_err(|e| StoreError::File(e.to_string()))?
            .map(|(bytes, _, _)| bytes))
    }

    /// What of a run the bank pays, for its page: (lines with an account, their fen; lines
    /// without, their fen), over the positive lines paid to people. The account is the one
    /// frozen at approval, or the register's before.
    pub async fn bank_figures(&self, run_id: i64) -> Result<BankFigures> {
        let rows: Vec<(i64, i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT CAST(CASE WHEN COALESCE(f.account_number, a.account_number, '') = '' THEN 0 ELSE 1 END AS BIGINT) AS has, \
             COUNT(*), CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT) FROM payment_lines l \
             LEFT JOIN run_payees f ON f.run_id = l.run_id AND f.person_id = l.person_id \
             LEFT JOIN payment_accounts a ON f.person_id IS NULL AND a.person_id = l.person_id \
             WHERE l.run_id = $1 AND l.payee_kind = 'person' AND l.kind <> 'recovery' AND l.amount_fen > 0 \
             GROUP BY 1")
            .bind(run_id).fetch_all(pool).await?);
        let mut out = BankFigures::default();
        for (has, n, fen) in rows {
            if has == 1 {
                (out.with_account, out.with_account_fen) = (n, fen);
            } else {
                (out.without_account, out.without_account_fen) = (n, fen);
            }
        }
        Ok(out)
    }

    /// What a run's payment file says on its cover: the run's area by its full name, and who
    /// prepared, reviewed, approved and now exports it, by name, with when (local time).
    fn payment_cover(&self, run: &RunInfo, exporter: &str) -> crate::disbursement::Cover {
        let names = self.user_names();
        let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        };
        let mut signers = vec![(
            "经办",
            names.of(&run.created_by),
            when(run.computed_at.or(Some(run.created_at))),
        )];
        if let Some(u) = &run.reviewed_by {
            signers.push(("审核", names.of(u), when(run.reviewed_at)));
        }
        if let Some(u) = &run.approved_by {
            signers.push(("审批", names.of(u), when(run.approved_at)));
        }
        signers.push(("导出", names.of(exporter), when(Some(now()))));
        crate::disbursement::Cover {
            area: self.reference().division_path(&run.scope),
            signers,
        }
    }

    /// A run `role` may export in `scope`, with its lines. A run outside the approver's scope
    /// does not exist for them (a township approver once exported a county's run with 1,203
    /// full ID numbers); only an approved run is paid out.
    async fn exportable_run(&self, run_id: i64, role: Role, scope: &str) -> Result<(RunInfo, Vec<StoredLine>)> {
        let run = self.benefit_run(run_id).await?;
        if !role.may(Permission::BenefitApprove) {
            return Err(StoreError::Forbidden(format!("{}无权导出发放文件", role.label())));
        }
        if !run.scope.starts_with(scope) {
            return Err(StoreError::NotFound);
        }
        if !run.status.is_final() {
            return Err(StoreError::Refused(format!(
                "批次状态为“{}”，审批后才能导出",
                run.status.label()
            )));
        }
        let lines = self.run_lines(run_id, None, None).await?;
        Ok((run, lines))
    }

    /// Marks `run` exported — who and when of the first export kept — and audits this export.
    async fn mark_exported(&self, run: &RunInfo, user: &str, detail: serde_json::Value, actor: &Actor) -> Result<()> {
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE benefit_runs SET status = 'exported', exported_by = COALESCE(exported_by, $2), \
                         exported_at = COALESCE(exported_at, $3) WHERE id = $1")
                .bind(run.id).bind(user).bind(at).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("export", "benefit_run", run.id, detail)).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// What-if over the register: `before` and `after` applied to everyone in `scope`, by county.
    pub async fn what_if(
        &self,
        scope: &str,
        month: Month,
        before: &MonthProgram<'_>,
        after: &MonthProgram<'_>,
    ) -> Result<Vec<WhatIfRow>> {
        let mut rows: std::collections::BTreeMap<String, WhatIfRow> = std::collections::BTreeMap::new();
        let mut cursor = 0;
        loop {
            let people = self.load_people(scope, month, cursor, DEFAULT_CHUNK).await?;
            let Some(last) = people.last().map(|p| p.id) else { break };
            cursor = last;
            for p in people.iter().filter(|p| p.hukou_division.starts_with(scope)) {
                let a: i64 = person_lines(p, month, before, LineKind::Regular)
                    .iter()
                    .map(|l| l.amount_fen)
                    .sum();
                let b: i64 = person_lines(p, month, after, LineKind::Regular)
                    .iter()
                    .map(|l| l.amount_fen)
                    .sum();
                let county: String = p.hukou_division.chars().take(6).collect();
                let r = rows.entry(county.clone()).or_insert_with(|| WhatIfRow {
                    county,
                    ..WhatIfRow::default()
                });
                r.before_fen += a;
                r.after_fen += b;
                r.affected += (a != b) as i64;
            }
        }
        Ok(rows.into_values().collect())
    }

    /// Writes the disbursement files of an approved run into `dir`: per benefit and county a
    /// CSV and an .xlsx, plus `汇总.csv` whose total equals the run's. Marks the run exported.
    pub async fn export_run(
        &self,
        run_id: i64,
        user: &str,
        role: Role,
        scope: &str,
        dir: &Path,
        actor: &Actor,
    ) -> Result<Vec<PathBuf>> {
        let (run, lines) = self.exportable_run(run_id, role, scope).await?;
        std::fs::create_dir_all(dir).map_err(|e| StoreError::File(e.to_string()))?;
        let area = self.reference().division_name(&run.scope).unwrap_or("").to_string();
        let files =
            crate::disbursement::write_files(&run, &lines, &area, dir).map_err(|e| StoreError::File(e.to_string()))?;
        let detail = serde_json::json!({"files": files.len(), "lines": lines.len(), "total_fen": run.total_fen});
        self.mark_exported(&run, user, detail, actor).await?;
        Ok(files)
    }

    /// One person's month: facts, rules and stored lines.
    pub async fn person_month<'p>(&self, person_id: i64, month: Month, packs: &'p [Pack]) -> Result<PersonMonth<'p>> {
        let sql = person_select("id = $1");
        let row: Option<PersonRow> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_optional(pool).await?);
        let mut people = vec![to_person(row.ok_or(StoreError::NotFound)?)?];
        self.attach_facts(&mut people).await?;
        let person = people.pop().expect("one");
        let (d0, d1) = (month.first_day(), month.last_day());
        let pack_for = |division: &str| {
            let code = DivisionCode::from_canonical(division.to_string());
            packs
                .iter()
                .filter(|p| p.in_force(d0, d1) && p.jurisdiction.as_ref().is_some_and(|j| j.contains(&code)))
                .max_by_key(|p| p.jurisdiction.as_ref().map_or(0, |j| j.as_str().len()))
        };
        let payable = person.payable(month);
        let explain = |pack: &'p Pack, payee: Payee, institution: Option<String>| {
            let program = MonthProgram::direct(pack, month);
            let facts = person.facts(month, pack);
            let traces = if payable {
                program
                    .explain(&facts)
                    .into_iter()
                    .filter(|t| pack.benefits[t.benefit].payee == payee)
                    .collect()
            } else {
                Vec::new()
            };
            PackExplanation {
                program,
                facts,
                traces,
                institution,
            }
        };
        let own = pack_for(&person.hukou_division).map(|p| explain(p, Payee::Person, None));
        let institution = person
            .stay(month)
            .and_then(|s| pack_for(&s.division).map(|p| explain(p, Payee::Institution, Some(s.institution.clone()))));
        let lines: Vec<StoredLine> = with_pool!(self, pool => sqlx::query_as(
            "SELECT l.person_id, p.name, p.id_number, l.benefit_month, l.benefit, l.kind, l.payee_kind, l.payee, \
             l.county, l.amount_fen, l.rule_id, COALESCE(r.clause, '') AS clause, l.pack_id, l.pack_version, l.run_id \
             FROM payment_lines l JOIN persons p ON p.id = l.person_id \
                   LEFT JOIN benefit_rules r ON r.pack_id = l.pack_id AND r.pack_version = l.pack_version AND r.rule_id = l.rule_id \
             WHERE l.person_id = $1 AND l.benefit_month = $2 ORDER BY l.benefit, l.kind")
            .bind(person_id).bind(month.to_string()).fetch_all(pool).await?);
        Ok(PersonMonth {
            person,
            month,
            own,
            institution,
            payable,
            lines,
        })
    }
}
