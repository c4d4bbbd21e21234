//! Payment held, not lost, on every backend. With the county's proof window set (静默认证), a
//! person with no sign of life in it has their payment held by the run — listed, not paid, in
//! no file — while a person with a sign is paid; a check recorded in person releases it and the
//! next run pays what was held as back-pay, once. Where the county requires an account, a
//! person without one is held the same way until an account is set.

use chrono::NaiveDate;
use yiyang_domain::benefits::hold::CheckMethod;
use yiyang_domain::id_number::check_char;
use yiyang_domain::person::account::AccountInput;
use yiyang_domain::person::PersonInput;
use yiyang_domain::policy::shipped;
use yiyang_store::benefits::hold::{ACCOUNT_SETTING, PROOF_SETTING};
use yiyang_store::testing::{actor, fresh_database_urls, settle};
use yiyang_store::{Store, StoreError};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn add(s: &Store, name: &str, division: &str, birth: &str, seq: &str) -> i64 {
    let body = format!("{}{}{seq}", &division[..6], birth.replace('-', ""));
    let input = PersonInput {
        name: name.into(),
        id_number: format!("{body}{}", check_char(body.as_bytes())),
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        ..Default::default()
    };
    let rec = input.validate(&*s.reference(), d("2026-11-01")).unwrap();
    s.create_person(&rec, &division[..2], &actor("clerk")).await.unwrap()
}

/// (benefit month, kind, amount) of a run's lines for `person`.
async fn paid(s: &Store, run: i64, person: i64) -> Vec<(String, String, i64)> {
    let mut v: Vec<(String, String, i64)> = s
        .run_lines(run, None, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.person_id == person && l.benefit == "gaoling")
        .map(|l| (l.benefit_month, l.kind, l.amount_fen))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_person_without_proof_is_held_then_paid_once_after_a_check_in_person() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        let packs = shipped::packs_with_demo_figures_across_jiangxi();
        let clerk = actor("clerk");
        let silent = add(&s, "刘桂英", "360733100", "1930-01-01", "021").await;
        let seen = add(&s, "王秀兰", "360733101", "1931-02-02", "042").await;
        let no_account = add(&s, "陈德明", "360733101", "1932-03-03", "051").await;
        s.set_setting(PROOF_SETTING, "360733", "12", &clerk).await.unwrap();
        s.set_setting(ACCOUNT_SETTING, "360733", "1", &clerk).await.unwrap();
        for (p, on) in [(seen, "2025-03-01"), (no_account, "2025-04-20")] {
            s.record_life_check(p, d(on), CheckMethod::HomeVisit, "上门看望", "360733", &clerk)
                .await
                .unwrap();
        }
        let account = AccountInput {
            channel: "一卡通".into(),
            bank: "会昌农村商业银行".into(),
            number: "14120102000012345".into(),
            ..Default::default()
        };
        for p in [silent, seen] {
            s.set_payment_account(p, &account, "360733", &clerk).await.unwrap();
        }

        // May: the silent one is held for proof, the one without an account for the account.
        let may = settle(&s, &packs, "2025-05", "360733").await;
        assert!(paid(&s, may, silent).await.is_empty(), "{b}: held, not paid");
        assert!(paid(&s, may, no_account).await.is_empty(), "{b}: held, not paid");
        let due = paid(&s, may, seen).await;
        assert_eq!(due.len(), 1, "{b}: {due:?}");
        let held = s.run_held(may, 100).await.unwrap();
        let reasons: Vec<(i64, &str, &str)> = held
            .iter()
            .filter(|h| h.benefit == "gaoling")
            .map(|h| (h.person_id, h.reason.as_str(), h.benefit_month.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (silent, "proof_of_life", "2025-05"),
                (no_account, "no_account", "2025-05")
            ],
            "{b}"
        );
        assert!(held.iter().all(|h| h.amount_fen > 0), "{b}");
        let summary = s.run_held_summary(may).await.unwrap();
        assert_eq!(summary.len(), 2, "{b}: {summary:?}");
        // Nothing held is in a file: not in the bank's, not among the lines.
        let lines = s.run_lines(may, None, None).await.unwrap();
        assert!(
            lines.iter().all(|l| l.person_id != silent && l.person_id != no_account),
            "{b}"
        );

        // A check in person in June, a date in the future refused; an account set.
        assert!(matches!(
            s.record_life_check(silent, d("2099-01-01"), CheckMethod::InPerson, "", "360733", &clerk)
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.record_life_check(silent, d("2025-06-10"), CheckMethod::InPerson, "", "360102", &clerk)
                .await,
            Err(StoreError::NotFound)
        ));
        s.record_life_check(
            silent,
            d("2025-06-10"),
            CheckMethod::InPerson,
            "到村委会认证",
            "360733",
            &clerk,
        )
        .await
        .unwrap();
        assert_eq!(
            s.last_sign_of_life(silent).await.unwrap().map(|x| x.what),
            Some("资格认证"),
            "{b}"
        );
        s.set_payment_account(no_account, &account, "360733", &clerk)
            .await
            .unwrap();

        // June pays June, and May as back-pay, for both; July pays May no more.
        let june = settle(&s, &packs, "2025-06", "360733").await;
        let may_due = due[0].2;
        for p in [silent, no_account] {
            assert_eq!(
                paid(&s, june, p).await,
                [
                    ("2025-05".to_string(), "backpay".to_string(), may_due),
                    ("2025-06".to_string(), "regular".to_string(), may_due)
                ],
                "{b}: {p}"
            );
        }
        assert!(s.run_held(june, 100).await.unwrap().is_empty(), "{b}");
        let july = settle(&s, &packs, "2025-07", "360733").await;
        for p in [silent, no_account] {
            assert_eq!(
                paid(&s, july, p).await,
                [("2025-07".to_string(), "regular".to_string(), may_due)],
                "{b}: paid once"
            );
        }
        // The seen one's proof (March) runs out after February next year.
        let rule = s.hold_rule("360733100").await.unwrap();
        assert_eq!(rule.proof_months, Some(12), "{b}");
    }
}

