//! The institutions register: institutions with their credit code and operator, and beds.

pub mod care_import;
pub mod construction;
pub mod residents;
pub mod staff;
pub mod staff_awards;
pub mod waitlist;

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::institution::{check_operator_assignment, CreditCode, InstitutionKind, NewBeds};
use yiyang_domain::person::FieldError;
use yiyang_domain::policy::construction::Premises;
use yiyang_domain::DivisionCode;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// What a form or an import supplies, as text.
#[derive(Debug, Clone, Default)]
pub struct InstitutionInput {
    pub code: String,
    pub name: String,
    pub credit_code: String,
    pub kind: String,
    pub division: String,
    pub address: String,
    pub filed_on: String,
    pub medical_care: bool,
    pub clinic: String,
    pub longitude: String,
    pub latitude: String,
    pub credit_commitment: bool,
    pub fire_safety: String,
    pub licence_no: String,
    pub licence_until: String,
}

/// Changes to an institution's filing and supervision facts.
#[derive(Debug, Clone, Default)]
pub struct FilingInput {
    pub status: String,
    pub fire_safety: String,
    pub licence_no: String,
    pub licence_until: String,
    pub credit_commitment: bool,
    pub last_penalty_on: String,
    pub dishonest: bool,
    pub clinic: String,
    /// 用房来源: built, bought, rebuilt, rented (code or label), or empty if not known.
    pub premises: String,
    /// Lease term in years, for rented premises.
    pub lease_years: String,
    /// Run on a membership basis (实行会员制).
    pub membership: bool,
    /// A 医养结合 institution accepted by the county health commission (经县卫健委验收合格).
    pub health_accepted: bool,
    /// A private institution contracted to house 特困人员 (一院两制).
    pub tekun_contract: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Institution {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub kind: String,
    pub division: String,
    pub address: Option<String>,
    pub operator: Option<String>,
    pub status: String,
    pub filed_on: Option<NaiveDate>,
    pub medical_care: bool,
    pub clinic: Option<String>,
    pub longitude: Option<String>,
    pub latitude: Option<String>,
    pub credit_commitment: bool,
    pub fire_safety: String,
    pub licence_no: Option<String>,
    pub licence_until: Option<NaiveDate>,
    pub last_penalty_on: Option<NaiveDate>,
    pub dishonest: bool,
    pub premises: Option<String>,
    pub lease_years: Option<i64>,
    pub membership: bool,
    pub health_accepted: bool,
    /// Contracted by the county to house 特困人员 (一院两制): their support is paid to it.
    pub tekun_contract: bool,
    /// The grade of the latest GB/T 37276-2018 grading (0: not graded).
    pub grade: i64,
    pub beds: i64,
    pub nursing_beds: i64,
    pub occupied: i64,
}

impl Institution {
    pub fn status_label(&self) -> &'static str {
        label_of(&INSTITUTION_STATUSES, &self.status)
    }

    pub fn fire_safety_label(&self) -> &'static str {
        label_of(&FIRE_SAFETY, &self.fire_safety)
    }

    pub fn kind_label(&self) -> &'static str {
        InstitutionKind::parse(&self.kind).map_or("", |k| k.label())
    }

    pub fn premises_label(&self) -> &'static str {
        self.premises
            .as_deref()
            .and_then(Premises::parse)
            .map_or("未登记", |p| p.label())
    }

    /// Occupied beds as a share of all beds, in percent (0 when there are no beds).
    pub fn occupancy_pct(&self) -> i64 {
        (self.occupied * 100).checked_div(self.beds).unwrap_or(0)
    }

    /// Nursing-type beds as a share of all beds, in percent (target ≥ 60%: 会府发〔2021〕7号 (三)).
    pub fn nursing_pct(&self) -> i64 {
        (self.nursing_beds * 100).checked_div(self.beds).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Bed {
    pub id: i64,
    pub building: String,
    pub room: String,
    pub number: String,
    pub nursing: bool,
    pub dementia_unit: bool,
    pub status: String,
    /// 投用日期, where it is on file.
    pub opened_on: Option<NaiveDate>,
}

pub const INSTITUTION_STATUSES: [(&str, &str); 3] =
    [("operating", "运营中"), ("suspended", "暂停运营"), ("closed", "已关闭")];

/// Fire-safety approval (消防验收/备案) as filed.
pub const FIRE_SAFETY: [(&str, &str); 4] = [
    ("approved", "已通过消防验收或备案"),
    ("pending", "整改中"),
    ("none", "未取得"),
    ("unknown", "未填报"),
];

fn label_of(table: &[(&'static str, &'static str)], code: &str) -> &'static str {
    table.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

pub(crate) fn optional_date(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match raw.trim() {
        "" => None,
        s => match yiyang_domain::dates::parse_date(s) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new(field, e.to_string()));
                None
            }
        },
    }
}

