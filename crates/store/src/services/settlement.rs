//! Monthly settlement of purchased services, per provider: every order of the month that the
//! government shares in is judged on its record ("no record, no pay"); the statement goes
//! 经办 → 审核 → 审批 (three different people) and then into a payment file with the provider's
//! account. An order lies in one statement only (a unique line), so it is never paid twice; a
//! statement is prepared again only while nobody has reviewed it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyang_domain::dates::Month;
use yiyang_domain::services::settlement::{reasons, Record, StatementStatus, Unpayable};

use super::meals::ServedMeal;
use super::orders::{Order, OrderViewer};
use super::{day_start, Provider, TOLERANCE_SETTING};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Statement {
    pub id: i64,
    pub provider_id: i64,
    pub provider_name: String,
    pub month: String,
    pub status: String,
    pub payable_count: i64,
    pub payable_fen: i64,
    pub unpayable_count: i64,
    pub prepared_by: String,
    pub prepared_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub approved_by: Option<String>,
    pub returned_note: Option<String>,
}

impl Statement {
    pub fn status(&self) -> StatementStatus {
        StatementStatus::parse(&self.status).unwrap_or(StatementStatus::Prepared)
    }
    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }
    pub fn payable(&self) -> String {
        yiyang_domain::Fen(self.payable_fen).to_string()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementLine {
    pub order: Order,
    pub payable: bool,
    pub gov_fen: i64,
    pub reasons: Vec<Unpayable>,
}

impl StatementLine {
    pub fn reason_text(&self) -> String {
        self.reasons.iter().map(|r| r.label()).collect::<Vec<_>>().join("；")
    }
    pub fn gov(&self) -> String {
        yiyang_domain::Fen(self.gov_fen).to_string()
    }
}

/// A meal on a statement.
#[derive(Debug, Clone, Serialize)]
pub struct MealLine {
    pub meal: ServedMeal,
    pub payable: bool,
    pub gov_fen: i64,
    pub reasons: Vec<Unpayable>,
}

impl MealLine {
    pub fn reason_text(&self) -> String {
        self.reasons.iter().map(|r| r.label()).collect::<Vec<_>>().join("；")
    }
    pub fn gov(&self) -> String {
        yiyang_domain::Fen(self.gov_fen).to_string()
    }
}

const SELECT: &str =
    "SELECT s.id, s.provider_id, v.name AS provider_name, s.month, s.status, s.payable_count, s.payable_fen, \
    s.unpayable_count, s.prepared_by, s.prepared_at, s.reviewed_by, s.approved_by, s.returned_note \
    FROM service_statements s JOIN providers v ON v.id = s.provider_id";

impl Store {
    /// Statements of providers registered in `scope`, newest month first.
    pub async fn statements_in(&self, scope: &str) -> Result<Vec<Statement>> {
        let (lo, hi) = scope_range(scope);
        let sql =
            format!("{SELECT} WHERE v.division >= $1 AND v.division < $2 ORDER BY s.month DESC, v.name LIMIT 500");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    pub async fn statement_in(&self, id: i64, scope: &str) -> Result<Option<Statement>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!("{SELECT} WHERE s.id = $3 AND v.division >= $1 AND v.division < $2");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(id).fetch_optional(pool).await?))
    }

    /// The statement's lines with their orders (the division's view of them).
    pub async fn statement_lines(&self, s: &Statement, scope: &str) -> Result<Vec<StatementLine>> {
        let rows: Vec<(i64, bool, i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT order_id, payable, gov_fen, reasons FROM service_statement_lines WHERE statement_id = $1 ORDER BY order_id")
            .bind(s.id).fetch_all(pool).await?);
        let mut out = Vec::with_capacity(rows.len());
        for (order_id, payable, gov_fen, r) in rows {
            if let Some(order) = self.order_visible(order_id, "", &OrderViewer::Division).await? {
                let _ = scope;
                out.push(StatementLine {
                    order,
                    payable,
                    gov_fen,
                    reasons: r.split(',').filter_map(Unpayable::parse).collect(),
                });
            }
        }
        Ok(out)
    }

    /// The statement's meal lines.
    pub async fn statement_meals(&self, s: &Statement) -> Result<Vec<MealLine>> {
        let sql = format!(
            "{} JOIN service_statement_meals l ON l.meal_id = m.id WHERE l.statement_id = $1 ORDER BY m.served_on, m.id",
            super::meals::MEALS
        );
        let meals: Vec<ServedMeal> = with_pool!(self, pool => sqlx::query_as(&sql).bind(s.id).fetch_all(pool).await?);
        let flags: Vec<(i64, bool, i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT meal_id, payable, gov_fen, reasons FROM service_statement_meals WHERE statement_id = $1")
            .bind(s.id).fetch_all(pool).await?);
        Ok(meals
            .into_iter()
            .filter_map(|m| {
                let (_, payable, gov_fen, r) = flags.iter().find(|f| f.0 == m.id)?.clone();
                Some(MealLine {
                    meal: m,
                    payable,
                    gov_fen,
                    reasons: r.split(',').filter_map(Unpayable::parse).collect(),
                })
            })
            .collect())
    }

    /// Prepares (or prepares again, while unreviewed) the statement of `provider` for `month`,
    /// a month that has ended by `at`.
    pub async fn prepare_statement(
        &self,
        provider: &Provider,
        month: Month,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let end = day_start(month.last_day() + chrono::Days::new(1));
        if end > at {
            return Err(StoreError::Refused("只能结算已经结束的月份".into()));
        }
        let existing: Option<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, status FROM service_statements WHERE provider_id = $1 AND month = $2")
            .bind(provider.id).bind(month.to_string()).fetch_optional(pool).await?);
        if let Some((_, st)) = &existing {
            if !matches!(
                StatementStatus::parse(st),
                Some(StatementStatus::Prepared | StatementStatus::Returned)
            ) {
                return Err(StoreError::Refused("该月结算单已审核，不能重新生成".into()));
            }
        }
        let tolerance = self.supervision_setting(TOLERANCE_SETTING, &provider.division).await?;
        let orders = self
            .orders_visible(
                "",
                &OrderViewer::Provider(provider.id),
                day_start(month.first_day()),
                end,
                5000,
            )
            .await?;
        let this = existing.as_ref().map_or(0, |e| e.0);
        let elsewhere: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT l.order_id FROM service_statement_lines l JOIN service_orders o ON o.id = l.order_id \
             WHERE o.provider_id = $1 AND l.statement_id <> $2")
            .bind(provider.id).bind(this).fetch_all(pool).await?);
        let mut lines = Vec::new();
        for o in orders
            .into_iter()
            .filter(|o| o.gov_units > 0 && o.status().holds_hours() && !elsewhere.contains(&o.id))
        {
            let r = reasons(&Record {
                check_in: o.check_in_at,
                check_out: o.check_out_at,
                in_m: o.check_in_m,
                out_m: o.check_out_m,
                tolerance_m: tolerance,
                standard_minutes: o.unit_minutes * o.units,
                confirmed: o.status() == yiyang_domain::services::order::OrderStatus::Confirmed,
            });
            let pay = r.is_empty();
            lines.push((
                o.id,
                pay,
                if pay { o.gov_fen } else { 0 },
                r.iter().map(|x| x.code()).collect::<Vec<_>>().join(","),
            ));
        }
        // Meals the purchase shares in: paid only where the sitting kept its food sample.
        let meals_elsewhere: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT meal_id FROM service_statement_meals WHERE statement_id <> $1")
            .bind(this).fetch_all(pool).await?);
        let mut meal_lines = Vec::new();
        for (meal, gov, sampled) in self
            .meals_to_settle(provider.id, month.first_day(), month.last_day())
            .await?
        {
            if meals_elsewhere.contains(&meal) {
                continue;
            }
            let reason = if sampled { "" } else { Unpayable::NoSample.code() };
            meal_lines.push((meal, sampled, if sampled { gov } else { 0 }, reason.to_string()));
        }
        let payable_count = (lines.iter().filter(|l| l.1).count() + meal_lines.iter().filter(|l| l.1).count()) as i64;
        let payable_fen: i64 = lines.iter().map(|l| l.2).sum::<i64>() + meal_lines.iter().map(|l| l.2).sum::<i64>();
        let unpayable = (lines.len() + meal_lines.len()) as i64 - payable_count;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = match existing {
                Some((id, st)) => {
                    let n = sqlx::query("UPDATE service_statements SET status = 'prepared', payable_count = $2, payable_fen = $3, unpayable_count = $4, \
                        prepared_by = $5, prepared_at = $6, reviewed_by = NULL, reviewed_at = NULL WHERE id = $1 AND status = $7")
                        .bind(id).bind(payable_count).bind(payable_fen).bind(unpayable).bind(&actor.name).bind(now()).bind(&st)
                        .execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::Refused("结算单状态已变化，请刷新".into()));
                    }
                    sqlx::query("DELETE FROM service_statement_lines WHERE statement_id = $1").bind(id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM service_statement_meals WHERE statement_id = $1").bind(id).execute(&mut *tx).await?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO service_statements (provider_id, month, status, payable_count, payable_fen, unpayable_count, prepared_by, prepared_at) \
                     VALUES ($1, $2, 'prepared', $3, $4, $5, $6, $7) RETURNING id")
                    .bind(provider.id).bind(month.to_string()).bind(payable_count).bind(payable_fen).bind(unpayable)
                    .bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?,
            };
            for (order, pay, fen, r) in &lines {
                sqlx::query("INSERT INTO service_statement_lines (statement_id, order_id, payable, gov_fen, reasons) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id).bind(order).bind(pay).bind(fen).bind(r).execute(&mut *tx).await?;
            }
            for (meal, pay, fen, r) in &meal_lines {
                sqlx::query("INSERT INTO service_statement_meals (statement_id, meal_id, payable, gov_fen, reasons) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id).bind(meal).bind(pay).bind(fen).bind(r).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("prepare", "service_statement", id,
                serde_json::json!({"provider": provider.id, "month": month.to_string(), "payable_fen": payable_fen, "lines": lines.len(), "meals": meal_lines.len()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// 审核 (by someone other than who prepared it) or 审批 (by someone who did neither), or
    /// returns it with a note to be prepared again.
    pub async fn advance_statement(&self, s: &Statement, to: StatementStatus, note: &str, actor: &Actor) -> Result<()> {
        let refused = |m: &str| Err(StoreError::Refused(m.into()));
        let sql = match to {
            StatementStatus::Reviewed if s.status() != StatementStatus::Prepared => return refused("结算单不在待审核状态"),
            StatementStatus::Reviewed if s.prepared_by == actor.name => return refused("经办人不能审核自己生成的结算单"),
            StatementStatus::Reviewed => {
                "UPDATE service_statements SET status = 'reviewed', reviewed_by = $2, reviewed_at = $3 WHERE id = $1 AND status = 'prepared'"
            }
            StatementStatus::Approved if s.status() != StatementStatus::Reviewed => return refused("结算单不在待审批状态"),
            StatementStatus::Approved
                if s.prepared_by == actor.name || s.reviewed_by.as_deref() == Some(actor.name.as_str()) =>
            {
                return refused("审批人不能是经办人或审核人")
            }
            StatementStatus::Approved => {
                "UPDATE service_statements SET status = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1 AND status = 'reviewed'"
            }
            StatementStatus::Returned if !matches!(s.status(), StatementStatus::Prepared | StatementStatus::Reviewed) => {
                return refused("已审批的结算单不能退回")
            }
            StatementStatus::Returned if note.trim().is_empty() || note.chars().count() > 300 => {
                return Err(StoreError::Invalid(vec![yiyang_domain::person::FieldError::new(
                    "note",
                    "请写明退回原因（300字以内）",
                )]))
            }
            StatementStatus::Returned => {
                "UPDATE service_statements SET status = 'returned', returned_note = $2, reviewed_by = NULL, reviewed_at = NULL \
                 WHERE id = $1 AND status IN ('prepared', 'reviewed') AND $3 IS NOT NULL"
            }
            StatementStatus::Prepared => return refused("请重新生成结算单"),
        };
        let second = if to == StatementStatus::Returned {
            note.trim().to_string()
        } else {
            actor.name.clone()
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(sql).bind(s.id).bind(&second).bind(now()).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("结算单状态已变化，请刷新".into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(to.code(), "service_statement", s.id,
                serde_json::json!({"note": note.trim()}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

/// The payment file of an approved statement: the payee sheet (one row, the provider's
/// account) and the lines, payable or not with the reasons; workers by name (`names`), amounts
/// as numbers so that SUM works.
pub fn payment_workbook(
    s: &Statement,
    p: &Provider,
    lines: &[StatementLine],
    meals: &[MealLine],
    names: &crate::users::UserNames,
) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use crate::disbursement::cell_text;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let money = rust_xlsxwriter::Format::new().set_num_format("#,##0.00");
    // Money columns (yuan, or fen) are written as numbers; the rest as text.
    let write = |ws: &mut rust_xlsxwriter::Worksheet,
                 r: u32,
                 cells: &[String],
                 yuan: &[usize],
                 fen: &[usize]|
     -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
        for (c, v) in cells.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(x) if yuan.contains(&c) => ws.write_number_with_format(r, c as u16, x, &money)?,
                Ok(x) if fen.contains(&c) => ws.write_number(r, c as u16, x)?,
                _ => ws.write_string(r, c as u16, v)?,
            };
        }
        Ok(())
    };
    let pay = wb.add_worksheet().set_name("付款")?;
    for (c, h) in [
        "序号",
        "收款单位",
        "统一社会信用代码",
        "开户银行",
        "账号",
        "账户名称",
        "金额（元）",
        "金额（分）",
        "摘要",
    ]
    .iter()
    .enumerate()
    {
        pay.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let memo = format!("{}政府购买居家养老服务结算（结算单 {}）", s.month, s.id);
    let row = [
        "1".to_string(),
        cell_text(&p.name),
        p.code.clone(),
        cell_text(&p.bank_name),
        p.bank_account.clone(),
        cell_text(&p.account_name),
        yiyang_domain::Fen(s.payable_fen).plain(),
        s.payable_fen.to_string(),
        memo,
    ];
    write(pay, 1, &row, &[6], &[7])?;
    let detail = wb.add_worksheet().set_name("明细")?;
    for (c, h) in [
        "订单号",
        "服务对象",
        "服务项目",
        "数量",
        "上门时间",
        "服务人员",
        "签到距离（米）",
        "签退距离（米）",
        "政府承担（元）",
        "是否支付",
        "不予支付原因",
    ]
    .iter()
    .enumerate()
    {
        detail.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = (i + 1) as u32;
        let o = &l.order;
        let cells = [
            o.id.to_string(),
            cell_text(&o.person_name),
            o.kind_label().to_string(),
            format!("{}{}", o.units, o.unit_label()),
            o.when(),
            cell_text(&o.worker.as_deref().map(|u| names.of(u)).unwrap_or_default()),
            o.check_in_m.map(|m| m.to_string()).unwrap_or_default(),
            o.check_out_m.map(|m| m.to_string()).unwrap_or_default(),
            yiyang_domain::Fen(l.gov_fen).plain(),
            if l.payable { "是" } else { "否" }.to_string(),
            l.reason_text(),
        ];
        write(detail, r, &cells, &[8], &[])?;
    }
    let sheet = wb.add_worksheet().set_name("助餐明细")?;
    for (c, h) in [
        "编号",
        "服务对象",
        "日期",
        "餐次",
        "方式",
        "核验",
        "政府承担（元）",
        "是否支付",
        "不予支付原因",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, l) in meals.iter().enumerate() {
        let m = &l.meal;
        let cells = [
            m.id.to_string(),
            cell_text(&m.person_name),
            m.served_on.to_string(),
            m.meal_label().to_string(),
            m.way_label().to_string(),
            m.check_label().to_string(),
            yiyang_domain::Fen(l.gov_fen).plain(),
            if l.payable { "是" } else { "否" }.to_string(),
            l.reason_text(),
        ];
        write(sheet, (i + 1) as u32, &cells, &[6], &[])?;
    }
    wb.save_to_buffer()
}
