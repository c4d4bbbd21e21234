//! The time bank's operations. A volunteer (a signed-up account, 老年人及家属) opens an account
//! with their ID number; asks for a service they gave to be banked, or for a service to be paid
//! with hours (for themselves or a close relative old enough); the receiving institution or
//! the village/community's civil-affairs staff confirm, and only then is the ledger written.
//! A volunteer may transfer hours to a close relative or donate them to the county's pool, which
//! the county gives to older people living alone or without family first. The cap and the
//! redemption age are settings.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::care::timebank::{
    hours_label, over_cap, parse_hours, ClaimStatus, EntryKind, Relation, CLAIM_MAX_MINUTES,
};
use yiyang_domain::dates::age_on;
use yiyang_domain::person::FieldError;
use yiyang_domain::IdNumber;

use super::timebank::{LedgerAppend, NewEntry};
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

pub const CAP_SETTING: &str = "timebank_cap_hours";
pub const AGE_SETTING: &str = "timebank_redeem_age";

/// Groups donated hours go to first: living alone, or without family (特困).
pub const DONATION_FIRST: [&str; 2] = ["alone", "tekun"];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub id_number: Option<String>,
    pub name: String,
    pub kind: String,
    pub division: String,
    pub username: Option<String>,
    pub balance: i64,
}

impl Account {
    pub fn hours(&self) -> String {
        hours_label(self.balance)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Request {
    pub id: i64,
    pub account_id: i64,
    pub holder: String,
    pub kind: String,
    pub beneficiary: String,
    pub relation: String,
    pub place_kind: String,
    pub place: String,
    pub place_name: String,
    pub division: String,
    pub service: String,
    pub served_on: NaiveDate,
    pub minutes: i64,
    pub status: String,
    pub note: Option<String>,
}

impl Request {
    pub fn kind_label(&self) -> &'static str {
        if self.kind == "earn" {
            "服务存入"
        } else {
            "兑换服务"
        }
    }
    pub fn status_label(&self) -> &'static str {
        ClaimStatus::parse(&self.status).map_or("", |s| s.label())
    }
    pub fn relation_label(&self) -> &'static str {
        Relation::parse(&self.relation).map_or("", |r| r.label())
    }
    pub fn hours(&self) -> String {
        hours_label(self.minutes)
    }
}

/// A request as typed on the phone. `place` is `institution:<code>` or `division:<code>`.
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    pub redeem: bool,
    pub place: String,
    pub service: String,
    pub served_on: String,
    pub hours: String,
    /// For a redemption: who receives the service (empty: the holder).
    pub beneficiary: String,
    pub relation: String,
}

/// Who decides requests: an institution's staff (its own), or a division's civil-affairs
/// staff (requests at villages and communities in scope; they see all in scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceViewer {
    Institution(String),
    Division,
}

const ACCOUNT_SELECT: &str = "SELECT a.id, a.id_number, a.name, a.kind, a.division, a.username, \
    (SELECT CAST(COALESCE(SUM(CASE WHEN l.kind IN ('earn', 'transfer_in', 'donate_in') THEN l.minutes ELSE -l.minutes END), 0) AS BIGINT) \
     FROM timebank_ledger l WHERE l.account_id = a.id) AS balance FROM timebank_accounts a";

const REQUEST_SELECT: &str =
    "SELECT r.id, r.account_id, a.name AS holder, r.kind, r.beneficiary, r.relation, r.place_kind, r.place, \
    COALESCE(i.name, '') AS place_name, r.division, r.service, r.served_on, r.minutes, r.status, r.note \
    FROM timebank_claims r JOIN timebank_accounts a ON a.id = r.account_id \
    LEFT JOIN institutions i ON r.place_kind = 'institution' AND i.code = r.place";

pub(super) fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, message)])
}

