//! The time bank (时间银行; 赣府厅发〔2022〕3号 第六章第五节, practice notes in
//! `standards/supervision.md`): volunteers bank the hours of services the receiving person or
//! institution confirms; hours buy services only, never money; they are used by the volunteer
//! or a close relative, transferred to one, or donated (donations go first to people living
//! alone or without family). Accounts follow the person by ID number (通存通兑).
//!
//! Amounts are whole minutes; a claim is half an hour to eight hours, in half hours.

use serde::{Deserialize, Serialize};

coded!(
    /// A ledger entry's kind. Entries are never changed: a mistake is put right by a new one.
    EntryKind {
        Earn = "earn" / "服务存入",
        Redeem = "redeem" / "兑换服务",
        TransferOut = "transfer_out" / "转给亲属",
        TransferIn = "transfer_in" / "亲属转入",
        DonateOut = "donate_out" / "捐赠",
        DonateIn = "donate_in" / "受赠",
    }
);

impl EntryKind {
    /// +1 for hours coming in, -1 for hours going out.
    pub fn sign(self) -> i64 {
        match self {
            EntryKind::Earn | EntryKind::TransferIn | EntryKind::DonateIn => 1,
            EntryKind::Redeem | EntryKind::TransferOut | EntryKind::DonateOut => -1,
        }
    }
}

coded!(
    /// Close relatives (近亲属) who may use or receive a volunteer's hours.
    Relation {
        Own = "self" / "本人",
        Spouse = "spouse" / "配偶",
        Parent = "parent" / "父母",
        ParentInLaw = "parent_in_law" / "配偶的父母",
        Child = "child" / "子女",
        Grandparent = "grandparent" / "祖父母、外祖父母",
        Sibling = "sibling" / "兄弟姐妹",
    }
);

coded!(
    /// A volunteer's claim of a service, waiting for the receiving side to confirm it.
    ClaimStatus {
        Pending = "pending" / "待确认",
        Confirmed = "confirmed" / "已确认存入",
        Refused = "refused" / "未确认",
    }
);

/// The most one claim may hold (a day's service).
pub const CLAIM_MAX_MINUTES: i64 = 8 * 60;

/// Hours as typed ("2", "1.5", "0.5") into minutes: positive whole half hours, at most `max`
/// minutes.
pub fn parse_hours(s: &str, max: i64) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() || whole.len() > 6 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let half = match frac.trim_end_matches('0') {
        "" => 0,
        "5" => 30,
        _ => return None,
    };
    let minutes = whole.parse::<i64>().ok()? * 60 + half;
    (minutes > 0 && minutes <= max).then_some(minutes)
}

/// Minutes shown as hours: "1.5 小时".
pub fn hours_label(minutes: i64) -> String {
    if minutes % 60 == 0 {
        format!("{} 小时", minutes / 60)
    } else {
        format!("{:.1} 小时", minutes as f64 / 60.0)
    }
}

/// Why hours may not come into an account: the cap (a setting, in hours).
pub fn over_cap(balance: i64, incoming: i64, cap_hours: i64) -> bool {
    balance + incoming > cap_hours * 60
}

/// The text of an entry that its chain hash covers, in order (each part is followed by a unit
/// separator when hashed).
#[allow(clippy::too_many_arguments)]
pub fn entry_parts(
    seq: i64,
    at: &str,
    account: &str,
    kind: EntryKind,
    minutes: i64,
    counterparty: &str,
    beneficiary: &str,
    note: &str,
    division: &str,
    recorded_by: &str,
) -> Vec<String> {
    vec![
        seq.to_string(),
        at.to_string(),
        account.to_string(),
        kind.code().to_string(),
        minutes.to_string(),
        counterparty.to_string(),
        beneficiary.to_string(),
        note.to_string(),
        division.to_string(),
        recorded_by.to_string(),
    ]
}

/// The format name of a signed account extract (see `docs/timebank-extract.md`).
pub const EXTRACT_FORMAT: &str = "yiyang-timebank-extract/1";

/// One ledger entry in an extract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractEntry {
    pub seq: i64,
    /// RFC 3339.
    pub at: String,
    pub kind: String,
    pub minutes: i64,
    pub note: String,
    /// The entry's hash in the issuing platform's chain.
    pub hash: String,
}

/// What the signature covers: everything in the extract but the signature, serialised as
/// compact JSON in this field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractBody {
    pub format: String,
    pub issuer: String,
    pub issued_at: String,
    pub id_number: String,
    pub name: String,
    pub balance_minutes: i64,
    pub entries: Vec<ExtractEntry>,
    /// The issuer's Ed25519 public key, hex.
    pub public_key: String,
}

/// A signed extract of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extract {
    #[serde(flatten)]
    pub body: ExtractBody,
    /// Ed25519 signature of the body's compact JSON, hex.
    pub signature: String,
}

/// Why an extract does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("不是时间银行账户摘录：{0}")]
    Format(String),
    #[error("签名不符：摘录被改动过，或不是该公钥签发")]
    Signature,
    #[error("签发公钥与所信任的公钥不同")]
    Untrusted,
    #[error("余额与明细合计不符")]
    Balance,
}

