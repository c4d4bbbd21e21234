//! The 15-minute service circle (`standards/service-circle.md`, version 1): a person is covered
//! when a facility lies within the walking distance, estimated as the great-circle distance
//! times a detour factor; and greedy siting of new facilities among candidate sites.
//!
//! Facilities are put in a grid whose cells are at least the reach wide everywhere in China's
//! bounding box, so a person's facilities in reach lie in their own cell or the eight around
//! it: a lookup reads a handful of facilities whatever their number, and answers exactly as
//! comparing with every facility would (a test checks it against brute force).

use rustc_hash::FxHashMap;

/// Mean Earth radius, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
pub const DEFAULT_WALK_M: f64 = 1000.0;
pub const DEFAULT_DETOUR: f64 = 1.3;

/// The facility kinds of the register, as the spec names them.
pub const KINDS: [(&str, &str); 6] = [
    ("community_center", "社区养老服务中心（站）"),
    ("day_care", "社区日间照料中心"),
    ("rural_day_care", "农村老年人日间照料中心"),
    ("mutual_aid", "农村互助养老服务站点"),
    ("meal_point", "老年助餐点"),
    ("institution", "养老机构"),
];

/// A point in decimal degrees (WGS-84 / CGCS2000).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// Why a coordinate is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadPoint {
    Missing,
    OutOfRange,
    OutsideChina,
}

impl BadPoint {
    pub fn message(self) -> &'static str {
        match self {
            BadPoint::Missing => "坐标缺失或不是数字",
            BadPoint::OutOfRange => "坐标超出范围（纬度 ±90，经度 ±180）",
            BadPoint::OutsideChina => "坐标不在中国范围内（北纬 3.5–53.6，东经 73.5–135.1）",
        }
    }
}

impl Point {
    /// Parses a latitude and a longitude as written in the files; refuses what the spec refuses.
    pub fn parse(lat: &str, lon: &str) -> Result<Point, BadPoint> {
        let (Ok(lat), Ok(lon)) = (lat.trim().parse::<f64>(), lon.trim().parse::<f64>()) else {
            return Err(BadPoint::Missing);
        };
        Point::new(lat, lon)
    }

    pub fn new(lat: f64, lon: f64) -> Result<Point, BadPoint> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(BadPoint::Missing);
        }
        if lat.abs() > 90.0 || lon.abs() > 180.0 {
            return Err(BadPoint::OutOfRange);
        }
        if !(3.5..=53.6).contains(&lat) || !(73.5..=135.1).contains(&lon) {
            return Err(BadPoint::OutsideChina);
        }
        Ok(Point { lat, lon })
    }
}

/// Great-circle distance in metres (haversine).
pub fn haversine_m(a: Point, b: Point) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// The walking reach: a walk of `walk_m` along streets `detour` times longer than the crow flies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub walk_m: f64,
    pub detour: f64,
}

impl Default for Reach {
    fn default() -> Self {
        Reach {
            walk_m: DEFAULT_WALK_M,
            detour: DEFAULT_DETOUR,
        }
    }
}

impl Reach {
    pub fn covers(&self, person: Point, facility: Point) -> bool {
        haversine_m(person, facility) * self.detour <= self.walk_m
    }
    /// The straight-line reach in metres.
    pub fn straight_m(&self) -> f64 {
        self.walk_m / self.detour
    }
}

/// Points in a grid of cells at least the reach wide (in longitude at 53.6° N too, where a
/// degree is shortest), so everything within reach of a point is in its cell or a neighbour.
pub struct Grid {
    cell_deg: f64,
    cells: FxHashMap<u64, Vec<u32>>,
    points: Vec<Point>,
    reach: Reach,
}

impl Grid {
    pub fn new(points: Vec<Point>, reach: Reach) -> Grid {
        let metres_per_degree = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let shortest = metres_per_degree * 53.6_f64.to_radians().cos();
        // A hair wider than the reach, so rounding never puts a point in reach two cells away.
        let cell_deg = (reach.straight_m() / shortest * 1.001).max(1e-6);
        let mut cells: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        for (i, p) in points.iter().enumerate() {
            cells.entry(Self::key(cell_deg, *p)).or_default().push(i as u32);
        }
        Grid {
            cell_deg,
            cells,
            points,
            reach,
        }
    }

    fn cell(cell_deg: f64, p: Point) -> (i32, i32) {
        ((p.lat / cell_deg).floor() as i32, (p.lon / cell_deg).floor() as i32)
    }

    fn pack((r, c): (i32, i32)) -> u64 {
        (u64::from(r as u32) << 32) | u64::from(c as u32)
    }

    fn key(cell_deg: f64, p: Point) -> u64 {
        Self::pack(Self::cell(cell_deg, p))
    }

    /// Indexes of the points within reach of `p`: its own cell first (where a covering
    /// facility most often is), then the eight around it.
    pub fn within(&self, p: Point) -> impl Iterator<Item = u32> + '_ {
        const AROUND: [(i32, i32); 9] = [
            (0, 0),
            (-1, -1),
            (-1, 0),
            (-1, 1),
            (0, -1),
            (0, 1),
            (1, -1),
            (1, 0),
            (1, 1),
        ];
        let (r, c) = Self::cell(self.cell_deg, p);
        AROUND
            .iter()
            .filter_map(move |(dr, dc)| self.cells.get(&Self::pack((r + dr, c + dc))))
            .flatten()
            .copied()
            .filter(move |i| self.reach.covers(p, self.points[*i as usize]))
    }

    /// Whether any point is within reach of `p`.
    pub fn any_within(&self, p: Point) -> bool {
        self.within(p).next().is_some()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// One pick of the greedy siting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub rank: usize,
    pub candidate: String,
    pub added: usize,
    pub covered: usize,
}

/// Greedy maximal covering: `uncovered` are the people no existing facility covers,
/// `already` how many are covered; picks up to `k` candidates, each the one adding the most
/// people (ties: the smaller id in byte order), stopping early when none adds anyone.
pub fn site(uncovered: &[Point], already: usize, candidates: &[(String, Point)], k: usize, reach: Reach) -> Vec<Pick> {
    let people = Grid::new(uncovered.to_vec(), reach);
    // Each candidate's reachable uncovered people, computed once.
    let mut reach_of: Vec<(&str, Vec<u32>)> = candidates
        .iter()
        .map(|(id, p)| (id.as_str(), people.within(*p).collect()))
        .collect();
    reach_of.sort_by(|a, b| a.0.cmp(b.0));
    let mut taken = vec![false; uncovered.len()];
    let mut used = vec![false; reach_of.len()];
    let mut covered = already;
    let mut picks = Vec::new();
    for rank in 1..=k {
        let mut best: Option<(usize, usize)> = None;
        for (i, (_, list)) in reach_of.iter().enumerate() {
            if used[i] {
                continue;
            }
            let added = list.iter().filter(|p| !taken[**p as usize]).count();
            // Candidates are in id order, so the first of equals wins.
            if added > 0 && best.is_none_or(|(_, b)| added > b) {
                best = Some((i, added));
            }
        }
        let Some((i, added)) = best else { break };
        used[i] = true;
        for p in &reach_of[i].1 {
            taken[*p as usize] = true;
        }
        covered += added;
        picks.push(Pick {
            rank,
            candidate: reach_of[i].0.to_string(),
            added,
            covered,
        });
    }
    picks
}

#[cfg(test)]
#[path = "circle_tests.rs"]
mod tests;
