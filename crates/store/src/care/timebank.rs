//! The time bank's ledger (时间银行): append-only; each entry is chained to the one before by
//! an HMAC-SHA256 under the audit keys (kept outside the database), and the chain's head is
//! checkpointed outside it after every append. [`Store::verify_timebank`] walks the chain and
//! names the first entry altered, removed or inserted. Balances are sums of the ledger, and a
//! signed extract of one account can be verified by another platform (Ed25519).
//! The operations (accounts, claims, redemptions, transfers, donations) are in
//! [`super::timebank_ops`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, SqliteConnection};
use yiyang_domain::care::timebank::{
    entry_parts, sign_extract, EntryKind, Extract, ExtractBody, ExtractEntry, EXTRACT_FORMAT,
};

use crate::audit::keys::AuditKeys;
use crate::audit::{Verification, GENESIS};
use crate::{now, with_pool, Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LedgerEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub account_id: i64,
    /// The account's ID number (`pool:<county>` for a donation pool): what the hash covers.
    pub account: String,
    pub kind: String,
    pub minutes: i64,
    pub counterparty: String,
    pub beneficiary: String,
    pub note: String,
    pub division: String,
    pub recorded_by: String,
    pub prev_hash: String,
    pub hash: String,
    pub key_id: String,
}

impl LedgerEntry {
    pub fn kind_label(&self) -> &'static str {
        EntryKind::parse(&self.kind).map_or("", |k| k.label())
    }
    /// Signed minutes: + in, - out.
    pub fn signed(&self) -> i64 {
        EntryKind::parse(&self.kind).map_or(0, |k| k.sign() * self.minutes)
    }
    fn expected_hash(&self, key: &[u8]) -> String {
        let kind = EntryKind::parse(&self.kind);
        let mut parts = vec![self.prev_hash.clone()];
        parts.extend(entry_parts(
            self.seq,
            &stamp(self.at),
            &self.account,
            kind.unwrap_or(EntryKind::Earn),
            self.minutes,
            &self.counterparty,
            &self.beneficiary,
            &self.note,
            &self.division,
            &self.recorded_by,
        ));
        if kind.is_none() {
            parts.push("unknown kind".into());
        }
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        AuditKeys::mac(key, &refs)
    }
}

/// Instants as the hash covers them (microseconds, UTC).
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The account key the hash covers: its ID number, or `pool:<division>`.
pub(crate) const ACCOUNT_KEY: &str = "COALESCE(a.id_number, 'pool:' || a.division)";

/// One entry to append.
pub(crate) struct NewEntry<'a> {
    pub account_id: i64,
    pub kind: EntryKind,
    pub minutes: i64,
    pub counterparty: &'a str,
    pub beneficiary: &'a str,
    pub note: &'a str,
    pub division: &'a str,
    pub recorded_by: &'a str,
}

/// Appending inside the caller's transaction, so an entry exists exactly when the change it
/// records (a claim confirmed, a transfer) was committed.
pub(crate) trait LedgerAppend {
    async fn append_entry(&mut self, keys: &AuditKeys, e: &NewEntry<'_>) -> Result<i64>;
}

macro_rules! impl_ledger {
    ($conn:ty) => {
        impl LedgerAppend for $conn {
            async fn append_entry(&mut self, keys: &AuditKeys, e: &NewEntry<'_>) -> Result<i64> {
                // Updating the head first takes the write lock (SQLite) or the row lock
                // (PostgreSQL): appenders queue here and the chain never forks.
                let (seq, prev): (i64, String) =
                    sqlx::query_as("UPDATE timebank_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                        .fetch_one(&mut *self)
                        .await?;
                let account: String = sqlx::query_scalar(&format!("SELECT {ACCOUNT_KEY} FROM timebank_accounts a WHERE a.id = $1"))
                    .bind(e.account_id)
                    .fetch_one(&mut *self)
                    .await?;
                let at = now();
                let (kid, key) = keys.current();
                let mut parts = vec![prev.clone()];
                parts.extend(entry_parts(seq, &stamp(at), &account, e.kind, e.minutes, e.counterparty, e.beneficiary, e.note, e.division, e.recorded_by));
                let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
                let hash = AuditKeys::mac(key, &refs);
                sqlx::query("UPDATE timebank_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *self).await?;
                sqlx::query(
                    "INSERT INTO timebank_ledger (seq, at, account_id, kind, minutes, counterparty, beneficiary, note, division, recorded_by, prev_hash, hash, key_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(seq).bind(at).bind(e.account_id).bind(e.kind.code()).bind(e.minutes).bind(e.counterparty)
                .bind(e.beneficiary).bind(e.note).bind(e.division).bind(e.recorded_by).bind(&prev).bind(&hash).bind(kid)
                .execute(&mut *self)
                .await?;
                Ok(seq)
            }
        }
    };
}
impl_ledger!(SqliteConnection);
impl_ledger!(PgConnection);

const ENTRY_COLUMNS: &str =
    "l.seq, l.at, l.account_id, COALESCE(a.id_number, 'pool:' || a.division) AS account, l.kind, l.minutes, \
    l.counterparty, l.beneficiary, l.note, l.division, l.recorded_by, l.prev_hash, l.hash, l.key_id \
    FROM timebank_ledger l JOIN timebank_accounts a ON a.id = l.account_id";

/// `SUM` of signed minutes as a 64-bit integer on both backends.
pub(crate) const BALANCE: &str = "CAST(COALESCE(SUM(CASE WHEN l.kind IN ('earn', 'transfer_in', 'donate_in') THEN l.minutes ELSE -l.minutes END), 0) AS BIGINT)";

impl Store {
    /// Writes a signed checkpoint of the ledger's head outside the database (after each append).
    pub async fn checkpoint_timebank(&self) -> Result<()> {
        let (seq, hash): (i64, String) = with_pool!(self, pool => sqlx::query_as("SELECT seq, hash FROM timebank_head WHERE id = 1").fetch_one(pool).await?);
        if seq > 0 {
            let keys = self.audit_keys();
            keys.write_checkpoint_in(&keys.timebank_checkpoint_file(), seq, &hash)?;
        }
        Ok(())
    }

    /// An account's balance in minutes.
    pub async fn timebank_balance(&self, account: i64) -> Result<i64> {
        let sql = format!("SELECT {BALANCE} FROM timebank_ledger l WHERE l.account_id = $1");
        Ok(with_pool!(self, pool => sqlx::query_scalar(&sql).bind(account).fetch_one(pool).await?))
    }

    /// An account's entries, newest first.
    pub async fn timebank_entries(&self, account: i64, limit: i64) -> Result<Vec<LedgerEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} WHERE l.account_id = $1 ORDER BY l.seq DESC LIMIT $2");
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(account).bind(limit.clamp(1, 10_000)).fetch_all(pool).await?),
        )
    }

