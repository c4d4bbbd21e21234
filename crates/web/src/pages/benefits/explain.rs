//! A person's month explained (every benefit, rule and fact behind it) and what-if over the
//! register (a pack's parameters changed, the month recomputed without paying anyone).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::{Fact, MonthProgram, RuleStatus};
use yiyang_domain::role::Permission;
use yiyang_domain::Fen;
use yiyang_store::benefits::{PackExplanation, StoredLine, WhatIfRow};

use super::fen;
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::people::person_for;
use crate::pages::{render, Layout};
use crate::AppState;

pub struct TraceView {
    pub title: String,
    pub status: String,
    pub paid: bool,
    pub condition: String,
    pub condition_words: String,
    pub facts: String,
    pub clause: String,
}

pub struct BenefitView {
    pub title: String,
    pub amount: String,
    pub paid: bool,
    pub rules: Vec<TraceView>,
}

#[derive(Template)]
#[template(path = "person_benefits.html")]
struct PersonMonthPage {
    layout: Layout,
    person_id: i64,
    name: String,
    id_masked: String,
    month: String,
    pack: String,
    facts: Vec<(String, String)>,
    dead_note: String,
    sections: Vec<(String, Vec<BenefitView>)>,
    lines: Vec<StoredLine>,
}

#[derive(Deserialize, Default)]
pub struct MonthParam {
    #[serde(default)]
    month: String,
}

pub async fn person_month(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<MonthParam>,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    person_for(&state, &user, Permission::PersonRead, id).await?;
    let month_s = if q.month.is_empty() {
        state.clock().month().to_string()
    } else {
        q.month.clone()
    };
    let month = Month::parse(&month_s).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let pm = state.store.person_month(id, month, &packs).await?;
    let facts = pm
        .own
        .as_ref()
        .or(pm.institution.as_ref())
        .map_or_else(Vec::new, |e| fact_rows(&e.facts));
    let mut sections = Vec::new();
    if let Some(e) = &pm.own {
        sections.push(("发给本人的待遇".to_string(), benefit_views(e)));
    }
    if let Some(e) = &pm.institution {
        sections.push((
            format!(
                "按入住人数发给养老机构 {} 的补贴（{}）",
                e.institution.as_deref().unwrap_or(""),
                e.program.pack.title
            ),
            benefit_views(e),
        ));
    }
    let pack = pm.own.as_ref().map_or("没有适用于其户籍地的政策包".to_string(), |e| {
        let p = e.program.pack;
        format!("{}（{}，{} 版）", p.title, p.document, p.version)
    });
    let dead_note = if pm.payable {
        String::new()
    } else {
        format!(
            "已于 {} 去世：自去世次月起停发。",
            pm.person.death_date.map(|d| d.to_string()).unwrap_or_default()
        )
    };
    let mut lines = pm.lines.clone();
    for l in &mut lines {
        l.id_number = yiyang_domain::id_number::mask(&l.id_number);
    }
    render(&PersonMonthPage {
        layout: Layout::new(
            &state,
            &user,
            format!("{} 的待遇说明（{}）", pm.person.name, month),
            "people",
        ),
        person_id: id,
        name: pm.person.name.clone(),
        id_masked: yiyang_domain::id_number::mask(&pm.person.id_number),
        month: month_s,
        pack,
        facts,
        dead_note,
        sections,
        lines,
    })
}

/// The facts a month was computed with, as (label, value) rows.
fn fact_rows(f: &yiyang_domain::policy::Facts) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    for fact in [
        Fact::Age,
        Fact::CapabilityLevel,
        Fact::Tier,
        Fact::Hukou,
        Fact::Residence,
    ] {
        facts.push((fact.label().to_string(), f.display(fact)));
    }
    for fact in Fact::all().filter(|f| matches!(f, Fact::Flag(_))) {
        if f.value(fact) != 0 {
            facts.push((fact.label().to_string(), "是".into()));
        }
    }
    facts
}

