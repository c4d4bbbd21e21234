//! Prepaid fees and membership cards: each institution's monthly report (form or import) and
//! the alerts the domain's thresholds raise on it, with the county's settings; the watch list
//! is the institutions with an alert in the last three reports.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::prepaid::{alerts, Alert, PrepaidLimits, PrepaidReport};

use super::inspections::Viewer;
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

pub const PER_PERSON_MONTHS_SETTING: &str = "supervision.prepaid_per_person_months";
pub const TOTAL_PERCENT_SETTING: &str = "supervision.prepaid_total_percent_of_assets";

/// A report as typed on the form: amounts in yuan.
#[derive(Debug, Clone, Default)]
pub struct PrepaidInput {
    pub institution_id: String,
    pub month: String,
    pub deposits: String,
    pub prepaid: String,
    pub card_balance: String,
    pub cards_sold: String,
    pub largest_per_person: String,
    pub monthly_fee: String,
    pub net_assets: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PrepaidRow {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub month: String,
    pub deposits_fen: i64,
    pub prepaid_fen: i64,
    pub card_balance_fen: i64,
    pub cards_sold: i64,
    pub largest_per_person_fen: i64,
    pub monthly_fee_fen: i64,
    pub net_assets_fen: i64,
    /// The alerts' messages, as JSON.
    pub alerts: String,
    pub reported_by: String,
    pub reported_at: DateTime<Utc>,
}

impl PrepaidRow {
    pub fn alert_messages(&self) -> Vec<String> {
        let list: Vec<serde_json::Value> = serde_json::from_str(&self.alerts).unwrap_or_default();
        list.iter()
            .filter_map(|a| a["message"].as_str().map(String::from))
            .collect()
    }
    pub fn total_fen(&self) -> i64 {
        self.deposits_fen + self.prepaid_fen + self.card_balance_fen
    }
}

const SELECT: &str = "SELECT p.id, p.institution_id, i.name AS institution_name, p.month, p.deposits_fen, p.prepaid_fen, \
     p.card_balance_fen, p.cards_sold, p.largest_per_person_fen, p.monthly_fee_fen, p.net_assets_fen, p.alerts, p.reported_by, \
     p.reported_at FROM prepaid_reports p JOIN institutions i ON i.id = p.institution_id";

/// Yuan as typed (`12000`, `12,000.50`) into fen: at most twelve whole digits and two decimals.
fn amount(field: &str, label: &str, v: &str, errors: &mut Vec<FieldError>) -> i64 {
    let plain: String = v.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
    let (w, f) = plain.split_once('.').unwrap_or((&plain, ""));
    let ok = !w.is_empty() && w.len() <= 12 && f.len() <= 2 && w.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit());
    match ok
        .then(|| Some(w.parse::<i64>().ok()? * 100 + format!("{f:0<2}").parse::<i64>().ok()?))
        .flatten()
    {
        Some(fen) => fen,
        None => {
            errors.push(FieldError::new(
                field,
                format!("{label}须为不小于 0 的金额（元，最多两位小数）"),
            ));
            0
        }
    }
}

impl Store {
    pub async fn prepaid_limits(&self, scope: &str) -> Result<PrepaidLimits> {
        Ok(PrepaidLimits {
            per_person_months: self.supervision_setting(PER_PERSON_MONTHS_SETTING, scope).await?,
            total_percent_of_assets: self.supervision_setting(TOTAL_PERCENT_SETTING, scope).await?,
            ..PrepaidLimits::default()
        })
    }

