//! `yiyang import deaths` on every backend: a death file matched inside the account's area, a
//! person of another township reported exactly as an unknown number, the same file refused the
//! second time.

mod common;

use common::{yiyang, zeng};
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::Store;

#[tokio::test]
async fn a_death_file_is_imported_from_the_command_line_inside_the_accounts_area() {
    let dir = tempfile::tempdir().unwrap();
    for (b, url) in fresh_database_urls().await {
        let (code, out) = yiyang(&["demo", "--db", &url, "--people", "20"]);
        assert_eq!(code, 0, "{b}: {out}");
        let store = Store::connect(&url).await.unwrap();
        let (person, id_number) = zeng(&store, "360733101").await;

        let csv = dir.path().join(format!("{b}-火化.csv"));
        std::fs::write(&csv, format!("姓名,身份证号,死亡日期\n曾桂兰,{id_number},2026-10-08\n")).unwrap();
        let file = csv.to_str().unwrap();
        let (code, out) = yiyang(&["import", "deaths", file, "--db", &url, "--source", "殡葬"]);
        assert_ne!(code, 0, "{b}: no account, no import: {out}");
        // The township clerk of 文武坝 does not see a person of another township.
        let (code, out) = yiyang(&[
            "import", "deaths", file, "--db", &url, "--source", "殡葬", "--user", "wenwuba",
        ]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("本辖区登记册中无此人：1"), "{b}: {out}");
        assert_eq!(
            store
                .person_in_scope(person, "36")
                .await
                .unwrap()
                .unwrap()
                .record
                .death_date,
            None,
            "{b}"
        );
        // The county's clerk records it; the same file again is refused.
        let (code, out) = yiyang(&[
            "import", "deaths", file, "--db", &url, "--source", "殡葬", "--user", "huichang",
        ]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("已登记死亡：1"), "{b}: {out}");
        let p = store.person_in_scope(person, "36").await.unwrap().unwrap();
        assert_eq!(
            (
                p.record.death_date.map(|d| d.to_string()),
                p.record.death_source.as_deref()
            ),
            (Some("2026-10-08".into()), Some("cremation")),
            "{b}"
        );
        let (code, out) = yiyang(&[
            "import", "deaths", file, "--db", &url, "--source", "殡葬", "--user", "huichang",
        ]);
        assert_ne!(code, 0, "{b}: {out}");
        assert!(out.contains("已在本辖区导入过"), "{b}: {out}");
        let (code, out) = yiyang(&[
            "import",
            "deaths",
            file,
            "--db",
            &url,
            "--source",
            "小道消息",
            "--user",
            "huichang",
        ]);
        assert_ne!(code, 0, "{b}: {out}");
        assert!(out.contains("无法识别"), "{b}: {out}");
    }
}
