//! Capability assessment scoring to GB/T 42195-2022 《老年人能力评估规范》: 26 items in four
//! dimensions (total 0-90), the initial level from the total (report C.3), the adjustments
//! (C.4) and the final level (C.5). Pure: no I/O.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The four dimensions, with the names the answer format and the report use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 自理能力 (max 32).
    SelfCare,
    /// 基础运动能力 (max 15).
    Mobility,
    /// 精神状态 (max 28).
    Mental,
    /// 感知觉与社会参与 (max 15).
    PerceptionSocial,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::SelfCare,
        Dimension::Mobility,
        Dimension::Mental,
        Dimension::PerceptionSocial,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Dimension::SelfCare => "self_care",
            Dimension::Mobility => "mobility",
            Dimension::Mental => "mental",
            Dimension::PerceptionSocial => "perception_social",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::SelfCare => "自理能力",
            Dimension::Mobility => "基础运动能力",
            Dimension::Mental => "精神状态",
            Dimension::PerceptionSocial => "感知觉与社会参与",
        }
    }
}

/// One item of the form.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub key: &'static str,
    pub label: &'static str,
    pub dimension: Dimension,
    pub max: u8,
}

const fn item(key: &'static str, label: &'static str, dimension: Dimension, max: u8) -> Item {
    Item {
        key,
        label,
        dimension,
        max,
    }
}

use Dimension::*;

/// The 26 items in the standard's order (GB/T 42195-2022 附录 B).
pub const ITEMS: [Item; 26] = [
    item("eating", "进食", SelfCare, 4),
    item("grooming", "修饰", SelfCare, 4),
    item("bathing", "洗澡", SelfCare, 4),
    item("dressing_upper", "穿/脱上衣", SelfCare, 4),
    item("dressing_lower", "穿/脱裤子和鞋袜", SelfCare, 4),
    item("bladder", "小便控制", SelfCare, 4),
    item("bowel", "大便控制", SelfCare, 4),
    item("toileting", "如厕", SelfCare, 4),
    item("bed_position", "床上体位转移", Mobility, 4),
    item("bed_chair_transfer", "床椅转移", Mobility, 4),
    item("walking", "平地行走", Mobility, 4),
    item("stairs", "上下楼梯", Mobility, 3),
    item("time_orientation", "时间定向", Mental, 4),
    item("place_orientation", "空间定向", Mental, 4),
    item("person_orientation", "人物定向", Mental, 4),
    item("memory", "记忆", Mental, 4),
    item("understanding", "理解能力", Mental, 4),
    item("expression", "表达能力", Mental, 4),
    item("aggression", "攻击行为", Mental, 1),
    item("depression", "抑郁症状", Mental, 1),
    item("consciousness", "意识水平", Mental, 2),
    item("vision", "视力", PerceptionSocial, 2),
    item("hearing", "听力", PerceptionSocial, 2),
    item("daily_affairs", "执行日常事务", PerceptionSocial, 4),
    item("transport", "使用交通工具外出", PerceptionSocial, 3),
    item("social", "社会交往能力", PerceptionSocial, 4),
];

/// The answer format (`../shared/standards/gbt-42195-2022.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub items: BTreeMap<String, i64>,
    #[serde(default)]
    pub coma: bool,
    /// Dementia (ICD-10 F00-F03) or another psychiatric disorder diagnosed by a psychiatrist (F04-F99).
    #[serde(default)]
    pub diagnosis_dementia_or_mental: bool,
    /// Care-risk events (fall, choking, suicide or self-harm, wandering off, other) in the last 30 days.
    #[serde(default)]
    pub risk_events_30d: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("未知的评估项目 `{0}`")]
    UnknownItem(String),
    #[error("缺少评估项目 `{key}`（{label}）")]
    MissingItem { key: &'static str, label: &'static str },
    #[error("评估项目 `{key}`（{label}）的得分 {score} 超出范围 0-{max}")]
    OutOfRange {
        key: &'static str,
        label: &'static str,
        score: i64,
        max: u8,
    },
}

/// Settings a jurisdiction may choose; the default follows the standard's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    /// Whether the dementia/mental-disorder and risk-event adjustments add up (+2). The
    /// standard raises "from the original level" in both clauses, so by default they do not.
    pub stack_adjustments: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjustment {
    /// 昏迷: level 4 whatever the score.
    Coma,
    /// 确诊痴呆或精神科专科医生诊断的其他精神和行为障碍疾病: one level up.
    DementiaOrMental,
    /// 近30天内发生过2次及以上照护风险事件: one level up.
    RiskEvents,
}

