//! Care institutions: the unified social credit code (GB 32100-2015), kinds, the 公建民营
//! operator rule, the public-institution admission waitlist, and grading (GB/T 37276-2018).
//! Pure: no I/O.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A unified social credit code (统一社会信用代码, GB 32100-2015): once parsed, valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为18位，实为{0}位")]
    Length(usize),
    #[error("第{position}位“{ch}”不是统一社会信用代码允许的字符（不含 I、O、S、V、Z）")]
    Char { position: usize, ch: char },
    #[error("校验码错误：应为“{expected}”")]
    Check { expected: char },
}

impl CreditCode {
    /// Parses a code; lower-case letters and surrounding spaces are accepted and normalised.
    pub fn parse(raw: &str) -> Result<CreditCode, CreditCodeError> {
        let s: String = crate::id_number::normalize_width(raw).trim().to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length(chars.len()));
        }
        let mut values = [0u32; 18];
        for (i, ch) in chars.iter().enumerate() {
            values[i] = CREDIT_ALPHABET
                .iter()
                .position(|c| *c as char == *ch)
                .ok_or(CreditCodeError::Char {
                    position: i + 1,
                    ch: *ch,
                })? as u32;
        }
        let expected = check_char(&values[..17]);
        if chars[17] != expected {
            return Err(CreditCodeError::Check { expected });
        }
        Ok(CreditCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 3-8: the division code of the registering authority.
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

fn check_char(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let c = (31 - sum % 31) % 31;
    CREDIT_ALPHABET[c as usize] as char
}

/// Ownership and operation (the documents' categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    /// 公办公营.
    Public,
    /// 公建民营: publicly owned, run by an operator.
    PublicPrivate,
    /// 民办非营利.
    PrivateNonprofit,
    /// 民办营利.
    PrivateForprofit,
}

impl InstitutionKind {
    pub const ALL: [InstitutionKind; 4] = [
        InstitutionKind::Public,
        InstitutionKind::PublicPrivate,
        InstitutionKind::PrivateNonprofit,
        InstitutionKind::PrivateForprofit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            InstitutionKind::Public => "public",
            InstitutionKind::PublicPrivate => "public_private",
            InstitutionKind::PrivateNonprofit => "private_nonprofit",
            InstitutionKind::PrivateForprofit => "private_forprofit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InstitutionKind::Public => "公办",
            InstitutionKind::PublicPrivate => "公建民营",
            InstitutionKind::PrivateNonprofit => "民办非营利",
            InstitutionKind::PrivateForprofit => "民办营利",
        }
    }

    pub fn parse(s: &str) -> Option<InstitutionKind> {
        InstitutionKind::ALL
            .into_iter()
            .find(|k| k.code() == s || k.label() == s)
    }

    /// Publicly owned (公办 and 公建民营): the admission waitlist and the operator rule apply.
    pub fn is_public(self) -> bool {
        matches!(self, InstitutionKind::Public | InstitutionKind::PublicPrivate)
    }
}

/// Why an operator assignment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error(
        "不能将县内全部{count}所公办养老机构交由同一运营方“{operator}”运营（会府发〔2021〕7号 第十条；赣府厅发〔2022〕3号 第三章第二节）"
    )]
    WholeCounty { operator: String, count: usize },
}

/// 公建民营: refuses giving `operator` the institution `target` when the operator would then
/// run every public institution of the county (会府发〔2021〕7号 (十): 原则上不得将县内所有公办养老
/// 机构"打包"交由同一家机构或组织运营). `county` lists the county's public institutions as
/// (id, current operator). A county with a single public institution is not covered: the rule
/// is about bundling several.
pub fn check_operator_assignment(
    county: &[(i64, Option<String>)],
    target: i64,
    operator: &str,
) -> Result<(), AssignmentError> {
    if county.len() < 2 {
        return Ok(());
    }
    let all_same = county
        .iter()
        .all(|(id, current)| *id == target || current.as_deref() == Some(operator));
    if all_same {
        return Err(AssignmentError::WholeCounty {
            operator: operator.to_string(),
            count: county.len(),
        });
    }
    Ok(())
}

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

/// GB/T 37276-2018 section scores (maximum 120 / 130 / 150 / 600).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeScores {
    pub environment: u32,
    pub facilities: u32,
    pub management: u32,
    pub services: u32,
}

pub const SECTION_MAX: [u32; 4] = [120, 130, 150, 600];

/// Thresholds per grade 1..=5: (minimum total, minimum share of each section in percent).
/// A setting: the defaults are the local implementing rules in the standards notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeThresholds(pub [(u32, u32); 5]);

