//! The institutions register through the real app, on every backend.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::institution::CreditCode;

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A valid credit code from a 17-character body (the check character found by trying).
fn credit(body: &str) -> String {
    "0123456789ABCDEFGHJKLMNPQRTUWXY"
        .chars()
        .map(|c| format!("{body}{c}"))
        .find(|c| CreditCode::parse(c).is_ok())
        .unwrap()
}

#[tokio::test]
async fn an_institution_is_registered_with_its_credit_code_checked() {
    for (b, store, router) in apps(20).await {
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        let form = |code: &str, cc: &str| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("name".to_string(), "会昌县幸福院".to_string()),
                ("code".to_string(), code.to_string()),
                ("credit_code".to_string(), cc.to_string()),
                ("kind".to_string(), "private_nonprofit".to_string()),
                ("division".to_string(), "360733100".to_string()),
                ("filed_on".to_string(), "2024-03-01".to_string()),
            ]
        };
        let good = credit("52360733MJB12345Q");
        let wrong_check = format!("{}{}", &good[..17], if good.ends_with('1') { '2' } else { '1' });
        let f = form("JG3607332009", &wrong_check);
        let r = c.post_form("/institutions", &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(
            html.contains("data-field=\"credit_code\"") && html.contains("校验码"),
            "{b}"
        );
        assert!(html.contains("会昌县幸福院"), "{b}: the form keeps what was typed");
        let f = form("JG3607332009", &good);
        let r = c.post_form("/institutions", &pairs(&f)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let list = c.get("/institutions").await.text();
        assert!(list.contains("会昌县幸福院") && list.contains(&good), "{b}");
        // The same platform code twice is refused on the field.
        let r = c.post_form("/institutions", &pairs(&f)).await;
        assert!(r.text().contains("data-field=\"code\""), "{b}");
        // Outside the scope is refused on the division.
        let f: Vec<(String, String)> = form("JG3607022001", &good)
            .into_iter()
            .map(|(k, v)| if k == "division" { (k, "360702".into()) } else { (k, v) })
            .collect();
        assert!(
            c.post_form("/institutions", &pairs(&f))
                .await
                .text()
                .contains("data-field=\"division\""),
            "{b}"
        );
        assert!(store.institutions_in("360702").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn one_operator_may_not_be_given_every_public_institution_of_the_county() {
    for (b, store, router) in apps(20).await {
        let insts = store.institutions_in("360733").await.unwrap();
        let id = |code: &str| insts.iter().find(|i| i.code == code).unwrap().id;
        let (public, public2, private) = (id("JG3607331001"), id("JG3607331002"), id("JG3607332001"));
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        let assign = |inst: i64| format!("/institutions/{inst}/operator");
        let r = c
            .post_form(&assign(public), &[("_csrf", &csrf), ("operator", "颐康养老公司")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = c
            .post_form(&assign(public2), &[("_csrf", &csrf), ("operator", "颐康养老公司")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert!(r.text().contains("会府发〔2021〕7号"), "{b}");
        let r = c
            .post_form(&assign(public2), &[("_csrf", &csrf), ("operator", "安心养老服务中心")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = c
            .post_form(&assign(private), &[("_csrf", &csrf), ("operator", "某公司")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let page = c.get(&format!("/institutions/{public}")).await.text();
        assert!(page.contains("颐康养老公司") && page.contains("公建民营"), "{b}");
    }
}

#[tokio::test]
async fn the_bed_board_shows_each_bed_by_status_and_the_ratios_follow() {
    for (b, store, router) in apps(20).await {
        let insts = store.institutions_in("360733").await.unwrap();
        let own = insts.iter().find(|i| i.code == "JG3607331001").unwrap().id;
        let other = insts.iter().find(|i| i.code == "JG3607332001").unwrap().id;
        let before = store.beds(own).await.unwrap();
        // Institution staff manage the beds of their own institution.
        let mut staff = Client::login(&router, "jigou").await;
        let csrf = staff.csrf.clone();
        let r = staff
            .post_form(
                &format!("/institutions/{own}/beds"),
                &[
                    ("_csrf", &csrf),
                    ("building", "1"),
                    ("room", "101"),
                    ("count", "3"),
                    ("nursing", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        staff
            .post_form(
                &format!("/institutions/{own}/beds"),
                &[("_csrf", &csrf), ("building", "1"), ("room", "102"), ("count", "1")],
            )
            .await;
        let beds = store.beds(own).await.unwrap();
        assert_eq!(beds.len(), before.len() + 4, "{b}");
        let new: Vec<_> = beds.iter().filter(|x| before.iter().all(|y| y.id != x.id)).collect();
        assert_eq!(new.len(), 4, "{b}");
        assert_eq!(new.iter().filter(|x| x.nursing).count(), 3, "{b}");
        let r = staff
            .post_form(
                &format!("/institutions/{own}/beds/{}/status", new[0].id),
                &[("_csrf", &csrf), ("status", "out_of_service")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let page = staff.get(&format!("/institutions/{own}")).await.text();
        let beds = store.beds(own).await.unwrap();
        let with = |s: &str| beds.iter().filter(|x| x.status == s).count();
        assert_eq!(page.matches("data-status=\"vacant\"").count(), with("vacant"), "{b}");
        assert_eq!(
            page.matches("data-status=\"occupied\"").count(),
            with("occupied"),
            "{b}"
        );
        let nursing = beds.iter().filter(|x| x.nursing).count() * 100 / beds.len();
        let occupancy = with("occupied") * 100 / beds.len();
        assert!(
            page.contains(&format!("护理型 {nursing}%")) && page.contains(&format!("入住率 {occupancy}%")),
            "{b}"
        );
        // Staff see only their institution.
        let list = staff.get("/institutions").await.text();
        assert!(list.contains("JG3607331001") && !list.contains("JG3607332001"), "{b}");
        assert_eq!(
            staff.get(&format!("/institutions/{other}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        // Inspectors read; they do not register.
        let mut inspector = Client::login(&router, "jiancha").await;
        assert_eq!(inspector.get("/institutions").await.status, StatusCode::OK, "{b}");
        let csrf = inspector.csrf.clone();
        let r = inspector
            .post_form("/institutions", &[("_csrf", &csrf), ("name", "x")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        // The county page aggregates over every institution's beds, and per township.
        let mut county = Client::login(&router, "huichang").await;
        let list = county.get("/institutions").await.text();
        let (mut all, mut nursing) = (0, 0);
        for i in store.institutions_in("360733").await.unwrap() {
            all += i.beds;
            nursing += i.nursing_beds;
        }
        assert!(
            list.contains(&format!("id=\"nursing-pct\">{}%", nursing * 100 / all)),
            "{b}"
        );
        assert!(list.contains("id=\"by-division\"") && list.contains("文武坝镇"), "{b}");
    }
}

#[tokio::test]
async fn only_a_private_home_is_contracted_to_house_tekun_persons() {
    for (b, store, router) in apps(5).await {
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        let filing = |contract: &'static str| {
            vec![
                ("_csrf", csrf.as_str()),
                ("status", "operating"),
                ("fire_safety", "approved"),
                ("premises", "built"),
                ("tekun_contract", contract),
            ]
        };
        // 一院两制 (并政办发〔2020〕53号 第（四）条) entrusts private homes: the public home is refused,
        // the field named.
        let public = common::care::institution(&store, "JG3607331001").await;
        let r = c
            .post_form(&format!("/institutions/{public}/filing"), &filing("1"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("公办和公建民营机构不适用"), "{b}");
        let private = common::care::institution(&store, "JG3607332001").await;
        let r = c
            .post_form(&format!("/institutions/{private}/filing"), &filing("1"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = c.get(&format!("/institutions/{private}")).await.text();
        assert!(page.contains("id=\"tekun-contract\">受委托供养特困人员"), "{b}");
        assert!(
            store
                .institution_in_scope(private, "")
                .await
                .unwrap()
                .unwrap()
                .tekun_contract,
            "{b}"
        );
        // Unticked, it is withdrawn.
        c.post_form(&format!("/institutions/{private}/filing"), &filing(""))
            .await;
        assert!(
            !store
                .institution_in_scope(private, "")
                .await
                .unwrap()
                .unwrap()
                .tekun_contract,
            "{b}"
        );
    }
}
