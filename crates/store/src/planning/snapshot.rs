//! Indicator values kept month by month (`indicator_values`): a scheduled job computes the
//! month's indicators for a scope and each of its divisions down to townships, with the count of
//! living people (the people list's own count), and stores them; dashboards read them, never
//! computing per view. Running the job again for a month replaces that month's values.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::dates::Month;
use yiyang_domain::planning::indicators::{shape, Shape, Status};
use yiyang_domain::policy::targets::INDICATORS;
use yiyang_domain::policy::Pack;

use crate::{now, scope_range, with_pool, Result, Store};

/// The register's count of living people, stored beside the indicators.
pub const PEOPLE_ALIVE: &str = "people_alive";

/// The levels a snapshot goes down to: province, city, county, township.
pub const LEVELS: [usize; 4] = [2, 4, 6, 9];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredValue {
    pub month: String,
    pub division: String,
    pub indicator: String,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub status: String,
    pub target: Option<f64>,
    pub target_year: Option<i64>,
    pub target_source: Option<String>,
    pub as_of: NaiveDate,
    pub computed_at: DateTime<Utc>,
}

impl StoredValue {
    pub fn name(&self) -> &str {
        if self.indicator == PEOPLE_ALIVE {
            return "老年人数（在世）";
        }
        INDICATORS
            .iter()
            .find(|(i, _)| *i == self.indicator)
            .map_or(self.indicator.as_str(), |(_, n)| n)
    }
    /// The value in its own scale (a ratio as a fraction, a count as is).
    pub fn value(&self) -> Option<f64> {
        match (self.numerator, self.denominator) {
            (Some(n), Some(d)) if d > 0 => Some(n as f64 / d as f64),
            (Some(_), Some(_)) => None,
            (Some(n), None) => Some(n as f64),
            _ => None,
        }
    }
    fn shape(&self) -> Shape {
        if self.indicator == PEOPLE_ALIVE {
            Shape::Count
        } else {
            shape(&self.indicator)
        }
    }
    /// The value as shown: "87.5%", "2.10‰", "1234"; "—" without data.
    pub fn value_text(&self) -> String {
        match (self.shape(), self.value()) {
            (_, None) => "—".into(),
            (Shape::Ratio, Some(v)) => format!("{:.1}%", v * 100.0),
            (Shape::PerThousand, Some(v)) => format!("{v:.2}‰"),
            (Shape::Count, Some(v)) => format!("{v:.0}"),
        }
    }
    /// The value as a chart plots it: percent for ratios.
    pub fn plotted(&self) -> Option<f64> {
        self.value().map(|v| match self.shape() {
            Shape::Ratio => (v * 1000.0).round() / 10.0,
            _ => (v * 100.0).round() / 100.0,
        })
    }
    pub fn target_text(&self) -> String {
        match (self.target, self.target_year) {
            (Some(t), Some(y)) => match self.shape() {
                Shape::Ratio => format!("{:.0}%（{y}年）", t * 100.0),
                _ => format!("{t}（{y}年）"),
            },
            _ => "—".into(),
        }
    }
    pub fn status_label(&self) -> &'static str {
        [Status::Met, Status::NotMet, Status::NoTarget, Status::NoData]
            .into_iter()
            .find(|s| s.code() == self.status)
            .map_or("", |s| s.label())
    }
}

const COLUMNS: &str = "month, division, indicator, numerator, denominator, status, target, target_year, target_source, as_of, computed_at";

/// The level below `division` (its children), if the snapshot keeps it.
pub fn child_level(division: &str) -> Option<usize> {
    LEVELS.iter().copied().find(|l| *l > division.len())
}

