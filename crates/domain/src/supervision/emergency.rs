//! Emergency plans and drills (会府发〔2021〕7号 (二十八); 赣府厅发〔2022〕3号 第七章: "建立养老机构
//! 自然灾害、事故灾难、公共卫生和社会安全等突发事件应急预案…定期开展应急演练"): an institution
//! needs a plan of each of the four kinds and a drill of each within a setting's months (the
//! platform's default: 12; the documents say only 定期).

use chrono::{Months, NaiveDate};

coded!(
    EmergencyKind {
        NaturalDisaster = "natural_disaster" / "自然灾害",
        Accident = "accident" / "事故灾难",
        PublicHealth = "public_health" / "公共卫生",
        SocialSecurity = "social_security" / "社会安全",
    }
);

/// What an institution lacks for one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// No plan of this kind.
    NoPlan(EmergencyKind),
    /// A plan, but no drill of this kind since the date (or ever).
    DrillOverdue(EmergencyKind, Option<NaiveDate>),
}

impl Gap {
    pub fn message(&self) -> String {
        match self {
            Gap::NoPlan(k) => format!("缺少{}类应急预案", k.label()),
            Gap::DrillOverdue(k, Some(d)) => format!("{}类演练已逾期（上次 {d}）", k.label()),
            Gap::DrillOverdue(k, None) => format!("{}类预案尚未演练", k.label()),
        }
    }
}

/// The gaps on `today`, given the kinds with a plan and each drill's (kind, date).
pub fn gaps(
    planned: &[EmergencyKind],
    drills: &[(EmergencyKind, NaiveDate)],
    today: NaiveDate,
    every_months: u32,
) -> Vec<Gap> {
    let since = today
        .checked_sub_months(Months::new(every_months))
        .unwrap_or(NaiveDate::MIN);
    EmergencyKind::ALL
        .iter()
        .filter_map(|k| {
            if !planned.contains(k) {
                return Some(Gap::NoPlan(*k));
            }
            let last = drills
                .iter()
                .filter(|(dk, d)| dk == k && *d <= today)
                .map(|(_, d)| *d)
                .max();
            match last {
                Some(d) if d > since => None,
                last => Some(Gap::DrillOverdue(*k, last)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_needs_a_plan_and_a_recent_drill() {
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let all = EmergencyKind::ALL.to_vec();
        let drills = [
            (EmergencyKind::NaturalDisaster, d("2026-06-01")),
            (EmergencyKind::Accident, d("2025-12-01")),
            (EmergencyKind::PublicHealth, d("2025-11-30")),
        ];
        let g = gaps(&all, &drills, today, 12);
        assert_eq!(
            g,
            vec![
                Gap::DrillOverdue(EmergencyKind::PublicHealth, Some(d("2025-11-30"))),
                Gap::DrillOverdue(EmergencyKind::SocialSecurity, None)
            ]
        );
        let g = gaps(&all[..3], &drills, today, 12);
        assert!(g.contains(&Gap::NoPlan(EmergencyKind::SocialSecurity)));
        assert!(g[0].message().contains("公共卫生"));
    }
}
