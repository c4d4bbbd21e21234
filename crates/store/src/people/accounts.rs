//! Payment accounts (发放账户) in the register: read and set within a clerk's area, each change
//! audited with the account masked. A run's approval freezes them (`run_payees`), and the bank
//! file pays what was frozen.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyang_domain::id_number::mask;
use yiyang_domain::person::account::{mask_account, AccountChannel, AccountInput, Holder, PaymentAccount};

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

/// An account as stored, for pages: the number and the agent's ID number in full only for
/// whoever may see them (the page masks them otherwise).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredAccount {
    pub channel: String,
    pub bank: String,
    pub account_number: String,
    pub holder_name: String,
    pub holder_id_number: Option<String>,
    pub holder_relation: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl StoredAccount {
    pub fn channel_label(&self) -> &'static str {
        AccountChannel::parse(&self.channel).map_or("", AccountChannel::label)
    }

    pub fn number_masked(&self) -> String {
        mask_account(&self.account_number)
    }

    pub fn holder_id_masked(&self) -> String {
        self.holder_id_number.as_deref().map(mask).unwrap_or_default()
    }

    /// Whether an agent holds it (代领).
    pub fn by_agent(&self) -> bool {
        self.holder_id_number.is_some()
    }
}

/// Sets a person's account: ($1 person, $2 channel, $3 bank, $4 number, $5 holder, $6 the
/// agent's ID number, $7 relation, $8 by, $9 at).
pub(crate) const UPSERT_ACCOUNT: &str =
    "INSERT INTO payment_accounts (person_id, channel, bank, account_number, holder_name, holder_id_number, \
     holder_relation, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (person_id) DO UPDATE SET channel = excluded.channel, bank = excluded.bank, \
     account_number = excluded.account_number, holder_name = excluded.holder_name, \
     holder_id_number = excluded.holder_id_number, holder_relation = excluded.holder_relation, \
     updated_by = excluded.updated_by, updated_at = excluded.updated_at";

impl Store {
    /// The payment account of a person in `scope`; `NotFound` for a person outside it, as for
    /// an unknown one.
    pub async fn payment_account(&self, person_id: i64, scope: &str) -> Result<Option<StoredAccount>> {
        self.person_in_scope(person_id, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT channel, bank, account_number, holder_name, holder_id_number, holder_relation, updated_by, updated_at \
             FROM payment_accounts WHERE person_id = $1")
            .bind(person_id).fetch_optional(pool).await?))
    }

    /// Sets (or replaces) a person's payment account from what a form or file gave; every wrong
    /// field is named. The audit keeps the masked number before and after.
    pub async fn set_payment_account(
        &self,
        person_id: i64,
        input: &AccountInput,
        scope: &str,
        actor: &Actor,
    ) -> Result<PaymentAccount> {
        let person = self
            .person_in_scope(person_id, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        let account = input
            .parse(&person.record.name, person.record.id_number.as_str())
            .map_err(StoreError::Invalid)?;
        let before = self.payment_account(person_id, scope).await?;
        let (holder_id, relation) = match &account.holder {
            Holder::Own => (None, None),
            Holder::Agent {
                id_number, relation, ..
            } => (Some(id_number.as_str().to_string()), Some(relation.clone())),
        };
        let holder_name = account.holder_name(&person.record.name).to_string();
        // Payment a run held for want of an account is paid by the next run.
        let released = self.first_held_month(person_id).await?;
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(UPSERT_ACCOUNT)
                .bind(person_id).bind(account.channel.code()).bind(&account.bank).bind(account.number.as_str())
                .bind(&holder_name).bind(&holder_id).bind(&relation).bind(&actor.name).bind(at)
                .execute(&mut *tx).await?;
            if let Some(from) = released {
                sqlx::query("INSERT INTO person_changes (person_id, kind, old_value, new_value, effective_on, recorded_at) \
                             VALUES ($1, 'released', 'no_account', NULL, $2, $3)")
                    .bind(person_id).bind(from).bind(at).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("set_account", "person", person_id,
                serde_json::json!({
                    "before": before.as_ref().map(|b| format!("{} {}", b.bank, b.number_masked())),
                    "after": format!("{} {}", account.bank, account.number.masked()),
                    "agent": holder_id.is_some(),
                }))).await?;
            tx.commit().await?;
        });
        Ok(account)
    }
}

/// A living person of an area without a payment account (缺少发放账户名单).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WithoutAccount {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub hukou_division: String,
}

impl Store {
    /// The living people registered in `scope` without an account: the first `limit` by id,
    /// and how many in all.
    pub async fn people_without_account(&self, scope: &str, limit: i64) -> Result<(Vec<WithoutAccount>, i64)> {
        let (lo, hi) = crate::scope_range(scope);
        let filter = "FROM persons p WHERE p.hukou_division >= $1 AND p.hukou_division < $2 AND p.death_date IS NULL \
                      AND NOT EXISTS (SELECT 1 FROM payment_accounts a WHERE a.person_id = p.id)";
        let list_sql = format!("SELECT p.id, p.name, p.id_number, p.hukou_division {filter} ORDER BY p.id LIMIT $3");
        let count_sql = format!("SELECT COUNT(*) {filter}");
        let list =
            with_pool!(self, pool => sqlx::query_as(&list_sql).bind(&lo).bind(&hi).bind(limit).fetch_all(pool).await?);
        let total = with_pool!(self, pool => sqlx::query_scalar(&count_sql).bind(&lo).bind(&hi).fetch_one(pool).await?);
        Ok((list, total))
    }
}
