//! An order's life: placed by a family, the older person or a clerk; accepted or declined by
//! the provider; assigned to a worker; checked in and out at the home; confirmed by the older
//! person or the family (or by a clerk's call-back); or cancelled. Lateness and a missed visit
//! are read from the times, not stored.

use chrono::{DateTime, Duration, Utc};

coded!(
    /// Where an order stands.
    OrderStatus {
        Placed = "placed" / "待接单",
        Accepted = "accepted" / "待派单",
        Assigned = "assigned" / "待上门",
        InService = "in_service" / "服务中",
        Done = "done" / "待确认",
        Confirmed = "confirmed" / "已完成",
        Cancelled = "cancelled" / "已取消",
        Declined = "declined" / "已拒单",
    }
);

coded!(
    /// Who placed the order.
    Channel {
        Family = "family" / "家属下单",
        Elder = "elder" / "老人本人下单",
        Clerk = "clerk" / "工作人员代下单",
        Plan = "plan" / "家庭养老床位照护计划",
    }
);

coded!(
    /// How a family account is related to the older person.
    Relation {
        Oneself = "self" / "本人",
        Child = "child" / "子女",
        Spouse = "spouse" / "配偶",
        Other = "other" / "其他亲属",
    }
);

coded!(
    /// Who confirmed that the service was done.
    ConfirmedBy {
        Family = "family" / "老人或家属确认",
        Callback = "callback" / "工作人员电话回访确认",
    }
);

coded!(
    /// A family link's state.
    LinkStatus {
        Pending = "pending" / "待核实",
        Confirmed = "confirmed" / "已关联",
        Refused = "refused" / "未通过",
    }
);

impl OrderStatus {
    /// Whether the order still holds its share of the month's purchased hours.
    pub fn holds_hours(self) -> bool {
        !matches!(self, OrderStatus::Cancelled | OrderStatus::Declined)
    }

    /// Still to be served.
    pub fn open(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed | OrderStatus::Accepted | OrderStatus::Assigned
        )
    }
}

/// Who is acting on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The older person or a linked family member.
    Family,
    /// The provider's staff.
    Provider,
    /// Civil-affairs staff of the person's division.
    Clerk,
}

/// Whether `who` may cancel an order in `status` due at `start`, at `now`. A family cancels
/// free of any rule until `cancel_hours` before the start; after that only the provider (with
/// a reason) or a clerk may. Nothing is cancelled once the worker has checked in.
pub fn may_cancel(
    status: OrderStatus,
    who: Actor,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    cancel_hours: i64,
) -> Result<(), &'static str> {
    if !status.open() {
        return Err("服务已开始或已结束，不能取消");
    }
    if who == Actor::Family && now + Duration::hours(cancel_hours) > start {
        return Err("离上门时间太近，请直接联系服务商取消");
    }
    Ok(())
}

/// How an order stands against its times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    OnTime,
    /// Checked in more than the tolerated minutes after the start (or not yet, and already late).
    Late,
    /// No check-in by the scheduled end.
    Missed,
}

impl Timing {
    pub fn label(self) -> &'static str {
        match self {
            Timing::OnTime => "",
            Timing::Late => "迟到",
            Timing::Missed => "未上门",
        }
    }
}

pub fn timing(
    status: OrderStatus,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    checked_in: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    late_minutes: i64,
) -> Timing {
    let late_after = start + Duration::minutes(late_minutes);
    match checked_in {
        Some(t) if t > late_after => Timing::Late,
        Some(_) => Timing::OnTime,
        None if !status.open() => Timing::OnTime,
        None if now > end => Timing::Missed,
        None if now > late_after => Timing::Late,
        None => Timing::OnTime,
    }
}

/// A worker's position against the home: the distance in whole metres and whether it is within
/// the tolerance. `None` when the home has no coordinates.
pub fn distance(
    home: Option<crate::planning::circle::Point>,
    at: crate::planning::circle::Point,
    tolerance_m: i64,
) -> Option<(i64, bool)> {
    let home = home?;
    let d = crate::planning::circle::haversine_m(home, at).round() as i64;
    Some((d, d <= tolerance_m))
}

/// A rating from 1 to 5 stars.
pub fn parse_rating(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|r| (1..=5).contains(r))
}

/// A mainland mobile number (11 digits starting 1[3-9]), the family account's name.
pub fn parse_mobile(s: &str) -> Option<String> {
    let s = crate::id_number::normalize_width(s.trim()).replace([' ', '-'], "");
    let ok = s.len() == 11
        && s.starts_with('1')
        && matches!(s.as_bytes()[1], b'3'..=b'9')
        && s.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::circle::Point;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap()
    }

    #[test]
    fn a_family_cancels_until_two_hours_before_and_nobody_after_check_in() {
        let start = t(10, 0);
        assert!(may_cancel(OrderStatus::Assigned, Actor::Family, start, t(7, 59), 2).is_ok());
        assert!(may_cancel(OrderStatus::Assigned, Actor::Family, start, t(8, 1), 2).is_err());
        assert!(may_cancel(OrderStatus::Assigned, Actor::Provider, start, t(9, 59), 2).is_ok());
        assert!(may_cancel(OrderStatus::InService, Actor::Clerk, start, t(7, 0), 2).is_err());
    }

    #[test]
    fn late_and_missed_are_read_from_the_times() {
        let (s, e) = (t(10, 0), t(11, 0));
        assert_eq!(
            timing(OrderStatus::Done, s, e, Some(t(10, 20)), t(12, 0), 30),
            Timing::OnTime
        );
        assert_eq!(
            timing(OrderStatus::Done, s, e, Some(t(10, 31)), t(12, 0), 30),
            Timing::Late
        );
        assert_eq!(timing(OrderStatus::Assigned, s, e, None, t(10, 40), 30), Timing::Late);
        assert_eq!(timing(OrderStatus::Assigned, s, e, None, t(11, 1), 30), Timing::Missed);
        assert_eq!(timing(OrderStatus::Cancelled, s, e, None, t(12, 0), 30), Timing::OnTime);
    }

    #[test]
    fn a_check_in_is_measured_from_the_home() {
        let home = Point::new(25.6, 115.79).unwrap();
        let near = Point::new(25.6009, 115.79).unwrap(); // ~100 m north
        let far = Point::new(25.61, 115.79).unwrap(); // ~1.1 km
        assert_eq!(distance(Some(home), near, 300).map(|d| d.1), Some(true));
        let (d, ok) = distance(Some(home), far, 300).unwrap();
        assert!(!ok && (1100..1125).contains(&d), "{d}");
        assert_eq!(distance(None, near, 300), None);
    }

    #[test]
    fn a_mobile_number_is_eleven_digits() {
        assert_eq!(parse_mobile(" 139 0797 0001 ").as_deref(), Some("13907970001"));
        assert_eq!(parse_mobile("12907970001"), None);
        assert_eq!(parse_mobile("1390797000"), None);
        assert_eq!(parse_rating("5"), Some(5));
        assert_eq!(parse_rating("6"), None);
    }
}
