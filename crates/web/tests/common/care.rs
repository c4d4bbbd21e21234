//! Helpers for the institution tests: people of the demo county, their assessments, an
//! institution by code and its beds.

use chrono::NaiveDate;
use yiyang_domain::person::PersonInput;
use yiyang_store::Store;

use super::{actor, Client, Resp};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Adds a person born in `birth` with `categories`; returns (id, ID number).
pub async fn add(s: &Store, birth: &str, seq: &str, categories: &str) -> (i64, String) {
    let body = format!("360733{}{seq}", birth.replace('-', ""));
    let id_number = format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()));
    let input = PersonInput {
        name: format!("测试{seq}"),
        id_number: id_number.clone(),
        hukou_division: "360733100".into(),
        hukou_type: "农村".into(),
        categories: categories.into(),
        ..Default::default()
    };
    let rec = input
        .validate(&*s.reference(), d("2026-11-01"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    (s.create_person(&rec, "36", &actor()).await.unwrap(), id_number)
}

pub async fn assess(s: &Store, person: i64, level: i64) {
    s.record_assessment(person, "GB/T 42195-2022", level, d("2026-06-01"), d("2027-06-01"))
        .await
        .unwrap();
}

pub async fn post(c: &mut Client, url: String, f: Vec<(String, String)>) -> Resp {
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(&url, &refs).await
}

pub async fn institution(s: &Store, code: &str) -> i64 {
    s.institutions_in("360733")
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.code == code)
        .unwrap()
        .id
}

pub async fn vacant_beds(s: &Store, inst: i64) -> Vec<i64> {
    s.beds(inst)
        .await
        .unwrap()
        .into_iter()
        .filter(|b| b.status == "vacant")
        .map(|b| b.id)
        .collect()
}

pub async fn bed_status(s: &Store, inst: i64, bed: i64) -> String {
    s.beds(inst)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.id == bed)
        .unwrap()
        .status
}
