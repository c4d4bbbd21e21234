//! The GB/T 42195-2022 assessment form as an assessor fills it in: the wording of every item
//! and score level (附录 B 表 B.1-B.4, wording condensed), the basic information (附录 A:
//! reason, informant, diagnoses, care-risk events) and its checks. Scoring is in
//! [`crate::assessment`]. Pure: no I/O.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::assessment::{Answers, ITEMS};
use crate::person::FieldError;

/// The usual help scale of 附录 B, for items that use it (score 4 first).
const HELP_SCALE: [&str; 5] = [
    "独立完成，不需要协助",
    "在他人指导或提示下完成",
    "需要他人协助，但以自身完成为主",
    "主要依靠他人协助，自身能给予配合",
    "完全依赖他人协助，且不能给予配合",
];

/// What each item asks, and the wording of each score level, highest score first, in the
/// order of [`ITEMS`].
pub const WORDING: [(&str, &[&str]); 26] = [
    (
        "使用适当的器具将食物送入口中并咽下",
        &[
            "独立使用器具将食物送进口中并咽下，没有呛咳",
            "在他人指导或提示下完成，或独立使用辅具，没有呛咳",
            "进食中需要少量接触式协助，偶尔（每月一次及以上）呛咳",
            "在进食中需要大量接触式协助，经常（每周一次及以上）呛咳",
            "完全依赖他人协助进食，或吞咽困难，或留置营养管",
        ],
    ),
    ("洗脸、刷牙、梳头、刮脸、剪指（趾）甲等", &HELP_SCALE),
    ("清洗和擦干身体", &HELP_SCALE),
    ("穿/脱上衣或套头衫，系扣子、拉拉链", &HELP_SCALE),
    ("穿/脱裤子、鞋袜", &HELP_SCALE),
    (
        "控制和排出尿液",
        &[
            "可自行控制排尿，排尿次数、排尿控制均正常",
            "白天可自行控制排尿，夜间排尿次数增多、控制较差，或自行使用尿布、尿垫等辅助用物",
            "白天大部分时间可自行控制，偶有尿失禁（每天<1次但每周>1次），或他人少量协助使用尿布、尿垫",
            "白天大部分时间不能控制排尿（每天≥1次但尚非完全失控），或他人大量协助使用尿布、尿垫",
            "小便失禁，完全不能控制排尿，或留置导尿管",
        ],
    ),
    (
        "控制和排出粪便",
        &[
            "可正常自行控制大便排出",
            "有时（每周<1次）便秘或大便失禁，或自行使用开塞露、尿垫等辅助用物",
            "经常（每天<1次但每周>1次）便秘或大便失禁，或他人少量协助使用开塞露、尿垫",
            "大部分时间（每天≥1次）便秘或大便失禁但尚非完全失控，或他人大量协助",
            "严重便秘或完全大便失禁，需要依赖他人协助排便或清洁皮肤",
        ],
    ),
    ("上厕所排泄大小便并清洁身体", &HELP_SCALE),
    ("卧床翻身及坐起躺下", &HELP_SCALE),
    ("从坐位到站位，再从站位到坐位的转换过程", &HELP_SCALE),
    (
        "双脚交互的方式在地面行动，总距离45米左右",
        &[
            "可独立平地行走45米，或使用辅具独立完成",
            "在他人指导或提示下完成，或使用辅具在看护下完成",
            "在他人少量扶持下完成，但以自身完成为主",
            "在他人大量扶持下完成，或坐在轮椅上自行移动",
            "完全不能独立行走，需要他人完全辅助或卧床",
        ],
    ),
    (
        "双脚交替完成楼梯台阶连续的上下移动",
        &[
            "可独立上下楼梯（连续上下10-15个台阶），不需要协助",
            "在他人指导或提示下完成",
            "需要他人协助，但以自身完成为主",
            "主要依靠他人协助，或完全依赖他人协助",
        ],
    ),
    (
        "知道并确认时间的能力",
        &[
            "时间观念（年、月）清楚，日期（或星期几）可相差一天",
            "时间观念有些下降，年、月、日（或星期几）不能全部分清（相差两天或以上）",
            "时间观念较差，年、月、日不清楚，可知上半年或下半年或季节",
            "时间观念很差，年、月、日不清楚，可知上午、下午或白天、夜间",
            "无时间观念",
        ],
    ),
    (
        "知道并确认空间的能力",
        &[
            "能在日常生活范围内单独外出，如在居住小区内独自外出购物",
            "不能单独外出，但能准确知道自己日常生活所在地的地址信息",
            "不能单独外出，但知道较多有关自己日常生活的地址信息",
            "不能单独外出，但知道较少自己居住或生活所在地的地址信息",
            "不能单独外出，无空间观念",
        ],
    ),
    (
        "知道并确认人物的能力",
        &[
            "认识长期共同一起生活的人，能称呼并知道关系",
            "能认识大部分共同生活居住的人，能称呼或知道关系",
            "能认识部分日常同住的亲人或照护者，能称呼或知道关系",
            "只认识自己或极少数日常同住的亲人或照护者",
            "不认识任何人（包括自己）",
        ],
    ),
    (
        "短时、近期和远期记忆能力",
        &[
            "总是能保持与社会、年龄相适应的记忆能力，能完整地回忆",
            "轻度记忆紊乱或回忆不能（3个词语5分钟后仅能回忆0-1个）",
            "中度记忆紊乱或回忆不能（不记得上一顿饭吃了什么）",
            "重度记忆紊乱或回忆不能（不记得自己的老朋友）",
            "记忆完全紊乱，或完全不能对既往事物进行正确的回忆",
        ],
    ),
    (
        "理解语言信息和非语言信息的能力",
        &[
            "能正常理解他人的话",
            "能理解他人的话，但需要增加时间",
            "理解有困难，需频繁重复或简化口头表达",
            "理解有严重困难，需要大量他人帮助",
            "完全不能理解他人的话",
        ],
    ),
    (
        "表达信息能力，包括口头的和非口头的",
        &[
            "能正常表达自己的想法",
            "能表达自己的需要，但需要增加时间",
            "表达需要有困难，需频繁重复或简化口头表达",
            "表达有严重困难，需要大量他人帮助",
            "完全不能表达需要",
        ],
    ),
    ("身体攻击行为或语言攻击行为", &["未出现", "近一个月内出现过攻击行为"]),
    (
        "存在情绪低落、兴趣减退、活力减退等症状",
        &["未出现", "近一个月内出现过负性情绪"],
    ),
    (
        "机体对自身和周围环境的刺激做出应答反应的能力程度",
        &[
            "神志清醒，对周围环境能做出正确反应",
            "嗜睡或意识模糊，唤醒后可以配合，但对时间、地点、人物的定向力差",
            "昏睡或昏迷",
        ],
    ),
    (
        "感受存在的光线并感受物体的大小、形状的能力（佩戴眼镜后评估）",
        &[
            "视力正常",
            "能看清大字体，但看不清书报上的标准字体；或视力有限，看不清报纸大标题但能辨认物体",
            "只能看到光、颜色和形状，或完全失明",
        ],
    ),
    (
        "能辨别声音的方位、音调、音量和音质的有关能力（佩戴助听设备后评估）",
        &[
            "听力正常",
            "轻声说话或说话距离超过2米时听不清；或需在安静环境或大声说话才能听到",
            "讲话者大声说话或说话很慢才能部分听见，或完全失聪",
        ],
    ),
    (
        "计划、安排并完成日常事务，如洗衣服、小金额购物、服药管理",
        &[
            "能完全独立计划、安排和完成日常事务，无需协助",
            "在计划、安排和完成日常事务时需要他人监护或指导",
            "在计划、安排和完成日常事务时需要少量协助",
            "在计划、安排和完成日常事务时需要大量协助",
            "完全依赖他人进行日常事务",
        ],
    ),
    (
        "使用交通工具外出",
        &[
            "能自己骑车或搭乘公共交通工具外出",
            "能自己搭乘出租车，但不会搭乘其他公共交通工具外出",
            "当有人协助或陪伴，可搭乘公共交通工具外出",
            "只能在他人协助下搭乘出租车或私家车外出，或完全不能出门",
        ],
    ),
    (
        "与周围人群和环境的联系与交流能力",
        &[
            "参与社会，在社会环境中有一定的适应能力，待人接物恰当",
            "能适应单纯环境，主动接触他人，初见面时难让人发现智力问题，不能理解隐喻语",
            "脱离社会，可被动接触，不会主动待人，谈话中很多不适词句，容易上当受骗",
            "勉强可与他人接触，谈吐内容不清楚，表情不恰当",
            "不能与人交往",
        ],
    ),
];

