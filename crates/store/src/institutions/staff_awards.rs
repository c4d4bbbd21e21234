//! Staff incentives of an institution under the pack in force where it is: entry awards and
//! qualification subsidies per staff member, internship subsidies per intern. Each award is
//! stored once per person (table `staff_awards`), so granting again pays only what became due.

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::dates::Month;
use yiyang_domain::institution::InstitutionKind;
use yiyang_domain::person::FieldError;
use yiyang_domain::policy::staff_awards::{
    internship_subsidies, staff_awards, AwardDecision, AwardParams, InternFacts, InternSubsidy, StaffFacts, EDUCATION,
};
use yiyang_domain::policy::Pack;

use crate::audit::{Actor, AuditAppend};
use crate::benefits::PackChoice;
use crate::institutions::optional_date;
use crate::{now, with_pool, Result, Store, StoreError};

/// An intern hosted by an institution.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Intern {
    pub id: i64,
    pub name: String,
    pub started_on: NaiveDate,
    pub ended_on: NaiveDate,
    pub retained: bool,
}

/// One staff member's awards.
#[derive(Debug, Clone)]
pub struct StaffAwardRow {
    pub staff_id: i64,
    pub name: String,
    pub decisions: Vec<AwardDecision>,
    /// Awards already granted: (award, amount).
    pub granted: Vec<(String, i64)>,
}

impl StaffAwardRow {
    pub fn granted_award(&self, award: &str) -> Option<i64> {
        self.granted.iter().find(|(a, _)| a == award).map(|(_, f)| *f)
    }
}

/// One intern's subsidy.
#[derive(Debug, Clone)]
pub struct InternRow {
    pub intern: Intern,
    pub subsidy: Option<InternSubsidy>,
    pub granted_fen: Option<i64>,
}

/// What an institution's staff are due now.
#[derive(Debug, Clone)]
pub struct AwardsPreview {
    pub params: Option<AwardParams>,
    pub staff: Vec<StaffAwardRow>,
    pub interns: Vec<InternRow>,
}

