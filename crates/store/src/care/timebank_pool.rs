//! The time bank's hours moving between people: a volunteer gives hours to a close relative
//! or donates them to the county's pool, and the county allocates donated hours to older
//! people living alone or without family first; and the month's figures. Accounts and
//! requests are in `timebank_ops`.

use yiyang_domain::care::timebank::{hours_label, over_cap, parse_hours, EntryKind, Relation};
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;
use yiyang_domain::IdNumber;

use super::timebank::{LedgerAppend, NewEntry};
use super::timebank_ops::{invalid, CAP_SETTING, DONATION_FIRST};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

impl Store {
    /// Moves hours out of a volunteer's account: to a close relative's (opened if needed, with
    /// the relative's name) or, with `relative` None, to the county's donation pool.
    pub async fn give_hours(
        &self,
        username: &str,
        relative: Option<(&str, &str, &str)>,
        hours: &str,
        actor: &Actor,
    ) -> Result<()> {
        let from = self
            .timebank_account_of(username)
            .await?
            .ok_or_else(|| StoreError::Refused("请先开户".into()))?;
        let mut errors = Vec::new();
        let minutes = parse_hours(hours, 100_000 * 60);
        match minutes {
            None => errors.push(FieldError::new("hours", "时长须为正的整小时或半小时")),
            Some(m) if m > from.balance => {
                errors.push(FieldError::new("hours", format!("余额不足：现有 {}", from.hours())))
            }
            _ => {}
        }
        let county = from.division.chars().take(6).collect::<String>();
        let to = match relative {
            None => Some(self.pool_account(&county, actor).await?),
            Some((number, name, relation)) => {
                let rel = Relation::parse(relation.trim()).filter(|r| *r != Relation::Own);
                if rel.is_none() {
                    errors.push(FieldError::new("relation", "请选择与亲属的关系"));
                }
                match IdNumber::parse(number.trim()) {
                    Ok(n) if Some(n.as_str()) == from.id_number.as_deref() => {
                        errors.push(FieldError::new("id_number", "不能转给自己"));
                        None
                    }
                    Ok(n) => {
                        let found: Option<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
                            "SELECT id, name FROM timebank_accounts WHERE id_number = $1").bind(n.as_str()).fetch_optional(pool).await?);
                        match found {
                            Some((_, other)) if other != name.trim() => {
                                errors.push(FieldError::new("name", "姓名与该身份证号不符"));
                                None
                            }
                            Some((id, _)) => Some(id),
                            None if name.trim().is_empty() => {
                                errors.push(FieldError::new("name", "请填写亲属姓名"));
                                None
                            }
                            None => Some(with_pool!(self, pool => sqlx::query_scalar(
                                "INSERT INTO timebank_accounts (id_number, name, kind, division, created_by, created_at) VALUES ($1, $2, 'person', $3, $4, $5) RETURNING id")
                                .bind(n.as_str()).bind(name.trim()).bind(&from.division).bind(&actor.name).bind(now()).fetch_one(pool).await?)),
                        }
                    }
                    Err(e) => {
                        errors.push(FieldError::new("id_number", e.to_string()));
                        None
                    }
                }
            }
        };
        let (Some(minutes), Some(to), true) = (minutes, to, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        if relative.is_some() {
            let cap = self.supervision_setting(CAP_SETTING, &from.division).await?;
            if over_cap(self.timebank_balance(to).await?, minutes, cap) {
                return Err(StoreError::Refused(format!("亲属账户将超过上限 {cap} 小时")));
            }
        }
        let (out_kind, in_kind) = match relative {
            Some(_) => (EntryKind::TransferOut, EntryKind::TransferIn),
            None => (EntryKind::DonateOut, EntryKind::DonateIn),
        };
        let note = match relative {
            Some((_, name, rel)) => format!(
                "转给{}（{}）",
                name.trim(),
                Relation::parse(rel).map_or("", |r| r.label())
            ),
            None => "捐赠给本县时间银行公益池".to_string(),
        };
        self.move_hours(
            from.id,
            to,
            minutes,
            (out_kind, in_kind),
            &note,
            "",
            &from.division,
            actor,
        )
        .await
    }

    /// Two entries in one transaction: out of `from`, into `to`.
    #[allow(clippy::too_many_arguments)]
    async fn move_hours(
        &self,
        from: i64,
        to: i64,
        minutes: i64,
        kinds: (EntryKind, EntryKind),
        note: &str,
        beneficiary: &str,
        division: &str,
        actor: &Actor,
    ) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let keys = self.audit_keys();
            let out = (*tx).append_entry(&keys, &NewEntry { account_id: from, kind: kinds.0, minutes, counterparty: &format!("account:{to}"),
                beneficiary, note, division, recorded_by: &actor.name }).await?;
            (*tx).append_entry(&keys, &NewEntry { account_id: to, kind: kinds.1, minutes, counterparty: &format!("account:{from}"),
                beneficiary, note, division, recorded_by: &actor.name }).await?;
            (*tx).append_audit(&keys, &actor.entry(kinds.0.code(), "timebank_account", from,
                serde_json::json!({"to": to, "minutes": minutes, "seq": out}))).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.checkpoint_timebank().await
    }

    /// The county's donation pool (opened on first use).
    pub async fn pool_account(&self, county: &str, actor: &Actor) -> Result<i64> {
        let found: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM timebank_accounts WHERE kind = 'pool' AND division = $1").bind(county).fetch_optional(pool).await?);
        if let Some(id) = found {
            return Ok(id);
        }
        let name = format!(
            "{}时间银行公益池",
            self.reference().division_name(county).unwrap_or("本县")
        );
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO timebank_accounts (name, kind, division, created_by, created_at) VALUES ($1, 'pool', $2, $3, $4) RETURNING id")
            .bind(&name).bind(county).bind(&actor.name).bind(now()).fetch_one(pool).await?))
    }

    /// Gives hours from the county's pool to an older person of `scope` (by ID number; their
    /// account is opened if needed). People living alone or without family come first: anyone
    /// else needs a stated reason.
    pub async fn allocate_donated(
        &self,
        id_number: &str,
        hours: &str,
        reason: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        let county: String = scope.chars().take(6).collect();
        if county.len() < 6 {
            return Err(StoreError::Forbidden("公益池由县级分配".into()));
        }
        let person = match IdNumber::parse(id_number.trim()) {
            Ok(n) => self.person_id_by_number_in(n.as_str(), scope).await?,
            Err(_) => None,
        };
        let Some(person) = person else {
            return Err(invalid("id_number", "本辖区没有这个身份证号的老年人"));
        };
        let p = self.person_in_scope(person, scope).await?.ok_or(StoreError::NotFound)?;
        let first = p.record.categories.iter().any(|c| DONATION_FIRST.contains(&c.as_str()));
        if !first && reason.trim().chars().count() < 4 {
            return Err(invalid("reason", "受赠人不是独居或无家庭照料的老年人，须写明理由"));
        }
        let pool = self.pool_account(&county, actor).await?;
        let Some(minutes) = parse_hours(hours, 100_000 * 60) else {
            return Err(invalid("hours", "时长须为正的整小时或半小时"));
        };
        let left = self.timebank_balance(pool).await?;
        if minutes > left {
            return Err(invalid("hours", format!("公益池余额不足：现有 {}", hours_label(left))));
        }
        let number = p.record.id_number.as_str().to_string();
        let found: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM timebank_accounts WHERE id_number = $1").bind(&number).fetch_optional(pool).await?);
        let to = match found {
            Some(id) => id,
            None => with_pool!(self, pool => sqlx::query_scalar(
                "INSERT INTO timebank_accounts (id_number, name, kind, division, created_by, created_at) VALUES ($1, $2, 'person', $3, $4, $5) RETURNING id")
                .bind(&number).bind(&p.record.name).bind(p.record.hukou_division.as_str()).bind(&actor.name).bind(now()).fetch_one(pool).await?),
        };
        let note = if first {
            "公益池分配（独居或无家庭照料）".to_string()
        } else {
            format!("公益池分配：{}", reason.trim())
        };
        self.move_hours(
            pool,
            to,
            minutes,
            (EntryKind::DonateOut, EntryKind::DonateIn),
            &note,
            &number,
            &county,
            actor,
        )
        .await
    }

    /// Hours banked and redeemed in `month` per division of `scope` where the service took
    /// place: (division, banked minutes, redeemed minutes, entries).
    pub async fn timebank_month(&self, scope: &str, month: Month) -> Result<Vec<(String, i64, i64, i64)>> {
        let (lo, hi) = scope_range(scope);
        let (from, to) = super::sos_desk::month_bounds(month);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT l.division, CAST(COALESCE(SUM(CASE WHEN l.kind = 'earn' THEN l.minutes ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN l.kind = 'redeem' THEN l.minutes ELSE 0 END), 0) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
             FROM timebank_ledger l WHERE l.division >= $1 AND l.division < $2 AND l.at >= $3 AND l.at < $4 AND l.kind IN ('earn', 'redeem') \
             GROUP BY l.division ORDER BY l.division")
            .bind(&lo).bind(&hi).bind(from).bind(to).fetch_all(pool).await?))
    }
}
