//! Placing an order: what may be ordered for a person, what the county's purchase of services
//! leaves them this month, and the order itself with the government's share fixed at placing
//! (whole units within the hours left; the rest is the family's).

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;
use yiyang_domain::planning::circle::Point;
use yiyang_domain::services::catalogue::{split, ServiceKind, RESPITE_MIN_LEVEL};
use yiyang_domain::services::order::Channel;

use super::orders::OrderInput;
use super::{day_start, CatalogueRow};
use crate::audit::{Actor, AuditAppend};
use crate::{with_pool, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct Offer {
    id: i64,
    provider_id: i64,
    kind: String,
    unit: String,
    price_fen: i64,
    minutes: i64,
    active: bool,
    name: String,
}

impl Store {
    /// Minutes of the purchased hours a person's orders hold in `month`.
    async fn minutes_held(&self, person: i64, month: Month) -> Result<i64> {
        let v: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT CAST(SUM(gov_units * unit_minutes) AS BIGINT) FROM service_orders WHERE person_id = $1 AND scheme_id IS NOT NULL \
             AND status NOT IN ('cancelled', 'declined') AND scheduled_start >= $2 AND scheduled_start < $3")
            .bind(person).bind(day_start(month.first_day())).bind(day_start(month.last_day() + chrono::Days::new(1)))
            .fetch_one(pool).await?);
        Ok(v.unwrap_or(0))
    }

    /// Days of 喘息服务 the purchase pays for a person's orders in `year`.
    async fn respite_days_held(&self, person: i64, year: i32) -> Result<i64> {
        let (a, b) = (
            chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
            chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default(),
        );
        let v: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT CAST(SUM(gov_units) AS BIGINT) FROM service_orders WHERE person_id = $1 AND kind = 'respite' AND unit = 'day' \
             AND scheme_id IS NOT NULL AND status NOT IN ('cancelled', 'declined') AND scheduled_start >= $2 AND scheduled_start < $3")
            .bind(person).bind(day_start(a)).bind(day_start(b)).fetch_one(pool).await?);
        Ok(v.unwrap_or(0))
    }

    /// What the purchased services leave a person in `month`: (scheme title, minutes a month,
    /// minutes left), or `None` when no scheme covers them.
    pub async fn purchased_balance(&self, person: i64, on: NaiveDate) -> Result<Option<(String, i64, i64)>> {
        let Some((division, categories)) = self.person_division_categories(person).await? else {
            return Ok(None);
        };
        let Some(scheme) = self.scheme_for(&division, on).await? else {
            return Ok(None);
        };
        let level = self.valid_assessment(person, on).await?.map(|a| a.final_level);
        if !scheme.scheme().covers_person(&categories, level) {
            return Ok(None);
        }
        let held = self.minutes_held(person, Month::of(on)).await?;
        Ok(Some((
            scheme.title.clone(),
            scheme.minutes_per_month,
            (scheme.minutes_per_month - held).max(0),
        )))
    }

    pub(super) async fn person_division_categories(&self, person: i64) -> Result<Option<(String, String)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT COALESCE(residence_division, hukou_division), categories FROM persons WHERE id = $1 AND death_date IS NULL")
            .bind(person).fetch_optional(pool).await?))
    }

    /// Places an order for `person` (who must already be reachable by the caller: linked to
    /// the family account, or in the clerk's scope) at `at`. Errors name the field.
    pub async fn place_order(
        &self,
        person: i64,
        input: &OrderInput,
        channel: Channel,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let (division, categories) = self
            .person_division_categories(person)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut errors = Vec::new();
        let service: Option<(i64, i64, String, String, i64, i64)> = match input.service_id.trim().parse::<i64>() {
            Ok(sid) => with_pool!(self, pool => sqlx::query_as(
                "SELECT s.id, s.provider_id, s.kind, s.unit, s.price_fen, s.minutes FROM provider_services s JOIN providers v ON v.id = s.provider_id \
                 WHERE s.id = $1 AND s.active AND v.active AND EXISTS (SELECT 1 FROM provider_areas a WHERE a.provider_id = v.id AND $2 LIKE a.division || '%')")
                .bind(sid).bind(&division).fetch_optional(pool).await?),
            Err(_) => None,
        };
        if service.is_none() {
            errors.push(FieldError::new("service_id", "请选择老人所在地服务商提供的服务"));
        }
        let units = input.units.trim().parse::<i64>().ok().filter(|u| (1..=8).contains(u));
        if units.is_none() {
            errors.push(FieldError::new("units", "数量须为 1–8"));
        }
        let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d").ok();
        let time = NaiveTime::parse_from_str(input.time.trim(), "%H:%M").ok();
        let start = match (date, time) {
            (Some(d), Some(t)) => Some(day_start(d) + (t - NaiveTime::MIN)),
            _ => None,
        };
        match start {
            None => errors.push(FieldError::new("date", "请选择上门日期和时间")),
            Some(s) if s < at + chrono::Duration::minutes(30) || s > at + chrono::Duration::days(30) => {
                errors.push(FieldError::new("date", "上门时间须在半小时后、30天内"))
            }
            _ => {}
        }
        errors.extend(yiyang_domain::text::too_long("note", "备注", &input.note, 200));
        let here = match (input.lat.trim(), input.lon.trim()) {
            ("", "") => None,
            (lat, lon) => match Point::parse(lat, lon) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(FieldError::new("lat", e.message()));
                    None
                }
            },
        };
        let (Some((sid, provider, kind, unit, price, minutes)), Some(units), Some(start), true) =
            (service, units, start, errors.is_empty())
        else {
            return Err(StoreError::Invalid(errors));
        };
        let unit_minutes = if minutes > 0 { minutes } else { 60 };
        let end = start
            + match unit.as_str() {
                "meal" => chrono::Duration::minutes(30),
                "day" => chrono::Duration::days(units),
                _ => chrono::Duration::minutes(unit_minutes * units),
            };
        // Where the person lives: known, or the family's phone at home now.
        let mut home = self.person_location(person).await?;
        if home.is_none() {
            if let Some(p) = here {
                self.set_person_location(person, p, "family_phone", actor).await?;
                home = Some(p);
            }
        }
        // The government's share: whole units within the month's purchased minutes left, or
        // for 喘息服务 by the day, the days left in the year.
        let local = start.with_timezone(&chrono::Local).date_naive();
        let k = ServiceKind::parse(&kind).ok_or(StoreError::NotFound)?;
        let level = self.valid_assessment(person, local).await?.map(|a| a.final_level);
        let scheme = self
            .scheme_for(&division, local)
            .await?
            .filter(|s| s.scheme().covers_person(&categories, level));
        let (scheme, gov_units, gov, fam) = if k == ServiceKind::Respite && unit == "day" {
            let s = scheme.filter(|s| s.respite_days > 0 && level.is_some_and(|l| l >= RESPITE_MIN_LEVEL));
            let left = match &s {
                Some(s) => s.respite_days - self.respite_days_held(person, local.year()).await?,
                None => 0,
            };
            let (u, g, f) = split(units, 1, yiyang_domain::Fen(price), left);
            (s, u, g, f)
        } else {
            let s = scheme.filter(|s| s.scheme().covers_kind(k) && minutes > 0);
            let left = match &s {
                Some(s) => s.minutes_per_month - self.minutes_held(person, Month::of(local)).await?,
                None => 0,
            };
            let (u, g, f) = split(units, minutes, yiyang_domain::Fen(price), left);
            (s, u, g, f)
        };
        let address: Option<String> = with_pool!(self, pool => sqlx::query_scalar("SELECT address FROM persons WHERE id = $1")
            .bind(person).fetch_one(pool).await?);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO service_orders (person_id, provider_id, service_id, kind, unit, units, unit_minutes, price_fen, scheme_id, gov_units, gov_fen, \
                 family_fen, scheduled_start, scheduled_end, address, lat, lon, note, channel, ordered_by, status, plan_key, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 'placed', $22, $21, $21) RETURNING id")
                .bind(person).bind(provider).bind(sid).bind(&kind).bind(&unit).bind(units).bind(minutes).bind(price)
                .bind(scheme.as_ref().filter(|_| gov_units > 0).map(|s| s.id)).bind(gov_units).bind(gov.0).bind(fam.0)
                .bind(start).bind(end).bind(address.unwrap_or_default()).bind(home.map(|p| p.lat)).bind(home.map(|p| p.lon))
                .bind(input.note.trim()).bind(channel.code()).bind(&actor.name).bind(at).bind(input.plan_key.as_deref())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("order", "person", person,
                serde_json::json!({"order": id, "kind": kind, "units": units, "gov_fen": gov.0, "family_fen": fam.0}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// What may be ordered for a person: active lines of active providers serving where they
    /// live, with the provider's name and whether the purchase of services covers it for them.
    pub async fn services_for_person(&self, person: i64) -> Result<Vec<(CatalogueRow, String, bool)>> {
        let Some((division, categories)) = self.person_division_categories(person).await? else {
            return Ok(Vec::new());
        };
        let today = self.clock.today();
        let level = self.valid_assessment(person, today).await?.map(|a| a.final_level);
        let scheme = self
            .scheme_for(&division, today)
            .await?
            .map(|s| s.scheme())
            .filter(|s| s.covers_person(&categories, level));
        let respite_ok = level.is_some_and(|l| l >= RESPITE_MIN_LEVEL)
            && self
                .scheme_for(&division, today)
                .await?
                .is_some_and(|s| s.respite_days > 0 && s.scheme().covers_person(&categories, level));
        let rows: Vec<Offer> = with_pool!(self, pool => sqlx::query_as(
            "SELECT s.id, s.provider_id, s.kind, s.unit, s.price_fen, s.minutes, s.active, v.name FROM provider_services s \
             JOIN providers v ON v.id = s.provider_id WHERE s.active AND v.active AND EXISTS (SELECT 1 FROM provider_areas a \
             WHERE a.provider_id = v.id AND $1 LIKE a.division || '%') ORDER BY v.name, s.kind LIMIT 200")
            .bind(&division).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(
                |Offer {
                     id,
                     provider_id,
                     kind,
                     unit,
                     price_fen,
                     minutes,
                     active,
                     name,
                 }| {
                    let covered = if kind == "respite" && unit == "day" {
                        respite_ok
                    } else {
                        minutes > 0
                            && ServiceKind::parse(&kind)
                                .is_some_and(|k| scheme.as_ref().is_some_and(|s| s.covers_kind(k)))
                    };
                    (
                        CatalogueRow {
                            id,
                            provider_id,
                            kind,
                            unit,
                            price_fen,
                            minutes,
                            active,
                        },
                        name,
                        covered,
                    )
                },
            )
            .collect())
    }

    /// Moves an order not yet served to another time in the same month (the government's share
    /// stays as it was; across months, cancel and order again). The family may move it until
    /// the cancel deadline, the provider or a clerk until the worker checks in; an assigned
    /// order goes back to the provider to assign again.
    pub async fn reschedule_order(
        &self,
        o: &super::orders::Order,
        who: yiyang_domain::services::order::Actor,
        date: &str,
        time: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        use yiyang_domain::services::order::{may_cancel, OrderStatus};
        let hours = self.supervision_setting(super::CANCEL_SETTING, &o.division).await?;
        may_cancel(o.status(), who, o.scheduled_start, at, hours)
            .map_err(|m| StoreError::Refused(m.replace("取消", "改约")))?;
        let start = match (
            NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d"),
            NaiveTime::parse_from_str(time.trim(), "%H:%M"),
        ) {
            (Ok(d), Ok(t)) => day_start(d) + (t - NaiveTime::MIN),
            _ => {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "date",
                    "请选择新的上门日期和时间",
                )]))
            }
        };
        if start < at + chrono::Duration::minutes(30) || start > at + chrono::Duration::days(30) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "date",
                "上门时间须在半小时后、30天内",
            )]));
        }
        let month = |t: DateTime<Utc>| Month::of(t.with_timezone(&chrono::Local).date_naive());
        if month(start) != month(o.scheduled_start) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "date",
                "改约只能在同一个月内；跨月请取消后重新下单",
            )]));
        }
        let end = start + (o.scheduled_end - o.scheduled_start);
        let status = if o.status() == OrderStatus::Assigned {
            OrderStatus::Accepted
        } else {
            o.status()
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE service_orders SET scheduled_start = $2, scheduled_end = $3, status = $4, \
                 worker = CASE WHEN $4 = 'accepted' THEN NULL ELSE worker END, updated_at = $5 \
                 WHERE id = $1 AND status = $6")
                .bind(o.id).bind(start).bind(end).bind(status.code()).bind(at).bind(&o.status)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("订单状态已变化，请刷新后再办理".into()));
            }
            let local = start.with_timezone(&chrono::Local).format("%m-%d %H:%M");
            let text = format!("{}（{}）：上门时间改为 {local}", o.person_name, o.kind_label());
            let users: Vec<String> = sqlx::query_scalar("SELECT DISTINCT username FROM family_links WHERE person_id = $1 AND status = 'confirmed'")
                .bind(o.person_id).fetch_all(&mut *tx).await?;
            for u in users.iter().filter(|u| **u != actor.name) {
                sqlx::query("INSERT INTO family_notices (username, order_id, text, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(u).bind(o.id).bind(&text).bind(at).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("reschedule", "service_order", o.id,
                serde_json::json!({"from": o.scheduled_start, "to": start}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
