//! Administrative division codes (GB/T 2260 and the statistical 12-digit extension).
//!
//! 2 province + 2 city + 2 county + 3 township + 3 village digits. We keep a code in its
//! *canonical* form: only the digits of its own level (`36`, `3607`, `360733`, `360733100`,
//! `360733100201`), so a code's prefixes are exactly its ancestors and a scope check is a
//! prefix test. Padded forms (`360000`, `360733000000`) are accepted on input.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::id_number::normalize_width;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Village,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
            Level::Township => "乡级",
            Level::Village => "村级",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionError {
    #[error("区划代码为空")]
    Empty,
    #[error("区划代码“{0}”应为 2、4、6、9 或 12 位数字")]
    Malformed(String),
}

impl DivisionCode {
    pub fn parse(raw: &str) -> Result<DivisionCode, DivisionError> {
        let s = normalize_width(raw);
        // Excel often hands over a code as a float: 360733.0
        let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
        if s.is_empty() {
            return Err(DivisionError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) || ![2, 4, 6, 9, 12].contains(&s.len()) {
            return Err(DivisionError::Malformed(s));
        }
        let mut canon = s.as_str();
        // Strip zero-padding level by level: 360733000000 -> 360733, 360000 -> 36.
        loop {
            let shorter = match canon.len() {
                12 if canon.ends_with("000") => &canon[..9],
                9 if canon.ends_with("000") => &canon[..6],
                6 if canon.ends_with("00") => &canon[..4],
                4 if canon.ends_with("00") => &canon[..2],
                _ => break,
            };
            canon = shorter;
        }
        if canon == "00" {
            return Err(DivisionError::Malformed(s));
        }
        Ok(DivisionCode(canon.to_string()))
    }

    /// For codes already known to be canonical (e.g. read back from the database).
    pub fn from_canonical(s: impl Into<String>) -> DivisionCode {
        DivisionCode(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        match self.0.len() {
            2 => Level::Province,
            4 => Level::City,
            6 => Level::County,
            9 => Level::Township,
            _ => Level::Village,
        }
    }

    pub fn parent(&self) -> Option<DivisionCode> {
        let len = match self.0.len() {
            4 => 2,
            6 => 4,
            9 => 6,
            12 => 9,
            _ => return None,
        };
        Some(DivisionCode(self.0[..len].to_string()))
    }

    /// Whether `other` lies inside this division (or is it).
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The 12-digit statistical form, zero-padded.
    pub fn padded12(&self) -> String {
        format!("{:0<12}", self.0)
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DivisionError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_codes_are_reduced_to_their_level() {
        assert_eq!(DivisionCode::parse("360000").unwrap().as_str(), "36");
        assert_eq!(DivisionCode::parse("360700").unwrap().as_str(), "3607");
        assert_eq!(DivisionCode::parse("360733").unwrap().as_str(), "360733");
        assert_eq!(DivisionCode::parse("360733000000").unwrap().as_str(), "360733");
        assert_eq!(DivisionCode::parse("360733100000").unwrap().as_str(), "360733100");
        assert_eq!(DivisionCode::parse("360733100201").unwrap().as_str(), "360733100201");
        assert_eq!(DivisionCode::parse("３６０７３３").unwrap().as_str(), "360733");
        assert_eq!(DivisionCode::parse("360733.0").unwrap().as_str(), "360733");
    }

    #[test]
    fn a_scope_contains_exactly_its_descendants() {
        let ganzhou = DivisionCode::parse("3607").unwrap();
        let huichang_town = DivisionCode::parse("360733100").unwrap();
        let nanchang = DivisionCode::parse("360102").unwrap();
        assert!(ganzhou.contains(&huichang_town));
        assert!(!ganzhou.contains(&nanchang));
        assert_eq!(huichang_town.level(), Level::Township);
        assert_eq!(huichang_town.parent().unwrap().as_str(), "360733");
        assert_eq!(huichang_town.padded12(), "360733100000");
    }

    #[test]
    fn malformed_codes_are_rejected_with_the_value() {
        assert_eq!(DivisionCode::parse(""), Err(DivisionError::Empty));
        assert!(DivisionCode::parse("36073").unwrap_err().to_string().contains("36073"));
        assert!(DivisionCode::parse("36a733").is_err());
        assert!(DivisionCode::parse("000000").is_err());
    }
}
