//! The pack loader's tests: errors named by file, line and key; inheritance; validation.
use super::*;

#[test]
fn a_what_if_amount_too_large_is_refused_not_overflowed() {
    assert_eq!(parse_yuan("300"), Some(30_000));
    assert_eq!(parse_yuan("37.5"), Some(3_750));
    assert_eq!(parse_yuan("99999999999999999"), None);
    assert_eq!(parse_yuan("92233720368547758.07"), None);
    assert_eq!(parse_yuan("100000001"), None);
    assert_eq!(parse_yuan("100000000"), Some(MAX_PARAM_FEN));
}
use crate::dates::Month;
use crate::policy::facts::{Facts, Flag};
use crate::policy::program::{MonthProgram, RuleStatus};

const PROVINCE: &str = r#"
[pack]
id = "prov"
version = "1"
title = "省政策"
document = "某府发〔2022〕1号"
jurisdiction = "36"
effective_from = 2022-01-01

[benefits.gaoling]
title = "高龄津贴"
payee = "person"

[benefits.huli]
title = "护理补贴"
payee = "person"

[benefits.canhu]
title = "残疾人护理补贴（衔接用）"
payee = "person"

[params.gaoling_80]
label = "80-89周岁"
yuan = 50
clause = "第三条"
quote = "每人每月50元"
changes = [{ from = 2024-01-01, yuan = "60.50", clause = "某府发〔2023〕9号", quote = "提高到60.50元" }]

[params.huli]
label = "护理补贴"
yuan = 100
basis = "floor"
clause = "第五条"
quote = "不低于100元"

[params.canhu]
label = "残疾人护理补贴"
yuan = 80
clause = "第五条"
quote = "每人每月80元"

[[rules]]
id = "gaoling_80"
benefit = "gaoling"
title = "80周岁以上"
clause = "第三条"
when = "age >= 80"
amount = "gaoling_80"

[[rules]]
id = "huli"
benefit = "huli"
title = "失能护理补贴"
clause = "第五条"
when = 'tier == "disabled" && econ_hardship'
amount = "huli"

[[rules]]
id = "canhu"
benefit = "canhu"
title = "残疾人护理补贴"
clause = "第五条"
when = "severe_disability"
amount = "canhu"

[[coordination]]
kind = "take_higher"
benefits = ["huli", "canhu"]
clause = "第五条 就高不重复"
"#;

const COUNTY: &str = r#"
[pack]
id = "county"
version = "1"
title = "县政策"
document = "某县发〔2023〕2号"
jurisdiction = "360733"
effective_from = 2023-01-01
inherits = "prov"

[params.huli]
label = "护理补贴（县提标）"
yuan = 150
clause = "县文第二条"
quote = "提高到150元"

[[rules]]
id = "gaoling_90"
benefit = "gaoling"
title = "90周岁以上（县提标）"
clause = "县文第一条"
when = "age >= 90"
amount = "gaoling_80 * 2"
"#;

fn load2(a: &str, b: &str) -> Result<Vec<Pack>, Vec<PackError>> {
    load(&[
        ("prov/pack.toml".into(), a.into()),
        ("county/pack.toml".into(), b.into()),
    ])
}

fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}

#[test]
fn a_county_pack_inherits_overrides_and_adds_to_its_province() {
    let packs = load2(PROVINCE, COUNTY).unwrap();
    let county = packs.iter().find(|p| p.id == "county").unwrap();
    assert_eq!(county.rules.len(), 4);
    let p = MonthProgram::new(county, m("2023-06"));
    let mut s = Vec::new();
    let old = Facts {
        age: 92,
        level: 3,
        ..Facts::default()
    }
    .with(Flag::EconHardship);
    let pays = p.pays(&old, &mut s).to_vec();
    let gaoling = county.benefit_index("gaoling").unwrap();
    let huli = county.benefit_index("huli").unwrap();
    assert_eq!(
        pays[gaoling].amount, 10000,
        "the county's 90+ rule pays twice the 80+ amount"
    );
    assert_eq!(county.rules[pays[gaoling].rule as usize].id, "gaoling_90");
    assert_eq!(pays[huli].amount, 15000, "the county raised the nursing subsidy");
}

#[test]
fn a_parameter_changes_value_on_its_date() {
    let packs = load2(PROVINCE, COUNTY).unwrap();
    let prov = packs.iter().find(|p| p.id == "prov").unwrap();
    let f = Facts {
        age: 85,
        ..Facts::default()
    };
    let mut s = Vec::new();
    assert_eq!(
        MonthProgram::new(prov, m("2023-12")).pays(&f, &mut s)[prov.benefit_index("gaoling").unwrap()].amount,
        5000
    );
    assert_eq!(
        MonthProgram::new(prov, m("2024-01")).pays(&f, &mut s)[prov.benefit_index("gaoling").unwrap()].amount,
        6050
    );
    // Before the pack starts nothing is paid.
    assert!(MonthProgram::new(prov, m("2021-12"))
        .pays(&f, &mut s)
        .iter()
        .all(|p| p.amount == 0));
}

