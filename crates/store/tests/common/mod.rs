//! Shared set-up for the store's tests: a fresh store per backend; for the benefit tests, the
//! same seven people (and one outside the province) on every backend, the shipped packs with the
//! demo's figures, and readers of a run's lines.

#![allow(dead_code)]

use chrono::NaiveDate;
use yiyang_domain::dates::Month;
use yiyang_domain::person::PersonInput;
use yiyang_domain::policy::{shipped, Pack};
use yiyang_store::testing::{actor, fresh_database_urls};
use yiyang_store::Store;

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}

pub async fn stores() -> Vec<(&'static str, Store)> {
    let mut out = Vec::new();
    for (name, url) in fresh_database_urls().await {
        out.push((
            name,
            Store::connect(&url).await.unwrap_or_else(|e| panic!("{name}: {e}")),
        ));
    }
    out
}

/// An ID number: `body` (17 digits) and its check character.
pub fn id_with_check(body: &str) -> String {
    format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()))
}

/// Adds a person; returns the id.
pub async fn add(s: &Store, division: &str, birth: &str, seq: &str, categories: &str, death: &str) -> i64 {
    let body = format!("{}{}{seq}", &division[..6], birth.replace('-', ""));
    let id_number = id_with_check(&body);
    let input = PersonInput {
        name: format!("测试{seq}"),
        id_number,
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        categories: categories.into(),
        death_date: death.into(),
        death_source: if death.is_empty() {
            String::new()
        } else {
            "cremation".into()
        },
        ..Default::default()
    };
    let r = s.reference();
    let rec = input.validate(&*r, d("2026-11-01")).unwrap_or_else(|e| panic!("{e:?}"));
    s.create_person(&rec, &division[..2], &actor("clerk")).await.unwrap()
}

pub struct People {
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub d: i64,
    pub e: i64,
    pub f: i64,
    pub g: i64,
    pub h: i64,
}

pub async fn setup(s: &Store) -> People {
    let p = People {
        a: add(s, "360733100", "1940-03-15", "011", "经济困难", "").await,
        b: add(s, "360733100", "1930-01-01", "021", "", "").await,
        c: add(s, "360733101", "1950-07-07", "031", "特困", "").await,
        d: add(s, "360733101", "1945-05-05", "041", "经济困难", "").await,
        e: add(s, "360733102", "1935-02-02", "051", "", "2025-05-20").await,
        f: add(s, "360733102", "1948-08-08", "061", "", "").await,
        g: add(s, "360102", "1940-04-04", "071", "", "").await,
        h: add(s, "140105", "1930-03-03", "081", "经济困难", "").await,
    };
    s.record_assessment(p.d, "GB/T 42195-2022", 3, d("2025-01-10"), d("2026-01-09"))
        .await
        .unwrap();
    s.record_assessment(p.f, "GB/T 42195-2022", 2, d("2025-02-10"), d("2026-02-09"))
        .await
        .unwrap();
    let inst = s
        .add_institution("JG3607332001", "康乐护理院", "private_nonprofit", "360733101")
        .await
        .unwrap();
    s.admit(p.f, inst, d("2025-03-01"), None).await.unwrap();
    p
}

/// The shipped packs with the demo county's local figures, and the same figures set for the
/// province's own pack (as if Jiangxi's other counties had set theirs), so that people
/// registered elsewhere in Jiangxi are paid too.
pub fn packs() -> Vec<Pack> {
    shipped::packs_with_demo_figures_across_jiangxi()
}

/// (person, benefit, month, kind, payee, amount) of a run, sorted.
pub async fn lines(s: &Store, run: i64) -> Vec<(i64, String, String, String, String, i64)> {
    let mut v: Vec<_> = s
        .run_lines(run, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.person_id, l.benefit, l.benefit_month, l.kind, l.payee, l.amount_fen))
        .collect();
    v.sort();
    v
}

pub fn amount(lines: &[(i64, String, String, String, String, i64)], person: i64, benefit: &str) -> Option<i64> {
    lines.iter().find(|l| l.0 == person && l.1 == benefit).map(|l| l.5)
}

/// The summary, the bank's file and the list of lines without an account: not payment lists.
pub fn is_apart(f: &std::path::Path) -> bool {
    let name = f.to_string_lossy();
    ["汇总", "银行代发", "缺少账户"].iter().any(|w| name.contains(w))
}

/// Changes a person's record as the edit form does.
pub async fn edit(s: &Store, id: i64, change: impl FnOnce(&mut yiyang_domain::person::PersonRecord)) {
    let p = s.person_in_scope(id, "36").await.unwrap().unwrap();
    let mut rec = p.record.clone();
    change(&mut rec);
    s.update_person(id, p.version, &rec, "36", &actor("clerk"))
        .await
        .unwrap();
}
