//! The store's contract, run on every backend: SQLite always, PostgreSQL when configured.

use std::io::Write;

use yiyang_domain::person::PersonInput;
use yiyang_store::audit::Verification;
use yiyang_store::people::{LifeFilter, PersonQuery};
use yiyang_store::testing::{actor, fresh_database_urls};
use yiyang_store::{Store, StoreError};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn person(name: &str, id: &str, division: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        id_number: id.into(),
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        ..Default::default()
    }
}

fn id_with_check(body: &str) -> String {
    format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()))
}

async fn stores() -> Vec<(&'static str, Store)> {
    let mut out = Vec::new();
    for (name, url) in fresh_database_urls().await {
        out.push((
            name,
            Store::connect(&url).await.unwrap_or_else(|e| panic!("{name}: {e}")),
        ));
    }
    out
}

#[tokio::test]
async fn divisions_and_categories_are_loaded_on_first_start() {
    for (b, s) in stores().await {
        let r = s.reference();
        assert_eq!(r.division_name("360733"), Some("会昌县"), "{b}");
        assert_eq!(r.division_name("360733100"), Some("文武坝镇"), "{b}");
        assert!(r.divisions.len() > 40_000, "{b}");
        assert!(r.catalogue.find("特困").is_some(), "{b}");
        assert_eq!(r.division_path("360733100"), "江西省 赣州市 会昌县 文武坝镇");
        let towns = r.children("360733");
        assert_eq!(towns.len(), 20, "{b}: 会昌县 has 20 township-level units");
        assert_eq!(towns[0], ("360733100".to_string(), "文武坝镇".to_string()));
        assert!(r
            .children("360733100")
            .iter()
            .all(|(c, _)| c.len() == 12 && c.starts_with("360733100")));
        assert!(r.children("360733100201").is_empty());
    }
}

