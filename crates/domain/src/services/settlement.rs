//! Settlement of purchased services (政府购买服务): a month's statement per provider pays only
//! records that prove the service — checked in and out at the home, long enough, and confirmed
//! by the older person or family (or a clerk's call-back). Everything else is listed with why.

use chrono::{DateTime, Utc};

coded!(
    /// Why a record is not payable.
    Unpayable {
        NoCheckIn = "no_check_in" / "未签到",
        NoCheckOut = "no_check_out" / "未签退",
        NoLocation = "no_location" / "服务地址未定位，无法核验位置",
        FarIn = "far_in" / "签到位置超出允许范围",
        FarOut = "far_out" / "签退位置超出允许范围",
        TooShort = "too_short" / "服务时长不足标准时长的一半",
        NotConfirmed = "not_confirmed" / "未经老人或家属确认",
        NoSample = "no_sample" / "当餐没有食品留样记录",
    }
);

coded!(
    /// A statement's state: 经办 → 审核 → 审批, or returned to be prepared again.
    StatementStatus {
        Prepared = "prepared" / "待审核",
        Reviewed = "reviewed" / "待审批",
        Approved = "approved" / "已审批",
        Returned = "returned" / "已退回",
    }
);

/// What the record of one order says.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    pub check_in: Option<DateTime<Utc>>,
    pub check_out: Option<DateTime<Utc>>,
    /// Distance of the check-in and check-out from the home (`None`: the home has no coordinates).
    pub in_m: Option<i64>,
    pub out_m: Option<i64>,
    pub tolerance_m: i64,
    /// The standard minutes of what was ordered.
    pub standard_minutes: i64,
    pub confirmed: bool,
}

/// Every reason the record does not prove the service; empty: payable.
pub fn reasons(r: &Record) -> Vec<Unpayable> {
    let mut out = Vec::new();
    if r.check_in.is_none() {
        out.push(Unpayable::NoCheckIn);
    }
    if r.check_out.is_none() {
        out.push(Unpayable::NoCheckOut);
    }
    if (r.check_in.is_some() || r.check_out.is_some()) && r.in_m.is_none() && r.out_m.is_none() {
        out.push(Unpayable::NoLocation);
    }
    if r.in_m.is_some_and(|m| m > r.tolerance_m) {
        out.push(Unpayable::FarIn);
    }
    if r.out_m.is_some_and(|m| m > r.tolerance_m) {
        out.push(Unpayable::FarOut);
    }
    if let (Some(a), Some(b)) = (r.check_in, r.check_out) {
        if (b - a).num_minutes() * 2 < r.standard_minutes {
            out.push(Unpayable::TooShort);
        }
    }
    if !r.confirmed {
        out.push(Unpayable::NotConfirmed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn full() -> Record {
        Record {
            check_in: Some(Utc.with_ymd_and_hms(2026, 11, 3, 2, 0, 0).unwrap()),
            check_out: Some(Utc.with_ymd_and_hms(2026, 11, 3, 3, 0, 0).unwrap()),
            in_m: Some(40),
            out_m: Some(55),
            tolerance_m: 300,
            standard_minutes: 60,
            confirmed: true,
        }
    }

    #[test]
    fn a_complete_record_is_payable() {
        assert!(reasons(&full()).is_empty());
    }

    #[test]
    fn no_record_no_pay_and_every_reason_is_named() {
        let r = Record {
            check_in: None,
            check_out: None,
            in_m: None,
            out_m: None,
            confirmed: false,
            ..full()
        };
        assert_eq!(
            reasons(&r),
            [Unpayable::NoCheckIn, Unpayable::NoCheckOut, Unpayable::NotConfirmed]
        );
        let far = Record {
            in_m: Some(301),
            ..full()
        };
        assert_eq!(reasons(&far), [Unpayable::FarIn]);
        let unplaced = Record {
            in_m: None,
            out_m: None,
            ..full()
        };
        assert_eq!(reasons(&unplaced), [Unpayable::NoLocation]);
        let short = Record {
            check_out: Some(Utc.with_ymd_and_hms(2026, 11, 3, 2, 29, 0).unwrap()),
            ..full()
        };
        assert_eq!(reasons(&short), [Unpayable::TooShort]);
    }
}