/// A coordinate as decimal degrees inside China's extent, kept as text (it is not money, but
/// it is not computed with either).
pub(crate) fn coordinate(
    field: &str,
    raw: &str,
    range: std::ops::RangeInclusive<f64>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match raw.trim() {
        "" => None,
        s => match s.parse::<f64>() {
            Ok(v) if range.contains(&v) => Some(s.to_string()),
            _ => {
                errors.push(FieldError::new(
                    field,
                    format!("坐标“{s}”应为 {}-{} 之间的十进制度数", range.start(), range.end()),
                ));
                None
            }
        },
    }
}

pub const BED_STATUSES: [(&str, &str); 4] = [
    ("vacant", "空闲"),
    ("occupied", "在住"),
    ("reserved", "预留"),
    ("out_of_service", "停用"),
];

const SELECT: &str =
    "SELECT i.id, i.code, i.name, i.credit_code, i.kind, i.division, i.address, i.operator, i.status, \
     i.filed_on, i.medical_care, i.clinic, i.longitude, i.latitude, i.credit_commitment, i.fire_safety, i.licence_no, \
     i.licence_until, i.last_penalty_on, i.dishonest, i.premises, i.lease_years, i.membership, i.health_accepted, i.tekun_contract, \
     COALESCE((SELECT g.grade FROM gradings g WHERE g.institution_id = i.id ORDER BY g.evaluated_on DESC, g.id DESC LIMIT 1), 0) AS grade, \
     (SELECT COUNT(*) FROM beds b WHERE b.institution_id = i.id) AS beds, \
     (SELECT COUNT(*) FROM beds b WHERE b.institution_id = i.id AND b.nursing) AS nursing_beds, \
     (SELECT COUNT(*) FROM beds b WHERE b.institution_id = i.id AND b.status = 'occupied') AS occupied \
     FROM institutions i";

impl Store {
    /// A division code that exists and lies inside `scope`; otherwise an error on `division`.
    pub(crate) fn division_in_scope(
        &self,
        raw: &str,
        scope: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<DivisionCode> {
        match DivisionCode::parse(raw) {
            Ok(d) if self.reference().division_name(d.as_str()).is_none() => {
                errors.push(FieldError::new("division", format!("区划代码 {} 不存在", d.as_str())));
                None
            }
            Ok(d) if !d.as_str().starts_with(scope) => {
                errors.push(FieldError::new(
                    "division",
                    format!("区划 {} 不在您的管辖范围内", d.as_str()),
                ));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new("division", e.to_string()));
                None
            }
        }
    }

