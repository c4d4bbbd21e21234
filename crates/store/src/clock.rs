//! What day it is, asked in one place.
//!
//! Every rule that depends on today — ages, due and overdue assessments, the month a run
//! defaults to, late visits, published-within deadlines, contracts in force — takes its date
//! from the store's clock rather than from the system. A test (or a training copy of the
//! platform) fixes the clock and every page and job agrees on the date. Recorded timestamps
//! (`created_at`, the audit chain) stay the real time: they say when something happened.

use chrono::{DateTime, Local, NaiveDate, Timelike, Utc};
use yiyang_domain::dates::Month;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system's clock, in the server's local time zone for dates.
    #[default]
    System,
    /// A fixed instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// A clock fixed at noon (local time) of `day`.
    pub fn on(day: NaiveDate) -> Clock {
        let noon = day.and_hms_opt(12, 0, 0).expect("noon exists");
        let local = noon
            .and_local_timezone(Local)
            .earliest()
            .unwrap_or_else(|| noon.and_utc().with_timezone(&Local));
        Clock::Fixed(local.with_timezone(&Utc))
    }

    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
        }
    }

    fn local(self) -> DateTime<Local> {
        self.now().with_timezone(&Local)
    }

    /// Today's date where the server is.
    pub fn today(self) -> NaiveDate {
        self.local().date_naive()
    }

    /// The month today falls in.
    pub fn month(self) -> Month {
        Month::of(self.today())
    }

    /// The local hour (0–23), for what depends on the time of day (which meal is next).
    pub fn hour(self) -> u32 {
        self.local().hour()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_says_the_same_day_month_and_hour_every_time() {
        let day = NaiveDate::from_ymd_opt(2031, 2, 28).unwrap();
        let c = Clock::on(day);
        assert_eq!(c.today(), day);
        assert_eq!(c.month().to_string(), "2031-02");
        assert_eq!(c.hour(), 12);
        assert_eq!(c.now(), c.now());
    }

    #[test]
    fn the_system_clock_follows_the_system() {
        let before = Utc::now();
        let now = Clock::System.now();
        assert!(now >= before && now <= Utc::now());
        assert_eq!(Clock::System.today(), Local::now().date_naive());
    }
}
