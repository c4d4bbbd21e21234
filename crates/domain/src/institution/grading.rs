//! Grading of care institutions (GB/T 37276-2018): section scores, the thresholds setting,
//! and the prerequisites that withhold a grade.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
