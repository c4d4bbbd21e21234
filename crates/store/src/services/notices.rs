//! Telling a family when a visit does not come: once when it is late (no check-in
//! `services.late_minutes` after the start) and once when it is missed (none by the end). The
//! step notices (assigned, arrived, done) are written by the steps themselves (`orders`).

use chrono::{DateTime, Duration, Utc};
use yiyang_domain::services::order::{timing, Timing};

use super::orders::Order;
use super::orders::SELECT;
use super::LATE_SETTING;
use crate::{with_pool, Result, Store};

/// How far back the job looks: a visit missed longer ago than this is not news any more.
const LOOK_BACK_HOURS: i64 = 48;

/// What the family reads about a late or missed visit.
pub fn notice_text(o: &Order, t: Timing, late_minutes: i64) -> Option<String> {
    let what = format!("{}（{} {}）", o.person_name, o.when(), o.kind_label());
    match t {
        Timing::Late => Some(format!(
            "{what}：已过预约时间 {late_minutes} 分钟，服务人员还未到达。服务商已看到提醒；如需取消或改期，请联系{}",
            o.provider_name
        )),
        Timing::Missed => Some(format!(
            "{what}：预约时段已过，服务人员没有上门。可在订单页投诉，或重新下单"
        )),
        Timing::OnTime => None,
    }
}

impl Store {
    /// Tells the confirmed family members of every open visit that is late or missed at `now`,
    /// once for each (a missed visit that was late is told twice: late, then missed). Safe to run
    /// from several processes at once: each telling is a guarded update in the transaction that
    /// writes its notices. Returns how many orders were told about.
    pub async fn tell_families_late_and_missed(&self, now: DateTime<Utc>) -> Result<usize> {
        let sql = format!(
            "{SELECT} WHERE o.check_in_at IS NULL AND o.status IN ('placed', 'accepted', 'assigned') \
             AND o.scheduled_start < $1 AND o.scheduled_start > $2 \
             AND o.missed_told_at IS NULL AND (o.late_told_at IS NULL OR o.scheduled_end < $1) \
             ORDER BY o.scheduled_start, o.id LIMIT 2000"
        );
        // Once told it is late, an order is looked at again only when its end has passed.
        let since = now - Duration::hours(LOOK_BACK_HOURS);
        let candidates: Vec<Order> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(now).bind(since).fetch_all(pool).await?);
        let mut told = 0;
        let mut late_by_division: std::collections::HashMap<String, i64> = Default::default();
        for o in candidates {
            let late_minutes = match late_by_division.get(&o.division) {
                Some(m) => *m,
                None => {
                    let m = self.supervision_setting(LATE_SETTING, &o.division).await?;
                    late_by_division.insert(o.division.clone(), m);
                    m
                }
            };
            let status = o.status();
            let t = timing(status, o.scheduled_start, o.scheduled_end, None, now, late_minutes);
            let column = match t {
                Timing::Late => "late_told_at",
                Timing::Missed => "missed_told_at",
                Timing::OnTime => continue,
            };
            let Some(text) = notice_text(&o, t, late_minutes) else {
                continue;
            };
            let guard = format!(
                "UPDATE service_orders SET {column} = $1 WHERE id = $2 AND {column} IS NULL AND check_in_at IS NULL"
            );
            let wrote = with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                let n = sqlx::query(&guard).bind(now).bind(o.id).execute(&mut *tx).await?.rows_affected();
                if n == 1 {
                    let users: Vec<String> = sqlx::query_scalar(
                        "SELECT DISTINCT username FROM family_links WHERE person_id = $1 AND status = 'confirmed'")
                        .bind(o.person_id).fetch_all(&mut *tx).await?;
                    for u in &users {
                        sqlx::query("INSERT INTO family_notices (username, order_id, text, created_at) VALUES ($1, $2, $3, $4)")
                            .bind(u).bind(o.id).bind(&text).bind(now).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                n == 1
            });
            told += wrote as usize;
        }
        Ok(told)
    }
}
