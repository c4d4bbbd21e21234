//! `yiyang policy …`: the policy packs, and what a pack says for a month.

use std::process::ExitCode;

use clap::Subcommand;
use yiyang_domain::dates::Month;
use yiyang_domain::policy::pack::{Pack, ParamKind};

use crate::benefits::{find, PacksArg};

#[derive(Subcommand)]
pub enum PolicyAction {
    /// List the policy packs.
    List {
        #[command(flatten)]
        packs: PacksArg,
    },
    /// Show a pack: its parameters with their values and clauses, and its rules.
    Show {
        pack: String,
        /// Show the parameter values in force in this month (YYYY-MM; default: this month).
        #[arg(long)]
        month: Option<String>,
        #[command(flatten)]
        packs: PacksArg,
    },
}

pub fn policy(action: PolicyAction) -> Result<ExitCode, String> {
    match action {
        PolicyAction::List { packs } => {
            let packs = packs.load()?;
            for p in &packs {
                println!(
                    "{:<18} {:<8} {:<10} {} {}（{}，{} 条规则）",
                    p.id,
                    p.version,
                    area(p),
                    p.effective_from,
                    p.title,
                    p.document,
                    p.rules.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyAction::Show { pack, month, packs } => {
            let packs = packs.load()?;
            let p = find(&packs, &pack)?;
            let month = match month {
                Some(m) => Month::parse(&m).map_err(|e| e.to_string())?,
                None => Month::of(chrono::Local::now().date_naive()),
            };
            print!("{}", describe(p, month));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A pack's jurisdiction by name (江西省, 会昌县), 不限 for a profile with none.
fn area(p: &Pack) -> String {
    let names = yiyang_store::reference::shipped_divisions();
    p.jurisdiction.as_ref().map_or("不限".to_string(), |j| {
        names.division_name(j.as_str()).unwrap_or(j.as_str()).to_string()
    })
}

/// The text of `policy show`.
pub fn describe(p: &Pack, month: Month) -> String {
    let mut s = String::new();
    let d0 = month.first_day();
    s.push_str(&format!(
        "{}（{}）版本 {}\n文号：{}\n",
        p.title, p.id, p.version, p.document
    ));
    s.push_str(&format!(
        "辖区：{}  生效：{} 至 {}\n",
        area(p),
        p.effective_from,
        p.effective_to.map_or("—".to_string(), |d| d.to_string())
    ));
    if let Some(parent) = &p.inherits {
        s.push_str(&format!("继承：{parent}\n"));
    }
    s.push_str(&format!("\n参数（{month} 的取值）：\n"));
    for prm in &p.params {
        let v = prm.value_on(d0);
        let kind = if prm.kind == ParamKind::Money {
            "金额"
        } else {
            "数值"
        };
        let shown = if prm.is_set_on(d0) {
            prm.display_value(v)
        } else {
            "待定".to_string()
        };
        s.push_str(&format!(
            "  {:<24} {:<12} {}（{}，{}）依据：{}\n",
            prm.name,
            shown,
            prm.label,
            kind,
            prm.basis.label(),
            prm.clause
        ));
        if let Some(q) = &prm.quote {
            s.push_str(&format!("      原文：“{q}”\n"));
        }
    }
    s.push_str("\n规则：\n");
    for r in &p.rules {
        let b = &p.benefits[r.benefit];
        s.push_str(&format!(
            "  {:<24} [{}] {}\n      条件：{}\n      金额：{}\n      依据：{}\n",
            r.id, b.title, r.title, r.when_src, r.amount_src, r.clause
        ));
        if let Some(q) = &r.quote {
            s.push_str(&format!("      原文：“{q}”\n"));
        }
    }
    if !p.targets.is_empty() {
        s.push_str("\n目标：\n");
        for t in &p.targets {
            s.push_str(&format!(
                "  {:<36} {}{}{}  依据：{}\n      原文：“{}”\n",
                t.title,
                t.describe(),
                t.binding.map_or(String::new(), |b| format!(" {}", b.label())),
                if t.manual { " 手工填报" } else { "" },
                t.clause,
                t.quote
            ));
        }
    }
    if !p.standards.is_empty() {
        s.push_str("\n规划标准：\n");
        for st in &p.standards {
            s.push_str(&format!(
                "  {}（{}）{} {} {}  依据：{}\n      原文：“{}”\n",
                st.title,
                st.applies_to,
                st.comparison.symbol(),
                st.value,
                st.unit,
                st.clause,
                st.quote
            ));
        }
    }
    if let Some(w) = &p.waitlist {
        let groups: Vec<&str> = w.groups.iter().map(|g| g.label.as_str()).collect();
        s.push_str(&format!(
            "\n公办养老机构入住轮候：\n  第一类 特困人员集中供养\n  第二类 {}\n  第三类 其他老年人\n",
            groups.join("、")
        ));
        if let Some(t) = &w.tie_break {
            s.push_str(&format!("  同等条件下{}优先\n", t.label));
        }
        s.push_str(&format!(
            "  失能：能力等级 {} 级及以上{}  依据：{}\n      原文：“{}”\n",
            w.disabled_min_level,
            w.very_old_age
                .map_or(String::new(), |a| format!("；高龄：{a} 周岁及以上")),
            w.clause,
            w.quote
        ));
    }
    for c in &p.coordination {
        let names: Vec<&str> = c.benefits.iter().map(|&b| p.benefits[b].title.as_str()).collect();
        s.push_str(&format!("\n衔接：{:?} {}（{}）\n", c.kind, names.join("、"), c.clause));
    }
    s
}
