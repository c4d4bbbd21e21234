//! A division's monthly or yearly report (月报、年报): the kept indicator values of the period's
//! last kept month against their targets, living people by category, money paid over the
//! period, the child divisions side by side, home services done and emergency calls answered.
//! Everything but the services and calls comes from the values the hourly job keeps.

use std::collections::HashMap;

use serde::Serialize;
use yiyang_domain::planning::report::Period;

use crate::care::sos_desk::{month_bounds, DeskMonth};
use crate::planning::snapshot::{child_level, StoredValue, PAID_FEN, PEOPLE_ALIVE};
use crate::{scope_range, with_pool, Result, Store};

#[derive(Debug, Clone, Serialize)]
pub struct ChildRow {
    pub division: String,
    pub alive: Option<i64>,
    pub paid_fen: i64,
    /// The month's visit rate as shown ("87.5%", "—").
    pub visit_rate: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServicesDone {
    pub orders: i64,
    pub gov_fen: i64,
    pub family_fen: i64,
}

#[derive(Debug, Clone)]
pub struct DivisionReport {
    pub division: String,
    pub period: Period,
    /// The month the indicators are of (the period's last kept month), if any is kept.
    pub month: Option<String>,
    /// The spec's indicators of that month.
    pub indicators: Vec<StoredValue>,
    pub alive: Option<i64>,
    /// Living people by category code.
    pub categories: Vec<(String, i64)>,
    /// Money of approved or exported runs over the period's kept months.
    pub paid_fen: i64,
    pub children: Vec<ChildRow>,
    pub services: ServicesDone,
    /// Emergency calls of the period, all desks together.
    pub sos: Option<DeskMonth>,
}

impl Store {
    pub async fn division_report(&self, division: &str, period: Period) -> Result<DivisionReport> {
        let months: Vec<String> = period.months().iter().map(ToString::to_string).collect();
        let (first, last) = (months[0].clone(), months[months.len() - 1].clone());
        let kept: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT MAX(month) FROM indicator_values WHERE division = $1 AND month >= $2 AND month <= $3")
            .bind(division).bind(&first).bind(&last).fetch_one(pool).await?);
        let values = match &kept {
            Some(m) => self.stored_values(division, m).await?,
            None => Vec::new(),
        };
        let alive = values
            .iter()
            .find(|v| v.indicator == PEOPLE_ALIVE)
            .and_then(|v| v.numerator);
        let categories = values
            .iter()
            .filter_map(|v| Some((v.category()?.to_string(), v.numerator?)))
            .collect();
        let indicators = values.into_iter().filter(StoredValue::is_indicator).collect();
        let paid = self.paid_between(division, &first, &last).await?;
        let mut children = Vec::new();
        if let (Some(level), Some(m)) = (child_level(division), &kept) {
            let people = self.stored_children(division, m, PEOPLE_ALIVE).await?;
            let visits: HashMap<String, String> = self
                .stored_children(division, m, "monthly_visit_rate")
                .await?
                .into_iter()
                .map(|v| (v.division.clone(), v.value_text()))
                .collect();
            let (lo, hi) = scope_range(division);
            let money: HashMap<String, i64> = with_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(
                "SELECT division, CAST(SUM(numerator) AS BIGINT) FROM indicator_values WHERE indicator = $1 \
                 AND month >= $2 AND month <= $3 AND division >= $4 AND division < $5 AND LENGTH(division) = $6 GROUP BY division")
                .bind(PAID_FEN).bind(&first).bind(&last).bind(&lo).bind(&hi).bind(level as i32)
                .fetch_all(pool).await?).into_iter().collect();
            for p in people {
                children.push(ChildRow {
                    paid_fen: money.get(&p.division).copied().unwrap_or(0),
                    visit_rate: visits.get(&p.division).cloned().unwrap_or_else(|| "—".into()),
                    alive: p.numerator,
                    division: p.division,
                });
            }
        }
        let services = self.services_done(division, period).await?;
        let from = month_bounds(period.months()[0]).0;
        let to = month_bounds(period.last()).1;
        let sos = self
            .sos_between(division, from, to)
            .await?
            .into_iter()
            .find(|d| d.desk.is_empty());
        Ok(DivisionReport {
            division: division.to_string(),
            period,
            month: kept,
            indicators,
            alive,
            categories,
            paid_fen: paid,
            children,
            services,
            sos,
        })
    }

    async fn paid_between(&self, division: &str, first: &str, last: &str) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT CAST(SUM(numerator) AS BIGINT) FROM indicator_values WHERE division = $1 AND indicator = $2 \
             AND month >= $3 AND month <= $4")
            .bind(division).bind(PAID_FEN).bind(first).bind(last).fetch_one(pool).await?)
        .unwrap_or(0))
    }

    /// Home-service orders done (or confirmed) in the period for people of `division` (by
    /// household), with what the government and the families paid.
    pub async fn services_done(&self, division: &str, period: Period) -> Result<ServicesDone> {
        let (lo, hi) = scope_range(division);
        let from = month_bounds(period.months()[0]).0;
        let to = month_bounds(period.last()).1;
        let (orders, gov_fen, family_fen): (i64, Option<i64>, Option<i64>) = with_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(o.gov_fen) AS BIGINT), CAST(SUM(o.family_fen) AS BIGINT) FROM service_orders o \
             JOIN persons p ON p.id = o.person_id WHERE o.status IN ('done', 'confirmed') \
             AND o.scheduled_start >= $1 AND o.scheduled_start < $2 AND p.hukou_division >= $3 AND p.hukou_division < $4")
            .bind(from).bind(to).bind(&lo).bind(&hi).fetch_one(pool).await?);
        Ok(ServicesDone {
            orders,
            gov_fen: gov_fen.unwrap_or(0),
            family_fen: family_fen.unwrap_or(0),
        })
    }
}