/// One score level of an item as the form shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub score: u8,
    pub text: &'static str,
}

/// The choices of item `index` of [`ITEMS`], highest score first.
pub fn choices(index: usize) -> Vec<Choice> {
    let levels = WORDING[index].1;
    let max = ITEMS[index].max;
    levels
        .iter()
        .enumerate()
        .map(|(i, text)| Choice {
            score: max - i as u8,
            text,
        })
        .collect()
}

/// Why the assessment is made (附录 A.1 评估原因).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 首次评估
    First,
    /// 常规评估（有效期届满）
    Routine,
    /// 即时评估（状况发生变化）
    Immediate,
    /// 因对评估结果有疑问进行的复评
    Objection,
    /// 其他
    Other,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::First,
        Reason::Routine,
        Reason::Immediate,
        Reason::Objection,
        Reason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::First => "first",
            Reason::Routine => "routine",
            Reason::Immediate => "immediate",
            Reason::Objection => "objection",
            Reason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::First => "首次评估",
            Reason::Routine => "常规评估",
            Reason::Immediate => "即时评估（状况发生变化）",
            Reason::Objection => "因对结果有疑问复评",
            Reason::Other => "其他",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// Who gave the information (附录 A 信息提供者与老年人的关系).
pub const INFORMANTS: [(&str, &str); 6] = [
    ("self", "本人"),
    ("spouse", "配偶"),
    ("child", "子女"),
    ("relative", "其他亲属"),
    ("carer", "雇佣照顾者"),
    ("other", "其他"),
];

