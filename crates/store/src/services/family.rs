//! Family accounts (老年人及家属): anyone signs up with a mobile number, then asks to be linked
//! to an older person by name and ID number. The answer never says whether the person is on
//! the register; a clerk of the person's division confirms the link after asking the person
//! (or refuses it). A family account reaches only confirmed links.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Role;
use yiyang_domain::services::order::{parse_mobile, LinkStatus, Relation};
use yiyang_domain::IdNumber;

use crate::audit::{Actor, AuditAppend};
use crate::users::NewUser;
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// The most links (asked or confirmed) one account may hold.
pub const MAX_LINKS: i64 = 10;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Link {
    pub id: i64,
    pub username: String,
    pub person_id: Option<i64>,
    pub claimed_name: String,
    pub relation: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// For clerks: the account's display name and the person's village.
    pub account_name: Option<String>,
    pub division: Option<String>,
}

impl Link {
    pub fn relation_label(&self) -> &'static str {
        Relation::parse(&self.relation).map_or("", |r| r.label())
    }
    pub fn status_label(&self) -> &'static str {
        LinkStatus::parse(&self.status).map_or("", |s| s.label())
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub order_id: i64,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl Notice {
    pub fn when(&self) -> String {
        self.created_at
            .with_timezone(&chrono::Local)
            .format("%m-%d %H:%M")
            .to_string()
    }
}

/// A sign-up as typed.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub mobile: String,
    pub name: String,
    pub password: String,
    pub county: String,
}

const LINK_SELECT: &str = "SELECT l.id, l.username, l.person_id, l.claimed_name, l.relation, l.status, l.created_at, \
    u.display_name AS account_name, COALESCE(p.residence_division, p.hukou_division) AS division \
    FROM family_links l LEFT JOIN users u ON u.username = l.username LEFT JOIN persons p ON p.id = l.person_id";

impl Store {
    /// Creates a family account named by its mobile number, in a county of the platform.
    pub async fn sign_up_family(&self, s: &SignUp, actor: &Actor) -> Result<String> {
        let mut errors = Vec::new();
        let mobile = parse_mobile(&s.mobile);
        if mobile.is_none() {
            errors.push(FieldError::new("mobile", "请填写11位手机号码"));
        }
        if s.name.trim().is_empty() {
            errors.push(FieldError::new("name", "请填写姓名"));
        }
        errors.extend(yiyang_domain::text::too_long("name", "姓名", &s.name, 30));
        let county = s.county.trim();
        if county.len() != 6 || self.reference().division_name(county).is_none() {
            errors.push(FieldError::new("county", "请选择老人所在的县（市、区）"));
        }
        let Some(mobile) = mobile.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let user = NewUser {
            username: &mobile,
            display_name: s.name.trim(),
            password: &s.password,
            role: Role::Family,
            scope: county,
            institution_id: None,
        };
        match self.create_user(&user, actor).await {
            Err(StoreError::Invalid(mut e)) => {
                for f in &mut e {
                    if f.field == "username" {
                        f.field = "mobile".into();
                        f.message = "该手机号已注册，请直接登录".into();
                    }
                }
                Err(StoreError::Invalid(e))
            }
            Err(e) => Err(e),
            Ok(_) => Ok(mobile),
        }
    }

