//! Complaints and reports (投诉举报): taken from the public page or by staff on the phone,
//! routed to the division of the institution complained about, answered with a finding within
//! the setting's working days, rated by the complainant with their receipt code. An upheld
//! complaint goes on the institution's credit record and may open a hazard. The complainant's
//! name and phone are seen by civil-affairs staff only (each view audited), never by the
//! institution.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::complaint::{
    overdue, receipt_code, Channel, ComplaintCategory, ComplaintFinding, ComplaintStatus, Satisfaction, Statement,
};
use yiyang_domain::supervision::credit::CreditKind;
use yiyang_domain::supervision::inspection::{HazardCategory, Outcome};
use yiyang_domain::supervision::object::ObjectRef;

use super::inspections::Viewer;
use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Working days within which a complaint is answered.
pub const ANSWER_WITHIN_SETTING: &str = "supervision.complaint_working_days";

#[derive(Debug, Clone, Default)]
pub struct ComplaintInput {
    pub institution_id: String,
    pub category: String,
    pub channel: String,
    pub content: String,
    pub complainant: String,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Complaint {
    pub id: i64,
    pub code: String,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    /// A home-service provider complained about on one of its orders.
    pub provider_id: Option<i64>,
    pub provider_name: Option<String>,
    pub order_id: Option<i64>,
    pub division: String,
    pub category: String,
    pub channel: String,
    pub content: String,
    pub complainant: Option<String>,
    pub phone: Option<String>,
    pub status: String,
    pub received_on: NaiveDate,
    pub finding: Option<String>,
    pub reply: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub hazard_id: Option<i64>,
    pub satisfaction: Option<String>,
    /// What the institution or provider complained about said of it (情况说明), and when.
    pub statement: Option<String>,
    pub statement_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub overdue: bool,
}

impl Complaint {
    pub fn status(&self) -> ComplaintStatus {
        ComplaintStatus::parse(&self.status).expect("CHECK constraint: status")
    }
    pub fn category_label(&self) -> &'static str {
        ComplaintCategory::parse(&self.category).map_or("", |c| c.label())
    }
    pub fn channel_label(&self) -> &'static str {
        Channel::parse(&self.channel).map_or("", |c| c.label())
    }
    pub fn finding_label(&self) -> &'static str {
        self.finding
            .as_deref()
            .and_then(ComplaintFinding::parse)
            .map_or("", |f| f.label())
    }
    pub fn satisfaction_label(&self) -> &'static str {
        self.satisfaction
            .as_deref()
            .and_then(Satisfaction::parse)
            .map_or("", |s| s.label())
    }
    /// The object complained about, if any: the institution, or else the provider.
    pub fn object(&self) -> Option<ObjectRef> {
        match (self.institution_id, self.provider_id) {
            (Some(i), _) => Some(ObjectRef::institution(i)),
            (None, Some(p)) => Some(ObjectRef::provider(p)),
            (None, None) => None,
        }
    }

    /// Who is complained about, in words: the institution, the provider, or —.
    pub fn about(&self) -> &str {
        self.institution_name
            .as_deref()
            .or(self.provider_name.as_deref())
            .unwrap_or("—")
    }
    /// Whether the party complained about may still state its side: until the county answers,
    /// once.
    pub fn awaits_statement(&self) -> bool {
        self.status() == ComplaintStatus::Received && self.statement.is_none()
    }
    /// What the institution complained about may see: no complainant.
    fn without_complainant(mut self) -> Complaint {
        self.complainant = None;
        self.phone = None;
        self
    }
    /// What the complainant reads of their complaint: the county's answer, not the other
    /// party's statement to the county.
    fn for_complainant(mut self) -> Complaint {
        self.statement = None;
        self.statement_at = None;
        self.without_complainant()
    }
}

/// The party a complaint is about, as its own staff act for it: an institution (by its code)
/// or a home-service provider (by its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    Institution(String),
    Provider(i64),
}

