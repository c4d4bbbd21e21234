//! The audit log: every create, update and delete, and every view of a person's full
//! record, appended with who, when, what and from where. Entries are hash-chained with a key
//! kept outside the database (HMAC-SHA256 over the previous hash and the entry's fields, see
//! [`crate::audit::keys`]), so changing, deleting or inserting a past entry breaks the chain at
//! that point and cannot be papered over by recomputing the hashes; signed checkpoints of the
//! head, also outside the database, reveal a cut tail. `verify` finds both.

pub mod keys;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, SqliteConnection};

use crate::audit::keys::AuditKeys;
use crate::{now, with_pool, Result, Store};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is being recorded. `channel` is `web`, `api` or `cli`; `source` is the client
/// address for web and API calls and `user@host` for the CLI.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub actor: String,
    pub channel: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: serde_json::Value,
    pub source: String,
    /// The acting account's division ('' for the platform and the operating system).
    pub actor_scope: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub channel: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
    pub source: String,
    pub prev_hash: String,
    pub hash: String,
    /// The key the hash was made with; `None` for entries written before the chain was keyed.
    pub key_id: Option<String>,
    /// The acting account's division: each level reads the part of the log its own people wrote.
    pub actor_scope: String,
}

/// Who acts: carried from the web session or the CLI into every audited store call.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub channel: &'static str,
    pub source: String,
    /// The account's division ('' for the platform and the operating system).
    pub scope: String,
}

impl Actor {
    pub fn entry(&self, action: &str, entity: &str, entity_id: impl ToString, detail: serde_json::Value) -> AuditEntry {
        AuditEntry {
            actor: self.name.clone(),
            channel: self.channel.to_string(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            detail,
            source: self.source.clone(),
            actor_scope: self.scope.clone(),
        }
    }
}

/// The entry's hash: HMAC-SHA256 under `key`, or plain SHA-256 for entries written before
/// the chain was keyed.
#[allow(clippy::too_many_arguments)]
fn chain_hash(
    key: Option<&[u8]>,
    prev: &str,
    seq: i64,
    at: &DateTime<Utc>,
    actor: &str,
    channel: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: &str,
    source: &str,
    actor_scope: &str,
) -> String {
    let seq = seq.to_string();
    let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let parts = [
        prev, &seq, &at, actor, channel, action, entity, entity_id, detail, source,
    ];
    match key {
        // Keyed entries also seal the acting account's division, which decides who reads them.
        Some(key) => {
            let mut keyed = parts.to_vec();
            keyed.push(actor_scope);
            AuditKeys::mac(key, &keyed)
        }
        None => {
            let mut h = Sha256::new();
            for part in parts {
                h.update(part.as_bytes());
                h.update([0x1f]);
            }
            hex::encode(h.finalize())
        }
    }
}

impl AuditRecord {
    fn expected_hash(&self, key: Option<&[u8]>) -> String {
        chain_hash(
            key,
            &self.prev_hash,
            self.seq,
            &self.at,
            &self.actor,
            &self.channel,
            &self.action,
            &self.entity,
            &self.entity_id,
            &self.detail,
            &self.source,
            &self.actor_scope,
        )
    }
}

/// The hash a forger computes for `r` with a key of their own (or none): for the tests that
/// show such a chain is refused.
#[cfg(feature = "testing")]
pub(crate) fn forged_hash(r: &AuditRecord, key: Option<&[u8]>) -> String {
    r.expected_hash(key)
}

/// Appending inside the caller's transaction, so an entry exists exactly when the change
/// it records was committed.
pub(crate) trait AuditAppend {
    async fn append_audit(&mut self, keys: &AuditKeys, e: &AuditEntry) -> Result<i64>;
}

macro_rules! impl_append {
    ($conn:ty) => {
        impl AuditAppend for $conn {
            async fn append_audit(&mut self, keys: &AuditKeys, e: &AuditEntry) -> Result<i64> {
                // Updating the head first takes the write lock (SQLite) or the row lock
                // (PostgreSQL): concurrent appenders queue here and the chain never forks.
                let (seq, prev): (i64, String) =
                    sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                        .fetch_one(&mut *self)
                        .await?;
                let at = now();
                let detail = e.detail.to_string();
                let (kid, key) = keys.current();
                let hash = chain_hash(Some(key), &prev, seq, &at, &e.actor, &e.channel, &e.action, &e.entity, &e.entity_id, &detail, &e.source, &e.actor_scope);
                sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *self).await?;
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, channel, action, entity, entity_id, detail, source, prev_hash, hash, key_id, actor_scope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(seq).bind(at).bind(&e.actor).bind(&e.channel).bind(&e.action).bind(&e.entity)
                .bind(&e.entity_id).bind(&detail).bind(&e.source).bind(&prev).bind(&hash).bind(kid).bind(&e.actor_scope)
                .execute(&mut *self)
                .await?;
                Ok(seq)
            }
        }
    };
}
impl_append!(SqliteConnection);
impl_append!(PgConnection);

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verification {
    Intact { entries: i64 },
    Broken { seq: i64, reason: String },
}

