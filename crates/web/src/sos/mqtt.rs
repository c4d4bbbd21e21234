//! Emergency calls over MQTT (3.1.1), two ways.
//!
//! **Embedded** ([`serve_embedded`], `yiyang serve --mqtt-addr`): an MQTT endpoint in the
//! platform's process, built on the protocol codec of `rumqttc`. Devices sign in with their
//! device id as user name and their secret as password, and may publish on their own topic
//! `yiyang/sos/<device-id>` only (another topic ends the connection). A QoS 1 or 2 message is
//! acknowledged only once its call is stored, so a device whose message was not stored sends
//! it again; nothing is routed between clients (subscriptions are refused). A general broker
//! (rumqttd) was weighed and not taken: it cannot tie a publisher to its topic and
//! acknowledges before the platform has stored anything.
//!
//! **An outside broker** ([`bridge`], `--mqtt-url mqtt://user:pass@host:1883`): EMQX or
//! Mosquitto authenticates the devices (its ACL ties each to its topic); the platform
//! subscribes to `yiyang/sos/+` with a persistent session and acknowledges each message
//! after storing it, so messages sent while it was down are delivered when it is back.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rumqttc::mqttbytes::v4::{
    ConnAck, ConnectReturnCode, Packet, PubAck, PubComp, PubRec, SubAck, SubscribeReasonCode, UnsubAck,
};
use rumqttc::mqttbytes::{Error as CodecError, QoS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use yiyang_domain::care::sos::{Channel, DeviceId, MAX_PAYLOAD};
use yiyang_store::Store;

use super::{take_signal, IntakeError, SosHub};

/// The largest packet read (a call's message is far smaller; the topic and header fit).
const MAX_PACKET: usize = MAX_PAYLOAD + 512;
/// Connections held at once (a county has a few thousand devices).
const MAX_CONNECTIONS: usize = 20_000;
/// Time to send CONNECT after opening the connection.
const CONNECT_WITHIN: Duration = Duration::from_secs(10);
/// The longest silence allowed when the device asks for no keep-alive.
const MAX_IDLE: Duration = Duration::from_secs(20 * 60);

/// Serves devices on `listener` until the task is dropped.
pub async fn serve_embedded(store: Store, hub: SosHub, listener: TcpListener) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "mqtt accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%addr, "mqtt: too many connections, refused");
            continue;
        };
        let (store, hub) = (store.clone(), hub.clone());
        tokio::spawn(async move {
            if let Err(e) = connection(stream, &addr.to_string(), &store, &hub).await {
                tracing::info!(%addr, reason = %e, "mqtt connection ended");
            }
            drop(slot);
        });
    }
}

struct Conn {
    stream: TcpStream,
    buf: BytesMut,
}