/// What answering a complaint decides.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub finding: String,
    pub reply: String,
    /// Open a hazard with this category (empty: none) …
    pub hazard_category: String,
    /// … for this person at the institution.
    pub responsible: String,
}

/// What a complaint is about, as typed: its category and its content (at least 5 characters,
/// at most 2,000), each problem named by its field.
fn what_about<'a>(input: &'a ComplaintInput, errors: &mut Vec<FieldError>) -> (Option<ComplaintCategory>, &'a str) {
    let category = ComplaintCategory::parse(input.category.trim());
    if category.is_none() {
        errors.push(FieldError::new("category", "请选择投诉类别"));
    }
    let content = input.content.trim();
    if content.chars().count() < 5 {
        errors.push(FieldError::new("content", "请写明投诉内容（至少 5 个字）"));
    }
    errors.extend(yiyang_domain::text::too_long("content", "投诉内容", content, 2000));
    (category, content)
}

const SELECT: &str = "SELECT c.id, c.code, c.institution_id, i.name AS institution_name, c.provider_id, p.name AS provider_name, \
     c.order_id, c.division, c.category, c.channel, \
     c.content, c.complainant, c.phone, c.status, c.received_on, c.finding, c.reply, c.answered_at, c.hazard_id, c.satisfaction, \
     c.statement, c.statement_at \
     FROM complaints c LEFT JOIN institutions i ON i.id = c.institution_id LEFT JOIN providers p ON p.id = c.provider_id";

