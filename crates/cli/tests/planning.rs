//! `yiyang planning coverage|site` on the spec's worked example, and refused rows named by line.

use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../domain/src/planning/testdata")
        .join(name)
        .display()
        .to_string()
}

fn yiyang(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yiyang")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn planning_coverage_and_site_write_the_specs_expected_files() {
    let dir = tempfile::tempdir().unwrap();
    let cov = dir.path().join("coverage.csv");
    let (people, facilities) = (example("circle-people.csv"), example("circle-facilities.csv"));
    let (code, err) = yiyang(&[
        "planning",
        "coverage",
        "--people",
        &people,
        "--facilities",
        &facilities,
        "--out",
        cov.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&cov).unwrap(),
        std::fs::read_to_string(example("circle-expected-coverage.csv")).unwrap()
    );
    let sites = dir.path().join("sites.csv");
    let (code, err) = yiyang(&[
        "planning",
        "site",
        "--people",
        &people,
        "--facilities",
        &facilities,
        "--candidates",
        &example("circle-candidates.csv"),
        "--k",
        "3",
        "--out",
        sites.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&sites).unwrap(),
        std::fs::read_to_string(example("circle-expected-site3.csv")).unwrap()
    );
}

#[test]
fn refused_rows_are_named_by_line_and_counted_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let people = dir.path().join("p.csv");
    std::fs::write(&people, "id,division,lat,lon\nP1,360733100200,25.6,115.6\nP2,360733100200,,115.6\nP3,360733100200,95,115.6\nP4,360733100200,25.6000001,115.6\nP5,x,25.6,115.6").unwrap();
    let facilities = dir.path().join("f.csv");
    std::fs::write(
        &facilities,
        "id,kind,lat,lon\nF1,meal_point,25.6,115.6\nF2,spaceport,25.6,115.6\n",
    )
    .unwrap();
    let out = dir.path().join("c.csv");
    let (code, err) = yiyang(&[
        "planning",
        "coverage",
        "--people",
        people.to_str().unwrap(),
        "--facilities",
        facilities.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "第 3 行：坐标缺失",
        "第 4 行：坐标超出范围",
        "第 6 行：区划代码无效",
        "共 3 行未读入",
        "未知的设施类型 spaceport",
    ] {
        assert!(err.contains(needle), "{needle} not in:\n{err}");
    }
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "division,people,covered\n360733100200,2,2\ntotal,2,2\n"
    );
    let (code, err) = yiyang(&[
        "planning",
        "coverage",
        "--people",
        people.to_str().unwrap(),
        "--facilities",
        facilities.to_str().unwrap(),
        "--kinds",
        "teleporter",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("未知的设施类型 teleporter"), "{err}");
}

#[tokio::test]
async fn indicators_write_the_specs_csv_for_the_accounts_scope_only() {
    let dir = tempfile::tempdir().unwrap();
    for (b, url) in yiyang_store::testing::fresh_database_urls().await {
        let run = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_yiyang"))
                .args(args)
                .env("YIYANG_PASSWORD", yiyang_store::demo::DEMO_PASSWORD)
                .env_remove("YIYANG_DB")
                .output()
                .unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        assert_eq!(run(&["demo", "--db", &url, "--people", "20"]).0, 0, "{b}");
        let out = dir.path().join(format!("{b}.csv"));
        let (code, err) = run(&[
            "indicators",
            "--db",
            &url,
            "--user",
            "huichang",
            "--as-of",
            "2026-11-30",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{b}: {err}");
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("indicator,division,numerator,denominator,value,target,target_year,status")
        );
        assert_eq!(lines.clone().count(), 17, "{b}");
        assert!(
            text.contains("\nnursing_bed_ratio,360733,") && text.contains(",0.6000,2025,"),
            "{text}"
        );
        let (code, _) = run(&[
            "indicators",
            "--db",
            &url,
            "--user",
            "huichang",
            "--as-of",
            "2026-11-30",
            "--by",
            "township",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0);
        assert!(
            std::fs::read_to_string(&out)
                .unwrap()
                .contains("\nbeds_total,360733100,"),
            "{b}"
        );
        // A township clerk asking for the county is refused as on the web.
        let (code, err) = run(&[
            "indicators",
            "--db",
            &url,
            "--user",
            "wenwuba",
            "--scope",
            "360733",
            "--as-of",
            "2026-11-30",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_ne!(code, 0, "{b}");
        assert!(err.contains("不在账号 wenwuba 的管辖范围内"), "{err}");
    }
}

#[test]
fn coverage_of_generated_files_equals_comparing_every_person_with_every_facility() {
    use yiyang_domain::planning::circle::{Point, Reach};
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = yiyang(&[
        "bench",
        "circle",
        "--people",
        "20000",
        "--facilities",
        "300",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let facilities: Vec<Point> = read("facilities.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Point::parse(f[2], f[3]).unwrap()
        })
        .collect();
    let reach = Reach::default();
    let mut by: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for l in read("people.csv").lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        let p = Point::parse(f[2], f[3]).unwrap();
        let e = by.entry(f[1].to_string()).or_default();
        e.0 += 1;
        e.1 += u64::from(facilities.iter().any(|x| reach.covers(p, *x)));
    }
    let mut expected = String::from("division,people,covered\n");
    for (d, (n, c)) in &by {
        expected.push_str(&format!("{d},{n},{c}\n"));
    }
    let (n, c) = by.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
    expected.push_str(&format!("total,{n},{c}\n"));
    assert!(c > 0 && c < n, "partial coverage, as in life: {c} of {n}");
    let out = dir.path().join("coverage.csv");
    let people = dir.path().join("people.csv");
    let fac = dir.path().join("facilities.csv");
    let (code, err) = yiyang(&[
        "planning",
        "coverage",
        "--people",
        people.to_str().unwrap(),
        "--facilities",
        fac.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
}
