//! `yiyang inspect draw|verify` on the spec's worked example: no database, exit codes as the
//! issue asks (0 verified, 2 not the draw the inputs give).

use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../domain/src/supervision/testdata")
        .join(name)
}

fn yiyang(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yiyang")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inspect_draw_writes_the_specs_expected_draw_and_verify_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("draw.json");
    let batch = example("draw-batch.json");
    let (code, _, err) = yiyang(&[
        "inspect",
        "draw",
        "--input",
        batch.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read_to_string(example("draw-expected.json")).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap().trim_end(), expected);

    let (code, stdout, err) = yiyang(&[
        "inspect",
        "verify",
        "--input",
        batch.to_str().unwrap(),
        "--draw",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("一致"), "{stdout}");
}

#[test]
fn inspect_verify_exits_2_naming_the_first_difference() {
    let dir = tempfile::tempdir().unwrap();
    let batch = example("draw-batch.json");
    let tampered = std::fs::read_to_string(example("draw-expected.json"))
        .unwrap()
        .replacen("\"J104\"", "\"J103\"", 1);
    let draw = dir.path().join("tampered.json");
    std::fs::write(&draw, tampered).unwrap();
    let (code, _, err) = yiyang(&[
        "inspect",
        "verify",
        "--input",
        batch.to_str().unwrap(),
        "--draw",
        draw.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("第 1 个抽中对象") && err.contains("523607319413228028"),
        "{err}"
    );
}

#[test]
fn inspect_draw_refuses_a_bad_batch_naming_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("draw-batch.json"))
        .unwrap()
        .replace("\"institution\": 25", "\"institution\": 250");
    let batch = dir.path().join("bad.json");
    std::fs::write(&batch, text).unwrap();
    let (code, stdout, err) = yiyang(&["inspect", "draw", "--input", batch.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(err.contains("ratios.institution") && err.contains("250"), "{err}");
    let (code, _, _) = yiyang(&[
        "inspect",
        "verify",
        "--input",
        batch.to_str().unwrap(),
        "--draw",
        example("draw-expected.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
}
