//! Order lists as pages need them, with the work done in SQL: a worker's own visits (by the
//! worker index, not the provider's month), a month's counts by status with the government's
//! share and ratings, late or missed visits, and a bounded page of orders in one status.

use chrono::{DateTime, Duration, Utc};
use yiyang_domain::services::order::{timing, OrderStatus, Timing};

use super::orders::{viewer_binds, visible, Order, OrderViewer, SELECT};
use crate::{scope_range, with_pool, Result, Store};

/// A month of orders in figures.
#[derive(Debug, Clone, Default)]
pub struct OrderSummary {
    /// (status code, orders)
    pub by_status: Vec<(String, i64)>,
    /// What the government's share comes to, of orders not cancelled or declined.
    pub gov_fen: i64,
    pub rated: i64,
    pub rating_sum: i64,
    /// Rated 2 stars or fewer.
    pub low_rated: i64,
    /// Late or missed (see `order::timing`).
    pub flagged: i64,
}

impl OrderSummary {
    pub fn count(&self, s: OrderStatus) -> i64 {
        self.by_status.iter().find(|(c, _)| c == s.code()).map_or(0, |x| x.1)
    }
    pub fn total(&self) -> i64 {
        self.by_status.iter().map(|x| x.1).sum()
    }
    pub fn average_rating(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.rating_sum as f64 / self.rated as f64)
    }
}

/// Orders that may be late or missed: open ones past their start plus the lateness allowed,
/// and those checked in (late if after it).
const FLAG_CANDIDATES: &str =
    "((o.status IN ('placed', 'accepted', 'assigned') AND o.scheduled_start < $7) OR o.check_in_at IS NOT NULL)";

impl Store {
    /// The visits assigned to `worker` still to be served or in service, scheduled in `[from, to)`.
    pub async fn worker_orders(&self, worker: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Order>> {
        let sql = format!(
            "{SELECT} WHERE o.worker = $1 AND o.status IN ('assigned', 'in_service') AND o.scheduled_start >= $2 \
             AND o.scheduled_start < $3 ORDER BY o.scheduled_start LIMIT 200"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(worker).bind(from).bind(to).fetch_all(pool).await?))
    }

    /// Counts of `viewer`'s orders scheduled in `[from, to)`, at `now` with `late_minutes`.
    pub async fn order_summary(
        &self,
        scope: &str,
        viewer: &OrderViewer,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
        late_minutes: i64,
    ) -> Result<OrderSummary> {
        let (lo, hi) = scope_range(scope);
        let (u, pid) = viewer_binds(viewer);
        let sql = format!(
            "SELECT o.status, COUNT(*), CAST(COALESCE(SUM(o.gov_fen), 0) AS BIGINT), COUNT(o.rating), CAST(COALESCE(SUM(o.rating), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN o.rating <= 2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM service_orders o JOIN persons p ON p.id = o.person_id WHERE {} AND o.scheduled_start >= $5 AND o.scheduled_start < $6 GROUP BY o.status",
            visible(viewer)
        );
        let rows: Vec<(String, i64, i64, i64, i64, i64)> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(&u).bind(pid).bind(from).bind(to).fetch_all(pool).await?);
        let mut out = OrderSummary::default();
        for (status, n, gov, rated, sum, low) in rows {
            out.low_rated += low;
            if OrderStatus::parse(&status).is_some_and(|s| s.holds_hours()) {
                out.gov_fen += gov;
            }
            out.rated += rated;
            out.rating_sum += sum;
            out.by_status.push((status, n));
        }
        let sql = format!(
            "SELECT o.status, o.scheduled_start, o.scheduled_end, o.check_in_at FROM service_orders o JOIN persons p ON p.id = o.person_id \
             WHERE {} AND o.scheduled_start >= $5 AND o.scheduled_start < $6 AND {FLAG_CANDIDATES}",
            visible(viewer)
        );
        let cut = now - Duration::minutes(late_minutes);
        type Times = (String, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);
        let rows: Vec<Times> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(&u).bind(pid).bind(from).bind(to).bind(cut).fetch_all(pool).await?);
        out.flagged = rows
            .iter()
            .filter(|(s, a, b, c)| {
                let s = OrderStatus::parse(s).expect("CHECK constraint: status");
                timing(s, *a, *b, *c, now, late_minutes) != Timing::OnTime
            })
            .count() as i64;
        Ok(out)
    }

    /// A page of `viewer`'s orders in `[from, to)`: all, one status, or `flagged` (late or
    /// missed), newest first, at most `limit`.
    #[allow(clippy::too_many_arguments)]
    pub async fn orders_page(
        &self,
        scope: &str,
        viewer: &OrderViewer,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        status: &str,
        now: DateTime<Utc>,
        late_minutes: i64,
        limit: i64,
    ) -> Result<Vec<Order>> {
        let (lo, hi) = scope_range(scope);
        let (u, pid) = viewer_binds(viewer);
        let flagged = status == "flagged";
        let filter = match OrderStatus::parse(status) {
            Some(s) => format!("o.status = '{}'", s.code()),
            None if flagged => FLAG_CANDIDATES.to_string(),
            None => "$7 = $7".to_string(),
        };
        let sql = format!(
            "{SELECT} WHERE {} AND o.scheduled_start >= $5 AND o.scheduled_start < $6 AND {filter} AND $8 > 0 \
             ORDER BY o.scheduled_start DESC, o.id DESC LIMIT $8",
            visible(viewer)
        );
        let cut = now - Duration::minutes(late_minutes);
        let sql = if filter.contains("$7") {
            sql
        } else {
            sql.replace(" AND $8 > 0", " AND $8 > 0 AND $7 = $7")
        };
        let rows: Vec<Order> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(&u).bind(pid).bind(from).bind(to).bind(cut).bind(if flagged { 5000 } else { limit.clamp(1, 2000) })
            .fetch_all(pool).await?);
        Ok(if flagged {
            rows.into_iter()
                .filter(|o| o.timing(now, late_minutes) != Timing::OnTime)
                .take(limit.clamp(1, 2000) as usize)
                .collect()
        } else {
            rows
        })
    }
}
