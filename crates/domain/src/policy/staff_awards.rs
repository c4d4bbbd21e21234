//! Staff incentives as the packs set them: the one-off entry award for graduates (入职补贴/奖励),
//! the one-off qualification subsidy for caregivers (职业资格补贴), and the internship subsidy
//! paid to the host institution at a share of the minimum wage (就业见习补贴). Which conditions
//! apply, and the amounts, are pack parameters; this module only applies them. Pure: no I/O.
//!
//! Parameters read (absent ones switch the condition or award off):
//! - entry: `ruzhi_award`, `ruzhi_years` (continuous service), `ruzhi_contract_years`,
//!   `ruzhi_needs_major` (养老服务类专业), `ruzhi_degree_only` (本、专科), `ruzhi_nonprofit_only`
//!   — 会府发〔2021〕7号 第二十二条; 并政办发〔2020〕53号 第（十九）条.
//! - qualification: `skill_award`, `skill_years` — 并政办发〔2020〕53号 第（十九）条; or
//!   `skill_level_subsidy` (no service condition) — 青神县三年行动方案 第22条.
//! - internship: `min_wage_month`, `jianxi_share`, `jianxi_share_retained`,
//!   `jianxi_retention_threshold`, `jianxi_retained_one_off`, `jianxi_max_months` —
//!   赣府厅发〔2022〕3号 第六章第五节; 会府发〔2021〕7号 第二十三条.
//!
//! Every award is paid once per person (entry, qualification) or per intern (internship).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::Pack;

/// Schooling as the roster records it.
pub const EDUCATION: [(&str, &str); 4] = [
    ("bachelor", "本科及以上"),
    ("college", "大专"),
    ("vocational", "中职、技工院校"),
    ("other", "其他"),
];

/// A pack's staff-incentive parameters on a day, with the clause of each award.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwardParams {
    pub pack_id: String,
    pub pack_version: String,
    /// (amount, clause), when the pack sets the award.
    pub entry: Option<(i64, String)>,
    pub entry_years: i64,
    pub entry_contract_years: Option<i64>,
    pub entry_needs_major: bool,
    pub entry_degree_only: bool,
    pub entry_nonprofit_only: bool,
    pub skill: Option<(i64, String)>,
    pub skill_years: i64,
    /// Monthly minimum wage in fen, and the internship clause, when the pack sets the subsidy.
    pub internship: Option<(i64, String)>,
    pub share_pct: i64,
    pub share_retained_pct: i64,
    pub retention_threshold_pct: i64,
    pub retained_one_off: bool,
    pub max_months: i64,
}

impl AwardParams {
    pub fn from_pack(pack: &Pack, day: NaiveDate) -> AwardParams {
        let v = |name: &str| pack.param(name).map(|p| p.value_on(day));
        let with_clause = |name: &str| pack.param(name).map(|p| (p.value_on(day), p.clause.clone()));
        let internship = match (v("min_wage_month"), pack.param("jianxi_share_retained")) {
            (Some(w), Some(p)) => Some((w, p.clause.clone())),
            _ => None,
        };
        AwardParams {
            pack_id: pack.id.clone(),
            pack_version: pack.version.clone(),
            entry: with_clause("ruzhi_award"),
            entry_years: v("ruzhi_years").unwrap_or(0),
            entry_contract_years: v("ruzhi_contract_years"),
            entry_needs_major: v("ruzhi_needs_major") == Some(1),
            entry_degree_only: v("ruzhi_degree_only") == Some(1),
            entry_nonprofit_only: v("ruzhi_nonprofit_only") == Some(1),
            // 青神县三年行动方案 第22条 names a skill-level subsidy without conditions of service.
            skill: with_clause("skill_award").or_else(|| with_clause("skill_level_subsidy")),
            skill_years: v("skill_years").unwrap_or(0),
            internship,
            share_pct: v("jianxi_share").unwrap_or(0),
            share_retained_pct: v("jianxi_share_retained").unwrap_or(0),
            retention_threshold_pct: v("jianxi_retention_threshold").unwrap_or(50),
            retained_one_off: v("jianxi_retained_one_off") == Some(1),
            max_months: v("jianxi_max_months").unwrap_or(12),
        }
    }
}

/// A staff member as the awards read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffFacts {
    pub position: String,
    pub hired_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub education: Option<String>,
    pub elderly_care_major: bool,
    pub contract_years: Option<i64>,
    pub skill_level: Option<String>,
    pub nonprofit_institution: bool,
}

