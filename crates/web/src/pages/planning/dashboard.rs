//! The dashboard (数据驾驶舱) of a division: its indicators against the targets of the packs in
//! force, read from the values kept month by month (never computed per view); living people and
//! an indicator per child division as bars (a people bar opens the people list of that division,
//! an indicator bar the child's own dashboard); the indicator's trend; a map of institutions and
//! facilities on a plain background. Charts are ECharts, served by the app.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::targets::INDICATORS;
use yiyang_store::planning::snapshot::{StoredValue, PAID_FEN, PEOPLE_ALIVE};

use crate::access::{perm, Can, Submitted};
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct DashQuery {
    #[serde(default)]
    division: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    month: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    message: String,
    division: String,
    division_name: String,
    month: String,
    months: Vec<String>,
    computed_at: String,
    values: Vec<StoredValue>,
    indicator: String,
    indicator_name: String,
    indicators: Vec<(&'static str, &'static str)>,
    people_chart: String,
    indicator_chart: String,
    trend_chart: String,
    map_chart: String,
    /// Living people by category in the division (a bar opens that list).
    category_chart: Option<String>,
    /// Living people by the level of their valid assessment (a bar opens that list).
    level_chart: Option<String>,
    /// Money paid over the kept months of the last twelve (approved or exported runs).
    paid_year: Option<String>,
    has_children: bool,
    /// Where the division's parent dashboard is (inside the user's scope).
    up: Option<String>,
    refresh: bool,
}

impl DashboardPage {
    /// Where a tile leads: the list its number counts.
    fn tile_link(&self, indicator: &str) -> String {
        let d = &self.division;
        match indicator {
            PEOPLE_ALIVE => format!("/people?division={d}&life=alive"),
            PAID_FEN => "/benefits".into(),
            "centralized_care_rate" => format!("/people?division={d}&category=tekun&life=alive"),
            "monthly_visit_rate" => "/visits".into(),
            "major_fire_hazards_open" => "/supervision/hazards".into(),
            "beds_total"
            | "nursing_bed_ratio"
            | "township_home_nursing_bed_ratio"
            | "public_occupancy_rate"
            | "private_operated_share"
            | "graded_public_home_share" => "/institutions".into(),
            "rural_mutual_aid_coverage" | "urban_day_care_coverage" | "street_center_coverage" => "/facilities".into(),
            "new_residential_compliance" => "/planning/residential".into(),
            other => format!("/dashboard?division={d}&indicator={other}"),
        }
    }
    fn status_class(v: &StoredValue) -> &'static str {
        match v.status.as_str() {
            "met" => "ok",
            "not_met" => "warn",
            _ => "",
        }
    }
}

fn chart(kind: &str, title: &str, unit: &str, rows: Vec<(String, Option<f64>, String)>, target: Option<f64>) -> String {
    serde_json::json!({
        "type": kind,
        "title": title,
        "unit": unit,
        "labels": rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        "values": rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "links": rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
        "target": target,
    })
    .to_string()
}

