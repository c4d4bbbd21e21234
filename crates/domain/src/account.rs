//! Accounts: a user name is one identity whatever its case ("Shenhe" and "shenhe" once
//! signed the same run as two people), and a password must not be one an attacker tries
//! first.

use crate::person::FieldError;

/// A normalised user name: trimmed, lower case, 2–32 of `a-z 0-9 . _ -`, starting with a
/// letter or digit. Stored and compared in this form only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, FieldError> {
        let s = crate::id_number::normalize_width(raw.trim()).to_lowercase();
        let err = |m: &str| Err(FieldError::new("username", m));
        if s.chars().count() < 2 || s.chars().count() > 32 {
            return err("用户名须为 2–32 个字符");
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return err("用户名只能由字母、数字和 . _ - 组成");
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return err("用户名须以字母或数字开头");
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password accepted. NIST SP 800-63B asks for at least 8; the platform holds
/// the personal data of a province, so it asks for more.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Passwords found at the top of published leak lists (and their Chinese favourites), which
/// a guesser tries first. Compared without regard to case.
const COMMON: &[&str] = &[
    "123456789",
    "1234567890",
    "12345678",
    "123123123",
    "1234567890a",
    "11111111",
    "111111111",
    "1111111111",
    "00000000",
    "000000000",
    "0000000000",
    "88888888",
    "888888888",
    "66666666",
    "666666666",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwertyuiop",
    "qwerty123",
    "qwertyuiop123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "1qaz2wsx3edc",
    "zaq12wsx",
    "abc123456",
    "abcd1234",
    "abcd12345",
    "a123456789",
    "aa123456",
    "a1234567",
    "asdfghjkl",
    "iloveyou",
    "woaini1314",
    "woaini520",
    "5201314520",
    "1314520520",
    "admin123",
    "admin1234",
    "administrator",
    "root1234",
    "welcome1",
    "welcome123",
    "letmein123",
    "987654321",
    "9876543210",
    "147258369",
    "123654789",
    "159357456",
    "321321321",
    "112233445566",
    "yiyang123",
    "yiyang2026",
    "minzheng123",
    "changeme",
    "changeme123",
    "sunshine1",
    "football1",
];

/// Why a password is refused, if it is.
pub fn check_password(password: &str, username: &str) -> Result<(), FieldError> {
    let err = |m: String| Err(FieldError::new("password", m));
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return err(format!("密码至少 {MIN_PASSWORD_CHARS} 位"));
    }
    if chars.len() > 128 {
        return err("密码最多 128 位".into());
    }
    if password.trim().is_empty() || chars.iter().all(|c| *c == chars[0]) {
        return err("密码不能全是空格或同一个字符".into());
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return err("这是最常见的密码之一，很容易被猜中，请换一个".into());
    }
    let name = username.trim().to_lowercase();
    if !name.is_empty() && lower.contains(&name) {
        return err("密码不能包含用户名".into());
    }
    let ascending = chars.windows(2).all(|w| w[1] as u32 == w[0] as u32 + 1);
    if ascending {
        return err("密码不能是连续的字符".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_one_identity_whatever_their_case_or_width() {
        assert_eq!(Username::parse(" Shenhe ").unwrap(), Username::parse("shenhe").unwrap());
        assert_eq!(Username::parse("ＳＨＥＮＨＥ").unwrap().as_str(), "shenhe");
        for bad in ["", "        ", "a", "张三", "a b c", "-lead", &"x".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn short_common_uniform_and_name_based_passwords_are_refused() {
        for bad in [
            "12345678",
            "        ",
            "",
            "1234567890",
            "Password123",
            "aaaaaaaaaaaa",
            "shenhe-2026-x",
            "abcdefghijk",
        ] {
            assert!(check_password(bad, "shenhe").is_err(), "{bad:?}");
        }
        assert!(check_password("yiyang-demo-2026", "shenhe").is_ok());
        assert!(check_password("赣州会昌民政局2026年", "huichang").is_ok());
    }
}
