use super::*;
use proptest::prelude::*;
use std::path::PathBuf;

const BATCH: &str = include_str!("testdata/draw-batch.json");
const CANONICAL: &str = include_str!("testdata/draw-canonical.txt");
const EXPECTED: &str = include_str!("testdata/draw-expected.json");

fn example() -> Batch {
    Batch::parse(&serde_json::from_str(BATCH).unwrap()).unwrap()
}

#[test]
fn the_worked_example_gives_the_specs_canonical_text_seed_and_draw_byte_for_byte() {
    let b = example();
    assert_eq!(b.canonical_text(), CANONICAL);
    let d = b.draw().unwrap();
    assert_eq!(
        d.seed,
        "03ce543d81184eb0226a0c2459f98502fba4e5a9ff4b0b50269edc2cd1218395"
    );
    assert_eq!(d.to_json(), EXPECTED);
    assert_eq!(b.verify(&serde_json::from_str(EXPECTED).unwrap()), Ok(()));
}

#[test]
fn the_copies_of_the_worked_example_are_the_specs_own() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/standards/examples");
    if !dir.is_dir() {
        eprintln!("warning: {} is absent; the copies are not compared", dir.display());
        return;
    }
    for (name, ours) in [
        ("draw-batch.json", BATCH),
        ("draw-canonical.txt", CANONICAL),
        ("draw-expected.json", EXPECTED),
    ] {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), ours, "{name}");
    }
}

#[test]
fn verify_names_the_first_difference() {
    let b = example();
    let mut d: Draw = serde_json::from_str(EXPECTED).unwrap();
    d.objects[2].inspectors.swap(0, 1);
    let e = b.verify(&d).unwrap_err();
    assert!(
        e.contains("第 3 个抽中对象") && e.contains("523607353735110922") && e.contains("检查人员"),
        "{e}"
    );
    let mut d: Draw = serde_json::from_str(EXPECTED).unwrap();
    d.objects.pop();
    assert!(b.verify(&d).unwrap_err().contains("抽中对象数不同"));
    let mut f: BatchFile = serde_json::from_str(BATCH).unwrap();
    f.public_value = "2026001 03 09 14 22 27 + 12".into();
    let other = Batch::parse(&f).unwrap();
    assert!(other
        .verify(&serde_json::from_str(EXPECTED).unwrap())
        .unwrap_err()
        .contains("种子不同"));
}

#[test]
fn whitespace_in_the_public_value_is_one_space_and_duplicate_conflicts_count_once() {
    let mut f: BatchFile = serde_json::from_str(BATCH).unwrap();
    f.public_value = "  2026001\t03 09 14   22 27\n+ 11 ".into();
    f.conflicts.push(f.conflicts[0].clone());
    assert_eq!(Batch::parse(&f).unwrap().canonical_text(), CANONICAL);
}

#[test]
fn a_bad_batch_is_refused_naming_every_offending_item_and_nothing_is_drawn() {
    let mut f: BatchFile = serde_json::from_str(BATCH).unwrap();
    f.batch = "HC 2026".into();
    f.per_object = 0;
    f.ratios.insert("Bad-Name".into(), 10);
    f.ratios.insert("provider".into(), 101);
    f.objects[1].id = f.objects[0].id.clone();
    f.objects[2].stratum = "canteen".into();
    f.inspectors.push(InspectorEntry { id: "J100".into() });
    f.conflicts.push(("J999".into(), f.objects[3].id.clone()));
    let errors = Batch::parse(&f).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    for needle in [
        "batch：",
        "per_object：",
        "ratios.Bad-Name",
        "ratios.provider：抽查比例须为 0–100",
        "objects[1]（523607347791912765）：对象编号重复",
        "objects[2]（523607336802715564）：分层「canteen」",
        "inspectors[6]（J100）：检查人员编号重复",
        "conflicts[3]（J999",
    ] {
        assert!(all.contains(needle), "{needle} missing from:\n{all}");
    }
}

#[test]
fn too_few_inspectors_without_a_conflict_fails_naming_the_object() {
    let mut f: BatchFile = serde_json::from_str(BATCH).unwrap();
    f.inspectors.truncate(2);
    f.conflicts = vec![("J100".into(), "523607324265657743".into())];
    let e = Batch::parse(&f).unwrap().draw().unwrap_err();
    assert_eq!(
        e,
        DrawError::TooFewInspectors {
            object: "523607324265657743".into(),
            candidates: 1,
            needed: 2
        }
    );
    assert!(e.to_string().contains("523607324265657743"));
}