/// Care-risk events in the last 30 days (附录 A.2 近30天内照护风险事件).
pub const RISK_EVENTS: [(&str, &str); 5] = [
    ("fall", "跌倒"),
    ("choking", "噎食"),
    ("self_harm", "自杀、自伤"),
    ("wandering", "走失"),
    ("other", "其他"),
];

/// One diagnosis with its ICD-10 code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub code: String,
    pub name: String,
}

impl Diagnosis {
    /// Dementia (F00-F03) or another mental and behavioural disorder (F04-F99), which raises
    /// the level by one (报告 C.4). The form asks the assessor to enter F04-F99 only when a
    /// psychiatrist made the diagnosis.
    pub fn is_dementia_or_mental(&self) -> bool {
        self.code.starts_with('F')
    }
}

/// Checks an ICD-10 code: a letter, two digits, optionally a dot and one to two digits
/// (e.g. `I10`, `E11.9`, `F03`). Returns it upper-cased.
pub fn parse_icd10(raw: &str) -> Option<String> {
    let s = raw.trim().to_ascii_uppercase();
    let b = s.as_bytes();
    let ok_head = b.len() >= 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit();
    let ok_tail = match &b[3.min(b.len())..] {
        [] => true,
        [b'.', rest @ ..] => (1..=2).contains(&rest.len()) && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    (ok_head && ok_tail).then_some(s)
}

/// The basic information (附录 A) as the form submits it, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicInfo {
    pub reason: Reason,
    pub assessed_on: NaiveDate,
    pub agency: String,
    pub assessors: [String; 2],
    pub informant: String,
    pub informant_name: String,
    pub diagnoses: Vec<Diagnosis>,
    pub health_problems: String,
    /// Event code → count in the last 30 days.
    pub risk_events: Vec<(String, u32)>,
    pub coma: bool,
}

