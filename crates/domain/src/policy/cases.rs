//! Pack test cases (`tests.toml` next to each `pack.toml`), in the spirit of OpenFisca's YAML
//! tests: a person's facts for a month in, the expected amount of each benefit out, and the
//! benefits the person qualifies for whose figure is not yet set (`pending`, 待定). Benefits a
//! case lists in neither are expected to pay nothing. A case asserts something: an amount, a
//! pending benefit, or `pays_nothing = true` (a case that must not pay, say why in its name).

use super::facts::Facts;
use super::pack::{Pack, PackError};
use super::program::MonthProgram;
use crate::dates::Month;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "case")]
    cases: Vec<toml::Spanned<Case>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    clause: String,
    month: String,
    #[serde(default)]
    facts: BTreeMap<String, toml::Value>,
    /// Benefit code → amount in yuan (whole number, or a quoted decimal such as "37.50").
    #[serde(default)]
    expect: BTreeMap<String, toml::Value>,
    /// Benefits the person qualifies for whose figure the document leaves open (待定).
    #[serde(default)]
    pending: Vec<String>,
    /// The case's point is that nothing is paid or pending.
    #[serde(default)]
    pays_nothing: bool,
}

#[derive(Debug, Default)]
pub struct Report {
    pub passed: usize,
    pub failures: Vec<String>,
    /// Ids of the rules that paid (or were pending) in at least one case.
    pub rules_paid: BTreeSet<String>,
}

fn yuan_to_fen(v: &toml::Value) -> Option<i64> {
    match v {
        toml::Value::Integer(n) => Some(n * 100),
        toml::Value::String(s) => {
            let (w, f) = s.split_once('.').unwrap_or((s, ""));
            if f.len() > 2 {
                return None;
            }
            Some(w.parse::<i64>().ok()? * 100 + format!("{f:0<2}").parse::<i64>().ok()?)
        }
        _ => None,
    }
}

/// Runs the cases in `text` (from `file`) against `pack`.
pub fn run(pack: &Pack, file: &str, text: &str) -> Result<Report, PackError> {
    let parsed: File = toml::from_str(text).map_err(|e| PackError {
        file: file.into(),
        line: e.span().map_or(1, |s| text[..s.start].matches('\n').count() + 1),
        key: "-".into(),
        message: e.message().into(),
    })?;
    let mut report = Report::default();
    for case in parsed.cases {
        let line = text[..case.span().start].matches('\n').count() + 1;
        let case = case.into_inner();
        let err = |m: String| PackError {
            file: file.into(),
            line,
            key: case.name.clone(),
            message: m,
        };
        if case.clause.trim().is_empty() {
            return Err(err("clause 不能为空".into()));
        }
        let asserts = !case.expect.is_empty() || !case.pending.is_empty();
        if asserts == case.pays_nothing {
            return Err(err(
                "每个用例须断言：写 expect 或 pending；什么都不发的用例写 pays_nothing = true（且不写 expect、pending）".into(),
            ));
        }
        let mut pending = BTreeSet::new();
        for code in &case.pending {
            pending.insert(
                pack.benefit_index(code)
                    .ok_or_else(|| err(format!("政策包没有待遇 `{code}`")))?,
            );
        }
        let month = Month::parse(&case.month).map_err(|e| err(e.to_string()))?;
        let mut facts = Facts::default();
        for (k, v) in &case.facts {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            facts.set_by_name(k, &text).map_err(err)?;
        }
        let mut expect = BTreeMap::new();
        for (code, v) in &case.expect {
            let b = pack
                .benefit_index(code)
                .ok_or_else(|| err(format!("政策包没有待遇 `{code}`")))?;
            expect.insert(
                b,
                yuan_to_fen(v).ok_or_else(|| err(format!("`{code}` 的金额应为元（整数或 \"37.50\"）")))?,
            );
        }
        let program = MonthProgram::direct(pack, month);
        let mut scratch = Vec::new();
        let pays = program.pays(&facts, &mut scratch);
        let mut wrong = Vec::new();
        for (b, pay) in pays.iter().enumerate() {
            let want = expect.get(&b).copied().unwrap_or(0);
            if pay.amount != want {
                wrong.push(format!(
                    "{}: 应为 {}，实为 {}",
                    pack.benefits[b].code,
                    crate::Fen(want),
                    crate::Fen(pay.amount)
                ));
            }
            let want_pending = pending.contains(&b);
            if pay.is_pending() != want_pending {
                wrong.push(format!(
                    "{}: {}",
                    pack.benefits[b].code,
                    if want_pending {
                        "应为待定（金额待当地设定），实际不是"
                    } else {
                        "不应待定，实际待定"
                    }
                ));
            }
            if pay.amount > 0 || pay.is_pending() {
                report.rules_paid.insert(pack.rules[pay.rule as usize].id.clone());
            }
        }
        if wrong.is_empty() {
            report.passed += 1;
        } else {
            report.failures.push(format!(
                "{file}:{line}: {}（{}）: {}",
                case.name,
                case.clause,
                wrong.join("; ")
            ));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shipped;

    /// Every shipped pack's cases pass, and every rule pays in at least one case of the pack
    /// that defines it or of a pack that inherits it.
    #[test]
    fn every_shipped_pack_passes_its_cases_and_every_rule_is_exercised() {
        let packs = shipped::packs();
        let mut paid = BTreeSet::new();
        for (file, _, tests) in shipped::FILES {
            let pack = packs.iter().find(|p| p.file == *file).expect("loaded");
            let tests_file = file.replace("pack.toml", "tests.toml");
            let report = run(pack, &tests_file, tests).unwrap_or_else(|e| panic!("{e}"));
            assert!(report.failures.is_empty(), "{}", report.failures.join("\n"));
            assert!(report.passed > 0, "{tests_file} has no cases");
            for id in report.rules_paid {
                let rule = pack.rules.iter().find(|r| r.id == id).expect("rule");
                paid.insert((rule.defined_in.clone(), id));
            }
        }
        for pack in &packs {
            let unexercised: Vec<_> = pack
                .rules
                .iter()
                .filter(|r| r.defined_in == pack.id && !paid.contains(&(pack.id.clone(), r.id.clone())))
                // A rule whose condition reads a figure the document leaves open (the 高龄
                // age) applies to no one until it is set; local_figures' tests set it.
                .filter(|r| {
                    let mut used = BTreeSet::new();
                    r.when.params(&mut used);
                    used.iter().all(|&i| pack.params[i].is_set_on(pack.effective_from))
                })
                .map(|r| &r.id)
                .collect();
            assert!(
                unexercised.is_empty(),
                "{}: no case pays through rules {unexercised:?}",
                pack.file
            );
        }
    }
}