#[test]
fn ratio_zero_draws_none_and_a_hundred_draws_all() {
    let mut f: BatchFile = serde_json::from_str(BATCH).unwrap();
    f.ratios.insert("institution".into(), 0);
    let d = Batch::parse(&f).unwrap().draw().unwrap();
    assert!(d.objects.iter().all(|o| o.stratum != "institution"));
    assert_eq!(d.objects.iter().filter(|o| o.stratum == "institution_risk").count(), 3);
}

fn arb_batch() -> impl Strategy<Value = BatchFile> {
    (
        1usize..40,
        2usize..9,
        1i64..3,
        prop::collection::vec(0i64..=100, 3),
        any::<u32>(),
        prop::collection::vec((0usize..9, 0usize..40), 0..12),
    )
        .prop_map(|(n_obj, n_ins, per, ratios, pv, conflicts)| {
            let strata = ["a", "b_risk", "c2"];
            let objects: Vec<ObjectEntry> = (0..n_obj)
                .map(|i| ObjectEntry {
                    id: format!("O{i:03}"),
                    stratum: strata[i % 3].into(),
                })
                .collect();
            let inspectors: Vec<InspectorEntry> = (0..n_ins).map(|i| InspectorEntry { id: format!("J{i}") }).collect();
            let conflicts = conflicts
                .into_iter()
                .filter(|(x, o)| *x < n_ins && *o < n_obj)
                .map(|(x, o)| (format!("J{x}"), format!("O{o:03}")))
                .collect();
            BatchFile {
                batch: "P".into(),
                public_value: format!("{pv}"),
                per_object: per,
                ratios: strata.iter().zip(ratios).map(|(s, p)| (s.to_string(), p)).collect(),
                objects,
                inspectors,
                conflicts,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reordering_the_lists_changes_nothing(f in arb_batch(), rot in 0usize..50) {
        let mut g = f.clone();
        g.objects.reverse();
        let n = g.inspectors.len();
        g.inspectors.rotate_left(rot % n);
        g.conflicts.reverse();
        let (a, b) = (Batch::parse(&f).unwrap(), Batch::parse(&g).unwrap());
        prop_assert_eq!(a.canonical_text(), b.canonical_text());
        prop_assert_eq!(a.draw().map(|d| d.to_json()), b.draw().map(|d| d.to_json()));
    }

    #[test]
    fn a_recused_inspector_is_never_drawn_and_no_object_gets_one_inspector_twice(f in arb_batch()) {
        let b = Batch::parse(&f).unwrap();
        if let Ok(d) = b.draw() {
            for o in &d.objects {
                for x in &o.inspectors {
                    prop_assert!(!f.conflicts.contains(&(x.clone(), o.id.clone())), "{} drawn for {}", x, o.id);
                }
                let distinct: BTreeSet<_> = o.inspectors.iter().collect();
                prop_assert_eq!(distinct.len(), o.inspectors.len());
                prop_assert_eq!(o.inspectors.len() as i64, f.per_object);
            }
        }
    }

    #[test]
    fn each_stratum_draws_exactly_its_share_rounded_up(f in arb_batch()) {
        let mut f = f;
        f.conflicts.clear();
        let d = Batch::parse(&f).unwrap().draw().unwrap();
        for (s, p) in &f.ratios {
            let c = f.objects.iter().filter(|o| &o.stratum == s).count() as i64;
            let n = d.objects.iter().filter(|o| &o.stratum == s).count() as i64;
            prop_assert_eq!(n, (c * p + 99) / 100);
        }
        let keys: Vec<_> = d.objects.iter().map(|o| o.key.clone()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(keys, sorted);
    }

    #[test]
    fn loads_differ_by_at_most_one_without_conflicts(f in arb_batch()) {
        let mut f = f;
        f.conflicts.clear();
        let d = Batch::parse(&f).unwrap().draw().unwrap();
        let mut load: BTreeMap<String, usize> = f.inspectors.iter().map(|x| (x.id.clone(), 0)).collect();
        for o in &d.objects {
            for x in &o.inspectors {
                *load.get_mut(x).unwrap() += 1;
            }
        }
        let (min, max) = (load.values().min().unwrap(), load.values().max().unwrap());
        prop_assert!(max - min <= 1, "{:?}", load);
    }

    #[test]
    fn changing_the_public_value_changes_the_seed(f in arb_batch(), other in any::<u32>()) {
        let mut g = f.clone();
        g.public_value = format!("{other}x");
        prop_assert_ne!(Batch::parse(&f).unwrap().seed(), Batch::parse(&g).unwrap().seed());
    }
}