impl Store {
    /// Living people of `scope` and of each division under it at [`LEVELS`], counted as the
    /// people list counts them (by household or residence), from one grouped scan; the keys
    /// are also the divisions where anyone lives.
    pub async fn living_by_division(&self, scope: &str) -> Result<HashMap<String, i64>> {
        let (lo, hi) = scope_range(scope);
        let pairs: Vec<(String, String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT hukou_division, residence_division, COUNT(*) FROM persons WHERE death_date IS NULL \
             AND ((hukou_division >= $1 AND hukou_division < $2) OR (residence_division >= $1 AND residence_division < $2)) \
             GROUP BY hukou_division, residence_division")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let mut out: HashMap<String, i64> = HashMap::new();
        out.insert(scope.to_string(), pairs.iter().map(|p| p.2).sum());
        for (h, r, n) in &pairs {
            for l in LEVELS.iter().copied().filter(|l| *l > scope.len()) {
                let a = h.get(..l).filter(|d| d.starts_with(scope));
                let b = r.get(..l).filter(|d| d.starts_with(scope) && Some(*d) != a);
                for d in a.into_iter().chain(b) {
                    *out.entry(d.to_string()).or_default() += n;
                }
            }
        }
        Ok(out)
    }

    /// The divisions a snapshot of `scope` keeps: the scope, every division above a township
    /// where anyone lives or an institution or facility is registered, and every township of
    /// such a county (so a county's chart shows its empty townships too). A province does not
    /// store values for the whole country's divisions.
    async fn snapshot_divisions(&self, scope: &str, living: &HashMap<String, i64>) -> Result<Vec<String>> {
        let (lo, hi) = scope_range(scope);
        let places: Vec<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT division FROM institutions WHERE division >= $1 AND division < $2 \
             UNION SELECT DISTINCT division FROM facilities WHERE division >= $1 AND division < $2")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let r = self.reference();
        let mut keep: BTreeSet<String> = BTreeSet::from([scope.to_string()]);
        for code in living.keys().chain(places.iter()) {
            for l in LEVELS.iter().copied().filter(|l| *l > scope.len()) {
                if let Some(d) = code
                    .get(..l)
                    .filter(|d| d.starts_with(scope) && r.division_name(d).is_some())
                {
                    keep.insert(d.to_string());
                }
            }
        }
        let counties: Vec<String> = keep.iter().filter(|d| d.len() == 6).cloned().collect();
        for c in counties {
            keep.extend(
                r.divisions
                    .keys()
                    .filter(|d| d.len() == 9 && d.starts_with(&c))
                    .cloned(),
            );
        }
        Ok(keep.into_iter().collect())
    }

    /// Computes `month`'s values for `scope` and its divisions down to townships (those
    /// [`Self::snapshot_divisions`] keeps) and stores them, replacing that month's earlier
    /// values there. Returns how many were stored.
    pub async fn snapshot_indicators(&self, scope: &str, month: Month, packs: &[Pack]) -> Result<usize> {
        let today = chrono::Local::now().date_naive();
        let as_of = month.last_day().min(today);
        let living = self.living_by_division(scope).await?;
        let divisions = self.snapshot_divisions(scope, &living).await?;
        let lines = self.indicators_of(scope, &divisions, as_of, month, packs).await?;
        let living: Vec<(String, i64)> = divisions
            .iter()
            .map(|d| (d.clone(), living.get(d).copied().unwrap_or(0)))
            .collect();
        let (lo, hi) = scope_range(scope);
        let at = now();
        let m = month.to_string();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM indicator_values WHERE month = $1 AND division >= $2 AND division < $3")
                .bind(&m).bind(&lo).bind(&hi).execute(&mut *tx).await?;
            let insert = format!("INSERT INTO indicator_values ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
            for l in &lines {
                sqlx::query(&insert)
                    .bind(&m).bind(&l.division).bind(l.indicator)
                    .bind(l.measure.map(|x| x.numerator)).bind(l.measure.and_then(|x| x.denominator))
                    .bind(l.status.code()).bind(l.target.as_ref().map(|t| t.0)).bind(l.target.as_ref().map(|t| t.1 as i64))
                    .bind(l.target.as_ref().map(|t| format!("{} {}", t.2, t.3))).bind(as_of).bind(at)
                    .execute(&mut *tx).await?;
            }
            for (d, n) in &living {
                sqlx::query(&insert)
                    .bind(&m).bind(d).bind(PEOPLE_ALIVE).bind(Some(*n)).bind(None::<i64>)
                    .bind(Status::NoTarget.code()).bind(None::<f64>).bind(None::<i64>).bind(None::<String>).bind(as_of).bind(at)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), crate::StoreError>(())
        })?;
        Ok(lines.len() + living.len())
    }

