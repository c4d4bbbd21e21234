//! Visits (探访关爱; 会府发〔2021〕7号 (七); 赣府厅发〔2022〕3号 第三章第四节): who is on the visit
//! roster, how a visit finds the person, what a danger sign asks for, and the month's visit
//! rate (`monthly_visit_rate` of `standards/indicators.md`: people on the roster visited at
//! least once in the month / people on the roster).

use chrono::NaiveDate;

use crate::dates::Month;

/// The groups the documents name for 探访关爱 (the default of `indicators.md`).
pub const ROSTER_CATEGORIES: [&str; 10] = [
    "tekun",
    "dibao",
    "dibao_edge",
    "econ_hardship",
    "alone",
    "empty_nest",
    "left_behind",
    "disabled",
    "severe_disability",
    "family_planning_special",
];

/// Whether a person with these category codes (comma-separated, as the register keeps them)
/// belongs on the roster.
pub fn on_roster(categories: &str) -> bool {
    categories
        .split(',')
        .map(str::trim)
        .any(|c| ROSTER_CATEGORIES.contains(&c))
}

coded!(
    /// How the visitor found the person.
    Condition {
        Good = "good" / "良好",
        Attention = "attention" / "需关注",
        Danger = "danger" / "有危险情形",
    }
);

coded!(
    /// What a danger sign calls for; each is followed up within a deadline.
    FollowUp {
        Service = "service" / "安排上门服务",
        Assessment = "assessment" / "申请能力评估",
        Emergency = "emergency" / "紧急处置（联系家属、120/110）",
        Assistance = "assistance" / "申请救助",
    }
);

/// Days to follow up a danger sign: an emergency the same day, the rest within three days.
pub fn follow_up_days(f: FollowUp) -> u64 {
    match f {
        FollowUp::Emergency => 0,
        _ => 3,
    }
}

/// The month's rate: of the people on the roster in the month, those with a visit dated in
/// it. Returns (visited, roster).
pub fn monthly_rate(roster: &[i64], visits: &[(i64, NaiveDate)], month: Month) -> (i64, i64) {
    let (from, to) = (month.first_day(), month.last_day());
    let visited = roster
        .iter()
        .filter(|p| visits.iter().any(|(v, d)| v == *p && *d >= from && *d <= to))
        .count();
    (visited as i64, roster.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_roster_takes_the_named_groups_only() {
        assert!(on_roster("dibao"));
        assert!(on_roster("veteran,alone"));
        assert!(!on_roster("veteran,youfu"));
        assert!(!on_roster(""));
    }

    #[test]
    fn the_rate_counts_people_visited_in_the_month_once_each() {
        let m = Month::parse("2026-11").unwrap();
        let visits = [
            (1, d("2026-11-01")),
            (1, d("2026-11-20")),
            (2, d("2026-10-31")),
            (3, d("2026-11-30")),
            (9, d("2026-11-05")),
        ];
        assert_eq!(monthly_rate(&[1, 2, 3, 4], &visits, m), (2, 4));
        assert_eq!(monthly_rate(&[], &visits, m), (0, 0));
    }
}
