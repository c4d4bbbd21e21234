//! The indicators of `standards/indicators.md` for a scope (or each of its children at a
//! level) on an as-of date: the facts are read once for the whole scope and summed per
//! division, so every line can be checked by hand against the lists. What the register does
//! not hold yet is `no_data`: 特困 people's wish for institutional care,
//! located residences, directors. A new residential area counts once accepted (同步验收), and
//! meets the standard when its premises do and were handed over (同步交付) by the date. Bed statuses have no history: a bed's
//! status is today's.

use chrono::NaiveDate;
use yiyang_domain::dates::Month;
use yiyang_domain::planning::indicators::{format4, shape, status, target_value, Measure, Shape, SHAPES};
use yiyang_domain::policy::targets::{governing, INDICATORS};
use yiyang_domain::policy::Pack;

use crate::{scope_range, with_pool, Result, Store};

/// One line of the indicators CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorLine {
    pub indicator: &'static str,
    pub name: &'static str,
    pub division: String,
    pub measure: Option<Measure>,
    /// The target in the value's scale, its year, and the pack and clause it comes from.
    pub target: Option<(f64, i32, String, String)>,
    pub status: yiyang_domain::planning::indicators::Status,
}

impl IndicatorLine {
    pub fn csv(&self) -> String {
        let (n, d) = match self.measure {
            Some(m) => (
                m.numerator.to_string(),
                m.denominator.map_or_else(String::new, |d| d.to_string()),
            ),
            None => (String::new(), String::new()),
        };
        let (t, y) = self.target.as_ref().map_or((String::new(), String::new()), |t| {
            (format!("{:.4}", t.0), t.1.to_string())
        });
        format!(
            "{},{},{n},{d},{},{t},{y},{}",
            self.indicator,
            self.division,
            format4(self.measure.and_then(|m| m.value())),
            self.status.code()
        )
    }
    pub fn value_text(&self) -> String {
        let v = self.measure.and_then(|m| m.value());
        match (shape(self.indicator), v) {
            (_, None) => "—".into(),
            (Shape::Ratio, Some(v)) => format!("{:.1}%", v * 100.0),
            (Shape::PerThousand, Some(v)) => format!("{v:.2}‰"),
            (Shape::Count, Some(v)) => format!("{v:.0}"),
        }
    }
}

pub const CSV_HEADER: &str = "indicator,division,numerator,denominator,value,target,target_year,status";

#[derive(sqlx::FromRow)]
struct Inst {
    kind: String,
    division: String,
    grade: i64,
    beds: i64,
    nursing: i64,
    occupied: i64,
}

#[derive(sqlx::FromRow)]
struct Facility {
    kind: String,
    division: String,
}

#[derive(sqlx::FromRow)]
struct Staff {
    division: String,
    position: String,
    trained: bool,
}

/// The facts of a scope, read once.
struct Facts {
    institutions: Vec<Inst>,
    facilities: Vec<Facility>,
    staff: Vec<Staff>,
    /// (hukou division, older people alive on the date)
    people: Vec<(String, i64)>,
    /// (institution division) of each open major fire hazard.
    fire: Vec<String>,
    /// Divisions at village level under the scope: (code, name).
    villages: Vec<(String, String)>,
    /// Streets and townships under the scope.
    townships: Vec<String>,
    /// (hukou division, visited in the month) of each person on the visit roster.
    visits: Vec<(String, bool)>,
    /// (person's division) of each family care bed in service on the date.
    family_beds: Vec<String>,
    /// (division, premises up to standard and handed over) of each new residential area
    /// accepted by the date.
    residential: Vec<(String, bool)>,
}

fn under(code: &str, division: &str) -> bool {
    code.starts_with(division)
}

