//! One-touch emergency calls (一键呼救; 赣府厅发〔2022〕3号 专栏4): the devices registered to a
//! person, the message a device sends (by MQTT or HTTP), a call's steps at the duty desk, and
//! when an unanswered call goes up the duty roster.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// The topic a device publishes on: `yiyang/sos/<device-id>`.
pub const TOPIC_PREFIX: &str = "yiyang/sos/";

/// The largest message a device may send (a call is a few dozen bytes).
pub const MAX_PAYLOAD: usize = 2048;

/// A second signal from the same device within this many minutes of an open call joins that
/// call (an older person pressing the button again and again is one call, not five).
pub const REPEAT_MINUTES: i64 = 10;

coded!(
    /// What a device is.
    DeviceKind {
        Button = "button" / "一键呼叫按钮",
        Fall = "fall" / "跌倒报警器",
        Smoke = "smoke" / "烟雾报警器",
        Phone = "phone" / "老人手机",
        Other = "other" / "其他设备",
    }
);

coded!(
    /// What set the call off (the payload's `kind`).
    CallKind {
        Button = "button" / "按键呼救",
        Fall = "fall" / "跌倒报警",
        Smoke = "smoke" / "烟雾报警",
        Other = "other" / "其他报警",
    }
);

coded!(
    /// Where a call is at the desk.
    CallStatus {
        New = "new" / "待接警",
        Acknowledged = "acknowledged" / "已接警",
        Dispatched = "dispatched" / "已派出",
        Closed = "closed" / "已结束",
    }
);

coded!(
    /// Whom the desk sent (or called) for a call.
    Dispatch {
        Family = "family" / "通知家属",
        Provider = "provider" / "派居家服务商上门",
        Ambulance = "ambulance" / "拨打120",
        Police = "police" / "拨打110",
        Fire = "fire" / "拨打119",
        Community = "community" / "社区（村）工作人员上门",
    }
);

coded!(
    /// How a call ended.
    Outcome {
        Handled = "handled" / "已现场处置",
        Hospital = "hospital" / "已送医",
        FalseAlarm = "false_alarm" / "误报",
        Unreachable = "unreachable" / "未联系上，已转社区跟进",
        Other = "other" / "其他",
    }
);

coded!(
    /// How a call arrived.
    Channel {
        Mqtt = "mqtt" / "MQTT",
        Http = "http" / "HTTP",
    }
);

/// Who must answer a call now: the first on the township's duty roster, the next on it once
/// the call has waited `ack` unanswered, and the county once it has waited twice as long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    OnDuty = 0,
    NextOnRoster = 1,
    County = 2,
}

impl Level {
    pub fn from_i64(n: i64) -> Level {
        match n {
            i64::MIN..=0 => Level::OnDuty,
            1 => Level::NextOnRoster,
            _ => Level::County,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Level::OnDuty => "值班人员",
            Level::NextOnRoster => "已升级：值班表下一位",
            Level::County => "已升级：县级督办",
        }
    }
}

/// The level an unanswered call has reached after waiting `waited`, with `ack` the time the
/// setting allows before going up one step.
pub fn level_after(waited: Duration, ack: Duration) -> Level {
    if ack <= Duration::zero() || waited < ack {
        Level::OnDuty
    } else if waited < ack * 2 {
        Level::NextOnRoster
    } else {
        Level::County
    }
}

/// Whose turn it is to answer a call at `level`, given the desk's duty roster in order:
/// `Some(username)`, or `None` for the county (past the roster, or no roster at all).
pub fn turn(level: Level, roster: &[String]) -> Option<&str> {
    match level {
        Level::OnDuty => roster.first(),
        Level::NextOnRoster => roster.get(1),
        Level::County => None,
    }
    .map(String::as_str)
}

/// A device id: 1 to 64 letters, digits, `-` or `_` (it is the last topic level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceId(String);

impl DeviceId {
    pub fn parse(s: &str) -> Option<DeviceId> {
        let ok =
            !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| DeviceId(s.to_string()))
    }
    /// The device named by a topic `yiyang/sos/<device-id>`.
    pub fn from_topic(topic: &str) -> Option<DeviceId> {
        topic.strip_prefix(TOPIC_PREFIX).and_then(DeviceId::parse)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A call as a device reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub kind: CallKind,
    /// When the device says it happened (`None`: when it arrived).
    pub time: Option<DateTime<Utc>>,
    /// Where the device was (both or neither).
    pub place: Option<(f64, f64)>,
}

#[derive(Deserialize)]
struct Raw {
    kind: Option<String>,
    time: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
}

/// Why a message was refused (logged; a device has no one to read Chinese to).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    #[error("消息过长（超过 {MAX_PAYLOAD} 字节）")]
    TooLarge,
    #[error("消息不是 JSON 对象：{0}")]
    NotJson(String),
    #[error("kind 须为 button、fall、smoke 或 other")]
    Kind,
    #[error("time 须为 RFC 3339 时间，且不晚于收到时刻 5 分钟、不早于 24 小时")]
    Time,
    #[error("lat、lon 须同时给出，且在 -90～90、-180～180 之间")]
    Place,
}

