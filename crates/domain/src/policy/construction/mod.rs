//! One-off construction subsidies per nursing-type bed (会府发〔2021〕7号 第二十一条): who
//! qualifies, how much, the cap per institution, and "one bed is paid once". The amounts and
//! conditions are pack parameters (`jianshe_*`); this module only applies them. Pure: no I/O.
//!
//! Which beds count is decided bed by bed ([`BedFact`]): the 新建 schedule pays nursing-type
//! beds, and, where the pack reads 新建 as "put into use once the document is in force"
//! (`jianshe_new_beds_only`), only beds whose 投用日期 is on or after the pack's
//! `effective_from`; older beds, and beds with no date on file, are listed with that reason.
//! The rebuilt-or-rented schedule counts nursing and other beds alike where the pack says so
//! (`jianshe_rebuild_all_beds`: 达到30张床位以上 … 护理型和非护理型养老床位不得重复补助).
//!
//! The document sets two schedules by where the premises come from: beds in premises built or
//! bought (自建或购买用房新建) are paid at the `jianshe_new_*` rates under one cap; beds in
//! premises rebuilt, or rented for at least `jianshe_min_lease_years` years (改建或租用期5年以上),
//! at the `jianshe_rebuild_*` rates under a lower cap. Premises rented for a shorter term
//! qualify for neither.

use chrono::NaiveDate;
use serde::Serialize;

use super::Pack;

/// The pack parameters the subsidy reads, in force on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstructionParams {
    pub pack_id: String,
    pub pack_version: String,
    pub per_bed_medical_fen: i64,
    pub per_bed_other_fen: i64,
    pub cap_fen: i64,
    pub min_beds: i64,
    pub min_months: i64,
    pub clause: String,
    /// The rebuilt-or-rented schedule, where the pack sets one: (medical, other, cap).
    pub rebuild: Option<(i64, i64, i64)>,
    /// The shortest lease, in years, that counts as rented premises.
    pub min_lease_years: i64,
    /// Only privately run homes (民办) qualify: not 公办, not 公建民营 (`jianshe_private_only`).
    pub private_only: bool,
    /// Homes run on a membership basis are excluded (`jianshe_no_membership`).
    pub no_membership: bool,
    /// A 医养结合 institution must have passed the health commission's acceptance
    /// (`jianshe_health_acceptance`).
    pub health_acceptance: bool,
    /// Under the 新建 schedule only beds put into use on or after this day count (the pack's
    /// `effective_from`, where it sets `jianshe_new_beds_only`).
    pub new_beds_since: Option<NaiveDate>,
    /// The rebuilt-or-rented schedule counts every bed, not only nursing-type ones
    /// (`jianshe_rebuild_all_beds`).
    pub rebuild_all_beds: bool,
}

/// Where an institution's premises come from (用房来源), as filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Premises {
    Built,
    Bought,
    Rebuilt,
    Rented,
}

impl Premises {
    pub const ALL: [Premises; 4] = [Premises::Built, Premises::Bought, Premises::Rebuilt, Premises::Rented];

    pub fn code(self) -> &'static str {
        match self {
            Premises::Built => "built",
            Premises::Bought => "bought",
            Premises::Rebuilt => "rebuilt",
            Premises::Rented => "rented",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Premises::Built => "自建",
            Premises::Bought => "购买",
            Premises::Rebuilt => "改建",
            Premises::Rented => "租用",
        }
    }

    pub fn parse(s: &str) -> Option<Premises> {
        Premises::ALL
            .into_iter()
            .find(|p| p.code() == s.trim() || p.label() == s.trim())
    }
}