    /// Asks to be linked to an older person. Whatever the register holds, the answer is the
    /// same: the request waits for a clerk.
    pub async fn request_link(&self, name: &str, id_number: &str, relation: &str, actor: &Actor) -> Result<()> {
        let mut errors = Vec::new();
        if name.trim().is_empty() || name.chars().count() > 30 {
            errors.push(FieldError::new("name", "请填写老人姓名"));
        }
        let id = IdNumber::parse(id_number);
        if let Err(e) = &id {
            errors.push(FieldError::new("id_number", e.to_string()));
        }
        let relation = Relation::parse(relation.trim());
        if relation.is_none() {
            errors.push(FieldError::new("relation", "请选择与老人的关系"));
        }
        let (Ok(id), Some(relation), true) = (id, relation, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let held: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM family_links WHERE username = $1 AND status <> 'refused'")
            .bind(&actor.name).fetch_one(pool).await?);
        if held >= MAX_LINKS {
            return Err(StoreError::Refused(format!("一个账号最多关联 {MAX_LINKS} 位老人")));
        }
        // Matched only on number and name together; an unmatched request waits unseen.
        let person: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM persons WHERE id_number = $1 AND name = $2 AND death_date IS NULL")
            .bind(id.as_str()).bind(name.trim()).fetch_optional(pool).await?);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let lid: i64 = sqlx::query_scalar(
                "INSERT INTO family_links (username, person_id, claimed_name, relation, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id")
                .bind(&actor.name).bind(person).bind(name.trim()).bind(relation.code()).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("request_link", "family_link", lid,
                serde_json::json!({"relation": relation.code(), "matched": person.is_some()}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The account's own links (people named as the account typed them).
    pub async fn links_of(&self, username: &str) -> Result<Vec<Link>> {
        let sql = format!("{LINK_SELECT} WHERE l.username = $1 ORDER BY l.id");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(username).fetch_all(pool).await?))
    }

    /// Requests waiting for the clerks of `scope` (only those matched to a person there).
    pub async fn pending_links(&self, scope: &str) -> Result<Vec<Link>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!(
            "{LINK_SELECT} WHERE l.status = 'pending' AND ((p.hukou_division >= $1 AND p.hukou_division < $2) \
             OR (p.residence_division >= $1 AND p.residence_division < $2)) ORDER BY l.id LIMIT 500"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// Confirms (after asking the person) or refuses a request in `scope`.
    pub async fn decide_link(&self, id: i64, confirm: bool, scope: &str, actor: &Actor) -> Result<()> {
        let link = self
            .pending_links(scope)
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(StoreError::NotFound)?;
        let status = if confirm {
            LinkStatus::Confirmed
        } else {
            LinkStatus::Refused
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE family_links SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND status = 'pending'")
                .bind(id).bind(status.code()).bind(&actor.name).bind(now()).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("该申请已处理".into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(status.code(), "family_link", id,
                serde_json::json!({"person": link.person_id, "username": link.username}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// People linked to a family account (confirmed): (person id, name, relation).
    pub async fn linked_people(&self, username: &str) -> Result<Vec<(i64, String, String)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT p.id, p.name, l.relation FROM family_links l JOIN persons p ON p.id = l.person_id \
             WHERE l.username = $1 AND l.status = 'confirmed' AND p.death_date IS NULL ORDER BY l.id")
            .bind(username).fetch_all(pool).await?))
    }

    /// Links a person to an account directly (a clerk at the counter, with the person there).
    pub async fn link_directly(
        &self,
        username: &str,
        person: i64,
        relation: Relation,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        let p = self.person_in_scope(person, scope).await?.ok_or(StoreError::NotFound)?;
        let family: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE username = $1 AND role = 'family' AND active").bind(username).fetch_one(pool).await?);
        if family == 0 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "mobile",
                "没有这个家属账号（手机号）",
            )]));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let lid: i64 = sqlx::query_scalar(
                "INSERT INTO family_links (username, person_id, claimed_name, relation, status, decided_by, decided_at, created_at) \
                 VALUES ($1, $2, $3, $4, 'confirmed', $5, $6, $6) RETURNING id")
                .bind(username).bind(person).bind(&p.record.name).bind(relation.code()).bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("confirmed", "family_link", lid,
                serde_json::json!({"person": person, "username": username}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The newest notices to a family account.
    pub async fn notices(&self, username: &str, limit: i64) -> Result<Vec<Notice>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, order_id, text, created_at FROM family_notices WHERE username = $1 ORDER BY id DESC LIMIT $2")
            .bind(username).bind(limit.clamp(1, 100)).fetch_all(pool).await?))
    }
}
