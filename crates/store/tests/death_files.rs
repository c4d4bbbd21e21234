//! Deaths from exchanged data on every backend: a death file records the deaths whose ID number
//! and name agree, stops payment and recovers what was paid after the death; a disagreeing name
//! waits for a person; a number registered elsewhere is "not found" like an unknown one; the same
//! file is not imported twice.

use chrono::NaiveDate;
use yiyang_domain::person::death_file::DeathOutcome;
use yiyang_domain::person::PersonInput;
use yiyang_domain::policy::shipped;
use yiyang_store::testing::{actor, fresh_database_urls, settle};
use yiyang_store::{Store, StoreError};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn id_number(division: &str, birth: &str, seq: &str) -> String {
    let body = format!("{}{}{seq}", &division[..6], birth.replace('-', ""));
    format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()))
}

async fn add(s: &Store, name: &str, division: &str, birth: &str, seq: &str) -> i64 {
    let input = PersonInput {
        name: name.into(),
        id_number: id_number(division, birth, seq),
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        ..Default::default()
    };
    let rec = input.validate(&*s.reference(), d("2026-11-01")).unwrap();
    s.create_person(&rec, &division[..2], &actor("clerk")).await.unwrap()
}

/// (person, benefit, month, kind, amount) of a run's lines for `person`.
async fn lines_of(s: &Store, run: i64, person: i64) -> Vec<(String, String, String, i64)> {
    s.run_lines(run, None, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.person_id == person)
        .map(|l| (l.benefit, l.benefit_month, l.kind, l.amount_fen))
        .collect()
}

#[tokio::test]
async fn a_death_file_stops_payment_recovers_an_overpayment_and_sends_mismatches_to_review() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        let packs = shipped::packs_with_demo_figures_across_jiangxi();
        let liu = add(&s, "刘桂英", "360733100", "1930-01-01", "021").await;
        let wang = add(&s, "王秀兰", "360733101", "1931-02-02", "042").await;
        let elsewhere = add(&s, "陈德明", "360102", "1932-03-03", "051").await;
        settle(&s, &packs, "2025-05", "360733").await;
        let june = settle(&s, &packs, "2025-06", "360733").await;
        let paid = lines_of(&s, june, liu).await;
        let gaoling = paid.iter().find(|l| l.0 == "gaoling").expect("aged 95: paid in June").3;

        // The funeral system's file, as the county receives it in July.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("火化信息2025年7月.csv");
        let rows = [
            "序号,逝者姓名,公民身份号码,火化日期,备注".to_string(),
            format!("1,刘桂英,{},2025-05-20,", id_number("360733100", "1930-01-01", "021")),
            format!("2,王秀英,{},2025/6/3,", id_number("360733101", "1931-02-02", "042")),
            format!("3,陈德明,{},2025-06-10,", id_number("360102", "1932-03-03", "051")),
            format!("4,赵某,{},2025-06-11,", id_number("360733100", "1933-04-04", "061")),
            "5,李某,36073319330404061,2025-06-12,".to_string(),
            format!("6,刘桂英,{},2025-05-20,", id_number("360733100", "1930-01-01", "021")),
        ];
        std::fs::write(&path, rows.join("\n")).unwrap();
        let file = s
            .import_death_file(
                &path,
                "火化信息2025年7月.csv",
                Some("cremation"),
                "360733",
                &actor("clerk"),
            )
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        let got: Vec<(i64, String)> = s
            .death_file_rows(file, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.row_no, r.outcome))
            .collect();
        let want: Vec<(i64, String)> = [
            (2, DeathOutcome::Recorded),
            (3, DeathOutcome::NameDiffers),
            (4, DeathOutcome::NotFound),
            (5, DeathOutcome::NotFound),
            (6, DeathOutcome::Rejected),
            (7, DeathOutcome::AlreadyRecorded),
        ]
        .into_iter()
        .map(|(n, o)| (n, o.code().to_string()))
        .collect();
        assert_eq!(got, want, "{b}");
        let rejected = &s.death_file_rows(file, 100).await.unwrap()[4];
        assert_eq!(rejected.field.as_deref(), Some("身份证号"), "{b}");
        assert!(
            rejected.message.as_deref().unwrap_or("").starts_with("身份证号："),
            "{b}: {rejected:?}"
        );

        // The death is recorded with its source; the other county's person is untouched, and
        // the file's page does not say they exist.
        let p = s.person_in_scope(liu, "36").await.unwrap().unwrap();
        assert_eq!(
            (p.record.death_date, p.record.death_source.as_deref()),
            (Some(d("2025-05-20")), Some("cremation")),
            "{b}"
        );
        let other = s.person_in_scope(elsewhere, "36").await.unwrap().unwrap();
        assert_eq!(other.record.death_date, None, "{b}");
        assert_eq!(
            s.person_in_scope(wang, "36").await.unwrap().unwrap().record.death_date,
            None,
            "{b}"
        );

        // The same file again changes nothing.
        let again = s
            .import_death_file(
                &path,
                "火化信息（重发）.csv",
                Some("cremation"),
                "360733",
                &actor("clerk"),
            )
            .await;
        assert!(matches!(again, Err(StoreError::Refused(_))), "{b}: {again:?}");

        // July stops payment and recovers June in full, once.
        let july = settle(&s, &packs, "2025-07", "360733").await;
        let mine = lines_of(&s, july, liu).await;
        assert_eq!(
            mine,
            [(
                "gaoling".to_string(),
                "2025-06".to_string(),
                "recovery".to_string(),
                -gaoling
            )],
            "{b}"
        );

        // The name mismatch waits for a person of Huichang; another county sees nothing of it.
        let waiting = s.death_reviews("360733", 100).await.unwrap();
        assert_eq!(waiting.len(), 1, "{b}");
        let row = &waiting[0];
        assert_eq!(
            (row.name.as_str(), row.register_name.as_deref()),
            ("王秀英", Some("王秀兰")),
            "{b}"
        );
        assert!(s.death_reviews("360102", 100).await.unwrap().is_empty(), "{b}");
        assert!(s.death_file(file, "360102").await.unwrap().is_none(), "{b}");
        let outside = s
            .decide_death_row(row.id, true, "核实", "360102", &actor("nanchang"))
            .await;
        assert!(matches!(outside, Err(StoreError::NotFound)), "{b}: {outside:?}");
        // A decision needs its reason; then it is made once.
        let bare = s.decide_death_row(row.id, true, "  ", "360733", &actor("clerk")).await;
        assert!(matches!(bare, Err(StoreError::Invalid(_))), "{b}: {bare:?}");
        s.decide_death_row(
            row.id,
            true,
            "经村委会核实系同一人，登记册姓名有误",
            "360733",
            &actor("clerk"),
        )
        .await
        .unwrap();
        let twice = s
            .decide_death_row(row.id, false, "重复", "360733", &actor("clerk"))
            .await;
        assert!(matches!(twice, Err(StoreError::Conflict)), "{b}: {twice:?}");
        let w = s.person_in_scope(wang, "36").await.unwrap().unwrap();
        assert_eq!(w.record.death_date, Some(d("2025-06-03")), "{b}");
        assert!(s.death_reviews("360733", 100).await.unwrap().is_empty(), "{b}");
        let (_, counts) = s.death_file(file, "360733").await.unwrap().unwrap();
        assert_eq!(
            (counts.of(DeathOutcome::Confirmed), counts.of(DeathOutcome::NameDiffers)),
            (1, 0),
            "{b}"
        );
    }
}
