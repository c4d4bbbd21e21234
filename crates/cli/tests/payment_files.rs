//! `yiyang import accounts` and `yiyang import life-signs` on every backend: rows matched inside
//! the account's area, a wrong row reported by number with exit code 2, the rest taken.

mod common;

use common::{yiyang, zeng};
use yiyang_domain::person::account::luhn_ok;
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::Store;

#[tokio::test]
async fn accounts_and_settlements_are_imported_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    for (b, url) in fresh_database_urls().await {
        let (code, out) = yiyang(&["demo", "--db", &url, "--people", "10"]);
        assert_eq!(code, 0, "{b}: {out}");
        let store = Store::connect(&url).await.unwrap();
        let (person, id_number) = zeng(&store, "360733100").await;
        let card = (0..10)
            .map(|d| format!("621700000000000077{d}"))
            .find(|s| luhn_ok(s))
            .unwrap();

        let accounts = dir.path().join(format!("{b}-账户.csv"));
        std::fs::write(
            &accounts,
            format!("身份证号,姓名,发放渠道,开户银行,账号\n{id_number},曾桂兰,社保卡,中国农业银行会昌县支行,{card}\n{id_number}9,某,社保卡,中国银行,1\n"),
        )
        .unwrap();
        let (code, out) = yiyang(&[
            "import",
            "accounts",
            accounts.to_str().unwrap(),
            "--db",
            &url,
            "--user",
            "wenwuba",
        ]);
        assert_eq!(code, 2, "{b}: a row not taken: {out}");
        assert!(out.contains("登记或更新 1 人") && out.contains("第 3 行"), "{b}: {out}");
        let account = store.payment_account(person, "36").await.unwrap().unwrap();
        assert_eq!(account.account_number, card, "{b}");

        let signs = dir.path().join(format!("{b}-医保.csv"));
        std::fs::write(
            &signs,
            format!("姓名,身份证号,结算日期\n曾桂兰,{id_number},2026-11-03\n"),
        )
        .unwrap();
        let (code, out) = yiyang(&[
            "import",
            "life-signs",
            signs.to_str().unwrap(),
            "--db",
            &url,
            "--user",
            "huichang",
        ]);
        assert_eq!(code, 0, "{b}: {out}");
        assert!(out.contains("1 人作为认证"), "{b}: {out}");
        let sign = store.last_sign_of_life(person).await.unwrap().unwrap();
        assert_eq!(sign.on.to_string(), "2026-11-03", "{b}");
    }
}
