//! A division's report (月报、年报) as a printable page and as .xlsx, and the open-data CSV of
//! the indicators on `/gongkai` (no sign-in, no personal data).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::planning::report::Period;
use yiyang_domain::Fen;
use yiyang_store::disbursement::cell_text;
use yiyang_store::planning::report::DivisionReport;

use super::dashboard::division_in_scope;
use crate::access::{perm, Can};
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    division: String,
    #[serde(default)]
    period: String,
}

/// A section: its heading, column headings and rows of text.
type Table = (&'static str, Vec<&'static str>, Vec<Vec<String>>);

/// A report as rows of text, the same for the page and the workbook.
struct Sections {
    title: String,
    /// (section heading, column headings, rows)
    tables: Vec<Table>,
    note: String,
}

fn sections(state: &AppState, r: &DivisionReport) -> Sections {
    let refd = state.store.reference();
    let name = |code: &str| refd.division_name(code).unwrap_or("其他区划").to_string();
    let catalogue = &refd.catalogue.categories;
    let mut people = vec![vec![
        "在世老年人".to_string(),
        r.alive.map_or("—".into(), |n| n.to_string()),
    ]];
    for c in catalogue {
        if let Some((_, n)) = r.categories.iter().find(|(code, _)| *code == c.code) {
            people.push(vec![c.name.clone(), n.to_string()]);
        }
    }
    let indicators = r
        .indicators
        .iter()
        .map(|v| {
            vec![
                v.name().to_string(),
                v.value_text(),
                match (v.numerator, v.denominator) {
                    (Some(n), Some(d)) => format!("{n} / {d}"),
                    (Some(n), None) => n.to_string(),
                    _ => "—".into(),
                },
                v.target_text(),
                v.status_label().to_string(),
                v.target_source.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let money = vec![
        vec![
            "待遇发放（已审批或已导出的批次）".to_string(),
            Fen(r.paid_fen).to_string(),
        ],
        vec![
            "居家社区服务：政府购买部分".to_string(),
            Fen(r.services.gov_fen).to_string(),
        ],
        vec![
            "居家社区服务：个人支付部分".to_string(),
            Fen(r.services.family_fen).to_string(),
        ],
    ];
    let mut services = vec![vec![
        "完成的居家社区服务订单".to_string(),
        r.services.orders.to_string(),
    ]];
    if let Some(s) = &r.sos {
        let secs = |v: Option<i64>| v.map_or("—".into(), |s| format!("{s} 秒"));
        services.extend([
            vec!["一键呼救".to_string(), s.calls.to_string()],
            vec!["其中已响应".to_string(), s.acknowledged.to_string()],
            vec!["响应时间中位数".to_string(), secs(s.median_ack_secs)],
            vec!["响应时间 90% 分位".to_string(), secs(s.p90_ack_secs)],
            vec!["升级处理".to_string(), s.escalated.to_string()],
            vec!["误报".to_string(), s.false_alarms.to_string()],
        ]);
    }
    let children = r
        .children
        .iter()
        .map(|c| {
            vec![
                name(&c.division),
                c.alive.map_or("—".into(), |n| n.to_string()),
                Fen(c.paid_fen).to_string(),
                c.visit_rate.clone(),
            ]
        })
        .collect();
    let mut tables = vec![
        ("一、老年人", vec!["项目", "人数"], people),
        (
            "二、指标与目标",
            vec!["指标", "数值", "分子 / 分母", "目标（年份）", "状态", "依据"],
            indicators,
        ),
        ("三、资金", vec!["项目", "金额"], money),
        ("四、服务与呼救", vec!["项目", "数量"], services),
    ];
    if !r.children.is_empty() {
        tables.push((
            "五、下级区划",
            vec!["区划", "在世老年人", "待遇发放", "特殊困难老年人月探访率"],
            children,
        ));
    }
    let note = match &r.month {
        Some(m) => format!(
            "人数与指标为 {m} 的数值（每小时自动更新的保存值）；资金为报告期内各月已保存的发放合计；服务与呼救按报告期统计。"
        ),
        None => "报告期内尚无保存的数值（服务运行后每小时自动生成）。".into(),
    };
    Sections {
        title: format!("{} {}", refd.division_path(&r.division), r.period.title()),
        tables,
        note,
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    division: String,
    period: String,
    error: Option<String>,
    report: Option<Sections>,
}

fn period_of(raw: &str, today: chrono::NaiveDate) -> Result<Period, String> {
    if raw.trim().is_empty() {
        return Ok(Period::Month(Month::of(today)));
    }
    Period::parse(raw)
}

/// The report page; a period that is neither a month nor a year is answered 422 with the
/// reason.
pub async fn page(
    State(state): State<AppState>,
    user: Can<perm::IndicatorRead>,
    Query(q): Query<ReportQuery>,
) -> Result<(StatusCode, Html<String>), AppError> {
    let division = division_in_scope(&state, user.scope(), &q.division)?;
    let (period, error, report) = match period_of(&q.period, state.clock().today()) {
        Ok(p) => {
            let r = state.store.division_report(&division, p).await?;
            (p.to_string(), None, Some(sections(&state, &r)))
        }
        Err(e) => (q.period.trim().chars().take(20).collect(), Some(e), None),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(&ReportPage {
        layout: Layout::new(&state, &user, "统计报告", "dashboard"),
        division,
        period,
        error,
        report,
    })?;
    Ok((status, html))
}

pub async fn xlsx(
    State(state): State<AppState>,
    user: Can<perm::IndicatorRead>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let division = division_in_scope(&state, user.scope(), &q.division)?;
    let period = period_of(&q.period, state.clock().today()).map_err(AppError::BadRequest)?;
    let r = state.store.division_report(&division, period).await?;
    let s = sections(&state, &r);
    let xlsx = |e: rust_xlsxwriter::XlsxError| {
        tracing::error!(error = %e, "xlsx");
        AppError::Internal
    };
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for (heading, columns, rows) in &s.tables {
        let ws = wb.add_worksheet();
        ws.set_name(heading.split('、').nth(1).unwrap_or(heading))
            .map_err(xlsx)?;
        ws.write_string_with_format(0, 0, cell_text(&s.title), &bold)
            .map_err(xlsx)?;
        for (c, h) in columns.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, *h, &bold).map_err(xlsx)?;
            ws.set_column_width(c as u16, if c == 0 { 28 } else { 16 })
                .map_err(xlsx)?;
        }
        for (i, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                ws.write_string(i as u32 + 3, c as u16, cell_text(text)).map_err(xlsx)?;
            }
        }
        ws.write_string(rows.len() as u32 + 4, 0, cell_text(&s.note))
            .map_err(xlsx)?;
    }
    let bytes = wb.save_to_buffer().map_err(xlsx)?;
    Ok(crate::pages::download::xlsx_download(
        &format!("{}.xlsx", s.title.replace(' ', "")),
        bytes,
    ))
}

#[derive(Deserialize, Default)]
pub struct OpenDataQuery {
    #[serde(default)]
    month: String,
}

/// The spec's indicators of every kept division for a month, as CSV, for anyone: values,
/// targets and status only (no personal data; counts by category are not published).
pub async fn open_data(State(state): State<AppState>, Query(q): Query<OpenDataQuery>) -> Result<Response, AppError> {
    let month = match q.month.trim() {
        "" => state
            .store
            .latest_stored_month("")
            .await?
            .unwrap_or_else(|| state.clock().month().to_string()),
        m => Month::parse(m)
            .map_err(|_| AppError::BadRequest("月份应写作 2026-11".into()))?
            .to_string(),
    };
    let rows = state.store.stored_indicators_of_month(&month).await?;
    let refd = state.store.reference();
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| {
        tracing::error!(error = %e, "csv");
        AppError::Internal
    };
    w.write_record([
        "month",
        "division_code",
        "division_name",
        "indicator",
        "indicator_name",
        "numerator",
        "denominator",
        "value",
        "target",
        "target_year",
        "status",
        "source",
    ])
    .map_err(csv_err)?;
    for v in rows.iter().filter(|v| v.is_indicator()) {
        w.write_record([
            v.month.clone(),
            v.division.clone(),
            refd.division_name(&v.division).unwrap_or("").to_string(),
            v.indicator.clone(),
            v.name().to_string(),
            v.numerator.map(|n| n.to_string()).unwrap_or_default(),
            v.denominator.map(|n| n.to_string()).unwrap_or_default(),
            v.value().map(|x| format!("{x:.6}")).unwrap_or_default(),
            v.target.map(|t| t.to_string()).unwrap_or_default(),
            v.target_year.map(|y| y.to_string()).unwrap_or_default(),
            v.status.clone(),
            v.target_source.clone().unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    let body = w.into_inner().map_err(|_| AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"indicators-{month}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}