    /// The newest month with stored values for `division`.
    pub async fn latest_stored_month(&self, division: &str) -> Result<Option<String>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT MAX(month) FROM indicator_values WHERE division = $1").bind(division).fetch_one(pool).await?))
    }

    /// The stored values of one division in one month.
    pub async fn stored_values(&self, division: &str, month: &str) -> Result<Vec<StoredValue>> {
        let sql =
            format!("SELECT {COLUMNS} FROM indicator_values WHERE division = $1 AND month = $2 ORDER BY indicator");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(division).bind(month).fetch_all(pool).await?))
    }

    /// One indicator's stored values for the children of `division` in one month.
    pub async fn stored_children(&self, division: &str, month: &str, indicator: &str) -> Result<Vec<StoredValue>> {
        let Some(level) = child_level(division) else {
            return Ok(Vec::new());
        };
        let (lo, hi) = scope_range(division);
        let sql = format!(
            "SELECT {COLUMNS} FROM indicator_values WHERE month = $1 AND indicator = $2 AND division >= $3 AND division < $4 \
             AND LENGTH(division) = $5 ORDER BY division"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(month).bind(indicator).bind(&lo).bind(&hi).bind(level as i32)
            .fetch_all(pool).await?),
        )
    }

    /// One indicator's stored values for `division`, month by month (the last `months`).
    pub async fn stored_trend(&self, division: &str, indicator: &str, months: i64) -> Result<Vec<StoredValue>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM indicator_values WHERE division = $1 AND indicator = $2 ORDER BY month DESC LIMIT $3"
        );
        let mut rows: Vec<StoredValue> = with_pool!(self, pool => sqlx::query_as(&sql).bind(division).bind(indicator)
            .bind(months.clamp(1, 120)).fetch_all(pool).await?);
        rows.reverse();
        Ok(rows)
    }
}

/// A point on the dashboard's map.
#[derive(Debug, Clone, Serialize)]
pub struct MapPoint {
    /// `institution` or `facility`.
    pub layer: &'static str,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

impl Store {
    /// Institutions and facilities of `scope` that carry coordinates (at most 5,000 of each).
    pub async fn map_points(&self, scope: &str) -> Result<Vec<MapPoint>> {
        let (lo, hi) = scope_range(scope);
        let inst: Vec<(String, Option<String>, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT name, longitude, latitude FROM institutions WHERE division >= $1 AND division < $2 \
             AND longitude IS NOT NULL AND latitude IS NOT NULL ORDER BY id LIMIT 5000")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let fac: Vec<(String, Option<String>, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT name, longitude, latitude FROM facilities WHERE division >= $1 AND division < $2 \
             AND longitude IS NOT NULL AND latitude IS NOT NULL ORDER BY id LIMIT 5000")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let point = |layer: &'static str, (name, lon, lat): (String, Option<String>, Option<String>)| {
            let lon = lon?.trim().parse::<f64>().ok().filter(|v| v.abs() <= 180.0)?;
            let lat = lat?.trim().parse::<f64>().ok().filter(|v| v.abs() <= 90.0)?;
            Some(MapPoint { layer, name, lon, lat })
        };
        Ok(inst
            .into_iter()
            .filter_map(|r| point("institution", r))
            .chain(fac.into_iter().filter_map(|r| point("facility", r)))
            .collect())
    }
}