    /// Walks the whole ledger in order: each entry must follow the one before (seq, previous
    /// hash), its HMAC must match its content under the key it names, and the signed
    /// checkpoints outside the database must still be there. Names the first entry that does
    /// not fit.
    pub async fn verify_timebank(&self) -> Result<Verification> {
        const PAGE: i64 = 10_000;
        let keys = self.audit_keys();
        let checkpoints = keys.checkpoints_in(&keys.timebank_checkpoint_file())?;
        let mut next_checkpoint = checkpoints.iter().peekable();
        let mut prev = GENESIS.to_string();
        let mut expected = 1i64;
        let broken = |seq: i64, reason: String| Ok(Verification::Broken { seq, reason });
        loop {
            let sql = format!("SELECT {ENTRY_COLUMNS} WHERE l.seq >= $1 ORDER BY l.seq LIMIT $2");
            let page: Vec<LedgerEntry> =
                with_pool!(self, pool => sqlx::query_as(&sql).bind(expected).bind(PAGE).fetch_all(pool).await?);
            let n = page.len() as i64;
            for e in page {
                if e.seq != expected {
                    return broken(expected, format!("第 {expected} 条记录缺失（下一条是第 {} 条）", e.seq));
                }
                if e.prev_hash != prev {
                    return broken(
                        e.seq,
                        format!(
                            "第 {} 条记录的前序哈希与第 {} 条不符：其前有记录被改动、删除或插入",
                            e.seq,
                            e.seq - 1
                        ),
                    );
                }
                let Some(key) = keys.get(&e.key_id) else {
                    return broken(e.seq, format!("第 {} 条记录所用的密钥不在密钥文件中", e.seq));
                };
                if e.expected_hash(key) != e.hash {
                    return broken(
                        e.seq,
                        format!("第 {} 条记录的内容与其签名不符：该记录被改动或伪造", e.seq),
                    );
                }
                while let Some(c) = next_checkpoint.next_if(|c| c.seq <= e.seq) {
                    if c.seq == e.seq && c.hash != e.hash {
                        return broken(
                            e.seq,
                            format!("第 {} 条记录与 {} 的检查点不符：记录被改写过", e.seq, c.at),
                        );
                    }
                }
                prev = e.hash;
                expected += 1;
            }
            if n < PAGE {
                break;
            }
        }
        let entries = expected - 1;
        if let Some(c) = checkpoints.iter().max_by_key(|c| c.seq).filter(|c| c.seq > entries) {
            return broken(
                entries + 1,
                format!(
                    "{} 的检查点记载共 {} 条，数据库中只有 {entries} 条：末尾的记录被删除",
                    c.at, c.seq
                ),
            );
        }
        let head: (i64, String) = with_pool!(self, pool => sqlx::query_as("SELECT seq, hash FROM timebank_head WHERE id = 1").fetch_one(pool).await?);
        if head.0 != entries || (entries > 0 && head.1 != prev) {
            return broken(
                entries + 1,
                format!("账本头记载共 {} 条，与账本的 {entries} 条不符", head.0),
            );
        }
        Ok(Verification::Intact { entries })
    }

    /// A signed extract of one account (its whole ledger), for another platform to verify with
    /// this platform's public key. `issuer` names the platform (e.g. the province).
    pub async fn timebank_extract(&self, account: i64, issuer: &str) -> Result<Extract> {
        let (id_number, name): (Option<String>, String) = with_pool!(self, pool => sqlx::query_as(
            "SELECT id_number, name FROM timebank_accounts WHERE id = $1").bind(account).fetch_one(pool).await?);
        let mut entries = self.timebank_entries(account, 10_000).await?;
        entries.reverse();
        let body = ExtractBody {
            format: EXTRACT_FORMAT.into(),
            issuer: issuer.into(),
            issued_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            id_number: id_number.unwrap_or_default(),
            name,
            balance_minutes: entries.iter().map(LedgerEntry::signed).sum(),
            entries: entries
                .iter()
                .map(|e| ExtractEntry {
                    seq: e.seq,
                    at: stamp(e.at),
                    kind: e.kind.clone(),
                    minutes: e.minutes,
                    note: e.note.clone(),
                    hash: e.hash.clone(),
                })
                .collect(),
            public_key: String::new(),
        };
        Ok(sign_extract(body, &self.audit_keys().timebank_signing_key()?))
    }

    /// This platform's public key for time bank extracts, hex (published for other platforms).
    pub fn timebank_public_key(&self) -> Result<String> {
        Ok(yiyang_domain::care::timebank::public_key(
            &self.audit_keys().timebank_signing_key()?,
        ))
    }
}
