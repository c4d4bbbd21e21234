//! One-touch emergency calls end to end, on both databases: a device's call over MQTT (the
//! embedded endpoint, a real MQTT client) and over HTTP reaches the duty desk's event stream
//! within a second; a call left unanswered goes up the duty roster and then to the county
//! (fixed clock); the desk answers, dispatches and closes it; other townships see nothing.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use common::*;
use rumqttc::{AsyncClient, ConnectReturnCode, ConnectionError, Event, MqttOptions, Packet, QoS};
use yiyang_domain::care::sos::{CallKind, Channel, DeviceId, Signal};
use yiyang_domain::role::Role;
use yiyang_store::care::sos_demo::{DEMO_DEVICE, DEMO_SECRET};
use yiyang_store::users::NewUser;
use yiyang_web::AppState;

const SECOND: Duration = Duration::from_secs(1);

async fn states() -> Vec<(&'static str, AppState)> {
    let mut out = Vec::new();
    for (name, url) in yiyang_store::testing::fresh_database_urls().await {
        let store = yiyang_store::Store::connect(&url).await.unwrap();
        store.load_demo(80, &actor()).await.unwrap();
        // A civil-affairs account of another township: it must see none of 文武坝镇's calls.
        store
            .create_user(
                &NewUser {
                    username: "zhoutian",
                    display_name: "周田镇 民政专干",
                    password: PASSWORD,
                    role: Role::CivilAffairs,
                    scope: "360733101",
                    institution_id: None,
                },
                &actor(),
            )
            .await
            .unwrap();
        out.push((name, AppState::new(store)));
    }
    out
}

fn device(id: &str, secret: &str, port: u16) -> (AsyncClient, rumqttc::EventLoop) {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_credentials(id, secret);
    o.set_keep_alive(Duration::from_secs(10));
    AsyncClient::new(o, 10)
}

/// Polls a device's connection until its CONNACK (or the refusal).
async fn connack(events: &mut rumqttc::EventLoop) -> Result<(), ConnectionError> {
    loop {
        if let Event::Incoming(Packet::ConnAck(_)) = events.poll().await? {
            return Ok(());
        }
    }
}