pub async fn dashboard(
    State(state): State<AppState>,
    user: Can<perm::IndicatorRead>,
    flash: Flash,
    Query(q): Query<DashQuery>,
) -> Result<Html<String>, AppError> {
    let r = state.store.reference();
    let division = division_in_scope(&state, user.scope(), &q.division)?;
    let latest = state.store.latest_stored_month(&division).await?;
    let month = Month::parse(q.month.trim())
        .map(|m| m.to_string())
        .ok()
        .or(latest)
        .unwrap_or_else(|| state.clock().month().to_string());
    // Tiles: living people, money, then the indicators; category counts go to their chart.
    let (counts, mut values): (Vec<StoredValue>, Vec<StoredValue>) = state
        .store
        .stored_values(&division, &month)
        .await?
        .into_iter()
        .partition(|v| v.category().is_some() || v.level().is_some());
    let (categories, levels): (Vec<StoredValue>, Vec<StoredValue>) =
        counts.into_iter().partition(|v| v.category().is_some());
    values.sort_by_key(|v| match v.indicator.as_str() {
        PEOPLE_ALIVE => 0,
        PAID_FEN => 1,
        _ => 2 + INDICATORS.iter().position(|(i, _)| *i == v.indicator).unwrap_or(99),
    });
    let choices = choices();
    let indicator = if choices.iter().any(|(i, _)| *i == q.indicator) {
        q.indicator.clone()
    } else {
        "monthly_visit_rate".to_string()
    };
    let indicator_name = choices
        .iter()
        .find(|(i, _)| *i == indicator)
        .map_or("", |(_, n)| n)
        .to_string();
    let catalogue = &r.catalogue.categories;
    let mut by_category: Vec<(usize, &StoredValue)> = categories
        .iter()
        .filter(|v| v.numerator.unwrap_or(0) > 0)
        .filter_map(|v| {
            catalogue
                .iter()
                .position(|c| Some(c.code.as_str()) == v.category())
                .map(|i| (i, v))
        })
        .collect();
    by_category.sort_by_key(|(i, _)| *i);
    let category_chart = (!by_category.is_empty()).then(|| {
        chart(
            "bar",
            "在世老年人：按类别，点击查看名单",
            "人",
            by_category
                .iter()
                .map(|(i, v)| {
                    (
                        catalogue[*i].name.clone(),
                        v.plotted(),
                        format!("/people?division={division}&category={}&life=alive", catalogue[*i].code),
                    )
                })
                .collect(),
            None,
        )
    });
    // Levels in their order, those without a valid assessment last.
    let level_order = ["0", "1", "2", "3", "4", "none"];
    let mut by_level: Vec<&StoredValue> = levels.iter().filter(|v| v.numerator.unwrap_or(0) > 0).collect();
    by_level.sort_by_key(|v| level_order.iter().position(|l| Some(*l) == v.level()));
    let level_chart = (!by_level.is_empty()).then(|| {
        chart(
            "bar",
            "在世老年人：按能力等级（评估在有效期内），点击查看名单",
            "人",
            by_level
                .iter()
                .map(|v| {
                    let l = v.level().unwrap_or("none");
                    let label = match l.parse::<i64>() {
                        Ok(n) => yiyang_domain::assessment::level_short(n).to_string(),
                        Err(_) => "未评估或已过期".to_string(),
                    };
                    (
                        label,
                        v.plotted(),
                        format!("/people?division={division}&level={l}&life=alive"),
                    )
                })
                .collect(),
            None,
        )
    });
    let paid = state.store.stored_trend(&division, PAID_FEN, 12).await?;
    let paid_year =
        (!paid.is_empty()).then(|| yiyang_domain::Fen(paid.iter().filter_map(|v| v.numerator).sum()).to_string());
    let name = |code: &str| r.division_name(code).unwrap_or("其他区划").to_string();
    let people = state.store.stored_children(&division, &month, PEOPLE_ALIVE).await?;
    let people_chart = chart(
        "bar",
        "老年人数（在世），点击查看名单",
        "人",
        people
            .iter()
            .map(|v| {
                (
                    name(&v.division),
                    v.plotted(),
                    format!("/people?division={}&life=alive", v.division),
                )
            })
            .collect(),
        None,
    );
    let by_child = state.store.stored_children(&division, &month, &indicator).await?;
    let target = values.iter().find(|v| v.indicator == indicator).and_then(|v| {
        v.target
            .map(|t| if v.value_text().ends_with('%') { t * 100.0 } else { t })
    });
    let unit = if indicator == PAID_FEN {
        "元"
    } else if by_child.first().is_some_and(|v| v.value_text().ends_with('%')) {
        "%"
    } else {
        ""
    };
    let indicator_chart = chart(
        "bar",
        &format!("{indicator_name}（按下级区划，点击下钻）"),
        unit,
        by_child
            .iter()
            .map(|v| {
                (
                    name(&v.division),
                    v.plotted(),
                    format!("/dashboard?division={}&indicator={indicator}", v.division),
                )
            })
            .collect(),
        target,
    );
    let trend = state.store.stored_trend(&division, &indicator, 12).await?;
    let trend_chart = chart(
        "line",
        &format!("{indicator_name}：逐月"),
        unit,
        trend
            .iter()
            .map(|v| {
                (
                    v.month.clone(),
                    v.plotted(),
                    format!("/dashboard?division={division}&indicator={indicator}&month={}", v.month),
                )
            })
            .collect(),
        target,
    );
    let points = state.store.map_points(&division).await?;
    let map_chart = serde_json::json!({
        "type": "map",
        "title": "养老机构与服务设施分布",
        "layers": [
            {"name": "养老机构", "points": points.iter().filter(|p| p.layer == "institution").map(|p| (p.lon, p.lat, p.name.clone())).collect::<Vec<_>>()},
            {"name": "服务设施", "points": points.iter().filter(|p| p.layer == "facility").map(|p| (p.lon, p.lat, p.name.clone())).collect::<Vec<_>>()},
        ],
    })
    .to_string();
    let computed_at = values
        .first()
        .map(|v| crate::pages::local_minute(v.computed_at))
        .unwrap_or_default();
    let up = (division.len() > user.scope().len()).then(|| {
        let parent_len = [2usize, 4, 6, 9]
            .into_iter()
            .rev()
            .find(|l| *l < division.len())
            .unwrap_or(0);
        let parent = &division[..parent_len.max(user.scope().len())];
        format!("/dashboard?division={parent}&indicator={indicator}")
    });
    let months = (0..12)
        .map(|i| {
            let d = state.clock().today() - chrono::Months::new(i);
            Month::of(d).to_string()
        })
        .collect();
    render(&DashboardPage {
        layout: Layout::new(&state, &user, "数据驾驶舱", "dashboard"),
        message: flash.0,
        division_name: r.division_path(&division),
        has_children: !people.is_empty(),
        division,
        month,
        months,
        computed_at,
        values,
        indicator,
        indicator_name,
        indicators: choices,
        category_chart,
        level_chart,
        paid_year,
        people_chart,
        indicator_chart,
        trend_chart,
        map_chart,
        up,
        refresh: user.may(yiyang_domain::role::Permission::PersonWrite),
    })
}

