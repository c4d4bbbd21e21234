//! Payment held (暂停发放), not lost: the rule a county keeps for whose lines a run holds.
//!
//! 静默认证 (proof of life without a trip to an office): a person shows they are alive by what
//! they do — an assessment, a visit, a service check-in, a meal at a meal point, a press of the
//! emergency button, a stay in an institution — or by a check recorded in person or read from
//! another system's file (医保结算). Whoever has no such sign within the county's window is
//! listed for a check in person before their next payment (赣府厅发〔2022〕3号 第七章第三节:
//! 信息资源的对接; the point 6). A county may also hold payment for want of an account.
//! Only what a bank would pay is held: positive lines paid to the person. Recoveries and
//! lines paid to an institution go on as computed.

use chrono::NaiveDate;

use crate::dates::Month;

coded! {
    /// Why a line is held.
    HoldReason {
        /// No sign of life within the window.
        ProofOfLife = "proof_of_life" / "暂停（待认证）",
        NoAccount = "no_account" / "暂停（缺少发放账户）",
    }
}

coded! {
    /// How a proof of life was recorded.
    CheckMethod {
        /// At the township or village office.
        InPerson = "in_person" / "本人到场",
        /// A visit to the home.
        HomeVisit = "home_visit" / "上门核验",
        Video = "video" / "视频认证",
        /// Medical-insurance use, from the insurance system's file.
        MedicalInsurance = "medical_insurance" / "医保结算记录",
    }
}

/// A county's rule: the proof window in months (None: no proof asked), and whether an account
/// is required.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HoldRule {
    pub proof_months: Option<u32>,
    pub require_account: bool,
}

impl HoldRule {
    /// From the settings' values: a window of 0 months asks no proof; 1 requires an account.
    pub fn from_settings(proof_months: i64, require_account: i64) -> HoldRule {
        HoldRule {
            proof_months: u32::try_from(proof_months).ok().filter(|m| *m > 0),
            require_account: require_account == 1,
        }
    }

    /// Whether this rule can hold anyone.
    pub fn active(&self) -> bool {
        self.proof_months.is_some() || self.require_account
    }

    /// Why the person's lines of a run for `month` are held, if they are: no sign of life on or
    /// after the window's first day, or no account.
    pub fn reason(&self, month: Month, last_sign: Option<NaiveDate>, has_account: bool) -> Option<HoldReason> {
        if let Some(n) = self.proof_months {
            let from = window_start(month, n);
            if last_sign.is_none_or(|d| d < from) {
                return Some(HoldReason::ProofOfLife);
            }
        }
        if self.require_account && !has_account {
            return Some(HoldReason::NoAccount);
        }
        None
    }
}

/// The first day of the `n` months ending with `month`: 12 months ending 2026-10 start on
/// 2025-11-01.
pub fn window_start(month: Month, n: u32) -> NaiveDate {
    let mut m = month;
    for _ in 1..n.max(1) {
        m = m.prev();
    }
    m.first_day()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_sign_inside_the_window_is_proof_and_one_a_day_before_it_is_not() {
        let rule = HoldRule::from_settings(12, 0);
        assert_eq!(window_start(m("2026-10"), 12), d("2025-11-01"));
        assert_eq!(window_start(m("2026-10"), 1), d("2026-10-01"));
        assert_eq!(rule.reason(m("2026-10"), Some(d("2025-11-01")), false), None);
        assert_eq!(
            rule.reason(m("2026-10"), Some(d("2025-10-31")), true),
            Some(HoldReason::ProofOfLife)
        );
        assert_eq!(rule.reason(m("2026-10"), None, true), Some(HoldReason::ProofOfLife));
    }

    #[test]
    fn an_account_is_asked_only_where_the_county_requires_one() {
        assert!(!HoldRule::from_settings(0, 0).active());
        assert_eq!(HoldRule::from_settings(0, 0).reason(m("2026-10"), None, false), None);
        let rule = HoldRule::from_settings(0, 1);
        assert_eq!(rule.reason(m("2026-10"), None, false), Some(HoldReason::NoAccount));
        assert_eq!(rule.reason(m("2026-10"), None, true), None);
        // Proof is asked first: a person without either is listed for the check in person.
        let both = HoldRule::from_settings(6, 1);
        assert_eq!(both.reason(m("2026-10"), None, false), Some(HoldReason::ProofOfLife));
        assert_eq!(HoldRule::from_settings(-3, 0), HoldRule::default());
        for r in [HoldReason::ProofOfLife, HoldReason::NoAccount] {
            assert_eq!(HoldReason::parse(r.code()), Some(r));
        }
        for c in CheckMethod::ALL {
            assert_eq!(CheckMethod::parse(c.code()), Some(*c));
        }
    }
}
