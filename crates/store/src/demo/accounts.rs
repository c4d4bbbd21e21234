//! The demo's payment accounts: most people paid to their own social-security card, some
//! through the 一卡通 passbook of the rural credit cooperative, some through a child's account
//! (代领), and a few with no account yet, so that a run's page and its bank file show every
//! case. Loaded once (skipped when the register already has accounts).

use yiyang_domain::id_number::check_char;
use yiyang_domain::person::account::luhn_ok;

use crate::audit::{Actor, AuditAppend};
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
        Ok(())
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