impl Store {
    /// Takes a complaint: about an institution (routed to its division) or, from staff, about
    /// a matter in their own division. Returns (id, receipt code). Errors name the field.
    pub async fn submit_complaint(
        &self,
        input: &ComplaintInput,
        staff_scope: Option<&str>,
        actor: &Actor,
    ) -> Result<(i64, String)> {
        let mut errors = Vec::new();
        let (category, content) = what_about(input, &mut errors);
        let channel = match staff_scope {
            None => Some(Channel::Online),
            Some(_) => Channel::parse(input.channel.trim()),
        };
        if channel.is_none() {
            errors.push(FieldError::new("channel", "请选择受理渠道"));
        }
        errors.extend(yiyang_domain::text::too_long(
            "complainant",
            "姓名",
            &input.complainant,
            50,
        ));
        errors.extend(yiyang_domain::text::too_long("phone", "电话", &input.phone, 30));
        let institution = match input.institution_id.trim() {
            "" => None,
            v => match v.parse::<i64>() {
                Ok(id) => match staff_scope {
                    Some(scope) => self.institution_in_scope(id, scope).await?,
                    None => self.institutions_in("").await?.into_iter().find(|i| i.id == id),
                },
                Err(_) => None,
            },
        };
        if institution.is_none() && (staff_scope.is_none() || !input.institution_id.trim().is_empty()) {
            errors.push(FieldError::new("institution_id", "请选择被投诉的养老机构"));
        }
        let (Some(category), Some(channel), true) = (category, channel, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let division = institution.as_ref().map_or_else(
            || staff_scope.unwrap_or_default().to_string(),
            |i| i.division[..6.min(i.division.len())].to_string(),
        );
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let today = self.clock.today();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let code = receipt_code(rand::random());
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO complaints (code, institution_id, division, category, channel, content, complainant, phone, status, \
                 received_on, received_at, received_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', $9, $10, $11) RETURNING id")
                .bind(&code).bind(institution.as_ref().map(|i| i.id)).bind(&division).bind(category.code()).bind(channel.code())
                .bind(content).bind(opt(&input.complainant)).bind(opt(&input.phone)).bind(today).bind(now()).bind(&actor.name)
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "complaint", id,
                serde_json::json!({"category": category.code(), "channel": channel.code(), "institution": institution.as_ref().map(|i| i.id)}))).await?;
            tx.commit().await?;
            Ok((id, code))
        })
    }

    pub async fn complaint_answer_days(&self, scope: &str) -> Result<i64> {
        self.supervision_setting(ANSWER_WITHIN_SETTING, scope).await
    }

    /// The complaints `viewer` may see in `scope`, newest first: the division's staff all of
    /// them; an institution those about itself, without the complainant.
    pub async fn complaints_visible(&self, scope: &str, viewer: &Viewer, today: NaiveDate) -> Result<Vec<Complaint>> {
        let (lo, hi) = scope_range(scope);
        let code = match viewer {
            Viewer::Division => String::new(),
            Viewer::Institution(c) => c.clone(),
            _ => return Ok(Vec::new()),
        };
        let rows: Vec<Complaint> = with_pool!(self, pool => sqlx::query_as(&format!(
            "{SELECT} WHERE ((c.division >= $1 AND c.division < $2) OR (i.division >= $1 AND i.division < $2)) \
             AND ($3 = '' OR i.code = $3) ORDER BY c.id DESC LIMIT 1000"))
            .bind(&lo).bind(&hi).bind(&code).fetch_all(pool).await?);
        let within = self.complaint_answer_days(scope).await?;
        Ok(rows
            .into_iter()
            .map(|mut c| {
                c.overdue = overdue(c.status(), c.received_on, today, within);
                if code.is_empty() {
                    c
                } else {
                    c.without_complainant()
                }
            })
            .collect())
    }

    /// One complaint for a division's staff; opening it is a view of the complainant's name
    /// and phone, and is audited.
    pub async fn open_complaint(&self, id: i64, scope: &str, actor: &Actor) -> Result<Option<Complaint>> {
        let today = self.clock.today();
        let c = self
            .complaints_visible(scope, &Viewer::Division, today)
            .await?
            .into_iter()
            .find(|c| c.id == id);
        if let Some(c) = &c {
            if c.complainant.is_some() || c.phone.is_some() {
                self.audit(&actor.entry("view_full", "complaint", c.id, serde_json::json!({})))
                    .await?;
            }
        }
        Ok(c)
    }

    /// Answers a complaint with a finding and a reply; upheld, it goes on the institution's
    /// credit record, and a hazard is opened when a category is given.
    pub async fn answer_complaint(&self, id: i64, answer: &Answer, scope: &str, actor: &Actor) -> Result<()> {
        let today = self.clock.today();
        let c = self
            .complaints_visible(scope, &Viewer::Division, today)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound)?;
        if c.status() != ComplaintStatus::Received {
            return Err(StoreError::Refused("该投诉已答复".into()));
        }
        let mut errors = Vec::new();
        let finding = ComplaintFinding::parse(answer.finding.trim());
        if finding.is_none() {
            errors.push(FieldError::new("finding", "请选择核查结论"));
        }
        let reply = answer.reply.trim();
        if reply.is_empty() {
            errors.push(FieldError::new("reply", "请填写答复内容"));
        }
        errors.extend(yiyang_domain::text::too_long("reply", "答复", reply, 2000));
        let hazard = match answer.hazard_category.trim() {
            "" => None,
            v => {
                let h = HazardCategory::parse(v);
                if h.is_none() {
                    errors.push(FieldError::new("hazard_category", "请选择隐患类别"));
                }
                if answer.responsible.trim().is_empty() {
                    errors.push(FieldError::new("responsible", "列入隐患清单须填写整改责任人"));
                }
                if c.object().is_none() {
                    errors.push(FieldError::new(
                        "hazard_category",
                        "未指明机构或服务组织的投诉不能列入隐患清单",
                    ));
                }
                h
            }
        };
        let (Some(finding), true) = (finding, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        if hazard.is_some() && !finding.upheld() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "hazard_category",
                "未查实的投诉不列入隐患清单",
            )]));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut hazard_id: Option<i64> = None;
            if let (Some(cat), Some(object)) = (hazard, c.object()) {
                let (inst, provider, facility) = object.columns();
                hazard_id = Some(sqlx::query_scalar(
                    "INSERT INTO hazards (institution_id, provider_id, facility_id, category, severity, description, responsible_unit, \
                     responsible_person, deadline, status, opened_by, opened_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11) RETURNING id")
                    .bind(inst).bind(provider).bind(facility).bind(cat.code()).bind(Outcome::Serious.code())
                    .bind(format!("投诉查实（{}）：{}", c.category_label(), reply))
                    .bind(c.about()).bind(answer.responsible.trim())
                    .bind(today + chrono::Days::new(super::rectification_days(Outcome::Serious)))
                    .bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?);
            }
            let n = sqlx::query("UPDATE complaints SET status = 'answered', finding = $2, reply = $3, answered_by = $4, answered_at = $5, \
                 hazard_id = $6 WHERE id = $1 AND status = 'received'")
                .bind(id).bind(finding.code()).bind(reply).bind(&actor.name).bind(now()).bind(hazard_id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("该投诉已答复".into()));
            }
            if let (true, Some(object)) = (finding.upheld(), c.object()) {
                let (inst, provider, facility) = object.columns();
                sqlx::query(super::credit::INSERT_CREDIT)
                    .bind(inst).bind(provider).bind(facility).bind(CreditKind::ComplaintUpheld.code()).bind(today)
                    .bind(format!("投诉{}（{}）", finding.label(), c.category_label()))
                    .bind(format!("complaint:{id}")).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("answer", "complaint", id,
                serde_json::json!({"finding": finding.code(), "hazard": hazard_id}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The party complained about states its side (情况说明) while the complaint awaits the
    /// county's answer, once. A complaint about someone else is not found, like an unknown one.
    pub async fn explain_complaint(&self, id: i64, party: &Party, statement: &str, actor: &Actor) -> Result<()> {
        let (institution, provider) = match party {
            Party::Institution(code) => (code.as_str(), -1),
            Party::Provider(p) => ("", *p),
        };
        let c: Option<Complaint> = with_pool!(self, pool => sqlx::query_as(&format!(
            "{SELECT} WHERE c.id = $1 AND ((i.code = $2 AND $2 <> '') OR c.provider_id = $3)"))
            .bind(id).bind(institution).bind(provider).fetch_optional(pool).await?);
        let c = c.ok_or(StoreError::NotFound)?;
        if c.status() != ComplaintStatus::Received {
            return Err(StoreError::Refused("民政部门已答复，不能再提交情况说明".into()));
        }
        if c.statement.is_some() {
            return Err(StoreError::Refused("情况说明已提交，不能修改".into()));
        }
        let statement = Statement::parse(statement).map_err(|e| StoreError::Invalid(vec![e]))?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE complaints SET statement = $2, statement_by = $3, statement_at = $4 \
                 WHERE id = $1 AND status = 'received' AND statement IS NULL")
                .bind(id).bind(statement.as_str()).bind(&actor.name).bind(now())
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Refused("情况说明已提交，不能修改".into()));
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("explain", "complaint", id,
                serde_json::json!({"chars": statement.as_str().chars().count()}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The complaint a receipt code names, for its complainant: no one's name or phone.
    pub async fn complaint_by_code(&self, code: &str) -> Result<Option<Complaint>> {
        let code = code.trim().to_uppercase();
        if code.len() != 12 {
            return Ok(None);
        }
        let c: Option<Complaint> = with_pool!(self, pool => sqlx::query_as(&format!("{SELECT} WHERE c.code = $1"))
            .bind(&code).fetch_optional(pool).await?);
        Ok(c.map(Complaint::for_complainant))
    }

    /// The complainant rates the answer; the complaint is closed.
    pub async fn rate_complaint(&self, code: &str, satisfaction: &str, actor: &Actor) -> Result<()> {
        let c = self.complaint_by_code(code).await?.ok_or(StoreError::NotFound)?;
        let s = Satisfaction::parse(satisfaction.trim())
            .ok_or_else(|| StoreError::Invalid(vec![FieldError::new("satisfaction", "请选择评价")]))?;
        if c.status() != ComplaintStatus::Answered {
            return Err(StoreError::Refused(match c.status() {
                ComplaintStatus::Received => "投诉尚未答复，答复后才能评价".into(),
                _ => "已评价".into(),
            }));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE complaints SET status = 'closed', satisfaction = $2, rated_at = $3 WHERE id = $1 AND status = 'answered'")
                .bind(c.id).bind(s.code()).bind(now()).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("rate", "complaint", c.id, serde_json::json!({"satisfaction": s.code()}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A family's complaint about one of its orders (the order read through the family's own
    /// viewer): it reaches the supervision list of the older person's county, naming the
    /// provider and the order; one open complaint per order. Returns (id, receipt code).
    pub async fn complain_about_order(
        &self,
        order: &crate::services::orders::Order,
        input: &ComplaintInput,
        actor: &Actor,
    ) -> Result<(i64, String)> {
        let mut errors = Vec::new();
        let (category, content) = what_about(input, &mut errors);
        let (Some(category), true) = (category, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let open: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT code FROM complaints WHERE order_id = $1 AND status = 'received' LIMIT 1")
            .bind(order.id).fetch_optional(pool).await?);
        if let Some(code) = open {
            return Err(StoreError::Refused(format!(
                "这笔订单的投诉正在处理（受理号 {code}），答复后可再投诉"
            )));
        }
        let division = order.division[..6.min(order.division.len())].to_string();
        let opt = |s: &str| Some(s.trim().chars().take(50).collect::<String>()).filter(|s| !s.is_empty());
        let today = self.clock.today();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let code = receipt_code(rand::random());
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO complaints (code, provider_id, order_id, division, category, channel, content, complainant, phone, status, \
                 received_on, received_at, received_by) VALUES ($1, $2, $3, $4, $5, 'online', $6, $7, $8, 'received', $9, $10, $11) RETURNING id")
                .bind(&code).bind(order.provider_id).bind(order.id).bind(&division).bind(category.code())
                .bind(content).bind(opt(&input.complainant)).bind(opt(&input.phone)).bind(today).bind(now()).bind(&actor.name)
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "complaint", id,
                serde_json::json!({"category": category.code(), "channel": "online", "provider": order.provider_id, "order": order.id}))).await?;
            tx.commit().await?;
            Ok((id, code))
        })
    }

    /// The complaints made on an order, oldest first, as its family sees them (no complainant:
    /// they made it).
    pub async fn complaints_on_order(&self, order_id: i64) -> Result<Vec<Complaint>> {
        let rows: Vec<Complaint> = with_pool!(self, pool => sqlx::query_as(&format!("{SELECT} WHERE c.order_id = $1 ORDER BY c.id"))
            .bind(order_id).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Complaint::for_complainant).collect())
    }

    /// The complaints about a provider's services, newest first (at most `limit`), as the
    /// provider sees them: what was complained of, on which order, and the county's finding and
    /// reply — never who complained or their phone.
    pub async fn complaints_about_provider(&self, provider_id: i64, limit: i64) -> Result<Vec<Complaint>> {
        let rows: Vec<Complaint> = with_pool!(self, pool => sqlx::query_as(&format!(
            "{SELECT} WHERE c.provider_id = $1 ORDER BY c.id DESC LIMIT $2"))
            .bind(provider_id).bind(limit.clamp(1, 500)).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Complaint::without_complainant).collect())
    }

    /// A provider's complaints reaching supervision: (all, upheld in whole or part).
    pub async fn provider_complaint_counts(&self, provider_id: i64) -> Result<(i64, i64)> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN finding IN ('upheld', 'partly') THEN 1 ELSE 0 END), 0) \
             FROM complaints WHERE provider_id = $1")
            .bind(provider_id).fetch_one(pool).await?))
    }
}
