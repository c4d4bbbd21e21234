//! One-touch emergency calls at the duty desk: the calls of a user's scope, one call with what
//! the desk needs (who, where, contacts, conditions, the nearest providers), the steps
//! (接警, 派出, 结束), escalation of unanswered calls, and the month's response times.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use yiyang_domain::care::sos::{level_after, may_move, CallStatus, Dispatch, Outcome};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;

use super::sos::{micros, Call, ACK_SETTING, CALL_COLUMNS};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// What the desk sees of one call.
#[derive(Debug, Clone, Serialize)]
pub struct CallDetail {
    pub call: Call,
    pub age: i64,
    pub phone: Option<String>,
    pub home_address: Option<String>,
    pub contact: Option<String>,
    pub categories: Vec<String>,
    /// The valid assessment's level, if any.
    pub level: Option<i64>,
    /// Mobile numbers of the confirmed family accounts.
    pub family: Vec<String>,
    /// Providers serving the person's village or township: (name, phone), nearest area first.
    pub providers: Vec<(String, String)>,
    /// Who must answer now (`None`: the county).
    pub turn: Option<String>,
}

/// One desk's month: counts and response times in seconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeskMonth {
    pub desk: String,
    pub calls: i64,
    pub acknowledged: i64,
    pub median_ack_secs: Option<i64>,
    pub p90_ack_secs: Option<i64>,
    pub escalated: i64,
    pub to_county: i64,
    pub false_alarms: i64,
    pub open: i64,
}

fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank: the smallest value with at least p % of values at or below it.
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// (desk, received, acknowledged, level, outcome, status) of one call.
pub type CallTimes = (
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    i64,
    Option<String>,
    String,
);

/// The month's figures of each desk (and a total, desk ""), from (desk, received, acknowledged,
/// level, outcome, status) rows.
pub fn desk_months(rows: &[CallTimes]) -> Vec<DeskMonth> {
    let mut desks: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    desks.sort();
    desks.dedup();
    desks.push(String::new());
    desks
        .into_iter()
        .map(|desk| {
            let mine: Vec<_> = rows.iter().filter(|r| desk.is_empty() || r.0 == desk).collect();
            let mut waits: Vec<i64> = mine
                .iter()
                .filter_map(|r| r.2.map(|a| (a - r.1).num_seconds().max(0)))
                .collect();
            waits.sort_unstable();
            DeskMonth {
                calls: mine.len() as i64,
                acknowledged: waits.len() as i64,
                median_ack_secs: percentile(&waits, 50),
                p90_ack_secs: percentile(&waits, 90),
                escalated: mine.iter().filter(|r| r.3 > 0).count() as i64,
                to_county: mine.iter().filter(|r| r.3 >= 2).count() as i64,
                false_alarms: mine
                    .iter()
                    .filter(|r| r.4.as_deref() == Some(Outcome::FalseAlarm.code()))
                    .count() as i64,
                open: mine.iter().filter(|r| r.5 != CallStatus::Closed.code()).count() as i64,
                desk,
            }
        })
        .collect()
}

/// Bounds of a month as instants, by the server's local calendar.
pub fn month_bounds(month: Month) -> (DateTime<Utc>, DateTime<Utc>) {
    use chrono::TimeZone;
    let at = |d: chrono::NaiveDate| {
        chrono::Local
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
    };
    (at(month.first_day()), at(month.last_day() + chrono::Days::new(1)))
}

