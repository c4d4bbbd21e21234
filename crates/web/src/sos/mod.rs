//! One-touch emergency calls (一键呼救) at the edge: a device's message from MQTT
//! ([`mqtt`]) or HTTP (`POST /api/v1/sos`) becomes a call in the store, and every change of a
//! call goes to the duty desks' event streams through one [`SosHub`]. A background task
//! raises calls left unanswered ([`spawn_escalation`]).

pub mod mqtt;

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;
use yiyang_domain::care::sos::{parse_signal, Channel, DeviceId, SignalError};
use yiyang_store::care::sos::{Call, Received};
use yiyang_store::{Store, StoreError};

/// One change of a call, as the desks' event streams carry it.
#[derive(Debug, Clone, Serialize)]
pub struct SosEvent {
    /// `new`, `repeat`, `escalated`, `acknowledged`, `dispatched`, `closed`.
    pub what: &'static str,
    pub id: i64,
    /// For scoping: the person's division (never sent to a desk outside it).
    #[serde(skip)]
    pub division: String,
    pub person: String,
    pub address: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub level: &'static str,
    /// The account whose turn it is (empty: the county).
    pub turn: String,
    pub received_at: String,
    pub signals: i64,
}

impl SosEvent {
    pub fn of(what: &'static str, call: &Call, turn: Option<String>) -> SosEvent {
        SosEvent {
            what,
            id: call.id,
            division: call.division.clone(),
            person: call.person_name.clone(),
            address: call.address.clone(),
            kind: call.kind_label(),
            status: call.status_label(),
            level: call.level_label(),
            turn: turn.unwrap_or_default(),
            received_at: crate::pages::local(call.received_at, "%m-%d %H:%M:%S"),
            signals: call.signals,
        }
    }

    /// Whether a desk of `scope` may see this event.
    pub fn in_scope(&self, scope: &str) -> bool {
        self.division.starts_with(scope)
    }
}

/// The fan-out of call changes to every open event stream (a slow desk misses events, never
/// holds the others up: it reloads when told it lagged).
#[derive(Clone)]
pub struct SosHub {
    tx: broadcast::Sender<Arc<SosEvent>>,
}

impl Default for SosHub {
    fn default() -> SosHub {
        SosHub {
            tx: broadcast::channel(256).0,
        }
    }
}

impl SosHub {
    pub fn publish(&self, event: SosEvent) {
        // No desk listening is fine: the call is stored and listed when a desk opens.
        let _ = self.tx.send(Arc::new(event));
    }
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<SosEvent>> {
        self.tx.subscribe()
    }
}

/// Why a device's message was not taken.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("设备未登记或已停用：{0}")]
    UnknownDevice(String),
    #[error("消息有误：{0}")]
    Bad(#[from] SignalError),
    #[error("保存失败：{0}")]
    Store(StoreError),
}

/// Takes one message of an authenticated device: parses it, stores the call (or adds the
/// signal to the open call it repeats), and tells the desks. Refusals are logged.
pub async fn take_signal(
    store: &Store,
    hub: &SosHub,
    device: &DeviceId,
    body: &[u8],
    channel: Channel,
    source: &str,
) -> Result<Received, IntakeError> {
    let signal = parse_signal(body, store.clock().now()).inspect_err(|e| {
        tracing::warn!(device = device.as_str(), channel = channel.code(), %source, error = %e, "emergency call refused: bad message");
    })?;
    let got = match store
        .receive_signal(device, &signal, channel, source, store.clock().now())
        .await
    {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            tracing::warn!(device = device.as_str(), %source, "emergency call refused: unknown or stopped device");
            return Err(IntakeError::UnknownDevice(device.as_str().to_string()));
        }
        Err(e) => {
            tracing::error!(device = device.as_str(), error = %e, "emergency call not stored");
            return Err(IntakeError::Store(e));
        }
    };
    tracing::info!(
        device = device.as_str(),
        call = got.call.id,
        new = got.new,
        "emergency call"
    );
    hub.publish(SosEvent::of(
        if got.new { "new" } else { "repeat" },
        &got.call,
        got.turn.clone(),
    ));
    Ok(got)
}

/// Raises unanswered calls once a second, telling the desks.
pub fn spawn_escalation(store: Store, hub: SosHub) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            escalate_now(&store, &hub, store.clock().now()).await;
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    })
}

/// One round of escalation as of `at` (tests pass a fixed clock).
pub async fn escalate_now(store: &Store, hub: &SosHub, at: chrono::DateTime<chrono::Utc>) -> usize {
    match store.escalate_due(at).await {
        Ok(raised) => {
            for call in &raised {
                let turn = store.turn_of(call).await.unwrap_or(None);
                tracing::warn!(
                    call = call.id,
                    level = call.level,
                    "emergency call unanswered: escalated"
                );
                hub.publish(SosEvent::of("escalated", call, turn));
            }
            raised.len()
        }
        Err(e) => {
            tracing::error!(error = %e, "escalating emergency calls");
            0
        }
    }
}