/// One award considered for one person: the conditions with whether each holds, and the
/// amount if all do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwardDecision {
    /// `entry` or `skill`.
    pub award: &'static str,
    pub title: &'static str,
    pub conditions: Vec<(String, bool)>,
    pub amount_fen: i64,
    pub clause: String,
}

impl AwardDecision {
    pub fn eligible(&self) -> bool {
        self.conditions.iter().all(|(_, met)| *met)
    }
    /// Eligible and the amount is set (a zero amount waits for the local figure).
    pub fn payable(&self) -> bool {
        self.eligible() && self.amount_fen > 0
    }
}

/// Whole years from `from` to `to`.
fn years_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut y = (to.year() - from.year()) as i64;
    if (to.month(), to.day()) < (from.month(), from.day()) {
        y -= 1;
    }
    y.max(0)
}

/// The entry and qualification awards for one staff member on `today`.
pub fn staff_awards(s: &StaffFacts, p: &AwardParams, today: NaiveDate) -> Vec<AwardDecision> {
    let mut out = Vec::new();
    let served = years_between(s.hired_on, s.left_on.unwrap_or(today).min(today));
    let graduate = matches!(s.education.as_deref(), Some("bachelor" | "college" | "vocational"));
    if let Some((amount, clause)) = &p.entry {
        let mut c = Vec::new();
        if p.entry_degree_only {
            c.push((
                "本、专科毕业生".to_string(),
                matches!(s.education.as_deref(), Some("bachelor" | "college")),
            ));
        } else {
            c.push(("院校毕业生".to_string(), graduate));
        }
        if p.entry_needs_major {
            c.push(("养老服务类专业".to_string(), s.elderly_care_major));
        }
        if p.entry_nonprofit_only {
            c.push(("在非营利性养老机构就业".to_string(), s.nonprofit_institution));
        }
        if let Some(y) = p.entry_contract_years {
            c.push((
                format!(
                    "劳动合同 {y} 年以上（登记 {}）",
                    s.contract_years.map_or("未填".into(), |v| format!("{v} 年"))
                ),
                s.contract_years.is_some_and(|v| v >= y),
            ));
        }
        c.push((
            format!("连续从业满 {} 年（已 {served} 年）", p.entry_years),
            served >= p.entry_years,
        ));
        out.push(AwardDecision {
            award: "entry",
            title: "一次性入职补贴（奖励）",
            conditions: c,
            amount_fen: *amount,
            clause: clause.clone(),
        });
    }
    if let Some((amount, clause)) = &p.skill {
        let c = vec![
            ("养老护理员岗位".to_string(), s.position == "caregiver"),
            (
                "取得初级及以上职业资格（技能等级）".to_string(),
                s.skill_level.is_some(),
            ),
            (
                format!("护理岗位连续从业满 {} 年（已 {served} 年）", p.skill_years),
                served >= p.skill_years,
            ),
        ];
        out.push(AwardDecision {
            award: "skill",
            title: "养老护理员职业资格一次性补贴",
            conditions: c,
            amount_fen: *amount,
            clause: clause.clone(),
        });
    }
    out
}

/// An intern hosted by the institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternFacts {
    pub id: i64,
    pub started_on: NaiveDate,
    pub ended_on: NaiveDate,
    pub retained: bool,
}

/// The internship subsidy for one intern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InternSubsidy {
    pub intern: i64,
    pub months: i64,
    pub amount_fen: i64,
    /// How the amount was reached, in words.
    pub basis: String,
}

/// Months of an internship from `from` to `to` (both days included): whole months, and a
/// remainder of 15 days or more counts as one more; at least 1, at most `max`.
fn months(from: NaiveDate, to: NaiveDate, max: i64) -> i64 {
    let end = to + chrono::Days::new(1);
    let mut m = (end.year() - from.year()) as i64 * 12 + end.month() as i64 - from.month() as i64;
    if end.day() < from.day() {
        m -= 1;
    }
    let m = m.max(0);
    let whole = from.checked_add_months(chrono::Months::new(m as u32)).unwrap_or(end);
    let extra = i64::from((end - whole).num_days() >= 15);
    (m + extra).clamp(1, max.max(1))
}