impl Conn {
    /// The next packet, waiting at most `within`.
    async fn next(&mut self, within: Duration) -> Result<Packet, String> {
        loop {
            match Packet::read(&mut self.buf, MAX_PACKET) {
                Ok(p) => return Ok(p),
                Err(CodecError::InsufficientBytes(_)) => {}
                Err(e) => return Err(format!("malformed packet: {e}")),
            }
            let mut chunk = [0u8; 1024];
            let n = tokio::time::timeout(within, self.stream.read(&mut chunk))
                .await
                .map_err(|_| "idle too long".to_string())?
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("closed by the device".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn send(&mut self, packet: Packet) -> Result<(), String> {
        let mut out = BytesMut::new();
        packet.write(&mut out, MAX_PACKET).map_err(|e| e.to_string())?;
        self.stream.write_all(&out).await.map_err(|e| e.to_string())
    }
}

async fn connection(stream: TcpStream, addr: &str, store: &Store, hub: &SosHub) -> Result<(), String> {
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        buf: BytesMut::with_capacity(1024),
    };
    let Packet::Connect(connect) = conn.next(CONNECT_WITHIN).await? else {
        return Err("first packet is not CONNECT".into());
    };
    let login = connect
        .login
        .clone()
        .unwrap_or_else(|| rumqttc::mqttbytes::v4::Login::new("", ""));
    let device = DeviceId::parse(&login.username);
    let ok = match &device {
        Some(d) => store
            .device_authenticates(d, Some(&login.password))
            .await
            .map_err(|e| e.to_string())?,
        None => false,
    };
    let Some(device) = device.filter(|_| ok) else {
        tracing::warn!(%addr, user = %login.username.chars().take(64).collect::<String>(), "mqtt: unknown device or wrong secret, refused");
        // A pause before refusing slows down guessing.
        tokio::time::sleep(Duration::from_millis(500)).await;
        conn.send(Packet::ConnAck(ConnAck::new(
            ConnectReturnCode::BadUserNamePassword,
            false,
        )))
        .await?;
        return Ok(());
    };
    conn.send(Packet::ConnAck(ConnAck::new(ConnectReturnCode::Success, false)))
        .await?;
    let idle = match connect.keep_alive {
        0 => MAX_IDLE,
        k => Duration::from_millis(u64::from(k) * 1500),
    };
    let topic = format!("{}{}", yiyang_domain::care::sos::TOPIC_PREFIX, device.as_str());
    let source = format!("{addr} mqtt");
    loop {
        match conn.next(idle).await? {
            Packet::Publish(p) => {
                if p.topic != topic {
                    return Err(format!(
                        "publish on {} refused: a device publishes on its own topic",
                        p.topic
                    ));
                }
                match take_signal(store, hub, &device, &p.payload, Channel::Mqtt, &source).await {
                    // Stored, or refused for good (a bad message is not sent again): acknowledge.
                    Ok(_) | Err(IntakeError::Bad(_)) => {}
                    // Not stored: no acknowledgement, the device sends it again.
                    Err(e) => return Err(e.to_string()),
                }
                match p.qos {
                    QoS::AtMostOnce => {}
                    QoS::AtLeastOnce => conn.send(Packet::PubAck(PubAck::new(p.pkid))).await?,
                    QoS::ExactlyOnce => conn.send(Packet::PubRec(PubRec::new(p.pkid))).await?,
                }
            }
            Packet::PubRel(r) => conn.send(Packet::PubComp(PubComp::new(r.pkid))).await?,
            Packet::PingReq => conn.send(Packet::PingResp).await?,
            Packet::Subscribe(s) => {
                let codes = vec![SubscribeReasonCode::Failure; s.filters.len()];
                conn.send(Packet::SubAck(SubAck::new(s.pkid, codes))).await?;
            }
            Packet::Unsubscribe(u) => conn.send(Packet::UnsubAck(UnsubAck::new(u.pkid))).await?,
            Packet::Disconnect => return Ok(()),
            other => return Err(format!("unexpected packet {other:?}")),
        }
    }
}

/// Subscribes to an outside broker at `url` (`mqtt://user:password@host:port`) and takes the
/// calls it delivers. Returns once the first connection is made (or fails).
pub async fn bridge(store: Store, hub: SosHub, url: &str) -> Result<tokio::task::JoinHandle<()>, String> {
    use rumqttc::{AsyncClient, Event, MqttOptions};
    let u = url::Url::parse(url).map_err(|e| format!("MQTT 地址有误：{e}"))?;
    if u.scheme() != "mqtt" && u.scheme() != "tcp" {
        return Err("MQTT 地址须以 mqtt:// 开头（TLS 请由代理终结）".into());
    }
    let host = u.host_str().ok_or("MQTT 地址缺少主机名")?.to_string();
    let client_id = u
        .query_pairs()
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| "yiyang-platform".into());
    let mut opts = MqttOptions::new(client_id, host, u.port().unwrap_or(1883));
    opts.set_keep_alive(Duration::from_secs(30));
    opts.set_clean_session(false);
    opts.set_manual_acks(true);
    opts.set_max_packet_size(MAX_PACKET, MAX_PACKET);
    if !u.username().is_empty() {
        opts.set_credentials(u.username(), u.password().unwrap_or(""));
    }
    let (client, mut events) = AsyncClient::new(opts, 64);
    let filter = format!("{}+", yiyang_domain::care::sos::TOPIC_PREFIX);
    Ok(tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(rumqttc::Packet::ConnAck(_))) => {
                    tracing::info!("mqtt bridge connected; subscribing to {filter}");
                    if let Err(e) = client.subscribe(filter.clone(), QoS::AtLeastOnce).await {
                        tracing::error!(error = %e, "mqtt bridge subscribe");
                    }
                }
                Ok(Event::Incoming(rumqttc::Packet::Publish(p))) => {
                    // Acknowledged once stored or refused for good; not when the database failed,
                    // so that the broker delivers it again.
                    let ack = match DeviceId::from_topic(&p.topic) {
                        Some(d) => match store.device_authenticates(&d, None).await {
                            Ok(true) => !matches!(
                                take_signal(&store, &hub, &d, &p.payload, Channel::Mqtt, "bridge").await,
                                Err(IntakeError::Store(_))
                            ),
                            Ok(false) => {
                                tracing::warn!(topic = %p.topic, "mqtt bridge: unknown or stopped device, refused");
                                true
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "mqtt bridge: device lookup");
                                false
                            }
                        },
                        None => {
                            tracing::warn!(topic = %p.topic, "mqtt bridge: not a device topic, refused");
                            true
                        }
                    };
                    if ack {
                        if let Err(e) = client.ack(&p).await {
                            tracing::error!(error = %e, "mqtt bridge ack");
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "mqtt bridge: connection lost, retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }))
}
