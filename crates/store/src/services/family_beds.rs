//! Family care beds (家庭养老床位): opened by a provider or a clerk for a person with a valid
//! capability assessment (the level is kept as signed), the home's adaptations and devices, a
//! care plan whose visits are placed as orders two weeks ahead (once each: a plan key per
//! visit), and ended with the plan's open orders cancelled. Beds in service count in
//! `beds_total`.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::services::family_bed::{parse_weekdays, visit_days, Adaptation, BedStatus, Device};
use yiyang_domain::services::order::{Actor as Who, Channel};

use super::orders::{OrderInput, OrderViewer};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FamilyBed {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub address: Option<String>,
    pub provider_id: i64,
    pub provider_name: String,
    pub contract_no: String,
    pub signed_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub level: i64,
    pub adaptations: String,
    pub devices: String,
    pub status: String,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

impl FamilyBed {
    pub fn adaptation_labels(&self) -> String {
        labels(&self.adaptations, |c| Adaptation::parse(c).map(|a| a.label()))
    }
    pub fn device_labels(&self) -> String {
        labels(&self.devices, |c| Device::parse(c).map(|a| a.label()))
    }
    pub fn status_label(&self) -> &'static str {
        BedStatus::parse(&self.status).map_or("", |s| s.label())
    }
    pub fn active(&self) -> bool {
        self.status == BedStatus::Active.code()
    }
}