#[tokio::test]
async fn a_call_over_mqtt_reaches_the_desk_within_a_second() {
    for (b, state) in states().await {
        let router = yiyang_web::router(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(yiyang_web::sos::mqtt::serve_embedded(
            state.store.clone(),
            state.sos.clone(),
            listener,
        ));
        let desk = Client::login(&router, "wenwuba").await;
        let mut stream = desk.stream("/sos/events").await;
        let other = Client::login(&router, "zhoutian").await;
        let mut elsewhere = other.stream("/sos/events").await;
        let before = state.store.desk_calls("360733", 2000).await.unwrap().len();

        // A wrong secret is refused at CONNECT.
        let (_c, mut ev) = device(DEMO_DEVICE, "guess", port);
        match connack(&mut ev).await {
            Err(ConnectionError::ConnectionRefused(ConnectReturnCode::BadUserNamePassword)) => {}
            other => panic!("{b}: a wrong secret connected: {other:?}"),
        }

        // The demo device, as the issue says: QoS 1 on its own topic.
        let (client, mut ev) = device(DEMO_DEVICE, DEMO_SECRET, port);
        connack(&mut ev).await.unwrap();
        let poller = tokio::spawn(async move { while ev.poll().await.is_ok() {} });
        let sent = Instant::now();
        client
            .publish(
                format!("yiyang/sos/{DEMO_DEVICE}"),
                QoS::AtLeastOnce,
                false,
                br#"{"kind":"fall","lat":25.6,"lon":115.78}"#.to_vec(),
            )
            .await
            .unwrap();
        let call = next_event(&mut stream, "call", SECOND)
            .await
            .unwrap_or_else(|| panic!("{b}: no call on the desk within a second"));
        let took = sent.elapsed();
        assert!(took < SECOND, "{b}: {took:?}");
        assert_eq!(call["what"], "new", "{b}: {call}");
        assert_eq!(call["kind"], "跌倒报警", "{b}");
        assert_eq!(call["status"], "待接警", "{b}");
        assert_eq!(call["turn"], "wenwuba", "{b}: the first on 文武坝镇's roster answers");
        assert!(!call["person"].as_str().unwrap().is_empty(), "{b}");
        let id = call["id"].as_i64().unwrap();
        let stored = state.store.call_in_scope(id, "360733100").await.unwrap().unwrap();
        assert_eq!((stored.channel.as_str(), stored.lat), ("mqtt", Some(25.6)), "{b}");
        // Pressed again: the same call, one more signal.
        client
            .publish(
                format!("yiyang/sos/{DEMO_DEVICE}"),
                QoS::AtLeastOnce,
                false,
                br#"{"kind":"button"}"#.to_vec(),
            )
            .await
            .unwrap();
        let again = next_event(&mut stream, "call", SECOND).await.unwrap();
        assert_eq!(
            (again["what"].as_str(), again["id"].as_i64(), again["signals"].as_i64()),
            (Some("repeat"), Some(id), Some(2)),
            "{b}"
        );
        // A bad message is refused (and logged); no call.
        client
            .publish(
                format!("yiyang/sos/{DEMO_DEVICE}"),
                QoS::AtLeastOnce,
                false,
                br#"{"kind":"fire"}"#.to_vec(),
            )
            .await
            .unwrap();
        assert!(
            next_event(&mut stream, "call", Duration::from_millis(400))
                .await
                .is_none(),
            "{b}"
        );
        // Another device's topic ends the connection; no call for that device.
        client
            .publish(
                "yiyang/sos/demo-fall-2",
                QoS::AtLeastOnce,
                false,
                br#"{"kind":"fall"}"#.to_vec(),
            )
            .await
            .unwrap();
        assert!(
            next_event(&mut stream, "call", Duration::from_millis(400))
                .await
                .is_none(),
            "{b}"
        );
        let _ = tokio::time::timeout(SECOND, poller).await;
        assert_eq!(
            state.store.desk_calls("360733", 2000).await.unwrap().len(),
            before + 1,
            "{b}: one call, not three"
        );
        // Another township's desk heard nothing.
        assert!(
            next_event(&mut elsewhere, "call", Duration::from_millis(100))
                .await
                .is_none(),
            "{b}"
        );
        server.abort();
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

async fn post_sos(router: &axum::Router, auth: &str, body: &str) -> Resp {
    let mut c = Client::new(router);
    c.send(
        Request::post("/api/v1/sos")
            .header(header::AUTHORIZATION, auth)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_call_over_http_reaches_the_desk_and_the_api_lists_it_in_scope() {
    for (b, state) in states().await {
        let router = yiyang_web::router(state.clone());
        let desk = Client::login(&router, "huichang").await;
        let mut stream = desk.stream("/sos/events").await;
        let sent = Instant::now();
        let r = post_sos(&router, &basic("demo-fall-2", "demo-fall-secret"), r#"{"kind":"fall"}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b}: {}", r.text());
        let id = r.json()["call"].as_i64().unwrap();
        let call = next_event(&mut stream, "call", SECOND)
            .await
            .expect("on the county's desk");
        assert!(sent.elapsed() < SECOND, "{b}");
        assert_eq!(
            (call["id"].as_i64(), call["what"].as_str()),
            (Some(id), Some("new")),
            "{b}"
        );

        // Refusals: a wrong secret, an unknown device, no credentials (401); a bad message
        // (400, said in Chinese).
        for auth in [basic("demo-fall-2", "x"), basic("no-such", "x"), "Bearer x".into()] {
            let r = post_sos(&router, &auth, r#"{"kind":"fall"}"#).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}: {auth}");
        }
        let r = post_sos(
            &router,
            &basic("demo-fall-2", "demo-fall-secret"),
            r#"{"kind":"fall","lat":99,"lon":1}"#,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(r.text().contains("lat、lon"), "{b}: {}", r.text());

        // The API lists the call for the county, not for another township.
        let mut county = Client::login(&router, "huichang").await;
        let listed = county.get("/api/v1/sos/calls?open=true").await;
        assert_eq!(listed.status, StatusCode::OK, "{b}");
        assert!(
            listed
                .json()
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"].as_i64() == Some(id)),
            "{b}"
        );
        let mut other = Client::login(&router, "zhoutian").await;
        let listed = other.get("/api/v1/sos/calls").await;
        assert!(
            !listed
                .json()
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"].as_i64() == Some(id)),
            "{b}"
        );
        assert_eq!(
            other.get(&format!("/sos/calls/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        // A family account has no desk.
        let mut family = Client::login(&router, yiyang_store::services::DEMO_FAMILY).await;
        assert_eq!(
            family.get("/api/v1/sos/calls").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
    }
}

#[tokio::test]
async fn an_unanswered_call_goes_up_the_roster_then_to_the_county_and_is_handled() {
    for (b, state) in states().await {
        let router = yiyang_web::router(state.clone());
        let desk = Client::login(&router, "wenwuba").await;
        let mut stream = desk.stream("/sos/events").await;
        let t0: chrono::DateTime<chrono::Utc> = chrono::Utc::now() - chrono::Duration::minutes(30);
        let signal = Signal {
            kind: CallKind::Button,
            time: None,
            place: None,
        };
        let got = state
            .store
            .receive_signal(
                &DeviceId::parse(DEMO_DEVICE).unwrap(),
                &signal,
                Channel::Http,
                "test",
                t0,
            )
            .await
            .unwrap();
        let id = got.call.id;
        assert_eq!(got.turn.as_deref(), Some("wenwuba"), "{b}");
        let hub = state.sos.clone();
        let at = |s: i64| t0 + chrono::Duration::seconds(s);
        // The setting's default is 60 seconds.
        assert_eq!(
            yiyang_web::sos::escalate_now(&state.store, &hub, at(59)).await,
            0,
            "{b}"
        );
        assert_eq!(
            yiyang_web::sos::escalate_now(&state.store, &hub, at(60)).await,
            1,
            "{b}"
        );
        let up = next_event(&mut stream, "call", SECOND).await.unwrap();
        assert_eq!(
            (up["what"].as_str(), up["id"].as_i64(), up["turn"].as_str()),
            (Some("escalated"), Some(id), Some("zhiban")),
            "{b}"
        );
        assert_eq!(
            yiyang_web::sos::escalate_now(&state.store, &hub, at(90)).await,
            0,
            "{b}: once per step"
        );
        assert_eq!(
            yiyang_web::sos::escalate_now(&state.store, &hub, at(120)).await,
            1,
            "{b}"
        );
        let up = next_event(&mut stream, "call", SECOND).await.unwrap();
        assert_eq!(
            (up["turn"].as_str(), up["level"].as_str()),
            (Some(""), Some("已升级：县级督办")),
            "{b}"
        );
        assert_eq!(
            yiyang_web::sos::escalate_now(&state.store, &hub, at(600)).await,
            0,
            "{b}: the county is the top"
        );

        // The county's desk shows it as 县级督办 and answers it.
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get("/sos").await;
        assert!(page.text().contains("县级督办"), "{b}");
        let page = county.get(&format!("/sos/calls/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            page.text().contains("紧急联系人") && page.text().contains("就近服务商"),
            "{b}"
        );
        let audited = state.store.audit_entries(None, 5, 0).await.unwrap();
        assert!(
            audited
                .iter()
                .any(|e| e.actor == "huichang" && e.entity_id == got.call.person_id.to_string()),
            "{b}: the desk's view of the person is audited"
        );
        let csrf = county.csrf.clone();
        // Dispatching before answering is refused.
        let r = county
            .post_form(
                &format!("/sos/calls/{id}/dispatch"),
                &[("_csrf", &csrf), ("sent", "ambulance")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let r = county
            .post_form(&format!("/sos/calls/{id}/acknowledge"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let ack = next_event(&mut stream, "call", SECOND).await.unwrap();
        assert_eq!(ack["what"], "acknowledged", "{b}");
        let r = county
            .post_form(&format!("/sos/calls/{id}/dispatch"), &[("_csrf", &csrf), ("note", "")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("请至少选择一项"), "{b}");
        let r = county
            .post_form(
                &format!("/sos/calls/{id}/dispatch"),
                &[
                    ("_csrf", &csrf),
                    ("sent", "ambulance"),
                    ("sent", "family"),
                    ("note", "120 已出车"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = county
            .post_form(
                &format!("/sos/calls/{id}/close"),
                &[("_csrf", &csrf), ("outcome", "hospital"), ("note", "送县人民医院")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let done = state.store.call_in_scope(id, "360733").await.unwrap().unwrap();
        assert_eq!(
            (done.status.as_str(), done.level, done.dispatched.as_str()),
            ("closed", 2, "ambulance,family"),
            "{b}"
        );
        assert_eq!(done.acknowledged_by.as_deref(), Some("huichang"), "{b}");
        // The month's figures count it as escalated to the county.
        let month = yiyang_domain::dates::Month::of(chrono::Local::now().date_naive());
        let figures = state.store.sos_month("360733", month).await.unwrap();
        let total = figures.iter().find(|m| m.desk.is_empty()).unwrap();
        assert!(total.to_county >= 1 && total.calls >= 1, "{b}: {total:?}");
    }
}

#[tokio::test]
async fn devices_are_registered_with_a_secret_shown_once_and_stopped() {
    for (b, state) in states().await {
        let router = yiyang_web::router(state.clone());
        let mut clerk = Client::login(&router, "wenwuba").await;
        let page = clerk.get("/sos/devices").await;
        assert!(page.text().contains(DEMO_DEVICE), "{b}");
        let someone = living_people(&state.store, "360733100").await[0];
        let person = state
            .store
            .person_in_scope(someone, "360733100")
            .await
            .unwrap()
            .unwrap();
        let person = (person.record.id_number.as_str().to_string(),);
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form(
                "/sos/devices",
                &[
                    ("_csrf", &csrf),
                    ("device_id", "new-button-9"),
                    ("id_number", &person.0),
                    ("kind", "button"),
                    ("address", "文武坝镇某村 3 号"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let text = r.text();
        let i = text.find("id=\"device-secret\">").unwrap() + "id=\"device-secret\">".len();
        let secret = text[i..i + 32].to_string();
        let ok = post_sos(&router, &basic("new-button-9", &secret), r#"{"kind":"button"}"#).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{b}");
        // The same id twice, an unknown ID number: named.
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form(
                "/sos/devices",
                &[
                    ("_csrf", &csrf),
                    ("device_id", "new-button-9"),
                    ("id_number", "110105194202020041"),
                    ("kind", "button"),
                    ("address", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("已登记") && r.text().contains("本辖区没有这个身份证号"),
            "{b}"
        );
        // Stopped: its calls are refused.
        let id = state
            .store
            .sos_devices("360733100")
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.device_id == "new-button-9")
            .unwrap()
            .id;
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form(&format!("/sos/devices/{id}/stop"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let refused = post_sos(&router, &basic("new-button-9", &secret), r#"{"kind":"button"}"#).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{b}");
        // The roster takes only the division's civil-affairs accounts.
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form("/sos/duty", &[("_csrf", &csrf), ("who", "tanfang")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = clerk
            .post_form("/sos/duty", &[("_csrf", &csrf), ("who", "zhiban"), ("who", "wenwuba")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            state.store.duty_roster("360733100").await.unwrap(),
            vec!["zhiban", "wenwuba"],
            "{b}"
        );
    }
}
