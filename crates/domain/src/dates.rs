//! Calendar dates as county staff write them: `1950-01-01`, `1950/1/1`, `1950.1.1`,
//! `1950年1月1日`, `19500101`, or an Excel serial day number (1900 date system).

use chrono::{Datelike, NaiveDate};

use crate::id_number::normalize_width;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效日期（应如 1950-01-31）")]
pub struct DateError(pub String);

pub fn parse_date(raw: &str) -> Result<NaiveDate, DateError> {
    let s = normalize_width(raw);
    let err = || DateError(s.clone());
    if s.is_empty() {
        return Err(err());
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(&s, "%Y%m%d").map_err(|_| err());
    }
    // An Excel serial number (possibly with a fractional time part).
    if let Ok(serial) = s.parse::<f64>() {
        if (1.0..2_958_466.0).contains(&serial) {
            return Ok(from_excel_serial(serial.trunc() as i64));
        }
        return Err(err());
    }
    // Drop a time part such as "1950-01-01 00:00:00".
    let date_part = s.split([' ', 'T']).next().unwrap_or("");
    let unified: String = date_part
        .replace(['年', '月'], "-")
        .replace('日', "")
        .replace(['/', '.'], "-");
    let parts: Vec<&str> = unified.split('-').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err());
    }
    let y: i32 = parts[0].parse().map_err(|_| err())?;
    let m: u32 = parts[1].parse().map_err(|_| err())?;
    let d: u32 = parts[2].parse().map_err(|_| err())?;
    if parts[0].len() != 4 {
        return Err(err());
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(err)
}

/// Excel's 1900 date system, including its fictitious 29 February 1900 (serial 60).
pub fn from_excel_serial(serial: i64) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(1899, 12, 31).expect("valid");
    let days = if serial >= 60 { serial - 1 } else { serial };
    base + chrono::Days::new(days as u64)
}

/// Completed years of age on `on`. A 29 February birthday counts as reached on 1 March in a
/// common year.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// A calendar month, such as the benefit month 2025-06.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, DateError> {
        let err = || DateError(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let year: i32 = y.parse().map_err(|_| err())?;
        let month: u32 = m.parse().map_err(|_| err())?;
        if !(1..=12).contains(&month) {
            return Err(err());
        }
        Ok(Month { year, month })
    }

    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("valid month")
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_usual_written_forms_are_read() {
        for s in [
            "1950-01-31",
            "1950/1/31",
            "1950.01.31",
            "1950年1月31日",
            "19500131",
            "1950-01-31 00:00:00",
            "１９５０-０１-３１",
        ] {
            assert_eq!(parse_date(s).unwrap(), d(1950, 1, 31), "{s}");
        }
    }

    #[test]
    fn excel_serial_numbers_are_read() {
        assert_eq!(parse_date("18294").unwrap(), d(1950, 1, 31));
        assert_eq!(parse_date("45823.0").unwrap(), d(2025, 6, 15));
        assert_eq!(from_excel_serial(61), d(1900, 3, 1));
    }

    #[test]
    fn impossible_dates_are_rejected_with_the_text() {
        for s in ["1950-02-30", "abc", "50-1-1", "", "1950-13-01"] {
            assert!(parse_date(s).is_err(), "{s}");
        }
        assert!(parse_date("1950-02-30").unwrap_err().to_string().contains("1950-02-30"));
    }

    #[test]
    fn age_counts_completed_years_and_leap_day_birthdays_on_1_march() {
        assert_eq!(age_on(d(1945, 6, 30), d(2025, 6, 30)), 80);
        assert_eq!(age_on(d(1945, 7, 1), d(2025, 6, 30)), 79);
        assert_eq!(age_on(d(1944, 2, 29), d(2025, 2, 28)), 80);
        assert_eq!(age_on(d(1944, 2, 29), d(2025, 3, 1)), 81);
        assert_eq!(age_on(d(1944, 2, 29), d(2024, 2, 29)), 80);
    }

    #[test]
    fn a_month_knows_its_first_and_last_day() {
        let feb = Month::parse("2024-02").unwrap();
        assert_eq!((feb.first_day(), feb.last_day()), (d(2024, 2, 1), d(2024, 2, 29)));
        assert_eq!(Month::parse("2025-12").unwrap().next().to_string(), "2026-01");
        assert_eq!(Month::parse("2026-01").unwrap().prev().to_string(), "2025-12");
        for bad in ["2025-13", "2025-6", "25-06", "2025/06", ""] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }
}
