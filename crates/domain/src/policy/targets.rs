//! Targets and planning standards as the documents set them (`[[targets]]`, `[[standards]]` in
//! a pack): the indicator, the comparison, the value, the year, whether it binds (约束性) or
//! guides (预期性), the clause and the document's own words. How an indicator is computed is
//! not here (`../shared/standards/indicators.md`): it is the same for every jurisdiction.
//! A target the data cannot compute (a lottery-fund share, a count of trainings) is `manual`.

use serde::{Deserialize, Serialize};

/// The indicators the platform computes (`indicators.md`, version 1).
pub const INDICATORS: &[(&str, &str)] = &[
    ("nursing_bed_ratio", "养老机构护理型床位占比"),
    ("township_home_nursing_bed_ratio", "乡镇敬老院护理型床位占比"),
    ("public_occupancy_rate", "公办养老机构入住率"),
    ("private_operated_share", "民办和公建民营机构占比"),
    ("graded_public_home_share", "公办机构达到等级的比例"),
    ("centralized_care_rate", "特困人员集中供养率"),
    ("monthly_visit_rate", "特殊困难老年人月探访率"),
    ("rural_mutual_aid_coverage", "农村互助养老服务设施覆盖率"),
    ("urban_day_care_coverage", "社区日间照料机构覆盖率"),
    ("street_center_coverage", "街道（乡镇）社区养老服务设施覆盖率"),
    ("service_circle_coverage", "15分钟养老服务圈覆盖率"),
    ("caregiver_training_rate", "养老护理员培训上岗率"),
    ("director_training_rate", "养老院院长培训上岗率"),
    ("social_workers_per_thousand", "每千名老年人社会工作者"),
    ("new_residential_compliance", "新建居住区配建养老服务设施达标率"),
    ("beds_total", "养老服务床位总数"),
    ("major_fire_hazards_open", "消防安全重大隐患"),
];

/// How a measured value is compared with the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// 达到、不低于、以上.
    AtLeast,
    /// 不超过、以下、清零.
    AtMost,
    /// 左右、约.
    About,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
            Comparison::About => "约",
        }
    }
}

/// 约束性 (binding) or 预期性 (expected), where the document says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    Binding,
    Expected,
}

impl Binding {
    pub fn label(self) -> &'static str {
        match self {
            Binding::Binding => "约束性",
            Binding::Expected => "预期性",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// An id of [`INDICATORS`], or a name of the pack's own for a `manual` target.
    pub indicator: String,
    /// What the document measures, in its words.
    pub title: String,
    pub comparison: Comparison,
    pub value: f64,
    /// `%`, `张`, `人`… (`%` values are percentages: 60 means 60%).
    #[serde(default)]
    pub unit: String,
    /// The year by which it is to be reached (到20xx年; 年底 counts as that year).
    pub year: i32,
    pub binding: Option<Binding>,
    /// The data cannot compute it: entered by hand with its source each year.
    #[serde(default)]
    pub manual: bool,
    pub clause: String,
    pub quote: String,
}

impl Target {
    /// `≥ 60%（2025年）`.
    pub fn describe(&self) -> String {
        let v = if self.value.fract() == 0.0 {
            format!("{}", self.value as i64)
        } else {
            format!("{}", self.value)
        };
        format!("{} {v}{}（{}年）", self.comparison.symbol(), self.unit, self.year)
    }

    /// Whether `measured` (in the target's unit) meets it; `About` is within a tenth.
    pub fn met_by(&self, measured: f64) -> bool {
        match self.comparison {
            Comparison::AtLeast => measured >= self.value,
            Comparison::AtMost => measured <= self.value,
            Comparison::About => (measured - self.value).abs() <= self.value.abs() / 10.0,
        }
    }
}

/// A planning standard: an amount of space, land or beds the document requires of a kind of
/// place (new residential areas, public homes by level, township homes).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// A name of the pack's own (`new_residential_area_per_100_households`).
    pub id: String,
    pub title: String,
    pub comparison: Comparison,
    pub value: f64,
    pub unit: String,
    /// What it applies to, in words (新建城区和新建居住区, 县级公办养老机构…).
    pub applies_to: String,
    /// The year by which it is to be met, if the document gives one.
    pub year: Option<i32>,
    pub clause: String,
    pub quote: String,
}