impl Facts {
    fn measure(&self, id: &str, d: &str) -> Option<Measure> {
        let inst = || self.institutions.iter().filter(|i| under(&i.division, d));
        let public = |i: &&Inst| i.kind == "public";
        let township_home = |i: &&Inst| public(i) && i.division.len() >= 9;
        let county_home = |i: &&Inst| public(i) && i.division.len() == 6;
        let sum = |it: &mut dyn Iterator<Item = &Inst>, f: fn(&Inst) -> i64| it.map(f).sum::<i64>();
        Some(match id {
            "nursing_bed_ratio" => Measure::ratio(sum(&mut inst(), |i| i.nursing), sum(&mut inst(), |i| i.beds)),
            "township_home_nursing_bed_ratio" => Measure::ratio(
                sum(&mut inst().filter(township_home), |i| i.nursing),
                sum(&mut inst().filter(township_home), |i| i.beds),
            ),
            "public_occupancy_rate" => {
                let p = |i: &&Inst| matches!(i.kind.as_str(), "public" | "public_private");
                Measure::ratio(
                    sum(&mut inst().filter(p), |i| i.occupied),
                    sum(&mut inst().filter(p), |i| i.beds),
                )
            }
            "private_operated_share" => {
                let p = inst()
                    .filter(|i| {
                        matches!(
                            i.kind.as_str(),
                            "public_private" | "private_nonprofit" | "private_forprofit"
                        )
                    })
                    .count();
                Measure::ratio(p as i64, inst().count() as i64)
            }
            "graded_public_home_share" => {
                let homes: Vec<&Inst> = inst().filter(|i| township_home(i) || county_home(i)).collect();
                let graded = homes
                    .iter()
                    .filter(|i| i.grade >= if county_home(i) { 2 } else { 1 })
                    .count();
                Measure::ratio(graded as i64, homes.len() as i64)
            }
            "rural_mutual_aid_coverage" | "urban_day_care_coverage" => {
                let (suffixes, kinds): (&[&str], &[&str]) = if id == "rural_mutual_aid_coverage" {
                    (&["村", "村委会"], &["mutual_aid"])
                } else {
                    (&["社区", "居委会"], &["day_care", "community_center"])
                };
                let places: Vec<&String> = self
                    .villages
                    .iter()
                    .filter(|(c, n)| under(c, d) && suffixes.iter().any(|s| n.ends_with(s)))
                    .map(|(c, _)| c)
                    .collect();
                let with = places
                    .iter()
                    .filter(|c| {
                        self.facilities
                            .iter()
                            .any(|f| f.division == ***c && kinds.contains(&f.kind.as_str()))
                    })
                    .count();
                Measure::ratio(with as i64, places.len() as i64)
            }
            "street_center_coverage" => {
                let places: Vec<&String> = self.townships.iter().filter(|c| under(c, d)).collect();
                let with = places
                    .iter()
                    .filter(|c| {
                        self.facilities
                            .iter()
                            .any(|f| f.division.starts_with(c.as_str()) && f.kind == "community_center")
                    })
                    .count();
                Measure::ratio(with as i64, places.len() as i64)
            }
            "caregiver_training_rate" => {
                let carers: Vec<&Staff> = self
                    .staff
                    .iter()
                    .filter(|s| under(&s.division, d) && s.position == "caregiver")
                    .collect();
                Measure::ratio(carers.iter().filter(|s| s.trained).count() as i64, carers.len() as i64)
            }
            "social_workers_per_thousand" => {
                let workers = self
                    .staff
                    .iter()
                    .filter(|s| under(&s.division, d) && s.position == "social_worker")
                    .count() as i64;
                let people: i64 = self.people.iter().filter(|(c, _)| under(c, d)).map(|(_, n)| n).sum();
                Measure::ratio(workers * 1000, people)
            }
            "monthly_visit_rate" => {
                let of: Vec<&(String, bool)> = self.visits.iter().filter(|(c, _)| under(c, d)).collect();
                Measure::ratio(of.iter().filter(|(_, v)| *v).count() as i64, of.len() as i64)
            }
            "beds_total" => Measure::count(
                sum(&mut inst(), |i| i.beds) + self.family_beds.iter().filter(|c| under(c, d)).count() as i64,
            ),
            "new_residential_compliance" => {
                let of: Vec<&(String, bool)> = self.residential.iter().filter(|(c, _)| under(c, d)).collect();
                Measure::ratio(of.iter().filter(|(_, ok)| *ok).count() as i64, of.len() as i64)
            }
            "major_fire_hazards_open" => Measure::count(self.fire.iter().filter(|c| under(c, d)).count() as i64),
            _ => return None,
        })
    }
}

