//! The `yiyang` binary as an operator runs it, for the command-line tests.

#![allow(dead_code)]

use std::process::Command;

/// Runs `yiyang` with `args` (the demo password for any account it signs in as): the exit code
/// and what it printed, stdout then stderr.
pub fn yiyang(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yiyang"))
        .args(args)
        .env_remove("YIYANG_DB")
        .env("YIYANG_PASSWORD", yiyang_store::demo::DEMO_PASSWORD)
        .env("YIYANG_ADMIN_PASSWORD", yiyang_store::demo::DEMO_PASSWORD)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Registers 曾桂兰 (born 1934-04-04) in `division` of the demo county, as a clerk would:
/// (her id, her ID number).
pub async fn zeng(store: &yiyang_store::Store, division: &str) -> (i64, String) {
    let body = "36073319340404004";
    let id_number = format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()));
    let rec = yiyang_domain::person::PersonInput {
        name: "曾桂兰".into(),
        id_number: id_number.clone(),
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        ..Default::default()
    }
    .validate(&*store.reference(), "2026-11-01".parse().unwrap())
    .unwrap();
    let id = store
        .create_person(&rec, "36", &yiyang_store::testing::actor("clerk"))
        .await
        .unwrap();
    (id, id_number)
}
