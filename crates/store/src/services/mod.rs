//! Home and community services (居家社区养老服务): providers, their areas and catalogue, the
//! county's purchase of services, where people live (for check-ins); family accounts
//! (`family`), orders and their records (`orders`), monthly settlement (`settlement`).

mod booking;
mod demo;
pub mod family;
pub mod family_beds;
pub mod lists;
pub mod meals;
pub mod notices;
pub mod orders;
pub mod settlement;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::institution::CreditCode;
use yiyang_domain::person::FieldError;
use yiyang_domain::planning::circle::Point;
use yiyang_domain::services::catalogue::{CatalogueItem, Scheme, ServiceKind, Unit};

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// The demo county's home-care provider (its accounts `fuwu` and `hugong` work for it).
pub const DEMO_PROVIDER: &str = "52360733MJC246801D";

/// The demo family account (a mobile number, as every family account is named).
pub const DEMO_FAMILY: &str = "13907970001";

/// Setting keys (read through `Store::supervision_setting`, set on 系统设置).
pub const TOLERANCE_SETTING: &str = "services.checkin_tolerance_m";
pub const LATE_SETTING: &str = "services.late_minutes";
pub const CANCEL_SETTING: &str = "services.family_cancel_hours";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Provider {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub division: String,
    pub address: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub account_name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CatalogueRow {
    pub id: i64,
    pub provider_id: i64,
    pub kind: String,
    pub unit: String,
    pub price_fen: i64,
    pub minutes: i64,
    pub active: bool,
}

impl CatalogueRow {
    pub fn kind_label(&self) -> &'static str {
        ServiceKind::parse(&self.kind).map_or("", |k| k.label())
    }
    pub fn unit_label(&self) -> &'static str {
        Unit::parse(&self.unit).map_or("", |u| u.label())
    }
    pub fn price(&self) -> String {
        yiyang_domain::Fen(self.price_fen).to_string()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SchemeRow {
    pub id: i64,
    pub division: String,
    pub title: String,
    pub document: String,
    pub categories: String,
    pub min_level: Option<i64>,
    pub minutes_per_month: i64,
    /// What the purchase pays toward one meal a day (0: no meal subsidy).
    pub meal_fen: i64,
    /// Days of 喘息服务 a year for a disabled person the purchase covers (0: none).
    pub respite_days: i64,
    pub kinds: String,
    pub from_date: NaiveDate,
    pub to_date: Option<NaiveDate>,
    pub demo: bool,
}

impl SchemeRow {
    pub fn scheme(&self) -> Scheme {
        Scheme {
            categories: self
                .categories
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            min_level: self.min_level,
            minutes_per_month: self.minutes_per_month,
            kinds: self.kinds.split(',').filter_map(ServiceKind::parse).collect(),
        }
    }
    pub fn kind_labels(&self) -> String {
        self.scheme()
            .kinds
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn meal(&self) -> String {
        yiyang_domain::Fen(self.meal_fen).to_string()
    }
    pub fn hours(&self) -> String {
        let h = self.minutes_per_month as f64 / 60.0;
        format!("{h:.1}").trim_end_matches(".0").to_string()
    }
}

/// A provider as typed on the registration form.
#[derive(Debug, Clone, Default)]
pub struct ProviderInput {
    pub code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub account_name: String,
    /// Divisions served (at least one, inside the registering scope).
    pub areas: Vec<String>,
}

/// A purchase scheme as typed.
#[derive(Debug, Clone, Default)]
pub struct SchemeInput {
    pub title: String,
    pub document: String,
    pub categories: Vec<String>,
    pub min_level: String,
    pub hours_per_month: String,
    /// Yuan toward one meal a day; empty: none.
    pub meal_yuan: String,
    /// Days of respite a year; empty: none.
    pub respite_days: String,
    pub kinds: Vec<String>,
    pub from: String,
    pub demo: bool,
}

fn required(errors: &mut Vec<FieldError>, field: &str, label: &str, v: &str, max: usize) {
    if v.trim().is_empty() {
        errors.push(FieldError::new(field, format!("请填写{label}")));
    }
    errors.extend(yiyang_domain::text::too_long(field, label, v, max));
}

impl Store {
    /// Registers a provider in `scope` (its code checked, GB 32100), with the divisions it serves.
    pub async fn create_provider(&self, input: &ProviderInput, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        let code = CreditCode::parse(&input.code);
        if let Err(e) = &code {
            errors.push(FieldError::new("code", e.to_string()));
        }
        for (field, label, v, max) in [
            ("name", "服务商名称", &input.name, 100),
            ("address", "地址", &input.address, 200),
            ("phone", "联系电话", &input.phone, 30),
            ("bank_name", "开户银行", &input.bank_name, 100),
            ("bank_account", "银行账号", &input.bank_account, 40),
            ("account_name", "账户名称", &input.account_name, 100),
        ] {
            required(&mut errors, field, label, v, max);
        }
        if !input.bank_account.trim().is_empty() && !input.bank_account.trim().chars().all(|c| c.is_ascii_digit()) {
            errors.push(FieldError::new("bank_account", "银行账号只能是数字"));
        }
        let r = self.reference();
        let areas: Vec<&String> = input
            .areas
            .iter()
            .filter(|a| a.starts_with(scope) && r.division_name(a).is_some())
            .collect();
        if areas.is_empty() {
            errors.push(FieldError::new("areas", "请选择本辖区内的服务区域"));
        }
        let Ok(code) = code else {
            return Err(StoreError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM providers WHERE code = $1")
                .bind(code.as_str()).fetch_one(&mut *tx).await?;
            if taken > 0 {
                return Err(StoreError::Invalid(vec![FieldError::new("code", "该统一社会信用代码已登记")]));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO providers (code, name, division, address, phone, bank_name, bank_account, account_name, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(code.as_str()).bind(input.name.trim()).bind(scope).bind(input.address.trim()).bind(input.phone.trim())
                .bind(input.bank_name.trim()).bind(input.bank_account.trim()).bind(input.account_name.trim()).bind(true).bind(now())
                .fetch_one(&mut *tx).await?;
            for a in &areas {
                sqlx::query("INSERT INTO provider_areas (provider_id, division) VALUES ($1, $2)")
                    .bind(id).bind(a.as_str()).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "provider", id,
                serde_json::json!({"code": code.as_str(), "areas": areas}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Providers registered in `scope` or serving a division in it.
    pub async fn providers_in(&self, scope: &str) -> Result<Vec<Provider>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, code, name, division, address, phone, bank_name, bank_account, account_name, active FROM providers p \
             WHERE (division >= $1 AND division < $2) OR EXISTS (SELECT 1 FROM provider_areas a WHERE a.provider_id = p.id \
             AND a.division >= $1 AND a.division < $2) ORDER BY name")
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    pub async fn provider_in(&self, id: i64, scope: &str) -> Result<Option<Provider>> {
        Ok(self.providers_in(scope).await?.into_iter().find(|p| p.id == id))
    }

    /// The provider an account works for (`users.institution_id` holds its code).
    pub async fn provider_by_code(&self, code: &str) -> Result<Option<Provider>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, code, name, division, address, phone, bank_name, bank_account, account_name, active FROM providers WHERE code = $1")
            .bind(code).fetch_optional(pool).await?))
    }

    pub async fn provider_areas(&self, provider: i64) -> Result<Vec<String>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT division FROM provider_areas WHERE provider_id = $1 ORDER BY division")
            .bind(provider).fetch_all(pool).await?))
    }

    /// The provider's catalogue (inactive lines included, for its own page).
    pub async fn catalogue(&self, provider: i64) -> Result<Vec<CatalogueRow>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, provider_id, kind, unit, price_fen, minutes, active FROM provider_services WHERE provider_id = $1 ORDER BY kind, unit")
            .bind(provider).fetch_all(pool).await?))
    }

    /// Adds or changes a catalogue line (one per service and unit); a price change applies to
    /// orders placed afterwards (an order keeps the price it was placed at).
    pub async fn set_catalogue_item(
        &self,
        provider: i64,
        item: &CatalogueItem,
        active: bool,
        actor: &Actor,
    ) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE provider_services SET price_fen = $3, minutes = $4, active = $5 WHERE provider_id = $1 AND kind = $2 AND unit = $6")
                .bind(provider).bind(item.kind.code()).bind(item.price.0).bind(item.minutes).bind(active).bind(item.unit.code())
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                sqlx::query("INSERT INTO provider_services (provider_id, kind, unit, price_fen, minutes, active) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(provider).bind(item.kind.code()).bind(item.unit.code()).bind(item.price.0).bind(item.minutes).bind(active)
                    .execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("catalogue", "provider", provider,
                serde_json::json!({"kind": item.kind.code(), "unit": item.unit.code(), "price_fen": item.price.0, "active": active}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records the county's purchase of services. Only its own document can say who qualifies
    /// and for how many hours; the form asks for the document.
    pub async fn create_scheme(&self, input: &SchemeInput, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        required(&mut errors, "title", "项目名称", &input.title, 100);
        required(&mut errors, "document", "依据文件（文号和标题）", &input.document, 200);
        let cats = &self.reference().catalogue.categories;
        let categories: Vec<&str> = input
            .categories
            .iter()
            .filter(|c| cats.iter().any(|k| &k.code == *c))
            .map(String::as_str)
            .collect();
        let min_level = match input.min_level.trim() {
            "" => None,
            s => match s.parse::<i64>().ok().filter(|l| (1..=4).contains(l)) {
                Some(l) => Some(l),
                None => {
                    errors.push(FieldError::new("min_level", "能力等级须为 1–4"));
                    None
                }
            },
        };
        if categories.is_empty() && min_level.is_none() {
            errors.push(FieldError::new("categories", "请选择对象类别或能力等级"));
        }
        let minutes = yiyang_domain::policy::pack::parse_yuan(input.hours_per_month.trim())
            .filter(|h| (1..=300 * 100).contains(h))
            .map(|h| h * 60 / 100);
        if minutes.is_none() {
            errors.push(FieldError::new("hours_per_month", "每月服务时长须为 0.01–300 小时"));
        }
        let meal_fen = match input.meal_yuan.trim() {
            "" => Some(0),
            y => yiyang_domain::policy::pack::parse_yuan(y).filter(|f| (0..=10_000).contains(f)),
        };
        if meal_fen.is_none() {
            errors.push(FieldError::new("meal_yuan", "每餐补助须为 0–100 元，最多两位小数"));
        }
        let respite_days = match input.respite_days.trim() {
            "" => Some(0),
            d => d.parse::<i64>().ok().filter(|d| (0..=365).contains(d)),
        };
        if respite_days.is_none() {
            errors.push(FieldError::new("respite_days", "喘息服务天数须为 0–365"));
        }
        let kinds: Vec<&str> = input
            .kinds
            .iter()
            .filter_map(|k| ServiceKind::parse(k))
            .map(|k| k.code())
            .collect();
        if kinds.is_empty() {
            errors.push(FieldError::new("kinds", "请选择购买的服务项目"));
        }
        let from = NaiveDate::parse_from_str(input.from.trim(), "%Y-%m-%d").ok();
        if from.is_none() {
            errors.push(FieldError::new("from", "请填写起始日期"));
        }
        let (Some(minutes), Some(from), Some(meal_fen), Some(respite_days), true) =
            (minutes, from, meal_fen, respite_days, errors.is_empty())
        else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // A new scheme for the division ends the one in force the day before.
            sqlx::query("UPDATE purchase_schemes SET to_date = $2 WHERE division = $1 AND to_date IS NULL AND from_date < $3")
                .bind(scope).bind(from - chrono::Days::new(1)).bind(from).execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO purchase_schemes (division, title, document, categories, min_level, minutes_per_month, kinds, from_date, demo, created_by, created_at, meal_fen, respite_days) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
                .bind(scope).bind(input.title.trim()).bind(input.document.trim()).bind(categories.join(","))
                .bind(min_level).bind(minutes).bind(kinds.join(",")).bind(from).bind(input.demo).bind(&actor.name).bind(now()).bind(meal_fen).bind(respite_days)
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "purchase_scheme", id,
                serde_json::json!({"division": scope, "minutes": minutes, "kinds": kinds, "from": from}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Schemes of `scope`, of the divisions above it and below it.
    pub async fn schemes_in(&self, scope: &str) -> Result<Vec<SchemeRow>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, division, title, document, categories, min_level, minutes_per_month, meal_fen, respite_days, kinds, from_date, to_date, demo \
             FROM purchase_schemes WHERE (division >= $1 AND division < $2) OR $3 LIKE division || '%' ORDER BY division, from_date DESC")
            .bind(&lo).bind(&hi).bind(scope).fetch_all(pool).await?))
    }

    /// The scheme in force on `on` for a person of `division`: the most specific division's.
    pub(crate) async fn scheme_for(&self, division: &str, on: NaiveDate) -> Result<Option<SchemeRow>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, division, title, document, categories, min_level, minutes_per_month, meal_fen, respite_days, kinds, from_date, to_date, demo \
             FROM purchase_schemes WHERE $1 LIKE division || '%' AND from_date <= $2 AND (to_date IS NULL OR to_date >= $2) \
             ORDER BY LENGTH(division) DESC, from_date DESC LIMIT 1")
            .bind(division).bind(on).fetch_optional(pool).await?))
    }

    /// Where a person lives, for check-ins.
    pub async fn person_location(&self, person: i64) -> Result<Option<Point>> {
        let row: Option<(f64, f64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT lat, lon FROM person_locations WHERE person_id = $1").bind(person).fetch_optional(pool).await?);
        Ok(row.and_then(|(lat, lon)| Point::new(lat, lon).ok()))
    }

    /// Sets where a person lives (a clerk, or a family's phone at home when none is known).
    pub async fn set_person_location(&self, person: i64, at: Point, source: &str, actor: &Actor) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM person_locations WHERE person_id = $1").bind(person).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO person_locations (person_id, lat, lon, source, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(person).bind(at.lat).bind(at.lon).bind(source).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("locate", "person", person,
                serde_json::json!({"source": source}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// How many orders are on record (benchmarks).
    pub async fn count_orders(&self) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM service_orders").fetch_one(pool).await?))
    }

    /// Ids of up to `limit` living people registered in `scope`, oldest record first
    /// (benchmarks and demo data; never shown to a user).
    pub async fn living_ids_in(&self, scope: &str, limit: i64) -> Result<Vec<i64>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM persons WHERE hukou_division >= $1 AND hukou_division < $2 AND death_date IS NULL ORDER BY id LIMIT $3")
            .bind(&lo).bind(&hi).bind(limit).fetch_all(pool).await?))
    }

    /// Active provider accounts of a provider: (username, display name).
    pub async fn provider_workers(&self, provider_code: &str) -> Result<Vec<(String, String)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT username, display_name FROM users WHERE role = 'provider' AND active AND institution_id = $1 ORDER BY username")
            .bind(provider_code).fetch_all(pool).await?))
    }
}

/// Start of the day `d` (China time) as UTC.
pub(crate) fn day_start(d: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    chrono::Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .map_or_else(
            || d.and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
            |t| t.with_timezone(&Utc),
        )
}
