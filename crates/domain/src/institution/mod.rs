//! Care institutions: the unified social credit code (GB 32100-2015), kinds, the 公建民营
//! operator rule, the public-institution admission waitlist, and grading (GB/T 37276-2018).
//! Pure: no I/O.

use serde::{Deserialize, Serialize};

mod beds;
mod grading;
mod waitlist;
pub use beds::*;
pub use grading::*;
pub use waitlist::*;

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A unified social credit code (统一社会信用代码, GB 32100-2015): once parsed, valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为18位，实为{0}位")]
    Length(usize),
    #[error("第{position}位“{ch}”不是统一社会信用代码允许的字符（不含 I、O、S、V、Z）")]
    Char { position: usize, ch: char },
    #[error("校验码错误：应为“{expected}”")]
    Check { expected: char },
}

impl CreditCode {
    /// Parses a code; lower-case letters and surrounding spaces are accepted and normalised.
    pub fn parse(raw: &str) -> Result<CreditCode, CreditCodeError> {
        let s: String = crate::id_number::normalize_width(raw).trim().to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length(chars.len()));
        }
        let mut values = [0u32; 18];
        for (i, ch) in chars.iter().enumerate() {
            values[i] = CREDIT_ALPHABET
                .iter()
                .position(|c| *c as char == *ch)
                .ok_or(CreditCodeError::Char {
                    position: i + 1,
                    ch: *ch,
                })? as u32;
        }
        let expected = check_char(&values[..17]);
        if chars[17] != expected {
            return Err(CreditCodeError::Check { expected });
        }
        Ok(CreditCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 3-8: the division code of the registering authority.
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

fn check_char(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let c = (31 - sum % 31) % 31;
    CREDIT_ALPHABET[c as usize] as char
}

/// Ownership and operation (the documents' categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    /// 公办公营.
    Public,
    /// 公建民营: publicly owned, run by an operator.
    PublicPrivate,
    /// 民办非营利.
    PrivateNonprofit,
    /// 民办营利.
    PrivateForprofit,
}

impl InstitutionKind {
    pub const ALL: [InstitutionKind; 4] = [
        InstitutionKind::Public,
        InstitutionKind::PublicPrivate,
        InstitutionKind::PrivateNonprofit,
        InstitutionKind::PrivateForprofit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            InstitutionKind::Public => "public",
            InstitutionKind::PublicPrivate => "public_private",
            InstitutionKind::PrivateNonprofit => "private_nonprofit",
            InstitutionKind::PrivateForprofit => "private_forprofit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InstitutionKind::Public => "公办",
            InstitutionKind::PublicPrivate => "公建民营",
            InstitutionKind::PrivateNonprofit => "民办非营利",
            InstitutionKind::PrivateForprofit => "民办营利",
        }
    }

    pub fn parse(s: &str) -> Option<InstitutionKind> {
        InstitutionKind::ALL
            .into_iter()
            .find(|k| k.code() == s || k.label() == s)
    }

    /// Publicly owned (公办 and 公建民营): the admission waitlist and the operator rule apply.
    pub fn is_public(self) -> bool {
        matches!(self, InstitutionKind::Public | InstitutionKind::PublicPrivate)
    }
}

/// Why an operator assignment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error(
        "不能将县内全部{count}所公办养老机构交由同一运营方“{operator}”运营（会府发〔2021〕7号 第十条；赣府厅发〔2022〕3号 第三章第二节）"
    )]
    WholeCounty { operator: String, count: usize },
}

/// 公建民营: refuses giving `operator` the institution `target` when the operator would then
/// run every public institution of the county (会府发〔2021〕7号 (十): 原则上不得将县内所有公办养老
/// 机构"打包"交由同一家机构或组织运营). `county` lists the county's public institutions as
/// (id, current operator). A county with a single public institution is not covered: the rule
/// is about bundling several.
pub fn check_operator_assignment(
    county: &[(i64, Option<String>)],
    target: i64,
    operator: &str,
) -> Result<(), AssignmentError> {
    if county.len() < 2 {
        return Ok(());
    }
    let all_same = county
        .iter()
        .all(|(id, current)| *id == target || current.as_deref() == Some(operator));
    if all_same {
        return Err(AssignmentError::WholeCounty {
            operator: operator.to_string(),
            count: county.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_check(first17: &str) -> String {
        let values: Vec<u32> = first17
            .chars()
            .map(|c| CREDIT_ALPHABET.iter().position(|x| *x as char == c).unwrap() as u32)
            .collect();
        format!("{first17}{}", check_char(&values))
    }

    #[test]
    fn a_well_formed_credit_code_is_accepted_and_knows_its_division() {
        // A constructed code for a social organisation (5) registered in 会昌县 (360733).
        let code = with_check("52360733MJB123456");
        let c = CreditCode::parse(&code.to_lowercase()).unwrap();
        assert_eq!(c.as_str(), code);
        assert_eq!(c.division(), "360733");
        assert!(
            CreditCode::parse("91350100M000100Y43").is_ok(),
            "the example usually quoted for GB 32100"
        );
    }

    #[test]
    fn a_credit_code_with_a_wrong_check_or_a_forbidden_letter_is_refused() {
        let code = with_check("52360733MJB123456");
        let last = code.chars().last().unwrap();
        let wrong = format!("{}{}", &code[..17], if last == '0' { '1' } else { '0' });
        assert!(matches!(CreditCode::parse(&wrong), Err(CreditCodeError::Check { .. })));
        assert_eq!(
            CreditCode::parse("52360733MJB12345I6"),
            Err(CreditCodeError::Char { position: 17, ch: 'I' })
        );
        assert_eq!(CreditCode::parse("5236"), Err(CreditCodeError::Length(4)));
    }

    #[test]
    fn one_operator_may_not_run_every_public_institution_of_a_county() {
        let county = vec![
            (1, Some("颐康公司".to_string())),
            (2, Some("颐康公司".to_string())),
            (3, None),
        ];
        let err = check_operator_assignment(&county, 3, "颐康公司").unwrap_err();
        assert!(err.to_string().contains("会府发〔2021〕7号"));
        assert!(check_operator_assignment(&county, 3, "安心养老").is_ok());
        // Reassigning one of two to the operator that runs the other is also bundling.
        let two = vec![(1, Some("A".to_string())), (2, Some("B".to_string()))];
        assert!(check_operator_assignment(&two, 2, "A").is_err());
        // A county with one public institution is not bundling.
        assert!(check_operator_assignment(&[(1, None)], 1, "A").is_ok());
    }
}
