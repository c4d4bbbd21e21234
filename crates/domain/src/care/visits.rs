//! Visits (探访关爱; 会府发〔2021〕7号 (七); 赣府厅发〔2022〕3号 第三章第四节): who is on the visit
//! roster, how a visit finds the person, what a danger sign asks for, and the month's visit
//! rate (`monthly_visit_rate` of `standards/indicators.md`: people on the roster visited at
//! least once in the month / people on the roster).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::Month;

/// The groups the documents name for 探访关爱 (the default of `indicators.md`).
pub const ROSTER_CATEGORIES: [&str; 10] = [
    "tekun",
    "dibao",
    "dibao_edge",
    "econ_hardship",
    "alone",
    "empty_nest",
    "left_behind",
    "disabled",
    "severe_disability",
    "family_planning_special",
];

/// Whether a person with these category codes (comma-separated, as the register keeps them)
/// belongs on the default roster.
pub fn on_roster(categories: &str) -> bool {
    categories
        .split(',')
        .map(str::trim)
        .any(|c| ROSTER_CATEGORIES.contains(&c))
}

/// How often the document asks for a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// 月探访率: every month.
    Monthly,
    /// 定期: regular visits, the frequency left open (the rate is still counted by month).
    Periodic,
}

impl Frequency {
    pub fn label(self) -> &'static str {
        match self {
            Frequency::Monthly => "每月探访（文件规定月探访率）",
            Frequency::Periodic => "定期探访（文件未规定频次，按月统计探访率）",
        }
    }
}

/// One way onto the roster: in any of `any`, and (when `with_any` is not empty) also in one
/// of `with_any` (青神: "经济困难的独居、空巢……老年人"), and (when `hukou` is set) of that hukou
/// (新疆: "农村留守老年人", "城市居家的空巢……").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterGroup {
    pub any: Vec<String>,
    #[serde(default)]
    pub with_any: Vec<String>,
    #[serde(default)]
    pub hukou: Option<String>,
}

/// A pack's visit roster (`[visits]`): the groups its document names, how often, its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterRule {
    pub frequency: Frequency,
    pub groups: Vec<RosterGroup>,
    pub clause: String,
    pub quote: String,
    /// What the document names that the register cannot tell (e.g. 高龄 without an age).
    #[serde(default)]
    pub note: Option<String>,
}

impl RosterRule {
    /// The rule `indicators.md` gives where no pack names its groups.
    pub fn default_rule() -> RosterRule {
        RosterRule {
            frequency: Frequency::Monthly,
            groups: vec![RosterGroup {
                any: ROSTER_CATEGORIES.iter().map(|c| c.to_string()).collect(),
                with_any: Vec::new(),
                hukou: None,
            }],
            clause: "standards/indicators.md".into(),
            quote: String::new(),
            note: None,
        }
    }

    /// What is wrong with the rule as a pack states it.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.groups.is_empty() {
            out.push("探访名单至少要有一组".to_string());
        }
        for g in &self.groups {
            if g.any.is_empty() {
                out.push("探访名单的一组没有类别".into());
            }
            for c in g.any.iter().chain(&g.with_any) {
                if c.is_empty()
                    || !c
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    out.push(format!("类别代码“{c}”有误"));
                }
            }
            if let Some(h) = &g.hukou {
                if h != "urban" && h != "rural" {
                    out.push(format!("户籍“{h}”须为 urban 或 rural"));
                }
            }
        }
        out
    }

    /// Whether someone with these categories and hukou type (`urban`/`rural`) is on the roster.
    pub fn admits(&self, categories: &[&str], hukou: &str) -> bool {
        self.groups.iter().any(|g| {
            crate::person::in_group(&g.any, &g.with_any, categories) && g.hukou.as_deref().is_none_or(|h| h == hukou)
        })
    }

    /// The same test as SQL over `p.categories` (`,a,b,` form) and `p.hukou_type`. Category
    /// codes are checked to be plain identifiers when the pack is loaded; anything else makes
    /// the clause false rather than reach the SQL text.
    pub fn sql(&self) -> String {
        let safe = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let any = |cs: &[String]| {
            let parts: Vec<String> = cs
                .iter()
                .filter(|c| safe(c))
                .map(|c| format!("p.categories LIKE '%,{c},%'"))
                .collect();
            if parts.is_empty() {
                "1 = 0".to_string()
            } else {
                format!("({})", parts.join(" OR "))
            }
        };
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                let mut c = vec![any(&g.any)];
                if !g.with_any.is_empty() {
                    c.push(any(&g.with_any));
                }
                match g.hukou.as_deref() {
                    Some("urban") => c.push("p.hukou_type = 'urban'".into()),
                    Some("rural") => c.push("p.hukou_type = 'rural'".into()),
                    Some(_) => c.push("1 = 0".into()),
                    None => {}
                }
                format!("({})", c.join(" AND "))
            })
            .collect();
        if groups.is_empty() {
            "1 = 0".into()
        } else {
            format!("({})", groups.join(" OR "))
        }
    }
}