impl Default for GradeThresholds {
    fn default() -> Self {
        GradeThresholds([(360, 40), (450, 50), (570, 60), (780, 80), (900, 90)])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    #[error("{section}得分 {score} 超过满分 {max}")]
    OverMax {
        section: &'static str,
        score: u32,
        max: u32,
    },
}

impl GradeScores {
    pub fn total(&self) -> u32 {
        self.environment + self.facilities + self.management + self.services
    }

    fn sections(&self) -> [(&'static str, u32, u32); 4] {
        [
            ("环境", self.environment, SECTION_MAX[0]),
            ("设施设备", self.facilities, SECTION_MAX[1]),
            ("运营管理", self.management, SECTION_MAX[2]),
            ("服务", self.services, SECTION_MAX[3]),
        ]
    }

    /// The highest grade whose total and per-section shares are all met; 0 when none.
    pub fn grade(&self, t: &GradeThresholds) -> Result<u8, GradeError> {
        for (section, score, max) in self.sections() {
            if score > max {
                return Err(GradeError::OverMax { section, score, max });
            }
        }
        let mut grade = 0;
        for (g, (min_total, share)) in t.0.iter().enumerate() {
            let sections_ok = self.sections().iter().all(|(_, score, max)| score * 100 >= max * share);
            if self.total() >= *min_total && sections_ok {
                grade = g as u8 + 1;
            }
        }
        Ok(grade)
    }
}

impl GradeThresholds {
    /// Parses the setting form `360/40,450/50,570/60,780/80,900/90` (minimum total / minimum
    /// share of each section in percent, grade 1 to 5); each grade must ask at least as much
    /// as the one below.
    pub fn parse(s: &str) -> Option<GradeThresholds> {
        let mut out = [(0, 0); 5];
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        if parts.len() != 5 {
            return None;
        }
        for (i, p) in parts.iter().enumerate() {
            let (t, share) = p.split_once('/')?;
            out[i] = (t.trim().parse().ok()?, share.trim().parse().ok()?);
            if out[i].0 > 1000 || out[i].1 > 100 || (i > 0 && (out[i].0 < out[i - 1].0 || out[i].1 < out[i - 1].1)) {
                return None;
            }
        }
        Some(GradeThresholds(out))
    }