#[tokio::test]
async fn the_medical_insurance_file_proves_life_where_number_and_name_agree() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        let packs = shipped::packs_with_demo_figures_across_jiangxi();
        let clerk = actor("clerk");
        let liu = add(&s, "刘桂英", "360733100", "1930-01-01", "021").await;
        let wang = add(&s, "王秀兰", "360733101", "1931-02-02", "042").await;
        add(&s, "陈德明", "360102", "1932-03-03", "051").await;
        s.set_setting(PROOF_SETTING, "360733", "12", &clerk).await.unwrap();
        let may = settle(&s, &packs, "2025-05", "360733").await;
        assert_eq!(s.run_held(may, 10).await.unwrap().len(), 2, "{b}: both held");

        let id = |division: &str, birth: &str, seq: &str| {
            let body = format!("{}{}{seq}", &division[..6], birth.replace('-', ""));
            format!("{body}{}", check_char(body.as_bytes()))
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("医保结算2025年6月.csv");
        let rows = [
            "序号,参保人姓名,公民身份号码,结算时间,金额".to_string(),
            format!(
                "1,刘桂英,{},2025-06-03 09:12:00,35.5",
                id("360733100", "1930-01-01", "021")
            ),
            format!("2,刘桂英,{},2025-06-20,12", id("360733100", "1930-01-01", "021")),
            format!("3,王秀英,{},2025-06-04,80", id("360733101", "1931-02-02", "042")),
            format!("4,陈德明,{},2025-06-05,20", id("360102", "1932-03-03", "051")),
            "5,李某,36073319330404061,2025-06-06,1".to_string(),
        ];
        std::fs::write(&path, rows.join("\n")).unwrap();
        let r = s
            .import_life_signs(&path, "医保结算2025年6月.csv", "360733", &clerk)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!((r.rows, r.people, r.recorded, r.released), (5, 1, 1, 1), "{b}: {r:?}");
        assert_eq!((r.not_found, r.name_differs_count, r.rejected_count), (1, 1, 1), "{b}");
        assert_eq!(r.name_differs[0].0, 4, "{b}: the row, counting the header");
        assert!(r.rejected[0].1.starts_with("身份证号："), "{b}: {:?}", r.rejected);
        let sign = s.last_sign_of_life(liu).await.unwrap().unwrap();
        assert_eq!(sign.on, d("2025-06-20"), "{b}: the latest settlement");
        assert!(
            s.last_sign_of_life(wang).await.unwrap().is_none(),
            "{b}: another name proves nothing"
        );
        // The same file again records nothing new.
        let again = s
            .import_life_signs(&path, "医保结算2025年6月.csv", "360733", &clerk)
            .await
            .unwrap();
        assert_eq!((again.people, again.recorded, again.released), (1, 0, 0), "{b}");

        // June pays Liu June and May; Wang stays held.
        let june = settle(&s, &packs, "2025-06", "360733").await;
        let liu_paid = paid(&s, june, liu).await;
        assert_eq!(liu_paid.len(), 2, "{b}: {liu_paid:?}");
        assert!(paid(&s, june, wang).await.is_empty(), "{b}");
    }
}
