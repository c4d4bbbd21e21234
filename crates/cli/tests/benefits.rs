//! `yiyang benefits …` and `yiyang policy …` from the command line.

use std::path::Path;
use std::process::Command;

fn yiyang(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yiyang"))
        .args(args)
        .env_remove("YIYANG_PACKS")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bench")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn simulate_reproduces_the_benchmark_totals_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("totals.csv");
    let (code, _, err) = yiyang(&[
        "benefits",
        "simulate",
        "--input",
        &data("elders-sample.csv"),
        "--month",
        "2025-06",
        "--profile",
        "bench",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read(data("expected-2025-06.csv")).unwrap();
    assert!(
        std::fs::read(&out).unwrap() == expected,
        "{}",
        std::fs::read_to_string(&out).unwrap()
    );
}

#[test]
fn one_thread_and_many_give_the_same_totals_whatever_the_line_endings_and_quoting() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(data("elders-sample.csv")).unwrap();
    // The same rows with CRLF line ends and a quoted name: the totals must not change.
    let crlf = sample.replace('\n', "\r\n").replacen(",邓忠,", ",\"邓,忠\",", 1);
    let input = dir.path().join("crlf.csv");
    std::fs::write(&input, crlf).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let (code, stdout, err) = yiyang(&[
            "benefits",
            "simulate",
            "--input",
            input.to_str().unwrap(),
            "--month",
            "2025-06",
            "--threads",
            threads,
        ]);
        assert_eq!(code, 0, "{err}");
        outputs.push(stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    assert_eq!(
        outputs[0],
        std::fs::read_to_string(data("expected-2025-06.csv")).unwrap()
    );
}

#[test]
fn a_generated_file_is_read_in_many_blocks_with_the_same_result_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("elders.csv");
    // ~9 MB: more than two of the reader's 4 MiB blocks, so lines straddle block ends.
    let (code, _, err) = yiyang(&[
        "bench",
        "elders",
        "--rows",
        "130000",
        "--seed",
        "3",
        "--out",
        input.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let run = |threads: &str| {
        let (code, stdout, err) = yiyang(&[
            "benefits",
            "simulate",
            "--input",
            input.to_str().unwrap(),
            "--month",
            "2024-02",
            "--threads",
            threads,
        ]);
        assert_eq!(code, 0, "{err}");
        stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    // Every row is accounted for: payable + dead before the month + rejected = rows.
    let count = |prefix: &str| -> u64 {
        one.lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
            .sum()
    };
    let rejected = count("rejected,");
    assert_eq!(rejected, 130_000 / 500 * 9, "one row in 500 per error kind:\n{one}");
    assert!(count("payable_persons,") + rejected <= 130_000);
    assert!(count("payable_persons,") + rejected > 130_000 * 98 / 100);
    // All totals equal the sum of their county lines.
    for benefit in ["fuwu", "gaoling", "huli", "tekun_huli", "yunying"] {
        let all = count(&format!("all,,{benefit},"));
        let by_county: u64 = one
            .lines()
            .filter(|l| l.starts_with("county,") && l.split(',').nth(2) == Some(benefit))
            .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(all, by_county, "{benefit}");
    }
}

#[test]
fn a_file_without_the_expected_header_is_refused_with_the_missing_column_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.csv");
    std::fs::write(&input, "person_id,name\n1,2\n").unwrap();
    let (code, _, err) = yiyang(&[
        "benefits",
        "simulate",
        "--input",
        input.to_str().unwrap(),
        "--month",
        "2025-06",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("sex"), "{err}");
    let (code, _, err) = yiyang(&[
        "benefits",
        "simulate",
        "--input",
        &data("elders-sample.csv"),
        "--month",
        "2025-13",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("2025-13"), "{err}");
}

#[test]
fn what_if_reports_the_cost_of_raising_an_allowance_and_who_is_affected() {
    let (code, out, err) = yiyang(&[
        "benefits",
        "what-if",
        "--input",
        &data("elders-sample.csv"),
        "--month",
        "2025-06",
        "--set",
        "gaoling_90=300",
    ]);
    assert_eq!(code, 0, "{err}");
    // The sample's gaoling total is 13,650 yuan; the 90-99 band's people each gain 100 yuan.
    assert!(out.contains("高龄津贴"), "{out}");
    assert!(out.contains("¥13,650.00") || out.contains("13650"), "{out}");
    let (code, _, err) = yiyang(&[
        "benefits",
        "what-if",
        "--input",
        &data("elders-sample.csv"),
        "--month",
        "2025-06",
        "--set",
        "gaoling_95=1",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("gaoling_95"), "{err}");
}

#[test]
fn policy_list_and_show_name_every_rule_with_its_clause() {
    let (code, out, err) = yiyang(&["policy", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("bench"), "{out}");
    let (code, out, err) = yiyang(&["policy", "show", "bench", "--month", "2025-06"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "gaoling_90_99",
        "age >= 90 && age <= 99",
        "monthly-benefits.md 规则表 gaoling",
        "¥200.00",
    ] {
        assert!(out.contains(needle), "{needle} missing:\n{out}");
    }
    // A jurisdiction's pack shows the document's words, what is left open, its targets.
    let (code, out, err) = yiyang(&["policy", "show", "jiangxi-2022", "--month", "2025-06"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "原文：“按照实际接收失能、部分失能老年人每人每月不低于200元、100元标准落实运营补贴”",
        "待定",
        "目标：",
        "养老机构护理型床位占比",
        "≥ 60%（2025年） 约束性",
        "规划标准：",
        "公办养老机构入住轮候：",
        "第二类 经济困难的失能失智老年人、经济困难的高龄老年人",
        "失能：能力等级 2 级及以上；高龄：80 周岁及以上  依据：赣府厅发〔2022〕3号 第三章第二节",
    ] {
        assert!(out.contains(needle), "{needle} missing:\n{out}");
    }
    let (code, _, err) = yiyang(&["policy", "show", "nope"]);
    assert_ne!(code, 0);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn assess_score_prints_the_report_and_names_a_bad_item() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<(&str, i64)> = yiyang_domain::assessment::ITEMS
        .iter()
        .map(|i| (i.key, i.max as i64))
        .collect();
    let mut answers =
        serde_json::json!({"items": {}, "coma": false, "diagnosis_dementia_or_mental": true, "risk_events_30d": 0});
    for (k, v) in &items {
        answers["items"][*k] = serde_json::json!(v);
    }
    // 90 - 25 = 65: level 2 initially, dementia raises it to 3.
    answers["items"]["eating"] = serde_json::json!(0);
    answers["items"]["grooming"] = serde_json::json!(0);
    answers["items"]["bathing"] = serde_json::json!(0);
    answers["items"]["dressing_upper"] = serde_json::json!(0);
    answers["items"]["dressing_lower"] = serde_json::json!(0);
    answers["items"]["bladder"] = serde_json::json!(0);
    answers["items"]["bowel"] = serde_json::json!(3);
    let path = dir.path().join("a.json");
    std::fs::write(&path, answers.to_string()).unwrap();
    let (code, out, err) = yiyang(&["assess", "score", "--input", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["total"], 65);
    assert_eq!(r["dimensions"]["self_care"], 7);
    assert_eq!(r["dimensions"]["mobility"], 15);
    assert_eq!(r["initial_level"], 2);
    assert_eq!(r["final_level"], 3);
    assert_eq!(r["adjustments"], serde_json::json!(["dementia_or_mental"]));

    answers["items"]["stairs"] = serde_json::json!(4);
    std::fs::write(&path, answers.to_string()).unwrap();
    let (code, _, err) = yiyang(&["assess", "score", "--input", path.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("stairs"), "{err}");
    answers["items"].as_object_mut().unwrap().remove("memory");
    answers["items"]["stairs"] = serde_json::json!(3);
    std::fs::write(&path, answers.to_string()).unwrap();
    let (code, _, err) = yiyang(&["assess", "score", "--input", path.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("memory"), "{err}");
}

fn yiyang_pw(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yiyang"))
        .args(args)
        .env("YIYANG_PASSWORD", "yiyang-demo-2026")
        .env_remove("YIYANG_PACKS")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_run_is_computed_reviewed_approved_and_exported_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    assert_eq!(yiyang(&["demo", "--db", &db, "--people", "60"]).0, 0);
    // No account, no run; an account may run its own scope only.
    let (code, _, err) = yiyang(&[
        "benefits", "run", "--db", &db, "--month", "2026-10", "--scope", "360733",
    ]);
    assert_ne!(code, 0, "{err}");
    let (code, _, err) = yiyang_pw(&[
        "benefits", "run", "--db", &db, "--month", "2026-10", "--scope", "360733", "--user", "wenwuba",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("不在账号 wenwuba 的管辖范围内"), "{err}");
    let (code, out, err) = yiyang_pw(&[
        "benefits", "run", "--db", &db, "--month", "2026-10", "--scope", "360733", "--user", "huichang",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("批次 1") && out.contains("待审核"), "{out}");
    // The signers confirm the total they checked, as printed.
    let total: String = out
        .split("合计 ¥")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .filter(|c| *c != ',')
        .collect();
    let (code, out, _) = yiyang_pw(&[
        "benefits", "run", "--db", &db, "--month", "2026-10", "--scope", "360733", "--user", "huichang",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("未重复计算"), "{out}");
    let (code, _, err) = yiyang_pw(&[
        "benefits",
        "review",
        "--db",
        &db,
        "--run",
        "1",
        "--confirm-total",
        "1",
        "--user",
        "shenhe",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("不一致"), "{err}");
    let (code, out, err) = yiyang_pw(&[
        "benefits",
        "review",
        "--db",
        &db,
        "--run",
        "1",
        "--confirm-total",
        &total,
        "--user",
        "shenhe",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已审核"), "{out}");
    let (code, _, err) = yiyang_pw(&[
        "benefits",
        "approve",
        "--db",
        &db,
        "--run",
        "1",
        "--confirm-total",
        &total,
        "--user",
        "shenhe",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("无权"), "{err}");
    let (code, out, err) = yiyang_pw(&[
        "benefits",
        "approve",
        "--db",
        &db,
        "--run",
        "1",
        "--confirm-total",
        &total,
        "--user",
        "shenpi",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已审批"), "{out}");
    let files = dir.path().join("out");
    let (code, out, err) = yiyang_pw(&[
        "benefits",
        "export",
        "--db",
        &db,
        "--run",
        "1",
        "--user",
        "shenpi",
        "--out",
        files.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已导出发放") && out.contains("汇总"), "{out}");
    // A township approver, created by the county's administrator, cannot export the county's run.
    let out = Command::new(env!("CARGO_BIN_EXE_yiyang"))
        .args([
            "user",
            "add",
            "--db",
            &db,
            "--username",
            "zhenshenpi",
            "--name",
            "文武坝镇 审批人",
            "--role",
            "approver",
            "--scope",
            "360733100",
            "--admin",
            "guanli",
        ])
        .env("YIYANG_PASSWORD", "yiyang-demo-2026")
        .env("YIYANG_ADMIN_PASSWORD", "yiyang-demo-2026")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files2 = dir.path().join("out2");
    let (code, _, err) = yiyang_pw(&[
        "benefits",
        "export",
        "--db",
        &db,
        "--run",
        "1",
        "--user",
        "zhenshenpi",
        "--out",
        files2.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("记录不存在"), "{err}");
    assert!(!files2.exists());
    // Without an administrator's say, no account is created.
    let (code, _, err) = yiyang_pw(&[
        "user",
        "add",
        "--db",
        &db,
        "--username",
        "someone",
        "--name",
        "某人",
        "--role",
        "approver",
        "--scope",
        "360733",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("--admin"), "{err}");
}

#[test]
fn the_county_pays_a_township_computes_nothing_and_the_province_runs_each_county() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    assert_eq!(yiyang(&["demo", "--db", &db, "--people", "30"]).0, 0);
    // A township's own area: its county pays, so nothing is computed.
    let (code, out, err) = yiyang_pw(&[
        "benefits", "run", "--db", &db, "--month", "2026-10", "--user", "wenwuba",
    ]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("按区县计算") && err.contains("文武坝镇"), "{err}");
    // The province's area is each county's run in turn (the demo registers one county), printed
    // by name, not code.
    let (code, out, err) = yiyang_pw(&[
        "benefits", "run", "--db", &db, "--month", "2026-10", "--scope", "36", "--user", "sheng",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("江西省 赣州市 会昌县") && out.contains("待审核"), "{out}");
    assert!(!out.contains("360733") && !out.contains("auto"), "{out}");
}
