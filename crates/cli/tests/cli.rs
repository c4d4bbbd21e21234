//! The `yiyang` binary as an operator uses it, on every backend.

mod common;

use std::process::Command;

use common::yiyang;
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::Store;

fn id_with_check(body: &str) -> String {
    format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()))
}

#[tokio::test]
async fn demo_import_user_and_audit_verify_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    for (b, url) in fresh_database_urls().await {
        let (code, out) = yiyang(&["demo", "--db", &url, "--people", "40"]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("40 名老年人"), "{out}");

        let csv = dir.path().join(format!("{b}.csv"));
        let good = id_with_check("36073319330303002");
        std::fs::write(
            &csv,
            format!("姓名,身份证号,区划代码,户籍性质\n刘满妹,{good},360733100,农村\n坏,3.60733E+17,360733,农村\n"),
        )
        .unwrap();
        let report = dir.path().join(format!("{b}-report.xlsx"));
        let (code, out) = yiyang(&[
            "import",
            "elders",
            csv.to_str().unwrap(),
            "--db",
            &url,
            "--report",
            report.to_str().unwrap(),
        ]);
        assert_ne!(code, 0, "{b}: no account, no import: {out}");
        assert_eq!(
            Store::connect(&url).await.unwrap().count_people("").await.unwrap(),
            40,
            "{b}"
        );
        let (code, out) = yiyang(&[
            "import",
            "elders",
            csv.to_str().unwrap(),
            "--db",
            &url,
            "--report",
            report.to_str().unwrap(),
            "--user",
            "huichang",
        ]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("新增 1") && out.contains("未导入 1 行"), "{out}");
        assert!(out.contains("第 3 行 身份证号"), "{out}");
        assert!(std::fs::read(&report).unwrap().starts_with(b"PK"));

        let (code, out) = yiyang(&[
            "user",
            "add",
            "--db",
            &url,
            "--username",
            "li",
            "--name",
            "李",
            "--role",
            "superuser",
            "--scope",
            "360733",
            "--password",
            "long enough",
        ]);
        assert_ne!(code, 0);
        assert!(out.contains("未知角色"), "{out}");
        let (code, out) = yiyang(&[
            "user",
            "add",
            "--db",
            &url,
            "--username",
            "li",
            "--name",
            "李",
            "--role",
            "评估员",
            "--scope",
            "360733",
            "--password",
            "long enough",
        ]);
        assert_ne!(code, 0, "{out}");
        assert!(out.contains("--admin"), "{out}");
        let (code, out) = yiyang(&[
            "user",
            "add",
            "--db",
            &url,
            "--username",
            "li",
            "--name",
            "李",
            "--role",
            "评估员",
            "--scope",
            "360733",
            "--password",
            "long enough",
            "--admin",
            "guanli",
        ]);
        assert_eq!(code, 0, "{out}");

        let (code, out) = yiyang(&["audit", "verify", "--db", &url]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("校验通过"));

        // CLI actions are recorded with the operating-system user as actor.
        let store = Store::connect(&url).await.unwrap();
        let log = store.audit_entries(None, 100, 0).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.action == "import" && e.actor == "huichang" && e.channel == "cli"),
            "{b}"
        );

        store
            .execute_raw_for_tests("UPDATE audit_log SET detail = '{}' WHERE seq = 2")
            .await
            .unwrap();
        let (code, out) = yiyang(&["audit", "verify", "--db", &url]);
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("第 2 条"), "{out}");
        store.close().await;
    }
}

