//! The public-institution admission waitlist (入住评估轮候): who goes first.

use chrono::NaiveDate;

/// An application for a bed in a public institution (入住评估轮候).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub applied_on: NaiveDate,
    /// 特困人员 asking for centralised support (集中供养).
    pub tekun_central: bool,
    pub econ_hardship: bool,
    /// GB/T 42195-2022 final level; -1 when not assessed.
    pub level: i8,
    pub dementia: bool,
    pub age: u8,
    pub special_family: bool,
    pub special_contribution: bool,
    /// 优抚对象 (military families and other entitled groups).
    pub youfu: bool,
}

/// Priority class: 1 first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WaitClass {
    /// 特困人员集中供养.
    Tekun = 1,
    /// 经济困难的失能失智、高龄、计划生育特殊家庭、有特殊贡献、优抚对象.
    Priority = 2,
    Others = 3,
}

/// Age from which a person counts as very old (高龄) for the waitlist.
pub const VERY_OLD: u8 = 80;

impl Application {
    pub fn class(&self) -> WaitClass {
        let disabled_or_dementia = self.level >= 2 || self.dementia;
        if self.tekun_central {
            WaitClass::Tekun
        } else if (self.econ_hardship && disabled_or_dementia)
            || self.age >= VERY_OLD
            || self.special_family
            || self.special_contribution
            || self.youfu
        {
            WaitClass::Priority
        } else {
            WaitClass::Others
        }
    }

    /// The order key: class, then greater need (higher level) first, then — at equal
    /// conditions — military families first, then the earlier application, then the id.
    fn key(&self) -> (WaitClass, i8, bool, NaiveDate, i64) {
        (self.class(), -self.level, !self.youfu, self.applied_on, self.id)
    }

    /// Why the application stands where it does, for the waitlist page.
    pub fn explain(&self) -> String {
        let mut why = Vec::new();
        match self.class() {
            WaitClass::Tekun => why.push("第一类：特困人员集中供养".to_string()),
            WaitClass::Priority => {
                let mut r = Vec::new();
                if self.econ_hardship && (self.level >= 2 || self.dementia) {
                    r.push("经济困难的失能或失智老年人");
                }
                if self.age >= VERY_OLD {
                    r.push("高龄");
                }
                if self.special_family {
                    r.push("计划生育特殊家庭");
                }
                if self.special_contribution {
                    r.push("作出特殊贡献");
                }
                if self.youfu {
                    r.push("优抚对象");
                }
                why.push(format!("第二类：{}", r.join("、")));
            }
            WaitClass::Others => why.push("第三类：其他老年人".to_string()),
        }
        why.push(if self.level >= 0 {
            format!("能力等级 {}", self.level)
        } else {
            "未评估".to_string()
        });
        if self.youfu {
            why.push("同等条件下优抚对象优先".into());
        }
        why.push(format!("申请日期 {}", self.applied_on));
        why.join("；")
    }
}

/// Sorts applications into waitlist order (first in line first).
pub fn waitlist_order(apps: &mut [Application]) {
    apps.sort_by_key(|a| a.key());
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
            econ_hardship: false,
            level: -1,
            dementia: false,
            age: 70,
            special_family: false,
            special_contribution: false,
            youfu: false,
        }
    }

    #[test]
    fn the_waitlist_puts_tekun_first_then_priority_groups_then_others() {
        let mut apps = vec![
            app(1, "2025-01-01"),
            Application {
                econ_hardship: true,
                level: 3,
                ..app(2, "2025-03-01")
            },
            Application {
                tekun_central: true,
                ..app(3, "2025-05-01")
            },
            Application {
                age: 85,
                ..app(4, "2025-02-01")
            },
        ];
        waitlist_order(&mut apps);
        assert_eq!(apps.iter().map(|a| a.id).collect::<Vec<_>>(), vec![3, 2, 4, 1]);
        assert!(apps[1].explain().contains("经济困难的失能或失智老年人"));
    }

    #[test]
    fn at_equal_conditions_military_families_go_first_then_the_earlier_application() {
        let mut apps = vec![
            Application {
                age: 85,
                ..app(1, "2025-01-01")
            },
            Application {
                age: 85,
                youfu: true,
                ..app(2, "2025-06-01")
            },
            Application {
                age: 85,
                ..app(3, "2024-12-01")
            },
        ];
        waitlist_order(&mut apps);
        assert_eq!(apps.iter().map(|a| a.id).collect::<Vec<_>>(), vec![2, 3, 1]);
    }

    fn arb_app() -> impl Strategy<Value = Application> {
        (0i64..1000, 0u32..1000, any::<[bool; 6]>(), -1i8..=4, 60u8..105).prop_map(|(id, day, f, level, age)| {
            Application {
                id,
                applied_on: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Days::new(day as u64),
                tekun_central: f[0],
                econ_hardship: f[1],
                level,
                dementia: f[2],
                age,
                special_family: f[3],
                special_contribution: f[4],
                youfu: f[5],
            }
        })
    }

    proptest! {
        /// A higher class is never behind a lower one; within a class and level, and with the
        /// same military-family standing, the earlier application comes first.
        #[test]
        fn the_waitlist_order_respects_class_then_need_then_date(mut apps in proptest::collection::vec(arb_app(), 0..40)) {
            waitlist_order(&mut apps);
            for w in apps.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                prop_assert!(a.class() <= b.class());
                if a.class() == b.class() && a.level == b.level && a.youfu == b.youfu {
                    prop_assert!(a.applied_on <= b.applied_on);
                }
            }
        }
    }
}
