//! Resident identity numbers, GB 11643-1999.
//!
//! 6-digit division code of first registration, 8-digit birth date, 3-digit sequence
//! (odd = male), and a check character computed with ISO 7064 MOD 11-2.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::person::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A resident ID number whose form, check character and birth date are valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

/// Why a string is not a valid resident ID number. Messages are for the people who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("身份证号为空")]
    Empty,
    #[error("身份证号被 Excel 转成了科学计数法（{0}），原号码已丢失，请把该列设为文本后重新录入")]
    ExcelScientific(String),
    #[error("身份证号末尾几位被 Excel 改成了 0（{0}），原号码已丢失，请把该列设为文本后重新录入")]
    ExcelZeroed(String),
    #[error("身份证号应为 18 位，实际为 {0} 位")]
    WrongLength(usize),
    #[error("身份证号前 17 位只能是数字，最后一位只能是数字或 X")]
    BadCharacter,
    #[error("身份证号中的出生日期 {0} 不是有效日期")]
    BadBirthDate(String),
    #[error("身份证号校验码错误：最后一位应为 {expected}，实际为 {actual}")]
    BadCheckDigit { expected: char, actual: char },
}

/// The check character for the first 17 digits (which must be ASCII digits).
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

/// Folds full-width digits and letters to ASCII and trims white space (including U+3000).
pub fn normalize_width(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

impl IdNumber {
    /// Parses what a person or a spreadsheet gave: full-width characters and a lower-case `x`
    /// are normalised; numbers mangled by Excel are recognised and reported as such.
    pub fn parse(raw: &str) -> Result<IdNumber, IdError> {
        let s = normalize_width(raw).to_uppercase();
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if looks_scientific(&s) {
            return Err(IdError::ExcelScientific(s));
        }
        // Excel keeps 15 significant digits; a number like 360733195001010000 or
        // 360733195001010000.0 has lost its last three.
        let digits = s.strip_suffix(".0").unwrap_or(&s);
        if digits.len() == 18 && digits.bytes().all(|b| b.is_ascii_digit()) && digits.ends_with("000") {
            let b = digits.as_bytes();
            if check_char(&b[..17]) != '0' || s.ends_with(".0") {
                return Err(IdError::ExcelZeroed(digits.to_string()));
            }
        }
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(IdError::WrongLength(chars.len()));
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdError::BadCharacter);
        }
        let birth = &s[6..14];
        if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() || &s[6..8] < "18" {
            return Err(IdError::BadBirthDate(birth.to_string()));
        }
        let expected = check_char(&b[..17]);
        let actual = b[17] as char;
        if expected != actual {
            return Err(IdError::BadCheckDigit { expected, actual });
        }
        Ok(IdNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked in parse")
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The 6-digit division code of first registration.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    /// The form shown in lists: first six and last four characters, the rest hidden.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any ID-like string as `360733********0011`.
pub fn mask(s: &str) -> String {
    if s.len() == 18 && s.is_ascii() {
        format!("{}********{}", &s[..6], &s[14..])
    } else {
        "*".repeat(s.chars().count())
    }
}

fn looks_scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once('E') else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(id: IdNumber) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid ID from a 17-digit body, for tests.
    pub fn with_check(body: &str) -> String {
        format!("{body}{}", check_char(body.as_bytes()))
    }

    #[test]
    fn the_standards_known_good_examples_are_accepted() {
        for s in ["11010519491231002X", "34052419800101001X"] {
            let id = IdNumber::parse(s).unwrap();
            assert_eq!(id.as_str(), s);
        }
    }

    #[test]
    fn birth_date_and_sex_are_derived() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        let male = IdNumber::parse(&with_check("36073319500101001")).unwrap();
        assert_eq!(male.sex(), Sex::Male);
        assert_eq!(male.region(), "360733");
    }

    #[test]
    fn an_id_whose_check_digit_is_wrong_is_rejected() {
        let err = IdNumber::parse("110105194912310021").unwrap_err();
        assert_eq!(
            err,
            IdError::BadCheckDigit {
                expected: 'X',
                actual: '1'
            }
        );
        assert!(err.to_string().contains("应为 X"));
    }

    #[test]
    fn full_width_digits_and_lower_case_x_are_normalised() {
        let id = IdNumber::parse("１１０１０５１９４９１２３１００２ｘ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            IdNumber::parse(" 11010519491231002x ").unwrap().as_str(),
            "11010519491231002X"
        );
    }

    #[test]
    fn an_id_turned_into_scientific_notation_by_excel_is_reported_as_such() {
        assert!(matches!(
            IdNumber::parse("3.60733E+17"),
            Err(IdError::ExcelScientific(_))
        ));
        assert!(matches!(
            IdNumber::parse("3.60733195001E+17"),
            Err(IdError::ExcelScientific(_))
        ));
    }

    #[test]
    fn an_id_whose_last_digits_excel_zeroed_is_reported_as_such() {
        assert!(matches!(
            IdNumber::parse("360733195001010000"),
            Err(IdError::ExcelZeroed(_))
        ));
        assert!(matches!(
            IdNumber::parse("360733195001010000.0"),
            Err(IdError::ExcelZeroed(_))
        ));
    }

    #[test]
    fn a_genuine_id_that_ends_in_000_and_checks_is_kept() {
        // Find a body ending in "00" whose check character is '0'.
        let body = (0..1000)
            .map(|n| format!("360733195001{:03}00", n))
            .find(|b| check_char(b.as_bytes()) == '0')
            .unwrap();
        let s = format!("{body}0");
        assert_eq!(IdNumber::parse(&s).unwrap().as_str(), s);
    }

    #[test]
    fn wrong_length_bad_characters_and_impossible_dates_are_rejected() {
        assert_eq!(IdNumber::parse("1101051949"), Err(IdError::WrongLength(10)));
        assert_eq!(IdNumber::parse("11010519491231002Y"), Err(IdError::BadCharacter));
        assert!(matches!(
            IdNumber::parse(&with_check("11010519490231002")),
            Err(IdError::BadBirthDate(_))
        ));
        assert_eq!(IdNumber::parse("  "), Err(IdError::Empty));
    }

    #[test]
    fn lists_show_the_masked_form() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110105********002X");
    }

    proptest::proptest! {
        #[test]
        fn any_valid_body_with_its_check_char_parses(y in 1900u32..2020, m in 1u32..13, d in 1u32..29, seq in 0u32..1000) {
            let body = format!("360733{y:04}{m:02}{d:02}{seq:03}");
            let s = with_check(&body);
            if !(s.ends_with("000")) {
                let id = IdNumber::parse(&s).unwrap();
                proptest::prop_assert_eq!(id.as_str(), s.as_str());
            }
        }
    }
}