/// Each benefit of one pack's part with every rule's outcome, in words.
fn benefit_views(e: &PackExplanation<'_>) -> Vec<BenefitView> {
    let pack = e.program.pack;
    e.traces
        .iter()
        .map(|b| BenefitView {
            title: pack.benefits[b.benefit].title.clone(),
            amount: Fen(b.paid.amount).to_string(),
            paid: b.paid.amount > 0,
            rules: b
                .rules
                .iter()
                .map(|t| {
                    let r = &pack.rules[t.rule];
                    TraceView {
                        title: r.title.clone(),
                        paid: t.status == RuleStatus::Paid,
                        status: t.status.describe(t.amount),
                        condition: r.when_src.clone(),
                        condition_words: yiyang_domain::policy::words::condition_in_words(&r.when_src, |n| {
                            pack.params.iter().find(|p| p.name == n).map(|p| p.label.clone())
                        }),
                        facts: t
                            .facts
                            .iter()
                            .map(|(_, l, v)| format!("{l}：{v}"))
                            .collect::<Vec<_>>()
                            .join("；"),
                        clause: r.clause.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "what_if.html")]
struct WhatIfPage {
    layout: Layout,
    packs: Vec<(String, String)>,
    params: Vec<(String, String, String)>,
    pack: String,
    param: String,
    value: String,
    month: String,
    rows: Vec<WhatIfRow>,
    total: WhatIfRow,
    error: String,
    ran: bool,
}

#[derive(Deserialize, Default)]
pub struct WhatIfParams {
    #[serde(default)]
    pack: String,
    #[serde(default)]
    param: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    month: String,
}

/// Change one parameter and see the monthly cost and the people affected, by county, over
/// the register in scope. Nothing is stored.
pub async fn what_if(
    State(state): State<AppState>,
    user: Can<perm::BenefitRead>,
    Query(q): Query<WhatIfParams>,
) -> Result<Html<String>, AppError> {
    let packs = state.packs_now().await?;
    // By default the most specific pack covering the user's scope (or the first one).
    let pack_id = if q.pack.is_empty() {
        let scope = yiyang_domain::DivisionCode::from_canonical(user.scope().to_string());
        state
            .packs
            .iter()
            .filter(|p| {
                p.jurisdiction
                    .as_ref()
                    .is_some_and(|j| j.contains(&scope) || scope.contains(j))
            })
            .max_by_key(|p| p.jurisdiction.as_ref().map_or(0, |j| j.as_str().len()))
            .or(packs.first())
            .map(|p| p.id.clone())
            .unwrap_or_default()
    } else {
        q.pack.clone()
    };
    let month_s = if q.month.is_empty() {
        state.clock().month().to_string()
    } else {
        q.month.clone()
    };
    let base = packs.iter().find(|p| p.id == pack_id).ok_or(AppError::NotFound)?;
    let month = Month::parse(&month_s).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let params = base
        .params
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.label.clone(),
                p.display_value(p.value_on(month.first_day())),
            )
        })
        .collect();
    let (mut rows, mut error, mut ran) = (Vec::new(), String::new(), false);
    if !q.param.is_empty() && !q.value.is_empty() {
        match yiyang_domain::policy::pack::with_change(base, month, &q.param, &q.value) {
            Ok(changed) => {
                let (before, after) = (MonthProgram::new(base, month), MonthProgram::new(&changed, month));
                rows = state.store.what_if(user.scope(), month, &before, &after).await?;
                ran = true;
            }
            Err(e) => error = e,
        }
    }
    let total = rows.iter().fold(
        WhatIfRow {
            county: "合计".into(),
            ..WhatIfRow::default()
        },
        |mut t, r| {
            t.affected += r.affected;
            t.before_fen += r.before_fen;
            t.after_fen += r.after_fen;
            t
        },
    );
    render(&WhatIfPage {
        layout: Layout::new(&state, &user, "政策测算（假设调整）", "benefits"),
        packs: state.packs.iter().map(|p| (p.id.clone(), p.title.clone())).collect(),
        params,
        pack: pack_id,
        param: q.param,
        value: q.value,
        month: month_s,
        rows,
        total,
        error,
        ran,
    })
}
