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