impl BasicInfo {
    pub fn risk_event_count(&self) -> u32 {
        self.risk_events.iter().map(|(_, n)| n).sum()
    }

    /// The scoring input: the answers with the adjustment facts taken from this information,
    /// so that nobody enters them twice.
    pub fn answers(&self, items: std::collections::BTreeMap<String, i64>) -> Answers {
        Answers {
            items,
            coma: self.coma,
            diagnosis_dementia_or_mental: self.diagnoses.iter().any(Diagnosis::is_dementia_or_mental),
            risk_events_30d: self.risk_event_count(),
        }
    }
}

/// The form's basic-information fields as text.
#[derive(Debug, Clone, Default)]
pub struct BasicInput {
    pub reason: String,
    pub assessed_on: String,
    pub agency: String,
    pub assessor1: String,
    pub assessor2: String,
    pub informant: String,
    pub informant_name: String,
    /// One diagnosis per line: `ICD-10 code` then the name, e.g. `I10 高血压`.
    pub diagnoses: String,
    pub health_problems: String,
    pub risk_events: Vec<(String, String)>,
    pub coma: bool,
}

/// Checks the basic information; every error names its field.
pub fn check_basic(input: &BasicInput, today: NaiveDate) -> Result<BasicInfo, Vec<FieldError>> {
    let mut errors = Vec::new();
    let reason = Reason::parse(input.reason.trim());
    if reason.is_none() {
        errors.push(FieldError::new("reason", "请选择评估原因"));
    }
    let assessed_on = match crate::dates::parse_date(&input.assessed_on) {
        Ok(d) if d > today => {
            errors.push(FieldError::new("assessed_on", "评估日期不能晚于今天"));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(FieldError::new("assessed_on", e.to_string()));
            None
        }
    };
    let agency = input.agency.trim().to_string();
    if agency.is_empty() {
        errors.push(FieldError::new("agency", "请填写评估机构"));
    }
    let a1 = input.assessor1.trim().to_string();
    let a2 = input.assessor2.trim().to_string();
    if a1.is_empty() || a2.is_empty() {
        errors.push(FieldError::new(
            "assessor2",
            "评估须由两名评估员共同完成，请填写两名评估员",
        ));
    } else if a1 == a2 {
        errors.push(FieldError::new("assessor2", "两名评估员不能是同一人"));
    }
    let informant = input.informant.trim().to_string();
    if !INFORMANTS.iter().any(|(c, _)| *c == informant) {
        errors.push(FieldError::new("informant", "请选择信息提供者"));
    }
    let mut diagnoses = Vec::new();
    for (n, line) in input.diagnoses.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (code, name) = line.split_once([' ', '\u{3000}', '\t']).unwrap_or((line, ""));
        match parse_icd10(code) {
            Some(code) => diagnoses.push(Diagnosis {
                code,
                name: name.trim().to_string(),
            }),
            None => errors.push(FieldError::new(
                "diagnoses",
                format!("第 {} 行“{line}”：疾病诊断应以 ICD-10 编码开头，如“I10 高血压”", n + 1),
            )),
        }
    }
    let mut risk_events = Vec::new();
    for (code, count) in &input.risk_events {
        let Some((_, label)) = RISK_EVENTS.iter().find(|(c, _)| c == code) else {
            errors.push(FieldError::new("risk_events", format!("未知的照护风险事件“{code}”")));
            continue;
        };
        match count.trim() {
            "" | "0" => {}
            s => match s.parse::<u32>() {
                Ok(n) if n <= 30 => risk_events.push((code.clone(), n)),
                _ => errors.push(FieldError::new(
                    "risk_events",
                    format!("{label}的次数“{s}”应为 0-30 的整数"),
                )),
            },
        }
    }
    match (reason, assessed_on, errors.is_empty()) {
        (Some(reason), Some(assessed_on), true) => Ok(BasicInfo {
            reason,
            assessed_on,
            agency,
            assessors: [a1, a2],
            informant,
            informant_name: input.informant_name.trim().to_string(),
            diagnoses,
            health_problems: input.health_problems.trim().to_string(),
            risk_events,
            coma: input.coma,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> BasicInput {
        BasicInput {
            reason: "first".into(),
            assessed_on: "2026-11-02".into(),
            agency: "会昌县老年人能力评估中心".into(),
            assessor1: "刘评估".into(),
            assessor2: "陈评估".into(),
            informant: "child".into(),
            informant_name: "张三".into(),
            diagnoses: "I10 高血压\nf03 未特指的痴呆\n".into(),
            health_problems: String::new(),
            risk_events: vec![("fall".into(), "1".into()), ("wandering".into(), "1".into())],
            coma: false,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn every_item_has_one_wording_per_score_level() {
        for (i, item) in ITEMS.iter().enumerate() {
            assert_eq!(WORDING[i].1.len(), item.max as usize + 1, "{}", item.key);
            let c = choices(i);
            assert_eq!(c.first().unwrap().score, item.max);
            assert_eq!(c.last().unwrap().score, 0);
        }
    }

    #[test]
    fn icd10_codes_are_checked_and_upper_cased() {
        assert_eq!(parse_icd10("i10").as_deref(), Some("I10"));
        assert_eq!(parse_icd10("E11.9").as_deref(), Some("E11.9"));
        assert_eq!(parse_icd10(" F03 ").as_deref(), Some("F03"));
        for bad in ["", "10", "I1", "II0", "E11.", "E11.123", "E11x", "高血压"] {
            assert_eq!(parse_icd10(bad), None, "{bad}");
        }
    }

    #[test]
    fn diagnoses_and_risk_events_become_the_adjustment_facts() {
        let info = check_basic(&input(), today()).unwrap();
        assert_eq!(info.diagnoses.len(), 2);
        assert_eq!(info.diagnoses[1].code, "F03");
        let a = info.answers(Default::default());
        assert!(a.diagnosis_dementia_or_mental);
        assert_eq!(a.risk_events_30d, 2);
        let mut plain = input();
        plain.diagnoses = "E11.9 2型糖尿病".into();
        plain.risk_events = vec![("fall".into(), "1".into())];
        let a = check_basic(&plain, today()).unwrap().answers(Default::default());
        assert!(!a.diagnosis_dementia_or_mental);
        assert_eq!(a.risk_events_30d, 1);
    }

    #[test]
    fn errors_name_the_field() {
        let fields = |i: BasicInput| -> Vec<String> {
            check_basic(&i, today())
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let mut i = input();
        i.assessor2 = "刘评估".into();
        assert_eq!(fields(i), ["assessor2"]);
        let mut i = input();
        i.assessor2 = " ".into();
        assert_eq!(fields(i), ["assessor2"]);
        let mut i = input();
        i.assessed_on = "2026-12-01".into();
        assert_eq!(fields(i), ["assessed_on"]);
        let mut i = input();
        i.diagnoses = "高血压".into();
        assert_eq!(fields(i), ["diagnoses"]);
        let mut i = input();
        i.reason = "whim".into();
        i.informant = String::new();
        i.agency = String::new();
        i.risk_events = vec![("fall".into(), "many".into())];
        assert_eq!(fields(i), ["reason", "agency", "informant", "risk_events"]);
    }
}