/// The subsidy for each intern whose internship ended by `today`. The retention rate is taken
/// over the interns whose internship ended in the same calendar year: at or above the
/// threshold, retained interns are paid at the higher share (as a one-off where the pack says
/// so, else for each month).
pub fn internship_subsidies(interns: &[InternFacts], p: &AwardParams, today: NaiveDate) -> Vec<InternSubsidy> {
    let Some((wage, _)) = &p.internship else {
        return Vec::new();
    };
    let ended: Vec<&InternFacts> = interns.iter().filter(|i| i.ended_on <= today).collect();
    let mut out = Vec::new();
    for i in &ended {
        let cohort: Vec<&&InternFacts> = ended
            .iter()
            .filter(|j| j.ended_on.year() == i.ended_on.year())
            .collect();
        let retained = cohort.iter().filter(|j| j.retained).count() as i64;
        let rate_pct = retained * 100 / cohort.len() as i64;
        let high = i.retained && rate_pct >= p.retention_threshold_pct;
        let m = months(i.started_on, i.ended_on, p.max_months);
        let base = m * wage * p.share_pct / 100;
        let (amount, basis) = if high && p.retained_one_off {
            let bonus = wage * p.share_retained_pct / 100;
            (
                base + bonus,
                format!(
                    "见习 {m} 个月 × 最低工资 {}% ＋ 留用一次性 {}%（{} 年留用率 {rate_pct}%）",
                    p.share_pct,
                    p.share_retained_pct,
                    i.ended_on.year()
                ),
            )
        } else if high {
            (
                m * wage * p.share_retained_pct / 100,
                format!(
                    "见习 {m} 个月 × 最低工资 {}%（{} 年留用率 {rate_pct}%，留用人员提高标准）",
                    p.share_retained_pct,
                    i.ended_on.year()
                ),
            )
        } else {
            (base, format!("见习 {m} 个月 × 最低工资 {}%", p.share_pct))
        };
        if amount > 0 {
            out.push(InternSubsidy {
                intern: i.id,
                months: m,
                amount_fen: amount,
                basis,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn pack(id: &str) -> AwardParams {
        let packs = crate::policy::shipped::packs();
        AwardParams::from_pack(packs.iter().find(|p| p.id == id).unwrap(), d("2025-06-01"))
    }

    fn graduate() -> StaffFacts {
        StaffFacts {
            position: "caregiver".into(),
            hired_on: d("2021-09-01"),
            left_on: None,
            education: Some("college".into()),
            elderly_care_major: true,
            contract_years: Some(3),
            skill_level: Some("4".into()),
            nonprofit_institution: true,
        }
    }

    #[test]
    fn huichang_entry_subsidy_needs_the_major_a_nonprofit_home_and_three_years() {
        // 会府发〔2021〕7号 第二十二条
        let p = AwardParams {
            entry: Some((500_000, "会府发〔2021〕7号 第二十二条".into())),
            ..pack("huichang-2021")
        };
        let today = d("2025-06-01");
        let ok = &staff_awards(&graduate(), &p, today)[0];
        assert!(ok.payable(), "{ok:?}");
        for bad in [
            StaffFacts {
                elderly_care_major: false,
                ..graduate()
            },
            StaffFacts {
                nonprofit_institution: false,
                ..graduate()
            },
            StaffFacts {
                hired_on: d("2022-09-01"),
                ..graduate()
            },
            StaffFacts {
                education: Some("other".into()),
                ..graduate()
            },
        ] {
            assert!(!staff_awards(&bad, &p, today)[0].eligible(), "{bad:?}");
        }
        // Leaving before three years ends the count.
        let left = StaffFacts {
            left_on: Some(d("2024-06-01")),
            ..graduate()
        };
        assert!(!staff_awards(&left, &p, today)[0].eligible());
        // The shipped amount is left to the county (0): eligible, not yet payable.
        let shipped = &staff_awards(&graduate(), &pack("huichang-2021"), today)[0];
        assert!(shipped.eligible() && !shipped.payable());
    }

    #[test]
    fn taiyuan_entry_reward_needs_a_degree_a_three_year_contract_and_one_year_and_the_skill_subsidy_two_years() {
        // 并政办发〔2020〕53号 第（十九）条
        let p = AwardParams {
            entry: Some((300_000, "并政办发〔2020〕53号 第（十九）条".into())),
            skill: Some((100_000, "并政办发〔2020〕53号 第（十九）条".into())),
            ..pack("taiyuan-2020")
        };
        let today = d("2025-06-01");
        let s = StaffFacts {
            hired_on: d("2024-03-01"),
            elderly_care_major: false,
            nonprofit_institution: false,
            ..graduate()
        };
        let a = staff_awards(&s, &p, today);
        assert!(a[0].payable(), "{a:?}");
        assert!(!a[1].eligible(), "one year of service is not two");
        let short = StaffFacts {
            contract_years: Some(2),
            ..s.clone()
        };
        assert!(!staff_awards(&short, &p, today)[0].eligible());
        let vocational = StaffFacts {
            education: Some("vocational".into()),
            ..s.clone()
        };
        assert!(!staff_awards(&vocational, &p, today)[0].eligible());
        let veteran = StaffFacts {
            hired_on: d("2022-01-01"),
            ..s.clone()
        };
        assert!(staff_awards(&veteran, &p, today)[1].payable());
        let no_level = StaffFacts {
            skill_level: None,
            ..veteran
        };
        assert!(!staff_awards(&no_level, &p, today)[1].eligible());
    }

    #[test]
    fn internship_pays_a_share_of_the_minimum_wage_and_more_for_the_retained_when_half_stay() {
        // 赣府厅发〔2022〕3号 第六章第五节: 70% a month; 100% for retained interns where at
        // least half stay. 会府发〔2021〕7号 第二十三条: 100% once per retained intern.
        // The minimum wage and the longest period are set by other documents: until a county
        // sets them, nothing is computed; here a county has set them.
        let set = crate::policy::local_figures::apply(
            &crate::policy::shipped::packs(),
            "local.toml",
            r#"
[[figure]]
pack = "jiangxi-2022"
param = "min_wage_month"
yuan = "1610"
from = 2022-01-18
document = "赣府发〔2021〕5号（三类区域）"

[[figure]]
pack = "jiangxi-2022"
param = "jianxi_max_months"
value = 12
from = 2022-01-18
document = "见习期限规定"
"#,
        )
        .unwrap();
        let jx = AwardParams::from_pack(set.iter().find(|p| p.id == "jiangxi-2022").unwrap(), d("2025-06-01"));
        let wage = 161_000;
        let interns = [
            InternFacts {
                id: 1,
                started_on: d("2025-01-01"),
                ended_on: d("2025-06-30"),
                retained: true,
            },
            InternFacts {
                id: 2,
                started_on: d("2025-01-01"),
                ended_on: d("2025-06-30"),
                retained: false,
            },
            InternFacts {
                id: 3,
                started_on: d("2025-03-01"),
                ended_on: d("2025-12-31"),
                retained: false,
            },
        ];
        let today = d("2025-07-15");
        let s = internship_subsidies(&interns, &jx, today);
        // The third has not finished; of two, one stayed: 50%.
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].months, s[0].amount_fen), (6, 6 * wage));
        assert_eq!(s[1].amount_fen, 6 * wage * 70 / 100);
        // Without a minimum wage set, nothing is computed at all.
        assert!(internship_subsidies(&interns, &pack("jiangxi-2022"), today).is_empty());
        let demo = crate::policy::shipped::packs_with_demo_figures();
        let hc = AwardParams::from_pack(demo.iter().find(|p| p.id == "huichang-2021").unwrap(), d("2025-06-01"));
        let s = internship_subsidies(&interns, &hc, today);
        assert_eq!(s[0].amount_fen, 6 * wage * 70 / 100 + wage);
        assert!(s[0].basis.contains("留用一次性 100%"));
        // Below the threshold, nobody gets the higher rate.
        let mut low = interns.to_vec();
        low[2].ended_on = d("2025-06-30");
        let s = internship_subsidies(&low, &jx, today);
        assert_eq!(s.len(), 3);
        assert!(s.iter().all(|x| x.amount_fen == x.months * wage * 70 / 100), "{s:?}");
        assert_eq!(s[2].months, 4);
    }

    #[test]
    fn qingshen_names_a_skill_level_subsidy_without_a_service_condition() {
        let p = pack("qingshen-2023");
        let a = staff_awards(&graduate(), &p, d("2025-06-01"));
        let skill = a.iter().find(|x| x.award == "skill").unwrap();
        assert!(
            skill.eligible() && !skill.payable(),
            "amount left to Sichuan's rules: {skill:?}"
        );
        assert!(skill.clause.contains("第22条"));
    }

    proptest! {
        #[test]
        fn internship_months_stay_within_one_and_the_cap(a in 0i64..2000, len in 0i64..900) {
            let from = d("2020-01-01") + chrono::Days::new(a as u64);
            let to = from + chrono::Days::new(len as u64);
            let m = months(from, to, 12);
            prop_assert!((1..=12).contains(&m));
        }
    }
}
