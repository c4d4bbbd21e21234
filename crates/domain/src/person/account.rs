//! A person's payment account (发放账户): where a benefit is paid. Subsidies reach older
//! people through the social-security card's financial account (社会保障卡) or through the
//! account of 惠民惠农财政补贴资金“一卡通”; someone who cannot hold an account is paid through
//! an agent's (代领人: a child, a guardian), whose name and ID number the bank checks against
//! the account.
//!
//! Checked once, here: the account number is digits only; a bank card number (16 to 19 digits
//! beginning with 62, the 银联 range every social-security card and most debit cards are issued
//! in) must pass its check digit (ISO/IEC 7812, the Luhn formula); other account numbers (a
//! passbook, a rural credit cooperative's 一本通) have no check digit anyone can compute, so only
//! their form is checked.

use serde::{Deserialize, Serialize};

use crate::id_number::{normalize_width, IdNumber};
use crate::person::FieldError;
use crate::text::{too_long, visible};

/// The channel a benefit is paid through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountChannel {
    /// 社会保障卡（金融账户）.
    SocialSecurityCard,
    /// 惠民惠农财政补贴资金“一卡通”.
    OneCard,
}

impl AccountChannel {
    pub const ALL: [AccountChannel; 2] = [AccountChannel::SocialSecurityCard, AccountChannel::OneCard];

    pub fn code(self) -> &'static str {
        match self {
            AccountChannel::SocialSecurityCard => "sscard",
            AccountChannel::OneCard => "yikatong",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountChannel::SocialSecurityCard => "社会保障卡",
            AccountChannel::OneCard => "惠民惠农“一卡通”",
        }
    }

    /// From a stored code, or from what a form or file says (the code or the label's words).
    pub fn parse(raw: &str) -> Option<AccountChannel> {
        let s = normalize_width(raw.trim());
        match s.as_str() {
            "sscard" | "社会保障卡" | "社保卡" | "社会保障卡（金融账户）" => {
                Some(AccountChannel::SocialSecurityCard)
            }
            "yikatong" | "一卡通" | "惠民惠农“一卡通”" | "惠民惠农一卡通" => {
                Some(AccountChannel::OneCard)
            }
            _ => None,
        }
    }
}

/// An account number: ASCII digits, 8 to 30 of them, and a bank card's check digit right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber(String);

impl AccountNumber {
    /// Spaces and hyphens people type between groups of digits are taken out; full-width
    /// digits are read as digits.
    pub fn parse(raw: &str) -> Result<AccountNumber, String> {
        let s: String = normalize_width(raw)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if s.is_empty() {
            return Err("账号为空".into());
        }
        if s.contains(['E', 'e']) && s.chars().any(|c| c == '.' || c == '+') {
            return Err(format!(
                "账号被 Excel 转成了科学计数法（{s}），原号码已丢失，请把该列设为文本后重新录入"
            ));
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err("账号只能是数字".into());
        }
        if !(8..=30).contains(&s.len()) {
            return Err(format!("账号应为 8 至 30 位数字，实际为 {} 位", s.len()));
        }
        if is_card(&s) && !luhn_ok(&s) {
            return Err("银行卡号校验位不对，请核对卡号（可能有一位抄错）".into());
        }
        Ok(AccountNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As pages show it: the first four and last four digits, the rest hidden.
    pub fn masked(&self) -> String {
        mask_account(&self.0)
    }
}

/// Any stored account number masked as `6217 **** 1234`.
pub fn mask_account(s: &str) -> String {
    let n = s.chars().count();
    if n <= 8 {
        return "*".repeat(n);
    }
    let head: String = s.chars().take(4).collect();
    let tail: String = s.chars().skip(n - 4).collect();
    format!("{head} **** {tail}")
}

impl TryFrom<String> for AccountNumber {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        AccountNumber::parse(&s)
    }
}

impl From<AccountNumber> for String {
    fn from(a: AccountNumber) -> String {
        a.0
    }
}

/// A bank card in the 银联 range, whose last digit is a Luhn check digit.
fn is_card(s: &str) -> bool {
    (16..=19).contains(&s.len()) && s.starts_with("62")
}

/// The Luhn formula (ISO/IEC 7812-1, Annex B) over all digits, the check digit included.
pub fn luhn_ok(s: &str) -> bool {
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whose account it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holder {
    /// The older person's own.
    Own,
    /// An agent's (代领人), with the ID number the bank checks and the relation to the person.
    Agent {
        name: String,
        id_number: IdNumber,
        relation: String,
    },
}

/// A payment account as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAccount {
    pub channel: AccountChannel,
    /// 开户银行, as the bank is called (中国农业银行会昌县支行).
    pub bank: String,
    pub number: AccountNumber,
    pub holder: Holder,
}

impl PaymentAccount {
    /// The account holder's name (户名): the person's own, or the agent's.
    pub fn holder_name<'a>(&'a self, person_name: &'a str) -> &'a str {
        match &self.holder {
            Holder::Own => person_name,
            Holder::Agent { name, .. } => name,
        }
    }
}

/// An account as a form or a file gives it, every field as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountInput {
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub bank: String,
    #[serde(default)]
    pub number: String,
    /// The number typed a second time, where a form asks for it (a passbook number has no
    /// check digit to catch a slip); ignored when empty.
    #[serde(default)]
    pub number_again: String,
    /// 户名; empty or the person's own name for the person's own account.
    #[serde(default)]
    pub holder_name: String,
    #[serde(default)]
    pub holder_id_number: String,
    #[serde(default)]
    pub holder_relation: String,
}

