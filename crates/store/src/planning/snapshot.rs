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
/// Money of the month's approved or exported runs (fen), by the lines' county and above.
pub const PAID_FEN: &str = "paid_fen";
/// Living people in a category: `category:<code>`.
pub const CATEGORY_PREFIX: &str = "category:";
/// Living people by the level of their valid capability assessment: `level:0` … `level:4`,
/// and `level:none` for those without one (never assessed, or expired).
pub const LEVEL_PREFIX: &str = "level:";
pub const LEVEL_NONE: &str = "none";

/// Living people by division, by (division, category code) and by (division, level).
#[derive(Debug, Default)]
pub struct Living {
    pub alive: HashMap<String, i64>,
    pub by_category: HashMap<(String, String), i64>,
    pub by_level: HashMap<(String, i64), i64>,
}

/// The places a person of household `h` and residence `r` counts in, within `scope`: the
/// scope and each division under it at [`LEVELS`] (once even when both are inside it).
fn places_of(scope: &str, h: &str, r: &str) -> Vec<String> {
    let mut places = vec![scope.to_string()];
    for l in LEVELS.iter().copied().filter(|l| *l > scope.len()) {
        let a = h.get(..l).filter(|d| d.starts_with(scope));
        let b = r.get(..l).filter(|d| d.starts_with(scope) && Some(*d) != a);
        places.extend(a.into_iter().chain(b).map(str::to_string));
    }
    places
}

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
    /// One of the spec's indicators (not a count kept beside them).
    pub fn is_indicator(&self) -> bool {
        INDICATORS.iter().any(|(i, _)| *i == self.indicator)
    }
    /// The category code of a `category:<code>` count.
    pub fn category(&self) -> Option<&str> {
        self.indicator.strip_prefix(CATEGORY_PREFIX)
    }
    /// The level ("0" … "4", or "none") of a `level:<n>` count.
    pub fn level(&self) -> Option<&str> {
        self.indicator.strip_prefix(LEVEL_PREFIX)
    }
    pub fn name(&self) -> &str {
        if self.indicator == PEOPLE_ALIVE {
            return "老年人数（在世）";
        }
        if self.indicator == PAID_FEN {
            return "本月发放金额";
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
        if !self.is_indicator() {
            Shape::Count
        } else {
            shape(&self.indicator)
        }
    }
    /// The value as shown: "87.5%", "2.10‰", "1234"; "—" without data.
    pub fn value_text(&self) -> String {
        if self.indicator == PAID_FEN {
            return self.numerator.map_or("—".into(), |f| yiyang_domain::Fen(f).to_string());
        }
        match (self.shape(), self.value()) {
            (_, None) => "—".into(),
            (Shape::Ratio, Some(v)) => format!("{:.1}%", v * 100.0),
            (Shape::PerThousand, Some(v)) => format!("{v:.2}‰"),
            (Shape::Count, Some(v)) => format!("{v:.0}"),
        }
    }
    /// The value as a chart plots it: percent for ratios.
    pub fn plotted(&self) -> Option<f64> {
        if self.indicator == PAID_FEN {
            return self.numerator.map(|f| f as f64 / 100.0);
        }
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
    /// Living people of `scope` and of each division under it at [`LEVELS`] on `as_of`, in all
    /// and by category, counted as the people list counts them (by household or residence),
    /// from one grouped scan. On the current day the counts are the people list's own.
    pub async fn living_by_division(&self, scope: &str, as_of: NaiveDate) -> Result<Living> {
        let (lo, hi) = scope_range(scope);
        let groups: Vec<(String, String, String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT hukou_division, residence_division, categories, COUNT(*) FROM persons \
             WHERE (death_date IS NULL OR death_date > $3) \
             AND ((hukou_division >= $1 AND hukou_division < $2) OR (residence_division >= $1 AND residence_division < $2)) \
             GROUP BY hukou_division, residence_division, categories")
            .bind(&lo).bind(&hi).bind(as_of).fetch_all(pool).await?);
        let mut out = Living::default();
        for (h, r, cats, n) in &groups {
            for d in places_of(scope, h, r) {
                for c in cats.split(',').filter(|c| !c.is_empty()) {
                    *out.by_category.entry((d.clone(), c.to_string())).or_default() += n;
                }
                *out.alive.entry(d).or_default() += n;
            }
        }
        out.alive.entry(scope.to_string()).or_default();
        // By the level of the assessment valid on the day (the latest of those valid, as
        // admission and benefits read it), from a second grouped scan.
        let levels: Vec<(String, String, i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT p.hukou_division, p.residence_division, a.final_level, COUNT(*) FROM persons p \
             JOIN assessments a ON a.person_id = p.id \
             WHERE (p.death_date IS NULL OR p.death_date > $3) \
             AND ((p.hukou_division >= $1 AND p.hukou_division < $2) OR (p.residence_division >= $1 AND p.residence_division < $2)) \
             AND a.status = 'confirmed' AND a.assessed_on <= $3 AND a.valid_until >= $3 \
             AND NOT EXISTS (SELECT 1 FROM assessments b WHERE b.person_id = a.person_id AND b.status = 'confirmed' \
                 AND b.assessed_on <= $3 AND b.valid_until >= $3 \
                 AND (b.assessed_on > a.assessed_on OR (b.assessed_on = a.assessed_on AND b.id > a.id))) \
             GROUP BY p.hukou_division, p.residence_division, a.final_level")
            .bind(&lo).bind(&hi).bind(as_of).fetch_all(pool).await?);
        for (h, r, level, n) in &levels {
            for d in places_of(scope, h, r) {
                *out.by_level.entry((d, *level)).or_default() += n;
            }
        }
        Ok(out)
    }

    /// Money of approved or exported runs of `month`, by the county of each line, added up to
    /// every division above it within `scope`.
    async fn paid_by_division(&self, scope: &str, month: &str) -> Result<HashMap<String, i64>> {
        let (lo, hi) = scope_range(scope);
        let rows: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT l.county, CAST(SUM(l.amount_fen) AS BIGINT) FROM payment_lines l JOIN benefit_runs r ON r.id = l.run_id \
             WHERE r.month = $1 AND r.status IN ('approved', 'exported') AND l.county >= $2 AND l.county < $3 GROUP BY l.county")
            .bind(month).bind(&lo).bind(&hi).fetch_all(pool).await?);
        let mut out: HashMap<String, i64> = HashMap::new();
        for (county, fen) in rows {
            let mut places = vec![scope.to_string()];
            places.extend(
                LEVELS
                    .iter()
                    .filter(|l| **l > scope.len() && **l <= county.len())
                    .map(|l| county[..*l].to_string()),
            );
            for d in places {
                *out.entry(d).or_default() += fen;
            }
        }
        Ok(out)
    }

    /// The divisions a snapshot of `scope` keeps: the scope, every division above a township
    /// where anyone lives or an institution or facility is registered, and every township of
    /// such a county (so a county's chart shows its empty townships too). A province does not
    /// store values for the whole country's divisions.
    async fn snapshot_divisions(&self, scope: &str, living: &Living) -> Result<Vec<String>> {
        let (lo, hi) = scope_range(scope);
        let places: Vec<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT division FROM institutions WHERE division >= $1 AND division < $2 \
             UNION SELECT DISTINCT division FROM facilities WHERE division >= $1 AND division < $2")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let r = self.reference();
        let mut keep: BTreeSet<String> = BTreeSet::from([scope.to_string()]);
        for code in living.alive.keys().chain(places.iter()) {
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
        let today = self.clock.today();
        let as_of = month.last_day().min(today);
        let m = month.to_string();
        let living = self.living_by_division(scope, as_of).await?;
        let paid = self.paid_by_division(scope, &m).await?;
        let divisions = self.snapshot_divisions(scope, &living).await?;
        let lines = self.indicators_of(scope, &divisions, as_of, month, packs).await?;
        // Counts kept beside the indicators: living people, by category, and money paid.
        let mut counts: Vec<(String, String, i64)> = Vec::new();
        for d in &divisions {
            counts.push((
                d.clone(),
                PEOPLE_ALIVE.to_string(),
                living.alive.get(d).copied().unwrap_or(0),
            ));
            if let Some(fen) = paid.get(d) {
                counts.push((d.clone(), PAID_FEN.to_string(), *fen));
            }
        }
        for ((d, c), n) in &living.by_category {
            if divisions.binary_search(d).is_ok() {
                counts.push((d.clone(), format!("{CATEGORY_PREFIX}{c}"), *n));
            }
        }
        for d in &divisions {
            let alive = living.alive.get(d).copied().unwrap_or(0);
            let mut assessed = 0;
            for level in 0..=4 {
                if let Some(n) = living.by_level.get(&(d.clone(), level)) {
                    counts.push((d.clone(), format!("{LEVEL_PREFIX}{level}"), *n));
                    assessed += n;
                }
            }
            if alive > assessed {
                counts.push((d.clone(), format!("{LEVEL_PREFIX}{LEVEL_NONE}"), alive - assessed));
            }
        }
        let (lo, hi) = scope_range(scope);
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM indicator_values WHERE month = $1 AND division >= $2 AND division < $3")
                .bind(&m).bind(&lo).bind(&hi).execute(&mut *tx).await?;
            // A clerk's update of their township may run while the hourly job keeps the whole
            // register: the later write wins instead of failing on the key.
            let insert = format!(
                "INSERT INTO indicator_values ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (month, division, indicator) DO UPDATE SET numerator = excluded.numerator, \
                 denominator = excluded.denominator, status = excluded.status, target = excluded.target, \
                 target_year = excluded.target_year, target_source = excluded.target_source, as_of = excluded.as_of, \
                 computed_at = excluded.computed_at");
            for l in &lines {
                sqlx::query(&insert)
                    .bind(&m).bind(&l.division).bind(l.indicator)
                    .bind(l.measure.map(|x| x.numerator)).bind(l.measure.and_then(|x| x.denominator))
                    .bind(l.status.code()).bind(l.target.as_ref().map(|t| t.0)).bind(l.target.as_ref().map(|t| t.1 as i64))
                    .bind(l.target.as_ref().map(|t| format!("{} {}", t.2, t.3))).bind(as_of).bind(at)
                    .execute(&mut *tx).await?;
            }
            for (d, key, n) in &counts {
                sqlx::query(&insert)
                    .bind(&m).bind(d).bind(key).bind(Some(*n)).bind(None::<i64>)
                    .bind(Status::NoTarget.code()).bind(None::<f64>).bind(None::<i64>).bind(None::<String>).bind(as_of).bind(at)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), crate::StoreError>(())
        })?;
        Ok(lines.len() + counts.len())
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

impl Store {
    /// Every kept value of a month, by division and indicator (the open-data file).
    pub async fn stored_indicators_of_month(&self, month: &str) -> Result<Vec<StoredValue>> {
        let sql = format!("SELECT {COLUMNS} FROM indicator_values WHERE month = $1 ORDER BY division, indicator");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(month).fetch_all(pool).await?))
    }
}