#[test]
fn take_higher_pays_only_the_larger_benefit_and_explains_why() {
    let packs = load2(PROVINCE, COUNTY).unwrap();
    let prov = packs.iter().find(|p| p.id == "prov").unwrap();
    let p = MonthProgram::new(prov, m("2023-06"));
    let both = Facts {
        age: 70,
        level: 4,
        ..Facts::default()
    }
    .with(Flag::EconHardship)
    .with(Flag::SevereDisability);
    let mut s = Vec::new();
    let pays = p.pays(&both, &mut s).to_vec();
    assert_eq!(pays[prov.benefit_index("huli").unwrap()].amount, 10000);
    assert_eq!(pays[prov.benefit_index("canhu").unwrap()].amount, 0);
    let why = p.explain(&both);
    let canhu = &why[prov.benefit_index("canhu").unwrap()];
    assert!(matches!(&canhu.rules[0].status, RuleStatus::Coordinated { by_benefit, .. } if by_benefit == "huli"));
    let gaoling = &why[prov.benefit_index("gaoling").unwrap()];
    assert_eq!(gaoling.rules[0].status, RuleStatus::NotMet);
    assert_eq!(gaoling.rules[0].facts, vec![("age", "年龄（周岁）", "70".to_string())]);
}

#[test]
fn the_legacy_level_mapping_is_inherited_overridden_and_checked() {
    let packs = load2(PROVINCE, COUNTY).unwrap();
    assert!(packs.iter().all(|p| p.mzt039_levels == [0, 1, 2, 3]));
    let county = COUNTY.replace(
        "inherits = \"prov\"",
        "inherits = \"prov\"\nmzt039_levels = [0, 1, 3, 4]",
    );
    let packs = load2(PROVINCE, &county).unwrap();
    assert_eq!(
        packs.iter().find(|p| p.id == "county").unwrap().mzt039_levels,
        [0, 1, 3, 4]
    );
    let bad = COUNTY.replace(
        "inherits = \"prov\"",
        "inherits = \"prov\"\nmzt039_levels = [0, 2, 1, 3]",
    );
    let errs = load2(PROVINCE, &bad).unwrap_err();
    assert_eq!(errs[0].key, "pack.mzt039_levels", "{errs:?}");
}

#[test]
fn errors_name_the_file_the_line_and_the_key() {
    let bad = COUNTY.replace("amount = \"gaoling_80 * 2\"", "amount = \"gaoling_8 * 2\"");
    let errs = load2(PROVINCE, &bad).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert_eq!(e.file, "county/pack.toml");
    assert!(e.key.contains("rules[0]") && e.key.ends_with(".amount"), "{e}");
    assert!(e.message.contains("gaoling_8"), "{e}");
    assert_eq!(e.line, bad.lines().position(|l| l == "[[rules]]").unwrap() + 1);

    let errs = load2(&PROVINCE.replace("yuan = 80", "yuan = 80.5"), COUNTY).unwrap_err();
    assert!(errs[0].message.contains("浮点"), "{errs:?}");
    assert!(errs[0].key == "params.canhu", "{errs:?}");

    let errs = load2(PROVINCE, &COUNTY.replace("inherits = \"prov\"", "inherits = \"nope\"")).unwrap_err();
    assert!(errs[0].message.contains("nope"), "{errs:?}");

    let errs = load2(PROVINCE, &COUNTY.replace("clause = \"县文第一条\"", "clause = \"\"")).unwrap_err();
    assert!(errs[0].message.contains("clause"), "{errs:?}");

    let errs = load2(
        PROVINCE,
        &COUNTY.replace("when = \"age >= 90\"", "when = 'tier == \"失能\"'"),
    )
    .unwrap_err();
    assert!(
        errs[0].message.contains("失能") && errs[0].message.contains("disabled"),
        "{errs:?}"
    );

    let errs = load2(
        PROVINCE,
        &COUNTY.replace("jurisdiction = \"360733\"", "jurisdiction = \"140105\""),
    )
    .unwrap_err();
    assert!(errs[0].key == "pack.jurisdiction", "{errs:?}");

    let errs = load2(
        PROVINCE,
        &COUNTY.replace("[params.huli]", "[params.huli]\nsurprise = 1"),
    )
    .unwrap_err();
    assert!(errs[0].message.contains("surprise"), "{errs:?}");
    assert!(errs[0].line > 1, "{errs:?}");
}

#[test]
fn a_waitlist_names_only_categories_the_register_knows() {
    let rule = |any: &str, age: &str| {
        format!(
            "{COUNTY}\n[waitlist]\nclause = \"县文第三条\"\nquote = \"优先\"\ndisabled_min_level = 2\n{age}\n\
             [[waitlist.groups]]\nlabel = \"经济困难的高龄老年人\"\nany = [{any}]\nwith_any = [\"dibao\"]\n"
        )
    };
    let packs = load2(
        PROVINCE,
        &rule("\"very_old\", \"poverty_registered\"", "very_old_age = 80"),
    )
    .unwrap();
    let county = packs.iter().find(|p| p.id == "county").unwrap();
    assert_eq!(
        county.waitlist.as_ref().unwrap().groups[0].any,
        ["very_old", "poverty_registered"]
    );
    let errs = load2(PROVINCE, &rule("\"rich\"", "very_old_age = 80")).unwrap_err();
    assert!(
        errs[0].key == "waitlist" && errs[0].message.contains("“rich”不在登记的类别中"),
        "{errs:?}"
    );
    // 高龄 needs its age stated.
    let errs = load2(PROVINCE, &rule("\"very_old\"", "")).unwrap_err();
    assert!(errs[0].message.contains("very_old_age"), "{errs:?}");
}
