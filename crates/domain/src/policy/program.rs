//! A pack compiled for one month: parameter values fixed, rules in force selected, and, when
//! the facts the rules read span a small space (they nearly always do), every decision
//! precomputed into a lookup table. Evaluating a person-month is then one index computation
//! and a slice read, whatever the number of rules.

use super::facts::{Dimension, Fact, Facts};
use super::pack::{CoordinationKind, Pack, Payee};
use crate::dates::Month;
use std::collections::BTreeSet;

/// Tables larger than this many fact combinations are not built; rules are then evaluated
/// directly (about 20-50 ns per rule).
const MAX_TABLE_KEYS: usize = 1 << 22;

/// The decision for one benefit: amount in fen (0 = not paid) and the rule that set it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pay {
    pub amount: i64,
    /// Index into `Pack::rules`; meaningless when `amount` is 0 and not `pending`.
    pub rule: u16,
    /// Nothing paid, but the person qualifies under a rule whose figure the document leaves
    /// to others and no one has set yet (待定): `rule` is that rule.
    pub pending: bool,
}

impl Pay {
    /// Qualifies, amount not yet set: listed, not paid, not skipped.
    pub fn is_pending(&self) -> bool {
        self.amount == 0 && self.pending
    }
}

/// How a rule fared for one person-month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleStatus {
    /// The condition does not hold.
    NotMet,
    /// The condition holds but the amount is zero.
    ZeroAmount,
    /// The condition holds; the amount reads a figure the document leaves to others that no
    /// one has set yet (待定).
    Pending { params: Vec<String> },
    /// The condition reads a figure no one has set (an age the document leaves to local
    /// rules): the rule cannot be applied to anyone yet.
    Undecided { params: Vec<String> },
    /// Paid.
    Paid,
    /// Another rule of the same benefit paid more (or the same, and was listed first).
    Superseded { by_rule: String },
    /// A coordination rule gave the payment to another benefit.
    Coordinated { by_benefit: String, clause: String },
}

