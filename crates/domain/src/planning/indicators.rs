//! Indicators (`standards/indicators.md`, version 1): each one's numerator and denominator for
//! a division on an as-of date, its value, and its status against the target of the pack in
//! force there. What the data cannot hold is `no_data`, never a guess.

use crate::policy::targets::Target;

/// How an indicator's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// numerator / denominator; a target in `%` is compared as a percentage.
    Ratio,
    /// numerator × 1000 / denominator (the numerator is stored already multiplied).
    PerThousand,
    /// A count: no denominator; the value is the count.
    Count,
}

/// (id, shape) for every indicator of the spec, in its order.
pub const SHAPES: &[(&str, Shape)] = &[
    ("nursing_bed_ratio", Shape::Ratio),
    ("township_home_nursing_bed_ratio", Shape::Ratio),
    ("public_occupancy_rate", Shape::Ratio),
    ("private_operated_share", Shape::Ratio),
    ("graded_public_home_share", Shape::Ratio),
    ("centralized_care_rate", Shape::Ratio),
    ("monthly_visit_rate", Shape::Ratio),
    ("rural_mutual_aid_coverage", Shape::Ratio),
    ("urban_day_care_coverage", Shape::Ratio),
    ("street_center_coverage", Shape::Ratio),
    ("service_circle_coverage", Shape::Ratio),
    ("caregiver_training_rate", Shape::Ratio),
    ("director_training_rate", Shape::Ratio),
    ("social_workers_per_thousand", Shape::PerThousand),
    ("new_residential_compliance", Shape::Ratio),
    ("beds_total", Shape::Count),
    ("major_fire_hazards_open", Shape::Count),
];

pub fn shape(id: &str) -> Shape {
    SHAPES.iter().find(|(i, _)| *i == id).map_or(Shape::Ratio, |(_, s)| *s)
}

/// A computed indicator: `None` when the data does not hold what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub numerator: i64,
    /// `None` for a count.
    pub denominator: Option<i64>,
}

impl Measure {
    pub fn ratio(numerator: i64, denominator: i64) -> Measure {
        Measure {
            numerator,
            denominator: Some(denominator),
        }
    }
    pub fn count(n: i64) -> Measure {
        Measure {
            numerator: n,
            denominator: None,
        }
    }
    /// numerator / denominator (a count: the count); `None` when the denominator is 0.
    pub fn value(&self) -> Option<f64> {
        match self.denominator {
            None => Some(self.numerator as f64),
            Some(0) => None,
            Some(d) => Some(self.numerator as f64 / d as f64),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Met,
    NotMet,
    NoTarget,
    NoData,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::NoTarget => "no_target",
            Status::NoData => "no_data",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "已达标",
            Status::NotMet => "未达标",
            Status::NoTarget => "无目标",
            Status::NoData => "无数据",
        }
    }
}

/// The target in the value's own scale (60 % → 0.6; a count or a per-thousand as written).
pub fn target_value(id: &str, t: &Target) -> f64 {
    if shape(id) == Shape::Ratio && t.unit == "%" {
        t.value / 100.0
    } else {
        t.value
    }
}

/// Met or not against the target; `no_data` without a value, `no_target` without a target.
pub fn status(id: &str, m: Option<&Measure>, target: Option<&Target>) -> Status {
    let Some(v) = m.and_then(Measure::value) else {
        return Status::NoData;
    };
    let Some(t) = target else { return Status::NoTarget };
    let scaled = if shape(id) == Shape::Ratio && t.unit == "%" {
        v * 100.0
    } else {
        v
    };
    // Rounded to the four decimals shown, so what is printed is what is judged.
    let shown = (scaled * 10_000.0).round() / 10_000.0;
    if t.met_by(shown) {
        Status::Met
    } else {
        Status::NotMet
    }
}

/// A value as the CSV writes it: four decimals, empty when there is none.
pub fn format4(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.4}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::targets::Comparison;

    fn target(value: f64, unit: &str, comparison: Comparison) -> Target {
        Target {
            indicator: "nursing_bed_ratio".into(),
            title: String::new(),
            comparison,
            value,
            unit: unit.into(),
            year: 2025,
            binding: None,
            manual: false,
            clause: String::new(),
            quote: String::new(),
        }
    }

    #[test]
    fn a_percentage_target_is_judged_on_the_ratio() {
        let t = target(60.0, "%", Comparison::AtLeast);
        assert_eq!(
            status("nursing_bed_ratio", Some(&Measure::ratio(39, 65)), Some(&t)),
            Status::Met
        );
        assert_eq!(
            status("nursing_bed_ratio", Some(&Measure::ratio(38, 65)), Some(&t)),
            Status::NotMet
        );
        assert_eq!(
            status("nursing_bed_ratio", Some(&Measure::ratio(0, 0)), Some(&t)),
            Status::NoData
        );
        assert_eq!(status("nursing_bed_ratio", None, Some(&t)), Status::NoData);
        assert_eq!(
            status("nursing_bed_ratio", Some(&Measure::ratio(1, 2)), None),
            Status::NoTarget
        );
        assert_eq!(target_value("nursing_bed_ratio", &t), 0.6);
    }

    #[test]
    fn counts_and_rates_per_thousand_are_judged_as_written() {
        let zero = target(0.0, "处", Comparison::AtMost);
        assert_eq!(
            status("major_fire_hazards_open", Some(&Measure::count(0)), Some(&zero)),
            Status::Met
        );
        assert_eq!(
            status("major_fire_hazards_open", Some(&Measure::count(1)), Some(&zero)),
            Status::NotMet
        );
        let one = target(1.0, "人", Comparison::AtLeast);
        assert_eq!(
            status(
                "social_workers_per_thousand",
                Some(&Measure::ratio(3000, 2500)),
                Some(&one)
            ),
            Status::Met
        );
        assert_eq!(format4(Measure::ratio(2, 3).value()), "0.6667");
        assert_eq!(format4(Measure::ratio(1, 0).value()), "");
        assert_eq!(format4(Measure::count(12).value()), "12.0000");
    }
}