    /// Records (or corrects) an institution's report for a month and checks it. `viewer` is an
    /// institution's staff (their own only) or the division's. Returns the alerts raised.
    pub async fn report_prepaid(
        &self,
        input: &PrepaidInput,
        scope: &str,
        viewer: &Viewer,
        actor: &Actor,
    ) -> Result<Vec<Alert>> {
        let id: i64 = input.institution_id.trim().parse().map_err(|_| StoreError::NotFound)?;
        let inst = self
            .institution_in_scope(id, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        match viewer {
            Viewer::Division => {}
            Viewer::Institution(code) if *code == inst.code => {}
            _ => return Err(StoreError::NotFound),
        }
        let mut errors = Vec::new();
        let month = Month::parse(input.month.trim()).ok();
        let this_month = self.clock.month();
        if month.is_none_or(|m| m > this_month) {
            errors.push(FieldError::new("month", "请填写不晚于本月的月份（如 2026-11）"));
        }
        let report = PrepaidReport {
            deposits_fen: amount("deposits", "押金", &input.deposits, &mut errors),
            prepaid_fen: amount("prepaid", "预收服务费", &input.prepaid, &mut errors),
            card_balance_fen: amount("card_balance", "会员卡余额", &input.card_balance, &mut errors),
            cards_sold: match input.cards_sold.trim().parse::<i64>() {
                Ok(n) if (0..=1_000_000).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new("cards_sold", "本月售卡张数须为不小于 0 的整数"));
                    0
                }
            },
            largest_per_person_fen: amount(
                "largest_per_person",
                "单人最高预收",
                &input.largest_per_person,
                &mut errors,
            ),
            monthly_fee_fen: amount("monthly_fee", "月收费标准", &input.monthly_fee, &mut errors),
            net_assets_fen: amount("net_assets", "净资产", &input.net_assets, &mut errors),
        };
        let (Some(month), true) = (month, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let earlier: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT cards_sold FROM prepaid_reports WHERE institution_id = $1 AND month < $2 ORDER BY month DESC LIMIT 3")
            .bind(id).bind(month.to_string()).fetch_all(pool).await?);
        let raised = alerts(&report, &earlier, &self.prepaid_limits(scope).await?);
        let json = serde_json::to_string(&raised).expect("serialisable");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM prepaid_reports WHERE institution_id = $1 AND month = $2").bind(id).bind(month.to_string()).execute(&mut *tx).await?;
            let rid: i64 = sqlx::query_scalar(
                "INSERT INTO prepaid_reports (institution_id, month, deposits_fen, prepaid_fen, card_balance_fen, cards_sold, \
                 largest_per_person_fen, monthly_fee_fen, net_assets_fen, alerts, reported_by, reported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
                .bind(id).bind(month.to_string()).bind(report.deposits_fen).bind(report.prepaid_fen).bind(report.card_balance_fen)
                .bind(report.cards_sold).bind(report.largest_per_person_fen).bind(report.monthly_fee_fen).bind(report.net_assets_fen)
                .bind(&json).bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("report", "prepaid_report", rid,
                serde_json::json!({"institution": id, "month": month.to_string(), "alerts": raised.len()}))).await?;
            tx.commit().await?;
            Ok(raised)
        })
    }

    /// Reports `viewer` may see in `scope`, newest month first.
    pub async fn prepaid_reports(&self, scope: &str, viewer: &Viewer) -> Result<Vec<PrepaidRow>> {
        let (lo, hi) = scope_range(scope);
        let code = match viewer {
            Viewer::Division => String::new(),
            Viewer::Institution(c) => c.clone(),
            _ => return Ok(Vec::new()),
        };
        Ok(with_pool!(self, pool => sqlx::query_as(&format!(
            "{SELECT} WHERE i.division >= $1 AND i.division < $2 AND ($3 = '' OR i.code = $3) ORDER BY p.month DESC, i.name LIMIT 2000"))
            .bind(&lo).bind(&hi).bind(&code).fetch_all(pool).await?))
    }

    /// The watch list: institutions with an alert in any of their last three reports.
    pub async fn prepaid_watch_list(&self, scope: &str) -> Result<Vec<PrepaidRow>> {
        let rows = self.prepaid_reports(scope, &Viewer::Division).await?;
        let mut seen = std::collections::HashMap::<i64, usize>::new();
        let mut out = Vec::new();
        for r in rows {
            let n = seen.entry(r.institution_id).or_default();
            *n += 1;
            if *n <= 3 && r.alerts != "[]" && !out.iter().any(|o: &PrepaidRow| o.institution_id == r.institution_id) {
                out.push(r);
            }
        }
        Ok(out)
    }
}
