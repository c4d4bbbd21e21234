//! One-off construction subsidies per nursing-type bed (会府发〔2021〕7号 第二十一条): who
//! qualifies, how much, the cap per institution, and "one bed is paid once". The amounts and
//! conditions are pack parameters (`jianshe_*`); this module only applies them. Pure: no I/O.
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
        })
    }
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
    pub nursing_beds: u32,
    /// Nursing-type beds never paid a construction subsidy.
    pub unpaid_nursing_beds: u32,
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
    let mut conditions = vec![
        (
            format!("护理型床位不少于 {} 张（现有 {} 张）", p.min_beds, f.nursing_beds),
            f.nursing_beds as i64 >= p.min_beds,
        ),
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
    let per_bed_fen = if f.medical_care { medical } else { other };
    let room = (cap_fen - f.paid_fen).max(0);
    let by_cap = room.checked_div(per_bed_fen).unwrap_or(0).clamp(0, u32::MAX as i64) as u32;
    let eligible = conditions.iter().all(|(_, m)| *m);
    let beds = if eligible { f.unpaid_nursing_beds.min(by_cap) } else { 0 };
    ConstructionDecision {
        capped: eligible && by_cap < f.unpaid_nursing_beds,
        amount_fen: beds as i64 * per_bed_fen,
        schedule,
        per_bed_fen,
        cap_fen,
        beds,
        conditions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn params() -> ConstructionParams {
        ConstructionParams {
            pack_id: "huichang-2021".into(),
            pack_version: "1".into(),
            per_bed_medical_fen: 500_000,
            per_bed_other_fen: 200_000,
            cap_fen: 100_000_000,
            min_beds: 30,
            min_months: 12,
            clause: "会府发〔2021〕7号 第二十一条".into(),
            rebuild: Some((300_000, 100_000, 50_000_000)),
            min_lease_years: 5,
            private_only: true,
            no_membership: true,
            health_acceptance: true,
        }
    }

    fn facts() -> ConstructionFacts {
        ConstructionFacts {
            kind: crate::institution::InstitutionKind::PrivateNonprofit,
            membership: false,
            health_accepted: true,
            medical_care: true,
            filed_on: Some(d("2024-05-01")),
            nursing_beds: 40,
            unpaid_nursing_beds: 40,
            paid_fen: 0,
            today: d("2026-11-23"),
            premises: Some(Premises::Built),
            lease_years: None,
        }
    }

    #[test]
    fn the_shipped_huichang_pack_sets_the_subsidy() {
        let packs = crate::policy::shipped::packs();
        let pack = packs.iter().find(|p| p.id == "huichang-2021").unwrap();
        let p = ConstructionParams::from_pack(pack, d("2026-11-23")).unwrap();
        assert_eq!(
            (p.per_bed_medical_fen, p.per_bed_other_fen, p.cap_fen),
            (500_000, 200_000, 100_000_000)
        );
        assert_eq!((p.min_beds, p.min_months), (30, 12));
        assert_eq!(p.rebuild, Some((300_000, 100_000, 50_000_000)));
        assert_eq!(p.min_lease_years, 5);
        assert!(p.private_only && p.no_membership && p.health_acceptance);
        let bench = packs.iter().find(|p| p.id == "bench").unwrap();
        assert_eq!(ConstructionParams::from_pack(bench, d("2026-11-23")), None);
    }

    #[test]
    fn public_homes_public_private_ones_membership_homes_and_unaccepted_medical_care_get_nothing_with_the_reason() {
        use crate::institution::InstitutionKind;
        for kind in [InstitutionKind::Public, InstitutionKind::PublicPrivate] {
            let r = decide(&ConstructionFacts { kind, ..facts() }, &params());
            assert!(!r.eligible() && r.amount_fen == 0, "{kind:?}");
            assert!(r
                .conditions
                .iter()
                .any(|(c, met)| !met && c.contains("公建民营不在补助之列")));
        }
        let r = decide(
            &ConstructionFacts {
                kind: InstitutionKind::PrivateForprofit,
                ..facts()
            },
            &params(),
        );
        assert!(r.eligible(), "民办营利 homes are 民办养老机构");
        let r = decide(
            &ConstructionFacts {
                membership: true,
                ..facts()
            },
            &params(),
        );
        assert!(!r.eligible() && r.conditions.iter().any(|(c, met)| !met && c == "不实行会员制"));
        let r = decide(
            &ConstructionFacts {
                health_accepted: false,
                ..facts()
            },
            &params(),
        );
        assert!(!r.eligible() && r.conditions.iter().any(|(c, met)| !met && c.contains("卫健委")));
        // Acceptance by the health commission is asked of 医养结合 institutions only.
        let r = decide(
            &ConstructionFacts {
                health_accepted: false,
                medical_care: false,
                ..facts()
            },
            &params(),
        );
        assert!(r.eligible());
    }

    #[test]
    fn medical_care_pays_more_and_the_conditions_must_hold() {
        let r = decide(&facts(), &params());
        assert!(r.eligible());
        assert_eq!((r.beds, r.amount_fen), (40, 20_000_000));
        let r = decide(
            &ConstructionFacts {
                medical_care: false,
                ..facts()
            },
            &params(),
        );
        assert_eq!(r.amount_fen, 8_000_000);
        let r = decide(
            &ConstructionFacts {
                nursing_beds: 29,
                unpaid_nursing_beds: 29,
                ..facts()
            },
            &params(),
        );
        assert!(!r.eligible() && r.amount_fen == 0 && !r.conditions[0].1);
        let r = decide(
            &ConstructionFacts {
                filed_on: Some(d("2026-01-01")),
                ..facts()
            },
            &params(),
        );
        assert!(!r.eligible() && !r.conditions[1].1);
        let r = decide(
            &ConstructionFacts {
                filed_on: None,
                ..facts()
            },
            &params(),
        );
        assert!(!r.eligible());
    }

    #[test]
    fn rebuilt_or_long_rented_premises_take_the_lower_schedule_and_short_leases_none() {
        // 会府发〔2021〕7号 第二十一条: 改建或租用期5年以上 — 3000 / 1000 yuan, cap 500,000.
        let rebuilt = ConstructionFacts {
            premises: Some(Premises::Rebuilt),
            ..facts()
        };
        let r = decide(&rebuilt, &params());
        assert!(r.eligible());
        assert_eq!(
            (r.schedule, r.per_bed_fen, r.cap_fen, r.amount_fen),
            ("改建或租用", 300_000, 50_000_000, 12_000_000)
        );
        let rented = |years: Option<i64>| ConstructionFacts {
            premises: Some(Premises::Rented),
            lease_years: years,
            medical_care: false,
            ..facts()
        };
        let r = decide(&rented(Some(8)), &params());
        assert!(r.eligible());
        assert_eq!(r.amount_fen, 40 * 100_000);
        for short in [Some(4), None] {
            let r = decide(&rented(short), &params());
            assert!(!r.eligible() && r.amount_fen == 0, "{short:?}");
            assert!(r.conditions.iter().any(|(c, met)| c.contains("租用期") && !met));
        }
        // The lower cap: 480,000 yuan already paid leaves room for 6 beds at 3,000 yuan.
        let r = decide(
            &ConstructionFacts {
                paid_fen: 48_000_000,
                ..rebuilt.clone()
            },
            &params(),
        );
        assert_eq!((r.beds, r.capped), (6, true));
        // No premises on file: not decided yet.
        let r = decide(
            &ConstructionFacts {
                premises: None,
                ..facts()
            },
            &params(),
        );
        assert!(!r.eligible());
        // A pack without the rebuilt schedule pays rebuilt premises nothing.
        let r = decide(
            &rebuilt,
            &ConstructionParams {
                rebuild: None,
                ..params()
            },
        );
        assert!(!r.eligible());
    }

    #[test]
    fn the_cap_counts_what_was_paid_before_and_pays_whole_beds() {
        let r = decide(
            &ConstructionFacts {
                unpaid_nursing_beds: 10,
                paid_fen: 98_200_000,
                ..facts()
            },
            &params(),
        );
        // 1,800,000 fen of room left: three beds at 500,000, not three and a bit.
        assert_eq!((r.beds, r.amount_fen, r.capped), (3, 1_500_000, true));
        let r = decide(
            &ConstructionFacts {
                paid_fen: 100_000_000,
                ..facts()
            },
            &params(),
        );
        assert_eq!((r.beds, r.amount_fen), (0, 0));
    }

    proptest! {
        #[test]
        fn never_more_than_the_unpaid_beds_or_the_cap(
            unpaid in 0u32..500, paid in 0i64..120_000_000, medical: bool, beds in 0u32..600,
            premises in proptest::sample::select(Premises::ALL.to_vec()), lease in proptest::option::of(0i64..20),
        ) {
            let f = ConstructionFacts { medical_care: medical, nursing_beds: beds, unpaid_nursing_beds: unpaid.min(beds), paid_fen: paid, premises: Some(premises), lease_years: lease, ..facts() };
            let r = decide(&f, &params());
            prop_assert!(r.beds <= f.unpaid_nursing_beds);
            prop_assert!(r.amount_fen == r.beds as i64 * r.per_bed_fen);
            prop_assert!(r.amount_fen == 0 || paid + r.amount_fen <= r.cap_fen);
        }
    }
}
