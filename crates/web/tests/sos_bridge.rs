//! `serve --mqtt-url`: calls taken from an outside broker (a real Mosquitto started on a free
//! port, as deployments use EMQX or Mosquitto) reach the duty desk's event stream; a message on
//! an unknown device's topic is refused and makes no call. Skipped when Mosquitto is not
//! installed, unless `YIYANG_REQUIRE_MQTT=1` (CI).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use rumqttc::{AsyncClient, MqttOptions, QoS};
use yiyang_store::care::sos_demo::DEMO_DEVICE;
use yiyang_web::AppState;

struct Broker(Child);
impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mosquitto() -> Option<String> {
    ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(String::from)
}

/// Mosquitto on a free loopback port (without a configuration file it listens on loopback
/// only and takes anonymous clients: the platform's own account on a real broker).
async fn start_broker() -> Option<(Broker, u16)> {
    let Some(bin) = mosquitto() else {
        assert!(
            std::env::var("YIYANG_REQUIRE_MQTT").as_deref() != Ok("1"),
            "YIYANG_REQUIRE_MQTT=1 but mosquitto is not installed (apt-get install mosquitto)"
        );
        eprintln!("skipping: mosquitto not installed");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let broker = Broker(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some((broker, port));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mosquitto did not start on port {port}");
}

#[tokio::test]
async fn calls_from_an_outside_broker_reach_the_desk() {
    let Some((_broker, port)) = start_broker().await else {
        return;
    };
    for (b, url) in yiyang_store::testing::fresh_database_urls().await {
        let store = yiyang_store::Store::connect(&url).await.unwrap();
        store.load_demo(40, &actor()).await.unwrap();
        let state = AppState::new(store);
        let router = yiyang_web::router(state.clone());
        let desk = Client::login(&router, "wenwuba").await;
        let mut stream = desk.stream("/sos/events").await;
        let before = state.store.desk_calls("360733", 2000).await.unwrap().len();
        let client_id = format!("yiyang-test-{b}");
        let bridge = yiyang_web::sos::mqtt::bridge(
            state.store.clone(),
            state.sos.clone(),
            &format!("mqtt://127.0.0.1:{port}?client_id={client_id}"),
        )
        .await
        .unwrap();

        // A device (here: any client of the broker) publishes on its topic.
        let mut o = MqttOptions::new(format!("device-{b}"), "127.0.0.1", port);
        o.set_keep_alive(Duration::from_secs(10));
        let (device, mut events) = AsyncClient::new(o, 10);
        let poller = tokio::spawn(async move { while events.poll().await.is_ok() {} });
        // The bridge subscribes once connected; until then the broker drops what is published,
        // so the device presses again each second, as a person would.
        let mut call = None;
        for _ in 0..10 {
            device
                .publish(
                    format!("yiyang/sos/{DEMO_DEVICE}"),
                    QoS::AtLeastOnce,
                    false,
                    br#"{"kind":"smoke"}"#.to_vec(),
                )
                .await
                .unwrap();
            if let Some(c) = next_event(&mut stream, "call", Duration::from_secs(1)).await {
                call = Some(c);
                break;
            }
        }
        let call = call.unwrap_or_else(|| panic!("{b}: no call from the outside broker"));
        assert_eq!(
            (call["kind"].as_str(), call["status"].as_str()),
            (Some("烟雾报警"), Some("待接警")),
            "{b}: {call}"
        );
        let stored = state
            .store
            .call_in_scope(call["id"].as_i64().unwrap(), "360733100")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.channel.as_str(), "mqtt", "{b}");
        // Now subscribed: a message on a topic that is no registered device's is refused.
        device
            .publish(
                "yiyang/sos/nobody-here",
                QoS::AtLeastOnce,
                false,
                br#"{"kind":"fall"}"#.to_vec(),
            )
            .await
            .unwrap();
        // One new call in all (presses again join it; the unknown topic made none).
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            state.store.desk_calls("360733", 2000).await.unwrap().len(),
            before + 1,
            "{b}"
        );
        bridge.abort();
        poller.abort();
    }
}