    pub fn to_setting(&self) -> String {
        self.0
            .iter()
            .map(|(t, s)| format!("{t}/{s}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The facts the prerequisites of a grading look at (local implementing rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradingFacts {
    pub filed_on: Option<NaiveDate>,
    pub evaluated_on: NaiveDate,
    pub last_penalty_on: Option<NaiveDate>,
    pub dishonest: bool,
    /// Whether the institution was graded before (a first application aims no higher than 3).
    pub graded_before: bool,
}

/// One prerequisite and whether it is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prerequisite {
    pub check: String,
    pub met: bool,
}

/// The prerequisites and the grade awarded: 0 when a prerequisite fails; a first grading is
/// capped at grade 3.
pub fn award_grade(computed: u8, f: &GradingFacts) -> (u8, Vec<Prerequisite>) {
    let year_before = f.evaluated_on - chrono::Months::new(12);
    let two_years_before = f.evaluated_on - chrono::Months::new(24);
    let checks = vec![
        Prerequisite {
            check: "已备案且运营满一年".into(),
            met: f.filed_on.is_some_and(|d| d <= year_before),
        },
        Prerequisite {
            check: "近两年未受行政处罚或刑事处罚".into(),
            met: f.last_penalty_on.is_none_or(|d| d <= two_years_before),
        },
        Prerequisite {
            check: "未被列入失信联合惩戒对象名单".into(),
            met: !f.dishonest,
        },
    ];
    let grade = if checks.iter().all(|c| c.met) {
        if f.graded_before {
            computed
        } else {
            computed.min(3)
        }
    } else {
        0
    };
    (grade, checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check(first17: &str) -> String {
        let values: Vec<u32> = first17
            .chars()
            .map(|c| CREDIT_ALPHABET.iter().position(|x| *x as char == c).unwrap() as u32)
            .collect();
        format!("{first17}{}", check_char(&values))
    }

    #[test]
    fn a_well_formed_credit_code_is_accepted_and_knows_its_division() {
        // A constructed code for a social organisation (5) registered in 会昌县 (360733).
        let code = with_check("52360733MJB123456");
        let c = CreditCode::parse(&code.to_lowercase()).unwrap();
        assert_eq!(c.as_str(), code);
        assert_eq!(c.division(), "360733");
        assert!(
            CreditCode::parse("91350100M000100Y43").is_ok(),
            "the example usually quoted for GB 32100"
        );
    }

    #[test]
    fn a_credit_code_with_a_wrong_check_or_a_forbidden_letter_is_refused() {
        let code = with_check("52360733MJB123456");
        let last = code.chars().last().unwrap();
        let wrong = format!("{}{}", &code[..17], if last == '0' { '1' } else { '0' });
        assert!(matches!(CreditCode::parse(&wrong), Err(CreditCodeError::Check { .. })));
        assert_eq!(
            CreditCode::parse("52360733MJB12345I6"),
            Err(CreditCodeError::Char { position: 17, ch: 'I' })
        );
        assert_eq!(CreditCode::parse("5236"), Err(CreditCodeError::Length(4)));
    }

    #[test]
    fn one_operator_may_not_run_every_public_institution_of_a_county() {
        let county = vec![
            (1, Some("颐康公司".to_string())),
            (2, Some("颐康公司".to_string())),
            (3, None),
        ];
        let err = check_operator_assignment(&county, 3, "颐康公司").unwrap_err();
        assert!(err.to_string().contains("会府发〔2021〕7号"));
        assert!(check_operator_assignment(&county, 3, "安心养老").is_ok());
        // Reassigning one of two to the operator that runs the other is also bundling.
        let two = vec![(1, Some("A".to_string())), (2, Some("B".to_string()))];
        assert!(check_operator_assignment(&two, 2, "A").is_err());
        // A county with one public institution is not bundling.
        assert!(check_operator_assignment(&[(1, None)], 1, "A").is_ok());
    }

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

    #[test]
    fn thresholds_are_a_setting_that_must_rise_with_the_grade() {
        let t = GradeThresholds::default();
        assert_eq!(GradeThresholds::parse(&t.to_setting()), Some(t));
        assert!(GradeThresholds::parse("360/40,450/50,570/60,780/80").is_none());
        assert!(GradeThresholds::parse("360/40,350/50,570/60,780/80,900/90").is_none());
        assert!(GradeThresholds::parse("360/40,450/50,570/60,780/80,900/x").is_none());
    }

    #[test]
    fn prerequisites_withhold_the_grade_and_a_first_grading_stops_at_three() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let ok = GradingFacts {
            filed_on: Some(d("2024-01-10")),
            evaluated_on: d("2026-11-01"),
            last_penalty_on: None,
            dishonest: false,
            graded_before: true,
        };
        assert_eq!(award_grade(5, &ok).0, 5);
        assert_eq!(
            award_grade(
                5,
                &GradingFacts {
                    graded_before: false,
                    ..ok.clone()
                }
            )
            .0,
            3
        );
        assert_eq!(
            award_grade(
                2,
                &GradingFacts {
                    graded_before: false,
                    ..ok.clone()
                }
            )
            .0,
            2
        );
        let young = GradingFacts {
            filed_on: Some(d("2025-12-01")),
            ..ok.clone()
        };
        let (g, checks) = award_grade(4, &young);
        assert_eq!(g, 0);
        assert!(!checks[0].met && checks[1].met && checks[2].met);
        assert_eq!(
            award_grade(
                4,
                &GradingFacts {
                    last_penalty_on: Some(d("2025-03-01")),
                    ..ok.clone()
                }
            )
            .0,
            0
        );
        assert_eq!(
            award_grade(
                4,
                &GradingFacts {
                    last_penalty_on: Some(d("2024-03-01")),
                    ..ok.clone()
                }
            )
            .0,
            4
        );
        assert_eq!(
            award_grade(
                4,
                &GradingFacts {
                    dishonest: true,
                    ..ok.clone()
                }
            )
            .0,
            0
        );
        assert_eq!(award_grade(4, &GradingFacts { filed_on: None, ..ok }).0, 0);
    }

    #[test]
    fn grades_follow_the_total_and_every_sections_share() {
        let t = GradeThresholds::default();
        let full = GradeScores {
            environment: 120,
            facilities: 130,
            management: 150,
            services: 600,
        };
        assert_eq!(full.grade(&t), Ok(5));
        // 900 in total but the environment section below 90%: grade 4.
        let s = GradeScores {
            environment: 100,
            facilities: 130,
            management: 150,
            services: 520,
        };
        assert_eq!(s.total(), 900);
        assert_eq!(s.grade(&t), Ok(4));
        let low = GradeScores {
            environment: 50,
            facilities: 60,
            management: 60,
            services: 250,
        };
        assert_eq!(low.grade(&t), Ok(1));
        let none = GradeScores {
            environment: 10,
            facilities: 10,
            management: 10,
            services: 10,
        };
        assert_eq!(none.grade(&t), Ok(0));
        let over = GradeScores {
            environment: 121,
            ..full
        };
        assert!(over.grade(&t).is_err());
    }
}
