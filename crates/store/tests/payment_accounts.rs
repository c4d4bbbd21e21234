//! Payment accounts on every backend: set within the clerk's area (an out-of-area person is
//! unknown), every wrong field named; frozen at approval, so the bank's file pays the account
//! approved even when the register changes after; the bank's file has a control record equal
//! to its rows, holds only what a bank pays, makes a hostile name inert, and leaves the people
//! without an account to their own list.

use chrono::NaiveDate;
use yiyang_domain::id_number::check_char;
use yiyang_domain::person::account::{luhn_ok, AccountInput};
use yiyang_domain::person::PersonInput;
use yiyang_domain::policy::shipped;
use yiyang_domain::role::Role;
use yiyang_store::testing::{actor, fresh_database_urls, settle};
use yiyang_store::{Store, StoreError};

fn id_number(division: &str, birth: &str, seq: &str) -> String {
    let body = format!("{}{}{seq}", &division[..6], birth.replace('-', ""));
    format!("{body}{}", check_char(body.as_bytes()))
}

async fn add(s: &Store, name: &str, division: &str, birth: &str, seq: &str) -> i64 {
    let input = PersonInput {
        name: name.into(),
        id_number: id_number(division, birth, seq),
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        ..Default::default()
    };
    let rec = input
        .validate(&*s.reference(), NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
        .unwrap();
    s.create_person(&rec, &division[..2], &actor("clerk")).await.unwrap()
}

fn card(body: &str) -> String {
    (0..10).map(|d| format!("{body}{d}")).find(|s| luhn_ok(s)).unwrap()
}

fn own(number: &str) -> AccountInput {
    AccountInput {
        channel: "sscard".into(),
        bank: "中国农业银行会昌县支行".into(),
        number: number.into(),
        ..Default::default()
    }
}

fn csv_rows(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    String::from_utf8(bytes[3..].to_vec())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_bank_file_pays_the_account_approved_under_a_control_total() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        let packs = shipped::packs_with_demo_figures_across_jiangxi();
        let liu = add(&s, "刘桂英", "360733100", "1930-01-01", "021").await;
        let wang = add(&s, "=HYPERLINK(\"http://x\")", "360733101", "1931-02-02", "042").await;
        let chen = add(&s, "陈德明", "360733101", "1932-03-03", "051").await;
        let elsewhere = add(&s, "赵某", "360102", "1933-04-04", "061").await;
        let first = card("621700000000000001");
        let clerk = actor("clerk");

        // Within the area only; a wrong field is named, in Chinese.
        assert!(matches!(
            s.set_payment_account(elsewhere, &own(&first), "360733", &clerk).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.payment_account(elsewhere, "360733").await,
            Err(StoreError::NotFound)
        ));
        let mut wrong = own(&first);
        wrong.number = format!("{}{}", &first[..18], (first.as_bytes()[18] - b'0' + 1) % 10);
        match s.set_payment_account(liu, &wrong, "360733", &clerk).await {
            Err(StoreError::Invalid(e)) => {
                assert!(e[0].field == "number" && e[0].message.contains("校验位"), "{b}: {e:?}")
            }
            other => panic!("{b}: {other:?}"),
        }
        s.set_payment_account(liu, &own(&first), "360733", &clerk)
            .await
            .unwrap();
        // Wang is paid through a daughter's passbook; Chen has no account.
        let agent = AccountInput {
            channel: "一卡通".into(),
            bank: "会昌农村商业银行".into(),
            number: "14120102000012345".into(),
            holder_name: "王小红".into(),
            holder_id_number: id_number("360733101", "1970-05-05", "202"),
            holder_relation: "女儿".into(),
            ..Default::default()
        };
        s.set_payment_account(wang, &agent, "360733", &clerk).await.unwrap();
        let stored = s.payment_account(wang, "360733").await.unwrap().unwrap();
        assert!(stored.by_agent() && stored.holder_name == "王小红", "{b}");
        assert!(s.payment_account(chen, "360733").await.unwrap().is_none(), "{b}");

        let run = settle(&s, &packs, "2025-06", "360733").await;
        let figures = s.bank_figures(run).await.unwrap();
        assert_eq!(
            (figures.with_account, figures.without_account),
            (2, 1),
            "{b}: {figures:?}"
        );

        // After approval the register changes: Liu's account is replaced.
        let second = card("621700000000000002");
        s.set_payment_account(liu, &own(&second), "360733", &clerk)
            .await
            .unwrap();
        let changed = s.payees_changed_since_approval(run).await.unwrap();
        assert_eq!(changed.iter().map(|c| c.0).collect::<Vec<_>>(), [liu], "{b}");

        // The bank pays the account approved, under a control record equal to its rows.
        let file = s
            .export_bank_file(run, "boss", Role::Approver, "360733", &actor("boss"))
            .await
            .unwrap();
        let rows = csv_rows(&file.bytes);
        assert_eq!(rows[0], "批次号,所属月份,付款区域,总笔数,总金额（元）", "{b}");
        let lines: Vec<&String> = rows[3..].iter().collect();
        assert_eq!(lines.len(), file.count, "{b}");
        let sum: i64 = lines
            .iter()
            .map(|r| (r.split(',').nth(3).unwrap().parse::<f64>().unwrap() * 100.0).round() as i64)
            .sum();
        assert_eq!(sum, file.total_fen, "{b}");
        assert_eq!(
            rows[1],
            format!(
                "{run},2025-06,会昌县,{},{}",
                file.count,
                yiyang_domain::Fen(sum).plain()
            ),
            "{b}"
        );
        let text = rows.join("\n");
        assert!(
            text.contains(&first) && !text.contains(&second),
            "{b}: the approved account: {text}"
        );
        assert!(
            text.contains(",王小红,14120102000012345,") && text.contains(&id_number("360733101", "1970-05-05", "202")),
            "{b}: the agent's account: {text}"
        );
        assert!(!text.contains("陈德明"), "{b}: no account, not in the bank's file");
        assert!(!text.contains(",=HYPERLINK"), "{b}: {text}");
        assert_eq!(file.count as i64, figures.with_account, "{b}");

        // The one without an account is on the list, with the amount the bank cannot pay.
        let missing = s
            .missing_accounts_file(run, Role::Approver, "360733")
            .await
            .unwrap()
            .expect("Chen has no account");
        let m = csv_rows(&missing).join("\n");
        assert!(m.contains("陈德明") && !m.contains("刘桂英"), "{b}: {m}");
        // Neither file is there for someone outside the run's area.
        assert!(matches!(
            s.export_bank_file(run, "boss", Role::Approver, "360102", &actor("boss"))
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.export_bank_file(run, "clerk", Role::CivilAffairs, "360733", &actor("clerk"))
                .await,
            Err(StoreError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn accounts_are_imported_in_bulk_row_by_row_inside_the_area() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        let clerk = actor("clerk");
        let liu = add(&s, "刘桂英", "360733100", "1930-01-01", "021").await;
        let wang = add(&s, "王秀兰", "360733101", "1931-02-02", "042").await;
        add(&s, "陈德明", "360102", "1932-03-03", "051").await;
        let zhao = add(&s, "赵德胜", "360733100", "1933-04-04", "061").await;
        let liu_card = card("621700000000000031");
        let rows = [
            "序号,姓名,公民身份号码,账户类型,开户行,银行卡号,户名,代领人身份证号,代领人关系".to_string(),
            format!(
                "1,刘桂英,{},社保卡,中国农业银行会昌县支行,{liu_card},,,",
                id_number("360733100", "1930-01-01", "021")
            ),
            format!(
                "2,王秀兰,{},一卡通,会昌农村商业银行,14120102000012345,王小红,{},女儿",
                id_number("360733101", "1931-02-02", "042"),
                id_number("360733101", "1970-05-05", "202")
            ),
            format!(
                "3,陈德明,{},社保卡,中国银行,{liu_card},,,",
                id_number("360102", "1932-03-03", "051")
            ),
            format!(
                "4,赵德顺,{},社保卡,中国银行,{liu_card},,,",
                id_number("360733100", "1933-04-04", "061")
            ),
            format!(
                "5,王秀兰,{},社保卡,中国银行,62170000000000000319,,,",
                id_number("360733101", "1931-02-02", "042")
            ),
            "6,某某,123,社保卡,中国银行,1,,,".to_string(),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("发放账户.csv");
        std::fs::write(&path, rows.join("\n")).unwrap();
        let r = s
            .import_accounts(&path, "发放账户.csv", "360733", &clerk)
            .await
            .unwrap();
        // Rows count from the header (row 1). Row 6 replaces row 3 for Wang: the last row for a
        // person wins (20 digits beginning 62 are no card number, so a passbook's: taken). Row 7
        // is unreadable, row 4 is not in the area, row 5 names someone else.
        assert_eq!((r.rows, r.set, r.not_found), (6, 2, 1), "{b}: {r:?}");
        let problems: Vec<i64> = r.problems.iter().map(|p| p.0).collect();
        assert_eq!(problems, [7, 4, 5], "{b}: {:?}", r.problems);
        assert!(r.problems.iter().any(|p| p.1.contains("与登记的姓名不一致")), "{b}");
        assert!(r.problems.iter().any(|p| p.1.starts_with("身份证号：")), "{b}");
        let liu_acc = s.payment_account(liu, "360733").await.unwrap().unwrap();
        assert_eq!(
            (liu_acc.account_number.as_str(), liu_acc.channel.as_str()),
            (liu_card.as_str(), "sscard"),
            "{b}"
        );
        let wang_acc = s.payment_account(wang, "360733").await.unwrap().unwrap();
        assert_eq!(wang_acc.bank, "中国银行", "{b}");
        // Again: nothing changes.
        let again = s
            .import_accounts(&path, "发放账户.csv", "360733", &clerk)
            .await
            .unwrap();
        assert_eq!((again.set, again.unchanged), (0, 2), "{b}");
        let (without, n) = s.people_without_account("360733", 10).await.unwrap();
        assert_eq!(
            (without.iter().map(|w| w.id).collect::<Vec<_>>(), n),
            (vec![zhao], 1),
            "{b}"
        );
        let (_, elsewhere) = s.people_without_account("360102", 10).await.unwrap();
        assert_eq!(elsewhere, 1, "{b}");
    }
}
