//! Credit (信用监管): what goes on an institution's credit record, the 失信 list, and the
//! rating the record gives — which feeds the random draw's strata and the grading
//! prerequisites (赣府厅发〔2022〕3号 第七章: 备案信用承诺, 行政处罚, 抽查检查结果 on the record;
//! a credit grade "作为养老机构等级评定和采取差异化监管措施的重要依据").
//!
//! The documents name the inputs but no formula; the platform's rule, stated here once:
//! **D** on the 失信 list now; **C** a penalty or a 重大隐患 in the last 12 months, or two or more
//! upheld complaints in that time; **B** any adverse record in the last 24 months; **A**
//! otherwise.

use chrono::{Months, NaiveDate};
use serde::Serialize;

coded!(
    /// What a credit record is about.
    CreditKind {
        CommitmentKept = "commitment_kept" / "备案承诺履约",
        CommitmentBroken = "commitment_broken" / "备案承诺未履约",
        Penalty = "penalty" / "行政处罚",
        InspectionPassed = "inspection_passed" / "抽查未发现问题",
        InspectionProblems = "inspection_problems" / "抽查发现问题",
        InspectionMajor = "inspection_major" / "抽查发现重大隐患",
        ComplaintUpheld = "complaint_upheld" / "投诉查实",
    }
);

impl CreditKind {
    pub fn adverse(self) -> bool {
        !matches!(self, CreditKind::CommitmentKept | CreditKind::InspectionPassed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum CreditRating {
    A,
    B,
    C,
    D,
}

impl CreditRating {
    pub fn label(self) -> &'static str {
        match self {
            CreditRating::A => "A 守信",
            CreditRating::B => "B 基本守信",
            CreditRating::C => "C 失信风险",
            CreditRating::D => "D 失信",
        }
    }
    /// Poor credit puts an institution in the draw's 重点对象 stratum.
    pub fn poor(self) -> bool {
        self >= CreditRating::C
    }
}

/// One entry on an institution's credit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: CreditKind,
    pub on: NaiveDate,
}

/// The rating on `today` from the record and whether the institution is on the 失信 list now.
pub fn rating(record: &[Entry], listed_now: bool, today: NaiveDate) -> CreditRating {
    if listed_now {
        return CreditRating::D;
    }
    let within = |months: u32| {
        let from = today.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN);
        record.iter().filter(move |e| e.on > from && e.on <= today)
    };
    let serious = within(12).any(|e| matches!(e.kind, CreditKind::Penalty | CreditKind::InspectionMajor));
    let upheld = within(12).filter(|e| e.kind == CreditKind::ComplaintUpheld).count();
    if serious || upheld >= 2 {
        CreditRating::C
    } else if within(24).any(|e| e.kind.adverse()) {
        CreditRating::B
    } else {
        CreditRating::A
    }
}

/// Whether a 失信 listing from `listed_on` for `months` is still in force on `today`
/// (it ends on the day its period ends, or when repaired earlier).
pub fn listed(listed_on: NaiveDate, until: NaiveDate, repaired_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    listed_on <= today && today < until && repaired_on.is_none_or(|r| today < r)
}

/// A listing may be repaired (信用修复) only once its period's minimum has passed.
pub fn may_repair(listed_on: NaiveDate, min_months: u32, today: NaiveDate) -> bool {
    listed_on
        .checked_add_months(Months::new(min_months))
        .is_some_and(|d| d <= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ratings_follow_the_stated_rule() {
        let today = d("2026-11-30");
        let e = |kind, on: &str| Entry { kind, on: d(on) };
        assert_eq!(rating(&[], false, today), CreditRating::A);
        assert_eq!(
            rating(&[e(CreditKind::InspectionPassed, "2026-10-01")], false, today),
            CreditRating::A
        );
        assert_eq!(
            rating(&[e(CreditKind::InspectionProblems, "2025-01-01")], false, today),
            CreditRating::B
        );
        assert_eq!(
            rating(&[e(CreditKind::InspectionProblems, "2024-11-30")], false, today),
            CreditRating::A,
            "older than 24 months"
        );
        assert_eq!(
            rating(&[e(CreditKind::Penalty, "2026-01-01")], false, today),
            CreditRating::C
        );
        assert_eq!(
            rating(&[e(CreditKind::Penalty, "2025-11-30")], false, today),
            CreditRating::B,
            "a penalty past 12 months"
        );
        let two = [
            e(CreditKind::ComplaintUpheld, "2026-03-01"),
            e(CreditKind::ComplaintUpheld, "2026-09-01"),
        ];
        assert_eq!(rating(&two, false, today), CreditRating::C);
        assert_eq!(rating(&two[..1], false, today), CreditRating::B);
        assert_eq!(rating(&[], true, today), CreditRating::D);
        assert!(CreditRating::C.poor() && !CreditRating::B.poor());
    }

    #[test]
    fn a_listing_ends_with_its_period_or_its_repair() {
        let (on, until) = (d("2026-01-10"), d("2027-01-10"));
        assert!(!listed(on, until, None, d("2026-01-09")));
        assert!(listed(on, until, None, d("2026-06-01")));
        assert!(!listed(on, until, None, d("2027-01-10")));
        assert!(!listed(on, until, Some(d("2026-08-01")), d("2026-09-01")));
        assert!(may_repair(on, 6, d("2026-07-10")) && !may_repair(on, 6, d("2026-07-09")));
    }
}
