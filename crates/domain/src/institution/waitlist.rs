//! The public-institution admission waitlist (入住评估轮候): who goes first. The order is the
//! governing pack's `[waitlist]` ([`WaitlistRule`]): 特困人员 asking for 集中供养 first (every
//! document puts them first), then the groups its document names, then everyone else; within
//! a class the greater need (higher capability level), then — where the document says 同等条件下
//! 优先 — its tie-break group, then the earlier application.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An application for a bed in a public institution (入住评估轮候).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub applied_on: NaiveDate,
    /// 特困人员 asking for centralised support (集中供养).
    pub tekun_central: bool,
    /// The register's category codes, with the application's own marks added
    /// (`special_contribution`, `youfu` where the clerk ticked them).
    pub categories: Vec<String>,
    /// GB/T 42195-2022 final level; -1 when not assessed.
    pub level: i8,
    pub age: u8,
}

/// One group a document puts before others: anyone with one of `any`, and, where `with_any`
/// is given, also one of those (经济困难的……: a hardship category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitGroup {
    /// As the waitlist page names the group (the document's words).
    pub label: String,
    pub any: Vec<String>,
    #[serde(default)]
    pub with_any: Vec<String>,
}

/// A pack's waitlist order (`[waitlist]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitlistRule {
    /// The groups served before other older people, once 特困 集中供养 is met.
    pub groups: Vec<WaitGroup>,
    /// Preferred only at equal conditions (同等条件下优先), where the document says so.
    #[serde(default)]
    pub tie_break: Option<WaitGroup>,
    /// The level from which someone counts as 失能 (`disabled`) here.
    pub disabled_min_level: i8,
    /// The age from which someone counts as 高龄 (`very_old`), where the document names 高龄.
    #[serde(default)]
    pub very_old_age: Option<u8>,
    pub clause: String,
    pub quote: String,
    /// How the pack reads what the document leaves open.
    #[serde(default)]
    pub note: Option<String>,
}

/// What a group may name besides the register's categories: 失能 by assessment, 高龄 by age.
const DERIVED: [&str; 2] = ["disabled", "very_old"];

impl WaitGroup {
    fn admits(&self, facts: &[&str]) -> bool {
        crate::person::in_group(&self.any, &self.with_any, facts)
    }
}

impl WaitlistRule {
    /// What is wrong with the rule as a pack states it; `known` are the register's category codes.
    pub fn problems(&self, known: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        if !(0..=4).contains(&self.disabled_min_level) {
            out.push("失能的最低能力等级须为 0-4".to_string());
        }
        for g in self.groups.iter().chain(&self.tie_break) {
            if g.label.trim().is_empty() || g.any.is_empty() {
                out.push("轮候优先的每一组都要有名称和类别".into());
            }
            for c in g.any.iter().chain(&g.with_any) {
                if !known.contains(&c.as_str()) && !DERIVED.contains(&c.as_str()) {
                    out.push(format!("轮候优先的类别“{c}”不在登记的类别中"));
                }
                if c == "very_old" && self.very_old_age.is_none() {
                    out.push("用到高龄（very_old）须规定 very_old_age".into());
                }
            }
        }
        out
    }

    /// The categories an application shows, with 失能 and 高龄 as this rule reads them.
    fn facts<'a>(&self, a: &'a Application) -> Vec<&'a str> {
        let mut f: Vec<&str> = a.categories.iter().map(String::as_str).collect();
        if a.level >= self.disabled_min_level {
            f.push("disabled");
        }
        if self.very_old_age.is_some_and(|age| a.age >= age) {
            f.push("very_old");
        }
        f
    }

    fn groups_of(&self, a: &Application) -> Vec<&WaitGroup> {
        let facts = self.facts(a);
        self.groups.iter().filter(|g| g.admits(&facts)).collect()
    }

    fn tie_broken(&self, a: &Application) -> bool {
        self.tie_break.as_ref().is_some_and(|g| g.admits(&self.facts(a)))
    }
}

/// Priority class: 1 first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WaitClass {
    /// 特困人员集中供养.
    Tekun = 1,
    /// The groups the governing document names.
    Priority = 2,
    Others = 3,
}

impl Application {
    /// The class under `rule`; with no rule (the pack in force names no order) only 特困
    /// 集中供养 comes first.
    pub fn class(&self, rule: Option<&WaitlistRule>) -> WaitClass {
        if self.tekun_central {
            WaitClass::Tekun
        } else if rule.is_some_and(|r| !r.groups_of(self).is_empty()) {
            WaitClass::Priority
        } else {
            WaitClass::Others
        }
    }

    /// The order key: class, then greater need (higher level) first, then the tie-break group,
    /// then the earlier application, then the id.
    fn key(&self, rule: Option<&WaitlistRule>) -> (WaitClass, i8, bool, NaiveDate, i64) {
        let tie = rule.is_some_and(|r| r.tie_broken(self));
        (self.class(rule), -self.level, !tie, self.applied_on, self.id)
    }