#[tokio::test]
async fn a_published_checkpoint_reveals_a_cut_tail_and_a_rotated_key_keeps_verifying() {
    for (b, url) in fresh_database_urls().await {
        let (code, out) = yiyang(&["demo", "--db", &url, "--people", "5"]);
        assert_eq!(code, 0, "{b}: {out}");
        let (code, out) = yiyang(&["audit", "rotate-key", "--db", &url]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("已启用新的审计密钥"), "{out}");
        let (code, out) = yiyang(&["audit", "checkpoint", "--db", &url]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("最新检查点：共"), "{out}");
        let (code, out) = yiyang(&["audit", "verify", "--db", &url]);
        assert_eq!(code, 0, "{b}: {out}");
        // Cut the last two entries and move the head back, as someone with the database's
        // password but not the data folder could.
        let store = Store::connect(&url).await.unwrap();
        let n = store.audit_entries(None, 1, 0).await.unwrap()[0].seq;
        store
            .execute_raw_for_tests(&format!("DELETE FROM audit_log WHERE seq > {}", n - 2))
            .await
            .unwrap();
        store
            .execute_raw_for_tests(&format!(
                "UPDATE audit_head SET seq = {0}, hash = (SELECT hash FROM audit_log WHERE seq = {0}) WHERE id = 1",
                n - 2
            ))
            .await
            .unwrap();
        let (code, out) = yiyang(&["audit", "verify", "--db", &url]);
        assert_eq!(code, 2, "{b}: {out}");
        assert!(out.contains("末尾的记录被删除"), "{out}");
        store.close().await;
    }
}

#[tokio::test]
async fn an_import_killed_midway_is_completed_by_running_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let mut text = String::from("姓名,身份证号,区划代码,户籍性质\n");
    let mut n = 0;
    'outer: for day in 1..=28 {
        for month in 1..=12 {
            for seq in 0..200 {
                let id = id_with_check(&format!("360733195{}{month:02}{day:02}{seq:03}", month % 10));
                text.push_str(&format!("老人{n},{id},360733100,农村\n"));
                n += 1;
                if n == 12_000 {
                    break 'outer;
                }
            }
        }
    }
    std::fs::write(&csv, text).unwrap();
    for (b, url) in fresh_database_urls().await {
        // Create the schema first, so the kill lands in the import itself.
        let store = Store::connect(&url).await.unwrap();
        store
            .create_user(
                &yiyang_store::users::NewUser {
                    username: "huichang",
                    display_name: "会昌县民政局",
                    password: yiyang_store::demo::DEMO_PASSWORD,
                    role: yiyang_domain::role::Role::CivilAffairs,
                    scope: "360733",
                    institution_id: None,
                },
                &yiyang_store::audit::Actor {
                    name: "test".into(),
                    channel: "cli",
                    source: "test".into(),
                    scope: String::new(),
                },
            )
            .await
            .unwrap();
        store.close().await;
        let mut child = Command::new(env!("CARGO_BIN_EXE_yiyang"))
            .args([
                "import",
                "elders",
                csv.to_str().unwrap(),
                "--db",
                &url,
                "--user",
                "huichang",
            ])
            .env("YIYANG_PASSWORD", yiyang_store::demo::DEMO_PASSWORD)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(800));
        let _ = child.kill();
        let _ = child.wait();
        // Whoever the killed import registered is accounted for in the audit log already.
        let store = Store::connect(&url).await.unwrap();
        if store.count_people("").await.unwrap() > 0 {
            let log = store.audit_entries(None, 50, 0).await.unwrap();
            assert!(
                log.iter()
                    .any(|e| e.action == "import_started" && e.actor == "huichang"),
                "{b}: people were written without an audit entry"
            );
        }
        store.close().await;
        let (code, out) = yiyang(&[
            "import",
            "elders",
            csv.to_str().unwrap(),
            "--db",
            &url,
            "--user",
            "huichang",
        ]);
        assert_eq!(code, 0, "{b}: {out}");
        let store = Store::connect(&url).await.unwrap();
        assert_eq!(
            store.count_people("").await.unwrap(),
            12_000,
            "{b}: every row is there after the rerun"
        );
        // And a third run changes nothing.
        let (_, out) = yiyang(&[
            "import",
            "elders",
            csv.to_str().unwrap(),
            "--db",
            &url,
            "--user",
            "huichang",
        ]);
        assert!(out.contains("新增 0，更新 0，未变 12000"), "{b}: {out}");
        store.close().await;
    }
}
