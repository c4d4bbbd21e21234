//! Imports of the register on every backend: valid rows upserted, bad ones reported by row and
//! field, a second import adding nothing; spreadsheets as Excel keeps numbers and dates; an
//! import whose process died is marked failed when a server starts.

mod common;

use std::io::Write;

use common::{id_with_check, stores};
use yiyang_store::audit::Verification;
use yiyang_store::testing::actor;

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
