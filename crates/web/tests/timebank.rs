//! The time bank through the real router, on both databases: a volunteer opens an account on
//! the phone pages, asks for a service to be banked, the institution confirms it (the ledger is
//! written only then), redeems for a relative old enough, transfers and donates; the county
//! gives donated hours to someone living alone first; another institution or township sees
//! nothing; the extract verifies under the published key.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::care::timebank::verify_extract;
use yiyang_domain::role::Role;
use yiyang_store::users::NewUser;

const VOLUNTEER: &str = "13907970009";
/// Born 1955: old enough to redeem for herself.
const VOLUNTEER_ID: &str = "360733195505050020";

async fn add_user(store: &yiyang_store::Store, username: &str, role: Role, scope: &str, inst: Option<&str>) {
    store
        .create_user(
            &NewUser {
                username,
                display_name: username,
                password: PASSWORD,
                role,
                scope,
                institution_id: inst,
            },
            &actor(),
        )
        .await
        .unwrap();
}

async fn earn(c: &mut Client, csrf: &str, today: &str, hours: &str) -> Resp {
    c.post_form(
        "/family/timebank/earn",
        &[
            ("_csrf", csrf),
            ("place", "institution:JG3607331001"),
            ("service", "陪老人读报"),
            ("served_on", today),
            ("hours", hours),
        ],
    )
    .await
}