/// The division a dashboard or report is asked for: the user's own scope when none is named;
/// one outside the scope is answered exactly as an unknown one.
pub(super) fn division_in_scope(state: &AppState, scope: &str, raw: &str) -> Result<String, AppError> {
    match raw.trim() {
        "" => Ok(scope.to_string()),
        d if d.starts_with(scope) && state.store.reference().division_name(d).is_some() => Ok(d.to_string()),
        _ => Err(AppError::NotFound),
    }
}

/// What the page can chart: the kept counts, then the spec's indicators.
fn choices() -> Vec<(&'static str, &'static str)> {
    [(PEOPLE_ALIVE, "老年人数（在世）"), (PAID_FEN, "发放金额（元）")]
        .into_iter()
        .chain(INDICATORS.iter().copied())
        .collect()
}

/// Recomputes this month's values of the user's scope now (the hourly job does it anyway).
pub async fn refresh(
    State(state): State<AppState>,
    Submitted { user, .. }: Submitted<Vec<(String, String)>>,
) -> Result<Flashed, AppError> {
    user.require(yiyang_domain::role::Permission::IndicatorRead)?;
    user.require(yiyang_domain::role::Permission::PersonWrite)?;
    let packs = state.packs_now().await?;
    let month = state.clock().month();
    let n = state.store.snapshot_indicators(user.scope(), month, &packs).await?;
    Ok(flashed("/dashboard", format!("已更新 {month} 的 {n} 项数值")))
}

/// Keeps the values up to date: at start (filling the last twelve months when nothing is kept
/// yet), then every hour for the current month, and once more for the month just ended.
pub fn spawn_snapshots(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut first = true;
        let mut last_month = None;
        loop {
            let Ok(packs) = state.packs_now().await else {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                continue;
            };
            let today = state.clock().today();
            let month = Month::of(today);
            let mut months = vec![month];
            if first && state.store.latest_stored_month("").await.ok().flatten().is_none() {
                // Newest first: the current month is on the dashboards soonest.
                months = (0..12).map(|i| Month::of(today - chrono::Months::new(i))).collect();
            } else if last_month.is_some_and(|m| m != month) {
                months.insert(0, Month::of(today - chrono::Months::new(1)));
            }
            for m in months {
                let started = std::time::Instant::now();
                match state.store.snapshot_indicators("", m, &packs).await {
                    Ok(n) => {
                        tracing::info!(month = %m, values = n, ms = started.elapsed().as_millis() as u64, "indicator values kept")
                    }
                    Err(e) => tracing::error!(error = %e, month = %m, "indicator snapshot"),
                }
            }
            first = false;
            last_month = Some(month);
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    })
}
