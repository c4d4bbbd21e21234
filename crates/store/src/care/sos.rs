//! One-touch emergency calls (一键呼救), the intake side: devices registered to a person (each
//! with its own secret, kept as a hash), the duty roster of a desk, and a device's signal
//! becoming a call (or joining the open call it repeats). The desk's steps, escalation and
//! statistics are in [`super::sos_desk`].

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use yiyang_domain::care::sos::{
    secret_hash, secret_matches, turn, CallKind, CallStatus, Channel, DeviceId, DeviceKind, Level, Signal,
    REPEAT_MINUTES,
};
use yiyang_domain::person::FieldError;
use yiyang_domain::IdNumber;

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// The setting: seconds a call may wait unanswered before it goes up one step.
pub const ACK_SETTING: &str = "sos_ack_seconds";

/// Timestamps as both backends keep them (microseconds).
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Device {
    pub id: i64,
    pub device_id: String,
    pub person_id: i64,
    pub person_name: String,
    pub kind: String,
    pub address: String,
    pub active: bool,
    pub registered_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl Device {
    pub fn kind_label(&self) -> &'static str {
        DeviceKind::parse(&self.kind).map_or("", |k| k.label())
    }
}

/// A device as typed on the register form.
#[derive(Debug, Clone, Default)]
pub struct DeviceInput {
    pub device_id: String,
    pub id_number: String,
    pub kind: String,
    pub address: String,
}

/// A call as the desk lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Call {
    pub id: i64,
    pub device_id: String,
    pub person_id: i64,
    pub person_name: String,
    pub division: String,
    pub desk: String,
    pub address: String,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub level: i64,
    pub happened_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub signals: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub dispatched: String,
    pub dispatch_note: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
}

impl Call {
    pub fn kind_label(&self) -> &'static str {
        CallKind::parse(&self.kind).map_or("", |k| k.label())
    }
    pub fn status_label(&self) -> &'static str {
        CallStatus::parse(&self.status).map_or("", |k| k.label())
    }
    pub fn level_label(&self) -> &'static str {
        Level::from_i64(self.level).label()
    }
    pub fn outcome_label(&self) -> &'static str {
        self.outcome
            .as_deref()
            .and_then(yiyang_domain::care::sos::Outcome::parse)
            .map_or("", |o| o.label())
    }
    pub fn dispatched_labels(&self) -> String {
        self.dispatched
            .split(',')
            .filter_map(yiyang_domain::care::sos::Dispatch::parse)
            .map(|d| d.label())
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn is_open(&self) -> bool {
        self.status != CallStatus::Closed.code()
    }
}

pub(crate) const CALL_COLUMNS: &str = "c.id, c.device_id, c.person_id, p.name AS person_name, c.division, c.desk, \
    COALESCE(d.address, '') AS address, c.kind, c.channel, c.status, c.level, c.happened_at, c.received_at, c.signals, c.lat, c.lon, \
    c.acknowledged_at, c.acknowledged_by, c.dispatched, c.dispatch_note, c.closed_at, c.outcome, c.outcome_note \
    FROM sos_calls c JOIN persons p ON p.id = c.person_id LEFT JOIN sos_devices d ON d.device_id = c.device_id";

/// What became of a signal.
#[derive(Debug, Clone)]
pub struct Received {
    pub call: Call,
    /// A new call (false: it joined the open call from the same device).
    pub new: bool,
    /// Who must answer now (`None`: the county).
    pub turn: Option<String>,
}