impl Store {
    async fn indicator_facts(&self, scope: &str, as_of: NaiveDate, month: Month, packs: &[Pack]) -> Result<Facts> {
        let (lo, hi) = scope_range(scope);
        let institutions: Vec<Inst> = with_pool!(self, pool => sqlx::query_as(
            "SELECT i.kind, i.division, \
             COALESCE((SELECT g.grade FROM gradings g WHERE g.institution_id = i.id AND g.evaluated_on <= $3 ORDER BY g.evaluated_on DESC, g.id DESC LIMIT 1), 0) AS grade, \
             (SELECT COUNT(*) FROM beds b WHERE b.institution_id = i.id AND b.status <> 'out_of_service') AS beds, \
             (SELECT COUNT(*) FROM beds b WHERE b.institution_id = i.id AND b.status <> 'out_of_service' AND b.nursing) AS nursing, \
             (SELECT COUNT(*) FROM beds b WHERE b.institution_id = i.id AND b.status = 'occupied') AS occupied \
             FROM institutions i WHERE i.division >= $1 AND i.division < $2 AND i.status <> 'closed'")
            .bind(&lo).bind(&hi).bind(as_of).fetch_all(pool).await?);
        let facilities: Vec<Facility> = with_pool!(self, pool => sqlx::query_as(
            "SELECT kind, division FROM facilities WHERE division >= $1 AND division < $2 AND status = 'operating' \
             AND (opened_on IS NULL OR opened_on <= $3)")
            .bind(&lo).bind(&hi).bind(as_of).fetch_all(pool).await?);
        let staff: Vec<Staff> = with_pool!(self, pool => sqlx::query_as(
            "SELECT i.division, s.position, EXISTS (SELECT 1 FROM staff_training t WHERE t.staff_id = s.id AND t.kind = 'pre_job' \
             AND t.on_date <= $3) AS trained FROM staff s JOIN institutions i ON i.id = s.institution_id \
             WHERE i.division >= $1 AND i.division < $2 AND s.hired_on <= $3 AND (s.left_on IS NULL OR s.left_on > $3)")
            .bind(&lo).bind(&hi).bind(as_of).fetch_all(pool).await?);
        let people: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT hukou_division, COUNT(*) FROM persons WHERE hukou_division >= $1 AND hukou_division < $2 \
             AND (death_date IS NULL OR death_date > $3) GROUP BY hukou_division")
            .bind(&lo).bind(&hi).bind(as_of).fetch_all(pool).await?);
        let fire: Vec<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT i.division FROM hazards h JOIN institutions i ON i.id = h.institution_id WHERE i.division >= $1 AND i.division < $2 \
             AND h.category = 'fire' AND h.severity = 'major' AND h.status <> 'closed'")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let r = self.reference();
        let villages = r
            .divisions
            .iter()
            .filter(|(c, _)| c.len() == 12 && c.starts_with(scope))
            .map(|(c, n)| (c.clone(), n.clone()))
            .collect();
        let townships = r
            .divisions
            .keys()
            .filter(|c| c.len() == 9 && c.starts_with(scope))
            .cloned()
            .collect();
        let visits = self.roster_visited(scope, month).await?;
        let family_beds = self.family_bed_divisions(scope, as_of).await?;
        let residential = self.residential_compliance(scope, as_of, packs).await?;
        Ok(Facts {
            residential,
            family_beds,
            institutions,
            facilities,
            staff,
            people,
            fire,
            villages,
            townships,
            visits,
        })
    }

    /// Every indicator for `scope`, or for each of its children at `level` (6 county, 9
    /// township, 12 village digits), on `as_of` (monthly ones: in `month`), with the target of
    /// the pack governing each.
    pub async fn indicators(
        &self,
        scope: &str,
        level: Option<usize>,
        as_of: NaiveDate,
        month: Month,
        packs: &[Pack],
    ) -> Result<Vec<IndicatorLine>> {
        let facts = self.indicator_facts(scope, as_of, month, packs).await?;
        Ok(self.lines_at(&facts, scope, level, packs))
    }

    /// The lines of each of `divisions` (all within `scope`), reading the facts of `scope`
    /// once (the monthly snapshot of a province).
    pub async fn indicators_of(
        &self,
        scope: &str,
        divisions: &[String],
        as_of: NaiveDate,
        month: Month,
        packs: &[Pack],
    ) -> Result<Vec<IndicatorLine>> {
        let facts = self.indicator_facts(scope, as_of, month, packs).await?;
        Ok(self.lines_for(&facts, divisions.to_vec(), packs))
    }

    fn lines_at(&self, facts: &Facts, scope: &str, level: Option<usize>, packs: &[Pack]) -> Vec<IndicatorLine> {
        let divisions: Vec<String> = match level {
            Some(n) if n > scope.len() => self
                .reference()
                .divisions
                .keys()
                .filter(|c| c.len() == n && c.starts_with(scope))
                .cloned()
                .collect(),
            _ => vec![scope.to_string()],
        };
        self.lines_for(facts, divisions, packs)
    }

    fn lines_for(&self, facts: &Facts, mut divisions: Vec<String>, packs: &[Pack]) -> Vec<IndicatorLine> {
        divisions.sort();
        let mut out = Vec::new();
        for d in &divisions {
            for (id, _) in SHAPES {
                let name = INDICATORS.iter().find(|(i, _)| i == id).map_or("", |(_, n)| n);
                let measure = facts.measure(id, d);
                // A count (beds, open hazards) does not divide down: its target binds the pack's
                // own jurisdiction only, not each county or township under it.
                let governed = governing(packs, d, id).filter(|(p, _)| {
                    shape(id) != Shape::Count || p.jurisdiction.as_ref().is_some_and(|j| j.as_str() == d)
                });
                let target = governed.map(|(p, t)| (target_value(id, t), t.year, p.id.clone(), t.clause.clone()));
                out.push(IndicatorLine {
                    indicator: id,
                    name,
                    division: d.clone(),
                    status: status(id, measure.as_ref(), governed.map(|(_, t)| t)),
                    measure,
                    target,
                });
            }
        }
        out
    }
}