#[tokio::test]
async fn a_volunteer_banks_redeems_transfers_and_donates_and_the_county_allocates() {
    for (b, store, router) in apps(60).await {
        add_user(&store, VOLUNTEER, Role::Family, "360733", None).await;
        add_user(&store, "zhoutian", Role::CivilAffairs, "360733101", None).await;
        let mut v = Client::login(&router, VOLUNTEER).await;
        let page = v.get("/family/timebank").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.text().contains("开户"), "{b}");
        let csrf = v.csrf.clone();
        let r = v
            .post_form(
                "/family/timebank/open",
                &[
                    ("_csrf", &csrf),
                    ("name", "钟秀英"),
                    ("id_number", "360733195505050026"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("校验码"), "{b}: the ID number's check digit is named");
        let csrf = v.csrf.clone();
        let r = v
            .post_form(
                "/family/timebank/open",
                &[("_csrf", &csrf), ("name", "钟秀英"), ("id_number", VOLUNTEER_ID)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());

        // A service at the county's central home, 2 hours; 9 hours is refused and named.
        let home = "institution:JG3607331001";
        let today = chrono::Local::now().date_naive().to_string();
        let csrf = v.csrf.clone();
        let r = earn(&mut v, &csrf, &today, "9").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("0.5～8 小时"), "{b}");
        let r = earn(&mut v, &csrf, &today, "2").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let account = store.timebank_account_of(VOLUNTEER).await.unwrap().unwrap();
        assert_eq!(account.balance, 0, "{b}: nothing is banked before the home confirms");

        // Another township's clerk does not see it; the home's staff confirm it.
        let mut other = Client::login(&router, "zhoutian").await;
        assert!(!other.get("/timebank").await.text().contains("钟秀英"), "{b}");
        let mut home_staff = Client::login(&router, "jigou").await;
        let page = home_staff.get("/timebank").await;
        assert!(
            page.text().contains("钟秀英") && page.text().contains("陪老人读报"),
            "{b}"
        );
        let id = store.timebank_requests_of(account.id).await.unwrap()[0].id;
        let csrf_o = other.csrf.clone();
        let r = other
            .post_form(&format!("/timebank/requests/{id}/confirm"), &[("_csrf", &csrf_o)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}: out of scope is unknown");
        let csrf_h = home_staff.csrf.clone();
        let r = home_staff
            .post_form(
                &format!("/timebank/requests/{id}/refuse"),
                &[("_csrf", &csrf_h), ("note", "")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a refusal needs its reason"
        );
        let r = home_staff
            .post_form(&format!("/timebank/requests/{id}/confirm"), &[("_csrf", &csrf_h)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = home_staff
            .post_form(&format!("/timebank/requests/{id}/confirm"), &[("_csrf", &csrf_h)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}: confirmed once");
        assert_eq!(
            store.timebank_account_of(VOLUNTEER).await.unwrap().unwrap().balance,
            120,
            "{b}"
        );
        assert!(v.get("/family/timebank").await.text().contains("2 小时"), "{b}");

        // Redeeming for a relative younger than the age setting is refused; for herself, kept
        // until the home confirms.
        let csrf = v.csrf.clone();
        let young = "360733199001010015";
        let r = v
            .post_form(
                "/family/timebank/redeem",
                &[
                    ("_csrf", &csrf),
                    ("relation", "child"),
                    ("beneficiary", young),
                    ("place", home),
                    ("service", "助浴"),
                    ("served_on", &today),
                    ("hours", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("须年满 60 周岁"), "{b}: {}", r.text());
        let r = v
            .post_form(
                "/family/timebank/redeem",
                &[
                    ("_csrf", &csrf),
                    ("relation", "self"),
                    ("beneficiary", ""),
                    ("place", home),
                    ("service", "助浴"),
                    ("served_on", &today),
                    ("hours", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: more than the balance");
        assert!(r.text().contains("余额不足"), "{b}");
        let r = v
            .post_form(
                "/family/timebank/redeem",
                &[
                    ("_csrf", &csrf),
                    ("relation", "self"),
                    ("beneficiary", ""),
                    ("place", home),
                    ("service", "助浴"),
                    ("served_on", &today),
                    ("hours", "0.5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let id = store.timebank_requests_of(account.id).await.unwrap()[0].id;
        let r = home_staff
            .post_form(&format!("/timebank/requests/{id}/confirm"), &[("_csrf", &csrf_h)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(store.timebank_balance(account.id).await.unwrap(), 90, "{b}");

        // A transfer to her daughter (an account opened for her) and a donation to the pool.
        let daughter = "36073319800303004X";
        let r = v
            .post_form(
                "/family/timebank/transfer",
                &[
                    ("_csrf", &csrf),
                    ("name", "刘小英"),
                    ("id_number", daughter),
                    ("relation", "child"),
                    ("hours", "0.5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = v
            .post_form("/family/timebank/donate", &[("_csrf", &csrf), ("hours", "5")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: more than she has");
        let r = v
            .post_form("/family/timebank/donate", &[("_csrf", &csrf), ("hours", "1")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(store.timebank_balance(account.id).await.unwrap(), 0, "{b}");

        // The county gives the pool's hours: to someone not living alone only with a reason.
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get("/timebank").await;
        assert!(page.text().contains("公益池"), "{b}");
        let pick = |alone: bool| {
            let store = store.clone();
            async move {
                let ids = living_people(&store, "360733").await;
                for id in ids {
                    let p = store.person_in_scope(id, "360733").await.unwrap().unwrap();
                    let first = p.record.categories.iter().any(|c| c == "alone" || c == "tekun");
                    if first == alone {
                        return p.record.id_number.as_str().to_string();
                    }
                }
                panic!("no one fits");
            }
        };
        let ordinary = pick(false).await;
        let csrf_c = county.csrf.clone();
        let r = county
            .post_form(
                "/timebank/allocate",
                &[
                    ("_csrf", &csrf_c),
                    ("id_number", &ordinary),
                    ("hours", "0.5"),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("须写明理由"), "{b}");
        let alone = pick(true).await;
        let r = county
            .post_form(
                "/timebank/allocate",
                &[
                    ("_csrf", &csrf_c),
                    ("id_number", &alone),
                    ("hours", "0.5"),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());

        // The ledger is intact; the extract verifies under the published key.
        assert!(
            matches!(
                store.verify_timebank().await.unwrap(),
                yiyang_store::audit::Verification::Intact { .. }
            ),
            "{b}"
        );
        let mut public = Client::new(&router);
        let key = public.get("/gongkai/timebank/key").await.text().trim().to_string();
        assert_eq!(key, store.timebank_public_key().unwrap(), "{b}");
        let x = v.get("/family/timebank/extract.json").await;
        assert_eq!(x.status, StatusCode::OK, "{b}");
        let extract = verify_extract(&x.text(), Some(&key)).unwrap();
        assert_eq!(
            (extract.body.balance_minutes, extract.body.entries.len()),
            (0, 4),
            "{b}"
        );
        // Staff have no volunteer page; a volunteer has no staff page.
        assert_eq!(
            county.get("/family/timebank").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(v.get("/timebank").await.status, StatusCode::FORBIDDEN, "{b}");
    }
}
