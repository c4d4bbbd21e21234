//! One row of the benchmark's `elders.csv` (see `../shared/bench/monthly-benefits.md`):
//! validated in the specified order and turned into [`Facts`], working on raw bytes because
//! `benefits simulate` reads millions of rows a second. Values are taken literally.

use super::facts::{Facts, Flag};
use crate::dates::Month;
use chrono::Datelike;

/// Column names, in the order [`check_row`] expects its fields.
pub const COLUMNS: [&str; 13] = [
    "person_id",
    "name",
    "sex",
    "birth_date",
    "county_code",
    "hukou",
    "econ_hardship",
    "tekun",
    "disability_nursing",
    "capability_level",
    "residence",
    "institution_id",
    "death_date",
];

const ID: usize = 0;
const SEX: usize = 2;
const BIRTH: usize = 3;
const COUNTY: usize = 4;
const HUKOU: usize = 5;
const ECON: usize = 6;
const TEKUN: usize = 7;
const DISABILITY_NURSING: usize = 8;
const LEVEL: usize = 9;
const RESIDENCE: usize = 10;
const INSTITUTION: usize = 11;
const DEATH: usize = 12;

/// Why a row cannot be evaluated; the order is the order of the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reject {
    BadId,
    BadCheckDigit,
    BadDate,
    BirthMismatch,
    SexMismatch,
    BadCapabilityLevel,
    BadCode,
    MissingInstitution,
}

impl Reject {
    pub const ALL: [Reject; 8] = [
        Reject::BadId,
        Reject::BadCheckDigit,
        Reject::BadDate,
        Reject::BirthMismatch,
        Reject::SexMismatch,
        Reject::BadCapabilityLevel,
        Reject::BadCode,
        Reject::MissingInstitution,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reject::BadId => "bad_id",
            Reject::BadCheckDigit => "bad_check_digit",
            Reject::BadDate => "bad_date",
            Reject::BirthMismatch => "birth_mismatch",
            Reject::SexMismatch => "sex_mismatch",
            Reject::BadCapabilityLevel => "bad_capability_level",
            Reject::BadCode => "bad_code",
            Reject::MissingInstitution => "missing_institution",
        }
    }
}

/// Maps the header's columns to [`COLUMNS`] order: `map[i]` is the position of `COLUMNS[i]`.
pub fn column_map(header: &[&str]) -> Result<[usize; 13], String> {
    let mut map = [0usize; 13];
    for (i, col) in COLUMNS.iter().enumerate() {
        map[i] = header
            .iter()
            .position(|h| h == col)
            .ok_or_else(|| format!("表头缺少列 `{col}`"))?;
    }
    Ok(map)
}

/// The benefit month's bounds as `yyyymmdd` numbers, for cheap comparison.
#[derive(Clone, Copy, Debug)]
pub struct MonthBounds {
    d0: u32,
    d1_year: i32,
    d1_month_day: u32,
}

impl MonthBounds {
    pub fn new(m: Month) -> MonthBounds {
        let d1 = m.last_day();
        MonthBounds {
            d0: (m.year as u32) * 10000 + m.month * 100 + 1,
            d1_year: d1.year(),
            d1_month_day: d1.month() * 100 + d1.day(),
        }
    }
}

/// A row that passed every check.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    pub facts: Facts,
    /// The 6-digit county code as a number.
    pub county: u32,
    pub institution: &'a [u8],
    /// Alive on the first day of the month (or died during or after it).
    pub payable: bool,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

#[inline]
fn digits(s: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + d as u32;
    }
    Some(n)
}

/// `YYYY-MM-DD` that is a real date (year 1 to 9999) → `yyyymmdd`.
#[inline]
fn date(s: &[u8]) -> Option<u32> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&s[..4])?, digits(&s[5..7])?, digits(&s[8..])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1 && d >= 1 && d <= days).then_some(y * 10000 + m * 100 + d)
}

#[inline]
fn flag(s: &[u8]) -> Option<bool> {
    match s {
        b"0" => Some(false),
        b"1" => Some(true),
        _ => None,
    }
}

