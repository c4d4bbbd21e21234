//! A person's register categories (特困, 低保, 经济困难, …) as they stood in a past month.
//!
//! The register holds the current list; every change is logged with the date it takes effect
//! (the approval date, which may lie before the day it was entered). A benefit month reads the
//! categories in force on any day of that month, the same reading rules get ("a rule applies in
//! a month if it is in force on any day of it"): a 低保 approval effective on 20 March counts for
//! March; a 特困 status ended on 10 April still counts for April, not for May.

use chrono::NaiveDate;

/// One logged change of the whole category list (comma-separated codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryChange {
    pub effective_on: NaiveDate,
    pub old: String,
    pub new: String,
}

fn codes(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|c| !c.is_empty())
}

/// The categories in force on any day of `first..=last`, as a comma-separated list.
/// `changes` are in the order they were recorded; with none, `current` is the answer.
pub fn categories_in_force(current: &str, changes: &[CategoryChange], first: NaiveDate, last: NaiveDate) -> String {
    if changes.is_empty() {
        return current.to_string();
    }
    // Stable: changes effective on the same day keep their recorded order.
    let mut ordered: Vec<&CategoryChange> = changes.iter().collect();
    ordered.sort_by_key(|c| c.effective_on);
    let at_first: &str = match ordered.iter().rev().find(|c| c.effective_on <= first) {
        Some(c) => &c.new,
        None => &ordered[0].old,
    };
    let mut out: Vec<&str> = codes(at_first).collect();
    for c in ordered
        .iter()
        .filter(|c| c.effective_on > first && c.effective_on <= last)
    {
        for code in codes(&c.new) {
            if !out.contains(&code) {
                out.push(code);
            }
        }
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn change(on: &str, old: &str, new: &str) -> CategoryChange {
        CategoryChange {
            effective_on: d(on),
            old: old.into(),
            new: new.into(),
        }
    }

    fn month(list: &str, changes: &[CategoryChange], m: &str) -> Vec<String> {
        let first = d(&format!("{m}-01"));
        let last = crate::dates::Month::parse(m).unwrap().last_day();
        let mut v: Vec<String> = categories_in_force(list, changes, first, last)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn without_changes_the_current_list_holds_for_every_month() {
        assert_eq!(month("dibao,alone", &[], "2020-01"), ["alone", "dibao"]);
    }

    #[test]
    fn an_approval_counts_from_the_month_it_takes_effect() {
        // 低保 approved effective 20 March 2025, entered in June.
        let log = [change("2025-03-20", "alone", "alone,dibao")];
        let now = "alone,dibao";
        assert_eq!(month(now, &log, "2025-02"), ["alone"]);
        assert_eq!(month(now, &log, "2025-03"), ["alone", "dibao"]);
        assert_eq!(month(now, &log, "2025-06"), ["alone", "dibao"]);
    }

    #[test]
    fn a_status_ended_mid_month_still_counts_for_that_month_only() {
        let log = [change("2025-04-10", "tekun", "")];
        assert_eq!(month("", &log, "2025-04"), ["tekun"]);
        assert!(month("", &log, "2025-05").is_empty());
        // Ended on the first day: not in force on any day of April.
        let log = [change("2025-04-01", "tekun", "")];
        assert!(month("", &log, "2025-04").is_empty());
        assert_eq!(month("", &log, "2025-03"), ["tekun"]);
    }

    #[test]
    fn several_changes_are_read_in_order_of_effect_not_of_entry() {
        // Entered: first the removal (effective May), then a late approval effective February.
        let log = [change("2025-05-01", "dibao", ""), change("2025-02-15", "", "dibao")];
        assert!(month("", &log, "2025-01").is_empty());
        assert_eq!(month("", &log, "2025-02"), ["dibao"]);
        assert_eq!(month("", &log, "2025-04"), ["dibao"]);
        assert!(month("", &log, "2025-05").is_empty());
    }
}
