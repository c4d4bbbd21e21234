//! Orders: placed for an older person (by a linked family account, the person, or a clerk),
//! accepted and assigned by the provider, checked in and out by the worker at the home,
//! confirmed and rated. Every step is a guarded update (the order must still be in the state
//! the step starts from), audited, and tells the family.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::planning::circle::Point;
use yiyang_domain::services::catalogue::{ServiceKind, Unit};
use yiyang_domain::services::order::{self, Channel, ConfirmedBy, OrderStatus, Timing};

use super::{CANCEL_SETTING, LATE_SETTING, TOLERANCE_SETTING};
use crate::audit::{Actor, AuditAppend};
use crate::{scope_range, with_pool, Result, Store, StoreError};

/// Who is looking at orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderViewer {
    /// Civil-affairs staff (and auditors, reviewers, approvers): orders of people in scope.
    Division,
    /// A provider's staff: the provider's orders for people in scope.
    Provider(i64),
    /// A family account: orders of the people linked to it.
    Family(String),
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub person_phone: Option<String>,
    pub division: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub kind: String,
    pub unit: String,
    pub units: i64,
    pub unit_minutes: i64,
    pub price_fen: i64,
    pub gov_units: i64,
    pub gov_fen: i64,
    pub family_fen: i64,
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub note: String,
    pub channel: String,
    pub ordered_by: String,
    pub status: String,
    pub worker: Option<String>,
    pub status_note: Option<String>,
    pub check_in_at: Option<DateTime<Utc>>,
    pub check_in_m: Option<i64>,
    pub check_out_at: Option<DateTime<Utc>>,
    pub check_out_m: Option<i64>,
    pub done_items: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub rating: Option<i64>,
    pub rating_note: Option<String>,
}