/// Checks one row (fields in [`COLUMNS`] order) and derives its facts for the month.
#[inline]
pub fn check_row<'a>(f: &[&'a [u8]; 13], month: &MonthBounds) -> Result<Row<'a>, Reject> {
    let id = f[ID];
    if id.len() != 18 || !id[..17].iter().all(u8::is_ascii_digit) || !(id[17].is_ascii_digit() || id[17] == b'X') {
        return Err(Reject::BadId);
    }
    let sum: u32 = id[..17].iter().zip(WEIGHTS).map(|(b, w)| (b - b'0') as u32 * w).sum();
    if CHECK[(sum % 11) as usize] != id[17] {
        return Err(Reject::BadCheckDigit);
    }
    let birth = date(f[BIRTH]).ok_or(Reject::BadDate)?;
    let death = match f[DEATH] {
        [] => None,
        d => Some(date(d).ok_or(Reject::BadDate)?),
    };
    if digits(&id[6..14]) != Some(birth) {
        return Err(Reject::BirthMismatch);
    }
    let female = id[16] & 1 == 0;
    let sex: &[u8] = if female { b"F" } else { b"M" };
    if f[SEX] != sex {
        return Err(Reject::SexMismatch);
    }
    let level = match f[LEVEL] {
        [] => -1,
        [b @ b'0'..=b'4'] => (b - b'0') as i8,
        _ => return Err(Reject::BadCapabilityLevel),
    };
    let hukou = match f[HUKOU] {
        b"urban" => 0,
        b"rural" => 1,
        _ => return Err(Reject::BadCode),
    };
    let (econ, tekun, dn) = match (flag(f[ECON]), flag(f[TEKUN]), flag(f[DISABILITY_NURSING])) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => return Err(Reject::BadCode),
    };
    let residence = match f[RESIDENCE] {
        b"home" => 0,
        b"public_institution" => 1,
        b"private_institution" => 2,
        _ => return Err(Reject::BadCode),
    };
    let county = match f[COUNTY] {
        c if c.len() == 6 => digits(c).ok_or(Reject::BadCode)?,
        _ => return Err(Reject::BadCode),
    };
    if residence != 0 && f[INSTITUTION].is_empty() {
        return Err(Reject::MissingInstitution);
    }
    let (by, bmd) = ((birth / 10000) as i32, birth % 10000);
    // A 29 February birthday is reached on 1 March in a common year: 0229 > 0228.
    let age = month.d1_year - by - (month.d1_month_day < bmd) as i32;
    let mut facts = Facts {
        age: age.clamp(0, super::facts::MAX_AGE as i32) as u8,
        level,
        sex: female as u8,
        hukou,
        residence,
        ..Facts::default()
    };
    facts.set_flag(Flag::EconHardship, econ);
    facts.set_flag(Flag::Tekun, tekun);
    facts.set_flag(Flag::DisabilityNursing, dn);
    Ok(Row {
        facts,
        county,
        institution: f[INSTITUTION],
        payable: death.is_none_or(|d| d >= month.d0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: [&str; 13] = [
        "360121195701031590",
        "邓忠",
        "M",
        "1957-01-03",
        "360121",
        "rural",
        "0",
        "0",
        "0",
        "0",
        "home",
        "",
        "",
    ];

    fn check(change: &[(usize, &str)], month: &str) -> Result<Row<'static>, Reject> {
        let mut f: [&'static [u8]; 13] = OK.map(str::as_bytes);
        for &(i, v) in change {
            f[i] = Box::leak(v.to_string().into_boxed_str()).as_bytes();
        }
        check_row(&f, &MonthBounds::new(Month::parse(month).unwrap()))
    }

    #[test]
    fn a_good_row_gives_age_on_the_last_day_of_the_month() {
        let r = check(&[], "2025-06").unwrap();
        assert_eq!((r.facts.age, r.county, r.payable), (68, 360121, true));
        assert_eq!(check(&[], "2026-12").unwrap().facts.age, 69);
    }

    #[test]
    fn a_leap_day_birthday_is_reached_on_the_first_of_march() {
        let id = format!(
            "36012119440229159{}",
            crate::id_number::check_char(b"36012119440229159")
        );
        let row = [(ID, id.as_str()), (BIRTH, "1944-02-29")];
        assert_eq!(check(&row, "2025-02").unwrap().facts.age, 80);
        assert_eq!(check(&row, "2025-03").unwrap().facts.age, 81);
        assert_eq!(check(&row, "2024-02").unwrap().facts.age, 80);
    }

    #[test]
    fn each_check_rejects_with_its_reason_in_order() {
        assert_eq!(
            check(&[(ID, "36012119570103159")], "2025-06").unwrap_err(),
            Reject::BadId
        );
        assert_eq!(
            check(&[(ID, "36012119570103159x")], "2025-06").unwrap_err(),
            Reject::BadId
        );
        assert_eq!(
            check(&[(ID, "360121195701031591")], "2025-06").unwrap_err(),
            Reject::BadCheckDigit
        );
        assert_eq!(check(&[(BIRTH, "1957/01/03")], "2025-06").unwrap_err(), Reject::BadDate);
        assert_eq!(check(&[(DEATH, "2025-02-30")], "2025-06").unwrap_err(), Reject::BadDate);
        assert_eq!(
            check(&[(BIRTH, "1957-01-04")], "2025-06").unwrap_err(),
            Reject::BirthMismatch
        );
        assert_eq!(check(&[(SEX, "F")], "2025-06").unwrap_err(), Reject::SexMismatch);
        assert_eq!(check(&[(SEX, "m")], "2025-06").unwrap_err(), Reject::SexMismatch);
        assert_eq!(
            check(&[(LEVEL, "5")], "2025-06").unwrap_err(),
            Reject::BadCapabilityLevel
        );
        assert_eq!(
            check(&[(LEVEL, " 1")], "2025-06").unwrap_err(),
            Reject::BadCapabilityLevel
        );
        assert_eq!(check(&[(HUKOU, "Rural")], "2025-06").unwrap_err(), Reject::BadCode);
        assert_eq!(check(&[(TEKUN, "2")], "2025-06").unwrap_err(), Reject::BadCode);
        assert_eq!(check(&[(COUNTY, "36012")], "2025-06").unwrap_err(), Reject::BadCode);
        assert_eq!(
            check(&[(RESIDENCE, "nursing_home")], "2025-06").unwrap_err(),
            Reject::BadCode
        );
        assert_eq!(
            check(&[(RESIDENCE, "private_institution")], "2025-06").unwrap_err(),
            Reject::MissingInstitution
        );
        // The first failing check wins.
        assert_eq!(
            check(&[(SEX, "F"), (LEVEL, "9")], "2025-06").unwrap_err(),
            Reject::SexMismatch
        );
    }

    #[test]
    fn payment_stops_from_the_month_after_death() {
        assert!(check(&[(DEATH, "2025-06-01")], "2025-06").unwrap().payable);
        assert!(check(&[(DEATH, "2025-07-15")], "2025-06").unwrap().payable);
        assert!(!check(&[(DEATH, "2025-05-31")], "2025-06").unwrap().payable);
    }
}