impl Store {
    /// Registers a device for a person of `scope` (by ID number). Returns the device's row id
    /// and its secret, shown once: only its hash is kept.
    pub async fn register_device(&self, input: &DeviceInput, scope: &str, actor: &Actor) -> Result<(i64, String)> {
        let secret = {
            use rand::RngCore;
            let mut b = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut b);
            hex::encode(b)
        };
        let id = self.register_device_with_secret(input, &secret, scope, actor).await?;
        Ok((id, secret))
    }

    pub(crate) async fn register_device_with_secret(
        &self,
        input: &DeviceInput,
        secret: &str,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let mut errors = Vec::new();
        let device = DeviceId::parse(input.device_id.trim());
        match &device {
            None => errors.push(FieldError::new("device_id", "设备编号须为 1～64 位字母、数字、- 或 _")),
            Some(d) => {
                let taken: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM sos_devices WHERE device_id = $1")
                    .bind(d.as_str()).fetch_one(pool).await?);
                if taken > 0 {
                    errors.push(FieldError::new("device_id", "这个设备编号已登记"));
                }
            }
        }
        let kind = DeviceKind::parse(input.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择设备类型"));
        }
        let person = match IdNumber::parse(input.id_number.trim()) {
            Ok(n) => self.person_id_by_number_in(n.as_str(), scope).await?,
            Err(_) => None,
        };
        if person.is_none() {
            errors.push(FieldError::new("id_number", "本辖区没有这个身份证号的老年人"));
        }
        let address = input.address.trim();
        if address.is_empty() {
            errors.push(FieldError::new("address", "请填写设备安装地址"));
        }
        errors.extend(yiyang_domain::text::too_long("address", "安装地址", address, 200));
        let (Some(device), Some(kind), Some(person), true) = (device, kind, person, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sos_devices (device_id, person_id, kind, address, secret_hash, registered_by, registered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(device.as_str()).bind(person).bind(kind.code()).bind(address).bind(secret_hash(secret))
                .bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("register", "sos_device", device.as_str(),
                serde_json::json!({"person": person, "kind": kind.code()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The devices of people in `scope`.
    pub async fn sos_devices(&self, scope: &str) -> Result<Vec<Device>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT d.id, d.device_id, d.person_id, p.name AS person_name, d.kind, d.address, d.active, d.registered_at, d.last_seen_at \
             FROM sos_devices d JOIN persons p ON p.id = d.person_id \
             WHERE (p.residence_division >= $1 AND p.residence_division < $2) OR (p.hukou_division >= $1 AND p.hukou_division < $2) \
             ORDER BY d.id DESC LIMIT 5000")
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    /// Stops (or restarts) a device of `scope`: a stopped device's calls are refused.
    pub async fn set_device_active(&self, id: i64, active: bool, scope: &str, actor: &Actor) -> Result<()> {
        let device = self
            .sos_devices(scope)
            .await?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or(StoreError::NotFound)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE sos_devices SET active = $2 WHERE id = $1").bind(id).bind(active).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry(if active { "activate" } else { "deactivate" },
                "sos_device", &device.device_id, serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Whether `device` is registered, active and (when `secret` is given) holds that secret.
    /// A device behind an outside broker is authenticated by that broker (`secret` None).
    pub async fn device_authenticates(&self, device: &DeviceId, secret: Option<&str>) -> Result<bool> {
        let row: Option<(String, bool)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT secret_hash, active FROM sos_devices WHERE device_id = $1")
            .bind(device.as_str()).fetch_optional(pool).await?);
        Ok(match (row, secret) {
            (Some((_, false)), _) | (None, _) => false,
            (Some((_, true)), None) => true,
            (Some((hash, true)), Some(s)) => secret_matches(s, &hash),
        })
    }

    /// The duty roster of `division`'s desk, in order.
    pub async fn duty_roster(&self, division: &str) -> Result<Vec<String>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT username FROM sos_duty WHERE division = $1 ORDER BY position")
            .bind(division).fetch_all(pool).await?))
    }

    /// Sets the duty roster of the user's own division: active civil-affairs accounts within it,
    /// in the order given (at most ten).
    pub async fn set_duty_roster(&self, usernames: &[String], scope: &str, actor: &Actor) -> Result<()> {
        let (lo, hi) = scope_range(scope);
        let mut names: Vec<String> = Vec::new();
        for u in usernames.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
            if !names.iter().any(|n| n == u) {
                names.push(u.to_string());
            }
        }
        if names.is_empty() || names.len() > 10 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "roster",
                "值班表须有 1～10 人",
            )]));
        }
        for u in &names {
            let ok: i64 = with_pool!(self, pool => sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE username = $1 AND role = 'civil_affairs' AND active AND scope >= $2 AND scope < $3")
                .bind(u).bind(&lo).bind(&hi).fetch_one(pool).await?);
            if ok == 0 {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "roster",
                    format!("“{u}”不是本辖区的民政工作人员账号"),
                )]));
            }
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM sos_duty WHERE division = $1").bind(scope).execute(&mut *tx).await?;
            for (i, u) in names.iter().enumerate() {
                sqlx::query("INSERT INTO sos_duty (division, position, username, set_by, set_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(scope).bind(i as i64).bind(u).bind(&actor.name).bind(now()).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("duty_roster", "division", scope,
                serde_json::json!({"roster": names}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The desk that answers a person living in `division`: the nearest division above it (or
    /// itself) with a duty roster, else its county.
    pub(crate) async fn desk_for(&self, division: &str) -> Result<String> {
        for len in [12usize, 9, 6, 4, 2] {
            if division.len() < len {
                continue;
            }
            let d = &division[..len];
            let n: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM sos_duty WHERE division = $1")
                .bind(d).fetch_one(pool).await?);
            if n > 0 {
                return Ok(d.to_string());
            }
        }
        Ok(division[..division.len().min(6)].to_string())
    }

    /// Takes a device's signal received at `at`: a new call, or, when the same device has an
    /// open call whose last signal is under [`REPEAT_MINUTES`] old, one more signal of that
    /// call. The device must be registered and active (its secret already checked).
    pub async fn receive_signal(
        &self,
        device: &DeviceId,
        signal: &Signal,
        channel: Channel,
        source: &str,
        at: DateTime<Utc>,
    ) -> Result<Received> {
        let at = micros(at);
        let found: Option<(i64, String, bool)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT d.person_id, p.residence_division, d.active FROM sos_devices d JOIN persons p ON p.id = d.person_id WHERE d.device_id = $1")
            .bind(device.as_str()).fetch_optional(pool).await?);
        let Some((person, division, true)) = found else {
            return Err(StoreError::NotFound);
        };
        let desk = self.desk_for(&division).await?;
        let actor = Actor {
            name: format!("device:{}", device.as_str()),
            channel: "device",
            source: format!("{}:{source}", channel.code()),
            scope: String::new(),
        };
        let since = at - Duration::minutes(REPEAT_MINUTES);
        let (id, new) = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE sos_devices SET last_seen_at = $2 WHERE device_id = $1")
                .bind(device.as_str()).bind(at).execute(&mut *tx).await?;
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM sos_calls WHERE device_id = $1 AND status <> 'closed' AND last_signal_at >= $2 ORDER BY id DESC LIMIT 1")
                .bind(device.as_str()).bind(since).fetch_optional(&mut *tx).await?;
            let (id, new) = match open {
                Some(id) => {
                    sqlx::query("UPDATE sos_calls SET signals = signals + 1, last_signal_at = $2 WHERE id = $1")
                        .bind(id).bind(at).execute(&mut *tx).await?;
                    (id, false)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO sos_calls (device_id, person_id, division, desk, kind, channel, status, level, happened_at, received_at, last_signal_at, lat, lon) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'new', 0, $7, $8, $8, $9, $10) RETURNING id")
                        .bind(device.as_str()).bind(person).bind(&division).bind(&desk).bind(signal.kind.code()).bind(channel.code())
                        .bind(signal.time.map(micros).unwrap_or(at)).bind(at)
                        .bind(signal.place.map(|p| p.0)).bind(signal.place.map(|p| p.1))
                        .fetch_one(&mut *tx).await?;
                    (id, true)
                }
            };
            (*tx).append_audit(&self.audit_keys(), &actor.entry(if new { "sos_call" } else { "sos_repeat" }, "person", person,
                serde_json::json!({"call": id, "kind": signal.kind.code()}))).await?;
            tx.commit().await?;
            (id, new)
        });
        let call = self.call_by_id(id).await?.ok_or(StoreError::NotFound)?;
        let turn = self.turn_of(&call).await?;
        Ok(Received { call, new, turn })
    }

    /// Who must answer `call` now (`None`: the county).
    pub async fn turn_of(&self, call: &Call) -> Result<Option<String>> {
        let roster = self.duty_roster(&call.desk).await?;
        Ok(turn(Level::from_i64(call.level), &roster).map(str::to_string))
    }

    /// One call, unscoped: for the intake and the event stream only, never for a user's
    /// lookup (see [`Store::sos_call`]).
    pub(crate) async fn call_by_id(&self, id: i64) -> Result<Option<Call>> {
        let sql = format!("SELECT {CALL_COLUMNS} WHERE c.id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }
}