impl Order {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).expect("CHECK constraint: status")
    }
    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }
    pub fn kind_label(&self) -> &'static str {
        ServiceKind::parse(&self.kind).map_or("", |k| k.label())
    }
    pub fn unit_label(&self) -> &'static str {
        Unit::parse(&self.unit).map_or("", |u| u.label())
    }
    pub fn channel_label(&self) -> &'static str {
        Channel::parse(&self.channel).map_or("", |c| c.label())
    }
    pub fn confirmed_label(&self) -> &'static str {
        self.confirmed_by
            .as_deref()
            .and_then(ConfirmedBy::parse)
            .map_or("", |c| c.label())
    }
    pub fn timing(&self, now: DateTime<Utc>, late_minutes: i64) -> Timing {
        order::timing(
            self.status(),
            self.scheduled_start,
            self.scheduled_end,
            self.check_in_at,
            now,
            late_minutes,
        )
    }
    /// Start time in China time, for pages.
    pub fn when(&self) -> String {
        let s = self.scheduled_start.with_timezone(&chrono::Local);
        let e = self.scheduled_end.with_timezone(&chrono::Local);
        format!("{} {}–{}", s.format("%Y-%m-%d"), s.format("%H:%M"), e.format("%H:%M"))
    }
    pub fn local_time(t: &Option<DateTime<Utc>>) -> String {
        t.map(|t| t.with_timezone(&chrono::Local).format("%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }
    /// The start's day and time in China time, for the change-of-time form.
    pub fn local_date(&self) -> String {
        self.scheduled_start
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d")
            .to_string()
    }
    pub fn local_hm(&self) -> String {
        self.scheduled_start
            .with_timezone(&chrono::Local)
            .format("%H:%M")
            .to_string()
    }
    pub fn gov(&self) -> String {
        yiyang_domain::Fen(self.gov_fen).to_string()
    }
    pub fn family(&self) -> String {
        yiyang_domain::Fen(self.family_fen).to_string()
    }
    pub fn stars(&self) -> String {
        self.rating.map(|r| "★".repeat(r as usize)).unwrap_or_default()
    }
}

/// An order as typed (on a phone, or by a clerk).
#[derive(Debug, Clone, Default)]
pub struct OrderInput {
    pub service_id: String,
    pub units: String,
    pub date: String,
    pub time: String,
    pub note: String,
    /// The phone's position when the family says "I am at home now" (optional).
    pub lat: String,
    pub lon: String,
    /// Set by a family bed's care plan (`bed:plan:day`): an order is placed once per key.
    pub plan_key: Option<String>,
}

pub(super) const SELECT: &str = "SELECT o.id, o.person_id, p.name AS person_name, p.phone AS person_phone, \
    COALESCE(p.residence_division, p.hukou_division) AS division, o.provider_id, v.name AS provider_name, o.kind, o.unit, o.units, \
    o.unit_minutes, o.price_fen, o.gov_units, o.gov_fen, o.family_fen, o.scheduled_start, o.scheduled_end, o.address, o.lat, o.lon, \
    o.note, o.channel, o.ordered_by, o.status, o.worker, o.status_note, o.check_in_at, o.check_in_m, o.check_out_at, o.check_out_m, \
    o.done_items, o.confirmed_by, o.confirmed_at, o.rating, o.rating_note \
    FROM service_orders o JOIN persons p ON p.id = o.person_id JOIN providers v ON v.id = o.provider_id";

const SCOPED: &str = "((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 AND p.residence_division < $2))";

/// The condition restricting orders to what `viewer` in the scope bound to $1 $2 may see,
/// with $3 (family account) and $4 (provider id) bound by [`viewer_binds`].
pub(super) fn visible(v: &OrderViewer) -> String {
    match v {
        OrderViewer::Division => format!("{SCOPED} AND $3 = '' AND $4 = 0"),
        OrderViewer::Provider(_) => format!("{SCOPED} AND $3 = '' AND o.provider_id = $4"),
        OrderViewer::Family(_) => {
            "o.person_id IN (SELECT l.person_id FROM family_links l WHERE l.username = $3 AND l.status = 'confirmed') \
            AND $4 = 0 AND $1 = $1 AND $2 = $2"
                .to_string()
        }
    }
}

pub(super) fn viewer_binds(v: &OrderViewer) -> (String, i64) {
    match v {
        OrderViewer::Division => (String::new(), 0),
        OrderViewer::Provider(id) => (String::new(), *id),
        OrderViewer::Family(u) => (u.clone(), 0),
    }
}

/// What a step changes besides the status.
enum Step<'a> {
    Accept,
    Decline(&'a str),
    Assign(&'a str),
    Cancel(&'a str),
    CheckIn(Option<i64>),
    CheckOut(Option<i64>, &'a str),
    Confirm(ConfirmedBy, Option<i64>, &'a str),
}

impl Store {
    /// Orders `viewer` may see, scheduled in `[from, to)`, newest first.
    pub async fn orders_visible(
        &self,
        scope: &str,
        viewer: &OrderViewer,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Order>> {
        let (lo, hi) = scope_range(scope);
        let (u, pid) = viewer_binds(viewer);
        let sql = format!(
            "{SELECT} WHERE {} AND o.scheduled_start >= $5 AND o.scheduled_start < $6 ORDER BY o.scheduled_start DESC, o.id DESC LIMIT $7",
            visible(viewer)
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(&u).bind(pid).bind(from).bind(to).bind(limit.clamp(1, 5000))
            .fetch_all(pool).await?))
    }

    /// The orders a family bed's care plan placed, soonest first (the bed already in scope).
    pub async fn family_bed_orders(&self, bed: i64) -> Result<Vec<Order>> {
        let sql = format!("{SELECT} WHERE o.plan_key LIKE $1 ORDER BY o.scheduled_start LIMIT 200");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(format!("bed{bed}:%")).fetch_all(pool).await?))
    }

    /// One order as `viewer` sees it; otherwise as an unknown id.
    pub async fn order_visible(&self, id: i64, scope: &str, viewer: &OrderViewer) -> Result<Option<Order>> {
        let (lo, hi) = scope_range(scope);
        let (u, pid) = viewer_binds(viewer);
        let sql = format!("{SELECT} WHERE o.id = $5 AND {}", visible(viewer));
        Ok(with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(&lo).bind(&hi).bind(&u).bind(pid).bind(id).fetch_optional(pool).await?))
    }

    /// Moves an order one step, guarded by the states it may start from.
    async fn step(
        &self,
        o: &Order,
        from: &[OrderStatus],
        to: OrderStatus,
        step: Step<'_>,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if !from.contains(&o.status()) {
            return Err(StoreError::Refused(format!(
                "订单当前为“{}”，不能这样办理",
                o.status_label()
            )));
        }
        let allowed: Vec<&str> = from.iter().map(|s| s.code()).collect();
        let guard = format!("id = $1 AND status IN ('{}')", allowed.join("', '"));
        let (set, a, b, c): (&str, Option<String>, Option<i64>, Option<String>) = match &step {
            Step::Accept => ("updated_at = $2", None, None, None),
            Step::Decline(r) | Step::Cancel(r) => {
                ("status_note = $3, updated_at = $2", Some(r.to_string()), None, None)
            }
            Step::Assign(w) => ("worker = $3, updated_at = $2", Some(w.to_string()), None, None),
            Step::CheckIn(m) => ("check_in_at = $2, check_in_m = $4, updated_at = $2", None, *m, None),
            Step::CheckOut(m, items) => (
                "check_out_at = $2, check_out_m = $4, done_items = $3, updated_at = $2",
                Some(items.to_string()),
                *m,
                None,
            ),
            Step::Confirm(by, r, note) => (
                "confirmed_by = $5, confirmed_at = $2, rating = $4, rating_note = $3, updated_at = $2",
                Some(note.to_string()),
                *r,
                Some(by.code().to_string()),
            ),
        };
        let sql = format!(
            "UPDATE service_orders SET status = '{}', {set} WHERE {guard}",
            to.code()
        );
        let notice = match to {
            OrderStatus::Assigned => Some("已派服务人员，将按时上门".to_string()),
            OrderStatus::InService => Some("服务人员已到达，开始服务".to_string()),
            OrderStatus::Done => Some("服务已完成，请确认并评价".to_string()),
            OrderStatus::Declined => Some("服务商未能接单，请另选服务商".to_string()),
            OrderStatus::Cancelled => Some("订单已取消".to_string()),
            _ => None,
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(&sql).bind(o.id).bind(at).bind(a.as_deref()).bind(b).bind(c.as_deref())
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("订单状态已变化，请刷新后再办理".into()));
            }
            if let Some(text) = notice {
                let text = format!("{}（{} {}）：{text}", o.person_name, o.when(), o.kind_label());
                let users: Vec<String> = sqlx::query_scalar("SELECT DISTINCT username FROM family_links WHERE person_id = $1 AND status = 'confirmed'")
                    .bind(o.person_id).fetch_all(&mut *tx).await?;
                for u in users.iter().filter(|u| **u != actor.name) {
                    sqlx::query("INSERT INTO family_notices (username, order_id, text, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(u).bind(o.id).bind(&text).bind(at).execute(&mut *tx).await?;
                }
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(to.code(), "service_order", o.id,
                serde_json::json!({"from": o.status, "person": o.person_id}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn accept_order(&self, o: &Order, actor: &Actor, at: DateTime<Utc>) -> Result<()> {
        self.step(
            o,
            &[OrderStatus::Placed],
            OrderStatus::Accepted,
            Step::Accept,
            actor,
            at,
        )
        .await
    }

    pub async fn decline_order(&self, o: &Order, reason: &str, actor: &Actor, at: DateTime<Utc>) -> Result<()> {
        if reason.trim().is_empty() || reason.chars().count() > 200 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "reason",
                "请写明不能接单的原因（200字以内）",
            )]));
        }
        self.step(
            o,
            &[OrderStatus::Placed, OrderStatus::Accepted],
            OrderStatus::Declined,
            Step::Decline(reason.trim()),
            actor,
            at,
        )
        .await
    }

    /// Assigns (or reassigns, before check-in) one of the provider's active accounts.
    pub async fn assign_order(
        &self,
        o: &Order,
        worker: &str,
        provider_code: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if !self
            .provider_workers(provider_code)
            .await?
            .iter()
            .any(|(u, _)| u == worker)
        {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "worker",
                "请选择本服务商的服务人员",
            )]));
        }
        self.step(
            o,
            &[OrderStatus::Accepted, OrderStatus::Assigned],
            OrderStatus::Assigned,
            Step::Assign(worker),
            actor,
            at,
        )
        .await
    }

    /// Cancels an order by the family, the provider or a clerk, under the cancel rule.
    pub async fn cancel_order(
        &self,
        o: &Order,
        who: order::Actor,
        reason: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let hours = self.supervision_setting(CANCEL_SETTING, &o.division).await?;
        order::may_cancel(o.status(), who, o.scheduled_start, at, hours).map_err(|m| StoreError::Refused(m.into()))?;
        if who != order::Actor::Family && reason.trim().is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new("reason", "请写明取消原因")]));
        }
        if reason.chars().count() > 200 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "reason",
                "取消原因须在200字以内",
            )]));
        }
        let from = [OrderStatus::Placed, OrderStatus::Accepted, OrderStatus::Assigned];
        self.step(o, &from, OrderStatus::Cancelled, Step::Cancel(reason.trim()), actor, at)
            .await
    }

    /// The worker's distance from the home, or why the position is refused.
    async fn measured(&self, o: &Order, lat: &str, lon: &str) -> Result<(Option<i64>, i64)> {
        let at = Point::parse(lat, lon)
            .map_err(|_| StoreError::Invalid(vec![FieldError::new("lat", "未能取得手机定位，请打开定位权限后重试")]))?;
        let home = match (o.lat, o.lon) {
            (Some(a), Some(b)) => Point::new(a, b).ok(),
            _ => self.person_location(o.person_id).await?,
        };
        let tolerance = self.supervision_setting(TOLERANCE_SETTING, &o.division).await?;
        Ok((order::distance(home, at, tolerance).map(|d| d.0), tolerance))
    }

    /// Checks the assigned worker in at the home; returns the distance (metres) and the
    /// tolerance. A check-in too far away is recorded, and flagged.
    pub async fn check_in(
        &self,
        o: &Order,
        lat: &str,
        lon: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<(Option<i64>, i64)> {
        if o.worker.as_deref() != Some(actor.name.as_str()) {
            return Err(StoreError::Forbidden("只有派单的服务人员可以签到、签退".into()));
        }
        let (m, tolerance) = self.measured(o, lat, lon).await?;
        self.step(
            o,
            &[OrderStatus::Assigned],
            OrderStatus::InService,
            Step::CheckIn(m),
            actor,
            at,
        )
        .await?;
        Ok((m, tolerance))
    }

    /// Checks the worker out with what was done.
    pub async fn check_out(
        &self,
        o: &Order,
        lat: &str,
        lon: &str,
        items: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<(Option<i64>, i64)> {
        if o.worker.as_deref() != Some(actor.name.as_str()) {
            return Err(StoreError::Forbidden("只有派单的服务人员可以签到、签退".into()));
        }
        if items.trim().is_empty() || items.chars().count() > 500 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "items",
                "请写明服务内容（500字以内）",
            )]));
        }
        let (m, tolerance) = self.measured(o, lat, lon).await?;
        self.step(
            o,
            &[OrderStatus::InService],
            OrderStatus::Done,
            Step::CheckOut(m, items.trim()),
            actor,
            at,
        )
        .await?;
        Ok((m, tolerance))
    }

    /// Confirms a done service: by the older person or family (with an optional rating), or
    /// by a clerk's call-back (with what the person said).
    pub async fn confirm_order(
        &self,
        o: &Order,
        by: ConfirmedBy,
        rating: Option<i64>,
        note: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if note.chars().count() > 300 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "note",
                "评价或回访记录须在300字以内",
            )]));
        }
        if by == ConfirmedBy::Callback && note.trim().is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "note",
                "请记录回访时老人或家属的答复",
            )]));
        }
        self.step(
            o,
            &[OrderStatus::Done],
            OrderStatus::Confirmed,
            Step::Confirm(by, rating, note.trim()),
            actor,
            at,
        )
        .await
    }

    /// The settings that read an order's times: (late minutes, tolerance metres).
    pub async fn service_timing_settings(&self, scope: &str) -> Result<(i64, i64)> {
        Ok((
            self.supervision_setting(LATE_SETTING, scope).await?,
            self.supervision_setting(TOLERANCE_SETTING, scope).await?,
        ))
    }

    /// Audits a view of an order (it shows the person's address and phone).
    pub async fn record_order_view(&self, o: &Order, actor: &Actor) -> Result<()> {
        self.audit(&actor.entry(
            "view",
            "service_order",
            o.id,
            serde_json::json!({"person": o.person_id}),
        ))
        .await?;
        Ok(())
    }
}
