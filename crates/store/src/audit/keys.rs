//! What keeps the audit chain honest from outside the database: the keys its hashes are keyed
//! with (HMAC-SHA256), and signed checkpoints of its head. Someone who can write the database
//! but not these files can neither recompute the chain after editing an entry (they lack the
//! key) nor cut its tail unseen (a checkpoint names a count and hash the database must still
//! hold).
//!
//! Both live in the data folder: beside the SQLite file by default, `YIYANG_DATA_DIR` (or
//! `~/.local/share/yiyang`) for PostgreSQL — a production server sets `YIYANG_DATA_DIR` to a
//! folder that is backed up apart from the database. Files are named after the database, so
//! one folder can serve several.
//!
//! - `<db>.audit-keys`: one key a line, `key-id:hex`, the last one in use. Created (0600) with
//!   a fresh random key on first start. `yiyang audit rotate-key` appends a new one; older
//!   entries keep verifying with the key they name.
//! - `<db>.audit-checkpoints`: one line per checkpoint, `seq hash time key-id mac`, appended
//!   by the server every few seconds when the head moved, and by every CLI command that wrote.

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug)]
pub struct AuditKeys {
    keys: Vec<(String, Vec<u8>)>,
    pub key_file: PathBuf,
    pub checkpoint_file: PathBuf,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::File(format!("{what} {}：{e}", path.display()))
}

/// The data folder and the file stem for a database URL.
pub fn data_location(url: &str) -> (PathBuf, String) {
    let configured = std::env::var_os("YIYANG_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = Path::new(path.split('?').next().unwrap_or(path));
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("yiyang")
            .to_string();
        let dir = configured.unwrap_or_else(|| match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        });
        return (dir, stem);
    }
    // postgres://user@host:port/dbname?params
    let db = url
        .rsplit('/')
        .next()
        .unwrap_or("yiyang")
        .split('?')
        .next()
        .unwrap_or("yiyang");
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|h| h.rsplit('@').next().unwrap_or(h).replace(':', "_"))
        .unwrap_or_default();
    let dir = configured.unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".local/share/yiyang"))
            .unwrap_or_else(|| PathBuf::from("yiyang-data"))
    });
    (dir, format!("{host}-{db}"))
}

fn key_id(key: &[u8]) -> String {
    hex::encode(&Sha256::digest(key)[..4])
}

