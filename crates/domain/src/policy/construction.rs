//! One-off construction subsidies per nursing-type bed (会府发〔2021〕7号 第二十一条): who
//! qualifies, how much, the cap per institution, and "one bed is paid once". The amounts and
//! conditions are pack parameters (`jianshe_*`); this module only applies them. Pure: no I/O.

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
        })
    }
}

/// What the register says about one institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstructionFacts {
    pub medical_care: bool,
    pub filed_on: Option<NaiveDate>,
    pub nursing_beds: u32,
    /// Nursing-type beds never paid a construction subsidy.
    pub unpaid_nursing_beds: u32,
    /// Construction subsidy already granted to the institution.
    pub paid_fen: i64,
    pub today: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstructionDecision {
    /// Each condition with whether it is met.
    pub conditions: Vec<(String, bool)>,
    pub per_bed_fen: i64,
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
    let conditions = vec![
        (
            format!("护理型床位不少于 {} 张（现有 {} 张）", p.min_beds, f.nursing_beds),
            f.nursing_beds as i64 >= p.min_beds,
        ),
        (
            format!("备案运营满 {} 个月", p.min_months),
            f.filed_on.is_some_and(|d| d <= operating_since),
        ),
    ];
    let per_bed_fen = if f.medical_care {
        p.per_bed_medical_fen
    } else {
        p.per_bed_other_fen
    };
    let room = (p.cap_fen - f.paid_fen).max(0);
    let by_cap = room.checked_div(per_bed_fen).unwrap_or(0).clamp(0, u32::MAX as i64) as u32;
    let eligible = conditions.iter().all(|(_, m)| *m);
    let beds = if eligible { f.unpaid_nursing_beds.min(by_cap) } else { 0 };
    ConstructionDecision {
        capped: eligible && by_cap < f.unpaid_nursing_beds,
        amount_fen: beds as i64 * per_bed_fen,
        per_bed_fen,
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
        }
    }

    fn facts() -> ConstructionFacts {
        ConstructionFacts {
            medical_care: true,
            filed_on: Some(d("2024-05-01")),
            nursing_beds: 40,
            unpaid_nursing_beds: 40,
            paid_fen: 0,
            today: d("2026-11-23"),
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
        let bench = packs.iter().find(|p| p.id == "bench").unwrap();
        assert_eq!(ConstructionParams::from_pack(bench, d("2026-11-23")), None);
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
        ) {
            let f = ConstructionFacts { medical_care: medical, nursing_beds: beds, unpaid_nursing_beds: unpaid.min(beds), paid_fen: paid, ..facts() };
            let r = decide(&f, &params());
            prop_assert!(r.beds <= f.unpaid_nursing_beds);
            prop_assert!(r.amount_fen == r.beds as i64 * r.per_bed_fen);
            prop_assert!(r.amount_fen == 0 || paid + r.amount_fen <= params().cap_fen);
        }
    }
}
