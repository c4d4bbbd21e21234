//! Payment accounts and the bank's file through the router on every backend: a clerk sets a
//! person's account on the person's page (a wrong check digit or a mistyped repeat comes back
//! named, as typed, without the number); a township clerk cannot reach a person of another
//! township; the run's page says what the bank pays and what lacks an account; the approver
//! downloads the bank's file and the list of lines without an account, and nobody else does.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use yiyang_domain::person::account::luhn_ok;
use yiyang_domain::role::Role;
use yiyang_store::benefits::RunRequest;

fn card(body: &str) -> String {
    (0..10).map(|d| format!("{body}{d}")).find(|s| luhn_ok(s)).unwrap()
}

fn csv_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    String::from_utf8(bytes[3..].to_vec()).unwrap()
}

#[tokio::test]
async fn an_account_is_set_on_the_persons_page_and_the_approver_downloads_the_bank_file() {
    for (b, store, router) in apps(40).await {
        let town_a = person_in(&store, "360733101", "36073319350101001").await;
        let town_b = person_in(&store, "360733100", "36073319360202002").await;
        let mut county = Client::login(&router, "huichang").await;
        let csrf = county.csrf.clone();
        let page = county.get(&format!("/people/{town_a}")).await.text();
        assert!(
            page.contains("id=\"account-none\"") && page.contains("id=\"account-form\""),
            "{b}"
        );

        let good = card("621700000000000077");
        let mut wrong = good.clone().into_bytes();
        wrong[10] = if wrong[10] == b'9' { b'0' } else { wrong[10] + 1 };
        let wrong = String::from_utf8(wrong).unwrap();
        let form = |number: &str, again: &str| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("channel".into(), "sscard".into()),
                ("bank".into(), "中国农业银行会昌县支行".into()),
                ("number".into(), number.to_string()),
                ("number_again".into(), again.to_string()),
            ]
        };
        let post = |c: &mut Client, uri: String, pairs: Vec<(String, String)>| {
            let pairs: Vec<(String, String)> = pairs;
            let mut c = c.clone();
            async move {
                let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                c.post_form(&uri, &refs).await
            }
        };
        let uri = format!("/people/{town_a}/account");
        // A wrong check digit: named, the bank kept as typed, the number not echoed.
        let r = post(&mut county, uri.clone(), form(&wrong, &wrong)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(
            html.contains("id=\"err-account-number\"") && html.contains("校验位"),
            "{b}"
        );
        assert!(
            html.contains("value=\"中国农业银行会昌县支行\"") && !html.contains(&wrong),
            "{b}"
        );
        // The repeat mistyped.
        let r = post(&mut county, uri.clone(), form(&good, &format!("{good}1"))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("两次输入的账号不一致"), "{b}");
        // Right.
        let r = post(&mut county, uri.clone(), form(&good, &good)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = county.get(&format!("/people/{town_a}")).await.text();
        assert!(
            page.contains("id=\"account\"") && page.contains(&good),
            "{b}: a county clerk sees it whole"
        );
        assert!(page.contains("登记发放账户") && page.contains("（本人）"), "{b}");

        // A township clerk: another township's person is unknown, the own township's is theirs.
        let mut town = Client::login(&router, "wenwuba").await;
        let tcsrf = town.csrf.clone();
        let mut tform = form(&good, &good);
        tform[0].1 = tcsrf;
        let mine = if town.get(&format!("/people/{town_a}")).await.status == StatusCode::OK {
            (town_a, town_b)
        } else {
            (town_b, town_a)
        };
        for id in [mine.1, 99_999_999] {
            let r = post(&mut town, format!("/people/{id}/account"), tform.clone()).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}: {id}");
        }
        assert_eq!(
            post(&mut town, format!("/people/{}/account", mine.0), tform.clone())
                .await
                .status,
            StatusCode::SEE_OTHER,
            "{b}"
        );

        // A run of the county, approved, with one paid person's account taken away before.
        let packs = store
            .packs_in_force(&yiyang_domain::policy::shipped::packs())
            .await
            .unwrap();
        let run = store
            .run_benefits(
                &RunRequest::new(yiyang_domain::dates::Month::parse("2026-10").unwrap(), "360733"),
                &packs,
                &actor(),
                &|_, _| {},
            )
            .await
            .unwrap()
            .run;
        let paid = store
            .run_lines(run.id, None, None)
            .await
            .unwrap()
            .into_iter()
            .find(|l| l.payee_kind == "person" && l.amount_fen > 0 && !l.account_number.is_empty())
            .expect("someone paid to an account");
        store
            .execute_raw_for_tests(&format!(
                "DELETE FROM payment_accounts WHERE person_id = {}",
                paid.person_id
            ))
            .await
            .unwrap();
        let sign = |u: &'static str, role| {
            let store = store.clone();
            async move {
                let a = yiyang_store::testing::actor(u);
                if role == Role::Reviewer {
                    store.review_run(run.id, None, u, role, "360733", &a).await.unwrap();
                } else {
                    store.approve_run(run.id, None, u, role, "360733", &a).await.unwrap();
                }
            }
        };
        sign("shenhe", Role::Reviewer).await;
        sign("shenpi", Role::Approver).await;

        let mut approver = Client::login(&router, "shenpi").await;
        let page = approver.get(&format!("/benefits/runs/{}", run.id)).await.text();
        assert!(
            page.contains("id=\"run-bank\"") && page.contains("id=\"run-no-account\""),
            "{b}"
        );
        assert!(
            page.contains("id=\"bank-file\"") && page.contains("id=\"missing-accounts\""),
            "{b}"
        );
        let r = approver.get(&format!("/benefits/runs/{}/bank.csv", run.id)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
        assert!(
            disposition.contains(&urlencode("银行代发_2026-10_会昌县")),
            "{b}: {disposition}"
        );
        let text = csv_text(&r.body);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows[0], "批次号,所属月份,付款区域,总笔数,总金额（元）", "{b}");
        assert_eq!(
            rows[1].split(',').nth(3).unwrap().parse::<usize>().unwrap(),
            rows.len() - 3,
            "{b}: the control count is the rows'"
        );
        assert!(
            !text.contains(&paid.id_number),
            "{b}: no account, not in the bank's file"
        );
        let r = approver
            .get(&format!("/benefits/runs/{}/missing-accounts.csv", run.id))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(csv_text(&r.body).contains(&paid.name), "{b}");

        // The reviewer and the township clerk get neither file.
        let mut reviewer = Client::login(&router, "shenhe").await;
        assert_eq!(
            reviewer
                .get(&format!("/benefits/runs/{}/bank.csv", run.id))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            town.get(&format!("/benefits/runs/{}/bank.csv", run.id)).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        let audit = store.audit_entries(None, 100, 0).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "export" && a.detail.contains("\"bank\"")),
            "{b}: the bank file's export is audited"
        );
    }
}