/// Parses a device's message `{"kind": …, "time": …, "lat": …, "lon": …}` received at `now`.
pub fn parse_signal(body: &[u8], now: DateTime<Utc>) -> Result<Signal, SignalError> {
    if body.len() > MAX_PAYLOAD {
        return Err(SignalError::TooLarge);
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|e| SignalError::NotJson(e.to_string()))?;
    let kind = raw.kind.as_deref().and_then(CallKind::parse).ok_or(SignalError::Kind)?;
    let time = match raw.time.as_deref() {
        None => None,
        Some(t) => {
            let t = DateTime::parse_from_rfc3339(t)
                .map_err(|_| SignalError::Time)?
                .with_timezone(&Utc);
            if t > now + Duration::minutes(5) || t < now - Duration::hours(24) {
                return Err(SignalError::Time);
            }
            Some(t)
        }
    };
    let place = match (raw.lat, raw.lon) {
        (None, None) => None,
        (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 => {
            Some((lat, lon))
        }
        _ => return Err(SignalError::Place),
    };
    Ok(Signal { kind, time, place })
}

/// A device's secret is kept as its SHA-256 (secrets are generated, 128 random bits, so a
/// slow hash adds nothing); compared in constant time.
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    let a = secret_hash(secret);
    a.len() == stored_hash.len()
        && a.bytes()
            .zip(stored_hash.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What a status may become at the desk.
pub fn may_move(from: CallStatus, to: CallStatus) -> bool {
    use CallStatus::*;
    matches!(
        (from, to),
        (New, Acknowledged)
            | (Acknowledged, Dispatched)
            | (Acknowledged, Closed)
            | (Dispatched, Dispatched)
            | (Dispatched, Closed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-30T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_signal_needs_a_kind_and_checks_the_rest() {
        let s = parse_signal(br#"{"kind":"fall"}"#, now()).unwrap();
        assert_eq!((s.kind, s.time, s.place), (CallKind::Fall, None, None));
        let s = parse_signal(
            br#"{"kind":"button","time":"2026-11-30T15:59:00+08:00","lat":25.6,"lon":115.8}"#,
            now(),
        )
        .unwrap();
        assert_eq!(s.time, Some("2026-11-30T07:59:00Z".parse().unwrap()));
        assert_eq!(s.place, Some((25.6, 115.8)));
        assert_eq!(parse_signal(b"{}", now()), Err(SignalError::Kind));
        assert_eq!(parse_signal(br#"{"kind":"fire"}"#, now()), Err(SignalError::Kind));
        assert!(matches!(parse_signal(b"[1]", now()), Err(SignalError::NotJson(_))));
        assert!(matches!(parse_signal(b"\xff", now()), Err(SignalError::NotJson(_))));
        assert_eq!(
            parse_signal(br#"{"kind":"fall","time":"2026-12-30T08:00:00Z"}"#, now()),
            Err(SignalError::Time)
        );
        assert_eq!(
            parse_signal(br#"{"kind":"fall","lat":25.6}"#, now()),
            Err(SignalError::Place)
        );
        assert_eq!(
            parse_signal(br#"{"kind":"fall","lat":95,"lon":1}"#, now()),
            Err(SignalError::Place)
        );
        let big = format!(r#"{{"kind":"fall","x":"{}"}}"#, "a".repeat(MAX_PAYLOAD));
        assert_eq!(parse_signal(big.as_bytes(), now()), Err(SignalError::TooLarge));
    }

    #[test]
    fn device_ids_are_one_topic_level() {
        assert_eq!(
            DeviceId::from_topic("yiyang/sos/demo-sos-1").unwrap().as_str(),
            "demo-sos-1"
        );
        assert!(DeviceId::from_topic("yiyang/sos/a/b").is_none());
        assert!(DeviceId::from_topic("yiyang/sos/").is_none());
        assert!(DeviceId::from_topic("other/demo").is_none());
        assert!(DeviceId::parse(&"x".repeat(65)).is_none());
    }

    #[test]
    fn an_unanswered_call_goes_up_one_step_per_period() {
        let ack = Duration::seconds(60);
        assert_eq!(level_after(Duration::seconds(59), ack), Level::OnDuty);
        assert_eq!(level_after(Duration::seconds(60), ack), Level::NextOnRoster);
        assert_eq!(level_after(Duration::seconds(119), ack), Level::NextOnRoster);
        assert_eq!(level_after(Duration::seconds(120), ack), Level::County);
        assert_eq!(level_after(Duration::hours(5), ack), Level::County);
    }

    #[test]
    fn the_turn_goes_down_the_roster_then_to_the_county() {
        let r = vec!["a".to_string(), "b".to_string()];
        assert_eq!(turn(Level::OnDuty, &r), Some("a"));
        assert_eq!(turn(Level::NextOnRoster, &r), Some("b"));
        assert_eq!(turn(Level::County, &r), None);
        assert_eq!(turn(Level::NextOnRoster, &r[..1]), None);
        assert_eq!(turn(Level::OnDuty, &[]), None);
    }

    #[test]
    fn secrets_compare_by_their_hash() {
        let h = secret_hash("demo-sos-secret");
        assert!(secret_matches("demo-sos-secret", &h));
        assert!(!secret_matches("demo-sos-secreT", &h));
        assert!(!secret_matches("", &h));
    }

    #[test]
    fn a_call_is_answered_before_it_is_dispatched_or_closed() {
        use CallStatus::*;
        assert!(may_move(New, Acknowledged));
        assert!(!may_move(New, Closed));
        assert!(!may_move(New, Dispatched));
        assert!(may_move(Acknowledged, Dispatched));
        assert!(may_move(Dispatched, Dispatched));
        assert!(!may_move(Closed, Acknowledged));
    }
}
