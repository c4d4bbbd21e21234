//! Money as integer fen (分). Never floats.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    /// Yuan with two decimals and no symbol or grouping, for files: `-1234.50`.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// The amount in capitals as a payment voucher writes it (中文大写金额, 《支付结算办法》's
    /// rules): 壹拾 for ten, one 零 for a run of zeros inside the number, 元整 when there are no
    /// 角 or 分, 零 before 分 when 角 is zero: `¥1,409.50` is 壹仟肆佰零玖元伍角, `¥325.04` is
    /// 叁佰贰拾伍元零肆分. A negative amount (a recovery) begins with 负.
    pub fn capital(self) -> String {
        const DIGIT: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
        let abs = self.0.unsigned_abs();
        let (yuan, jiao, fen) = (abs / 100, (abs / 10 % 10) as usize, (abs % 10) as usize);
        let mut out = String::new();
        if self.0 < 0 {
            out.push('负');
        }
        if yuan > 0 {
            out.push_str(&capital_integer(yuan, &DIGIT));
            out.push('元');
        }
        match (jiao, fen) {
            (0, 0) if yuan == 0 => out.push_str("零元整"),
            (0, 0) => out.push('整'),
            _ => {
                if jiao > 0 {
                    out.push(DIGIT[jiao]);
                    out.push('角');
                } else if yuan > 0 {
                    out.push('零');
                }
                if fen > 0 {
                    out.push(DIGIT[fen]);
                    out.push('分');
                }
            }
        }
        out
    }
}

/// A whole number of yuan in capitals: 仟佰拾 inside each group of four digits, 万 and 亿
/// after a group that is not all zeros, one 零 for a run of zeros followed by a digit.
fn capital_integer(n: u64, digit: &[char; 10]) -> String {
    if n >= 100_000_000 {
        let (high, low) = (n / 100_000_000, n % 100_000_000);
        let mut s = capital_integer(high, digit);
        s.push('亿');
        if low > 0 {
            if low < 10_000_000 {
                s.push('零');
            }
            s.push_str(&capital_integer(low, digit));
        }
        return s;
    }
    const UNIT: [&str; 4] = ["", "拾", "佰", "仟"];
    let digits: Vec<usize> = n.to_string().bytes().map(|b| (b - b'0') as usize).collect();
    let mut out = String::new();
    let mut zero = false;
    for (i, &d) in digits.iter().enumerate() {
        let pos = digits.len() - 1 - i;
        if d == 0 {
            zero = true;
        } else {
            if zero {
                out.push('零');
                zero = false;
            }
            out.push(digit[d]);
            out.push_str(UNIT[pos % 4]);
        }
        if pos == 4 && !(n / 10_000).is_multiple_of(10_000) {
            out.push('万');
        }
    }
    out
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, o: Fen) -> Fen {
        Fen(self.0 + o.0)
    }
}

impl AddAssign for Fen {
    fn add_assign(&mut self, o: Fen) {
        self.0 += o.0;
    }
}

impl Mul<i64> for Fen {
    type Output = Fen;
    fn mul(self, n: i64) -> Fen {
        Fen(self.0 * n)
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

/// Shows yuan with two decimals: `¥1,234.50`.
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let yuan = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}¥{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_display_groups_yuan_and_keeps_two_decimals() {
        assert_eq!(Fen(123450).to_string(), "¥1,234.50");
        assert_eq!(Fen(5).to_string(), "¥0.05");
        assert_eq!(Fen(-100_000_000).to_string(), "-¥1,000,000.00");
        assert_eq!(Fen(-5050).plain(), "-50.50");
        assert_eq!(Fen(-5).plain(), "-0.05");
        assert_eq!(Fen(123450).plain(), "1234.50");
    }

    #[test]
    fn capitals_follow_the_voucher_rules() {
        for (fen, words) in [
            (0, "零元整"),
            (1, "壹分"),
            (50, "伍角"),
            (100, "壹元整"),
            (1_000, "壹拾元整"),
            (100_000, "壹仟元整"),
            (140_950, "壹仟肆佰零玖元伍角"),
            (600_714, "陆仟零柒元壹角肆分"),
            (32_504, "叁佰贰拾伍元零肆分"),
            (10_700_053, "壹拾万零柒仟元伍角叁分"),
            (10_001_000, "壹拾万零壹拾元整"),
            (20_500_000, "贰拾万零伍仟元整"),
            (100_000_000, "壹佰万元整"),
            (2_744_790_000, "贰仟柒佰肆拾肆万柒仟玖佰元整"),
            (10_000_000_500, "壹亿零伍元整"),
            (12_000_000_000, "壹亿贰仟万元整"),
            (10_500_000_100, "壹亿零伍佰万零壹元整"),
            (-5_050, "负伍拾元伍角"),
        ] {
            assert_eq!(Fen(fen).capital(), words, "{fen}");
        }
    }

    #[test]
    fn sums_stay_exact() {
        let total: Fen = std::iter::repeat_n(Fen(1), 1_000_001).sum();
        assert_eq!(total, Fen(1_000_001));
        assert_eq!(Fen::from_yuan(50) * 3, Fen(15000));
    }
}