    /// Checks and adds an institution inside `scope`. Errors name the field.
    pub async fn create_institution(&self, input: &InstitutionInput, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "请填写机构名称"));
        }
        let code = input.code.trim();
        if code.is_empty() {
            errors.push(FieldError::new("code", "请填写机构编号"));
        }
        use yiyang_domain::text::{too_long, ADDRESS_MAX, NAME_MAX};
        errors.extend(too_long("name", "机构名称", name, NAME_MAX));
        errors.extend(too_long("code", "机构编号", code, 40));
        errors.extend(too_long("address", "地址", &input.address, ADDRESS_MAX));
        let credit = match CreditCode::parse(&input.credit_code) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(FieldError::new("credit_code", e.to_string()));
                None
            }
        };
        let kind = InstitutionKind::parse(input.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择机构性质"));
        }
        let division = self.division_in_scope(&input.division, scope, &mut errors);
        let filed_on = optional_date("filed_on", &input.filed_on, &mut errors);
        let licence_until = optional_date("licence_until", &input.licence_until, &mut errors);
        let longitude = coordinate("longitude", &input.longitude, 73.0..=136.0, &mut errors);
        let latitude = coordinate("latitude", &input.latitude, 3.0..=54.0, &mut errors);
        let fire_safety = match input.fire_safety.trim() {
            "" => "unknown",
            s => match FIRE_SAFETY.iter().find(|(c, l)| *c == s || *l == s) {
                Some((c, _)) => c,
                None => {
                    errors.push(FieldError::new("fire_safety", format!("未知的消防审验状态“{s}”")));
                    "unknown"
                }
            },
        };
        let exists: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM institutions WHERE code = $1")
            .bind(code).fetch_one(pool).await?);
        if exists > 0 {
            errors.push(FieldError::new("code", format!("机构编号 {code} 已被使用")));
        }
        let (Some(credit), Some(kind), Some(division), true) = (credit, kind, division, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO institutions (code, name, kind, division, created_at, credit_code, address, filed_on, medical_care, \
                 clinic, longitude, latitude, credit_commitment, fire_safety, licence_no, licence_until) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id")
                .bind(code).bind(name).bind(kind.code()).bind(division.as_str()).bind(now())
                .bind(credit.as_str()).bind(input.address.trim()).bind(filed_on).bind(input.medical_care)
                .bind(Some(input.clinic.trim()).filter(|s| !s.is_empty())).bind(&longitude).bind(&latitude)
                .bind(input.credit_commitment).bind(fire_safety).bind(Some(input.licence_no.trim()).filter(|s| !s.is_empty()))
                .bind(licence_until)
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "institution", id,
                serde_json::json!({"code": code, "name": name, "credit_code": credit.as_str(), "kind": kind.code()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Updates the filing and supervision facts of an institution in `scope`.
    pub async fn update_filing(&self, id: i64, f: &FilingInput, scope: &str, actor: &Actor) -> Result<()> {
        let inst = self
            .institution_in_scope(id, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut errors = Vec::new();
        let public = InstitutionKind::parse(&inst.kind).is_none_or(|k| k.is_public());
        if f.tekun_contract && public {
            errors.push(FieldError::new(
                "tekun_contract",
                "“一院两制”是委托民办养老机构供养特困人员，公办和公建民营机构不适用",
            ));
        }
        if !INSTITUTION_STATUSES.iter().any(|(c, _)| *c == f.status) {
            errors.push(FieldError::new("status", "请选择运营状态"));
        }
        if !FIRE_SAFETY.iter().any(|(c, _)| *c == f.fire_safety) {
            errors.push(FieldError::new("fire_safety", "请选择消防审验状态"));
        }
        let licence_until = optional_date("licence_until", &f.licence_until, &mut errors);
        let penalty = optional_date("last_penalty_on", &f.last_penalty_on, &mut errors);
        let premises = match f.premises.trim() {
            "" => None,
            s => match Premises::parse(s) {
                Some(p) => Some(p),
                None => {
                    errors.push(FieldError::new("premises", "用房来源应为自建、购买、改建或租用"));
                    None
                }
            },
        };
        let lease_years: Option<i64> = match f.lease_years.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(y) if (1..=99).contains(&y) => Some(y),
                _ => {
                    errors.push(FieldError::new("lease_years", "租期应为 1-99 的整数（年）"));
                    None
                }
            },
        };
        if premises == Some(Premises::Rented) && lease_years.is_none() && errors.is_empty() {
            errors.push(FieldError::new("lease_years", "租用的用房请填写租期（年）"));
        }
        let lease_years = lease_years.filter(|_| premises == Some(Premises::Rented));
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE institutions SET status = $2, fire_safety = $3, licence_no = $4, licence_until = $5, \
                         credit_commitment = $6, last_penalty_on = $7, dishonest = $8, clinic = $9, premises = $10, \
                         lease_years = $11, membership = $12, health_accepted = $13, tekun_contract = $14 WHERE id = $1")
                .bind(id).bind(&f.status).bind(&f.fire_safety).bind(opt(&f.licence_no)).bind(licence_until)
                .bind(f.credit_commitment).bind(penalty).bind(f.dishonest).bind(opt(&f.clinic))
                .bind(premises.map(|p| p.code())).bind(lease_years).bind(f.membership).bind(f.health_accepted)
                .bind(f.tekun_contract).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("update_filing", "institution", id, serde_json::json!({
                "status": f.status, "fire_safety": f.fire_safety, "dishonest": f.dishonest,
                "last_penalty_on": penalty.map(|d| d.to_string()),
                "premises": premises.map(|p| p.code()), "lease_years": lease_years,
                "membership": f.membership, "health_accepted": f.health_accepted, "tekun_contract": f.tekun_contract}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Institutions located in `scope`, by division and name.
    pub async fn institutions_in(&self, scope: &str) -> Result<Vec<Institution>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!("{SELECT} WHERE i.division >= $1 AND i.division < $2 ORDER BY i.division, i.name");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// One institution, if it lies in `scope`.
    pub async fn institution_in_scope(&self, id: i64, scope: &str) -> Result<Option<Institution>> {
        let (lo, hi) = scope_range(scope);
        let sql = format!("{SELECT} WHERE i.id = $1 AND i.division >= $2 AND i.division < $3");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?))
    }

    /// Hands a public institution to `operator` (公建民营), refusing to give one operator every
    /// public institution of the county.
    pub async fn assign_operator(&self, id: i64, operator: &str, scope: &str, actor: &Actor) -> Result<()> {
        let operator = operator.trim();
        if operator.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "operator",
                "请填写运营方名称",
            )]));
        }
        let inst = self
            .institution_in_scope(id, scope)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !InstitutionKind::parse(&inst.kind).is_some_and(|k| k.is_public()) {
            return Err(StoreError::Refused("只有公办养老机构可以实行公建民营".into()));
        }
        let county: String = inst.division.chars().take(6).collect();
        let (lo, hi) = scope_range(&county);
        let public: Vec<(i64, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, operator FROM institutions WHERE division >= $1 AND division < $2 \
             AND kind IN ('public', 'public_private') AND status <> 'closed'")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        check_operator_assignment(&public, id, operator).map_err(|e| StoreError::Refused(e.to_string()))?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE institutions SET operator = $2, kind = 'public_private' WHERE id = $1")
                .bind(id).bind(operator).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("assign_operator", "institution", id,
                serde_json::json!({"operator": operator, "previous": inst.operator}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Adds `beds.count` beds numbered after the room's existing ones.
    pub async fn add_beds(&self, institution_id: i64, beds: &NewBeds, actor: &Actor) -> Result<u32> {
        let NewBeds {
            building,
            room,
            count,
            nursing,
            dementia_unit,
            opened_on,
        } = beds;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Two clerks adding beds to one room at once must not both count the same beds and
            // number the new ones alike: the institution's row lock puts them one after the other.
            sqlx::query("UPDATE institutions SET id = id WHERE id = $1").bind(institution_id).execute(&mut *tx).await?;
            let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM beds WHERE institution_id = $1 AND building = $2 AND room = $3")
                .bind(institution_id).bind(building).bind(room).fetch_one(&mut *tx).await?;
            for n in 1..=*count {
                sqlx::query("INSERT INTO beds (institution_id, building, room, number, nursing, dementia_unit, status, updated_at, opened_on) \
                             VALUES ($1, $2, $3, $4, $5, $6, 'vacant', $7, $8)")
                    .bind(institution_id).bind(building).bind(room).bind(format!("{}", have + n as i64))
                    .bind(nursing).bind(dementia_unit).bind(now()).bind(opened_on).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("add_beds", "institution", institution_id,
                serde_json::json!({"building": building, "room": room, "count": count, "nursing": nursing, "opened_on": opened_on}))).await?;
            tx.commit().await?;
        });
        Ok(*count)
    }

    pub async fn beds(&self, institution_id: i64) -> Result<Vec<Bed>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, building, room, number, nursing, dementia_unit, status, opened_on FROM beds WHERE institution_id = $1 \
             ORDER BY building, room, LENGTH(number), number")
            .bind(institution_id).fetch_all(pool).await?))
    }

    /// Changes a bed's status by hand: between 空闲, 预留 and 停用 only, and only for a bed no
    /// current resident holds. 在住 follows admission, bed moves, transfers, discharge and
    /// death, never a click on the board (which once let a second person onto an occupied bed).
    pub async fn set_bed_status(&self, institution_id: i64, bed_id: i64, status: &str, actor: &Actor) -> Result<()> {
        if !BED_STATUSES.iter().any(|(c, _)| *c == status) {
            return Err(StoreError::Invalid(vec![FieldError::new("status", "未知的床位状态")]));
        }
        if status == "occupied" {
            return Err(StoreError::Refused(
                "床位的“在住”状态随入住办理自动设置，不能手工设置".into(),
            ));
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM residents WHERE bed_id = $1 AND left_on IS NULL AND status IN ('in', 'leave')")
                .bind(bed_id).fetch_one(&mut *tx).await?;
            if held > 0 {
                return Err(StoreError::Refused(
                    "该床位有在住（或请假外出）的老人，不能手工改变状态；请先办理调床、转出或出院".into(),
                ));
            }
            let n = sqlx::query("UPDATE beds SET status = $3, updated_at = $4 WHERE id = $2 AND institution_id = $1")
                .bind(institution_id).bind(bed_id).bind(status).bind(now()).execute(&mut *tx).await?.rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("bed_status", "bed", bed_id, serde_json::json!({"status": status}))).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

impl Store {
    /// The institution a bed belongs to.
    pub async fn bed_institution(&self, bed_id: i64) -> Result<Option<i64>> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT institution_id FROM beds WHERE id = $1")
            .bind(bed_id).fetch_optional(pool).await?),
        )
    }
}