impl ConstructionParams {
    /// The parameters of `pack` on `day`; `None` when the pack sets no construction subsidy.
    pub fn from_pack(pack: &Pack, day: NaiveDate) -> Option<ConstructionParams> {
        let v = |name: &str| pack.param(name).map(|p| p.value_on(day));
        Some(ConstructionParams {
            pack_id: pack.id.clone(),
            pack_version: pack.version.clone(),
            per_bed_medical_fen: v("jianshe_new_yiyang")?,
            per_bed_other_fen: v("jianshe_new_other")?,
            cap_fen: v("jianshe_new_cap")?,
            min_beds: v("jianshe_min_beds")?,
            min_months: v("jianshe_min_months")?,
            clause: pack.param("jianshe_new_yiyang")?.clause.clone(),
            rebuild: match (
                v("jianshe_rebuild_yiyang"),
                v("jianshe_rebuild_other"),
                v("jianshe_rebuild_cap"),
            ) {
                (Some(a), Some(b), Some(c)) => Some((a, b, c)),
                _ => None,
            },
            min_lease_years: v("jianshe_min_lease_years").unwrap_or(5),
            private_only: v("jianshe_private_only") == Some(1),
            no_membership: v("jianshe_no_membership") == Some(1),
            health_acceptance: v("jianshe_health_acceptance") == Some(1),
            new_beds_since: (v("jianshe_new_beds_only") == Some(1)).then_some(pack.effective_from),
            rebuild_all_beds: v("jianshe_rebuild_all_beds") == Some(1),
        })
    }
}

/// One bed as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedFact {
    pub id: i64,
    pub nursing: bool,
    /// The day the bed was put into use (投用日期), where it is on file.
    pub opened_on: Option<NaiveDate>,
    /// 停用 beds are not paid.
    pub out_of_service: bool,
    /// The bed has a construction-subsidy record already (one bed is paid once).
    pub paid: bool,
}

/// What the register says about one institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstructionFacts {
    pub kind: crate::institution::InstitutionKind,
    /// Run on a membership basis (实行会员制).
    pub membership: bool,
    /// A 医养结合 institution accepted by the county health commission.
    pub health_accepted: bool,
    pub medical_care: bool,
    pub filed_on: Option<NaiveDate>,
    pub beds: Vec<BedFact>,
    /// Construction subsidy already granted to the institution.
    pub paid_fen: i64,
    pub today: NaiveDate,
    pub premises: Option<Premises>,
    /// The lease term of rented premises, in years.
    pub lease_years: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstructionDecision {
    /// Each condition with whether it is met.
    pub conditions: Vec<(String, bool)>,
    /// Which schedule applies: 新建 (built or bought) or 改建或租用.
    pub schedule: &'static str,
    pub per_bed_fen: i64,
    pub cap_fen: i64,
    /// Beds paid now (never more than the unpaid ones, never beyond the cap).
    pub beds: u32,
    /// The beds paid now, by id: the first `beds` payable ones.
    pub bed_ids: Vec<i64>,
    /// Beds the schedule does not pay, by reason, with how many (shown on the page).
    pub excluded: Vec<(String, u32)>,
    pub amount_fen: i64,
    /// Whether the cap stopped some unpaid beds from being paid.
    pub capped: bool,
}

impl ConstructionDecision {
    pub fn eligible(&self) -> bool {
        self.conditions.iter().all(|(_, met)| *met)
    }
}