impl RuleStatus {
    /// The outcome in words, as the explanation page and `benefits explain` show it.
    pub fn describe(&self, amount: i64) -> String {
        match self {
            RuleStatus::Paid => format!("适用：{}", crate::Fen(amount)),
            RuleStatus::NotMet => "条件不满足".into(),
            RuleStatus::ZeroAmount => "条件满足，但按规则计算的金额为 0".into(),
            RuleStatus::Undecided { params } => {
                format!("未适用：条件中的数值文件未规定，待当地设定（{}）", params.join("、"))
            }
            RuleStatus::Pending { params } => {
                format!(
                    "条件满足，金额待定：文件未规定数额，待当地设定（{}）",
                    params.join("、")
                )
            }
            RuleStatus::Superseded { by_rule } => format!("同一待遇按规则 {by_rule} 就高发放"),
            RuleStatus::Coordinated { by_benefit, clause } => {
                format!("按衔接规则改发 {by_benefit}（{clause}）")
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct RuleTrace {
    pub rule: usize,
    pub amount: i64,
    pub status: RuleStatus,
    /// (fact name, label, value shown) for every fact the rule reads.
    pub facts: Vec<(&'static str, &'static str, String)>,
}

#[derive(Clone, Debug)]
pub struct BenefitTrace {
    pub benefit: usize,
    pub paid: Pay,
    pub rules: Vec<RuleTrace>,
}

pub struct MonthProgram<'p> {
    pub pack: &'p Pack,
    pub month: Month,
    /// Parameter values in force on the first day of the month.
    pub params: Vec<i64>,
    /// Per rule of the pack: the names of the parameters its amount reads that are not set
    /// on the first day of the month (empty: the rule can pay).
    unset: Vec<Vec<String>>,
    /// Per rule: the unset parameters its condition reads (the rule applies to no one).
    undecided: Vec<Vec<String>>,
    /// Rules in force in the month, by index into `pack.rules`.
    active: Vec<usize>,
    dims: Vec<(Dimension, usize)>,
    table: Option<Vec<Pay>>,
}

impl<'p> MonthProgram<'p> {
    /// For many people: the decisions are tabulated when the fact space is small.
    pub fn new(pack: &'p Pack, month: Month) -> MonthProgram<'p> {
        let mut program = MonthProgram::direct(pack, month);
        let keys = program.dims.iter().fold(1usize, |n, (d, _)| n.saturating_mul(d.size()));
        if keys <= MAX_TABLE_KEYS {
            program.table = Some(program.build_table(keys));
        }
        program
    }

    /// For one person or a few (an explanation, a pack's cases): rules evaluated directly,
    /// without building the table.
    pub fn direct(pack: &'p Pack, month: Month) -> MonthProgram<'p> {
        let (d0, d1) = (month.first_day(), month.last_day());
        let params = pack.params.iter().map(|p| p.value_on(d0)).collect();
        let unset_in = |node: &super::expr::Node| -> Vec<String> {
            let mut used = BTreeSet::new();
            node.params(&mut used);
            used.into_iter()
                .filter(|&i| !pack.params[i].is_set_on(d0))
                .map(|i| pack.params[i].name.clone())
                .collect()
        };
        let unset = pack.rules.iter().map(|r| unset_in(&r.amount)).collect();
        let undecided = pack.rules.iter().map(|r| unset_in(&r.when)).collect();
        let active: Vec<usize> = (0..pack.rules.len())
            .filter(|&i| pack.in_force(d0, d1) && pack.rules[i].in_force(d0, d1))
            .collect();
        let mut facts = BTreeSet::new();
        for &i in &active {
            pack.rules[i].when.facts(&mut facts);
            pack.rules[i].amount.facts(&mut facts);
        }
        let dims_used: BTreeSet<Dimension> = facts.iter().map(|f| f.dimension()).collect();
        let mut dims = Vec::new();
        let mut stride = 1usize;
        for d in dims_used {
            dims.push((d, stride));
            stride = stride.saturating_mul(d.size());
        }
        let mut program = MonthProgram {
            pack,
            month,
            params,
            unset,
            undecided,
            active,
            dims,
            table: None,
        };
        if stride <= MAX_TABLE_KEYS {
            program.table = Some(program.build_table(stride));
        }
        program
    }

    /// The rules in force this month that apply to no one because their condition reads a
    /// figure not yet set, with those figures' names: shown on the run's summary.
    pub fn undecided_rules(&self) -> Vec<(&'p super::pack::Rule, &[String])> {
        self.active
            .iter()
            .filter(|&&i| !self.undecided[i].is_empty())
            .map(|&i| (&self.pack.rules[i], self.undecided[i].as_slice()))
            .collect()
    }

    pub fn benefit_count(&self) -> usize {
        self.pack.benefits.len()
    }

    pub fn is_tabulated(&self) -> bool {
        self.table.is_some()
    }

    fn build_table(&self, keys: usize) -> Vec<Pay> {
        let nb = self.benefit_count();
        let mut table = vec![Pay::default(); keys * nb];
        for key in 0..keys {
            let mut f = Facts::default();
            for &(dim, stride) in &self.dims {
                dim.set(&mut f, (key / stride) % dim.size());
            }
            self.decide(&f, &mut table[key * nb..(key + 1) * nb], None);
        }
        table
    }

    #[inline]
    fn key(&self, f: &Facts) -> usize {
        self.dims.iter().map(|&(d, stride)| d.index(f) * stride).sum()
    }

    /// The payments for one person-month, one entry per benefit of the pack.
    #[inline]
    pub fn pays<'a>(&'a self, f: &Facts, scratch: &'a mut Vec<Pay>) -> &'a [Pay] {
        let nb = self.benefit_count();
        match &self.table {
            Some(t) => {
                let k = self.key(f);
                &t[k * nb..(k + 1) * nb]
            }
            None => {
                scratch.clear();
                scratch.resize(nb, Pay::default());
                self.decide(f, scratch, None);
                scratch
            }
        }
    }

    /// Every rule's outcome for one person-month, grouped by benefit: what paid, what did not,
    /// and why.
    pub fn explain(&self, f: &Facts) -> Vec<BenefitTrace> {
        let nb = self.benefit_count();
        let mut pays = vec![Pay::default(); nb];
        let mut traces = Vec::new();
        self.decide(f, &mut pays, Some(&mut traces));
        (0..nb)
            .map(|b| BenefitTrace {
                benefit: b,
                paid: pays[b],
                rules: traces
                    .iter()
                    .filter(|t| self.pack.rules[t.rule].benefit == b)
                    .cloned()
                    .collect(),
            })
            .collect()
    }

    /// The one place where rules, in-benefit choice and coordination are applied.
    fn decide(&self, f: &Facts, out: &mut [Pay], mut trace: Option<&mut Vec<RuleTrace>>) {
        let pack = self.pack;
        for &ri in &self.active {
            let rule = &pack.rules[ri];
            let decidable = self.undecided[ri].is_empty();
            let met = decidable && rule.when.eval(f, &self.params) != 0;
            let amount = if met && self.unset[ri].is_empty() {
                rule.amount.eval(f, &self.params).max(0)
            } else {
                0
            };
            let slot = &mut out[rule.benefit];
            let status = if !decidable {
                RuleStatus::Undecided {
                    params: self.undecided[ri].clone(),
                }
            } else if !met {
                RuleStatus::NotMet
            } else if !self.unset[ri].is_empty() {
                if slot.amount == 0 && !slot.pending {
                    *slot = Pay {
                        amount: 0,
                        rule: ri as u16,
                        pending: true,
                    };
                }
                RuleStatus::Pending {
                    params: self.unset[ri].clone(),
                }
            } else if amount == 0 {
                RuleStatus::ZeroAmount
            } else if amount > slot.amount {
                if let Some(t) = trace.as_deref_mut() {
                    for prev in t.iter_mut().filter(|p| pack.rules[p.rule].benefit == rule.benefit) {
                        if prev.status == RuleStatus::Paid {
                            prev.status = RuleStatus::Superseded {
                                by_rule: rule.id.clone(),
                            };
                        }
                    }
                }
                *slot = Pay {
                    amount,
                    rule: ri as u16,
                    pending: false,
                };
                RuleStatus::Paid
            } else {
                RuleStatus::Superseded {
                    by_rule: pack.rules[slot.rule as usize].id.clone(),
                }
            };
            if let Some(t) = trace.as_deref_mut() {
                let mut used = BTreeSet::new();
                rule.when.facts(&mut used);
                rule.amount.facts(&mut used);
                t.push(RuleTrace {
                    rule: ri,
                    amount,
                    status,
                    facts: used
                        .into_iter()
                        .map(|fact: Fact| (fact.name(), fact.label(), f.display(fact)))
                        .collect(),
                });
            }
        }
        for c in &pack.coordination {
            let winner = match c.kind {
                CoordinationKind::TakeHigher => {
                    let mut best: Option<usize> = None;
                    for &b in &c.benefits {
                        if out[b].amount > best.map_or(0, |w| out[w].amount) {
                            best = Some(b);
                        }
                    }
                    best
                }
                CoordinationKind::Priority => c.benefits.iter().copied().find(|&b| out[b].amount > 0),
            };
            let Some(w) = winner else { continue };
            for &b in c.benefits.iter().filter(|&&b| b != w) {
                if out[b].amount > 0 {
                    if let Some(t) = trace.as_deref_mut() {
                        for r in t
                            .iter_mut()
                            .filter(|r| pack.rules[r.rule].benefit == b && r.status == RuleStatus::Paid)
                        {
                            r.status = RuleStatus::Coordinated {
                                by_benefit: pack.benefits[w].code.clone(),
                                clause: c.clause.clone(),
                            };
                        }
                    }
                    out[b] = Pay::default();
                }
            }
        }
    }

    pub fn payee(&self, benefit: usize) -> Payee {
        self.pack.benefits[benefit].payee
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shipped;
    use proptest::prelude::*;

    fn facts() -> impl Strategy<Value = Facts> {
        (0u8..=150, -1i8..=4, 0u8..2, 0u8..2, 0u8..3, any::<u16>()).prop_map(
            |(age, level, sex, hukou, residence, flags)| Facts {
                age,
                level,
                sex,
                hukou,
                residence,
                flags: flags & 0x1fff,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6))]
        /// The lookup table is only a memo: it must agree with evaluating the rules directly
        /// and with the explanation, for every shipped pack.
        #[test]
        fn the_table_agrees_with_direct_evaluation(people in proptest::collection::vec(facts(), 400), month in 0u32..48) {
            let month = Month { year: 2022 + (month / 12) as i32, month: month % 12 + 1 };
            for pack in shipped::packs() {
                let p = MonthProgram::new(&pack, month);
                prop_assert!(p.is_tabulated());
                let mut s = Vec::new();
                for f in &people {
                    let table = p.pays(f, &mut s).to_vec();
                    let mut direct = vec![Pay::default(); p.benefit_count()];
                    p.decide(f, &mut direct, None);
                    prop_assert_eq!(&table, &direct);
                    let explained: Vec<Pay> = p.explain(f).iter().map(|b| b.paid).collect();
                    prop_assert_eq!(&table, &explained);
                }
            }
        }
    }
}