fn labels(codes: &str, f: impl Fn(&str) -> Option<&'static str>) -> String {
    codes.split(',').filter_map(f).collect::<Vec<_>>().join("、")
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PlanLine {
    pub id: i64,
    pub bed_id: i64,
    pub service_id: i64,
    pub kind: String,
    pub units: i64,
    pub weekdays: String,
    pub at_time: String,
}

impl PlanLine {
    pub fn kind_label(&self) -> &'static str {
        yiyang_domain::services::catalogue::ServiceKind::parse(&self.kind).map_or("", |k| k.label())
    }
    pub fn weekday_labels(&self) -> String {
        self.weekdays
            .split(',')
            .filter_map(|d| d.parse::<usize>().ok())
            .filter_map(|d| ["一", "二", "三", "四", "五", "六", "日"].get(d.wrapping_sub(1)))
            .map(|d| format!("周{d}"))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A bed as typed.
#[derive(Debug, Clone, Default)]
pub struct BedInput {
    pub id_number: String,
    pub provider_id: String,
    pub contract_no: String,
    pub signed_on: String,
    pub ends_on: String,
    pub adaptations: Vec<String>,
    pub devices: Vec<String>,
}

const SELECT: &str = "SELECT b.id, b.person_id, p.name AS person_name, p.address, b.provider_id, v.name AS provider_name, b.contract_no, \
    b.signed_on, b.ends_on, b.level, b.adaptations, b.devices, b.status, b.ended_on, b.end_reason \
    FROM family_beds b JOIN persons p ON p.id = b.person_id JOIN providers v ON v.id = b.provider_id";

impl Store {
    /// Family beds of people in `scope` (a provider's staff: their provider's only).
    pub async fn family_beds_in(&self, scope: &str, provider: Option<i64>) -> Result<Vec<FamilyBed>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!(
            "{SELECT} WHERE ((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 AND p.residence_division < $2)) \
             AND ($3 = 0 OR b.provider_id = $3) ORDER BY b.status, b.signed_on DESC, b.id DESC LIMIT 2000"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(provider.unwrap_or(0)).fetch_all(pool).await?),
        )
    }

    pub async fn family_bed_in(&self, id: i64, scope: &str, provider: Option<i64>) -> Result<Option<FamilyBed>> {
        Ok(self
            .family_beds_in(scope, provider)
            .await?
            .into_iter()
            .find(|b| b.id == id))
    }

    /// Opens a bed for the person with this ID number in `scope`, with `provider` (a provider's
    /// staff: their own). Errors name the field; a person unknown in the scope is as unknown.
    pub async fn open_family_bed(
        &self,
        input: &BedInput,
        scope: &str,
        own_provider: Option<i64>,
        actor: &Actor,
    ) -> Result<i64> {
        let mut errors = Vec::new();
        let id = yiyang_domain::IdNumber::parse(&input.id_number);
        let person = match &id {
            Ok(n) => self.person_id_by_number_in(n.as_str(), scope).await?,
            Err(e) => {
                errors.push(FieldError::new("id_number", e.to_string()));
                None
            }
        };
        if id.is_ok() && person.is_none() {
            errors.push(FieldError::new("id_number", "本辖区没有这位老人"));
        }
        let provider = match own_provider.or_else(|| input.provider_id.trim().parse().ok()) {
            Some(p) => self.provider_in(p, scope).await?.filter(|p| p.active),
            None => None,
        };
        if provider.is_none() {
            errors.push(FieldError::new("provider_id", "请选择服务商"));
        }
        if input.contract_no.trim().is_empty() || input.contract_no.chars().count() > 50 {
            errors.push(FieldError::new("contract_no", "请填写合同编号（50字以内）"));
        }
        let today = self.clock.today();
        let signed = NaiveDate::parse_from_str(input.signed_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today);
        if signed.is_none() {
            errors.push(FieldError::new("signed_on", "请填写签约日期（不晚于今天）"));
        }
        let ends = match input.ends_on.trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| signed.is_none_or(|sd| *d > sd))
            {
                Some(d) => Some(d),
                None => {
                    errors.push(FieldError::new("ends_on", "合同到期日须晚于签约日期"));
                    None
                }
            },
        };
        let adaptations: Vec<&str> = input
            .adaptations
            .iter()
            .filter_map(|a| Adaptation::parse(a))
            .map(|a| a.code())
            .collect();
        let devices: Vec<&str> = input
            .devices
            .iter()
            .filter_map(|a| Device::parse(a))
            .map(|a| a.code())
            .collect();
        let (Some(person), Some(provider), Some(signed), true) = (person, provider, signed, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        // The home assessment rests on the person's valid capability assessment.
        let Some(level) = self.valid_assessment(person, signed).await?.map(|a| a.final_level) else {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "id_number",
                "这位老人没有有效的能力评估，请先评估再建床",
            )]));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM family_beds WHERE person_id = $1 AND status = 'active'")
                .bind(person).fetch_one(&mut *tx).await?;
            if open > 0 {
                return Err(StoreError::Refused("这位老人已有在服务的家庭养老床位".into()));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO family_beds (person_id, provider_id, contract_no, signed_on, ends_on, level, adaptations, devices, status, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10) RETURNING id")
                .bind(person).bind(provider.id).bind(input.contract_no.trim()).bind(signed).bind(ends).bind(level)
                .bind(adaptations.join(",")).bind(devices.join(",")).bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("open_family_bed", "person", person,
                serde_json::json!({"bed": id, "provider": provider.id, "level": level}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn bed_plan(&self, bed: i64) -> Result<Vec<PlanLine>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT l.id, l.bed_id, l.service_id, s.kind, l.units, l.weekdays, l.at_time FROM family_bed_plan l \
             JOIN provider_services s ON s.id = l.service_id WHERE l.bed_id = $1 ORDER BY l.id")
            .bind(bed).fetch_all(pool).await?))
    }

    /// Adds a line to the care plan: one of the bed's provider's services, on weekdays, at a time.
    pub async fn add_plan_line(
        &self,
        bed: &FamilyBed,
        service: &str,
        units: &str,
        weekdays: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<i64> {
        if !bed.active() {
            return Err(StoreError::Refused("床位已撤销".into()));
        }
        let mut errors = Vec::new();
        let service: Option<i64> = match service.trim().parse::<i64>() {
            Ok(s) => with_pool!(self, pool => sqlx::query_scalar(
                "SELECT id FROM provider_services WHERE id = $1 AND provider_id = $2 AND active")
                .bind(s).bind(bed.provider_id).fetch_optional(pool).await?),
            Err(_) => None,
        };
        if service.is_none() {
            errors.push(FieldError::new("service_id", "请选择该服务商的服务项目"));
        }
        let units = units.trim().parse::<i64>().ok().filter(|u| (1..=8).contains(u));
        if units.is_none() {
            errors.push(FieldError::new("units", "数量须为 1–8"));
        }
        let days = parse_weekdays(weekdays);
        if let Err(e) = &days {
            errors.push(e.clone());
        }
        let time = NaiveTime::parse_from_str(at.trim(), "%H:%M").ok();
        if time.is_none() {
            errors.push(FieldError::new("at_time", "请填写上门时间"));
        }
        let (Some(service), Some(units), Ok(days), Some(time), true) = (service, units, days, time, errors.is_empty())
        else {
            return Err(StoreError::Invalid(errors));
        };
        let weekdays: Vec<String> = days.iter().map(|d| d.number_from_monday().to_string()).collect();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO family_bed_plan (bed_id, service_id, units, weekdays, at_time, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(bed.id).bind(service).bind(units).bind(weekdays.join(",")).bind(time.format("%H:%M").to_string()).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("plan", "family_bed", bed.id,
                serde_json::json!({"line": id, "service": service, "weekdays": weekdays}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Places the plan's visits from `from` for `days` days as orders (accepted by the bed's
    /// provider: the contract is the acceptance). A visit already placed is skipped. Returns
    /// how many orders were placed.
    pub async fn schedule_family_bed(
        &self,
        bed: &FamilyBed,
        from: NaiveDate,
        days: u64,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        if !bed.active() {
            return Err(StoreError::Refused("床位已撤销".into()));
        }
        let provider = self
            .provider_in(bed.provider_id, "")
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut placed = 0;
        for line in self.bed_plan(bed.id).await? {
            let weekdays = parse_weekdays(&line.weekdays).map_err(|e| StoreError::Invalid(vec![e]))?;
            for day in visit_days(&weekdays, from, days.min(62), bed.ends_on) {
                let key = format!("bed{}:line{}:{day}", bed.id, line.id);
                let exists: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM service_orders WHERE plan_key = $1")
                    .bind(&key).fetch_one(pool).await?);
                if exists > 0 {
                    continue;
                }
                let input = OrderInput {
                    service_id: line.service_id.to_string(),
                    units: line.units.to_string(),
                    date: day.to_string(),
                    time: line.at_time.clone(),
                    note: format!("家庭养老床位照护计划（合同 {}）", bed.contract_no),
                    plan_key: Some(key),
                    ..OrderInput::default()
                };
                match self.place_order(bed.person_id, &input, Channel::Plan, actor, at).await {
                    Ok(id) => {
                        let o = self
                            .order_visible(id, "", &OrderViewer::Division)
                            .await?
                            .ok_or(StoreError::NotFound)?;
                        let a = Actor {
                            name: format!("{}（照护计划）", provider.name),
                            ..actor.clone()
                        };
                        self.accept_order(&o, &a, at).await?;
                        placed += 1;
                    }
                    // A visit too soon or beyond the ordering window is left for the next run.
                    Err(StoreError::Invalid(_)) => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(placed)
    }

    /// Ends a bed: the plan's orders not yet served are cancelled.
    pub async fn end_family_bed(
        &self,
        bed: &FamilyBed,
        reason: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        if !bed.active() {
            return Err(StoreError::Refused("床位已撤销".into()));
        }
        if reason.trim().is_empty() || reason.chars().count() > 200 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "reason",
                "请写明撤床原因（200字以内）",
            )]));
        }
        let today = self.clock.today();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE family_beds SET status = 'ended', ended_on = $2, end_reason = $3 WHERE id = $1 AND status = 'active'")
                .bind(bed.id).bind(today).bind(reason.trim()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("end_family_bed", "family_bed", bed.id,
                serde_json::json!({"reason": reason.trim()}))).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        let prefix = format!("bed{}:%", bed.id);
        let open: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM service_orders WHERE plan_key LIKE $1 AND status IN ('placed', 'accepted', 'assigned')")
            .bind(&prefix).fetch_all(pool).await?);
        let mut n = 0;
        for id in open {
            if let Some(o) = self.order_visible(id, "", &OrderViewer::Division).await? {
                if self
                    .cancel_order(&o, Who::Clerk, "家庭养老床位已撤床", actor, at)
                    .await
                    .is_ok()
                {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// For `beds_total`: the division of each family bed in service on `on`.
    pub(crate) async fn family_bed_divisions(&self, scope: &str, on: NaiveDate) -> Result<Vec<String>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COALESCE(p.residence_division, p.hukou_division) FROM family_beds b JOIN persons p ON p.id = b.person_id \
             WHERE p.hukou_division >= $1 AND p.hukou_division < $2 AND b.signed_on <= $3 AND (b.ended_on IS NULL OR b.ended_on > $3)")
            .bind(&lo).bind(&hi).bind(on).fetch_all(pool).await?))
    }
}
