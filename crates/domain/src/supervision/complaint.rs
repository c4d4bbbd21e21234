//! Complaints and reports (投诉举报; 赣府厅发〔2022〕3号: "建立养老服务投诉举报受理平台"): what
//! a complaint is about, where it stands, what was found, and whether the complainant was
//! satisfied. A complaint is answered within a setting's working days (the platform's default:
//! 15); an upheld one goes on the institution's credit record and may open a hazard.

use chrono::NaiveDate;

use super::inspection::working_days_between;
use crate::person::FieldError;

coded!(
    ComplaintCategory {
        Service = "service" / "服务质量",
        Fees = "fees" / "收费和押金",
        Safety = "safety" / "安全隐患",
        Abuse = "abuse" / "欺老虐老",
        Fundraising = "fundraising" / "非法集资、会员卡",
        Food = "food" / "饮食卫生",
        Other = "other" / "其他",
    }
);

coded!(
    /// Received → answered (with a finding) → closed once the complainant rated the answer
    /// (or did not within the time to rate).
    ComplaintStatus {
        Received = "received" / "已受理",
        Answered = "answered" / "已答复",
        Closed = "closed" / "已办结",
    }
);

coded!(
    ComplaintFinding {
        Upheld = "upheld" / "查实",
        Partly = "partly" / "部分查实",
        NotUpheld = "not_upheld" / "未查实",
    }
);

coded!(
    Satisfaction {
        Satisfied = "satisfied" / "满意",
        Fair = "fair" / "基本满意",
        Dissatisfied = "dissatisfied" / "不满意",
    }
);

coded!(
    /// How the complaint came in.
    Channel {
        Online = "online" / "网上",
        Phone = "phone" / "电话",
        Visit = "visit" / "来访",
    }
);

impl ComplaintFinding {
    /// Upheld in whole or in part: it goes on the credit record.
    pub fn upheld(self) -> bool {
        matches!(self, ComplaintFinding::Upheld | ComplaintFinding::Partly)
    }
}

/// Whether a complaint received on `received` and not yet answered is overdue on `today`.
pub fn overdue(status: ComplaintStatus, received: NaiveDate, today: NaiveDate, within_working_days: i64) -> bool {
    status == ComplaintStatus::Received && working_days_between(received, today) > within_working_days
}

/// What the institution or provider complained about says of the matter (情况说明), for the
/// county to read before it answers: trimmed, 5 to 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement(String);

impl Statement {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(text: &str) -> Result<Statement, FieldError> {
        let t = text.trim();
        if t.chars().count() < 5 {
            return Err(FieldError::new("statement", "请写明情况说明（至少 5 个字）"));
        }
        if let Some(e) = crate::text::too_long("statement", "情况说明", t, Self::MAX_CHARS) {
            return Err(e);
        }
        Ok(Statement(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A receipt code the complainant keeps to follow the complaint: 12 characters without the
/// ones people misread (0/O, 1/I/L), from 12 random bytes.
pub fn receipt_code(random: [u8; 12]) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    random
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complaint_is_overdue_only_while_unanswered_past_its_working_days() {
        let on: NaiveDate = "2026-11-02".parse().unwrap(); // a Monday
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!overdue(ComplaintStatus::Received, on, d("2026-11-23"), 15));
        assert!(overdue(ComplaintStatus::Received, on, d("2026-11-24"), 15));
        assert!(!overdue(ComplaintStatus::Answered, on, d("2026-12-30"), 15));
    }

    #[test]
    fn receipt_codes_avoid_misread_characters() {
        let c = receipt_code([0, 1, 2, 30, 31, 255, 8, 9, 10, 11, 12, 13]);
        assert_eq!(c.len(), 12);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']), "{c}");
    }

    #[test]
    fn a_statement_is_trimmed_and_kept_within_its_length() {
        assert_eq!(
            Statement::parse("  已联系家属，当日补派服务  ").unwrap().as_str(),
            "已联系家属，当日补派服务"
        );
        let short = Statement::parse(" 已处理 ").unwrap_err();
        assert_eq!(
            (short.field.as_str(), short.message.as_str()),
            ("statement", "请写明情况说明（至少 5 个字）")
        );
        assert!(Statement::parse(&"情".repeat(2000)).is_ok());
        let long = Statement::parse(&"情".repeat(2001)).unwrap_err();
        assert!(long.message.contains("2001"), "{}", long.message);
    }

    #[test]
    fn upheld_in_part_counts_as_upheld() {
        assert!(ComplaintFinding::Partly.upheld() && !ComplaintFinding::NotUpheld.upheld());
        assert_eq!(ComplaintCategory::parse("欺老虐老"), Some(ComplaintCategory::Abuse));
        assert_eq!(ComplaintStatus::parse("open"), None);
    }
}