impl Adjustment {
    pub fn label(self) -> &'static str {
        match self {
            Adjustment::Coma => "处于昏迷状态，直接评定为能力完全丧失",
            Adjustment::DementiaOrMental => "确诊痴呆或精神和行为障碍疾病，在原有等级上提高一级",
            Adjustment::RiskEvents => "近30天内发生2次及以上照护风险事件，在原有等级上提高一级",
        }
    }
}

/// The report's result part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Dimension key → score.
    pub dimensions: BTreeMap<&'static str, u32>,
    pub total: u32,
    pub initial_level: u8,
    pub final_level: u8,
    pub adjustments: Vec<Adjustment>,
}

pub const LEVEL_LABELS: [&str; 5] = [
    "能力完好",
    "能力轻度受损（轻度失能）",
    "能力中度受损（中度失能）",
    "能力重度受损（重度失能）",
    "能力完全丧失（完全失能）",
];

/// The level in a few characters, for tiles and narrow columns ("中度失能").
pub fn level_short(level: i64) -> &'static str {
    match level {
        0 => "能力完好",
        1 => "轻度失能",
        2 => "中度失能",
        3 => "重度失能",
        4 => "完全失能",
        _ => "等级不明",
    }
}

/// The initial level from the total (report C.3): 90 → 0; 66-89 → 1; 46-65 → 2; 30-45 → 3;
/// 0-29 → 4.
pub fn initial_level(total: u32) -> u8 {
    match total {
        90.. => 0,
        66..=89 => 1,
        46..=65 => 2,
        30..=45 => 3,
        _ => 4,
    }
}