#[tokio::test]
async fn people_are_created_searched_scoped_and_updated_with_audit() {
    for (b, s) in stores().await {
        let r = s.reference();
        let rec = person("刘桂英", "11010519491231002X", "360733100")
            .validate(&*r, today())
            .unwrap();
        let id = s.create_person(&rec, "360733", &actor("tester")).await.unwrap();
        // Out of scope: invisible.
        assert!(s.person_in_scope(id, "360102").await.unwrap().is_none(), "{b}");
        let p = s.person_in_scope(id, "3607").await.unwrap().expect("in scope");
        assert_eq!(p.record.name, "刘桂英");
        // Duplicate ID refused with a field error.
        match s.create_person(&rec, "360733", &actor("tester")).await {
            Err(StoreError::Invalid(errs)) => assert_eq!(errs[0].field, "id_number"),
            other => panic!("{b}: {other:?}"),
        }
        // Creating outside one's scope is refused.
        assert!(matches!(
            s.create_person(&rec, "360102", &actor("tester")).await,
            Err(StoreError::Invalid(_))
        ));

        let mut input = rec.to_input();
        input.categories = "特困,独居".into();
        let rec2 = input.validate(&*r, today()).unwrap();
        s.update_person(id, p.version, &rec2, "360733", &actor("tester"))
            .await
            .unwrap();
        // A stale version is a conflict, not a silent overwrite.
        assert!(
            matches!(
                s.update_person(id, p.version, &rec, "360733", &actor("tester")).await,
                Err(StoreError::Conflict)
            ),
            "{b}"
        );

        let q = |f: fn(&mut PersonQuery)| {
            let mut q = PersonQuery {
                scope: "360733".into(),
                limit: 50,
                id_prefix: true,
                ..Default::default()
            };
            f(&mut q);
            q
        };
        assert_eq!(
            s.search_people(&q(|q| q.q = Some("桂英".into()))).await.unwrap().total,
            1,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.q = Some("110105".into())))
                .await
                .unwrap()
                .total,
            1,
            "{b}"
        );
        // A role that sees masked numbers only may find a whole number, never a prefix.
        assert_eq!(
            s.search_people(&q(|q| {
                q.q = Some("110105".into());
                q.id_prefix = false;
            }))
            .await
            .unwrap()
            .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| {
                q.q = Some("11010519491231002X".into());
                q.id_prefix = false;
            }))
            .await
            .unwrap()
            .total,
            1,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.category = Some("tekun".into())))
                .await
                .unwrap()
                .total,
            1,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.category = Some("dibao".into())))
                .await
                .unwrap()
                .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.division = Some("360733101".into())))
                .await
                .unwrap()
                .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.life = Some(LifeFilter::Dead)))
                .await
                .unwrap()
                .total,
            0,
            "{b}"
        );
        assert_eq!(
            s.search_people(&q(|q| q.scope = "3601".into())).await.unwrap().total,
            0,
            "{b}"
        );

        let log = s.audit_entries(Some(("person", &id.to_string())), 10, 0).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, vec!["update", "create"], "{b}");
        assert!(
            matches!(s.verify_audit().await.unwrap(), Verification::Intact { .. }),
            "{b}"
        );
    }
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_detected_at_the_entry() {
    for (b, s) in stores().await {
        for i in 0..5 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        assert_eq!(
            s.verify_audit().await.unwrap(),
            Verification::Intact { entries: 5 },
            "{b}"
        );
        s.execute_raw_for_tests("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
            .await
            .unwrap();
        match s.verify_audit().await.unwrap() {
            Verification::Broken { seq, .. } => assert_eq!(seq, 3, "{b}"),
            v => panic!("{b}: {v:?}"),
        }
    }
    for (b, s) in stores().await {
        for i in 0..4 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        s.execute_raw_for_tests("DELETE FROM audit_log WHERE seq = 2")
            .await
            .unwrap();
        assert!(
            matches!(s.verify_audit().await.unwrap(), Verification::Broken { seq: 2, .. }),
            "{b}"
        );
    }
}

#[tokio::test]
async fn recomputing_the_chain_without_the_key_or_cutting_its_tail_is_detected() {
    // Re-hashing after an edit, with plain SHA-256 or with a key of one's own.
    for own_key in [None, Some(b"mallory's own key, 32 bytes long".as_slice())] {
        for (b, s) in stores().await {
            for i in 0..6 {
                s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                    .await
                    .unwrap();
            }
            s.rehash_audit_without_key_for_tests(4, own_key).await.unwrap();
            match s.verify_audit().await.unwrap() {
                Verification::Broken { seq, .. } => assert_eq!(seq, 4, "{b}"),
                v => panic!("{b}: a re-hashed chain passed: {v:?}"),
            }
        }
    }
    // Cutting the tail: the head is moved back to match, but the checkpoint remembers.
    for (b, s) in stores().await {
        for i in 0..6 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        let c = s.checkpoint_audit().await.unwrap().unwrap();
        assert_eq!(c.seq, 6, "{b}");
        assert_eq!(s.latest_audit_checkpoint().unwrap().unwrap(), c, "{b}");
        s.execute_raw_for_tests("DELETE FROM audit_log WHERE seq > 4")
            .await
            .unwrap();
        s.execute_raw_for_tests(
            "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4) WHERE id = 1",
        )
        .await
        .unwrap();
        match s.verify_audit().await.unwrap() {
            Verification::Broken { reason, .. } => assert!(reason.contains("共 6 条"), "{b}: {reason}"),
            v => panic!("{b}: a cut tail passed: {v:?}"),
        }
        // New entries after the cut do not hide it: the 6th entry now differs from the checkpoint.
        for i in 0..3 {
            s.audit(&actor("tester").entry("view_full", "person", i, serde_json::json!({})))
                .await
                .unwrap();
        }
        match s.verify_audit().await.unwrap() {
            Verification::Broken { seq, .. } => assert_eq!(seq, 6, "{b}"),
            v => panic!("{b}: {v:?}"),
        }
    }
    // A rotated key: old entries verify with the key they name, new ones with the new key.
    for (b, s) in stores().await {
        s.audit(&actor("tester").entry("view_full", "person", 1, serde_json::json!({})))
            .await
            .unwrap();
        s.checkpoint_audit().await.unwrap();
        let kid = s.rotate_audit_key().unwrap();
        s.audit(&actor("tester").entry("view_full", "person", 2, serde_json::json!({})))
            .await
            .unwrap();
        s.checkpoint_audit().await.unwrap();
        let log = s.audit_entries(None, 10, 0).await.unwrap();
        assert_eq!(log[0].key_id.as_deref(), Some(kid.as_str()), "{b}");
        assert_ne!(log[1].key_id, log[0].key_id, "{b}");
        assert_eq!(
            s.verify_audit().await.unwrap(),
            Verification::Intact { entries: 2 },
            "{b}"
        );
    }
}

fn write_csv(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
    p
}

#[tokio::test]
async fn import_upserts_valid_rows_reports_bad_ones_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let good1 = id_with_check("36073319450315002");
    let good2 = id_with_check("36073319380708001");
    let text = format!(
        "姓名,公民身份号码,出生日期,行政区划代码,户口性质,人员类别,备注列\n\
         张秀英,{good1},1945/3/15,360733100000,农村,特困,x\n\
         李长根,{good2} ,19380708,360733101,城镇,,\n\
         王五,3.60733E+17,,360733,农村,,\n\
         赵六,110105194912310021,,360733,农村,,\n\
         钱七,11010519491231002X,,999999,农村,,\n\
         张秀英,{good1},,360733,农村,,\n\
         孙八,11010519491231002X,1950-02-30,360733,火星,,\n"
    );
    let path = write_csv(&dir, "elders.csv", &text);
    for (b, s) in stores().await {
        let sum = s
            .import_people(&path, "360733", &actor("tester"), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(
            (sum.job.total_rows, sum.job.inserted, sum.job.rejected),
            (7, 2, 5),
            "{b}: {:?}",
            sum.errors
        );
        assert_eq!(sum.ignored_columns, vec!["备注列"]);
        let msg = |row: i64| {
            sum.errors
                .iter()
                .filter(|e| e.row_no == row)
                .map(|e| format!("{}:{}", e.field, e.message))
                .collect::<Vec<_>>()
                .join(";")
        };
        assert!(
            msg(4).contains("身份证号:") && msg(4).contains("科学计数法"),
            "{b}: {}",
            msg(4)
        );
        assert!(msg(5).contains("校验码"), "{}", msg(5));
        assert!(msg(6).contains("区划代码“999999”不存在"), "{}", msg(6));
        assert!(msg(7).contains("与第 2 行的身份证号重复"), "{}", msg(7));
        assert!(msg(8).contains("出生日期") && msg(8).contains("户籍性质"), "{}", msg(8));
        let stored = s.import_errors(sum.job.id).await.unwrap();
        assert_eq!(stored, sum.errors);
        // Each error carries its row as it was in the file; valid ID numbers masked there too.
        let original = |row: i64| sum.errors.iter().find(|e| e.row_no == row).unwrap().original.clone();
        assert_eq!(original(4), "王五 | 3.60733E+17 |  | 360733 | 农村", "{b}");
        assert_eq!(
            original(5),
            "赵六 | 110105194912310021 |  | 360733 | 农村",
            "{b}: an invalid number as typed"
        );
        assert!(
            original(7).starts_with("张秀英 | 360733********") && !original(7).contains(&good1),
            "{b}: {}",
            original(7)
        );

        let again = s
            .import_people(&path, "360733", &actor("tester"), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(
            (again.job.inserted, again.job.updated, again.job.unchanged),
            (0, 0, 2),
            "{b}"
        );
        assert_eq!(s.count_people("360733").await.unwrap(), 2);

        // Another county cannot import over a record outside its scope.
        let p2 = write_csv(
            &dir,
            "other.csv",
            &format!("姓名,身份证号,区划代码,户籍性质\n改名,{good1},360102,城镇\n"),
        );
        let other = s
            .import_people(&p2, "360102", &actor("tester"), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(other.job.rejected, 1, "{b}");
        // The refusal names neither where the record is nor anything else about it.
        assert_eq!(other.errors[0].message, yiyang_store::people::ALREADY_REGISTERED, "{b}");

        let report = yiyang_store::import::error_report_xlsx(&sum.job, &sum.errors).unwrap();
        assert!(report.starts_with(b"PK"), "an .xlsx is a zip");
        assert!(matches!(s.verify_audit().await.unwrap(), Verification::Intact { .. }));
    }
}

#[tokio::test]
async fn xlsx_files_with_numbers_and_dates_as_excel_keeps_them_are_imported() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("台账.xlsx");
    let good = id_with_check("36073319450315002");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["姓名", "身份证号码", "出生日期", "区划代码", "户籍性质"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "张秀英").unwrap();
    ws.write_string(1, 1, &good).unwrap();
    ws.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(1945, 3, 15).unwrap(), &date_fmt)
        .unwrap();
    ws.write_number(1, 3, 360733100.0).unwrap();
    ws.write_string(1, 4, "农村").unwrap();
    ws.write_string(2, 0, "李四").unwrap();
    ws.write_number(2, 1, 360733193807080000.0).unwrap();
    ws.write_number(2, 3, 360733.0).unwrap();
    ws.write_string(2, 4, "农村").unwrap();
    wb.save(&path).unwrap();
    for (b, s) in stores().await {
        let sum = s
            .import_people(&path, "360733", &actor("tester"), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(sum.job.inserted, 1, "{b}: {:?}", sum.errors);
        assert_eq!(sum.errors.len(), 1);
        assert_eq!(sum.errors[0].row_no, 3);
        assert!(sum.errors[0].message.contains("改成了 0"), "{}", sum.errors[0].message);
    }
}

#[tokio::test]
async fn accounts_authenticate_and_sessions_expire_on_logout() {
    use yiyang_domain::role::Role;
    use yiyang_store::users::NewUser;
    for (b, s) in stores().await {
        let nu = NewUser {
            username: "zhang",
            display_name: "张",
            password: "long enough pw 2026",
            role: Role::CivilAffairs,
            scope: "360733",
            institution_id: None,
        };
        s.create_user(&nu, &actor("tester")).await.unwrap();
        assert!(
            s.authenticate("zhang", "wrong password").await.unwrap().is_none(),
            "{b}"
        );
        assert!(
            s.authenticate("nobody", "long enough pw 2026").await.unwrap().is_none(),
            "{b}"
        );
        let u = s
            .authenticate(" Zhang", "long enough pw 2026")
            .await
            .unwrap()
            .expect("valid login, whatever the case of the name");
        // One identity whatever the case: "Zhang" cannot be created beside "zhang".
        assert!(
            matches!(
                s.create_user(
                    &NewUser {
                        username: "ZHANG",
                        ..nu
                    },
                    &actor("tester")
                )
                .await,
                Err(StoreError::Invalid(_))
            ),
            "{b}"
        );
        for weak in ["12345678", "        ", "", "password123"] {
            assert!(
                matches!(
                    s.create_user(
                        &NewUser {
                            username: "li",
                            password: weak,
                            ..nu
                        },
                        &actor("tester")
                    )
                    .await,
                    Err(StoreError::Invalid(_))
                ),
                "{b}: {weak:?}"
            );
        }
        let token = s.create_session(&u).await.unwrap();
        let sess = s.session(&token).await.unwrap().unwrap();
        assert_eq!(sess.scope, "360733");
        s.set_session_scope(&token, "360733100").await.unwrap();
        assert_eq!(s.session(&token).await.unwrap().unwrap().scope, "360733100");
        s.delete_session(&token).await.unwrap();
        assert!(s.session(&token).await.unwrap().is_none(), "{b}");
        // A session left unused past the idle limit ends.
        let token = s.create_session(&u).await.unwrap();
        assert!(s.session(&token).await.unwrap().is_some(), "{b}");
        let stale =
            (chrono::Utc::now() - chrono::Duration::minutes(yiyang_store::users::IDLE_MINUTES + 1)).to_rfc3339();
        let sql = match b {
            "sqlite" => format!("UPDATE sessions SET last_seen_at = '{stale}'"),
            _ => format!("UPDATE sessions SET last_seen_at = '{stale}'::timestamptz"),
        };
        s.execute_raw_for_tests(&sql).await.unwrap();
        assert!(s.session(&token).await.unwrap().is_none(), "{b}: idle session ended");
        let bad = NewUser { scope: "999999", ..nu };
        assert!(matches!(
            s.create_user(&NewUser { username: "x", ..bad }, &actor("tester")).await,
            Err(StoreError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn the_demo_county_loads_once() {
    for (b, s) in stores().await {
        let n = s.load_demo(300, &actor("tester")).await.unwrap();
        assert_eq!(n, 300, "{b}");
        assert_eq!(s.load_demo(300, &actor("tester")).await.unwrap(), 300);
        assert_eq!(s.count_people("360733").await.unwrap(), 300, "{b}");
        assert_eq!(
            s.list_users().await.unwrap().len(),
            yiyang_store::demo::DEMO_ACCOUNTS.len()
        );
    }
}

#[tokio::test]
async fn the_headline_counts_agree_with_the_searches_they_replace() {
    for (b, s) in stores().await {
        s.load_demo(120, &actor("tester")).await.unwrap();
        for scope in ["360733", "360733100"] {
            let codes = ["tekun", "dibao", "alone"];
            let (total, alive, by) = s.register_counts(scope, &codes).await.unwrap();
            let count = |category: Option<&str>, life: Option<LifeFilter>| {
                let s = s.clone();
                let q = PersonQuery {
                    scope: scope.to_string(),
                    category: category.map(String::from),
                    life,
                    limit: 1,
                    ..Default::default()
                };
                async move { s.search_people(&q).await.unwrap().total }
            };
            assert_eq!(total, count(None, None).await, "{b} {scope}");
            assert_eq!(alive, count(None, Some(LifeFilter::Alive)).await, "{b} {scope}");
            for (c, n) in codes.iter().zip(&by) {
                assert_eq!(*n, count(Some(c), Some(LifeFilter::Alive)).await, "{b} {scope} {c}");
            }
            if scope == "360733" {
                assert!(total > 0 && by.iter().any(|n| *n > 0), "{b}: {total} {by:?}");
            }
        }
    }
}

#[tokio::test]
async fn an_import_whose_process_died_is_marked_failed_when_a_server_starts() {
    for (b, s) in stores().await {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "姓名,身份证号,区划代码,户籍性质\n").unwrap();
        // Begun and never run: what a kill -9 in the middle leaves behind.
        let job = s
            .begin_people_import(&path, "a.csv", "360733", &actor("tester"))
            .await
            .unwrap();
        assert_eq!(s.import_job(job).await.unwrap().unwrap().status, "running", "{b}");
        assert_eq!(s.fail_interrupted_imports(&actor("tester")).await.unwrap(), 1, "{b}");
        let j = s.import_job(job).await.unwrap().unwrap();
        assert_eq!(j.status, "failed", "{b}");
        assert!(j.message.unwrap_or_default().contains("重新导入"), "{b}");
        assert_eq!(
            s.fail_interrupted_imports(&actor("tester")).await.unwrap(),
            0,
            "{b}: once"
        );
        assert!(
            matches!(s.verify_audit().await.unwrap(), Verification::Intact { .. }),
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_stored_value_no_code_knows_is_an_error_not_a_guess() {
    for (b, s) in stores().await {
        let rec = person("王秀兰", &id_with_check("36073319400101002"), "360733100")
            .validate(&*s.reference(), today())
            .unwrap();
        let id = s.create_person(&rec, "360733", &actor("tester")).await.unwrap();
        assert!(s.person_in_scope(id, "360733").await.unwrap().is_some(), "{b}");
        // Any sex code but M once read as female.
        s.execute_raw_for_tests(&format!("UPDATE persons SET sex = 'X' WHERE id = {id}"))
            .await
            .unwrap();
        assert!(
            s.person_in_scope(id, "360733").await.is_err(),
            "{b}: an unknown sex is an error"
        );
        s.execute_raw_for_tests(&format!("UPDATE persons SET sex = 'F' WHERE id = {id}"))
            .await
            .unwrap();
        assert!(s.person_in_scope(id, "360733").await.unwrap().is_some(), "{b}");
    }
}