/// The target for `indicator` that governs `division`: from the most specific pack whose
/// jurisdiction contains it and sets one (a county's own before its province's), the latest
/// year first. With the pack, for its document number.
pub fn governing<'p>(
    packs: &'p [super::Pack],
    division: &str,
    indicator: &str,
) -> Option<(&'p super::Pack, &'p Target)> {
    containing(packs, division).into_iter().find_map(|p| {
        p.targets
            .iter()
            .filter(|t| t.indicator == indicator)
            .max_by_key(|t| t.year)
            .map(|t| (p, t))
    })
}

/// The packs whose jurisdiction contains `division`, the most specific first (a county's own
/// before its province's).
pub fn containing<'p>(packs: &'p [super::Pack], division: &str) -> Vec<&'p super::Pack> {
    let mut candidates: Vec<&super::Pack> = packs
        .iter()
        .filter(|p| {
            p.jurisdiction
                .as_ref()
                .is_some_and(|j| division.starts_with(j.as_str()))
        })
        .collect();
    candidates.sort_by_key(|p| std::cmp::Reverse(p.jurisdiction.as_ref().map_or(0, |j| j.as_str().len())));
    candidates
}

/// Problems with a pack's targets and standards, in words (empty: none).
pub fn check(targets: &[Target], standards: &[Standard]) -> Vec<String> {
    let mut out = Vec::new();
    for t in targets {
        let known = INDICATORS.iter().any(|(id, _)| *id == t.indicator);
        if !known && !t.manual {
            out.push(format!(
                "目标 `{}` 不是平台计算的指标（见 indicators.md）：写 manual = true 表示手工填报",
                t.indicator
            ));
        }
        if !(2000..=2100).contains(&t.year) {
            out.push(format!("目标 `{}` 的年份 {} 不合理", t.indicator, t.year));
        }
        if t.quote.trim().is_empty() || t.clause.trim().is_empty() {
            out.push(format!("目标 `{}` 须写 clause 和 quote（文件原文）", t.indicator));
        }
        if !t.value.is_finite() {
            out.push(format!("目标 `{}` 的数值无效", t.indicator));
        }
    }
    for s in standards {
        if s.quote.trim().is_empty() || s.clause.trim().is_empty() {
            out.push(format!("标准 `{}` 须写 clause 和 quote（文件原文）", s.id));
        }
        if !s.value.is_finite() {
            out.push(format!("标准 `{}` 的数值无效", s.id));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(comparison: Comparison, value: f64) -> Target {
        Target {
            indicator: "nursing_bed_ratio".into(),
            title: "护理型床位占比".into(),
            comparison,
            value,
            unit: "%".into(),
            year: 2025,
            binding: Some(Binding::Binding),
            manual: false,
            clause: "第一章".into(),
            quote: "达到60%".into(),
        }
    }

    #[test]
    fn a_target_is_met_by_its_comparison() {
        assert!(t(Comparison::AtLeast, 60.0).met_by(60.0));
        assert!(!t(Comparison::AtLeast, 60.0).met_by(59.9));
        assert!(t(Comparison::AtMost, 0.0).met_by(0.0) && !t(Comparison::AtMost, 0.0).met_by(1.0));
        assert!(t(Comparison::About, 60.0).met_by(55.0) && !t(Comparison::About, 60.0).met_by(50.0));
        assert_eq!(t(Comparison::AtLeast, 60.0).describe(), "≥ 60%（2025年）");
    }

    #[test]
    fn a_county_reads_its_own_target_before_its_provinces() {
        let packs = crate::policy::shipped::packs();
        let (p, t) = governing(&packs, "360733100", "nursing_bed_ratio").unwrap();
        assert_eq!((p.id.as_str(), t.value, t.year), ("huichang-2021", 60.0, 2025));
        // 章贡区 has no pack of its own: the province's.
        let (p, _) = governing(&packs, "360702", "nursing_bed_ratio").unwrap();
        assert_eq!(p.id, "jiangxi-2022");
        let (p, t) = governing(&packs, "650102", "nursing_bed_ratio").unwrap();
        assert_eq!((p.id.as_str(), t.value, t.year), ("xinjiang-2019", 50.0, 2022));
        assert!(governing(&packs, "110105", "nursing_bed_ratio").is_none());
    }

    #[test]
    fn an_unknown_indicator_must_be_marked_manual() {
        let mut x = t(Comparison::AtLeast, 55.0);
        x.indicator = "lottery_fund_share".into();
        assert_eq!(check(&[x.clone()], &[]).len(), 1);
        x.manual = true;
        assert!(check(&[x], &[]).is_empty());
    }
}
