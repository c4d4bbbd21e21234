//! Community and rural facilities (农村互助养老服务站点, 日间照料中心, …) and the subsidies
//! granted to them under the pack in force where they are. A subsidy is stored once per
//! facility and period, so granting again pays only what became due since.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::dates::Month;
use yiyang_domain::person::FieldError;
use yiyang_domain::policy::facility::{due, subsidies, FacilityDue, FacilityFacts, FACILITY_KINDS};
use yiyang_domain::policy::Pack;

use crate::audit::{Actor, AuditAppend};
use crate::benefits::PackChoice;
use crate::institutions::{coordinate, optional_date};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

pub const FACILITY_STATUSES: [(&str, &str); 3] = [
    ("operating", "正常运营"),
    ("suspended", "暂停运营"),
    ("closed", "已关闭"),
];

/// A facility as typed on the form or in a file.
#[derive(Debug, Clone, Default)]
pub struct FacilityInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub division: String,
    pub address: String,
    pub longitude: String,
    pub latitude: String,
    pub opened_on: String,
    pub demo_site: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Facility {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub division: String,
    pub address: Option<String>,
    pub longitude: Option<String>,
    pub latitude: Option<String>,
    pub opened_on: Option<NaiveDate>,
    pub status: String,
    pub demo_site: bool,
    /// Subsidies granted so far, in fen.
    pub granted_fen: i64,
}

impl Facility {
    pub fn kind_label(&self) -> &'static str {
        yiyang_domain::policy::facility::facility_kind_label(&self.kind)
    }
    pub fn status_label(&self) -> &'static str {
        FACILITY_STATUSES
            .iter()
            .find(|(c, _)| *c == self.status)
            .map_or("", |(_, l)| l)
    }
}

/// A granted subsidy.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FacilityGrant {
    pub subsidy: String,
    pub period: String,
    pub amount_fen: i64,
    pub pack_id: String,
    pub clause: String,
    pub granted_by: String,
    /// prepared → reviewed → approved → exported (see [`crate::grants`]).
    pub status: String,
}

impl FacilityGrant {
    pub fn status_label(&self) -> &'static str {
        crate::grants::status_label(&self.status)
    }
}

/// What granting would pay now, why the rest is not due, and what was granted.
#[derive(Debug, Clone)]
pub struct FacilityPreview {
    /// (pack id, version, title) of the pack in force where the facility is.
    pub pack: Option<(String, String, String)>,
    pub due: Vec<FacilityDue>,
    pub why_not: Vec<(String, String)>,
    pub granted: Vec<FacilityGrant>,
}

impl FacilityPreview {
    pub fn due_fen(&self) -> i64 {
        self.due.iter().map(|d| d.amount_fen).sum()
    }
}

const SELECT: &str = "SELECT f.id, f.code, f.name, f.kind, f.division, f.address, f.longitude, f.latitude, f.opened_on, \
     f.status, f.demo_site, CAST(COALESCE((SELECT SUM(s.amount_fen) FROM facility_subsidies s WHERE s.facility_id = f.id AND s.status <> 'rejected'), 0) AS BIGINT) \
     AS granted_fen FROM facilities f";

