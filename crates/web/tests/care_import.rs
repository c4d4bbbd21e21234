//! Importing institutions, beds, assessment results and residents: every bad row is named
//! with its row and field, the rest goes in, and a second import adds nothing.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use yiyang_domain::institution::CreditCode;
use yiyang_store::import::read_csv_bytes;
use yiyang_store::institutions::care_import::CareFile;

fn credit(body: &str) -> String {
    "0123456789ABCDEFGHJKLMNPQRTUWXY"
        .chars()
        .map(|c| format!("{body}{c}"))
        .find(|c| CreditCode::parse(c).is_ok())
        .unwrap()
}

fn id_with_check(body: &str) -> String {
    format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()))
}

fn multipart(csrf: &str, kind: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----yiyangcareboundary";
    let mut body = Vec::new();
    for (name, value) in [("_csrf", csrf), ("kind", kind)] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"机构.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn the_care_register_is_imported_row_by_row_and_twice_adds_nothing() {
    for (b, store, router) in apps(10).await {
        let good = credit("52360733MJC00001X");
        let csv = format!(
            "机构编号,机构名称,统一社会信用代码,机构性质,区划代码,备案日期,医养结合,消防审验\n\
             JG3607339001,会昌县颐年护理院,{good},民办非营利,360733101,2025-01-10,是,已通过消防验收或备案\n\
             JG3607339002,坏代码护理院,52360733MJC000011,民办非营利,360733101,,否,\n\
             JG3607339003,外县护理院,{good},民办非营利,360702,,否,\n"
        );
        let mut c = Client::login(&router, "huichang").await;
        let (ct, body) = multipart(&c.csrf.clone(), "institutions", csv.as_bytes());
        let send = |ct: String, body: Vec<u8>| {
            Request::post("/institutions/import")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap()
        };
        let r = c.send(send(ct.clone(), body.clone())).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert!(
            html.contains("id=\"imported\">1<") && html.contains("id=\"problems\">2<"),
            "{b}: {html}"
        );
        assert!(
            html.contains("<td>3</td><td>统一社会信用代码</td>"),
            "{b}: row 3 names the field"
        );
        assert!(html.contains("<td>4</td><td>区划代码</td>"), "{b}");
        // The import is a recorded job: its rejected rows download as a report.
        let report = html
            .split("id=\"import-report\" href=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a report link")
            .to_string();
        let r = c.get(&report).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.body.starts_with(b"PK"), "{b}: an .xlsx file");
        let r = c.send(send(ct, body)).await;
        let html = r.text();
        assert!(html.contains("id=\"imported\">0<"), "{b}: a re-import adds nothing");
        // Both imports are in the history, newest first, with their counts.
        let jobs = store.import_jobs("360733", false, 10).await.unwrap();
        assert_eq!(jobs.len(), 2, "{b}");
        assert_eq!(
            (
                jobs[0].kind.as_str(),
                jobs[0].inserted,
                jobs[0].unchanged,
                jobs[0].rejected
            ),
            ("institutions", 0, 1, 2),
            "{b}"
        );
        assert_eq!(jobs[1].inserted, 1, "{b}");
        assert!(
            html.contains("id=\"care-import-jobs\"") && html.contains("机构.csv"),
            "{b}"
        );
        assert!(
            store
                .import_jobs("360733", true, 10)
                .await
                .unwrap()
                .iter()
                .all(|j| j.kind == "people"),
            "{b}"
        );
        // Institution staff may not import, nor read the report.
        let mut staff = Client::login(&router, "jigou").await;
        assert_eq!(
            staff.get("/institutions/import").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(staff.get(&report).await.status, StatusCode::NOT_FOUND, "{b}");

        let import = |kind: CareFile, csv: String| {
            let store = store.clone();
            async move {
                store
                    .import_care_sheet(&read_csv_bytes(csv.as_bytes()).unwrap(), kind, "360733", &actor())
                    .await
                    .unwrap()
            }
        };
        // 投用日期 is optional; a day to come is refused, the row named.
        let beds = "机构编号,楼栋,房间,床号,护理型,失智照护单元,投用日期\n\
                    JG3607339001,A栋,101,1,是,否,2023年4月1日\nJG3607339001,A栋,101,2,是,否,\nJG3607339001,A栋,102,1,否,是,\n\
                    JG3607339999,A栋,101,1,是,否,\nJG3607339001,A栋,103,1,可能,否,\nJG3607339001,A栋,104,1,是,否,2099-01-01\n"
            .to_string();
        let s = import(CareFile::Beds, beds.clone()).await;
        assert_eq!((s.imported, s.errors.len()), (3, 3), "{b}: {:?}", s.errors);
        assert_eq!((s.errors[0].row_no, s.errors[0].field.as_str()), (5, "机构编号"), "{b}");
        assert_eq!((s.errors[1].row_no, s.errors[1].field.as_str()), (6, "护理型"), "{b}");
        assert_eq!((s.errors[2].row_no, s.errors[2].field.as_str()), (7, "投用日期"), "{b}");
        assert_eq!(import(CareFile::Beds, beds).await.unchanged, 3, "{b}");
        let opened: Vec<Option<chrono::NaiveDate>> = {
            let inst = common::care::institution(&store, "JG3607339001").await;
            store.beds(inst).await.unwrap().iter().map(|b| b.opened_on).collect()
        };
        assert_eq!(opened, [chrono::NaiveDate::from_ymd_opt(2023, 4, 1), None, None], "{b}");

        // Two people: one with a legacy MZ/T 039 result, one never assessed.
        let p1 = id_with_check("36073319400101101");
        let p2 = id_with_check("36073319410202102");
        for (n, number) in [&p1, &p2].iter().enumerate() {
            let rec = yiyang_domain::person::PersonInput {
                name: format!("导入{n}"),
                id_number: number.to_string(),
                hukou_division: "360733101".into(),
                hukou_type: "农村".into(),
                ..Default::default()
            }
            .validate(
                &*store.reference(),
                chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            )
            .unwrap();
            store.create_person(&rec, "36", &actor()).await.unwrap();
        }
        let today = chrono::Local::now().date_naive();
        let assessments = format!(
            "身份证号,评估标准,评估等级,评估日期,有效期至\n{p1},MZ/T 039-2013,2,{},\n{p2},MZ/T 039-2013,4,2026-01-01,\n{p2},GB/T 42195-2022,1,2026-13-01,\n",
            today - chrono::Days::new(10)
        );
        let s = import(CareFile::Assessments, assessments).await;
        assert_eq!(s.imported, 1, "{b}: {:?}", s.errors);
        assert_eq!(
            s.errors
                .iter()
                .map(|e| (e.row_no, e.field.as_str()))
                .collect::<Vec<_>>(),
            [(3, "评估等级"), (4, "评估日期")],
            "{b}"
        );
        let id1 = store.person_id_by_number_in(&p1, "").await.unwrap().unwrap();
        let a = store.valid_assessment(id1, today).await.unwrap().unwrap();
        assert_eq!((a.standard.as_str(), a.final_level), ("MZ/T 039-2013", 2), "{b}");
        let residents = format!(
            "机构编号,身份证号,楼栋,房间,床号,入住日期\nJG3607339001,{p1},A栋,101,1,{today}\nJG3607339001,{p2},A栋,101,2,{today}\nJG3607339001,{p1},A栋,109,1,{today}\n"
        );
        let s = import(CareFile::Residents, residents.clone()).await;
        assert_eq!(s.imported, 1, "{b}: {:?}", s.errors);
        assert!(
            s.errors[0].row_no == 3 && s.errors[0].message.contains("能力评估"),
            "{b}: {:?}",
            s.errors
        );
        assert!(
            !s.errors[0].value.contains(&p2[6..14]),
            "{b}: the ID number is masked in the report"
        );
        assert_eq!(s.errors[1].row_no, 4, "{b}");
        let s = import(CareFile::Residents, residents).await;
        assert_eq!((s.imported, s.unchanged), (0, 1), "{b}");
        let inst = store
            .institutions_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == "JG3607339001")
            .unwrap();
        assert_eq!((inst.beds, inst.nursing_beds, inst.occupied), (3, 2, 1), "{b}");
    }
}
