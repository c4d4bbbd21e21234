//! Meal assistance through the real router, on both databases: a meal point registered by the
//! county; the counter finds the person by ID number, records one meal of each kind a day, and
//! the purchase pays part of one meal a day; a sitting without its food sample is not paid.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::dates::Month;
use yiyang_store::services::DEMO_PROVIDER;

#[tokio::test]
async fn the_counter_records_meals_and_settlement_needs_the_sample() {
    for (b, store, router) in apps(10).await {
        let covered = person_in(&store, "360733100", "36073319410707005").await;
        store
            .execute_raw_for_tests(&format!(
                "UPDATE persons SET categories = ',tekun,' WHERE id = {covered}"
            ))
            .await
            .unwrap();
        let number = id_with_check("36073319410707005");
        let facility = store
            .create_facility(
                &yiyang_store::facilities::FacilityInput {
                    code: "ZC-TEST-1".into(),
                    name: "测试助餐点".into(),
                    kind: "meal_point".into(),
                    division: "360733100".into(),
                    address: "文武坝镇".into(),
                    opened_on: "2023-01-01".into(),
                    ..Default::default()
                },
                "360733",
                &actor(),
            )
            .await
            .unwrap();
        let provider = store.provider_by_code(DEMO_PROVIDER).await.unwrap().unwrap();

        // The county registers the point with its operator and price.
        let mut clerk = Client::login(&router, "huichang").await;
        clerk.get("/services/meals").await;
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form(
                "/services/meals/points",
                &[
                    ("_csrf", &csrf),
                    ("facility", &facility.to_string()),
                    ("provider", &provider.id.to_string()),
                    ("price", "12"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());

        // The counter: the purchase (demo: 5 yuan a meal for 特困) pays part of the lunch.
        let mut p = Client::login(&router, "fuwu").await;
        let page = p.get(&format!("/services/meals?point={facility}")).await;
        assert!(page.text().contains("测试助餐点"), "{b}");
        let csrf = p.csrf.clone();
        let serve = |meal: &'static str, way: &'static str, check: &'static str| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("id_number".into(), number.clone()),
                ("meal".into(), meal.into()),
                ("way".into(), way.into()),
                ("checked_by".into(), check.into()),
            ]
        };
        let at = format!("/services/meals/{facility}/serve");
        let send = |pairs: Vec<(String, String)>| pairs;
        let pairs = send(serve("lunch", "dine_in", "id_card"));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = p.post_form(&at, &pairs).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert!(
            r.text()
                .contains("政府补助 <strong>¥5.00</strong> 元，自付 <strong>¥7.00</strong>"),
            "{b}: {}",
            r.text()
        );
        let r = p.post_form(&at, &pairs).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}: one lunch a day");
        let pairs = send(serve("dinner", "delivery", "id_card"));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            p.post_form(&at, &pairs).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a delivery is signed for"
        );
        let pairs = send(serve("dinner", "delivery", "signature"));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = p.post_form(&at, &pairs).await;
        assert!(
            r.text().contains("政府补助 <strong>¥0.00</strong>"),
            "{b}: one subsidised meal a day"
        );
        let unknown = id_with_check("11010519400101001");
        let r = p
            .post_form(
                &at,
                &[
                    ("_csrf", &csrf),
                    ("id_number", &unknown),
                    ("meal", "breakfast"),
                    ("way", "dine_in"),
                    ("checked_by", "card"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("没有这个身份证号"), "{b}");
        // The sitting's sample, once.
        let sample = [
            ("_csrf", csrf.as_str()),
            ("meal", "lunch"),
            ("dishes", "米饭、青菜"),
            ("sources", "农贸市场"),
        ];
        let r = p
            .post_form(&format!("/services/meals/{facility}/sample"), &sample)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = p
            .post_form(&format!("/services/meals/{facility}/sample"), &sample)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // Someone else's point is unknown to a provider account that does not run it.
        assert_eq!(
            p.post_form("/services/meals/987654321/serve", &pairs).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // Last month: two lunches, one sitting without its sample; only the other is paid.
        let point = store
            .meal_points_in("360733", Some(provider.id))
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.facility_id == facility)
            .unwrap();
        // The month before last (the demo has settled last month).
        let last = Month::of(chrono::Local::now().date_naive()).prev().prev();
        let (d1, d2) = (
            last.first_day() + chrono::Days::new(24),
            last.first_day() + chrono::Days::new(25),
        );
        let at_time = chrono::Utc::now() - chrono::Duration::days(10);
        store
            .record_sample(&point, d1, "lunch", "米饭", "市场", &actor(), at_time)
            .await
            .unwrap();
        let m1 = store
            .serve_meal(&point, &number, "lunch", "dine_in", "card", d1, &actor())
            .await
            .unwrap();
        let m2 = store
            .serve_meal(&point, &number, "lunch", "dine_in", "card", d2, &actor())
            .await
            .unwrap();
        let id = store
            .prepare_statement(&provider, last, &actor(), chrono::Utc::now())
            .await
            .unwrap();
        let s = store.statement_in(id, "360733").await.unwrap().unwrap();
        let meals = store.statement_meals(&s).await.unwrap();
        let line = |m: i64| meals.iter().find(|l| l.meal.id == m).unwrap();
        assert!(line(m1.id).payable && line(m1.id).gov_fen == 500, "{b}");
        assert!(
            !line(m2.id).payable && line(m2.id).reason_text().contains("留样"),
            "{b}"
        );
        let page = clerk.get(&format!("/services/settlement/{id}")).await.text();
        assert!(page.contains("当餐没有食品留样记录"), "{b}");
    }
}