impl Store {
    /// Checks and adds a facility inside `scope`. Errors name the field.
    pub async fn create_facility(&self, input: &FacilityInput, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        let code = input.code.trim();
        if code.is_empty() {
            errors.push(FieldError::new("code", "请填写设施编号"));
        }
        let name = input.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "请填写名称"));
        }
        errors.extend(yiyang_domain::text::too_long(
            "name",
            "名称",
            name,
            yiyang_domain::text::NAME_MAX,
        ));
        errors.extend(yiyang_domain::text::too_long("code", "设施编号", code, 40));
        errors.extend(yiyang_domain::text::too_long(
            "address",
            "地址",
            &input.address,
            yiyang_domain::text::ADDRESS_MAX,
        ));
        let kind = FACILITY_KINDS
            .iter()
            .find(|(c, l)| *c == input.kind.trim() || *l == input.kind.trim())
            .map(|(c, _)| *c);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择设施类型"));
        }
        let division = self.division_in_scope(&input.division, scope, &mut errors);
        let opened_on = optional_date("opened_on", &input.opened_on, &mut errors);
        if opened_on.is_some_and(|d| d > self.clock.today()) {
            errors.push(FieldError::new("opened_on", "启用日期晚于今天"));
        }
        let longitude = coordinate("longitude", &input.longitude, 73.0..=136.0, &mut errors);
        let latitude = coordinate("latitude", &input.latitude, 3.0..=54.0, &mut errors);
        if !code.is_empty() {
            let n: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM facilities WHERE code = $1")
                .bind(code).fetch_one(pool).await?);
            if n > 0 {
                errors.push(FieldError::new("code", format!("设施编号 {code} 已被使用")));
            }
        }
        let (Some(kind), Some(division), true) = (kind, division, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO facilities (code, name, kind, division, address, longitude, latitude, opened_on, demo_site, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(code).bind(name).bind(kind).bind(division.as_str()).bind(opt(&input.address))
                .bind(&longitude).bind(&latitude).bind(opened_on).bind(input.demo_site).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "facility", id,
                serde_json::json!({"code": code, "name": name, "kind": kind, "division": division.as_str()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Facilities located in `scope`, by division and name.
    pub async fn facilities_in(&self, scope: &str) -> Result<Vec<Facility>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!("{SELECT} WHERE f.division >= $1 AND f.division < $2 ORDER BY f.division, f.name");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// One facility, if it lies in `scope`.
    pub async fn facility_in_scope(&self, id: i64, scope: &str) -> Result<Option<Facility>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!("{SELECT} WHERE f.id = $1 AND f.division >= $2 AND f.division < $3");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?))
    }

    /// Changes whether the facility operates, and whether it is a recognised demonstration site.
    pub async fn update_facility(
        &self,
        id: i64,
        status: &str,
        demo_site: bool,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.facility_in_scope(id, scope).await?.ok_or(StoreError::NotFound)?;
        if !FACILITY_STATUSES.iter().any(|(c, _)| *c == status) {
            return Err(StoreError::Invalid(vec![FieldError::new("status", "请选择运营状态")]));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE facilities SET status = $2, demo_site = $3 WHERE id = $1")
                .bind(id).bind(status).bind(demo_site).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("update", "facility", id,
                serde_json::json!({"status": status, "demo_site": demo_site}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The subsidies of a facility on `today` under the pack in force where it is.
    pub async fn facility_preview(&self, id: i64, packs: &[Pack], today: NaiveDate) -> Result<FacilityPreview> {
        let f: Facility = with_pool!(self, pool => sqlx::query_as(&format!("{SELECT} WHERE f.id = $1"))
            .bind(id).fetch_optional(pool).await?)
        .ok_or(StoreError::NotFound)?;
        let granted: Vec<FacilityGrant> = with_pool!(self, pool => sqlx::query_as(
            "SELECT subsidy, period, amount_fen, pack_id, clause, granted_by, status FROM facility_subsidies \
             WHERE facility_id = $1 ORDER BY granted_at, subsidy, period").bind(id).fetch_all(pool).await?);
        let mut choice = PackChoice::new(packs, Month::of(today), None)?;
        let Some(program) = choice.program(&f.division) else {
            return Ok(FacilityPreview {
                pack: None,
                due: Vec::new(),
                why_not: Vec::new(),
                granted,
            });
        };
        let pack = program.pack;
        let paid: Vec<(String, String)> = granted.iter().map(|g| (g.subsidy.clone(), g.period.clone())).collect();
        let (due, why_not) = due(
            &FacilityFacts {
                opened_on: f.opened_on,
                operating: f.status == "operating",
                demo_site: f.demo_site,
                today,
            },
            &subsidies(pack, &f.kind, today),
            &paid,
        );
        Ok(FacilityPreview {
            pack: Some((pack.id.clone(), pack.version.clone(), pack.title.clone())),
            due,
            why_not,
            granted,
        })
    }

    /// Grants what the preview shows as due, each (subsidy, period) once. Returns (count, fen).
    pub async fn grant_facility_subsidies(
        &self,
        id: i64,
        packs: &[Pack],
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<(usize, i64)> {
        let p = self.facility_preview(id, packs, today).await?;
        let Some((pack_id, pack_version, _)) = &p.pack else {
            return Err(StoreError::Refused("当地没有适用的政策包".into()));
        };
        if p.due.is_empty() {
            return Err(StoreError::Refused("目前没有应核定的设施补助".into()));
        }
        let (n, fen) = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (mut n, mut fen) = (0usize, 0i64);
            for d in &p.due {
                let done = sqlx::query(
                    "INSERT INTO facility_subsidies (facility_id, subsidy, period, amount_fen, pack_id, pack_version, clause, granted_by, granted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (facility_id, subsidy, period) DO NOTHING")
                    .bind(id).bind(d.subsidy).bind(&d.period).bind(d.amount_fen).bind(pack_id).bind(pack_version)
                    .bind(&d.clause).bind(&actor.name).bind(now()).execute(&mut *tx).await?.rows_affected();
                if done == 1 {
                    n += 1;
                    fen += d.amount_fen;
                }
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("grant_subsidies", "facility", id, serde_json::json!({
                "grants": p.due.iter().map(|d| serde_json::json!({"subsidy": d.subsidy, "period": d.period, "amount_fen": d.amount_fen})).collect::<Vec<_>>(),
                "pack": pack_id}))).await?;
            tx.commit().await?;
            (n, fen)
        });
        Ok((n, fen))
    }
}