impl AuditKeys {
    /// Reads the key file, creating it with one fresh key when it does not exist.
    pub fn load_or_create(dir: &Path, stem: &str) -> Result<AuditKeys> {
        let key_file = dir.join(format!("{stem}.audit-keys"));
        let checkpoint_file = dir.join(format!("{stem}.audit-checkpoints"));
        if !key_file.exists() {
            std::fs::create_dir_all(dir).map_err(|e| io("无法创建数据目录", dir, e))?;
            let mut keys = AuditKeys {
                keys: Vec::new(),
                key_file,
                checkpoint_file,
            };
            keys.rotate()?;
            return Ok(keys);
        }
        let text = std::fs::read_to_string(&key_file).map_err(|e| io("无法读取审计密钥文件", &key_file, e))?;
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let bad = || StoreError::File(format!("审计密钥文件 {} 第 {} 行格式有误", key_file.display(), n + 1));
            let (kid, hexkey) = line.trim().split_once(':').ok_or_else(bad)?;
            let key = hex::decode(hexkey).map_err(|_| bad())?;
            if key.len() < 32 || key_id(&key) != kid {
                return Err(bad());
            }
            keys.push((kid.to_string(), key));
        }
        if keys.is_empty() {
            return Err(StoreError::File(format!("审计密钥文件 {} 是空的", key_file.display())));
        }
        Ok(AuditKeys {
            keys,
            key_file,
            checkpoint_file,
        })
    }

    /// Adds a fresh key and makes it the one in use; returns its id.
    pub fn rotate(&mut self) -> Result<String> {
        use rand::RngCore;
        use std::os::unix::fs::OpenOptionsExt;
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let kid = key_id(&key);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.key_file)
            .map_err(|e| io("无法写入审计密钥文件", &self.key_file, e))?;
        writeln!(f, "{kid}:{}", hex::encode(&key)).map_err(|e| io("无法写入审计密钥文件", &self.key_file, e))?;
        f.sync_all()
            .map_err(|e| io("无法写入审计密钥文件", &self.key_file, e))?;
        self.keys.push((kid.clone(), key));
        Ok(kid)
    }

    /// The key in use: (id, key).
    pub fn current(&self) -> (&str, &[u8]) {
        let (k, v) = self.keys.last().expect("at least one key");
        (k, v)
    }

    pub fn get(&self, kid: &str) -> Option<&[u8]> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, v)| v.as_slice())
    }

    /// HMAC-SHA256 of `parts` (each followed by a unit separator) under key `kid`.
    pub fn mac(key: &[u8], parts: &[&str]) -> String {
        let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        for p in parts {
            m.update(p.as_bytes());
            m.update(&[0x1f]);
        }
        hex::encode(m.finalize().into_bytes())
    }

    /// Appends a signed checkpoint of the head `(seq, hash)` unless the last one says the same.
    pub fn write_checkpoint(&self, seq: i64, hash: &str) -> Result<bool> {
        self.write_checkpoint_in(&self.checkpoint_file, seq, hash)
    }

    /// The time bank ledger's checkpoints, beside the audit chain's.
    pub fn timebank_checkpoint_file(&self) -> PathBuf {
        let name = self
            .checkpoint_file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("yiyang.audit-checkpoints")
            .replace(".audit-checkpoints", ".timebank-checkpoints");
        self.checkpoint_file.with_file_name(name)
    }

    /// The platform's Ed25519 key for signing time bank extracts (`<db>.timebank-signing-key`,
    /// created 0600 on first use, kept apart from the database like the audit keys).
    pub fn timebank_signing_key(&self) -> Result<[u8; 32]> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = self
            .key_file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("yiyang.audit-keys")
            .replace(".audit-keys", ".timebank-signing-key");
        let path = self.key_file.with_file_name(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => hex::decode(text.trim())
                .ok()
                .and_then(|k| k.try_into().ok())
                .ok_or_else(|| StoreError::File(format!("时间银行签名密钥文件 {} 格式有误", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                use rand::RngCore;
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                let mut f = std::fs::OpenOptions::new()
                    .create_new(true)
                    .write(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| io("无法写入时间银行签名密钥文件", &path, e))?;
                writeln!(f, "{}", hex::encode(key)).map_err(|e| io("无法写入时间银行签名密钥文件", &path, e))?;
                f.sync_all().map_err(|e| io("无法写入时间银行签名密钥文件", &path, e))?;
                Ok(key)
            }
            Err(e) => Err(io("无法读取时间银行签名密钥文件", &path, e)),
        }
    }

    /// Appends a signed checkpoint of a chain's head to `file`, unless its last one says the same.
    pub fn write_checkpoint_in(&self, file: &Path, seq: i64, hash: &str) -> Result<bool> {
        if self
            .checkpoints_in(file)?
            .last()
            .is_some_and(|c| c.seq == seq && c.hash == hash)
        {
            return Ok(false);
        }
        use std::os::unix::fs::OpenOptionsExt;
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (kid, key) = self.current();
        let mac = Self::mac(key, &[&seq.to_string(), hash, &at]);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(file)
            .map_err(|e| io("无法写入检查点文件", file, e))?;
        // One short line in one write: appends from the server and the CLI do not interleave.
        f.write_all(format!("{seq} {hash} {at} {kid} {mac}\n").as_bytes())
            .map_err(|e| io("无法写入检查点文件", file, e))?;
        Ok(true)
    }

    /// The checkpoints written so far, oldest first. A line whose signature does not verify
    /// is an error naming it: the file was edited.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        self.checkpoints_in(&self.checkpoint_file)
    }

    /// The checkpoints in `file`, oldest first (see [`AuditKeys::checkpoints`]).
    pub fn checkpoints_in(&self, file: &Path) -> Result<Vec<Checkpoint>> {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("无法读取检查点文件", file, e)),
        };
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let bad = |why: &str| StoreError::File(format!("检查点文件 {} 第 {} 行{why}", file.display(), n + 1));
            let f: Vec<&str> = line.split_whitespace().collect();
            let [seq, hash, at, kid, mac] = f.as_slice() else {
                return Err(bad("格式有误"));
            };
            let seq: i64 = seq.parse().map_err(|_| bad("格式有误"))?;
            let key = self.get(kid).ok_or_else(|| bad("所用密钥不在密钥文件中"))?;
            if Self::mac(key, &[&seq.to_string(), hash, at]) != *mac {
                return Err(bad("签名不符：该文件被改动过"));
            }
            out.push(Checkpoint {
                seq,
                hash: hash.to_string(),
                at: at.to_string(),
                line: line.to_string(),
            });
        }
        Ok(out)
    }
}

/// A signed statement that the chain had `seq` entries ending in `hash` at time `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    /// The line as written, for publication.
    pub line: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_rotated_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut k = AuditKeys::load_or_create(dir.path(), "t").unwrap();
        let first = k.current().0.to_string();
        let again = AuditKeys::load_or_create(dir.path(), "t").unwrap();
        assert_eq!(again.current().0, first);
        let second = k.rotate().unwrap();
        let reread = AuditKeys::load_or_create(dir.path(), "t").unwrap();
        assert_eq!(reread.current().0, second);
        assert!(reread.get(&first).is_some());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&k.key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn an_edited_checkpoint_line_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let k = AuditKeys::load_or_create(dir.path(), "t").unwrap();
        assert!(k.write_checkpoint(5, "ab").unwrap());
        assert!(!k.write_checkpoint(5, "ab").unwrap(), "the same head once");
        assert_eq!(k.checkpoints().unwrap()[0].seq, 5);
        let text = std::fs::read_to_string(&k.checkpoint_file).unwrap();
        std::fs::write(&k.checkpoint_file, text.replacen("5 ab", "3 ab", 1)).unwrap();
        assert!(k.checkpoints().unwrap_err().to_string().contains("签名不符"));
    }

    #[test]
    fn the_data_location_follows_the_database() {
        assert_eq!(
            data_location("sqlite:///var/lib/yiyang/main.db"),
            (PathBuf::from("/var/lib/yiyang"), "main".to_string())
        );
        assert_eq!(data_location("sqlite://yiyang.db").1, "yiyang");
        assert!(data_location("postgres://u@db.example:5432/yiyang?sslmode=require")
            .1
            .ends_with("db.example_5432-yiyang"));
    }
}