pub fn decide(f: &ConstructionFacts, p: &ConstructionParams) -> ConstructionDecision {
    let operating_since = f.today - chrono::Months::new(p.min_months.max(0) as u32);
    let rebuild = matches!(f.premises, Some(Premises::Rebuilt | Premises::Rented));
    let (medical, other, cap_fen, schedule) = match (rebuild, p.rebuild) {
        (true, Some((a, b, c))) => (a, b, c, "改建或租用"),
        _ => (p.per_bed_medical_fen, p.per_bed_other_fen, p.cap_fen, "新建"),
    };
    let all_beds = rebuild && p.rebuild.is_some() && p.rebuild_all_beds;
    let since = if rebuild { None } else { p.new_beds_since };
    let (counted, excluded) = sort_beds(&f.beds, all_beds, since);
    let what = if all_beds { "床位" } else { "护理型床位" };
    let count_rule = match since {
        Some(day) => format!(
            "{day} 以后投入使用的{what}不少于 {} 张（现有 {} 张）",
            p.min_beds,
            counted.len()
        ),
        None => format!("{what}不少于 {} 张（现有 {} 张）", p.min_beds, counted.len()),
    };
    let mut conditions = vec![
        (count_rule, counted.len() as i64 >= p.min_beds),
        (
            format!("备案运营满 {} 个月", p.min_months),
            f.filed_on.is_some_and(|d| d <= operating_since),
        ),
    ];
    use crate::institution::InstitutionKind;
    if p.private_only {
        conditions.push((
            format!("民办养老机构（本机构为{}；公办、公建民营不在补助之列）", f.kind.label()),
            matches!(
                f.kind,
                InstitutionKind::PrivateNonprofit | InstitutionKind::PrivateForprofit
            ),
        ));
    }
    if p.no_membership {
        conditions.push(("不实行会员制".into(), !f.membership));
    }
    if p.health_acceptance && f.medical_care {
        conditions.push(("医养结合机构经县卫健委验收合格".into(), f.health_accepted));
    }
    match f.premises {
        None => conditions.push(("已登记用房来源（自建、购买、改建或租用）".into(), false)),
        Some(Premises::Rented) => conditions.push((
            format!(
                "租用期不少于 {} 年（登记 {}）",
                p.min_lease_years,
                f.lease_years.map_or("未填".to_string(), |y| format!("{y} 年"))
            ),
            f.lease_years.is_some_and(|y| y >= p.min_lease_years),
        )),
        Some(_) => {}
    }
    if rebuild && p.rebuild.is_none() {
        conditions.push(("当地政策包规定了改建或租用床位的补助".into(), false));
    }
    let payable: Vec<i64> = counted
        .iter()
        .filter(|b| !b.paid && !b.out_of_service)
        .map(|b| b.id)
        .collect();
    let per_bed_fen = if f.medical_care { medical } else { other };
    let room = (cap_fen - f.paid_fen).max(0);
    let by_cap = room.checked_div(per_bed_fen).unwrap_or(0).clamp(0, u32::MAX as i64) as usize;
    let eligible = conditions.iter().all(|(_, m)| *m);
    let bed_ids: Vec<i64> = if eligible {
        payable.iter().take(by_cap).copied().collect()
    } else {
        Vec::new()
    };
    ConstructionDecision {
        capped: eligible && by_cap < payable.len(),
        amount_fen: bed_ids.len() as i64 * per_bed_fen,
        schedule,
        per_bed_fen,
        cap_fen,
        beds: bed_ids.len() as u32,
        bed_ids,
        excluded,
        conditions,
    }
}

/// The beds a schedule counts, and the others by reason. Paid and 停用 beds still count
/// towards the minimum (they are the institution's beds); they are only not paid now.
fn sort_beds(beds: &[BedFact], all_beds: bool, since: Option<NaiveDate>) -> (Vec<&BedFact>, Vec<(String, u32)>) {
    let mut counted = Vec::new();
    let (mut other, mut old, mut undated, mut paid, mut stopped) = (0u32, 0u32, 0u32, 0u32, 0u32);
    for b in beds {
        if !b.nursing && !all_beds {
            other += 1;
            continue;
        }
        if let Some(day) = since {
            match b.opened_on {
                None => {
                    undated += 1;
                    continue;
                }
                Some(o) if o < day => {
                    old += 1;
                    continue;
                }
                Some(_) => {}
            }
        }
        if b.paid {
            paid += 1;
        } else if b.out_of_service {
            stopped += 1;
        }
        counted.push(b);
    }
    let since = since.map(|d| d.to_string()).unwrap_or_default();
    let excluded = [
        (other, "非护理型床位（本项只补助护理型床位）".to_string()),
        (old, format!("{since} 前已投入使用，不属新建床位")),
        (undated, "未登记投用日期，无法确认为新建床位".to_string()),
        (paid, "已补助过（一张床只补助一次）".to_string()),
        (stopped, "停用".to_string()),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| (why, n))
    .collect();
    (counted, excluded)
}

#[cfg(test)]
mod tests;
