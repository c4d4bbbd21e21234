//! An assessment counts only once two assessors stand behind it: the one who records it and a
//! second assessor's own account confirming (signing) the result. One dated well before the
//! day it is recorded (补录) also needs a reason and a civil-affairs review, since back-dating
//! pays back-pay (an account once recorded a level-4 assessment back-dated months, naming a
//! colleague who did not exist, and the next run paid the difference).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where an assessment stands. Only `Confirmed` counts anywhere (benefits, admission, lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    /// Recorded; waiting for the second assessor to confirm.
    AwaitingSecond,
    /// Confirmed by both assessors, back-dated: waiting for civil-affairs review.
    AwaitingReview,
    /// Counts.
    Confirmed,
    /// The second assessor or the reviewer sent it back; it never counts.
    Returned,
}

impl AssessmentStatus {
    pub const ALL: [AssessmentStatus; 4] = [
        AssessmentStatus::AwaitingSecond,
        AssessmentStatus::AwaitingReview,
        AssessmentStatus::Confirmed,
        AssessmentStatus::Returned,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AssessmentStatus::AwaitingSecond => "awaiting_second",
            AssessmentStatus::AwaitingReview => "awaiting_review",
            AssessmentStatus::Confirmed => "confirmed",
            AssessmentStatus::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AssessmentStatus::AwaitingSecond => "待第二评估员确认",
            AssessmentStatus::AwaitingReview => "补录待审核",
            AssessmentStatus::Confirmed => "已确认",
            AssessmentStatus::Returned => "已退回",
        }
    }

    /// Fails on a value it does not know, rather than reading it as something else.
    pub fn parse(s: &str) -> Option<AssessmentStatus> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// How many days before the day it is recorded an assessment may be dated without review
/// (a setting; a week covers a visit recorded after a weekend or a trip to the villages).
pub const DEFAULT_BACKDATE_DAYS: u32 = 7;

/// Whether an assessment dated `assessed_on`, recorded on `today`, is back-dated past
/// `allowed_days` and so needs a reason and a review.
pub fn is_backdated(assessed_on: NaiveDate, today: NaiveDate, allowed_days: u32) -> bool {
    (today - assessed_on).num_days() > i64::from(allowed_days)
}

/// What confirming moves an assessment to.
pub fn after_confirmation(backdated: bool) -> AssessmentStatus {
    if backdated {
        AssessmentStatus::AwaitingReview
    } else {
        AssessmentStatus::Confirmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_assessment_dated_past_the_allowed_days_is_back_dated() {
        assert!(!is_backdated(d("2026-11-23"), d("2026-11-30"), 7));
        assert!(is_backdated(d("2026-11-22"), d("2026-11-30"), 7));
        assert!(!is_backdated(d("2026-11-30"), d("2026-11-30"), 0));
        assert_eq!(after_confirmation(true), AssessmentStatus::AwaitingReview);
        assert_eq!(after_confirmation(false), AssessmentStatus::Confirmed);
    }

    #[test]
    fn statuses_read_back_exactly_or_not_at_all() {
        for s in AssessmentStatus::ALL {
            assert_eq!(AssessmentStatus::parse(s.code()), Some(s));
        }
        assert_eq!(AssessmentStatus::parse("computing"), None);
    }
}