coded!(
    /// How the visitor found the person.
    Condition {
        Good = "good" / "良好",
        Attention = "attention" / "需关注",
        Danger = "danger" / "有危险情形",
    }
);

coded!(
    /// What a danger sign calls for; each is followed up within a deadline.
    FollowUp {
        Service = "service" / "安排上门服务",
        Assessment = "assessment" / "申请能力评估",
        Emergency = "emergency" / "紧急处置（联系家属、120/110）",
        Assistance = "assistance" / "申请救助",
    }
);

/// Days to follow up a danger sign: an emergency the same day, the rest within three days.
pub fn follow_up_days(f: FollowUp) -> u64 {
    match f {
        FollowUp::Emergency => 0,
        _ => 3,
    }
}

/// The month's rate: of the people on the roster in the month, those with a visit dated in
/// it. Returns (visited, roster).
pub fn monthly_rate(roster: &[i64], visits: &[(i64, NaiveDate)], month: Month) -> (i64, i64) {
    let (from, to) = (month.first_day(), month.last_day());
    let visited = roster
        .iter()
        .filter(|p| visits.iter().any(|(v, d)| v == *p && *d >= from && *d <= to))
        .count();
    (visited as i64, roster.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_roster_takes_the_named_groups_only() {
        assert!(on_roster("dibao"));
        assert!(on_roster("veteran,alone"));
        assert!(!on_roster("veteran,youfu"));
        assert!(!on_roster(""));
    }

    #[test]
    fn a_packs_groups_combine_as_its_document_says() {
        let rule = RosterRule {
            frequency: Frequency::Periodic,
            groups: vec![
                RosterGroup {
                    any: vec!["alone".into(), "empty_nest".into()],
                    with_any: vec!["dibao".into(), "econ_hardship".into()],
                    hukou: None,
                },
                RosterGroup {
                    any: vec!["left_behind".into()],
                    with_any: vec![],
                    hukou: Some("rural".into()),
                },
            ],
            clause: "x".into(),
            quote: "x".into(),
            note: None,
        };
        assert!(rule.admits(&["alone", "dibao"], "urban"));
        assert!(!rule.admits(&["alone"], "urban"), "living alone without hardship");
        assert!(rule.admits(&["left_behind"], "rural"));
        assert!(!rule.admits(&["left_behind"], "urban"));
        assert!(RosterRule::default_rule().admits(&["tekun"], "urban"));
        let sql = rule.sql();
        assert!(
            sql.contains("p.categories LIKE '%,alone,%'") && sql.contains("p.hukou_type = 'rural'"),
            "{sql}"
        );
        let evil = RosterRule {
            groups: vec![RosterGroup {
                any: vec!["x' OR 1=1 --".into()],
                with_any: vec![],
                hukou: None,
            }],
            ..rule
        };
        assert_eq!(evil.sql(), "((1 = 0))");
    }

    #[test]
    fn the_rate_counts_people_visited_in_the_month_once_each() {
        let m = Month::parse("2026-11").unwrap();
        let visits = [
            (1, d("2026-11-01")),
            (1, d("2026-11-20")),
            (2, d("2026-10-31")),
            (3, d("2026-11-30")),
            (9, d("2026-11-05")),
        ];
        assert_eq!(monthly_rate(&[1, 2, 3, 4], &visits, m), (2, 4));
        assert_eq!(monthly_rate(&[], &visits, m), (0, 0));
    }
}