    /// Why the application stands where it does, for the waitlist page.
    pub fn explain(&self, rule: Option<&WaitlistRule>) -> String {
        let mut why = Vec::new();
        match self.class(rule) {
            WaitClass::Tekun => why.push("第一类：特困人员集中供养".to_string()),
            WaitClass::Priority => {
                let r = rule.expect("a priority class has a rule");
                let labels: Vec<&str> = r.groups_of(self).iter().map(|g| g.label.as_str()).collect();
                why.push(format!("第二类：{}", labels.join("、")));
            }
            WaitClass::Others => why.push(match rule {
                Some(_) => "第三类：其他老年人".to_string(),
                None => "其他老年人（当地政策包未规定优先对象，按需要程度和申请先后）".to_string(),
            }),
        }
        why.push(if self.level >= 0 {
            format!("能力等级 {}", self.level)
        } else {
            "未评估".to_string()
        });
        if let Some(g) = rule.and_then(|r| r.tie_break.as_ref().filter(|_| r.tie_broken(self))) {
            why.push(format!("同等条件下{}优先", g.label));
        }
        why.push(format!("申请日期 {}", self.applied_on));
        why.join("；")
    }
}

/// Sorts applications into waitlist order under `rule` (first in line first).
pub fn waitlist_order(apps: &mut [Application], rule: Option<&WaitlistRule>) {
    apps.sort_by_key(|a| a.key(rule));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn app(id: i64, applied: &str) -> Application {
        Application {
            id,
            applied_on: applied.parse().unwrap(),
            tekun_central: false,
            categories: Vec::new(),
            level: -1,
            age: 70,
        }
    }

    fn with(cats: &[&str], a: Application) -> Application {
        Application {
            categories: cats.iter().map(|c| c.to_string()).collect(),
            ..a
        }
    }

    const HARDSHIP: [&str; 4] = ["tekun", "dibao", "dibao_edge", "econ_hardship"];

    fn group(label: &str, any: &[&str], with_any: &[&str]) -> WaitGroup {
        WaitGroup {
            label: label.into(),
            any: any.iter().map(|c| c.to_string()).collect(),
            with_any: with_any.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// As 青神's document reads: 经济困难的孤寡、残疾、高龄 and the others; 军属 at equal conditions.
    fn qingshen() -> WaitlistRule {
        WaitlistRule {
            groups: vec![
                group(
                    "经济困难的孤寡、残疾、高龄老年人",
                    &["lonely_elder", "severe_disability", "very_old"],
                    &HARDSHIP,
                ),
                group("计划生育特殊家庭老年人", &["family_planning_special"], &[]),
                group("为社会作出重要贡献的老年人", &["special_contribution"], &[]),
            ],
            tie_break: Some(group("优抚对象", &["youfu"], &[])),
            disabled_min_level: 2,
            very_old_age: Some(80),
            clause: "6.".into(),
            quote: String::new(),
            note: None,
        }
    }

    #[test]
    fn the_waitlist_puts_tekun_first_then_the_documents_groups_then_others() {
        let r = qingshen();
        let mut apps = vec![
            app(1, "2025-01-01"),
            with(
                &["dibao"],
                Application {
                    age: 85,
                    ..app(2, "2025-03-01")
                },
            ),
            Application {
                tekun_central: true,
                ..app(3, "2025-05-01")
            },
            // 高龄 without hardship is not in 青神's group.
            Application {
                age: 85,
                ..app(4, "2025-02-01")
            },
        ];
        waitlist_order(&mut apps, Some(&r));
        assert_eq!(apps.iter().map(|a| a.id).collect::<Vec<_>>(), vec![3, 2, 1, 4]);
        assert!(apps[1]
            .explain(Some(&r))
            .starts_with("第二类：经济困难的孤寡、残疾、高龄老年人"));
        assert_eq!(apps[3].class(Some(&r)), WaitClass::Others);
        // No rule in force: 特困 first, then need, then date.
        waitlist_order(&mut apps, None);
        assert_eq!(apps.iter().map(|a| a.id).collect::<Vec<_>>(), vec![3, 1, 4, 2]);
        assert!(apps[1].explain(None).contains("未规定优先对象"));
    }

    #[test]
    fn military_families_go_first_only_at_equal_conditions_where_the_document_says_so() {
        let r = qingshen();
        let mut apps = vec![
            with(&["family_planning_special"], app(1, "2025-01-01")),
            with(&["family_planning_special", "youfu"], app(2, "2025-06-01")),
            with(&["family_planning_special"], app(3, "2024-12-01")),
            // 优抚 alone is no priority class here (同等条件下优先安排, not a group of its own).
            with(&["youfu"], app(4, "2020-01-01")),
        ];
        waitlist_order(&mut apps, Some(&r));
        assert_eq!(apps.iter().map(|a| a.id).collect::<Vec<_>>(), vec![2, 3, 1, 4]);
        assert!(apps[0].explain(Some(&r)).contains("同等条件下优抚对象优先"));
        assert_eq!(apps[3].class(Some(&r)), WaitClass::Others);
        // Without the tie-break the earlier application goes first.
        let plain = WaitlistRule {
            tie_break: None,
            ..qingshen()
        };
        waitlist_order(&mut apps, Some(&plain));
        assert_eq!(apps.iter().map(|a| a.id).collect::<Vec<_>>(), vec![3, 1, 2, 4]);
    }

    #[test]
    fn disabled_is_read_from_the_assessment_at_the_rules_level() {
        let r = WaitlistRule {
            groups: vec![group("经济困难的失能失智老年人", &["disabled", "dementia"], &HARDSHIP)],
            ..qingshen()
        };
        let a = with(
            &["dibao"],
            Application {
                level: 2,
                ..app(1, "2025-01-01")
            },
        );
        assert_eq!(a.class(Some(&r)), WaitClass::Priority);
        let strict = WaitlistRule {
            disabled_min_level: 3,
            ..r.clone()
        };
        assert_eq!(a.class(Some(&strict)), WaitClass::Others);
        assert!(r
            .problems(&[
                "dibao",
                "dementia",
                "tekun",
                "dibao_edge",
                "econ_hardship",
                "lonely_elder",
                "severe_disability",
                "family_planning_special",
                "special_contribution",
                "youfu"
            ])
            .is_empty());
        assert!(r.problems(&[]).iter().any(|p| p.contains("“dibao”不在登记的类别中")));
        let no_age = WaitlistRule {
            very_old_age: None,
            ..qingshen()
        };
        assert!(no_age.problems(&HARDSHIP).iter().any(|p| p.contains("very_old_age")));
    }

    #[test]
    fn each_jurisdiction_follows_its_own_document_or_its_provinces() {
        use crate::policy::{shipped, waitlist_rule_for};
        let packs = shipped::packs();
        let day: NaiveDate = "2025-06-01".parse().unwrap();
        let rule = |division: &str| waitlist_rule_for(&packs, division, day);
        // 会昌 has no words of its own on the waitlist: Jiangxi's plan governs.
        let huichang = rule("360733100").expect("Jiangxi's rule");
        assert!(huichang.clause.starts_with("赣府厅发〔2022〕3号"));
        // 经济困难的……高龄: a poor 85-year-old is in the priority class, a well-off one is not.
        let old = Application {
            age: 85,
            ..app(1, "2025-01-01")
        };
        assert_eq!(old.class(Some(huichang)), WaitClass::Others);
        assert_eq!(with(&["dibao"], old.clone()).class(Some(huichang)), WaitClass::Priority);
        // 优抚 is no group in Jiangxi; in 青神 it is preferred at equal conditions only.
        assert_eq!(with(&["youfu"], old.clone()).class(Some(huichang)), WaitClass::Others);
        let qingshen = rule("511425").expect("青神's rule");
        assert!(qingshen.tie_break.as_ref().is_some_and(|g| g.any == ["youfu"]));
        // Xinjiang names 建档立卡 and 护边员 families.
        let xinjiang = rule("650102").expect("Xinjiang's rule");
        for c in ["poverty_registered", "border_guard_family", "left_behind"] {
            assert_eq!(
                with(&[c], app(2, "2025-01-01")).class(Some(xinjiang)),
                WaitClass::Priority,
                "{c}"
            );
        }
        // 太原's document names no order: 特困 first, then need and date.
        assert_eq!(rule("140105"), None);
    }

    fn arb_app() -> impl Strategy<Value = Application> {
        const CATS: [&str; 6] = [
            "dibao",
            "lonely_elder",
            "severe_disability",
            "family_planning_special",
            "special_contribution",
            "youfu",
        ];
        (
            0i64..1000,
            0u32..1000,
            any::<bool>(),
            any::<[bool; 6]>(),
            -1i8..=4,
            60u8..105,
        )
            .prop_map(|(id, day, tekun, f, level, age)| Application {
                id,
                applied_on: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Days::new(day as u64),
                tekun_central: tekun,
                categories: CATS
                    .iter()
                    .zip(f)
                    .filter(|(_, on)| *on)
                    .map(|(c, _)| c.to_string())
                    .collect(),
                level,
                age,
            })
    }

    proptest! {
        /// A higher class is never behind a lower one; within a class and level, and with the
        /// same tie-break standing, the earlier application comes first.
        #[test]
        fn the_waitlist_order_respects_class_then_need_then_date(mut apps in proptest::collection::vec(arb_app(), 0..40)) {
            let r = qingshen();
            waitlist_order(&mut apps, Some(&r));
            for w in apps.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                prop_assert!(a.class(Some(&r)) <= b.class(Some(&r)));
                if a.class(Some(&r)) == b.class(Some(&r)) && a.level == b.level && r.tie_broken(a) == r.tie_broken(b) {
                    prop_assert!(a.applied_on <= b.applied_on);
                }
            }
        }
    }
}
