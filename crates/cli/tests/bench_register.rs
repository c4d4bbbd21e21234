//! `yiyang bench register` keeps working (issue 13: the load script runs in CI at a small size,
//! on both backends, without asserting timings).

use std::process::Command;

#[tokio::test]
async fn the_register_benchmark_runs_every_page_of_its_mix() {
    for (b, url) in yiyang_store::testing::fresh_database_urls().await {
        let out = Command::new(env!("CARGO_BIN_EXE_yiyang"))
            .args([
                "bench",
                "register",
                "--db",
                &url,
                "--people",
                "3000",
                "--sessions",
                "3",
                "--rounds",
                "2",
            ])
            .env_remove("YIYANG_DB")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{b}: {}", String::from_utf8_lossy(&out.stderr));
        for page in [
            "list:",
            "search surname 陈:",
            "search initials cjg:",
            "filter town 文武坝镇:",
            "page 200:",
            "next page (cursor):",
            "person page (audited):",
        ] {
            assert!(stdout.contains(page), "{b}: {page}\n{stdout}");
        }
        assert!(stdout.contains("people_in_36=3000"), "{b}: {stdout}");
    }
}
