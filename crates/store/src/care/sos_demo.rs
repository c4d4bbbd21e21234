//! The demo county's emergency calls: the duty roster of 文武坝镇 (its civil-affairs officer,
//! then the duty officer) and of the county, two devices — `demo-sos-1` with the secret
//! `demo-sos-secret`, so a call can be tried at once with any MQTT client — and last weeks'
//! calls answered in seconds, one after an escalation, one still being handled.

use chrono::{DateTime, Duration, Utc};
use yiyang_domain::care::sos::{CallKind, Channel, DeviceId, Signal};

use super::sos::DeviceInput;
use crate::audit::Actor;
use crate::{with_pool, Result, Store};

pub const DEMO_DEVICE: &str = "demo-sos-1";
pub const DEMO_SECRET: &str = "demo-sos-secret";
const TOWN: &str = "360733100";
const COUNTY: &str = "360733";

fn as_user(actor: &Actor, name: &str, scope: &str) -> Actor {
    Actor {
        name: name.into(),
        channel: actor.channel,
        source: actor.source.clone(),
        scope: scope.into(),
    }
}

impl Store {
    pub(crate) async fn load_demo_sos(&self, actor: &Actor) -> Result<()> {
        if !self.sos_devices(COUNTY).await?.is_empty() {
            return Ok(());
        }
        // Two people of 文武坝镇: the one the demo family looks after first, then someone living alone.
        let people: Vec<(i64, String, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT p.id, p.id_number, p.address FROM persons p LEFT JOIN family_links f ON f.person_id = p.id AND f.status = 'confirmed' \
             WHERE p.residence_division LIKE '360733100%' AND p.death_date IS NULL \
             ORDER BY CASE WHEN f.id IS NULL THEN 1 ELSE 0 END, CASE WHEN p.categories LIKE '%,alone,%' THEN 0 ELSE 1 END, p.id LIMIT 2")
            .fetch_all(pool).await?);
        if people.len() < 2 {
            return Ok(());
        }
        let clerk = as_user(actor, "wenwuba", TOWN);
        self.set_duty_roster(&["wenwuba".into(), "zhiban".into()], TOWN, &clerk)
            .await?;
        self.set_duty_roster(&["huichang".into()], COUNTY, &as_user(actor, "huichang", COUNTY))
            .await?;
        for ((_, number, address), (device, kind, secret)) in people.iter().zip([
            (DEMO_DEVICE, "button", DEMO_SECRET),
            ("demo-fall-2", "fall", "demo-fall-secret"),
        ]) {
            let input = DeviceInput {
                device_id: device.into(),
                id_number: number.clone(),
                kind: kind.into(),
                address: address.clone().unwrap_or_else(|| "文武坝镇".into()),
            };
            self.register_device_with_secret(&input, secret, TOWN, &clerk).await?;
        }
        let now = self.clock.now();
        let duty = as_user(actor, "zhiban", TOWN);
        // (device, kind, days ago, seconds to answer, who answers, sent, outcome)
        type DemoCall<'a> = (
            &'a str,
            CallKind,
            i64,
            i64,
            &'a Actor,
            &'a [&'a str],
            Option<(&'a str, &'a str)>,
        );
        let calls: [DemoCall; 4] = [
            (
                DEMO_DEVICE,
                CallKind::Button,
                20,
                25,
                &clerk,
                &["family", "community"],
                Some(("handled", "老人起夜头晕，家属和村干部上门，已无大碍")),
            ),
            (
                "demo-fall-2",
                CallKind::Fall,
                12,
                75,
                &duty,
                &["ambulance", "family"],
                Some(("hospital", "跌倒致髋部疼痛，120 送县人民医院")),
            ),
            (
                DEMO_DEVICE,
                CallKind::Button,
                5,
                12,
                &clerk,
                &[],
                Some(("false_alarm", "误按，电话确认老人平安")),
            ),
            ("demo-fall-2", CallKind::Fall, 0, 18, &clerk, &["provider"], None),
        ];
        for (device, kind, days, answer, who, sent, outcome) in calls {
            let at: DateTime<Utc> = now - Duration::days(days) - Duration::hours(2);
            let signal = Signal {
                kind,
                time: None,
                place: None,
            };
            let id = DeviceId::parse(device).expect("demo device id");
            let got = self.receive_signal(&id, &signal, Channel::Mqtt, "demo", at).await?;
            let call = got.call.id;
            self.escalate_due(at + Duration::seconds(answer)).await?;
            self.acknowledge_call_at(call, TOWN, who, at + Duration::seconds(answer))
                .await?;
            let sent: Vec<String> = sent.iter().map(|s| s.to_string()).collect();
            if !sent.is_empty() {
                self.dispatch_call_at(
                    call,
                    &sent,
                    "已电话联系",
                    TOWN,
                    who,
                    at + Duration::seconds(answer + 60),
                )
                .await?;
            }
            if let Some((outcome, note)) = outcome {
                self.close_call_at(call, outcome, note, TOWN, who, at + Duration::minutes(50))
                    .await?;
            }
        }
        Ok(())
    }
}
