//! The demo's payment accounts and proofs of life. Accounts: most people paid to their own
//! social-security card, some through the 一卡通 passbook of the rural credit cooperative, some
//! through a child's account (代领), and a few with no account yet, so that a run's page and
//! its bank file show every case. Proofs: the county asks for a sign of life within 12 months
//! (静默认证), and the medical-insurance system's settlements prove it for all but a few, who
//! are held until a township clerk records a check in person. Loaded once.

use yiyang_domain::id_number::check_char;
use yiyang_domain::person::account::luhn_ok;

use crate::audit::{Actor, AuditAppend};
use crate::benefits::hold::PROOF_SETTING;
use crate::{now, with_pool, Result, Store};

const BANKS: [&str; 3] = [
    "中国农业银行会昌县支行",
    "中国邮政储蓄银行会昌县支行",
    "中国建设银行会昌支行",
];
const ONE_CARD_BANK: &str = "会昌农村商业银行";
const AGENTS: [(&str, &str); 4] = [("女儿", "小红"), ("儿子", "建国"), ("儿子", "志强"), ("女儿", "秀英")];

/// A 19-digit 银联 card number with its check digit, from a person's id.
fn card(id: i64) -> String {
    let body = format!("621799{:012}", 100_000_000_000 + id * 7919);
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|s| luhn_ok(s))
        .expect("one digit of ten passes")
}

impl Store {
    pub(super) async fn load_demo_accounts(&self, county: &str, actor: &Actor) -> Result<()> {
        let have: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM payment_accounts")
            .fetch_one(pool).await?);
        if have > 0 {
            return Ok(());
        }
        let (lo, hi) = crate::scope_range(county);
        let people: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name FROM persons WHERE hukou_division >= $1 AND hukou_division < $2 ORDER BY id")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let at = now();
        let mut n = 0usize;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (i, (id, name)) in people.iter().enumerate() {
                // One in 25 has no account yet.
                if i % 25 == 7 {
                    continue;
                }
                let one_card = i % 4 == 1;
                let (channel, bank, number) = if one_card {
                    ("yikatong", ONE_CARD_BANK.to_string(), format!("1412010{:010}", 3_000_000 + id))
                } else {
                    ("sscard", BANKS[i % BANKS.len()].to_string(), card(*id))
                };
                // One in 12 is paid through a child's account.
                let (holder, holder_id, relation) = if i % 12 == 5 {
                    let (relation, given) = AGENTS[i % AGENTS.len()];
                    let surname: String = name.chars().take(1).collect();
                    let body = format!("3607331972{:02}{:02}{:03}", 1 + i % 12, 1 + i % 28, 100 + i % 800);
                    let idn = format!("{body}{}", check_char(body.as_bytes()));
                    (format!("{surname}{given}"), Some(idn), Some(relation.to_string()))
                } else {
                    (name.clone(), None, None)
                };
                sqlx::query(
                    "INSERT INTO payment_accounts (person_id, channel, bank, account_number, holder_name, holder_id_number, \
                     holder_relation, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(id).bind(channel).bind(&bank).bind(&number).bind(&holder).bind(&holder_id)
                    .bind(&relation).bind(&actor.name).bind(at).execute(&mut *tx).await?;
                n += 1;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("set_account", "person", "demo",
                serde_json::json!({"accounts": n, "county": county}))).await?;
            tx.commit().await?;
        });
        self.load_demo_life_checks(county, &people, actor).await
    }

    /// The medical-insurance system's settlements as proofs of life, for all but one in 60, and
    /// the county's 12-month window.
    async fn load_demo_life_checks(&self, county: &str, people: &[(i64, String)], actor: &Actor) -> Result<()> {
        let today = self.clock.today();
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (i, (id, _)) in people.iter().enumerate() {
                if i % 60 == 13 {
                    continue;
                }
                let on = today - chrono::Days::new((i as u64 * 37) % 300);
                sqlx::query("INSERT INTO life_checks (person_id, checked_on, method, note, recorded_by, recorded_at) \
                             VALUES ($1, $2, 'medical_insurance', '医保结算数据比对', $3, $4)")
                    .bind(id).bind(on).bind(&actor.name).bind(at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.set_setting(PROOF_SETTING, county, "12", actor).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiyang_domain::person::account::AccountNumber;

    #[test]
    fn demo_card_numbers_are_cards_a_bank_would_take() {
        for id in [1, 42, 99_999] {
            let c = card(id);
            assert_eq!(c.len(), 19);
            assert!(AccountNumber::parse(&c).is_ok(), "{c}");
        }
        assert!(AccountNumber::parse(&format!("1412010{:010}", 3_000_042)).is_ok());
    }
}
