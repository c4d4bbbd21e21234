//! Settings by division: the platform (`''`), a province (2 digits) or a county (6 digits)
//! sets a value; a division reads the most specific one above it. Who may set what is the
//! web's and CLI's business (an administrator of that very division); the store refuses a
//! division at any other level.

use yiyang_domain::person::FieldError;

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

/// Whether settings may be kept at `division`: the platform, a province or a county.
pub fn settable_at(division: &str) -> bool {
    matches!(division.len(), 0 | 2 | 6) && division.bytes().all(|b| b.is_ascii_digit())
}

/// The divisions whose setting applies to `division`, most specific first.
fn above(division: &str) -> Vec<String> {
    [6usize, 2, 0]
        .iter()
        .filter(|n| **n <= division.len())
        .map(|n| division[..*n].to_string())
        .collect()
}

impl Store {
    /// The value of `key` in force for `division`.
    pub async fn setting(&self, key: &str, division: &str) -> Result<Option<String>> {
        Ok(self.setting_with_source(key, division).await?.map(|(v, _)| v))
    }

    /// The value of `key` in force for `division` and the division that set it.
    pub async fn setting_with_source(&self, key: &str, division: &str) -> Result<Option<(String, String)>> {
        for d in above(division) {
            let v: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
                "SELECT value FROM division_settings WHERE division = $1 AND key = $2")
                .bind(&d).bind(key).fetch_optional(pool).await?);
            if let Some(v) = v {
                return Ok(Some((v, d)));
            }
        }
        Ok(None)
    }

    /// Sets `key` for `division` (platform, province or county), audited.
    pub async fn set_setting(&self, key: &str, division: &str, value: &str, actor: &Actor) -> Result<()> {
        if !settable_at(division) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "division",
                "设置只能在平台、省或县（市、区）一级设定",
            )]));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO division_settings (division, key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (division, key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at")
                .bind(division).bind(key).bind(value).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("setting", "setting", format!("{division}:{key}"),
                serde_json::json!({"value": value, "division": division}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_township_reads_its_countys_then_provinces_then_the_platforms_setting() {
        assert_eq!(above("360733100"), vec!["360733", "36", ""]);
        assert_eq!(above("36"), vec!["36", ""]);
        assert!(settable_at("") && settable_at("36") && settable_at("360733"));
        assert!(!settable_at("360733100") && !settable_at("3607") && !settable_at("36x733"));
    }
}