/// Checks the answers: every item present, none unknown, each score in range.
pub fn check(a: &Answers) -> Result<(), AnswerError> {
    if let Some(k) = a.items.keys().find(|k| !ITEMS.iter().any(|i| i.key == k.as_str())) {
        return Err(AnswerError::UnknownItem(k.clone()));
    }
    for it in &ITEMS {
        match a.items.get(it.key) {
            None => {
                return Err(AnswerError::MissingItem {
                    key: it.key,
                    label: it.label,
                })
            }
            Some(&s) if s < 0 || s > it.max as i64 => {
                return Err(AnswerError::OutOfRange {
                    key: it.key,
                    label: it.label,
                    score: s,
                    max: it.max,
                })
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Scores a complete, checked form.
pub fn score(a: &Answers, settings: Settings) -> Result<Report, AnswerError> {
    check(a)?;
    let mut dimensions: BTreeMap<&'static str, u32> = Dimension::ALL.iter().map(|d| (d.key(), 0)).collect();
    for it in &ITEMS {
        *dimensions.get_mut(it.dimension.key()).expect("all dimensions") += a.items[it.key] as u32;
    }
    let total = dimensions.values().sum();
    let initial = initial_level(total);
    let mut adjustments = Vec::new();
    let final_level = if a.coma {
        adjustments.push(Adjustment::Coma);
        4
    } else {
        if a.diagnosis_dementia_or_mental {
            adjustments.push(Adjustment::DementiaOrMental);
        }
        if a.risk_events_30d >= 2 {
            adjustments.push(Adjustment::RiskEvents);
        }
        let up = match (adjustments.len(), settings.stack_adjustments) {
            (0, _) => 0,
            (n, true) => n as u8,
            (_, false) => 1,
        };
        (initial + up).min(4)
    };
    Ok(Report {
        dimensions,
        total,
        initial_level: initial,
        final_level,
        adjustments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Answers with every item at its maximum, then `total` reduced to the wanted value by
    /// taking points off items in order.
    fn with_total(total: u32) -> Answers {
        let mut items: BTreeMap<String, i64> = ITEMS.iter().map(|i| (i.key.to_string(), i.max as i64)).collect();
        let mut off = 90 - total as i64;
        for it in &ITEMS {
            let take = off.min(it.max as i64);
            *items.get_mut(it.key).unwrap() -= take;
            off -= take;
        }
        Answers {
            items,
            ..Answers::default()
        }
    }

    #[test]
    fn the_form_has_26_items_and_a_maximum_of_90_split_32_15_28_15() {
        assert_eq!(ITEMS.len(), 26);
        let max = |d: Dimension| {
            ITEMS
                .iter()
                .filter(|i| i.dimension == d)
                .map(|i| i.max as u32)
                .sum::<u32>()
        };
        assert_eq!(
            [SelfCare, Mobility, Mental, PerceptionSocial].map(max),
            [32, 15, 28, 15]
        );
    }

    #[test]
    fn every_level_boundary_falls_where_the_standard_puts_it() {
        for (total, level) in [
            (90, 0),
            (89, 1),
            (66, 1),
            (65, 2),
            (46, 2),
            (45, 3),
            (30, 3),
            (29, 4),
            (0, 4),
        ] {
            let r = score(&with_total(total), Settings::default()).unwrap();
            assert_eq!(
                (r.total, r.initial_level, r.final_level),
                (total, level, level),
                "total {total}"
            );
        }
    }

    #[test]
    fn dimension_scores_add_up_by_the_standards_grouping() {
        let r = score(&with_total(90), Settings::default()).unwrap();
        assert_eq!(r.dimensions["self_care"], 32);
        assert_eq!(r.dimensions["mobility"], 15);
        assert_eq!(r.dimensions["mental"], 28);
        assert_eq!(r.dimensions["perception_social"], 15);
    }

    #[test]
    fn a_person_in_a_coma_is_level_4_whatever_the_score() {
        let a = Answers {
            coma: true,
            ..with_total(90)
        };
        let r = score(&a, Settings::default()).unwrap();
        assert_eq!(
            (r.initial_level, r.final_level, r.adjustments.clone()),
            (0, 4, vec![Adjustment::Coma])
        );
    }

    #[test]
    fn dementia_raises_one_level() {
        let a = Answers {
            diagnosis_dementia_or_mental: true,
            ..with_total(70)
        };
        let r = score(&a, Settings::default()).unwrap();
        assert_eq!((r.initial_level, r.final_level), (1, 2));
        assert_eq!(r.adjustments, vec![Adjustment::DementiaOrMental]);
    }

    #[test]
    fn two_risk_events_raise_one_level_but_one_does_not() {
        let r = score(
            &Answers {
                risk_events_30d: 2,
                ..with_total(50)
            },
            Settings::default(),
        )
        .unwrap();
        assert_eq!((r.initial_level, r.final_level), (2, 3));
        let r = score(
            &Answers {
                risk_events_30d: 1,
                ..with_total(50)
            },
            Settings::default(),
        )
        .unwrap();
        assert_eq!((r.final_level, r.adjustments.len()), (2, 0));
    }

    #[test]
    fn both_adjustments_raise_one_level_by_default_and_two_when_the_setting_says_so() {
        let a = Answers {
            diagnosis_dementia_or_mental: true,
            risk_events_30d: 3,
            ..with_total(70)
        };
        assert_eq!(score(&a, Settings::default()).unwrap().final_level, 2);
        assert_eq!(
            score(
                &a,
                Settings {
                    stack_adjustments: true
                }
            )
            .unwrap()
            .final_level,
            3
        );
    }

    #[test]
    fn no_adjustment_goes_beyond_level_4() {
        let a = Answers {
            diagnosis_dementia_or_mental: true,
            risk_events_30d: 5,
            ..with_total(20)
        };
        assert_eq!(
            score(
                &a,
                Settings {
                    stack_adjustments: true
                }
            )
            .unwrap()
            .final_level,
            4
        );
    }

    #[test]
    fn bad_answers_name_the_item() {
        let mut a = with_total(90);
        a.items.remove("stairs");
        assert_eq!(
            score(&a, Settings::default()).unwrap_err(),
            AnswerError::MissingItem {
                key: "stairs",
                label: "上下楼梯"
            }
        );
        let mut a = with_total(90);
        a.items.insert("stairs".into(), 4);
        assert!(score(&a, Settings::default())
            .unwrap_err()
            .to_string()
            .contains("stairs"));
        let mut a = with_total(90);
        a.items.insert("flying".into(), 1);
        assert_eq!(
            score(&a, Settings::default()).unwrap_err(),
            AnswerError::UnknownItem("flying".into())
        );
        let mut a = with_total(90);
        a.items.insert("eating".into(), -1);
        assert!(matches!(
            score(&a, Settings::default()),
            Err(AnswerError::OutOfRange { key: "eating", .. })
        ));
    }

    proptest! {
        #[test]
        fn the_final_level_is_never_below_the_initial_nor_above_4(
            scores in proptest::collection::vec(0u8..=4, 26),
            coma in any::<bool>(), dementia in any::<bool>(), events in 0u32..5, stack in any::<bool>()
        ) {
            let items = ITEMS.iter().zip(scores).map(|(i, s)| (i.key.to_string(), s.min(i.max) as i64)).collect();
            let a = Answers { items, coma, diagnosis_dementia_or_mental: dementia, risk_events_30d: events };
            let r = score(&a, Settings { stack_adjustments: stack }).unwrap();
            prop_assert!(r.final_level >= r.initial_level && r.final_level <= 4);
            prop_assert_eq!(r.total, r.dimensions.values().sum::<u32>());
            prop_assert_eq!(r.initial_level, initial_level(r.total));
        }
    }
}
