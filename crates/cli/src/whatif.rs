//! What-if: the same month under a pack with changed parameters, compared person by person.

use std::collections::BTreeMap;

use yiyang_domain::dates::Month;
use yiyang_domain::policy::input_row::Row;
use yiyang_domain::policy::pack::{with_change, Pack};
use yiyang_domain::policy::{MonthProgram, Pay};
use yiyang_domain::Fen;

use crate::simulate::Accumulate;

/// `base` with each `name=value` in force from the first day of `month`.
pub fn with_changes(base: &Pack, month: Month, sets: &[String]) -> Result<Pack, String> {
    let mut pack = base.clone();
    for s in sets {
        let (name, value) = s.split_once('=').ok_or_else(|| format!("`{s}` 应写成 参数名=值"))?;
        pack = with_change(&pack, month, name, value)?;
    }
    Ok(pack)
}

#[derive(Clone, Copy, Default)]
struct Line {
    affected: u64,
    before: i64,
    after: i64,
}

pub struct Compare<'p> {
    before: &'p MonthProgram<'p>,
    after: &'p MonthProgram<'p>,
    scratch: (Vec<Pay>, Vec<Pay>),
    counties: BTreeMap<u32, Line>,
    /// Per benefit: (people whose amount changed, cost before, cost after).
    benefits: Vec<Line>,
}

impl<'p> Compare<'p> {
    pub fn new(before: &'p MonthProgram<'p>, after: &'p MonthProgram<'p>) -> Compare<'p> {
        Compare {
            before,
            after,
            scratch: (Vec::new(), Vec::new()),
            counties: BTreeMap::new(),
            benefits: vec![Line::default(); before.benefit_count()],
        }
    }

    pub fn report(&self, sets: &[String]) -> String {
        let pack = self.before.pack;
        let mut s = format!(
            "假设调整：{}（{} {}，{}）\n\n",
            sets.join("，"),
            pack.id,
            pack.version,
            self.before.month
        );
        s.push_str("待遇                 受影响人数      调整前/月      调整后/月        增加\n");
        let mut total = Line::default();
        for (b, l) in self.benefits.iter().enumerate() {
            if l.before == 0 && l.after == 0 {
                continue;
            }
            total.before += l.before;
            total.after += l.after;
            s.push_str(&format!(
                "{:<18} {:>10} {:>14} {:>14} {:>12}\n",
                pack.benefits[b].title,
                l.affected,
                Fen(l.before).to_string(),
                Fen(l.after).to_string(),
                Fen(l.after - l.before).to_string()
            ));
        }
        s.push_str("\n区县        受影响人数      调整前/月      调整后/月        增加\n");
        for (county, l) in &self.counties {
            total.affected += l.affected;
            s.push_str(&format!(
                "{county:06} {:>14} {:>14} {:>14} {:>12}\n",
                l.affected,
                Fen(l.before).to_string(),
                Fen(l.after).to_string(),
                Fen(l.after - l.before).to_string()
            ));
        }
        s.push_str(&format!(
            "合计   {:>14} {:>14} {:>14} {:>12}\n",
            total.affected,
            Fen(total.before).to_string(),
            Fen(total.after).to_string(),
            Fen(total.after - total.before).to_string()
        ));
        s
    }
}

impl Accumulate for Compare<'_> {
    fn row(&mut self, row: &Row<'_>) {
        if !row.payable {
            return;
        }
        let a = self.before.pays(&row.facts, &mut self.scratch.0);
        let b = self.after.pays(&row.facts, &mut self.scratch.1);
        if a == b {
            // Totals are still needed for the cost columns.
            let line = self.counties.entry(row.county).or_default();
            for (i, p) in a.iter().enumerate() {
                line.before += p.amount;
                line.after += p.amount;
                self.benefits[i].before += p.amount;
                self.benefits[i].after += p.amount;
            }
            return;
        }
        let line = self.counties.entry(row.county).or_default();
        line.affected += 1;
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            line.before += x.amount;
            line.after += y.amount;
            let bl = &mut self.benefits[i];
            bl.before += x.amount;
            bl.after += y.amount;
            bl.affected += (x.amount != y.amount) as u64;
        }
    }

    fn merge(&mut self, o: Self) {
        for (c, l) in o.counties {
            let m = self.counties.entry(c).or_default();
            m.affected += l.affected;
            m.before += l.before;
            m.after += l.after;
        }
        for (m, l) in self.benefits.iter_mut().zip(o.benefits) {
            m.affected += l.affected;
            m.before += l.before;
            m.after += l.after;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts_become_fen_and_bad_ones_are_refused() {
        use yiyang_domain::policy::pack::parse_yuan;
        assert_eq!(parse_yuan("300"), Some(30000));
        assert_eq!(parse_yuan("37.5"), Some(3750));
        assert_eq!(parse_yuan("37.505"), None);
        assert_eq!(parse_yuan("-1"), None);
    }

    #[test]
    fn a_changed_parameter_applies_from_the_month_and_unknown_names_are_errors() {
        let packs = yiyang_domain::policy::shipped::packs();
        let bench = packs.iter().find(|p| p.id == "bench").unwrap();
        let m = Month::parse("2025-06").unwrap();
        let changed = with_changes(bench, m, &["gaoling_90=300".into()]).unwrap();
        assert_eq!(changed.param("gaoling_90").unwrap().value_on(m.first_day()), 30000);
        assert_eq!(bench.param("gaoling_90").unwrap().value_on(m.first_day()), 20000);
        assert!(with_changes(bench, m, &["nope=1".into()]).unwrap_err().contains("nope"));
    }
}
