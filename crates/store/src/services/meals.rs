//! Meal assistance (老年助餐): meal points (facilities of the register, of kind 老年助餐点 or 社区
//! 养老服务中心, run by a provider at a price), meals served at the counter or delivered (one of
//! each kind per person and day; the person found by ID number in the point's county, as an
//! unknown number otherwise), the purchase of services' share of one meal a day, and each
//! sitting's food sample. Settled monthly with the provider's orders (`settlement`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::services::meals::{share, Check, Meal, Way, SAMPLE_HOURS};
use yiyang_domain::Fen;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MealPoint {
    pub facility_id: i64,
    pub name: String,
    pub division: String,
    pub address: Option<String>,
    pub provider_id: i64,
    pub provider_name: String,
    pub price_fen: i64,
}

impl MealPoint {
    pub fn price(&self) -> String {
        Fen(self.price_fen).to_string()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ServedMeal {
    pub id: i64,
    pub facility_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub served_on: NaiveDate,
    pub meal: String,
    pub way: String,
    pub checked_by: String,
    pub price_fen: i64,
    pub gov_fen: i64,
    pub family_fen: i64,
}

impl ServedMeal {
    pub fn meal_label(&self) -> &'static str {
        Meal::parse(&self.meal).map_or("", |m| m.label())
    }
    pub fn way_label(&self) -> &'static str {
        Way::parse(&self.way).map_or("", |m| m.label())
    }
    pub fn check_label(&self) -> &'static str {
        Check::parse(&self.checked_by).map_or("", |m| m.label())
    }
    pub fn gov(&self) -> String {
        Fen(self.gov_fen).to_string()
    }
    pub fn family(&self) -> String {
        Fen(self.family_fen).to_string()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Sample {
    pub id: i64,
    pub facility_id: i64,
    pub served_on: NaiveDate,
    pub meal: String,
    pub dishes: String,
    pub sources: String,
    pub kept_until: DateTime<Utc>,
}

impl Sample {
    pub fn meal_label(&self) -> &'static str {
        Meal::parse(&self.meal).map_or("", |m| m.label())
    }
    pub fn kept_until_local(&self) -> String {
        self.kept_until
            .with_timezone(&chrono::Local)
            .format("%m-%d %H:%M")
            .to_string()
    }
}

const POINTS: &str =
    "SELECT m.facility_id, f.name, f.division, f.address, m.provider_id, v.name AS provider_name, m.price_fen \
    FROM meal_points m JOIN facilities f ON f.id = m.facility_id JOIN providers v ON v.id = m.provider_id";

pub(super) const MEALS: &str =
    "SELECT m.id, m.facility_id, m.person_id, p.name AS person_name, m.served_on, m.meal, m.way, m.checked_by, \
    m.price_fen, m.gov_fen, m.family_fen FROM meals m JOIN persons p ON p.id = m.person_id";

