//! Planning (规划) pages: the indicators of the user's division against the targets of the
//! packs in force, on a date, for the division and each of its children.

pub mod dashboard;
pub mod report;
pub mod residential;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use yiyang_store::planning::indicators::IndicatorLine;

use crate::access::{perm, Can};
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct IndicatorQuery {
    #[serde(default)]
    as_of: String,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    layout: Layout,
    as_of: String,
    lines: Vec<IndicatorLine>,
    /// (child division, its name, its lines)
    children: Vec<(String, String, Vec<IndicatorLine>)>,
    /// Indicators shown per child (those with data somewhere).
    columns: Vec<(&'static str, &'static str)>,
}

impl IndicatorsPage {
    fn target_text(&self, l: &IndicatorLine) -> String {
        match (&l.target, yiyang_domain::planning::indicators::shape(l.indicator)) {
            (None, _) => "—".into(),
            (Some((v, y, pack, clause)), yiyang_domain::planning::indicators::Shape::Ratio) => {
                format!("{:.0}%（{y}年，{}）", v * 100.0, self.source(pack, clause))
            }
            (Some((v, y, pack, clause)), _) => format!("{v}（{y}年，{}）", self.source(pack, clause)),
        }
    }
    /// Where a target comes from: the clause, which names its document; the pack's title
    /// when the clause does not.
    fn source(&self, pack: &str, clause: &str) -> String {
        if clause.contains('〔') || clause.contains('《') {
            clause.to_string()
        } else {
            format!("{} {clause}", self.layout.pack_title(pack))
        }
    }
    fn cell(&self, lines: &[IndicatorLine], id: &str) -> String {
        lines
            .iter()
            .find(|l| l.indicator == id)
            .map_or_else(String::new, IndicatorLine::value_text)
    }
    fn fraction(&self, l: &IndicatorLine) -> String {
        match l.measure {
            Some(m) => match m.denominator {
                Some(d) => format!("{} / {d}", m.numerator),
                None => m.numerator.to_string(),
            },
            None => "—".into(),
        }
    }
}

pub async fn indicators(
    State(state): State<AppState>,
    user: Can<perm::IndicatorRead>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Html<String>, AppError> {
    let today = state.clock().today();
    let as_of = chrono::NaiveDate::parse_from_str(q.as_of.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today)
        .unwrap_or(today);
    let scope = user.scope().to_string();
    let lines = state
        .store
        .indicators(
            &scope,
            None,
            as_of,
            yiyang_domain::dates::Month::of(as_of),
            &state.packs,
        )
        .await?;
    let level = match scope.len() {
        0 => Some(2),
        2 => Some(4),
        4 => Some(6),
        6 => Some(9),
        9 => Some(12),
        _ => None,
    };
    let r = state.store.reference();
    let mut children = Vec::new();
    if let Some(level) = level {
        let by = state
            .store
            .indicators(
                &scope,
                Some(level),
                as_of,
                yiyang_domain::dates::Month::of(as_of),
                &state.packs,
            )
            .await?;
        let mut codes: Vec<String> = by.iter().map(|l| l.division.clone()).collect();
        codes.dedup();
        for c in codes {
            let name = r.division_name(&c).unwrap_or("").to_string();
            let of: Vec<IndicatorLine> = by.iter().filter(|l| l.division == c).cloned().collect();
            children.push((c, name, of));
        }
    }
    let columns = lines
        .iter()
        .filter(|l| l.measure.is_some())
        .map(|l| (l.indicator, l.name))
        .collect();
    render(&IndicatorsPage {
        layout: Layout::new(&state, &user, "规划指标", "indicators"),
        as_of: as_of.to_string(),
        lines,
        children,
        columns,
    })
}
