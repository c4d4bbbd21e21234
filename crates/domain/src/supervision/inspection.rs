//! Inspections and what they find: the kinds of items a checklist holds, a batch's and an
//! inspection's statuses, findings, and the hazard list (隐患 / 整改 / 责任清单) with its
//! deadlines and escalation. Statuses are enums whose `parse` fails on an unknown value, as
//! the `CHECK` constraints in both migration folders do.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

coded!(
    /// 一般事项 are drawn at a limited ratio; 重点事项 (fire, food, medical, building safety)
    /// are checked at every object drawn, with no upper limit.
    ItemKind {
        General = "general" / "一般事项",
        Key = "key" / "重点事项",
    }
);

coded!(
    /// What a hazard is about; it decides which list (and which department) it lands in.
    HazardCategory {
        Building = "building" / "建筑安全",
        Fire = "fire" / "消防安全",
        Food = "food" / "食品安全",
        Medical = "medical" / "医疗卫生",
        SpecialEquipment = "special_equipment" / "特种设备",
        Environment = "environment" / "环境卫生",
        Funds = "funds" / "资金安全",
        Service = "service" / "服务质量",
    }
);

coded!(
    /// A batch: its inputs are planned, then published (frozen) before the public value
    /// exists; the public value is entered afterwards and the draw runs once.
    BatchStatus {
        Planned = "planned" / "草拟",
        Published = "published" / "已公示待抽取",
        Drawn = "drawn" / "已抽取",
    }
);

coded!(
    /// One drawn object's inspection: recorded and signed by one inspector, confirmed by the
    /// second, then published (一公开).
    InspectionStatus {
        Pending = "pending" / "待检查",
        Recorded = "recorded" / "待第二人确认",
        Confirmed = "confirmed" / "待公开",
        Published = "published" / "已公开",
    }
);

coded!(
    /// The result of one checklist item.
    Outcome {
        Pass = "pass" / "符合",
        Minor = "minor" / "一般问题",
        Serious = "serious" / "较大问题",
        Major = "major" / "重大隐患",
        NotApplicable = "na" / "不适用",
    }
);

coded!(
    /// A hazard on the list: open until the unit rectifies it, closed only when an inspector
    /// verified the rectification (销号); a failed verification reopens it.
    HazardStatus {
        Open = "open" / "整改中",
        Rectified = "rectified" / "已整改待核验",
        Closed = "closed" / "已核验销号",
    }
);

impl Outcome {
    /// Whether the finding is a problem that goes on the hazard list.
    pub fn is_problem(self) -> bool {
        matches!(self, Outcome::Minor | Outcome::Serious | Outcome::Major)
    }
}

/// Who must act on an overdue hazard: its supervisor first, the county once it is far overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    None,
    /// Past its deadline: on the supervising inspectors' home page.
    Supervisor,
    /// More than the setting's days past its deadline: on the county's home page too.
    County,
}

impl Escalation {
    pub fn label(self) -> &'static str {
        match self {
            Escalation::None => "",
            Escalation::Supervisor => "已逾期",
            Escalation::County => "逾期已上报县级",
        }
    }
}

/// Where an unclosed hazard stands on `today`: a rectification that waits for verification is
/// not the unit's delay, so only an open hazard escalates.
pub fn escalation(status: HazardStatus, deadline: NaiveDate, today: NaiveDate, county_after_days: i64) -> Escalation {
    if status != HazardStatus::Open || today <= deadline {
        Escalation::None
    } else if (today - deadline).num_days() > county_after_days {
        Escalation::County
    } else {
        Escalation::Supervisor
    }
}

/// Monday to Friday from the day after `from` up to and including `to` (public holidays and
/// their make-up working days are not known to the platform; a late warning errs early).
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.succ_opt().expect("a date before the end of time");
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
    }
    n
}

/// Whether a confirmed inspection's result is late for publication (一公开) on `today`.
pub fn publication_late(confirmed_on: NaiveDate, today: NaiveDate, within_working_days: i64) -> bool {
    working_days_between(confirmed_on, today) > within_working_days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn statuses_parse_from_code_and_label_and_refuse_anything_else() {
        for s in HazardStatus::ALL {
            assert_eq!(HazardStatus::parse(s.code()), Some(*s));
            assert_eq!(HazardStatus::parse(s.label()), Some(*s));
        }
        for s in InspectionStatus::ALL {
            assert_eq!(InspectionStatus::parse(s.code()), Some(*s));
        }
        assert_eq!(BatchStatus::parse("computing"), None);
        assert_eq!(Outcome::parse(""), None);
    }

    #[test]
    fn an_open_hazard_escalates_to_the_supervisor_then_to_the_county() {
        let deadline = d("2026-11-10");
        assert_eq!(
            escalation(HazardStatus::Open, deadline, d("2026-11-10"), 15),
            Escalation::None
        );
        assert_eq!(
            escalation(HazardStatus::Open, deadline, d("2026-11-11"), 15),
            Escalation::Supervisor
        );
        assert_eq!(
            escalation(HazardStatus::Open, deadline, d("2026-11-25"), 15),
            Escalation::Supervisor
        );
        assert_eq!(
            escalation(HazardStatus::Open, deadline, d("2026-11-26"), 15),
            Escalation::County
        );
        assert_eq!(
            escalation(HazardStatus::Rectified, deadline, d("2026-12-30"), 15),
            Escalation::None
        );
        assert_eq!(
            escalation(HazardStatus::Closed, deadline, d("2026-12-30"), 15),
            Escalation::None
        );
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-11-27 is a Friday.
        assert_eq!(working_days_between(d("2026-11-27"), d("2026-11-30")), 1);
        assert_eq!(working_days_between(d("2026-11-27"), d("2026-12-04")), 5);
        assert_eq!(working_days_between(d("2026-11-27"), d("2026-11-27")), 0);
        assert!(!publication_late(d("2026-11-27"), d("2026-12-11"), 10));
        assert!(publication_late(d("2026-11-27"), d("2026-12-14"), 10));
    }

    #[test]
    fn only_problems_go_on_the_hazard_list() {
        assert!(!Outcome::Pass.is_problem() && !Outcome::NotApplicable.is_problem());
        assert!(Outcome::Minor.is_problem() && Outcome::Major.is_problem());
    }
}
