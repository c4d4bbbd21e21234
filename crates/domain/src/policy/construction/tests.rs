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
        new_beds_since: Some(d("2022-01-18")),
        rebuild_all_beds: true,
    }
}

/// `n` beds, nursing-type or not, put into use on `opened` ("" for no date on file), unpaid.
fn beds(n: usize, nursing: bool, opened: &str) -> Vec<BedFact> {
    (0..n)
        .map(|i| BedFact {
            id: i as i64 + 1,
            nursing,
            opened_on: (!opened.is_empty()).then(|| d(opened)),
            out_of_service: false,
            paid: false,
        })
        .collect()
}

/// Several groups of beds with ids running on.
fn mixed(groups: &[(usize, bool, &str)]) -> Vec<BedFact> {
    let mut all: Vec<BedFact> = Vec::new();
    for (n, nursing, opened) in groups {
        let first = all.len() as i64;
        all.extend(
            beds(*n, *nursing, opened)
                .into_iter()
                .map(|b| BedFact { id: b.id + first, ..b }),
        );
    }
    all
}

fn facts() -> ConstructionFacts {
    ConstructionFacts {
        kind: crate::institution::InstitutionKind::PrivateNonprofit,
        membership: false,
        health_accepted: true,
        medical_care: true,
        filed_on: Some(d("2024-05-01")),
        beds: beds(40, true, "2024-03-01"),
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
    // 新建 read as "put into use once the document is in force"; the rebuilt schedule
    // counts nursing and other beds alike (护理型和非护理型养老床位不得重复补助).
    assert_eq!(p.new_beds_since, Some(pack.effective_from));
    assert!(p.rebuild_all_beds);
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
            beds: beds(29, true, "2024-03-01"),
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
            // 30 of the 40 beds were paid before.
            beds: beds(40, true, "2024-03-01")
                .into_iter()
                .enumerate()
                .map(|(i, b)| BedFact { paid: i < 30, ..b })
                .collect(),
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

#[test]
fn old_and_undated_beds_are_not_new_beds_and_each_reason_is_shown() {
    // 35 nursing beds: 20 in use before the document, 3 with no date, 12 since.
    let f = ConstructionFacts {
        beds: mixed(&[
            (20, true, "2021-06-01"),
            (3, true, ""),
            (12, true, "2022-01-18"),
            (10, false, "2023-01-01"),
        ]),
        ..facts()
    };
    let r = decide(&f, &params());
    assert!(!r.eligible() && r.amount_fen == 0 && r.bed_ids.is_empty());
    assert_eq!(
        r.conditions[0],
        (
            "2022-01-18 以后投入使用的护理型床位不少于 30 张（现有 12 张）".to_string(),
            false
        )
    );
    let why = |words: &str| r.excluded.iter().find(|(w, _)| w.contains(words)).map(|(_, n)| *n);
    assert_eq!(why("2022-01-18 前已投入使用"), Some(20));
    assert_eq!(why("未登记投用日期"), Some(3));
    assert_eq!(why("非护理型"), Some(10));
    // With 30 new beds it pays those 30, never the old ones, and names them by id.
    let f = ConstructionFacts {
        beds: mixed(&[(20, true, "2021-06-01"), (30, true, "2025-05-05")]),
        ..facts()
    };
    let r = decide(&f, &params());
    assert!(r.eligible());
    assert_eq!((r.beds, r.amount_fen), (30, 15_000_000));
    assert_eq!(r.bed_ids, (21..=50).collect::<Vec<i64>>());
    // A pack that does not read 新建 by date counts every nursing bed.
    let r = decide(
        &f,
        &ConstructionParams {
            new_beds_since: None,
            ..params()
        },
    );
    assert_eq!(r.beds, 50);
}

#[test]
fn the_rebuilt_schedule_counts_other_beds_too_and_no_bed_is_paid_twice() {
    // 改建 premises: 20 nursing and 15 other beds reach 达到30张床位以上; dates do not matter.
    let mut all = mixed(&[(20, true, "2019-01-01"), (15, false, "")]);
    all[0].paid = true;
    all[21].out_of_service = true;
    let f = ConstructionFacts {
        premises: Some(Premises::Rebuilt),
        medical_care: false,
        beds: all,
        ..facts()
    };
    let r = decide(&f, &params());
    assert!(r.eligible(), "{:?}", r.conditions);
    assert_eq!(r.conditions[0].0, "床位不少于 30 张（现有 35 张）");
    assert_eq!((r.beds, r.amount_fen), (33, 33 * 100_000));
    assert!(!r.bed_ids.contains(&1) && !r.bed_ids.contains(&22));
    let why = |words: &str| r.excluded.iter().find(|(w, _)| w.contains(words)).map(|(_, n)| *n);
    assert_eq!((why("已补助过"), why("停用")), (Some(1), Some(1)));
    // Where the pack does not say so, the rebuilt schedule counts nursing beds only.
    let r = decide(
        &f,
        &ConstructionParams {
            rebuild_all_beds: false,
            ..params()
        },
    );
    assert!(!r.eligible() && r.conditions[0].0.contains("护理型床位不少于 30 张（现有 20 张）"));
}

proptest! {
    #[test]
    fn never_more_than_the_unpaid_beds_or_the_cap(
        unpaid in 0u32..500, paid in 0i64..120_000_000, medical: bool, beds in 0u32..600,
        premises in proptest::sample::select(Premises::ALL.to_vec()), lease in proptest::option::of(0i64..20),
    ) {
        let mut all = mixed(&[(beds as usize, true, "2024-03-01"), (40, false, "2024-03-01"), (20, true, "2020-01-01"), (5, true, "")]);
        for b in all.iter_mut().skip(unpaid as usize) {
            b.paid = true;
        }
        let f = ConstructionFacts { medical_care: medical, beds: all, paid_fen: paid, premises: Some(premises), lease_years: lease, ..facts() };
        let r = decide(&f, &params());
        let unpaid = f.beds.iter().filter(|b| !b.paid).count();
        prop_assert!((r.beds as usize) <= unpaid && r.bed_ids.len() == r.beds as usize);
        prop_assert!(r.bed_ids.iter().all(|id| f.beds.iter().any(|b| b.id == *id && !b.paid)));
        prop_assert!(r.amount_fen == r.beds as i64 * r.per_bed_fen);
        prop_assert!(r.amount_fen == 0 || paid + r.amount_fen <= r.cap_fen);
    }
}
