//! Home and community services through the real router, on both databases: a family signs up,
//! is linked by a clerk and orders for a parent; the government's share stops at the purchased
//! hours; the provider accepts and assigns; the worker checks in (too far: flagged) and out; the
//! family confirms; an order moves to another time in its month.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::services::*;
use common::*;
use yiyang_domain::services::order::Channel;
use yiyang_store::services::orders::OrderInput;
use yiyang_store::services::DEMO_PROVIDER;

#[tokio::test]
async fn a_family_orders_for_a_parent_and_the_worker_s_record_is_checked() {
    for (b, store, router) in apps(30).await {
        let parent = covered_person(&store, "36073319450302004").await;

        // Sign-up is public; the same number twice is refused by name.
        let mut f = Client::new(&router);
        assert_eq!(f.get("/gongkai/zhuce").await.status, StatusCode::OK, "{b}");
        let signup = |csrf: String| {
            vec![
                ("_csrf".to_string(), csrf),
                ("mobile".into(), "138 0797 1111".into()),
                ("name".into(), "测试家属".into()),
                ("password".into(), PASSWORD.into()),
                ("county".into(), "360733".into()),
            ]
        };
        let pairs = signup(f.csrf.clone());
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = f.post_form("/gongkai/zhuce", &pairs).await;
        assert!(
            r.text().contains("注册成功") && r.text().contains("13807971111"),
            "{b}: {}",
            r.text()
        );
        f.get("/gongkai/zhuce").await;
        let pairs = signup(f.csrf.clone());
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = f.post_form("/gongkai/zhuce", &pairs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("该手机号已注册"), "{b}");

        // Not linked yet: the parent is unknown to the account.
        let mut f = Client::login(&router, "13807971111").await;
        assert_eq!(
            f.get(&format!("/family/order/{parent}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        f.get("/family").await;
        let csrf = f.csrf.clone();
        let number = id_with_check("36073319450302004");
        let r = f
            .post_form(
                "/family/link",
                &[
                    ("_csrf", &csrf),
                    ("name", "测试老人"),
                    ("id_number", &number),
                    ("relation", "child"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert!(f.get("/family").await.text().contains("待核实"), "{b}");

        // The township's clerk confirms after asking the parent.
        let mut clerk = Client::login(&router, "wenwuba").await;
        let page = clerk.get("/services/links").await;
        assert!(page.text().contains("13807971111"), "{b}");
        let link = store.pending_links("360733100").await.unwrap();
        let link = link.iter().find(|l| l.person_id == Some(parent)).unwrap().id;
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form(
                &format!("/services/links/{link}"),
                &[("_csrf", &csrf), ("decision", "confirm")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");

        // The family sees the month's purchased hours and orders.
        let home = f.get("/family").await.text();
        assert!(home.contains("本月还剩 <strong>8</strong> 小时"), "{b}: {home}");
        assert_eq!(
            f.get(&format!("/family/order/{parent}")).await.status,
            StatusCode::OK,
            "{b}"
        );
        let clean = service_id(&store, parent, "clean").await;
        let tomorrow = (chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string();
        let place = |f: &mut Client, units: &'static str| {
            let csrf = f.csrf.clone();
            let (clean, tomorrow) = (clean.clone(), tomorrow.clone());
            let mut f2 = std::mem::replace(f, Client::new(&router));
            async move {
                let r = f2
                    .post_form(
                        &format!("/family/order/{parent}"),
                        &[
                            ("_csrf", &csrf),
                            ("service_id", &clean),
                            ("units", units),
                            ("date", &tomorrow),
                            ("time", "09:00"),
                            ("note", ""),
                        ],
                    )
                    .await;
                (f2, r)
            }
        };
        let (f2, r) = place(&mut f, "3").await;
        f = f2;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let first = order_id(&r.location());
        let o = order(&store, first).await;
        assert_eq!((o.gov_units, o.gov_fen, o.family_fen), (3, 10500, 0), "{b}");
        // Six more hours: five are left this month; the sixth is the family's.
        f.get(&format!("/family/order/{parent}")).await;
        let (f2, r) = place(&mut f, "6").await;
        f = f2;
        let second = order_id(&r.location());
        let o = order(&store, second).await;
        assert_eq!((o.gov_units, o.gov_fen, o.family_fen), (5, 17500, 3500), "{b}");
        assert!(
            f.get("/family")
                .await
                .text()
                .contains("本月还剩 <strong>0</strong> 小时"),
            "{b}"
        );

        // The family cancels the second in good time: the hours come back.
        f.get(&format!("/services/orders/{second}")).await;
        let csrf = f.csrf.clone();
        let r = f
            .post_form(&format!("/services/orders/{second}/close/cancel"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert!(
            f.get("/family")
                .await
                .text()
                .contains("本月还剩 <strong>5</strong> 小时"),
            "{b}"
        );

        // The provider accepts and assigns; the family is told.
        let mut p = Client::login(&router, "fuwu").await;
        assert!(
            p.get("/services?status=placed")
                .await
                .text()
                .contains(&format!("/services/orders/{first}")),
            "{b}"
        );
        p.get(&format!("/services/orders/{first}")).await;
        let csrf = p.csrf.clone();
        let r = p
            .post_form(
                &format!("/services/orders/{first}/provider/accept"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = p
            .post_form(
                &format!("/services/orders/{first}/provider/assign"),
                &[("_csrf", &csrf), ("worker", "shenhe")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: only the provider's own staff"
        );
        let r = p
            .post_form(
                &format!("/services/orders/{first}/provider/assign"),
                &[("_csrf", &csrf), ("worker", "hugong")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(f.get("/family").await.text().contains("已派服务人员"), "{b}");

        // Only the assigned worker checks in; 1.2 km away is recorded and flagged.
        let r = p
            .post_form(
                &format!("/services/orders/{first}/worker/check-in"),
                &[("_csrf", &csrf), ("lat", "25.6114"), ("lon", "115.7869")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let mut w = Client::login(&router, "hugong").await;
        assert!(
            w.get("/services/work").await.text().contains(&format!("task-{first}")),
            "{b}"
        );
        let csrf = w.csrf.clone();
        let r = w
            .post_form(
                &format!("/services/orders/{first}/worker/check-in"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: no position, no check-in"
        );
        let r = w
            .post_form(
                &format!("/services/orders/{first}/worker/check-in"),
                &[("_csrf", &csrf), ("lat", "25.6114"), ("lon", "115.7869")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let msg = w.get(&r.location()).await.text();
        assert!(msg.contains("超出允许的 300 米"), "{b}: {msg}");
        let o = order(&store, first).await;
        assert!(o.check_in_m.unwrap() > 1100, "{b}");
        let r = w
            .post_form(
                &format!("/services/orders/{first}/worker/check-out"),
                &[
                    ("_csrf", &csrf),
                    ("lat", "25.6008"),
                    ("lon", "115.7870"),
                    ("items", "打扫卧室和厨房"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(
            p.get(&format!("/services/orders/{first}"))
                .await
                .text()
                .contains("超出 300 米"),
            "{b}"
        );

        // The family confirms and rates.
        f.get(&format!("/services/orders/{first}")).await;
        let csrf = f.csrf.clone();
        let r = f
            .post_form(
                &format!("/services/orders/{first}/close/confirm"),
                &[("_csrf", &csrf), ("rating", "4"), ("note", "很好")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let o = order(&store, first).await;
        assert_eq!((o.status.as_str(), o.rating), ("confirmed", Some(4)), "{b}");

        // Nobody else reaches the order: another family, a clerk of another township.
        let mut other = Client::login(&router, yiyang_store::services::DEMO_FAMILY).await;
        assert_eq!(
            other.get(&format!("/services/orders/{first}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert_eq!(
            other.get(&format!("/family/order/{parent}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}

#[tokio::test]
async fn without_a_purchase_or_outside_it_the_government_pays_nothing() {
    for (b, store, _router) in apps(10).await {
        // Not in a covered group, no assessment: the family pays all.
        let plain = person_in(&store, "360733100", "36073319460101006").await;
        let clean = service_id(&store, plain, "clean").await;
        let start = Utc::now() + Duration::days(1);
        let input = OrderInput {
            service_id: clean.clone(),
            units: "2".into(),
            date: start.with_timezone(&chrono::Local).format("%Y-%m-%d").to_string(),
            time: "10:00".into(),
            ..OrderInput::default()
        };
        let id = store
            .place_order(plain, &input, Channel::Clerk, &actor(), Utc::now())
            .await
            .unwrap();
        let o = order(&store, id).await;
        assert_eq!((o.gov_fen, o.family_fen), (0, 7000), "{b}");
        // Covered, but meals are not in the purchase.
        let covered = covered_person(&store, "36073319460101014").await;
        let meal = service_id(&store, covered, "meal").await;
        let id = store
            .place_order(
                covered,
                &OrderInput {
                    service_id: meal,
                    ..input.clone()
                },
                Channel::Clerk,
                &actor(),
                Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(order(&store, id).await.gov_fen, 0, "{b}");
        // A time in the past is refused by field.
        let past = OrderInput {
            date: "2020-01-01".into(),
            ..input
        };
        match store
            .place_order(covered, &past, Channel::Clerk, &actor(), Utc::now())
            .await
        {
            Err(yiyang_store::StoreError::Invalid(e)) => assert_eq!(e[0].field, "date", "{b}"),
            other => panic!("{b}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_order_moves_to_another_time_in_its_month() {
    for (b, store, router) in apps(10).await {
        let family = yiyang_store::services::DEMO_FAMILY;
        let parent = store.linked_people(family).await.unwrap()[0].0;
        let clean = service_id(&store, parent, "clean").await;
        let day = chrono::Local::now().date_naive() + chrono::Days::new(1);
        let input = OrderInput {
            service_id: clean,
            units: "1".into(),
            date: day.to_string(),
            time: "09:00".into(),
            ..OrderInput::default()
        };
        let who = yiyang_store::audit::Actor {
            name: family.into(),
            ..actor()
        };
        let id = store
            .place_order(parent, &input, Channel::Family, &who, Utc::now())
            .await
            .unwrap();
        let mut f = Client::login(&router, family).await;
        f.get(&format!("/services/orders/{id}")).await;
        let csrf = f.csrf.clone();
        let at = format!("/services/orders/{id}/close/reschedule");
        let r = f
            .post_form(&at, &[("_csrf", &csrf), ("date", &day.to_string()), ("time", "15:30")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let o = order(&store, id).await;
        assert_eq!(o.local_hm(), "15:30", "{b}");
        let far = (day + chrono::Days::new(40)).to_string();
        let r = f
            .post_form(&at, &[("_csrf", &csrf), ("date", &far), ("time", "09:00")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        // The provider moves an assigned order: it goes back to be assigned again.
        let fuwu = yiyang_store::audit::Actor {
            name: "fuwu".into(),
            ..actor()
        };
        store
            .accept_order(&order(&store, id).await, &fuwu, Utc::now())
            .await
            .unwrap();
        store
            .assign_order(&order(&store, id).await, "hugong", DEMO_PROVIDER, &fuwu, Utc::now())
            .await
            .unwrap();
        let mut p = Client::login(&router, "fuwu").await;
        p.get(&format!("/services/orders/{id}")).await;
        let csrf = p.csrf.clone();
        let r = p
            .post_form(&at, &[("_csrf", &csrf), ("date", &day.to_string()), ("time", "16:00")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let o = order(&store, id).await;
        assert_eq!((o.status.as_str(), o.worker.as_deref()), ("accepted", None), "{b}");
        assert!(
            f.get("/family").await.text().contains("上门时间改为"),
            "{b}: the family is told"
        );
    }
}
