//! Settings belong to a division and only its administrator changes them; the audit page
//! shows each level what its own accounts did.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::role::Role;
use yiyang_store::users::NewUser;

#[tokio::test]
async fn only_a_countys_administrator_changes_its_settings_and_other_counties_keep_theirs() {
    for (b, store, router) in apps(5).await {
        // A township clerk (who once changed platform-wide settings) is refused.
        let mut town = Client::login(&router, "wenwuba").await;
        let csrf = town.csrf.clone();
        let r = town
            .post_form(
                "/settings/assessment-validity",
                &[("_csrf", &csrf), ("validity_months", "3")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(town.get("/settings").await.status, StatusCode::FORBIDDEN, "{b}");
        // The county's administrator sets the county's value.
        let mut admin = Client::login(&router, "guanli").await;
        let page = admin.get("/settings").await.text();
        assert!(page.contains("平台默认值"), "{b}");
        let ac = admin.csrf.clone();
        let r = admin
            .post_form(
                "/settings/assessment-validity",
                &[("_csrf", &ac), ("validity_months", "6")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(admin.get("/settings").await.text().contains("本级设定"), "{b}");
        assert_eq!(store.assessment_validity_months("360733100").await.unwrap(), 6, "{b}");
        // Another county is untouched; a province setting reaches counties without their own.
        assert_eq!(store.assessment_validity_months("360702").await.unwrap(), 12, "{b}");
        store
            .create_user(
                &NewUser {
                    username: "jxadmin",
                    display_name: "江西省民政厅 系统管理员",
                    password: PASSWORD,
                    role: Role::Admin,
                    scope: "36",
                    institution_id: None,
                },
                &actor(),
            )
            .await
            .unwrap();
        let mut province = Client::login(&router, "jxadmin").await;
        let pc = province.csrf.clone();
        let r = province
            .post_form(
                "/settings/assessment-validity",
                &[("_csrf", &pc), ("validity_months", "9")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(store.assessment_validity_months("360702").await.unwrap(), 9, "{b}");
        assert_eq!(
            store.assessment_validity_months("360733").await.unwrap(),
            6,
            "{b}: the county's own"
        );
        assert!(admin.get("/settings").await.text().contains("本级设定"), "{b}");
    }
}

#[tokio::test]
async fn a_county_reads_its_own_part_of_the_audit_log_never_the_provinces_logins() {
    for (b, _store, router) in apps(5).await {
        // The province signs in from its own address.
        let mut p = Client::login(&router, "sheng").await;
        p.get("/people").await;
        let mut county = Client::login(&router, "shenji").await;
        let page = county.get("/audit").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let text = page.text();
        // Accounts by their names (the demo's 只读审计员 and 江西省民政厅 管理员).
        assert!(text.contains("只读审计员"), "{b}: its own login is listed");
        assert!(
            !text.contains("江西省民政厅 管理员</td>"),
            "{b}: the province's actions are not"
        );
        let province_page = p.get("/audit").await.text();
        assert!(
            province_page.contains("只读审计员</td>"),
            "{b}: the province reads its counties"
        );
        assert!(province_page.contains("江西省民政厅 管理员</td>"), "{b}: and its own");
    }
}
