//! Home-service providers and community facilities as inspection objects, through the real
//! router on both backends: the county plans a batch of them from the form and credits a
//! provider; the provider's staff (`fuwu`) see their own result and hazard, answer and report
//! the rectification, and nothing of other units; the public page names the provider by kind.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_store::services::DEMO_PROVIDER;
use yiyang_store::supervision::Viewer;

#[tokio::test]
async fn a_provider_sees_and_answers_its_own_inspection_and_the_county_plans_and_credits_providers() {
    for (b, store, router) in apps(10).await {
        let today = chrono::Local::now().date_naive();
        let fuwu_view = Viewer::Provider(DEMO_PROVIDER.into());
        let own = store.inspections_visible("360733", &fuwu_view, None).await.unwrap();
        assert_eq!(own.len(), 1, "{b}: the demo's published result of the provider");
        let n = &own[0];
        let hazard = store
            .hazards_visible("360733", &fuwu_view, today)
            .await
            .unwrap()
            .remove(0);

        let mut fuwu = Client::login(&router, "fuwu").await;
        let overview = fuwu.get("/supervision").await;
        assert_eq!(overview.status, StatusCode::OK, "{b}");
        let text = overview.text();
        assert!(
            text.contains(&n.object_name) && text.contains("居家社区养老服务组织"),
            "{b}"
        );
        assert!(
            !text.contains("会昌县康乐护理院") && !text.contains("预付费监管"),
            "{b}"
        );
        for page in [
            "/supervision/prepaid",
            "/supervision/emergency",
            "/supervision/complaints",
        ] {
            assert_eq!(fuwu.get(page).await.status, StatusCode::FORBIDDEN, "{b}: {page}");
        }
        let hazards = fuwu.get("/supervision/hazards").await.text();
        assert!(hazards.contains("送餐保温箱") && hazards.contains("报告整改"), "{b}");
        // Another unit's inspection is as unknown.
        let institutions = store
            .inspections_visible("360733", &Viewer::Division, None)
            .await
            .unwrap();
        let theirs = institutions.iter().find(|x| x.institution_id.is_some()).unwrap();
        let r = fuwu.get(&format!("/supervision/inspections/{}", theirs.id)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
        // The provider answers and reports its rectification.
        let page = fuwu.get(&format!("/supervision/inspections/{}", n.id)).await.text();
        assert!(page.contains("陈述、申辩或整改说明"), "{b}");
        let csrf = fuwu.csrf.clone();
        let r = fuwu
            .post_form(
                &format!("/supervision/inspections/{}/respond", n.id),
                &[("_csrf", &csrf), ("text", "已购置消毒柜，留样由专人负责")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = fuwu
            .post_form(
                &format!("/supervision/hazards/{}/rectify", hazard.id),
                &[("_csrf", &csrf), ("text", "保温箱每日消毒并登记")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let after = store.hazards_visible("360733", &fuwu_view, today).await.unwrap();
        assert_eq!(after[0].status, "rectified", "{b}");
        // Its credit page shows itself only.
        let credit = fuwu.get("/supervision/credit").await.text();
        assert!(
            credit.contains(&n.object_name) && !credit.contains("会昌县康乐护理院"),
            "{b}"
        );

        // The county credits the provider by its key, and plans a batch of providers only.
        let mut county = Client::login(&router, "huichang").await;
        let credit = county.get("/supervision/credit").await.text();
        assert!(
            credit.contains(&format!("value=\"provider:{}\"", n.provider_id.unwrap())),
            "{b}"
        );
        let csrf = county.csrf.clone();
        let key = format!("provider:{}", n.provider_id.unwrap());
        let r = county
            .post_form(
                "/supervision/credit/records",
                &[
                    ("_csrf", &csrf),
                    ("object", &key),
                    ("kind", "penalty"),
                    ("recorded_on", &today.to_string()),
                    ("reason", "未按约上门服务，警告（会民罚决字〔2026〕7号）"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let records = store.credit_records_in("360733").await.unwrap();
        assert!(
            records
                .iter()
                .any(|r| r.provider_id == n.provider_id && r.kind == "penalty"),
            "{b}"
        );
        // A key out of scope or of nothing is as unknown.
        let r = county
            .post_form(
                "/supervision/credit/records",
                &[
                    ("_csrf", &csrf),
                    ("object", "provider:999999"),
                    ("kind", "penalty"),
                    ("recorded_on", &today.to_string()),
                    ("reason", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
        let overview = county.get("/supervision").await.text();
        assert!(overview.contains("name=\"ratio_provider\""), "{b}");
        let csrf = county.csrf.clone();
        let item = store.inspection_items("360733").await.unwrap()[0].id.to_string();
        let r = county
            .post_form(
                "/supervision/batches",
                &[
                    ("_csrf", &csrf),
                    ("name", "HC-2027-FW1"),
                    ("title", "居家服务季度抽查"),
                    ("per_object", "2"),
                    ("ratio", ""),
                    ("ratio_provider", "100"),
                    ("ratio_facility", ""),
                    ("ratio_risk", "100"),
                    ("item", &item),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let batch = store
            .batches_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.name == "HC-2027-FW1")
            .unwrap();
        let file = batch.file();
        assert!(file.objects.iter().all(|o| o.stratum.starts_with("provider")), "{b}");
        assert!(file.objects.iter().any(|o| o.id == DEMO_PROVIDER), "{b}");

        // The lists per unit and per area: the provider's alone, or a township's.
        let list = county.get(&format!("/supervision/hazards?object={key}")).await.text();
        assert!(list.contains("送餐保温箱") && !list.contains("电梯"), "{b}");
        let home = store
            .institutions_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == "JG3607332001")
            .unwrap();
        let town = &home.division[..9];
        let list = county.get(&format!("/supervision/hazards?area={town}")).await.text();
        assert!(list.contains("电梯") && !list.contains("送餐保温箱"), "{b}");
        assert!(
            list.contains(&format!("export.xlsx?area={town}")),
            "{b}: the export keeps the filter"
        );
        let xlsx = county
            .get(&format!("/supervision/hazards/export.xlsx?object={key}"))
            .await;
        assert_eq!(xlsx.status, StatusCode::OK, "{b}");
        // Outside the user's scope an area narrows nothing.
        let all = county.get("/supervision/hazards?area=3607").await.text();
        assert!(all.contains("电梯") && all.contains("送餐保温箱"), "{b}");

        // The public page: the provider's result under its kind, without a login.
        let mut anyone = Client::new(&router);
        let public = anyone.get("/gongkai").await.text();
        assert!(
            public.contains(&n.object_name) && public.contains("居家社区养老服务组织"),
            "{b}"
        );
    }
}
