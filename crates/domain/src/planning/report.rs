//! The period of a division's report (月报 or 年报): a month or a calendar year, parsed once.

use std::fmt;

use crate::dates::Month;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month(Month),
    Year(i32),
}

impl Period {
    /// `2026-11` (a month) or `2026` (a year, 2000-2100).
    pub fn parse(raw: &str) -> Result<Period, String> {
        let raw = raw.trim();
        if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit()) {
            let y: i32 = raw.parse().map_err(|_| "年份不正确".to_string())?;
            return if (2000..=2100).contains(&y) {
                Ok(Period::Year(y))
            } else {
                Err(format!("年份 {raw} 超出范围（2000-2100）"))
            };
        }
        Month::parse(raw)
            .map(Period::Month)
            .map_err(|_| format!("报告期“{raw}”不正确：月报写 2026-11，年报写 2026"))
    }

    /// The months the period covers, in order.
    pub fn months(self) -> Vec<Month> {
        match self {
            Period::Month(m) => vec![m],
            Period::Year(year) => (1..=12).map(|month| Month { year, month }).collect(),
        }
    }

    /// The month whose state the report shows (the last of a year).
    pub fn last(self) -> Month {
        *self.months().last().expect("a period has a month")
    }

    /// 月报 or 年报, with the period in words: "2026年11月 月报".
    pub fn title(self) -> String {
        match self {
            Period::Month(m) => format!("{}年{}月 月报", m.year, m.month),
            Period::Year(y) => format!("{y}年 年报"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => write!(f, "{m}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_or_a_year_and_nothing_else() {
        assert_eq!(
            Period::parse("2026-11").unwrap(),
            Period::Month(Month { year: 2026, month: 11 })
        );
        assert_eq!(Period::parse(" 2026 ").unwrap(), Period::Year(2026));
        assert_eq!(Period::parse("2026").unwrap().months().len(), 12);
        assert_eq!(Period::parse("2026").unwrap().last(), Month { year: 2026, month: 12 });
        assert_eq!(Period::parse("2026-11").unwrap().title(), "2026年11月 月报");
        for bad in ["", "1999", "2026-13", "26", "二〇二六", "2026-1-1"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Period::parse("2026").unwrap().to_string(), "2026");
    }
}