/// The label of an account field, for messages.
pub fn account_field_label(field: &str) -> &'static str {
    match field {
        "channel" => "发放渠道",
        "bank" => "开户银行",
        "number" => "账号",
        "number_again" => "再次输入账号",
        "holder_name" => "户名",
        "holder_id_number" => "代领人身份证号",
        "holder_relation" => "代领人与本人关系",
        _ => "账户",
    }
}

impl AccountInput {
    /// The account of the person named `person_name` with ID number `person_id`, or every
    /// field that is wrong, in Chinese.
    pub fn parse(&self, person_name: &str, person_id: &str) -> Result<PaymentAccount, Vec<FieldError>> {
        let mut errors = Vec::new();
        let channel = AccountChannel::parse(&self.channel);
        if channel.is_none() {
            errors.push(FieldError::new(
                "channel",
                "请选择发放渠道：社会保障卡或惠民惠农“一卡通”",
            ));
        }
        let bank = visible(self.bank.trim());
        if bank.is_empty() {
            errors.push(FieldError::new("bank", "请填写开户银行"));
        }
        errors.extend(too_long("bank", "开户银行", &bank, 50));
        let number = AccountNumber::parse(&self.number).map_err(|m| errors.push(FieldError::new("number", m)));
        if let Ok(n) = &number {
            if !self.number_again.trim().is_empty()
                && AccountNumber::parse(&self.number_again).map_or(true, |again| again != *n)
            {
                errors.push(FieldError::new("number_again", "两次输入的账号不一致"));
            }
        }
        let holder_name = visible(self.holder_name.trim());
        let own = holder_name.is_empty() || holder_name == person_name.trim();
        let holder = if own {
            Some(Holder::Own)
        } else {
            errors.extend(too_long("holder_name", "户名", &holder_name, 50));
            let relation = visible(self.holder_relation.trim());
            if relation.is_empty() {
                errors.push(FieldError::new(
                    "holder_relation",
                    "户名不是本人时，请填写代领人与本人的关系",
                ));
            }
            errors.extend(too_long("holder_relation", "代领人与本人关系", &relation, 20));
            match IdNumber::parse(&self.holder_id_number) {
                Ok(id) if id.as_str() == person_id => {
                    errors.push(FieldError::new("holder_id_number", "代领人身份证号与本人相同"));
                    None
                }
                Ok(id) => Some(Holder::Agent {
                    name: holder_name,
                    id_number: id,
                    relation,
                }),
                Err(e) => {
                    errors.push(FieldError::new("holder_id_number", format!("代领人{e}")));
                    None
                }
            }
        };
        match (channel, number, holder) {
            (Some(channel), Ok(number), Some(holder)) if errors.is_empty() => Ok(PaymentAccount {
                channel,
                bank,
                number,
                holder,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::check_char;

    fn with_check(body: &str) -> String {
        format!("{body}{}", check_char(body.as_bytes()))
    }

    fn input(number: &str) -> AccountInput {
        AccountInput {
            channel: "社保卡".into(),
            bank: "中国农业银行会昌县支行".into(),
            number: number.into(),
            ..Default::default()
        }
    }

    /// A 银联 card number with its check digit, from its first digits.
    fn card(body: &str) -> String {
        (0..10).map(|d| format!("{body}{d}")).find(|s| luhn_ok(s)).unwrap()
    }

    #[test]
    fn a_card_number_needs_its_check_digit_and_a_passbook_only_its_form() {
        let good = card("621700123456789012");
        assert_eq!(good.len(), 19);
        let acc = input(&format!(" {} {} ", &good[..4], &good[4..]))
            .parse("张三", "")
            .unwrap();
        assert_eq!(acc.number.as_str(), good);
        assert_eq!(acc.holder, Holder::Own);
        assert_eq!(acc.holder_name("张三"), "张三");
        let mut bad = good.clone().into_bytes();
        bad[5] = if bad[5] == b'9' { b'0' } else { bad[5] + 1 };
        let e = input(std::str::from_utf8(&bad).unwrap()).parse("张三", "").unwrap_err();
        assert!(e[0].message.contains("校验位"), "{e:?}");
        // A rural credit cooperative's passbook account: no check digit to compute.
        assert!(input("14120102000012345").parse("张三", "").is_ok());
        let mut twice = input("14120102000012345");
        twice.number_again = "1412 0102 0000 12346".into();
        assert_eq!(twice.parse("张三", "").unwrap_err()[0].field, "number_again");
        twice.number_again = "1412 0102 0000 12345".into();
        assert!(twice.parse("张三", "").is_ok());
        // Full-width digits as an input method types them.
        assert!(input("１４１２０１０２００００１２３４５").parse("张三", "").is_ok());
        for (raw, words) in [
            ("", "为空"),
            ("6.21701E+18", "科学计数法"),
            ("6217a001", "只能是数字"),
            ("1234567", "8 至 30 位"),
        ] {
            let e = input(raw).parse("张三", "").unwrap_err();
            assert!(
                e.iter().any(|f| f.field == "number" && f.message.contains(words)),
                "{raw}: {e:?}"
            );
        }
    }

    #[test]
    fn an_agent_needs_a_valid_id_number_and_a_relation() {
        let own_id = with_check("36073319400303101");
        let agent_id = with_check("36073319700505202");
        let mut i = input("14120102000012345");
        i.holder_name = "李小红".into();
        let e = i.parse("张三", &own_id).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["holder_relation", "holder_id_number"]);
        i.holder_relation = "女儿".into();
        i.holder_id_number = own_id.clone();
        assert!(i.parse("张三", &own_id).unwrap_err()[0].message.contains("与本人相同"));
        i.holder_id_number = agent_id.clone();
        let acc = i.parse("张三", &own_id).unwrap();
        assert_eq!(acc.holder_name("张三"), "李小红");
        assert!(matches!(acc.holder, Holder::Agent { ref relation, .. } if relation == "女儿"));
        // The person's own name as 户名 is the own account, not an agent.
        i.holder_name = "张三".into();
        assert_eq!(i.parse("张三", &own_id).unwrap().holder, Holder::Own);
    }

    #[test]
    fn every_missing_field_is_named_and_hidden_characters_are_gone() {
        let e = AccountInput::default().parse("张三", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["channel", "bank", "number"]);
        let mut i = input("14120102000012345");
        i.bank = "农商\u{202E}银行".into();
        assert_eq!(i.parse("张三", "").unwrap().bank, "农商银行");
        assert_eq!(mask_account("6217001234567890123"), "6217 **** 0123");
        assert_eq!(AccountChannel::parse("一卡通"), Some(AccountChannel::OneCard));
        assert_eq!(
            AccountChannel::parse(AccountChannel::OneCard.code()),
            Some(AccountChannel::OneCard)
        );
    }
}