/// One award ready to pay: (award, subject, amount, basis, clause).
type Payable = (&'static str, i64, i64, String, String);

impl AwardsPreview {
    /// Awards payable now and not granted yet.
    pub fn payable(&self) -> Vec<Payable> {
        let mut out = Vec::new();
        for s in &self.staff {
            for d in &s.decisions {
                if d.payable() && s.granted_award(d.award).is_none() {
                    let basis = d
                        .conditions
                        .iter()
                        .map(|(c, _)| c.as_str())
                        .collect::<Vec<_>>()
                        .join("；");
                    out.push((d.award, s.staff_id, d.amount_fen, basis, d.clause.clone()));
                }
            }
        }
        if let Some(p) = &self.params {
            let clause = p.internship.as_ref().map_or(String::new(), |(_, c)| c.clone());
            for i in &self.interns {
                if let (Some(sub), None) = (&i.subsidy, i.granted_fen) {
                    out.push((
                        "internship",
                        i.intern.id,
                        sub.amount_fen,
                        sub.basis.clone(),
                        clause.clone(),
                    ));
                }
            }
        }
        out
    }

    pub fn payable_fen(&self) -> i64 {
        self.payable().iter().map(|p| p.2).sum()
    }
}

impl Store {
    /// Records what the awards read about a staff member: schooling, an elderly-care major,
    /// the term of the labour contract in years.
    pub async fn set_staff_background(
        &self,
        institution_id: i64,
        staff_id: i64,
        education: &str,
        elderly_care_major: bool,
        contract_years: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut errors = Vec::new();
        let education = match education.trim() {
            "" => None,
            e => match EDUCATION.iter().find(|(c, l)| *c == e || *l == e) {
                Some((c, _)) => Some(*c),
                None => {
                    errors.push(FieldError::new("education", "请选择学历"));
                    None
                }
            },
        };
        let contract: Option<i64> = match contract_years.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(y) if (0..=50).contains(&y) => Some(y),
                _ => {
                    errors.push(FieldError::new(
                        "contract_years",
                        "劳动合同年限应为 0-50 的整数（0 表示无固定期限）",
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE staff SET education = $3, elderly_care_major = $4, contract_years = $5 \
                                 WHERE id = $1 AND institution_id = $2")
                .bind(staff_id).bind(institution_id).bind(education).bind(elderly_care_major).bind(contract)
                .execute(&mut *tx).await?.rows_affected();
            (*tx).append_audit(&self.audit_keys(), &actor.entry("staff_background", "institution", institution_id, serde_json::json!({
                "staff": staff_id, "education": education, "elderly_care_major": elderly_care_major, "contract_years": contract}))).await?;
            if n == 1 { tx.commit().await?; }
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Records an intern hosted by the institution.
    pub async fn add_intern(
        &self,
        institution_id: i64,
        name: &str,
        started_on: &str,
        ended_on: &str,
        retained: bool,
        actor: &Actor,
    ) -> Result<i64> {
        let mut errors = Vec::new();
        if name.trim().is_empty() {
            errors.push(FieldError::new("name", "请填写姓名"));
        }
        let from = optional_date("started_on", started_on, &mut errors);
        let to = optional_date("ended_on", ended_on, &mut errors);
        match (from, to) {
            (Some(a), Some(b)) if b < a => errors.push(FieldError::new("ended_on", "见习结束日期早于开始日期")),
            (None, _) if errors.is_empty() => errors.push(FieldError::new("started_on", "请填写见习开始日期")),
            (_, None) if errors.is_empty() => errors.push(FieldError::new("ended_on", "请填写见习结束日期")),
            _ => {}
        }
        let (Some(from), Some(to), true) = (from, to, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO interns (institution_id, name, started_on, ended_on, retained, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(institution_id).bind(name.trim()).bind(from).bind(to).bind(retained).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("add_intern", "institution", institution_id, serde_json::json!({
                "intern": id, "started_on": from.to_string(), "ended_on": to.to_string(), "retained": retained}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The staff incentives of an institution on `today`.
    pub async fn awards_preview(&self, institution_id: i64, packs: &[Pack], today: NaiveDate) -> Result<AwardsPreview> {
        let row: Option<(String, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT division, kind FROM institutions WHERE id = $1").bind(institution_id).fetch_optional(pool).await?);
        let (division, kind) = row.ok_or(StoreError::NotFound)?;
        let nonprofit = InstitutionKind::parse(&kind).is_some_and(|k| k != InstitutionKind::PrivateForprofit);
        type StaffRow = (
            i64,
            String,
            String,
            NaiveDate,
            Option<NaiveDate>,
            Option<String>,
            bool,
            Option<i64>,
            Option<String>,
        );
        let staff: Vec<StaffRow> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name, position, hired_on, left_on, education, elderly_care_major, contract_years, skill_level \
             FROM staff WHERE institution_id = $1 ORDER BY position, id").bind(institution_id).fetch_all(pool).await?);
        let interns: Vec<Intern> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name, started_on, ended_on, retained FROM interns WHERE institution_id = $1 ORDER BY ended_on, id")
            .bind(institution_id).fetch_all(pool).await?);
        let granted: Vec<(String, i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT award, subject_id, amount_fen FROM staff_awards WHERE institution_id = $1")
            .bind(institution_id).fetch_all(pool).await?);
        let mut choice = PackChoice::new(packs, Month::of(today), None)?;
        let params = choice.program(&division).map(|p| AwardParams::from_pack(p.pack, today));
        let staff_rows: Vec<StaffAwardRow> = staff
            .into_iter()
            .map(
                |(id, name, position, hired_on, left_on, education, major, contract, skill)| StaffAwardRow {
                    decisions: params.as_ref().map_or_else(Vec::new, |p| {
                        staff_awards(
                            &StaffFacts {
                                position,
                                hired_on,
                                left_on,
                                education,
                                elderly_care_major: major,
                                contract_years: contract,
                                skill_level: skill,
                                nonprofit_institution: nonprofit,
                            },
                            p,
                            today,
                        )
                    }),
                    granted: granted
                        .iter()
                        .filter(|g| g.1 == id && g.0 != "internship")
                        .map(|g| (g.0.clone(), g.2))
                        .collect(),
                    staff_id: id,
                    name,
                },
            )
            .collect();
        // Those who qualify first (payable, then eligible), the rest after, in roster order.
        let mut staff_rows: Vec<StaffAwardRow> = staff_rows;
        staff_rows.sort_by_key(|r| {
            (
                !r.decisions.iter().any(|d| d.payable()),
                !r.decisions.iter().any(|d| d.eligible()),
            )
        });
        let facts: Vec<InternFacts> = interns
            .iter()
            .map(|i| InternFacts {
                id: i.id,
                started_on: i.started_on,
                ended_on: i.ended_on,
                retained: i.retained,
            })
            .collect();
        let subsidies = params
            .as_ref()
            .map_or_else(Vec::new, |p| internship_subsidies(&facts, p, today));
        let intern_rows = interns
            .into_iter()
            .map(|i| InternRow {
                subsidy: subsidies.iter().find(|s| s.intern == i.id).cloned(),
                granted_fen: granted.iter().find(|g| g.0 == "internship" && g.1 == i.id).map(|g| g.2),
                intern: i,
            })
            .collect();
        Ok(AwardsPreview {
            params,
            staff: staff_rows,
            interns: intern_rows,
        })
    }

    /// Grants every award payable now, each once. Returns (count, fen).
    pub async fn grant_staff_awards(
        &self,
        institution_id: i64,
        packs: &[Pack],
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<(usize, i64)> {
        let p = self.awards_preview(institution_id, packs, today).await?;
        let Some(params) = &p.params else {
            return Err(StoreError::Refused("当地没有适用的政策包".into()));
        };
        let due = p.payable();
        if due.is_empty() {
            return Err(StoreError::Refused(
                "目前没有可发放的人才补贴（条件未满足，或金额待当地核定）".into(),
            ));
        }
        let (n, fen) = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (mut n, mut fen) = (0usize, 0i64);
            for (award, subject, amount, basis, clause) in &due {
                let done = sqlx::query(
                    "INSERT INTO staff_awards (award, subject_id, institution_id, amount_fen, basis, pack_id, pack_version, clause, granted_by, granted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (award, subject_id) DO NOTHING")
                    .bind(award).bind(subject).bind(institution_id).bind(amount).bind(basis).bind(&params.pack_id)
                    .bind(&params.pack_version).bind(clause).bind(&actor.name).bind(now())
                    .execute(&mut *tx).await?.rows_affected();
                if done == 1 {
                    n += 1;
                    fen += amount;
                }
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("grant_staff_awards", "institution", institution_id, serde_json::json!({
                "awards": n, "total_fen": fen, "pack": params.pack_id}))).await?;
            tx.commit().await?;
            (n, fen)
        });
        Ok((n, fen))
    }
}