impl Store {
    /// Meal points in `scope` (a provider's staff: their provider's).
    pub async fn meal_points_in(&self, scope: &str, provider: Option<i64>) -> Result<Vec<MealPoint>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!("{POINTS} WHERE f.division >= $1 AND f.division < $2 AND ($3 = 0 OR m.provider_id = $3) ORDER BY f.division, f.name");
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(provider.unwrap_or(0)).fetch_all(pool).await?),
        )
    }

    /// Makes a facility of `scope` a meal point run by `provider` at `price_yuan` a meal.
    pub async fn register_meal_point(
        &self,
        facility: i64,
        provider: i64,
        price_yuan: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        let f = self
            .facility_in_scope(facility, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !matches!(f.kind.as_str(), "meal_point" | "community_center") {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "facility",
                "请选择老年助餐点或社区养老服务中心",
            )]));
        }
        let p = self
            .provider_in(provider, scope)
            .await?
            .filter(|p| p.active)
            .ok_or_else(|| StoreError::Invalid(vec![FieldError::new("provider", "请选择本辖区的服务商")]))?;
        let price = yiyang_domain::policy::pack::parse_yuan(price_yuan.trim())
            .filter(|f| (1..=10_000).contains(f))
            .ok_or_else(|| StoreError::Invalid(vec![FieldError::new("price", "每餐价格须为 0.01–100 元")]))?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM meal_points WHERE facility_id = $1").bind(f.id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO meal_points (facility_id, provider_id, price_fen, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(f.id).bind(p.id).bind(price).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("meal_point", "facility", f.id,
                serde_json::json!({"provider": p.id, "price_fen": price}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records a meal for the person with this ID number (looked up in the point's county).
    #[allow(clippy::too_many_arguments)]
    pub async fn serve_meal(
        &self,
        point: &MealPoint,
        id_number: &str,
        meal: &str,
        way: &str,
        check: &str,
        on: NaiveDate,
        actor: &Actor,
    ) -> Result<ServedMeal> {
        let mut errors = Vec::new();
        let number = yiyang_domain::IdNumber::parse(id_number);
        if let Err(e) = &number {
            errors.push(FieldError::new("id_number", e.to_string()));
        }
        let (meal, way, check) = (
            Meal::parse(meal.trim()),
            Way::parse(way.trim()),
            Check::parse(check.trim()),
        );
        if meal.is_none() {
            errors.push(FieldError::new("meal", "请选择餐次"));
        }
        if way.is_none() {
            errors.push(FieldError::new("way", "请选择堂食或送餐"));
        }
        if check.is_none() || (way == Some(Way::Delivery)) != (check == Some(Check::Signature)) {
            errors.push(FieldError::new("checked_by", "堂食须刷身份证或助餐卡，送餐须签收"));
        }
        let (Ok(number), Some(meal), Some(way), Some(check), true) = (number, meal, way, check, errors.is_empty())
        else {
            return Err(StoreError::Invalid(errors));
        };
        let county = point.division.get(..6).unwrap_or(&point.division);
        let person = self
            .person_id_by_number_in(number.as_str(), county)
            .await?
            .ok_or_else(|| {
                StoreError::Invalid(vec![FieldError::new("id_number", "本县老年人信息库中没有这个身份证号")])
            })?;
        let (division, categories) = self
            .person_division_categories(person)
            .await?
            .ok_or(StoreError::NotFound)?;
        let level = self.valid_assessment(person, on).await?.map(|a| a.final_level);
        let subsidy = self
            .scheme_for(&division, on)
            .await?
            .filter(|s| s.meal_fen > 0 && s.scheme().covers_person(&categories, level))
            .map_or(0, |s| s.meal_fen);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let had: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meals WHERE person_id = $1 AND served_on = $2 AND meal = $3")
                .bind(person).bind(on).bind(meal.code()).fetch_one(&mut *tx).await?;
            if had > 0 {
                return Err(StoreError::Refused(format!("这位老人今天已经用过{}", meal.label())));
            }
            let subsidised: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meals WHERE person_id = $1 AND served_on = $2 AND gov_fen > 0")
                .bind(person).bind(on).fetch_one(&mut *tx).await?;
            let (gov, fam) = share(Fen(point.price_fen), Fen(subsidy), subsidised > 0);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO meals (facility_id, person_id, served_on, meal, way, checked_by, price_fen, gov_fen, family_fen, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
                .bind(point.facility_id).bind(person).bind(on).bind(meal.code()).bind(way.code()).bind(check.code())
                .bind(point.price_fen).bind(gov.0).bind(fam.0).bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("meal", "person", person,
                serde_json::json!({"meal": id, "point": point.facility_id, "gov_fen": gov.0}))).await?;
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })?;
        let sql = format!("{MEALS} WHERE m.person_id = $1 AND m.served_on = $2 AND m.meal = $3");
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(person).bind(on).bind(meal.code()).fetch_one(pool).await?),
        )
    }

    /// Records a sitting's food sample (dishes and where the ingredients came from).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_sample(
        &self,
        point: &MealPoint,
        on: NaiveDate,
        meal: &str,
        dishes: &str,
        sources: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut errors = Vec::new();
        let meal = Meal::parse(meal.trim());
        if meal.is_none() {
            errors.push(FieldError::new("meal", "请选择餐次"));
        }
        for (field, label, v) in [("dishes", "留样菜品", dishes), ("sources", "食材来源", sources)] {
            if v.trim().is_empty() {
                errors.push(FieldError::new(field, format!("请填写{label}")));
            }
            errors.extend(yiyang_domain::text::too_long(field, label, v, 300));
        }
        let (Some(meal), true) = (meal, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let had: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meal_samples WHERE facility_id = $1 AND served_on = $2 AND meal = $3")
                .bind(point.facility_id).bind(on).bind(meal.code()).fetch_one(&mut *tx).await?;
            if had > 0 {
                return Err(StoreError::Refused(format!("{on} {} 已留样", meal.label())));
            }
            sqlx::query("INSERT INTO meal_samples (facility_id, served_on, meal, dishes, sources, sampled_at, kept_until, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(point.facility_id).bind(on).bind(meal.code()).bind(dishes.trim()).bind(sources.trim()).bind(at)
                .bind(at + Duration::hours(SAMPLE_HOURS)).bind(&actor.name).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("sample", "facility", point.facility_id,
                serde_json::json!({"on": on, "meal": meal.code()}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Meals of a point in `[from, to]`, newest first.
    pub async fn meals_at(&self, facility: i64, from: NaiveDate, to: NaiveDate) -> Result<Vec<ServedMeal>> {
        let sql = format!("{MEALS} WHERE m.facility_id = $1 AND m.served_on >= $2 AND m.served_on <= $3 ORDER BY m.served_on DESC, m.id DESC LIMIT 2000");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(facility).bind(from).bind(to).fetch_all(pool).await?))
    }

    pub async fn samples_at(&self, facility: i64, from: NaiveDate, to: NaiveDate) -> Result<Vec<Sample>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, facility_id, served_on, meal, dishes, sources, kept_until FROM meal_samples \
             WHERE facility_id = $1 AND served_on >= $2 AND served_on <= $3 ORDER BY served_on DESC, meal")
            .bind(facility).bind(from).bind(to).fetch_all(pool).await?))
    }

    /// For settlement: a provider's meals of `[from, to]` with a government share, each with
    /// whether its sitting kept a sample.
    pub(super) async fn meals_to_settle(
        &self,
        provider: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(i64, i64, bool)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT m.id, m.gov_fen, EXISTS (SELECT 1 FROM meal_samples s WHERE s.facility_id = m.facility_id AND s.served_on = m.served_on AND s.meal = m.meal) \
             FROM meals m JOIN meal_points p ON p.facility_id = m.facility_id WHERE p.provider_id = $1 AND m.served_on >= $2 AND m.served_on <= $3 \
             AND m.gov_fen > 0 ORDER BY m.id")
            .bind(provider).bind(from).bind(to).fetch_all(pool).await?))
    }
}