#[tokio::test]
async fn accounts_are_uploaded_in_bulk_and_the_page_lists_who_still_lacks_one() {
    for (b, store, router) in apps(10).await {
        let a = person_in(&store, "360733101", "36073319350101001").await;
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get("/people/accounts").await.text();
        assert!(
            page.contains(&format!("href=\"/people/{a}\"")),
            "{b}: listed without an account"
        );
        let csv = format!(
            "身份证号,姓名,发放渠道,开户银行,账号\n{},测试老人,社保卡,中国农业银行会昌县支行,{}\n{},\"<b>某</b>\",社保卡,中国银行,1\n",
            id_with_check("36073319350101001"),
            card("621700000000000055"),
            id_with_check("36073319360202002")
        );
        let csrf = county.csrf.clone();
        let r = county
            .send(photo_upload("/people/accounts", &csrf, "发放账户.csv", csv.as_bytes()))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains("id=\"account-report\"") && html.contains("登记或更新账户 1 人"),
            "{b}"
        );
        assert!(
            html.contains("第 3 行") && !html.contains("<b>某</b>"),
            "{b}: reported, escaped"
        );
        assert!(
            !html.contains(&format!("href=\"/people/{a}\"")),
            "{b}: no longer listed"
        );
        // The institution's staff have no such page.
        let mut inst = Client::login(&router, "jigou").await;
        assert_eq!(inst.get("/people/accounts").await.status, StatusCode::FORBIDDEN, "{b}");
    }
}