fn body_bytes(body: &ExtractBody) -> Vec<u8> {
    serde_json::to_vec(body).expect("an extract body serialises")
}

/// Signs an extract body with the platform's Ed25519 key (32 secret bytes).
pub fn sign_extract(mut body: ExtractBody, secret: &[u8; 32]) -> Extract {
    use ed25519_dalek::Signer;
    let key = ed25519_dalek::SigningKey::from_bytes(secret);
    body.public_key = hex::encode(key.verifying_key().to_bytes());
    let signature = hex::encode(key.sign(&body_bytes(&body)).to_bytes());
    Extract { body, signature }
}

/// The public key of a secret, hex.
pub fn public_key(secret: &[u8; 32]) -> String {
    hex::encode(ed25519_dalek::SigningKey::from_bytes(secret).verifying_key().to_bytes())
}

/// Verifies an extract's text: its format, its signature under the key it names (and, when
/// `trusted` is given, that this is the key trusted), and that its balance is its entries' sum.
pub fn verify_extract(text: &str, trusted: Option<&str>) -> Result<Extract, ExtractError> {
    let x: Extract = serde_json::from_str(text).map_err(|e| ExtractError::Format(e.to_string()))?;
    if x.body.format != EXTRACT_FORMAT {
        return Err(ExtractError::Format(format!("格式应为 {EXTRACT_FORMAT}")));
    }
    if trusted.is_some_and(|t| !t.eq_ignore_ascii_case(&x.body.public_key)) {
        return Err(ExtractError::Untrusted);
    }
    let key: [u8; 32] = hex::decode(&x.body.public_key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| ExtractError::Format("public_key 须为 32 字节的十六进制".into()))?;
    let sig: [u8; 64] = hex::decode(&x.signature)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| ExtractError::Format("signature 须为 64 字节的十六进制".into()))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| ExtractError::Signature)?;
    key.verify_strict(&body_bytes(&x.body), &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| ExtractError::Signature)?;
    let sum: i64 = x
        .body
        .entries
        .iter()
        .map(|e| EntryKind::parse(&e.kind).map_or(0, |k| k.sign() * e.minutes))
        .sum();
    if sum != x.body.balance_minutes {
        return Err(ExtractError::Balance);
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_whole_half_hours_within_the_limit() {
        assert_eq!(parse_hours("2", CLAIM_MAX_MINUTES), Some(120));
        assert_eq!(parse_hours("1.5", CLAIM_MAX_MINUTES), Some(90));
        assert_eq!(parse_hours("0.50", CLAIM_MAX_MINUTES), Some(30));
        assert_eq!(parse_hours("8", CLAIM_MAX_MINUTES), Some(480));
        for bad in ["0", "8.5", "1.25", "-1", "", "1e3", "abc", ".5", "1.5.5"] {
            assert_eq!(parse_hours(bad, CLAIM_MAX_MINUTES), None, "{bad}");
        }
        assert_eq!(hours_label(90), "1.5 小时");
        assert_eq!(hours_label(120), "2 小时");
    }

    #[test]
    fn the_cap_counts_what_comes_in() {
        assert!(!over_cap(1499 * 60, 60, 1500));
        assert!(over_cap(1499 * 60, 90, 1500));
    }

    fn body() -> ExtractBody {
        ExtractBody {
            format: EXTRACT_FORMAT.into(),
            issuer: "会昌县".into(),
            issued_at: "2026-12-01T08:00:00Z".into(),
            id_number: "360733195001010011".into(),
            name: "张三".into(),
            balance_minutes: 90,
            entries: vec![
                ExtractEntry {
                    seq: 1,
                    at: "2026-11-01T08:00:00Z".into(),
                    kind: "earn".into(),
                    minutes: 120,
                    note: "陪护".into(),
                    hash: "ab".into(),
                },
                ExtractEntry {
                    seq: 7,
                    at: "2026-11-20T08:00:00Z".into(),
                    kind: "redeem".into(),
                    minutes: 30,
                    note: "助浴".into(),
                    hash: "cd".into(),
                },
            ],
            public_key: String::new(),
        }
    }

    #[test]
    fn an_extract_verifies_and_any_change_breaks_it() {
        let secret = [7u8; 32];
        let x = sign_extract(body(), &secret);
        let text = serde_json::to_string_pretty(&x).unwrap();
        assert_eq!(verify_extract(&text, None).unwrap(), x);
        assert_eq!(verify_extract(&text, Some(&public_key(&secret))).unwrap(), x);
        assert_eq!(
            verify_extract(&text, Some(&public_key(&[8u8; 32]))),
            Err(ExtractError::Untrusted)
        );
        let changed = text.replace("\"minutes\": 30", "\"minutes\": 3");
        assert_ne!(changed, text);
        assert_eq!(verify_extract(&changed, None), Err(ExtractError::Signature));
        // Signed, but its balance is not its entries' sum.
        let mut b = body();
        b.balance_minutes = 100;
        let wrong = serde_json::to_string(&sign_extract(b, &secret)).unwrap();
        assert_eq!(verify_extract(&wrong, None), Err(ExtractError::Balance));
        assert!(matches!(verify_extract("{}", None), Err(ExtractError::Format(_))));
    }
}