impl Store {
    /// Calls of people in `scope`: the open ones first (oldest first), then the latest closed.
    pub async fn desk_calls(&self, scope: &str, limit: i64) -> Result<Vec<Call>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!(
            "SELECT {CALL_COLUMNS} WHERE c.division >= $1 AND c.division < $2 \
             ORDER BY CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END, \
             CASE WHEN c.status = 'closed' THEN c.id ELSE -c.id END DESC LIMIT $3"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(limit.clamp(1, 2000)).fetch_all(pool).await?),
        )
    }

    /// A call of `scope` (as an unknown one otherwise).
    pub async fn call_in_scope(&self, id: i64, scope: &str) -> Result<Option<Call>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!("SELECT {CALL_COLUMNS} WHERE c.id = $1 AND c.division >= $2 AND c.division < $3");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?))
    }

    /// One call with what the desk needs; the person's contacts are shown, so the view is
    /// audited.
    pub async fn sos_call(&self, id: i64, scope: &str, actor: &Actor) -> Result<Option<CallDetail>> {
        let Some(call) = self.call_in_scope(id, scope).await? else {
            return Ok(None);
        };
        let Some(person) = self.person_in_scope(call.person_id, scope).await? else {
            return Ok(None);
        };
        let r = &person.record;
        let today = self.clock.today();
        let level = self
            .valid_assessment(call.person_id, today)
            .await?
            .map(|a| a.final_level);
        let family: Vec<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT username FROM family_links WHERE person_id = $1 AND status = 'confirmed' ORDER BY id")
            .bind(call.person_id).fetch_all(pool).await?);
        let providers: Vec<(String, String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT pr.name, pr.phone, CAST(MAX(LENGTH(a.division)) AS BIGINT) AS depth FROM providers pr JOIN provider_areas a ON a.provider_id = pr.id \
             WHERE pr.active AND $1 >= a.division AND $1 < a.division || ':' GROUP BY pr.id, pr.name, pr.phone \
             ORDER BY depth DESC, pr.name LIMIT 3")
            .bind(&call.division).fetch_all(pool).await?);
        let contact = r.contact_name.as_ref().map(|n| {
            format!(
                "{n}（{}）{}",
                r.contact_relation.clone().unwrap_or_default(),
                r.contact_phone.clone().unwrap_or_default()
            )
        });
        let turn = self.turn_of(&call).await?;
        self.record_full_view(call.person_id, actor).await?;
        Ok(Some(CallDetail {
            age: yiyang_domain::dates::age_on(r.birth_date, today) as i64,
            phone: r.phone.clone(),
            home_address: r.address.clone(),
            contact,
            categories: r.categories.clone(),
            level,
            family,
            providers: providers.into_iter().map(|(n, p, _)| (n, p)).collect(),
            turn,
            call,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    async fn move_call(
        &self,
        id: i64,
        to: CallStatus,
        scope: &str,
        actor: &Actor,
        set: CallUpdate<'_>,
        at: DateTime<Utc>,
    ) -> Result<Call> {
        let call = self.call_in_scope(id, scope).await?.ok_or(StoreError::NotFound)?;
        let from = CallStatus::parse(&call.status).ok_or(StoreError::NotFound)?;
        if !may_move(from, to) {
            return Err(StoreError::Refused(format!(
                "这条呼救{}，不能{}",
                from.label(),
                to.label()
            )));
        }
        let at = micros(at);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = match set {
                CallUpdate::Acknowledge => sqlx::query(
                    "UPDATE sos_calls SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1 AND status = 'new'")
                    .bind(id).bind(at).bind(&actor.name).execute(&mut *tx).await?,
                CallUpdate::Dispatch(sent, note) => sqlx::query(
                    "UPDATE sos_calls SET status = 'dispatched', dispatched = $2, dispatch_note = $3 WHERE id = $1 AND status IN ('acknowledged', 'dispatched')")
                    .bind(id).bind(sent).bind(note).execute(&mut *tx).await?,
                CallUpdate::Close(outcome, note) => sqlx::query(
                    "UPDATE sos_calls SET status = 'closed', closed_at = $2, closed_by = $3, outcome = $4, outcome_note = $5 \
                     WHERE id = $1 AND status IN ('acknowledged', 'dispatched')")
                    .bind(id).bind(at).bind(&actor.name).bind(outcome.code()).bind(note).execute(&mut *tx).await?,
            };
            if done.rows_affected() == 0 {
                return Err(StoreError::Refused("这条呼救已被他人处理，请刷新".into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(to.code(), "sos_call", id,
                serde_json::json!({"person": call.person_id}))).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.call_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    /// 接警: the call is answered by `actor`.
    pub async fn acknowledge_call(&self, id: i64, scope: &str, actor: &Actor) -> Result<Call> {
        self.acknowledge_call_at(id, scope, actor, now()).await
    }

    pub(crate) async fn acknowledge_call_at(
        &self,
        id: i64,
        scope: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Call> {
        self.move_call(id, CallStatus::Acknowledged, scope, actor, CallUpdate::Acknowledge, at)
            .await
    }

    /// 派出: whom the desk sent or called (added to those already sent), with a note.
    pub async fn dispatch_call(
        &self,
        id: i64,
        sent: &[String],
        note: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<Call> {
        self.dispatch_call_at(id, sent, note, scope, actor, now()).await
    }

    pub(crate) async fn dispatch_call_at(
        &self,
        id: i64,
        sent: &[String],
        note: &str,
        scope: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Call> {
        let mut codes: Vec<&'static str> = Vec::new();
        for s in sent {
            match Dispatch::parse(s.trim()) {
                Some(d) => codes.push(d.code()),
                None => {
                    return Err(StoreError::Invalid(vec![FieldError::new(
                        "sent",
                        "请选择派出或通知的对象",
                    )]))
                }
            }
        }
        if codes.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "sent",
                "请至少选择一项派出或通知的对象",
            )]));
        }
        if let Some(e) = yiyang_domain::text::too_long("note", "处置说明", note, 500) {
            return Err(StoreError::Invalid(vec![e]));
        }
        let before = self.call_in_scope(id, scope).await?.ok_or(StoreError::NotFound)?;
        let mut all: Vec<&str> = before.dispatched.split(',').filter(|s| !s.is_empty()).collect();
        for c in codes {
            if !all.contains(&c) {
                all.push(c);
            }
        }
        let joined = all.join(",");
        self.move_call(
            id,
            CallStatus::Dispatched,
            scope,
            actor,
            CallUpdate::Dispatch(&joined, note.trim()),
            at,
        )
        .await
    }

    /// 结束: the call's outcome.
    pub async fn close_call(&self, id: i64, outcome: &str, note: &str, scope: &str, actor: &Actor) -> Result<Call> {
        self.close_call_at(id, outcome, note, scope, actor, now()).await
    }

    pub(crate) async fn close_call_at(
        &self,
        id: i64,
        outcome: &str,
        note: &str,
        scope: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Call> {
        let Some(outcome) = Outcome::parse(outcome.trim()) else {
            return Err(StoreError::Invalid(vec![FieldError::new("outcome", "请选择处置结果")]));
        };
        if let Some(e) = yiyang_domain::text::too_long("note", "处置说明", note, 500) {
            return Err(StoreError::Invalid(vec![e]));
        }
        self.move_call(
            id,
            CallStatus::Closed,
            scope,
            actor,
            CallUpdate::Close(outcome, note.trim()),
            at,
        )
        .await
    }

    /// Raises every unanswered call that has waited past its desk's setting, as of `at`.
    /// Returns the calls raised (each once per step), for the desks' event streams.
    pub async fn escalate_due(&self, at: DateTime<Utc>) -> Result<Vec<Call>> {
        let at = micros(at);
        let waiting: Vec<(i64, String, DateTime<Utc>, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, desk, received_at, level FROM sos_calls WHERE status = 'new' AND level < 2 ORDER BY id LIMIT 1000")
            .fetch_all(pool).await?);
        let mut raised = Vec::new();
        let mut acks: Vec<(String, i64)> = Vec::new();
        for (id, desk, received, level) in waiting {
            let ack = match acks.iter().find(|(d, _)| *d == desk) {
                Some((_, s)) => *s,
                None => {
                    let s = self.supervision_setting(ACK_SETTING, &desk).await?;
                    acks.push((desk.clone(), s));
                    s
                }
            };
            let to = level_after(at - received, Duration::seconds(ack));
            if (to as i64) <= level {
                continue;
            }
            let system = Actor {
                name: "system".into(),
                channel: "web",
                source: "escalation".into(),
                scope: String::new(),
            };
            let done = with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                let done = sqlx::query("UPDATE sos_calls SET level = $2, escalated_at = $3 WHERE id = $1 AND status = 'new' AND level = $4")
                    .bind(id).bind(to as i64).bind(at).bind(level).execute(&mut *tx).await?.rows_affected();
                if done > 0 {
                    (*tx).append_audit(&self.audit_keys(), &system.entry("escalate", "sos_call", id,
                        serde_json::json!({"level": to as i64, "waited_secs": (at - received).num_seconds()}))).await?;
                }
                tx.commit().await?;
                done
            });
            if done > 0 {
                if let Some(c) = self.call_by_id(id).await? {
                    raised.push(c);
                }
            }
        }
        Ok(raised)
    }

    /// The month's response figures per desk of `scope` (and their total, desk "").
    pub async fn sos_month(&self, scope: &str, month: Month) -> Result<Vec<DeskMonth>> {
        let (from, to) = month_bounds(month);
        self.sos_between(scope, from, to).await
    }

    /// The response figures per desk of `scope` for calls received in `[from, to)`.
    pub async fn sos_between(&self, scope: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<DeskMonth>> {
        let (lo, hi) = scope_range(scope);
        let rows: Vec<CallTimes> = with_pool!(self, pool => sqlx::query_as(
            "SELECT desk, received_at, acknowledged_at, level, outcome, status FROM sos_calls \
             WHERE division >= $1 AND division < $2 AND received_at >= $3 AND received_at < $4 LIMIT 100000")
            .bind(&lo).bind(&hi).bind(from).bind(to).fetch_all(pool).await?);
        Ok(desk_months(&rows))
    }
}

enum CallUpdate<'a> {
    Acknowledge,
    Dispatch(&'a str, &'a str),
    Close(Outcome, &'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_months_figures_count_each_desk_and_the_total() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let rows = vec![
            (
                "a".to_string(),
                t("2026-11-02T00:00:00Z"),
                Some(t("2026-11-02T00:00:30Z")),
                0,
                Some("handled".to_string()),
                "closed".to_string(),
            ),
            (
                "a".to_string(),
                t("2026-11-03T00:00:00Z"),
                Some(t("2026-11-03T00:02:00Z")),
                1,
                Some("false_alarm".to_string()),
                "closed".to_string(),
            ),
            (
                "a".to_string(),
                t("2026-11-04T00:00:00Z"),
                None,
                2,
                None,
                "new".to_string(),
            ),
            (
                "b".to_string(),
                t("2026-11-05T00:00:00Z"),
                Some(t("2026-11-05T00:00:10Z")),
                0,
                None,
                "acknowledged".to_string(),
            ),
        ];
        let m = desk_months(&rows);
        assert_eq!(m.len(), 3);
        let a = &m[0];
        assert_eq!(
            (
                a.desk.as_str(),
                a.calls,
                a.acknowledged,
                a.escalated,
                a.to_county,
                a.false_alarms,
                a.open
            ),
            ("a", 3, 2, 2, 1, 1, 1)
        );
        assert_eq!((a.median_ack_secs, a.p90_ack_secs), (Some(30), Some(120)));
        let total = &m[2];
        assert_eq!(
            (total.desk.as_str(), total.calls, total.acknowledged, total.open),
            ("", 4, 3, 2)
        );
        assert_eq!((total.median_ack_secs, total.p90_ack_secs), (Some(30), Some(120)));
    }
}