impl Store {
    /// Writes a signed checkpoint of the chain's head (as committed) outside the database, if
    /// it moved since the last one. The server does this every few seconds, the CLI after each
    /// command; entries after the last checkpoint are protected by the key alone.
    pub async fn checkpoint_audit(&self) -> Result<Option<crate::audit::keys::Checkpoint>> {
        let (seq, hash): (i64, String) = with_pool!(self, pool => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?);
        if seq == 0 {
            return Ok(None);
        }
        let keys = self.audit_keys();
        keys.write_checkpoint(seq, &hash)?;
        Ok(keys.checkpoints()?.pop())
    }

    /// The newest checkpoint, for publication.
    pub fn latest_audit_checkpoint(&self) -> Result<Option<crate::audit::keys::Checkpoint>> {
        Ok(self.audit_keys().checkpoints()?.pop())
    }

    /// Starts keying new entries with a fresh key (the old ones stay for verification).
    pub fn rotate_audit_key(&self) -> Result<String> {
        let current = self.audit_keys();
        let dir = current
            .key_file
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let stem = current
            .key_file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".audit-keys"))
            .unwrap_or("yiyang")
            .to_string();
        let mut keys = AuditKeys::load_or_create(&dir, &stem)?;
        let kid = keys.rotate()?;
        *self.audit_keys.write().expect("audit keys lock") = std::sync::Arc::new(keys);
        Ok(kid)
    }

    pub(crate) fn audit_keys(&self) -> std::sync::Arc<AuditKeys> {
        self.audit_keys.read().expect("audit keys lock").clone()
    }

    /// Appends one entry in its own transaction.
    pub async fn audit(&self, e: &AuditEntry) -> Result<i64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let seq = (*tx).append_audit(&self.audit_keys(), e).await?;
            tx.commit().await?;
            Ok(seq)
        })
    }

    /// Newest first, optionally for one entity.
    pub async fn audit_entries(
        &self,
        entity: Option<(&str, &str)>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRecord>> {
        let (sql, e, id) = match entity {
            Some((e, id)) => (
                "SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT $3 OFFSET $4",
                e,
                id,
            ),
            None => (
                "SELECT * FROM audit_log WHERE $1 = $1 AND $2 = $2 ORDER BY seq DESC LIMIT $3 OFFSET $4",
                "",
                "",
            ),
        };
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(e).bind(id).bind(limit).bind(offset).fetch_all(pool).await?),
        )
    }

    /// Newest first, the entries written by accounts inside `scope` (a county sees what its
    /// own and its townships' people did; the province sees all of its counties).
    pub async fn audit_entries_in(&self, scope: &str, limit: i64, offset: i64) -> Result<Vec<AuditRecord>> {
        let (lo, hi) = crate::scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM audit_log WHERE actor_scope >= $1 AND actor_scope < $2 ORDER BY seq DESC LIMIT $3 OFFSET $4")
            .bind(&lo).bind(&hi).bind(limit).bind(offset.max(0)).fetch_all(pool).await?))
    }

    /// Walks the whole chain in order and reports the first entry that does not fit, then
    /// checks it against the signed checkpoints kept outside the database.
    pub async fn verify_audit(&self) -> Result<Verification> {
        const PAGE: i64 = 10_000;
        let keys = self.audit_keys();
        let checkpoints = keys.checkpoints()?;
        let mut next_checkpoint = checkpoints.iter().peekable();
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1i64;
        // Entries from before the chain was keyed are accepted only before the first keyed
        // one: an unkeyed entry after it is someone recomputing hashes without the key.
        let mut keyed_seen = false;
        loop {
            let page: Vec<AuditRecord> = with_pool!(self, pool =>
                sqlx::query_as("SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2")
                    .bind(expected_seq).bind(PAGE).fetch_all(pool).await?);
            let n = page.len() as i64;
            for r in page {
                if r.seq != expected_seq {
                    return Ok(Verification::Broken {
                        seq: expected_seq,
                        reason: format!("第 {expected_seq} 条记录缺失（下一条是第 {} 条）", r.seq),
                    });
                }
                if r.prev_hash != prev {
                    return Ok(Verification::Broken {
                        seq: r.seq,
                        reason: format!(
                            "第 {} 条记录的前序哈希与第 {} 条不符：其前有记录被改动或删除",
                            r.seq,
                            r.seq - 1
                        ),
                    });
                }
                let key = match r.key_id.as_deref() {
                    None if keyed_seen => {
                        return Ok(Verification::Broken {
                            seq: r.seq,
                            reason: format!("第 {} 条记录没有密钥签名：该记录被改写过", r.seq),
                        })
                    }
                    None => None,
                    Some(kid) => match keys.get(kid) {
                        Some(k) => {
                            keyed_seen = true;
                            Some(k)
                        }
                        None => {
                            return Ok(Verification::Broken {
                                seq: r.seq,
                                reason: format!("第 {} 条记录所用的密钥 {kid} 不在密钥文件中", r.seq),
                            })
                        }
                    },
                };
                if r.expected_hash(key) != r.hash {
                    return Ok(Verification::Broken {
                        seq: r.seq,
                        reason: format!("第 {} 条记录的内容与其哈希不符：该记录被改动过", r.seq),
                    });
                }
                while let Some(c) = next_checkpoint.next_if(|c| c.seq <= r.seq) {
                    if c.seq == r.seq && c.hash != r.hash {
                        return Ok(Verification::Broken {
                            seq: r.seq,
                            reason: format!("第 {} 条记录与 {} 的检查点不符：其后的记录被改写过", r.seq, c.at),
                        });
                    }
                }
                prev = r.hash;
                expected_seq += 1;
            }
            if n < PAGE {
                break;
            }
        }
        if let Some(c) = checkpoints
            .iter()
            .max_by_key(|c| c.seq)
            .filter(|c| c.seq > expected_seq - 1)
        {
            return Ok(Verification::Broken {
                seq: expected_seq,
                reason: format!(
                    "{} 的检查点记载共 {} 条，数据库中只有 {} 条：末尾的记录被删除",
                    c.at,
                    c.seq,
                    expected_seq - 1
                ),
            });
        }
        let (head_seq, head_hash): (i64, String) = with_pool!(self, pool => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?);
        if head_seq != expected_seq - 1 || head_hash != prev {
            return Ok(Verification::Broken {
                seq: expected_seq,
                reason: format!(
                    "链头记载共 {head_seq} 条，实有 {} 条：末尾的记录被删除或改动",
                    expected_seq - 1
                ),
            });
        }
        Ok(Verification::Intact {
            entries: expected_seq - 1,
        })
    }
}