impl Store {
    /// Opens the time bank account of a signed-up user with their name and ID number (one
    /// account per ID number: an account opened elsewhere is taken over only by the same name).
    pub async fn open_timebank_account(
        &self,
        username: &str,
        name: &str,
        id_number: &str,
        division: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let name = name.trim();
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > 30 {
            errors.push(FieldError::new("name", "请填写姓名（30 字以内）"));
        }
        let number = match IdNumber::parse(id_number.trim()) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(FieldError::new("id_number", e.to_string()));
                None
            }
        };
        let (Some(number), true) = (number, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let existing: Option<(i64, String, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name, username FROM timebank_accounts WHERE id_number = $1")
            .bind(number.as_str()).fetch_optional(pool).await?);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = match existing {
                Some((_, n, _)) if n != name => return Err(invalid("name", "姓名与该身份证号已开户的姓名不符")),
                Some((_, _, Some(u))) if u != username => return Err(invalid("id_number", "该身份证号已由另一个账号开户")),
                Some((id, _, _)) => {
                    sqlx::query("UPDATE timebank_accounts SET username = $2 WHERE id = $1").bind(id).bind(username).execute(&mut *tx).await?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO timebank_accounts (id_number, name, kind, division, username, created_by, created_at) \
                     VALUES ($1, $2, 'person', $3, $4, $5, $6) RETURNING id")
                    .bind(number.as_str()).bind(name).bind(division).bind(username).bind(&actor.name).bind(now())
                    .fetch_one(&mut *tx).await?,
            };
            (*tx).append_audit(&self.audit_keys(), &actor.entry("open", "timebank_account", id, serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The account a user opened, with its balance.
    pub async fn timebank_account_of(&self, username: &str) -> Result<Option<Account>> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.username = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await?))
    }

    /// Accounts opened in `scope`, largest balance first.
    pub async fn timebank_accounts_in(&self, scope: &str, limit: i64) -> Result<Vec<Account>> {
        let (lo, hi) = scope_range(scope);
        let sql =
            format!("{ACCOUNT_SELECT} WHERE a.division >= $1 AND a.division < $2 ORDER BY balance DESC, a.id LIMIT $3");
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(limit.clamp(1, 5000)).fetch_all(pool).await?),
        )
    }

    /// Where a service can be given or received in `scope`: (value, name) of its institutions
    /// and its townships, villages and communities.
    pub async fn timebank_places(&self, scope: &str) -> Result<Vec<(String, String)>> {
        let (lo, hi) = scope_range(scope);
        let inst: Vec<(String, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT code, name FROM institutions WHERE division >= $1 AND division < $2 ORDER BY name LIMIT 500")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let r = self.reference();
        let mut out: Vec<(String, String)> = inst.into_iter().map(|(c, n)| (format!("institution:{c}"), n)).collect();
        let mut stack = vec![scope.to_string()];
        while let Some(d) = stack.pop() {
            for (code, _) in r.children(&d) {
                if out.len() >= 2000 {
                    break;
                }
                out.push((format!("division:{code}"), r.division_path(&code)));
                stack.push(code);
            }
        }
        Ok(out)
    }

    /// A volunteer's request: a service given, to be banked once the place confirms it; or a
    /// service to be paid with hours, for the volunteer or a close relative old enough.
    pub async fn submit_timebank_request(&self, username: &str, input: &RequestInput, actor: &Actor) -> Result<i64> {
        let account = self
            .timebank_account_of(username)
            .await?
            .ok_or_else(|| StoreError::Refused("请先开户".into()))?;
        let today = self.clock.today();
        let mut errors = Vec::new();
        let place = self.place_of(&input.place).await?;
        if place.is_none() {
            errors.push(FieldError::new("place", "请选择服务地点（机构或村、社区）"));
        }
        let service = input.service.trim();
        if service.is_empty() {
            errors.push(FieldError::new("service", "请写明服务内容"));
        }
        errors.extend(yiyang_domain::text::too_long("service", "服务内容", service, 200));
        let on = NaiveDate::parse_from_str(input.served_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today && (today - *d).num_days() <= 60);
        if on.is_none() {
            errors.push(FieldError::new("served_on", "服务日期须在今天和 60 天前之间"));
        }
        let minutes = parse_hours(&input.hours, CLAIM_MAX_MINUTES);
        if minutes.is_none() {
            errors.push(FieldError::new("hours", "时长须为 0.5～8 小时，以半小时计"));
        }
        let holder = account.id_number.clone().unwrap_or_default();
        let (beneficiary, relation) = if input.redeem {
            let relation = Relation::parse(input.relation.trim()).unwrap_or(Relation::Own);
            let who = match (relation, input.beneficiary.trim()) {
                (Relation::Own, _) | (_, "") => holder.clone(),
                (_, b) => b.to_string(),
            };
            match IdNumber::parse(&who) {
                Ok(n) => {
                    let age = self.supervision_setting(AGE_SETTING, &account.division).await?;
                    if age_on(n.birth_date(), today) < age as i32 {
                        errors.push(FieldError::new(
                            "beneficiary",
                            format!("接受服务的人须年满 {age} 周岁才能兑换"),
                        ));
                    }
                    (n.as_str().to_string(), relation)
                }
                Err(e) => {
                    errors.push(FieldError::new("beneficiary", e.to_string()));
                    (String::new(), relation)
                }
            }
        } else {
            (String::new(), Relation::Own)
        };
        if let (true, Some(m)) = (input.redeem, minutes) {
            let pending: i64 = with_pool!(self, pool => sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM timebank_claims WHERE account_id = $1 AND kind = 'redeem' AND status = 'pending'")
                .bind(account.id).fetch_one(pool).await?);
            if account.balance - pending < m {
                errors.push(FieldError::new(
                    "hours",
                    format!("余额不足：可用 {}", hours_label(account.balance - pending)),
                ));
            }
        }
        let (Some((kind, code, division)), Some(on), Some(minutes), true) = (place, on, minutes, errors.is_empty())
        else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO timebank_claims (account_id, kind, beneficiary, relation, place_kind, place, division, service, served_on, minutes, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) RETURNING id")
                .bind(account.id).bind(if input.redeem { "redeem" } else { "earn" }).bind(&beneficiary).bind(relation.code())
                .bind(kind).bind(&code).bind(&division).bind(service).bind(on).bind(minutes).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("request", "timebank_account", account.id,
                serde_json::json!({"request": id, "redeem": input.redeem, "minutes": minutes}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// (`institution`|`division`, code, division) of a place value, if it exists.
    async fn place_of(&self, value: &str) -> Result<Option<(&'static str, String, String)>> {
        Ok(match value.trim().split_once(':') {
            Some(("institution", code)) => {
                let d: Option<String> = with_pool!(self, pool => sqlx::query_scalar("SELECT division FROM institutions WHERE code = $1")
                    .bind(code).fetch_optional(pool).await?);
                d.map(|d| ("institution", code.to_string(), d))
            }
            Some(("division", code)) if self.reference().division_name(code).is_some() => {
                Some(("division", code.to_string(), code.to_string()))
            }
            _ => None,
        })
    }

    /// A volunteer's own requests, newest first.
    pub async fn timebank_requests_of(&self, account: i64) -> Result<Vec<Request>> {
        let sql = format!("{REQUEST_SELECT} WHERE r.account_id = $1 ORDER BY r.id DESC LIMIT 200");
        let rows: Vec<Request> = with_pool!(self, pool => sqlx::query_as(&sql).bind(account).fetch_all(pool).await?);
        Ok(self.name_places(rows))
    }

    /// Requests at the viewer's places in `scope`: pending first.
    pub async fn timebank_requests_at(&self, viewer: &PlaceViewer, scope: &str) -> Result<Vec<Request>> {
        let (lo, hi) = scope_range(scope);
        let code = match viewer {
            PlaceViewer::Institution(c) => c.clone(),
            PlaceViewer::Division => String::new(),
        };
        let sql = format!(
            "{REQUEST_SELECT} WHERE r.division >= $1 AND r.division < $2 AND ($3 = '' OR (r.place_kind = 'institution' AND r.place = $3)) \
             ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END, r.id DESC LIMIT 500"
        );
        let rows: Vec<Request> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(&code).fetch_all(pool).await?);
        Ok(self.name_places(rows))
    }

    /// A village's or community's name for requests made there (institutions are named in SQL).
    fn name_places(&self, mut rows: Vec<Request>) -> Vec<Request> {
        let r = self.reference();
        for q in rows.iter_mut().filter(|q| q.place_kind == "division") {
            q.place_name = r.division_path(&q.place);
        }
        rows
    }

    /// Confirms (the ledger is written) or refuses a pending request at the viewer's place. A
    /// division's staff decide at villages and communities; an institution's, at the institution.
    pub async fn decide_timebank_request(
        &self,
        id: i64,
        confirm: bool,
        note: &str,
        viewer: &PlaceViewer,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        let r = self
            .timebank_requests_at(viewer, scope)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound)?;
        let mine = match viewer {
            PlaceViewer::Institution(_) => r.place_kind == "institution",
            PlaceViewer::Division => r.place_kind == "division",
        };
        if !mine {
            return Err(StoreError::Refused("在养老机构的服务由该机构确认".into()));
        }
        if r.status != ClaimStatus::Pending.code() {
            return Err(StoreError::Refused("这条申请已处理".into()));
        }
        if !confirm && note.trim().is_empty() {
            return Err(invalid("note", "不予确认时请写明原因"));
        }
        let balance = self.timebank_balance(r.account_id).await?;
        if confirm && r.kind == "earn" {
            let cap = self.supervision_setting(CAP_SETTING, &r.division).await?;
            if over_cap(balance, r.minutes, cap) {
                return Err(StoreError::Refused(format!("该账户已近上限 {cap} 小时，不能再存入")));
            }
        }
        if confirm && r.kind == "redeem" && balance < r.minutes {
            return Err(StoreError::Refused(format!("余额不足：现有 {}", hours_label(balance))));
        }
        let kind = if r.kind == "earn" {
            EntryKind::Earn
        } else {
            EntryKind::Redeem
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let seq = if confirm {
                let note = format!("{}（{}，{}）", r.service, r.place_name, r.served_on);
                Some((*tx).append_entry(&self.audit_keys(), &NewEntry {
                    account_id: r.account_id, kind, minutes: r.minutes, counterparty: &format!("{}:{}", r.place_kind, r.place),
                    beneficiary: &r.beneficiary, note: &note, division: &r.division, recorded_by: &actor.name,
                }).await?)
            } else {
                None
            };
            let done = sqlx::query("UPDATE timebank_claims SET status = $2, decided_by = $3, decided_at = $4, note = $5, entry_seq = $6 WHERE id = $1 AND status = 'pending'")
                .bind(id).bind(if confirm { "confirmed" } else { "refused" }).bind(&actor.name).bind(now())
                .bind(note.trim()).bind(seq).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Refused("这条申请已处理".into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(if confirm { "confirm" } else { "refuse" }, "timebank_request", id,
                serde_json::json!({"seq": seq}))).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.checkpoint_timebank().await
    }
}
