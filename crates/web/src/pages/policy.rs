//! Policy packs as a reader sees them: every parameter with its value and clause, every rule
//! with its condition and clause.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::pack::ParamKind;

use super::{render, Layout};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

pub struct PackRow {
    pub id: String,
    pub title: String,
    pub document: String,
    pub jurisdiction: String,
    pub effective: String,
    pub version: String,
    pub rules: usize,
    pub params: usize,
}

#[derive(Template)]
#[template(path = "policy_list.html")]
struct ListPage {
    layout: Layout,
    packs: Vec<PackRow>,
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    let r = state.store.reference();
    let packs = state
        .packs
        .iter()
        .map(|p| PackRow {
            id: p.id.clone(),
            title: p.title.clone(),
            document: p.document.clone(),
            jurisdiction: p
                .jurisdiction
                .as_ref()
                .map_or("不限（测算口径）".into(), |j| r.division_path(j.as_str())),
            effective: format!(
                "{} 起{}",
                p.effective_from,
                p.effective_to.map_or(String::new(), |t| format!("，至 {t}"))
            ),
            version: p.version.clone(),
            rules: p.rules.len(),
            params: p.params.len(),
        })
        .collect();
    render(&ListPage {
        layout: Layout::new(&state, &user, "政策包", "policy"),
        packs,
    })
}

pub struct ParamRow {
    pub name: String,
    pub label: String,
    pub value: String,
    pub kind: &'static str,
    pub basis: &'static str,
    pub clause: String,
    /// The document's own words that set the figure.
    pub quote: String,
    /// Where the value in force comes from when not the pack itself (a local document).
    pub set_by: String,
    pub note: String,
    pub from: String,
}

pub struct RuleRow {
    pub id: String,
    pub benefit: String,
    pub title: String,
    pub when: String,
    pub amount: String,
    /// The condition and the amount in words (the CEL text stays in a tooltip).
    pub when_words: String,
    pub amount_words: String,
    pub clause: String,
    pub quote: String,
    pub inherited: bool,
    /// The figures its condition reads that no one has set: it applies to no one yet.
    pub undecided: String,
}

#[derive(Template)]
#[template(path = "policy_pack.html")]
struct PackPage {
    layout: Layout,
    id: String,
    document: String,
    version: String,
    inherits: String,
    notes: String,
    month: String,
    params: Vec<ParamRow>,
    rules: Vec<RuleRow>,
    coordination: Vec<(String, String)>,
    targets: Vec<yiyang_domain::policy::targets::Target>,
    standards: Vec<yiyang_domain::policy::targets::Standard>,
    waitlist: Option<yiyang_domain::institution::WaitlistRule>,
}

impl PackPage {
    fn indicator_name(&self, id: &str) -> &'static str {
        yiyang_domain::policy::targets::INDICATORS
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("手工填报", |(_, n)| *n)
    }
}

#[derive(Deserialize, Default)]
pub struct MonthParam {
    #[serde(default)]
    month: String,
}

pub async fn pack(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<MonthParam>,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    let p = packs.iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    let month = if q.month.is_empty() {
        state.clock().month()
    } else {
        Month::parse(&q.month).map_err(|e| AppError::BadRequest(e.to_string()))?
    };
    let d0 = month.first_day();
    let params = p
        .params
        .iter()
        .map(|prm| ParamRow {
            name: prm.name.clone(),
            label: prm.label.clone(),
            value: if prm.is_set_on(d0) {
                prm.display_value(prm.value_on(d0))
            } else {
                "待定".into()
            },
            quote: prm.quote.clone().unwrap_or_default(),
            set_by: prm
                .values
                .iter()
                .rev()
                .find(|v| v.from <= d0)
                .and_then(|v| v.clause.clone())
                .unwrap_or_default(),
            kind: if prm.kind == ParamKind::Money {
                "金额"
            } else {
                "数值"
            },
            basis: prm.basis.label(),
            clause: prm.clause.clone(),
            note: prm.note.clone().unwrap_or_default(),
            from: prm.defined_in.clone(),
        })
        .collect();
    let program = yiyang_domain::policy::MonthProgram::direct(p, month);
    let undecided = program.undecided_rules();
    let rules = p
        .rules
        .iter()
        .map(|r| RuleRow {
            quote: r.quote.clone().unwrap_or_default(),
            undecided: undecided
                .iter()
                .find(|(u, _)| u.id == r.id)
                .map(|(_, names)| {
                    names
                        .iter()
                        .map(|n| p.param(n).map_or(n.as_str(), |x| x.label.as_str()))
                        .collect::<Vec<_>>()
                        .join("、")
                })
                .unwrap_or_default(),
            id: r.id.clone(),
            benefit: p.benefits[r.benefit].title.clone(),
            title: r.title.clone(),
            when: r.when_src.clone(),
            amount: r.amount_src.clone(),
            when_words: yiyang_domain::policy::words::condition_in_words(&r.when_src, |n| {
                p.param(n).map(|x| x.label.clone())
            }),
            amount_words: yiyang_domain::policy::words::condition_in_words(&r.amount_src, |n| {
                p.param(n).map(|x| x.label.clone())
            }),
            clause: r.clause.clone(),
            inherited: r.defined_in != p.id,
        })
        .collect();
    let coordination = p
        .coordination
        .iter()
        .map(|c| {
            let names: Vec<&str> = c.benefits.iter().map(|&b| p.benefits[b].title.as_str()).collect();
            let kind = match c.kind {
                yiyang_domain::policy::pack::CoordinationKind::TakeHigher => "就高不重复",
                yiyang_domain::policy::pack::CoordinationKind::Priority => "按顺序不重复",
            };
            (format!("{kind}：{}", names.join("、")), c.clause.clone())
        })
        .collect();
    render(&PackPage {
        layout: Layout::new(&state, &user, p.title.clone(), "policy"),
        id: p.id.clone(),
        document: p.document.clone(),
        version: p.version.clone(),
        inherits: p.inherits.clone().unwrap_or_default(),
        notes: p.notes.clone().unwrap_or_default(),
        month: month.to_string(),
        params,
        rules,
        coordination,
        targets: p.targets.clone(),
        standards: p.standards.clone(),
        waitlist: p.waitlist.clone(),
    })
}
